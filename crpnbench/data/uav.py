"""UAV123 and UAV20L (Mueller et al., ECCV 2016): aerial videos, 123 short-term / 20 long-term targets.

Layout of the download (``Dataset_UAV123/UAV123/``)::

    <root>/data_seq/UAV123/<folder>/000001.jpg ...   frames, shared by both benchmarks
    <root>/anno/UAV123/<seq>.txt                     UAV123: one x,y,w,h per frame of <seq>'s range
    <root>/anno/UAV20L/<seq>.txt                     UAV20L: whole videos
    <root>/anno/UAV123/att/<seq>.txt                 12 attribute flags (UAV20L: anno/UAV20L/att/)

or pysot's ``UAV123.json`` / ``UAV20L.json`` (``--annotations``; frame paths relative to ``--data-root``,
read by :mod:`crpnbench.data.pysot_json`): its frames must be the official range's, or it is an error.

Quirks:

* UAV123 cuts several videos into sub-sequences that share one frame folder: ``bird1_1`` ... ``bird1_3``
  are frames 1-253, 775-1477 and 1573-2437 of ``data_seq/UAV123/bird1/`` (the frames between are not part
  of the benchmark). The ranges are the official toolkit's ``configSeqs.m`` (cross-checked in the tests
  against the ``uav123.json`` that the got10k package ships, and pytracking's list agrees);
  consecutive sub-sequences may share their boundary frame (``car1_1`` ends and ``car1_2`` starts at 751).
* UAV20L's 20 targets are whole videos from the same folders (``bird1`` = frames 1-2437).
* Rows ``NaN,NaN,NaN,NaN`` mark frames where the target is fully occluded or out of view: they become NaN
  boxes with ``absent`` set; scoring counts them as failures in the denominator (the OTB-style toolkit and
  pysot do: such a row is invalid ground truth). A partly-NaN row is a :class:`DataError` naming the line.
* Attributes: ``att/<seq>.txt`` holds one line of 12 comma-separated 0/1 flags in the order
  SV ARC LR FM FOC POC OV BC IV VC CM SOB (:data:`UAV_ATTRIBUTES`; the column order of the annotation
  document shipped with the dataset, ``DatasetAnnotation.pdf``, which is not alphabetical; public
  per-attribute scripts for UAV123 use the same order). FOC (full occlusion) is the attribute of the
  sequences with NaN rows: a loaded sequence whose FOC flag disagrees with its NaN rows gets a note.
  Without ``att/`` the sequences have no attributes (no per-attribute plots).
* The annotation must have exactly one row per frame of the range; a range past the last frame on disk,
  or a missing frame folder, is a :class:`DataError` naming it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from crpnbench.data.attributes import AttributeTable
from crpnbench.data.benchmark import Benchmark
from crpnbench.data.folders import frame_span, numbered_frames
from crpnbench.data.pysot_json import PysotJSON
from crpnbench.data.sequence import Sequence
from crpnbench.data.textio import read_rows
from crpnbench.errors import ConfigError, DataError

#: UAV123 in toolkit order: ``name last_frame`` (frames 1..last of folder ``name``) or ``name first-last``
#: (a sub-sequence of folder ``name`` without its ``_k`` suffix).
_UAV123_TABLE = """
bike1 3085 | bike2 553 | bike3 433 | bird1_1 1-253 | bird1_2 775-1477 | bird1_3 1573-2437 | boat1 901
boat2 799 | boat3 901 | boat4 553 | boat5 505 | boat6 805 | boat7 535 | boat8 685 | boat9 1399 | building1 469
building2 577 | building3 829 | building4 787 | building5 481 | car1_1 1-751 | car1_2 751-1627
car1_3 1627-2629 | car2 1321 | car3 1717 | car4 1345 | car5 745 | car6_1 1-487 | car6_2 487-1807
car6_3 1807-2953 | car6_4 2953-3925 | car6_5 3925-4861 | car7 1033 | car8_1 1-1357 | car8_2 1357-2575
car9 1879 | car10 1405 | car11 337 | car12 499 | car13 415 | car14 1327 | car15 469 | car16_1 1-415
car16_2 415-1993 | car17 1057 | car18 1207 | group1_1 1-1333 | group1_2 1333-2515 | group1_3 2515-3925
group1_4 3925-4873 | group2_1 1-907 | group2_2 907-1771 | group2_3 1771-2683 | group3_1 1-1567
group3_2 1567-2827 | group3_3 2827-4369 | group3_4 4369-5527 | person1 799 | person2_1 1-1189
person2_2 1189-2623 | person3 643 | person4_1 1-1501 | person4_2 1501-2743 | person5_1 1-877
person5_2 877-2101 | person6 901 | person7_1 1-1249 | person7_2 1249-2065 | person8_1 1-1075
person8_2 1075-1525 | person9 661 | person10 1021 | person11 721 | person12_1 1-601 | person12_2 601-1621
person13 883 | person14_1 1-847 | person14_2 847-1813 | person14_3 1813-2923 | person15 1339 | person16 1147
person17_1 1-1501 | person17_2 1501-2347 | person18 1393 | person19_1 1-1243 | person19_2 1243-2791
person19_3 2791-4357 | person20 1783 | person21 487 | person22 199 | person23 397 | truck1 463 | truck2 385
truck3 535 | truck4_1 1-577 | truck4_2 577-1261 | uav1_1 1-1555 | uav1_2 1555-2377 | uav1_3 2473-3469
uav2 133 | uav3 265 | uav4 157 | uav5 139 | uav6 109 | uav7 373 | uav8 301 | wakeboard1 421 | wakeboard2 733
wakeboard3 823 | wakeboard4 697 | wakeboard5 1675 | wakeboard6 1165 | wakeboard7 199 | wakeboard8 1543
wakeboard9 355 | wakeboard10 469 | car1_s 1475 | car2_s 320 | car3_s 1300 | car4_s 830 | person1_s 1600
person2_s 250 | person3_s 505
"""

#: UAV20L: whole videos, ``name last_frame``
_UAV20L_TABLE = """
bike1 3085 | bird1 2437 | car1 2629 | car3 1717 | car6 4861 | car8 2575 | car9 1879 | car16 1993 | group1 4873
group2 2683 | group3 5527 | person2 2623 | person4 2743 | person5 2101 | person7 2065 | person14 2923
person17 2347 | person19 4357 | person20 1783 | uav1 3469
"""


#: UAV123's 12 attributes in the column order of ``anno/UAV123/att/<seq>.txt`` (code, name)
UAV_ATTRIBUTES: tuple[tuple[str, str], ...] = (
    ("SV", "Scale Variation"),
    ("ARC", "Aspect Ratio Change"),
    ("LR", "Low Resolution"),
    ("FM", "Fast Motion"),
    ("FOC", "Full Occlusion"),
    ("POC", "Partial Occlusion"),
    ("OV", "Out-of-View"),
    ("BC", "Background Clutter"),
    ("IV", "Illumination Variation"),
    ("VC", "Viewpoint Change"),
    ("CM", "Camera Motion"),
    ("SOB", "Similar Object"),
)
UAV_ATTRIBUTE_TABLE = AttributeTable(UAV_ATTRIBUTES)
UAV_ATTRIBUTE_CODES: tuple[str, ...] = UAV_ATTRIBUTE_TABLE.codes


def _parse(table: str) -> dict[str, tuple[str, int, int]]:
    """name -> (frame folder, first frame, last frame)."""
    out = {}
    for item in table.replace("\n", " | ").split("|"):
        if not item.strip():
            continue
        name, span = item.split()
        if "-" in span:
            first, last = (int(v) for v in span.split("-"))
            out[name] = (name.rsplit("_", 1)[0], first, last)
        else:
            out[name] = (name, 1, int(span))
    return out


#: version -> sequence name -> (frame folder under data_seq/UAV123, first frame, last frame)
UAV_RANGES: dict[str, dict[str, tuple[str, int, int]]] = {
    "UAV123": _parse(_UAV123_TABLE),
    "UAV20L": _parse(_UAV20L_TABLE),
}


def read_boxes_with_gaps(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """``(boxes, absent)`` of an ``x,y,w,h`` file whose ``NaN,NaN,NaN,NaN`` rows mark absent targets; a row
    with only some values NaN is a :class:`DataError` naming the line."""
    rows = read_rows(path, widths=(4,), allow_nan=True)
    if not rows:
        raise DataError("ground-truth file has no boxes", path)
    boxes = np.vstack(rows)
    missing = ~np.isfinite(boxes)
    partial = missing.any(axis=1) & ~missing.all(axis=1)
    if partial.any():
        line = int(np.flatnonzero(partial)[0]) + 1
        raise DataError(f"row has some but not all values NaN: {boxes[line - 1].tolist()}", path, line)
    absent = missing.all(axis=1)
    boxes[absent] = np.nan
    return boxes, absent


class UAV(Benchmark):
    """UAV123 (``version="UAV123"``, 123 targets) or UAV20L (``version="UAV20L"``, 20 long videos).

    Args:
        root: the folder holding ``data_seq/`` and ``anno/`` (``Dataset_UAV123/UAV123``); with
            ``annotations``, the folder the JSON file's frame paths are relative to.
        annotations: pysot's ``UAV123.json`` / ``UAV20L.json`` instead of ``anno/``.
        version: ``UAV123`` or ``UAV20L``.
    """

    result_layout = "otb"
    attribute_names = dict(UAV_ATTRIBUTES)

    def __init__(self, root=None, annotations=None, version: str = "UAV123"):
        version = str(version).upper()
        if version not in UAV_RANGES:
            raise ConfigError(f"UAV version must be UAV123 or UAV20L, not {version!r}")
        self.version = version
        self.name = version.lower()
        super().__init__(root=root, annotations=annotations)
        self.ranges = UAV_RANGES[version]
        self._json: PysotJSON | None = None
        if self.annotations is not None:
            self._json = PysotJSON(self.annotations, benchmark=version)
        elif self.root is None:
            raise DataError(f"{version} needs a data root")

    def list_sequences(self) -> list[str]:
        return list(self.ranges)

    def annotation_path(self, name: str) -> Path:
        return self.root / "anno" / self.version / f"{name}.txt"

    def attribute_path(self, name: str) -> Path:
        return self.root / "anno" / self.version / "att" / f"{name}.txt"

    def frame_folder(self, name: str) -> Path:
        return self.root / "data_seq" / "UAV123" / self.ranges[name][0]

    def is_present(self, name: str) -> bool:
        if self._json is not None:
            return name in self._json
        return self.annotation_path(name).is_file() and self.frame_folder(name).is_dir()

    def load_sequence(self, name: str) -> Sequence:
        folder_name, first, last = self.ranges[name]
        if self._json is not None:
            sequence = self._json.sequence(name, self.root, UAV_ATTRIBUTE_TABLE.normalize)
            self._json.check_frame_count(sequence, last - first + 1, f"frames {first}-{last} of {folder_name}/")
            if sequence.start_frame != first:
                raise DataError(f"{name}: the first image is frame {sequence.start_frame}, the official range "
                                f"starts at {first}", self.annotations)
            return self._with_occlusion_note(sequence, self.annotations)
        gt_path = self.annotation_path(name)
        if not gt_path.is_file():
            raise DataError(f"annotation of {name} is missing", gt_path)
        boxes, absent = read_boxes_with_gaps(gt_path)
        if len(boxes) != last - first + 1:
            raise DataError(f"{len(boxes)} boxes, but {name} is frames {first}-{last} of {folder_name}/ "
                            f"({last - first + 1} frames)", gt_path)
        if absent[0]:
            raise DataError(f"the first box of {name} is NaN: nothing to initialise a tracker with", gt_path, 1)
        folder = self.frame_folder(name)
        if not folder.is_dir():
            raise DataError(f"frame folder of {name} is missing", folder)
        paths = frame_span(numbered_frames(folder), first, last, folder, "{:06d}.jpg", name)
        att_path = self.attribute_path(name)
        attributes = UAV_ATTRIBUTE_TABLE.read_flags(att_path) if att_path.is_file() else ()
        sequence = Sequence(name=name, frame_paths=paths, boxes=boxes, absent=absent, start_frame=first,
                            attributes=attributes)
        return self._with_occlusion_note(sequence, att_path)

    @staticmethod
    def _with_occlusion_note(sequence: Sequence, source: Path) -> Sequence:
        """Note where the FOC flag (full occlusion) and the NaN (absent) rows disagree: one of the two
        annotation files is not the one the flags were made for."""
        if not sequence.attributes:
            return sequence
        flagged, has_gaps = "FOC" in sequence.attributes, bool(sequence.absent.any())
        if flagged != has_gaps:
            sequence.notes = sequence.notes + (
                f"{source}: {sequence.name} is {'' if flagged else 'not '}flagged FOC (full occlusion) but has "
                f"{int(sequence.absent.sum())} frames without the target (NaN rows)",)
        return sequence
