"""The paper's figures from plain arrays: success, precision, normalized precision,
per-attribute success, VOT EAO curve, EAO rank plot and an fps bar chart.

Every function takes plain NumPy arrays keyed by tracker name, draws one figure with
matplotlib's object API (``matplotlib.figure.Figure`` rendered by Agg, no pyplot state,
no LaTeX) and returns a :class:`Plot` holding the figure, its main axes and the legend
entries it drew, so a caller (or a test) can read back exactly which score went into
which label. :func:`save_plot` writes a figure as PNG and PDF.

Legends are sorted by score, best first, and labelled ``"[0.658] DaSiamRPN"`` as in the
OTB toolkit. With many trackers (30 and more published results side by side) line styles
cycle through 10 colours x 4 dash patterns, and the legend moves outside the axes to the
right, in several columns when needed; figures are saved with a tight bounding box so the
legend is never clipped.

Print: every line also has its own dash pattern and marker among its neighbours in the ranking,
so curves stay apart in a greyscale print; PDFs embed TrueType (Type 42) fonts, never Type 3
(``pdf.fonttype = 42`` while :func:`save_plot` writes, nothing set globally); and
:func:`figure_style` switches the size preset — ``"screen"`` (default), ``"single"`` (one
column of a two-column paper, 3.4 in wide) or ``"double"`` (full text width, 6.9 in) — with
font and legend sizes meant to be read at that printed size.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from crpnbench.data.lasot import LASOT_ATTRIBUTES as _LASOT_ATTRIBUTE_PAIRS
from crpnbench.data.otb import OTB_ATTRIBUTE_NAMES

#: attribute titles come from the loaders' tables: OTB's 11 (attr_desc.txt) and LaSOT's 14 (flag order)
OTB_ATTRIBUTES: dict[str, str] = dict(OTB_ATTRIBUTE_NAMES)
LASOT_ATTRIBUTES: dict[str, str] = dict(_LASOT_ATTRIBUTE_PAIRS)

#: 10 well-separated colours (matplotlib's tab10) cycled with 4 dash patterns -> 40 distinct styles
LINE_COLOURS: tuple[str, ...] = (
    "#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd",
    "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
)
LINE_STYLES: tuple[str, ...] = ("-", "--", "-.", ":")
MARKERS: tuple[str, ...] = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">", "h", "p")

#: trackers per legend column before the legend is split into another column
LEGEND_ROWS_PER_COLUMN = 22
#: with more entries than this the legend moves outside the axes
LEGEND_INSIDE_MAX = 10



@dataclass(frozen=True)
class FigureStyle:
    """A size preset: figure ``width`` x ``height`` in inches (``wide_width`` when the legend goes
    outside), font sizes in points, line width, marker size, PNG resolution, and where a legend
    with more than ``legend_inside_max`` entries goes (``"right"`` of the axes or ``"below"``)."""

    name: str
    width: float
    height: float
    wide_width: float
    font_size: float
    title_size: float
    legend_size: float
    line_width: float
    marker_size: float
    dpi: int
    legend_inside_max: int
    legend_outside: str = "right"


#: ``screen``: the on-screen figures (unchanged sizes); ``single``/``double``: a CVPR/IEEE column
#: (3.25-3.5 in) and the full text width (6.875-7.16 in), fonts 7-8 pt at printed size
FIGURE_STYLES: dict[str, FigureStyle] = {
    "screen": FigureStyle("screen", 6.4, 4.8, 7.6, 10.0, 11.0, 8.0, 1.6, 4.5, 150, 10, "right"),
    "single": FigureStyle("single", 3.4, 2.6, 3.4, 7.5, 8.0, 6.5, 1.1, 3.0, 300, 6, "below"),
    "double": FigureStyle("double", 6.9, 3.4, 6.9, 8.5, 9.0, 7.5, 1.3, 3.5, 300, 10, "right"),
}

_STYLE: contextvars.ContextVar[FigureStyle] = contextvars.ContextVar("crpnbench_figure_style",
                                                                    default=FIGURE_STYLES["screen"])


def current_style() -> FigureStyle:
    """The size preset figures are drawn with now (``screen`` unless inside :func:`figure_style`)."""
    return _STYLE.get()


@contextlib.contextmanager
def figure_style(style: str | FigureStyle | None) -> Iterator[FigureStyle]:
    """Draw (and save) the figures made inside this block with a size preset: ``"screen"``,
    ``"single"`` or ``"double"`` (None: leave the current one)."""
    if style is None:
        yield current_style()
        return
    if not isinstance(style, FigureStyle):
        if style not in FIGURE_STYLES:
            raise ValueError(f"unknown figure style {style!r}; choose one of {', '.join(FIGURE_STYLES)}")
        style = FIGURE_STYLES[style]
    token = _STYLE.set(style)
    try:
        yield style
    finally:
        _STYLE.reset(token)


def _rc(style: FigureStyle) -> dict:
    """rcParams for the text and ticks a figure creates (read when each artist is made)."""
    return {"font.size": style.font_size, "axes.labelsize": style.font_size,
            "xtick.labelsize": style.font_size - 0.5, "ytick.labelsize": style.font_size - 0.5,
            "legend.fontsize": style.legend_size, "axes.titlesize": style.title_size,
            "legend.title_fontsize": style.legend_size}


#: OTB/pysot success thresholds 0, 0.05, ..., 1
SUCCESS_THRESHOLDS = np.linspace(0.0, 1.0, 21)
#: centre-error thresholds 0..50 px
PRECISION_THRESHOLDS = np.arange(0, 51, dtype=np.float64)
#: normalized centre-error thresholds 0..0.5
NORM_PRECISION_THRESHOLDS = np.arange(0, 51, dtype=np.float64) / 100.0


@dataclass(frozen=True)
class LegendEntry:
    """One line of a legend: the tracker, the score shown and the exact label text."""

    tracker: str
    score: float
    label: str


@dataclass
class Plot:
    """A drawn figure: ``figure`` (matplotlib Figure), its main ``axes``, the ``entries``
    in legend order (best first), a file ``stem`` and, once saved, the ``paths`` written."""

    figure: object
    axes: object
    entries: list[LegendEntry]
    stem: str
    paths: list[Path] = field(default_factory=list)

    @property
    def legend_labels(self) -> list[str]:
        """The label texts as matplotlib drew them in the legend."""
        legend = self.axes.get_legend()
        return [] if legend is None else [text.get_text() for text in legend.get_texts()]


def line_style(index: int) -> dict:
    """Colour and dash pattern of the ``index``-th line: the (colour, dash) pairs of the first 40
    are distinct, and neighbours in the ranking never share a dash pattern, so a greyscale print
    still tells them apart (with :func:`line_marker` every line of the first 12 differs by
    dash + marker alone)."""
    colour = index % len(LINE_COLOURS)
    cycle = index // len(LINE_COLOURS)
    # dash = (index + cycle) mod 4: within a colour the 4 cycles get 4 different dashes
    return {
        "color": LINE_COLOURS[colour],
        "linestyle": LINE_STYLES[(index + cycle) % len(LINE_STYLES)],
    }


def line_marker(index: int) -> str:
    """Marker of the ``index``-th line (12 shapes), drawn every few points so curves stay legible."""
    return MARKERS[index % len(MARKERS)]


def _markevery(n_points: int, index: int, count: int = 8):
    """Every ``n_points / count``-th point, shifted per line so markers of close curves do not pile up."""
    step = max(1, int(round((n_points - 1) / count)))
    return (index % step, step)


def score_label(tracker: str, score: float, decimals: int = 3) -> str:
    """OTB-toolkit legend text, e.g. ``"[0.658] DaSiamRPN"``."""
    return f"[{score:.{decimals}f}] {tracker}"


def rank_by_score(scores: Mapping[str, float], higher_is_better: bool = True) -> list[str]:
    """Tracker names best first; NaN scores last; ties broken by name for a stable order."""
    def key(name: str):
        value = float(scores[name])
        if math.isnan(value):
            return (1, 0.0, name)
        return (0, -value if higher_is_better else value, name)

    return sorted(scores, key=key)


def _new_figure(width: float | None = None, height: float | None = None, *, n_entries: int = 0):
    """A figure of the current :class:`FigureStyle`: its width (the wide one when ``n_entries``
    puts the legend to the right of the axes) unless ``width`` is given; ``height`` likewise."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    style = current_style()
    if width is None:
        outside = n_entries > style.legend_inside_max and style.legend_outside == "right"
        width = style.wide_width if outside else style.width
    if height is None:
        height = style.height  # a legend below the axes extends the saved (tight) box, not the axes
    figure = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(figure)  # Agg renderer bound to this figure only (no pyplot, no global backend)
    axes = figure.add_subplot(1, 1, 1)
    axes.tick_params(labelsize=style.font_size - 0.5)
    return figure, axes


