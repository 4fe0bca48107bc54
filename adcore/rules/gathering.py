"""Gathers: take, take_along_axis, choose, and sort and partition (a gather
by the sorting permutation, computed on plain values, so the gradient is routed
back to the entries each output came from).  All are composites of getitem.
"""

import numpy as np

from adcore.core import getval, ndim_of, shape_of
from adcore.rules import declare
from adcore.rules import shape as sh


# ---- gathering ----------------------------------------------------------------------
def take(a, indices, axis=None, out=None, mode="raise"):
    declare.no_out("take", out)
    if axis is None:
        a, ax = sh.ravel(a), 0
    else:
        ax = declare.axis_index(axis, ndim_of(a))
    n = shape_of(a)[ax]
    indices = np.asarray(getval(indices))
    if mode == "wrap":
        indices = np.mod(indices, n)
    elif mode == "clip":
        indices = np.clip(indices, 0, n - 1)
    elif mode != "raise":
        raise ValueError(f"take: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
    index = indices.item() if indices.ndim == 0 else indices
    return sh.getitem(a, (slice(None),) * ax + (index,))


def _fancy_along(shape, indices, ax):
    """The advanced index selecting ``indices`` along ``ax`` (take_along_axis)."""
    nd = len(shape)
    index = []
    for d in range(nd):
        if d == ax:
            index.append(indices)
        else:
            index.append(np.arange(shape[d]).reshape([-1 if k == d else 1 for k in range(nd)]))
    return tuple(index)


def take_along_axis(arr, indices, axis=-1):
    indices = np.asarray(getval(indices))
    if axis is None:
        arr, ax = sh.ravel(arr), 0
    else:
        ax = declare.axis_index(axis, ndim_of(arr))
    if indices.ndim != ndim_of(arr):
        raise ValueError(
            f"take_along_axis: indices has {indices.ndim} dims but arr has {ndim_of(arr)}"
        )
    return sh.getitem(arr, _fancy_along(shape_of(arr), indices, ax))


def choose(a, choices, out=None, mode="raise"):
    declare.no_out("choose", out)
    a = np.asarray(getval(a))
    choices = list(choices)
    n = len(choices)
    if mode == "wrap":
        a = np.mod(a, n)
    elif mode == "clip":
        a = np.clip(a, 0, n - 1)
    elif np.any((a < 0) | (a >= n)):
        raise ValueError(f"choose: index out of range for {n} choices")
    shape = np.broadcast_shapes(a.shape, *[shape_of(c) for c in choices])
    stacked = sh.stack([sh.broadcast_to(c, shape) for c in choices], axis=0)
    index = (np.broadcast_to(a, shape),) + tuple(np.indices(shape, sparse=True))
    return sh.getitem(stacked, index)


def sort(a, axis=-1, kind=None, order=None, *, stable=None):
    """Sorted values; the gradient is routed back through the sorting permutation."""
    if axis is None:
        a, axis = sh.ravel(a), 0
    if order is not None:
        raise NotImplementedError("sort(order=...) (structured arrays) is not differentiable")
    perm = np.argsort(getval(a), axis=axis, kind=kind, stable=stable)
    return take_along_axis(a, perm, axis)


def partition(a, kth, axis=-1, kind="introselect", order=None):
    if axis is None:
        a, axis = sh.ravel(a), 0
    perm = np.argpartition(getval(a), kth, axis=axis, kind=kind)
    return take_along_axis(a, perm, axis)


__all__ = [
    "choose",
    "partition",
    "sort",
    "take",
    "take_along_axis",
]
