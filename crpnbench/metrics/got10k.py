"""GOT-10k's own metrics: average overlap (AO) and success rates SR0.5 / SR0.75 (Huang et al., TPAMI 2019).

Definitions follow the ``got10k`` package (``got10k.experiments.ExperimentGOT10k.report`` / ``_evaluate``
and ``got10k.utils.metrics.rect_iou``, version 0.1.3), which the evaluation server mirrors:

* the first frame (the given box) is never scored: overlaps start at frame 2;
* only frames where the target is visible count: ``cover.label > 0`` (frames with cover 0 are left out
  of both numerator and denominator);
* both boxes are clipped to the image before the overlap (``bound = (width, height)`` from
  ``meta_info.ini``): ``x`` to ``[0, W]``, ``w`` to ``[0, W - x]`` (likewise ``y``/``h``);
  IoU = ``inter / (union + eps)`` clipped to ``[0, 1]``, continuous (no ``+1`` pixel convention);
* AO is the mean overlap over every scored frame of every sequence POOLED (a long sequence weighs more),
  not the mean of per-sequence AOs; SR_t is the fraction of those frames with overlap ``> t``
  (strictly), t = 0.5 and 0.75; the success curve is SR over ``np.linspace(0, 1, 101)``;
* several runs (``<seq>_001.txt``, ``<seq>_002.txt`` ... of a stochastic tracker) are pooled as well.

Where this module differs from the package: a non-finite predicted box scores overlap 0 (the package's
mean would turn NaN), and a frame whose ground truth is not finite is not scored (GOT-10k's val/test
annotations have none).
"""

from __future__ import annotations

from collections.abc import Sequence as _Sequence
from dataclasses import dataclass

import numpy as np

#: the success-curve thresholds (got10k's ``nbins_iou = 101``)
GOT10K_THRESHOLDS: np.ndarray = np.linspace(0, 1, 101)
#: the success-rate thresholds reported beside AO
SR_THRESHOLDS: tuple[float, float] = (0.5, 0.75)


def clip_to_image(boxes: np.ndarray, bound: tuple[float, float] | None) -> np.ndarray:
    """``x, y, w, h`` boxes clipped to the image ``bound = (width, height)`` as got10k's ``rect_iou`` does
    (a copy; ``None`` leaves them as they are)."""
    boxes = np.array(boxes, dtype=np.float64).reshape(-1, 4)
    if bound is None:
        return boxes
    width, height = float(bound[0]), float(bound[1])
    boxes[:, 0] = np.clip(boxes[:, 0], 0, width)
    boxes[:, 1] = np.clip(boxes[:, 1], 0, height)
    boxes[:, 2] = np.clip(boxes[:, 2], 0, width - boxes[:, 0])
    boxes[:, 3] = np.clip(boxes[:, 3], 0, height - boxes[:, 1])
    return boxes


def got10k_iou(pred: np.ndarray, gt: np.ndarray, bound: tuple[float, float] | None = None) -> np.ndarray:
    """Per-frame overlap of ``(N, 4)`` boxes with got10k's rules (clip to ``bound``, continuous IoU with an
    ``eps`` in the denominator, clipped to [0, 1]); a non-finite predicted box gives 0."""
    pred, gt = clip_to_image(pred, bound), clip_to_image(gt, bound)
    x1 = np.maximum(pred[:, 0], gt[:, 0])
    y1 = np.maximum(pred[:, 1], gt[:, 1])
    x2 = np.minimum(pred[:, 0] + pred[:, 2], gt[:, 0] + gt[:, 2])
    y2 = np.minimum(pred[:, 1] + pred[:, 3], gt[:, 1] + gt[:, 3])
    inter = np.maximum(x2 - x1, 0) * np.maximum(y2 - y1, 0)
    union = pred[:, 2] * pred[:, 3] + gt[:, 2] * gt[:, 3] - inter
    with np.errstate(invalid="ignore"):
        ious = np.clip(inter / (union + np.finfo(float).eps), 0.0, 1.0)
    return np.where(np.isfinite(ious), ious, 0.0)