def _label(axes, *, xlabel: str | None = None, ylabel: str | None = None, title: str | None = None) -> None:
    """Axis labels and title in the current style's font sizes."""
    style = current_style()
    if xlabel is not None:
        axes.set_xlabel(xlabel, fontsize=style.font_size)
    if ylabel is not None:
        axes.set_ylabel(ylabel, fontsize=style.font_size)
    if title is not None:
        axes.set_title(title, fontsize=style.title_size)


def _place_legend(axes, n_entries: int, inside_loc: str, title: str | None = None, *,
                  outside: bool = False) -> None:
    """Inside the axes for a few trackers; outside for many: to the right in several columns
    (screen, double column) or below the axes in two columns (single column)."""
    if n_entries == 0:
        return
    style = current_style()
    size = style.legend_size
    if n_entries <= style.legend_inside_max and not outside:
        legend = axes.legend(loc=inside_loc, fontsize=size, framealpha=0.9, title=title,
                             title_fontsize=size)
        if _legend_covers_data(axes, legend):
            axes.legend(loc="best", fontsize=size, framealpha=0.9, title=title, title_fontsize=size)
        return
    if style.legend_outside == "below":
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), borderaxespad=0.0, fontsize=size,
                    ncol=1 if n_entries <= 3 else 2, frameon=False, title=title, title_fontsize=size,
                    columnspacing=1.0,
                    handlelength=2.6)
        return
    columns = math.ceil(n_entries / LEGEND_ROWS_PER_COLUMN)
    axes.legend(
        loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0,
        fontsize=size - 1 if n_entries > 20 else size, ncol=columns, frameon=False, title=title,
        title_fontsize=size,
    )


