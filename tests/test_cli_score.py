"""``crpnbench score`` end to end: real OTB-2015 results, --json - on stdout only, CSVs, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from crpnbench.cli import cli


def test_score_otb_json_stdout_only(refdata, tmp_path):
    runner = CliRunner()
    out = tmp_path / "scores"
    result = runner.invoke(cli, [
        "score", "--dataset", "otb2015", "--annotations", str(refdata / "otb" / "json" / "OTB100.json"),
        "--results", str(refdata / "otb" / "results"), "--tracker", "DaSiamRPN", "--tracker", "SiamFC",
        "--json", "-", "--out", str(out),
    ])
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert [r["tracker"] for r in records] == ["DaSiamRPN", "SiamFC"]
    assert records[0]["success"] == pytest.approx(0.658, abs=5e-4)
    assert records[0]["precision"] == pytest.approx(0.880, abs=5e-4)
    assert set(records[0]) == {"tracker", "sequences", "frames", "success", "precision", "norm_precision",
                               "protocol", "convention", "notes"}
    assert "convention 'official'" in result.stderr
    csv_dir = out / "scores" / "otb2015"  # --out is the output root, as in `crpnbench eval`
    assert (csv_dir / "per_sequence.csv").is_file() and (csv_dir / "per_attribute.csv").is_file()


def test_score_vot_table_and_json_file(refdata, tmp_path):
    runner = CliRunner()
    json_path = tmp_path / "vot.json"
    result = runner.invoke(cli, [
        "score", "--dataset", "vot2018", "--annotations", str(refdata / "vot2018" / "VOT2018.json"),
        "--results", str(refdata / "vot2018" / "results"), "--tracker", "DaSiamRPN",
        "--convention", "pysot", "--json", str(json_path), "--out", str(tmp_path / "csv"),
    ])
    assert result.exit_code == 0, result.output
    assert "vot2018 baseline, convention 'pysot', sorted by eao" in result.stdout
    assert "DaSiamRPN" in result.stdout
    records = json.loads(json_path.read_text())
    assert records[0]["failures"] == 59
    assert set(records[0]) == {"tracker", "sequences", "frames", "accuracy", "robustness", "failures", "eao",
                               "protocol", "convention", "notes"}


def test_bad_input_is_one_line_exit_2(tmp_path, refdata):
    bad = tmp_path / "T"
    bad.mkdir()
    (bad / "Basketball.txt").write_text("1,2,3,4\n1,2,x,4\n")
    proc = subprocess.run(
        [sys.executable, "-m", "crpnbench", "score", "--dataset", "otb2015",
         "--annotations", str(refdata / "otb" / "json" / "OTB100.json"), "--results", str(tmp_path),
         "--out", str(tmp_path / "o")],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Basketball.txt:2: cannot parse" in lines[0]
