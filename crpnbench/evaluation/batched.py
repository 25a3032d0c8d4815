"""Running many sequences lock-step through one C-RPN network (``crpnbench eval --batch-sequences N``).

Each sequence runs its protocol's own ``run`` (OPE, VOT baseline, VOT real-time: the protocol code is
not duplicated) in a thread of its own, against a proxy tracker whose ``init``/``update`` hand the
frame to a coordinator and wait. The coordinator (the calling thread) runs a step as soon as every
live sequence is waiting on its tracker: the re-initialisations one by one (the tracker's own
``init``, template kernels cached per sequence), then one batched forward pass over every waiting
``update`` (:class:`~crpnbench.tracking.batched.BatchedCRPN`). A sequence that ends leaves the batch
and the next pending sequence joins in its slot; a VOT failure simply means the sequence's next call
is an ``init`` (its four skipped frames pass without a call). Frames are decoded ahead for every
live sequence by one shared thread pool (:class:`PooledFrames`); crops, forward pass and
post-processing run in the coordinator.

**Times** (``<seq>_time.txt``, ``fps.csv``): an ``init`` counts its own seconds (batch 1); an
``update`` its share of the step's batched work (crops + forward pass + post-processing of the whole
step divided by the sequences in it), so the per-sequence seconds add up to the batch's tracking time and
``speed.json``'s aggregate frames/s is the batched throughput. **Real-time protocol**: the frames a
sequence sees are decided by its latency, so an update there counts the WHOLE step's batched work
(its box exists only when the whole batch is done): never less than what the frame
really waited. A batch therefore gives a real-time sequence fewer frames than a one-sequence run on
the same machine would; for the standalone real-time figure use ``--batch-sequences 1``. The batch
size is thus part of a real-time folder's provenance (:func:`~crpnbench.evaluation.provenance.run_identity`):
resuming it with another batch size is refused like any other change; OPE and the other VOT experiments
write the same files whatever the batch size, and their folders stay interchangeable.

**Repetitions** (``--repetitions``, files ``_00N``): every task of one run has the same repetition; each
sequence's protocol calls ``set_repetition(n)`` on its proxy tracker, which passes it on to that
sequence's tracker view (a tracker without the hook is not told, as in the one-sequence path).

Results come back to the runner's ``finished(result, error, name)`` callback in the calling thread,
as each sequence ends (the runner writes the files, as for every backend).
"""

from __future__ import annotations

import collections
import copy
import os
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from crpnbench.errors import ConfigError, DataError
from crpnbench.evaluation.backends import SEQUENCE_ERRORS, SequenceTask, _FrameCounter, run_task
from crpnbench.tracking.base import GuardedTracker, TrackerFailure

#: frames decoded ahead per live sequence
DECODE_AHEAD = 4


class PooledFrames:
    """``(index, frame)`` of a sequence, decoded ahead by a shared :class:`ThreadPoolExecutor`.

    Keeps ``depth`` decodes in flight; a decode error reaches the consumer as a :class:`DataError`
    naming the frame (as with :class:`crpnbench.data.prefetch.FramePrefetcher`); closing early
    cancels what is queued.
    """

    def __init__(self, paths, pool: ThreadPoolExecutor, depth: int = DECODE_AHEAD, reader=None):
        if reader is None:
            from crpnbench.data.sequence import read_image

            reader = read_image
        self.paths, self.pool, self.depth, self.reader = list(paths), pool, max(1, depth), reader
        self._pending: collections.deque = collections.deque()
        self._next = 0

    def _fill(self) -> None:
        while len(self._pending) < self.depth and self._next < len(self.paths):
            self._pending.append((self._next, self.pool.submit(self.reader, self.paths[self._next])))
            self._next += 1

    def __enter__(self):
        self._fill()
        return self

    def __exit__(self, *exc_info):
        self.close()

    def __iter__(self):
        try:
            self._fill()
            while self._pending:
                index, future = self._pending.popleft()
                self._fill()
                try:
                    image = future.result()
                except DataError:
                    raise
                except Exception as error:  # noqa: BLE001 - as the prefetcher words it
                    raise DataError(f"frame {index + 1} could not be read: {error}", path=self.paths[index]) from None
                yield index, image
        finally:
            self.close()

    def close(self) -> None:
        while self._pending:
            self._pending.popleft()[1].cancel()


