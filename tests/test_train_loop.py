"""The training loop on a tiny real C-RPN: SGD lowers the loss, checkpoints round-trip, resume continues."""

from __future__ import annotations

import csv

import cv2
import pytest
import torch

from crpnbench.errors import ConfigError
from crpnbench.models.checkpoint import load_model_weights
from crpnbench.models.config import CRPNConfig
from crpnbench.models.crpn import CRPN
from crpnbench.training.loss import cascade_loss
from crpnbench.training.pairs import TrainingPairs, make_loader, otb_folder_sequence
from crpnbench.training.trainer import (
    TrainSettings, base_anchors_for, initialise_model, learning_rate, make_optimizer, train,
)

# 3 stages, 8-19 channels, 103/119 crops: a 3 x 3 score map with 5 anchors per cell
TINY = CRPNConfig(name="tiny", width=0.05, exemplar_size=103, instance_size=119)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def crossing(refdata):
    return otb_folder_sequence(refdata / "otb" / "seqs" / "Crossing")


def _settings(**changes):
    values = dict(epochs=3, pairs_per_epoch=2, batch_size=2, workers=0, seed=5, freeze_layers=2)
    values.update(changes)
    return TrainSettings.from_mapping(values)


def test_learning_rate_is_annealed_geometrically():
    rates = [learning_rate(e, 50) for e in range(50)]
    assert rates[0] == pytest.approx(1e-2) and rates[-1] == pytest.approx(1e-6)
    ratios = [b / a for a, b in zip(rates, rates[1:])]
    assert max(ratios) == pytest.approx(min(ratios)) == pytest.approx(1e-4 ** (1 / 49))


def test_random_first_layers_train_unless_asked_to_freeze():
    model, init = initialise_model(TINY, _settings())
    assert init.frozen == [] and init.pretrained is None  # nothing pretrained: nothing worth keeping frozen
    assert all(p.requires_grad for p in model.parameters())
    optimised = {id(p) for group in make_optimizer(model, _settings()).param_groups for p in group["params"]}
    assert all(id(p) in optimised for p in model.backbone.conv1.parameters())
    assert "every layer trains" in " ".join(init.lines())


def test_sgd_steps_lower_the_loss_on_a_fixed_batch(crossing):
    settings = _settings(lr_start=1e-3, freeze_random=True)  # the paper's frozen conv1-2, here random
    model, init = initialise_model(TINY, settings)
    assert init.frozen == ["conv1", "conv2"] and "random initialisation (freeze_random)" in init.lines()[-1]
    assert not any(p.requires_grad for p in model.backbone.conv1.parameters())
    assert not any(p.requires_grad for p in model.backbone.conv2.parameters())
    optimizer = make_optimizer(model, settings)
    assert optimizer.defaults["momentum"] == 0.9 and optimizer.defaults["weight_decay"] == 5e-4
    pairs = TrainingPairs([crossing], 4, settings.pair_config(TINY).without_augmentation(), seed=1)
    batch = next(iter(make_loader(pairs, batch_size=4)))
    boxes = batch["box"] - torch.tensor([59.0, 59.0, 0.0, 0.0])
    anchors = base_anchors_for(TINY)

    def loss():
        gen = torch.Generator().manual_seed(0)  # the same sampled anchors every time
        total, parts = cascade_loss(model(batch["template"], batch["search"]), anchors, boxes, TINY.theta,
                                    generator=gen)
        return total, parts

    model.train()
    before, parts = loss()
    assert parts[0].positives > 0 and parts[0].negatives > 0
    for _ in range(5):
        total, _ = loss()
        optimizer.zero_grad()
        total.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
        optimizer.step()
    after, _ = loss()
    assert after.item() < 0.9 * before.item()


