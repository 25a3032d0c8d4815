"""Trackers by name: ``trackers/<name>.toml`` config files and plug-in classes.

``build_tracker("csrt")`` reads ``trackers/csrt.toml`` and dispatches on its ``type``:
``"opencv"`` builds an :class:`~crpnbench.tracking.opencv_trackers.OpenCVTracker`, ``"crpn"``
calls ``CRPNTracker.from_config``. A spec with a colon (``my_tracker.py:MyTracker``,
``package.module:MyTracker``) loads a plug-in (:mod:`crpnbench.tracking.plugin`); a spec ending
in ``.toml`` is read as a config file path.

The trackers folder is ``./trackers`` when it exists (a user's own configs), else the
``trackers/`` folder of the source checkout beside the ``crpnbench`` package.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from crpnbench.errors import ConfigError
from crpnbench.tracking.base import Tracker
from crpnbench.tracking.plugin import build_plugin, is_plugin_spec

#: tracker config ``type`` values and what builds them
TRACKER_TYPES = ("opencv", "crpn")


def default_trackers_dir() -> Path:
    """``./trackers`` if it exists, else the checkout's ``trackers/`` beside the package."""
    local = Path("trackers")
    if local.is_dir():
        return local
    return Path(__file__).resolve().parents[2] / "trackers"


def _trackers_dir(trackers_dir: str | Path | None) -> Path:
    return default_trackers_dir() if trackers_dir is None else Path(trackers_dir)


def list_trackers(trackers_dir: str | Path | None = None) -> list[str]:
    """Names of the tracker configs (``<name>.toml``) in the trackers folder, sorted."""
    folder = _trackers_dir(trackers_dir)
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.toml") if p.is_file())


def read_tracker_config(path: str | Path) -> dict[str, Any]:
    """Parse one tracker TOML file; a :class:`ConfigError` naming the file when it is not valid TOML."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            config = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"tracker config does not exist: {path}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read tracker config: {error.strerror}") from None
    return config


def resolve_tracker_config(spec: str, trackers_dir: str | Path | None = None) -> Path:
    """The config file a tracker name (or ``.toml`` path) refers to."""
    if spec.endswith(".toml"):
        path = Path(spec)
        if not path.is_file():
            raise ConfigError(f"tracker config does not exist: {path}")
        return path
    folder = _trackers_dir(trackers_dir)
    path = folder / f"{spec}.toml"
    if not path.is_file():
        available = list_trackers(folder)
        listing = ", ".join(available) if available else f"none: {folder} has no .toml files"
        raise ConfigError(
            f"unknown tracker {spec!r}; available: {listing} (or a plug-in: path/to/file.py:ClassName)"
        )
    return path


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
