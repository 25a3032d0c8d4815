"""``crpnbench train``: train C-RPN (or any variant in trackers/) end to end.

A thin layer over :func:`crpnbench.training.trainer.train`; see :mod:`crpnbench.training.sources` for
how ``--data`` names and mixes map to readers and :data:`crpnbench.training.DATA_DEFAULTS` for the
CPU-sized defaults of the synthetic benchmark.
"""

from __future__ import annotations

from pathlib import Path

import click


@click.command(name="train")
@click.option("--tracker", "tracker", default="crpn-small", show_default=True,
              help="Tracker variant: a name in trackers/ (crpn, crpn-small, crpn-1stage, ...).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A tracker TOML file (overrides --tracker).")
@click.option("--data", "data", default="synthetic-train", show_default=True, metavar="NAME[:WEIGHT][,...]",
              help="Training data: synthetic-train, lasot (train split), trackingnet-train, got10k (train split), "
                   "vid (ILSVRC2015 VID), ytbb (YouTube-BB), coco (COCO 2017 objects), crop511 (pysot crops); "
                   "vid-val, ytbb-val. Mix with weights: vid:0.6,ytbb:0.4 (a pair picks a source by weight; "
                   "default weight 1). Per-entry options: NAME:WEIGHT:gap=N (frame gap in annotated frames; "
                   "default: VID 100, YT-BB 3, COCO 1, else the frame_gap setting), vid:occluded=skip, "
                   "vid:generated=skip, coco:min_size=N, crop511:annotations=val.json; LABEL=NAME names a "
                   "source (two crop511 folders: v=crop511,y=crop511:gap=3).")
@click.option("--data-root", "data_root", multiple=True, metavar="DIR | LABEL=DIR",
              help="Folder of the training data (one source), or LABEL=DIR once per source of a mix "
                   "(default: datasets/<Folder>: ILSVRC2015, YouTube-BB, COCO, crop511, LaSOT, GOT-10k, ...).")
@click.option("--epochs", type=int, default=None,
              help="Epochs (default: config [train] or 50; synthetic: 16). 0 with --pretrained: only write the "
                   "initialised model as the checkpoint (e.g. DaSiamRPN's tracker as a 1-stage C-RPN).")
@click.option("--pairs-per-epoch", type=int, default=None, help="Training pairs per epoch.")
@click.option("--batch-size", type=int, default=None, help="Pairs per SGD step (per process under torchrun).")
@click.option("--device", type=click.Choice(["cpu", "cuda"]), default=None,
              help="Default: cuda when available, else cpu.")
@click.option("--workers", type=int, default=None, help="DataLoader worker processes (0: load in the main process).")
@click.option("--resume", is_flag=True, help="Continue from the run folder's model.pt (weights, optimizer, lr schedule).")
@click.option("--pretrained", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Start from a local weights file: pysot's alexnet-bn.pth (features.N or layerN.M keys), "
                   "DaSiamRPN's SiamRPNvot.model (backbone + stage 1's RPN head) or a crpnbench checkpoint "
                   "(e.g. a trained 1-stage model for a 3-stage one). Prints what was loaded; conv1-2 are "
                   "frozen only when they came from it. Never downloads.")
@click.option("--run-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Run folder (default: the folder of the config's checkpoint, results/runs/<tracker>/).")
@click.option("--seed", type=int, default=None, help="Seed of pair sampling, augmentation and initialisation.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def command(tracker, config_path, data, data_root, epochs, pairs_per_epoch, batch_size, device, workers,
            resume, pretrained, run_dir, seed, quiet):
    """Train C-RPN end to end (cascaded per-stage targets, negative anchor filtering).

    Writes model.pt (latest; what `crpnbench eval --tracker NAME` loads), epoch_XXX.pt,
    train_log.csv and loss.png into the run folder. Multi-GPU:
    `torchrun --nproc_per_node=N -m crpnbench train --device cuda ...`.
    """
    from crpnbench.training.api import run_training

    result = run_training(
        tracker=tracker, config_path=config_path, data=data, data_root=data_root, run_dir=run_dir,
        resume=resume, pretrained=pretrained, progress=not quiet,
        overrides={"epochs": epochs, "pairs_per_epoch": pairs_per_epoch, "batch_size": batch_size,
                   "device": device, "workers": workers, "seed": seed},
    )
    if result is not None and result.is_main:
        click.echo(
            f"trained {result.epochs_done} epoch(s), {result.pairs_seen} pairs in {result.seconds:.0f} s; "
            f"checkpoint: {result.checkpoint}"
        )
