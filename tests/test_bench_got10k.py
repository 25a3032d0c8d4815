"""GOT-10k val/test on a fixture in the published layout built from real OTB frames (refdata Couple, Crossing),
scored with real published raw results (SiamFC, DaSiamRPN, Ocean) and cross-checked against the got10k
package's own ExperimentGOT10k. The cover flags (some frames 0) are made up; boxes and frames are real."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest
from click.testing import CliRunner

from crpnbench.data import open_benchmark
from crpnbench.errors import DataError
from crpnbench.metrics.got10k import GOT10K_THRESHOLDS, got10k_iou, got10k_score, score_got10k

SOURCES = {"GOT-10k_Val_000001": "Couple", "GOT-10k_Val_000002": "Crossing"}
TRACKERS = {"SiamFC": "{}.txt", "DaSiamRPN": "{}.txt", "Ocean": "{}"}
COVER_ZERO = {"GOT-10k_Val_000001": range(30, 41), "GOT-10k_Val_000002": range(5, 8)}


def _otb_boxes(path):
    return np.array([[float(v) for v in line.replace("\t", ",").split(",")]
                     for line in path.read_text().splitlines() if line.strip()])


def build_got10k(refdata, root, subset="val", names=SOURCES, resolution=None):
    """<root>/<subset>/list.txt + one folder per sequence (00000001.jpg links to the real OTB frames)."""
    import cv2

    folder = root / subset
    folder.mkdir(parents=True)
    (folder / "list.txt").write_text("\n".join(names) + "\n")
    for name, otb in names.items():
        seq = folder / name
        seq.mkdir()
        images = sorted((refdata / "otb" / "seqs" / otb / "img").glob("*.jpg"))
        for index, image in enumerate(images, start=1):
            (seq / f"{index:08d}.jpg").symlink_to(image)
        boxes = _otb_boxes(refdata / "otb" / "seqs" / otb / "groundtruth_rect.txt")
        assert len(boxes) == len(images)
        rows = boxes if subset != "test" else boxes[:1]
        (seq / "groundtruth.txt").write_text("".join(",".join(f"{v:.4f}" for v in row) + "\n" for row in rows))
        if subset != "test":
            cover = np.full(len(boxes), 8)
            cover[list(COVER_ZERO.get(name, ()))] = 0
            (seq / "cover.label").write_text("".join(f"{c}\n" for c in cover))
            (seq / "absence.label").write_text("".join(f"{int(c == 0)}\n" for c in cover))
            (seq / "cut_by_image.label").write_text("0\n" * len(boxes))
        height, width = cv2.imread(str(images[0])).shape[:2]
        size = resolution or f"({width}, {height})"
        (seq / "meta_info.ini").write_text(f"[METAINFO]\nurl: none\nobject_class: person\nresolution: {size}\n")
    return root


def write_results(refdata, results, names=SOURCES):
    """Published OTB results of three trackers, in the got10k layout <tracker>/<seq>/<seq>_001.txt."""
    for tracker, pattern in TRACKERS.items():
        for name, otb in names.items():
            source = refdata / "otb" / "results" / tracker / pattern.format(otb)
            if not source.is_file():
                source = refdata / "otb" / "results" / tracker / f"{otb.lower()}.txt"
            boxes = np.loadtxt(source, delimiter=",")
            out = results / tracker / name
            out.mkdir(parents=True)
            np.savetxt(out / f"{name}_001.txt", boxes, fmt="%.3f", delimiter=",")
            np.savetxt(out / f"{name}_time.txt", np.full(len(boxes), 0.02), fmt="%.8f")
    return results


@pytest.fixture(scope="module")
def got(refdata, tmp_path_factory):
    base = tmp_path_factory.mktemp("got")
    root = build_got10k(refdata, base / "GOT-10k")
    results = write_results(refdata, base / "results" / "GOT-10k")
    return root, results


# ---------------------------------------------------------------------------------------- metrics

def test_iou_and_scores_match_the_got10k_package():
    metrics = pytest.importorskip("got10k.utils.metrics")
    experiments = pytest.importorskip("got10k.experiments")
    rng = np.random.default_rng(0)
    gt = np.column_stack([rng.uniform(-20, 600, 500), rng.uniform(-20, 400, 500), rng.uniform(1, 200, (500, 2))])
    pred = gt + rng.normal(0, 25, gt.shape)
    pred[:, 2:] = np.abs(pred[:, 2:])
    for bound in (None, (640, 480)):
        ours = got10k_iou(pred, gt, bound)
        theirs = metrics.rect_iou(pred.copy(), gt.copy(), bound=bound)
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)
    exp = experiments.ExperimentGOT10k.__new__(experiments.ExperimentGOT10k)
    ao, sr, _, curve = exp._evaluate(ours, np.zeros(0))
    score = got10k_score(ours)
    assert (score.ao, score.sr50) == (ao, sr)
    np.testing.assert_array_equal(score.success_curve, curve)
    assert score.sr75 == curve[75] and GOT10K_THRESHOLDS[75] == 0.75


def test_first_frame_and_invisible_frames_are_not_scored():
    gt = np.array([[10, 10, 10, 10]] * 4, dtype=float)
    pred = gt.copy()
    pred[0] = [500, 500, 1, 1]  # frame 1 is never scored
    pred[2] = [np.nan] * 4  # a NaN box scores 0 (the package's mean would turn NaN)
    overall, per_seq = score_got10k([[pred]], [gt], [np.array([1, 1, 1, 0], bool)], [None])
    assert overall.frames == 2 and overall.ao == pytest.approx(0.5) and overall.sr50 == 0.5
    assert per_seq[0].ao == overall.ao


# ---------------------------------------------------------------------------------------- loader

def test_val_names_alias_and_cover(got):
    root, _ = got
    val, alias = open_benchmark("got10k-val", root=root), open_benchmark("got10k", root=root)
    assert val.names == alias.names == list(SOURCES) and val.name == "got10k-val"
    seq = val["GOT-10k_Val_000001"]
    assert len(seq) == 140 and seq.image_size is not None and seq.absent.sum() == 11
    assert seq.frame_paths[0].resolve().name == "0001.jpg"


def test_bad_meta_info_and_cover_name_file_and_line(refdata, tmp_path):
    root = build_got10k(refdata, tmp_path, names={"GOT-10k_Val_000002": "Crossing"}, resolution="wide")
    with pytest.raises(DataError, match=r"meta_info\.ini:4: expected 'resolution: \(width, height\)'"):
        open_benchmark("got10k-val", root=root)["GOT-10k_Val_000002"]
    seq_dir = root / "val" / "GOT-10k_Val_000002"
    (seq_dir / "meta_info.ini").write_text("[METAINFO]\nresolution: (360, 240)\n")
    (seq_dir / "cover.label").write_text("8\n" * 119 + "x\n")
    with pytest.raises(DataError, match=r"cover\.label:120"):
        open_benchmark("got10k-val", root=root)["GOT-10k_Val_000002"]
    (seq_dir / "cover.label").write_text("8\n" * 119)
    with pytest.raises(DataError, match=r"cover\.label: 119 cover values for 120 frames"):
        open_benchmark("got10k-val", root=root)["GOT-10k_Val_000002"]


# ---------------------------------------------------------------------------------------- scoring

def test_score_matches_experiment_got10k(got, tmp_path):
    """The cross-check: crpnbench's AO/SR/success curve = got10k's ExperimentGOT10k.report on the same files."""
    experiments = pytest.importorskip("got10k.experiments")
    pytest.importorskip("matplotlib")
    from crpnbench.scoring import score_folder

    root, results = got
    experiment = experiments.ExperimentGOT10k(str(root), subset="val", result_dir=str(results.parent),
                                              report_dir=str(tmp_path / "reports"))
    performance = experiment.report(list(TRACKERS))
    _, report = score_folder("got10k-val", results, data_root=root)
    assert report.main_metric == "ao" and list(report.table().columns)[-3:] == ["ao", "sr50", "sr75"]
    for tracker in TRACKERS:
        theirs, ours = performance[tracker]["overall"], report.trackers[tracker]
        assert ours.metrics["ao"] == pytest.approx(theirs["ao"], abs=1e-12)
        assert ours.metrics["sr50"] == pytest.approx(theirs["sr"], abs=1e-12)
        np.testing.assert_allclose(ours.success_curve, theirs["succ_curve"], atol=1e-12)
        assert ours.metrics["sr75"] == pytest.approx(theirs["succ_curve"][75], abs=1e-12)
        for name in SOURCES:
            assert ours.per_sequence.loc[name, "ao"] == pytest.approx(performance[tracker]["seq_wise"][name]["ao"])
    # the numbers, for the record (DaSiamRPN on Couple + Crossing with the made-up cover flags)
    dasiam = report.trackers["DaSiamRPN"].metrics
    assert (round(dasiam["ao"], 3), round(dasiam["sr50"], 3)) == (
        round(performance["DaSiamRPN"]["overall"]["ao"], 3), round(performance["DaSiamRPN"]["overall"]["sr"], 3))


def test_cli_score_reports_ao_sr_and_plot_legend_shows_ao(got, tmp_path):
    from crpnbench.cli import cli
    from crpnbench.reports.report import plot_results

    root, results = got
    result = CliRunner().invoke(cli, ["score", "--dataset", "got10k-val", "--data-root", str(root), "--results",
                                      str(results), "--json", "-", "--out", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 0, result.output
    records = {r["tracker"]: r for r in json.loads(result.stdout)}
    assert {"tracker", "sequences", "frames", "ao", "sr50", "sr75"} <= set(records["Ocean"])
    assert not {"success", "precision"} & set(records["Ocean"])
    alias = CliRunner().invoke(cli, ["score", "--dataset", "got10k", "--data-root", str(root), "--results",
                                     str(results), "--json", "-", "--out", str(tmp_path / "out2"), "--quiet"])
    assert json.loads(alias.stdout) == json.loads(result.stdout)
    files = plot_results("got10k-val", data_root=root, results=results, out=tmp_path / "plots")
    entries = files.plot("success").entries
    best = max(records.values(), key=lambda r: r["ao"])
    assert entries[0].tracker == best["tracker"] and entries[0].label.startswith(f"[{best['ao']:.3f}]")
    assert [e.tracker for e in entries] == sorted(records, key=lambda n: -records[n]["ao"])


# ---------------------------------------------------------------------------------------- test split

def test_test_subset_writes_the_submission_archive(refdata, tmp_path):
    from crpnbench.submission import write_submission

    names = {"GOT-10k_Test_000001": "Couple", "GOT-10k_Test_000002": "Crossing"}
    root = build_got10k(refdata, tmp_path / "GOT-10k", subset="test", names=names)
    bench = open_benchmark("got10k-test", root=root)
    assert bench.names == list(names) and np.isnan(bench["GOT-10k_Test_000001"].boxes[1:]).all()
    results = write_results(refdata, tmp_path / "raw", names)
    lengths = {n: len(bench[n]) for n in names}
    archive = write_submission("got10k-zip", results / "Ocean", names, tmp_path / "Ocean.zip", lengths=lengths)
    with zipfile.ZipFile(archive) as handle:
        assert sorted(handle.namelist()) == sorted(
            f"{n}/{n}{suffix}" for n in names for suffix in ("_001.txt", "_time.txt"))
    (results / "Ocean" / "GOT-10k_Test_000002" / "GOT-10k_Test_000002_time.txt").unlink()
    with pytest.raises(DataError, match=r"GOT-10k_Test_000002_time\.txt: time file for the GOT-10k submission"):
        write_submission("got10k-zip", results / "Ocean", names, tmp_path / "again.zip")
    with (results / "SiamFC" / "GOT-10k_Test_000001" / "GOT-10k_Test_000001_001.txt").open("a") as handle:
        handle.write("1,2,3,4\n")
    with pytest.raises(DataError, match=r"_001\.txt: 141 lines for 140 frames"):
        write_submission("got10k-zip", results / "SiamFC", names, tmp_path / "s.zip", lengths=lengths)
    assert not (tmp_path / "s.zip").exists()


def test_eval_on_got10k_test_writes_and_names_the_archive(refdata, tmp_path):
    from crpnbench.evaluation import evaluate

    names = {"GOT-10k_Test_000001": "Crossing"}
    root = build_got10k(refdata, tmp_path / "GOT-10k", subset="test", names=names)
    bench = open_benchmark("got10k-test", root=root)
    summary = evaluate(bench, ["mosse"], "ope", tmp_path / "out", progress=False, dataset_name="got10k-test")
    run = summary.runs[0]
    assert not run.failed and run.submission is not None
    with zipfile.ZipFile(run.submission) as handle:
        assert sorted(handle.namelist()) == ["GOT-10k_Test_000001/GOT-10k_Test_000001_001.txt",
                                             "GOT-10k_Test_000001/GOT-10k_Test_000001_time.txt"]
        assert len(handle.read("GOT-10k_Test_000001/GOT-10k_Test_000001_001.txt").decode().splitlines()) == 120


# ---------------------------------------------------------------------------------------- several runs

#: trackers whose runs _001, _002, _003 are published results of real trackers (one run per tracker's boxes)
RUNS = {"Pooled": ("DaSiamRPN", "SiamFC", "Ocean"), "Twice": ("Ocean", "SiamFC")}


def write_runs(refdata, results, runs=RUNS, names=SOURCES):
    """<tracker>/<seq>/<seq>_00N.txt (N = 1, 2, ...: the GOT-10k protocol's repeated runs) from real published
    boxes, plus <seq>_time.txt (which no run glob may take for a run)."""
    for tracker, sources in runs.items():
        for name, otb in names.items():
            out = results / tracker / name
            out.mkdir(parents=True)
            for number, source in enumerate(sources, start=1):
                path = refdata / "otb" / "results" / source / TRACKERS[source].format(otb)
                if not path.is_file():
                    path = refdata / "otb" / "results" / source / f"{otb.lower()}.txt"
                boxes = np.loadtxt(path, delimiter=",")
                np.savetxt(out / f"{name}_{number:03d}.txt", boxes, fmt="%.3f", delimiter=",")
            np.savetxt(out / f"{name}_time.txt", np.full(len(boxes), 0.02), fmt="%.8f")
    return results


@pytest.fixture(scope="module")
def got_runs(refdata, got, tmp_path_factory):
    root, _ = got
    return root, write_runs(refdata, tmp_path_factory.mktemp("runs") / "GOT-10k")


def test_every_run_is_pooled_as_experiment_got10k_does(got, got_runs, tmp_path):
    """The cross-check with several runs: AO/SR/success curve = got10k's ExperimentGOT10k.report, which pools
    every <seq>_[0-9]*.txt of a sequence; reading only _001 would give run 1's scores instead."""
    experiments = pytest.importorskip("got10k.experiments")
    pytest.importorskip("matplotlib")
    from crpnbench.scoring import score_folder

    root, results = got_runs
    experiment = experiments.ExperimentGOT10k(str(root), subset="val", result_dir=str(results.parent),
                                              report_dir=str(tmp_path / "reports"))
    performance = experiment.report(list(RUNS))
    _, report = score_folder("got10k-val", results, data_root=root)
    _, single = score_folder("got10k-val", got[1], data_root=root)  # one run each
    for tracker, sources in RUNS.items():
        theirs, ours = performance[tracker]["overall"], report.trackers[tracker]
        assert ours.metrics["ao"] == pytest.approx(theirs["ao"], abs=1e-12)
        assert ours.metrics["sr50"] == pytest.approx(theirs["sr"], abs=1e-12)
        assert ours.metrics["sr75"] == pytest.approx(theirs["succ_curve"][75], abs=1e-12)
        np.testing.assert_allclose(ours.success_curve, theirs["succ_curve"], atol=1e-12)
        for name in SOURCES:
            assert ours.per_sequence.loc[name, "ao"] == pytest.approx(performance[tracker]["seq_wise"][name]["ao"])
            assert ours.per_sequence.loc[name, "repetitions"] == len(sources)
        # pooled runs are not run 1 alone, and every frame counts once in `frames` however many runs
        assert ours.metrics["ao"] != pytest.approx(single.trackers[sources[0]].metrics["ao"], abs=1e-6)
        assert ours.frames == single.trackers[sources[0]].frames and ours.repetitions == len(sources)
        # equal-length runs over the same frames: the pooled AO is the mean of the runs' AOs
        assert ours.metrics["ao"] == pytest.approx(np.mean([single.trackers[s].metrics["ao"] for s in sources]))
    record = {r["tracker"]: r for r in report.records()}["Pooled"]
    assert record["repetitions"] == 3 and (round(record["ao"], 3), round(record["sr50"], 3)) == (
        round(performance["Pooled"]["overall"]["ao"], 3), round(performance["Pooled"]["overall"]["sr"], 3))


def test_a_gap_or_a_bad_run_file_is_an_error_naming_it(refdata, got, tmp_path):
    from crpnbench.scoring import score_folder

    root, _ = got
    results = write_runs(refdata, tmp_path / "GOT-10k", runs={"Pooled": RUNS["Pooled"]})
    seq = results / "Pooled" / "GOT-10k_Val_000002"
    third = seq / "GOT-10k_Val_000002_003.txt"
    lines = third.read_text().splitlines()
    third.write_text("\n".join(lines[:9] + ["1,2,x,4"] + lines[10:]) + "\n")
    with pytest.raises(DataError, match=r"GOT-10k_Val_000002_003\.txt:10"):
        score_folder("got10k-val", results, data_root=root)
    third.write_text("\n".join(lines[:-1]) + "\n")  # one box short
    with pytest.raises(DataError, match=r"GOT-10k_Val_000002_003\.txt"):
        score_folder("got10k-val", results, data_root=root)
    third.write_text("\n".join(lines) + "\n")
    (seq / "GOT-10k_Val_000002_002.txt").unlink()  # runs 1 and 3: a gap
    with pytest.raises(DataError, match=r"GOT-10k_Val_000002_002\.txt: repetition 2 of 'GOT-10k_Val_000002' is "
                                        r"missing \(found repetitions 001, 003\)"):
        score_folder("got10k-val", results, data_root=root)
    (seq / "GOT-10k_Val_000002_001.txt").unlink()  # only run 3: run 1 is missing, not the sequence
    with pytest.raises(DataError, match=r"GOT-10k_Val_000002_001\.txt: repetition 1 of 'GOT-10k_Val_000002'"):
        score_folder("got10k-val", results, data_root=root)


# ---------------------------------------------------------------------------------------- labels

def test_score_and_plot_label_the_columns_ao_sr50_sr75(got_runs, tmp_path):
    """`crpnbench score` (printed table, summary.csv) and `crpnbench plot` (summary tables, HTML report) name
    GOT-10k's columns AO, SR0.5, SR0.75, never success/AUC/OP50; the JSON records keep the keys ao, sr50, sr75."""
    import csv

    from crpnbench.cli import cli
    from crpnbench.reports.tables import read_table

    root, results = got_runs
    out = tmp_path / "out"
    scored = CliRunner().invoke(cli, ["score", "--dataset", "got10k-val", "--data-root", str(root), "--results",
                                      str(results), "--out", str(out), "--quiet"])
    assert scored.exit_code == 0, scored.output
    header = next(line for line in scored.output.splitlines() if "AO" in line and "sorted" not in line)
    assert header.split() == ["sequences", "frames", "AO", "SR0.5", "SR0.75", "repetitions"]
    assert "sorted by AO" in scored.output and "success" not in scored.output.lower()
    with open(out / "scores" / "got10k-val" / "summary.csv", newline="") as handle:
        summary = list(csv.DictReader(handle))
    assert list(summary[0])[-4:] == ["AO", "SR0.5", "SR0.75", "repetitions"]
    assert not {"success", "precision", "ao"} & set(summary[0])

    plotted = CliRunner().invoke(cli, ["plot", "--dataset", "got10k-val", "--data-root", str(root), "--results",
                                       str(results), "--out", str(out), "--quiet"])
    assert plotted.exit_code == 0, plotted.output
    by_tracker = {r["tracker"]: r for r in summary}
    for suffix in ("csv", "md", "tex"):
        rows = read_table(out / "tables" / f"got10k-val_summary.{suffix}")
        assert list(rows[0]) == ["Tracker", "AO", "SR0.5", "SR0.75", "Repetitions"]
        assert rows[0]["AO"] >= rows[1]["AO"]  # best first
        for row in rows:
            assert row["AO"] == pytest.approx(float(by_tracker[row["Tracker"]]["AO"]), abs=5e-4)
            assert row["SR0.75"] == pytest.approx(float(by_tracker[row["Tracker"]]["SR0.75"]), abs=5e-4)
    page = (out / "plots" / "got10k-val" / "report.html").read_text()
    headers = [h.split(">")[-1] for h in page.split("</th>")[:-1]]
    assert {"AO", "SR0.5", "SR0.75", "Pooled AO"} <= set(headers)
    assert not [h for h in headers if "success" in h.lower() or "AUC" in h or h.startswith("OP")]
