"""Serial vs lock-step batched C-RPN evaluation, side by side on the same synthetic sequences.

    python benchmarks/bench_batched.py [--trackers crpn-small crpn] [--sequences 8] [--max-frames 60]
        [--batch-sizes 2 4 8] [--protocol ope] [--crop cv2|torch] [--repeats 2] [--threads N]
        [--device cpu|cuda] [--fast MODE] [--data-root DIR] [--checkpoint results/runs/crpn-small/model.pt]
        [--precision fp32|fp16] [--frame-size 1280x720] [--correlation exact|grouped] [--no-serial]
        [--out-json FILE]

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

Options for GPU throughput figures (benchmarks/gpu_check.sh, docs/gpu-check.md); without them nothing changes:

* ``--precision fp16``: the CUDA fast path (``--fast channels_last``: fp16 weights and crops in the
  channels-last format; CUDA only). ``fp32`` (default) is the plain network (on CUDA, cuDNN's default
  TF32 convolutions).
* ``--frame-size WxH``: the synthetic frames upscaled to ``W x H`` (ground truth scaled alike), with a
  little fixed sensor-like noise so the JPEGs have a realistic size (about 150 KB at 1280x720), written
  once as JPEG files (quality 92) under a temp dir (or ``--frames-dir``) and decoded with OpenCV during the
  run like any benchmark's frames: decoding is part of the measured wall time. ``--sequences`` beyond the
  60 synthetic test sequences re-uses them under new names (the same frame files).
* ``--correlation grouped``: the batch's correlation as one grouped convolution (``exact=False``) instead
  of sample by sample (the default, what ``crpnbench eval --batch-sequences`` runs).
* ``--no-serial``: skip the one-sequence reference run (no ratio, no equality check).
* ``--out-json FILE``: also write every figure (frames/s, phases, equality, device, torch version,
  precision, batch size) as JSON.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
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


def run_batch(spec, protocol, sequences, tracker, size, crop, exact=True):
    """``(wall seconds, {name: boxes}, phases)`` of lock-step batches of ``size`` over ``sequences``."""
    from crpnbench.data.sequence import read_image
    from crpnbench.evaluation.batched import LockStep
    from crpnbench.tracking.batched import BatchedCRPN

    decode = Timer()
    coordinator = LockStep(BatchedCRPN(tracker, crop=crop, exact=exact), size)
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


def compare(reference: dict, other: dict, sequences, bound: float = 0.005) -> str:
    """``identical`` or how far ``other``'s boxes and per-sequence success are from ``reference``'s: frames that
    differ, the largest coordinate difference, the largest per-sequence |d success|, how many sequences are over
    the issue's ``bound``, and the benchmark-level difference (mean success over the sequences)."""
    from crpnbench.metrics.ope import score_ope_sequence

    differing, frames, largest = 0, 0, 0.0
    deltas = []
    for sequence in sequences:
        a, b = reference[sequence.name], other[sequence.name]
        same = np.all((a == b) | (np.isnan(a) & np.isnan(b)), axis=1)
        differing += int((~same).sum())
        frames += len(same)
        if same.all():
            deltas.append(0.0)
            continue
        largest = max(largest, float(np.nanmax(np.abs(a - b))))
        gt = sequence.boxes
        da = score_ope_sequence(np.nan_to_num(a), gt, sequence.absent).success
        db = score_ope_sequence(np.nan_to_num(b), gt, sequence.absent).success
        deltas.append(db - da)
    if not differing:
        return "identical"
    deltas = np.asarray(deltas)
    over = int((np.abs(deltas) > bound).sum())
    return (f"{differing}/{frames} frames differ (max {largest:.3g} px), max |d success| {np.abs(deltas).max():.4f}, "
            f"{over}/{len(deltas)} sequences over {bound}, mean success {deltas.mean():+.4f}")


def parse_size(text: str) -> tuple[int, int]:
    """``"1280x720"`` -> ``(1280, 720)``."""
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT (e.g. 1280x720), got {text!r}") from None
    if width < 64 or height < 64:
        raise argparse.ArgumentTypeError(f"frame size {text!r} is too small (at least 64x64)")
    return width, height


