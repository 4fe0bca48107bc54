"""The front end: operators, methods and numpy's protocols on traced values.

``install()`` attaches them to ``adcore.core.Traced``:

* Python operators (``x * y``, ``W @ x``, ``x[idx]``, ``-x``) call primitives;
* methods a numpy user reaches for (``x.sum()``, ``x.T``, ``x.reshape(...)``);
* ``__array_ufunc__``: ``np.sin(x)``, ``np.maximum(x, 0)``, ``W @ x``;
* ``__array_function__``: ``np.sum(x, axis=0)``, ``np.dot``, ``np.concatenate``.

A numpy function or ufunc without a rule raises ``NotImplementedError`` naming
it; writing into a traced array raises ``TypeError``.
"""

import sys
import warnings

import numpy as np

from adcore.core import Traced, getval
from adcore.numpy import functions as fn
from adcore.rules import (
    contractions,
    matmul,
    nn,
    shape,
)
from adcore.rules import elementwise as ew

# numpy ufunc / function -> the adcore function it dispatches to on traced values.
# Derived, not listed: every public callable of adcore.numpy (and adcore.numpy.linalg)
# named like a numpy one stands for it, so a name is declared once, in the explicit
# export list.  Filled by install(), once the namespace is complete; entries for
# numpy callables without an adcore.numpy name may be added here by hand.
UFUNCS = {}
FUNCTIONS = {}


def counterparts(namespace, numpy_module):
    """{numpy callable: adcore function} for the names ``namespace`` shares with numpy.

    Skipped: private names, types and constants, and numpy's own callables
    re-exported unchanged (zeros, eye...: plain constructors, nothing to dispatch).
    """
    table = {}
    for name, ours in vars(namespace).items():
        if name.startswith("_") or not callable(ours) or isinstance(ours, type):
            continue
        with warnings.catch_warnings():  # deprecated aliases (row_stack) warn on access
            warnings.simplefilter("ignore", DeprecationWarning)
            theirs = getattr(numpy_module, name, None)
        if theirs is None or theirs is ours or not callable(theirs) or isinstance(theirs, type):
            continue
        if table.get(theirs, ours) is not ours:
            raise RuntimeError(
                f"adcore.numpy: {name} and another name both claim {_qualname(theirs)} "
                "with different functions"
            )
        table[theirs] = ours
    return table


def _build_tables():
    import adcore.numpy as anp  # complete by the time install() runs

    found = counterparts(anp, np)
    found.update(counterparts(anp.linalg, np.linalg))
    for theirs, ours in found.items():
        # an entry put in the table by hand (a numpy callable adcore.numpy has no
        # name for, e.g. divmod) is kept as it is
        (UFUNCS if isinstance(theirs, np.ufunc) else FUNCTIONS).setdefault(theirs, ours)


def _qualname(func):
    module = getattr(func, "__module__", None) or "numpy"
    if module.startswith("numpy"):
        module = "numpy" + module[len("numpy") :].replace(".core", "").replace("._core", "")
        module = module.split("._")[0]
    return f"{module}.{func.__name__}"


def _scipy_ufunc(ufunc):
    """scipy.special's ufuncs get their rules on first use (adcore.scipy.special registers them)."""
    if "scipy.special" not in sys.modules or "adcore.scipy.special" in sys.modules:
        return None
    import adcore.scipy.special  # noqa: F401  (fills UFUNCS)

    return UFUNCS.get(ufunc)


def _array_ufunc(self, ufunc, method, *inputs, **kwargs):
    if "out" in kwargs:
        raise TypeError(
            f"numpy.{ufunc.__name__}(..., out=...) writes into an array in place; "
            "a traced value cannot be written into (nothing may be silently dropped from "
            "the graph). Use the returned array instead."
        )
    if method != "__call__":
        raise NotImplementedError(
            f"numpy.{ufunc.__name__}.{method} has no adcore rule; use the adcore.numpy "
            f"function (e.g. adcore.numpy.sum for add.reduce)"
        )
    impl = UFUNCS.get(ufunc) or _scipy_ufunc(ufunc)
    if impl is None:
        raise NotImplementedError(f"numpy.{ufunc.__name__} has no adcore derivative rule")
    if kwargs:
        raise NotImplementedError(
            f"numpy.{ufunc.__name__}: keyword arguments {sorted(kwargs)} are not supported "
            "on traced values"
        )
    return impl(*inputs)


def _array_function(self, func, types, args, kwargs):
    impl = FUNCTIONS.get(func)
    if impl is None:
        raise NotImplementedError(f"{_qualname(func)} has no adcore derivative rule")
    return impl(*args, **kwargs)


def _floor_divide(x, y):
    return fn._nondiff["floor_divide"](x, y)


def _divmod(x, y):
    return _floor_divide(x, y), ew.remainder(x, y)


UFUNCS[np.divmod] = _divmod


def _inplace(op):
    def method(self, other):
        raise TypeError(
            f"in-place '{op}=' on a traced array: write 'x = x {op} y' instead "
            "(in-place updates of traced arrays are not recorded)"
        )

    return method


