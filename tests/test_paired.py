"""crpnbench.metrics.paired on synthetic numbers: mean ± std over seeds, seed averages, and the paired
bootstrap difference (known difference, coverage, width against the number of sequences, determinism)."""

from __future__ import annotations

import numpy as np
import pytest

from crpnbench.metrics.paired import (
    PairedDifference,
    align,
    bootstrap_mean_interval,
    mean_std,
    paired_difference,
    seed_average,
)


def test_mean_std_is_the_sample_deviation_and_none_for_one_seed():
    mean, std = mean_std([0.40, 0.44, 0.48])
    assert mean == pytest.approx(0.44) and std == pytest.approx(0.04)  # ddof=1
    assert mean_std([0.5]) == (0.5, None)
    with pytest.raises(ValueError):
        mean_std([])


def test_seed_average_is_the_per_sequence_mean_over_seeds():
    per_seed = [[0.2, 0.4, 0.6], [0.4, 0.6, 0.8]]
    assert seed_average(per_seed) == pytest.approx([0.3, 0.5, 0.7])
    assert seed_average([0.1, 0.2]) == pytest.approx([0.1, 0.2])  # one seed
    skipped = seed_average([[np.nan, 0.2, np.nan], [0.4, 0.6, np.nan]], skip_nan=True)
    assert skipped[:2] == pytest.approx([0.4, 0.4]) and np.isnan(skipped[2])
    assert np.isnan(seed_average([[np.nan, 0.2], [0.4, 0.6]])[0])  # without skip_nan NaN stays NaN


def test_a_constant_difference_has_a_zero_width_interval_at_that_value():
    a = np.linspace(0.2, 0.8, 12)
    result = paired_difference(a + 0.05, a)
    assert isinstance(result, PairedDifference)
    assert (result.mean, result.low, result.high) == pytest.approx((0.05, 0.05, 0.05))
    assert result.sequences == 12 and result.excludes_zero


def test_the_interval_covers_the_known_difference_and_narrows_with_more_sequences():
    rng = np.random.default_rng(7)
    widths = []
    for n in (20, 80, 320):
        difficulty = rng.uniform(0.2, 0.8, n)  # large between-sequence spread, removed by pairing
        noise = rng.normal(0, 0.03, n)
        noise -= noise.mean()  # the sample's mean difference is exactly the known 0.03
        a = difficulty + 0.03 + noise
        b = difficulty
        result = paired_difference(a, b, seed=1)
        assert result.mean == pytest.approx(0.03)
        assert result.low <= 0.03 <= result.high and result.low > 0
        assert result.low < result.mean < result.high
        widths.append(result.high - result.low)
    assert widths[0] > widths[1] > widths[2]
    assert widths[2] == pytest.approx(widths[0] / 4, rel=0.35)  # ~ 1/sqrt(n)


def test_coverage_is_near_the_nominal_level():
    rng = np.random.default_rng(3)
    covered = 0
    for _ in range(200):
        d = rng.normal(0.02, 0.05, 40)
        low, high = bootstrap_mean_interval(d, resamples=1000, seed=int(rng.integers(1 << 30)))
        covered += low <= 0.02 <= high
    assert 0.88 <= covered / 200 <= 0.99


def test_the_bootstrap_is_deterministic_for_a_seed():
    rng = np.random.default_rng(0)
    a, b = rng.uniform(size=30), rng.uniform(size=30)
    assert paired_difference(a, b, seed=5) == paired_difference(a, b, seed=5)
    assert paired_difference(a, b, seed=5).low != paired_difference(a, b, seed=6).low


def test_nan_pairs_are_left_out_and_shapes_must_agree():
    result = paired_difference([0.5, np.nan, 0.7], [0.4, 0.3, 0.5])
    assert result.sequences == 2 and result.mean == pytest.approx(0.15)
    with pytest.raises(ValueError, match="same sequences"):
        paired_difference([0.1, 0.2], [0.1])
    with pytest.raises(ValueError):
        paired_difference([np.nan], [0.1])
    one = paired_difference([0.6], [0.5])
    assert (one.low, one.high) == pytest.approx((0.1, 0.1))


def test_align_orders_by_name_with_nan_for_missing():
    values = align({"b": 0.2, "a": 0.1}, ["a", "b", "c"])
    assert values[:2] == pytest.approx([0.1, 0.2]) and np.isnan(values[2])


def test_two_level_interval_includes_the_seed_spread():
    """Same per-sequence gain, but a training-seed offset: the sequence bootstrap of the seed averages is
    narrow, the interval resampling seeds too is wider and still holds the true gain; one seed per variant
    reduces it to the sequence bootstrap."""
    from crpnbench.metrics.paired import paired_difference, seed_average, two_level_interval

    rng = np.random.default_rng(3)
    base = rng.uniform(0.2, 0.8, 40)
    a = base + 0.05 + np.array([[-0.04], [0.0], [0.04]])  # three seeds of A, spread by the seed
    b = base + np.array([[0.02], [-0.02], [0.0]])
    narrow = paired_difference(seed_average(a), seed_average(b))
    low, high = two_level_interval(a, b, resamples=4000)
    assert narrow.mean == pytest.approx(0.05)
    assert high - low > 5 * (narrow.high - narrow.low)
    assert low < 0.05 < high
    assert two_level_interval(a, b, resamples=4000) == (low, high)  # seeded: reproducible
    one_low, one_high = two_level_interval(a[:1], b[:1], resamples=4000)
    single = paired_difference(a[0], b[0], resamples=4000)
    assert (one_low, one_high) == pytest.approx((single.low, single.high), abs=0.01)
    with pytest.raises(ValueError, match="same sequences"):
        two_level_interval(a, b[:, :5])