def upscaled_sequences(sequences, size: tuple[int, int], folder: Path, noise: float = 4.0, quality: int = 92):
    """``sequences`` with every frame resized to ``size`` (``W, H``), written as JPEG under ``folder/WxH``.

    Ground-truth boxes are scaled alike (1-based ``x, y``). A fixed noise field (4 of them, cycled over
    the frames) gives the smooth upscaled frames a realistic JPEG size; writing runs on a thread pool
    (OpenCV's encoder releases the GIL). Files already there (an earlier run with the same ``folder``)
    are re-used. Returns ``(sequences, mean JPEG kilobytes per frame)``.
    """
    from concurrent.futures import ThreadPoolExecutor
    import os

    import cv2

    width, height = size
    rng = np.random.default_rng(0)
    fields = [(rng.standard_normal((height, width, 3)) * noise).astype(np.int16) for _ in range(4)]

    def write(source: Path, target: Path, index: int) -> int:
        if target.is_file() and target.stat().st_size > 0:  # written by an earlier run (same size, same content)
            return target.stat().st_size
        image = cv2.imread(str(source), cv2.IMREAD_COLOR)
        big = cv2.resize(image, (width, height), interpolation=cv2.INTER_CUBIC).astype(np.int16)
        big = np.clip(big + fields[index % 4], 0, 255).astype(np.uint8)
        partial = target.with_suffix(".part.jpg")
        if not cv2.imwrite(str(partial), big, [int(cv2.IMWRITE_JPEG_QUALITY), quality]):
            raise SystemExit(f"could not write {partial}")
        partial.replace(target)  # complete files only: a run stopped half-way leaves nothing to re-use by mistake
        return target.stat().st_size

    out, jobs = [], []
    with ThreadPoolExecutor(max(2, os.cpu_count() or 1)) as pool:
        for sequence in sequences:
            first = cv2.imread(str(sequence.frame_paths[0]), cv2.IMREAD_COLOR)
            sy, sx = height / first.shape[0], width / first.shape[1]
            target_dir = folder / f"{width}x{height}" / sequence.name / "img"
            target_dir.mkdir(parents=True, exist_ok=True)
            paths = [target_dir / f"{i:04d}.jpg" for i in range(1, len(sequence) + 1)]
            jobs += [pool.submit(write, Path(src), dst, i) for i, (src, dst) in enumerate(zip(sequence.frame_paths, paths))]
            boxes = sequence.boxes.copy()
            boxes[:, [0, 2]] *= sx
            boxes[:, [1, 3]] *= sy
            boxes[:, 0] += 1 - sx
            boxes[:, 1] += 1 - sy
            out.append(dataclasses.replace(sequence, frame_paths=paths, boxes=boxes, image_size=(width, height)))
        sizes = [job.result() for job in jobs]
    return out, float(np.mean(sizes)) / 1024


def cycled(sequences, count: int):
    """The first ``count`` sequences, re-using ``sequences`` under new names (``Name~2``...) past their end."""
    out = []
    for i in range(count):
        sequence = sequences[i % len(sequences)]
        lap = i // len(sequences)
        out.append(sequence if lap == 0 else dataclasses.replace(sequence, name=f"{sequence.name}~{lap + 1}"))
    return out


