"""The evaluation runner on real OTB sequences: layout, speed files, resume, workers, failures, submission."""

from __future__ import annotations

import csv
import functools
import json
import os
import shutil
import zipfile

import cv2
import numpy as np
import pytest

from crpnbench.data import open_benchmark
from crpnbench.data.benchmark import Benchmark
from crpnbench.data.sequence import Sequence
from crpnbench.data.textio import read_boxes, read_rows
from crpnbench.errors import ConfigError, DataError
from crpnbench.evaluation import evaluate, read_fps_csv
from crpnbench.submission import write_trackingnet_zip
from crpnbench.tracking.base import Tracker


class NCCTracker(Tracker):
    """Deterministic template matching in a +-16 px window around the last position."""

    name = "ncc"

    def init(self, frame, box):
        x, y, w, h = np.round(box).astype(int)
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        self.template = gray[max(y - 1, 0) : y - 1 + h, max(x - 1, 0) : x - 1 + w]
        self.size, self.position = (self.template.shape[1], self.template.shape[0]), (max(x - 1, 0), max(y - 1, 0))

    def update(self, frame):
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        (w, h), (px, py), r = self.size, self.position, 16
        x0, y0 = max(px - r, 0), max(py - r, 0)
        window = gray[y0 : min(py + h + r, gray.shape[0]), x0 : min(px + w + r, gray.shape[1])]
        _, _, _, (dx, dy) = cv2.minMaxLoc(cv2.matchTemplate(window, self.template, cv2.TM_CCOEFF_NORMED))
        self.position = (x0 + dx, y0 + dy)
        return np.array([x0 + dx + 1, y0 + dy + 1, w, h], dtype=np.float64)


class InterruptAfter:
    """A factory of NCC trackers that raise Ctrl-C at ``frame`` of the ``sequence``-th sequence they track.

    Sequences are counted by ``init`` calls, so it works whether the runner builds one tracker per
    sequence or re-initialises one tracker for every sequence.
    """

    def __init__(self, sequence: int, frame: int):
        self.inits, self.sequence, self.frame = 0, sequence, frame

    def __call__(self):
        factory = self
        tracker = NCCTracker()
        init, update = tracker.init, tracker.update
        calls = {"n": 0}

        def counted_init(frame, box):
            factory.inits += 1
            calls["n"] = 0
            return init(frame, box)

        def interrupted(frame):
            calls["n"] += 1
            if factory.inits == factory.sequence and calls["n"] == factory.frame:
                raise KeyboardInterrupt
            return update(frame)

        tracker.init, tracker.update = counted_init, interrupted
        return tracker


class PidRecordingNCC(NCCTracker):
    """An NCC tracker that notes which process built it (a file named by the pid)."""

    def __init__(self, folder):
        folder.mkdir(exist_ok=True)
        (folder / str(os.getpid())).touch()


@pytest.fixture()
def otb(refdata):
    return open_benchmark("otb2015", refdata / "otb" / "seqs")


