"""The C-RPN training loop: SGD with a geometric learning-rate schedule, checkpoints, resume, logs.

One call of :func:`train` trains a :class:`~crpnbench.models.crpn.CRPN` built from a tracker config on
pairs drawn from annotated sequences, and writes into the run folder:

- ``model.pt``: the latest checkpoint (model + config + optimizer + schedule position); this is the
  config's checkpoint path when the run folder is the default one, so ``crpnbench eval`` finds it;
- ``epoch_XXX.pt``: the checkpoint after epoch ``XXX`` (1-based);
- ``train_log.csv``: one row per step (epoch, step, lr, total loss, then per stage loss/cls/reg);
- ``loss.png``: the loss curves.

The learning rate of epoch ``e`` (0-based) of an ``E``-epoch run is
``lr_start * (lr_end / lr_start) ** (e / (E - 1))`` (paper: 1e-2 -> 1e-6 over 50 epochs), so a run
resumed from its checkpoint continues exactly where it stopped. Under ``torchrun`` (``WORLD_SIZE > 1``)
the model is wrapped in DistributedDataParallel, every process draws its share of the epoch's pairs
and only rank 0 writes files. On CUDA the forward pass runs under ``torch.autocast`` with a GradScaler.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from crpnbench.errors import ConfigError, TrainingError
from crpnbench.atomic import atomic_path, write_text_atomic
from crpnbench.training.pairs import PairConfig

CHECKPOINT_NAME = "model.pt"
LOG_NAME = "train_log.csv"
PLOT_NAME = "loss.png"


@dataclass(frozen=True)
class TrainSettings:
    """Everything about a training run that is not the model itself.

    Values come from (lowest to highest priority) these defaults, the tracker config's ``[train]``
    table, then the command line. Pair sampling/augmentation keys are those of :class:`PairConfig`
    (``frame_gap``, ``search_shift``, ...), crop sizes and context come from the model config.

    The defaults are a full-size schedule on real data: the paper's (§4: 50 epochs, SGD, learning rate
    annealed geometrically from 1e-2 to 1e-6) at pysot's epoch size and batch for SiamRPN-style
    trackers (``DATASET.VIDEOS_PER_EPOCH`` 600,000 pairs, ``TRAIN.BATCH_SIZE`` 32 per process), with
    SiamFC's weight decay 5e-4. That is 30 M pairs in all: a GPU job of many hours. The synthetic
    benchmark has its own CPU-sized defaults (:data:`crpnbench.training.api.DATA_DEFAULTS`).
    ``freeze_layers``: conv1..N stay frozen when they come from pretrained weights (paper: "the
    parameters of first two layers are frozen"); ``freeze_random`` also freezes them when they are
    random (the behaviour before pretrained loading existed; for ablations).
    """

    epochs: int = 50
    pairs_per_epoch: int = 600_000
    batch_size: int = 32
    lr_start: float = 1e-2
    lr_end: float = 1e-6
    momentum: float = 0.9
    weight_decay: float = 5e-4
    reg_weight: float = 1.0
    freeze_layers: int = 2
    freeze_random: bool = False
    grad_clip: float = 10.0
    workers: int = 0
    seed: int = 0
    device: str = "cpu"
    amp: bool = True
    positive_iou: float = 0.6
    negative_iou: float = 0.3
    samples_per_pair: int = 64
    max_positives: int = 16
    pairs: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, *layers: Mapping[str, Any] | None) -> "TrainSettings":
        """Merge ``layers`` (later wins; ``None`` values are skipped) into settings; unknown keys are an error."""
        names = {f.name for f in dataclasses.fields(cls)} - {"pairs"}
        pair_names = {f.name for f in dataclasses.fields(PairConfig)} - {
            "exemplar_size", "instance_size", "context_amount"}
        values: dict[str, Any] = {}
        pairs: dict[str, Any] = {}
        for layer in layers:
            for key, value in (layer or {}).items():
                if value is None:
                    continue
                key = key.replace("-", "_")
                if key in names:
                    values[key] = value
                elif key in pair_names:
                    pairs[key] = value
                else:
                    known = ", ".join(sorted(names | pair_names))
                    raise ConfigError(f"unknown training setting {key!r} (known: {known})")
        settings = cls(**values, pairs=pairs)
        settings.validate()
        return settings

    def validate(self) -> None:
        if int(self.epochs) < 0:
            raise ConfigError(f"epochs must be at least 0 (0: only write the initialised model), got {self.epochs}")
        for name in ("pairs_per_epoch", "batch_size"):
            if int(getattr(self, name)) < 1:
                raise ConfigError(f"{name.replace('_', '-')} must be at least 1, got {getattr(self, name)}")
        if self.workers < 0:
            raise ConfigError(f"workers must be >= 0, got {self.workers}")
        if not (self.lr_start > 0 and self.lr_end > 0):
            raise ConfigError("lr_start and lr_end must be positive")

    def pair_config(self, model_config) -> PairConfig:
        """The pair sampler's settings for a model config (crop sizes and context from the model)."""
        return PairConfig(
            exemplar_size=model_config.exemplar_size,
            instance_size=model_config.instance_size,
            context_amount=model_config.context_amount,
            **dict(self.pairs),
        )

    def to_dict(self) -> dict:
        out = dataclasses.asdict(self)
        out["pairs"] = dict(self.pairs)
        return out


def learning_rate(epoch: int, epochs: int, lr_start: float = 1e-2, lr_end: float = 1e-6) -> float:
    """Geometric annealing: ``lr_start`` at epoch 0, ``lr_end`` at epoch ``epochs - 1`` (0-based)."""
    if epochs <= 1:
        return float(lr_start)
    return float(lr_start * (lr_end / lr_start) ** (epoch / (epochs - 1)))


@dataclass
class TrainResult:
    """What a run produced: the run folder, the latest checkpoint, and per-epoch mean losses."""

    run_dir: Path
    checkpoint: Path
    epochs_done: int
    epoch_losses: list[float]
    seconds: float
    pairs_seen: int
    #: False in the non-zero ranks of a torchrun job (they write nothing)
    is_main: bool = True


# -- distributed helpers ---------------------------------------------------------------------


@dataclass
class _Dist:
    world_size: int = 1
    rank: int = 0
    local_rank: int = 0
    owns_group: bool = False

    @property
    def main(self) -> bool:
        return self.rank == 0


def _init_distributed(device: str) -> _Dist:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return _Dist()
    import torch
    import torch.distributed as dist

    owns = not dist.is_initialized()
    if owns:
        dist.init_process_group(backend="nccl" if device.startswith("cuda") else "gloo")
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if device.startswith("cuda"):
        torch.cuda.set_device(local)
    return _Dist(world_size=world, rank=dist.get_rank(), local_rank=local, owns_group=owns)


# -- model setup -----------------------------------------------------------------------------


def base_anchors_for(config):
    """The predefined (stage-1) anchors of a config as a float32 tensor ``(K * S * S, 4)``."""
    import torch

    from crpnbench.models.anchors import config_anchors

    return torch.from_numpy(np.ascontiguousarray(config_anchors(config), dtype=np.float32))


@dataclass
class ModelInit:
    """Where a run's weights started: the pretrained-weights report (None: random) and the frozen blocks."""

    pretrained: Any = None
    frozen: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"pretrained": None if self.pretrained is None else self.pretrained.to_dict(),
                "frozen": list(self.frozen)}

    def lines(self) -> list[str]:
        out = [] if self.pretrained is None else self.pretrained.lines()
        if self.frozen and self.pretrained is not None:
            out.append(f"frozen (pretrained, as the paper): {', '.join(self.frozen)}")
        elif self.frozen:
            out.append(f"frozen at their random initialisation (freeze_random): {', '.join(self.frozen)}")
        elif self.pretrained is None:
            out.append("random initialisation: every layer trains (conv1-2 are frozen only when they come "
                       "from pretrained weights)")
        return out


