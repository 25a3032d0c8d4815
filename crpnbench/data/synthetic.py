"""The built-in synthetic benchmark: procedurally generated tracking sequences in the OTB layout.

Every command defaults to it, so a fresh clone runs end to end with no downloads. A seeded
generator (NumPy only; frames written with ``cv2.imwrite`` as JPEG) draws textured targets moving
smoothly over textured, slowly panning backgrounds, with similar-looking distractors (same texture
family, other tint) crossing the target, scale and aspect changes, partial occlusion by a
foreground occluder, illumination changes and stretches where the target leaves the image.

On disk (``<root>`` defaults to ``datasets/synthetic``)::

    <root>/manifest.json                 generator version, seed, frame size, sequences per split
    <root>/<split>/<Seq>/img/0001.jpg    frames, 320x240
    <root>/<split>/<Seq>/groundtruth_rect.txt   x,y,w,h (1-based, comma); 0,0,0,0 when out of view
    <root>/<split>/<Seq>/absent.txt      one 0/1 per line (1: no target pixel in the image)
    <root>/<split>/<Seq>/occlusion.txt   one 0/1 per line (1: occluder covers >= 25 % of the target)
    <root>/<split>/<Seq>/attrs.txt       OTB-style attribute codes, e.g. ``SV, OCC, BC``

The ground-truth box is exactly the part of the target's rectangle that lies inside the image
(the full rectangle when the occluder hides part of it, as OTB annotates occluded targets).
Generation is byte-identical for the same seed and generator version; the loader regenerates a
split when its folder or the manifest is missing or outdated, and says so on stderr.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from crpnbench.data.benchmark import Benchmark
from crpnbench.data.sequence import Sequence
from crpnbench.data.textio import read_boxes, read_flags
from crpnbench.errors import ConfigError, DataError
from crpnbench.atomic import write_text_atomic

#: bump when the generated content changes: existing folders are then regenerated
GENERATOR_VERSION = 3
DEFAULT_SEED = 2019
FRAME_WIDTH, FRAME_HEIGHT = 320, 240
JPEG_QUALITY = 92
#: split -> (number of sequences, (min frames, max frames)), split id mixed into the seed.
#: Version 3 grew the test split from 12 to 60 sequences, one full period of the challenge rota of
#: ``_sequence_features`` (lcm of 2, 3, 4, 5, 6), so that every combination of challenges appears and a
#: 0.04 difference in an ablation is not lost in per-sequence noise. Sequence ``i`` depends only on
#: (seed, split, i): the first 12 test sequences are byte-identical to version 2's.
SPLITS: dict[str, tuple[int, tuple[int, int], int]] = {
    "test": (60, (80, 120), 0),
    "train": (40, (100, 100), 1),
}
TEXTURE_FAMILIES = ("noise", "stripes", "blobs", "checker")
MIN_TARGET, MAX_TARGET = 20, 70
#: an out-of-view target is parked this far beyond the border (> MAX_TARGET / 2)
_OUTSIDE = 45.0
_TEXTURE_SIZE = 96
#: thresholds for the OTB-style attributes derived from the generated motion
SCALE_RATIO_SV = 1.5
ASPECT_RATIO_DEF = 1.5
FAST_MOTION_PX = 20.0
OCCLUSION_TAG_FRACTION = 0.25


# ----------------------------------------------------------------------------------------
# textures
# ----------------------------------------------------------------------------------------
def _bilinear(grid: np.ndarray, height: int, width: int) -> np.ndarray:
    """Upsample a ``(gh, gw[, c])`` grid to ``(height, width[, c])`` by bilinear interpolation."""
    gh, gw = grid.shape[:2]
    ys = np.linspace(0.0, gh - 1.0, height)
    xs = np.linspace(0.0, gw - 1.0, width)
    y0 = np.minimum(np.floor(ys).astype(int), gh - 2)
    x0 = np.minimum(np.floor(xs).astype(int), gw - 2)
    fy = (ys - y0)[:, None]
    fx = (xs - x0)[None, :]
    if grid.ndim == 3:
        fy, fx = fy[..., None], fx[..., None]
    top = grid[y0][:, x0] * (1 - fx) + grid[y0][:, x0 + 1] * fx
    bottom = grid[y0 + 1][:, x0] * (1 - fx) + grid[y0 + 1][:, x0 + 1] * fx
    return top * (1 - fy) + bottom * fy


def _normalise(values: np.ndarray) -> np.ndarray:
    low, high = values.min(), values.max()
    return (values - low) / max(high - low, 1e-6)


@dataclass(frozen=True)
class TextureStyle:
    """What makes a texture family look like itself: shared by a target and its distractors."""

    family: str
    cells: int  # smooth-noise grid cells
    period: float  # stripe period / checker cell, pixels of the base texture
    angle: float  # stripe / checker orientation
    blobs: int  # number of Gaussian blobs


def _random_style(rng: np.random.Generator, family: str) -> TextureStyle:
    return TextureStyle(
        family=family,
        cells=int(rng.integers(3, 7)),
        period=float(rng.uniform(9.0, 20.0)),
        angle=float(rng.uniform(0.0, np.pi)),
        blobs=int(rng.integers(4, 9)),
    )


def _luminance(rng: np.random.Generator, style: TextureStyle, size: int) -> np.ndarray:
    """A ``(size, size)`` pattern in [0, 1] of the style's family; random phases from ``rng``."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    detail = _bilinear(rng.random((style.cells * 3 + 1, style.cells * 3 + 1)), size, size)
    if style.family == "noise":
        coarse = _bilinear(rng.random((style.cells + 1, style.cells + 1)), size, size)
        pattern = 0.7 * coarse + 0.3 * detail
    elif style.family == "stripes":
        u = xx * np.cos(style.angle) + yy * np.sin(style.angle)
        pattern = 0.5 + 0.5 * np.sin(2 * np.pi * u / style.period + rng.uniform(0, 2 * np.pi))
        pattern = 0.8 * pattern + 0.2 * detail
    elif style.family == "blobs":
        pattern = np.zeros((size, size))
        for _ in range(style.blobs):
            cy, cx = rng.uniform(0, size, 2)
            radius = rng.uniform(size * 0.08, size * 0.25)
            pattern += rng.uniform(0.5, 1.0) * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * radius**2))
        pattern = 0.85 * _normalise(pattern) + 0.15 * detail
    elif style.family == "checker":
        c, s = np.cos(style.angle), np.sin(style.angle)
        offset = rng.uniform(0, style.period, 2)
        u = (xx * c + yy * s + offset[0]) / style.period
        v = (-xx * s + yy * c + offset[1]) / style.period
        pattern = (np.floor(u) + np.floor(v)) % 2
        pattern = 0.8 * pattern + 0.2 * detail
    else:  # pragma: no cover - families are fixed above
        raise ValueError(style.family)
    return _normalise(pattern)


