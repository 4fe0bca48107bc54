"""Joining and splitting: the atleast_* promotions, hstack/vstack/dstack/
column_stack/append, the split family, tile, repeat and pad.

All but ``pad_zeros`` are composites of reshape, broadcast_to, getitem and
concatenate; pad_zeros is a primitive whose transpose is a slice.
"""

import numpy as np

from adcore.core import Traced, getval, ndim_of, shape_of
from adcore.rules import declare
from adcore.rules import shape as sh
from adcore.rules.gathering import take


# ---- padding -----------------------------------------------------------------------
def _pad_impl(x, width):
    return np.pad(x, width)


pad_zeros = declare.rule_primitive(_pad_impl, "pad_zeros", "arrays", "shape")


def _pad_vjp(g, ans, x, width):
    s = shape_of(ans)
    index = tuple(slice(b, s[k] - a) for k, (b, a) in enumerate(width))
    return sh.getitem(g, (Ellipsis,) + index)


declare.linear(
    pad_zeros,
    _pad_vjp,
    tangent_params=lambda g, ans, x, width: (
        (((0, 0),) * declare.batch_ndim(g, x) + tuple(width),),
        {},
    ),
    nondiff=1,
)

_GATHER_MODES = ("edge", "reflect", "symmetric", "wrap")


def pad(array, pad_width, mode="constant", **kwargs):
    nd = ndim_of(array)
    width = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (nd, 2))
    if np.any(width < 0):
        raise ValueError(f"pad: pad_width must be non-negative, got {pad_width!r}")
    width = tuple((int(b), int(a)) for b, a in width)
    if mode == "constant":
        value = kwargs.pop("constant_values", 0)
        if kwargs:
            raise NotImplementedError(
                f"pad(mode='constant'): unsupported arguments {sorted(kwargs)}"
            )
        if isinstance(value, Traced):
            raise NotImplementedError("pad: a traced constant_values is not supported")
        out = pad_zeros(array, width)
        if np.any(np.asarray(value) != 0):
            dtype = np.result_type(getval(array))
            out = out + np.pad(np.zeros(shape_of(array), dtype), width, constant_values=value)
        return out
    if mode not in _GATHER_MODES:
        raise NotImplementedError(
            f"pad(mode={mode!r}) has no adcore rule; supported: 'constant', "
            + ", ".join(repr(m) for m in _GATHER_MODES)
        )
    out = array
    for ax, (b, a) in enumerate(width):
        if b or a:
            index = np.pad(np.arange(shape_of(out)[ax]), (b, a), mode=mode, **kwargs)
            out = take(out, index, axis=ax)
    return out


# ---- tiling and repeating ------------------------------------------------------------
def tile(A, reps):
    reps = (int(reps),) if np.ndim(reps) == 0 else tuple(int(r) for r in reps)
    shape = shape_of(A)
    d = max(len(shape), len(reps))
    shape = (1,) * (d - len(shape)) + tuple(shape)
    reps = (1,) * (d - len(reps)) + reps
    if not shape:
        return sh.reshape(A, ())
    spread = sh.reshape(A, tuple(v for s in shape for v in (1, s)))
    spread = sh.broadcast_to(spread, tuple(v for r, s in zip(reps, shape) for v in (r, s)))
    return sh.reshape(spread, tuple(r * s for r, s in zip(reps, shape)))


def repeat(a, repeats, axis=None):
    if axis is None:
        a, ax = sh.ravel(a), 0
    else:
        ax = declare.axis_index(axis, ndim_of(a))
    shape = shape_of(a)
    if np.ndim(repeats) == 0 or np.size(repeats) == 1:
        r = int(np.ravel(repeats)[0])
        wide = sh.expand_dims(a, ax + 1)
        wide = sh.broadcast_to(wide, shape[: ax + 1] + (r,) + shape[ax + 1 :])
        return sh.reshape(wide, shape[:ax] + (shape[ax] * r,) + shape[ax + 1 :])
    index = np.repeat(np.arange(shape[ax]), repeats)
    return take(a, index, axis=ax)


