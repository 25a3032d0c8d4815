"""Loading user trackers ("plug-ins") from a Python file or an importable module.

A plug-in spec is ``path/to/file.py:ClassName`` or ``package.module:ClassName``. The class is
instantiated with no arguments and must provide ``init(frame, box)`` and ``update(frame) -> box``
(frames BGR ``uint8``, boxes ``x, y, w, h`` 1-based, as in :class:`crpnbench.tracking.base.Tracker`);
subclassing :class:`~crpnbench.tracking.base.Tracker` is optional. Its result folder is its
``name`` attribute when the class sets one, else the class name. See ``trackers/README.md``.
A got10k tracker (a ``got10k.trackers.Tracker`` subclass) runs unchanged: it gets PIL RGB images and
its instance ``name`` names the folder (:mod:`crpnbench.tracking.got10k_trackers`).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import sys
from pathlib import Path

from crpnbench.errors import ConfigError
from crpnbench.tracking.base import Tracker, TrackerFailure


def is_plugin_spec(spec: str) -> bool:
    """Whether ``spec`` names a plug-in (``target:ClassName``) rather than a tracker config."""
    if ":" not in spec:
        return False
    target, _, class_name = spec.rpartition(":")
    # a Windows drive letter ("C:\\...toml") is not a plug-in separator
    return bool(target) and bool(class_name) and "\\" not in class_name and "/" not in class_name


def split_spec(spec: str) -> tuple[str, str]:
    """``"a/b.py:Cls"`` -> ``("a/b.py", "Cls")``; a :class:`ConfigError` when malformed."""
    target, _, class_name = spec.rpartition(":")
    if not target or not class_name.isidentifier():
        raise ConfigError(
            f"bad plug-in spec {spec!r}: expected path/to/file.py:ClassName or package.module:ClassName"
        )
    return target, class_name


def _is_file_target(target: str) -> bool:
    return target.endswith(".py") or "/" in target or "\\" in target


def _load_module_from_file(path: Path):
    if not path.is_file():
        raise ConfigError(f"plug-in file does not exist: {path}")
    resolved = path.resolve()
    digest = hashlib.sha1(str(resolved).encode()).hexdigest()[:10]
    module_name = f"crpnbench_plugin_{resolved.stem}_{digest}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, resolved)
    if spec is None or spec.loader is None:
        raise ConfigError(f"cannot load {path} as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses, pickling and relative lookups need it
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        del sys.modules[module_name]
        raise ConfigError(f"plug-in file {path} failed to import: {type(error).__name__}: {error}") from error
    return module


def _import_module(name: str):
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name and name.startswith(error.name):
            raise ConfigError(
                f"plug-in module {name!r} cannot be imported (no module named {error.name!r}; "
                "is its folder on PYTHONPATH, or did you mean path/to/file.py:ClassName?)"
            ) from error
        raise ConfigError(f"plug-in module {name!r} failed to import: {error}") from error
    except Exception as error:
        raise ConfigError(f"plug-in module {name!r} failed to import: {type(error).__name__}: {error}") from error


def load_plugin_class(spec: str) -> type:
    """The class a plug-in spec names, checked for callable ``init`` and ``update``."""
    target, class_name = split_spec(spec)
    module = _load_module_from_file(Path(target)) if _is_file_target(target) else _import_module(target)
    where = target
    cls = getattr(module, class_name, None)
    if cls is None:
        classes = sorted(n for n, v in vars(module).items() if inspect.isclass(v) and not n.startswith("_"))
        listing = f"; classes there: {', '.join(classes)}" if classes else "; it defines no classes"
        raise ConfigError(f"plug-in {where} has no class {class_name!r}{listing}")
    if not inspect.isclass(cls):
        raise ConfigError(f"plug-in {where}:{class_name} is not a class")
    missing = [m for m in ("init", "update") if not callable(getattr(cls, m, None))]
    if missing:
        raise ConfigError(
            f"plug-in class {class_name} in {where} lacks {' and '.join(missing)}(); a tracker needs "
            "init(frame, box) and update(frame) -> box"
        )
    if inspect.isabstract(cls):
        abstract = ", ".join(sorted(getattr(cls, "__abstractmethods__", ())))
        raise ConfigError(f"plug-in class {class_name} in {where} is abstract (implement {abstract})")
    return cls


def plugin_name(cls: type) -> str:
    """Result-folder name of a plug-in class: its own ``name`` attribute, else the class name.

    The ``name = "tracker"`` default inherited from :class:`Tracker` does not count. A got10k tracker
    (``got10k.trackers.Tracker`` subclass) sets its name on the instance in ``__init__``: that name, read
    from the one instance the plug-in build then uses (:mod:`crpnbench.tracking.got10k_trackers`).
    """
    from crpnbench.tracking.got10k_trackers import got10k_instance_name, is_got10k_tracker_class

    if is_got10k_tracker_class(cls):
        return check_folder_name(got10k_instance_name(cls), f"got10k tracker {cls.__name__}'s name")
    for klass in cls.__mro__:
        if klass in (Tracker, object):
            continue
        value = vars(klass).get("name")
        if isinstance(value, str) and value.strip():
            return check_folder_name(value.strip(), f"plug-in class {cls.__name__}'s name")
    return cls.__name__


def check_folder_name(name: str, what: str = "tracker name") -> str:
    """``name`` when it can be a result folder (one path component), else a :class:`ConfigError`:
    ``../x``, ``a/b``, ``.``, absolute paths and control characters would write outside ``raw/<dataset>/``."""
    if (not name or name in (".", "..") or "/" in name or "\\" in name or ":" in name
            or any(ord(c) < 32 for c in name)):
        raise ConfigError(f"{what} {name!r} cannot be a result folder: it must be a single folder name "
                          "(no '/', '\\', ':' or '..')")
    return name


def plugin_source_sha256(spec: str) -> str | None:
    """sha256 of the source file that defines a plug-in's module (what a resumed run compares), or None
    when it has no readable source file."""
    target, class_name = split_spec(spec)
    if _is_file_target(target):
        path = Path(target)
    else:
        module = _import_module(target)
        path = Path(getattr(module, "__file__", None) or "")
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def build_plugin(spec: str):
    """Instantiate the plug-in tracker ``spec`` names (no arguments); its ``name`` is set for results."""
    cls = load_plugin_class(spec)
    name = plugin_name(cls)
    from crpnbench.tracking.got10k_trackers import Got10kTracker, is_got10k_tracker_class, take_instance

    if is_got10k_tracker_class(cls):  # PIL RGB frames; the instance plugin_name built, not a second one
        return Got10kTracker(take_instance(cls), name)
    try:
        tracker = cls()
    except TypeError as error:
        raise ConfigError(
            f"plug-in class {cls.__name__} must be constructible with no arguments: {error}"
        ) from error
    except Exception as error:  # noqa: BLE001 - a plug-in's bug is that tracker's failure, not a traceback
        raise TrackerFailure(f"tracker {name}: {cls.__name__}() raised {type(error).__name__}: {error}") from error
    try:
        tracker.name = name
    except AttributeError:  # read-only property or __slots__: the class decides
        pass
    return tracker
