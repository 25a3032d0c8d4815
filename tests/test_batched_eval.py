"""Batched evaluation (crpnbench.evaluation.batched, ``eval --batch-sequences N``): lock-step scheduling with
every protocol, the same files/resume/speed records as the serial runner, fallbacks and failures."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
from click.testing import CliRunner

from crpnbench.data.benchmark import Benchmark
from crpnbench.data.sequence import Sequence
from crpnbench.evaluation import evaluate, read_fps_csv
from crpnbench.models.config import CRPNConfig
from crpnbench.tracking import batched as batched_module
from crpnbench.tracking.registry import default_trackers_dir
from tests.test_batched_tracking import per_sample_correlate


class Folder(Benchmark):
    def __init__(self, name, sequences, layout="otb"):
        super().__init__()
        self.name, self.result_layout = name, layout
        self.sequences = {s.name: s for s in sequences}

    def list_sequences(self):
        return list(self.sequences)

    def load_sequence(self, name):
        return self.sequences[name]


def make_sequences(folder, lengths, jump_at=None):
    """Moving squares of different lengths as JPEG files; ``jump_at``: the ground truth teleports there
    (a sure VOT failure, then a re-initialisation)."""
    rng = np.random.default_rng(1)
    sequences = []
    for k, length in enumerate(lengths):
        base = cv2.resize(rng.integers(0, 255, (12, 16, 3), dtype=np.uint8), (160, 120), interpolation=cv2.INTER_CUBIC)
        paths, boxes = [], []
        for t in range(length):
            x, y = 30 + 2 * t, 30 + t
            if jump_at is not None and t >= jump_at:
                x, y = 120, 85
            image = base.copy()
            image[y: y + 24, x: x + 24] = (40 * k, 220, 250)
            path = folder / f"s{k}" / f"{t + 1:04d}.jpg"
            path.parent.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(path), image)
            paths.append(path)
            boxes.append([x + 1, y + 1, 24, 24])
        sequences.append(Sequence(f"s{k}", paths, np.array(boxes, dtype=np.float64)))
    return sequences


@pytest.fixture()
def config():
    torch.set_num_threads(1)
    return CRPNConfig.from_toml(default_trackers_dir() / "crpn-small.toml")


def raw_files(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and "time" not in p.name and p.suffix in (".txt",)}


@pytest.mark.parametrize("protocol", ["ope", "baseline"])
def test_batched_eval_writes_what_the_serial_runner_writes(tmp_path, config, monkeypatch, protocol):
    """Sequences of different lengths join and leave a batch of 2 (and fail and re-initialise under VOT);
    with a batch-invariant forward every raw file is byte-identical to the one-sequence runner's."""
    monkeypatch.setattr(batched_module, "batched_correlate", per_sample_correlate)
    layout = "vot" if protocol == "baseline" else "otb"
    jump = 8 if protocol == "baseline" else None
    bench = Folder("vot2018" if layout == "vot" else "otb2015", make_sequences(tmp_path / "data", [7, 16, 10, 4],
                                                                               jump), layout)
    serial = evaluate(bench, [config], protocol, tmp_path / "serial", untrained=True, progress=False)
    batched = evaluate(bench, [config], protocol, tmp_path / "batched", untrained=True, progress=False,
                       batch_sequences=2)
    run = batched.runs[0]
    assert not run.failed and sorted(run.evaluated) == ["s0", "s1", "s2", "s3"]
    folder = lambda root: root / "raw" / bench.name / "crpn-small-untrained"  # noqa: E731
    assert raw_files(folder(tmp_path / "batched")) == raw_files(folder(tmp_path / "serial"))
    if protocol == "baseline":
        text = (folder(tmp_path / "batched") / "baseline" / "s1" / "s1_001.txt").read_text().splitlines()
        assert "2" in text and text.count("1") >= 2  # failed and re-initialised inside the batch
    fps_dir = folder(tmp_path / "batched") / ("baseline" if layout == "vot" else "")
    rows = read_fps_csv(fps_dir / "fps.csv")
    assert set(rows) == {"s0", "s1", "s2", "s3"} and all(r["tracker_seconds"] > 0 for r in rows.values())
    assert (fps_dir / "speed.json").is_file() and (fps_dir / "provenance.json").is_file()
    assert run.speed["frames"] == serial.runs[0].speed["frames"]
    # same identity as the serial run: a batched run resumes a serial folder (and vice versa)
    again = evaluate(bench, [config], protocol, tmp_path / "serial", untrained=True, progress=False,
                     batch_sequences=3)
    assert again.runs[0].skipped and not again.runs[0].evaluated


