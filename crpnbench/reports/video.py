"""Videos of tracking results: the ground truth and several trackers' boxes drawn on a sequence's frames
(the library behind ``crpnbench show``).

:func:`show_results` scores the requested sequences (so the per-frame IoU printed is the scorer's,
under the chosen convention) and :func:`render_sequence` writes one MP4 (OpenCV's ``VideoWriter``,
``mp4v``) or GIF (Pillow) per sequence. Each frame shows, in the top-left corner, the frame number
and every tracker's IoU with the ground truth on that frame (``–`` where the convention does not
count the frame: invalid ground truth, absent target, VOT codes and burn-in); the ground truth is
drawn in white over black, each tracker in its colour of the plots. VOT baseline results: a failure
frame is marked ``FAIL`` in red on the tracker's line and by a red frame border, the frames skipped
before re-initialisation ``lost``, and the re-initialisation frame ``init``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from crpnbench.errors import ConfigError, DataError

#: formats written, by file suffix
VIDEO_FORMATS = ("mp4", "gif")
#: GIFs are scaled to at most this width (file size), MP4s keep the frame size
GIF_MAX_WIDTH = 480


@dataclass
class TrackDrawing:
    """What is drawn for one tracker on one sequence: ``polygons`` ``(N, 8)`` (NaN: nothing to draw),
    per-frame ``ious`` (NaN: not counted) and VOT ``codes`` (``1`` init, ``2`` failure, ``0``
    skipped, ``-1`` a region; None for OPE)."""

    name: str
    colour: tuple[int, int, int]  # BGR
    polygons: np.ndarray
    ious: np.ndarray
    codes: np.ndarray | None = None


@dataclass
class VideoFile:
    """A written video: its ``path``, the ``frames`` drawn and the trackers shown."""

    path: Path
    frames: int
    trackers: list[str] = field(default_factory=list)


def _bgr(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    r, g, b = (int(value[i:i + 2], 16) for i in (0, 2, 4))
    return (b, g, r)


def _polygons(boxes: np.ndarray) -> np.ndarray:
    """``x, y, w, h`` rows (1-based pixels as the benchmarks write them) -> 8-value corner polygons."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    x, y, w, h = boxes.T
    return np.stack([x, y, x + w, y, x + w, y + h, x, y + h], axis=1)


def render_sequence(sequence, drawings: Sequence[TrackDrawing], out_path: str | Path, *, fmt: str | None = None,
                    fps: float = 25.0, max_frames: int | None = None, progress: bool = False) -> VideoFile:
    """Draw ``sequence``'s ground truth and every tracker of ``drawings`` on its frames and write
    ``out_path`` (format from ``fmt`` or the suffix: ``mp4`` or ``gif``)."""
    import cv2
    from tqdm import tqdm

    out_path = Path(out_path)
    fmt = (fmt or out_path.suffix.lstrip(".")).lower()
    if fmt not in VIDEO_FORMATS:
        raise ConfigError(f"unknown video format {fmt!r}; choose one of {', '.join(VIDEO_FORMATS)}")
    images = None
    if fmt == "gif":
        try:
            from PIL import Image as images  # noqa: N813
        except ImportError:
            raise ConfigError("writing a GIF needs Pillow (pip install pillow); use --format mp4") from None
    n = len(sequence) if max_frames is None else min(len(sequence), int(max_frames))
    if n == 0:
        raise DataError(f"sequence {sequence.name!r} has no frames")
    gt = sequence.polygons if getattr(sequence, "polygons", None) is not None else _polygons(sequence.boxes)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    writer, gif_frames = None, []
    tmp = out_path.with_name(f".{out_path.stem}.tmp.{fmt}")
    try:
        with tqdm(total=n, desc=f"drawing {sequence.name}", unit="frame", leave=False,
                  disable=None if progress else True, dynamic_ncols=True) as bar:
            for index in range(n):
                path = sequence.frame_paths[index]
                frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
                if frame is None:
                    raise DataError("cannot read the frame image (missing or not an image)", path)
                draw_frame(frame, index, sequence.start_frame + index, gt[index], drawings)
                if fmt == "mp4":
                    if writer is None:
                        height, width = frame.shape[:2]
                        writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"), float(fps),
                                                 (width, height))
                        if not writer.isOpened():
                            raise ConfigError("OpenCV cannot write MP4 here (no mp4v encoder); use --format gif")
                    writer.write(frame)
                else:
                    scale = min(1.0, GIF_MAX_WIDTH / frame.shape[1])
                    if scale < 1.0:
                        frame = cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
                    gif_frames.append(images.fromarray(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)))
                bar.update(1)
        if writer is not None:
            writer.release()
            writer = None
        if fmt == "gif":
            palette = [im.convert("P", palette=images.Palette.ADAPTIVE, colors=255) for im in gif_frames]
            palette[0].save(tmp, format="GIF", save_all=True, append_images=palette[1:],
                            duration=int(round(1000.0 / fps)), loop=0, optimize=False)
        tmp.replace(out_path)
    finally:
        if writer is not None:
            writer.release()
        if tmp.exists():
            tmp.unlink()
    return VideoFile(out_path, n, [d.name for d in drawings])


