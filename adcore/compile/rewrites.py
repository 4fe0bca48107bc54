"""Two rewrites of a program's operations, chosen from the values the recording saw.

Scalar code: an operation on float64 *scalars* (not arrays) costs ~100 ns as a
numpy call and ~20 ns as Python float arithmetic, so arithmetic on scalars is
written as ``v5 = (v3 * 1.01)`` and ``v6 = math_sin(v5)``.  Float arithmetic is
IEEE-identical to numpy's; a ``math`` function is used only where it agrees
bitwise with numpy's on a probe set on this machine (sin, cos and sqrt do here;
exp and tanh differ in the last bit, and stay numpy calls).  A scalar value
passed to anything else is turned back into ``np.float64``.

Buffer reuse: an elementwise operation on large arrays writes its result into
an argument that dies there (``v7 = multiply(v5, v6, out=v5)``) when that
argument is a temporary of the program (made by an elementwise operation, so no
view of it exists) of the result's shape and dtype: at 10^6 elements a fresh
buffer's page faults cost as much as the arithmetic.
"""

from __future__ import annotations

import functools
import math
import operator

import numpy as np

from .guards import Guard
from .recorder import Ref, refs_in

_SCALAR_OPERATORS = {
    operator.add: "({} + {})",
    operator.sub: "({} - {})",
    operator.mul: "({} * {})",
    operator.truediv: "({} / {})",
    operator.neg: "(-{})",
    np.add: "({} + {})",
    np.subtract: "({} - {})",
    np.multiply: "({} * {})",
    np.true_divide: "({} / {})",
    np.negative: "(-{})",
    np.square: "({0} * {0})",
}
_MATH_CANDIDATES = {
    np.sin: math.sin,
    np.cos: math.cos,
    np.tan: math.tan,
    np.sqrt: math.sqrt,
    np.exp: math.exp,
    np.log: math.log,
    np.tanh: math.tanh,
    np.arctan: math.atan,
}


@functools.cache
def exact_math():
    """numpy ufunc -> the ``math`` function that agrees with it bitwise on probe values."""
    probe = np.random.default_rng(0).uniform(-20.0, 20.0, 4000)
    probe = np.concatenate([probe, probe * 1e-3, [0.0, 1.0, -1.0, 0.5, np.pi]])
    exact = {}
    for ufunc, fn in _MATH_CANDIDATES.items():
        xs = np.abs(probe) + 1e-300 if ufunc in (np.sqrt, np.log) else probe
        with np.errstate(all="ignore"):
            want = ufunc(xs)
        got = np.array([fn(float(x)) for x in xs])
        if np.array_equal(got, want):
            exact[ufunc] = fn
    return exact


def is_scalar(value):
    """Whether ``value`` is a float64 scalar: a Python float, ``np.float64`` or a 0-d
    float64 array (numpy's ufuncs give ``np.float64`` for those: a scalar either way)."""
    t = type(value)
    if t is float or t is np.float64:
        return True
    return t is np.ndarray and value.shape == () and value.dtype == np.float64


def scalar_form(op, values, scalar):
    """The Python-float expression template for ``op``, or None if it must stay a numpy call."""
    if op.kwargs or not is_scalar(values[op.out]):
        return None
    form = _SCALAR_OPERATORS.get(op.fn)
    if form is None and op.fn in exact_math():
        form = "math_" + op.fn.__name__ + "({})"
    if form is None:
        return None
    for a in op.args:
        if type(a) is Ref:
            if a.slot not in scalar and not is_scalar(values[a.slot]):
                return None
        elif type(a) is not int and not is_scalar(a):
            return None
    return form


# elementwise operations whose result is a fresh array, as the ufunc that takes out=
_UFUNC_OF = {
    operator.add: np.add,
    operator.sub: np.subtract,
    operator.mul: np.multiply,
    operator.truediv: np.true_divide,
    operator.neg: np.negative,
    operator.pow: np.power,
}
REUSE_MIN_SIZE = 4096  # below this a fresh buffer is cheap (numpy caches small ones)


def _ufunc_of(op, values):
    """The ufunc ``op`` is, if it makes a fresh array by an elementwise loop; else None."""
    if op.kwargs or not isinstance(values[op.out], np.ndarray):
        return None
    ufunc = op.fn if isinstance(op.fn, np.ufunc) else _UFUNC_OF.get(op.fn)
    if ufunc is None or ufunc.nout != 1:
        return None
    for a in op.args:  # an operator on numpy values is the numpy ufunc
        v = values[a.slot] if type(a) is Ref else a
        if not isinstance(v, (np.ndarray, np.generic, int, float)):
            return None
    return ufunc


def temporaries(steps, values):
    """The slots a replay may write into once they die: arrays an elementwise op made
    (fresh memory) and only elementwise ops read (so no view of them exists)."""
    ufuncs = {i: _ufunc_of(s, values) for i, s in enumerate(steps) if type(s) is not Guard}
    only_elementwise = {}
    for i, step in enumerate(steps):
        if type(step) is Guard:
            continue
        for slot in refs_in(step.kwargs, refs_in(step.args, set())):
            only_elementwise[slot] = only_elementwise.get(slot, True) and bool(ufuncs[i])
    return {
        steps[i].out
        for i, u in ufuncs.items()
        if u is not None and only_elementwise.get(steps[i].out, True)
    }


def reuse_plan(steps, values, last_use, keep, exclude=(), taken=()):
    """{step index: (ufunc, donor slot)} for the elementwise ops that write into a dying
    temporary (see the module docstring); steps in ``exclude`` (fused) are left alone, and
    slots in ``taken`` (a fused kernel's donors already) are not donated twice."""
    ufuncs = {i: _ufunc_of(s, values) for i, s in enumerate(steps) if type(s) is not Guard}
    fresh = temporaries(steps, values) - set(taken)
    plan = {}
    for i, ufunc in ufuncs.items():
        if ufunc is None or i in exclude:
            continue
        out = values[steps[i].out]
        if out.size < REUSE_MIN_SIZE:
            continue
        for a in steps[i].args:
            if (
                type(a) is Ref
                and a.slot in fresh
                and a.slot not in keep
                and last_use.get(a.slot) == i
                and values[a.slot].shape == out.shape
                and values[a.slot].dtype == out.dtype
            ):
                plan[i] = (ufunc, a.slot)
                break
    return plan
