"""Tiny training-data folders in the published layouts (VID, YT-BB, COCO, pysot crop511), built at test
time from real OTB frames in ../shared/refdata (never copied into the repository).

Each ``make_*`` writes the layout under a folder and returns what a reader must give back:
``{sequence name: (list of 1-based x,y,w,h boxes or None for absent frames)}`` plus extras.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import cv2
import numpy as np

from crpnbench.data.textio import read_boxes

FRAMES = 6


def otb(refdata: Path, name: str, count: int = FRAMES) -> tuple[list[np.ndarray], np.ndarray]:
    """The first ``count`` frames (BGR) and 1-based boxes of an OTB sequence."""
    folder = refdata / "otb" / "seqs" / name
    boxes = read_boxes(folder / "groundtruth_rect.txt")[:count]
    images = [cv2.imread(str(folder / "img" / f"{i:04d}.jpg")) for i in range(1, count + 1)]
    return images, boxes


# -- ILSVRC2015 VID -------------------------------------------------------------------------

_VID_OBJECT = """	<object>
		<trackid>{track}</trackid>
		<name>n00007846</name>
		<bndbox>
			<xmax>{xmax}</xmax>
			<xmin>{xmin}</xmin>
			<ymax>{ymax}</ymax>
			<ymin>{ymin}</ymin>
		</bndbox>
		<occluded>{occluded}</occluded>
		<generated>{generated}</generated>
	</object>
