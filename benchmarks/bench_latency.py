"""Per-frame latency of the C-RPN tracker: 1/2/3 stages (full width, random weights, 255 search, batch 1).

    python benchmarks/bench_latency.py [--device cpu|cuda|all] [--frames 30] [--threads N] [--compile] [--channels-last]
        [--precision fp32 [fp16]] [--out-json FILE]

For each variant it times (a) the network alone (``model.track`` on a 255x255 crop) and (b) a whole
``CRPNTracker.update`` on a 640x480 frame (crop + network + cascade/NAF + selection), then prints the
ratio to the 1-stage model (SiamRPN-equivalent) next to the paper's 48/37/23 fps (GTX 1080, MatConvNet).
Also times the small training config (trackers/crpn-small.toml). ``--compile`` adds torch.compile
timings and ``--channels-last`` the channels_last memory format, each reported beside eager.
``--precision fp32 fp16`` also times each variant in fp16 (the CUDA fast path of
:mod:`crpnbench.tracking.fast`: channels_last + half precision; skipped on the CPU, where that path stays
fp32); ``--out-json FILE`` writes every figure (device, GPU name, torch version, precision, batch 1,
input sizes) as JSON (benchmarks/gpu_check.sh reads it).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from crpnbench.models.config import CRPNConfig
from crpnbench.tracking.crpn_tracker import CRPNTracker, build_model

TRACKERS = Path(__file__).resolve().parents[1] / "trackers"
PAPER_FPS = {"crpn-1stage": 48.0, "crpn-2stage": 37.0, "crpn": 23.0}


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def time_network(model, config, device, frames, warmup, memory_format=torch.contiguous_format):
    """(median, best) milliseconds of ``model.track`` on one random search crop."""
    z = (torch.rand(1, 3, config.exemplar_size, config.exemplar_size) * 255).to(device)
    x = (torch.rand(1, 3, config.instance_size, config.instance_size) * 255).to(device)
    z, x = z.contiguous(memory_format=memory_format), x.contiguous(memory_format=memory_format)
    times = []
    with torch.inference_mode():
        model.template(z)
        for i in range(warmup + frames):
            _sync(device)
            start = time.perf_counter()
            model.track(x)
            _sync(device)
            if i >= warmup:
                times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times)


def count_gmacs(model, config, device) -> float:
    """Multiply-accumulates (1e9) of one ``model.track`` call, counted by torch's FlopCounterMode.

    A machine-independent cost (the 2-core CPU this was written on is shared and its timings are noisy).
    """
    from torch.utils.flop_counter import FlopCounterMode

    with torch.inference_mode():
        model.template(torch.rand(1, 3, config.exemplar_size, config.exemplar_size, device=device) * 255)
        counter = FlopCounterMode(display=False)
        with counter:
            model.track(torch.rand(1, 3, config.instance_size, config.instance_size, device=device) * 255)
    return counter.get_total_flops() / 2e9


def time_tracker(config, device, frames, warmup, fast=None):
    """(median, best) milliseconds of a full ``CRPNTracker.update`` on 640x480 frames (random model).

    ``fast``: a mode of :mod:`crpnbench.tracking.fast` (``channels_last``: fp16 on CUDA)."""
    tracker = CRPNTracker(build_model(config), config, device)
    if fast:
        from crpnbench.tracking.fast import apply_fast_mode

        tracker = apply_fast_mode(tracker, fast)
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 255, (480, 640, 3), dtype=np.uint8) for _ in range(4)]
    tracker.init(images[0], np.array([300.0, 200.0, 60.0, 80.0]))
    times = []
    for i in range(warmup + frames):
        _sync(device)
        start = time.perf_counter()
        tracker.update(images[i % 4])
        _sync(device)
        if i >= warmup:
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cpu", help="cpu, cuda or all (cpu and cuda if available)")
    parser.add_argument("--frames", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    parser.add_argument("--variants", nargs="+", default=["crpn-1stage", "crpn-2stage", "crpn", "crpn-small"],
                        help="tracker configs to time (names in trackers/)")
    parser.add_argument("--compile", action="store_true", help="also time torch.compile(model.track)")
    parser.add_argument("--channels-last", action="store_true", help="also time channels_last memory format")
    parser.add_argument("--precision", nargs="+", default=["fp32"], choices=["fp32", "fp16"],
                        help="fp16: the CUDA fast path (channels_last + half precision); skipped on the CPU")
    parser.add_argument("--out-json", type=Path, default=None, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    devices = ["cpu", "cuda"] if args.device == "all" else [args.device]
    devices = [d for d in devices if d == "cpu" or torch.cuda.is_available()]
    records = []
    for name, precision in [(d, p) for d in devices for p in args.precision]:
        device = torch.device(name)
        if precision == "fp16" and device.type != "cuda":
            print(f"# device {name}: fp16 skipped (the fp16 fast path is CUDA only)")
            continue
        print(f"# device {name}" + (f" ({torch.cuda.get_device_name()})" if name == "cuda" else
                                     f" ({torch.get_num_threads()} threads)")
              + ("" if precision == "fp32" else f", {precision} (channels_last + half precision)"))
        print(f"{'variant':<14} {'GMAC':>6} {'x':>5} {'net ms':>13} {'frame ms':>13} {'fps':>6} {'x 1-stage':>10} "
              f"{'paper fps':>10} {'paper x':>8}")
        base = base_macs = None
        for variant in args.variants:
            config = CRPNConfig.from_toml(TRACKERS / f"{variant}.toml")
            model = build_model(config).to(device).eval()
            macs = count_gmacs(model, config, device)
            fast = None
            if precision == "fp16":
                from crpnbench.tracking.fast import FastCRPNModel

                fast = "channels_last"
                net, net_best = time_network(FastCRPNModel(model, fast, device), config, device, args.frames,
                                             args.warmup)
            else:
                net, net_best = time_network(model, config, device, args.frames, args.warmup)
            frame, frame_best = time_tracker(config, device, args.frames, args.warmup, fast)
            records.append({
                "benchmark": "latency", "variant": variant, "stages": config.stages, "device": name,
                "device_name": torch.cuda.get_device_name() if name == "cuda" else "cpu",
                "cpu_threads": torch.get_num_threads(), "torch": torch.__version__,
                "cuda": torch.version.cuda if name == "cuda" else None,
                "cudnn_tf32": torch.backends.cudnn.allow_tf32 if name == "cuda" else None,
                "precision": precision, "batch": 1, "exemplar_size": config.exemplar_size,
                "instance_size": config.tracking_instance_size, "frame_size": "640x480", "gmac": macs,
                "net_ms": net, "net_ms_best": net_best, "frame_ms": frame, "frame_ms_best": frame_best,
                "fps": 1000 / frame, "net_fps": 1000 / net, "paper_fps": PAPER_FPS.get(variant),
                "frames": args.frames,
            })
            write_json(args.out_json, records)  # after every variant: a run stopped later keeps these
            if variant in PAPER_FPS:
                base = base or frame
                base_macs = base_macs or macs
                paper = PAPER_FPS[variant]
                paper_cols = f"{paper:>10.0f} {PAPER_FPS['crpn-1stage'] / paper:>8.2f}"
                ratio = f"{frame / base:>10.2f}"
            else:
                paper_cols, ratio = f"{'-':>10} {'-':>8}", f"{'-':>10}"
            macs_ratio = f"{macs / base_macs:>5.2f}" if variant in PAPER_FPS else f"{'-':>5}"
            print(f"{variant:<14} {macs:>6.2f} {macs_ratio} {net:>6.1f}/{net_best:<6.1f} {frame:>6.1f}/{frame_best:<6.1f} {1000 / frame:>6.1f} "
                  f"{ratio} {paper_cols}", flush=True)
            if args.channels_last and precision == "fp32":
                cl = model.to(memory_format=torch.channels_last)
                ms, best = time_network(cl, config, device, args.frames, args.warmup, torch.channels_last)
                print(f"{'':<14} channels_last net {ms:.1f}/{best:.1f} ms (contiguous {net:.1f}/{net_best:.1f} ms)",
                      flush=True)
            if args.compile and precision == "fp32":
                model = build_model(config).to(device).eval()
                model.track = torch.compile(model.track)
                ms, best = time_network(model, config, device, args.frames, args.warmup + 2)
                print(f"{'':<14} torch.compile net {ms:.1f}/{best:.1f} ms (eager {net:.1f}/{net_best:.1f} ms)",
                      flush=True)
    print("(GMAC: multiply-accumulates of the network per frame, x = ratio to 1 stage; "
          "ms: median/best of the timed frames; fps and x 1-stage from the median per-frame latency;\n"
          " paper x: 48 fps / variant fps on a GTX 1080)")
    write_json(args.out_json, records)


def write_json(path: Path | None, records: list) -> None:
    """``{"benchmark": "latency", "rows": records}`` to ``path`` (nothing when None), replaced whole each time."""
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_text(json.dumps({"benchmark": "latency", "rows": records}, indent=1) + "\n")
    partial.replace(path)


if __name__ == "__main__":
    main()
