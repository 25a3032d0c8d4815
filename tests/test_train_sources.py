"""Training sources beyond the benchmarks (paper §4: VID + YT-BB; pysot's COCO and crop511), and mixes.

Every layout is built at test time from real OTB frames of ../shared/refdata (tests/train_source_layouts.py).
"""

from __future__ import annotations

import json
import math
import os
import pickle
import re
import shutil
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch
from click.testing import CliRunner

from crpnbench.commands.train import command
from crpnbench.data.coco import read_coco
from crpnbench.data.crop511 import read_crop511
from crpnbench.data.vid import read_vid
from crpnbench.data.ytbb import read_ytbb
from crpnbench.errors import ConfigError, DataError
from crpnbench.training.pairs import PairConfig, TrainingPairs, frame_box, valid_frames
from crpnbench.training.sources import TrainingData, TrainingSource, parse_data, parse_data_roots
from train_source_layouts import make_coco, make_crop511, make_vid, make_ytbb

MAKERS = {"vid": make_vid, "ytbb": make_ytbb, "coco": make_coco, "crop511": make_crop511}
READERS = {"vid": read_vid, "ytbb": read_ytbb, "coco": read_coco, "crop511": read_crop511}


@pytest.fixture(scope="module")
def layouts(refdata, tmp_path_factory):
    """Each layout built once: name -> (root, what the maker says the reader must give back)."""
    base = tmp_path_factory.mktemp("sources")
    return {name: (base / name, make(base / name, refdata)) for name, make in MAKERS.items()}


@pytest.fixture
def fresh(refdata, tmp_path):
    """A private copy of one layout to break: ``fresh("vid") -> (root, expected)``."""
    def build(name):
        root = tmp_path / name
        return root, MAKERS[name](root, refdata)
    return build


def _by_name(table):
    return {table.names[i]: table[i] for i in range(len(table))}


def _assert_boxes(sequence, expected):
    assert len(sequence) == len(expected)
    for i, box in enumerate(expected):
        if box is None:
            assert sequence.absent[i] and np.all(np.isnan(sequence.boxes[i]))
        else:
            assert not sequence.absent[i]
            np.testing.assert_array_equal(sequence.boxes[i], box)


# -- the readers ------------------------------------------------------------------------------


def test_vid_gives_back_the_boxes_and_absent_frames(layouts):
    root, expected = layouts["vid"]
    table = read_vid(root, workers=1)
    sequences = _by_name(table)
    assert sorted(sequences) == sorted(expected["boxes"])
    for name, boxes in expected["boxes"].items():
        _assert_boxes(sequences[name], boxes)  # exact: xmin + 1, xmax - xmin + 1
    intermittent = sequences["ILSVRC2015_train_00000000/01"]  # frames 1..4 of the video, 3 has no track 1
    assert intermittent.frame_paths[0].name == "000001.JPEG" and intermittent.frame_paths[0].is_file()
    assert table.skipped == {}  # occluded and generated boxes are kept by default (pysot)
    val = read_vid(root, subset="val")
    assert val.names == [expected["val"]] and len(val[0]) == 6


def test_vid_is_read_the_same_in_parallel_processes(refdata, tmp_path):
    """Many videos are parsed in spawned processes; the result does not depend on it."""
    make_vid(tmp_path, refdata)
    train = tmp_path / "Annotations" / "VID" / "train"
    source = sorted(train.glob("*/*"))[0]
    for k in range(70):  # enough videos for the process pool
        for kind, ext in (("Annotations", ".xml"), ("Data", ".JPEG")):
            folder = tmp_path / kind / "VID" / "train" / "ILSVRC2015_VID_train_0002" / f"copy{k:02d}"
            folder.mkdir(parents=True)
            for i in (0, 1):
                shutil.copy(tmp_path / kind / "VID" / "train" / source.relative_to(train) / f"{i:06d}{ext}", folder)
    serial, parallel = read_vid(tmp_path, workers=1), read_vid(tmp_path, workers=2)
    assert len(serial) == 3 + 70 * 2 and serial.names == parallel.names  # the copies hold tracks 0 and 1
    np.testing.assert_array_equal(serial.boxes, parallel.boxes)
    np.testing.assert_array_equal(serial.numbers, parallel.numbers)