"""


def vid_xml(folder: str, frame: int, size: tuple[int, int], objects: list[dict]) -> str:
    """A VID annotation; ``objects`` hold ``track``, a 1-based ``box`` and the two flags."""
    body = "".join(
        _VID_OBJECT.format(track=o["track"], xmin=int(o["box"][0] - 1), ymin=int(o["box"][1] - 1),
                           xmax=int(o["box"][0] - 1 + o["box"][2] - 1), ymax=int(o["box"][1] - 1 + o["box"][3] - 1),
                           occluded=int(o.get("occluded", 0)), generated=int(o.get("generated", 0)))
        for o in objects)
    return (f"<annotation>\n\t<folder>{folder}</folder>\n\t<filename>{frame:06d}</filename>\n"
            f"\t<source>\n\t\t<database>ILSVRC_2015</database>\n\t</source>\n"
            f"\t<size>\n\t\t<width>{size[0]}</width>\n\t\t<height>{size[1]}</height>\n\t</size>\n"
            f"{body}</annotation>\n")


def make_vid(root: Path, refdata: Path) -> dict:
    """Two train videos in two chunks (Couple with a second, intermittent track; Crossing) and one val video.

    Couple frame 2 is ``occluded``, frame 3 ``generated``; track 1 is in Couple frames 1, 2 and 4.
    """
    expected: dict[str, list] = {}
    flags = {}
    videos = [("train", "ILSVRC2015_VID_train_0000", "ILSVRC2015_train_00000000", "Couple"),
              ("train", "ILSVRC2015_VID_train_0001", "ILSVRC2015_train_00001000", "Crossing"),
              ("val", "", "ILSVRC2015_val_00000000", "Football1")]
    for subset, chunk, video, seq in videos:
        relative = Path(chunk) / video if chunk else Path(video)
        annotations = root / "Annotations" / "VID" / subset / relative
        data = root / "Data" / "VID" / subset / relative
        annotations.mkdir(parents=True)
        data.mkdir(parents=True)
        images, boxes = otb(refdata, seq)
        second = {1: None, 2: None, 4: None}
        for i, (image, box) in enumerate(zip(images, boxes)):
            cv2.imwrite(str(data / f"{i:06d}.JPEG"), image)
            objects = [{"track": 0, "box": box, "occluded": seq == "Couple" and i == 2,
                        "generated": seq == "Couple" and i == 3}]
            if seq == "Couple" and i in second:
                other = box + np.array([30, 20, -4, -10])
                second[i] = other
                objects.append({"track": 1, "box": other})
            size = (image.shape[1], image.shape[0])
            (annotations / f"{i:06d}.xml").write_text(vid_xml(str(relative), i, size, objects))
        if subset == "train":
            expected[f"{video}/00"] = list(boxes)
        if seq == "Couple":
            expected[f"{video}/01"] = [second[1], second[2], None, second[4]]
            flags = {"sequence": f"{video}/00", "occluded": 2, "generated": 3}
    return {"boxes": expected, "flags": flags, "val": "ILSVRC2015_val_00000000/00"}


# -- YouTube-BB -----------------------------------------------------------------------------


def make_ytbb(root: Path, refdata: Path) -> dict:
    """pysot/youtube-bb-utility layout: three segments (two share a video), rows interleaved in the CSV.

    Segment ``crossingvid0+0+0`` (Crossing): row 2 ``absent``, row 4 ``present`` but its frame is not on
    disk; ``crossingvid0+0+1``: the same video, another object; ``football-vid+7+0`` (Football1, class 7).
    """
    dset = root / "yt_bb_detection_train"
    rows, expected = [], {}
    segments = [("crossingvid0", 0, "person", 0, "Crossing", np.zeros(4)),
                ("crossingvid0", 0, "person", 1, "Crossing", np.array([40, 5, -5, -10])),
                ("football-vid", 7, "dog", 0, "Football1", np.zeros(4))]
    for yt, cls, cname, obj, seq, shift in segments:
        images, boxes = otb(refdata, seq, 5 if obj == 0 else 3)
        (dset / str(cls)).mkdir(parents=True, exist_ok=True)
        name = f"{yt}+{cls}+{obj}"
        expected[name] = []
        for i, (image, box) in enumerate(zip(images, boxes)):
            box = box + shift
            ts = 3000 + 1000 * i
            height, width = image.shape[:2]
            absent = seq == "Crossing" and obj == 0 and i == 2
            missing = seq == "Crossing" and obj == 0 and i == 4
            if absent:
                rows.append((i, f"{yt},{ts},{cls},{cname},{obj},absent,-1.0,-1.0,-1.0,-1.0"))
            else:
                x0, y0 = float(box[0] - 1) / width, float(box[1] - 1) / height
                x1, y1 = float(box[0] - 1 + box[2]) / width, float(box[1] - 1 + box[3]) / height
                rows.append((i, f"{yt},{ts},{cls},{cname},{obj},present,{x0!r},{x1!r},{y0!r},{y1!r}"))
            if not (absent or missing):
                cv2.imwrite(str(dset / str(cls) / f"{yt}_{ts}_{cls}_{obj}.jpg"), image)
            expected[name].append(None if absent or missing else box)
    rows.sort(key=lambda r: r[0])  # interleave the segments, as the real CSV does not group them
    (root / "yt_bb_detection_train.csv").write_text("".join(r + "\n" for _, r in rows))
    return {"boxes": expected, "missing": 1}


# -- COCO -----------------------------------------------------------------------------------


def make_coco(root: Path, refdata: Path) -> dict:
    """Two images per OTB sequence, each with its target; plus a crowd region and a 3 x 3 object."""
    (root / "annotations").mkdir(parents=True)
    (root / "train2017").mkdir()
    images, annotations, expected = [], [], {}
    for seq in ("Couple", "Crossing", "Football1"):
        frames, boxes = otb(refdata, seq, 2)
        for frame, box in zip(frames, boxes):
            image_id = len(images) + 1
            file_name = f"{image_id:012d}.jpg"
            cv2.imwrite(str(root / "train2017" / file_name), frame)
            images.append({"id": image_id, "file_name": file_name, "width": frame.shape[1], "height": frame.shape[0]})
            ann_id = 100 + image_id
            x, y, w, h = (float(v) for v in box)
            annotations.append({"id": ann_id, "image_id": image_id, "category_id": 1, "iscrowd": 0,
                                "bbox": [x - 1, y - 1, w, h], "area": w * h})
            expected[f"{image_id:012d}/{ann_id}"] = [box]
    annotations.append({"id": 900, "image_id": 1, "category_id": 1, "iscrowd": 1, "bbox": [0, 0, 50, 50]})
    annotations.append({"id": 901, "image_id": 2, "category_id": 1, "iscrowd": 0, "bbox": [5.0, 5.0, 3.0, 3.0]})
    (root / "annotations" / "instances_train2017.json").write_text(
        json.dumps({"images": images, "annotations": annotations, "categories": [{"id": 1, "name": "thing"}]}))
    return {"boxes": expected, "crowd": 1, "small": 1}


# -- pysot crop511 --------------------------------------------------------------------------


def pysot_crop(image: np.ndarray, corners, out_size: int = 511) -> np.ndarray:
    """A search crop the way pysot's ``par_crop.py`` cuts it (SiamFC context 0.5, exemplar 127)."""
    x1, y1, x2, y2 = corners
    cx, cy, w, h = (x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1
    pad = 0.5 * (w + h)
    s_z = math.sqrt((w + pad) * (h + pad))
    s_x = s_z * out_size / 127
    a = (out_size - 1) / s_x
    mapping = np.array([[a, 0, -a * (cx - s_x / 2)], [0, a, -a * (cy - s_x / 2)]])
    mean = tuple(float(v) for v in image.reshape(-1, 3).mean(axis=0))
    return cv2.warpAffine(image, mapping, (out_size, out_size), borderMode=cv2.BORDER_CONSTANT, borderValue=mean)


def make_crop511(root: Path, refdata: Path, count: int = 4) -> dict:
    """Crops of Couple (track 00) and Crossing (tracks 00, 01) in pysot's layout and ``train.json``.

    The JSON boxes are the original frames' ``[x1, y1, x2, y2]`` with ``x1 = x - 1``, ``x2 = x - 1 + w``.
    Couple's track also lists a zero-width box (frame 000009, no crop: never sampled).
    """
    labels, originals = {}, {}
    for video, seq, tracks in (("otb/Couple", "Couple", {"00": np.zeros(4)}),
                               ("otb/Crossing", "Crossing", {"00": np.zeros(4), "01": np.array([25, 0, -4, -15])})):
        images, boxes = otb(refdata, seq, count)
        folder = root / "crop511" / video
        folder.mkdir(parents=True)
        labels[video] = {}
        for track, shift in tracks.items():
            labels[video][track] = {}
            originals[f"{video}/{track}"] = []
            for i, (image, box) in enumerate(zip(images, boxes)):
                x, y, w, h = (float(v) for v in box + shift)
                corners = [x - 1, y - 1, x - 1 + w, y - 1 + h]
                cv2.imwrite(str(folder / f"{i:06d}.{track}.x.jpg"), pysot_crop(image, corners))
                labels[video][track][f"{i:06d}"] = corners
                originals[f"{video}/{track}"].append((image, corners))
    labels["otb/Couple"]["00"]["000009"] = [10, 10, 10, 30]
    (root / "train.json").write_text(json.dumps(labels, indent=4, sort_keys=True))
    return {"originals": originals, "zero": 1}


__all__ = ["FRAMES", "make_coco", "make_crop511", "make_vid", "make_ytbb", "otb", "pysot_crop", "vid_xml"]
