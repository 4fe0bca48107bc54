"""Reductions over axes: prod, max, min, and sum (defined in ``broadcast``
beside broadcast_to, its transpose); mean, var, std built on them.

Axes are normalised to negative numbers (``declare.neg_axes``): counted from
the end they name the same axes whether or not a tangent carries leading
batch axes, so one rule serves both.
"""

import numpy as np

from adcore.core import defjvp, defvjp_direct, getval, ndim_of, shape_of
from adcore.rules import declare
from adcore.rules import elementwise as ew
from adcore.rules import shape as sh
from adcore.rules.broadcast import (
    restore_reduced,
    sum,  # numpy's name, re-exported here
)


def defweighted(prim, weight):
    """Rules of a reduction whose derivative is a weighted sum over the reduced axes.

    ``weight(ans, x, axis, keepdims)`` is d out / d x entrywise (the product of
    the other entries for prod, the tie share for max/min, softmax for
    logsumexp): the JVP sums ``g * weight`` over the axes, the VJP spreads
    ``g`` back over them and multiplies by ``weight``.
    """

    def jvp(g, ans, x, axis=None, keepdims=False):
        w = weight(ans, x, axis, keepdims)
        return sum(g * w, axis=declare.neg_axes(axis, ndim_of(x)), keepdims=keepdims)

    def vjp(g, ans, x, axis=None, keepdims=False):
        return restore_reduced(g, ans, x, axis, keepdims) * weight(ans, x, axis, keepdims)

    jvp.__name__, vjp.__name__ = f"{prim.name}_jvp", f"{prim.name}_pullback"
    defjvp(prim, jvp, batched=True)
    defvjp_direct(prim, vjp)


def _reduction(impl, name):
    return declare.rule_primitive(impl, name, "reductions", "reduction")


def _prod_impl(x, axis=None, keepdims=False):
    return np.prod(x, axis=axis, keepdims=keepdims)


prod = _reduction(_prod_impl, "prod")


def _prod_ratio(ans, x, axis, keepdims):
    # d prod / d x_i = the product of the other entries: prod / x_i when every
    # product is a normal number, else formed explicitly (exact at every order,
    # even between zeros).  A product that underflowed (tiny nonzero entries) or
    # lost digits as a subnormal would make prod / x_i 0 or inexact where the
    # other entries' product is not: the ratio needs a normal prod.
    axes = declare.neg_axes(axis, ndim_of(x))
    if np.all(getval(x) != 0) and declare.all_normal(ans):
        full = ans if keepdims else sh.expand_dims(ans, axes)
        return full / x
    return _others_product(x, axes)


def _others_product(x, axes):
    """For each entry, the product of the other entries of its slice along ``axes``."""
    k = len(axes)
    last = list(range(-k, 0))
    moved = sh.moveaxis(x, list(axes), last)
    shape = shape_of(moved)
    m = int(np.prod(shape[len(shape) - k :], dtype=np.int64))
    flat = sh.reshape(moved, shape[: len(shape) - k] + (m,))
    # row i of the (m, m) block is the slice with entry i replaced by 1
    rows = ew.where(np.eye(m, dtype=bool), 1.0, sh.expand_dims(flat, -2))
    others = sh.reshape(prod(rows, axis=-1), shape)
    return sh.moveaxis(others, last, list(axes))


defweighted(prod, _prod_ratio)


def _extremum(impl, name):
    prim = _reduction(impl, name)

    def share(ans, x, axis, keepdims):
        # ties share the gradient equally among the tied entries (SPEC)
        axes = declare.neg_axes(axis, ndim_of(x))
        a = getval(ans)
        if not keepdims:
            a = np.expand_dims(a, axes)
        hit = getval(x) == a
        return declare.mask(hit / np.sum(hit, axis=axes, keepdims=True), x)

    defweighted(prim, share)
    return prim


max = _extremum(lambda x, axis=None, keepdims=False: np.max(x, axis=axis, keepdims=keepdims), "max")
min = _extremum(lambda x, axis=None, keepdims=False: np.min(x, axis=axis, keepdims=keepdims), "min")


# ---- composites: functions of primitives, differentiable for free ------------
def _count(x, axis):
    shape = shape_of(x)
    return int(np.prod([shape[a] for a in declare.neg_axes(axis, len(shape))], dtype=np.int64))


def mean(x, axis=None, keepdims=False):
    return sum(x, axis=axis, keepdims=keepdims) / _count(x, axis)


def var(x, axis=None, ddof=0, keepdims=False):
    centered = x - mean(x, axis=axis, keepdims=True)
    squares = ew.abs2(centered)  # |x - mean|^2: real for complex x, as numpy's var
    return sum(squares, axis=axis, keepdims=keepdims) / (_count(x, axis) - ddof)


def std(x, axis=None, ddof=0, keepdims=False):
    v = var(x, axis=axis, ddof=ddof, keepdims=keepdims)
    if _count(x, axis) == 1 and ddof == 0:
        # one entry per slice: var is identically 0 (x - mean(x) is 0 with derivative 0),
        # so std is too; sqrt's infinite slope at 0 would make that 0 * inf = NaN
        return v
    return ew.sqrt(v)
