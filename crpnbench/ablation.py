"""The paper's ablations (Tables 4-6): train every C-RPN variant with several training seeds, evaluate
every run on the same sequences, and tabulate mean ± std over seeds, paired differences and speed.

Variants (paper name -> config):

=============================  =======================  ===========================================
variant                        paper                    config (``--full``) / override of crpn-small
=============================  =======================  ===========================================
crpn-1stage                    Table 4, one stage       ``trackers/crpn-1stage.toml`` / ``stages=1``
crpn-2stage                    Table 4, two stages      ``trackers/crpn-2stage.toml`` / ``stages=2``
crpn                           Tables 4-6, full model   ``trackers/crpn.toml`` / crpn-small itself
crpn-nonaf                     Table 5, w/o NAF         ``trackers/crpn-nonaf.toml`` / ``theta=1``
crpn-noftb-single              Table 6, w/o FTB (S)     ``trackers/crpn-noftb-single.toml`` / ``fusion="single"``
crpn-noftb-multi               Table 6, w/o FTB (M)     ``trackers/crpn-noftb-multi.toml`` / ``fusion="multi"``
=============================  =======================  ===========================================

With ``small=True`` (the default, CPU-friendly) every variant is ``trackers/crpn-small.toml`` with the
override above and the name ``crpn-small-<suffix>`` (``crpn-small`` for the full model), so the
quick start finishes on a 2-core CPU; ``small=False`` uses the full-size configs (needs CUDA for
reasonable times).

**Seeds and names.** ``seeds=N`` trains each variant N times, with training seeds ``s0, s0+1, ...``
(:attr:`TrainSettings.seed <crpnbench.training.trainer.TrainSettings>`: pair sampling, augmentation
and initialisation; ``s0`` is the layered default, 0 unless a config's ``[train]`` sets one). The
training split and the test split are the same for every seed. Run ``k`` of a variant is the tracker
``<variant name>`` for ``k = 0`` and ``<variant name>-s<k>`` otherwise (``crpn-small-1stage-s1``),
with its own run folder and checkpoint ``<out>/runs/<tracker>/model.pt`` and raw results
``<out>/raw/<dataset>/<tracker>/``. Seed 0 of the full small model is therefore ``crpn-small``, the
run the quick start trains, and its checkpoint is reused.

**Reuse and resume.** A run whose checkpoint records as many epochs as planned (and the planned
training seed) is reused; a checkpoint with fewer epochs of the same schedule is resumed
(:func:`crpnbench.training.trainer.train` with ``resume=True``); any other checkpoint (another epoch
count or seed) is an error that says what to do (``--retrain``, or matching ``--epochs``). Evaluation
resumes on its own (complete sequences are skipped); runs trained in this call are evaluated again,
since any raw results they have came from older weights.

**Steps** (each a replaceable parameter of :func:`run_ablation`): train (``train_fn``), evaluate
(``evaluate_fn``), score (``score_fn``), then measure speed (``speed_fn``): every variant's
per-frame latency in this one process, after training and evaluation, interleaved frame by frame on
the same frames (:func:`measure_speeds`, as ``benchmarks/bench_latency.py``), never taken from the
evaluation runs. Then the tables (variants as columns; rows: the protocol's metrics as mean ± std over
seeds, the dataset's main metric first (``ScoreReport.main_metric``: success AUC for OPE, EAO for VOT, AO
for GOT-10k, whose rows are AO, SR0.5, SR0.75), speed, and per paper comparison the paired difference
over sequences with a 95 % bootstrap interval, :mod:`crpnbench.metrics.paired`) as CSV/Markdown/LaTeX,
per-run/paired/speed CSVs, and one plot per table.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from crpnbench.errors import ConfigError


@dataclass(frozen=True)
class Variant:
    """One ablation variant: its ``suffix`` (``1stage``, ``nonaf``...; ``""`` = full model),
    the paper ``tables`` it appears in, its paper ``label``, and its config overrides on crpn-small."""

    suffix: str
    label: str
    tables: tuple[str, ...]
    overrides: tuple[tuple[str, object], ...] = ()

    @property
    def key(self) -> str:
        """Its key in :data:`VARIANTS` (``full`` for the full model)."""
        return self.suffix or "full"

    def name(self, small: bool = True, seed: int = 0) -> str:
        """Tracker name: ``crpn-small-1stage`` (small) or ``crpn-1stage`` (full); full model ``crpn[-small]``;
        run ``seed`` > 0 adds ``-s<seed>`` (``crpn-small-1stage-s1``)."""
        base = "crpn-small" if small else "crpn"
        name = f"{base}-{self.suffix}" if self.suffix else base
        return f"{name}-s{seed}" if seed else name

    def config_file(self) -> str:
        """The full-size config file name under ``trackers/``."""
        return f"crpn-{self.suffix}.toml" if self.suffix else "crpn.toml"


#: every variant, in the paper's order
VARIANTS: dict[str, Variant] = {
    "1stage": Variant("1stage", "One stage", ("stages",), (("stages", 1),)),
    "2stage": Variant("2stage", "Two stages", ("stages",), (("stages", 2),)),
    "full": Variant("", "Three stages (C-RPN)", ("stages", "naf", "ftb")),
    "nonaf": Variant("nonaf", "C-RPN w/o NAF", ("naf",), (("theta", 1.0),)),
    "noftb-single": Variant("noftb-single", "C-RPN w/o FTB (S)", ("ftb",), (("fusion", "single"),)),
    "noftb-multi": Variant("noftb-multi", "C-RPN w/o FTB (M)", ("ftb",), (("fusion", "multi"),)),
}

#: paper table -> (stem suffix, caption)
PAPER_TABLES = {
    "stages": ("stages", "Effect of the number of stages (paper Table 4)"),
    "naf": ("naf", "Effect of negative anchor filtering (paper Table 5)"),
    "ftb": ("ftb", "Effect of the feature transfer block; S/M = single/multiple layers (paper Table 6)"),
}

#: paper table -> its columns, left to right (the full model last, as in the paper)
TABLE_COLUMNS = {
    "stages": ("1stage", "2stage", "full"),
    "naf": ("nonaf", "full"),
    "ftb": ("noftb-single", "noftb-multi", "full"),
}

#: the comparisons the paper makes: (paper table, variant, reference); the difference is variant - reference
COMPARISONS: tuple[tuple[str, str, str], ...] = (
    ("stages", "2stage", "1stage"),
    ("stages", "full", "1stage"),
    ("stages", "full", "2stage"),
    ("naf", "full", "nonaf"),
    ("ftb", "noftb-multi", "noftb-single"),
    ("ftb", "full", "noftb-single"),
    ("ftb", "full", "noftb-multi"),
)

#: table rows per scoring family: (metric key, row label, decimals)
METRIC_ROWS = {
    "ope": (("success", "Success (AUC)", 3), ("precision", "Precision (20 px)", 3),
            ("norm_precision", "Norm. precision", 3)),
    "vot": (("accuracy", "Accuracy", 3), ("robustness", "Robustness", 2), ("eao", "EAO", 3)),
    "got10k": (("ao", "AO", 3), ("sr50", "SR0.5", 3), ("sr75", "SR0.75", 3)),
}
#: per-sequence metrics compared in the paired-difference rows, per scoring family
PAIRED_METRICS = {"ope": ("success",), "vot": ("accuracy", "failures"), "got10k": ("ao",)}
#: the main metric per scoring family when the scorer does not name it (``ScoreReport.main_metric``)
MAIN_METRICS = {"ope": "success", "vot": "eao", "got10k": "ao"}
#: the main metric's short name per family (``AblationResult.metric_name``)
METRIC_NAMES = {"ope": "SUC", "vot": "EAO", "got10k": "AO"}
#: how a paired metric is named in the Δ rows where not by its key ("Δ success", "Δ failures", "Δ AO")
DELTA_NAMES = {"ao": "AO"}

SMALL_CONFIG = "crpn-small.toml"
#: timed frames and warm-up frames per variant of the speed measurement
SPEED_FRAMES = 20
SPEED_WARMUP = 3


def select_variants(stages: Iterable[int] = (1, 2, 3), no_ftb: bool = False, no_naf: bool = False) -> list[Variant]:
    """The variants of ``crpnbench ablate --stages ... [--no-ftb] [--no-naf]``, in paper order.

    The full model (3 stages) is always included when --no-ftb/--no-naf ask for a comparison.
    """
    stages = sorted({int(s) for s in stages})
    bad = [s for s in stages if s not in (1, 2, 3)]
    if bad:
        raise ConfigError(f"--stages must be 1, 2 or 3, got {bad[0]}")
    chosen = []
    for s in stages:
        chosen.append(VARIANTS[{1: "1stage", 2: "2stage", 3: "full"}[s]])
    if (no_ftb or no_naf) and VARIANTS["full"] not in chosen:
        chosen.append(VARIANTS["full"])
    if no_naf:
        chosen.append(VARIANTS["nonaf"])
    if no_ftb:
        chosen += [VARIANTS["noftb-single"], VARIANTS["noftb-multi"]]
    return chosen


def variant_config(variant: Variant, *, small: bool = True, trackers_dir: str | Path | None = None,
                   results_root: str | Path = "results", seed: int = 0):
    """The :class:`~crpnbench.models.config.CRPNConfig` of run ``seed`` of a variant (named
    :meth:`Variant.name`), its checkpoint under ``<results_root>/runs/<name>/model.pt``. ``trackers_dir``
    defaults to ``trackers/`` in the working directory, else the one beside the installed package (as
    ``crpnbench train`` finds it)."""
    from crpnbench.models.config import CRPNConfig

    if trackers_dir is None:
        from crpnbench.training.api import find_tracker_config

        trackers_dir = find_tracker_config("crpn-small" if small else variant.config_file()[:-5]).parent
    trackers_dir = Path(trackers_dir)
    name = variant.name(small, seed)
    checkpoint = str(Path(results_root) / "runs" / name / "model.pt")
    if small:
        overrides = {**dict(variant.overrides), "name": name, "checkpoint": checkpoint}
        return CRPNConfig.from_toml(trackers_dir / SMALL_CONFIG, overrides=overrides)
    return CRPNConfig.from_toml(trackers_dir / variant.config_file(),
                                overrides={"name": name, "checkpoint": checkpoint})


# ----------------------------------------------------------------------------- results

@dataclass
class RunResult:
    """One (variant, seed) run: its tracker ``name``, config, training seed, what happened to its
    checkpoint (``reused``, ``resumed`` or ``trained``) and its scores (``metrics``: the scorer's
    summary; ``per_sequence``: metric -> sequence -> value; ``success_curve`` for OPE)."""

    variant: Variant
    seed: int
    name: str
    config: object
    train_seed: int | None = None
    action: str = "reused"
    metrics: dict = field(default_factory=dict)
    per_sequence: dict = field(default_factory=dict)
    success_curve: object = None

    @property
    def trained(self) -> bool:
        return self.action != "reused"

    @property
    def checkpoint(self) -> Path:
        return Path(self.config.checkpoint_path)


@dataclass
class VariantResult:
    """One column of the ablation tables: a variant, its runs (one per seed), the mean of the main
    metric over seeds (``metric``) and the speed measured by :func:`measure_speeds` (``fps``)."""

    variant: Variant
    name: str  # the seed-0 run's tracker
    metric: float | None
    fps: float | None
    trained: bool  # False when every run's checkpoint was reused
    checkpoint: Path | None = None
    runs: list[RunResult] = field(default_factory=list)

    def values(self, key: str) -> list[float]:
        """``key``'s value in every run (seed order), NaN-free."""
        out = [_finite(run.metrics.get(key)) for run in self.runs]
        return [v for v in out if v is not None]

    def mean_std(self, key: str) -> tuple[float | None, float | None]:
        """Mean and sample standard deviation over seeds (None for one seed; (None, None) without values)."""
        from crpnbench.metrics.paired import mean_std

        values = self.values(key)
        return mean_std(values) if values else (None, None)


