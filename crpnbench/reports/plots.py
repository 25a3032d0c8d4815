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
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
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
    """Colour and dash pattern of the ``index``-th line (distinct for the first 40)."""
    return {
        "color": LINE_COLOURS[index % len(LINE_COLOURS)],
        "linestyle": LINE_STYLES[(index // len(LINE_COLOURS)) % len(LINE_STYLES)],
    }


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


def _new_figure(width: float = 6.4, height: float = 4.8):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(figure)  # Agg renderer bound to this figure only (no pyplot, no global backend)
    axes = figure.add_subplot(1, 1, 1)
    return figure, axes


def _place_legend(axes, n_entries: int, inside_loc: str, title: str | None = None) -> None:
    """Inside the axes for a few trackers; outside, right, multi-column for many."""
    if n_entries == 0:
        return
    if n_entries <= LEGEND_INSIDE_MAX:
        legend = axes.legend(loc=inside_loc, fontsize=8, framealpha=0.9, title=title)
        if _legend_covers_data(axes, legend):
            axes.legend(loc="best", fontsize=8, framealpha=0.9, title=title)
        return
    columns = math.ceil(n_entries / LEGEND_ROWS_PER_COLUMN)
    axes.legend(
        loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0,
        fontsize=7 if n_entries > 20 else 8, ncol=columns, frameon=False, title=title,
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
    figure, axes = _new_figure(6.4 if len(order) <= LEGEND_INSIDE_MAX else 7.6, 4.8)
    entries = []
    for index, name in enumerate(order):
        entry = LegendEntry(name, float(scores[name]), score_label(name, float(scores[name])))
        entries.append(entry)
        width = 2.6 if name in highlight else 1.6
        axes.plot(x, curves[name], label=entry.label, linewidth=width, zorder=3 if name in highlight else 2,
                  **line_style(_style_index(name, index, styles)))
    if marker_x is not None:
        axes.axvline(marker_x, color="0.6", linewidth=0.8, linestyle=":", zorder=1)
    axes.set_xlim(*(xlim or (float(x[0]), float(x[-1]))))
    axes.set_ylim(0.0, 1.0)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_title(title, fontsize=11)
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
    names = dict(LASOT_ATTRIBUTES)
    names.update(OTB_ATTRIBUTES)
    names.update(attribute_names or {})
    plots = []
    for attribute, (count, curves) in per_attribute.items():
        full = names.get(attribute, attribute)
        title = f"{title_prefix} - {full} ({int(count)})"
        plots.append(success_plot(curves, None if scores is None else scores[attribute],
                                  thresholds=thresholds, title=title,
                                  stem=f"success_attr_{_safe_stem(attribute)}", highlight=highlight,
                                  styles=styles))
    return plots


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
    figure, axes = _new_figure(6.4 if len(order) <= LEGEND_INSIDE_MAX else 7.6, 4.8)
    entries = []
    longest = max((c.size for c in arrays.values()), default=high)
    axes.axvspan(low, high, color="0.92", zorder=0, label="_interval")
    for index, name in enumerate(order):
        entry = LegendEntry(name, float(scores[name]), score_label(name, float(scores[name])))
        entries.append(entry)
        lengths = np.arange(1, arrays[name].size + 1)
        axes.plot(lengths, arrays[name], label=entry.label, linewidth=2.6 if name in highlight else 1.6,
                  **line_style(_style_index(name, index, styles)))
    ymax = max((float(np.nanmax(c)) for c in arrays.values() if c.size), default=1.0)
    axes.text(0.5 * (low + high), 0.98 * min(1.0, ymax * 1.08), f"[{low}, {high}]",
              ha="center", va="top", fontsize=8, color="0.35")
    axes.set_xlim(1, longest)
    axes.set_ylim(0.0, min(1.0, ymax * 1.08) if ymax > 0 else 1.0)
    axes.set_xlabel("Sequence length (frames)")
    axes.set_ylabel("Expected overlap")
    axes.set_title(title, fontsize=11)
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
    figure, axes = _new_figure(6.4 if len(order) <= LEGEND_INSIDE_MAX else 7.6, 4.8)
    entries = []
    for index, name in enumerate(order):
        value = float(eao[name])
        entry = LegendEntry(name, value, score_label(name, value))
        entries.append(entry)
        style_index = _style_index(name, index, styles)
        style = line_style(style_index)
        axes.plot([index + 1], [value], linestyle="none", marker=MARKERS[style_index % len(MARKERS)],
                  markersize=10 if name in highlight else 8, color=style["color"],
                  markeredgecolor="black" if name in highlight else style["color"], label=entry.label)
    values = np.array([float(eao[n]) for n in order], dtype=np.float64)
    finite = values[np.isfinite(values)]
    if finite.size:
        span = max(float(finite.max() - finite.min()), 0.02)
        axes.set_ylim(max(0.0, float(finite.min()) - 0.15 * span), float(finite.max()) + 0.15 * span)
    axes.set_xlim(0.3, len(order) + 0.7)
    axes.set_xticks(np.arange(1, len(order) + 1))
    axes.set_xlabel("Order")
    axes.set_ylabel("Average expected overlap")
    axes.set_title(title, fontsize=11)
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
    figure, axes = _new_figure(6.4, max(2.4, 0.6 + 0.32 * len(order)))
    entries = [LegendEntry(n, known[n], f"{known[n]:.1f} fps") for n in order]
    positions = np.arange(len(order))[::-1]
    colours = [LINE_COLOURS[0] if n in highlight else LINE_COLOURS[1] for n in order]
    bars = axes.barh(positions, [known[n] for n in order], color=colours, height=0.65)
    for bar, entry in zip(bars, entries):
        axes.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {entry.score:.1f}",
                  va="center", ha="left", fontsize=8)
    axes.set_yticks(positions)
    axes.set_yticklabels(order, fontsize=8)
    top = max(known.values(), default=1.0)
    axes.set_xlim(0, top * 1.15 if top > 0 else 1.0)
    axes.set_xlabel("Frames per second")
    axes.set_title(title, fontsize=11)
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


def save_plot(plot: Plot, out_dir: str | Path, formats: Sequence[str] = ("png", "pdf"), dpi: int = 150) -> list[Path]:
    """Write ``plot`` as ``<out_dir>/<stem>.png`` and ``.pdf`` (tight box: legends never clipped).

    Files are written next to a temporary name and renamed, so an interrupted run leaves no
    half-written figure. Returns the paths and records them in ``plot.paths``.
    """
    from crpnbench.atomic import atomic_path

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        path = out_dir / f"{plot.stem}.{fmt}"
        with atomic_path(path) as tmp:
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
