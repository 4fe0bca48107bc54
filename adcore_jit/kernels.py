"""The numba kernels: one fused loop per derivative formula.

Every pullback kernel has the same signature, ``kernel(g, a[, b], out)``:

* ``g`` is the incoming tangent or cotangent as a C-contiguous ``(rows, n)``
  array: one row when there are no batch axes, B rows when ``jacfwd`` or
  ``jacrev`` push B directions at once.  When every entry of a row is the
  same number (the cotangent ``sum`` hands back is one number broadcast),
  ``g`` is ``(rows, 1)`` and the loop reads it once per row.
* ``a``, ``b`` are primal operands (the input ``x`` or the output ``y``)
  flattened to ``(n,)``, shared by every row of ``g``.
* ``out`` is ``(rows, n)``; ``out[r, i]`` is written after everything it
  depends on is read, so ``out`` may alias ``a`` when there is one row.

Each kernel is the derivative factor (a small inlined function) times ``g``,
in the two loops above.  The loops only do arithmetic: numpy's SIMD
``exp``/``tanh`` beat a scalar libm call from numba 3-7x, so transcendental
values come in as arguments, computed by numpy.  What a kernel saves is the
chain of numpy temporaries (``g * (1 - y*y)`` is three passes over memory
where the kernel makes one) and, for the masks, the boolean and float mask
arrays.  One-pass formulas (``g * y`` for exp and multiply, ``g / x`` for log
and divide) have no kernel: numpy's own loop is as fast.

Compilation is lazy (first call per dtype) and cached on disk (``cache=True``).
No ``fastmath``: NaN and inf propagate exactly as in numpy, and
``error_model="numpy"`` makes x/0 an inf (numba's default raises ZeroDivisionError).
"""

import numpy as np
from numba import njit


@njit(inline="always", error_model="numpy")
def _tanh_pullback_factor(y):
    return 1.0 - y * y


@njit(cache=True, error_model="numpy")
def tanh_pullback(g, y, out):
    """g * (1 - y*y)"""
    n = out.shape[1]
    for r in range(out.shape[0]):
        if g.shape[1] == n:
            for i in range(n):
                out[r, i] = g[r, i] * _tanh_pullback_factor(y[i])
        else:
            gr = g[r, 0]
            for i in range(n):
                out[r, i] = gr * _tanh_pullback_factor(y[i])


@njit(inline="always", error_model="numpy")
def _sigmoid_pullback_factor(y):
    return y * (1.0 - y)


@njit(cache=True, error_model="numpy")
def sigmoid_pullback(g, y, out):
    """g * y * (1 - y)"""
    n = out.shape[1]
    for r in range(out.shape[0]):
        if g.shape[1] == n:
            for i in range(n):
                out[r, i] = g[r, i] * _sigmoid_pullback_factor(y[i])
        else:
            gr = g[r, 0]
            for i in range(n):
                out[r, i] = gr * _sigmoid_pullback_factor(y[i])


@njit(inline="always", error_model="numpy")
def _half_over_factor(y):
    return 0.5 / y


@njit(cache=True, error_model="numpy")
def half_over(g, y, out):
    """g * (0.5 / y)  (sqrt)"""
    n = out.shape[1]
    for r in range(out.shape[0]):
        if g.shape[1] == n:
            for i in range(n):
                out[r, i] = g[r, i] * _half_over_factor(y[i])
        else:
            gr = g[r, 0]
            for i in range(n):
                out[r, i] = gr * _half_over_factor(y[i])


@njit(inline="always", error_model="numpy")
def _minus_square_factor(y):
    return -(y * y)


@njit(cache=True, error_model="numpy")
def minus_square(g, y, out):
    """g * -(y*y)  (reciprocal)"""
    n = out.shape[1]
    for r in range(out.shape[0]):
        if g.shape[1] == n:
            for i in range(n):
                out[r, i] = g[r, i] * _minus_square_factor(y[i])
        else:
            gr = g[r, 0]
            for i in range(n):
                out[r, i] = gr * _minus_square_factor(y[i])


