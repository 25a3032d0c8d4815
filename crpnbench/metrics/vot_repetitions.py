"""VOT scores of trackers run several times per sequence, and the unsupervised experiment's average overlap.

The VOT toolkit runs a stochastic tracker 15 times per sequence (``<seq>_001.txt`` ... ``_015.txt``).
How the repetitions are averaged, with the source of each rule (``votchallenge/toolkit-legacy`` is the
MATLAB toolkit of VOT2016-2018, ``votchallenge/toolkit`` the Python vot-toolkit, ``STVIR/pysot`` the
pysot toolkit):

* **Accuracy** — convention ``repetition_accuracy``:

  - ``"frame_mean"`` (MATLAB ``analysis/analyze_accuracy_robustness.m``, ``calculate_accuracy_overlap``:
    ``nanmean`` of each frame's overlap over the repetitions; pysot ``ar_benchmark.py``:
    ``np.nanmean(overlaps_group, axis=0)``): each frame's burned-in overlap is averaged over the
    repetitions that have one, and those per-frame means are pooled over the sequences as for one run
    (``accuracy_pooling``);
  - ``"run_mean"`` (vot-toolkit Python ``analysis/supervised.py``, ``AccuracyRobustness.subcompute``):
    a sequence's accuracy is the mean of its repetitions' accuracies; sequences are averaged weighted
    by their length (``AverageAccuracyRobustness.aggregate``).

* **Failures** — every toolkit: a sequence's failures are the mean over its repetitions, the
  tracker's the sum of those means (MATLAB: ``average_failures = mean(sum(F1, 1))`` with a missing
  repetition filled by the sequence's mean; pysot: ``np.mean(np.sum(failures, axis=0))``, the same number
  when every sequence has as many repetitions; vot-toolkit Python: ``failures / len(trajectories)``).
  Robustness = failures / frames * 100, so it is averaged the same way. Failures can be fractional
  (59.4 over 15 runs).

* **EAO** — the fragments of every repetition of every sequence are pooled into one fragment matrix
  (:func:`~crpnbench.metrics.vot.eao_fragments` per run) and weighted, convention ``repetition_weights``:
  ``"sequence"`` (MATLAB ``estimate_expected_overlap.m``: ``sequence_weights = weights(sources) ./
  occurences(sources)``, i.e. ``1 / R`` for a sequence with ``R`` runs read), ``"last_sequence"`` (pysot
  ``eao_benchmark.py``: ``seq_weight = 1 / len(tracker_trajs)`` of the last sequence, for all) or
  ``"run"`` (vot-toolkit Python ``EAOCurve``: weight 1 per fragment). With the same number of runs on
  every sequence the three give the same curve.

Identical runs are scored once with their multiplicity as weight, so two identical repetitions of a
sequence score exactly (bit for bit) like one. The spread reported beside A, R and EAO is the sample
standard deviation (``ddof=1``) over repetitions ``k = 1..max R`` of the scores of "the k-th run of every
sequence" (a sequence with fewer runs — a deterministic tracker stopped after three identical ones —
contributes its last run, which equals the others).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crpnbench.metrics.conventions import ScoringConvention
from crpnbench.metrics.vot import (
    VOTSequenceScore,
    eao_fragments,
    eao_score,
    expected_overlap_curve,
)


@dataclass
class SequenceRuns:
    """One sequence's repetitions: per-run scores and codes (``runs[0]`` is ``_001``)."""

    runs: list[VOTSequenceScore]
    codes: list[np.ndarray]

    def __post_init__(self) -> None:
        if not self.runs or len(self.runs) != len(self.codes):
            raise ValueError("a sequence needs at least one run, with its codes")
        # distinct runs and how many times each occurs (identical runs are scored once, weighted)
        self.distinct: list[int] = []
        self.multiplicity: list[int] = []
        for i, (score, codes) in enumerate(zip(self.runs, self.codes)):
            for j, first in enumerate(self.distinct):
                if np.array_equal(codes, self.codes[first]) and \
                        np.array_equal(score.overlaps, self.runs[first].overlaps, equal_nan=True):
                    self.multiplicity[j] += 1
                    break
            else:
                self.distinct.append(i)
                self.multiplicity.append(1)

    @property
    def repetitions(self) -> int:
        return len(self.runs)

    @property
    def n_frames(self) -> int:
        return self.runs[0].n_frames

    @property
    def length(self) -> int:
        """The sequence's length (robustness divides by it)."""
        return self.runs[0].gt_frames or self.runs[0].n_frames

    @property
    def failures(self) -> float:
        """Mean failures over the repetitions (an int when every run failed as often)."""
        counts = [run.failures for run in self.runs]
        return counts[0] if len(set(counts)) == 1 else float(np.mean(counts))

    def accuracy_overlaps(self) -> np.ndarray:
        """Each frame's burned-in overlap averaged over the repetitions that have one (NaN where none does)."""
        if len(self.distinct) == 1:
            return self.runs[0].accuracy_overlaps
        stack = np.vstack([run.accuracy_overlaps for run in self.runs])
        known = ~np.isnan(stack)
        count = known.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count > 0, np.nansum(stack, axis=0) / np.maximum(count, 1), np.nan)

    def accuracy_run_mean(self) -> float:
        """vot-toolkit Python: the mean of the repetitions' accuracies (NaN runs count 0, as it returns 0)."""
        if len(self.distinct) == 1:
            return self.runs[0].accuracy
        values = [0.0 if np.isnan(run.accuracy) else run.accuracy for run in self.runs]
        return float(np.mean(values))

    def fragment_weights(self, rule: str, last_repetitions: int) -> list[float]:
        """Weight of each distinct run's fragments under ``rule`` (see the module doc)."""
        if rule == "run":
            return [float(m) for m in self.multiplicity]
        total = self.repetitions if rule == "sequence" else last_repetitions
        return [m / total for m in self.multiplicity]


