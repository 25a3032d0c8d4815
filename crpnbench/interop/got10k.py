"""Any crpnbench tracker as a got10k ``Tracker``, so got10k's experiments run it.

    from got10k.experiments import ExperimentOTB
    from crpnbench.interop.got10k import as_got10k_tracker

    tracker = as_got10k_tracker("kcf")            # a registry name, plug-in spec, TrackerSpec or Tracker
    ExperimentOTB("datasets/OTB", version=2015).run(tracker)

got10k calls ``init(image, box)`` and ``update(image) -> box`` with PIL images (RGB; its
``Tracker.track`` converts every frame); the wrapper turns each into the BGR ``uint8`` array crpnbench
trackers take (OpenCV's decoding and PIL's give the same pixels on the OTB frames: checked in
``tests/test_interop_got10k.py``). Boxes pass through unchanged both ways: got10k hands a tracker the
annotation file's numbers, as crpnbench does (OTB: 1-based ``x, y, w, h``), so a deterministic tracker
gives the same boxes under ``crpnbench eval`` and under got10k's ``ExperimentOTB``. The got10k name
(its result folder) is the crpnbench result folder (:attr:`TrackerSpec.folder`), or ``name``.

The other direction, a got10k tracker run by crpnbench (``--tracker file.py:MyGot10kTracker``), is
:mod:`crpnbench.tracking.got10k_trackers`.
"""

from __future__ import annotations

import numpy as np
from got10k.trackers import Tracker as _Got10kBase

from crpnbench.tracking.base import checked_box
from crpnbench.tracking.got10k_trackers import Got10kTracker
from crpnbench.tracking.spec import TrackerSpec


def pil_to_frame(image) -> np.ndarray:
    """A got10k frame (PIL image, or an RGB array) as crpnbench trackers take frames: BGR ``uint8``."""
    array = np.asarray(image.convert("RGB") if hasattr(image, "convert") else image)
    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    return np.ascontiguousarray(array[..., 2::-1]).astype(np.uint8, copy=False)


class CrpnbenchGot10kTracker(_Got10kBase):
    """A crpnbench tracker (any object with ``init(frame, box)`` / ``update(frame) -> box``) as a got10k
    ``Tracker``. Each ``update`` returns a checked float ``(4,)`` box (a bad box raises ValueError)."""

    def __init__(self, tracker, name: str, is_deterministic: bool = False):
        super().__init__(name=name, is_deterministic=is_deterministic)
        self.tracker = tracker

    def init(self, image, box):
        self.tracker.init(pil_to_frame(image), np.asarray(box, dtype=np.float64).reshape(4).copy())

    def update(self, image):
        return checked_box(self.tracker.update(pil_to_frame(image)))


def as_got10k_tracker(spec_or_tracker, name: str | None = None, is_deterministic: bool = False,
                      **build_options) -> CrpnbenchGot10kTracker:
    """A got10k ``Tracker`` running ``spec_or_tracker``: a built tracker object, or anything
    :meth:`TrackerSpec.of` takes (``"kcf"``, ``"crpn-small"``, ``"file.py:Class"``, a ``TrackerSpec``,
    a Tracker class), built here once with ``build_options`` (``device``, ``checkpoint``,
    ``untrained``, ``fast``). ``name``: got10k's result folder (default: the crpnbench one).
    A got10k tracker given here is returned as it is."""
    if isinstance(spec_or_tracker, _Got10kBase):
        return spec_or_tracker
    if isinstance(spec_or_tracker, Got10kTracker):  # a got10k tracker crpnbench wrapped: unwrap it
        return spec_or_tracker.inner
    is_object = (not isinstance(spec_or_tracker, (str, tuple, type, TrackerSpec))
                 and callable(getattr(spec_or_tracker, "init", None))
                 and callable(getattr(spec_or_tracker, "update", None)))
    if is_object:
        tracker = spec_or_tracker
        folder = str(getattr(tracker, "name", "") or type(tracker).__name__)
    else:
        spec = TrackerSpec.of(spec_or_tracker, **build_options)
        tracker, folder = spec.build(), spec.folder
    return CrpnbenchGot10kTracker(tracker, name or folder, is_deterministic)


__all__ = ["CrpnbenchGot10kTracker", "as_got10k_tracker", "pil_to_frame"]
