"""The EAO interval estimated from sequence lengths as the VOT toolkit does it, and its use in scoring."""

from __future__ import annotations

import json

import numpy as np
import pytest

from crpnbench.data import open_benchmark
from crpnbench.data.catalog import benchmark_info
from crpnbench.metrics.vot import eao_interval_density, eao_interval_from_lengths, eao_score
from crpnbench.raw.write import write_vot_entries
from crpnbench.scoring import DEFAULT_EAO_INTERVAL, eao_interval, score_results

#: frame counts of the synthetic test split of generator version 2 (seed 2019, 12 sequences; version 3 keeps
#: them as its first 12)
SYNTHETIC_TEST_LENGTHS = [92, 92, 103, 94, 115, 85, 95, 109, 100, 115, 81, 102]
#: 60 lengths spread like a VOT dataset's, for properties of the rule
RNG_LENGTHS = np.random.default_rng(11).integers(40, 900, 60).tolist()


def _pysot_lengths(path) -> list[int]:
    """Number of frames of every sequence of a pysot-style VOT json (``gt_rect`` has one row per frame)."""
    data = json.loads(path.read_text())
    return [len(video["gt_rect"]) for video in data.values()]


@pytest.fixture(scope="module")
def vot2017_lengths(refdata) -> list[int]:
    path = refdata / "vot2018" / "VOT2018.json"  # VOT2018's short-term sequences are VOT2017's
    if not path.is_file():
        pytest.skip(f"{path} not found")
    lengths = _pysot_lengths(path)
    assert len(lengths) == 60 and sum(lengths) == 21356
    return lengths


@pytest.fixture(scope="module")
def vot2016_lengths(refdata) -> list[int]:
    # No public per-sequence frame count of VOT2016 was found in the reference index (its pysot
    # VOT2016.json is downloaded, never committed); drop one at refdata/vot2016/VOT2016.json to run these.
    path = refdata / "vot2016" / "VOT2016.json"
    if not path.is_file():
        pytest.skip(f"{path} not found (VOT2016 sequence lengths are not in refdata)")
    lengths = _pysot_lengths(path)
    assert len(lengths) == 60
    return lengths


# ----------------------------------------------------------------------------- the rule on real datasets

def test_vot2017_lengths_give_the_published_interval(vot2017_lengths):
    # interval: VOT toolkit's published [100, 356]; peak 160 as pysot's EAOBenchmark states for VOT2017/2018
    assert eao_interval_from_lengths(vot2017_lengths, with_peak=True) == (100, 356, 160)


def test_vot2016_lengths_give_the_published_interval(vot2016_lengths):
    # peak 168: pysot's EAOBenchmark and StrangerZhang/pysot-toolkit issue #3 (run of the MATLAB toolkit)
    assert eao_interval_from_lengths(vot2016_lengths, with_peak=True) == (108, 371, 168)


@pytest.mark.parametrize("dataset", ["vot2017", "vot2018"])
def test_declared_interval_agrees_with_the_computed_one(dataset, vot2017_lengths):
    declared = benchmark_info(dataset).eao_interval
    assert declared == eao_interval_from_lengths(vot2017_lengths) == eao_interval(dataset, vot2017_lengths)


def test_declared_vot2016_interval_agrees_with_the_computed_one(vot2016_lengths):
    assert benchmark_info("vot2016").eao_interval == eao_interval_from_lengths(vot2016_lengths)


# ----------------------------------------------------------------------------- the rule itself

def test_synthetic_test_split_interval():
    assert eao_interval_from_lengths(SYNTHETIC_TEST_LENGTHS, with_peak=True) == (89, 104, 96)


def test_interval_of_the_generated_60_sequence_split():
    """Version 3's test split (60 sequences), from the generator's plans: the interval the ablation's EAO uses."""
    from crpnbench.data import synthetic as syn

    lengths = [syn.plan_sequence("test", i).num_frames for i in range(60)]
    assert lengths[:12] == SYNTHETIC_TEST_LENGTHS
    assert eao_interval_from_lengths(lengths, with_peak=True) == (90, 108, 103)


