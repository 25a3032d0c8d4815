"""Errors that reach the user as one clear line (the CLI prints them without a traceback)."""

from __future__ import annotations

from pathlib import Path


class CrpnbenchError(Exception):
    """Base class of every error crpnbench reports to the user as a single line."""


class DataError(CrpnbenchError):
    """Bad input data: a missing root, folder or frame, a malformed annotation or result file.

    The message always names the file, and the 1-based line when one is at fault::

        DataError("could not parse 4 numbers", path="gt.txt", line=12)
        -> "gt.txt:12: could not parse 4 numbers"
    """

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        self.path = None if path is None else Path(path)
        self.line = line
        self.reason = message
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(where + message)


class ConfigError(CrpnbenchError):
    """A tracker config, checkpoint or command-line choice that cannot be used."""


class TrainingError(CrpnbenchError):
    """A training run that cannot go on (e.g. the loss diverged); its checkpoints so far are kept."""
