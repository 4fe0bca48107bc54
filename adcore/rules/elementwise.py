"""Elementwise primitives, each declared by its partial derivatives.

Partials are written with adcore operations (``ew.cos(x)``, ``g * y``), so a
partial is itself differentiable and higher-order derivatives need nothing
more.  Derivative masks (``maximum``, ``abs``, ``relu``...) are constants
computed from plain values: their own derivative is zero, which is correct
away from the kink, and SPEC fixes the value at the kink.
"""

import operator

import numpy as np

from adcore.core import getval
from adcore.rules.declare import MINUS_ONE, ONE, elementwise, mask

# Python floats, not numpy scalars: they keep float32 arithmetic in float32
LN2, LN10 = float(np.log(2.0)), float(np.log(10.0))
POS = (0.1, 3.0)  # domain hints for the registry-driven tests
UNIT = (-0.9, 0.9)

# ---- arithmetic -------------------------------------------------------------
add = elementwise(operator.add, ONE, ONE, name="add")
subtract = elementwise(operator.sub, ONE, MINUS_ONE, name="subtract")
multiply = elementwise(operator.mul, lambda ans, x, y: y, lambda ans, x, y: x, name="multiply")
divide = elementwise(
    operator.truediv,
    lambda ans, x, y: 1.0 / y,
    lambda ans, x, y: -ans / y,
    name="divide",
    domain=[(-3.0, 3.0), POS],
)
negative = elementwise(operator.neg, MINUS_ONE, name="negative")


def _power_dx(ans, x, y):
    # x ** 2 is everywhere (losses, penalties): 2x is one multiply where the
    # general rule is a power and a multiply, a difference that compounds when nested
    if type(y) in (int, float) and y == 2:
        return 2.0 * x
    return y * power(x, y - 1)


def _power_dy(ans, x, y):
    xv = getval(x)
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
    np.arccosh, lambda ans, x: 1.0 / sqrt(x * x - 1.0), name="arccosh", domain=(1.1, 4.0)
)
arctanh = elementwise(np.arctanh, lambda ans, x: 1.0 / (1.0 - x * x), name="arctanh", domain=UNIT)
deg2rad = elementwise(np.deg2rad, lambda ans, x: np.pi / 180.0, name="deg2rad")
rad2deg = elementwise(np.rad2deg, lambda ans, x: 180.0 / np.pi, name="rad2deg")


def _sinc_d(ans, x):
    # d/dx sin(pi x)/(pi x) = (cos(pi x) - sinc(x)) / x, and 0 at x = 0
    xv = getval(x)
    safe = where(xv == 0, 1.0, x)
    return where(xv == 0, 0.0, (cos(np.pi * safe) - ans) / safe)


sinc = elementwise(np.sinc, _sinc_d, name="sinc", domain=(0.2, 2.0))

# ---- piecewise: SPEC's subgradient table holds at the kinks -------------------
absolute = elementwise(np.abs, lambda ans, x: mask(np.sign(getval(x)), x), name="absolute")
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
    if lo is not None:
        inside &= xv >= getval(lo)
    if hi is not None:
        inside &= xv <= getval(hi)
    return mask(inside, x)


clip = elementwise(
    np.clip,
    _clip_dx,
    lambda ans, x, lo, hi: mask(getval(x) < getval(lo), lo),
    lambda ans, x, lo, hi: mask(getval(x) > getval(hi), hi),
    name="clip",
)
