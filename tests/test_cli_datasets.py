"""`crpnbench datasets`: survey of a data root and --check, on real OTB/VOT frames and small fixtures."""

import subprocess
import sys

from click.testing import CliRunner

from crpnbench.cli import cli
from crpnbench.data.survey import check_dataset, survey_datasets


def build_data_root(refdata, root):
    """datasets/-style root: OTB -> the three real OTB folders, VOT2018 -> the real bag frames."""
    (root / "OTB").symlink_to(refdata / "otb" / "seqs", target_is_directory=True)
    vot = root / "VOT2018"
    vot.mkdir(parents=True)
    (vot / "list.txt").write_text("bag\nmissing-seq\n")
    (vot / "bag").symlink_to(refdata / "video" / "vot_bag_frames", target_is_directory=True)
    return root


def make_lasot_sequence(root, name, frames_on_disk, boxes):
    folder = root / "LaSOT" / name.rsplit("-", 1)[0] / name
    (folder / "img").mkdir(parents=True)
    for i in range(1, frames_on_disk + 1):
        (folder / "img" / f"{i:08d}.jpg").touch()
    (folder / "groundtruth.txt").write_text("1,2,3,4\n" * boxes)
    return folder


def test_survey_counts(refdata, tmp_path):
    root = build_data_root(refdata, tmp_path)
    statuses = {s.name: s for s in survey_datasets(root)}
    otb = statuses["otb2015"]
    assert otb.found and (otb.present, otb.missing, otb.frames) == (3, 97, 140 + 120 + 74)
    assert (statuses["otb2013"].present, statuses["otb2013"].missing) == (3, 48)
    vot = statuses["vot2018"]
    assert (vot.present, vot.missing, vot.frames) == (1, 1, 196)
    assert not statuses["vot2016"].found and not statuses["lasot"].found
    assert not statuses["synthetic"].found and not (tmp_path / "synthetic").exists()  # nothing generated


def test_cli_table(refdata, tmp_path):
    root = build_data_root(refdata, tmp_path)
    result = CliRunner().invoke(cli, ["datasets", "--datasets-dir", str(root)])
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line.split() for line in result.output.splitlines()[1:]}
    assert lines["otb2015"][-3:] == ["3", "97", "334"]
    assert lines["vot2018"][-3:] == ["1", "1", "196"]
    assert lines["trackingnet"][-2:] == ["not", "found"]


def test_check_reports_missing_sequences(refdata, tmp_path):
    root = build_data_root(refdata, tmp_path)
    report = check_dataset("vot2018", root)
    assert (report.sequences, report.frames) == (1, 196) and report.missing_sequences == ["missing-seq"]
    assert report.first_missing_frame is None and not report.ok
    result = CliRunner().invoke(cli, ["datasets", "--datasets-dir", str(root), "--check", "otb2015"])
    assert result.exit_code == 1
    assert "3 sequences, 334 frames checked; 97 listed sequences missing; 0 with problems" in result.output


def test_check_finds_first_missing_frame(tmp_path):
    make_lasot_sequence(tmp_path, "airplane-1", 5, 5)
    folder = make_lasot_sequence(tmp_path, "airplane-9", 3, 4)
    (tmp_path / "LaSOT" / "testing_set.txt").write_text("airplane-1\nairplane-9\n")
    report = check_dataset("lasot", tmp_path)
    assert report.sequences == 2 and report.frames == 9
    assert report.first_missing_frame == folder / "img" / "00000004.jpg"
    result = CliRunner().invoke(cli, ["datasets", "--datasets-dir", str(tmp_path), "--check", "lasot"])
    assert result.exit_code == 1
    assert f"first missing frame: {folder / 'img' / '00000004.jpg'}" in result.output
    # --data-root is the one dataset's own folder, as in every other command
    direct = CliRunner().invoke(cli, ["datasets", "--check", "lasot", "--data-root", str(tmp_path / "LaSOT"), "--quiet"])
    # progress bars only on a terminal: CliRunner's stderr is not one, with or without --quiet
    assert direct.exit_code == 1 and "\r" not in result.stderr and not direct.stderr
    assert direct.stdout == result.stdout


def test_check_with_annotation_file(refdata):
    report = check_dataset("otb2015", data_root=refdata / "otb" / "seqs",
                           annotations=refdata / "otb" / "json" / "OTB100.json")
    assert report.sequences == 100 and report.frames == 59035
    assert len(report.problems) == 97  # only Couple, Crossing and Football1 have frames here
    assert report.first_missing_frame == refdata / "otb" / "seqs" / "Basketball" / "img" / "0001.jpg"


def test_check_annotation_error_is_collected(tmp_path):
    folder = make_lasot_sequence(tmp_path, "airplane-1", 2, 2)
    (folder / "groundtruth.txt").write_text("1,2,3,4\n1,2,3\n")
    (tmp_path / "LaSOT" / "testing_set.txt").write_text("airplane-1\n")
    report = check_dataset("lasot", tmp_path)
    assert len(report.problems) == 1 and report.sequences == 0
    assert report.problems[0].startswith(f"airplane-1: {folder / 'groundtruth.txt'}:2: expected 4 values, found 3")


def test_bad_names_are_one_line_errors(tmp_path):
    run = subprocess.run([sys.executable, "-m", "crpnbench", "datasets", "--check", "nope"],
                         capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert run.stderr.strip().startswith("Error: unknown dataset 'nope'")
    run = subprocess.run([sys.executable, "-m", "crpnbench", "datasets", "--datasets-dir", str(tmp_path),
                          "--check", "vot2016"], capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 2
    assert run.stderr.strip() == f"Error: {tmp_path / 'VOT2016'}: vot2016 not found in the datasets folder (--datasets-dir)"