def draw_frame(frame: np.ndarray, index: int, number: int, gt_polygon: np.ndarray,
               drawings: Sequence[TrackDrawing]) -> np.ndarray:
    """Draw on ``frame`` (BGR, in place): the ground truth, each tracker's region and the corner panel
    (frame ``number``, per-tracker IoU or VOT state)."""
    import cv2

    thickness = max(2, int(round(frame.shape[1] / 320)))
    _poly(frame, gt_polygon, (0, 0, 0), thickness + 2)
    _poly(frame, gt_polygon, (255, 255, 255), thickness)
    failed = False
    lines = [(f"#{number}", (255, 255, 255))]
    for drawing in drawings:
        code = None if drawing.codes is None or index >= len(drawing.codes) else int(drawing.codes[index])
        if index < len(drawing.polygons):
            _poly(frame, drawing.polygons[index], drawing.colour, thickness)
        if code == 2:
            state, failed = "FAIL", True
        elif code == 0:
            state = "lost"
        elif code == 1:
            state = "init"
        else:
            iou = drawing.ious[index] if index < len(drawing.ious) else np.nan
            state = "IoU –" if not np.isfinite(iou) else f"IoU {iou:.2f}"
        lines.append((f"{drawing.name}: {state}", (60, 60, 255) if code == 2 else drawing.colour))
    scale = max(0.4, frame.shape[1] / 1100)
    font = cv2.FONT_HERSHEY_SIMPLEX
    step = int(22 * scale / 0.5)
    width = max(cv2.getTextSize(text.replace("–", "-"), font, scale, 1)[0][0] for text, _ in lines) + 12
    overlay = frame.copy()
    cv2.rectangle(overlay, (0, 0), (width, step * len(lines) + 8), (0, 0, 0), -1)
    cv2.addWeighted(overlay, 0.55, frame, 0.45, 0, dst=frame)
    for row, (text, colour) in enumerate(lines):
        cv2.putText(frame, text.replace("–", "-"), (6, step * (row + 1)), font, scale, colour, 1 + (row == 0),
                    cv2.LINE_AA)
    if failed:
        cv2.rectangle(frame, (0, 0), (frame.shape[1] - 1, frame.shape[0] - 1), (60, 60, 255), thickness * 2)
    return frame


def _poly(frame, polygon, colour, thickness) -> None:
    import cv2

    polygon = np.asarray(polygon, dtype=np.float64).reshape(-1)
    if polygon.size != 8 or not np.isfinite(polygon).all():
        return
    # benchmark coordinates are 1-based pixel indices; the image array is 0-based
    points = np.round(polygon.reshape(4, 2) - 1.0).astype(np.int32)
    cv2.polylines(frame, [points], True, colour, thickness, cv2.LINE_AA)


def show_results(dataset: str, sequences: Sequence[str], *, results: str | Path, out: str | Path = "results",
                 data_root=None, annotations=None, trackers: Sequence[str] | None = None, protocol: str | None = None,
                 convention: str = "official", fmt: str = "mp4", fps: float | None = None,
                 max_frames: int | None = None, progress: bool = False) -> list[VideoFile]:
    """One video per sequence under ``<out>/videos/<dataset>/<sequence>.<fmt>``: the ground truth and
    every tracker folder under ``results`` (or ``trackers``), IoU as scored under ``convention``."""
    from crpnbench.raw.layout import detect_layout, detect_ope_layout, index_result_files, sequence_key
    from crpnbench.raw.read import read_ope_result, read_vot_result
    from crpnbench.reports.plots import line_style, rank_by_score
    from crpnbench.scoring import score_folder

    results = Path(results)
    if not results.is_dir():
        raise DataError("results folder not found (expected one sub-folder per tracker)", results)
    if not sequences:
        raise ConfigError("name the sequences to draw (--sequences A,B)")
    benchmark, report = score_folder(dataset, results, data_root=data_root, annotations=annotations,
                                     sequences=list(sequences), trackers=list(trackers) if trackers else None,
                                     protocol=protocol, convention=convention, skip_missing=True)
    main = report.main_metric
    order = rank_by_score({n: float(t.metrics.get(main, np.nan)) for n, t in report.trackers.items()})
    colours = {name: _bgr(line_style(i)["color"]) for i, name in enumerate(order)}
    videos = []
    for seq in benchmark:
        drawings = []
        for name in order:
            score = report.trackers[name]
            tracker_dir = results / name if (results / name).is_dir() else results
            layout = detect_ope_layout(tracker_dir) if report.protocol == "ope" else detect_layout(tracker_dir)
            if report.protocol == "ope":
                path = index_result_files(tracker_dir, layout).get(sequence_key(seq.name))
                if path is None:
                    continue
                values = read_ope_result(path, len(seq), "min", allow_nan=True).values
                drawing = TrackDrawing(name, colours[name], _polygons(values), _ious(score, seq.name))
            else:
                path = index_result_files(tracker_dir, "vot", report.protocol).get(sequence_key(seq.name))
                if path is None:
                    continue
                result = read_vot_result(path, len(seq), "min")
                drawing = TrackDrawing(name, colours[name], result.values, _ious(score, seq.name), result.codes)
            drawings.append(drawing)
        if not drawings:
            raise DataError(f"no tracker under the results folder has a result for {seq.name!r}", results)
        frame_rate = fps or (30.0 if report.protocol == "ope" else 25.0)
        out_path = Path(out) / "videos" / dataset / f"{_safe(seq.name)}.{fmt}"
        videos.append(render_sequence(seq, drawings, out_path, fmt=fmt, fps=frame_rate, max_frames=max_frames,
                                      progress=progress))
    return videos


def _ious(score, sequence: str) -> np.ndarray:
    values = getattr(score, "sequence_overlaps", {}).get(sequence)
    return np.zeros(0) if values is None else np.asarray(values, dtype=np.float64)


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in str(name))


__all__: list[str] = ["GIF_MAX_WIDTH", "TrackDrawing", "VIDEO_FORMATS", "VideoFile", "draw_frame", "render_sequence",
                      "show_results"]
