"""A recording turned into straight-line Python: one line per operation, its
guards checked where the recording relied on them.

The generated function for ``grad(lambda x: sum(sin(x) * x))`` reads::

    def replay(v0):
        v1 = f0(v0)            # sin
        v2 = f1(v1, v0)        # multiply
        ...
        return (v9,)

Operations no output and no guard depends on are dropped (the primal values a
gradient does not need, shapes read for checks); variables are deleted after
their last use, so a replay holds no more memory than the eager run.

Scalar code: an operation on float64 *scalars* (not arrays) costs ~100 ns as a
numpy call and ~20 ns as Python float arithmetic, so arithmetic on scalars is
written as ``v5 = v3 * 1.01`` and ``v6 = sin(v5)`` with ``math``'s functions.
Float arithmetic is IEEE-identical to numpy's; a ``math`` function is used only
where it agrees bitwise with numpy's on a probe set on this machine (sin, cos
and sqrt do here; exp and tanh differ in the last bit, and stay numpy calls).
A scalar value passed to anything else is turned back into ``np.float64``.

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

from .recorder import Guard, Ref, _has_ref, _SliceOf


class Miss(Exception):
    """A guard failed on replay: this program does not apply to these inputs."""


def same_value(a, b):
    """Whether a replayed value equals the one a value guard saw (NaN equals NaN)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, (np.ndarray, np.generic)):
        return (
            a.shape == b.shape
            and a.dtype == b.dtype
            and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
        )
    try:
        return bool(a == b)
    except Exception:  # an object without a usable ==: treat as changed, re-record
        return False


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
def _exact_math():
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


def _is_scalar(value):
    return type(value) is float or type(value) is np.float64


def _scalar_form(op, values, scalar):
    """The Python-float expression template for ``op``, or None if it must stay a numpy call."""
    if op.kwargs or not _is_scalar(values[op.out]):
        return None
    form = _SCALAR_OPERATORS.get(op.fn)
    if form is None and op.fn in _exact_math():
        form = "math_" + op.fn.__name__ + "({})"
    if form is None:
        return None
    for a in op.args:
        if type(a) is Ref:
            if a.slot not in scalar and not _is_scalar(values[a.slot]):
                return None
        elif type(a) not in (float, int, np.float64):
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


def _reuse_plan(steps, values, last_use, keep):
    """{step index: (ufunc, donor slot)} for the elementwise ops that write into a dying
    temporary (see the module docstring)."""
    ufuncs = {i: _ufunc_of(s, values) for i, s in enumerate(steps) if type(s) is not Guard}
    only_elementwise = {}  # slot -> is every op consuming it elementwise (no views of it)?
    for i, step in enumerate(steps):
        if type(step) is Guard:
            continue
        for slot in _refs(step.kwargs, _refs(step.args, set())):
            only_elementwise[slot] = only_elementwise.get(slot, True) and bool(ufuncs[i])
    fresh = {steps[i].out for i, u in ufuncs.items() if u is not None}
    plan = {}
    for i, ufunc in ufuncs.items():
        if ufunc is None:
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
                and only_elementwise.get(a.slot)
                and values[a.slot].shape == out.shape
                and values[a.slot].dtype == out.dtype
            ):
                plan[i] = (ufunc, a.slot)
                break
    return plan


class Program:
    """A compiled recording: ``run(*inputs)`` gives the output leaves or raises ``Miss``."""

    def __init__(self, recording, input_slots, outputs, out_treedef, out_arrays):
        self.out_treedef = out_treedef
        steps = _live_steps(recording.steps, outputs)
        self.n_ops = sum(1 for s in steps if type(s) is not Guard)
        self.n_guards = len(steps) - self.n_ops
        self.n_recorded = len(recording.steps)
        self.source, namespace = _generate(
            steps, input_slots, outputs, recording.values, out_arrays
        )
        code = compile(self.source, f"<adcore.compile replay of {self.n_ops} ops>", "exec")
        exec(code, namespace)
        self.run = namespace["replay"]


def _refs(t, into):
    tt = type(t)
    if tt is Ref:
        into.add(t.slot)
    elif tt is _SliceOf or tt is tuple or tt is list:
        for e in t:
            _refs(e, into)
    elif tt is dict:
        for e in t.values():
            _refs(e, into)
    return into


def _live_steps(steps, outputs):
    """The steps an output or a guard depends on (every guard is kept: the recording's
    control flow relied on each one)."""
    needed = _refs(tuple(outputs), set())
    live = []
    for step in reversed(steps):
        if type(step) is Guard:
            needed.add(step.slot)
        elif step.out in needed:
            _refs(step.args, needed)
            _refs(step.kwargs, needed)
        else:
            continue
        live.append(step)
    live.reverse()
    return live


_LITERALS = (bool, int, type(None))


