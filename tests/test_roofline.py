"""MAC counting (crpnbench.tracking.flops) and the roofline benchmark (benchmarks/bench_roofline.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from crpnbench.models.heads import xcorr_batched
from crpnbench.tracking.flops import MacCounter, conv_macs, count_macs

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_roofline.py"


class Tiny(nn.Module):
    """A conv, a transposed conv and a linear layer as modules; a per-sample (grouped) correlation and a
    depthwise conv as functional calls in the root's own forward."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.deconv = nn.ConvTranspose2d(4, 6, 3)
        self.fc = nn.Linear(10, 5)

    def forward(self, x, search, kernel, small, depthwise, vector):
        return (self.conv(x), xcorr_batched(search, kernel), self.deconv(small),
                F.conv2d(small, depthwise, groups=4), self.fc(vector))


def test_mac_counter_gives_the_exact_counts_of_a_hand_made_model():
    model = Tiny()
    inputs = (torch.rand(2, 3, 10, 10),          # conv: out (2, 8, 10, 10), 3*3*3 MACs each
              torch.rand(2, 4, 9, 9),            # correlation: search (2, 4, 9, 9) ...
              torch.rand(2, 2 * 4, 3, 3),        # ... kernel (2, 2*4, 3, 3): out (2, 2, 7, 7), 4*3*3 MACs each
              torch.rand(1, 4, 5, 5),            # deconv 4->6 3x3: every input element -> 6*3*3 outputs
              torch.rand(4, 1, 3, 3),            # depthwise: out (1, 4, 3, 3), 1*3*3 MACs each
              torch.rand(3, 10))                 # linear 10->5 on 3 rows
    expected = {"conv": 2 * 8 * 10 * 10 * 3 * 9, "": 2 * 2 * 7 * 7 * 4 * 9 + 4 * 3 * 3 * 9,
                "deconv": 4 * 5 * 5 * 6 * 9, "fc": 3 * 10 * 5}
    macs, counter = count_macs(model, *inputs, model=model)
    assert counter.by_module() == expected
    assert macs == sum(expected.values()) and counter.flops == 2 * macs
    assert [r.op for r in counter.records] == ["conv", "conv", "conv_transpose", "conv", "addmm"]
    correlation = counter.records[1]
    assert correlation.input_shape == (1, 8, 9, 9) and correlation.weight_shape == (4, 4, 3, 3)  # one grouped conv
    assert counter.heaviest("conv").module == "conv"
    # no model: everything counted, attributed to ""; outside the block nothing is counted and no hook is left
    with torch.no_grad(), MacCounter() as bare:
        model(*inputs)
    assert bare.by_module() == {"": macs}
    model(*inputs)
    assert len(bare.records) == 5 and not model.conv._forward_pre_hooks and not model.conv._forward_hooks
    assert conv_macs((1, 4, 5, 5), (4, 6, 3, 3), (1, 6, 7, 7), transposed=True) == 4 * 25 * 54


def test_mac_counter_agrees_with_torch_flop_counter_on_crpn_small():
    from torch.utils.flop_counter import FlopCounterMode

    from crpnbench.tracking.batched import BatchedCRPN
    bench = _bench()
    engine, states = bench.build_engine("crpn-small", None, 2)
    assert isinstance(engine, BatchedCRPN)
    kernels, x = engine._kernels_for(states), bench.search_batch(engine, 2)
    counter = bench.count_forward(engine, kernels, x)
    with torch.inference_mode(), FlopCounterMode(display=False) as reference:
        engine.correlate(kernels, x)
    assert counter.flops == reference.get_total_flops() > 0
    parts = bench.breakdown(counter)
    assert set(parts) == {"backbone", "ftbs", "heads", "correlation"}


def _bench():
    spec = importlib.util.spec_from_file_location("bench_roofline", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_roofline_benchmark_runs_end_to_end(capsys, monkeypatch):
    bench = _bench()
    monkeypatch.setattr(bench, "MIN_SAMPLE_SECONDS", 0.005)
    threads = torch.get_num_threads()
    result = bench.main(["--tracker", "crpn-small", "--threads", "1", "--batch-sizes", "8", "--repeats", "1",
                         "--gemm-size", "256"])
    assert torch.get_num_threads() == threads
    printed = capsys.readouterr().out
    for column in ("GFLOP/crop", "ms/crop", "GFLOP/s", "% GEMM", "% conv", "GEMM peak", "conv peak",
                   "measured batch 8/batch 1"):
        assert column in printed
    rows = {row["batch"]: row for row in result["rows"]}
    assert set(rows) == {1, 8}
    assert abs(rows[8]["gflop_per_batch"] - 8 * rows[1]["gflop_per_batch"]) < 1e-9
    assert rows[8]["gflop_per_crop"] == rows[1]["gflop_per_crop"] == result["gflop_per_frame"]["crpn-small"] > 0
    for row in rows.values():
        assert row["ms_per_crop"] > 0 and row["gflops"] > 0
        assert abs(row["frac_gemm"] - row["gflops"] / row["gemm_peak"]) < 1e-12
    (bound,) = result["bounds"]
    assert bound["bound"] == max(bound["bound_gemm"], bound["bound_conv"]) > 0
    assert abs(bound["bound_gemm"] - bound["gemm_peak"] / rows[1]["gflops"]) < 1e-9
    assert abs(bound["measured_ratio"] - rows[1]["ms_per_crop"] / rows[8]["ms_per_crop"]) < 1e-9
    assert 1 <= bound["end_to_end_bound"] <= bound["bound"] or bound["bound"] < 1
