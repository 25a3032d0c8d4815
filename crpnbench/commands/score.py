"""``crpnbench score``: metrics for every tracker folder under a results folder, from raw files alone."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click


@click.command("score")
@click.option("--dataset", required=True, help="Benchmark name (otb2015, vot2018, lasot, ...).")
@click.option("--data-root", type=click.Path(file_okay=False), default=None, help="Folder of the benchmark.")
@click.option("--annotations", type=click.Path(dir_okay=False), default=None,
              help="Annotation file instead of a data root (e.g. pysot OTB100.json / VOT2018.json).")
@click.option("--results", "results_dir", required=True, type=click.Path(file_okay=False),
              help="Folder holding one folder of raw results per tracker.")
@click.option("--protocol", type=click.Choice(["ope", "baseline", "realtime"]), default=None,
              help="Default: baseline for VOT datasets, ope otherwise.")
@click.option("--convention", type=click.Choice(["official", "pysot", "got10k"]), default="official",
              show_default=True, help="Scoring rules where toolkits disagree.")
@click.option("--tracker", "trackers", multiple=True, help="Score only these tracker folders (repeatable).")
@click.option("--skip-missing", is_flag=True, help="Score trackers with missing sequences (listed as notes).")
@click.option("--json", "json_out", default=None,
              help="Write the scores as a JSON list to FILE, or to stdout with '-' (nothing else on stdout).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Folder for per-sequence/per-attribute CSVs (default results/scores/<dataset>/).")
def command(dataset, data_root, annotations, results_dir, protocol, convention, trackers, skip_missing, json_out,
            out_dir):
    """Score raw results (pysot/got10k/VOT/LaSOT layouts) against a benchmark's ground truth."""
    from crpnbench.data import open_benchmark
    from crpnbench.errors import ConfigError
    from crpnbench.scoring import score_results

    if data_root and annotations:
        raise ConfigError("give either --data-root or --annotations, not both")
    benchmark = open_benchmark(dataset, root=data_root, annotations=annotations)
    report = score_results(benchmark, results_dir, protocol=protocol, convention=convention,
                           trackers=list(trackers) or None, missing="skip" if skip_missing else "error")
    out_dir = Path(out_dir) if out_dir else Path("results") / "scores" / dataset
    written = report.write_csv(out_dir)

    to_stdout = json_out == "-"
    log = (lambda text: click.echo(text, err=True)) if to_stdout else click.echo
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    import pandas as pd

    with pd.option_context("display.float_format", "{:.3f}".format, "display.width", 120):
        log(f"{dataset} {report.protocol}, convention '{report.convention.name}', "
            f"sorted by {report.main_metric}:")
        log(report.table().to_string())
    log(f"CSVs: {', '.join(str(p) for p in written)}")
    records = report.records()
    if json_out:
        text = json.dumps(records, indent=2)
        if to_stdout:
            sys.stdout.write(text + "\n")
        else:
            Path(json_out).parent.mkdir(parents=True, exist_ok=True)
            Path(json_out).write_text(text + "\n", encoding="utf-8")