class _Cancelled(BaseException):
    """Raised in a sequence thread when the coordinator stops (Ctrl-C, a failed step)."""


@dataclass
class _Request:
    kind: str                 # "init" | "update"
    frame: object
    box: object = None
    result: object = None
    error: BaseException | None = None
    seconds: float = 0.0      # seconds charged to the call (see the module docstring)
    latency: float = 0.0      # seconds until its box existed (the real-time protocol's time)
    done: bool = False


class _Slot:
    """One live sequence: its thread, its engine state and its pending request."""

    def __init__(self, coordinator: "LockStep", task: SequenceTask):
        self.coordinator, self.task = coordinator, task
        self.state = coordinator.engine.new_state()
        self.request: _Request | None = None
        self.last: _Request | None = None
        self.outcome = None
        self.thread = threading.Thread(target=self._run, name=f"seq-{task.sequence.name}", daemon=True)

    # the proxy tracker the protocol sees -------------------------------------------------------
    def init(self, frame, box):
        return self.coordinator.call(self, _Request("init", frame, box=box))

    def update(self, frame):
        return self.coordinator.call(self, _Request("update", frame))

    def set_repetition(self, repetition: int) -> None:
        """The VOT protocols' repetition hook (``eval --repetitions``, files ``_00N``): passed on to this
        sequence's tracker view when its tracker has ``set_repetition`` (as the one-sequence path does)."""
        hook = getattr(getattr(self.state, "view", None), "set_repetition", None)
        if callable(hook):
            hook(repetition)

    def _run(self) -> None:
        task = self.task
        try:
            result = self.coordinator.run_protocol(task, self)
            self.outcome = (result, None)
        except SEQUENCE_ERRORS as error:
            self.outcome = (None, str(error))
        except _Cancelled:
            self.outcome = (None, "cancelled")
        except BaseException as error:  # noqa: BLE001 - handed to the coordinator, re-raised there
            self.outcome = (None, error)
        finally:
            self.coordinator.leave(self)


