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


def figure_options(out_help: str, sequences_help: str):
    """The options of ``plot`` and ``report`` (the same reading of raw results; only what they print differs)."""
    decorators = [
        dataset_option("Benchmark name (otb2015, lasot, vot2018, synthetic, ...).", required=True),
        data_root_option(),
        annotations_option(),
        results_option("Folder of raw results to read: one sub-folder per tracker (default <out>/raw/<dataset>/)."),
        tracker_option("Include only this tracker folder; repeatable (default: all)."),
        out_option(out_help),
        convention_option("Scoring convention (denominator, invalid ground truth) as in `crpnbench score`."),
        protocol_option("Experiment to score (default: baseline for VOT, ope otherwise)."),
        sequences_option(sequences_help),
        skip_missing_option(),
        highlight_option(),
        style_option(),
        quiet_option(),
    ]

    def apply(function):
        for decorator in reversed(decorators):
            function = decorator(function)
        return function

    return apply


def write_figures(dataset, data_root, annotations, results, trackers, out, convention, protocol, sequences,
                  skip_missing, highlight, style, quiet):
    """Score and draw (:func:`~crpnbench.reports.report.plot_results`, HTML page included); the notes that
    `crpnbench score` prints go to stderr. Returns the written files."""
    from crpnbench.reports.report import plot_results

    files = plot_results(dataset, data_root=data_root, annotations=annotations, results=results,
                         trackers=list(trackers) or None, out=out, convention=convention, protocol=protocol,
                         highlight=tuple(highlight), sequences=sequences, skip_missing=skip_missing,
                         progress=not quiet, style=style, html=True)
    for note in files.notes:
        click.echo(f"note: {note}", err=True)
    return files


@click.command("plot")
@figure_options("Output root: plots under <out>/plots/<dataset>/, tables under <out>/tables/.",
                "Plots and tables are over these sequences only.")
def command(**options):
    """Success/precision plots (AUC in the legend, sorted), per-attribute success and precision
    plots, EAO curve, rank and AR plots, fps chart, CSV/Markdown/LaTeX summary, per-attribute and
    per-tag tables, and the HTML report (plots/<dataset>/report.html), from raw result files."""
    for path in write_figures(**options).paths:
        click.echo(str(path))
