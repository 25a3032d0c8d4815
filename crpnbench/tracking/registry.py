"""Trackers by name: ``trackers/<name>.toml`` config files and plug-in classes.

``build_tracker("csrt")`` reads ``trackers/csrt.toml`` and dispatches on its ``type``:
``"opencv"`` builds an :class:`~crpnbench.tracking.opencv_trackers.OpenCVTracker`, ``"crpn"``
calls ``CRPNTracker.from_config``. A spec with a colon (``my_tracker.py:MyTracker``,
``package.module:MyTracker``) loads a plug-in (:mod:`crpnbench.tracking.plugin`); a spec ending
in ``.toml`` is read as a config file path.

Configs are looked up in ``./trackers`` when it exists (a user's own configs), then in the
``trackers/`` folder of the source checkout beside the ``crpnbench`` package (first match wins).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crpnbench.errors import ConfigError
from crpnbench.models.config import read_toml
from crpnbench.tracking.base import Tracker
from crpnbench.tracking.plugin import build_plugin, is_plugin_spec

#: tracker config ``type`` values and what builds them
TRACKER_TYPES = ("opencv", "crpn")


def checkout_trackers_dir() -> Path:
    """The ``trackers/`` folder of the source checkout, beside the ``crpnbench`` package."""
    return Path(__file__).resolve().parents[2] / "trackers"


def default_trackers_dir() -> Path:
    """``./trackers`` if it exists, else the checkout's ``trackers/`` beside the package."""
    local = Path("trackers")
    if local.is_dir():
        return local
    return checkout_trackers_dir()


def tracker_dirs(trackers_dir: str | Path | None = None) -> list[Path]:
    """Folders searched for ``<name>.toml``, first match wins.

    An explicit ``trackers_dir`` is the only one searched. Otherwise ``./trackers`` (when it
    exists) comes first and the checkout's folder after it, so a user's own configs can add to
    and override the shipped ones without hiding them.
    """
    if trackers_dir is not None:
        return [Path(trackers_dir)]
    folders: list[Path] = []
    for folder in (Path("trackers"), checkout_trackers_dir()):
        if folder.is_dir() and all(folder.resolve() != f.resolve() for f in folders):
            folders.append(folder)
    return folders or [checkout_trackers_dir()]


def list_trackers(trackers_dir: str | Path | None = None) -> list[str]:
    """Names of the tracker configs (``<name>.toml``) in the trackers folder(s), sorted."""
    names = set()
    for folder in tracker_dirs(trackers_dir):
        if folder.is_dir():
            names.update(p.stem for p in folder.glob("*.toml") if p.is_file())
    return sorted(names)


def read_tracker_config(path: str | Path) -> dict[str, Any]:
    """Parse one tracker TOML file (:func:`crpnbench.models.config.read_toml`: one clear error naming it)."""
    return read_toml(path)


def resolve_tracker_config(spec: str, trackers_dir: str | Path | None = None) -> Path:
    """The config file a tracker name (or ``.toml`` path) refers to."""
    if spec.endswith(".toml"):
        path = Path(spec)
        if not path.is_file():
            raise ConfigError(f"tracker config does not exist: {path}")
        return path
    folders = tracker_dirs(trackers_dir)
    for folder in folders:
        path = folder / f"{spec}.toml"
        if path.is_file():
            return path
    available = list_trackers(trackers_dir)
    where = ", ".join(str(f) for f in folders)
    listing = ", ".join(available) if available else f"none: no .toml files in {where}"
    raise ConfigError(
        f"unknown tracker {spec!r}; available: {listing} (or a plug-in: path/to/file.py:ClassName)"
    )


def build_tracker(
    spec: str,
    device: str = "cpu",
    checkpoint: str | Path | None = None,
    untrained: bool = False,
    trackers_dir: str | Path | None = None,
) -> Tracker:
    """Build the tracker ``spec`` names: a config name, a ``.toml`` path, or a plug-in spec.

    ``device``, ``checkpoint`` and ``untrained`` concern trackers with weights (C-RPN); OpenCV
    trackers and plug-ins ignore them.
    """
    if not isinstance(spec, str) or not spec.strip():
        raise ConfigError("empty tracker name")
    spec = spec.strip()
    if not spec.endswith(".toml") and is_plugin_spec(spec):
        return build_plugin(spec)
    path = resolve_tracker_config(spec, trackers_dir)
    config = read_tracker_config(path)
    kind = config.get("type")
    if kind == "opencv":
        from crpnbench.tracking.opencv_trackers import OpenCVTracker

        config = dict(config)
        config.setdefault("name", path.stem)
        return OpenCVTracker.from_config(config)
    if kind == "crpn":
        from crpnbench.tracking.crpn_tracker import CRPNTracker

        return CRPNTracker.from_config(config, path, device=device, checkpoint=checkpoint, untrained=untrained)
    if kind is None:
        raise ConfigError(f"{path}: missing `type` (one of: {', '.join(TRACKER_TYPES)})")
    raise ConfigError(f"{path}: unknown tracker type {kind!r} (one of: {', '.join(TRACKER_TYPES)})")
