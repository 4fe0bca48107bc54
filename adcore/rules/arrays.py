"""Array manipulation: stacking, splitting, tiling, padding, flipping, rolling,
gathering (take, take_along_axis, choose, sort), differences and running sums,
triangles and diagonals.

Most of these move entries around and are *composites*: built from reshape,
broadcast_to, transpose, getitem and concatenate, whose rules already handle
batch axes, so they are differentiable (to any order, in both modes) for free.
sort and partition are gradient-routing permutations: the permutation is
computed on plain values and applied with take_along_axis.

Primitives with a dedicated rule: ``flip`` and ``roll`` (their own transposes,
up to the sign of the shift), ``cumsum`` and ``cumprod`` (reverse running
sums), ``pad_zeros`` (its transpose is a slice).  Their rules use negative
axes, so a (co)tangent with leading batch axes takes the same path.
"""

import numpy as np

from adcore.core import Primitive, Traced, defjvp, defvjp_direct, getval, ndim_of, shape_of
from adcore.rules import declare
from adcore.rules import elementwise as ew
from adcore.rules import reductions as red
from adcore.rules import shape as sh


def _prim(impl, name, kind="shape", arity=1):
    prim = Primitive(impl, name=name, family="arrays")
    prim.meta.update(kind=kind, arity=arity)
    return prim


def _nb(g, like):
    return ndim_of(g) - ndim_of(like)


_axis = declare.axis_index  # one axis as a non-negative int; numpy's AxisError out of range


def _ordered_neg(axes, ndim):
    """Axes as negative ints, order kept (pairs with shifts in roll)."""
    return tuple(_axis(a, ndim) - ndim for a in axes)


def _along(ndim, ax, index):
    """An index applying ``index`` on axis ``ax`` of an ndim array, counted from the end."""
    return (Ellipsis, index) + (slice(None),) * (ndim - ax - 1)


# ---- flip: its own transpose ------------------------------------------------------
flip = _prim(lambda m, axis=None: np.flip(m, axis), "flip")


def _flip_rule(g, ans, m, axis=None):
    return flip(g, declare.neg_axes(axis, ndim_of(m)))


defjvp(flip, _flip_rule, batched=True)
defvjp_direct(flip, _flip_rule)


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
    a0, a1 = _axis(axes[0], n, "rot90 axis"), _axis(axes[1], n, "rot90 axis")
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
roll_axes = _prim(lambda a, shift, axis: np.roll(a, shift, axis), "roll")


def _roll_rule(sign):
    def rule(g, ans, a, shift, axis):
        shifts, axes = _roll_pairs(shift, axis, ndim_of(a))
        return roll_axes(g, tuple(sign * s for s in shifts), axes)

    return rule


def _roll_pairs(shift, axis, ndim):
    if axis is None:
        raise ValueError("roll primitive needs explicit axes (the roll() function handles None)")
    s, a = np.broadcast_arrays(np.asarray(shift, dtype=np.int64), np.asarray(axis))
    return tuple(int(v) for v in s.ravel()), _ordered_neg(a.ravel(), ndim)


defjvp(roll_axes, _roll_rule(1), batched=True)
defvjp_direct(roll_axes, _roll_rule(-1))


def roll(a, shift, axis=None):
    if axis is None:
        return sh.reshape(roll_axes(sh.ravel(a), shift, 0), shape_of(a))
    shifts, axes = _roll_pairs(shift, axis, ndim_of(a))
    return roll_axes(a, shifts, axes)


# ---- running sums and products -----------------------------------------------------
cumsum_axis = _prim(lambda a, axis: np.cumsum(a, axis=axis), "cumsum", kind="axis")


def _reverse_cumsum(g, ax):
    return flip(cumsum_axis(flip(g, ax), ax), ax)


def _cum_ax(a, axis):
    return _axis(axis, ndim_of(a)) - ndim_of(a)


defjvp(cumsum_axis, lambda g, ans, a, axis: cumsum_axis(g, _cum_ax(a, axis)), batched=True)
defvjp_direct(cumsum_axis, lambda g, ans, a, axis: _reverse_cumsum(g, _cum_ax(a, axis)))

cumprod_axis = _prim(lambda a, axis: np.cumprod(a, axis=axis), "cumprod", kind="axis")


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
    if np.all(getval(a) != 0):  # d ans_j / d a_i = ans_j / a_i for i <= j
        return ans * cumsum_axis(g / a, ax)
    # exact between zeros, at every order (prod does the same): t_j = sum_i g_i Q_ij
    q = _others_cumprod(a, ax)
    t = red.sum(sh.expand_dims(sh.moveaxis(g, ax, -1), -1) * q, axis=-2)
    return sh.moveaxis(t, -1, ax)


