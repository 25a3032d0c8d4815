"""Per-attribute precision plots beside the success plots, OP50/OP75 columns, the VOT AR plot and the
per-tag A/R/EAO tables, on real published raw results (refdata)."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

from crpnbench.data import open_benchmark
from crpnbench.data.views import BenchmarkSubset
from crpnbench.metrics.conventions import resolve_convention
from crpnbench.metrics.vot import eao_score, summarize_vot, tag_eao_curve
from crpnbench.reports.plots import ar_reliability
from crpnbench.reports.report import write_report
from crpnbench.reports.tables import read_table
from crpnbench.scoring import score_results

OTB_SUBSET = ["Basketball", "Biker", "Bird1", "BlurBody", "Bolt", "Box", "Car4", "Couple", "Crossing", "David",
              "Diving", "Football1", "Freeman4", "Girl2", "Human3", "Jogging-1", "Liquor", "Skating2-1", "Soccer"]


@pytest.fixture(scope="module")
def otb(refdata, tmp_path_factory):
    full = open_benchmark("otb2015", annotations=refdata / "otb" / "json" / "OTB100.json")
    benchmark = BenchmarkSubset(full, OTB_SUBSET)
    report = score_results(benchmark, refdata / "otb" / "results", trackers=["DaSiamRPN", "SiamFC", "Ocean"])
    out = tmp_path_factory.mktemp("otb")
    return benchmark, report, write_report(report, "otb2015", out, benchmark=benchmark, html=False), out


@pytest.fixture(scope="module")
def vot(refdata, tmp_path_factory):
    benchmark = open_benchmark("vot2018", annotations=refdata / "vot2018" / "VOT2018.json")
    report = score_results(benchmark, refdata / "vot2018" / "results", trackers=["DaSiamRPN", "SiamBAN_HonglinChu"])
    out = tmp_path_factory.mktemp("vot")
    return benchmark, report, write_report(report, "vot2018", out, benchmark=benchmark, html=False), out


def legend_scores(plot) -> dict[str, float]:
    return {text[1:].split("] ", 1)[1]: float(text[1:].split("] ", 1)[0]) for text in plot.legend_labels}


def test_op50_op75_are_the_success_rates_at_iou_half_and_three_quarters(otb):
    _, report, files, out = otb
    rows = {r["Tracker"]: r for r in read_table(out / "tables" / "otb2015_summary.md")}
    for name, score in report.trackers.items():
        # independent of the curve: per sequence, the fraction of frames with IoU > t, averaged
        per_sequence = {t: np.mean([np.sum(np.nan_to_num(o, nan=-1) > t) / len(o)
                                    for o in score.sequence_overlaps.values()]) for t in (0.5, 0.75)}
        assert rows[name]["OP50"] == round(per_sequence[0.5], 3)
        assert rows[name]["OP75"] == round(per_sequence[0.75], 3)
        assert rows[name]["OP50"] == round(float(score.success_curve[10]), 3)
    assert "OP50" in (out / "tables" / "otb2015_summary.tex").read_text()


def test_attribute_precision_plots_sit_beside_the_success_plots(otb):
    benchmark, report, files, out = otb
    success = sorted(p.stem[len("success_attr_"):] for p in files.plots if p.stem.startswith("success_attr_"))
    precision = sorted(p.stem[len("precision_attr_"):] for p in files.plots if p.stem.startswith("precision_attr_"))
    assert success == precision and len(success) == 11
    counts = {a: sum(a in seq.attributes for seq in benchmark) for a in success}
    for attribute in success:
        plot = files.plot(f"precision_attr_{attribute}")
        assert plot.axes.get_title().endswith(f"({counts[attribute]})")
        assert plot.axes.get_xlabel() == "Location error threshold (pixels)"
        expected = {n: round(float(t.per_attribute.loc[attribute, "precision"]), 3) for n, t in report.trackers.items()}
        assert legend_scores(plot) == expected
        for line in plot.axes.get_lines():
            if line.get_label().startswith("["):
                assert line.get_ydata()[20] == pytest.approx(legend_scores(plot)[line.get_label().split("] ")[1]],
                                                             abs=5e-4)
        assert (out / "plots" / "otb2015" / f"precision_attr_{attribute}.pdf").is_file()
    table = read_table(out / "tables" / "otb2015_attributes_precision.csv")
    occ = [k for k in table[0] if k.startswith("OCC (")][0]
    assert {r["Tracker"]: r[occ] for r in table} == {
        n: round(float(t.per_attribute.loc["OCC", "precision"]), 3) for n, t in report.trackers.items()}


def test_ar_plot_draws_accuracy_against_vot_reliability(vot):
    _, report, files, _ = vot
    plot = files.plot("ar_plot")
    points = {}
    for line in plot.axes.get_lines():
        if line.get_label().startswith("_"):
            continue
        points[line.get_label().split(" (")[0]] = (line.get_xdata()[0], line.get_ydata()[0])
    assert set(points) == set(report.trackers)
    for name, score in report.trackers.items():
        x, y = points[name]
        assert y == pytest.approx(score.metrics["accuracy"])
        assert x == pytest.approx(math.exp(-30 * score.metrics["failures"] / score.frames))
    # DaSiamRPN: 59 failures in 21,356 frames (refdata PROVENANCE)
    assert points["DaSiamRPN"][0] == pytest.approx(ar_reliability(59, 21356))
    assert "DaSiamRPN (A 0.586, R 0.276)" in plot.legend_labels
    assert plot.axes.get_xlim() == (0.0, 1.0) and plot.axes.get_ylim() == (0.0, 1.0)
    assert plot.axes.get_xlabel() == "Robustness (S = 30)" and plot.axes.get_ylabel() == "Accuracy"


def test_per_tag_tables_hold_accuracy_robustness_and_eao_for_every_vot_tag(vot):
    _, report, files, out = vot
    tags = ["Camera motion", "Illum. change", "Occlusion", "Size change", "Motion change", "Empty", "All"]
    for key in ("accuracy", "robustness", "eao"):
        rows = read_table(out / "tables" / f"vot2018_tags_{key}.md")
        assert list(rows[0])[1:] == tags
        for row in rows:
            score = report.trackers[row["Tracker"]]
            assert row["All"] == round(score.metrics[key], 3)
            assert row["Occlusion"] == round(float(score.per_attribute.loc["occlusion", key]), 3)
    dasiam = report.trackers["DaSiamRPN"].per_attribute
    assert dasiam.loc["occlusion", "robustness"] == pytest.approx(
        dasiam.loc["occlusion", "failures"] / dasiam.loc["occlusion", "frames"] * 100)
    # every frame carries a tag or is "empty": the tagged and empty frames cover the sequence
    assert dasiam.loc["empty", "frames"] < 21356 and dasiam.loc["camera_motion", "frames"] > 0


def test_tag_eao_with_every_frame_tagged_is_the_eao(vot, refdata):
    from crpnbench.metrics.vot import score_vot_sequence
    from crpnbench.raw.read import read_vot_result

    benchmark = vot[0]
    convention = resolve_convention("official", "vot2018")
    scores, codes = {}, {}
    for seq in BenchmarkSubset(benchmark, ["bag", "ball1", "book", "crossing", "fernando"]):
        path = refdata / "vot2018" / "results" / "DaSiamRPN" / "baseline" / seq.name / f"{seq.name}_001.txt"
        result = read_vot_result(path, len(seq))
        scores[seq.name] = score_vot_sequence(result.codes, result.values, seq.polygons, seq.image_size, convention)
        codes[seq.name] = result.codes
    summary = summarize_vot(scores, codes, (100, 356), convention)
    max_len = max(s.n_frames for s in scores.values())
    overlaps = {n: s.overlaps for n, s in scores.items()}
    every = tag_eao_curve(overlaps, codes, {n: np.ones(s.n_frames, bool) for n, s in scores.items()}, max_len,
                          convention)
    np.testing.assert_allclose(every, summary["eao_curve"])
    assert eao_score(every, (100, 356)) == pytest.approx(summary["eao"])
    none = tag_eao_curve(overlaps, codes, {n: np.zeros(s.n_frames, bool) for n, s in scores.items()}, max_len,
                         convention)
    assert np.all(none[1:] == 0)


def test_plot_progress_bar_stays_out_of_logs(refdata, tmp_path):
    """stderr is a pipe here (a log file): no progress bar, so no carriage-return redraws."""
    done = subprocess.run([sys.executable, "-m", "crpnbench", "plot", "--dataset", "otb2015",
                           "--annotations", str(refdata / "otb" / "json" / "OTB100.json"),
                           "--results", str(refdata / "otb" / "results"), "--tracker", "SiamFC",
                           "--sequences", "Couple,Crossing", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "\r" not in done.stderr and "plotting" not in done.stderr and "scoring" not in done.stderr


def test_train_and_eval_progress_bars_stay_out_of_logs(tmp_path):
    """`train` and `eval` with stderr to a pipe (the quick start's output sent to a log file): no bar redraws."""
    data = tmp_path / "synthetic"
    train = subprocess.run([sys.executable, "-m", "crpnbench", "train", "--data-root", str(data), "--epochs", "1",
                            "--pairs-per-epoch", "16", "--batch-size", "8",
                            "--run-dir", str(tmp_path / "run")],
                           capture_output=True, text=True, timeout=300)
    assert train.returncode == 0, train.stderr
    evaluate = subprocess.run([sys.executable, "-m", "crpnbench", "eval", "--data-root", str(data), "--tracker",
                               "kcf", "--sequences", "Noise001,Stripes002", "--max-frames", "10",
                               "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=300)
    assert evaluate.returncode == 0, evaluate.stderr
    for done in (train, evaluate):
        assert "\r" not in done.stderr and "\r" not in done.stdout
    assert "kcf: 2 evaluated" in evaluate.stdout
