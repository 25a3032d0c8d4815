"""What ``crpnbench train --dataset`` trains on: the registry of sources, the ``--dataset`` grammar, the mix.

``--dataset`` takes one source or a weighted mix::

    --dataset ENTRY[,ENTRY...]              ENTRY = [LABEL=]NAME[:WEIGHT][:KEY=VALUE...]

    --dataset vid                           one source
    --dataset vid,ytbb                      equal weights
    --dataset vid:0.6,ytbb:0.4              a pair comes from VID with probability 0.6 (weights are normalised)
    --dataset vid:3:gap=50:occluded=skip    weight 3, frame gap 50, VID's occluded frames not sampled
    --dataset v=crop511,y=crop511:gap=3     two pysot crop folders, told apart by their labels

``NAME`` is a key of :data:`TRAIN_DATA` (or any ``crpnbench eval`` dataset name, trained on all its
sequences); ``LABEL`` (default: the name) names the source in ``--data-root LABEL=DIR``, in the log
and in the checkpoint. ``gap=N`` is the largest template-search distance in the source's annotated
frames; without it a source uses its pysot FRAME_RANGE (VID 100, YT-BB 3, COCO 1) or, for the
benchmarks, the run's ``frame_gap`` setting. Other ``KEY=VALUE`` pairs are the source's reader
options (:attr:`SourceSpec.user_options`).

``--data-root DIR`` is the folder of a single source; with several, ``--data-root LABEL=DIR`` once per
source. A source without a root reads ``datasets/<folder>`` (:attr:`SourceSpec.folder`).

A pair first picks a source by weight, then a sequence of it uniformly, then two frames
(:class:`crpnbench.training.pairs.TrainingPairs`). :class:`TrainingData` holds the loaded sources;
:meth:`TrainingData.describe` is the JSON-able record the trainer stores in every checkpoint.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crpnbench.errors import ConfigError

_BENCHMARK_READER = "crpnbench.training.sources:read_benchmark"


@dataclass(frozen=True)
class SourceSpec:
    """How a ``--dataset`` name is read.

    Attributes:
        reader: ``"module:function"``, called as ``function(root, **options)``; returns a list of
            :class:`~crpnbench.data.sequence.Sequence` or a :class:`~crpnbench.data.seqtable.SequenceTable`.
        folder: default folder under ``datasets/`` (None: the benchmark's, from ``crpnbench.data.BENCHMARKS``).
        options: fixed reader options.
        frame_gap: the source's own frame gap (pysot FRAME_RANGE); None: the run's ``frame_gap``.
        user_options: the reader options a ``--dataset`` entry may set (``KEY=VALUE``).
    """

    reader: str
    folder: str | None = None
    options: dict = field(default_factory=dict)
    frame_gap: int | None = None
    user_options: tuple[str, ...] = ()


def _benchmark(name: str, **options) -> SourceSpec:
    return SourceSpec(_BENCHMARK_READER, None, {"benchmark": name, **options})


#: ``--dataset`` name -> how it is read. The benchmarks train on every present sequence ("lasot": the
#: 1,120 of LaSOT's training split, i.e. all 1,400 minus testing_set.txt)
TRAIN_DATA: dict[str, SourceSpec] = {
    "synthetic-train": _benchmark("synthetic-train"),
    "synthetic": _benchmark("synthetic-train"),
    "lasot": _benchmark("lasot-all", exclude="lasot"),
    "trackingnet-train": _benchmark("trackingnet-train"),
    "got10k": _benchmark("got10k", subset="train"),
    "vid": SourceSpec("crpnbench.data.vid:read_vid", "ILSVRC2015", {"subset": "train"}, 100,
                      ("occluded", "generated", "workers")),
    "vid-val": SourceSpec("crpnbench.data.vid:read_vid", "ILSVRC2015", {"subset": "val"}, 100,
                          ("occluded", "generated", "workers")),
    "ytbb": SourceSpec("crpnbench.data.ytbb:read_ytbb", "YouTube-BB", {"subset": "train"}, 3, ("layout",)),
    "ytbb-val": SourceSpec("crpnbench.data.ytbb:read_ytbb", "YouTube-BB", {"subset": "val"}, 3, ("layout",)),
    "coco": SourceSpec("crpnbench.data.coco:read_coco", "COCO", {"subset": "train2017"}, 1, ("min_size",)),
    "crop511": SourceSpec("crpnbench.data.crop511:read_crop511", "crop511", {}, None, ("annotations",)),
}

# -- the --dataset grammar ----------------------------------------------------------------------


@dataclass(frozen=True)
class SourceRequest:
    """One parsed ``--dataset`` entry: ``label=name:weight:key=value...``."""

    label: str
    name: str
    weight: float = 1.0
    frame_gap: int | None = None
    options: dict = field(default_factory=dict)


def source_spec(name: str) -> SourceSpec:
    """The :class:`SourceSpec` of ``--dataset`` name ``name`` (a TRAIN_DATA key or a benchmark name)."""
    if name in TRAIN_DATA:
        return TRAIN_DATA[name]
    from crpnbench.data import BENCHMARKS

    if name in BENCHMARKS:
        return _benchmark(name)
    raise ConfigError(f"unknown training data {name!r}; choose one of: {', '.join(TRAIN_DATA)} "
                      f"(or a dataset name such as otb2015)")


def _value(text: str):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def parse_data(data: str) -> list[SourceRequest]:
    """The entries of a ``--dataset`` value (module docstring); errors are one :class:`ConfigError` line."""
    entries = [e.strip() for e in str(data).split(",")]
    if not entries or any(not e for e in entries):
        raise ConfigError(f"--dataset {data!r}: empty entry (expected NAME[:WEIGHT][:KEY=VALUE...],...)")
    requests, labels = [], set()
    for entry in entries:
        head, *fields = entry.split(":")
        label, _, name = head.rpartition("=")
        label, name = (label or name).strip(), name.strip()
        spec = source_spec(name)
        weight, gap, options = None, None, {}
        for item in fields:
            key, equals, value = item.partition("=")
            key, value = key.strip(), value.strip()
            if not equals:
                if weight is not None:
                    raise ConfigError(f"--dataset entry {entry!r}: more than one weight")
                weight = _value(key)
                if isinstance(weight, str) or not weight > 0 or weight != weight or weight == float("inf"):
                    raise ConfigError(f"--dataset entry {entry!r}: weight must be a positive number, not {key!r}")
            elif key == "gap":
                gap = _value(value)
                if not isinstance(gap, int) or gap < 0:
                    raise ConfigError(f"--dataset entry {entry!r}: gap must be a whole number >= 0, not {value!r}")
            elif key in spec.user_options:
                options[key] = _value(value)
            else:
                known = ", ".join(("gap",) + spec.user_options)
                raise ConfigError(f"--dataset entry {entry!r}: unknown option {key!r} (known: {known})")
        if label in labels:
            raise ConfigError(f"--dataset {data!r}: source {label!r} appears twice (label one: LABEL={name})")
        labels.add(label)
        requests.append(SourceRequest(label, name, float(weight or 1.0), gap, options))
    return requests


def parse_data_roots(data_root, labels: list[str]) -> dict[str, Path]:
    """``--data-root`` values -> ``{label: folder}``: one bare ``DIR`` for a single source, or ``LABEL=DIR``."""
    if data_root is None:
        values = []
    elif isinstance(data_root, (str, os.PathLike)):
        values = [data_root]
    else:
        values = list(data_root)
    roots: dict[str, Path] = {}
    bare: list[Path] = []
    for value in values:
        if isinstance(value, os.PathLike):
            bare.append(Path(value))
            continue
        label, equals, folder = str(value).partition("=")
        if equals and label in labels:
            if label in roots:
                raise ConfigError(f"--data-root {label}=... is given twice")
            roots[label] = Path(folder)
        elif equals and len(labels) > 1:
            raise ConfigError(f"--data-root {value!r}: {label!r} is not a source of --dataset "
                              f"(sources: {', '.join(labels)})")
        else:
            bare.append(Path(value))
    if bare:
        if len(labels) > 1 or len(bare) > 1 or roots:
            raise ConfigError(f"--data-root {bare[0]} is ambiguous with sources {', '.join(labels)}: "
                              f"give each source's folder as --data-root LABEL=DIR")
        roots[labels[0]] = bare[0]
    return roots


def default_root(name: str) -> Path:
    """``datasets/<folder>`` of ``--dataset`` name ``name``."""
    from crpnbench.data import BENCHMARKS, DEFAULT_DATA_ROOT

    spec = source_spec(name)
    return DEFAULT_DATA_ROOT / (spec.folder if spec.folder is not None else BENCHMARKS[spec.options["benchmark"]][1])


# -- readers --------------------------------------------------------------------------------


def read_benchmark(root, benchmark: str, exclude: str | None = None, **options) -> list:
    """Every present sequence of benchmark ``benchmark`` (less those listed by benchmark ``exclude``)."""
    from crpnbench.data import open_benchmark

    opened = open_benchmark(benchmark, root=root, **options)
    names = opened.names
    if exclude is not None:
        excluded = set(open_benchmark(exclude, root=root).listed)
        names = [n for n in names if n not in excluded]
    return [opened[n] for n in names]


def _call_reader(spec: SourceSpec, root: Path, options: dict):
    module, function = spec.reader.split(":")
    return getattr(importlib.import_module(module), function)(root, **{**spec.options, **options})


# -- the loaded mix -------------------------------------------------------------------------


@dataclass
class TrainingSource:
    """One loaded source of a mix.

    Attributes:
        name: the label (unique in the mix), e.g. ``vid``.
        kind: the ``--dataset`` name it was read as, e.g. ``crop511``.
        root: the folder it was read from (None for sequences handed to the trainer directly).
        weight: its share of the pairs (the mix's weights sum to 1).
        frame_gap: its frame gap, or None for the run's ``frame_gap`` setting.
        sequences: a list of Sequence or a SequenceTable.
        options: the reader options given in ``--dataset``.
        skipped: what the reader left out, ``{reason: count}``.
    """

    name: str
    kind: str
    root: Path | None
    weight: float
    frame_gap: int | None
    sequences: Any
    options: dict = field(default_factory=dict)
    skipped: dict = field(default_factory=dict)

    @property
    def frame_count(self) -> int:
        count = getattr(self.sequences, "frame_count", None)
        return int(count) if count is not None else sum(len(s) for s in self.sequences)

    def describe(self) -> dict:
        return {
            "name": self.name, "kind": self.kind, "root": None if self.root is None else os.path.abspath(self.root),
            "sequences": len(self.sequences), "frames": self.frame_count, "weight": self.weight,
            "frame_gap": self.frame_gap, "options": dict(self.options), "skipped": dict(self.skipped),
        }


@dataclass
class TrainingData:
    """The sources of one training run and their sequences (iterating yields every sequence)."""

    sources: list[TrainingSource]
    spec: str = ""

    def __len__(self) -> int:
        return sum(len(s.sequences) for s in self.sources)

    def __iter__(self) -> Iterator:
        for source in self.sources:
            yield from source.sequences

    def describe(self) -> dict:
        """A plain JSON-able record: the ``--dataset`` value and per source name, kind, root, sequence and
        frame counts, weight, frame gap, reader options and what was skipped."""
        return {"spec": self.spec, "sources": [s.describe() for s in self.sources]}

    @classmethod
    def from_sequences(cls, sequences: Iterable, name: str = "sequences") -> "TrainingData":
        """One source holding ``sequences`` (a list given directly to the trainer)."""
        sequences = sequences if hasattr(sequences, "__len__") else list(sequences)
        return cls([TrainingSource(name, name, None, 1.0, None, sequences)], spec=name)


def _log(message: str) -> None:
    print(f"crpnbench: {message}", file=sys.stderr, flush=True)


def load_training_data(data: str, data_root=None, log=_log) -> TrainingData:
    """Read every source of ``--dataset`` value ``data`` from its ``--data-root`` (module docstring).

    Each source that skipped something, or took more than 5 s to read, gets one ``log`` line with
    its counts; a source with no sequence is a :class:`ConfigError`.
    """
    requests = parse_data(data)
    roots = parse_data_roots(data_root, [r.label for r in requests])
    total = sum(r.weight for r in requests)
    sources = []
    for request in requests:
        spec = source_spec(request.name)
        root = roots.get(request.label, default_root(request.name))
        started = time.perf_counter()
        sequences = _call_reader(spec, root, request.options)
        seconds = time.perf_counter() - started
        if len(sequences) == 0:
            raise ConfigError(f"training data {request.label!r} has no sequence on disk under {root}")
        source = TrainingSource(
            request.label, request.name, root, request.weight / total,
            request.frame_gap if request.frame_gap is not None else spec.frame_gap,
            sequences, dict(request.options), dict(getattr(sequences, "skipped", {}) or {}),
        )
        if source.skipped or seconds > 5:
            notes = "".join(f"; {count} {reason}" for reason, count in source.skipped.items())
            log(f"{source.name}: {len(sequences)} sequences, {source.frame_count} frames from {root} "
                f"in {seconds:.0f} s{notes}")
        sources.append(source)
    return TrainingData(sources, spec=str(data))


__all__ = ["SourceRequest", "SourceSpec", "TRAIN_DATA", "TrainingData", "TrainingSource",
           "default_root", "load_training_data", "parse_data", "parse_data_roots", "read_benchmark",
           "source_spec"]
