"""The cascade of paper §3.3 / Algorithm 1, batched: per-stage anchors, refinement (Eq. 6) and NAF.

Shared by the tracker and the training code (which assigns each stage's labels against that stage's
anchors and ignores anchors that NAF removed).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from crpnbench.models.anchors import LOG_SCALE_CLIP, decode


@dataclass
class StageAnchors:
    """Anchors of one stage: ``anchors`` (B, N, 4) cx, cy, w, h that this stage's regression applies to,
    and ``keep`` (B, N) bool, the anchors still alive at this stage (not removed by NAF earlier)."""

    anchors: torch.Tensor
    keep: torch.Tensor


def flatten_stage(cls: torch.Tensor, reg: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``cls`` (B, 2K, H, W), ``reg`` (B, 4K, H, W) -> ``scores`` (B, N, 2) logits, ``deltas`` (B, N, 4).

    ``N = K*H*W`` in :func:`crpnbench.models.anchors.generate_anchors` order (anchor shape, row, column);
    ``scores[..., 0]`` is the negative (background) logit, ``scores[..., 1]`` the positive one.
    """
    b, c2, h, w = cls.shape
    k = c2 // 2
    scores = cls.reshape(b, 2, k, h, w).permute(0, 2, 3, 4, 1).reshape(b, k * h * w, 2)
    deltas = reg.reshape(b, 4, k, h, w).permute(0, 2, 3, 4, 1).reshape(b, k * h * w, 4)
    return scores, deltas


def negative_confidence(scores: torch.Tensor) -> torch.Tensor:
    """Softmax probability of the negative class, (B, N, 2) logits -> (B, N)."""
    return torch.softmax(scores, dim=-1)[..., 0]


def _as_tensor(base_anchors, like: torch.Tensor) -> torch.Tensor:
    if isinstance(base_anchors, np.ndarray):
        base_anchors = torch.from_numpy(base_anchors)
    return base_anchors.to(device=like.device, dtype=like.dtype)


def run_cascade(stage_outputs, base_anchors, theta: float) -> list[StageAnchors]:
    """Anchors and NAF masks of every stage (one :class:`StageAnchors` per entry of ``stage_outputs``).

    Stage 1: the predefined ``base_anchors`` (N, 4), all kept. Stage l+1: stage l's anchors refined by
    stage l's regression (Eq. 6), kept where stage l kept them and stage l's softmax negative confidence
    is ``<= theta`` (``theta = 1`` keeps everything). Predictions are detached: no gradient flows through
    the refinement or the filtering (training assigns targets against them). ``dw, dh`` are clipped at
    :data:`~crpnbench.models.anchors.LOG_SCALE_CLIP` so refined anchors stay finite.
    """
    first_cls = stage_outputs[0][0]
    batch = first_cls.shape[0]
    anchors = _as_tensor(base_anchors, first_cls).unsqueeze(0).expand(batch, -1, -1)
    keep = torch.ones(anchors.shape[:2], dtype=torch.bool, device=first_cls.device)
    out = [StageAnchors(anchors, keep)]
    for cls, reg in stage_outputs[:-1]:
        scores, deltas = flatten_stage(cls.detach(), reg.detach())
        anchors = decode(deltas, anchors, LOG_SCALE_CLIP)
        keep = keep & (negative_confidence(scores) <= theta)
        out.append(StageAnchors(anchors, keep))
    return out


def cascade_proposals(stage_outputs, base_anchors, theta: float) -> tuple[StageAnchors, torch.Tensor]:
    """Target proposals ``A_{L+1}`` of Algorithm 1 and their scores.

    Returns ``(StageAnchors(last stage's anchors refined by its regression, keep after the last NAF),
    positive softmax score of the last stage (B, N))``.
    """
    stages = run_cascade(stage_outputs, base_anchors, theta)
    cls, reg = stage_outputs[-1]
    scores, deltas = flatten_stage(cls.detach(), reg.detach())
    probs = torch.softmax(scores, dim=-1)
    last = stages[-1]
    proposals = StageAnchors(decode(deltas, last.anchors, LOG_SCALE_CLIP), last.keep & (probs[..., 0] <= theta))
    return proposals, probs[..., 1]