def _legend_covers_data(axes, legend) -> bool:
    """True when a plotted point lies under the legend box (then matplotlib's "best" is used)."""
    renderer = axes.figure.canvas.get_renderer()
    box = legend.get_window_extent(renderer)
    for line in axes.get_lines():
        if str(line.get_label()).startswith("_"):  # guides such as the 20 px line
            continue
        xy = np.column_stack([line.get_xdata(), line.get_ydata()]).astype(np.float64)
        if xy.size == 0:
            continue
        if len(xy) < 200:  # densify sparse curves (21 success thresholds) along their segments
            t = np.linspace(0.0, 1.0, 8)[:, None, None]
            xy = (xy[:-1][None] * (1 - t) + xy[1:][None] * t).reshape(-1, 2) if len(xy) > 1 else xy
        points = axes.transData.transform(xy)
        inside = ((points[:, 0] >= box.x0) & (points[:, 0] <= box.x1)
                  & (points[:, 1] >= box.y0) & (points[:, 1] <= box.y1))
        if inside.any():
            return True
    return False


def _validate_curves(curves: Mapping[str, np.ndarray], n_points: int, what: str) -> dict[str, np.ndarray]:
    checked = {}
    for name, curve in curves.items():
        array = np.asarray(curve, dtype=np.float64).reshape(-1)
        if array.size != n_points:
            raise ValueError(f"{what} of {name!r} has {array.size} points, expected {n_points}")
        checked[str(name)] = array
    return checked


