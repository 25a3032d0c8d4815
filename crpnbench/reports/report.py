"""All figures and tables for one scored benchmark: the library behind ``crpnbench plot`` and
``crpnbench report``.

:func:`write_report` takes the scoring library's report (``crpnbench.scoring.score_results``)
and writes, under ``<out>/plots/<dataset>/`` and ``<out>/tables/``:

* OPE benchmarks: ``success``, ``precision`` and (when the scorer gives it) ``norm_precision``
  plots, one ``success_attr_<ATTR>`` and one ``precision_attr_<ATTR>`` plot per attribute, ``fps``
  bar chart (when speeds are known), the summary table ``<dataset>_summary.{csv,md,tex}`` (with
  OP50/OP75: the success rate at IoU > 0.5 and > 0.75, read off the scorer's success curve) and
  the per-attribute tables ``<dataset>_attributes_{success,precision}``;
* VOT benchmarks: ``eao_curve``, ``eao_rank`` and ``ar_plot`` (vot-toolkit's accuracy-robustness
  plot), ``fps``, the A/R/failures/EAO table and the per-tag tables
  ``<dataset>_tags_{accuracy,robustness,eao}`` (camera_motion, illum_change, motion_change,
  occlusion, size_change, empty); a tracker run several times (``<seq>_00N.txt``) also gets the
  spread over its repetitions (``accuracy_std``, ``robustness_std``, ``eao_std``) and their count;
* VOT's unsupervised experiment: the success plot and the AO table (titles and captions say
  "unsupervised"; the AO is the scorer's, as ``crpnbench score`` prints it);
* ``report.html``: one self-contained page of all of the above (:mod:`crpnbench.reports.html`).

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
    per_attribute: dict = field(default_factory=dict)  # attr -> AttributeCurves
    eao_interval: tuple[int, int] | None = None
    per_tag: object = None  # VOT: the scorer's per-tag DataFrame (frames, accuracy, failures, robustness, eao)
    per_sequence: object = None  # the scorer's per-sequence DataFrame
    sequence_overlaps: dict = field(default_factory=dict)  # sequence -> per-frame overlap (NaN: not counted)
    frames: int | None = None


@dataclass
class AttributeCurves:
    """One tracker on one attribute's sequences: their ``count``, the mean success and precision
    curves, and the scorer's AUC and precision at 20 px for that subset."""

    count: int
    success_curve: np.ndarray
    precision_curve: np.ndarray | None
    success: float
    precision: float | None

    def __iter__(self):  # (count, success curve, AUC), as before the precision curves were added
        return iter((self.count, self.success_curve, self.success))


@dataclass
class ReportFiles:
    """What :func:`write_report` produced: the :class:`~crpnbench.reports.plots.Plot` objects
    (with their legend entries) and every path written."""

    plots: list = field(default_factory=list)
    tables: dict = field(default_factory=dict)  # stem -> Table
    paths: list[Path] = field(default_factory=list)
    html: Path | None = None
    notes: list[str] = field(default_factory=list)  # the scoring notes (as `crpnbench score` prints them)

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
    "success": ("success", "auc", "success_auc", "suc", "ao"),  # GOT-10k: AO titles its success plot
    "precision": ("precision", "prec", "precision_20", "pre"),
    "norm_precision": ("norm_precision", "normalized_precision", "norm_prec", "npre"),
    "accuracy": ("accuracy",),
    "robustness": ("robustness",),
    "failures": ("failures", "lost", "num_failures"),
    "eao": ("eao",),
    "ao": ("ao",),  # GOT-10k's own summary columns AO, SR0.5, SR0.75 (tables.GOT10K_COLUMNS)
    "sr50": ("sr50",),
    "sr75": ("sr75",),
    # VOT repetitions (<seq>_00N.txt): the spread over repetitions and their count, only for a tracker
    # with several (as `crpnbench score` prints them: the scorer's records carry them only then)
    "accuracy_std": ("accuracy_std",),
    "robustness_std": ("robustness_std",),
    "eao_std": ("eao_std",),
    "repetitions": ("repetitions",),
    "fps": ("fps", "speed"),
}

