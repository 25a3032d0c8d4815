#!/usr/bin/env bash
# The GPU checks of issue 17 in one go (docs/gpu-check.md): environment, CUDA tests, single-sequence fps of
# 1/2/3 stages at 127/255 (fp32 + fp16, and a CPU figure), batched 3-stage throughput on 1280x720 JPEG frames
# with decoding (fp16 channels_last + fp32, batch 1/16/64/128), AMP training steps and a short AMP training run.
#
#   bash benchmarks/gpu_check.sh [--quick]     run the checks (on the GPU machine: the whole command line)
#   bash benchmarks/gpu_check.sh --prepare     here, with network: the files the GPU machine needs (carry them)
#
# Environment: OUT (results folder; default results/gpu-check), PYTHON (default python3), BUDGET (seconds for
# all steps; default 450), STEPS (comma list of step names to run besides env and data, e.g.
# STEPS=batched-fp16,train-run for a rerun; default all), WHEELS (default .whl), SITE (where wheels install;
# default /tmp/site), REFDATA_SUBSET (default datasets/gpu-check-refdata).
# Steps: env data tests latency-cuda latency-cpu batched-fp16 batched-fp32 train-step train-run batched-grouped.
# Each step has its own timeout and a failing step never stops the next. Stdout stays short; the figures go to
# $OUT/gpu_check_summary.txt (one line per figure), every step's output to $OUT/gpu_check_log.txt, all rows to
# $OUT/gpu_check_results.json. Without CUDA the CUDA steps say "skipped: no CUDA"; with --quick they run tiny
# CPU stand-ins instead (to try the script end to end: CUDA_VISIBLE_DEVICES= bash benchmarks/gpu_check.sh --quick).
set -u -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 2
PY=${PYTHON:-python3}
OUT=${OUT:-$ROOT/results/gpu-check}
BUDGET=${BUDGET:-450}
STEPS=${STEPS:-}
WHEELS=${WHEELS:-.whl}
SITE=${SITE:-/tmp/site}
REFDATA_SUBSET=${REFDATA_SUBSET:-datasets/gpu-check-refdata}
QUICK=0
PREPARE=0
for arg in "$@"; do
    case $arg in
        --quick) QUICK=1 ;;
        --prepare) PREPARE=1 ;;
        -h|--help) sed -n '2,/^set /p' "${BASH_SOURCE[0]}" | grep '^#' | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "gpu_check.sh: unknown argument $arg (--quick, --prepare, --help)" >&2; exit 2 ;;
    esac
done

# ------------------------------------------------------------------------------------------- --prepare
if (( PREPARE )); then
    # 1. six frames of OTB Couple: tests/test_fast_inference.py's fp16 test reads them (../shared does not travel)
    src=${CRPNBENCH_REFDATA:-$ROOT/../shared/refdata}/otb/seqs/Couple
    dst=$REFDATA_SUBSET/otb/seqs/Couple
    if [[ -f $src/groundtruth_rect.txt ]]; then
        mkdir -p "$dst/img" && cp "$src/groundtruth_rect.txt" "$dst/" \
            && cp "$src"/img/000[1-6].jpg "$dst/img/" && echo "copied 6 Couple frames to $dst"
    else
        echo "no reference data at $src: the fp16 tracking test will skip on the GPU machine" >&2
    fi
    # 2. pytest and its pure-Python needs, for the GPU machine's Python 3.12 (its image had pytest on 2026-11-17;
    #    the wheels are the fallback, used only when it has none)
    "$PY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
        -d "$WHEELS" pytest==9.2.0 pluggy==1.7.0 iniconfig==2.3.1 packaging==26.4 pygments==2.21.0 \
        && echo "wheels in $WHEELS: $(ls "$WHEELS" | tr '\n' ' ')"
    if ! git check-ignore -q "$WHEELS/x" 2>/dev/null; then
        echo "note: $WHEELS/ is not ignored by git (.gitignore ignores /.whl/): the device copy would take it as a file" >&2
    fi
    echo "run (device tool): command 'bash benchmarks/gpu_check.sh', timeout_s 540, carry [\"$WHEELS\", \"$REFDATA_SUBSET\"]"
    exit 0
