"""numpy-signature wrappers over the primitives, and the non-differentiable
functions (comparisons, sign, argmax...) that return plain values.

These are what ``adcore.numpy`` exports and what the numpy protocols
dispatch to: they accept numpy's argument names and orders, so a call
written for numpy works unchanged.
"""

import numpy as np

from adcore.core import Traced, getval, shape_of
from adcore.rules import elementwise as ew
from adcore.rules import matmul as mm
from adcore.rules import nn, reductions, shape
from adcore.rules.declare import no_out
from adcore.rules.shape import reshape as _reshape  # reshape() below takes numpy's `shape`
from adcore.rules.shape import transpose as _transpose


def sum(a, axis=None, dtype=None, out=None, keepdims=False, **unsupported):
    """numpy.sum; ``dtype=`` as in ``adcore.rules.shape.in_dtype`` (integer dtypes raise)."""
    no_out("sum", out)
    _reject("sum", unsupported)
    if dtype is not None and not isinstance(a, Traced):
        return np.sum(a, axis=axis, dtype=dtype, keepdims=keepdims)
    return reductions.sum(shape.in_dtype("sum", a, dtype), axis=axis, keepdims=keepdims)


def mean(a, axis=None, dtype=None, out=None, keepdims=False, **unsupported):
    """numpy.mean; ``dtype=`` as in ``adcore.rules.shape.in_dtype`` (integer dtypes raise)."""
    no_out("mean", out)
    _reject("mean", unsupported)
    if dtype is not None and not isinstance(a, Traced):
        return np.mean(a, axis=axis, dtype=dtype, keepdims=keepdims)
    return reductions.mean(shape.in_dtype("mean", a, dtype), axis=axis, keepdims=keepdims)


def prod(a, axis=None, dtype=None, out=None, keepdims=False, **unsupported):
    """numpy.prod; ``dtype=`` as in ``adcore.rules.shape.in_dtype`` (integer dtypes raise)."""
    no_out("prod", out)
    _reject("prod", unsupported)
    if dtype is not None and not isinstance(a, Traced):
        return np.prod(a, axis=axis, dtype=dtype, keepdims=keepdims)
    return reductions.prod(shape.in_dtype("prod", a, dtype), axis=axis, keepdims=keepdims)


def max(a, axis=None, out=None, keepdims=False, **unsupported):
    no_out("max", out)
    _reject("max", unsupported)
    return reductions.max(a, axis=axis, keepdims=keepdims)


def min(a, axis=None, out=None, keepdims=False, **unsupported):
    no_out("min", out)
    _reject("min", unsupported)
    return reductions.min(a, axis=axis, keepdims=keepdims)


amax, amin = max, min


def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    """numpy.var; ``dtype=`` as in ``adcore.rules.shape.in_dtype`` (integer dtypes raise)."""
    no_out("var", out)
    if dtype is not None and not isinstance(a, Traced):
        return np.var(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims)
    return reductions.var(shape.in_dtype("var", a, dtype), axis=axis, ddof=ddof, keepdims=keepdims)


def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    """numpy.std; ``dtype=`` as in ``adcore.rules.shape.in_dtype`` (integer dtypes raise)."""
    no_out("std", out)
    if dtype is not None and not isinstance(a, Traced):
        return np.std(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims)
    return reductions.std(shape.in_dtype("std", a, dtype), axis=axis, ddof=ddof, keepdims=keepdims)


def _reject(name, unsupported):
    if unsupported:
        raise NotImplementedError(
            f"adcore.numpy.{name}: argument(s) {sorted(unsupported)} are not supported"
        )


