"""``crpnbench ablate``: train and evaluate C-RPN ablations; write the paper's Tables 4-6 layout."""

from __future__ import annotations

import click


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
@click.option("--dataset", default="synthetic", show_default=True, help="Benchmark to evaluate on.")
@click.option("--data-root", type=click.Path(file_okay=False), default=None, help="Folder of the benchmark.")
@click.option("--train-data", default=None,
              help="Benchmark to train on (default synthetic-train for synthetic; required otherwise).")
@click.option("--epochs", type=click.IntRange(min=1), default=None, help="Training epochs (default: the config's).")
@click.option("--pairs-per-epoch", type=click.IntRange(min=1), default=None,
              help="Training pairs per epoch (default: the config's).")
@click.option("--small/--full", default=True, show_default=True,
              help="crpn-small derived variants (CPU) or the full-size trackers/crpn-*.toml configs.")
@click.option("--device", type=click.Choice(["cpu", "cuda"]), default="cpu", show_default=True)
@click.option("--results", "results_root", type=click.Path(file_okay=False), default="results", show_default=True,
              help="Output root: runs/, raw/, tables/, plots/.")
@click.option("--retrain", is_flag=True, help="Train again even when a variant's checkpoint exists.")
@click.pass_context
def command(ctx, stages, no_ftb, no_naf, dataset, data_root, train_data, epochs, pairs_per_epoch, small, device,
            results_root, retrain):
    """Train (or reuse) and evaluate each variant, then write metric + fps per variant as
    CSV/Markdown/LaTeX tables and one combined plot."""
    from crpnbench.ablation import run_ablation, select_variants

    variants = select_variants(parse_stages(stages, ctx.args), no_ftb=no_ftb, no_naf=no_naf)
    result = run_ablation(variants, dataset=dataset, data_root=data_root, train_data=train_data, epochs=epochs,
                          pairs_per_epoch=pairs_per_epoch,
                          small=small, device=device, results_root=results_root, retrain=retrain,
                          log=lambda line: click.echo(line, err=True))
    for row in result.rows:
        metric = "n/a" if row.metric is None else f"{row.metric:.3f}"
        fps = "n/a" if row.fps is None else f"{row.fps:.1f}"
        click.echo(f"{row.name}: {result.metric_name} {metric}, {fps} fps", err=True)
    for path in result.paths:
        click.echo(str(path))
