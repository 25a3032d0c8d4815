"""OTB loader: real folders (Couple, Crossing, Football1), pysot/DaSiamRPN JSON, every layout quirk."""

import json

import numpy as np
import pytest

from crpnbench.data import open_benchmark
from crpnbench.data.otb import OTB, OTB2013_SEQUENCES, OTB2015_SEQUENCES, OTB_QUIRKS, otb_spec
from crpnbench.errors import ConfigError, DataError


def make_sequence(root, folder, numbers, gt_rows, gt_file="groundtruth_rect.txt", digits=4, sep=","):
    """An OTB-layout folder with empty numbered .jpg files and a GT file (no image is decoded)."""
    img = root / folder / "img"
    img.mkdir(parents=True, exist_ok=True)
    for n in numbers:
        (img / f"{n:0{digits}d}.jpg").touch()
    lines = [sep.join(str(v) for v in row) for row in gt_rows]
    (root / folder / gt_file).write_text("\n".join(lines) + "\n")


def rows(n, first=1):
    return [(first + i, 10 + i, 20, 30) for i in range(n)]


# -- real data --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def otb_folders(refdata):
    return OTB(root=refdata / "otb" / "seqs", version=2015)


@pytest.fixture(scope="module")
def otb100_json(refdata):
    return OTB(annotations=refdata / "otb" / "json" / "OTB100.json", version=2015)


def test_real_folders_present_and_lengths(otb_folders, refdata):
    assert otb_folders.names == ["Couple", "Crossing", "Football1"]
    assert len(otb_folders.missing) == 97
    assert len(otb_folders["Couple"]) == 140
    assert len(otb_folders["Crossing"]) == 120
    # Football1: 81 images on disk, 74 boxes -> the first 74 frames
    assert len(list((refdata / "otb" / "seqs" / "Football1" / "img").glob("*.jpg"))) == 81
    football = otb_folders["Football1"]
    assert len(football) == 74
    assert football.frame_paths[-1].name == "0074.jpg"
    np.testing.assert_array_equal(football.boxes[0], [153, 105, 26, 43])


def test_real_tab_delimited_gt_matches_pysot_json(otb_folders, otb100_json):
    for name in otb_folders.names:
        np.testing.assert_array_equal(otb_folders[name].boxes, otb100_json[name].boxes)


def test_real_frame_decodes_and_boxes_fit(otb_folders):
    seq = otb_folders["Football1"]
    image = seq.frame(0)
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3
    height, width = image.shape[:2]
    assert seq.frame(len(seq) - 1).shape == image.shape
    centres = seq.boxes[:, :2] + seq.boxes[:, 2:] / 2
    assert np.all((centres[:, 0] > 0) & (centres[:, 0] <= width))
    assert np.all((centres[:, 1] > 0) & (centres[:, 1] <= height))


def test_attributes_from_attrs_txt(otb_folders, refdata):
    text = (refdata / "otb" / "seqs" / "Football1" / "attrs.txt").read_text()
    assert otb_folders["Football1"].attributes == tuple(a.strip() for a in text.split(","))


def test_otb100_json_totals(otb100_json):
    assert len(otb100_json) == 100 and not otb100_json.missing
    assert sum(len(seq) for seq in otb100_json) == 59035
    david = otb100_json["David"]
    assert david.frame_paths[0].name == "0300.jpg" and david.start_frame == 300 and len(david) == 471
    assert otb100_json["Jogging-1"].frame_paths == otb100_json["Jogging-2"].frame_paths
    assert not np.array_equal(otb100_json["Jogging-1"].boxes, otb100_json["Jogging-2"].boxes)
    assert otb100_json["Human4-2"].frame_paths[0].parent.parent.name == "Human4"
    assert otb100_json["Board"].frame_paths[0].name == "00001.jpg"
    # frames resolve against the JSON's folder when no root is given
    assert david.frame_paths[0].parts[-3:] == ("David", "img", "0300.jpg")
    desc = (otb100_json.annotations.parent.parent / "lists" / "attr_desc.txt").read_text().splitlines()
    code_of = {line.split("\t")[1].split(" - ")[0]: line.split("\t")[0] for line in desc if line.strip()}
    raw = json.loads(otb100_json.annotations.read_text())["David"]["attr"]
    assert david.attributes == tuple(code_of[a] for a in raw) and "SV" in david.attributes


