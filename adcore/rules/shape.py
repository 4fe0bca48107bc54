"""Shape and indexing primitives: linear maps that only move entries around.

Each JVP applies the same map to the tangent (shifted past its batch axes);
each VJP applies the transposed map (inverse permutation, scatter-add for
indexing, slice for concatenation).  reshape and broadcast_to are defined in
``broadcast`` (beside sum, their transpose) and belong to this family too.
"""

import numpy as np

from adcore.core import (
    NONDIFF,
    Traced,
    defjvp,
    defrule_factories,
    defvjp_direct,
    getval,
    ndim_of,
    shape_of,
)
from adcore.rules import declare
from adcore.rules import elementwise as ew
from adcore.rules.broadcast import broadcast_to, reshape


def _shape_prim(impl, name, arity=1):
    return declare.rule_primitive(impl, name, "shape", "shape", arity)


_nb = declare.batch_ndim


# ---- transpose --------------------------------------------------------------


def _full_axes(axes, ndim):
    if axes is None:
        return tuple(range(ndim))[::-1]
    return tuple(declare.axis_index(a, ndim) for a in axes)


def _shifted(axes, nb):
    return tuple(range(nb)) + tuple(a + nb for a in axes)


transpose = _shape_prim(lambda x, axes=None: np.transpose(x, axes), "transpose")
declare.linear(
    transpose,
    lambda g, ans, x, axes=None: transpose(
        g, _shifted(tuple(np.argsort(_full_axes(axes, ndim_of(x)))), _nb(g, ans))
    ),
    # the batch axes stay in front
    tangent_params=lambda g, ans, x, axes=None: (
        (_shifted(_full_axes(axes, ndim_of(x)), _nb(g, x)),),
        {},
    ),
    nondiff=1,
)


# ---- dtype casts ------------------------------------------------------------
def _astype(x, dtype):
    x = np.asarray(x)
    if x.dtype.kind == "c" and np.dtype(dtype).kind != "c":
        x = x.real  # numpy's cast drops the imaginary part too, with a ComplexWarning
    return x.astype(dtype)


# complex -> real is the real part, so the JVP (astype of the tangent) and the
# transpose (a real cotangent cast up, a complex one's real part cast down) follow
astype = _shape_prim(_astype, "astype")
declare.linear(astype, lambda g, ans, x, dtype: astype(g, np.result_type(getval(x))), nondiff=1)


def in_dtype(name, a, dtype):
    """``a`` cast to the ``dtype=`` a numpy reduction was asked to work in.

    A float dtype is a cast (``astype``) before the reduction, so the value is
    numpy's and the derivative follows the cast.  An integer or bool dtype on a
    traced array raises ``TypeError``: truncating to integers cuts the derivative,
    and a silent zero gradient is worse than an error.  (Plain arrays never get
    here: the wrappers hand them to numpy unchanged.)
    """
    if dtype is None or not isinstance(a, Traced):
        return a
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise TypeError(
            f"adcore.numpy.{name}(..., dtype={dt.name}) on a traced array: {dt.name} results "
            "have no derivative. Use a float dtype, or reduce adcore.getval(a) if you only "
            "need the number."
        )
    return a if np.result_type(getval(a)) == dt else astype(a, dt)


# ---- indexing ---------------------------------------------------------------


def _as_index(index):
    return index if isinstance(index, tuple) else (index,)


def _is_basic(index):
    return all(i is None or i is Ellipsis or isinstance(i, (slice, int, np.integer)) for i in index)


def _index_batched(g, index, nb):
    """``g[index]`` for a g with ``nb`` leading batch axes."""
    if nb == 0:
        return g[index]
    index = _as_index(index)
    if _is_basic(index):
        return g[(slice(None),) * nb + index]
    # Advanced indices can move result axes to the front; with the batch axes
    # moved to the end numpy leaves them there untouched.
    gt = transpose(g, tuple(range(nb, ndim_of(g))) + tuple(range(nb)))
    tail = (slice(None),) * nb if any(i is Ellipsis for i in index) else ()
    out = gt[index + tail]
    k = ndim_of(out)
    return transpose(out, tuple(range(k - nb, k)) + tuple(range(k - nb)))


def _getitem_impl(x, index):
    return x[index]


getitem = _shape_prim(_getitem_impl, "getitem")


