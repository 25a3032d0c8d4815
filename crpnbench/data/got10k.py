"""GOT-10k (Huang et al., TPAMI 2019): ``train``, ``val`` and ``test`` subsets.

Layout::

    <root>/<subset>/list.txt                 one sequence name per line
    <root>/<subset>/<seq>/00000001.jpg ...
    <root>/<subset>/<seq>/groundtruth.txt    comma-separated x,y,w,h (test: the first box only)
    <root>/<subset>/<seq>/absence.label      one 0/1 per line (train/val)
    <root>/<subset>/<seq>/cover.label        visible ratio 0..8 per line (train/val); 0 = not visible
    <root>/<subset>/<seq>/meta_info.ini      ``resolution: (width, height)`` among other lines

A frame is absent where ``cover.label`` is 0 (what got10k's evaluation leaves out, ``cover > 0``); without
that file, where ``absence.label`` is 1. ``meta_info.ini``'s resolution is the sequence's
``image_size`` (got10k clips boxes to it before the overlap; see :mod:`crpnbench.metrics.got10k`).
The val subset is named ``got10k-val`` (``--dataset got10k`` is the same benchmark).

The ``got10k`` package's ``GOT10k`` class reads the same layout and works on NumPy 2, but reports
bad input with bare ``assert``/NumPy errors; this loader reads the layout itself so every error
names the file and line (the tests cross-check it against ``got10k.datasets.GOT10k``).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from crpnbench.data.benchmark import Benchmark
from crpnbench.data.folders import frame_range, numbered_frames, read_name_list, read_table
from crpnbench.data.sequence import Sequence
from crpnbench.errors import ConfigError, DataError

GOT10K_SUBSETS: tuple[str, ...] = ("train", "val", "test")


class GOT10k(Benchmark):
    """GOT-10k subset ``train``, ``val`` or ``test`` from ``<root>/<subset>/``."""

    result_layout = "got10k"

    def __init__(self, root=None, annotations=None, subset: str = "val"):
        subset = str(subset).lower()
        if subset not in GOT10K_SUBSETS:
            raise ConfigError(f"GOT-10k subset must be one of {', '.join(GOT10K_SUBSETS)}, not {subset!r}")
        self.subset = subset
        self.name = f"got10k-{subset}"
        if annotations is not None:  # e.g. pysot's GOT-10k JSON: boxes only
            raise ConfigError("GOT-10k is read from its folders (--data-root), not --annotations: its official AO "
                              "needs cover.label (frames left out) and meta_info.ini (boxes clipped), which "
                              "annotation files such as pysot's GOT-10k JSON do not carry")
        super().__init__(root=root)
        if self.root is None:
            raise DataError("GOT-10k needs a data root")
        self.subset_dir = self.root / subset

    def list_sequences(self) -> list[str]:
        return read_name_list(self.subset_dir / "list.txt")

    def is_present(self, name: str) -> bool:
        return (self.subset_dir / name).is_dir()

    def load_sequence(self, name: str) -> Sequence:
        folder = self.subset_dir / name
        if not folder.is_dir():
            raise DataError(f"sequence folder of {name} is missing (listed in list.txt)", folder)
        gt_path = folder / "groundtruth.txt"
        boxes = read_table(gt_path, 4)
        if len(boxes) == 0:
            raise DataError("ground-truth file has no boxes", gt_path)
        frames = numbered_frames(folder)
        if self.subset == "test":
            if not frames:
                raise DataError("no numbered .jpg frames", folder)
            full = np.full((len(frames), 4), np.nan)
            full[0] = boxes[0]
            boxes = full
        elif len(frames) != len(boxes):
            raise DataError(f"{len(boxes)} boxes for {len(frames)} frames in {folder}", gt_path)
        paths = frame_range(frames, 1, len(boxes), folder, pattern="{:08d}.jpg")
        absent = None
        absence_path = folder / "absence.label"
        if absence_path.is_file():
            values = read_table(absence_path, 1).reshape(-1)
            if not np.isin(values, (0.0, 1.0)).all():
                raise DataError("absence flags must be 0 or 1", absence_path)
            if len(values) != len(boxes):
                raise DataError(f"{len(values)} absence flags for {len(boxes)} frames", absence_path)
            absent = values.astype(bool)
        cover_path = folder / "cover.label"
        if cover_path.is_file():
            cover = read_table(cover_path, 1).reshape(-1)
            if len(cover) != len(boxes):
                raise DataError(f"{len(cover)} cover values for {len(boxes)} frames", cover_path)
            absent = cover == 0
        return Sequence(name=name, frame_paths=paths, boxes=boxes, absent=absent,
                        image_size=read_resolution(folder / "meta_info.ini"))


_RESOLUTION = re.compile(r"^\s*resolution\s*:\s*\(?\s*(\d+)\s*,\s*(\d+)\s*\)?\s*$")


def read_resolution(path: Path) -> tuple[int, int] | None:
    """``(width, height)`` from a GOT-10k ``meta_info.ini`` line ``resolution: (1280, 720)``; None when the
    file is absent. A resolution line that does not parse is a :class:`DataError` naming the line."""
    if not path.is_file():
        return None
    for number, line in enumerate(path.read_text(encoding="utf-8-sig", errors="replace").splitlines(), start=1):
        if line.strip().lower().startswith("resolution"):
            match = _RESOLUTION.match(line)
            if not match or 0 in (int(match.group(1)), int(match.group(2))):
                raise DataError(f"expected 'resolution: (width, height)', found {line.strip()[:60]!r}", path, number)
            return int(match.group(1)), int(match.group(2))
    return None