def environment(device: str) -> dict:
    """What a figure was measured on: torch version, device name, CUDA/cuDNN versions, TF32 switches."""
    import os

    import torch

    info = {"torch": torch.__version__, "device": device, "cpu_threads": torch.get_num_threads(),
            "cpu_count": os.cpu_count()}
    if device.startswith("cuda"):
        info.update(device_name=torch.cuda.get_device_name(torch.device(device)), cuda=torch.version.cuda,
                    cudnn=torch.backends.cudnn.version(), cudnn_tf32=torch.backends.cudnn.allow_tf32,
                    cudnn_benchmark=torch.backends.cudnn.benchmark)
    else:
        import platform

        info["device_name"] = platform.processor() or platform.machine()
    return info


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
    parser.add_argument("--precision", default="fp32", choices=["fp32", "fp16"],
                        help="fp16: the CUDA fast path (channels_last + half precision; CUDA only)")
    parser.add_argument("--frame-size", type=parse_size, default=None, metavar="WxH",
                        help="upscale the synthetic frames to this size (JPEG files, decoded during the run)")
    parser.add_argument("--frames-dir", type=Path, default=None,
                        help="where --frame-size writes its frames, re-used by later runs (default: a temp dir, "
                        "removed afterwards)")
    parser.add_argument("--correlation", default="exact", choices=["exact", "grouped"],
                        help="batched correlation: per sample (default) or one grouped convolution")
    parser.add_argument("--no-serial", action="store_true", help="skip the one-sequence reference run")
    parser.add_argument("--out-json", type=Path, default=None, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    if args.precision == "fp16":
        if not args.device.startswith("cuda"):
            parser.error("--precision fp16 is the CUDA fast path (crpnbench.tracking.fast); use --device cuda")
        if args.fast not in (None, "channels_last", "auto"):
            parser.error(f"--precision fp16 runs in --fast channels_last, not {args.fast}")
        args.fast = "channels_last"

    import torch

    from crpnbench.data import open_benchmark
    from crpnbench.data.views import truncate_sequence
    from crpnbench.protocols import make_protocol
    from crpnbench.tracking.spec import TrackerSpec

    if args.threads:
        torch.set_num_threads(args.threads)
    crop = args.crop or ("torch" if args.device.startswith("cuda") else "cv2")
    exact = args.correlation == "exact"
    env = environment(args.device)
    extra = "" if args.precision == "fp32" else f", precision {args.precision}"
    extra += "" if exact else ", grouped correlation"
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {args.device}, protocol "
          f"{args.protocol}, crop {crop}, fast {args.fast or 'off'}{extra}"
          + (f" ({env['device_name']})" if args.device.startswith("cuda") else ""))
    records = []
    with tempfile.TemporaryDirectory() as scratch:
        root = args.data_root or Path(scratch) / "synthetic"
        benchmark = open_benchmark("synthetic", root=root)
        names = benchmark.names[: args.sequences]
        sequences = [truncate_sequence(benchmark[name], args.max_frames) for name in names]
        jpeg_kb, frame_size = None, "320x240"
        if args.frame_size:
            started = time.perf_counter()
            sequences, jpeg_kb = upscaled_sequences(sequences, args.frame_size, args.frames_dir or Path(scratch) / "frames")
            frame_size = "x".join(str(v) for v in args.frame_size)
            print(f"frames upscaled to {frame_size} JPEG (mean {jpeg_kb:.0f} KB) in {time.perf_counter() - started:.1f} s")
        if args.sequences > len(sequences):
            sequences = cycled(sequences, args.sequences)
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
            sizes = ([] if args.no_serial else [1]) + [size for size in args.batch_sizes if size > 1]
            if not args.no_serial:
                run_serial(spec, protocol, sequences[:1], tracker)      # warm-up: first calls, allocations
            run_batch(spec, protocol, sequences[:2], tracker, 2, crop, exact)
            best: dict = {}
            for _ in range(args.repeats):
                for size in sizes:
                    if size == 1:
                        outcome = run_serial(spec, protocol, sequences, tracker)
                    else:
                        outcome = run_batch(spec, protocol, sequences, tracker, size, crop, exact)
                    if size not in best or outcome[0] < best[size][0]:
                        best[size] = outcome
            serial_wall = best[1][0] if 1 in best else None
            print(f"\n{name}: frames/s (aggregate), ratio to serial, seconds per frame by phase (share of wall), "
                  "equality with serial")
            for size in sizes:
                wall, boxes, phases = best[size]
                label = "serial" if size == 1 else f"batch {size}"
                rest = wall - phases["crop"] - phases["forward"] - phases["post"]
                shares = ", ".join(f"{k} {1000 * v / frames:.2f} ms ({100 * v / wall:.0f}%)"
                                   for k, v in [*phases.items(), ("other", rest)])
                if size == 1:
                    equal = "reference"
                else:
                    equal = "-" if serial_wall is None else compare(best[1][1], boxes, sequences)
                ratio = f"x{serial_wall / wall:4.2f}" if serial_wall else "x  - "
                print(f"  {label:>9}: {frames / wall:7.1f} frames/s  {ratio}  [{shares}]  {equal}", flush=True)
                records.append({
                    **env, "benchmark": "batched", "tracker": name, "precision": args.precision,
                    "fast": args.fast or "off", "crop": crop, "correlation": args.correlation,
                    "protocol": args.protocol, "batch": size, "sequences": len(sequences), "frames": frames,
                    "frame_size": frame_size, "jpeg_kb": jpeg_kb,
                    "stages": tracker.config.stages, "exemplar_size": tracker.config.exemplar_size,
                    "instance_size": tracker.config.tracking_instance_size,
                    "wall_s": wall, "fps": frames / wall, "x_serial": serial_wall / wall if serial_wall else None,
                    "ms_per_frame": {k: 1000 * v / frames for k, v in [*phases.items(), ("other", rest)]},
                    "equality": equal,
                })
                write_json(args.out_json, "batched", records)  # after every row: a run stopped later keeps these


def write_json(path: Path | None, benchmark: str, records: list) -> None:
    """``{"benchmark": ..., "rows": records}`` to ``path`` (nothing when None), replaced whole each time."""
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_text(json.dumps({"benchmark": benchmark, "rows": records}, indent=1) + "\n")
    partial.replace(path)


if __name__ == "__main__":
    main()
