"""NfS and TC128 list their official sequences (not whatever folders are on disk): a partial download is
reported as partial, a missing sequence is one DataError naming its folder. Fixtures in the published
layouts, built in tmp_path from real OTB frames and boxes (refdata), under real NfS/TC128 names."""

from __future__ import annotations

import re

import numpy as np
import pytest
from click.testing import CliRunner

from crpnbench.cli import cli
from crpnbench.data import open_benchmark
from crpnbench.data.nfs import NFS_SEQUENCES
from crpnbench.data.tc128 import TC128_SEQUENCES
from crpnbench.errors import DataError


def otb_frames(refdata, name):
    return sorted((refdata / "otb" / "seqs" / name / "img").glob("*.jpg"))


def otb_boxes(refdata, name):
    text = (refdata / "otb" / "seqs" / name / "groundtruth_rect.txt").read_text()
    return np.array([[float(v) for v in line.replace("\t", ",").split(",")] for line in text.splitlines() if line])


def link_frames(folder, images, pattern):
    folder.mkdir(parents=True, exist_ok=True)
    for number, image in enumerate(images, start=1):
        (folder / pattern.format(number)).symlink_to(image)


#: real NfS names -> the OTB video whose frames stand in for them (Crossing: 120 frames, Couple: 140)
NFS_PRESENT = {"basketball_1": "Couple", "walking": "Crossing"}
#: real TC128 names (both also OTB sequences) -> (OTB video, benchmark frame range)
TC_PRESENT = {"Couple": ("Couple", (11, 140)), "Crossing": ("Crossing", (1, 120))}


def make_nfs(refdata, root, name, video, fps_list=(240, 30)):
    """The download's layout: <name>/<fps>/<name>/00001.jpg + <name>/<fps>/<name>.txt (240 fps rows)."""
    images, boxes = otb_frames(refdata, video), otb_boxes(refdata, video)
    rows = "".join(f'1 {x:.0f} {y:.0f} {x + w:.0f} {y + h:.0f} {i} 0 0 0 "person"\n'
                   for i, (x, y, w, h) in enumerate(boxes))
    for fps in fps_list:
        link_frames(root / name / str(fps) / name, images if fps == 240 else images[::8], "{:05d}.jpg")
        (root / name / str(fps) / f"{name}.txt").write_text(rows)


def make_tc(refdata, root, name, video, span):
    images, boxes = otb_frames(refdata, video), otb_boxes(refdata, video)
    first, last = span
    link_frames(root / name / "img", images, "{:04d}.jpg")
    (root / name / f"{name}_gt.txt").write_text("".join(",".join(f"{v:.0f}" for v in row) + "\n"
                                                        for row in boxes[first - 1:last]))
    (root / name / f"{name}_frames.txt").write_text(f"{first},{last}\n")


@pytest.fixture
def datasets_dir(refdata, tmp_path):
    """A datasets folder with 2 of NfS's 100 and 2 of TC128's 129 sequences, plus one stray folder each."""
    for name, video in NFS_PRESENT.items():
        make_nfs(refdata, tmp_path / "NfS", name, video)
    make_nfs(refdata, tmp_path / "NfS", "Crossing", "Crossing")  # not an NfS sequence
    for name, (video, span) in TC_PRESENT.items():
        make_tc(refdata, tmp_path / "TC128", name, video, span)
    make_tc(refdata, tmp_path / "TC128", "Couple_ce", "Couple", (1, 140))  # not a TC128 sequence
    return tmp_path


# ---------------------------------------------------------------------------------------- the lists

def test_nfs_list():
    assert len(NFS_SEQUENCES) == 100 and len(set(NFS_SEQUENCES)) == 100
    assert list(NFS_SEQUENCES) == sorted(NFS_SEQUENCES)  # the sources' order: byte order of the names
    assert NFS_SEQUENCES[:4] == ("Gymnastics", "MachLoop_jet", "Skiing_red", "Skydiving")
    for name in ("airboard_1", "basketball_player_2", "footbal_skill", "motorcross_kawasaki", "running_100_m_2",
                 "zebra_fish"):
        assert name in NFS_SEQUENCES
    assert not any(name.startswith("nfs_") for name in NFS_SEQUENCES)  # pytracking's prefix is not a folder name


def test_tc128_list():
    # every public list found has 129 folders (the benchmark's evaluation script, pytracking, virg-nexus)
    assert len(TC128_SEQUENCES) == 129 and len(set(TC128_SEQUENCES)) == 129
    new = [name for name in TC128_SEQUENCES if re.search(r"_ce\d?$", name)]
    assert len(new) == 78 and TC128_SEQUENCES[51:] == tuple(new)  # the 51 shared ones come first
    assert TC128_SEQUENCES[:3] == ("Basketball", "Bicycle", "Biker")
    assert TC128_SEQUENCES[-3:] == ("Yo-yos_ce1", "Yo-yos_ce2", "Yo-yos_ce3")
    for name in ("Airport_ce", "Baby_ce", "Ball_ce1", "Carchasing_ce4", "Couple", "David", "Jogging1", "Skating2"):
        assert name in TC128_SEQUENCES


