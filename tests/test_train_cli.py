"""``crpnbench train`` end to end on the synthetic benchmark with a tiny config, and its errors."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch
from click.testing import CliRunner

from crpnbench.commands.train import command
from crpnbench.errors import ConfigError
from crpnbench.training.api import load_config, resolve_settings

TINY_TOML = """
type = "crpn"
extends = "{trackers}/crpn-small.toml"
name = "tiny"

[model]
width = 0.05
exemplar_size = 103
instance_size = 119

[train]
epochs = 2
pairs_per_epoch = 2
batch_size = 2
frame_gap = 10
"""


@pytest.fixture
def tiny_config(tmp_path):
    from crpnbench.training.api import find_tracker_config

    trackers = find_tracker_config("crpn-small").resolve().parent
    path = tmp_path / "tiny.toml"
    path.write_text(TINY_TOML.format(trackers=trackers))
    return path


def test_train_command_writes_a_run_folder(tmp_path, tiny_config, refdata):
    torch.set_num_threads(1)
    run_dir = tmp_path / "run"
    otb = refdata / "otb" / "seqs"  # any annotated benchmark trains; here the three real OTB sequences
    args = ["--config", str(tiny_config), "--dataset", "otb2015", "--data-root", str(otb),
            "--run-dir", str(run_dir), "--device", "cpu", "--quiet", "--epochs", "1"]
    result = CliRunner().invoke(command, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "trained 1 epoch(s), 2 pairs" in result.output
    assert {p.name for p in run_dir.iterdir()} >= {"model.pt", "epoch_001.pt", "train_log.csv", "loss.png"}
    # the checkpoint builds a working tracker, as `crpnbench eval` will
    from crpnbench.data import open_benchmark
    from crpnbench.models.config import CRPNConfig
    from crpnbench.models.checkpoint import load_model_weights
    from crpnbench.tracking.crpn_tracker import CRPNTracker, build_model

    config = CRPNConfig.from_toml(tiny_config)
    model = build_model(config)
    load_model_weights(model, run_dir / "model.pt")
    sequence = open_benchmark("otb2015", root=otb)["Crossing"]
    tracker = CRPNTracker(model, config)
    tracker.init(sequence.frame(0), sequence.init_box)
    box = tracker.update(sequence.frame(1))
    assert box.shape == (4,) and all(v == v for v in box)
    # --resume continues to the second epoch of the [train] table's 2
    resumed = CliRunner().invoke(command, args[:-2] + ["--resume"], catch_exceptions=False)
    assert resumed.exit_code == 0, resumed.output
    assert (run_dir / "epoch_002.pt").is_file()


def test_settings_are_layered_defaults_data_config_cli(tiny_config):
    config = load_config(config_path=tiny_config)
    settings = resolve_settings(config, "synthetic-train", {"batch_size": 3, "device": "cpu"})
    assert settings.epochs == 2 and settings.pairs_per_epoch == 2   # config [train]
    assert settings.batch_size == 3                                # command line
    assert settings.momentum == 0.9 and settings.weight_decay == 5e-4 and settings.lr_start == 1e-2
    assert settings.pair_config(config).frame_gap == 10
    assert settings.pair_config(config).exemplar_size == 103
    paper = resolve_settings(load_config("crpn"), "lasot", {"device": "cpu"})
    assert paper.epochs == 50 and paper.lr_end == 1e-6 and paper.pair_config(config).frame_gap == 100
    # the full model's schedule: the paper's epochs and lr at pysot's epoch size and batch
    assert (paper.pairs_per_epoch, paper.batch_size, paper.lr_start) == (600_000, 32, 1e-2)
    assert paper.freeze_layers == 2 and not paper.freeze_random
    quick = resolve_settings(load_config("crpn-small"), "synthetic-train", {"device": "cpu"})
    assert (quick.epochs, quick.pairs_per_epoch, quick.batch_size) == (16, 512, 16)  # CPU-sized quick start


def test_bad_settings_and_trackers_are_one_clear_error(tmp_path, tiny_config):
    bad = tmp_path / "bad.toml"
    bad.write_text(tiny_config.read_text().replace("frame_gap = 10", "frame_gapp = 10"))
    with pytest.raises(ConfigError, match="unknown training setting 'frame_gapp'"):
        resolve_settings(load_config(config_path=bad), "synthetic-train", {"device": "cpu"})
    run = subprocess.run([sys.executable, "-m", "crpnbench", "train", "--tracker", "no-such-tracker"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        line for line in run.stderr.strip().splitlines() if "unknown tracker 'no-such-tracker'" in line]
    assert "Traceback" not in run.stderr
