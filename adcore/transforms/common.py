"""What every transform shares: argnums, input checks, splitting arguments
into the differentiated leaves and the rest, and shaping results."""

import numbers

import numpy as np

from adcore.core import Traced, getval, shape_of
from adcore.core.pytree import tree_flatten, tree_unflatten
from adcore.rules.shape import astype


def normalize_argnums(argnums, nargs, transform):
    """``(positions, single)``: argnums checked against the call and made non-negative.

    ``single`` is True for an int (the result is unwrapped), False for a tuple.
    """
    single = isinstance(argnums, (int, np.integer))
    if not single and not (
        isinstance(argnums, (tuple, list))
        and all(isinstance(a, (int, np.integer)) for a in argnums)
    ):
        raise TypeError(f"{transform}: argnums must be an int or a tuple of ints, got {argnums!r}")
    nums = (int(argnums),) if single else tuple(int(a) for a in argnums)
    if not nums:
        raise ValueError(f"{transform}: argnums is empty")
    for a in nums:
        if not -nargs <= a < nargs:
            raise ValueError(
                f"{transform}: argnums={argnums!r} is out of range for a call with {nargs} "
                "positional argument(s)"
            )
    return tuple(a % nargs for a in nums), single


def _is_numeric(value):
    return isinstance(value, (np.ndarray, np.generic, numbers.Number))


def _numeric_tree(x):
    """A number or array, or (the output of a multi-output primitive) a tuple of them."""
    if isinstance(x, (tuple, list)):
        return all(_numeric_tree(e) for e in x)
    return _is_numeric(x)


def _describe(x):
    text = repr(x)
    return f"{type(x).__name__} {text if len(text) <= 40 else text[:37] + '...'}"


def as_float_leaf(x, what):
    """Check a differentiated leaf is floating point or complex; plain values become arrays."""
    value = getval(x)
    if not _is_numeric(value):
        raise TypeError(
            f"{what} is a {_describe(value)}; transforms differentiate floating-point arrays "
            "and numbers (and tuples, lists and dicts of them)"
        )
    dtype = np.result_type(value)
    if dtype.kind not in "fc":
        kind = {
            "i": "integer",
            "u": "unsigned integer",
            "b": "boolean",
            "O": "object",
        }.get(dtype.kind, str(dtype))
        raise TypeError(
            f"{what} has dtype {dtype} ({kind}); only floating-point and complex inputs can "
            "be differentiated. Convert it, e.g. x.astype(float)."
        )
    return x if isinstance(x, Traced) else np.asarray(x)


class DiffArgs:
    """The positional arguments of a call, with the leaves of ``argnums`` pulled out.

    An argument named twice (``argnums=(0, 0)`` or ``(0, -2)``) is traced once and
    its derivative returned in both places, as JAX does.
    """

    def __init__(self, args, argnums, transform):
        self.args = list(args)
        self.requested, self.single = normalize_argnums(argnums, len(args), transform)
        self.argnums = tuple(dict.fromkeys(self.requested))  # each traced argument once
        self.treedefs = []
        self.leaves = []  # flat list over all differentiated arguments
        self.counts = []
        for a in self.argnums:
            leaves, td = tree_flatten(args[a])
            where = f"{transform}: argument {a}"
            leaves = [
                as_float_leaf(x, where if td.kind is None else f"{where} (leaf {k})")
                for k, x in enumerate(leaves)
            ]
            self.treedefs.append(td)
            self.counts.append(len(leaves))
            self.leaves.extend(leaves)

    def rebuild(self, new_leaves):
        """The argument list with the differentiated leaves replaced."""
        args = list(self.args)
        pos = 0
        for a, td, n in zip(self.argnums, self.treedefs, self.counts):
            args[a] = tree_unflatten(td, new_leaves[pos : pos + n])
            pos += n
        return args

    def per_argument(self, flat):
        """Group a flat list (one per leaf) into argnums' structure."""
        by_arg, pos = {}, 0
        for a, td, n in zip(self.argnums, self.treedefs, self.counts):
            by_arg[a] = tree_unflatten(td, flat[pos : pos + n])
            pos += n
        if self.single:
            return by_arg[self.requested[0]]
        out, seen = [], set()
        for a in self.requested:
            # a repeated argument gets its own copy: the caller may write into either
            out.append(by_arg[a] if a not in seen else _copy_tree(by_arg[a]))
            seen.add(a)
        return tuple(out)


def _copy_tree(tree):
    leaves, td = tree_flatten(tree)
    return tree_unflatten(td, [x.copy() if type(x) is np.ndarray else x for x in leaves])


def untraced(x, tag):
    """The value under ``x``'s tracing; raises ``LeakedTracerError`` if any level of it
    belongs to a dead tag other than ``tag`` (whose transform is just returning)."""
    while isinstance(x, Traced):
        if x.tag is not tag and not x.tag.alive:
            raise x.tag.dead_error()
        x = x.primal
    return x


