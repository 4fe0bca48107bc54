"""Native Taylor rules for inv, det, logabsdet and cholesky: O(k^2) matrix products.

* ``inv``: from ``A Y = I``, ``Y_n = -Y_0 sum_(j>=1) A_j Y_(n-j)``.
* ``logabsdet``: ``l' = tr(A^-1 A')``, the inverse's series against A's slope
  (the real part for complex A); ``det``: ``d' = d l'``, so ``d = exp`` of that
  series with ``d_0 = det(A_0)``, any sign.  Where some ``det(A_0) = 0`` the
  inverse does not exist: those calls take the JVP-derived rule, whose
  cofactor form is exact there.
* ``cholesky``: from ``A = L L^H``, ``L_0 L_n^H + L_n L_0^H = A_n - S_n`` with
  ``S_n = sum_(0<j<n) L_j L_(n-j)^H``; that is the JVP's equation with tangent
  ``A_n - S_n`` (``S_n`` is Hermitian, so the JVP's symmetrising of its
  tangent leaves it whole), so ``L_n`` is the JVP rule applied to it.

eigh, eig, svd and pinv stay on the JVP-derived rule: their higher terms need
the eigenvalue gaps at every order (and a phase or sign convention per
vector), and pinv's depend on the rank staying put along the curve.
"""

import numpy as np

import adcore.numpy as anp
from adcore.core import getval
from adcore.taylor import series as ts
from adcore.taylor.fallback import jvp_derived


def _mT(x):
    return anp.swapaxes(x, -1, -2)


def _mH(x):
    return anp.conj(_mT(x)) if np.iscomplexobj(getval(x)) else _mT(x)


def _matmul(a, b):
    return None if a is None or b is None else anp.matmul(a, b)


def inverse_series(a, y0, k):
    """``[Y_0, ..., Y_k]`` of ``inv(A(t))`` for the series ``a`` of A and ``Y_0 = inv(A_0)``."""
    y = [y0]
    for n in range(1, k + 1):
        s = ts.total(_matmul(a[j], y[n - j]) for j in range(1, n + 1))
        y.append(None if s is None else -anp.matmul(y0, s))
    return y


def inv_rule(prim, ans, args, series, kwargs, tag):
    """inv: ``Y_n = -Y_0 sum_(j>=1) A_j Y_(n-j)``."""
    return inverse_series([args[0]] + list(series[0]), ans, tag.order)[1:]


def _log_det_series(a0, s, k):
    """The terms ``l_1..l_k`` of ``log det A(t)`` (complex for complex A): ``l' = tr(A^-1 A')``."""
    a = [a0] + list(s)
    y = inverse_series(a, anp.linalg.inv(a0), k - 1)
    # integrate sums j a_j * p_(n-j) entrywise: with p = Y^T, the matrix sum is the trace
    terms = ts.integrate(a, [_mT(c) if c is not None else None for c in y], 0.0)[1:]
    return [None if c is None else anp.sum(c, axis=(-2, -1)) for c in terms]


def _singular(ans):
    return np.any(getval(ans) == 0)


def logabsdet_rule(prim, ans, args, series, kwargs, tag):
    """logabsdet: the real part of ``log det``'s series."""
    if not np.all(np.isfinite(getval(ans))):  # det = 0: no inverse to expand with
        return jvp_derived(prim, ans, args, series, kwargs, tag)
    terms = _log_det_series(args[0], series[0], tag.order)
    if np.iscomplexobj(getval(args[0])):
        terms = [None if c is None else anp.real(c) for c in terms]
    return terms


def det_rule(prim, ans, args, series, kwargs, tag):
    """det: ``exp`` of ``log det``'s series, started at ``det(A_0)`` (any sign)."""
    if _singular(ans):
        return jvp_derived(prim, ans, args, series, kwargs, tag)
    return ts.exp([None] + _log_det_series(args[0], series[0], tag.order), ans)[1:]


def cholesky_rule(prim, ans, args, series, kwargs, tag):
    """cholesky: ``L_n`` = the JVP rule at the tangent ``A_n - sum_(0<j<n) L_j L_(n-j)^H``."""
    jvp = prim.rule("jvp", 0)
    s = series[0]
    low = [ans]
    for n in range(1, tag.order + 1):
        rest = ts.total(
            _matmul(low[j], _mH(low[n - j])) for j in range(1, n) if low[n - j] is not None
        )
        g = s[n - 1] if rest is None else (-rest if s[n - 1] is None else s[n - 1] - rest)
        low.append(None if g is None else jvp(g, ans, args[0]))
    return low[1:]


RULES = {
    "inv": inv_rule,
    "det": det_rule,
    "logabsdet": logabsdet_rule,
    "cholesky": cholesky_rule,
}
