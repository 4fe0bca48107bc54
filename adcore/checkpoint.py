"""checkpoint: trade compute for memory by recomputing a block in the sweep.

Reverse mode keeps every intermediate of the forward pass on the tape until
the sweep reaches it, so a chain of n steps holds n states at its peak.
``checkpoint(f)`` turns a call of f into a *single* tape entry that keeps
only f's inputs and output; the sweep re-runs f (recording it on a short,
throwaway tape) when it needs f's pullback:

    step = adcore.checkpoint(block)        # block: k steps of the chain
    h = x
    for _ in range(n // k):
        h = step(h)                        # the tape holds one entry per block

With k = sqrt(n) blocks of sqrt(n) steps the peak is about 2 sqrt(n) states
(the block boundaries, plus one block being recomputed) instead of n, for
one extra forward pass.

How: each ``checkpoint(f)`` is a ``Primitive`` whose implementation runs f on
plain values (nothing is recorded), whose VJP runs f again under a fresh
reverse trace and pulls the cotangent back through it, and whose JVP is the
forward mode of f.  Those rules are themselves differentiable (they are
ordinary traced computations), so checkpointed code nests to any order.

Rules of use: the differentiated values must be positional arguments (any
pytree of float arrays); f may close over plain constants but not over traced
values of an enclosing transform; keyword arguments are passed unchanged and
never differentiated.  Outputs may be any pytree of float arrays.
"""

import functools

import numpy as np

from adcore.core import Primitive, Traced, defrule_factories, getval, shape_of
from adcore.core.pytree import LEAF, tree_flatten, tree_unflatten
from adcore.rules import shape as sh
from adcore.transforms.forward_mode import jvp
from adcore.transforms.reverse_mode import ReverseTrace


def checkpoint(f):
    """``f`` with its intermediates recomputed in the reverse sweep instead of stored."""
    name = getattr(f, "__name__", "f")
    prim = Primitive(_run, name=f"checkpoint({name})", family="checkpoint", register=False)
    defrule_factories(prim, jvp=_tangent_rule, vjp=_pullback_rule)  # f's arity varies per call
    prim.jvp_batched = False  # the engine loops jacfwd's directions over f's jvp
    prim.vjp_batched = True  # one recomputation serves a whole batch of cotangents
    prim.meta.update(kind="checkpoint", fn=f)

    @functools.wraps(f)
    def checkpointed(*args, **kwargs):
        for leaf in tree_flatten(kwargs)[0]:
            if isinstance(leaf, Traced):
                raise TypeError(
                    f"checkpoint({name}): keyword arguments are not differentiated; pass traced "
                    "values as positional arguments"
                )
        call = _Call(f, name, args, kwargs)
        arrays, call.arrays = call.arrays, None  # the tape must not hold them via call
        return call.unpack(prim(*arrays, call=call))

    checkpointed.primitive = prim
    return checkpointed


def _is_array(x):
    """Float arrays and traced values are f's differentiable inputs; the rest is static."""
    if isinstance(x, Traced):
        return True
    return isinstance(x, (np.ndarray, np.floating)) and np.result_type(x).kind == "f"


class _Call:
    """One call of a checkpointed f: its static arguments and the shape of its output.

    It rides on the tape entry (as the primitive's ``call`` keyword), so it
    must not hold the traced inputs themselves: only their positions.
    """

    def __init__(self, f, name, args, kwargs):
        self.f, self.name, self.kwargs = f, name, kwargs
        leaves, self.treedef = tree_flatten(tuple(args))
        self.where = [k for k, x in enumerate(leaves) if _is_array(x)]
        self.arrays = [leaves[k] for k in self.where]
        self.static = [None if k in self.where else x for k, x in enumerate(leaves)]
        self.out_treedef = None
        self.out_shapes = self.out_dtypes = ()
        self.cache = None  # (cotangent seed, cotangent per input), see cotangents()

    def flat(self, *arrays):
        """f on the differentiable inputs alone; a pytree output is packed into one vector."""
        leaves = list(self.static)
        for k, x in zip(self.where, arrays):
            leaves[k] = x
        out = self.f(*tree_unflatten(self.treedef, leaves), **self.kwargs)
        outs, self.out_treedef = tree_flatten(out)
        self.out_shapes = [shape_of(getval(o)) for o in outs]
        self.out_dtypes = [np.result_type(getval(o)) for o in outs]
        for k, d in enumerate(self.out_dtypes):
            if d.kind != "f":
                raise TypeError(
                    f"checkpoint({self.name}): output leaf {k} has dtype {d}; a checkpointed "
                    "function must return floating-point arrays"
                )
        if self.out_treedef == LEAF:
            return out
        return sh.concatenate([sh.ravel(o) for o in outs], axis=0)

    def unpack(self, packed):
        if self.out_treedef == LEAF:
            return packed
        leaves, start = [], 0
        for s, d in zip(self.out_shapes, self.out_dtypes):
            size = int(np.prod(s, dtype=np.int64))
            leaf = sh.reshape(sh.getitem(packed, slice(start, start + size)), s)
            if np.result_type(getval(leaf)) != d:
                leaf = sh.astype(leaf, d)
            leaves.append(leaf)
            start += size
        return tree_unflatten(self.out_treedef, leaves)

    def cotangents(self, g, ans, arrays, argnum):
        """Cotangent of input ``argnum``: re-run f on a fresh tape and sweep it with ``g``.

        The sweep asks for each traced input in turn with the same ``g``; one
        recomputation serves them all, and each answer is dropped once given.
        """
        if self.cache is None or self.cache[0] is not g or self.cache[1][argnum] is None:
            nbatch = len(shape_of(g)) - len(shape_of(ans))
            trace = ReverseTrace(
                self.flat, arrays, {}, tuple(range(len(arrays))), False, "checkpoint"
            )
            self.cache = (g, trace.pull([g], nbatch=nbatch))
            trace.release()
        per_input = self.cache[1]
        c = per_input[argnum]
        for k in range(argnum + 1):
            per_input[k] = None  # the sweep asks in increasing order; these are done
        return c


def _run(*arrays, call):
    out = call.flat(*arrays)
    if isinstance(out, Traced):
        raise TypeError(
            f"checkpoint({call.name}): the function closes over a value traced by "
            f"{out.tag.transform}(); pass that value as a positional argument instead"
        )
    return out


def _pullback_rule(i):
    def checkpoint_pullback(g, ans, *arrays, call):
        return call.cotangents(g, ans, arrays, i)

    return checkpoint_pullback


def _tangent_rule(i):
    def checkpoint_tangent(g, ans, *arrays, call):
        tangents = [
            g if k == i else np.zeros(shape_of(getval(x)), np.result_type(getval(x)))
            for k, x in enumerate(arrays)
        ]
        return jvp(call.flat, tuple(arrays), tuple(tangents))[1]

    return checkpoint_tangent


__all__ = ["checkpoint"]
