"""Running a set of trackers over a benchmark under one protocol (the library behind ``crpnbench eval``).

    from crpnbench.data import open_benchmark
    from crpnbench.evaluation import evaluate

    summary = evaluate(open_benchmark("otb2015", "datasets/OTB"), ["csrt", "crpn"], "ope", "results")

Raw results go to ``<results_root>/raw/<dataset>/<tracker>/`` in the benchmark's own layout (see
:mod:`crpnbench.raw`), ready for :mod:`crpnbench.scoring` or the official toolkits.

* **Resumable**: a sequence whose result and time files already hold one line per frame, and whose
  speed record says this tracker identity wrote them, is skipped (unless ``force``); every file is
  written atomically, so an interrupted run loses at most the sequences in flight. Results of another
  identity (:mod:`.provenance`) or longer than this run's (``--max-frames``) stop the run instead.
* **Misbehaving trackers**: an exception in a tracker or a box that is not 4 finite numbers fails
  that sequence (:class:`~crpnbench.tracking.base.TrackerFailure`, in ``TrackerRun.failed``); the
  others run.
* **Trackers** are :class:`~crpnbench.tracking.spec.TrackerSpec` objects (names, configs, classes or
  ``(name, factory)`` pairs are turned into specs with the run's device/checkpoint/untrained options).
  The serial runner builds each tracker once per run and re-initialises it per sequence (the
  Tracker contract); worker processes and Ray tasks build one per sequence from the same spec.
* **Parallel**: ``workers > 1`` runs sequences in that many processes (spawn context,
  :mod:`.backends`); ``ray_address`` runs them as Ray tasks (:mod:`.ray_tasks`). Every backend returns
  the sequence's result and this runner alone writes the files, so files, resume and speed
  bookkeeping do not depend on the backend.
* **Batched** (``batch_sequences > 1``, C-RPN): sequences run lock-step, one forward pass per frame
  for the whole batch (:mod:`.batched`); with ``workers``/``ray_address`` each process/task runs a batch.
* **Speed**: per sequence, seconds inside the tracker only and seconds of the whole per-frame loop;
  kept in ``fps.csv`` beside the result files (merged across resumed runs) and summed per dataset in
  ``speed.json`` and the returned summary.
* Frames are decoded ahead of the tracker by :class:`crpnbench.data.prefetch.FramePrefetcher`.
* Speed bookkeeping: :mod:`.speed`; sequence views (``--sequences``, ``--max-frames``):
  :mod:`crpnbench.data.views`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from crpnbench.data.benchmark import Benchmark
from crpnbench.data.catalog import benchmark_info
from crpnbench.data.views import requested_sequences, select_sequences, truncate_sequence
from crpnbench.errors import ConfigError, DataError
from crpnbench.evaluation.backends import SEQUENCE_ERRORS, SequenceTask, run_in_processes, run_task
from crpnbench.evaluation.provenance import (
    describe_change,
    identity_digest,
    read_provenance,
    record_provenance,
    run_identity,
    same_identity,
)
from crpnbench.evaluation.speed import (
    dataset_speed,
    fps_row,
    read_fps_csv,
    read_record,
    rebuild_speed_files,
    row_from_times,
    write_record,
)
from crpnbench.protocols import Protocol, count_lines, default_protocol, make_protocol
from crpnbench.raw.layout import SPEED_FILE, existing_time_file
from crpnbench.tracking.base import TrackerFailure
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
    if protocol.name in ("baseline", "realtime", "unsupervised"):
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
    batch_sequences: int = 1,
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
        batch_sequences: C-RPN trackers track this many sequences lock-step through one forward pass
            per frame (:mod:`crpnbench.evaluation.batched`; each worker process or Ray task runs such a
            batch); 1: one sequence at a time. Other trackers run one sequence at a time either way.

    Returns an :class:`EvaluationSummary`. A sequence whose data is bad (:class:`DataError`, e.g. a
    corrupt or truncated frame) or whose tracker raised or returned a bad box (:class:`TrackerFailure`)
    is recorded in ``TrackerRun.failed`` and the run goes on with the next one; a tracker that cannot
    be configured (:class:`ConfigError`) stops the run, as does KeyboardInterrupt; finished sequences
    are kept either way.
    """
    if workers < 1:
        raise ConfigError("--workers must be at least 1")
    if batch_sequences < 1:
        raise ConfigError("--batch-sequences must be at least 1")
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
        submission = benchmark_info(dataset).submission is not None and protocol.name == "ope"

    loaded, unreadable = {}, {}
    for name in present:
        try:
            loaded[name] = truncate_sequence(benchmark[name], max_frames)
        except DataError as error:  # a broken annotation fails that sequence only
            unreadable[name] = str(error)
    if benchmark.annotations is not None:
        # an annotation file lists every sequence; those without frames on disk are missing (as with
        # a data root), not failures
        absent = [n for n, s in loaded.items() if len(s) and not Path(s.frame_paths[0]).is_file()]
        for name in absent:
            del loaded[name]
        if absent:
            present = [n for n in present if n not in absent]
            missing = [n for n in requested_or_listed(benchmark, sequences)
                       if n in set(missing) | set(absent)]
        if not present:
            frame = benchmark[absent[0]].frame_paths[0] if absent else None
            raise ConfigError(f"no {dataset} sequence has its frames on disk (first missing: {frame}); "
                              "--data-root names the folder the annotation file's frame paths resolve against")
    runs = []
    if ray_address is not None:
        from crpnbench.evaluation.ray_tasks import import_ray, ray_session

        import_ray()  # a missing Ray is reported before any folder is made
        session = ray_session(ray_address)
    else:
        session = contextlib.nullcontext()
    # every tracker's folder is checked before anything runs (a refusal costs no tracking time)
    planned = []
    for spec in specs:
        run = TrackerRun(spec.folder, results_dir / spec.folder, failed=dict(unreadable),
                         weights=spec.describe_weights())
        planned.append((spec, run, _plan_tracker(run, spec, protocol, loaded, layout, force, batch_sequences)))
    order = list(benchmark.listed) if hasattr(benchmark, "listed") else list(loaded)
    with session:
        for spec, run, plan in planned:
            _run_tracker(run, spec, protocol, loaded, layout, workers, force, progress,
                         ray_address, plan=plan, order=order, batch_sequences=batch_sequences)
            if submission and not run.failed:
                from crpnbench.submission import write_submission

                run.submission = write_submission(benchmark_info(dataset).submission or "trackingnet-zip",
                                                  run.results_dir, present, results_dir / f"{spec.name}.zip")
            runs.append(run)
    return EvaluationSummary(dataset, protocol.name, results_dir, present, missing, runs)