def _cumprod_vjp(g, ans, a, axis):
    ax = _cum_ax(a, axis)
    if np.all(getval(a) != 0):
        return _reverse_cumsum(g * ans, ax) / a
    q = _others_cumprod(a, ax)  # c_i = sum_j Q_ij g_j
    c = red.sum(q * sh.expand_dims(sh.moveaxis(g, ax, -1), -2), axis=-1)
    return sh.moveaxis(c, -1, ax)


defjvp(cumprod_axis, _cumprod_jvp, batched=True)
defvjp_direct(cumprod_axis, _cumprod_vjp)


def _no_out(name, out):
    if out is not None:
        raise TypeError(f"adcore.numpy.{name}: out= writes in place; use the returned array")


def cumsum(a, axis=None, dtype=None, out=None):
    """numpy.cumsum; ``dtype=`` as in ``shape.in_dtype`` (integer dtypes raise)."""
    _no_out("cumsum", out)
    if dtype is not None and not isinstance(a, Traced):
        return np.cumsum(a, axis=axis, dtype=dtype)
    a = sh.in_dtype("cumsum", a, dtype)
    if axis is None:
        return cumsum_axis(sh.ravel(a), 0)
    return cumsum_axis(a, _axis(axis, ndim_of(a)))


def cumprod(a, axis=None, dtype=None, out=None):
    """numpy.cumprod; ``dtype=`` as in ``shape.in_dtype`` (integer dtypes raise)."""
    _no_out("cumprod", out)
    if dtype is not None and not isinstance(a, Traced):
        return np.cumprod(a, axis=axis, dtype=dtype)
    a = sh.in_dtype("cumprod", a, dtype)
    if axis is None:
        return cumprod_axis(sh.ravel(a), 0)
    return cumprod_axis(a, _axis(axis, ndim_of(a)))


def diff(a, n=1, axis=-1, prepend=np._NoValue, append=np._NoValue):
    nd = ndim_of(a)
    if nd == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    ax = _axis(axis, nd)
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
        axes = tuple(_axis(a, nd) for a in ((axis,) if np.ndim(axis) == 0 else axis))
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


# ---- padding -----------------------------------------------------------------------
def _pad_impl(x, width):
    return np.pad(x, width)


pad_zeros = _prim(_pad_impl, "pad_zeros")


def _pad_jvp(g, ans, x, width):
    return pad_zeros(g, ((0, 0),) * _nb(g, x) + tuple(width))


def _pad_vjp(g, ans, x, width):
    s = shape_of(ans)
    index = tuple(slice(b, s[k] - a) for k, (b, a) in enumerate(width))
    return sh.getitem(g, (Ellipsis,) + index)


defjvp(pad_zeros, _pad_jvp, batched=True)
defvjp_direct(pad_zeros, _pad_vjp)

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
        ax = _axis(axis, ndim_of(a))
    shape = shape_of(a)
    if np.ndim(repeats) == 0 or np.size(repeats) == 1:
        r = int(np.ravel(repeats)[0])
        wide = sh.expand_dims(a, ax + 1)
        wide = sh.broadcast_to(wide, shape[: ax + 1] + (r,) + shape[ax + 1 :])
        return sh.reshape(wide, shape[:ax] + (shape[ax] * r,) + shape[ax + 1 :])
    index = np.repeat(np.arange(shape[ax]), repeats)
    return take(a, index, axis=ax)


# ---- gathering ----------------------------------------------------------------------
def take(a, indices, axis=None, out=None, mode="raise"):
    _no_out("take", out)
    if axis is None:
        a, ax = sh.ravel(a), 0
    else:
        ax = _axis(axis, ndim_of(a))
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
        ax = _axis(axis, ndim_of(arr))
    if indices.ndim != ndim_of(arr):
        raise ValueError(
            f"take_along_axis: indices has {indices.ndim} dims but arr has {ndim_of(arr)}"
        )
    return sh.getitem(arr, _fancy_along(shape_of(arr), indices, ax))


def choose(a, choices, out=None, mode="raise"):
    _no_out("choose", out)
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
    ax = _axis(axis, nd)
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


def rollaxis(a, axis, start=0):
    n = ndim_of(a)
    axis = _axis(axis, n)
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
    a1, a2 = _axis(axis1, nd, "axis1"), _axis(axis2, nd, "axis2")
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
    _no_out("trace", out)
    if dtype is not None and not isinstance(a, Traced):
        return np.trace(a, offset, axis1, axis2, dtype=dtype)
    return red.sum(diagonal(sh.in_dtype("trace", a, dtype), offset, axis1, axis2), axis=-1)


