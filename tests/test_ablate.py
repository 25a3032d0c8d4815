"""Ablations: variant selection, configs derived from crpn-small (one run per variant and seed), the CLI's
options, reuse/resume decisions, the train/evaluate/score/speed/table pipeline with replaced steps, the
paper-orientation tables (variants as columns, mean ± std over seeds, paired-difference rows), and a real
end-to-end run with 2 seeds on 2 short synthetic sequences that is interrupted, resumed and reused."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from click.testing import CliRunner

from crpnbench.ablation import (
    VARIANTS,
    SpeedMeasurement,
    measure_speeds,
    run_ablation,
    select_variants,
    training_action,
    variant_config,
)
from crpnbench.errors import ConfigError
from crpnbench.reports.tables import read_table

REPO = Path(__file__).resolve().parents[1]
TRACKERS = REPO / "trackers"


def test_select_variants_follows_the_flags_in_paper_order():
    names = [v.name() for v in select_variants((3, 1, 2))]
    assert names == ["crpn-small-1stage", "crpn-small-2stage", "crpn-small"]
    names = [v.name(small=False) for v in select_variants((1,), no_ftb=True, no_naf=True)]
    assert names == ["crpn-1stage", "crpn", "crpn-nonaf", "crpn-noftb-single", "crpn-noftb-multi"]
    with pytest.raises(ConfigError, match="--stages must be 1, 2 or 3"):
        select_variants((4,))


def test_small_variants_override_crpn_small_and_full_variants_use_their_files(tmp_path):
    small = variant_config(VARIANTS["1stage"], trackers_dir=TRACKERS, results_root=tmp_path)
    base = variant_config(VARIANTS["full"], trackers_dir=TRACKERS, results_root=tmp_path)
    assert (small.name, small.stages) == ("crpn-small-1stage", 1)
    assert small.width == base.width and small.instance_size == base.instance_size  # crpn-small's size
    assert base.name == "crpn-small" and base.stages == 3
    assert small.checkpoint_path == tmp_path / "runs" / "crpn-small-1stage" / "model.pt"
    # run k > 0 of a variant: its own name, run folder and checkpoint; seed 0 of the full model is the quick start's
    seeded = variant_config(VARIANTS["1stage"], trackers_dir=TRACKERS, results_root=tmp_path, seed=2)
    assert (seeded.name, seeded.stages) == ("crpn-small-1stage-s2", 1)
    assert seeded.checkpoint_path == tmp_path / "runs" / "crpn-small-1stage-s2" / "model.pt"
    quick_start = Path("results/runs/crpn-small/model.pt")
    assert variant_config(VARIANTS["full"], trackers_dir=TRACKERS).checkpoint_path == quick_start
    assert variant_config(VARIANTS["nonaf"], small=False, trackers_dir=TRACKERS, seed=1).name == "crpn-nonaf-s1"
    assert variant_config(VARIANTS["nonaf"], trackers_dir=TRACKERS).theta == 1.0
    assert variant_config(VARIANTS["noftb-multi"], trackers_dir=TRACKERS).fusion == "multi"
    for key, variant in VARIANTS.items():
        full = variant_config(variant, small=False, trackers_dir=TRACKERS, results_root=tmp_path)
        small = variant_config(variant, small=True, trackers_dir=TRACKERS, results_root=tmp_path)
        # the small variant differs from its full-size file only in size, not in the ablated component
        assert (full.stages, full.fusion, full.theta) == (small.stages, small.fusion, small.theta), key
        assert full.width == 1.0 and small.width < 1.0


def test_stages_option_accepts_space_and_comma_lists():
    from crpnbench.commands.ablate import parse_stages

    assert parse_stages("1", ["2", "3"]) == [1, 2, 3]
    assert parse_stages("3,1", []) == [1, 3]
    from crpnbench.cli import cli

    result = CliRunner().invoke(cli, ["ablate", "--stages", "1", "5"])
    assert result.exit_code == 2 and "--stages takes 1, 2 or 3, got '5'" in result.output


def test_ablate_options_reach_the_ablation(monkeypatch, tmp_path):
    import crpnbench.ablation as ablation
    from crpnbench.cli import cli

    seen = {}

    def fake_run_ablation(variants, **kw):
        seen.update(kw, variants=[v.name() for v in variants])
        return ablation.AblationResult("synthetic", "SUC", [])

    monkeypatch.setattr(ablation, "run_ablation", fake_run_ablation)
    args = ["ablate", "--stages", "1", "2", "3", "--no-naf", "--no-ftb", "--seeds", "3", "--fast", "eager",
            "--protocol", "baseline", "--speed-frames", "0", "--out", str(tmp_path), "--quiet"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert seen["variants"] == ["crpn-small-1stage", "crpn-small-2stage", "crpn-small", "crpn-small-nonaf",
                                "crpn-small-noftb-single", "crpn-small-noftb-multi"]
    assert (seen["seeds"], seen["fast"], seen["protocol"], seen["speed_frames"]) == (3, "eager", "baseline", 0)
    assert CliRunner().invoke(cli, ["ablate", "--seeds", "0"]).exit_code == 2


def test_fast_means_the_same_in_eval_and_ablate():
    from crpnbench.commands.options import FAST_MODES
    from crpnbench.tracking.fast import FAST_MODES as LIBRARY_MODES

    assert FAST_MODES == LIBRARY_MODES


def test_training_action_reuses_finished_resumes_interrupted_and_refuses_other_schedules():
    settings = SimpleNamespace(epochs=16, seed=1)
    state = {"epoch": 16, "epochs_planned": 16, "seed": 1}
    assert training_action(None, settings) == "train"
    assert training_action(state, settings) == "reuse"
    assert training_action(state, settings, retrain=True) == "train"
    assert training_action({**state, "epoch": 5}, settings) == "resume"
    with pytest.raises(ConfigError, match="trained 16 of 16 planned epoch.*plans 4.*--epochs 16"):
        training_action(state, SimpleNamespace(epochs=4, seed=1), checkpoint="runs/x/model.pt")
    with pytest.raises(ConfigError, match="trained 5 of 20 planned.*--retrain"):
        training_action({**state, "epoch": 5, "epochs_planned": 20}, settings)  # another schedule: no resume
    with pytest.raises(ConfigError, match="seed 0, this run plans seed 1"):
        training_action({**state, "seed": 0}, settings)


# ----------------------------------------------------------------------------- replaced steps

SEQUENCES = ["A", "B", "C"]
#: tracker -> per-sequence success of each run (2 seeds per variant)
SUCCESS = {
    "crpn-small-1stage": [0.30, 0.40, 0.50], "crpn-small-1stage-s1": [0.32, 0.42, 0.52],
    "crpn-small": [0.35, 0.45, 0.60], "crpn-small-s1": [0.37, 0.47, 0.58],
    "crpn-small-nonaf": [0.33, 0.44, 0.55], "crpn-small-nonaf-s1": [0.33, 0.44, 0.55],
}


class FakeBenchmark:
    name = "synthetic"
    names = SEQUENCES

    def __getitem__(self, name):
        return SimpleNamespace(name=name)


def fake_score(protocol="ope"):
    import pandas as pd

    def score_fn(benchmark, results_dir, names, protocol=None):
        trackers = {}
        for name in names:
            values = np.array(SUCCESS[name])
            if protocol in (None, "ope"):
                table = pd.DataFrame({"sequence": SEQUENCES, "frames": 100, "success": values,
                                      "precision": values + 0.1, "norm_precision": values + 0.05})
                metrics = {"success": values.mean(), "precision": values.mean() + 0.1,
                           "norm_precision": values.mean() + 0.05}
                curve = np.clip(1 - np.linspace(0, 1, 21) ** (1 / values.mean() - 1), 0, 1)
                trackers[name] = SimpleNamespace(metrics=metrics, per_sequence=table.set_index("sequence"),
                                                 success_curve=curve)
            else:
                failures = np.round(10 * (1 - values))
                table = pd.DataFrame({"sequence": SEQUENCES, "frames": 100, "accuracy": values, "failures": failures,
                                      "robustness": failures})
                metrics = {"accuracy": values.mean(), "robustness": failures.mean(), "failures": failures.sum(),
                           "eao": values.mean() / 2}
                trackers[name] = SimpleNamespace(metrics=metrics, per_sequence=table.set_index("sequence"),
                                                 eao_interval=(20, 60))
        return SimpleNamespace(protocol=protocol or "ope", trackers=trackers)

    return score_fn


def fake_speed(specs, sequence, *, frames, fast=None):
    ms = {"crpn-small-1stage": 20.0, "crpn-small": 40.0, "crpn-small-nonaf": 39.0}
    return SpeedMeasurement({s.name: ms[s.name] for s in specs}, frames, 3, sequence.name, "cpu", 2, fast)


def write_training_checkpoint(path: Path, epoch: int, seed: int = 0):
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"format": "crpnbench-crpn/1", "model": {}, "epoch": epoch, "epochs_planned": epoch,
                "train_settings": {"seed": seed}}, path)


def test_pipeline_with_two_seeds_reuses_checkpoints_and_writes_the_paper_tables(tmp_path):
    """Steps replaced by recorders: which runs are trained and evaluated again, and that the tables (variants
    as columns) carry the scorer's numbers as mean ± std over seeds, the measured speed and the paired rows."""
    from crpnbench.metrics.paired import paired_difference, seed_average
    from crpnbench.reports.tables import interval_cell

    write_training_checkpoint(tmp_path / "runs" / "crpn-small" / "model.pt", epoch=2)  # the quick start's run
    trained, evaluated = [], {}

    def train_fn(config, settings, **kw):
        trained.append((config.name, settings.seed, settings.epochs, kw["run_dir"], kw["resume"]))

    def evaluate_fn(benchmark, configs, **kw):
        evaluated.update(names=[c.name for c in configs], redo=set(kw["redo"]), fast=kw["fast"])

    result = run_ablation(select_variants((1, 3), no_naf=True), dataset=FakeBenchmark(), epochs=2, seeds=2,
                          results_root=tmp_path, trackers_dir=TRACKERS, fast="eager", train_fn=train_fn,
                          evaluate_fn=evaluate_fn, score_fn=fake_score(), speed_fn=fake_speed, log=lambda line: None)
    assert [t[:3] for t in trained] == [("crpn-small-1stage", 0, 2), ("crpn-small-1stage-s1", 1, 2),
                                        ("crpn-small-s1", 1, 2), ("crpn-small-nonaf", 0, 2),
                                        ("crpn-small-nonaf-s1", 1, 2)]
    assert trained[1][3:] == (tmp_path / "runs" / "crpn-small-1stage-s1", False)
    assert evaluated["names"] == list(SUCCESS) and evaluated["fast"] == "eager"
    assert evaluated["redo"] == set(SUCCESS) - {"crpn-small"}  # trained now: its old raw results are stale
    assert [[r.action for r in row.runs] for row in result.rows] == [
        ["trained", "trained"], ["reused", "trained"], ["trained", "trained"]]

    names = {p.name for p in result.paths}
    assert {"ablation_synthetic.tex", "ablation_synthetic_stages.md", "ablation_synthetic_naf.csv",
            "ablation_synthetic_runs.csv", "ablation_synthetic_paired.csv", "ablation_synthetic_speed.csv",
            "ablation_success.png", "ablation_success.pdf", "ablation_stages.png", "ablation_naf.pdf"} <= names
    assert "ablation_synthetic_ftb.csv" not in names and "ablation_ftb.png" not in names  # no FTB variant ran

    for suffix in ("csv", "md", "tex"):
        rows = {r["Metric"]: r for r in read_table(tmp_path / "tables" / f"ablation_synthetic_stages.{suffix}")}
        assert list(rows["Seeds"]) == ["Metric", "One stage", "Three stages (C-RPN)"]  # variants are the columns
        assert rows["Success (AUC)"]["One stage"] == "0.410 ± 0.014"  # runs 0.400 and 0.420
        assert rows["Success (AUC)"]["Three stages (C-RPN)"] == "0.470 ± 0.005"
        assert rows["Precision (20 px)"]["One stage"] == "0.510 ± 0.014"
        assert rows["Speed (fps)"] == {"Metric": "Speed (fps)", "One stage": 50.0, "Three stages (C-RPN)": 25.0}
        assert rows["Seeds"]["One stage"] == 2
        assert rows["Tracker (seed 0)"]["Three stages (C-RPN)"] == "crpn-small"
        delta = rows["Δ success vs One stage (95% CI)"]
        expected = paired_difference(seed_average([SUCCESS["crpn-small"], SUCCESS["crpn-small-s1"]]),
                                     seed_average([SUCCESS["crpn-small-1stage"], SUCCESS["crpn-small-1stage-s1"]]))
        assert expected.mean == pytest.approx(0.06)
        assert delta == {"Metric": "Δ success vs One stage (95% CI)", "One stage": "ref.",
                         "Three stages (C-RPN)": interval_cell(expected.mean, expected.low, expected.high)}
    markdown = (tmp_path / "tables" / "ablation_synthetic_stages.md").read_text()
    assert "OPE; mean ± std over 2 training seeds; 3 sequences" in markdown
    assert "all variants measured in one process after training and evaluation, interleaved" in markdown
    assert "mean over 3 sequences" in markdown and "10,000 resamples" in markdown
    assert "\\pm" in (tmp_path / "tables" / "ablation_synthetic_stages.tex").read_text()

    combined = {r["Metric"]: r for r in read_table(tmp_path / "tables" / "ablation_synthetic.md")}
    assert list(combined["Seeds"])[1:] == ["One stage", "Three stages (C-RPN)", "C-RPN w/o NAF"]
    assert combined["Δ success vs C-RPN w/o NAF (95% CI)"]["C-RPN w/o NAF"] == "ref."
    naf = {r["Metric"]: r for r in read_table(tmp_path / "tables" / "ablation_synthetic_naf.csv")}
    assert list(naf["Seeds"])[1:] == ["C-RPN w/o NAF", "Three stages (C-RPN)"]  # the full model last, as the paper
    assert "Δ success vs One stage (95% CI)" not in naf
    paired = read_table(tmp_path / "tables" / "ablation_synthetic_paired.csv")
    assert [(p["table"], p["variant"], p["reference"], p["sequences"], p["seeds_variant"]) for p in paired] == [
        ("stages", "Three stages (C-RPN)", "One stage", 3, 2), ("naf", "Three stages (C-RPN)", "C-RPN w/o NAF", 3, 2)]
    runs = read_table(tmp_path / "tables" / "ablation_synthetic_runs.csv")
    assert [(r["tracker"], r["train_seed"], r["training"]) for r in runs][2:4] == [
        ("crpn-small", 0, "reused"), ("crpn-small-s1", 1, "trained")]


