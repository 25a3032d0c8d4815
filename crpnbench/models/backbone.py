"""Modified AlexNet of SiamFC / SiamRPN (channels 3-96-256-384-384-256, no padding), exposing conv3-conv5."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from crpnbench.errors import ConfigError
from crpnbench.models.config import feature_size

__all__ = ["AlexNetBackbone", "alexnet_channels", "feature_size", "freeze_first_layers", "load_imagenet_alexnet"]

FULL_CHANNELS = (96, 256, 384, 384, 256)


def alexnet_channels(width: float = 1.0) -> tuple[int, ...]:
    """Output channels of conv1..conv5 for a ``width`` multiplier (at least 8 each)."""
    return tuple(max(8, int(round(c * width))) for c in FULL_CHANNELS)


class AlexNetBackbone(nn.Module):
    """conv1 11x11/2+BN+ReLU+maxpool, conv2 5x5+BN+ReLU+maxpool, conv3/conv4 3x3+BN+ReLU, conv5 3x3+BN.

    ``forward(x)`` returns ``{"conv3": ..., "conv4": ..., "conv5": ...}`` (input: BGR 0-255 floats,
    ``(B, 3, S, S)``, as SiamRPN feeds it). Module names ``conv1``..``conv5`` each a Sequential whose
    index 0 is the convolution and index 1 the BatchNorm.
    """

    def __init__(self, width: float = 1.0):
        super().__init__()
        c1, c2, c3, c4, c5 = self.channels = alexnet_channels(width)
        self.conv1 = nn.Sequential(nn.Conv2d(3, c1, 11, stride=2), nn.BatchNorm2d(c1), nn.ReLU(inplace=True),
                                   nn.MaxPool2d(3, stride=2))
        self.conv2 = nn.Sequential(nn.Conv2d(c1, c2, 5), nn.BatchNorm2d(c2), nn.ReLU(inplace=True),
                                   nn.MaxPool2d(3, stride=2))
        self.conv3 = nn.Sequential(nn.Conv2d(c2, c3, 3), nn.BatchNorm2d(c3), nn.ReLU(inplace=True))
        self.conv4 = nn.Sequential(nn.Conv2d(c3, c4, 3), nn.BatchNorm2d(c4), nn.ReLU(inplace=True))
        self.conv5 = nn.Sequential(nn.Conv2d(c4, c5, 3), nn.BatchNorm2d(c5))

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        x = self.conv2(self.conv1(x))
        f3 = self.conv3(x)
        f4 = self.conv4(f3)
        f5 = self.conv5(f4)
        return {"conv3": f3, "conv4": f4, "conv5": f5}


def freeze_first_layers(backbone: AlexNetBackbone, n: int = 2) -> list[str]:
    """Stop gradients through conv1..conv``n`` (paper: first two layers frozen); returns the frozen names.

    Only ``requires_grad`` is switched off; BatchNorm running statistics still update in ``train()``
    mode, so training code that wants them fixed should also call ``.eval()`` on those blocks.
    """
    names = []
    for i in range(1, n + 1):
        block = getattr(backbone, f"conv{i}")
        for p in block.parameters():
            p.requires_grad_(False)
        names.append(f"conv{i}")
    return names


# torchvision ``alexnet().features`` indices -> our block names
_TORCHVISION_CONV_INDEX = {0: "conv1", 3: "conv2", 6: "conv3", 8: "conv4", 10: "conv5"}


def load_imagenet_alexnet(model: nn.Module, path: str | Path) -> dict[str, list[str]]:
    """Copy ImageNet AlexNet weights from a local state-dict file into ``model``'s backbone.

    ``model`` is a :class:`AlexNetBackbone` or anything with a ``.backbone`` attribute. Accepted keys:
    torchvision's ``features.{0,3,6,8,10}.{weight,bias}`` (mapped to conv1..conv5) or our own
    ``[backbone.]convN.I.*``. Only tensors whose shapes fit are copied: torchvision's AlexNet
    (64-192-384-256-256) fits none of the full 96-256-384-384-256 layers, a Caffe-style or our own
    checkpoint fits all. Returns ``{"loaded": [...], "skipped": ["key (why)", ...]}``. Never downloads.
    """
    backbone = getattr(model, "backbone", model)
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: backbone weights file not found")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is one clear error
        raise ConfigError(f"{path}: cannot read a PyTorch state dict ({exc.__class__.__name__}: {exc})") from None
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if isinstance(state, dict) and "model" in state and isinstance(state["model"], dict):
        state = state["model"]
    own = backbone.state_dict()
    loaded, skipped, update = [], [], {}
    for key, tensor in state.items():
        target = _map_key(key)
        if target is None or target not in own:
            skipped.append(f"{key} (no matching layer)")
            continue
        if tuple(own[target].shape) != tuple(tensor.shape):
            skipped.append(f"{key} (shape {tuple(tensor.shape)} != {tuple(own[target].shape)})")
            continue
        update[target] = tensor
        loaded.append(target)
    backbone.load_state_dict(update, strict=False)
    return {"loaded": loaded, "skipped": skipped}


def _map_key(key: str) -> str | None:
    for prefix in ("module.", "backbone."):
        if key.startswith(prefix):
            key = key[len(prefix):]
    parts = key.split(".")
    if parts[0] == "features" and len(parts) == 3 and parts[1].isdigit():
        block = _TORCHVISION_CONV_INDEX.get(int(parts[1]))
        return None if block is None else f"{block}.0.{parts[2]}"
    if parts[0] in _TORCHVISION_CONV_INDEX.values():
        return key
    return None
