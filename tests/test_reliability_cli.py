"""No tracebacks (issue 13): `crpnbench eval`, `score` and `datasets --check` in real subprocesses on bad
plug-ins, --json targets, unwritable outputs, a bad fps.csv and truncated frames; CI=true and refdata."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from crpnbench.atomic import atomic_path

REPO = Path(__file__).resolve().parents[1]

#: Crossing (360x240, first box at x=205) gets NaN at frame 5; the other sequences track fine
NAN_ON_CROSSING = '''
import numpy as np

class Nanny:
    name = "nanny"
    def init(self, frame, box):
        self.box, self.n = np.asarray(box, dtype=float), 1
        self.crossing = frame.shape[:2] == (240, 360)
    def update(self, frame):
        self.n += 1
        return np.full(4, np.nan) if self.crossing and self.n == 5 else self.box
'''


def crpnbench(*args, cwd=None, env=None):
    return subprocess.run([sys.executable, "-m", "crpnbench", *map(str, args)], capture_output=True, text=True,
                          timeout=120, cwd=cwd, env=env)


def one_error_line(done, *fragments):
    """Exit code 2, no traceback, exactly one line on stderr holding every fragment."""
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    for fragment in fragments:
        assert str(fragment) in lines[0], lines[0]
    return lines[0]


def eval_args(refdata, out, *extra):
    return ["eval", "--dataset", "otb2015", "--data-root", refdata / "otb" / "seqs", "--out", out, "--quiet", *extra]


def test_a_nan_tracker_fails_one_sequence_runs_the_others_and_exits_2(refdata, tmp_path):
    plugin = tmp_path / "nanny.py"
    plugin.write_text(NAN_ON_CROSSING)
    done = crpnbench(*eval_args(refdata, tmp_path, "--tracker", f"{plugin}:Nanny", "--max-frames", "10"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "nanny: 2 evaluated, 0 already complete (skipped), 1 failed" in done.stdout
    assert "failed Crossing: tracker nanny on Crossing, frame 5: update() returned a non-finite box" in done.stdout
    assert done.stderr.strip().startswith("Error: 1 sequence run(s) failed; first (nanny on Crossing)")
    assert sorted(p.name for p in (tmp_path / "raw" / "otb2015" / "nanny").glob("*.txt")) == \
        ["Couple.txt", "Football1.txt"]


def test_score_json_never_writes_into_the_results_it_reads(refdata, tmp_path):
    results = tmp_path / "results"
    shutil.copytree(refdata / "otb" / "results" / "DaSiamRPN", results / "DaSiamRPN")
    target = results / "DaSiamRPN" / "Basketball.txt"
    before = target.read_bytes()
    base = ["score", "--dataset", "otb2015", "--annotations", refdata / "otb" / "json" / "OTB100.json",
            "--results", results, "--out", tmp_path / "out", "--quiet"]
    one_error_line(crpnbench(*base, "--json", target), "inside the results folder", target)
    assert target.read_bytes() == before
    one_error_line(crpnbench(*base, "--json", tmp_path), "is a folder", tmp_path)
    other = tmp_path / "notes.txt"
    other.write_text("my notes\n")
    one_error_line(crpnbench(*base, "--json", other), "not a JSON file", other)
    assert other.read_text() == "my notes\n"
    # a missing parent folder is created; an earlier JSON output is replaced
    fresh = tmp_path / "new" / "deeper" / "scores.json"
    assert crpnbench(*base, "--json", fresh).returncode == 0
    assert json.loads(fresh.read_text())[0]["tracker"] == "DaSiamRPN"
    assert crpnbench(*base, "--json", fresh).returncode == 0


def test_eval_json_and_out_problems_are_one_line(refdata, tmp_path):
    inside = tmp_path / "raw" / "otb2015" / "mosse" / "Crossing.txt"
    one_error_line(crpnbench(*eval_args(refdata, tmp_path, "--tracker", "mosse", "--json", inside)),
                   "inside the results folder")
    assert not inside.exists()
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    one_error_line(crpnbench(*eval_args(refdata, blocker / "out", "--tracker", "mosse", "--max-frames", "5")),
                   "Error:", blocker)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_out_folder_is_one_line(refdata, tmp_path):
    out = tmp_path / "ro"
    (out / "raw" / "otb2015").mkdir(parents=True)
    (out / "raw" / "otb2015").chmod(0o555)
    try:
        one_error_line(crpnbench(*eval_args(refdata, out, "--tracker", "mosse", "--max-frames", "5")),
                       "Permission denied", out / "raw" / "otb2015")
    finally:
        (out / "raw" / "otb2015").chmod(0o755)


def test_a_full_disk_names_the_file(tmp_path):
    target = tmp_path / "scores.csv"
    with pytest.raises(OSError) as caught:
        with atomic_path(target):
            raise OSError(errno.ENOSPC, "No space left on device")  # what write() raises: no file name
    assert caught.value.filename == str(target) and caught.value.errno == errno.ENOSPC
    assert not target.exists() and not list(tmp_path.iterdir())


def test_a_bad_fps_csv_in_an_old_folder_is_one_line(refdata, tmp_path):
    args = eval_args(refdata, tmp_path, "--tracker", "mosse", "--sequences", "Couple", "--max-frames", "5")
    assert crpnbench(*args).returncode == 0
    folder = tmp_path / "raw" / "otb2015" / "mosse"
    (folder / "provenance.json").unlink()  # a folder written before provenance: its fps.csv is read
    fps = folder / "fps.csv"
    fps.write_text(fps.read_text().replace("Couple,5,", "Couple,five,"))
    one_error_line(crpnbench(*args), f"{fps}:2: column 'frames' is not a number: 'five'")


def test_datasets_check_and_eval_name_a_truncated_jpeg(refdata, tmp_path):
    root = tmp_path / "OTB"
    shutil.copytree(refdata / "otb" / "seqs" / "Crossing", root / "Crossing")
    frame = root / "Crossing" / "img" / "0007.jpg"
    frame.write_bytes(frame.read_bytes()[:-600])
    done = crpnbench("datasets", "--check", "otb2015", "--data-root", root, "--quiet")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "1 with problems" in done.stdout
    assert f"Crossing: {frame}: truncated JPEG: no end-of-image marker (FF D9)" in done.stdout
    evaluated = crpnbench("eval", "--dataset", "otb2015", "--data-root", root, "--tracker", "mosse",
                          "--out", tmp_path / "out", "--quiet", "--max-frames", "10")
    assert evaluated.returncode == 2 and f"failed Crossing: {frame}: truncated JPEG" in evaluated.stdout


def test_ci_true_fails_instead_of_skipping_without_refdata(tmp_path):
    test = "tests/test_reliability_cli.py::test_datasets_check_and_eval_name_a_truncated_jpeg"
    env = {**os.environ, "CRPNBENCH_REFDATA": str(tmp_path / "no-refdata"), "CI": "true"}
    ci = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test], cwd=REPO, env=env,
                        capture_output=True, text=True, timeout=120)
    assert ci.returncode == 1 and "1 error" in ci.stdout and "CI=true needs it" in ci.stdout
    env["CI"] = "false"
    local = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test], cwd=REPO,
                           env=env, capture_output=True, text=True, timeout=120)
    assert local.returncode == 0 and "1 skipped" in local.stdout