def curve_plot(
    curves: Mapping[str, np.ndarray],
    x: np.ndarray,
    scores: Mapping[str, float],
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    stem: str,
    legend_loc: str,
    xlim: tuple[float, float] | None = None,
    highlight: Sequence[str] = (),
    marker_x: float | None = None,
    styles: Mapping[str, int] | None = None,
) -> Plot:
    """One line per tracker over ``x``, legend ``[score] name`` sorted by score (best first).

    ``highlight`` names (e.g. our own tracker) are drawn thicker. ``marker_x`` draws a thin
    vertical guide (e.g. the 20 px precision threshold). ``styles`` maps tracker -> style index
    so a tracker keeps its colour across figures (default: rank in this figure).
    """
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    curves = _validate_curves(curves, x.size, ylabel.lower())
    missing = set(curves) - set(scores)
    if missing:
        raise ValueError(f"no score for {sorted(missing)}")
    order = rank_by_score({name: scores[name] for name in curves})
    figure, axes = _new_figure(n_entries=len(order))
    entries = []
    style = current_style()
    for index, name in enumerate(order):
        entry = LegendEntry(name, float(scores[name]), score_label(name, float(scores[name])))
        entries.append(entry)
        width = style.line_width * (1.6 if name in highlight else 1.0)
        style_index = _style_index(name, index, styles)
        axes.plot(x, curves[name], label=entry.label, linewidth=width, zorder=3 if name in highlight else 2,
                  marker=line_marker(style_index), markersize=style.marker_size,
                  markevery=_markevery(x.size, style_index), markerfacecolor="white",
                  markeredgewidth=0.8 * style.line_width, **line_style(style_index))
    if marker_x is not None:
        axes.axvline(marker_x, color="0.6", linewidth=0.8, linestyle=":", zorder=1)
    axes.set_xlim(*(xlim or (float(x[0]), float(x[-1]))))
    axes.set_ylim(0.0, 1.0)
    _label(axes, xlabel=xlabel, ylabel=ylabel, title=title)
    axes.grid(True, color="0.88", linewidth=0.6)
    _place_legend(axes, len(entries), legend_loc)
    return Plot(figure, axes, entries, stem)


def success_plot(
    curves: Mapping[str, np.ndarray],
    scores: Mapping[str, float] | None = None,
    *,
    thresholds: np.ndarray = SUCCESS_THRESHOLDS,
    title: str = "Success plots of OPE",
    stem: str = "success",
    highlight: Sequence[str] = (),
    styles: Mapping[str, int] | None = None,
) -> Plot:
    """OTB success plot: success rate vs overlap threshold 0..1, legend ``[AUC] tracker``.

    ``curves`` maps tracker -> success rate at each of ``thresholds``. ``scores`` are the
    AUCs printed in the legend; by default the mean of each curve (the OTB/pysot AUC), pass
    the scorer's own values to show exactly what ``crpnbench score`` reports.
    """
    if scores is None:
        scores = {name: float(np.mean(curve)) for name, curve in curves.items()}
    return curve_plot(curves, thresholds, scores, title=title, xlabel="Overlap threshold",
                      ylabel="Success rate", stem=stem, legend_loc="lower left", xlim=(0.0, 1.0),
                      highlight=highlight, styles=styles)


def precision_plot(
    curves: Mapping[str, np.ndarray],
    scores: Mapping[str, float] | None = None,
    *,
    thresholds: np.ndarray = PRECISION_THRESHOLDS,
    at: float = 20.0,
    title: str = "Precision plots of OPE",
    stem: str = "precision",
    highlight: Sequence[str] = (),
    styles: Mapping[str, int] | None = None,
) -> Plot:
    """Precision vs location-error threshold 0..50 px; legend ``[precision at 20 px] tracker``."""
    thresholds = np.asarray(thresholds, dtype=np.float64)
    if scores is None:
        scores = {name: _value_at(curve, thresholds, at) for name, curve in curves.items()}
    return curve_plot(curves, thresholds, scores, title=title, xlabel="Location error threshold (pixels)",
                      ylabel="Precision", stem=stem, legend_loc="lower right", highlight=highlight,
                      marker_x=at, styles=styles)


def norm_precision_plot(
    curves: Mapping[str, np.ndarray],
    scores: Mapping[str, float] | None = None,
    *,
    thresholds: np.ndarray = NORM_PRECISION_THRESHOLDS,
    at: float = 0.2,
    title: str = "Normalized precision plots of OPE",
    stem: str = "norm_precision",
    highlight: Sequence[str] = (),
    styles: Mapping[str, int] | None = None,
) -> Plot:
    """Normalized precision (LaSOT/TrackingNet) vs normalized distance 0..0.5; legend value at 0.2."""
    thresholds = np.asarray(thresholds, dtype=np.float64)
    if scores is None:
        scores = {name: _value_at(curve, thresholds, at) for name, curve in curves.items()}
    return curve_plot(curves, thresholds, scores, title=title, xlabel="Normalized location error threshold",
                      ylabel="Normalized precision", stem=stem, legend_loc="lower right",
                      highlight=highlight, marker_x=at, styles=styles)


