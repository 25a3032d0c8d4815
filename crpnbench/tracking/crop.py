"""Square context crops of SiamFC/SiamRPN, for tracking and for training pairs.

Coordinates: ``center_xy`` is **0-based** (pixel (0, 0)'s centre is at 0.0, 0.0; a 1-based box
``x, y, w, h`` from a ground-truth file has its centre at ``x - 1 + (w - 1) / 2``, see
:func:`box_to_center_size`). The crop covers ``crop_size`` source pixels around ``center_xy`` and is
resampled to ``out_size x out_size``; crop pixel ``u`` sits at source ``cx + (u - (out_size - 1) / 2) *
crop_size / out_size``, so the crop centre maps to ``center_xy`` exactly. Outside the image the crop is
filled with ``pad`` (default: the image's mean colour, as SiamRPN does).
"""

from __future__ import annotations

import math

import numpy as np


def context_size(w: float, h: float, context: float = 0.5) -> float:
    """Side of the square exemplar region: ``sqrt((w + p) * (h + p))`` with ``p = context * (w + h)``."""
    pad = context * (w + h)
    return math.sqrt((w + pad) * (h + pad))


def box_to_center_size(box_xywh_1based) -> tuple[np.ndarray, np.ndarray]:
    """1-based ``x, y, w, h`` -> (0-based centre ``cx, cy``, size ``w, h``)."""
    x, y, w, h = (float(v) for v in box_xywh_1based)
    return np.array([x - 1 + (w - 1) / 2, y - 1 + (h - 1) / 2]), np.array([w, h])


def center_size_to_box(center_xy, size_wh) -> np.ndarray:
    """Inverse of :func:`box_to_center_size`: -> 1-based ``x, y, w, h`` (float64)."""
    cx, cy = (float(v) for v in center_xy)
    w, h = (float(v) for v in size_wh)
    return np.array([cx - (w - 1) / 2 + 1, cy - (h - 1) / 2 + 1, w, h], dtype=np.float64)


def crop_and_resize(image: np.ndarray, center_xy, crop_size: float, out_size: int, pad=None) -> np.ndarray:
    """The ``crop_size`` square around 0-based ``center_xy`` of ``image`` (H, W, C) resized to ``out_size``.

    One bilinear affine warp (sub-pixel exact, no intermediate padded copy); ``pad`` is the fill colour
    (a scalar or one value per channel; default the per-channel mean of ``image``). Returns the same
    dtype as ``image``, shape ``(out_size, out_size, C)``.
    """
    import cv2

    if crop_size <= 0 or not math.isfinite(crop_size):
        raise ValueError(f"crop_size must be a positive finite number, got {crop_size}")
    if pad is None:
        pad = image.reshape(-1, image.shape[2]).mean(axis=0) if image.ndim == 3 else float(image.mean())
    pad_value = tuple(float(v) for v in np.atleast_1d(pad)) if np.ndim(pad) else float(pad)
    scale = out_size / crop_size
    cx, cy = (float(v) for v in center_xy)
    half = (out_size - 1) / 2
    matrix = np.array([[scale, 0.0, half - scale * cx], [0.0, scale, half - scale * cy]])
    return cv2.warpAffine(image, matrix, (out_size, out_size), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=pad_value)


def image_to_tensor(crop: np.ndarray):
    """HWC uint8 BGR crop (or a list/array of them) -> float32 tensor (B, 3, H, W), values 0-255 (SiamRPN input)."""
    import torch

    array = np.asarray(crop)
    if array.ndim == 3:
        array = array[None]
    return torch.from_numpy(np.ascontiguousarray(array.transpose(0, 3, 1, 2))).float()
