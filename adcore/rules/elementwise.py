"""Elementwise primitives, each declared by its partial derivatives
(``partials.elementwise``): arithmetic, exponentials and logarithms,
trigonometric and hyperbolic functions, sinc, the piecewise maps (abs, maximum,
minimum, where, clip, fmax, fmin, remainder, fmod) and the complex-number
parts (real, imag, conj, absolute, angle; on real arrays real and conj are the
identity, imag and angle constants).

Partials are written with adcore operations (``ew.cos(x)``, ``g * y``), so a
partial is itself differentiable and higher-order derivatives need nothing
more.  Derivative masks (``maximum``, ``abs``, ``relu``...) are constants
computed from plain values: their own derivative is zero, which is correct
away from the kink, and SPEC fixes the value at the kink.
"""

import operator

import numpy as np

from adcore.core import Primitive, Traced, defjvp, defvjp_direct, getval
from adcore.rules.declare import mask
from adcore.rules.partials import MINUS_ONE, ONE, elementwise

# Python floats, not numpy scalars: they keep float32 arithmetic in float32
LN2, LN10 = float(np.log(2.0)), float(np.log(10.0))
POS = (0.1, 3.0)  # domain hints for the registry-driven tests
UNIT = (-0.9, 0.9)


# ---- arithmetic -------------------------------------------------------------
def _one_over(y):
    """1 / y, also for a Python number y = 0: numpy's inf (and warning), where
    Python's 1.0 / 0.0 would raise ZeroDivisionError inside the rule."""
    if type(y) in (int, float, bool):
        return float(np.divide(1.0, y))  # a Python float: keeps float32 tangents float32
    return 1.0 / y


add = elementwise(operator.add, ONE, ONE, name="add")
subtract = elementwise(operator.sub, ONE, MINUS_ONE, name="subtract")
multiply = elementwise(operator.mul, lambda ans, x, y: y, lambda ans, x, y: x, name="multiply")
divide = elementwise(
    operator.truediv,
    lambda ans, x, y: _one_over(y),
    lambda ans, x, y: -ans / y,
    name="divide",
    domain=[(-3.0, 3.0), POS],
)
negative = elementwise(operator.neg, MINUS_ONE, name="negative")


def _integral_exponent(y):
    """Is y a constant whose entries are all integers (2, np.int64(3), 2.0, an int array)?"""
    if isinstance(y, Traced):
        return False
    yv = np.asarray(y)
    if yv.dtype.kind in "iu":
        return True
    return yv.dtype.kind == "f" and bool(np.all(np.isfinite(yv) & (yv == np.round(yv))))


def _power_dx(ans, x, y):
    # x ** 2 is everywhere (losses, penalties): 2x is one multiply where the
    # general rule is a power and a multiply, a difference that compounds when nested
    if type(y) in (int, float) and y == 2:
        return 2.0 * x
    if type(y) is int or (type(y) is float and y.is_integer()):  # the common case, fast
        return y * power(x, y - 1 if y != 0 else y)
    if _integral_exponent(y):
        # a polynomial: n x^(n-1) with x^0 = 1, and 0 for n = 0, so every order stays
        # finite at x = 0 (the general form meets 0 * 0^-1 = NaN on the way down)
        yv = np.asarray(y)
        lowered = np.where(yv == 0, 0, yv - 1).astype(yv.dtype)
        if np.ndim(y) == 0:  # a numpy scalar stays one (its dtype is the exponent's)
            lowered = lowered[()]
        return y * power(x, lowered)
    return y * power(x, y - 1)


def _power_dy(ans, x, y):
    xv = getval(x)
    if np.iscomplexobj(xv):  # x^y = exp(y log x) off x = 0, where the slope is taken as 0
        nonzero = xv != 0
        return ans * log(where(nonzero, x, 1.0)) * mask(nonzero, xv)
    positive = mask(xv > 0, xv)
    return ans * log(where(xv > 0, x, 1.0)) * positive


power = elementwise(operator.pow, _power_dx, _power_dy, name="power", domain=[POS, (-2.0, 2.0)])
square = elementwise(np.square, lambda ans, x: 2.0 * x, name="square")
reciprocal = elementwise(np.reciprocal, lambda ans, x: -(ans * ans), name="reciprocal", domain=POS)

