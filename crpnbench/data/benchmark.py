"""Base class of the benchmark loaders: one subclass per benchmark (got10k's design).

A subclass lists the benchmark's sequence names (:meth:`Benchmark.list_sequences`) and loads one
(:meth:`Benchmark.load_sequence`); the base class turns that into a mapping of the sequences that
are present, and remembers which listed ones are missing so commands can say so.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path

from crpnbench.data.sequence import Sequence
from crpnbench.errors import DataError


class Benchmark(ABC):
    """A set of annotated sequences read from a data root or an annotation file.

    Subclasses set :attr:`name` and implement :meth:`list_sequences` and :meth:`load_sequence`;
    they may override :meth:`is_present` (default: always present) to report sequences whose
    folder is not on disk. Sequences are loaded on first access and cached.
    """

    #: the CLI name (``--dataset NAME``)
    name: str = ""
    #: the result-file layout the benchmark's official toolkit reads: "otb" (``<seq>.txt``),
    #: "vot" (``baseline/<seq>/<seq>_001.txt``), "got10k" (``<seq>/<seq>_001.txt``)
    result_layout: str = "otb"
    #: attribute code -> what it means on this benchmark, where it differs from the OTB/LaSOT names
    attribute_names: dict[str, str] = {}

    def __init__(self, root: str | Path | None = None, annotations: str | Path | None = None):
        self.root = None if root is None else Path(root)
        self.annotations = None if annotations is None else Path(annotations)
        if self.root is not None and annotations is None and not self.root.is_dir():
            raise DataError(f"{self.name} data root does not exist (pass --data-root)", self.root)
        if self.annotations is not None and not self.annotations.exists():
            raise DataError(f"{self.name} annotation file does not exist", self.annotations)
        self._cache: dict[str, Sequence] = {}
        self._listed: list[str] | None = None

    @abstractmethod
    def list_sequences(self) -> list[str]:
        """Every sequence name the benchmark defines, in the benchmark's order."""

    @abstractmethod
    def load_sequence(self, name: str) -> Sequence:
        """Read one sequence's annotations (not its images)."""

    def is_present(self, name: str) -> bool:
        """Whether the sequence's data is on disk; override for folder layouts."""
        return True

    # -- mapping interface -------------------------------------------------------------
    @property
    def listed(self) -> list[str]:
        if self._listed is None:
            self._listed = list(self.list_sequences())
        return self._listed

    @property
    def names(self) -> list[str]:
        """Names of the listed sequences that are present, in benchmark order."""
        return [n for n in self.listed if self.is_present(n)]

    @property
    def missing(self) -> list[str]:
        """Names of listed sequences whose data is not found."""
        return [n for n in self.listed if not self.is_present(n)]

    def __getitem__(self, name: str) -> Sequence:
        if name not in self._cache:
            if name not in self.listed:
                raise KeyError(f"{self.name} has no sequence named {name!r}")
            self._cache[name] = self.load_sequence(name)
        return self._cache[name]

    def __iter__(self) -> Iterator[Sequence]:
        for name in self.names:
            yield self[name]

    def __len__(self) -> int:
        return len(self.names)

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def __repr__(self) -> str:
        where = self.annotations or self.root
        return f"{type(self).__name__}({str(where)!r}, sequences={len(self)})"
