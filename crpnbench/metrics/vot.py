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
                 convention: ScoringConvention | None = None, gt_rectangles=None) -> np.ndarray:
    """Per-frame overlap of a VOT result with the GT polygons; NaN on coded frames (1/2/0).

    ``image_size`` is ``(width, height)``; the convention's ``image_bounds`` turns it into the
    clipping window and ``polygon_overlap`` picks the rule (``region.c`` pixels, vot-toolkit's
    pixels or exact geometry). ``gt_rectangles``: which GT rows had 4 values (``Sequence.rectangle_rows``;
    only the ``vot_toolkit`` rule tells them apart).
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
        elif convention.polygon_overlap == "vot_toolkit":
            from crpnbench.metrics.overlap_vot_toolkit import region_overlap_vot_toolkit

            rects = None if gt_rectangles is None else np.asarray(gt_rectangles, dtype=bool).reshape(-1)[region]
            out[region] = region_overlap_vot_toolkit(pred[region], gt[region], bounds, rectangles_b=rects)
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


def eao_fragments(overlaps, codes, max_len: int, convention: ScoringConvention | None = None,
                  return_spans: bool = False):
    """The sequence's fragments as rows of a ``(k, max_len)`` array (zero- or NaN-padded, see module doc).

    ``overlaps`` is the un-burned-in per-frame overlap (NaN on coded frames; NaN inside a fragment
    counts as 0). ``return_spans``: also the ``(k, 2)`` frame ranges ``[start, end)`` the rows cover.
    """
    convention = convention or ScoringConvention()
    overlaps = np.asarray(overlaps, dtype=np.float64).reshape(-1)
    n = len(overlaps)
    skip = convention.skipping
    failures = failure_frames(codes)
    rows, spans = [], []
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
        spans.append((start, min(start + len(seg), n)))
        start = restart
        if start >= n:
            break
    if start < n:
        row = np.full(max_len, np.nan)
        seg = np.nan_to_num(overlaps[start:][:max_len], nan=0.0)
        row[: len(seg)] = seg
        rows.append(row)
        spans.append((start, min(start + len(seg), n)))
    fragments = np.vstack(rows) if rows else np.zeros((0, max_len))
    if return_spans:
        return fragments, np.array(spans, dtype=np.int64).reshape(-1, 2)
    return fragments


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
                       convention: ScoringConvention | None = None, gt_frames: int | None = None,
                       gt_rectangles=None) -> VOTSequenceScore:
    """Overlaps, burned-in overlaps and failures of one VOT result (equal lengths required).

    ``gt_frames`` is the sequence's full length when the result was cut to fewer frames; it is the
    length robustness divides by."""
    convention = convention or ScoringConvention()
    codes = np.asarray(codes).reshape(-1)
    if len(codes) != len(np.asarray(gt_polygons).reshape(-1, 8)):
        raise ValueError("result and ground truth lengths differ")
    overlaps = vot_overlaps(codes, pred_polygons, gt_polygons, image_size, convention, gt_rectangles)
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


def tag_eao_curve(overlaps: dict, codes: dict, flags: dict, max_len: int,
                  convention: ScoringConvention | None = None) -> np.ndarray:
    """EAO curve of the frames carrying one tag (pysot ``EAOBenchmark`` per tag, as the VOT toolkit
    weights attributes): every fragment of :func:`eao_fragments` weighs the fraction of its frames
    that carry the tag (``flags[seq]``, per-frame booleans), so fragments without the tag drop out.
    ``overlaps``, ``codes`` and ``flags`` are keyed by sequence."""
    convention = convention or ScoringConvention()
    rows, weights = [], []
    for name in overlaps:
        fragments, spans = eao_fragments(overlaps[name], codes[name], max_len, convention, return_spans=True)
        tag = np.asarray(flags[name], dtype=np.float64).reshape(-1)
        for row, (start, end) in zip(fragments, spans):
            part = tag[start:end]
            rows.append(row)
            weights.append(float(part.mean()) if len(part) else 0.0)
    if not rows:
        return expected_overlap_curve(np.zeros((0, max_len)))
    return expected_overlap_curve(np.vstack(rows), np.array(weights))


# ----------------------------------------------------------------------------- EAO interval

def _kde_bandwidth_variance(lengths: np.ndarray) -> float:
    """Variance ``H`` of the Gaussian kernel the VOT toolkit puts on every sequence length.

    Kristan's plug-in estimator in one dimension: standardise the lengths (mean, population
    variance ``s2``), take a pilot kernel of variance ``G = (4 / (3 n)) ** (2 / 5)``, estimate the
    integrated squared second derivative of the density from the pilot mixture,
    ``R = (1 / n**2) * sum_ij phi_G(z_i - z_j) * (3 - 6 m_ij + m_ij**2) / G**2`` with
    ``m_ij = (z_i - z_j)**2 / G`` and ``phi_G`` the zero-mean normal density of variance ``G``, then the
    AMISE bandwidth ``h = (1 / (n * sqrt(4 pi) * R)) ** (1 / 5)``; back in frames ``H = h**2 * s2``.
    """
    n = len(lengths)
    mean = lengths.mean()
    var = float(((lengths - mean) ** 2).mean())
    z = (lengths - mean) / np.sqrt(var)
    g = (4.0 / (3.0 * n)) ** 0.4
    m = (z[:, None] - z[None, :]) ** 2 / g
    phi = np.exp(-0.5 * m) / np.sqrt(2.0 * np.pi * g)
    rf2 = float((phi * (3.0 - 6.0 * m + m * m)).sum()) / (g * g * n * n)
    h = (1.0 / (n * np.sqrt(4.0 * np.pi) * rf2)) ** 0.2
    return h * h * var


def _vot_find_range(p: np.ndarray, mass: float) -> tuple[int, int]:
    """The VOT toolkit's greedy search for the range around the mode of ``p`` (1-based bounds).

    Start at the first maximum; at each step take the next length on the side with the larger
    density (ties go up), stepping only down once the upper candidate reaches the last length, until
    the range holds ``mass``. Kept exactly, quirks included: the last length is added only when both
    sides are exhausted, and the loop gives up after ``len(p) + 1`` steps.
    """
    size = len(p)
    low = high = int(np.argmax(p)) + 1
    for _ in range(size + 1):
        lo, hi = low - 1, high + 1
        lo_clipped, hi_clipped = lo <= 0, hi >= size
        lo, hi = max(lo, 1), min(hi, size)
        if lo_clipped and hi_clipped:
            return lo, hi
        if not lo_clipped and not hi_clipped:
            if p[lo - 1] > p[hi - 1]:
                low = lo
            else:
                high = hi
        elif not lo_clipped:
            low = lo
        else:
            high = hi
        if p[low - 1:high].sum() >= mass:
            return low, high
    return low, high


def eao_interval_density(lengths) -> tuple[np.ndarray, np.ndarray]:
    """``(x, p)``: the VOT toolkit's estimate of the sequence-length distribution, ``x = 1..max``
    and ``p`` the kernel density there normalised to sum to 1 (a point mass when all lengths are
    equal). See :func:`eao_interval_from_lengths`."""
    lengths = np.asarray(lengths, dtype=np.float64).reshape(-1)
    if len(lengths) == 0:
        raise ValueError("no sequence lengths")
    if not np.all(np.isfinite(lengths)) or lengths.min() < 1:
        raise ValueError("sequence lengths must be finite and at least 1")
    longest = int(round(lengths.max()))
    x = np.arange(1, longest + 1, dtype=np.float64)
    if np.ptp(lengths) == 0:  # no spread (one sequence, or all equal): the bandwidth rule is undefined
        p = (x == longest).astype(np.float64)
        return x, p
    var = _kde_bandwidth_variance(lengths)
    p = np.empty_like(x)
    step = max(1, 4_000_000 // len(lengths))  # bound the (grid, sequences) block for long datasets
    for start in range(0, len(x), step):
        block = x[start:start + step, None] - lengths[None, :]
        p[start:start + step] = np.exp(-0.5 * block * block / var).sum(axis=1)
    return x, p / p.sum()  # the kernels' common normaliser cancels here


def eao_interval_from_lengths(lengths, mass: float = 0.5, with_peak: bool = False):
    """EAO interval ``(low, high)`` (1-based sequence lengths, inclusive) from the lengths of a
    dataset's sequences, as the VOT toolkit estimates it for the baseline experiment; with
    ``with_peak=True`` returns ``(low, high, peak)``.

    The rule, read from the MATLAB VOT toolkit (votchallenge/toolkit-legacy:
    ``analysis/analyze_average_expected_overlap.m`` @ f950632 — ``estimate_evaluation_interval`` and
    ``find_range``; ``utilities/gmm_estimate.m`` @ 7b47d42; ``utilities/gmm_evaluate.m`` @ 9b15a87):

    1. density: a Gaussian kernel density estimate of the lengths (one equal-weight component per
       sequence, all with one variance ``H`` from Kristan's plug-in AMISE bandwidth estimator on the
       standardised lengths; see :func:`_kde_bandwidth_variance`);
    2. grid: the density evaluated at the integer lengths ``1..max(lengths)`` and normalised to sum
       to 1 over that grid;
    3. range: starting at the mode (first maximum of the grid, which is also the ``peak``), grow the
       range one length at a time towards the side with the larger density (ties go to the upper
       side) until it holds at least ``mass`` (the toolkit's ``eao_range_threshold``, 0.5) of the
       probability; the bounds are grid points, so no rounding is involved (see
       :func:`_vot_find_range` for the boundary quirks kept).

    VOT2017/2018's 60 sequences give (100, 356), peak 160; VOT2016's give (108, 371), peak 168 —
    the toolkit's published intervals. When all lengths are equal (or there is one sequence) the
    toolkit's bandwidth is undefined (zero variance); the density is then a point mass at that length
    and the same range search gives ``(L - 1, L)`` (``(1, 1)`` for ``L = 1``).
    """
    x, p = eao_interval_density(lengths)
    low, high = _vot_find_range(p, mass)
    peak = int(np.argmax(p)) + 1
    return (low, high, peak) if with_peak else (low, high)
