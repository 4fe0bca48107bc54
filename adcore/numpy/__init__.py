"""adcore.numpy: the differentiable numpy namespace.

    import adcore.numpy as anp
    anp.sum(anp.tanh(W @ x) ** 2)

Every name is listed explicitly below (no namespace generated from globals).
With plain inputs each function returns plain numpy values; with traced
inputs it records/propagates derivatives.  Plain ``np.*`` calls on traced
values reach the same functions through numpy's protocols (``dispatch.py``):
a name listed here that numpy also has is what numpy's function or ufunc of
that name dispatches to, so this list is the dispatch table too.
"""

import numpy as _np

from adcore.numpy import dispatch as _dispatch
from adcore.numpy import linalg
from adcore.numpy import sequences as _sequences
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
    positive,
    prod,
    ravel,
    reshape,
    sign,
    softmax,
    squeeze,
    stack,
    std,
    sum,
    transpose,
    var,
    where,
)
from adcore.numpy.index_tricks import c_, r_
from adcore.numpy.scalars import int8, int16, int32, int64, uint8, uint16, uint32, uint64
from adcore.rules.construction import (
    full,
    linspace,
    nan_to_num,
    select,
)
from adcore.rules.contractions import (
    convolve,
    correlate,
    cross,
    dot,
    einsum,
    inner,
    kron,
    tensordot,
    vdot,
)
from adcore.rules.cumulative import (
    cumprod,
    cumsum,
    cumulative_prod,
    cumulative_sum,
    diff,
    gradient,
)
from adcore.rules.diagonals import (
    diag,
    diagonal,
    trace,
    tril,
    triu,
)
from adcore.rules.elementwise import (
    add,
    angle,
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctan2,
    arctanh,
    cbrt,
    conj,
    conjugate,
    cos,
    cosh,
    deg2rad,
    divide,
    exp,
    exp2,
    expm1,
    fabs,
    fmax,
    fmin,
    fmod,
    hypot,
    imag,
    log,
    log1p,
    log2,
    log10,
    logaddexp,
    logaddexp2,
    maximum,
    minimum,
    mod,
    multiply,
    negative,
    power,
    rad2deg,
    real,
    real_if_close,
    reciprocal,
    remainder,
    sin,
    sinc,
    sinh,
    sqrt,
    square,
    subtract,
    tan,
    tanh,
)
from adcore.rules.gathering import (
    choose,
    partition,
    sort,
    take,
    take_along_axis,
)
from adcore.rules.joining import (
    append,
    array_split,
    atleast_1d,
    atleast_2d,
    atleast_3d,
    column_stack,
    dsplit,
    dstack,
    hsplit,
    hstack,
    pad,
    repeat,
    split,
    tile,
    vsplit,
    vstack,
)
from adcore.rules.nn import relu, sigmoid, softplus
from adcore.rules.reordering import (
    flip,
    fliplr,
    flipud,
    roll,
    rollaxis,
    rot90,
)
from adcore.rules.shape import at_set, moveaxis, swapaxes
from adcore.rules.statistics import (
    average,
    corrcoef,
    cov,
    median,
    percentile,
    ptp,
    quantile,
)

true_divide = divide
degrees, radians = rad2deg, deg2rad

# non-differentiable (piecewise constant) functions: plain results
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
signbit = _nondiff["signbit"]
logical_xor = _nondiff["logical_xor"]
floor_divide = _nondiff["floor_divide"]
fix = _nondiff["fix"]
flatnonzero = _nondiff["flatnonzero"]
count_nonzero = _nondiff["count_nonzero"]
empty_like = _nondiff["empty_like"]
array_equal = _nondiff["array_equal"]

# constructors and constants: plain numpy
zeros, ones, empty, eye, identity = _np.zeros, _np.ones, _np.empty, _np.eye, _np.identity
arange, logspace = _np.arange, _np.logspace
float32, float64, bool_ = _np.float32, _np.float64, _np.bool_
ndarray, newaxis, pi, e, inf, nan = _np.ndarray, _np.newaxis, _np.pi, _np.e, _np.inf, _np.nan
random = _np.random
row_stack = vstack

_sequences.install(globals())  # lists of traced values where numpy takes array-likes
_sequences.install(vars(linalg))
_dispatch.install()

from adcore.numpy import fft  # noqa: E402  (registers numpy.fft with the front end)