def initialise_model(config, settings: TrainSettings, pretrained: str | Path | None = None,
                     frozen: list[str] | None = None):
    """A fresh CRPN (seeded), optionally initialised from pretrained weights; returns ``(model, ModelInit)``.

    The paper freezes the first two layers of its ImageNet-pretrained backbone. Here block ``convI``
    (I <= ``settings.freeze_layers``) is frozen when every one of its tensors (conv, BatchNorm and its
    running statistics) came from ``pretrained``; randomly initialised layers train, unless
    ``settings.freeze_random`` asks for the old behaviour (an ablation). ``frozen`` (a resumed run's
    recorded list) overrides the rule, so a resumed run freezes exactly what it froze before.
    """
    import torch

    from crpnbench.models.backbone import freeze_blocks
    from crpnbench.models.crpn import build_model
    from crpnbench.models.pretrained import load_pretrained

    torch.manual_seed(settings.seed)  # the run's seed for everything else that draws from torch's RNG
    model = build_model(config, settings.seed)
    init = ModelInit()
    if pretrained is not None:
        init.pretrained = load_pretrained(model, pretrained)
    if frozen is None:
        first = [f"conv{i}" for i in range(1, min(settings.freeze_layers, 5) + 1)]
        if settings.freeze_random:
            frozen = first
        else:
            frozen = [name for name in first if init.pretrained is not None
                      and init.pretrained.module_complete(model, f"backbone.{name}")]
    init.frozen = freeze_blocks(model.backbone, frozen)
    return model, init