def test_checkpoint_log_and_plot_round_trip(crossing, tmp_path):
    result = train(TINY, [crossing], _settings(epochs=1), tmp_path, progress=False)
    assert result.checkpoint == tmp_path / "model.pt" and result.epochs_done == 1
    assert (tmp_path / "epoch_001.pt").is_file()
    fresh = CRPN(TINY)
    payload = load_model_weights(fresh, tmp_path / "model.pt")
    assert CRPNConfig.from_dict(payload["config"]) == TINY
    assert payload["epoch"] == 1 and "optimizer" in payload
    trained = torch.load(tmp_path / "epoch_001.pt", weights_only=False)["model"]
    for key, value in fresh.state_dict().items():
        assert torch.equal(value, trained[key]), key
    with open(tmp_path / "train_log.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 1 and float(rows[0]["lr"]) == pytest.approx(1e-2)
    assert {"loss_s1", "cls_s3", "reg_s2"} <= set(rows[0])
    assert float(rows[0]["loss"]) == pytest.approx(sum(float(rows[0][f"loss_s{s}"]) for s in (1, 2, 3)), rel=1e-4)
    image = cv2.imread(str(tmp_path / "loss.png"))
    assert image is not None and image.shape[0] > 100


def test_resume_continues_weights_and_lr_schedule(crossing, tmp_path):
    full = train(TINY, [crossing], _settings(), tmp_path / "full", progress=False)
    # interrupted after 2 of 3 epochs, then resumed
    part = train(TINY, [crossing], _settings(), tmp_path / "cut", progress=False, stop_after_epochs=2)
    assert part.epochs_done == 2 and not (tmp_path / "cut" / "epoch_003.pt").exists()
    resumed = train(TINY, [crossing], _settings(), tmp_path / "cut", resume=True, progress=False)
    assert resumed.epochs_done == 3
    a = torch.load(full.checkpoint, weights_only=False)
    b = torch.load(resumed.checkpoint, weights_only=False)
    for key in a["model"]:
        torch.testing.assert_close(a["model"][key], b["model"][key], rtol=1e-5, atol=1e-6)
    assert a["optimizer"]["param_groups"][0]["lr"] == b["optimizer"]["param_groups"][0]["lr"]

    def lrs(folder):
        with open(folder / "train_log.csv", newline="") as handle:
            return [(int(r["epoch"]), float(r["lr"])) for r in csv.DictReader(handle)]

    assert lrs(tmp_path / "cut") == lrs(tmp_path / "full")
    # a 2-epoch run resumed to 3 epochs: epoch 3 uses the 3-epoch schedule's last rate
    train(TINY, [crossing], _settings(epochs=2), tmp_path / "two", progress=False)
    train(TINY, [crossing], _settings(epochs=3), tmp_path / "two", resume=True, progress=False)
    assert lrs(tmp_path / "two")[-1] == lrs(tmp_path / "full")[-1] == (3, pytest.approx(1e-6))


def test_a_pretrained_run_resumes_with_the_same_frozen_layers(crossing, tmp_path):
    from crpnbench.models.checkpoint import save_checkpoint

    torch.manual_seed(11)
    save_checkpoint(tmp_path / "start.pt", CRPN(TINY), TINY)  # e.g. an earlier run's weights
    full = train(TINY, [crossing], _settings(), tmp_path / "full", pretrained=tmp_path / "start.pt", progress=False)
    start = torch.load(tmp_path / "start.pt", weights_only=False)["model"]
    a = torch.load(full.checkpoint, weights_only=False)
    assert a["init"]["frozen"] == ["conv1", "conv2"] and a["init"]["pretrained"]["layout"] == "crpnbench"
    assert torch.equal(a["model"]["backbone.conv1.0.weight"], start["backbone.conv1.0.weight"])  # frozen
    assert not torch.equal(a["model"]["backbone.conv3.0.weight"], start["backbone.conv3.0.weight"])  # trained
    train(TINY, [crossing], _settings(), tmp_path / "cut", pretrained=tmp_path / "start.pt", progress=False,
          stop_after_epochs=1)
    resumed = train(TINY, [crossing], _settings(), tmp_path / "cut", resume=True, progress=False)
    b = torch.load(resumed.checkpoint, weights_only=False)
    assert b["init"] == a["init"]
    for key in a["model"]:
        torch.testing.assert_close(a["model"][key], b["model"][key], rtol=1e-5, atol=1e-6)
    with pytest.raises(ConfigError, match="--pretrained starts a new run"):
        train(TINY, [crossing], _settings(epochs=4), tmp_path / "cut", resume=True, pretrained=tmp_path / "start.pt",
              progress=False)


def test_a_diverging_loss_stops_with_a_training_error(crossing, tmp_path, monkeypatch):
    from crpnbench.errors import TrainingError
    from crpnbench.training import loss

    def nan_loss(*args, **kwargs):
        return torch.tensor(float("nan"), requires_grad=True), []

    monkeypatch.setattr(loss, "cascade_loss", nan_loss)
    with pytest.raises(TrainingError, match="training diverged at epoch 1, step 1"):
        train(TINY, [crossing], _settings(epochs=1), tmp_path, progress=False)
