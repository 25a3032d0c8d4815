import subprocess
import sys

import pytest
from click.testing import CliRunner

from crpnbench.cli import SUBCOMMANDS, cli


def test_help_lists_every_subcommand():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in ("train", "eval", "score", "plot", "report", "show", "ablate", "datasets"):
        assert name in result.output
    assert set(SUBCOMMANDS) == {"train", "eval", "score", "plot", "report", "show", "ablate", "datasets"}


@pytest.mark.parametrize("command", [None, *SUBCOMMANDS])
def test_help_does_not_import_heavy_modules(command):
    args = ["--help"] if command is None else [command, "--help"]
    code = (
        "import sys; from crpnbench.cli import cli\n"
        f"try:\n    cli.main({args!r}, standalone_mode=False)\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('torch', 'cv2', 'pandas', 'matplotlib') if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HEAVY=\n" in out, out


def test_unknown_subcommand_is_a_clean_error():
    result = CliRunner().invoke(cli, ["frobnicate"])
    assert result.exit_code != 0
    assert "No such command" in result.output