fi

# ------------------------------------------------------------------------------------------- set-up
mkdir -p "$OUT" || exit 2
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gpu_check.XXXXXX")
SUMMARY=$OUT/gpu_check_summary.txt
LOG=$OUT/gpu_check_log.txt
RESULTS=$OUT/gpu_check_results.json
: >"$SUMMARY"
: >"$LOG"
START=$(date +%s)
DEADLINE=$(( START + BUDGET ))
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 MPLBACKEND=Agg PYTEST_DISABLE_PLUGIN_AUTOLOAD=1
if [[ -z ${CRPNBENCH_REFDATA:-} && ! -d $ROOT/../shared/refdata && -d $REFDATA_SUBSET ]]; then
    CRPNBENCH_REFDATA=$(cd "$REFDATA_SUBSET" && pwd)  # the carried subset (--prepare): ../shared does not travel
    export CRPNBENCH_REFDATA
fi
if (( QUICK )); then MODE=quick; else MODE=full; fi
echo "gpu_check ($MODE, budget ${BUDGET}s): results in $OUT"

# wheels (pytest and its needs) into $SITE; used only where the machine's Python has no pytest of its own
if compgen -G "$WHEELS/*.whl" >/dev/null; then
    if "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$SITE" \
            "$WHEELS"/*.whl >"$WORK/wheels.log" 2>&1; then
        echo "wheels installed to $SITE: $(cd "$WHEELS" && ls *.whl | sed 's/-py3.*//' | tr '\n' ' ')"
    else
        echo "wheel install FAILED (see log): $(tail -n 1 "$WORK/wheels.log")"
        cat "$WORK/wheels.log" >>"$LOG"
    fi
fi

# helpers (Python, written once): environment, pytest runner, summary lines, merged JSON
cat >"$WORK/env.py" <<'PYEOF'
import json, os, platform, sys, subprocess
info = {"python": platform.python_version(), "python_exe": sys.executable, "cpu_count": os.cpu_count(),
        "machine": platform.machine()}
try:
    import torch
    info.update(torch=torch.__version__, cuda_available=torch.cuda.is_available(), cuda=torch.version.cuda,
                cpu_threads=torch.get_num_threads())
    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        info.update(gpu=torch.cuda.get_device_name(0), gpu_count=torch.cuda.device_count(),
                    capability=".".join(map(str, torch.cuda.get_device_capability(0))),
                    gpu_memory_gib=round(props.total_memory / 2**30, 1), sms=props.multi_processor_count,
                    cudnn=torch.backends.cudnn.version(), cudnn_tf32=torch.backends.cudnn.allow_tf32,
                    matmul_tf32=torch.backends.cuda.matmul.allow_tf32)
        try:
            smi = subprocess.run(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
                                 capture_output=True, text=True, timeout=20)
            info["driver"] = smi.stdout.strip().splitlines()[0] if smi.returncode == 0 and smi.stdout.strip() else None
        except Exception:  # noqa: BLE001 - nvidia-smi is optional
            info["driver"] = None
finally:
    from importlib import import_module, metadata

    def version(name):
        module = import_module(name)
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return getattr(module, "__version__", "?")

    for name in ("numpy", "cv2", "pandas", "matplotlib", "click", "tqdm"):
        try:
            info[name] = version(name)
        except Exception as error:  # noqa: BLE001
            info[name] = f"MISSING ({type(error).__name__})"
    for name in ("pytest", "shapely", "got10k", "ray"):  # the machine's own (carried wheels come later)
        try:
            info[name] = version(name)
        except Exception:  # noqa: BLE001
            info[name] = None
    json.dump(info, open(sys.argv[1], "w"), indent=1)
    print(json.dumps(info))
