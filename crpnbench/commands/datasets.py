"""``crpnbench datasets``: which benchmarks are in the datasets folder, and a full check of one.

The library behind it is :mod:`crpnbench.data.survey` (:func:`survey_datasets`, :func:`check_dataset`).
"""

from __future__ import annotations

from pathlib import Path

import click

from crpnbench.commands.options import annotations_option, data_root_option, quiet_option


@click.command("datasets")
@click.option("--datasets-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("datasets"),
              show_default=True, metavar="DIR",
              help="Folder holding the benchmarks, one sub-folder each (OTB/, VOT2018/, LaSOT/, ...).")
@click.option("--check", "check_name", default=None, metavar="NAME",
              help="Load every sequence of dataset NAME and verify that all its frame files exist.")
@data_root_option("With --check: the dataset's own folder instead of <datasets-dir>/<Folder>; with "
                  "--annotations, the folder its frame paths resolve against.")
@annotations_option("With --check: an annotation file (e.g. OTB100.json) instead of the dataset's own.")
@quiet_option()
def command(datasets_dir, check_name, data_root, annotations, quiet):
    """List the benchmarks found in the datasets folder (sequences present, missing, frames),
    or check one of them in full with --check NAME."""
    from crpnbench.data.survey import check_dataset, survey_datasets

    if check_name is None:
        if annotations is not None or data_root is not None:
            raise click.UsageError("--data-root and --annotations only go with --check NAME")
        statuses = survey_datasets(datasets_dir)
        click.echo(f"{'dataset':<18} {'folder':<28} {'sequences':>9} {'missing':>7} {'frames':>9}")
        for s in statuses:
            if not s.found:
                click.echo(f"{s.name:<18} {str(s.root):<28} {'not found':>9}")
            elif s.problem:
                click.echo(f"{s.name:<18} {str(s.root):<28} {'error':>9}  {s.problem}")
            else:
                click.echo(f"{s.name:<18} {str(s.root):<28} {s.present:>9} {s.missing:>7} {s.frames:>9}")
        return
    report = check_dataset(check_name, datasets_dir, annotations, progress=not quiet, data_root=data_root)
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
