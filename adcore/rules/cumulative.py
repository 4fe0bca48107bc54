"""Running sums and products (cumsum, cumprod, cumulative_sum/prod), differences
(diff) and numpy.gradient.

``cumsum`` and ``cumprod`` are primitives: cumsum's transpose is the reverse
running sum; cumprod's derivative is formed without dividing by the input
where an entry is zero.  diff and gradient are composites of slices.
"""

import numpy as np

from adcore.core import Traced, defjvp, defvjp_direct, getval, ndim_of, shape_of
from adcore.rules import declare
from adcore.rules import elementwise as ew
from adcore.rules import reductions as red
from adcore.rules import shape as sh
from adcore.rules.joining import pad
from adcore.rules.reordering import flip


def _along(ndim, ax, index):
    """An index applying ``index`` on axis ``ax`` of an ndim array, counted from the end."""
    return (Ellipsis, index) + (slice(None),) * (ndim - ax - 1)


# ---- running sums and products -----------------------------------------------------
cumsum_axis = declare.rule_primitive(
    lambda a, axis: np.cumsum(a, axis=axis), "cumsum", "arrays", "axis"
)


def _reverse_cumsum(g, ax):
    return flip(cumsum_axis(flip(g, ax), ax), ax)


def _cum_ax(a, axis):
    return declare.axis_index(axis, ndim_of(a)) - ndim_of(a)


declare.linear(
    cumsum_axis,
    lambda g, ans, a, axis: _reverse_cumsum(g, _cum_ax(a, axis)),
    tangent_params=lambda g, ans, a, axis: ((_cum_ax(a, axis),), {}),
    nondiff=1,
)

cumprod_axis = declare.rule_primitive(
    lambda a, axis: np.cumprod(a, axis=axis), "cumprod", "arrays", "axis"
)


def _others_cumprod(a, ax):
    """``Q[..., i, j] = prod(a_k for k <= j, k != i)`` for i <= j, else 0, with
    ``ax`` (negative) moved last: d ans_j / d a_i, formed without dividing by a_i."""
    moved = sh.moveaxis(a, ax, -1)
    n = shape_of(moved)[-1]
    # row i is the sequence with entry i replaced by 1
    rows = ew.where(np.eye(n, dtype=bool), 1.0, sh.expand_dims(moved, -2))
    return cumprod_axis(rows, -1) * declare.mask(np.triu(np.ones((n, n), dtype=bool)), a)


def _cumprod_jvp(g, ans, a, axis):
    ax = _cum_ax(a, axis)
    # d ans_j / d a_i = ans_j / a_i for i <= j, while every ans_j is normal (prod's test)
    if np.all(getval(a) != 0) and declare.all_normal(ans):
        return ans * cumsum_axis(g / a, ax)
    # exact between zeros, at every order (prod does the same): t_j = sum_i g_i Q_ij
    q = _others_cumprod(a, ax)
    t = red.sum(sh.expand_dims(sh.moveaxis(g, ax, -1), -1) * q, axis=-2)
    return sh.moveaxis(t, -1, ax)


def _cumprod_vjp(g, ans, a, axis):
    ax = _cum_ax(a, axis)
    if np.all(getval(a) != 0) and declare.all_normal(ans):
        return _reverse_cumsum(g * ans, ax) / a
    q = _others_cumprod(a, ax)  # c_i = sum_j Q_ij g_j
    c = red.sum(q * sh.expand_dims(sh.moveaxis(g, ax, -1), -2), axis=-1)
    return sh.moveaxis(c, -1, ax)


defjvp(cumprod_axis, _cumprod_jvp, batched=True)
defvjp_direct(cumprod_axis, _cumprod_vjp)


def _running(name, numpy_fn, prim):
    """numpy's ``cumsum``/``cumprod`` front end over the one-axis primitive ``prim``;
    ``dtype=`` as in ``shape.in_dtype`` (integer dtypes raise on traced values)."""

    def running(a, axis=None, dtype=None, out=None):
        declare.no_out(name, out)
        if dtype is not None and not isinstance(a, Traced):
            return numpy_fn(a, axis=axis, dtype=dtype)
        a = sh.in_dtype(name, a, dtype)
        if axis is None:
            return prim(sh.ravel(a), 0)
        return prim(a, declare.axis_index(axis, ndim_of(a)))

    running.__name__ = running.__qualname__ = name
    running.__doc__ = f"numpy.{name}; ``dtype=`` as in ``shape.in_dtype`` (integer dtypes raise)."
    return running


