"""scipy.special as elementwise primitives, declared by their partial derivatives.

Each partial is written with adcore ops (often another function of this
module: gammaln' = digamma, digamma' = polygamma(1, .), i0' = i1 ...), so every
order of derivative follows.  Parameters whose derivative has no closed form
here (the order of a Bessel function, the shape of an incomplete gamma) raise
an error naming the function and argument when they are differentiated; as
plain numbers they are fine.

Importing this module also registers the primitives with the ``__array_ufunc__``
front end: ``scipy.special.gammaln(traced)`` reaches ``gammaln`` below.
"""

import numpy as np
import scipy.special as sc

import adcore.numpy as anp
from adcore.core import getval
from adcore.numpy import dispatch
from adcore.rules.declare import mask
from adcore.rules.partials import elementwise

SQRT_PI = float(np.sqrt(np.pi))
SQRT_2PI = float(np.sqrt(2 * np.pi))
POS = (0.5, 3.0)


def _not_differentiable(fname, argname):
    """A partial that refuses: differentiating ``argname`` would need a rule adcore lacks."""

    def partial(ans, *args, **kwargs):
        raise NotImplementedError(
            f"adcore.scipy.special.{fname}: the derivative with respect to '{argname}' is not "
            f"implemented; pass '{argname}' as a plain (untraced) value"
        )

    return partial


def _keep_precision(ufunc):
    """``ufunc`` with float32 in giving float32 out (scipy has only double loops for some)."""

    def impl(*args):
        out = ufunc(*args)
        want = np.result_type(*args)
        if want == np.float32 and out.dtype == np.float64:
            return out.astype(np.float32)
        return out

    impl.__name__ = ufunc.__name__
    return impl


def _scalar_param(value, *params):
    """A term computed from parameters alone: a Python float when they are Python numbers,
    so it promotes like one (a float64 NumPy scalar would turn float32 tangents float64)."""
    if all(isinstance(p, (int, float)) for p in params):
        return float(value)
    return value


def _declare(impl, *partials, name, domain=None, explicit_spec=False):
    if isinstance(impl, np.ufunc):
        impl = _keep_precision(impl)
    prim = elementwise(impl, *partials, name=name, domain=domain, family="scipy.special")
    if explicit_spec:  # a parameter must stay constant: the tests read a spec table instead
        prim.meta["kind"] = "elementwise_with_parameters"
    return prim


def _sign(x):
    return mask(np.sign(getval(x)), x)


# ---- gamma family ---------------------------------------------------------------------------
zeta = _declare(
    sc.zeta,
    _not_differentiable("zeta", "x"),
    lambda ans, x, q: -x * zeta(x + 1.0, q),
    name="zeta",
    explicit_spec=True,
)


def polygamma(n, x):
    """The n-th derivative of digamma, ``(-1)^(n+1) n! zeta(n+1, x)`` (``psi`` for n = 0)."""
    n = np.asarray(getval(n))
    if np.any(n != np.floor(n)) or np.any(n < 0):
        raise ValueError(
            f"adcore.scipy.special.polygamma: n must be a non-negative integer, got {n}"
        )
    if n.ndim == 0 and int(n) == 0:
        return digamma(x)
    nf = n.astype(np.float64)
    coeff = (-1.0) ** (nf + 1) * sc.gamma(nf + 1)
    rest = digamma(x) if n.ndim else None
    out = coeff * zeta(nf + 1, x)
    return out if rest is None else anp.where(n == 0, rest, out)


digamma = _declare(sc.digamma, lambda ans, x: zeta(2.0, x), name="digamma", domain=POS)
psi = digamma
gammaln = _declare(sc.gammaln, lambda ans, x: digamma(x), name="gammaln", domain=POS)
gamma = _declare(sc.gamma, lambda ans, x: ans * digamma(x), name="gamma", domain=POS)


