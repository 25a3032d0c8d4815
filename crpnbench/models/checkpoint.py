"""Checkpoints shared by training and tracking: one ``torch.save`` dict per file.

Keys: ``format`` ("crpnbench-crpn/1"), ``model`` (state dict), ``config`` (:meth:`CRPNConfig.to_dict`),
plus whatever ``extra`` adds (``epoch``, ``optimizer``, ``scheduler``, ``step``...).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import torch

from crpnbench.errors import ConfigError
from crpnbench.raw.write import atomic_path

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
