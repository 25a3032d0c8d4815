"""Checkpoints shared by training and tracking: one ``torch.save`` dict per file.

Keys: ``format`` ("crpnbench-crpn/1"), ``model`` (state dict), ``config`` (:meth:`CRPNConfig.to_dict`),
plus whatever ``extra`` adds; training adds ``epoch``, ``epochs_planned``, ``optimizer``, ``scaler``,
``train_settings``, ``data`` (the training sources and their weights) and ``init`` (the pretrained
weights file the run started from, or none, and the frozen backbone blocks), which
:func:`describe_checkpoint` turns into the line ``crpnbench eval`` prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import torch

from crpnbench.errors import ConfigError
from crpnbench.atomic import atomic_path

FORMAT = "crpnbench-crpn/1"


def save_checkpoint(path: str | Path, model: torch.nn.Module, config, extra: Mapping[str, Any] | None = None) -> Path:
    """Atomically write ``model``'s weights, its ``config`` (a CRPNConfig or a dict) and ``extra`` to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    model = getattr(model, "module", model)  # unwrap DataParallel / DistributedDataParallel
    model = getattr(model, "_orig_mod", model)  # unwrap torch.compile
    payload = {"format": FORMAT, "model": model.state_dict(),
               "config": config.to_dict() if hasattr(config, "to_dict") else dict(config)}
    payload.update(extra or {})
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)
    return path


def load_checkpoint(path: str | Path, map_location="cpu") -> dict:
    """Read a checkpoint written by :func:`save_checkpoint`; a missing or unreadable file is a ConfigError."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: checkpoint file not found")
    try:
        payload = torch.load(path, map_location=map_location, weights_only=False)
    except Exception as exc:  # noqa: BLE001 - a corrupt file is one clear error
        raise ConfigError(f"{path}: cannot read checkpoint ({exc.__class__.__name__}: {exc})") from None
    if not isinstance(payload, dict) or "model" not in payload:
        raise ConfigError(f"{path}: not a crpnbench checkpoint (no 'model' state dict)")
    return payload


def load_model_weights(model: torch.nn.Module, path: str | Path, map_location="cpu") -> dict:
    """Load a checkpoint's weights into ``model`` (strict); returns the checkpoint dict."""
    payload = load_checkpoint(path, map_location)
    try:
        model.load_state_dict(payload["model"])
    except RuntimeError as exc:
        first = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        raise ConfigError(f"{path}: checkpoint does not fit this model configuration ({first} ...)") from None
    return payload


def describe_checkpoint(payload: Mapping[str, Any]) -> str:
    """One line on what a checkpoint's weights are: epochs trained, training data, where they started.

    Reads the ``epoch``/``epochs_planned``, ``data`` (:meth:`TrainingData.describe`) and ``init``
    (pretrained file and frozen blocks) entries that training writes; older checkpoints without
    them say so.
    """
    parts = []
    if payload.get("epoch") is not None:
        planned = payload.get("epochs_planned")
        parts.append(f"{payload['epoch']}{'' if planned is None else f'/{planned}'} epoch(s)")
    data = payload.get("data")
    if isinstance(data, Mapping) and data.get("sources"):
        sources = [f"{s.get('name')} ({s.get('sequences')} seq" + (f", weight {s['weight']:.3g})" if len(data["sources"]) > 1
                                                                 else ")")
                   for s in data["sources"]]
        parts.append("data " + ", ".join(sources))
    elif "data" in payload and payload.get("epoch") == 0:
        parts.append("no training (initialised model)")
    else:
        parts.append("training data not recorded")
    init = payload.get("init")
    if isinstance(init, Mapping):
        pretrained = init.get("pretrained")
        if pretrained:
            parts.append(f"started from {pretrained.get('path')} (layout {pretrained.get('layout')}, "
                         f"{pretrained.get('loaded')} tensors, sha256 {str(pretrained.get('sha256'))[:12]})")
        else:
            parts.append("started from random weights")
        parts.append(f"frozen {', '.join(init['frozen'])}" if init.get("frozen") else "no layer frozen")
    else:
        parts.append("initialisation not recorded")
    return "; ".join(parts)
