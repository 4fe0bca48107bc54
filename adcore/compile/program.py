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

Scalar arithmetic becomes Python float code and large elementwise temporaries
are reused (``rewrites.py``).
"""

from __future__ import annotations

import math

import numpy as np

from . import fusion, rewrites
from .guards import Guard, Miss, same_value
from .recorder import Ref, _has_ref, _SliceOf, refs_in


class Program:
    """A compiled recording: ``run(*inputs)`` gives the output leaves or raises ``Miss``."""

    def __init__(self, recording, input_slots, outputs, out_treedef, out_arrays, fuse=True):
        self.out_treedef = out_treedef
        steps = _live_steps(recording.steps, outputs)
        self.n_ops = sum(1 for s in steps if type(s) is not Guard)
        self.n_guards = len(steps) - self.n_ops
        self.n_recorded = len(recording.steps)
        self.source, namespace = _generate(
            steps, input_slots, outputs, recording.values, out_arrays, fuse
        )
        code = compile(self.source, f"<adcore.compile replay of {self.n_ops} ops>", "exec")
        exec(code, namespace)
        self.run = namespace["replay"]


def _live_steps(steps, outputs):
    """The steps an output or a guard depends on (every guard is kept: the recording's
    control flow relied on each one)."""
    needed = refs_in(tuple(outputs), set())
    live = []
    for step in reversed(steps):
        if type(step) is Guard:
            needed.add(step.slot)
        elif step.out in needed:
            refs_in(step.args, needed)
            refs_in(step.kwargs, needed)
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
        self.namespace.update({f"math_{u.__name__}": fn for u, fn in rewrites.exact_math().items()})
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
            elif math.isfinite(a):  # an int or a float64 scalar: a float literal
                args.append(repr(float(a)))
            else:
                args.append(self.bind(a, "k"))
        self.scalar.add(op.out)
        return form.format(*args)

    def fused_call(self, run, steps):
        """Lines calling ``run``'s kernel: fresh outputs, flat views of everything."""
        self.namespace["empty"] = np.empty
        args = []
        for a in run.inputs:
            if type(a) is Ref and np.ndim(self.values[a.slot]) == 0:
                args.append(f"float({self.expr(a, scalar_ok=True)})")
            else:
                args.append(f"{self.expr(a)}.reshape(-1)")
        lines = [
            f"    v{s} = v{run.donors[s]}"
            if s in run.donors
            else f"    v{s} = empty({run.shape!r})"
            for s in run.outputs
        ]
        args += [f"v{s}.reshape(-1)" for s in run.outputs]
        names = ", ".join(steps[i].name for i in range(run.start, run.end + 1))
        kernel = self.bind(run.kernel, "fused")
        lines.append(f"    {kernel}({', '.join(args)})  # fused: {names}")
        return lines

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


def _generate(steps, input_slots, outputs, values, out_arrays, fuse):
    src = _Source()
    src.values = values
    last_use = {}
    for i, step in enumerate(steps):
        used = (
            {step.slot} if type(step) is Guard else refs_in(step.kwargs, refs_in(step.args, set()))
        )
        for s in used:
            last_use[s] = i
    keep = refs_in(tuple(outputs), set()) | set(input_slots)
    dying = {}
    for s, i in last_use.items():
        if s not in keep:
            dying.setdefault(i, []).append(s)
    runs = {}
    if fuse:
        temporaries = rewrites.temporaries(steps, values)
        runs = fusion.plan(steps, values, last_use, keep, rewrites._ufunc_of, temporaries)
    fused = {i for r in runs.values() for i in range(r.start, r.end + 1)}
    internal = {s for r in runs.values() for s in r.internal}  # never a Python variable
    donated = {d for r in runs.values() for d in r.donors.values()}
    reuse = rewrites.reuse_plan(steps, values, last_use, keep, exclude=fused, taken=donated)
    lines = [f"def replay({', '.join(f'v{s}' for s in input_slots)}):"]
    for s in input_slots:  # a float64 scalar input: Python float arithmetic from the start
        if rewrites.is_scalar(values[s]):
            lines.append(f"    v{s} = float(v{s})")
            src.scalar.add(s)
    for i, step in enumerate(steps):
        if i in runs:
            lines += src.fused_call(runs[i], steps)
        elif i in fused:
            pass
        elif type(step) is Guard:
            lines.append("    " + src.guard(step))
        elif i in reuse:
            ufunc, donor = reuse[i]
            args = ", ".join(src.expr(a) for a in step.args)
            lines.append(
                f"    v{step.out} = {src.bind(ufunc, 'f')}({args}, out=v{donor})  # {step.name}"
            )
        else:
            form = rewrites.scalar_form(step, values, src.scalar)
            code = src.call(step) if form is None else src.scalar_call(step, form)
            lines.append(f"    v{step.out} = {code}  # {step.name}")
        freed = [  # floats are cheap to keep
            s for s in sorted(dying.get(i, ())) if s not in src.scalar and s not in internal
        ]
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
