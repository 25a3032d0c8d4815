"""Roofline of the C-RPN search-branch forward on this CPU: how much can batching sequences gain at most?

    python benchmarks/bench_roofline.py [--trackers crpn crpn-small] [--threads 1 2] [--batch-sizes 1 8]
        [--repeats 5] [--gemm-size 2048] [--fast MODE] [--forward-share 0.97]

What the batched engine (:class:`crpnbench.tracking.batched.BatchedCRPN`, ``crpnbench eval
--batch-sequences N``) runs per step is the search branch over N stacked search crops (tracker input
size) against N sequences' cached template kernels: :meth:`BatchedCRPN.correlate`. This script, for
each tracker (random weights, as ``--untrained``; any registry name: ``crpn``, ``crpn-small``,
``crpn-1stage``, ``crpn-noftb-multi``...):

1. **counts** that forward's arithmetic with :class:`crpnbench.tracking.flops.MacCounter`: the MACs of
   every convolution, transposed convolution and matrix product, the correlation's functional grouped
   ``F.conv2d`` included; GFLOP per crop = 2 x MACs (bias, BatchNorm, ReLU, pooling not counted);
2. **times** it at each batch size and torch thread count, under ``torch.inference_mode``, best of
   ``--repeats`` after a warm-up (each sample repeats the call to last >= 50 ms);
3. **measures the attainable peak** of the same threads: a float32 GEMM (``torch.mm``, ``--gemm-size``
   square) and the model's own heaviest convolution layer (its module, its weights, its input shape)
   at each batch size; all measurements of one thread count are interleaved repeat by repeat, so a busy
   machine slows them alike;
4. **concludes**: achieved GFLOP/s of the forward as a fraction of each peak; the upper bound on the
   batched/serial speed-up of the forward pass, ``peak / achieved at batch 1`` (batching can at best
   bring every crop to the machine's peak); the measured ``batch N / batch 1`` per-crop ratio; and the
   end-to-end bound if the forward is ``--forward-share`` of a serial step (Amdahl; default 0.97, the
   full model's share measured in docs/throughput.md; the rest, crop/decode/post-processing, does not
   get faster with batching).

Run it on an idle machine: a thread count whose GEMM does not scale (another process holds a core)
gets a warning, since OpenMP threads waiting on a busy core slow small (batch-1) calls far more than
large ones and fake a batching gain.

:func:`measure` returns the numbers (rows and bounds) and :func:`main` prints them.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import torch

#: seconds one timed sample should at least last (short calls are repeated inside a sample)
MIN_SAMPLE_SECONDS = 0.05
#: below this fraction of linear GEMM scaling over threads, the cores are taken by other work (a warning)
CONTENDED_SCALING = 0.8


# ------------------------------------------------------------------------------ building
def build_engine(name: str, fast: str | None, states: int):
    """``(BatchedCRPN, [SequenceState] * states)`` for registry tracker ``name`` (random weights), every
    state initialised on a synthetic frame (its own template kernels, as in a batched run)."""
    from crpnbench.tracking.batched import BatchedCRPN
    from crpnbench.tracking.spec import TrackerSpec

    tracker = TrackerSpec.of(name, untrained=True, fast=fast).build()
    engine = BatchedCRPN(tracker)
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 256, (480, 640, 3), dtype=np.uint8)
    slots = []
    for i in range(states):
        state = engine.new_state()
        engine.init(state, frame, np.array([200.0 + 10 * i, 150.0 + 5 * i, 60.0, 80.0]))
        slots.append(state)
    return engine, slots


def search_batch(engine, batch: int, seed: int = 0) -> torch.Tensor:
    """``batch`` random search crops (whole grey levels) at the tracker's input size, as the engine feeds them."""
    size = engine.config.tracking_instance_size
    generator = torch.Generator().manual_seed(seed)
    x = torch.randint(0, 256, (batch, 3, size, size), generator=generator).float()
    return engine._prepare(x)


def count_forward(engine, kernels, x):
    """The :class:`~crpnbench.tracking.flops.MacCounter` of one ``engine.correlate(kernels, x)``."""
    from crpnbench.tracking.flops import MacCounter

    with torch.inference_mode(), MacCounter(engine.network) as counter:
        engine.correlate(kernels, x)
    return counter


