"""Fused derivative rules: when a kernel applies, and what it is handed.

A fused rule has the signature of the rule it stands in for,
``rule(g, ans, *args)``, and returns the (co)tangent, or ``None`` when the
kernel does not apply, in which case ``install`` calls the original rule.
For an elementwise primitive whose argument has the output's shape, the
JVP contribution and the VJP cotangent are the same product ``g * d(ans, x)``,
so one fused rule serves both tables.

A kernel applies only when everything it reads is a plain ``numpy.ndarray``
(never a traced value: under nested transforms the original, differentiable
rule runs) of one float dtype, C-contiguous, shaped like the output (no
unbroadcast needed), with at least ``threshold()`` elements.  ``g`` may
carry leading batch axes, and may be a zero-stride broadcast of one number.
The result goes into a buffer from ``pool`` (recycled once nothing else
references it), which the tape then owns like any fresh array.
"""

import numpy as np

from adcore.core import pool
from adcore_jit import kernels as k

FLOATS = (np.dtype(np.float32), np.dtype(np.float64))

# Measured crossover (python -m benchmarks.jit_suite, "threshold": numpy rule
# time / kernel rule time for tanh, sigmoid, log1p, relu, square, float64):
# 0.4-0.7 at 64-256 elements (checks + numba dispatch, ~5 us, dominate),
# 0.6-1.2 at 4096-16384, 1.1-1.5 at 32768, 1.3-1.9 from 131072 up.
# 32768 is the first size where every one of them wins in every run.
DEFAULT_THRESHOLD = 32768
_threshold = DEFAULT_THRESHOLD


def threshold():
    """Smallest output size (elements) for which the kernels are used."""
    return _threshold


def set_threshold(n):
    """Use the kernels from ``n`` elements up (0: always); returns the previous threshold."""
    global _threshold
    n = int(n)
    if n < 0:
        raise ValueError(f"adcore_jit.set_threshold: n must be >= 0, got {n}")
    old, _threshold = _threshold, n
    return old


def _rows(g, shape, n, dtype):
    """``g`` (batch axes + ``shape``) as the kernels read it, or None.

    ``(rows, n)`` when contiguous; ``(rows, 1)`` when g is one number broadcast
    (the cotangent ``sum`` hands back: read once, never materialized).
    """
    if type(g) is not np.ndarray or g.dtype != dtype or g.size == 0:
        return None
    gs = g.shape
    if gs[len(gs) - len(shape) :] != shape:
        return None
    rows = g.size // n
    if g.flags.c_contiguous:
        return g.reshape(rows, n)
    if not any(g.strides):
        return np.full((rows, 1), g[(0,) * g.ndim], dtype)
    return None


def _operand(a, shape, n, dtype):
    """A primal operand as a flat ``(n,)`` array, or None."""
    if (
        type(a) is not np.ndarray
        or a.shape != shape
        or (a.dtype != dtype and a.dtype != np.bool_)
        or not a.flags.c_contiguous
    ):
        return None
    return a.reshape(n)


def _prepare(g, ans, diff, operands):
    """Check a call: ``(rows of g, flat operands)`` or None when a kernel must not run."""
    if type(ans) is not np.ndarray:
        return None
    n = ans.size
    if n < _threshold or n == 0:
        return None
    dtype = ans.dtype
    if dtype not in FLOATS:
        return None
    shape = ans.shape
    if getattr(diff, "shape", None) != shape:  # the argument was broadcast: unbroadcast needed
        return None
    flat = []
    for a in operands:
        f = _operand(a, shape, n, dtype)
        if f is None:
            return None
        flat.append(f)
    rows = _rows(g, shape, n, dtype)
    if rows is None:
        return None
    return rows, flat


def _run(kernel, g, ans, diff, *operands):
    ready = _prepare(g, ans, diff, operands)
    if ready is None:
        return None
    rows, flat = ready
    out = pool.empty((rows.shape[0], ans.size), ans.dtype)
    kernel(rows, *flat, out)
    return out.reshape(g.shape)


def _run_transcendental(kernel, numpy_fn, g, ans, x):
    """``kernel(g, numpy_fn(x))``: numpy's SIMD function, its buffer reused for the result."""
    ready = _prepare(g, ans, x, (x,))
    if ready is None:
        return None
    rows, (xf,) = ready
    t = numpy_fn(xf, pool.empty(xf.shape, xf.dtype))
    out = t.reshape(1, -1) if rows.shape[0] == 1 else pool.empty((rows.shape[0], t.size), t.dtype)
    kernel(rows, t, out)
    return out.reshape(g.shape)


def _run_ufunc(ufunc, g, ans, diff, operand):
    """A one-pass formula (``g * y``, ``g / x``): numpy's own SIMD loop is as fast as a
    kernel, so it runs as is, written into a recycled buffer instead of a fresh one."""
    if _prepare(g, ans, diff, (operand,)) is None:
        return None
    return ufunc(g, operand, out=pool.empty(g.shape, ans.dtype))


def _tanh_half(xf, out):
    np.multiply(xf, 0.5, out=out)
    return np.tanh(out, out=out)