def result_files(folder):
    """Every raw result file (not time/speed files) under ``folder``, relative path -> bytes."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*.txt"))
        if not p.name.endswith("_time.txt")
    }


def test_evaluate_otb_layout_speed_and_missing(otb, tmp_path):
    summary = evaluate(otb, [NCCTracker], "ope", tmp_path, max_frames=20, progress=False)
    folder = tmp_path / "raw" / "otb2015" / "ncc"
    assert summary.sequences == ["Couple", "Crossing", "Football1"]
    assert len(summary.missing) == 97 and "Basketball" in summary.missing
    run = summary.runs[0]
    assert run.evaluated == ["Couple", "Crossing", "Football1"] and run.skipped == [] and run.failed == {}
    for name in summary.sequences:
        boxes = read_boxes(folder / f"{name}.txt")
        assert boxes.shape == (20, 4)
        np.testing.assert_allclose(boxes[0], otb[name].boxes[0])
        assert len(read_rows(folder / "times" / f"{name}_time.txt", widths=(1,))) == 20
    rows = read_fps_csv(folder / "fps.csv")
    assert list(rows) == summary.sequences
    assert all(r["frames"] == 20 and r["tracker_fps"] > 0 and r["loop_fps"] > 0 for r in rows.values())
    assert all(r["loop_seconds"] >= r["tracker_seconds"] for r in rows.values())
    speed = json.loads((folder / "speed.json").read_text())
    assert speed["frames"] == 60 and speed == pytest.approx(run.speed)
    assert speed["tracker_fps"] >= speed["loop_fps"] > 0
    json.dumps(summary.to_dict())  # serialisable for --json


def test_resume_after_interrupt_loses_nothing(otb, tmp_path):
    clean = tmp_path / "clean"
    evaluate(otb, [NCCTracker], "ope", clean, max_frames=25, progress=False)

    resumed = tmp_path / "resumed"
    with pytest.raises(KeyboardInterrupt):
        evaluate(otb, [("ncc", InterruptAfter(sequence=2, frame=10))], "ope", resumed, max_frames=25, progress=False)
    folder = resumed / "raw" / "otb2015" / "ncc"
    assert (folder / "Couple.txt").is_file()
    assert not (folder / "Crossing.txt").exists() and not (folder / "times" / "Crossing_time.txt").exists()
    assert not list(folder.glob(".*.tmp"))  # no half-written files
    assert list(read_fps_csv(folder / "fps.csv")) == ["Couple"]

    before = (folder / "Couple.txt").stat().st_mtime_ns
    summary = evaluate(otb, [NCCTracker], "ope", resumed, max_frames=25, progress=False)
    run = summary.runs[0]
    assert run.skipped == ["Couple"] and run.evaluated == ["Crossing", "Football1"]
    assert (folder / "Couple.txt").stat().st_mtime_ns == before
    assert result_files(resumed / "raw") == result_files(clean / "raw")
    assert list(read_fps_csv(folder / "fps.csv")) == ["Couple", "Crossing", "Football1"]

    again = evaluate(otb, [NCCTracker], "ope", resumed, max_frames=25, progress=False).runs[0]
    assert again.evaluated == [] and len(again.skipped) == 3
    forced = evaluate(otb, [NCCTracker], "ope", resumed, max_frames=25, progress=False, force=True).runs[0]
    assert forced.evaluated == ["Couple", "Crossing", "Football1"]
    # a longer run does not trust the shorter files
    longer = evaluate(otb, [NCCTracker], "ope", resumed, max_frames=30, progress=False, sequences=["Couple"]).runs[0]
    assert longer.evaluated == ["Couple"] and len(read_boxes(folder / "Couple.txt")) == 30


def test_two_workers_write_the_same_files_as_one(otb, tmp_path):
    one = evaluate(otb, [NCCTracker], "ope", tmp_path / "w1", max_frames=30, progress=False)
    spec = ("ncc", functools.partial(PidRecordingNCC, tmp_path / "pids"))
    two = evaluate(otb, [spec], "ope", tmp_path / "w2", max_frames=30, progress=False, workers=2)
    pids = {int(p.name) for p in (tmp_path / "pids").iterdir()}
    assert pids and os.getpid() not in pids  # trackers were built in the worker processes
    assert sorted(two.runs[0].evaluated) == sorted(one.runs[0].evaluated) == ["Couple", "Crossing", "Football1"]
    files = result_files(tmp_path / "w2" / "raw")
    assert len(files) == 3 and files == result_files(tmp_path / "w1" / "raw")
    assert list(read_fps_csv(tmp_path / "w2" / "raw" / "otb2015" / "ncc" / "fps.csv")) == ["Couple", "Crossing", "Football1"]


def test_sequence_selection_and_bad_arguments(otb, tmp_path):
    summary = evaluate(otb, [NCCTracker], "ope", tmp_path, sequences=["Crossing", "Basketball"], max_frames=5, progress=False)
    assert summary.sequences == ["Crossing"] and summary.missing == ["Basketball"]
    with pytest.raises(ConfigError, match="no sequence named 'Nope'"):
        evaluate(otb, [NCCTracker], "ope", tmp_path, sequences=["Nope"], progress=False)
    with pytest.raises(ConfigError, match="no otb2015 sequence found"):
        evaluate(otb, [NCCTracker], "ope", tmp_path, sequences=["Basketball"], progress=False)
    with pytest.raises(ConfigError, match="unknown protocol"):
        evaluate(otb, [NCCTracker], "eao", tmp_path, progress=False)
    with pytest.raises(ConfigError, match="same folder"):
        evaluate(otb, [NCCTracker, ("ncc", NCCTracker)], "ope", tmp_path, progress=False)


class FolderBenchmark(Benchmark):
    """A benchmark over sequences made in the test."""

    def __init__(self, name, sequences, layout="otb"):
        super().__init__()
        self.name, self.result_layout = name, layout
        self.sequences = {s.name: s for s in sequences}

    def list_sequences(self):
        return list(self.sequences)

    def load_sequence(self, name):
        return self.sequences[name]


def crossing_copy(refdata, tmp_path, name, frames=12):
    source = refdata / "otb" / "seqs" / "Crossing"
    folder = tmp_path / name
    folder.mkdir()
    paths = []
    for src in sorted((source / "img").glob("*.jpg"))[:frames]:
        shutil.copy(src, folder / src.name)
        paths.append(folder / src.name)
    return Sequence(name, paths, read_boxes(source / "groundtruth_rect.txt")[:frames])


def test_a_corrupt_frame_fails_its_sequence_only(refdata, tmp_path):
    good, bad = crossing_copy(refdata, tmp_path, "good"), crossing_copy(refdata, tmp_path, "bad")
    bad.frame_paths[5].write_bytes(b"not a jpeg")
    benchmark = FolderBenchmark("mini", [bad, good])
    for workers in (1, 2):
        run = evaluate(benchmark, [NCCTracker], "ope", tmp_path / f"out{workers}", workers=workers, progress=False).runs[0]
        assert run.evaluated == ["good"]
        assert list(run.failed) == ["bad"] and "0006.jpg" in run.failed["bad"]
        assert not (tmp_path / f"out{workers}" / "raw" / "mini" / "ncc" / "bad.txt").exists()


def test_vot_baseline_through_the_runner(refdata, tmp_path):
    folder = refdata / "video" / "vot_bag_frames"
    polygons = np.vstack(read_rows(folder / "groundtruth.txt", widths=(8,)))[:40]
    xs, ys = polygons[:, 0::2], polygons[:, 1::2]
    boxes = np.stack([xs.min(1), ys.min(1), xs.max(1) - xs.min(1), ys.max(1) - ys.min(1)], axis=1)
    bag = Sequence("bag", sorted(folder.glob("*.jpg"))[:40], boxes, polygons=polygons)
    summary = evaluate(FolderBenchmark("vot2018", [bag], layout="vot"), [NCCTracker], "baseline", tmp_path, progress=False)
    tracker_dir = tmp_path / "raw" / "vot2018" / "ncc"
    lines = (tracker_dir / "baseline" / "bag" / "bag_001.txt").read_text().splitlines()
    assert len(lines) == 40 and lines[0] == "1"
    assert (tracker_dir / "baseline" / "bag" / "bag_001_time.value").is_file()  # vot-toolkit's name
    assert not (tracker_dir / "baseline" / "bag" / "bag_001_time.txt").exists()  # pysot's *0*.txt glob
    row = read_fps_csv(tracker_dir / "baseline" / "fps.csv")["bag"]
    assert summary.protocol == "baseline" and summary.runs[0].evaluated == ["bag"]
    assert row["failures"] == sum(line == "2" for line in lines)


def test_trackingnet_submission_zip(refdata, tmp_path):
    seqs = [crossing_copy(refdata, tmp_path, n, frames=6) for n in ("a8v0k4Bz_QA_0", "a9jgDU5THOU_0")]
    for s in seqs:
        s.boxes[1:] = np.nan  # TEST annotations give only the first box
    summary = evaluate(FolderBenchmark("trackingnet", seqs), [NCCTracker], "ope", tmp_path / "res", progress=False)
    zip_path = tmp_path / "res" / "raw" / "trackingnet" / "ncc.zip"
    assert summary.runs[0].submission == zip_path
    with zipfile.ZipFile(zip_path) as archive:
        assert sorted(archive.namelist()) == ["a8v0k4Bz_QA_0.txt", "a9jgDU5THOU_0.txt"]
        rows = list(csv.reader(archive.read("a8v0k4Bz_QA_0.txt").decode().splitlines()))
    assert len(rows) == 6 and all(len(r) == 4 for r in rows)
    np.testing.assert_allclose([float(v) for v in rows[0]], seqs[0].boxes[0])
    with pytest.raises(DataError, match="missing"):
        write_trackingnet_zip(tmp_path / "res" / "raw" / "trackingnet" / "ncc", ["nope"], tmp_path / "x.zip")


def test_crpn_config_objects_run_through_the_runner(refdata, tmp_path):
    """The ablation passes CRPNConfig objects: a real (untrained, small) C-RPN tracks 4 real frames."""
    import torch

    from crpnbench.models.config import CRPNConfig
    from crpnbench.tracking.registry import default_trackers_dir

    torch.set_num_threads(1)
    config = CRPNConfig.from_toml(default_trackers_dir() / "crpn-small.toml")
    benchmark = open_benchmark("otb2015", refdata / "otb" / "seqs")
    summary = evaluate(benchmark, [config], "ope", tmp_path, sequences=["Crossing"], max_frames=4,
                       untrained=True, progress=False)
    # random weights never share (or resume from) the trained tracker's folder
    assert summary.runs[0].tracker == "crpn-small-untrained"
    assert not (tmp_path / "raw" / "otb2015" / "crpn-small").exists()
    boxes = read_boxes(tmp_path / "raw" / "otb2015" / "crpn-small-untrained" / "Crossing.txt")
    assert boxes.shape == (4, 4) and np.all(np.isfinite(boxes)) and np.all(boxes[:, 2:] > 0)
    assert summary.runs[0].speed["tracker_fps"] > 0
    with pytest.raises(ConfigError, match="no trained checkpoint"):
        evaluate(benchmark, [config.replace(checkpoint=str(tmp_path / "none.pt"))], "ope", tmp_path / "x",
                 sequences=["Crossing"], max_frames=4, progress=False)


def test_a_broken_annotation_fails_its_sequence_only(refdata, tmp_path):
    class HalfBroken(FolderBenchmark):
        def load_sequence(self, name):
            if name == "broken":
                raise DataError("cannot parse numbers from 'x'", tmp_path / "broken.txt", 3)
            return super().load_sequence(name)

    good = crossing_copy(refdata, tmp_path, "good", frames=5)
    benchmark = HalfBroken("mini", [good])
    benchmark.sequences["broken"] = None
    run = evaluate(benchmark, [NCCTracker], "ope", tmp_path / "out", progress=False).runs[0]
    assert run.evaluated == ["good"]
    assert run.failed == {"broken": f"{tmp_path / 'broken.txt'}:3: cannot parse numbers from 'x'"}


def test_one_tracker_folder_holds_ope_and_vot_baseline_results_and_scores_both(tmp_path):
    """`eval` (OPE) and `eval --protocol baseline` of one tracker into one --out share its folder
    (<seq>.txt beside baseline/): each protocol's scorer reads its own files (an ablation under both)."""
    from crpnbench.scoring import score_results

    bench = open_benchmark("synthetic", root=tmp_path / "synthetic")
    names = bench.names[:2]
    common = dict(sequences=names, max_frames=12, progress=False)
    evaluate(bench, ["kcf"], "ope", tmp_path / "out", **common)
    evaluate(bench, ["kcf"], "baseline", tmp_path / "out", **common)
    folder = tmp_path / "out" / "raw" / "synthetic" / "kcf"
    assert (folder / f"{names[0]}.txt").is_file() and (folder / "baseline" / names[0]).is_dir()
    from crpnbench.data.views import BenchmarkSubset

    view = BenchmarkSubset(bench, names, max_frames=12)
    ope = score_results(view, folder.parent, protocol="ope").trackers["kcf"]
    vot = score_results(view, folder.parent, protocol="baseline").trackers["kcf"]
    assert ope.sequences == 2 and 0 <= ope.metrics["success"] <= 1
    assert vot.sequences == 2 and 0 <= vot.metrics["accuracy"] <= 1
