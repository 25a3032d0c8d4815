"""`crpnbench eval` end to end on the real OTB Couple/Crossing sequences with OpenCV's CSRT."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
from click.testing import CliRunner

from crpnbench.cli import cli
from crpnbench.data.textio import read_boxes
from crpnbench.evaluation import read_fps_csv

PLUGIN = '''
import numpy as np

class StillTracker:
    """Keeps the first box (a plug-in need not subclass Tracker)."""

    name = "still"

    def init(self, frame, box):
        self.box = np.asarray(box, dtype=float)

    def update(self, frame):
        return self.box
'''


def run_eval(*args):
    return CliRunner().invoke(cli, ["eval", *args], catch_exceptions=False)


def test_eval_csrt_on_real_otb_sequences_scores_resumes_and_rescores(refdata, tmp_path):
    root = refdata / "otb" / "seqs"
    eval_json, score_json = tmp_path / "eval.json", tmp_path / "score.json"
    args = ["--dataset", "otb2015", "--data-root", str(root), "--tracker", "csrt",
            "--sequences", "Couple,Crossing", "--out", str(tmp_path), "--quiet", "--json", str(eval_json)]
    result = run_eval(*args)
    assert result.exit_code == 0, result.output
    assert "csrt: 2 evaluated, 0 already complete" in result.output
    assert "fps (tracker only)" in result.output and "missing on disk" not in result.output
    folder = tmp_path / "raw" / "otb2015" / "csrt"
    for name in ("Couple", "Crossing"):
        truth = read_boxes(root / name / "groundtruth_rect.txt")
        boxes = read_boxes(folder / f"{name}.txt")
        assert boxes.shape == truth.shape
        np.testing.assert_allclose(boxes[0], truth[0])
    assert list(read_fps_csv(folder / "fps.csv")) == ["Couple", "Crossing"]
    per_sequence = (tmp_path / "scores" / "otb2015" / "per_sequence.csv").read_text().splitlines()
    assert per_sequence[0].split(",")[:4] == ["sequence", "tracker", "frames", "success"]
    assert sorted(line.split(",")[0] for line in per_sequence[1:]) == ["Couple", "Crossing"]

    records = json.loads(eval_json.read_text())
    assert [r["tracker"] for r in records] == ["csrt"]
    record = records[0]
    # CSRT follows both targets closely (these are easy sequences): a sensible OTB score
    assert 0.55 < record["success"] < 0.85 and record["precision"] > 0.9

    again = run_eval(*args)
    assert again.exit_code == 0 and "csrt: 0 evaluated, 2 already complete (skipped)" in again.output
    assert json.loads(eval_json.read_text()) == records

    # the raw files re-score identically with `crpnbench score`
    scored = CliRunner().invoke(cli, ["score", "--dataset", "otb2015", "--data-root", str(root), "--results",
                                      str(tmp_path / "raw" / "otb2015"), "--skip-missing", "--json", str(score_json),
                                      "--out", str(tmp_path / "rescored")], catch_exceptions=False)
    assert scored.exit_code == 0, scored.output
    rescored = json.loads(score_json.read_text())
    # the same numbers; score over the whole benchmark with --skip-missing notes what it skipped
    assert [{k: v for k, v in r.items() if k != "notes"} for r in rescored] == \
        [{k: v for k, v in r.items() if k != "notes"} for r in records]
    assert records[0]["notes"] == [] and any("Football1" in note for note in rescored[0]["notes"])
    # score --out is an output root like eval's: the same CSVs in the same place under it
    for name in ("summary.csv", "per_sequence.csv"):
        assert (tmp_path / "rescored" / "scores" / "otb2015" / name).read_text() == \
            (tmp_path / "scores" / "otb2015" / name).read_text()


def test_smoke_run_scores_only_the_frames_it_ran(refdata, tmp_path):
    result = run_eval("--dataset", "otb2015", "--data-root", str(refdata / "otb" / "seqs"), "--tracker", "kcf",
                      "--sequences", "Crossing", "--out", str(tmp_path), "--max-frames", "30", "--quiet",
                      "--json", "-")
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert records[0]["tracker"] == "kcf" and records[0]["frames"] == 30


def test_eval_plugin_tracker_result_folder(refdata, tmp_path):
    plugin = tmp_path / "still.py"
    plugin.write_text(PLUGIN)
    result = run_eval("--dataset", "otb2015", "--data-root", str(refdata / "otb" / "seqs"),
                      "--tracker", f"{plugin}:StillTracker", "--sequences", "Crossing", "--out", str(tmp_path / "r"),
                      "--max-frames", "8", "--quiet", "--no-score")
    assert result.exit_code == 0, result.output
    boxes = read_boxes(tmp_path / "r" / "raw" / "otb2015" / "still" / "Crossing.txt")
    assert boxes.shape == (8, 4) and np.all(boxes == boxes[0])


def test_bad_input_is_one_line_and_exit_2(refdata, tmp_path):
    command = [sys.executable, "-m", "crpnbench", "eval", "--dataset", "otb2015",
               "--data-root", str(refdata / "otb" / "seqs"), "--tracker", "kcf", "--sequences", "Nope",
               "--out", str(tmp_path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == ["Error: otb2015 has no sequence named 'Nope'"]
    missing = subprocess.run(command[:7] + [str(tmp_path / "nowhere")] + command[8:], capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2 and "data root does not exist" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1


def test_vot_baseline_and_realtime_on_the_real_bag_sequence(refdata, tmp_path):
    root = tmp_path / "VOT2018"
    root.mkdir()
    (root / "list.txt").write_text("bag\n")
    (root / "bag").symlink_to(refdata / "video" / "vot_bag_frames", target_is_directory=True)
    common = ["--dataset", "vot2018", "--data-root", str(root), "--tracker", "mosse", "--out", str(tmp_path / "res"),
              "--quiet"]
    result = run_eval(*common, "--json", str(tmp_path / "baseline.json"))  # VOT -> baseline by default
    assert result.exit_code == 0, result.output
    lines = (tmp_path / "res" / "raw" / "vot2018" / "mosse" / "baseline" / "bag" / "bag_001.txt").read_text().splitlines()
    assert len(lines) == 196 and lines[0] == "1"
    failures = sum(line == "2" for line in lines)
    records = json.loads((tmp_path / "baseline.json").read_text())
    assert records[0]["failures"] == failures
    assert 0 < records[0]["accuracy"] <= 1

    scored = CliRunner().invoke(cli, ["score", "--dataset", "vot2018", "--data-root", str(root), "--results",
                                      str(tmp_path / "res" / "raw" / "vot2018"), "--json", "-",
                                      "--out", str(tmp_path / "scores")], catch_exceptions=False)
    assert scored.exit_code == 0
    assert json.loads(scored.stdout) == records

    realtime = run_eval(*common, "--protocol", "realtime", "--json", "-")
    assert realtime.exit_code == 0, realtime.output
    assert (tmp_path / "res" / "raw" / "vot2018" / "mosse" / "realtime" / "bag" / "bag_001.txt").is_file()
    assert json.loads(realtime.stdout)[0]["tracker"] == "mosse"
