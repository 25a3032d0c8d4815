"""The C-RPN training loss (paper Eq. 4 and Eq. 7), vectorised over the batch.

For every stage ``l``: softmax cross-entropy over the sampled anchors (positives and negatives,
labels from :func:`crpnbench.training.targets.assign_stage`) plus ``lambda`` times the smooth-L1
loss of the regression on the positives, against Eq. 5 targets computed from that stage's own
anchors. The stages' anchors come from :func:`crpnbench.models.cascade.run_cascade` run on the
*detached* outputs: stage ``l > 1`` sees the anchors refined by stage ``l - 1`` minus those NAF
rejected (negative confidence > theta), so gradients never flow through the anchors themselves.
The C-RPN loss is the sum over stages (Eq. 7).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from crpnbench.training.targets import AssignConfig, StageTargets, assign_stage


@dataclass(frozen=True)
class LossConfig:
    """``reg_weight`` is the paper's lambda; ``smooth_l1_beta`` the quadratic zone of smooth-L1
    (1/9 as in Faster R-CNN, whose assignment the paper follows); ``theta`` the NAF threshold
    (None: the model config's)."""

    reg_weight: float = 1.0
    smooth_l1_beta: float = 1.0 / 9.0
    theta: float | None = None
    assign: AssignConfig = field(default_factory=AssignConfig)


@dataclass
class StageLoss:
    """One stage's loss parts (scalar tensors) and the targets they came from."""

    cls: torch.Tensor
    reg: torch.Tensor
    total: torch.Tensor
    targets: StageTargets
    positives: int
    negatives: int


def stage_loss(
    logits: torch.Tensor,
    deltas: torch.Tensor,
    targets: StageTargets,
    reg_weight: float = 1.0,
    beta: float = 1.0 / 9.0,
) -> StageLoss:
    """Eq. 4 for one stage.

    Args:
        logits: ``(B, N, 2)`` class scores (0 = negative, 1 = positive) in anchor order.
        deltas: ``(B, N, 4)`` predicted Eq. 5 offsets in the same order.
        targets: this stage's labels and regression targets.

    The classification part is the mean cross-entropy over every sampled anchor of the batch; the
    regression part is the smooth-L1 summed over the 4 offsets, averaged over the positives (0 when a
    batch has none).
    """
    logits = logits.float()
    deltas = deltas.float()
    sampled = targets.sampled
    positives = targets.positives
    if sampled.any():
        cls = F.cross_entropy(logits[sampled], targets.labels[sampled])
    else:
        cls = logits.sum() * 0.0
    n_pos = int(positives.sum())
    if n_pos:
        reg = F.smooth_l1_loss(
            deltas[positives], targets.deltas[positives].to(deltas.dtype), beta=beta, reduction="sum"
        ) / n_pos
    else:
        reg = deltas.sum() * 0.0
    return StageLoss(
        cls=cls, reg=reg, total=cls + reg_weight * reg, targets=targets,
        positives=n_pos, negatives=int((targets.labels == 0).sum()),
    )


def stage_anchor_sets(stage_outputs, base_anchors: torch.Tensor, theta: float):
    """Each stage's anchors and NAF keep-mask, from the detached outputs (see module docstring).

    Returns a list of ``(anchors (B, N, 4), keep (B, N) bool)``, one per stage.
    """
    from crpnbench.models.cascade import run_cascade

    detached = [(cls.detach().float(), reg.detach().float()) for cls, reg in stage_outputs]
    with torch.no_grad():
        sets = run_cascade(detached, base_anchors, theta)
    return [(s.anchors, s.keep) for s in sets]


def cascade_loss(
    stage_outputs,
    base_anchors: torch.Tensor,
    boxes: torch.Tensor,
    theta: float,
    config: LossConfig = LossConfig(),
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, list[StageLoss]]:
    """Eq. 7: the sum over stages of Eq. 4, with per-stage assignment and NAF.

    Args:
        stage_outputs: the model's ``[(cls (B, 2K, H, W), reg (B, 4K, H, W)), ...]``, one per stage.
        base_anchors: ``(N, 4)`` predefined anchors (``generate_anchors``; crop-centre relative).
        boxes: ``(B, 4)`` ground truth ``cx, cy, w, h`` in the anchors' coordinates.
        theta: NAF threshold (1 disables filtering).

    Returns:
        ``(total, [StageLoss per stage])``.
    """
    from crpnbench.models.cascade import flatten_stage

    theta = config.theta if config.theta is not None else theta
    base_anchors = base_anchors.to(boxes.device, torch.float32)
    anchor_sets = stage_anchor_sets(stage_outputs, base_anchors, theta)
    losses = []
    for (cls_map, reg_map), (anchors, keep) in zip(stage_outputs, anchor_sets):
        logits, deltas = flatten_stage(cls_map, reg_map)
        targets = assign_stage(anchors, boxes, keep, config.assign, generator)
        losses.append(stage_loss(logits, deltas, targets, config.reg_weight, config.smooth_l1_beta))
    total = torch.stack([part.total for part in losses]).sum()
    return total, losses


__all__ = ["LossConfig", "StageLoss", "cascade_loss", "stage_anchor_sets", "stage_loss"]
