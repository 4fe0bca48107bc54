"""Declaration helpers shared by the rule families.

* ``elementwise``: state each argument's partial derivative once; both the
  JVP and the VJP rule (with broadcasting and batch axes handled) follow.
* ``unbroadcast``: the adjoint of numpy broadcasting (sum over the axes that
  broadcasting added or stretched).
* ``batch_ndim`` and ``align_tangent``: how a rule sees leading batch axes.
"""

import numpy as np

from adcore.core import NONDIFF, Primitive, defjvp, defvjp_direct, getval, ndim_of, shape_of

# A partial derivative that is identically 1 (add) or -1 (subtract): the rule
# passes the tangent through instead of multiplying by a constant.
ONE = "one"
MINUS_ONE = "minus_one"


def batch_ndim(g, like):
    """Number of leading batch axes of tangent/cotangent ``g`` relative to ``like``."""
    return ndim_of(g) - ndim_of(like)


def unbroadcast(c, shape, nb):
    """Sum ``c`` (batch axes + a broadcast shape) down to batch axes + ``shape``."""
    cs = shape_of(c)
    if cs[nb:] == shape:
        return c
    lead = len(cs) - nb - len(shape)
    axes = list(range(nb, nb + lead))
    for k, d in enumerate(shape):
        if d == 1 and cs[nb + lead + k] != 1:
            axes.append(nb + lead + k)
    if axes:
        c = red.sum(c, axis=tuple(axes))
    target = cs[:nb] + shape
    if shape_of(c) != target:
        c = sh.reshape(c, target)
    return c


def mask(cond, like):
    """A constant 0/1 array in the floating dtype of ``like`` (derivative masks)."""
    dtype = np.result_type(getval(like))
    if dtype.kind != "f":
        dtype = np.float64
    return np.asarray(cond, dtype=dtype)


def _elementwise_jvp(i, partial, arity):
    if arity == 1 and callable(partial):

        def unary_jvp(g, ans, x, **kwargs):  # shapes always agree: no broadcasting to undo
            return g * partial(ans, x, **kwargs)

        return unary_jvp

    def jvp(g, ans, *args, **kwargs):
        xs = shape_of(args[i])
        s = shape_of(ans)
        if xs == s:
            if partial is ONE:
                return g
            if partial is MINUS_ONE:
                return -g
            return g * partial(ans, *args, **kwargs)
        nb = ndim_of(g) - len(xs)
        if nb and len(xs) < len(s):
            g = sh.reshape(g, shape_of(g)[:nb] + (1,) * (len(s) - len(xs)) + xs)
        if partial is ONE:
            t = g
        elif partial is MINUS_ONE:
            t = -g
        else:
            t = g * partial(ans, *args, **kwargs)
        full = shape_of(g)[:nb] + s
        if shape_of(t) != full:
            t = sh.broadcast_to(t, full)
        return t

    return jvp


def _elementwise_vjp(i, partial):
    def vjp(g, ans, *args, **kwargs):
        if partial is ONE:
            c = g
        elif partial is MINUS_ONE:
            c = -g
        else:
            c = g * partial(ans, *args, **kwargs)
        xs = shape_of(args[i])
        s = shape_of(ans)
        if xs == s:
            return c
        return unbroadcast(c, xs, ndim_of(g) - len(s))

    return vjp


def elementwise(impl, *partials, name=None, domain=None, family="elementwise"):
    """Declare an elementwise primitive from its partial derivatives.

    ``partials[i](ans, *args, **kwargs)`` is d(out)/d(arg i) evaluated
    elementwise (broadcastable to the output), written with adcore ops so it
    is differentiable again; ``ONE``/``MINUS_ONE`` for the constant partials;
    ``None`` for an argument that is never differentiated (a condition).
    ``domain`` = (low, high) tells the tests where the function is smooth.
    """
    prim = Primitive(impl, name=name, family=family)
    jvps, vjps = [], []
    for i, p in enumerate(partials):
        if p is None:
            jvps.append(NONDIFF)
            vjps.append(NONDIFF)
        else:
            jvps.append(_elementwise_jvp(i, p, len(partials)))
            vjps.append(_elementwise_vjp(i, p))
    defjvp(prim, *jvps, batched=True)
    defvjp_direct(prim, *vjps, batched=True)
    prim.meta.update(kind="elementwise", arity=len(partials), domain=domain)
    return prim


def axis_index(axis, ndim, what="axis"):
    """One axis as a non-negative int; numpy's ``AxisError`` when out of range
    (never wrapped modulo ``ndim``, which would silently pick another axis)."""
    a = int(axis)
    if not -ndim <= a < ndim:
        raise np.exceptions.AxisError(f"{what} {a} is out of bounds for array of dimension {ndim}")
    return a + ndim if a < 0 else a


def neg_axes(axis, ndim):
    """Normalise ``axis`` (None, int or tuple) to a tuple of negative axes.

    Negative axes count from the end, so they stay right when a tangent or
    cotangent carries extra leading batch axes.
    """
    if axis is None:
        return tuple(range(-ndim, 0))
    if isinstance(axis, (int, np.integer)):
        axis = (axis,)
    return tuple(sorted(axis_index(a, ndim) - ndim for a in axis))


# Imported last: these families use the helpers above while they load.
from adcore.rules import reductions as red  # noqa: E402
from adcore.rules import shape as sh  # noqa: E402
