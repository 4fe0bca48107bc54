"""Fusing runs of elementwise arithmetic on large arrays into one numba loop.

``g * s * (1 - s)`` in numpy is three passes over memory and three fresh
buffers; as one loop it is one pass and one buffer (MEASURED.md: 10.5 ms vs
2.4 ms at 10^6).  A *run* is a stretch of consecutive operations of a program
that are ``+ - * /`` or negation on float64 arrays of one shape (and float64
scalars); its intermediates live in registers, and only the values used after
the run (or returned) are written out.  numpy's transcendental ufuncs (exp,
tanh, sin ...) are SIMD-vectorized and beat numba's scalar libm calls 3-7x, so
they stay numpy calls and end a run.

The loop does exactly numpy's IEEE operations in numpy's order (no fastmath,
no contraction into fused multiply-adds; division by zero gives inf/nan as in
numpy), so a fused program gives bitwise what the unfused one gives.  Without
numba nothing is fused.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

import numpy as np

from .guards import Guard
from .recorder import Ref

FUSE_MIN_SIZE = 4096  # below this a numpy call's overhead is not worth a kernel
_SYMBOLS = {np.add: "+", np.subtract: "-", np.multiply: "*", np.true_divide: "/"}


class Run(NamedTuple):
    """Steps ``start..end`` as one kernel call: ``kernel(*inputs, *outputs)``."""

    start: int
    end: int
    kernel: Any
    inputs: list  # Ref or a constant array (flat views passed) / float scalar
    outputs: list  # slots written out, each an array of `shape`
    donors: dict  # output slot -> a dying temporary input it is written into (else fresh)
    internal: set  # slots that live only inside the kernel
    shape: tuple


@functools.cache
def _numba():
    try:
        import numba
    except ImportError:
        return None
    return numba


def plan(steps, values, last_use, keep, ufunc_of, temporaries):
    """{start index: Run} for the fusable runs of ``steps`` (empty without numba);
    ``temporaries`` are the slots that may be written into once they die."""
    if _numba() is None:
        return {}
    runs, current, shape = {}, [], None

    def close():
        if len(current) >= 2:
            run = _build(current, steps, values, last_use, keep, shape, temporaries)
            if run is not None:
                runs[run.start] = run

    for i, step in enumerate(steps):
        s = _fusable_shape(step, values, ufunc_of) if type(step) is not Guard else None
        if s is not None and s == shape and current:
            current.append(i)
            continue
        close()
        current, shape = ([i], s) if s is not None else ([], None)
    close()
    return runs


def _fusable_shape(op, values, ufunc_of):
    """The result shape if ``op`` can join a run, else None."""
    ufunc = ufunc_of(op, values)
    if ufunc not in _SYMBOLS and ufunc is not np.negative:
        return None
    out = values[op.out]
    if out.dtype != np.float64 or out.size < FUSE_MIN_SIZE:
        return None
    for a in op.args:
        v = values[a.slot] if type(a) is Ref else a
        if isinstance(v, np.ndarray) and v.shape == out.shape and v.dtype == np.float64:
            continue
        if type(v) in (float, int, np.float64) or (
            isinstance(v, np.ndarray) and v.shape == () and v.dtype == np.float64
        ):
            continue
        return None
    return out.shape


def _build(indices, steps, values, last_use, keep, shape, temporaries):
    start, end = indices[0], indices[-1]
    defined = {steps[i].out for i in indices}
    inputs, names = [], {}  # names: id of a Ref's slot / constant -> kernel argument

    def operand(a):
        key = ("slot", a.slot) if type(a) is Ref else ("const", id(a))
        if type(a) is Ref and a.slot in defined:
            return f"t{a.slot}"
        v = values[a.slot] if type(a) is Ref else a
        if isinstance(v, np.ndarray) and v.shape != ():
            if key not in names:
                names[key] = f"a{len(inputs)}"
                inputs.append(a)
            return f"{names[key]}[j]"
        if type(a) is not Ref:  # a constant scalar: a literal
            return repr(float(v))
        if key not in names:
            names[key] = f"s{len(inputs)}"
            inputs.append(a)
        return names[key]

    body = []
    for i in indices:
        op = steps[i]
        args = [operand(a) for a in op.args]
        ufunc = _ufunc(op)
        expr = f"-{args[0]}" if ufunc is np.negative else f"{args[0]} {_SYMBOLS[ufunc]} {args[1]}"
        body.append(f"        t{op.out} = {expr}")
    outputs = [s for s in sorted(defined) if s in keep or last_use.get(s, -1) > end]
    for k, s in enumerate(outputs):
        body.append(f"        o{k}[j] = t{s}")
    params = [names[_key(a)] for a in inputs] + [f"o{k}" for k in range(len(outputs))]
    source = (
        f"def kernel({', '.join(params)}):\n"
        f"    for j in range(o0.shape[0]):\n" + "\n".join(body) + "\n"
    )
    kernel = _compile(source)
    if kernel is None or not _agrees(kernel, inputs, outputs, values):
        return None
    # an input that dies in the run can hold an output: the loop reads index j of every
    # input before it writes index j of any output
    dying = [
        a.slot
        for a in inputs
        if type(a) is Ref
        and a.slot in temporaries
        and a.slot not in keep
        and last_use.get(a.slot, end + 1) <= end
        and np.shape(values[a.slot]) == shape
    ]
    donors = dict(zip(outputs, dying))
    return Run(start, end, kernel, inputs, outputs, donors, defined - set(outputs), shape)


def _agrees(kernel, inputs, outputs, values):
    """Run the kernel once on the recorded values (numba compiles it for their types) and
    check it gives bitwise what numpy gave; if not, the run stays numpy calls."""
    args = []
    for a in inputs:
        v = values[a.slot] if type(a) is Ref else a
        args.append(float(v) if np.ndim(v) == 0 else np.reshape(v, -1))
    outs = [np.empty(values[s].shape) for s in outputs]
    try:
        kernel(*args, *(o.reshape(-1) for o in outs))
    except Exception:
        return False
    return all(np.array_equal(o, values[s], equal_nan=True) for o, s in zip(outs, outputs))


def _key(a):
    return ("slot", a.slot) if type(a) is Ref else ("const", id(a))


def _ufunc(op):
    from .rewrites import _UFUNC_OF  # the operator -> ufunc table

    return op.fn if isinstance(op.fn, np.ufunc) else _UFUNC_OF[op.fn]


_KERNELS = {}


def _compile(source):
    """The numba kernel of ``source`` (cached by its text); None if numba refuses it.  No
    signature: numba specializes it for the arrays' layouts (a broadcast constant,
    a read-only input) as it meets them."""
    if source not in _KERNELS:
        namespace = {}
        exec(compile(source, "<adcore.compile fused kernel>", "exec"), namespace)
        try:
            _KERNELS[source] = _numba().njit(error_model="numpy")(namespace["kernel"])
        except Exception:  # an unexpected numba limit: the run stays numpy calls
            _KERNELS[source] = None
    return _KERNELS[source]
