"""Native Taylor rules, attached to the registered primitives as ``variants["taylor"]``.

A rule is ``rule(prim, ans, args, series, kwargs, tag) -> [y1, ..., yk]``:
``args`` are the primals one level down, ``series[i]`` the coefficient list of
argument i (None for an argument this jet does not trace), ``ans`` the primal
output.  Three kinds:

* elementwise recurrences (``series.py``): products, quotients, exp, log,
  sqrt, powers, sin/cos and sinh/cosh coupled, tanh via ``w' = (1 - w^2) u'``...
* ``per_coefficient``: for maps linear in their traced arguments (reshape,
  sum, indexing, matmul by a constant) and piecewise-linear ones (abs, relu,
  maximum, where, clip, max): the JVP rule applied to the coefficients, all k
  of them as one batch.  Piecewise-constant functions and comparisons never
  reach a rule: they return plain values, whose series is zero.
* ``multilinear`` (matmul, einsum with several traced operands): the Cauchy
  product of the operands' series through the primitive itself.
* ``linear_solve``: ``solve``'s series from ``A y = b``, through its JVP rules.

Primitives are looked up by registry name, in ``native_rules`` at the bottom: the
one place that knows which primitives have native rules (the tables here, those
of ``more_rules`` and ``linalg_rules``; ``scipy_rules`` for adcore.scipy's).
The rest get theirs from the JVP rule (``fallback.py``).
"""

import itertools

import numpy as np

import adcore.numpy as anp
from adcore.core import NONDIFF, get_primitive, getval, pool, shape_of
from adcore.taylor import linalg_rules, more_rules
from adcore.taylor import series as ts

LN2, LN10 = float(np.log(2.0)), float(np.log(10.0))


# ---- the rule kinds -----------------------------------------------------------------
def per_coefficient(prim, ans, args, series, kwargs, tag):
    """``y_n = J x_n`` summed over the traced arguments: exact for linear maps."""
    k = tag.order
    out = [None] * k
    for i, s in enumerate(series):
        if s is None:
            continue
        rule = prim.rule("jvp", i)
        if rule is None:
            raise prim.missing("jvp", i)
        if rule is NONDIFF:
            continue
        if prim.jvp_batched:
            terms = _all_at_once(rule, s, ans, args, kwargs, tag)
        elif not tag.nbatch:
            terms = [None if c is None else rule(c, ans, *args, **kwargs) for c in s]
        else:  # an unbatched user rule: loop over the directions
            terms = [
                None if c is None else anp.stack([rule(cb, ans, *args, **kwargs) for cb in c])
                for c in s
            ]
        out = [ts.total([o, t]) for o, t in zip(out, terms)]
    return out


def _all_at_once(rule, s, ans, args, kwargs, tag):
    """The JVP rule applied to the nonzero coefficients as one batch of tangents."""
    where = [n for n, c in enumerate(s) if c is not None]
    out = [None] * len(s)
    if len(where) == 1:
        out[where[0]] = rule(s[where[0]], ans, *args, **kwargs)
        return out
    if not where:
        return out
    k = len(where)
    g = stack_coefficients([s[n] for n in where])
    if tag.nbatch:  # (k, B, ...) -> (k*B, ...): the rules take one batch axis
        g = anp.reshape(g, (k * tag.batch[0],) + shape_of(g)[2:])
    t = rule(g, ans, *args, **kwargs)
    if tag.nbatch:
        t = anp.reshape(t, (k,) + tag.batch + shape_of(t)[1:])
    for m, n in enumerate(where):
        out[n] = t[m]
    return out


def stack_coefficients(cs):
    """``stack(cs)``, as a view instead of a copy when the coefficients are plain arrays that
    already are consecutive rows of one buffer (a batched JVP rule's outputs, adcore_jit's,
    the plain-array road's quadratic recurrences'); else a copy into a recycled buffer."""
    first = cs[0]
    base = first.base if type(first) is np.ndarray else None
    if type(base) is np.ndarray and len(cs) > 1:
        start, size = first.ctypes.data, first.nbytes
        if all(
            type(c) is np.ndarray
            and c.base is base
            and c.dtype == first.dtype
            and c.shape == first.shape
            and c.flags.c_contiguous
            and c.ctypes.data == start + m * size
            for m, c in enumerate(cs)
        ):
            shape, strides = (len(cs),) + first.shape, (size,) + first.strides
            # writeable like the arrays it views: rules never write into their tangents (they get
            # the coefficients themselves whenever there is only one)
            return np.lib.stride_tricks.as_strided(first, shape, strides)
    if all(type(c) is np.ndarray and c.shape == first.shape and c.dtype == first.dtype for c in cs):
        # a recycled buffer: a fresh one this size is page-faulted in again at every call
        return np.stack(cs, out=pool.empty_if_big((len(cs),) + first.shape, first.dtype))
    return anp.stack(cs)