def test_vot_baseline_tables_have_the_eao_row_and_paired_accuracy_and_failures(tmp_path):
    write_training_checkpoint(tmp_path / "runs" / "crpn-small" / "model.pt", epoch=2)
    result = run_ablation(select_variants((1, 3)), dataset=FakeBenchmark(), epochs=2, seeds=2, protocol="baseline",
                          results_root=tmp_path, trackers_dir=TRACKERS, train_fn=lambda *a, **k: None,
                          evaluate_fn=lambda *a, **k: None, score_fn=fake_score(), speed_fn=fake_speed,
                          log=lambda line: None)
    assert result.metric_name == "EAO" and result.rows[0].metric == pytest.approx(0.205)
    # not the synthetic benchmark's default protocol: files named apart from an OPE study's
    assert not (tmp_path / "tables" / "ablation_synthetic_stages.md").exists()
    rows = {r["Metric"]: r for r in read_table(tmp_path / "tables" / "ablation_synthetic_baseline_stages.md")}
    assert {"Accuracy", "Robustness", "EAO", "Speed (fps)", "Δ accuracy vs One stage (95% CI)",
            "Δ failures vs One stage (95% CI)"} <= set(rows)
    assert "Success (AUC)" not in rows
    assert "VOT baseline, EAO interval [20, 60]" in \
        (tmp_path / "tables" / "ablation_synthetic_baseline_stages.md").read_text()
    assert (tmp_path / "plots" / "synthetic" / "ablation_baseline_eao.png").is_file()
    assert (tmp_path / "plots" / "synthetic" / "ablation_baseline_stages.png").is_file()


