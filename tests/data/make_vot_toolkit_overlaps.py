"""Writes tests/data/vot_toolkit_overlaps.json: per-frame overlaps computed by vot-toolkit itself.

Not a test and never imported by crpnbench or its tests: it needs vot-toolkit, installed apart
(crpnbench never depends on it at run time). How the stored file was made:

    python3 -m venv /tmp/vtk && /tmp/vtk/bin/pip install 'vot-toolkit==0.9.*' attributee==0.1.9
    /tmp/vtk/bin/python tests/data/make_vot_toolkit_overlaps.py ../shared/refdata > tests/data/vot_toolkit_overlaps.json

It records (1) ``vot.region.raster.calculate_overlap`` on hand-made rectangle/polygon pairs, with and
without image bounds, and (2) on the published DaSiamRPN VOT2018 baseline results in refdata
(``vot2018/results/DaSiamRPN``, GT ``vot2018/VOT2018.json``; bounds = the image size, as the
toolkit's accuracy analysis passes ``sequence.size``): per sequence the sum and count of the overlaps
on region frames, and the accuracy frames of ``vot.analysis.accuracy.gather_overlaps`` (burn-in 10),
and every frame's overlap for a few sequences. Regions are parsed as the toolkit parses them
(``vot.region.io.parse_region``: 4 values a Rectangle, 8 a Polygon).
"""

import json
import sys
from importlib.metadata import version
from pathlib import Path

from vot.analysis.accuracy import gather_overlaps
from vot.region import Special
from vot.region.io import parse_region
from vot.region.raster import calculate_overlap

PER_FRAME = ("conduction1", "ants1", "bag", "fernando", "book", "tiger")


def region(values):
    return parse_region(",".join(repr(float(v)) for v in values))


def pairs():
    cases = [
        # (a, b, bounds): the 18x10 box of issue 14 against itself shifted, and rotated/sub-pixel polygons
        ([10, 10, 18, 10], [10, 10, 18, 10], None),
        ([10.0, 10.0, 28.0, 10.0, 28.0, 20.0, 10.0, 20.0], [10, 10, 18, 10], None),
        ([10.4, 10.6, 28.4, 10.6, 28.4, 20.6, 10.4, 20.6], [10.5, 10.5, 18.0, 10.0], None),
        ([12.3, 11.7, 17.9, 10.2], [10.5, 10.5, 18.0, 10.0], None),
        ([2.5, 3.5, 7.5, 4.5], [3.5, 2.5, 6.5, 5.5], None),
        ([137.21, 458.36, 156.83, 460.78, 148.35, 529.41, 128.72, 526.99], [129.9982, 472.0081, 24.6704, 60.6127], None),
        ([137.21, 458.36, 156.83, 460.78, 148.35, 529.41, 128.72, 526.99],
         [130.04, 468.35, 151.58, 467.72, 152.1, 536.9, 130.5, 537.3], None),
        ([100.2, 50.7, 140.9, 70.1, 120.6, 110.8, 80.3, 90.4], [95.5, 55.5, 40.25, 45.75], None),
        ([-5.3, -4.2, 20.7, -4.2, 20.7, 12.9, -5.3, 12.9], [-2.0, -1.0, 15.0, 10.0], (20, 15)),
        ([-5.3, -4.2, 20.7, -4.2, 20.7, 12.9, -5.3, 12.9], [-2.0, -1.0, 15.0, 10.0], None),
        ([630.5, 350.2, 660.1, 352.9, 657.4, 380.3, 628.2, 377.6], [625.0, 345.0, 30.0, 40.0], (640, 360)),
        ([0.0, 0.0, 5.0, 0.0, 5.0, 5.0, 0.0, 5.0], [1.0, 1.0, 2.0, 2.0], None),
        ([3.0, 3.0, 3.0, 3.0], [3.0, 3.0, 3.0, 3.0], None),
        ([5.0, 5.0, 1.0, 1.0], [5.0, 5.0, 1.0, 1.0], None),
        ([50.0, 20.0, 0.4, 30.0], [50.0, 20.0, 10.0, 30.0], None),
        ([40.0, 10.0, 60.0, 30.0, 40.0, 50.0, 20.0, 30.0], [30.0, 20.0, 20.0, 20.0], None),
        ([40.5, 10.5, 60.5, 30.5, 40.5, 50.5, 20.5, 30.5], [30.5, 20.5, 20.5, 20.5], (55, 45)),
        ([7.5, 3.5, 12.5, 3.5, 12.5, 8.5, 7.5, 8.5], [8.5, 4.5, 2.5, 3.5], None),
        ([0.49, 0.51, 24.5, 0.5, 25.5, 17.5, 1.5, 16.5], [2.5, 1.5, 20.5, 13.5], (25, 16)),
    ]
    out = []
    for a, b, bounds in cases:
        overlap = calculate_overlap(region(a), region(b), bounds)
        out.append({"a": a, "b": b, "bounds": bounds, "overlap": overlap})
    return out


def dasiamrpn(refdata: Path):
    annotations = json.loads((refdata / "vot2018" / "VOT2018.json").read_text())
    results = refdata / "vot2018" / "results" / "DaSiamRPN" / "baseline"
    sequences = {}
    for name in sorted(annotations):
        entry = annotations[name]
        gt = [region(row) for row in entry["gt_rect"]]
        lines = (results / name / f"{name}_001.txt").read_text().split()
        trajectory = [parse_region(line) for line in lines]
        bounds = (int(entry["width"]), int(entry["height"]))
        n = min(len(gt), len(trajectory))
        frames = [None if isinstance(trajectory[i], Special) else calculate_overlap(trajectory[i], gt[i], bounds)
                  for i in range(n)]
        accuracy, kept = gather_overlaps(trajectory[:n], gt[:n], burnin=10, bounds=bounds)
        scored = [v for v in frames if v is not None]
        record = {"frames": n, "bounds": list(bounds), "region_frames": len(scored), "overlap_sum": sum(scored),
                  "accuracy_frames": len(kept), "accuracy_sum": float(sum(accuracy))}
        if name in PER_FRAME:
            record["overlaps"] = frames
        sequences[name] = record
    return sequences


def main():
    refdata = Path(sys.argv[1])
    data = {
        "provenance": {
            "tool": f"vot-toolkit {version('vot-toolkit')} (attributee {version('attributee')}, "
                    f"numpy {version('numpy')}, numba {version('numba')})",
            "functions": "vot.region.raster.calculate_overlap; vot.analysis.accuracy.gather_overlaps(burnin=10)",
            "command": "/tmp/vtk/bin/python tests/data/make_vot_toolkit_overlaps.py ../shared/refdata "
                       "> tests/data/vot_toolkit_overlaps.json",
            "results": "refdata vot2018/results/DaSiamRPN/baseline/<seq>/<seq>_001.txt; GT vot2018/VOT2018.json",
        },
        "pairs": pairs(),
        "vot2018_dasiamrpn": dasiamrpn(refdata),
    }
    json.dump(data, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
