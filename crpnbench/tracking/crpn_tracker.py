"""The C-RPN tracker (paper Algorithm 1) on top of :class:`crpnbench.models.crpn.CRPN`.

init: crop the exemplar (context 0.5) around the 1-based box, compute the template kernels once.
update: crop the search region (``instance/exemplar`` times the exemplar region) around the last box,
run every stage, keep the anchors that survive negative anchor filtering at every stage (``theta``),
take the last stage's refined anchors (``A_{L+1}``) as proposals and pick the best with SiamRPN's
strategy: scale/ratio change penalty (``penalty_k``), cosine window (``window_influence``) and size
learning rate (``lr``); clip to the image; return 1-based ``x, y, w, h``.
If NAF removes every anchor in a frame, that frame falls back to all of the last stage's proposals
(as with ``theta = 1``); if no proposal is finite, the previous box stands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import numpy as np
import torch

from crpnbench.errors import ConfigError
from crpnbench.models.anchors import config_anchors
from crpnbench.models.cascade import cascade_proposals
from crpnbench.models.checkpoint import load_model_weights
from crpnbench.models.config import CRPNConfig
from crpnbench.models.crpn import CRPN, build_model
from crpnbench.models.device import check_device
from crpnbench.tracking.base import Tracker
from crpnbench.tracking.crop import (box_to_center_size, center_size_to_box, context_size, crop_and_resize,
                                     image_to_tensor)

MIN_SIZE = 10.0  # smallest box side the tracker outputs (SiamRPN's clip)


def _as_bgr(frame: np.ndarray) -> np.ndarray:
    """3-channel view of a frame (a grayscale (H, W) or (H, W, 1) frame is repeated into B, G, R)."""
    if frame.ndim == 2:
        frame = frame[:, :, None]
    if frame.shape[2] == 1:
        frame = np.repeat(frame, 3, axis=2)
    return frame


def _change(r: np.ndarray) -> np.ndarray:
    return np.maximum(r, 1.0 / r)


def _padded_size(w, h):
    pad = (w + h) * 0.5
    return np.sqrt((w + pad) * (h + pad))


class CRPNTracker(Tracker):
    """C-RPN tracker; build with :meth:`from_config` (registry) or directly from a model and config."""

    def __init__(self, model: CRPN, config: CRPNConfig, device: str | torch.device = "cpu"):
        self.config = config
        self.name = config.name
        self.device = torch.device(device)
        self.model = model.to(self.device).eval()
        self._anchors: dict[int, tuple[torch.Tensor, np.ndarray]] = {}
        self.center = self.size = None
        self.image_size = None
        self.pad_colour = None
        #: proposals that survived NAF in the last frame (diagnostics; -1 = fallback to all)
        self.last_num_proposals = 0
        #: side of the cls/reg maps in the last frame
        self.last_score_size = None

    # ----- construction ---------------------------------------------------------------------------
    @classmethod
    def from_config(cls, config: Mapping[str, Any], config_path: str | Path, device: str = "cpu",
                    checkpoint: str | Path | None = None, untrained: bool = False) -> "CRPNTracker":
        """Build from a parsed tracker TOML (``type = "crpn"``) and its path (resolves ``extends``);
        see :func:`build_crpn`."""
        return build_crpn(CRPNConfig.from_mapping(config, config_path), device, checkpoint, untrained)

    @classmethod
    def from_checkpoint(cls, path: str | Path, device: str = "cpu") -> "CRPNTracker":
        """Build from a checkpoint alone, with the config it was trained with (stored in the file)."""
        from crpnbench.models.checkpoint import load_checkpoint

        payload = load_checkpoint(path)
        if not isinstance(payload.get("config"), Mapping):
            raise ConfigError(f"{path}: checkpoint has no stored config; build the tracker from its TOML instead")
        return build_crpn(CRPNConfig.from_dict(payload["config"]), device, path)

    # ----- tracking -------------------------------------------------------------------------------
    def _anchors_for(self, score_size: int):
        if score_size not in self._anchors:
            cfg = self.config
            anchors = config_anchors(cfg, score_size)
            hanning = np.hanning(score_size)
            window = np.tile(np.outer(hanning, hanning).ravel(), cfg.num_anchors)
            self._anchors[score_size] = (torch.from_numpy(anchors).to(self.device), window)
        return self._anchors[score_size]

    @torch.inference_mode()
    def init(self, frame: np.ndarray, box: np.ndarray) -> None:
        cfg = self.config
        frame = _as_bgr(frame)
        self.center, self.size = box_to_center_size(box)
        if not np.all(np.isfinite(np.concatenate([self.center, self.size]))) or np.any(self.size <= 0):
            raise ValueError(f"C-RPN needs a finite, non-empty initial box, got {box!r}")
        self.image_size = np.array([frame.shape[1], frame.shape[0]], dtype=np.float64)
        self.pad_colour = frame.reshape(-1, frame.shape[2]).mean(axis=0)
        s_z = context_size(*self.size, context=cfg.context_amount)
        z = crop_and_resize(frame, self.center, s_z, cfg.exemplar_size, self.pad_colour)
        self.model.template(image_to_tensor(z).to(self.device))

    @torch.inference_mode()
    def update(self, frame: np.ndarray) -> np.ndarray:
        x, scale_z = self.search_crop(frame)
        outputs = self.model.track(image_to_tensor(x).to(self.device))
        return self.select(outputs, scale_z)

    def search_region(self) -> tuple[np.ndarray, float, float]:
        """Where the next search crop comes from: ``(0-based centre, side s_x in source pixels, scale_z)``."""
        cfg = self.config
        s_z = context_size(*self.size, context=cfg.context_amount)
        scale_z = cfg.exemplar_size / s_z
        s_x = s_z * cfg.tracking_instance_size / cfg.exemplar_size
        return self.center, s_x, scale_z

    def search_crop(self, frame: np.ndarray) -> tuple[np.ndarray, float]:
        """The search crop (HWC uint8) of ``frame`` around the last box and its ``scale_z``."""
        frame = _as_bgr(frame)
        center, s_x, scale_z = self.search_region()
        x = crop_and_resize(frame, center, s_x, self.config.tracking_instance_size, self.pad_colour)
        return x, scale_z

    @torch.inference_mode()
    def select(self, outputs, scale_z: float) -> np.ndarray:
        """Cascade + SiamRPN selection on the per-stage ``(cls, reg)`` of one search crop (batch 1);
        updates the state and returns the 1-based ``x, y, w, h`` box (:meth:`update` = crop, network, this;
        :mod:`crpnbench.tracking.batched` runs the network once for many sequences, then this per sequence)."""
        cfg = self.config
        self.last_score_size = outputs[0][0].shape[-1]
        anchors, window = self._anchors_for(self.last_score_size)
        proposals, score = cascade_proposals(outputs, anchors, cfg.theta)
        boxes = proposals.anchors[0].double().cpu().numpy()
        keep = proposals.keep[0].cpu().numpy()
        score = score[0].double().cpu().numpy()
        self.last_num_proposals = int(keep.sum())
        if not keep.any():
            keep = np.ones_like(keep)
            self.last_num_proposals = -1

        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            target = self.size * scale_z
            scale_change = _change(_padded_size(boxes[:, 2], boxes[:, 3]) / _padded_size(*target))
            ratio_change = _change((target[0] / target[1]) / (boxes[:, 2] / boxes[:, 3]))
            penalty = np.exp(-(ratio_change * scale_change - 1.0) * cfg.penalty_k)
            pscore = penalty * score
            pscore = pscore * (1.0 - cfg.window_influence) + window * cfg.window_influence
        valid = keep & np.isfinite(pscore) & np.all(np.isfinite(boxes), axis=1)
        if valid.any():
            pscore = np.where(valid, pscore, -np.inf)
            best = int(np.argmax(pscore))
            offset = boxes[best] / scale_z
            rate = float(penalty[best] * score[best] * cfg.lr)
            center = self.center + offset[:2]
            size = self.size * (1.0 - rate) + offset[2:] * rate
            self.center = np.clip(center, 0.0, self.image_size - 1.0)
            self.size = np.clip(size, MIN_SIZE, np.maximum(self.image_size, MIN_SIZE))
        return center_size_to_box(self.center, self.size)


def build_crpn(config: CRPNConfig, device: str = "cpu", checkpoint: str | Path | None = None,
               untrained: bool = False) -> CRPNTracker:
    """The one way a C-RPN tracker is built from a config (registry, ablation, fast path, workers, Ray).

    Weights come from ``checkpoint`` or the config's checkpoint path (default
    ``results/runs/<name>/model.pt``); ``untrained=True`` keeps the seeded random initialisation.
    Always checks that the device exists and that the checkpoint was trained with this config's
    geometry (crops, stages, fusion, width, anchors); either problem is a :class:`ConfigError`.
    """
    device = check_device(device)
    model = build_model(config)
    if not untrained:
        path = Path(checkpoint) if checkpoint else config.checkpoint_path
        if not path.is_file():
            raise ConfigError(f"tracker {config.name!r} has no trained checkpoint at {path}; "
                              f"run `crpnbench train --tracker {config.name}` or pass --untrained")
        payload = load_model_weights(model, path, map_location="cpu")
        _check_trained_geometry(config, payload.get("config"), path)
    return CRPNTracker(model, config, device)


#: config fields a checkpoint's weights are tied to (the test-time search size is ``tracking.instance_size``)
TRAINED_GEOMETRY = ("stages", "fusion", "width", "exemplar_size", "instance_size", "anchor_stride",
                    "anchor_ratios", "anchor_scales")


def _check_trained_geometry(config: CRPNConfig, trained: Mapping[str, Any] | None, path: Path) -> None:
    """A checkpoint trained with other crops or anchors would load but track wrongly: refuse it."""
    if not isinstance(trained, Mapping):
        return
    differences = []
    for key in TRAINED_GEOMETRY:
        if key in trained:
            mine, theirs = getattr(config, key), trained[key]
            if isinstance(mine, tuple):
                theirs = tuple(float(v) for v in theirs)
            if mine != theirs:
                differences.append(f"{key} {theirs!r} (config: {mine!r})")
    if differences:
        raise ConfigError(f"{path}: checkpoint was trained with " + ", ".join(differences)
                          + f"; retrain with `crpnbench train --tracker {config.name}` or fix the config")


