"""Forward-mode transforms: jvp and jacfwd.

Each call takes a fresh ``ForwardTag``: the inputs become dual numbers
(primal, tangent, tag) and every primitive pushes tangents left to right.
jacfwd pushes all n basis tangents at once, as one tangent with a leading
batch axis of length n.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from adcore.core import Dual, ForwardTag, getval, shape_of
from adcore.core.pytree import tree_flatten, tree_unflatten
from adcore.rules import shape as sh
from adcore.transforms.common import (
    HOLOMORPHIC_HINT,
    DiffArgs,
    check_holomorphic_inputs,
    check_outputs,
    check_tangents,
    match_dtype,
    zeros_like_leaf,
)
from adcore.transforms.reverse_mode import basis_blocks


def push(f, diff, tangents, kwargs, nbatch, transform):
    """One forward pass: the leaves of diff carry ``tangents`` (``nbatch`` leading axes)."""
    tag = ForwardTag(transform, nbatch)
    duals = [Dual(x, t, tag) for x, t in zip(diff.leaves, tangents)]
    with tag:
        out = f(*diff.rebuild(duals), **kwargs)
    leaves, treedef = tree_flatten(out)
    check_outputs(leaves, tag, transform)
    batch = shape_of(tangents[0])[:nbatch] if nbatch and tangents else ()
    primals, tangents_out = [], []
    for o in leaves:
        if type(o) is Dual and o.tag is tag:
            primals.append(o.primal)
            tangents_out.append(o.tangent)
        else:
            primals.append(o)
            tangents_out.append(zeros_like_leaf(o, batch))
    return leaves, treedef, primals, tangents_out


def _real_inputs(leaves):
    for k, x in enumerate(leaves):
        dtype = np.result_type(getval(x))
        if dtype.kind == "c":
            raise TypeError(
                f"jacfwd requires real-valued inputs, but input leaf {k} has dtype {dtype}. "
                + HOLOMORPHIC_HINT.replace("outputs, use vjp", "inputs, use jvp")
            )


def jvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple:
    """Forward mode: ``(f(*primals), J @ tangents)`` in one left-to-right pass.

    ``primals`` and ``tangents`` are tuples with one entry per argument of f; each
    tangent matches its primal's structure, shape and (float or complex) dtype.  The output
    tangent has the output's structure (zeros where the output does not depend
    on the inputs).
    """
    diff, checked = check_tangents(primals, tangents, "jvp")
    _, treedef, outs, touts = push(f, diff, checked, {}, 0, "jvp")
    return tree_unflatten(treedef, outs), tree_unflatten(treedef, touts)


def jacfwd(
    f: Callable[..., Any], argnums: int | Sequence[int] = 0, holomorphic: bool = False
) -> Callable[..., Any]:
    """Jacobian by forward mode: all basis tangents pushed in one batched pass.

    Layout ``out.shape + in.shape`` per (output leaf, input leaf): the output's pytree
    with, at each leaf, the per-argument structure of ``argnums`` (as in ``grad``).
    Inputs must be real (outputs may be complex), or, with ``holomorphic=True``, inputs
    and outputs complex: then entry (i, j) is df_i/dz_j.
    """

    def jacfwd_f(*args, **kwargs):
        diff = DiffArgs(args, argnums, "jacfwd")
        if holomorphic:
            check_holomorphic_inputs(diff.leaves, "jacfwd")
        else:
            _real_inputs(diff.leaves)
        blocks, in_shapes, in_sizes = basis_blocks(diff.leaves, lambda x: np.result_type(getval(x)))
        leaves, treedef, primals, touts = push(f, diff, blocks, kwargs, 1, "jacfwd")
        if holomorphic:
            check_outputs(primals, None, "jacfwd", real=False)
        per_out = []
        for o, t in zip(leaves, touts):
            out_shape = shape_of(getval(o))
            t = sh.moveaxis(t, 0, -1)  # out_shape + (n,)
            cols, start = [], 0
            for x, s, k in zip(diff.leaves, in_shapes, in_sizes):
                block = t[..., start : start + k] if len(diff.leaves) > 1 else t
                cols.append(match_dtype(sh.reshape(block, out_shape + s), x))
                start += k
            per_out.append(diff.per_argument(cols))
        return tree_unflatten(treedef, per_out)

    return jacfwd_f
