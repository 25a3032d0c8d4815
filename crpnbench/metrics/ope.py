"""One-pass evaluation (OTB, LaSOT, TrackingNet, GOT-10k style): success, precision, normalized precision.

Per sequence, :func:`score_ope_sequence` turns a result and its ground truth into three curves
under a :class:`~crpnbench.metrics.conventions.ScoringConvention`; a tracker's curves are the mean
of its per-sequence curves (as pysot, got10k and the LaSOT toolkit average them), and
:func:`auc` / :func:`precision_at` read the scores off them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crpnbench.metrics.conventions import ScoringConvention
from crpnbench.metrics.overlap import box_centers, rect_iou

#: index of 20 px on the 0..50 px grid and of 0.20 on the 0..0.5 normalized grid
PRECISION_INDEX = 20
NORM_PRECISION_INDEX = 20


def success_curve(ious: np.ndarray, n_frames: int, thresholds: np.ndarray, comparison: str = ">") -> np.ndarray:
    """Fraction of ``n_frames`` whose IoU passes each threshold (``>`` or ``>=``).

    Frames that cannot succeed carry IoU -1 (NaN counts as a miss); ``n_frames`` is the denominator
    the convention picks. Counted with one ``searchsorted`` + ``bincount`` (O(N log T), no N x T
    matrix): for ``>``, a frame passes threshold k iff k < (number of thresholds below its IoU).
    """
    ious = np.nan_to_num(np.asarray(ious, dtype=np.float64).reshape(-1), nan=-np.inf)
    thr = np.asarray(thresholds, dtype=np.float64).reshape(-1)
    passed = np.searchsorted(thr, ious, side="left" if comparison == ">" else "right")
    counts = np.bincount(passed, minlength=len(thr) + 1)
    hits = np.cumsum(counts[::-1])[::-1][1:]  # hits[k] = frames passing more than k thresholds
    return hits / float(max(n_frames, 1))


def precision_curve(errors: np.ndarray, n_frames: int, thresholds: np.ndarray) -> np.ndarray:
    """Fraction of ``n_frames`` whose (normalized) centre error is ``<=`` each threshold (NaN: a miss)."""
    errors = np.nan_to_num(np.asarray(errors, dtype=np.float64).reshape(-1), nan=np.inf, posinf=np.inf)
    thr = np.asarray(thresholds, dtype=np.float64).reshape(-1)
    first = np.searchsorted(thr, errors, side="left")  # first threshold >= error
    hits = np.cumsum(np.bincount(first, minlength=len(thr) + 1))[: len(thr)]
    return hits / float(max(n_frames, 1))


def auc(curve: np.ndarray) -> float:
    """Area under a success curve as the toolkits define it: the mean of its 21 values."""
    return float(np.mean(curve))


def precision_at(curve: np.ndarray, index: int = PRECISION_INDEX) -> float:
    """The precision curve's value at 20 px (index 20 of the 0..50 grid)."""
    return float(curve[index])


def gt_valid_mask(gt: np.ndarray, rule: str) -> np.ndarray:
    """Which GT rows are usable: ``wh_positive`` (w>0, h>0), ``all_positive`` (all four > 0), ``finite``."""
    gt = np.asarray(gt, dtype=np.float64)
    finite = np.isfinite(gt).all(axis=1)
    with np.errstate(invalid="ignore"):
        if rule == "wh_positive":
            return finite & (gt[:, 2] > 0) & (gt[:, 3] > 0)
        if rule == "all_positive":
            return finite & (gt > 0).all(axis=1)
    if rule == "finite":
        return finite
    raise ValueError(f"unknown GT validity rule {rule!r}")