def sequence_overlaps(runs: _Sequence[np.ndarray], gt: np.ndarray, visible: np.ndarray | None = None,
                      bound: tuple[float, float] | None = None) -> np.ndarray:
    """The overlaps one sequence contributes: for every run (an ``(N, 4)`` result), frames 2..N where the
    target is ``visible`` (default: every frame) and the ground truth is finite, runs concatenated."""
    gt = np.asarray(gt, dtype=np.float64).reshape(-1, 4)
    keep = np.ones(len(gt), dtype=bool) if visible is None else np.asarray(visible, dtype=bool).reshape(-1).copy()
    if len(keep) != len(gt):
        raise ValueError(f"{len(keep)} visibility flags for {len(gt)} ground-truth boxes")
    keep[:1] = False  # the initial box is given, never scored
    keep &= np.isfinite(gt).all(axis=1)
    out = []
    for run in runs:
        run = np.asarray(run, dtype=np.float64).reshape(-1, 4)
        if len(run) != len(gt):
            raise ValueError(f"a run of {len(run)} boxes for {len(gt)} ground-truth boxes")
        out.append(got10k_iou(run[keep], gt[keep], bound))
    return np.concatenate(out) if out else np.zeros(0)


@dataclass(frozen=True)
class GOT10kScore:
    """AO, SR0.5, SR0.75 and the 101-point success curve of a set of overlaps (``frames`` = how many)."""

    ao: float
    sr50: float
    sr75: float
    success_curve: np.ndarray
    frames: int

    def as_dict(self) -> dict:
        return {"ao": self.ao, "sr50": self.sr50, "sr75": self.sr75}


def got10k_score(overlaps: np.ndarray) -> GOT10kScore:
    """Score pooled overlaps: AO = mean, SR_t = mean(overlap > t), success curve over
    :data:`GOT10K_THRESHOLDS` (got10k's ``_evaluate``). No overlaps: NaN scores."""
    overlaps = np.asarray(overlaps, dtype=np.float64).reshape(-1)
    if overlaps.size == 0:
        nan = float("nan")
        return GOT10kScore(nan, nan, nan, np.full(GOT10K_THRESHOLDS.size, np.nan), 0)
    curve = (overlaps[:, None] > GOT10K_THRESHOLDS[None, :]).mean(axis=0)
    return GOT10kScore(
        ao=float(overlaps.mean()),
        sr50=float((overlaps > SR_THRESHOLDS[0]).mean()),
        sr75=float((overlaps > SR_THRESHOLDS[1]).mean()),
        success_curve=curve,
        frames=int(overlaps.size),
    )


def score_got10k(runs: _Sequence[_Sequence[np.ndarray]], gts: _Sequence[np.ndarray],
                 visibles: _Sequence[np.ndarray | None], bounds: _Sequence[tuple[float, float] | None]
                 ) -> tuple[GOT10kScore, list[GOT10kScore]]:
    """``(overall, per_sequence)`` for sequences given as parallel lists: each sequence's runs (a list of
    ``(N, 4)`` results, usually one), ground truth, visibility flags and image bound. Overall scores pool
    every scored frame of every sequence, as the package and the server do."""
    per_sequence, pooled = [], []
    for seq_runs, gt, visible, bound in zip(runs, gts, visibles, bounds):
        overlaps = sequence_overlaps(seq_runs, gt, visible, bound)
        pooled.append(overlaps)
        per_sequence.append(got10k_score(overlaps))
    return got10k_score(np.concatenate(pooled) if pooled else np.zeros(0)), per_sequence


__all__ = ["GOT10K_THRESHOLDS", "GOT10kScore", "SR_THRESHOLDS", "clip_to_image", "got10k_iou", "got10k_score",
           "score_got10k", "sequence_overlaps"]
