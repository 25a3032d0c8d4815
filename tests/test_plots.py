"""Plots from plain arrays: legend order and values, styles with many trackers, files on disk.

The tests over real published results (OTB-2015, LaSOT, VOT2018) are in test_cli_plot.py,
where the legend values are compared with the scoring library's numbers.
"""

from __future__ import annotations

import numpy as np
import pytest

from crpnbench.reports import plots

THRESHOLDS = plots.SUCCESS_THRESHOLDS


def decaying_curve(power: float) -> np.ndarray:
    return np.clip(1.0 - THRESHOLDS ** power, 0.0, 1.0)


def assert_png_and_pdf(paths):
    assert [p.suffix for p in paths] == [".png", ".pdf"]
    png, pdf = (p.read_bytes() for p in paths)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000
    assert pdf.startswith(b"%PDF") and len(pdf) > 2000


def test_success_legend_is_sorted_by_auc_with_otb_labels(tmp_path):
    curves = {"SiamFC": decaying_curve(1.0), "DaSiamRPN": decaying_curve(3.0), "CFNet": decaying_curve(1.5)}
    plot = plots.success_plot(curves, title="Success plots of OPE on OTB2015")
    expected = sorted(((float(np.mean(c)), n) for n, c in curves.items()), reverse=True)
    assert [e.tracker for e in plot.entries] == [n for _, n in expected]
    assert plot.legend_labels == [f"[{auc:.3f}] {n}" for auc, n in expected]
    # given scores win over the curve mean (the scorer's numbers go into the legend)
    plot = plots.success_plot(curves, scores={"SiamFC": 0.9, "DaSiamRPN": 0.1, "CFNet": 0.5})
    assert plot.legend_labels == ["[0.900] SiamFC", "[0.500] CFNet", "[0.100] DaSiamRPN"]
    assert_png_and_pdf(plots.save_plot(plot, tmp_path))
    assert plot.paths[0] == tmp_path / "success.png"


def test_precision_legend_shows_the_value_at_20px():
    x = plots.PRECISION_THRESHOLDS
    curves = {"A": np.clip(x / 25.0, 0, 1), "B": np.clip(x / 40.0, 0, 1)}
    plot = plots.precision_plot(curves)
    assert plot.legend_labels == ["[0.800] A", "[0.500] B"]
    assert plot.axes.get_xlim() == (0.0, 50.0)
    norm = plots.norm_precision_plot({"A": np.clip(plots.NORM_PRECISION_THRESHOLDS * 3, 0, 1)})
    assert norm.legend_labels == ["[0.600] A"]


def test_thirty_four_trackers_get_distinct_styles_and_an_unclipped_outside_legend(tmp_path):
    curves = {f"Tracker{i:02d}": decaying_curve(1.0 + 0.1 * i) for i in range(34)}
    plot = plots.success_plot(curves)
    lines = plot.axes.get_lines()
    styles = {(line.get_color(), line.get_linestyle()) for line in lines}
    assert len(lines) == 34 and len(styles) == 34
    legend = plot.axes.get_legend()
    assert len(legend.get_texts()) == 34 and legend._ncols >= 2
    plots.save_plot(plot, tmp_path)
    renderer = plot.figure.canvas.get_renderer()
    legend_box = legend.get_window_extent(renderer)
    axes_box = plot.axes.get_window_extent(renderer)
    figure_box = plot.figure.get_tightbbox(renderer)
    assert legend_box.x0 >= axes_box.x1  # outside, to the right
    # everything the tight box holds is saved: the legend lies inside it
    dpi = plot.figure.dpi
    assert legend_box.x1 / dpi <= figure_box.x1 + 1e-6 and legend_box.y0 / dpi >= figure_box.y0 - 1e-6


def test_attribute_plots_title_with_sequence_count():
    per_attribute = {
        "OCC": (49, {"A": decaying_curve(2.0), "B": decaying_curve(1.0)}),
        "POC": (187, {"A": decaying_curve(1.2)}),
    }
    made = plots.attribute_success_plots(per_attribute)
    assert [p.axes.get_title() for p in made] == [
        "Success plots of OPE - Occlusion (49)", "Success plots of OPE - Partial Occlusion (187)"]
    assert [p.stem for p in made] == ["success_attr_OCC", "success_attr_POC"]
    assert made[0].legend_labels[0].endswith("] A")


def test_eao_curve_default_score_is_the_mean_over_the_inclusive_interval():
    curve = np.linspace(0.8, 0.1, 400)
    plot = plots.eao_curve_plot({"T": curve}, interval=(100, 356))
    assert plot.entries[0].score == pytest.approx(curve[99:356].mean())
    spans = [p for p in plot.axes.patches]
    assert len(spans) == 1
    x0, x1 = spans[0].get_x(), spans[0].get_x() + spans[0].get_width()
    assert (x0, x1) == (100, 356)


def test_eao_rank_plot_orders_trackers_best_first_on_x():
    eao = {"SiamRPN": 0.344, "C-RPN": 0.363, "CCOT": 0.331}
    plot = plots.eao_rank_plot(eao, highlight=["C-RPN"])
    points = [(line.get_xdata()[0], line.get_ydata()[0]) for line in plot.axes.get_lines()]
    assert points == [(1, 0.363), (2, 0.344), (3, 0.331)]
    assert plot.legend_labels == ["[0.363] C-RPN", "[0.344] SiamRPN", "[0.331] CCOT"]


def test_fps_bar_chart_skips_unknown_speed(tmp_path):
    plot = plots.fps_bar_chart({"KCF": 250.0, "C-RPN": 36.0, "published": float("nan")})
    assert [e.tracker for e in plot.entries] == ["KCF", "C-RPN"]
    assert [t.get_text() for t in plot.axes.get_yticklabels()] == ["KCF", "C-RPN"]
    assert_png_and_pdf(plots.save_plot(plot, tmp_path))


def test_curve_of_wrong_length_is_refused():
    with pytest.raises(ValueError, match="'A' has 20 points, expected 21"):
        plots.success_plot({"A": np.ones(20)})


def test_inside_legend_moves_off_the_curves():
    good = plots.success_plot({"A": decaying_curve(3.0), "B": decaying_curve(2.0)})
    assert good.axes.get_legend()._loc == 3  # OTB's lower left, empty under good curves
    poor = plots.success_plot({"A": 0.15 * (1 - THRESHOLDS), "B": 0.1 * (1 - THRESHOLDS)})
    legend = poor.axes.get_legend()
    assert legend._loc != 3
    assert not plots._legend_covers_data(poor.axes, legend)