def test_batched_realtime_runs_with_latency_times(tmp_path, config):
    bench = Folder("vot2017", make_sequences(tmp_path / "data", [9, 6, 12]), "vot")
    summary = evaluate(bench, [config], "realtime", tmp_path / "out", untrained=True, progress=False,
                       batch_sequences=3)
    run = summary.runs[0]
    assert not run.failed and len(run.evaluated) == 3
    folder = tmp_path / "out" / "raw" / "vot2017" / "crpn-small-untrained" / "realtime"
    lines = (folder / "s2" / "s2_001.txt").read_text().splitlines()
    assert len(lines) == 12 and lines[0] == "1"
    times = np.loadtxt(folder / "s2" / "s2_001_time.value")
    assert times[0] > 0 and np.all(times >= 0)


def test_batched_real_network_stays_close_to_serial(tmp_path, config):
    """The real batched forward (no stand-in): complete, finite results of the right lengths."""
    bench = Folder("otb2015", make_sequences(tmp_path / "data", [6, 9, 5]))
    summary = evaluate(bench, [config], "ope", tmp_path / "out", untrained=True, progress=False, batch_sequences=2)
    assert not summary.runs[0].failed
    for name, length in (("s0", 6), ("s1", 9), ("s2", 5)):
        boxes = np.loadtxt(tmp_path / "out" / "raw" / "otb2015" / "crpn-small-untrained" / f"{name}.txt", delimiter=",")
        assert boxes.shape == (length, 4) and np.all(np.isfinite(boxes))


def test_other_trackers_run_one_sequence_at_a_time(tmp_path):
    from tests.test_evaluation import NCCTracker

    bench = Folder("otb2015", make_sequences(tmp_path / "data", [5, 7]))
    serial = evaluate(bench, [NCCTracker], "ope", tmp_path / "a", progress=False)
    batched = evaluate(bench, [NCCTracker], "ope", tmp_path / "b", progress=False, batch_sequences=4)
    assert sorted(batched.runs[0].evaluated) == ["s0", "s1"]
    assert raw_files(tmp_path / "b" / "raw") == raw_files(tmp_path / "a" / "raw")
    assert serial.runs[0].evaluated


def test_a_bad_frame_fails_its_sequence_only(tmp_path, config):
    sequences = make_sequences(tmp_path / "data", [6, 6, 6])
    sequences[1].frame_paths[3].write_bytes(b"not a jpeg")
    summary = evaluate(Folder("otb2015", sequences), [config], "ope", tmp_path / "out", untrained=True,
                       progress=False, batch_sequences=3)
    run = summary.runs[0]
    assert list(run.failed) == ["s1"] and sorted(run.evaluated) == ["s0", "s2"]


def test_batched_workers(tmp_path, config):
    bench = Folder("otb2015", make_sequences(tmp_path / "data", [5, 6, 4, 5]))
    summary = evaluate(bench, [config], "ope", tmp_path / "out", untrained=True, progress=False, workers=2,
                       batch_sequences=2)
    assert not summary.runs[0].failed and sorted(summary.runs[0].evaluated) == ["s0", "s1", "s2", "s3"]
    rows = read_fps_csv(tmp_path / "out" / "raw" / "otb2015" / "crpn-small-untrained" / "fps.csv")
    assert len(rows) == 4


def test_cli_option(tmp_path):
    from crpnbench.cli import cli as main

    result = CliRunner().invoke(main, ["eval", "--help"])
    assert "--batch-sequences" in result.output
    result = CliRunner().invoke(main, ["eval", "--tracker", "crpn-small", "--batch-sequences", "0"])
    assert result.exit_code == 2 and "batch-sequences" in result.output
