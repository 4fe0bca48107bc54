"""Test specifications for the registry-driven checks.

Every registered primitive needs cases here (or in a family's spec module):
``test_registry.py`` fails for a primitive without one, so a new primitive is
covered by being registered plus one line of spec.

A case: ``args`` lists the positional arguments; a shape tuple stands for a
random float array that is differentiated, ``Exact(v)`` for a fixed array that
is differentiated (exact points: 0, 1, zeros inside a product, ties), ``Const(v)``
for a value passed as is.  ``kwargs`` are passed through; ``domain`` bounds the
random values.  ``wrap(prim, *args, **kwargs)``, when given, is what the checks
differentiate instead of ``prim(*args, **kwargs)``: a real-to-real frame around a
primitive with complex inputs or outputs (the FFTs).  Elementwise primitives get
their cases generated from ``prim.meta``; ``exact_cases`` adds the exact points.
"""

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Const:
    value: object


@dataclass(frozen=True)
class Exact:
    value: object


# Cases whose fix is on another branch (issue 11's list), by test id: the tests
# mark them strict xfails, so they report when the fix lands; the lead empties
# this table after merging.  Ids: test_oracle_jax's case labels and random programs
# ("composite-<seed>"), test_registry's "name-exact-label", test_fuzz's "fuzz:..." guards.
KNOWN_FIXED_ELSEWHERE = {}  # emptied at merge: every issue-11 fix landed on main


DRAWN = object()  # a slot the test fills with a drawn value (a Const may well hold None)


def fill_slots(case, draw):
    """``(slots, drawn)`` for ``case``: each argument's ``Const`` value or ``DRAWN``, and
    ``draw(arg, domain)`` for each argument that is not a ``Const`` (the values to
    differentiate, in order)."""
    doms = case.domain if isinstance(case.domain, list) else [case.domain] * len(case.args)
    assert len(doms) == len(case.args), f"{case}: one domain per argument"
    slots, drawn = [], []
    for a, dom in zip(case.args, doms):
        if isinstance(a, Const):
            slots.append(a.value)
        else:
            drawn.append(draw(a, dom))
            slots.append(DRAWN)
    return slots, drawn


def bind(case, prim, slots):
    """``f(*drawn)``: ``prim`` on the case's arguments, through ``case.wrap`` when the spec
    frames the primitive (a real frame around complex in- or outputs, the FFTs)."""

    def f(*xs):
        it = iter(xs)
        full = [next(it) if s is DRAWN else s for s in slots]
        if case.wrap is not None:
            return case.wrap(prim, *full, **case.kwargs)
        return prim(*full, **case.kwargs)

    return f


@dataclass
class Case:
    args: list
    kwargs: dict = field(default_factory=dict)
    domain: object = (-2.0, 2.0)  # one (lo, hi) for all, or a list per argument
    wrap: object = None  # wrap(prim, *args, **kwargs) replaces prim(*args, **kwargs)
    label: str = ""  # names an exact-point case

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


# ---- exact points ------------------------------------------------------------------------
# Inputs exactly 0, 1 and -1, integer exponents in every spelling, repeated indices,
# one-element reductions and zeros inside products: the points where a rule written
# as a ratio (prod / x) or a power (y x**(y - 1)) can go wrong while every random
# point is fine.  Only points where the function is smooth (finite differences at
# two steps agree) are used, so they are checked against differences like the rest.

EXACT_POINTS = (0.0, 1.0, -1.0)
EXPONENTS = (0, 1, 2, 3, -1, np.int64(0), np.int64(1), np.int64(2), 0.0, 1.0, 2.0, 3.0, -1.0)


def _smooth_at(fn, point, h=1e-3):
    """fn is finite around the point and its differences at steps h and h/10 agree."""
    point = np.asarray(point, dtype=np.float64)
    with np.errstate(all="ignore"):
        around = [fn(point + s * h) for s in (-1.0, 0.0, 1.0)]
        if not np.all(np.isfinite(around)):
            return False
        d1 = (around[2] - around[0]) / (2 * h)
        d2 = (fn(point + h / 10) - fn(point - h / 10)) / (h / 5)
        left, right = (around[1] - around[0]) / h, (around[2] - around[1]) / h  # a kink
        return bool(
            np.all(np.abs(d1 - d2) <= 1e-3 * (1.0 + np.abs(d2)))
            and np.all(np.abs(left - right) <= 0.05 * (1.0 + np.abs(d1)))
        )