def make_optimizer(model, settings: TrainSettings):
    import torch

    params = [p for p in model.parameters() if p.requires_grad]
    return torch.optim.SGD(params, lr=settings.lr_start, momentum=settings.momentum,
                           weight_decay=settings.weight_decay)


# -- checkpoints -----------------------------------------------------------------------------


def save_training_checkpoint(path: Path, model, config, optimizer, scaler, epoch: int,
                             settings: TrainSettings, extra: Mapping[str, Any] | None = None) -> Path:
    """Write a checkpoint ``crpnbench eval`` can load (via the model's checkpoint module) that also
    carries what resuming needs: optimizer and scaler state, epochs done, settings."""
    from crpnbench.models.checkpoint import save_checkpoint

    state = {
        "optimizer": optimizer.state_dict(),
        "scaler": scaler.state_dict() if scaler is not None else None,
        "epoch": int(epoch),
        "train_settings": settings.to_dict(),
        **dict(extra or {}),
    }
    save_checkpoint(path, model, config, extra=state)
    return Path(path)


def load_training_state(path: Path) -> dict:
    """The checkpoint dict written by :func:`save_training_checkpoint` (model, config, optimizer, epoch...)."""
    from crpnbench.models.checkpoint import load_checkpoint

    state = load_checkpoint(path)
    if "optimizer" not in state or "epoch" not in state:
        raise ConfigError(f"{path}: checkpoint has no optimizer/epoch to resume from (not written by training)")
    return state


# -- logs -------------------------------------------------------------------------------------


def log_columns(stages: int) -> list[str]:
    cols = ["epoch", "step", "lr", "loss"]
    for s in range(1, stages + 1):
        cols += [f"loss_s{s}", f"cls_s{s}", f"reg_s{s}", f"pos_s{s}", f"neg_s{s}"]
    return cols


def read_log(path: Path) -> list[dict]:
    """Rows of an existing ``train_log.csv`` (numbers as floats; epoch/step as ints)."""
    if not path.is_file():
        return []
    rows = []
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            parsed = {k: float(v) for k, v in row.items()}
            parsed["epoch"] = int(parsed["epoch"])
            parsed["step"] = int(parsed["step"])
            rows.append(parsed)
    return rows


def write_log(path: Path, rows: list[dict], stages: int) -> None:

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=log_columns(stages), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: (f"{v + 0.0:.6g}" if isinstance(v, float) else v) for k, v in row.items()})
    write_text_atomic(path, buffer.getvalue())


