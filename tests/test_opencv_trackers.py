"""OpenCV baselines on real OTB frames (refdata Crossing) and their coordinate conventions."""

from __future__ import annotations

import numpy as np
import pytest

from crpnbench.data.sequence import Sequence
from crpnbench.data.textio import read_boxes
from crpnbench.errors import ConfigError
from crpnbench.tracking.base import Tracker
from crpnbench.tracking.opencv_trackers import (
    OpenCVTracker,
    available_algorithms,
    from_opencv_rect,
    parameter_names,
    to_opencv_rect,
)
from crpnbench.tracking.registry import build_tracker

FRAMES = 30


@pytest.fixture(scope="module")
def crossing(refdata) -> tuple[Sequence, list[np.ndarray]]:
    """OTB Crossing (real images), its first 30 frames decoded by Sequence.frame."""
    folder = refdata / "otb" / "seqs" / "Crossing"
    boxes = read_boxes(folder / "groundtruth_rect.txt")
    paths = sorted((folder / "img").glob("*.jpg"))
    sequence = Sequence("Crossing", paths[:FRAMES], boxes[:FRAMES])
    return sequence, [sequence.frame(i) for i in range(FRAMES)]


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    x0, y0 = np.maximum(a[:, 0], b[:, 0]), np.maximum(a[:, 1], b[:, 1])
    x1 = np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2])
    y1 = np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    return inter / (a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter)


def _run(tracker: Tracker, frames: list[np.ndarray], init_box: np.ndarray) -> np.ndarray:
    tracker.init(frames[0], init_box)
    return np.array([init_box] + [tracker.update(f) for f in frames[1:]], dtype=np.float64)


def test_every_algorithm_is_available():
    assert available_algorithms() == ["KCF", "CSRT", "MOSSE", "MIL"]


@pytest.mark.parametrize("name", ["kcf", "csrt", "mosse", "mil"])
def test_registry_trackers_run_on_real_frames(name, crossing):
    sequence, frames = crossing
    tracker = build_tracker(name)
    assert isinstance(tracker, OpenCVTracker) and tracker.name == name
    boxes = _run(tracker, frames, sequence.init_box)
    assert boxes.shape == (FRAMES, 4)
    assert np.all(np.isfinite(boxes))
    assert np.all(boxes[:, 2:] > 0)
    # the target walks about 25 px left in 30 frames: every tracker stays near it
    centre_error = np.linalg.norm(
        (boxes[:, :2] + boxes[:, 2:] / 2) - (sequence.boxes[:, :2] + sequence.boxes[:, 2:] / 2), axis=1
    )
    assert np.median(centre_error) < 30


def test_csrt_follows_the_target(crossing):
    sequence, frames = crossing
    boxes = _run(build_tracker("csrt"), frames, sequence.init_box)
    overlap = _iou(boxes, sequence.boxes)
    assert np.mean(overlap > 0.5) >= 0.8, overlap.round(2)


def test_lost_target_repeats_the_last_box(crossing):
    sequence, frames = crossing
    tracker = OpenCVTracker("KCF")  # OpenCV's default detect_thresh: declares loss on weak peaks
    tracker.init(frames[0], sequence.init_box)
    before = tracker.update(frames[1])
    assert tracker.last_ok
    blank = np.zeros_like(frames[0])
    after = tracker.update(blank)
    assert not tracker.last_ok
    np.testing.assert_array_equal(after, before)
    assert np.all(np.isfinite(after))


def test_box_conventions_round_trip_through_opencv(crossing):
    """Tracking the init frame itself returns the 1-based init box (KCF/CSRT: exactly)."""
    _, frames = crossing
    box = np.array([205.0, 151.0, 17.0, 50.0])
    for algorithm in ("KCF", "CSRT"):
        tracker = OpenCVTracker(algorithm)
        tracker.init(frames[0], box)
        np.testing.assert_allclose(tracker.update(frames[0]), box)
    mosse = OpenCVTracker("MOSSE", context=2.0)  # MOSSE's own peak wobbles by a pixel
    mosse.init(frames[0], box)
    result = mosse.update(frames[0])
    assert mosse.last_ok
    np.testing.assert_allclose(result[2:], box[2:])
    assert np.abs(result[:2] - box[:2]).max() <= 1.5


def test_rect_conversion_helpers():
    assert to_opencv_rect(np.array([1.0, 1.0, 10.0, 20.0]), (240, 320, 3)) == (0, 0, 10, 20)
    assert to_opencv_rect(np.array([11.0, 21.0, 10.0, 20.0]), (240, 320, 3), context=2.0) == (5, 10, 20, 40)
    # partly outside the image: clipped, never empty
    assert to_opencv_rect(np.array([-9.0, 231.0, 20.0, 20.0]), (240, 320, 3)) == (0, 230, 10, 10)
    assert to_opencv_rect(np.array([400.0, 300.0, 5.0, 5.0]), (240, 320, 3))[2:] == (1, 1)
    np.testing.assert_array_equal(from_opencv_rect((0, 0, 10, 20)), [1.0, 1.0, 10.0, 20.0])


def test_parameters_pass_through_and_bad_ones_are_rejected():
    assert "detect_thresh" in parameter_names("KCF")
    assert "number_of_scales" in parameter_names("CSRT")
    tracker = OpenCVTracker("CSRT", params={"number_of_scales": 9, "use_segmentation": False})
    assert tracker.params == {"number_of_scales": 9, "use_segmentation": False}
    with pytest.raises(ConfigError, match="unknown KCF parameter 'detect_threshold'.*detect_thresh"):
        OpenCVTracker("KCF", params={"detect_threshold": 0.3})
    with pytest.raises(ConfigError, match="true or false"):
        OpenCVTracker("CSRT", params={"use_hog": 1})
    with pytest.raises(ConfigError, match="not a valid"):
        OpenCVTracker("CSRT", params={"number_of_scales": "many"})
    with pytest.raises(ConfigError, match="MOSSE.*no parameters"):
        OpenCVTracker("MOSSE", params={"sigma": 2})
    with pytest.raises(ConfigError, match="unknown OpenCV tracker algorithm 'TLD'"):
        OpenCVTracker("TLD")
    with pytest.raises(ConfigError, match="context"):
        OpenCVTracker("KCF", context=0.5)
    with pytest.raises(ConfigError, match="empty or unknown box"):
        OpenCVTracker("KCF").init(np.zeros((50, 50, 3), np.uint8), np.array([np.nan, 1, 5, 5]))


def test_reinit_starts_a_fresh_tracker(crossing):
    """Trackers are re-initialised per sequence (and after VOT failures): the second run is the same."""
    sequence, frames = crossing
    tracker = build_tracker("csrt")
    first = _run(tracker, frames[:10], sequence.init_box)
    second = _run(tracker, frames[:10], sequence.init_box)
    np.testing.assert_array_equal(first, second)
