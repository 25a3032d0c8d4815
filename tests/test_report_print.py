"""Print-ready figures: PDFs embed TrueType (Type 42) fonts, never Type 3; lines differ in greyscale
(dash pattern and marker, not only colour); the single/double column presets size figures, fonts and
legends for print."""

from __future__ import annotations

import re
import subprocess
import sys

import matplotlib
import numpy as np
import pytest
from click.testing import CliRunner

from crpnbench.cli import cli
from crpnbench.reports import plots

THRESHOLDS = plots.SUCCESS_THRESHOLDS


def curves(n: int) -> dict[str, np.ndarray]:
    return {f"Tracker{i:02d}": np.clip(1.0 - THRESHOLDS ** (1.0 + 0.2 * i), 0, 1) for i in range(n)}


def pdf_fonts(data: bytes) -> set[bytes]:
    """The /Subtype of every font dictionary of a PDF (matplotlib writes them uncompressed)."""
    return set(re.findall(rb"/Type\s*/Font\b[^>]*?/Subtype\s*/(\w+)", data)) | \
        set(re.findall(rb"/Subtype\s*/(\w+)[^>]*?/Type\s*/Font\b", data))


def test_pdf_embeds_truetype_fonts_and_no_type3(tmp_path):
    before = matplotlib.rcParams["pdf.fonttype"]
    plot = plots.success_plot(curves(6), title="Success plots of OPE on OTB-2015")
    pdf = plots.save_plot(plot, tmp_path)[1].read_bytes()
    fonts = pdf_fonts(pdf)
    assert b"Type3" not in fonts and b"/Type3" not in pdf
    assert fonts & {b"TrueType", b"Type0", b"CIDFontType2"}, fonts
    assert b"/FontFile2" in pdf  # the TrueType program is embedded
    assert matplotlib.rcParams["pdf.fonttype"] == before  # set while saving only, not globally


def test_importing_the_plots_sets_no_global_matplotlib_state():
    code = ("import matplotlib; d = matplotlib.rcParams['pdf.fonttype']; import crpnbench.reports.plots, "
            "crpnbench.reports.report; print(matplotlib.rcParams['pdf.fonttype'] == d)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "True"


def test_neighbouring_lines_differ_without_colour():
    plot = plots.success_plot(curves(12))
    lines = plot.axes.get_lines()
    # a greyscale print keeps dash pattern and marker: the first 12 lines differ in the marker and
    # no two neighbours in the ranking share a dash pattern
    assert len({(line.get_linestyle(), line.get_marker()) for line in lines}) == 12
    assert all(a.get_linestyle() != b.get_linestyle() for a, b in zip(lines, lines[1:]))
    # colour + dash stay distinct for 40 trackers (the 30-plus published results case)
    assert len({tuple(sorted(plots.line_style(i).items())) for i in range(40)}) == 40
    # the legend shows the same handles (marker and dash) as the lines
    handles = plot.axes.get_legend().legend_handles
    assert [h.get_marker() for h in handles] == [line.get_marker() for line in lines]


@pytest.mark.parametrize("style, width", [("single", 3.4), ("double", 6.9)])
def test_column_presets_size_the_figure_and_the_legend(style, width, tmp_path):
    with plots.figure_style(style):
        plot = plots.success_plot(curves(5))
        many = plots.success_plot(curves(14), stem="many")
        paths = plots.save_plot(many, tmp_path)
    assert tuple(plot.figure.get_size_inches()) == pytest.approx((width, plots.FIGURE_STYLES[style].height))
    legend = plot.axes.get_legend()
    assert legend.get_texts()[0].get_fontsize() == plots.FIGURE_STYLES[style].legend_size >= 6.5  # readable
    assert plot.axes.title.get_fontsize() == plots.FIGURE_STYLES[style].title_size
    renderer = many.figure.canvas.get_renderer()
    box, axes_box = many.axes.get_legend().get_window_extent(renderer), many.axes.get_window_extent(renderer)
    if style == "single":  # 14 trackers: two columns under the axes, not squeezing them
        assert box.y1 <= axes_box.y0 and many.axes.get_legend()._ncols == 2
    else:
        assert box.x0 >= axes_box.x1
    from PIL import Image

    assert Image.open(paths[0]).info["dpi"][0] == pytest.approx(300, abs=1)
    assert plots.current_style().name == "screen"  # the preset ends with the block


def test_unknown_style_is_refused():
    with pytest.raises(ValueError, match="unknown figure style 'poster'"):
        with plots.figure_style("poster"):
            pass


def test_cli_plot_style_single_writes_narrow_type42_pdfs(refdata, tmp_path):
    result = CliRunner().invoke(cli, [
        "plot", "--dataset", "otb2015", "--annotations", str(refdata / "otb" / "json" / "OTB100.json"),
        "--results", str(refdata / "otb" / "results"), "--sequences", "Basketball,Biker,Couple,Crossing",
        "--tracker", "DaSiamRPN", "--tracker", "SiamFC", "--style", "single", "--out", str(tmp_path), "--quiet"])
    assert result.exit_code == 0, result.output
    pdfs = sorted((tmp_path / "plots" / "otb2015").glob("*.pdf"))
    assert len(pdfs) >= 3
    for pdf in pdfs:
        data = pdf.read_bytes()
        assert b"/Type3" not in data and b"/FontFile2" in data, pdf.name
        (x0, y0, x1, y1) = map(float, re.search(rb"/MediaBox\s*\[\s*([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+)", data).groups())
        assert x1 - x0 <= 3.8 * 72, (pdf.name, x1 - x0)  # one column wide (tight box; screen: 6.4 in)
    result = CliRunner().invoke(cli, ["plot", "--dataset", "otb2015", "--style", "poster"])
    assert result.exit_code == 2 and "poster" in result.output