def test_otb2013_is_the_51_cvpr13_targets(refdata):
    bench = OTB(annotations=refdata / "otb" / "json" / "OTB100.json", version=2013)
    listed = [line.split("\t")[0] for line in (refdata / "otb" / "lists" / "cvpr13.txt").read_text().splitlines()]
    assert bench.names == listed and len(bench) == 51
    full = [line.split("\t")[0] for line in (refdata / "otb" / "lists" / "tb_100.txt").read_text().splitlines()]
    assert list(OTB2015_SEQUENCES) == full and list(OTB2013_SEQUENCES) == listed


def test_dasiamrpn_json_agrees_with_pysot_json(refdata, otb100_json, tmp_path):
    bench = OTB(root=tmp_path, annotations=refdata / "otb" / "json" / "OTB2015_dasiamrpn.json")
    assert bench.names == otb100_json.names
    for name in bench.names:
        ours, theirs = bench[name], otb100_json[name]
        np.testing.assert_array_equal(ours.boxes, theirs.boxes)
        assert [p.relative_to(tmp_path) for p in ours.frame_paths] == [
            p.relative_to(otb100_json.annotations.parent) for p in theirs.frame_paths]
        assert ours.start_frame == theirs.start_frame


def test_quirk_table_matches_pysot_frame_ranges(refdata):
    data = json.loads((refdata / "otb" / "json" / "OTB100.json").read_text())
    ranges = (refdata / "otb" / "anno_from_json_DERIVED" / "_frame_ranges.tsv").read_text().splitlines()[1:]
    assert len(ranges) == 100
    for line in ranges:
        name, folder, first, last, count = line.split("\t")
        spec = otb_spec(name)
        assert spec.folder == folder == data[name]["img_names"][0].split("/")[0], name
        assert spec.start_frame == int(first.split(".")[0]), name
        if spec.end_frame is not None:
            assert spec.end_frame == int(last.split(".")[0]), name
        else:  # plain sequences: every GT row from frame 1
            assert int(first.split(".")[0]) == 1 and int(count) == len(data[name]["gt_rect"]), name
    assert set(OTB_QUIRKS) <= set(OTB2015_SEQUENCES)


# -- layout quirks on small fixtures --------------------------------------------------------
def test_david_frame_range(tmp_path):
    make_sequence(tmp_path, "David", range(1, 771), rows(471))
    seq = OTB(tmp_path)["David"]
    assert len(seq) == 471 and seq.start_frame == 300
    assert seq.frame_paths[0].name == "0300.jpg" and seq.frame_paths[-1].name == "0770.jpg"
    np.testing.assert_array_equal(seq.boxes[0], [1, 10, 20, 30])


@pytest.mark.parametrize("gt_count", [354, 349])
def test_tiger1_starts_at_frame_6(tmp_path, gt_count):
    # the original GT covers frames 1-354; a file already cut to 6-354 (pysot's) is accepted too
    first = 1 if gt_count == 354 else 6
    make_sequence(tmp_path, "Tiger1", range(1, 355), rows(gt_count, first=first))
    seq = OTB(tmp_path)["Tiger1"]
    assert len(seq) == 349 and seq.frame_paths[0].name == "0006.jpg"
    assert seq.boxes[0, 0] == 6  # the box of frame 6, not of frame 1


def test_blurcar_folders_starting_late(tmp_path):
    make_sequence(tmp_path, "BlurCar1", range(247, 989), rows(742))
    make_sequence(tmp_path, "BlurCar3", range(1, 360), rows(357))  # frames 1-2 on disk, unused
    bench = OTB(tmp_path)
    assert bench["BlurCar1"].frame_paths[0].name == "0247.jpg" and len(bench["BlurCar1"]) == 742
    assert bench["BlurCar3"].frame_paths[0].name == "0003.jpg" and bench["BlurCar3"].start_frame == 3
    assert bench["BlurCar3"].frame_paths[-1].name == "0359.jpg"


