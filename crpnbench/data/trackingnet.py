"""TrackingNet (Müller et al., ECCV 2018): the TEST set (first box only) and the TRAIN_0..11 chunks.

Layout::

    <root>/TEST/anno/<seq>.txt          the first frame's box only (scores come from the server)
    <root>/TEST/frames/<seq>/0.jpg ...  frames numbered from 0
    <root>/TRAIN_<k>/anno/<seq>.txt     one box per frame (can be scored locally)
    <root>/TRAIN_<k>/frames/<seq>/<n>.jpg

Sequence names come from the ``anno`` folders. TEST frame counts come from the frame folder
(``boxes`` row 0 is the given box, NaN elsewhere); TRAIN frame counts from the annotation rows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from crpnbench.data.benchmark import Benchmark
from crpnbench.data.folders import frame_range, numbered_frames, read_table
from crpnbench.data.sequence import Sequence
from crpnbench.errors import ConfigError, DataError

TRAIN_CHUNKS: tuple[int, ...] = tuple(range(12))


class TrackingNet(Benchmark):
    """TrackingNet TEST or TRAIN.

    Args:
        root: the folder holding ``TEST/`` and/or ``TRAIN_<k>/``.
        subset: ``"TEST"`` or ``"TRAIN"``.
        chunks: TRAIN chunk numbers to read (default all 0..11 that exist).
    """

    result_layout = "otb"

    def __init__(self, root=None, annotations=None, subset: str = "TEST", chunks=None):
        subset = str(subset).upper()
        if subset not in ("TEST", "TRAIN"):
            raise ConfigError(f"TrackingNet subset must be TEST or TRAIN, not {subset!r}")
        self.subset = subset
        self.name = "trackingnet" if subset == "TEST" else "trackingnet-train"
        super().__init__(root=root, annotations=annotations)
        if self.annotations is not None:
            raise ConfigError("TrackingNet is read from its folder layout (--data-root), not an annotation file")
        if self.root is None:
            raise DataError("TrackingNet needs a data root")
        if subset == "TEST":
            self.subset_dirs = [self.root / "TEST"]
        else:
            wanted = TRAIN_CHUNKS if chunks is None else tuple(int(c) for c in chunks)
            bad = [c for c in wanted if c not in TRAIN_CHUNKS]
            if bad:
                raise ConfigError(f"TrackingNet TRAIN chunks are 0..11, not {bad}")
            self.subset_dirs = [self.root / f"TRAIN_{c}" for c in wanted]
        self._where: dict[str, Path] | None = None

    # -- hooks ------------------------------------------------------------------------------
    def _index(self) -> dict[str, Path]:
        """Sequence name -> the subset folder (TEST or TRAIN_k) holding it."""
        if self._where is None:
            where: dict[str, Path] = {}
            found_any = False
            for subset_dir in self.subset_dirs:
                anno_dir = subset_dir / "anno"
                if not anno_dir.is_dir():
                    continue
                found_any = True
                for path in sorted(anno_dir.glob("*.txt")):
                    where.setdefault(path.stem, subset_dir)
            if not found_any:
                folder = self.subset_dirs[0] / "anno" if len(self.subset_dirs) == 1 else self.root
                raise DataError(f"no TrackingNet {self.subset} annotation folder (<chunk>/anno/)", folder)
            self._where = where
        return self._where

    def list_sequences(self) -> list[str]:
        return list(self._index())

    def is_present(self, name: str) -> bool:
        subset_dir = self._index().get(name)
        if subset_dir is None:
            return False
        if self.subset == "TEST":
            return (subset_dir / "frames" / name).is_dir()
        return True

    def load_sequence(self, name: str) -> Sequence:
        subset_dir = self._index()[name]
        anno_path = subset_dir / "anno" / f"{name}.txt"
        boxes = read_table(anno_path, 4)
        if len(boxes) == 0:
            raise DataError("annotation file has no boxes", anno_path)
        frame_folder = subset_dir / "frames" / name
        if self.subset == "TEST":
            frames = numbered_frames(frame_folder)
            if not frames:
                raise DataError("no numbered .jpg frames", frame_folder)
            paths = frame_range(frames, 0, len(frames) - 1, frame_folder, pattern="{}.jpg")
            full = np.full((len(paths), 4), np.nan)
            full[0] = boxes[0]
            boxes = full
        else:
            folder = str(frame_folder)
            paths = [f"{folder}/{index}.jpg" for index in range(len(boxes))]
        return Sequence(name=name, frame_paths=paths, boxes=boxes, start_frame=0)