def _random_tint(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A dark and a light BGR colour, saturated enough to tell tints apart."""
    hue = rng.permutation(3)
    light = np.empty(3)
    light[hue] = [rng.uniform(200, 255), rng.uniform(90, 200), rng.uniform(0, 90)]
    dark = light * rng.uniform(0.15, 0.4)
    return dark, light


def _colourise(pattern: np.ndarray, dark: np.ndarray, light: np.ndarray) -> np.ndarray:
    return (dark[None, None, :] + pattern[..., None] * (light - dark)[None, None, :]).astype(np.float32)


# ----------------------------------------------------------------------------------------
# sequence plan (all the motion) and rendering
# ----------------------------------------------------------------------------------------
@dataclass
class Sprite:
    """A textured rectangle: its texture and one integer box per frame (0-based x0, y0, w, h)."""

    texture: np.ndarray  # (S, S, 3) float32 BGR
    boxes: np.ndarray  # (N, 4) int64 unclipped rectangles in image coordinates; w == 0: hidden


@dataclass
class SequencePlan:
    """Everything needed to render one sequence, fully determined by (seed, split, index)."""

    name: str
    num_frames: int
    background: np.ndarray  # (H + pad, W + pad, 3) float32 canvas
    pan: np.ndarray  # (N, 2) int64 crop offsets (x, y) into the canvas
    gain: np.ndarray  # (N,) illumination gain
    target: Sprite
    distractors: list[Sprite] = field(default_factory=list)
    occluder: Sprite | None = None
    attributes: tuple[str, ...] = ()

    def groundtruth(self) -> tuple[np.ndarray, np.ndarray]:
        """``(boxes, absent)``: 1-based x,y,w,h of the visible part of the target, 0,0,0,0 if absent."""
        return _visible_boxes(self.target.boxes)

    def occluded_fraction(self) -> np.ndarray:
        """Per frame, the fraction of the target's visible area the occluder covers."""
        if self.occluder is None:
            return np.zeros(self.num_frames)
        target = _clip_to_image(self.target.boxes)
        overlap = _intersection_area(target, _clip_to_image(self.occluder.boxes))
        area = target[:, 2] * target[:, 3]
        return np.where(area > 0, overlap / np.maximum(area, 1), 0.0)


def _clip_to_image(boxes: np.ndarray) -> np.ndarray:
    """Clip 0-based integer x0,y0,w,h rectangles to the frame; empty ones become w = h = 0."""
    x0 = np.clip(boxes[:, 0], 0, FRAME_WIDTH)
    y0 = np.clip(boxes[:, 1], 0, FRAME_HEIGHT)
    x1 = np.clip(boxes[:, 0] + boxes[:, 2], 0, FRAME_WIDTH)
    y1 = np.clip(boxes[:, 1] + boxes[:, 3], 0, FRAME_HEIGHT)
    w, h = x1 - x0, y1 - y0
    empty = (w <= 0) | (h <= 0)
    return np.stack([x0, y0, np.where(empty, 0, w), np.where(empty, 0, h)], axis=1)


def _intersection_area(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    w = np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2]) - np.maximum(a[:, 0], b[:, 0])
    h = np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3]) - np.maximum(a[:, 1], b[:, 1])
    return np.clip(w, 0, None) * np.clip(h, 0, None)


