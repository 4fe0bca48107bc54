"""Truncated Taylor series arithmetic: the standard recurrences, O(k^2) each.

A series is a list ``[a0, a1, ..., ak]`` of normalised coefficients
(``a(t) = a0 + a1 t + ...``); ``a0`` is the primal, and ``None`` stands for a
zero coefficient (a constant argument's series is ``[a0, None, ...]``), so
terms that vanish cost nothing.  Everything is written with operators and
``adcore.numpy`` functions, so the coefficients may be traced by other modes
(``grad`` of a jet) and carry leading batch axes.

Plain arrays take a faster road to the same numbers (``plain.py``): recycled
buffers and in-place updates instead of a fresh temporary per operation.
"""

import numpy as np

from adcore.core import pool
from adcore.taylor import plain


def negated(c):
    """``-c`` with None as zero."""
    if c is None:
        return None
    if type(c) is np.ndarray and c.dtype.kind in "fc":
        return np.negative(c, out=pool.empty_like(c))
    return -c


def total(terms):
    """The sum of the terms that are not None (None if all are).

    Once the partial sum is a fresh array of our own (after the first addition),
    the rest is added into it in place: one buffer per sum instead of one per term.
    """
    out = None
    owned = False
    for t in terms:
        if t is None:
            continue
        if out is None:
            out = t  # maybe the caller's array: never written into
        elif owned:
            out = plain.into(np.add, out, t)
        else:
            out = plain.fresh(np.add, out, t)
            owned = type(out) is np.ndarray
    return out


def sum_of_products(pairs):
    """``total(times(a, b) for a, b in pairs)``, with one scratch buffer for the products.

    The first product is a fresh array, so the sum accumulates in it; for plain
    arrays whose product has its shape and dtype each further product is written
    into the one scratch buffer (``out=``) instead of a new temporary.  Anything
    else (traced values, a product that broadcasts wider) is added the ordinary
    way.  The same additions in the same order, so the same rounding.
    """
    out = tmp = None
    for a, b in pairs:
        if a is None or b is None:
            continue
        if out is None:
            out = plain.fresh(np.multiply, a, b)
        elif (
            type(out) is np.ndarray
            and a.dtype == out.dtype
            and plain.result_shape(a, b) == out.shape
        ):
            if tmp is None:
                tmp = pool.empty_like(out)
            out += np.multiply(a, b, out=tmp)
        else:
            out = out + a * b
    return out


def scaled_sum(pairs, s):
    """``sum_of_products(pairs) * s``, scaled in place (the sum is a fresh array)."""
    out = sum_of_products(pairs)
    if out is None:
        return None
    if type(out) is np.ndarray and out.dtype.kind in "fc":
        out *= s
        return out
    return out * s


def times(a, b):
    """``a * b`` with None as zero."""
    if a is None or b is None:
        return None
    return plain.fresh(np.multiply, a, b)


def weighted(a, b, w):
    """``a * b * w`` with None as zero (``w`` a constant, skipped when it is 1)."""
    if a is None or b is None:
        return None
    ab = plain.fresh(np.multiply, a, b)
    return ab if isinstance(w, (int, float)) and w == 1 else plain.into(np.multiply, ab, w)


def scale(a, s):
    """The series ``s * a`` for a constant ``s``."""
    return [None if c is None else c * s for c in a]


def shift(a, s):
    """The series ``a + s`` for a constant ``s`` (only the primal moves)."""
    return [a[0] + s] + a[1:]


def mul(a, b, y0=None):
    """Cauchy product: ``y_n = sum_j a_j b_(n-j)``."""
    k = len(a) - 1
    head = a[0] * b[0] if y0 is None else y0
    return [head] + [
        sum_of_products((a[j], b[n - j]) for j in range(n + 1)) for n in range(1, k + 1)
    ]


def div(a, b, y0=None):
    """``a / b``: ``y_n = (a_n - sum_(j>=1) b_j y_(n-j)) / b_0``."""
    k = len(a) - 1
    y = [a[0] / b[0] if y0 is None else y0]
    for n in range(1, k + 1):
        rest = sum_of_products((b[j], y[n - j]) for j in range(1, n + 1))
        y.append(_then(np.divide, _less(a[n], rest), a[n], b[0]))
    return y


def _less(an, rest):
    """``a_n - rest`` with None as zero; ``rest`` is a fresh array of ours (updated in place)."""
    if rest is None:
        return an
    if an is None:
        return plain.into(np.multiply, rest, -1.0)
    if (
        type(rest) is np.ndarray
        and rest.dtype.kind in "fc"
        and plain.result_shape(an, rest) == rest.shape
    ):
        return np.subtract(an, rest, out=rest)
    return an - rest


def _then(ufunc, top, an, c):
    """``ufunc(top, c)`` with None as zero: in place unless ``top`` is the caller's ``a_n``."""
    if top is None:
        return None
    return (plain.fresh if top is an else plain.into)(ufunc, top, c)