def _plan_tracker(run: TrackerRun, spec: TrackerSpec, protocol: Protocol, loaded: dict, layout: str,
                  force: bool, batch_sequences: int = 1) -> dict:
    """Which of ``loaded`` must run for this tracker, checked against what the folder already holds.

    A sequence is skipped when its result and time files are complete and its speed record says this
    tracker identity produced them (:mod:`.provenance`). Refused with a :class:`ConfigError`, unless
    ``force``: files longer than this run's (a ``--max-frames`` run over complete results) and files
    another identity produced (another config, checkpoint content, plug-in source or protocol option; under
    the real-time protocol also another ``batch_sequences`` for a batched tracker; the same checkpoint at
    another path is not a change). A folder written before
    provenance records existed is adopted as it is.
    """
    fps_file = protocol.fps_path(run.results_dir)
    identity = run_identity(spec, protocol, batch_sequences)
    digest = identity_digest(identity)
    recorded = read_provenance(fps_file)
    legacy_rows = read_fps_csv(fps_file) if recorded is None else {}
    todo, adopt, longer, changed = [], [], [], {}
    for name, sequence in loaded.items():
        expected = len(sequence)
        result_file = protocol.result_path(run.results_dir, name, layout)
        time_file = existing_time_file(protocol.time_path(run.results_dir, name, layout))
        lines = count_lines(result_file)
        if lines is not None and lines > expected and not force:
            longer.append(f"{name} ({lines} frames)")
            continue
        if force or lines != expected or count_lines(time_file) != expected:
            todo.append(name)
            continue
        record = read_record(fps_file, name, time_file)
        if record is not None and record.get("frames") == expected:
            produced_by = record.get("produced_by")
            if produced_by == digest or same_identity((recorded or {}).get(produced_by), identity):
                run.skipped.append(name)
            else:
                changed[name] = record.get("produced_by")
        elif recorded is None:  # written before provenance records: adopt the complete files
            row = legacy_rows.get(name)
            if row is None or row.get("frames") != expected or "loop_seconds" not in row:
                row = row_from_times(name, time_file, _failures(result_file) if layout == "vot" else 0)
            if row is None:
                todo.append(name)
            else:
                adopt.append((row, time_file))
                run.skipped.append(name)
        else:  # interrupted between its result files and its record: redo it
            todo.append(name)
    where = run.results_dir
    if longer:
        frames = sorted({len(loaded[n.split(" (")[0]]) for n in longer})
        raise ConfigError(
            f"{where} holds longer results than this run's {'/'.join(map(str, frames))} frames for "
            f"{_listing(longer)}; a shorter run never overwrites them: pass --force to replace them, or "
            "write this run to another --out")
    if changed:
        old = recorded.get(next(iter(changed.values()))) if recorded else None
        raise ConfigError(
            f"{where} holds results of {_listing(list(changed))} produced by a different {spec.name} "
            f"({describe_change(old, identity)}); resuming would mix them: pass --force to replace them, "
            "or write this run to another --out")
    if todo or adopt or recorded is None:
        record_provenance(fps_file, digest, identity)
    for row, time_file in adopt:
        write_record(fps_file, row, time_file, digest)
    return {"todo": todo, "digest": digest}