# ---- exponentials and logarithms ---------------------------------------------
exp = elementwise(np.exp, lambda ans, x: ans, name="exp")
exp2 = elementwise(np.exp2, lambda ans, x: ans * LN2, name="exp2")
expm1 = elementwise(np.expm1, lambda ans, x: ans + 1.0, name="expm1")
log = elementwise(np.log, lambda ans, x: 1.0 / x, name="log", domain=POS)
log2 = elementwise(np.log2, lambda ans, x: 1.0 / (x * LN2), name="log2", domain=POS)
log10 = elementwise(np.log10, lambda ans, x: 1.0 / (x * LN10), name="log10", domain=POS)
log1p = elementwise(np.log1p, lambda ans, x: 1.0 / (x + 1.0), name="log1p", domain=UNIT)
sqrt = elementwise(np.sqrt, lambda ans, x: 0.5 / ans, name="sqrt", domain=POS)
cbrt = elementwise(np.cbrt, lambda ans, x: 1.0 / (3.0 * ans * ans), name="cbrt", domain=POS)
logaddexp = elementwise(
    np.logaddexp,
    lambda ans, x, y: exp(x - ans),
    lambda ans, x, y: exp(y - ans),
    name="logaddexp",
)
logaddexp2 = elementwise(
    np.logaddexp2,
    lambda ans, x, y: exp2(x - ans),
    lambda ans, x, y: exp2(y - ans),
    name="logaddexp2",
)

# ---- trigonometric and hyperbolic -------------------------------------------
sin = elementwise(np.sin, lambda ans, x: cos(x), name="sin")
cos = elementwise(np.cos, lambda ans, x: -sin(x), name="cos")
tan = elementwise(np.tan, lambda ans, x: 1.0 + ans * ans, name="tan", domain=(-1.2, 1.2))
arcsin = elementwise(np.arcsin, lambda ans, x: 1.0 / sqrt(1.0 - x * x), name="arcsin", domain=UNIT)
arccos = elementwise(np.arccos, lambda ans, x: -1.0 / sqrt(1.0 - x * x), name="arccos", domain=UNIT)
arctan = elementwise(np.arctan, lambda ans, x: 1.0 / (1.0 + x * x), name="arctan")
arctan2 = elementwise(
    np.arctan2,
    lambda ans, y, x: x / (x * x + y * y),
    lambda ans, y, x: -y / (x * x + y * y),
    name="arctan2",
    domain=[POS, POS],
)


def _hypot_d(ans, a):
    # d hypot / da = a / hypot; at the origin hypot is a cone, like abs at 0: 0 there
    # (SPEC's abs'(0) = 0), where a / 0 was nan
    at_origin = getval(ans) == 0
    return where(at_origin, 0.0, a / where(at_origin, 1.0, ans))


hypot = elementwise(
    np.hypot,
    lambda ans, x, y: _hypot_d(ans, x),
    lambda ans, x, y: _hypot_d(ans, y),
    name="hypot",
    domain=[POS, POS],
)
sinh = elementwise(np.sinh, lambda ans, x: cosh(x), name="sinh")
cosh = elementwise(np.cosh, lambda ans, x: sinh(x), name="cosh")
tanh = elementwise(np.tanh, lambda ans, x: 1.0 - ans * ans, name="tanh")
arcsinh = elementwise(np.arcsinh, lambda ans, x: 1.0 / sqrt(x * x + 1.0), name="arcsinh")
arccosh = elementwise(
    # sqrt(x - 1) sqrt(x + 1), not sqrt(x^2 - 1): the two differ off the real axis
    np.arccosh,
    lambda ans, x: 1.0 / (sqrt(x - 1.0) * sqrt(x + 1.0)),
    name="arccosh",
    domain=(1.1, 4.0),
)
arctanh = elementwise(np.arctanh, lambda ans, x: 1.0 / (1.0 - x * x), name="arctanh", domain=UNIT)
deg2rad = elementwise(np.deg2rad, lambda ans, x: np.pi / 180.0, name="deg2rad")
rad2deg = elementwise(np.rad2deg, lambda ans, x: 180.0 / np.pi, name="rad2deg")


# ---- sinc and its derivatives of every order ------------------------------------------
# (cos(pi x) - sinc(x)) / x is 0/0 at x = 0, and a `where` around it gets the value
# right but not its derivative (sinc''(0) = -pi^2/3 would come out 0).  So the
# k-th derivative is a primitive of its own whose derivative is the (k+1)-th:
# the power series term by term near 0 (exact at 0), Leibniz's rule on
# sin(pi x) * (1/(pi x)) further out, whichever cancels less at each point,
# each summed with float recurrences (no factorials that overflow).


