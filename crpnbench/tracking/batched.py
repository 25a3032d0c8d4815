"""Lock-step batched C-RPN tracking: many sequences' search crops through one forward pass.

:class:`BatchedCRPN` wraps one built :class:`~crpnbench.tracking.crpn_tracker.CRPNTracker` (any
C-RPN variant, any :mod:`~crpnbench.tracking.fast` mode). Each sequence gets a :class:`SequenceState`:
a shallow copy of the tracker (its own centre, size, pad colour; the network is shared) and its own
template kernels, computed once at ``init`` by the tracker's own code and cached (re-computed at a VOT
re-initialisation). :meth:`BatchedCRPN.step` then tracks one frame of every given sequence:

1. **crop**: ``crop="cv2"`` -- the tracker's own ``crop_and_resize`` per sequence (the one-sequence
   path's arithmetic exactly); ``crop="torch"`` -- one batched bilinear resample of all sequences'
   frames on the model's device (:func:`batched_crops`; it matches ``cv2.warpAffine`` within one grey
   level, and on OpenCV builds that interpolate in fixed point it samples the same 1/32-pixel grid);
2. **forward**: the search branch once over the stacked crops against the stacked template kernels;
   with ``exact=True`` (default) the backbone, FTBs and head convolutions run batched and only the
   cheap per-sample correlation runs per sample: on CPU the backbone and head convolutions give
   bit-identical per-sample results at any batch size, the grouped correlation of
   :func:`~crpnbench.models.heads.xcorr_batched` does not (tests/test_batched_tracking.py checks this);
3. **post-processing**: per sequence, the tracker's own :meth:`~CRPNTracker.select` (cascade, NAF,
   penalties, window, size learning rate) on its slice of the outputs.

So with ``crop="cv2", exact=True`` every per-frame box equals the one-sequence path's wherever the
network's batched convolutions are batch-invariant (measured: always on this CPU); ``crop="torch"``
or ``exact=False`` change the arithmetic slightly (success within 0.005, see docs/throughput.md).
Who calls :meth:`step` in lock-step with the protocols: :mod:`crpnbench.evaluation.batched`.
"""

from __future__ import annotations

import copy
import functools
import time
from dataclasses import dataclass, field

import numpy as np
import torch

from crpnbench.errors import ConfigError
from crpnbench.models.ftb import centre_crop
from crpnbench.models.heads import xcorr_batched
from crpnbench.tracking.crop import image_to_tensor
from crpnbench.tracking.crpn_tracker import CRPNTracker, _as_bgr

#: ``crop=`` choices of :class:`BatchedCRPN`
CROP_MODES = ("cv2", "torch")


# ------------------------------------------------------------------------------ batched crop
@functools.lru_cache(maxsize=1)
def cv2_fixed_point_warp() -> bool:
    """Whether this OpenCV's ``warpAffine`` (INTER_LINEAR, uint8) samples positions on a 1/32-pixel
    grid (OpenCV 4.x's fixed-point path) rather than exactly (OpenCV 5's float path)."""
    import cv2

    image = np.zeros((1, 4, 3), np.uint8)
    image[:, 1:] = 255
    out = cv2.warpAffine(image, np.array([[1.0, 0.0, -0.3], [0.0, 1.0, 0.0]]), (1, 1), flags=cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_REPLICATE)
    # exact: source x 0.3 -> 76.5 -> 76/77; 1/32 grid: 10/32 -> 79.7 -> 80
    return int(out[0, 0, 0]) >= 79


def _source_positions(center: float, crop_size: float, out_size: int, fixed_point: bool) -> np.ndarray:
    """Source coordinates (0-based, float64) of the ``out_size`` crop pixels along one axis, as
    ``cv2.warpAffine`` computes them for :func:`crpnbench.tracking.crop.crop_and_resize`'s matrix."""
    scale = out_size / crop_size
    half = (out_size - 1) / 2
    inverse = 1.0 / scale                      # cv2.invertAffineTransform of [[scale, 0, half - scale*c]]
    shift = -(half - scale * center) * inverse
    u = np.arange(out_size, dtype=np.float64)
    if not fixed_point:
        return inverse * u + shift
    # OpenCV 4.x: AB_BITS = 10, INTER_BITS = 5, positions rounded to the nearest 1/32 pixel
    fixed = (np.rint(inverse * u * 1024).astype(np.int64) + int(np.rint(shift * 1024)) + 16) >> 5
    return fixed / 32.0


