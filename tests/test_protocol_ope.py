"""OPE on the real OTB Crossing sequence (120 frames, real JPEGs decoded by OpenCV)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from crpnbench.data.sequence import Sequence
from crpnbench.data.textio import read_boxes, read_rows
from crpnbench.errors import DataError
from crpnbench.protocols import make_protocol
from crpnbench.protocols.ope import OPE
from crpnbench.tracking.base import Tracker


class TemplateMatchTracker(Tracker):
    """A real (if simple) tracker: normalised cross-correlation of the first-frame patch."""

    name = "ncc"

    def __init__(self):
        self.calls = []

    def init(self, frame, box):
        self.calls.append(("init", frame.shape, np.asarray(box).copy()))
        x, y, w, h = np.round(box).astype(int)
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        self.template = gray[y - 1 : y - 1 + h, x - 1 : x - 1 + w]
        self.size = (w, h)
        self.position = (x - 1, y - 1)  # 0-based top-left

    def update(self, frame):
        """Search a window of +-16 px around the last position."""
        self.calls.append(("update", frame.shape, None))
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        (w, h), (px, py), r = self.size, self.position, 16
        x0, y0 = max(px - r, 0), max(py - r, 0)
        window = gray[y0 : min(py + h + r, gray.shape[0]), x0 : min(px + w + r, gray.shape[1])]
        scores = cv2.matchTemplate(window, self.template, cv2.TM_CCOEFF_NORMED)
        _, _, _, (dx, dy) = cv2.minMaxLoc(scores)
        self.position = (x0 + dx, y0 + dy)
        return np.array([x0 + dx + 1, y0 + dy + 1, w, h], dtype=np.float64)


def crossing(refdata) -> Sequence:
    folder = refdata / "otb" / "seqs" / "Crossing"
    return Sequence("Crossing", sorted((folder / "img").glob("*.jpg")), read_boxes(folder / "groundtruth_rect.txt"))


def test_ope_on_real_crossing_sequence(refdata, tmp_path):
    sequence = crossing(refdata)
    tracker = TemplateMatchTracker()
    protocol = make_protocol("ope")
    result = protocol.run(tracker, sequence)

    assert result.frames == len(sequence) == 120
    kinds = [c[0] for c in tracker.calls]
    assert kinds == ["init"] + ["update"] * 119
    assert all(shape == (240, 360, 3) for _, shape, _ in tracker.calls)
    np.testing.assert_array_equal(tracker.calls[0][2], sequence.boxes[0])

    written = protocol.write(result, tmp_path / "ncc")
    assert written[0] == tmp_path / "ncc" / "Crossing.txt"
    boxes = read_boxes(tmp_path / "ncc" / "Crossing.txt")
    assert boxes.shape == (120, 4)
    np.testing.assert_allclose(boxes[0], sequence.boxes[0])  # first line = the given box
    times = np.concatenate(read_rows(tmp_path / "ncc" / "times" / "Crossing_time.txt", widths=(1,)))
    assert times.shape == (120,) and np.all(times >= 0) and times[1:].sum() > 0
    assert protocol.is_complete(tmp_path / "ncc", sequence)

    # the walker is tracked: mean centre error against the real ground truth stays small
    centres = boxes[:, :2] + boxes[:, 2:] / 2
    truth = sequence.boxes[:, :2] + sequence.boxes[:, 2:] / 2
    assert np.median(np.linalg.norm(centres - truth, axis=1)) < 20
    assert result.tracker_fps > 0 and result.loop_fps > 0
    assert result.loop_seconds >= result.tracker_seconds * 0.99


def test_got10k_layout_and_incomplete_files(refdata, tmp_path):
    sequence = crossing(refdata)
    protocol = OPE()
    assert protocol.result_path(tmp_path, "Crossing", "got10k") == tmp_path / "Crossing" / "Crossing_001.txt"
    assert protocol.time_path(tmp_path, "Crossing", "got10k") == tmp_path / "Crossing" / "Crossing_time.txt"
    (tmp_path / "Crossing.txt").write_text("1,2,3,4\n" * 119)
    (tmp_path / "Crossing_time.txt").write_text("0.1\n" * 120)
    assert not protocol.is_complete(tmp_path, sequence)
    (tmp_path / "Crossing.txt").write_text("1,2,3,4\n" * 120)  # the time file's older name still counts
    assert protocol.is_complete(tmp_path, sequence)


def test_sequence_without_first_box_is_refused(refdata):
    sequence = crossing(refdata)
    sequence.boxes[0] = np.nan
    with pytest.raises(DataError, match="first-frame box"):
        OPE().run(TemplateMatchTracker(), sequence)


def test_tracker_returning_garbage_is_reported(refdata):
    class Broken(TemplateMatchTracker):
        def update(self, frame):
            return [1, 2, 3]

    from crpnbench.errors import ConfigError

    sequence = crossing(refdata)
    sequence = Sequence("Crossing", sequence.frame_paths[:3], sequence.boxes[:3])
    with pytest.raises(ConfigError, match="3 values"):
        OPE().run(Broken(), sequence)
