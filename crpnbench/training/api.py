"""The library entry point behind ``crpnbench train``: resolve the config, the data and the settings.

Settings are layered (later wins): :class:`~crpnbench.training.trainer.TrainSettings` defaults (the
paper's: 50 epochs, lr 1e-2 -> 1e-6, SGD momentum 0.9, weight decay 5e-4), then
:data:`DATA_DEFAULTS` for the chosen ``--dataset`` (the synthetic benchmark gets a CPU-sized schedule),
then the tracker config's ``[train]`` table, then the command line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from crpnbench.errors import ConfigError
from crpnbench.training.sources import TRAIN_DATA  # --dataset name -> SourceSpec (reader, folder, frame gap)

#: per-data defaults below the config's [train] table: the synthetic benchmark trains crpn-small on a
#: 2-core CPU in a few minutes (tuned: see the training report); real data keeps the paper's schedule
DATA_DEFAULTS: dict[str, dict[str, Any]] = {
    "synthetic-train": {
        "epochs": 16, "pairs_per_epoch": 512, "batch_size": 16, "lr_start": 1e-2, "lr_end": 1e-3,
        "frame_gap": 50, "search_shift": 32.0,
    },
}
DATA_DEFAULTS["synthetic"] = DATA_DEFAULTS["synthetic-train"]


def find_tracker_config(name: str) -> Path:
    """The config file of tracker ``name``, found as ``crpnbench eval`` finds it (the registry's rules)."""
    from crpnbench.tracking.registry import resolve_tracker_config

    return resolve_tracker_config(name)


def load_config(tracker: str | None = None, config_path: str | Path | None = None):
    """The :class:`CRPNConfig` of ``--config PATH`` or ``--tracker NAME``; other tracker types are an error."""
    from crpnbench.models.config import CRPNConfig
    from crpnbench.tracking.registry import read_tracker_config

    path = Path(config_path) if config_path is not None else find_tracker_config(tracker or "crpn-small")
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    kind = read_tracker_config(path).get("type", "crpn")
    if kind != "crpn":
        raise ConfigError(f"{path}: tracker type {kind!r} has nothing to train (only C-RPN configs train)")
    return CRPNConfig.from_toml(path)


def training_sequences(data: str, data_root=None):
    """The :class:`~crpnbench.training.sources.TrainingData` of ``--dataset`` value ``data``.

    ``data`` is one source (``lasot``, ``vid``...) or a weighted mix (``vid:0.6,ytbb:0.4``);
    ``data_root`` is a folder (one source) or ``LABEL=DIR`` strings, one per source (see
    :mod:`crpnbench.training.sources`). The result iterates over every sequence of every source.
    """
    from crpnbench.training.sources import load_training_data

    return load_training_data(data, data_root)


def resolve_settings(config, data: str, overrides: Mapping[str, Any] | None = None):
    """Layered :class:`TrainSettings` (module docstring); device defaults to cuda when available."""
    from crpnbench.training.trainer import TrainSettings

    overrides = dict(overrides or {})
    if overrides.get("device") is None:
        import torch

        overrides["device"] = "cuda" if torch.cuda.is_available() else "cpu"
    return TrainSettings.from_mapping(DATA_DEFAULTS.get(data), dict(config.train), overrides)


def run_training(
    tracker: str | None = "crpn-small",
    config_path: str | Path | None = None,
    data: str = "synthetic-train",
    data_root: str | Path | None = None,
    run_dir: str | Path | None = None,
    resume: bool = False,
    pretrained: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    progress: bool = True,
):
    """Train the configured tracker; returns the :class:`TrainResult`.

    The run folder defaults to the folder of the config's checkpoint (``results/runs/<name>/``), so
    the ``model.pt`` written there is what ``crpnbench eval --tracker <name>`` loads.
    """
    from crpnbench.training.trainer import train

    config = load_config(tracker, config_path)
    settings = resolve_settings(config, data, overrides)
    checkpoint_name = "model.pt"
    if run_dir is None:
        run_dir, checkpoint_name = config.checkpoint_path.parent, config.checkpoint_path.name
    sequences = [] if settings.epochs == 0 else training_sequences(data, data_root)  # --epochs 0 reads no data
    return train(config, sequences, settings, Path(run_dir), resume=resume, pretrained=pretrained,
                 progress=progress, checkpoint_name=checkpoint_name)


__all__ = ["DATA_DEFAULTS", "TRAIN_DATA", "find_tracker_config", "load_config", "resolve_settings",
           "run_training", "training_sequences"]
