"""Views of a benchmark an evaluation runs on: chosen sequences, cut to their first frames.

:func:`select_sequences` checks ``--sequences`` names against the benchmark, :func:`truncate_sequence`
keeps the first ``--max-frames`` frames, and :class:`BenchmarkSubset` is the benchmark of exactly
what was run, so scoring a partial run scores what was run.
"""

from __future__ import annotations

from collections.abc import Iterable

from crpnbench.data.benchmark import Benchmark
from crpnbench.data.sequence import Sequence
from crpnbench.errors import ConfigError


def truncate_sequence(sequence: Sequence, max_frames: int | None) -> Sequence:
    """The first ``max_frames`` frames of ``sequence`` (smoke runs); the sequence itself when None."""
    if max_frames is None or max_frames >= len(sequence):
        return sequence
    if max_frames < 2:
        raise ConfigError("--max-frames must be at least 2")
    n = max_frames
    return Sequence(
        name=sequence.name,
        frame_paths=sequence.frame_paths[:n],
        boxes=sequence.boxes[:n],
        polygons=None if sequence.polygons is None else sequence.polygons[:n],
        absent=sequence.absent[:n],
        attributes=sequence.attributes,
        frame_tags={k: v[:n] for k, v in sequence.frame_tags.items()},
        start_frame=sequence.start_frame,
        image_size=sequence.image_size,
        notes=sequence.notes,
        rectangle_rows=None if sequence.rectangle_rows is None else sequence.rectangle_rows[:n],
    )


class BenchmarkSubset(Benchmark):
    """Some sequences of another benchmark (in the order given), cut to ``max_frames``.

    Scoring a ``--sequences``/``--max-frames`` run against this view scores exactly what was run
    (the scorer iterates every present sequence of the benchmark it is given). Anything else asked
    of the view (attribute tables, image sizes) is answered by the benchmark itself.
    ``on_sequence`` is called once per sequence handed out while iterating (a progress bar).
    """

    def __init__(self, benchmark: Benchmark, names: Iterable[str], max_frames: int | None = None,
                 on_sequence=None):
        super().__init__()
        self.inner, self.max_frames, self.on_sequence = benchmark, max_frames, on_sequence
        self.name = benchmark.name
        self.result_layout = benchmark.result_layout
        self.root, self.annotations = benchmark.root, benchmark.annotations
        self._names = list(names)

    def __getattr__(self, name):
        inner = self.__dict__.get("inner")
        if inner is None or name.startswith("__"):
            raise AttributeError(name)
        return getattr(inner, name)

    def list_sequences(self) -> list[str]:
        return list(self._names)

    def is_present(self, name: str) -> bool:
        return self.inner.is_present(name)

    def load_sequence(self, name: str) -> Sequence:
        return truncate_sequence(self.inner[name], self.max_frames)

    def __iter__(self):
        for sequence in super().__iter__():
            yield sequence
            if self.on_sequence is not None:
                self.on_sequence()


def requested_sequences(benchmark: Benchmark, sequences: Iterable[str] | None) -> list[str]:
    """The benchmark's listed names, or the requested ones in the order given (duplicates dropped);
    a name the benchmark does not list is a :class:`ConfigError`."""
    if sequences is None:
        return list(benchmark.listed)
    requested = list(dict.fromkeys(sequences))
    unknown = [s for s in requested if s not in benchmark.listed]
    if unknown:
        raise ConfigError(f"{benchmark.name} has no sequence named {', '.join(map(repr, unknown))}")
    return requested


def select_sequences(benchmark: Benchmark, sequences: Iterable[str] | None) -> tuple[list[str], list[str]]:
    """``(present, missing)`` names: all of the benchmark's, or the requested ones in the order given."""
    if sequences is None:
        return benchmark.names, benchmark.missing
    requested = requested_sequences(benchmark, sequences)
    present = [s for s in requested if benchmark.is_present(s)]
    return present, [s for s in requested if s not in present]


__all__ = ["BenchmarkSubset", "requested_sequences", "select_sequences", "truncate_sequence"]
