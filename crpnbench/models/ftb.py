"""Feature transfer block (paper §3.4, Fig. 6): fuse the previous stage's features into a lower layer's."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def centre_crop(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """The central ``size`` cells of ``x`` (B, C, H, W); a no-op when it already has that size.

    Removes ``(H - h) / 2`` cells on each side, so both differences must be even and non-negative:
    anything else would move the map's cells off the stride-8 grid the anchors assume.
    """
    h, w = x.shape[-2:]
    th, tw = int(size[0]), int(size[1])
    if (h, w) == (th, tw):
        return x
    dh, dw = h - th, w - tw
    if dh < 0 or dw < 0 or dh % 2 or dw % 2:
        raise ValueError(f"cannot centre-crop a {h}x{w} map to {th}x{tw} (need an even, non-negative difference)")
    return x[..., dh // 2: dh // 2 + th, dw // 2: dw // 2 + tw]


class FeatureTransferBlock(nn.Module):
    """``Φ_l = FTB(Φ_{l-1}, φ_l)`` (paper Eq. 2), used on both the template and the search branch.

    Following Fig. 6: ``Φ_{l-1}`` (H'xW'xC') -> k x k deconvolution (stride 1, ``k = H - H' + 1``) to
    φ_l's size H x W -> 3x3 conv; ``φ_l`` (HxWxC) -> 3x3 conv to C'; element-wise sum -> ReLU -> 3x3
    conv -> back to H'xW', so every stage's features, and therefore its cls/reg maps, have the same
    resolution (same anchors and ground truth for every RPN).

    How the fused map goes back to H'xW': a **centre crop** of ``m = (k - 1) / 2`` cells on each side,
    not the bilinear resize the paper's Fig. 6 draws ("interpolation"). Why: every backbone layer has
    stride 8 and no padding, and each unpadded 3x3 conv moves a map's first cell by one cell, so cell
    ``i`` of conv5 sees the same image point as cell ``i + 1`` of conv4 and ``i + 2`` of conv3. The
    stride-1 deconvolution puts cell ``i`` of ``Φ_{l-1}`` at the centre of output cells ``i..i+2m``,
    i.e. on cell ``i + m`` of φ_l's grid, and the padded 3x3 convs keep that grid. So the fused map's
    cells ``m .. H-m-1`` lie exactly on ``Φ_{l-1}``'s (and stage 1's) cells: cropping them keeps one
    cell = 8 px of the search crop at every stage, which the anchors shared by all RPNs assume. A
    bilinear resize of H cells onto H' (24 -> 22, 26 -> 22 at 255) would instead space the cells
    ``8 H / H'`` px apart (8.7 and 9.5 px), leaving every cell but the centre one off its anchor by up
    to about 11 px at the border (measured by tests/test_model_alignment.py). The same module runs in
    training and tracking, so both use this rule.
    """

    def __init__(self, prev_channels: int, cur_channels: int, out_channels: int, deconv_kernel: int = 3):
        super().__init__()
        if deconv_kernel % 2 != 1:
            raise ValueError(f"the FTB deconvolution kernel must be odd to stay on the anchor grid, got {deconv_kernel}")
        self.deconv = nn.ConvTranspose2d(prev_channels, out_channels, deconv_kernel)
        self.prev_conv = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        self.cur_conv = nn.Conv2d(cur_channels, out_channels, 3, padding=1)
        self.fuse_conv = nn.Conv2d(out_channels, out_channels, 3, padding=1)

    def forward(self, prev: torch.Tensor, cur: torch.Tensor) -> torch.Tensor:
        up = self.deconv(prev)
        if up.shape[-2:] != cur.shape[-2:]:
            raise ValueError(f"FTB: deconvolution gives {tuple(up.shape[-2:])} cells, the lower layer has "
                             f"{tuple(cur.shape[-2:])} (deconvolution kernel does not fit the layer sizes)")
        fused = F.relu(self.prev_conv(up) + self.cur_conv(cur))
        return centre_crop(self.fuse_conv(fused), prev.shape[-2:])
