"""Sequence-level attributes: a benchmark's codes and names, and the flag files that give them.

Every benchmark that defines attributes declares them once, as ``(code, name)`` pairs in its own order
(OTB's 11, LaSOT's 14, UAV123's 12). From that table :class:`AttributeTable` maps what annotation files
write (a code such as ``"SV"`` or a name such as ``"Scale Variation"``, in any case) to the codes, and reads
a toolkit's flag line (``att/<seq>.txt``: one line of comma-separated 0/1, one per attribute, in the
table's order).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

from crpnbench.errors import DataError


class AttributeTable:
    """One benchmark's attributes.

    Args:
        pairs: ``(code, name)`` in the benchmark's order (the column order of its flag files).
        aliases: other spellings (lower-case) -> code, e.g. LaSOT's own "Aspect Ration Change".
    """

    def __init__(self, pairs: Iterable[tuple[str, str]], aliases: Mapping[str, str] | None = None):
        self.pairs: tuple[tuple[str, str], ...] = tuple(pairs)
        self.codes: tuple[str, ...] = tuple(code for code, _ in self.pairs)
        self.names: dict[str, str] = dict(self.pairs)
        self._lookup = {key.lower(): code for code, name in self.pairs for key in (code, name)}
        self._lookup.update(aliases or {})

    def normalize(self, values: Iterable[str]) -> tuple[str, ...]:
        """The codes of attribute names or codes (``"Similar Object"``, ``"sob"`` -> ``"SOB"``); a value the
        table does not know is kept upper-cased (it still gets a per-attribute plot of its own)."""
        out = []
        for value in values:
            text = str(value).strip()
            if text:
                out.append(self._lookup.get(text.lower(), text.upper()))
        return tuple(out)

    def read_flags(self, path: str | Path) -> tuple[str, ...]:
        """The codes of the flags set in ``path``: one line of ``len(codes)`` comma-separated 0/1 values
        (a toolkit's ``att/<seq>.txt``). Anything else is a :class:`DataError` naming the file and line."""
        from crpnbench.data.textio import read_rows

        width = len(self.codes)
        rows = read_rows(path, widths=(width,))
        if len(rows) != 1 or not np.isin(rows[0], (0.0, 1.0)).all():
            raise DataError(f"expected one line of {width} 0/1 attribute flags ({' '.join(self.codes)})",
                            path, 2 if len(rows) > 1 else 1)
        return tuple(code for code, flag in zip(self.codes, rows[0]) if flag)


__all__ = ["AttributeTable"]
