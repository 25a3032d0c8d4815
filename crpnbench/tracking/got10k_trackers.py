"""got10k trackers (subclasses of ``got10k.trackers.Tracker``) run by crpnbench unchanged.

A got10k tracker differs from a crpnbench :class:`~crpnbench.tracking.base.Tracker` in two ways:

* its frames are PIL images in RGB (got10k's ``Tracker.track`` opens every frame with PIL and
  converts it to RGB), while crpnbench decodes BGR ``uint8`` arrays with OpenCV;
* its ``name`` is set on the instance by ``got10k.trackers.Tracker.__init__(name=...)``, so the class
  alone does not say where its results go.

:class:`Got10kTracker` wraps an instance: every frame is converted (BGR -> RGB, ``PIL.Image``; the
pixels equal what got10k's own PIL decoding gives on the OTB frames, checked in the tests) and
``init(image, box)`` / ``update(image)`` are called as got10k calls them. Boxes are passed through
unchanged: got10k hands a tracker the annotation file's numbers (OTB: 1-based ``x, y, w, h``, which
got10k trackers such as siamfc-pytorch convert with ``box[0] - 1``), and crpnbench hands every tracker
the same numbers, so a got10k tracker sees identical boxes under both.

Detection never imports got10k: a class can only subclass ``got10k.trackers.Tracker`` once got10k has
been imported (by the plug-in's own module), so :func:`got10k_base` looks in ``sys.modules``.

The instance name without building the tracker twice: :func:`got10k_instance_name` builds the one
instance the name needs and keeps it; the next :func:`take_instance` in the same process (the
plug-in build) hands that instance out instead of constructing another. A process that never builds
the tracker itself (``--workers N``: the workers build their own) keeps that one instance until it ends.
"""

from __future__ import annotations

import sys

import numpy as np

from crpnbench.errors import ConfigError
from crpnbench.tracking.base import Tracker, TrackerFailure

#: got10k tracker classes -> the instance built for their name, not yet handed out
_BUILT: dict[type, object] = {}


def got10k_base() -> type | None:
    """``got10k.trackers.Tracker`` when got10k has been imported in this process, else None."""
    module = sys.modules.get("got10k.trackers")
    base = getattr(module, "Tracker", None)
    return base if isinstance(base, type) else None


def is_got10k_tracker_class(cls) -> bool:
    """Whether ``cls`` is a subclass of got10k's ``Tracker`` (got10k itself is never imported here)."""
    base = got10k_base()
    return base is not None and isinstance(cls, type) and issubclass(cls, base)


def is_got10k_tracker(obj) -> bool:
    """Whether ``obj`` is an instance of got10k's ``Tracker``."""
    base = got10k_base()
    return base is not None and isinstance(obj, base)


def _construct(cls):
    try:
        return cls()
    except TypeError as error:
        raise ConfigError(f"plug-in class {cls.__name__} must be constructible with no arguments: {error}") from error
    except Exception as error:  # noqa: BLE001 - a plug-in's bug is that tracker's failure, not a traceback
        raise TrackerFailure(f"tracker {cls.__name__}: {cls.__name__}() raised {type(error).__name__}: {error}") \
            from error


def got10k_instance_name(cls) -> str:
    """The ``name`` an instance of got10k tracker class ``cls`` gets in ``__init__`` (got10k's
    ``super().__init__(name=...)``); the instance built to read it is kept for :func:`take_instance`."""
    if cls not in _BUILT:
        _BUILT[cls] = _construct(cls)
    name = getattr(_BUILT[cls], "name", None)
    return name.strip() if isinstance(name, str) and name.strip() else cls.__name__


def take_instance(cls):
    """An instance of got10k tracker class ``cls``: the one :func:`got10k_instance_name` built, if
    it has not been handed out yet, else a new one."""
    instance = _BUILT.pop(cls, None)
    return instance if instance is not None else _construct(cls)


def frame_to_pil(frame: np.ndarray):
    """A crpnbench frame (BGR ``uint8``, or one grey channel) as got10k gives frames: a PIL RGB image."""
    from PIL import Image

    frame = np.asarray(frame)
    if frame.ndim == 2:
        return Image.fromarray(frame).convert("RGB")
    return Image.fromarray(np.ascontiguousarray(frame[..., 2::-1]))


class Got10kTracker(Tracker):
    """A got10k tracker instance behind crpnbench's :class:`Tracker` interface (frames as PIL RGB
    images, boxes passed through; its ``name`` is the got10k instance's name)."""

    def __init__(self, inner, name: str | None = None):
        self.inner = inner
        self.name = name or str(getattr(inner, "name", "") or type(inner).__name__)

    def init(self, frame: np.ndarray, box: np.ndarray) -> None:
        self.inner.init(frame_to_pil(frame), np.asarray(box, dtype=np.float64).copy())

    def update(self, frame: np.ndarray) -> np.ndarray:
        return np.asarray(self.inner.update(frame_to_pil(frame)), dtype=np.float64)

    def __repr__(self) -> str:
        return f"Got10kTracker({type(self.inner).__name__}, name={self.name!r})"


def as_crpnbench_tracker(tracker):
    """``tracker`` itself, or a :class:`Got10kTracker` around it when it is a got10k tracker."""
    if is_got10k_tracker(tracker):
        return Got10kTracker(tracker)
    return tracker


__all__ = ["Got10kTracker", "as_crpnbench_tracker", "frame_to_pil", "got10k_base", "got10k_instance_name",
           "is_got10k_tracker", "is_got10k_tracker_class", "take_instance"]
