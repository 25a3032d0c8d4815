"""Ray execution of the evaluation runner (crpnbench.evaluation.ray_tasks): same files as the local path."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from crpnbench.data import open_benchmark
from crpnbench.evaluation.ray_tasks import INSTALL_HINT, init_arguments, task_device, task_resources
from crpnbench.errors import ConfigError
from crpnbench.evaluation import evaluate

TIMING_KEYS = ("fps", "speed", "seconds", "time")
SEQUENCES = 3
FRAMES = 8


def raw_files(folder):
    """``{relative path: bytes}`` of the result files (not timing/speed files) under ``folder``."""
    files = {}
    for path in sorted(folder.rglob("*.txt")):
        if not path.name.endswith("_time.txt"):
            files[str(path.relative_to(folder))] = path.read_bytes()
    return files


#: Ray gives each task one CPU (one torch thread); the local run must use one too for the files to be
#: byte-identical (a 2-thread convolution sums in another order: last-digit differences)
pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    return open_benchmark("synthetic", root=tmp_path_factory.mktemp("synthetic"))


@pytest.fixture(scope="module")
def ray_instance():
    ray = pytest.importorskip("ray", reason="ray is not installed (pip install 'crpnbench[ray]')")
    started = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    print(f"ray.init took {time.perf_counter() - started:.1f} s", file=sys.stderr)
    yield ray
    ray.shutdown()


def test_ray_run_writes_the_same_files_as_one_process_and_resumes(synthetic, ray_instance, tmp_path):
    names = synthetic.names[:SEQUENCES]
    common = dict(sequences=names, max_frames=FRAMES, progress=False, untrained=True)
    local = evaluate(synthetic, ["crpn-small", "kcf"], "ope", tmp_path / "local", **common)
    distributed = evaluate(synthetic, ["crpn-small", "kcf"], "ope", tmp_path / "ray", ray_address="local", **common)

    for run in distributed.runs:
        assert sorted(run.evaluated) == sorted(names) and not run.failed
        assert run.speed["frames"] == SEQUENCES * FRAMES
    local_files = raw_files(tmp_path / "local")
    ray_files = raw_files(tmp_path / "ray")
    assert len(local_files) == 2 * SEQUENCES
    assert ray_files == local_files  # byte-identical raw results (timings excluded)
    for tracker in ("crpn-small-untrained", "kcf"):
        folder = tmp_path / "ray" / "raw" / "synthetic" / tracker
        for name in names:  # one line per frame in the time files too
            assert len((folder / "times" / f"{name}_time.txt").read_text().split()) == FRAMES
        assert (folder / "fps.csv").read_text().count("\n") == SEQUENCES + 1
        assert (folder / "speed.json").is_file()

    # resume: a deleted result is the only sequence re-run through Ray
    (tmp_path / "ray" / "raw" / "synthetic" / "kcf" / f"{names[1]}.txt").unlink()
    again = evaluate(synthetic, ["kcf"], "ope", tmp_path / "ray", ray_address="local", **common)
    assert again.runs[0].evaluated == [names[1]]
    assert sorted(again.runs[0].skipped) == sorted([names[0], names[2]])
    assert raw_files(tmp_path / "ray") == local_files


def test_ray_reports_a_bad_sequence_like_the_local_path(synthetic, ray_instance, tmp_path):
    names = synthetic.names[:2]
    broken = synthetic[names[0]].frame_paths[3]
    original = broken.read_bytes()
    try:
        broken.write_bytes(b"not a jpeg")
        summary = evaluate(synthetic, ["kcf"], "ope", tmp_path, ray_address="local", sequences=names,
                           max_frames=FRAMES, progress=False)
    finally:
        broken.write_bytes(original)
    run = summary.runs[0]
    assert run.evaluated == [names[1]]
    assert list(run.failed) == [names[0]] and str(broken) in run.failed[names[0]]
    assert not (tmp_path / "raw" / "synthetic" / "kcf" / f"{names[0]}.txt").exists()


def test_unbuildable_tracker_stops_the_ray_run(synthetic, ray_instance, tmp_path):
    with pytest.raises(ConfigError, match="no trained checkpoint"):
        evaluate(synthetic, ["crpn-small"], "ope", tmp_path, ray_address="local", sequences=synthetic.names[:1],
                 max_frames=FRAMES, progress=False, checkpoint=tmp_path / "missing.pt")


def test_ray_and_workers_are_exclusive(synthetic, tmp_path):
    with pytest.raises(ConfigError, match="--workers and --ray"):
        evaluate(synthetic, ["kcf"], "ope", tmp_path, workers=2, ray_address="local", progress=False)


def test_resources_and_addresses():
    assert task_resources("cpu") == {"num_cpus": 1}
    assert task_resources("cuda:1") == {"num_gpus": 1, "num_cpus": 1}
    assert task_device("cuda:1") == "cuda" and task_device("cpu") == "cpu"
    assert init_arguments("local") == {"include_dashboard": False}
    assert init_arguments(None) == {"include_dashboard": False}
    assert init_arguments("ray://head:10001") == {"address": "ray://head:10001"}
    assert init_arguments("auto") == {"address": "auto"}


def test_without_ray_the_cli_says_to_install_the_extra(synthetic, tmp_path):
    # a real `crpnbench eval --ray` in a process where `import ray` fails
    args = ["eval", "--dataset", "synthetic", "--data-root", str(synthetic.root), "--tracker", "kcf", "--ray",
            "--out", str(tmp_path), "--quiet", "--max-frames", "3", "--sequences", synthetic.names[0]]
    script = ("import sys; sys.modules['ray'] = None; from crpnbench.cli import main; "
              f"sys.argv = ['crpnbench'] + {args!r}; main()")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip() == f"Error: {INSTALL_HINT}"
    assert not (tmp_path / "raw").exists()


@pytest.mark.parametrize("ray_args", [["--ray"], ["--ray", "auto"], ["--ray", "ray://head:10001"]])
def test_cli_ray_option_takes_an_optional_address(synthetic, tmp_path, ray_args):
    from click.testing import CliRunner

    from crpnbench.cli import cli

    args = ["eval", "--dataset", "synthetic", "--data-root", str(synthetic.root), "--tracker", "kcf", *ray_args,
            "--workers", "2", "--out", str(tmp_path), "--quiet"]
    with pytest.raises(ConfigError, match="--workers and --ray"):  # parsed, then refused before any Ray call
        CliRunner().invoke(cli, args, catch_exceptions=False)


def test_cli_eval_with_ray_scores_like_the_local_run(synthetic, ray_instance, tmp_path):
    from click.testing import CliRunner

    from crpnbench.cli import cli

    outputs = {}
    for label, extra in (("local", []), ("ray", ["--ray"])):
        args = ["eval", "--dataset", "synthetic", "--data-root", str(synthetic.root), "--tracker", "kcf", *extra,
                "--out", str(tmp_path / label), "--quiet", "--max-frames", str(FRAMES),
                "--sequences", ",".join(synthetic.names[:2]), "--json", str(tmp_path / f"{label}.json")]
        result = CliRunner().invoke(cli, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert "kcf: 2 evaluated, 0 already complete (skipped), 0 failed" in result.output
        records = json.loads((tmp_path / f"{label}.json").read_text())
        outputs[label] = [{k: v for k, v in r.items() if not any(t in k for t in TIMING_KEYS)} for r in records]
    assert raw_files(tmp_path / "ray") == raw_files(tmp_path / "local")
    assert outputs["ray"] == outputs["local"] and len(outputs["ray"]) >= 1  # same scores from the same files


def test_fast_tracker_specs_run_as_ray_tasks(synthetic, ray_instance, tmp_path):
    from crpnbench.tracking.spec import TrackerSpec

    name = synthetic.names[0]
    spec = TrackerSpec.of("crpn-small", untrained=True, fast="channels_last")
    summary = evaluate(synthetic, [spec], "ope", tmp_path, ray_address="local", sequences=[name],
                       max_frames=FRAMES, progress=False)
    assert summary.runs[0].evaluated == [name] and not summary.runs[0].failed
    rows = (tmp_path / "raw" / "synthetic" / "crpn-small-untrained" / f"{name}.txt").read_text().splitlines()
    assert len(rows) == FRAMES and all(len(row.split(",")) == 4 for row in rows)