PYEOF
cat >"$WORK/run_pytest.py" <<'PYEOF'
import sys
site = sys.argv[1]
try:
    import pytest
except ImportError:
    sys.path.insert(0, site)  # the carried wheels (benchmarks/gpu_check.sh --prepare)
    try:
        import pytest
    except ImportError:
        print(f"pytest is not importable (none installed, no wheels in {site}): run "
              "'bash benchmarks/gpu_check.sh --prepare' here and carry .whl", file=sys.stderr)
        sys.exit(3)
print(f"pytest {pytest.__version__} from {pytest.__file__}", flush=True)
sys.exit(pytest.main(sys.argv[2:]))
PYEOF
cat >"$WORK/summarise.py" <<'PYEOF'
"""Summary lines (one per figure) from a step's JSON or log; the merged results file."""
import csv, glob, json, os, re, sys

work = os.environ["WORK"]


def env():
    try:
        return json.load(open(os.path.join(work, "env.json")))
    except (OSError, ValueError):
        return {}


def where(row):
    gpu = row.get("device_name") if row.get("device", "").startswith("cuda") else f"CPU {row.get('cpu_threads')} threads"
    return f"{gpu} | torch {row.get('torch')}"


def tf32(row):
    return " (TF32 convs)" if row.get("device", "").startswith("cuda") and row["precision"] == "fp32" and row.get("cudnn_tf32", True) else ""


def latency(path):
    rows = json.load(open(path))["rows"]
    base = {}
    for row in rows:
        if row["variant"] == "crpn-1stage":
            base[(row["device"], row["precision"])] = row["fps"]
    for row in rows:
        ratio = base.get((row["device"], row["precision"]))
        paper = row.get("paper_fps")
        paper_text = f"paper {paper:.0f} fps (GTX 1080, x{paper / 48:.2f} of 1 stage)" if paper else "paper -"
        mine = f" (x{row['fps'] / ratio:.2f} of 1 stage)" if ratio and paper else ""
        print(f"latency | {where(row)} | {row['variant']} ({row['stages']} stage{'s' if row['stages'] > 1 else ''}, "
              f"{row['exemplar_size']}/{row['instance_size']}) | batch 1 | {row['precision']}{tf32(row)} | "
              f"{row['fps']:.1f} fps{mine}, {row['frame_ms']:.2f} ms/frame (network {row['net_ms']:.2f} ms; "
              f"median of {row['frames']}, {row['frame_size']} frames) | {paper_text}")


def batched(path):
    rows = json.load(open(path))["rows"]
    for row in rows:
        ms = row["ms_per_frame"]
        phases = " ".join(f"{k} {v:.2f}" for k, v in ms.items())
        ratio = f" (x{row['x_serial']:.2f} serial)" if row.get("x_serial") and row["batch"] > 1 else ""
        label = "serial (batch 1)" if row["batch"] == 1 else f"batch {row['batch']}"
        fast = " channels_last" if row.get("fast") == "channels_last" else ""
        kb = f" {row['jpeg_kb']:.0f} KB" if row.get("jpeg_kb") else ""
        print(f"batched | {where(row)} | {row['tracker']} ({row['stages']} stages, {row['exemplar_size']}/"
              f"{row['instance_size']}) | {row['frame_size']} JPEG{kb} decoded, {row['sequences']} seq x "
              f"{row['frames'] // max(1, row['sequences'])} fr | {label} | {row['precision']}{fast}{tf32(row)} "
              f"{row['correlation']} corr | {row['fps']:.1f} frames/s aggregate{ratio} | ms/frame: {phases} | "
              f"vs serial: {row['equality']}")


