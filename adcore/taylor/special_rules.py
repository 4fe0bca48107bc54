"""Native Taylor rules for adcore.scipy.special (attached by ``scipy_rules``).

Three ways, by what the derivative is:

* a density to integrate, ``y' = p(x) x'`` with ``log p`` a short series of
  x: erf, erfc, ndtr (Gaussian), gammainc/gammaincc, betainc and stdtr (in
  x; their shape parameters must be untraced), logit; or of the output as
  well, ``p(x, y)``, built one order ahead of y: expit (``y - y^2``),
  log_ndtr, erfinv, erfcinv, ndtri (``exp`` of ``+-c y^2`` or ``-x^2/2 - y``).
* the derivatives of every order in closed form at ``x0``, composed with the
  curve (``compose``): digamma and gammaln (``zeta(m + 1, x0)``), zeta in q,
  the Bessel functions (``J_v^(m) = 2^-m sum_j (-1)^j C(m, j) J_(v-m+2j)``,
  likewise Y and, without the signs, I; the exponentially scaled ones times
  the series of ``exp(-sign(x0) (x - x0))``, the JVP rule's constant sign).
  gamma, rgamma, beta: ``exp`` of gammaln's or betaln's series.
* products: xlogy, xlog1py (``x log y``).

Where a rule's formula breaks down (rgamma at its zeros, ``log y`` at
``y <= 0``) the call takes the JVP-derived rule instead; a traced shape
parameter does too, and that rule names the argument it cannot differentiate.
"""

import math

import numpy as np

import adcore.numpy as anp
from adcore.core import get_primitive, getval, shape_of
from adcore.taylor import series as ts
from adcore.taylor.compose import compose, exp_of
from adcore.taylor.fallback import jvp_derived
from adcore.taylor.rules import elementwise

SQRT_PI = float(np.sqrt(np.pi))
SQRT_2PI = float(np.sqrt(2.0 * np.pi))


def _special(name):
    """adcore.scipy.special's primitive ``name``, looked up when a rule runs: this module
    needs no import of adcore.scipy, which attaches these rules as it loads."""
    return get_primitive(name)


def _still(a):
    return all(c is None for c in a[1:])


def _partial(name, i, ans, args):
    """The primitive's own partial in argument i at the primal (its JVP rule at a unit g)."""
    x = args[i]
    one = np.ones(shape_of(x), dtype=np.result_type(getval(ans)))
    return _special(name).rule("jvp", i)(one, ans, *args)


# ---- densities: y' = p x' -------------------------------------------------------------------
def _gaussian(c, s):
    """``y' = c exp(-s x^2) x'``."""

    def recurrence(ans, args, full):
        a = full[0]
        k = len(a) - 1
        w = ts.scale(ts.mul(a[:k], a[:k]), -s)
        p = ts.exp(w, c * anp.exp(-s * args[0] * args[0]))
        return ts.integrate(a, p, ans)

    return recurrence


def _of_output(c, s):
    """``y' = c exp(s y^2) x'`` (the inverses of erf, erfc, ndtr)."""

    def recurrence(ans, args, full):
        p = exp_of(lambda y, n: ts.scale([ts.square_term(y, n)], s)[0], c * anp.exp(s * ans * ans))
        return ts.integrate(full[0], p, ans)

    return recurrence


def _log_ndtr(ans, args, full):
    """log_ndtr: ``y' = exp(-x^2/2 - y) x' / sqrt(2 pi)``."""
    a = full[0]

    def term(y, n):  # w_n of w = -x^2/2 - y
        sq = ts.square_term(a, n)
        return ts.total([None if sq is None else sq * -0.5, ts.negated(y[n])])

    p0 = anp.exp(-0.5 * args[0] * args[0] - ans) * (1.0 / SQRT_2PI)
    return ts.integrate(a, exp_of(term, p0), ans)


def _expit(ans, args, full):
    """expit: ``y' = (y - y^2) x'``."""
    return ts.quadratic(full[0], ans, ans - ans * ans, 1, -1)


def _logit(ans, args, full):
    """logit: ``y' = x' / (x - x^2)``."""
    a = full[0]
    k = len(a) - 1
    q = [a[0] - a[0] * a[0]] + [
        ts.total([a[n], ts.negated(ts.square_term(a, n))]) for n in range(1, k)
    ]
    return ts.integrate(a, ts.div([1.0] + [None] * (k - 1), q), ans)