def requested_or_listed(benchmark: Benchmark, sequences) -> list[str]:
    """The requested names in order, else every listed name (the order ``missing`` is reported in)."""
    return requested_sequences(benchmark, sequences)


def _listing(names: list[str], shown: int = 3) -> str:
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return f"{len(names)} sequence(s): {', '.join(names[:shown])}{more}"


def _failures(result_file: Path) -> int:
    """VOT failures (lines ``2``) of a result file."""
    try:
        return sum(1 for line in result_file.read_text(encoding="utf-8").splitlines() if line.strip() == "2")
    except OSError:
        return 0


def _run_tracker(run, spec, protocol, loaded, layout, workers, force, progress,
                 ray_address=None, plan=None, order=None, batch_sequences=1) -> None:
    if plan is None:
        plan = _plan_tracker(run, spec, protocol, loaded, layout, force, batch_sequences)
    order = list(loaded) if order is None else order
    fps_file = protocol.fps_path(run.results_dir)
    digest = plan["digest"]
    todo = [SequenceTask(spec, protocol, loaded[name]) for name in plan["todo"]]

    def time_file(name: str) -> Path:
        return existing_time_file(protocol.time_path(run.results_dir, name, layout))

    def rebuild() -> dict:
        return rebuild_speed_files(fps_file, order, time_file, fps_file.with_name(SPEED_FILE))

    rebuild()  # a missing or stale fps.csv/speed.json comes back even when nothing runs
    bar = _progress_bar(len(loaded), initial=len(run.skipped), desc=f"{spec.name}", enabled=progress)

    def finished(result, error: str | None, name: str) -> None:
        """Every backend's callback: write the sequence's files (the runner is the only writer)."""
        if error is not None:
            run.failed[name] = error
        else:
            protocol.write(result, run.results_dir, layout)
            row = fps_row(result)
            write_record(fps_file, row, protocol.time_path(run.results_dir, name, layout), digest)
            run.evaluated.append(name)
            rebuild()
            bar.set_postfix_str(f"{name} {row['tracker_fps']:.1f} fps (tracker) {row['loop_fps']:.1f} fps (loop)")
        bar.update(1)

    try:
        if batch_sequences > 1 and todo:
            from crpnbench.evaluation import batched

            if ray_address is not None:
                batched.run_batched_in_ray(todo, batch_sequences, finished)
            elif workers > 1 and len(todo) > 1:
                batched.run_batched_in_processes(todo, workers, batch_sequences, finished)
            else:
                batched.run_batched(todo, batch_sequences, finished)
        elif ray_address is not None:
            from crpnbench.evaluation.ray_tasks import run_in_ray

            run_in_ray(todo, finished)
        elif workers == 1 or len(todo) <= 1:
            try:
                tracker = spec.build() if todo else None  # built once: 15-230 ms per C-RPN build
            except TrackerFailure as error:  # a plug-in whose constructor raises: each sequence fails
                for task in todo:
                    finished(None, str(error), task.sequence.name)
                todo = []
            for task in todo:
                try:
                    finished(run_task(task, tracker), None, task.sequence.name)
                except SEQUENCE_ERRORS as error:
                    finished(None, str(error), task.sequence.name)
        else:
            run_in_processes(todo, workers, finished)
    finally:
        bar.close()
        rows = rebuild()
        run.speed = dataset_speed(rows[n] for n in loaded if n in rows)


def _progress_bar(total: int, initial: int, desc: str, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, desc=desc, unit="seq", disable=None if enabled else True, dynamic_ncols=True)


__all__ = ["EvaluationSummary", "TrackerRun", "evaluate", "result_layout"]
