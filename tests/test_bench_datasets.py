"""OTB-50, UAV123/UAV20L, NfS, TC128, LaSOT extension and VOT2019 on small fixtures in their published layouts,
built in tmp_path from real frames (refdata OTB Couple/Crossing, VOT bag) and real OTB boxes re-laid out."""

from __future__ import annotations

import numpy as np
import pytest

from crpnbench.data import BENCHMARKS, open_benchmark
from crpnbench.errors import DataError

GOT10K_DATASETS = "got10k.datasets"


def otb_frames(refdata, name):
    return sorted((refdata / "otb" / "seqs" / name / "img").glob("*.jpg"))


def otb_boxes(refdata, name):
    text = (refdata / "otb" / "seqs" / name / "groundtruth_rect.txt").read_text()
    return np.array([[float(v) for v in line.replace("\t", ",").split(",")] for line in text.splitlines() if line])


def link_frames(folder, images, count, pattern):
    """``count`` numbered links in ``folder`` to the real ``images`` (cycled when there are fewer)."""
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(1, count + 1):
        (folder / pattern.format(number)).symlink_to(images[(number - 1) % len(images)])


def write_rows(path, rows, fmt="{:.2f}"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(",".join("NaN" if np.isnan(v) else fmt.format(v) for v in row) + "\n" for row in rows))


def cycled(boxes, count):
    return np.vstack([boxes[i % len(boxes)] for i in range(count)])


def test_catalog_lists_every_benchmark_once():
    from crpnbench.data.survey import survey_datasets

    for name in ("got10k-val", "got10k-test", "got10k", "otb50", "uav123", "uav20l", "nfs30", "nfs240", "tc128",
                 "lasot-ext", "vot2019"):
        assert name in BENCHMARKS
    assert BENCHMARKS["got10k"].alias_of == "got10k-val" and BENCHMARKS["vot2019"].eao_interval == (46, 291)
    names = [s.name for s in survey_datasets("/nonexistent-datasets-dir")]
    assert "got10k-val" in names and "got10k" not in names and len(names) == len(set(names))


# ---------------------------------------------------------------------------------------- OTB-50

def test_otb50_and_otb2013_are_the_toolkit_lists(refdata):
    from crpnbench.data.otb import OTB2013_SEQUENCES
    from crpnbench.data.otb_subsets import OTB50_SEQUENCES

    def listed(name):
        return [line.split("\t")[0] for line in (refdata / "otb" / "lists" / name).read_text().splitlines() if line]

    assert list(OTB50_SEQUENCES) == listed("tb_50.txt")
    assert list(OTB2013_SEQUENCES) == listed("cvpr13.txt")


def test_otb50_scores_are_the_otb100_per_sequence_mean(refdata):
    from crpnbench.scoring import score_folder

    json_file = refdata / "otb" / "json" / "OTB100.json"
    bench = open_benchmark("otb50", annotations=json_file)
    assert len(bench) == 50 and bench.name == "otb50" and bench["Human4-2"].frame_paths[0].parent.name == "img"
    results = refdata / "otb" / "results"
    _, otb50 = score_folder("otb50", results, annotations=json_file, trackers=["DaSiamRPN"])
    _, otb100 = score_folder("otb2015", results, annotations=json_file, trackers=["DaSiamRPN"])
    per_seq = otb100.trackers["DaSiamRPN"].per_sequence
    assert otb50.trackers["DaSiamRPN"].metrics["success"] == pytest.approx(
        per_seq.loc[list(bench.names), "success"].mean(), abs=1e-12)


# ---------------------------------------------------------------------------------------- UAV123 / UAV20L

