"""UAV123's attribute files and pysot's JSON annotation files (UAV123.json, LaSOT.json) for the new benchmarks:
the same sequences, attributes and scores as the official folder layouts, built from real frames and real
annotations (refdata OTB Couple frames re-laid out as UAV123's bird1; refdata LaSOT anno/ converted to pysot's
LaSOT.json with its inverted ``absent`` list)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from crpnbench.cli import cli
from crpnbench.data import open_benchmark
from crpnbench.errors import DataError
from crpnbench.scoring import score_folder
from tests.test_bench_datasets import uav_root  # noqa: F401  (the UAV123 fixture: bird1_1..3, bird1_2 has NaN rows)

#: bird1_1: SV ARC; bird1_2: SV FOC BC SOB (it has NaN rows); bird1_3: LR CM
ATT_LINES = {"bird1_1": "1,1,0,0,0,0,0,0,0,0,0,0", "bird1_2": "1,0,0,0,1,0,0,1,0,0,0,1",
             "bird1_3": "0,0,1,0,0,0,0,0,0,0,1,0"}


@pytest.fixture
def uav_with_attributes(uav_root):  # noqa: F811
    for name, line in ATT_LINES.items():
        path = uav_root / "anno" / "UAV123" / "att" / f"{name}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(line + "\n")
    return uav_root


def write_result(folder, name, boxes, shift):
    folder.mkdir(parents=True, exist_ok=True)
    rows = np.where(np.isnan(boxes), 0.0, boxes) + shift
    (folder / f"{name}.txt").write_text("".join(",".join(f"{v:.2f}" for v in row) + "\n" for row in rows))


# ------------------------------------------------------------------------------------- UAV123 attributes

def test_uav_attribute_files_in_the_documented_column_order(uav_with_attributes):
    from crpnbench.data.uav import UAV_ATTRIBUTE_CODES

    assert UAV_ATTRIBUTE_CODES == ("SV", "ARC", "LR", "FM", "FOC", "POC", "OV", "BC", "IV", "VC", "CM", "SOB")
    uav = open_benchmark("uav123", root=uav_with_attributes)
    assert uav["bird1_1"].attributes == ("SV", "ARC")
    assert uav["bird1_2"].attributes == ("SV", "FOC", "BC", "SOB")
    assert uav["bird1_3"].attributes == ("LR", "CM")
    assert uav.attribute_names["SOB"] == "Similar Object" and uav.attribute_names["FOC"] == "Full Occlusion"
    assert not any(uav[n].notes for n in ATT_LINES)  # FOC agrees with the NaN rows everywhere


def test_uav_full_occlusion_flag_that_disagrees_with_nan_rows_is_noted(uav_with_attributes):
    (uav_with_attributes / "anno" / "UAV123" / "att" / "bird1_2.txt").write_text("1,0,0,0,0,0,0,1,0,0,0,1\n")
    seq = open_benchmark("uav123", root=uav_with_attributes)["bird1_2"]
    assert len(seq.notes) == 1 and "not flagged FOC" in seq.notes[0] and "3 frames" in seq.notes[0]


@pytest.mark.parametrize("line, where", [("1,0,0\n", 1), ("1,0,0,0,0,0,0,0,0,0,0,2\n", 1),
                                         ("1,0,0,0,0,0,0,0,0,0,0,0\n0,0,0,0,0,0,0,0,0,0,0,0\n", 2)])
def test_uav_malformed_attribute_file_names_file_and_line(uav_with_attributes, line, where):
    path = uav_with_attributes / "anno" / "UAV123" / "att" / "bird1_3.txt"
    path.write_text(line)
    with pytest.raises(DataError) as caught:
        open_benchmark("uav123", root=uav_with_attributes)["bird1_3"]
    assert str(path) in str(caught.value) and f":{where}" in str(caught.value)


def test_uav_per_attribute_tables_and_plots_use_uav_names(uav_with_attributes, tmp_path):
    uav = open_benchmark("uav123", root=uav_with_attributes)
    results = tmp_path / "raw"
    for name in uav.names:
        write_result(results / "Shifted", name, uav[name].boxes, 3.0)
    out = tmp_path / "out"
    run = CliRunner().invoke(cli, ["plot", "--dataset", "uav123", "--data-root", str(uav_with_attributes),
                                    "--results", str(results), "--out", str(out)])
    assert run.exit_code == 0, run.output
    table = (out / "tables" / "uav123_attributes_success.md").read_text()
    assert "SOB (1)" in table and "SV (2)" in table and "SOB Similar Object" in table
    assert "FOC Full Occlusion" in table
    plots = sorted(p.name for p in (out / "plots" / "uav123").glob("*.png"))
    assert any("SOB" in p for p in plots) and any("LR" in p for p in plots)


# ------------------------------------------------------------------------------------- UAV123.json

def make_uav_json(root, attr_names=True):
    """pysot's UAV123.json for the fixture: frame paths relative to the root, NaN rows, attribute names."""
    from crpnbench.data.uav import UAV_RANGES, UAV_ATTRIBUTES

    bench = open_benchmark("uav123", root=root)
    data = {}
    for name in bench.names:
        seq = bench[name]
        folder, first, last = UAV_RANGES["UAV123"][name]
        attrs = [dict(UAV_ATTRIBUTES)[c] if attr_names else c for c in seq.attributes]
        data[name] = {"video_dir": name, "init_rect": seq.boxes[0].tolist(),
                      "img_names": [f"data_seq/UAV123/{folder}/{n:06d}.jpg" for n in range(first, last + 1)],
                      "gt_rect": seq.boxes.tolist(), "attr": attrs}
    path = root / "UAV123.json"
    path.write_text(json.dumps(data))  # Python's json writes the NaN rows as NaN, as pysot's file has them
    return path


