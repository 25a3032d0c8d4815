"""OPE metrics: every convention option on small hand-made cases, then the published numbers on real
OTB-2015 and LaSOT raw results (read through open_benchmark from ../shared/refdata)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from crpnbench.errors import ConfigError
from crpnbench.metrics.conventions import ScoringConvention, resolve_convention
from crpnbench.metrics.ope import (
    gt_valid_mask,
    precision_curve,
    repair_predictions,
    score_ope_sequence,
    success_curve,
)

BASE = ScoringConvention(name="test")


def test_success_curve_strict_and_inclusive_comparison():
    ious = np.array([0.5, 0.5, 1.0, -1.0])
    thr = np.linspace(0, 1, 21)
    gt = success_curve(ious, 4, thr, ">")
    ge = success_curve(ious, 4, thr, ">=")
    assert gt[0] == 0.75 and gt[10] == 0.25  # IoU 0.5 is not > 0.5
    assert ge[10] == 0.75
    assert gt[-1] == 0.0 and ge[-1] == 0.25  # only IoU 1 reaches >= 1
    assert ge[0] == 0.75  # the -1 of an unscorable frame never passes


def test_threshold_grids_have_21_values():
    a = replace(BASE, threshold_grid="arange").iou_thresholds()
    lin = replace(BASE, threshold_grid="linspace").iou_thresholds()
    assert len(a) == len(lin) == 21
    assert a[0] == lin[0] == 0.0 and lin[-1] == 1.0
    np.testing.assert_allclose(a, lin, atol=1e-12)  # same values up to rounding; the option records the recipe


def test_precision_curve_inclusive_threshold():
    curve = precision_curve(np.array([0.0, 20.0, 20.5, np.inf]), 4, BASE.distance_thresholds())
    assert len(curve) == 51
    assert curve[20] == 0.5 and curve[0] == 0.25 and curve[21] == 0.75


def test_gt_validity_rules():
    gt = np.array([[-5, 10, 20, 20], [0, 0, 0, 0], [1, 1, np.nan, 3], [3, 3, 4, 4]], float)
    assert gt_valid_mask(gt, "wh_positive").tolist() == [True, False, False, True]
    assert gt_valid_mask(gt, "all_positive").tolist() == [False, False, False, True]
    assert gt_valid_mask(gt, "finite").tolist() == [True, True, False, True]


def _seq():
    gt = np.array([[10, 10, 20, 20]] * 4 + [[0, 0, 0, 0]], float)
    pred = np.array([[10, 10, 20, 20], [15, 10, 20, 20], [100, 100, 20, 20], [10, 10, 20, 20], [5, 5, 5, 5]], float)
    return pred, gt


def test_denominator_all_vs_valid_and_invalid_gt_precision():
    pred, gt = _seq()
    all_hit = score_ope_sequence(pred, gt, convention=replace(BASE, gt_valid="wh_positive",
                                                              precision_gt_valid="same"))
    assert all_hit.n_frames == 5
    assert all_hit.success_curve[0] == pytest.approx(3 / 5)  # frames 0, 1, 3 overlap; the 0,0,0,0 row never succeeds
    assert all_hit.precision_curve[20] == pytest.approx(4 / 5)  # invalid-GT frame counts as a hit (-1 <= 20)
    miss = score_ope_sequence(pred, gt, convention=replace(BASE, precision_gt_valid="same", invalid_gt_precision="miss"))
    assert miss.precision_curve[20] == pytest.approx(3 / 5)
    valid = score_ope_sequence(pred, gt, convention=replace(BASE, denominator="valid", precision_gt_valid="same"))
    assert valid.n_frames == 4
    assert valid.success_curve[0] == pytest.approx(3 / 4)
    assert valid.precision_curve[20] == pytest.approx(3 / 4)


def test_precision_validity_center_positive_vs_same():
    gt = np.array([[-30, 10, 20, 20], [10, 10, 20, 20]], float)  # centre x = -20.5 < 0
    pred = np.array([[200, 10, 20, 20], [10, 10, 20, 20]], float)
    pysot = score_ope_sequence(pred, gt, convention=replace(BASE, precision_gt_valid="center_positive"))
    same = score_ope_sequence(pred, gt, convention=replace(BASE, precision_gt_valid="same", gt_valid="wh_positive"))
    assert pysot.precision_curve[20] == 1.0  # negative-centre GT is "invalid" -> hit in pysot
    assert same.precision_curve[20] == 0.5


def test_absent_frames_numerator_drop_ignore():
    gt = np.array([[10, 10, 20, 20]] * 4, float)
    pred = gt.copy()
    absent = np.array([False, True, True, False])
    ignore = score_ope_sequence(pred, gt, absent, replace(BASE, absent="ignore"))
    numer = score_ope_sequence(pred, gt, absent, replace(BASE, absent="numerator"))
    drop = score_ope_sequence(pred, gt, absent, replace(BASE, absent="drop"))
    assert ignore.success_curve[0] == 1.0 and ignore.precision_curve[20] == 1.0
    assert numer.success_curve[0] == 0.5 and numer.precision_curve[20] == 0.5 and numer.n_frames == 4
    assert drop.success_curve[0] == 1.0 and drop.n_frames == 2


def test_first_frame_and_invalid_prediction_repair_match_the_lasot_loop():
    rng = np.random.default_rng(1)
    gt = np.c_[rng.uniform(0, 100, (60, 2)), rng.uniform(5, 50, (60, 2))]
    pred = gt + rng.normal(0, 3, gt.shape)
    pred[[0, 3, 4, 10, 59], 2] = [-1, 0, np.nan, -3, 0]
    pred[20, 0] = np.nan
    gt[10] = np.nan  # the toolkit leaves a row alone where the GT is NaN
    conv = replace(BASE, invalid_prediction="previous", first_frame="gt")
    fixed = repair_predictions(pred, gt, conv)
    # LaSOT toolkit loop: for i = 2:N, if (isnan(r) | w<=0 | h<=0) & ~isnan(anno): r(i) = r(i-1)
    loop = pred.copy()
    for i in range(1, len(loop)):
        r = loop[i]
        if (np.isnan(r).any() or r[2] <= 0 or r[3] <= 0) and not np.isnan(gt[i]).any():
            loop[i] = loop[i - 1]
    loop[0] = gt[0]
    np.testing.assert_array_equal(fixed, loop)
    kept = repair_predictions(pred, gt, replace(BASE, invalid_prediction="keep", first_frame="as_is"))
    np.testing.assert_array_equal(kept, pred)


def test_norm_precision_definition_changes_tiny_gt():
    gt = np.array([[10, 10, 0.5, 0.5], [10, 10, 20, 20]], float)
    pred = gt + [[0.15, 0.0, 0.0, 0.0], [0, 0, 0, 0]]
    lasot = score_ope_sequence(pred, gt, convention=replace(BASE, norm_precision="gt_size"))
    got = score_ope_sequence(pred, gt, convention=replace(BASE, norm_precision="gt_size_min1"))
    assert lasot.norm_precision == 0.5  # 0.15 / 0.5 = 0.3 > 0.2
    assert got.norm_precision == 1.0  # 0.15 / max(1, 0.5) = 0.15 <= 0.2


def test_convention_rejects_unknown_options_and_presets():
    with pytest.raises(ConfigError):
        ScoringConvention(denominator="some")
    with pytest.raises(ConfigError):
        resolve_convention("matlab", "otb2015")
    lasot = resolve_convention("official", "lasot")
    assert (lasot.absent, lasot.first_frame, lasot.invalid_prediction, lasot.length_mismatch) == (
        "numerator", "gt", "previous", "truncate")
    assert resolve_convention("official", "otb2015").first_frame == "as_is"
    got = resolve_convention("got10k", "otb2015")
    assert (got.threshold_grid, got.denominator, got.norm_precision) == ("linspace", "valid", "gt_size_min1")
    assert resolve_convention(got, "lasot", burnin=3).burnin == 3


# --------------------------------------------------------------------------- real data

def _published_rows(path):
    """pysot-toolkit README per-video table: name -> (DaSiamRPN success, DaSiamRPN precision-curve mean)."""
    rows = {}
    for line in path.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 7 and cells[0] not in ("Video name", "Tracker name"):
            try:
                rows[cells[0]] = (float(cells[3]), float(cells[4]))
            except ValueError:
                continue
    return rows


@pytest.fixture(scope="module")
def otb(refdata):
    from crpnbench.data import open_benchmark

    return open_benchmark("otb2015", annotations=refdata / "otb" / "json" / "OTB100.json")


def test_otb2015_dasiamrpn_reproduces_pysot_toolkit(refdata, otb):
    from crpnbench.scoring import score_results

    report = score_results(otb, refdata / "otb" / "results", trackers=["DaSiamRPN"])
    score = report.trackers["DaSiamRPN"]
    assert round(score.metrics["success"], 3) == 0.658
    assert round(score.metrics["precision"], 3) == 0.880
    published = _published_rows(refdata / "published" / "pysot-toolkit_README_tables.txt")
    assert len(published) == 100
    success_close = precision_close = 0
    for name, (succ, prec_mean) in published.items():
        curves = score.sequence_curves[name]
        success_close += abs(curves[0].mean() - succ) <= 0.001 + 1e-9
        precision_close += abs(curves[1].mean() - prec_mean) <= 0.001 + 1e-9
    assert success_close >= 93  # measured: 93 (success), 95 (precision-curve mean); 92 rows match both
    assert precision_close >= 93


@pytest.mark.parametrize("tracker, success, precision", [
    ("SiamRPN", 0.629, 0.847), ("SiamFC", 0.587, 0.772), ("CFNet", 0.587, 0.778),
    ("SiamRPN++", 0.696, 0.905), ("Ocean", 0.671, 0.899),
])
def test_otb2015_other_trackers_as_provenance_lists(refdata, otb, tracker, success, precision):
    from crpnbench.scoring import score_results

    score = score_results(otb, refdata / "otb" / "results", trackers=[tracker]).trackers[tracker]
    assert round(score.metrics["success"], 3) == success
    assert round(score.metrics["precision"], 3) == precision


def test_lasot_protocol2_crpn(refdata):
    from crpnbench.data import open_benchmark
    from crpnbench.scoring import score_results

    lasot = open_benchmark("lasot", root=refdata / "lasot")
    assert len(lasot) == 280
    report = score_results(lasot, refdata / "lasot" / "results")
    score = report.trackers["C-RPN"]
    assert score.frames == 685360
    assert round(score.metrics["success"], 3) == 0.455
    assert round(score.metrics["precision"], 3) == 0.443
    # PROVENANCE gives 0.543; the LaSOT-toolkit rules here give 0.54246 (documented, within 0.001)
    assert score.metrics["norm_precision"] == pytest.approx(0.543, abs=0.001)
    # got10k's rules (absent frames dropped from the denominator) score higher, as they should
    got = score_results(lasot, refdata / "lasot" / "results", convention="got10k").trackers["C-RPN"]
    assert got.metrics["success"] > score.metrics["success"] + 0.005


@pytest.mark.parametrize("preset, dataset", [("official", "otb2015"), ("official", "lasot"), ("pysot", "lasot"),
                                             ("got10k", "lasot")])
def test_batch_scoring_equals_one_sequence_at_a_time(preset, dataset):
    from crpnbench.metrics.ope import score_ope_batch

    rng = np.random.default_rng(3)
    conv = resolve_convention(preset, dataset)
    gts, preds, absents = [], [], []
    for n in (1, 30, 57, 12):
        gt = np.c_[rng.uniform(-5, 200, (n, 2)), rng.uniform(0, 50, (n, 2))]
        gt[rng.random(n) < 0.1] = 0.0
        pred = gt + rng.normal(0, 6, gt.shape)
        pred[rng.random(n) < 0.1, 2] = -1.0
        gts.append(gt)
        preds.append(pred)
        absents.append(rng.random(n) < 0.2)
    batch = score_ope_batch(preds, gts, absents, conv)
    for i, (pred, gt, absent) in enumerate(zip(preds, gts, absents)):
        one = score_ope_sequence(pred, gt, absent, conv)
        np.testing.assert_allclose(batch.success_curves[i], one.success_curve)
        np.testing.assert_allclose(batch.precision_curves[i], one.precision_curve)
        np.testing.assert_allclose(batch.norm_precision_curves[i], one.norm_precision_curve)
        assert batch.n_frames[i] == one.n_frames


def test_got10k_convention_equals_got10k_metric_code(refdata, otb):
    """Independent implementation: got10k's own rect_iou/center_error/_calc_curves (ExperimentOTB.report)."""
    from got10k.experiments.otb import ExperimentOTB
    from got10k.utils.metrics import center_error, rect_iou

    from crpnbench.raw.layout import index_result_files, sequence_key
    from crpnbench.raw.read import read_ope_result

    class Bins:
        nbins_iou, nbins_ce = 21, 51

    conv = resolve_convention("got10k", "otb2015")
    index = index_result_files(refdata / "otb" / "results" / "DaSiamRPN")
    for name in ("Basketball", "Board", "Twinnings", "Human4-2", "Jogging-1"):
        gt = otb[name].boxes
        pred = read_ope_result(index[sequence_key(name)], len(gt)).values
        ours = score_ope_sequence(pred, gt, None, conv)
        boxes = pred.copy()
        boxes[0] = gt[0]
        succ, prec = ExperimentOTB._calc_curves(Bins(), rect_iou(boxes, gt), center_error(boxes, gt))
        np.testing.assert_allclose(ours.success_curve, succ, atol=1e-12)
        np.testing.assert_allclose(ours.precision_curve, prec, atol=1e-12)


def test_iou_comparison_option_through_score():
    gt = np.array([[10, 10, 20, 20]] * 3, float)
    strict = score_ope_sequence(gt, gt, convention=replace(BASE, iou_comparison=">"))
    inclusive = score_ope_sequence(gt, gt, convention=replace(BASE, iou_comparison=">="))
    assert strict.success == pytest.approx(20 / 21) and inclusive.success == 1.0
