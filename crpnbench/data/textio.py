"""Reading the numeric text files benchmarks and trackers write (boxes, flags).

One parser serves ground truth and raw results: values separated by commas, tabs or
spaces (OTB mixes all three), one row per line. A line that does not parse raises a
:class:`DataError` naming the file and the 1-based line; nothing is ever skipped or shifted.

Whole files go through NumPy's C parser first (:func:`parse_table`: LaSOT's 560 GT and result files
at I/O speed); only a file it does not take cleanly is read again line by line (:func:`read_rows`),
to name the bad line and the reason.
"""

from __future__ import annotations

import codecs
import io
import json
import re
import warnings
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


def parse_table(data: bytes, width: int, allow_nan: bool = False) -> np.ndarray | None:
    """The ``(N, width)`` float64 table in a file's bytes, parsed by NumPy's C reader (``np.loadtxt``),
    or None when the file is not a clean table: a row with another number of values, a non-number,
    a blank line inside (the C reader would skip it and shift every later row), NaN (unless
    ``allow_nan``) or infinity. Values are comma-separated (spaces around them allowed) or separated
    by whitespace alone; trailing blank lines and a UTF-8 BOM are ignored. The caller re-reads a None
    file with :func:`read_rows`, which names the line and the reason (or reads odd separators)."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    body = data.rstrip(b"\r\n\t ")
    if not body:
        return np.zeros((0, width), dtype=np.float64)
    if b";" in body:
        return None
    lines = body.count(b"\n") + 1
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values = np.loadtxt(io.BytesIO(body), delimiter="," if b"," in body else None, comments=None,
                                dtype=np.float64, ndmin=2)
    except ValueError:
        return None
    if values.shape != (lines, width):
        return None
    finite = np.isfinite(values)
    if not finite.all() and (not allow_nan or np.isinf(values).any()):
        return None
    return values


def parse_flags(data: bytes) -> np.ndarray | None:
    """A file of one ``0``/``1`` per line (``\\n`` line ends) as a bool array straight from its bytes,
    or None for anything else (the caller reads it the slow way, which names what is wrong)."""
    body = data.rstrip(b"\n")
    if not body or b"\r" in body:
        return None
    raw = np.frombuffer(body + b"\n", dtype=np.uint8)
    if len(raw) % 2 or not (raw[1::2] == ord("\n")).all():
        return None
    digits = raw[::2]
    if not ((digits == ord("0")) | (digits == ord("1"))).all():
        return None
    return digits == ord("1")


def read_table_fast(path: str | Path, width: int, allow_nan: bool = False) -> np.ndarray:
    """Read a numeric file of ``width`` values per line: :func:`parse_table`, else :func:`read_rows`
    (which raises the :class:`DataError` naming the file and line)."""
    path = Path(path)
    try:
        values = parse_table(path.read_bytes(), width, allow_nan)
    except OSError:
        values = None
    if values is not None:
        return values
    rows = read_rows(path, widths=(width,), allow_nan=allow_nan)
    return np.vstack(rows) if rows else np.zeros((0, width), dtype=np.float64)


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
    return read_table_fast(path, 4, allow_nan)


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
