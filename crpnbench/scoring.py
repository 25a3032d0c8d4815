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

from crpnbench.data.catalog import benchmark_info
from crpnbench.errors import ConfigError, DataError
from crpnbench.metrics.conventions import ScoringConvention, resolve_convention
from crpnbench.metrics.ope import NORM_PRECISION_INDEX, PRECISION_INDEX, auc, score_ope_batch
from crpnbench.metrics.overlap import boxes_to_polygons
from crpnbench.metrics.vot import eao_score, score_vot_sequence
from crpnbench.protocols import default_protocol
from crpnbench.raw.layout import detect_layout, detect_ope_layout, index_result_files, sequence_key
from crpnbench.raw.read import first_line_looks_like_corners, read_ope_result
from crpnbench.raw.repetitions import read_ope_repetitions, read_vot_repetitions

PROTOCOLS = ("ope", "baseline", "realtime", "unsupervised")
#: the VOT experiments scored for accuracy, failures and EAO (the unsupervised one is scored by AO)
SUPERVISED = ("baseline", "realtime")
#: spreads over repetitions shown beside a metric when a tracker was run several times
STD_COLUMNS = {"accuracy": "accuracy_std", "robustness": "robustness_std", "eao": "eao_std"}
OPE_COLUMNS = ("success", "precision", "norm_precision")
VOT_COLUMNS = ("accuracy", "robustness", "failures", "eao")
#: the headline columns of a benchmark scored with GOT-10k's metrics (catalog ``metrics="got10k"``)
GOT10K_COLUMNS = ("ao", "sr50", "sr75")
#: how a headline column is labelled in printed tables and ``summary.csv`` (the JSON records keep the keys)
COLUMN_LABELS = {"ao": "AO", "sr50": "SR0.5", "sr75": "SR0.75"}


