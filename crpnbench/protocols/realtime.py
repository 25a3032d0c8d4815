"""The VOT2017 real-time experiment: the tracker's own speed decides which frames it sees.

Frames arrive at ``fps`` (20) per second, counted from the frame the tracker was (re-)initialised
on, which arrives at time 0. Two rules for which frames the tracker is given (``rule=``):

* ``"arrival"`` (default; the rule as VOT2017 states it): the tracker is busy from a frame's
  arrival until its measured ``init``/``update`` time has passed. A frame that arrives while it is
  still busy is not given to it and gets its last output (zero-order hold); the first frame that
  arrives once it is free is tracked. Example at 20 fps with 120 ms per update: frames t+1 and t+2
  arrive at 50 and 100 ms while it works on frame t (until 120 ms) and get frame t's box; frame t+3
  (150 ms) is tracked.
* ``"vot-toolkit"``: the VOT Python toolkit's ``RealtimeTrackerRuntime``: after a call that took
  ``T > 1/fps`` a residual ``T - 1/fps`` is held; each next frame is held (last output) while the
  residual exceeds ``1/fps``, which takes ``1/fps`` off it; the residual is dropped when a frame is
  tracked. Same example: only frame t+1 is held, t+2 is tracked. ``grace`` slow calls after each
  initialisation are forgiven (the toolkit's grace period; 0 here by default, as in VOT2017).

Failures and re-initialisation are handled exactly as in the baseline experiment (the held output is
what is compared with the ground truth), and the clock restarts at every re-initialisation; the
initialisation's own time counts like an update's.

The simulated clock makes the run reproducible from the measured times (no real waiting), and a
fake ``clock`` can be passed for exact tests. Times in ``<seq>_001_time.value`` are the tracker's
measured seconds on the frames it was called on and 0 on held frames.
"""

from __future__ import annotations

import numpy as np

from crpnbench.errors import ConfigError
from crpnbench.protocols import as_box
from crpnbench.protocols.vot_baseline import VOTBaseline
from crpnbench.tracking.base import Tracker


RULES = ("arrival", "vot-toolkit")


class VOTRealtime(VOTBaseline):
    """VOT real-time experiment with a ``fps`` frame budget (default 20) under ``rule``."""

    name = "realtime"
    experiment = "realtime"
    #: frame rate at which frames arrive
    fps = 20.0
    #: which frames a slow tracker is given (see the module docstring)
    rule = "arrival"
    #: slow calls forgiven after each initialisation ("vot-toolkit" rule only)
    grace = 0

    def __init__(self, *args, fps: float | None = None, rule: str | None = None, grace: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if fps is not None:
            if fps <= 0:
                raise ConfigError("real-time frame rate must be positive")
            self.fps = float(fps)
        if rule is not None:
            if rule not in RULES:
                raise ConfigError(f"unknown real-time rule {rule!r}; choose one of: {', '.join(RULES)}")
            self.rule = rule
        if grace is not None:
            self.grace = int(grace)
        self._segment_start = 0
        self._busy_until = 0.0
        self._residual = 0.0
        self._countdown = 0
        self._last_output = np.full(4, np.nan)

    @property
    def interval(self) -> float:
        """Seconds between two frame arrivals."""
        return 1.0 / self.fps

    def start_segment(self, index: int, init_seconds: float, init_box: np.ndarray) -> None:
        self._segment_start = index
        self._busy_until = init_seconds
        self._countdown = self.grace
        self._residual = self._residual_after(init_seconds)
        # until the first update finishes, the last output is the initialisation region
        self._last_output = np.asarray(init_box, dtype=np.float64).copy()

    def arrival_time(self, index: int) -> float:
        """When frame ``index`` arrives, in seconds after the initialisation frame."""
        return (index - self._segment_start) * self.interval

    def _residual_after(self, seconds: float) -> float:
        """vot-toolkit rule: the time a call overran the frame interval (0 in the grace period)."""
        if seconds <= self.interval:
            return 0.0
        if self._countdown > 0:
            self._countdown -= 1
            return 0.0
        return seconds - self.interval

    def _busy(self, index: int) -> bool:
        if self.rule == "vot-toolkit":
            if self._residual > self.interval:
                self._residual -= self.interval
                return True
            self._residual = 0.0
            return False
        # a tiny tolerance keeps "finished exactly as the frame arrived" on the tracked side
        return self._busy_until > self.arrival_time(index) + 1e-9

    def track(self, tracker: Tracker, image: np.ndarray, index: int) -> tuple[np.ndarray, float, bool]:
        if self._busy(index):
            return self._last_output.copy(), 0.0, False
        box, seconds = self.timed(tracker.update, image)
        box = as_box(box)
        self._busy_until = self.arrival_time(index) + seconds
        self._residual = self._residual_after(seconds)
        self._last_output = box
        return box.copy(), seconds, True