@dataclass
class Comparison:
    """A paired difference ``variant - reference`` over sequences (seed-averaged per sequence); ``difference``
    is None when no sequence has a value of both (e.g. VOT accuracy of runs that failed on every frame)."""

    table: str
    variant: Variant
    reference: Variant
    metric: str
    difference: object  # crpnbench.metrics.paired.PairedDifference
    seeds: tuple[int, int]
    #: 95 % interval resampling training seeds as well as sequences (metrics.paired.two_level_interval)
    seed_interval: tuple[float, float] | None = None


@dataclass
class SpeedMeasurement:
    """Per-frame latency of every variant, measured in one process on the same frames (see :func:`measure_speeds`)."""

    median_ms: dict[str, float]
    frames: int
    warmup: int
    sequence: str
    device: str
    threads: int
    fast: str | None = None
    seconds: float = 0.0
    #: each tracker's fastest timed frame (less sensitive to other load than the median; in the speed CSV)
    best_ms: dict[str, float] = field(default_factory=dict)

    @property
    def fps(self) -> dict[str, float]:
        return {name: 1000.0 / ms for name, ms in self.median_ms.items() if ms > 0}

    def note(self) -> str:
        mode = f"--fast {self.fast}" if self.fast else "plain inference"
        return (f"Speed: 1 / median time of one tracker update over the same {self.frames} frames of "
                f"sequence {self.sequence} (after {self.warmup} warm-up frames), all variants measured in one "
                f"process after training and evaluation, interleaved frame by frame; seed-0 weights, "
                f"{self.device}, {self.threads} torch thread(s), {mode}.")


