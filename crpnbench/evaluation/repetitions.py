"""Running a tracker several times per sequence, as the VOT toolkit does (``crpnbench eval --repetitions``).

The VOT toolkit (MATLAB ``tracker_run``/``run_experiment`` and vot-toolkit Python
``SupervisedExperiment.execute``, VOT2016-2018 stacks: ``repetitions = 15``) runs each sequence up to 15
times, writing ``<seq>_001.txt`` ... ``<seq>_015.txt``; before the fourth run it checks whether the first
three are identical (MATLAB ``is_deterministic(sequence, 3, directory)``, Python ``_can_stop``) and, if
so, the tracker is deterministic and the sequence stops there. :func:`evaluate_repetitions` does the same:

* ``repetitions=N``: runs 1..N of every sequence;
* ``repetitions="auto"``: runs 1..3, then 4..15 only for the sequences (per tracker) whose three runs
  differ, so a deterministic tracker (C-RPN, KCF) runs 3 times, never 15.

Each repetition is an ordinary :func:`~crpnbench.evaluation.runner.evaluate` run of a protocol whose
``repetition`` is N: its files are ``_00N`` and its speed records and provenance live in
``<experiment>/.repetitions/00N/`` (:func:`crpnbench.raw.layout.fps_path`), so resume, ``--force`` and the
identity checks work per repetition. The protocol tells a tracker with ``set_repetition(n)`` which run it
is (the toolkit's ``context.repetition``), so a stochastic plug-in can seed itself per repetition.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from crpnbench.errors import ConfigError
from crpnbench.evaluation.runner import EvaluationSummary, TrackerRun, evaluate
from crpnbench.protocols import Protocol, count_lines, default_protocol, make_protocol
from crpnbench.raw.read import read_vot_result
from crpnbench.raw.repetitions import DETERMINISM_RUNS, is_deterministic

#: the VOT toolkit's repetitions of the baseline experiment (VOT2016-2018 stacks)
VOT_REPETITIONS = 15
#: protocols with repetitions (``<seq>_00N.txt`` files)
REPEATABLE = ("baseline", "realtime", "unsupervised")


@dataclass
class RepetitionSummary(EvaluationSummary):
    """An :class:`EvaluationSummary` over every repetition (a sequence is ``failed`` when any of its runs
    failed), with ``repetitions[tracker][sequence]`` = runs on disk and ``deterministic[tracker]`` = the
    sequences stopped after three identical runs."""

    repetitions: dict[str, dict[str, int]] = field(default_factory=dict)
    deterministic: dict[str, list[str]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {**super().to_dict(), "repetitions": self.repetitions, "deterministic": self.deterministic}


def parse_repetitions(value) -> int | str:
    """``"auto"`` or a whole number >= 1 (``--repetitions``)."""
    if value is None:
        return 1
    if str(value).strip().lower() == "auto":
        return "auto"
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ConfigError(f"--repetitions takes a number >= 1 or 'auto', not {value!r}") from None
    if number < 1:
        raise ConfigError(f"--repetitions takes a number >= 1 or 'auto', not {value!r}")
    return number


def _for_repetition(protocol: Protocol, repetition: int) -> Protocol:
    clone = copy.copy(protocol)
    clone.repetition = repetition
    return clone


def runs_identical(protocol: Protocol, tracker_dir: Path, sequence: str, count: int = DETERMINISM_RUNS) -> bool:
    """Whether runs 1..``count`` of ``sequence`` exist and are identical (the VOT toolkit's check)."""
    runs = []
    for repetition in range(1, count + 1):
        path = _for_repetition(protocol, repetition).result_path(tracker_dir, sequence, "vot")
        lines = count_lines(path)
        if not lines:
            return False
        runs.append(read_vot_result(path, lines))
    return is_deterministic(runs, count)


def evaluate_repetitions(benchmark, tracker_specs: Iterable, protocol: str | Protocol | None = None,
                         results_root: str | Path = "results", repetitions: int | str = 1,
                         **options) -> EvaluationSummary:
    """:func:`~crpnbench.evaluation.runner.evaluate` repeated as the VOT toolkit repeats runs (module doc).

    ``repetitions`` is a number or ``"auto"``; ``options`` are :func:`evaluate`'s. One repetition is
    exactly :func:`evaluate`. Returns a :class:`RepetitionSummary`."""
    repetitions = parse_repetitions(repetitions)
    dataset = options.get("dataset_name") or benchmark.name
    if protocol is None:
        protocol = default_protocol(dataset)
    protocol = make_protocol(protocol) if isinstance(protocol, str) else protocol
    if repetitions == 1:
        return evaluate(benchmark, tracker_specs, protocol, results_root, **options)
    if protocol.name not in REPEATABLE or not hasattr(protocol, "repetition"):
        raise ConfigError(f"--repetitions is for the VOT experiments ({', '.join(REPEATABLE)}); "
                          f"protocol {protocol.name} runs each sequence once")
    items = list(tracker_specs)
    first = repetitions if repetitions != "auto" else DETERMINISM_RUNS
    summaries = [evaluate(benchmark, items, _for_repetition(protocol, k), results_root, **options)
                 for k in range(1, first + 1)]
    base = summaries[0]
    merged = [TrackerRun(run.tracker, run.results_dir, speed=run.speed, submission=run.submission,
                         weights=run.weights) for run in base.runs]
    done = {run.tracker: {name: first for name in base.sequences} for run in base.runs}
    deterministic: dict[str, list[str]] = {run.tracker: [] for run in base.runs}
    for summary in summaries:
        for total, run in zip(merged, summary.runs):
            _merge(total, run)
    if repetitions == "auto":
        for item, total in zip(items, merged):
            healthy = [n for n in base.sequences if n not in total.failed]
            stochastic = []
            for name in healthy:
                if runs_identical(protocol, total.results_dir, name):
                    deterministic[total.tracker].append(name)
                else:
                    stochastic.append(name)
            for name in stochastic:
                done[total.tracker][name] = VOT_REPETITIONS
            if not stochastic:
                continue
            extra = {**options, "sequences": stochastic}
            for k in range(DETERMINISM_RUNS + 1, VOT_REPETITIONS + 1):
                summary = evaluate(benchmark, [item], _for_repetition(protocol, k), results_root, **extra)
                _merge(total, summary.runs[0])
    return RepetitionSummary(base.dataset, base.protocol, base.results_dir, base.sequences, base.missing, merged,
                             repetitions=done, deterministic=deterministic)


def _merge(total: TrackerRun, run: TrackerRun) -> None:
    """Fold one repetition's run into the tracker's total (sequences listed once)."""
    for name in run.evaluated:
        if name not in total.evaluated:
            total.evaluated.append(name)
    for name in run.skipped:
        if name not in total.skipped and name not in total.evaluated:
            total.skipped.append(name)
    for name, error in run.failed.items():
        total.failed.setdefault(name, error)
    total.skipped = [n for n in total.skipped if n not in total.evaluated]


__all__ = ["REPEATABLE", "RepetitionSummary", "VOT_REPETITIONS", "evaluate_repetitions", "parse_repetitions",
           "runs_identical"]
