"""The C-RPN network: per-stage map shapes for every variant, NAF in the cascade, checkpoints, backbone."""

from pathlib import Path

import numpy as np
import pytest
import torch

from crpnbench.errors import ConfigError
from crpnbench.models.anchors import decode, generate_anchors
from crpnbench.models.cascade import cascade_proposals, flatten_stage, run_cascade
from crpnbench.models.checkpoint import load_checkpoint, load_model_weights, save_checkpoint
from crpnbench.models.config import CRPNConfig
from crpnbench.models.crpn import CRPN

TRACKERS = Path(__file__).resolve().parents[1] / "trackers"
torch.set_num_threads(1)

VARIANTS = ["crpn", "crpn-1stage", "crpn-2stage", "crpn-nonaf", "crpn-noftb-single", "crpn-noftb-multi"]


def _tiny(name, **changes):
    """The named variant at width 0.125 (tests stay fast); full input sizes unless changed."""
    return CRPNConfig.from_toml(TRACKERS / f"{name}.toml", {"width": 0.125, **changes})


@pytest.mark.parametrize("name", VARIANTS)
def test_every_stage_map_has_the_score_size(name):
    cfg = _tiny(name)
    model = CRPN(cfg).eval()
    z, x = torch.rand(2, 3, 127, 127) * 255, torch.rand(2, 3, 255, 255) * 255
    with torch.no_grad():
        outputs = model(z, x)
    assert len(outputs) == cfg.stages
    for cls, reg in outputs:
        assert cls.shape == (2, 2 * 5, 17, 17) and reg.shape == (2, 4 * 5, 17, 17)
        assert torch.isfinite(cls).all() and torch.isfinite(reg).all()
    # tracking path = training path (template cached once, then search)
    with torch.no_grad():
        model.template(z[:1])
        tracked = model.track(x[:1])
    for (cls, reg), (tcls, treg) in zip(outputs, tracked):
        # random weights give large activations: compare relative to the map's scale
        torch.testing.assert_close(tcls, cls[:1], rtol=1e-3, atol=1e-4 * cls.abs().max().item())
        torch.testing.assert_close(treg, reg[:1], rtol=1e-3, atol=1e-4 * reg.abs().max().item())


def test_small_training_config_shapes():
    cfg = CRPNConfig.from_toml(TRACKERS / "crpn-small.toml")
    model = CRPN(cfg)
    e, i = cfg.exemplar_size, cfg.instance_size
    outputs = model(torch.rand(2, 3, e, e) * 255, torch.rand(2, 3, i, i) * 255)
    assert [tuple(c.shape) for c, _ in outputs] == [(2, 10, cfg.score_size, cfg.score_size)] * 3
    assert [tuple(r.shape) for _, r in outputs] == [(2, 20, cfg.score_size, cfg.score_size)] * 3
    sum(c.sum() + r.sum() for c, r in outputs).backward()   # differentiable end to end
    assert model.backbone.conv3[0].weight.grad is not None
    assert all(p.grad is not None for p in model.ftbs.parameters())


def _stage_outputs(neg_logits, deltas):
    """Build one stage's (cls, reg) maps from per-anchor negative logits (positive logit 0) and deltas."""
    k, h, w = 5, 3, 3
    cls = torch.zeros(1, 2, k, h, w)
    cls[0, 0] = neg_logits.reshape(k, h, w)
    reg = deltas.reshape(k, h, w, 4).permute(3, 0, 1, 2).reshape(1, 4 * k, h, w)
    return cls.reshape(1, 2 * k, h, w), reg


def test_naf_filters_exactly_the_confident_negatives_and_refines_anchors():
    base = torch.from_numpy(generate_anchors(3))
    n = base.shape[0]
    gen = torch.Generator().manual_seed(0)
    logits1 = torch.randn(n, generator=gen) * 4
    logits2 = torch.randn(n, generator=gen) * 4
    deltas1 = torch.randn(n, 4, generator=gen) * 0.1
    deltas2 = torch.randn(n, 4, generator=gen) * 0.1
    outputs = [_stage_outputs(logits1, deltas1), _stage_outputs(logits2, deltas2), _stage_outputs(logits2, deltas2)]
    theta = 0.95
    stages = run_cascade(outputs, base, theta)
    assert len(stages) == 3
    neg1 = torch.sigmoid(logits1)   # softmax over (neg, 0) = sigmoid(neg)
    neg2 = torch.sigmoid(logits2)
    assert stages[0].keep.all()
    torch.testing.assert_close(stages[0].anchors[0], base)
    assert torch.equal(stages[1].keep[0], neg1 <= theta)
    assert torch.equal(stages[2].keep[0], (neg1 <= theta) & (neg2 <= theta))
    assert 0 < stages[2].keep.sum() < stages[1].keep.sum() < n
    torch.testing.assert_close(stages[1].anchors[0], decode(deltas1, base))
    torch.testing.assert_close(stages[2].anchors[0], decode(deltas2, decode(deltas1, base)))
    proposals, score = cascade_proposals(outputs, base, theta)
    torch.testing.assert_close(proposals.anchors[0], decode(deltas2, decode(deltas2, decode(deltas1, base))))
    torch.testing.assert_close(score[0], 1 - neg2)
    # theta = 1 keeps every anchor, even saturated negatives
    saturated = [_stage_outputs(torch.full((n,), 100.0), deltas1)] * 3
    assert all(s.keep.all() for s in run_cascade(saturated, base, 1.0))
    assert not run_cascade(saturated, base, 0.95)[1].keep.any()


