"""One TrackerSpec builds every tracker; every C-RPN build checks the device and the checkpoint's geometry."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
import torch

from crpnbench.errors import ConfigError
from crpnbench.models.checkpoint import save_checkpoint
from crpnbench.models.config import CRPNConfig
from crpnbench.models.crpn import CRPN
from crpnbench.tracking.crpn_tracker import CRPNTracker
from crpnbench.tracking.opencv_trackers import OpenCVTracker
from crpnbench.tracking.spec import TrackerSpec

REPO = Path(__file__).resolve().parents[1]
SMALL = CRPNConfig.from_toml(REPO / "trackers" / "crpn-small.toml")


def test_names_folders_and_kinds():
    assert TrackerSpec.of("kcf").folder == "kcf" and not TrackerSpec.of("kcf").is_crpn
    untrained = TrackerSpec.of("crpn-small", untrained=True)
    assert untrained.is_crpn and untrained.name == "crpn-small" and untrained.folder == "crpn-small-untrained"
    assert TrackerSpec.of("kcf", untrained=True).folder == "kcf"  # weights do not concern OpenCV trackers
    assert TrackerSpec.of(SMALL).name == "crpn-small" and TrackerSpec.of(SMALL).is_crpn
    spec = TrackerSpec.of("crpn-small", device="cpu", checkpoint=Path("x.pt"), fast="eager")
    assert TrackerSpec.of(spec) is spec and spec.checkpoint == "x.pt"
    assert pickle.loads(pickle.dumps(spec)) == spec  # worker processes and Ray tasks get the same spec
    with pytest.raises(ConfigError, match="empty tracker name"):
        TrackerSpec.of(" ")


def test_every_build_path_gives_the_same_tracker_with_the_same_options(tmp_path):
    save_checkpoint(tmp_path / "small.pt", CRPN(SMALL), SMALL)
    by_name = TrackerSpec.of("crpn-small", checkpoint=tmp_path / "small.pt").build()
    by_config = TrackerSpec.of(SMALL, checkpoint=tmp_path / "small.pt").build()
    fast = TrackerSpec.of(SMALL, checkpoint=tmp_path / "small.pt", fast="eager").build()
    assert all(isinstance(t, CRPNTracker) for t in (by_name, by_config, fast)) and fast.fast_mode == "eager"
    for other in (by_config, fast):
        for key, value in by_name.model.state_dict().items():
            assert torch.equal(other.model.state_dict()[key], value), key
    assert isinstance(TrackerSpec.of("kcf").build(), OpenCVTracker)


@pytest.mark.parametrize("how", ["name", "config", "fast"])
def test_every_crpn_build_checks_geometry_and_device(tmp_path, how):
    other = SMALL.replace(exemplar_size=127, instance_size=255)  # trained with other crops
    save_checkpoint(tmp_path / "other.pt", CRPN(other), other)
    target = "crpn-small" if how == "name" else SMALL
    spec = TrackerSpec.of(target, checkpoint=tmp_path / "other.pt", fast="eager" if how == "fast" else None)
    with pytest.raises(ConfigError, match="checkpoint was trained with exemplar_size 127"):
        spec.build()
    if not torch.cuda.is_available():
        with pytest.raises(ConfigError, match="CUDA is not available"):
            TrackerSpec.of(target, device="cuda", untrained=True).build()
    with pytest.raises(ConfigError, match="no trained checkpoint"):
        TrackerSpec.of(SMALL.replace(checkpoint=str(tmp_path / "none.pt"))).build()


def test_describe_weights_only_for_trained_crpn(tmp_path):
    save_checkpoint(tmp_path / "small.pt", CRPN(SMALL), SMALL)
    assert TrackerSpec.of("kcf").describe_weights() is None
    assert TrackerSpec.of("crpn-small", untrained=True).describe_weights() is None
    text = TrackerSpec.of("crpn-small", checkpoint=tmp_path / "small.pt").describe_weights()
    assert text.startswith(f"{tmp_path / 'small.pt'}: ") and "initialisation not recorded" in text