def _scatter_add_impl(g, index, shape):
    """Zeros of ``batch + shape`` with g added at ``index``: getitem's transpose."""
    # the indexed shape, from a zero-stride view (no allocation of `shape`)
    nb = np.ndim(g) - np.ndim(np.broadcast_to(np.empty((), dtype=bool), shape)[index])
    bshape = np.shape(g)[:nb]
    out = np.zeros(bshape + tuple(shape), dtype=np.result_type(g))
    idx = _as_index(index)
    if _is_basic(idx):
        # a basic index selects each element at most once: assign (np.add.at is slow)
        out[(slice(None),) * nb + idx] = g
        return out
    if nb == 0:
        np.add.at(out, index, g)
        return out
    outt = np.moveaxis(out, tuple(range(nb)), tuple(range(-nb, 0)))
    tail = (slice(None),) * nb if any(i is Ellipsis for i in idx) else ()
    gt = np.moveaxis(g, tuple(range(nb)), tuple(range(-nb, 0)))
    np.add.at(outt, idx + tail, gt)
    return out


scatter_add = _shape_prim(_scatter_add_impl, "scatter_add")

defjvp(getitem, lambda g, ans, x, index: _index_batched(g, index, _nb(g, x)), NONDIFF, batched=True)
defvjp_direct(getitem, lambda g, ans, x, index: scatter_add(g, index, shape_of(x)), NONDIFF)
declare.linear(
    scatter_add,
    # x may itself carry batch axes (a batched cotangent scattered inside another
    # transform's rule): index the last len(shape) axes, everything before is batch
    lambda g, ans, x, index, shape: _index_batched(g, index, ndim_of(g) - len(shape)),
    nondiff=2,
)

# ---- concatenate (and stack on top of it) -------------------------------------


def _concat_impl(*arrays, axis=0):
    return np.concatenate(arrays, axis=axis)


concatenate_arrays = _shape_prim(_concat_impl, "concatenate", arity=2)


def _slot(i, arrays, axis, ndim):
    """Index selecting argument i's block of the concatenation, batch-agnostic."""
    ax = declare.neg_axes(axis, ndim)[0]
    sizes = [shape_of(a)[ax] for a in arrays]
    start = int(np.sum(sizes[:i], dtype=np.int64))
    return (Ellipsis, slice(start, start + sizes[i])) + (slice(None),) * (-ax - 1)


def _concat_rules(i):
    def jvp(g, ans, *arrays, axis=0):
        return scatter_add(g, _slot(i, arrays, axis, ndim_of(ans)), shape_of(ans))

    def vjp(g, ans, *arrays, axis=0):
        return g[_slot(i, arrays, axis, ndim_of(ans))]

    return jvp, vjp


def _concat_jvp_joint(tangents, ans, *arrays, axis=0):
    """Every argument's tangent at once: their concatenation (zeros for constant blocks),
    one output-sized array instead of one per argument (``ForwardTag._joint``)."""
    i = next(k for k, t in enumerate(tangents) if t is not None)
    batch = shape_of(tangents[i])[: ndim_of(tangents[i]) - ndim_of(arrays[i])]
    dtype = np.result_type(getval(tangents[i]))
    blocks = [
        np.zeros(batch + shape_of(a), dtype=dtype) if t is None else t
        for t, a in zip(tangents, arrays)
    ]
    return concatenate_arrays(*blocks, axis=declare.neg_axes(axis, ndim_of(ans))[0])


concatenate_arrays.variants["jvp_joint"] = _concat_jvp_joint

defrule_factories(
    concatenate_arrays,
    jvp=lambda i: _concat_rules(i)[0],  # any number of concatenated arguments
    vjp=lambda i: _concat_rules(i)[1],
)


# ---- composites -------------------------------------------------------------
def concatenate(arrays, axis=0):
    if axis is None:
        return concatenate_arrays(*[ravel(a) for a in arrays], axis=0)
    return concatenate_arrays(*arrays, axis=axis)


def _axis_list(axis, ndim, what="axis"):
    """An int or a sequence of ints as non-negative axes; repeats are an error (numpy's)."""
    axes = [axis] if np.ndim(axis) == 0 else list(axis)
    out = [declare.axis_index(a, ndim, what) for a in axes]
    if len(set(out)) != len(out):
        raise ValueError(f"repeated {what} in {tuple(int(a) for a in axes)}")
    return out


