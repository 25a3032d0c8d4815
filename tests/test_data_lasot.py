"""LaSOT loader: the toolkit's anno/ folder in refdata (280 test sequences) and a dataset-layout fixture."""

import numpy as np
import pytest

from crpnbench.data import open_benchmark
from crpnbench.data.lasot import LASOT_ALL_SEQUENCES, LASOT_ATTRIBUTE_CODES, LASOT_TEST_SEQUENCES, LaSOT
from crpnbench.errors import ConfigError, DataError


@pytest.fixture(scope="module")
def lasot_test(refdata):
    return LaSOT(refdata / "lasot", protocol=2)


def read_list(path):
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def test_refdata_totals(lasot_test):
    assert lasot_test.layout == "anno" and len(lasot_test) == 280 and not lasot_test.missing
    sequences = list(lasot_test)
    assert sum(len(seq) for seq in sequences) == 685360
    assert sum(int(seq.absent.sum()) for seq in sequences) == 18346


def test_refdata_sequence_details(lasot_test, refdata):
    seq = lasot_test["airplane-1"]
    flags = (refdata / "lasot" / "anno" / "att" / "airplane-1.txt").read_text().strip().split(",")
    assert seq.attributes == tuple(c for c, f in zip(LASOT_ATTRIBUTE_CODES, flags) if f == "1")
    assert seq.frame_paths[0] == refdata / "lasot" / "airplane" / "airplane-1" / "img" / "00000001.jpg"
    np.testing.assert_array_equal(seq.boxes[0], [367, 101, 41, 16])
    assert len(lasot_test["monkey-17"]) == 2260


def test_builtin_lists_match_the_toolkit(refdata):
    assert list(LASOT_TEST_SEQUENCES) == read_list(refdata / "lasot" / "testing_set.txt")
    assert list(LASOT_ALL_SEQUENCES) == read_list(refdata / "lasot" / "all_dataset.txt")
    assert len(LASOT_ATTRIBUTE_CODES) == 14


def test_protocol_one_lists_all_1400(refdata):
    bench = open_benchmark("lasot-all", root=refdata / "lasot")
    assert len(bench.listed) == 1400 and len(bench) == 280 and len(bench.missing) == 1120


def test_annotations_argument_is_the_anno_folder(refdata):
    bench = LaSOT(annotations=refdata / "lasot" / "anno")
    assert bench.layout == "anno" and len(bench.names) == 280


def make_dataset_sequence(root, name, boxes, full_occlusion, out_of_view):
    folder = root / name.rsplit("-", 1)[0] / name
    folder.mkdir(parents=True)
    (folder / "groundtruth.txt").write_text("\n".join(",".join(map(str, b)) for b in boxes) + "\n")
    (folder / "full_occlusion.txt").write_text(",".join(map(str, full_occlusion)))
    (folder / "out_of_view.txt").write_text(",".join(map(str, out_of_view)) + "\n")
    (folder / "nlp.txt").write_text("a thing")
    return folder


def test_dataset_layout_absent_is_occlusion_or_out_of_view(tmp_path):
    make_dataset_sequence(tmp_path, "airplane-1", [(1, 2, 3, 4)] * 4, [0, 1, 0, 0], [0, 0, 1, 0])
    bench = LaSOT(tmp_path, protocol=2)  # built-in testing set: airplane-1 is in it
    assert bench.layout == "dataset" and bench.names == ["airplane-1"] and len(bench.missing) == 279
    seq = bench["airplane-1"]
    np.testing.assert_array_equal(seq.absent, [False, True, True, False])
    assert seq.frame_paths[3] == tmp_path / "airplane" / "airplane-1" / "img" / "00000004.jpg"


def test_dataset_layout_protocol_one_and_own_list(tmp_path):
    make_dataset_sequence(tmp_path, "zebra-20", [(1, 2, 3, 4)] * 2, [0, 0], [0, 0])
    assert "zebra-20" in LaSOT(tmp_path, protocol="I").names
    (tmp_path / "testing_set.txt").write_text("zebra-20\nzebra-3\n")
    bench = LaSOT(tmp_path, protocol="II")
    assert bench.listed == ["zebra-20", "zebra-3"] and bench.missing == ["zebra-3"]


def test_flag_count_mismatch_names_file(tmp_path):
    make_dataset_sequence(tmp_path, "cat-1", [(1, 2, 3, 4)] * 3, [0, 0], [0, 0, 0])
    with pytest.raises(DataError, match=r"cat-1/full_occlusion\.txt: 2 flags for 3 ground-truth boxes"):
        LaSOT(tmp_path)["cat-1"]


def test_bad_flag_and_bad_box_line(tmp_path):
    folder = make_dataset_sequence(tmp_path, "cat-1", [(1, 2, 3, 4)] * 3, [0, 2, 0], [0, 0, 0])
    with pytest.raises(DataError, match=r"full_occlusion\.txt: flag values must be 0 or 1"):
        LaSOT(tmp_path)["cat-1"]
    (folder / "full_occlusion.txt").write_text("0,0,0")
    (folder / "groundtruth.txt").write_text("1,2,3,4\n1,2,3\n1,2,3,4\n")
    with pytest.raises(DataError, match=r"cat-1/groundtruth\.txt:2: expected 4 values, found 3"):
        LaSOT(tmp_path)["cat-1"]


def test_bad_protocol(tmp_path):
    with pytest.raises(ConfigError):
        LaSOT(tmp_path, protocol=3)