def reshape(a, shape=None, order="C", *, newshape=None):
    if order not in ("C", "F"):
        raise NotImplementedError(
            f"adcore.numpy.reshape: order={order!r} is not supported (use 'C' or 'F')"
        )
    shape_ = newshape if shape is None else shape
    if isinstance(shape_, (int, np.integer)):
        shape_ = (int(shape_),)
    shape_ = tuple(int(d) for d in shape_)
    if -1 in shape_:
        size = int(np.prod(shape_of(a), dtype=np.int64))
        known = int(np.prod([d for d in shape_ if d != -1], dtype=np.int64))
        shape_ = tuple(size // known if d == -1 else d for d in shape_)
    if order == "F":  # Fortran order reads and writes the first axis fastest
        return _transpose(_reshape(_transpose(a, None), shape_[::-1]), None)
    return _reshape(a, shape_)


def transpose(a, axes=None):
    if axes is not None:
        axes = tuple(int(x) for x in axes)
    return shape.transpose(a, axes)


def where(condition, x=None, y=None):
    if x is None and y is None:
        return np.where(getval(condition))
    return ew.where(np.asarray(getval(condition), dtype=bool), x, y)


def clip(a, a_min=None, a_max=None, out=None, **kwargs):
    no_out("clip", out)
    a_min = kwargs.pop("min", a_min)
    a_max = kwargs.pop("max", a_max)
    _reject("clip", kwargs)
    return ew.clip(a, a_min, a_max)


def concatenate(arrays, axis=0, out=None, **unsupported):
    no_out("concatenate", out)
    _reject("concatenate", unsupported)
    return shape.concatenate(list(arrays), axis=axis)


def stack(arrays, axis=0, out=None):
    no_out("stack", out)
    return shape.stack(list(arrays), axis=axis)


def matmul(a, b, out=None, **unsupported):
    no_out("matmul", out)
    _reject("matmul", unsupported)
    return mm.matmul(a, b)


def outer(a, b, out=None):
    no_out("outer", out)
    return mm.outer(a, b)


def positive(x, out=None):
    """numpy.positive: +x, the identity."""
    no_out("positive", out)
    return x


def abs(x, out=None):
    no_out("abs", out)
    return ew.absolute(x)


absolute = abs


def broadcast_to(array, shape_, subok=False):
    if isinstance(shape_, (int, np.integer)):
        shape_ = (int(shape_),)
    return shape.broadcast_to(array, tuple(shape_))


def logsumexp(x, axis=None, keepdims=False):
    return nn.logsumexp(x, axis=axis, keepdims=keepdims)


def softmax(x, axis=-1):
    return nn.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    return nn.log_softmax(x, axis=axis)


def squeeze(a, axis=None):
    return shape.squeeze(a, axis)


def expand_dims(a, axis):
    return shape.expand_dims(a, axis)


def ravel(a, order="C"):
    return shape.ravel(a, order)


def astype(x, dtype, copy=True):
    return shape.astype(x, np.dtype(dtype))


def array(obj, dtype=None, copy=True, **kwargs):
    """np.array that also accepts (nested) lists holding traced values."""
    if isinstance(obj, Traced):
        return obj if dtype is None else astype(obj, dtype)
    if isinstance(obj, (list, tuple)) and _holds_traced(obj):
        out = shape.stack([array(o) for o in obj], axis=0)
        return out if dtype is None else astype(out, dtype)
    return np.array(obj, dtype=dtype, copy=copy, **kwargs)


def asarray(obj, dtype=None, **kwargs):
    if isinstance(obj, Traced) or (isinstance(obj, (list, tuple)) and _holds_traced(obj)):
        return array(obj, dtype=dtype)
    return np.asarray(obj, dtype=dtype, **kwargs)


def _holds_traced(obj):
    for o in obj:
        if isinstance(o, Traced):
            return True
        if isinstance(o, (list, tuple)) and _holds_traced(o):
            return True
    return False


# ---- non-differentiable: piecewise constant, derivative zero -------------------
def _plain_value(x):
    if isinstance(x, (list, tuple)) and _holds_traced(x):  # [x, y] of traced values
        return type(x)(_plain_value(e) for e in x)
    return getval(x)


def _plain(fn):
    def wrapper(*args, **kwargs):
        return fn(*map(_plain_value, args), **{k: _plain_value(v) for k, v in kwargs.items()})

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = f"numpy.{fn.__name__} on plain values (piecewise constant: zero derivative)."
    return wrapper


NONDIFF_NAMES = (
    "sign floor ceil rint round trunc fix isnan isinf isfinite signbit "
    "greater greater_equal less less_equal equal not_equal logical_and logical_or logical_not "
    "logical_xor argmax argmin argsort nonzero flatnonzero count_nonzero shape ndim size "
    "zeros_like ones_like empty_like full_like allclose isclose array_equal any all "
    "floor_divide"
).split()

_nondiff = {name: _plain(getattr(np, name)) for name in NONDIFF_NAMES}
# These look at shapes and dtypes only: sparsity detection must not count them as reads of
# values (its allow-list names ``_metadata_value``).
METADATA_NAMES = ("shape", "ndim", "size", "zeros_like", "ones_like", "empty_like")


def _metadata_value(x):
    if isinstance(x, (list, tuple)) and _holds_traced(x):
        return type(x)(_metadata_value(e) for e in x)
    return getval(x)


def _plain_metadata(fn):
    def wrapper(*args, **kwargs):
        return fn(*map(_metadata_value, args), **{k: _metadata_value(v) for k, v in kwargs.items()})

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = f"numpy.{fn.__name__} of a plain value's shape or dtype (a constant)."
    return wrapper


_nondiff.update({name: _plain_metadata(getattr(np, name)) for name in METADATA_NAMES})
round_ = _nondiff["round"]


def sign(x):
    """numpy.sign: piecewise constant (a plain value, zero derivative) for real x; for
    complex x numpy's x / |x| (0 at 0), which varies smoothly and is differentiated."""
    if isinstance(x, Traced) and np.iscomplexobj(getval(x)):
        zero = getval(x) == 0
        return ew.where(zero, 0.0, x) / ew.where(zero, 1.0, ew.absolute(x))
    return _nondiff["sign"](x)
