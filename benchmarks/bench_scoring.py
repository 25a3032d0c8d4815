"""OPE scoring speed: crpnbench's vectorised metrics vs got10k's own metric code, same inputs, one run.

    python benchmarks/bench_scoring.py [--refdata ../shared/refdata] [--repeat 5]

1. OTB-2015 (OTB100.json + the refdata OTB raw results): the results and GT are read once; then
   (a) crpnbench ``score_ope_batch`` (all sequences of a tracker at once) with the ``got10k`` convention, and
   (b) got10k's ``rect_iou`` / ``center_error`` + ``ExperimentOTB._calc_curves`` exactly as
   ``ExperimentOTB.report`` uses them (first box := GT, linspace grid, IoU >, error <=),
   are timed (best of ``--repeat``) and the scores compared (they must agree).
2. LaSOT protocol II (280 sequences, 685k frames, C-RPN results): file reading and compute timed apart
   for the official (LaSOT-toolkit) convention.
3. The yardstick: the whole ``crpnbench score --dataset lasot`` (a fresh process) against a bare
   25-line pandas script that reads the same 560 GT/result files (+ absent flags) with pandas' C parser
   and computes the success AUC (a fresh process too, its imports included), alternated, best of
   ``--repeat``; goal: ratio <= 1.3. Without refdata's LaSOT a synthetic set of files of the same size
   (280 x 2,448 frames) is written to a temporary folder first.
Prints the time of each and the ratio measured in this run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
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


YARDSTICK = r'''
import sys
import numpy as np
import pandas as pd
from pathlib import Path

root, results = Path(sys.argv[1]), Path(sys.argv[2])
names = [line.strip() for line in open(root / "testing_set.txt") if line.strip()]
thresholds = np.arange(0, 1.05, 0.05)
curves = []
for name in names:
    gt = pd.read_csv(root / "anno" / f"{name}.txt", header=None).to_numpy(float)
    pred = pd.read_csv(results / f"{name}.txt", header=None).to_numpy(float)[: len(gt)]
    absent = pd.read_csv(root / "anno" / "absent" / f"{name}.txt", header=None).to_numpy().ravel().astype(bool)
    pred[0] = gt[0]
    x1, y1 = np.maximum(gt[:, 0], pred[:, 0]), np.maximum(gt[:, 1], pred[:, 1])
    x2 = np.minimum(gt[:, 0] + gt[:, 2], pred[:, 0] + pred[:, 2])
    y2 = np.minimum(gt[:, 1] + gt[:, 3], pred[:, 1] + pred[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    iou = inter / (gt[:, 2] * gt[:, 3] + pred[:, 2] * pred[:, 3] - inter)
    iou = np.where((gt > 0).all(axis=1) & ~absent, iou, -1)
    curves.append((iou[:, None] > thresholds[None]).sum(axis=0) / len(gt))
print(f"success {np.mean(curves):.4f}")
'''


def synthetic_lasot(folder: Path, sequences: int = 280, frames: int = 2448, seed: int = 0) -> tuple[Path, Path]:
    """LaSOT-280-sized toolkit files (anno/, anno/absent/, testing_set.txt, one tracker's results):
    ``(data_root, results_dir)``."""
    rng = np.random.default_rng(seed)
    names = [f"synth-{i + 1}" for i in range(sequences)]
    (folder / "anno" / "absent").mkdir(parents=True)
    results = folder / "results" / "T"
    results.mkdir(parents=True)
    (folder / "testing_set.txt").write_text("\n".join(names) + "\n")
    for name in names:
        gt = np.c_[rng.uniform(1, 600, (frames, 2)), rng.uniform(5, 200, (frames, 2))].round()
        pred = gt + rng.normal(0, 8, gt.shape).round(2)
        np.savetxt(folder / "anno" / f"{name}.txt", gt, fmt="%d", delimiter=",")
        np.savetxt(results / f"{name}.txt", pred, fmt="%.2f", delimiter=",")
        np.savetxt(folder / "anno" / "absent" / f"{name}.txt", rng.random(frames) < 0.03, fmt="%d")
    return folder, folder / "results"


def bench_yardstick(refdata: Path, repeat: int, synthetic: bool = False) -> float:
    """Seconds of ``crpnbench score --dataset lasot`` and of the pandas script, side by side; the ratio."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        root, results = refdata / "lasot", refdata / "lasot" / "results"
        if synthetic or not (root / "anno").is_dir():
            print("LaSOT-280 not in refdata: writing a synthetic set of the same size ...")
            root, results = synthetic_lasot(tmp / "lasot")
        script = tmp / "yardstick.py"
        script.write_text(YARDSTICK)
        tracker = sorted(p for p in results.iterdir() if p.is_dir())[0]
        commands = {
            "pandas script": [sys.executable, str(script), str(root), str(tracker)],
            "crpnbench score": [sys.executable, "-m", "crpnbench", "score", "--dataset", "lasot", "--data-root",
                                str(root), "--results", str(results), "--out", str(tmp / "out"), "--quiet"],
        }
        best = {label: float("inf") for label in commands}
        for _ in range(repeat):  # alternated, so both see the same machine load
            for label, command in commands.items():
                start = time.perf_counter()
                subprocess.run(command, check=True, capture_output=True)
                best[label] = min(best[label], time.perf_counter() - start)
        ratio = best["crpnbench score"] / best["pandas script"]
        print(f"LaSOT-280 end to end (fresh processes, imports included, best of {repeat}): "
              f"crpnbench score {best['crpnbench score']:.2f} s, pandas script {best['pandas script']:.2f} s, "
              f"ratio crpnbench/pandas = {ratio:.2f} (goal <= 1.3, measured in this run)")
        return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refdata", type=Path, default=DEFAULT_REFDATA)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only-yardstick", action="store_true", help="run part 3 only")
    parser.add_argument("--synthetic", action="store_true", help="part 3 on synthetic LaSOT-sized files")
    args = parser.parse_args()
    if not args.only_yardstick:
        bench_otb(args.refdata, args.repeat)
        bench_lasot(args.refdata, args.repeat)
    bench_yardstick(args.refdata, args.repeat, args.synthetic)


if __name__ == "__main__":
    main()
