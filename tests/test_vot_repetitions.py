"""VOT repetitions (<seq>_001.txt ... _00N.txt) scored as the VOT toolkit averages them, on the real
VOT2018 DaSiamRPN results of refdata with repetitions built from them in tmp_path."""

from __future__ import annotations

import shutil
from dataclasses import replace

import numpy as np
import pytest

from crpnbench.errors import DataError
from crpnbench.metrics.conventions import resolve_convention

SUBSET = ["bag", "book", "crossing", "ants1", "fernando"]  # book/crossing/fernando: DaSiamRPN fails there


@pytest.fixture(scope="module")
def vot2018(refdata):
    from crpnbench.data import open_benchmark
    from crpnbench.data.views import BenchmarkSubset

    bench = open_benchmark("vot2018", annotations=refdata / "vot2018" / "VOT2018.json")
    return BenchmarkSubset(bench, SUBSET)


def _tracker(refdata, root, name, copies=1, sequences=SUBSET):
    """``root/name/baseline/<seq>/<seq>_00k.txt`` (k = 1..copies), each a copy of DaSiamRPN's _001."""
    for seq in sequences:
        source = refdata / "vot2018" / "results" / "DaSiamRPN" / "baseline" / seq / f"{seq}_001.txt"
        folder = root / name / "baseline" / seq
        folder.mkdir(parents=True, exist_ok=True)
        for k in range(1, copies + 1):
            shutil.copyfile(source, folder / f"{seq}_{k:03d}.txt")
    return root / name


def _plant_failure(path, frame: int, skip: int = 5) -> None:
    """Frame ``frame`` (0-based) becomes a failure, the next ``skip - 1`` frames 0, frame + skip a re-init 1."""
    lines = path.read_text().splitlines()
    lines[frame] = "2"
    for i in range(frame + 1, frame + skip):
        lines[i] = "0"
    lines[frame + skip] = "1"
    path.write_text("\n".join(lines) + "\n")


def test_two_identical_repetitions_score_exactly_like_one(refdata, vot2018, tmp_path):
    from crpnbench.scoring import score_vot_tracker

    for preset in ("official", "pysot"):
        conv = resolve_convention(preset, "vot2018")
        one = score_vot_tracker(vot2018, _tracker(refdata, tmp_path, "one"), conv)
        two = score_vot_tracker(vot2018, _tracker(refdata, tmp_path, "two", copies=2), conv)
        for key in ("accuracy", "robustness", "failures", "eao"):
            assert two.metrics[key] == one.metrics[key], (preset, key)
        assert np.array_equal(two.eao_curve, one.eao_curve, equal_nan=True)
        assert two.repetitions == 2 and one.repetitions == 1
        assert two.metrics["accuracy_std"] == two.metrics["eao_std"] == two.metrics["robustness_std"] == 0.0
        assert two.per_attribute.equals(one.per_attribute)
        record = two.record()
        assert record["repetitions"] == 2 and record["accuracy_std"] == 0.0 and "eao_std" in record
        assert "accuracy_std" not in one.record()


