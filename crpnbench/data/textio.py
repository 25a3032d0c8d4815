"""Reading the numeric text files benchmarks and trackers write (boxes, flags).

One parser serves ground truth and raw results: values separated by commas, tabs or
spaces (OTB mixes all three), one row per line. A line that does not parse raises a
:class:`DataError` naming the file and the 1-based line; nothing is ever skipped or shifted.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from crpnbench.errors import DataError

_SEPARATORS = re.compile(r"[,\t; ]+")


def parse_row(text: str, path: str | Path, line: int, widths: tuple[int, ...] = (4,)) -> np.ndarray:
    """Parse one line into floats; its number of values must be one of ``widths``."""
    fields = [f for f in _SEPARATORS.split(text.strip()) if f]
    try:
        values = np.array([float(f) for f in fields], dtype=np.float64)
    except ValueError:
        raise DataError(f"cannot parse numbers from {text.strip()[:60]!r}", path, line) from None
    if len(values) not in widths:
        want = " or ".join(str(w) for w in widths)
        raise DataError(f"expected {want} values, found {len(values)}: {text.strip()[:60]!r}", path, line)
    return values


def read_rows(
    path: str | Path,
    widths: tuple[int, ...] = (4,),
    allow_nan: bool = False,
    skip_blank_tail: bool = True,
) -> list[np.ndarray]:
    """Read every line of ``path`` as a row of floats (see :func:`parse_row`).

    Trailing blank lines are ignored; a blank line in the middle is an error, since dropping it
    would shift every later box by one frame. NaN values are an error unless ``allow_nan``.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError("file is missing", path)
    try:
        text = path.read_text(encoding="utf-8-sig", errors="strict")
    except UnicodeDecodeError:
        raise DataError("file is not UTF-8 text", path) from None
    lines = text.splitlines()
    if skip_blank_tail:
        while lines and not lines[-1].strip():
            lines.pop()
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            raise DataError("blank line inside the file (would shift every later row)", path, number)
        row = parse_row(line, path, number, widths)
        if not allow_nan and not np.all(np.isfinite(row)):
            raise DataError(f"non-finite value in {line.strip()[:60]!r}", path, number)
        rows.append(row)
    return rows


def read_boxes(path: str | Path, allow_nan: bool = False) -> np.ndarray:
    """Read an ``x,y,w,h`` box file into an ``(N, 4)`` float64 array."""
    rows = read_rows(path, widths=(4,), allow_nan=allow_nan)
    if not rows:
        return np.zeros((0, 4), dtype=np.float64)
    return np.vstack(rows)


def read_flags(path: str | Path) -> np.ndarray:
    """Read a file of one 0/1 flag per line (LaSOT absent/occlusion, VOT tags) as a bool array.

    A single line of comma-separated flags (LaSOT ``full_occlusion.txt``) is read too.
    """
    rows = read_rows(path, widths=tuple(range(1, 100000)))
    if len(rows) == 1 and len(rows[0]) > 1:
        values = rows[0]
    else:
        values = np.concatenate(rows) if rows else np.zeros(0)
    bad = ~np.isin(values, (0.0, 1.0))
    if bad.any():
        raise DataError(f"flag values must be 0 or 1, found {values[bad][0]:g}", path)
    return values.astype(bool)


def read_json(path: str | Path) -> tuple[str, Any]:
    """The text of a JSON annotation file and its parsed value; a syntax error or a non-UTF-8 file is a
    :class:`DataError` naming the file and line (column in the message)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
        return text, json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"invalid JSON: {exc.msg} (column {exc.colno})", path, exc.lineno) from None
    except UnicodeDecodeError:
        raise DataError("JSON file is not UTF-8 text", path) from None
