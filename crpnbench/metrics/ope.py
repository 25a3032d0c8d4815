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
from crpnbench.metrics.overlap import box_centers, normalized_center_error, rect_iou

#: index of 20 px on the 0..50 px grid and of 0.20 on the 0..0.5 normalized grid
PRECISION_INDEX = 20
NORM_PRECISION_INDEX = 20


def success_curve(ious: np.ndarray, n_frames: int, thresholds: np.ndarray, comparison: str = ">") -> np.ndarray:
    """Fraction of ``n_frames`` whose IoU passes each threshold (``>`` or ``>=``).

    Frames that cannot succeed carry IoU -1; ``n_frames`` is the denominator the convention picks.
    """
    ious = np.asarray(ious, dtype=np.float64).reshape(-1, 1)
    thr = np.asarray(thresholds, dtype=np.float64).reshape(1, -1)
    hits = (ious > thr) if comparison == ">" else (ious >= thr)
    return hits.sum(axis=0) / float(max(n_frames, 1))


def precision_curve(errors: np.ndarray, n_frames: int, thresholds: np.ndarray) -> np.ndarray:
    """Fraction of ``n_frames`` whose (normalized) centre error is ``<=`` each threshold."""
    errors = np.asarray(errors, dtype=np.float64).reshape(-1, 1)
    thr = np.asarray(thresholds, dtype=np.float64).reshape(1, -1)
    return (errors <= thr).sum(axis=0) / float(max(n_frames, 1))


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


def repair_predictions(pred: np.ndarray, gt: np.ndarray, convention: ScoringConvention) -> np.ndarray:
    """Apply the convention's first-frame and invalid-prediction rules to a copy of ``pred``.

    ``invalid_prediction="previous"`` follows the LaSOT toolkit loop ``for i = 2:N``: a row with NaN
    or ``w <= 0`` or ``h <= 0`` (where the GT row is not NaN) takes the previous (already repaired)
    row — done here with a forward fill instead of a loop.
    """
    pred = np.array(pred, dtype=np.float64, copy=True)
    if convention.invalid_prediction == "previous" and len(pred) > 1:
        with np.errstate(invalid="ignore"):
            bad = np.isnan(pred).any(axis=1) | (pred[:, 2] <= 0) | (pred[:, 3] <= 0)
        bad &= ~np.isnan(gt).any(axis=1)
        bad[0] = False
        source = np.where(bad, 0, np.arange(len(pred)))
        pred = pred[np.maximum.accumulate(source)]
    if convention.first_frame == "gt" and len(pred):
        pred[0] = gt[0]
    return pred


@dataclass
class OPESequenceScore:
    """Per-frame values and curves of one sequence.

    ``ious`` holds -1 on frames that cannot count as a success; ``errors``/``norm_errors`` hold -1
    on invalid-GT frames counted as hits and ``inf`` on frames that cannot be hits.
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


def score_ope_sequence(pred, gt, absent=None, convention: ScoringConvention | None = None) -> OPESequenceScore:
    """Score one OPE result ``pred`` (N,4) against ``gt`` (N,4), optionally with ``absent`` flags (N,).

    Lengths must already agree (the result readers apply the length rule and name the file).
    """
    convention = convention or ScoringConvention()
    gt = np.asarray(gt, dtype=np.float64).reshape(-1, 4)
    pred = np.asarray(pred, dtype=np.float64).reshape(-1, 4)
    if len(pred) != len(gt):
        raise ValueError(f"{len(pred)} result boxes for {len(gt)} ground-truth boxes")
    n = len(gt)
    absent = np.zeros(n, bool) if absent is None else np.asarray(absent, dtype=bool).reshape(-1)
    if convention.absent == "ignore":
        absent = np.zeros(n, bool)
    pred = repair_predictions(pred, gt, convention)

    valid = gt_valid_mask(gt, convention.gt_valid)
    if convention.precision_gt_valid == "same":
        prec_valid = valid
    else:
        with np.errstate(invalid="ignore"):
            prec_valid = (box_centers(gt) > 0).all(axis=1)
    keep = np.ones(n, bool)  # frames that exist for scoring at all
    if convention.absent == "drop":
        keep = ~absent
    can_hit = keep & ~absent

    ious = np.full(n, -1.0)
    m = valid & can_hit
    ious[m] = rect_iou(pred[m], gt[m])

    invalid_value = -1.0 if convention.invalid_gt_precision == "hit" else np.inf
    errors = np.full(n, invalid_value)
    norm_errors = np.full(n, invalid_value)
    d = box_centers(pred[prec_valid]) - box_centers(gt[prec_valid])
    errors[prec_valid] = np.sqrt((d * d).sum(axis=1))
    norm_errors[prec_valid] = normalized_center_error(pred[prec_valid], gt[prec_valid], convention.norm_precision)
    errors[~can_hit] = np.inf
    norm_errors[~can_hit] = np.inf
    errors[np.isnan(errors)] = np.inf
    norm_errors[np.isnan(norm_errors)] = np.inf
    if convention.denominator == "valid":
        # got10k: only frames with usable GT exist; drop the rest from both parts of the fraction
        scored = keep & valid
        ious, errors, norm_errors = ious[scored], errors[scored], norm_errors[scored]
        denominator = int(scored.sum())
    else:
        ious, errors, norm_errors = ious[keep], errors[keep], norm_errors[keep]
        denominator = int(keep.sum())

    return OPESequenceScore(
        ious=ious,
        errors=errors,
        norm_errors=norm_errors,
        n_frames=denominator,
        success_curve=success_curve(ious, denominator, convention.iou_thresholds(), convention.iou_comparison),
        precision_curve=precision_curve(errors, denominator, convention.distance_thresholds()),
        norm_precision_curve=precision_curve(norm_errors, denominator, convention.norm_distance_thresholds()),
    )
