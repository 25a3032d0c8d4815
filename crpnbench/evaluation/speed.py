"""Speed bookkeeping of evaluation runs: per-sequence rows of ``fps.csv`` and the dataset summary.

Each sequence's :class:`~crpnbench.protocols.SequenceResult` gives one row (frames, seconds inside
the tracker, seconds of the whole per-frame loop, failures); :func:`dataset_speed` sums the rows of
a run into the ``speed.json`` summary.

**Derived, never the only copy.** Each finished sequence also gets a small record
``.speed/<seq>.json`` beside ``fps.csv`` (its row, the sha256 of its time file and which tracker
identity produced it: :mod:`.provenance`), written right after its result files. ``fps.csv`` and
``speed.json`` are rebuilt from those records (:func:`rebuild_speed_files`) under a lock at the start
of every run, after every sequence and at the end, so two evaluations sharing a folder, Ctrl-C with
worker processes or a killed driver never lose a row, and a folder whose summary is missing or stale
gets it back on the next run (one that evaluates nothing included). Rows are in the benchmark's order.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import math
from collections.abc import Callable, Iterable
from pathlib import Path

from crpnbench.atomic import write_text_atomic
from crpnbench.errors import DataError

#: the folder of per-sequence speed records, beside ``fps.csv``
RECORDS_DIR = ".speed"

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
        for line, row in enumerate(csv.DictReader(handle), start=2):
            name = row.pop("sequence", None)
            if name is None:
                raise DataError("no 'sequence' column (not an fps.csv written by crpnbench eval)", path=path)
            values = {}
            for key, value in row.items():
                if value in ("", None) or key is None:
                    continue
                try:
                    values[key] = float(value)
                except ValueError:
                    raise DataError(f"column {key!r} is not a number: {value!r}", path=path, line=line) from None
            rows[name] = {"sequence": name, **values}
    return rows


def write_fps_csv(path: Path, rows: Iterable[dict]) -> Path:
    """Write per-sequence speed rows (atomically)."""
    return write_text_atomic(path, _fps_text(rows))


def dataset_speed(rows: Iterable[dict]) -> dict:
    """Dataset-level speed from per-sequence rows: total frames over total seconds.

    ``tracker_fps`` counts only time inside the tracker (frames it was called on);
    ``loop_fps`` the whole loop (decode waits, overlap checks, file-free) over every frame.
    """
    rows = list(rows)
    frames = sum(r["frames"] for r in rows)
    tracker_frames = sum(r["tracker_frames"] for r in rows)
    tracker_seconds = sum(r["tracker_seconds"] for r in rows)
    # rows derived from a time file alone (folders of older versions) have no loop time
    looped = [r for r in rows if _number(r.get("loop_seconds")) is not None]
    loop_frames = sum(r["frames"] for r in looped)
    loop_seconds = sum(r["loop_seconds"] for r in looped)
    return {
        "sequences": len(rows),
        "frames": int(frames),
        "tracker_frames": int(tracker_frames),
        "tracker_seconds": tracker_seconds,
        "loop_seconds": loop_seconds,
        "tracker_fps": tracker_frames / tracker_seconds if tracker_seconds > 0 else None,
        "loop_fps": loop_frames / loop_seconds if loop_seconds > 0 else None,
    }


def _number(value) -> float | None:
    return value if isinstance(value, (int, float)) and math.isfinite(value) else None


# ------------------------------------------------------------------------ per-sequence records
def record_path(fps_file: Path, sequence: str) -> Path:
    """The speed record of ``sequence`` (``.speed/<seq>.json`` beside ``fps.csv``)."""
    return Path(fps_file).parent / RECORDS_DIR / f"{sequence}.json"


def file_digest(path: Path) -> str | None:
    """sha256 of a file's bytes, None when it cannot be read."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def write_record(fps_file: Path, row: dict, time_file: Path, produced_by: str) -> Path:
    """Write one sequence's record: its ``fps.csv`` row, its time file's sha256 and who produced it."""
    record = {**row, "times_sha256": file_digest(time_file), "produced_by": produced_by}
    return write_text_atomic(record_path(fps_file, row["sequence"]), json.dumps(record, sort_keys=True) + "\n")


def read_record(fps_file: Path, sequence: str, time_file: Path | None = None) -> dict | None:
    """``sequence``'s record, or None when it is missing, unreadable or (with ``time_file``) does not
    describe that time file as it is on disk."""
    try:
        record = json.loads(record_path(fps_file, sequence).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("sequence") != sequence:
        return None
    if time_file is not None and record.get("times_sha256") != file_digest(time_file):
        return None
    return record


def row_from_times(sequence: str, time_file: Path, failures: int = 0) -> dict | None:
    """An ``fps.csv`` row from a time file alone (no loop time): for folders written before records."""
    try:
        lines = [line for line in Path(time_file).read_text(encoding="utf-8").splitlines() if line.strip()]
        times = [float(line) for line in lines]
    except (OSError, ValueError):
        return None
    seconds = sum(times)
    called = sum(1 for t in times if t > 0)
    return {"sequence": sequence, "frames": len(times), "tracker_frames": called, "tracker_seconds": seconds,
            "loop_seconds": None, "tracker_fps": called / seconds if seconds > 0 else None,
            "loop_fps": None, "failures": failures}


@contextlib.contextmanager
def speed_lock(fps_file: Path):
    """An exclusive lock on a tracker folder's speed files (``fcntl.flock``; none where that is missing)."""
    folder = Path(fps_file).parent / RECORDS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows: records are still per sequence; only the summary may race
        yield
        return
    with open(folder / "lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def rebuild_speed_files(fps_file: Path, order: Iterable[str], time_file: Callable[[str], Path],
                        speed_file: Path) -> dict[str, dict]:
    """Rebuild ``fps.csv`` and ``speed.json`` from the records whose time file exists (under the lock).

    Rows come in ``order`` (the benchmark's), then any other recorded sequence by name; files are
    rewritten only when their text changes. Returns the rows by sequence name.
    """
    fps_file = Path(fps_file)
    folder = fps_file.parent / RECORDS_DIR
    with speed_lock(fps_file):
        rows = {}
        for path in sorted(folder.glob("*.json")):
            name = path.stem
            record = read_record(fps_file, name)
            if record is not None and Path(time_file(name)).is_file():
                rows[name] = {k: record.get(k) for k in FPS_COLUMNS}
        if not rows:
            return rows
        order = list(order)
        ranked = [n for n in order if n in rows] + sorted(n for n in rows if n not in set(order))
        _write_if_changed(fps_file, _fps_text(rows[n] for n in ranked))
        _write_if_changed(Path(speed_file), json.dumps(dataset_speed(rows.values()), indent=2) + "\n")
    return rows


def _fps_text(rows: Iterable[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FPS_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else f"{v:.6g}" if isinstance(v, float) else v) for k, v in row.items()})
    return buffer.getvalue()


def _write_if_changed(path: Path, text: str) -> None:
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except (OSError, UnicodeDecodeError):
        pass
    write_text_atomic(path, text)


__all__ = ["FPS_COLUMNS", "RECORDS_DIR", "dataset_speed", "file_digest", "fps_row", "read_fps_csv", "read_record",
           "rebuild_speed_files", "record_path", "row_from_times", "speed_lock", "write_fps_csv", "write_record"]
