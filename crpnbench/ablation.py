"""The paper's ablations (Tables 4-6): train and evaluate each C-RPN variant, tabulate metric and fps.

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

:func:`run_ablation` trains each variant with :func:`crpnbench.training.trainer.train` (reusing an
existing checkpoint), evaluates it with :func:`crpnbench.evaluation.evaluate`, scores all of them
with :func:`crpnbench.scoring.score_results`, and writes the Table 4/5/6 layout (variant, main
metric, fps) as CSV/Markdown/LaTeX plus a combined success (or EAO) plot. The three steps are
parameters (``train_variant``, ``evaluate_variants``, ``score``) so they can be replaced.
"""

from __future__ import annotations

import math
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

    def name(self, small: bool = True) -> str:
        """Tracker name: ``crpn-small-1stage`` (small) or ``crpn-1stage`` (full); full model ``crpn[-small]``."""
        base = "crpn-small" if small else "crpn"
        return f"{base}-{self.suffix}" if self.suffix else base

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

SMALL_CONFIG = "crpn-small.toml"


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
                   results_root: str | Path = "results"):
    """The :class:`~crpnbench.models.config.CRPNConfig` of a variant, its checkpoint under
    ``<results_root>/runs/<name>/model.pt``. ``trackers_dir`` defaults to ``trackers/`` in the
    working directory, else the one beside the installed package (as ``crpnbench train`` finds it)."""
    from crpnbench.models.config import CRPNConfig

    if trackers_dir is None:
        from crpnbench.training.api import find_tracker_config

        trackers_dir = find_tracker_config("crpn-small" if small else variant.config_file()[:-5]).parent
    trackers_dir = Path(trackers_dir)
    name = variant.name(small)
    checkpoint = str(Path(results_root) / "runs" / name / "model.pt")
    if small:
        overrides = {**dict(variant.overrides), "name": name, "checkpoint": checkpoint}
        return CRPNConfig.from_toml(trackers_dir / SMALL_CONFIG, overrides=overrides)
    return CRPNConfig.from_toml(trackers_dir / variant.config_file(), overrides={"checkpoint": checkpoint})


@dataclass
class VariantResult:
    """One row of the ablation table."""

    variant: Variant
    name: str
    metric: float | None
    fps: float | None
    trained: bool  # False when an existing checkpoint was reused
    checkpoint: Path | None = None


@dataclass
class AblationResult:
    """All rows, the metric's name (``SUC`` or ``EAO``), and every path written."""

    dataset: str
    metric_name: str
    rows: list[VariantResult]
    paths: list[Path] = field(default_factory=list)
    report: object = None


# ----------------------------------------------------------------------------- default steps

def train_variant(config, *, train_data: str, data_root, epochs: int | None, device: str, run_dir: Path,
                  pairs_per_epoch: int | None = None, progress: bool = True) -> Path:
    """Train ``config`` on training set ``train_data`` into ``run_dir`` with the trainer's layered
    settings (the synthetic data's CPU schedule, the config's ``[train]``, then ``epochs``/``device``);
    return the checkpoint."""
    from crpnbench.training.api import resolve_settings, training_sequences
    from crpnbench.training.trainer import train

    sequences = training_sequences(train_data, data_root)
    settings = resolve_settings(config, train_data,
                                {"epochs": epochs, "device": device, "pairs_per_epoch": pairs_per_epoch})
    result = train(config, sequences, settings, run_dir, progress=progress)
    return Path(result.checkpoint)


def evaluate_variants(benchmark, configs: Sequence, *, protocol: str | None, results_root: Path, device: str,
                      workers: int = 1, progress: bool = True) -> dict[str, float | None]:
    """Run every variant over ``benchmark`` with :func:`crpnbench.evaluation.evaluate` (resumable:
    complete sequences are skipped); returns tracker name -> fps measured inside the tracker."""
    from crpnbench.evaluation import evaluate
    from crpnbench.protocols import default_protocol
    from crpnbench.tracking.spec import TrackerSpec

    specs = [TrackerSpec.of(c, device=device) for c in configs]
    summary = evaluate(benchmark, specs, protocol or default_protocol(benchmark.name), results_root,
                       workers=workers, device=device, progress=progress)
    return {run.tracker: (run.speed or {}).get("tracker_fps") for run in summary.runs}


