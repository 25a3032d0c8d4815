"""Training pairs for Siamese trackers: template and search crops from one annotated sequence.

A pair is two frames of the same sequence at most ``frame_gap`` frames apart (SiamFC/SiamRPN
sampling). The template frame is cropped around the target with context 0.5 to the exemplar size
(127), the search frame to the instance size (255) around a shifted and rescaled target centre,
then blurred and colour-jittered. Frames where the target is absent or its box is NaN or has zero
size are never sampled.

Coordinates: ground-truth boxes are 1-based ``x, y, w, h`` (:class:`Sequence`); a box's centre in
0-based pixel coordinates (pixel ``i`` has its centre at ``i``) is ``x - 1 + (w - 1) / 2``. A crop of
side ``s`` (frame pixels) centred on ``(cx, cy)`` and resized to ``n`` maps a frame point ``p`` to
``(p - c) * n / s + (n - 1) / 2``, the convention of pysot's ``get_subwindow``. The box a pair
carries is ``cx, cy, w, h`` in these search-crop coordinates.

Every sample is drawn from ``numpy.random.default_rng((seed, epoch, index))``, so an epoch is the
same whatever the number of DataLoader workers. The sequences may come from a weighted mix of
sources (:class:`~crpnbench.training.sources.TrainingData`), each with its own frame gap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from crpnbench.data.sequence import Sequence
from crpnbench.errors import DataError
from crpnbench.training.sources import TrainingData


@dataclass(frozen=True)
class PairConfig:
    """How pairs are sampled, cropped and augmented.

    Attributes:
        exemplar_size: side of the template crop (pixels).
        instance_size: side of the search crop (pixels).
        context_amount: context added around the target, as a fraction of ``w + h`` (SiamFC 0.5).
        frame_gap: largest distance in frames between template and search frame.
        search_shift: largest shift of the target from the search crop's centre, in crop pixels.
        search_scale: largest relative change of the search crop's side (independently in x and y).
        template_shift, template_scale: the same for the template crop (small; the tracker does not
            jitter its template).
        blur_probability: chance of a Gaussian blur of the search crop.
        color_probability: chance of a brightness/contrast/per-channel-gain jitter of the search crop.
        color_strength: largest relative change of brightness, contrast and channel gains.
        gray_probability: chance of turning both crops grey.
    """

    exemplar_size: int = 127
    instance_size: int = 255
    context_amount: float = 0.5
    frame_gap: int = 100
    search_shift: float = 64.0
    search_scale: float = 0.18
    template_shift: float = 4.0
    template_scale: float = 0.05
    blur_probability: float = 0.2
    color_probability: float = 0.5
    color_strength: float = 0.2
    gray_probability: float = 0.05

    def without_augmentation(self) -> "PairConfig":
        """The same sizes with every augmentation switched off (centred, unjittered crops)."""
        return replace(
            self, search_shift=0.0, search_scale=0.0, template_shift=0.0, template_scale=0.0,
            blur_probability=0.0, color_probability=0.0, gray_probability=0.0,
        )


# -- geometry ------------------------------------------------------------------------------


def valid_frames(sequence: Sequence) -> np.ndarray:
    """Indices of the frames whose box can be trained on: present, finite, positive size."""
    boxes = sequence.boxes
    ok = np.all(np.isfinite(boxes), axis=1)
    ok &= np.where(ok, boxes[:, 2], 0) > 0
    ok &= np.where(ok, boxes[:, 3], 0) > 0
    ok &= ~np.asarray(sequence.absent, dtype=bool)
    return np.flatnonzero(ok)


def box_center_size(box_xywh_1based: np.ndarray) -> np.ndarray:
    """``cx, cy, w, h`` in 0-based pixel-centre coordinates from a 1-based ``x, y, w, h`` box."""
    x, y, w, h = np.asarray(box_xywh_1based, dtype=np.float64)
    return np.array([x - 1 + (w - 1) / 2, y - 1 + (h - 1) / 2, w, h])


def context_side(w: float, h: float, context_amount: float = 0.5) -> float:
    """SiamFC's template side in frame pixels: ``sqrt((w + p)(h + p))`` with ``p = amount (w + h)``."""
    pad = context_amount * (w + h)
    return math.sqrt((w + pad) * (h + pad))


