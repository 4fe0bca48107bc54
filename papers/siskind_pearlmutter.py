"""Siskind & Pearlmutter: perturbation confusion in nested forward mode.

The papers' example is

    d/dx [ x * (d/dy (x + y))|_{y=1} ]  at x = 1

The inner derivative is 1 for every x, so the whole expression is d/dx x = 1.
A forward mode whose dual numbers carry no tag cannot tell the inner
derivative's perturbation (of y) from the outer one's (of x): inside the inner
call, x + y carries both, the inner derivative reads 2, and the answer is 2.

``UntaggedDual`` below is that broken forward mode, built here on purpose
(adcore has no such thing).  adcore's duals carry ordered tags (see
``adcore.core.tags``), so every nesting of its transforms answers 1.
"""

from __future__ import annotations

import adcore
from papers.claims import Section, printed

SOURCE = (
    "J. M. Siskind, B. A. Pearlmutter, 'Perturbation confusion and referential "
    "transparency: correct functional implementation of forward-mode AD', IFL 2005; "
    "and 'Nesting forward-mode AD in a functional framework', Higher-Order and "
    "Symbolic Computation 21(4):361-376, 2008"
)
CITE = "Siskind & Pearlmutter 2005/2008, the introductory example"


class UntaggedDual:
    """x + x' eps with a single, shared eps: no way to tell nested derivatives apart."""

    __slots__ = ("primal", "tangent")

    def __init__(self, primal, tangent):
        self.primal = primal
        self.tangent = tangent

    @staticmethod
    def lift(a):
        return a if isinstance(a, UntaggedDual) else UntaggedDual(a, 0.0)

    def __add__(self, other):
        other = UntaggedDual.lift(other)
        return UntaggedDual(self.primal + other.primal, self.tangent + other.tangent)

    __radd__ = __add__

    def __mul__(self, other):
        other = UntaggedDual.lift(other)
        return UntaggedDual(
            self.primal * other.primal,
            self.primal * other.tangent + self.tangent * other.primal,
        )

    __rmul__ = __mul__


def untagged_derivative(f, x):
    """d/dx f(x) with the untagged dual numbers above."""
    out = f(UntaggedDual(x, 1.0))
    return out.tangent if isinstance(out, UntaggedDual) else 0.0


def confused(x0):
    return untagged_derivative(lambda x: x * untagged_derivative(lambda y: x + y, 1.0), x0)


def derivative_fwd(f, x):
    return adcore.jvp(f, (x,), (1.0,))[1]


def nested_fwd(x0):
    return derivative_fwd(lambda x: x * derivative_fwd(lambda y: x + y, 1.0), x0)


def nested_rev(x0):
    return adcore.grad(lambda x: x * adcore.grad(lambda y: x + y)(1.0))(x0)


def nested_fwd_over_rev(x0):
    return derivative_fwd(lambda x: x * adcore.grad(lambda y: x + y)(1.0), x0)


def nested_rev_over_fwd(x0):
    return adcore.grad(lambda x: x * derivative_fwd(lambda y: x + y, 1.0))(x0)


def run(quick=False):
    s = Section("siskind_pearlmutter", "Siskind & Pearlmutter: perturbation confusion", SOURCE)
    s.notes.append(
        "The untagged dual numbers are a deliberately broken forward mode defined in "
        "papers/siskind_pearlmutter.py (not in adcore); they reproduce the wrong answer 2. "
        "adcore's dual numbers carry ordered tags, and every nesting of its transforms "
        "gives 1."
    )
    for x0 in (1.0, -2.5, 7.0):
        s.add(printed(f"adcore nested jvp at x = {x0:g}", nested_fwd(x0), 1, 0, CITE))
        s.add(
            printed(
                f"untagged toy duals at x = {x0:g} (the bug)",
                confused(x0),
                2,
                0,
                CITE,
                note="the wrong answer the paper describes",
            )
        )
    for name, fn in (
        ("grad of grad", nested_rev),
        ("jvp of grad", nested_fwd_over_rev),
        ("grad of jvp", nested_rev_over_fwd),
    ):
        s.add(printed(f"adcore nested {name} at x = 1", fn(1.0), 1, 0, CITE))
    return s
