"""pysot's prepared training crops (``training_dataset/<name>/par_crop.py`` + ``gen_json.py``).

Most groups train SiamRPN-style trackers from these instead of the raw datasets: every annotated
target of VID, YT-BB, COCO, DET, GOT-10k, LaSOT... cut once into a 511 x 511 search crop. Layout::

    <root>/train.json                                  {video: {track: {frame: [x1, y1, x2, y2]}}}
    <root>/crop511/<video>/<frame:06d>.<track>.x.jpg   (``.z.jpg``, the 127 template crops, are unused)

``<root>`` is pysot's ``training_dataset/<name>/`` (e.g. ``training_dataset/vid``); ``annotations=``
names another file (``val.json``). Frame keys are 6-digit frame numbers, track keys strings such as
``00``; a frame key that is not all digits is ignored (pysot does the same) and counted. One
:class:`Sequence` per (video, track), named ``<video>/<track>``, its frames the listed frames in
order, so a frame gap counts listed frames exactly as pysot's FRAME_RANGE does.

The box inside a crop (pysot ``TrkDataset._get_bbox``): the JSON box is in the *original* frame's
coordinates and only its size is used, ``w = x2 - x1``, ``h = y2 - y1`` (a ``[w, h]`` entry gives
them directly). ``par_crop.py`` cut the crop around the target centre with SiamFC's context
(``s_z = sqrt((w + p)(h + p))``, ``p = 0.5 (w + h)``) scaled so that ``s_z`` became 127 pixels,
so the target's size in the crop is ``w * 127 / s_z`` by ``h * 127 / s_z``, centred on pixel
``(511 // 2, 511 // 2) = (255, 255)`` in 0-based pixel-centre coordinates. As a 1-based box:
``x = 255 + 1 - (w' - 1) / 2`` (same for y). Boxes with ``x2 < x1`` or ``y2 < y1`` are a
:class:`DataError` naming the file and line; zero-size boxes (which pysot drops) are kept as
unusable frames and counted.
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

import numpy as np

from crpnbench.data.seqtable import SequenceTable, escape_braces
from crpnbench.data.textio import read_json
from crpnbench.errors import DataError

#: the crops' exemplar size and context amount when par_crop.py cut them (fixed, not the model's)
CROP_EXEMPLAR = 127
CROP_CONTEXT = 0.5


def crop_box(w, h, crop_size: int = 511) -> np.ndarray:
    """The 1-based ``x, y, w, h`` of a target of original size ``w x h`` inside its ``crop_size`` crop.

    ``w`` and ``h`` may be arrays (one box per row of the result); a zero size gives a zero-size box.
    """
    w, h = np.asarray(w, dtype=np.float64), np.asarray(h, dtype=np.float64)
    pad = CROP_CONTEXT * (w + h)
    side = np.sqrt((w + pad) * (h + pad))
    scale = np.divide(CROP_EXEMPLAR, side, out=np.zeros_like(side), where=side > 0)
    cw, ch = w * scale, h * scale
    centre = crop_size // 2
    return np.stack([centre + 1 - (cw - 1) / 2, centre + 1 - (ch - 1) / 2, cw, ch], axis=-1)


def read_crop511(root, annotations: str = "train.json", crop_size: int = 511) -> SequenceTable:
    """Every (video, track) of a pysot crop folder (see the module docstring)."""
    root = Path(root)
    crops = root / f"crop{int(crop_size)}"
    path = root / annotations
    if not root.is_dir():
        raise DataError("crop data root does not exist (pass --data-root)", root)
    if not crops.is_dir():
        raise DataError(f"crop folder is missing (expected pysot's crop{int(crop_size)}/)", crops)
    if not path.is_file():
        raise DataError("crop annotation file is missing", path)
    text, data = _load(path)

    names, patterns, starts, numbers, boxes = [], [], [0], [], []
    ignored = zero = 0
    for video, tracks in data.items():
        if not isinstance(tracks, dict):
            raise DataError(f"{video}: expected an object of tracks", path, _key_line(text, [video]))
        folder = escape_braces(str(crops / video)) + os.sep
        for track, frames in tracks.items():
            if not isinstance(frames, dict):
                raise DataError(f"{video}/{track}: expected an object of frames", path,
                                _key_line(text, [video, track]))
            keyed = sorted((int(k), k) for k in frames if k.isdigit())
            ignored += len(frames) - len(keyed)
            if not keyed:
                continue
            sizes = np.array([_size(frames[k], path, text, (video, track, k)) for _, k in keyed]).reshape(-1, 2)
            zero += int(np.sum(np.any(sizes <= 0, axis=1)))
            names.append(f"{video.removeprefix('./')}/{track}")
            patterns.append(folder + "{:06d}." + escape_braces(track) + ".x.jpg")
            numbers.append(np.array([n for n, _ in keyed], dtype=np.int64))
            boxes.append(crop_box(sizes[:, 0], sizes[:, 1], crop_size))
            starts.append(starts[-1] + len(keyed))
    table_boxes = np.concatenate(boxes) if boxes else np.zeros((0, 4))
    skipped = {"non-numeric frame keys ignored": ignored, "zero-size boxes not sampled": zero}
    table = SequenceTable(names, patterns, starts,
                          np.concatenate(numbers) if numbers else np.zeros(0, np.int64),
                          table_boxes, np.zeros(len(table_boxes), bool),
                          skipped={k: v for k, v in skipped.items() if v})
    return table.without_unusable("tracks without a usable frame")


def _load(path: Path) -> tuple[str, dict]:
    text, data = read_json(path)
    if not isinstance(data, dict):
        raise DataError("expected a JSON object {video: {track: {frame: box}}}", path)
    return text, data


def _size(box, path: Path, text: str, keys: tuple[str, str, str]) -> tuple[float, float]:
    """``(w, h)`` of one JSON box: ``[x1, y1, x2, y2]`` or ``[w, h]``."""
    where = "/".join(keys)
    try:
        values = [float(v) for v in box]
    except (TypeError, ValueError):
        values = []
    if len(values) not in (2, 4) or not all(math.isfinite(v) for v in values):
        raise DataError(f"{where}: expected [x1, y1, x2, y2] or [w, h], got {str(box)[:60]}", path,
                        _key_line(text, keys))
    if len(values) == 2:
        w, h = values
    else:
        w, h = values[2] - values[0], values[3] - values[1]
    if w < 0 or h < 0:
        raise DataError(f"{where}: box {box} has x2 < x1 or y2 < y1", path, _key_line(text, keys))
    return w, h


def _key_line(text: str, keys) -> int | None:
    """The 1-based line of the nested key path ``keys`` in a JSON text (for error messages)."""
    position = 0
    for key in keys:
        match = re.compile(re.escape(json.dumps(key)) + r"\s*:").search(text, position)
        if match is None:
            return None
        position = match.start()
    return text.count("\n", 0, position) + 1


__all__ = ["CROP_CONTEXT", "CROP_EXEMPLAR", "crop_box", "read_crop511"]