def test_training_data_must_be_named_off_synthetic(tmp_path):
    with pytest.raises(ConfigError, match="--train-dataset"):
        run_ablation(select_variants((1,)), dataset=SimpleNamespace(name="lasot"), results_root=tmp_path,
                     trackers_dir=TRACKERS, log=lambda line: None)


def test_speeds_are_measured_interleaved_on_the_same_frames():
    """measure_speeds: every tracker sees the same frames in one process, the order rotating per frame, and the
    median of the timed updates gives the speed."""
    import time

    from crpnbench.tracking.spec import TrackerSpec

    calls = []

    def make(name, seconds):
        class Sleeper:
            def init(self, frame, box):
                calls.append((name, "init", int(frame[0, 0, 0])))

            def update(self, frame):
                calls.append((name, "update", int(frame[0, 0, 0])))
                time.sleep(seconds)
                return np.zeros(4)
        return Sleeper

    sequence = type("Seq", (), {"name": "seq", "init_box": np.array([1.0, 1.0, 4.0, 4.0]),
                                "frame": lambda self, i: np.full((8, 8, 3), i, dtype=np.uint8),
                                "__len__": lambda self: 4})()
    specs = [TrackerSpec.of(("fast", make("fast", 0.002))), TrackerSpec.of(("slow", make("slow", 0.02)))]
    speed = measure_speeds(specs, sequence, frames=4, warmup=1)
    updates = [(name, frame) for name, kind, frame in calls if kind == "update"]
    assert updates == [("fast", 1), ("slow", 1), ("slow", 2), ("fast", 2), ("fast", 3), ("slow", 3),
                       ("slow", 1), ("fast", 1), ("fast", 2), ("slow", 2)]  # frames 1..3 cycled, order rotates
    assert speed.fps["fast"] > 3 * speed.fps["slow"] and speed.frames == 4 and speed.sequence == "seq"
    assert "interleaved" in speed.note()


