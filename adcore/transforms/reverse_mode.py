"""Reverse-mode transforms: vjp, grad, value_and_grad, jacrev.

Each call takes a fresh ``ReverseTag``; its tape records the function's
operations on the differentiated inputs.  The tag dies when the function
returns (later use of its values raises) and hands its tape to the trace, so
only the trace (vjp's ``vjp_fn``) keeps it alive, not a leaked traced value;
the sweep walks the tape backwards, and the tape is released with the trace.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from adcore.core import ReverseTag, TapeValue, getval, shape_of, sweep
from adcore.core.pytree import tree_flatten, tree_unflatten
from adcore.rules import shape as sh
from adcore.transforms.common import (
    DiffArgs,
    check_holomorphic_inputs,
    check_outputs,
    match_dtype,
    untraced,
    zeros_like_leaf,
)


class ReverseTrace:
    """One recorded evaluation of f: the tag, its leaves and the outputs."""

    def __init__(self, f, args, kwargs, argnums, has_aux, transform, real=True):
        """``real``: what the outputs must be (see ``check_outputs``; None for vjp)."""
        self.diff = DiffArgs(args, argnums, transform)
        if real is False:
            check_holomorphic_inputs(self.diff.leaves, transform)
        self.tag = tag = ReverseTag(transform)
        self.inputs = [tag.leaf(x) for x in self.diff.leaves]
        with tag:
            out = f(*self.diff.rebuild(self.inputs), **kwargs)
        # the tape is reachable from this trace only (vjp_fn holds it): a traced
        # value that leaked out of f keeps its tag, but not the whole tape
        self.tape, tag.tape = tag.tape, None
        self.aux = None
        if has_aux:
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise TypeError(f"{transform}(has_aux=True): f must return a pair (output, aux)")
            out, aux = out
            leaves, td = tree_flatten(aux)
            for x in leaves:
                untraced(x, tag)  # aux may hold anything, but no leaked tracer
            self.aux = tree_unflatten(td, [x.primal if self.is_mine(x) else x for x in leaves])
        self.out_leaves, self.out_treedef = tree_flatten(out)
        check_outputs(self.out_leaves, tag, transform, real=real)

    def is_mine(self, x):
        """Whether ``x`` is on this trace's tape (not a constant or another tag's value)."""
        return type(x) is TapeValue and x.tag is self.tag

    def primal_out(self):
        """f's output as plain values of this level, in f's output structure."""
        return tree_unflatten(
            self.out_treedef, [o.primal if self.is_mine(o) else o for o in self.out_leaves]
        )

    def pull(self, cotangents, nbatch=0):
        """Sweep with one cotangent per output leaf; one adjoint per input leaf."""
        seeds = {}
        for o, ct in zip(self.out_leaves, cotangents):
            if self.is_mine(o) and ct is not None:
                prev = seeds.get(o.index)
                seeds[o.index] = ct if prev is None else prev + ct
        adjoints = sweep(self.tape, seeds, nbatch) if seeds else None
        batch = shape_of(cotangents[0])[:nbatch] if nbatch else ()
        grads = []
        for x in self.inputs:
            g = adjoints[x.index] if adjoints is not None else None
            grads.append(zeros_like_leaf(x, batch) if g is None else match_dtype(g, x))
        return grads

    def release(self):
        """Drop the tape, so its intermediates are freed even while the trace object lives on."""
        self.tape = None


def vjp(f: Callable[..., Any], *primals: Any, has_aux: bool = False) -> tuple:
    """Reverse mode: ``(f(*primals), vjp_fn)``, or ``(out, vjp_fn, aux)`` with ``has_aux``.

    ``f`` runs once on traced copies of ``primals`` (pytrees of float arrays), recording a
    tape.  ``vjp_fn(cotangent)`` (``cotangent`` shaped like the output) sweeps it and returns
    a tuple with one cotangent per primal, each shaped like it; it can be called many times.
    With ``has_aux=True`` f returns ``(output, aux)`` and aux comes back untraced.

    Complex values pair bilinearly, as in JAX: ``vjp_fn(u)`` is the ``w`` with
    ``Re(sum(w * t)) == Re(sum(u * jvp(t)))`` for every tangent ``t`` (no conjugation),
    and the cotangent of a real primal is real.
    """
    trace = ReverseTrace(f, primals, {}, tuple(range(len(primals))), has_aux, "vjp", real=None)
    out = trace.primal_out()
    out_shapes = [shape_of(getval(o)) for o in trace.out_leaves]

    def vjp_fn(cotangent):
        leaves, td = tree_flatten(cotangent)
        if td != trace.out_treedef:
            raise ValueError(
                f"vjp_fn: cotangent structure {td} differs from the output structure "
                f"{trace.out_treedef}"
            )
        for k, (ct, s) in enumerate(zip(leaves, out_shapes)):
            if shape_of(getval(ct)) != s:
                raise ValueError(
                    f"vjp_fn: cotangent leaf {k} has shape {shape_of(getval(ct))} but the output "
                    f"has shape {s}"
                )
        grads = trace.pull(leaves)
        result = trace.diff.per_argument(grads)
        return result if isinstance(result, tuple) else (result,)

    if has_aux:
        return out, vjp_fn, trace.aux
    return out, vjp_fn


def _scalar_check(out, transform):
    value = getval(out)
    if isinstance(value, (bool, np.bool_)) or np.result_type(value).kind == "b":
        raise TypeError(
            f"{transform} requires f to return a real scalar; it returned a bool ({value!r}), "
            "which has no derivative"
        )
    if not np.isscalar(value) and shape_of(value) != ():
        raise TypeError(
            f"{transform} requires f to return a scalar (a float or 0-d array); it returned "
            f"shape {shape_of(value)}. Use jacrev/jacobian, or vjp with a cotangent."
        )


def value_and_grad(
    f: Callable[..., Any],
    argnums: int | Sequence[int] = 0,
    has_aux: bool = False,
    holomorphic: bool = False,
) -> Callable[..., tuple]:
    """``g(*args, **kwargs) -> (f(*args, **kwargs), df/dargs)`` by one reverse sweep.

    The gradient is like ``grad``'s.  With ``has_aux=True`` f returns
    ``(value, aux)`` and the result is ``((value, aux), grads)``.
    """

    def value_and_grad_f(*args, **kwargs):
        # real outputs, or (holomorphic) complex inputs and outputs
        trace = ReverseTrace(f, args, kwargs, argnums, has_aux, "grad", real=not holomorphic)
        if len(trace.out_leaves) != 1 or trace.out_treedef.kind is not None:
            raise TypeError(f"grad requires f to return a single scalar, got {trace.out_treedef}")
        out = trace.out_leaves[0]
        _scalar_check(out, "grad")
        seed = np.ones((), dtype=np.result_type(getval(out)))
        grads = trace.pull([seed])
        trace.release()
        value = trace.primal_out()
        result = trace.diff.per_argument(grads)
        if has_aux:
            return (value, trace.aux), result
        return value, result

    return value_and_grad_f


def grad(
    f: Callable[..., Any],
    argnums: int | Sequence[int] = 0,
    has_aux: bool = False,
    holomorphic: bool = False,
) -> Callable[..., Any]:
    """The gradient of scalar-valued f with respect to argument(s) ``argnums``.

    ``grad(f)(*args, **kwargs)`` returns df/d(args[argnums]) shaped like that argument
    (a pytree like it; float32 in, float32 out).  With a tuple ``argnums`` it returns a
    tuple of gradients in the same order (an argument named twice gets its gradient
    twice).  f must return a real scalar (a float or 0-d array): any other shape, a
    bool, complex or non-numeric output raises ``TypeError``.  Keyword arguments are
    passed through and never differentiated.

    ``has_aux=True``: f returns a pair ``(value, aux)``; value is differentiated, aux is
    returned as it is (untraced), and the result is the pair ``(grads, aux)``.

    Complex inputs (JAX's and autograd's convention): for real f of complex z = x + iy
    the gradient is ``df/dx - 1j * df/dy`` = 2 df/dz, the conjugate of the ascent
    direction (``grad(lambda z: abs(z) ** 2)(z) == 2 * conj(z)``; step along
    ``conj(grad)`` to descend).  ``holomorphic=True``: f is holomorphic, inputs and output
    complex, and the result is the complex derivative f'(z).
    """
    vg = value_and_grad(f, argnums, has_aux, holomorphic)

    def grad_f(*args, **kwargs):
        (value_aux, g) = vg(*args, **kwargs)
        return (g, value_aux[1]) if has_aux else g

    return grad_f


def basis_blocks(leaves, dtype_of):
    """Unit vectors of the flattened leaves, split per leaf: blocks of shape (n,) + leaf shape."""
    shapes = [shape_of(getval(x)) for x in leaves]
    sizes = [int(np.prod(s, dtype=np.int64)) for s in shapes]
    n = int(np.sum(sizes, dtype=np.int64))
    if len(leaves) == 1:
        return [np.eye(n, dtype=dtype_of(leaves[0])).reshape((n,) + shapes[0])], shapes, sizes
    blocks, start = [], 0
    for x, s, k in zip(leaves, shapes, sizes):
        block = np.zeros((n, k), dtype=dtype_of(x))
        block[start : start + k] = np.eye(k, dtype=block.dtype)
        blocks.append(block.reshape((n,) + s))
        start += k
    return blocks, shapes, sizes


def jacrev(
    f: Callable[..., Any], argnums: int | Sequence[int] = 0, holomorphic: bool = False
) -> Callable[..., Any]:
    """Jacobian by reverse mode: all basis cotangents pulled back in one batched sweep.

    Layout ``out.shape + in.shape`` per (output leaf, input leaf): the output's pytree
    with, at each leaf, the per-argument structure of ``argnums`` (as in ``grad``).
    Outputs must be real (complex inputs get ``grad``'s convention), or, with
    ``holomorphic=True``, inputs and outputs complex: then entry (i, j) is df_i/dz_j.
    """

    def jacrev_f(*args, **kwargs):
        trace = ReverseTrace(f, args, kwargs, argnums, False, "jacrev", real=not holomorphic)
        outs = trace.out_leaves
        blocks, out_shapes, out_sizes = basis_blocks(
            outs, lambda o: np.result_type(getval(o), np.float32)
        )
        grads = trace.pull(blocks, nbatch=1)  # each (m,) + in_shape
        trace.release()
        in_shapes = [shape_of(getval(x)) for x in trace.inputs]
        per_out, start = [], 0
        for s, k in zip(out_shapes, out_sizes):
            rows = [sh.reshape(g[start : start + k], s + ins) for g, ins in zip(grads, in_shapes)]
            per_out.append(trace.diff.per_argument(rows))
            start += k
        return tree_unflatten(trace.out_treedef, per_out)

    return jacrev_f
