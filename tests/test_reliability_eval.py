"""Nothing lost, nothing stale (issue 13): the evaluation runner against shorter runs, changed trackers,
lost speed summaries, misbehaving plug-ins, truncated frames, annotation files without frames, umask."""

from __future__ import annotations

import json
import os
import shutil
import stat

import numpy as np
import pytest

from crpnbench.atomic import write_text_atomic
from crpnbench.data import open_benchmark
from crpnbench.data.textio import read_boxes
from crpnbench.errors import ConfigError, DataError
from crpnbench.evaluation import evaluate, read_fps_csv
from crpnbench.tracking.base import Tracker

STILL = '''
import numpy as np

class Still:
    name = "still"
    def init(self, frame, box):
        self.box = np.asarray(box, dtype=float)
    def update(self, frame):
        return self.box + {shift}
'''

#: plug-ins that misbehave in one way each (on the sequence named Crossing, so the others run)
BAD = '''
import numpy as np

class Bad:
    name = "bad"
    def __init__(self):
        if "{where}" == "__init__":
            raise RuntimeError("no licence")
    def init(self, frame, box):
        self.box = np.asarray(box, dtype=float)
        self.frames = 1
        self.crossing = frame.shape[:2] == (240, 360) and abs(float(box[0]) - 205) < 1
        if "{where}" == "init" and self.crossing:
            raise ValueError("bad init")
    def update(self, frame):
        self.frames += 1
        if self.crossing and self.frames == 5:
            if "{where}" == "update":
                raise ZeroDivisionError("oops")
            if "{where}" == "nan":
                return np.array([np.nan, 1, 2, 3])
            if "{where}" == "inf":
                return [1, 2, float("inf"), 4]
            if "{where}" == "string":
                return "left"
            if "{where}" == "short":
                return [1, 2, 3]
        return self.box
'''


class Constant(Tracker):
    name = "constant"

    def init(self, frame, box):
        self.box = np.asarray(box, dtype=float)

    def update(self, frame):
        return self.box


@pytest.fixture()
def otb(refdata):
    return open_benchmark("otb2015", refdata / "otb" / "seqs")


def plugin(tmp_path, source: str, file: str = "plug.py", cls: str = "Still") -> str:
    path = tmp_path / file
    path.write_text(source, encoding="utf-8")
    return f"{path}:{cls}"


# ------------------------------------------------------------------------------ 1: shorter runs
def test_a_shorter_run_never_overwrites_longer_complete_results(otb, tmp_path):
    evaluate(otb, [Constant], "ope", tmp_path, sequences=["Couple"], max_frames=40, progress=False)
    result = tmp_path / "raw" / "otb2015" / "constant" / "Couple.txt"
    before = result.read_bytes()
    with pytest.raises(ConfigError, match=r"holds longer results than this run's 20 frames for 1 sequence\(s\): "
                                          r"Couple \(40 frames\).*--force.*another --out"):
        evaluate(otb, [Constant], "ope", tmp_path, sequences=["Couple"], max_frames=20, progress=False)
    assert result.read_bytes() == before
    # the longer run is still complete and skipped; --force replaces it on purpose
    again = evaluate(otb, [Constant], "ope", tmp_path, sequences=["Couple"], max_frames=40, progress=False)
    assert again.runs[0].skipped == ["Couple"]
    forced = evaluate(otb, [Constant], "ope", tmp_path, sequences=["Couple"], max_frames=20, progress=False,
                      force=True)
    assert forced.runs[0].evaluated == ["Couple"] and len(read_boxes(result)) == 20


def test_the_cli_refuses_a_shorter_run_with_one_line(refdata, tmp_path):
    import subprocess
    import sys

    args = [sys.executable, "-m", "crpnbench", "eval", "--dataset", "otb2015", "--data-root",
            str(refdata / "otb" / "seqs"), "--tracker", "mosse", "--sequences", "Crossing", "--out", str(tmp_path),
            "--quiet", "--no-score"]
    assert subprocess.run([*args, "--max-frames", "30"], capture_output=True).returncode == 0
    done = subprocess.run([*args, "--max-frames", "10"], capture_output=True, text=True)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().count("\n") == 0 and "longer results" in done.stderr
    assert len(read_boxes(tmp_path / "raw" / "otb2015" / "mosse" / "Crossing.txt")) == 30