def _fragments(sequences: dict[str, SequenceRuns], max_len: int, convention: ScoringConvention,
               flags: dict | None = None):
    """The pooled fragment matrix and weights (per tag when ``flags`` gives per-frame tag booleans)."""
    last = sequences[next(reversed(sequences))].repetitions if sequences else 1
    rows, weights = [], []
    for name, seq in sequences.items():
        for index, weight in zip(seq.distinct, seq.fragment_weights(convention.repetition_weights, last)):
            frags, spans = eao_fragments(seq.runs[index].overlaps, seq.codes[index], max_len, convention,
                                         return_spans=True)
            if flags is None:
                rows.extend(frags)
                weights.extend([weight] * len(frags))
                continue
            tag = np.asarray(flags[name], dtype=np.float64).reshape(-1)
            for row, (start, end) in zip(frags, spans):
                part = tag[start:end]
                rows.append(row)
                weights.append(weight * (float(part.mean()) if len(part) else 0.0))
    if not rows:
        return np.zeros((0, max_len)), np.zeros(0)
    return np.vstack(rows), np.asarray(weights, dtype=np.float64)


def eao_curve_runs(sequences: dict[str, SequenceRuns], max_len: int, convention: ScoringConvention,
                   flags: dict | None = None) -> np.ndarray:
    """The EAO curve of every repetition's fragments (``flags``: per-tag, as
    :func:`~crpnbench.metrics.vot.tag_eao_curve` weights them)."""
    fragments, weights = _fragments(sequences, max_len, convention, flags)
    if len(weights) and np.all(weights == 1.0):
        weights = None  # the single-run path, bit for bit
    return expected_overlap_curve(fragments, weights)


def _accuracy(sequences: dict[str, SequenceRuns], convention: ScoringConvention) -> float:
    names = list(sequences)
    if not names:
        return float("nan")
    if convention.repetition_accuracy == "run_mean":
        acc = np.array([sequences[n].accuracy_run_mean() for n in names])
        lengths = np.array([sequences[n].n_frames for n in names], dtype=np.float64)
        ok = ~np.isnan(acc)
        return float((acc[ok] * lengths[ok]).sum() / lengths[ok].sum()) if ok.any() else float("nan")
    overlaps = {n: sequences[n].accuracy_overlaps() for n in names}
    if convention.accuracy_pooling == "frames":
        pooled = np.concatenate([overlaps[n] for n in names])
        return float(np.nanmean(pooled)) if np.isfinite(pooled).any() else float("nan")
    acc, lengths = [], []
    for n in names:
        valid = ~np.isnan(overlaps[n])
        acc.append(float(overlaps[n][valid].mean()) if valid.any() else float("nan"))
        lengths.append(sequences[n].n_frames)
    acc, lengths = np.array(acc), np.array(lengths, dtype=np.float64)
    ok = ~np.isnan(acc)
    return float((acc[ok] * lengths[ok]).sum() / lengths[ok].sum()) if ok.any() else float("nan")


