"""The interface every tracker implements (built-in or plug-in).

Frames are BGR ``uint8`` arrays as OpenCV decodes them; boxes are ``x, y, w, h`` float arrays in
1-based pixel coordinates, the convention of the ground truth and of raw result files.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np


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