# ----------------------------------------------------------------------------- real pieces

def test_real_two_seed_ablation_is_interrupted_resumed_and_reused(tmp_path):
    """Real training, evaluation and scoring on 2 short synthetic sequences with 2 seeds: an interrupted first
    invocation, a second that resumes the interrupted run and trains the rest (one run folder per variant and
    seed), a third that trains nothing and only evaluates a sequence whose result was lost."""
    import torch

    from crpnbench.data.synthetic import Synthetic
    from crpnbench.data.views import truncate_sequence
    from crpnbench.models.checkpoint import load_checkpoint
    from crpnbench.scoring import score_results
    from crpnbench.training.trainer import read_log, train

    torch.set_num_threads(1)

    class TwoShortSequences(Synthetic):
        def list_sequences(self):
            return super().list_sequences()[:2]

        def load_sequence(self, name):
            return truncate_sequence(super().load_sequence(name), 24)

    benchmark = TwoShortSequences(root=tmp_path / "synthetic")
    calls = []

    def train_fn(config, settings, *, run_dir, resume, interrupt=None, **_):
        calls.append((config.name, resume))
        stop = 1 if config.name == interrupt else None
        train(config, [benchmark[n] for n in benchmark.names], settings, run_dir, resume=resume, progress=False,
              stop_after_epochs=stop)
        if stop:
            raise KeyboardInterrupt  # as if Ctrl-C came after the first epoch

    results = tmp_path / "results"
    kwargs = dict(dataset=benchmark, epochs=2, seeds=2, results_root=results, trackers_dir=TRACKERS, speed_frames=2,
                  train_overrides={"pairs_per_epoch": 2, "batch_size": 2, "freeze_layers": 0}, log=lambda line: None,
                  progress=False)
    runs = ["crpn-small-1stage", "crpn-small-1stage-s1", "crpn-small", "crpn-small-s1"]
    with pytest.raises(KeyboardInterrupt):
        run_ablation(select_variants((1, 3)), train_fn=lambda *a, **k: train_fn(*a, interrupt=runs[1], **k), **kwargs)
    assert calls == [(runs[0], False), (runs[1], False)]
    assert load_checkpoint(results / "runs" / runs[1] / "model.pt")["epoch"] == 1

    calls.clear()
    result = run_ablation(select_variants((1, 3)), train_fn=train_fn, **kwargs)
    assert calls == [(runs[1], True), (runs[2], False), (runs[3], False)]  # reused, resumed, trained, trained
    for name, seed in zip(runs, (0, 1, 0, 1)):
        state = load_checkpoint(results / "runs" / name / "model.pt")
        assert (state["epoch"], state["train_settings"]["seed"]) == (2, seed)
        assert (results / "raw" / "synthetic" / name / "fps.csv").is_file()
    assert {r["epoch"] for r in read_log(results / "runs" / runs[1] / "train_log.csv")} == {1, 2}
    assert [[r.action for r in row.runs] for row in result.rows] == [["reused", "resumed"], ["trained", "trained"]]

    rescored = score_results(benchmark, results / "raw" / "synthetic", trackers=runs)
    for row in result.rows:
        values = [rescored.trackers[run.name].metrics["success"] for run in row.runs]
        assert row.metric == pytest.approx(np.mean(values), abs=1e-9)
        assert row.fps is not None and row.fps > 0
    table = {r["Metric"]: r for r in read_table(results / "tables" / "ablation_synthetic_stages.csv")}
    for row in result.rows:
        values = [rescored.trackers[run.name].metrics["success"] for run in row.runs]
        assert table["Success (AUC)"][row.variant.label] == f"{np.mean(values):.3f} ± {np.std(values, ddof=1):.3f}"
    assert table["Δ success vs One stage (95% CI)"]["One stage"] == "ref."
    assert table["Δ success vs One stage (95% CI)"]["Three stages (C-RPN)"].count("[") == 1
    assert {"Precision (20 px)", "Norm. precision", "Speed (fps)", "Seeds"} <= set(table)
    assert (results / "plots" / "synthetic" / "ablation_stages.png").stat().st_size > 5000

    # an evaluation interrupted before the last sequence of one run: only that sequence runs again
    raw = results / "raw" / "synthetic"
    lost = raw / runs[3] / f"{benchmark.names[1]}.txt"
    lost.unlink()
    kept = {p: p.stat().st_mtime_ns for p in raw.rglob("*.txt") if runs[3] not in p.relative_to(raw).parts
            or not p.name.startswith(benchmark.names[1])}  # (its time file, under times/, is rewritten with it)
    calls.clear()
    again = run_ablation(select_variants((1, 3)), train_fn=train_fn, **kwargs)
    assert calls == []  # nothing trained
    assert lost.is_file() and all(p.stat().st_mtime_ns == t for p, t in kept.items())
    assert [r.metric for r in again.rows] == pytest.approx([r.metric for r in result.rows], abs=1e-9)