#: OP50 / OP75 (pytracking): the success rate at IoU > 0.5 and > 0.75, i.e. the success curve at those thresholds
OVERLAP_PRECISION = {"op50": 0.5, "op75": 0.75}


def success_at(curve: np.ndarray | None, threshold: float) -> float | None:
    """The value of a success curve over ``0..1`` (evenly spaced, 21 points) at ``threshold``."""
    if curve is None or len(curve) < 2:
        return None
    grid = np.linspace(0.0, 1.0, len(curve))
    index = int(np.argmin(np.abs(grid - threshold)))
    if abs(grid[index] - threshold) > 1e-9:
        return None
    return float(curve[index])


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
        for key, threshold in OVERLAP_PRECISION.items():
            scores.summary[key] = success_at(scores.success_curve, threshold)
        scores.per_sequence = _get(result, "per_sequence")
        scores.sequence_overlaps = dict(_get(result, "sequence_overlaps", default={}))
        scores.frames = _get(result, "frames")
        if scores.eao_curve is not None or scores.summary.get("eao") is not None:
            scores.per_tag = _get(result, "per_attribute")
        out[str(name)] = scores
    return out


def _attribute_curves(result, sequence_attributes) -> dict:
    """attribute -> :class:`AttributeCurves` of one tracker's OPE result."""
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
        precision = None
        if all(len(curves[seq]) > 1 and curves[seq][1] is not None for seq in members):
            precision = np.mean([np.asarray(curves[seq][1], dtype=np.float64) for seq in members], axis=0)
        count = int(row["sequences"]) if "sequences" in row else len(members)
        out[str(attribute)] = AttributeCurves(count, curve, precision, float(row["success"]),
                                              _number(row["precision"]) if "precision" in row else None)
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
    style: str | None = None,
    html: bool = True,
    progress: bool = False,
) -> ReportFiles:
    """Write every plot and table the report supports, and the HTML report; return what was written.

    ``benchmark`` (the scored one) gives each sequence's attributes for the per-attribute plots, and
    (unless ``attribute_names`` is given) what its attribute codes stand for.
    ``fps`` fills in speeds the report lacks (e.g. :func:`read_speeds` of our own runs).
    ``style``: the figures' size preset (``"single"``/``"double"`` column, default on-screen
    sizes). ``html``: also write ``plots/<dataset>/report.html``. ``progress``: a bar over the
    figures on a terminal (none when stderr is not a terminal).
    """
    from tqdm import tqdm

    out_root = Path(out_root)
    plot_dir = out_root / "plots" / dataset
    table_dir = out_root / "tables"
    info = benchmark_info(dataset)
    title_name = plot_name = info.title or dataset
    if benchmark is not None:  # a part of the benchmark says so: "OTB-2015 (3 of 100 sequences)"
        defined = len(getattr(benchmark, "inner", benchmark).list_sequences())
        scored = max((int(getattr(s, "sequences", 0) or 0) for s in report.trackers.values()), default=0)
        if 0 < scored < defined:  # (on a second line in figure titles: single-column figures stay narrow)
            plot_name = f"{title_name}\n({scored} of {defined} sequences)"
            title_name = f"{title_name} ({scored} of {defined} sequences)"
    if attribute_names is None and benchmark is not None:  # the benchmark's own names (UAV123's SOB ...)
        attribute_names = dict(getattr(getattr(benchmark, "inner", benchmark), "attribute_names", None) or {}) or None
    attributes = None
    if benchmark is not None and getattr(report, "protocol", "ope") == "ope":
        attributes = {seq.name: tuple(seq.attributes) for seq in benchmark}
    trackers = tracker_scores(report, attributes)
    for name, value in (fps or {}).items():
        if name in trackers and trackers[name].summary.get("fps") is None:
            trackers[name].summary["fps"] = _number(value)
    files = ReportFiles()
    makers = []  # (stem, function returning a Plot): drawn and saved one by one under the progress bar

    def plan(function, *args, **kwargs):
        makers.append(lambda: function(*args, **kwargs))

    def plan_many(function, *args, **kwargs):
        makers.append(lambda: function(*args, **kwargs))
        makers[-1].many = True

    main_key = "eao" if any(t.summary.get("eao") is not None for t in trackers.values()) else "success"
    styles = P.style_indices(P.rank_by_score(
        {n: (t.summary.get(main_key) if t.summary.get(main_key) is not None else float("nan"))
         for n, t in trackers.items()}))
    is_vot = any(t.eao_curve is not None or t.summary.get("eao") is not None for t in trackers.values())
    experiment = str(getattr(report, "protocol", "baseline") or "baseline")
    # the success-curve figures' run: OPE, or VOT2018's unsupervised experiment (scored by AO)
    run_name = "the unsupervised experiment" if experiment == "unsupervised" else "OPE"
    if is_vot:
        eao = {n: t.summary["eao"] for n, t in trackers.items() if t.summary.get("eao") is not None}
        intervals = [t.eao_interval for t in trackers.values() if t.eao_interval is not None]
        interval = eao_interval or (tuple(intervals[0]) if intervals else info.eao_interval)
        curves = {n: t.eao_curve for n, t in trackers.items() if t.eao_curve is not None and n in eao}
        if curves and interval:
            plan(P.eao_curve_plot, curves, interval, {n: eao[n] for n in curves},
                 title=f"Expected overlap curves for {experiment} on {plot_name}",
                 highlight=highlight, styles=styles)
        if eao:
            plan(P.eao_rank_plot, eao, title=f"Expected overlap scores for {experiment} on {plot_name}",
                 highlight=highlight, styles=styles)
        ar = {n: t for n, t in trackers.items()
              if t.summary.get("accuracy") is not None and t.summary.get("failures") is not None and t.frames}
        if ar:
            plan(P.ar_plot, {n: t.summary["accuracy"] for n, t in ar.items()},
                 {n: t.summary["failures"] for n, t in ar.items()}, {n: t.frames for n, t in ar.items()},
                 eao={n: eao[n] for n in ar if n in eao} or None,
                 title=f"AR plot for {experiment} on {plot_name}", highlight=highlight, styles=styles)
        kind = "vot"
    else:
        success = {n: t.success_curve for n, t in trackers.items() if t.success_curve is not None}
        if success:
            plan(P.success_plot, success, _scores(trackers, success, "success"),
                 thresholds=np.linspace(0, 1, next(iter(success.values())).size),
                 title=f"Success plots of {run_name} on {plot_name}", highlight=highlight, styles=styles)
        precision = {n: t.precision_curve for n, t in trackers.items() if t.precision_curve is not None}
        if precision:
            size = next(iter(precision.values())).size
            plan(P.precision_plot, precision, _scores(trackers, precision, "precision"),
                 thresholds=np.arange(size, dtype=np.float64),
                 title=f"Precision plots of {run_name} on {plot_name}", highlight=highlight, styles=styles)
        norm = {n: t.norm_precision_curve for n, t in trackers.items() if t.norm_precision_curve is not None}
        if norm:
            size = next(iter(norm.values())).size
            plan(P.norm_precision_plot, norm, _scores(trackers, norm, "norm_precision"),
                 thresholds=np.arange(size, dtype=np.float64) / 100.0,
                 title=f"Normalized precision plots of {run_name} on {plot_name}",
                 highlight=highlight, styles=styles)
        by_attribute = _by_attribute(trackers)
        for attribute, members in by_attribute.items():
            count = next(iter(members.values())).count
            plan_many(P.attribute_success_plots,
                      {attribute: (count, {n: a.success_curve for n, a in members.items()})},
                      {attribute: {n: a.success for n, a in members.items()}},
                      attribute_names=attribute_names, title_prefix=f"Success plots of {run_name} on {plot_name}",
                      highlight=highlight, styles=styles)
            with_precision = {n: a for n, a in members.items() if a.precision_curve is not None}
            if with_precision and len(with_precision) == len(members):
                size = next(iter(with_precision.values())).precision_curve.size
                scores = {n: a.precision for n, a in members.items()}
                plan_many(P.attribute_precision_plots,
                          {attribute: (count, {n: a.precision_curve for n, a in members.items()})},
                          {attribute: scores} if all(v is not None for v in scores.values()) else None,
                          attribute_names=attribute_names, thresholds=np.arange(size, dtype=np.float64),
                          title_prefix=f"Precision plots of {run_name} on {plot_name}",
                          highlight=highlight, styles=styles)
        kind = "ope"
    speeds = {n: t.summary["fps"] for n, t in trackers.items() if t.summary.get("fps") is not None}
    if speeds:
        plan(P.fps_bar_chart, speeds, title=f"Tracking speed on {plot_name}", highlight=highlight)

    with P.figure_style(style), tqdm(total=len(makers), desc=f"plotting {dataset}", unit="fig", leave=False,
                                     disable=None if progress else True, dynamic_ncols=True) as bar:
        for make in makers:
            made = make()
            for plot in (made if getattr(make, "many", False) else [made]):
                files.paths.extend(P.save_plot(plot, plot_dir))
                files.plots.append(plot)
            bar.update(1)

    rows = [{"tracker": n, **t.summary} for n, t in trackers.items()]
    protocol = str(getattr(report, "protocol", None) or ("ope" if kind == "ope" else "baseline"))
    caption = f"{title_name}: {protocol.upper() if protocol == 'ope' else protocol} results"
    if protocol == "unsupervised":
        caption += " (average overlap)"
    got10k = protocol == "ope" and any(r.get("ao") is not None for r in rows)  # AO, SR0.5, SR0.75, not success
    table_kind = "unsupervised" if protocol == "unsupervised" else ("got10k" if got10k else kind)
    table = T.summary_table(rows, kind=table_kind, caption=caption, sort_key="ao" if got10k else None)
    table.label = f"tab:{dataset}-summary"
    if any(r.get("repetitions") is not None for r in rows):
        spread = any(r.get(key) is not None for r in rows for key in ("accuracy_std", "robustness_std", "eao_std"))
        table.notes.append("Repetitions: runs per sequence (<seq>_00N.txt, the most of any sequence)"
                           + ("; std: the spread over repetitions (sample standard deviation, as crpnbench "
                              "score prints it)." if spread else "."))
    if kind == "ope" and not got10k and any(r.get("op50") is not None for r in rows):
        table.notes.append("OP50 / OP75: success rate at IoU > 0.5 / > 0.75 (the success curve at those thresholds).")
    tables = {f"{dataset}_summary": table}
    if kind == "ope":
        tables.update(_attribute_tables(trackers, dataset, title_name, attribute_names))
    else:
        tables.update(_tag_tables(trackers, dataset, title_name, protocol))
    for stem, each in tables.items():
        files.tables[stem] = each
        files.paths.extend(T.write_table(each, table_dir, stem))
    if html:
        from crpnbench.reports.html import write_html

        files.html = write_html(plot_dir / "report.html", dataset=dataset, title=title_name, kind=kind,
                                protocol=protocol, report=report, trackers=trackers, files=files,
                                attribute_names=_attribute_names(attribute_names), benchmark=benchmark)
        files.paths.append(files.html)
    return files


