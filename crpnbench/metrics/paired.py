"""Seed spread and paired differences between two trackers scored on the same sequences (pure NumPy).

An ablation trains every variant with several training seeds and scores each on the same test
sequences. Two questions follow, answered here:

* How much does a variant's score move from one training seed to the next? :func:`mean_std` gives the
  mean over seeds and the sample standard deviation (``ddof=1``; ``None`` for one seed).
* Is variant A better than variant B? Per test sequence, average each variant's score over its
  seeds (:func:`seed_average`), take A minus B, and report the mean of those per-sequence
  differences with a percentile bootstrap confidence interval over sequences
  (:func:`paired_difference`): sequences are resampled with replacement, the mean difference is
  recomputed for every resample, and the ``(1 - confidence) / 2`` and ``(1 + confidence) / 2``
  quantiles of those means bound the interval. Pairing removes the (large) difference in
  difficulty between sequences from the comparison; the interval covers the sampling of sequences,
  and through the seed averages part of the seed-to-seed noise.

The sequence bootstrap treats each variant's seed average as fixed. :func:`two_level_interval` also
resamples the training seeds (independently per variant, with replacement, and the same sequences for
both), so its interval widens with the seed-to-seed spread: with few seeds it is the more honest one.

The generator is seeded, so the same numbers give the same interval every time.
"""

from __future__ import annotations

import math
from collections.abc import Sequence as _Sequence
from dataclasses import dataclass

import numpy as np

#: resamples of the bootstrap (10,000: the interval's ends move by well under 0.001 between seeds)
DEFAULT_RESAMPLES = 10_000
DEFAULT_CONFIDENCE = 0.95
#: resamples drawn per block (bounds memory to about ``BLOCK * sequences`` indices)
_BLOCK = 2_000


@dataclass(frozen=True)
class PairedDifference:
    """The mean per-sequence difference A - B and its percentile bootstrap interval.

    Attributes:
        mean: mean over sequences of (A - B).
        low, high: the ``confidence`` percentile bootstrap interval of ``mean``.
        sequences: sequences paired.
        resamples: bootstrap resamples drawn.
        confidence: the interval's level (0.95).
        seed: the bootstrap generator's seed.
    """

    mean: float
    low: float
    high: float
    sequences: int
    resamples: int = DEFAULT_RESAMPLES
    confidence: float = DEFAULT_CONFIDENCE
    seed: int = 0

    @property
    def excludes_zero(self) -> bool:
        """Whether the interval lies entirely above or below 0."""
        return self.low > 0 or self.high < 0

    def to_dict(self) -> dict:
        return {"mean_difference": self.mean, "ci_low": self.low, "ci_high": self.high,
                "sequences": self.sequences, "resamples": self.resamples, "confidence": self.confidence,
                "bootstrap_seed": self.seed}


def mean_std(values) -> tuple[float, float | None]:
    """Mean and sample standard deviation (``ddof=1``) of ``values``; the deviation is ``None`` for one
    value (e.g. ``[0.40, 0.44]`` -> ``(0.42, 0.0283)``)."""
    array = np.asarray(values, dtype=np.float64).reshape(-1)
    if array.size == 0:
        raise ValueError("mean_std needs at least one value")
    mean = float(array.mean())
    return mean, (float(array.std(ddof=1)) if array.size > 1 else None)


def seed_average(per_seed, skip_nan: bool = False) -> np.ndarray:
    """Per-sequence mean over seeds of a ``(seeds, sequences)`` array (one row per training seed).

    ``skip_nan``: average over the seeds that have a value (a sequence no seed has stays NaN), e.g. VOT
    accuracy, undefined for a run that failed on every frame of a sequence."""
    array = np.asarray(per_seed, dtype=np.float64)
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2 or array.shape[0] == 0:
        raise ValueError(f"expected a (seeds, sequences) array, got shape {array.shape}")
    if not skip_nan:
        return array.mean(axis=0)
    counts = np.isfinite(array).sum(axis=0)
    sums = np.where(np.isfinite(array), array, 0.0).sum(axis=0)
    return np.divide(sums, counts, out=np.full(array.shape[1], np.nan), where=counts > 0)


