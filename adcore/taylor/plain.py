"""Taylor mode's road for plain arrays: recycled buffers and in-place updates.

A recurrence makes dozens of temporaries the size of a coefficient.  Fresh,
each one's pages are faulted in again (glibc returns big freed blocks to the
kernel): the tanh recurrence at k = 8 on 64 x 256 coefficients ran 4x slower
for it.  So when every operand is a plain numpy array (not a traced value of
another mode), ``series.py`` computes through these helpers: a fresh big
result goes into a recycled buffer (``adcore.core.pool``), a result the
recurrence made itself is updated in place, and the quadratic recurrences
(exp, expm1, tanh, tan, sigmoid) write every coefficient as a row of one block.
The operations and their order are those of the general road, so is the
rounding (tests/test_taylor_buffers.py checks it bit for bit).
"""

import math
import operator

import numpy as np

from adcore.core import pool

# the operator each ufunc stands for: what values that are not plain arrays (traced ones) get
_OPERATOR = {
    np.add: operator.add,
    np.subtract: operator.sub,
    np.multiply: operator.mul,
    np.divide: operator.truediv,
}


def result_shape(a, b):
    """The shape of ``a op b`` when both are plain arrays of one dtype (else None)."""
    if type(a) is not np.ndarray or type(b) is not np.ndarray or a.dtype != b.dtype:
        return None
    if a.shape == b.shape:
        return a.shape
    try:
        return np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        return None  # let the operator raise its own error


def fresh(ufunc, a, b):
    """``ufunc(a, b)``, written into a recycled buffer when it is big and both are plain."""
    shape = result_shape(a, b)
    if shape is None or a.dtype.kind not in "fc":
        return _OPERATOR[ufunc](a, b)
    if math.prod(shape) * a.itemsize < pool.MIN_BYTES:
        return ufunc(a, b)  # small: a fresh result (a numpy scalar for 0-d, as the operator)
    return ufunc(a, b, out=pool.empty(shape, a.dtype))


def into(ufunc, mine, other):
    """``ufunc(mine, other)`` for an array this module made: in place when the result fits it.

    ``other`` is an array of mine's dtype broadcasting to mine's shape, or a Python number
    (which keeps mine's dtype, as numpy's operators do).
    """
    if type(mine) is np.ndarray and mine.dtype.kind in "fc":
        if type(other) in (int, float) or result_shape(mine, other) == mine.shape:
            return ufunc(mine, other, out=mine)
    return _OPERATOR[ufunc](mine, other)


def scaled_fresh(c, s):
    """``c * s`` for a Python number ``s`` (the dtype stays c's), recycled when big."""
    if type(c) is np.ndarray and c.dtype.kind in "fc" and type(s) in (int, float):
        return np.multiply(c, s, out=pool.empty_like(c))
    return c * s


def block(coeffs, *primals):
    """``(shape, dtype)`` of the coefficients when they are plain float arrays of one shape and
    dtype, and the primals plain arrays of that dtype broadcasting to that shape (else None)."""
    shape = dtype = None
    for c in coeffs:
        if c is None:
            continue
        if type(c) is not np.ndarray:
            return None
        if shape is None:
            shape, dtype = c.shape, c.dtype
        elif c.shape != shape or c.dtype != dtype:
            return None
    if shape is None or dtype.kind not in "fc":
        return None
    for p in primals:
        if type(p) is not np.ndarray or p.dtype != dtype:
            return None
        if p.shape != shape:
            try:
                if np.broadcast_shapes(p.shape, shape) != shape:
                    return None
            except ValueError:
                return None
    return shape, dtype


def dot_into(out, tmp, pairs):
    """``sum(x * w for x, w in pairs)`` written into ``out`` (``tmp``: scratch); None if no
    pair has two nonzero factors.  The additions of ``sum_of_products``, in its order."""
    empty = True
    for x, w in pairs:
        if x is None or w is None:
            continue
        if empty:
            np.multiply(x, w, out=out)
            empty = False
        else:
            out += np.multiply(x, w, out=tmp)
    return None if empty else out


def quadratic_block(a, y0, p0, c1, c2, shape, dtype):
    """``quadratic`` on plain arrays: every coefficient a row of one recycled block.

    ``y_1..y_k`` are consecutive rows of one buffer (so a matmul that follows
    takes them as one stacked operand without a copy), ``p_n`` and ``n a_n``
    rows of two more, and one scratch row serves every product: a handful of
    buffers per call instead of one per operation.
    """
    k = len(a) - 1
    rows = pool.empty_if_big((k,) + shape, dtype)
    tmp = pool.empty_if_big(shape, dtype)
    ja = [None, a[1]] + [None] * (k - 1)
    if k > 1:
        jrows = pool.empty_if_big((k - 1,) + shape, dtype)
        for j in range(2, k + 1):
            if a[j] is not None:
                ja[j] = np.multiply(a[j], float(j), out=jrows[j - 2])
    prows = pool.empty_if_big((k - 1,) + shape, dtype) if c2 and k > 1 else None
    y, ps = [y0], [p0]
    for n in range(1, k + 1):
        yn = dot_into(rows[n - 1], tmp, ((ja[j], ps[n - j]) for j in range(1, n + 1)))
        if yn is not None:
            yn *= 1.0 / n
        y.append(yn)
        if n == k:
            break
        pn = None
        if c2:
            pn = dot_into(prows[n - 1], tmp, ((y[j], y[n - j]) for j in range((n + 1) // 2)))
            if pn is not None:
                pn += pn
            m = y[n // 2] if n % 2 == 0 else None
            if m is not None:
                if pn is None:
                    pn = np.multiply(m, m, out=prows[n - 1])
                else:
                    pn += np.multiply(m, m, out=tmp)
            if pn is not None and c2 == -1:
                np.negative(pn, out=pn)
        if c1 and y[n] is not None:
            pn = y[n] if pn is None else np.add(pn, y[n], out=pn)
        ps.append(pn)
    return y