@dataclass
class AblationResult:
    """All columns (``rows``: one :class:`VariantResult` per variant), the main metric's name (``SUC``,
    ``EAO`` or GOT-10k's ``AO``), the paired ``comparisons``, the ``speed`` measurement and every path written."""

    dataset: str
    metric_name: str
    rows: list[VariantResult]
    paths: list[Path] = field(default_factory=list)
    report: object = None
    protocol: str = "ope"
    seeds: int = 1
    sequences: list[str] = field(default_factory=list)
    comparisons: list[Comparison] = field(default_factory=list)
    speed: SpeedMeasurement | None = None
    eao_interval: tuple[int, int] | None = None
    #: sequence -> its attribute codes (for the per-attribute breakdown); attribute code -> meaning
    attributes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    attribute_names: dict[str, str] = field(default_factory=dict)
    breakdown: list = field(default_factory=list)  # AttributeRow, see attribute_breakdown
    #: the scorer's headline columns (``ScoreReport.columns``; GOT-10k: ao, sr50, sr75) and main metric
    score_columns: tuple[str, ...] = ()
    main_metric: str | None = None

    @property
    def family(self) -> str:
        """``ope``, ``got10k`` (a one-pass run scored with GOT-10k's AO/SR) or ``vot`` (the scoring family)."""
        if self.protocol != "ope":
            return "vot"
        return "got10k" if "ao" in self.score_columns else "ope"

    @property
    def metric_key(self) -> str:
        """The main metric: the scorer's (``ScoreReport.main_metric``) when it is one of the family's table
        rows (:data:`METRIC_ROWS`), else the family's (:data:`MAIN_METRICS`)."""
        rows = {key for key, _, _ in METRIC_ROWS[self.family]}
        return self.main_metric if self.main_metric in rows else MAIN_METRICS[self.family]

    @property
    def plot_prefix(self) -> str:
        """``ablation``, or ``ablation_<protocol>`` when the protocol is not the dataset's default (a
        ``--protocol baseline`` study of the synthetic benchmark keeps its OPE study's files)."""
        from crpnbench.data.catalog import benchmark_info

        default = benchmark_info(self.dataset).default_protocol
        return "ablation" if self.protocol == default else f"ablation_{self.protocol}"

    @property
    def table_stem(self) -> str:
        """``ablation_<dataset>`` or ``ablation_<dataset>_<protocol>`` (see :attr:`plot_prefix`)."""
        suffix = self.plot_prefix[len("ablation"):]
        return f"ablation_{self.dataset}{suffix}"


# ----------------------------------------------------------------------------- default steps

def checkpoint_state(path: str | Path) -> dict | None:
    """What a run's checkpoint records: ``epoch`` (done), ``epochs_planned`` and the training ``seed``;
    None when there is no checkpoint."""
    path = Path(path)
    if not path.is_file():
        return None
    from crpnbench.models.checkpoint import load_checkpoint

    state = load_checkpoint(path)
    settings = state.get("train_settings") or {}
    return {"epoch": state.get("epoch"), "epochs_planned": state.get("epochs_planned"), "seed": settings.get("seed")}


def training_action(state: dict | None, settings, *, retrain: bool = False, checkpoint: Path | str = "model.pt") -> str:
    """``train``, ``resume`` or ``reuse`` for a run planned with ``settings`` whose checkpoint records
    ``state`` (:func:`checkpoint_state`); a checkpoint of another schedule or seed is a ConfigError."""
    if retrain or state is None:
        return "train"
    epoch, planned, seed = state.get("epoch"), state.get("epochs_planned"), state.get("seed")
    wanted = int(settings.epochs)
    if epoch is None:
        raise ConfigError(f"{checkpoint}: not a training checkpoint (no epoch count); the ablation trains its own "
                          "runs: pass --retrain to train this one, or another --out")
    if seed is not None and int(seed) != int(settings.seed):
        raise ConfigError(f"{checkpoint}: trained with seed {seed}, this run plans seed {settings.seed}: pass "
                          "--retrain to train it again, or another --out")
    if int(epoch) == wanted and (planned is None or int(planned) == wanted):
        return "reuse"
    if int(epoch) < wanted and planned is not None and int(planned) == wanted:
        return "resume"
    have = f"{epoch}" + ("" if planned is None else f" of {planned} planned")
    raise ConfigError(f"{checkpoint}: trained {have} epoch(s), the ablation plans {wanted}: pass --epochs "
                      f"{planned or epoch} to use it, --retrain to train it again, or another --out")


def train_variant(config, settings, *, run_dir: Path, resume: bool, training_data: Callable[[], object],
                  progress: bool = True) -> Path:
    """Train ``config`` with ``settings`` into ``run_dir`` (``resume``: continue from its ``model.pt``) on
    the sequences ``training_data()`` returns; return the checkpoint."""
    from crpnbench.training.trainer import train

    result = train(config, training_data(), settings, run_dir, resume=resume, progress=progress,
                   checkpoint_name=Path(config.checkpoint_path).name)
    return Path(result.checkpoint)


def evaluate_variants(benchmark, configs: Sequence, *, protocol: str | None, results_root: Path, device: str,
                      workers: int = 1, progress: bool = True, fast: str | None = None,
                      redo: Iterable[str] = ()) -> dict:
    """Run every configured tracker over ``benchmark`` with :func:`crpnbench.evaluation.evaluate`
    (resumable: complete sequences are skipped, except for the trackers named in ``redo``, whose
    sequences all run again); returns tracker name -> its :class:`~crpnbench.evaluation.runner.TrackerRun`."""
    from crpnbench.evaluation import evaluate
    from crpnbench.protocols import default_protocol
    from crpnbench.tracking.spec import TrackerSpec

    redo = set(redo)
    specs = [TrackerSpec.of(c, device=device, fast=fast) for c in configs]
    runs = {}
    groups = (([s for s in specs if s.name not in redo], False), ([s for s in specs if s.name in redo], True))
    for group, force in groups:
        if group:
            summary = evaluate(benchmark, group, protocol or default_protocol(benchmark.name), results_root,
                               workers=workers, device=device, progress=progress, force=force)
            runs.update({run.tracker: run for run in summary.runs})
    return runs


def score(benchmark, results_dir: Path, trackers: Sequence[str], protocol: str | None = None):
    """Score the runs' raw results with the scoring library (a :class:`~crpnbench.scoring.ScoreReport`)."""
    from crpnbench.scoring import score_results

    return score_results(benchmark, results_dir, protocol=protocol, trackers=list(trackers))


