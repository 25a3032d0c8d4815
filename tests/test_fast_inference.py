"""The fast C-RPN inference path (crpnbench.tracking.fast) against eager on real OTB Couple frames."""

from __future__ import annotations

import tomllib
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from crpnbench.errors import ConfigError
from crpnbench.evaluation import evaluate
from crpnbench.models.config import CRPNConfig
from crpnbench.tracking.crop import image_to_tensor
from crpnbench.tracking.crpn_tracker import CRPNTracker, build_model
from crpnbench.tracking.fast import FastCRPNModel, apply_fast_mode, resolve_fast_mode
from crpnbench.tracking.registry import build_tracker
from crpnbench.tracking.spec import TrackerSpec

TRACKERS = Path(__file__).resolve().parents[1] / "trackers"
torch.set_num_threads(1)


def small_config(name="crpn", **model):
    """A variant shrunk so that a CPU test takes a fraction of a second per frame."""
    path = TRACKERS / f"{name}.toml"
    mapping = tomllib.loads(path.read_text())
    mapping.setdefault("model", {}).update({"width": 0.125, "exemplar_size": 103, "instance_size": 151, **model})
    return CRPNConfig.from_mapping(mapping, path)


@pytest.fixture(scope="module")
def couple(refdata):
    folder = refdata / "otb" / "seqs" / "Couple"
    frames = [cv2.imread(str(p)) for p in sorted((folder / "img").glob("*.jpg"))[:6]]
    assert all(f is not None and f.shape == (240, 320, 3) for f in frames)
    first = (folder / "groundtruth_rect.txt").read_text().split("\n")[0]
    return frames, np.array([float(v) for v in first.replace(",", " ").split()])


def boxes_in_step(eager: CRPNTracker, fast: CRPNTracker, frames, box):
    """Both trackers' boxes frame by frame, the fast one restarted from eager's state every frame.

    Sharing the state keeps a sub-pixel difference in one frame from moving the next frame's crop,
    so each frame compares the networks on the same input.
    """
    eager.init(frames[0], box)
    fast.init(frames[0], box)
    out_eager, out_fast = [], []
    for frame in frames[1:]:
        fast.center, fast.size = eager.center.copy(), eager.size.copy()
        out_fast.append(fast.update(frame))
        out_eager.append(eager.update(frame))
    return np.array(out_eager), np.array(out_fast)


@pytest.mark.parametrize("mode", ["channels_last", "eager"])
def test_fast_modes_track_like_eager_on_real_frames(couple, mode):
    frames, box = couple
    config = small_config()
    eager = CRPNTracker(build_model(config), config)
    fast = apply_fast_mode(CRPNTracker(build_model(config), config), mode)
    assert fast.fast_mode == mode
    assert isinstance(fast.model, FastCRPNModel) == (mode != "eager")
    a, b = boxes_in_step(eager, fast, frames, box)
    assert a.shape == (5, 4) and np.all(np.isfinite(a))
    np.testing.assert_allclose(b, a, atol=1e-3)

    # and the per-stage network maps on a real search crop agree to float32 rounding
    x = image_to_tensor(cv2.resize(frames[3], (config.instance_size, config.instance_size)))
    with torch.inference_mode():
        for (cls_a, reg_a), (cls_b, reg_b) in zip(eager.model.track(x), fast.model.track(x)):
            assert cls_b.dtype == torch.float32 and cls_b.is_contiguous() or mode == "channels_last"
            torch.testing.assert_close(cls_b.contiguous(), cls_a, rtol=1e-4, atol=1e-4)
            torch.testing.assert_close(reg_b.contiguous(), reg_a, rtol=1e-4, atol=1e-4)


def test_compiled_search_branch_tracks_like_eager(couple):
    frames, box = couple
    config = small_config("crpn-1stage")
    eager = CRPNTracker(build_model(config), config)
    fast = apply_fast_mode(CRPNTracker(build_model(config), config), "compile")
    a, b = boxes_in_step(eager, fast, frames[:4], box)
    np.testing.assert_allclose(b, a, atol=1e-2)
    # a new video (another template) reuses the compiled graph and still matches eager
    a2, b2 = boxes_in_step(eager, fast, frames[2:5], box + np.array([3.0, 2.0, 0.0, 0.0]))
    np.testing.assert_allclose(b2, a2, atol=1e-2)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="half precision is used on CUDA only")
def test_cuda_channels_last_half_precision(couple):
    frames, box = couple
    config = small_config()
    eager = CRPNTracker(build_model(config), config, "cuda")
    fast = apply_fast_mode(CRPNTracker(build_model(config), config, "cuda"), "auto")
    assert fast.fast_mode == "channels_last" and fast.model.dtype == torch.float16
    a, b = boxes_in_step(eager, fast, frames, box)
    np.testing.assert_allclose(b, a, atol=2.0)


def test_template_branch_runs_once_per_video(couple):
    frames, box = couple
    config = small_config()
    for mode in ("eager", "channels_last"):
        tracker = apply_fast_mode(CRPNTracker(build_model(config), config), mode)
        network = tracker.model.network if mode != "eager" else tracker.model
        calls = {"template": 0, "backbone": 0}
        kernels, backbone = network._kernels, network.backbone.forward

        def counted_kernels(z):
            calls["template"] += 1
            return kernels(z)

        def counted_backbone(x):
            calls["backbone"] += 1
            return backbone(x)

        network._kernels = counted_kernels
        network.backbone.forward = counted_backbone
        tracker.init(frames[0], box)
        for frame in frames[1:]:
            tracker.update(frame)
        assert calls["template"] == 1  # template kernels once, at init
        assert calls["backbone"] == 1 + (len(frames) - 1)  # one backbone pass per search frame


def test_auto_and_errors():
    assert resolve_fast_mode("auto", "cpu") == "channels_last"
    assert resolve_fast_mode("auto", "cuda:0") == "channels_last"
    assert resolve_fast_mode("compile", "cpu") == "compile"
    with pytest.raises(ConfigError, match="unknown fast inference mode 'turbo'"):
        resolve_fast_mode("turbo", "cpu")
    kcf = build_tracker("kcf")
    assert apply_fast_mode(kcf, "channels_last") is kcf  # not a C-RPN tracker: unchanged
    config = small_config()
    tracker = apply_fast_mode(CRPNTracker(build_model(config), config), "channels_last")
    assert isinstance(apply_fast_mode(tracker, "eager").model, torch.nn.Module)  # back to the plain network


def test_fast_spec_through_the_runner_keeps_folder_and_files(tmp_path):
    from crpnbench.data import open_benchmark

    synthetic = open_benchmark("synthetic", root=tmp_path / "synthetic")
    names = synthetic.names[:1]
    spec = TrackerSpec.of("crpn-small", untrained=True, fast="eager")
    assert spec.name == "crpn-small" and spec.folder == "crpn-small-untrained" and spec.fast == "eager"
    common = dict(sequences=names, max_frames=4, progress=False)
    evaluate(synthetic, [spec], "ope", tmp_path / "fast", **common)
    evaluate(synthetic, ["crpn-small"], "ope", tmp_path / "plain", untrained=True, **common)
    result = Path("raw/synthetic/crpn-small-untrained") / f"{names[0]}.txt"
    fast_text = (tmp_path / "fast" / result).read_text()
    assert len(fast_text.split()) == 4
    assert fast_text == (tmp_path / "plain" / result).read_text()
