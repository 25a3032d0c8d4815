"""Train a C-RPN config with several training seeds on the synthetic benchmark and score each run.

The README quick start trains one crpn-small; one run is an anecdote (seed-to-seed spread on the
12-sequence synthetic test split is about 0.03 success). This script repeats ``crpnbench train`` +
``crpnbench eval`` per seed, each seed in its own run folder and results root, and prints every
seed's success, the mean, the sample standard deviation and a 95 % t-interval of the mean.

    python benchmarks/seed_study.py --tracker crpn-small --seeds 0 1 2 --out /tmp/study [-- extra train options]

Extra arguments after ``--`` go to ``crpnbench train`` (e.g. ``--epochs 4``).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import time
from pathlib import Path

# two-sided 95 % Student t quantiles for n-1 degrees of freedom
T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228}


def run(cmd: list[str]) -> None:
    subprocess.run(cmd, check=True)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1:]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracker", default="crpn-small", help="a tracker name or a tracker TOML file")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--out", type=Path, required=True, help="folder for run folders and results roots")
    parser.add_argument("--label", default=None, help="name printed in the summary (default: the tracker)")
    args = parser.parse_args(argv)
    cli = [sys.executable, "-m", "crpnbench"]
    scores = {}
    for seed in args.seeds:
        run_dir = args.out / f"seed{seed}" / "run"
        results = args.out / f"seed{seed}" / "results"
        records = args.out / f"seed{seed}" / "scores.json"
        started = time.perf_counter()
        if not (run_dir / "model.pt").is_file():
            which = ["--config", args.tracker] if args.tracker.endswith(".toml") else ["--tracker", args.tracker]
            run(cli + ["train", *which, "--seed", str(seed), "--run-dir", str(run_dir), "--quiet"] + extra)
        trained = time.perf_counter() - started
        run(cli + ["eval", "--dataset", "synthetic", "--tracker", args.tracker, "--checkpoint",
                   str(run_dir / "model.pt"), "--out", str(results), "--json", str(records), "--quiet"])
        success = json.loads(records.read_text())[0]["success"]  # one tracker: one summary record
        scores[seed] = float(success)
        print(f"seed {seed}: success {success:.4f} (train {trained:.0f} s)", flush=True)
    values = list(scores.values())
    mean = statistics.fmean(values)
    label = args.label or args.tracker
    if len(values) > 1:
        sd = statistics.stdev(values)
        half = T95.get(len(values) - 1, 1.96) * sd / math.sqrt(len(values))
        print(f"{label}: success {mean:.4f} +- {sd:.4f} (sd, {len(values)} seeds); 95% CI of the mean "
              f"[{mean - half:.4f}, {mean + half:.4f}]; per seed {', '.join(f'{v:.4f}' for v in values)}")
    else:
        print(f"{label}: success {mean:.4f} (1 seed: no spread)")
    (args.out / "summary.json").write_text(json.dumps({"label": label, "tracker": args.tracker,
                                                       "seeds": scores, "extra": extra}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
