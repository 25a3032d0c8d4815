"""VOT baseline and real-time experiments on the real VOT `bag` sequence (196 JPEG frames)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from crpnbench.data.sequence import Sequence
from crpnbench.data.textio import read_rows
from crpnbench.protocols import make_protocol
from crpnbench.protocols.realtime import VOTRealtime
from crpnbench.protocols.vot_baseline import VOTBaseline, region_overlap
from crpnbench.tracking.base import Tracker

FAR_AWAY = np.array([-5000.0, -5000.0, 10.0, 10.0])


def bag(refdata, frames: int | None = None) -> Sequence:
    folder = refdata / "video" / "vot_bag_frames"
    polygons = np.vstack(read_rows(folder / "groundtruth.txt", widths=(8,)))
    xs, ys = polygons[:, 0::2], polygons[:, 1::2]
    boxes = np.stack([xs.min(1), ys.min(1), xs.max(1) - xs.min(1), ys.max(1) - ys.min(1)], axis=1)
    paths = sorted(folder.glob("*.jpg"))
    n = frames or len(paths)
    return Sequence("bag", paths[:n], boxes[:n], polygons=polygons[:n])


class OracleTracker(Tracker):
    """Returns the ground-truth bounding box, except a far-away box on the frames in ``fail_at``."""

    name = "oracle"

    def __init__(self, boxes, fail_at=()):
        self.boxes, self.fail_at = boxes, set(fail_at)
        self.inits = []

    def init(self, frame, box):
        self.index = int(np.argmin(np.abs(self.boxes - box).sum(1)))
        self.inits.append(self.index)

    def update(self, frame):
        self.index += 1
        return FAR_AWAY if self.index in self.fail_at else self.boxes[self.index]


def expected_codes(n, failures, gap=5):
    """The VOT convention written out by hand: 1 init, 2 failure, 0 for the 4 frames after it."""
    codes = ["box"] * n
    codes[0] = 1
    for f in failures:
        codes[f] = 2
        for k in range(f + 1, min(f + gap, n)):
            codes[k] = 0
        if f + gap < n:
            codes[f + gap] = 1
    return codes


def read_codes(path):
    out = []
    for line in path.read_text().splitlines():
        values = line.split(",")
        out.append(int(float(values[0])) if len(values) == 1 else "box")
    return out


def test_baseline_failure_skip_reinit_pattern_on_bag(refdata, tmp_path):
    sequence = bag(refdata)
    assert len(sequence) == 196
    fail_at = [10, 16, 50, 193]  # 16 = the first frame tracked after the re-init at 15
    tracker = OracleTracker(sequence.boxes, fail_at)
    protocol = make_protocol("baseline")
    result = protocol.run(tracker, sequence)
    assert result.failures == 4
    assert tracker.inits == [0, 15, 21, 55]  # 5 frames after each failure; none after 193

    files = protocol.write(result, tmp_path / "oracle")
    assert files[0] == tmp_path / "oracle" / "baseline" / "bag" / "bag_001.txt"
    codes = read_codes(files[0])
    want = expected_codes(196, fail_at)
    assert codes == want
    assert codes[10:16] == [2, 0, 0, 0, 0, 1] and codes[193:] == [2, 0, 0]
    times = np.concatenate(read_rows(files[1], widths=(1,)))
    assert times.shape == (196,)
    assert np.all(times[[i for i, c in enumerate(want) if c == 0]] == 0)
    assert protocol.is_complete(tmp_path / "oracle", sequence)
    # tracked frames hold the tracker's boxes
    boxes = np.vstack([list(map(float, l.split(","))) for l in files[0].read_text().splitlines() if "," in l])
    np.testing.assert_allclose(boxes[0], sequence.boxes[1], atol=1e-4)


def test_no_failure_when_prediction_overlaps(refdata):
    sequence = bag(refdata, frames=30)
    result = VOTBaseline().run(OracleTracker(sequence.boxes), sequence)
    assert result.failures == 0 and result.entries[0] == 1
    assert all(not isinstance(e, int) for e in result.entries[1:])


def test_region_overlap_against_polygon():
    square = np.array([0, 0, 10, 0, 10, 10, 0, 10], dtype=float)
    assert region_overlap(np.array([0, 0, 10, 10]), square) == pytest.approx(1.0)
    assert region_overlap(np.array([5, 0, 10, 10]), square) == pytest.approx(50 / 150)
    assert region_overlap(np.array([20, 20, 5, 5]), square) == 0.0
    assert region_overlap(np.array([0, 0, 0, 10]), square) == 0.0
    diamond = np.array([5, 0, 10, 5, 5, 10, 0, 5], dtype=float)  # area 50, inside the square
    assert region_overlap(np.array([0, 0, 10, 10]), diamond) == pytest.approx(0.5)
    # clipped to a 6x6 image, a box entirely outside the image overlaps nothing
    assert region_overlap(np.array([7, 7, 3, 3]), square, bounds=(6, 6)) == 0.0
    assert region_overlap(np.array([7, 7, 3, 3]), square) > 0


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class CostlyTracker(Tracker):
    """Takes ``cost`` seconds of a fake clock per update; each output is distinct (x drifts by 0.5)."""

    def __init__(self, clock, cost, fail_on_call=None):
        self.clock, self.cost, self.fail_on_call = clock, cost, fail_on_call
        self.frames_seen = []
        self.calls = 0

    def init(self, frame, box):
        self.box = np.asarray(box, dtype=float).copy()

    def update(self, frame):
        self.clock.now += self.cost
        self.calls += 1
        self.frames_seen.append(frame)
        if self.calls == self.fail_on_call:
            return FAR_AWAY
        return self.box + [0.5 * self.calls, 0, 0, 0]


def still_sequence(refdata, n=20):
    """Real Crossing frames with a fixed ground-truth box (the tracker's box always overlaps it)."""
    paths = sorted((refdata / "otb" / "seqs" / "Crossing" / "img").glob("*.jpg"))[:n]
    return Sequence("still", paths, np.tile([100.0, 100.0, 40.0, 40.0], (n, 1)))


def tracked_frames(result):
    return [i for i in range(1, result.frames) if result.times[i] > 0]


def test_realtime_skips_frames_that_arrive_while_busy(refdata):
    clock = FakeClock()
    tracker = CostlyTracker(clock, cost=0.12)
    result = VOTRealtime(clock=clock).run(tracker, still_sequence(refdata))
    # 20 fps: frame k arrives at 0.05 k; each update keeps the tracker busy 0.12 s
    assert tracked_frames(result) == [1, 4, 7, 10, 13, 16, 19]
    assert result.tracker_frames == 1 + 7
    for k in (2, 3, 5, 6):  # held frames repeat the last output
        np.testing.assert_array_equal(result.entries[k], result.entries[k - 1])
    assert result.entries[4][0] == result.entries[1][0] + 0.5
    assert result.failures == 0


def test_realtime_fast_tracker_sees_every_frame_and_slow_init_counts(refdata):
    clock = FakeClock()
    result = VOTRealtime(clock=clock).run(CostlyTracker(clock, cost=0.05), still_sequence(refdata))
    assert tracked_frames(result) == list(range(1, 20))  # finishing exactly on time is in time

    clock = FakeClock()
    result = VOTRealtime(clock=clock, fps=10).run(CostlyTracker(clock, cost=0.25), still_sequence(refdata))
    assert tracked_frames(result) == [1, 4, 7, 10, 13, 16, 19]


def test_realtime_failure_restarts_the_clock_after_reinit(refdata):
    clock = FakeClock()
    tracker = CostlyTracker(clock, cost=0.12, fail_on_call=2)  # 2nd update = frame 4 fails
    result = VOTRealtime(clock=clock).run(tracker, still_sequence(refdata))
    codes = [e if isinstance(e, int) else "box" for e in result.entries]
    assert codes[:10] == [1, "box", "box", "box", 2, 0, 0, 0, 0, 1]
    assert tracked_frames(result)[:4] == [1, 4, 10, 13]  # 10 = first frame after the re-init at 9
    assert result.failures == 1


def test_realtime_with_a_tracker_that_really_sleeps(refdata, tmp_path):
    class SleepyTracker(CostlyTracker):
        def update(self, frame):
            time.sleep(0.12)
            self.calls += 1
            return self.box + [0.5 * self.calls, 0, 0, 0]

    sequence = still_sequence(refdata, n=12)
    protocol = make_protocol("realtime")
    result = protocol.run(SleepyTracker(None, 0), sequence)
    tracked = tracked_frames(result)
    assert 1 in tracked and 2 <= len(tracked) <= 4
    # 0.12 s > 2 frame intervals: every tracked frame is followed by at least two held frames
    assert all(b - a >= 3 for a, b in zip(tracked, tracked[1:]))
    assert all(result.times[i] >= 0.12 for i in tracked)
    files = protocol.write(result, tmp_path / "sleepy")
    assert files[0] == tmp_path / "sleepy" / "realtime" / "still" / "still_001.txt"
    assert len(files[0].read_text().splitlines()) == 12


def test_realtime_vot_toolkit_rule_holds_while_the_overrun_lasts(refdata):
    # vot-toolkit: 0.12 s at 0.05 s/frame leaves 0.07 s: one held frame, then 0.02 s is dropped
    clock = FakeClock()
    result = VOTRealtime(clock=clock, rule="vot-toolkit").run(CostlyTracker(clock, cost=0.12), still_sequence(refdata))
    assert tracked_frames(result) == list(range(1, 20, 2))
    clock = FakeClock()
    result = VOTRealtime(clock=clock, rule="vot-toolkit").run(CostlyTracker(clock, cost=0.16), still_sequence(refdata))
    assert tracked_frames(result) == [1, 4, 7, 10, 13, 16, 19]  # 0.11 s overrun: two held frames
    # the grace period forgives the first two slow calls after an initialisation
    clock = FakeClock()
    result = VOTRealtime(clock=clock, rule="vot-toolkit", grace=2).run(CostlyTracker(clock, cost=0.12), still_sequence(refdata))
    assert tracked_frames(result)[:5] == [1, 2, 3, 5, 7]


def test_realtime_rejects_unknown_rule():
    from crpnbench.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown real-time rule"):
        VOTRealtime(rule="matlab")


def test_pysot_initialisation_box(refdata):
    from crpnbench.errors import ConfigError
    from crpnbench.protocols.vot_baseline import pysot_init_box

    # an axis-aligned square: pysot's box is the square grown by one pixel about its centre
    np.testing.assert_allclose(pysot_init_box([10, 20, 30, 20, 30, 40, 10, 40]), [10, 20, 21, 21])
    # a diamond (area 200) inside a 20x20 bounding box: scaled by sqrt(200/400)
    s = np.sqrt(0.5) * 20 + 1
    np.testing.assert_allclose(pysot_init_box([10, 0, 20, 10, 10, 20, 0, 10]), [10 - (s - 1) / 2, 10 - (s - 1) / 2, s, s])

    sequence = bag(refdata, frames=10)
    seen = []

    class Recorder(OracleTracker):
        def init(self, frame, box):
            seen.append(np.asarray(box).copy())
            self.index = 0

    VOTBaseline(init="pysot").run(Recorder(sequence.boxes), sequence)
    np.testing.assert_allclose(seen[0], pysot_init_box(sequence.polygons[0]))
    VOTBaseline().run(Recorder(sequence.boxes), sequence)
    np.testing.assert_allclose(seen[1], sequence.boxes[0])
    with pytest.raises(ConfigError):
        VOTBaseline(init="matlab")