def _log_density(name, argnum, log_series):
    """``y' = p x'`` in argument ``argnum``, ``p = p0 exp(w - w0)`` with ``w = log_series``."""

    def recurrence(ans, args, full):
        a = full[argnum]
        k = len(a) - 1
        p0 = _partial(name, argnum, ans, args)
        p = ts.exp(log_series(args, a[:k]), p0) if k > 1 else [p0]
        return ts.integrate(a, p, ans)

    return recurrence


def _log(a):
    return ts.log(a, None)  # only the terms past the primal are used


def _gammainc_w(args, a):
    """``(a - 1) log x - x``."""
    return [None] + [ts.total([ts.times(c, args[0] - 1.0), d]) for c, d in
                     zip(_log(a)[1:], ts.scale(a[1:], -1.0))]  # fmt: skip


def _betainc_w(args, a):
    """``(a - 1) log x + (b - 1) log(1 - x)``."""
    one_minus = ts.shift(ts.scale(a, -1.0), 1.0)
    return [None] + [ts.total([ts.times(c, args[0] - 1.0), ts.times(d, args[1] - 1.0)])
                     for c, d in zip(_log(a)[1:], _log(one_minus)[1:])]  # fmt: skip


def _stdtr_w(args, a):
    """``-(df + 1)/2 log(1 + t^2 / df)``."""
    df = args[0]
    u = ts.shift(ts.scale(ts.mul(a, a), 1.0 / df), 1.0)
    return [None] + [ts.times(c, -0.5 * (df + 1.0)) for c in _log(u)[1:]]


# ---- derivatives of every order: compose ---------------------------------------------------
def _polygamma_over_factorial(m, x0):
    """``polygamma(m, x0) / m! = (-1)^(m+1) zeta(m + 1, x0)`` for m >= 1."""
    return _special("zeta")(float(m + 1), x0) * (1.0 if m % 2 else -1.0)


def _gammaln_series(a, x0):
    k = len(a) - 1
    if _still(a):
        return [None] * (k + 1)
    taylor = [None, _special("digamma")(x0)] + [
        _polygamma_over_factorial(m - 1, x0) * (1.0 / m) for m in range(2, k + 1)
    ]
    return compose(a, taylor, None)


def _digamma(ans, args, full):
    """digamma: composed with ``polygamma(m, x0) / m!``."""
    k = len(full[0]) - 1
    taylor = [None] + [_polygamma_over_factorial(m, args[0]) for m in range(1, k + 1)]
    return compose(full[0], taylor, ans)


def _gammaln(ans, args, full):
    """gammaln: composed with ``polygamma(m - 1, x0) / m!``."""
    return [ans] + _gammaln_series(full[0], args[0])[1:]


def _gamma(ans, args, full):
    """gamma: ``exp`` of gammaln's series, from ``gamma(x0)`` (any sign)."""
    return ts.exp(_gammaln_series(full[0], args[0]), ans)


def _rgamma(ans, args, full):
    """rgamma: ``exp`` of minus gammaln's series."""
    return ts.exp(ts.scale(_gammaln_series(full[0], args[0]), -1.0), ans)


def _betaln_series(args, full):
    a, b = full
    both = [args[0] + args[1]] + [ts.total(pair) for pair in zip(a[1:], b[1:])]
    terms = [_gammaln_series(a, args[0]), _gammaln_series(b, args[1])]
    terms.append(ts.scale(_gammaln_series(both, both[0]), -1.0))
    return [None] + [ts.total(t) for t in zip(*[t[1:] for t in terms])]


def _betaln(ans, args, full):
    """betaln: ``gammaln(a) + gammaln(b) - gammaln(a + b)`` term by term."""
    return [ans] + _betaln_series(args, full)[1:]


def _beta(ans, args, full):
    """beta: ``exp`` of betaln's series."""
    return ts.exp(_betaln_series(args, full), ans)


def _zeta(ans, args, full):
    """zeta(s, q) in q: ``d^m/dq^m zeta = (-1)^m s (s+1) ... (s+m-1) zeta(s + m, q)``."""
    s, q = args
    k = len(full[1]) - 1
    taylor, c = [None], 1.0
    for m in range(1, k + 1):
        c = c * (s + (m - 1.0)) * (-1.0 / m)  # (-1)^m binomial(s + m - 1, m)
        taylor.append(_special("zeta")(s + float(m), q) * c)
    return compose(full[1], taylor, ans)


