"""All figures and tables for one scored benchmark: the library behind ``crpnbench plot``.

:func:`write_report` takes the scoring library's report (``crpnbench.scoring.score_results``)
and writes, under ``<out>/plots/<dataset>/`` and ``<out>/tables/``:

* OPE benchmarks: ``success``, ``precision`` and (when the scorer gives it) ``norm_precision``
  plots, one ``success_attr_<ATTR>`` plot per attribute, ``fps`` bar chart (when speeds are known)
  and the summary table ``<dataset>_summary.{csv,md,tex}``;
* VOT benchmarks: ``eao_curve`` and ``eao_rank`` plots, ``fps`` and the A/R/failures/EAO table.

Numbers are read from the report, never recomputed, so every legend shows exactly what
``crpnbench score`` prints. The report is read through :func:`tracker_scores`, the one place
that knows the scorer's attribute names.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from crpnbench.reports import plots as P
from crpnbench.reports import tables as T

#: VOT EAO intervals [low, high] (1-based, inclusive) when the report does not carry its own
EAO_INTERVALS = {"vot2016": (108, 371), "vot2017": (100, 356), "vot2018": (100, 356)}

#: printed names of datasets in titles
DATASET_TITLES = {
    "otb2013": "OTB-2013", "otb2015": "OTB-2015", "vot2016": "VOT-2016", "vot2017": "VOT-2017",
    "vot2018": "VOT-2018", "lasot": "LaSOT", "lasot-all": "LaSOT (protocol I)", "trackingnet": "TrackingNet",
    "trackingnet-train": "TrackingNet (train)", "got10k": "GOT-10k", "synthetic": "synthetic",
}


@dataclass
class TrackerScores:
    """What the plots need of one tracker, read from the scorer's report."""

    name: str
    summary: dict = field(default_factory=dict)
    success_curve: np.ndarray | None = None
    precision_curve: np.ndarray | None = None
    norm_precision_curve: np.ndarray | None = None
    eao_curve: np.ndarray | None = None
    per_attribute: dict = field(default_factory=dict)  # attr -> (n_sequences, success curve, AUC)


@dataclass
class ReportFiles:
    """What :func:`write_report` produced: the :class:`~crpnbench.reports.plots.Plot` objects
    (with their legend entries) and every path written."""

    plots: list = field(default_factory=list)
    tables: dict = field(default_factory=dict)  # stem -> Table
    paths: list[Path] = field(default_factory=list)

    def plot(self, stem: str):
        for plot in self.plots:
            if plot.stem == stem:
                return plot
        raise KeyError(stem)


def _get(obj, *names, default=None):
    """First attribute or mapping key of ``obj`` among ``names`` that is not None."""
    for name in names:
        value = obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)
        if value is not None:
            return value
    return default


def _array(value):
    return None if value is None else np.asarray(value, dtype=np.float64).reshape(-1)


def _number(value):
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


#: summary keys of the tables -> names the scorer may use for them
SUMMARY_ALIASES = {
    "success": ("success", "auc", "success_auc", "suc"),
    "precision": ("precision", "prec", "precision_20", "pre"),
    "norm_precision": ("norm_precision", "normalized_precision", "norm_prec", "npre"),
    "accuracy": ("accuracy",),
    "robustness": ("robustness",),
    "failures": ("failures", "lost", "num_failures"),
    "eao": ("eao",),
    "fps": ("fps", "speed"),
}


def tracker_scores(report) -> dict[str, TrackerScores]:
    """Tracker name -> :class:`TrackerScores` from a scoring report.

    Reads ``report.trackers[name]`` (curves, per-attribute results) and ``report.records()``
    (one summary dict per tracker) as documented by :mod:`crpnbench.scoring`.
    """
    records = {}
    if hasattr(report, "records"):
        for record in report.records():
            name = _get(record, "tracker", "name")
            if name is not None:
                records[str(name)] = record
    out = {}
    for name, result in dict(report.trackers).items():
        record = records.get(str(name), {})
        summary = {}
        for key, aliases in SUMMARY_ALIASES.items():
            summary[key] = _number(_get(record, *aliases))
            if summary[key] is None:
                summary[key] = _number(_get(result, *aliases))
        scores = TrackerScores(
            name=str(name),
            summary=summary,
            success_curve=_array(_get(result, "success_curve")),
            precision_curve=_array(_get(result, "precision_curve")),
            norm_precision_curve=_array(_get(result, "norm_precision_curve", "normalized_precision_curve")),
            eao_curve=_array(_get(result, "eao_curve", "expected_overlap_curve")),
        )
        for attribute, value in dict(_get(result, "per_attribute", default={})).items():
            curve = _array(_get(value, "success_curve"))
            if curve is None:
                continue
            count = _get(value, "sequences", "n_sequences", "num_sequences", "count")
            if count is not None and not isinstance(count, (int, np.integer)):
                count = len(count)
            auc = _number(_get(value, "success", "auc"))
            scores.per_attribute[str(attribute)] = (count, curve, auc if auc is not None else float(np.mean(curve)))
        out[str(name)] = scores
    return out


