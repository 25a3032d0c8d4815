"""Running a set of trackers over a benchmark under one protocol (the library behind ``crpnbench eval``).

    from crpnbench.data import open_benchmark
    from crpnbench.evaluation import evaluate

    summary = evaluate(open_benchmark("otb2015", "datasets/OTB"), ["csrt", "crpn"], "ope", "results")

Raw results go to ``<results_root>/raw/<dataset>/<tracker>/`` in the benchmark's own layout (see
:mod:`crpnbench.raw`), ready for :mod:`crpnbench.scoring` or the official toolkits.

* **Resumable**: a sequence whose result and time files already hold one line per frame is skipped
  (unless ``force``); every file is written atomically, so an interrupted run loses at most the
  sequences in flight.
* **Parallel**: ``workers > 1`` runs sequences in that many processes (spawn context); each process
  builds its own tracker. Every sequence gets a freshly built tracker, in one process or many, so
  the files do not depend on ``workers``. ``ray_address`` runs the sequences as Ray tasks instead
  (:mod:`crpnbench.distributed`; the driver writes the files, so resume works the same).
* **Speed**: per sequence, seconds inside the tracker only and seconds of the whole per-frame loop;
  kept in ``fps.csv`` beside the result files (merged across resumed runs) and summed per dataset in
  ``speed.json`` and the returned summary.
* Frames are decoded ahead of the tracker by :class:`crpnbench.prefetch.FramePrefetcher`.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import multiprocessing
import os
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from crpnbench.data.benchmark import Benchmark
from crpnbench.data.sequence import Sequence
from crpnbench.errors import ConfigError, DataError
from crpnbench.protocols import Protocol, default_protocol, make_protocol
from crpnbench.raw.write import write_text_atomic
from crpnbench.tracking.base import Tracker

#: columns of ``fps.csv``
FPS_COLUMNS = ("sequence", "frames", "tracker_frames", "tracker_seconds", "loop_seconds", "tracker_fps", "loop_fps", "failures")


# ------------------------------------------------------------------------------ trackers
@dataclass(frozen=True)
class TrackerSpec:
    """How to build one tracker in any process, and the folder its results go to.

    Either ``spec`` (a name for :func:`crpnbench.tracking.registry.build_tracker`: ``csrt``,
    ``crpn``, ``plugins/my.py:MyTracker``..., or a :class:`~crpnbench.models.config.CRPNConfig`
    object as the ablation passes) or ``factory`` (a picklable callable returning a
    :class:`Tracker`, for library use and tests).
    """

    name: str
    spec: Any = None
    factory: Callable[[], Tracker] | None = None

    def build(self, device: str = "cpu", checkpoint: str | Path | None = None, untrained: bool = False) -> Tracker:
        if self.factory is not None:
            return self.factory()
        if not isinstance(self.spec, str):
            return build_crpn_from_config(self.spec, device, checkpoint, untrained)
        from crpnbench.tracking.registry import build_tracker

        return build_tracker(self.spec, device=device, checkpoint=checkpoint, untrained=untrained)


def build_crpn_from_config(config, device: str = "cpu", checkpoint=None, untrained: bool = False) -> Tracker:
    """A C-RPN tracker from a :class:`~crpnbench.models.config.CRPNConfig` object.

    Weights come from ``checkpoint`` or ``config.checkpoint_path``; ``untrained`` keeps the seeded
    random initialisation.
    """
    from crpnbench.models.checkpoint import load_model_weights
    from crpnbench.tracking.crpn_tracker import CRPNTracker, build_model

    model = build_model(config)
    if not untrained:
        path = Path(checkpoint) if checkpoint else Path(config.checkpoint_path)
        if not path.is_file():
            raise ConfigError(f"tracker {config.name!r} has no trained checkpoint at {path}; "
                              f"train it first or pass --untrained")
        load_model_weights(model, path, map_location="cpu")
    return CRPNTracker(model, config, device)


def folder_name(spec: str) -> str:
    """Result folder of a registry spec.

    A config name is its own folder (``csrt``, ``crpn-small``); a ``.toml`` path gives its ``name``
    (else the file stem); a plug-in ``file.py:Class`` gives the class's ``name`` attribute, else the
    class name (the plug-in loader's rule).
    """
    from crpnbench.tracking.plugin import is_plugin_spec

    if spec.endswith(".toml"):
        from crpnbench.tracking.registry import read_tracker_config

        return str(read_tracker_config(spec).get("name") or Path(spec).stem)
    if is_plugin_spec(spec):
        from crpnbench.tracking.plugin import load_plugin_class, plugin_name

        return plugin_name(load_plugin_class(spec))
    return spec


def result_folder(spec: TrackerSpec, untrained: bool = False) -> str:
    """The results folder of a tracker run: its name, with ``-untrained`` for C-RPN random weights.

    Keeping untrained runs apart means a smoke run never resumes from (or overwrites) the trained
    tracker's raw results, and scores never mix the two.
    """
    if untrained and _is_crpn(spec):
        return f"{spec.name}-untrained"
    return spec.name


def checkpoint_description(spec: TrackerSpec, checkpoint=None, untrained: bool = False) -> str | None:
    """``"<checkpoint>: <what it is>"`` for a trained C-RPN spec, None for other trackers and untrained runs.

    A missing checkpoint is left to the tracker build, which reports it as the run's error.
    """
    target = spec.spec if spec.spec is not None else getattr(spec.factory, "spec", None)  # fast-path factories
    if untrained or target is None or not _is_crpn(TrackerSpec(spec.name, spec=target)):
        return None
    from crpnbench.models.checkpoint import describe_checkpoint, load_checkpoint

    if checkpoint is None:
        if isinstance(target, str):
            from crpnbench.models.config import CRPNConfig
            from crpnbench.tracking.registry import resolve_tracker_config

            target = CRPNConfig.from_toml(resolve_tracker_config(target))
        checkpoint = target.checkpoint_path
    if not Path(checkpoint).is_file():
        return None
    return f"{checkpoint}: {describe_checkpoint(load_checkpoint(checkpoint))}"


def _is_crpn(spec: TrackerSpec) -> bool:
    target = spec.spec
    if target is None:
        return False
    if not isinstance(target, str):
        return hasattr(target, "checkpoint_path")  # a CRPNConfig
    from crpnbench.tracking.plugin import is_plugin_spec
    from crpnbench.tracking.registry import read_tracker_config, resolve_tracker_config

    if is_plugin_spec(target):
        return False
    return read_tracker_config(resolve_tracker_config(target)).get("type") == "crpn"


def as_tracker_spec(item) -> TrackerSpec:
    """A :class:`TrackerSpec` from a registry name, a Tracker class, or a ``(name, factory)`` pair."""
    if isinstance(item, TrackerSpec):
        return item
    if isinstance(item, str):
        return TrackerSpec(folder_name(item), spec=item)
    if isinstance(item, tuple) and len(item) == 2:
        return TrackerSpec(str(item[0]), factory=item[1])
    if hasattr(item, "checkpoint_path") and hasattr(item, "name"):  # a CRPNConfig
        return TrackerSpec(str(item.name), spec=item)
    if isinstance(item, type):
        name = getattr(item, "name", None)
        return TrackerSpec(name if name and name != "tracker" else item.__name__, factory=item)
    raise ConfigError(f"cannot use {item!r} as a tracker (give a name, a Tracker class or (name, factory))")


# ------------------------------------------------------------------------------ one sequence
def truncate_sequence(sequence: Sequence, max_frames: int | None) -> Sequence:
    """The first ``max_frames`` frames of ``sequence`` (smoke runs); the sequence itself when None."""
    if max_frames is None or max_frames >= len(sequence):
        return sequence
    if max_frames < 2:
        raise ConfigError("--max-frames must be at least 2")
    n = max_frames
    return Sequence(
        name=sequence.name,
        frame_paths=sequence.frame_paths[:n],
        boxes=sequence.boxes[:n],
        polygons=None if sequence.polygons is None else sequence.polygons[:n],
        absent=sequence.absent[:n],
        attributes=sequence.attributes,
        frame_tags={k: v[:n] for k, v in sequence.frame_tags.items()},
        start_frame=sequence.start_frame,
        image_size=sequence.image_size,
    )


@dataclass
class SequenceTask:
    """Everything a (possibly separate) process needs to run one tracker on one sequence."""

    tracker: TrackerSpec
    protocol: Protocol
    sequence: Sequence
    tracker_dir: Path
    layout: str
    device: str = "cpu"
    checkpoint: str | Path | None = None
    untrained: bool = False


def fps_row(result) -> dict:
    """The ``fps.csv`` row of a :class:`~crpnbench.protocols.SequenceResult`."""
    return {
        "sequence": result.sequence,
        "frames": result.frames,
        "tracker_frames": result.tracker_frames,
        "tracker_seconds": result.tracker_seconds,
        "loop_seconds": result.loop_seconds,
        "tracker_fps": result.tracker_fps,
        "loop_fps": result.loop_fps,
        "failures": result.failures,
    }


def build_task_tracker(task: SequenceTask) -> Tracker:
    """The tracker a task runs, built in the calling process."""
    return task.tracker.build(task.device, task.checkpoint, task.untrained)


def run_sequence(task: SequenceTask, tracker: Tracker | None = None) -> dict:
    """Run the protocol and write the files; returns the sequence's ``fps.csv`` row.

    ``tracker`` reuses a tracker already built for an earlier sequence of the same run (``init``
    resets a tracker's state: the Tracker contract); without one, a tracker is built here.
    """
    if tracker is None:
        tracker = build_task_tracker(task)
    result = task.protocol.run(tracker, task.sequence)
    task.protocol.write(result, task.tracker_dir, task.layout)
    return fps_row(result)


def _run_sequence_reporting_errors(task: SequenceTask) -> tuple[dict | None, str | None]:
    """:func:`run_sequence` for a worker process: a sequence's data errors come back as text."""
    try:
        return run_sequence(task), None
    except DataError as error:
        return None, str(error)


# ------------------------------------------------------------------------------ speed files
def read_fps_csv(path: Path) -> dict[str, dict]:
    """Rows of an ``fps.csv`` by sequence name (empty when the file does not exist)."""
    if not path.is_file():
        return {}
    rows = {}
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            name = row.pop("sequence")
            rows[name] = {"sequence": name, **{k: float(v) for k, v in row.items() if v not in ("", None)}}
    return rows


def write_fps_csv(path: Path, rows: Iterable[dict]) -> Path:
    """Write per-sequence speed rows (atomically)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FPS_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in row.items()})
    return write_text_atomic(path, buffer.getvalue())


def dataset_speed(rows: Iterable[dict]) -> dict:
    """Dataset-level speed from per-sequence rows: total frames over total seconds.

    ``tracker_fps`` counts only time inside the tracker (frames it was called on);
    ``loop_fps`` the whole loop (decode waits, overlap checks, file-free) over every frame.
    """
    rows = list(rows)
    frames = sum(r["frames"] for r in rows)
    tracker_frames = sum(r["tracker_frames"] for r in rows)
    tracker_seconds = sum(r["tracker_seconds"] for r in rows)
    loop_seconds = sum(r["loop_seconds"] for r in rows)
    return {
        "sequences": len(rows),
        "frames": int(frames),
        "tracker_frames": int(tracker_frames),
        "tracker_seconds": tracker_seconds,
        "loop_seconds": loop_seconds,
        "tracker_fps": tracker_frames / tracker_seconds if tracker_seconds > 0 else None,
        "loop_fps": frames / loop_seconds if loop_seconds > 0 else None,
    }


# ------------------------------------------------------------------------------ the runner
@dataclass
class TrackerRun:
    """What happened to one tracker: which sequences ran, were skipped (already complete) or failed."""

    tracker: str
    results_dir: Path
    evaluated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    speed: dict = field(default_factory=dict)
    submission: Path | None = None
    #: C-RPN only: which checkpoint ran and what it is (:func:`crpnbench.models.checkpoint.describe_checkpoint`)
    weights: str | None = None

    def to_dict(self) -> dict:
        out = asdict(self)
        out["results_dir"] = str(self.results_dir)
        out["submission"] = None if self.submission is None else str(self.submission)
        return out


@dataclass
class EvaluationSummary:
    """The result of :func:`evaluate`: one :class:`TrackerRun` per tracker."""

    dataset: str
    protocol: str
    results_dir: Path
    sequences: list[str]
    missing: list[str]
    runs: list[TrackerRun]

    @property
    def failed(self) -> dict[str, dict[str, str]]:
        return {run.tracker: run.failed for run in self.runs if run.failed}

    def to_dict(self) -> dict:
        return {
            "dataset": self.dataset,
            "protocol": self.protocol,
            "results_dir": str(self.results_dir),
            "sequences": self.sequences,
            "missing": self.missing,
            "runs": [run.to_dict() for run in self.runs],
        }


class BenchmarkSubset(Benchmark):
    """The sequences of another benchmark an evaluation ran on, cut to ``max_frames``.

    Scoring a ``--sequences``/``--max-frames`` run against this view scores exactly what was run
    (the scorer iterates every present sequence of the benchmark it is given).
    """

    def __init__(self, benchmark: Benchmark, names: Iterable[str], max_frames: int | None = None):
        super().__init__()
        self.inner, self.max_frames = benchmark, max_frames
        self.name = benchmark.name
        self.result_layout = benchmark.result_layout
        self.root, self.annotations = benchmark.root, benchmark.annotations
        self._names = list(names)

    def list_sequences(self) -> list[str]:
        return list(self._names)

    def load_sequence(self, name: str) -> Sequence:
        return truncate_sequence(self.inner[name], self.max_frames)


def select_sequences(benchmark: Benchmark, sequences: Iterable[str] | None) -> tuple[list[str], list[str]]:
    """``(present, missing)`` names: all of the benchmark's, or the requested ones in the order given."""
    if sequences is None:
        return benchmark.names, benchmark.missing
    requested = list(dict.fromkeys(sequences))
    unknown = [s for s in requested if s not in benchmark.listed]
    if unknown:
        raise ConfigError(f"{benchmark.name} has no sequence named {', '.join(map(repr, unknown))}")
    present = [s for s in requested if benchmark.is_present(s)]
    return present, [s for s in requested if s not in present]


def result_layout(benchmark: Benchmark, protocol: Protocol) -> str:
    """``vot`` for the VOT experiments; else the benchmark's OPE layout (``otb`` or ``got10k``)."""
    if protocol.name in ("baseline", "realtime"):
        return "vot"
    layout = getattr(benchmark, "result_layout", "otb")
    return layout if layout in ("otb", "got10k") else "otb"


def evaluate(
    benchmark: Benchmark,
    tracker_specs: Iterable,
    protocol: str | Protocol | None = None,
    results_root: str | Path = "results",
    workers: int = 1,
    force: bool = False,
    device: str = "cpu",
    checkpoint: str | Path | None = None,
    untrained: bool = False,
    progress: bool = True,
    sequences: Iterable[str] | None = None,
    max_frames: int | None = None,
    dataset_name: str | None = None,
    submission: bool | None = None,
    ray_address: str | None = None,
) -> EvaluationSummary:
    """Run every tracker over every present sequence of ``benchmark`` and write raw results.

    Args:
        benchmark: an opened benchmark (:func:`crpnbench.data.open_benchmark`).
        tracker_specs: registry names (``"csrt"``), Tracker classes, ``(name, factory)`` pairs or
            :class:`TrackerSpec`.
        protocol: ``"ope"``, ``"baseline"``, ``"realtime"`` or a :class:`Protocol` instance;
            None: the dataset's default (``baseline`` for VOT, else ``ope``).
        results_root: raw results go to ``<results_root>/raw/<dataset>/<tracker>/``.
        workers: sequences run in this many processes (1: in this process).
        force: re-run sequences whose results are already complete.
        device, checkpoint, untrained: passed to the tracker registry.
        progress: show a tqdm bar per tracker.
        sequences: only these sequence names (in this order); unknown names are a ConfigError.
        max_frames: only the first N frames of each sequence (smoke runs).
        dataset_name: folder name under ``raw/`` (default ``benchmark.name``).
        submission: write the TrackingNet submission zip (default: for the ``trackingnet`` TEST set).
        ray_address: run the sequences as Ray tasks instead (``"local"``, ``"auto"``,
            ``"ray://host:port"``; see :mod:`crpnbench.distributed`); None: this machine's processes.

    Returns an :class:`EvaluationSummary`. A sequence whose data is bad (:class:`DataError`, e.g. a
    corrupt frame) is recorded in ``TrackerRun.failed`` and the run goes on with the next one; a
    tracker that cannot be built or misbehaves (:class:`ConfigError`) stops the run, as does
    KeyboardInterrupt; finished sequences are kept either way.
    """
    if workers < 1:
        raise ConfigError("--workers must be at least 1")
    if ray_address is not None and workers > 1:
        raise ConfigError("--workers and --ray are two ways to run in parallel: give one of them")
    dataset = dataset_name or benchmark.name
    if not dataset:
        raise ConfigError("the benchmark has no name; pass dataset_name")
    if protocol is None:
        protocol = default_protocol(dataset)
    protocol = make_protocol(protocol) if isinstance(protocol, str) else protocol
    specs = [as_tracker_spec(item) for item in tracker_specs]
    if not specs:
        raise ConfigError("no tracker given (--tracker NAME)")
    names = [s.name for s in specs]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ConfigError(f"two trackers would write to the same folder: {', '.join(duplicated)}")

    present, missing = select_sequences(benchmark, sequences)
    if not present:
        where = benchmark.annotations or benchmark.root
        raise ConfigError(f"no {dataset} sequence found under {where}" + (f" (missing: {', '.join(missing[:5])})" if missing else ""))
    layout = result_layout(benchmark, protocol)
    results_dir = Path(results_root) / "raw" / dataset
    if submission is None:
        submission = dataset == "trackingnet" and protocol.name == "ope"

    loaded, unreadable = {}, {}
    for name in present:
        try:
            loaded[name] = truncate_sequence(benchmark[name], max_frames)
        except DataError as error:  # a broken annotation fails that sequence only
            unreadable[name] = str(error)
    runs = []
    if ray_address is not None:
        from crpnbench.distributed import ray_session

        session = ray_session(ray_address)
    else:
        session = contextlib.nullcontext()
    with session:
        for spec in specs:
            name = result_folder(spec, untrained)
            run = TrackerRun(name, results_dir / name, failed=dict(unreadable),
                             weights=checkpoint_description(spec, checkpoint, untrained))
            _run_tracker(run, spec, protocol, loaded, layout, workers, force, device, checkpoint, untrained, progress,
                         ray_address)
            if submission and not run.failed:
                from crpnbench.submission import write_trackingnet_zip

                run.submission = write_trackingnet_zip(run.results_dir, present, results_dir / f"{spec.name}.zip")
            runs.append(run)
    return EvaluationSummary(dataset, protocol.name, results_dir, present, missing, runs)


def _run_tracker(run, spec, protocol, loaded, layout, workers, force, device, checkpoint, untrained, progress,
                 ray_address=None) -> None:
    fps_path = protocol.fps_path(run.results_dir)
    rows = read_fps_csv(fps_path)
    todo = []
    for name, sequence in loaded.items():
        if not force and protocol.is_complete(run.results_dir, sequence, layout):
            run.skipped.append(name)
        else:
            todo.append(SequenceTask(spec, protocol, sequence, run.results_dir, layout, device, checkpoint, untrained))

    bar = _progress_bar(len(loaded), initial=len(run.skipped), desc=f"{spec.name}", enabled=progress)

    def finished(row: dict | None, error: str | None, name: str) -> None:
        if error is not None:
            run.failed[name] = error
        else:
            run.evaluated.append(name)
            rows[name] = row
            write_fps_csv(fps_path, [rows[n] for n in _ordered(rows, loaded)])
            bar.set_postfix_str(f"{name} {row['tracker_fps']:.1f} fps (tracker) {row['loop_fps']:.1f} fps (loop)")
        bar.update(1)

    try:
        if ray_address is not None:
            from crpnbench.distributed import run_in_ray

            run_in_ray(todo, finished)
        elif workers == 1 or len(todo) <= 1:
            tracker = build_task_tracker(todo[0]) if todo else None  # built once: 15-50 ms per C-RPN build
            for task in todo:
                try:
                    finished(run_sequence(task, tracker), None, task.sequence.name)
                except DataError as error:
                    finished(None, str(error), task.sequence.name)
        else:
            _run_in_processes(todo, workers, finished)
    finally:
        bar.close()
        known = [rows[n] for n in loaded if n in rows]
        run.speed = dataset_speed(known)
        if known:
            write_text_atomic(protocol.fps_path(run.results_dir).with_name("speed.json"), json.dumps(run.speed, indent=2) + "\n")


def _ordered(rows: dict, loaded: dict) -> list[str]:
    """Benchmark order for this run's sequences, then any other sequences an earlier run recorded."""
    return [n for n in loaded if n in rows] + sorted(n for n in rows if n not in loaded)


def _share_cores(threads: int) -> None:
    """Worker-process initializer: split the machine's cores between the workers.

    Sets ``OMP_NUM_THREADS``/``MKL_NUM_THREADS`` (read by torch when it is first imported here)
    unless the user set them, and OpenCV's thread count.
    """
    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, str(threads))
    import cv2

    cv2.setNumThreads(threads)


def _run_in_processes(todo: list[SequenceTask], workers: int, finished) -> None:
    context = multiprocessing.get_context("spawn")
    processes = min(workers, len(todo))
    threads = max(1, (os.cpu_count() or 1) // processes)
    executor = ProcessPoolExecutor(max_workers=processes, mp_context=context,
                                   initializer=_share_cores, initargs=(threads,))
    try:
        pending = {executor.submit(_run_sequence_reporting_errors, task): task.sequence.name for task in todo}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                name = pending.pop(future)
                row, error = future.result()
                finished(row, error, name)
    except BaseException:
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    executor.shutdown(wait=True)


def _progress_bar(total: int, initial: int, desc: str, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, desc=desc, unit="seq", disable=not enabled, dynamic_ncols=True)


__all__ = [
    "BenchmarkSubset",
    "EvaluationSummary",
    "SequenceTask",
    "TrackerRun",
    "TrackerSpec",
    "as_tracker_spec",
    "dataset_speed",
    "evaluate",
    "read_fps_csv",
    "run_sequence",
    "truncate_sequence",
]