def _orders(n, m):
    """Every way to split order n among m operands."""
    return [o for o in itertools.product(range(n + 1), repeat=m) if sum(o) == n]


def multilinear(prim, ans, args, series, kwargs, tag):
    """``y_n = sum over o_1 + ... + o_m = n of prim(x1_(o_1), ..., xm_(o_m))``."""
    moving = [i for i, s in enumerate(series) if s is not None]
    if len(moving) == 1:
        return per_coefficient(prim, ans, args, series, kwargs, tag)
    out = []
    for n in range(1, tag.order + 1):
        terms = []
        for orders in _orders(n, len(moving)):
            raised = [(i, o) for i, o in zip(moving, orders) if o]
            if any(series[i][o - 1] is None for i, o in raised):
                continue  # a zero coefficient: the term vanishes
            if len(raised) == 1 and tag.nbatch:  # one batched operand: its JVP rule
                i, o = raised[0]
                terms.append(prim.rule("jvp", i)(series[i][o - 1], ans, *args, **kwargs))
                continue
            xs = list(args)
            if not tag.nbatch:
                for i, o in raised:
                    xs[i] = series[i][o - 1]
                terms.append(prim(*xs, **kwargs))
                continue
            per_direction = []
            for b in range(tag.batch[0]):
                for i, o in raised:
                    xs[i] = series[i][o - 1][b]
                per_direction.append(prim(*xs, **kwargs))
            terms.append(anp.stack(per_direction))
        out.append(ts.total(terms))
    return out


def linear_solve(prim, ans, args, series, kwargs, tag):
    """``y = solve(A, b)``: from ``A y = b``, ``y_n = solve(A_0, b_n - sum_(j>=1) A_j y_(n-j))``.

    Both terms are the JVP rules' own: b's rule is ``solve(A_0, .)`` and A's rule
    is ``-solve(A_0, . @ ans)``, given ``y_(n-j)`` in place of ``ans`` (it reads
    only its shape).  O(k^2) solves where the JVP-derived rule takes O(2^k).
    A batch of directions is solved one direction at a time.
    """
    if tag.nbatch:
        per_direction = []
        for d in range(tag.batch[0]):
            sliced = [None if s is None else [None if c is None else c[d] for c in s]
                      for s in series]  # fmt: skip
            per_direction.append(_solve_series(prim, ans, args, sliced, tag.order))
        return [
            None if all(y[n] is None for y in per_direction) else
            anp.stack([tag.zeros(ans)[0] if y[n] is None else y[n] for y in per_direction])
            for n in range(tag.order)
        ]  # fmt: skip
    return _solve_series(prim, ans, args, series, tag.order)


def _solve_series(prim, ans, args, series, k):
    sa, sb = (s or [None] * k for s in series)
    ja, jb = prim.rule("jvp", 0), prim.rule("jvp", 1)
    y = [ans]
    for n in range(1, k + 1):
        terms = [None if sb[n - 1] is None else jb(sb[n - 1], ans, *args)]
        terms += [
            ja(sa[j - 1], y[n - j], *args)
            for j in range(1, n + 1)
            if sa[j - 1] is not None and y[n - j] is not None
        ]
        y.append(ts.total(terms))
    return y[1:]


def elementwise(recurrence):
    """A native rule from ``recurrence(ans, args, full) -> [y0, ..., yk]``.

    ``full[i]`` is argument i's whole series ``[x0, x1, ...]`` (zeros as None).
    Coefficients of a lower-rank argument get size-1 axes behind the batch
    axes, so they broadcast against the others; outputs are broadcast to the
    batch axes + the output shape.
    """

    def rule(prim, ans, args, series, kwargs, tag):
        k = tag.order
        out_ndim = len(shape_of(ans))
        full = []
        for a, s in zip(args, series):
            if s is None:
                full.append([a] + [None] * k)
                continue
            xs = shape_of(getval(a))
            if tag.nbatch and len(xs) < out_ndim:
                pad = tag.batch + (1,) * (out_ndim - len(xs)) + xs
                s = [None if c is None else anp.reshape(c, pad) for c in s]
            full.append([a] + list(s))
        y = recurrence(ans, args, full, **kwargs)[1:]
        target = tag.batch + shape_of(ans)
        return [
            None if c is None else (c if shape_of(c) == target else anp.broadcast_to(c, target))
            for c in y
        ]

    rule.__name__ = recurrence.__name__
    rule.__doc__ = recurrence.__doc__
    return rule


