"""Where raw result files live: the one module that knows every result, time and speed file path.

Both sides use it: the protocols write through :func:`result_path` / :func:`time_path` /
:func:`fps_path`, the readers find files with :func:`index_result_files` / :func:`detect_layout`.
Layouts of one tracker's folder (relative to a results folder holding one folder per tracker):

* ``otb`` (OTB, LaSOT, TrackingNet, synthetic; pysot, got10k's ExperimentOTB/ExperimentLaSOT and the
  official OPE toolkits read it): ``<tracker>/<seq>.txt``, one ``x,y,w,h`` per frame (1-based pixels),
  and ``<tracker>/times/<seq>_time.txt`` with seconds per frame (where got10k's ExperimentOTB reads its
  speed; the tracker folder itself then holds result files only); ``<tracker>/fps.csv``.
* ``got10k`` (got10k's ExperimentGOT10k and evaluation server): ``<tracker>/<seq>/<seq>_001.txt`` (runs 2, 3
  of the GOT-10k protocol: ``_002.txt``, ``_003.txt``, found by :func:`repetition_files`) and
  ``<tracker>/<seq>/<seq>_time.txt``; ``<tracker>/fps.csv``.
* ``vot`` (VOT toolkit; ``experiment`` = ``baseline`` or ``realtime``):
  ``<tracker>/<experiment>/<seq>/<seq>_001.txt`` with ``1`` on an initialisation frame, ``2`` on a
  failure, ``0`` on frames skipped after it, else ``x,y,w,h``; ``<seq>_001_time.value`` (vot-toolkit's
  name for the ``time`` property of a trajectory; a ``.txt`` time file there matches pysot's VOT loader
  glob ``*0*.txt`` and may be taken for the trajectory); ``<tracker>/<experiment>/fps.csv``.

Readers accept the older names too (:func:`time_file_candidates`): ``<tracker>/<seq>_time.txt`` beside
an OTB result (what earlier crpnbench versions wrote) and ``<seq>_001_time.txt`` in a VOT folder.
Sequence names match case-insensitively with ``-``, ``_`` and ``.`` equivalent, so got10k's OTB names
(``Jogging.1``, ``Skating2.2``) and pysot's (``Jogging-1``, ``human4_2``) find the same sequence;
got10k's ``Human4`` (its only target, from ``groundtruth_rect.2.txt``) is ``Human4-2``.
"""

from __future__ import annotations

from pathlib import Path

from crpnbench.errors import DataError

#: the layouts a tracker folder can have
LAYOUTS = ("otb", "got10k", "vot")
#: per-sequence speeds and their dataset summary, written by the evaluation runner
FPS_FILE, SPEED_FILE = "fps.csv", "speed.json"
#: the VOT experiments' folders in a ``vot`` tracker folder (VOT2018: baseline, unsupervised, realtime)
VOT_EXPERIMENTS = ("baseline", "realtime", "unsupervised")
#: where the speed files of VOT repetitions 2, 3, ... are kept (repetition 1's are ``fps.csv`` itself)
REPETITIONS_DIR = ".repetitions"


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


def result_path(tracker_dir: str | Path, sequence: str, layout: str = "otb", experiment: str = "baseline",
                repetition: int = 1) -> Path:
    """The raw result file of ``sequence`` in one tracker's folder (``vot``/``got10k``: of repetition
    ``repetition``, ``<seq>_00N.txt``; the ``otb`` layout has one run only)."""
    stem = sequence if layout == "otb" else f"{sequence}_{repetition:03d}"
    return sequence_dir(tracker_dir, sequence, layout, experiment) / f"{stem}.txt"


#: the folder of an ``otb`` layout's time files (got10k's ExperimentOTB: ``<tracker>/times/<seq>_time.txt``)
TIMES_DIR = "times"


def time_path(tracker_dir: str | Path, sequence: str, layout: str = "otb", experiment: str = "baseline",
              repetition: int = 1) -> Path:
    """The per-frame time file of ``sequence`` in one tracker's folder, where it is written:
    ``otb``: ``times/<seq>_time.txt`` (got10k); ``got10k``: ``<seq>/<seq>_time.txt``;
    ``vot``: ``<experiment>/<seq>/<seq>_00N_time.value`` (vot-toolkit; N = ``repetition``)."""
    folder = sequence_dir(tracker_dir, sequence, layout, experiment)
    if layout == "vot":
        return folder / f"{sequence}_{repetition:03d}_time.value"
    if layout == "otb":
        return folder / TIMES_DIR / f"{sequence}_time.txt"
    return folder / f"{sequence}_time.txt"


def time_file_candidates(tracker_dir: str | Path, sequence: str, layout: str = "otb",
                         experiment: str = "baseline") -> list[Path]:
    """Where a time file of ``sequence`` may be, the name written now first, then the older names read
    too (``otb``: ``<seq>_time.txt`` beside the result; ``vot``: ``<seq>_001_time.txt``)."""
    current = time_path(tracker_dir, sequence, layout, experiment)
    if layout == "otb":
        return [current, Path(tracker_dir) / f"{sequence}_time.txt"]
    if layout == "vot":
        return [current, current.with_name(f"{sequence}_001_time.txt")]
    return [current]


