"""Overlap and centre-distance measures against hand-computed geometry."""

from __future__ import annotations

import numpy as np
import pytest

from crpnbench.metrics.overlap import (
    axis_aligned_boxes,
    box_centers,
    boxes_to_polygons,
    center_error,
    normalized_center_error,
    polygon_overlap_exact,
    polygon_overlap_pixel,
    rect_iou,
    rect_iou_bounded,
    rect_iou_pixel_inclusive,
)


def test_rect_iou_hand_cases():
    a = np.array([[0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 10, 10], [5, 5, 0, 0]], float)
    b = np.array([[5, 0, 10, 10], [20, 20, 5, 5], [0, 0, 10, 10], [5, 5, 0, 0]], float)
    iou = rect_iou(a, b)
    assert iou[0] == pytest.approx(50 / 150)
    assert iou[1] == 0.0
    assert iou[2] == 1.0
    assert iou[3] == 0.0  # empty union is 0, not NaN


def test_pixel_inclusive_iou_equals_continuous_for_real_boxes():
    rng = np.random.default_rng(0)
    a = np.c_[rng.uniform(-20, 100, (200, 2)), rng.uniform(1, 60, (200, 2))]
    b = a + rng.normal(0, 8, a.shape)
    np.testing.assert_allclose(rect_iou_pixel_inclusive(a, b), rect_iou(a, b), atol=1e-12)


def test_centres_are_one_based_pixel_centres():
    assert box_centers([[1, 1, 3, 5]]).tolist() == [[2.0, 3.0]]
    assert center_error([[0, 0, 4, 4]], [[3, 4, 4, 4]])[0] == pytest.approx(5.0)


def test_normalized_center_error_definitions():
    pred, gt = [[10, 0, 4, 4]], [[0, 0, 0.5, 20]]
    # LaSOT/pysot divide by the GT size; got10k clamps it to at least 1 pixel
    d_lasot = normalized_center_error(pred, gt, "gt_size")[0]
    d_got = normalized_center_error(pred, gt, "gt_size_min1")[0]
    dx, dy = box_centers(pred)[0] - box_centers(gt)[0]
    assert d_lasot == pytest.approx(np.hypot(dx / 0.5, dy / 20))
    assert d_got == pytest.approx(np.hypot(dx / 1.0, dy / 20))
    with pytest.raises(ValueError):
        normalized_center_error(pred, gt, "diagonal")


def test_exact_polygon_overlap_rotated_square():
    diamond = np.array([[0, 1, 1, 0, 2, 1, 1, 2]], float)  # area 2 inside the 2x2 box
    box = boxes_to_polygons([[0, 0, 2, 2]])
    assert polygon_overlap_exact(diamond, box)[0] == pytest.approx(0.5)
    # clipping both to a 1x2 image window: diamond part area 1, box part area 2
    assert polygon_overlap_exact(diamond, box, bounds=(1, 2))[0] == pytest.approx(0.5)
    assert polygon_overlap_exact(diamond, box, bounds=(1, 1))[0] == pytest.approx(0.5)
    assert np.isnan(polygon_overlap_exact(np.full((1, 8), np.nan), box)[0])


def test_pixel_overlap_integer_boxes_equals_exact():
    a = boxes_to_polygons([[10, 20, 30, 40], [0, 0, 50, 50]])
    b = boxes_to_polygons([[25, 30, 30, 40], [60, 60, 5, 5]])
    exact = polygon_overlap_exact(a, b)
    for analytic in (False, True):
        np.testing.assert_allclose(polygon_overlap_pixel(a, b, rectangles_analytic=analytic), exact)


def test_pixel_overlap_rasterises_rotated_polygon_close_to_exact():
    scale = 100.0
    diamond = np.array([[0, 1, 1, 0, 2, 1, 1, 2]], float) * scale
    box = boxes_to_polygons([[0, 0, 2 * scale, 2 * scale]])
    pixel = polygon_overlap_pixel(diamond, box)[0]
    assert pixel == pytest.approx(0.5, abs=0.01)
    assert pixel != 0.5  # it really is a raster count, not geometry


def test_pixel_overlap_image_bounds_clip():
    inside = boxes_to_polygons([[0, 0, 10, 10]])
    spill = boxes_to_polygons([[0, 0, 20, 10]])  # half of it beyond a 10-pixel-wide image
    unbounded = polygon_overlap_pixel(inside, spill, rectangles_analytic=False)[0]
    bounded = polygon_overlap_pixel(inside, spill, bounds=(10, 10), rectangles_analytic=False)[0]
    assert unbounded == pytest.approx(0.5)
    assert bounded == pytest.approx(1.0)
    assert rect_iou_bounded([[0, 0, 10, 10]], [[0, 0, 20, 10]], (10, 10))[0] == pytest.approx(1.0)


def test_axis_aligned_detection():
    aligned, boxes = axis_aligned_boxes(np.vstack([boxes_to_polygons([[1, 2, 3, 4]]), [[0, 1, 1, 0, 2, 1, 1, 2]]]))
    assert aligned.tolist() == [True, False]
    assert boxes[0].tolist() == [1, 2, 3, 4]
