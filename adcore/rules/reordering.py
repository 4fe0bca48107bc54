"""Reordering entries: flips, rotations, rolls, rollaxis.

``flip`` and ``roll`` are primitives linear in their input whose transposes are
themselves (roll with the shift negated); the rules count axes from the end, so
a (co)tangent with leading batch axes takes the same path.  fliplr, flipud,
rot90 and rollaxis are composites of flip and transpose.
"""

import numpy as np

from adcore.core import ndim_of, shape_of
from adcore.rules import declare
from adcore.rules import shape as sh


def _ordered_neg(axes, ndim):
    """Axes as negative ints, order kept (pairs with shifts in roll)."""
    return tuple(declare.axis_index(a, ndim) - ndim for a in axes)


# ---- flip: its own transpose ------------------------------------------------------
flip = declare.rule_primitive(lambda m, axis=None: np.flip(m, axis), "flip", "arrays", "shape")


def _flip_rule(g, ans, m, axis=None):
    return flip(g, declare.neg_axes(axis, ndim_of(m)))


declare.linear(
    flip,
    _flip_rule,
    tangent_params=lambda g, ans, m, axis=None: ((declare.neg_axes(axis, ndim_of(m)),), {}),
    nondiff=1,
)


def fliplr(m):
    if ndim_of(m) < 2:
        raise ValueError(f"fliplr: input must be >= 2-d, got shape {shape_of(m)}")
    return flip(m, 1)


def flipud(m):
    if ndim_of(m) < 1:
        raise ValueError("flipud: input must be >= 1-d")
    return flip(m, 0)


def rot90(m, k=1, axes=(0, 1)):
    n = ndim_of(m)
    if len(axes) != 2:
        raise ValueError(f"rot90: axes must name 2 axes, got {axes}")
    a0, a1 = (
        declare.axis_index(axes[0], n, "rot90 axis"),
        declare.axis_index(axes[1], n, "rot90 axis"),
    )
    if a0 == a1:
        raise ValueError(f"rot90: axes must be different, got {axes}")
    k = int(k) % 4
    if k == 0:
        return m
    if k == 2:
        return flip(m, (a0, a1))
    perm = list(range(n))
    perm[a0], perm[a1] = perm[a1], perm[a0]
    if k == 1:
        return sh.transpose(flip(m, a1), tuple(perm))
    return flip(sh.transpose(m, tuple(perm)), a1)


# ---- roll: the transpose rolls back --------------------------------------------------
roll_axes = declare.rule_primitive(
    lambda a, shift, axis: np.roll(a, shift, axis), "roll", "arrays", "shape"
)


def _roll_pairs(shift, axis, ndim):
    if axis is None:
        raise ValueError("roll primitive needs explicit axes (the roll() function handles None)")
    s, a = np.broadcast_arrays(np.asarray(shift, dtype=np.int64), np.asarray(axis))
    return tuple(int(v) for v in s.ravel()), _ordered_neg(a.ravel(), ndim)


def _roll_back(g, ans, a, shift, axis):
    shifts, axes = _roll_pairs(shift, axis, ndim_of(a))
    return roll_axes(g, tuple(-s for s in shifts), axes)


declare.linear(
    roll_axes,
    _roll_back,
    tangent_params=lambda g, ans, a, shift, axis: (_roll_pairs(shift, axis, ndim_of(a)), {}),
    nondiff=2,
)


def roll(a, shift, axis=None):
    if axis is None:
        return sh.reshape(roll_axes(sh.ravel(a), shift, 0), shape_of(a))
    shifts, axes = _roll_pairs(shift, axis, ndim_of(a))
    return roll_axes(a, shifts, axes)


def rollaxis(a, axis, start=0):
    n = ndim_of(a)
    axis = declare.axis_index(axis, n)
    if not -n <= start <= n:
        raise np.exceptions.AxisError(f"rollaxis: start {start} out of range for {n} dims")
    start = start + n if start < 0 else start
    if axis < start:
        start -= 1
    if axis == start:
        return a
    order = [d for d in range(n) if d != axis]
    order.insert(start, axis)
    return sh.transpose(a, tuple(order))


__all__ = [
    "flip",
    "fliplr",
    "flipud",
    "roll",
    "roll_axes",
    "rollaxis",
    "rot90",
]
