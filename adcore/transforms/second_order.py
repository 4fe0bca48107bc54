"""Second order: hessian and Hessian-vector products in all four nestings.

Because every rule is written with differentiable operations, a second
derivative is just one transform applied to another:

    fwd-over-rev   jvp of grad            (Pearlmutter's R-op on the gradient)
    rev-over-rev   vjp of grad            (H symmetric, so vjp = H v)
    rev-over-fwd   vjp of x -> (f, jvp)   (one batched sweep yields grad and Hv)
    fwd-over-fwd   jacfwd of x -> (f, jvp)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from adcore.core import getval
from adcore.core.pytree import tree_flatten
from adcore.transforms.common import check_tangents
from adcore.transforms.forward_mode import jacfwd, jvp
from adcore.transforms.reverse_mode import ReverseTrace, grad, jacrev

HVP_MODES = ("fwd-over-rev", "rev-over-rev", "rev-over-fwd", "fwd-over-fwd")


def hessian(
    f: Callable[..., Any], argnums: int | Sequence[int] = 0, holomorphic: bool = False
) -> Callable[..., Any]:
    """Full Hessian, forward-over-reverse: one batched forward pass over a reverse sweep.

    Layout ``in.shape + in.shape`` for scalar f (``out.shape + in.shape + in.shape`` in
    general); a tuple ``argnums`` gives nested tuples, block (i, j) = d2f/dx_i dx_j.
    ``holomorphic=True``: f holomorphic, complex in and out, entries d2f/dz_i dz_j.
    """
    if holomorphic:
        return jacfwd(jacrev(f, argnums, holomorphic=True), argnums, holomorphic=True)
    return jacfwd(jacrev(f, argnums), argnums)


def hvp(
    f: Callable[..., Any],
    primals: Sequence[Any],
    tangents: Sequence[Any],
    mode: str = "fwd-over-rev",
) -> tuple:
    """``(grad f(primals), H @ tangents)``; f is differentiated in all its arguments.

    With one primal the two results are arrays (pytrees) like it; with several,
    tuples with one entry per primal.
    """
    if mode not in HVP_MODES:
        raise ValueError(f"hvp: mode={mode!r}; choose one of {', '.join(HVP_MODES)}")
    check_tangents(primals, tangents, "hvp")
    primals, tangents = tuple(primals), tuple(tangents)
    every = tuple(range(len(primals)))
    unwrap = len(primals) == 1

    def directional(*p):
        return jvp(f, p, tangents)  # (f(p), D f(p)[v])

    if mode == "fwd-over-rev":
        g, hv = jvp(grad(f, every), primals, tangents)
    elif mode == "rev-over-rev":
        g, pull = _vjp_of(grad(f, every), primals)
        hv = pull(tangents)
    elif mode == "rev-over-fwd":
        trace = ReverseTrace(directional, primals, {}, every, False, "hvp")
        # one sweep with a batch of two cotangents: (1, 0) pulls back the
        # gradient, (0, 1) the directional derivative's gradient = H v
        dtypes = [np.result_type(getval(o)) for o in trace.out_leaves]
        seeds = [np.eye(2, dtype=d)[k] for k, d in enumerate(dtypes)]
        both = trace.pull(seeds, nbatch=1)  # each leaf: (2,) + shape
        trace.release()
        g = trace.diff.per_argument([b[0] for b in both])
        hv = trace.diff.per_argument([b[1] for b in both])
    else:  # fwd-over-fwd
        g, hv = jacfwd(directional, every)(*primals)
    if unwrap:
        return g[0], hv[0]
    return g, hv


def _vjp_of(fn, primals):
    trace = ReverseTrace(fn, primals, {}, tuple(range(len(primals))), False, "hvp", real=None)
    out = trace.primal_out()

    def pull(cotangent):
        leaves, _ = tree_flatten(tuple(cotangent))
        grads = trace.pull(leaves)
        trace.release()
        return trace.diff.per_argument(grads)

    return out, pull


__all__ = ["HVP_MODES", "hessian", "hvp"]