# ---- statistics and construction --------------------------------------------------------
def average(a, axis=None, weights=None, returned=False, *, keepdims=False):
    if weights is None:
        avg = red.mean(a, axis=axis, keepdims=keepdims)
        if returned:
            count = np.broadcast_to(
                np.asarray(getval(a)).size / np.asarray(getval(avg)).size, shape_of(avg)
            )
            return avg, np.array(count, dtype=np.result_type(getval(avg)))
        return avg
    ws = shape_of(weights)
    if ws != shape_of(a):
        if axis is None or len(ws) != 1:
            raise TypeError("average: 1-d weights need an axis; otherwise shapes must match")
        ax = _axis(axis, ndim_of(a))
        shape = [1] * ndim_of(a)
        shape[ax] = ws[0]
        weights = sh.reshape(weights, tuple(shape))
    total = red.sum(ew.multiply(weights, a), axis=axis, keepdims=keepdims)
    norm = red.sum(sh.broadcast_to(weights, shape_of(a)), axis=axis, keepdims=keepdims)
    avg = total / norm
    return (avg, norm) if returned else avg


def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False):
    """numpy.quantile with the default 'linear' method: a blend of two order
    statistics, so the gradient goes to the (one or two) entries it picks."""
    _no_out("quantile", out)
    if method != "linear":
        raise NotImplementedError(f"quantile(method={method!r}): only 'linear' is supported")
    nd = ndim_of(a)
    axes = tuple(range(nd)) if axis is None else tuple(a_ % nd for a_ in declare.neg_axes(axis, nd))
    kept = [d for d in range(nd) if d not in axes]
    x = sh.transpose(a, tuple(kept) + axes)  # reduced axes last, then flattened
    lead = tuple(shape_of(a)[d] for d in kept)
    n = int(np.prod([shape_of(a)[d] for d in axes], dtype=np.int64))
    x = sh.reshape(x, lead + (n,))
    x = sort(x, axis=-1)
    qs = np.asarray(getval(q), dtype=np.float64)
    if np.any((qs < 0) | (qs > 1)):
        raise ValueError("Quantiles must be in the range [0, 1]")
    pos = qs * (n - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, n - 1)
    frac = (pos - lo).astype(np.result_type(getval(x)))
    res = take(x, lo, axis=-1) * (1.0 - frac) + take(x, hi, axis=-1) * frac
    if qs.ndim:  # numpy puts the quantile axes first
        res = sh.moveaxis(res, tuple(range(len(lead), len(lead) + qs.ndim)), tuple(range(qs.ndim)))
    if keepdims:
        res = sh.reshape(
            res, qs.shape + tuple(1 if d in axes else shape_of(a)[d] for d in range(nd))
        )
    return res


def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False):
    return quantile(a, np.asarray(q) / 100.0, axis, out, overwrite_input, method, keepdims)


def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    return quantile(a, 0.5, axis, out, overwrite_input, keepdims=keepdims)


def ptp(a, axis=None, out=None, keepdims=False):
    _no_out("ptp", out)
    return red.max(a, axis=axis, keepdims=keepdims) - red.min(a, axis=axis, keepdims=keepdims)


def cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, *, dtype=None):
    if fweights is not None or aweights is not None:
        raise NotImplementedError("cov: fweights/aweights are not supported")
    x = _atleast(2, (m,))
    if not rowvar and shape_of(x)[0] != 1:
        x = sh.transpose(x, None)
    if y is not None:
        y = _atleast(2, (y,))
        if not rowvar and shape_of(y)[0] != 1:
            y = sh.transpose(y, None)
        x = sh.concatenate([x, y], axis=0)
    if ddof is None:
        ddof = 0 if bias else 1
    n = shape_of(x)[1]
    centered = x - red.mean(x, axis=1, keepdims=True)
    c = (centered @ sh.transpose(centered, None)) / float(n - ddof)
    return sh.squeeze(c)


def corrcoef(x, y=None, rowvar=True, *, dtype=None):
    c = cov(x, y, rowvar)
    if ndim_of(c) == 0:
        return c / c
    d = ew.sqrt(diagonal(c))
    return c / sh.expand_dims(d, -1) / sh.expand_dims(d, 0)


