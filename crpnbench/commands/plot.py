"""``crpnbench plot``: score raw results and write every plot and table for one dataset
(the library: :func:`crpnbench.reports.report.plot_results`)."""

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


@click.command("plot")
@dataset_option("Benchmark name (otb2015, lasot, vot2018, synthetic, ...).", required=True)
@data_root_option()
@annotations_option()
@results_option("Folder of raw results to read: one sub-folder per tracker (default <out>/raw/<dataset>/).")
@tracker_option("Include only this tracker folder; repeatable (default: all).")
@out_option("Output root: plots under <out>/plots/<dataset>/, tables under <out>/tables/.")
@convention_option("Scoring convention (denominator, invalid ground truth) as in `crpnbench score`.")
@protocol_option("Experiment to score (default: baseline for VOT, ope otherwise).")
@sequences_option("Plots and tables are over these sequences only.")
@skip_missing_option()
@highlight_option()
@style_option()
@quiet_option()
def command(dataset, data_root, annotations, results, trackers, out, convention, protocol, sequences, skip_missing,
            highlight, style, quiet):
    """Success/precision plots (AUC in the legend, sorted), per-attribute success and precision
    plots, EAO curve, rank and AR plots, fps chart, CSV/Markdown/LaTeX summary, per-attribute and
    per-tag tables, and the HTML report (plots/<dataset>/report.html), from raw result files."""
    from crpnbench.reports.report import plot_results

    files = plot_results(dataset, data_root=data_root, annotations=annotations, results=results,
                         trackers=list(trackers) or None, out=out, convention=convention, protocol=protocol,
                         highlight=tuple(highlight), sequences=sequences, skip_missing=skip_missing,
                         progress=not quiet, style=style)
    for note in files.notes:  # the same notes `crpnbench score` prints
        click.echo(f"note: {note}", err=True)
    for path in files.paths:
        click.echo(str(path))