def _attribute_names(extra: Mapping[str, str] | None) -> dict[str, str]:
    names = dict(P.LASOT_ATTRIBUTES)
    names.update(P.OTB_ATTRIBUTES)
    names.update(extra or {})
    return names


def _by_attribute(trackers: Mapping[str, TrackerScores]) -> dict[str, dict[str, AttributeCurves]]:
    """attribute -> tracker -> :class:`AttributeCurves`, attributes in sorted order."""
    out: dict[str, dict[str, AttributeCurves]] = {}
    for name, t in trackers.items():
        for attribute, curves in t.per_attribute.items():
            out.setdefault(attribute, {})[name] = curves
    return dict(sorted(out.items()))


def _attribute_tables(trackers, dataset: str, title_name: str, attribute_names) -> dict:
    """OPE per-attribute tables: trackers as rows, attributes as columns (``"OCC (49)"``), one table
    for success (AUC) and one for precision at 20 px; best of each column in bold."""
    by_attribute = _by_attribute(trackers)
    if not by_attribute:
        return {}
    names = _attribute_names(attribute_names)
    out = {}
    for key, what in (("success", "success (AUC)"), ("precision", "precision at 20 px")):
        columns = [T.Column("tracker", "Tracker", None, None)]
        columns += [T.Column(a, f"{a} ({next(iter(m.values())).count})", 3) for a, m in by_attribute.items()]
        rows = []
        for name, t in trackers.items():
            row = {"tracker": name, "_sort": t.summary.get(key)}
            for attribute, members in by_attribute.items():
                row[attribute] = getattr(members[name], key) if name in members else None
            rows.append(row)
        rows.sort(key=lambda r: (r["_sort"] is None, -(r["_sort"] or 0.0), r["tracker"]))
        table = T.Table(columns, rows, caption=f"{title_name}: {what} per attribute (number of sequences)",
                        label=f"tab:{dataset}-attributes-{key}")
        legend = ", ".join(f"{a} {names.get(a, a)}" for a in by_attribute)
        table.notes.append(f"Attributes: {legend}.")
        out[f"{dataset}_attributes_{key}"] = table
    return out


