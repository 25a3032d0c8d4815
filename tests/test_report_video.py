"""`crpnbench show`: ground truth and trackers' boxes on real frames (VOT `bag`, OTB `Couple`) into MP4 and
GIF, frame number and IoU in the corner, VOT failures marked."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from click.testing import CliRunner

from crpnbench.cli import cli
from crpnbench.errors import ConfigError
from crpnbench.reports.video import TrackDrawing, draw_frame


@pytest.fixture()
def bag_root(refdata, tmp_path):
    """A VOT data root holding only `bag` (refdata's frames + ground truth)."""
    root = tmp_path / "vot"
    root.mkdir()
    (root / "bag").symlink_to(refdata / "video" / "vot_bag_frames")
    (root / "list.txt").write_text("bag\n")
    return root


def show(*args):
    return CliRunner().invoke(cli, ["show", *args, "--quiet"])


def test_vot_mp4_has_every_frame_drawn(refdata, bag_root, tmp_path):
    import cv2

    result = show("--dataset", "vot2018", "--data-root", str(bag_root), "--results", str(refdata / "vot2018" / "results"),
                  "--tracker", "DaSiamRPN", "--tracker", "SiamBAN_HonglinChu", "--sequences", "bag", "--frames", "12",
                  "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    path = tmp_path / "out" / "videos" / "vot2018" / "bag.mp4"
    assert result.output.strip() == str(path)
    video = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = video.read()
        if not ok:
            break
        frames.append(frame)
    assert len(frames) == 12 and frames[0].shape == (360, 480, 3)
    original = cv2.imread(str(refdata / "video" / "vot_bag_frames" / "00000006.jpg")).astype(int)
    corner, away = (slice(0, 40), slice(0, 200)), (slice(300, 360), slice(380, 480))
    # the corner panel (frame number, IoUs) is drawn over frame 6; far from it and the boxes the frame is unchanged
    assert np.abs(frames[5][corner] - original[corner]).mean() > 15
    assert np.abs(frames[5][away] - original[away]).mean() < 8
    assert not list((tmp_path / "out" / "videos" / "vot2018").glob(".*tmp*"))  # no leftovers


def test_otb_gif(refdata, tmp_path):
    from PIL import Image

    result = show("--dataset", "otb2015", "--data-root", str(refdata / "otb" / "seqs"),
                  "--results", str(refdata / "otb" / "results"), "--tracker", "DaSiamRPN", "--tracker", "SiamFC",
                  "--sequences", "Couple", "--frames", "6", "--format", "gif", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    gif = Image.open(tmp_path / "videos" / "otb2015" / "Couple.gif")
    assert gif.n_frames == 6


def test_gif_without_pillow_is_one_clear_error(refdata, bag_root, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)
    result = show("--dataset", "vot2018", "--data-root", str(bag_root), "--results", str(refdata / "vot2018" / "results"),
                  "--tracker", "DaSiamRPN", "--sequences", "bag", "--frames", "2", "--format", "gif",
                  "--out", str(tmp_path))
    assert isinstance(result.exception, ConfigError) and "Pillow" in str(result.exception)


def test_a_vot_failure_is_marked_in_red():
    frame = np.full((240, 320, 3), 128, np.uint8)
    box = np.array([100, 100, 160, 100, 160, 160, 100, 160], float)
    fail = TrackDrawing("T", (255, 0, 0), np.full((3, 8), np.nan), np.full(3, np.nan), np.array([1, -1, 2]))
    ok = TrackDrawing("T", (255, 0, 0), np.tile(box, (3, 1)), np.array([np.nan, 0.75, np.nan]), np.array([1, -1, -1]))
    failed = draw_frame(frame.copy(), 2, 3, box, [fail])
    tracked = draw_frame(frame.copy(), 1, 2, box, [ok])
    red = (60, 60, 255)
    assert tuple(failed[120, 1]) == red and tuple(failed[239, 160]) == red  # red border
    assert tuple(tracked[120, 1]) != red
    assert (tracked[99:102, 99:161] == (255, 0, 0)).all(axis=-1).any()  # the tracker's box in its colour
