"""The options shared by several commands, each defined once here: one meaning per option name.

===================  ==========================================================================
option               meaning (in every command that has it)
===================  ==========================================================================
``--dataset NAME``   what the command reads: a benchmark (eval, score, plot, ablate) or
                     training data (train: one source or a weighted mix)
``--data-root DIR``  the folder of ONE dataset (default ``datasets/<Folder>``); train: also
                     ``LABEL=DIR`` once per source of a mix
``--annotations P``  an annotation file (or LaSOT's ``anno/`` folder) read instead of the
                     dataset's own; ``--data-root`` then only locates the frames
``--tracker NAME``   selects a tracker; repeatable everywhere (train trains exactly one)
``--results DIR``    a folder of raw results that is READ: one sub-folder per tracker
``--out DIR``        the output root the command writes under (default ``results``):
                     ``runs/``, ``raw/<dataset>/``, ``scores/<dataset>/``, ``plots/<dataset>/``,
                     ``tables/``
``--device D``       ``cpu``, ``cuda`` or ``cuda:N`` (under torchrun: each process's LOCAL_RANK GPU)
``--workers N``      sequences evaluated in N parallel processes
``--sequences A,B``  only these sequences of the benchmark, comma-separated
``--skip-missing``   score trackers that lack some sequences over the ones they have (noted)
``--quiet``          no progress bar
``--protocol P``     ``ope``, ``baseline``, ``realtime`` or ``unsupervised`` (default: baseline for VOT, else ope)
``--convention C``   scoring rules where toolkits disagree
``--json FILE``      the score records as a JSON list, to FILE or ``-`` (stdout)
``--epochs N``       training epochs
``--pairs-per-epoch`` training pairs per epoch
``--fast MODE``      the C-RPN inference path (``auto``, ``eager``, ``compile``, ``channels_last``)
===================  ==========================================================================

Each decorator builds a :class:`SharedOption` whose :attr:`~SharedOption.meaning` is its key in
:data:`MEANINGS`; ``tests/test_cli_options.py`` checks that every option name used by more than one
command comes from here. Only Click is imported (``crpnbench --help`` stays fast).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

import click

#: option name -> its one meaning across commands (the decorators below are the only way to add them)
MEANINGS: dict[str, str] = {
    "--dataset": "the dataset the command reads (a benchmark; train: training data)",
    "--data-root": "the folder of one dataset (train: LABEL=DIR per source of a mix)",
    "--annotations": "an annotation file read instead of the dataset's own",
    "--tracker": "a tracker to use; repeatable",
    "--results": "a folder of raw results that is read, one sub-folder per tracker",
    "--out": "the output root written under",
    "--device": "cpu, cuda or cuda:N",
    "--workers": "sequences evaluated in N parallel processes",
    "--sequences": "only these sequences, comma-separated",
    "--skip-missing": "score trackers that lack some sequences over the ones they have",
    "--quiet": "no progress bar",
    "--protocol": "the evaluation protocol",
    "--convention": "the scoring convention",
    "--json": "score records as JSON, to a file or stdout",
    "--epochs": "training epochs",
    "--pairs-per-epoch": "training pairs per epoch",
    "--fast": "the C-RPN inference path (crpnbench.tracking.fast)",
    "--highlight": "a tracker drawn more prominently in figures; repeatable",
    "--style": "the figures' size preset (single or double paper column)",
}

PROTOCOLS = ("ope", "baseline", "realtime", "unsupervised")
CONVENTIONS = ("official", "pysot", "got10k", "vot-toolkit")
#: crpnbench.tracking.fast.FAST_MODES, spelled out so that --help imports no torch (a test keeps them equal)
FAST_MODES = ("auto", "eager", "compile", "channels_last")
DEFAULT_OUT = Path("results")

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


class SharedOption(click.Option):
    """A :class:`click.Option` defined in this module; :attr:`meaning` names its :data:`MEANINGS` entry."""

    def __init__(self, *args: Any, meaning: str, **kwargs: Any):
        if meaning not in MEANINGS:
            raise ValueError(f"unknown shared option {meaning!r}")
        super().__init__(*args, **kwargs)
        self.meaning = meaning


def _shared(name: str, dest: str | None = None, **kwargs: Any) -> Decorator:
    decls = [name] if dest is None else [name, dest]
    return click.option(*decls, cls=SharedOption, meaning=name, **kwargs)


# -- types ------------------------------------------------------------------------------------

DEVICE_PATTERN = re.compile(r"cpu|cuda(:\d+)?")


class DeviceType(click.ParamType):
    """``cpu``, ``cuda`` or ``cuda:N``; whether the device exists is checked when a command runs."""

    name = "device"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value).strip().lower()
        if not DEVICE_PATTERN.fullmatch(text):
            self.fail(f"expected cpu, cuda or cuda:N, got {value!r}", param, ctx)
        return text

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "cpu|cuda|cuda:N"


class NameList(click.ParamType):
    """A comma-separated list of names -> ``list[str]`` (at least one)."""

    name = "names"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> list[str]:
        if isinstance(value, list):
            return value
        names = [n.strip() for n in str(value).split(",") if n.strip()]
        if not names:
            self.fail("needs at least one name (comma-separated)", param, ctx)
        return names


def require_device(device: str | None) -> None:
    """Stop with one :class:`~crpnbench.errors.ConfigError` line when ``device`` names a CUDA device
    this machine lacks (:func:`crpnbench.models.device.check_device`; imports torch only for CUDA)."""
    from crpnbench.models.device import check_device

    check_device(device)


# -- the shared options -----------------------------------------------------------------------


def dataset_option(help: str, *, default: str | None = None, required: bool = False,
                   metavar: str = "NAME") -> Decorator:
    return _shared("--dataset", default=default, required=required, show_default=default is not None,
                   metavar=metavar, help=help)


def data_root_option(help: str = "Folder of the dataset (default datasets/<Folder>, e.g. datasets/OTB).", *,
                     mix: bool = False) -> Decorator:
    """``--data-root DIR``; ``mix=True`` (train): repeatable ``DIR | LABEL=DIR`` strings, one per source."""
    if mix:
        return _shared("--data-root", "data_root", type=click.Path(file_okay=False), multiple=True,
                       metavar="DIR | LABEL=DIR", help=help)
    return _shared("--data-root", "data_root", type=click.Path(file_okay=False, path_type=Path), default=None,
                   metavar="DIR", help=help)


def annotations_option(help: str = "Annotation file read instead of the dataset's own (e.g. pysot's "
                                   "OTB100.json / VOT2018.json, LaSOT's anno/ folder); --data-root then "
                                   "only locates the frames.") -> Decorator:
    return _shared("--annotations", type=click.Path(path_type=Path), default=None, metavar="PATH", help=help)


def tracker_option(help: str, *, required: bool = False) -> Decorator:
    """``--tracker NAME``, repeatable in every command (the value is a tuple)."""
    return _shared("--tracker", "trackers", multiple=True, required=required, metavar="NAME", help=help)


def results_option(help: str, *, required: bool = False) -> Decorator:
    """``--results DIR``: a folder of raw results that is only read (never an output)."""
    return _shared("--results", "results", type=click.Path(file_okay=False, path_type=Path), default=None,
                   required=required, metavar="DIR", help=help)


def out_option(help: str) -> Decorator:
    """``--out DIR``: the output root (default ``results``)."""
    return _shared("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_OUT,
                   show_default=True, metavar="DIR", help=help)


def device_option(help: str = "", *, default: str | None = "cpu") -> Decorator:
    text = "cpu, cuda (the current GPU) or cuda:N."
    return _shared("--device", type=DeviceType(), default=default, show_default=default is not None,
                   help=f"{text} {help}".strip())


def workers_option(help: str = "") -> Decorator:
    text = "Sequences evaluated in N parallel processes, each with its own tracker."
    return _shared("--workers", type=click.IntRange(min=1), default=1, show_default=True, metavar="N",
                   help=f"{text} {help}".strip())


def sequences_option(help: str = "") -> Decorator:
    text = "Only these sequences of the benchmark, comma-separated (unknown names are an error)."
    return _shared("--sequences", type=NameList(), default=None, metavar="NAME[,NAME...]",
                   help=f"{text} {help}".strip())


def skip_missing_option(help: str = "") -> Decorator:
    text = ("Score a tracker that lacks some sequences' results over the sequences it has (each gap is "
            "listed as a note); without it a missing result file is an error.")
    return _shared("--skip-missing", is_flag=True, help=f"{text} {help}".strip())


def quiet_option() -> Decorator:
    return _shared("--quiet", is_flag=True, help="No progress bar.")


def protocol_option(help: str = "Default: baseline for VOT datasets, ope otherwise.") -> Decorator:
    return _shared("--protocol", type=click.Choice(PROTOCOLS), default=None, help=help)


def _convention_value(ctx, param, value):
    """A preset name, optionally with option overrides: ``official:length_mismatch=error`` (checked in full
    by crpnbench.metrics.conventions when scoring)."""
    if value is not None and value.partition(":")[0] not in CONVENTIONS:
        raise click.BadParameter(f"{value!r}: the preset must be one of {', '.join(CONVENTIONS)} "
                                 "(optionally PRESET:OPTION=VALUE,...)")
    return value


def convention_option(help: str = "Scoring rules where toolkits disagree (threshold grid, invalid ground "
                                  "truth, EAO interval, ...); PRESET:OPTION=VALUE,... overrides single options, "
                                  "e.g. official:length_mismatch=error.") -> Decorator:
    return _shared("--convention", default="official", show_default=True, callback=_convention_value,
                   metavar="[" + "|".join(CONVENTIONS) + "][:OPTION=VALUE,...]", help=help)


def json_option(help: str = "Write the score records as a JSON list to FILE, or to stdout with '-' "
                            "(nothing else goes to stdout then).") -> Decorator:
    return _shared("--json", "json_out", default=None, metavar="FILE", help=help)


def epochs_option(help: str) -> Decorator:
    return _shared("--epochs", type=click.IntRange(min=0), default=None, metavar="N", help=help)


def pairs_per_epoch_option(help: str = "Training pairs per epoch (default: the config's).") -> Decorator:
    return _shared("--pairs-per-epoch", type=click.IntRange(min=1), default=None, metavar="N", help=help)


def fast_option(help: str = "") -> Decorator:
    """``--fast MODE``: the C-RPN inference path (:mod:`crpnbench.tracking.fast`); default: the plain tracker."""
    text = "C-RPN inference path (crpnbench.tracking.fast); auto: channels_last (+fp16 on CUDA); default: plain."
    return _shared("--fast", type=click.Choice(FAST_MODES), default=None, help=f"{text} {help}".strip())


def highlight_option(help: str = "Tracker drawn with a thicker line (repeatable).") -> Decorator:
    return _shared("--highlight", multiple=True, metavar="NAME", help=help)


#: crpnbench.reports.plots.FIGURE_STYLES besides the default on-screen sizes
FIGURE_STYLES = ("single", "double")


def style_option(help: str = "Figure size preset: single (one column of a two-column paper, 3.4 in wide) or "
                             "double (full text width, 6.9 in), fonts and legends sized for print; default: "
                             "on-screen sizes.") -> Decorator:
    return _shared("--style", type=click.Choice(FIGURE_STYLES), default=None, help=help)


__all__ = [
    "CONVENTIONS", "DEFAULT_OUT", "FAST_MODES", "MEANINGS", "PROTOCOLS", "DeviceType", "NameList", "SharedOption",
    "annotations_option", "convention_option", "data_root_option", "dataset_option", "device_option",
    "epochs_option", "fast_option", "json_option", "out_option", "pairs_per_epoch_option", "protocol_option",
    "quiet_option", "require_device", "results_option", "sequences_option", "skip_missing_option", "tracker_option",
    "workers_option", "FIGURE_STYLES", "highlight_option", "style_option",
]
