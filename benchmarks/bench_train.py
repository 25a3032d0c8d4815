"""Training throughput of C-RPN: pairs per second for 1/2/3 stages on CPU (and CUDA when available).

    python benchmarks/bench_train.py [--tracker crpn-small] [--batch-size 8] [--steps 4] [--threads N]
                                     [--device cpu|cuda|all] [--data-root DIR]
                                     [--precision auto|amp|fp32 ...] [--stages 1 2 3] [--out-json FILE]

For each stage count (the tracker config with ``stages`` overridden) it times whole SGD steps
(forward, cascade/NAF target assignment, loss, backward, update; first two backbone layers frozen,
mixed precision on CUDA) on real training pairs cut from the synthetic training split, after one
warm-up step, and reports pairs per second of the step alone and of pair loading (crop + augmentation,
one process). The default tracker is the small CPU config; ``--tracker crpn`` times the full-size model.
``--precision``: ``auto`` (default: AMP on CUDA, fp32 on the CPU, as the training loop does), ``amp``
(fp16 autocast + GradScaler; CUDA only, skipped on the CPU) or ``fp32``; several are timed one after the
other. ``--out-json FILE`` writes every figure (device, GPU name, torch version, precision, batch size)
as JSON (benchmarks/gpu_check.sh reads it).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import torch

from crpnbench.models.config import CRPNConfig
from crpnbench.training.loss import cascade_loss
from crpnbench.training.pairs import TrainingPairs, make_loader
from crpnbench.training.trainer import TrainSettings, base_anchors_for, initialise_model, make_optimizer

TRACKERS = Path(__file__).resolve().parents[1] / "trackers"


def training_batch(config: CRPNConfig, batch_size: int, data_root: str | None):
    """One batch of real augmented pairs from the synthetic training split, and the loading rate."""
    from crpnbench.data import open_benchmark

    sequences = list(open_benchmark("synthetic-train", root=data_root))
    pairs = TrainingPairs(sequences, batch_size * 2, TrainSettings().pair_config(config), seed=0)
    start = time.perf_counter()
    batches = list(make_loader(pairs, batch_size=batch_size))
    load_rate = 2 * batch_size / (time.perf_counter() - start)
    return batches[0], load_rate


def time_steps(config: CRPNConfig, batch, device: torch.device, steps: int, amp: bool | None = None) -> float:
    """Median seconds per SGD step (after one warm-up step); ``amp`` None: AMP on CUDA only."""
    settings = TrainSettings.from_mapping({"device": device.type})
    model = initialise_model(config, settings)[0].to(device).train()
    optimizer = make_optimizer(model, settings)
    anchors = base_anchors_for(config).to(device)
    half = (config.instance_size - 1) / 2
    z = batch["template"].to(device)
    x = batch["search"].to(device)
    boxes = batch["box"].to(device) - torch.tensor([half, half, 0, 0], device=device)
    use_amp = device.type == "cuda" if amp is None else bool(amp)
    scaler = torch.amp.GradScaler("cuda") if use_amp else None
    times = []
    for i in range(steps + 1):
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        with torch.autocast(device_type=device.type, dtype=torch.float16, enabled=use_amp):
            outputs = model(z, x)
        total, _ = cascade_loss(outputs, anchors, boxes, config.theta)
        optimizer.zero_grad(set_to_none=True)
        if scaler is not None:
            scaler.scale(total).backward()
            scaler.step(optimizer)
            scaler.update()
        else:
            total.backward()
            optimizer.step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        if i:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracker", default="crpn-small", help="config name in trackers/ (default crpn-small)")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    parser.add_argument("--device", choices=["cpu", "cuda", "all"], default="all")
    parser.add_argument("--data-root", default=None, help="synthetic benchmark root (default datasets/synthetic)")
    parser.add_argument("--precision", nargs="+", default=["auto"], choices=["auto", "amp", "fp32"],
                        help="auto: AMP on CUDA, fp32 on the CPU (the training loop's choice); amp: CUDA only")
    parser.add_argument("--stages", type=int, nargs="+", default=[1, 2, 3], choices=[1, 2, 3])
    parser.add_argument("--out-json", default=None, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    devices = [torch.device("cpu")] if args.device in ("cpu", "all") else []
    if args.device in ("cuda", "all") and torch.cuda.is_available():
        devices.append(torch.device("cuda"))
    base = CRPNConfig.from_toml(TRACKERS / f"{args.tracker}.toml")
    batch, load_rate = training_batch(base, args.batch_size, args.data_root)
    print(f"{base.name}: width {base.width}, crops {base.exemplar_size}/{base.instance_size}, "
          f"batch {args.batch_size}, torch threads {torch.get_num_threads()}")
    print(f"pair loading (crop + augmentation, 1 process): {load_rate:.1f} pairs/s")
    named = args.precision != ["auto"]
    print(f"{'device':6s} {'stages':>6s} {'s/step':>8s} {'pairs/s':>8s}" + ("  precision" if named else ""))
    records = []
    for device in devices:
        for precision in args.precision:
            if precision == "amp" and device.type != "cuda":
                print(f"{device.type:6s} amp skipped (AMP trains on CUDA only)")
                continue
            amp = {"auto": None, "amp": True, "fp32": False}[precision]
            used = "amp" if (device.type == "cuda" if amp is None else amp) else "fp32"
            for stages in args.stages:
                config = base.replace(stages=stages)
                seconds = time_steps(config, batch, device, args.steps, amp)
                print(f"{device.type:6s} {stages:6d} {seconds:8.3f} {args.batch_size / seconds:8.1f}"
                      + (f"  {used}" if named else ""), flush=True)
                records.append({
                    "benchmark": "train", "tracker": base.name, "stages": stages, "device": device.type,
                    "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
                    "torch": torch.__version__, "cpu_threads": torch.get_num_threads(), "precision": used,
                    "batch": args.batch_size, "exemplar_size": config.exemplar_size,
                    "instance_size": config.instance_size, "width": config.width, "s_per_step": seconds,
                    "pairs_per_s": args.batch_size / seconds, "steps": args.steps, "load_pairs_per_s": load_rate,
                })
                if args.out_json:  # after every figure: a run stopped later keeps these
                    path = Path(args.out_json)
                    path.parent.mkdir(parents=True, exist_ok=True)
                    partial = path.with_name(path.name + ".part")
                    partial.write_text(json.dumps({"benchmark": "train", "rows": records}, indent=1) + "\n")
                    partial.replace(path)


if __name__ == "__main__":
    main()