def _rgamma_dx(ans, x):
    """1/gamma is entire, but -ans * digamma(x) is 0 * inf = nan at its zeros x = 0, -1, ...
    Left of 1/2 differentiate the reflection 1/gamma(x) = gamma(1 - x) sin(pi x) / pi
    instead, finite at the zeros ((-1)^n n! at -n) and differentiable again (gamma and
    digamma at 1 - x > 1/2).  Each branch sees only its own x (the other a safe 1.0), so
    the unused one adds no nan to a higher derivative; past -170 gamma(1 - x) overflows."""
    left = (getval(x) < 0.5) & (getval(x) > -170.0)
    xl = anp.where(left, x, 0.0)
    xr = anp.where(left, 1.0, x)
    reflected = gamma(1.0 - xl) * (
        anp.cos(np.pi * xl) - digamma(1.0 - xl) * anp.sin(np.pi * xl) / np.pi
    )
    return anp.where(left, reflected, -rgamma(xr) * digamma(xr))


rgamma = _declare(sc.rgamma, _rgamma_dx, name="rgamma", domain=POS)
beta = _declare(
    sc.beta,
    lambda ans, a, b: ans * (digamma(a) - digamma(a + b)),
    lambda ans, a, b: ans * (digamma(b) - digamma(a + b)),
    name="beta",
    domain=POS,
)
betaln = _declare(
    sc.betaln,
    lambda ans, a, b: digamma(a) - digamma(a + b),
    lambda ans, a, b: digamma(b) - digamma(a + b),
    name="betaln",
    domain=POS,
)


def multigammaln(a, d):
    """log of the multivariate gamma function: ``d(d-1)/4 log(pi) + sum_j gammaln(a - j/2)``."""
    d = int(d)
    terms = [gammaln(a - 0.5 * j) for j in range(d)]
    return 0.25 * d * (d - 1) * np.log(np.pi) + sum(terms[1:], terms[0])


# regularized incomplete gamma/beta: differentiable in x (their integrand), not in the shapes
def _gammainc_dx(ans, a, x):
    return anp.exp((a - 1.0) * anp.log(x) - x - _scalar_param(gammaln(a), a))


gammainc = _declare(
    sc.gammainc,
    _not_differentiable("gammainc", "a"),
    _gammainc_dx,
    name="gammainc",
    explicit_spec=True,
)
gammaincc = _declare(
    sc.gammaincc,
    _not_differentiable("gammaincc", "a"),
    lambda ans, a, x: -_gammainc_dx(ans, a, x),
    name="gammaincc",
    explicit_spec=True,
)
betainc = _declare(
    sc.betainc,
    _not_differentiable("betainc", "a"),
    _not_differentiable("betainc", "b"),
    lambda ans, a, b, x: anp.exp(
        (a - 1.0) * anp.log(x) + (b - 1.0) * anp.log1p(-x) - _scalar_param(betaln(a, b), a, b)
    ),
    name="betainc",
    explicit_spec=True,
)


def _stdtr_dt(ans, df, t):
    # Student's t density
    norm = gammaln(0.5 * (df + 1.0)) - gammaln(0.5 * df) - 0.5 * anp.log(df * np.pi)
    return anp.exp(_scalar_param(norm, df) - 0.5 * (df + 1.0) * anp.log1p(t * t / df))


stdtr = _declare(
    sc.stdtr, _not_differentiable("stdtr", "df"), _stdtr_dt, name="stdtr", explicit_spec=True
)

# ---- error function and the normal distribution -------------------------------------------
erf = _declare(sc.erf, lambda ans, x: (2.0 / SQRT_PI) * anp.exp(-x * x), name="erf")
erfc = _declare(sc.erfc, lambda ans, x: (-2.0 / SQRT_PI) * anp.exp(-x * x), name="erfc")
# entire functions: the derivative formulas hold for complex z as they are (scipy's
# erf/erfc take complex arguments), so both differentiate complex values
erf.meta["complex"] = erfc.meta["complex"] = True
erfinv = _declare(
    sc.erfinv,
    lambda ans, x: (0.5 * SQRT_PI) * anp.exp(ans * ans),
    name="erfinv",
    domain=(-0.9, 0.9),
)
erfcinv = _declare(
    sc.erfcinv,
    lambda ans, x: (-0.5 * SQRT_PI) * anp.exp(ans * ans),
    name="erfcinv",
    domain=(0.1, 1.9),
)
ndtr = _declare(sc.ndtr, lambda ans, x: anp.exp(-0.5 * x * x) / SQRT_2PI, name="ndtr")
# d log Phi = phi / Phi, formed in logs so it stays finite far in the left tail
log_ndtr = _declare(
    sc.log_ndtr,
    lambda ans, x: anp.exp(-0.5 * x * x - ans) / SQRT_2PI,
    name="log_ndtr",
    domain=(-4.0, 3.0),
)
ndtri = _declare(
    sc.ndtri, lambda ans, x: SQRT_2PI * anp.exp(0.5 * ans * ans), name="ndtri", domain=(0.1, 0.9)
)

