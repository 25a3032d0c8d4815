"""OTB-2013 (51 targets) and OTB-2015 (100 targets), from the original folders or a pysot-style JSON.

Two annotation sources:

* the original layout ``<root>/<Seq>/img/0001.jpg`` + ``groundtruth_rect.txt`` (comma, tab or
  space delimited), with the toolkit's per-sequence quirks encoded in :data:`OTB_QUIRKS`;
* a JSON file such as pysot's ``OTB100.json`` (``video_dir, init_rect, img_names, gt_rect, attr``)
  or DaSiamRPN's ``OTB2015.json`` (lower-case keys such as ``jogging_1``; ``name, image_files,
  gt_rect``). Frames resolve against ``root`` when given, else against the JSON's folder.

A sequence with fewer boxes than images uses the first ``len(boxes)`` frames from its start frame
(as the OTB toolkit does: Diving, Football1, Freeman3, Freeman4); where no quirk entry says so, the
sequence carries a note naming the ground-truth file (``Sequence.notes``, printed by ``score`` and
``eval``); more boxes than frames is a :class:`DataError` naming the ground-truth file. GT rows ``0,0,0,0`` are kept as they are.

The helpers shared with the other folder-layout loaders live in :mod:`crpnbench.data.folders`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from crpnbench.data.attributes import AttributeTable
from crpnbench.data.benchmark import Benchmark
from crpnbench.data.folders import frame_number, frame_range, json_boxes, load_json_file, numbered_frames
from crpnbench.data.pysot_json import pysot_sequence
from crpnbench.data.sequence import Sequence
from crpnbench.data.textio import read_boxes
from crpnbench.errors import ConfigError, DataError

# -- the OTB benchmark tables -------------------------------------------------------------

#: OTB-2015 sequences in toolkit order with their attribute codes (jwlim tracker_benchmark tb_100.txt)
_OTB100_TABLE = """
Basketball   IV OCC DEF OPR BC
Biker        SV OCC MB FM OPR OV LR
Bird1        DEF FM OV
Bird2        OCC DEF FM IPR OPR
BlurBody     SV DEF MB FM IPR
BlurCar1     MB FM
BlurCar2     SV MB FM
BlurCar3     MB FM
BlurCar4     MB FM
BlurFace     MB FM IPR
BlurOwl      SV MB FM IPR
Board        SV MB FM OPR OV BC
Bolt         OCC DEF IPR OPR
Bolt2        DEF BC
Box          IV SV OCC MB IPR OPR OV BC LR
Boy          SV MB FM IPR OPR
Car1         IV SV MB FM BC LR
Car2         IV SV MB FM BC
Car24        IV SV BC
Car4         IV SV
CarDark      IV BC
CarScale     SV OCC FM IPR OPR
ClifBar      SV OCC MB FM IPR OV BC
Coke         IV OCC FM IPR OPR BC
Couple       SV DEF FM OPR BC
Coupon       OCC BC
Crossing     SV DEF FM OPR BC
Crowds       IV DEF BC
Dancer       SV DEF IPR OPR
Dancer2      DEF
David        IV SV OCC DEF MB IPR OPR
David2       IPR OPR
David3       OCC DEF OPR BC
Deer         MB FM IPR BC LR
Diving       SV DEF IPR
Dog          SV DEF OPR
Dog1         SV IPR OPR
Doll         IV SV OCC IPR OPR
DragonBaby   SV OCC MB FM IPR OPR OV
Dudek        SV OCC DEF FM IPR OPR OV BC
FaceOcc1     OCC
FaceOcc2     IV OCC IPR OPR
Fish         IV
FleetFace    SV DEF MB FM IPR OPR
Football     OCC IPR OPR BC
Football1    IPR OPR BC
Freeman1     SV IPR OPR
Freeman3     SV IPR OPR
Freeman4     SV OCC IPR OPR
Girl         SV OCC IPR OPR
Girl2        SV OCC DEF MB OPR
Gym          SV DEF IPR OPR
Human2       IV SV MB OPR
Human3       SV OCC DEF OPR BC
Human4-2     IV SV OCC DEF
Human5       SV OCC DEF
Human6       SV OCC DEF FM OPR OV
Human7       IV SV OCC DEF MB FM
Human8       IV SV DEF
Human9       IV SV DEF MB FM
Ironman      IV SV OCC MB FM IPR OPR OV BC LR
Jogging-1    OCC DEF OPR
Jogging-2    OCC DEF OPR
Jump         SV OCC DEF MB FM IPR OPR
Jumping      MB FM
KiteSurf     IV OCC IPR OPR
Lemming      IV SV OCC FM OPR OV
Liquor       IV SV OCC MB FM OPR OV BC
Man          IV
Matrix       IV SV OCC FM IPR OPR BC
Mhyang       IV DEF OPR BC
MotorRolling IV SV MB FM IPR BC LR
MountainBike IPR OPR BC
Panda        SV OCC DEF IPR OPR OV LR
RedTeam      SV OCC IPR OPR LR
Rubik        SV OCC IPR OPR
Shaking      IV SV IPR OPR BC
Singer1      IV SV OCC OPR
Singer2      IV DEF IPR OPR BC
Skater       SV DEF IPR OPR
Skater2      SV DEF FM IPR OPR
Skating1     IV SV OCC DEF OPR BC
Skating2-1   SV OCC DEF FM OPR
Skating2-2   SV OCC DEF FM OPR
Skiing       IV SV DEF IPR OPR
Soccer       IV SV OCC MB FM IPR OPR BC
Subway       OCC DEF BC
Surfer       SV FM IPR OPR LR
Suv          OCC IPR OV
Sylvester    IV IPR OPR
Tiger1       IV OCC DEF MB FM IPR OPR
Tiger2       IV OCC DEF MB FM IPR OPR OV
Toy          SV FM IPR OPR
Trans        IV SV OCC DEF
Trellis      IV SV IPR OPR BC
Twinnings    SV OPR
Vase         SV FM IPR
Walking      SV OCC DEF
Walking2     SV OCC LR
Woman        IV SV OCC DEF MB FM OPR
"""

#: OTB attribute codes -> names (attr_desc.txt); JSON files use the names.
OTB_ATTRIBUTE_NAMES: dict[str, str] = {
    "IV": "Illumination Variation",
    "SV": "Scale Variation",
    "OCC": "Occlusion",
    "DEF": "Deformation",
    "MB": "Motion Blur",
    "FM": "Fast Motion",
    "IPR": "In-Plane Rotation",
    "OPR": "Out-of-Plane Rotation",
    "OV": "Out-of-View",
    "BC": "Background Clutters",
    "LR": "Low Resolution",
}
OTB_ATTRIBUTE_TABLE = AttributeTable(OTB_ATTRIBUTE_NAMES.items(), aliases={"background clutter": "BC"})

OTB2015_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    line.split()[0]: tuple(line.split()[1:]) for line in _OTB100_TABLE.strip().splitlines()
}
OTB2015_SEQUENCES: tuple[str, ...] = tuple(OTB2015_ATTRIBUTES)

#: the 51 targets of OTB-2013 (cvpr13.txt), in toolkit order
OTB2013_SEQUENCES: tuple[str, ...] = tuple(
    """
    Basketball Bolt Boy Car4 CarDark CarScale Coke Couple Crossing David David2 David3 Deer Dog1
    Doll Dudek FaceOcc1 FaceOcc2 Fish FleetFace Football Football1 Freeman1 Freeman3 Freeman4
    Girl Ironman Jogging-1 Jogging-2 Jumping Lemming Liquor Matrix Mhyang MotorRolling
    MountainBike Shaking Singer1 Singer2 Skating1 Skiing Soccer Subway Suv Sylvester Tiger1
    Tiger2 Trellis Walking Walking2 Woman    """.split()
)


@dataclass(frozen=True)
class OTBSequenceSpec:
    """Where one OTB target's data lives and which frames it spans.

    Attributes:
        folder: the folder under the root holding ``img/`` and the GT file.
        gt_file: GT file name inside ``folder``.
        start_frame: number of the first frame (image file number).
        end_frame: number of the last frame; None = as many frames as GT rows.
        gt_first_frame: frame number that the GT file's first row belongs to (None = start_frame);
            rows before ``start_frame`` are dropped (Tiger1's GT covers frames 1-354, the toolkit
            starts at 6). A GT file already cut to ``start..end`` is accepted too.
    """

    folder: str
    gt_file: str = "groundtruth_rect.txt"
    start_frame: int = 1
    end_frame: int | None = None
    gt_first_frame: int | None = None


#: Sequences that differ from "<Name>/img/0001.jpg.. + <Name>/groundtruth_rect.txt"
#: (OTB toolkit configSeqs; checked in the tests against pysot's OTB100.json frame ranges).
OTB_QUIRKS: dict[str, OTBSequenceSpec] = {
    "David": OTBSequenceSpec("David", start_frame=300, end_frame=770),
    "Tiger1": OTBSequenceSpec("Tiger1", start_frame=6, end_frame=354, gt_first_frame=1),
    "BlurCar1": OTBSequenceSpec("BlurCar1", start_frame=247, end_frame=988),
    "BlurCar3": OTBSequenceSpec("BlurCar3", start_frame=3, end_frame=359),
    "BlurCar4": OTBSequenceSpec("BlurCar4", start_frame=18, end_frame=397),
    "Board": OTBSequenceSpec("Board", end_frame=698),  # 5-digit file names 00001.jpg
    "Diving": OTBSequenceSpec("Diving", end_frame=215),  # more images than GT rows
    "Football1": OTBSequenceSpec("Football1", end_frame=74),
    "Freeman3": OTBSequenceSpec("Freeman3", end_frame=460),
    "Freeman4": OTBSequenceSpec("Freeman4", end_frame=283),
    "Jogging-1": OTBSequenceSpec("Jogging", gt_file="groundtruth_rect.1.txt"),
    "Jogging-2": OTBSequenceSpec("Jogging", gt_file="groundtruth_rect.2.txt"),
    "Skating2-1": OTBSequenceSpec("Skating2", gt_file="groundtruth_rect.1.txt"),
    "Skating2-2": OTBSequenceSpec("Skating2", gt_file="groundtruth_rect.2.txt"),
    "Human4-2": OTBSequenceSpec("Human4", gt_file="groundtruth_rect.2.txt"),
}


def otb_spec(name: str) -> OTBSequenceSpec:
    """The layout spec of OTB sequence ``name`` (the quirk entry or the plain default)."""
    return OTB_QUIRKS.get(name) or OTBSequenceSpec(name)


def attribute_codes(values) -> tuple[str, ...]:
    """Normalise attribute names or codes (``'Occlusion'``, ``'OCC'``, ``'IPR '``) to OTB codes."""
    return OTB_ATTRIBUTE_TABLE.normalize(values)


class OTB(Benchmark):
    """OTB-2013 / OTB-2015 from the original folders (``root``) or a JSON file (``annotations``).

    Args:
        root: folder holding one sub-folder per video (``Basketball/``, ``Jogging/``, ...); with
            ``annotations`` it is the folder frame paths resolve against.
        annotations: a pysot-style (``OTB100.json``) or DaSiamRPN-style JSON annotation file.
        version: 2013 (51 targets of the CVPR'13 benchmark) or 2015 (100 targets, TPAMI).
    """

    result_layout = "otb"

    def __init__(self, root=None, annotations=None, version: int | str = 2015):
        try:
            version = int(version)
        except (TypeError, ValueError):
            raise ConfigError(f"OTB version must be 2013 or 2015, not {version!r}") from None
        if version not in (2013, 2015):
            raise ConfigError(f"OTB version must be 2013 or 2015, not {version!r}")
        self.version = version
        self.name = f"otb{version}"
        super().__init__(root=root, annotations=annotations)
        if self.root is None and self.annotations is None:
            raise DataError("OTB needs a data root or an annotation file")
        self._json: dict[str, tuple[str, dict]] | None = None
        if self.annotations is not None:
            self._json = self._read_json(self.annotations)

    # -- hooks ------------------------------------------------------------------------------
    def list_sequences(self) -> list[str]:
        return list(OTB2013_SEQUENCES if self.version == 2013 else OTB2015_SEQUENCES)

    def is_present(self, name: str) -> bool:
        if self._json is not None:
            return name in self._json
        return (self.root / otb_spec(name).folder).is_dir()

    def load_sequence(self, name: str) -> Sequence:
        if self._json is not None:
            if name not in self._json:
                raise DataError(f"sequence {name!r} is not in the annotation file", self.annotations)
            key, entry = self._json[name]
            return self._sequence_from_json(name, key, entry)
        return self._sequence_from_folder(name)

    # -- original folders -----------------------------------------------------------------------
    def _sequence_from_folder(self, name: str) -> Sequence:
        spec = otb_spec(name)
        folder = self.root / spec.folder
        if not folder.is_dir():
            raise DataError(f"sequence folder of {name} is missing", folder)
        gt_path = folder / spec.gt_file
        boxes = read_boxes(gt_path)
        gt_first = spec.gt_first_frame if spec.gt_first_frame is not None else spec.start_frame
        if gt_first < spec.start_frame:
            dropped = spec.start_frame - gt_first
            already_cut = spec.end_frame is not None and len(boxes) == spec.end_frame - spec.start_frame + 1
            if not already_cut:
                if len(boxes) <= dropped:
                    raise DataError(f"{len(boxes)} boxes, but frames {gt_first}-{spec.start_frame - 1} "
                                    "are to be skipped", gt_path)
                boxes = boxes[dropped:]
        image_folder = folder / "img"
        frames = numbered_frames(image_folder)
        if not frames:
            raise DataError("no numbered .jpg frames in the image folder", image_folder)
        end = spec.end_frame if spec.end_frame is not None else max(frames)
        available = max(0, min(end, max(frames)) - spec.start_frame + 1)
        if len(boxes) > available:
            raise DataError(f"{len(boxes)} boxes for {available} frames "
                            f"({spec.start_frame}-{spec.start_frame + available - 1}) in {image_folder}", gt_path)
        if len(boxes) == 0:
            raise DataError("ground-truth file has no boxes", gt_path)
        # fewer boxes than frames: the toolkit uses the first len(boxes) frames from the start
        width = len(frames[min(frames)].stem)
        paths = frame_range(frames, spec.start_frame, spec.start_frame + len(boxes) - 1, image_folder,
                            pattern="{:0%dd}.jpg" % width)
        notes = ()
        if len(boxes) < available:  # the known cases (Diving, Football1, ...) end at their end_frame
            notes = (f"{gt_path}: {len(boxes)} boxes for {available} frames ({spec.start_frame}-"
                     f"{spec.start_frame + available - 1}) in {image_folder}; {name} is the first {len(boxes)} "
                     "frames (the OTB toolkit's rule; no known OTB quirk says so)",)
        return Sequence(
            name=name,
            frame_paths=paths,
            boxes=boxes,
            attributes=self._folder_attributes(name, folder),
            start_frame=spec.start_frame,
            notes=notes,
        )

    def _folder_attributes(self, name: str, folder: Path) -> tuple[str, ...]:
        """Attributes from ``attrs.txt`` in the folder when present, else the OTB-2015 table."""
        attrs_file = folder / "attrs.txt"
        if attrs_file.is_file():
            text = attrs_file.read_text(encoding="utf-8-sig", errors="replace")
            return attribute_codes(re.split(r"[,\s]+", text))
        return OTB2015_ATTRIBUTES.get(name, ())

    # -- JSON -------------------------------------------------------------------------------------
    def _read_json(self, path: Path) -> dict[str, tuple[str, dict]]:
        """Map canonical sequence names (``Jogging-1``) to (JSON key, entry)."""
        data = load_json_file(path)
        canonical = {n.lower().replace("_", "-"): n for n in OTB2015_SEQUENCES}
        entries = {}
        for key, entry in data.items():
            if not isinstance(entry, dict) or "gt_rect" not in entry:
                raise DataError(f"entry {key!r} is not an OTB sequence (no gt_rect)", path)
            name = canonical.get(str(key).lower().replace("_", "-"), str(key))
            entries[name] = (key, entry)
        return entries

    def _sequence_from_json(self, name: str, key: str, entry: dict) -> Sequence:
        path = self.annotations
        base = self.root if self.root is not None else path.parent
        if "img_names" in entry:  # pysot: paths relative to the dataset root
            sequence = pysot_sequence(name, key, entry, path, base, attribute_codes)
            if not sequence.attributes and name in OTB2015_ATTRIBUTES:
                sequence.attributes = OTB2015_ATTRIBUTES[name]
            return sequence
        if "image_files" not in entry:
            raise DataError(f"{key}: no img_names or image_files", path)
        image_names = entry["image_files"]  # DaSiamRPN: file names inside <name>/img/
        prefix = base / str(entry.get("name", otb_spec(name).folder)) / "img"
        if not isinstance(image_names, list) or not image_names:
            raise DataError(f"{key}: the image list is empty or not a list", path)
        rows = json_boxes(entry["gt_rect"], path, f"{key}.gt_rect")
        if len(rows) > len(image_names):
            raise DataError(f"{key}: {len(rows)} boxes for {len(image_names)} images", path)
        if not rows:
            raise DataError(f"{key}: gt_rect is empty", path)
        paths = [prefix / str(n) for n in image_names[: len(rows)]]
        start = frame_number(image_names[0])
        attributes = attribute_codes(entry.get("attr", ())) or OTB2015_ATTRIBUTES.get(name, ())
        return Sequence(
            name=name,
            frame_paths=paths,
            boxes=np.vstack(rows),
            attributes=attributes,
            start_frame=start if start is not None else 1,
        )