def crop_region(
    image: np.ndarray,
    center: tuple[float, float],
    side: tuple[float, float],
    out_size: int,
    pad_value: tuple[float, float, float],
) -> np.ndarray:
    """Crop the ``side = (sw, sh)`` frame-pixel region centred on ``center`` and resize it to ``out_size``.

    Parts outside the frame are filled with ``pad_value`` (the frame's mean colour in SiamFC).
    """
    import cv2

    scale_x = out_size / side[0]
    scale_y = out_size / side[1]
    half = (out_size - 1) / 2
    matrix = np.array(
        [[scale_x, 0.0, half - center[0] * scale_x], [0.0, scale_y, half - center[1] * scale_y]],
        dtype=np.float64,
    )
    return cv2.warpAffine(
        image, matrix, (out_size, out_size), flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT, borderValue=tuple(float(v) for v in pad_value),
    )


# -- augmentation --------------------------------------------------------------------------


def _jitter_colour(crop: np.ndarray, rng: np.random.Generator, strength: float) -> np.ndarray:
    out = crop.astype(np.float32)
    contrast = 1.0 + rng.uniform(-strength, strength)
    brightness = 255.0 * rng.uniform(-strength, strength) * 0.5
    gains = 1.0 + rng.uniform(-strength, strength, size=3).astype(np.float32) * 0.5
    mean = out.mean()
    out = (out - mean) * contrast + mean + brightness
    out *= gains[None, None, :]
    return np.clip(out, 0, 255).astype(np.uint8)


