"""Evaluation protocols: how a tracker is run over one sequence and where its raw results go.

One class per protocol (got10k's design), each with small overridable hooks:

* :class:`~crpnbench.protocols.ope.OPE` — one-pass evaluation (OTB, LaSOT, TrackingNet, GOT-10k,
  synthetic): initialise on frame 1's ground truth, update on every later frame.
* :class:`~crpnbench.protocols.vot_baseline.VOTBaseline` — the VOT supervised experiment: a frame
  whose prediction does not overlap the ground truth is a failure (``2``); the next four frames are
  skipped (``0``) and the tracker is re-initialised on the fifth (``1``).
* :class:`~crpnbench.protocols.realtime.VOTRealtime` — VOT2017's real-time experiment: frames arrive
  at 20 fps and the tracker's measured speed decides which ones it sees.
* :class:`~crpnbench.protocols.unsupervised.VOTUnsupervised` — VOT2018's unsupervised experiment:
  initialised once on frame 1 and never reset (scored by average overlap).

A protocol's :meth:`Protocol.run` returns a :class:`SequenceResult`; :meth:`Protocol.write` stores it
atomically in the benchmark's standard layout; :meth:`Protocol.is_complete` tells a resumed run
whether a sequence is already done.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from crpnbench.data.sequence import Sequence
from crpnbench.errors import ConfigError
from crpnbench.tracking.base import Tracker

Clock = Callable[[], float]


@dataclass
class SequenceResult:
    """What one protocol run over one sequence produced.

    Attributes:
        sequence: the sequence name.
        entries: one item per frame: an ``(4,)`` float box (x, y, w, h; 1-based) or, for VOT
            protocols, an int code (1 init, 2 failure, 0 skipped).
        times: ``(N,)`` seconds spent inside the tracker's ``init``/``update`` per frame (0 where
            the tracker was not called).
        loop_seconds: wall time of the whole per-frame loop (decode waits, overlap checks, ...).
        failures: VOT failures (``2`` codes); 0 for OPE.
        tracker_frames: frames the tracker was called on (init + update).
    """

    sequence: str
    entries: list
    times: np.ndarray
    loop_seconds: float
    failures: int = 0
    tracker_frames: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def frames(self) -> int:
        return len(self.entries)

    @property
    def tracker_seconds(self) -> float:
        return float(np.sum(self.times))

    @property
    def tracker_fps(self) -> float:
        """Frames per second counting only time inside the tracker (frames it was called on)."""
        seconds = self.tracker_seconds
        return self.tracker_frames / seconds if seconds > 0 else float("inf")

    @property
    def loop_fps(self) -> float:
        """Frames per second of the whole loop over every frame of the sequence."""
        return self.frames / self.loop_seconds if self.loop_seconds > 0 else float("inf")

    def boxes(self) -> np.ndarray:
        """``(N, 4)`` boxes; NaN on VOT code frames."""
        out = np.full((self.frames, 4), np.nan)
        for i, entry in enumerate(self.entries):
            if not isinstance(entry, (int, np.integer)):
                out[i] = entry
        return out


def count_lines(path: Path) -> int | None:
    """Number of non-blank lines of a text file, or None when it does not exist."""
    if not path.is_file():
        return None
    with open(path, encoding="utf-8", errors="replace") as handle:
        return sum(1 for line in handle if line.strip())


class Protocol(ABC):
    """How to run a tracker over a sequence and where the raw results live.

    Subclasses implement :meth:`run`, :meth:`result_path` and :meth:`time_path`; the rest are hooks
    with sensible defaults.
    """

    #: CLI name (``--protocol NAME``)
    name: str = ""
    #: frames decoded ahead of the tracker
    prefetch_depth: int = 8

    def __init__(self, clock: Clock = time.perf_counter, prefetch_depth: int | None = None):
        self.clock = clock
        if prefetch_depth is not None:
            self.prefetch_depth = prefetch_depth

    @abstractmethod
    def run(self, tracker: Tracker, sequence: Sequence) -> SequenceResult:
        """Run ``tracker`` over every frame of ``sequence``."""

    @abstractmethod
    def result_path(self, tracker_dir: Path, sequence: str, layout: str = "otb") -> Path:
        """The raw result file of ``sequence`` under one tracker's folder."""

    @abstractmethod
    def time_path(self, tracker_dir: Path, sequence: str, layout: str = "otb") -> Path:
        """The per-frame time file of ``sequence`` under one tracker's folder."""

    @abstractmethod
    def write(self, result: SequenceResult, tracker_dir: Path, layout: str = "otb") -> list[Path]:
        """Write ``result`` atomically; returns the files written."""

    def fps_path(self, tracker_dir: Path) -> Path:
        """Where per-sequence speeds are kept (``fps.csv`` beside the result files)."""
        from crpnbench.raw.layout import fps_path

        return fps_path(tracker_dir)

    def is_complete(self, tracker_dir: Path, sequence: Sequence, layout: str = "otb") -> bool:
        """Whether ``sequence``'s result and time files exist with one line per frame."""
        from crpnbench.raw.layout import existing_time_file  # older time-file names count too

        expected = len(sequence)
        return (
            count_lines(self.result_path(tracker_dir, sequence.name, layout)) == expected
            and count_lines(existing_time_file(self.time_path(tracker_dir, sequence.name, layout))) == expected
        )

    def frames(self, sequence: Sequence):
        """The decoded frames, ``(index, bgr)``, from a prefetch thread."""
        from crpnbench.data.prefetch import FramePrefetcher

        return FramePrefetcher(sequence.frame_paths, depth=self.prefetch_depth)

    def timed(self, call: Callable, *args):
        """Call ``call(*args)``; returns ``(value, seconds)`` measured with :attr:`clock`."""
        start = self.clock()
        value = call(*args)
        return value, self.clock() - start


def as_box(value) -> np.ndarray:
    """A tracker's output as a float64 ``(4,)`` box (raises ConfigError for anything else)."""
    box = np.asarray(value, dtype=np.float64).reshape(-1)
    if box.shape != (4,):
        raise ConfigError(f"tracker returned {box.shape[0]} values, expected a box x, y, w, h")
    return box


#: protocol name -> "module:Class"
PROTOCOLS: dict[str, str] = {
    "ope": "crpnbench.protocols.ope:OPE",
    "baseline": "crpnbench.protocols.vot_baseline:VOTBaseline",
    "realtime": "crpnbench.protocols.realtime:VOTRealtime",
    "unsupervised": "crpnbench.protocols.unsupervised:VOTUnsupervised",
}


def make_protocol(name: str, **options) -> Protocol:
    """Build the protocol registered as ``name`` (``ope``, ``baseline``, ``realtime`` or ``unsupervised``)."""
    import importlib

    if name not in PROTOCOLS:
        raise ConfigError(f"unknown protocol {name!r}; choose one of: {', '.join(PROTOCOLS)}")
    module, cls = PROTOCOLS[name].split(":")
    return getattr(importlib.import_module(module), cls)(**options)


def default_protocol(dataset: str) -> str:
    """The protocol a dataset is evaluated with when none is given (VOT: baseline, else OPE), as
    :data:`crpnbench.data.catalog.BENCHMARKS` declares it."""
    from crpnbench.data.catalog import benchmark_info

    return benchmark_info(dataset).default_protocol


__all__ = [
    "PROTOCOLS",
    "Protocol",
    "SequenceResult",
    "as_box",
    "count_lines",
    "default_protocol",
    "make_protocol",
]
