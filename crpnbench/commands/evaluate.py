"""``crpnbench eval``: run trackers over a benchmark (OPE, VOT baseline or real-time), then score them.

A thin layer over :func:`crpnbench.evaluation.evaluate` (running) and
:func:`crpnbench.scoring.score_results` (scoring). ``--tracker`` is required: there is no sensible
default tracker (C-RPN needs a trained checkpoint; use ``--untrained`` for a smoke run).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from crpnbench.commands.options import (
    annotations_option,
    data_root_option,
    dataset_option,
    device_option,
    fast_option,
    json_option,
    out_option,
    protocol_option,
    quiet_option,
    require_device,
    sequences_option,
    tracker_option,
    workers_option,
)
from crpnbench.commands.score import check_json_target, write_json_output
from crpnbench.errors import DataError


def _echo_summary(summary, echo) -> None:
    echo(f"{summary.dataset}: {len(summary.sequences)} sequence(s), protocol {summary.protocol}, "
         f"raw results under {summary.results_dir}")
    if summary.missing:
        shown = ", ".join(summary.missing[:10]) + (f" ... (+{len(summary.missing) - 10})" if len(summary.missing) > 10 else "")
        echo(f"missing on disk ({len(summary.missing)}): {shown}")
    for run in summary.runs:
        speed = run.speed
        fps = ""
        if speed.get("tracker_fps"):
            fps = (f"; {speed['tracker_fps']:.1f} fps (tracker only), {speed['loop_fps']:.1f} fps (whole loop) "
                   f"over {speed['frames']} frames")
        if run.weights:
            echo(f"{run.tracker} weights: {run.weights}")
        echo(f"{run.tracker}: {len(run.evaluated)} evaluated, {len(run.skipped)} already complete (skipped), "
             f"{len(run.failed)} failed{fps}")
        for name, error in list(run.failed.items())[:20]:
            echo(f"  failed {name}: {error}")
        if len(run.failed) > 20:
            echo(f"  ... and {len(run.failed) - 20} more failed")
        if run.submission is not None:
            echo(f"  submission archive (upload to the official server): {run.submission}")


@click.command(name="eval")
@dataset_option("Benchmark, e.g. otb2015, vot2018, lasot, got10k-val, got10k-test, uav123, nfs30, tc128, "
                "trackingnet, synthetic (`crpnbench datasets` lists every one).", default="synthetic")
@data_root_option()
@annotations_option()
@tracker_option("Tracker name (csrt, kcf, crpn, ...), config file or plug-in file.py:Class; repeatable.",
                required=True)
@protocol_option()
@click.option("--realtime-rule", type=click.Choice(["arrival", "vot-toolkit"]), default="arrival", show_default=True,
              help="Real-time protocol: which frames a slow tracker sees (see crpnbench.protocols.realtime).")
@click.option("--vot-init", type=click.Choice(["bounds", "pysot"]), default="bounds", show_default=True,
              help="VOT (re-)initialisation box: the polygon's bounding box (VOT toolkit) or pysot's area-preserving box.")
@device_option("Used by C-RPN trackers.")
@workers_option()
@click.option("--ray", "ray_address", is_flag=False, flag_value="local", default=None, metavar="[ADDRESS]",
              help="Run sequences as Ray tasks: --ray (local instance), --ray auto (this machine's cluster) or "
                   "--ray ray://host:port. Needs: pip install 'crpnbench[ray]'.")
@click.option("--batch-sequences", type=click.IntRange(min=1), default=1, show_default=True, metavar="N",
              help="C-RPN: track N sequences lock-step, one forward pass per frame for all of them (each --workers "
                   "process or --ray task runs such a batch). 1: the one-sequence path. See docs/throughput.md.")
@fast_option()
@out_option("Output root: raw results go to <out>/raw/<dataset>/<tracker>/, scores to <out>/scores/<dataset>/.")
@click.option("--force", is_flag=True, help="Re-run sequences whose results are already complete.")
@click.option("--untrained", is_flag=True, help="C-RPN with random weights (smoke runs, speed).")
@click.option("--checkpoint", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="C-RPN weights (default: the config's checkpoint).")
@json_option()
@sequences_option()
@click.option("--max-frames", type=click.IntRange(min=2), default=None, help="Only the first N frames of each sequence.")
@click.option("--repetitions", default="1", show_default=True, metavar="N|auto",
              help="VOT experiments: run each sequence N times (<seq>_001.txt ... <seq>_00N.txt); auto: as the VOT "
                   "toolkit, 3 runs, then up to 15 only where the 3 differ (a deterministic tracker stops at 3).")
@click.option("--no-score", is_flag=True, help="Only write raw results; do not score them.")
@quiet_option()
def command(dataset, data_root, annotations, trackers, protocol, realtime_rule, vot_init, device, workers, ray_address,
            batch_sequences, fast, out, force, untrained, checkpoint, json_out, sequences, max_frames, no_score, quiet,
            repetitions="1"):
    """Run trackers over a benchmark and write raw results in its standard format, then score them.

    Resumable: sequences whose result files are already complete are skipped (use --force to redo).
    TrackingNet TEST also gets the submission zip <out>/raw/trackingnet/<tracker>.zip.
    """
    from crpnbench.data import benchmark_info, open_benchmark
    from crpnbench.evaluation.repetitions import evaluate_repetitions, parse_repetitions
    from crpnbench.protocols import default_protocol, make_protocol

    # with --json - the records own stdout; everything else goes to stderr
    echo = (lambda text: click.echo(text, err=True)) if json_out == "-" else click.echo
    if ray_address is None:  # Ray tasks may run on other machines' GPUs
        require_device(device)
    if json_out not in (None, "-"):  # before any tracking: a bad --json costs nothing
        check_json_target(Path(json_out), Path(out) / "raw" / dataset, "--out's raw results")
    benchmark = open_benchmark(dataset, root=data_root, annotations=annotations)
    protocol = protocol or default_protocol(dataset)
    options = {}
    repetitions = parse_repetitions(repetitions)  # a bad value costs no tracking
    if protocol in ("baseline", "realtime", "unsupervised"):
        options["init"] = vot_init
    if protocol == "realtime":
        options["rule"] = realtime_rule
    summary = evaluate_repetitions(
        benchmark, list(trackers), make_protocol(protocol, **options), out, repetitions=repetitions,
        workers=workers, force=force, device=device, checkpoint=checkpoint, untrained=untrained, fast=fast,
        progress=not quiet, sequences=sequences, max_frames=max_frames, dataset_name=dataset,
        ray_address=ray_address, batch_sequences=batch_sequences,
    )
    _echo_summary(summary, echo)
    for tracker, counts in getattr(summary, "repetitions", {}).items():
        stopped = summary.deterministic.get(tracker, [])
        runs = sorted(set(counts.values()))
        echo(f"{tracker}: {'/'.join(map(str, runs))} repetition(s) per sequence"
             + (f"; {len(stopped)} sequence(s) stopped after 3 identical runs (deterministic)" if stopped else ""))

    info = benchmark_info(dataset)
    if info.ground_truth == "first-frame" and not no_score:
        echo(f"{info.title} has only first-frame boxes: submit the archive(s) above to the official server to score.")
        no_score = True
    if not no_score:
        scored = [run.tracker for run in summary.runs if not run.failed]
        if scored:
            import pandas as pd

            from crpnbench.scoring import COLUMN_LABELS, score_evaluation

            report = score_evaluation(benchmark, summary, scored, max_frames)
            for note in report.notes:
                echo(f"note: {note}")
            with pd.option_context("display.float_format", "{:.3f}".format, "display.width", 120):
                echo(f"{summary.dataset} {report.protocol}, convention '{report.convention.name}', "
                     f"sorted by {COLUMN_LABELS.get(report.main_metric, report.main_metric)}"
                     + (f" (first {max_frames} frames only)" if max_frames else "") + ":")
                echo(report.table(labels=True).to_string())
            if not max_frames:
                written = report.write_csv(Path(out) / "scores" / summary.dataset)
                echo(f"per-sequence and per-attribute scores: {written[0].parent}")
            if json_out is not None:
                text = json.dumps(report.records(), indent=2, default=str)
                if json_out == "-":
                    sys.stdout.write(text + "\n")
                else:
                    write_json_output(Path(json_out), text, Path(out) / "raw" / dataset, "--out's raw results")
                    echo(f"score records written to {json_out}")

    failed = [(run.tracker, name, error) for run in summary.runs for name, error in run.failed.items()]
    if failed:
        tracker, name, error = failed[0]
        raise DataError(f"{len(failed)} sequence run(s) failed; first ({tracker} on {name}): {error}")