HOLOMORPHIC_HINT = (
    "For holomorphic differentiation, pass holomorphic=True. For differentiation of "
    "non-holomorphic functions involving complex outputs, use vjp directly."
)


def check_holomorphic_inputs(leaves, transform):
    """``holomorphic=True`` needs complex inputs (as in JAX): a real one is a mistake."""
    for k, x in enumerate(leaves):
        dtype = np.result_type(getval(x))
        if dtype.kind != "c":
            raise TypeError(
                f"{transform} with holomorphic=True requires complex inputs, but input leaf "
                f"{k} has dtype {dtype}"
            )


def check_outputs(leaves, tag, transform, real=None):
    """Check the output leaves of the function a transform with ``tag`` traced.

    A value of a *dead* tag (an inner transform's traced value leaked out through
    a global or closure and returned) raises ``LeakedTracerError``: treating it as
    a constant would give zeros.  Non-numeric leaves (None, strings) raise
    ``TypeError``; so do complex ones when ``real`` is True (grad and jacrev seed
    real cotangents, which would drop the imaginary part), and real ones when
    ``real`` is False (``holomorphic=True`` promises complex outputs); ``real=None``
    accepts both.
    """
    for k, o in enumerate(leaves):
        x = untraced(o, tag)
        where = f"{transform}: output" + (f" leaf {k}" if len(leaves) > 1 else "")
        if not _numeric_tree(x):
            raise TypeError(
                f"{where} is a {_describe(x)}; the function must return arrays or numbers "
                "(or tuples, lists and dicts of them)"
            )
        if real and np.iscomplexobj(x):
            raise TypeError(
                f"{where} has complex dtype {np.result_type(x)}; {transform} requires "
                f"real-valued outputs. {HOLOMORPHIC_HINT}"
            )
        if real is False and not np.iscomplexobj(x):
            raise TypeError(
                f"{where} has dtype {np.result_type(x)}; {transform} with holomorphic=True "
                "requires complex outputs"
            )


def match_dtype(g, like):
    """A derivative in the dtype of the input it belongs to (float32 in, float32 out).

    A complex derivative of a real input stays complex (jacfwd of a complex-valued
    function), in the input's precision: reverse mode has already taken the real
    part of a real input's cotangent.
    """
    dtype = np.result_type(getval(like))
    if dtype.kind != "c" and np.iscomplexobj(getval(g)):
        dtype = np.result_type(dtype, np.complex64)
    if isinstance(g, Traced):
        if np.result_type(getval(g)) != dtype:
            return astype(g, dtype)
        return g
    if not isinstance(g, (np.ndarray, np.generic)) and hasattr(g, "__array_ufunc__"):
        # a duck array (adcore.compile's watched numbers, built from recorded values):
        # converted by its own method, which records the conversion; np.asarray would
        # take the data out and guard on it
        return g if g.dtype == dtype else g.astype(dtype)
    g = np.asarray(g, dtype=dtype)
    if not g.flags.writeable:  # a broadcast view (sum's cotangent): give the user an array
        g = g.copy()
    return g


def zeros_like_leaf(x, batch=()):
    """A zero derivative for x (float64 where x is not inexact, e.g. an int output)."""
    v = getval(x)
    dtype = np.result_type(v)
    return np.zeros(tuple(batch) + shape_of(v), dtype=dtype if dtype.kind in "fc" else np.float64)


def check_tangents(primals, tangents, transform):
    """``DiffArgs`` of ``primals`` and the tangent leaves, which must match the primals'
    structure, shapes and dtypes (the error names both sides)."""
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError(
            f"{transform}: primals and tangents must be tuples (one entry per argument of f)"
        )
    if len(primals) != len(tangents):
        raise ValueError(
            f"{transform}: {len(primals)} primal argument(s) but {len(tangents)} tangent "
            "argument(s)"
        )
    diff = DiffArgs(tuple(primals), tuple(range(len(primals))), transform)
    t_leaves, t_def = tree_flatten(tuple(tangents))
    p_def = tree_flatten(tuple(primals))[1]
    if t_def != p_def:
        raise ValueError(
            f"{transform}: tangent structure {t_def} differs from primal structure {p_def}"
        )
    checked = []
    for k, (x, t) in enumerate(zip(diff.leaves, t_leaves)):
        xs, ts = shape_of(getval(x)), shape_of(getval(t))
        if xs != ts:
            raise ValueError(
                f"{transform}: tangent leaf {k} has shape {ts} but its primal has shape {xs}"
            )
        xd, td = np.result_type(getval(x)), np.result_type(getval(t))
        if td.kind not in "fc":
            raise TypeError(f"{transform}: tangent leaf {k} has non-float dtype {td} (primal {xd})")
        if xd != td:
            raise TypeError(
                f"{transform}: tangent leaf {k} has dtype {td} but its primal has dtype {xd}"
            )
        checked.append(t if not isinstance(t, (float, int)) else np.asarray(t, dtype=xd))
    return diff, checked
