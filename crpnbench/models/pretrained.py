"""Initialise a C-RPN from pretrained weights on disk, in the key layouts tracking researchers have.

Paper §4: "Instead of training from scratch, we borrow the parameters from the pretrained model on
ImageNet. During training, the parameters of first two layers are frozen." The files people hold:

================== ===================================================== ==============================
layout             keys (``module.`` prefixes of DataParallel dropped)   lands in
================== ===================================================== ==============================
pysot-alexnet-legacy pysot ``AlexNetLegacy`` (its ``alexnet-bn.pth``):   ``backbone.convN.{0,1}``
                   ``[backbone.]features.I.*``, conv at I = 0, 4, 8, 11,
                   14 and BatchNorm at I = 1, 5, 9, 12, 15 (max-pool and
                   ReLU at the other indices hold no tensors)
pysot-alexnet      pysot ``AlexNet``: ``[backbone.]layerN.0.*`` (conv)   ``backbone.convN.{0,1}``
                   and ``layerN.1.*`` (BatchNorm), N = 1..5
dasiamrpn          DaSiamRPN ``SiamRPNvot.model``/``SiamRPNBIG.model``:  backbone, and stage 1's head
                   ``featureExtract.I.*`` (indices as AlexNetLegacy),    (``heads.0``)
                   ``conv_cls1`` / ``conv_r1`` (template kernels),
                   ``conv_cls2`` / ``conv_r2`` (search), ``regress_adjust``
crpnbench          a crpnbench checkpoint (``format`` crpnbench-crpn/1) every tensor whose name and
                   or its bare state dict                                shape fit (e.g. a 1-stage
                                                                         model into a 3-stage one)
================== ===================================================== ==============================

BatchNorm running statistics (``running_mean``, ``running_var``, ``num_batches_tracked``) are
copied with the weights. A tensor whose name maps but whose shape does not fit (another width, a
depth-wise pysot RPN head, torchvision's 64-192-384-256-256 AlexNet) is skipped and reported; a file
from which nothing fits is a :class:`~crpnbench.errors.ConfigError` naming the file and its first
mismatching key. Nothing is ever downloaded.

DaSiamRPN's up-channel head has exactly the shapes of one C-RPN stage, with one difference:
crpnbench's correlation is divided by ``sqrt(C * kh * kw)`` (see
:class:`~crpnbench.models.heads.UpChannelRPNHead`), DaSiamRPN's is not. The template convolutions
(``conv_cls1``, ``conv_r1``: weight and bias) are therefore multiplied by that factor on loading
(64 at a 127 exemplar and 256 channels, a power of two, so the product is exact) and a 1-stage C-RPN
loaded from ``SiamRPNvot.model`` gives DaSiamRPN's cls and reg maps.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from crpnbench.errors import ConfigError
from crpnbench.models.config import feature_size

#: pysot AlexNetLegacy / DaSiamRPN featureExtract index -> our backbone module
SEQUENTIAL_INDEX = {0: "conv1.0", 1: "conv1.1", 4: "conv2.0", 5: "conv2.1", 8: "conv3.0", 9: "conv3.1",
                    11: "conv4.0", 12: "conv4.1", 14: "conv5.0", 15: "conv5.1"}
#: DaSiamRPN head module -> crpnbench UpChannelRPNHead module
DASIAMRPN_HEAD = {"conv_cls1": "template_cls", "conv_r1": "template_reg", "conv_cls2": "search_cls",
                  "conv_r2": "search_reg", "regress_adjust": "reg_adjust"}
#: head modules whose output is a correlation kernel (rescaled when loaded from DaSiamRPN)
TEMPLATE_CONVS = ("template_cls", "template_reg")
BN_STATISTICS = ("running_mean", "running_var", "num_batches_tracked")

_FEATURES = re.compile(r"^(?:backbone\.)?(features|featureExtract)\.(\d+)\.(\w+)$")
_LAYER = re.compile(r"^(?:backbone\.)?layer([1-5])\.([01])\.(\w+)$")
_OWN_BACKBONE = re.compile(r"^(conv[1-5]\.[01]\.\w+)$")
_DASIAM_HEAD = re.compile(r"^(conv_cls1|conv_r1|conv_cls2|conv_r2|regress_adjust)\.(\w+)$")


@dataclass
class PretrainedReport:
    """What :func:`load_pretrained` copied from a file into a model, and what it left alone."""

    path: Path
    layout: str
    sha256: str
    #: (key in the file, key in the model, shape)
    loaded: list[tuple[str, str, tuple[int, ...]]] = field(default_factory=list)
    #: (key in the file, why it was not used)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    #: model tensors the file did not provide (they keep their random initialisation)
    not_loaded: list[str] = field(default_factory=list)

    @property
    def targets(self) -> set[str]:
        return {target for _, target, _ in self.loaded}

    @property
    def bn_statistics(self) -> int:
        """How many BatchNorm layers got their running mean and variance from the file."""
        modules = {}
        for _, target, _ in self.loaded:
            module, name = target.rsplit(".", 1)
            if name in ("running_mean", "running_var"):
                modules[module] = modules.get(module, 0) + 1
        return sum(1 for count in modules.values() if count == 2)

    def module_complete(self, model: nn.Module, prefix: str) -> bool:
        """Whether every tensor of ``model``'s sub-module ``prefix`` (e.g. ``backbone.conv1``) came from the file."""
        keys = [k for k in model.state_dict() if k.startswith(prefix + ".")]
        return bool(keys) and all(k in self.targets for k in keys)

    def lines(self) -> list[str]:
        """A human-readable account: one line per loaded module, then the skipped keys."""
        out = [f"pretrained weights: {self.path} (layout {self.layout}): {len(self.loaded)} tensor(s) loaded "
               f"(BatchNorm running statistics of {self.bn_statistics} layer(s)), {len(self.skipped)} skipped, "
               f"{len(self.not_loaded)} model tensor(s) keep their random initialisation"]
        modules: dict[str, list[str]] = {}
        for source, target, shape in self.loaded:
            module, name = target.rsplit(".", 1)
            source_module = source.rsplit(".", 1)[0]
            modules.setdefault(f"{module} <- {source_module}", []).append(f"{name} {tuple(shape)}")
        out += [f"  loaded  {module}: {', '.join(names)}" for module, names in modules.items()]
        out += [f"  skipped {key}: {why}" for key, why in self.skipped]
        random_modules = sorted({k.rsplit(".", 1)[0] for k in self.not_loaded})
        if random_modules:
            shown = ", ".join(random_modules[:8]) + (f", ... ({len(random_modules)} modules)" if len(random_modules) > 8 else "")
            out.append(f"  random  {shown}")
        return out

    def to_dict(self) -> dict:
        """Plain data for the checkpoint (what a run started from)."""
        return {"path": str(self.path), "layout": self.layout, "sha256": self.sha256,
                "loaded": len(self.loaded), "bn_statistics": self.bn_statistics, "skipped": len(self.skipped),
                "loaded_modules": sorted({t.rsplit(".", 1)[0] for t in self.targets}),
                "not_loaded": len(self.not_loaded)}


