"""Per-frame overlap and centre-distance measures, vectorised over frames.

Boxes are ``(N, 4)`` arrays of ``x, y, w, h``; VOT polygons are ``(N, 8)`` arrays of corner
coordinates ``x1, y1, ..., x4, y4``. Every function returns one value per frame and never loops
over frames in Python except :func:`polygon_overlap_pixel`, whose per-frame work is a handful of
array operations (scanline rasterisation as in the VOT/pysot ``region.c`` code).
"""

from __future__ import annotations

import numpy as np


def _as_boxes(boxes) -> np.ndarray:
    return np.asarray(boxes, dtype=np.float64).reshape(-1, 4)


def rect_iou(boxes_a, boxes_b) -> np.ndarray:
    """Continuous intersection-over-union of axis-aligned boxes (pysot/got10k ``overlap_ratio``).

    Intersection is ``max(0, min(x+w) - max(x)) * max(0, min(y+h) - max(y))``, union is
    ``w_a*h_a + w_b*h_b - intersection``; the ratio is clipped to ``[0, 1]`` and a zero union
    gives 0. Returns an ``(N,)`` float array.
    """
    a, b = _as_boxes(boxes_a), _as_boxes(boxes_b)
    left = np.maximum(a[:, 0], b[:, 0])
    right = np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2])
    top = np.maximum(a[:, 1], b[:, 1])
    bottom = np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3])
    inter = np.maximum(0.0, right - left) * np.maximum(0.0, bottom - top)
    union = a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = np.where(union > 0, inter / union, 0.0)
    return np.clip(np.nan_to_num(iou, nan=0.0), 0.0, 1.0)


def rect_iou_pixel_inclusive(boxes_a, boxes_b) -> np.ndarray:
    """IoU as the OTB MATLAB toolkit's ``calcRectInt`` computes it (pixel-inclusive ``+1``).

    A box covers pixels ``x .. x+w-1``; the intersection width is
    ``max(0, min(right_a, right_b) - max(left_a, left_b) + 1)`` with ``right = x + w - 1``, and
    the areas are ``w*h``. For real-valued boxes this is algebraically the same as
    :func:`rect_iou`; it differs only by floating-point rounding. The OTB toolkit's numbers
    differ from pysot's through its GT-validity rule (all four values > 0), which
    :class:`~crpnbench.metrics.conventions.ScoringConvention` names separately.
    """
    a, b = _as_boxes(boxes_a), _as_boxes(boxes_b)
    right_a, right_b = a[:, 0] + a[:, 2] - 1, b[:, 0] + b[:, 2] - 1
    bottom_a, bottom_b = a[:, 1] + a[:, 3] - 1, b[:, 1] + b[:, 3] - 1
    inter_w = np.maximum(0.0, np.minimum(right_a, right_b) - np.maximum(a[:, 0], b[:, 0]) + 1)
    inter_h = np.maximum(0.0, np.minimum(bottom_a, bottom_b) - np.maximum(a[:, 1], b[:, 1]) + 1)
    inter = inter_w * inter_h
    union = a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = np.where(union > 0, inter / union, 0.0)
    return np.clip(np.nan_to_num(iou, nan=0.0), 0.0, 1.0)


def box_centers(boxes) -> np.ndarray:
    """Centres ``(x + (w-1)/2, y + (h-1)/2)`` of 1-based pixel boxes (pysot, OTB and LaSOT toolkits)."""
    b = _as_boxes(boxes)
    return b[:, :2] + (b[:, 2:] - 1.0) / 2.0


def center_error(boxes_a, boxes_b) -> np.ndarray:
    """Euclidean distance in pixels between the centres (:func:`box_centers`) of two box arrays."""
    d = box_centers(boxes_a) - box_centers(boxes_b)
    return np.sqrt(np.sum(d * d, axis=1))


