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


# ------------------------------------------------------------------------------ repetitions and provenance
#: ("told", n) per set_repetition call and ("init", the repetition the tracker was told) per init, seen by
#: the trackers below (from any sequence thread)
TOLD: list[tuple[str, int | None]] = []


def _told(tracker, repetition):
    tracker.repetition = repetition
    TOLD.append(("told", repetition))


def _shifted(tracker, box):
    """The init box moved by (repetition - 1) px: each repetition writes other boxes."""
    TOLD.append(("init", getattr(tracker, "repetition", None)))
    box = np.array(box, dtype=np.float64)
    box[0] += getattr(tracker, "repetition", 1) - 1
    return box


def repetition_crpn():
    """A C-RPN tracker (so batching applies) with the VOT repetition hook."""
    from crpnbench.tracking.crpn_tracker import CRPNTracker, build_crpn

    class RepetitionCRPN(CRPNTracker):
        def set_repetition(self, repetition):
            _told(self, repetition)

        def init(self, frame, box):
            return super().init(frame, _shifted(self, box))

    tracker = build_crpn(CRPNConfig.from_toml(default_trackers_dir() / "crpn-small.toml"), "cpu", untrained=True)
    tracker.__class__ = RepetitionCRPN
    return tracker


def repetition_ncc():
    """Not C-RPN: --batch-sequences falls back to one sequence at a time."""
    from tests.test_evaluation import NCCTracker

    class RepetitionNCC(NCCTracker):
        def set_repetition(self, repetition):
            _told(self, repetition)

        def init(self, frame, box):
            return super().init(frame, _shifted(self, box))

    return RepetitionNCC()


@pytest.mark.parametrize("factory", [repetition_crpn, repetition_ncc])
def test_repetitions_with_batched_sequences_tell_the_tracker_and_write_00n(tmp_path, config, monkeypatch, factory):
    """``--repetitions 2 --batch-sequences 3``: the lock-step batch (C-RPN) and the one-at-a-time fallback
    (other trackers) both call set_repetition(n) for every sequence of run n and write ``_00n`` files,
    byte-identical to the one-sequence runner's."""
    from crpnbench.evaluation import batched as batched_eval
    from crpnbench.evaluation.repetitions import evaluate_repetitions

    monkeypatch.setattr(batched_module, "batched_correlate", per_sample_correlate)
    steps = []
    step = batched_eval.LockStep._step
    monkeypatch.setattr(batched_eval.LockStep, "_step",
                        lambda self, waiting: (steps.append(len(waiting)), step(self, waiting))[1])
    bench = Folder("vot2018", make_sequences(tmp_path / "data", [7, 9, 5]), "vot")
    outputs = {}
    for batch in (1, 3):
        TOLD.clear()
        summary = evaluate_repetitions(bench, [("rep", factory)], "baseline", tmp_path / f"b{batch}", repetitions=2,
                                       progress=False, batch_sequences=batch)
        assert not summary.runs[0].failed
        assert sorted(n for kind, n in TOLD if kind == "told") == [1, 1, 1, 2, 2, 2], batch  # every sequence, every run
        inits = [n for kind, n in TOLD if kind == "init"]  # the tracker that initialised knew its run: 1s, then 2s
        assert None not in inits and inits == sorted(inits) and set(inits) == {1, 2}, batch
        outputs[batch] = raw_files(tmp_path / f"b{batch}" / "raw" / "vot2018" / "rep")
    assert (max(steps, default=0) > 1) == (factory is repetition_crpn)  # C-RPN ran lock-step; the other one by one
    assert sorted(outputs[3]) == sorted(f"baseline/s{k}/s{k}_00{n}.txt" for k in range(3) for n in (1, 2))
    assert outputs[3] == outputs[1]
    if factory is repetition_ncc:  # (the untrained C-RPN fails on frame 2 whatever its init box: codes only)
        assert outputs[3]["baseline/s1/s1_001.txt"] != outputs[3]["baseline/s1/s1_002.txt"]


def test_realtime_provenance_holds_the_batch_size_other_protocols_do_not(tmp_path, config):
    """The real-time protocol charges a batched update the whole step, so the batch size changes the frames a
    C-RPN tracker sees: a real-time folder written with another batch size is refused (``--force`` replaces
    it). OPE/baseline folders resume across batch sizes (test above and the first test of this file); a
    tracker that is not batched keeps one identity under any batch size."""
    from crpnbench.errors import ConfigError
    from crpnbench.evaluation.provenance import run_identity
    from crpnbench.protocols import make_protocol
    from crpnbench.tracking.spec import TrackerSpec
    from tests.test_evaluation import NCCTracker

    bench = Folder("vot2017", make_sequences(tmp_path / "data", [6, 5]), "vot")
    out = tmp_path / "out"
    first = evaluate(bench, [config], "realtime", out, untrained=True, progress=False, batch_sequences=2)
    assert sorted(first.runs[0].evaluated) == ["s0", "s1"]
    again = evaluate(bench, [config], "realtime", out, untrained=True, progress=False, batch_sequences=2)
    assert sorted(again.runs[0].skipped) == ["s0", "s1"] and not again.runs[0].evaluated
    with pytest.raises(ConfigError, match=r"protocol.batch_sequences 2 -> 3.*--force"):
        evaluate(bench, [config], "realtime", out, untrained=True, progress=False, batch_sequences=3)
    with pytest.raises(ConfigError, match=r"protocol.batch_sequences 2 -> \(none\)"):
        evaluate(bench, [config], "realtime", out, untrained=True, progress=False)
    forced = evaluate(bench, [config], "realtime", out, untrained=True, progress=False, force=True)
    assert sorted(forced.runs[0].evaluated) == ["s0", "s1"]
    assert evaluate(bench, [config], "realtime", out, untrained=True, progress=False).runs[0].skipped

    crpn = TrackerSpec.of(config, untrained=True)
    for name in ("ope", "baseline", "unsupervised"):
        assert run_identity(crpn, make_protocol(name), 4) == run_identity(crpn, make_protocol(name), 1)
    realtime = make_protocol("realtime")
    assert run_identity(crpn, realtime, 4)["protocol"]["batch_sequences"] == 4
    assert run_identity(crpn, realtime, 1) == run_identity(TrackerSpec.of(config, untrained=True), realtime)
    ncc = TrackerSpec.of(NCCTracker)
    assert run_identity(ncc, realtime, 4) == run_identity(ncc, realtime, 1)
    assert run_identity(TrackerSpec.of("kcf"), realtime, 4) == run_identity(TrackerSpec.of("kcf"), realtime, 1)
    evaluate(bench, [NCCTracker], "realtime", out, progress=False)
    assert sorted(evaluate(bench, [NCCTracker], "realtime", out, progress=False,
                           batch_sequences=4).runs[0].skipped) == ["s0", "s1"]