def train(path):
    rows = json.load(open(path))["rows"]
    for row in rows:
        amp = "amp (fp16 autocast + GradScaler)" if row["precision"] == "amp" else row["precision"]
        print(f"train-step | {where(row)} | {row['tracker']} {row['stages']} stage(s), {row['exemplar_size']}/"
              f"{row['instance_size']} width {row['width']} | batch {row['batch']} | {amp} | "
              f"{row['pairs_per_s']:.1f} pairs/s ({1000 * row['s_per_step']:.1f} ms/step, median of {row['steps']}) | "
              f"pair loading {row['load_pairs_per_s']:.0f} pairs/s (1 process)")


def tests(log, cuda):
    text = open(log, errors="replace").read()
    finals = [line.strip("= ") for line in text.splitlines()
              if re.search(r"\d+ (passed|failed|skipped|error|deselected)", line) and " in " in line]
    counts = finals[-1] if finals else "no pytest result line"
    used = re.search(r"^pytest (\S+) from (\S+)", text, re.M)
    site = os.path.realpath(os.environ.get("SITE", "/tmp/site"))
    carried = used and os.path.realpath(used.group(2)).startswith(site + os.sep)
    runner = f"pytest {used.group(1)}{' (carried wheel)' if carried else ''}" if used else "pytest"
    e = env()
    prefix = "tests | " + (f"{e.get('gpu')} | torch {e.get('torch')}" if cuda else "no CUDA")
    print(f"{prefix} | {runner} -k cuda (batched, fast inference, AMP training) | {counts}"
          + ("" if cuda else " | CUDA tests skipped: no CUDA"))
    for line in text.splitlines():
        if line.startswith(("FAILED", "ERROR")) or (cuda and line.startswith("SKIPPED")):
            print(f"tests |   {line[:240]}")


def trainrun(log, run_dir, device):
    e = env()
    text = open(log, errors="replace").read()
    done = re.search(r"trained (\d+) epoch\(s\), (\d+) pairs in (\d+) s", text)
    rows = list(csv.DictReader(open(os.path.join(run_dir, "train_log.csv")))) if os.path.exists(
        os.path.join(run_dir, "train_log.csv")) else []
    losses = [float(r["loss"]) for r in rows]
    what = f"{e.get('gpu')} | torch {e.get('torch')}" if device == "cuda" else f"CPU | torch {e.get('torch')}"
    precision = "amp (fp16 autocast + GradScaler)" if device == "cuda" else "fp32 (AMP is CUDA-only)"
    rate = f"{int(done.group(2)) / max(1, int(done.group(3))):.0f} pairs/s incl. start-up, " if done else ""
    tracker = os.environ.get("TRAIN_TRACKER", "?")
    batch = os.environ.get("TRAIN_BATCH", "?")
    print(f"train-run | {what} | crpnbench train --tracker {tracker} (synthetic-train) | batch {batch} | {precision} | "
          + (f"{done.group(1)} epoch, {done.group(2)} pairs in {done.group(3)} s ({rate}{len(losses)} steps) | "
             f"loss {losses[0]:.3f} -> {losses[-1]:.3f} (first -> last step), all finite: "
             f"{all(l == l and abs(l) != float('inf') for l in losses)}" if done and losses else "no result"))


def goal(mode):
    rows = []
    for path in glob.glob(os.path.join(work, "batched-*.json")):
        rows += [r for r in json.load(open(path))["rows"]
                 if r.get("device", "").startswith("cuda") and r.get("stages") == 3 and r.get("frame_size") == "1280x720"]
    if not rows:
        print("GOAL >= 1000 frames/s (3-stage batched eval, 1280x720 JPEG, decoding included): not measured")
        return
    best = max(rows, key=lambda r: r["fps"])
    if mode == "quick":
        verdict = "not judged (--quick: too few frames)"
    else:
        verdict = "MET" if best["fps"] >= 1000 else "NOT MET"
    label = "batch 1 (serial)" if best["batch"] == 1 else f"batch {best['batch']}"
    print(f"GOAL >= 1000 frames/s (3-stage batched eval, 1280x720 JPEG, decoding included): {verdict} | best "
          f"{best['fps']:.0f} frames/s at {label}, {best['precision']} {best['correlation']} corr, "
          f"{best['frames']} frames | {where(best)}")


