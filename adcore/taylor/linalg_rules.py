"""Native Taylor rules for inv, det, logabsdet, cholesky and scipy's solves and sqrtm.

Each is O(k^2) matrix products or solves, where the JVP-derived rule makes 2^k.


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
  scipy's ``sqrtm`` likewise, from ``X X = A`` (its JVP rule a Sylvester solve).
* scipy's triangular, banded and Sylvester solves (``implicit_solve``): the
  equation is linear in the solution and in each operand, so the JVP rules,
  given ``y_(n-j)`` for ``ans``, are its Taylor recurrence.

eigh, eig, svd and pinv stay on the JVP-derived rule: their higher terms need
the eigenvalue gaps at every order (and a phase or sign convention per
vector), and pinv's depend on the rank staying put along the curve.
"""

from types import SimpleNamespace

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


def _square_root_series(jvp, ans, a0, s, k, pair):
    """``X_n`` for ``X = F(A)`` with ``sum_j pair(X_j, X_(n-j)) = A_n`` and ``jvp`` the JVP
    rule, which solves that equation's linear part: ``X_n = jvp(A_n - S_n)``."""
    x = [ans]
    for n in range(1, k + 1):
        rest = ts.total(pair(x[j], x[n - j]) for j in range(1, n) if x[j] is not None
                        and x[n - j] is not None)  # fmt: skip
        g = s[n - 1] if rest is None else (-rest if s[n - 1] is None else s[n - 1] - rest)
        x.append(None if g is None else jvp(g, ans, a0))
    return x[1:]


def cholesky_rule(prim, ans, args, series, kwargs, tag):
    """cholesky: ``L_n`` = the JVP rule at the tangent ``A_n - sum_(0<j<n) L_j L_(n-j)^H``."""
    pair = lambda a, b: anp.matmul(a, _mH(b))
    return _square_root_series(prim.rule("jvp", 0), ans, args[0], series[0], tag.order, pair)


def sqrtm_rule(prim, ans, args, series, kwargs, tag):
    """sqrtm: ``X_n`` = the JVP rule (a Sylvester solve) at ``A_n - sum_(0<j<n) X_j X_(n-j)``."""
    return _square_root_series(prim.rule("jvp", 0), ans, args[0], series[0], tag.order, anp.matmul)


def implicit_solve(rhs):
    """The rule of ``y = prim(..., b, ...)`` solving an equation linear in ``y``, in the
    right-hand side (argument ``rhs``) and in each operator argument: solve, triangular,
    banded and Sylvester solves.  The JVP rules are that equation's pieces, so
    ``y_n = J_rhs b_n + sum_(i != rhs) sum_(j>=1) J_i(A_(i,j)) at y_(n-j)``: each operator
    rule is given ``y_(n-j)`` where it reads ``ans`` (it is linear in it)."""

    def rule(prim, ans, args, series, kwargs, tag):
        y = [ans]
        for n in range(1, tag.order + 1):
            terms = []
            for i, s in enumerate(series):
                if s is None:
                    continue
                jvp = prim.rule("jvp", i)
                if i == rhs:
                    if s[n - 1] is not None:
                        terms.append(jvp(s[n - 1], ans, *args, **kwargs))
                    continue
                terms += [jvp(s[j - 1], y[n - j], *args, **kwargs) for j in range(1, n + 1)
                          if s[j - 1] is not None and y[n - j] is not None]  # fmt: skip
            y.append(ts.total(terms))
        return y[1:]

    rule.__name__ = "implicit_solve"
    return rule


def one_direction_at_a_time(rule):
    """``rule`` for a primitive whose JVP rules take no batch axis: a batch of directions
    is looped over (as the JVP-derived rule does), each direction's terms then stacked."""

    def looped(prim, ans, args, series, kwargs, tag):
        if not tag.nbatch or prim.jvp_batched:
            return rule(prim, ans, args, series, kwargs, tag)
        single = SimpleNamespace(order=tag.order, nbatch=0, batch=())
        per = []
        for d in range(tag.batch[0]):
            sliced = [None if s is None else [None if c is None else c[d] for c in s]
                      for s in series]  # fmt: skip
            per.append(rule(prim, ans, args, sliced, kwargs, single))
        zero = tag.zeros(ans)[0]
        return [
            None if all(y[n] is None for y in per) else
            anp.stack([zero if y[n] is None else y[n] for y in per])
            for n in range(tag.order)
        ]  # fmt: skip

    looped.__name__ = rule.__name__
    looped.__doc__ = rule.__doc__
    return looped


RULES = {
    "inv": inv_rule,
    "det": det_rule,
    "logabsdet": logabsdet_rule,
    "cholesky": cholesky_rule,
}
# adcore.scipy.linalg's (attached by scipy_rules); their JVP rules take no batch axis
SCIPY_RULES = {
    "sqrtm": one_direction_at_a_time(sqrtm_rule),
    "solve_triangular": one_direction_at_a_time(implicit_solve(1)),
    "solve_banded": one_direction_at_a_time(implicit_solve(2)),
    "solve_sylvester": one_direction_at_a_time(implicit_solve(2)),
}
