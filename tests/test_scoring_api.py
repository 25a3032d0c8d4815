"""score_results / ScoreReport on small benchmarks and result folders written to tmp_path."""

from __future__ import annotations

import numpy as np
import pytest

from crpnbench.data.benchmark import Benchmark
from crpnbench.data.sequence import Sequence
from crpnbench.errors import ConfigError, DataError
from crpnbench.metrics.overlap import boxes_to_polygons
from crpnbench.raw.write import write_boxes, write_vot_entries
from crpnbench.scoring import eao_interval, score_results

RNG = np.random.default_rng(7)


class TinyBenchmark(Benchmark):
    """Three sequences with axis-aligned GT (OPE) or rotated polygons (VOT) held in memory."""

    def __init__(self, name="otb2015", vot=False):
        super().__init__()
        self.name = name
        self.vot = vot
        self.gt = {f"Seq-{i}": np.c_[RNG.uniform(20, 200, (n, 2)), RNG.uniform(10, 60, (n, 2))]
                   for i, n in enumerate((400, 150, 120) if vot else (40, 60, 30))}
        self.attrs = {"Seq-0": ("OCC",), "Seq-1": ("OCC", "IV"), "Seq-2": ()}

    def list_sequences(self):
        return list(self.gt)

    def load_sequence(self, name):
        boxes = self.gt[name]
        n = len(boxes)
        polygons = None
        tags = {}
        if self.vot:
            polygons = boxes_to_polygons(boxes) + RNG.uniform(-2, 2, (n, 8))
            tags = {"occlusion": np.arange(n) % 3 == 0}
        return Sequence(name=name, frame_paths=[f"{name}/{i:08d}.jpg" for i in range(n)], boxes=boxes,
                        polygons=polygons, attributes=self.attrs[name], frame_tags=tags, image_size=(320, 240))


def _write_ope(results, bench, tracker, noise):
    for name, gt in bench.gt.items():
        write_boxes(results / tracker / f"{name.lower().replace('-', '_')}.txt", gt + RNG.normal(0, noise, gt.shape))


def test_ope_report(tmp_path):
    bench = TinyBenchmark()
    results = tmp_path / "results"
    for name, gt in bench.gt.items():
        write_boxes(results / "Perfect" / f"{name}.txt", gt)
    _write_ope(results, bench, "Noisy", 6.0)
    report = score_results(bench, results)
    assert report.protocol == "ope" and report.convention.name == "official"
    records = report.records()
    assert [r["tracker"] for r in records] == ["Perfect", "Noisy"]
    assert set(records[0]) == {"tracker", "sequences", "frames", "success", "precision", "norm_precision",
                               "protocol", "convention", "notes"}
    assert records[0]["convention"] == report.convention.describe() and records[0]["notes"] == []
    assert records[0]["convention"]["length_mismatch"] == "min"  # OTB: the OTB toolkit's length rule
    assert records[0]["frames"] == 130 and records[0]["sequences"] == 3
    perfect = report.trackers["Perfect"]
    assert perfect.metrics["success"] == pytest.approx(20 / 21)  # IoU 1 is not > 1.0
    assert perfect.metrics["precision"] == 1.0
    noisy = report.trackers["Noisy"]
    assert noisy.success_curve.shape == (21,) and noisy.precision_curve.shape == (51,)
    assert noisy.norm_precision_curve.shape == (51,)
    assert np.all(np.diff(noisy.success_curve) <= 0) and np.all(np.diff(noisy.precision_curve) >= 0)
    assert list(noisy.per_sequence.index) == ["Seq-0", "Seq-1", "Seq-2"]
    assert noisy.per_attribute.loc["OCC", "sequences"] == 2
    assert noisy.per_attribute.loc["IV", "success"] == pytest.approx(noisy.per_sequence.loc["Seq-1", "success"])
    table = report.table()
    assert list(table.index) == ["Perfect", "Noisy"]

    written = report.write_csv(tmp_path / "scores")
    import pandas as pd

    names = {p.name for p in written}
    assert names == {"summary.csv", "per_sequence.csv", "per_attribute.csv", "curves.csv"}
    per_seq = pd.read_csv(tmp_path / "scores" / "per_sequence.csv")
    assert len(per_seq) == 6 and set(per_seq["tracker"]) == {"Perfect", "Noisy"}
    summary = pd.read_csv(tmp_path / "scores" / "summary.csv")
    assert summary["convention"].tolist() == ["official", "official"]


