"""The VOT2018 unsupervised experiment: the tracker is initialised once, on frame 1, and never reset.

As the VOT toolkit runs it (vot-toolkit Python ``UnsupervisedExperiment.execute``; MATLAB toolkit
stack ``stack_vot2018.m``: ``unsupervised.type = 'unsupervised'``, one repetition, burn-in 0):
frame 1 is written ``1`` (initialisation, on the ground truth's box), every later frame gets the
tracker's box, whatever its overlap; there are no failures, skipped frames or re-initialisations.
Results go to ``<tracker>/unsupervised/<seq>/<seq>_001.txt`` (``_00N`` for repetition N) with
``<seq>_001_time.value`` beside them; scored by average overlap
(:func:`crpnbench.scoring.score_unsupervised_tracker`).

A sequence whose first frame has no ground truth is initialised on the first frame that has one
(the frames before it are written ``0``), as the baseline experiment does.
"""

from __future__ import annotations

import numpy as np

from crpnbench.data.sequence import Sequence
from crpnbench.protocols import SequenceResult
from crpnbench.protocols.vot_baseline import VOTBaseline
from crpnbench.raw.write import VOT_INIT, VOT_SKIP
from crpnbench.tracking.base import Tracker


class VOTUnsupervised(VOTBaseline):
    """Initialise once, then track every frame without failure detection."""

    name = "unsupervised"
    experiment = "unsupervised"

    def run(self, tracker: Tracker, sequence: Sequence) -> SequenceResult:
        self.start_repetition(tracker)
        n = len(sequence)
        entries: list = [VOT_SKIP] * n
        times = np.zeros(n)
        called = 0
        started = False
        loop_start = self.clock()
        with self.frames(sequence) as frames:
            for index, image in frames:
                if not started:
                    box = self.init_region(sequence, index)
                    if box is None:
                        continue
                    _, times[index] = self.timed(tracker.init, image, box)
                    entries[index] = VOT_INIT
                    called += 1
                    started = True
                    continue
                box, times[index], was_called = self.track(tracker, image, index)
                called += int(was_called)
                entries[index] = box
        return SequenceResult(sequence.name, entries, times, self.clock() - loop_start, failures=0,
                              tracker_frames=called)


__all__ = ["VOTUnsupervised"]