def plot_losses(path: Path, rows: list[dict], stages: int) -> None:
    """``loss.png``: total and per-stage loss against the step (raw and a moving average)."""
    if not rows:
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = np.array([r["step"] for r in rows], dtype=float)
    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    series = [("loss", "total")] + [(f"loss_s{s}", f"stage {s}") for s in range(1, stages + 1)]
    window = max(1, len(rows) // 50)
    for key, label in series:
        values = np.array([r[key] for r in rows], dtype=float)
        smooth = np.convolve(values, np.ones(window) / window, mode="valid")
        line, = ax.plot(steps[window - 1:], smooth, label=label)
        ax.plot(steps, values, color=line.get_color(), alpha=0.15, linewidth=0.5)
    epochs = sorted({r["epoch"] for r in rows})
    for e in epochs[1:]:
        first = min(r["step"] for r in rows if r["epoch"] == e)
        ax.axvline(first, color="0.85", linewidth=0.5, zorder=0)
    ax.set_xlabel("step")
    ax.set_ylabel("loss (CE + lambda smooth-L1)")
    ax.set_title(f"C-RPN training loss, {len(epochs)} epoch(s)")
    ax.legend()
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)


# -- the loop ---------------------------------------------------------------------------------


def _step_generator(seed: int, epoch: int, step: int, rank: int):
    import torch

    generator = torch.Generator()
    generator.manual_seed(int(np.random.SeedSequence((seed, epoch, step, rank)).generate_state(1)[0]))
    return generator


