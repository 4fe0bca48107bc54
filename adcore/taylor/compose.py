"""More series recurrences, for the rules of ``more_rules`` and ``special_rules``.

Same conventions as ``series.py`` (lists ``[a0, a1, ..., ak]``, None for a
zero coefficient, adcore operations only):

* ``compose``: ``f(a(t))`` from the Taylor coefficients of ``f`` at ``a0``,
  for functions whose derivatives of every order are primitives themselves
  (sinc, digamma through polygamma, the Bessel functions).  It sums the
  powers of ``a(t) - a0``: O(k^3) products, but only k evaluations of the
  derivatives, where the JVP-derived rule makes 2^k.
* ``exp_of``: ``exp(w)`` for a ``w`` whose terms arrive one order at a time
  (``erfinv``'s ``y' = c exp(y^2) x'`` needs ``exp(y^2)`` to order n-1 before
  ``y_n`` is known).
* ``slope``: the series of ``a'(t)``, one order shorter.
"""

from adcore.taylor import series as ts


def slope(a):
    """``a'(t)`` as a series ``[1 a_1, 2 a_2, ..., k a_k]`` (one order fewer than ``a``)."""
    return [None if c is None else (c if j == 1 else c * float(j)) for j, c in enumerate(a[1:], 1)]


def antiderivative(d, y0):
    """The series ``y`` with ``y' = d`` and ``y(0) = y0``: ``y_n = d_(n-1) / n``."""
    return [y0] + [
        None if c is None else (c if n == 1 else c * (1.0 / n)) for n, c in enumerate(d, 1)
    ]


def compose(a, taylor, y0):
    """``f(a(t))`` given ``taylor[m] = f^(m)(a0) / m!`` for ``m = 1..k`` (``taylor[0]`` unused).

    ``y_n = sum_(m<=n) taylor[m] P^m_n`` with ``P = a - a0``; ``P^m`` has no terms
    below ``t^m``, so each power costs one Cauchy product over its live terms.
    """
    k = len(a) - 1
    y = [y0] + [None] * k
    power = [None] + list(a[1:])  # P^1
    for m in range(1, k + 1):
        if m > 1:  # P^m = P^(m-1) P, nonzero from t^m on
            power = [None] * m + [
                ts.total(ts.times(a[j], power[n - j]) for j in range(1, n - m + 2))
                for n in range(m, k + 1)
            ]
        for n in range(m, k + 1):
            y[n] = ts.total([y[n], ts.times(power[n], taylor[m])])
    return y


def exp_of(term, e0):
    """``p(y, n)`` for ``ts.integrate``: the terms of ``exp(w)``, with ``w_n = term(y, n)``.

    ``e_n = (1/n) sum_(j=1..n) j w_j e_(n-j)``; the ``w_j`` are kept as they come.
    """
    w, e = [None], [e0]

    def p(y, n):
        if n == 0:
            return e0
        w.append(term(y, n))
        s = ts.total(ts.weighted(w[j], e[n - j], float(j)) for j in range(1, n + 1))
        e.append(None if s is None else s * (1.0 / n))
        return e[n]

    return p