@pytest.fixture
def uav_root(refdata, tmp_path):
    """data_seq/UAV123/bird1/ (2437 frames: links to Couple's) + anno/UAV123/bird1_{1,2,3}.txt + anno/UAV20L/bird1.txt."""
    from crpnbench.data.uav import UAV_RANGES

    root = tmp_path / "UAV123"
    link_frames(root / "data_seq" / "UAV123" / "bird1", otb_frames(refdata, "Couple"), 2437, "{:06d}.jpg")
    boxes = cycled(otb_boxes(refdata, "Couple"), 2437)
    boxes[[799, 800, 801]] = np.nan  # target out of view in frames 800-802 (bird1_2's rows 26-28)
    for version in ("UAV123", "UAV20L"):
        for name, (folder, first, last) in UAV_RANGES[version].items():
            if folder == "bird1":
                write_rows(root / "anno" / version / f"{name}.txt", boxes[first - 1:last])
    for extra in ("configSeqs.m", "README.txt"):
        (root / extra).write_text("")
    return root


def test_uav_sub_sequences_share_the_frame_folder(uav_root):
    uav = open_benchmark("uav123", root=uav_root)
    assert uav.names == ["bird1_1", "bird1_2", "bird1_3"] and "bike1" in uav.missing
    seq = uav["bird1_2"]
    assert len(seq) == 703 and seq.frame_paths[0].name == "000775.jpg" and seq.frame_paths[-1].name == "001477.jpg"
    assert seq.start_frame == 775 and np.flatnonzero(seq.absent).tolist() == [25, 26, 27]
    assert np.isnan(seq.boxes[25:28]).all() and np.isfinite(seq.boxes[28]).all()
    long = open_benchmark("uav20l", root=uav_root)
    assert long.names == ["bird1"] and len(long["bird1"]) == 2437


def test_uav_matches_the_got10k_package(uav_root):
    datasets = pytest.importorskip(GOT10K_DATASETS)
    theirs = datasets.UAV123(str(uav_root), version="UAV123")
    ours = open_benchmark("uav123", root=uav_root)
    for name in theirs.seq_names:
        files, anno = theirs[name]
        assert [str(p) for p in ours[name].frame_paths] == files
        np.testing.assert_array_equal(ours[name].boxes, anno)


def test_uav_ranges_are_configseqs(refdata):
    """The built-in ranges equal got10k's uav123.json (converted from the toolkit's configSeqs.m)."""
    import json
    from importlib.util import find_spec

    from crpnbench.data.uav import UAV_RANGES

    spec = find_spec("got10k")
    if spec is None:
        pytest.skip("got10k package not installed")
    from pathlib import Path

    metas = json.loads((Path(spec.origin).parent / "datasets" / "uav123.json").read_text())
    for version in ("UAV123", "UAV20L"):
        assert list(UAV_RANGES[version]) == list(metas[version])
        assert UAV_RANGES[version] == {n: (m["folder_name"], m["start_frame"], m["end_frame"])
                                       for n, m in metas[version].items()}


def test_uav_bad_input(uav_root):
    for number in range(2401, 2438):
        (uav_root / "data_seq" / "UAV123" / "bird1" / f"{number:06d}.jpg").unlink()
    with pytest.raises(DataError, match=r"bird1: bird1_3 spans frames 1573-2437, past the last frame 2400"):
        open_benchmark("uav123", root=uav_root)["bird1_3"]
    anno = uav_root / "anno" / "UAV123" / "bird1_1.txt"
    lines = anno.read_text().splitlines()
    anno.write_text("\n".join(lines[:9] + ["NaN,3,4,5"] + lines[10:]) + "\n")
    with pytest.raises(DataError, match=r"bird1_1\.txt:10: row has some but not all values NaN"):
        open_benchmark("uav123", root=uav_root)["bird1_1"]
    anno.write_text("\n".join(lines[:-1]) + "\n")
    with pytest.raises(DataError, match=r"bird1_1\.txt: 252 boxes, but bird1_1 is frames 1-253"):
        open_benchmark("uav123", root=uav_root)["bird1_1"]
    anno.write_text("\n".join(lines[:4] + ["1,2,3"] + lines[5:]) + "\n")
    with pytest.raises(DataError, match=r"bird1_1\.txt:5: expected 4 values"):
        open_benchmark("uav123", root=uav_root)["bird1_1"]