def score(benchmark, results_dir: Path, trackers: Sequence[str]):
    """Score the variants' raw results with the scoring library."""
    from crpnbench.scoring import score_results

    return score_results(benchmark, results_dir, trackers=list(trackers))


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
    small: bool = True,
    device: str = "cpu",
    results_root: str | Path = "results",
    trackers_dir: str | Path | None = None,
    retrain: bool = False,
    protocol: str | None = None,
    train_fn: Callable = train_variant,
    evaluate_fn: Callable = evaluate_variants,
    score_fn: Callable = score,
    log: Callable[[str], None] = print,
    workers: int = 1,
    progress: bool = True,
) -> AblationResult:
    """Train (or reuse), evaluate and score each variant; write tables and the combined plot.

    ``dataset`` is a dataset name or an opened :class:`~crpnbench.data.benchmark.Benchmark`.
    Raw results go to ``<results_root>/raw/<dataset>/<variant>/``, checkpoints to
    ``<results_root>/runs/<variant>/model.pt``, tables to ``<results_root>/tables/`` and the plot to
    ``<results_root>/plots/<dataset>/``. ``workers``: processes evaluating sequences in parallel;
    ``progress``: progress bars while training and evaluating.
    """
    from crpnbench.data import open_benchmark
    from crpnbench.reports.report import tracker_scores

    if not variants:
        raise ConfigError("no ablation variant selected")
    results_root = Path(results_root)
    if isinstance(dataset, str):
        benchmark = open_benchmark(dataset, root=data_root)
    else:
        benchmark, dataset = dataset, getattr(dataset, "name", "benchmark")
    configs = [variant_config(v, small=small, trackers_dir=trackers_dir, results_root=results_root) for v in variants]
    trained = []
    for variant, config in zip(variants, configs):
        checkpoint = config.checkpoint_path
        if checkpoint.is_file() and not retrain:
            log(f"{config.name}: reusing {checkpoint}")
            trained.append(False)
            continue
        log(f"{config.name}: training ({variant.label})")
        train_fn(config, train_data=train_data or default_train_data(dataset), data_root=train_root or data_root,
                 epochs=epochs, device=device, run_dir=checkpoint.parent, pairs_per_epoch=pairs_per_epoch,
                 progress=progress)
        trained.append(True)
    log(f"evaluating {len(configs)} variant(s) on {dataset}")
    speeds = evaluate_fn(benchmark, configs, protocol=protocol, results_root=results_root, device=device,
                         workers=workers, progress=progress) or {}
    names = [c.name for c in configs]
    report = score_fn(benchmark, results_root / "raw" / dataset, names)
    scores = tracker_scores(report)
    missing = [n for n in names if n not in scores]
    if missing:
        raise ConfigError(f"the scorer returned no result for {', '.join(missing)}")
    is_vot = any(scores[n].summary.get("eao") is not None for n in names)
    metric_key, metric_name = ("eao", "EAO") if is_vot else ("success", "SUC")
    rows = [
        VariantResult(v, c.name, scores[c.name].summary.get(metric_key),
                      _finite(speeds.get(c.name)) or scores[c.name].summary.get("fps"), t, c.checkpoint_path)
        for v, c, t in zip(variants, configs, trained)
    ]
    result = AblationResult(dataset, metric_name, rows, report=report)
    result.paths += write_ablation_tables(result, results_root / "tables")
    result.paths += write_ablation_plot(result, scores, results_root / "plots" / dataset)
    return result


def ablation_table(result: AblationResult, paper_table: str | None = None):
    """A :class:`~crpnbench.reports.tables.Table` in the paper's layout: one row per variant with
    the main metric and fps; ``paper_table`` ("stages", "naf", "ftb") keeps that table's rows."""
    from crpnbench.reports.tables import Column, Table

    rows = [r for r in result.rows if paper_table is None or paper_table in r.variant.tables]
    columns = [
        Column("variant", "Variant", None, None),
        Column("tracker", "Tracker", None, None),
        Column("metric", f"{result.metric_name} on {result.dataset}", 3),
        Column("fps", "Speed (fps)", 1),
    ]
    data = [{"variant": r.variant.label, "tracker": r.name, "metric": _finite(r.metric), "fps": _finite(r.fps)}
            for r in rows]
    caption = PAPER_TABLES[paper_table][1] if paper_table else f"C-RPN ablations on {result.dataset}"
    return Table(columns, data, caption=caption)


def write_ablation_tables(result: AblationResult, table_dir: Path) -> list[Path]:
    """``ablation_<dataset>.{csv,md,tex}`` with every variant, plus one file set per paper table
    that has at least two of the variants run."""
    from crpnbench.reports.tables import write_table

    paths = write_table(ablation_table(result), table_dir, f"ablation_{result.dataset}")
    for key, (suffix, _) in PAPER_TABLES.items():
        if sum(key in r.variant.tables for r in result.rows) >= 2:
            paths += write_table(ablation_table(result, key), table_dir, f"ablation_{result.dataset}_{suffix}")
    return paths


def write_ablation_plot(result: AblationResult, scores: dict, plot_dir: Path) -> list[Path]:
    """One success plot (OPE) or EAO rank plot (VOT) with every variant, legend = table metric."""
    from crpnbench.reports import plots

    names = [r.name for r in result.rows]
    if result.metric_name == "EAO":
        plot = plots.eao_rank_plot({n: scores[n].summary["eao"] for n in names},
                                   title=f"C-RPN ablations on {result.dataset} (EAO)", stem="ablation_eao")
    else:
        curves = {n: scores[n].success_curve for n in names if scores[n].success_curve is not None}
        if not curves:
            return []
        plot = plots.success_plot(curves, {n: scores[n].summary["success"] for n in curves},
                                  title=f"C-RPN ablations on {result.dataset}", stem="ablation_success")
    return plots.save_plot(plot, plot_dir)


def _finite(value):
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None
