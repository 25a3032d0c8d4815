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

from crpnbench.data.catalog import benchmark_info
from crpnbench.raw.layout import SPEED_FILE
from crpnbench.reports import plots as P
from crpnbench.reports import tables as T



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
    eao_interval: tuple[int, int] | None = None


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


def tracker_scores(report, sequence_attributes: Mapping[str, Sequence[str]] | None = None) -> dict[str, TrackerScores]:
    """Tracker name -> :class:`TrackerScores` from a :class:`crpnbench.scoring.ScoreReport`.

    Headline numbers come from ``report.records()`` (exactly what ``crpnbench score --json``
    prints), curves from ``report.trackers[name]``. Per-attribute success curves are the mean of
    the per-sequence curves (``sequence_curves``) over the sequences having the attribute, given
    by ``sequence_attributes`` (sequence -> attribute names, from the benchmark); their count and
    AUC come from the scorer's ``per_attribute`` table.
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
        metrics = _get(result, "metrics", default={})
        summary = {}
        for key, aliases in SUMMARY_ALIASES.items():
            summary[key] = _number(_get(record, *aliases))
            if summary[key] is None:
                summary[key] = _number(_get(metrics, *aliases))
        scores = TrackerScores(
            name=str(name),
            summary=summary,
            success_curve=_array(_get(result, "success_curve")),
            precision_curve=_array(_get(result, "precision_curve")),
            norm_precision_curve=_array(_get(result, "norm_precision_curve")),
            eao_curve=_array(_get(result, "eao_curve")),
        )
        scores.eao_interval = _get(result, "eao_interval")
        scores.per_attribute = _attribute_curves(result, sequence_attributes)
        out[str(name)] = scores
    return out


def _attribute_curves(result, sequence_attributes) -> dict:
    """attribute -> (sequence count, mean success curve, AUC) of one tracker's OPE result."""
    table = _get(result, "per_attribute")
    curves = _get(result, "sequence_curves", default={})
    if table is None or sequence_attributes is None or not curves or "success" not in getattr(table, "columns", ()):
        return {}
    out = {}
    for attribute, row in table.iterrows():
        members = [seq for seq, attrs in sequence_attributes.items() if attribute in attrs and seq in curves]
        if not members:
            continue
        curve = np.mean([np.asarray(curves[seq][0], dtype=np.float64) for seq in members], axis=0)
        count = int(row["sequences"]) if "sequences" in row else len(members)
        out[str(attribute)] = (count, curve, float(row["success"]))
    return out


def write_report(
    report,
    dataset: str,
    out_root: str | Path = "results",
    *,
    benchmark=None,
    highlight: Sequence[str] = (),
    fps: Mapping[str, float] | None = None,
    eao_interval: tuple[int, int] | None = None,
    attribute_names: Mapping[str, str] | None = None,
) -> ReportFiles:
    """Write every plot and table the report supports; return what was written.

    ``benchmark`` (the scored one) gives each sequence's attributes for the per-attribute plots.
    ``fps`` fills in speeds the report lacks (e.g. :func:`read_speeds` of our own runs).
    """
    out_root = Path(out_root)
    plot_dir = out_root / "plots" / dataset
    table_dir = out_root / "tables"
    info = benchmark_info(dataset)
    title_name = info.title or dataset
    attributes = None
    if benchmark is not None and getattr(report, "protocol", "ope") == "ope":
        attributes = {seq.name: tuple(seq.attributes) for seq in benchmark}
    trackers = tracker_scores(report, attributes)
    for name, value in (fps or {}).items():
        if name in trackers and trackers[name].summary.get("fps") is None:
            trackers[name].summary["fps"] = _number(value)
    files = ReportFiles()

    def add(plot):
        files.paths.extend(P.save_plot(plot, plot_dir))
        files.plots.append(plot)

    main_key = "eao" if any(t.summary.get("eao") is not None for t in trackers.values()) else "success"
    styles = P.style_indices(P.rank_by_score(
        {n: (t.summary.get(main_key) if t.summary.get(main_key) is not None else float("nan"))
         for n, t in trackers.items()}))
    is_vot = any(t.eao_curve is not None or t.summary.get("eao") is not None for t in trackers.values())
    if is_vot:
        experiment = str(getattr(report, "protocol", "baseline") or "baseline")
        eao = {n: t.summary["eao"] for n, t in trackers.items() if t.summary.get("eao") is not None}
        intervals = [t.eao_interval for t in trackers.values() if t.eao_interval is not None]
        interval = eao_interval or (tuple(intervals[0]) if intervals else info.eao_interval)
        curves = {n: t.eao_curve for n, t in trackers.items() if t.eao_curve is not None and n in eao}
        if curves and interval:
            add(P.eao_curve_plot(curves, interval, {n: eao[n] for n in curves},
                                 title=f"Expected overlap curves for {experiment} on {title_name}",
                                 highlight=highlight, styles=styles))
        if eao:
            add(P.eao_rank_plot(eao, title=f"Expected overlap scores for {experiment} on {title_name}",
                                highlight=highlight, styles=styles))
        kind = "vot"
    else:
        success = {n: t.success_curve for n, t in trackers.items() if t.success_curve is not None}
        if success:
            add(P.success_plot(success, _scores(trackers, success, "success"),
                               thresholds=np.linspace(0, 1, next(iter(success.values())).size),
                               title=f"Success plots of OPE on {title_name}", highlight=highlight, styles=styles))
        precision = {n: t.precision_curve for n, t in trackers.items() if t.precision_curve is not None}
        if precision:
            size = next(iter(precision.values())).size
            add(P.precision_plot(precision, _scores(trackers, precision, "precision"),
                                 thresholds=np.arange(size, dtype=np.float64),
                                 title=f"Precision plots of OPE on {title_name}", highlight=highlight, styles=styles))
        norm = {n: t.norm_precision_curve for n, t in trackers.items() if t.norm_precision_curve is not None}
        if norm:
            size = next(iter(norm.values())).size
            add(P.norm_precision_plot(norm, _scores(trackers, norm, "norm_precision"),
                                      thresholds=np.arange(size, dtype=np.float64) / 100.0,
                                      title=f"Normalized precision plots of OPE on {title_name}",
                                      highlight=highlight, styles=styles))
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
            highlight=highlight, styles=styles,
        ):
            add(plot)
        kind = "ope"
    speeds = {n: t.summary["fps"] for n, t in trackers.items() if t.summary.get("fps") is not None}
    if speeds:
        add(P.fps_bar_chart(speeds, title=f"Tracking speed on {title_name}", highlight=highlight))
    rows = [{"tracker": n, **t.summary} for n, t in trackers.items()]
    protocol = str(getattr(report, "protocol", None) or ("ope" if kind == "ope" else "baseline"))
    caption = f"{title_name}: {protocol.upper() if kind == 'ope' else protocol} results"
    table = T.summary_table(rows, kind=kind, caption=caption)
    table.label = f"tab:{dataset}-summary"
    stem = f"{dataset}_summary"
    files.tables[stem] = table
    files.paths.extend(T.write_table(table, table_dir, stem))
    return files


