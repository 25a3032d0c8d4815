"""VOT per-frame overlap rules named by their source (issue 14 item 4), checked against numbers that
vot-toolkit 0.9 itself produced (tests/data/vot_toolkit_overlaps.json; how it was made: its
"provenance" entry and tests/data/make_vot_toolkit_overlaps.py). vot-toolkit is never imported here.

* ``polygon_overlap="pixel"``: region.c (VOT MATLAB toolkit 2016-2018, trax, pysot's C extension);
* ``polygon_overlap="vot_toolkit"``: vot-toolkit >= 0.5's rasteriser (corners rounded to pixels)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from crpnbench.data import open_benchmark
from crpnbench.data.vot import rows_to_polygons
from crpnbench.metrics.conventions import resolve_convention
from crpnbench.metrics.overlap import polygon_overlap_pixel
from crpnbench.metrics.overlap_vot_toolkit import region_overlap_vot_toolkit
from crpnbench.metrics.vot import vot_overlaps
from crpnbench.raw.read import read_vot_result
from crpnbench.scoring import score_results

DATA = json.loads((Path(__file__).parent / "data" / "vot_toolkit_overlaps.json").read_text())
VOT_TOOLKIT = "official:polygon_overlap=vot_toolkit"


def test_reference_file_says_where_it_came_from():
    provenance = DATA["provenance"]
    assert provenance["tool"].startswith("vot-toolkit 0.9.") and "attributee 0.1.9" in provenance["tool"]
    assert "make_vot_toolkit_overlaps.py" in provenance["command"]


@pytest.mark.parametrize("case", DATA["pairs"], ids=lambda c: f"{len(c['a'])}v{len(c['b'])}-{c['overlap']:.3f}")
def test_region_pairs_equal_vot_toolkit(case):
    a, b = rows_to_polygons([np.array(case["a"])]), rows_to_polygons([np.array(case["b"])])
    bounds = None if case["bounds"] is None else (case["bounds"][0] - 1, case["bounds"][1] - 1)
    ours = region_overlap_vot_toolkit(a, b, bounds, [len(case["a"]) == 4], [len(case["b"]) == 4])
    assert ours[0] == pytest.approx(case["overlap"], abs=1e-12)


def test_an_18x10_box_differs_between_the_two_rules():
    polygon = np.array([[10.0, 10.0, 28.0, 10.0, 28.0, 20.0, 10.0, 20.0]])
    rectangle = rows_to_polygons([np.array([10.0, 10.0, 18.0, 10.0])])
    # vot-toolkit: the polygon covers 19 x 11 pixels (both ends filled), the rectangle 18 x 10
    assert region_overlap_vot_toolkit(polygon, rectangle, None, [False], [True])[0] == pytest.approx(180 / 209)
    assert polygon_overlap_pixel(polygon, rectangle)[0] == pytest.approx(1.0)  # region.c
    stored = next(c for c in DATA["pairs"] if c["a"] == polygon[0].tolist() and c["b"] == [10, 10, 18, 10])
    assert stored["overlap"] == pytest.approx(180 / 209)


@pytest.fixture(scope="module")
def vot2018(refdata):
    return open_benchmark("vot2018", annotations=refdata / "vot2018" / "VOT2018.json")


def test_published_vot2018_result_frame_by_frame(refdata, vot2018):
    """Every region frame of six DaSiamRPN sequences (conduction1: 4-value GT rows; others with axis-aligned
    8-value GT polygons, which vot-toolkit fills differently from rectangles)."""
    official = resolve_convention("official", "vot2018")
    rule = resolve_convention(VOT_TOOLKIT, "vot2018")
    assert rule.polygon_overlap == "vot_toolkit" and rule.image_bounds == "size_minus_one"
    checked = 0
    for name, record in DATA["vot2018_dasiamrpn"].items():
        if "overlaps" not in record:
            continue
        seq = vot2018[name]
        assert list(seq.image_size) == record["bounds"]
        result = read_vot_result(refdata / "vot2018" / "results" / "DaSiamRPN" / "baseline" / name / f"{name}_001.txt",
                                 len(seq), "truncate")
        n = len(result.codes)
        ours = vot_overlaps(result.codes, result.values, seq.polygons[:n], seq.image_size, rule, seq.rectangle_rows[:n])
        theirs = np.array([np.nan if v is None else v for v in record["overlaps"]])
        assert np.array_equal(np.isnan(ours), np.isnan(theirs)), name
        np.testing.assert_allclose(ours[~np.isnan(ours)], theirs[~np.isnan(theirs)], rtol=0, atol=1e-12, err_msg=name)
        region_c = vot_overlaps(result.codes, result.values, seq.polygons[:n], seq.image_size, official)
        assert not np.allclose(region_c[~np.isnan(region_c)], theirs[~np.isnan(theirs)], atol=1e-3), name
        checked += 1
    assert checked == 6
    assert vot2018["conduction1"].rectangle_rows.any()


def test_published_vot2018_result_every_sequence_and_vot_toolkit_accuracy(refdata, vot2018):
    """All 60 sequences: the accuracy frames (burn-in 10) and their overlap sums equal vot-toolkit's
    ``gather_overlaps``; with its per-sequence accuracy weighted by sequence length this is vot-toolkit
    0.9's DaSiamRPN accuracy 0.586 (EAO 0.372). (Mean overlap of the 20,963 region frames: vot-toolkit
    0.5913, region.c 0.5893.)"""
    reference = DATA["vot2018_dasiamrpn"]
    convention = replace(resolve_convention(VOT_TOOLKIT, "vot2018"), accuracy_pooling="sequences_weighted")
    score = score_results(vot2018, refdata / "vot2018" / "results", convention=convention,
                          trackers=["DaSiamRPN"]).trackers["DaSiamRPN"]
    assert len(score.sequence_overlaps) == len(reference) == 60
    for name, record in reference.items():
        overlaps = score.sequence_overlaps[name]
        kept = overlaps[~np.isnan(overlaps)]
        assert len(kept) == record["accuracy_frames"], name
        assert kept.sum() == pytest.approx(record["accuracy_sum"], abs=1e-9), name
    weighted = sum(r["accuracy_sum"] / r["accuracy_frames"] * r["frames"] for r in reference.values()) \
        / sum(r["frames"] for r in reference.values())
    assert score.metrics["accuracy"] == pytest.approx(weighted, abs=1e-12)
    assert round(score.metrics["accuracy"], 3) == 0.586 and round(score.metrics["eao"], 3) == 0.372
    assert int(score.per_sequence["failures"].sum()) == 59
    # the named preset is exactly this convention (plus vot-toolkit's rules for repetitions)
    preset = score_results(vot2018, refdata / "vot2018" / "results", convention="vot-toolkit",
                           trackers=["DaSiamRPN"]).trackers["DaSiamRPN"]
    assert preset.metrics["accuracy"] == score.metrics["accuracy"] and preset.metrics["eao"] == score.metrics["eao"]