def integrate(a, p, y0):
    """The series ``y`` with ``y' = p a'``, ``y(0) = y0``: ``y_n = (1/n) sum_j j a_j p_(n-j)``.

    ``p`` is a list (known to order k-1) or a function ``p(y, n)`` giving ``p_n``
    from ``y_0..y_n`` (``tanh``: ``p = 1 - y^2`` depends on ``y``).
    """
    k = len(a) - 1
    y = [y0]
    grow = callable(p)
    ps = [p(y, 0)] if grow else p
    ja = derivative_terms(a)
    for n in range(1, k + 1):
        y.append(scaled_sum(((ja[j], ps[n - j]) for j in range(1, n + 1)), 1.0 / n))
        if grow and n < k:
            ps.append(p(y, n))
    return y


def quadratic(a, y0, p0, c1, c2):
    """The series ``y`` with ``y' = p a'``, ``p = p0 + c1 (y - y0) + c2 (y^2 - y0^2)``.

    One recurrence for the functions whose derivative is a quadratic in themselves:
    exp (``c1 = 1, c2 = 0``), tanh (``1 - y^2``: ``c2 = -1``), tan (``1 + y^2``:
    ``c2 = 1``), sigmoid (``y - y^2``: ``c1 = 1, c2 = -1``).  ``c1`` is 0 or 1 and
    ``c2`` one of -1, 0, 1; ``p0`` is ``p`` at the primal.  Plain arrays run in
    blocks (below); anything else through ``integrate``, the same operations.
    """
    block = plain.block(a[1:], y0, p0)
    if block is None:
        return integrate(a, lambda y, n: p0 if n == 0 else _quadratic_term(y, n, c1, c2), y0)
    return plain.quadratic_block(a, y0, p0, c1, c2, *block)


def _quadratic_term(y, n, c1, c2):
    """Coefficient n >= 1 of ``c1 y + c2 y^2``."""
    sq = square_term(y, n) if c2 else None
    return total([y[n] if c1 else None, negated(sq) if c2 == -1 else sq])


def derivative_terms(a):
    """``[None, 1 a_1, 2 a_2, ...]``: the series of ``a'`` shifted by one, the factor
    every recurrence ``y' = p a'`` multiplies by (computed once, not once per order)."""
    return [None, a[1]] + [
        None if c is None else plain.scaled_fresh(c, float(j)) for j, c in enumerate(a[2:], 2)
    ]


def square_term(y, n):
    """The coefficient ``n`` of ``y^2``: the symmetric Cauchy sum, each pair once."""
    pairs = sum_of_products((y[j], y[n - j]) for j in range((n + 1) // 2))  # a fresh array
    doubled = None if pairs is None else plain.into(np.add, pairs, pairs)
    middle = times(y[n // 2], y[n // 2]) if n % 2 == 0 else None
    if doubled is None or middle is None:
        return doubled if middle is None else middle
    return plain.into(np.add, doubled, middle)


def exp(a, y0):
    """``exp(a)``: ``y' = y a'``."""
    return quadratic(a, y0, y0, 1, 0)


def log(a, y0):
    """``log(a)``: ``y' = a' / a``."""
    return integrate(a, div([1.0] + [None] * (len(a) - 2), a[:-1]), y0)


def sqrt(a, y0):
    """``sqrt(a)``: ``y_n = (a_n - sum_(0<j<n) y_j y_(n-j)) / (2 y_0)``."""
    k = len(a) - 1
    y = [y0]
    half = 0.5 / y0
    for n in range(1, k + 1):
        rest = sum_of_products((y[j], y[n - j]) for j in range(1, n))
        y.append(_then(np.multiply, _less(a[n], rest), a[n], half))
    return y


def power(a, p, y0):
    """``a ** p`` for a constant ``p`` and ``a_0 != 0``: from ``a y' = p y a'``.

    ``y_n = (1 / (n a_0)) sum_(j<n) (p (n-j) - j) a_(n-j) y_j``.
    """
    k = len(a) - 1
    y = [y0]
    inv = 1.0 / a[0]
    for n in range(1, k + 1):
        s = total(weighted(a[n - j], y[j], p * (n - j) - j) for j in range(n))
        if s is not None:
            s = plain.into(np.multiply, plain.into(np.multiply, s, inv), 1.0 / n)
        y.append(s)
    return y


def int_power(a, p, y0):
    """``a ** p`` for a small integer ``p >= 0`` by repeated products (exact at ``a_0 = 0``)."""
    k = len(a) - 1
    y = [1.0] + [None] * k
    for _ in range(p):
        y = mul(y, a)
    y[0] = y0
    return y


def sin_cos(a, s0, c0):
    """``(sin a, cos a)`` together: ``s' = c a'``, ``c' = -s a'``."""
    return _coupled(a, s0, c0, -1.0)


def sinh_cosh(a, s0, c0):
    """``(sinh a, cosh a)`` together: ``s' = c a'``, ``c' = s a'``."""
    return _coupled(a, s0, c0, 1.0)


def _coupled(a, s0, c0, sign):
    k = len(a) - 1
    s, c = [s0], [c0]
    ja = derivative_terms(a)
    for n in range(1, k + 1):
        ds = scaled_sum(((ja[j], c[n - j]) for j in range(1, n + 1)), 1.0 / n)
        dc = scaled_sum(((ja[j], s[n - j]) for j in range(1, n + 1)), sign / n)
        s.append(ds)
        c.append(dc)
    return s, c