# ---- logistic ------------------------------------------------------------------------------
expit = _declare(sc.expit, lambda ans, x: ans * (1.0 - ans), name="expit")
logit = _declare(sc.logit, lambda ans, x: 1.0 / (x * (1.0 - x)), name="logit", domain=(0.1, 0.9))


def log_expit(x):
    """``log(expit(x)) = -softplus(-x)``, stable for large |x|."""
    return -anp.softplus(-x)


def gammasgn(x):
    """The sign of the gamma function: piecewise constant, so a plain result."""
    return sc.gammasgn(getval(x))


# ---- x log y -------------------------------------------------------------------------------
xlogy = _declare(
    sc.xlogy,
    lambda ans, x, y: anp.log(y),
    lambda ans, x, y: x / y,
    name="xlogy",
    domain=[(-2.0, 2.0), (0.5, 2.0)],
)
xlog1py = _declare(
    sc.xlog1py,
    lambda ans, x, y: anp.log1p(y),
    lambda ans, x, y: x / (1.0 + y),
    name="xlog1py",
    domain=[(-2.0, 2.0), (-0.5, 2.0)],
)

# ---- Bessel functions: orders are parameters, arguments are differentiated ----------------
jv = _declare(
    sc.jv,
    _not_differentiable("jv", "v"),
    lambda ans, v, x: 0.5 * (jv(v - 1.0, x) - jv(v + 1.0, x)),
    name="jv",
    explicit_spec=True,
)
jn = jv
yv = _declare(
    sc.yv,
    _not_differentiable("yv", "v"),
    lambda ans, v, x: 0.5 * (yv(v - 1.0, x) - yv(v + 1.0, x)),
    name="yv",
    explicit_spec=True,
)
iv = _declare(
    sc.iv,
    _not_differentiable("iv", "v"),
    lambda ans, v, x: 0.5 * (iv(v - 1.0, x) + iv(v + 1.0, x)),
    name="iv",
    explicit_spec=True,
)
# ive = iv * exp(-|x|): the product rule adds -sign(x) ive
ive = _declare(
    sc.ive,
    _not_differentiable("ive", "v"),
    lambda ans, v, x: 0.5 * (ive(v - 1.0, x) + ive(v + 1.0, x)) - _sign(x) * ans,
    name="ive",
    explicit_spec=True,
)
j0 = _declare(sc.j0, lambda ans, x: -j1(x), name="j0")
j1 = _declare(sc.j1, lambda ans, x: 0.5 * (j0(x) - jv(2.0, x)), name="j1")
y0 = _declare(sc.y0, lambda ans, x: -y1(x), name="y0", domain=POS)
y1 = _declare(sc.y1, lambda ans, x: 0.5 * (y0(x) - yv(2.0, x)), name="y1", domain=POS)
i0 = _declare(sc.i0, lambda ans, x: i1(x), name="i0")
i1 = _declare(sc.i1, lambda ans, x: 0.5 * (i0(x) + iv(2.0, x)), name="i1")
i0e = _declare(sc.i0e, lambda ans, x: i1e(x) - _sign(x) * ans, name="i0e", domain=(0.2, 2.0))
i1e = _declare(
    sc.i1e,
    lambda ans, x: 0.5 * (i0e(x) + ive(2.0, x)) - _sign(x) * ans,
    name="i1e",
    domain=(0.2, 2.0),
)


def yn(n, x):
    """Bessel function of the second kind of integer order (``yv`` with an integer order)."""
    return yv(np.asarray(n, dtype=np.float64), x)


