"""NfS, Need for Speed (Kiani Galoogahi et al., ICCV 2017): 100 videos at 240 fps and their 30 fps versions.

Layout of the download (one zip per video)::

    <root>/<seq>/240/<seq>/00001.jpg ...   240 fps frames
    <root>/<seq>/240/<seq>.txt             the annotation, one row per 240 fps frame
    <root>/<seq>/30/<seq>/00001.jpg ...    30 fps frames (every 8th frame of the 240 fps video)
    <root>/<seq>/30/<seq>.txt              (as distributed: the 240 fps annotation again)

An annotation row is whitespace-separated ``track_id xmin ymin xmax ymax frame lost occluded generated
"label"`` (vatic's format); the box is ``x = xmin, y = ymin, w = xmax - xmin, h = ymax - ymin``.

30 fps (``nfs30``): the benchmark evaluates the 30 fps frames against every 8th row of the 240 fps
annotation (rows 1, 9, 17 ...: the 30 fps video is frames 1, 9, 17 ... of the 240 fps one). crpnbench
reads ``30/<seq>.txt`` (``240/<seq>.txt`` when that is absent) and takes every 8th row when it has about
8 times as many rows as there are 30 fps frames; a one-row difference left after that is cut to the
shorter of the two (with the number of rows kept equal to the frames), as the got10k package's ``NfS``
loader does (``anno[0::8]``, then trim by at most one). Any other mismatch is a :class:`DataError`.
pysot (``NFS30.json``) and pytracking (``anno/nfs_<seq>.txt``, tab-separated ``x,y,w,h``) ship their own
30 fps annotations, already reduced to one row per 30 fps frame; pytracking's frame ranges (e.g.
Gymnastics 1-368) are the 30 fps frame counts, so the same rows are scored whichever is used.
pysot's ``NFS30.json`` / ``NFS240.json`` are read with ``--annotations`` (:mod:`crpnbench.data.pysot_json`;
keys ``Gymnastics`` or ``nfs_Gymnastics``, frame paths relative to ``--data-root``): their rows are taken
as they are, one per listed image (no every-8th-row step: the file is already per frame rate).
240 fps (``nfs240``): every frame and every row; a one-row difference is trimmed the same way.

Sequences: the benchmark's 100 videos, :data:`NFS_SEQUENCES` (the download ships no list file, so the
names are the ones public evaluation code lists; see the constant). A video whose ``<seq>/<fps>/<seq>/``
frame folder is not on disk is listed as missing (``crpnbench datasets`` reports "present / missing",
``eval`` and ``score`` use the present ones and say which are missing, as for OTB), and loading it is a
:class:`DataError` naming the missing folder. Folders on disk whose name is not one of the 100 are
ignored, as OTB ignores folders that are not OTB sequences.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import numpy as np

from crpnbench.data.benchmark import Benchmark
from crpnbench.data.folders import frame_range, numbered_frames
from crpnbench.data.pysot_json import PysotJSON
from crpnbench.data.sequence import Sequence
from crpnbench.errors import ConfigError, DataError

#: 240 fps frames per 30 fps frame
NFS_STEP = 8

#: The 100 NfS sequences (the download's folder names), in byte order of the names. Source: pytracking's
#: NfS list (visionml/pytracking, pytracking/evaluation/nfsdataset.py: entries ``nfs_<seq>`` with frames in
#: ``sequences/<seq>``); cross-checked against a second, independent public list (trackit's NfS loader's
#: per-sequence frame-size table) and a pytracking variant that reads the download's ``<seq>/30/<seq>``
#: layout: the same 100 names in all three (``footbal_skill`` is spelled so in the download).
NFS_SEQUENCES: tuple[str, ...] = (
    "Gymnastics", "MachLoop_jet", "Skiing_red", "Skydiving", "airboard_1", "airplane_landing", "airtable_3",
    "basketball_1", "basketball_2", "basketball_3", "basketball_6", "basketball_7", "basketball_player",
    "basketball_player_2", "beach_flipback_person", "bee", "biker_acrobat", "biker_all_1", "biker_head_2",
    "biker_head_3", "biker_upper_body", "biker_whole_body", "billiard_2", "billiard_3", "billiard_6", "billiard_7",
    "billiard_8", "bird_2", "book", "bottle", "bowling_1", "bowling_2", "bowling_3", "bowling_6", "bowling_ball",
    "bunny", "car", "car_camaro", "car_drifting", "car_jumping", "car_rc_rolling", "car_rc_rotating", "car_side",
    "car_white", "cheetah", "cup", "cup_2", "dog", "dog_1", "dog_2", "dog_3", "dogs", "dollar", "drone",
    "ducks_lake", "exit", "first", "flower", "footbal_skill", "helicopter", "horse_jumping", "horse_running",
    "iceskating_6", "jellyfish_5", "kid_swing", "motorcross", "motorcross_kawasaki", "parkour", "person_scooter",
    "pingpong_2", "pingpong_7", "pingpong_8", "purse", "rubber", "running", "running_100_m", "running_100_m_2",
    "running_2", "shuffleboard_1", "shuffleboard_2", "shuffleboard_4", "shuffleboard_5", "shuffleboard_6",
    "shuffletable_2", "shuffletable_3", "shuffletable_4", "ski_long", "soccer_ball", "soccer_ball_2",
    "soccer_ball_3", "soccer_player_2", "soccer_player_3", "stop_sign", "suv", "tiger", "walking", "walking_3",
    "water_ski_2", "yoyo", "zebra_fish",
)


def read_nfs_annotation(path: Path) -> np.ndarray:
    """``(N, 4)`` ``x, y, w, h`` boxes of an NfS (vatic) annotation file; a malformed row is a
    :class:`DataError` naming the file and line."""
    if not path.is_file():
        raise DataError("annotation file is missing", path)
    rows = []
    lines = path.read_text(encoding="utf-8-sig", errors="replace").splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    for number, line in enumerate(lines, start=1):
        try:
            fields = shlex.split(line)
        except ValueError:
            fields = line.split()
        try:
            xmin, ymin, xmax, ymax = (float(v) for v in fields[1:5])
        except (ValueError, IndexError):
            raise DataError(f"expected 'track_id xmin ymin xmax ymax frame ...', found {line.strip()[:60]!r}",
                            path, number) from None
        if not np.isfinite([xmin, ymin, xmax, ymax]).all():
            raise DataError(f"non-finite box in {line.strip()[:60]!r}", path, number)
        rows.append((xmin, ymin, xmax - xmin, ymax - ymin))
    if not rows:
        raise DataError("annotation file has no boxes", path)
    return np.asarray(rows, dtype=np.float64)


class NfS(Benchmark):
    """NfS at ``fps=240`` (``nfs240``) or ``fps=30`` (``nfs30``): the 100 :data:`NFS_SEQUENCES` from the
    download's folders."""

    result_layout = "otb"

    def __init__(self, root=None, annotations=None, fps: int | str = 30):
        try:
            fps = int(fps)
        except (TypeError, ValueError):
            fps = 0
        if fps not in (30, 240):
            raise ConfigError("NfS fps must be 30 or 240")
        self.fps = fps
        self.name = f"nfs{fps}"
        super().__init__(root=root, annotations=annotations)
        self._json: PysotJSON | None = None
        if self.annotations is not None:  # pysot's NFS30.json / NFS240.json: keys "Gymnastics" or "nfs_Gymnastics"
            official = {n.lower(): n for n in NFS_SEQUENCES}

            def canonical(key: str) -> str:
                bare = key[4:] if key.lower().startswith("nfs_") else key
                return official.get(bare.lower(), bare)

            self._json = PysotJSON(self.annotations, canonical, benchmark=f"NFS{fps}")
        elif self.root is None:
            raise DataError("NfS needs a data root")

    def list_sequences(self) -> list[str]:
        return list(NFS_SEQUENCES)

    def is_present(self, name: str) -> bool:
        if self._json is not None:
            return name in self._json
        return (self.root / name / str(self.fps) / name).is_dir()

    def load_sequence(self, name: str) -> Sequence:
        if self._json is not None:  # already one row per frame of this frame rate
            return self._json.sequence(name, self.root)
        base = self.root / name
        folder = base / str(self.fps) / name
        if not base.is_dir():
            raise DataError(f"sequence folder of {name} is missing", base)
        if not folder.is_dir():
            raise DataError(f"{self.fps} fps frame folder of {name} is missing", folder)
        gt_path = base / str(self.fps) / f"{name}.txt"
        if not gt_path.is_file():
            gt_path = base / "240" / f"{name}.txt"
        boxes = read_nfs_annotation(gt_path)
        frames = numbered_frames(folder)
        if not frames:
            raise DataError(f"no numbered .jpg frames of {name} ({self.fps} fps)", folder)
        count = max(frames)
        if self.fps == 30 and abs(len(boxes) / count - NFS_STEP) < 1:
            boxes = boxes[::NFS_STEP]
        if abs(len(boxes) - count) > 1:
            raise DataError(f"{len(boxes)} boxes for {count} frames of {name} at {self.fps} fps", gt_path)
        n = min(len(boxes), count)
        paths = frame_range(frames, 1, n, folder, pattern="{:05d}.jpg")
        return Sequence(name=name, frame_paths=paths, boxes=boxes[:n])
