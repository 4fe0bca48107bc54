"""adcore.numpy: the differentiable numpy namespace.

    import adcore.numpy as anp
    anp.sum(anp.tanh(W @ x) ** 2)

Every name is listed explicitly below (no namespace generated from globals).
With plain inputs each function returns plain numpy values; with traced
inputs it records/propagates derivatives.  Plain ``np.*`` calls on traced
values reach the same functions through numpy's protocols (``dispatch.py``).
"""

import numpy as _np

from adcore.numpy import dispatch as _dispatch
from adcore.numpy import linalg
from adcore.numpy.functions import (
    _nondiff,
    abs,
    absolute,
    amax,
    amin,
    array,
    asarray,
    astype,
    broadcast_to,
    clip,
    concatenate,
    expand_dims,
    log_softmax,
    logsumexp,
    matmul,
    max,
    mean,
    min,
    outer,
    prod,
    ravel,
    reshape,
    softmax,
    squeeze,
    stack,
    std,
    sum,
    transpose,
    var,
    where,
)
from adcore.rules.arrays import (
    append,
    array_split,
    atleast_1d,
    atleast_2d,
    atleast_3d,
    average,
    choose,
    column_stack,
    convolve,
    corrcoef,
    correlate,
    cov,
    cumprod,
    cumsum,
    cumulative_prod,
    cumulative_sum,
    diag,
    diagonal,
    diff,
    dsplit,
    dstack,
    flip,
    fliplr,
    flipud,
    full,
    gradient,
    hsplit,
    hstack,
    linspace,
    median,
    nan_to_num,
    pad,
    partition,
    percentile,
    ptp,
    quantile,
    repeat,
    roll,
    rollaxis,
    rot90,
    select,
    sort,
    split,
    take,
    take_along_axis,
    tile,
    trace,
    tril,
    triu,
    vsplit,
    vstack,
)
from adcore.rules.contractions import cross, dot, einsum, inner, kron, tensordot, vdot
from adcore.rules.elementwise import (
    add,
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctan2,
    arctanh,
    cbrt,
    cos,
    cosh,
    deg2rad,
    divide,
    exp,
    exp2,
    expm1,
    fabs,
    hypot,
    log,
    log1p,
    log2,
    log10,
    logaddexp,
    logaddexp2,
    maximum,
    minimum,
    multiply,
    negative,
    power,
    rad2deg,
    reciprocal,
    sin,
    sinc,
    sinh,
    sqrt,
    square,
    subtract,
    tan,
    tanh,
)
from adcore.rules.elementwise_extra import (
    angle,
    conj,
    conjugate,
    fmax,
    fmin,
    fmod,
    imag,
    mod,
    real,
    real_if_close,
    remainder,
)
from adcore.rules.nn import relu, sigmoid, softplus
from adcore.rules.shape import at_set, moveaxis, swapaxes

true_divide = divide
degrees, radians = rad2deg, deg2rad

# non-differentiable (piecewise constant) functions: plain results
sign = _nondiff["sign"]
floor = _nondiff["floor"]
ceil = _nondiff["ceil"]
rint = _nondiff["rint"]
round = _nondiff["round"]
trunc = _nondiff["trunc"]
isnan = _nondiff["isnan"]
isinf = _nondiff["isinf"]
isfinite = _nondiff["isfinite"]
greater = _nondiff["greater"]
greater_equal = _nondiff["greater_equal"]
less = _nondiff["less"]
less_equal = _nondiff["less_equal"]
equal = _nondiff["equal"]
not_equal = _nondiff["not_equal"]
logical_and = _nondiff["logical_and"]
logical_or = _nondiff["logical_or"]
logical_not = _nondiff["logical_not"]
argmax = _nondiff["argmax"]
argmin = _nondiff["argmin"]
argsort = _nondiff["argsort"]
nonzero = _nondiff["nonzero"]
shape = _nondiff["shape"]
ndim = _nondiff["ndim"]
size = _nondiff["size"]
zeros_like = _nondiff["zeros_like"]
ones_like = _nondiff["ones_like"]
full_like = _nondiff["full_like"]
allclose = _nondiff["allclose"]
isclose = _nondiff["isclose"]
any = _nondiff["any"]
all = _nondiff["all"]

# constructors and constants: plain numpy
zeros, ones, empty, eye, identity = _np.zeros, _np.ones, _np.empty, _np.eye, _np.identity
arange, logspace = _np.arange, _np.logspace
float32, float64, int32, int64, bool_ = _np.float32, _np.float64, _np.int32, _np.int64, _np.bool_
ndarray, newaxis, pi, e, inf, nan = _np.ndarray, _np.newaxis, _np.pi, _np.e, _np.inf, _np.nan
random = _np.random
row_stack = vstack

_dispatch.install()

from adcore.numpy import fft  # noqa: E402  (registers numpy.fft with the front end)
from adcore.numpy.index_tricks import c_, r_  # noqa: E402
