"""Triangles and diagonals: tril, triu (a constant mask), diagonal, diag and
trace (gathers and scatters of getitem).
"""

import numpy as np

from adcore.core import Traced, ndim_of, shape_of
from adcore.rules import declare
from adcore.rules import elementwise as ew
from adcore.rules import reductions as red
from adcore.rules import shape as sh


# ---- triangles and diagonals -----------------------------------------------------------
def _tri_mask(x, k, lower):
    s = shape_of(x)
    n, m = (s[-1], s[-1]) if len(s) < 2 else s[-2:]
    keep = np.tri(n, m, k, dtype=bool) if lower else ~np.tri(n, m, k - 1, dtype=bool)
    return declare.mask(keep, x)


def tril(m, k=0):
    return ew.multiply(m, _tri_mask(m, k, True))


def triu(m, k=0):
    return ew.multiply(m, _tri_mask(m, k, False))


def _diag_index(n, m, offset):
    length = max(0, min(n, m - offset) if offset >= 0 else min(n + offset, m))
    rows = np.arange(length) + max(0, -offset)
    return rows, rows + offset


def diagonal(a, offset=0, axis1=0, axis2=1):
    nd = ndim_of(a)
    if nd < 2:
        raise ValueError(f"diagonal requires an array of at least two dimensions, got {nd}")
    a1, a2 = declare.axis_index(axis1, nd, "axis1"), declare.axis_index(axis2, nd, "axis2")
    if a1 == a2:
        raise ValueError("diagonal: axis1 and axis2 cannot be the same")
    a = sh.moveaxis(a, (a1, a2), (-2, -1))
    n, m = shape_of(a)[-2:]
    rows, cols = _diag_index(n, m, int(offset))
    return sh.getitem(a, (Ellipsis, rows, cols))


def diag(v, k=0):
    nd = ndim_of(v)
    if nd == 2:
        return diagonal(v, k)
    if nd != 1:
        raise ValueError(f"diag: input must be 1-d or 2-d, got shape {shape_of(v)}")
    n = shape_of(v)[0] + abs(int(k))
    rows, cols = _diag_index(n, n, int(k))
    return sh.scatter_add(v, (rows, cols), (n, n))


def trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    declare.no_out("trace", out)
    if dtype is not None and not isinstance(a, Traced):
        return np.trace(a, offset, axis1, axis2, dtype=dtype)
    return red.sum(diagonal(sh.in_dtype("trace", a, dtype), offset, axis1, axis2), axis=-1)


__all__ = [
    "diag",
    "diagonal",
    "trace",
    "tril",
    "triu",
]
