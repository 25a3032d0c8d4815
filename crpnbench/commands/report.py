"""``crpnbench report``: score raw results, draw every figure and table, and write one self-contained
HTML page of them (the library: :func:`crpnbench.reports.report.plot_results`, page by
:mod:`crpnbench.reports.html`)."""

from __future__ import annotations

import click

from crpnbench.commands.plot import figure_options, write_figures


@click.command("report")
@figure_options("Output root: the page is <out>/plots/<dataset>/report.html, beside the figures it embeds.",
                "The report is over these sequences only.")
def command(**options):
    """One HTML file to open in a browser (no network needed): summary table, every plot, per-attribute
    (OPE) or per-tag (VOT) tables, a per-sequence table sortable by any column with links to each
    sequence's overlap-over-time plot, the scoring convention's options and every scoring note.
    Prints the page's path."""
    click.echo(str(write_figures(**options).html))
