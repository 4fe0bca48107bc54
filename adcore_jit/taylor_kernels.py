"""numba kernels for Taylor mode: a whole elementwise recurrence in one pass.

``adcore/taylor/series.py`` writes each recurrence with whole-array
operations: order k of ``tanh`` is ~k^2 numpy calls, each a pass over memory
and a fresh temporary.  A kernel here computes every output coefficient of
a block of elements while the block's coefficients sit in cache, so memory
is read once per input coefficient and written once per output coefficient.

Every kernel has the same layout:

* ``a`` is ``(m, R, N)``: the m input coefficients that are not zero, each
  ``R`` rows (batch directions) of ``N`` elements; ``rows[j]`` is the row of
  ``a`` holding coefficient j, or -1 for a zero one (skipped, as series.py
  skips ``None``); ``rows[0]`` is unused.
* primal-sized operands (``x``, ``y0``, the recurrence's starting values)
  are flat ``(N,)`` arrays shared by every batch row.
* ``out`` is ``(k, R, N)``: coefficient n of the output in ``out[n - 1]``.

The recurrences are series.py's, term for term and in the same order, so
the results agree with the numpy path to rounding.  Elements are taken in
blocks of ``BLOCK`` so the inner loops run over contiguous scratch rows
(vectorised by LLVM) that stay in L1/L2.  No ``fastmath``: NaN and inf
propagate as in numpy.
"""

import numpy as np
from numba import njit

BLOCK = 256

# integrate_family's kinds: how coefficient n of p (in ``y' = p a'``) follows from y
EXP, TANH, TAN, SIGMOID = 0, 1, 2, 3
MAX_ORDER = 32  # orders beyond it take the numpy path (``_ALL`` covers the square terms)
_ALL = np.zeros(MAX_ORDER + 4, np.int64)  # "every coefficient nonzero": series computed in full


@njit(inline="always", error_model="numpy")
def _load(a, rows, r, start, bs, A, JA, scale):
    """A[j] = scale * a_j and JA[j] = j * scale * a_j for the nonzero coefficients."""
    for j in range(1, rows.shape[0]):
        q = rows[j]
        if q >= 0:
            f = scale * j
            for i in range(bs):
                v = a[q, r, start + i]
                A[j, i] = v * scale
                JA[j, i] = v * f


@njit(inline="always", error_model="numpy")
def _load_derivative(a, rows, r, start, bs, JA, scale):
    """JA[j] = j * scale * a_j for the nonzero coefficients (the recurrences' ``a'`` terms)."""
    for j in range(1, rows.shape[0]):
        q = rows[j]
        if q >= 0:
            f = scale * j
            ja = JA[j]
            for i in range(bs):
                ja[i] = a[q, r, start + i] * f


@njit(inline="always", error_model="numpy")
def _present(rows, j, m):
    """Whether coefficients j .. j+m-1 are all nonzero (rows[0], the primal, always is)."""
    for q in range(j, j + m):
        if q > 0 and rows[q] < 0:
            return False
    return True


@njit(inline="always", error_model="numpy")
def _accumulate(acc, U, V, rows, lo, hi, n):
    """acc = sum_(j=lo..hi) U[j] V[n-j], left to right as series.total adds, skipping the
    zero U[j] (``rows[j] < 0``); zeros when every term is.  Four terms per pass over acc
    where they are all nonzero: the loops are bound by loads and stores, not by the
    multiply-adds.  The first pass writes acc instead of adding to it."""
    fresh = True
    j = lo
    while j <= hi:
        if j + 3 <= hi and _present(rows, j, 4):
            u1, u2, u3, u4 = U[j], U[j + 1], U[j + 2], U[j + 3]
            v1, v2, v3, v4 = V[n - j], V[n - j - 1], V[n - j - 2], V[n - j - 3]
            if fresh:
                for i in range(BLOCK):
                    acc[i] = u1[i] * v1[i] + u2[i] * v2[i] + u3[i] * v3[i] + u4[i] * v4[i]
            else:
                for i in range(BLOCK):
                    acc[i] = acc[i] + u1[i] * v1[i] + u2[i] * v2[i] + u3[i] * v3[i] + u4[i] * v4[i]
            fresh = False
            j += 4
        else:
            if _present(rows, j, 1):
                u, v = U[j], V[n - j]
                if fresh:
                    for i in range(BLOCK):
                        acc[i] = u[i] * v[i]
                else:
                    for i in range(BLOCK):
                        acc[i] += u[i] * v[i]
                fresh = False
            j += 1
    if fresh:
        for i in range(BLOCK):
            acc[i] = 0.0


