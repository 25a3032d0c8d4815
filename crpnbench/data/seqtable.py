"""Many annotated sequences stored column-wise, for training sets of 10^4-10^6 targets.

VID has ~10k tracks over 1.1M frames, YT-BB ~380k segments over ~5M annotated frames, COCO ~860k
objects. A :class:`Sequence` object per target with a path string per frame would take gigabytes and
be pickled to every DataLoader worker each epoch; a :class:`SequenceTable` keeps flat NumPy columns
(boxes, absent flags, frame numbers) plus one path pattern per sequence, and builds the
:class:`Sequence` of item ``i`` only when it is asked for. It is a read-only ``Sequence[Sequence]``:
``len(table)``, ``table[i]``, iteration.

Frame ``j`` of sequence ``i`` has the path ``patterns[i].format(numbers[starts[i] + j])``: VID's
pattern is ``.../<video>/{:06d}.JPEG`` with the frame number, a COCO object's is the image path itself
(no field; the number is ignored).
"""

from __future__ import annotations

from collections.abc import Sequence as _SequenceABC

import numpy as np

from crpnbench.data.sequence import FramePaths, Sequence
from crpnbench.errors import DataError


class SequenceTable(_SequenceABC):
    """Sequences ``0..S-1`` whose frames ``starts[i]:starts[i+1]`` live in flat per-frame columns.

    Args:
        names: ``S`` sequence names.
        patterns: ``S`` frame-path patterns, formatted with the frame's number (see module docstring).
        starts: ``S + 1`` non-decreasing offsets into the frame columns (``starts[0] == 0``).
        numbers: ``F`` frame numbers (file numbers, timestamps...), one per frame.
        boxes: ``(F, 4)`` boxes, 1-based ``x, y, w, h`` (NaN where unknown) unless
            ``sequence_class`` says otherwise (YT-BB keeps boxes relative to the frame size).
        absent: ``(F,)`` True where the target must not be used (absent, occluded, ...).
        sequence_class: the :class:`Sequence` subclass built for an item.
        skipped: what the reader left out, ``{reason: count}`` (reported by the training log).
    """

    def __init__(self, names, patterns, starts, numbers, boxes, absent, sequence_class=Sequence,
                 skipped: dict[str, int] | None = None):
        self.names = list(names)
        self.patterns = list(patterns)
        self.starts = np.asarray(starts, dtype=np.int64).reshape(-1)
        self.numbers = np.asarray(numbers, dtype=np.int64).reshape(-1)
        self.boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        self.absent = np.asarray(absent, dtype=bool).reshape(-1)
        self.sequence_class = sequence_class
        self.skipped = dict(skipped or {})
        count, frames = len(self.names), len(self.numbers)
        if len(self.patterns) != count or len(self.starts) != count + 1:
            raise DataError(f"sequence table: {count} names, {len(self.patterns)} patterns, "
                            f"{len(self.starts)} offsets (need {count + 1})")
        if len(self.boxes) != frames or len(self.absent) != frames:
            raise DataError(f"sequence table: {frames} frame numbers, {len(self.boxes)} boxes, "
                            f"{len(self.absent)} absent flags")
        if count and (self.starts[0] != 0 or self.starts[-1] != frames or np.any(np.diff(self.starts) < 0)):
            raise DataError("sequence table: offsets must rise from 0 to the number of frames")

    def __len__(self) -> int:
        return len(self.names)

    @property
    def frame_count(self) -> int:
        """Frames over all sequences."""
        return int(len(self.numbers))

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        index = int(index)
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        a, b = int(self.starts[index]), int(self.starts[index + 1])
        pattern = self.patterns[index]
        return self.sequence_class(
            name=self.names[index],
            frame_paths=FramePaths([pattern.format(int(n)) for n in self.numbers[a:b]]),
            boxes=self.boxes[a:b],
            absent=self.absent[a:b],
        )

    def usable_frames(self) -> np.ndarray:
        """Per frame: present, finite and of positive size (what the pair sampler may use)."""
        boxes = self.boxes
        ok = np.all(np.isfinite(boxes), axis=1) & ~self.absent
        ok &= np.where(ok, boxes[:, 2], 0) > 0
        ok &= np.where(ok, boxes[:, 3], 0) > 0
        return ok

    def usable_indices(self) -> np.ndarray:
        """Indices of the sequences with at least one usable frame (vectorised)."""
        return np.flatnonzero(self.usable_counts() > 0)

    def usable_counts(self) -> np.ndarray:
        """Usable frames per sequence."""
        cumulative = np.concatenate([[0], np.cumsum(self.usable_frames(), dtype=np.int64)])
        return cumulative[self.starts[1:]] - cumulative[self.starts[:-1]]

    def without_unusable(self, reason: str = "targets without a usable frame") -> "SequenceTable":
        """The table less its sequences that have no usable frame; their count goes to :attr:`skipped`."""
        keep_mask = self.usable_counts() > 0
        dropped = int(len(self) - keep_mask.sum())
        if dropped == 0:
            return self
        lengths = np.diff(self.starts)
        frame_mask = np.repeat(keep_mask, lengths)
        skipped = dict(self.skipped)
        skipped[reason] = skipped.get(reason, 0) + dropped
        keep = np.flatnonzero(keep_mask)
        return SequenceTable(
            [self.names[i] for i in keep], [self.patterns[i] for i in keep],
            np.concatenate([[0], np.cumsum(lengths[keep_mask])]), self.numbers[frame_mask],
            self.boxes[frame_mask], self.absent[frame_mask], self.sequence_class, skipped,
        )

    def __repr__(self) -> str:
        return f"SequenceTable({len(self)} sequences, {self.frame_count} frames)"


def escape_braces(text: str) -> str:
    """``text`` made literal inside a path pattern (``str.format`` fields use braces)."""
    return text.replace("{", "{{").replace("}", "}}")


def table_from_groups(names, patterns, group_of_frame: np.ndarray, numbers, boxes, absent,
                      sequence_class=Sequence, skipped: dict[str, int] | None = None) -> SequenceTable:
    """A table from per-frame columns whose frames are already ordered by sequence.

    ``group_of_frame`` holds, per frame, the 0-based index of its sequence, non-decreasing.
    """
    group_of_frame = np.asarray(group_of_frame, dtype=np.int64)
    counts = np.bincount(group_of_frame, minlength=len(names)) if len(group_of_frame) else np.zeros(len(names), int)
    starts = np.concatenate([[0], np.cumsum(counts)])
    return SequenceTable(names, patterns, starts, numbers, boxes, absent, sequence_class, skipped)


__all__ = ["SequenceTable", "escape_braces", "table_from_groups"]
