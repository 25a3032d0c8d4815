"""``crpnbench train``: train C-RPN (or any variant in trackers/) end to end.

A thin layer over :func:`crpnbench.training.api.run_training`; see :mod:`crpnbench.training.sources` for
how ``--dataset`` names and mixes map to readers and :data:`crpnbench.training.api.DATA_DEFAULTS` for
the CPU-sized defaults of the synthetic benchmark.
"""

from __future__ import annotations

from pathlib import Path

import click

from crpnbench.commands.options import (
    data_root_option,
    dataset_option,
    device_option,
    epochs_option,
    pairs_per_epoch_option,
    quiet_option,
    require_device,
    tracker_option,
)

DEFAULT_TRACKER = "crpn-small"


@click.command(name="train")
@tracker_option(f"Tracker variant to train: a name in trackers/ (crpn, crpn-small, crpn-1stage, ...); "
                f"exactly one (default {DEFAULT_TRACKER}).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A tracker TOML file (instead of --tracker).")
@dataset_option("Training data: synthetic-train, lasot (train split), trackingnet-train, got10k (train split), "
                "vid (ILSVRC2015 VID), ytbb (YouTube-BB), coco (COCO 2017 objects), crop511 (pysot crops); "
                "vid-val, ytbb-val. Mix with weights: vid:0.6,ytbb:0.4 (a pair picks a source by weight; "
                "default weight 1). Per-entry options: NAME:WEIGHT:gap=N (frame gap in annotated frames; "
                "default: VID 100, YT-BB 3, COCO 1, else the frame_gap setting), vid:occluded=skip, "
                "vid:generated=skip, coco:min_size=N, crop511:annotations=val.json; LABEL=NAME names a "
                "source (two crop511 folders: v=crop511,y=crop511:gap=3).",
                default="synthetic-train", metavar="NAME[:WEIGHT][,...]")
@data_root_option("Folder of the training data (one source), or LABEL=DIR once per source of a mix "
                  "(default: datasets/<Folder>: ILSVRC2015, YouTube-BB, COCO, crop511, LaSOT, GOT-10k, ...).",
                  mix=True)
@epochs_option("Epochs (default: config [train] or 50; synthetic: 16). 0 with --pretrained: only write the "
               "initialised model as the checkpoint (e.g. DaSiamRPN's tracker as a 1-stage C-RPN).")
@pairs_per_epoch_option("Training pairs per epoch (default: config [train] or 600,000; synthetic: 512).")
@click.option("--batch-size", type=click.IntRange(min=1), default=None, metavar="N",
              help="Pairs per SGD step (per process under torchrun).")
@device_option("Default: cuda when available, else cpu. Under torchrun each process uses its LOCAL_RANK GPU.",
               default=None)
@click.option("--loader-workers", type=click.IntRange(min=0), default=None, metavar="N",
              help="DataLoader worker processes that sample training pairs (0: in the main process; "
                   "default: config [train] or 0).")
@click.option("--resume", is_flag=True, help="Continue from the run folder's model.pt (weights, optimizer, lr schedule).")
@click.option("--pretrained", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Start from a local weights file: pysot's alexnet-bn.pth (features.N or layerN.M keys), "
                   "DaSiamRPN's SiamRPNvot.model (backbone + stage 1's RPN head) or a crpnbench checkpoint "
                   "(e.g. a trained 1-stage model for a 3-stage one). Prints what was loaded; conv1-2 are "
                   "frozen only when they came from it. Never downloads.")
@click.option("--run-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Run folder (default: the folder of the config's checkpoint, results/runs/<tracker>/).")
@click.option("--seed", type=int, default=None, help="Seed of pair sampling, augmentation and initialisation.")
@quiet_option()
def command(trackers, config_path, dataset, data_root, epochs, pairs_per_epoch, batch_size, device, loader_workers,
            resume, pretrained, run_dir, seed, quiet):
    """Train C-RPN end to end (cascaded per-stage targets, negative anchor filtering).

    Writes model.pt (latest; what `crpnbench eval --tracker NAME` loads), epoch_XXX.pt,
    train_log.csv and loss.png into the run folder. Multi-GPU:
    `torchrun --nproc_per_node=N -m crpnbench train --device cuda ...`.
    """
    if len(trackers) > 1:
        raise click.BadParameter(f"train trains one tracker at a time, got {len(trackers)}: {', '.join(trackers)}",
                                 param_hint="'--tracker'")
    require_device(device)
    from crpnbench.training.api import run_training

    result = run_training(
        tracker=trackers[0] if trackers else DEFAULT_TRACKER, config_path=config_path, data=dataset,
        data_root=data_root, run_dir=run_dir, resume=resume, pretrained=pretrained, progress=not quiet,
        overrides={"epochs": epochs, "pairs_per_epoch": pairs_per_epoch, "batch_size": batch_size,
                   "device": device, "workers": loader_workers, "seed": seed},
    )
    if result is not None and result.is_main:
        click.echo(
            f"trained {result.epochs_done} epoch(s), {result.pairs_seen} pairs in {result.seconds:.0f} s; "
            f"checkpoint: {result.checkpoint}"
        )