def _compare(ufunc):
    def method(self, other):
        return ufunc(getval(self), getval(other))

    return method


def _reduction_method(f):
    def method(self, axis=None, *args, **kwargs):
        return f(self, axis, *args, **kwargs)

    method.__name__ = f.__name__
    return method


def _reshape_method(self, *shape, order="C"):
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
        shape = shape[0]
    return fn.reshape(self, shape, order=order)


def _transpose_method(self, *axes):
    if len(axes) == 1 and (axes[0] is None or not isinstance(axes[0], (int, np.integer))):
        axes = axes[0]
    return fn.transpose(self, axes or None)


def _astype(self, dtype, *args, **kwargs):
    dtype = np.dtype(dtype)
    if dtype.kind not in "fc":
        return np.asarray(getval(self)).astype(dtype)  # integer/bool casts: no derivative
    return fn.astype(self, dtype)


def install():
    """Attach operators, numpy-style methods and numpy's protocols to ``Traced`` (on import)."""
    _build_tables()
    T = Traced
    T.__add__ = lambda s, o: ew.add(s, o)
    T.__radd__ = lambda s, o: ew.add(o, s)
    T.__sub__ = lambda s, o: ew.subtract(s, o)
    T.__rsub__ = lambda s, o: ew.subtract(o, s)
    T.__mul__ = lambda s, o: ew.multiply(s, o)
    T.__rmul__ = lambda s, o: ew.multiply(o, s)
    T.__truediv__ = lambda s, o: ew.divide(s, o)
    T.__rtruediv__ = lambda s, o: ew.divide(o, s)
    T.__pow__ = lambda s, o: ew.power(s, o)
    T.__rpow__ = lambda s, o: ew.power(o, s)
    T.__matmul__ = lambda s, o: matmul.matmul(s, o)
    T.__rmatmul__ = lambda s, o: matmul.matmul(o, s)
    # as numpy: % is remainder (d/dx 1, d/dy -floor(x / y)), // is floor_divide
    # (piecewise constant: a plain value, zero derivative)
    T.__mod__ = lambda s, o: ew.remainder(s, o)
    T.__rmod__ = lambda s, o: ew.remainder(o, s)
    T.__floordiv__ = lambda s, o: _floor_divide(s, o)
    T.__rfloordiv__ = lambda s, o: _floor_divide(o, s)
    T.__divmod__ = lambda s, o: _divmod(s, o)
    T.__rdivmod__ = lambda s, o: _divmod(o, s)
    T.__neg__ = lambda s: ew.negative(s)
    T.__pos__ = lambda s: s
    T.__abs__ = lambda s: ew.absolute(s)
    T.__getitem__ = lambda s, idx: shape.getitem(s, idx)
    for op, name in (
        ("+", "add"),
        ("-", "sub"),
        ("*", "mul"),
        ("/", "truediv"),
        ("**", "pow"),
        ("@", "matmul"),
        ("//", "floordiv"),
        ("%", "mod"),
    ):
        setattr(T, f"__i{name}__", _inplace(op))
    T.__lt__ = _compare(np.less)
    T.__le__ = _compare(np.less_equal)
    T.__gt__ = _compare(np.greater)
    T.__ge__ = _compare(np.greater_equal)
    T.__eq__ = _compare(np.equal)
    T.__ne__ = _compare(np.not_equal)
    T.__array_ufunc__ = _array_ufunc
    T.__array_function__ = _array_function
    T.sum = _reduction_method(fn.sum)
    T.mean = _reduction_method(fn.mean)
    T.prod = _reduction_method(fn.prod)
    T.max = _reduction_method(fn.max)
    T.min = _reduction_method(fn.min)
    T.var = _reduction_method(fn.var)
    T.std = _reduction_method(fn.std)
    T.reshape = _reshape_method
    T.transpose = _transpose_method
    T.T = property(lambda s: shape.transpose(s, None))
    # complex parts: the identity/zero on real arrays, a named error on complex ones
    T.real = property(lambda s: ew.real(s))
    T.imag = property(lambda s: ew.imag(s))
    T.conj = lambda s: ew.conj(s)
    T.dot = lambda s, o, out=None: contractions.dot(s, o, out=out)
    T.squeeze = lambda s, axis=None: shape.squeeze(s, axis)
    T.ravel = lambda s, order="C": shape.ravel(s, order)
    T.flatten = lambda s, order="C": shape.ravel(s, order)
    T.astype = _astype
    T.clip = lambda s, a_min=None, a_max=None: fn.clip(s, a_min, a_max)
    T.swapaxes = lambda s, a, b: shape.swapaxes(s, a, b)
    T.argmax = lambda s, axis=None: np.argmax(getval(s), axis)
    T.argmin = lambda s, axis=None: np.argmin(getval(s), axis)
    T.copy = lambda s: s
    T.real = property(lambda s: ew.real(s))
    T.imag = property(lambda s: ew.imag(s))
    T.conj = T.conjugate = lambda s: ew.conj(s)


__all__ = ["FUNCTIONS", "UFUNCS", "install", "nn"]