# ------------------------------------------------------------------------------ 2: speed summary
def test_speed_summary_comes_back_from_the_per_sequence_files(otb, tmp_path):
    evaluate(otb, [Constant], "ope", tmp_path, sequences=["Crossing"], max_frames=15, progress=False)
    evaluate(otb, [Constant], "ope", tmp_path, sequences=["Couple", "Football1"], max_frames=15, progress=False)
    folder = tmp_path / "raw" / "otb2015" / "constant"
    fps, speed = folder / "fps.csv", folder / "speed.json"
    rows = read_fps_csv(fps)
    assert list(rows) == ["Couple", "Crossing", "Football1"]  # benchmark order, whichever run wrote last
    assert json.loads(speed.read_text())["frames"] == 45  # speed.json sums every row of fps.csv
    text, summary = fps.read_text(), speed.read_text()

    # lost (or truncated) summaries are rebuilt by a run that evaluates nothing
    fps.unlink()
    speed.write_text("{}")
    again = evaluate(otb, [Constant], "ope", tmp_path, max_frames=15, progress=False).runs[0]
    assert again.evaluated == [] and len(again.skipped) == 3
    assert fps.read_text() == text and speed.read_text() == summary
    # a stale row (someone edited fps.csv) is replaced by the record's
    fps.write_text(text.replace("Crossing,15", "Crossing,99"))
    evaluate(otb, [Constant], "ope", tmp_path, max_frames=15, progress=False)
    assert fps.read_text() == text

    # a run killed between a sequence's result files and its record redoes that sequence
    (folder / ".speed" / "Couple.json").unlink()
    redo = evaluate(otb, [Constant], "ope", tmp_path, max_frames=15, progress=False).runs[0]
    assert redo.evaluated == ["Couple"] and list(read_fps_csv(fps)) == ["Couple", "Crossing", "Football1"]


def test_a_folder_from_before_records_is_adopted_with_its_speed(otb, tmp_path):
    evaluate(otb, [Constant], "ope", tmp_path, max_frames=12, progress=False)
    folder = tmp_path / "raw" / "otb2015" / "constant"
    rows = read_fps_csv(folder / "fps.csv")
    shutil.rmtree(folder / ".speed")
    (folder / "provenance.json").unlink()
    run = evaluate(otb, [Constant], "ope", tmp_path, max_frames=12, progress=False).runs[0]
    assert run.evaluated == [] and len(run.skipped) == 3
    assert read_fps_csv(folder / "fps.csv") == rows
    assert (folder / "provenance.json").is_file() and len(list((folder / ".speed").glob("*.json"))) == 3


def test_a_non_numeric_fps_csv_is_one_error_naming_file_and_line(otb, tmp_path):
    folder = tmp_path / "raw" / "otb2015" / "constant"
    folder.mkdir(parents=True)
    (folder / "fps.csv").write_text("sequence,frames,tracker_seconds\nCouple,12,0.1\nCrossing,twelve,0.1\n")
    with pytest.raises(DataError, match=r"fps.csv:3: column 'frames' is not a number: 'twelve'"):
        read_fps_csv(folder / "fps.csv")


# ------------------------------------------------------------------------------ 4: provenance
def test_a_changed_tracker_config_is_not_mixed_with_its_old_results(otb, tmp_path):
    config = tmp_path / "mykcf.toml"
    config.write_text('type = "opencv"\nalgorithm = "KCF"\nname = "mykcf"\n[params]\ndetect_thresh = 0.2\n')
    out = tmp_path / "out"
    evaluate(otb, [str(config)], "ope", out, sequences=["Couple"], max_frames=10, progress=False)
    assert evaluate(otb, [str(config)], "ope", out, sequences=["Couple"], max_frames=10,
                    progress=False).runs[0].skipped == ["Couple"]
    config.write_text(config.read_text().replace("0.2", "0.3"))
    with pytest.raises(ConfigError, match=r"produced by a different mykcf \(config.params.detect_thresh 0.2 -> 0.3\)"
                                          r".*--force.*another --out"):
        evaluate(otb, [str(config)], "ope", out, sequences=["Couple"], max_frames=10, progress=False)
    forced = evaluate(otb, [str(config)], "ope", out, sequences=["Couple"], max_frames=10, progress=False, force=True)
    assert forced.runs[0].evaluated == ["Couple"]
    assert evaluate(otb, [str(config)], "ope", out, sequences=["Couple"], max_frames=10,
                    progress=False).runs[0].skipped == ["Couple"]
    recorded = json.loads((out / "raw" / "otb2015" / "mykcf" / "provenance.json").read_text())["identities"]
    assert [i["config"]["params"]["detect_thresh"] for i in recorded.values()] == [0.2, 0.3]


