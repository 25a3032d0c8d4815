"""Temple-Color-128, TC128 (Liang, Blasch and Ling, TIP 2015): 128 colour sequences, OTB-style.

Layout of ``Temple-color-128.zip``::

    <root>/<seq>/img/0001.jpg ...      frames (a folder may hold more frames than the benchmark uses)
    <root>/<seq>/<seq>_gt.txt          one comma-separated x,y,w,h per frame of the range
    <root>/<seq>/<seq>_frames.txt      one line ``start,end``: the frames of the benchmark (1-based)

The sequence is frames ``start..end`` of ``img/``; the ground truth must have ``end - start + 1`` rows
(the got10k package's ``TColor128`` and the TC128 MATLAB toolkit read it the same way). A range past the
last frame, a malformed frames or ground-truth line, or a count mismatch is a :class:`DataError` naming
the file. Sequences are the folders holding ``<seq>_gt.txt``, sorted (no list file is shipped).
TC128 is scored with the OTB rules (``family="otb"``).
"""

from __future__ import annotations

from crpnbench.data.benchmark import Benchmark
from crpnbench.data.folders import frame_span, numbered_frames, read_table
from crpnbench.data.sequence import Sequence
from crpnbench.errors import ConfigError, DataError


class TC128(Benchmark):
    """Temple-Color-128 from its folders."""

    name = "tc128"
    result_layout = "otb"

    def __init__(self, root=None, annotations=None):
        if annotations is not None:
            raise ConfigError("TC128 is read from its folders; --annotations is not used")
        super().__init__(root=root)
        if self.root is None:
            raise DataError("TC128 needs a data root")

    def list_sequences(self) -> list[str]:
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and (p / f"{p.name}_gt.txt").is_file())

    def is_present(self, name: str) -> bool:
        return (self.root / name / "img").is_dir()

    def load_sequence(self, name: str) -> Sequence:
        folder = self.root / name
        if not folder.is_dir():
            raise DataError(f"sequence folder of {name} is missing", folder)
        range_path = folder / f"{name}_frames.txt"
        if not range_path.is_file():
            raise DataError("frame range file is missing", range_path)
        span = read_table(range_path, 2)
        if len(span) != 1 or not (span[0] == span[0].round()).all():
            raise DataError("expected one line 'start,end' of frame numbers", range_path, 1 if len(span) else None)
        first, last = int(span[0][0]), int(span[0][1])
        gt_path = folder / f"{name}_gt.txt"
        boxes = read_table(gt_path, 4)
        if len(boxes) != last - first + 1:
            raise DataError(f"{len(boxes)} boxes for frames {first}-{last} ({last - first + 1} frames, "
                            f"{range_path.name})", gt_path)
        image_folder = folder / "img"
        paths = frame_span(numbered_frames(image_folder), first, last, image_folder, "{:04d}.jpg", range_path.name)
        return Sequence(name=name, frame_paths=paths, boxes=boxes, start_frame=first)
