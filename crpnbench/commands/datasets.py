"""``crpnbench datasets``: which benchmarks are under a data root, and a full check of one.

Library functions (what the tests call): :func:`survey_datasets` (one :class:`DatasetStatus`
per registered dataset) and :func:`check_dataset` (loads every sequence's annotations and
verifies that every frame file exists; returns a :class:`CheckReport`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import click


@dataclass
class DatasetStatus:
    """What one registered dataset looks like under a data root."""

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
    from crpnbench.data import open_benchmark

    options = {"generate": False} if name.startswith("synthetic") else {}
    return open_benchmark(name, root=root, annotations=annotations, **options)


def dataset_root(name: str, data_root: str | Path | None) -> Path:
    """The folder dataset ``name`` is expected in: ``<data_root>/<registered folder>``."""
    from crpnbench.data import BENCHMARKS, DEFAULT_DATA_ROOT, benchmark_class

    benchmark_class(name)  # unknown names -> ConfigError listing the choices
    base = Path(data_root) if data_root is not None else DEFAULT_DATA_ROOT
    return base / BENCHMARKS[name][1]


def survey_datasets(data_root: str | Path | None = None, names=None) -> list[DatasetStatus]:
    """For each registered dataset (or ``names``): found or not, sequences present/missing, frames.

    Frame counts come from the annotations (no image is opened). A dataset whose folder exists
    but cannot be read is reported with its error in ``problem``; nothing is generated.
    """
    from crpnbench.data import BENCHMARKS
    from crpnbench.errors import CrpnbenchError

    statuses = []
    for name in names or list(BENCHMARKS):
        root = dataset_root(name, data_root)
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
    data_root: str | Path | None = None,
    annotations: str | Path | None = None,
    progress: bool = False,
) -> CheckReport:
    """Load every sequence of ``name`` and verify that each frame file exists.

    ``data_root`` is the parent folder (``datasets/``) unless ``annotations`` is given, in which
    case it is the folder the annotation file's frame paths resolve against (may be None).
    Annotation errors and the first missing frame of each sequence are collected, not raised.
    """
    from crpnbench.errors import DataError

    if annotations is not None:
        root = Path(data_root) if data_root is not None else None
    else:
        root = dataset_root(name, data_root)
        if not root.is_dir():
            raise DataError(f"{name} not found under the data root", root)
    benchmark = _open(name, root, None if annotations is None else Path(annotations))
    report = CheckReport(name=name, missing_sequences=list(benchmark.missing))
    names = benchmark.names
    with click.progressbar(names, label=f"checking {name}", file=None if progress else open(os.devnull, "w")) as bar:
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
    return report


@click.command("datasets")
@click.option("--data-root", type=click.Path(file_okay=False), default=None,
              help="Folder holding the benchmarks (default datasets/), e.g. datasets/OTB, datasets/LaSOT.")
@click.option("--check", "check_name", default=None, metavar="NAME",
              help="Load every sequence of dataset NAME and verify that all its frame files exist.")
@click.option("--annotations", type=click.Path(), default=None,
              help="With --check: an annotation file instead (e.g. OTB100.json); --data-root is then "
                   "the folder its frame paths resolve against.")
def command(data_root, check_name, annotations):
    """List the benchmarks found under a data root (sequences present, missing, frames),
    or check one of them in full with --check NAME."""
    if check_name is None:
        if annotations is not None:
            raise click.UsageError("--annotations only goes with --check NAME")
        statuses = survey_datasets(data_root)
        click.echo(f"{'dataset':<18} {'folder':<28} {'sequences':>9} {'missing':>7} {'frames':>9}")
        for s in statuses:
            if not s.found:
                click.echo(f"{s.name:<18} {str(s.root):<28} {'not found':>9}")
            elif s.problem:
                click.echo(f"{s.name:<18} {str(s.root):<28} {'error':>9}  {s.problem}")
            else:
                click.echo(f"{s.name:<18} {str(s.root):<28} {s.present:>9} {s.missing:>7} {s.frames:>9}")
        return
    report = check_dataset(check_name, data_root, annotations, progress=True)
    click.echo(f"{check_name}: {report.sequences} sequences, {report.frames} frames checked; "
               f"{len(report.missing_sequences)} listed sequences missing; {len(report.problems)} with problems")
    for seq_name in report.missing_sequences[:20]:
        click.echo(f"  missing sequence: {seq_name}")
    if len(report.missing_sequences) > 20:
        click.echo(f"  ... and {len(report.missing_sequences) - 20} more missing sequences")
    for line in report.problems:
        click.echo(f"  {line}")
    if report.first_missing_frame is not None:
        click.echo(f"first missing frame: {report.first_missing_frame}")
    if not report.ok:
        raise click.exceptions.Exit(1)
