"""``crpnbench plot``: score raw results and write every plot and table for one dataset."""

from __future__ import annotations

from pathlib import Path

import click

CONVENTIONS = ("official", "pysot", "got10k")


def plot_results(
    dataset: str,
    *,
    data_root: str | Path | None = None,
    annotations: str | Path | None = None,
    results: str | Path | None = None,
    trackers: list[str] | None = None,
    out: str | Path = "results",
    convention: str = "official",
    protocol: str | None = None,
    highlight: tuple[str, ...] = (),
):
    """Score the raw results of ``dataset`` and write plots + tables; returns the
    :class:`~crpnbench.reports.report.ReportFiles` (plots with their legend entries, paths).

    ``results`` defaults to ``<out>/raw/<dataset>/``: one folder per tracker, in any format
    the scoring library reads, so published raw results dropped there appear beside ours.
    """
    from crpnbench.data import open_benchmark
    from crpnbench.errors import DataError
    from crpnbench.reports.report import read_speeds, write_report
    from crpnbench.scoring import score_results

    results_dir = Path(results) if results is not None else Path(out) / "raw" / dataset
    if not results_dir.is_dir():
        raise DataError("results folder not found (expected one sub-folder per tracker)", path=results_dir)
    benchmark = open_benchmark(dataset, root=data_root, annotations=annotations)
    report = score_results(benchmark, results_dir, protocol=protocol, convention=convention, trackers=trackers or None)
    return write_report(report, dataset, out, benchmark=benchmark, highlight=highlight,
                        fps=read_speeds(results_dir))


@click.command("plot")
@click.option("--dataset", required=True, help="Benchmark name (otb2015, lasot, vot2018, synthetic, ...).")
@click.option("--data-root", type=click.Path(file_okay=False), default=None,
              help="Folder of the benchmark (default datasets/<Benchmark>).")
@click.option("--annotations", type=click.Path(), default=None,
              help="Annotation file instead of a data root (e.g. pysot's OTB100.json).")
@click.option("--results", type=click.Path(file_okay=False), default=None,
              help="Folder with one sub-folder of raw results per tracker (default <out>/raw/<dataset>/).")
@click.option("--trackers", default=None, help="Comma-separated tracker folders to include (default: all).")
@click.option("--out", type=click.Path(file_okay=False), default="results", show_default=True,
              help="Output root: plots under <out>/plots/<dataset>/, tables under <out>/tables/.")
@click.option("--convention", type=click.Choice(CONVENTIONS), default="official", show_default=True,
              help="Scoring convention (denominator, invalid ground truth) as in `crpnbench score`.")
@click.option("--protocol", type=click.Choice(["ope", "baseline", "realtime"]), default=None,
              help="Experiment to score (default: baseline for VOT, ope otherwise).")
@click.option("--highlight", multiple=True, help="Tracker drawn with a thicker line (repeatable).")
def command(dataset, data_root, annotations, results, trackers, out, convention, protocol, highlight):
    """Success/precision plots (AUC in the legend, sorted), per-attribute plots, EAO curve and
    rank plots, fps chart, and CSV/Markdown/LaTeX summary tables, from raw result files."""
    names = [t.strip() for t in trackers.split(",") if t.strip()] if trackers else None
    files = plot_results(dataset, data_root=data_root, annotations=annotations, results=results,
                         trackers=names, out=out, convention=convention, protocol=protocol,
                         highlight=tuple(highlight))
    for path in files.paths:
        click.echo(str(path))
