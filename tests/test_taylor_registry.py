"""Taylor mode for every registered primitive, from the registry's spec cases.

For each primitive and case, a random input curve ``x(t) = x0 + c1 t + ... + c4 t^4``
(higher coefficients nonzero, as inside a composite function) is pushed through
``jet``; the reference is four nested ``jvp`` calls in ``t`` of
``t -> prim(x(t))``, written out here independently of ``adcore.taylor``.
Native rules are also checked against the JVP-derived fallback, batches of
directions against one direction at a time, and (where JAX has a jet rule)
against ``jax.experimental.jet``.
"""

import math

import numpy as np
import pytest
from registry_specs import bind, cases_for, fill_slots
from test_registry import EXTRA, NAMES, PRIMS

import adcore
from adcore.taylor.fallback import jvp_derived

ORDER = 4
# Primitives whose order-4 check costs minutes, not milliseconds: the JVP-derived
# fallback nests 4 jvps through a whole ODE solve (each of them odeint calls).
# They run with -m slow; every other primitive runs in the default suite.
SLOW = {"odeint"}


def _cases():
    out = []
    for name in NAMES:
        cases = cases_for(PRIMS[name], EXTRA) or []
        marks = [pytest.mark.slow] if name in SLOW else []
        for k, c in enumerate(cases):
            out.append(pytest.param(name, c, id=f"{name}-{k}", marks=marks))
    return out


CASES = _cases()


def _setup(name, case, seed=0):
    rng = np.random.default_rng(seed)

    def draw(a, dom):  # the centre of the box keeps the curve inside it for small |t|
        lo, hi = dom
        return rng.uniform(lo + 0.25 * (hi - lo), hi - 0.25 * (hi - lo), size=a)

    slots, xs = fill_slots(case, draw)
    f = bind(case, PRIMS[name], slots)
    coeffs = [[0.3 * rng.standard_normal(np.shape(x)) for _ in range(ORDER)] for x in xs]
    return f, xs, coeffs


def nested_jvp_derivatives(g, order):
    """``[g'(0), ..., g^(order)(0)]`` by nesting ``adcore.jvp`` in the scalar ``t``."""

    def derivative(m):
        if m == 0:
            return g
        inner = derivative(m - 1)
        return lambda t: adcore.jvp(inner, (t,), (np.ones_like(t),))[1]

    return [derivative(m)(np.zeros(())) for m in range(1, order + 1)]


def _curve(f, xs, coeffs):
    def g(t):
        moved = []
        for x, cs in zip(xs, coeffs):
            y, p = x, t
            for c in cs:
                y = y + c * p
                p = p * t
            moved.append(y)
        return f(*moved)

    return g


def _as_jet_series(coeffs):
    """Normalised coefficients -> jet's derivative form (``x_n = n! c_n``)."""
    return tuple([c * math.factorial(n) for n, c in enumerate(cs, 1)] for cs in coeffs)


def _close(got, want, what):
    for n, (a, b) in enumerate(zip(got, want), 1):
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        assert a.shape == b.shape, f"{what}: order {n} shape {a.shape} != {b.shape}"
        scale = 1.0 + np.max(np.abs(b), initial=0.0)
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-8 * scale, err_msg=f"{what}, order {n}")


@pytest.mark.parametrize("name, case", CASES)
def test_jet_matches_nested_jvp(name, case):
    f, xs, coeffs = _setup(name, case)
    out, series = adcore.jet(f, tuple(xs), _as_jet_series(coeffs))
    np.testing.assert_allclose(out, f(*xs))
    want = nested_jvp_derivatives(_curve(f, xs, coeffs), ORDER)
    _close(series, want, f"{name}: jet vs nested jvp")


@pytest.mark.parametrize("name, case", CASES[1::2])
def test_zero_coefficients_are_skipped_exactly(name, case):
    # zero input terms become None inside (no work); the result must not change
    f, xs, coeffs = _setup(name, case, seed=4)
    coeffs = [[c if n % 2 == 0 else np.zeros_like(c) for n, c in enumerate(cs)] for cs in coeffs]
    _, series = adcore.jet(f, tuple(xs), _as_jet_series(coeffs))
    want = nested_jvp_derivatives(_curve(f, xs, coeffs), ORDER)
    _close(series, want, f"{name}: jet with zero terms vs nested jvp")


NATIVE = [p for p in CASES if "taylor" in PRIMS[p.values[0]].variants]


@pytest.mark.parametrize("name, case", NATIVE)
def test_native_rule_matches_the_jvp_derived_one(name, case, monkeypatch):
    f, xs, coeffs = _setup(name, case, seed=1)
    native = adcore.jet(f, tuple(xs), _as_jet_series(coeffs))[1]
    monkeypatch.setitem(PRIMS[name].variants, "taylor", jvp_derived)
    derived = adcore.jet(f, tuple(xs), _as_jet_series(coeffs))[1]
    _close(native, derived, f"{name}: native vs JVP-derived rule")


@pytest.mark.parametrize("name, case", CASES[::3])
def test_batched_series_match_one_direction_at_a_time(name, case):
    f, xs, _ = _setup(name, case, seed=2)
    rng = np.random.default_rng(3)
    batches = [[rng.standard_normal((2,) + np.shape(x)) for _ in range(3)] for x in xs]
    _, together = adcore.jet(f, tuple(xs), tuple(batches), batched=True)
    for b in range(2):
        _, alone = adcore.jet(f, tuple(xs), tuple([t[b] for t in ts] for ts in batches))
        _close([t[b] for t in together], alone, f"{name}: direction {b} of a batch")


def test_registry_reports_native_rules_and_every_primitive_works():
    table = adcore.registry()
    native = sorted(n for n in NAMES if table[n].get("taylor"))
    for must in ("multiply", "divide", "exp", "log", "sin", "cos", "power", "sqrt", "tanh"):
        assert must in native
    for must in ("solve", "inv", "det", "cholesky", "logsumexp", "prod", "hypot", "arctan2"):
        assert must in native
    assert "eigh_packed" not in native and "svd_packed" not in native  # these use the fallback
