"""`crpnbench plot` on real published raw results (refdata): the legends and tables carry exactly
the scoring library's numbers (= what `crpnbench score` prints), and match the published figures."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from crpnbench.cli import cli
from crpnbench.data import open_benchmark
from crpnbench.errors import DataError
from crpnbench.reports.report import write_report
from crpnbench.reports.tables import read_table
from crpnbench.scoring import score_results


def assert_png_and_pdf(paths):
    for path in paths:
        data = path.read_bytes()
        assert len(data) > 2000, path
        assert data.startswith(b"\x89PNG" if path.suffix == ".png" else b"%PDF"), path


def legend_scores(plot) -> dict[str, float]:
    """Tracker -> number, parsed back from the legend texts matplotlib drew ("[0.658] DaSiamRPN")."""
    out = {}
    for text in plot.legend_labels:
        value, name = text[1:].split("] ", 1)
        out[name] = float(value)
    return out


@pytest.fixture(scope="module")
def otb(refdata, tmp_path_factory):
    benchmark = open_benchmark("otb2015", annotations=refdata / "otb" / "json" / "OTB100.json")
    report = score_results(benchmark, refdata / "otb" / "results")
    out = tmp_path_factory.mktemp("otb")
    return benchmark, report, write_report(report, "otb2015", out, benchmark=benchmark), out


def test_otb2015_legends_equal_the_scores_and_the_published_numbers(otb):
    _, report, files, out = otb
    records = {r["tracker"]: r for r in report.records()}
    assert set(records) == {"DaSiamRPN", "SiamRPN", "SiamFC", "CFNet", "SiamRPN++", "Ocean"}
    for stem, key in [("success", "success"), ("precision", "precision"), ("norm_precision", "norm_precision")]:
        plot = files.plot(stem)
        shown = legend_scores(plot)
        assert shown == {n: round(r[key], 3) for n, r in records.items()}, stem
        values = [shown[n] for n in [e.tracker for e in plot.entries]]
        assert values == sorted(values, reverse=True)  # legend sorted best first
        assert_png_and_pdf(plot.paths)
        assert plot.paths[0] == out / "plots" / "otb2015" / f"{stem}.png"
    # published by pysot-toolkit for these DaSiamRPN raw results: AUC 0.658, precision 0.880
    assert "[0.658] DaSiamRPN" in files.plot("success").legend_labels
    assert "[0.880] DaSiamRPN" in files.plot("precision").legend_labels
    # the drawn curves are the scored ones: AUC = mean of the plotted success curve
    for line in files.plot("success").axes.get_lines():
        name = line.get_label().split("] ", 1)[1]
        assert np.mean(line.get_ydata()) == pytest.approx(report.trackers[name].metrics["success"], abs=1e-9)


def test_otb2015_attribute_plots_have_the_sequence_counts_of_the_annotations(otb, refdata):
    _, report, files, _ = otb
    annotations = json.loads((refdata / "otb" / "json" / "OTB100.json").read_text())
    abbreviation = {"Illumination Variation": "IV", "Scale Variation": "SV", "Occlusion": "OCC",
                    "Deformation": "DEF", "Motion Blur": "MB", "Fast Motion": "FM", "In-Plane Rotation": "IPR",
                    "Out-of-Plane Rotation": "OPR", "Out-of-View": "OV", "Background Clutters": "BC",
                    "Low Resolution": "LR"}
    counts = {}
    for video in annotations.values():
        for attribute in video["attr"]:
            counts[abbreviation[attribute]] = counts.get(abbreviation[attribute], 0) + 1
    attribute_plots = [p for p in files.plots if p.stem.startswith("success_attr_")]
    assert sorted(p.stem[len("success_attr_"):] for p in attribute_plots) == sorted(counts)
    assert len(counts) == 11
    occlusion = files.plot("success_attr_OCC")
    assert counts["OCC"] == 49 and counts["LR"] == 9
    assert occlusion.axes.get_title() == "Success plots of OPE on OTB-2015 - Occlusion (49)"
    for plot in attribute_plots:
        attribute = plot.stem[len("success_attr_"):]
        assert f"({counts[attribute]})" in plot.axes.get_title()
        expected = {n: round(float(t.per_attribute.loc[attribute, "success"]), 3) for n, t in report.trackers.items()}
        assert legend_scores(plot) == expected, attribute
        for line in plot.axes.get_lines():  # curve drawn = mean of the member sequences' curves
            name = line.get_label().split("] ", 1)[1]
            scored = report.trackers[name].per_attribute.loc[attribute, "success"]
            assert np.mean(line.get_ydata()) == pytest.approx(scored)
    assert_png_and_pdf(files.plot("success_attr_OV").paths)


def test_otb2015_tables_parse_back_to_the_scores(otb):
    _, report, files, out = otb
    records = {r["tracker"]: r for r in report.records()}
    for suffix in ("csv", "md", "tex"):
        rows = read_table(out / "tables" / f"otb2015_summary.{suffix}")
        assert [r["Tracker"] for r in rows] == [r["tracker"] for r in report.records()]
        for row in rows:
            record = records[row["Tracker"]]
            assert row["Success (AUC)"] == round(record["success"], 3)
            assert row["Precision"] == round(record["precision"], 3)
            assert row["Norm. precision"] == round(record["norm_precision"], 3)


def test_cli_plot_lasot_crpn_raw_results(refdata, tmp_path):
    result = CliRunner().invoke(cli, [
        "plot", "--dataset", "lasot", "--data-root", str(refdata / "lasot"),
        "--results", str(refdata / "lasot" / "results"), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    printed = [line for line in result.output.splitlines() if line.strip()]
    from pathlib import Path

    paths = [Path(p) for p in printed]
    assert all(p.is_file() for p in paths)
    plot_dir = tmp_path / "plots" / "lasot"
    assert {p.name for p in paths if p.parent == plot_dir} >= {"success.png", "precision.pdf", "norm_precision.png"}
    assert len([p for p in paths if p.name.startswith("success_attr_") and p.suffix == ".png"]) == 14
    assert_png_and_pdf([p for p in paths if p.suffix in (".png", ".pdf")][:6])
    rows = read_table(tmp_path / "tables" / "lasot_summary.md")
    # published: C-RPN on LaSOT (protocol II) SUC 0.455; LaSOT toolkit precision 0.443 on these files
    assert rows[0]["Tracker"] == "C-RPN"
    assert rows[0]["Success (AUC)"] == 0.455 and rows[0]["Precision"] == 0.443


def test_vot2018_eao_curve_and_rank_plot(refdata, tmp_path):
    benchmark = open_benchmark("vot2018", annotations=refdata / "vot2018" / "VOT2018.json")
    report = score_results(benchmark, refdata / "vot2018" / "results", trackers=["DaSiamRPN", "Ocean"])
    files = write_report(report, "vot2018", tmp_path, benchmark=benchmark)
    eao = {r["tracker"]: round(r["eao"], 3) for r in report.records()}
    curve_plot, rank_plot = files.plot("eao_curve"), files.plot("eao_rank")
    assert legend_scores(curve_plot) == eao and legend_scores(rank_plot) == eao
    assert [e.tracker for e in rank_plot.entries] == sorted(eao, key=lambda n: -eao[n])
    (span,) = curve_plot.axes.patches
    assert (span.get_x(), span.get_x() + span.get_width()) == (100, 356)  # VOT2017/18 interval
    for line in curve_plot.axes.get_lines():
        name = line.get_label().split("] ", 1)[1]
        assert np.array_equal(line.get_ydata(), report.trackers[name].eao_curve)
    assert_png_and_pdf(curve_plot.paths + rank_plot.paths)
    rows = {r["Tracker"]: r for r in read_table(tmp_path / "tables" / "vot2018_summary.tex")}
    # failures in the raw files (refdata PROVENANCE): DaSiamRPN 59, Ocean 47
    assert rows["DaSiamRPN"]["Failures"] == 59 and rows["Ocean"]["Failures"] == 47
    assert rows["DaSiamRPN"]["EAO"] == eao["DaSiamRPN"]


def test_missing_results_folder_is_one_clear_error(tmp_path):
    result = CliRunner().invoke(cli, ["plot", "--dataset", "synthetic", "--out", str(tmp_path)])
    assert isinstance(result.exception, DataError)
    assert str(result.exception).startswith(str(tmp_path / "raw" / "synthetic"))


def test_speeds_from_eval_runs_give_an_fps_chart_and_column(otb, tmp_path):
    from crpnbench.reports.report import read_speeds

    _, report, _, _ = otb
    raw = tmp_path / "raw"
    (raw / "DaSiamRPN").mkdir(parents=True)
    (raw / "DaSiamRPN" / "speed.json").write_text(json.dumps({"tracker_fps": 160.04, "loop_fps": 150.0}))
    (raw / "SiamFC" / "baseline").mkdir(parents=True)
    (raw / "SiamFC" / "baseline" / "speed.json").write_text(json.dumps({"tracker_fps": 86.0}))
    speeds = read_speeds(raw)
    assert speeds == {"DaSiamRPN": 160.04, "SiamFC": 86.0}
    files = write_report(report, "otb2015", tmp_path / "out", fps=speeds)
    chart = files.plot("fps")
    assert [(e.tracker, e.score) for e in chart.entries] == [("DaSiamRPN", 160.04), ("SiamFC", 86.0)]
    assert_png_and_pdf(chart.paths)
    rows = {r["Tracker"]: r for r in read_table(tmp_path / "out" / "tables" / "otb2015_summary.csv")}
    assert rows["DaSiamRPN"]["FPS"] == 160.0 and rows["SiamFC"]["FPS"] == 86.0 and rows["Ocean"]["FPS"] is None
    assert not any(p.stem.startswith("success_attr_") for p in files.plots)  # no benchmark given


def test_plot_of_part_of_a_benchmark_says_how_many_sequences(refdata, tmp_path):
    """`plot --sequences` (or results of a few sequences with --skip-missing): the titles say "3 of 100
    sequences", not the benchmark's name alone; the whole benchmark keeps its plain title (test above)."""
    from crpnbench.reports.report import plot_results

    args = dict(annotations=refdata / "otb" / "json" / "OTB100.json", results=refdata / "otb" / "results",
                out=tmp_path, html=False)
    files = plot_results("otb2015", sequences=["Couple", "Crossing", "Football1"], **args)
    title = files.plot("success").axes.get_title()
    assert title == "Success plots of OPE on OTB-2015\n(3 of 100 sequences)"
