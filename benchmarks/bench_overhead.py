"""crpnbench's end-to-end evaluation throughput against the tracker's bare rate, on the same frames.

    python benchmarks/bench_overhead.py [--tracker crpn-small] [--sequences 3] [--max-frames 60]
                                        [--repeats 2] [--data-root DIR] [--threads N] [--fast MODE] [--profile FILE]

Side by side, in one run, over the same synthetic-benchmark frames:

* **end to end**: :func:`crpnbench.evaluation.evaluate` (OPE, one process) with everything it does:
  building a fresh tracker per sequence, decoding JPEGs (prefetch thread), ``init``/``update``,
  writing the result/time files atomically, ``fps.csv`` and ``speed.json``; frames / wall seconds.
* **bare tracker**: the same tracker's ``init`` + ``update`` on frames decoded beforehand (no files,
  no decoding, one tracker build per sequence outside the clock); frames / seconds.
* **bare network**: ``model.track`` alone on search crops made beforehand (C-RPN trackers only).

The two main measurements alternate sequence by sequence, ``--repeats`` times (a busy machine slows
both alike), and the best total of each is kept; the same ratio is also given in frames per CPU-second of this
process (``time.process_time``: decode thread and file writes included), less sensitive to other
load than wall time but blurred by OpenMP threads spin-waiting when the machine is oversubscribed.
The most contention-proof figure is the in-run share of wall time spent inside the tracker. Also printed: the share of the end-to-end wall time
spent inside the tracker's ``init``/``update`` in the same run (the runner's own timing), a
contention-proof measure of the runner's overhead. Prints both rates and the ratio (goal: end to end >= 0.90 of the bare rate).
``--profile FILE`` writes a cProfile of one extra end-to-end run (``python -m pstats FILE``).
"""

from __future__ import annotations

import argparse
import cProfile
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np


def end_to_end(benchmark, tracker_spec, names, max_frames, results_root, untrained=True) -> tuple[float, int, float, float]:
    """``(wall seconds, frames, seconds inside the tracker, CPU seconds)`` of one forced run through the runner."""
    from crpnbench.evaluation import evaluate

    start, cpu_start = time.perf_counter(), time.process_time()
    summary = evaluate(benchmark, [tracker_spec], "ope", results_root, force=True, progress=False, sequences=names,
                       max_frames=max_frames, untrained=untrained)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    run = summary.runs[0]
    if run.failed:
        raise SystemExit(f"end-to-end run failed: {run.failed}")
    return seconds, int(run.speed["frames"]), float(run.speed["tracker_seconds"]), cpu


def bare_tracker(build, sequences, build_times=None) -> tuple[float, int, float]:
    """``(seconds, frames, CPU seconds)`` of ``init`` + ``update`` over pre-decoded frames; builds are not
    timed (their seconds are appended to ``build_times`` when given)."""
    seconds, frames, cpu = 0.0, 0, 0.0
    for images, box in sequences:
        start = time.perf_counter()
        tracker = build()
        if build_times is not None:
            build_times.append(time.perf_counter() - start)
        start, cpu_start = time.perf_counter(), time.process_time()
        tracker.init(images[0], box.copy())
        for image in images[1:]:
            tracker.update(image)
        seconds += time.perf_counter() - start
        cpu += time.process_time() - cpu_start
        frames += len(images)
    return seconds, frames, cpu


