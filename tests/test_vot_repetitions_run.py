"""Running repetitions (``eval --repetitions N|auto``) and the unsupervised experiment on the real VOT
``bag`` frames of refdata (first 20 frames), with a stochastic plug-in seeded per repetition."""

from __future__ import annotations

import json

import numpy as np
from click.testing import CliRunner

from crpnbench.cli import cli

PLUGIN = '''
import numpy as np


class Jitter:
    """Returns the initial box plus random jitter, seeded by the VOT repetition (set_repetition)."""

    name = "jitter"

    def __init__(self):
        self.repetition = 1

    def set_repetition(self, repetition):
        self.repetition = repetition

    def init(self, frame, box):
        self.box = np.asarray(box, dtype=float)
        self.rng = np.random.default_rng(1000 + self.repetition)

    def update(self, frame):
        return self.box + np.r_[self.rng.normal(0, 3, 2), 0, 0]


class Still(Jitter):
    """Deterministic: the initial box every frame."""

    name = "still"

    def update(self, frame):
        return self.box.copy()
'''


def _root(refdata, tmp_path):
    root = tmp_path / "VOT2018"
    root.mkdir()
    (root / "list.txt").write_text("bag\n")
    (root / "bag").symlink_to(refdata / "video" / "vot_bag_frames", target_is_directory=True)
    return root


def _eval(*args):
    return CliRunner().invoke(cli, ["eval", *args], catch_exceptions=False)


def test_repetitions_auto_runs_a_stochastic_plugin_15_times_and_a_deterministic_one_3(refdata, tmp_path):
    root = _root(refdata, tmp_path)
    plugin = tmp_path / "plug.py"
    plugin.write_text(PLUGIN)
    out = tmp_path / "res"
    common = ["--dataset", "vot2018", "--data-root", str(root), "--tracker", f"{plugin}:Jitter",
              "--tracker", f"{plugin}:Still", "--out", str(out), "--quiet", "--max-frames", "20",
              "--protocol", "baseline", "--repetitions", "auto"]
    first = _eval(*common, "--json", str(tmp_path / "scores.json"))
    assert first.exit_code == 0, first.output
    jitter = out / "raw" / "vot2018" / "jitter" / "baseline" / "bag"
    still = out / "raw" / "vot2018" / "still" / "baseline" / "bag"
    assert sorted(p.name for p in jitter.glob("bag_*.txt") if "time" not in p.name) == \
        [f"bag_{k:03d}.txt" for k in range(1, 16)]
    assert sorted(p.name for p in still.glob("bag_*.txt") if "time" not in p.name) == \
        ["bag_001.txt", "bag_002.txt", "bag_003.txt"]
    texts = [(jitter / f"bag_{k:03d}.txt").read_text() for k in range(1, 16)]
    assert len(set(texts)) == 15  # one seed per repetition
    assert "stopped after 3 identical runs" in first.output
    records = {r["tracker"]: r for r in json.loads((tmp_path / "scores.json").read_text())}
    assert records["jitter"]["repetitions"] == 15 and records["still"]["repetitions"] == 3
    # 20 frames: the EAO interval [100, 356] is out of reach (EAO NaN); accuracy and robustness have spreads
    assert records["still"]["accuracy_std"] == 0.0 and records["still"]["robustness_std"] == 0.0
    assert records["jitter"]["accuracy_std"] > 0.0
    assert "accuracy_std" in first.output  # the table shows the spread

    again = _eval(*common)  # resume per repetition: nothing runs again
    assert again.exit_code == 0, again.output
    assert "0 evaluated" in again.output
    assert [(jitter / f"bag_{k:03d}.txt").read_text() for k in range(1, 16)] == texts

    # a rerun of repetition 7 alone after deleting its file: only that file comes back, the same
    (jitter / "bag_007.txt").unlink()
    third = _eval(*common)
    assert third.exit_code == 0, third.output
    assert (jitter / "bag_007.txt").read_text() == texts[6]


def test_repetitions_n_and_the_unsupervised_experiment_scored_by_average_overlap(refdata, tmp_path):
    from crpnbench.data import open_benchmark
    from crpnbench.data.views import BenchmarkSubset
    from crpnbench.metrics.conventions import resolve_convention
    from crpnbench.metrics.vot import vot_overlaps
    from crpnbench.raw.read import read_vot_result

    root = _root(refdata, tmp_path)
    plugin = tmp_path / "plug.py"
    plugin.write_text(PLUGIN)
    out = tmp_path / "res"
    done = _eval("--dataset", "vot2018", "--data-root", str(root), "--tracker", f"{plugin}:Jitter", "--out", str(out),
                 "--quiet", "--max-frames", "20", "--protocol", "unsupervised", "--repetitions", "2", "--json", "-")
    assert done.exit_code == 0, done.output
    folder = out / "raw" / "vot2018" / "jitter" / "unsupervised" / "bag"
    runs = [read_vot_result(folder / f"bag_{k:03d}.txt", 20) for k in (1, 2)]
    assert all(r.codes[0] == 1 and (r.codes[1:] == -1).all() for r in runs)  # initialised once, never reset
    record = json.loads(done.stdout)[0]

    # by hand (MATLAB toolkit analyze_overlap, burn-in 0): per-frame mean over the two runs, frame 1 = 0
    seq = BenchmarkSubset(open_benchmark("vot2018", root=root), ["bag"], 20)["bag"]
    conv = resolve_convention("official", "vot2018")
    overlaps = np.vstack([vot_overlaps(r.codes, r.values, seq.polygons[:20], seq.image_size, conv) for r in runs])
    assert np.isnan(overlaps[:, 0]).all() and np.isfinite(overlaps[:, 1:]).all()
    by_frame = np.r_[0.0, (overlaps[0, 1:] + overlaps[1, 1:]) / 2]
    assert record["ao"] == round(float(by_frame.sum() / 20), 6)
    assert record["repetitions"] == 2

    scored = CliRunner().invoke(cli, ["score", "--dataset", "vot2018", "--data-root", str(root), "--results",
                                      str(out / "raw" / "vot2018"), "--protocol", "unsupervised",
                                      "--sequences", "bag", "--json", "-", "--out", str(tmp_path / "s")],
                                catch_exceptions=False)
    # score: the 20-frame files on the 196-frame sequence are scored over the frames they cover (noted)
    assert scored.exit_code == 0, scored.output
    assert json.loads(scored.stdout)[0]["ao"] == record["ao"]