def _result_with_attributes(seeds: int = 2):
    """An AblationResult over 8 sequences with attributes: 1 stage, the full model and no NAF, ``seeds`` runs each."""
    from crpnbench.ablation import AblationResult, RunResult, VariantResult

    names = [f"S{i}" for i in range(8)]
    attributes = {n: (("BC",) if i < 4 else ()) + (("SV",) if i % 2 else ()) for i, n in enumerate(names)}
    rng = np.random.default_rng(5)
    base = rng.uniform(0.3, 0.6, 8)
    gain = {"1stage": np.zeros(8), "full": np.where(np.arange(8) < 4, 0.10, 0.01), "nonaf": np.full(8, 0.04)}
    rows = []
    for key in ("1stage", "full", "nonaf"):
        variant = VARIANTS[key]
        runs = []
        for k in range(seeds):
            values = base + gain[key] + 0.01 * k
            run = RunResult(variant, k, variant.name(seed=k), None, k)
            run.per_sequence = {"success": dict(zip(names, values.tolist()))}
            run.metrics = {"success": float(values.mean())}
            runs.append(run)
        rows.append(VariantResult(variant, runs[0].name, None, None, True, None, runs))
    result = AblationResult("synthetic", "SUC", rows, seeds=seeds, sequences=names)
    result.attributes = attributes
    result.attribute_names = {"BC": "Distractors"}
    return result, base, gain, attributes


