"""Test-set submissions: the archives the official evaluation servers take (:func:`write_submission`).

* TrackingNet (``trackingnet-zip``): the server (eval.ai, TrackingNet-devkit's format) expects one
  ``<sequence>.txt`` per test sequence at the root of a zip, one comma-separated ``x,y,w,h`` line per
  frame, frame 1 included. crpnbench's OPE result files already have exactly that content, so the zip
  stores them byte for byte (the ``_time.txt`` files and ``fps.csv`` stay out).
* GOT-10k (``got10k-zip``): the server (got-10k.aitestunion.com, what got10k's
  ``ExperimentGOT10k.report`` zips for the test subset) expects one folder per test sequence at the root
  of the zip holding ``<seq>_001.txt`` (``_002``, ``_003`` ... for further runs of a stochastic tracker)
  and ``<seq>_time.txt`` (seconds per frame). crpnbench's got10k result layout is that layout, so the
  zip stores those files byte for byte (``fps.csv``/``speed.json`` stay out).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import Path

from crpnbench.errors import ConfigError, DataError
from crpnbench.raw.layout import result_path, sequence_dir, time_path
from crpnbench.atomic import atomic_path


def write_trackingnet_zip(tracker_dir: str | Path, sequences: Iterable[str], zip_path: str | Path) -> Path:
    """Zip ``<tracker_dir>/<seq>.txt`` for every name in ``sequences`` into ``zip_path`` (atomically).

    Raises :class:`DataError` naming the first result file that is missing.
    """
    tracker_dir, zip_path = Path(tracker_dir), Path(zip_path)
    files = []
    for name in sequences:
        path = result_path(tracker_dir, name, "otb")
        if not path.is_file():
            raise DataError("result file for the TrackingNet submission is missing", path)
        files.append(path)
    return _write_zip([(path, path.name) for path in files], zip_path)


def write_got10k_zip(tracker_dir: str | Path, sequences: Iterable[str], zip_path: str | Path,
                     lengths: dict[str, int] | None = None) -> Path:
    """Zip ``<tracker_dir>/<seq>/<seq>_NNN.txt`` (every run) and ``<seq>/<seq>_time.txt`` for every name in
    ``sequences`` into ``zip_path`` (atomically), as ``<seq>/...`` at the zip's root.

    ``lengths`` (sequence -> frames), when given, is checked against every result file's line count. Raises
    :class:`DataError` naming the first missing or wrong-length file; nothing is written then.
    """
    tracker_dir, zip_path = Path(tracker_dir), Path(zip_path)
    files = []
    for name in sequences:
        first = result_path(tracker_dir, name, "got10k")
        if not first.is_file():
            raise DataError("result file for the GOT-10k submission is missing", first)
        runs = sorted(p for p in sequence_dir(tracker_dir, name, "got10k").glob(f"{name}_[0-9][0-9][0-9].txt"))
        timing = time_path(tracker_dir, name, "got10k")
        if not timing.is_file():
            raise DataError("time file for the GOT-10k submission is missing (the server reads the speed "
                            "from it)", timing)
        for path in [*runs, timing]:
            if lengths is not None and name in lengths:
                lines = len([line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()])
                if lines != lengths[name]:
                    raise DataError(f"{lines} lines for {lengths[name]} frames of {name}", path)
            files.append((path, f"{name}/{path.name}"))
    return _write_zip(files, zip_path)


def _write_zip(files: list[tuple[Path, str]], zip_path: Path) -> Path:
    """Write ``(file, name in the archive)`` pairs into ``zip_path`` atomically (no half-written archive)."""
    with atomic_path(zip_path) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path, arcname in files:
                archive.write(path, arcname=arcname)
    return zip_path


#: submission kind (the catalog's ``submission`` fact) -> the function writing its archive
WRITERS = {"trackingnet-zip": write_trackingnet_zip, "got10k-zip": write_got10k_zip}


def write_submission(kind: str, tracker_dir: str | Path, sequences: Iterable[str], zip_path: str | Path,
                     **options) -> Path:
    """Write the submission archive of kind ``kind`` (``trackingnet-zip``, ``got10k-zip``); see the writers."""
    if kind not in WRITERS:
        raise ConfigError(f"unknown submission kind {kind!r}; one of {', '.join(WRITERS)}")
    return WRITERS[kind](tracker_dir, sequences, zip_path, **options)
