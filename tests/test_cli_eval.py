"""`crpnbench eval` end to end on the real OTB Couple/Crossing sequences with OpenCV's CSRT."""

from __future__ import annotations

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


def test_eval_csrt_on_real_otb_sequences_and_resume(refdata, tmp_path):
    root = refdata / "otb" / "seqs"
    args = ["--dataset", "otb2015", "--data-root", str(root), "--tracker", "csrt",
            "--sequences", "Couple,Crossing", "--results", str(tmp_path), "--max-frames", "60", "--quiet", "--no-score"]
    result = run_eval(*args)
    assert result.exit_code == 0, result.output
    assert "csrt: 2 evaluated, 0 already complete" in result.output
    assert "fps (tracker only)" in result.output
    folder = tmp_path / "raw" / "otb2015" / "csrt"
    gt = {name: read_boxes(root / name / "groundtruth_rect.txt", allow_nan=True) for name in ("Couple", "Crossing")}
    for name, truth in gt.items():
        boxes = read_boxes(folder / f"{name}.txt")
        assert boxes.shape == (60, 4)
        np.testing.assert_allclose(boxes[0], truth[0])
        # CSRT follows these two targets: centre error stays within 25 px on most frames
        error = np.linalg.norm((boxes[:, :2] + boxes[:, 2:] / 2) - (truth[:60, :2] + truth[:60, 2:] / 2), axis=1)
        assert np.mean(error < 25) > 0.8
    assert list(read_fps_csv(folder / "fps.csv")) == ["Couple", "Crossing"]

    again = run_eval(*args)
    assert again.exit_code == 0 and "csrt: 0 evaluated, 2 already complete (skipped)" in again.output


def test_eval_plugin_tracker_result_folder(refdata, tmp_path):
    plugin = tmp_path / "still.py"
    plugin.write_text(PLUGIN)
    result = run_eval("--dataset", "otb2015", "--data-root", str(refdata / "otb" / "seqs"),
                      "--tracker", f"{plugin}:StillTracker", "--sequences", "Crossing", "--results", str(tmp_path / "r"),
                      "--max-frames", "8", "--quiet", "--no-score")
    assert result.exit_code == 0, result.output
    boxes = read_boxes(tmp_path / "r" / "raw" / "otb2015" / "still" / "Crossing.txt")
    assert boxes.shape == (8, 4) and np.all(boxes == boxes[0])


def test_bad_input_is_one_line_and_exit_2(refdata, tmp_path):
    command = [sys.executable, "-m", "crpnbench", "eval", "--dataset", "otb2015",
               "--data-root", str(refdata / "otb" / "seqs"), "--tracker", "kcf", "--sequences", "Nope",
               "--results", str(tmp_path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == ["Error: otb2015 has no sequence named 'Nope'"]
    missing = subprocess.run(command[:7] + [str(tmp_path / "nowhere")] + command[8:], capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2 and "data root does not exist" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1
