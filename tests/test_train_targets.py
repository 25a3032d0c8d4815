"""Per-stage target assignment, negative anchor filtering and the cascade loss on hand-made boxes."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from crpnbench.models.anchors import decode, iou_cxcywh
from crpnbench.training.loss import LossConfig, cascade_loss, stage_anchor_sets
from crpnbench.training.targets import IGNORE, NEGATIVE, POSITIVE, AssignConfig, assign_stage

GT = torch.tensor([[10.0, -4.0, 40.0, 30.0]])


def test_positive_negative_and_ignored_anchor():
    anchors = torch.tensor([[
        [12.0, -3.0, 40.0, 32.0],    # nearly the ground truth: IoU ~0.87 -> positive
        [100.0, 100.0, 40.0, 30.0],  # far away: IoU 0 -> negative
        [10.0, -4.0, 40.0 / 0.45, 30.0],  # same centre, wider: IoU 0.45, between 0.3 and 0.6 -> ignored
    ]])
    iou = iou_cxcywh(anchors, GT[:, None, :])
    assert iou[0, 0] > 0.6 and iou[0, 1] == 0 and 0.3 < iou[0, 2] < 0.6
    targets = assign_stage(anchors, GT)
    assert targets.labels.tolist() == [[POSITIVE, NEGATIVE, IGNORE]]
    # Eq. 5 against the anchor, written out by hand
    expected = [(10 - 12) / 40, (-4 + 3) / 32, math.log(40 / 40), math.log(30 / 32)]
    np.testing.assert_allclose(targets.deltas[0, 0].numpy(), expected, rtol=1e-6)


def test_boundary_ious_are_not_labelled():
    # IoU exactly 0.6 is not > 0.6 and exactly 0.3 is not < 0.3: both ignored
    anchors = torch.tensor([[[10.0, -4.0, 40.0 / 0.6, 30.0], [10.0, -4.0, 40.0 / 0.3, 30.0]]])
    np.testing.assert_allclose(iou_cxcywh(anchors, GT[:, None, :])[0].numpy(), [0.6, 0.3], rtol=1e-6)
    assert assign_stage(anchors, GT).labels.tolist() == [[IGNORE, IGNORE]]


def test_at_most_64_samples_and_16_positives_per_pair():
    gen = torch.Generator().manual_seed(0)
    near = GT[0].repeat(40, 1) + torch.tensor([0.5, 0.0, 0.0, 0.0])       # 40 positive candidates
    far = torch.tensor([200.0, 200.0, 20.0, 20.0]).repeat(300, 1)           # 300 negative candidates
    anchors = torch.cat([near, far])[None].repeat(3, 1, 1)                    # batch of 3 pairs
    boxes = GT.repeat(3, 1)
    targets = assign_stage(anchors, boxes, generator=gen)
    positives = (targets.labels == POSITIVE).sum(dim=1)
    sampled = (targets.labels >= 0).sum(dim=1)
    assert positives.tolist() == [16, 16, 16]
    assert sampled.tolist() == [64, 64, 64]
    # the subsets differ between pairs (random per pair, not the first 16)
    assert not torch.equal(targets.labels[0], targets.labels[1])
    # fewer negatives than the budget: all of them are used
    few = assign_stage(torch.cat([near[:5], far[:10]])[None], GT, generator=gen)
    assert (few.labels == POSITIVE).sum() == 5 and (few.labels == NEGATIVE).sum() == 10


def _maps(logits_pos_neg, deltas):
    """cls (1, 2, 1, N) and reg (1, 4, 1, N) maps for K = 1 anchor shape on a 1 x N score map."""
    n = len(logits_pos_neg)
    cls = torch.zeros(1, 2, 1, n)
    for i, (neg, pos) in enumerate(logits_pos_neg):
        cls[0, 0, 0, i], cls[0, 1, 0, i] = neg, pos
    reg = torch.tensor(deltas, dtype=torch.float32).T.reshape(1, 4, 1, n)
    return cls, reg


def test_stage2_targets_use_refined_anchors_and_naf_removes_confident_negatives():
    base = torch.tensor([[0.0, 0.0, 40.0, 30.0], [24.0, 0.0, 40.0, 30.0], [-300.0, 0.0, 40.0, 30.0]])
    gt = torch.tensor([[20.0, 0.0, 40.0, 30.0]])
    # stage 1 regression moves anchors 0 and 1 exactly onto the ground truth
    to_gt = [[0.5, 0.0, 0.0, 0.0], [-0.1, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
    # anchor 0: negative confidence softmax(6, 0)[0] = 0.9975 > 0.95 -> filtered; anchor 1: 0.5 -> kept
    stage1 = _maps([(6.0, 0.0), (0.0, 0.0), (0.0, 0.0)], to_gt)
    stage2 = _maps([(0.0, 0.0)] * 3, [[0.0] * 4] * 3)
    sets = stage_anchor_sets([stage1, stage2], base, theta=0.95)
    refined = decode(torch.tensor(to_gt)[None], base[None])
    torch.testing.assert_close(sets[1][0], refined)
    assert sets[0][1].tolist() == [[True, True, True]]
    assert sets[1][1].tolist() == [[False, True, True]]

    total, parts = cascade_loss([stage1, stage2], base, gt, theta=0.95)
    # stage 1 against predefined anchors: IoU(anchor 0) = 600/1800, IoU(anchor 1) = 1080/1320, anchor 2 far
    assert parts[0].targets.labels.tolist() == [[IGNORE, POSITIVE, NEGATIVE]]
    # stage 2: anchor 0 sits exactly on the ground truth but NAF removed it -> no label
    assert parts[1].targets.labels.tolist() == [[IGNORE, POSITIVE, NEGATIVE]]
    # stage-2 regression targets are against the refined anchor (already on the ground truth -> 0)
    torch.testing.assert_close(parts[1].targets.deltas[0, 1], torch.zeros(4), atol=1e-6, rtol=0)
    # with NAF off (theta = 1) the same anchor is a stage-2 positive
    _, no_naf = cascade_loss([stage1, stage2], base, gt, theta=1.0)
    assert no_naf[1].targets.labels.tolist() == [[POSITIVE, POSITIVE, NEGATIVE]]
    # loss = sum over stages of CE + lambda * smooth-L1 (Eq. 4, 7)
    assert parts[0].cls.item() == pytest.approx(math.log(2), rel=1e-6)  # two sampled anchors, logits (0, 0)
    assert total.item() == pytest.approx(sum(p.cls.item() + p.reg.item() for p in parts), rel=1e-6)


def test_regression_loss_is_smooth_l1_on_positives_only():
    base = torch.tensor([[20.0, -4.0, 40.0, 30.0], [300.0, 0.0, 40.0, 30.0]])
    gt = torch.tensor([[20.0, -4.0, 40.0, 30.0]])
    # predicted deltas: 0.5 on the positive's dx (smooth-L1 beta 1/9 -> 0.5 - 1/18), 9 on the negative
    stage = _maps([(0.0, 0.0), (0.0, 0.0)], [[0.5, 0.0, 0.0, 0.0], [9.0, 9.0, 9.0, 9.0]])
    _, parts = cascade_loss([stage], base, gt, theta=0.95, config=LossConfig(reg_weight=2.0))
    assert parts[0].positives == 1 and parts[0].negatives == 1
    assert parts[0].reg.item() == pytest.approx(0.5 - 0.5 / 9, rel=1e-5)
    assert parts[0].total.item() == pytest.approx(parts[0].cls.item() + 2.0 * parts[0].reg.item(), rel=1e-6)


def test_assign_config_thresholds_are_used():
    anchors = torch.tensor([[[10.0, -4.0, 40.0 / 0.45, 30.0]]])  # IoU 0.45
    assert assign_stage(anchors, GT, config=AssignConfig(positive_iou=0.4)).labels.item() == POSITIVE
    assert assign_stage(anchors, GT, config=AssignConfig(negative_iou=0.5)).labels.item() == NEGATIVE
