"""Issue 13 item 8: a ground-truth file shorter than its frame folder, where no known OTB quirk says so,
gets a note naming the file (the sequence is still its first len(boxes) frames, the OTB toolkit's rule);
the known short ones (Football1: 74 boxes for 81 frames) get none. On the real Couple sequence from
refdata, re-laid out in tmp_path with 10 ground-truth lines cut."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from crpnbench.cli import cli
from crpnbench.data import open_benchmark
from crpnbench.data.views import truncate_sequence
from crpnbench.scoring import score_results

CUT = 10

STILL = '''
import numpy as np

class Still:
    name = "still"

    def init(self, frame, box):
        self.box = np.asarray(box, dtype=float)

    def update(self, frame):
        return self.box
'''


@pytest.fixture
def short_otb(refdata, tmp_path):
    """<tmp>/OTB/Couple (frames linked to refdata, GT 10 lines short) and Football1 (as published)."""
    root = tmp_path / "OTB"
    for name in ("Couple", "Football1"):
        source = refdata / "otb" / "seqs" / name
        (root / name).mkdir(parents=True)
        (root / name / "img").symlink_to(source / "img", target_is_directory=True)
        lines = (source / "groundtruth_rect.txt").read_text().splitlines(keepends=True)
        (root / name / "groundtruth_rect.txt").write_text("".join(lines[:-CUT] if name == "Couple" else lines))
    return root


def test_short_ground_truth_of_an_unknown_case_is_noted(short_otb):
    otb = open_benchmark("otb2015", root=short_otb)
    couple, football = otb["Couple"], otb["Football1"]
    assert len(couple) == 140 - CUT and couple.frame_paths[-1].name == "0130.jpg"
    (note,) = couple.notes
    assert str(short_otb / "Couple" / "groundtruth_rect.txt") in note
    assert f"{140 - CUT} boxes for 140 frames (1-140)" in note
    assert len(football) == 74 and football.notes == ()  # a known OTB quirk: no note
    assert truncate_sequence(couple, 20).notes == couple.notes  # --max-frames keeps it


def test_score_and_eval_print_the_note_once(short_otb, tmp_path):
    otb = open_benchmark("otb2015", root=short_otb)
    results = tmp_path / "results"
    for tracker in ("a", "b"):  # two trackers: the note is in each record, once in the report
        (results / tracker).mkdir(parents=True)
        for seq in ("Couple", "Football1"):
            np.savetxt(results / tracker / f"{seq}.txt", otb[seq].boxes, fmt="%.2f", delimiter=",")
    report = score_results(otb, results)
    notes = [n for n in report.notes if "groundtruth_rect.txt" in n]
    assert len(notes) == 1 and "Couple" in notes[0]
    assert all(any("groundtruth_rect.txt" in n for n in score.notes) for score in report.trackers.values())
    assert report.trackers["a"].metrics["success"] == pytest.approx(20 / 21)  # IoU 1 is never > 1

    plugin = tmp_path / "still.py"
    plugin.write_text(STILL)
    eval_json = tmp_path / "eval.json"
    result = CliRunner().invoke(cli, ["eval", "--dataset", "otb2015", "--data-root", str(short_otb), "--tracker",
                                      f"{plugin}:Still", "--sequences", "Couple", "--out", str(tmp_path / "out"),
                                      "--quiet", "--json", str(eval_json)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    printed = [line for line in result.output.splitlines() if line.startswith("note:")]
    assert len(printed) == 1 and f"{140 - CUT} boxes for 140 frames" in printed[0]
    (record,) = json.loads(eval_json.read_text())
    assert any(f"{140 - CUT} boxes for 140 frames" in n for n in record["notes"])
    raw = (tmp_path / "out" / "raw" / "otb2015" / "still" / "Couple.txt").read_text().splitlines()
    assert len(raw) == 140 - CUT