def normalized_center_error(pred_boxes, gt_boxes, definition: str = "gt_size") -> np.ndarray:
    """Centre distance with each axis divided by the ground-truth box size.

    ``definition``:
      * ``"gt_size"``  — LaSOT toolkit / pysot: both centres divided by the GT ``w, h``
        (pysot adds 1e-16; a zero-size GT gives ``inf``/NaN, which callers mask as invalid GT).
      * ``"gt_size_min1"`` — got10k ``normalized_center_error``: divide by ``max(1, w), max(1, h)``.
    """
    pred, gt = _as_boxes(pred_boxes), _as_boxes(gt_boxes)
    if definition == "gt_size":
        scale = gt[:, 2:] + 1e-16
    elif definition == "gt_size_min1":
        scale = np.maximum(1.0, gt[:, 2:])
    else:
        raise ValueError(f"unknown normalized-precision definition {definition!r}")
    d = (box_centers(pred) - box_centers(gt)) / scale
    with np.errstate(invalid="ignore", over="ignore"):
        return np.sqrt(np.sum(d * d, axis=1))


# ----------------------------------------------------------------------------- polygons

def boxes_to_polygons(boxes) -> np.ndarray:
    """``(N, 4)`` boxes to ``(N, 8)`` corner polygons (x, y), (x+w, y), (x+w, y+h), (x, y+h)."""
    b = _as_boxes(boxes)
    x0, y0, x1, y1 = b[:, 0], b[:, 1], b[:, 0] + b[:, 2], b[:, 1] + b[:, 3]
    return np.stack([x0, y0, x1, y0, x1, y1, x0, y1], axis=1)


def _to_shapely(polygons: np.ndarray):
    import shapely

    rings = polygons.reshape(-1, 4, 2)
    geoms = shapely.polygons(rings)
    # a self-intersecting or degenerate polygon has area via make_valid
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        geoms[bad] = shapely.make_valid(geoms[bad])
    return geoms


def polygon_overlap_exact(polygons_a, polygons_b, bounds=None) -> np.ndarray:
    """Exact-geometry IoU of two ``(N, 8)`` polygon arrays (shapely, vectorised).

    ``bounds`` (optional) is ``(N, 2)`` or ``(2,)`` of ``(right, bottom)``: both polygons are first
    clipped to ``[0, right] x [0, bottom]`` as the VOT toolkits clip to the image. A frame where
    either polygon holds NaN gives NaN; an empty union gives 0.
    """
    import shapely

    a = np.asarray(polygons_a, dtype=np.float64).reshape(-1, 8)
    b = np.asarray(polygons_b, dtype=np.float64).reshape(-1, 8)
    out = np.full(len(a), np.nan)
    ok = np.isfinite(a).all(1) & np.isfinite(b).all(1)
    if not ok.any():
        return out
    ga, gb = _to_shapely(a[ok]), _to_shapely(b[ok])
    if bounds is not None:
        bnd = np.broadcast_to(np.asarray(bounds, dtype=np.float64).reshape(-1, 2), (len(a), 2))[ok]
        frame = shapely.box(0.0, 0.0, bnd[:, 0], bnd[:, 1])
        ga, gb = shapely.intersection(ga, frame), shapely.intersection(gb, frame)
    inter = shapely.area(shapely.intersection(ga, gb))
    union = shapely.area(ga) + shapely.area(gb) - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        out[ok] = np.where(union > 0, inter / union, 0.0)
    return np.clip(out, 0.0, 1.0, where=np.isfinite(out), out=out)


def axis_aligned_boxes(polygons) -> tuple[np.ndarray, np.ndarray]:
    """Which ``(N, 8)`` polygons are axis-aligned rectangles written as (x,y),(x+w,y),(x+w,y+h),(x,y+h)
    (what :func:`boxes_to_polygons` makes of a 4-value row), and their ``(N, 4)`` boxes."""
    p = np.asarray(polygons, dtype=np.float64).reshape(-1, 8)
    aligned = (
        (p[:, 0] == p[:, 6]) & (p[:, 2] == p[:, 4]) & (p[:, 1] == p[:, 3]) & (p[:, 5] == p[:, 7])
        & (p[:, 2] >= p[:, 0]) & (p[:, 5] >= p[:, 1])
    )
    boxes = np.stack([p[:, 0], p[:, 1], p[:, 2] - p[:, 0], p[:, 5] - p[:, 1]], axis=1)
    return aligned, boxes


