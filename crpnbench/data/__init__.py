"""Benchmark loaders, one class per benchmark, all returning :class:`Sequence`.

Use :func:`open_benchmark` with a CLI dataset name; classes are imported lazily.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from crpnbench.data.benchmark import Benchmark
from crpnbench.data.sequence import Sequence, read_image
from crpnbench.errors import ConfigError

#: dataset name -> ("module:Class", default folder under the data root, keyword options)
BENCHMARKS: dict[str, tuple[str, str, dict]] = {
    "otb2013": ("crpnbench.data.otb:OTB", "OTB", {"version": 2013}),
    "otb2015": ("crpnbench.data.otb:OTB", "OTB", {"version": 2015}),
    "vot2016": ("crpnbench.data.vot:VOT", "VOT2016", {"version": 2016}),
    "vot2017": ("crpnbench.data.vot:VOT", "VOT2017", {"version": 2017}),
    "vot2018": ("crpnbench.data.vot:VOT", "VOT2018", {"version": 2018}),
    "lasot": ("crpnbench.data.lasot:LaSOT", "LaSOT", {"protocol": 2}),
    "lasot-all": ("crpnbench.data.lasot:LaSOT", "LaSOT", {"protocol": 1}),
    "trackingnet": ("crpnbench.data.trackingnet:TrackingNet", "TrackingNet", {"subset": "TEST"}),
    "trackingnet-train": ("crpnbench.data.trackingnet:TrackingNet", "TrackingNet", {"subset": "TRAIN"}),
    "got10k": ("crpnbench.data.got10k:GOT10k", "GOT-10k", {"subset": "val"}),
    "synthetic": ("crpnbench.data.synthetic:Synthetic", "synthetic", {"split": "test"}),
    "synthetic-train": ("crpnbench.data.synthetic:Synthetic", "synthetic", {"split": "train"}),
}

DEFAULT_DATA_ROOT = Path("datasets")


def benchmark_class(name: str):
    """The loader class registered for dataset ``name``."""
    if name not in BENCHMARKS:
        raise ConfigError(f"unknown dataset {name!r}; choose one of: {', '.join(BENCHMARKS)}")
    target = BENCHMARKS[name][0]
    module, cls = target.split(":")
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
    _, folder, defaults = BENCHMARKS[name]
    if root is None and annotations is None:
        root = DEFAULT_DATA_ROOT / folder
    return cls(root=root, annotations=annotations, **{**defaults, **options})


__all__ = ["BENCHMARKS", "Benchmark", "Sequence", "benchmark_class", "open_benchmark", "read_image"]
