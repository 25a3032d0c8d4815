"""C-RPN configuration: one frozen dataclass read from a TOML tracker file (``trackers/crpn*.toml``).

File layout (every key optional except ``type``; unknown keys are an error, ``[train]`` is passed through
untouched for the training code)::

    type = "crpn"
    name = "crpn"                 # default: the file name without .toml; never inherited
    extends = "crpn.toml"         # optional, relative to this file; child keys win, section by section
    checkpoint = "results/runs/crpn/model.pt"   # default results/runs/<name>/model.pt; never inherited

    [model]   stages = 3, fusion = "ftb" | "single" | "multi", theta = 0.95, width = 1.0,
              exemplar_size = 127, instance_size = 255, seed = 0
    [anchors] stride = 8, ratios = [0.33, 0.5, 1, 2, 3], scales = [8]
    [tracking] penalty_k = 0.16, window_influence = 0.40, lr = 0.30, context_amount = 0.5,
               instance_size = 271   # optional: search size at test time (default model.instance_size)
    [train]   ... (read by crpnbench.training)

``fusion``: "ftb" = the paper's feature transfer block; "single" = no FTB, every stage on the last
layer's features (Table 6 "S"); "multi" = no FTB, stage l fuses the correlation maps of conv5..conv(6-l)
with learned weights after correlation (decision level, Table 6 "M"). ``theta = 1`` disables negative
anchor filtering (NAF).
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from crpnbench.errors import ConfigError

FUSIONS = ("ftb", "single", "multi")



def _toml(key: str, default):
    """A config field read from TOML key ``key`` (``section.name``, or a top-level name)."""
    return field(default=default, metadata={"toml": key})


_TOP_LEVEL_IGNORED = {"type", "extends", "description"}
_NOT_INHERITED = ("name", "checkpoint", "description")


def feature_size(input_size: int, layer: int) -> int:
    """Side of the modified-AlexNet feature map output by block ``layer`` (1..5) for a square input.

    conv1 11x11/2 + maxpool 3/2 -> conv2 5x5 + maxpool 3/2 -> conv3, conv4, conv5 3x3 (no padding):
    127 -> 6 and 255 -> 22 at conv5 (8 and 24 at conv4, 10 and 26 at conv3).
    """
    size = ((input_size - 11) // 2 + 1 - 3) // 2 + 1
    if layer >= 2:
        size = (size - 4 - 3) // 2 + 1
    if layer >= 3:
        size -= 2 * (layer - 2)
    return size


@dataclass(frozen=True)
class CRPNConfig:
    """Everything that defines a C-RPN variant and how it tracks. Build with :meth:`from_toml`."""

    name: str = _toml("name", "crpn")
    stages: int = _toml("model.stages", 3)
    fusion: str = _toml("model.fusion", "ftb")
    theta: float = _toml("model.theta", 0.95)
    width: float = _toml("model.width", 1.0)
    exemplar_size: int = _toml("model.exemplar_size", 127)
    instance_size: int = _toml("model.instance_size", 255)
    seed: int = _toml("model.seed", 0)
    anchor_stride: int = _toml("anchors.stride", 8)
    anchor_ratios: tuple[float, ...] = _toml("anchors.ratios", (0.33, 0.5, 1.0, 2.0, 3.0))
    anchor_scales: tuple[float, ...] = _toml("anchors.scales", (8.0,))
    penalty_k: float = _toml("tracking.penalty_k", 0.16)
    window_influence: float = _toml("tracking.window_influence", 0.40)
    lr: float = _toml("tracking.lr", 0.30)
    context_amount: float = _toml("tracking.context_amount", 0.5)
    #: search size when tracking (SiamRPN tests at 255 or 271); None = ``instance_size``
    track_instance_size: int | None = _toml("tracking.instance_size", None)
    checkpoint: str | None = _toml("checkpoint", None)
    #: the ``[train]`` table of the file, for crpnbench.training (not used by the model)
    train: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
    #: the file this config was read from (None when built in code)
    source: Path | None = field(default=None, compare=False, hash=False)

    def __post_init__(self):
        where = f"{self.source}: " if self.source else ""
        if self.stages not in (1, 2, 3):
            raise ConfigError(f"{where}model.stages must be 1, 2 or 3, got {self.stages!r}")
        if self.fusion not in FUSIONS:
            raise ConfigError(f"{where}model.fusion must be one of {', '.join(FUSIONS)}, got {self.fusion!r}")
        if not 0.0 < float(self.theta) <= 1.0:
            raise ConfigError(f"{where}model.theta must be in (0, 1], got {self.theta!r}")
        if not 0.0 < float(self.width) <= 4.0:
            raise ConfigError(f"{where}model.width must be in (0, 4], got {self.width!r}")
        if len(self.anchor_ratios) == 0 or len(self.anchor_scales) == 0:
            raise ConfigError(f"{where}anchors.ratios and anchors.scales must not be empty")
        object.__setattr__(self, "anchor_ratios", tuple(float(r) for r in self.anchor_ratios))
        object.__setattr__(self, "anchor_scales", tuple(float(s) for s in self.anchor_scales))
        z5 = feature_size(self.exemplar_size, 5)
        x5 = feature_size(self.instance_size, 5)
        if self.track_instance_size is not None and feature_size(self.track_instance_size, 5) < z5:
            raise ConfigError(f"{where}tracking.instance_size {self.track_instance_size} is smaller than exemplar_size")
        if z5 < 3 or x5 < z5:
            raise ConfigError(
                f"{where}exemplar_size {self.exemplar_size} / instance_size {self.instance_size} are too small for "
                f"the AlexNet backbone (conv5 maps {z5} / {x5}; need exemplar_size >= 103 and instance_size >= exemplar_size)")

    # ----- derived values -------------------------------------------------------------------------
    @property
    def num_anchors(self) -> int:
        """``K``, anchors per score-map cell."""
        return len(self.anchor_ratios) * len(self.anchor_scales)

    @property
    def score_size(self) -> int:
        """Side of every stage's cls/reg map: ``(instance - exemplar) // stride + 1`` (17 at 255/127)."""
        return feature_size(self.instance_size, 5) - feature_size(self.exemplar_size, 5) + 1

    @property
    def tracking_instance_size(self) -> int:
        """Search-crop size the tracker uses (``tracking.instance_size`` or ``model.instance_size``)."""
        return self.track_instance_size or self.instance_size

    @property
    def checkpoint_path(self) -> Path:
        """Where the trained weights live: ``checkpoint`` or ``results/runs/<name>/model.pt`` (cwd-relative)."""
        return Path(self.checkpoint) if self.checkpoint else Path("results") / "runs" / self.name / "model.pt"

    def replace(self, **changes) -> "CRPNConfig":
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        """Plain-data dict (for checkpoints and logs); :meth:`from_dict` reads it back."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "source"}
        out["anchor_ratios"] = list(self.anchor_ratios)
        out["anchor_scales"] = list(self.anchor_scales)
        out["train"] = dict(self.train)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "CRPNConfig":
        """Inverse of :meth:`to_dict` (flat field names); unknown keys are an error."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ConfigError(f"unknown C-RPN config field(s): {', '.join(unknown)}")
        values = dict(data)
        for key in ("anchor_ratios", "anchor_scales"):
            if key in values:
                values[key] = tuple(values[key])
        return cls(**values)

    # ----- TOML -----------------------------------------------------------------------------------
    @classmethod
    def from_toml(cls, path: str | Path, overrides: Mapping[str, Any] | None = None) -> "CRPNConfig":
        """Read a tracker TOML file (following ``extends``), then apply ``overrides``.

        ``overrides`` keys are field names (``stages``, ``theta``...) or TOML keys (``model.stages``).
        """
        path = Path(path)
        return cls.from_mapping(read_toml(path), path, overrides)

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any], path: str | Path | None = None,
                     overrides: Mapping[str, Any] | None = None) -> "CRPNConfig":
        """Build from an already parsed TOML table (as the tracker registry has it); ``path`` names the
        file, resolves ``extends`` and gives the default ``name``."""
        path = None if path is None else Path(path)
        merged = _resolve_extends(dict(mapping), path, seen=())
        where = f"{path}: " if path else ""
        kind = merged.get("type", "crpn")
        if kind != "crpn":
            raise ConfigError(f"{where}type is {kind!r}, not a C-RPN config (type = \"crpn\")")
        values: dict[str, Any] = {}
        train: dict[str, Any] = {}
        for key, value in merged.items():
            if key == "train" and isinstance(value, Mapping):
                train = dict(value)
            elif isinstance(value, Mapping):
                for sub, subvalue in value.items():
                    dotted = f"{key}.{sub}"
                    if dotted not in _KEYS:
                        raise ConfigError(f"{where}unknown key {dotted!r} (known: {', '.join(sorted(_KEYS))})")
                    values[_KEYS[dotted]] = subvalue
            elif key in _KEYS:
                values[_KEYS[key]] = value
            elif key not in _TOP_LEVEL_IGNORED:
                raise ConfigError(f"{where}unknown key {key!r} (known: {', '.join(sorted(_KEYS))})")
        fields = {f.name for f in dataclasses.fields(cls)}
        for key, value in (overrides or {}).items():
            target = _KEYS.get(key, key)
            if target not in fields or target in ("source", "train"):
                raise ConfigError(f"unknown C-RPN config override {key!r}")
            values[target] = value
        if "name" not in values:
            values["name"] = path.stem if path else "crpn"
        for key in ("anchor_ratios", "anchor_scales"):
            if key in values:
                values[key] = tuple(values[key])
        try:
            return cls(**values, train=train, source=path)
        except TypeError as exc:  # wrong value types, e.g. a string for a number
            raise ConfigError(f"{where}{exc}") from None


#: TOML "section.key" -> dataclass field, from each field's declaration
_KEYS = {f.metadata["toml"]: f.name for f in dataclasses.fields(CRPNConfig) if "toml" in f.metadata}


def read_toml(path: str | Path) -> dict:
    """Parse a tracker TOML file; a missing, unreadable or invalid file is one :class:`ConfigError`
    naming it (the one TOML reader: the tracker registry uses it too)."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc.strerror}") from None


def _resolve_extends(mapping: dict, path: Path | None, seen: tuple) -> dict:
    """Merge ``extends`` parents under ``mapping`` (tables merged key by key, child wins)."""
    parent_name = mapping.get("extends")
    if not parent_name:
        return mapping
    if path is None:
        raise ConfigError("a config with `extends` needs its file path to resolve the parent")
    parent_path = (path.parent / parent_name).resolve()
    if parent_path in seen:
        raise ConfigError(f"{path}: `extends` loops back to {parent_path}")
    parent = _resolve_extends(read_toml(parent_path), parent_path, seen + (parent_path,))
    merged = {k: v for k, v in parent.items() if k not in _NOT_INHERITED and k != "extends"}
    for key, value in mapping.items():
        if key == "extends":
            continue
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged
