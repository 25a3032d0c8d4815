"""Tracking metrics as pure, vectorised NumPy functions, and the conventions that parameterise them."""

from crpnbench.metrics.conventions import PRESETS, ScoringConvention, resolve_convention
from crpnbench.metrics.ope import (
    OPEBatchScore,
    OPESequenceScore,
    auc,
    precision_at,
    precision_curve,
    score_ope_batch,
    score_ope_sequence,
    success_curve,
)
from crpnbench.metrics.overlap import (
    box_centers,
    boxes_to_polygons,
    center_error,
    normalized_center_error,
    polygon_overlap_exact,
    polygon_overlap_pixel,
    rect_iou,
    rect_iou_pixel_inclusive,
)
from crpnbench.metrics.vot import (
    VOTSequenceScore,
    accuracy_overlaps,
    eao_fragments,
    eao_score,
    expected_overlap_curve,
    score_vot_sequence,
    summarize_vot,
    vot_overlaps,
)

__all__ = [
    "OPEBatchScore", "OPESequenceScore", "PRESETS", "ScoringConvention", "VOTSequenceScore",
    "accuracy_overlaps", "auc", "box_centers", "boxes_to_polygons", "center_error", "eao_fragments",
    "eao_score", "expected_overlap_curve", "normalized_center_error", "polygon_overlap_exact",
    "polygon_overlap_pixel", "precision_at", "precision_curve", "rect_iou", "rect_iou_pixel_inclusive",
    "resolve_convention", "score_ope_batch", "score_ope_sequence", "score_vot_sequence", "success_curve", "summarize_vot",
    "vot_overlaps",
]
