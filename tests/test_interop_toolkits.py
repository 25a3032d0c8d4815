"""Result files as other toolkits write and read them, on real refdata files: result files shorter or
longer than the sequence (OTB toolkit rule), got10k's OTB names and time folder, vot-toolkit's time
file name (which pysot's VOT loader glob no longer mistakes for the trajectory)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from crpnbench.data import open_benchmark
from crpnbench.errors import DataError
from crpnbench.metrics.conventions import resolve_convention
from crpnbench.metrics.ope import score_ope_sequence
from crpnbench.raw.layout import (detect_layout, find_time_file, index_result_files, result_path, sequence_key,
                                  time_path)
from crpnbench.raw.read import read_ope_result
from crpnbench.raw.write import write_boxes, write_times, write_vot_entries
from crpnbench.scoring import score_results, tracker_folders


@pytest.fixture(scope="module")
def otb100(refdata):
    return open_benchmark("otb2015", annotations=refdata / "otb" / "json" / "OTB100.json")


def _copy_tracker(refdata, tmp_path, tracker="DaSiamRPN") -> Path:
    folder = tmp_path / "results" / tracker
    shutil.copytree(refdata / "otb" / "results" / tracker, folder)
    return folder


def _cut_last_line(path: Path) -> None:
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:-1]))


# ----------------------------------------------------------------------------- item 1: lengths

def test_short_result_files_scored_over_the_frames_they_cover(refdata, tmp_path, otb100):
    """MDNet's published Board and Twinnings files are one line short; the same cut on DaSiamRPN's."""
    folder = _copy_tracker(refdata, tmp_path)
    full = score_results(otb100, folder.parent).trackers["DaSiamRPN"].per_sequence
    for name in ("Board", "Twinnings"):
        _cut_last_line(folder / f"{name}.txt")
    report = score_results(otb100, folder.parent)
    score = report.trackers["DaSiamRPN"]
    assert len(report.notes) == 2
    assert "Board.txt: 697 lines for 698 frames; scored on the first 697 frames" in report.notes[0]
    assert "Twinnings.txt: 471 lines for 472 frames" in report.notes[1]
    conv = resolve_convention("official", "otb2015")
    assert conv.length_mismatch == "min"
    for name in ("Board", "Twinnings"):
        gt = otb100[name].boxes
        pred = read_ope_result(folder / f"{name}.txt", len(gt), "min").values
        expected = score_ope_sequence(pred, gt[: len(pred)], None, conv)
        assert score.per_sequence.loc[name, "frames"] == len(gt) - 1
        assert score.per_sequence.loc[name, "success"] == pytest.approx(expected.success, abs=1e-12)
    others = full.index.difference(["Board", "Twinnings"])
    np.testing.assert_allclose(score.per_sequence.loc[others, "success"], full.loc[others, "success"])
    assert round(score.metrics["success"], 3) == 0.658  # the published number still stands

    with pytest.raises(DataError, match=r"Board.txt:698: result has 697 lines for 698 frames"):
        score_results(otb100, folder.parent, convention="official:length_mismatch=error")  # the strict rule
    with pytest.raises(DataError, match="fewer lines than frames"):
        score_results(otb100, folder.parent, convention="pysot")  # pysot itself stops (IndexError)


def test_long_result_file_is_cut_with_a_note(refdata, tmp_path, otb100):
    folder = _copy_tracker(refdata, tmp_path)
    path = folder / "Crossing.txt"
    path.write_text(path.read_text().rstrip("\n") + "\n1,2,3,4\n")
    report = score_results(otb100, folder.parent)
    assert any("Crossing.txt: 121 lines for 120 frames; truncated to 120" in n for n in report.notes)


def test_jwlim_struck_clifbar_shorter_than_the_sequence(refdata, tmp_path, otb100):
    """STRUCK's published jwlim-toolkit results: ClifBar has 329 boxes for 472 frames; the jwlim toolkit's
    own code (calc_seq_err_robust) scores a result over its own length."""
    out = tmp_path / "STRUCK"
    for path in sorted((refdata / "otb" / "results_jwlim_json" / "STRUCK").glob("*.json")):
        entry = json.loads(path.read_text())[0]
        write_boxes(out / f"{entry['seqName']}.txt", np.asarray(entry["res"], float))
    report = score_results(otb100, tmp_path)
    assert [n for n in report.notes if "ClifBar.txt" in n] == [
        f"{out / 'ClifBar.txt'}: 329 lines for 472 frames; scored on the first 329 frames, the ones it covers "
        "(convention: length rule 'min', the OTB toolkit's and pysot VOT's min_len)"]
    score = report.trackers["STRUCK"]
    assert score.sequences == 100 and score.per_sequence.loc["ClifBar", "frames"] == 329
    assert score.metrics["success"] == pytest.approx(0.4623, abs=5e-5)


# ----------------------------------------------------------------------------- item 2: got10k names, times/

GOT10K_NAMES = {"Jogging-1": "Jogging.1", "Jogging-2": "Jogging.2", "Skating2-1": "Skating2.1",
                "Skating2-2": "Skating2.2", "Human4-2": "Human4"}


def test_got10k_otb_names_and_times_folder(refdata, tmp_path, otb100):
    folder = _copy_tracker(refdata, tmp_path)
    expected = score_results(otb100, folder.parent).trackers["DaSiamRPN"].metrics
    index = index_result_files(folder)
    for ours, theirs in GOT10K_NAMES.items():
        index[sequence_key(ours)].rename(folder / f"{theirs}.txt")
    for seq in otb100:  # got10k's ExperimentOTB writes times/<seq>_time.txt
        write_times(folder / "times" / f"{seq.name}_time.txt", np.full(len(seq), 0.01))
    assert sorted(sequence_key(n) for n in GOT10K_NAMES.values()) == sorted(sequence_key(n) for n in GOT10K_NAMES)
    assert tracker_folders(folder.parent) == {"DaSiamRPN": folder}  # times/ is no tracker
    assert tracker_folders(folder) == {"DaSiamRPN": folder}  # nor when the tracker folder itself is given
    assert detect_layout(folder / "times") is None
    report = score_results(otb100, folder.parent)
    assert report.trackers["DaSiamRPN"].metrics == expected and report.notes == []


def test_otb_layout_writes_times_where_got10k_reads_them(tmp_path):
    assert time_path(tmp_path, "Crossing") == tmp_path / "times" / "Crossing_time.txt"  # ExperimentOTB.report
    assert time_path(tmp_path, "GOT-10k_Val_000001", "got10k") == (
        tmp_path / "GOT-10k_Val_000001" / "GOT-10k_Val_000001_time.txt")  # ExperimentGOT10k.report
    (tmp_path / "Crossing_time.txt").write_text("0.1\n")  # the name crpnbench wrote before: still found
    assert find_time_file(tmp_path, "Crossing") == tmp_path / "Crossing_time.txt"
    write_times(time_path(tmp_path, "Crossing"), np.array([0.1]))
    assert find_time_file(tmp_path, "Crossing") == tmp_path / "times" / "Crossing_time.txt"


# ----------------------------------------------------------------------------- item 3: VOT time files

def test_vot_time_files_never_match_pysots_trajectory_glob(refdata, tmp_path):
    """pysot's VOTVideo.load_tracker globs ``<tracker>/baseline/<seq>/*0*.txt`` and keeps the first
    match: with ``<seq>_001_time.txt`` beside the result it could take the time file as the trajectory."""
    names = (refdata / "vot2018" / "list_DERIVED.txt").read_text().split()
    assert len(names) == 60
    tracker = tmp_path / "T"
    for name in names:
        write_vot_entries(result_path(tracker, name, "vot"), [1, np.array([1.0, 2, 3, 4]), 2, 0])
        write_times(time_path(tracker, name, "vot"), np.full(4, 0.02))
    for name in names:
        folder = tracker / "baseline" / name
        assert sorted(folder.glob("*0*.txt")) == [folder / f"{name}_001.txt"]
        assert time_path(tracker, name, "vot") == folder / f"{name}_001_time.value"
    assert len(index_result_files(tracker, "vot")) == 60


def test_vot_folders_with_the_older_time_name_still_read(refdata, tmp_path):
    source = refdata / "vot2018" / "results" / "DaSiamRPN"
    tracker = tmp_path / "DaSiamRPN"
    shutil.copytree(source, tracker)
    (tracker / "baseline" / "bag" / "bag_001_time.txt").write_text("0.01\n" * 196)
    assert find_time_file(tracker, "bag", "vot") == tracker / "baseline" / "bag" / "bag_001_time.txt"
    vot = open_benchmark("vot2018", annotations=refdata / "vot2018" / "VOT2018.json")
    score = score_results(vot, tmp_path).trackers["DaSiamRPN"]
    assert score.metrics["failures"] == 59


# ----------------------------------------------------------------------------- items 7 and 8: CLI inputs, provenance

def test_score_json_carries_convention_and_notes_and_plot_prints_them(refdata, tmp_path):
    from click.testing import CliRunner

    from crpnbench.cli import cli as main

    folder = _copy_tracker(refdata, tmp_path)
    _cut_last_line(folder / "Board.txt")
    annotations = str(refdata / "otb" / "json" / "OTB100.json")
    common = ["--dataset", "otb2015", "--annotations", annotations, "--results", str(folder.parent),
              "--out", str(tmp_path / "out"), "--quiet"]
    result = CliRunner().invoke(main, ["score", *common, "--json", "-"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)[0]
    assert record["convention"]["name"] == "official" and record["convention"]["length_mismatch"] == "min"
    assert record["protocol"] == "ope" and len(record["notes"]) == 1 and "Board.txt: 697 lines" in record["notes"][0]
    assert f"note: {record['notes'][0]}" in result.stderr
    plotted = CliRunner().invoke(main, ["plot", *common])
    assert plotted.exit_code == 0, plotted.output
    assert f"note: {record['notes'][0]}" in plotted.stderr  # the same note as score prints
    strict = CliRunner().invoke(main, ["score", *common, "--convention", "official:length_mismatch=error"])
    assert isinstance(strict.exception, DataError)  # the console script prints it as one line, exit code 2
    assert "Board.txt:698: result has 697 lines for 698 frames" in str(strict.exception)


def test_score_accepts_lasot_anno_folder_and_names_an_empty_data_root(refdata, tmp_path):
    from click.testing import CliRunner

    from crpnbench.cli import cli as main

    lasot = refdata / "lasot"
    args = ["score", "--dataset", "lasot", "--results", str(lasot / "results"), "--out", str(tmp_path), "--quiet",
            "--sequences", "airplane-1,bear-2"]
    result = CliRunner().invoke(main, [*args, "--annotations", str(lasot / "anno"), "--json", "-"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["sequences"] == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(main, [*args, "--data-root", str(empty)])
    assert isinstance(result.exception, DataError)
    assert str(result.exception).startswith(f"{empty}: 0 sequences of lasot in this data root")
