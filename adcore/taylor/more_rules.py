"""Native Taylor rules for the elementwise maps and reductions ``rules.py`` leaves out.

* elementwise: logaddexp/logaddexp2 (``log(e^(x-m) + e^(y-m)) + m`` with the
  primal output as the shift ``m``, so every exponential is at most 1),
  hypot (the square root of a sum of squares), arctan2 (``theta' r = x y' -
  y x'`` with ``r = x^2 + y^2``), sinc and sinc_derivative (their derivatives
  of every order are the primitive ``sinc_derivative``, exact at 0).
* reductions: logsumexp, softmax, log_softmax (the exponentials shifted by
  the primal maximum, a constant), prod (pairwise Cauchy products, a halving
  tree along the reduced axes) and cumprod (a doubling scan).  Neither
  product divides by an entry, so both are exact where entries are 0.

Rules follow ``rules.py``'s signature; the tables at the bottom name them.
"""

import inspect
import math

import numpy as np

import adcore.numpy as anp
from adcore.core import getval, ndim_of, shape_of
from adcore.rules.declare import axis_index, neg_axes
from adcore.rules.elementwise import sinc_derivative
from adcore.taylor import series as ts
from adcore.taylor.compose import antiderivative, compose, slope

LN2 = float(np.log(2.0))


def _plus(a, b):
    return [ts.total(pair) for pair in zip(a, b)]


def _minus(a, b):
    return [ts.total([p, ts.negated(q)]) for p, q in zip(a, b)]


def _product(a, b):
    """``ts.mul`` where the leading terms may be zero (None) too."""
    return [ts.times(a[0], b[0])] + ts.mul(a, b, 0.0)[1:]


def _dtype_of(x):
    return np.result_type(getval(x))


def params(prim, args, kwargs):
    """The primitive's arguments by name, defaults filled in (axis may come positionally)."""
    bound = inspect.signature(prim.impl).bind(*args, **kwargs)
    bound.apply_defaults()
    return bound.arguments


# ---- elementwise --------------------------------------------------------------------------
def _shifted_logaddexp(scale):
    def recurrence(ans, args, full):
        # 2^x = e^(x ln 2): both bases are e^(scale (x - ans)) summed, a log, and a rescale
        terms = [ts.exp(ts.scale(a, scale), anp.exp((x - ans) * scale)) for x, a in zip(args, full)]
        s = _plus(*terms)
        return [ans] + ts.scale(ts.log(s, 0.0)[1:], 1.0 / scale)

    return recurrence


def _logaddexp(ans, args, full):
    """logaddexp: ``log(s)`` of ``s = e^(x - ans) + e^(y - ans)`` (``s_0 = 1``), plus ``ans``."""
    return _shifted_logaddexp(1.0)(ans, args, full)


def _logaddexp2(ans, args, full):
    """logaddexp2: as logaddexp in base 2."""
    return _shifted_logaddexp(LN2)(ans, args, full)


def _hypot(ans, args, full):
    """hypot: ``sqrt(x^2 + y^2)``; at the origin (a cone, like abs at 0) every term is 0,
    as the JVP rule has it."""
    x, y = full
    s = _plus(ts.mul(x, x), ts.mul(y, y))
    origin = getval(ans) == 0
    if not np.any(origin):
        return ts.sqrt(s, ans)
    root = ts.sqrt(s, anp.where(origin, 1.0, ans))  # finite there, then masked out
    keep = np.asarray(~origin, dtype=_dtype_of(ans))
    return [ans] + [None if c is None else c * keep for c in root[1:]]


def _arctan2(ans, args, full):
    """arctan2(y, x): ``theta' = (x y' - y x') / r`` with ``r = x^2 + y^2``, then integrated."""
    y, x = full
    k = len(y) - 1
    r = _plus(ts.mul(y, y), ts.mul(x, x))
    dy, dx = slope(y), slope(x)
    top = _minus(_product(x[:k], dy), _product(y[:k], dx))
    q = ts.div(top, r[:k], None if top[0] is None else top[0] / r[0])
    return antiderivative(q, ans)


def _sinc_taylor(x0, order, k):
    return [None] + [
        sinc_derivative(x0, order=order + m) * (1.0 / math.factorial(m)) for m in range(1, k + 1)
    ]


def _sinc(ans, args, full):
    """sinc: composed with its Taylor coefficients ``sinc_derivative(x0, m) / m!`` (exact at 0)."""
    return compose(full[0], _sinc_taylor(args[0], 0, len(full[0]) - 1), ans)


def _sinc_derivative(ans, args, full, order=1):
    """sinc_derivative: the same, ``order`` derivatives further on."""
    return compose(full[0], _sinc_taylor(args[0], order, len(full[0]) - 1), ans)


# linear maps (complex parts, Fourier transforms): the JVP rule per coefficient
LINEAR = ["conj", "real", "imag", "dft", "irfftn", "irfftn_transpose"]