def batched_crops(frames, centers, crop_sizes, out_size: int, pads, device="cpu",
                  fixed_point: bool | None = None) -> torch.Tensor:
    """The square crops of :func:`~crpnbench.tracking.crop.crop_and_resize` for many frames at once.

    Args:
        frames: BGR uint8 frames (any sizes), one per crop.
        centers: 0-based ``(cx, cy)`` per crop; ``crop_sizes``: side in source pixels per crop.
        pads: fill colour per crop (rounded to integers, as OpenCV does for a uint8 image).
        device: where the resample runs; only the source rectangle each crop reads is uploaded (uint8).
        fixed_point: sample on OpenCV 4's 1/32-pixel grid (default: what this OpenCV does).

    Returns a float32 ``(B, 3, out_size, out_size)`` tensor of whole grey levels (what
    :func:`~crpnbench.tracking.crop.image_to_tensor` gives for the uint8 crop), computed by one
    bilinear gather on ``device``. Agrees with ``cv2.warpAffine`` within one grey level.
    """
    if fixed_point is None:
        fixed_point = cv2_fixed_point_warp()
    device = torch.device(device)
    count = len(frames)
    regions, xs_all, ys_all, bounds = [], [], [], []
    for frame, center, size in zip(frames, centers, crop_sizes):
        if not (size > 0 and np.isfinite(size)):
            raise ValueError(f"crop_size must be a positive finite number, got {size}")
        frame = _as_bgr(frame)
        height, width = frame.shape[:2]
        xs = _source_positions(float(center[0]), float(size), out_size, fixed_point)
        ys = _source_positions(float(center[1]), float(size), out_size, fixed_point)
        # the pixels the bilinear taps can reach, clipped to the image (never empty)
        x0 = int(np.clip(np.floor(xs[0]), 0, width - 1))
        x1 = int(np.clip(np.floor(xs[-1]) + 2, x0 + 1, width))
        y0 = int(np.clip(np.floor(ys[0]), 0, height - 1))
        y1 = int(np.clip(np.floor(ys[-1]) + 2, y0 + 1, height))
        regions.append(frame[y0:y1, x0:x1])
        xs_all.append(xs - x0)
        ys_all.append(ys - y0)
        bounds.append((y1 - y0, x1 - x0))
    rows = max(h for h, _ in bounds)
    cols = max(w for _, w in bounds)
    # one zero row/column past the largest region: every tap outside its own region reads it
    buffer = np.zeros((count, rows + 1, cols + 1, 3), np.uint8)
    for i, region in enumerate(regions):
        buffer[i, : region.shape[0], : region.shape[1]] = region
    pad = torch.as_tensor(np.rint(np.asarray(pads, dtype=np.float64).reshape(count, -1)), dtype=torch.float32)
    pad = pad.expand(count, 3).to(device).view(count, 3, 1, 1)
    valid_rows = torch.as_tensor([h for h, _ in bounds], device=device)
    valid_cols = torch.as_tensor([w for _, w in bounds], device=device)
    image = torch.from_numpy(buffer).to(device, non_blocking=True).permute(0, 3, 1, 2).float()
    inside = ((torch.arange(rows + 1, device=device)[None, :, None] < valid_rows[:, None, None])
              & (torch.arange(cols + 1, device=device)[None, None, :] < valid_cols[:, None, None]))
    image = (image - pad) * inside[:, None]                              # outside its image: pad colour
    xs = torch.as_tensor(np.stack(xs_all), device=device)                # (B, out) float64
    ys = torch.as_tensor(np.stack(ys_all), device=device)
    fx, fy = xs.floor(), ys.floor()
    wx, wy = (xs - fx).float(), (ys - fy).float()

    def index(position, limit, extra):  # taps outside [0, limit) read the zero row/column ``extra``
        position = position.long()
        return torch.where((position >= 0) & (position < limit[:, None]), position, torch.full_like(position, extra))

    ix0, ix1 = index(fx, valid_cols, cols), index(fx + 1, valid_cols, cols)
    iy0, iy1 = index(fy, valid_rows, rows), index(fy + 1, valid_rows, rows)
    batch = torch.arange(count, device=device)[:, None]

    def along_x(lines):  # lines (B, C, out, cols + 1) -> (B, C, out, out)
        gather = lambda ix: torch.gather(lines, 3, ix[:, None, None, :].expand(-1, 3, out_size, -1))  # noqa: E731
        return gather(ix0) * (1 - wx)[:, None, None, :] + gather(ix1) * wx[:, None, None, :]

    top = along_x(image[batch, :, iy0].permute(0, 2, 1, 3))             # (B, C, out, cols + 1) rows first
    bottom = along_x(image[batch, :, iy1].permute(0, 2, 1, 3))
    crops = top * (1 - wy)[:, None, :, None] + bottom * wy[:, None, :, None] + pad
    return crops.round().clamp_(0, 255)


