"""``crpnbench ablate``: train and evaluate C-RPN ablations; write the paper's Tables 4-6 layout."""

from __future__ import annotations

import click

from crpnbench.commands.options import (
    data_root_option,
    dataset_option,
    device_option,
    epochs_option,
    out_option,
    pairs_per_epoch_option,
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
@device_option("For training and evaluation.")
@workers_option()
@out_option("Output root: runs/<variant>/, raw/<dataset>/, tables/, plots/<dataset>/.")
@click.option("--retrain", is_flag=True, help="Train again even when a variant's checkpoint exists.")
@quiet_option()
@click.pass_context
def command(ctx, stages, no_ftb, no_naf, dataset, data_root, train_dataset, train_data_root, epochs, pairs_per_epoch,
            small, device, workers, out, retrain, quiet):
    """Train (or reuse) and evaluate each variant, then write metric + fps per variant as
    CSV/Markdown/LaTeX tables and one combined plot."""
    from crpnbench.ablation import run_ablation, select_variants, training_roots

    variants = select_variants(parse_stages(stages, ctx.args), no_ftb=no_ftb, no_naf=no_naf)
    require_device(device)
    result = run_ablation(variants, dataset=dataset, data_root=data_root, train_data=train_dataset,
                          train_root=training_roots(dataset, data_root, train_dataset, train_data_root),
                          epochs=epochs, pairs_per_epoch=pairs_per_epoch, small=small, device=device,
                          results_root=out, retrain=retrain, workers=workers, progress=not quiet,
                          log=lambda line: click.echo(line, err=True))
    for row in result.rows:
        metric = "n/a" if row.metric is None else f"{row.metric:.3f}"
        fps = "n/a" if row.fps is None else f"{row.fps:.1f}"
        click.echo(f"{row.name}: {result.metric_name} {metric}, {fps} fps", err=True)
    for path in result.paths:
        click.echo(str(path))
