"""One-pass evaluation (OPE): OTB, LaSOT, TrackingNet, GOT-10k and the synthetic benchmark.

The tracker is initialised on frame 1 with the ground-truth box and updated on every later frame;
the first line of the result file is the given box (as the OTB, LaSOT and pysot toolkits write it).
Times are seconds inside ``init`` (frame 1) and ``update`` (later frames) only.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from crpnbench.data.sequence import Sequence
from crpnbench.errors import DataError
from crpnbench.protocols import Protocol, SequenceResult, as_box
from crpnbench.raw import layout as raw_layout
from crpnbench.raw.write import write_boxes, write_times
from crpnbench.tracking.base import Tracker


class OPE(Protocol):
    """One-pass evaluation; result files in the OTB layout (``<seq>.txt``) or GOT-10k's."""

    name = "ope"

    def run(self, tracker: Tracker, sequence: Sequence) -> SequenceResult:
        init_box = sequence.init_box
        if not np.all(np.isfinite(init_box)) or init_box[2] <= 0 or init_box[3] <= 0:
            raise DataError(
                f"sequence {sequence.name!r} has no valid first-frame box to initialise on: {init_box}"
            )
        n = len(sequence)
        entries: list = [None] * n
        times = np.zeros(n)
        loop_start = self.clock()
        with self.frames(sequence) as frames:
            for index, image in frames:
                if index == 0:
                    _, times[0] = self.timed(tracker.init, image, init_box.copy())
                    entries[0] = init_box.copy()
                else:
                    box, times[index] = self.timed(tracker.update, image)
                    entries[index] = as_box(box)
        loop_seconds = self.clock() - loop_start
        return SequenceResult(sequence.name, entries, times, loop_seconds, tracker_frames=n)

    def result_path(self, tracker_dir: Path, sequence: str, layout: str = "otb") -> Path:
        return raw_layout.result_path(tracker_dir, sequence, layout)

    def time_path(self, tracker_dir: Path, sequence: str, layout: str = "otb") -> Path:
        return raw_layout.time_path(tracker_dir, sequence, layout)

    def write(self, result: SequenceResult, tracker_dir: Path, layout: str = "otb") -> list[Path]:
        # the time file goes first: a run interrupted between the two leaves no result file,
        # so the sequence is redone rather than trusted with missing timings
        time_file = write_times(self.time_path(tracker_dir, result.sequence, layout), result.times)
        box_file = write_boxes(self.result_path(tracker_dir, result.sequence, layout), result.boxes())
        return [box_file, time_file]
