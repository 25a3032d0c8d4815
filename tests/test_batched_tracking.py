"""The batched C-RPN engine (crpnbench.tracking.batched): crops, correlation, steps vs the one-sequence path."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from crpnbench.models.config import CRPNConfig
from crpnbench.models.crpn import build_model
from crpnbench.tracking import batched as batched_module
from crpnbench.tracking.batched import (BatchedCRPN, _stack_kernels, batched_correlate, batched_crops,
                                        cv2_fixed_point_warp)
from crpnbench.tracking.crop import crop_and_resize
from crpnbench.tracking.crpn_tracker import CRPNTracker
from crpnbench.tracking.registry import default_trackers_dir

VARIANTS = ("crpn-small", "crpn-1stage", "crpn-2stage", "crpn-nonaf", "crpn-noftb-single", "crpn-noftb-multi")


def small(name: str) -> CRPNConfig:
    """A variant at crpn-small's width and crops (fast on a CPU), keeping its stages/fusion/theta."""
    config = CRPNConfig.from_toml(default_trackers_dir() / f"{name}.toml")
    return config.replace(width=0.25, exemplar_size=111, instance_size=191)


def frames(count=4, seed=0):
    rng = np.random.default_rng(seed)
    shapes = [(120, 160), (90, 200), (50, 60), (240, 320)]
    return [rng.integers(0, 256, shapes[i % 4] + (3,), dtype=np.uint8) for i in range(count)]


def test_batched_crops_match_warp_affine_within_one_grey_level():
    images = frames()
    centers = [(80.3, 50.7), (3.1, 2.2), (300.9, 290.2), (-500.0, -400.0)]  # inside, corner, outside, far away
    sizes = [123.4, 300.7, 80.3, 100.0]
    pads = [img.reshape(-1, 3).mean(0) for img in images]
    crops = batched_crops(images, centers, sizes, 127, pads)
    assert crops.shape == (4, 3, 127, 127) and crops.dtype == torch.float32
    for i, image in enumerate(images):
        reference = crop_and_resize(image, centers[i], sizes[i], 127, pads[i]).transpose(2, 0, 1).astype(np.float32)
        difference = np.abs(reference - crops[i].numpy())
        assert difference.max() <= 1.0
        assert (difference > 0).mean() < 0.01
    # a grayscale frame is read as B = G = R, as the tracker does
    gray = images[0][:, :, 0]
    one = batched_crops([gray], [centers[0]], [sizes[0]], 63, [float(gray.mean())])
    assert torch.equal(one[0, 0], one[0, 2])


def test_fixed_point_sampling_is_opencv_4s_grid():
    image = np.zeros((1, 4, 3), np.uint8)
    image[:, 1:] = 255
    positions = batched_module._source_positions(1.3, 1.0, 1, fixed_point=True)
    assert positions[0] * 32 == round(positions[0] * 32)  # on the 1/32-pixel grid
    assert isinstance(cv2_fixed_point_warp(), bool)


@pytest.mark.parametrize("name", VARIANTS)
def test_batched_correlation_equals_per_sample_forward(name):
    torch.manual_seed(0)
    config = small(name)
    network = build_model(config).eval()
    z = torch.rand(3, 3, config.exemplar_size, config.exemplar_size) * 255
    x = torch.rand(3, 3, config.tracking_instance_size, config.tracking_instance_size) * 255
    with torch.inference_mode():
        kernels = [network._kernels(z[i: i + 1]) for i in range(3)]
        single = [network._correlate(kernels[i], x[i: i + 1]) for i in range(3)]
        for exact in (True, False):
            out = batched_correlate(network, _stack_kernels(kernels), x, exact)
            assert len(out) == config.stages
            for i in range(3):
                for (cls, reg), (cls1, reg1) in zip(out, single[i]):
                    torch.testing.assert_close(cls[i: i + 1], cls1, rtol=1e-4, atol=1e-3)
                    torch.testing.assert_close(reg[i: i + 1], reg1, rtol=1e-4, atol=1e-3)


def per_sample_correlate(network, kernels, x, exact=True):
    """A batch-invariant stand-in for batched_correlate: the network's own forward per sample."""
    per = [network._correlate([_slice(k, i) for k in kernels], x[i: i + 1]) for i in range(x.shape[0])]
    return [(torch.cat([p[s][0] for p in per]), torch.cat([p[s][1] for p in per])) for s in range(len(per[0]))]


