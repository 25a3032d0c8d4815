"""Pretrained weights in the layouts researchers have on disk, loaded through `crpnbench train --pretrained`.

The state dicts are built here from the published module structures (names and shapes of pysot's
``pysot/models/backbone/alexnet.py`` AlexNetLegacy / AlexNet and DaSiamRPN's ``code/net.py``
SiamRPNvot), filled with seeded random values (BatchNorm running statistics too), saved with
``torch.save`` and loaded through the CLI with ``--epochs 0``, which writes the initialised model as
the run's checkpoint. DaSiamRPN's forward pass is re-written here from its published structure and
compared with the 1-stage C-RPN loaded from its weights.
"""

from __future__ import annotations

import subprocess
import sys

import torch
import torch.nn.functional as F
from click.testing import CliRunner
from torch import nn

from crpnbench.cli import cli
from crpnbench.models.checkpoint import load_checkpoint, save_checkpoint
from crpnbench.models.config import CRPNConfig
from crpnbench.models.crpn import CRPN
from crpnbench.training.api import find_tracker_config

CHANNELS = [3, 96, 256, 384, 384, 256]


def alexnet_legacy_features() -> nn.Sequential:
    """pysot AlexNetLegacy.features / DaSiamRPN featureExtract (width 1): conv, BN, pool, ReLU, ..."""
    c = CHANNELS
    return nn.Sequential(
        nn.Conv2d(c[0], c[1], kernel_size=11, stride=2), nn.BatchNorm2d(c[1]), nn.MaxPool2d(3, 2), nn.ReLU(),
        nn.Conv2d(c[1], c[2], kernel_size=5), nn.BatchNorm2d(c[2]), nn.MaxPool2d(3, 2), nn.ReLU(),
        nn.Conv2d(c[2], c[3], kernel_size=3), nn.BatchNorm2d(c[3]), nn.ReLU(),
        nn.Conv2d(c[3], c[4], kernel_size=3), nn.BatchNorm2d(c[4]), nn.ReLU(),
        nn.Conv2d(c[4], c[5], kernel_size=3), nn.BatchNorm2d(c[5]),
    )


class PysotAlexNet(nn.Module):
    """pysot AlexNet: layer1..layer5, each Sequential(conv, BN[, pool], [ReLU])."""

    def __init__(self):
        super().__init__()
        c = CHANNELS
        self.layer1 = nn.Sequential(nn.Conv2d(c[0], c[1], 11, stride=2), nn.BatchNorm2d(c[1]), nn.MaxPool2d(3, 2), nn.ReLU())
        self.layer2 = nn.Sequential(nn.Conv2d(c[1], c[2], 5), nn.BatchNorm2d(c[2]), nn.MaxPool2d(3, 2), nn.ReLU())
        self.layer3 = nn.Sequential(nn.Conv2d(c[2], c[3], 3), nn.BatchNorm2d(c[3]), nn.ReLU())
        self.layer4 = nn.Sequential(nn.Conv2d(c[3], c[4], 3), nn.BatchNorm2d(c[4]), nn.ReLU())
        self.layer5 = nn.Sequential(nn.Conv2d(c[4], c[5], 3), nn.BatchNorm2d(c[5]))

    def forward(self, x):
        for i in range(1, 6):
            x = getattr(self, f"layer{i}")(x)
        return x


class DaSiamRPNvot(nn.Module):
    """DaSiamRPN's SiamRPNvot (size 1, feature_out 256, 5 anchors), forward pass as published."""

    def __init__(self, feature_out=256, anchor=5):
        super().__init__()
        feat_in = CHANNELS[-1]
        self.anchor, self.feature_out = anchor, feature_out
        self.featureExtract = alexnet_legacy_features()
        self.conv_r1 = nn.Conv2d(feat_in, feature_out * 4 * anchor, 3)
        self.conv_r2 = nn.Conv2d(feat_in, feature_out, 3)
        self.conv_cls1 = nn.Conv2d(feat_in, feature_out * 2 * anchor, 3)
        self.conv_cls2 = nn.Conv2d(feat_in, feature_out, 3)
        self.regress_adjust = nn.Conv2d(4 * anchor, 4 * anchor, 1)

    def temple(self, z):
        z_f = self.featureExtract(z)
        r1 = self.conv_r1(z_f)
        cls1 = self.conv_cls1(z_f)
        k = r1.shape[-1]
        self.r1_kernel = r1.view(self.anchor * 4, self.feature_out, k, k)
        self.cls1_kernel = cls1.view(self.anchor * 2, self.feature_out, k, k)

    def forward(self, x):
        x_f = self.featureExtract(x)
        return (self.regress_adjust(F.conv2d(self.conv_r2(x_f), self.r1_kernel)),
                F.conv2d(self.conv_cls2(x_f), self.cls1_kernel))