def summarize_vot_runs(sequences: dict[str, SequenceRuns], interval: tuple[int, int],
                       convention: ScoringConvention | None = None) -> dict:
    """Tracker-level accuracy, failures, robustness, EAO curve and EAO over every repetition (module doc),
    plus ``repetitions`` (the most runs of any sequence) and, with more than one, ``accuracy_std``,
    ``robustness_std``, ``failures_std`` and ``eao_std`` over repetitions. With one run per sequence
    the numbers equal :func:`crpnbench.metrics.vot.summarize_vot`'s."""
    convention = convention or ScoringConvention()
    names = list(sequences)
    n_frames = sum(sequences[n].length for n in names)
    failures = sum(sequences[n].failures for n in names)
    max_len = max((sequences[n].n_frames for n in names), default=0)
    curve = eao_curve_runs(sequences, max_len, convention)
    repetitions = max((sequences[n].repetitions for n in names), default=1)
    out = {
        "accuracy": _accuracy(sequences, convention),
        "failures": failures if isinstance(failures, (int, np.integer)) else float(failures),
        "robustness": failures / n_frames * 100 if n_frames else float("nan"),
        "eao_curve": curve,
        "eao": eao_score(curve, interval, convention.eao_indexing),
        "frames": int(n_frames),
        "repetitions": int(repetitions),
    }
    if repetitions > 1:
        per_run = [summarize_vot_runs(
            {n: SequenceRuns([s.runs[min(k, s.repetitions - 1)]], [s.codes[min(k, s.repetitions - 1)]])
             for n, s in sequences.items()}, interval, convention) for k in range(repetitions)]
        for key in ("accuracy", "robustness", "failures", "eao"):
            out[f"{key}_std"] = float(np.std([r[key] for r in per_run], ddof=1))
        out["per_repetition"] = [{k: r[k] for k in ("accuracy", "robustness", "failures", "eao")} for r in per_run]
    return out


# ----------------------------------------------------------------------------- unsupervised experiment

#: the success-curve thresholds of the MATLAB toolkit's overlap analysis (``linspace(0, 1, resolution)``, 100)
AO_THRESHOLDS = np.linspace(0, 1, 100)
#: vot-toolkit Python ``SequenceAccuracy``'s default burn-in
VOT_PYTHON_BURNIN = 10


def unsupervised_frame_overlaps(overlaps_runs: list[np.ndarray], codes_runs: list[np.ndarray],
                                rule: str = "legacy") -> np.ndarray:
    """Per-frame overlaps of one sequence in the unsupervised experiment, averaged over repetitions.

    ``legacy`` (MATLAB ``analysis/create_sequence_selectors.m`` ``aggregate_for_sequence`` +
    ``analysis/analyze_overlap.m``, VOT2018 stack ``unsupervised.parameters.burnin = 0``): each frame's
    overlap averaged over the repetitions that have one, then frames without any (the
    initialisation frame written ``1``, skipped frames) set to 0. ``vot-python`` (vot-toolkit
    ``analysis/accuracy.py`` ``gather_overlaps``): the initialisation frame and the next
    ``VOT_PYTHON_BURNIN - 1`` frames, and code frames, are NaN (left out)."""
    stack = []
    for overlaps, codes in zip(overlaps_runs, codes_runs):
        values = np.array(overlaps, dtype=np.float64, copy=True)
        if rule == "vot-python":
            codes = np.asarray(codes).reshape(-1)
            for start in np.flatnonzero(codes == 1):
                values[start:start + VOT_PYTHON_BURNIN] = np.nan
        stack.append(values)
    stack = np.vstack(stack)
    known = ~np.isnan(stack)
    count = known.sum(axis=0)
    mean = np.where(count > 0, np.nansum(stack, axis=0) / np.maximum(count, 1), np.nan)
    return np.nan_to_num(mean, nan=0.0) if rule == "legacy" else mean


def average_overlap(frame_overlaps: dict[str, np.ndarray], rule: str = "legacy") -> dict:
    """The unsupervised experiment's average overlap (AO) from :func:`unsupervised_frame_overlaps` per sequence.

    ``legacy``: the mean over all frames of all sequences (``mean(overlaps)`` of the ``all`` selector,
    i.e. sequences weighted by length) and the success curve ``sum(overlaps > t) / N`` at
    :data:`AO_THRESHOLDS`; ``vot-python``: per-sequence means of the frames kept, averaged weighted by
    sequence length (``AverageAccuracy``, ``weighted=True``). Returns ``ao``, ``success_curve``,
    ``per_sequence`` (sequence -> AO) and ``frames``."""
    per_sequence, lengths, pooled = {}, {}, []
    for name, values in frame_overlaps.items():
        values = np.asarray(values, dtype=np.float64)
        kept = values[~np.isnan(values)]
        per_sequence[name] = float(kept.mean()) if len(kept) else 0.0
        lengths[name] = len(values)
        pooled.append(np.nan_to_num(values, nan=0.0) if rule == "legacy" else kept)
    frames = sum(lengths.values())
    if rule == "legacy":
        allframes = np.concatenate(pooled) if pooled else np.zeros(0)
        ao = float(allframes.mean()) if len(allframes) else float("nan")
    else:
        ao = (sum(per_sequence[n] * lengths[n] for n in per_sequence) / frames) if frames else float("nan")
        allframes = np.concatenate(pooled) if pooled else np.zeros(0)
    curve = (allframes[:, None] > AO_THRESHOLDS[None, :]).sum(axis=0) / max(len(allframes), 1)
    return {"ao": ao, "success_curve": curve.astype(np.float64), "per_sequence": per_sequence, "frames": frames}


__all__ = ["AO_THRESHOLDS", "SequenceRuns", "average_overlap", "eao_curve_runs", "summarize_vot_runs",
           "unsupervised_frame_overlaps"]
