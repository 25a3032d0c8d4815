"""Raw-result readers on files written to tmp_path in every layout users have, plus real refdata files."""

from __future__ import annotations

import numpy as np
import pytest

from crpnbench.errors import DataError
from crpnbench.raw.layout import detect_layout, index_result_files, sequence_key
from crpnbench.raw.read import first_line_looks_like_corners, read_ope_result, read_vot_result
from crpnbench.raw.write import write_boxes, write_vot_entries

BOXES = np.array([[1, 2, 30, 40], [2.5, 3.25, 31, 41], [-4, 5, 32, 42]], float)


@pytest.mark.parametrize("sep", [",", "\t", " ", ", "])
def test_ope_result_any_separator(tmp_path, sep):
    path = tmp_path / "Seq.txt"
    path.write_text("".join(sep.join(f"{v:g}" for v in row) + "\n" for row in BOXES))
    result = read_ope_result(path, 3)
    np.testing.assert_array_equal(result.values, BOXES)
    assert result.notes == []


def test_leading_space_and_crlf(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b" 1.00, 2.00, 30.00, 40.00\r\n 2.50,3.25,31,41\r\n-4,5,32,42\r\n")
    np.testing.assert_array_equal(read_ope_result(path, 3).values, BOXES)


def test_wrong_lengths_error_or_named_truncation(tmp_path):
    path = write_boxes(tmp_path / "s.txt", BOXES)
    with pytest.raises(DataError, match=r"s.txt:4: result has 3 lines for 4 frames \(fewer lines than frames\)"):
        read_ope_result(path, 4)
    with pytest.raises(DataError, match="more lines than frames"):
        read_ope_result(path, 2)
    cut = read_ope_result(path, 2, length_rule="truncate")
    assert len(cut.values) == 2 and "truncated to 2" in cut.notes[0]
    with pytest.raises(DataError, match="fewer lines"):
        read_ope_result(path, 4, length_rule="truncate")  # never padded


def test_bad_line_and_nan_name_the_line(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("1,2,3,4\n1,2,x,4\n1,2,3,4\n")
    with pytest.raises(DataError, match=r"bad.txt:2: cannot parse"):
        read_ope_result(path, 3)
    path.write_text("1,2,3,4\n1,2,3\n1,2,3,4\n")
    with pytest.raises(DataError, match=r"bad.txt:2: expected 4 values"):
        read_ope_result(path, 3)
    path.write_text("1,2,3,4\nnan,2,3,4\n1,2,3,4\n")
    with pytest.raises(DataError, match=r"bad.txt:2: non-finite"):
        read_ope_result(path, 3)
    repaired = read_ope_result(path, 3, allow_nan=True)
    assert np.isnan(repaired.values[1, 0]) and "NaN" in repaired.notes[0]
    path.write_text("1,2,3,4\n\n1,2,3,4\n")
    with pytest.raises(DataError, match=r"bad.txt:2: blank line"):
        read_ope_result(path, 3)


def test_sequence_names_match_case_and_dash(tmp_path):
    for name in ("human4_2", "Jogging-1", "Blurcar4", "Basketball"):
        write_boxes(tmp_path / f"{name}.txt", BOXES)
        (tmp_path / f"{name}_time.txt").write_text("0.1\n")
    index = index_result_files(tmp_path, "otb")
    for wanted in ("Human4-2", "jogging_1", "BlurCar4", "basketball"):
        assert sequence_key(wanted) in index
    assert len(index) == 4  # *_time.txt ignored
    write_boxes(tmp_path / "Human4-2.txt", BOXES)
    with pytest.raises(DataError, match="two result files match"):
        index_result_files(tmp_path, "otb")


def test_got10k_and_vot_layouts(tmp_path):
    write_boxes(tmp_path / "got" / "GOT-10k_Val_000001" / "GOT-10k_Val_000001_001.txt", BOXES)
    write_vot_entries(tmp_path / "vot" / "baseline" / "bag" / "bag_001.txt", [1, BOXES[1], 2, 0, 0, 0, 0, 1])
    assert detect_layout(tmp_path / "got") == "got10k"
    assert detect_layout(tmp_path / "vot") == "vot"
    assert list(index_result_files(tmp_path / "got", "got10k")) == ["got_10k_val_000001"]
    assert list(index_result_files(tmp_path / "vot", "vot")) == ["bag"]
    assert index_result_files(tmp_path / "vot", "vot", experiment="realtime") == {}


def test_vot_codes_boxes_polygons(tmp_path):
    path = tmp_path / "seq_001.txt"
    path.write_text("1.0\n10,20,30,40\n2.0\n0\n0\n0\n0\n1\n1,2,3,2,3,4,1,4\n")
    result = read_vot_result(path, 9)
    assert result.codes.tolist() == [1, -1, 2, 0, 0, 0, 0, 1, -1]
    np.testing.assert_array_equal(result.values[1], [10, 20, 40, 20, 40, 60, 10, 60])
    np.testing.assert_array_equal(result.values[8], [1, 2, 3, 2, 3, 4, 1, 4])
    assert np.isnan(result.values[0]).all()
    path.write_text("1\n3\n")
    with pytest.raises(DataError, match=r"seq_001.txt:2: VOT code must be"):
        read_vot_result(path, 2)
    path.write_text("1\n10,20,30,40\n")
    short = read_vot_result(path, 3, length_rule="min")
    assert len(short.codes) == 2 and "scored on the first 2 frames" in short.notes[0]
    with pytest.raises(DataError, match="fewer lines"):
        read_vot_result(path, 3)


def test_siamrpn_first_line_quirk_detected_on_real_files(refdata):
    from crpnbench.data import open_benchmark

    otb = open_benchmark("otb2015", annotations=refdata / "otb" / "json" / "OTB100.json")
    gt = otb["Basketball"].boxes
    siamrpn = read_ope_result(refdata / "otb" / "results" / "SiamRPN" / "Basketball.txt", len(gt))
    dasiam = read_ope_result(refdata / "otb" / "results" / "DaSiamRPN" / "Basketball.txt", len(gt))
    assert first_line_looks_like_corners(siamrpn.values[0], gt[0])
    assert not first_line_looks_like_corners(dasiam.values[0], gt[0])


def test_real_vot_files_with_float_codes_and_wrong_length(refdata):
    path = refdata / "vot2018" / "results" / "Ocean" / "baseline" / "fish1" / "fish1_001.txt"
    with pytest.raises(DataError, match=r"fish1_001.txt:367: result has 436 lines for 366 frames"):
        read_vot_result(path, 366)
    result = read_vot_result(path, 366, length_rule="min")
    assert len(result.codes) == 366 and result.codes[0] == 1
