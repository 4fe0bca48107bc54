"""Test specifications for the registry-driven checks.

Every registered primitive needs cases here (or in a family's spec module):
``test_registry.py`` fails for a primitive without one, so a new primitive is
covered by being registered plus one line of spec.

A case: ``args`` lists the positional arguments; a shape tuple stands for a
random float array that is differentiated, ``Const(v)`` for a value passed
as is.  ``kwargs`` are passed through; ``domain`` bounds the random values.
``wrap(prim, *args, **kwargs)``, when given, is what the checks differentiate
instead of ``prim(*args, **kwargs)``: a real-to-real frame around a primitive
with complex inputs or outputs (the FFTs).
Elementwise primitives get their cases generated from ``prim.meta``.
"""

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Const:
    value: object


@dataclass
class Case:
    args: list
    kwargs: dict = field(default_factory=dict)
    domain: object = (-2.0, 2.0)  # one (lo, hi) for all, or a list per argument
    wrap: object = None  # wrap(prim, *args, **kwargs) replaces prim(*args, **kwargs)

    def __repr__(self):
        shown = [a if isinstance(a, tuple) else "const" for a in self.args]
        return f"Case({shown}, {self.kwargs})"


def _rng_bool(shape, seed=7):
    return np.random.default_rng(seed).random(shape) > 0.5


UNARY_SHAPES = [(), (3,), (2, 3)]
BINARY_SHAPES = [
    ((), ()),
    ((3,), ()),
    ((), (2, 3)),
    ((2, 3), (3,)),
    ((2, 1), (1, 3)),
    ((2, 3), (2, 3)),
]


def elementwise_cases(prim):
    arity = prim.meta["arity"]
    domain = prim.meta.get("domain") or (-2.0, 2.0)
    if prim.name == "where":
        return [
            Case([Const(_rng_bool((2, 3))), (2, 3), (2, 3)]),
            Case([Const(_rng_bool((3,))), (2, 3), ()]),
        ]
    if prim.name == "clip":
        return [
            Case([(2, 3), Const(-0.5), Const(0.7)]),
            Case([(2, 3), (3,), Const(1.5)], domain=[(-2.0, 2.0), (-1.0, 0.0), None]),
        ]
    if arity == 1:
        return [Case([s], domain=domain) for s in UNARY_SHAPES]
    return [Case(list(shapes), domain=domain) for shapes in BINARY_SHAPES]


AXES = [dict(), dict(axis=0), dict(axis=1, keepdims=True), dict(axis=(0, 1)), dict(axis=-1)]

SPECS = {
    "sum": [Case([(3, 4)], kw) for kw in AXES] + [Case([()])],
    "prod": [Case([(3, 4)], kw, domain=(0.5, 1.5)) for kw in AXES],
    "max": [Case([(3, 4)], kw) for kw in AXES],
    "min": [Case([(3, 4)], kw) for kw in AXES],
    "logsumexp": [Case([(3, 4)], kw) for kw in AXES],
    "softmax": [Case([(3, 4)], dict(axis=-1)), Case([(3, 4)], dict(axis=0)), Case([(5,)])],
    "log_softmax": [Case([(3, 4)], dict(axis=-1)), Case([(3, 4)], dict(axis=0))],
    "reshape": [Case([(2, 3)], dict(shape=(3, 2))), Case([(6,)], dict(shape=(1, 2, 3)))],
    "transpose": [Case([(2, 3, 4)], dict(axes=(1, 0, 2))), Case([(2, 3)], dict(axes=None))],
    "broadcast_to": [Case([(3, 1)], dict(shape=(2, 3, 4))), Case([()], dict(shape=(2,)))],
    "astype": [Case([(3,)], dict(dtype=np.dtype(np.float64)))],
    "getitem": [
        Case([(4, 5)], dict(index=(slice(1, 3), np.array([0, 2, 2])))),
        Case([(4, 5)], dict(index=(np.array([0, 1, 1]),))),
        Case([(4, 5)], dict(index=(Ellipsis, 1))),
        Case([(4, 5)], dict(index=(np.array([3, 0]), slice(None), None))),
        Case([(3, 4, 5)], dict(index=(np.array([0, 2]), slice(None), np.array([1, 4])))),
        Case([(2, 3)], dict(index=_rng_bool((2, 3), seed=3))),
    ],
    "scatter_add": [
        Case([(3,)], dict(index=(np.array([0, 2, 2]),), shape=(4,))),
        Case([(2, 5)], dict(index=(slice(1, 3),), shape=(4, 5))),
    ],
    "concatenate": [
        Case([(2, 3), (1, 3)], dict(axis=0)),
        Case([(2, 3), (2, 2), (2, 1)], dict(axis=1)),
        Case([(2, 3), (2, 3)], dict(axis=-1)),
    ],
    "matmul": [
        Case([(3, 4), (4, 2)]),
        Case([(4,), (4, 3)]),
        Case([(3, 4), (4,)]),
        Case([(4,), (4,)]),
        Case([(2, 3, 4), (4, 5)]),
        Case([(3, 4), (2, 4, 5)]),
        Case([(4,), (2, 4, 3)]),
        Case([(2, 3, 4), (4,)]),
        Case([(2, 1, 3, 4), (5, 4, 2)]),
    ],
}


def cases_for(prim, extra_specs=()):
    if prim.meta.get("kind") == "elementwise":
        return elementwise_cases(prim)
    for table in (SPECS, *extra_specs):
        if prim.name in table:
            return [c if isinstance(c, Case) else Case(**c) for c in table[prim.name]]
    return None