def rect_iou_bounded(boxes_a, boxes_b, bounds=None) -> np.ndarray:
    """Continuous IoU after clipping both boxes to ``[0, right] x [0, bottom]`` (VOT ``region.c``
    path for two rectangles, ``bounds_apply_rectangle``); ``bounds`` ``(N, 2)``, ``(2,)`` or None."""
    a, b = _as_boxes(boxes_a).copy(), _as_boxes(boxes_b).copy()
    if bounds is not None:
        bnd = np.broadcast_to(np.asarray(bounds, dtype=np.float64).reshape(-1, 2), (len(a), 2))
        for box in (a, b):
            left, top = np.maximum(box[:, 0], 0.0), np.maximum(box[:, 1], 0.0)
            right = np.minimum(box[:, 0] + box[:, 2], bnd[:, 0])
            bottom = np.minimum(box[:, 1] + box[:, 3], bnd[:, 1])
            box[:] = np.stack([left, top, right - left, bottom - top], axis=1)
    return rect_iou(a, b)


def _scanline_intervals(poly: np.ndarray, rows: np.ndarray, width) -> tuple[np.ndarray, np.ndarray]:
    """Filled ``[start, end)`` pixel intervals per row, as VOT ``rasterize_polygon`` fills them.

    ``poly`` is ``(8,)`` or one polygon per row ``(R, 8)`` (already shifted to the raster window),
    ``rows`` the ``(R,)`` integer row numbers, ``width`` the window width (scalar or ``(R, 1)``).
    A row's edge crossings are truncated to integers (C ``(int)`` cast), sorted and paired; a pair
    starting at or past the window is dropped, a negative start is clamped to 0 and an end past
    the window becomes ``width - 1`` as in ``region.c``. Returns two ``(R, k)`` int arrays (unused
    pairs have start = end).
    """
    poly = np.asarray(poly, dtype=np.float64)
    xs, ys = poly[..., 0::2], poly[..., 1::2]
    xj, yj = np.roll(xs, 1, axis=-1), np.roll(ys, 1, axis=-1)
    y = rows[:, None].astype(np.float64)
    crosses = ((ys < y) & (yj >= y)) | ((yj < y) & (ys >= y))
    with np.errstate(divide="ignore", invalid="ignore"):
        node = xs + (y - ys) / (yj - ys) * (xj - xs)
    node = np.where(crosses, np.trunc(node), np.inf)  # C casts (int) -> truncation toward zero
    node = np.sort(node, axis=1)
    n_pairs = node.shape[1] // 2
    start, end = node[:, 0 : 2 * n_pairs : 2], node[:, 1 : 2 * n_pairs : 2]
    valid = np.isfinite(start) & np.isfinite(end) & (start < width) & (end >= 0)
    start = np.where(valid, np.maximum(start, 0), 0)
    end = np.where(valid, np.where(end > width, width - 1, end), 0)
    end = np.maximum(end, start)
    return start.astype(np.int64), end.astype(np.int64)


#: rows rasterised per chunk in :func:`polygon_overlap_pixel` (bounds memory to a few tens of MB)
_RASTER_CHUNK_ROWS = 1 << 17