def repair_predictions(pred: np.ndarray, gt: np.ndarray, convention: ScoringConvention,
                       starts: np.ndarray | None = None) -> np.ndarray:
    """Apply the convention's first-frame and invalid-prediction rules to a copy of ``pred``.

    ``invalid_prediction="previous"`` follows the LaSOT toolkit loop ``for i = 2:N``: a row with NaN
    or ``w <= 0`` or ``h <= 0`` (where the GT row is not NaN) takes the previous (already repaired)
    row — done here with a forward fill instead of a loop. ``starts`` marks the first frame of each
    sequence when several are concatenated (default: frame 0 only); nothing crosses a start.
    """
    pred = np.array(pred, dtype=np.float64, copy=True)
    if starts is None:
        starts = np.zeros(len(pred), bool)
        starts[:1] = True
    if convention.invalid_prediction == "previous" and len(pred) > 1:
        with np.errstate(invalid="ignore"):
            bad = np.isnan(pred).any(axis=1) | (pred[:, 2] <= 0) | (pred[:, 3] <= 0)
        bad &= ~np.isnan(gt).any(axis=1)
        bad &= ~starts
        rows = np.flatnonzero(bad)
        if len(rows):  # only the bad rows are gathered (LaSOT: a few thousand of 685k)
            source = np.maximum.accumulate(np.where(bad, 0, np.arange(len(pred))))
            pred[rows] = pred[source[rows]]
    if convention.first_frame == "gt":
        pred[starts] = gt[starts]
    return pred


@dataclass
class OPESequenceScore:
    """Per-frame values and curves of one sequence.

    ``ious`` holds -1 on frames that cannot count as a success; ``errors``/``norm_errors`` hold -1
    on invalid-GT frames counted as hits and ``inf`` on frames that cannot be hits. Only the frames
    in the convention's denominator are kept (``n_frames`` of them).
    """

    ious: np.ndarray
    errors: np.ndarray
    norm_errors: np.ndarray
    n_frames: int
    success_curve: np.ndarray
    precision_curve: np.ndarray
    norm_precision_curve: np.ndarray

    @property
    def success(self) -> float:
        return auc(self.success_curve)

    @property
    def precision(self) -> float:
        return precision_at(self.precision_curve)

    @property
    def norm_precision(self) -> float:
        return precision_at(self.norm_precision_curve, NORM_PRECISION_INDEX)


@dataclass
class OPEBatchScore:
    """Curves of many sequences scored together: ``(S, 21)``, ``(S, 51)``, ``(S, 51)`` and ``(S,)``
    denominators, plus the per-frame values of the concatenation and which frames count."""

    success_curves: np.ndarray
    precision_curves: np.ndarray
    norm_precision_curves: np.ndarray
    n_frames: np.ndarray
    ious: np.ndarray
    errors: np.ndarray
    norm_errors: np.ndarray
    counted: np.ndarray
    sequence_ids: np.ndarray


def _grouped_hits(values, ids, n_groups, thresholds, kind):
    """Per-group hit counts at every threshold with one searchsorted + one bincount."""
    thr = np.asarray(thresholds, dtype=np.float64)
    t = len(thr)
    if kind in (">", ">="):
        values = np.nan_to_num(values, nan=-np.inf)
        pos = np.searchsorted(thr, values, side="left" if kind == ">" else "right")
    else:
        values = np.nan_to_num(values, nan=np.inf, posinf=np.inf)
        pos = np.searchsorted(thr, values, side="left")
    counts = np.bincount(ids * (t + 1) + pos, minlength=n_groups * (t + 1)).reshape(n_groups, t + 1)
    if kind in (">", ">="):
        return np.cumsum(counts[:, ::-1], axis=1)[:, ::-1][:, 1:]
    return np.cumsum(counts, axis=1)[:, :t]


