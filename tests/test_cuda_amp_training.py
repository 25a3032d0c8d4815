"""Mixed-precision (AMP) training of C-RPN: the training loop's ``amp`` setting (crpnbench.training.trainer).

``TrainSettings.amp`` (default True) runs the forward pass under ``torch.autocast(float16)`` with a
``GradScaler`` **on CUDA only**; on the CPU the flag is ignored (no bfloat16 autocast: the CPU run stays
fp32, bit for bit). The CUDA tests (``-k cuda``; skipped without a GPU, run by benchmarks/gpu_check.sh)
check one AMP step against the same step in fp32 (loss, gradients, the GradScaler's update) and a short
AMP run of the real loop with its checkpoint and resume. The CPU test checks the CPU side of that rule.

The training sequence is drawn here (a textured square moving over a smooth background), so no
reference data is needed.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from crpnbench.training.loss import cascade_loss
from crpnbench.training.pairs import TrainingPairs, make_loader, otb_folder_sequence
from crpnbench.training.trainer import TrainSettings, base_anchors_for, initialise_model, make_optimizer, train
from tests.test_train_loop import TINY  # 3 stages, 8-19 channels, 103/119 crops: a 3 x 3 score map

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="AMP training runs on CUDA only")
pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def moving_square(tmp_path_factory):
    """An OTB-style folder: 12 frames of 320x240, a tall 16x48 textured target (a pedestrian's shape, so the
    wide anchors are negatives) moving 3 px/frame."""
    folder = tmp_path_factory.mktemp("amp") / "Square"
    (folder / "img").mkdir(parents=True)
    rng = np.random.default_rng(3)
    background = cv2.resize(rng.integers(0, 255, (24, 32, 3), dtype=np.uint8), (320, 240),
                            interpolation=cv2.INTER_CUBIC)
    texture = rng.integers(0, 255, (48, 16, 3), dtype=np.uint8)
    lines = []
    for t in range(12):
        frame = background.copy()
        x, y = 120 + 3 * t, 90 + 2 * t
        frame[y: y + 48, x: x + 16] = texture
        assert cv2.imwrite(str(folder / "img" / f"{t + 1:04d}.jpg"), frame)
        lines.append(f"{x + 1},{y + 1},16,48")
    (folder / "groundtruth_rect.txt").write_text("\n".join(lines) + "\n")
    return otb_folder_sequence(folder)


def _settings(**changes):
    values = dict(epochs=2, pairs_per_epoch=4, batch_size=2, workers=0, seed=7, lr_start=1e-3)
    values.update(changes)
    return TrainSettings.from_mapping(values)


def _batch(sequence, count=4):
    pairs = TrainingPairs([sequence], count, _settings().pair_config(TINY).without_augmentation(), seed=1)
    return next(iter(make_loader(pairs, batch_size=count)))


def test_amp_is_a_cuda_only_switch_the_cpu_run_ignores(moving_square, tmp_path):
    """On the CPU ``amp`` changes nothing: no autocast, no scaler, the same weights bit for bit."""
    with_amp = train(TINY, [moving_square], _settings(amp=True), tmp_path / "amp", progress=False)
    without = train(TINY, [moving_square], _settings(amp=False), tmp_path / "fp32", progress=False)
    a = torch.load(with_amp.checkpoint, weights_only=False)
    b = torch.load(without.checkpoint, weights_only=False)
    assert a["scaler"] is None and b["scaler"] is None
    assert a["train_settings"]["amp"] is True and b["train_settings"]["amp"] is False
    for key in a["model"]:
        assert torch.equal(a["model"][key], b["model"][key]), key
    assert with_amp.epoch_losses == without.epoch_losses


def amp_step_check(sequence, device="cuda"):
    """One AMP step (autocast fp16 + GradScaler, as the loop runs it) against the same step in fp32.

    Returns the gradients' cosine similarity. ``device`` is a parameter only so that the check's own code
    can be tried on a CPU (torch's CPU fp16 autocast); the test runs it on CUDA.
    """
    device = torch.device(device)
    batch = _batch(sequence)
    model = initialise_model(TINY, _settings())[0].to(device).train()
    anchors = base_anchors_for(TINY).to(device)
    half = (TINY.instance_size - 1) / 2
    z, x = batch["template"].to(device), batch["search"].to(device)
    boxes = batch["box"].to(device).float() - torch.tensor([half, half, 0.0, 0.0], device=device)

    def loss(amp: bool):
        with torch.autocast(device_type=device.type, dtype=torch.float16, enabled=amp):
            outputs = model(z, x)
        total, parts = cascade_loss(outputs, anchors, boxes, TINY.theta,
                                    generator=torch.Generator().manual_seed(0))  # the same sampled anchors
        return outputs, total, parts

    model.zero_grad(set_to_none=True)
    _, reference, parts = loss(False)
    assert parts[0].positives > 0 and parts[0].negatives > 0
    reference.backward()
    reference_grads = torch.cat([p.grad.detach().flatten() for p in model.parameters()])

    optimizer = make_optimizer(model, _settings())
    scaler = torch.amp.GradScaler(device.type)
    before = [p.detach().clone() for p in model.parameters()]
    for _ in range(24):  # the first scale (65536) may overflow fp16: the scaler skips that step and halves it
        model.zero_grad(set_to_none=True)
        outputs, total, _ = loss(True)
        scaler.scale(total).backward()
        scaler.unscale_(optimizer)
        amp_grads = torch.cat([p.grad.flatten() for p in model.parameters()])
        if torch.isfinite(amp_grads).all():
            break
        scaler.step(optimizer)  # skipped (inf/nan gradients), and the scale is halved
        scaler.update()
        assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
    else:
        pytest.fail(f"AMP gradients stayed non-finite down to scale {scaler.get_scale()}")
    assert any(cls.dtype == torch.float16 for cls, _ in outputs)  # autocast really ran the convolutions in fp16
    assert torch.isfinite(total) and total.dtype == torch.float32
    assert total.item() == pytest.approx(reference.item(), rel=0.05)
    cosine = torch.nn.functional.cosine_similarity(amp_grads.float(), reference_grads.float(), dim=0).item()
    assert cosine > 0.9, f"AMP gradients point elsewhere than fp32's (cosine {cosine:.3f})"
    scale = scaler.get_scale()
    scaler.step(optimizer)
    scaler.update()
    assert scaler.get_scale() == scale  # a finite step keeps the scale (it grows only after 2000 of them)
    after = list(model.parameters())
    assert all(torch.isfinite(p).all() for p in after)
    assert any(not torch.equal(a, b) for a, b in zip(before, after))  # the step was taken
    return cosine


@needs_cuda
def test_cuda_amp_step_agrees_with_fp32_and_updates_the_weights(moving_square):
    amp_step_check(moving_square, "cuda")


@needs_cuda
def test_cuda_amp_training_run_checkpoints_its_scaler_and_resumes(moving_square, tmp_path):
    """The real loop on CUDA with ``amp``: finite losses, the GradScaler's state in the checkpoint, resume."""
    settings = _settings(device="cuda", amp=True, epochs=3)
    part = train(TINY, [moving_square], settings, tmp_path / "amp", progress=False, stop_after_epochs=2)
    assert part.epochs_done == 2 and all(np.isfinite(part.epoch_losses))
    state = torch.load(part.checkpoint, weights_only=False, map_location="cpu")
    assert state["scaler"] is not None and state["scaler"]["scale"] > 0
    assert all(torch.isfinite(value).all() for value in state["model"].values() if value.is_floating_point())
    resumed = train(TINY, [moving_square], settings, tmp_path / "amp", resume=True, progress=False)
    assert resumed.epochs_done == 3 and all(np.isfinite(resumed.epoch_losses))
    # amp off on CUDA: the fp32 path, no scaler
    plain = train(TINY, [moving_square], _settings(device="cuda", amp=False, epochs=1), tmp_path / "fp32",
                  progress=False)
    assert torch.load(plain.checkpoint, weights_only=False, map_location="cpu")["scaler"] is None