# ---- reductions built from the primitives ---------------------------------------------------
def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False):
    """``log(sum(b * exp(a)))`` over ``axis``, differentiable in ``a`` and in the weights ``b``.

    As scipy: with ``return_sign`` the pair (log|s|, sign(s)); without it a
    negative sum gives NaN.  Complex ``a`` or ``b`` (as scipy and JAX): the
    principal complex log of s, and with ``return_sign`` (log|s|, s / |s|), both
    differentiable.
    """
    if np.iscomplexobj(getval(a)) or np.iscomplexobj(getval(b)):
        return _complex_logsumexp(a, axis, b, keepdims, return_sign)
    if b is None:
        out = anp.logsumexp(a, axis=axis, keepdims=keepdims)
        return (out, np.ones(np.shape(getval(out)))) if return_sign else out
    shift = np.max(getval(a), axis=axis, keepdims=True)  # a constant: exact in every derivative
    shift = np.where(np.isfinite(shift), shift, 0.0)
    s = anp.sum(b * anp.exp(a - shift), axis=axis, keepdims=True)
    sign = np.sign(getval(s))
    if not return_sign:
        sign = np.where(sign < 0, np.nan, sign)
    out = anp.log(anp.abs(s) if return_sign else s * sign) + shift
    if not keepdims:
        out = anp.squeeze(out, axis=axis) if axis is not None else anp.reshape(out, ())
        sign = np.squeeze(sign, axis=axis) if axis is not None else sign.reshape(())
    return (out, sign) if return_sign else out


def _complex_logsumexp(a, axis, b, keepdims, return_sign):
    if b is None:
        out = anp.logsumexp(a, axis=axis, keepdims=keepdims)
    else:  # the shift: the real parts' maximum, a constant exact in every derivative
        shift = np.max(np.real(getval(a)), axis=axis, keepdims=True)
        shift = np.where(np.isfinite(shift), shift, 0.0)
        out = anp.log(anp.sum(b * anp.exp(a - shift), axis=axis, keepdims=True)) + shift
        if not keepdims:
            out = anp.squeeze(out, axis=axis) if axis is not None else anp.reshape(out, ())
    if not return_sign:
        return out
    return anp.real(out), anp.exp(1j * anp.imag(out))  # log|s| and s / |s|


def softmax(x, axis=None):
    """``exp(x - logsumexp(x, axis))``; ``axis=None`` (scipy's default) normalises over all."""
    return anp.exp(x - logsumexp(x, axis=axis, keepdims=True))


def log_softmax(x, axis=None):
    """``x - logsumexp(x, axis)``; ``axis=None`` normalises over all entries."""
    return x - logsumexp(x, axis=axis, keepdims=True)


PRIMITIVES = {
    sc.zeta: zeta, sc.digamma: digamma, sc.gammaln: gammaln, sc.gamma: gamma,
    sc.rgamma: rgamma, sc.beta: beta, sc.betaln: betaln, sc.gammainc: gammainc,
    sc.gammaincc: gammaincc, sc.betainc: betainc, sc.stdtr: stdtr, sc.erf: erf, sc.erfc: erfc,
    sc.erfinv: erfinv, sc.erfcinv: erfcinv, sc.ndtr: ndtr, sc.log_ndtr: log_ndtr,
    sc.ndtri: ndtri, sc.expit: expit, sc.logit: logit, sc.xlogy: xlogy, sc.xlog1py: xlog1py,
    sc.jv: jv, sc.yv: yv, sc.iv: iv, sc.ive: ive, sc.j0: j0, sc.j1: j1, sc.y0: y0, sc.y1: y1,
    sc.i0: i0, sc.i1: i1, sc.i0e: i0e, sc.i1e: i1e,
}  # fmt: skip
# scipy.special's ufuncs on traced values arrive through __array_ufunc__
dispatch.UFUNCS.update(PRIMITIVES)
dispatch.UFUNCS[sc.gammasgn] = gammasgn

__all__ = [
    "beta", "betainc", "betaln", "digamma", "erf", "erfc", "erfcinv", "erfinv", "expit",
    "gamma", "gammainc", "gammaincc", "gammaln", "gammasgn", "i0", "i0e", "i1", "i1e", "iv",
    "ive", "j0", "j1", "jn", "jv", "log_expit", "log_ndtr", "log_softmax", "logit", "logsumexp",
    "multigammaln", "ndtr", "ndtri", "polygamma", "psi", "rgamma", "softmax", "stdtr", "xlog1py",
    "xlogy", "y0", "y1", "yn", "yv", "zeta",
]  # fmt: skip
