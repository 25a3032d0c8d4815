"""SiamRPN's up-channel RPN head: template features become correlation kernels for 2k cls / 4k reg maps."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def xcorr_batched(search: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """Per-sample cross-correlation: ``search`` (B, C, H, W) with ``kernel`` (B, O*C, h, w) -> (B, O, H-h+1, W-w+1).

    Sample ``b`` of the search batch is correlated only with sample ``b``'s kernel (one grouped conv).
    A kernel batch of 1 is broadcast over the search batch (tracking several crops with one template).
    """
    b, c, h, w = search.shape
    if kernel.shape[0] == 1 and b > 1:
        kernel = kernel.expand(b, *kernel.shape[1:])
    out_channels = kernel.shape[1] // c
    weight = kernel.reshape(b * out_channels, c, kernel.shape[2], kernel.shape[3])
    out = F.conv2d(search.reshape(1, b * c, h, w), weight, groups=b)
    return out.reshape(b, out_channels, out.shape[2], out.shape[3])


class UpChannelRPNHead(nn.Module):
    """One RPN (paper Eq. 3): ``cls = corr([z]cls, [x]cls)`` (2k maps), ``reg = corr([z]reg, [x]reg)`` (4k maps).

    Template branch: 3x3 convs raising channels to ``hidden * 2k`` / ``hidden * 4k`` (the "up-channel"
    kernels); search branch: 3x3 convs to ``hidden``; a 1x1 adjust conv on the regression output as in
    SiamRPN. Output channel layout: ``cls`` channel ``c*k + a`` (class c, anchor a), ``reg`` ``j*k + a``.

    The correlation is divided by ``sqrt(hidden * kernel_h * kernel_w)`` (a fixed re-parametrisation,
    like scaled dot-product attention) so that a freshly initialised head gives maps of about unit
    scale at any width instead of logits/deltas in the tens or thousands (whose ``exp`` in Eq. 6 would
    overflow the cascade's refined anchors at the start of training).
    """

    def __init__(self, in_channels: int, hidden: int, num_anchors: int):
        super().__init__()
        self.hidden = hidden
        self.num_anchors = num_anchors
        self.template_cls = nn.Conv2d(in_channels, hidden * 2 * num_anchors, 3)
        self.template_reg = nn.Conv2d(in_channels, hidden * 4 * num_anchors, 3)
        self.search_cls = nn.Conv2d(in_channels, hidden, 3)
        self.search_reg = nn.Conv2d(in_channels, hidden, 3)
        self.reg_adjust = nn.Conv2d(4 * num_anchors, 4 * num_anchors, 1)

    def kernels(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Correlation kernels of the template features (computed once per video when tracking)."""
        return self.template_cls(z), self.template_reg(z)

    def correlate(self, kernels: tuple[torch.Tensor, torch.Tensor], x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(cls (B, 2k, h, w), reg (B, 4k, h, w))`` of search features ``x`` against ``kernels``."""
        scale = (self.hidden * kernels[0].shape[-2] * kernels[0].shape[-1]) ** -0.5
        cls = xcorr_batched(self.search_cls(x), kernels[0]) * scale
        reg = self.reg_adjust(xcorr_batched(self.search_reg(x), kernels[1]) * scale)
        return cls, reg

    def forward(self, z: torch.Tensor, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.correlate(self.kernels(z), x)