def _slice(kernel, i):
    if isinstance(kernel, torch.Tensor):
        return kernel[i: i + 1]
    return type(kernel)(_slice(k, i) for k in kernel)


def moving_square(count, seed):
    rng = np.random.default_rng(seed)
    background = rng.integers(0, 255, (12, 16, 3), dtype=np.uint8)
    import cv2

    base = cv2.resize(background, (160, 120), interpolation=cv2.INTER_CUBIC)
    images = []
    for t in range(count):
        image = base.copy()
        image[40 + t: 70 + t, 50 + 2 * t: 80 + 2 * t] = (30 + 40 * seed, 200, 250)
        images.append(image)
    return images, np.array([51.0, 41.0, 30.0, 30.0])


@pytest.mark.parametrize("crop", ["cv2", "torch"])
def test_a_step_gives_every_sequence_its_own_box(monkeypatch, crop):
    """With a batch-invariant forward, lock-step boxes equal the one-sequence tracker's bit for bit
    (cv2 crops) or within a pixel (torch crops agree with cv2 within a grey level)."""
    torch.set_num_threads(1)
    monkeypatch.setattr(batched_module, "batched_correlate", per_sample_correlate)
    config = small("crpn-small")
    tracker = CRPNTracker(build_model(config), config)
    videos = [moving_square(6, seed) for seed in range(3)]
    serial = []
    for images, box in videos:
        tracker.init(images[0], box)
        serial.append([tracker.update(image) for image in images[1:]])
    engine = BatchedCRPN(tracker, crop=crop)
    states = [engine.new_state() for _ in videos]
    for state, (images, box) in zip(states, videos):
        engine.init(state, images[0], box)
    for t in range(1, 6):
        live = states if t < 4 else states[:2]              # the third sequence leaves the batch early
        boxes, timing = engine.step(live, frames=[videos[i][0][t] for i in range(len(live))])
        assert timing.size == len(live) and timing.total > 0
        for i, box in enumerate(boxes):
            if crop == "cv2":
                assert np.array_equal(box, serial[i][t - 1])
            else:
                np.testing.assert_allclose(box, serial[i][t - 1], atol=1.0)


def test_only_crpn_trackers_and_known_crops():
    from crpnbench.errors import ConfigError

    config = small("crpn-small")
    with pytest.raises(ConfigError, match="C-RPN"):
        BatchedCRPN(object())
    with pytest.raises(ConfigError, match="crop"):
        BatchedCRPN(CRPNTracker(build_model(config), config), crop="nearest")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_batched_crops_equal_cpu_crops():
    images = frames()
    centers, sizes = [(80.3, 50.7), (3.1, 2.2), (30.9, 29.2), (160.0, 120.0)], [123.4, 300.7, 80.3, 100.0]
    pads = [img.reshape(-1, 3).mean(0) for img in images]
    cpu = batched_crops(images, centers, sizes, 255, pads)
    gpu = batched_crops(images, centers, sizes, 255, pads, device="cuda")
    assert (cpu - gpu.cpu()).abs().max() <= 1.0


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("fast", [None, "channels_last"])
def test_cuda_batched_step_matches_the_one_sequence_tracker(fast):
    from crpnbench.tracking.fast import apply_fast_mode

    config = small("crpn-small")
    tracker = CRPNTracker(build_model(config), config, "cuda")
    if fast:
        tracker = apply_fast_mode(tracker, fast)  # fp16 on CUDA
    videos = [moving_square(4, seed) for seed in range(4)]
    serial = []
    for images, box in videos:
        tracker.init(images[0], box)
        serial.append(tracker.update(images[1]))
    engine = BatchedCRPN(tracker, crop="torch")
    states = [engine.new_state() for _ in videos]
    for state, (images, box) in zip(states, videos):
        engine.init(state, images[0], box)
    boxes, _ = engine.step(states, frames=[images[1] for images, _ in videos])
    for box, reference in zip(boxes, serial):
        np.testing.assert_allclose(box, reference, atol=2.0 if fast else 0.5)
