"""Reading raw tracker results as users have them (pysot, got10k, VOT and LaSOT/TrackingNet layouts).

Every reader checks a result against the number of frames the benchmark defines. A file with the
wrong number of lines, a line that does not parse or a NaN raises :class:`DataError` naming the file
and line, unless the scoring convention names a repair (``truncate``: extra lines cut, as the LaSOT
toolkit and pysot's VOT code do); every repair is returned as a note for the report. Nothing is ever
silently shifted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from crpnbench.data.textio import read_rows, read_table_fast
from crpnbench.errors import DataError
from crpnbench.raw.write import VOT_FAILURE, VOT_INIT, VOT_SKIP


@dataclass
class ResultFile:
    """One raw result matched to a sequence, with the notes of any repair made while reading."""

    path: Path
    values: np.ndarray
    codes: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)




def _check_length(path: Path, n_rows: int, n_frames: int, length_rule: str, notes: list[str]) -> int:
    if n_rows == n_frames:
        return n_rows
    if n_rows > n_frames and length_rule in ("truncate", "min"):
        notes.append(f"{path}: {n_rows} lines for {n_frames} frames; truncated to {n_frames} "
                     f"(convention: length rule {length_rule!r})")
        return n_frames
    if n_rows < n_frames and length_rule == "min":
        notes.append(f"{path}: {n_rows} lines for {n_frames} frames; scored on the first {n_rows} frames, the ones "
                     "it covers (convention: length rule 'min', the OTB toolkit's and pysot VOT's min_len)")
        return n_rows
    what = "more" if n_rows > n_frames else "fewer"
    raise DataError(f"result has {n_rows} lines for {n_frames} frames ({what} lines than frames)", path,
                    min(n_rows, n_frames) + 1)


def read_ope_result(path: str | Path, n_frames: int, length_rule: str = "error", allow_nan: bool = False) -> ResultFile:
    """Read an ``x,y,w,h`` result (comma, tab or space separated) of a sequence with ``n_frames`` frames.

    ``length_rule="truncate"`` cuts extra lines (noted); fewer lines is an error (``"min"`` accepts
    them too and returns the shorter array, noted: the OTB toolkit's rule). NaN is an
    error unless ``allow_nan`` (conventions that repair invalid boxes).
    """
    path = Path(path)
    notes: list[str] = []
    boxes = read_table_fast(path, 4, allow_nan)  # NumPy's C parser; the line reader names a bad line
    if allow_nan and np.isinf(boxes).any():
        bad = int(np.flatnonzero(np.isinf(boxes).any(axis=1))[0])
        raise DataError("infinite value in result", path, bad + 1)
    n = _check_length(path, len(boxes), n_frames, length_rule, notes)
    boxes = boxes[:n]
    if allow_nan and np.isnan(boxes).any():
        notes.append(f"{path}: {int(np.isnan(boxes).any(axis=1).sum())} NaN boxes (repaired by the convention)")
    return ResultFile(path=path, values=boxes, notes=notes)


def read_vot_result(path: str | Path, n_frames: int, length_rule: str = "error") -> ResultFile:
    """Read a VOT result: per line a code ``1``/``2``/``0`` (or ``1.0``...), an ``x,y,w,h`` box or an
    8-value polygon. Returns codes (-1 on region lines) and ``(N, 8)`` polygons (NaN on coded lines).

    ``length_rule``: ``"error"``, ``"truncate"`` (extra lines cut) or ``"min"`` (pysot ``min_len``:
    extra lines cut, fewer lines accepted; the caller scores the first ``len(codes)`` frames)."""
    from crpnbench.metrics.overlap import boxes_to_polygons

    path = Path(path)
    notes: list[str] = []
    rows = read_rows(path, widths=(1, 4, 6, 8))
    n = _check_length(path, len(rows), n_frames, length_rule, notes)
    rows = rows[:n]
    codes = np.full(n, -1, dtype=np.int64)
    polygons = np.full((n, 8), np.nan)
    for i, row in enumerate(rows):
        if len(row) == 1:
            if row[0] not in (VOT_INIT, VOT_FAILURE, VOT_SKIP):
                raise DataError(f"VOT code must be 1 (init), 2 (failure) or 0 (skipped), found {row[0]:g}", path, i + 1)
            codes[i] = int(row[0])
        elif len(row) == 4:
            polygons[i] = boxes_to_polygons(row)[0]
        elif len(row) == 8:
            polygons[i] = row
        else:
            raise DataError("a 6-value row is neither a box nor a polygon", path, i + 1)
    if n and codes[0] != VOT_INIT:
        notes.append(f"{path}: first line is not the initialisation code 1")
    return ResultFile(path=path, values=polygons, codes=codes, notes=notes)


def first_line_looks_like_corners(first_row: np.ndarray, gt_first: np.ndarray) -> bool:
    """True when line 1 matches the GT much better read as ``x1,y1,x2,y2`` than as ``x,y,w,h``
    (SiamRPN's raw OTB files). Scoring does not change the file; the report says so."""
    from crpnbench.metrics.overlap import rect_iou

    row = np.asarray(first_row, dtype=np.float64).reshape(1, 4)
    gt = np.asarray(gt_first, dtype=np.float64).reshape(1, 4)
    if not np.isfinite(row).all() or not np.isfinite(gt).all():
        return False
    as_box = rect_iou(row, gt)[0]
    corners = np.array([[row[0, 0], row[0, 1], row[0, 2] - row[0, 0], row[0, 3] - row[0, 1]]])
    as_corners = max(rect_iou(corners, gt)[0], rect_iou(corners + [1, 1, 0, 0], gt)[0])
    return bool(as_corners > 0.9 and as_box < 0.8)