# ---- elementwise recurrences ---------------------------------------------------------
def _one(k):
    """The constant series 1 to order k."""
    return [1.0] + [None] * k


def _tanh(ans, args, full):
    """tanh: ``w' = (1 - w^2) u'``."""
    return ts.quadratic(full[0], ans, 1.0 - ans * ans, 0, -1)


def _tan(ans, args, full):
    """tan: ``w' = (1 + w^2) u'``."""
    return ts.quadratic(full[0], ans, 1.0 + ans * ans, 0, 1)


def _sigmoid_series(a, y0):
    return ts.quadratic(a, y0, y0 - y0 * y0, 1, -1)


def _sigmoid(ans, args, full):
    """sigmoid: ``s' = (s - s^2) u'``."""
    return _sigmoid_series(full[0], ans)


def _softplus(ans, args, full):
    """softplus: ``y' = sigmoid(u) u'``."""
    a = full[0]
    return ts.integrate(a, _sigmoid_series(a[:-1], anp.sigmoid(a[0])), ans)


def _by_factor(factor):
    """``y' = p(u) u'`` with ``p`` a series computed from ``u`` alone (to order k-1)."""

    def recurrence(ans, args, full):
        a = full[0]
        return ts.integrate(a, factor(a[:-1]), ans)

    recurrence.__name__ = factor.__name__
    recurrence.__doc__ = factor.__doc__
    return recurrence


def _usq(a):
    return ts.mul(a, a)


def _inv_sqrt(s):
    return ts.div(_one(len(s) - 1), ts.sqrt(s, anp.sqrt(s[0])))


@_by_factor
def _arctan(a):
    """arctan: ``p = 1 / (1 + u^2)``."""
    return ts.div(_one(len(a) - 1), ts.shift(_usq(a), 1.0))


@_by_factor
def _arcsin(a):
    """arcsin: ``p = 1 / sqrt(1 - u^2)``."""
    return _inv_sqrt(ts.shift(ts.scale(_usq(a), -1.0), 1.0))


@_by_factor
def _arccos(a):
    """arccos: ``p = -1 / sqrt(1 - u^2)``."""
    return ts.scale(_inv_sqrt(ts.shift(ts.scale(_usq(a), -1.0), 1.0)), -1.0)


@_by_factor
def _arcsinh(a):
    """arcsinh: ``p = 1 / sqrt(u^2 + 1)``."""
    return _inv_sqrt(ts.shift(_usq(a), 1.0))


@_by_factor
def _arccosh(a):
    """arccosh: ``p = 1 / sqrt(u^2 - 1)``."""
    return _inv_sqrt(ts.shift(_usq(a), -1.0))


@_by_factor
def _arctanh(a):
    """arctanh: ``p = 1 / (1 - u^2)``."""
    return ts.div(_one(len(a) - 1), ts.shift(ts.scale(_usq(a), -1.0), 1.0))


def _small_int(p):
    if isinstance(p, (bool, np.bool_)) or not isinstance(p, (int, float, np.integer, np.floating)):
        return None
    return int(p) if float(p).is_integer() and 0 <= p <= 8 else None


def _power(ans, args, full):
    """power: repeated products for small integer exponents, else ``a y' = p y a'``;
    a traced exponent goes through ``exp(p log a)``."""
    a, b = full
    if all(c is None for c in b[1:]):
        n = _small_int(args[1])
        if n is not None:
            return ts.int_power(a, n, ans)
        return ts.power(a, args[1], ans)
    x0 = args[0]
    positive = getval(x0) > 0
    log0 = anp.log(anp.where(positive, x0, 1.0)) * np.asarray(
        positive, dtype=np.result_type(getval(ans))
    )
    la = [log0] + a[1:] if all(c is None for c in a[1:]) else ts.log(a, log0)
    return ts.exp(ts.mul(b, la), ans)


def _sin(ans, args, full):
    """sin, with cos alongside: ``s' = c u'``, ``c' = -s u'``."""
    return ts.sin_cos(full[0], ans, anp.cos(args[0]))[0]