def test_attribute_breakdown_restricts_scores_and_differences_to_the_attribute(tmp_path):
    from crpnbench.ablation import attribute_breakdown, write_ablation_plots, write_ablation_tables

    result, base, gain, attributes = _result_with_attributes()
    result.breakdown = attribute_breakdown(result, resamples=2000)
    assert [(r.attribute, len(r.sequences)) for r in result.breakdown] == [("ALL", 8), ("BC", 4), ("SV", 4)]
    bc = result.breakdown[1]
    assert bc.label == "BC (Distractors)" and bc.sequences == ["S0", "S1", "S2", "S3"]
    # the full model's score on BC: per seed the mean over S0-S3, then the mean over seeds (+0.00, +0.01)
    mean, std = bc.scores["full"]
    assert mean == pytest.approx(base[:4].mean() + 0.10 + 0.005)
    assert std == pytest.approx(np.std([0.0, 0.01], ddof=1))
    # comparisons of the full model only: vs 1 stage (Table 4) and vs no NAF (Table 5)
    assert [(c.variant.key, c.reference.key) for c in bc.comparisons] == [("full", "1stage"), ("full", "nonaf")]
    vs_one = bc.comparisons[0]
    assert vs_one.difference.mean == pytest.approx(0.10) and vs_one.difference.sequences == 4
    assert vs_one.seed_interval is not None
    not_bc = result.breakdown[2]  # SV: S1, S3 (gain 0.10) and S5, S7 (gain 0.01)
    assert not_bc.comparisons[0].difference.mean == pytest.approx(0.055)

    tables = write_ablation_tables(result, tmp_path / "tables")
    assert tmp_path / "tables" / "ablation_synthetic_attributes.md" in tables
    rows = {r["Attribute"]: r for r in read_table(tmp_path / "tables" / "ablation_synthetic_attributes.csv")}
    assert str(rows["BC (Distractors)"]["Seqs"]) == "4"
    assert rows["BC (Distractors)"]["Δ vs One stage (95% CI)"].startswith("+0.100 [")
    detail = read_table(tmp_path / "tables" / "ablation_synthetic_attributes_detail.csv")
    assert {d["kind"] for d in detail} == {"score", "difference"} and len(detail) == 3 * (3 + 2)
    plots = write_ablation_plots(result, tmp_path / "plots")
    png = tmp_path / "plots" / "ablation_attributes.png"
    assert png in plots and png.stat().st_size > 10_000