def test_checkpoint_round_trip_gives_identical_outputs(tmp_path):
    cfg = CRPNConfig.from_toml(TRACKERS / "crpn-small.toml", {"width": 0.125})
    model = CRPN(cfg).eval()
    path = save_checkpoint(tmp_path / "run" / "model.pt", model, cfg, {"epoch": 7})
    payload = load_checkpoint(path)
    assert payload["epoch"] == 7 and CRPNConfig.from_dict(payload["config"]) == cfg
    other = CRPN(cfg).eval()
    load_model_weights(other, path)
    z = torch.rand(1, 3, cfg.exemplar_size, cfg.exemplar_size) * 255
    x = torch.rand(1, 3, cfg.instance_size, cfg.instance_size) * 255
    with torch.no_grad():
        for (a, b), (c, d) in zip(model(z, x), other(z, x)):
            assert torch.equal(a, c) and torch.equal(b, d)
    wrong = CRPN(cfg.replace(stages=1))
    with pytest.raises(ConfigError, match="does not fit"):
        load_model_weights(wrong, path)
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ConfigError, match="junk.pt"):
        load_checkpoint(tmp_path / "junk.pt")


def test_flatten_stage_shapes():
    scores, deltas = flatten_stage(torch.zeros(3, 10, 5, 5), torch.zeros(3, 20, 5, 5))
    assert scores.shape == (3, 125, 2) and deltas.shape == (3, 125, 4)
    assert np.isclose(generate_anchors(5).shape[0], 125)


def _outputs(model, cfg, seed=0):
    gen = torch.Generator().manual_seed(seed)
    z = torch.rand(1, 3, cfg.exemplar_size, cfg.exemplar_size, generator=gen) * 255
    x = torch.rand(1, 3, cfg.instance_size, cfg.instance_size, generator=gen) * 255
    with torch.no_grad():
        return model(z, x)


def test_ftb_cascade_structure_each_stage_depends_on_what_the_paper_says():
    cfg = _tiny("crpn", exemplar_size=103, instance_size=151)
    model = CRPN(cfg).eval()
    assert [ftb.deconv.kernel_size for ftb in model.ftbs] == [(3, 3), (5, 5)]   # 22->24 (conv4), 22->26 (conv3)
    before = _outputs(model, cfg)
    with torch.no_grad():
        model.ftbs[1].fuse_conv.weight.mul_(2.0)          # stage 3's FTB: only stage 3 changes
    after = _outputs(model, cfg)
    assert torch.equal(before[0][0], after[0][0]) and torch.equal(before[1][0], after[1][0])
    assert not torch.allclose(before[2][0], after[2][0])
    with torch.no_grad():
        model.ftbs[0].cur_conv.weight.mul_(2.0)           # stage 2's FTB feeds stage 2 and, through Φ2, stage 3
    again = _outputs(model, cfg)
    assert torch.equal(after[0][0], again[0][0])
    assert not torch.allclose(after[1][0], again[1][0]) and not torch.allclose(after[2][0], again[2][0])


def test_ftb_output_has_the_previous_stage_resolution():
    from crpnbench.models.ftb import FeatureTransferBlock

    ftb = FeatureTransferBlock(prev_channels=16, cur_channels=24, out_channels=16, deconv_kernel=3)
    prev, cur = torch.rand(2, 16, 22, 22), torch.rand(2, 24, 24, 24)
    assert ftb.deconv(prev).shape[-2:] == cur.shape[-2:]
    out = ftb(prev, cur)
    assert out.shape == (2, 16, 22, 22)
    # the fused map is a ReLU'd sum before the last conv: zeroing the last conv's weights leaves its bias
    with torch.no_grad():
        ftb.fuse_conv.weight.zero_()
    assert torch.allclose(ftb(prev, cur), ftb.fuse_conv.bias.view(1, -1, 1, 1).expand(2, 16, 22, 22))


def test_single_and_multi_fusion_variants():
    single = CRPN(_tiny("crpn-noftb-single", exemplar_size=103, instance_size=151)).eval()
    feats = single.backbone(torch.rand(1, 3, 151, 151) * 255)
    phis = single.stage_features(feats)
    assert all(phi is feats["conv5"] for phi in phis) and len(single.ftbs) == 0
    multi_cfg = _tiny("crpn-noftb-multi", exemplar_size=103, instance_size=151)
    multi = CRPN(multi_cfg)
    assert [tuple(w.shape) for w in multi.fusion_weights] == [(2, 1), (2, 2), (2, 3)]
    assert [len(h) for h in multi.heads] == [1, 2, 3]       # stage l fuses conv5..conv(6-l) after correlation
    outputs = _outputs(multi, multi_cfg)
    with torch.enable_grad():
        gen = torch.Generator().manual_seed(1)
        z = torch.rand(1, 3, 103, 103, generator=gen) * 255
        x = torch.rand(1, 3, 151, 151, generator=gen) * 255
        out = multi(z, x)
        (out[2][0].square().mean() + out[2][1].square().mean()).backward()
    assert multi.fusion_weights[2].grad is not None and multi.fusion_weights[2].grad.abs().sum() > 0
    assert outputs[2][0].shape == outputs[0][0].shape
