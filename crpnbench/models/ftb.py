"""Feature transfer block (paper §3.4, Fig. 6): fuse the previous stage's features into a lower layer's."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def resize_to(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Bilinear interpolation of ``x`` (B, C, H, W) to ``size`` (a no-op when it already has it)."""
    if tuple(x.shape[-2:]) == tuple(size):
        return x
    return F.interpolate(x, size=size, mode="bilinear", align_corners=False)


class FeatureTransferBlock(nn.Module):
    """``Φ_l = FTB(Φ_{l-1}, φ_l)`` (paper Eq. 2), used on both the template and the search branch.

    Following Fig. 6: ``Φ_{l-1}`` (H'xW'xC') -> k x k deconvolution to φ_l's size H x W (stride 1, so
    ``k = H - H' + 1``; bilinear resize if it still differs) -> 3x3 conv; ``φ_l`` (HxWxC) -> 3x3 conv to C';
    element-wise sum -> ReLU -> 3x3 conv -> interpolation back to H'xW', so every stage's features, and
    therefore its cls/reg maps, have the same resolution (same anchors and ground truth for every RPN).
    """

    def __init__(self, prev_channels: int, cur_channels: int, out_channels: int, deconv_kernel: int = 3):
        super().__init__()
        self.deconv = nn.ConvTranspose2d(prev_channels, out_channels, deconv_kernel)
        self.prev_conv = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        self.cur_conv = nn.Conv2d(cur_channels, out_channels, 3, padding=1)
        self.fuse_conv = nn.Conv2d(out_channels, out_channels, 3, padding=1)

    def forward(self, prev: torch.Tensor, cur: torch.Tensor) -> torch.Tensor:
        up = resize_to(self.deconv(prev), cur.shape[-2:])
        fused = F.relu(self.prev_conv(up) + self.cur_conv(cur))
        return resize_to(self.fuse_conv(fused), prev.shape[-2:])
