"""The Taylor-mode transforms: ``jet`` (JAX's convention) and ``taylor_derivatives``.

``jet`` takes and returns *derivative* coefficients, as JAX's
``jax.experimental.jet`` does: the input curve is
``x(t) = x0 + x1 t + x2 t^2 / 2! + ...`` and ``series_out[n-1]`` is the n-th
derivative of ``f(x(t))`` at ``t = 0``.  Inside, the jets carry normalised
coefficients (``x_n / n!``), which keep the recurrences free of factorials.
"""

import math

import numpy as np

from adcore.core import Traced, getval, shape_of
from adcore.core.pytree import tree_flatten, tree_unflatten
from adcore.taylor.tracer import Jet, JetTag
from adcore.transforms.common import as_float_leaf, match_dtype


def _check(primals, series, batched):
    """Primal arrays, normalised coefficient lists, the order and the batch shape."""
    if not isinstance(primals, (tuple, list)) or not isinstance(series, (tuple, list)):
        raise TypeError("jet: primals and series must be tuples (one entry per argument of f)")
    if len(primals) != len(series):
        raise ValueError(
            f"jet: {len(primals)} primal argument(s) but {len(series)} series; "
            "give one list of coefficients per argument"
        )
    if not primals:
        raise ValueError("jet: f needs at least one argument to expand around")
    orders = {len(s) if isinstance(s, (tuple, list)) else None for s in series}
    if None in orders:
        raise TypeError("jet: each series must be a list of coefficient arrays [x1, x2, ...]")
    if len(orders) != 1:
        raise ValueError(f"jet: every argument needs the same number of terms, got {orders}")
    order = orders.pop()
    if order == 0:
        raise ValueError("jet: each series needs at least one term [x1, ...]")
    xs, normalised, batch = [], [], None
    for i, (x, terms) in enumerate(zip(primals, series)):
        if isinstance(x, (tuple, list, dict)):
            raise TypeError(f"jet: argument {i} must be an array, not a {type(x).__name__}")
        x = as_float_leaf(x, f"jet: argument {i}")
        xs.append(x)
        want = shape_of(getval(x))
        coeffs = []
        for n, term in enumerate(terms, start=1):
            got = shape_of(getval(term))
            if batched:
                if got[1:] != want or not got:
                    raise ValueError(
                        f"jet: term {n} of argument {i} has shape {got}; with batched=True "
                        f"it must be (batch,) + {want}"
                    )
                if batch is not None and got[:1] != batch:
                    raise ValueError(
                        f"jet: term {n} of argument {i} has batch size {got[0]}, "
                        f"the others {batch[0]}"
                    )
                batch = got[:1]
            elif got != want:
                raise ValueError(
                    f"jet: term {n} of argument {i} has shape {got} but the argument has shape "
                    f"{want} (pass batched=True for a leading batch of directions)"
                )
            if not isinstance(term, Traced) and not np.any(term):
                coeffs.append(None)  # a zero term costs nothing in the rules
            else:
                coeffs.append(match_dtype(term, x) / float(math.factorial(n)))
        normalised.append(coeffs)
    return xs, normalised, order, batch or ()


def jet(f, primals, series, *, batched=False):
    """Taylor mode: ``(f(*primals), series_out)`` for input curves given by their derivatives.

    ``series[i] = [x1, ..., xk]`` are the derivatives of argument i's curve at
    ``t = 0``; ``series_out`` has the output's structure with each leaf replaced
    by its k derivatives.  ``batched=True``: every term has a leading batch
    axis (many directions in one pass), and so do the output terms.
    """
    return _jet(f, *_check(primals, series, batched))


def _jet(f, xs, normalised, order, batch):
    """``jet`` on checked primals and normalised coefficient lists (None: a zero term)."""
    tag = JetTag(order, batch)
    try:
        out = f(*[Jet(x, c, tag) for x, c in zip(xs, normalised)])
    finally:
        tag.alive = False
    leaves, treedef = tree_flatten(out)
    primals_out, series_out = [], []
    for o in leaves:
        if type(o) is Jet and o.tag is tag:
            primals_out.append(o.primal)
            coeffs = o.series
        else:
            primals_out.append(o)
            coeffs = [None] * order
        series_out.append(
            [
                tag.zeros(o) if c is None else c * float(math.factorial(n))
                for n, c in enumerate(coeffs, 1)
            ]
        )
    return tree_unflatten(treedef, primals_out), tree_unflatten(treedef, series_out)


def taylor_derivatives(f, x, v, order, *, batched=False):
    """The first ``order`` derivatives of ``t -> f(x + t v)`` at ``t = 0``, as a list.

    One Taylor-mode pass; ``batched=True`` takes a batch of directions ``v``
    (leading axis) and gives each derivative that leading axis too.
    """
    if not isinstance(order, (int, np.integer)) or isinstance(order, bool) or order < 1:
        raise ValueError(f"taylor_derivatives: order must be a positive int, got {order!r}")
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        v = np.asarray(v, dtype=np.result_type(getval(x)))
    xs, normalised, _, batch = _check((x,), ([v],), batched)
    normalised[0] += [None] * (int(order) - 1)  # the higher terms of a line: zero, skipped
    _, series_out = _jet(f, xs, normalised, int(order), batch)
    return series_out