def test_uav_nan_frames_count_as_failures(uav_root, tmp_path):
    from crpnbench.scoring import score_folder

    uav = open_benchmark("uav123", root=uav_root)
    seq = uav["bird1_2"]
    pred = seq.boxes.copy()
    pred[seq.absent] = pred[24]  # a tracker still outputs a box where the target is gone
    write_rows(tmp_path / "results" / "Perfect" / "bird1_2.txt", pred, "{:.4f}")
    _, report = score_folder("uav123", tmp_path / "results", data_root=uav_root, sequences=["bird1_2"])
    # IoU 1 passes 20 of the 21 thresholds; the 3 NaN-GT frames stay in the denominator as misses
    assert report.trackers["Perfect"].metrics["success"] == pytest.approx(20 / 21 * 700 / 703)


# ---------------------------------------------------------------------------------------- NfS

NFS_NAME = "walking"  # a real NfS sequence name (NFS_SEQUENCES); the frames are OTB Crossing's


@pytest.fixture
def nfs_root(refdata, tmp_path):
    """Crossing's 120 frames as the '240 fps' video of NfS 'walking'; its 30 fps version = every 8th frame (15)."""
    root, images = tmp_path / "NfS", otb_frames(refdata, "Crossing")
    boxes = otb_boxes(refdata, "Crossing")
    rows = "".join(f'1 {x:.0f} {y:.0f} {x + w:.0f} {y + h:.0f} {i} 0 0 0 "person"\n'
                   for i, (x, y, w, h) in enumerate(boxes))
    for fps, chosen in ((240, images), (30, images[::8])):
        link_frames(root / NFS_NAME / str(fps) / NFS_NAME, chosen, len(chosen), "{:05d}.jpg")
        (root / NFS_NAME / str(fps) / f"{NFS_NAME}.txt").write_text(rows)
    return root


def test_nfs_30_takes_every_8th_row_of_the_240_annotation(refdata, nfs_root):
    boxes = otb_boxes(refdata, "Crossing")
    nfs240, nfs30 = open_benchmark("nfs240", root=nfs_root), open_benchmark("nfs30", root=nfs_root)
    assert nfs240.names == nfs30.names == [NFS_NAME]
    np.testing.assert_array_equal(nfs240[NFS_NAME].boxes, boxes)
    assert len(nfs30[NFS_NAME]) == 15
    np.testing.assert_array_equal(nfs30[NFS_NAME].boxes, boxes[::8])
    assert nfs30[NFS_NAME].frame_paths[1].resolve() == otb_frames(refdata, "Crossing")[8].resolve()


def test_nfs_matches_the_got10k_package(nfs_root):
    datasets = pytest.importorskip(GOT10K_DATASETS)
    for fps in (30, 240):
        files, anno = datasets.NfS(str(nfs_root), fps=fps)[NFS_NAME]
        seq = open_benchmark(f"nfs{fps}", root=nfs_root)[NFS_NAME]
        assert [str(p) for p in seq.frame_paths] == files
        np.testing.assert_array_equal(seq.boxes, anno)


def test_nfs_bad_input(nfs_root):
    anno = nfs_root / NFS_NAME / "240" / f"{NFS_NAME}.txt"
    lines = anno.read_text().splitlines()
    anno.write_text("\n".join(lines[:6] + ['1 10 20 x 40 6 0 0 0 "person"'] + lines[7:]) + "\n")
    with pytest.raises(DataError, match=r"walking\.txt:7: expected 'track_id xmin ymin xmax ymax"):
        open_benchmark("nfs240", root=nfs_root)[NFS_NAME]
    anno.write_text("\n".join(lines[:100]) + "\n")
    with pytest.raises(DataError, match=r"walking\.txt: 100 boxes for 120 frames of walking at 240 fps"):
        open_benchmark("nfs240", root=nfs_root)[NFS_NAME]


# ---------------------------------------------------------------------------------------- TC128

