"""VOT-2016/2017/2018/2019 short-term benchmarks, from the toolkit's folder layout or a pysot-style JSON.

VOT2019's 60 sequences (a new set) come in the same layout and are run with the same baseline and
real-time experiments as 2018; only the EAO interval differs ([46, 291], in the benchmark catalog).

Folder layout (as the VOT toolkit downloads it)::

    <root>/list.txt                     one sequence name per line
    <root>/<seq>/color/00000001.jpg     (or <root>/<seq>/00000001.jpg in older releases)
    <root>/<seq>/groundtruth.txt        per row: 8-value polygon or 4-value x,y,w,h rectangle
    <root>/<seq>/occlusion.tag ...      per-frame 0/1 tags; absent file = all 0, short file padded with 0

:attr:`Sequence.polygons` holds every row as an 8-value polygon (a rectangle row becomes its four
corners, as the VOT toolkit converts it); :attr:`Sequence.boxes` is the polygon's axis-aligned
bounding box (``x, y, w, h``, 1-based as given). JSON source: pysot's ``VOT2018.json`` (per sequence
``video_dir, init_rect, img_names, gt_rect, width, height`` and one 0/1 list per tag).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from crpnbench.data.benchmark import Benchmark
from crpnbench.data.folders import frame_range, json_boxes, load_json_file, numbered_frames, read_name_list
from crpnbench.data.sequence import Sequence
from crpnbench.data.textio import read_flags, read_rows
from crpnbench.errors import ConfigError, DataError

#: the short-term editions this loader reads
VOT_VERSIONS: tuple[int, ...] = (2016, 2017, 2018, 2019)
#: the per-frame tags of VOT-2016..2019 (file ``<tag>.tag``)
VOT_TAGS: tuple[str, ...] = ("camera_motion", "illum_change", "motion_change", "size_change", "occlusion")


def rows_to_polygons(rows: list[np.ndarray] | np.ndarray) -> np.ndarray:
    """Convert rows of 4 (``x, y, w, h``) or 8 (polygon) values to an ``(N, 8)`` polygon array.

    A rectangle becomes its corners ``(x, y), (x+w, y), (x+w, y+h), (x, y+h)`` (VOT toolkit's
    region conversion), so its bounding box is the rectangle again.
    """
    polygons = np.empty((len(rows), 8), dtype=np.float64)
    for index, row in enumerate(rows):
        row = np.asarray(row, dtype=np.float64)
        if len(row) == 8:
            polygons[index] = row
        else:
            x, y, w, h = row
            polygons[index] = (x, y, x + w, y, x + w, y + h, x, y + h)
    return polygons


def polygon_bounds(polygons: np.ndarray) -> np.ndarray:
    """Axis-aligned bounding boxes ``(N, 4)`` (``x, y, w, h``) of ``(N, 8)`` polygons."""
    polygons = np.asarray(polygons, dtype=np.float64).reshape(-1, 8)
    xs, ys = polygons[:, 0::2], polygons[:, 1::2]
    x0, y0 = xs.min(axis=1), ys.min(axis=1)
    return np.stack([x0, y0, xs.max(axis=1) - x0, ys.max(axis=1) - y0], axis=1)


def pad_tag(values: np.ndarray, length: int, source: Path, tag: str) -> np.ndarray:
    """Pad a per-frame tag with 0 to ``length`` frames (VOT's rule); longer is a DataError."""
    values = np.asarray(values, dtype=bool).reshape(-1)
    if len(values) > length:
        raise DataError(f"tag {tag!r} has {len(values)} values for {length} frames", source)
    return np.concatenate([values, np.zeros(length - len(values), dtype=bool)])


class VOT(Benchmark):
    """VOT short-term benchmark (baseline/real-time experiments) for 2016, 2017 or 2018.

    Args:
        root: the VOT workspace ``sequences`` folder (with ``list.txt``); with ``annotations`` the
            folder that frame paths resolve against.
        annotations: a pysot-style JSON file (``VOT2018.json``).
        version: 2016, 2017, 2018 or 2019 (2017 and 2018 share the same 60 sequences).
    """

    result_layout = "vot"
    tags = VOT_TAGS

    def __init__(self, root=None, annotations=None, version: int | str = 2018):
        try:
            version = int(version)
        except (TypeError, ValueError):
            raise ConfigError(f"VOT version must be 2016, 2017, 2018 or 2019, not {version!r}") from None
        if version not in VOT_VERSIONS:
            raise ConfigError(f"VOT version must be 2016, 2017, 2018 or 2019, not {version!r}")
        self.version = version
        self.name = f"vot{version}"
        super().__init__(root=root, annotations=annotations)
        if self.root is None and self.annotations is None:
            raise DataError("VOT needs a data root or an annotation file")
        self._json = load_json_file(self.annotations) if self.annotations is not None else None

    # -- hooks ------------------------------------------------------------------------------
    def list_sequences(self) -> list[str]:
        if self._json is not None:
            return list(self._json)
        return read_name_list(self.root / "list.txt")

    def is_present(self, name: str) -> bool:
        if self._json is not None:
            return name in self._json
        return (self.root / name).is_dir()

    def load_sequence(self, name: str) -> Sequence:
        if self._json is not None:
            return self._sequence_from_json(name, self._json[name])
        return self._sequence_from_folder(name)

    def image_folder(self, sequence_folder: Path) -> Path:
        """Where a sequence's frames are: ``color/`` when it exists, else the folder itself."""
        color = sequence_folder / "color"
        return color if color.is_dir() else sequence_folder

    # -- folder layout ------------------------------------------------------------------------
    def _sequence_from_folder(self, name: str) -> Sequence:
        folder = self.root / name
        if not folder.is_dir():
            raise DataError(f"sequence folder of {name} is missing (listed in list.txt)", folder)
        gt_path = folder / "groundtruth.txt"
        rows = read_rows(gt_path, widths=(4, 8))
        if not rows:
            raise DataError("ground-truth file has no rows", gt_path)
        image_folder = self.image_folder(folder)
        frames = numbered_frames(image_folder)
        if len(frames) != len(rows):
            raise DataError(f"{len(rows)} ground-truth rows for {len(frames)} frames in {image_folder}", gt_path)
        paths = frame_range(frames, 1, len(rows), image_folder, pattern="{:08d}.jpg")
        polygons = rows_to_polygons(rows)
        frame_tags = {}
        for tag in self.tags:
            tag_path = folder / f"{tag}.tag"
            values = read_flags(tag_path) if tag_path.is_file() else np.zeros(0, dtype=bool)
            frame_tags[tag] = pad_tag(values, len(rows), tag_path, tag)
        return Sequence(
            name=name,
            frame_paths=paths,
            boxes=polygon_bounds(polygons),
            polygons=polygons,
            frame_tags=frame_tags,
            rectangle_rows=np.array([len(row) == 4 for row in rows], dtype=bool),
        )

    # -- JSON -----------------------------------------------------------------------------------
    def _sequence_from_json(self, name: str, entry: dict) -> Sequence:
        path = self.annotations
        if not isinstance(entry, dict) or "gt_rect" not in entry or "img_names" not in entry:
            raise DataError(f"entry {name!r} is not a VOT sequence (needs img_names and gt_rect)", path)
        base = self.root if self.root is not None else path.parent
        image_names = entry["img_names"]
        rows = json_boxes(entry["gt_rect"], path, f"{name}.gt_rect", widths=(4, 8))
        if not isinstance(image_names, list) or len(rows) != len(image_names):
            count = len(image_names) if isinstance(image_names, list) else 0
            raise DataError(f"{name}: {len(rows)} ground-truth rows for {count} images", path)
        if not rows:
            raise DataError(f"{name}: gt_rect is empty", path)
        polygons = rows_to_polygons(rows)
        frame_tags = {}
        for tag in self.tags:
            values = entry.get(tag, [])
            if isinstance(entry.get("tags"), dict):  # other converters nest the tags
                values = entry["tags"].get(tag, values)
            values = np.asarray(values if values is not None else [], dtype=np.float64).reshape(-1)
            if not np.isin(values, (0.0, 1.0)).all():
                raise DataError(f"{name}.{tag}: tag values must be 0 or 1", path)
            frame_tags[tag] = pad_tag(values.astype(bool), len(rows), path, f"{name}.{tag}")
        size = None
        if "width" in entry and "height" in entry:
            size = (int(entry["width"]), int(entry["height"]))
        return Sequence(
            name=name,
            frame_paths=[base / str(n) for n in image_names],
            boxes=polygon_bounds(polygons),
            polygons=polygons,
            frame_tags=frame_tags,
            image_size=size,
            rectangle_rows=np.array([len(row) == 4 for row in rows], dtype=bool),
        )