class LockStep:
    """Runs :class:`SequenceTask` objects (one tracker spec) ``capacity`` at a time in lock-step.

    Args:
        engine: a :class:`~crpnbench.tracking.batched.BatchedCRPN`.
        capacity: sequences in the batch at most (``--batch-sequences``).
        decode_threads: the shared decode pool's threads (default: the machine's cores, at least 2).
    """

    def __init__(self, engine, capacity: int, decode_threads: int | None = None):
        if capacity < 1:
            raise ConfigError("--batch-sequences must be at least 1")
        self.engine, self.capacity = engine, capacity
        self.decode_threads = decode_threads or max(2, os.cpu_count() or 1)
        self._lock = threading.Condition()
        self._running = 0           # sequence threads executing protocol code (not waiting on a call)
        self._waiting: list[_Slot] = []
        self._ended: list[_Slot] = []
        self._cancelled = False
        self.pool: ThreadPoolExecutor | None = None
        #: decodes one frame path (default :func:`crpnbench.data.sequence.read_image`; benchmarks time it)
        self.reader = None
        #: seconds per phase over the run (crop, forward, post, init) and steps/sizes
        self.profile = {"crop": 0.0, "forward": 0.0, "post": 0.0, "init": 0.0, "steps": 0, "updates": 0}

    # -- called from sequence threads ------------------------------------------------------------
    def run_protocol(self, task: SequenceTask, slot: _Slot):
        """The task's protocol over its sequence, with ``slot`` as the tracker (runner's guard included)."""
        guard = GuardedTracker(slot, task.tracker.name, task.sequence.name)
        protocol = copy.copy(task.protocol)
        protocol.frames = lambda sequence: _FrameCounter(PooledFrames(sequence.frame_paths, self.pool,
                                                                               reader=self.reader), guard)
        realtime = protocol.name == "realtime"

        def timed(call, *args):
            value = call(*args)
            request = slot.last
            return value, request.latency if realtime else request.seconds

        protocol.timed = timed
        return protocol.run(guard, task.sequence)

    def call(self, slot: _Slot, request: _Request):
        with self._lock:
            if self._cancelled:
                raise _Cancelled()
            slot.request = request
            self._waiting.append(slot)
            self._running -= 1
            self._lock.notify_all()
            while not request.done:
                self._lock.wait()
                if self._cancelled and not request.done:
                    raise _Cancelled()
        slot.last = request
        if request.error is not None:
            raise request.error
        return request.result

    def leave(self, slot: _Slot) -> None:
        with self._lock:
            self._running -= 1
            self._ended.append(slot)
            self._lock.notify_all()

    # -- the coordinator ---------------------------------------------------------------------------
    def _start(self, task: SequenceTask, live: list) -> None:
        slot = _Slot(self, task)
        with self._lock:
            self._running += 1
        live.append(slot)
        slot.thread.start()

    def run(self, tasks: list[SequenceTask], finished) -> None:
        """Run ``tasks``; ``finished(result, error, name)`` is called here as each sequence ends."""
        pending = collections.deque(tasks)
        live: list[_Slot] = []
        self.pool = ThreadPoolExecutor(self.decode_threads, thread_name_prefix="decode")
        try:
            while pending or live:
                while pending and len(live) < self.capacity:
                    self._start(pending.popleft(), live)
                with self._lock:
                    while self._running > 0 or (not self._waiting and not self._ended):
                        self._lock.wait()
                    ended, self._ended = self._ended, []
                    waiting, self._waiting = self._waiting, []
                for slot in ended:
                    live.remove(slot)
                    slot.thread.join()
                    result, error = slot.outcome
                    if isinstance(error, BaseException):
                        raise error
                    finished(result, error, slot.task.sequence.name)
                if waiting:
                    self._step(waiting)
        except BaseException:
            with self._lock:
                self._cancelled = True
                self._lock.notify_all()
            for slot in live:
                slot.thread.join(timeout=5)
            raise
        finally:
            self.pool.shutdown(wait=False, cancel_futures=True)

    def _step(self, waiting: list[_Slot]) -> None:
        engine = self.engine
        for slot in waiting:
            request = slot.request
            if request.kind != "init":
                continue
            try:
                engine.init(slot.state, request.frame, request.box)
            except Exception as error:  # noqa: BLE001 - fails that sequence (the guard words it)
                request.error = error
            request.seconds = request.latency = slot.state.own_seconds
            self.profile["init"] += slot.state.own_seconds
        updates = [s for s in waiting if s.request.kind == "update"]
        if updates:
            try:
                boxes, timing = engine.step([s.state for s in updates], frames=[s.request.frame for s in updates])
            except Exception as error:  # noqa: BLE001 - the whole step failed: every sequence in it fails
                boxes, timing = [error] * len(updates), None
            shared = 0.0 if timing is None else timing.total
            for slot, box in zip(updates, boxes):
                request = slot.request
                if isinstance(box, BaseException):
                    request.error = box
                else:
                    request.result = box
                request.seconds = shared / len(updates)
                request.latency = shared
            if timing is not None:
                self.profile["crop"] += timing.crop
                self.profile["forward"] += timing.forward
                self.profile["post"] += timing.post
                self.profile["steps"] += 1
                self.profile["updates"] += len(updates)
        with self._lock:
            for slot in waiting:
                slot.request.done = True
            self._running += len(waiting)
            self._lock.notify_all()


def run_batched(tasks: list[SequenceTask], capacity: int, finished, tracker=None, crop: str | None = None,
                exact: bool = True) -> dict | None:
    """Run ``tasks`` (one tracker spec) ``capacity`` sequences at a time; returns the phase profile.

    A tracker that is not C-RPN cannot share a forward pass: its sequences run one by one here
    (``run_task``), with the same results as without batching. ``crop``: ``cv2`` or ``torch``
    (default: ``torch`` on CUDA, ``cv2`` on the CPU, where it is as fast and bit-identical).
    """
    from crpnbench.tracking.batched import BatchedCRPN
    from crpnbench.tracking.crpn_tracker import CRPNTracker

    if not tasks:
        return None
    if tracker is None:
        try:
            tracker = tasks[0].tracker.build()
        except TrackerFailure as error:
            for task in tasks:
                finished(None, str(error), task.sequence.name)
            return None
    if not isinstance(tracker, CRPNTracker) or capacity == 1:
        for task in tasks:
            try:
                finished(run_task(task, tracker), None, task.sequence.name)
            except SEQUENCE_ERRORS as error:
                finished(None, str(error), task.sequence.name)
        return None
    if crop is None:
        crop = "torch" if tracker.device.type == "cuda" else "cv2"
    coordinator = LockStep(BatchedCRPN(tracker, crop=crop, exact=exact), capacity)
    coordinator.run(tasks, finished)
    return coordinator.profile


