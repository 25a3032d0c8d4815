"""Running the evaluation's sequences as Ray tasks (``crpnbench eval --ray [ADDRESS]``).

    from crpnbench.evaluation import evaluate
    evaluate(benchmark, ["crpn"], "ope", "results", ray_address="auto")

``ADDRESS``: ``local`` (or the bare ``--ray``) starts a Ray instance on this machine for the run and
stops it afterwards; ``auto`` joins the cluster this machine belongs to (``ray start``); ``ray://host:port``
connects a Ray client; anything else is passed to :func:`ray.init` as the address. When this process
is already connected to Ray (``ray.init`` called by the user), that connection is used and left open.

**Who writes the files: the runner, in the driver.** Each task builds its own tracker from the task's
:class:`~crpnbench.tracking.spec.TrackerSpec`, runs the protocol over one sequence and returns the
:class:`~crpnbench.protocols.SequenceResult` (boxes/codes and per-frame times: a few kB); the
evaluation runner's callback writes the raw result and time files atomically, as each task
finishes, exactly as for local sequences, then ``fps.csv``/``speed.json``. So the files, the resume rule
(complete sequences are skipped before any task is submitted) and an interrupted run are exactly as
with the local runner, and the results folder need not be shared with the worker nodes.

**What the worker nodes need**: the frames at the same paths as on the driver (a shared filesystem or
the same dataset copy), the crpnbench package, and the tracker configs/checkpoints: a task works in
the driver's working directory when that folder exists on its node, and checkpoint paths are made
absolute by the driver.

**Resources**: one GPU per task when the run's device is CUDA (``--device cuda``; Ray then sets the
task's ``CUDA_VISIBLE_DEVICES``, so ``cuda:N`` becomes ``cuda``), else ``num_cpus=1`` (Ray limits the
task's BLAS/OpenMP threads to match).

**Failures**: a sequence whose data is bad (:class:`~crpnbench.errors.DataError`) is reported in
``TrackerRun.failed`` and the run goes on; a tracker that cannot be built (:class:`ConfigError`) or
any other error stops the run (pending tasks are cancelled), like the local path.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from crpnbench.errors import ConfigError

#: what the bare ``--ray`` means
LOCAL = "local"

INSTALL_HINT = "Ray is not installed; install the extra: pip install 'crpnbench[ray]'"


def import_ray():
    """The ``ray`` module, or a :class:`ConfigError` telling the user to install the extra."""
    try:
        import ray
    except ImportError:
        raise ConfigError(INSTALL_HINT) from None
    return ray


def init_arguments(address: str | None) -> dict:
    """Keyword arguments of :func:`ray.init` for a ``--ray`` address."""
    if address in (None, "", LOCAL):
        return {"include_dashboard": False}
    return {"address": address}


@contextlib.contextmanager
def ray_session(address: str | None = LOCAL) -> Iterator[object]:
    """Connect to Ray for the block (yields the module); shuts down only a connection it opened."""
    ray = import_ray()
    if ray.is_initialized():
        yield ray
        return
    try:
        ray.init(logging_level="ERROR", log_to_driver=False, **init_arguments(address))
    except (ConnectionError, ValueError, RuntimeError) as error:  # no cluster there; ray:// without ray[client]
        raise ConfigError(f"cannot connect to the Ray cluster at {address!r}: {error}") from None
    try:
        yield ray
    finally:
        ray.shutdown()


def task_resources(device: str) -> dict:
    """Ray resources of one sequence task: a GPU for CUDA runs, one CPU otherwise."""
    if str(device).startswith("cuda"):
        return {"num_gpus": 1, "num_cpus": 1}
    return {"num_cpus": 1}


def task_device(device: str) -> str:
    """The device a task uses: Ray exposes its one GPU as ``cuda:0``."""
    return "cuda" if str(device).startswith("cuda") else device


def run_sequence_task(task, working_dir: str | None) -> tuple[str, object]:
    """Body of one Ray task: run ``task`` (a :class:`crpnbench.evaluation.SequenceTask`), write nothing.

    Returns ``("ok", SequenceResult)``, ``("data", message)`` for a :class:`DataError` or
    ``("config", message)`` for a :class:`ConfigError`; other exceptions propagate (Ray re-raises
    them in the driver).
    """
    from crpnbench.evaluation.backends import SEQUENCE_ERRORS, run_task

    if working_dir and os.path.isdir(working_dir):
        os.chdir(working_dir)
    try:
        return "ok", run_task(task)
    except SEQUENCE_ERRORS as error:  # bad data or a misbehaving tracker: that sequence fails
        return "data", str(error)
    except ConfigError as error:
        return "config", str(error)


def shipped_spec(spec):
    """``spec`` as a Ray task builds it: the task's one GPU as ``cuda``, the checkpoint as an absolute path."""
    checkpoint = None if spec.checkpoint is None else str(Path(spec.checkpoint).resolve())
    return spec.replace(device=task_device(spec.device), checkpoint=checkpoint)


def run_in_ray(todo: list, finished: Callable[[object | None, str | None, str], None]) -> None:
    """Run the evaluation runner's ``SequenceTask`` list as Ray tasks on the connected cluster.

    ``finished(result, error, name)`` is the runner's callback (a SequenceResult or a DataError's
    text), called in the driver as each task completes; the runner writes the files.
    """
    import dataclasses

    ray = import_ray()
    if not ray.is_initialized():
        raise ConfigError("run_in_ray needs a Ray connection (use ray_session)")
    if not todo:
        return
    remote = ray.remote(max_retries=0)(run_sequence_task)
    working_dir = os.getcwd()
    pending = {}
    for task in todo:
        shipped = dataclasses.replace(task, tracker=shipped_spec(task.tracker))
        ref = remote.options(**task_resources(task.tracker.device)).remote(shipped, working_dir)
        pending[ref] = task
    try:
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                task = pending.pop(ref)
                name = task.sequence.name
                try:
                    status, value = ray.get(ref)
                except ray.exceptions.RayTaskError as error:
                    cause = getattr(error, "cause", None)
                    raise (cause if isinstance(cause, Exception) else error) from None
                if status == "config":
                    raise ConfigError(value)
                finished(None, value, name) if status == "data" else finished(value, None, name)
    except BaseException:
        for ref in pending:
            ray.cancel(ref, force=True)
        raise


__all__ = [
    "INSTALL_HINT",
    "LOCAL",
    "import_ray",
    "init_arguments",
    "ray_session",
    "run_in_ray",
    "run_sequence_task",
    "shipped_spec",
    "task_device",
    "task_resources",
]