# ---- stacking and splitting -------------------------------------------------------------
def _atleast(nd, arys):
    out = []
    for x in arys:
        s = shape_of(x)
        if len(s) >= nd:
            out.append(x)
        elif nd == 1:
            out.append(sh.reshape(x, (1,)))
        elif nd == 2:
            out.append(sh.reshape(x, (1,) * (2 - len(s)) + tuple(s)))
        else:  # numpy's 3-d rule: (N,) -> (1, N, 1), (M, N) -> (M, N, 1)
            new = {0: (1, 1, 1), 1: (1,) + tuple(s) + (1,), 2: tuple(s) + (1,)}[len(s)]
            out.append(sh.reshape(x, new))
    return out[0] if len(out) == 1 else out


def atleast_1d(*arys):
    return _atleast(1, arys)


def atleast_2d(*arys):
    return _atleast(2, arys)


def atleast_3d(*arys):
    return _atleast(3, arys)


def _seq(tup, nd):
    arrs = [_atleast(nd, (x,)) for x in tup]
    if not arrs:
        raise ValueError("need at least one array to concatenate")
    return arrs


def hstack(tup, *, dtype=None, casting="same_kind"):
    arrs = _seq(tup, 1)
    return sh.concatenate(arrs, axis=0 if ndim_of(arrs[0]) == 1 else 1)


def vstack(tup, *, dtype=None, casting="same_kind"):
    return sh.concatenate(_seq(tup, 2), axis=0)


def dstack(tup):
    return sh.concatenate(_seq(tup, 3), axis=2)


def column_stack(tup):
    """numpy.column_stack: 0-d and 1-d inputs become columns ((n,) -> (n, 1), () -> (1, 1))."""
    arrs = []
    for x in tup:
        nd = ndim_of(x)
        arrs.append(sh.reshape(x, (int(np.size(getval(x))), 1)) if nd < 2 else x)
    if not arrs:
        raise ValueError("need at least one array to concatenate")
    return sh.concatenate(arrs, axis=1)


def append(arr, values, axis=None):
    if axis is None:
        return sh.concatenate([sh.ravel(arr), sh.ravel(values)], axis=0)
    return sh.concatenate([arr, values], axis=axis)


def _bounds(n, indices_or_sections, equal):
    if np.ndim(indices_or_sections) == 0:
        sections = int(indices_or_sections)
        if sections <= 0:
            raise ValueError("number sections must be larger than 0.")
        each, extra = divmod(n, sections)
        if equal and extra:
            raise ValueError("array split does not result in an equal division")
        sizes = [each + 1] * extra + [each] * (sections - extra)
        return [0] + list(np.cumsum(sizes))
    return [0] + [int(i) for i in indices_or_sections] + [n]


def array_split(ary, indices_or_sections, axis=0, _equal=False):
    nd = ndim_of(ary)
    ax = declare.axis_index(axis, nd)
    cuts = _bounds(shape_of(ary)[ax], indices_or_sections, _equal)
    return [
        sh.getitem(ary, (slice(None),) * ax + (slice(int(s), int(e)),))
        for s, e in zip(cuts[:-1], cuts[1:])
    ]


def split(ary, indices_or_sections, axis=0):
    return array_split(ary, indices_or_sections, axis, _equal=True)


def vsplit(ary, indices_or_sections):
    if ndim_of(ary) < 2:
        raise ValueError("vsplit only works on arrays of 2 or more dimensions")
    return split(ary, indices_or_sections, 0)


def hsplit(ary, indices_or_sections):
    if ndim_of(ary) == 0:
        raise ValueError("hsplit only works on arrays of 1 or more dimensions")
    return split(ary, indices_or_sections, 1 if ndim_of(ary) > 1 else 0)


def dsplit(ary, indices_or_sections):
    if ndim_of(ary) < 3:
        raise ValueError("dsplit only works on arrays of 3 or more dimensions")
    return split(ary, indices_or_sections, 2)


__all__ = [
    "append",
    "array_split",
    "atleast_1d",
    "atleast_2d",
    "atleast_3d",
    "column_stack",
    "dsplit",
    "dstack",
    "hsplit",
    "hstack",
    "pad",
    "pad_zeros",
    "repeat",
    "split",
    "tile",
    "vsplit",
    "vstack",
]