def test_a_planted_failure_in_one_repetition_of_bag_computed_by_hand(refdata, vot2018, tmp_path):
    """bag, 196 frames, DaSiamRPN never fails there. Repetition 002 = 001 with a failure planted at frame 50
    (0-based): 50 -> '2', 51..54 -> '0', 55 -> '1' (re-init). By hand, with the official convention:

    * failures: (0 + 1) / 2 = 0.5 for bag; robustness 0.5 / 196 * 100;
    * accuracy (per-frame mean over repetitions, MATLAB toolkit / pysot): frames 50..64 have no burned-in
      overlap in run 002, so their mean is run 001's; every other frame is equal -> accuracy unchanged;
      with ``repetition_accuracy=run_mean`` (vot-toolkit Python) it is (a1 + a2) / 2, a2 = run 001's
      burned-in overlaps without frames 50..64;
    * EAO (fragments of both runs, weight 1/2 each): run 001 is one fragment (NaN after 196), run 002 has a
      failed fragment A = frames 0..54 (50..54 count 0, zero-filled after) and fragment B = frames 55..195
      (141 frames, NaN after: known for lengths L <= 141). VOT2018's interval [100, 356] covers lengths
      101..196 here (curve indices 100..195), so EAO = mean over L of
      (mean(o[1:L]) + mean(A[1:L]) + mean(B[1:L])) / 3 for L <= 141 and (mean(o[1:L]) + mean(A[1:L])) / 2 above.
    """
    from crpnbench.metrics.vot import vot_overlaps
    from crpnbench.raw.read import read_vot_result
    from crpnbench.scoring import score_vot_tracker

    folder = _tracker(refdata, tmp_path, "planted", copies=2, sequences=["bag"])
    _plant_failure(folder / "baseline" / "bag" / "bag_002.txt", 50)
    single = _tracker(refdata, tmp_path, "single", sequences=["bag"])
    from crpnbench.data.views import BenchmarkSubset

    bag_only = BenchmarkSubset(vot2018, ["bag"])
    conv = resolve_convention("official", "vot2018")
    ours = score_vot_tracker(bag_only, folder, conv)
    base = score_vot_tracker(bag_only, single, conv)

    seq = bag_only["bag"]
    run1 = read_vot_result(folder / "baseline" / "bag" / "bag_001.txt", len(seq))
    o = vot_overlaps(run1.codes, run1.values, seq.polygons, seq.image_size, conv)
    assert len(o) == 196 and (run1.codes != 2).all() and np.isnan(o[0]) and np.isfinite(o[1:]).all()
    o0 = np.nan_to_num(o)
    fragment_a = np.zeros(196)
    fragment_a[:50] = o0[:50]  # 50..54: failure and skipped frames count 0
    lengths = np.arange(101, 197)
    fragment_b = o0[55:].copy()
    fragment_b[0] = 0.0  # the re-initialisation frame (code 1) has no overlap
    m1 = np.array([o0[1:L].mean() for L in lengths])
    ma = np.array([fragment_a[1:L].mean() for L in lengths])
    mb = np.array([fragment_b[1:L].mean() if L <= 141 else np.nan for L in lengths])
    with_b = lengths <= 141
    curve = np.where(with_b, (m1 + ma + np.nan_to_num(mb)) / 3, (m1 + ma) / 2)
    eao_by_hand = float(np.mean(curve))
    eao_run2_alone = float(np.mean(np.where(with_b, (ma + np.nan_to_num(mb)) / 2, ma)))
    eao_run1_alone = float(np.mean(m1))

    assert base.metrics["failures"] == 0 and base.metrics["eao"] == pytest.approx(eao_run1_alone, abs=1e-12)
    assert ours.metrics["failures"] == 0.5
    assert ours.metrics["robustness"] == pytest.approx(0.5 / 196 * 100, abs=1e-12)
    assert ours.metrics["accuracy"] == base.metrics["accuracy"]
    assert ours.metrics["eao"] == pytest.approx(eao_by_hand, abs=1e-12)
    assert ours.metrics["eao"] < base.metrics["eao"]

    # spread over the two repetitions (sample std of two values = |x1 - x2| / sqrt(2))
    acc1 = o0[10:].mean()  # burn-in 10 after the init on frame 0
    keep = np.ones(196, bool)
    keep[:10] = False
    keep[50:65] = False  # failure, 4 skipped, re-init + 9 burn-in frames
    acc2 = o0[keep].mean()
    assert ours.metrics["accuracy_std"] == pytest.approx(abs(acc1 - acc2) / np.sqrt(2), abs=1e-12)
    assert ours.metrics["eao_std"] == pytest.approx(abs(eao_run1_alone - eao_run2_alone) / np.sqrt(2), abs=1e-12)
    assert ours.metrics["robustness_std"] == pytest.approx((1 / 196 * 100) / np.sqrt(2), abs=1e-12)

    run_mean = score_vot_tracker(bag_only, folder, replace(conv, repetition_accuracy="run_mean"))
    assert run_mean.metrics["accuracy"] == pytest.approx((acc1 + acc2) / 2, abs=1e-12)
    assert run_mean.metrics["eao"] == ours.metrics["eao"]


def test_missing_and_malformed_repetitions_are_errors_naming_the_file(refdata, vot2018, tmp_path):
    from crpnbench.scoring import score_vot_tracker

    conv = resolve_convention("official", "vot2018")
    gap = _tracker(refdata, tmp_path, "gap", copies=3, sequences=SUBSET)
    (gap / "baseline" / "book" / "book_002.txt").unlink()
    with pytest.raises(DataError, match="repetition 2 of 'book' is missing") as caught:
        score_vot_tracker(vot2018, gap, conv)
    assert "book_002.txt" in str(caught.value)

    bad = _tracker(refdata, tmp_path, "bad", copies=2, sequences=SUBSET)
    path = bad / "baseline" / "crossing" / "crossing_002.txt"
    lines = path.read_text().splitlines()
    lines[6] = "12.5,abc,3,4"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError) as caught:
        score_vot_tracker(vot2018, bad, conv)
    assert "crossing_002.txt" in str(caught.value) and "7" in str(caught.value)

    short = _tracker(refdata, tmp_path, "short", copies=2, sequences=SUBSET)
    path = short / "baseline" / "ants1" / "ants1_002.txt"
    path.write_text("\n".join(path.read_text().splitlines()[:-3]) + "\n")
    with pytest.raises(DataError) as caught:
        score_vot_tracker(vot2018, short, conv)
    assert "ants1_002.txt" in str(caught.value)


def test_three_identical_runs_stop_reading_as_the_vot_toolkit_does_pysot_reads_all(refdata, vot2018, tmp_path):
    from crpnbench.scoring import score_vot_tracker

    folder = _tracker(refdata, tmp_path, "det", copies=4, sequences=SUBSET)
    _plant_failure(folder / "baseline" / "bag" / "bag_004.txt", 50)
    official = score_vot_tracker(vot2018, folder, resolve_convention("official", "vot2018"))
    pysot = score_vot_tracker(vot2018, folder, resolve_convention("pysot", "vot2018"))
    assert official.metrics["failures"] == score_vot_tracker(
        vot2018, _tracker(refdata, tmp_path, "ref", sequences=SUBSET), resolve_convention("official", "vot2018")
    ).metrics["failures"]
    assert any("deterministic" in note for note in official.notes)
    assert official.repetitions == 3 and pysot.repetitions == 4
    assert pysot.per_sequence.loc["bag", "failures"] == 0.25