def _value_at(curve: np.ndarray, thresholds: np.ndarray, at: float) -> float:
    index = int(np.argmin(np.abs(thresholds - at)))
    if not math.isclose(thresholds[index], at, abs_tol=1e-9):
        raise ValueError(f"threshold {at} is not one of the curve's thresholds")
    return float(np.asarray(curve, dtype=np.float64).reshape(-1)[index])


def attribute_name_table(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Attribute code -> full name: LaSOT's, OTB's over them, then ``extra`` (a benchmark's own meanings)."""
    names = dict(LASOT_ATTRIBUTES)
    names.update(OTB_ATTRIBUTES)
    names.update(extra or {})
    return names


def attribute_success_plots(
    per_attribute: Mapping[str, tuple[int, Mapping[str, np.ndarray]]],
    scores: Mapping[str, Mapping[str, float]] | None = None,
    *,
    attribute_names: Mapping[str, str] | None = None,
    thresholds: np.ndarray = SUCCESS_THRESHOLDS,
    title_prefix: str = "Success plots of OPE",
    highlight: Sequence[str] = (),
    styles: Mapping[str, int] | None = None,
) -> list[Plot]:
    """One success plot per attribute, titled ``"<prefix> - Occlusion (49)"``.

    ``per_attribute`` maps attribute -> (number of sequences with it, tracker -> success
    curve over that subset). ``scores`` optionally gives attribute -> tracker -> AUC.
    ``attribute_names`` maps abbreviations to full names (default: OTB's then LaSOT's).
    """
    names = attribute_name_table(attribute_names)
    plots = []
    for attribute, (count, curves) in per_attribute.items():
        full = names.get(attribute, attribute)
        title = f"{title_prefix} - {full} ({int(count)})"
        plots.append(success_plot(curves, None if scores is None else scores[attribute],
                                  thresholds=thresholds, title=title,
                                  stem=f"success_attr_{_safe_stem(attribute)}", highlight=highlight,
                                  styles=styles))
    return plots


def attribute_precision_plots(
    per_attribute: Mapping[str, tuple[int, Mapping[str, np.ndarray]]],
    scores: Mapping[str, Mapping[str, float]] | None = None,
    *,
    attribute_names: Mapping[str, str] | None = None,
    thresholds: np.ndarray = PRECISION_THRESHOLDS,
    title_prefix: str = "Precision plots of OPE",
    highlight: Sequence[str] = (),
    styles: Mapping[str, int] | None = None,
) -> list[Plot]:
    """One precision plot per attribute (pysot draws them beside the success plots), titled
    ``"<prefix> - Occlusion (49)"``, stems ``precision_attr_<ATTR>``; legend: precision at 20 px
    (``scores[attribute][tracker]`` when given)."""
    names = attribute_name_table(attribute_names)
    plots = []
    for attribute, (count, curves) in per_attribute.items():
        full = names.get(attribute, attribute)
        plots.append(precision_plot(curves, None if scores is None else scores[attribute], thresholds=thresholds,
                                    title=f"{title_prefix} - {full} ({int(count)})",
                                    stem=f"precision_attr_{_safe_stem(attribute)}", highlight=highlight,
                                    styles=styles))
    return plots


#: vot-toolkit's AR plot: robustness drawn as the probability of tracking S frames without failure
AR_SENSITIVITY = 30.0


def ar_reliability(failures: float, frames: float, sensitivity: float = AR_SENSITIVITY) -> float:
    """vot-toolkit's AR-plot robustness ``exp(-S * failures / frames)`` (S = 30: the probability
    that the tracker does not fail within S frames; 1 = never fails)."""
    if not frames:
        return float("nan")
    return float(math.exp(-sensitivity * float(failures) / float(frames)))


def ar_plot(
    accuracy: Mapping[str, float],
    failures: Mapping[str, float],
    frames: Mapping[str, float] | float,
    *,
    eao: Mapping[str, float] | None = None,
    sensitivity: float = AR_SENSITIVITY,
    title: str = "AR plot for baseline",
    stem: str = "ar_plot",
    highlight: Sequence[str] = (),
    styles: Mapping[str, int] | None = None,
    zoom: bool = False,
) -> Plot:
    """The VOT accuracy-robustness plot as vot-toolkit draws it: robustness
    ``exp(-S * failures / frames)`` on x (S = 30), accuracy on y, both 0..1 (``zoom``: around the
    points), one marker per tracker, best towards the top right. Legend order: by ``eao`` when
    given (the VOT ranking), else by accuracy; entries carry the accuracy and show
    ``"name (A 0.586, R 0.276)"`` with R the failures per 100 frames as the tables print it."""
    names = [n for n in accuracy if n in failures]
    frame_counts = {n: float(frames[n] if isinstance(frames, Mapping) else frames) for n in names}
    reliability = {n: ar_reliability(failures[n], frame_counts[n], sensitivity) for n in names}
    order = rank_by_score({n: float(eao[n]) for n in names} if eao else {n: float(accuracy[n]) for n in names})
    figure, axes = _new_figure(n_entries=len(order))
    style = current_style()
    size = 2.0 * style.marker_size
    entries = []
    for index, name in enumerate(order):
        rate = float(failures[name]) / frame_counts[name] * 100 if frame_counts[name] else float("nan")
        label = f"{name} (A {float(accuracy[name]):.3f}, R {rate:.3f})"
        entries.append(LegendEntry(name, float(accuracy[name]), label))
        style_index = _style_index(name, index, styles)
        colour = line_style(style_index)["color"]
        axes.plot([reliability[name]], [float(accuracy[name])], linestyle="none",
                  marker=MARKERS[style_index % len(MARKERS)], markersize=size * 1.25 if name in highlight else size,
                  color=colour, markeredgecolor="black" if name in highlight else colour, label=label, zorder=3)
    xs = np.array([reliability[n] for n in order], dtype=np.float64)
    ys = np.array([float(accuracy[n]) for n in order], dtype=np.float64)
    ok = np.isfinite(xs) & np.isfinite(ys)
    box = None
    if ok.any():
        pad_x = max(0.01, 0.2 * float(np.ptp(xs[ok])))
        pad_y = max(0.01, 0.2 * float(np.ptp(ys[ok])))
        box = (max(0.0, float(xs[ok].min()) - pad_x), min(1.0, float(xs[ok].max()) + pad_x),
               max(0.0, float(ys[ok].min()) - pad_y), min(1.0, float(ys[ok].max()) + pad_y))
    if zoom and box:
        axes.set_xlim(box[0], box[1])
        axes.set_ylim(box[2], box[3])
    else:
        axes.set_xlim(0.0, 1.0)
        axes.set_ylim(0.0, 1.0)
        axes.set_aspect("equal", adjustable="box")
        if box and len(order) > 1 and (box[1] - box[0]) < 0.25 and (box[3] - box[2]) < 0.25:
            _ar_inset(axes, order, xs, ys, box, styles, highlight, size)
    _label(axes, xlabel=f"Robustness (S = {sensitivity:g})", ylabel="Accuracy", title=title)
    axes.grid(True, color="0.88", linewidth=0.6)
    # single column: the long "name (A .., R ..)" labels go under the axes, not over the plot
    _place_legend(axes, len(entries), "lower left", outside=current_style().legend_outside == "below")
    return Plot(figure, axes, entries, stem)


def _ar_inset(axes, order, xs, ys, box, styles, highlight, size) -> None:
    """Trackers bunched in a corner of the 0..1 AR plot: a zoomed copy in the empty upper left,
    the zoomed region outlined in the main axes."""
    inset = axes.inset_axes([0.08, 0.5, 0.42, 0.42])
    inset.yaxis.tick_right()  # tick labels inside the main axes' empty area, clear of its own labels
    for index, name in enumerate(order):
        style_index = _style_index(name, index, styles)
        colour = line_style(style_index)["color"]
        inset.plot([xs[index]], [ys[index]], linestyle="none", marker=MARKERS[style_index % len(MARKERS)],
                   markersize=size * 0.8, color=colour, markeredgecolor="black" if name in highlight else colour)
    inset.set_xlim(box[0], box[1])
    inset.set_ylim(box[2], box[3])
    inset.tick_params(labelsize=max(5.0, current_style().legend_size - 1.5))
    inset.grid(True, color="0.9", linewidth=0.5)
    inset.set_title("zoom", fontsize=max(5.0, current_style().legend_size - 1.5), pad=2)
    axes.indicate_inset_zoom(inset, edgecolor="0.4")


def eao_curve_plot(
    curves: Mapping[str, np.ndarray],
    interval: tuple[int, int],
    scores: Mapping[str, float] | None = None,
    *,
    title: str = "Expected overlap curves for baseline",
    stem: str = "eao_curve",
    highlight: Sequence[str] = (),
    styles: Mapping[str, int] | None = None,
) -> Plot:
    """VOT expected average overlap vs sequence length (1..N), the EAO interval shaded.

    ``curves[t][k]`` is the expected overlap for sequence length ``k + 1``; the legend shows
    ``scores`` (the EAO), by default the mean of the curve over the 1-based, inclusive
    ``interval`` ``[low, high]``.
    """
    low, high = int(interval[0]), int(interval[1])
    arrays = {str(n): np.asarray(c, dtype=np.float64).reshape(-1) for n, c in curves.items()}
    if scores is None:
        scores = {n: float(np.mean(c[low - 1:high])) for n, c in arrays.items()}
    order = rank_by_score({n: scores[n] for n in arrays})
    figure, axes = _new_figure(n_entries=len(order))
    entries = []
    style = current_style()
    longest = max((c.size for c in arrays.values()), default=high)
    axes.axvspan(low, high, color="0.92", zorder=0, label="_interval")
    for index, name in enumerate(order):
        entry = LegendEntry(name, float(scores[name]), score_label(name, float(scores[name])))
        entries.append(entry)
        lengths = np.arange(1, arrays[name].size + 1)
        style_index = _style_index(name, index, styles)
        axes.plot(lengths, arrays[name], label=entry.label,
                  linewidth=style.line_width * (1.6 if name in highlight else 1.0),
                  marker=line_marker(style_index), markersize=style.marker_size,
                  markevery=_markevery(lengths.size, style_index), markerfacecolor="white",
                  markeredgewidth=0.8 * style.line_width, **line_style(style_index))
    ymax = max((float(np.nanmax(c)) for c in arrays.values() if c.size), default=1.0)
    axes.text(0.5 * (low + high), 0.98 * min(1.0, ymax * 1.08), f"[{low}, {high}]",
              ha="center", va="top", fontsize=style.legend_size, color="0.35")
    axes.set_xlim(1, longest)
    axes.set_ylim(0.0, min(1.0, ymax * 1.08) if ymax > 0 else 1.0)
    _label(axes, xlabel="Sequence length (frames)", ylabel="Expected overlap", title=title)
    axes.grid(True, color="0.88", linewidth=0.6)
    _place_legend(axes, len(entries), "upper right")
    return Plot(figure, axes, entries, stem)


def eao_rank_plot(
    eao: Mapping[str, float],
    *,
    title: str = "Expected overlap scores for baseline",
    stem: str = "eao_rank",
    highlight: Sequence[str] = (),
    styles: Mapping[str, int] | None = None,
) -> Plot:
    """The paper's Fig. 8 (VOT style): trackers ordered by EAO on x (best left), EAO on y,
    one marker per tracker, legend ``[EAO] tracker`` in the same order."""
    order = rank_by_score(eao)
    figure, axes = _new_figure(n_entries=len(order))
    entries = []
    size = 2.0 * current_style().marker_size  # 8 pt on screen
    for index, name in enumerate(order):
        value = float(eao[name])
        entry = LegendEntry(name, value, score_label(name, value))
        entries.append(entry)
        style_index = _style_index(name, index, styles)
        style = line_style(style_index)
        axes.plot([index + 1], [value], linestyle="none", marker=MARKERS[style_index % len(MARKERS)],
                  markersize=size * 1.25 if name in highlight else size, color=style["color"],
                  markeredgecolor="black" if name in highlight else style["color"], label=entry.label)
    values = np.array([float(eao[n]) for n in order], dtype=np.float64)
    finite = values[np.isfinite(values)]
    if finite.size:
        span = max(float(finite.max() - finite.min()), 0.02)
        axes.set_ylim(max(0.0, float(finite.min()) - 0.15 * span), float(finite.max()) + 0.15 * span)
    axes.set_xlim(0.3, len(order) + 0.7)
    axes.set_xticks(np.arange(1, len(order) + 1))
    _label(axes, xlabel="Order", ylabel="Average expected overlap", title=title)
    axes.grid(True, axis="y", color="0.88", linewidth=0.6)
    _place_legend(axes, len(entries), "upper right")
    return Plot(figure, axes, entries, stem)


def fps_bar_chart(
    fps: Mapping[str, float],
    *,
    title: str = "Tracking speed",
    stem: str = "fps",
    highlight: Sequence[str] = (),
) -> Plot:
    """Horizontal bars of frames per second, fastest on top, each bar labelled with its value.
    Trackers with unknown speed (NaN) are left out."""
    known = {n: float(v) for n, v in fps.items() if v is not None and np.isfinite(float(v))}
    order = rank_by_score(known)
    style = current_style()
    scale = style.font_size / 10.0  # bar height per tracker follows the font
    figure, axes = _new_figure(style.width, max(2.4 * scale, (0.6 + 0.32 * len(order)) * scale))
    entries = [LegendEntry(n, known[n], f"{known[n]:.1f} fps") for n in order]
    positions = np.arange(len(order))[::-1]
    # highlighted: dark and hatched, others light: apart in greyscale too
    colours = [LINE_COLOURS[0] if n in highlight else LINE_COLOURS[1] for n in order]
    bars = axes.barh(positions, [known[n] for n in order], color=colours, height=0.65,
                     hatch=["//" if n in highlight else None for n in order], edgecolor="white")
    for bar, entry in zip(bars, entries):
        axes.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {entry.score:.1f}",
                  va="center", ha="left", fontsize=style.legend_size)
    axes.set_yticks(positions)
    axes.set_yticklabels(order, fontsize=style.legend_size)
    top = max(known.values(), default=1.0)
    axes.set_xlim(0, top * 1.15 if top > 0 else 1.0)
    _label(axes, xlabel="Frames per second", title=title)
    axes.grid(True, axis="x", color="0.88", linewidth=0.6)
    axes.set_axisbelow(True)
    return Plot(figure, axes, entries, stem)


def _style_index(name: str, rank: int, styles: Mapping[str, int] | None) -> int:
    if styles is not None and name in styles:
        return int(styles[name])
    return rank


def style_indices(trackers: Sequence[str]) -> dict[str, int]:
    """Tracker -> style index in the given order (e.g. the overall ranking), for ``styles=``."""
    return {name: index for index, name in enumerate(trackers)}


def _safe_stem(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in str(text))


#: while a figure is saved: TrueType (Type 42) fonts in PDF/PS (publishers' checkers reject Type 3,
#: matplotlib's default), text kept as text in SVG
PRINT_RC = {"pdf.fonttype": 42, "ps.fonttype": 42, "svg.fonttype": "none"}


def save_plot(plot: Plot, out_dir: str | Path, formats: Sequence[str] = ("png", "pdf"),
              dpi: int | None = None) -> list[Path]:
    """Write ``plot`` as ``<out_dir>/<stem>.png`` and ``.pdf`` (tight box: legends never clipped).

    PDFs embed TrueType (Type 42) fonts (:data:`PRINT_RC`, set only while saving). ``dpi``
    defaults to the current style's (150 on screen, 300 for the print presets). Files are written
    next to a temporary name and renamed, so an interrupted run leaves no half-written figure.
    Returns the paths and records them in ``plot.paths``.
    """
    import matplotlib

    from crpnbench.atomic import atomic_path

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    dpi = current_style().dpi if dpi is None else dpi
    paths = []
    for fmt in formats:
        path = out_dir / f"{plot.stem}.{fmt}"
        with atomic_path(path) as tmp, matplotlib.rc_context(PRINT_RC):
            plot.figure.savefig(tmp, format=fmt, dpi=dpi, bbox_inches="tight", metadata=_metadata(fmt))
        paths.append(path)
    plot.paths = paths
    return paths


def _metadata(fmt: str) -> dict | None:
    # fixed metadata: re-running a plot gives byte-identical PDFs (no creation date)
    if fmt == "pdf":
        return {"CreationDate": None, "Creator": "crpnbench"}
    if fmt == "png":
        return {"Software": "crpnbench"}
    return None
