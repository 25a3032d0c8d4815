"""Modified AlexNet of SiamFC / SiamRPN (channels 3-96-256-384-384-256, no padding), exposing conv3-conv5."""

from __future__ import annotations

import torch
from torch import nn

from crpnbench.models.config import feature_size

__all__ = ["AlexNetBackbone", "alexnet_channels", "feature_size", "freeze_blocks"]

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


def freeze_blocks(backbone: AlexNetBackbone, names) -> list[str]:
    """Stop gradients through the named blocks (``conv1`` ... ``conv5``); returns the names frozen.

    Only ``requires_grad`` is switched off; BatchNorm running statistics still update in ``train()``
    mode, so training code that wants them fixed should also call ``.eval()`` on those blocks.
    """
    frozen = []
    for name in names:
        for p in getattr(backbone, name).parameters():
            p.requires_grad_(False)
        frozen.append(name)
    return frozen
