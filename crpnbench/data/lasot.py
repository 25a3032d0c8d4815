"""LaSOT (Fan et al., CVPR 2019): protocol I = all 1,400 sequences, protocol II = the 280 test ones.

Two layouts, detected from the root:

* the dataset as downloaded: ``<root>/<category>/<category-N>/img/00000001.jpg``, ``groundtruth.txt``
  (comma-separated ``x,y,w,h``, 1-based), ``full_occlusion.txt`` and ``out_of_view.txt`` (0/1 on one
  comma-separated line; a frame is absent when either is 1), ``nlp.txt``;
* the evaluation toolkit's annotation folder: ``<root>/anno/<seq>.txt``, ``anno/absent/<seq>.txt``
  (one 0/1 per line), ``anno/att/<seq>.txt`` (14 attribute flags), with ``testing_set.txt`` /
  ``all_dataset.txt`` beside ``anno/``. Frame paths point where the dataset layout keeps them;
* pysot's ``LaSOT.json`` (``--annotations``; :mod:`crpnbench.data.pysot_json`): frame paths relative to
  ``--data-root``; its ``absent`` list is 1 where the target is *visible* (the frames pysot scores).

Sequence lists: ``testing_set.txt`` / ``all_dataset.txt`` in the root when present, else the
built-in lists below (the toolkit's, 70 categories x 20 sequences).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from crpnbench.data.attributes import AttributeTable
from crpnbench.data.benchmark import Benchmark
from crpnbench.data.folders import read_name_list, read_table
from crpnbench.data.pysot_json import PysotJSON
from crpnbench.data.sequence import FramePaths, Sequence
from crpnbench.errors import ConfigError, DataError

#: the 14 LaSOT attributes in the order of ``anno/att/<seq>.txt`` (LaSOT paper, Table 2)
LASOT_ATTRIBUTES: tuple[tuple[str, str], ...] = (
    ("IV", "Illumination Variation"),
    ("POC", "Partial Occlusion"),
    ("DEF", "Deformation"),
    ("MB", "Motion Blur"),
    ("CM", "Camera Motion"),
    ("ROT", "Rotation"),
    ("BC", "Background Clutter"),
    ("VC", "Viewpoint Change"),
    ("SV", "Scale Variation"),
    ("FOC", "Full Occlusion"),
    ("FM", "Fast Motion"),
    ("OV", "Out-of-View"),
    ("LR", "Low Resolution"),
    ("ARC", "Aspect Ration Change"),
)
#: (the toolkit spells ARC "Aspect Ration Change"; files that spell it right are read too)
LASOT_ATTRIBUTE_TABLE = AttributeTable(LASOT_ATTRIBUTES, aliases={"aspect ratio change": "ARC"})
LASOT_ATTRIBUTE_CODES: tuple[str, ...] = LASOT_ATTRIBUTE_TABLE.codes

#: protocol II test set (toolkit testing_set.txt, in its order): "category ids | category ids ..."
_TESTING_SET = """
airplane 1 9 13 15 | basketball 1 6 7 11 | bear 2 4 6 17 | bicycle 2 7 9 18 | bird 2 3 15 17
boat 3 4 12 17 | book 3 10 11 19 | bottle 1 12 14 18 | bus 2 5 17 19 | car 2 6 9 17
cat 1 3 18 20 | cattle 2 7 12 13 | spider 14 16 18 20 | coin 3 6 7 18 | crab 3 6 12 18
surfboard 12 4 5 8 | cup 1 4 7 17 | deer 4 8 10 14 | dog 1 7 15 19 | guitar 3 8 10 16
person 1 5 10 12 | pig 2 10 13 18 | rubicCube 1 6 14 19 | swing 10 14 17 20 | drone 13 15 2 7
pool 12 15 3 7 | rabbit 10 13 17 19 | racing 10 15 16 20 | robot 1 19 5 8 | sepia 13 16 6 8
sheep 3 5 7 9 | skateboard 16 19 3 8 | tank 14 16 6 9 | tiger 12 18 4 6 | train 1 11 20 7
truck 16 3 6 7 | turtle 16 5 8 9 | umbrella 17 19 2 9 | yoyo 15 17 19 7 | zebra 10 14 16 17
elephant 1 12 16 18 | goldfish 3 7 8 10 | hat 1 2 5 18 | kite 4 6 10 15 | motorcycle 1 3 9 18
mouse 1 8 9 17 | flag 3 9 5 2 | frog 3 4 20 9 | gametarget 1 2 7 13 | hand 2 3 9 16
helmet 5 11 19 13 | licenseplate 6 12 13 15 | electricfan 1 10 18 20 | chameleon 3 6 11 20
crocodile 3 4 10 14 | gecko 1 5 16 19 | fox 2 3 5 20 | giraffe 2 10 13 15 | gorilla 4 6 9 13
hippo 1 7 9 20 | horse 1 4 12 15 | kangaroo 2 5 11 14 | leopard 1 7 16 20 | lion 1 5 12 20
lizard 1 3 6 13 | microphone 2 6 14 16 | monkey 3 4 9 17 | shark 2 3 5 6 | squirrel 8 11 13 19
volleyball 1 13 18 19
"""


def _expand(table: str) -> list[str]:
    names = []
    for group in table.replace("\n", " | ").split("|"):
        parts = group.split()
        if parts:
            names.extend(f"{parts[0]}-{number}" for number in parts[1:])
    return names


LASOT_TEST_SEQUENCES: tuple[str, ...] = tuple(_expand(_TESTING_SET))
LASOT_CATEGORIES: tuple[str, ...] = tuple(sorted({n.rsplit("-", 1)[0] for n in LASOT_TEST_SEQUENCES}))
#: protocol I: every sequence, in all_dataset.txt's (lexicographic) order
LASOT_ALL_SEQUENCES: tuple[str, ...] = tuple(
    sorted(f"{category}-{number}" for category in LASOT_CATEGORIES for number in range(1, 21))
)


def category_of(name: str) -> str:
    """``airplane-13`` -> ``airplane``."""
    return name.rsplit("-", 1)[0]


class LaSOT(Benchmark):
    """LaSOT from the dataset folders or the toolkit's ``anno/`` folder (auto-detected).

    Args:
        root: the dataset root (category folders) or the toolkit folder holding ``anno/``.
        annotations: the toolkit's ``anno`` folder itself (frame paths then resolve against
            ``root`` when given, else the folder above ``anno``).
        protocol: 1 (all 1,400 sequences) or 2 (the 280 of testing_set.txt).
    """

    result_layout = "otb"

    def __init__(self, root=None, annotations=None, protocol: int | str = 2):
        try:
            protocol = int(str(protocol).strip().upper().replace("II", "2").replace("I", "1"))
        except ValueError:
            protocol = 0
        if protocol not in (1, 2):
            raise ConfigError("LaSOT protocol must be 1 (all 1,400 sequences) or 2 (280 test sequences)")
        self.protocol = protocol
        self.name = "lasot" if protocol == 2 else "lasot-all"
        super().__init__(root=root, annotations=annotations)
        self._json: PysotJSON | None = None
        if self.annotations is not None and self.annotations.is_file():
            self._json = PysotJSON(self.annotations, benchmark="LaSOT")
            self.anno_dir, self.lists_dir = None, self.root or self.annotations.parent
        elif self.annotations is not None:
            if not self.annotations.is_dir():
                raise DataError("LaSOT annotations must be the toolkit's anno/ folder or pysot's LaSOT.json",
                                self.annotations)
            self.anno_dir = self.annotations
            self.lists_dir = self.annotations.parent
            if self.root is None:
                self.root = self.annotations.parent
        elif self.root is None:
            raise DataError("LaSOT needs a data root")
        else:
            self.anno_dir = self.root / "anno" if (self.root / "anno").is_dir() else None
            self.lists_dir = self.root
        #: "json" (pysot's file), "anno" (toolkit annotation folder) or "dataset" (category folders)
        self.layout = "json" if self._json is not None else "anno" if self.anno_dir is not None else "dataset"

    # -- hooks ------------------------------------------------------------------------------
    def list_sequences(self) -> list[str]:
        list_name = "testing_set.txt" if self.protocol == 2 else "all_dataset.txt"
        list_file = self.lists_dir / list_name
        if list_file.is_file():
            return read_name_list(list_file)
        return list(LASOT_TEST_SEQUENCES if self.protocol == 2 else LASOT_ALL_SEQUENCES)

    def sequence_folder(self, name: str) -> Path:
        """``<root>/<category>/<name>`` (where the dataset keeps frames and per-sequence files)."""
        return self.root / category_of(name) / name

    def is_present(self, name: str) -> bool:
        if self._json is not None:
            return name in self._json
        if self.layout == "anno":
            return (self.anno_dir / f"{name}.txt").is_file()
        return (self.sequence_folder(name) / "groundtruth.txt").is_file()

    def load_sequence(self, name: str) -> Sequence:
        if self._json is not None:
            return self._json.sequence(name, self.root, LASOT_ATTRIBUTE_TABLE.normalize)
        if self.layout == "anno":
            boxes, absent, attributes = self._read_toolkit_annotations(name)
        else:
            boxes, absent, attributes = self._read_dataset_annotations(name)
        paths = NumberedFramePaths(str(self.sequence_folder(name) / "img"), len(boxes))
        return Sequence(name=name, frame_paths=paths, boxes=boxes, absent=absent, attributes=attributes)

    # -- readers ------------------------------------------------------------------------------
    def _read_toolkit_annotations(self, name: str):
        gt_path = self.anno_dir / f"{name}.txt"
        if not gt_path.is_file():
            raise DataError(f"annotation of {name} is missing", gt_path)
        boxes = _nonempty(read_table(gt_path, 4), gt_path)
        absent_path = self.anno_dir / "absent" / f"{name}.txt"
        absent = None
        if absent_path.is_file():
            absent = _flags(absent_path, len(boxes))
        attributes: tuple[str, ...] = ()
        att_path = self.anno_dir / "att" / f"{name}.txt"
        if att_path.is_file():
            attributes = LASOT_ATTRIBUTE_TABLE.read_flags(att_path)
        return boxes, absent, attributes

    def _read_dataset_annotations(self, name: str):
        folder = self.sequence_folder(name)
        if not folder.is_dir():
            raise DataError(f"sequence folder of {name} is missing", folder)
        gt_path = folder / "groundtruth.txt"
        boxes = _nonempty(read_table(gt_path, 4), gt_path)
        absent = np.zeros(len(boxes), dtype=bool)
        for flag_name in ("full_occlusion.txt", "out_of_view.txt"):
            flag_path = folder / flag_name
            if flag_path.is_file():
                absent |= _flags(flag_path, len(boxes))
        return boxes, absent, ()


class NumberedFramePaths(FramePaths):
    """``<folder>/00000001.jpg`` .. ``<folder>/<count:08d>.jpg``, the strings made only when a path is
    asked for (scoring LaSOT's 685k frames never needs one)."""

    __slots__ = ("_folder", "_count", "_made")

    def __init__(self, folder: str, count: int):  # noqa: D107 - no list built here
        self._folder, self._count, self._made = folder, int(count), None

    @property
    def _paths(self) -> list[str]:
        if self._made is None:
            self._made = [f"{self._folder}/{index:08d}.jpg" for index in range(1, self._count + 1)]
        return self._made

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index):
        if isinstance(index, slice):
            return FramePaths(self._paths[index])
        if not -self._count <= index < self._count:
            raise IndexError("frame index out of range")
        return Path(f"{self._folder}/{index % self._count + 1:08d}.jpg")


def _nonempty(boxes: np.ndarray, path: Path) -> np.ndarray:
    if len(boxes) == 0:
        raise DataError("ground-truth file has no boxes", path)
    return boxes


def _flags(path: Path, count: int) -> np.ndarray:
    """0/1 flags, one per line or all on one comma-separated line; must give ``count`` values."""
    from crpnbench.data.textio import parse_flags, read_flags

    try:
        fast = parse_flags(path.read_bytes())
    except OSError:
        fast = None
    if fast is not None and len(fast) == count:
        return fast
    try:
        values = read_table(path, 1).reshape(-1)
        if not np.isin(values, (0.0, 1.0)).all():
            raise ValueError
    except (DataError, ValueError):
        values = read_flags(path).astype(np.float64)  # one line of many flags, or a precise error
    if len(values) != count:
        raise DataError(f"{len(values)} flags for {count} ground-truth boxes", path)
    return values.astype(bool)
