"""Anchor layout and the box arithmetic of Eq. 5 / Eq. 6."""

import numpy as np
import pytest
import torch

from crpnbench.models.anchors import anchor_shapes, decode, encode, generate_anchors, iou_cxcywh
from crpnbench.models.cascade import flatten_stage


def test_siamrpn_anchor_shapes_and_grid():
    shapes = anchor_shapes(8, (0.33, 0.5, 1, 2, 3), (8,))
    # SiamRPN: w = int(sqrt(64 / r)), h = int(w * r), times scale 8
    np.testing.assert_array_equal(shapes, [[104, 32], [88, 40], [64, 64], [40, 80], [32, 96]])
    anchors = generate_anchors(17)
    assert anchors.shape == (5 * 17 * 17, 4)
    grid = anchors.reshape(5, 17, 17, 4)
    assert grid[0, 8, 8, 0] == 0 and grid[0, 8, 8, 1] == 0          # centre cell at the crop centre
    assert grid[0, 0, 0, 0] == -64 and grid[0, 0, 16, 0] == 64       # column -> x, stride 8
    assert grid[0, 0, 0, 1] == -64 and grid[0, 16, 0, 1] == 64       # row -> y
    assert np.all(grid[3, :, :, 2:] == [40, 80])                      # shape index major


def test_anchor_order_matches_head_reshape():
    """Row n = k*H*W + y*W + x of generate_anchors is what flatten_stage puts at n."""
    k, size = 5, 7
    anchors = generate_anchors(size)
    cls = torch.zeros(1, 2 * k, size, size)
    reg = torch.zeros(1, 4 * k, size, size)
    for a in range(k):
        for j in range(4):   # channel j*k + a carries anchor a's j-th delta: encode a code to recover
            reg[0, j * k + a] = a * 1000 + j * 100
        cls[0, k + a] = a   # positive logit of shape a
    ys, xs = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    reg += (ys * 10 + xs)[None, None].float() * 0.001
    scores, deltas = flatten_stage(cls, reg)
    assert scores.shape == (1, k * size * size, 2) and deltas.shape == (1, k * size * size, 4)
    for n in [0, 5, size * size + 3, 4 * size * size + 2 * size + 6]:
        a, rest = divmod(n, size * size)
        y, x = divmod(rest, size)
        assert deltas[0, n, 1].item() == pytest.approx(a * 1000 + 100 + (y * 10 + x) * 0.001, abs=1e-3)
        assert scores[0, n, 1].item() == a
        # the anchor at n sits on cell (y, x) and has shape a
        assert anchors[n, 0] == (x - size // 2) * 8 and anchors[n, 1] == (y - size // 2) * 8
        np.testing.assert_array_equal(anchors[n, 2:], anchor_shapes()[a])


def test_encode_is_eq5_and_decode_inverts_it():
    anchor = np.array([10.0, -4.0, 64.0, 32.0])
    box = np.array([26.0, 4.0, 128.0, 16.0])
    np.testing.assert_allclose(encode(box, anchor), [16 / 64, 8 / 32, np.log(2), np.log(0.5)])
    rng = np.random.default_rng(0)
    anchors = generate_anchors(9)
    boxes = np.column_stack([rng.uniform(-80, 80, (len(anchors), 2)), rng.uniform(5, 200, (len(anchors), 2))])
    np.testing.assert_allclose(decode(encode(boxes, anchors), anchors), boxes, rtol=1e-5, atol=1e-4)
    t_boxes, t_anchors = torch.from_numpy(boxes), torch.from_numpy(anchors).double()
    torch.testing.assert_close(decode(encode(t_boxes, t_anchors), t_anchors), t_boxes)


def test_iou_elementwise_and_pairwise():
    a = np.array([[0.0, 0.0, 10.0, 10.0], [0.0, 0.0, 10.0, 10.0]])
    b = np.array([[5.0, 0.0, 10.0, 10.0], [100.0, 0.0, 10.0, 10.0]])
    np.testing.assert_allclose(iou_cxcywh(a, b), [50 / 150, 0.0])
    pair = iou_cxcywh(a[:1], b, pairwise=True)
    assert pair.shape == (1, 2)
    np.testing.assert_allclose(pair, [[50 / 150, 0.0]])
    torch.testing.assert_close(iou_cxcywh(torch.from_numpy(a), torch.from_numpy(a)), torch.ones(2, dtype=torch.float64))
    assert iou_cxcywh(np.zeros(4), np.zeros(4)) == 0.0


def test_decode_clip_keeps_wild_predictions_finite():
    anchors = torch.tensor([[0.0, 0.0, 64.0, 64.0]])
    wild = torch.tensor([[0.5, -0.5, 500.0, 3.0]])
    assert not torch.isfinite(decode(wild, anchors)).all()
    clipped = decode(wild, anchors, max_log_scale=np.log(1000 / 16))
    assert torch.isfinite(clipped).all()
    torch.testing.assert_close(clipped[0, 2], torch.tensor(64.0 * 1000 / 16))
    torch.testing.assert_close(clipped[0, 3], torch.tensor(64.0 * np.exp(3.0), dtype=torch.float32))
    np.testing.assert_allclose(decode(wild.numpy(), anchors.numpy(), 1.0)[0, 2:], [64 * np.e, 64 * np.e])
