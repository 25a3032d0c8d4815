"""What is in the datasets folder (:func:`survey_datasets`) and a full check of one dataset
(:func:`check_dataset`: every sequence's annotations load and every frame file exists). The library
behind ``crpnbench datasets``."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class DatasetStatus:
    """What one registered dataset looks like in the datasets folder."""

    name: str
    root: Path
    found: bool
    listed: int = 0
    present: int = 0
    missing: int = 0
    frames: int = 0
    problem: str | None = None


@dataclass
class CheckReport:
    """The result of checking every sequence of one dataset."""

    name: str
    sequences: int = 0
    frames: int = 0
    missing_sequences: list[str] = field(default_factory=list)
    #: one line per sequence that failed: its annotation error or its first missing frame
    problems: list[str] = field(default_factory=list)
    first_missing_frame: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and not self.missing_sequences


def _open(name: str, root: Path | None, annotations: Path | None = None):
    from crpnbench.data import BENCHMARKS, open_benchmark

    options = {"generate": False} if BENCHMARKS[name].generated else {}  # a survey never generates data
    return open_benchmark(name, root=root, annotations=annotations, **options)


def dataset_root(name: str, datasets_dir: str | Path | None) -> Path:
    """The folder dataset ``name`` is expected in: ``<datasets_dir>/<registered folder>``."""
    from crpnbench.data import BENCHMARKS, DEFAULT_DATA_ROOT, benchmark_class

    benchmark_class(name)  # unknown names -> ConfigError listing the choices
    base = Path(datasets_dir) if datasets_dir is not None else DEFAULT_DATA_ROOT
    return base / BENCHMARKS[name].folder


def survey_datasets(datasets_dir: str | Path | None = None, names=None) -> list[DatasetStatus]:
    """For each registered dataset (or ``names``): found or not, sequences present/missing, frames.

    Frame counts come from the annotations (no image is opened). A dataset whose folder exists
    but cannot be read is reported with its error in ``problem``; nothing is generated.
    """
    from crpnbench.data import BENCHMARKS
    from crpnbench.errors import CrpnbenchError

    statuses = []
    for name in names or [n for n, info in BENCHMARKS.items() if not info.alias_of]:  # aliases once
        root = dataset_root(name, datasets_dir)
        status = DatasetStatus(name=name, root=root, found=root.is_dir())
        if status.found:
            try:
                benchmark = _open(name, root)
                present = benchmark.names
                status.listed = len(benchmark.listed)
                status.present = len(present)
                status.missing = status.listed - status.present
                status.frames = sum(len(benchmark[n]) for n in present)
            except CrpnbenchError as exc:
                status.problem = str(exc)
        statuses.append(status)
    return statuses


def check_dataset(
    name: str,
    datasets_dir: str | Path | None = None,
    annotations: str | Path | None = None,
    progress: bool = False,
    *,
    data_root: str | Path | None = None,
) -> CheckReport:
    """Load every sequence of ``name`` and verify that each frame file exists and, for JPEGs, is not
    cut short (its end-of-image marker is there: :func:`crpnbench.data.sequence.jpeg_problem`).

    The dataset is read from ``data_root`` (its own folder) when given, else from
    ``<datasets_dir>/<registered folder>`` (``datasets/OTB`` ...), or from ``annotations`` (an
    annotation file), whose frame paths then resolve against ``data_root`` (may be None).
    Annotation errors and the first missing frame of each sequence are collected, not raised.
    """
    from tqdm import tqdm

    from crpnbench.data.sequence import jpeg_problem
    from crpnbench.errors import DataError

    if data_root is not None:
        root = Path(data_root)
        if annotations is None and not root.is_dir():
            raise DataError(f"{name} data root does not exist", root)
    elif annotations is not None:
        root = None
    else:
        root = dataset_root(name, datasets_dir)
        if not root.is_dir():
            raise DataError(f"{name} not found in the datasets folder (--datasets-dir)", root)
    benchmark = _open(name, root, None if annotations is None else Path(annotations))
    report = CheckReport(name=name, missing_sequences=list(benchmark.missing))
    names = benchmark.names
    # the bar goes to stderr (stdout is the report)
    with tqdm(names, desc=f"checking {name}", unit="seq", file=sys.stderr, disable=None if progress else True,
              dynamic_ncols=True) as bar:
        for seq_name in bar:
            try:
                sequence = benchmark[seq_name]
            except DataError as exc:
                report.problems.append(f"{seq_name}: {exc}")
                continue
            report.sequences += 1
            report.frames += len(sequence)
            for path in sequence.frame_paths:
                if not os.path.isfile(path):
                    report.problems.append(f"{seq_name}: frame image is missing: {path}")
                    if report.first_missing_frame is None:
                        report.first_missing_frame = Path(path)
                    break
                truncated = jpeg_problem(path)
                if truncated:  # a cut JPEG decodes to a half-grey frame without an error
                    report.problems.append(f"{seq_name}: {path}: {truncated}")
                    break
    return report


__all__ = ["CheckReport", "DatasetStatus", "check_dataset", "dataset_root", "survey_datasets"]
