"""``crpnbench report``: score raw results, draw every figure and table, and write one self-contained
HTML page of them (the library: :func:`crpnbench.reports.report.plot_results`, page by
:mod:`crpnbench.reports.html`)."""

from __future__ import annotations

import click

from crpnbench.commands.options import (
    annotations_option,
    convention_option,
    data_root_option,
    dataset_option,
    highlight_option,
    out_option,
    protocol_option,
    quiet_option,
    results_option,
    sequences_option,
    skip_missing_option,
    style_option,
    tracker_option,
)


@click.command("report")
@dataset_option("Benchmark name (otb2015, lasot, vot2018, synthetic, ...).", required=True)
@data_root_option()
@annotations_option()
@results_option("Folder of raw results to read: one sub-folder per tracker (default <out>/raw/<dataset>/).")
@tracker_option("Include only this tracker folder; repeatable (default: all).")
@out_option("Output root: the page is <out>/plots/<dataset>/report.html, beside the figures it embeds.")
@convention_option("Scoring convention (denominator, invalid ground truth) as in `crpnbench score`.")
@protocol_option("Experiment to score (default: baseline for VOT, ope otherwise).")
@sequences_option("The report is over these sequences only.")
@skip_missing_option()
@highlight_option()
@style_option()
@quiet_option()
def command(dataset, data_root, annotations, results, trackers, out, convention, protocol, sequences, skip_missing,
            highlight, style, quiet):
    """One HTML file to open in a browser (no network needed): summary table, every plot, per-attribute
    (OPE) or per-tag (VOT) tables, a per-sequence table sortable by any column with links to each
    sequence's overlap-over-time plot, the scoring convention's options and every scoring note.
    Prints the page's path."""
    from crpnbench.reports.report import plot_results

    files = plot_results(dataset, data_root=data_root, annotations=annotations, results=results,
                         trackers=list(trackers) or None, out=out, convention=convention, protocol=protocol,
                         highlight=tuple(highlight), sequences=sequences, skip_missing=skip_missing,
                         progress=not quiet, style=style, html=True)
    for note in files.notes:  # the same notes `crpnbench score` prints (also listed in the page)
        click.echo(f"note: {note}", err=True)
    click.echo(str(files.html))
