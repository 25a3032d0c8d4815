"""The C-RPN network (paper §3): shared AlexNet, L cascaded up-channel RPNs, FTB / "S" / "M" fusion.

``model(z, x)`` (training) and ``model.template(z)`` + ``model.track(x)`` (tracking) both return one
``(cls (B, 2K, S, S), reg (B, 4K, S, S))`` pair per stage, stage 1 first, every stage at the same
score size ``S`` (17 at 255/127). Turn them into anchors with :mod:`crpnbench.models.cascade`.
"""

from __future__ import annotations

import torch
from torch import nn

from crpnbench.models.backbone import AlexNetBackbone
from crpnbench.models.config import CRPNConfig
from crpnbench.models.ftb import FeatureTransferBlock, centre_crop
from crpnbench.models.heads import UpChannelRPNHead

#: backbone layer used by stage l (stage 1 = conv5, stage 2 = conv4, stage 3 = conv3)
STAGE_LAYERS = {1: "conv5", 2: "conv4", 3: "conv3"}

StageOutputs = list[tuple[torch.Tensor, torch.Tensor]]


class CRPN(nn.Module):
    """Siamese cascaded RPN built from a :class:`CRPNConfig` (stages, fusion, width)."""

    def __init__(self, config: CRPNConfig):
        super().__init__()
        self.config = config
        self.backbone = AlexNetBackbone(config.width)
        c1, c2, c3, c4, c5 = self.backbone.channels
        layer_channels = {"conv3": c3, "conv4": c4, "conv5": c5}
        k = config.num_anchors
        hidden = c5
        self.heads = nn.ModuleList()
        self.ftbs = nn.ModuleList()         # ftbs[l-2] is the FTB of stage l (fusion "ftb")
        self.fusion_weights = nn.ParameterList()  # fusion "multi": per stage, (2, n_layers) cls/reg logits
        for stage in range(1, config.stages + 1):
            if config.fusion == "multi":
                layers = [STAGE_LAYERS[s] for s in range(1, stage + 1)]
                self.heads.append(nn.ModuleList(UpChannelRPNHead(layer_channels[n], hidden, k) for n in layers))
                self.fusion_weights.append(nn.Parameter(torch.zeros(2, len(layers))))
            else:
                self.heads.append(UpChannelRPNHead(c5, hidden, k))
            if config.fusion == "ftb" and stage > 1:
                cur = layer_channels[STAGE_LAYERS[stage]]
                self.ftbs.append(FeatureTransferBlock(c5, cur, c5, deconv_kernel=2 * (stage - 1) + 1))
        self._template_kernels = None

    # ----- features per stage ---------------------------------------------------------------------
    def stage_features(self, feats: dict[str, torch.Tensor]) -> list:
        """Φ_l for every stage (a tensor; for fusion "multi" the list of layers the stage fuses)."""
        cfg = self.config
        out = []
        for stage in range(1, cfg.stages + 1):
            if cfg.fusion == "single":
                out.append(feats["conv5"])
            elif cfg.fusion == "multi":
                out.append([feats[STAGE_LAYERS[s]] for s in range(1, stage + 1)])
            elif stage == 1:
                out.append(feats["conv5"])
            else:
                out.append(self.ftbs[stage - 2](out[-1], feats[STAGE_LAYERS[stage]]))
        return out

    def _kernels(self, z: torch.Tensor) -> list:
        kernels = []
        for head, phi in zip(self.heads, self.stage_features(self.backbone(z))):
            if self.config.fusion == "multi":
                kernels.append([h.kernels(p) for h, p in zip(head, phi)])
            else:
                kernels.append(head.kernels(phi))
        return kernels

    def _correlate(self, kernels: list, x: torch.Tensor) -> StageOutputs:
        outputs = []
        size = None
        for stage, (head, kernel, phi) in enumerate(zip(self.heads, kernels, self.stage_features(self.backbone(x)))):
            if self.config.fusion == "multi":
                maps = [h.correlate(kk, p) for h, kk, p in zip(head, kernel, phi)]
                size = size or maps[0][0].shape[-2:]
                weights = torch.softmax(self.fusion_weights[stage], dim=1)
                cls = sum(w * centre_crop(m[0], size) for w, m in zip(weights[0], maps))
                reg = sum(w * centre_crop(m[1], size) for w, m in zip(weights[1], maps))
            else:
                cls, reg = head.correlate(kernel, phi)
                size = size or cls.shape[-2:]
                cls, reg = centre_crop(cls, size), centre_crop(reg, size)
            outputs.append((cls, reg))
        return outputs

    # ----- public API -----------------------------------------------------------------------------
    def forward(self, z: torch.Tensor, x: torch.Tensor) -> StageOutputs:
        """Training forward: templates ``z`` (B, 3, E, E) and search crops ``x`` (B, 3, I, I), BGR 0-255."""
        return self._correlate(self._kernels(z), x)

    def template(self, z: torch.Tensor) -> None:
        """Compute and cache the template's correlation kernels (once per video)."""
        self._template_kernels = self._kernels(z)

    def track(self, x: torch.Tensor) -> StageOutputs:
        """Per-stage ``(cls, reg)`` of search crops ``x`` against the cached template."""
        if self._template_kernels is None:
            raise RuntimeError("CRPN.track() called before CRPN.template()")
        return self._correlate(self._template_kernels, x)


def build_model(config: CRPNConfig, seed: int | None = None) -> CRPN:
    """A randomly initialised :class:`CRPN`, reproducible from ``seed`` (default ``config.seed``).

    The global torch RNG is left as it was: the one way every part of crpnbench (tracker, trainer,
    benchmarks) makes a fresh model, so the same config and seed always give the same weights.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed if seed is None else seed)
        return CRPN(config)
