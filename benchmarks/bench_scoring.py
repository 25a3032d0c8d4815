"""OPE scoring speed: crpnbench's vectorised metrics vs got10k's own metric code, same inputs, one run.

    python benchmarks/bench_scoring.py [--refdata ../shared/refdata] [--repeat 5]

1. OTB-2015 (OTB100.json + the refdata OTB raw results): the results and GT are read once; then
   (a) crpnbench ``score_ope_batch`` (all sequences of a tracker at once) with the ``got10k`` convention, and
   (b) got10k's ``rect_iou`` / ``center_error`` + ``ExperimentOTB._calc_curves`` exactly as
   ``ExperimentOTB.report`` uses them (first box := GT, linspace grid, IoU >, error <=),
   are timed (best of ``--repeat``) and the scores compared (they must agree).
2. LaSOT protocol II (280 sequences, 685k frames, C-RPN results): file reading and compute timed apart
   for the official (LaSOT-toolkit) convention.
Prints the time of each and the ratio measured in this run.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from crpnbench.data import open_benchmark
from crpnbench.metrics.conventions import resolve_convention
from crpnbench.metrics.ope import score_ope_batch
from crpnbench.raw.layout import index_result_files, sequence_key
from crpnbench.raw.read import read_ope_result

DEFAULT_REFDATA = Path(__file__).resolve().parents[2] / "shared" / "refdata"


def _best_of(fn, repeat):
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def bench_otb(refdata: Path, repeat: int) -> None:
    from got10k.experiments.otb import ExperimentOTB
    from got10k.utils.metrics import center_error, rect_iou

    otb = open_benchmark("otb2015", annotations=refdata / "otb" / "json" / "OTB100.json")
    sequences = list(otb)
    trackers = sorted(p for p in (refdata / "otb" / "results").iterdir() if p.is_dir())
    data = []  # (tracker, [(pred, gt)])
    for tracker in trackers:
        index = index_result_files(tracker)
        data.append((tracker.name, [(read_ope_result(index[sequence_key(s.name)], len(s)).values, s.boxes)
                                    for s in sequences]))
    frames = sum(len(gt) for _, pairs in data for _, gt in pairs)
    conv = resolve_convention("got10k", "otb2015")

    def ours():
        scores = {}
        for name, pairs in data:
            batch = score_ope_batch([p for p, _ in pairs], [g for _, g in pairs], None, conv)
            scores[name] = (batch.success_curves.mean(axis=0).mean(), batch.precision_curves.mean(axis=0)[20])
        return scores

    class _Bins:  # the two attributes ExperimentOTB._calc_curves reads
        nbins_iou, nbins_ce = 21, 51

    def got10k():
        scores = {}
        for name, pairs in data:
            succ, prec = [], []
            for pred, gt in pairs:
                boxes = pred.copy()
                boxes[0] = gt[0]
                ious, errors = rect_iou(boxes, gt), center_error(boxes, gt)
                s, p = ExperimentOTB._calc_curves(_Bins(), ious, errors)
                succ.append(s)
                prec.append(p)
            scores[name] = (np.mean(succ, axis=0).mean(), np.mean(prec, axis=0)[20])
        return scores

    t_ours, s_ours = _best_of(ours, repeat)
    t_got, s_got = _best_of(got10k, repeat)
    print(f"OTB-2015: {len(data)} trackers x {len(sequences)} sequences, {frames} frames (files read beforehand)")
    worst = 0.0
    for name in s_ours:
        worst = max(worst, abs(s_ours[name][0] - s_got[name][0]), abs(s_ours[name][1] - s_got[name][1]))
        print(f"  {name:10s} success {s_ours[name][0]:.4f} (got10k {s_got[name][0]:.4f})  "
              f"precision {s_ours[name][1]:.4f} (got10k {s_got[name][1]:.4f})")
    print(f"  largest score difference: {worst:.2e}")
    print(f"  crpnbench {t_ours * 1000:.1f} ms, got10k metric code {t_got * 1000:.1f} ms, "
          f"ratio got10k/crpnbench = {t_got / t_ours:.2f} (best of {repeat}, measured in this run)")


def bench_lasot(refdata: Path, repeat: int) -> None:
    lasot = open_benchmark("lasot", root=refdata / "lasot")
    conv = resolve_convention("official", "lasot")
    start = time.perf_counter()
    sequences = list(lasot)
    index = index_result_files(refdata / "lasot" / "results" / "C-RPN")
    preds = [read_ope_result(index[sequence_key(s.name)], len(s), conv.length_mismatch, allow_nan=True).values
             for s in sequences]
    t_read = time.perf_counter() - start

    def compute():
        batch = score_ope_batch(preds, [s.boxes for s in sequences], [s.absent for s in sequences], conv)
        return batch.success_curves.mean(axis=0).mean()

    t_compute, success = _best_of(compute, repeat)
    frames = sum(len(s) for s in sequences)
    print(f"LaSOT protocol II: {len(sequences)} sequences, {frames} frames: success {success:.4f}; "
          f"reading GT + results {t_read:.2f} s, scoring {t_compute * 1000:.1f} ms (best of {repeat})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refdata", type=Path, default=DEFAULT_REFDATA)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    bench_otb(args.refdata, args.repeat)
    bench_lasot(args.refdata, args.repeat)


if __name__ == "__main__":
    main()
