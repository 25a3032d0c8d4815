"""Where sequences run: in this process or in worker processes (Ray tasks: :mod:`.ray_tasks`).

Every backend runs :class:`SequenceTask` objects and hands each result (or a sequence's data error) to the
runner's ``finished(result, error, name)`` callback; none of them writes a file.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass

from crpnbench.data.sequence import Sequence
from crpnbench.errors import DataError
from crpnbench.protocols import Protocol
from crpnbench.tracking.base import Tracker
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


def run_task(task: SequenceTask, tracker: Tracker | None = None):
    """Run the task's protocol and return its result (writes nothing).

    ``tracker`` reuses a tracker already built for an earlier sequence of the same run (``init``
    resets a tracker's state: the Tracker contract); without one, the task's spec builds one here.
    """
    if tracker is None:
        tracker = task.tracker.build()
    return task.protocol.run(tracker, task.sequence)


def _run_task_reporting_errors(task: SequenceTask) -> tuple[object | None, str | None]:
    """:func:`run_task` for a worker process: a sequence's data errors come back as text."""
    try:
        return run_task(task), None
    except DataError as error:
        return None, str(error)


def _share_cores(threads: int) -> None:
    """Worker-process initializer: split the machine's cores between the workers.

    Sets ``OMP_NUM_THREADS``/``MKL_NUM_THREADS`` (read by torch when it is first imported here)
    unless the user set them, and OpenCV's thread count.
    """
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
                                   initializer=_share_cores, initargs=(threads,))
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


__all__ = ["SequenceTask", "run_in_processes", "run_task"]