def test_lists_are_what_the_loaders_list(datasets_dir):
    for fps in (30, 240):
        assert open_benchmark(f"nfs{fps}", root=datasets_dir / "NfS").listed == list(NFS_SEQUENCES)
    assert open_benchmark("tc128", root=datasets_dir / "TC128").listed == list(TC128_SEQUENCES)


# ---------------------------------------------------------------------------------------- a partial download

def test_nfs_partial_download(refdata, datasets_dir):
    for fps in (30, 240):
        bench = open_benchmark(f"nfs{fps}", root=datasets_dir / "NfS")
        assert bench.names == ["basketball_1", "walking"] and len(bench) == 2
        assert len(bench.missing) == 98 and "Gymnastics" in bench.missing
        assert bench.is_present("walking") and not bench.is_present("Gymnastics")
        assert "Crossing" not in bench.listed and "Crossing" not in bench.missing  # stray folder: ignored
        with pytest.raises(KeyError):
            bench["Crossing"]
        assert len(bench["basketball_1"]) == (140 if fps == 240 else 18)
        np.testing.assert_array_equal(bench["walking"].boxes, otb_boxes(refdata, "Crossing")[:: 8 if fps == 30 else 1])
        with pytest.raises(DataError) as error:
            bench["Gymnastics"]
        assert str(error.value).count("is missing") == 1
        assert "sequence folder of Gymnastics is missing" in str(error.value)
        assert str(datasets_dir / "NfS" / "Gymnastics") in str(error.value)


def test_nfs_video_without_its_30fps_folder(refdata, tmp_path):
    make_nfs(refdata, tmp_path, "bee", "Crossing", fps_list=(240,))
    nfs240, nfs30 = open_benchmark("nfs240", root=tmp_path), open_benchmark("nfs30", root=tmp_path)
    assert nfs240.names == ["bee"] and nfs30.names == [] and len(nfs30.missing) == 100
    with pytest.raises(DataError, match=r"30 fps frame folder of bee is missing") as error:
        nfs30["bee"]
    assert str(tmp_path / "bee" / "30" / "bee") in str(error.value)


def test_tc128_partial_download(refdata, datasets_dir):
    bench = open_benchmark("tc128", root=datasets_dir / "TC128")
    assert bench.names == ["Couple", "Crossing"] and len(bench) == 2  # the official order
    assert len(bench.missing) == 127 and "Airport_ce" in bench.missing
    assert bench.is_present("Couple") and not bench.is_present("Airport_ce")
    assert "Couple_ce" not in bench.listed and "Couple_ce" not in bench.missing  # stray folder: ignored
    assert len(bench["Couple"]) == 130 and bench["Couple"].start_frame == 11
    np.testing.assert_array_equal(bench["Crossing"].boxes, otb_boxes(refdata, "Crossing"))
    with pytest.raises(DataError) as error:
        bench["Airport_ce"]
    assert str(error.value).count("is missing") == 1
    assert "sequence folder of Airport_ce is missing" in str(error.value)
    assert str(datasets_dir / "TC128" / "Airport_ce") in str(error.value)


def test_score_uses_the_present_sequences(datasets_dir, tmp_path):
    from crpnbench.scoring import score_folder

    bench = open_benchmark("tc128", root=datasets_dir / "TC128")
    results = tmp_path / "results" / "Perfect"
    results.mkdir(parents=True)
    for name in bench.names:
        (results / f"{name}.txt").write_text("".join(",".join(f"{v:.0f}" for v in row) + "\n"
                                                     for row in bench[name].boxes))
    view, report = score_folder("tc128", tmp_path / "results", data_root=datasets_dir / "TC128")
    assert list(view.names) == ["Couple", "Crossing"]
    assert list(report.trackers["Perfect"].per_sequence.index) == ["Couple", "Crossing"]
    assert report.trackers["Perfect"].metrics["success"] == pytest.approx(20 / 21)  # IoU 1 passes 20 of 21


# ---------------------------------------------------------------------------------------- crpnbench datasets

def test_cli_reports_the_partial_count(datasets_dir):
    result = CliRunner().invoke(cli, ["datasets", "--datasets-dir", str(datasets_dir)])
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line.split() for line in result.output.splitlines()[1:]}
    # sequences present, listed ones missing, frames of the present ones
    assert lines["nfs240"][-3:] == ["2", "98", str(140 + 120)]
    assert lines["nfs30"][-3:] == ["2", "98", str(18 + 15)]
    assert lines["tc128"][-3:] == ["2", "127", str(130 + 120)]
    check = CliRunner().invoke(cli, ["datasets", "--datasets-dir", str(datasets_dir), "--check", "tc128"])
    assert check.exit_code == 1
    assert "2 sequences, 250 frames checked; 127 listed sequences missing; 0 with problems" in check.output
    assert "missing sequence: Basketball" in check.output
