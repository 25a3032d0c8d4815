"""Where sequences run: in this process or in worker processes (Ray tasks: :mod:`.ray_tasks`).

Every backend runs :class:`SequenceTask` objects and hands each result (or a sequence's data error) to the
runner's ``finished(result, error, name)`` callback; none of them writes a file.
"""

from __future__ import annotations

import copy
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass

from crpnbench.data.sequence import Sequence
from crpnbench.errors import DataError
from crpnbench.protocols import Protocol
from crpnbench.tracking.base import GuardedTracker, Tracker, TrackerFailure
from crpnbench.tracking.spec import TrackerSpec


@dataclass
class SequenceTask:
    """One tracker on one sequence under one protocol: everything a worker process or a Ray task needs.

    Whoever runs a task returns its :class:`~crpnbench.protocols.SequenceResult`; only the runner
    (:func:`evaluate`) writes result files, the same way for every backend.
    """

    tracker: TrackerSpec
    protocol: Protocol
    sequence: Sequence


class _FrameCounter:
    """The protocol's frame loop, telling the guarded tracker which frame it is on."""

    def __init__(self, frames, guard: GuardedTracker):
        self.frames, self.guard = frames, guard

    def __enter__(self):
        self.frames.__enter__()
        return self

    def __exit__(self, *exc_info):
        return self.frames.__exit__(*exc_info)

    def __iter__(self):
        for index, image in self.frames:
            self.guard.frame = index + 1
            yield index, image


def run_task(task: SequenceTask, tracker: Tracker | None = None):
    """Run the task's protocol and return its result (writes nothing).

    ``tracker`` reuses a tracker already built for an earlier sequence of the same run (``init``
    resets a tracker's state: the Tracker contract); without one, the task's spec builds one here.
    The tracker runs guarded: an exception in it or a box that is not 4 finite numbers is a
    :class:`TrackerFailure` naming the tracker, the sequence and the frame.
    """
    if tracker is None:
        tracker = task.tracker.build()
    guard = GuardedTracker(tracker, task.tracker.name, task.sequence.name)
    protocol = copy.copy(task.protocol)
    frames = protocol.frames
    protocol.frames = lambda sequence: _FrameCounter(frames(sequence), guard)
    return protocol.run(guard, task.sequence)


#: errors that fail one sequence (the run goes on with the others)
SEQUENCE_ERRORS = (DataError, TrackerFailure)


def _run_task_reporting_errors(task: SequenceTask) -> tuple[object | None, str | None]:
    """:func:`run_task` for a worker process: a sequence's data or tracker errors come back as text."""
    try:
        return run_task(task), None
    except SEQUENCE_ERRORS as error:
        return None, str(error)


#: how often a worker checks that the driver is still alive
_PARENT_POLL_SECONDS = 0.5


def die_with_parent(parent: int) -> None:
    """Make this (worker) process exit when process ``parent`` dies, even by SIGKILL.

    Linux: ``prctl(PR_SET_PDEATHSIG, SIGKILL)``; everywhere: a daemon thread that exits the process
    when it is re-parented (its parent id is no longer ``parent``).
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG = 1
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # it died before the line above
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(_PARENT_POLL_SECONDS)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def _share_cores(threads: int, parent: int | None = None) -> None:
    """Worker-process initializer: split the machine's cores between the workers, and exit when the
    driver (``parent``) dies.

    Sets ``OMP_NUM_THREADS``/``MKL_NUM_THREADS`` (read by torch when it is first imported here)
    unless the user set them, and OpenCV's thread count.
    """
    if parent is not None:
        die_with_parent(parent)
    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, str(threads))
    import cv2

    cv2.setNumThreads(threads)


def run_in_processes(todo: list[SequenceTask], workers: int, finished) -> None:
    """Run ``todo`` in ``workers`` spawned processes (cores split between them), calling
    ``finished(result, error, name)`` in this process as each sequence completes."""
    context = multiprocessing.get_context("spawn")
    processes = min(workers, len(todo))
    threads = max(1, (os.cpu_count() or 1) // processes)
    executor = ProcessPoolExecutor(max_workers=processes, mp_context=context,
                                   initializer=_share_cores, initargs=(threads, os.getpid()))
    try:
        pending = {executor.submit(_run_task_reporting_errors, task): task.sequence.name for task in todo}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                name = pending.pop(future)
                result, error = future.result()
                finished(result, error, name)
    except BaseException:
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    executor.shutdown(wait=True)


__all__ = ["SEQUENCE_ERRORS", "SequenceTask", "die_with_parent", "run_in_processes", "run_task"]
