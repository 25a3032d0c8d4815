"""Ablations: variant selection, configs derived from crpn-small, the CLI's --stages parsing, and
the train/evaluate/score/table pipeline (reusing existing checkpoints)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from click.testing import CliRunner

from crpnbench.ablation import VARIANTS, run_ablation, select_variants, variant_config
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


def test_pipeline_reuses_checkpoints_and_writes_the_paper_tables(tmp_path):
    """Steps replaced by recorders: checks which variants are trained, and that the tables and plot
    carry the scorer's numbers."""
    variants = select_variants((1, 3), no_naf=True)
    existing = tmp_path / "runs" / "crpn-small" / "model.pt"
    existing.parent.mkdir(parents=True)
    existing.write_bytes(b"checkpoint")
    trained, evaluated = [], []
    auc = {"crpn-small-1stage": 0.41749, "crpn-small": 0.45512, "crpn-small-nonaf": 0.43851}
    fps = {"crpn-small-1stage": 48.04, "crpn-small": 23.0, "crpn-small-nonaf": 22.5}

    def train_fn(config, **kw):
        trained.append((config.name, kw["train_data"], kw["epochs"], kw["run_dir"]))

    def evaluate_fn(benchmark, configs, **kw):
        evaluated.extend(c.name for c in configs)

    def score_fn(benchmark, results_dir, names):
        thresholds = np.linspace(0, 1, 21)
        trackers = {n: SimpleNamespace(success_curve=np.clip(1 - thresholds ** (1 / auc[n] - 1), 0, 1))
                    for n in names}
        return SimpleNamespace(trackers=trackers,
                               records=lambda: [{"tracker": n, "success": auc[n], "fps": fps[n]} for n in names])

    benchmark = SimpleNamespace(name="synthetic")
    result = run_ablation(variants, dataset=benchmark, epochs=2, results_root=tmp_path, trackers_dir=TRACKERS,
                          train_fn=train_fn, evaluate_fn=evaluate_fn, score_fn=score_fn, log=lambda line: None)
    assert [t[0] for t in trained] == ["crpn-small-1stage", "crpn-small-nonaf"]
    assert trained[0][1:] == ("synthetic-train", 2, tmp_path / "runs" / "crpn-small-1stage")
    assert evaluated == ["crpn-small-1stage", "crpn-small", "crpn-small-nonaf"]
    assert [r.trained for r in result.rows] == [True, False, True]
    names = {p.name for p in result.paths}
    assert {"ablation_synthetic.tex", "ablation_synthetic_stages.md", "ablation_synthetic_naf.csv",
            "ablation_success.png", "ablation_success.pdf"} <= names
    assert "ablation_synthetic_ftb.csv" not in names  # only one FTB variant ran
    rows = read_table(tmp_path / "tables" / "ablation_synthetic_stages.tex")
    assert rows == [
        {"Variant": "One stage", "Tracker": "crpn-small-1stage", "SUC on synthetic": 0.417, "Speed (fps)": 48.0},
        {"Variant": "Three stages (C-RPN)", "Tracker": "crpn-small", "SUC on synthetic": 0.455, "Speed (fps)": 23.0},
    ]
    naf = read_table(tmp_path / "tables" / "ablation_synthetic_naf.md")
    assert [(r["Variant"], r["SUC on synthetic"]) for r in naf] == [
        ("Three stages (C-RPN)", 0.455), ("C-RPN w/o NAF", 0.439)]


def test_training_data_must_be_named_off_synthetic(tmp_path):
    with pytest.raises(ConfigError, match="--train-dataset"):
        run_ablation(select_variants((1,)), dataset=SimpleNamespace(name="lasot"), results_root=tmp_path,
                     trackers_dir=TRACKERS, log=lambda line: None)


def test_real_train_evaluate_score_on_two_synthetic_sequences(tmp_path):
    """Real pieces end to end: the trainer writes checkpoints of a 1- and a 3-stage crpn-small, the
    eval runner tracks two synthetic sequences with them, the scorer scores the raw files; the table
    holds the scorer's numbers, and a second run reuses the checkpoints."""
    import torch

    from crpnbench.data.synthetic import Synthetic
    from crpnbench.scoring import score_results
    from crpnbench.training.trainer import TrainSettings, train

    torch.set_num_threads(1)

    class TwoSequences(Synthetic):
        def list_sequences(self):
            return super().list_sequences()[:2]

    benchmark = TwoSequences(root=tmp_path / "synthetic")
    trained = []

    def train_fn(config, *, run_dir, epochs, device, **_):
        settings = TrainSettings.from_mapping({"epochs": epochs, "pairs_per_epoch": 2, "batch_size": 2,
                                               "device": device, "freeze_layers": 0})
        train(config, [benchmark[n] for n in benchmark.names], settings, run_dir, progress=False)
        trained.append(config.name)

    results = tmp_path / "results"
    kwargs = dict(dataset=benchmark, epochs=1, results_root=results, trackers_dir=TRACKERS, train_fn=train_fn,
                  log=lambda line: None)
    result = run_ablation(select_variants((1, 3)), **kwargs)
    assert trained == ["crpn-small-1stage", "crpn-small"]
    assert all((results / "runs" / n / "model.pt").is_file() for n in trained)
    rescored = score_results(benchmark, results / "raw" / "synthetic", trackers=trained)
    for row in result.rows:
        assert row.metric == pytest.approx(rescored.trackers[row.name].metrics["success"], abs=1e-6)
        assert 0.0 <= row.metric <= 1.0 and row.fps > 0
    table = read_table(results / "tables" / "ablation_synthetic_stages.csv")
    assert [(r["Tracker"], r["SUC on synthetic"]) for r in table] == [
        (row.name, round(row.metric, 3)) for row in result.rows]
    assert (results / "plots" / "synthetic" / "ablation_success.png").stat().st_size > 5000
    again = run_ablation(select_variants((1, 3)), **kwargs)
    assert trained == ["crpn-small-1stage", "crpn-small"]  # nothing retrained
    assert [r.trained for r in again.rows] == [False, False]
    assert [r.metric for r in again.rows] == [r.metric for r in result.rows]  # complete results reused
