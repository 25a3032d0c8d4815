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


def test_grayscale_frames_are_tracked(couple):
    frames, box = couple
    config, path = _small_config("crpn")
    tracker = CRPNTracker.from_config(config, path, untrained=True)
    gray = [cv2.cvtColor(f, cv2.COLOR_BGR2GRAY) for f in frames]
    tracker.init(gray[0], box)
    assert np.all(np.isfinite(tracker.update(gray[1])))


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
    np.testing.assert_array_equal(run(CRPNTracker.from_checkpoint(ckpt)), run(donor))
    # the config's own checkpoint key is honoured too
    loaded2 = CRPNTracker.from_config({**config, "checkpoint": str(ckpt)}, path)
    np.testing.assert_array_equal(run(loaded2), run(donor))


def test_checkpoint_trained_with_other_crops_is_refused(tmp_path):
    config, path = _small_config("crpn-1stage")
    donor = CRPNTracker.from_config(config, path, untrained=True)
    other_crops = donor.config.replace(instance_size=167)     # same weights shapes, other training geometry
    ckpt = save_checkpoint(tmp_path / "model.pt", donor.model, other_crops)
    with pytest.raises(ConfigError, match="instance_size 167"):
        CRPNTracker.from_config(config, path, checkpoint=ckpt)


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


class ScriptedNetwork(torch.nn.Module):
    """Stands in for CRPN: every stage says 'the target is anchor `best`, with these deltas'."""

    def __init__(self, config, best, deltas, negative=-8.0):
        super().__init__()
        self.config, self.best, self.deltas, self.negative = config, best, deltas, negative
        self.crops = []

    def template(self, z):
        self.template_shape = tuple(z.shape)

    def track(self, x):
        self.crops.append(x)
        k, s = self.config.num_anchors, self.config.score_size
        neg = torch.full((k * s * s,), 8.0)        # confident background everywhere ...
        neg[self.best] = self.negative             # ... but at `best`
        cls = torch.zeros(1, 2, k, s, s)
        cls[0, 0] = neg.reshape(k, s, s)
        reg = torch.zeros(k * s * s, 4)
        reg[self.best] = torch.as_tensor(self.deltas, dtype=torch.float32) / self.config.stages
        reg = reg.reshape(k, s, s, 4).permute(3, 0, 1, 2).reshape(1, 4 * k, s, s)
        return [(cls.reshape(1, 2 * k, s, s), reg)] * self.config.stages


def test_selected_proposal_maps_back_to_image_coordinates():
    from crpnbench.models.anchors import generate_anchors
    from crpnbench.models.config import CRPNConfig

    config = CRPNConfig.from_toml(TRACKERS / "crpn-2stage.toml", {"penalty_k": 0.0, "window_influence": 0.0})
    frame = np.zeros((480, 640, 3), np.uint8)
    box = np.array([201.0, 101.0, 40.0, 60.0])                    # 1-based pixels 201..240 -> 0-based centre (219.5, 129.5)
    s_z = context_size(40, 60)
    scale_z = config.exemplar_size / s_z
    anchors = generate_anchors(config.score_size)
    # target moved by (+16, -24) crop pixels, i.e. anchor at cell offset (+2, -3) of shape 2 (64x64)
    best = 2 * 17 * 17 + (8 - 3) * 17 + (8 + 2)
    assert tuple(anchors[best]) == (16.0, -24.0, 64.0, 64.0)
    # the same size in the crop: dw = log(40 * scale_z / 64), split over the two refinements (Eq. 6 after
    # stage 1 gives stage 2's anchors, after stage 2 the proposals)
    deltas = [0.0, 0.0, np.log(40 * scale_z / 64), np.log(60 * scale_z / 64)]
    network = ScriptedNetwork(config, best, deltas)
    tracker = CRPNTracker(network, config)
    tracker.init(frame, box)
    assert network.template_shape == (1, 3, 127, 127)
    out = tracker.update(frame)
    assert network.crops[0].shape == (1, 3, 255, 255)
    expected_center = np.array([219.5 + 16 / scale_z, 129.5 - 24 / scale_z])
    center, size = box_to_center_size(out)
    np.testing.assert_allclose(center, expected_center, atol=1e-6)
    assert tracker.last_num_proposals == 1               # NAF left exactly the scripted anchor
    np.testing.assert_allclose(size, [40, 60], rtol=1e-5)   # two refinements of deltas/2 = the target's size


def test_scripted_size_and_naf_fallback():
    from crpnbench.models.config import CRPNConfig

    config = CRPNConfig.from_toml(TRACKERS / "crpn-1stage.toml", {"penalty_k": 0.0, "window_influence": 0.0,
                                                                    "lr": 1.0})
    frame = np.zeros((480, 640, 3), np.uint8)
    box = np.array([201.0, 101.0, 40.0, 60.0])
    scale_z = config.exemplar_size / context_size(40, 60)
    best = 2 * 17 * 17 + 8 * 17 + 8                       # centre cell, 64x64 anchor
    # one stage: proposals = anchors refined once; ask for a box twice as wide and the same height
    deltas = [0.0, 0.0, np.log(80 * scale_z / 64), np.log(60 * scale_z / 64)]
    tracker = CRPNTracker(ScriptedNetwork(config, best, deltas, negative=-30.0), config)
    tracker.init(frame, box)
    out = tracker.update(frame)
    # score ~1 and lr 1: the size is taken over completely, the centre stays
    np.testing.assert_allclose(box_to_center_size(out)[1], [80, 60], rtol=1e-5)
    np.testing.assert_allclose(box_to_center_size(out)[0], [219.5, 129.5], atol=1e-6)
    # every anchor confidently negative: NAF would remove all; the tracker falls back to all proposals
    fallback = CRPNTracker(ScriptedNetwork(config, best, deltas, negative=8.0), config)
    fallback.init(frame, box)
    assert np.all(np.isfinite(fallback.update(frame)))
    assert fallback.last_num_proposals == -1


def test_tracking_search_size_can_differ_from_training(couple):
    frames, box = couple
    config, path = _small_config("crpn")
    config["tracking"] = {**config.get("tracking", {}), "instance_size": 183}   # trained at 151: score 7 -> 11
    tracker = CRPNTracker.from_config(config, path, untrained=True)
    assert tracker.config.tracking_instance_size == 183 and tracker.config.score_size == 7
    tracker.init(frames[0], box)
    out = tracker.update(frames[1])
    assert np.all(np.isfinite(out))
    assert tracker.last_score_size == 11   # anchors and window follow the larger crop's maps
