"""Reverse mode: a tape recorded left to right, swept right to left.

Each operation on a ``TapeValue`` appends one entry to its tag's tape, in
execution order, so the tape is already topologically sorted: the sweep is a
plain backwards loop (no recursion; a 100 000-op chain is fine).  Adjoints
live in a list indexed like the tape; an entry's adjoint is popped when the
sweep passes it, and contributions from several consumers (a fork) add up.

Tape entry: ``(prim, parents, primals, kwargs, ans)`` where ``parents`` is a
tuple of ``(argnum, tape index)`` for the arguments traced by this tag.
Leaves (the inputs) are entries with ``prim = None``.

A cotangent may carry leading batch axes (``jacrev`` seeds all basis
cotangents at once); rules infer them from ``ndim(g) - ndim(ans)``.
"""

import numpy as np

from . import hooks
from .primitive import NONDIFF
from .tags import Tag
from .tracer import Traced


class TapeValue(Traced):
    """A reverse-mode value: the primal, the tag whose tape recorded it, its index there."""

    __slots__ = ("index",)

    def __init__(self, primal, tag, index):
        self.primal = primal
        self.tag = tag
        self.index = index


_EMPTY = {}


class ReverseTag(Tag):
    """One reverse-mode transform call and the tape its operations append to."""

    __slots__ = ("tape",)

    def __init__(self, transform="grad"):
        Tag.__init__(self, transform)
        self.tape = []

    def leaf(self, value):
        """Put an input on the tape (an entry with no primitive) and return it traced."""
        tape = self.tape
        tape.append((None, (), None, None, value))
        return TapeValue(value, self, len(tape) - 1)

    def process(self, prim, args, kwargs):
        """Apply ``prim`` one level down; record it if an argument is differentiated by this tag."""
        if not self.alive:
            raise self.dead_error()
        primals = list(args)
        parents = []
        vjps = prim.vjps
        nested = False  # does anything still carry an older tag?
        for i, a in enumerate(args):
            if type(a) is TapeValue and a.tag is self:
                rule = vjps.get(i)
                if rule is None:
                    raise prim.missing("vjp", i)
                primals[i] = a.primal
                if rule is not NONDIFF:
                    parents.append((i, a.index))
                a = a.primal
            if isinstance(a, Traced):
                nested = True
        ans = prim(*primals, **kwargs) if nested else prim.impl(*primals, **kwargs)
        if not parents:
            return ans
        tape = self.tape
        tape.append((prim, parents, primals, kwargs or _EMPTY, ans))
        return TapeValue(ans, self, len(tape) - 1)


def sweep(tape, seeds, nbatch=0, keep=False):
    """Propagate cotangents from ``seeds`` ({tape index: cotangent}) to every entry.

    Returns the adjoint list; entries that were swept are ``None`` (popped, to
    free memory as the sweep goes) unless ``keep`` (for drawing every wire's
    adjoint); leaves keep theirs.
    """
    adjoints = [None] * len(tape)
    owned = set()  # indices whose adjoint buffer was allocated here (safe to += into)
    for index, g in seeds.items():
        adjoints[index] = g
    for i in range(len(tape) - 1, -1, -1):
        g = adjoints[i]
        if g is None:
            continue
        prim, parents, primals, kwargs, ans = tape[i]
        if prim is None:
            continue
        if not keep:
            adjoints[i] = None
        vjps = prim.vjps
        loop = nbatch and not prim.vjp_batched
        for argnum, p in parents:
            rule = vjps[argnum]
            if loop:
                c = hooks.stack([rule(gk, ans, *primals, **kwargs) for gk in g])
            else:
                c = rule(g, ans, *primals, **kwargs)
            a = adjoints[p]
            if a is None:
                adjoints[p] = c
            elif p in owned and type(c) is np.ndarray and c.shape == a.shape and c.dtype == a.dtype:
                a += c
            else:
                a = hooks.add(a, c)
                adjoints[p] = a
                if type(a) is np.ndarray and not isinstance(c, Traced):
                    owned.add(p)
                else:
                    owned.discard(p)  # now traced: never += into it
    return adjoints
