"""Reverse mode: a tape recorded left to right, swept right to left.

Each operation on a ``TapeValue`` appends one entry to its tag's tape, in
execution order, so the tape is already topologically sorted: the sweep is a
plain backwards loop (no recursion; a 100 000-op chain is fine).  Adjoints
live in a list indexed like the tape; an entry's adjoint is popped when the
sweep passes it, and contributions from several consumers (a fork) add up.

Tape entry: a ``TapeEntry(prim, parents, primals, kwargs, ans)`` where
``parents`` lists ``(argnum, tape index)`` for the arguments traced by this
tag.  Leaves (the inputs) are entries with ``prim = None``.

Complex values pair bilinearly (JAX's convention): a rule's cotangent for a
complex argument is the transpose of its JVP without conjugation, and the
sweep keeps only the real part of a cotangent bound for a real argument
(one promoted into complex arithmetic, ``x * 1j``).

A cotangent may carry leading batch axes (``jacrev`` seeds all basis
cotangents at once); rules infer them from ``ndim(g) - ndim(ans)``.
"""

from typing import Any, NamedTuple

import numpy as np

from . import debug, hooks
from .primitive import NONDIFF
from .tags import Tag
from .tracer import Traced


class TapeEntry(NamedTuple):
    """One recorded operation (``prim`` None for a leaf, an input of the transform)."""

    prim: Any
    parents: Any  # ((argnum, tape index), ...) of the arguments this tag traces
    primals: Any  # the arguments with this tag's values unwrapped
    kwargs: Any
    ans: Any


# tuple.__new__ skips NamedTuple's Python-level __new__ (121 vs 338 ns per entry, timeit)
_entry = tuple.__new__


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
        tape.append(_entry(TapeEntry, (None, (), None, None, value)))
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
                    rule = prim.rule("vjp", i)
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
        tape.append(_entry(TapeEntry, (prim, parents, primals, kwargs or _EMPTY, ans)))
        return TapeValue(ans, self, len(tape) - 1)


def _is_complex(v):
    """Whether a value (array, numpy or Python number, traced value) is complex; cheap for
    plain values.  A traced value answers through its ``dtype`` -- metadata, so sparsity
    detection running underneath does not count the check as a read of its values."""
    if type(v) is np.ndarray or isinstance(v, np.generic):
        return v.dtype.kind == "c"
    if isinstance(v, Traced):
        return v.dtype.kind == "c"
    return type(v) is complex


def sweep(tape, seeds, nbatch=0, keep=False):
    """Propagate cotangents from ``seeds`` ({tape index: cotangent}) to every entry.

    Returns the adjoint list; entries that were swept are ``None`` (popped, to
    free memory as the sweep goes) unless ``keep`` (for drawing every wire's
    adjoint); leaves keep theirs.
    """
    adjoints = [None] * len(tape)
    # Invariant: p is in ``owned`` only while adjoints[p] is a plain ndarray this sweep
    # allocated (a fork's sum), so no rule, seed or user holds it and += into it is safe.
    owned = set()
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
            if type(c) is np.ndarray:
                if c.dtype.kind == "c" and not _is_complex(primals[argnum]):
                    c = c.real  # a real argument promoted into complex arithmetic
            elif _is_complex(c) and not _is_complex(primals[argnum]):
                c = hooks.real(c)
            if prim.checked or debug.every_rule:
                debug.check_vjp(prim, argnum, c, g, ans, primals[argnum])
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
