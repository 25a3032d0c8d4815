"""GOT-10k (Huang et al., TPAMI 2019): ``train``, ``val`` and ``test`` subsets.

Layout::

    <root>/<subset>/list.txt                 one sequence name per line
    <root>/<subset>/<seq>/00000001.jpg ...
    <root>/<subset>/<seq>/groundtruth.txt    comma-separated x,y,w,h (test: the first box only)
    <root>/<subset>/<seq>/absence.label      one 0/1 per line (train/val)

The ``got10k`` package's ``GOT10k`` class reads the same layout and works on NumPy 2, but reports
bad input with bare ``assert``/NumPy errors; this loader reads the layout itself so every error
names the file and line (the tests cross-check it against ``got10k.datasets.GOT10k``).
"""

from __future__ import annotations

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
        self.name = "got10k" if subset == "val" else f"got10k-{subset}"
        super().__init__(root=root, annotations=annotations)
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
        return Sequence(name=name, frame_paths=paths, boxes=boxes, absent=absent)
