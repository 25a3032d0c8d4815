"""Every stage's cls/reg maps lie on the anchors' grid: one cell = ``anchor_stride`` px of the search crop.

Measured, not assumed: the receptive-field centroid of a cls cell is the |gradient|-weighted mean
position of that cell's score w.r.t. the search crop. Along the centre row (and column) the centroid
must move by the stride per cell at every stage (least-squares slope, +-0.25 px), and the centre cell
must sit at the crop centre within half a stride. Before the FTB centre crop, stages 2 and 3 of the
full model moved 8.56 and 9.29 px per cell (bilinear resize 24->22 and 26->22 cells).

The input is a flat grey image with a little seeded noise, so the network's response is (nearly)
translation-invariant and the centroid tracks the receptive field, not the image content. One
backward pass per stage and axis: the search batch holds one copy of the crop per cell and sample
``b``'s loss is cell ``b``'s score (BatchNorm in eval mode keeps the samples independent).

Each config runs at width 0.125: the width multiplier changes channel counts only, never kernel
sizes, strides or map sizes, so the geometry measured is the config's own (and the test stays fast).
"""

from pathlib import Path

import numpy as np
import pytest
import torch

from crpnbench.models.config import CRPNConfig
from crpnbench.models.crpn import CRPN

TRACKERS = Path(__file__).resolve().parents[1] / "trackers"
ALL_CONFIGS = ["crpn", "crpn-small", "crpn-1stage", "crpn-2stage", "crpn-nonaf", "crpn-noftb-single",
               "crpn-noftb-multi"]


def cell_centroids(model: CRPN, config: CRPNConfig, axis: int) -> list[np.ndarray]:
    """Per stage, the receptive-field centroid (search-crop pixels, 0-based) of each cell of the
    centre row (``axis=1``: x positions) or centre column (``axis=0``: y positions)."""
    generator = torch.Generator().manual_seed(0)
    size, score = config.instance_size, config.score_size
    z = 128 + 8 * torch.rand(1, 3, config.exemplar_size, config.exemplar_size, generator=generator)
    x = 128 + 8 * torch.rand(1, 3, size, size, generator=generator)
    model.eval()
    out = []
    for stage in range(config.stages):
        search = x.repeat(score, 1, 1, 1).requires_grad_(True)
        cls = model(z, search)[stage][0]                       # (score, 2K, S, S)
        mid, cells = score // 2, torch.arange(score)
        picked = cls[cells, :, mid, cells] if axis == 1 else cls[cells, :, cells, mid]
        picked.sum().backward()
        weight = search.grad.abs().sum(dim=1).double()         # (score, H, W)
        profile = weight.sum(dim=1 if axis == 1 else 2)        # (score, W or H)
        position = torch.arange(size, dtype=torch.float64)
        out.append(((profile * position).sum(dim=1) / profile.sum(dim=1)).numpy())
    return out


@pytest.mark.parametrize("name", ALL_CONFIGS)
def test_every_stage_moves_one_stride_per_cell(name):
    config = CRPNConfig.from_toml(TRACKERS / f"{name}.toml", {"width": 0.125})
    torch.manual_seed(0)
    model = CRPN(config)
    stride, centre = config.anchor_stride, (config.instance_size - 1) / 2
    for axis in ((1, 0) if name == "crpn" else (1,)):  # kernels are square: columns behave as rows
        for stage, centroids in enumerate(cell_centroids(model, config, axis), start=1):
            assert len(centroids) == config.score_size
            slope = np.polyfit(np.arange(len(centroids)), centroids, 1)[0]
            assert slope == pytest.approx(stride, abs=0.25), f"{name} stage {stage} axis {axis}: {slope:.3f} px per cell"
            assert abs(centroids[len(centroids) // 2] - centre) < stride / 2, (
                f"{name} stage {stage}: centre cell at {centroids[len(centroids) // 2]:.2f}, crop centre {centre}")