@njit(inline="always", error_model="numpy")
def _one_plus_factor(y):
    return y + 1.0


@njit(cache=True, error_model="numpy")
def one_plus(g, y, out):
    """g * (y + 1)  (expm1)"""
    n = out.shape[1]
    for r in range(out.shape[0]):
        if g.shape[1] == n:
            for i in range(n):
                out[r, i] = g[r, i] * _one_plus_factor(y[i])
        else:
            gr = g[r, 0]
            for i in range(n):
                out[r, i] = gr * _one_plus_factor(y[i])


@njit(inline="always", error_model="numpy")
def _one_plus_square_factor(y):
    return 1.0 + y * y


@njit(cache=True, error_model="numpy")
def one_plus_square(g, y, out):
    """g * (1 + y*y)  (tan)"""
    n = out.shape[1]
    for r in range(out.shape[0]):
        if g.shape[1] == n:
            for i in range(n):
                out[r, i] = g[r, i] * _one_plus_square_factor(y[i])
        else:
            gr = g[r, 0]
            for i in range(n):
                out[r, i] = gr * _one_plus_square_factor(y[i])


@njit(inline="always", error_model="numpy")
def _half_one_plus_factor(t):
    return 0.5 * (t + 1.0)


@njit(cache=True, error_model="numpy")
def half_one_plus(g, t, out):
    """g * 0.5 * (t + 1)  (softplus: t = tanh(x/2), so g * sigmoid(x))"""
    n = out.shape[1]
    for r in range(out.shape[0]):
        if g.shape[1] == n:
            for i in range(n):
                out[r, i] = g[r, i] * _half_one_plus_factor(t[i])
        else:
            gr = g[r, 0]
            for i in range(n):
                out[r, i] = gr * _half_one_plus_factor(t[i])


@njit(inline="always", error_model="numpy")
def _over_one_plus_factor(x):
    return 1.0 / (x + 1.0)


@njit(cache=True, error_model="numpy")
def over_one_plus(g, x, out):
    """g * (1 / (x + 1))  (log1p)"""
    n = out.shape[1]
    for r in range(out.shape[0]):
        if g.shape[1] == n:
            for i in range(n):
                out[r, i] = g[r, i] * _over_one_plus_factor(x[i])
        else:
            gr = g[r, 0]
            for i in range(n):
                out[r, i] = gr * _over_one_plus_factor(x[i])


@njit(inline="always", error_model="numpy")
def _over_one_plus_square_factor(x):
    return 1.0 / (1.0 + x * x)


@njit(cache=True, error_model="numpy")
def over_one_plus_square(g, x, out):
    """g * (1 / (1 + x*x))  (arctan)"""
    n = out.shape[1]
    for r in range(out.shape[0]):
        if g.shape[1] == n:
            for i in range(n):
                out[r, i] = g[r, i] * _over_one_plus_square_factor(x[i])
        else:
            gr = g[r, 0]
            for i in range(n):
                out[r, i] = gr * _over_one_plus_square_factor(x[i])


@njit(inline="always", error_model="numpy")
def _twice_factor(x):
    return 2.0 * x


@njit(cache=True, error_model="numpy")
def twice(g, x, out):
    """g * (2 * x)  (square; power with exponent 2)"""
    n = out.shape[1]
    for r in range(out.shape[0]):
        if g.shape[1] == n:
            for i in range(n):
                out[r, i] = g[r, i] * _twice_factor(x[i])
        else:
            gr = g[r, 0]
            for i in range(n):
                out[r, i] = gr * _twice_factor(x[i])


@njit(inline="always", error_model="numpy")
def _positive_mask_factor(x):
    return 1.0 if x > 0 else 0.0