def _read_state(path: Path) -> tuple[dict, bool]:
    """The tensors of ``path`` and whether it is a crpnbench checkpoint."""
    if not path.is_file():
        raise ConfigError(f"{path}: pretrained weights file not found")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)  # never unpickle code from a file
    except Exception as exc:  # noqa: BLE001 - any unreadable file is one clear error
        first = (str(exc).strip().splitlines() or [""])[0]
        raise ConfigError(f"{path}: cannot read PyTorch weights ({exc.__class__.__name__}: {first})") from None
    own = isinstance(payload, dict) and str(payload.get("format", "")).startswith("crpnbench-crpn")
    for key in ("model", "state_dict"):  # crpnbench / pysot snapshots wrap the state dict
        if isinstance(payload, dict) and isinstance(payload.get(key), dict):
            payload = payload[key]
            break
    if not isinstance(payload, dict) or not payload:
        raise ConfigError(f"{path}: not a state dict (no named tensors)")
    state = {}
    for key, value in payload.items():
        if isinstance(value, torch.Tensor):
            state[key[len("module."):] if key.startswith("module.") else key] = value
    if not state:
        raise ConfigError(f"{path}: not a state dict (no named tensors)")
    return state, own


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def map_key(key: str, stage1_head: str = "heads.0") -> tuple[str | None, str]:
    """``(model key, layout)`` of a file's key (model key None when no layout knows it).

    ``stage1_head`` is the module path of stage 1's RPN head (``heads.0``; ``heads.0.0`` for the
    decision-level "multi" fusion, whose stage 1 head list starts with the conv5 head).
    """
    match = _FEATURES.match(key)
    if match:
        layout = "dasiamrpn" if match.group(1) == "featureExtract" else "pysot-alexnet-legacy"
        module = SEQUENTIAL_INDEX.get(int(match.group(2)))
        return (None if module is None else f"backbone.{module}.{match.group(3)}"), layout
    match = _LAYER.match(key)
    if match:
        return f"backbone.conv{match.group(1)}.{match.group(2)}.{match.group(3)}", "pysot-alexnet"
    match = _DASIAM_HEAD.match(key)
    if match:
        return f"{stage1_head}.{DASIAMRPN_HEAD[match.group(1)]}.{match.group(2)}", "dasiamrpn"
    match = _OWN_BACKBONE.match(key)
    if match:
        return f"backbone.{match.group(1)}", "crpnbench"
    if key.split(".", 1)[0] in ("backbone", "heads", "ftbs", "fusion_weights"):
        return key, "crpnbench"
    return None, "unknown"


