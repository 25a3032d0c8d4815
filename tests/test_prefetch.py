"""The frame prefetch thread: order, bounded read-ahead, decode errors, clean early stop."""

from __future__ import annotations

import shutil
import threading
import time

import cv2
import numpy as np
import pytest

from crpnbench.errors import DataError
from crpnbench.data.prefetch import FramePrefetcher


@pytest.fixture()
def crossing_frames(refdata):
    return sorted((refdata / "otb" / "seqs" / "Crossing" / "img").glob("*.jpg"))[:12]


def test_frames_come_in_order_and_match_opencv(crossing_frames):
    seen = []
    with FramePrefetcher(crossing_frames, depth=3) as frames:
        for index, image in frames:
            seen.append(index)
            np.testing.assert_array_equal(image, cv2.imread(str(crossing_frames[index])))
    assert seen == list(range(len(crossing_frames)))


def test_corrupt_jpeg_raises_data_error_naming_the_frame(crossing_frames, tmp_path):
    paths = []
    for i, src in enumerate(crossing_frames[:5]):
        dst = tmp_path / f"{i + 1:04d}.jpg"
        shutil.copy(src, dst)
        paths.append(dst)
    paths[3].write_bytes(b"\xff\xd8\xff garbage, not a JPEG at all" * 10)
    decoded = []
    prefetcher = FramePrefetcher(paths, depth=2)
    with pytest.raises(DataError) as caught:
        for index, _ in prefetcher:
            decoded.append(index)
    assert decoded == [0, 1, 2]
    assert caught.value.path == paths[3]
    assert "0004.jpg" in str(caught.value)
    assert not prefetcher.running


def test_missing_frame_and_foreign_reader_errors_become_data_errors(tmp_path):
    with pytest.raises(DataError, match="missing"):
        list(FramePrefetcher([tmp_path / "absent.jpg"]))

    def broken_reader(path):
        raise RuntimeError("decoder exploded")

    with pytest.raises(DataError, match=r"frame 1 could not be read: decoder exploded"):
        list(FramePrefetcher([tmp_path / "x.jpg"], reader=broken_reader))


def test_read_ahead_is_bounded_and_early_stop_ends_the_thread(crossing_frames):
    reads = []
    lock = threading.Lock()

    def counting_reader(path):
        with lock:
            reads.append(path)
        return cv2.imread(str(path))

    prefetcher = FramePrefetcher(crossing_frames, depth=2, reader=counting_reader)
    consumed = 0
    for index, _ in prefetcher:
        consumed += 1
        time.sleep(0.05)  # a slow tracker: the producer must wait on the full queue
        assert len(reads) <= consumed + 2 + 1  # queue depth + the frame being decoded
        if index == 3:
            break
    time.sleep(0.1)
    assert not prefetcher.running
    assert len(reads) <= 4 + 2 + 1
    assert len(reads) < len(crossing_frames)


def test_depth_must_be_positive(crossing_frames):
    with pytest.raises(ValueError):
        FramePrefetcher(crossing_frames, depth=0)