def test_density_is_a_normalised_grid_up_to_the_longest_sequence():
    x, p = eao_interval_density(SYNTHETIC_TEST_LENGTHS)
    assert x[0] == 1 and x[-1] == max(SYNTHETIC_TEST_LENGTHS) and len(p) == len(x)
    assert p.sum() == pytest.approx(1.0) and np.all(p >= 0)
    low, high, peak = eao_interval_from_lengths(SYNTHETIC_TEST_LENGTHS, with_peak=True)
    assert low <= peak <= high and p[low - 1:high].sum() >= 0.5 > p[low:high - 1].sum()


def test_order_does_not_matter_and_bounds_are_ints():
    lengths = list(RNG_LENGTHS)
    shuffled = list(np.random.default_rng(3).permutation(lengths))
    result = eao_interval_from_lengths(lengths)
    assert result == eao_interval_from_lengths(shuffled)
    assert all(type(v) is int for v in result)


def test_more_mass_widens_the_interval():
    narrow = eao_interval_from_lengths(RNG_LENGTHS, mass=0.3)
    half = eao_interval_from_lengths(RNG_LENGTHS)
    wide = eao_interval_from_lengths(RNG_LENGTHS, mass=0.8)
    assert wide[0] <= half[0] <= narrow[0] and narrow[1] <= half[1] <= wide[1]


def test_no_spread_is_a_point_mass():
    assert eao_interval_from_lengths([120]) == (119, 120)
    assert eao_interval_from_lengths([50, 50, 50], with_peak=True) == (49, 50, 50)
    assert eao_interval_from_lengths([1]) == (1, 1)


@pytest.mark.parametrize("bad", [[], [0, 10], [np.nan, 10]])
def test_invalid_lengths_are_refused(bad):
    with pytest.raises(ValueError):
        eao_interval_from_lengths(bad)


# ----------------------------------------------------------------------------- scoring

def test_eao_interval_helper():
    assert eao_interval("vot2016", SYNTHETIC_TEST_LENGTHS) == (108, 371)  # declared values win
    assert eao_interval("synthetic", SYNTHETIC_TEST_LENGTHS) == (89, 104)
    assert eao_interval("synthetic") == DEFAULT_EAO_INTERVAL == eao_interval("synthetic", [])


def test_vot_scoring_on_synthetic_uses_the_interval_of_its_lengths(tmp_path):
    bench = open_benchmark("synthetic", root=tmp_path / "synthetic")
    names = bench.list_sequences()
    lengths = [len(bench[name]) for name in names]
    results = tmp_path / "results"
    for i, name in enumerate(names):
        boxes = bench[name].boxes
        fallback = boxes[np.flatnonzero(np.isfinite(boxes).all(axis=1))[0]]
        rows: list = [1]
        for f in range(1, len(boxes)):
            rows.append(boxes[f] if np.isfinite(boxes[f]).all() else fallback)
        if i % 2:  # a failure in every other sequence, so the EAO curve is not flat
            fail = len(boxes) // 3
            rows[fail:fail + 6] = [2, 0, 0, 0, 0, 1]
        write_vot_entries(results / "Tracker" / "baseline" / name / f"{name}_001.txt", rows)
    report = score_results(bench, results, protocol="baseline")
    score = report.trackers["Tracker"]
    expected = eao_interval_from_lengths(lengths)
    assert score.eao_interval == expected != DEFAULT_EAO_INTERVAL
    assert score.metrics["eao"] == pytest.approx(eao_score(score.eao_curve, expected, report.convention.eao_indexing))
    assert score.metrics["eao"] != pytest.approx(
        eao_score(score.eao_curve, DEFAULT_EAO_INTERVAL, report.convention.eao_indexing))