def _sinc_series(x, k):
    """d^k/dx^k sum_n (-1)^n (pi x)^(2n) / (2n+1)!, term by term.

    Term n is (-1)^n d_n x^(2n-k) with d_n = pi^(2n) / ((2n+1) (2n-k)!).
    """
    n = (k + 1) // 2  # the first term that survives k derivatives
    d = np.pi ** (2 * n) / (2 * n + 1)  # (2n - k)! is 0! or 1!
    out = np.zeros_like(x)
    for _ in range(30 + k):  # enough for |pi x| up to k + 30 terms past the peak
        out += (-1) ** n * d * x ** (2 * n - k)
        d *= np.pi**2 * (2 * n + 1) / ((2 * n + 3) * (2 * n + 2 - k) * (2 * n + 1 - k))
        n += 1
    return out


def _sinc_leibniz(x, k):
    """d^k/dx^k of sin(pi x) * (1 / (pi x)) by Leibniz's rule.

    Term m is (-1)^(k-m) sin(pi x + m pi/2) a_m with a_m = (k!/m!) pi^(m-1) / x^(k-m+1);
    a_(m-1) = a_m m / (pi x): the terms grow while m > pi |x| (see _leibniz_loss).
    """
    a = np.pi ** (k - 1) / x
    out = np.zeros_like(x)
    for m in range(k, -1, -1):
        out += (-1) ** (k - m) * np.sin(np.pi * x + m * np.pi / 2) * a
        a = a * m / (np.pi * x)
    return out


def _leibniz_loss(ax, k):
    """log(max_m a_m / a_k): how far Leibniz's terms grow past the last one at |x| = ax."""
    m = np.arange(1, k + 1, dtype=np.float64).reshape((-1,) + (1,) * ax.ndim)
    return np.sum(np.maximum(np.log(m / (np.pi * np.maximum(ax, 1e-300))), 0.0), axis=0)


def _sinc_derivative_impl(x, order=1):
    xv = np.asarray(x)
    dtype = np.result_type(xv, np.float32) if xv.dtype.kind == "f" else np.float64
    x64 = xv.astype(np.float64)
    ax = np.abs(x64)
    # the series loses about e^(pi |x|) to cancellation, Leibniz's rule the ratio of its
    # largest term to its last: each point takes the branch that loses less
    near = (ax <= 1.0) | (np.pi * ax < _leibniz_loss(ax, order))
    out = np.empty_like(x64)
    out[near] = _sinc_series(x64[near], order)
    out[~near] = _sinc_leibniz(x64[~near], order)
    return out.astype(dtype)[()] if out.ndim == 0 else out.astype(dtype)


sinc_derivative = elementwise(
    _sinc_derivative_impl,
    lambda ans, x, order=1: sinc_derivative(x, order=order + 1),
    name="sinc_derivative",
)
sinc = elementwise(np.sinc, lambda ans, x: sinc_derivative(x), name="sinc", domain=(0.2, 2.0))

# ---- piecewise: SPEC's subgradient table holds at the kinks -------------------
fabs = elementwise(np.fabs, lambda ans, x: mask(np.sign(getval(x)), x), name="fabs")


def _tie_share(a, b):
    av, bv = getval(a), getval(b)
    return mask((av > bv) + 0.5 * (av == bv), a)


maximum = elementwise(
    np.maximum,
    lambda ans, x, y: _tie_share(x, y),
    lambda ans, x, y: _tie_share(y, x),
    name="maximum",
)
minimum = elementwise(
    np.minimum,
    lambda ans, x, y: _tie_share(y, x),
    lambda ans, x, y: _tie_share(x, y),
    name="minimum",
)
where = elementwise(
    np.where,
    None,
    lambda ans, c, x, y: mask(c, x),
    lambda ans, c, x, y: mask(np.logical_not(c), y),
    name="where",
)


def _clip_dx(ans, x, lo, hi):
    xv = getval(x)
    inside = np.ones(np.shape(xv), dtype=bool)
    # not in place (&=): under adcore.compile the comparisons are recorded values
    if lo is not None:
        inside = inside & (xv >= getval(lo))
    if hi is not None:
        inside = inside & (xv <= getval(hi))
    return mask(inside, x)


clip = elementwise(
    np.clip,
    _clip_dx,
    lambda ans, x, lo, hi: mask(getval(x) < getval(lo), lo),
    lambda ans, x, lo, hi: mask(getval(x) > getval(hi), hi),
    name="clip",
)