def _blur(crop: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    import cv2

    sigma = rng.uniform(0.5, 2.0)
    return cv2.GaussianBlur(crop, (0, 0), sigmaX=sigma)


def _gray(crop: np.ndarray) -> np.ndarray:
    import cv2

    g = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    return cv2.cvtColor(g, cv2.COLOR_GRAY2BGR)


def make_pair(
    template_image: np.ndarray,
    template_box: np.ndarray,
    search_image: np.ndarray,
    search_box: np.ndarray,
    config: PairConfig,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Crop (and augment) one pair of frames.

    Args:
        template_image, search_image: BGR uint8 frames.
        template_box, search_box: the target's 1-based ``x, y, w, h`` box in each frame.

    Returns:
        ``(template_crop, search_crop, box)``: BGR uint8 crops of side ``exemplar_size`` and
        ``instance_size``, and the target's ``cx, cy, w, h`` in search-crop pixel coordinates.
    """
    # template: centred on the target, side from the context rule, slightly jittered
    tcx, tcy, tw, th = box_center_size(template_box)
    t_side = context_side(tw, th, config.context_amount)
    t_scale = config.exemplar_size / t_side
    t_sx = t_side * (1 + rng.uniform(-1, 1) * config.template_scale)
    t_sy = t_side * (1 + rng.uniform(-1, 1) * config.template_scale)
    t_dx, t_dy = rng.uniform(-1, 1, size=2) * config.template_shift / t_scale
    t_pad = tuple(template_image.reshape(-1, template_image.shape[-1]).mean(axis=0))
    template = crop_region(template_image, (tcx + t_dx, tcy + t_dy), (t_sx, t_sy), config.exemplar_size, t_pad)

    # search: side scaled from the search frame's own target, centre shifted off the target
    scx, scy, sw, sh = box_center_size(search_box)
    s_side = context_side(sw, sh, config.context_amount) * config.instance_size / config.exemplar_size
    side_x = s_side * (1 + rng.uniform(-1, 1) * config.search_scale)
    side_y = s_side * (1 + rng.uniform(-1, 1) * config.search_scale)
    scale_x, scale_y = config.instance_size / side_x, config.instance_size / side_y
    shift_x, shift_y = rng.uniform(-1, 1, size=2) * config.search_shift  # in crop pixels
    crop_cx = scx - shift_x / scale_x
    crop_cy = scy - shift_y / scale_y
    s_pad = tuple(search_image.reshape(-1, search_image.shape[-1]).mean(axis=0))
    search = crop_region(search_image, (crop_cx, crop_cy), (side_x, side_y), config.instance_size, s_pad)
    half = (config.instance_size - 1) / 2
    box = np.array(
        [(scx - crop_cx) * scale_x + half, (scy - crop_cy) * scale_y + half, sw * scale_x, sh * scale_y],
        dtype=np.float32,
    )

    if rng.random() < config.gray_probability:
        template, search = _gray(template), _gray(search)
    if rng.random() < config.color_probability:
        search = _jitter_colour(search, rng, config.color_strength)
    if rng.random() < config.blur_probability:
        search = _blur(search, rng)
    return template, search, box


# -- sampling ------------------------------------------------------------------------------


def sample_frame_pair(
    valid: np.ndarray, frame_gap: int, rng: np.random.Generator
) -> tuple[int, int]:
    """Pick a template frame among ``valid`` and a search frame among ``valid`` within ``frame_gap``."""
    template = int(valid[rng.integers(len(valid))])
    lo = np.searchsorted(valid, template - frame_gap, side="left")
    hi = np.searchsorted(valid, template + frame_gap, side="right")
    search = int(valid[lo + rng.integers(hi - lo)])
    return template, search


@dataclass
class _Usable:
    sequence: Sequence
    valid: np.ndarray


def frame_box(sequence: Sequence, index: int, image: np.ndarray) -> np.ndarray:
    """The 1-based pixel ``x, y, w, h`` box of frame ``index`` whose decoded image is ``image``.

    Sequences whose boxes are fractions of the frame size (YT-BB's, which has no frame sizes) define
    ``pixel_box(index, image)``; every other sequence's box is ``sequence.boxes[index]``.
    """
    to_pixels = getattr(sequence, "pixel_box", None)
    return sequence.boxes[index] if to_pixels is None else to_pixels(index, image)


class _SourcePool:
    """The usable sequences of one training source and its frame gap.

    A list of sequences is checked up front (as before mixing existed); a
    :class:`~crpnbench.data.seqtable.SequenceTable` (VID, YT-BB, COCO, crop511: up to ~10^6 targets)
    is counted vectorised and builds the picked sequence on demand.
    """

    def __init__(self, name: str, sequences, weight: float, frame_gap: int):
        self.name, self.weight, self.frame_gap = str(name), float(weight), int(frame_gap)
        self.skipped: list[str] = []
        self.table = sequences if hasattr(sequences, "usable_indices") else None
        self.usable: list[_Usable] = []
        if self.table is not None:
            counts = self.table.usable_counts()
            self.index = np.flatnonzero(counts > 0)
            self.skipped = [self.table.names[i] for i in np.flatnonzero(counts == 0)]
            return
        for sequence in sequences:
            valid = valid_frames(sequence)
            if len(valid):
                self.usable.append(_Usable(sequence, valid))
            else:
                self.skipped.append(sequence.name)

    def __len__(self) -> int:
        return len(self.index) if self.table is not None else len(self.usable)

    def pick(self, rng: np.random.Generator) -> tuple[Sequence, np.ndarray]:
        """A uniformly chosen usable sequence and its usable frame indices."""
        if self.table is None:
            item = self.usable[rng.integers(len(self.usable))]
            return item.sequence, item.valid
        sequence = self.table[int(self.index[rng.integers(len(self.index))])]
        return sequence, valid_frames(sequence)


def _image_tensor(crop: np.ndarray):
    import torch

    return torch.from_numpy(np.ascontiguousarray(crop.transpose(2, 0, 1))).float()


class TrainingPairs:
    """A map-style torch Dataset of ``pairs_per_epoch`` random pairs drawn from ``sequences``.

    ``sequences`` is a list of :class:`Sequence` (one source) or a
    :class:`~crpnbench.training.sources.TrainingData` mix (anything with ``sources``, each having
    ``name``, ``sequences``, ``weight`` and ``frame_gap``; a None gap means ``config.frame_gap``).
    Each item is a dict with ``template`` (float32 ``3 x E x E``, BGR 0..255), ``search``
    (float32 ``3 x I x I``) and ``box`` (float32 ``cx, cy, w, h`` in search-crop pixels).
    Sequences without any usable frame are skipped (see :attr:`skipped`). A pair picks a source
    with probability equal to its weight (with one source no draw is made, so a single source
    draws exactly the pairs it drew before mixing existed), a sequence of it uniformly, then a
    frame pair inside it within the source's frame gap. Call :meth:`set_epoch` so each epoch sees
    new pairs.
    """

    def __init__(
        self,
        sequences,
        pairs_per_epoch: int,
        config: PairConfig | None = None,
        seed: int = 0,
    ):
        self.config = config or PairConfig()
        self.pairs_per_epoch = int(pairs_per_epoch)
        self.seed = int(seed)
        self.epoch = 0
        self.data = sequences if hasattr(sequences, "sources") else TrainingData.from_sequences(sequences)
        self.pools = [
            _SourcePool(source.name, source.sequences, source.weight,
                        self.config.frame_gap if source.frame_gap is None else source.frame_gap)
            for source in self.data.sources
        ]
        self.skipped: list[str] = [name for pool in self.pools for name in pool.skipped]
        if not any(len(pool) for pool in self.pools):
            raise DataError("no sequence has a usable annotated frame to train on")
        empty = [pool.name for pool in self.pools if not len(pool)]
        if empty:
            raise DataError(f"training source {empty[0]!r} has no sequence with a usable annotated frame")
        weights = np.array([pool.weight for pool in self.pools], dtype=np.float64)
        if not (np.all(weights >= 0) and weights.sum() > 0):
            raise DataError(f"source weights must be >= 0 with a positive sum, got {weights.tolist()}")
        self.cumulative = np.cumsum(weights) / weights.sum()
        self.cumulative[-1] = 1.0
        if self.pairs_per_epoch < 1:
            raise DataError(f"pairs per epoch must be at least 1, got {pairs_per_epoch}")

    def describe(self) -> dict:
        """The data's JSON-able record (:meth:`TrainingData.describe`) with each source's frame gap filled in."""
        record = self.data.describe()
        for source, pool in zip(record["sources"], self.pools):
            source["frame_gap"] = pool.frame_gap
            source["usable_sequences"] = len(pool)
        return record

    def set_epoch(self, epoch: int) -> None:
        """Make the next pass draw the pairs of ``epoch`` (0-based)."""
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return self.pairs_per_epoch

    def rng_for(self, index: int) -> np.random.Generator:
        return np.random.default_rng((self.seed, self.epoch, int(index)))

    def _draw(self, rng: np.random.Generator) -> tuple[_SourcePool, Sequence, int, int]:
        pool = self.pools[0]
        if len(self.pools) > 1:
            pool = self.pools[int(np.searchsorted(self.cumulative, rng.random(), side="right"))]
        seq, valid = pool.pick(rng)
        t, s = sample_frame_pair(valid, pool.frame_gap, rng)
        return pool, seq, t, s

    def choose(self, index: int) -> dict[str, Any]:
        """Where the ``index``-th pair of the current epoch comes from (source, sequence, frames), without
        decoding or cropping anything."""
        pool, seq, t, s = self._draw(self.rng_for(index))
        return {"source": pool.name, "sequence": seq.name, "frames": (t, s)}

    def sample(self, index: int) -> dict[str, Any]:
        """The ``index``-th pair of the current epoch as NumPy arrays (uint8 crops), plus where it came from."""
        rng = self.rng_for(index)
        pool, seq, t, s = self._draw(rng)
        template_image = seq.frame(t)
        search_image = template_image if s == t else seq.frame(s)
        template, search, box = make_pair(
            template_image, frame_box(seq, t, template_image), search_image, frame_box(seq, s, search_image),
            self.config, rng,
        )
        return {"template": template, "search": search, "box": box,
                "sequence": seq.name, "frames": (t, s), "source": pool.name}

    def __getitem__(self, index: int) -> dict[str, Any]:
        if not 0 <= index < self.pairs_per_epoch:
            raise IndexError(index)
        pair = self.sample(index)
        import torch

        return {
            "template": _image_tensor(pair["template"]),
            "search": _image_tensor(pair["search"]),
            "box": torch.from_numpy(pair["box"]),
        }


def _seed_worker(worker_id: int) -> None:
    import cv2

    cv2.setNumThreads(1)


def make_loader(
    dataset: TrainingPairs,
    batch_size: int,
    workers: int = 0,
    seed: int = 0,
    sampler=None,
    pin_memory: bool = False,
):
    """A DataLoader over ``dataset`` (items are already random; order is kept for reproducibility).

    ``sampler`` is for DistributedSampler under torchrun; ``workers`` 0 loads in the main process.
    Workers are started with ``spawn``: a forked worker can deadlock in OpenCV's or OpenMP's thread
    pool when the parent already used them. They are not persistent, so each epoch's workers see
    the dataset's current epoch (:meth:`TrainingPairs.set_epoch`).
    """
    import torch
    from torch.utils.data import DataLoader

    generator = torch.Generator()
    generator.manual_seed(seed)
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=False,
        sampler=sampler,
        num_workers=workers,
        worker_init_fn=_seed_worker if workers else None,
        generator=generator,
        drop_last=False,
        pin_memory=pin_memory,
        persistent_workers=False,
        multiprocessing_context="spawn" if workers else None,
    )


def otb_folder_sequence(folder) -> Sequence:
    """A :class:`Sequence` from an OTB-style folder (``img/*.jpg`` + ``groundtruth_rect.txt``).

    Only frames that have a box are used (some OTB sequences have more images than boxes).
    A stand-in loader for tests and tuning; the benchmark loaders are the real source.
    """
    from pathlib import Path

    from crpnbench.data.textio import read_rows

    folder = Path(folder)
    rows = read_rows(folder / "groundtruth_rect.txt")
    frames = sorted((folder / "img").glob("*.jpg"))
    if len(frames) < len(rows):
        raise DataError(f"{len(rows)} boxes but only {len(frames)} images", folder / "groundtruth_rect.txt")
    return Sequence(name=folder.name, frame_paths=frames[: len(rows)], boxes=np.stack(rows))


__all__ = [
    "PairConfig", "TrainingPairs", "frame_box", "make_loader", "make_pair", "sample_frame_pair", "valid_frames",
    "box_center_size", "context_side", "crop_region", "otb_folder_sequence",
]