def correlation_factor(model: nn.Module) -> float:
    """``sqrt(C * kh * kw)`` of stage 1's head at the model's exemplar size (see the module docstring)."""
    config = model.config
    kernel = feature_size(config.exemplar_size, 5) - 2  # the head's 3x3 template conv, no padding
    return float((model.backbone.channels[4] * kernel * kernel) ** 0.5)


def load_pretrained(model: nn.Module, path: str | Path) -> PretrainedReport:
    """Copy every fitting tensor of the weights file ``path`` into ``model`` (a :class:`CRPN`).

    Returns a :class:`PretrainedReport`; raises :class:`ConfigError` when the file is missing,
    unreadable, or nothing in it fits this model.
    """
    path = Path(path)
    state, own = _read_state(path)
    stage1_head = "heads.0.0" if getattr(model.config, "fusion", "ftb") == "multi" else "heads.0"
    target_state = model.state_dict()
    report = PretrainedReport(path=path, layout="crpnbench" if own else "", sha256=_sha256(path))
    layouts: list[str] = []
    update: dict[str, torch.Tensor] = {}
    factor = None
    first_mismatch = None
    for key, tensor in state.items():
        target, layout = map_key(key, stage1_head)
        if target is None:
            report.skipped.append((key, "no matching layer in any known layout"))
            first_mismatch = first_mismatch or f"{key!r} (no matching layer)"
            continue
        if target not in target_state:
            report.skipped.append((key, f"this model has no {target}"))
            first_mismatch = first_mismatch or f"{key!r} (this model has no {target})"
            continue
        if tuple(tensor.shape) != tuple(target_state[target].shape):
            why = f"shape {tuple(tensor.shape)} != {target} {tuple(target_state[target].shape)}"
            report.skipped.append((key, why))
            first_mismatch = first_mismatch or f"{key!r} ({why})"
            continue
        value = tensor.to(target_state[target].dtype)
        if layout == "dasiamrpn" and target.split(".")[-2] in TEMPLATE_CONVS:
            factor = factor or correlation_factor(model)
            value = value * factor
        update[target] = value
        report.loaded.append((key, target, tuple(tensor.shape)))
        if layout not in layouts:
            layouts.append(layout)
    if not update:
        raise ConfigError(f"{path}: no tensor fits this model (first mismatching key: {first_mismatch}); "
                          f"known layouts: pysot alexnet-bn.pth (features.N / layerN.M), DaSiamRPN "
                          f"(featureExtract.N, conv_cls1 ...), crpnbench checkpoints")
    if not own:
        report.layout = "+".join(layouts)
    model.load_state_dict(update, strict=False)
    report.not_loaded = [k for k in target_state if k not in update]
    return report


__all__ = ["PretrainedReport", "load_pretrained", "map_key", "correlation_factor", "SEQUENTIAL_INDEX",
           "DASIAMRPN_HEAD"]