def breakdown(counter) -> dict[str, float]:
    """GFLOP by part: backbone, ftbs, heads (their convolutions), correlation (functional, outside a module)."""
    parts: dict[str, float] = {}
    for record in counter.records:
        part = record.module.split(".")[0] if record.module else "correlation"
        parts[part] = parts.get(part, 0.0) + 2e-9 * record.macs
    return parts


# ------------------------------------------------------------------------------ timing
def _calls_per_sample(function) -> int:
    start = time.perf_counter()
    function()
    elapsed = time.perf_counter() - start
    return max(1, math.ceil(MIN_SAMPLE_SECONDS / max(elapsed, 1e-6)))


def interleaved_best(functions: dict, repeats: int, warmup: int = 1) -> dict[str, float]:
    """Best seconds per call of each function, timed in turn ``repeats`` times after ``warmup`` calls."""
    calls = {}
    with torch.inference_mode():
        for key, function in functions.items():
            for _ in range(warmup):
                function()
            calls[key] = _calls_per_sample(function)
        best = {key: math.inf for key in functions}
        for _ in range(repeats):
            for key, function in functions.items():
                start = time.perf_counter()
                for _ in range(calls[key]):
                    function()
                best[key] = min(best[key], (time.perf_counter() - start) / calls[key])
    return best


