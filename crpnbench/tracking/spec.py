"""A tracker's identity wherever it runs: :class:`TrackerSpec`.

A spec names a tracker (a registry name such as ``csrt`` or ``crpn``, a ``.toml`` path, a plug-in
``file.py:Class``, a :class:`~crpnbench.models.config.CRPNConfig`, or a picklable factory) and carries
every option its build needs (device, checkpoint, untrained weights, fast inference mode), so the same
spec builds the same tracker in this process, a worker process or a Ray task. It also knows the folder
its results go to (:attr:`TrackerSpec.folder`). Every C-RPN build goes through
:func:`crpnbench.tracking.crpn_tracker.build_crpn`, which checks the device and the checkpoint.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crpnbench.errors import ConfigError
from crpnbench.tracking.base import Tracker


@dataclass(frozen=True)
class TrackerSpec:
    """How to build one tracker, in any process, and where its results go.

    Attributes:
        name: the tracker's name (its result folder, with ``-untrained`` for random C-RPN weights).
        target: a registry spec (``csrt``, ``crpn``, ``my.toml``, ``plugins/my.py:MyTracker``) or a
            ``CRPNConfig``; None when ``factory`` builds the tracker.
        factory: a picklable callable returning a :class:`Tracker` (library use and tests).
        device: ``cpu``, ``cuda`` or ``cuda:N`` (trackers with weights).
        checkpoint: C-RPN weights file (default: the config's checkpoint).
        untrained: C-RPN with its seeded random initialisation.
        fast: a :mod:`crpnbench.tracking.fast` mode (``auto``, ``eager``, ``compile``,
            ``channels_last``) or None for the plain tracker.
    """

    name: str
    target: Any = None
    factory: Callable[[], Tracker] | None = None
    device: str = "cpu"
    checkpoint: str | None = None
    untrained: bool = False
    fast: str | None = None

    @classmethod
    def of(cls, item, device: str = "cpu", checkpoint: str | Path | None = None, untrained: bool = False,
           fast: str | None = None) -> "TrackerSpec":
        """A spec from a registry name, a ``CRPNConfig``, a Tracker class or a ``(name, factory)`` pair,
        with these build options. A :class:`TrackerSpec` is returned as it is (it has its own options)."""
        if isinstance(item, TrackerSpec):
            return item.checked()
        return cls._of(item, device, checkpoint, untrained, fast).checked()

    @classmethod
    def _of(cls, item, device, checkpoint, untrained, fast) -> "TrackerSpec":
        options = dict(device=device, checkpoint=None if checkpoint is None else str(checkpoint),
                       untrained=untrained, fast=fast)
        if fast is not None:
            from crpnbench.tracking.fast import resolve_fast_mode

            resolve_fast_mode(fast, device)  # an unknown mode or fp16 without CUDA fails here, once
        if isinstance(item, str):
            if not item.strip():
                raise ConfigError("empty tracker name")
            return cls(registry_name(item.strip()), target=item.strip(), **options)
        if hasattr(item, "checkpoint_path") and hasattr(item, "name"):  # a CRPNConfig
            return cls(str(item.name), target=item, **options)
        if isinstance(item, tuple) and len(item) == 2:
            return cls(str(item[0]), factory=item[1], **options)
        if isinstance(item, type):
            from crpnbench.tracking.got10k_trackers import got10k_instance_name, is_got10k_tracker_class, take_instance

            if is_got10k_tracker_class(item):  # named by its instance, which the first build() then uses
                return cls(got10k_instance_name(item), factory=functools.partial(take_instance, item), **options)
            name = getattr(item, "name", None)
            return cls(name if name and name != "tracker" else item.__name__, factory=item, **options)
        raise ConfigError(f"cannot use {item!r} as a tracker (give a name, a Tracker class or (name, factory))")

    def checked(self) -> "TrackerSpec":
        """This spec, when its result folder is one path component (else a :class:`ConfigError`)."""
        from crpnbench.tracking.plugin import check_folder_name

        check_folder_name(str(self.name))
        return self

    # ----- identity -------------------------------------------------------------------------------
    def provenance(self) -> dict:
        """What produces this tracker's results, as a JSON-able mapping a resumed run compares with the
        one recorded in its result folder: the config after ``extends`` (registry and ``.toml`` trackers),
        the checkpoint's sha256 (trained C-RPN), the plug-in's source sha256, random weights or not.
        Trackers given as Python objects (library use) are recorded by name only."""
        out: dict[str, Any] = {"tracker": self.name, "untrained": bool(self.untrained)}
        target = self.target
        if self.factory is not None:
            out["kind"] = "python object"
            return out
        if not isinstance(target, str):
            out["kind"] = "crpn config object"
            out["config"] = _jsonable(dataclasses.asdict(target)) if dataclasses.is_dataclass(target) else repr(target)
        else:
            from crpnbench.tracking.plugin import is_plugin_spec, plugin_source_sha256

            if not target.endswith(".toml") and is_plugin_spec(target):
                out["kind"] = "plug-in"
                out["plugin"] = target.rpartition(":")[2]
                out["plugin_source_sha256"] = plugin_source_sha256(target)
            else:
                from crpnbench.models.config import _resolve_extends, read_toml
                from crpnbench.tracking.registry import resolve_tracker_config

                out["kind"] = "config"
                path = resolve_tracker_config(target)
                config = _resolve_extends(dict(read_toml(path)), path, seen=())  # the config after `extends`
                for key in ("description", "train"):  # [train] changes results only through the checkpoint
                    config.pop(key, None)
                out["config"] = _jsonable(config)
        weights = self.checkpoint_file()
        if weights is not None:
            out["checkpoint_sha256"] = file_sha256(weights)
        return out

    @property
    def is_crpn(self) -> bool:
        """Whether the spec builds a C-RPN tracker from a config (so weights matter)."""
        return self.crpn_config() is not None

    def crpn_config(self):
        """The spec's :class:`CRPNConfig`, or None for other trackers."""
        target = self.target
        if target is None:
            return None
        if not isinstance(target, str):
            return target
        from crpnbench.tracking.plugin import is_plugin_spec
        from crpnbench.tracking.registry import read_tracker_config, resolve_tracker_config

        if not target.endswith(".toml") and is_plugin_spec(target):
            return None
        path = resolve_tracker_config(target)
        if read_tracker_config(path).get("type") != "crpn":
            return None
        from crpnbench.models.config import CRPNConfig

        return CRPNConfig.from_toml(path)

    @property
    def folder(self) -> str:
        """The results folder: the name, with ``-untrained`` for C-RPN random weights, so a smoke run
        never resumes from (or overwrites) the trained tracker's raw results and scores never mix them."""
        if self.untrained and self.is_crpn:
            return f"{self.name}-untrained"
        return self.name

    def checkpoint_file(self) -> Path | None:
        """The weights file a trained C-RPN spec loads (None for other trackers and untrained runs)."""
        if self.untrained:
            return None
        config = self.crpn_config()
        if config is None:
            return None
        return Path(self.checkpoint) if self.checkpoint else Path(config.checkpoint_path)

    def describe_weights(self) -> str | None:
        """``"<checkpoint>: <what it is>"`` for a trained C-RPN whose checkpoint exists, else None (a
        missing checkpoint is the build's error)."""
        path = self.checkpoint_file()
        if path is None or not path.is_file():
            return None
        from crpnbench.models.checkpoint import describe_checkpoint, load_checkpoint

        return f"{path}: {describe_checkpoint(load_checkpoint(path))}"

    # ----- building -------------------------------------------------------------------------------
    def build(self) -> Tracker:
        """Build the tracker in the calling process (C-RPN: with its weights, on its device)."""
        if self.factory is not None:
            tracker = self.factory()
        elif not isinstance(self.target, str):
            from crpnbench.tracking.crpn_tracker import build_crpn

            tracker = build_crpn(self.target, self.device, self.checkpoint, self.untrained)
        else:
            from crpnbench.tracking.registry import build_tracker

            tracker = build_tracker(self.target, device=self.device, checkpoint=self.checkpoint,
                                    untrained=self.untrained)
        from crpnbench.tracking.got10k_trackers import as_crpnbench_tracker

        tracker = as_crpnbench_tracker(tracker)  # a got10k tracker object gets PIL RGB frames
        if self.fast is not None:
            from crpnbench.tracking.fast import apply_fast_mode

            tracker = apply_fast_mode(tracker, self.fast)
        return tracker

    def replace(self, **changes) -> "TrackerSpec":
        """A copy with some fields changed (e.g. the device a Ray task sees)."""
        return dataclasses.replace(self, **changes)


_HASHES: dict[tuple, str | None] = {}


def file_sha256(path: str | Path) -> str | None:
    """sha256 of a file (cached per path, size and modification time), None when it cannot be read."""
    import hashlib
    import os

    path = Path(path)
    try:
        stat = os.stat(path)
    except OSError:
        return None
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _HASHES:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        _HASHES[key] = digest.hexdigest()
    return _HASHES[key]


def _jsonable(value):
    """Tuples as lists, paths as strings, everything else as it is (for comparing with stored JSON)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def registry_name(spec: str) -> str:
    """The name (and result folder) of a registry spec.

    A config name is its own name (``csrt``, ``crpn-small``); a ``.toml`` path gives its ``name``
    (else the file stem); a plug-in ``file.py:Class`` gives the class's ``name`` attribute, else the
    class name (the plug-in loader's rule).
    """
    from crpnbench.tracking.plugin import is_plugin_spec

    if spec.endswith(".toml"):
        from crpnbench.tracking.registry import read_tracker_config

        return str(read_tracker_config(spec).get("name") or Path(spec).stem)
    if is_plugin_spec(spec):
        from crpnbench.tracking.plugin import load_plugin_class, plugin_name

        return plugin_name(load_plugin_class(spec))
    return spec


__all__ = ["TrackerSpec", "file_sha256", "registry_name"]