def _visible_boxes(boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    clipped = _clip_to_image(boxes)
    absent = clipped[:, 2] == 0
    gt = clipped.astype(np.float64)
    gt[:, :2] += 1.0  # 0-based pixel index -> 1-based coordinate
    gt[absent] = 0.0
    return gt, absent


def _raised_cosine_bump(n: int, start: int, ramp: int, plateau: int) -> np.ndarray:
    """0 outside, smooth 0->1 over ``ramp`` frames, 1 for ``plateau`` frames, smooth back to 0."""
    t = np.arange(n, dtype=np.float64)
    up = np.clip((t - start) / ramp, 0, 1)
    down = np.clip((start + ramp + plateau + ramp - t) / ramp, 0, 1)
    return 0.5 - 0.5 * np.cos(np.pi * np.minimum(up, down))


def _int_boxes(cx: np.ndarray, cy: np.ndarray, w: np.ndarray, h: np.ndarray) -> np.ndarray:
    wi = np.rint(w).astype(np.int64)
    hi = np.rint(h).astype(np.int64)
    x0 = np.rint(cx - wi / 2.0).astype(np.int64)
    y0 = np.rint(cy - hi / 2.0).astype(np.int64)
    return np.stack([x0, y0, wi, hi], axis=1)


def _sequence_features(index: int, rng: np.random.Generator) -> dict[str, bool]:
    """Which challenges a sequence gets: a fixed rota over the index so every split covers them all."""
    return {
        "distractors": index % 2 == 0 or rng.random() < 0.2,
        "occluder": index % 3 == 1 or rng.random() < 0.15,
        "out_of_view": index % 4 == 3,
        "scale": index % 3 != 2,
        "aspect": index % 4 in (0, 1),
        "fast": index % 6 == 5,
        "illumination": index % 5 == 2,
    }


def plan_sequence(split: str, index: int, seed: int = DEFAULT_SEED) -> SequencePlan:
    """Draw the motion, looks and attributes of sequence ``index`` of ``split`` from ``seed``."""
    if split not in SPLITS:
        raise ConfigError(f"synthetic split must be one of {', '.join(SPLITS)}, not {split!r}")
    _, (min_frames, max_frames), split_id = SPLITS[split]
    rng = np.random.default_rng([seed, split_id, index])
    n = int(rng.integers(min_frames, max_frames + 1))
    feats = _sequence_features(index, rng)
    t = np.arange(n, dtype=np.float64)

    family = TEXTURE_FAMILIES[int(rng.integers(len(TEXTURE_FAMILIES)))]
    style = _random_style(rng, family)
    name = f"{family.capitalize()}{index + 1:03d}"

    # -- target size: base scale, smooth scale and aspect oscillations, clipped to 20..70 px
    s0 = rng.uniform(30, 46)
    ar0 = np.exp(rng.uniform(np.log(0.6), np.log(1.6)))
    amp_s = rng.uniform(0.3, 0.45) if feats["scale"] else rng.uniform(0.0, 0.06)
    amp_a = rng.uniform(0.25, 0.4) if feats["aspect"] else rng.uniform(0.0, 0.05)
    scale = s0 * np.exp(amp_s * np.sin(rng.uniform(0.03, 0.08) * t + rng.uniform(0, 2 * np.pi)))
    aspect = ar0 * np.exp(amp_a * np.sin(rng.uniform(0.03, 0.08) * t + rng.uniform(0, 2 * np.pi)))
    w = np.clip(scale * np.sqrt(aspect), MIN_TARGET, MAX_TARGET)
    h = np.clip(scale / np.sqrt(aspect), MIN_TARGET, MAX_TARGET)

    # -- target centre: two sinusoids per axis, bounded so the target stays inside the frame
    omega = (0.18, 0.24) if feats["fast"] else (0.02, 0.07)
    ax, bx = rng.uniform(40, 85), rng.uniform(0, 30)
    ay, by = rng.uniform(15, 50), rng.uniform(0, 25)
    cx = FRAME_WIDTH / 2 + ax * np.sin(rng.uniform(*omega) * t + rng.uniform(0, 2 * np.pi)) + bx * np.sin(
        rng.uniform(0.05, 0.12) * t + rng.uniform(0, 2 * np.pi)
    )
    cy = FRAME_HEIGHT / 2 + ay * np.sin(rng.uniform(*omega) * t + rng.uniform(0, 2 * np.pi)) + by * np.sin(
        rng.uniform(0.05, 0.12) * t + rng.uniform(0, 2 * np.pi)
    )
    # start well inside the frame: frame 1 is the initialisation
    cx = np.clip(cx, MAX_TARGET / 2 + 5, FRAME_WIDTH - MAX_TARGET / 2 - 5)
    cy = np.clip(cy, MAX_TARGET / 2 + 5, FRAME_HEIGHT - MAX_TARGET / 2 - 5)
    if feats["out_of_view"]:
        ramp, plateau = int(rng.integers(8, 13)), int(rng.integers(6, 15))
        start = int(rng.integers(int(0.3 * n), int(0.65 * n) - ramp))
        bump = _raised_cosine_bump(n, start, ramp, plateau)
        side = int(rng.integers(4))
        if side < 2:
            outside = -_OUTSIDE if side == 0 else FRAME_WIDTH + _OUTSIDE
            cx = (1 - bump) * cx + bump * outside
        else:
            outside = -_OUTSIDE if side == 2 else FRAME_HEIGHT + _OUTSIDE
            cy = (1 - bump) * cy + bump * outside
    target_boxes = _int_boxes(cx, cy, w, h)
    dark, light = _random_tint(rng)
    target = Sprite(_colourise(_luminance(rng, style, _TEXTURE_SIZE), dark, light), target_boxes)

    # -- distractors: same family and style, another tint, crossing the target's path (drawn behind it)
    distractors = []
    if feats["distractors"]:
        for _ in range(int(rng.integers(1, 3))):
            crossing = int(rng.integers(int(0.15 * n), int(0.9 * n)))
            speed = rng.uniform(2.0, 5.0)
            heading = rng.uniform(0, 2 * np.pi)
            side_offset = rng.uniform(-0.3, 0.3) * w[crossing]
            dcx = cx[crossing] + speed * np.cos(heading) * (t - crossing) - side_offset * np.sin(heading)
            dcy = cy[crossing] + speed * np.sin(heading) * (t - crossing) + side_offset * np.cos(heading)
            size = rng.uniform(0.8, 1.2)
            d_dark, d_light = _random_tint(rng)
            texture = _colourise(_luminance(rng, style, _TEXTURE_SIZE), d_dark, d_light)
            distractors.append(Sprite(texture, _int_boxes(dcx, dcy, w * size, h * size)))

    # -- occluder: a tall grey-brown textured slab in the foreground sliding across the target;
    #    it hides the top or bottom `cover` of the target's height, never all of it (partial occlusion)
    occluder = None
    if feats["occluder"]:
        crossing = int(rng.integers(int(0.25 * n), int(0.85 * n)))
        vx = rng.choice([-1.0, 1.0]) * rng.uniform(2.5, 5.0)
        ow, oh = rng.uniform(25, 45), rng.uniform(60, 110)
        cover = rng.uniform(0.3, 0.65)
        ocx = cx[crossing] + vx * (t - crossing)
        ty0, th = target_boxes[:, 1].astype(np.float64), target_boxes[:, 3].astype(np.float64)
        if rng.random() < 0.5:  # hides the bottom part: top edge inside the target
            ocy = ty0 + (1.0 - cover) * th + oh / 2.0
        else:  # hides the top part: bottom edge inside the target
            ocy = ty0 + cover * th - oh / 2.0
        boxes = _int_boxes(ocx, ocy, np.full(n, ow), np.full(n, oh))
        grey = rng.uniform(70, 150)
        tint = np.array([grey * 0.8, grey * 0.9, grey], dtype=np.float64)
        texture = _colourise(
            _luminance(rng, _random_style(rng, "noise"), _TEXTURE_SIZE), tint * 0.5, tint * 1.2
        )
        occluder = Sprite(texture, boxes)
        # the first frames initialise trackers: never occlude them
        early = _intersection_area(_clip_to_image(boxes[:3]), _clip_to_image(target_boxes[:3])) > 0
        occluder.boxes[:3][early, 2:] = 0

    # -- background canvas, slow camera pan, illumination
    pan_v = rng.uniform(0.2, 1.0, 2) * rng.choice([-1.0, 1.0], 2) * np.array([1.0, 0.5])
    pad = np.ceil(np.abs(pan_v) * n).astype(int) + 2
    bg_h, bg_w = FRAME_HEIGHT + pad[1], FRAME_WIDTH + pad[0]
    background = _background(rng, bg_h, bg_w)
    start_xy = np.where(pan_v >= 0, 0, pad - 1)
    pan = np.rint(start_xy[None, :] + pan_v[None, :] * t[:, None]).astype(np.int64)
    pan = np.clip(pan, 0, pad[None, :] - 1)
    if feats["illumination"]:
        gain = 1.0 + rng.uniform(0.3, 0.45) * np.sin(rng.uniform(0.05, 0.1) * t + rng.uniform(0, 2 * np.pi))
        gain = gain / gain[0]
    else:
        gain = np.ones(n)

    plan = SequencePlan(name, n, background, pan, gain, target, distractors, occluder)
    plan.attributes = _attributes(plan, feats)
    return plan


def _background(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A muted smooth-noise canvas with low-contrast rectangles (clutter)."""
    base = _bilinear(rng.random((height // 40 + 2, width // 40 + 2, 3)), height, width)
    fine = _bilinear(rng.random((height // 8 + 2, width // 8 + 2, 3)), height, width)
    canvas = 60 + 110 * (0.75 * base + 0.25 * fine)
    grey = canvas.mean(axis=2, keepdims=True)
    canvas = 0.5 * canvas + 0.5 * grey  # desaturate: targets are the saturated things
    for _ in range(int(rng.integers(6, 14))):
        x0, y0 = int(rng.integers(0, width - 10)), int(rng.integers(0, height - 10))
        bw, bh = int(rng.integers(10, 80)), int(rng.integers(10, 80))
        canvas[y0 : y0 + bh, x0 : x0 + bw] += rng.uniform(-25, 25)
    return np.clip(canvas, 0, 255).astype(np.float32)


def _attributes(plan: SequencePlan, feats: dict[str, bool]) -> tuple[str, ...]:
    """OTB-style attribute codes measured from the generated motion (see the module constants)."""
    boxes = plan.target.boxes.astype(np.float64)
    gt, absent = plan.groundtruth()
    visible = ~absent
    attrs = []
    if feats["illumination"]:
        attrs.append("IV")
    side = np.sqrt(boxes[:, 2] * boxes[:, 3])
    ratio = side / side[0]
    if np.any((ratio > SCALE_RATIO_SV) | (ratio < 1 / SCALE_RATIO_SV)):
        attrs.append("SV")
    if plan.occluded_fraction().max() >= 0.2:
        attrs.append("OCC")
    aspect = boxes[:, 2] / boxes[:, 3]
    if aspect.max() / aspect.min() >= ASPECT_RATIO_DEF:
        attrs.append("DEF")
    centre = boxes[:, :2] + boxes[:, 2:] / 2
    steps = np.linalg.norm(np.diff(centre, axis=0), axis=1)
    both_visible = visible[1:] & visible[:-1]
    if np.any(steps[both_visible] > FAST_MOTION_PX):
        attrs.append("FM")
    inside = (gt[:, 2] == boxes[:, 2]) & (gt[:, 3] == boxes[:, 3])
    if np.any(~inside):
        attrs.append("OV")
    if plan.distractors:
        attrs.append("BC")
    return tuple(attrs)


def _blit(image: np.ndarray, texture: np.ndarray, box: np.ndarray) -> np.ndarray:
    """Paste ``texture`` resized (nearest) to the integer ``box``; returns the drawn-pixel mask."""
    x0, y0, w, h = (int(v) for v in box)
    mask = np.zeros(image.shape[:2], dtype=bool)
    if w <= 0 or h <= 0:
        return mask
    vx0, vy0 = max(x0, 0), max(y0, 0)
    vx1, vy1 = min(x0 + w, image.shape[1]), min(y0 + h, image.shape[0])
    if vx1 <= vx0 or vy1 <= vy0:
        return mask
    size_y, size_x = texture.shape[:2]
    rows = ((np.arange(vy0, vy1) - y0 + 0.5) * size_y / h).astype(np.int64)
    cols = ((np.arange(vx0, vx1) - x0 + 0.5) * size_x / w).astype(np.int64)
    image[vy0:vy1, vx0:vx1] = texture[rows][:, cols]
    mask[vy0:vy1, vx0:vx1] = True
    return mask


def render_frame(plan: SequencePlan, index: int, draw_target: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Render frame ``index`` (0-based) as BGR uint8; also return the mask of visible target pixels.

    ``draw_target=False`` renders the same frame without the target (for tests and diagnostics).
    """
    ox, oy = plan.pan[index]
    image = plan.background[oy : oy + FRAME_HEIGHT, ox : ox + FRAME_WIDTH].copy()
    for sprite in plan.distractors:
        _blit(image, sprite.texture, sprite.boxes[index])
    target_mask = np.zeros((FRAME_HEIGHT, FRAME_WIDTH), dtype=bool)
    if draw_target:
        target_mask = _blit(image, plan.target.texture, plan.target.boxes[index])
    if plan.occluder is not None:
        target_mask &= ~_blit(image, plan.occluder.texture, plan.occluder.boxes[index])
    image *= plan.gain[index]
    return np.clip(np.rint(image), 0, 255).astype(np.uint8), target_mask


# ----------------------------------------------------------------------------------------
# writing a split and the manifest
# ----------------------------------------------------------------------------------------
def _write_sequence(plan: SequencePlan, folder: Path, pool: ThreadPoolExecutor) -> None:
    import cv2  # lazy: keeps `crpnbench --help` light

    (folder / "img").mkdir(parents=True)
    params = [int(cv2.IMWRITE_JPEG_QUALITY), JPEG_QUALITY]
    writes = []
    for i in range(plan.num_frames):
        image, _ = render_frame(plan, i)
        path = folder / "img" / f"{i + 1:04d}.jpg"
        # JPEG encoding dominates and releases the GIL: encode on worker threads
        writes.append((path, pool.submit(cv2.imwrite, str(path), image, params)))
    for path, write in writes:
        if not write.result():
            raise DataError("could not write synthetic frame", path)
    gt, absent = plan.groundtruth()
    lines = [",".join(str(int(v)) for v in row) for row in gt]
    (folder / "groundtruth_rect.txt").write_text("\n".join(lines) + "\n")
    (folder / "absent.txt").write_text("\n".join(str(int(a)) for a in absent) + "\n")
    occluded = plan.occluded_fraction() >= OCCLUSION_TAG_FRACTION
    (folder / "occlusion.txt").write_text("\n".join(str(int(a)) for a in occluded) + "\n")
    (folder / "attrs.txt").write_text(", ".join(plan.attributes) + "\n")


def _split_manifest(names: list[str], lengths: list[int]) -> dict:
    return {"sequences": names, "frames": lengths}


def _manifest_header(seed: int) -> dict:
    return {
        "generator": "crpnbench.data.synthetic",
        "version": GENERATOR_VERSION,
        "seed": seed,
        "frame_size": [FRAME_WIDTH, FRAME_HEIGHT],
        "jpeg_quality": JPEG_QUALITY,
        "splits": {},
    }


def read_manifest(root: str | Path) -> dict | None:
    """The manifest of a generated root, or None when absent or unreadable."""
    path = Path(root) / "manifest.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _write_manifest(root: Path, manifest: dict) -> None:
    write_text_atomic(root / "manifest.json", json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def generate_split(root: str | Path, split: str, seed: int = DEFAULT_SEED) -> list[str]:
    """Write every sequence of ``split`` under ``<root>/<split>`` and record it in the manifest.

    The split is written to a temporary folder and moved into place, so a reader never sees a
    half-written split; an existing (outdated) split folder is replaced. Returns the names.
    """
    if split not in SPLITS:
        raise ConfigError(f"synthetic split must be one of {', '.join(SPLITS)}, not {split!r}")
    root = Path(root)
    try:
        return _generate_split(root, split, seed)
    except OSError as error:  # read-only location, a file where the folder should be, disk full
        where = error.filename or root
        raise DataError(
            f"cannot write the synthetic benchmark ({error.strerror or error}); pass a writable --data-root", where
        ) from None


def _generate_split(root: Path, split: str, seed: int) -> list[str]:
    root.mkdir(parents=True, exist_ok=True)
    count = SPLITS[split][0]
    staging = root / f".{split}.tmp-{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    names, lengths = [], []
    try:
        with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
            for index in range(count):
                plan = plan_sequence(split, index, seed)
                _write_sequence(plan, staging / plan.name, pool)
                names.append(plan.name)
                lengths.append(plan.num_frames)
        final = root / split
        for attempt in range(3):  # another process may be moving its own copy into place
            if final.exists():
                trash = root / f".{split}.old-{os.getpid()}-{attempt}"
                try:
                    os.replace(final, trash)
                except FileNotFoundError:
                    pass
                shutil.rmtree(trash, ignore_errors=True)
            try:
                os.replace(staging, final)
                break
            except OSError:
                if attempt == 2:
                    raise
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    manifest = read_manifest(root)
    if not _manifest_matches(manifest, seed):
        manifest = _manifest_header(seed)
    manifest["splits"][split] = _split_manifest(names, lengths)
    _write_manifest(root, manifest)
    return names


def generate(root: str | Path, seed: int = DEFAULT_SEED, splits: tuple[str, ...] = ("test", "train")) -> dict:
    """Generate the given splits under ``root``; returns the manifest."""
    for split in splits:
        generate_split(root, split, seed)
    return read_manifest(root)


def _manifest_matches(manifest: dict | None, seed: int) -> bool:
    return (
        isinstance(manifest, dict)
        and manifest.get("generator") == "crpnbench.data.synthetic"
        and manifest.get("version") == GENERATOR_VERSION
        and manifest.get("seed") == seed
        and manifest.get("frame_size") == [FRAME_WIDTH, FRAME_HEIGHT]
        and manifest.get("jpeg_quality") == JPEG_QUALITY
        and isinstance(manifest.get("splits"), dict)
    )


def split_status(root: str | Path, split: str, seed: int = DEFAULT_SEED) -> str | None:
    """Why ``<root>/<split>`` needs (re)generating, or None when it is complete and current."""
    root = Path(root)
    manifest = read_manifest(root)
    if manifest is None:
        return "no manifest"
    if not _manifest_matches(manifest, seed):
        return "generated by another generator version, seed or frame size"
    entry = manifest["splits"].get(split)
    if not isinstance(entry, dict) or len(entry.get("sequences", ())) != SPLITS[split][0]:
        return f"split {split!r} not generated yet"
    for name, length in zip(entry["sequences"], entry.get("frames", ())):
        folder = root / split / name
        if not (folder / "groundtruth_rect.txt").is_file() or not (folder / "img" / f"{length:04d}.jpg").is_file():
            return f"sequence {name} is incomplete"
    return None


def ensure_generated(root: str | Path, split: str, seed: int = DEFAULT_SEED, quiet: bool = False) -> None:
    """Generate ``split`` under ``root`` unless it is already there and current (says so on stderr)."""
    reason = split_status(root, split, seed)
    if reason is None:
        return
    if not quiet:
        print(
            f"crpnbench: generating the synthetic benchmark ({split} split, seed {seed}) under {root} ({reason})...",
            file=sys.stderr,
            flush=True,
        )
    started = time.perf_counter()
    generate_split(root, split, seed)
    if not quiet:
        print(f"crpnbench: done in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------------------
# the loader
# ----------------------------------------------------------------------------------------
class Synthetic(Benchmark):
    """The built-in synthetic benchmark (``--dataset synthetic`` / ``synthetic-train``).

    Args:
        root: folder holding ``manifest.json`` and one folder per split (default ``datasets/synthetic``).
        annotations: not supported (the benchmark is generated, not downloaded).
        split: ``"test"`` (60 sequences of 80-120 frames) or ``"train"`` (40 of 100 frames).
        seed: generator seed; a root generated with another seed is regenerated.
        generate: generate the split when missing or outdated (default); if False, a missing
            split is a :class:`DataError`.
    """

    name = "synthetic"
    result_layout = "otb"
    #: what each attribute code means here (``_attributes``): measured from the generated motion and sprites
    attribute_names = {
        "BC": "Distractors (same texture family, another tint)",
        "SV": f"Scale Variation (size ratio > {SCALE_RATIO_SV})",
        "DEF": f"Aspect change (aspect ratio range >= {ASPECT_RATIO_DEF})",
        "OCC": "Partial Occlusion",
        "OV": "Out-of-View",
        "FM": f"Fast Motion (> {FAST_MOTION_PX:g} px/frame)",
        "IV": "Illumination Variation",
    }

    def __init__(
        self,
        root: str | Path | None = None,
        annotations: str | Path | None = None,
        split: str = "test",
        seed: int = DEFAULT_SEED,
        generate: bool = True,
    ):
        if annotations is not None:
            raise ConfigError("the synthetic benchmark has no annotation file; use --data-root instead")
        if split not in SPLITS:
            raise ConfigError(f"synthetic split must be one of {', '.join(SPLITS)}, not {split!r}")
        root = Path("datasets") / "synthetic" if root is None else Path(root)
        self.split = split
        self.seed = int(seed)
        if split == "train":
            self.name = "synthetic-train"
        if generate:
            ensure_generated(root, split, self.seed)
        else:
            reason = split_status(root, split, self.seed)
            if reason is not None:
                raise DataError(f"synthetic {split} split is not usable ({reason})", root)
        super().__init__(root=root)
        self.manifest = read_manifest(root)

    @property
    def split_dir(self) -> Path:
        return self.root / self.split

    def list_sequences(self) -> list[str]:
        return list(self.manifest["splits"][self.split]["sequences"])

    def is_present(self, name: str) -> bool:
        return (self.split_dir / name / "groundtruth_rect.txt").is_file()

    def load_sequence(self, name: str) -> Sequence:
        folder = self.split_dir / name
        boxes = read_boxes(folder / "groundtruth_rect.txt")
        absent = read_flags(folder / "absent.txt")
        n = len(boxes)
        if len(absent) != n:
            raise DataError(f"has {len(absent)} flags for {n} boxes", folder / "absent.txt")
        empty = np.all(boxes == 0, axis=1)
        if np.any(empty != absent):
            line = int(np.flatnonzero(empty != absent)[0]) + 1
            raise DataError(
                "absent flag disagrees with the ground truth (0,0,0,0 means absent)", folder / "absent.txt", line
            )
        boxes[absent] = np.nan
        frame_tags = {"out_of_view": absent.copy()}
        occlusion_file = folder / "occlusion.txt"
        if occlusion_file.is_file():
            occlusion = read_flags(occlusion_file)
            if len(occlusion) != n:
                raise DataError(f"has {len(occlusion)} flags for {n} boxes", occlusion_file)
            frame_tags["occlusion"] = occlusion
        attrs_file = folder / "attrs.txt"
        attributes: tuple[str, ...] = ()
        if attrs_file.is_file():
            attributes = tuple(a.strip() for a in attrs_file.read_text().split(",") if a.strip())
        frame_paths = [folder / "img" / f"{i:04d}.jpg" for i in range(1, n + 1)]
        return Sequence(
            name=name,
            frame_paths=frame_paths,
            boxes=boxes,
            absent=absent,
            attributes=attributes,
            frame_tags=frame_tags,
            image_size=(FRAME_WIDTH, FRAME_HEIGHT),
        )
