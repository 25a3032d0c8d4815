"""``crpnbench score``: metrics for every tracker folder under a results folder, from raw files alone
(the library: :func:`crpnbench.scoring.score_folder`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from crpnbench.commands.options import (
    annotations_option,
    convention_option,
    data_root_option,
    dataset_option,
    json_option,
    out_option,
    protocol_option,
    quiet_option,
    results_option,
    sequences_option,
    skip_missing_option,
    tracker_option,
)
from crpnbench.errors import ConfigError


@click.command("score")
@dataset_option("Benchmark name (otb2015, vot2018, lasot, ...).", required=True)
@data_root_option()
@annotations_option()
@results_option("Folder of raw results to read: one sub-folder per tracker (e.g. results/raw/otb2015).",
                required=True)
@protocol_option()
@convention_option()
@tracker_option("Score only this tracker folder under --results; repeatable (default: all).")
@sequences_option("Scores are over these sequences only.")
@skip_missing_option()
@json_option()
@out_option("Output root: per-sequence/per-attribute CSVs go to <out>/scores/<dataset>/ (as `crpnbench eval`).")
@quiet_option()
def command(dataset, data_root, annotations, results, protocol, convention, trackers, sequences, skip_missing,
            json_out, out, quiet):
    """Score raw results (pysot/got10k/VOT/LaSOT layouts) against a benchmark's ground truth."""
    from crpnbench.scoring import COLUMN_LABELS, score_folder

    scores_dir = Path(out) / "scores" / dataset
    if json_out and json_out != "-":
        check_json_target(Path(json_out), Path(results), "--results")
    _, report = score_folder(dataset, results, data_root=data_root, annotations=annotations, sequences=sequences,
                             trackers=trackers, protocol=protocol, convention=convention,
                             skip_missing=skip_missing, progress=not quiet)
    written = report.write_csv(scores_dir)

    to_stdout = json_out == "-"
    log = (lambda text: click.echo(text, err=True)) if to_stdout else click.echo
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    import pandas as pd

    with pd.option_context("display.float_format", "{:.3f}".format, "display.width", 120):
        log(f"{dataset} {report.protocol}, convention '{report.convention.name}', "
            f"sorted by {COLUMN_LABELS.get(report.main_metric, report.main_metric)}"
            + (f" ({len(sequences)} selected sequences)" if sequences else "")
            + ":")
        log(report.table(labels=True).to_string())
    log(f"CSVs: {', '.join(str(p) for p in written)}")
    records = report.records()
    if json_out:
        text = json.dumps(records, indent=2)
        if to_stdout:
            sys.stdout.write(text + "\n")
        else:
            write_json_output(Path(json_out), text, Path(results), "--results")


def _inside(path: Path, tree: Path) -> bool:
    """Whether ``path`` is ``tree`` or lies under it (symbolic links resolved)."""
    path, tree = path.resolve(), tree.resolve()
    return path == tree or tree in path.parents


def check_json_target(path: Path, tree: Path, option: str) -> None:
    """A ``--json FILE`` that can be written: not a folder, not inside the results ``tree`` being read or
    written (``option`` names it in the message), not an existing file other than a JSON document
    (a raw result file, say). A :class:`ConfigError` naming the path otherwise."""
    if path.is_dir():
        raise ConfigError(f"--json {path} is a folder; give a file name (or - for stdout)")
    if _inside(path, tree):
        raise ConfigError(f"--json {path} is inside the results folder {tree} ({option}); "
                          "write the records elsewhere")
    if path.is_file() and path.stat().st_size:
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, OSError):
            raise ConfigError(f"--json {path} exists and is not a JSON file; refusing to overwrite it") from None


def write_json_output(path: Path, text: str, tree: Path, option: str) -> None:
    """Write ``--json`` records atomically after :func:`check_json_target` (its parent folder is created)."""
    from crpnbench.atomic import write_text_atomic

    check_json_target(path, tree, option)
    write_text_atomic(path, text + "\n")
