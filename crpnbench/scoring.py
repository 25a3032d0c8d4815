"""Scoring raw result folders against a benchmark: the library API behind ``crpnbench score``.

``score_results(benchmark, results_dir)`` scores every tracker folder under ``results_dir`` and
returns a :class:`ScoreReport`: ``.table()`` (pandas, sorted by the main metric), ``.records()``
(what ``crpnbench score --json`` prints), ``.write_csv(out_dir)`` and, per tracker,
``report.trackers[name]`` with curves as arrays (``success_curve``, ``precision_curve``,
``norm_precision_curve``, ``eao_curve``) and ``per_sequence`` / ``per_attribute`` DataFrames.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from crpnbench.errors import ConfigError, DataError
from crpnbench.metrics.conventions import ScoringConvention, resolve_convention
from crpnbench.metrics.ope import NORM_PRECISION_INDEX, PRECISION_INDEX, auc, score_ope_batch
from crpnbench.metrics.overlap import boxes_to_polygons
from crpnbench.metrics.vot import score_vot_sequence, summarize_vot
from crpnbench.protocols import default_protocol
from crpnbench.raw.layout import detect_layout, index_result_files, sequence_key
from crpnbench.raw.read import first_line_looks_like_corners, read_ope_result, read_vot_result

PROTOCOLS = ("ope", "baseline", "realtime")
OPE_COLUMNS = ("success", "precision", "norm_precision")
VOT_COLUMNS = ("accuracy", "robustness", "failures", "eao")


@dataclass
class TrackerScore:
    """Scores of one tracker: headline metrics, per-sequence/per-attribute tables and curves.

    OPE: ``success_curve`` (21 IoU thresholds), ``precision_curve`` (0..50 px),
    ``norm_precision_curve`` (0..0.5), each the mean of the per-sequence curves, and
    ``sequence_curves[name] = (success, precision, norm_precision)``.
    VOT: ``eao_curve`` (index i = sequence length i+1), ``eao_interval`` and
    ``sequence_overlaps[name]`` (per-frame overlaps, NaN on coded and burn-in frames).
    """

    name: str
    protocol: str
    metrics: dict
    per_sequence: object  # pandas.DataFrame
    per_attribute: object  # pandas.DataFrame
    sequences: int
    frames: int
    success_curve: np.ndarray | None = None
    precision_curve: np.ndarray | None = None
    norm_precision_curve: np.ndarray | None = None
    sequence_curves: dict = field(default_factory=dict)
    eao_curve: np.ndarray | None = None
    eao_interval: tuple[int, int] | None = None
    sequence_overlaps: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def record(self) -> dict:
        """The JSON object ``crpnbench score --json`` prints for this tracker."""
        keys = OPE_COLUMNS if self.protocol == "ope" else VOT_COLUMNS
        out = {"tracker": self.name, "sequences": int(self.sequences), "frames": int(self.frames)}
        for key in keys:
            value = self.metrics[key]
            out[key] = int(value) if key == "failures" else round(float(value), 6)
        return out


@dataclass
class ScoreReport:
    """Scores of every tracker under one results folder, one protocol and one convention."""

    dataset: str
    protocol: str
    convention: ScoringConvention
    trackers: dict[str, TrackerScore]
    notes: list[str] = field(default_factory=list)

    @property
    def main_metric(self) -> str:
        return "success" if self.protocol == "ope" else "eao"

    def records(self) -> list[dict]:
        """List of per-tracker dicts sorted by the main metric (best first, NaN last)."""
        recs = [t.record() for t in self.trackers.values()]
        def key(rec):
            value = rec[self.main_metric]
            return (0 if np.isfinite(value) else 1, -value if np.isfinite(value) else 0.0, rec["tracker"])

        return sorted(recs, key=key)

    def table(self):
        """pandas DataFrame of :meth:`records`, indexed by tracker, sorted by the main metric."""
        import pandas as pd

        recs = self.records()
        cols = ["tracker", "sequences", "frames"] + list(OPE_COLUMNS if self.protocol == "ope" else VOT_COLUMNS)
        return pd.DataFrame(recs, columns=cols).set_index("tracker")

    def write_csv(self, out_dir: str | Path) -> list[Path]:
        """Write ``summary.csv``, ``per_sequence.csv``, ``per_attribute.csv`` and ``curves.csv``."""
        import pandas as pd

        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        written = []
        summary = self.table()
        summary.insert(0, "convention", self.convention.name)
        summary.insert(0, "protocol", self.protocol)
        path = out_dir / "summary.csv"
        summary.to_csv(path)
        written.append(path)
        for kind in ("per_sequence", "per_attribute"):
            frames = []
            for name, score in self.trackers.items():
                df = getattr(score, kind)
                if df is not None and len(df):
                    frames.append(df.assign(tracker=name))
            if frames:
                table = pd.concat(frames)
                table = table[["tracker"] + [c for c in table.columns if c != "tracker"]]
                path = out_dir / f"{kind}.csv"
                table.to_csv(path)
                written.append(path)
        rows = []
        for name, score in self.trackers.items():
            for curve in ("success_curve", "precision_curve", "norm_precision_curve", "eao_curve"):
                values = getattr(score, curve)
                if values is not None:
                    rows.append({"tracker": name, "curve": curve, "values": " ".join(f"{v:.6g}" for v in values)})
        if rows:
            path = out_dir / "curves.csv"
            pd.DataFrame(rows).to_csv(path, index=False)
            written.append(path)
        return written


# ----------------------------------------------------------------------------- helpers

#: the EAO interval used for a dataset that declares none when no sequence lengths are given (VOT2017's)
DEFAULT_EAO_INTERVAL = (100, 356)


def eao_interval(dataset: str, lengths=None) -> tuple[int, int]:
    """EAO interval of a dataset: the one the benchmark catalog declares (vot2016 -> [108, 371], the
    VOT toolkit's published values); for a dataset that declares none, the interval the VOT toolkit
    would estimate from ``lengths`` (the frame counts of the sequences scored, see
    :func:`~crpnbench.metrics.vot.eao_interval_from_lengths`); :data:`DEFAULT_EAO_INTERVAL` when
    neither is available."""
    from crpnbench.data.catalog import benchmark_info
    from crpnbench.metrics.vot import eao_interval_from_lengths

    declared = benchmark_info(dataset).eao_interval
    if declared:
        return declared
    if lengths is not None and len(lengths):
        return eao_interval_from_lengths(lengths)
    return DEFAULT_EAO_INTERVAL


def tracker_folders(results_dir: str | Path, trackers=None) -> dict[str, Path]:
    """Tracker folders under ``results_dir`` (a folder that itself holds ``*.txt`` results is one tracker)."""
    results_dir = Path(results_dir)
    if not results_dir.is_dir():
        raise DataError("results folder does not exist", results_dir)
    if trackers:
        found = {}
        for name in trackers:
            path = results_dir / name
            if not path.is_dir():
                raise DataError(f"no results folder for tracker {name!r}", path)
            found[name] = path
        return found
    folders = {p.name: p for p in sorted(results_dir.iterdir()) if p.is_dir() and detect_layout(p)}
    if not folders and detect_layout(results_dir) == "otb":
        folders = {results_dir.name: results_dir}
    if not folders:
        raise DataError("no tracker result folders found (expected <tracker>/<seq>.txt or "
                        "<tracker>/baseline/<seq>/<seq>_001.txt)", results_dir)
    return folders


def _sequence_file(index: dict[str, Path], seq_name: str, tracker_dir: Path, missing: str, notes: list[str]):
    path = index.get(sequence_key(seq_name))
    if path is None:
        if missing == "skip":
            notes.append(f"{tracker_dir}: no result for sequence {seq_name!r} (skipped)")
            return None
        raise DataError(f"no result file for sequence {seq_name!r}", tracker_dir)
    return path


def _attribute_table(per_sequence, attributes: dict[str, tuple[str, ...]], columns):
    import pandas as pd

    names = sorted({a for attrs in attributes.values() for a in attrs})
    rows = []
    for attr in names:
        members = [s for s, attrs in attributes.items() if attr in attrs and s in per_sequence.index]
        if members:
            row = {"attribute": attr, "sequences": len(members)}
            row.update(per_sequence.loc[members, list(columns)].mean().to_dict())
            rows.append(row)
    return pd.DataFrame(rows, columns=["attribute", "sequences", *columns]).set_index("attribute")


# ----------------------------------------------------------------------------- OPE

def score_ope_tracker(benchmark, tracker_dir: str | Path, convention: ScoringConvention,
                      name: str | None = None, missing: str = "error") -> TrackerScore:
    """Score one OPE tracker folder against every present sequence of ``benchmark``."""
    import pandas as pd

    tracker_dir = Path(tracker_dir)
    layout = detect_layout(tracker_dir)
    if layout not in ("otb", "got10k"):
        raise DataError("not an OPE results folder (no <seq>.txt or <seq>/<seq>_001.txt files)", tracker_dir)
    index = index_result_files(tracker_dir, layout)
    notes: list[str] = []
    names, preds, gts, absents, attributes = [], [], [], [], {}
    corner_files = []
    allow_nan = convention.invalid_prediction == "previous"
    for seq in benchmark:
        path = _sequence_file(index, seq.name, tracker_dir, missing, notes)
        if path is None:
            continue
        if len(seq) > 1 and np.isnan(seq.boxes[1:]).all():
            raise DataError(f"sequence {seq.name!r} has no ground truth after frame 1 (e.g. TrackingNet TEST, "
                            "scored only by the official server); cannot score it locally", tracker_dir)
        result = read_ope_result(path, len(seq), convention.length_mismatch, allow_nan=allow_nan)
        notes.extend(result.notes)
        if len(result.values) and first_line_looks_like_corners(result.values[0], seq.boxes[0]):
            corner_files.append(path.name)
        names.append(seq.name)
        preds.append(result.values)
        gts.append(seq.boxes)
        absents.append(seq.absent)
        attributes[seq.name] = tuple(seq.attributes)
    if not names:
        raise DataError("no sequence of the benchmark has a result here", tracker_dir)
    batch = score_ope_batch(preds, gts, absents, convention)
    curves = {name: (batch.success_curves[i], batch.precision_curves[i], batch.norm_precision_curves[i])
              for i, name in enumerate(names)}
    per_sequence = pd.DataFrame({
        "sequence": names, "frames": [len(g) for g in gts],
        "success": batch.success_curves.mean(axis=1),
        "precision": batch.precision_curves[:, PRECISION_INDEX],
        "norm_precision": batch.norm_precision_curves[:, NORM_PRECISION_INDEX],
    }).set_index("sequence")
    if corner_files:
        notes.append(f"{tracker_dir}: line 1 of {len(corner_files)} files looks like x1,y1,x2,y2 rather than "
                     f"x,y,w,h (SiamRPN quirk), e.g. {corner_files[0]}; scored as written")
    success = batch.success_curves.mean(axis=0)
    precision = batch.precision_curves.mean(axis=0)
    norm_precision = batch.norm_precision_curves.mean(axis=0)
    metrics = {"success": auc(success), "precision": float(precision[PRECISION_INDEX]),
               "norm_precision": float(norm_precision[NORM_PRECISION_INDEX])}
    return TrackerScore(
        name=name or tracker_dir.name, protocol="ope", metrics=metrics, per_sequence=per_sequence,
        per_attribute=_attribute_table(per_sequence, attributes, OPE_COLUMNS),
        sequences=len(names), frames=int(per_sequence["frames"].sum()),
        success_curve=success, precision_curve=precision, norm_precision_curve=norm_precision,
        sequence_curves=curves, notes=notes,
    )


def score_ope(benchmark, results_dir, convention="official", trackers=None, missing: str = "error") -> dict[str, TrackerScore]:
    """OPE scores of every tracker folder under ``results_dir``: ``{tracker: TrackerScore}``."""
    conv = resolve_convention(convention, getattr(benchmark, "name", None))
    return {name: score_ope_tracker(benchmark, path, conv, name, missing)
            for name, path in tracker_folders(results_dir, trackers).items()}


# ----------------------------------------------------------------------------- VOT

def _gt_polygons(seq) -> np.ndarray:
    return seq.polygons if seq.polygons is not None else boxes_to_polygons(seq.boxes)


def score_vot_tracker(benchmark, tracker_dir: str | Path, convention: ScoringConvention, experiment: str = "baseline",
                      name: str | None = None, missing: str = "error") -> TrackerScore:
    """Score one VOT tracker folder (``<experiment>/<seq>/<seq>_001.txt``) for accuracy, failures, EAO."""
    import pandas as pd

    tracker_dir = Path(tracker_dir)
    if not (tracker_dir / experiment).is_dir():
        raise DataError(f"no {experiment}/ folder of VOT results", tracker_dir)
    index = index_result_files(tracker_dir, "vot", experiment)
    length_rule = "min" if convention.vot_length_mismatch == "truncate" else "error"
    notes: list[str] = []
    scores, codes, rows, tag_overlaps = {}, {}, [], {}
    lengths = []  # every sequence of the benchmark view, scored or missing: one interval for all trackers
    for seq in benchmark:
        lengths.append(len(seq))
        path = _sequence_file(index, seq.name, tracker_dir, missing, notes)
        if path is None:
            continue
        result = read_vot_result(path, len(seq), length_rule)
        notes.extend(result.notes)
        n = len(result.codes)
        score = score_vot_sequence(result.codes, result.values, _gt_polygons(seq)[:n], seq.image_size,
                                   convention, gt_frames=len(seq))
        scores[seq.name], codes[seq.name] = score, result.codes
        rows.append({"sequence": seq.name, "frames": len(seq), "accuracy": score.accuracy,
                     "failures": score.failures, "robustness": score.failures / len(seq) * 100})
        for tag, flags in seq.frame_tags.items():
            flags = flags[:n]
            acc, fail = tag_overlaps.setdefault(tag, ([], [0, 0]))
            acc.append(score.accuracy_overlaps[flags])
            fail[0] += int((result.codes[flags] == 2).sum())
            fail[1] += int(flags.sum())
    if not rows:
        raise DataError("no sequence of the benchmark has a result here", tracker_dir)
    interval = eao_interval(getattr(benchmark, "name", ""), lengths)
    summary = summarize_vot(scores, codes, interval, convention)
    per_sequence = pd.DataFrame(rows).set_index("sequence")
    tag_rows = []
    for tag, (acc, (fails, frames)) in sorted(tag_overlaps.items()):
        pooled = np.concatenate(acc) if acc else np.zeros(0)
        tag_rows.append({"attribute": tag, "frames": frames,
                         "accuracy": float(np.nanmean(pooled)) if np.isfinite(pooled).any() else float("nan"),
                         "failures": fails})
    per_attribute = pd.DataFrame(tag_rows, columns=["attribute", "frames", "accuracy", "failures"]).set_index("attribute")
    metrics = {k: summary[k] for k in ("accuracy", "robustness", "failures", "eao")}
    return TrackerScore(
        name=name or tracker_dir.name, protocol=experiment, metrics=metrics, per_sequence=per_sequence,
        per_attribute=per_attribute, sequences=len(rows), frames=summary["frames"],
        eao_curve=summary["eao_curve"], eao_interval=interval, notes=notes,
        sequence_overlaps={name: score.accuracy_overlaps for name, score in scores.items()},
    )


def score_vot(benchmark, results_dir, convention="official", experiment: str = "baseline", trackers=None,
              missing: str = "error") -> dict[str, TrackerScore]:
    """VOT baseline (or ``experiment="realtime"``) scores of every tracker folder under ``results_dir``."""
    conv = resolve_convention(convention, getattr(benchmark, "name", None))
    return {name: score_vot_tracker(benchmark, path, conv, experiment, name, missing)
            for name, path in tracker_folders(results_dir, trackers).items()}


# ----------------------------------------------------------------------------- entry point

def score_results(benchmark, results_dir, protocol: str | None = None, convention="official", trackers=None,
                  missing: str = "error") -> ScoreReport:
    """Score every tracker folder under ``results_dir`` against ``benchmark``.

    ``protocol`` is ``ope``, ``baseline`` or ``realtime`` (default: ``baseline`` for VOT datasets,
    else ``ope``); ``convention`` a preset name (``official``, ``pysot``, ``got10k``) or a
    :class:`ScoringConvention`; ``trackers`` limits the folders scored; ``missing="skip"`` scores
    trackers that lack some sequences (noted) instead of raising :class:`DataError`.
    """
    dataset = getattr(benchmark, "name", "") or ""
    protocol = protocol or default_protocol(dataset)
    if protocol not in PROTOCOLS:
        raise ConfigError(f"unknown protocol {protocol!r}; choose one of {', '.join(PROTOCOLS)}")
    if missing not in ("error", "skip"):
        raise ConfigError("missing must be 'error' or 'skip'")
    conv = resolve_convention(convention, dataset)
    if protocol == "ope":
        trackers_scores = score_ope(benchmark, results_dir, conv, trackers, missing)
    else:
        trackers_scores = score_vot(benchmark, results_dir, conv, protocol, trackers, missing)
    notes = [note for score in trackers_scores.values() for note in score.notes]
    return ScoreReport(dataset=dataset, protocol=protocol, convention=conv, trackers=trackers_scores, notes=notes)
def score_folder(dataset: str, results, *, data_root=None, annotations=None, sequences=None, trackers=None,
                 protocol=None, convention="official", skip_missing=False, progress=False):
    """``(benchmark, report)``: the :class:`ScoreReport` of the tracker folders under ``results`` on
    ``dataset`` (narrowed to ``sequences``), and the benchmark view scored (the library behind
    ``crpnbench score`` and ``plot``). ``progress``: a bar over (tracker, sequence) on a terminal."""
    from tqdm import tqdm

    from crpnbench.data import open_benchmark
    from crpnbench.data.views import BenchmarkSubset, requested_sequences

    opened = open_benchmark(dataset, root=data_root, annotations=annotations)
    benchmark = BenchmarkSubset(opened, requested_sequences(opened, sequences))
    folders = tracker_folders(results, list(trackers) if trackers else None)
    # progress: off unless asked, and then only on a terminal (logs and pipes stay clean)
    with tqdm(total=len(folders) * len(benchmark), desc=f"scoring {dataset}", unit="seq", leave=False,
              disable=None if progress else True, dynamic_ncols=True) as bar:
        benchmark.on_sequence = lambda: bar.update(1)
        try:
            report = score_results(benchmark, results, protocol=protocol, convention=convention,
                                   trackers=list(trackers) if trackers else None,
                                   missing="skip" if skip_missing else "error")
        finally:
            benchmark.on_sequence = None
    return benchmark, report


def score_evaluation(benchmark, summary, trackers: list[str], max_frames: int | None = None) -> ScoreReport:
    """Score the raw results an evaluation just wrote (``summary``: its
    :class:`~crpnbench.evaluation.runner.EvaluationSummary`).

    Only the sequences the run covered (and every tracker finished) count, cut to ``max_frames`` for
    smoke runs, so the numbers equal ``crpnbench score`` on the same folder when the run covered
    the whole benchmark.
    """
    from crpnbench.data.views import BenchmarkSubset

    evaluated = [name for name in summary.sequences if all(name not in run.failed for run in summary.runs)]
    subset = BenchmarkSubset(benchmark, evaluated, max_frames)
    return score_results(subset, summary.results_dir, protocol=summary.protocol, trackers=trackers)


