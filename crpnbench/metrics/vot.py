"""VOT supervised (baseline) and real-time experiment scores: accuracy, failures, robustness, EAO.

A raw VOT result is a per-frame code array (``1`` initialisation, ``2`` failure, ``0`` skipped,
``-1`` a region) plus an ``(N, 8)`` polygon array holding the region where the code is -1 (boxes
are turned into polygons). Everything is vectorised over frames; the only Python loops are over
sequences and, for the pixel overlap, over frames (see :mod:`crpnbench.metrics.overlap`).

Fragment rules for the EAO curve (pysot ``EAOBenchmark`` and vot-toolkit differ; see
:class:`~crpnbench.metrics.conventions.ScoringConvention`): a sequence is cut at each failure; a
fragment runs from an initialisation frame to its failure and, if the tracker failed, is padded with
zeros to the longest sequence; the fragment after the last failure is padded with NaN (unknown).
The expected overlap at length ``L`` (curve index ``L-1``) is the mean over the fragments known at
index ``L-1`` of the mean of their overlaps at indices ``1..L-1`` (the initialisation frame is not
counted), fragments weighted equally (one run per sequence).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crpnbench.metrics.conventions import ScoringConvention
from crpnbench.metrics.overlap import polygon_overlap_exact, polygon_overlap_pixel


CODE_REGION = -1


def vot_overlaps(codes, pred_polygons, gt_polygons, image_size=None,
                 convention: ScoringConvention | None = None) -> np.ndarray:
    """Per-frame overlap of a VOT result with the GT polygons; NaN on coded frames (1/2/0).

    ``image_size`` is ``(width, height)``; the convention's ``image_bounds`` turns it into the
    clipping window and ``polygon_overlap`` picks exact geometry or pixel rasterisation.
    """
    convention = convention or ScoringConvention()
    codes = np.asarray(codes).reshape(-1)
    pred = np.asarray(pred_polygons, dtype=np.float64).reshape(-1, 8)
    gt = np.asarray(gt_polygons, dtype=np.float64).reshape(-1, 8)
    bounds = None
    if image_size is not None and convention.image_bounds != "none":
        w, h = image_size
        bounds = (w - 1, h - 1) if convention.image_bounds == "size_minus_one" else (w, h)
    out = np.full(len(codes), np.nan)
    region = codes == CODE_REGION
    if region.any():
        if convention.polygon_overlap == "pixel":
            out[region] = polygon_overlap_pixel(pred[region], gt[region], bounds,
                                                rectangles_analytic=convention.rectangle_pairs == "analytic")
        else:
            out[region] = polygon_overlap_exact(pred[region], gt[region], bounds)
    return out


def burnin_mask(codes, burnin: int) -> np.ndarray:
    """True on the ``burnin`` frames starting at each initialisation frame (code 1), pysot-style."""
    codes = np.asarray(codes).reshape(-1)
    idx = np.arange(len(codes))
    is_init = codes == 1
    last_init = np.maximum.accumulate(np.where(is_init, idx, -1))
    return (last_init >= 0) & (idx - last_init < burnin)


def accuracy_overlaps(overlaps, codes, burnin: int = 10) -> np.ndarray:
    """Overlaps with the burn-in frames after every (re)initialisation set to NaN."""
    overlaps = np.array(overlaps, dtype=np.float64, copy=True)
    overlaps[burnin_mask(codes, burnin)] = np.nan
    return overlaps


def failure_frames(codes) -> np.ndarray:
    """0-based indices of the frames coded ``2`` (failure)."""
    return np.flatnonzero(np.asarray(codes).reshape(-1) == 2)


def eao_fragments(overlaps, codes, max_len: int, convention: ScoringConvention | None = None) -> np.ndarray:
    """The sequence's fragments as rows of a ``(k, max_len)`` array (zero- or NaN-padded, see module doc).

    ``overlaps`` is the un-burned-in per-frame overlap (NaN on coded frames; NaN inside a fragment
    counts as 0).
    """
    convention = convention or ScoringConvention()
    overlaps = np.asarray(overlaps, dtype=np.float64).reshape(-1)
    n = len(overlaps)
    skip = convention.skipping
    failures = failure_frames(codes)
    rows = []
    start = 0
    for f in failures:
        if f < start:
            continue
        restart = f + skip
        if convention.last_frames_failure == "no_fragment":
            if restart > n:  # pysot: `x + skipping <= len(overlaps)` filters the cut points
                continue
            seg = overlaps[start:restart + 1]  # pysot slices points[i]:points[i+1]+1
        else:
            seg = overlaps[start:min(restart, n)]
        row = np.zeros(max_len)
        seg = np.nan_to_num(seg[:max_len], nan=0.0)
        row[: len(seg)] = seg
        rows.append(row)
        start = restart
        if start >= n:
            break
    if start < n:
        row = np.full(max_len, np.nan)
        seg = np.nan_to_num(overlaps[start:][:max_len], nan=0.0)
        row[: len(seg)] = seg
        rows.append(row)
    return np.vstack(rows) if rows else np.zeros((0, max_len))


def expected_overlap_curve(fragments: np.ndarray, weights=None) -> np.ndarray:
    """EAO curve from a ``(k, L)`` fragment matrix: index ``i`` holds the expected average overlap
    over sequences of length ``i + 1`` (index 0 is 1 by definition), vectorised over lengths."""
    fragments = np.asarray(fragments, dtype=np.float64)
    k, length = fragments.shape
    curve = np.zeros(length)
    if length == 0:
        return curve
    curve[0] = 1.0
    if k == 0:
        return curve
    weights = np.ones(k) if weights is None else np.asarray(weights, dtype=np.float64)
    known = ~np.isnan(fragments)
    sums = np.cumsum(np.nan_to_num(fragments[:, 1:], nan=0.0), axis=1)  # sums[:, i-1] = sum over 1..i
    means = sums / np.arange(1, length)[None, :]
    w = known[:, 1:] * weights[:, None]
    total = w.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        curve[1:] = np.where(total > 0, (means * w).sum(axis=0) / total, 0.0)
    return curve


def eao_score(curve: np.ndarray, interval: tuple[int, int], indexing: str = "vot") -> float:
    """Mean of the EAO curve over the interval: ``curve[low:high+1]`` (vot) or ``curve[low-1:high]`` (pysot)."""
    low, high = interval
    part = curve[low: high + 1] if indexing == "vot" else curve[low - 1: high]
    part = part[~np.isnan(part)]
    return float(part.mean()) if len(part) else float("nan")


@dataclass
class VOTSequenceScore:
    """One sequence's per-frame overlaps (raw and burned-in) and failure count."""

    overlaps: np.ndarray
    accuracy_overlaps: np.ndarray
    failures: int
    n_frames: int
    gt_frames: int | None = None  # the sequence's length when the result was shorter/longer

    @property
    def accuracy(self) -> float:
        valid = ~np.isnan(self.accuracy_overlaps)
        return float(self.accuracy_overlaps[valid].mean()) if valid.any() else float("nan")


