"""Taylor rules that run a whole elementwise recurrence in one numba kernel.

``adcore.taylor.rules`` computes, say, tanh's k output coefficients with
~k^2 whole-array numpy operations, each a pass over memory (into recycled
buffers: ``adcore.taylor.plain``).  The kernels in ``taylor_kernels`` do the
same recurrence per block of elements in cache, writing the k coefficients
into one ``(k, ...)`` buffer whose rows are the outputs; for exp, tanh, tan,
sigmoid, sin/cos, sinh/cosh and kin on a dense or a line series,
``taylor_codegen`` writes a straight-line kernel per order instead (every term
in registers).

A fast rule has the signature ``fast(ans, args, series, tag)`` and returns
the coefficient list, or ``None`` when it does not apply, in which case
``install`` runs the original rule.  It applies only when the primal, the
argument and every nonzero coefficient are plain ``numpy.ndarray`` of one
float dtype (never traced values: under ``grad`` of a jet the original,
differentiable rule runs), C-contiguous, the coefficients shaped batch axes
+ the primal's shape, and the first coefficient nonzero.  Then every output
coefficient of the integrals (``y' = p a'``: exp, tanh, log, ...) is nonzero,
as in the numpy path, which keeps ``None`` only for coefficients that are
structurally zero; ``square``'s zero ones are None here too.
"""

import numpy as np

from adcore.core import get_primitive, pool
from adcore.taylor.rules import stack_coefficients
from adcore_jit import fused
from adcore_jit import taylor_codegen as codegen
from adcore_jit import taylor_kernels as tk

LN2, LN10 = float(np.log(2.0)), float(np.log(10.0))
POOLED = 16384  # output elements from which the (k, ...) block comes from the pool
# The numpy path makes ~k^2 passes, the kernel one, after ~10 us of checks and dispatch.
# The numpy path pays a call per pass (its cost at small sizes); its passes are SIMD and
# write recycled buffers, so on big arrays it is as fast or faster than these kernels, which
# are bound by their loads and stores.  Measured (scripts/taylor_kernel_crossover.py, the
# numpy time over the kernel's, idle 2-core EPYC, stacked float64 coefficients):
#   order 4: 1024 elements 1.0-3.0x for the kernel, 4096 0.7-2.0x, 16384 0.6-1.5x;
#   order 8: 1024 1.6-4.5x, 16384 0.7-2.0x (sqrt 0.70, reciprocal 0.78), 65536 0.5-1.3x.
# Below order 4 the numpy path is as fast or faster at every size.  So a kernel runs from
# MIN_ORDER, on at most MAX_ELEMENTS elements per coefficient (batch rows included) below
# order 6 and BIG_ORDER_MAX_ELEMENTS from it; sqrt and reciprocal (a division per element
# and order in the kernel, one per element in numpy) stop at SMALL_MAX_ELEMENTS.
# The generated straight-line kernels (``taylor_codegen``: exp and kin, tanh, tan, sigmoid,
# sin/cos, sinh/cosh on a dense or a line series) win at every size from order 4 (256
# elements: 1.1-3.5x; 16384: 1.7-11x; 65536: 1.0-19x) and at orders 2 and 3 from 16384
# elements (1.2-3.9x); below, numpy's few passes win (256 elements, order 2: 0.46-1.5x).
# ``set_threshold(0)`` lifts every limit (any order, any size: the tests use it).
MIN_ORDER = 4
GENERATED_LOW_ORDER_MIN_ELEMENTS = 16384
MAX_ELEMENTS = 4096
BIG_ORDER, BIG_ORDER_MAX_ELEMENTS = 6, 16384
SMALL_MAX_ELEMENTS = 2048


def _worth_it(k, elements, small, generated=False):
    """Whether the kernel beats the numpy path at order k on this many elements (measured).
    ``generated``: a straight-line kernel of ``taylor_codegen`` will run, at any size."""
    if not fused._threshold:
        return True
    if generated:
        return k >= MIN_ORDER or (k >= 2 and elements >= GENERATED_LOW_ORDER_MIN_ELEMENTS)
    if k < MIN_ORDER:
        return False
    if small:
        return elements <= SMALL_MAX_ELEMENTS
    return elements <= (BIG_ORDER_MAX_ELEMENTS if k >= BIG_ORDER else MAX_ELEMENTS)