def test_a_plugin_pointing_at_other_code_or_protocol_options_are_refused(refdata, otb, tmp_path):
    spec = plugin(tmp_path, STILL.format(shift=0))
    out = tmp_path / "out"
    evaluate(otb, [spec], "ope", out, sequences=["Couple"], max_frames=8, progress=False)
    plugin(tmp_path, STILL.format(shift=1))
    with pytest.raises(ConfigError, match="plugin_source_sha256"):
        evaluate(otb, [spec], "ope", out, sequences=["Couple"], max_frames=8, progress=False)

    from crpnbench.protocols import make_protocol

    evaluate(otb, [Constant], make_protocol("baseline", init="bounds"), out, max_frames=12, progress=False)
    with pytest.raises(ConfigError, match=r"protocol.init bounds -> pysot"):
        evaluate(otb, [Constant], make_protocol("baseline", init="pysot"), out, max_frames=12, progress=False)


# ------------------------------------------------------------------------------ 7, 10, 12: bad plug-ins
@pytest.mark.parametrize("where, message", [
    ("nan", "update() returned a non-finite box [nan,  1.,  2.,  3.]"),
    ("inf", "update() returned a non-finite box [ 1.,  2., inf,  4.]"),
    ("string", "update() returned 'left', not a box x, y, w, h"),
    ("short", "update() returned 3 values, expected a box x, y, w, h"),
    ("update", "update() raised ZeroDivisionError: oops"),
])
def test_a_misbehaving_tracker_fails_its_sequence_only(otb, tmp_path, where, message):
    spec = plugin(tmp_path, BAD.format(where=where), cls="Bad")
    run = evaluate(otb, [spec], "ope", tmp_path, max_frames=10, progress=False).runs[0]
    assert run.evaluated == ["Couple", "Football1"] and list(run.failed) == ["Crossing"]
    assert run.failed["Crossing"] == f"tracker bad on Crossing, frame 5: {message}"
    assert not (tmp_path / "raw" / "otb2015" / "bad" / "Crossing.txt").exists()
    # nothing was counted as complete: a rerun runs it again (and fails it again)
    again = evaluate(otb, [spec], "ope", tmp_path, max_frames=10, progress=False).runs[0]
    assert again.skipped == ["Couple", "Football1"] and list(again.failed) == ["Crossing"]


def test_init_and_constructor_failures_fail_sequences_in_workers_too(otb, tmp_path):
    spec = plugin(tmp_path, BAD.format(where="init"), cls="Bad")
    run = evaluate(otb, [spec], "ope", tmp_path / "a", max_frames=10, progress=False, workers=2).runs[0]
    assert sorted(run.evaluated) == ["Couple", "Football1"]
    assert run.failed == {"Crossing": "tracker bad on Crossing, frame 1: init() raised ValueError: bad init"}
    spec = plugin(tmp_path, BAD.format(where="__init__"), file="ctor.py", cls="Bad")
    run = evaluate(otb, [spec], "ope", tmp_path / "b", max_frames=10, progress=False).runs[0]
    assert run.evaluated == [] and set(run.failed) == {"Couple", "Crossing", "Football1"}
    assert run.failed["Couple"] == "tracker bad: Bad() raised RuntimeError: no licence"


@pytest.mark.parametrize("name", ["../../x", "a/b", "..", "c:\\\\evil"])
def test_a_plugin_name_must_be_one_folder_name(otb, tmp_path, name):
    spec = plugin(tmp_path, f'class Evil:\n    name = "{name}"\n    def init(self, f, b): pass\n'
                            '    def update(self, f): return [1, 1, 2, 2]\n', cls="Evil")
    with pytest.raises(ConfigError, match="cannot be a result folder"):
        evaluate(otb, [spec], "ope", tmp_path / "out", max_frames=5, progress=False)
    assert not (tmp_path / "x").exists() and not list(tmp_path.glob("out/**/*.txt"))
    with pytest.raises(ConfigError, match="cannot be a result folder"):
        evaluate(otb, [(name, Constant)], "ope", tmp_path / "out", max_frames=5, progress=False)


