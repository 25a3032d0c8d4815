"""The one sequence type every benchmark loader returns.

Boxes are ``float64`` arrays of shape ``(N, 4)`` holding ``x, y, w, h`` in 1-based pixel
coordinates (the top-left pixel of an image is (1, 1), as in OTB/VOT/LaSOT ground truth);
a frame whose box is unknown holds ``NaN`` in all four values. Annotations are read when the
sequence is made; images are decoded only when :meth:`Sequence.frame` is called.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from collections.abc import Sequence as _SequenceABC
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from crpnbench.errors import DataError


class FramePaths(_SequenceABC):
    """An immutable list of frame paths stored as strings and handed out as :class:`Path`.

    Building 685k ``Path`` objects for LaSOT up front takes seconds; strings are made once
    and a ``Path`` only for the frames actually asked for.
    """

    __slots__ = ("_paths",)

    def __init__(self, paths: Iterable[str | Path]):
        self._paths = [os.fspath(p) for p in paths]

    def __len__(self) -> int:
        return len(self._paths)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return FramePaths(self._paths[index])
        return Path(self._paths[index])

    def __iter__(self) -> Iterator[Path]:
        return (Path(p) for p in self._paths)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FramePaths):
            return self._paths == other._paths
        if isinstance(other, (list, tuple)):
            return len(other) == len(self) and all(Path(a) == b for a, b in zip(other, self))
        return NotImplemented

    def strings(self) -> list[str]:
        """The paths as strings (no Path objects made)."""
        return list(self._paths)

    def __repr__(self) -> str:
        return f"FramePaths({len(self)} frames)"


@dataclass
class Sequence:
    """One annotated target in one video.

    Attributes:
        name: the benchmark's name of the sequence (e.g. ``Jogging-1``, ``airplane-1``).
        frame_paths: one image path per frame, in order (a :class:`FramePaths`; items are Path). Length ``N``.
        boxes: ``(N, 4)`` float array, ``x, y, w, h`` 1-based; NaN where unknown
            (e.g. TrackingNet TEST gives only the first box).
        polygons: optional ``(N, 8)`` float array of VOT rotated-box corners (x1,y1,...,x4,y4),
            NaN where unknown; ``None`` for benchmarks with axis-aligned ground truth.
        absent: ``(N,)`` bool array, True where the target is not visible (LaSOT full
            occlusion or out of view, synthetic out-of-view frames).
        attributes: sequence-level attribute names (OTB ``IV``, ``OCC``...; LaSOT's 14 flags).
        frame_tags: per-frame boolean tags by name (VOT ``occlusion``, ``camera_motion``...),
            each a ``(N,)`` bool array.
        start_frame: the file number of the first frame (OTB David starts at 300).
        image_size: ``(width, height)`` when the annotation source gives it, else None.
        rectangle_rows: optional ``(N,)`` bool array, True where a VOT ground-truth row had 4 values
            (``x, y, w, h``) rather than a polygon: vot-toolkit rasterises the two kinds differently.
        notes: what the loader noticed about the annotations and repaired or assumed (e.g. a
            ground-truth file shorter than the frame folder); scoring and eval print them.
    """

    name: str
    frame_paths: "FramePaths"
    boxes: np.ndarray
    polygons: np.ndarray | None = None
    absent: np.ndarray | None = None
    attributes: tuple[str, ...] = ()
    frame_tags: dict[str, np.ndarray] = field(default_factory=dict)
    start_frame: int = 1
    image_size: tuple[int, int] | None = None
    notes: tuple[str, ...] = ()
    rectangle_rows: np.ndarray | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.frame_paths, FramePaths):
            self.frame_paths = FramePaths(self.frame_paths)
        self.boxes = np.asarray(self.boxes, dtype=np.float64).reshape(-1, 4)
        n = len(self.frame_paths)
        if len(self.boxes) != n:
            raise DataError(
                f"sequence {self.name!r} has {len(self.boxes)} boxes for {n} frames"
            )
        if self.polygons is not None:
            self.polygons = np.asarray(self.polygons, dtype=np.float64).reshape(-1, 8)
            if len(self.polygons) != n:
                raise DataError(
                    f"sequence {self.name!r} has {len(self.polygons)} polygons for {n} frames"
                )
        if self.absent is None:
            self.absent = np.zeros(n, dtype=bool)
        else:
            self.absent = np.asarray(self.absent, dtype=bool).reshape(-1)
            if len(self.absent) != n:
                raise DataError(
                    f"sequence {self.name!r} has {len(self.absent)} absent flags for {n} frames"
                )
        self.attributes = tuple(self.attributes)
        for tag, values in list(self.frame_tags.items()):
            values = np.asarray(values, dtype=bool).reshape(-1)
            if len(values) != n:
                raise DataError(
                    f"sequence {self.name!r} tag {tag!r} has {len(values)} values for {n} frames"
                )
            self.frame_tags[tag] = values

    def __len__(self) -> int:
        return len(self.frame_paths)

    @property
    def init_box(self) -> np.ndarray:
        """The first frame's box, the one a tracker is initialised with."""
        return self.boxes[0].copy()

    def frame(self, index: int) -> np.ndarray:
        """Decode frame ``index`` (0-based) with OpenCV; returns a BGR ``uint8`` array.

        Raises :class:`DataError` naming the file when it is missing or cannot be decoded.
        """
        return read_image(self.frame_paths[index])

    def __repr__(self) -> str:
        return f"Sequence({self.name!r}, frames={len(self)})"


def read_image(path: str | Path) -> np.ndarray:
    """Decode one image file to a BGR uint8 array, or raise :class:`DataError` naming it."""
    import cv2  # imported lazily: keeps `crpnbench --help` fast

    path = Path(path)
    if not path.is_file():
        raise DataError("frame image is missing", path=path)
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise DataError("frame image could not be decoded (corrupt or not an image)", path=path)
    problem = jpeg_problem(path)
    if problem:
        raise DataError(problem, path=path)
    return image


#: how far from a JPEG's end its end-of-image marker may be (some writers pad with zeros or append data)
_JPEG_TAIL_BYTES = 4096


def jpeg_problem(path: str | Path) -> str | None:
    """Why a ``.jpg``/``.jpeg`` file is truncated, or None: a JPEG ends with the end-of-image marker
    ``FF D9`` (OpenCV decodes a cut file to a half-grey image with only an unnamed warning on stderr).
    Files with other extensions, and JPEGs padded after the marker, pass."""
    path = Path(path)
    if path.suffix.lower() not in (".jpg", ".jpeg"):
        return None
    try:
        with open(path, "rb") as handle:
            head = handle.read(2)
            handle.seek(0, 2)
            size = handle.tell()
            handle.seek(max(0, size - _JPEG_TAIL_BYTES))
            tail = handle.read()
    except OSError as error:
        return f"cannot read: {error.strerror}"
    if head != b"\xff\xd8":
        return None  # not a JPEG stream despite its name (cv2 decoded it): nothing to check
    if tail.rstrip(b"\x00\r\n\t ").endswith(b"\xff\xd9") or b"\xff\xd9" in tail:
        return None
    return "truncated JPEG: no end-of-image marker (FF D9); the file is cut short (re-download or re-extract it)"