# ---- the rules, by primitive --------------------------------------------------


def tanh_rule(g, ans, x):
    """``g * (1 - ans**2)``, reusing tanh's output."""
    return _run(k.tanh_pullback, g, ans, x, ans)


def sigmoid_rule(g, ans, x):
    """``g * ans * (1 - ans)``, the notes' cheap sigmoid gate."""
    return _run(k.sigmoid_pullback, g, ans, x, ans)


def exp_rule(g, ans, x):
    """``g * ans``: exp is its own derivative."""
    return _run_ufunc(np.multiply, g, ans, x, ans)


def expm1_rule(g, ans, x):
    """``g * (1 + ans)``."""
    return _run(k.one_plus, g, ans, x, ans)


def log_rule(g, ans, x):
    """``g / x``."""
    return _run_ufunc(np.divide, g, ans, x, x)


def log1p_rule(g, ans, x):
    """``g / (1 + x)``."""
    return _run(k.over_one_plus, g, ans, x, x)


def sqrt_rule(g, ans, x):
    """``g * 0.5 / ans``, reusing sqrt's output."""
    return _run(k.half_over, g, ans, x, ans)


def reciprocal_rule(g, ans, x):
    """``-g * ans**2`` (d/dx 1/x = -1/x**2)."""
    return _run(k.minus_square, g, ans, x, ans)


def tan_rule(g, ans, x):
    """``g * (1 + ans**2)``, reusing tan's output."""
    return _run(k.one_plus_square, g, ans, x, ans)


def arctan_rule(g, ans, x):
    """``g / (1 + x**2)``."""
    return _run(k.over_one_plus_square, g, ans, x, x)


def square_rule(g, ans, x):
    """``2 * g * x``."""
    return _run(k.twice, g, ans, x, x)


def power_base_rule(g, ans, x, p):
    """d/dx x**p for a constant exponent p == 2 (other exponents: the numpy rule)."""
    if isinstance(p, (int, float, np.integer, np.floating)) and p == 2:
        return _run(k.twice, g, ans, x, x)
    return None


def relu_rule(g, ans, x):
    """``g`` where ``x > 0``, else 0 (0 at the kink, as the subgradient table says)."""
    return _run(k.positive_mask, g, ans, x, x)


def absolute_rule(g, ans, x):
    """``g * sign(x)`` (0 at the kink)."""
    return _run(k.sign_mask, g, ans, x, x)


def softplus_rule(g, ans, x):
    """``g * sigmoid(x)``, with sigmoid from numpy's SIMD tanh: ``(1 + tanh(x / 2)) / 2``."""
    return _run_transcendental(k.half_one_plus, _tanh_half, g, ans, x)


def multiply_left_rule(g, ans, x, y):
    """``g * y``, the first factor's part of a product."""
    return _run_ufunc(np.multiply, g, ans, x, y)


def multiply_right_rule(g, ans, x, y):
    """``g * x``, the second factor's part of a product."""
    return _run_ufunc(np.multiply, g, ans, y, x)


def divide_left_rule(g, ans, x, y):
    """``g / y``, the numerator's part of a quotient."""
    return _run_ufunc(np.divide, g, ans, x, y)


def divide_right_rule(g, ans, x, y):
    """``-g * ans / y``, the denominator's part of a quotient."""
    return _run(k.minus_ratio, g, ans, y, ans, y)


def _number(a):
    return isinstance(a, (float, int, np.floating, np.integer)) and not isinstance(a, bool)


def _share(g, ans, x, other, x_first):
    """g * share(x, other) (x_first) or g * share(other, x): maximum's and minimum's masks."""
    if not _number(other):
        pair = (x, other) if x_first else (other, x)
        return _run(k.tie_share, g, ans, x, *pair)
    ready = _prepare(g, ans, x, (x,))
    if ready is None:
        return None
    rows, (xf,) = ready
    out = pool.empty((rows.shape[0], ans.size), ans.dtype)
    k.tie_share_number(rows, xf, ans.dtype.type(other), x_first, out)
    return out.reshape(g.shape)


def maximum_left_rule(g, ans, x, y):
    """``g`` where x is the larger, ``g / 2`` at a tie, else 0."""
    return _share(g, ans, x, y, True)


def maximum_right_rule(g, ans, x, y):
    """``g`` where y is the larger, ``g / 2`` at a tie, else 0."""
    return _share(g, ans, y, x, True)


def minimum_left_rule(g, ans, x, y):
    """``g`` where x is the smaller, ``g / 2`` at a tie, else 0."""
    return _share(g, ans, x, y, False)


def minimum_right_rule(g, ans, x, y):
    """``g`` where y is the smaller, ``g / 2`` at a tie, else 0."""
    return _share(g, ans, y, x, False)


def where_true_rule(g, ans, cond, x, y):
    """``g`` where ``cond`` holds, else 0: the part of ``where`` that flows to x."""
    if type(cond) is not np.ndarray or cond.dtype != np.bool_:
        return None
    ready = _prepare(g, ans, x, (cond,))
    if ready is None:
        return None
    rows, (c,) = ready
    out = pool.empty((rows.shape[0], ans.size), ans.dtype)
    k.select(rows, c, True, out)
    return out.reshape(g.shape)


