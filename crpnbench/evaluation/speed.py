"""Speed bookkeeping of evaluation runs: per-sequence rows of ``fps.csv`` and the dataset summary.

Each sequence's :class:`~crpnbench.protocols.SequenceResult` gives one row (frames, seconds inside
the tracker, seconds of the whole per-frame loop, failures); :func:`dataset_speed` sums the rows of
a run into the ``speed.json`` summary.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

from crpnbench.atomic import write_text_atomic

#: columns of ``fps.csv``
FPS_COLUMNS = ("sequence", "frames", "tracker_frames", "tracker_seconds", "loop_seconds", "tracker_fps", "loop_fps", "failures")


def fps_row(result) -> dict:
    """The ``fps.csv`` row of a :class:`~crpnbench.protocols.SequenceResult`."""
    return {
        "sequence": result.sequence,
        "frames": result.frames,
        "tracker_frames": result.tracker_frames,
        "tracker_seconds": result.tracker_seconds,
        "loop_seconds": result.loop_seconds,
        "tracker_fps": result.tracker_fps,
        "loop_fps": result.loop_fps,
        "failures": result.failures,
    }


def read_fps_csv(path: Path) -> dict[str, dict]:
    """Rows of an ``fps.csv`` by sequence name (empty when the file does not exist)."""
    if not path.is_file():
        return {}
    rows = {}
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            name = row.pop("sequence")
            rows[name] = {"sequence": name, **{k: float(v) for k, v in row.items() if v not in ("", None)}}
    return rows


def write_fps_csv(path: Path, rows: Iterable[dict]) -> Path:
    """Write per-sequence speed rows (atomically)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FPS_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in row.items()})
    return write_text_atomic(path, buffer.getvalue())


def dataset_speed(rows: Iterable[dict]) -> dict:
    """Dataset-level speed from per-sequence rows: total frames over total seconds.

    ``tracker_fps`` counts only time inside the tracker (frames it was called on);
    ``loop_fps`` the whole loop (decode waits, overlap checks, file-free) over every frame.
    """
    rows = list(rows)
    frames = sum(r["frames"] for r in rows)
    tracker_frames = sum(r["tracker_frames"] for r in rows)
    tracker_seconds = sum(r["tracker_seconds"] for r in rows)
    loop_seconds = sum(r["loop_seconds"] for r in rows)
    return {
        "sequences": len(rows),
        "frames": int(frames),
        "tracker_frames": int(tracker_frames),
        "tracker_seconds": tracker_seconds,
        "loop_seconds": loop_seconds,
        "tracker_fps": tracker_frames / tracker_seconds if tracker_seconds > 0 else None,
        "loop_fps": frames / loop_seconds if loop_seconds > 0 else None,
    }


__all__ = ["FPS_COLUMNS", "dataset_speed", "fps_row", "read_fps_csv", "write_fps_csv"]
