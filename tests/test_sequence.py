import cv2
import numpy as np
import pytest

from crpnbench.data.sequence import Sequence, read_image
from crpnbench.errors import DataError


def _write_frames(folder, count):
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"{i + 1:04d}.jpg"
        cv2.imwrite(str(path), np.full((24, 32, 3), 40 * i, np.uint8))
        paths.append(path)
    return paths


def test_sequence_decodes_frames_lazily(tmp_path):
    paths = _write_frames(tmp_path / "img", 3)
    seq = Sequence("toy", paths, np.tile([1.0, 2.0, 10.0, 8.0], (3, 1)))
    assert len(seq) == 3
    assert seq.absent.dtype == bool and not seq.absent.any()
    np.testing.assert_array_equal(seq.init_box, [1, 2, 10, 8])
    frame = seq.frame(2)
    assert frame.shape == (24, 32, 3) and frame.dtype == np.uint8
    assert abs(int(frame.mean()) - 80) <= 2


def test_box_count_must_match_frames(tmp_path):
    paths = _write_frames(tmp_path / "img", 3)
    with pytest.raises(DataError, match="2 boxes for 3 frames"):
        Sequence("toy", paths, np.zeros((2, 4)))


def test_missing_and_corrupt_frames_name_the_file(tmp_path):
    with pytest.raises(DataError, match=r"0001\.jpg: frame image is missing"):
        read_image(tmp_path / "0001.jpg")
    corrupt = tmp_path / "0002.jpg"
    corrupt.write_bytes(b"not a jpeg at all")
    with pytest.raises(DataError, match=r"0002\.jpg: frame image could not be decoded"):
        read_image(corrupt)
