"""Bad input to every loader gives one DataError naming the file (and line), never a NumPy traceback."""

import numpy as np
import pytest

from crpnbench.data import open_benchmark
from crpnbench.data.lasot import LaSOT
from crpnbench.data.folders import read_table
from crpnbench.data.otb import OTB
from crpnbench.data.vot import VOT
from crpnbench.errors import DataError


@pytest.mark.parametrize("name", ["otb2013", "otb2015", "vot2016", "lasot", "trackingnet", "got10k"])
def test_missing_root_names_the_folder(tmp_path, name):
    with pytest.raises(DataError, match=r"nowhere: .*data root does not exist"):
        open_benchmark(name, root=tmp_path / "nowhere")


@pytest.mark.parametrize("name", ["otb2015", "vot2018"])
def test_missing_annotation_file(tmp_path, name):
    with pytest.raises(DataError, match=r"absent\.json: .*annotation file does not exist"):
        open_benchmark(name, annotations=tmp_path / "absent.json")


def write_layout(root, kind, gt_text):
    """One sequence of each layout whose GT file holds ``gt_text``; returns (benchmark, name, gt path)."""
    if kind == "otb":
        (root / "Couple" / "img").mkdir(parents=True)
        for i in range(1, 4):
            (root / "Couple" / "img" / f"{i:04d}.jpg").touch()
        gt = root / "Couple" / "groundtruth_rect.txt"
        bench, name = (lambda: OTB(root)), "Couple"
    elif kind == "vot":
        (root / "s" / "color").mkdir(parents=True)
        for i in range(1, 4):
            (root / "s" / "color" / f"{i:08d}.jpg").touch()
        (root / "list.txt").write_text("s\n")
        gt = root / "s" / "groundtruth.txt"
        bench, name = (lambda: VOT(root)), "s"
    elif kind == "lasot":
        (root / "anno").mkdir()
        gt = root / "anno" / "cat-1.txt"
        bench, name = (lambda: LaSOT(root, protocol=1)), "cat-1"
    elif kind == "trackingnet":
        (root / "TRAIN_0" / "anno").mkdir(parents=True)
        gt = root / "TRAIN_0" / "anno" / "a_0.txt"
        bench, name = (lambda: open_benchmark("trackingnet-train", root=root)), "a_0"
    else:  # got10k
        (root / "val" / "v1").mkdir(parents=True)
        (root / "val" / "list.txt").write_text("v1\n")
        for i in range(1, 4):
            (root / "val" / "v1" / f"{i:08d}.jpg").touch()
        gt = root / "val" / "v1" / "groundtruth.txt"
        bench, name = (lambda: open_benchmark("got10k", root=root)), "v1"
    gt.write_text(gt_text)
    if kind == "lasot":
        (root / "all_dataset.txt").write_text("cat-1\n")
    return bench(), name, gt


KINDS = ["otb", "vot", "lasot", "trackingnet", "got10k"]


@pytest.mark.parametrize("kind", KINDS)
def test_unparsable_line_names_file_and_line(tmp_path, kind):
    bench, name, gt = write_layout(tmp_path, kind, "1,2,3,4\n1,2,3,4\n1,2,three,4\n")
    with pytest.raises(DataError) as info:
        bench[name]
    assert str(info.value).startswith(f"{gt}:3: cannot parse")


@pytest.mark.parametrize("kind", KINDS)
def test_blank_line_inside_is_not_skipped(tmp_path, kind):
    bench, name, gt = write_layout(tmp_path, kind, "1,2,3,4\n\n1,2,3,4\n")
    with pytest.raises(DataError, match=r":2: blank line inside the file"):
        bench[name]


@pytest.mark.parametrize("kind", ["otb", "lasot", "trackingnet", "got10k"])
def test_nan_box_is_rejected(tmp_path, kind):
    bench, name, gt = write_layout(tmp_path, kind, "1,2,3,4\nnan,2,3,4\n1,2,3,4\n")
    with pytest.raises(DataError, match=r":2: non-finite value"):
        bench[name]


@pytest.mark.parametrize("kind", ["vot", "got10k"])
def test_box_count_not_matching_frames(tmp_path, kind):
    bench, name, gt = write_layout(tmp_path, kind, "1,2,3,4\n1,2,3,4\n")
    with pytest.raises(DataError, match=f"{gt}: 2 .* for 3 frames"):
        bench[name]


def test_empty_gt_file(tmp_path):
    bench, name, gt = write_layout(tmp_path, "otb", "")
    with pytest.raises(DataError, match=f"{gt}: ground-truth file has no boxes"):
        bench[name]


def test_binary_gt_file(tmp_path):
    bench, name, gt = write_layout(tmp_path, "lasot", "")
    gt.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(DataError, match=f"{gt}: file is not UTF-8 text"):
        bench[name]


def test_lasot_absent_flags_count(tmp_path):
    bench, name, gt = write_layout(tmp_path, "lasot", "1,2,3,4\n1,2,3,4\n")
    (tmp_path / "anno" / "absent").mkdir()
    (tmp_path / "anno" / "absent" / "cat-1.txt").write_text("0\n1\n0\n")
    with pytest.raises(DataError, match=r"absent/cat-1\.txt: 3 flags for 2 ground-truth boxes"):
        bench[name]


def test_json_syntax_error_names_line(tmp_path):
    path = tmp_path / "VOT2018.json"
    path.write_text('{\n  "bag": {"img_names": [],\n  oops\n}')
    with pytest.raises(DataError, match=r"VOT2018\.json:3: invalid JSON"):
        VOT(annotations=path)


def test_json_bad_box_names_sequence_and_frame(tmp_path):
    path = tmp_path / "OTB100.json"
    path.write_text('{"Couple": {"img_names": ["Couple/img/0001.jpg", "Couple/img/0002.jpg"],'
                    ' "gt_rect": [[1, 2, 3, 4], [1, 2, 3]]}}')
    with pytest.raises(DataError, match=r"OTB100\.json: Couple\.gt_rect\[1\]: expected 4 finite numbers"):
        OTB(annotations=path)["Couple"]
    path.write_text('{"Couple": [1, 2]}')
    with pytest.raises(DataError, match=r"OTB100\.json: entry 'Couple' is not an OTB sequence"):
        OTB(annotations=path)


def test_fast_reader_agrees_with_line_reader(tmp_path):
    path = tmp_path / "gt.txt"
    path.write_text("1,2,3,4\r\n5\t6\t7\t8\r\n 9, 10, 11, 12\r\n-1.5;2;3;4\r\n\r\n")
    np.testing.assert_array_equal(read_table(path), [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [-1.5, 2, 3, 4]])
    path.write_text("1,2,3,4\n1,2,3,4,5\n1,2,3\n")  # total count divisible by 4: must still fail on line 2
    with pytest.raises(DataError, match=r"gt\.txt:2: expected 4 values, found 5"):
        read_table(path)
