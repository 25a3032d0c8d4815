"""Which device a model runs on: the one check every entry point uses (tracker builds, training, the CLI)."""

from __future__ import annotations

from crpnbench.errors import ConfigError


def check_device(device: str | None) -> str | None:
    """Return ``device`` (``cpu``, ``cuda`` or ``cuda:N``) if this machine has it, else raise one
    :class:`ConfigError` line saying what it has. Imports torch only for a CUDA device."""
    if device is None or not str(device).startswith("cuda"):
        return device
    import torch

    if not torch.cuda.is_available():
        raise ConfigError(f"--device {device}: CUDA is not available on this machine (use --device cpu)")
    index = int(str(device).partition(":")[2] or 0)
    count = torch.cuda.device_count()
    if index >= count:
        raise ConfigError(f"--device {device}: this machine has {count} CUDA device(s) (cuda:0 .. cuda:{count - 1})")
    return device


__all__ = ["check_device"]
