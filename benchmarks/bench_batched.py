"""Serial vs lock-step batched C-RPN evaluation, side by side on the same synthetic sequences.

    python benchmarks/bench_batched.py [--trackers crpn-small crpn] [--sequences 8] [--max-frames 60]
        [--batch-sizes 2 4 8] [--protocol ope] [--crop cv2|torch] [--repeats 2] [--threads N]
        [--device cpu|cuda] [--fast MODE] [--data-root DIR] [--checkpoint results/runs/crpn-small/model.pt]

For each tracker (random weights, as ``--untrained``) it runs the same sequences

* **serial**: the runner's one-sequence path (:func:`crpnbench.evaluation.backends.run_task`, one
  tracker built once, frames decoded ahead by the protocol's prefetch thread);
* **batched N**: :func:`crpnbench.evaluation.batched.run_batched` with ``N`` sequences lock-step
  (``crpnbench eval --batch-sequences N`` without the file writes, which are the same for both);

alternating serial and batched runs ``--repeats`` times (a busy machine slows both alike) and keeping
each one's best wall time. Printed per tracker and batch size: aggregate frames/s, the ratio to serial,
where the time went (decode in the decode threads, crop, forward, post-processing, the rest: protocol
code, thread hand-offs; seconds per frame and share of the wall time) and the equality check against
the serial boxes: ``identical`` (every per-frame box bit-equal) or the number of differing frames and the
largest per-sequence |Δ success| (OPE AUC; goal <= 0.005).
"""

from __future__ import annotations

import argparse
import copy
import tempfile
import threading
import time
from pathlib import Path

import numpy as np


class Timer:
    """Thread-safe seconds accumulator."""

    def __init__(self):
        self.seconds = 0.0
        self._lock = threading.Lock()

    def add(self, seconds: float) -> None:
        with self._lock:
            self.seconds += seconds

    def wrap(self, function):
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.add(time.perf_counter() - start)

        return timed


def _tasks(spec, protocol, sequences):
    from crpnbench.evaluation.backends import SequenceTask

    return [SequenceTask(spec, protocol, sequence) for sequence in sequences]


def run_serial(spec, protocol, sequences, tracker):
    """``(wall seconds, {name: boxes}, phases)`` of the one-sequence path over ``sequences``."""
    from crpnbench.data.prefetch import FramePrefetcher
    from crpnbench.data.sequence import read_image
    from crpnbench.evaluation.backends import run_task

    decode, crop, forward, post = Timer(), Timer(), Timer(), Timer()
    reader = decode.wrap(read_image)
    protocol = copy.copy(protocol)
    protocol.frames = lambda sequence: FramePrefetcher(sequence.frame_paths, depth=protocol.prefetch_depth,
                                                       reader=reader)
    tracker.search_crop = crop.wrap(type(tracker).search_crop.__get__(tracker))
    tracker.select = post.wrap(type(tracker).select.__get__(tracker))
    track = tracker.model.track
    tracker.model.track = forward.wrap(track)
    boxes = {}
    start = time.perf_counter()
    try:
        for task in _tasks(spec, protocol, sequences):
            boxes[task.sequence.name] = run_task(task, tracker).boxes()
    finally:
        del tracker.search_crop, tracker.select
        tracker.model.track = track
    wall = time.perf_counter() - start
    return wall, boxes, {"decode": decode.seconds, "crop": crop.seconds, "forward": forward.seconds,
                         "post": post.seconds}


def run_batch(spec, protocol, sequences, tracker, size, crop):
    """``(wall seconds, {name: boxes}, phases)`` of lock-step batches of ``size`` over ``sequences``."""
    from crpnbench.data.sequence import read_image
    from crpnbench.evaluation.batched import LockStep
    from crpnbench.tracking.batched import BatchedCRPN

    decode = Timer()
    coordinator = LockStep(BatchedCRPN(tracker, crop=crop), size)
    coordinator.reader = decode.wrap(read_image)
    boxes, errors = {}, {}

    def finished(result, error, name):
        if error is not None:
            errors[name] = error
        else:
            boxes[name] = result.boxes()

    start = time.perf_counter()
    coordinator.run(_tasks(spec, protocol, sequences), finished)
    wall = time.perf_counter() - start
    if errors:
        raise SystemExit(f"batched run failed: {errors}")
    profile = coordinator.profile
    return wall, boxes, {"decode": decode.seconds, "crop": profile["crop"] + profile["init"],
                         "forward": profile["forward"], "post": profile["post"]}


