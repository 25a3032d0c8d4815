"""TrackingNet loader: the real TRAIN_0 annotations (dummy_GT) and a TEST fixture."""

import numpy as np
import pytest

from crpnbench.data import open_benchmark
from crpnbench.data.trackingnet import TrackingNet
from crpnbench.errors import ConfigError, DataError


@pytest.fixture
def train_root(refdata, tmp_path):
    anno = tmp_path / "TRAIN_0" / "anno"
    anno.mkdir(parents=True)
    for path in sorted((refdata / "trackingnet" / "dummy" / "dummy_GT").glob("*.txt")):
        (anno / path.name).symlink_to(path)
    return tmp_path


def test_train_chunk_from_real_annotations(train_root, refdata):
    bench = open_benchmark("trackingnet-train", root=train_root)
    gt_files = sorted((refdata / "trackingnet" / "dummy" / "dummy_GT").glob("*.txt"))
    assert sorted(bench.names) == sorted(p.stem for p in gt_files) and len(bench) == 9
    # the files are CRLF-terminated: count non-empty lines independently of our parser
    for path in gt_files:
        lines = [line for line in path.read_bytes().split(b"\n") if line.strip()]
        seq = bench[path.stem]
        assert len(seq) == len(lines) and not np.isnan(seq.boxes).any()
    seq = bench["a5dffDLeZsI_0"]
    np.testing.assert_array_equal(seq.boxes[:2], [[111, 115, 370, 129], [110.17, 115.66, 370.03, 128.5]])
    assert seq.frame_paths[0] == train_root / "TRAIN_0" / "frames" / "a5dffDLeZsI_0" / "0.jpg"
    assert sum(len(s) for s in bench) == 4500


def test_train_chunk_selection(train_root):
    assert len(TrackingNet(train_root, subset="TRAIN", chunks=[0])) == 9
    with pytest.raises(DataError, match="annotation folder"):
        TrackingNet(train_root, subset="TRAIN", chunks=[3]).names
    with pytest.raises(ConfigError):
        TrackingNet(train_root, subset="TRAIN", chunks=[12])


def make_test_sequence(root, name, frames, first_box="10.00,20.00,30.00,40.00"):
    (root / "TEST" / "anno").mkdir(parents=True, exist_ok=True)
    (root / "TEST" / "anno" / f"{name}.txt").write_text(first_box + "\n")
    folder = root / "TEST" / "frames" / name
    folder.mkdir(parents=True)
    for n in frames:
        (folder / f"{n}.jpg").touch()


def test_test_subset_first_box_only(tmp_path):
    make_test_sequence(tmp_path, "abc_0", range(12))
    make_test_sequence(tmp_path, "xyz_1", range(3), first_box=" -5.50, 2.00, 8.00, 9.00")
    bench = open_benchmark("trackingnet", root=tmp_path)
    assert bench.names == ["abc_0", "xyz_1"] and bench.result_layout == "otb"
    seq = bench["abc_0"]
    assert len(seq) == 12 and seq.start_frame == 0
    np.testing.assert_array_equal(seq.init_box, [10, 20, 30, 40])
    assert np.isnan(seq.boxes[1:]).all()
    assert [p.name for p in seq.frame_paths[:3]] == ["0.jpg", "1.jpg", "2.jpg"]
    assert seq.frame_paths[-1].name == "11.jpg"  # numeric order, not 10.jpg after 1.jpg
    np.testing.assert_array_equal(bench["xyz_1"].init_box, [-5.5, 2, 8, 9])


def test_test_subset_missing_frames(tmp_path):
    make_test_sequence(tmp_path, "abc_0", [0, 1, 3])
    with pytest.raises(DataError, match=r"frames/abc_0/2\.jpg: frame image is missing"):
        TrackingNet(tmp_path)["abc_0"]
    (tmp_path / "TEST" / "anno" / "nofr_0.txt").write_text("1,2,3,4\n")
    bench = TrackingNet(tmp_path)
    assert bench.missing == ["nofr_0"]


def test_bad_subset(tmp_path):
    with pytest.raises(ConfigError):
        TrackingNet(tmp_path, subset="VAL")
