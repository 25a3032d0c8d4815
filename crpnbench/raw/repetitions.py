"""Reading every repetition of a VOT result: ``<experiment>/<seq>/<seq>_001.txt`` ... ``<seq>_015.txt``
(and every run of a ``got10k``-layout result, ``<seq>/<seq>_001.txt`` ...: :func:`read_ope_repetitions`).

The VOT toolkit runs a stochastic tracker 15 times per sequence and writes one file per run; a
tracker whose first three runs are identical is deterministic and stops there (MATLAB toolkit
``utilities/is_deterministic.m``: the three files parsed to numbers and compared value by value,
NaN rows at the same places; vot-toolkit Python ``MultiRunExperiment._can_stop``:
``Trajectory.equals`` of the first three).

Which files are read (:class:`~crpnbench.metrics.conventions.ScoringConvention.repetition_read`):

* ``"deterministic_stop"`` — the MATLAB toolkit's ``collect_segments`` (``estimate_expected_overlap.m``):
  repetitions 1, 2, 3, and the later ones only when the first three are not identical;
* ``"all"`` — pysot's VOT loader: every repetition file found.

Unlike both toolkits (which skip a missing repetition silently), a gap in the numbering (``_001``,
``_003`` without ``_002``) is a :class:`DataError` naming the missing file; a malformed or short file is
one naming that file and line (:func:`crpnbench.raw.read.read_vot_result`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from crpnbench.errors import DataError
from crpnbench.raw.layout import repetition_files
from crpnbench.raw.read import ResultFile, read_ope_result, read_vot_result

READ_RULES = ("deterministic_stop", "all")
#: the VOT toolkit's determinism check looks at this many runs
DETERMINISM_RUNS = 3


@dataclass
class VOTRepetitions:
    """The repetitions of one sequence that are scored, in order (``runs[0]`` is ``_001``)."""

    runs: list[ResultFile]
    #: repetition files present in the folder (more than ``len(runs)`` when a deterministic stop left some out)
    found: int
    notes: list[str] = field(default_factory=list)

    @property
    def paths(self) -> list[Path]:
        return [run.path for run in self.runs]


def same_run(a: ResultFile, b: ResultFile) -> bool:
    """Whether two VOT runs are identical: same codes, same regions (NaN where both are coded)."""
    return (a.codes is not None and b.codes is not None and a.codes.shape == b.codes.shape
            and np.array_equal(a.codes, b.codes) and np.array_equal(a.values, b.values, equal_nan=True))


def is_deterministic(runs: list[ResultFile], count: int = DETERMINISM_RUNS) -> bool:
    """The VOT toolkit's test: the first ``count`` runs exist and are all identical to the first."""
    return len(runs) >= count and all(same_run(runs[0], run) for run in runs[1:count])


def check_numbering(first_file: Path, numbers: list[int], sequence: str) -> None:
    """Repetitions must be numbered 1, 2, ..., N: a gap is an error naming the missing file."""
    for expected, number in enumerate(numbers, start=1):
        if number != expected:
            missing = Path(first_file).with_name(f"{sequence}_{expected:03d}.txt")
            raise DataError(f"repetition {expected} of {sequence!r} is missing (found repetitions "
                            f"{', '.join(f'{n:03d}' for n in numbers)}); every run 1..{numbers[-1]} is needed",
                            missing)


def read_vot_repetitions(first_file: str | Path, n_frames: int, length_rule: str = "error",
                         read_rule: str = "deterministic_stop") -> VOTRepetitions:
    """Read the repetitions of the sequence whose ``_001`` file is ``first_file`` (see the module doc).

    ``length_rule`` is :func:`~crpnbench.raw.read.read_vot_result`'s; every repetition must then cover
    the same frames as the first (a different length is an error naming the file)."""
    if read_rule not in READ_RULES:
        raise ValueError(f"unknown repetition read rule {read_rule!r}")
    first_file = Path(first_file)
    sequence = first_file.stem[: -len("_001")]
    files = repetition_files(first_file.parent, sequence)
    if not files or 1 not in files:
        files = {1: first_file, **files}
    numbers = list(files)
    check_numbering(first_file, numbers, sequence)
    notes: list[str] = []
    runs: list[ResultFile] = []
    for number, path in files.items():
        if read_rule == "deterministic_stop" and number == DETERMINISM_RUNS + 1 and is_deterministic(runs):
            notes.append(f"{first_file.parent}: repetitions 001-{DETERMINISM_RUNS:03d} are identical (a deterministic "
                         f"tracker); repetitions {number:03d}-{numbers[-1]:03d} not read (VOT toolkit rule)")
            break
        run = read_vot_result(path, n_frames, length_rule)
        if runs and len(run.codes) != len(runs[0].codes):
            raise DataError(f"repetition has {len(run.codes)} lines, repetition 001 has {len(runs[0].codes)}", path)
        notes.extend(run.notes)
        runs.append(run)
    return VOTRepetitions(runs=runs, found=len(numbers), notes=notes)


def read_ope_repetitions(first_file: str | Path, n_frames: int, length_rule: str = "error",
                         allow_nan: bool = False) -> list[ResultFile]:
    """Every run of a ``got10k``-layout result, ``<seq>/<seq>_001.txt``, ``_002.txt``, ... in order (what
    got10k's ``ExperimentGOT10k`` pools: the GOT-10k protocol runs a tracker 3 times). Each file is read
    by :func:`~crpnbench.raw.read.read_ope_result` (a malformed line: an error naming the file and line);
    a gap in the numbering, or a missing ``_001`` beside later runs, is an error naming the missing file;
    every run must cover the same frames as the first (a different length: an error naming the file)."""
    first_file = Path(first_file)
    sequence = first_file.stem[: -len("_001")]
    files = repetition_files(first_file.parent, sequence)
    if 1 not in files and first_file.is_file():
        files = {1: first_file, **files}
    if not files:
        raise DataError("result file is missing", first_file)
    check_numbering(first_file, list(files), sequence)
    runs: list[ResultFile] = []
    for path in files.values():
        run = read_ope_result(path, n_frames, length_rule, allow_nan=allow_nan)
        if runs and len(run.values) != len(runs[0].values):
            raise DataError(f"run has {len(run.values)} boxes, run 001 has {len(runs[0].values)}", path)
        runs.append(run)
    return runs


__all__ = ["DETERMINISM_RUNS", "READ_RULES", "VOTRepetitions", "check_numbering", "is_deterministic",
           "read_ope_repetitions", "read_vot_repetitions", "same_run"]