# ------------------------------------------------------------------------------ the roofline
def measure(trackers, threads=(1, 2), batch_sizes=(1, 8), repeats: int = 5, gemm_size: int = 2048,
            fast: str | None = None, forward_share: float = 0.97, out=print) -> dict:
    """Counts, times and bounds (see the module docstring). Returns ``{"rows": [...], "bounds": [...],
    "gemm": {threads: GFLOP/s}, "gflop_per_frame": {tracker: GFLOP}, "parts": {tracker: {part: GFLOP}}}``;
    ``out`` receives the printed lines."""
    from crpnbench.tracking.flops import conv_macs

    batch_sizes = sorted(set(batch_sizes) | {1})
    largest = batch_sizes[-1]
    previous_threads = torch.get_num_threads()
    engines, kernels, inputs, flops, layers, parts = {}, {}, {}, {}, {}, {}
    for name in trackers:
        engine, states = build_engine(name, fast, largest)
        engines[name] = engine
        for batch in batch_sizes:
            kernels[name, batch] = engine._kernels_for(states[:batch])
            inputs[name, batch] = search_batch(engine, batch)
            counter = count_forward(engine, kernels[name, batch], inputs[name, batch])
            flops[name, batch] = counter.flops
            if batch == 1:
                parts[name] = breakdown(counter)
                heaviest = counter.heaviest("conv")
                layers[name] = (heaviest, engine.network.get_submodule(heaviest.module))
    a = torch.randn(gemm_size, gemm_size)
    b = torch.randn(gemm_size, gemm_size)
    gemm_flop = 2.0 * gemm_size ** 3

    result = {"rows": [], "bounds": [], "gemm": {}, "parts": parts,
              "gflop_per_frame": {name: 1e-9 * flops[name, 1] for name in trackers}}
    out(f"torch {torch.__version__}, fast {fast or 'off'}, best of {repeats} repeat(s) after warm-up, "
        f"GEMM {gemm_size}x{gemm_size} float32, random weights")
    for name in trackers:
        engine = engines[name]
        size = engine.config.tracking_instance_size
        shares = ", ".join(f"{k} {v:.3f}" for k, v in parts[name].items())
        record = layers[name][0]
        out(f"{name}: search branch at {size} px = {1e-9 * flops[name, 1]:.3f} GFLOP/crop ({shares}); "
            f"heaviest layer {record.module} {record.weight_shape} on {record.input_shape[1:]} "
            f"({2e-9 * record.macs:.3f} GFLOP)")
    try:
        for count in threads:
            torch.set_num_threads(count)
            functions = {("gemm",): lambda: torch.mm(a, b)}
            for name in trackers:
                engine = engines[name]
                record, layer = layers[name]
                for batch in batch_sizes:
                    functions[name, "forward", batch] = (
                        lambda e=engine, k=kernels[name, batch], x=inputs[name, batch]: e.correlate(k, x))
                    layer_input = engine._prepare(torch.randn(batch, *record.input_shape[1:]))
                    functions[name, "layer", batch] = lambda m=layer, x=layer_input: m(x)
            best = interleaved_best(functions, repeats)
            gemm = 1e-9 * gemm_flop / best["gemm",]
            result["gemm"][count] = gemm
            out(f"\n{count} thread(s): GEMM peak {gemm:.1f} GFLOP/s")
            single = result["gemm"].get(1)
            if single and count > 1 and gemm < CONTENDED_SCALING * count * single:
                out(f"  WARNING: GEMM scales only x{gemm / single:.2f} from 1 to {count} threads: other processes "
                    "hold the cores, so this thread count's numbers (batch 1 most) are not meaningful")
            for name in trackers:
                record = layers[name][0]
                layer_macs = conv_macs(record.input_shape, record.weight_shape, record.output_shape)
                layer_rates = {batch: 2e-9 * batch * layer_macs / best[name, "layer", batch] for batch in batch_sizes}
                conv = max(layer_rates.values())
                rates = ", ".join(f"batch {k} {v:.1f}" for k, v in layer_rates.items())
                out(f"  {name}: conv peak ({record.module}) {conv:.1f} GFLOP/s [{rates}]")
                out(f"  {'tracker':<18} {'threads':>7} {'batch':>5} {'GFLOP/crop':>10} {'ms/crop':>9} "
                    f"{'GFLOP/s':>8} {'% GEMM':>7} {'% conv':>7}")
                per_crop = {}
                for batch in batch_sizes:
                    seconds = best[name, "forward", batch] / batch
                    gflop = 1e-9 * flops[name, batch] / batch
                    rate = gflop / seconds
                    per_crop[batch] = (seconds, rate)
                    row = {"tracker": name, "threads": count, "batch": batch, "gflop_per_crop": gflop,
                           "gflop_per_batch": 1e-9 * flops[name, batch], "ms_per_crop": 1e3 * seconds,
                           "gflops": rate, "gemm_peak": gemm, "conv_peak": conv,
                           "frac_gemm": rate / gemm, "frac_conv": rate / conv}
                    result["rows"].append(row)
                    out(f"  {name:<18} {count:>7} {batch:>5} {gflop:>10.3f} {1e3 * seconds:>9.2f} {rate:>8.1f} "
                        f"{100 * rate / gemm:>6.0f}% {100 * rate / conv:>6.0f}%")
                achieved = per_crop[1][1]
                peak = max(gemm, conv)
                bound = peak / achieved
                measured = per_crop[1][0] / per_crop[largest][0]
                end_to_end = 1.0 / ((1.0 - forward_share) + forward_share / bound)
                result["bounds"].append({"tracker": name, "threads": count, "achieved_batch1": achieved,
                                         "gemm_peak": gemm, "conv_peak": conv, "conv_layer": record.module,
                                         "bound_gemm": gemm / achieved, "bound_conv": conv / achieved,
                                         "bound": bound, "measured_batch": largest, "measured_ratio": measured,
                                         "forward_share": forward_share, "end_to_end_bound": end_to_end})
                out(f"  => forward speed-up bound peak/achieved(batch 1): x{gemm / achieved:.2f} (GEMM), "
                    f"x{conv / achieved:.2f} (conv), x{bound:.2f} (best peak); measured batch {largest}/batch 1: "
                    f"x{measured:.2f}; end-to-end bound at forward share {forward_share:.2f}: x{end_to_end:.2f}")
    finally:
        torch.set_num_threads(previous_threads)
    return result


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trackers", "--tracker", nargs="+", default=["crpn", "crpn-small"],
                        help="C-RPN registry names (crpn, crpn-small, crpn-1stage, crpn-noftb-multi, ...)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="torch CPU thread counts")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 8], help="crops per forward (1 is added)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--gemm-size", type=int, default=2048)
    parser.add_argument("--fast", default=None, help="fast inference mode (crpnbench.tracking.fast)")
    parser.add_argument("--forward-share", type=float, default=0.97,
                        help="forward's share of a serial step for the end-to-end bound (docs/throughput.md: 0.97 "
                             "for crpn, about 0.8 for crpn-small)")
    args = parser.parse_args(argv)
    return measure(args.trackers, args.threads, args.batch_sizes, args.repeats, args.gemm_size, args.fast,
                   args.forward_share)


if __name__ == "__main__":
    main()
