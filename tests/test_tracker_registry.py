"""Tracker registry: configs by name, plug-ins by file and by module, and the error messages."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import numpy as np
import pytest

from crpnbench.data.sequence import Sequence
from crpnbench.data.textio import read_boxes
from crpnbench.errors import ConfigError
from crpnbench.tracking.opencv_trackers import OpenCVTracker
from crpnbench.tracking.registry import build_tracker, default_trackers_dir, list_trackers

REPO_ROOT = Path(__file__).resolve().parents[1]

PLUGIN_SOURCE = textwrap.dedent(
    '''
    import numpy as np
    from crpnbench.tracking.base import Tracker


    class StillTracker(Tracker):
        """Predicts the initial box on every frame."""

        def init(self, frame, box):
            self.box = np.asarray(box, dtype=float).copy()
            self.shape = frame.shape

        def update(self, frame):
            assert frame.shape == self.shape
            return self.box.copy()


    class NamedTracker:
        name = "my-named"

        def init(self, frame, box):
            self.box = np.asarray(box, dtype=float)

        def update(self, frame):
            return self.box + np.array([1.0, 0.0, 0.0, 0.0])


    class NoUpdate:
        def init(self, frame, box):
            pass


    class NeedsArguments:
        def __init__(self, model_path):
            self.model_path = model_path

        def init(self, frame, box):
            pass

        def update(self, frame):
            return [1, 1, 1, 1]
    '''
)


@pytest.fixture(scope="module")
def crossing(refdata) -> Sequence:
    folder = refdata / "otb" / "seqs" / "Crossing"
    boxes = read_boxes(folder / "groundtruth_rect.txt")[:12]
    return Sequence("Crossing", sorted((folder / "img").glob("*.jpg"))[:12], boxes)


@pytest.fixture()
def plugin_file(tmp_path) -> Path:
    path = tmp_path / "my_trackers.py"
    path.write_text(PLUGIN_SOURCE)
    return path


def test_lists_and_builds_the_shipped_baselines():
    names = list_trackers()
    assert {"kcf", "csrt", "mosse", "mil"} <= set(names)
    assert names == sorted(names)
    assert default_trackers_dir().resolve() == (REPO_ROOT / "trackers").resolve()
    for name, algorithm in [("kcf", "KCF"), ("csrt", "CSRT"), ("mosse", "MOSSE"), ("mil", "MIL")]:
        tracker = build_tracker(name)
        assert isinstance(tracker, OpenCVTracker)
        assert (tracker.algorithm, tracker.name) == (algorithm, name)
    assert build_tracker("mosse").context == 2.0
    assert build_tracker("kcf").params == {"detect_thresh": 0.2}


def test_own_trackers_dir_and_toml_path(tmp_path, monkeypatch):
    folder = tmp_path / "trackers"
    folder.mkdir()
    (folder / "csrt-lite.toml").write_text(
        'type = "opencv"\nalgorithm = "csrt"\nname = "csrt-lite"\n[params]\nnumber_of_scales = 9\n'
    )
    (folder / "plain.toml").write_text('type = "opencv"\nalgorithm = "KCF"\n')
    assert list_trackers(folder) == ["csrt-lite", "plain"]
    lite = build_tracker("csrt-lite", trackers_dir=folder)
    assert (lite.algorithm, lite.name, lite.params) == ("CSRT", "csrt-lite", {"number_of_scales": 9})
    assert build_tracker("plain", trackers_dir=folder).name == "plain"  # default name: the file name
    assert build_tracker(str(folder / "plain.toml")).algorithm == "KCF"
    # ./trackers in the working directory comes first, the shipped configs stay available
    (folder / "kcf.toml").write_text('type = "opencv"\nalgorithm = "KCF"\nname = "my-kcf"\n')
    monkeypatch.chdir(tmp_path)
    assert {"csrt-lite", "plain", "kcf", "csrt", "mosse", "mil"} <= set(list_trackers())
    assert build_tracker("kcf").name == "my-kcf"
    assert build_tracker("csrt-lite").name == "csrt-lite"
    assert build_tracker("mosse").context == 2.0  # from the checkout's trackers/


def test_crpn_configs_dispatch_to_the_crpn_tracker():
    pytest.importorskip("torch")
    tracker = build_tracker("crpn-small" if "crpn-small" in list_trackers() else "crpn", untrained=True)
    assert type(tracker).__name__ == "CRPNTracker"
    assert tracker.name.startswith("crpn")
    with pytest.raises(ConfigError, match="checkpoint"):
        build_tracker("crpn", checkpoint="/nonexistent/model.pt")


def test_plugin_by_file_path(plugin_file, crossing):
    tracker = build_tracker(f"{plugin_file}:StillTracker")
    assert tracker.name == "StillTracker"  # no own name: the class name
    tracker.init(crossing.frame(0), crossing.init_box)
    for index in range(1, 4):
        np.testing.assert_array_equal(tracker.update(crossing.frame(index)), crossing.init_box)
    named = build_tracker(f"{plugin_file}:NamedTracker")
    assert named.name == "my-named"
    named.init(crossing.frame(0), crossing.init_box)
    assert named.update(crossing.frame(1))[0] == crossing.init_box[0] + 1


def test_plugin_by_module_name(tmp_path, monkeypatch, crossing):
    package = tmp_path / "crpnbench_test_plugins_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "still.py").write_text(PLUGIN_SOURCE)
    monkeypatch.syspath_prepend(str(tmp_path))
    tracker = build_tracker("crpnbench_test_plugins_pkg.still:StillTracker")
    assert tracker.name == "StillTracker"
    tracker.init(crossing.frame(0), crossing.init_box)
    np.testing.assert_array_equal(tracker.update(crossing.frame(1)), crossing.init_box)


def test_readme_example_plugin_tracks_real_frames(tmp_path, crossing):
    """The complete example in trackers/README.md loads and follows the Crossing pedestrian."""
    readme = (REPO_ROOT / "trackers" / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    example = next(b for b in blocks if "class CentreTracker" in b)
    path = tmp_path / "centre_tracker.py"
    path.write_text(example)
    tracker = build_tracker(f"{path}:CentreTracker")
    assert tracker.name == "ncc"
    tracker.init(crossing.frame(0), crossing.init_box)
    boxes = np.array([tracker.update(crossing.frame(i)) for i in range(1, len(crossing))])
    assert np.all(np.isfinite(boxes))
    centre = boxes[:, :2] + boxes[:, 2:] / 2
    truth = crossing.boxes[1:, :2] + crossing.boxes[1:, 2:] / 2
    assert np.median(np.linalg.norm(centre - truth, axis=1)) < 8


def test_error_messages(plugin_file, tmp_path):
    with pytest.raises(ConfigError, match=r"unknown tracker 'kfc'; available: .*csrt.*kcf"):
        build_tracker("kfc")
    with pytest.raises(ConfigError, match="plug-in file does not exist"):
        build_tracker(f"{tmp_path / 'absent.py'}:Tracker")
    with pytest.raises(ConfigError, match="has no class 'Missing'; classes there: .*NamedTracker.*StillTracker"):
        build_tracker(f"{plugin_file}:Missing")
    with pytest.raises(ConfigError, match=r"NoUpdate .* lacks update\(\)"):
        build_tracker(f"{plugin_file}:NoUpdate")
    with pytest.raises(ConfigError, match="no arguments"):
        build_tracker(f"{plugin_file}:NeedsArguments")
    with pytest.raises(ConfigError, match="is not a class"):
        build_tracker(f"{plugin_file}:np")
    with pytest.raises(ConfigError, match="cannot be imported"):
        build_tracker("no_such_package_xyz.module:Tracker")
    with pytest.raises(ConfigError, match="bad plug-in spec"):
        build_tracker(f"{plugin_file}:not a name")
    broken = tmp_path / "broken.py"
    broken.write_text("import numpy as np\nraise RuntimeError('boom')\n")
    with pytest.raises(ConfigError, match="failed to import: RuntimeError: boom"):
        build_tracker(f"{broken}:Anything")

    folder = tmp_path / "trackers"
    folder.mkdir()
    (folder / "bad.toml").write_text('type = "opencv"\nalgorithm = KCF\n')
    (folder / "untyped.toml").write_text('algorithm = "KCF"\n')
    (folder / "alien.toml").write_text('type = "siamfc"\n')
    (folder / "nonsense.toml").write_text('type = "opencv"\nalgorithm = "KCF"\n[params]\nbogus = 1\n')
    with pytest.raises(ConfigError, match=r"bad\.toml: invalid TOML"):
        build_tracker("bad", trackers_dir=folder)
    with pytest.raises(ConfigError, match=r"untyped\.toml: missing `type`"):
        build_tracker("untyped", trackers_dir=folder)
    with pytest.raises(ConfigError, match=r"alien\.toml: unknown tracker type 'siamfc'"):
        build_tracker("alien", trackers_dir=folder)
    with pytest.raises(ConfigError, match="unknown KCF parameter 'bogus'"):
        build_tracker("nonsense", trackers_dir=folder)
    with pytest.raises(ConfigError, match="tracker config does not exist"):
        build_tracker(str(tmp_path / "nowhere.toml"))