# ------------------------------------------------------------------------------ the engine
@dataclass
class SequenceState:
    """One sequence in the batch: its tracker view (own box state, shared network) and its template kernels."""

    view: CRPNTracker
    kernels: list | None = None
    #: seconds of this sequence's own work in the last call (its crop for cv2 crops; its init)
    own_seconds: float = 0.0
    extra: dict = field(default_factory=dict)


@dataclass
class StepTiming:
    """Where one :meth:`BatchedCRPN.step` spent its time (seconds)."""

    crop: float = 0.0
    forward: float = 0.0
    post: float = 0.0
    size: int = 0

    @property
    def total(self) -> float:
        return self.crop + self.forward + self.post


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


class BatchedCRPN:
    """Tracks many sequences with one C-RPN network, one batched forward pass per step.

    Args:
        tracker: a built C-RPN tracker (``TrackerSpec.build()``, ``build_crpn``; fast modes included).
        crop: ``"cv2"`` (per-sequence ``warpAffine``, identical to the one-sequence path) or ``"torch"``
            (one batched resample on the model's device).
        exact: correlate each sample on its own (bit-identical to batch 1 on CPU); False: one grouped
            convolution for the whole batch (:func:`~crpnbench.models.heads.xcorr_batched`).
    """

    def __init__(self, tracker: CRPNTracker, crop: str = "cv2", exact: bool = True):
        if not isinstance(tracker, CRPNTracker):
            raise ConfigError(f"batched tracking needs a C-RPN tracker, got {type(tracker).__name__}")
        if crop not in CROP_MODES:
            raise ConfigError(f"unknown batched crop mode {crop!r} (one of: {', '.join(CROP_MODES)})")
        self.tracker = tracker
        self.config = tracker.config
        self.device = tracker.device
        self.crop = crop
        self.exact = exact
        model = tracker.model
        self.fast = model if hasattr(model, "network") else None      # a FastCRPNModel
        self.network = model.network if self.fast is not None else model
        self._stacked: tuple[tuple[int, ...], list] | None = None

    # -- per sequence ------------------------------------------------------------------------
    def new_state(self) -> SequenceState:
        """A fresh sequence slot (call :meth:`init` on it before :meth:`step`)."""
        return SequenceState(copy.copy(self.tracker))

    def init(self, state: SequenceState, frame: np.ndarray, box) -> None:
        """(Re-)initialise one sequence with the tracker's own ``init`` (batch 1) and cache its kernels."""
        start = time.perf_counter()
        state.view.init(frame, box)
        state.kernels = self.fast._kernels if self.fast is not None else self.network._template_kernels
        self._stacked = None
        _sync(self.device)
        state.own_seconds = time.perf_counter() - start

    def search_crop(self, state: SequenceState, frame: np.ndarray):
        """cv2 crop of one sequence (thread-safe: callable from the sequence's own thread)."""
        start = time.perf_counter()
        crop, scale_z = state.view.search_crop(frame)
        state.own_seconds = time.perf_counter() - start
        return crop, scale_z

    # -- one step ----------------------------------------------------------------------------
    def _prepare(self, x: torch.Tensor) -> torch.Tensor:
        if self.fast is not None:
            return self.fast._prepare(x)
        return x.to(self.device)

    def _kernels_for(self, states) -> list:
        key = tuple(id(s) for s in states)
        if self._stacked is None or self._stacked[0] != key:
            per_sample = [s.kernels for s in states]
            self._stacked = (key, _stack_kernels(per_sample))
        return self._stacked[1]

    @torch.inference_mode()
    def step(self, states, frames=None, crops=None) -> tuple[list[np.ndarray], StepTiming]:
        """One frame of every sequence in ``states``: boxes (1-based ``x, y, w, h``) and the step's timing.

        Give ``frames`` (the crop is made here, batched with ``crop="torch"``) or ``crops`` (``(uint8
        crop, scale_z)`` per sequence from :meth:`search_crop`, made by the caller's threads).
        """
        timing = StepTiming(size=len(states))
        if not states:
            return [], timing
        start = time.perf_counter()
        if crops is None:
            if self.crop == "torch":
                regions = [s.view.search_region() for s in states]
                x = batched_crops(frames, [r[0] for r in regions], [r[1] for r in regions],
                                  self.config.tracking_instance_size, [s.view.pad_colour for s in states],
                                  self.device)
                scales = [r[2] for r in regions]
            else:
                made = [s.view.search_crop(f) for s, f in zip(states, frames)]
                x = image_to_tensor(np.stack([c for c, _ in made]))
                scales = [scale for _, scale in made]
        else:
            x = image_to_tensor(np.stack([c for c, _ in crops]))
            scales = [scale for _, scale in crops]
        x = self._prepare(x)
        _sync(self.device)
        timing.crop = time.perf_counter() - start
        start = time.perf_counter()
        outputs = self.correlate(self._kernels_for(states), x)
        if self.fast is not None and self.fast.dtype is not torch.float32:
            outputs = [(cls.float(), reg.float()) for cls, reg in outputs]
        _sync(self.device)
        timing.forward = time.perf_counter() - start
        start = time.perf_counter()
        boxes = []
        for i, (state, scale_z) in enumerate(zip(states, scales)):
            sample = [(cls[i: i + 1], reg[i: i + 1]) for cls, reg in outputs]
            boxes.append(state.view.select(sample, scale_z))
        timing.post = time.perf_counter() - start
        return boxes, timing

    def correlate(self, kernels: list, x: torch.Tensor):
        """``CRPN._correlate`` over a batch with per-sample kernels (see ``exact``)."""
        if self.fast is not None and self.fast.mode == "compile" and not self.exact:
            return self.fast._search(x, kernels)
        return batched_correlate(self.network, kernels, x, self.exact)


