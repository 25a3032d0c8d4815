"""VOT loader: pysot VOT2018.json, the real `bag` frames in a VOT folder layout, tags and row formats."""

import json

import numpy as np
import pytest

from crpnbench.data import open_benchmark
from crpnbench.data.vot import VOT, polygon_bounds, rows_to_polygons
from crpnbench.errors import ConfigError, DataError


@pytest.fixture(scope="module")
def vot2018_json(refdata):
    return VOT(annotations=refdata / "vot2018" / "VOT2018.json", version=2018)


def test_vot2018_json_totals(vot2018_json, refdata):
    assert len(vot2018_json) == 60 and vot2018_json.result_layout == "vot"
    assert sum(len(seq) for seq in vot2018_json) == 21356
    listed = (refdata / "vot2018" / "list_DERIVED.txt").read_text().split()
    assert vot2018_json.names == listed


def test_conduction1_rectangle_rows_become_corners(vot2018_json, refdata):
    raw = json.loads((refdata / "vot2018" / "VOT2018.json").read_text())["conduction1"]["gt_rect"]
    seq = vot2018_json["conduction1"]
    x, y, w, h = raw[0]
    np.testing.assert_allclose(seq.polygons[0], [x, y, x + w, y, x + w, y + h, x, y + h])
    np.testing.assert_allclose(seq.boxes, np.array(raw), atol=1e-9)  # bbox of the corners = the row
    assert seq.image_size == (1280, 720)


def test_bag_polygon_bounding_box(vot2018_json):
    seq = vot2018_json["bag"]
    # first row 334.02,128.36,438.19,188.78,396.39,260.83,292.23,200.41 (worked by hand)
    np.testing.assert_allclose(seq.boxes[0], [292.23, 128.36, 438.19 - 292.23, 260.83 - 128.36])
    assert seq.polygons.shape == (196, 8) and seq.image_size == (480, 360)
    assert seq.frame_paths[0].parts[-3:] == ("bag", "color", "00000001.jpg")


def test_json_tags_and_empty_tag_lists(vot2018_json, refdata):
    raw = json.loads((refdata / "vot2018" / "VOT2018.json").read_text())
    seq = vot2018_json["matrix"]
    assert raw["matrix"]["camera_motion"] == [] and not seq.frame_tags["camera_motion"].any()
    assert seq.frame_tags["camera_motion"].shape == (len(seq),)
    for name in ("bag", "ball1", "fish1"):
        for tag in ("illum_change", "occlusion", "size_change"):
            assert vot2018_json[name].frame_tags[tag].sum() == sum(raw[name][tag])


@pytest.fixture
def bag_workspace(refdata, tmp_path):
    """A two-layout VOT folder over the real bag frames: bag/color/ and a flat bag-flat/."""
    frames = refdata / "video" / "vot_bag_frames"
    (tmp_path / "bag").mkdir()
    (tmp_path / "bag" / "color").symlink_to(frames, target_is_directory=True)
    (tmp_path / "bag" / "groundtruth.txt").symlink_to(frames / "groundtruth.txt")
    (tmp_path / "bag-flat").symlink_to(frames, target_is_directory=True)
    (tmp_path / "list.txt").write_text("bag\nbag-flat\n\n")
    return tmp_path


def test_real_bag_in_vot_layout(bag_workspace, vot2018_json):
    bench = VOT(bag_workspace, version=2016)
    assert bench.names == ["bag", "bag-flat"]
    seq, flat = bench["bag"], bench["bag-flat"]
    assert len(seq) == len(flat) == 196
    assert seq.frame_paths[0].parent.name == "color" and flat.frame_paths[0].parent.name == "bag-flat"
    np.testing.assert_allclose(seq.polygons, vot2018_json["bag"].polygons)
    np.testing.assert_allclose(seq.boxes, vot2018_json["bag"].boxes)
    image = seq.frame(195)
    assert image.shape == (360, 480, 3)  # = the JSON's width/height
    assert all(not tags.any() and len(tags) == 196 for tags in seq.frame_tags.values())


def make_vot(root, name, gt_lines, frames, tags=None):
    folder = root / name / "color"
    folder.mkdir(parents=True)
    for i in range(1, frames + 1):
        (folder / f"{i:08d}.jpg").touch()
    (root / name / "groundtruth.txt").write_text("\n".join(gt_lines) + "\n")
    for tag, text in (tags or {}).items():
        (root / name / f"{tag}.tag").write_text(text)
    with open(root / "list.txt", "a") as handle:
        handle.write(name + "\n")


def test_mixed_rows_and_short_tag_files(tmp_path):
    make_vot(tmp_path, "mixed", ["1,2,11,2,11,12,1,12", "5,6,10,20", "0,0,4,0,4,3,0,3"], 3,
             tags={"occlusion": "0\n1\n", "camera_motion": "1\n1\n1\n"})
    seq = VOT(tmp_path)["mixed"]
    np.testing.assert_array_equal(seq.boxes, [[1, 2, 10, 10], [5, 6, 10, 20], [0, 0, 4, 3]])
    np.testing.assert_array_equal(seq.polygons[1], [5, 6, 15, 6, 15, 26, 5, 26])
    np.testing.assert_array_equal(seq.frame_tags["occlusion"], [False, True, False])  # padded with 0
    assert seq.frame_tags["camera_motion"].all() and not seq.frame_tags["size_change"].any()


def test_tag_longer_than_sequence_is_an_error(tmp_path):
    make_vot(tmp_path, "s", ["1,2,3,4"] * 2, 2, tags={"occlusion": "0\n0\n1\n"})
    with pytest.raises(DataError, match=r"s/occlusion\.tag: tag 'occlusion' has 3 values for 2 frames"):
        VOT(tmp_path)["s"]


def test_row_count_must_match_frames(tmp_path):
    make_vot(tmp_path, "s", ["1,2,3,4"] * 3, 4)
    with pytest.raises(DataError, match=r"s/groundtruth\.txt: 3 ground-truth rows for 4 frames"):
        VOT(tmp_path)["s"]


def test_six_value_row_names_line(tmp_path):
    make_vot(tmp_path, "s", ["1,2,3,4", "1,2,3,4,5,6"], 2)
    with pytest.raises(DataError, match=r"s/groundtruth\.txt:2: expected 4 or 8 values, found 6"):
        VOT(tmp_path)["s"]


def test_listed_but_missing_sequence(tmp_path):
    make_vot(tmp_path, "a", ["1,2,3,4"], 1)
    (tmp_path / "list.txt").write_text("a\ngone\n")
    bench = open_benchmark("vot2017", root=tmp_path)
    assert bench.names == ["a"] and bench.missing == ["gone"]
    with pytest.raises(DataError, match=r"gone: sequence folder of gone is missing"):
        bench.load_sequence("gone")


def test_missing_list_and_bad_version(tmp_path):
    with pytest.raises(DataError, match=r"list\.txt: sequence list file is missing"):
        VOT(tmp_path).names
    with pytest.raises(ConfigError):
        VOT(tmp_path, version=2015)


def test_polygon_helpers_round_trip():
    boxes = np.array([[3.5, 4.0, 10.0, 2.5], [0.0, -1.0, 1.0, 1.0]])
    np.testing.assert_allclose(polygon_bounds(rows_to_polygons(boxes)), boxes)
