"""Per-frame latency of the C-RPN tracker in each fast inference mode (crpnbench.tracking.fast).

    python benchmarks/bench_inference.py [--device cpu] [--frames 20] [--threads N] [--variants crpn crpn-small]

For each variant (random weights) and mode (eager, channels_last, compile) it times a whole
``CRPNTracker.update`` on real-sized frames (crop + network + cascade/NAF + selection), reporting the
median per-frame milliseconds (modes interleaved frame by frame), the ratio to eager, the one-off warm-up cost (first frame(s): for
``compile`` this is the compilation) and the largest box difference to eager over the same frames.
The ``auto`` mode's choice for the device is printed last.

Measured on the 2-core development CPU (torch 2.13, modes interleaved frame by frame, three runs on a
shared, loaded machine; speed-up over eager): crpn channels_last 1.42/1.22/1.01 (geometric mean
1.21), compile 1.66/1.04/1.14 (1.25); crpn-small channels_last 1.47/1.98/2.00 (1.80), compile
2.05/1.52/1.37 (1.62). Both beat eager and are about even; channels_last has no warm-up (compile:
4-15 s once per process with a warm inductor cache, about 30 s cold), so ``auto`` takes it.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from crpnbench.models.config import CRPNConfig
from crpnbench.tracking.crpn_tracker import CRPNTracker, build_model
from crpnbench.tracking.fast import apply_fast_mode, resolve_fast_mode

TRACKERS = Path(__file__).resolve().parents[1] / "trackers"
MODES = ("eager", "channels_last", "compile")


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def synthetic_frames(count: int, seed: int = 0) -> list[np.ndarray]:
    """Smooth random 640x480 BGR frames with a bright moving square (so the tracker has a target)."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 255, (60, 80, 3), dtype=np.uint8)
    import cv2

    background = cv2.resize(base, (640, 480), interpolation=cv2.INTER_CUBIC)
    frames = []
    for i in range(count):
        frame = background.copy()
        x, y = 280 + 2 * i, 200 + i
        frame[y : y + 80, x : x + 60] = (40, 220, 250)
        frames.append(frame)
    return frames


def time_modes(config: CRPNConfig, modes, device: torch.device, frames: list[np.ndarray], warmup: int, rounds: int):
    """Per mode: ``(median ms per update, warm-up seconds, boxes of the first round)``.

    The modes are timed interleaved (frame ``i`` in every mode before frame ``i + 1``), so a busy
    machine slows every mode alike and the ratios stay meaningful.
    """
    box = np.array([281.0, 201.0, 60.0, 80.0])
    trackers, warm = {}, {}
    for mode in modes:
        tracker = apply_fast_mode(CRPNTracker(build_model(config), config, device), mode)
        tracker.init(frames[0], box)
        start = time.perf_counter()
        for frame in frames[1 : 1 + warmup]:  # warm-up frames (compile happens here)
            tracker.update(frame)
        _sync(device)
        warm[mode] = time.perf_counter() - start
        trackers[mode] = tracker
    times = {mode: [] for mode in modes}
    boxes = {mode: [] for mode in modes}
    for round_index in range(rounds):
        for tracker in trackers.values():
            tracker.init(frames[0], box)
        for frame in frames[1:]:
            for mode, tracker in trackers.items():
                _sync(device)
                t0 = time.perf_counter()
                out = tracker.update(frame)
                _sync(device)
                times[mode].append((time.perf_counter() - t0) * 1000)
                if round_index == 0:
                    boxes[mode].append(out)
    return {mode: (statistics.median(times[mode]), warm[mode], np.array(boxes[mode])) for mode in modes}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--frames", type=int, default=20, help="timed frames per mode")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1, help="passes over the frames (more samples)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    parser.add_argument("--variants", nargs="+", default=["crpn", "crpn-small"])
    parser.add_argument("--modes", nargs="+", default=list(MODES), choices=MODES)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    frames = synthetic_frames(args.frames + 1)
    where = torch.cuda.get_device_name() if device.type == "cuda" else f"{torch.get_num_threads()} threads"
    print(f"# device {device} ({where}), torch {torch.__version__}, {args.frames} timed frames, median ms per update, modes interleaved")
    print(f"{'variant':<12} {'mode':<14} {'ms/frame':>9} {'fps':>7} {'x eager':>8} {'warm-up s':>10} {'max |dbox| px':>14}")
    for variant in args.variants:
        config = CRPNConfig.from_toml(TRACKERS / f"{variant}.toml")
        modes = ["eager"] + [m for m in args.modes if m != "eager"]
        timed = time_modes(config, modes, device, frames, args.warmup, args.rounds)
        eager_ms, _, eager_boxes = timed["eager"]
        for mode in modes:
            ms, warm, boxes = timed[mode]
            diff = np.abs(boxes - eager_boxes).max()
            print(f"{variant:<12} {mode:<14} {ms:>9.1f} {1000 / ms:>7.1f} {eager_ms / ms:>8.2f} {warm:>10.2f} {diff:>14.3g}",
                  flush=True)
    print(f"(x eager: eager ms / mode ms, >1 is faster; auto on {device.type} = {resolve_fast_mode('auto', device)})")


if __name__ == "__main__":
    main()
