"""The TrackingNet test-set submission: the zip the official evaluation server takes.

The server (eval.ai, TrackingNet-devkit's format) expects one ``<sequence>.txt`` per test sequence
at the root of a zip, one comma-separated ``x,y,w,h`` line per frame, frame 1 included. crpnbench's
OPE result files already have exactly that content, so the zip stores them byte for byte (the
``_time.txt`` files and ``fps.csv`` stay out).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import Path

from crpnbench.errors import DataError
from crpnbench.raw.layout import result_path
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
    with atomic_path(zip_path) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in files:
                archive.write(path, arcname=path.name)
    return zip_path
