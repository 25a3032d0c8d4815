"""The C-RPN tracker on real frames (refdata OTB Couple), its crops, checkpoints and error messages."""

import tomllib
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from crpnbench.errors import ConfigError
from crpnbench.models.checkpoint import save_checkpoint
from crpnbench.tracking.crop import box_to_center_size, center_size_to_box, context_size, crop_and_resize
from crpnbench.tracking.crpn_tracker import CRPNTracker

TRACKERS = Path(__file__).resolve().parents[1] / "trackers"
VARIANTS = ["crpn", "crpn-1stage", "crpn-2stage", "crpn-nonaf", "crpn-noftb-single", "crpn-noftb-multi", "crpn-small"]
torch.set_num_threads(1)


def _small_config(name):
    """The parsed TOML of a variant, shrunk (width, crop sizes) so a CPU test takes a fraction of a second."""
    path = TRACKERS / f"{name}.toml"
    config = tomllib.loads(path.read_text())
    config.setdefault("model", {}).update(width=0.125, exemplar_size=103, instance_size=151)
    return config, path


@pytest.fixture(scope="module")
def couple(refdata):
    folder = refdata / "otb" / "seqs" / "Couple"
    frames = [cv2.imread(str(p)) for p in sorted((folder / "img").glob("*.jpg"))[:4]]
    assert all(f is not None and f.ndim == 3 for f in frames)
    text = (folder / "groundtruth_rect.txt").read_text().split("\n")[0]
    box = np.array([float(v) for v in text.replace(",", " ").split()])
    return frames, box


@pytest.mark.parametrize("name", VARIANTS)
def test_every_variant_tracks_real_frames(couple, name):
    frames, box = couple
    config, path = _small_config(name)
    tracker = CRPNTracker.from_config(config, path, untrained=True)
    assert tracker.name == name
    tracker.init(frames[0], box)
    height, width = frames[0].shape[:2]
    for frame in frames[1:]:
        out = tracker.update(frame)
        assert out.shape == (4,) and np.all(np.isfinite(out))
        cx, cy = out[0] + (out[2] - 1) / 2, out[1] + (out[3] - 1) / 2   # 1-based centre
        assert 1 <= cx <= width and 1 <= cy <= height
        assert 10 <= out[2] <= width and 10 <= out[3] <= height


def test_untrained_runs_are_reproducible_and_trained_checkpoint_is_used(couple, tmp_path):
    frames, box = couple
    config, path = _small_config("crpn-2stage")

    def run(tracker):
        tracker.init(frames[0], box)
        return np.array([tracker.update(f) for f in frames[1:]])

    first = run(CRPNTracker.from_config(config, path, untrained=True))
    np.testing.assert_array_equal(first, run(CRPNTracker.from_config(config, path, untrained=True)))
    # a checkpoint with other weights: from_config loads it, and the tracker reproduces it exactly
    donor = CRPNTracker.from_config({**config, "model": {**config["model"], "seed": 5}}, path, untrained=True)
    ckpt = save_checkpoint(tmp_path / "model.pt", donor.model, donor.config, {"epoch": 1})
    loaded = CRPNTracker.from_config(config, path, checkpoint=ckpt)
    for a, b in zip(donor.model.state_dict().values(), loaded.model.state_dict().values()):
        assert torch.equal(a, b)
    np.testing.assert_array_equal(run(loaded), run(donor))
    # the config's own checkpoint key is honoured too
    loaded2 = CRPNTracker.from_config({**config, "checkpoint": str(ckpt)}, path)
    np.testing.assert_array_equal(run(loaded2), run(donor))


def test_missing_checkpoint_says_how_to_get_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config, path = _small_config("crpn-1stage")
    with pytest.raises(ConfigError) as info:
        CRPNTracker.from_config(config, path)
    message = str(info.value)
    assert str(Path("results/runs/crpn-1stage/model.pt")) in message
    assert "crpnbench train --tracker crpn-1stage" in message and "--untrained" in message
    with pytest.raises(ConfigError, match="elsewhere.pt"):
        CRPNTracker.from_config(config, path, checkpoint=tmp_path / "elsewhere.pt")


def test_box_conversions_and_context():
    center, size = box_to_center_size([1, 1, 10, 20])       # 1-based pixels 1..10 -> 0-based centre 4.5
    np.testing.assert_allclose(center, [4.5, 9.5])
    np.testing.assert_allclose(center_size_to_box(center, size), [1, 1, 10, 20])
    assert context_size(10, 20) == pytest.approx(np.sqrt(25 * 35))


def test_crop_is_centred_and_padded_with_the_mean_colour(couple):
    frame = couple[0][0]
    h, w = frame.shape[:2]
    # a crop at scale 1 around an interior pixel is exactly that window of the image
    cx, cy = w // 2, h // 2
    np.testing.assert_array_equal(crop_and_resize(frame, (cx, cy), 41, 41), frame[cy - 20:cy + 21, cx - 20:cx + 21])
    # scale 1/2 around (cx + 0.5, cy + 0.5): crop pixel u samples source cx + 0.5 + (u - 9.5) * 2, so crop
    # pixel (9, 9) is the bilinear value at (cx - 0.5, cy - 0.5), the mean of four source pixels
    half = crop_and_resize(frame, (cx + 0.5, cy + 0.5), 40, 20).astype(float)
    np.testing.assert_allclose(half[9, 9], frame[cy - 1:cy + 1, cx - 1:cx + 1].reshape(-1, 3).mean(0), atol=1)
    np.testing.assert_allclose(half[10, 10], frame[cy + 1:cy + 3, cx + 1:cx + 3].reshape(-1, 3).mean(0), atol=1)
    # a crop around the top-left pixel: the source pixel lands on the crop centre, outside is the mean colour
    crop = crop_and_resize(frame, (0.0, 0.0), 21, 21)
    np.testing.assert_array_equal(crop[10, 10], frame[0, 0])
    np.testing.assert_array_equal(crop[10:, 10:], frame[:11, :11])
    mean = np.round(frame.reshape(-1, 3).mean(axis=0))
    np.testing.assert_allclose(crop[0, 0], mean, atol=1)