def test_vid_occluded_and_generated_frames_can_be_left_out(layouts):
    root, expected = layouts["vid"]
    flags = expected["flags"]
    table = read_vid(root, occluded="skip", generated="skip", workers=1)
    sequence = _by_name(table)[flags["sequence"]]
    assert sequence.absent.tolist() == [i in (flags["occluded"], flags["generated"]) for i in range(6)]
    assert table.skipped == {"occluded frames not sampled": 1, "generated frames not sampled": 1}
    with pytest.raises(ConfigError, match="occluded= must be one of keep, skip"):
        read_vid(root, occluded="maybe")


def test_ytbb_segments_relative_boxes_absent_and_missing_frames(layouts):
    root, expected = layouts["ytbb"]
    table = read_ytbb(root)
    sequences = _by_name(table)
    assert sorted(sequences) == sorted(expected["boxes"])  # one per (youtube_id, class_id, object_id)
    assert table.skipped == {"present rows whose frame file is missing": expected["missing"]}
    for name, boxes in expected["boxes"].items():
        sequence = sequences[name]
        assert len(sequence) == len(boxes)
        for i, box in enumerate(boxes):
            if box is None:  # an absent row, or a present row whose frame was never decoded
                assert sequence.absent[i]
                continue
            image = sequence.frame(i)
            np.testing.assert_allclose(frame_box(sequence, i, image), box, atol=1e-9)
    assert sequences["crossingvid0+0+0"].frame_paths[3].name == "crossingvid0_6000_0_0.jpg"


def test_ytbb_reads_the_voc_convert_layout_too(layouts, tmp_path):
    root, expected = layouts["ytbb"]
    shutil.copy(root / "yt_bb_detection_train.csv", tmp_path / "yt_bb_detection_train.csv")
    images = tmp_path / "youtubebbdevkit" / "youtubebb2017" / "JPEGImages"
    images.mkdir(parents=True)
    for path in (root / "yt_bb_detection_train").rglob("*.jpg"):
        yt, ts, cls, obj = path.stem.rsplit("_", 3)
        shutil.copy(path, images / f"{yt}+{cls}+{obj}+{ts}.jpg")
    table = read_ytbb(tmp_path)
    pysot = read_ytbb(root)
    assert table.names == pysot.names and table.skipped == pysot.skipped
    np.testing.assert_array_equal(table.boxes, pysot.boxes)
    assert table[0].frame_paths[0].name == "crossingvid0+0+0+3000.jpg"


def test_coco_objects_are_one_frame_sequences(layouts):
    root, expected = layouts["coco"]
    table = read_coco(root)
    sequences = _by_name(table)
    assert sorted(sequences) == sorted(expected["boxes"])
    for name, boxes in expected["boxes"].items():
        _assert_boxes(sequences[name], boxes)  # exact: x + 1, y + 1, w, h
    assert table.skipped == {"crowd regions": expected["crowd"], "objects under 8 px": expected["small"]}
    assert len(read_coco(root, min_size=0)) == len(table) + 1  # pysot's rule keeps the 3 x 3 object


def test_coco_pairs_come_from_the_one_frame(layouts):
    root, _ = layouts["coco"]
    pairs = TrainingPairs(read_coco(root), 3, PairConfig(blur_probability=0, color_probability=0,
                                                         gray_probability=0), seed=2)
    for index in range(3):
        pair = pairs.sample(index)
        assert pair["frames"] == (0, 0)
        cx, cy, w, h = pair["box"]
        assert abs(cx - 127) <= 64 + 1e-3 and abs(cy - 127) <= 64 + 1e-3 and w > 0 and h > 0
        assert pair["template"].shape == (127, 127, 3) and pair["search"].shape == (255, 255, 3)