def measure_speeds(specs: Sequence, sequence, *, frames: int = SPEED_FRAMES, warmup: int = SPEED_WARMUP,
                   fast: str | None = None) -> SpeedMeasurement:
    """Per-frame latency of several trackers, measured together: build every tracker (``specs``:
    :class:`~crpnbench.tracking.spec.TrackerSpec`), initialise each on frame 0 of ``sequence``, then
    feed frames 1, 2, ... to all of them in turn, timing each ``update`` (the order rotates every frame,
    so no tracker always runs first). The first ``warmup`` frames are not timed; the result holds each
    tracker's median over ``frames`` timed frames. A short sequence is cycled (frames 1..N-1 again).
    """
    import torch

    if frames < 1:
        raise ConfigError("the speed measurement needs at least one frame")
    started = time.perf_counter()
    trackers = {spec.name: spec.build() for spec in specs}
    steps = warmup + frames
    indices = [1 + r % (len(sequence) - 1) if len(sequence) > 1 else 0 for r in range(steps)]
    images = {i: sequence.frame(i) for i in {0, *indices}}  # decoded before timing: no disk in the loop
    for tracker in trackers.values():
        tracker.init(images[0], sequence.init_box)
    names = list(trackers)
    times: dict[str, list[float]] = {name: [] for name in names}
    for step, index in enumerate(indices):
        shift = step % len(names)
        for name in names[shift:] + names[:shift]:
            start = time.perf_counter()
            trackers[name].update(images[index])
            elapsed = (time.perf_counter() - start) * 1000.0
            if step >= warmup:
                times[name].append(elapsed)
    devices = sorted({str(getattr(spec, "device", "cpu")) for spec in specs}) or ["cpu"]
    return SpeedMeasurement({name: statistics.median(ms) for name, ms in times.items()}, frames, warmup,
                            sequence.name, ", ".join(devices), torch.get_num_threads(), fast,
                            time.perf_counter() - started, {name: min(ms) for name, ms in times.items()})


# ----------------------------------------------------------------------------- the ablation

def default_train_data(dataset: str) -> str:
    """Training data for an evaluation dataset: the generated benchmark's training split; otherwise ask."""
    from crpnbench.data.catalog import benchmark_info

    if benchmark_info(dataset).generated:
        return "synthetic-train"
    raise ConfigError(f"say which data to train the {dataset} ablation on with --train-dataset "
                      "(the paper: LaSOT's training set for LaSOT, VID + YouTube-BB otherwise)")


def training_roots(dataset: str, data_root, train_dataset: str | None, train_data_root) -> list[str] | None:
    """The training data's folders: ``--train-data-root`` when given; otherwise a source kept in the
    benchmark's own folder (synthetic-train beside synthetic, LaSOT's training split) reads
    ``--data-root`` and any other source its default ``datasets/<Folder>``."""
    if train_data_root or data_root is None:
        return list(train_data_root) or None
    from crpnbench.data.survey import dataset_root
    from crpnbench.errors import ConfigError
    from crpnbench.training.sources import default_root, parse_data

    try:
        train_dataset = train_dataset or default_train_data(dataset)
        own = dataset_root(dataset, None)
    except ConfigError:
        return None  # the ablation itself says what is missing, when it needs it
    return [f"{r.label}={data_root if default_root(r.name) == own else default_root(r.name)}"
            for r in parse_data(train_dataset)]


def run_ablation(
    variants: Sequence[Variant],
    *,
    dataset="synthetic",
    data_root: str | Path | None = None,
    train_data: str | None = None,
    train_root: str | Path | None = None,
    epochs: int | None = None,
    pairs_per_epoch: int | None = None,
    seeds: int = 1,
    train_overrides: dict | None = None,
    small: bool = True,
    device: str = "cpu",
    results_root: str | Path = "results",
    trackers_dir: str | Path | None = None,
    retrain: bool = False,
    protocol: str | None = None,
    fast: str | None = None,
    speed_frames: int = SPEED_FRAMES,
    train_fn: Callable = train_variant,
    evaluate_fn: Callable = evaluate_variants,
    score_fn: Callable = score,
    speed_fn: Callable = measure_speeds,
    log: Callable[[str], None] = print,
    workers: int = 1,
    progress: bool = True,
) -> AblationResult:
    """Train (reuse, resume), evaluate and score every (variant, seed) run; measure speed; write tables and plots.

    ``dataset`` is a dataset name or an opened :class:`~crpnbench.data.benchmark.Benchmark`.
    ``seeds``: runs per variant (training seeds, module docstring); ``epochs``, ``pairs_per_epoch`` and
    ``train_overrides`` (other :class:`~crpnbench.training.trainer.TrainSettings` keys) go over the
    layered training settings. Checkpoints go to ``<results_root>/runs/<run>/model.pt``, raw results
    to ``<results_root>/raw/<dataset>/<run>/``, tables to ``<results_root>/tables/`` and plots to
    ``<results_root>/plots/<dataset>/``. ``protocol``: ``ope``, ``baseline`` or ``realtime`` (default:
    the dataset's); ``fast``: the inference mode of evaluation and speed (``--fast``); ``speed_frames``:
    timed frames per variant (0: no speed row); ``workers``: processes evaluating sequences in
    parallel; ``progress``: progress bars while training and evaluating.
    """
    from crpnbench.data import open_benchmark
    from crpnbench.training.api import resolve_settings

    if not variants:
        raise ConfigError("no ablation variant selected")
    if int(seeds) < 1:
        raise ConfigError(f"--seeds must be at least 1, got {seeds}")
    results_root = Path(results_root)
    if isinstance(dataset, str):
        benchmark = open_benchmark(dataset, root=data_root)
    else:
        benchmark, dataset = dataset, getattr(dataset, "name", "benchmark")
    if train_data is None:
        try:
            train_data = default_train_data(dataset)
        except ConfigError as error:
            missing_data = error  # raised only when some run has to be trained
    cache: dict = {}

    def training_data():
        if train_data is None:
            raise missing_data
        if "data" not in cache:
            from crpnbench.training.api import training_sequences

            cache["data"] = training_sequences(train_data, train_root or data_root)
        return cache["data"]

    # 1. train: every (variant, seed) run, reusing finished checkpoints and resuming interrupted ones
    runs: list[RunResult] = []
    for variant in variants:
        for k in range(int(seeds)):
            config = variant_config(variant, small=small, trackers_dir=trackers_dir, results_root=results_root, seed=k)
            settings = resolve_settings(config, train_data, {"epochs": epochs, "pairs_per_epoch": pairs_per_epoch,
                                                             "device": device, **dict(train_overrides or {})})
            settings = dataclasses.replace(settings, seed=int(settings.seed) + k)
            checkpoint = Path(config.checkpoint_path)
            action = training_action(None if retrain else checkpoint_state(checkpoint), settings, retrain=retrain,
                                     checkpoint=checkpoint)
            run = RunResult(variant, k, config.name, config, int(settings.seed))
            if action == "reuse":
                log(f"{config.name}: reusing {checkpoint} ({settings.epochs} epochs, seed {settings.seed})")
            else:
                verb = "resuming" if action == "resume" else "training"
                log(f"{config.name}: {verb} ({variant.label}, seed {settings.seed}, {settings.epochs} epochs)")
                train_fn(config, settings, run_dir=checkpoint.parent, resume=action == "resume",
                         training_data=training_data, progress=progress)
                run.action = "resumed" if action == "resume" else "trained"
            runs.append(run)

    # 2. evaluate every run on the same sequences (resumable; runs trained just now start over)
    names = [run.name for run in runs]
    log(f"evaluating {len(runs)} run(s) ({len(variants)} variant(s) x {seeds} seed(s)) on {dataset}")
    evaluated = evaluate_fn(benchmark, [run.config for run in runs], protocol=protocol, results_root=results_root,
                            device=device, workers=workers, progress=progress, fast=fast,
                            redo=[run.name for run in runs if run.trained]) or {}
    for name, done in evaluated.items():
        log(f"{name}: {len(done.evaluated)} sequence(s) evaluated, {len(done.skipped)} already complete"
            + (f", {len(done.failed)} failed" if done.failed else ""))

    # 3. score
    report = score_fn(benchmark, results_root / "raw" / dataset, names, protocol=protocol)
    missing = [n for n in names if n not in report.trackers]
    if missing:
        raise ConfigError(f"the scorer returned no result for {', '.join(missing)}")
    for run in runs:
        _read_scores(run, report.trackers[run.name])
    scored_protocol = getattr(report, "protocol", None) or protocol or "ope"

    # 4. speed: every variant in this one process, interleaved on the same frames
    speed = None
    if speed_frames:
        from crpnbench.tracking.spec import TrackerSpec

        first = [run for run in runs if run.seed == 0]
        sequence = benchmark[benchmark.names[0]]
        log(f"measuring speed: {len(first)} variant(s) interleaved on {speed_frames} frames of {sequence.name}")
        speed = speed_fn([TrackerSpec.of(run.config, device=device, fast=fast) for run in first], sequence,
                         frames=speed_frames, fast=fast)

    # 5. columns, comparisons, tables and plots
    fps = speed.fps if speed is not None else {}
    rows = []
    for variant in variants:
        own = [run for run in runs if run.variant == variant]
        result_row = VariantResult(variant, own[0].name, None, _finite(fps.get(own[0].name)),
                                   any(run.trained for run in own), own[0].checkpoint, own)
        rows.append(result_row)
    result = AblationResult(dataset, "SUC", rows, report=report, protocol=scored_protocol, seeds=int(seeds),
                            speed=speed, score_columns=tuple(getattr(report, "columns", ()) or ()),
                            main_metric=getattr(report, "main_metric", None))
    result.metric_name = METRIC_NAMES[result.family]
    for row in rows:
        row.metric = row.mean_std(result.metric_key)[0]
    result.sequences = _common_sequences(runs, PAIRED_METRICS[result.family][0])
    interval = getattr(report.trackers[names[0]], "eao_interval", None)
    result.eao_interval = tuple(interval) if interval is not None else None
    result.comparisons = paired_comparisons(result)
    result.attributes = _sequence_attributes(benchmark, result.sequences)
    result.attribute_names = dict(getattr(benchmark, "attribute_names", None) or {})
    result.breakdown = attribute_breakdown(result)
    result.paths += write_ablation_tables(result, results_root / "tables")
    result.paths += write_ablation_plots(result, results_root / "plots" / dataset)
    return result