class _Source:
    """Names for the functions and constants a generated program refers to."""

    def __init__(self):
        self.namespace = {
            "Miss": Miss,
            "same_value": same_value,
            "shape_of": np.shape,
            "f64": np.float64,
        }
        self.namespace.update({f"math_{u.__name__}": fn for u, fn in _exact_math().items()})
        self.names = {}  # id(object) -> name in the namespace
        self.scalar = set()  # slots held as Python floats (see the module docstring)

    def bind(self, obj, prefix):
        name = self.names.get(id(obj))
        if name is None:
            name = self.names[id(obj)] = f"{prefix}{len(self.names)}"
            self.namespace[name] = obj
        return name

    def expr(self, t, scalar_ok=False):
        tt = type(t)
        if tt is Ref:
            if t.slot in self.scalar and not scalar_ok:
                return f"f64(v{t.slot})"
            return f"v{t.slot}"
        if tt is _SliceOf:
            return f"slice({self.expr(t.start)}, {self.expr(t.stop)}, {self.expr(t.step)})"
        if tt in _LITERALS:
            return repr(t)
        if _has_ref(t):
            if tt is dict:
                items = ", ".join(f"{self.bind(k, 'k')}: {self.expr(v)}" for k, v in t.items())
                return "{" + items + "}"
            inner = "".join(f"{self.expr(e)}, " for e in t)
            return f"({inner})" if tt is tuple else f"[{inner}]"
        return self.bind(t, "k")

    def call(self, op):
        args = [self.expr(a) for a in op.args]
        for k, v in op.kwargs.items():
            args.append(
                f"{k}={self.expr(v)}" if k.isidentifier() else f"**{{{k!r}: {self.expr(v)}}}"
            )
        return f"{self.bind(op.fn, 'f')}({', '.join(args)})"

    def scalar_call(self, op, form):
        args = []
        for a in op.args:
            if type(a) is Ref:
                args.append(self.expr(a, scalar_ok=True))
            elif type(a) is int or math.isfinite(a):
                args.append(repr(float(a)))
            else:
                args.append(self.bind(a, "k"))
        self.scalar.add(op.out)
        return form.format(*args)

    def guard(self, g):
        v = f"v{g.slot}"
        if g.kind != "bool" and g.slot in self.scalar:
            v = f"f64({v})"
        if g.kind == "bool":
            return f"if {'not ' if g.expected else ''}{v}: raise Miss"
        expected = self.bind(g.expected, "k")
        if g.kind == "shape":
            return f"if shape_of({v}) != {expected}: raise Miss"
        return f"if not same_value({v}, {expected}): raise Miss"


def _generate(steps, input_slots, outputs, values, out_arrays):
    src = _Source()
    last_use = {}
    for i, step in enumerate(steps):
        used = {step.slot} if type(step) is Guard else _refs(step.kwargs, _refs(step.args, set()))
        for s in used:
            last_use[s] = i
    keep = _refs(tuple(outputs), set()) | set(input_slots)
    dying = {}
    for s, i in last_use.items():
        if s not in keep:
            dying.setdefault(i, []).append(s)
    reuse = _reuse_plan(steps, values, last_use, keep)
    lines = [f"def replay({', '.join(f'v{s}' for s in input_slots)}):"]
    for i, step in enumerate(steps):
        if type(step) is Guard:
            lines.append("    " + src.guard(step))
        elif i in reuse:
            ufunc, donor = reuse[i]
            args = ", ".join(src.expr(a) for a in step.args)
            lines.append(
                f"    v{step.out} = {src.bind(ufunc, 'f')}({args}, out=v{donor})  # {step.name}"
            )
        else:
            form = _scalar_form(step, values, src.scalar)
            code = src.call(step) if form is None else src.scalar_call(step, form)
            lines.append(f"    v{step.out} = {code}  # {step.name}")
        freed = [s for s in sorted(dying.get(i, ())) if s not in src.scalar]  # floats: cheap
        if freed:
            lines.append(f"    del {', '.join(f'v{s}' for s in freed)}")
    results = []
    src.namespace["asarray"] = np.asarray
    for t, array in zip(outputs, out_arrays):
        if type(t) is Ref:  # the type fn gives: a Python float, np.float64, a 0-d array
            value = values[t.slot]
            expr = src.expr(t, scalar_ok=type(value) is float)
            results.append(
                f"asarray({expr})" if array and not isinstance(value, np.ndarray) else expr
            )
        elif isinstance(t, np.ndarray):  # a constant output: each call gets its own copy
            results.append(f"{src.bind(t, 'k')}.copy()")
        else:
            results.append(src.expr(t))
    lines.append(f"    return ({''.join(r + ', ' for r in results)})")
    return "\n".join(lines) + "\n", src.namespace