def test_crop511_box_is_pysots_get_bbox(layouts):
    root, expected = layouts["crop511"]
    table = read_crop511(root)
    assert table.names == ["otb/Couple/00", "otb/Crossing/00", "otb/Crossing/01"]
    assert table.skipped == {"zero-size boxes not sampled": expected["zero"]}
    couple = table[0]  # frames 0-3 and the zero-width frame 9, which is never sampled
    assert valid_frames(couple).tolist() == [0, 1, 2, 3] and couple.boxes[4][2] == 0
    for k, name in enumerate(table.names):
        sequence = table[k]
        for i, (original, (x1, y1, x2, y2)) in enumerate(expected["originals"][name]):
            w, h = x2 - x1, y2 - y1  # pysot _get_bbox: size from the original box, centre imw // 2
            s_z = math.sqrt((w + 0.5 * (w + h)) * (h + 0.5 * (w + h)))
            cw, ch = w * 127 / s_z, h * 127 / s_z
            corners = np.array([255 - cw / 2, 255 - ch / 2, 255 + cw / 2, 255 + ch / 2])  # center2corner
            box = sequence.boxes[i]
            np.testing.assert_allclose([box[0] - 1.5, box[1] - 1.5, box[0] - 1.5 + box[2], box[1] - 1.5 + box[3]],
                                       corners, atol=1e-9)
            # the crop really shows the target there: compare with the original target, resized
            crop = sequence.frame(i)
            assert crop.shape == (511, 511, 3)
            left, top = int(round(box[0] - 1)), int(round(box[1] - 1))  # 0-based
            inner = crop[top:top + int(round(box[3])), left:left + int(round(box[2]))]
            target = original[int(round(y1)):int(round(y2)), int(round(x1)):int(round(x2))]
            target = cv2.resize(target, (inner.shape[1], inner.shape[0]), interpolation=cv2.INTER_AREA)
            assert np.corrcoef(inner.astype(float).ravel(), target.astype(float).ravel())[0, 1] > 0.9


# -- mixing ------------------------------------------------------------------------------------


def _mix(layouts, weights):
    sources = []
    for (name, weight), gap in zip(weights.items(), (7, None, 1)):
        root, _ = layouts[name]
        sources.append(TrainingSource(name, name, root, weight, gap, READERS[name](root)))
    return TrainingData(sources, spec=",".join(f"{n}:{w}" for n, w in weights.items()))


def test_a_pair_picks_its_source_by_weight(layouts):
    weights = {"vid": 0.6, "ytbb": 0.3, "coco": 0.1}
    pairs = TrainingPairs(_mix(layouts, weights), 6000, seed=4)
    draws = [pairs.choose(i) for i in range(6000)]
    for name, weight in weights.items():
        share = np.mean([d["source"] == name for d in draws])
        assert share == pytest.approx(weight, abs=0.025), (name, share)
    gaps = {"vid": 7, "ytbb": 3, "coco": 1}  # vid: given; ytbb: the run's frame_gap (3 here); coco: 1
    pairs = TrainingPairs(_mix(layouts, weights), 2000, PairConfig(frame_gap=3), seed=4)
    for draw in (pairs.choose(i) for i in range(2000)):
        t, s = draw["frames"]
        assert abs(t - s) <= gaps[draw["source"]]
    described = pairs.describe()["sources"]
    assert [s["frame_gap"] for s in described] == [7, 3, 1]
    assert [s["weight"] for s in described] == [0.6, 0.3, 0.1]


def test_one_source_draws_what_a_plain_list_draws(refdata, layouts):
    from crpnbench.training.pairs import otb_folder_sequence

    sequences = [otb_folder_sequence(refdata / "otb" / "seqs" / n) for n in ("Couple", "Crossing")]
    plain = TrainingPairs(sequences, 4, PairConfig(frame_gap=5), seed=9)
    wrapped = TrainingPairs(TrainingData([TrainingSource("otb", "otb2015", None, 1.0, None, sequences)]), 4,
                            PairConfig(frame_gap=5), seed=9)
    for index in range(4):
        a, b = plain.sample(index), wrapped.sample(index)
        assert a["frames"] == b["frames"] and a["sequence"] == b["sequence"]
        np.testing.assert_array_equal(a["search"], b["search"])
        np.testing.assert_array_equal(a["box"], b["box"])


