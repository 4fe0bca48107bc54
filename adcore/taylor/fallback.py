"""The Taylor rule every primitive has: derived from its JVP rule.

For ``y = prim(x)`` along the truncated curve ``x(t) = x0 + c1 t + ... + ck t^k``
the output coefficients are ``y_n = g^(n)(0) / n!`` with ``g(t) = prim(x(t))``.
The derivatives come from ``k`` nested ``jvp`` calls in the scalar ``t``, each
level returning every lower derivative as well, so one nested pass gives all
of them.  That costs ``2^k`` evaluations of the primitive and its JVP rules
(native rules cost ``O(k^2)``), but it needs nothing beyond the JVP rule, so
every registered primitive works in Taylor mode, nested with any other mode.

A batch of directions is looped over: the primitive itself has no batch axis.
"""

import math

import numpy as np

from adcore.core import NONDIFF, getval
from adcore.numpy import stack
from adcore.transforms import jvp


def derivatives_along(g, t0, order):
    """``(g(t0), g'(t0), ..., g^(order)(t0))`` for a function ``g`` of a scalar ``t``."""

    def level(m):
        if m == 0:
            return lambda t: (g(t),)
        inner = level(m - 1)

        def outer(t):
            values, tangents = jvp(inner, (t,), (np.ones_like(t0),))
            return values + (tangents[-1],)

        return outer

    return level(order)(t0)


def _curve(prim, args, series, kwargs):
    """``g(t) = prim(x(t))`` with each traced argument moving along its truncated series."""
    moving = []
    for i, s in enumerate(series):
        if s is not None:
            rule = prim.jvps.get(i)
            if rule is None:
                raise prim.missing("jvp", i)
            if rule is not NONDIFF:
                moving.append(i)

    def g(t):
        xs = list(args)
        for i in moving:
            power = t
            for c in series[i]:
                if c is not None:
                    xs[i] = xs[i] + c * power
                power = power * t
        return prim(*xs, **kwargs)

    return g, moving


def _coefficients(prim, args, series, kwargs, order):
    g, moving = _curve(prim, args, series, kwargs)
    known = [getval(c) for i in moving for c in series[i] if c is not None]
    if not known:
        return [None] * order
    dtype = np.result_type(*known)
    derivs = derivatives_along(g, np.zeros((), dtype=dtype), order)
    return [d / float(math.factorial(n)) for n, d in enumerate(derivs) if n > 0]


def jvp_derived(prim, ans, args, series, kwargs, tag):
    """The Taylor rule of a primitive without a native one: nested JVPs of ``t -> prim(x(t))``."""
    if not tag.nbatch:
        return _coefficients(prim, args, series, kwargs, tag.order)
    per_direction = []
    for b in range(tag.batch[0]):
        sliced = [None if s is None else [None if c is None else c[b] for c in s] for s in series]
        per_direction.append(_coefficients(prim, args, sliced, kwargs, tag.order))
    out = []
    for n in range(tag.order):
        terms = [d[n] for d in per_direction]
        if all(c is None for c in terms):
            out.append(None)
        else:
            zero = tag.zeros(ans)[0]
            out.append(stack([zero if c is None else c for c in terms]))
    return out