@njit(cache=True, error_model="numpy")
def positive_mask(g, x, out):
    """g * (x > 0)  (relu: 0 at the kink and for NaN)"""
    n = out.shape[1]
    for r in range(out.shape[0]):
        if g.shape[1] == n:
            for i in range(n):
                out[r, i] = g[r, i] * _positive_mask_factor(x[i])
        else:
            gr = g[r, 0]
            for i in range(n):
                out[r, i] = gr * _positive_mask_factor(x[i])


@njit(inline="always", error_model="numpy")
def _sign_mask_factor(x):
    return np.sign(x)


@njit(cache=True, error_model="numpy")
def sign_mask(g, x, out):
    """g * sign(x)  (absolute: 0 at 0, NaN for NaN, as np.sign)"""
    n = out.shape[1]
    for r in range(out.shape[0]):
        if g.shape[1] == n:
            for i in range(n):
                out[r, i] = g[r, i] * _sign_mask_factor(x[i])
        else:
            gr = g[r, 0]
            for i in range(n):
                out[r, i] = gr * _sign_mask_factor(x[i])


@njit(inline="always", error_model="numpy")
def _minus_ratio_factor(y, d):
    return -(y / d)


@njit(cache=True, error_model="numpy")
def minus_ratio(g, y, d, out):
    """g * -(y / d)  (divide's divisor d, with y = x/d the output)"""
    n = out.shape[1]
    for r in range(out.shape[0]):
        if g.shape[1] == n:
            for i in range(n):
                out[r, i] = g[r, i] * _minus_ratio_factor(y[i], d[i])
        else:
            gr = g[r, 0]
            for i in range(n):
                out[r, i] = gr * _minus_ratio_factor(y[i], d[i])


@njit(inline="always", error_model="numpy")
def _tie_share_factor(a, c):
    return 1.0 if a > c else (0.5 if a == c else 0.0)


@njit(cache=True, error_model="numpy")
def tie_share(g, a, c, out):
    """g * ((a > c) + 0.5*(a == c))  (maximum's a; minimum's with a, c swapped)

    Ties split the gradient equally (SPEC); NaN compares false both ways and gets 0."""
    n = out.shape[1]
    for r in range(out.shape[0]):
        if g.shape[1] == n:
            for i in range(n):
                out[r, i] = g[r, i] * _tie_share_factor(a[i], c[i])
        else:
            gr = g[r, 0]
            for i in range(n):
                out[r, i] = gr * _tie_share_factor(a[i], c[i])


@njit(cache=True, error_model="numpy")
def tie_share_number(g, a, c, a_first, out):
    """tie_share with a number c for the other operand (``maximum(x, 0)``).

    ``a_first``: the factor is share(a, c) (maximum's x) or share(c, a) (minimum's x).
    """
    n = out.shape[1]
    for r in range(out.shape[0]):
        full = g.shape[1] == n
        gr = g[r, 0]
        if a_first:
            for i in range(n):
                out[r, i] = (g[r, i] if full else gr) * _tie_share_factor(a[i], c)
        else:
            for i in range(n):
                out[r, i] = (g[r, i] if full else gr) * _tie_share_factor(c, a[i])


@njit(cache=True, error_model="numpy")
def select(g, cond, keep, out):
    """g where cond == keep, else 0  (the two branches of ``where``)"""
    n = out.shape[1]
    for r in range(out.shape[0]):
        if g.shape[1] == n:
            for i in range(n):
                out[r, i] = g[r, i] * (1.0 if cond[i] == keep else 0.0)
        else:
            gr = g[r, 0]
            for i in range(n):
                out[r, i] = gr * (1.0 if cond[i] == keep else 0.0)


# ---- forward evaluation around numpy's transcendental ---------------------------


@njit(cache=True, error_model="numpy")
def half_one_plus_inplace(t):
    """t <- 0.5 * (t + 1)  (sigmoid from t = tanh(x/2), in t's own buffer)"""
    for i in range(t.shape[0]):
        t[i] = 0.5 * (t[i] + 1.0)