def where_false_rule(g, ans, cond, x, y):
    """``g`` where ``cond`` fails, else 0: the part of ``where`` that flows to y."""
    if type(cond) is not np.ndarray or cond.dtype != np.bool_:
        return None
    ready = _prepare(g, ans, y, (cond,))
    if ready is None:
        return None
    rows, (c,) = ready
    out = pool.empty((rows.shape[0], ans.size), ans.dtype)
    k.select(rows, c, False, out)
    return out.reshape(g.shape)


# primitive name -> {argnum: fused rule}, used for both its JVP and VJP tables
RULES = {
    "tanh": {0: tanh_rule},
    "sigmoid": {0: sigmoid_rule},
    "exp": {0: exp_rule},
    "expm1": {0: expm1_rule},
    "log": {0: log_rule},
    "log1p": {0: log1p_rule},
    "sqrt": {0: sqrt_rule},
    "reciprocal": {0: reciprocal_rule},
    "tan": {0: tan_rule},
    "arctan": {0: arctan_rule},
    "square": {0: square_rule},
    "power": {0: power_base_rule},
    "relu": {0: relu_rule},
    "absolute": {0: absolute_rule},
    "fabs": {0: absolute_rule},
    "softplus": {0: softplus_rule},
    "multiply": {0: multiply_left_rule, 1: multiply_right_rule},
    "divide": {0: divide_left_rule, 1: divide_right_rule},
    "maximum": {0: maximum_left_rule, 1: maximum_right_rule},
    "minimum": {0: minimum_left_rule, 1: minimum_right_rule},
    "where": {1: where_true_rule, 2: where_false_rule},
}


# ---- forward evaluation ---------------------------------------------------------
# The primal outputs themselves: numpy's own ufuncs (SIMD transcendental
# functions included), written into recycled buffers instead of fresh ones.


def _into_pool(ufunc, args):
    """``ufunc(*args)`` into a recycled buffer when the arguments are same-shape float
    arrays (and Python numbers); None otherwise."""
    shape = dtype = None
    for a in args:
        if type(a) is np.ndarray:
            if shape is None:
                shape, dtype = a.shape, a.dtype
            elif a.shape != shape or a.dtype != dtype:
                return None
        elif type(a) is not float and type(a) is not int:
            return None
    if shape is None or dtype not in FLOATS:
        return None
    size = 1
    for d in shape:
        size *= d
    if size < _threshold or size == 0:
        return None
    return ufunc(*args, out=pool.empty(shape, dtype))


def recycled(ufunc):
    """A maker: the primitive's impl, evaluated by ``ufunc`` into a recycled buffer when it can."""

    def make(original):
        def impl(*args, **kwargs):
            if not kwargs and (type(args[0]) is np.ndarray or type(args[-1]) is np.ndarray):
                out = _into_pool(ufunc, args)
                if out is not None:
                    return out
            return original(*args, **kwargs)

        impl.__name__ = f"{ufunc.__name__}_recycled"
        return impl

    return make


def power_impl(original):
    """``x ** 2`` as ``square`` into a recycled buffer; other exponents as before."""

    def power_recycled(x, p, **kwargs):
        if not kwargs and type(p) in (int, float) and p == 2:
            out = _into_pool(np.square, (x,))
            if out is not None:
                return out
        return original(x, p, **kwargs)

    return power_recycled


def sigmoid_impl(original):
    """sigmoid's forward pass, ``0.5 * (tanh(x/2) + 1)``, in one recycled buffer instead of four."""

    def sigmoid_fused(x):
        if (
            type(x) is np.ndarray
            and x.size >= _threshold
            and x.dtype in FLOATS
            and x.flags.c_contiguous
            and x.size
        ):
            xf = x.reshape(-1)
            t = _tanh_half(xf, pool.empty(xf.shape, xf.dtype))
            k.half_one_plus_inplace(t)
            return t.reshape(x.shape)
        return original(x)

    return sigmoid_fused


def add_recycled(a, b):
    """``adcore.core.hooks.add`` while enabled: tangent sums and fork accumulations
    into a recycled buffer."""
    if type(a) is np.ndarray and type(b) is np.ndarray:
        out = _into_pool(np.add, (a, b))
        if out is not None:
            return out
    return a + b


# primitive name -> maker(original impl) -> impl
IMPLS = {
    "sigmoid": sigmoid_impl,
    "power": power_impl,
    "add": recycled(np.add),
    "subtract": recycled(np.subtract),
    "multiply": recycled(np.multiply),
    "divide": recycled(np.true_divide),
    "negative": recycled(np.negative),
    "square": recycled(np.square),
    "exp": recycled(np.exp),
    "expm1": recycled(np.expm1),
    "log": recycled(np.log),
    "log1p": recycled(np.log1p),
    "sqrt": recycled(np.sqrt),
    "tanh": recycled(np.tanh),
    "sin": recycled(np.sin),
    "cos": recycled(np.cos),
    "absolute": recycled(np.absolute),
    "maximum": recycled(np.maximum),
    "minimum": recycled(np.minimum),
}
