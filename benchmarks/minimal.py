"""The floor under the per-op overhead: a bare tape and bare dual numbers.

MEASURED.md calibrates the engine's targets against these two: a minimal
reverse-mode tape (slotted boxes, a list of (parents, local partials), one
iterative sweep) and a minimal dual-number forward mode (slotted (value,
tangent) pairs).  They know only what the scalar chain needs (sin, +, *), have
no tags, no registry, no pytrees: what is left is the price of a Python object
per op.  A general engine is expected to spend about twice that.
"""

from __future__ import annotations

import types

import numpy as np

__all__ = ["tape_grad", "dual_jvp", "TAPE_OPS", "DUAL_OPS"]


class Tape:
    __slots__ = ("nodes",)

    def __init__(self):
        self.nodes = []  # node i: tuple of (parent index, local partial)

    def push(self, value, parents):
        self.nodes.append(parents)
        return Box(value, len(self.nodes) - 1, self)


class Box:
    __slots__ = ("value", "index", "tape")

    def __init__(self, value, index, tape):
        self.value = value
        self.index = index
        self.tape = tape

    def __mul__(self, c):  # by a constant: all the chain needs
        return self.tape.push(self.value * c, ((self.index, c),))

    __rmul__ = __mul__

    def __add__(self, other):
        if isinstance(other, Box):
            return self.tape.push(self.value + other.value, ((self.index, 1.0), (other.index, 1.0)))
        return self.tape.push(self.value + other, ((self.index, 1.0),))

    __radd__ = __add__


def _tape_sin(x):
    return x.tape.push(np.sin(x.value), ((x.index, np.cos(x.value)),))


def tape_grad(f, x0):
    """d f / d x at x0 by one forward recording and one backward sweep."""
    tape = Tape()
    out = f(tape.push(np.float64(x0), ()))
    adjoint = [0.0] * len(tape.nodes)
    adjoint[out.index] = 1.0
    nodes = tape.nodes
    for i in range(len(nodes) - 1, -1, -1):
        a = adjoint[i]
        if a:
            for parent, partial in nodes[i]:
                adjoint[parent] += a * partial
    return adjoint[0]


class Dual:
    __slots__ = ("value", "tangent")

    def __init__(self, value, tangent):
        self.value = value
        self.tangent = tangent

    def __mul__(self, c):
        return Dual(self.value * c, self.tangent * c)

    __rmul__ = __mul__

    def __add__(self, other):
        if isinstance(other, Dual):
            return Dual(self.value + other.value, self.tangent + other.tangent)
        return Dual(self.value + other, self.tangent)

    __radd__ = __add__


def _dual_sin(x):
    return Dual(np.sin(x.value), np.cos(x.value) * x.tangent)


def dual_jvp(f, x0, t0=1.0):
    out = f(Dual(np.float64(x0), np.float64(t0)))
    return out.value, out.tangent


TAPE_OPS = types.SimpleNamespace(sin=_tape_sin)
DUAL_OPS = types.SimpleNamespace(sin=_dual_sin)
