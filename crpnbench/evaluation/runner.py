"""Running a set of trackers over a benchmark under one protocol (the library behind ``crpnbench eval``).

    from crpnbench.data import open_benchmark
    from crpnbench.evaluation import evaluate

    summary = evaluate(open_benchmark("otb2015", "datasets/OTB"), ["csrt", "crpn"], "ope", "results")

Raw results go to ``<results_root>/raw/<dataset>/<tracker>/`` in the benchmark's own layout (see
:mod:`crpnbench.raw`), ready for :mod:`crpnbench.scoring` or the official toolkits.

* **Resumable**: a sequence whose result and time files already hold one line per frame is skipped
  (unless ``force``); every file is written atomically, so an interrupted run loses at most the
  sequences in flight.
* **Trackers** are :class:`~crpnbench.tracking.spec.TrackerSpec` objects (names, configs, classes or
  ``(name, factory)`` pairs are turned into specs with the run's device/checkpoint/untrained options).
  The serial runner builds each tracker once per run and re-initialises it per sequence (the
  Tracker contract); worker processes and Ray tasks build one per sequence from the same spec.
* **Parallel**: ``workers > 1`` runs sequences in that many processes (spawn context,
  :mod:`.backends`); ``ray_address`` runs them as Ray tasks (:mod:`.ray_tasks`). Every backend returns
  the sequence's result and this runner alone writes the files, so files, resume and speed
  bookkeeping do not depend on the backend.
* **Speed**: per sequence, seconds inside the tracker only and seconds of the whole per-frame loop;
  kept in ``fps.csv`` beside the result files (merged across resumed runs) and summed per dataset in
  ``speed.json`` and the returned summary.
* Frames are decoded ahead of the tracker by :class:`crpnbench.data.prefetch.FramePrefetcher`.
* Speed bookkeeping: :mod:`.speed`; sequence views (``--sequences``, ``--max-frames``):
  :mod:`crpnbench.data.views`.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from crpnbench.data.benchmark import Benchmark
from crpnbench.data.catalog import benchmark_info
from crpnbench.data.views import select_sequences, truncate_sequence
from crpnbench.errors import ConfigError, DataError
from crpnbench.evaluation.backends import SequenceTask, run_in_processes, run_task
from crpnbench.evaluation.speed import dataset_speed, fps_row, read_fps_csv, write_fps_csv
from crpnbench.protocols import Protocol, default_protocol, make_protocol
from crpnbench.raw.layout import SPEED_FILE
from crpnbench.atomic import write_text_atomic
from crpnbench.tracking.spec import TrackerSpec


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
    fast: str | None = None,
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
        device, checkpoint, untrained, fast: build options of the trackers given by name, config or class
            (:meth:`TrackerSpec.of`); a :class:`TrackerSpec` keeps its own.
        progress: show a tqdm bar per tracker.
        sequences: only these sequence names (in this order); unknown names are a ConfigError.
        max_frames: only the first N frames of each sequence (smoke runs).
        dataset_name: folder name under ``raw/`` (default ``benchmark.name``).
        submission: write the TrackingNet submission zip (default: for the ``trackingnet`` TEST set).
        ray_address: run the sequences as Ray tasks instead (``"local"``, ``"auto"``,
            ``"ray://host:port"``; see :mod:`crpnbench.evaluation.ray_tasks`); None: this machine's processes.

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
    specs = [TrackerSpec.of(item, device=device, checkpoint=checkpoint, untrained=untrained, fast=fast)
             for item in tracker_specs]
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
        submission = benchmark_info(dataset).submission == "trackingnet-zip" and protocol.name == "ope"

    loaded, unreadable = {}, {}
    for name in present:
        try:
            loaded[name] = truncate_sequence(benchmark[name], max_frames)
        except DataError as error:  # a broken annotation fails that sequence only
            unreadable[name] = str(error)
    runs = []
    if ray_address is not None:
        from crpnbench.evaluation.ray_tasks import ray_session

        session = ray_session(ray_address)
    else:
        session = contextlib.nullcontext()
    with session:
        for spec in specs:
            run = TrackerRun(spec.folder, results_dir / spec.folder, failed=dict(unreadable),
                             weights=spec.describe_weights())
            _run_tracker(run, spec, protocol, loaded, layout, workers, force, progress,
                         ray_address)
            if submission and not run.failed:
                from crpnbench.submission import write_trackingnet_zip

                run.submission = write_trackingnet_zip(run.results_dir, present, results_dir / f"{spec.name}.zip")
            runs.append(run)
    return EvaluationSummary(dataset, protocol.name, results_dir, present, missing, runs)


def _run_tracker(run, spec, protocol, loaded, layout, workers, force, progress,
                 ray_address=None) -> None:
    fps_path = protocol.fps_path(run.results_dir)
    rows = read_fps_csv(fps_path)
    todo = []
    for name, sequence in loaded.items():
        if not force and protocol.is_complete(run.results_dir, sequence, layout):
            run.skipped.append(name)
        else:
            todo.append(SequenceTask(spec, protocol, sequence))

    bar = _progress_bar(len(loaded), initial=len(run.skipped), desc=f"{spec.name}", enabled=progress)

    def finished(result, error: str | None, name: str) -> None:
        """Every backend's callback: write the sequence's files (the runner is the only writer)."""
        if error is not None:
            run.failed[name] = error
        else:
            protocol.write(result, run.results_dir, layout)
            run.evaluated.append(name)
            rows[name] = row = fps_row(result)
            write_fps_csv(fps_path, [rows[n] for n in _ordered(rows, loaded)])
            bar.set_postfix_str(f"{name} {row['tracker_fps']:.1f} fps (tracker) {row['loop_fps']:.1f} fps (loop)")
        bar.update(1)

    try:
        if ray_address is not None:
            from crpnbench.evaluation.ray_tasks import run_in_ray

            run_in_ray(todo, finished)
        elif workers == 1 or len(todo) <= 1:
            tracker = spec.build() if todo else None  # built once: 15-230 ms per C-RPN build
            for task in todo:
                try:
                    finished(run_task(task, tracker), None, task.sequence.name)
                except DataError as error:
                    finished(None, str(error), task.sequence.name)
        else:
            run_in_processes(todo, workers, finished)
    finally:
        bar.close()
        known = [rows[n] for n in loaded if n in rows]
        run.speed = dataset_speed(known)
        if known:
            write_text_atomic(protocol.fps_path(run.results_dir).with_name(SPEED_FILE), json.dumps(run.speed, indent=2) + "\n")


def _ordered(rows: dict, loaded: dict) -> list[str]:
    """Benchmark order for this run's sequences, then any other sequences an earlier run recorded."""
    return [n for n in loaded if n in rows] + sorted(n for n in rows if n not in loaded)


def _progress_bar(total: int, initial: int, desc: str, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, desc=desc, unit="seq", disable=not enabled, dynamic_ncols=True)


__all__ = ["EvaluationSummary", "TrackerRun", "evaluate", "result_layout"]
