"""Declaration helpers shared by the rule families; they depend on the core only.

* ``linear``: the rules of an op linear in its first argument, whose JVP is the
  op itself applied to the tangent; only the transpose (the VJP) is written.
* ``neg_axes``, ``axis_index``: axes normalised once, with numpy's ``AxisError``
  when out of range.  Negative axes count from the end, so they name the same
  axes whether or not a tangent or cotangent carries leading batch axes.
* ``batch_ndim``: how many leading batch axes a rule's (co)tangent has.
* ``mask``: constant 0/1 derivative masks in the right floating dtype.
* ``rule_primitive``, ``no_out``: a family's primitive with its registry hints;
  the one error for numpy's ``out=`` argument.
"""

import numpy as np

from adcore.core import NONDIFF, Primitive, defjvp, defvjp_direct, getval, ndim_of


def batch_ndim(g, like):
    """Number of leading batch axes of tangent/cotangent ``g`` relative to ``like``."""
    return ndim_of(g) - ndim_of(like)


def mask(cond, like):
    """A constant 0/1 array in the floating dtype of ``like`` (derivative masks; the
    real dtype of a complex ``like``'s precision)."""
    dtype = np.result_type(getval(like))
    if dtype.kind == "c":
        dtype = np.finfo(dtype).dtype
    elif dtype.kind != "f":
        dtype = np.float64
    if isinstance(cond, (np.ndarray, np.generic, bool, int, float, list, tuple)):
        return np.asarray(cond, dtype=dtype)  # no copy when it already is one
    # a duck array (adcore.compile's watched value): a ufunc records the conversion,
    # replayed for new values, where np.asarray would take the data out and guard on it
    # (re-recording whenever the mask changes)
    return np.multiply(cond, 1, dtype=dtype)


def all_normal(v):
    """Whether every entry of v is a normal float: nonzero, not subnormal, finite or
    not.  Ratio rules (prod / x_i, cumprod, det inv(x)^T) need it: an underflowed
    or subnormal product would make the ratio 0 or inexact where it is not."""
    a = np.abs(getval(v))
    return bool(np.all(a >= np.finfo(np.result_type(a, np.float32)).tiny))


def axis_index(axis, ndim, what="axis"):
    """One axis as a non-negative int; numpy's ``AxisError`` when out of range
    (never wrapped modulo ``ndim``, which would silently pick another axis)."""
    a = int(axis)
    if not -ndim <= a < ndim:
        raise np.exceptions.AxisError(f"{what} {a} is out of bounds for array of dimension {ndim}")
    return a + ndim if a < 0 else a


def neg_axes(axis, ndim):
    """Normalise ``axis`` (None, int or tuple) to a sorted tuple of negative axes."""
    if axis is None:
        return tuple(range(-ndim, 0))
    if isinstance(axis, (int, np.integer)):
        axis = (axis,)
    return tuple(sorted(axis_index(a, ndim) - ndim for a in axis))


def rule_primitive(impl, name, family, kind, arity=1):
    """A built-in primitive of ``family``; ``kind``/``arity`` guide the registry tests."""
    prim = Primitive(impl, name=name, family=family)
    prim.meta.update(kind=kind, arity=arity)
    return prim


def no_out(name, out):
    if out is not None:
        raise TypeError(
            f"adcore.numpy.{name}: out= writes in place, which cannot be differentiated; "
            "use the returned array"
        )


def linear(prim, transpose, tangent_params=None, nondiff=0):
    """Rules of ``prim(x, *params)``, linear in x: its JVP is ``prim`` on the tangent.

    ``transpose(g, ans, x, *params, **kwargs)`` is the VJP (the adjoint map).
    ``tangent_params(g, ans, x, *params, **kwargs) -> (params, kwargs)`` restates
    parameters that depend on the tangent's leading batch axes (a target shape
    gains them, axes are counted from the end); by default they pass unchanged.
    ``nondiff`` positional parameters after x are marked non-differentiable.
    """

    def jvp(g, ans, x, *params, **kwargs):
        if tangent_params is not None:
            params, kwargs = tangent_params(g, ans, x, *params, **kwargs)
        return prim(g, *params, **kwargs)

    jvp.__name__ = f"{prim.name}_jvp"
    defjvp(prim, jvp, *[NONDIFF] * nondiff, batched=True)
    defvjp_direct(prim, transpose, *[NONDIFF] * nondiff)
    return prim
