"""A faster inference path for the C-RPN tracker, selectable per run (``crpnbench eval --fast MODE``).

What the eager :class:`~crpnbench.tracking.crpn_tracker.CRPNTracker` already does (checked, kept):
the template branch runs once per video (``CRPN.template`` caches the correlation kernels, ``track``
only runs the search branch), every call is under ``torch.inference_mode``, and the evaluation
protocols decode frames ahead of the tracker in a background thread
(:class:`crpnbench.prefetch.FramePrefetcher`).

What this module adds, by wrapping the tracker's network in :class:`FastCRPNModel` (the tracker's
own code is unchanged; it only calls ``model.template`` and ``model.track``):

* ``"eager"``: nothing (the reference numbers).
* ``"channels_last"``: the network and its inputs in the channels-last memory format; on CUDA also
  half precision (fp16 weights and crops; the per-stage outputs come back as float32).
* ``"compile"``: ``torch.compile`` of the search branch (template kernels are graph inputs, so a new
  video does not recompile). The first frames of a process pay the compile time.
* ``"auto"``: ``channels_last`` on both devices (with half precision on CUDA). Measured on the
  2-core development CPU with ``benchmarks/bench_inference.py`` (torch 2.13, modes interleaved frame
  by frame, three runs on a shared, loaded machine; speed-up over eager): crpn channels_last
  1.42/1.22/1.01 (geometric mean 1.21), compile 1.66/1.04/1.14 (1.25); crpn-small channels_last
  1.47/1.98/2.00 (1.80), compile 2.05/1.52/1.37 (1.62). Both beat eager; they are about even, and
  channels_last has no warm-up (compile: 4-15 s once per process with a warm inductor cache, about
  30 s cold; new trackers and videos reuse the graph) and needs no C++ compiler, so ``auto`` takes it.
  ``auto`` is opt-in (``--fast auto``). If compilation fails in ``compile`` mode (e.g. no C++
  compiler), the tracker warns once and runs eager.

The default of ``crpnbench eval`` is no ``--fast`` (the plain tracker, same as ``eager``).

Build one with :func:`make_fast_tracker` or configure a built tracker with :func:`apply_fast_mode`;
:class:`FastTrackerFactory` is the picklable factory the evaluation runner uses (worker processes,
Ray tasks).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from crpnbench.errors import ConfigError
from crpnbench.tracking.base import Tracker

#: the selectable modes (``--fast``)
FAST_MODES = ("auto", "eager", "compile", "channels_last")

#: what ``auto`` means on the CPU (measured by benchmarks/bench_inference.py; see the module docstring)
CPU_AUTO_MODE = "channels_last"
#: what ``auto`` means on CUDA: channels_last + fp16 (the standard fast path of conv nets on GPUs)
CUDA_AUTO_MODE = "channels_last"


def resolve_fast_mode(mode: str, device) -> str:
    """The concrete mode (``eager``/``compile``/``channels_last``) ``mode`` means on ``device``."""
    if mode not in FAST_MODES:
        raise ConfigError(f"unknown fast inference mode {mode!r} (one of: {', '.join(FAST_MODES)})")
    if mode != "auto":
        return mode
    return CUDA_AUTO_MODE if str(device).startswith("cuda") else CPU_AUTO_MODE


def _import_torch():
    import torch

    return torch


class FastCRPNModel:
    """Wraps a :class:`~crpnbench.models.crpn.CRPN` with the ``template``/``track`` API of the tracker.

    Args:
        model: the network (already on ``device``, in eval mode).
        mode: ``eager``, ``compile`` or ``channels_last`` (resolve ``auto`` first).
        device: where the model lives; half precision is used only with ``channels_last`` on CUDA.
    """

    def __init__(self, model, mode: str, device):
        torch = _import_torch()
        if mode not in ("eager", "compile", "channels_last"):
            raise ConfigError(f"FastCRPNModel needs a concrete mode, got {mode!r}")
        self.network = model.eval()
        self.mode = mode
        self.device = torch.device(device)
        self.memory_format = torch.channels_last if mode == "channels_last" else torch.contiguous_format
        self.dtype = torch.float16 if mode == "channels_last" and self.device.type == "cuda" else torch.float32
        if mode == "channels_last":
            self.network = self.network.to(memory_format=torch.channels_last, dtype=self.dtype)
        self._kernels = None
        self._compiled_once = False
        if mode == "compile":
            network = self.network

            def search_branch(x, kernels):
                return network._correlate(kernels, x)

            self._search = torch.compile(search_branch, dynamic=False)
        else:
            self._search = lambda x, kernels: self.network._correlate(kernels, x)

    # the tracker moves and switches its model in __init__: keep those calls harmless
    def to(self, *args, **kwargs) -> "FastCRPNModel":
        return self

    def eval(self) -> "FastCRPNModel":
        self.network.eval()
        return self

    def _prepare(self, images):
        return images.to(self.device, dtype=self.dtype).contiguous(memory_format=self.memory_format)

    def template(self, z) -> None:
        """Compute the template kernels once per video (in the wrapped precision/format)."""
        self._kernels = self.network._kernels(self._prepare(z))
        self.network._template_kernels = self._kernels

    def track(self, x):
        """Per-stage ``(cls, reg)`` of search crops ``x`` as float32, like ``CRPN.track``."""
        if self._kernels is None:
            raise RuntimeError("track() called before template()")
        x = self._prepare(x)
        try:
            outputs = self._search(x, self._kernels)
        except Exception as error:  # noqa: BLE001 - only a failing first (compiling) call falls back
            if self.mode != "compile" or self._compiled_once:
                raise
            import warnings

            warnings.warn(f"torch.compile failed ({type(error).__name__}: {error}); running eager", RuntimeWarning,
                          stacklevel=2)
            self.mode = "eager"
            self._search = lambda x, kernels: self.network._correlate(kernels, x)
            outputs = self._search(x, self._kernels)
        self._compiled_once = True
        if self.dtype is not _import_torch().float32:
            outputs = [(cls.float(), reg.float()) for cls, reg in outputs]
        return outputs


def apply_fast_mode(tracker, mode: str = "auto"):
    """Switch a built :class:`CRPNTracker` to ``mode`` in place; other trackers are returned unchanged.

    Returns the tracker. ``tracker.fast_mode`` records the concrete mode used.
    """
    from crpnbench.tracking.crpn_tracker import CRPNTracker

    if not isinstance(tracker, CRPNTracker):
        resolve_fast_mode(mode, "cpu")  # still reject unknown names
        return tracker
    concrete = resolve_fast_mode(mode, tracker.device)
    network = tracker.model.network if isinstance(tracker.model, FastCRPNModel) else tracker.model
    if concrete != "eager":
        tracker.model = FastCRPNModel(network, concrete, tracker.device)
    else:
        tracker.model = network
    tracker.fast_mode = concrete
    return tracker


def make_fast_tracker(spec, mode: str = "auto", device: str = "cpu", checkpoint=None, untrained: bool = False) -> Tracker:
    """Build ``spec`` with the tracker registry (or a CRPNConfig object) and apply ``mode`` to it."""
    if isinstance(spec, str):
        from crpnbench.tracking.registry import build_tracker

        tracker = build_tracker(spec, device=device, checkpoint=checkpoint, untrained=untrained)
    else:
        from crpnbench.evaluation import build_crpn_from_config

        tracker = build_crpn_from_config(spec, device, checkpoint, untrained)
    return apply_fast_mode(tracker, mode)


@dataclass(frozen=True)
class FastTrackerFactory:
    """A picklable ``factory()`` for :class:`crpnbench.evaluation.TrackerSpec`: one tracker per call."""

    spec: object
    mode: str = "auto"
    device: str = "cpu"
    checkpoint: str | Path | None = None
    untrained: bool = False

    def __call__(self) -> Tracker:
        return make_fast_tracker(self.spec, self.mode, self.device, self.checkpoint, self.untrained)


def fast_tracker_spec(spec, mode: str = "auto", device: str = "cpu", checkpoint=None, untrained: bool = False):
    """A :class:`~crpnbench.evaluation.TrackerSpec` running ``spec`` in fast mode ``mode``.

    The result folder is the same as the plain spec's (a faster path is the same tracker).
    """
    from crpnbench.evaluation import TrackerSpec, as_tracker_spec, result_folder

    resolve_fast_mode(mode, device)
    name = result_folder(as_tracker_spec(spec), untrained)
    return TrackerSpec(name, factory=FastTrackerFactory(spec, mode, device, checkpoint, untrained))


__all__ = [
    "CPU_AUTO_MODE",
    "CUDA_AUTO_MODE",
    "FAST_MODES",
    "FastCRPNModel",
    "FastTrackerFactory",
    "apply_fast_mode",
    "fast_tracker_spec",
    "make_fast_tracker",
    "resolve_fast_mode",
]