def score_ope_batch(preds, gts, absents=None, convention: ScoringConvention | None = None) -> OPEBatchScore:
    """Score many sequences at once: lists of ``(N_i, 4)`` results and GT (and ``(N_i,)`` absent flags).

    All frames are concatenated and every step is one array operation over all of them (LaSOT's
    685k frames in a few tens of milliseconds); per-sequence curves come from a grouped bincount.
    Lengths must already agree (the result readers apply the length rule and name the file).
    """
    convention = convention or ScoringConvention()
    gts = [np.asarray(g, dtype=np.float64).reshape(-1, 4) for g in gts]
    preds = [np.asarray(p, dtype=np.float64).reshape(-1, 4) for p in preds]
    for p, g in zip(preds, gts):
        if len(p) != len(g):
            raise ValueError(f"{len(p)} result boxes for {len(g)} ground-truth boxes")
    lengths = np.array([len(g) for g in gts], dtype=np.int64)
    n_seq = len(gts)
    ids = np.repeat(np.arange(n_seq), lengths)
    gt = np.concatenate(gts) if n_seq else np.zeros((0, 4))
    pred = np.concatenate(preds) if n_seq else np.zeros((0, 4))
    n = len(gt)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    starts = np.zeros(n, bool)
    starts[offsets[lengths > 0]] = True
    if absents is None or convention.absent == "ignore":
        absent = np.zeros(n, bool)
    else:
        absent = np.concatenate([np.zeros(len(g), bool) if a is None else np.asarray(a, bool).reshape(-1)
                                 for a, g in zip(absents, gts)]) if n_seq else np.zeros(0, bool)
    pred = repair_predictions(pred, gt, convention, starts)

    valid = gt_valid_mask(gt, convention.gt_valid)
    gt_centers = box_centers(gt)
    if convention.precision_gt_valid == "same":
        prec_valid = valid
    else:
        with np.errstate(invalid="ignore"):
            prec_valid = (gt_centers[:, 0] > 0) & (gt_centers[:, 1] > 0)
    keep = ~absent if convention.absent == "drop" else np.ones(n, bool)
    can_hit = keep & ~absent

    # whole-array arithmetic, then masks (cheaper than gathering the valid rows first)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        ious = np.where(valid & can_hit, rect_iou(pred, gt), -1.0)
        diff = box_centers(pred) - gt_centers
        errors = np.hypot(diff[:, 0], diff[:, 1])
        if convention.norm_precision == "gt_size":
            norm = diff / (gt[:, 2:] + 1e-16)
        else:
            norm = diff / np.maximum(1.0, gt[:, 2:])
        norm_errors = np.hypot(norm[:, 0], norm[:, 1])
    invalid_value = -1.0 if convention.invalid_gt_precision == "hit" else np.inf
    errors = np.where(prec_valid, errors, invalid_value)
    norm_errors = np.where(prec_valid, norm_errors, invalid_value)
    errors[~can_hit] = np.inf
    norm_errors[~can_hit] = np.inf
    counted = keep & valid if convention.denominator == "valid" else keep

    cid = ids[counted]
    denominators = np.bincount(cid, minlength=n_seq).astype(np.float64)
    scale = 1.0 / np.maximum(denominators, 1.0)[:, None]
    succ = _grouped_hits(ious[counted], cid, n_seq, convention.iou_thresholds(), convention.iou_comparison) * scale
    prec = _grouped_hits(errors[counted], cid, n_seq, convention.distance_thresholds(), "<=") * scale
    nprec = _grouped_hits(norm_errors[counted], cid, n_seq, convention.norm_distance_thresholds(), "<=") * scale
    return OPEBatchScore(succ, prec, nprec, denominators.astype(np.int64), ious, errors, norm_errors, counted, ids)


def score_ope_sequence(pred, gt, absent=None, convention: ScoringConvention | None = None) -> OPESequenceScore:
    """Score one OPE result ``pred`` (N,4) against ``gt`` (N,4), optionally with ``absent`` flags (N,)."""
    batch = score_ope_batch([pred], [gt], [absent], convention)
    c = batch.counted
    return OPESequenceScore(
        ious=batch.ious[c], errors=batch.errors[c], norm_errors=batch.norm_errors[c],
        n_frames=int(batch.n_frames[0]), success_curve=batch.success_curves[0],
        precision_curve=batch.precision_curves[0], norm_precision_curve=batch.norm_precision_curves[0],
    )