def _sequence_attributes(benchmark, names: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Sequence -> its attribute codes (``Sequence.attributes``; empty where the benchmark defines none)."""
    return {name: tuple(getattr(benchmark[name], "attributes", ()) or ()) for name in names}


def _read_scores(run: RunResult, tracker_score) -> None:
    """Copy a run's summary metrics, per-sequence values and success curve from the scorer's TrackerScore."""
    run.metrics = {k: _finite(v) for k, v in dict(tracker_score.metrics).items()}
    table = getattr(tracker_score, "per_sequence", None)
    run.per_sequence = {}
    if table is not None and len(table):
        for column in table.columns:
            if column != "frames":
                run.per_sequence[column] = {str(seq): float(v) for seq, v in table[column].items()}
    run.success_curve = getattr(tracker_score, "success_curve", None)


def _common_sequences(runs: Sequence[RunResult], metric: str) -> list[str]:
    """Sequences every run has a value of ``metric`` for (benchmark order of the first run)."""
    if not runs:
        return []
    names = list(runs[0].per_sequence.get(metric, {}))
    return [n for n in names if all(n in run.per_sequence.get(metric, {}) for run in runs)]


def paired_comparisons(result: AblationResult, *, resamples: int | None = None, seed: int = 0) -> list[Comparison]:
    """Every comparison of :data:`COMPARISONS` whose two variants ran: per paired metric of the protocol,
    the seed-averaged per-sequence difference and its bootstrap interval (:mod:`crpnbench.metrics.paired`)."""
    import numpy as np

    by_key = {row.variant.key: row for row in result.rows}
    out = []
    for table, key, ref in COMPARISONS:
        if key not in by_key or ref not in by_key:
            continue
        for metric in PAIRED_METRICS[result.family]:
            if result.sequences:
                out.append(_compare(table, by_key[key], by_key[ref], metric, result.sequences,
                                    resamples=resamples, seed=seed))
    return out


def _compare(table: str, a: VariantResult, b: VariantResult, metric: str, sequences: Sequence[str], *,
             resamples: int | None = None, seed: int = 0) -> Comparison:
    """``a - b`` on ``metric`` over ``sequences``: the sequence bootstrap of the seed averages, and the
    interval that resamples seeds too."""
    import numpy as np

    from crpnbench.metrics.paired import DEFAULT_RESAMPLES, align, paired_difference, seed_average, two_level_interval

    values_a = np.array([align(run.per_sequence.get(metric, {}), sequences) for run in a.runs])
    values_b = np.array([align(run.per_sequence.get(metric, {}), sequences) for run in b.runs])
    mean_a, mean_b = seed_average(values_a, skip_nan=True), seed_average(values_b, skip_nan=True)
    difference, seed_interval = None, None
    if np.isfinite(mean_a - mean_b).any():
        count = resamples or DEFAULT_RESAMPLES
        difference = paired_difference(mean_a, mean_b, resamples=count, seed=seed)
        if len(a.runs) > 1 or len(b.runs) > 1:
            seed_interval = two_level_interval(values_a, values_b, resamples=count, seed=seed)
    return Comparison(table, a.variant, b.variant, metric, difference, (len(a.runs), len(b.runs)), seed_interval)


# ----------------------------------------------------------------------------- per-attribute breakdown

#: attributes listed first: the challenges the paper credits the cascade with (distractors, i.e. background
#: clutter by similar objects, and scale / aspect change: "C-RPN [...] is more robust to distractors" and
#: its stages refine boxes of changing scale and aspect)
FOCUS_ATTRIBUTES = ("BC", "SV", "DEF", "ARC")


@dataclass
class AttributeRow:
    """One row of the per-attribute breakdown: the sequences having ``attribute`` (``ALL``: every
    sequence), each variant's mean ± std over seeds of its mean per-sequence score on them, and the
    paper's comparisons restricted to them."""

    attribute: str
    label: str
    sequences: list[str]
    scores: dict[str, tuple[float | None, float | None]]  # variant key -> (mean, std) over seeds
    comparisons: list[Comparison]


def attribute_label(code: str, names: dict[str, str] | None = None) -> str:
    """``BC (Distractors ...)``: the code and its meaning (the benchmark's own, else OTB's or LaSOT's)."""
    from crpnbench.reports.plots import attribute_name_table

    known = attribute_name_table(names)
    return f"{code} ({known[code]})" if code in known else code


def attribute_breakdown(result: AblationResult, *, resamples: int | None = None, seed: int = 0,
                        min_sequences: int = 3) -> list[AttributeRow]:
    """Per attribute (those of :data:`FOCUS_ATTRIBUTES` first, then the rest alphabetically; attributes of
    fewer than ``min_sequences`` sequences are left out) and for all sequences: every variant's score and
    the comparisons of the paper whose compared variant is the full model (3 vs 1 stage, NAF vs none,
    FTB vs S and vs M), on the sequences having the attribute. The metric is the protocol's per-sequence
    paired metric (OPE: success AUC)."""
    import numpy as np

    from crpnbench.metrics.paired import align, mean_std

    if not result.sequences:
        return []
    metric = PAIRED_METRICS[result.family][0]
    codes = sorted({code for name in result.sequences for code in result.attributes.get(name, ())})
    ordered = [c for c in FOCUS_ATTRIBUTES if c in codes] + [c for c in codes if c not in FOCUS_ATTRIBUTES]
    groups = [("ALL", "All sequences", list(result.sequences))]
    for code in ordered:
        having = [n for n in result.sequences if code in result.attributes.get(n, ())]
        if len(having) >= min_sequences:
            groups.append((code, attribute_label(code, result.attribute_names), having))
    by_key = {row.variant.key: row for row in result.rows}
    rows = []
    for code, label, names in groups:
        scores = {}
        for row in result.rows:
            per_run = [np.nanmean(align(run.per_sequence.get(metric, {}), names)) for run in row.runs]
            per_run = [float(v) for v in per_run if np.isfinite(v)]
            scores[row.variant.key] = mean_std(per_run) if per_run else (None, None)
        comparisons = [_compare(table, by_key[key], by_key[ref], metric, names, resamples=resamples, seed=seed)
                       for table, key, ref in COMPARISONS if key == "full" and key in by_key and ref in by_key]
        rows.append(AttributeRow(code, label, names, scores, comparisons))
    return rows


def attribute_table(result: AblationResult):
    """The breakdown as a :class:`~crpnbench.reports.tables.Table`: one row per attribute; columns: the
    number of sequences, every variant's mean ± std over seeds, and per comparison the paired difference
    with its 95 % interval over sequences."""
    from crpnbench.reports.tables import Column, Table, interval_cell, mean_std_cell

    breakdown = result.breakdown
    metric = PAIRED_METRICS[result.family][0]
    label = dict((k, text) for k, text, _ in METRIC_ROWS[result.family])[metric]
    columns = [Column("attribute", "Attribute", None, None), Column("sequences", "Seqs", None, None)]
    columns += [Column(r.variant.key, r.variant.label, None, None) for r in result.rows]
    first = breakdown[0].comparisons if breakdown else []
    for c in first:
        columns.append(Column(f"d_{c.reference.key}", f"Δ vs {c.reference.label} (95% CI)", None, None))
    data = []
    for row in breakdown:
        record = {"attribute": row.label, "sequences": str(len(row.sequences))}
        for key, (mean, std) in row.scores.items():
            record[key] = mean_std_cell(mean, std)
        for c in row.comparisons:
            d = c.difference
            record[f"d_{c.reference.key}"] = "n/a" if d is None else interval_cell(d.mean, d.low, d.high)
        data.append(record)
    spread = f"mean ± std over {result.seeds} training seeds" if result.seeds > 1 else "1 training seed"
    caption = (f"{label} per attribute on {result.dataset} ({_protocol_text(result)}; {spread}; "
               f"{len(result.sequences)} sequences)")
    notes = [f"Each cell: a run's mean {metric} over the sequences having the attribute, then mean ± std over "
             f"seeds. Δ columns: C-RPN (three stages, NAF, FTB) minus the named variant, per sequence averaged "
             f"over seeds, mean over the attribute's sequences and its 95% percentile bootstrap interval over "
             f"those sequences (intervals resampling seeds too: the _attributes_detail.csv table, seeds_ci_*)."]
    return Table(columns, data, caption=caption, bold_best=False, notes=notes)


def _attribute_records(result: AblationResult) -> list[dict]:
    records = []
    for row in result.breakdown:
        base = {"attribute": row.attribute, "label": row.label, "sequences": len(row.sequences)}
        for variant_row in result.rows:
            mean, std = row.scores.get(variant_row.variant.key, (None, None))
            records.append({**base, "kind": "score", "variant": variant_row.variant.label, "reference": "",
                            "mean": mean, "std": std, "seeds": len(variant_row.runs)})
        for c in row.comparisons:
            d = c.difference
            records.append({**base, "kind": "difference", "variant": c.variant.label, "reference": c.reference.label,
                            "mean": None if d is None else d.mean, "std": None, "seeds": c.seeds[0],
                            "ci_low": None if d is None else d.low, "ci_high": None if d is None else d.high,
                            "seeds_ci_low": c.seed_interval[0] if c.seed_interval else None,
                            "seeds_ci_high": c.seed_interval[1] if c.seed_interval else None})
    return records


# ----------------------------------------------------------------------------- tables

def _table_rows(result: AblationResult, paper_table: str | None) -> list[VariantResult]:
    if paper_table is None:
        return list(result.rows)
    by_key = {row.variant.key: row for row in result.rows}
    return [by_key[key] for key in TABLE_COLUMNS[paper_table] if key in by_key]


def _protocol_text(result: AblationResult) -> str:
    if result.family == "got10k":
        return "OPE, GOT-10k's AO / SR"
    if result.family == "ope":
        return "OPE"
    interval = f", EAO interval [{result.eao_interval[0]}, {result.eao_interval[1]}]" if result.eao_interval else ""
    return f"VOT {result.protocol}{interval}"


def table_caption(result: AblationResult, paper_table: str | None = None) -> str:
    """``<what the table shows> on <dataset> (<protocol>; mean ± std over N training seeds)``."""
    what = PAPER_TABLES[paper_table][1] if paper_table else "C-RPN ablations"
    spread = f"mean ± std over {result.seeds} training seeds" if result.seeds > 1 else "1 training seed"
    return f"{what} on {result.dataset} ({_protocol_text(result)}; {spread}; {len(result.sequences)} sequences)"


def table_notes(result: AblationResult, comparisons: Sequence[Comparison]) -> list[str]:
    """What the rows mean: the seeds' trackers, the Δ rows, the speed row."""
    notes = []
    if result.seeds > 1:
        example = f" (e.g. {result.rows[0].name}-s1)" if result.rows else ""
        notes.append(f"Seeds 1, 2, ... of a variant are the trackers named like its seed-0 tracker plus \"-s1\", "
                     f"\"-s2\", ...{example}; the seed is the training seed (pair sampling, augmentation, "
                     f"initialisation), the training and test data are the same; ± is the sample standard deviation "
                     f"over the {result.seeds} seeds.")
    differences = [c.difference for c in comparisons if c.difference is not None]
    if differences:
        first = differences[0]
        counts = {d.sequences for d in differences}
        over = (f"mean over {first.sequences} sequences" if len(counts) == 1 else
                "mean over the sequences having both values (counts in the _paired.csv table)")
        notes.append(f"Δ rows: per test sequence, the column's value averaged over its seeds minus the reference's; "
                     f"{over} and its {first.confidence:.0%} percentile bootstrap interval ({first.resamples:,} "
                     f"resamples of the sequences, seed {first.seed}); {result.seeds} seed(s) per variant.")
        if any(c.seed_interval is not None for c in comparisons):
            notes.append("\"seeds resampled too\" rows: the same difference with an interval from a two-level "
                         "bootstrap that resamples the sequences (paired) and each variant's training seeds, so "
                         "it includes the seed-to-seed spread (crpnbench.metrics.paired.two_level_interval).")
    if result.speed is not None:
        notes.append(result.speed.note())
    return notes


def ablation_table(result: AblationResult, paper_table: str | None = None):
    """A :class:`~crpnbench.reports.tables.Table` in the paper's orientation: one column per variant;
    rows: the protocol's metrics (mean ± std over seeds), speed, seeds, the seed-0 tracker, and one
    ``Δ <metric> vs <reference>`` row per reference of the comparisons in this table (the difference
    and its 95 % interval in the compared variant's column, ``ref.`` in the reference's).
    ``paper_table`` ("stages", "naf", "ftb") keeps that table's variants; None: every variant."""
    from crpnbench.reports.tables import Column, Table, interval_cell, mean_std_cell

    rows = _table_rows(result, paper_table)
    columns = [Column("row", "Metric", None, None)] + [Column(r.variant.key, r.variant.label, None, None) for r in rows]
    data = []
    for key, label, decimals in METRIC_ROWS[result.family]:
        if not any(r.values(key) for r in rows):
            continue
        data.append({"row": label, **{r.variant.key: mean_std_cell(*r.mean_std(key), decimals=decimals) for r in rows}})
    if result.speed is not None:
        data.append({"row": "Speed (fps)", **{r.variant.key: "" if r.fps is None else f"{r.fps:.1f}" for r in rows}})
    data.append({"row": "Seeds", **{r.variant.key: str(len(r.runs)) for r in rows}})
    data.append({"row": "Tracker (seed 0)", **{r.variant.key: r.name for r in rows}})
    keys = {r.variant.key for r in rows}
    comparisons = [c for c in result.comparisons if c.variant.key in keys and c.reference.key in keys
                   and (paper_table is None or c.table == paper_table)]
    for metric in PAIRED_METRICS[result.family]:
        references = []
        for c in comparisons:
            if c.metric == metric and c.reference not in references:
                references.append(c.reference)
        for reference in references:
            name = DELTA_NAMES.get(metric, metric)
            row = {"row": f"Δ {name} vs {reference.label} (95% CI)", reference.key: "ref."}
            for c in comparisons:
                if c.metric == metric and c.reference == reference:
                    d = c.difference
                    row[c.variant.key] = "n/a" if d is None else interval_cell(d.mean, d.low, d.high, decimals=3)
            data.append(row)
            with_seeds = [c for c in comparisons if c.metric == metric and c.reference == reference
                          and c.seed_interval is not None]
            if with_seeds:
                row = {"row": f"Δ {name} vs {reference.label} (95% CI, seeds resampled too)", reference.key: "ref."}
                for c in with_seeds:
                    row[c.variant.key] = interval_cell(c.difference.mean, *c.seed_interval, decimals=3)
                data.append(row)
    return Table(columns, data, caption=table_caption(result, paper_table), bold_best=False,
                 notes=table_notes(result, comparisons))


def write_ablation_tables(result: AblationResult, table_dir: Path) -> list[Path]:
    """``ablation_<dataset>.{csv,md,tex}`` with every variant, one file set per paper table that has at
    least two of its variants run (``ablation_<dataset>_<stages|naf|ftb>``), and the numbers behind them:
    ``ablation_<dataset>_runs.csv`` (every run's scores), ``_paired.csv`` (every comparison) and
    ``_speed.csv`` (the latency measurement)."""
    from crpnbench.reports.tables import write_table

    stem = result.table_stem
    paths = write_table(ablation_table(result), table_dir, stem)
    for key, (suffix, _) in PAPER_TABLES.items():
        if len(_table_rows(result, key)) >= 2:
            paths += write_table(ablation_table(result, key), table_dir, f"{stem}_{suffix}")
    paths.append(_write_csv(table_dir / f"{stem}_runs.csv", _run_records(result)))
    if result.comparisons:
        paths.append(_write_csv(table_dir / f"{stem}_paired.csv", [
            {"table": c.table, "metric": c.metric, "variant": c.variant.label, "reference": c.reference.label,
             **(c.difference.to_dict() if c.difference is not None else dict.fromkeys(_PAIRED_FIELDS)),
             "seeds_variant": c.seeds[0], "seeds_reference": c.seeds[1],
             "seeds_ci_low": c.seed_interval[0] if c.seed_interval else None,
             "seeds_ci_high": c.seed_interval[1] if c.seed_interval else None}
            for c in result.comparisons]))
    if len(result.breakdown) > 1:
        paths += write_table(attribute_table(result), table_dir, f"{stem}_attributes")
        paths.append(_write_csv(table_dir / f"{stem}_attributes_detail.csv", _attribute_records(result)))
    if result.speed is not None:
        s = result.speed
        names = {r.name: r for r in result.rows}
        paths.append(_write_csv(table_dir / f"{stem}_speed.csv", [
            {"variant": names[n].variant.label if n in names else "", "tracker": n, "median_ms": ms,
             "best_ms": s.best_ms.get(n), "fps": 1000.0 / ms if ms > 0 else None, "frames": s.frames,
             "warmup": s.warmup, "sequence": s.sequence, "device": s.device, "threads": s.threads,
             "fast": s.fast or ""} for n, ms in s.median_ms.items()]))
    return paths


_PAIRED_FIELDS = ("mean_difference", "ci_low", "ci_high", "sequences", "resamples", "confidence", "bootstrap_seed")


def _run_records(result: AblationResult) -> list[dict]:
    keys = [key for key, _, _ in METRIC_ROWS[result.family]]
    if result.family == "vot":
        keys.insert(2, "failures")
    records = []
    for row in result.rows:
        for run in row.runs:
            records.append({"variant": row.variant.label, "tracker": run.name, "seed": run.seed,
                            "train_seed": run.train_seed, "training": run.action,
                            **{key: run.metrics.get(key) for key in keys}})
    return records


def _write_csv(path: Path, records: list[dict]) -> Path:
    from crpnbench.atomic import write_text_atomic

    buffer = io.StringIO()
    fields = list(dict.fromkeys(key for record in records for key in record))
    writer = csv.DictWriter(buffer, fieldnames=fields, restval="", lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow({k: (f"{v:.6g}" if isinstance(v, float) else ("" if v is None else v))
                         for k, v in record.items()})
    return write_text_atomic(path, buffer.getvalue())


# ----------------------------------------------------------------------------- plots

def write_ablation_plots(result: AblationResult, plot_dir: Path) -> list[Path]:
    """One plot per table, PNG + PDF under ``plot_dir``: for the table of every variant the seed-averaged
    success curves (``ablation_success``; VOT: ``ablation_eao``, the EAO rank of the seed means), and per
    paper table the main metric of each variant, every seed as a dot beside the mean ± std (marker and
    whiskers; ``ablation_<stages|naf|ftb>``)."""
    import numpy as np

    from crpnbench.reports import plots

    paths = []
    if result.family == "vot":
        eao = {r.variant.label: r.metric for r in result.rows if r.metric is not None}
        if eao:
            paths += plots.save_plot(plots.eao_rank_plot(eao, title=table_caption(result), stem=f"{result.plot_prefix}_eao"),
                                     plot_dir)
    else:
        curves, scores = {}, {}
        for row in result.rows:
            own = [np.asarray(run.success_curve, dtype=float) for run in row.runs if run.success_curve is not None]
            if own:
                curves[row.variant.label] = np.mean(own, axis=0)
                mean = float(np.mean(curves[row.variant.label]))
                scores[row.variant.label] = row.metric if row.metric is not None else mean
        if curves:  # GOT-10k: its 101-point success curve, AO in the legend
            thresholds = np.linspace(0.0, 1.0, next(iter(curves.values())).size)
            paths += plots.save_plot(plots.success_plot(curves, scores, thresholds=thresholds,
                                                        title=table_caption(result),
                                                        stem=f"{result.plot_prefix}_success"), plot_dir)
    for key, (suffix, _) in PAPER_TABLES.items():
        rows = _table_rows(result, key)
        if len(rows) >= 2:
            paths += plots.save_plot(seed_spread_plot(result, rows, key, stem=f"{result.plot_prefix}_{suffix}"), plot_dir)
    if len(result.breakdown) > 1:
        paths += plots.save_plot(attribute_plot(result), plot_dir)
    return paths


def attribute_plot(result: AblationResult):
    """Per attribute (x) every variant's mean score over seeds (marker) with its std (whiskers), the
    variants side by side with distinct markers; the number of sequences under each group
    (``ablation_attributes``). Markers, not bars: the y axis does not start at 0."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from crpnbench.reports import plots

    metric = PAIRED_METRICS[result.family][0]
    label = dict((k, text) for k, text, _ in METRIC_ROWS[result.family])[metric]
    groups, variants = result.breakdown, result.rows
    width = 0.8 / max(len(variants), 1)
    figure = Figure(figsize=(max(6.0, 1.1 * len(groups) + 2.5), 4.2), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    markers = ("o", "s", "^", "D", "v", "P", "X", "*")
    entries = []
    for i, row in enumerate(variants):
        style = plots.line_style(i)
        x = np.arange(len(groups)) + (i - (len(variants) - 1) / 2) * width
        means = [g.scores.get(row.variant.key, (None, None))[0] for g in groups]
        stds = [g.scores.get(row.variant.key, (None, None))[1] for g in groups]
        heights = [np.nan if m is None else m for m in means]
        axes.errorbar(x, heights, yerr=[0.0 if s is None else s for s in stds], fmt=markers[i % len(markers)],
                      markersize=6, capsize=3, color=style["color"], linewidth=1.2, label=row.variant.label)
        overall = groups[0].scores.get(row.variant.key, (None, None))[0]
        entries.append(plots.LegendEntry(row.variant.label, float("nan") if overall is None else overall,
                                         row.variant.label))
    for boundary in np.arange(len(groups) - 1) + 0.5:
        axes.axvline(boundary, color="0.85", linewidth=0.6)
    axes.set_xticks(range(len(groups)))
    axes.set_xticklabels([f"{g.attribute}\n({len(g.sequences)})" for g in groups], fontsize=8)
    axes.set_ylabel(f"{label} (mean ± std over seeds)")
    axes.set_xlabel("attribute (number of sequences)")
    axes.set_xlim(-0.5, len(groups) - 0.5)
    axes.legend(fontsize=7, ncol=min(3, len(variants)), loc="upper center", bbox_to_anchor=(0.5, -0.2),
                frameon=False)
    spread = f"mean ± std over {result.seeds} training seeds" if result.seeds > 1 else "1 training seed"
    axes.set_title(f"Per-attribute {label} on {result.dataset} ({spread})", fontsize=9)
    axes.grid(True, axis="y", color="0.88", linewidth=0.6)
    axes.set_axisbelow(True)
    return plots.Plot(figure, axes, entries, f"{result.plot_prefix}_attributes")


def seed_spread_plot(result: AblationResult, rows: Sequence[VariantResult], paper_table: str | None, stem: str):
    """The main metric per variant: every seed's value as a dot, the mean ± std as a marker with whiskers
    (a :class:`~crpnbench.reports.plots.Plot`; legend entries: variant, mean)."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from crpnbench.reports import plots

    label = dict((k, text) for k, text, _ in METRIC_ROWS[result.family])[result.metric_key]
    figure = Figure(figsize=(1.6 + 1.5 * len(rows), 3.8), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    entries = []
    for i, row in enumerate(rows):
        values = row.values(result.metric_key)
        if not values:
            continue
        mean, std = row.mean_std(result.metric_key)
        style = plots.line_style(i)
        axes.errorbar([i], [mean], yerr=[std or 0.0], fmt="s", markersize=8, capsize=6, color=style["color"],
                      linewidth=1.5, zorder=3)
        offsets = np.linspace(-0.12, 0.12, len(values)) if len(values) > 1 else np.zeros(1)
        axes.scatter(i + 0.25 + offsets, values, s=16, color=style["color"], alpha=0.6, zorder=2)
        text = f"{mean:.3f}" + ("" if std is None else f" ± {std:.3f}")
        entries.append(plots.LegendEntry(row.variant.label, float(mean), text))
        axes.annotate(text, (i, mean), textcoords="offset points", xytext=(-10, 0), ha="right", va="center",
                      fontsize=8)
    axes.set_xticks(range(len(rows)))
    axes.set_xticklabels([r.variant.label for r in rows], fontsize=8)
    axes.set_xlim(-0.8, len(rows) - 0.4)
    axes.set_ylabel(f"{label} (mean ± std; dots: seeds)")
    axes.set_title(table_caption(result, paper_table), fontsize=9, wrap=True)
    axes.grid(True, axis="y", color="0.88", linewidth=0.6)
    axes.set_axisbelow(True)
    return plots.Plot(figure, axes, entries, stem)


def _finite(value):
    if value is None:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None