def _exact_elementwise(prim):
    arity = prim.meta["arity"]
    if prim.name in ("where", "clip"):
        return []
    if arity == 1:  # the smooth points together; one a fix elsewhere awaits on its own
        pts = [p for p in EXACT_POINTS if _smooth_at(prim.impl, p)]
        alone = [p for p in pts if f"{prim.name}-exact-{p:g}" in KNOWN_FIXED_ELSEWHERE]
        rest = [p for p in pts if p not in alone]
        cases = [Case([Exact(np.array(p))], label=f"{p:g}") for p in alone]
        return cases + [Case([Exact(np.array(rest))], label="points")] if rest else cases
    if prim.name == "power":
        x = np.array([0.0, 1.0, -1.0, 2.0])
        return [
            Case([Exact(x[_ok(lambda v, k=k: prim.impl(v, k), x)]), Const(k)], label=f"x**{k!r}")
            for k in EXPONENTS
        ]
    pairs = [(a, b) for a in EXACT_POINTS for b in EXACT_POINTS]
    pairs = [(a, b) for a, b in pairs if _smooth_at(lambda v, b=b: prim.impl(v, b), a)]
    pairs = [(a, b) for a, b in pairs if _smooth_at(lambda v, a=a: prim.impl(a, v), b)]
    if not pairs:
        return []
    xs, ys = (np.array(c) for c in zip(*pairs))
    return [Case([Exact(xs), Exact(ys)], label="pairs")]


def _ok(fn, x):
    return np.array([_smooth_at(fn, v) for v in x], dtype=bool)


EXACT_SPECS = {
    "sum": [
        Case([Exact([3.0])], label="one-element"),
        Case([Exact([[0.0], [1.0]])], dict(axis=1), label="one-per-row"),
    ],
    "prod": [
        Case([Exact([3.0])], label="one-element"),
        Case([Exact([0.0, 2.0, 3.0])], label="one-zero"),
        Case([Exact([[0.0, 0.0, 3.0], [1.0, 0.0, 1.0]])], dict(axis=-1), label="zeros"),
        Case([Exact([[0.0], [-1.0]])], dict(axis=1), label="one-per-row"),
    ],
    # (ties are kinks: their SPEC share is checked against JAX in test_oracle_jax)
    "logsumexp": [Case([Exact([0.0])], label="one-element")],
    "softmax": [Case([Exact([[1.0], [0.0]])], dict(axis=-1), label="one-element")],
    "cumprod": [
        Case([Exact([1.0])], dict(axis=0), label="one-element"),
        Case([Exact([[0.0, 2.0, 3.0], [2.0, 0.0, 1.0]])], dict(axis=1), label="zeros"),
    ],
    "cumsum": [Case([Exact([0.0])], dict(axis=0), label="one-element")],
    "getitem": [
        Case([Exact([0.0, 1.0, 2.0])], dict(index=(np.array([0, 0, 2, -1]),)), label="repeated"),
        Case(
            [Exact([[0.0, 1.0], [1.0, 0.0]])],
            dict(index=(np.array([1, 1]), np.array([0, 0]))),
            label="repeated-pairs",
        ),
    ],
    "scatter_add": [
        Case(
            [Exact([1.0, 0.0, 2.0])],
            dict(index=(np.array([1, 1, 0]),), shape=(2,)),
            label="repeated",
        )
    ],
    "matmul": [Case([Exact([0.0, 1.0]), Exact([1.0, 0.0])], label="zeros")],
    "det": [
        Case([Exact([[1.0, 2.0], [2.0, 4.0]])], label="singular"),
        Case([Exact([[0.0]])], label="zero-1x1"),
    ],
}


def exact_cases(prim):
    """The exact-point cases of a primitive (each with a ``label``)."""
    if prim.meta.get("kind") == "elementwise":
        return _exact_elementwise(prim)
    return list(EXACT_SPECS.get(prim.name, ()))