#: VOT tags in the order of the VOT reports, with short column headers
VOT_TAG_HEADERS = {"camera_motion": "Camera motion", "illum_change": "Illum. change",
                   "occlusion": "Occlusion", "size_change": "Size change", "motion_change": "Motion change",
                   "empty": "Empty"}


def _tag_tables(trackers, dataset: str, title_name: str, protocol: str) -> dict:
    """VOT per-tag tables (trackers as rows, tags as columns plus "All"): accuracy, robustness
    (failures per 100 frames carrying the tag) and EAO (fragments weighted by their tagged frames)."""
    tagged = {n: t.per_tag for n, t in trackers.items()
              if t.per_tag is not None and len(t.per_tag) and "accuracy" in getattr(t.per_tag, "columns", ())}
    if not tagged:
        return {}
    present = sorted({str(tag) for table in tagged.values() for tag in table.index},
                     key=lambda tag: (list(VOT_TAG_HEADERS).index(tag) if tag in VOT_TAG_HEADERS else 99, tag))
    out = {}
    specs = (("accuracy", "accuracy", True), ("robustness", "robustness (failures per 100 tagged frames)", False),
             ("eao", "EAO", True))
    for key, what, higher in specs:
        if not any(key in table.columns for table in tagged.values()):
            continue
        columns = [T.Column("tracker", "Tracker", None, None)]
        columns += [T.Column(tag, VOT_TAG_HEADERS.get(tag, tag), 3, higher) for tag in present]
        columns.append(T.Column("all", "All", 3, higher))
        rows = []
        for name, table in tagged.items():
            row = {"tracker": name, "all": trackers[name].summary.get(key)}
            for tag in present:
                row[tag] = _number(table.loc[tag, key]) if tag in table.index and key in table.columns else None
            rows.append(row)
        sort = [(r["all"] if r["all"] is not None else float("nan")) for r in rows]
        order = P.rank_by_score({r["tracker"]: v for r, v in zip(rows, sort)}, higher_is_better=higher)
        rows.sort(key=lambda r: order.index(r["tracker"]))
        table = T.Table(columns, rows, caption=f"{title_name}: {what} per visual attribute ({protocol})",
                        label=f"tab:{dataset}-tags-{key}")
        out[f"{dataset}_tags_{key}"] = table
    return out


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
    style: str | None = None,
    html: bool = True,
):
    """Score the raw results of ``dataset`` and write plots + tables; returns the
    :class:`~crpnbench.reports.report.ReportFiles` (plots with their legend entries, paths).

    ``results`` defaults to ``<out>/raw/<dataset>/``: one folder per tracker, in any format
    the scoring library reads, so published raw results dropped there appear beside ours.
    ``sequences`` and ``skip_missing`` score as ``crpnbench score`` does; ``style``, ``html`` and
    ``progress`` as in :func:`write_report`.
    """
    from crpnbench.errors import DataError
    from crpnbench.scoring import score_folder

    results_dir = Path(results) if results is not None else Path(out) / "raw" / dataset
    if not results_dir.is_dir():
        raise DataError("results folder not found (expected one sub-folder per tracker)", path=results_dir)
    benchmark, report = score_folder(dataset, results_dir, data_root=data_root, annotations=annotations,
                                     sequences=sequences, trackers=trackers, protocol=protocol,
                                     convention=convention, skip_missing=skip_missing, progress=progress)
    files = write_report(report, dataset, out, benchmark=benchmark, highlight=highlight,
                         fps=read_speeds(results_dir), style=style, html=html, progress=progress)
    files.notes = list(report.notes)
    return files


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