def test_a_mixed_epoch_is_the_same_in_any_worker(layouts):
    """What a spawned DataLoader worker gets is a pickled copy; each pair depends only on (seed, epoch, index)."""
    pairs = TrainingPairs(_mix(layouts, {"vid": 1, "ytbb": 1, "coco": 1}), 6, seed=1)
    pairs.set_epoch(3)
    forward = [pairs.sample(i) for i in range(6)]
    copy = pickle.loads(pickle.dumps(pairs))
    for index in reversed(range(6)):
        again = copy.sample(index)
        assert again["source"] == forward[index]["source"] and again["frames"] == forward[index]["frames"]
        np.testing.assert_array_equal(again["search"], forward[index]["search"])
    assert len({p["source"] for p in forward}) >= 2


def test_mixed_loader_batches_are_the_same_with_a_worker(layouts):
    from crpnbench.training.pairs import make_loader

    pairs = TrainingPairs(_mix(layouts, {"vid": 1, "ytbb": 1, "coco": 1}), 4, seed=3)
    pairs.set_epoch(1)
    in_process = list(make_loader(pairs, batch_size=2, workers=0))
    with_worker = list(make_loader(pairs, batch_size=2, workers=1))  # a spawned process (~3 s)
    for a, b in zip(in_process, with_worker, strict=True):
        assert torch.equal(a["search"], b["search"]) and torch.equal(a["box"], b["box"])


# -- the --data and --data-root grammar --------------------------------------------------------


def test_data_grammar():
    one, two = parse_data("vid:3:gap=50:occluded=skip, y=crop511:gap=3")
    assert (one.label, one.name, one.weight, one.frame_gap, one.options) == ("vid", "vid", 3.0, 50, {"occluded": "skip"})
    assert (two.label, two.name, two.weight, two.frame_gap) == ("y", "crop511", 1.0, 3)
    assert [r.label for r in parse_data("lasot")] == ["lasot"]
    assert parse_data_roots(("DIR",), ["vid"])["vid"].name == "DIR"
    roots = parse_data_roots(("vid=/a", "ytbb=/b=c"), ["vid", "ytbb"])
    assert str(roots["vid"]) == "/a" and str(roots["ytbb"]) == "/b=c"
    assert parse_data_roots((), ["vid", "ytbb"]) == {}


@pytest.mark.parametrize("spec, message", [
    ("vid:0", "weight must be a positive number"),
    ("vid:x", "weight must be a positive number"),
    ("vid:1:2", "more than one weight"),
    ("vid:gap=-1", "gap must be a whole number"),
    ("vid:min_size=3", "unknown option 'min_size'"),
    ("vid,vid", "appears twice"),
    ("vid,,ytbb", "empty entry"),
    ("imagenet", "unknown training data 'imagenet'"),
])
def test_bad_data_specs_are_one_config_error(spec, message):
    with pytest.raises(ConfigError, match=message):
        parse_data(spec)


def test_bad_data_roots_are_one_config_error():
    with pytest.raises(ConfigError, match="ambiguous with sources vid, ytbb"):
        parse_data_roots(("DIR",), ["vid", "ytbb"])
    with pytest.raises(ConfigError, match="'coco' is not a source"):
        parse_data_roots(("coco=DIR",), ["vid", "ytbb"])
    with pytest.raises(ConfigError, match="given twice"):
        parse_data_roots(("vid=A", "vid=B"), ["vid", "ytbb"])


# -- one training epoch through the CLI ---------------------------------------------------------


