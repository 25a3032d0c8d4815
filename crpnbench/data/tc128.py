"""Temple-Color-128, TC128 (Liang, Blasch and Ling, TIP 2015): colour sequences, OTB-style (129 folders).

Layout of ``Temple-color-128.zip``::

    <root>/<seq>/img/0001.jpg ...      frames (a folder may hold more frames than the benchmark uses)
    <root>/<seq>/<seq>_gt.txt          one comma-separated x,y,w,h per frame of the range
    <root>/<seq>/<seq>_frames.txt      one line ``start,end``: the frames of the benchmark (1-based)

The sequence is frames ``start..end`` of ``img/``; the ground truth must have ``end - start + 1`` rows
(the got10k package's ``TColor128`` and the TC128 MATLAB toolkit read it the same way). A range past the
last frame, a malformed frames or ground-truth line, or a count mismatch is a :class:`DataError` naming
the file. TC128 is scored with the OTB rules (``family="otb"``).
``<seq>/<seq>_att.txt``, where present, lists the sequence's attributes as OTB codes (``IV SV OCC ...``, the
11 of OTB; the benchmark's own evaluation scripts read it as whitespace-separated tokens): they drive the
per-attribute plots and tables.

Sequences: :data:`TC128_SEQUENCES`, the sequence folders of ``Temple-color-128.zip`` in the order of the
benchmark's MATLAB evaluation script (no list file is shipped). Every public list found names the same
**129** folders, not 128: the benchmark's evaluation script (``numSeq=129``), pytracking's TC128 list and
VIRG-Nexus' name table (see the constant). The "128" of the name is the paper's count; all 129 folders
are scored, as the evaluation script and the got10k package (which reads every ``*/*_gt.txt``) do. 51
are sequences earlier benchmarks (mostly OTB) also have; the 78 new ones end in ``_ce``/``_ce<n>``.

A listed sequence whose ``<seq>/img/`` folder is not on disk is missing (``crpnbench datasets`` reports
"present / missing", ``eval`` and ``score`` use the present ones and say which are missing, as for OTB);
loading one whose folder is absent is a :class:`DataError` naming the missing folder. Folders whose name is
not listed are ignored, as OTB ignores folders that are not OTB sequences.
"""

from __future__ import annotations

import re
from pathlib import Path

from crpnbench.data.benchmark import Benchmark
from crpnbench.data.folders import frame_span, numbered_frames, read_table
from crpnbench.data.otb import OTB_ATTRIBUTE_NAMES
from crpnbench.data.sequence import Sequence
from crpnbench.errors import ConfigError, DataError

#: The 129 sequence folders of Temple-color-128.zip, in the benchmark's evaluation-script order (``seqSet{1}``
#: .. ``seqSet{129}`` of its MATLAB success/precision plot script: first the 51 sequences shared with earlier
#: benchmarks, then the 78 new ``_ce`` ones). Names cross-checked, all the same 129: pytracking's TC128 list
#: (visionml/pytracking, pytracking/evaluation/tpldataset.py: folders renamed ``tpl_<seq>``, ``Yo-yos`` as
#: ``Yo_yos``; the annotation files keep ``<seq>_gt.txt``) and mozuysal/virg-nexus,
#: include/virg/nexus/nx_temple_color_128.h (``NX_TEMPLE_COLOR_128_N_SEQ 129``).
TC128_SEQUENCES: tuple[str, ...] = (
    "Basketball", "Bicycle", "Biker", "Bird", "Board", "Bolt", "Boy", "CarDark", "CarScale", "Coke", "Couple",
    "Crossing", "Cup", "David", "David3", "Deer", "Diving", "Doll", "FaceOcc1", "Football1", "Girl", "Girlmov",
    "Gym", "Hand", "Iceskater", "Ironman", "Jogging1", "Jogging2", "Juice", "Lemming", "Liquor", "Matrix",
    "MotorRolling", "MountainBike", "Panda", "Shaking", "Singer1", "Singer2", "Skating1", "Skating2", "Skiing",
    "Soccer", "Subway", "Sunshade", "Tiger1", "Tiger2", "Torus", "Trellis", "Walking", "Walking2", "Woman",
    "Airport_ce", "Baby_ce", "Badminton_ce1", "Badminton_ce2", "Basketball_ce1", "Basketball_ce2",
    "Basketball_ce3", "Bike_ce1", "Bike_ce2", "Bikeshow_ce", "Boat_ce1", "Boat_ce2", "Busstation_ce1",
    "Busstation_ce2", "Carchasing_ce1", "Carchasing_ce3", "Carchasing_ce4", "Eagle_ce", "Electricalbike_ce",
    "Face_ce", "Guitar_ce1", "Guitar_ce2", "Hurdle_ce1", "Hurdle_ce2", "Kite_ce1", "Kite_ce2", "Kite_ce3",
    "Kobe_ce", "Logo_ce", "Messi_ce", "Michaeljackson_ce", "Motorbike_ce", "Plane_ce2", "Railwaystation_ce",
    "Singer_ce1", "Singer_ce2", "Skating_ce1", "Skating_ce2", "Skiing_ce", "Skyjumping_ce", "Spiderman_ce",
    "Suitcase_ce", "Surf_ce1", "Surf_ce2", "Surf_ce3", "Surf_ce4", "Tennis_ce1", "Tennis_ce2", "Tennis_ce3",
    "Toyplane_ce", "Ball_ce1", "Ball_ce2", "Ball_ce3", "Ball_ce4", "Bee_ce", "Charger_ce", "Cup_ce", "Face_ce2",
    "Fish_ce1", "Fish_ce2", "Hand_ce1", "Hand_ce2", "Microphone_ce1", "Microphone_ce2", "Plate_ce1", "Plate_ce2",
    "Pool_ce1", "Pool_ce2", "Pool_ce3", "Ring_ce", "Sailor_ce", "SuperMario_ce", "TableTennis_ce", "TennisBall_ce",
    "Thunder_ce", "Yo-yos_ce1", "Yo-yos_ce2", "Yo-yos_ce3",
)


class TC128(Benchmark):
    """Temple-Color-128: the :data:`TC128_SEQUENCES` from their folders."""

    name = "tc128"
    result_layout = "otb"

    def __init__(self, root=None, annotations=None):
        if annotations is not None:
            raise ConfigError("TC128 is read from its folders; --annotations is not used")
        super().__init__(root=root)
        if self.root is None:
            raise DataError("TC128 needs a data root")

    def list_sequences(self) -> list[str]:
        return list(TC128_SEQUENCES)

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
        att_path = folder / f"{name}_att.txt"
        attributes = read_tc128_attributes(att_path) if att_path.is_file() else ()
        return Sequence(name=name, frame_paths=paths, boxes=boxes, start_frame=first, attributes=attributes)


def read_tc128_attributes(path: Path) -> tuple[str, ...]:
    """The OTB attribute codes listed in a ``<seq>_att.txt`` (``IV SV OCC``, whitespace- or comma-separated);
    a code that is not one of OTB's 11 is a :class:`DataError` naming the file and line (a typo would
    otherwise become an attribute of its own)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise DataError("attribute file is not UTF-8 text", path) from None
    codes: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        for token in re.split(r"[,\s]+", line.strip()):
            if not token:
                continue
            if token.upper() not in OTB_ATTRIBUTE_NAMES:
                raise DataError(f"unknown attribute {token!r} (TC128 uses OTB's {' '.join(OTB_ATTRIBUTE_NAMES)})",
                                path, number)
            if token.upper() not in codes:
                codes.append(token.upper())
    return tuple(codes)