RECURRENCES = {
    "logaddexp": _logaddexp,
    "logaddexp2": _logaddexp2,
    "hypot": _hypot,
    "arctan2": _arctan2,
    "sinc": _sinc,
    "sinc_derivative": _sinc_derivative,
}


# ---- reductions ---------------------------------------------------------------------------
def _shifted_exp(x, s, axes):
    """``e^(x - m)`` as a series, ``m`` the primal's maximum over ``axes`` (a constant)."""
    m = np.max(getval(x), axis=axes, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)  # an all -inf slice: keep its zeros
    return ts.exp([None] + list(s), anp.exp(x - m))


def _sums(u, axes, keepdims):
    return [None if c is None else anp.sum(c, axis=axes, keepdims=keepdims) for c in u]


def _lse_series(x, s, axes, keepdims, ans):
    return ts.log(_sums(_shifted_exp(x, s, axes), axes, keepdims), ans)


def logsumexp_rule(prim, ans, args, series, kwargs, tag):
    """logsumexp: ``log(sum(e^(x - m))) + m`` with ``m`` the primal maximum; -inf entries
    contribute exact zeros."""
    p = params(prim, args, kwargs)
    x = p["x"]
    axes = neg_axes(p["axis"], ndim_of(x))
    return _lse_series(x, series[0], axes, p["keepdims"], ans)[1:]


def softmax_rule(prim, ans, args, series, kwargs, tag):
    """softmax: ``u / sum(u)`` with ``u = e^(x - m)``."""
    p = params(prim, args, kwargs)
    x = p["x"]
    axes = neg_axes(p["axis"], ndim_of(x))
    u = _shifted_exp(x, series[0], axes)
    return ts.div(u, _sums(u, axes, True), ans)[1:]


def log_softmax_rule(prim, ans, args, series, kwargs, tag):
    """log_softmax: ``x - logsumexp(x)`` term by term."""
    p = params(prim, args, kwargs)
    x = p["x"]
    axes = neg_axes(p["axis"], ndim_of(x))
    lse = _lse_series(x, series[0], axes, True, None)
    target = tag.batch + shape_of(ans)
    return [
        None if c is None else (c if shape_of(c) == target else anp.broadcast_to(c, target))
        for c in _minus(series[0], lse[1:])
    ]


def _padded(c, width, value, front):
    """``c`` with ``width`` entries of ``value`` added on its last axis (front or back)."""
    fill = np.full(shape_of(c)[:-1] + (width,), value, dtype=_dtype_of(c))
    return anp.concatenate([fill, c] if front else [c, fill], axis=-1)


def prod_rule(prim, ans, args, series, kwargs, tag):
    """prod: Cauchy products of pairs along the reduced axes, halving them each round."""
    p = params(prim, args, kwargs)
    x = p["x"]
    axes = list(neg_axes(p["axis"], ndim_of(x)))
    r = len(axes)
    length = int(np.prod([shape_of(x)[a] for a in axes], dtype=np.int64))
    if length == 0:
        return [None] * tag.order  # the empty product is the constant 1

    def flat(c):
        c = anp.moveaxis(c, axes, list(range(-r, 0))) if r else c
        lead = shape_of(c)[: ndim_of(c) - r]
        return anp.reshape(c, lead + (length,))

    cols = [flat(x)] + [None if c is None else flat(c) for c in series[0]]
    while length > 1:
        if length % 2:  # an odd count: one more entry, the constant 1
            cols = [None if c is None else _padded(c, 1, 0.0 if n else 1.0, False)
                    for n, c in enumerate(cols)]  # fmt: skip
            length += 1
        even = [None if c is None else c[..., 0::2] for c in cols]
        odd = [None if c is None else c[..., 1::2] for c in cols]
        cols = ts.mul(even, odd)
        length //= 2
    target = tag.batch + shape_of(ans)
    return [None if c is None else anp.reshape(c, target) for c in cols[1:]]


def cumprod_rule(prim, ans, args, series, kwargs, tag):
    """cumprod: a doubling scan, ``y[i] *= y[i - d]`` for d = 1, 2, 4, ... (Cauchy products)."""
    p = params(prim, args, kwargs)
    a = p["a"]
    ax = axis_index(p["axis"], ndim_of(a)) - ndim_of(a)
    length = shape_of(a)[ax]
    cols = [None if c is None else anp.moveaxis(c, ax, -1) for c in [a] + list(series[0])]
    d = 1
    while d < length:
        before = [None if c is None else _padded(c[..., : length - d], d, 0.0 if n else 1.0, True)
                  for n, c in enumerate(cols)]  # fmt: skip
        cols = ts.mul(cols, before)
        d *= 2
    return [None if c is None else anp.moveaxis(c, -1, ax) for c in cols[1:]]


REDUCTIONS = {
    "logsumexp": logsumexp_rule,
    "softmax": softmax_rule,
    "log_softmax": log_softmax_rule,
    "prod": prod_rule,
    "cumprod": cumprod_rule,
}