def merge(out, statuses):
    rows = []
    for path in sorted(glob.glob(os.path.join(work, "*.json"))):
        if os.path.basename(path) != "env.json":
            try:
                rows += json.load(open(path))["rows"]
            except (OSError, ValueError, KeyError):
                pass
    steps = [line.rstrip("\n") for line in open(statuses)] if os.path.exists(statuses) else []
    json.dump({"env": env(), "steps": steps, "rows": rows}, open(out, "w"), indent=1)


kind, args = sys.argv[1], sys.argv[2:]
if kind == "header":
    e = env()
    gpu = (f"GPU {e.get('gpu')} (sm {e.get('capability')}, {e.get('gpu_memory_gib')} GiB, driver {e.get('driver')}), "
           f"CUDA {e.get('cuda')}, cuDNN {e.get('cudnn')}, TF32 convs {e.get('cudnn_tf32')}"
           if e.get("cuda_available") else "no CUDA")
    print(f"env | {gpu} | torch {e.get('torch')} | python {e.get('python')} | {e.get('cpu_count')} CPUs | numpy "
          f"{e.get('numpy')} | opencv {e.get('cv2')} | own pytest {e.get('pytest') or 'none'} | mode {args[0]}")
elif kind == "latency":
    latency(*args)
elif kind == "batched":
    batched(*args)
elif kind == "train":
    train(*args)
elif kind == "tests":
    tests(args[0], args[1] == "1")
elif kind == "trainrun":
    trainrun(*args)
elif kind == "goal":
    goal(*args)
elif kind == "merge":
    merge(*args)
PYEOF
export WORK SITE

STATUS=$WORK/status.txt
: >"$STATUS"
note() {  # step, text: a status line in the summary (and the results file)
    echo "$1: $2" >>"$STATUS"
    echo "step $1: $2" >>"$SUMMARY"
}
last_error() {  # the most telling line of a failed step's log
    local line
    line=$(grep -E '(Error|Exception|error:|FAILED|Traceback|Killed)' "$1" | grep -v '^Traceback' | tail -n 1)
    [[ -z $line ]] && line=$(grep -v '^[[:space:]]*$' "$1" | tail -n 1)
    echo "${line:0:220}"
}
selected() { [[ -z $STEPS || $1 == env || $1 == data || ",$STEPS," == *",$1,"* ]]; }  # env, data: always
run_step() {  # name, time limit (s), command...: 0 ok, 1 failed, 2 not run
    local name=$1 limit=$2
    shift 2
    selected "$name" || return 2
    local left=$(( DEADLINE - $(date +%s) - 10 ))
    if (( left < 15 )); then
        note "$name" "SKIPPED: time budget spent (BUDGET=${BUDGET}s)"
        echo "[skipped] $name: time budget spent"
        return 2
    fi
    (( limit > left )) && limit=$left
    local log=$WORK/$name.log started rc took reason
    started=$(date +%s)
    timeout -k 10 "$limit" "$@" >"$log" 2>&1
    rc=$?
    took=$(( $(date +%s) - started ))
    { echo "===== $name: rc $rc, ${took}s, limit ${limit}s: $*"; cat "$log"; echo; } >>"$LOG"
    if (( rc == 0 )); then
        echo "$name: ok (${took}s)" >>"$STATUS"
        echo "[ok] $name (${took}s)"
        return 0
    fi
    if (( rc == 124 || rc == 137 )); then reason="timeout after ${limit}s"; else reason="exit $rc: $(last_error "$log")"; fi
    note "$name" "FAILED ($reason)"
    echo "[FAILED] $name (${took}s): $reason"
    return 1
}
skip() {  # name, reason
    selected "$1" || return 0
    note "$1" "skipped: $2"
    echo "[skipped] $1: $2"
}
summarise() {  # kind, args...: append figure lines to the summary
    "$PY" "$WORK/summarise.py" "$@" >>"$SUMMARY" 2>>"$LOG" || echo "summary of $1: FAILED (see log)" >>"$SUMMARY"
    "$PY" "$WORK/summarise.py" merge "$RESULTS" "$STATUS" 2>>"$LOG"
}
figures() {  # kind, file, args...: the figures of a step that wrote its file (partial figures of a failed one too)
    [[ -f $2 ]] && summarise "$@"
    return 0
}

