"""Where raw result files live: the one module that knows every result, time and speed file path.

Both sides use it: the protocols write through :func:`result_path` / :func:`time_path` /
:func:`fps_path`, the readers find files with :func:`index_result_files` / :func:`detect_layout`.
Layouts of one tracker's folder (relative to a results folder holding one folder per tracker):

* ``otb`` (OTB, LaSOT, TrackingNet, synthetic; pysot and the official OPE toolkits read it):
  ``<tracker>/<seq>.txt``, one ``x,y,w,h`` per frame (1-based pixels), and ``<tracker>/<seq>_time.txt``
  with seconds per frame; ``<tracker>/fps.csv``.
* ``got10k`` (got10k's toolkit and evaluation server): ``<tracker>/<seq>/<seq>_001.txt`` and
  ``<tracker>/<seq>/<seq>_time.txt``; ``<tracker>/fps.csv``.
* ``vot`` (VOT toolkit; ``experiment`` = ``baseline`` or ``realtime``):
  ``<tracker>/<experiment>/<seq>/<seq>_001.txt`` with ``1`` on an initialisation frame, ``2`` on a
  failure, ``0`` on frames skipped after it, else ``x,y,w,h``; ``<seq>_001_time.txt``;
  ``<tracker>/<experiment>/fps.csv``.
"""

from __future__ import annotations

from pathlib import Path

from crpnbench.errors import DataError

#: the layouts a tracker folder can have
LAYOUTS = ("otb", "got10k", "vot")
#: per-sequence speeds and their dataset summary, written by the evaluation runner
FPS_FILE, SPEED_FILE = "fps.csv", "speed.json"


def _check(layout: str) -> None:
    if layout not in LAYOUTS:
        raise ValueError(f"unknown result layout {layout!r} (one of {', '.join(LAYOUTS)})")


def sequence_dir(tracker_dir: str | Path, sequence: str, layout: str, experiment: str = "baseline") -> Path:
    """The folder holding ``sequence``'s files."""
    _check(layout)
    tracker_dir = Path(tracker_dir)
    if layout == "otb":
        return tracker_dir
    if layout == "got10k":
        return tracker_dir / sequence
    return tracker_dir / experiment / sequence


def result_path(tracker_dir: str | Path, sequence: str, layout: str = "otb", experiment: str = "baseline") -> Path:
    """The raw result file of ``sequence`` in one tracker's folder."""
    stem = sequence if layout == "otb" else f"{sequence}_001"
    return sequence_dir(tracker_dir, sequence, layout, experiment) / f"{stem}.txt"


def time_path(tracker_dir: str | Path, sequence: str, layout: str = "otb", experiment: str = "baseline") -> Path:
    """The per-frame time file of ``sequence`` in one tracker's folder."""
    stem = f"{sequence}_001" if layout == "vot" else sequence
    return sequence_dir(tracker_dir, sequence, layout, experiment) / f"{stem}_time.txt"


def fps_path(tracker_dir: str | Path, layout: str = "otb", experiment: str = "baseline") -> Path:
    """The per-sequence speed table (``fps.csv``) of one tracker's folder (per experiment for VOT)."""
    _check(layout)
    tracker_dir = Path(tracker_dir)
    return (tracker_dir / experiment if layout == "vot" else tracker_dir) / FPS_FILE


def sequence_key(name: str) -> str:
    """Case-insensitive key with ``-``/``_`` equivalent: ``Human4-2``, ``human4_2`` -> ``human4_2``."""
    return name.strip().lower().replace("-", "_")


def index_result_files(tracker_dir: str | Path, layout: str = "otb", experiment: str = "baseline") -> dict[str, Path]:
    """Map :func:`sequence_key` of each sequence to its result file in ``tracker_dir``.

    ``otb``: ``<seq>.txt`` (``*_time.txt`` ignored); ``got10k``: ``<seq>/<seq>_001.txt``;
    ``vot``: ``<experiment>/<seq>/<seq>_001.txt``. Two files that match the same key are an error.
    """
    _check(layout)
    tracker_dir = Path(tracker_dir)
    if layout == "otb":
        candidates = [(p.stem, p) for p in tracker_dir.glob("*.txt") if not p.stem.endswith("_time")]
    else:
        top = tracker_dir if layout == "got10k" else tracker_dir / experiment
        candidates = [(p.parent.name, p) for p in top.glob("*/*_001.txt") if p.name == f"{p.parent.name}_001.txt"]
    index: dict[str, Path] = {}
    for stem, path in sorted(candidates):
        key = sequence_key(stem)
        if key in index:
            raise DataError(f"two result files match sequence {stem!r}: {index[key].name} and {path.name}", path)
        index[key] = path
    return index


def detect_layout(tracker_dir: str | Path) -> str | None:
    """Guess a tracker folder's layout: ``vot`` (has baseline/ or realtime/), ``otb`` or ``got10k``."""
    tracker_dir = Path(tracker_dir)
    if (tracker_dir / "baseline").is_dir() or (tracker_dir / "realtime").is_dir():
        return "vot"
    if any(tracker_dir.glob("*.txt")):
        return "otb"
    if any(tracker_dir.glob("*/*_001.txt")):
        return "got10k"
    return None


__all__ = ["FPS_FILE", "LAYOUTS", "SPEED_FILE", "detect_layout", "fps_path", "index_result_files", "result_path", "sequence_dir",
           "sequence_key", "time_path"]
