"""The VOT baseline (supervised) experiment, VOT2016/2017/2018 rules as pysot and the VOT toolkit run them.

* frame where the tracker is (re-)initialised: ``1`` (the tracker gets that frame's ground truth);
* a frame whose prediction has zero overlap with the ground-truth polygon: ``2`` (a failure);
* the next ``reinit_gap - 1`` = 4 frames: ``0`` (the tracker is not run);
* the ``reinit_gap``-th = 5th frame after the failure: ``1`` again, re-initialised on its ground truth;
* any other frame: the predicted box ``x,y,w,h``.

A failure in the last five frames leaves the remaining frames ``0`` (no re-initialisation happens).
A frame whose ground truth is unknown (NaN) is never a failure; an initialisation frame without
ground truth is postponed to the next frame that has one (written ``0``).

Overlap: exact polygon intersection over union (shapely, via :mod:`crpnbench.metrics.overlap`), both regions clipped to the image
rectangle ``[0, W] x [0, H]`` the way pysot's ``vot_overlap(..., bounds=(W, H))`` does; only
``overlap > 0`` versus ``== 0`` matters here, so the rasterised overlap of the VOT toolkit gives the
same failures except for slivers under one pixel.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from crpnbench.data.sequence import Sequence
from crpnbench.errors import ConfigError
from crpnbench.protocols import Protocol, SequenceResult, as_box
from crpnbench.raw import layout as raw_layout
from crpnbench.raw.write import VOT_FAILURE, VOT_INIT, VOT_SKIP, write_times, write_vot_entries
from crpnbench.tracking.base import Tracker


def region_overlap(box: np.ndarray, polygon: np.ndarray, bounds: tuple[int, int] | None = None) -> float:
    """Intersection over union of a predicted ``x,y,w,h`` box and a ground-truth polygon.

    Args:
        box: ``(4,)`` prediction.
        polygon: ``(8,)`` ground-truth corners, or ``(4,)`` ``x,y,w,h`` (VOT rows with 4 values).
        bounds: ``(width, height)`` of the image; both regions are clipped to it when given.

    Uses the scoring library's exact overlap (:func:`crpnbench.metrics.overlap.polygon_overlap_exact`),
    so failures here and accuracy there are computed the same way. A degenerate or non-finite
    prediction overlaps nothing (0.0).
    """
    from crpnbench.metrics.overlap import boxes_to_polygons, polygon_overlap_exact

    box = np.asarray(box, dtype=np.float64).reshape(-1)
    polygon = np.asarray(polygon, dtype=np.float64).reshape(-1)
    if polygon.size == 4:
        polygon = boxes_to_polygons(polygon[None])[0]
    if not (np.all(np.isfinite(box)) and box[2] > 0 and box[3] > 0):
        return 0.0
    value = polygon_overlap_exact(boxes_to_polygons(box[None]), polygon, bounds=bounds)[0]
    return float(value) if np.isfinite(value) else float("nan")


def pysot_init_box(polygon: np.ndarray) -> np.ndarray:
    """pysot's ``get_axis_aligned_bbox``: the polygon's centre, its bounding box scaled to the polygon's area.

    Returns ``x, y, w, h`` with ``x = cx - (w - 1) / 2`` as pysot's VOT test script forms it.
    """
    p = np.asarray(polygon, dtype=np.float64).reshape(-1)
    if p.size == 4:
        return p.copy()
    xs, ys = p[0::2], p[1::2]
    cx, cy = xs.mean(), ys.mean()
    x1, x2, y1, y2 = xs.min(), xs.max(), ys.min(), ys.max()
    a1 = np.linalg.norm(p[0:2] - p[2:4]) * np.linalg.norm(p[2:4] - p[4:6])
    a2 = (x2 - x1) * (y2 - y1)
    s = np.sqrt(a1 / a2) if a2 > 0 else 1.0
    w, h = s * (x2 - x1) + 1, s * (y2 - y1) + 1
    return np.array([cx - (w - 1) / 2, cy - (h - 1) / 2, w, h])


INIT_RULES = ("bounds", "pysot")


class VOTBaseline(Protocol):
    """The VOT supervised experiment with re-initialisation ``reinit_gap`` frames after a failure.

    ``init``: the box a tracker is (re-)initialised with. ``"bounds"`` (default, the VOT toolkit's
    polygon-to-rectangle conversion): the loader's box, the polygon's axis-aligned bounding box;
    ``"pysot"``: pysot's area-preserving box (:func:`pysot_init_box`).
    """

    name = "baseline"
    #: folder between the tracker folder and the sequence folders
    experiment = "baseline"
    #: frames from a failure to the re-initialisation (VOT: 5)
    reinit_gap = 5
    #: clip both regions to the image when computing overlap
    clip_to_image = True

    #: how the (re-)initialisation box is formed from the ground truth
    init = "bounds"
    #: which run of the VOT toolkit's repetitions this is: files ``<seq>_00N.txt`` (N = 1, 2, ...)
    repetition = 1

    def __init__(self, *args, reinit_gap: int | None = None, init: str | None = None, repetition: int | None = None,
                 **kwargs):
        super().__init__(*args, **kwargs)
        if repetition is not None:
            if int(repetition) < 1:
                raise ConfigError("a repetition number starts at 1")
            self.repetition = int(repetition)
        if reinit_gap is not None:
            self.reinit_gap = reinit_gap
        if init is not None:
            if init not in INIT_RULES:
                raise ConfigError(f"unknown VOT initialisation rule {init!r}; choose one of: {', '.join(INIT_RULES)}")
            self.init = init

    # -- hooks ------------------------------------------------------------------------------
    def ground_truth_region(self, sequence: Sequence, index: int) -> np.ndarray:
        """The region a prediction is compared with: the polygon, else the box."""
        if sequence.polygons is not None and np.all(np.isfinite(sequence.polygons[index])):
            return sequence.polygons[index]
        return sequence.boxes[index]

    def init_region(self, sequence: Sequence, index: int) -> np.ndarray | None:
        """The box a (re-)initialisation uses, or None when that frame has no ground truth."""
        box = sequence.boxes[index]
        if not np.all(np.isfinite(box)) or box[2] <= 0 or box[3] <= 0:
            return None
        if self.init == "pysot" and sequence.polygons is not None and np.all(np.isfinite(sequence.polygons[index])):
            return pysot_init_box(sequence.polygons[index])
        return box.copy()

    def overlap(self, box: np.ndarray, sequence: Sequence, index: int, image: np.ndarray) -> float:
        """Overlap of a prediction with frame ``index``'s ground truth (NaN when it is unknown)."""
        region = self.ground_truth_region(sequence, index)
        if not np.all(np.isfinite(region)):
            return float("nan")
        bounds = (image.shape[1], image.shape[0]) if self.clip_to_image else None
        return region_overlap(box, region, bounds)

    def start_segment(self, index: int, init_seconds: float, init_box: np.ndarray) -> None:
        """Called after each (re-)initialisation; the real-time protocol starts its clock here."""

    def track(self, tracker: Tracker, image: np.ndarray, index: int) -> tuple[np.ndarray, float, bool]:
        """One frame after initialisation: ``(box, seconds in the tracker, tracker was called)``."""
        box, seconds = self.timed(tracker.update, image)
        return as_box(box), seconds, True

    def start_repetition(self, tracker: Tracker) -> None:
        """Tell a tracker that has ``set_repetition(n)`` which repetition it runs (the VOT toolkit's
        ``context.repetition``): a stochastic plug-in can seed its random numbers from it."""
        hook = getattr(tracker, "set_repetition", None)
        if callable(hook):
            hook(self.repetition)

    # -- the experiment ---------------------------------------------------------------------
    def run(self, tracker: Tracker, sequence: Sequence) -> SequenceResult:
        self.start_repetition(tracker)
        n = len(sequence)
        entries: list = [VOT_SKIP] * n
        times = np.zeros(n)
        failures = 0
        called = 0
        init_at = 0
        tracking = False
        loop_start = self.clock()
        with self.frames(sequence) as frames:
            for index, image in frames:
                if index < init_at:
                    continue
                if not tracking:
                    box = self.init_region(sequence, index)
                    if box is None:
                        init_at = index + 1
                        continue
                    _, times[index] = self.timed(tracker.init, image, box)
                    entries[index] = VOT_INIT
                    called += 1
                    tracking = True
                    self.start_segment(index, times[index], box)
                    continue
                box, times[index], was_called = self.track(tracker, image, index)
                called += int(was_called)
                if self.overlap(box, sequence, index, image) == 0:
                    entries[index] = VOT_FAILURE
                    failures += 1
                    tracking = False
                    init_at = index + self.reinit_gap
                else:
                    entries[index] = box
        loop_seconds = self.clock() - loop_start
        return SequenceResult(
            sequence.name, entries, times, loop_seconds, failures=failures, tracker_frames=called
        )

    # -- files ------------------------------------------------------------------------------
    def result_path(self, tracker_dir: Path, sequence: str, layout: str = "vot") -> Path:
        return raw_layout.result_path(tracker_dir, sequence, "vot", self.experiment, self.repetition)

    def time_path(self, tracker_dir: Path, sequence: str, layout: str = "vot") -> Path:
        return raw_layout.time_path(tracker_dir, sequence, "vot", self.experiment, self.repetition)

    def fps_path(self, tracker_dir: Path) -> Path:
        return raw_layout.fps_path(tracker_dir, "vot", self.experiment, self.repetition)

    def write(self, result: SequenceResult, tracker_dir: Path, layout: str = "vot") -> list[Path]:
        time_file = write_times(self.time_path(tracker_dir, result.sequence), result.times)
        result_file = write_vot_entries(self.result_path(tracker_dir, result.sequence), result.entries)
        return [result_file, time_file]
