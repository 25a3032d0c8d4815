"""NfS, Need for Speed (Kiani Galoogahi et al., ICCV 2017): 100 videos at 240 fps and their 30 fps versions.

Layout of the download (one zip per video)::

    <root>/<seq>/240/<seq>/00001.jpg ...   240 fps frames
    <root>/<seq>/240/<seq>.txt             the annotation, one row per 240 fps frame
    <root>/<seq>/30/<seq>/00001.jpg ...    30 fps frames (every 8th frame of the 240 fps video)
    <root>/<seq>/30/<seq>.txt              (as distributed: the 240 fps annotation again)

An annotation row is whitespace-separated ``track_id xmin ymin xmax ymax frame lost occluded generated
"label"`` (vatic's format); the box is ``x = xmin, y = ymin, w = xmax - xmin, h = ymax - ymin``.

30 fps (``nfs30``): the benchmark evaluates the 30 fps frames against every 8th row of the 240 fps
annotation (rows 1, 9, 17 ...: the 30 fps video is frames 1, 9, 17 ... of the 240 fps one). crpnbench
reads ``30/<seq>.txt`` (``240/<seq>.txt`` when that is absent) and takes every 8th row when it has about
8 times as many rows as there are 30 fps frames; a one-row difference left after that is cut to the
shorter of the two (with the number of rows kept equal to the frames), as the got10k package's ``NfS``
loader does (``anno[0::8]``, then trim by at most one). Any other mismatch is a :class:`DataError`.
pysot (``NFS30.json``) and pytracking (``anno/nfs_<seq>.txt``, tab-separated ``x,y,w,h``) ship their own
30 fps annotations, already reduced to one row per 30 fps frame; pytracking's frame ranges (e.g.
Gymnastics 1-368) are the 30 fps frame counts, so the same rows are scored whichever is used.
240 fps (``nfs240``): every frame and every row; a one-row difference is trimmed the same way.
Sequences are the folders holding ``<fps>/<seq>.txt``, sorted (the benchmark has no list file).
"""

from __future__ import annotations

import shlex
from pathlib import Path

import numpy as np

from crpnbench.data.benchmark import Benchmark
from crpnbench.data.folders import frame_range, numbered_frames
from crpnbench.data.sequence import Sequence
from crpnbench.errors import ConfigError, DataError

#: 240 fps frames per 30 fps frame
NFS_STEP = 8


def read_nfs_annotation(path: Path) -> np.ndarray:
    """``(N, 4)`` ``x, y, w, h`` boxes of an NfS (vatic) annotation file; a malformed row is a
    :class:`DataError` naming the file and line."""
    if not path.is_file():
        raise DataError("annotation file is missing", path)
    rows = []
    lines = path.read_text(encoding="utf-8-sig", errors="replace").splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    for number, line in enumerate(lines, start=1):
        try:
            fields = shlex.split(line)
        except ValueError:
            fields = line.split()
        try:
            xmin, ymin, xmax, ymax = (float(v) for v in fields[1:5])
        except (ValueError, IndexError):
            raise DataError(f"expected 'track_id xmin ymin xmax ymax frame ...', found {line.strip()[:60]!r}",
                            path, number) from None
        if not np.isfinite([xmin, ymin, xmax, ymax]).all():
            raise DataError(f"non-finite box in {line.strip()[:60]!r}", path, number)
        rows.append((xmin, ymin, xmax - xmin, ymax - ymin))
    if not rows:
        raise DataError("annotation file has no boxes", path)
    return np.asarray(rows, dtype=np.float64)


class NfS(Benchmark):
    """NfS at ``fps=240`` (``nfs240``) or ``fps=30`` (``nfs30``) from the download's folders."""

    result_layout = "otb"

    def __init__(self, root=None, annotations=None, fps: int | str = 30):
        try:
            fps = int(fps)
        except (TypeError, ValueError):
            fps = 0
        if fps not in (30, 240):
            raise ConfigError("NfS fps must be 30 or 240")
        if annotations is not None:
            raise ConfigError("NfS is read from its folders; --annotations is not used")
        self.fps = fps
        self.name = f"nfs{fps}"
        super().__init__(root=root)
        if self.root is None:
            raise DataError("NfS needs a data root")

    def list_sequences(self) -> list[str]:
        return sorted(p.name for p in self.root.iterdir()
                      if p.is_dir() and ((p / str(self.fps) / f"{p.name}.txt").is_file()
                                         or (p / "240" / f"{p.name}.txt").is_file()))

    def is_present(self, name: str) -> bool:
        return (self.root / name / str(self.fps) / name).is_dir()

    def load_sequence(self, name: str) -> Sequence:
        base = self.root / name
        gt_path = base / str(self.fps) / f"{name}.txt"
        if not gt_path.is_file():
            gt_path = base / "240" / f"{name}.txt"
        boxes = read_nfs_annotation(gt_path)
        folder = base / str(self.fps) / name
        frames = numbered_frames(folder)
        if not frames:
            raise DataError(f"no numbered .jpg frames of {name} ({self.fps} fps)", folder)
        count = max(frames)
        if self.fps == 30 and abs(len(boxes) / count - NFS_STEP) < 1:
            boxes = boxes[::NFS_STEP]
        if abs(len(boxes) - count) > 1:
            raise DataError(f"{len(boxes)} boxes for {count} frames of {name} at {self.fps} fps", gt_path)
        n = min(len(boxes), count)
        paths = frame_range(frames, 1, n, folder, pattern="{:05d}.jpg")
        return Sequence(name=name, frame_paths=paths, boxes=boxes[:n])