@dataclass
class TrackerScore:
    """Scores of one tracker: headline metrics, per-sequence/per-attribute tables and curves.

    OPE: ``success_curve`` (21 IoU thresholds), ``precision_curve`` (0..50 px),
    ``norm_precision_curve`` (0..0.5), each the mean of the per-sequence curves, and
    ``sequence_curves[name] = (success, precision, norm_precision)`` and ``sequence_overlaps[name]``
    (per-frame IoU, NaN on frames outside the convention's denominator or that cannot succeed).
    VOT: ``eao_curve`` (index i = sequence length i+1), ``eao_interval`` and
    ``sequence_overlaps[name]`` (per-frame overlaps, NaN on coded and burn-in frames); ``per_attribute``
    holds one row per VOT tag plus ``empty`` (frames without any tag): frames, accuracy, failures,
    robustness (failures per 100 tagged frames) and EAO (fragments weighted by their share of tagged
    frames, pysot's per-tag EAO).
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
    #: the headline metrics of this score when not the protocol's usual ones (GOT-10k: AO, SR0.5, SR0.75)
    columns: tuple[str, ...] = ()
    #: VOT: the most repetitions (``<seq>_00N.txt``) scored for one sequence
    repetitions: int = 1

    def record(self) -> dict:
        """The JSON object ``crpnbench score --json`` prints for this tracker (with several
        repetitions also ``repetitions`` and the spreads ``accuracy_std``, ``robustness_std``, ``eao_std``)."""
        keys = self.columns or (OPE_COLUMNS if self.protocol == "ope" else VOT_COLUMNS)
        out = {"tracker": self.name, "sequences": int(self.sequences), "frames": int(self.frames)}
        for key in keys:
            value = self.metrics[key]
            whole = key == "failures" and float(value).is_integer()  # averaged over repetitions: 59.4
            out[key] = int(value) if whole else round(float(value), 6)
            if self.repetitions > 1 and STD_COLUMNS.get(key) in self.metrics:
                out[STD_COLUMNS[key]] = round(float(self.metrics[STD_COLUMNS[key]]), 6)
        if self.repetitions > 1:
            out["repetitions"] = int(self.repetitions)
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
    def columns(self) -> tuple[str, ...]:
        """The headline metrics of this report (the trackers' own when set, e.g. GOT-10k's AO/SR)."""
        for score in self.trackers.values():
            if score.columns:
                return tuple(score.columns)
        return OPE_COLUMNS if self.protocol == "ope" else VOT_COLUMNS

    @property
    def main_metric(self) -> str:
        return "eao" if self.protocol in SUPERVISED else self.columns[0]

    def records(self, provenance: bool = True) -> list[dict]:
        """List of per-tracker dicts sorted by the main metric (best first, NaN last).

        With ``provenance`` (what ``crpnbench score --json`` prints) each record also carries
        ``protocol``, ``convention`` (every option of the scoring convention, its name included) and
        ``notes`` (that tracker's repairs, cut or short files, skipped sequences)."""
        recs = []
        for score in self.trackers.values():
            rec = score.record()
            if provenance:
                rec.update(protocol=self.protocol, convention=self.convention.describe(), notes=list(score.notes))
            recs.append(rec)

        def key(rec):
            value = rec[self.main_metric]
            return (0 if np.isfinite(value) else 1, -value if np.isfinite(value) else 0.0, rec["tracker"])

        return sorted(recs, key=key)

    def table(self, labels: bool = False):
        """pandas DataFrame of :meth:`records`, indexed by tracker, sorted by the main metric; ``labels``:
        columns named as printed (:data:`COLUMN_LABELS`: GOT-10k's ``AO``, ``SR0.5``, ``SR0.75``)."""
        import pandas as pd

        recs = self.records(provenance=False)
        cols = ["tracker", "sequences", "frames"] + list(self.columns)
        if any(score.repetitions > 1 for score in self.trackers.values()):  # spread beside A, R, EAO
            cols = [c for col in cols for c in ((col, STD_COLUMNS[col]) if col in STD_COLUMNS else (col,))]
            cols.append("repetitions")
        table = pd.DataFrame(recs, columns=cols).set_index("tracker")
        return table.rename(columns=COLUMN_LABELS) if labels else table

    def write_csv(self, out_dir: str | Path) -> list[Path]:
        """Write ``summary.csv`` (columns labelled as printed: GOT-10k's ``AO``, ``SR0.5``, ``SR0.75``),
        ``per_sequence.csv``, ``per_attribute.csv`` and ``curves.csv``."""
        import pandas as pd

        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        written = []
        summary = self.table(labels=True)
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
    layout = detect_ope_layout(tracker_dir)
    if layout not in ("otb", "got10k"):
        raise DataError("not an OPE results folder (no <seq>.txt or <seq>/<seq>_001.txt files)", tracker_dir)
    index = index_result_files(tracker_dir, layout)
    notes: list[str] = []
    names, preds, gts, absents, attributes, sizes = [], [], [], [], {}, []
    corner_files = []
    allow_nan = convention.invalid_prediction == "previous"
    got10k_metrics = benchmark_info(getattr(benchmark, "name", "")).metrics == "got10k"
    all_runs = []  # GOT-10k: every run of each sequence (_001, _002, ...), pooled as got10k's ExperimentGOT10k
    for seq in benchmark:
        path = _sequence_file(index, seq.name, tracker_dir, missing, notes)
        if path is None:
            continue
        notes.extend(getattr(seq, "notes", ()))  # the loader's notes on the ground truth (e.g. a short file)
        if len(seq) > 1 and np.isnan(seq.boxes[1:]).all():
            raise DataError(f"sequence {seq.name!r} has no ground truth after frame 1 (e.g. TrackingNet TEST, "
                            "scored only by the official server); cannot score it locally", tracker_dir)
        if got10k_metrics and layout == "got10k":
            runs = read_ope_repetitions(path, len(seq), convention.length_mismatch, allow_nan=allow_nan)
            notes.extend(note for run in runs[1:] for note in run.notes)
            result = runs[0]
        else:
            runs = None
            result = read_ope_result(path, len(seq), convention.length_mismatch, allow_nan=allow_nan)
        notes.extend(result.notes)
        if len(result.values) and first_line_looks_like_corners(result.values[0], seq.boxes[0]):
            corner_files.append(path.name)
        n = len(result.values)  # shorter than the sequence only under length_mismatch="min" (noted)
        names.append(seq.name)
        preds.append(result.values)
        all_runs.append([result.values] if runs is None else [run.values for run in runs])
        gts.append(seq.boxes[:n])
        absents.append(None if seq.absent is None else seq.absent[:n])
        attributes[seq.name] = tuple(seq.attributes)
        sizes.append(seq.image_size)
    if not names:
        raise DataError("no sequence of the benchmark has a result here", tracker_dir)
    if got10k_metrics:
        return _got10k_tracker_score(name or tracker_dir.name, names, all_runs, gts, absents, sizes, notes)
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
    frame_ious = np.where(batch.counted & (batch.ious >= 0), batch.ious, np.nan)
    overlaps = dict(zip(names, np.split(frame_ious, np.cumsum([len(g) for g in gts])[:-1])))
    return TrackerScore(
        name=name or tracker_dir.name, protocol="ope", metrics=metrics, per_sequence=per_sequence,
        per_attribute=_attribute_table(per_sequence, attributes, OPE_COLUMNS),
        sequences=len(names), frames=int(per_sequence["frames"].sum()),
        success_curve=success, precision_curve=precision, norm_precision_curve=norm_precision,
        sequence_curves=curves, notes=notes, sequence_overlaps=overlaps,
    )


def _got10k_tracker_score(name, names, runs, gts, absents, sizes, notes) -> TrackerScore:
    """GOT-10k's AO, SR0.5, SR0.75 and 101-point success curve (:mod:`crpnbench.metrics.got10k`) of results
    already read by :func:`score_ope_tracker` (``runs``: per sequence the list of its runs, ``_001``,
    ``_002``, ..., every run's overlaps pooled as got10k does); frames with cover 0 (``absent``) are not
    scored. ``frames`` (per sequence and in total) counts the scored frames of a sequence once, whatever
    the number of runs; with several runs ``repetitions`` (per sequence and the tracker's most) says how many."""
    import pandas as pd

    from crpnbench.metrics.got10k import score_got10k

    visibles = [None if a is None else ~np.asarray(a, dtype=bool) for a in absents]
    overall, per_seq = score_got10k(runs, gts, visibles, sizes)
    counts = [len(r) for r in runs]
    frames = [s.frames // max(c, 1) for s, c in zip(per_seq, counts)]
    unbounded = [n for n, size in zip(names, sizes) if size is None]
    if unbounded:
        notes.append(f"{name}: {len(unbounded)} sequences without meta_info.ini resolution (e.g. {unbounded[0]}): "
                     "boxes not clipped to the image before the overlap")
    per_sequence = pd.DataFrame({"sequence": names, "frames": frames,
                                 **{c: [getattr(s, c) for s in per_seq] for c in GOT10K_COLUMNS}}).set_index("sequence")
    if max(counts, default=1) > 1:
        per_sequence["repetitions"] = counts
    return TrackerScore(
        name=name, protocol="ope", metrics=overall.as_dict(), per_sequence=per_sequence,
        per_attribute=pd.DataFrame(columns=["attribute", "sequences", *GOT10K_COLUMNS]).set_index("attribute"),
        sequences=len(names), frames=int(sum(frames)), success_curve=overall.success_curve,
        sequence_curves={n: (s.success_curve, None, None) for n, s in zip(names, per_seq)},
        notes=notes, columns=GOT10K_COLUMNS, repetitions=max(counts, default=1),
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
    """Score one VOT tracker folder (``<experiment>/<seq>/<seq>_001.txt`` and any further repetitions
    ``_002``, ``_003``, ...) for accuracy, failures, EAO; repetitions are averaged as the VOT toolkit
    does (:mod:`crpnbench.metrics.vot_repetitions`), with their spread in ``metrics`` (``*_std``)."""
    import pandas as pd

    from crpnbench.metrics.vot_repetitions import SequenceRuns, eao_curve_runs, summarize_vot_runs

    tracker_dir = Path(tracker_dir)
    if not (tracker_dir / experiment).is_dir():
        raise DataError(f"no {experiment}/ folder of VOT results", tracker_dir)
    index = index_result_files(tracker_dir, "vot", experiment)
    length_rule = "min" if convention.vot_length_mismatch == "truncate" else "error"
    notes: list[str] = []
    runs, rows, tag_overlaps, tag_flags = {}, [], {}, {}
    lengths = []  # every sequence of the benchmark view, scored or missing: one interval for all trackers
    for seq in benchmark:
        lengths.append(len(seq))
        path = _sequence_file(index, seq.name, tracker_dir, missing, notes)
        if path is None:
            continue
        read = read_vot_repetitions(path, len(seq), length_rule, convention.repetition_read)
        notes.extend(read.notes)
        n = len(read.runs[0].codes)
        gt = _gt_polygons(seq)[:n]
        rects = None if getattr(seq, "rectangle_rows", None) is None else seq.rectangle_rows[:n]  # vot_toolkit rule
        seq_runs = SequenceRuns([score_vot_sequence(r.codes, r.values, gt, seq.image_size, convention,
                                                    gt_frames=len(seq), gt_rectangles=rects) for r in read.runs],
                                [r.codes for r in read.runs])
        runs[seq.name] = seq_runs
        accuracy_overlaps = seq_runs.accuracy_overlaps()
        if convention.repetition_accuracy == "run_mean":
            accuracy = seq_runs.accuracy_run_mean()
        else:
            valid = ~np.isnan(accuracy_overlaps)
            accuracy = float(accuracy_overlaps[valid].mean()) if valid.any() else float("nan")
        rows.append({"sequence": seq.name, "frames": len(seq), "accuracy": accuracy,
                     "failures": seq_runs.failures, "robustness": seq_runs.failures / len(seq) * 100,
                     "repetitions": seq_runs.repetitions})
        frame_tags = {tag: np.asarray(flags[:n], bool) for tag, flags in seq.frame_tags.items()}
        if frame_tags:  # VOT's "empty": frames with no tag
            frame_tags["empty"] = ~np.any(list(frame_tags.values()), axis=0)
        tag_flags[seq.name] = frame_tags
        for tag, flags in frame_tags.items():
            acc, fail = tag_overlaps.setdefault(tag, ([], [0, 0]))
            acc.append(accuracy_overlaps[flags])
            counts = [int((codes[flags] == 2).sum()) for codes in seq_runs.codes]
            fail[0] += counts[0] if len(set(counts)) == 1 else float(np.mean(counts))
            fail[1] += int(flags.sum())
    if not rows:
        raise DataError("no sequence of the benchmark has a result here", tracker_dir)
    interval = eao_interval(getattr(benchmark, "name", ""), lengths)
    summary = summarize_vot_runs(runs, interval, convention)
    per_sequence = pd.DataFrame(rows).set_index("sequence")
    if summary["repetitions"] == 1:
        per_sequence = per_sequence.drop(columns="repetitions")
    tag_rows = []
    max_len = max((r.n_frames for r in runs.values()), default=0)
    for tag, (acc, (fails, frames)) in sorted(tag_overlaps.items()):
        pooled = np.concatenate(acc) if acc else np.zeros(0)
        curve = eao_curve_runs(runs, max_len, convention,
                               {name: tag_flags[name].get(tag, np.zeros(runs[name].n_frames, bool)) for name in runs})
        tag_rows.append({"attribute": tag, "frames": frames,
                         "accuracy": float(np.nanmean(pooled)) if np.isfinite(pooled).any() else float("nan"),
                         "failures": fails, "robustness": fails / frames * 100 if frames else float("nan"),
                         "eao": eao_score(curve, interval, convention.eao_indexing)})
    per_attribute = pd.DataFrame(tag_rows, columns=["attribute", "frames", "accuracy", "failures", "robustness",
                                                    "eao"]).set_index("attribute")
    metrics = {k: summary[k] for k in ("accuracy", "robustness", "failures", "eao")}
    metrics.update({k: v for k, v in summary.items() if k.endswith("_std")})
    if summary["repetitions"] > 1:
        counts = sorted({r.repetitions for r in runs.values()})
        notes.append(f"{tracker_dir.name}: {'/'.join(map(str, counts))} repetitions per sequence; scores averaged "
                     f"over them (convention {convention.name}: repetition_accuracy={convention.repetition_accuracy}, "
                     f"repetition_weights={convention.repetition_weights})")
    return TrackerScore(
        name=name or tracker_dir.name, protocol=experiment, metrics=metrics, per_sequence=per_sequence,
        per_attribute=per_attribute, sequences=len(rows), frames=summary["frames"],
        eao_curve=summary["eao_curve"], eao_interval=interval, notes=notes,
        sequence_overlaps={name: r.accuracy_overlaps() for name, r in runs.items()},
        repetitions=summary["repetitions"],
    )


def score_unsupervised_tracker(benchmark, tracker_dir: str | Path, convention: ScoringConvention,
                               name: str | None = None, missing: str = "error") -> TrackerScore:
    """Score one tracker folder of the VOT unsupervised experiment (``unsupervised/<seq>/<seq>_00N.txt``:
    initialised once on frame 1, never reset) by average overlap (AO), as the VOT toolkit defines it
    (:func:`crpnbench.metrics.vot_repetitions.average_overlap`, convention ``ao_rule``)."""
    import pandas as pd

    from crpnbench.metrics.vot import vot_overlaps
    from crpnbench.metrics.vot_repetitions import average_overlap, unsupervised_frame_overlaps

    tracker_dir = Path(tracker_dir)
    if not (tracker_dir / "unsupervised").is_dir():
        raise DataError("no unsupervised/ folder of VOT results", tracker_dir)
    index = index_result_files(tracker_dir, "vot", "unsupervised")
    length_rule = "min" if convention.vot_length_mismatch == "truncate" else "error"
    notes: list[str] = []
    frame_overlaps, repetitions = {}, {}
    for seq in benchmark:
        path = _sequence_file(index, seq.name, tracker_dir, missing, notes)
        if path is None:
            continue
        read = read_vot_repetitions(path, len(seq), length_rule, convention.repetition_read)
        notes.extend(read.notes)
        failures = [r.path.name for r in read.runs if (r.codes == 2).any()]
        if failures:
            raise DataError("a failure code 2 in an unsupervised result (the tracker is never reset there); "
                            "is this a baseline file?", read.runs[0].path.parent / failures[0])
        n = len(read.runs[0].codes)
        gt = _gt_polygons(seq)[:n]
        frame_overlaps[seq.name] = unsupervised_frame_overlaps(
            [vot_overlaps(r.codes, r.values, gt, seq.image_size, convention) for r in read.runs],
            [r.codes for r in read.runs], convention.ao_rule)
        repetitions[seq.name] = len(read.runs)
    if not frame_overlaps:
        raise DataError("no sequence of the benchmark has a result here", tracker_dir)
    result = average_overlap(frame_overlaps, convention.ao_rule)
    per_sequence = pd.DataFrame({"sequence": list(frame_overlaps),
                                 "frames": [len(v) for v in frame_overlaps.values()],
                                 "ao": [result["per_sequence"][n] for n in frame_overlaps]}).set_index("sequence")
    return TrackerScore(
        name=name or tracker_dir.name, protocol="unsupervised", metrics={"ao": result["ao"]},
        per_sequence=per_sequence,
        per_attribute=pd.DataFrame(columns=["attribute", "sequences", "ao"]).set_index("attribute"),
        sequences=len(frame_overlaps), frames=int(result["frames"]), success_curve=result["success_curve"],
        sequence_overlaps=frame_overlaps, notes=notes, columns=("ao",),
        repetitions=max(repetitions.values()),
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

    ``protocol`` is ``ope``, ``baseline``, ``realtime`` or ``unsupervised`` (VOT2018's, scored by average
    overlap; default: ``baseline`` for VOT datasets, else ``ope``); ``convention`` a preset name (``official``, ``pysot``, ``got10k``) or a
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
    elif protocol == "unsupervised":
        trackers_scores = {name: score_unsupervised_tracker(benchmark, path, conv, name, missing)
                           for name, path in tracker_folders(results_dir, trackers).items()}
    else:
        trackers_scores = score_vot(benchmark, results_dir, conv, protocol, trackers, missing)
    # once each: a ground-truth note is in every tracker's notes
    notes = list(dict.fromkeys(note for score in trackers_scores.values() for note in score.notes))
    return ScoreReport(dataset=dataset, protocol=protocol, convention=conv, trackers=trackers_scores, notes=notes)
def score_folder(dataset: str, results, *, data_root=None, annotations=None, sequences=None, trackers=None,
                 protocol=None, convention="official", skip_missing=False, progress=False):
    """``(benchmark, report)``: the :class:`ScoreReport` of the tracker folders under ``results`` on
    ``dataset`` (narrowed to ``sequences``), and the benchmark view scored (the library behind
    ``crpnbench score`` and ``plot``). ``progress``: a bar over (tracker, sequence) on a terminal."""
    import contextlib
    import sys

    from crpnbench.data import open_benchmark
    from crpnbench.data.views import BenchmarkSubset, requested_sequences

    opened = open_benchmark(dataset, root=data_root, annotations=annotations)
    requested = requested_sequences(opened, sequences)
    if requested and not any(opened.is_present(name) for name in requested):
        # the ground truth is what is missing here, not the results: name where it was looked for
        source = opened.annotations if opened.annotations is not None else opened.root
        kind = "annotation file" if opened.annotations is not None else "data root"
        raise DataError(f"0 sequences of {dataset} in this {kind} (none of the {len(requested)} "
                        f"{'requested' if sequences else 'listed'}, e.g. {requested[0]!r}, is there)", source)
    benchmark = BenchmarkSubset(opened, requested)
    folders = tracker_folders(results, list(trackers) if trackers else None)
    # progress: off unless asked, and then only on a terminal (logs and pipes stay clean); tqdm is not even
    # imported otherwise (--quiet scoring of a large benchmark is I/O bound: every import counts)
    if progress and sys.stderr.isatty():
        from tqdm import tqdm

        bar_context = tqdm(total=len(folders) * len(benchmark), desc=f"scoring {dataset}", unit="seq", leave=False,
                           dynamic_ncols=True)
    else:
        bar_context = contextlib.nullcontext()
    with bar_context as bar:
        benchmark.on_sequence = (lambda: bar.update(1)) if bar is not None else None
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


