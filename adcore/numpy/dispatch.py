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

import numpy as np

from adcore.core import Traced, getval
from adcore.numpy import functions as fn
from adcore.numpy import linalg as la
from adcore.rules import arrays, contractions, linalg, nn, shape
from adcore.rules import elementwise as ew
from adcore.rules import elementwise_extra as ewx

# ufunc -> differentiable function (plain-valued ufuncs come from fn._nondiff)
UFUNCS = {
    np.add: ew.add,
    np.subtract: ew.subtract,
    np.multiply: ew.multiply,
    np.divide: ew.divide,
    np.negative: ew.negative,
    np.positive: lambda x: x,
    np.power: ew.power,
    np.square: ew.square,
    np.reciprocal: ew.reciprocal,
    np.sqrt: ew.sqrt,
    np.cbrt: ew.cbrt,
    np.exp: ew.exp,
    np.exp2: ew.exp2,
    np.expm1: ew.expm1,
    np.log: ew.log,
    np.log2: ew.log2,
    np.log10: ew.log10,
    np.log1p: ew.log1p,
    np.logaddexp: ew.logaddexp,
    np.logaddexp2: ew.logaddexp2,
    np.sin: ew.sin,
    np.cos: ew.cos,
    np.tan: ew.tan,
    np.arcsin: ew.arcsin,
    np.arccos: ew.arccos,
    np.arctan: ew.arctan,
    np.arctan2: ew.arctan2,
    np.hypot: ew.hypot,
    np.sinh: ew.sinh,
    np.cosh: ew.cosh,
    np.tanh: ew.tanh,
    np.arcsinh: ew.arcsinh,
    np.arccosh: ew.arccosh,
    np.arctanh: ew.arctanh,
    np.deg2rad: ew.deg2rad,
    np.radians: ew.deg2rad,
    np.rad2deg: ew.rad2deg,
    np.degrees: ew.rad2deg,
    np.absolute: ew.absolute,
    np.fabs: ew.fabs,
    np.maximum: ew.maximum,
    np.minimum: ew.minimum,
    np.matmul: linalg.matmul,
    np.fmax: ewx.fmax,
    np.fmin: ewx.fmin,
    np.remainder: ewx.remainder,
    np.fmod: ewx.fmod,
    np.conjugate: ewx.conj,
}
for _name in (
    "sign floor ceil rint trunc isnan isinf isfinite signbit greater greater_equal less "
    "less_equal equal not_equal logical_and logical_or logical_not logical_xor floor_divide"
).split():
    UFUNCS[getattr(np, _name)] = fn._nondiff[_name]