def expand_dims(x, axis):
    shape = shape_of(x)
    n = len(shape) + (1 if np.ndim(axis) == 0 else len(axis))
    new = list(shape)
    for a in sorted(_axis_list(axis, n)):
        new.insert(a, 1)
    return reshape(x, tuple(new))


def squeeze(x, axis=None):
    shape = shape_of(x)
    if axis is None:
        axes = [i for i, d in enumerate(shape) if d == 1]
    else:
        axes = _axis_list(axis, len(shape))
        for a in axes:
            if shape[a] != 1:
                raise ValueError(f"cannot squeeze axis {a} of size {shape[a]} (shape {shape})")
    return reshape(x, tuple(d for i, d in enumerate(shape) if i not in axes))


def stack(arrays, axis=0):
    arrays = list(arrays)
    if not arrays:
        raise ValueError("need at least one array to stack")
    ax = declare.axis_index(axis, ndim_of(arrays[0]) + 1)
    return concatenate([expand_dims(a, ax) for a in arrays], axis=ax)


def _layout_order(x, order):
    """The C-order positions of x's entries in numpy's ``order='A'``/``'K'`` reading,
    taken from the memory layout of x's value (what numpy reads)."""
    xv = np.asarray(getval(x))
    positions = np.empty_like(xv, dtype=np.int64, order="K")
    positions[...] = np.arange(xv.size).reshape(xv.shape)
    return np.ravel(positions, order=order)


def ravel(x, order="C"):
    """numpy.ravel: 'C' reads the last axis fastest, 'F' the first; 'A' and 'K'
    follow the memory layout of x's value, as numpy does."""
    size = int(np.prod(shape_of(x), dtype=np.int64))
    if order == "C" or ndim_of(x) < 2:
        return reshape(x, (size,))
    if order == "F":
        return reshape(transpose(x, None), (size,))
    if order not in ("A", "K"):
        raise ValueError(f"ravel: order must be one of 'C', 'F', 'A', 'K', got {order!r}")
    positions = _layout_order(x, order)
    flat = reshape(x, (size,))
    if np.array_equal(positions, np.arange(size)):
        return flat
    return getitem(flat, positions)


def swapaxes(x, axis1, axis2):
    n = ndim_of(x)
    a1, a2 = declare.axis_index(axis1, n, "axis1"), declare.axis_index(axis2, n, "axis2")
    perm = list(range(n))
    perm[a1], perm[a2] = perm[a2], perm[a1]
    return transpose(x, tuple(perm))


def matrix_transpose(x):
    """Swap the last two axes (numpy's ``x.mT``); leading (batch, stack) axes stay."""
    n = ndim_of(x)
    if n < 2:
        raise ValueError(f"matrix_transpose: input must be at least 2-d, got shape {shape_of(x)}")
    return transpose(x, tuple(range(n - 2)) + (n - 1, n - 2))


def moveaxis(x, source, destination):
    n = ndim_of(x)
    src = _axis_list(source, n, "source")
    dst = _axis_list(destination, n, "destination")
    if len(src) != len(dst):
        raise ValueError(
            "moveaxis: `source` and `destination` arguments must have the same number of elements"
        )
    order = [a for a in range(n) if a not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(x, tuple(order))


def at_set(x, index, value):
    """Functional ``x[index] = value``: a new array, differentiable in x and value.

    As with numpy's assignment, when ``index`` names a position more than once
    the last write wins: only that entry of ``value`` reaches the result (and
    receives its cotangent); x keeps none of the written positions.
    """
    shape = shape_of(x)
    # numpy's own assignment decides which entry of the (broadcast) value lands where
    owner = np.full(shape, -1, dtype=np.int64)
    picked_shape = np.shape(owner[index])
    owner[index] = np.arange(int(np.prod(picked_shape, dtype=np.int64))).reshape(picked_shape)
    written = owner >= 0
    wins = np.zeros(picked_shape, dtype=bool)
    wins.reshape(-1)[owner[written]] = True
    if not isinstance(value, Traced):  # numpy casts the written values to x's dtype
        value = np.asarray(value, dtype=np.result_type(getval(x)))
    placed = broadcast_to(value, picked_shape)
    if not wins.all():  # a repeated position: drop the writes that are overwritten
        placed = ew.where(wins, placed, 0.0)
    return ew.where(written, scatter_add(placed, index, shape), x)