def train(
    config,
    sequences,
    settings: TrainSettings,
    run_dir: str | Path,
    resume: bool = False,
    pretrained: str | Path | None = None,
    stop_after_epochs: int | None = None,
    progress: bool = True,
    checkpoint_name: str = CHECKPOINT_NAME,
) -> TrainResult:
    """Train C-RPN on pairs from ``sequences`` and write checkpoints/logs into ``run_dir``.

    Args:
        config: a :class:`~crpnbench.models.config.CRPNConfig` (any variant: stages, fusion, theta).
        sequences: :class:`~crpnbench.data.sequence.Sequence` objects with full annotations.
        settings: schedule, batch, device, augmentation (see :class:`TrainSettings`).
        run_dir: the run folder (created).
        resume: continue from ``run_dir/model.pt`` (model, optimizer, scaler, epoch, schedule).
        pretrained: a local weights file to start from (pysot/DaSiamRPN/crpnbench layouts, see
            :mod:`crpnbench.models.pretrained`); not allowed when resuming (the checkpoint has the weights).
        stop_after_epochs: stop after this many epochs *in this call* (the schedule still spans
            ``settings.epochs``); for interrupting and resuming runs.
        progress: show a tqdm bar per epoch with the loss of each stage.
        checkpoint_name: file name of the latest checkpoint (the config's checkpoint file name).
    """
    import torch
    from tqdm import tqdm

    from crpnbench.models.device import check_device
    from crpnbench.training.loss import LossConfig, cascade_loss
    from crpnbench.training.pairs import TrainingPairs, make_loader
    from crpnbench.training.targets import AssignConfig

    started = time.perf_counter()
    run_dir = Path(run_dir)
    device_name = settings.device
    check_device(device_name)
    dist_info = _init_distributed(device_name)
    # under torchrun every process uses its LOCAL_RANK GPU (cuda or cuda:N alike); alone, cuda:N is GPU N
    device = torch.device(f"cuda:{dist_info.local_rank}"
                          if device_name.startswith("cuda") and dist_info.world_size > 1 else device_name)
    if device.type == "cuda" and device.index is not None:
        check_device(str(device))  # under torchrun: this process's LOCAL_RANK GPU
        torch.cuda.set_device(device)  # AMP, the scaler and pinned-memory copies then use GPU N, not GPU 0
    use_amp = bool(settings.amp) and device.type == "cuda"

    checkpoint_path = run_dir / checkpoint_name
    state = None
    if resume:
        if pretrained is not None:
            raise ConfigError("--pretrained starts a new run; --resume continues one from its checkpoint: give one")
        if not checkpoint_path.is_file():
            raise ConfigError(f"{checkpoint_path}: no checkpoint to resume from (train without --resume first)")
        state = load_training_state(checkpoint_path)
    # a resumed run freezes what it froze before (older checkpoints: conv1..N, their only rule)
    recorded = state.get("init", {"frozen": [f"conv{i}" for i in range(1, settings.freeze_layers + 1)]}) if state else None
    model, init = initialise_model(config, settings, pretrained, frozen=None if recorded is None else recorded["frozen"])
    if recorded is not None:
        init_record = recorded
    else:
        init_record = init.to_dict()
        if dist_info.main:
            for line in init.lines():
                print(line, flush=True)
    model = model.to(device)
    optimizer = make_optimizer(model, settings)
    scaler = torch.amp.GradScaler("cuda") if use_amp else None
    start_epoch = 0
    rows: list[dict] = []
    if state is not None:
        try:
            model.load_state_dict(state["model"])
        except RuntimeError as exc:
            raise ConfigError(f"{checkpoint_path}: checkpoint does not fit this model configuration "
                              f"({str(exc).splitlines()[0]})") from None
        optimizer.load_state_dict(state["optimizer"])
        if scaler is not None and state.get("scaler"):
            scaler.load_state_dict(state["scaler"])
        start_epoch = int(state["epoch"])
        rows = [r for r in read_log(run_dir / LOG_NAME) if r["epoch"] <= start_epoch]
        if start_epoch >= settings.epochs:
            raise ConfigError(
                f"{checkpoint_path}: already trained {start_epoch} epoch(s); pass --epochs above {start_epoch} to continue")

    if settings.epochs == 0:  # --epochs 0: the initialised model is the checkpoint; no data is read
        if dist_info.main:
            run_dir.mkdir(parents=True, exist_ok=True)
            save_training_checkpoint(checkpoint_path, model, config, optimizer, scaler, 0, settings,
                                     {"epochs_planned": 0, "data": None, "init": init_record})
        return TrainResult(run_dir=run_dir, checkpoint=checkpoint_path, epochs_done=0, epoch_losses=[],
                           seconds=time.perf_counter() - started, pairs_seen=0, is_main=dist_info.main)

    net = model
    if dist_info.world_size > 1:
        from torch.nn.parallel import DistributedDataParallel

        net = DistributedDataParallel(
            model, device_ids=[dist_info.local_rank] if device.type == "cuda" else None)

    dataset = TrainingPairs(sequences, settings.pairs_per_epoch, settings.pair_config(config), seed=settings.seed)
    sampler = None
    if dist_info.world_size > 1:
        from torch.utils.data.distributed import DistributedSampler

        sampler = DistributedSampler(dataset, num_replicas=dist_info.world_size, rank=dist_info.rank, shuffle=False)
    loader = make_loader(dataset, settings.batch_size, settings.workers, settings.seed, sampler=sampler,
                         pin_memory=device.type == "cuda")
    base_anchors = base_anchors_for(config).to(device)
    half = (config.instance_size - 1) / 2.0
    centre = torch.tensor([half, half, 0.0, 0.0], device=device)
    loss_config = LossConfig(
        reg_weight=settings.reg_weight,
        assign=AssignConfig(settings.positive_iou, settings.negative_iou, settings.samples_per_pair,
                            settings.max_positives),
    )
    frozen = [getattr(model.backbone, name) for name in init_record["frozen"]]
    stages = config.stages
    epoch_losses: list[float] = []
    step = rows[-1]["step"] if rows else 0
    end_epoch = settings.epochs if stop_after_epochs is None else min(settings.epochs, start_epoch + stop_after_epochs)
    pairs_seen = 0

    if dist_info.main:
        run_dir.mkdir(parents=True, exist_ok=True)
    for epoch in range(start_epoch, end_epoch):
        lr = learning_rate(epoch, settings.epochs, settings.lr_start, settings.lr_end)
        for group in optimizer.param_groups:
            group["lr"] = lr
        dataset.set_epoch(epoch)
        net.train()
        for block in frozen:
            block.eval()
        bar = tqdm(loader, desc=f"epoch {epoch + 1}/{settings.epochs}", unit="batch",
                   disable=None if (progress and dist_info.main) else True, leave=False, dynamic_ncols=True)
        totals = []
        for batch in bar:
            step += 1
            template = batch["template"].to(device, non_blocking=True)
            search = batch["search"].to(device, non_blocking=True)
            boxes = batch["box"].to(device, non_blocking=True).float() - centre
            with torch.autocast(device_type=device.type, dtype=torch.float16, enabled=use_amp):
                outputs = net(template, search)
            total, parts = cascade_loss(outputs, base_anchors, boxes, config.theta, loss_config,
                                        _step_generator(settings.seed, epoch, step, dist_info.rank))
            optimizer.zero_grad(set_to_none=True)
            if scaler is not None:
                scaler.scale(total).backward()
                scaler.unscale_(optimizer)
            else:
                total.backward()
            if settings.grad_clip and settings.grad_clip > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), settings.grad_clip)
            if scaler is not None:
                scaler.step(optimizer)
                scaler.update()
            else:
                optimizer.step()
            pairs_seen += template.shape[0]
            value = float(total.detach())
            if not math.isfinite(value):
                raise TrainingError(f"training diverged at epoch {epoch + 1}, step {step} (loss {value}); lower lr_start")
            totals.append(value)
            row = {"epoch": epoch + 1, "step": step, "lr": lr, "loss": value}
            for s, part in enumerate(parts, start=1):
                row.update({f"loss_s{s}": float(part.total.detach()), f"cls_s{s}": float(part.cls.detach()),
                            f"reg_s{s}": float(part.reg.detach()), f"pos_s{s}": float(part.positives),
                            f"neg_s{s}": float(part.negatives)})
            rows.append(row)
            bar.set_postfix({f"s{s}": f"{row[f'loss_s{s}']:.3f}" for s in range(1, stages + 1)} | {"lr": f"{lr:.1e}"})
        bar.close()
        epoch_losses.append(float(np.mean(totals)) if totals else float("nan"))
        if dist_info.main:
            extra = {"epochs_planned": settings.epochs, "data": dataset.describe(), "init": init_record}
            path = run_dir / f"epoch_{epoch + 1:03d}.pt"
            save_training_checkpoint(path, model, config, optimizer, scaler, epoch + 1, settings, extra)
            save_training_checkpoint(checkpoint_path, model, config, optimizer, scaler, epoch + 1, settings, extra)
            write_log(run_dir / LOG_NAME, rows, stages)
            plot_losses(run_dir / PLOT_NAME, rows, stages)
            if progress:
                parts_text = " ".join(
                    f"s{s}={np.mean([r[f'loss_s{s}'] for r in rows if r['epoch'] == epoch + 1]):.3f}"
                    for s in range(1, stages + 1))
                print(f"epoch {epoch + 1}/{settings.epochs} lr {lr:.2e} loss {epoch_losses[-1]:.4f} ({parts_text})",
                      flush=True)

    if dist_info.world_size > 1:
        import torch.distributed as dist

        dist.barrier()
        if dist_info.owns_group:
            dist.destroy_process_group()
    return TrainResult(run_dir=run_dir, checkpoint=checkpoint_path, epochs_done=end_epoch,
                       epoch_losses=epoch_losses, seconds=time.perf_counter() - started,
                       pairs_seen=pairs_seen * dist_info.world_size, is_main=dist_info.main)


__all__ = [
    "TrainSettings", "TrainResult", "train", "learning_rate", "initialise_model", "make_optimizer",
    "base_anchors_for", "save_training_checkpoint", "load_training_state", "read_log", "write_log",
    "plot_losses", "CHECKPOINT_NAME", "LOG_NAME", "PLOT_NAME",
]
