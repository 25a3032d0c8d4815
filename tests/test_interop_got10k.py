"""got10k both ways (issue 14 item 5), on the real OTB sequences in refdata (Couple, Crossing, Football1).

(a) a ``got10k.trackers.Tracker`` subclass runs as a crpnbench plug-in unchanged: PIL RGB frames, its
instance ``name`` names the result folder, built once; (b) ``as_got10k_tracker`` runs any crpnbench
tracker inside got10k's own ``ExperimentOTB``. OpenCV's KCF is deterministic, so got10k's run and
``crpnbench eval`` must give the same boxes and the same scores."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
from click.testing import CliRunner

got10k = pytest.importorskip("got10k")

from got10k.datasets import OTB  # noqa: E402
from got10k.experiments import ExperimentOTB  # noqa: E402
from PIL import Image  # noqa: E402

from crpnbench.cli import cli  # noqa: E402
from crpnbench.data.textio import read_boxes  # noqa: E402
from crpnbench.interop.got10k import as_got10k_tracker, pil_to_frame  # noqa: E402
from crpnbench.scoring import score_folder  # noqa: E402
from crpnbench.tracking.got10k_trackers import Got10kTracker, frame_to_pil, is_got10k_tracker_class  # noqa: E402
from crpnbench.tracking.plugin import load_plugin_class  # noqa: E402
from crpnbench.tracking.spec import TrackerSpec  # noqa: E402

SEQUENCES = ["Couple", "Crossing", "Football1"]

#: got10k trackers as a user writes them: PIL images in, 1-based x, y, w, h boxes (the annotation's numbers)
PLUGIN = '''
import cv2
import numpy as np
from PIL import Image
from got10k.trackers import Tracker

BUILT = []
FIRST_FRAMES = []


class StillGot10k(Tracker):
    """Checks what it is given and keeps the first box."""

    def __init__(self):
        super().__init__(name="StillGot10k-v2", is_deterministic=True)
        BUILT.append(self)

    def init(self, image, box):
        assert isinstance(image, Image.Image) and image.mode == "RGB", type(image)
        FIRST_FRAMES.append(np.asarray(image).copy())
        self.size, self.box = image.size, np.array(box, dtype=float)

    def update(self, image):
        assert image.size == self.size  # got10k trackers read image.size (crashed on BGR arrays)
        return self.box


class KCFGot10k(Tracker):
    """OpenCV's KCF written against got10k's interface, independently of crpnbench's KCF wrapper."""

    def __init__(self):
        super().__init__(name="KCF-got10k", is_deterministic=True)

    def init(self, image, box):
        frame = cv2.cvtColor(np.asarray(image), cv2.COLOR_RGB2BGR)
        x, y, w, h = (float(v) for v in box)
        rect = (int(round(x - 1)), int(round(y - 1)), int(round(x - 1 + w)) - int(round(x - 1)),
                int(round(y - 1 + h)) - int(round(y - 1)))
        self.tracker = cv2.TrackerKCF_create()
        self.tracker.init(frame, rect)
        self.box = np.array(box, dtype=float)

    def update(self, image):
        ok, rect = self.tracker.update(cv2.cvtColor(np.asarray(image), cv2.COLOR_RGB2BGR))
        if ok:
            self.box = np.array([rect[0] + 1.0, rect[1] + 1.0, rect[2], rect[3]])
        return self.box