@pytest.fixture
def tc_root(refdata, tmp_path):
    """Couple's 140 frames in Couple/img/ (Couple is a TC128 sequence); the benchmark range is frames 11-140."""
    root = tmp_path / "TC128"
    link_frames(root / "Couple" / "img", otb_frames(refdata, "Couple"), 140, "{:04d}.jpg")
    write_rows(root / "Couple" / "Couple_gt.txt", otb_boxes(refdata, "Couple")[10:], "{:.0f}")
    (root / "Couple" / "Couple_frames.txt").write_text("11,140\n")
    return root


def test_tc128_uses_the_frame_range(refdata, tc_root):
    seq = open_benchmark("tc128", root=tc_root)["Couple"]
    assert len(seq) == 130 and seq.frame_paths[0].name == "0011.jpg" and seq.start_frame == 11
    np.testing.assert_array_equal(seq.boxes, otb_boxes(refdata, "Couple")[10:])
    datasets = pytest.importorskip(GOT10K_DATASETS)
    files, anno = datasets.TColor128(str(tc_root), download=False)["Couple"]
    assert [str(p) for p in seq.frame_paths] == files
    np.testing.assert_array_equal(seq.boxes, anno)


def test_tc128_bad_input(tc_root):
    frames = tc_root / "Couple" / "Couple_frames.txt"
    frames.write_text("21,150\n")
    with pytest.raises(DataError, match=r"img: Couple_frames\.txt spans frames 21-150, past the last frame 140"):
        open_benchmark("tc128", root=tc_root)["Couple"]
    frames.write_text("11;140;x\n")
    with pytest.raises(DataError, match=r"Couple_frames\.txt:1"):
        open_benchmark("tc128", root=tc_root)["Couple"]
    frames.write_text("12,140\n")
    with pytest.raises(DataError, match=r"Couple_gt\.txt: 130 boxes for frames 12-140"):
        open_benchmark("tc128", root=tc_root)["Couple"]
    import shutil

    shutil.rmtree(tc_root / "Couple" / "img")
    bench = open_benchmark("tc128", root=tc_root)
    assert bench.names == [] and "Couple" in bench.missing and len(bench.missing) == len(bench.listed)


# ---------------------------------------------------------------------------------------- LaSOT extension

def test_lasot_extension_layout(refdata, tmp_path):
    from crpnbench.data.lasot_ext import LASOT_EXT_SEQUENCES

    folder = tmp_path / "LaSOT_ext" / "atv" / "atv-1"
    link_frames(folder / "img", otb_frames(refdata, "Crossing"), 120, "{:08d}.jpg")
    write_rows(folder / "groundtruth.txt", otb_boxes(refdata, "Crossing"), "{:.0f}")
    (folder / "full_occlusion.txt").write_text(",".join("1" if 50 <= i < 55 else "0" for i in range(120)) + "\n")
    (folder / "out_of_view.txt").write_text(",".join("0" for _ in range(120)) + "\n")
    bench = open_benchmark("lasot-ext", root=tmp_path / "LaSOT_ext")
    assert len(LASOT_EXT_SEQUENCES) == 150 and len({n.split("-")[0] for n in LASOT_EXT_SEQUENCES}) == 15
    assert bench.names == ["atv-1"] and len(bench.missing) == 149 and bench.name == "lasot-ext"
    seq = bench["atv-1"]
    assert len(seq) == 120 and seq.absent.sum() == 5 and BENCHMARKS["lasot-ext"].family == "lasot"


# ---------------------------------------------------------------------------------------- VOT2019

def test_vot2019_layout_protocol_and_eao_interval(refdata, tmp_path):
    from crpnbench.scoring import score_folder

    root = tmp_path / "VOT2019"
    root.mkdir()
    (root / "list.txt").write_text("bag\n")
    (root / "bag").symlink_to(refdata / "video" / "vot_bag_frames", target_is_directory=True)
    bench = open_benchmark("vot2019", root=root)
    assert bench.name == "vot2019" and len(bench["bag"]) == 196
    _, report = score_folder("vot2019", refdata / "vot2018" / "results", data_root=root, trackers=["DaSiamRPN"])
    assert report.protocol == "baseline" and report.trackers["DaSiamRPN"].eao_interval == (46, 291)