def bootstrap_mean_interval(values, *, resamples: int = DEFAULT_RESAMPLES, confidence: float = DEFAULT_CONFIDENCE,
                            seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``values`` (resampled with replacement).

    Deterministic for a given ``seed``. One value gives the degenerate interval ``(v, v)``.
    """
    array = np.asarray(values, dtype=np.float64).reshape(-1)
    n = array.size
    if n == 0:
        raise ValueError("the bootstrap needs at least one value")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence}")
    if resamples < 1:
        raise ValueError(f"resamples must be at least 1, got {resamples}")
    if not np.isfinite(array).all():
        raise ValueError("the bootstrap needs finite values (drop NaN sequences first)")
    if n == 1:
        return float(array[0]), float(array[0])
    rng = np.random.default_rng(seed)
    means = np.empty(resamples, dtype=np.float64)
    for start in range(0, resamples, _BLOCK):
        count = min(_BLOCK, resamples - start)
        means[start:start + count] = array[rng.integers(0, n, size=(count, n))].mean(axis=1)
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(means, [tail, 1.0 - tail])
    return float(low), float(high)


def paired_difference(a, b, *, resamples: int = DEFAULT_RESAMPLES, confidence: float = DEFAULT_CONFIDENCE,
                      seed: int = 0) -> PairedDifference:
    """Mean per-sequence difference ``a - b`` with its percentile bootstrap interval over sequences.

    ``a`` and ``b`` hold one value per sequence, in the same sequence order (e.g. the seed-averaged
    success of two variants, :func:`seed_average`). Pairs where either value is NaN are left out.
    """
    a = np.asarray(a, dtype=np.float64).reshape(-1)
    b = np.asarray(b, dtype=np.float64).reshape(-1)
    if a.shape != b.shape:
        raise ValueError(f"paired values need the same sequences: {a.size} vs {b.size} values")
    difference = (a - b)[np.isfinite(a) & np.isfinite(b)]
    if difference.size == 0:
        raise ValueError("no sequence has a finite value for both trackers")
    low, high = bootstrap_mean_interval(difference, resamples=resamples, confidence=confidence, seed=seed)
    return PairedDifference(float(difference.mean()), low, high, int(difference.size), int(resamples),
                            float(confidence), int(seed))


def two_level_interval(per_seed_a, per_seed_b, *, resamples: int = DEFAULT_RESAMPLES,
                       confidence: float = DEFAULT_CONFIDENCE, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of mean(A) - mean(B) resampling sequences and training seeds.

    ``per_seed_a`` and ``per_seed_b`` are ``(seeds, sequences)`` arrays over the same sequences (the seed
    counts may differ). Each resample draws sequences with replacement (the same draw for A and B: the
    comparison stays paired), then for each variant draws its seeds with replacement, and takes the mean
    over the drawn seeds and sequences of A minus that of B. Sequences where either variant has no finite
    value in any seed are left out; a NaN of one seed (VOT accuracy of a seed that failed everywhere) is
    skipped in that seed's mean. With one seed per variant it equals the sequence bootstrap of
    :func:`paired_difference` up to Monte Carlo noise.
    """
    a = np.asarray(per_seed_a, dtype=np.float64)
    b = np.asarray(per_seed_b, dtype=np.float64)
    a, b = (x[None, :] if x.ndim == 1 else x for x in (a, b))
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1] or 0 in a.shape or 0 in b.shape:
        raise ValueError(f"expected (seeds, sequences) arrays over the same sequences, got {a.shape} and {b.shape}")
    keep = np.isfinite(a).any(axis=0) & np.isfinite(b).any(axis=0)
    if not keep.any():
        raise ValueError("no sequence has a finite value for both trackers")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence}")
    a, b = a[:, keep], b[:, keep]
    n = a.shape[1]
    rng = np.random.default_rng(seed)
    means = np.empty(resamples, dtype=np.float64)

    def drawn_mean(values: np.ndarray, sequences: np.ndarray, count: int) -> np.ndarray:
        seeds = rng.integers(0, values.shape[0], size=(count, values.shape[0]))
        picked = values[seeds[:, :, None], sequences[:, None, :]]  # (count, seeds, sequences)
        finite = np.isfinite(picked)
        per_sequence = np.where(finite, picked, 0.0).sum(axis=1) / np.maximum(finite.sum(axis=1), 1)
        per_sequence[~finite.any(axis=1)] = np.nan  # every drawn seed lacks it: left out of this resample
        return per_sequence

    block = max(1, _BLOCK // max(a.shape[0], b.shape[0]))
    for start in range(0, resamples, block):
        count = min(block, resamples - start)
        sequences = rng.integers(0, n, size=(count, n))
        diff = drawn_mean(a, sequences, count) - drawn_mean(b, sequences, count)
        means[start:start + count] = np.nanmean(diff, axis=1)
    tail = (1.0 - confidence) / 2.0
    low, high = np.nanquantile(means, [tail, 1.0 - tail])
    return float(low), float(high)


def align(per_sequence: dict[str, float], names: _Sequence[str]) -> np.ndarray:
    """Values of ``per_sequence`` (sequence name -> value) in the order of ``names`` (NaN where missing)."""
    return np.array([float(per_sequence.get(name, math.nan)) for name in names], dtype=np.float64)


__all__ = ["DEFAULT_CONFIDENCE", "DEFAULT_RESAMPLES", "PairedDifference", "align", "bootstrap_mean_interval",
           "mean_std", "paired_difference", "seed_average", "two_level_interval"]
