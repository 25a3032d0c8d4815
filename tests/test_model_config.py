"""CRPNConfig: every tracker file, `extends`, overrides, defaults and clear errors."""

from pathlib import Path

import pytest

from crpnbench.errors import ConfigError
from crpnbench.models.config import CRPNConfig, feature_size

TRACKERS = Path(__file__).resolve().parents[1] / "trackers"

VARIANTS = {
    "crpn": dict(stages=3, fusion="ftb", theta=0.95),
    "crpn-1stage": dict(stages=1, fusion="ftb", theta=0.95),
    "crpn-2stage": dict(stages=2, fusion="ftb", theta=0.95),
    "crpn-nonaf": dict(stages=3, fusion="ftb", theta=1.0),
    "crpn-noftb-single": dict(stages=3, fusion="single", theta=0.95),
    "crpn-noftb-multi": dict(stages=3, fusion="multi", theta=0.95),
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_ablation_files_exist_and_say_what_they_are(name):
    cfg = CRPNConfig.from_toml(TRACKERS / f"{name}.toml")
    assert cfg.name == name
    for key, value in VARIANTS[name].items():
        assert getattr(cfg, key) == value
    assert (cfg.exemplar_size, cfg.instance_size, cfg.score_size, cfg.num_anchors) == (127, 255, 17, 5)
    assert cfg.checkpoint_path == Path("results/runs") / name / "model.pt"


def test_small_config_extends_the_full_one():
    small = CRPNConfig.from_toml(TRACKERS / "crpn-small.toml")
    full = CRPNConfig.from_toml(TRACKERS / "crpn.toml")
    assert small.name == "crpn-small" and small.width < 1
    assert (small.stages, small.fusion, small.theta, small.lr) == (full.stages, full.fusion, full.theta, full.lr)


def test_alexnet_geometry():
    assert [feature_size(255, layer) for layer in (3, 4, 5)] == [26, 24, 22]
    assert [feature_size(127, layer) for layer in (3, 4, 5)] == [10, 8, 6]


def test_extends_overrides_and_no_inherited_name(tmp_path):
    (tmp_path / "base.toml").write_text('type = "crpn"\nname = "base"\ncheckpoint = "w/base.pt"\n'
                                        '[model]\nstages = 2\ntheta = 0.9\n[tracking]\nlr = 0.2\n')
    (tmp_path / "child.toml").write_text('type = "crpn"\nextends = "base.toml"\n[model]\ntheta = 1.0\n'
                                         '[train]\nepochs = 3\n')
    cfg = CRPNConfig.from_toml(tmp_path / "child.toml")
    assert (cfg.name, cfg.stages, cfg.theta, cfg.lr) == ("child", 2, 1.0, 0.2)
    assert cfg.checkpoint_path == Path("results/runs/child/model.pt")
    assert cfg.train == {"epochs": 3}
    over = CRPNConfig.from_toml(tmp_path / "child.toml", {"stages": 1, "model.width": 0.5})
    assert (over.stages, over.width) == (1, 0.5)
    assert CRPNConfig.from_dict(over.to_dict()) == over


@pytest.mark.parametrize("text, words", [
    ('type = "crpn"\n[model]\nstages = 4\n', "model.stages"),
    ('type = "crpn"\n[model]\nfusion = "late"\n', "model.fusion"),
    ('type = "crpn"\n[model]\nstagez = 2\n', "model.stagez"),
    ('type = "crpn"\n[model]\nexemplar_size = 64\n', "too small"),
    ('type = "opencv"\n', "not a C-RPN config"),
    ('type = "crpn"\nextends = "missing.toml"\n', "not found"),
    ('type = "crpn"\n[model\n', "invalid TOML"),
])
def test_bad_configs_give_one_clear_error(tmp_path, text, words):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=words.replace(".", r"\.")):
        CRPNConfig.from_toml(path)