def plot_results(
    dataset: str,
    *,
    data_root: str | Path | None = None,
    annotations: str | Path | None = None,
    results: str | Path | None = None,
    trackers: list[str] | None = None,
    out: str | Path = "results",
    convention: str = "official",
    protocol: str | None = None,
    highlight: tuple[str, ...] = (),
    sequences: list[str] | None = None,
    skip_missing: bool = False,
    progress: bool = False,
):
    """Score the raw results of ``dataset`` and write plots + tables; returns the
    :class:`~crpnbench.reports.report.ReportFiles` (plots with their legend entries, paths).

    ``results`` defaults to ``<out>/raw/<dataset>/``: one folder per tracker, in any format
    the scoring library reads, so published raw results dropped there appear beside ours.
    ``sequences`` and ``skip_missing`` score as ``crpnbench score`` does.
    """
    from crpnbench.errors import DataError
    from crpnbench.scoring import score_folder

    results_dir = Path(results) if results is not None else Path(out) / "raw" / dataset
    if not results_dir.is_dir():
        raise DataError("results folder not found (expected one sub-folder per tracker)", path=results_dir)
    benchmark, report = score_folder(dataset, results_dir, data_root=data_root, annotations=annotations,
                                     sequences=sequences, trackers=trackers, protocol=protocol,
                                     convention=convention, skip_missing=skip_missing, progress=progress)
    return write_report(report, dataset, out, benchmark=benchmark, highlight=highlight,
                        fps=read_speeds(results_dir))


def read_speeds(results_dir: str | Path) -> dict[str, float]:
    """Tracker folder -> frames per second from the ``speed.json`` the eval runner writes beside
    the raw results (``tracker_fps``: time inside the tracker only); trackers without one are left out."""
    import json

    speeds = {}
    results_dir = Path(results_dir)
    if not results_dir.is_dir():
        return speeds
    for folder in sorted(p for p in results_dir.iterdir() if p.is_dir()):
        for path in sorted(folder.rglob(SPEED_FILE)):
            try:
                value = _number(json.loads(path.read_text(encoding="utf-8")).get("tracker_fps"))
            except (OSError, ValueError, AttributeError):
                continue
            if value is not None:
                speeds[folder.name] = value
                break
    return speeds


def _scores(trackers: Mapping[str, TrackerScores], curves: Mapping, key: str) -> dict[str, float] | None:
    """The scorer's summary values for the legend; None (use the curve) only if none is given."""
    values = {n: trackers[n].summary.get(key) for n in curves}
    if all(v is not None for v in values.values()):
        return values
    return None