def polygon_overlap_pixel(polygons_a, polygons_b, bounds=None, rectangles_analytic: bool = True) -> np.ndarray:
    """Pixel-rasterised IoU of two ``(N, 8)`` polygon arrays, following VOT/pysot ``region.c``.

    Each polygon's bounding box is intersected with ``[0, right] x [0, bottom]`` (``bounds``,
    ``(N, 2)`` or ``(2,)``, or unbounded when None), both polygons are shifted by the joint
    top-left corner and filled by even-odd scanlines at integer rows with crossings truncated to
    integers; IoU = shared pixels / pixels in either. Each row is an interval, and all rows of all
    frames are rasterised together (in chunks), so there is no per-frame Python loop. NaN in either polygon gives NaN. As in ``region.c``, a pair of
    axis-aligned rectangles (a 4-value GT row such as VOT2018 ``conduction1`` against a box) is
    computed analytically (:func:`rect_iou_bounded`) unless ``rectangles_analytic`` is False.
    """
    a = np.asarray(polygons_a, dtype=np.float64).reshape(-1, 8)
    b = np.asarray(polygons_b, dtype=np.float64).reshape(-1, 8)
    n = len(a)
    if rectangles_analytic:
        aligned_a, boxes_a = axis_aligned_boxes(a)
        aligned_b, boxes_b = axis_aligned_boxes(b)
        both = aligned_a & aligned_b
        if both.any():
            out = np.full(n, np.nan)
            rest = ~both
            bnd = None if bounds is None else np.broadcast_to(
                np.asarray(bounds, dtype=np.float64).reshape(-1, 2), (n, 2))
            out[both] = rect_iou_bounded(boxes_a[both], boxes_b[both], None if bnd is None else bnd[both])
            if rest.any():
                out[rest] = polygon_overlap_pixel(a[rest], b[rest], None if bnd is None else bnd[rest], False)
            return out
    if bounds is None:
        bnd = np.full((n, 2), np.inf)
    else:
        bnd = np.broadcast_to(np.asarray(bounds, dtype=np.float64).reshape(-1, 2), (n, 2))
    out = np.full(n, np.nan)
    ok = np.isfinite(a).all(axis=1) & np.isfinite(b).all(axis=1)
    if not ok.any():
        return out
    idx = np.flatnonzero(ok)
    pa, pb, bd = a[idx], b[idx], bnd[idx]
    lo_x = 0.0 if bounds is not None else -np.inf
    lo_y = 0.0 if bounds is not None else -np.inf
    left = np.minimum(np.maximum(pa[:, 0::2].min(1), lo_x), np.maximum(pb[:, 0::2].min(1), lo_x))
    top = np.minimum(np.maximum(pa[:, 1::2].min(1), lo_y), np.maximum(pb[:, 1::2].min(1), lo_y))
    right = np.maximum(np.minimum(pa[:, 0::2].max(1), bd[:, 0]), np.minimum(pb[:, 0::2].max(1), bd[:, 0]))
    bottom = np.maximum(np.minimum(pa[:, 1::2].max(1), bd[:, 1]), np.minimum(pb[:, 1::2].max(1), bd[:, 1]))
    width = np.trunc(right - left).astype(np.int64) + 1
    height = np.trunc(bottom - top).astype(np.int64) + 1
    empty = (width <= 0) | (height <= 0)
    out[idx[empty]] = 0.0
    frames = np.flatnonzero(~empty)
    shift = np.repeat(np.stack([left, top], axis=1), 4, axis=0).reshape(-1, 8)
    pa, pb = pa - shift, pb - shift
    # frames in chunks of at most _RASTER_CHUNK_ROWS rows; every row of every frame at once
    ends = np.cumsum(height[frames])
    chunk_start = 0
    while chunk_start < len(frames):
        base = ends[chunk_start - 1] if chunk_start else 0
        chunk_end = max(chunk_start + 1, int(np.searchsorted(ends, base + _RASTER_CHUNK_ROWS, side="right")))
        chunk = frames[chunk_start:chunk_end]
        h = height[chunk]
        frame_of_row = np.repeat(np.arange(len(chunk)), h)
        row = np.arange(len(frame_of_row)) - np.repeat(np.cumsum(h) - h, h)
        w = width[chunk][frame_of_row][:, None]
        sa, ea = _scanline_intervals(pa[chunk][frame_of_row], row, w)
        sb, eb = _scanline_intervals(pb[chunk][frame_of_row], row, w)
        inter_rows = np.maximum(
            0, np.minimum(ea[:, :, None], eb[:, None, :]) - np.maximum(sa[:, :, None], sb[:, None, :])
        ).sum(axis=(1, 2))
        k = len(chunk)
        area_a = np.bincount(frame_of_row, weights=(ea - sa).sum(axis=1), minlength=k)
        area_b = np.bincount(frame_of_row, weights=(eb - sb).sum(axis=1), minlength=k)
        inter = np.bincount(frame_of_row, weights=inter_rows, minlength=k)
        union = area_a + area_b - inter
        with np.errstate(divide="ignore", invalid="ignore"):
            out[idx[chunk]] = np.where(union > 0, inter / union, 0.0)
        chunk_start = chunk_end
    return out