def _cos(ans, args, full):
    """cos, with sin alongside."""
    return ts.sin_cos(full[0], anp.sin(args[0]), ans)[1]


def _sinh(ans, args, full):
    """sinh, with cosh alongside: ``s' = c u'``, ``c' = s u'``."""
    return ts.sinh_cosh(full[0], ans, anp.cosh(args[0]))[0]


def _cosh(ans, args, full):
    """cosh, with sinh alongside."""
    return ts.sinh_cosh(full[0], anp.sinh(args[0]), ans)[1]


def _scaled(recurrence, s):
    def scaled(ans, args, full):
        y = recurrence(ans, args, full)
        return [y[0]] + ts.scale(y[1:], s)

    scaled.__name__ = recurrence.__name__
    return scaled


def _exp(ans, args, full):
    """exp: ``y' = y u'``."""
    return ts.exp(full[0], ans)


def _log(ans, args, full):
    """log: ``y' = u' / u``."""
    return ts.log(full[0], ans)


def _add(ans, args, full):
    """add: coefficientwise, no copies."""
    return [ans] + [ts.total(pair) for pair in zip(full[0][1:], full[1][1:])]


def _subtract(ans, args, full):
    """subtract: coefficientwise."""
    return [ans] + [ts.total([a, ts.negated(b)]) for a, b in zip(full[0][1:], full[1][1:])]


RECURRENCES = {
    "add": _add,
    "subtract": _subtract,
    "negative": lambda ans, args, full: [ans] + [ts.negated(c) for c in full[0][1:]],
    "multiply": lambda ans, args, full: ts.mul(full[0], full[1], ans),
    "divide": lambda ans, args, full: ts.div(full[0], full[1], ans),
    "square": lambda ans, args, full: ts.mul(full[0], full[0], ans),
    "reciprocal": lambda ans, args, full: ts.div(_one(len(full[0]) - 1), full[0], ans),
    "power": _power,
    "exp": _exp,
    "exp2": lambda ans, args, full: ts.exp(ts.scale(full[0], LN2), ans),
    "expm1": lambda ans, args, full: ts.quadratic(full[0], ans, ans + 1.0, 1, 0),
    "log": _log,
    "log2": _scaled(_log, 1.0 / LN2),
    "log10": _scaled(_log, 1.0 / LN10),
    "log1p": lambda ans, args, full: ts.log(ts.shift(full[0], 1.0), ans),
    "sqrt": lambda ans, args, full: ts.sqrt(full[0], ans),
    "cbrt": lambda ans, args, full: ts.power(full[0], 1.0 / 3.0, ans),
    "sin": _sin,
    "cos": _cos,
    "tan": _tan,
    "arcsin": _arcsin,
    "arccos": _arccos,
    "arctan": _arctan,
    "sinh": _sinh,
    "cosh": _cosh,
    "tanh": _tanh,
    "arcsinh": _arcsinh,
    "arccosh": _arccosh,
    "arctanh": _arctanh,
    "sigmoid": _sigmoid,
    "softplus": _softplus,
}

# linear or piecewise-linear in every traced argument: the JVP rule per coefficient
PER_COEFFICIENT = [
    "deg2rad", "rad2deg",
    "absolute", "fabs", "maximum", "minimum", "fmax", "fmin", "where", "clip",
    "remainder", "fmod", "relu",
    "reshape", "transpose", "broadcast_to", "astype", "getitem", "scatter_add",
    "concatenate", "flip", "roll", "cumsum", "pad_zeros", "sum", "max", "min",
]  # fmt: skip
MULTILINEAR = ["matmul", "einsum"]
OTHERS = {"solve": linear_solve}


def native_rules():
    """``{primitive name: taylor rule}`` for every primitive with a native rule."""
    table = {name: elementwise(r) for name, r in RECURRENCES.items()}
    table.update({name: per_coefficient for name in PER_COEFFICIENT})
    table.update({name: multilinear for name in MULTILINEAR})
    table.update(OTHERS)
    # the later rules (more_rules, linalg_rules): new tables beside these, same kinds
    table.update({name: elementwise(r) for name, r in more_rules.RECURRENCES.items()})
    table.update(more_rules.REDUCTIONS)
    table.update({name: per_coefficient for name in more_rules.LINEAR})
    table.update(linalg_rules.RULES)
    return table


def install():
    """Attach the native rules to their primitives (``prim.variants["taylor"]``)."""
    for name, rule in native_rules().items():
        get_primitive(name).variants["taylor"] = rule
