"""Benchmark loaders, one class per benchmark, all returning :class:`Sequence`.

Use :func:`open_benchmark` with a CLI dataset name; classes are imported lazily.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from crpnbench.data.benchmark import Benchmark
from crpnbench.data.catalog import BENCHMARKS, BenchmarkInfo, benchmark_info
from crpnbench.data.sequence import Sequence, read_image
from crpnbench.errors import ConfigError

DEFAULT_DATA_ROOT = Path("datasets")


def benchmark_class(name: str):
    """The loader class registered for dataset ``name``."""
    if name not in BENCHMARKS:
        raise ConfigError(f"unknown dataset {name!r}; choose one of: {', '.join(BENCHMARKS)}")
    module, cls = BENCHMARKS[name].loader.split(":")
    return getattr(importlib.import_module(module), cls)


def open_benchmark(
    name: str,
    root: str | Path | None = None,
    annotations: str | Path | None = None,
    **options,
) -> Benchmark:
    """Open dataset ``name`` from ``root`` (default ``datasets/<Folder>``) or an annotation file.

    ``options`` override the registered defaults (e.g. ``protocol=1`` for LaSOT).
    """
    cls = benchmark_class(name)
    info = BENCHMARKS[name]
    if root is None and annotations is None:
        root = DEFAULT_DATA_ROOT / info.folder
    return cls(root=root, annotations=annotations, **{**info.options, **options})


__all__ = ["BENCHMARKS", "Benchmark", "BenchmarkInfo", "Sequence", "benchmark_class", "benchmark_info",
           "open_benchmark", "read_image"]
