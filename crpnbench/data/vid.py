"""ILSVRC2015 VID (ImageNet video object detection) as tracking training data.

Layout of the official download (``ILSVRC2015_VID.tar.gz`` unpacks to ``ILSVRC2015/``)::

    <root>/Data/VID/train/<chunk>/<video>/<frame:06d>.JPEG          chunk = ILSVRC2015_VID_train_000k
    <root>/Annotations/VID/train/<chunk>/<video>/<frame:06d>.xml
    <root>/Data/VID/val/<video>/<frame:06d>.JPEG                     (the val split has no chunks)
    <root>/Annotations/VID/val/<video>/<frame:06d>.xml

Every annotated frame's ``.JPEG`` must exist (checked when reading, one folder listing per video).
Each XML is PASCAL-VOC-like: ``<object>`` elements with ``<trackid>``, ``<name>`` (WordNet id),
``<bndbox>`` (``xmin``, ``xmax``, ``ymin``, ``ymax``), ``<occluded>`` and ``<generated>`` (0/1).

One :class:`Sequence` per (video, trackid), named ``<video>/<trackid:02d>``: the video's frames from
the track's first to its last annotated frame; frames in between where the track has no object
are absent. A frame gap therefore counts video frames (pysot's VID FRAME_RANGE is 100).

Pixel convention: ``xmin..xmax`` are taken as 0-based *inclusive* pixel indices (the ImageNet
devkit's: a box's width is ``xmax - xmin + 1``), so the 1-based box is ``x = xmin + 1``,
``w = xmax - xmin + 1`` (same for y). Its centre in 0-based pixel-centre coordinates is
``(xmin + xmax) / 2``, exactly the centre pysot's ``par_crop.py`` crops around; pysot's size is one
pixel smaller (``xmax - xmin``). ``xmax < xmin`` is a :class:`DataError` naming the XML file and line.

Flags: ``occluded`` and ``generated`` (an interpolated box) are kept by default, as pysot's
``gen_json.py`` keeps them; ``occluded="skip"`` / ``generated="skip"`` mark those frames absent
(never sampled) and count them in :attr:`SequenceTable.skipped`.

Speed: the ~1.1M XML files of the train split are parsed with the C ElementTree parser (~35 µs a
file on a warm page cache), videos spread over ``workers`` processes; nothing is cached on disk.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

from crpnbench.data.seqtable import SequenceTable, escape_braces
from crpnbench.errors import ConfigError, DataError

#: subset -> folder depth of the videos under Annotations/VID/<subset>/ (train has chunk folders)
VID_SUBSETS: dict[str, int] = {"train": 2, "val": 1}
FLAG_RULES = ("keep", "skip")
_COLUMNS = 8  # frame position, trackid, x, y, w, h, occluded, generated


def read_vid(root, subset: str = "train", occluded: str = "keep", generated: str = "keep",
             workers: int | None = None) -> SequenceTable:
    """Every (video, track) of ILSVRC2015 VID ``subset`` under ``root`` (see the module docstring)."""
    subset = str(subset).lower()
    if subset not in VID_SUBSETS:
        raise ConfigError(f"VID subset must be one of {', '.join(VID_SUBSETS)}, not {subset!r}")
    for name, rule in (("occluded", occluded), ("generated", generated)):
        if rule not in FLAG_RULES:
            raise ConfigError(f"VID {name}= must be one of {', '.join(FLAG_RULES)}, not {rule!r}")
    root = Path(root)
    annotations = root / "Annotations" / "VID" / subset
    data = root / "Data" / "VID" / subset
    for folder in (root, annotations, data):
        if not folder.is_dir():
            raise DataError("ILSVRC2015 VID folder does not exist (pass --data-root)", folder)
    videos = _video_folders(annotations, VID_SUBSETS[subset])
    parsed = _map(_read_video, [(str(annotations / v), str(data / v)) for v in videos], workers)

    names, patterns, starts, numbers, boxes, absent = [], [], [0], [], [], []
    skipped = {"occluded frames not sampled": 0, "generated frames not sampled": 0}
    for video, (frame_numbers, rows) in zip(videos, parsed):
        pattern = escape_braces(str(data / video)) + os.sep + "{:06d}.JPEG"
        for track in np.unique(rows[:, 1]).astype(int):
            mine = rows[rows[:, 1] == track]
            positions = mine[:, 0].astype(int)
            first, last = positions.min(), positions.max()
            track_boxes = np.full((last - first + 1, 4), np.nan)
            track_boxes[positions - first] = mine[:, 2:6]
            track_absent = np.ones(last - first + 1, dtype=bool)
            track_absent[positions - first] = False
            for column, name, rule in ((6, "occluded", occluded), (7, "generated", generated)):
                if rule == "skip":
                    flagged = positions[mine[:, column] > 0] - first
                    skipped[f"{name} frames not sampled"] += int(len(flagged))
                    track_absent[flagged] = True
            names.append(f"{Path(video).name}/{track:02d}")
            patterns.append(pattern)
            numbers.append(frame_numbers[first:last + 1])
            boxes.append(track_boxes)
            absent.append(track_absent)
            starts.append(starts[-1] + last - first + 1)
    table = SequenceTable(
        names, patterns, starts,
        np.concatenate(numbers) if numbers else np.zeros(0, np.int64),
        np.concatenate(boxes) if boxes else np.zeros((0, 4)),
        np.concatenate(absent) if absent else np.zeros(0, bool),
        skipped={k: v for k, v in skipped.items() if v},
    )
    return table.without_unusable("tracks without a usable frame")


def _video_folders(annotations: Path, depth: int) -> list[str]:
    """Video folders ``depth`` levels below ``annotations``, relative and sorted."""
    level = [""]
    for _ in range(depth):
        level = [os.path.join(parent, entry.name) if parent else entry.name
                 for parent in level
                 for entry in sorted(os.scandir(annotations / parent), key=lambda e: e.name)
                 if entry.is_dir()]
    return level


def _read_video(folders: tuple[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """One video's frame numbers (sorted) and its object rows (see ``_COLUMNS``).

    ``folders`` are the video's annotation and image folders; every annotated frame's ``.JPEG``
    must be there (a missing one is a :class:`DataError` naming it).
    """
    folder, images = folders
    numbered = []
    for entry in os.scandir(folder):
        if entry.name.endswith(".xml"):
            stem = entry.name[:-4]
            if not (stem.isdigit() and len(stem) == 6):
                raise DataError("annotation file name is not a 6-digit frame number", entry.path)
            numbered.append((int(stem), entry.path))
    numbered.sort()
    on_disk = set(os.listdir(images)) if os.path.isdir(images) else set()
    for _, path in numbered:
        name = os.path.basename(path)[:-4] + ".JPEG"
        if name not in on_disk:
            raise DataError("frame image is missing", os.path.join(images, name))
    rows = []
    for position, (_, path) in enumerate(numbered):
        rows.extend([position, *values] for values in read_frame_objects(path))
    frame_numbers = np.array([n for n, _ in numbered], dtype=np.int64)
    table = np.array(rows, dtype=np.float64).reshape(-1, _COLUMNS)
    keys = table[np.lexsort((table[:, 1], table[:, 0])), :2]  # a trackid twice in one frame: broken file
    twice = np.flatnonzero(np.all(keys[1:] == keys[:-1], axis=1))
    if len(twice):
        raise DataError(f"<trackid> {keys[twice[0], 1]:g} appears twice", numbered[int(keys[twice[0], 0])][1])
    return frame_numbers, table


def read_frame_objects(path: str | Path) -> list[list[float]]:
    """``[trackid, x, y, w, h, occluded, generated]`` (1-based box) of every object in one VID XML."""
    with open(path, "rb") as handle:
        text = handle.read()
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        raise DataError(f"malformed XML ({str(exc).split(': line')[0]})", path, line) from None
    objects = []
    for index, element in enumerate(root.iter("object")):
        def number(tag: str, parent=element, default=None) -> float:
            found = parent.find(tag)
            if found is None or found.text is None or not found.text.strip():
                if default is not None:
                    return default
                raise DataError(f"<object> #{index + 1} has no <{tag}>", path, _line_of(text, index, tag))
            try:
                return float(found.text)
            except ValueError:
                raise DataError(f"<{tag}> is not a number: {found.text.strip()[:30]!r}", path,
                                _line_of(text, index, tag)) from None

        box = element.find("bndbox")
        if box is None:
            raise DataError(f"<object> #{index + 1} has no <bndbox>", path, _line_of(text, index, "object"))
        xmin, xmax, ymin, ymax = (number(t, box) for t in ("xmin", "xmax", "ymin", "ymax"))
        for low, high, tag in ((xmin, xmax, "xmax"), (ymin, ymax, "ymax")):
            if high < low:
                axis = tag[0]
                raise DataError(f"{axis}max {high:g} < {axis}min {low:g}", path, _line_of(text, index, tag))
        objects.append([number("trackid"), xmin + 1, ymin + 1, xmax - xmin + 1, ymax - ymin + 1,
                        number("occluded", default=0.0), number("generated", default=0.0)])
    return objects


def _line_of(text: bytes, object_index: int, tag: str) -> int | None:
    """The 1-based line of ``<tag>`` inside the ``object_index``-th ``<object>`` (for error messages)."""
    position = -1
    for _ in range(object_index + 1):
        position = text.find(b"<object", position + 1)
        if position < 0:
            return None
    if tag != "object":
        found = text.find(f"<{tag}".encode(), position)
        position = found if found >= 0 else position
    return text.count(b"\n", 0, position) + 1


def _map(function, items: list, workers: int | None) -> list:
    """``[function(i) for i in items]``, in ``workers`` spawned processes when there is enough work."""
    workers = min(8, os.cpu_count() or 1) if workers is None else int(workers)
    if workers <= 1 or len(items) < 64:
        return [function(item) for item in items]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(function, items, chunksize=max(1, len(items) // (workers * 8))))


__all__ = ["VID_SUBSETS", "read_vid", "read_frame_objects"]
