"""What every transform shares: argnums, input checks, splitting arguments
into the differentiated leaves and the rest, and shaping results."""

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


def as_float_leaf(x, what):
    """Check a differentiated leaf is floating point; plain values become arrays."""
    value = getval(x)
    dtype = np.result_type(value)
    if dtype.kind != "f":
        kind = {
            "i": "integer",
            "u": "unsigned integer",
            "b": "boolean",
            "c": "complex",
            "O": "object",
        }.get(dtype.kind, str(dtype))
        raise TypeError(
            f"{what} has dtype {dtype} ({kind}); only floating-point inputs can be "
            "differentiated. Convert it, e.g. x.astype(float)."
        )
    return x if isinstance(x, Traced) else np.asarray(x)


class DiffArgs:
    """The positional arguments of a call, with the leaves of ``argnums`` pulled out."""

    def __init__(self, args, argnums, transform):
        self.args = list(args)
        self.argnums, self.single = normalize_argnums(argnums, len(args), transform)
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
        out, pos = [], 0
        for td, n in zip(self.treedefs, self.counts):
            out.append(tree_unflatten(td, flat[pos : pos + n]))
            pos += n
        return out[0] if self.single else tuple(out)


def match_dtype(g, like):
    """A derivative in the dtype of the input it belongs to (float32 in, float32 out)."""
    dtype = np.result_type(getval(like))
    if isinstance(g, Traced):
        if np.result_type(getval(g)) != dtype:
            return astype(g, dtype)
        return g
    g = np.asarray(g, dtype=dtype)
    if not g.flags.writeable:  # a broadcast view (sum's cotangent): give the user an array
        g = g.copy()
    return g


def zeros_like_leaf(x, batch=()):
    """A zero derivative for x (float64 where x is not floating point, e.g. an int output)."""
    v = getval(x)
    dtype = np.result_type(v)
    return np.zeros(tuple(batch) + shape_of(v), dtype=dtype if dtype.kind == "f" else np.float64)


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
        if td.kind != "f":
            raise TypeError(f"{transform}: tangent leaf {k} has non-float dtype {td} (primal {xd})")
        if xd != td:
            raise TypeError(
                f"{transform}: tangent leaf {k} has dtype {td} but its primal has dtype {xd}"
            )
        checked.append(t if not isinstance(t, (float, int)) else np.asarray(t, dtype=xd))
    return diff, checked
