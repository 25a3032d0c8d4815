"""The scoring conventions the official toolkits disagree on, as one frozen dataclass.

Presets:

* ``official`` (default) — what the benchmark's reference numbers are computed with:
  OTB = pysot-toolkit rules (the published OTB-2015 numbers, e.g. DaSiamRPN 0.658/0.880), except a
  result file shorter or longer than the sequence: scored over the frames it covers / cut, with a note
  naming the file, as the OTB toolkit does (``length_mismatch="min"``; pysot stops there);
  LaSOT/TrackingNet = the LaSOT MATLAB toolkit (absent frames out of the numerator, kept in the
  denominator; frame 1 := GT; invalid predictions := previous box; results truncated to GT length);
  VOT = vot-toolkit analysis (failure in the last 5 frames is a failed segment,
  EAO interval ``curve[low:high+1]``, accuracy pooled over scored frames; repetitions as the MATLAB
  VOT toolkit 2016-2018 averages them, reading stopped after three identical runs) with ``region.c``'s
  per-frame overlap (``polygon_overlap="pixel"``, as the MATLAB toolkit and pysot); vot-toolkit >= 0.5
  rasterises differently: ``official:polygon_overlap=vot_toolkit`` is its overlap exactly.
* ``pysot`` — pysot-toolkit everywhere (VOT: pixel overlap, ``curve[low-1:high]``, a failure in the
  last 5 frames starts no fragment, accuracy pooled over frames; every repetition file read, EAO
  fragments weighted by the last sequence's repetition count).
* ``vot-toolkit`` — VOT as the Python vot-toolkit 0.9 analyses it: its rasteriser's overlap
  (``polygon_overlap="vot_toolkit"``), per-sequence accuracy weighted by sequence length
  (``accuracy_pooling="sequences_weighted"``), repetitions averaged per run (``repetition_accuracy=
  "run_mean"``) and every EAO fragment weighted 1 (``repetition_weights="run"``). On refdata's published
  DaSiamRPN VOT2018 results it gives vot-toolkit 0.9's A 0.586 / EAO 0.372. Other benchmarks: ``official``.
* ``got10k`` — got10k's ExperimentOTB/ExperimentLaSOT (``linspace`` grid, denominator = frames with
  finite GT, first frame := GT, normalized error divided by ``max(1, gt size)``).

Use :func:`resolve_convention` to get the preset for a dataset.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import numpy as np

from crpnbench.errors import ConfigError

PRESETS = ("official", "pysot", "got10k", "vot-toolkit")


@dataclass(frozen=True)
class ScoringConvention:
    """Every scoring choice on which pysot, got10k and the official toolkits differ.

    OPE options:
        threshold_grid: ``"arange"`` (pysot ``np.arange(0, 1.05, 0.05)``) or ``"linspace"``
            (got10k ``np.linspace(0, 1, 21)``); both give 21 thresholds 0..1.
        iou_comparison: ``">"`` (every toolkit: success iff IoU > thr) or ``">="``.
        denominator: ``"all"`` (all GT frames, pysot/LaSOT/OTB) or ``"valid"`` (only frames whose
            GT is valid and, with absent handling ``"drop"``, present — got10k).
        gt_valid: rule for a usable GT row: ``"wh_positive"`` (pysot: w>0 and h>0),
            ``"all_positive"`` (OTB/LaSOT MATLAB: all four values > 0), ``"finite"`` (got10k: no NaN).
        precision_gt_valid: rule for a usable GT row in the (normalized) precision: ``"center_positive"``
            (pysot: both GT centre coordinates > 0) or ``"same"`` (the ``gt_valid`` rule).
        invalid_gt_precision: for a frame with invalid GT (still in the denominator),
            ``"hit"`` — counted as within every distance threshold (the toolkits store error -1 and
            test ``err <= thr``) — or ``"miss"``.
        absent: ``"ignore"`` (absent flags not used), ``"numerator"`` (LaSOT: absent frames cannot
            count as hits but stay in the denominator), ``"drop"`` (left out of both).
        first_frame: ``"as_is"`` (pysot scores line 1 as written) or ``"gt"`` (replaced by the GT box).
        invalid_prediction: ``"keep"`` or ``"previous"`` (LaSOT toolkit: a NaN or w<=0 or h<=0 box
            is replaced by the previous frame's box).
        length_mismatch: what a result file with more or fewer lines than the sequence has frames gets
            (every cut or short file is a note naming it): ``"error"`` (DataError naming the file and
            line; pysot and got10k 0.1.3 stop too, with an IndexError / assert), ``"truncate"``
            (longer results cut to the GT length as the LaSOT toolkit does; shorter still an error) or
            ``"min"`` (the OTB MATLAB toolkit's rule: a shorter result is scored over the frames it
            covers, the annotation sliced to its length, e.g. MDNet's published Board/Twinnings files
            one line short; a longer one is cut to the GT length).
        norm_precision: ``"gt_size"`` (LaSOT/pysot) or ``"gt_size_min1"`` (got10k) — see
            :func:`crpnbench.metrics.overlap.normalized_center_error`.

    VOT options:
        polygon_overlap: the per-frame overlap rule, named by its source: ``"pixel"`` (``region.c``'s
            rasteriser: the VOT MATLAB toolkit 2016-2018, trax and pysot's C extension; real-valued
            corners, crossings truncated per row), ``"vot_toolkit"`` (vot-toolkit >= 0.5's Python
            rasteriser, reproduced for 0.9: corners rounded to whole pixels, polygons filled with both
            ends included, 4-value rectangles as ``round(w) x round(h)`` pixels; with
            ``image_bounds="size_minus_one"`` it equals vot-toolkit 0.9's ``calculate_overlap``,
            :mod:`crpnbench.metrics.overlap_vot_toolkit`) or ``"exact"`` (shapely geometry).
        image_bounds: clipping window for overlaps: ``"size_minus_one"`` ([0, W-1] x [0, H-1], pysot
            passes ``(width-1, height-1)``), ``"size"`` ([0, W] x [0, H]) or ``"none"``.
        rectangle_pairs: with pixel overlap, a GT rectangle (4-value row, e.g. VOT2018 conduction1)
            against a box: ``"raster"`` (pysot's region.pyx turns both into polygons) or ``"analytic"``
            (trax ``region_compute_overlap``'s rectangle-rectangle path: continuous IoU after clipping).
        burnin: frames after each (re)initialisation (the init frame included) left out of accuracy.
        skipping: frames skipped after a failure before re-initialisation (5).
        last_frames_failure: ``"no_fragment"`` (pysot: a failure whose re-init would fall past the
            sequence end starts no new fragment and its fragment is not zero-filled) or
            ``"failed_segment"`` (vot-toolkit: it ends a failed, zero-filled segment).
        eao_indexing: ``"pysot"`` (EAO = mean of ``curve[low-1:high]``) or ``"vot"``
            (``curve[low:high+1]``).
        accuracy_pooling: ``"frames"`` (nanmean over all scored frames of all sequences: pysot, and
            the vot-toolkit's per-sequence means weighted by their number of scored frames, which is the
            same number) or ``"sequences_weighted"`` (per-sequence means weighted by sequence length).
        vot_length_mismatch: ``"error"`` or ``"truncate"`` (pysot ``min_len``: overlaps and failures
            use the shorter of result and GT).

    VOT repetitions (``<seq>_001.txt`` ... ``<seq>_015.txt``; rules in
    :mod:`crpnbench.metrics.vot_repetitions`):
        repetition_read: ``"deterministic_stop"`` (VOT MATLAB toolkit ``collect_segments`` /
            ``is_deterministic``: when ``_001`` to ``_003`` are identical the tracker is deterministic and
            later files are not read) or ``"all"`` (pysot: every repetition file found).
        repetition_accuracy: ``"frame_mean"`` (VOT MATLAB toolkit and pysot: each frame's overlap
            averaged over the repetitions, then pooled) or ``"run_mean"`` (vot-toolkit Python
            ``AccuracyRobustness``: a sequence's accuracy is the mean of its repetitions' accuracies).
        repetition_weights: weight of each EAO fragment of a sequence with ``R`` repetitions:
            ``"sequence"`` (VOT MATLAB toolkit: ``1 / R`` of that sequence, so every sequence weighs the
            same), ``"last_sequence"`` (pysot ``EAOBenchmark``: ``1 / R`` of the last sequence read, for
            every fragment) or ``"run"`` (vot-toolkit Python ``EAOCurve``: 1 per fragment).

    VOT unsupervised experiment (average overlap, :func:`crpnbench.metrics.vot_repetitions.average_overlap`):
        ao_rule: ``"legacy"`` (VOT MATLAB toolkit ``analyze_overlap`` with the VOT2018 stack's burn-in 0:
            every frame counts, a frame without a region — the initialisation frame — counts 0, pooled
            over all frames) or ``"vot-python"`` (vot-toolkit Python ``AverageAccuracy`` defaults:
            10 frames from the initialisation left out, per-sequence means weighted by sequence length).
    """

    name: str = "official"
    threshold_grid: str = "arange"
    iou_comparison: str = ">"
    denominator: str = "all"
    gt_valid: str = "wh_positive"
    precision_gt_valid: str = "center_positive"
    invalid_gt_precision: str = "hit"
    absent: str = "ignore"
    first_frame: str = "as_is"
    invalid_prediction: str = "keep"
    length_mismatch: str = "error"
    norm_precision: str = "gt_size"
    polygon_overlap: str = "pixel"
    image_bounds: str = "size_minus_one"
    rectangle_pairs: str = "raster"
    burnin: int = 10
    skipping: int = 5
    last_frames_failure: str = "failed_segment"
    eao_indexing: str = "vot"
    accuracy_pooling: str = "frames"
    vot_length_mismatch: str = "truncate"
    repetition_read: str = "deterministic_stop"
    repetition_accuracy: str = "frame_mean"
    repetition_weights: str = "sequence"
    ao_rule: str = "legacy"

    _CHOICES = {
        "threshold_grid": ("arange", "linspace"),
        "iou_comparison": (">", ">="),
        "denominator": ("all", "valid"),
        "gt_valid": ("wh_positive", "all_positive", "finite"),
        "precision_gt_valid": ("center_positive", "same"),
        "invalid_gt_precision": ("hit", "miss"),
        "absent": ("ignore", "numerator", "drop"),
        "first_frame": ("as_is", "gt"),
        "invalid_prediction": ("keep", "previous"),
        "length_mismatch": ("error", "truncate", "min"),
        "norm_precision": ("gt_size", "gt_size_min1"),
        "polygon_overlap": ("pixel", "vot_toolkit", "exact"),
        "image_bounds": ("size_minus_one", "size", "none"),
        "rectangle_pairs": ("raster", "analytic"),
        "last_frames_failure": ("no_fragment", "failed_segment"),
        "eao_indexing": ("pysot", "vot"),
        "accuracy_pooling": ("frames", "sequences_weighted"),
        "vot_length_mismatch": ("error", "truncate"),
        "repetition_read": ("deterministic_stop", "all"),
        "repetition_accuracy": ("frame_mean", "run_mean"),
        "repetition_weights": ("sequence", "last_sequence", "run"),
        "ao_rule": ("legacy", "vot-python"),
    }

    def __post_init__(self) -> None:
        for field_name, allowed in self._CHOICES.items():
            value = getattr(self, field_name)
            if value not in allowed:
                raise ConfigError(
                    f"scoring convention option {field_name}={value!r}; choose one of {', '.join(allowed)}"
                )
        if self.burnin < 0 or self.skipping < 1:
            raise ConfigError("scoring convention needs burnin >= 0 and skipping >= 1")

    # ------------------------------------------------------------------ grids
    def iou_thresholds(self) -> np.ndarray:
        """The 21 success-plot thresholds 0, 0.05, ..., 1 as the chosen toolkit builds them."""
        if self.threshold_grid == "arange":
            return np.arange(0, 1.05, 0.05)
        return np.linspace(0, 1, 21)

    @staticmethod
    def distance_thresholds() -> np.ndarray:
        """Precision-plot thresholds 0..50 px (51 values; the score is the value at 20 px)."""
        return np.arange(0, 51, 1, dtype=np.float64)

    @staticmethod
    def norm_distance_thresholds() -> np.ndarray:
        """Normalized-precision thresholds 0..0.5 step 0.01 (score at 0.20, index 20)."""
        return np.arange(0, 51, 1, dtype=np.float64) / 100.0

    def describe(self) -> dict:
        """Plain dict of every option (for JSON reports and CSV headers)."""
        return {k: v for k, v in asdict(self).items()}


def _preset(name: str, family: str) -> ScoringConvention:
    """Options of preset ``name`` for a benchmark ``family`` (``otb``, ``lasot``, ``vot``, ``other``)."""
    if name == "got10k":
        return ScoringConvention(
            name="got10k", threshold_grid="linspace", denominator="valid", gt_valid="finite",
            precision_gt_valid="same",
            invalid_gt_precision="miss", absent="drop" if family == "lasot" else "ignore",
            first_frame="gt", invalid_prediction="keep", length_mismatch="error",
            norm_precision="gt_size_min1",
            # got10k has no VOT supervised analysis of its own; keep pysot's there
            polygon_overlap="pixel", last_frames_failure="no_fragment", eao_indexing="pysot",
            accuracy_pooling="frames", repetition_read="all", repetition_weights="last_sequence",
        )
    if name == "pysot":
        return ScoringConvention(
            name="pysot", absent="numerator" if family == "lasot" else "ignore",
            length_mismatch="truncate" if family == "lasot" else "error",
            polygon_overlap="pixel", last_frames_failure="no_fragment", eao_indexing="pysot",
            accuracy_pooling="frames", repetition_read="all", repetition_weights="last_sequence",
        )
    if name == "vot-toolkit":
        if family != "vot":
            return replace(_preset("official", family), name="vot-toolkit")
        return ScoringConvention(name="vot-toolkit", polygon_overlap="vot_toolkit",
                                 accuracy_pooling="sequences_weighted", repetition_accuracy="run_mean",
                                 repetition_weights="run")
    if name == "official":
        if family == "lasot":
            return ScoringConvention(
                name="official", gt_valid="all_positive", precision_gt_valid="same", absent="numerator", first_frame="gt",
                invalid_prediction="previous", length_mismatch="truncate",
            )
        if family == "otb":
            return ScoringConvention(name="official", length_mismatch="min")
        return ScoringConvention(name="official")
    raise ConfigError(f"unknown scoring convention {name!r}; choose one of {', '.join(PRESETS)}")


def dataset_family(dataset: str | None) -> str:
    """``otb``, ``vot``, ``lasot`` (LaSOT, TrackingNet, GOT-10k, synthetic) or ``other``: the family
    :data:`crpnbench.data.catalog.BENCHMARKS` declares for ``dataset``."""
    from crpnbench.data.catalog import benchmark_info

    return benchmark_info(dataset).family


def parse_convention_spec(spec: str) -> tuple[str, dict]:
    """``"official:length_mismatch=error,burnin=5"`` -> ``("official", {"length_mismatch": "error",
    "burnin": 5})``: a preset name and options that override it (``--convention`` accepts this form)."""
    name, _, rest = str(spec).partition(":")
    overrides: dict = {}
    fields = {f for f in ScoringConvention.__dataclass_fields__ if f != "name" and not f.startswith("_")}
    for item in filter(None, (part.strip() for part in rest.split(","))):
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or key not in fields:
            raise ConfigError(f"bad scoring convention option {item!r} in {spec!r}: expected OPTION=VALUE with OPTION "
                              f"one of {', '.join(sorted(fields))}")
        if key in ("burnin", "skipping"):
            try:
                value = int(value)
            except ValueError:
                raise ConfigError(f"scoring convention option {key} must be an integer, not {value!r}") from None
        overrides[key] = value
    return name.strip(), overrides


def resolve_convention(convention: str | ScoringConvention = "official", dataset: str | None = None,
                       **overrides) -> ScoringConvention:
    """A :class:`ScoringConvention` from a preset name (for ``dataset``) or an instance, plus overrides.

    A name may carry overrides itself: ``"official:length_mismatch=error"`` is the official preset with
    the strict length rule (see :func:`parse_convention_spec`)."""
    if isinstance(convention, ScoringConvention):
        conv = convention
    else:
        name, spec_overrides = parse_convention_spec(str(convention))
        conv = _preset(name, dataset_family(dataset))
        if spec_overrides:  # the name says what was changed (summary.csv, --json)
            conv = replace(conv, name=str(convention).strip(), **spec_overrides)
    return replace(conv, **overrides) if overrides else conv