def bare_network(tracker, sequences) -> tuple[float, int] | None:
    """``(seconds, crops)`` of ``model.track`` alone on pre-made search crops; None for non-C-RPN trackers."""
    import torch

    from crpnbench.tracking.crop import context_size, crop_and_resize, image_to_tensor
    from crpnbench.tracking.crpn_tracker import CRPNTracker

    if not isinstance(tracker, CRPNTracker):
        return None
    config = tracker.config
    seconds, count = 0.0, 0
    for images, box in sequences:
        tracker.init(images[0], box.copy())
        s_x = context_size(*tracker.size, context=config.context_amount) * config.instance_size / config.exemplar_size
        crops = [image_to_tensor(crop_and_resize(img, tracker.center, s_x, config.instance_size, tracker.pad_colour))
                 for img in images[1:]]
        with torch.inference_mode():
            start = time.perf_counter()
            for crop in crops:
                tracker.model.track(crop)
            seconds += time.perf_counter() - start
        count += len(crops)
    return seconds, count


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tracker", default="crpn-small", help="registry name (default: crpn-small, untrained)")
    parser.add_argument("--sequences", type=int, default=3, help="first N synthetic test sequences")
    parser.add_argument("--max-frames", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--data-root", type=Path, default=None, help="synthetic benchmark root (default: a temp dir)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--fast", default=None, help="fast inference mode for both sides (crpnbench.tracking.fast)")
    parser.add_argument("--profile", type=Path, default=None, help="write a cProfile of one end-to-end run here")
    args = parser.parse_args(argv)

    import torch

    from crpnbench.data import open_benchmark
    from crpnbench.data.views import truncate_sequence
    from crpnbench.tracking.spec import TrackerSpec
    from crpnbench.tracking.registry import build_tracker

    if args.threads:
        torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as scratch:
        root = args.data_root or Path(scratch) / "synthetic"
        benchmark = open_benchmark("synthetic", root=root)
        names = benchmark.names[: args.sequences]
        sequences, decode_seconds = [], 0.0
        for name in names:
            sequence = truncate_sequence(benchmark[name], args.max_frames)
            start = time.perf_counter()
            images = [cv2.imread(str(p)) for p in sequence.frame_paths]
            decode_seconds += time.perf_counter() - start
            sequences.append((images, sequence.init_box))
        decode_ms = 1000 * decode_seconds / sum(len(images) for images, _ in sequences)
        if args.fast:
            spec = TrackerSpec.of(args.tracker, untrained=True, fast=args.fast)
            build = spec.build
        else:
            spec = args.tracker

            def build():
                return build_tracker(args.tracker, untrained=True)

        results = Path(scratch) / "results"
        end_to_end(benchmark, spec, names[:1], 5, results)  # warm-up: imports, first-call costs
        bare_tracker(build, [(images[:5], box) for images, box in sequences[:1]])
        # alternate sequence by sequence: e2e on one sequence, then bare on the same frames
        e2e_runs, bare_runs, build_times = [], [], []
        for _ in range(args.repeats):
            e2e, bare = [], []
            for name, decoded in zip(names, sequences):
                e2e.append(end_to_end(benchmark, spec, [name], args.max_frames, results))
                bare.append(bare_tracker(build, [decoded], build_times))
            e2e_runs.append(tuple(map(sum, zip(*e2e))))
            bare_runs.append(tuple(map(sum, zip(*bare))))
        network = bare_network(build(), sequences)
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            end_to_end(benchmark, spec, names, args.max_frames, results)
            profiler.disable()
            profiler.dump_stats(str(args.profile))

    e2e_fps = max(frames / seconds for seconds, frames, _, _ in e2e_runs)
    bare_fps = max(frames / seconds for seconds, frames, _ in bare_runs)
    e2e_cpu_fps = max(frames / cpu for _, frames, _, cpu in e2e_runs)
    bare_cpu_fps = max(frames / cpu for _, frames, cpu in bare_runs)
    frames = e2e_runs[0][1]
    inside = max(tracker / seconds for seconds, _, tracker, _ in e2e_runs)
    print(f"# {args.tracker}{' --fast ' + args.fast if args.fast else ''}: {len(names)} synthetic sequences, "
          f"{frames} frames, torch {torch.get_num_threads()} threads, best of {args.repeats}")
    print(f"end to end (crpnbench eval runner): {e2e_fps:8.1f} frames/s   runs: "
          + ", ".join(f"{f / s:.1f}" for s, f, _, _ in e2e_runs))
    print(f"bare tracker (init+update, decoded): {bare_fps:8.1f} frames/s   runs: "
          + ", ".join(f"{f / s:.1f}" for s, f, _ in bare_runs))
    if network:
        print(f"bare network (model.track on crops): {network[1] / network[0]:8.1f} crops/s")
    print(f"share of the end-to-end wall time spent inside the tracker (same run): {inside:.3f}")
    per_frame_ms = 1000 / bare_fps
    build_ms = 1000 * sorted(build_times)[len(build_times) // 2]
    print(f"where the rest goes: building a fresh tracker per sequence {build_ms:.1f} ms "
          f"(= {build_ms / (frames / len(names)) / per_frame_ms:.1%} of a {frames // len(names)}-frame sequence's "
          f"tracking time); JPEG decode {decode_ms:.2f} ms/frame (= {decode_ms / per_frame_ms:.1%} of a frame's "
          f"tracking time, on the prefetch thread but sharing the cores)")
    ratio = e2e_fps / bare_fps
    print(f"ratio end-to-end / bare tracker (wall clock): {ratio:.3f} ({'within' if ratio >= 0.9 else 'NOT within'} 10%)")
    cpu_ratio = e2e_cpu_fps / bare_cpu_fps
    print(f"ratio end-to-end / bare tracker (CPU seconds of this process; OpenMP spin-waits blur it on a busy machine): {cpu_ratio:.3f} "
          f"({e2e_cpu_fps:.1f} vs {bare_cpu_fps:.1f} frames per CPU-second)")


if __name__ == "__main__":
    main()