cumsum = _running("cumsum", np.cumsum, cumsum_axis)
cumprod = _running("cumprod", np.cumprod, cumprod_axis)


def diff(a, n=1, axis=-1, prepend=np._NoValue, append=np._NoValue):
    nd = ndim_of(a)
    if nd == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    ax = declare.axis_index(axis, nd)
    parts = []
    for extra in (prepend, None, append):
        if extra is None:
            parts.append(a)
        elif extra is not np._NoValue:
            if ndim_of(extra) == 0:
                shape = list(shape_of(a))
                shape[ax] = 1
                extra = sh.broadcast_to(extra, tuple(shape))
            parts.append(extra)
    if len(parts) > 1:
        a = sh.concatenate(parts, axis=ax)
    for _ in range(int(n)):
        a = sh.getitem(a, _along(nd, ax, slice(1, None))) - sh.getitem(
            a, _along(nd, ax, slice(None, -1))
        )
    return a


def gradient(f, *varargs, axis=None, edge_order=1):
    """numpy.gradient with unit or scalar spacing (edge_order=1): central
    differences inside, one-sided at the ends."""
    nd = ndim_of(f)
    if axis is None:
        axes = tuple(range(nd))
    else:  # numpy keeps the order given (and returns the parts in that order)
        axes = tuple(declare.axis_index(a, nd) for a in ((axis,) if np.ndim(axis) == 0 else axis))
        if len(set(axes)) != len(axes):
            raise ValueError("repeated axis")
    if edge_order != 1:
        raise NotImplementedError("adcore.numpy.gradient supports edge_order=1 only")
    if len(varargs) == 0:
        spacing = [1.0] * len(axes)
    elif len(varargs) == 1 and np.ndim(varargs[0]) == 0:
        spacing = [float(varargs[0])] * len(axes)
    elif len(varargs) == len(axes) and all(np.ndim(v) == 0 for v in varargs):
        spacing = [float(v) for v in varargs]
    else:
        raise NotImplementedError("adcore.numpy.gradient supports scalar spacings only")
    outs = []
    for ax, h in zip(axes, spacing):
        if shape_of(f)[ax] < 2:
            raise ValueError("gradient: each differentiated axis needs at least 2 entries")

        def part(sl, ax=ax):
            return sh.getitem(f, _along(nd, ax, sl))

        first = (part(slice(1, 2)) - part(slice(0, 1))) / h
        last = (part(slice(-1, None)) - part(slice(-2, -1))) / h
        inner = (part(slice(2, None)) - part(slice(None, -2))) / (2.0 * h)
        outs.append(sh.concatenate([first, inner, last], axis=ax))
    return outs[0] if len(outs) == 1 else tuple(outs)


def cumulative_sum(x, /, *, axis=None, dtype=None, out=None, include_initial=False):
    if dtype is not None and not isinstance(x, Traced):
        return np.cumulative_sum(x, axis=axis, dtype=dtype, include_initial=include_initial)
    x = sh.in_dtype("cumulative_sum", x, dtype)
    return _cumulative(cumsum_axis, 0.0, x, axis, include_initial, "cumulative_sum", out)


def cumulative_prod(x, /, *, axis=None, dtype=None, out=None, include_initial=False):
    if dtype is not None and not isinstance(x, Traced):
        return np.cumulative_prod(x, axis=axis, dtype=dtype, include_initial=include_initial)
    x = sh.in_dtype("cumulative_prod", x, dtype)
    return _cumulative(cumprod_axis, 1.0, x, axis, include_initial, "cumulative_prod", out)


def _cumulative(prim, initial, x, axis, include_initial, name, out):
    declare.no_out(name, out)
    nd = ndim_of(x)
    if axis is None:
        if nd > 1:
            raise ValueError(f"{name}: axis is required for arrays with more than one dimension")
        axis = 0
    ax = declare.axis_index(axis, nd)
    res = prim(x, ax)
    if include_initial:
        width = [(0, 0)] * nd
        width[ax] = (1, 0)
        res = pad(res, width, constant_values=initial)
    return res


__all__ = [
    "cumprod",
    "cumprod_axis",
    "cumsum",
    "cumsum_axis",
    "cumulative_prod",
    "cumulative_sum",
    "diff",
    "gradient",
]
