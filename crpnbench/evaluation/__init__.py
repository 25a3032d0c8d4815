"""Evaluation: run trackers over a benchmark under a protocol and write raw results (``crpnbench eval``).

* :mod:`.runner` -- :func:`evaluate`: which sequences to run, resume, the only writer of result
  files and speed files, the run summary;
* :mod:`.backends` -- :class:`SequenceTask` and running tasks here or in worker processes;
* :mod:`.ray_tasks` -- running tasks as Ray tasks on a cluster;
* :mod:`.speed` -- ``fps.csv`` rows and the ``speed.json`` summary, rebuilt from per-sequence records;
* :mod:`.provenance` -- what produced a tracker folder (a resumed run never mixes two trackers' files).

Backends return results and never write; the runner writes every file the same way for all of them.
"""

from crpnbench.evaluation.backends import SequenceTask, run_task
from crpnbench.evaluation.runner import EvaluationSummary, TrackerRun, evaluate
from crpnbench.evaluation.speed import read_fps_csv

__all__ = ["EvaluationSummary", "SequenceTask", "TrackerRun", "evaluate", "read_fps_csv", "run_task"]