def convolve(a, v, mode="full"):
    """1-d discrete convolution, as a gather of v against a (one product per tap)."""
    if ndim_of(a) != 1 or ndim_of(v) != 1:
        raise ValueError("convolve: object too deep for desired array (1-d inputs only)")
    n, m = shape_of(a)[0], shape_of(v)[0]
    if n == 0 or m == 0:
        raise ValueError("convolve: inputs cannot be empty")
    if m > n:
        a, v, n, m = v, a, m, n
    k = np.arange(n + m - 1)[:, None] - np.arange(n)[None, :]  # index into v
    valid = (k >= 0) & (k < m)
    taps = take(v, np.clip(k, 0, m - 1), axis=0) * declare.mask(valid, v)
    full_ = red.sum(taps * a, axis=-1)
    if mode == "full":
        return full_
    if mode == "same":
        start = (m - 1) // 2
        return sh.getitem(full_, slice(start, start + n))
    if mode == "valid":
        return sh.getitem(full_, slice(m - 1, n))
    raise ValueError(f"convolve: mode must be 'full', 'same' or 'valid', got {mode!r}")


def correlate(a, v, mode="valid"):
    """1-d cross-correlation: convolution with v reversed (real arrays)."""
    if shape_of(v)[0] > shape_of(a)[0]:  # numpy reverses the output when v is longer
        return flip(convolve(v, flip(a, 0), mode), 0)
    return convolve(a, flip(v, 0), mode)


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
    _no_out(name, out)
    nd = ndim_of(x)
    if axis is None:
        if nd > 1:
            raise ValueError(f"{name}: axis is required for arrays with more than one dimension")
        axis = 0
    ax = _axis(axis, nd)
    res = prim(x, ax)
    if include_initial:
        width = [(0, 0)] * nd
        width[ax] = (1, 0)
        res = pad(res, width, constant_values=initial)
    return res


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    if not (isinstance(start, Traced) or isinstance(stop, Traced)):
        return np.linspace(start, stop, num, endpoint, retstep, dtype, axis)
    if retstep:
        raise NotImplementedError("linspace(retstep=True) on traced values is not supported")
    shape = np.broadcast_shapes(shape_of(start), shape_of(stop))
    dtype = np.result_type(getval(start), getval(stop), float(num)) if dtype is None else dtype
    t = np.linspace(0.0, 1.0, int(num), endpoint=endpoint, dtype=dtype)
    t = t.reshape((-1,) + (1,) * len(shape))
    out = start + (stop - start) * t
    if axis != 0:
        out = sh.moveaxis(out, 0, axis)
    return out


def full(shape, fill_value, dtype=None, order="C", **kwargs):
    if not isinstance(fill_value, Traced):
        return np.full(shape, fill_value, dtype=dtype, order=order, **kwargs)
    shape = (int(shape),) if np.ndim(shape) == 0 else tuple(int(s) for s in shape)
    out = sh.broadcast_to(fill_value, shape)
    return out if dtype is None else sh.astype(out, np.dtype(dtype))


def select(condlist, choicelist, default=0):
    """The first choice whose condition holds, entrywise (a chain of ``where``)."""
    condlist, choicelist = list(condlist), list(choicelist)
    if len(condlist) != len(choicelist):
        raise ValueError("select: list of cases must be same length as list of conditions")
    out = default
    for cond, choice in reversed(list(zip(condlist, choicelist))):
        out = ew.where(np.asarray(getval(cond), dtype=bool), choice, out)
    return out


def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    xv = np.asarray(getval(x))
    if not isinstance(x, Traced):
        return np.nan_to_num(xv, copy=copy, nan=nan, posinf=posinf, neginf=neginf)
    fixed = np.nan_to_num(xv, nan=nan, posinf=posinf, neginf=neginf)
    return ew.where(np.isfinite(xv), x, fixed)


__all__ = [
    "append",
    "array_split",
    "atleast_1d",
    "atleast_2d",
    "atleast_3d",
    "average",
    "choose",
    "column_stack",
    "convolve",
    "corrcoef",
    "correlate",
    "cov",
    "cumprod",
    "cumsum",
    "cumulative_prod",
    "cumulative_sum",
    "diag",
    "diagonal",
    "diff",
    "dsplit",
    "dstack",
    "flip",
    "fliplr",
    "flipud",
    "full",
    "gradient",
    "hsplit",
    "hstack",
    "linspace",
    "median",
    "nan_to_num",
    "pad",
    "partition",
    "percentile",
    "ptp",
    "quantile",
    "repeat",
    "roll",
    "rollaxis",
    "rot90",
    "select",
    "sort",
    "split",
    "take",
    "take_along_axis",
    "tile",
    "trace",
    "tril",
    "triu",
    "vsplit",
    "vstack",
]