def _stack_kernels(per_sample: list) -> list:
    """Per-sample template kernels (each as ``CRPN._kernels`` returns them, batch 1) -> batch-B kernels."""
    def stack(items):
        first = items[0]
        if isinstance(first, torch.Tensor):
            return torch.cat(items, 0)
        return type(first)(stack(list(group)) for group in zip(*items))

    return stack(per_sample)


def _xcorr(search: torch.Tensor, kernel: torch.Tensor, exact: bool) -> torch.Tensor:
    if not exact or search.shape[0] == 1:
        return xcorr_batched(search, kernel)
    return torch.cat([xcorr_batched(search[i: i + 1], kernel[i: i + 1]) for i in range(search.shape[0])], 0)


def _head_correlate(head, kernels, x: torch.Tensor, exact: bool):
    """``UpChannelRPNHead.correlate`` with :func:`_xcorr` (same operations, same order)."""
    scale = (head.hidden * kernels[0].shape[-2] * kernels[0].shape[-1]) ** -0.5
    cls = _xcorr(head.search_cls(x), kernels[0], exact) * scale
    reg = head.reg_adjust(_xcorr(head.search_reg(x), kernels[1], exact) * scale)
    return cls, reg


def batched_correlate(network, kernels: list, x: torch.Tensor, exact: bool = True):
    """``CRPN._correlate(kernels, x)`` for a batch of search crops each with its own template kernels.

    Mirrors :meth:`crpnbench.models.crpn.CRPN._correlate` operation for operation (a test keeps
    them equal for every fusion); ``exact`` runs the per-sample correlation sample by sample.
    """
    outputs = []
    size = None
    fusion = network.config.fusion
    for stage, (head, kernel, phi) in enumerate(zip(network.heads, kernels,
                                                    network.stage_features(network.backbone(x)))):
        if fusion == "multi":
            maps = [_head_correlate(h, kk, p, exact) for h, kk, p in zip(head, kernel, phi)]
            size = size or maps[0][0].shape[-2:]
            weights = torch.softmax(network.fusion_weights[stage], dim=1)
            cls = sum(w * centre_crop(m[0], size) for w, m in zip(weights[0], maps))
            reg = sum(w * centre_crop(m[1], size) for w, m in zip(weights[1], maps))
        else:
            cls, reg = _head_correlate(head, kernel, phi, exact)
            size = size or cls.shape[-2:]
            cls, reg = centre_crop(cls, size), centre_crop(reg, size)
        outputs.append((cls, reg))
    return outputs


__all__ = ["BatchedCRPN", "CROP_MODES", "SequenceState", "StepTiming", "batched_correlate", "batched_crops",
           "cv2_fixed_point_warp"]