'''


@pytest.fixture(scope="module")
def plugin_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("plugins") / "my_got10k_trackers.py"
    path.write_text(PLUGIN)
    return path


def otb_experiment(root, base, monkeypatch) -> ExperimentOTB:
    """got10k's ExperimentOTB on the sequences under ``root`` (never downloading)."""
    import got10k.experiments.otb as otb_module

    monkeypatch.setattr(otb_module, "OTB", lambda root_dir, version, download=True: OTB(root_dir, version, False))
    return ExperimentOTB(str(root), version=2015, result_dir=str(base / "got10k_results"),
                         report_dir=str(base / "got10k_reports"))


def run_eval(*args):
    return CliRunner().invoke(cli, ["eval", *args], catch_exceptions=False)


# ------------------------------------------------------------------------------ frames

def test_frames_convert_both_ways_as_got10k_and_opencv_decode_them(refdata):
    import cv2

    path = refdata / "otb" / "seqs" / "Couple" / "img" / "0001.jpg"
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    pil = Image.open(path).convert("RGB")  # got10k's Tracker.track
    assert frame_to_pil(bgr).mode == "RGB" and np.array_equal(np.asarray(frame_to_pil(bgr)), np.asarray(pil))
    assert np.array_equal(pil_to_frame(pil), bgr)
    grey = bgr[:, :, 0]
    assert np.array_equal(np.asarray(frame_to_pil(grey)), np.repeat(grey[:, :, None], 3, axis=2))


def test_got10k_classes_detected_without_importing_got10k(monkeypatch):
    from crpnbench.tracking import got10k_trackers

    class Plain:
        def init(self, frame, box): ...

        def update(self, frame): ...

    assert not is_got10k_tracker_class(Plain)
    monkeypatch.delitem(sys.modules, "got10k.trackers")  # got10k not imported: nothing is a got10k tracker
    assert got10k_trackers.got10k_base() is None and not is_got10k_tracker_class(Plain)
    assert "got10k.trackers" not in sys.modules


# ------------------------------------------------------------------------------ (a) got10k tracker as a plug-in

def test_got10k_tracker_runs_as_a_plugin_named_by_its_instance_built_once(refdata, tmp_path, plugin_file):
    spec_text = f"{plugin_file}:StillGot10k"
    cls = load_plugin_class(spec_text)
    module = sys.modules[cls.__module__]
    module.BUILT.clear()
    module.FIRST_FRAMES.clear()
    spec = TrackerSpec.of(spec_text)
    assert spec.name == "StillGot10k-v2" and spec.folder == "StillGot10k-v2"  # the instance's name
    tracker = spec.build()
    assert isinstance(tracker, Got10kTracker) and tracker.name == "StillGot10k-v2"
    assert len(module.BUILT) == 1 and tracker.inner is module.BUILT[0]  # the name's instance, not a second one
    assert TrackerSpec.of(cls).name == "StillGot10k-v2"  # the class itself (library use) too

    root = refdata / "otb" / "seqs"
    result = run_eval("--dataset", "otb2015", "--data-root", str(root), "--tracker", spec_text,
                      "--sequences", "Couple", "--out", str(tmp_path), "--quiet")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    boxes = read_boxes(tmp_path / "raw" / "otb2015" / "StillGot10k-v2" / "Couple.txt")
    truth = read_boxes(root / "Couple" / "groundtruth_rect.txt")
    assert boxes.shape == truth.shape and np.allclose(boxes, truth[0])  # boxes passed through unchanged
    expected = np.asarray(Image.open(root / "Couple" / "img" / "0001.jpg").convert("RGB"))
    assert np.array_equal(module.FIRST_FRAMES[-1], expected)  # exactly the frame got10k would give it


def test_got10k_tracker_whose_init_raises_is_one_line(tmp_path):
    path = tmp_path / "broken.py"
    path.write_text("from got10k.trackers import Tracker\n\nclass Broken(Tracker):\n"
                    "    def __init__(self):\n        raise RuntimeError('no weights file')\n")
    from crpnbench.errors import CrpnbenchError

    with pytest.raises(CrpnbenchError, match="Broken\\(\\) raised RuntimeError: no weights file"):
        TrackerSpec.of(f"{path}:Broken")


# ------------------------------------------------------------------------------ (b) and (a) against got10k's ExperimentOTB

def test_got10k_experiment_otb_gives_crpnbench_eval_boxes_and_scores(refdata, tmp_path, plugin_file, monkeypatch,
                                                                     capsys):
    root = refdata / "otb" / "seqs"
    plugin = f"{plugin_file}:KCFGot10k"
    eval_json = tmp_path / "eval.json"
    result = run_eval("--dataset", "otb2015", "--data-root", str(root), "--tracker", "kcf", "--tracker", plugin,
                      "--sequences", ",".join(SEQUENCES), "--out", str(tmp_path / "crpnbench"), "--quiet",
                      "--json", str(eval_json))
    assert result.exit_code == 0, result.output
    ours = {r["tracker"]: r for r in json.loads(eval_json.read_text())}
    assert set(ours) == {"kcf", "KCF-got10k"}

    experiment = otb_experiment(root, tmp_path, monkeypatch)
    assert experiment.dataset.seq_names == SEQUENCES
    kcf = as_got10k_tracker("kcf", is_deterministic=True)  # (b): a crpnbench tracker in got10k
    assert kcf.name == "kcf"
    experiment.run(kcf)
    experiment.run(load_plugin_class(plugin)())  # the got10k tracker in its own toolkit
    performance = experiment.report(["kcf", "KCF-got10k"])
    capsys.readouterr()

    raw = tmp_path / "crpnbench" / "raw" / "otb2015"
    theirs_dir = tmp_path / "got10k_results" / "OTB2015"
    for name in ("kcf", "KCF-got10k"):
        for seq in SEQUENCES:
            mine = read_boxes(raw / name / f"{seq}.txt")
            theirs = np.loadtxt(theirs_dir / name / f"{seq}.txt", delimiter=",")  # got10k writes %.3f
            assert mine.shape == theirs.shape
            np.testing.assert_allclose(mine, theirs, atol=5e-4, err_msg=f"{name} {seq}")
        overall = performance[name]["overall"]  # eval's --json rounds to 6 decimals
        assert ours[name]["success"] == pytest.approx(overall["success_score"], abs=1e-6)
        assert ours[name]["precision"] == pytest.approx(overall["precision_score"], abs=1e-6)

    # crpnbench score on eval's folder and on got10k's (its times/ too) equals got10k's report to 1e-12
    _, on_ours = score_folder("otb2015", raw, data_root=root, sequences=SEQUENCES)
    _, on_theirs = score_folder("otb2015", theirs_dir, data_root=root, sequences=SEQUENCES)
    for name in ("kcf", "KCF-got10k"):
        overall = performance[name]["overall"]
        for report in (on_ours, on_theirs):
            metrics = report.trackers[name].metrics
            assert metrics["success"] == pytest.approx(overall["success_score"], abs=1e-12)
            assert metrics["precision"] == pytest.approx(overall["precision_score"], abs=1e-12)
