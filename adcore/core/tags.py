"""Tags: which transform a traced value belongs to, and in what nesting order.

Every call of a transform (``jvp``, ``grad``, ``vjp`` ...) takes a fresh tag.
Tags are ordered by ``level``, drawn from a process-wide counter, so a tag
created inside another transform's function is always *newer* (higher) than
that transform's tag.  A primitive applied to traced values is handled by the
newest tag among its arguments; the tag unwraps its own values, re-applies
the primitive to what is left (which may still hold values of older tags, so
the call re-dispatches outward), and wraps the answer again.

Worked example, perturbation confusion ``d/dx [x * d/dy (x + y)]`` at x=1:

    outer jvp:  tag A (level 1),  x = Dual(1, 1, A)
    inner jvp:  tag B (level 2),  y = Dual(y0, 1, B)
    x + y    -> newest tag is B: unwrap y, compute x + y0 at level A
                (a Dual of A), tangent for B = 1 (x carries no B tangent)
    inner result's B-tangent = 1, a constant: B is now dead
    x * 1    -> Dual(1, 1, A): the answer is 1, as it must be.

Without tags the inner derivative would also see x's perturbation and answer 2.

``itertools.count`` is atomic under the GIL, so tags from concurrent threads
never collide; no other trace state is global.
"""

import itertools

_next_level = itertools.count(1).__next__


class Tag:
    """One activation of a transform. Subclasses implement ``process``."""

    __slots__ = ("level", "alive", "transform")

    def __init__(self, transform):
        self.level = _next_level()
        self.alive = True
        self.transform = transform

    def dead_error(self):
        """The LeakedTracerError for a value of this tag used after its transform returned."""
        return LeakedTracerError(
            f"a value traced by {self.transform}() was used after that {self.transform}() "
            "returned (a leaked tracer). Return derivatives from the transformed function "
            "instead of storing traced values outside it."
        )

    def process(self, prim, args, kwargs):  # pragma: no cover - abstract
        """Handle ``prim`` applied to ``args``, some of which carry this tag."""
        raise NotImplementedError


class LeakedTracerError(RuntimeError):
    """A traced value outlived the transform that created it."""
