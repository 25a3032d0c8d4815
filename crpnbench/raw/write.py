"""Writing raw result files atomically (a run that is interrupted leaves no half-written file;
see :mod:`crpnbench.atomic`)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from crpnbench.atomic import write_text_atomic

#: VOT baseline codes written instead of a box
VOT_INIT, VOT_FAILURE, VOT_SKIP = 1, 2, 0


def format_box(box: np.ndarray) -> str:
    """``x,y,w,h`` with four decimals (what pysot and got10k write)."""
    return ",".join(f"{v:.4f}" for v in np.asarray(box, dtype=np.float64).reshape(4))


def write_boxes(path: str | Path, boxes: np.ndarray) -> Path:
    """Write an ``(N, 4)`` box array, one ``x,y,w,h`` line per frame."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    return write_text_atomic(path, "".join(format_box(b) + "\n" for b in boxes))


def write_vot_entries(path: str | Path, entries: Iterable[int | np.ndarray]) -> Path:
    """Write a VOT baseline file: an int code (1 init, 2 failure, 0 skip) or a box per frame."""
    lines = []
    for entry in entries:
        if isinstance(entry, (int, np.integer)):
            lines.append(f"{int(entry)}\n")
        else:
            lines.append(format_box(entry) + "\n")
    return write_text_atomic(path, "".join(lines))


def write_times(path: str | Path, seconds: np.ndarray) -> Path:
    """Write per-frame times in seconds, one per line."""
    seconds = np.asarray(seconds, dtype=np.float64).reshape(-1)
    return write_text_atomic(path, "".join(f"{t:.6f}\n" for t in seconds))
