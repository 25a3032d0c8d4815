"""A faster inference path for the C-RPN tracker, selectable per run (``crpnbench eval --fast MODE``).

What the eager :class:`~crpnbench.tracking.crpn_tracker.CRPNTracker` already does (checked, kept):
the template branch runs once per video (``CRPN.template`` caches the correlation kernels, ``track``
only runs the search branch), every call is under ``torch.inference_mode``, and the evaluation
protocols decode frames ahead of the tracker in a background thread
(:class:`crpnbench.data.prefetch.FramePrefetcher`).

What this module adds, by wrapping the tracker's network in :class:`FastCRPNModel` (the tracker's
own code is unchanged; it only calls ``model.template`` and ``model.track``):

* ``"eager"``: nothing (the reference numbers).
* ``"channels_last"``: the network and its inputs in the channels-last memory format; on CUDA also
  half precision (fp16 weights and crops; the per-stage outputs come back as float32).
* ``"compile"``: ``torch.compile`` of the search branch (template kernels are graph inputs, so a new
  video does not recompile). The first frames of a process pay the compile time.
* ``"auto"``: ``channels_last`` on both devices (with half precision on CUDA): on CPU it is about as
  fast as ``compile`` (``benchmarks/bench_inference.py`` measures both against eager) with no
  warm-up (compile: seconds once per process) and no C++ compiler needed. ``auto`` is opt-in
  (``--fast auto``). If compilation fails in ``compile`` mode (e.g. no C++
  compiler), the tracker warns once and runs eager.

The default of ``crpnbench eval`` is no ``--fast`` (the plain tracker, same as ``eager``).

Configure a built tracker with :func:`apply_fast_mode`, or give a
:class:`~crpnbench.tracking.spec.TrackerSpec` a ``fast`` mode (what ``--fast`` does; worker
processes and Ray tasks build from the spec).
"""

from __future__ import annotations


from crpnbench.errors import ConfigError

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


__all__ = [
    "CPU_AUTO_MODE",
    "CUDA_AUTO_MODE",
    "FAST_MODES",
    "FastCRPNModel",
    "apply_fast_mode",
    "resolve_fast_mode",
]