def _prepare(ans, x, s, tag, small=False, generated=False):
    """``(a, rows, out, flat primal)`` for a kernel call, or None when the kernel must not run.
    ``generated``: the rule has straight-line kernels for dense and line series."""
    if type(ans) is not np.ndarray or type(x) is not np.ndarray or s is None or s[0] is None:
        return None
    dtype, shape = ans.dtype, ans.shape
    if dtype not in fused.FLOATS or x.dtype != dtype or x.shape != shape:
        return None
    if not (ans.flags.c_contiguous and x.flags.c_contiguous):
        return None
    k = len(s)
    if k > tk.MAX_ORDER:
        return None
    n = ans.size
    r = tag.batch[0] if tag.nbatch else 1
    if n == 0 or r == 0:
        return None
    want = tag.batch + shape
    rows = [-1]
    nonzero = []
    for c in s:
        if c is None:
            rows.append(-1)
            continue
        if type(c) is not np.ndarray or c.dtype != dtype or c.shape != want:
            return None
        if not c.flags.c_contiguous:
            return None
        rows.append(len(nonzero))
        nonzero.append(c)
    generated = generated and k <= codegen.MAX_ORDER and codegen.pattern(rows) is not None
    if not _worth_it(k, n * r, small, generated):
        return None
    m = len(nonzero)
    a = (stack_coefficients(nonzero) if m > 1 else nonzero[0]).reshape(m, r, n)
    size = k * r * n
    # small outputs: a fresh buffer is cheaper than the pool's scan (no page faults there)
    out = pool.empty((k, r, n), dtype) if size >= POOLED else np.empty((k, r, n), dtype)
    return a, np.array(rows, np.int64), out, x.reshape(n)


def _outputs(out, tag, shape, zero=()):
    want = tag.batch + shape
    return [None if j + 1 in zero else out[j].reshape(want) for j in range(out.shape[0])]


def _unary(run, small=False):
    """A fast rule from ``run(a, rows, out, x, y0, args)``, which fills ``out`` and returns
    False to decline, or the orders whose coefficient is structurally zero (None for none).
    ``small``: the kernel wins on small arrays only (``SMALL_MAX_ELEMENTS``)."""

    def fast(ans, args, series, tag):
        if any(s is not None for s in series[1:]):
            return None
        ready = _prepare(ans, args[0], series[0], tag, small, getattr(run, "generated", False))
        if ready is None:
            return None
        a, rows, out, x = ready
        zero = run(a, rows, out, x, ans.reshape(x.shape), args)
        if zero is False:
            return None
        return _outputs(out, tag, ans.shape, zero or ())

    fast.__name__ = run.__name__
    fast.__doc__ = run.__doc__
    return fast


def _integrating(kind, p0, scale=1.0):
    """``y' = p (scale u)'`` with p from y; ``p0(y0)`` is p's primal.  A generated
    straight-line kernel for a dense or a line series (``taylor_codegen``), else
    integrate_family's block kernel."""

    def run(a, rows, out, x, y0, args):
        k = out.shape[0]
        shape = codegen.pattern(rows) if k <= codegen.MAX_ORDER else None
        if shape is None:
            tk.integrate_family(kind, a, rows, y0, p0(y0), scale, out)
        else:
            consts = codegen.constants(k, scale, out.dtype)
            codegen.kernel(kind, k, shape)(a, y0, p0(y0), consts, out)

    run.generated = True  # the size limits of the block kernels do not apply (see _prepare)
    return run