def randomise(module: nn.Module, seed: int) -> nn.Module:
    """Seeded random weights at sane scales and random BatchNorm running statistics (eval mode)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
                fan_in = m.weight[0].numel()
                m.weight.copy_(torch.randn(m.weight.shape, generator=gen) * (2.0 / fan_in) ** 0.5)
                m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)
            elif isinstance(m, nn.BatchNorm2d):
                m.weight.copy_(1 + 0.1 * torch.randn(m.weight.shape, generator=gen))
                m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=gen))
                m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=gen))
                m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=gen))
                m.num_batches_tracked.fill_(1000)
    return module.eval()


def train_cli(*args):
    result = CliRunner().invoke(cli, ["train", "--quiet", "--device", "cpu", *map(str, args)])
    return result


def trained_model(run_dir, tracker):
    payload = load_checkpoint(run_dir / "model.pt")
    model = CRPN(CRPNConfig.from_toml(find_tracker_config(tracker))).eval()
    model.load_state_dict(payload["model"])
    return model, payload


def test_pysot_alexnet_legacy_loads_every_layer_and_freezes_conv1_2(tmp_path):
    source = randomise(alexnet_legacy_features(), seed=1)
    torch.save({f"features.{k}": v for k, v in source.state_dict().items()}, tmp_path / "alexnet-bn.pth")
    result = train_cli("--tracker", "crpn-1stage", "--pretrained", tmp_path / "alexnet-bn.pth", "--epochs", 0,
                       "--run-dir", tmp_path / "run")
    assert result.exit_code == 0, result.output
    assert "(layout pysot-alexnet-legacy): 35 tensor(s) loaded (BatchNorm running statistics of 5 layer(s)), 0 skipped" in result.output
    assert "loaded  backbone.conv3.1 <- features.9: weight (384,), bias (384,), running_mean (384,)" in result.output
    assert "frozen (pretrained, as the paper): conv1, conv2" in result.output
    model, payload = trained_model(tmp_path / "run", "crpn-1stage")
    assert payload["init"]["frozen"] == ["conv1", "conv2"] and payload["epoch"] == 0
    assert payload["init"]["pretrained"]["layout"] == "pysot-alexnet-legacy"
    # pysot's order (BN, max-pool, ReLU) and ours (BN, ReLU, max-pool) give the same conv5 features
    x = torch.rand(2, 3, 127, 127) * 255
    with torch.no_grad():
        assert torch.allclose(model.backbone(x)["conv5"], source(x), rtol=1e-5, atol=1e-4)


def test_pysot_alexnet_layer_layout_and_a_whole_pysot_model(tmp_path):
    source = randomise(PysotAlexNet(), seed=2)
    # a whole pysot SiamRPN snapshot: backbone.* plus a depth-wise RPN head that fits nothing here
    state = {f"backbone.{k}": v for k, v in source.state_dict().items()}
    state["rpn_head.cls.conv_kernel.0.weight"] = torch.zeros(256, 256, 3, 3)
    torch.save({"epoch": 20, "state_dict": state}, tmp_path / "checkpoint_e20.pth")
    result = train_cli("--tracker", "crpn-1stage", "--pretrained", tmp_path / "checkpoint_e20.pth", "--epochs", 0,
                       "--run-dir", tmp_path / "run")
    assert result.exit_code == 0, result.output
    assert "(layout pysot-alexnet): 35 tensor(s) loaded" in result.output
    assert "skipped rpn_head.cls.conv_kernel.0.weight: no matching layer" in result.output
    model, _ = trained_model(tmp_path / "run", "crpn-1stage")
    x = torch.rand(1, 3, 135, 135) * 255
    with torch.no_grad():
        assert torch.allclose(model.backbone(x)["conv5"], source(x), rtol=1e-5, atol=1e-4)


def test_dasiamrpn_vot_model_is_a_one_stage_crpn(tmp_path):
    torch.manual_seed(0)
    dasiam = randomise(DaSiamRPNvot(), seed=3)
    torch.save(dasiam.state_dict(), tmp_path / "SiamRPNvot.model")
    result = train_cli("--tracker", "dasiamrpn", "--pretrained", tmp_path / "SiamRPNvot.model", "--epochs", 0,
                       "--run-dir", tmp_path / "run")
    assert result.exit_code == 0, result.output
    assert "(layout dasiamrpn): 45 tensor(s) loaded" in result.output
    assert "loaded  heads.0.template_cls <- conv_cls1: weight (2560, 256, 3, 3), bias (2560,)" in result.output
    model, payload = trained_model(tmp_path / "run", "dasiamrpn")
    assert payload["config"]["track_instance_size"] == 271 and payload["config"]["penalty_k"] == 0.04
    assert payload["init"]["pretrained"]["not_loaded"] == 0  # every tensor of the 1-stage model came from the file
    gen = torch.Generator().manual_seed(4)
    z = torch.rand(1, 3, 127, 127, generator=gen) * 255
    for size in (255, 271):  # DaSiamRPN tracks VOT at 271
        x = torch.rand(2, 3, size, size, generator=gen) * 255
        with torch.no_grad():
            dasiam.temple(z)
            reg_ref, cls_ref = dasiam(x)
            (cls, reg), = model(z, x)
        assert cls.shape == cls_ref.shape and reg.shape == reg_ref.shape
        for ours, theirs in ((cls, cls_ref), (reg, reg_ref)):
            scale = theirs.abs().max()
            assert (ours - theirs).abs().max() <= 1e-5 * scale, float((ours - theirs).abs().max() / scale)


def test_a_one_stage_checkpoint_initialises_the_three_stage_model(tmp_path):
    one = CRPNConfig.from_toml(find_tracker_config("crpn-small"), {"stages": 1, "name": "small-1"})
    torch.manual_seed(7)
    source = CRPN(one)
    save_checkpoint(tmp_path / "one.pt", source, one)
    result = train_cli("--tracker", "crpn-small", "--pretrained", tmp_path / "one.pt", "--epochs", 0,
                       "--run-dir", tmp_path / "run")
    assert result.exit_code == 0, result.output
    assert "(layout crpnbench)" in result.output
    model, payload = trained_model(tmp_path / "run", "crpn-small")
    loaded = payload["init"]["pretrained"]["loaded_modules"]
    assert "heads.0.template_cls" in loaded and not any(m.startswith(("heads.1", "ftbs")) for m in loaded)
    for key, value in source.state_dict().items():
        assert torch.equal(model.state_dict()[key], value), key
    assert payload["init"]["frozen"] == ["conv1", "conv2"]


def test_a_file_that_fits_nothing_is_one_error_naming_it(tmp_path):
    torchvision_like = {"features.0.weight": torch.zeros(64, 3, 11, 11), "features.0.bias": torch.zeros(64),
                        "classifier.1.weight": torch.zeros(4096, 9216)}
    torch.save(torchvision_like, tmp_path / "alexnet-owt.pth")
    command = [sys.executable, "-m", "crpnbench", "train", "--tracker", "crpn-small", "--pretrained",
               str(tmp_path / "alexnet-owt.pth"), "--epochs", "0", "--run-dir", str(tmp_path / "run"), "--quiet"]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert "alexnet-owt.pth: no tensor fits this model (first mismatching key: 'features.0.weight' (shape (64, 3, 11, 11)" in lines[0]
    assert not (tmp_path / "run" / "model.pt").exists()
    (tmp_path / "junk.pth").write_bytes(b"not weights")
    for bad, message in (("junk.pth", "junk.pth: cannot read PyTorch weights"),
                         ("none.pth", "none.pth: pretrained weights file not found")):
        command[command.index("--pretrained") + 1] = str(tmp_path / bad)
        done = subprocess.run(command, capture_output=True, text=True)
        assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert message in done.stderr


def test_eval_says_which_weights_and_data_a_checkpoint_has(tmp_path, refdata):
    one = CRPNConfig.from_toml(find_tracker_config("crpn-small"), {"stages": 1, "name": "small-1"})
    save_checkpoint(tmp_path / "one.pt", CRPN(one), one)
    assert train_cli("--tracker", "crpn-small", "--pretrained", tmp_path / "one.pt", "--epochs", 0,
                     "--run-dir", tmp_path / "run").exit_code == 0
    args = ["eval", "--dataset", "otb2015", "--data-root", refdata / "otb" / "seqs", "--tracker", "crpn-small",
            "--checkpoint", tmp_path / "run" / "model.pt", "--sequences", "Crossing", "--max-frames", 3,
            "--out", tmp_path / "results", "--quiet", "--no-score"]
    result = CliRunner().invoke(cli, list(map(str, args)))
    assert result.exit_code == 0, result.output
    line = next(l for l in result.output.splitlines() if l.startswith("crpn-small weights: "))
    assert f"{tmp_path / 'run' / 'model.pt'}: 0/0 epoch(s); no training (initialised model); started from " \
           f"{tmp_path / 'one.pt'} (layout crpnbench, " in line
    assert line.endswith("; frozen conv1, conv2")
