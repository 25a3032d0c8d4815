"""One meaning per option name across commands: every option name that more than one command has
comes from the one decorator in crpnbench.commands.options; --tracker is repeatable, --results is
only read, --out is the output root; --quiet, --sequences, --skip-missing where the issue asks."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from crpnbench.cli import SUBCOMMANDS, cli
from crpnbench.commands.options import MEANINGS, SharedOption

#: the one documented difference in form: train's --data-root is repeatable (LABEL=DIR per source of a mix)
MIX_FORMS = {("train", "--data-root")}


def commands() -> dict[str, click.Command]:
    with click.Context(cli) as ctx:
        return {name: cli.get_command(ctx, name) for name in SUBCOMMANDS}


def options_by_name() -> dict[str, dict[str, click.Option]]:
    """option name -> {command: the click.Option}"""
    found: dict[str, dict[str, click.Option]] = defaultdict(dict)
    for command_name, command in commands().items():
        for param in command.params:
            if isinstance(param, click.Option):
                for opt in param.opts + param.secondary_opts:
                    if opt.startswith("--"):
                        found[opt][command_name] = param
    return found


def form(command: str, name: str, option: click.Option) -> tuple:
    """What must agree between commands besides the meaning: flag or value, repeatable, value type."""
    kind = type(option.type).__name__
    multiple = option.multiple if (command, name) not in MIX_FORMS else "mix"
    return option.is_flag, multiple, kind


def test_every_option_name_in_several_commands_is_the_shared_one():
    shared_names = []
    for name, by_command in options_by_name().items():
        if len(by_command) < 2:
            continue
        shared_names.append(name)
        for command, option in by_command.items():
            assert isinstance(option, SharedOption), f"{command} {name} is not defined in commands/options.py"
            assert option.meaning == name, (command, name, option.meaning)
        forms = {form(c, name, o) for c, o in by_command.items() if (c, name) not in MIX_FORMS}
        assert len(forms) == 1, f"{name} differs in form between commands: {by_command.keys()} -> {forms}"
    assert {"--dataset", "--data-root", "--tracker", "--results", "--out", "--device", "--workers", "--quiet",
            "--sequences", "--skip-missing"} <= set(shared_names)


def test_names_with_a_shared_meaning_are_never_redefined_locally():
    for name, by_command in options_by_name().items():
        for command, option in by_command.items():
            if name in MEANINGS:
                assert isinstance(option, SharedOption) and option.meaning == name, (command, name)
            else:
                assert not isinstance(option, SharedOption), (command, name)


def test_tracker_is_repeatable_wherever_trackers_are_selected():
    found = options_by_name()
    assert set(found["--tracker"]) == {"train", "eval", "score", "plot", "report", "show"}
    assert all(option.multiple for option in found["--tracker"].values())
    assert "--trackers" not in found


def test_results_is_read_and_out_is_the_output_root():
    found = options_by_name()
    assert set(found["--results"]) == {"score", "plot", "report", "show"}
    assert set(found["--out"]) == {"eval", "score", "plot", "ablate", "report", "show"}
    assert all(option.default == Path("results") for option in found["--out"].values())
    assert set(found["--dataset"]) == {"train", "eval", "score", "plot", "ablate", "report", "show"}
    assert "--data" not in found and "--train-data" not in found
    assert set(found["--train-dataset"]) == {"ablate"}
    assert set(found["--datasets-dir"]) == {"datasets"}


def test_quiet_sequences_skip_missing_and_workers_where_they_belong():
    found = options_by_name()
    assert set(found["--quiet"]) == {"datasets", "train", "eval", "score", "plot", "ablate", "report", "show"}
    assert {"score", "plot", "eval"} <= set(found["--sequences"])
    assert {"score", "plot"} <= set(found["--skip-missing"])
    assert set(found["--workers"]) == {"eval", "ablate"}  # evaluation processes; train's loader: --loader-workers
    assert set(found["--loader-workers"]) == {"train"}
    assert set(found["--device"]) == {"train", "eval", "ablate"}


@pytest.mark.parametrize("value", ["cpu", "cuda", "cuda:1", "CUDA:0"])
def test_device_values_parse_the_same_in_train_eval_and_ablate(value):
    for name in ("train", "eval", "ablate"):
        command = commands()[name]
        ctx = command.make_context(name, ["--device", value, *(["--tracker", "kcf"] if name == "eval" else [])])
        assert ctx.params["device"] == value.lower()


def test_bad_device_is_a_usage_error():
    result = CliRunner().invoke(cli, ["train", "--device", "gpu"])
    assert result.exit_code == 2 and "expected cpu, cuda or cuda:N, got 'gpu'" in result.output


def test_train_takes_one_tracker():
    result = CliRunner().invoke(cli, ["train", "--tracker", "crpn", "--tracker", "crpn-small"])
    assert result.exit_code == 2 and "train trains one tracker at a time" in result.output


def test_train_on_a_cuda_device_this_machine_lacks_is_one_line_exit_2(tmp_path):
    import torch

    if torch.cuda.device_count() > 1:
        pytest.skip("this machine has cuda:1")
    done = subprocess.run([sys.executable, "-m", "crpnbench", "train", "--device", "cuda:1", "--epochs", "0",
                           "--run-dir", str(tmp_path / "run"), "--quiet"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: --device cuda:1: ") and "Traceback" not in done.stderr
    assert not (tmp_path / "run").exists()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def otb_results(refdata, tmp_path):
    """Two published trackers' raw results for the three OTB sequences whose frames are in refdata;
    SiamFC lacks Football1."""
    results = tmp_path / "raw"
    for tracker, names in (("DaSiamRPN", ("Couple", "Crossing", "Football1")), ("SiamFC", ("Couple", "Crossing"))):
        (results / tracker).mkdir(parents=True)
        for name in names:
            shutil.copy(refdata / "otb" / "results" / tracker / f"{name}.txt", results / tracker)
    return results


def test_score_and_plot_read_results_and_write_under_out(refdata, otb_results, tmp_path):
    before = snapshot(otb_results)
    common = ["--dataset", "otb2015", "--annotations", str(refdata / "otb" / "json" / "OTB100.json"),
              "--results", str(otb_results), "--sequences", "Couple,Crossing,Football1", "--quiet"]
    runner = CliRunner()
    # SiamFC lacks Football1: an error without --skip-missing, in score and plot alike
    for command in ("score", "plot"):
        result = runner.invoke(cli, [command, *common, "--out", str(tmp_path / "out")])
        assert result.exit_code != 0 and "Football1" in str(result.exception), (command, result.output)

    scored = runner.invoke(cli, ["score", *common, "--skip-missing", "--tracker", "DaSiamRPN", "--tracker", "SiamFC",
                                 "--out", str(tmp_path / "out"), "--json", "-"], catch_exceptions=False)
    assert scored.exit_code == 0, scored.output
    records = {r["tracker"]: r for r in json.loads(scored.stdout)}
    assert (records["DaSiamRPN"]["sequences"], records["SiamFC"]["sequences"]) == (3, 2)
    assert "Football1" in scored.stderr  # the gap is a note
    assert (tmp_path / "out" / "scores" / "otb2015" / "per_sequence.csv").is_file()

    plotted = runner.invoke(cli, ["plot", *common, "--skip-missing", "--tracker", "DaSiamRPN", "--tracker", "SiamFC",
                                  "--out", str(tmp_path / "out")], catch_exceptions=False)
    assert plotted.exit_code == 0, plotted.output
    from crpnbench.reports.tables import read_table

    rows = {r["Tracker"]: r for r in read_table(tmp_path / "out" / "tables" / "otb2015_summary.csv")}
    assert set(rows) == {"DaSiamRPN", "SiamFC"}
    assert rows["SiamFC"]["Success (AUC)"] == round(records["SiamFC"]["success"], 3)
    assert (tmp_path / "out" / "plots" / "otb2015" / "success.png").is_file()

    only = runner.invoke(cli, ["plot", *common[:-2], "Couple", "--quiet", "--tracker", "SiamFC",
                               "--out", str(tmp_path / "one")], catch_exceptions=False)
    assert only.exit_code == 0, only.output
    assert [r["Tracker"] for r in read_table(tmp_path / "one" / "tables" / "otb2015_summary.csv")] == ["SiamFC"]
    assert snapshot(otb_results) == before  # --results is only read


def test_unknown_sequence_names_are_one_error(refdata, otb_results):
    result = CliRunner().invoke(cli, ["score", "--dataset", "otb2015", "--annotations",
                                      str(refdata / "otb" / "json" / "OTB100.json"), "--results", str(otb_results),
                                      "--sequences", "Couple,Nope"])
    assert "otb2015 has no sequence named 'Nope'" in str(result.exception)


def test_ablate_options_reach_the_ablation(monkeypatch, tmp_path):
    import crpnbench.ablation as ablation

    seen = {}

    def fake_run_ablation(variants, **kw):
        seen.update(kw, variants=[v.name() for v in variants])
        return ablation.AblationResult("lasot", "SUC", [])

    monkeypatch.setattr(ablation, "run_ablation", fake_run_ablation)
    args = ["ablate", "--stages", "1", "--dataset", "lasot", "--data-root", str(tmp_path / "LaSOT"),
            "--train-dataset", "lasot", "--workers", "3", "--out", str(tmp_path / "out"), "--quiet"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert seen["results_root"] == tmp_path / "out" and seen["workers"] == 3 and seen["progress"] is False
    assert seen["train_data"] == "lasot" and seen["device"] == "cpu"
    # LaSOT's training split lives in the benchmark's own folder: --data-root serves both
    assert seen["train_root"] == [f"lasot={tmp_path / 'LaSOT'}"]


def test_ablate_training_data_folders():
    from crpnbench.ablation import training_roots

    assert training_roots("otb2015", None, "vid", ()) is None  # every folder at its default
    assert training_roots("otb2015", Path("/d/OTB"), "vid", ("/d/VID",)) == ["/d/VID"]  # --train-data-root wins
    # another dataset's training data is not looked for in the benchmark's folder
    assert training_roots("otb2015", Path("/d/OTB"), "vid:0.5,ytbb:0.5", ()) == [
        f"vid={Path('datasets/ILSVRC2015')}", f"ytbb={Path('datasets/YouTube-BB')}"]
    assert training_roots("synthetic", Path("/tmp/syn"), None, ()) == ["synthetic-train=/tmp/syn"]
