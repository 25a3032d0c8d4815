"""COCO 2017 object detection as static-image tracking pairs (the DaSiamRPN/pysot use of detection data).

Layout of the official download (``annotations_trainval2017.zip`` + ``train2017.zip``)::

    <root>/annotations/instances_train2017.json     images [{id, file_name, width, height}],
                                                     annotations [{id, image_id, bbox, iscrowd, ...}]
    <root>/train2017/<file_name>                     (val2017 alike)

Every non-crowd object whose box is at least ``min_size`` pixels wide and high (default 8; pysot keeps
any positive size, ``min_size=0``) is a one-frame :class:`Sequence` named ``<image stem>/<annotation id>``.
The pair sampler draws template and search from that one frame; the search crop's random shift and
scale make the pair (pysot's COCO FRAME_RANGE is 1). Crowd regions and smaller objects are counted in
:attr:`SequenceTable.skipped`. Every referenced image must be in the image folder (one listing).

Pixel convention: COCO's ``bbox = [x, y, w, h]`` is in continuous coordinates (0 = the image's left
edge), so the 1-based box is ``x + 1, y + 1, w, h`` (exact: its centre in 0-based pixel-centre
coordinates is ``x + w / 2 - 0.5``; pysot crops around ``x + w / 2``, half a pixel off).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from crpnbench.data.seqtable import SequenceTable, escape_braces
from crpnbench.data.textio import read_json
from crpnbench.errors import ConfigError, DataError

COCO_SUBSETS: tuple[str, ...] = ("train2017", "val2017")


def read_coco(root, subset: str = "train2017", min_size: float = 8) -> SequenceTable:
    """Every usable object of COCO ``subset`` under ``root`` as a one-frame sequence (module docstring)."""
    if subset not in COCO_SUBSETS:
        raise ConfigError(f"COCO subset must be one of {', '.join(COCO_SUBSETS)}, not {subset!r}")
    min_size = float(min_size)
    root = Path(root)
    if not root.is_dir():
        raise DataError("COCO data root does not exist (pass --data-root)", root)
    path = root / "annotations" / f"instances_{subset}.json"
    images_dir = root / subset
    if not path.is_file():
        raise DataError("COCO annotation file is missing", path)
    if not images_dir.is_dir():
        raise DataError("COCO image folder is missing", images_dir)
    data = _load(path)
    files = _image_files(data, path)
    on_disk = set(os.listdir(images_dir))
    base = escape_braces(str(images_dir)) + os.sep
    patterns_of: dict[str, str] = {}  # one path string per image, shared by its objects

    names, patterns, boxes = [], [], []
    crowd = small = 0
    for index, ann in enumerate(data["annotations"]):
        where = f"annotations[{index}]"
        if not isinstance(ann, dict) or "bbox" not in ann or "image_id" not in ann:
            raise DataError(f"{where}: expected an object with image_id and bbox", path)
        where += f" (id {ann.get('id')})"
        bbox = ann["bbox"]
        try:
            x, y, w, h = (float(v) for v in bbox)
        except (TypeError, ValueError):
            raise DataError(f"{where}: bbox must be 4 numbers [x, y, w, h], got {str(bbox)[:60]}", path) from None
        if not np.all(np.isfinite([x, y, w, h])) or w < 0 or h < 0:
            raise DataError(f"{where}: bbox {bbox} has a negative or non-finite size", path)
        file_name = files.get(ann["image_id"])
        if file_name is None:
            raise DataError(f"{where}: image_id {ann['image_id']!r} is not in images", path)
        if ann.get("iscrowd", 0):
            crowd += 1
            continue
        if w <= 0 or h <= 0 or w < min_size or h < min_size:
            small += 1
            continue
        if file_name not in on_disk:
            raise DataError("image file is missing", images_dir / file_name)
        names.append(f"{os.path.splitext(os.path.basename(file_name))[0]}/{ann.get('id', index)}")
        patterns.append(patterns_of.setdefault(file_name, base + escape_braces(file_name)))
        boxes.append((x + 1, y + 1, w, h))
    count = len(names)
    skipped = {"crowd regions": crowd, f"objects under {min_size:g} px": small}
    return SequenceTable(names, patterns, np.arange(count + 1), np.zeros(count, np.int64),
                         np.array(boxes, dtype=np.float64).reshape(-1, 4), np.zeros(count, bool),
                         skipped={k: v for k, v in skipped.items() if v})


def _load(path: Path) -> dict:
    data = read_json(path)[1]
    if not isinstance(data, dict) or not isinstance(data.get("images"), list) \
            or not isinstance(data.get("annotations"), list):
        raise DataError("expected a COCO instances file: an object with 'images' and 'annotations' lists", path)
    return data


def _image_files(data: dict, path: Path) -> dict:
    files = {}
    for index, image in enumerate(data["images"]):
        if not isinstance(image, dict) or "id" not in image or not isinstance(image.get("file_name"), str):
            raise DataError(f"images[{index}]: expected an object with id and file_name", path)
        files[image["id"]] = image["file_name"]
    return files


__all__ = ["COCO_SUBSETS", "read_coco"]