# ------------------------------------------------------------------------------------------- steps
# env
run_step env 60 "$PY" "$WORK/env.py" "$WORK/env.json"
CUDA=$("$PY" -c 'import json, sys; print(int(bool(json.load(open(sys.argv[1])).get("cuda_available"))))' \
    "$WORK/env.json" 2>/dev/null || echo 0)
summarise header "$MODE"
if (( ! CUDA )); then echo "no CUDA: the CUDA steps are $( (( QUICK )) && echo 'tiny CPU stand-ins' || echo 'skipped')"; fi

# synthetic benchmark (test split for the batched run, train split for training), generated once
run_step data 120 "$PY" -c "from crpnbench.data import open_benchmark
open_benchmark('synthetic', root='datasets/synthetic'); open_benchmark('synthetic-train', root='datasets/synthetic')"

# CUDA tests: fp16 inference vs fp32 (fast inference), batched vs serial steps, AMP training (skip without CUDA)
run_step tests 150 "$PY" "$WORK/run_pytest.py" "$SITE" -q -rs -p no:cacheprovider -k cuda \
    tests/test_batched_tracking.py tests/test_fast_inference.py tests/test_cuda_amp_training.py
selected tests && figures tests "$WORK/tests.log" "$CUDA"

# single-sequence latency of 1/2/3 stages at 127/255 (paper: 48/37/23 fps), fp32 + fp16; then the CPU's
VARIANTS=(crpn-1stage crpn-2stage crpn)
if (( CUDA )); then
    if (( QUICK )); then FRAMES=(--frames 10 --warmup 3); else FRAMES=(--frames 100 --warmup 20); fi
    run_step latency-cuda 120 "$PY" benchmarks/bench_latency.py --device cuda --variants "${VARIANTS[@]}" \
        --precision fp32 fp16 "${FRAMES[@]}" --out-json "$WORK/latency-cuda.json"
    figures latency "$WORK/latency-cuda.json"
else
    skip latency-cuda "no CUDA"
fi
if (( QUICK )); then FRAMES=(--frames 2 --warmup 1); else FRAMES=(--frames 10 --warmup 2); fi
run_step latency-cpu 90 "$PY" benchmarks/bench_latency.py --device cpu --variants "${VARIANTS[@]}" "${FRAMES[@]}" \
    --out-json "$WORK/latency-cpu.json"
figures latency "$WORK/latency-cpu.json"

# batched 3-stage eval: aggregate frames/s on 1280x720 JPEG frames decoded during the run
if (( QUICK )); then
    SIZES=(--sequences 4 --max-frames 6); BATCHES=(--batch-sizes 2 4); GROUPED=(--batch-sizes 4)
else
    SIZES=(--sequences 128 --max-frames 40); BATCHES=(--batch-sizes 16 64 128); GROUPED=(--batch-sizes 64 128)
fi
COMMON=(--trackers crpn "${SIZES[@]}" --frame-size 1280x720 --frames-dir "$WORK/frames" --data-root datasets/synthetic
        --repeats 1)
if (( CUDA )); then
    run_step batched-fp16 150 "$PY" benchmarks/bench_batched.py --device cuda --precision fp16 "${COMMON[@]}" \
        "${BATCHES[@]}" --out-json "$WORK/batched-fp16.json"
    figures batched "$WORK/batched-fp16.json"
    run_step batched-fp32 150 "$PY" benchmarks/bench_batched.py --device cuda --precision fp32 "${COMMON[@]}" \
        "${BATCHES[@]}" --out-json "$WORK/batched-fp32.json"
    figures batched "$WORK/batched-fp32.json"
