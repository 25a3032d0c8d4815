"""Multiply-accumulate (MAC) counting of a forward pass: every convolution and matrix product, by layer.

:class:`MacCounter` counts the MACs of every convolution (``Conv*``, ``ConvTranspose*`` modules and
functional calls such as the grouped ``F.conv2d`` of
:func:`~crpnbench.models.heads.xcorr_batched`) and every matrix product (``Linear``, ``matmul``,
``mm``, ``bmm``, ``addmm``, ``baddbmm``) run while it is active::

    with MacCounter(model) as counter:
        model.track(x)
    counter.macs, counter.flops          # FLOPs = 2 x MACs
    counter.by_module()                  # {"backbone.conv2.0": ..., "": <functional ops outside a module>}

How: the operations themselves are counted at the ATen level (a ``TorchDispatchMode`` sees
``aten.convolution`` / ``aten.mm`` ... whether a module or a functional call issued it, so nothing is
missed and nothing counted twice; composite ops such as ``aten.conv2d`` or ``aten.linear`` are run
through their decomposition, as :class:`torch.utils.flop_counter.FlopCounterMode` does, whose totals
this counter matches); forward (pre-)hooks on ``model``'s modules only name the innermost module
running at the time. Operations outside any module's ``forward`` (the correlation, which
``CRPN._correlate`` calls from ``track``) and those of the root module's own ``forward`` get the name
``""`` (the root's name in ``named_modules``).

Not counted: bias additions, BatchNorm, activations, pooling, element-wise sums and scalings (at most
a few percent of a convolutional network's arithmetic, and memory-bound rather than compute-bound).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import torch
from torch.utils._python_dispatch import TorchDispatchMode

__all__ = ["MacCounter", "OpRecord", "conv_macs", "count_macs"]

_aten = torch.ops.aten


@dataclass(frozen=True)
class OpRecord:
    """One counted operation: the innermost module that ran it (``""``: none), the ATen op, its
    input/weight/output shapes and its MACs."""

    module: str
    op: str
    input_shape: tuple[int, ...]
    weight_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    macs: int


def conv_macs(input_shape, weight_shape, output_shape, transposed: bool = False) -> int:
    """MACs of one (grouped, strided, padded, dilated, transposed) convolution, from its shapes.

    Direct: every output element sums ``C_in/groups x kernel`` products, and the weight is
    ``(C_out, C_in/groups, *kernel)``, so ``numel(output) x prod(weight.shape[1:])``.
    Transposed: the weight is ``(C_in, C_out/groups, *kernel)`` and every *input* element is scattered
    into ``C_out/groups x kernel`` outputs, so ``numel(input) x prod(weight.shape[1:])``.
    """
    per_element = math.prod(weight_shape[1:])
    return (math.prod(input_shape) if transposed else math.prod(output_shape)) * per_element


def _matmul_macs(a_shape, b_shape) -> int:
    """MACs of ``a @ b`` for 2-D or batched 3-D operands: ``batch x n x k x m``."""
    *batch, n, k = a_shape
    m = b_shape[-1]
    return math.prod(batch) * n * k * m


def _shape(t) -> tuple[int, ...]:
    return tuple(t.shape) if isinstance(t, torch.Tensor) else ()


class _Dispatch(TorchDispatchMode):
    def __init__(self, counter: "MacCounter"):
        super().__init__()
        self.counter = counter

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func.overloadpacket not in MacCounter.COUNTED:
            # a composite op (aten.conv2d, aten.linear, aten.matmul... reach this mode undecomposed under
            # inference_mode): run its decomposition here so the mode sees the ops it is made of
            with self:
                out = func.decompose(*args, **kwargs)
            if out is not NotImplemented:
                return out
        out = func(*args, **kwargs)
        self.counter._record(func, args, out)
        return out


class MacCounter:
    """Context manager counting the MACs of convolutions and matrix products run inside it.

    Args:
        model: the module whose submodules name the operations (optional: without it every
            operation is attributed to ``""``). Hooks are added on entry and removed on exit.

    Attributes after (or during) the ``with`` block: :attr:`records` (one :class:`OpRecord` per
    operation, in order), :attr:`macs`, :attr:`flops`.
    """

    #: ATen ops counted (overloads are resolved to these packets)
    CONVOLUTIONS = (_aten.convolution, _aten._convolution)
    MATMULS = (_aten.mm, _aten.bmm, _aten.addmm, _aten.baddbmm)
    COUNTED = CONVOLUTIONS + MATMULS

    def __init__(self, model: torch.nn.Module | None = None):
        self.model = model
        self.records: list[OpRecord] = []
        self._stack: list[str] = []
        self._handles = []
        self._mode = None

    # -- hooks naming the running module ----------------------------------------------------------
    def _push(self, name):
        def hook(module, args):
            self._stack.append(name)
        return hook

    def _pop(self, module, args, output):
        if self._stack:
            self._stack.pop()

    def __enter__(self) -> "MacCounter":
        if self.model is not None:
            for name, module in self.model.named_modules():
                self._handles.append(module.register_forward_pre_hook(self._push(name)))
                self._handles.append(module.register_forward_hook(self._pop))
        self._mode = _Dispatch(self)
        self._mode.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._mode.__exit__(*exc)
        self._mode = None
        for handle in self._handles:
            handle.remove()
        self._handles.clear()
        self._stack.clear()

    # -- counting ---------------------------------------------------------------------------------
    def _record(self, func, args, out) -> None:
        packet = func.overloadpacket
        if packet in self.CONVOLUTIONS:
            x, weight = args[0], args[1]
            transposed = bool(args[6]) if len(args) > 6 else False
            macs = conv_macs(x.shape, weight.shape, out.shape, transposed)
            op = "conv_transpose" if transposed else "conv"
        elif packet in self.MATMULS:
            a, b = (args[1], args[2]) if packet in (_aten.addmm, _aten.baddbmm) else (args[0], args[1])
            x, weight = a, b
            macs = _matmul_macs(a.shape, b.shape)
            op = packet.__name__
        else:
            return
        module = self._stack[-1] if self._stack else ""
        self.records.append(OpRecord(module, op, _shape(x), _shape(weight), _shape(out), int(macs)))

    @property
    def macs(self) -> int:
        """Total multiply-accumulates counted."""
        return sum(r.macs for r in self.records)

    @property
    def flops(self) -> int:
        """Total FLOPs counted (2 per MAC)."""
        return 2 * self.macs

    def by_module(self) -> dict[str, int]:
        """MACs per innermost module name (``""``: outside any submodule), in first-run order."""
        out: dict[str, int] = defaultdict(int)
        for record in self.records:
            out[record.module] += record.macs
        return dict(out)

    def heaviest(self, op: str = "conv") -> OpRecord | None:
        """The single operation of kind ``op`` (``conv``, ``conv_transpose``, ``mm``...) with the most MACs."""
        candidates = [r for r in self.records if r.op == op]
        return max(candidates, key=lambda r: r.macs) if candidates else None


def count_macs(function, *args, model: torch.nn.Module | None = None, **kwargs) -> tuple[int, MacCounter]:
    """``(MACs, counter)`` of one call ``function(*args, **kwargs)`` (run under ``torch.inference_mode``)."""
    with torch.inference_mode(), MacCounter(model) as counter:
        function(*args, **kwargs)
    return counter.macs, counter
