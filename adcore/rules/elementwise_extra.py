"""The rest of numpy's differentiable ufuncs: NaN-ignoring extrema (fmax,
fmin), remainders (mod/remainder, fmod), and the complex-number accessors
(real, imag, conj, angle, real_if_close) on real arrays.

adcore differentiates real arrays; the accessors are the identity (real,
conj), constants (imag, angle) or an error on complex input.
"""

import numpy as np

from adcore.core import getval
from adcore.rules.declare import mask
from adcore.rules.partials import ONE, elementwise


def _fmax_share(a, b):
    # the larger (or the only non-NaN) argument gets the gradient; ties split 0.5/0.5
    av, bv = getval(a), getval(b)
    return mask((av > bv) + 0.5 * (av == bv) + np.isnan(bv) * ~np.isnan(av), a)


def _fmin_share(a, b):
    av, bv = getval(a), getval(b)
    return mask((av < bv) + 0.5 * (av == bv) + np.isnan(bv) * ~np.isnan(av), a)


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


# ---- complex accessors on real arrays -------------------------------------------------------
def _real_only(name, x):
    if np.iscomplexobj(getval(x)):
        raise NotImplementedError(f"adcore.numpy.{name}: complex arrays are not differentiated")


def real(val):
    _real_only("real", val)
    return val


def conj(x, out=None):
    _real_only("conj", x)
    return x


conjugate = conj


def real_if_close(a, tol=100):
    _real_only("real_if_close", a)
    return a


def imag(val):
    """Zero for real input: a constant, so its derivative is zero."""
    _real_only("imag", val)
    return np.zeros_like(np.asarray(getval(val)))


def angle(z, deg=False):
    """0 or pi for real input: piecewise constant."""
    _real_only("angle", z)
    return np.angle(getval(z), deg=deg)


__all__ = [
    "angle",
    "conj",
    "conjugate",
    "fmax",
    "fmin",
    "fmod",
    "imag",
    "mod",
    "real",
    "real_if_close",
    "remainder",
]
