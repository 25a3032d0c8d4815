import numpy as np
import pytest

from crpnbench.data.textio import read_boxes, read_flags
from crpnbench.errors import DataError


def test_mixed_delimiters_read_the_same(tmp_path):
    path = tmp_path / "gt.txt"
    path.write_text("1,2,3,4\n5\t6\t7\t8\n9 10 11 12\n13, 14, 15, 16\n\n")
    boxes = read_boxes(path)
    assert boxes.shape == (4, 4)
    np.testing.assert_array_equal(boxes[:, 0], [1, 5, 9, 13])
    np.testing.assert_array_equal(boxes[3], [13, 14, 15, 16])


def test_unparsable_line_names_file_and_line(tmp_path):
    path = tmp_path / "gt.txt"
    path.write_text("1,2,3,4\n5,6,seven,8\n")
    with pytest.raises(DataError, match=r"gt\.txt:2: cannot parse"):
        read_boxes(path)


def test_wrong_value_count_names_line(tmp_path):
    path = tmp_path / "gt.txt"
    path.write_text("1,2,3,4\n1,2,3\n")
    with pytest.raises(DataError, match=r"gt\.txt:2: expected 4 values, found 3"):
        read_boxes(path)


def test_blank_line_inside_is_an_error_not_a_shift(tmp_path):
    path = tmp_path / "gt.txt"
    path.write_text("1,2,3,4\n\n5,6,7,8\n")
    with pytest.raises(DataError, match=r":2: blank line"):
        read_boxes(path)


def test_nan_is_rejected_unless_allowed(tmp_path):
    path = tmp_path / "res.txt"
    path.write_text("1,2,3,4\nnan,nan,nan,nan\n")
    with pytest.raises(DataError, match=r"res\.txt:2: non-finite"):
        read_boxes(path)
    assert np.isnan(read_boxes(path, allow_nan=True)[1]).all()


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="file is missing"):
        read_boxes(tmp_path / "nope.txt")


def test_flags_one_per_line_and_one_line(tmp_path):
    per_line = tmp_path / "absent.txt"
    per_line.write_text("0\n1\n1\n0\n")
    one_line = tmp_path / "full_occlusion.txt"
    one_line.write_text("0,1,1,0\n")
    np.testing.assert_array_equal(read_flags(per_line), [False, True, True, False])
    np.testing.assert_array_equal(read_flags(one_line), [False, True, True, False])
    bad = tmp_path / "bad.txt"
    bad.write_text("0\n2\n")
    with pytest.raises(DataError, match="0 or 1"):
        read_flags(bad)