def _bessel(name, sign, scaled=False):
    """``f(v, x)`` with ``f^(m) = 2^-m sum_j sign^j C(m, j) f(v - m + 2j)``; ``scaled``:
    the ``exp(-|x|)`` versions, times the series of ``exp(-sign(x0) (x - x0))``."""

    def recurrence(ans, args, full, order=None):
        v, x = args if order is None else (float(order), args[0])
        a = full[-1]
        k = len(a) - 1
        at = {}
        taylor = [None]
        for m in range(1, k + 1):
            total = None
            for j in range(m + 1):
                i = 2 * j - m
                if i not in at:
                    at[i] = _special(name)(v + float(i), x)
                w = math.comb(m, j) * sign**j / (2.0**m * math.factorial(m))
                total = ts.total([total, at[i] * w])
            taylor.append(total)
        y = compose(a, taylor, ans)
        if not scaled:
            return y
        s = np.sign(getval(x)).astype(np.result_type(getval(ans)))
        return ts.mul(y, ts.exp(ts.scale(a, -s), 1.0), ans)

    return recurrence


def _fixed(recurrence, order):
    def fixed(ans, args, full):
        return recurrence(ans, args, full, order=order)

    return fixed


def _product_with_log(shift):
    """``x log(y + shift)``: the Cauchy product with log's series."""

    def recurrence(ans, args, full):
        x, y = full
        log0 = anp.log1p(args[1]) if shift else anp.log(args[1])  # x_n log(y_0) is a term
        return ts.mul(x, ts.log(ts.shift(y, shift), log0), ans)

    return recurrence


# ---- the table ------------------------------------------------------------------------------
RECURRENCES = {
    "erf": _gaussian(2.0 / SQRT_PI, 1.0),
    "erfc": _gaussian(-2.0 / SQRT_PI, 1.0),
    "ndtr": _gaussian(1.0 / SQRT_2PI, 0.5),
    "erfinv": _of_output(0.5 * SQRT_PI, 1.0),
    "erfcinv": _of_output(-0.5 * SQRT_PI, 1.0),
    "ndtri": _of_output(SQRT_2PI, 0.5),
    "log_ndtr": _log_ndtr,
    "expit": _expit,
    "logit": _logit,
    "gammainc": _log_density("gammainc", 1, _gammainc_w),
    "gammaincc": _log_density("gammaincc", 1, _gammainc_w),
    "betainc": _log_density("betainc", 2, _betainc_w),
    "stdtr": _log_density("stdtr", 1, _stdtr_w),
    "digamma": _digamma,
    "gammaln": _gammaln,
    "gamma": _gamma,
    "rgamma": _rgamma,
    "betaln": _betaln,
    "beta": _beta,
    "zeta": _zeta,
    "jv": _bessel("jv", -1.0),
    "yv": _bessel("yv", -1.0),
    "iv": _bessel("iv", 1.0),
    "ive": _bessel("ive", 1.0, scaled=True),
    "j0": _fixed(_bessel("jv", -1.0), 0),
    "j1": _fixed(_bessel("jv", -1.0), 1),
    "y0": _fixed(_bessel("yv", -1.0), 0),
    "y1": _fixed(_bessel("yv", -1.0), 1),
    "i0": _fixed(_bessel("iv", 1.0), 0),
    "i1": _fixed(_bessel("iv", 1.0), 1),
    "i0e": _fixed(_bessel("ive", 1.0, scaled=True), 0),
    "i1e": _fixed(_bessel("ive", 1.0, scaled=True), 1),
    "xlogy": _product_with_log(0.0),
    "xlog1py": _product_with_log(1.0),
}

# arguments that must stay untraced (the rule differentiates the last one only)
PARAMETERS = {"zeta": 1, "gammainc": 1, "gammaincc": 1, "betainc": 2, "stdtr": 1,
              "jv": 1, "yv": 1, "iv": 1, "ive": 1}  # fmt: skip


def _usable(name, args, series, ans):
    """Whether the native rule applies at this point (else the JVP-derived rule)."""
    if any(s is not None for s in series[: PARAMETERS.get(name, 0)]):
        return False  # a traced parameter: the JVP-derived rule names it and refuses
    if name == "rgamma":
        return bool(np.all(getval(ans) != 0))  # its zeros are gammaln's poles
    if name in ("xlogy", "xlog1py"):
        y = getval(args[1]) + (1.0 if name == "xlog1py" else 0.0)
        return bool(np.all(y > 0))
    return True


def guarded(name, recurrence):
    """The native rule of ``name``, or the JVP-derived one where ``_usable`` says no."""
    native = elementwise(recurrence)

    def rule(prim, ans, args, series, kwargs, tag):
        if not _usable(name, args, series, ans):
            return jvp_derived(prim, ans, args, series, kwargs, tag)
        return native(prim, ans, args, series, kwargs, tag)

    rule.__name__ = f"{name}_taylor"
    rule.__doc__ = recurrence.__doc__
    return rule
