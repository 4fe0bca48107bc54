"""Looking inside adcore while it differentiates: the tape and the dual numbers.

The reproductions compare *intermediate* values (every v_i, every tangent,
every adjoint) with the papers' tables, so they drive adcore's core directly
instead of calling ``grad``:

* ``record(f, *args)`` runs f on leaves of a fresh ``ReverseTag``; the tag's
  tape then holds one entry per primitive, in execution order.
* ``adjoints(tag, out)`` sweeps that tape with ``keep=True``, so every entry's
  adjoint survives (normally they are popped as the sweep passes them).
* ``contributions(tag, adj)`` replays the sweep's accumulation steps, one per
  (entry, parent) edge, in the order the sweep performs them.
* ``LoggingForwardTag`` is a ``ForwardTag`` that logs (primitive, primal,
  tangent) for every operation it pushes a tangent through.
"""

from __future__ import annotations

import numpy as np

from adcore.core import Dual, ForwardTag, ReverseTag, getval, sweep


def record(f, *args):
    """Run ``f`` on reverse-mode leaves: ``(tag, leaves, f's result)``."""
    tag = ReverseTag("papers.record")
    leaves = [tag.leaf(np.asarray(a, dtype=float)) for a in args]
    with tag:
        out = f(*leaves)
    return tag, leaves, out


def adjoints(tag, out, seed=None):
    """Every tape entry's adjoint of ``out`` (seeded with ones unless ``seed``)."""
    g = np.ones_like(getval(out)) if seed is None else seed
    return sweep(tag.tape, {out.index: g}, keep=True)


def contributions(tag, adj):
    """The sweep's accumulation steps: ``(child, parent, contribution, running total)``."""
    running = {}
    steps = []
    for i in range(len(tag.tape) - 1, -1, -1):
        prim, parents, primals, kwargs, ans = tag.tape[i]
        if prim is None or adj[i] is None:
            continue
        for argnum, p in parents:
            c = prim.vjps[argnum](adj[i], ans, *primals, **kwargs)
            running[p] = c if p not in running else running[p] + c
            steps.append((i, p, c, running[p]))
    return steps


class LoggingForwardTag(ForwardTag):
    """Forward mode that logs ``(primitive name, primal, tangent)`` per operation."""

    def __init__(self):
        ForwardTag.__init__(self, "papers.forward_log")
        self.log = []

    def process(self, prim, args, kwargs):
        out = ForwardTag.process(self, prim, args, kwargs)
        tangent = out.tangent if type(out) is Dual and out.tag is self else 0.0
        self.log.append((prim.name, getval(out), tangent))
        return out


def forward_log(f, primals, tangents):
    """Run ``f`` on dual numbers; return its result and the per-operation log."""
    tag = LoggingForwardTag()
    duals = [
        Dual(np.asarray(x, dtype=float), np.asarray(t, dtype=float), tag)
        for x, t in zip(primals, tangents)
    ]
    with tag:
        out = f(*duals)
    return out, tag.log