def test_attribute_breakdown_leaves_out_rare_attributes_and_benchmarks_without_them():
    from crpnbench.ablation import attribute_breakdown

    result, *_ = _result_with_attributes(seeds=1)
    result.attributes["S0"] = ("BC", "IV")  # one sequence with IV: below min_sequences
    assert "IV" not in {r.attribute for r in attribute_breakdown(result, resamples=500)}
    assert all(c.seed_interval is None for r in attribute_breakdown(result, resamples=500) for c in r.comparisons)
    result.attributes = {}
    assert [r.attribute for r in attribute_breakdown(result, resamples=500)] == ["ALL"]


def test_got10k_ablation_uses_ao_for_its_main_row_differences_and_plots(tmp_path):
    """GOT-10k is scored with AO/SR (the scorer's ``columns`` and ``main_metric``): the main row is "AO", the
    paired differences and the plots use AO, and nothing is labelled success."""
    import pandas as pd

    from crpnbench.ablation import seed_spread_plot
    from crpnbench.metrics.paired import paired_difference, seed_average
    from crpnbench.reports.tables import interval_cell

    ao = {name: np.array(values) + 0.2 for name, values in SUCCESS.items()}

    def score_fn(benchmark, results_dir, names, protocol=None):
        trackers = {}
        for name in names:
            table = pd.DataFrame({"sequence": SEQUENCES, "frames": 100, "ao": ao[name], "sr50": ao[name] + 0.1,
                                  "sr75": ao[name] - 0.3}).set_index("sequence")
            metrics = {"ao": ao[name].mean(), "sr50": ao[name].mean() + 0.1, "sr75": ao[name].mean() - 0.3}
            curve = np.clip(1 - np.linspace(0, 1, 101) ** (1 / ao[name].mean() - 1), 0, 1)  # got10k's 101 points
            trackers[name] = SimpleNamespace(metrics=metrics, per_sequence=table, success_curve=curve)
        return SimpleNamespace(protocol="ope", trackers=trackers, columns=("ao", "sr50", "sr75"), main_metric="ao")

    write_training_checkpoint(tmp_path / "runs" / "crpn-small" / "model.pt", epoch=2)
    bench = FakeBenchmark()
    bench.name = "got10k-val"
    result = run_ablation(select_variants((1, 3)), dataset=bench, epochs=2, seeds=2, results_root=tmp_path,
                          trackers_dir=TRACKERS, train_fn=lambda *a, **k: None, evaluate_fn=lambda *a, **k: None,
                          score_fn=score_fn, speed_fn=fake_speed, log=lambda line: None)
    assert (result.family, result.metric_key, result.metric_name) == ("got10k", "ao", "AO")
    assert result.rows[1].metric == pytest.approx(np.mean([ao["crpn-small"].mean(), ao["crpn-small-s1"].mean()]))
    rows = {r["Metric"]: r for r in read_table(tmp_path / "tables" / "ablation_got10k-val_stages.csv")}
    assert list(rows)[:3] == ["AO", "SR0.5", "SR0.75"]  # the main metric first
    assert rows["AO"]["One stage"] == "0.610 ± 0.014" and rows["AO"]["Three stages (C-RPN)"] == "0.670 ± 0.005"
    assert not [label for label in rows if "success" in label.lower() or "AUC" in label]
    expected = paired_difference(seed_average([ao["crpn-small"], ao["crpn-small-s1"]]),
                                 seed_average([ao["crpn-small-1stage"], ao["crpn-small-1stage-s1"]]))
    assert rows["Δ AO vs One stage (95% CI)"]["Three stages (C-RPN)"] == interval_cell(expected.mean, expected.low,
                                                                                        expected.high)
    paired = read_table(tmp_path / "tables" / "ablation_got10k-val_paired.csv")
    assert [(p["metric"], p["mean_difference"]) for p in paired] == [("ao", pytest.approx(0.06))]
    assert "OPE, GOT-10k's AO / SR" in (tmp_path / "tables" / "ablation_got10k-val_stages.md").read_text()
    plots = tmp_path / "plots" / "got10k-val"
    assert (plots / "ablation_success.png").is_file() and (plots / "ablation_stages.png").is_file()
    spread = seed_spread_plot(result, result.rows, "stages", stem="x")
    assert spread.axes.get_ylabel().startswith("AO") and [e.score for e in spread.entries] == pytest.approx(
        [result.rows[0].metric, result.rows[1].metric])
