"""The VOT2017 real-time experiment: the tracker's own speed decides which frames it sees.

Frames arrive at ``fps`` (20) per second, counted from the frame the tracker was (re-)initialised
on, which arrives at time 0. The tracker is busy from a frame's arrival until its measured
``init``/``update`` time has passed. A frame that arrives while the tracker is still busy is not
given to it: its output is the tracker's last output (zero-order hold); the first frame that arrives
once the tracker is free is given to it. Failures and re-initialisation are handled exactly as in the
baseline experiment (the held output is what is compared with the ground truth), and the clock
restarts at every re-initialisation.

Example at 20 fps (a frame every 50 ms) with a tracker taking 120 ms per frame: frames t+1 and t+2
arrive at 50 and 100 ms while it works on frame t (until 120 ms) and get frame t's box; frame t+3
(150 ms) is tracked.

The simulated clock makes the run reproducible from the measured times (no real waiting), and a
fake ``clock`` can be passed for exact tests. Times in ``<seq>_001_time.txt`` are the tracker's
measured seconds on the frames it was called on and 0 on held frames.
"""

from __future__ import annotations

import numpy as np

from crpnbench.protocols import as_box
from crpnbench.protocols.vot_baseline import VOTBaseline
from crpnbench.tracking.base import Tracker


class VOTRealtime(VOTBaseline):
    """VOT real-time experiment (VOT2017 rules) with a ``fps`` frame budget (default 20)."""

    name = "realtime"
    experiment = "realtime"
    #: frame rate at which frames arrive
    fps = 20.0

    def __init__(self, *args, fps: float | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if fps is not None:
            if fps <= 0:
                raise ValueError("real-time frame rate must be positive")
            self.fps = float(fps)
        self._segment_start = 0
        self._busy_until = 0.0
        self._last_output = np.full(4, np.nan)

    @property
    def interval(self) -> float:
        """Seconds between two frame arrivals."""
        return 1.0 / self.fps

    def start_segment(self, index: int, init_seconds: float, init_box: np.ndarray) -> None:
        self._segment_start = index
        self._busy_until = init_seconds
        # until the first update finishes, the last output is the initialisation region
        self._last_output = np.asarray(init_box, dtype=np.float64).copy()

    def arrival_time(self, index: int) -> float:
        """When frame ``index`` arrives, in seconds after the initialisation frame."""
        return (index - self._segment_start) * self.interval

    def track(self, tracker: Tracker, image: np.ndarray, index: int) -> tuple[np.ndarray, float, bool]:
        arrival = self.arrival_time(index)
        # a tiny tolerance keeps "finished exactly as the frame arrived" on the tracked side
        if self._busy_until > arrival + 1e-9:
            return self._last_output.copy(), 0.0, False
        box, seconds = self.timed(tracker.update, image)
        box = as_box(box)
        self._busy_until = arrival + seconds
        self._last_output = box
        return box.copy(), seconds, True