# numpy function -> adcore function with numpy's signature
FUNCTIONS = {
    np.sum: fn.sum,
    np.mean: fn.mean,
    np.prod: fn.prod,
    np.max: fn.max,
    np.min: fn.min,
    np.amax: fn.max,
    np.amin: fn.min,
    np.var: fn.var,
    np.std: fn.std,
    np.reshape: fn.reshape,
    np.transpose: fn.transpose,
    np.where: fn.where,
    np.clip: fn.clip,
    np.concatenate: fn.concatenate,
    np.stack: fn.stack,
    np.dot: contractions.dot,
    np.outer: fn.outer,
    np.inner: contractions.inner,
    np.broadcast_to: fn.broadcast_to,
    np.squeeze: fn.squeeze,
    np.expand_dims: fn.expand_dims,
    np.ravel: fn.ravel,
    np.swapaxes: shape.swapaxes,
    np.moveaxis: shape.moveaxis,
    np.array: fn.array,
    np.asarray: fn.asarray,
    # array manipulation (adcore.rules.arrays)
    np.flip: arrays.flip,
    np.fliplr: arrays.fliplr,
    np.flipud: arrays.flipud,
    np.rot90: arrays.rot90,
    np.roll: arrays.roll,
    np.rollaxis: arrays.rollaxis,
    np.cumsum: arrays.cumsum,
    np.cumprod: arrays.cumprod,
    np.cumulative_sum: arrays.cumulative_sum,
    np.cumulative_prod: arrays.cumulative_prod,
    np.diff: arrays.diff,
    np.gradient: arrays.gradient,
    np.pad: arrays.pad,
    np.tile: arrays.tile,
    np.repeat: arrays.repeat,
    np.take: arrays.take,
    np.take_along_axis: arrays.take_along_axis,
    np.choose: arrays.choose,
    np.sort: arrays.sort,
    np.partition: arrays.partition,
    np.atleast_1d: arrays.atleast_1d,
    np.atleast_2d: arrays.atleast_2d,
    np.atleast_3d: arrays.atleast_3d,
    np.hstack: arrays.hstack,
    np.vstack: arrays.vstack,
    np.dstack: arrays.dstack,
    np.column_stack: arrays.column_stack,
    np.append: arrays.append,
    np.split: arrays.split,
    np.array_split: arrays.array_split,
    np.vsplit: arrays.vsplit,
    np.hsplit: arrays.hsplit,
    np.dsplit: arrays.dsplit,
    np.tril: arrays.tril,
    np.triu: arrays.triu,
    np.diag: arrays.diag,
    np.diagonal: arrays.diagonal,
    np.trace: arrays.trace,
    np.average: arrays.average,
    np.linspace: arrays.linspace,
    np.nan_to_num: arrays.nan_to_num,
    np.select: arrays.select,
    np.quantile: arrays.quantile,
    np.percentile: arrays.percentile,
    np.median: arrays.median,
    np.ptp: arrays.ptp,
    np.cov: arrays.cov,
    np.corrcoef: arrays.corrcoef,
    np.convolve: arrays.convolve,
    np.correlate: arrays.correlate,
    np.sinc: ew.sinc,  # a Python function in numpy, not a ufunc
    # contractions (adcore.rules.contractions)
    np.einsum: contractions.einsum,
    np.tensordot: contractions.tensordot,
    np.kron: contractions.kron,
    np.vdot: contractions.vdot,
    np.cross: contractions.cross,
    # real-array views of complex accessors
    np.real: ewx.real,
    np.imag: ewx.imag,
    np.angle: ewx.angle,
    np.real_if_close: ewx.real_if_close,
    # numpy.linalg (adcore.numpy.linalg)
    np.linalg.inv: la.inv,
    np.linalg.solve: la.solve,
    np.linalg.det: la.det,
    np.linalg.slogdet: la.slogdet,
    np.linalg.cholesky: la.cholesky,
    np.linalg.eig: la.eig,
    np.linalg.eigvals: la.eigvals,
    np.linalg.eigh: la.eigh,
    np.linalg.eigvalsh: la.eigvalsh,
    np.linalg.svd: la.svd,
    np.linalg.svdvals: la.svdvals,
    np.linalg.pinv: la.pinv,
    np.linalg.norm: la.norm,
    np.linalg.matrix_norm: la.matrix_norm,
    np.linalg.vector_norm: la.vector_norm,
    np.linalg.matrix_transpose: la.matrix_transpose,
    np.linalg.matmul: la.matmul,
    np.linalg.outer: la.outer,
    np.linalg.tensordot: la.tensordot,
    np.linalg.trace: la.trace,
    np.linalg.diagonal: la.diagonal,
    np.linalg.cross: la.cross,
    np.linalg.multi_dot: la.multi_dot,
    np.linalg.matrix_power: la.matrix_power,
    np.linalg.lstsq: la.lstsq,
    np.linalg.matrix_rank: la.matrix_rank,
}
if hasattr(np, "row_stack"):  # deprecated in numpy 2.0
    FUNCTIONS[np.row_stack] = arrays.vstack
for _name in (
    "argmax argmin argsort nonzero flatnonzero count_nonzero shape ndim size zeros_like "
    "ones_like empty_like full_like allclose isclose array_equal any all round"
).split():
    FUNCTIONS[getattr(np, _name)] = fn._nondiff[_name]


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
    T.__matmul__ = lambda s, o: linalg.matmul(s, o)
    T.__rmatmul__ = lambda s, o: linalg.matmul(o, s)
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
    T.real = property(lambda s: ewx.real(s))
    T.imag = property(lambda s: ewx.imag(s))
    T.conj = lambda s: ewx.conj(s)
    T.dot = lambda s, o: linalg.dot(s, o)
    T.squeeze = lambda s, axis=None: shape.squeeze(s, axis)
    T.ravel = lambda s, order="C": shape.ravel(s)
    T.flatten = lambda s, order="C": shape.ravel(s)
    T.astype = _astype
    T.clip = lambda s, a_min=None, a_max=None: fn.clip(s, a_min, a_max)
    T.swapaxes = lambda s, a, b: shape.swapaxes(s, a, b)
    T.argmax = lambda s, axis=None: np.argmax(getval(s), axis)
    T.argmin = lambda s, axis=None: np.argmin(getval(s), axis)
    T.tolist = lambda s: getval(s).tolist()
    T.item = lambda s, *a: getval(s).item(*a)
    T.copy = lambda s: s


__all__ = ["FUNCTIONS", "UFUNCS", "install", "nn"]