def score_vot_sequence(codes, pred_polygons, gt_polygons, image_size=None,
                       convention: ScoringConvention | None = None, gt_frames: int | None = None) -> VOTSequenceScore:
    """Overlaps, burned-in overlaps and failures of one VOT result (equal lengths required).

    ``gt_frames`` is the sequence's full length when the result was cut to fewer frames; it is the
    length robustness divides by."""
    convention = convention or ScoringConvention()
    codes = np.asarray(codes).reshape(-1)
    if len(codes) != len(np.asarray(gt_polygons).reshape(-1, 8)):
        raise ValueError("result and ground truth lengths differ")
    overlaps = vot_overlaps(codes, pred_polygons, gt_polygons, image_size, convention)
    return VOTSequenceScore(
        overlaps=overlaps,
        accuracy_overlaps=accuracy_overlaps(overlaps, codes, convention.burnin),
        failures=int((codes == 2).sum()),
        n_frames=len(codes),
        gt_frames=gt_frames,
    )


def summarize_vot(scores: dict[str, VOTSequenceScore], codes: dict[str, np.ndarray],
                  interval: tuple[int, int], convention: ScoringConvention | None = None) -> dict:
    """Tracker-level accuracy, failures, robustness, EAO curve and EAO from per-sequence scores.

    Robustness is failures / frames * 100 (pysot's ``lost/length``, e.g. 59/21356*100 = 0.276).
    """
    convention = convention or ScoringConvention()
    names = list(scores)
    n_frames = sum(scores[n].gt_frames or scores[n].n_frames for n in names)
    failures = sum(scores[n].failures for n in names)
    if convention.accuracy_pooling == "frames":
        pooled = np.concatenate([scores[n].accuracy_overlaps for n in names]) if names else np.zeros(0)
        accuracy = float(np.nanmean(pooled)) if np.isfinite(pooled).any() else float("nan")
    else:
        acc = np.array([scores[n].accuracy for n in names])
        lengths = np.array([scores[n].n_frames for n in names], dtype=np.float64)
        ok = ~np.isnan(acc)
        accuracy = float((acc[ok] * lengths[ok]).sum() / lengths[ok].sum()) if ok.any() else float("nan")
    max_len = max((scores[n].n_frames for n in names), default=0)
    frags = [eao_fragments(scores[n].overlaps, codes[n], max_len, convention) for n in names]
    fragments = np.vstack(frags) if frags else np.zeros((0, max_len))
    curve = expected_overlap_curve(fragments)
    return {
        "accuracy": accuracy,
        "failures": int(failures),
        "robustness": failures / n_frames * 100 if n_frames else float("nan"),
        "eao_curve": curve,
        "eao": eao_score(curve, interval, convention.eao_indexing),
        "frames": int(n_frames),
    }