def existing_time_file(path: str | Path) -> Path:
    """``path`` (a :func:`time_path`) when it exists, else the file of the older name it replaced when
    that exists (``times/<seq>_time.txt`` -> ``<seq>_time.txt``, ``_time.value`` -> ``_time.txt``),
    else ``path``: what a resumed run checks, so folders written before the rename stay complete."""
    path = Path(path)
    if path.is_file():
        return path
    if path.suffix == ".value":
        older = path.with_suffix(".txt")
    elif path.parent.name == TIMES_DIR:
        older = path.parent.parent / path.name
    else:
        return path
    return older if older.is_file() else path


def find_time_file(tracker_dir: str | Path, sequence: str, layout: str = "otb",
                   experiment: str = "baseline") -> Path | None:
    """The existing time file of ``sequence`` (current name first, then the older ones), or None."""
    for path in time_file_candidates(tracker_dir, sequence, layout, experiment):
        if path.is_file():
            return path
    return None


def fps_path(tracker_dir: str | Path, layout: str = "otb", experiment: str = "baseline", repetition: int = 1) -> Path:
    """The per-sequence speed table (``fps.csv``) of one tracker's folder (per experiment for VOT).

    VOT repetition N > 1 keeps its own speed table, records and provenance in
    ``<experiment>/.repetitions/00N/`` (so each repetition resumes on its own)."""
    _check(layout)
    tracker_dir = Path(tracker_dir)
    folder = tracker_dir / experiment if layout == "vot" else tracker_dir
    if repetition > 1:
        folder = folder / REPETITIONS_DIR / f"{repetition:03d}"
    return folder / FPS_FILE


def repetition_files(sequence_folder: str | Path, sequence: str) -> dict[int, Path]:
    """``{N: <seq>_00N.txt}`` of every repetition file of ``sequence`` in its VOT (or got10k) folder, by number
    (names with another stem, e.g. ``<seq>_001_time.txt``, are not repetitions)."""
    found = {}
    for path in Path(sequence_folder).glob(f"{sequence}_*.txt"):
        number = path.stem[len(sequence) + 1:]
        if number.isdigit() and len(number) >= 3:
            found[int(number)] = path
    return dict(sorted(found.items()))


#: result-file names that mean another sequence: got10k names OTB's Human4-2 ``Human4`` (its only
#: annotated target there, groundtruth_rect.2.txt)
SEQUENCE_ALIASES = {"human4": "human4_2"}


def sequence_key(name: str) -> str:
    """Case-insensitive key with ``-``, ``_`` and ``.`` equivalent: ``Human4-2``, ``human4_2`` ->
    ``human4_2``; got10k's ``Jogging.1`` -> ``jogging_1`` and ``Human4`` -> ``human4_2``."""
    key = name.strip().lower().replace("-", "_").replace(".", "_")
    return SEQUENCE_ALIASES.get(key, key)


def index_result_files(tracker_dir: str | Path, layout: str = "otb", experiment: str = "baseline") -> dict[str, Path]:
    """Map :func:`sequence_key` of each sequence to its result file in ``tracker_dir``.

    ``otb``: ``<seq>.txt`` (``*_time.txt`` and ``times/`` ignored); ``got10k``: ``<seq>/<seq>_001.txt`` (also
    for a ``<seq>/`` holding only later runs ``_002.txt`` ...: see :func:`repetition_files`);
    ``vot``: ``<experiment>/<seq>/<seq>_001.txt``. Two files that match the same key are an error.
    """
    _check(layout)
    tracker_dir = Path(tracker_dir)
    if layout == "otb":
        candidates = [(p.stem, p) for p in tracker_dir.glob("*.txt") if not p.stem.endswith("_time")]
    elif layout == "got10k":  # a folder with runs but no _001 is indexed too: its reader names the gap
        candidates = [(d.name, result_path(tracker_dir, d.name, layout)) for d in tracker_dir.iterdir()
                      if d.is_dir() and repetition_files(d, d.name)]
    else:
        top = tracker_dir / experiment
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
    if any((tracker_dir / experiment).is_dir() for experiment in VOT_EXPERIMENTS):
        return "vot"
    return detect_ope_layout(tracker_dir)


def detect_ope_layout(tracker_dir: str | Path) -> str | None:
    """The one-pass layout of a tracker folder, ``otb`` or ``got10k``, whatever VOT experiment folders it
    also holds (one tracker evaluated under OPE and under the VOT baseline keeps both in one folder)."""
    tracker_dir = Path(tracker_dir)
    if any(not p.stem.endswith("_time") for p in tracker_dir.glob("*.txt")):
        return "otb"
    if any(p.parent.name not in VOT_EXPERIMENTS for p in tracker_dir.glob("*/*_001.txt")):
        return "got10k"
    return None


__all__ = ["FPS_FILE", "LAYOUTS", "REPETITIONS_DIR", "VOT_EXPERIMENTS", "repetition_files", "SEQUENCE_ALIASES", "SPEED_FILE", "TIMES_DIR", "detect_layout", "detect_ope_layout", "existing_time_file", "find_time_file",
           "fps_path", "index_result_files", "result_path", "sequence_dir", "sequence_key", "time_file_candidates",
           "time_path"]