# ------------------------------------------------------------------------------ 6: truncated JPEG
def test_a_truncated_jpeg_fails_its_sequence_naming_the_file(refdata, tmp_path):
    root = tmp_path / "OTB"
    shutil.copytree(refdata / "otb" / "seqs" / "Couple", root / "Couple")
    frame = root / "Couple" / "img" / "0004.jpg"
    data = frame.read_bytes()
    frame.write_bytes(data[: len(data) // 2])
    benchmark = open_benchmark("otb2015", root)
    run = evaluate(benchmark, [Constant], "ope", tmp_path, max_frames=10, progress=False).runs[0]
    assert run.evaluated == [] and run.failed["Couple"].startswith(f"{frame}: truncated JPEG")


# ------------------------------------------------------------------------------ 13: annotation file
def test_an_annotation_file_scores_the_sequences_that_are_on_disk(refdata, tmp_path):
    benchmark = open_benchmark("otb2015", refdata / "otb" / "seqs", annotations=refdata / "otb" / "json" / "OTB100.json")
    summary = evaluate(benchmark, [Constant], "ope", tmp_path, max_frames=6, progress=False)
    assert summary.sequences == ["Couple", "Crossing", "Football1"] and len(summary.missing) == 97
    assert summary.runs[0].failed == {} and len(summary.runs[0].evaluated) == 3
    nowhere = open_benchmark("otb2015", tmp_path, annotations=refdata / "otb" / "json" / "OTB100.json")
    with pytest.raises(ConfigError, match="no otb2015 sequence has its frames on disk"):
        evaluate(nowhere, [Constant], "ope", tmp_path, max_frames=6, progress=False)


# ------------------------------------------------------------------------------ 9: umask
@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_written_files_respect_the_umask(otb, tmp_path):
    old = os.umask(0o027)
    try:
        evaluate(otb, [Constant], "ope", tmp_path, sequences=["Couple"], max_frames=5, progress=False)
        write_text_atomic(tmp_path / "plain.txt", "x\n")
    finally:
        os.umask(old)
    folder = tmp_path / "raw" / "otb2015" / "constant"
    for path in (folder / "Couple.txt", folder / "fps.csv", tmp_path / "plain.txt"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o640, path


def test_the_same_checkpoint_at_another_path_resumes_other_weights_are_refused(otb, tmp_path):
    """The weights are compared by content (checkpoint_sha256): a checkpoint copied to another folder (a moved
    results tree, another working folder) resumes the folder; other weights at the same path are refused."""
    from crpnbench.models.checkpoint import save_checkpoint
    from crpnbench.models.config import CRPNConfig
    from crpnbench.models.crpn import build_model
    from crpnbench.tracking.registry import resolve_tracker_config

    config = CRPNConfig.from_toml(resolve_tracker_config("crpn-small"))
    first = save_checkpoint(tmp_path / "a" / "model.pt", build_model(config, seed=0), config)
    moved = tmp_path / "b" / "model.pt"
    moved.parent.mkdir()
    shutil.copyfile(first, moved)

    def tracker_config(checkpoint):
        path = tmp_path / "mycrpn.toml"
        path.write_text(f'type = "crpn"\nextends = "{resolve_tracker_config("crpn-small").resolve()}"\nname = "mycrpn"\n'
                        f'checkpoint = "{checkpoint}"\n')
        return str(path)

    out = tmp_path / "out"
    run = evaluate(otb, [tracker_config(first)], "ope", out, sequences=["Couple"], max_frames=5, progress=False)
    assert run.runs[0].evaluated == ["Couple"]
    again = evaluate(otb, [tracker_config(moved)], "ope", out, sequences=["Couple"], max_frames=5, progress=False)
    assert again.runs[0].skipped == ["Couple"] and again.runs[0].evaluated == []
    save_checkpoint(moved, build_model(config, seed=1), config)  # other weights, same path
    with pytest.raises(ConfigError, match=r"produced by a different mycrpn \(.*checkpoint_sha256"):
        evaluate(otb, [tracker_config(moved)], "ope", out, sequences=["Couple"], max_frames=5, progress=False)
