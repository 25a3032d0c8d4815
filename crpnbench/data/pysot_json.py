"""pysot's JSON annotation files: one file per benchmark (``OTB100.json``, ``UAV123.json``, ``UAV20L.json``,
``NFS30.json``, ``NFS240.json``, ``LaSOT.json``; VOT's files are read by :mod:`crpnbench.data.vot`).

Every file maps a sequence name to one object::

    {"video_dir": "bird1_1", "init_rect": [x, y, w, h],
     "img_names": ["data_seq/UAV123/bird1/000001.jpg", ...],   # relative to the dataset root
     "gt_rect": [[x, y, w, h], ...], "attr": ["Scale Variation", ...],
     "absent": [1, 1, 0, ...]}                                   # LaSOT's file only

Quirks, as pysot's ``toolkit/datasets`` and ``toolkit/evaluation`` read them:

* ``img_names`` are joined to the dataset root (``--data-root``; without it the JSON file's folder).
* ``gt_rect`` may have fewer rows than ``img_names`` (pysot's OTB file for a few sequences): the sequence is
  the first ``len(gt_rect)`` images, as pysot scores it. More rows than images is an error.
* A row of four NaN (Python's ``json`` writes and reads ``NaN``) is a frame without the target (UAV123's
  annotations have them): an absent frame, as the text annotations' ``NaN,NaN,NaN,NaN`` rows are. A row with
  only some values NaN, or fewer/more than 4 values, is an error naming the sequence and the row.
* LaSOT's ``absent`` list is, despite its name, 1 where the target is **visible**: pysot's
  ``OPEBenchmark`` keeps the frames with ``absent == 1``. crpnbench's ``absent`` flag is therefore
  ``absent == 0`` (a value other than 0/1, or a count other than the boxes', is an error).
* ``attr`` is a list of attribute names or codes (``"Scale Variation"`` or ``"SV"``); the benchmark's
  loader maps it to its codes. GOT-10k's file has none.

Every error is a :class:`~crpnbench.errors.DataError` naming the file and the sequence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from crpnbench.data.folders import frame_number, load_json_file
from crpnbench.data.sequence import Sequence
from crpnbench.errors import DataError


def json_boxes_with_gaps(values, path: Path, key: str) -> tuple[np.ndarray, np.ndarray]:
    """``(boxes, absent)`` of a JSON list of ``[x, y, w, h]`` rows in which an all-NaN row marks an absent
    target; anything else that is not 4 finite numbers is a :class:`DataError` naming ``key[index]``."""
    if not isinstance(values, list):
        raise DataError(f"{key}: expected a list of boxes", path)
    boxes = np.empty((len(values), 4), dtype=np.float64)
    for index, row in enumerate(values):
        try:
            array = np.asarray(row, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            raise DataError(f"{key}[{index}]: cannot read numbers from {str(row)[:60]!r}", path) from None
        missing = np.isnan(array)
        if len(array) != 4 or np.isinf(array).any() or (missing.any() and not missing.all()):
            raise DataError(f"{key}[{index}]: expected 4 finite numbers (or 4 NaN: target absent), "
                            f"got {str(row)[:60]!r}", path)
        boxes[index] = array
    absent = np.isnan(boxes).all(axis=1) if len(boxes) else np.zeros(0, dtype=bool)
    return boxes, absent


class PysotJSON:
    """A pysot JSON annotation file, read once.

    Args:
        path: the JSON file.
        canonical: maps a key of the file to the benchmark's sequence name (e.g. ``nfs_Gymnastics`` ->
            ``Gymnastics``); keys it maps to the same name twice are an error.
        benchmark: the printed benchmark name, for messages.
    """

    def __init__(self, path: str | Path, canonical: Callable[[str], str] = str, benchmark: str = ""):
        self.path = Path(path)
        data = load_json_file(self.path)
        self.entries: dict[str, tuple[str, dict]] = {}
        for key, entry in data.items():
            if not isinstance(entry, dict) or "gt_rect" not in entry or "img_names" not in entry:
                raise DataError(f"entry {key!r} is not a pysot {benchmark} sequence (needs img_names and gt_rect)",
                                self.path)
            name = canonical(str(key))
            if name in self.entries:
                raise DataError(f"entries {self.entries[name][0]!r} and {key!r} are both sequence {name!r}",
                                self.path)
            self.entries[name] = (str(key), entry)

    def __contains__(self, name: object) -> bool:
        return name in self.entries

    def __len__(self) -> int:
        return len(self.entries)

    def sequence(self, name: str, base: Path | None,
                 attributes: Callable[[Iterable[str]], tuple[str, ...]] | None = None) -> Sequence:
        """Sequence ``name`` with frame paths under ``base`` (the dataset root; None: the file's folder).

        ``attributes`` maps the entry's ``attr`` list to the benchmark's codes (None: kept as given)."""
        if name not in self.entries:
            raise DataError(f"sequence {name!r} is not in the annotation file", self.path)
        key, entry = self.entries[name]
        return pysot_sequence(name, key, entry, self.path, base, attributes)

    def check_frame_count(self, sequence: Sequence, expected: int, what: str) -> None:
        """A :class:`DataError` unless ``sequence`` has the ``expected`` frames the benchmark defines
        (``what`` says which, e.g. ``"frames 775-1477 of bird1/"``): nothing is scored on other frames."""
        if len(sequence) != expected:
            key = self.entries[sequence.name][0]
            raise DataError(f"{key}: {len(sequence)} frames, but {sequence.name} is {what} ({expected} frames)",
                            self.path)


def pysot_sequence(name: str, key: str, entry: dict, path: Path, base: Path | None,
                   attributes: Callable[[Iterable[str]], tuple[str, ...]] | None = None) -> Sequence:
    """The :class:`Sequence` of one pysot entry ``key`` of file ``path`` (the rules in the module docstring)."""
    image_names = entry["img_names"]
    if not isinstance(image_names, list) or not image_names:
        raise DataError(f"{key}: img_names is empty or not a list", path)
    boxes, absent = json_boxes_with_gaps(entry["gt_rect"], path, f"{key}.gt_rect")
    if len(boxes) == 0:
        raise DataError(f"{key}: gt_rect is empty", path)
    if len(boxes) > len(image_names):
        raise DataError(f"{key}: {len(boxes)} boxes for {len(image_names)} images", path)
    if "absent" in entry:  # pysot's LaSOT file: 1 = visible (the frames its OPEBenchmark keeps)
        visible = entry["absent"]
        try:
            flags = np.asarray(visible, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            flags = np.full(1, np.nan)
        if len(flags) != len(boxes) or not np.isin(flags, (0.0, 1.0)).all():
            raise DataError(f"{key}.absent: expected {len(boxes)} values 0/1 (1 = target visible), "
                            f"got {len(flags)} values {str(visible)[:40]!r}", path)
        absent = absent | (flags == 0)
    if absent[0]:
        raise DataError(f"{key}: the first box is absent: nothing to initialise a tracker with", path)
    prefix = Path(base) if base is not None else path.parent
    paths = [prefix / str(n) for n in image_names[: len(boxes)]]
    start = frame_number(image_names[0])
    attr = entry.get("attr") or ()
    if isinstance(attr, str):
        attr = (attr,)
    codes = tuple(attributes(attr)) if attributes is not None else tuple(str(a) for a in attr)
    return Sequence(name=name, frame_paths=paths, boxes=boxes, absent=absent, attributes=codes,
                    start_frame=start if start is not None else 1)


__all__ = ["PysotJSON", "json_boxes_with_gaps", "pysot_sequence"]
