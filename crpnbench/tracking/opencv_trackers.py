"""OpenCV's correlation-filter and MIL trackers (opencv-contrib) as crpnbench baselines.

KCF, CSRT and MIL exist as ``cv2.Tracker<X>_create`` in OpenCV 4.5.1+ and 5.x, with a
``cv2.Tracker<X>_Params`` object for their settings; MOSSE (and older builds' KCF/CSRT/MIL) only
as ``cv2.legacy.Tracker<X>_create``. :func:`create_opencv_tracker` picks whichever exists.

Coordinates: crpnbench boxes are float ``x, y, w, h`` with the top-left pixel at (1, 1); OpenCV
works with 0-based integer rectangles. The box given to :meth:`OpenCVTracker.init` is rounded,
clipped to the image and shifted by one; OpenCV's answers are shifted back. When OpenCV reports
the target lost, the tracker repeats its last box (raw results never hold NaN).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from crpnbench.errors import ConfigError
from crpnbench.tracking.base import Tracker

#: algorithm names crpnbench knows, upper case as in the config files
ALGORITHMS = ("KCF", "CSRT", "MOSSE", "MIL")


def _cv2():
    import cv2  # lazy: `crpnbench --help` must not import OpenCV

    return cv2


def available_algorithms() -> list[str]:
    """The :data:`ALGORITHMS` this OpenCV build provides (contrib modules are needed)."""
    cv2 = _cv2()
    legacy = getattr(cv2, "legacy", None)
    return [
        a
        for a in ALGORITHMS
        if hasattr(cv2, f"Tracker{a}_create") or (legacy is not None and hasattr(legacy, f"Tracker{a}_create"))
    ]


def parameter_names(algorithm: str) -> list[str]:
    """Names of the settings OpenCV exposes for ``algorithm`` (empty when it has none, e.g. MOSSE)."""
    cv2 = _cv2()
    params_class = getattr(cv2, f"Tracker{algorithm.upper()}_Params", None)
    if params_class is None:
        return []
    return sorted(a for a in dir(params_class()) if not a.startswith("_"))


def _make_params(algorithm: str, params: Mapping[str, Any]):
    cv2 = _cv2()
    params_class = getattr(cv2, f"Tracker{algorithm}_Params", None)
    if params_class is None:
        raise ConfigError(f"OpenCV's {algorithm} tracker takes no parameters (got {', '.join(params)})")
    holder = params_class()
    known = parameter_names(algorithm)
    for key, value in params.items():
        if key not in known:
            raise ConfigError(f"unknown {algorithm} parameter {key!r}; OpenCV's {algorithm} has: {', '.join(known)}")
        current = getattr(holder, key)
        if isinstance(current, bool) and not isinstance(value, bool):
            raise ConfigError(f"{algorithm} parameter {key!r} must be true or false, not {value!r}")
        try:
            setattr(holder, key, value)
        except (TypeError, ValueError, OverflowError) as error:
            raise ConfigError(
                f"{algorithm} parameter {key!r} = {value!r} is not a valid {type(current).__name__}: {error}"
            ) from None
    return holder


def create_opencv_tracker(algorithm: str, params: Mapping[str, Any] | None = None):
    """A fresh OpenCV tracker object for ``algorithm`` (KCF, CSRT, MOSSE or MIL).

    ``params`` set fields of OpenCV's ``Tracker<X>_Params``; an unknown name or a value of the
    wrong type is a :class:`ConfigError` listing what OpenCV accepts.
    """
    cv2 = _cv2()
    algorithm = algorithm.upper()
    if algorithm not in ALGORITHMS:
        raise ConfigError(f"unknown OpenCV tracker algorithm {algorithm!r}; choose one of: {', '.join(ALGORITHMS)}")
    params = dict(params or {})
    modern = getattr(cv2, f"Tracker{algorithm}_create", None)
    if modern is not None:
        if params:
            return modern(_make_params(algorithm, params))
        return modern()
    legacy = getattr(getattr(cv2, "legacy", None), f"Tracker{algorithm}_create", None)
    if legacy is None:
        raise ConfigError(
            f"this OpenCV build ({cv2.__version__}) has no {algorithm} tracker; install opencv-contrib-python"
        )
    if params:
        raise ConfigError(f"OpenCV's legacy {algorithm} tracker takes no parameters (got {', '.join(params)})")
    return legacy()


def to_opencv_rect(box: np.ndarray, image_shape: tuple[int, ...], context: float = 1.0) -> tuple[int, int, int, int]:
    """1-based float ``x, y, w, h`` -> 0-based integer rectangle clipped to the image (at least 1x1).

    ``context`` > 1 grows the rectangle about the box centre by that factor first.
    """
    height, width = image_shape[:2]
    x, y, w, h = (float(v) for v in box)
    if context != 1.0:
        x, y = x + w * (1.0 - context) / 2.0, y + h * (1.0 - context) / 2.0
        w, h = w * context, h * context
    x0 = int(round(x - 1.0))
    y0 = int(round(y - 1.0))
    x1 = int(round(x - 1.0 + w))
    y1 = int(round(y - 1.0 + h))
    x0, x1 = min(max(x0, 0), width - 1), min(max(x1, 1), width)
    y0, y1 = min(max(y0, 0), height - 1), min(max(y1, 1), height)
    return x0, y0, max(x1 - x0, 1), max(y1 - y0, 1)


def _dft_friendly_rect(rect: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """Grow a rectangle (about its centre) to even sizes ``cv2.getOptimalDFTSize`` keeps.

    OpenCV's MOSSE silently resizes its window to such sizes, shifting the centre by up to a
    pixel; handing it a size it keeps makes the mapping back to the target box exact.
    """
    cv2 = _cv2()
    x, y, w, h = rect

    def friendly(n: int) -> int:
        n = max(n, 2)
        while cv2.getOptimalDFTSize(n) != n or n % 2:
            n += 1
        return n

    new_w, new_h = friendly(w), friendly(h)
    return x - (new_w - w) // 2, y - (new_h - h) // 2, new_w, new_h


def from_opencv_rect(rect) -> np.ndarray:
    """0-based OpenCV ``(x, y, w, h)`` -> 1-based float box."""
    x, y, w, h = (float(v) for v in rect)
    return np.array([x + 1.0, y + 1.0, w, h], dtype=np.float64)


class OpenCVTracker(Tracker):
    """One of OpenCV's trackers behind crpnbench's :class:`Tracker` interface.

    Args:
        algorithm: ``"KCF"``, ``"CSRT"``, ``"MOSSE"`` or ``"MIL"`` (case-insensitive).
        name: result-folder name (default: the algorithm in lower case).
        params: OpenCV ``Tracker<X>_Params`` fields, passed through.
        context: crpnbench's own option: OpenCV is given the box grown by this factor about its
            centre (MOSSE needs ~2 to find a peak on small targets) and its answers are mapped
            back to the target's size and position.
    """

    def __init__(
        self,
        algorithm: str,
        name: str | None = None,
        params: Mapping[str, Any] | None = None,
        context: float = 1.0,
    ):
        self.algorithm = algorithm.upper()
        if self.algorithm not in ALGORITHMS:
            raise ConfigError(
                f"unknown OpenCV tracker algorithm {algorithm!r}; choose one of: {', '.join(ALGORITHMS)}"
            )
        self.name = name or self.algorithm.lower()
        self.params = dict(params or {})
        if not isinstance(context, (int, float)) or isinstance(context, bool) or not 1.0 <= context <= 10.0:
            raise ConfigError(f"context must be a number between 1 and 10, not {context!r}")
        self.context = float(context)
        # maps OpenCV's rectangle to the target box: size ratios and centre offset (in rect units)
        self._scale = np.ones(2)
        self._offset = np.zeros(2)
        # fail on a bad parameter now, not on the first sequence
        self._tracker = create_opencv_tracker(self.algorithm, self.params)
        self._fresh = True
        self._last_box: np.ndarray | None = None
        #: whether OpenCV reported success on the latest update
        self.last_ok = True

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "OpenCVTracker":
        """Build from a parsed ``trackers/<name>.toml`` (``algorithm``, ``name``, optional ``[params]``)."""
        algorithm = config.get("algorithm")
        if not isinstance(algorithm, str):
            raise ConfigError("an opencv tracker config needs algorithm = \"KCF\" | \"CSRT\" | \"MOSSE\" | \"MIL\"")
        params = config.get("params", {})
        if not isinstance(params, Mapping):
            raise ConfigError("[params] of an opencv tracker config must be a table")
        return cls(algorithm, name=config.get("name"), params=params, context=config.get("context", 1.0))

    def init(self, frame: np.ndarray, box: np.ndarray) -> None:
        box = np.asarray(box, dtype=np.float64).reshape(4)
        if not np.all(np.isfinite(box)) or box[2] <= 0 or box[3] <= 0:
            raise ConfigError(f"cannot initialise {self.name} on an empty or unknown box {box.tolist()}")
        if not self._fresh:  # OpenCV trackers cannot be re-initialised reliably: make a new one
            self._tracker = create_opencv_tracker(self.algorithm, self.params)
        self._fresh = False
        rect = to_opencv_rect(box, frame.shape, self.context)
        if self.algorithm == "MOSSE":
            rect = _dft_friendly_rect(rect)
        rect_size = np.array(rect[2:], dtype=np.float64)
        self._scale = rect_size / box[2:]
        box_centre = box[:2] - 1.0 + box[2:] / 2.0
        self._offset = (box_centre - (np.array(rect[:2], dtype=np.float64) + rect_size / 2.0)) / rect_size
        result = self._tracker.init(frame, rect)
        if result is False:  # legacy trackers return a flag, new ones None
            raise ConfigError(f"OpenCV's {self.algorithm} tracker refused to initialise on {rect}")
        self._last_box = box.copy()
        self.last_ok = True

    def update(self, frame: np.ndarray) -> np.ndarray:
        if self._last_box is None:
            raise RuntimeError("update() called before init()")
        ok, rect = self._tracker.update(frame)
        self.last_ok = bool(ok)
        if ok:
            box = self._to_target_box(rect)
            if np.all(np.isfinite(box)) and box[2] > 0 and box[3] > 0:
                self._last_box = box
        return self._last_box.copy()

    def _to_target_box(self, rect) -> np.ndarray:
        """OpenCV's 0-based rectangle -> the 1-based target box (undoing ``context`` and clipping)."""
        rect = np.asarray([float(v) for v in rect], dtype=np.float64)
        size = rect[2:]
        centre = rect[:2] + size / 2.0 + self._offset * size
        target_size = size / self._scale
        return np.concatenate([centre - target_size / 2.0 + 1.0, target_size])

    def __repr__(self) -> str:
        return f"OpenCVTracker({self.algorithm!r}, name={self.name!r})"