# ------------------------------------------------------------------------------ worker processes
def _batch_worker(tasks: list[SequenceTask], capacity: int, results, threads: int, parent: int) -> None:
    """Body of one worker process: run its share of the tasks in lock-step, reporting each sequence."""
    from crpnbench.evaluation.backends import _share_cores

    _share_cores(threads, parent)
    try:
        run_batched(tasks, capacity, lambda result, error, name: results.put(("done", name, result, error)))
    except ConfigError as error:
        results.put(("config", None, None, str(error)))
    except BaseException as error:  # noqa: BLE001 - re-raised in the driver
        results.put(("error", None, None, f"{type(error).__name__}: {error}"))
    results.put(("exit", None, None, None))


def run_batched_in_processes(todo: list[SequenceTask], workers: int, capacity: int, finished) -> None:
    """``workers`` spawned processes, each running its share of ``todo`` ``capacity`` at a time (cores
    split between them); ``finished(result, error, name)`` is called here as each sequence ends."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    processes = min(workers, max(1, len(todo)))
    threads = max(1, (os.cpu_count() or 1) // processes)
    shares = [todo[i::processes] for i in range(processes)]
    results = context.Queue()
    procs = [context.Process(target=_batch_worker, args=(share, capacity, results, threads, os.getpid()),
                             daemon=True) for share in shares if share]
    for proc in procs:
        proc.start()
    try:
        running = len(procs)
        while running:
            try:
                kind, name, result, error = results.get(timeout=1.0)
            except queue.Empty:
                if not any(p.is_alive() for p in procs) and results.empty():
                    raise RuntimeError("a batched evaluation worker process died") from None
                continue
            if kind == "done":
                finished(result, error, name)
            elif kind == "exit":
                running -= 1
            elif kind == "config":
                raise ConfigError(error)
            else:
                raise RuntimeError(f"batched evaluation worker failed: {error}")
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
            proc.join(timeout=5)


# ------------------------------------------------------------------------------ Ray
def _ray_batch(tasks: list[SequenceTask], capacity: int, working_dir: str | None) -> list:
    """Body of one Ray task: a batch of sequences in lock-step; returns ``[(name, result, error)]``."""
    if working_dir and os.path.isdir(working_dir):
        os.chdir(working_dir)
    out = []
    try:
        run_batched(tasks, capacity, lambda result, error, name: out.append((name, result, error)))
    except ConfigError as error:
        return [(None, None, ConfigError(str(error)))]
    return out


def run_batched_in_ray(todo: list[SequenceTask], capacity: int, finished) -> None:
    """Ray: one task per ``capacity`` sequences (each task one lock-step batch; its results come back
    when the whole batch is done, so an interrupted run redoes at most the batches in flight)."""
    import dataclasses

    from crpnbench.evaluation.ray_tasks import import_ray, shipped_spec, task_resources

    ray = import_ray()
    if not ray.is_initialized():
        raise ConfigError("run_batched_in_ray needs a Ray connection (use ray_session)")
    if not todo:
        return
    remote = ray.remote(max_retries=0)(_ray_batch)
    pending = {}
    for start in range(0, len(todo), capacity):
        chunk = [dataclasses.replace(t, tracker=shipped_spec(t.tracker)) for t in todo[start: start + capacity]]
        ref = remote.options(**task_resources(todo[0].tracker.device)).remote(chunk, capacity, os.getcwd())
        pending[ref] = chunk
    try:
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                pending.pop(ref)
                for name, result, error in ray.get(ref):
                    if isinstance(error, ConfigError):
                        raise error
                    finished(result, error, name)
    except BaseException:
        for ref in pending:
            ray.cancel(ref, force=True)
        raise


__all__ = ["DECODE_AHEAD", "LockStep", "PooledFrames", "run_batched", "run_batched_in_processes",
           "run_batched_in_ray"]
