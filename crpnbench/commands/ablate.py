"""``crpnbench ablate``: train (N seeds each) and evaluate C-RPN ablations; write the paper's Tables 4-6.

A thin layer over :func:`crpnbench.ablation.run_ablation`: ``--stages 1 2 3 --no-naf --no-ftb --seeds N``
trains every variant of Tables 4-6 with N training seeds (reusing finished runs and resuming
interrupted ones), evaluates each on the same sequences, measures every variant's speed in one
process, and writes tables (variants as columns, mean ± std over seeds, paired differences with
bootstrap intervals) and one plot per table.
"""

from __future__ import annotations

import click

from crpnbench.commands.options import (
    data_root_option,
    dataset_option,
    device_option,
    epochs_option,
    fast_option,
    out_option,
    pairs_per_epoch_option,
    protocol_option,
    quiet_option,
    require_device,
    workers_option,
)


def parse_stages(first: str, extra: list[str]) -> list[int]:
    """``--stages 1 2 3`` (Click sees ``--stages 1`` plus extra arguments ``2 3``), ``--stages 1,2,3``
    or ``--stages 1 --stages 2``: every value must be 1, 2 or 3."""
    values = []
    for token in [*first.split(","), *extra]:
        token = token.strip()
        if not token:
            continue
        if token not in ("1", "2", "3"):
            raise click.UsageError(f"--stages takes 1, 2 or 3, got {token!r}")
        values.append(int(token))
    return sorted(set(values))


@click.command("ablate", context_settings={"ignore_unknown_options": False, "allow_extra_args": True})
@click.option("--stages", default="1,2,3", show_default=True,
              help="Numbers of stages to compare: --stages 1 2 3 (or 1,2,3).")
@click.option("--no-ftb", is_flag=True,
              help="Also run C-RPN without FTB, single (S) and multiple (M) layers (Table 6).")
@click.option("--no-naf", is_flag=True, help="Also run C-RPN without negative anchor filtering (Table 5).")
@click.option("--seeds", type=click.IntRange(min=1), default=1, show_default=True, metavar="N",
              help="Training seeds per variant (seed k: pair sampling, augmentation and initialisation; the same "
                   "data). Run k > 0 of a variant is the tracker <name>-s<k>; seed 0 is <name> (crpn-small: the "
                   "quick start's run).")
@dataset_option("Benchmark to evaluate the variants on.", default="synthetic")
@data_root_option()
@click.option("--train-dataset", default=None, metavar="NAME[:WEIGHT][,...]",
              help="Training data, as `crpnbench train --dataset` (default synthetic-train for synthetic; "
                   "required otherwise, e.g. lasot, or vid:0.6,ytbb:0.4).")
@click.option("--train-data-root", multiple=True, metavar="DIR | LABEL=DIR",
              help="Folder of the training data, as `crpnbench train --data-root` (default: --data-root for "
                   "the benchmark's own training split, e.g. synthetic-train or lasot; else datasets/<Folder>).")
@epochs_option("Training epochs (default: the config's).")
@pairs_per_epoch_option()
@click.option("--small/--full", default=True, show_default=True,
              help="crpn-small derived variants (CPU) or the full-size trackers/crpn-*.toml configs.")
@protocol_option("Default: baseline for VOT datasets, ope otherwise; baseline (or realtime) gives the EAO row.")
@device_option("For training, evaluation and the speed row.")
@fast_option("Used for evaluation and the speed row.")
@workers_option()
@click.option("--speed-frames", type=click.IntRange(min=0), default=20, show_default=True, metavar="N",
              help="Frames timed per variant for the speed row (all variants in one process, interleaved, after "
                   "training and evaluation); 0: no speed row.")
@out_option("Output root: runs/<tracker>/, raw/<dataset>/, tables/, plots/<dataset>/.")
@click.option("--retrain", is_flag=True, help="Train again even when a run's checkpoint exists.")
@quiet_option()
@click.pass_context
def command(ctx, stages, no_ftb, no_naf, seeds, dataset, data_root, train_dataset, train_data_root, epochs,
            pairs_per_epoch, small, protocol, device, fast, workers, speed_frames, out, retrain, quiet):
    """Train (or reuse, or resume) every variant with N seeds, evaluate each run on the same sequences,
    measure every variant's speed in one process, and write the Tables 4-6 (variants as columns; mean ±
    std over seeds; paired differences with 95 % bootstrap intervals) as CSV/Markdown/LaTeX, plus one
    plot per table."""
    from crpnbench.ablation import run_ablation, select_variants, training_roots

    variants = select_variants(parse_stages(stages, ctx.args), no_ftb=no_ftb, no_naf=no_naf)
    require_device(device)
    result = run_ablation(variants, dataset=dataset, data_root=data_root, train_data=train_dataset,
                          train_root=training_roots(dataset, data_root, train_dataset, train_data_root),
                          epochs=epochs, pairs_per_epoch=pairs_per_epoch, seeds=seeds, small=small, device=device,
                          protocol=protocol, fast=fast, speed_frames=speed_frames, results_root=out,
                          retrain=retrain, workers=workers, progress=not quiet,
                          log=lambda line: click.echo(line, err=True))
    for row in result.rows:
        mean, std = row.mean_std(result.metric_key) if row.runs else (row.metric, None)
        metric = "n/a" if mean is None else f"{mean:.3f}" + ("" if std is None else f" ± {std:.3f}")
        fps = "n/a" if row.fps is None else f"{row.fps:.1f}"
        click.echo(f"{row.variant.label} ({row.name}, {len(row.runs)} seed(s)): {result.metric_name} {metric}, "
                   f"{fps} fps", err=True)
    for c in result.comparisons:
        d = c.difference
        if d is None:
            click.echo(f"{c.variant.label} - {c.reference.label}: {c.metric} n/a (no sequence with both values)",
                       err=True)
            continue
        click.echo(f"{c.variant.label} - {c.reference.label}: {c.metric} {d.mean:+.3f} [{d.low:+.3f}, {d.high:+.3f}] "
                   f"({d.sequences} sequences, {c.seeds[0]}/{c.seeds[1]} seeds)", err=True)
    for path in result.paths:
        click.echo(str(path))
