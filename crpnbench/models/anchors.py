"""Anchors of the Siamese RPN and the box arithmetic of the paper's Eq. 5 and Eq. 6.

Layout (shared with :func:`crpnbench.models.cascade.flatten_stage` and the heads' output channels)
--------------------------------------------------------------------------------------------------
``generate_anchors`` returns ``K * H * W`` rows ordered **anchor shape major, then row, then column**:
row ``n = k * H * W + y * W + x`` is anchor shape ``k`` (``k``-th ratio/scale pair) centred on score-map
cell ``(y, x)``. A head's classification map ``(B, 2K, H, W)`` has channel ``c * K + k`` for class ``c``
(0 = background/negative, 1 = target/positive) of anchor shape ``k``; the regression map ``(B, 4K, H, W)``
has channel ``j * K + k`` for delta ``j`` in (dx, dy, dw, dh). This is SiamRPN's / DaSiamRPN's layout.

Coordinates are ``cx, cy, w, h`` in search-crop pixels **relative to the crop centre** (the centre cell of
an odd score map is at 0, 0). Everything works on NumPy arrays and on torch tensors alike (the functions
only use arithmetic, ``exp``/``log`` and indexing, dispatched on the input type).
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

DEFAULT_RATIOS = (0.33, 0.5, 1.0, 2.0, 3.0)
DEFAULT_SCALES = (8.0,)


def anchor_shapes(stride: int = 8, ratios: Sequence[float] = DEFAULT_RATIOS,
                  scales: Sequence[float] = DEFAULT_SCALES) -> np.ndarray:
    """The ``K = len(ratios) * len(scales)`` anchor sizes ``(K, 2)`` as ``w, h`` (SiamRPN's rounding).

    For ratio ``r = h / w`` the base box of area ``stride**2`` has ``w = int(sqrt(stride**2 / r))`` and
    ``h = int(w * r)``; it is then multiplied by each scale. Order: ratio major, scale minor.
    """
    area = float(stride * stride)
    shapes = []
    for ratio in ratios:
        base_w = int(math.sqrt(area / ratio))
        base_h = int(base_w * ratio)
        for scale in scales:
            shapes.append((base_w * scale, base_h * scale))
    return np.asarray(shapes, dtype=np.float32)


def generate_anchors(score_size: int, stride: int = 8, ratios: Sequence[float] = DEFAULT_RATIOS,
                     scales: Sequence[float] = DEFAULT_SCALES) -> np.ndarray:
    """All anchors of a ``score_size x score_size`` map: ``(K * H * W, 4)`` float32 ``cx, cy, w, h``.

    Cell ``(y, x)`` is centred at ``((x - score_size // 2) * stride, (y - score_size // 2) * stride)``
    relative to the search-crop centre. Row order: see the module docstring (shape, row, column).
    """
    shapes = anchor_shapes(stride, ratios, scales)                       # (K, 2)
    offsets = (np.arange(score_size, dtype=np.float32) - score_size // 2) * stride
    k = shapes.shape[0]
    cy, cx = np.meshgrid(offsets, offsets, indexing="ij")                # (H, W) each
    anchors = np.empty((k, score_size, score_size, 4), dtype=np.float32)
    anchors[..., 0] = cx[None]
    anchors[..., 1] = cy[None]
    anchors[..., 2] = shapes[:, 0, None, None]
    anchors[..., 3] = shapes[:, 1, None, None]
    return anchors.reshape(-1, 4)


def config_anchors(config, score_size: int | None = None) -> np.ndarray:
    """The predefined (stage-1) anchors of a C-RPN config: ``(K * S * S, 4)`` float32 ``cx, cy, w, h``.

    ``score_size`` defaults to the config's training map size; the tracker passes the size of the map
    it got (another search size at test time gives another map size). Training and tracking both
    take their anchors from here.
    """
    size = config.score_size if score_size is None else int(score_size)
    return generate_anchors(size, config.anchor_stride, config.anchor_ratios, config.anchor_scales)


def _lib(x):
    """``torch`` for tensors, ``numpy`` otherwise (so the box maths is written once)."""
    if type(x).__module__.startswith("torch"):
        import torch
        return torch
    return np


def encode(boxes, anchors):
    """Regression targets of ``boxes`` w.r.t. ``anchors`` (paper Eq. 5), both ``(..., 4)`` cx, cy, w, h.

    ``dx = (x* - xa) / wa``, ``dy = (y* - ya) / ha``, ``dw = log(w* / wa)``, ``dh = log(h* / ha)``
    (the paper prints ``log(y*/ha)`` for the last one, a typo for ``log(h*/ha)``). Broadcasts.
    """
    lib = _lib(boxes)
    dx = (boxes[..., 0] - anchors[..., 0]) / anchors[..., 2]
    dy = (boxes[..., 1] - anchors[..., 1]) / anchors[..., 3]
    dw = lib.log(boxes[..., 2] / anchors[..., 2])
    dh = lib.log(boxes[..., 3] / anchors[..., 3])
    return lib.stack([dx, dy, dw, dh], -1) if lib is np else lib.stack([dx, dy, dw, dh], dim=-1)


#: clip of ``dw``/``dh`` used by the cascade (as in Faster R-CNN / Detectron): a size change of at most 62.5x
LOG_SCALE_CLIP = math.log(1000.0 / 16)


def decode(deltas, anchors, max_log_scale: float | None = None):
    """Apply regression ``deltas`` to ``anchors`` (paper Eq. 6); the exact inverse of :func:`encode`.

    ``x = xa + wa * dx``, ``y = ya + ha * dy``, ``w = wa * exp(dw)``, ``h = ha * exp(dh)``. Broadcasts.
    ``max_log_scale`` (e.g. :data:`LOG_SCALE_CLIP`) clips ``dw, dh`` from above so that wild predictions
    of an untrained network give large but finite boxes; ``None`` = no clipping (exact inverse).
    """
    lib = _lib(deltas)
    dw, dh = deltas[..., 2], deltas[..., 3]
    if max_log_scale is not None:
        dw = np.minimum(dw, max_log_scale) if lib is np else dw.clamp(max=max_log_scale)
        dh = np.minimum(dh, max_log_scale) if lib is np else dh.clamp(max=max_log_scale)
    cx = anchors[..., 0] + anchors[..., 2] * deltas[..., 0]
    cy = anchors[..., 1] + anchors[..., 3] * deltas[..., 1]
    w = anchors[..., 2] * lib.exp(dw)
    h = anchors[..., 3] * lib.exp(dh)
    return lib.stack([cx, cy, w, h], -1) if lib is np else lib.stack([cx, cy, w, h], dim=-1)


def iou_cxcywh(a, b, pairwise: bool = False):
    """Intersection over union of ``cx, cy, w, h`` boxes (continuous coordinates).

    ``pairwise=False``: element-wise over broadcast shapes ``(..., 4)`` -> ``(...)``.
    ``pairwise=True``: ``a`` ``(N, 4)`` x ``b`` ``(M, 4)`` -> ``(N, M)``. Empty boxes give IoU 0.
    """
    lib = _lib(a)
    if pairwise:
        a = a[:, None, :]
        b = b[None, :, :]
    ax1, ay1 = a[..., 0] - a[..., 2] / 2, a[..., 1] - a[..., 3] / 2
    ax2, ay2 = a[..., 0] + a[..., 2] / 2, a[..., 1] + a[..., 3] / 2
    bx1, by1 = b[..., 0] - b[..., 2] / 2, b[..., 1] - b[..., 3] / 2
    bx2, by2 = b[..., 0] + b[..., 2] / 2, b[..., 1] + b[..., 3] / 2
    if lib is np:
        iw = np.clip(np.minimum(ax2, bx2) - np.maximum(ax1, bx1), 0, None)
        ih = np.clip(np.minimum(ay2, by2) - np.maximum(ay1, by1), 0, None)
    else:
        iw = (lib.minimum(ax2, bx2) - lib.maximum(ax1, bx1)).clamp(min=0)
        ih = (lib.minimum(ay2, by2) - lib.maximum(ay1, by1)).clamp(min=0)
    inter = iw * ih
    union = a[..., 2] * a[..., 3] + b[..., 2] * b[..., 3] - inter
    if lib is np:
        with np.errstate(invalid="ignore", divide="ignore"):
            iou = np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)
        return iou
    return lib.where(union > 0, inter / union.clamp(min=1e-12), lib.zeros_like(inter))