# ---- NaN-ignoring extrema (fmax, fmin) and remainders (mod, fmod) --------------------
def _nan_share(a, b, wins):
    # the winning (or the only non-NaN) argument gets the gradient; ties split 0.5/0.5
    av, bv = getval(a), getval(b)
    return mask(wins(av, bv) + 0.5 * (av == bv) + np.isnan(bv) * ~np.isnan(av), a)


def _fmax_share(a, b):
    return _nan_share(a, b, np.greater)


def _fmin_share(a, b):
    return _nan_share(a, b, np.less)


fmax = elementwise(
    np.fmax,
    lambda ans, x, y: _fmax_share(x, y),
    lambda ans, x, y: _fmax_share(y, x),
    name="fmax",
)
fmin = elementwise(
    np.fmin,
    lambda ans, x, y: _fmin_share(x, y),
    lambda ans, x, y: _fmin_share(y, x),
    name="fmin",
)

# x mod y = x - floor(x / y) * y: slope 1 in x, -floor(x / y) in y (between the jumps)
REMAINDER_DOMAIN = [(2.1, 2.9), (1.5, 2.0)]  # x / y in (1, 2): away from the jumps
remainder = elementwise(
    np.remainder,
    ONE,
    lambda ans, x, y: -mask(np.floor(getval(x) / getval(y)), y),
    name="remainder",
    domain=REMAINDER_DOMAIN,
)
mod = remainder
fmod = elementwise(
    np.fmod,
    ONE,
    lambda ans, x, y: -mask(np.trunc(getval(x) / getval(y)), y),
    name="fmod",
    domain=REMAINDER_DOMAIN,
)


# ---- complex numbers: parts, conjugate, modulus ------------------------------------------
# Not holomorphic, so not declared by partials: each states its JVP and its transpose
# under the bilinear pairing Re(sum(u * v)) (JAX's convention, see adcore.core.reverse).
def _is_complex(x):
    return np.iscomplexobj(getval(x))


real = Primitive(np.real, name="real", family="elementwise")
imag = Primitive(np.imag, name="imag", family="elementwise")
conj = Primitive(np.conjugate, name="conj", family="elementwise")
conjugate = conj
for _prim in (real, imag, conj):
    _prim.meta.update(kind="elementwise", arity=1, domain=None, complex=True)


def _real_vjp(g, ans, x):
    # d Re(z) = Re(dz): its transpose puts a real cotangent on the real axis
    return g + 0j if _is_complex(x) else g  # + 0j keeps g's precision (complex64 for float32)


def _imag_vjp(g, ans, x):
    # d Im(z) = Re(-1j dz)
    return g * -1j if _is_complex(x) else g * 0.0


defjvp(real, lambda g, ans, x: real(g), batched=True)
defvjp_direct(real, _real_vjp)
defjvp(imag, lambda g, ans, x: imag(g), batched=True)
defvjp_direct(imag, _imag_vjp)
defjvp(conj, lambda g, ans, x: conj(g), batched=True)
defvjp_direct(conj, lambda g, ans, x: conj(g))


def _unit(x, ans):
    """conj(x) / |x|, and 0 where x = 0 (SPEC's subgradient of |x| at the kink)."""
    zero = getval(ans) == 0
    return where(zero, 0.0, conj(x)) / where(zero, 1.0, ans)


def _abs_jvp(g, ans, x):
    if _is_complex(x):  # d|z| = Re(conj(z) dz) / |z|
        return real(g * _unit(x, ans))
    return g * mask(np.sign(getval(x)), x)


def _abs_vjp(g, ans, x):
    if _is_complex(x):
        return g * _unit(x, ans)
    c = g * mask(np.sign(getval(x)), x)
    return c


absolute = Primitive(np.abs, name="absolute", family="elementwise")
absolute.meta.update(kind="elementwise", arity=1, domain=None, complex=True)
defjvp(absolute, _abs_jvp, batched=True)
defvjp_direct(absolute, _abs_vjp)


def abs2(x):
    """|x|^2 elementwise: x * x for real x, Re(x conj(x)) (real-valued) for complex x."""
    return real(x * conj(x)) if _is_complex(x) else x * x


def real_if_close(a, tol=100):
    """``a``'s real part when every imaginary part is within ``tol`` machine epsilons of 0."""
    if _is_complex(a) and np.isrealobj(np.real_if_close(getval(a), tol=tol)):
        return real(a)
    return a


def angle(z, deg=False):
    """The argument of z: arctan2(imag, real); 0 or pi, a constant, for real z."""
    if not _is_complex(z):
        return np.angle(getval(z), deg=deg)
    out = arctan2(imag(z), real(z))
    return out * (180.0 / np.pi) if deg else out