def test_missing_sequence_error_or_skip(tmp_path):
    bench = TinyBenchmark()
    _write_ope(tmp_path, bench, "T", 2.0)
    (tmp_path / "T" / "seq_2.txt").unlink()
    with pytest.raises(DataError, match="no result file for sequence 'Seq-2'"):
        score_results(bench, tmp_path)
    report = score_results(bench, tmp_path, missing="skip")
    assert report.trackers["T"].sequences == 2 and "Seq-2" in report.notes[0]


def test_single_tracker_folder_and_errors(tmp_path):
    bench = TinyBenchmark()
    _write_ope(tmp_path, bench, "Only", 1.0)
    report = score_results(bench, tmp_path / "Only")
    assert list(report.trackers) == ["Only"]
    with pytest.raises(ConfigError):
        score_results(bench, tmp_path, protocol="supervised")
    with pytest.raises(DataError, match="results folder does not exist"):
        score_results(bench, tmp_path / "nope")
    with pytest.raises(DataError, match="no results folder for tracker"):
        score_results(bench, tmp_path, trackers=["Other"])


def _vot_entries(n, fail_at=None):
    entries = [1]
    i = 1
    while i < n:
        if fail_at is not None and i == fail_at:
            entries += [2, 0, 0, 0, 0]
            i += 5
            if i < n:
                entries.append(1)
                i += 1
            continue
        entries.append(None)
        i += 1
    return entries[:n]


@pytest.mark.parametrize("experiment", ["baseline", "realtime"])
def test_vot_report(tmp_path, experiment):
    bench = TinyBenchmark("vot2016", vot=True)
    for tracker, fail_at in (("Good", None), ("Fails", 12)):
        for name, gt in bench.gt.items():
            entries = _vot_entries(len(gt), fail_at)
            rows = [e if e is not None else gt[i] for i, e in enumerate(entries)]
            write_vot_entries(tmp_path / tracker / experiment / name / f"{name}_001.txt", rows)
    report = score_results(bench, tmp_path, protocol=None if experiment == "baseline" else experiment)
    assert report.protocol == experiment
    records = report.records()
    assert [r["tracker"] for r in records] == ["Good", "Fails"]
    assert set(records[0]) == {"tracker", "sequences", "frames", "accuracy", "robustness", "failures", "eao",
                               "protocol", "convention", "notes"}
    assert records[0]["failures"] == 0 and records[1]["failures"] == 3
    fails = report.trackers["Fails"]
    assert fails.eao_interval == (108, 371) == eao_interval("vot2016")
    assert fails.eao_curve[0] == 1.0 and len(fails.eao_curve) == 400
    assert 0 < fails.metrics["eao"] < report.trackers["Good"].metrics["eao"]
    assert 0.5 < report.trackers["Good"].metrics["accuracy"] <= 1.0
    assert fails.per_attribute.loc["occlusion", "frames"] == sum(int(np.ceil(n / 3)) for n in (400, 150, 120))
    assert fails.per_sequence["failures"].tolist() == [1, 1, 1]
    overlaps = fails.sequence_overlaps["Seq-1"]
    assert overlaps.shape == (150,) and np.isnan(overlaps[:10]).all() and np.isnan(overlaps[12])
    assert np.nanmean(overlaps) == pytest.approx(fails.per_sequence.loc["Seq-1", "accuracy"])


def test_sequences_without_ground_truth_are_refused(tmp_path):
    bench = TinyBenchmark("trackingnet")
    bench.gt["Seq-1"][1:] = np.nan  # only the first box is known, as in TrackingNet TEST
    _write_ope(tmp_path, bench, "T", 1.0)
    write_boxes(tmp_path / "T" / "seq_1.txt", np.nan_to_num(bench.gt["Seq-1"], nan=5.0))
    with pytest.raises(DataError, match="no ground truth after frame 1"):
        score_results(bench, tmp_path)


def test_length_rule_follows_the_dataset_convention(tmp_path):
    for dataset, convention, expect_error in (("otb2015", "pysot", True), ("otb2015", "official:length_mismatch=error", True),
                                              ("otb2015", "official", False), ("lasot", "official", False)):
        bench = TinyBenchmark(dataset)
        results = tmp_path / dataset / convention.replace(":", "_")
        _write_ope(results, bench, "T", 1.0)
        longer = np.vstack([bench.gt["Seq-0"], bench.gt["Seq-0"][-1:]])
        write_boxes(results / "T" / "seq_0.txt", longer)
        if expect_error:
            with pytest.raises(DataError, match=r"seq_0.txt:41: result has 41 lines for 40 frames"):
                score_results(bench, results, convention=convention)
        else:
            report = score_results(bench, results, convention=convention)
            assert "41 lines for 40 frames; truncated to 40" in report.notes[0]
            assert report.trackers["T"].per_sequence.loc["Seq-0", "frames"] == 40