elif (( QUICK )); then
    skip batched-fp16 "no CUDA (fp16 is the CUDA fast path)"
    run_step batched-fp32 120 "$PY" benchmarks/bench_batched.py --device cpu --precision fp32 "${COMMON[@]}" \
        "${BATCHES[@]}" --out-json "$WORK/batched-fp32.json"
    figures batched "$WORK/batched-fp32.json"
else
    skip batched-fp16 "no CUDA"
    skip batched-fp32 "no CUDA"
fi

# training: timed SGD steps (AMP vs fp32, 1/2/3 stages, full-size model), then a short real AMP training run
if (( CUDA )); then
    if (( QUICK )); then TSTEP=(--batch-size 8 --steps 2); else TSTEP=(--batch-size 32 --steps 10); fi
    run_step train-step 120 "$PY" benchmarks/bench_train.py --device cuda --tracker crpn --precision amp fp32 \
        "${TSTEP[@]}" --data-root datasets/synthetic --out-json "$WORK/train-step.json"
    figures train "$WORK/train-step.json"
    # pairs made in the main process (--loader-workers 0): a sandbox's small /dev/shm cannot break the run
    if (( QUICK )); then TRUN=(--batch-size 16 --pairs-per-epoch 64 --loader-workers 0)
    else TRUN=(--batch-size 32 --pairs-per-epoch 256 --loader-workers 0); fi
    export TRAIN_TRACKER=crpn TRAIN_BATCH=${TRUN[1]}
    run_step train-run 120 "$PY" -m crpnbench train --tracker crpn --dataset synthetic-train \
        --data-root datasets/synthetic --device cuda --epochs 1 "${TRUN[@]}" --run-dir "$WORK/train-run" --quiet
    figures trainrun "$WORK/train-run.log" "$WORK/train-run" cuda
elif (( QUICK )); then
    run_step train-step 90 "$PY" benchmarks/bench_train.py --device cpu --tracker crpn-small --batch-size 4 \
        --steps 1 --stages 1 3 --precision auto amp --data-root datasets/synthetic --out-json "$WORK/train-step.json"
    figures train "$WORK/train-step.json"
    export TRAIN_TRACKER=crpn-small TRAIN_BATCH=8
    run_step train-run 90 "$PY" -m crpnbench train --tracker crpn-small --dataset synthetic-train \
        --data-root datasets/synthetic --device cpu --epochs 1 --batch-size 8 --pairs-per-epoch 16 \
        --loader-workers 0 --run-dir "$WORK/train-run" --quiet
    figures trainrun "$WORK/train-run.log" "$WORK/train-run" cpu
else
    skip train-step "no CUDA"
    skip train-run "no CUDA"
fi

# extra, if time is left: the batch's correlation as one grouped convolution (fp16), no serial reference
if (( CUDA )); then
    run_step batched-grouped 90 "$PY" benchmarks/bench_batched.py --device cuda --precision fp16 \
        --correlation grouped --no-serial "${COMMON[@]}" "${GROUPED[@]}" --out-json "$WORK/batched-grouped.json"
    figures batched "$WORK/batched-grouped.json"
elif (( QUICK )); then
    run_step batched-grouped 60 "$PY" benchmarks/bench_batched.py --device cpu --correlation grouped --no-serial \
        "${COMMON[@]}" "${GROUPED[@]}" --out-json "$WORK/batched-grouped.json"
    figures batched "$WORK/batched-grouped.json"
else
    skip batched-grouped "no CUDA"
fi

summarise goal "$MODE"
echo "total ${SECONDS}s, budget ${BUDGET}s" >>"$SUMMARY"
"$PY" "$WORK/summarise.py" merge "$RESULTS" "$STATUS" 2>>"$LOG"
rm -rf "$WORK/frames"
echo "----- $SUMMARY"
cat "$SUMMARY"
