"""YouTube-BoundingBoxes (Real et al., CVPR 2017) detection annotations as tracking training data.

Google publishes only CSVs (``yt_bb_detection_train.csv``, ``yt_bb_detection_validation.csv``; the
``.csv.gz`` is read as well), one row per annotated frame, 1 frame per second, no header::

    youtube_id, timestamp_ms, class_id, class_name, object_id, object_presence, xmin, xmax, ymin, ymax

with coordinates as fractions ``[0, 1]`` of the frame size. The frames are decoded by a download
script; two layouts of decoded frames are read:

* ``pysot``: the ``youtube-bb-utility`` ``download_detection.py`` that pysot's
  ``training_dataset/yt_bb/readme.md`` uses writes every CSV row's frame as
  ``<root>/yt_bb_detection_train/<class_id>/<youtube_id>_<timestamp_ms>_<class_id>_<object_id>.jpg``
  (the CSV beside it: ``<root>/yt_bb_detection_train.csv``);
* ``voc``: mbuckler/youtube-bb's ``download.py`` keeps only clips (``<root>/yt_bb_detection_train/
  <class_id>/<youtube_id>+<class_id>+<object_id>.mp4``); its ``voc_convert.py`` then decodes the frames
  to ``<root>/youtubebbdevkit/youtubebb2017/JPEGImages/<youtube_id>+<class_id>+<object_id>+<timestamp_ms>.jpg``.

``voc`` is used when its ``JPEGImages`` folder exists, else ``pysot`` (or pass ``layout=``).

One :class:`Sequence` per segment ``(youtube_id, class_id, object_id)`` (the dataset's own rule: a
youtube_id alone does not identify a segment), named ``<youtube_id>+<class_id>+<object_id>``, its
frames the segment's rows in time order. Rows with ``object_presence`` ``absent`` are absent frames;
a ``present`` row whose frame file is not on disk (videos removed from YouTube are common) is an
absent frame too, and counted; segments left without a usable frame are dropped and counted. A frame
gap counts annotated frames, i.e. seconds (pysot's YOUTUBEBB FRAME_RANGE is 3; pysot counts only the
present frames it cropped, so its gap can span absent stretches, ours does not).

Pixel convention: the fractions are edge coordinates (0 = the frame's left edge, 1 = its right edge),
so for a frame ``W`` pixels wide the 1-based box is ``x = xmin * W + 1``, ``w = (xmax - xmin) * W``
(exact). The CSV has no frame size, so boxes stay relative (:class:`FrameRelativeSequence`) until
the pair sampler decodes the frame. ``xmax < xmin`` (or ``ymax < ymin``) on a present row is a
:class:`DataError` naming the CSV line.

Speed: the CSV (~5M rows) is read with pandas' C parser and grouped with vectorised sorts; each frame
folder is listed once. Nothing is cached on disk.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from crpnbench.data.seqtable import SequenceTable, escape_braces, table_from_groups
from crpnbench.data.sequence import Sequence
from crpnbench.errors import ConfigError, DataError

#: subset -> the CSV's (and the pysot frame folder's) name
YTBB_SUBSETS: dict[str, str] = {"train": "yt_bb_detection_train", "val": "yt_bb_detection_validation"}
COLUMNS = ("youtube_id", "timestamp_ms", "class_id", "class_name", "object_id", "object_presence",
           "xmin", "xmax", "ymin", "ymax")
_INTEGER = ("timestamp_ms", "class_id", "object_id")
_FLOAT = ("xmin", "xmax", "ymin", "ymax")
_PRESENCE = ("present", "absent")
#: layout -> (frame folder relative to the root, frame file name); fields {dset} {cls} {yt} {ts} {obj}
YTBB_LAYOUTS: dict[str, tuple[str, str]] = {
    "pysot": ("{dset}/{cls}", "{yt}_{ts}_{cls}_{obj}.jpg"),
    "voc": ("youtubebbdevkit/youtubebb2017/JPEGImages", "{yt}+{cls}+{obj}+{ts}.jpg"),
}


class FrameRelativeSequence(Sequence):
    """A YT-BB segment: :attr:`boxes` hold ``x, y, w, h`` as fractions of the frame's width/height.

    :meth:`pixel_box` turns one into the usual 1-based pixel box once the frame is decoded (the
    pair sampler calls it); everything else about the sequence is a plain :class:`Sequence`.
    """

    def pixel_box(self, index: int, image: np.ndarray) -> np.ndarray:
        """The 1-based ``x, y, w, h`` pixel box of frame ``index`` whose decoded image is ``image``."""
        height, width = image.shape[:2]
        x, y, w, h = self.boxes[index]
        return np.array([x * width + 1, y * height + 1, w * width, h * height])


def read_ytbb(root, subset: str = "train", layout: str | None = None) -> SequenceTable:
    """Every segment of YT-BB ``subset`` under ``root`` (see the module docstring)."""
    subset = str(subset).lower()
    if subset not in YTBB_SUBSETS:
        raise ConfigError(f"YT-BB subset must be one of {', '.join(YTBB_SUBSETS)}, not {subset!r}")
    if layout is not None and layout not in YTBB_LAYOUTS:
        raise ConfigError(f"YT-BB layout must be one of {', '.join(YTBB_LAYOUTS)}, not {layout!r}")
    root = Path(root)
    if not root.is_dir():
        raise DataError("YouTube-BB data root does not exist (pass --data-root)", root)
    dset = YTBB_SUBSETS[subset]
    csv_path = next((root / f"{dset}{ext}" for ext in (".csv", ".csv.gz") if (root / f"{dset}{ext}").is_file()),
                    root / f"{dset}.csv")
    if not csv_path.is_file():
        raise DataError("YouTube-BB annotation CSV is missing", csv_path)
    layout = layout or _detect_layout(root, dset)
    frame = read_ytbb_csv(csv_path)

    # segments in (youtube_id, class_id, object_id) order, rows in time order within each
    import pandas as pd

    video_codes, videos = pd.factorize(frame["youtube_id"], sort=True)
    video_codes, videos = video_codes.astype(np.int64), np.asarray(videos, dtype=object)
    order = np.lexsort((frame["timestamp_ms"].to_numpy(), frame["object_id"].to_numpy(),
                        frame["class_id"].to_numpy(), video_codes))
    video_codes = video_codes[order]
    ts, cls, obj = (frame[c].to_numpy()[order] for c in ("timestamp_ms", "class_id", "object_id"))
    present = (frame["object_presence"] == "present").to_numpy()[order]
    new = np.ones(len(order), dtype=bool)
    new[1:] = (video_codes[1:] != video_codes[:-1]) | (cls[1:] != cls[:-1]) | (obj[1:] != obj[:-1])
    group = np.cumsum(new) - 1
    heads = np.flatnonzero(new)

    xmin, xmax, ymin, ymax = (frame[c].to_numpy()[order] for c in _FLOAT)
    boxes = np.column_stack([xmin, ymin, xmax - xmin, ymax - ymin])
    on_disk = _frames_on_disk(root, dset, layout, videos, video_codes, ts, cls, obj, present)
    usable = present & on_disk
    boxes[~usable] = np.nan
    folder_template, name_template = YTBB_LAYOUTS[layout]
    base = escape_braces(str(root)) + os.sep
    names, patterns = [], []
    for head in heads:
        yt, c, o = videos[video_codes[head]], int(cls[head]), int(obj[head])
        names.append(f"{yt}+{c}+{o}")
        folder = folder_template.format(dset=dset, cls=c)
        patterns.append(base + folder + os.sep + name_template.format(yt=yt, ts="{}", cls=c, obj=o))
    skipped = {"present rows whose frame file is missing": int(np.sum(present & ~on_disk))}
    table = table_from_groups(names, patterns, group, ts, boxes, ~usable, FrameRelativeSequence,
                              {k: v for k, v in skipped.items() if v})
    return table.without_unusable("segments without a usable frame")


def read_ytbb_csv(path: str | Path):
    """The detection CSV as a pandas DataFrame with checked columns (see :data:`COLUMNS`).

    A row that does not parse, a presence other than present/absent, or a present row whose box is
    not finite or has ``xmax < xmin`` / ``ymax < ymin`` raises a :class:`DataError` naming the line.
    """
    import pandas as pd

    path = Path(path)
    # class_name and object_presence (23 and 2 values) as categories keep ~5M rows small
    dtypes = {"youtube_id": str, "class_name": "category", "object_presence": "category",
              **{c: np.int64 for c in _INTEGER}, **{c: np.float64 for c in _FLOAT}}
    try:
        frame = pd.read_csv(path, header=None, names=list(COLUMNS), dtype=dtypes, na_filter=False,
                            skip_blank_lines=False, engine="c")
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError):
        raise _first_bad_line(path) from None
    presence = frame["object_presence"]
    bad = ~presence.isin(_PRESENCE).to_numpy()
    if bad.any():
        line = int(np.flatnonzero(bad)[0])
        raise DataError(f"object_presence must be present or absent, not {presence.iloc[line]!r}", path, line + 1)
    coords = frame[list(_FLOAT)].to_numpy()
    on = (presence == "present").to_numpy()
    broken = on & ~np.all(np.isfinite(coords), axis=1)
    inverted = on & ((coords[:, 1] < coords[:, 0]) | (coords[:, 3] < coords[:, 2]))
    for rows, what in ((broken, "box is not finite"), (inverted, "xmax < xmin or ymax < ymin")):
        if rows.any():
            line = int(np.flatnonzero(rows)[0])
            values = ", ".join(f"{v:g}" for v in coords[line])
            raise DataError(f"{what} (xmin, xmax, ymin, ymax = {values})", path, line + 1)
    return frame


def _first_bad_line(path: Path) -> DataError:
    """The :class:`DataError` for the first line of ``path`` that is not a valid detection row."""
    import csv
    import gzip

    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8", newline="") as handle:
            for number, row in enumerate(csv.reader(handle), start=1):
                if len(row) != len(COLUMNS):
                    return DataError(f"expected {len(COLUMNS)} comma-separated fields, found {len(row)}", path, number)
                for name, value in zip(COLUMNS, row):
                    try:
                        (int if name in _INTEGER else float if name in _FLOAT else str)(value)
                    except ValueError:
                        return DataError(f"{name} is not a number: {value[:30]!r}", path, number)
    except UnicodeDecodeError:
        return DataError("file is not UTF-8 text", path)
    return DataError("could not be read as a YouTube-BB detection CSV", path)


def _detect_layout(root: Path, dset: str) -> str:
    """``voc`` when voc_convert.py's JPEGImages folder exists (the clip folders of mbuckler's
    download.py look like pysot's frame folders), else ``pysot`` when ``<root>/<dset>/`` exists."""
    tops = {name: root / folder.split("/{cls}")[0].format(dset=dset) for name, (folder, _) in YTBB_LAYOUTS.items()}
    for name in ("voc", "pysot"):
        if tops[name].is_dir():
            return name
    raise DataError(f"no decoded YouTube-BB frames: expected {' or '.join(map(str, tops.values()))}", root)


def _frames_on_disk(root, dset, layout, videos, video_codes, ts, cls, obj, rows) -> np.ndarray:
    """Per row: whether the frame file exists (only ``rows`` are looked up; each folder listed once)."""
    folder_template, name_template = YTBB_LAYOUTS[layout]
    exists = np.zeros(len(ts), dtype=bool)
    listings: dict[str, set[str]] = {}
    for c in np.unique(cls[rows]):
        folder = str(root / folder_template.format(dset=dset, cls=int(c)))
        if folder not in listings:
            listings[folder] = set(os.listdir(folder)) if os.path.isdir(folder) else set()
        listing = listings[folder]
        index = np.flatnonzero(rows & (cls == c))
        exists[index] = [
            name_template.format(yt=videos[v], ts=int(t), cls=int(c), obj=int(o)) in listing
            for v, t, o in zip(video_codes[index], ts[index], obj[index])
        ]
    return exists


__all__ = ["YTBB_LAYOUTS", "YTBB_SUBSETS", "FrameRelativeSequence", "read_ytbb", "read_ytbb_csv"]