def test_board_five_digit_names_and_zero_rows_kept(tmp_path):
    gt = rows(697) + [(0, 0, 0, 0)]
    make_sequence(tmp_path, "Board", range(1, 699), gt, digits=5, sep="\t")
    seq = OTB(tmp_path)["Board"]
    assert len(seq) == 698 and seq.frame_paths[0].name == "00001.jpg"
    np.testing.assert_array_equal(seq.boxes[-1], [0, 0, 0, 0])


def test_fewer_boxes_than_images_uses_first_frames(tmp_path):
    make_sequence(tmp_path, "Diving", range(1, 232), rows(215), sep=" ")
    make_sequence(tmp_path, "Basketball", range(1, 11), rows(8))  # not in the quirk table
    bench = OTB(tmp_path)
    assert len(bench["Diving"]) == 215 and bench["Diving"].frame_paths[-1].name == "0215.jpg"
    assert len(bench["Basketball"]) == 8


def test_two_target_sequences_share_frames(tmp_path):
    make_sequence(tmp_path, "Jogging", range(1, 6), rows(5), gt_file="groundtruth_rect.1.txt")
    (tmp_path / "Jogging" / "groundtruth_rect.2.txt").write_text("\n".join("1,2,3,4" for _ in range(5)))
    make_sequence(tmp_path, "Human4", range(1, 4), rows(3), gt_file="groundtruth_rect.2.txt")
    (tmp_path / "Human4" / "groundtruth_rect.1.txt").write_text("")
    bench = OTB(tmp_path)
    assert {"Jogging-1", "Jogging-2", "Human4-2"} <= set(bench.names)
    one, two = bench["Jogging-1"], bench["Jogging-2"]
    assert one.frame_paths == two.frame_paths
    np.testing.assert_array_equal(two.boxes, np.tile([1, 2, 3, 4], (5, 1)))
    assert one.boxes[0, 0] == 1 and one.boxes[4, 0] == 5
    assert len(bench["Human4-2"]) == 3
    assert bench["Human4-2"].attributes == ("IV", "SV", "OCC", "DEF")  # from the OTB-2015 table


def test_more_boxes_than_images_names_gt_file(tmp_path):
    make_sequence(tmp_path, "Couple", range(1, 6), rows(7))
    with pytest.raises(DataError, match=r"Couple/groundtruth_rect\.txt: 7 boxes for 5 frames"):
        OTB(tmp_path)["Couple"]


def test_gap_in_frames_names_missing_file(tmp_path):
    make_sequence(tmp_path, "Couple", [1, 2, 4, 5], rows(4))
    with pytest.raises(DataError, match=r"Couple/img/0003\.jpg: frame image is missing"):
        OTB(tmp_path)["Couple"]


def test_bad_gt_line_names_file_and_line(tmp_path):
    make_sequence(tmp_path, "Couple", range(1, 4), rows(3))
    (tmp_path / "Couple" / "groundtruth_rect.txt").write_text("1,2,3,4\n1,2,x,4\n1,2,3,4\n")
    with pytest.raises(DataError, match=r"Couple/groundtruth_rect\.txt:2: cannot parse"):
        OTB(tmp_path)["Couple"]


def test_missing_root_and_version(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        OTB(tmp_path / "nowhere")
    with pytest.raises(ConfigError):
        OTB(tmp_path, version=2020)


def test_open_benchmark_registry_defaults(tmp_path):
    make_sequence(tmp_path, "Couple", range(1, 4), rows(3))
    assert open_benchmark("otb2013", root=tmp_path).version == 2013
    bench = open_benchmark("otb2015", root=tmp_path)
    assert bench.names == ["Couple"] and bench.result_layout == "otb"


def test_json_more_boxes_than_images_is_an_error(tmp_path):
    path = tmp_path / "OTB.json"
    path.write_text(json.dumps({"Couple": {"video_dir": "Couple", "img_names": ["Couple/img/0001.jpg"],
                                           "gt_rect": [[1, 2, 3, 4], [1, 2, 3, 4]], "attr": []}}))
    with pytest.raises(DataError, match=r"OTB\.json: Couple: 2 boxes for 1 images"):
        OTB(annotations=path)["Couple"]