def compare(reference: dict, other: dict, sequences) -> str:
    """``identical`` or how far ``other``'s boxes and per-sequence success are from ``reference``'s."""
    from crpnbench.metrics.ope import score_ope_sequence

    differing, frames, worst, largest = 0, 0, 0.0, 0.0
    for sequence in sequences:
        a, b = reference[sequence.name], other[sequence.name]
        same = np.all((a == b) | (np.isnan(a) & np.isnan(b)), axis=1)
        differing += int((~same).sum())
        frames += len(same)
        if not same.all():
            largest = max(largest, float(np.nanmax(np.abs(a - b))))
            gt = sequence.boxes
            da = score_ope_sequence(np.nan_to_num(a), gt, sequence.absent).success
            db = score_ope_sequence(np.nan_to_num(b), gt, sequence.absent).success
            worst = max(worst, abs(da - db))
    if not differing:
        return "identical"
    return f"{differing}/{frames} frames differ (max {largest:.3g} px), max |d success| {worst:.4f}"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trackers", nargs="+", default=["crpn-small", "crpn"])
    parser.add_argument("--sequences", type=int, default=8, help="first N synthetic test sequences")
    parser.add_argument("--max-frames", type=int, default=60)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[2, 4, 8])
    parser.add_argument("--protocol", default="ope", choices=["ope", "baseline", "realtime"])
    parser.add_argument("--crop", default=None, choices=["cv2", "torch"], help="batched crop (default: cv2 on "
                        "the CPU, torch on CUDA)")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--fast", default=None, help="fast inference mode (crpnbench.tracking.fast)")
    parser.add_argument("--data-root", type=Path, default=None, help="synthetic benchmark root (default: a temp dir)")
    parser.add_argument("--checkpoint", type=Path, default=None,
                        help="also run this trained checkpoint (its stored config): a meaningful success check")
    args = parser.parse_args(argv)

    import torch

    from crpnbench.data import open_benchmark
    from crpnbench.data.views import truncate_sequence
    from crpnbench.protocols import make_protocol
    from crpnbench.tracking.spec import TrackerSpec

    if args.threads:
        torch.set_num_threads(args.threads)
    crop = args.crop or ("torch" if args.device.startswith("cuda") else "cv2")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {args.device}, protocol "
          f"{args.protocol}, crop {crop}, fast {args.fast or 'off'}")
    with tempfile.TemporaryDirectory() as scratch:
        root = args.data_root or Path(scratch) / "synthetic"
        benchmark = open_benchmark("synthetic", root=root)
        sequences = [truncate_sequence(benchmark[name], args.max_frames) for name in benchmark.names[: args.sequences]]
        frames = sum(len(s) for s in sequences)
        print(f"{len(sequences)} synthetic sequences, {frames} frames, {args.repeats} repeat(s), best kept")
        protocol = make_protocol(args.protocol)
        specs = [TrackerSpec.of(name, device=args.device, untrained=True, fast=args.fast) for name in args.trackers]
        if args.checkpoint:
            from crpnbench.models.checkpoint import load_checkpoint
            from crpnbench.models.config import CRPNConfig

            config = CRPNConfig.from_dict(load_checkpoint(args.checkpoint)["config"])
            specs.append(TrackerSpec.of(config, device=args.device, checkpoint=args.checkpoint, fast=args.fast))
        for spec in specs:
            name = spec.folder
            tracker = spec.build()
            run_serial(spec, protocol, sequences[:1], tracker)          # warm-up: first calls, allocations
            run_batch(spec, protocol, sequences[:2], tracker, 2, crop)
            best: dict = {}
            for _ in range(args.repeats):
                for size in [1] + list(args.batch_sizes):
                    if size == 1:
                        outcome = run_serial(spec, protocol, sequences, tracker)
                    else:
                        outcome = run_batch(spec, protocol, sequences, tracker, size, crop)
                    if size not in best or outcome[0] < best[size][0]:
                        best[size] = outcome
            serial_wall = best[1][0]
            print(f"\n{name}: frames/s (aggregate), ratio to serial, seconds per frame by phase (share of wall), "
                  "equality with serial")
            for size in [1] + list(args.batch_sizes):
                wall, boxes, phases = best[size]
                label = "serial" if size == 1 else f"batch {size}"
                rest = wall - phases["crop"] - phases["forward"] - phases["post"]
                shares = ", ".join(f"{k} {1000 * v / frames:.2f} ms ({100 * v / wall:.0f}%)"
                                   for k, v in [*phases.items(), ("other", rest)])
                equal = "reference" if size == 1 else compare(best[1][1], boxes, sequences)
                print(f"  {label:>9}: {frames / wall:7.1f} frames/s  x{serial_wall / wall:4.2f}  [{shares}]  {equal}")


if __name__ == "__main__":
    main()