def _train(run_dir, *data_args):
    torch.set_num_threads(1)
    args = ["--tracker", "crpn-small", *data_args, "--epochs", "1", "--pairs-per-epoch", "4",
            "--batch-size", "2", "--run-dir", str(run_dir), "--device", "cpu", "--quiet"]
    result = CliRunner().invoke(command, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "trained 1 epoch(s), 4 pairs" in result.output
    return torch.load(run_dir / "model.pt", map_location="cpu", weights_only=False)


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_one_epoch_per_source(layouts, tmp_path, name):
    root, _ = layouts[name]
    state = _train(tmp_path / "run", "--dataset", name, "--data-root", str(root))
    (source,) = state["data"]["sources"]
    assert source["name"] == name and source["sequences"] == len(READERS[name](root)) and source["weight"] == 1.0


def test_mixed_run_records_its_sources_in_the_checkpoint(layouts, tmp_path):
    state = _train(tmp_path / "run", "--dataset", "vid:0.75,ytbb:0.25",
                   "--data-root", f"vid={layouts['vid'][0]}", "--data-root", f"ytbb={layouts['ytbb'][0]}")
    data = state["data"]
    assert json.loads(json.dumps(data)) == data  # plain JSON
    assert data["spec"] == "vid:0.75,ytbb:0.25"
    assert [(s["name"], s["weight"], s["frame_gap"]) for s in data["sources"]] == [("vid", 0.75, 100), ("ytbb", 0.25, 3)]
    assert data["sources"][1]["skipped"] == {"present rows whose frame file is missing": 1}
    assert data["sources"][0]["root"] == os.path.abspath(layouts["vid"][0])


# -- bad input: one DataError naming the file (and line) ------------------------------------------


def E(path) -> str:
    return re.escape(str(path))


def _first_xml(root):
    return sorted((root / "Annotations" / "VID" / "train").rglob("000002.xml"))[0]


def _break(root, name):
    """Break one thing in layout ``name`` under ``root``; returns (reader call, expected message pattern)."""
    if name == "vid-xml":
        xml = _first_xml(root)
        xml.write_text(xml.read_text().replace("</bndbox>", "</bndbx>", 1))
        return lambda: read_vid(root, workers=1), rf"{E(xml)}:\d+: malformed XML \(mismatched tag\)"
    if name == "vid-inverted":
        xml = _first_xml(root)
        text = xml.read_text()
        xmin = text.split("<xmin>")[1].split("<")[0]
        xml.write_text(text.replace(f"<xmin>{xmin}<", "<xmin>999<", 1))
        line = text.splitlines().index(next(row for row in text.splitlines() if "<xmax>" in row)) + 1
        return lambda: read_vid(root, workers=1), rf"{E(xml)}:{line}: xmax \d+ < xmin 999"
    if name == "vid-frame":
        jpeg = sorted((root / "Data" / "VID" / "train").rglob("000003.JPEG"))[0]
        jpeg.unlink()
        return lambda: read_vid(root, workers=1), rf"{E(jpeg)}: frame image is missing"
    if name == "ytbb-number":
        csv = root / "yt_bb_detection_train.csv"
        lines = csv.read_text().splitlines()
        lines[3] = lines[3].replace(",present,", ",present,zero,", 1).rsplit(",", 1)[0]
        csv.write_text("\n".join(lines) + "\n")
        return lambda: read_ytbb(root), rf"{E(csv)}:4: xmin is not a number: 'zero'"
    if name == "ytbb-inverted":
        csv = root / "yt_bb_detection_train.csv"
        lines = csv.read_text().splitlines()
        fields = lines[5].split(",")
        fields[6], fields[7] = fields[7], fields[6]
        lines[5] = ",".join(fields)
        csv.write_text("\n".join(lines) + "\n")
        return lambda: read_ytbb(root), rf"{E(csv)}:6: xmax < xmin or ymax < ymin"
    if name == "ytbb-fields":
        csv = root / "yt_bb_detection_train.csv"
        csv.write_text(csv.read_text() + "shortrow,1000,0\n")
        count = len(csv.read_text().splitlines())
        return lambda: read_ytbb(root), rf"{E(csv)}:{count}: expected 10 comma-separated fields, found 3"
    if name == "ytbb-long":
        csv = root / "yt_bb_detection_train.csv"
        lines = csv.read_text().splitlines()
        lines[1] += ",7"
        csv.write_text("\n".join(lines) + "\n")
        return lambda: read_ytbb(root), rf"{E(csv)}:2: expected 10 comma-separated fields, found 11"
    if name == "coco-json":
        path = root / "annotations" / "instances_train2017.json"
        path.write_text(path.read_text()[:-20])
        return lambda: read_coco(root), rf"{E(path)}:1: invalid JSON"
    if name == "coco-negative":
        path = root / "annotations" / "instances_train2017.json"
        path.write_text(path.read_text().replace('"bbox": [50.0, 46.0, 25.0', '"bbox": [50.0, 46.0, -25.0', 1))
        return lambda: read_coco(root), rf"{E(path)}: annotations\[0\] \(id 101\): bbox .* negative"
    if name == "coco-image":
        image = root / "train2017" / "000000000003.jpg"
        image.unlink()
        return lambda: read_coco(root), rf"{E(image)}: image file is missing"
    if name == "crop511-json":
        path = root / "train.json"
        lines = path.read_text().splitlines()
        lines[6] = lines[6].rstrip(",")  # a missing comma on line 7
        path.write_text("\n".join(lines))
        return lambda: read_crop511(root), rf"{E(path)}:8: invalid JSON: Expecting ',' delimiter"
    if name == "crop511-inverted":
        path = root / "train.json"
        text = path.read_text()
        lines = text.splitlines()
        line = lines.index(next(row for row in lines if '"000002"' in row)) + 1  # Couple/00 comes first
        lines[line] = "                900.0,"  # its x1, now right of x2
        path.write_text("\n".join(lines))
        return lambda: read_crop511(root), rf"{E(path)}:{line}: otb/Couple/00/000002: box .* x2 < x1"
    if name == "crop511-root":
        return lambda: read_crop511(root / "nowhere"), rf"{E(root / 'nowhere')}: crop data root does not exist"
    if name == "vid-root":
        return lambda: read_vid(root / "nowhere"), rf"{E(root / 'nowhere')}: ILSVRC2015 VID folder does not exist"
    raise AssertionError(name)


BROKEN = ["vid-xml", "vid-inverted", "vid-frame", "vid-root", "ytbb-number", "ytbb-inverted", "ytbb-fields", "ytbb-long",
          "coco-json", "coco-negative", "coco-image", "crop511-json", "crop511-inverted", "crop511-root"]


@pytest.mark.parametrize("broken", BROKEN)
def test_bad_input_is_one_data_error_naming_file_and_line(fresh, broken):
    root, _ = fresh(broken.split("-")[0])
    read, pattern = _break(root, broken)
    with pytest.raises(DataError, match=pattern) as error:
        read()
    assert "\n" not in str(error.value)


def test_a_missing_crop_is_named_when_it_is_drawn(fresh):
    root, _ = fresh("crop511")
    crop = root / "crop511" / "otb" / "Couple" / "000001.00.x.jpg"
    crop.unlink()
    pairs = TrainingPairs(read_crop511(root), 1, PairConfig(frame_gap=0))
    sequence = pairs.pools[0].table[0]
    with pytest.raises(DataError, match=rf"{E(crop)}: frame image is missing"):
        sequence.frame(1)


@pytest.mark.parametrize("broken, data", [("vid-xml", "vid"), ("ytbb-inverted", "vid:1,ytbb:1")])
def test_cli_reports_bad_annotations_in_one_line_with_exit_code_2(fresh, broken, data, tmp_path):
    root, _ = fresh(broken.split("-")[0])
    _, pattern = _break(root, broken)
    roots = ["--data-root", str(root)] if data == "vid" else \
        ["--data-root", f"vid={fresh('vid')[0]}", "--data-root", f"ytbb={root}"]
    run = subprocess.run([sys.executable, "-m", "crpnbench", "train", "--dataset", data, *roots, "--epochs", "1",
                          "--run-dir", str(tmp_path / "run"), "--device", "cpu", "--quiet"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in run.stderr
    assert lines[0].startswith("Error: ")
    assert re.search(pattern, lines[0]), lines[0]