def _coupled(companion, sign, which):
    """sin/cos (sign -1), sinh/cosh (+1); ``companion(x)`` is the other function's primal.
    A generated kernel for a dense or a line series, else the block kernel."""
    kind = {(-1.0, 0): "sin", (-1.0, 1): "cos", (1.0, 0): "sinh", (1.0, 1): "cosh"}[sign, which]

    def run(a, rows, out, x, y0, args):
        other = companion(x)
        s0, c0 = (y0, other) if which == 0 else (other, y0)
        k = out.shape[0]
        shape = codegen.pattern(rows) if k <= codegen.MAX_ORDER else None
        if shape is None:
            tk.coupled(a, rows, s0, c0, sign, which, out)
        else:
            consts = codegen.constants(k, 1.0, out.dtype, sign)
            codegen.kernel(kind, k, shape)(a, s0, c0, consts, out)

    run.generated = True
    return run


def _log(shift, scale):
    def run(a, rows, out, x, y0, args):
        tk.log_family(a, rows, x + shift if shift else x, scale, out)

    return run


def _by_factor(c0, c2, root, sign):
    def run(a, rows, out, x, y0, args):
        tk.by_factor(a, rows, x, c0, c2, root, sign, out)

    return run


def _sqrt(a, rows, out, x, y0, args):
    tk.sqrt(a, rows, y0, out)


def _cbrt(a, rows, out, x, y0, args):
    tk.power(a, rows, x, y0, 1.0 / 3.0, out)


def _power(a, rows, out, x, y0, args):
    p = args[1]
    # a traced or array exponent, or a small integer one (exact products at x = 0): numpy path
    if type(p) not in (float, int) or (float(p).is_integer() and 0 <= p <= 8):
        return False
    tk.power(a, rows, x, y0, float(p), out)
    return None


def _reciprocal(a, rows, out, x, y0, args):
    tk.reciprocal(a, rows, x, out)


def _square(a, rows, out, x, y0, args):
    tk.square(a, rows, x, out)
    # a Cauchy product, not an integral: y_n is zero when no two orders present sum to n
    present = rows >= 0
    present[0] = True
    k = len(rows) - 1
    return {
        n for n in range(1, k + 1) if not any(present[j] and present[n - j] for j in range(n + 1))
    }


def _softplus(a, rows, out, x, y0, args):
    tk.softplus(a, rows, get_primitive("sigmoid").impl(x), y0, out)


# primitive name -> fast Taylor rule; the recurrences are those of adcore.taylor.rules
RULES = {
    "tanh": _unary(_integrating(tk.TANH, lambda y: 1.0 - y * y)),
    "tan": _unary(_integrating(tk.TAN, lambda y: 1.0 + y * y)),
    "sigmoid": _unary(_integrating(tk.SIGMOID, lambda y: y - y * y)),
    "exp": _unary(_integrating(tk.EXP, lambda y: y)),
    "expm1": _unary(_integrating(tk.EXP, lambda y: y + 1.0)),
    "exp2": _unary(_integrating(tk.EXP, lambda y: y, LN2)),
    "sin": _unary(_coupled(np.cos, -1.0, 0)),
    "cos": _unary(_coupled(np.sin, -1.0, 1)),
    "sinh": _unary(_coupled(np.cosh, 1.0, 0)),
    "cosh": _unary(_coupled(np.sinh, 1.0, 1)),
    "log": _unary(_log(0.0, 1.0)),
    "log2": _unary(_log(0.0, 1.0 / LN2)),
    "log10": _unary(_log(0.0, 1.0 / LN10)),
    "log1p": _unary(_log(1.0, 1.0)),
    "sqrt": _unary(_sqrt, small=True),
    "cbrt": _unary(_cbrt),
    "power": _unary(_power),
    "reciprocal": _unary(_reciprocal, small=True),
    "square": _unary(_square),
    "softplus": _unary(_softplus),
    "arctan": _unary(_by_factor(1.0, 1.0, False, 1.0)),
    "arctanh": _unary(_by_factor(1.0, -1.0, False, 1.0)),
    "arcsin": _unary(_by_factor(1.0, -1.0, True, 1.0)),
    "arccos": _unary(_by_factor(1.0, -1.0, True, -1.0)),
    "arcsinh": _unary(_by_factor(1.0, 1.0, True, 1.0)),
    "arccosh": _unary(_by_factor(-1.0, 1.0, True, 1.0)),
}