@pytest.mark.parametrize("attr_names", [True, False])
def test_uav_pysot_json_gives_the_folder_layout_sequences(uav_with_attributes, attr_names):
    json_file = make_uav_json(uav_with_attributes, attr_names)
    folders = open_benchmark("uav123", root=uav_with_attributes)
    pysot = open_benchmark("uav123", root=uav_with_attributes, annotations=json_file)
    assert pysot.names == folders.names == ["bird1_1", "bird1_2", "bird1_3"] and "bike1" in pysot.missing
    for name in folders.names:
        ours, theirs = folders[name], pysot[name]
        assert [str(p) for p in theirs.frame_paths] == [str(p) for p in ours.frame_paths]
        np.testing.assert_array_equal(theirs.boxes, ours.boxes)
        np.testing.assert_array_equal(theirs.absent, ours.absent)
        assert theirs.attributes == ours.attributes and theirs.start_frame == ours.start_frame


def test_uav_pysot_json_scores_equal_the_folder_layout(uav_with_attributes, tmp_path):
    json_file = make_uav_json(uav_with_attributes)
    results = tmp_path / "raw"
    bench = open_benchmark("uav123", root=uav_with_attributes)
    for shift in (2.0, 9.0):
        for name in bench.names:
            write_result(results / f"T{shift:g}", name, bench[name].boxes, shift)
    _, folders = score_folder("uav123", results, data_root=uav_with_attributes)
    _, pysot = score_folder("uav123", results, data_root=uav_with_attributes, annotations=json_file)
    for tracker in ("T2", "T9"):
        assert pysot.trackers[tracker].metrics == folders.trackers[tracker].metrics
        assert 0 < folders.trackers[tracker].metrics["success"] < 1


def test_uav_pysot_json_with_other_frames_than_the_official_range_is_refused(uav_with_attributes):
    json_file = make_uav_json(uav_with_attributes)
    data = json.loads(json_file.read_text())
    data["bird1_2"]["img_names"] = data["bird1_2"]["img_names"][1:] + ["data_seq/UAV123/bird1/001478.jpg"]
    json_file.write_text(json.dumps(data))
    with pytest.raises(DataError, match="first image is frame 776, the official range starts at 775"):
        open_benchmark("uav123", root=uav_with_attributes, annotations=json_file)["bird1_2"]
    data["bird1_3"]["img_names"] = data["bird1_3"]["img_names"][:-5]
    data["bird1_3"]["gt_rect"] = data["bird1_3"]["gt_rect"][:-5]
    json_file.write_text(json.dumps(data))
    with pytest.raises(DataError, match=r"bird1_3: 860 frames, but bird1_3 is frames 1573-2437 of bird1/"):
        open_benchmark("uav123", root=uav_with_attributes, annotations=json_file)["bird1_3"]


