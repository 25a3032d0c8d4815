"""The ``crpnbench`` command line: a thin Click layer over the library.

Subcommands live in :mod:`crpnbench.commands` and are imported only when run, so
``crpnbench --help`` never imports torch, OpenCV or pandas.
"""

from __future__ import annotations

import importlib
import sys

import click

from crpnbench import __version__

#: subcommand -> (module under crpnbench.commands, one-line help shown by `crpnbench --help`)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "train": ("train", "Train C-RPN (or a variant) end to end; default: small model on the synthetic benchmark."),
    "eval": ("evaluate", "Run trackers on a benchmark (OPE, VOT baseline or real-time) and score them."),
    "score": ("score", "Score raw result folders against a benchmark's ground truth."),
    "plot": ("plot", "Success/precision plots, EAO curves and tables from raw results."),
    "report": ("report", "One self-contained HTML report (tables, every plot, per-sequence overlaps)."),
    "show": ("show", "Draw ground truth and trackers' boxes on a sequence's frames into an MP4 or GIF."),
    "ablate": ("ablate", "Train and evaluate C-RPN ablations; write the paper's Tables 4-6 layout."),
    "datasets": ("datasets", "List the benchmarks in the datasets folder and check them."),
}


class LazyGroup(click.Group):
    """A Click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in SUBCOMMANDS:
            return None
        module = importlib.import_module(f"crpnbench.commands.{SUBCOMMANDS[name][0]}")
        return module.command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, help_text) for name, (_, help_text) in SUBCOMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="crpnbench")
def cli() -> None:
    """Train C-RPN and benchmark trackers on OTB, VOT, LaSOT, TrackingNet and a synthetic benchmark.

    Every command defaults to the built-in synthetic benchmark (generated under datasets/),
    so it runs on a fresh clone with no downloads. Outputs go under results/ (--out).
    An option means the same in every command: --dataset is what is read, --data-root the
    folder of one dataset, --results raw results read, --out the output root written.
    """


def main() -> None:
    """Console-script entry point: user-facing errors become one line and exit code 2."""
    from crpnbench.errors import CrpnbenchError

    try:
        code = cli.main(standalone_mode=False)  # a command's click Exit(n) comes back as its return value
        if isinstance(code, int) and code:
            sys.exit(code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except CrpnbenchError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except OSError as exc:  # a read-only folder, a full disk: one line naming the file
        if not exc.filename:
            raise
        click.echo(f"Error: {exc.filename}: {exc.strerror or exc}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