@njit(inline="always", error_model="numpy")
def _integrate(JA, P, Y, rows, n, s):
    """Y[n] = (s / n) sum_(j=1..n) JA[j] P[n-j] over the nonzero a_j."""
    acc = Y[n]
    _accumulate(acc, JA, P, rows, 1, n, n)
    f = s / n
    for i in range(BLOCK):
        acc[i] *= f


@njit(inline="always", error_model="numpy")
def _square_term(Y, n, dst, sign):
    """dst[n] = sign * (coefficient n of Y^2): each pair once, doubled, plus the middle
    square (series.square_term's order of operations)."""
    d = dst[n]
    _accumulate(d, Y, Y, _ALL, 0, (n + 1) // 2 - 1, n)
    if n % 2 == 0:
        h = Y[n // 2]
        for i in range(BLOCK):
            d[i] = sign * ((d[i] + d[i]) + h[i] * h[i])
    else:
        for i in range(BLOCK):
            d[i] = sign * (d[i] + d[i])


@njit(inline="always", error_model="numpy")
def _store(Y, n, out, r, start, bs, s):
    y, o = Y[n], out[n - 1, r, start : start + bs]
    if s == 1.0:
        for i in range(bs):
            o[i] = y[i]
    else:
        for i in range(bs):
            o[i] = y[i] * s


@njit(inline="always", error_model="numpy")
def _scratch(k, dtype):
    return np.zeros((k + 1, BLOCK), dtype)


@njit(cache=True, error_model="numpy")
def integrate_family(kind, a, rows, y0, p0, scale, out):
    """``y' = p (scale a)'`` with ``p`` a function of ``y``: exp, expm1, exp2 (p = y),
    tanh (1 - y^2), tan (1 + y^2), sigmoid (y - y^2); ``p0`` is p's primal."""
    k, R, N = out.shape
    JA, Y, P = _scratch(k, out.dtype), _scratch(k, out.dtype), _scratch(k, out.dtype)
    for r in range(R):
        for start in range(0, N, BLOCK):
            bs = min(BLOCK, N - start)
            _load_derivative(a, rows, r, start, bs, JA, scale)
            for i in range(bs):
                Y[0, i] = y0[start + i]
                P[0, i] = p0[start + i]
            for n in range(1, k + 1):
                _integrate(JA, P, Y, rows, n, 1.0)
                _store(Y, n, out, r, start, bs, 1.0)
                if n == k:
                    break
                p, y = P[n], Y[n]
                if kind == EXP:
                    for i in range(BLOCK):
                        p[i] = y[i]
                elif kind == TANH:
                    _square_term(Y, n, P, -1.0)
                elif kind == TAN:
                    _square_term(Y, n, P, 1.0)
                else:  # SIGMOID
                    _square_term(Y, n, P, -1.0)
                    for i in range(BLOCK):
                        p[i] = y[i] + p[i]


@njit(cache=True, error_model="numpy")
def coupled(a, rows, s0, c0, sign, which, out):
    """``s' = c a'``, ``c' = sign s a'`` (sin/cos: sign -1, sinh/cosh: +1); writes s
    (``which`` 0) or c (1)."""
    k, R, N = out.shape
    JA, S, C = _scratch(k, out.dtype), _scratch(k, out.dtype), _scratch(k, out.dtype)
    for r in range(R):
        for start in range(0, N, BLOCK):
            bs = min(BLOCK, N - start)
            _load_derivative(a, rows, r, start, bs, JA, 1.0)
            for i in range(bs):
                S[0, i] = s0[start + i]
                C[0, i] = c0[start + i]
            for n in range(1, k + 1):
                _integrate(JA, C, S, rows, n, 1.0)
                _integrate(JA, S, C, rows, n, sign)
                if which == 0:
                    _store(S, n, out, r, start, bs, 1.0)
                else:
                    _store(C, n, out, r, start, bs, 1.0)


@njit(inline="always", error_model="numpy")
def _reciprocal_series(B, b0, P, rows_b, k):
    """P = 1 / B to order k (series.div of 1): P_n = -(sum_(j=1..n) B_j P_(n-j)) / b0.

    ``rows_b[j] < 0`` marks a zero B_j; B[0] is not read (``b0`` is the primal)."""
    p0 = P[0]
    for i in range(BLOCK):
        p0[i] = 1.0 / b0[i]
    for n in range(1, k + 1):
        acc = P[n]
        for i in range(BLOCK):
            acc[i] = 0.0
        for j in range(1, n + 1):
            if rows_b[j] >= 0:
                b, p = B[j], P[n - j]
                for i in range(BLOCK):
                    acc[i] += b[i] * p[i]
        for i in range(BLOCK):
            acc[i] = (acc[i] * -1.0) / b0[i]


@njit(cache=True, error_model="numpy")
def log_family(a, rows, a0, out_scale, out):
    """``log`` of a series with primal ``a0`` (x, or x + 1 for log1p), times ``out_scale``
    (log2, log10): ``y' = a' / a``."""
    k, R, N = out.shape
    A, JA = _scratch(k, out.dtype), _scratch(k, out.dtype)
    Y, P = _scratch(k, out.dtype), _scratch(k, out.dtype)
    b0 = np.ones(BLOCK, out.dtype)
    for r in range(R):
        for start in range(0, N, BLOCK):
            bs = min(BLOCK, N - start)
            _load(a, rows, r, start, bs, A, JA, 1.0)
            for i in range(bs):
                b0[i] = a0[start + i]
            _reciprocal_series(A, b0, P, rows, k - 1)
            for n in range(1, k + 1):
                _integrate(JA, P, Y, rows, n, 1.0)
                _store(Y, n, out, r, start, bs, out_scale)


@njit(cache=True, error_model="numpy")
def reciprocal(a, rows, x, out):
    """``1 / a``: series.div of the constant 1."""
    k, R, N = out.shape
    A, JA = _scratch(k, out.dtype), _scratch(k, out.dtype)
    P = _scratch(k, out.dtype)
    b0 = np.ones(BLOCK, out.dtype)
    for r in range(R):
        for start in range(0, N, BLOCK):
            bs = min(BLOCK, N - start)
            _load(a, rows, r, start, bs, A, JA, 1.0)
            for i in range(bs):
                b0[i] = x[start + i]
            _reciprocal_series(A, b0, P, rows, k)
            for n in range(1, k + 1):
                _store(P, n, out, r, start, bs, 1.0)


@njit(inline="always", error_model="numpy")
def _sqrt_series(Q, rows_q, Y, k):
    """Y = sqrt(Q) to order k given Y[0]: Y_n = (Q_n - sum_(0<j<n) Y_j Y_(n-j)) * (0.5 / Y_0)."""
    y0 = Y[0]
    for n in range(1, k + 1):
        acc = Y[n]
        for i in range(BLOCK):
            acc[i] = 0.0
        for j in range(1, n):
            u, w = Y[j], Y[n - j]
            for i in range(BLOCK):
                acc[i] += u[i] * w[i]
        if rows_q[n] >= 0:
            q = Q[n]
            for i in range(BLOCK):
                acc[i] = (q[i] - acc[i]) * (0.5 / y0[i])
        else:
            for i in range(BLOCK):
                acc[i] = (acc[i] * -1.0) * (0.5 / y0[i])


@njit(cache=True, error_model="numpy")
def sqrt(a, rows, y0, out):
    """``sqrt(a)``, from ``y^2 = a``."""
    k, R, N = out.shape
    A, JA = _scratch(k, out.dtype), _scratch(k, out.dtype)
    Y = _scratch(k, out.dtype)
    for r in range(R):
        for start in range(0, N, BLOCK):
            bs = min(BLOCK, N - start)
            _load(a, rows, r, start, bs, A, JA, 1.0)
            for i in range(bs):
                Y[0, i] = y0[start + i]
            _sqrt_series(A, rows, Y, k)
            for n in range(1, k + 1):
                _store(Y, n, out, r, start, bs, 1.0)


@njit(cache=True, error_model="numpy")
def power(a, rows, x, y0, p, out):
    """``a ** p`` for a constant ``p``, ``x != 0``:
    ``y_n = (1 / (n x)) sum_(j<n) (p (n-j) - j) a_(n-j) y_j``."""
    k, R, N = out.shape
    A, JA = _scratch(k, out.dtype), _scratch(k, out.dtype)
    Y = _scratch(k, out.dtype)
    for r in range(R):
        for start in range(0, N, BLOCK):
            bs = min(BLOCK, N - start)
            _load(a, rows, r, start, bs, A, JA, 1.0)
            for i in range(bs):
                Y[0, i] = y0[start + i]
            for n in range(1, k + 1):
                for i in range(bs):
                    Y[n, i] = 0.0
                for j in range(n):
                    if rows[n - j] >= 0:
                        w = p * (n - j) - j
                        for i in range(bs):
                            Y[n, i] += A[n - j, i] * Y[j, i] * w
                for i in range(bs):
                    Y[n, i] = Y[n, i] * (1.0 / x[start + i]) * (1.0 / n)
                _store(Y, n, out, r, start, bs, 1.0)


@njit(cache=True, error_model="numpy")
def square(a, rows, x, out):
    """``a * a``: the Cauchy product ``y_n = sum_(j=0..n) a_j a_(n-j)``."""
    k, R, N = out.shape
    A, JA = _scratch(k, out.dtype), _scratch(k, out.dtype)
    Y = _scratch(k, out.dtype)
    for r in range(R):
        for start in range(0, N, BLOCK):
            bs = min(BLOCK, N - start)
            _load(a, rows, r, start, bs, A, JA, 1.0)
            for i in range(bs):
                A[0, i] = x[start + i]
            for n in range(1, k + 1):
                for i in range(bs):
                    Y[n, i] = 0.0
                for j in range(n + 1):
                    if (j == 0 or rows[j] >= 0) and (j == n or rows[n - j] >= 0):
                        for i in range(bs):
                            Y[n, i] += A[j, i] * A[n - j, i]
                _store(Y, n, out, r, start, bs, 1.0)


@njit(cache=True, error_model="numpy")
def softplus(a, rows, s0, y0, out):
    """``softplus(a)``: ``y' = s a'`` with ``s = sigmoid(a)``, itself ``s' = (s - s^2) a'``."""
    k, R, N = out.shape
    JA = _scratch(k, out.dtype)
    S, Q, Y = _scratch(k, out.dtype), _scratch(k, out.dtype), _scratch(k, out.dtype)
    for r in range(R):
        for start in range(0, N, BLOCK):
            bs = min(BLOCK, N - start)
            _load_derivative(a, rows, r, start, bs, JA, 1.0)
            for i in range(bs):
                S[0, i] = s0[start + i]
                Q[0, i] = s0[start + i] - s0[start + i] * s0[start + i]
                Y[0, i] = y0[start + i]
            for n in range(1, k + 1):
                _integrate(JA, S, Y, rows, n, 1.0)
                _store(Y, n, out, r, start, bs, 1.0)
                if n == k:
                    break
                _integrate(JA, Q, S, rows, n, 1.0)  # s to order n, for y_(n+1)
                if n < k - 1:
                    _square_term(S, n, Q, -1.0)
                    q, sn = Q[n], S[n]
                    for i in range(BLOCK):
                        q[i] = sn[i] + q[i]


@njit(cache=True, error_model="numpy")
def by_factor(a, rows, x, c0, c2, root, sign, out):
    """``y' = p a'`` with ``p = sign / q`` or ``sign / sqrt(q)`` (``root``), ``q = c0 + c2 a^2``:
    arctan, arctanh (no root), arcsin, arccos, arcsinh, arccosh (root)."""
    k, R, N = out.shape
    A, JA = _scratch(k, out.dtype), _scratch(k, out.dtype)
    Q, D = _scratch(k, out.dtype), _scratch(k, out.dtype)
    P, Y = _scratch(k, out.dtype), _scratch(k, out.dtype)
    every = np.zeros(k + 1, np.int64)  # q's coefficients: all computed (zeros where a's are)
    b0 = np.ones(BLOCK, out.dtype)
    for r in range(R):
        for start in range(0, N, BLOCK):
            bs = min(BLOCK, N - start)
            _load(a, rows, r, start, bs, A, JA, 1.0)
            for i in range(bs):
                A[0, i] = x[start + i]
            for n in range(k):  # q = c0 + c2 a^2 to order k - 1 (p is needed to k - 1)
                for i in range(bs):
                    Q[n, i] = 0.0
                for j in range(n + 1):
                    if (j == 0 or rows[j] >= 0) and (j == n or rows[n - j] >= 0):
                        for i in range(bs):
                            Q[n, i] += A[j, i] * A[n - j, i]
                for i in range(bs):
                    Q[n, i] = Q[n, i] * c2
            for i in range(bs):
                Q[0, i] = Q[0, i] + c0
            if root:
                for i in range(bs):
                    D[0, i] = np.sqrt(Q[0, i])
                _sqrt_series(Q, every, D, k - 1)
            else:
                for n in range(k):
                    for i in range(bs):
                        D[n, i] = Q[n, i]
            for i in range(bs):
                b0[i] = D[0, i]
            _reciprocal_series(D, b0, P, every, k - 1)
            for n in range(k):
                for i in range(bs):
                    P[n, i] = P[n, i] * sign
            for n in range(1, k + 1):
                _integrate(JA, P, Y, rows, n, 1.0)
                _store(Y, n, out, r, start, bs, 1.0)