def write_report(
    report,
    dataset: str,
    out_root: str | Path = "results",
    *,
    highlight: Sequence[str] = (),
    fps: Mapping[str, float] | None = None,
    eao_interval: tuple[int, int] | None = None,
    attribute_names: Mapping[str, str] | None = None,
) -> ReportFiles:
    """Write every plot and table the report supports; return what was written.

    ``fps`` overrides/extends the speeds in the report (e.g. from our own runs' logs).
    """
    out_root = Path(out_root)
    plot_dir = out_root / "plots" / dataset
    table_dir = out_root / "tables"
    title_name = DATASET_TITLES.get(dataset, dataset)
    trackers = tracker_scores(report)
    for name, value in (fps or {}).items():
        if name in trackers:
            trackers[name].summary["fps"] = _number(value)
    files = ReportFiles()

    def add(plot):
        files.paths.extend(P.save_plot(plot, plot_dir))
        files.plots.append(plot)

    is_vot = any(t.eao_curve is not None or t.summary.get("eao") is not None for t in trackers.values())
    if is_vot:
        eao = {n: t.summary["eao"] for n, t in trackers.items() if t.summary.get("eao") is not None}
        interval = eao_interval or tuple(_get(report, "eao_interval", default=())) or EAO_INTERVALS.get(dataset)
        curves = {n: t.eao_curve for n, t in trackers.items() if t.eao_curve is not None and n in eao}
        if curves and interval:
            add(P.eao_curve_plot(curves, interval, {n: eao[n] for n in curves},
                                 title=f"Expected overlap curves on {title_name}", highlight=highlight))
        if eao:
            add(P.eao_rank_plot(eao, title=f"Expected overlap scores on {title_name}", highlight=highlight))
        kind = "vot"
    else:
        success = {n: t.success_curve for n, t in trackers.items() if t.success_curve is not None}
        if success:
            add(P.success_plot(success, _scores(trackers, success, "success"),
                               thresholds=np.linspace(0, 1, next(iter(success.values())).size),
                               title=f"Success plots of OPE on {title_name}", highlight=highlight))
        precision = {n: t.precision_curve for n, t in trackers.items() if t.precision_curve is not None}
        if precision:
            size = next(iter(precision.values())).size
            add(P.precision_plot(precision, _scores(trackers, precision, "precision"),
                                 thresholds=np.arange(size, dtype=np.float64),
                                 title=f"Precision plots of OPE on {title_name}", highlight=highlight))
        norm = {n: t.norm_precision_curve for n, t in trackers.items() if t.norm_precision_curve is not None}
        if norm:
            size = next(iter(norm.values())).size
            add(P.norm_precision_plot(norm, _scores(trackers, norm, "norm_precision"),
                                      thresholds=np.arange(size, dtype=np.float64) / 100.0,
                                      title=f"Normalized precision plots of OPE on {title_name}",
                                      highlight=highlight))
        attributes: dict = {}
        for name, t in trackers.items():
            for attribute, (count, curve, auc) in t.per_attribute.items():
                attributes.setdefault(attribute, [count, {}, {}])
                attributes[attribute][1][name] = curve
                attributes[attribute][2][name] = auc
        for plot in P.attribute_success_plots(
            {a: (c if c is not None else 0, curves) for a, (c, curves, _) in attributes.items()},
            {a: aucs for a, (_, _, aucs) in attributes.items()},
            attribute_names=attribute_names, title_prefix=f"Success plots of OPE on {title_name}",
            highlight=highlight,
        ):
            add(plot)
        kind = "ope"
    speeds = {n: t.summary["fps"] for n, t in trackers.items() if t.summary.get("fps") is not None}
    if speeds:
        add(P.fps_bar_chart(speeds, title=f"Tracking speed on {title_name}", highlight=highlight))
    rows = [{"tracker": n, **t.summary} for n, t in trackers.items()]
    table = T.summary_table(rows, kind=kind, caption=f"{title_name}: {'OPE' if kind == 'ope' else 'baseline'} results")
    stem = f"{dataset}_summary"
    files.tables[stem] = table
    files.paths.extend(T.write_table(table, table_dir, stem))
    return files


def _scores(trackers: Mapping[str, TrackerScores], curves: Mapping, key: str) -> dict[str, float] | None:
    """The scorer's summary values for the legend; None (use the curve) only if none is given."""
    values = {n: trackers[n].summary.get(key) for n in curves}
    if all(v is not None for v in values.values()):
        return values
    return None
