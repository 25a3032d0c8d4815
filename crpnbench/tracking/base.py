"""The interface every tracker implements (built-in or plug-in).

Frames are BGR ``uint8`` arrays as OpenCV decodes them; boxes are ``x, y, w, h`` float arrays in
1-based pixel coordinates, the convention of the ground truth and of raw result files.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from crpnbench.errors import CrpnbenchError


class Tracker(ABC):
    """A single-object tracker: initialise on one box, then predict one box per frame.

    Plug-ins subclass this (or just provide ``init``/``update`` with these signatures) and are
    loaded with ``--tracker path/to/file.py:ClassName`` or ``--tracker package.module:ClassName``.
    """

    #: name used for result folders (``results/raw/<dataset>/<name>/``)
    name: str = "tracker"

    @abstractmethod
    def init(self, frame: np.ndarray, box: np.ndarray) -> None:
        """Start tracking the target in ``box`` (x, y, w, h; 1-based) on ``frame``."""

    @abstractmethod
    def update(self, frame: np.ndarray) -> np.ndarray:
        """Return the target's box (x, y, w, h; 1-based) in the next ``frame``."""


class TrackerFailure(CrpnbenchError):
    """A tracker that misbehaved on one sequence: it raised in ``__init__``, ``init`` or ``update``, or
    returned something that is not a finite box. The evaluation runner fails that sequence with this
    one line (tracker, sequence, frame, what happened) and goes on with the others."""


def checked_box(value) -> np.ndarray:
    """A tracker's output as a finite float64 ``(4,)`` box; ValueError saying what is wrong otherwise."""
    if isinstance(value, (str, bytes)):
        raise ValueError(f"returned {value!r}, not a box x, y, w, h")
    try:
        box = np.asarray(value, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise ValueError(f"returned {_short(value)}, not a box x, y, w, h") from None
    if box.shape != (4,):
        raise ValueError(f"returned {box.shape[0]} values, expected a box x, y, w, h")
    if not np.all(np.isfinite(box)):
        raise ValueError(f"returned a non-finite box {np.array2string(box, separator=', ')}")
    return box


def _short(value, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class GuardedTracker:
    """A tracker seen through the evaluation runner: every ``init``/``update`` failure or bad box becomes a
    :class:`TrackerFailure` naming the tracker, the sequence and the frame (1-based; the protocol's
    frame loop sets :attr:`frame`). Boxes are returned as checked float64 ``(4,)`` arrays."""

    def __init__(self, tracker, tracker_name: str, sequence: str):
        self.inner, self.tracker_name, self.sequence = tracker, tracker_name, sequence
        #: the 1-based frame being tracked (set by the runner's view of the protocol's frame loop)
        self.frame: int | None = None

    def __getattr__(self, name):
        inner = self.__dict__.get("inner")
        if inner is None or name.startswith("__"):
            raise AttributeError(name)
        return getattr(inner, name)

    def _failure(self, what: str) -> TrackerFailure:
        frame = "" if self.frame is None else f", frame {self.frame}"
        return TrackerFailure(f"tracker {self.tracker_name} on {self.sequence}{frame}: {what}")

    def init(self, frame, box):
        try:
            return self.inner.init(frame, box)
        except Exception as error:  # noqa: BLE001 - a plug-in's bug fails its sequence only
            raise self._failure(f"init() raised {type(error).__name__}: {error}") from error

    def update(self, frame) -> np.ndarray:
        try:
            value = self.inner.update(frame)
        except Exception as error:  # noqa: BLE001
            raise self._failure(f"update() raised {type(error).__name__}: {error}") from error
        try:
            return checked_box(value)
        except ValueError as error:
            raise self._failure(f"update() {error}") from None