def test_uav_pysot_json_bad_rows_name_the_sequence_and_row(uav_with_attributes, tmp_path):
    json_file = make_uav_json(uav_with_attributes)
    text = json_file.read_text()
    data = json.loads(text)
    data["bird1_1"]["gt_rect"][7] = [1.0, float("nan"), 3.0, 4.0]
    data["bird1_3"]["gt_rect"][0] = [float("nan")] * 4
    json_file.write_text(json.dumps(data))
    bench = open_benchmark("uav123", root=uav_with_attributes, annotations=json_file)
    with pytest.raises(DataError, match=r"bird1_1\.gt_rect\[7\]: expected 4 finite numbers"):
        bench["bird1_1"]
    with pytest.raises(DataError, match="bird1_3: the first box is absent"):
        bench["bird1_3"]
    broken = tmp_path / "broken.json"
    broken.write_text(text[: len(text) // 2])
    run = subprocess.run([sys.executable, "-m", "crpnbench", "score", "--dataset", "uav123", "--data-root",
                          str(uav_with_attributes), "--annotations", str(broken), "--results", str(tmp_path)],
                         capture_output=True, text=True)
    assert run.returncode == 2 and f"{broken}:1: invalid JSON" in run.stderr and "Traceback" not in run.stderr


# ------------------------------------------------------------------------------------- LaSOT.json

LASOT_SAMPLE = ("airplane-1", "basketball-6", "monkey-17", "bird-2", "zebra-10")


def make_lasot_json(refdata, tmp_path):
    """pysot's LaSOT.json for a few refdata sequences: ``absent`` is 1 where the target is visible."""
    from crpnbench.data.lasot import LASOT_ATTRIBUTES

    toolkit = open_benchmark("lasot", root=refdata / "lasot")
    names = dict(LASOT_ATTRIBUTES)
    data = {}
    for name in LASOT_SAMPLE:
        seq = toolkit[name]
        category = name.rsplit("-", 1)[0]
        data[name] = {"video_dir": f"{category}/{name}", "init_rect": seq.boxes[0].tolist(),
                      "img_names": [f"{category}/{name}/img/{i:08d}.jpg" for i in range(1, len(seq) + 1)],
                      "gt_rect": seq.boxes.tolist(), "attr": [names[c] for c in seq.attributes],
                      "absent": [0 if a else 1 for a in seq.absent]}
    path = tmp_path / "LaSOT.json"
    path.write_text(json.dumps(data))
    return toolkit, path


def test_lasot_pysot_json_absent_list_means_visible(refdata, tmp_path):
    toolkit, json_file = make_lasot_json(refdata, tmp_path)
    pysot = open_benchmark("lasot", root=refdata / "lasot", annotations=json_file)
    assert pysot.layout == "json" and pysot.names == [n for n in toolkit.listed if n in LASOT_SAMPLE]
    assert len(pysot.missing) == 275
    for name in LASOT_SAMPLE:
        np.testing.assert_array_equal(pysot[name].absent, toolkit[name].absent)
        np.testing.assert_array_equal(pysot[name].boxes, toolkit[name].boxes)
        assert pysot[name].attributes == toolkit[name].attributes
        assert pysot[name].frame_paths[-1] == toolkit[name].frame_paths[-1]
    assert sum(int(pysot[n].absent.sum()) for n in LASOT_SAMPLE) > 0


def test_lasot_pysot_json_scores_equal_the_toolkit_layout(refdata, tmp_path):
    _, json_file = make_lasot_json(refdata, tmp_path)
    results = refdata / "lasot" / "results"
    _, toolkit = score_folder("lasot", results, data_root=refdata / "lasot", sequences=list(LASOT_SAMPLE),
                              trackers=["C-RPN"])
    _, pysot = score_folder("lasot", results, data_root=refdata / "lasot", annotations=json_file,
                            trackers=["C-RPN"], skip_missing=True)
    assert pysot.trackers["C-RPN"].metrics == pytest.approx(toolkit.trackers["C-RPN"].metrics, abs=1e-12)
    assert pysot.trackers["C-RPN"].sequences == 5


def test_lasot_pysot_json_bad_absent_list(refdata, tmp_path):
    _, json_file = make_lasot_json(refdata, tmp_path)
    data = json.loads(json_file.read_text())
    data["bird-2"]["absent"] = data["bird-2"]["absent"][:-1]
    data["zebra-10"]["absent"][3] = 2
    json_file.write_text(json.dumps(data))
    bench = open_benchmark("lasot", root=refdata / "lasot", annotations=json_file)
    for name in ("bird-2", "zebra-10"):
        with pytest.raises(DataError, match=rf"{name}\.absent: expected \d+ values 0/1 \(1 = target visible\)"):
            bench[name]


# ------------------------------------------------------------------------------------- NFS30.json / NFS240.json

@pytest.mark.parametrize("fps, prefix", [(30, "nfs_"), (240, "")])
def test_nfs_pysot_json_gives_the_folder_layout_sequences(refdata, tmp_path, fps, prefix):
    """pysot's NFS{30,240}.json carry one row per frame of their frame rate (30 fps: already every 8th 240 fps
    row); keys with or without pytracking's ``nfs_`` prefix name the same sequence."""
    from tests.test_bench_name_lists import NFS_PRESENT, make_nfs

    root = tmp_path / "NfS"
    for name, video in NFS_PRESENT.items():
        make_nfs(refdata, root, name, video)
    folders = open_benchmark(f"nfs{fps}", root=root)
    data = {}
    for name in folders.names:
        seq = folders[name]
        data[prefix + name] = {"video_dir": name, "init_rect": seq.boxes[0].tolist(),
                               "img_names": [str(p.relative_to(root)) for p in seq.frame_paths],
                               "gt_rect": seq.boxes.tolist(), "attr": None}
    json_file = tmp_path / f"NFS{fps}.json"
    json_file.write_text(json.dumps(data))
    pysot = open_benchmark(f"nfs{fps}", root=root, annotations=json_file)
    assert pysot.names == folders.names == sorted(NFS_PRESENT) and len(pysot.missing) == 98
    for name in folders.names:
        assert [str(p) for p in pysot[name].frame_paths] == [str(p) for p in folders[name].frame_paths]
        np.testing.assert_array_equal(pysot[name].boxes, folders[name].boxes)
    if fps == 30:
        assert len(pysot["walking"]) == 15  # Crossing's 120 frames as 240 fps: 15 at 30 fps


def test_got10k_refuses_an_annotation_file_instead_of_ignoring_it(tmp_path):
    """pysot's GOT-10k JSON has boxes only: the official AO would silently score every frame unclipped."""
    json_file = tmp_path / "GOT-10k.json"
    json_file.write_text("{}")
    (tmp_path / "val").mkdir()
    (tmp_path / "val" / "list.txt").write_text("")
    run = subprocess.run([sys.executable, "-m", "crpnbench", "score", "--dataset", "got10k-val", "--data-root",
                          str(tmp_path), "--annotations", str(json_file), "--results", str(tmp_path)],
                         capture_output=True, text=True)
    assert run.returncode == 2 and "cover.label" in run.stderr and "Traceback" not in run.stderr


# ------------------------------------------------------------------------------------- TC128 attributes

def test_tc128_attribute_files_drive_the_per_attribute_tables(refdata, tmp_path):
    """``<seq>_att.txt`` lists OTB codes (whitespace- or comma-separated); an unknown code names file and line."""
    from tests.test_bench_name_lists import TC_PRESENT, make_tc

    root = tmp_path / "TC128"
    for name, (video, span) in TC_PRESENT.items():
        make_tc(refdata, root, name, video, span)
    (root / "Couple" / "Couple_att.txt").write_text("IV SV\nOCC\n")
    (root / "Crossing" / "Crossing_att.txt").write_text("SV, DEF,FM\n")
    bench = open_benchmark("tc128", root=root)
    assert bench["Couple"].attributes == ("IV", "SV", "OCC") and bench["Crossing"].attributes == ("SV", "DEF", "FM")
    results = tmp_path / "raw"
    for name in bench.names:
        write_result(results / "Shifted", name, bench[name].boxes, 4.0)
    out = tmp_path / "out"
    run = CliRunner().invoke(cli, ["plot", "--dataset", "tc128", "--data-root", str(root), "--results", str(results),
                                   "--out", str(out)])
    assert run.exit_code == 0, run.output
    table = (out / "tables" / "tc128_attributes_success.md").read_text()
    assert "SV (2)" in table and "OCC (1)" in table and "DEF Deformation" in table
    (root / "Crossing" / "Crossing_att.txt").write_text("SV\nDEF XX\n")
    with pytest.raises(DataError, match="unknown attribute 'XX'") as caught:
        open_benchmark("tc128", root=root)["Crossing"]
    assert f"{root / 'Crossing' / 'Crossing_att.txt'}:2" in str(caught.value)
