"""Per-stage anchor labels and regression targets for C-RPN training (paper §3.3, §3.5).

Stage 1 is assigned against the predefined anchors. Stage ``l > 1`` is assigned against the anchors
refined by stage ``l - 1`` (Eq. 6) that survived negative anchor filtering (NAF): an anchor whose
negative confidence in stage ``l - 1`` exceeds theta is dropped and gets no label (``IGNORE``).
Among the rest, IoU > 0.6 with the ground truth is positive, IoU < 0.3 negative, anything between
ignored; at most 64 samples per pair are kept, at most 16 of them positive, chosen at random.
Regression targets follow Eq. 5 against each stage's own anchors.

Everything works on whole batches of torch tensors: anchors ``(B, N, 4)`` as ``cx, cy, w, h``,
ground truth ``(B, 4)`` in the same (search-crop pixel) coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from crpnbench.models.anchors import encode, iou_cxcywh

POSITIVE, NEGATIVE, IGNORE = 1, 0, -1


@dataclass(frozen=True)
class AssignConfig:
    """Thresholds and sample budget of the per-stage assignment (paper: 0.6 / 0.3 / 64)."""

    positive_iou: float = 0.6
    negative_iou: float = 0.3
    samples_per_pair: int = 64
    max_positives: int = 16


@dataclass
class StageTargets:
    """Targets of one stage: ``labels (B, N)`` int64 in {1, 0, -1}, ``deltas (B, N, 4)`` (Eq. 5)."""

    labels: torch.Tensor
    deltas: torch.Tensor

    @property
    def positives(self) -> torch.Tensor:
        return self.labels == POSITIVE

    @property
    def sampled(self) -> torch.Tensor:
        return self.labels >= 0


def _positive_size(boxes: torch.Tensor) -> torch.Tensor:
    """``boxes`` with widths and heights clamped away from zero (a degenerate refined anchor stays finite)."""
    return torch.cat([boxes[..., :2], boxes[..., 2:].clamp(min=1e-6)], dim=-1)


def _keep_random(candidates: torch.Tensor, quota: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """Row-wise random subset: at most ``quota[b]`` of the True entries of ``candidates[b]``."""
    noise = torch.rand(candidates.shape, generator=generator, device="cpu").to(candidates.device)
    noise = torch.where(candidates, noise, torch.full_like(noise, 2.0))
    rank = noise.argsort(dim=1).argsort(dim=1)
    return candidates & (rank < quota[:, None])


def assign_stage(
    anchors: torch.Tensor,
    boxes: torch.Tensor,
    keep: torch.Tensor | None = None,
    config: AssignConfig = AssignConfig(),
    generator: torch.Generator | None = None,
) -> StageTargets:
    """Labels and Eq. 5 deltas of one stage's anchors against each pair's ground-truth box.

    Args:
        anchors: ``(B, N, 4)`` this stage's anchors (``cx, cy, w, h``), predefined or refined.
        boxes: ``(B, 4)`` ground truth of each pair, same coordinates.
        keep: ``(B, N)`` bool, False for anchors removed by NAF (they are labelled ``IGNORE``);
            None keeps all (stage 1).
        generator: random source of the positive/negative subsampling.
    """
    anchors = anchors.detach().float()
    boxes = boxes.detach().float().to(anchors.device)
    if anchors.dim() == 2:
        anchors = anchors.unsqueeze(0).expand(boxes.shape[0], -1, -1)
    iou = iou_cxcywh(anchors, boxes[:, None, :])
    usable = torch.ones_like(iou, dtype=torch.bool) if keep is None else keep.to(iou.device).bool()
    pos_candidates = usable & (iou > config.positive_iou)
    neg_candidates = usable & (iou < config.negative_iou)
    batch = anchors.shape[0]
    pos_quota = torch.full((batch,), config.max_positives, device=iou.device)
    positives = _keep_random(pos_candidates, pos_quota, generator)
    neg_quota = config.samples_per_pair - positives.sum(dim=1)
    negatives = _keep_random(neg_candidates, neg_quota, generator)
    labels = torch.full(iou.shape, IGNORE, dtype=torch.long, device=iou.device)
    labels[negatives] = NEGATIVE
    labels[positives] = POSITIVE
    return StageTargets(labels=labels, deltas=encode(_positive_size(boxes[:, None, :]), _positive_size(anchors)))


__all__ = [
    "AssignConfig", "StageTargets", "assign_stage",
    "POSITIVE", "NEGATIVE", "IGNORE",
]
