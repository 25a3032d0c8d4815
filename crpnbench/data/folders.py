"""Helpers every folder-layout loader shares (OTB, VOT, LaSOT, TrackingNet, GOT-10k): numbered frame
files, frame ranges, name lists, numeric tables and JSON box lists, each failing with one
:class:`~crpnbench.errors.DataError` that names the file (and line)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from crpnbench.data.textio import read_json
from crpnbench.errors import DataError

_NUMBER = re.compile(r"^(\d+)$")


def numbered_frames(folder: str | Path, extensions: tuple[str, ...] = (".jpg",)) -> dict[int, Path]:
    """Map frame number -> image path for files named ``<digits>.<ext>`` in ``folder``.

    Any zero padding is accepted (OTB ``0001.jpg``, Board ``00001.jpg``, TrackingNet ``0.jpg``);
    other files are ignored. Raises :class:`DataError` when the folder is missing.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError("frame folder is missing", folder)
    frames: dict[int, Path] = {}
    for path in folder.iterdir():
        if path.suffix.lower() not in extensions:
            continue
        match = _NUMBER.match(path.stem)
        if match:
            frames[int(match.group(1))] = path
    return frames


def frame_range(frames: dict[int, Path], first: int, last: int, folder: Path,
                pattern: str = "{:04d}.jpg") -> list[Path]:
    """The paths of frames ``first..last`` (inclusive); a gap raises :class:`DataError` naming it."""
    paths = []
    for number in range(first, last + 1):
        path = frames.get(number)
        if path is None:
            raise DataError("frame image is missing", Path(folder) / pattern.format(number))
        paths.append(path)
    return paths


def read_name_list(path: str | Path) -> list[str]:
    """Read a list file of one sequence name per line (blank lines and surrounding space ignored)."""
    path = Path(path)
    if not path.is_file():
        raise DataError("sequence list file is missing", path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise DataError("sequence list is not UTF-8 text", path) from None
    names = [line.strip() for line in text.splitlines()]
    return [name for name in names if name]


def load_json_file(path: Path) -> dict:
    """Read a JSON annotation file; a syntax error becomes a DataError naming file and line."""
    data = read_json(path)[1]
    if not isinstance(data, dict):
        raise DataError("expected a JSON object mapping sequence names to annotations", path)
    return data


def json_boxes(values, path: Path, key: str, widths: tuple[int, ...] = (4,)) -> list[np.ndarray]:
    """Check and convert a JSON list of box rows; errors name the file and the sequence/frame."""
    if not isinstance(values, list):
        raise DataError(f"{key}: expected a list of boxes", path)
    rows = []
    for index, row in enumerate(values):
        try:
            array = np.asarray(row, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            raise DataError(f"{key}[{index}]: cannot read numbers from {str(row)[:60]!r}", path) from None
        if len(array) not in widths or not np.all(np.isfinite(array)):
            want = " or ".join(map(str, widths))
            raise DataError(f"{key}[{index}]: expected {want} finite numbers, got {str(row)[:60]!r}", path)
        rows.append(array)
    return rows




def read_table(path: str | Path, width: int = 4) -> np.ndarray:
    """Read a numeric file of ``width`` values per line into an ``(N, width)`` float64 array.

    NumPy's C parser for clean files (LaSOT, TrackingNet); any irregularity (a row with the wrong
    count, a blank line inside, a non-number, NaN) falls back to the line reader, which raises the
    :class:`DataError` naming the line (:func:`crpnbench.data.textio.read_table_fast`).
    """
    from crpnbench.data.textio import read_table_fast

    return read_table_fast(path, width)


def frame_number(path: str | Path) -> int | None:
    """The number in an image file name (``David/img/0300.jpg`` -> 300), or None."""
    match = _NUMBER.match(Path(path).stem)
    return int(match.group(1)) if match else None


def frame_span(frames: dict[int, Path], first: int, last: int, folder: Path, pattern: str, what: str) -> list[Path]:
    """The paths of frames ``first..last`` of a range a benchmark declares (UAV123 sub-sequences, TC128's
    ``_frames.txt``): a range past the folder's last frame, or a gap inside it, is one :class:`DataError`
    naming the folder, the range and ``what`` declared it."""
    if not frames:
        raise DataError(f"no numbered frames for {what} (frames {first}-{last})", folder)
    if first < 1 or last < first:
        raise DataError(f"{what}: frame range {first}-{last} is empty or starts before frame 1", folder)
    if last > max(frames):
        raise DataError(f"{what} spans frames {first}-{last}, past the last frame {max(frames)} on disk", folder)
    return frame_range(frames, first, last, folder, pattern)
