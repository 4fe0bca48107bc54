"""adcore against an independent oracle: JAX in float64.

Finite differences cannot see every wrong derivative: at exact points (0, 1,
integer exponents, repeated indices, one-element reductions) a rule can be
wrong while every finite difference around it is fine, and past second order
they are too noisy to judge.  JAX computes the same derivatives with an
unrelated implementation, so here every registered primitive
(``oracle_table.ORACLE``; a primitive missing from it fails
``test_every_primitive_has_an_oracle``) is compared with JAX on:

* value, JVP, VJP and the Hessian-vector product in all four adcore
  nestings, at seeded random points of every registry spec case (shapes
  with broadcasting, keyword variants);
* the same plus third order (forward over fwd-over-rev, and reverse three
  times) at exact special points: every elementwise primitive at -2..2 and
  on a grid of pairs, every spelling of an integer exponent, and
  ``STRUCTURAL_SPECIAL`` (one-element reductions, zeros in products,
  repeated indices, ties SPEC fixes, singular matrices);
* random programs of several smooth primitives (``test_random_composites``);
* the numpy surface built on the primitives (``SURFACE``: mean, var, std,
  at_set, take, norm, ...), at random and special points.

Entries where JAX's answer is not finite (an undefined derivative) are
skipped and counted.  JAX compiles every case, which dominates the time: the
default run checks one spec case per primitive and the special points that
matter most; ``-m slow`` checks every case at many more points.

Where the two disagree on purpose the case is listed in ``CONVENTIONS`` with
the reason, where JAX is wrong in ``JAX_WRONG`` (the test checks they still
disagree, so neither table can go stale).  Cases whose fix is on another
branch are in ``registry_specs.KNOWN_FIXED_ELSEWHERE``: strict xfails, so the
lead sees them pass and empties the table after merging.
"""

import os
import sys
import zlib

import numpy as np
import pytest

if "jax" not in sys.modules and "XLA_FLAGS" not in os.environ:
    # XLA compiling each case dominates this file's time; its unoptimised CPU backend
    # compiles about twice as fast and computes the same IEEE results
    os.environ["XLA_FLAGS"] = (
        "--xla_backend_optimization_level=0 --xla_llvm_disable_expensive_passes=true"
    )

jax = pytest.importorskip("jax")

import jax.numpy as jnp  # noqa: E402
from oracle_cases import SURFACE, Surface, floats, random_program, run_program  # noqa: E402
from oracle_table import NOT_IN_JAX, ORACLE  # noqa: E402
from registry_specs import KNOWN_FIXED_ELSEWHERE, Case, Const, cases_for  # noqa: E402

import adcore  # noqa: E402
import adcore.numpy as anp  # noqa: E402
from adcore.core import Primitive, all_primitives, defjvp, defvjp, getval  # noqa: E402

jax.config.update("jax_enable_x64", True)

PRIMS = {n: p for n, p in all_primitives().items() if p.family != "user"}


def _extra_specs():
    tables = []
    for module in ("specs_surface", "specs_scipy"):  # specs_scipy needs scipy
        try:
            tables.append(__import__(module).SPECS)
        except ImportError:
            pass
    return tuple(tables)


EXTRA = _extra_specs()

# Cases where adcore differs from JAX by a convention, with the reason.
CONVENTIONS = {
    "absolute@0": "SPEC's subgradient table: abs'(0) = 0; JAX takes 1",
    "fabs@0": "fabs is abs: SPEC's abs'(0) = 0; JAX takes 1",
    "fmax@ties": "adcore splits a tie 0.5/0.5 as SPEC fixes for maximum; JAX gives it all to x",
    "fmin@ties": "adcore splits a tie 0.5/0.5 as SPEC fixes for minimum; JAX gives it all to x",
    "hypot@(0,0)": "a cone at the origin: adcore's derivative is 0 there, as SPEC's abs'(0) "
    "(test_regression_hypot_at_the_origin); JAX's is one-sided",
    "i1e@0": "exp(-|x|) i1(x): the true i1e'' jumps from +1 to -1 at 0, so no third derivative; "
    "SPEC's abs'(0) = 0 makes adcore's derivatives there i1's (1/2, 0, 3/8), JAX's rule is the "
    "constant 1/2 at |x| <= eps, so 0 at third order (test_i1e_derivatives_at_zero)",
    "xlogy@(0,y<0)": "no derivative exists: x log(y) is nan off the line x = 0, d/dx = log(y) is "
    "nan in both; JAX's Hessian is the formula's, adcore's rev-over-fwd sweep pulls the nan "
    "gradient and H v in one batch, so 0 * nan (test_xlogy_off_its_domain)",
}

# Cases where JAX is wrong and adcore right (each pinned by a named test against
# finite differences below).
JAX_WRONG = {
    "hypot@|x|=|y|": "JAX's hypot goes through max/min(|x|, |y|): its second derivative is 0 "
    "at ties; hypot is smooth there (test_hypot_hessian_where_arguments_tie)",
    "beta@a=b": "JAX's beta is exp(betaln), whose betaln sorts (min(a, b), max(a, b)): its Hessian "
    "is wrong at ties (test_beta_and_betaln_hessians_where_arguments_tie)",
    "betaln@a=b": "JAX's betaln sorts (min(a, b), max(a, b)): at ties its Hessian has all four "
    "entries equal (test_beta_and_betaln_hessians_where_arguments_tie)",
    "i0@0": "JAX's i0 is exp(|x|) i0e(x) with |x|'(0) = 1: derivatives 1, 3/2, 5/2 at 0 where the "
    "series gives i1(0) = 0, 1/2, 0 (test_i0_and_i1_derivatives_at_zero)",
    "i1@0": "JAX's i1 is exp(|x|) i1e(x) with |x|'(0) = 1: second and third derivatives 1, 3/2 at "
    "0 where i1 is odd, so 0, and the series gives 3/8 (test_i0_and_i1_derivatives_at_zero)",
}

# points singled out of a unary primitive's group (their own case, so a table can name them)
SINGLED = {k for table in (KNOWN_FIXED_ELSEWHERE, CONVENTIONS, JAX_WRONG) for k in table}

RANDOM_POINTS = 3  # per spec case in the default run (JAX compiles once per case)
LONG_POINTS = 50  # per spec case under -m slow
COMPOSITES, LONG_COMPOSITES = 6, 200  # random programs of smooth primitives

STATS = {"cases": 0, "compared": 0, "nonfinite_skipped": 0}


@pytest.fixture(scope="module", autouse=True)
def _report_counts():
    yield
    print(
        f"\noracle: {STATS['cases']} cases, {STATS['compared']} arrays compared with JAX, "
        f"{STATS['nonfinite_skipped']} entries skipped (JAX non-finite)"
    )


# ---- comparing with JAX ------------------------------------------------------------------


def _leaves(tree):
    leaves = jax.tree_util.tree_leaves(tree)
    return [np.asarray(adcore.getval(x), dtype=np.float64) for x in leaves]


def _agree(got, want, what, rtol):
    """got == want entrywise where JAX is finite (undefined derivatives are skipped)."""
    got, want = _leaves(got), _leaves(want)
    assert len(got) == len(want), f"{what}: {len(got)} arrays vs JAX's {len(want)}"
    for k, (g, w) in enumerate(zip(got, want)):
        where = f"{what}[{k}]" if len(got) > 1 else what
        assert g.shape == w.shape, f"{where}: shape {g.shape}, JAX {w.shape}"
        finite = np.isfinite(w)
        STATS["compared"] += 1
        STATS["nonfinite_skipped"] += int(np.sum(~finite))
        scale = max(1.0, float(np.max(np.abs(w[finite]), initial=0.0)))
        err = np.where(finite, np.abs(g - np.where(finite, w, 0.0)), 0.0)
        bad = finite & ~(err <= rtol * (np.abs(w) + scale))
        if np.any(bad):
            i = np.unravel_index(int(np.argmax(np.where(bad, err, -1.0))), g.shape)
            raise AssertionError(
                f"{where}: adcore {g[i]!r}, JAX {w[i]!r} at index {i} "
                f"({int(bad.sum())} of {bad.size} entries differ)"
            )


def _inner(xp, a, b):
    return sum(xp.sum(x * y) for x, y in zip(a, b))


def _reference(f_jax, n_args, third):
    """JAX's value, JVP, VJP, HVP (and third derivative) as one jitted function.

    Compiling dominates JAX's cost here: jitted, a case pays for it once
    however many points (of one shape) it is called at.
    """
    every = tuple(range(n_args))

    def one(xs, vs, us):
        out, tangent = jax.jvp(f_jax, xs, vs)
        cotangents = jax.vjp(f_jax, *xs)[1](jax.tree_util.tree_unflatten(_tree(out), us))

        def s(*a):
            return _inner(jnp, jax.tree_util.tree_leaves(f_jax(*a)), us)

        def hv(*a):
            return jax.jvp(jax.grad(s, every), a, vs)[1]

        hvp = hv(*xs)
        d3 = jax.jvp(hv, xs, vs)[1] if third else ()
        return out, tangent, cotangents, hvp, d3

    return jax.jit(one)


def _tree(out):
    return jax.tree_util.tree_structure(out)


def compare(f_ad, f_jax, points, seed=0, rtol=1e-9, third=False):
    """Value, JVP, VJP and second order (four adcore nestings) against JAX at each point.

    ``points`` is a list of argument tuples (float arrays, differentiated).
    ``third`` adds the third directional derivative, forward over
    fwd-over-rev and reverse over reverse over reverse.
    """
    rng = np.random.default_rng(seed)
    points = [tuple(np.asarray(x, dtype=np.float64) for x in xs) for xs in points]
    shapes = jax.eval_shape(f_jax, *points[0])
    vs = [tuple(rng.standard_normal(x.shape) for x in xs) for xs in points]
    us = [[rng.standard_normal(o.shape) for o in jax.tree_util.tree_leaves(shapes)] for _ in points]
    reference = _reference(f_jax, len(points[0]), third)
    with np.errstate(all="ignore"):
        for k, xs in enumerate(points):
            STATS["cases"] += 1
            ref = jax.tree_util.tree_map(np.asarray, reference(xs, vs[k], us[k]))
            _compare_one(f_ad, xs, vs[k], us[k], _tree(shapes), ref, rtol, third)


def _compare_one(f_ad, xs, vs, us, tree, ref, rtol, third):
    out_j, tangent_j, cotangents_j, hvp_j, d3_j = ref
    every = tuple(range(len(xs)))
    out, tangent = adcore.jvp(f_ad, xs, vs)
    _agree(out, out_j, "value", rtol)
    _agree(tangent, tangent_j, "jvp", rtol)
    _, pullback = adcore.vjp(f_ad, *xs)
    _agree(pullback(jax.tree_util.tree_unflatten(tree, us)), cotangents_j, "vjp", rtol)

    def s(*a):
        return _inner(anp, jax.tree_util.tree_leaves(f_ad(*a)), us)

    for mode in adcore.HVP_MODES:
        _agree(adcore.hvp(s, xs, vs, mode=mode)[1], hvp_j, f"hvp[{mode}]", rtol)
    if not third:
        return

    def hv(*a):
        return adcore.hvp(s, a, vs)[1]

    _agree(adcore.jvp(hv, xs, vs)[1], d3_j, "third order, fwd over fwd-over-rev", rtol)

    def d1(*a):
        return _inner(anp, adcore.grad(s, every)(*a), vs)

    def d2(*a):
        return _inner(anp, adcore.grad(d1, every)(*a), vs)

    _agree(adcore.grad(d2, every)(*xs), d3_j, "third order, rev over rev over rev", rtol)


def test_the_oracle_catches_a_rule_wrong_at_second_order_only():
    # sin whose partial is a plain constant: right at first order, a zero Hessian
    wrong = Primitive(np.sin, name="sin_with_constant_partial", register=False)
    defjvp(wrong, lambda g, ans, x: g * np.cos(getval(x)))
    defvjp(wrong, lambda ans, x: lambda g: g * np.cos(getval(x)))
    with pytest.raises(AssertionError, match="hvp"):
        compare(wrong, jnp.sin, [[np.array([0.3, -1.2])]])


# ---- the primitives and their JAX counterparts ---------------------------------------------


def _unmapped(names):
    return sorted(n for n in names if n not in ORACLE and n not in NOT_IN_JAX)


def test_a_new_primitive_without_an_oracle_is_named():
    assert _unmapped(list(PRIMS) + ["brand_new_op"]) == ["brand_new_op"]


def test_every_primitive_has_an_oracle():
    unmapped = _unmapped(PRIMS)
    assert not unmapped, (
        f"registered primitives with no JAX oracle: {unmapped}; map each in "
        "tests/oracle_table.ORACLE, or list it in NOT_IN_JAX with the reason"
    )
    stale = sorted(n for n in list(ORACLE) + list(NOT_IN_JAX) if n not in PRIMS)
    assert not stale, f"oracle entries for primitives that are not registered: {stale}"
    both = sorted(set(ORACLE) & set(NOT_IN_JAX))
    assert not both, f"primitives both mapped and excluded: {both}"


def _functions(name, args, kwargs):
    """adcore and JAX functions of the differentiated arguments (the non-Const ones)."""
    oracle = ORACLE[name]
    slots = [a if isinstance(a, Const) else None for a in args]

    def make(fn, xp):
        def f(*xs):
            it = iter(xs)
            full = []
            for s in slots:
                if s is None:
                    x = next(it)
                    full.append(oracle.prep(xp, x) if oracle.prep else x)
                else:
                    full.append(s.value)
            out = fn(*full, **kwargs)
            return oracle.view(xp, out) if oracle.view else out

        return f

    return make(PRIMS[name], anp), make(oracle.jax, jnp)


# the spec case the default run checks for each primitive (the others run under -m slow):
# the broadcasting one for elementwise primitives, else the first unless named here
REPRESENTATIVE = {"matmul": 8, "einsum": 8, "solve": 3, "getitem": 4, "concatenate": 1}


def _representative(name):
    prim = PRIMS[name]
    if prim.meta.get("kind") == "elementwise":
        if name in ("where", "clip"):
            return 1
        return 2 if prim.meta["arity"] == 1 else 3
    return REPRESENTATIVE.get(name, 0)


def _spec_cases():
    out = []
    for name in sorted(ORACLE):
        if name not in PRIMS:
            continue
        cases = ORACLE[name].cases or cases_for(PRIMS[name], EXTRA) or ()
        for k, case in enumerate(cases):
            marks = () if k == _representative(name) else pytest.mark.slow
            out.append(pytest.param(name, case, id=f"{name}-{k}", marks=marks))
    return out


def _draw(case, rng):
    doms = case.domain if isinstance(case.domain, list) else [case.domain] * len(case.args)
    xs = []
    for a, dom in zip(case.args, doms):
        if not isinstance(a, Const):
            xs.append(rng.uniform(*dom, size=a))
    return xs


def _seed(text):
    return zlib.crc32(text.encode())


@pytest.mark.parametrize("name, case", _spec_cases())
def test_primitive_matches_jax(name, case: Case):
    f_ad, f_jax = _functions(name, case.args, case.kwargs)
    rng = np.random.default_rng(_seed(f"{name}{case}"))
    points = [_draw(case, rng) for _ in range(RANDOM_POINTS)]
    compare(f_ad, f_jax, points, seed=_seed(name), rtol=ORACLE[name].rtol)


@pytest.mark.slow
@pytest.mark.parametrize("name, case", _spec_cases())
def test_primitive_matches_jax_long(name, case: Case):
    f_ad, f_jax = _functions(name, case.args, case.kwargs)
    rng = np.random.default_rng(_seed(f"long{name}{case}"))
    points = [_draw(case, rng) for _ in range(LONG_POINTS)]
    compare(f_ad, f_jax, points, seed=_seed(name), rtol=ORACLE[name].rtol)


# ---- exact special points ------------------------------------------------------------------


class At:
    """A special-point case: primitive ``name`` at exact arguments.

    ``args`` holds ``Const`` values (passed as they are) and the differentiated
    arrays; ``points``, when given, replaces the arrays by several argument
    lists, each checked on its own (JAX batches them in one compile).
    """

    def __init__(self, label, name, args, kwargs=None, third=False, points=None):
        self.label, self.name, self.args = label, name, args
        self.kwargs, self.third = kwargs or {}, third
        self._points = points

    def functions(self):
        return _functions(self.name, self.args, self.kwargs)

    def points(self):
        if self._points is not None:
            return self._points
        return [[a for a in self.args if not isinstance(a, Const)]]


UNARY_POINTS = (-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0)
BINARY_POINTS = (-1.0, 0.0, 0.5, 1.0, 2.0)
# Python ints, numpy ints and integral floats: each spelling of an exponent takes its own path
EXPONENTS = (0, 1, 2, 3, -1, np.int64(0), np.int64(1), np.int64(2), 0.0, 1.0, 2.0, 0.5, -1.0)


def _binary_label(name, x, y):
    """The case a binary grid point belongs to; points the grid leaves out return None."""
    if name in ("remainder", "fmod", "divide") and y == 0:
        return None  # x / 0, x mod 0: no value to differentiate (x / 0.0 is on issue 11's list)
    if name == "power" and x <= 0:
        return None  # the exponent's derivative is x**y log(x): undefined at x <= 0
    if name in ("fmax", "fmin") and x == y:
        return f"{name}@ties"
    if name == "hypot" and abs(x) == abs(y):
        return "hypot@(0,0)" if x == 0 else "hypot@|x|=|y|"
    if name in ("beta", "betaln") and x == y:
        return f"{name}@a=b"
    if name == "xlogy" and y < 0:
        return "xlogy@(0,y<0)"  # only x = 0 has a value there
    return f"{name}@grid"


def _unary_label(name, x):
    label = f"{name}@{x:g}"
    return label if label in SINGLED else f"{name}@points"


def _defined(fn, point):
    """The function has a (finite) value at the point: derivatives can be compared there."""
    with np.errstate(all="ignore"):
        return bool(np.all(np.isfinite(fn(*[np.array(v, dtype=np.float64) for v in point]))))


def _grouped(label_of, name, points, template, kwargs=None):
    """One At per label; each point (a list of scalars) is checked on its own."""
    groups = {}
    for p in points:
        label = label_of(p)
        if label is not None and _defined(lambda *a: PRIMS[name](*_fill(template, a)), p):
            groups.setdefault(label, []).append([np.array(v, dtype=np.float64) for v in p])
    for label, ps in groups.items():
        yield At(label, name, template, kwargs, third=True, points=ps)


def _fill(template, xs):
    it = iter(xs)
    return [a.value if isinstance(a, Const) else next(it) for a in template]


def _elementwise_special():
    for name, prim in sorted(PRIMS.items()):
        if prim.meta.get("kind") != "elementwise" or name in ("where", "clip"):
            continue
        if name not in ORACLE:  # excluded from the oracle, with its reason, in NOT_IN_JAX
            continue
        if prim.meta["arity"] == 1:
            label_of = lambda p, name=name: _unary_label(name, p[0])
            yield from _grouped(label_of, name, [(p,) for p in UNARY_POINTS], [None])
        else:
            grid = [(x, y) for x in BINARY_POINTS for y in BINARY_POINTS]
            label_of = lambda p, name=name: _binary_label(name, *p)
            yield from _grouped(label_of, name, grid, [None, None])
    for k in EXPONENTS:
        points = [(x,) for x in UNARY_POINTS]
        yield from _grouped(lambda p, k=k: f"power@x**{k!r}", "power", points, [None, Const(k)])


STRUCTURAL_SPECIAL = [
    # single-element reductions and zeros inside products
    At("sum@one-element", "sum", [floats(3.0)]),
    At("sum@one-element-axis", "sum", [floats([3.0], [-1.0])], dict(axis=1, keepdims=True)),
    At("prod@one-element", "prod", [floats(3.0)], third=True),
    At("prod@zero", "prod", [floats(0.0)], third=True),
    At(
        "prod@zeros-rows",
        "prod",
        [floats([0.0, 2.0, 3.0], [0.0, 0.0, 3.0])],
        dict(axis=1),
        third=True,
    ),
    At(
        "prod@zeros-cols",
        "prod",
        [floats([0.0, 2.0], [0.0, 0.0], [1.0, 0.0])],
        dict(axis=0),
        third=True,
    ),
    At("prod@all-zero", "prod", [floats(0.0, 0.0, 0.0)], third=True),
    At("max@one-element", "max", [floats(3.0)]),
    At("logsumexp@one-element", "logsumexp", [floats(3.0)]),
    At("logsumexp@equal", "logsumexp", [floats(1.0, 1.0, 1.0)]),
    At("softmax@one-element", "softmax", [floats([3.0], [1.0])], dict(axis=-1)),
    At("log_softmax@one-element", "log_softmax", [floats([3.0], [1.0])], dict(axis=-1)),
    # ties where SPEC fixes the share: max/min reductions split equally
    At("max@ties", "max", [floats([1.0, 1.0, 0.0], [2.0, 2.0, 2.0])], dict(axis=1)),
    At("min@ties", "min", [floats([1.0, 1.0, 3.0], [2.0, 2.0, 2.0])], dict(axis=1)),
    # running products through zeros, one-element running sums
    At(
        "cumprod@zeros",
        "cumprod",
        [floats([0.0, 2.0, 3.0], [2.0, 0.0, 3.0])],
        dict(axis=1),
        third=True,
    ),
    At("cumprod@one-element", "cumprod", [floats(3.0)], dict(axis=0)),
    At("cumsum@one-element", "cumsum", [floats(3.0)], dict(axis=0)),
    # repeated indices: gradients must add up
    At(
        "getitem@repeated",
        "getitem",
        [floats(1.0, 2.0, 3.0, 4.0)],
        dict(index=(np.array([0, 0, 1, -1, -1]),)),
    ),
    At(
        "getitem@repeated-pairs",
        "getitem",
        [floats([1.0, 2.0], [3.0, 4.0], [5.0, 6.0])],
        dict(index=(np.array([1, 1, 2]), np.array([0, 0, -1]))),
    ),
    At(
        "scatter_add@repeated",
        "scatter_add",
        [floats(1.0, 2.0, 3.0, 4.0)],
        dict(index=(np.array([0, 2, 2, 0]),), shape=(3,)),
    ),
    At("einsum@repeated-letter", "einsum", [Const("ii->i"), floats([1.0, 2.0], [3.0, 0.0])]),
    # products with exact zeros, 1x1 matrices, singular matrices
    At("matmul@zeros", "matmul", [floats(0.0, 1.0, 0.0), floats(1.0, 0.0, 2.0)]),
    At("matmul@1x1", "matmul", [floats([2.0]), floats([0.0])]),
    At("det@integers", "det", [floats([2.0, 1.0], [1.0, 1.0])], third=True),
    At("det@singular", "det", [floats([1.0, 2.0], [2.0, 4.0])], third=True),
    At("det@zero-1x1", "det", [floats([0.0])]),
    At("inv@1x1", "inv", [floats([2.0])]),
    At("solve@1x1", "solve", [floats([2.0]), floats(1.0)]),
    At(
        "where@all-true",
        "where",
        [Const(np.array([True, True])), floats(1.0, 2.0), floats(0.0, 0.0)],
    ),
    At("clip@integers", "clip", [floats(-2.0, -1.0, 0.0, 1.0, 2.0), Const(-1.5), Const(1.5)]),
    At("broadcast_to@one-element", "broadcast_to", [floats(0.0)], dict(shape=(2, 3))),
    At("pad_zeros@one-element", "pad_zeros", [floats(3.0)], dict(width=((1, 2),))),
    At("roll@one-element", "roll", [floats(3.0)], dict(shift=1, axis=0)),
]


# Exact-point groups (slow run only) where adcore and JAX disagree and nobody has yet
# decided which side is right: strict xfails, so each reports the day it is settled.
UNTRIAGED = {}

# table cases JAX takes seconds to compile (its betaln's third derivative, ~5 s each): -m slow
SLOW_TO_COMPILE = {"beta@a=b", "betaln@a=b"}


def _special_cases():
    """Every special case; the elementwise groups that hold no table entry run under -m slow
    (JAX compiles each case, the default run stays short)."""
    out = []
    for case in list(_elementwise_special()) + STRUCTURAL_SPECIAL:
        marks = []
        if case.label in KNOWN_FIXED_ELSEWHERE:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_FIXED_ELSEWHERE[case.label]))
        elif case.label in UNTRIAGED:
            untriaged = pytest.mark.xfail(strict=True, reason=UNTRIAGED[case.label])
            marks += [pytest.mark.slow, untriaged]
        elif case.label.endswith(("@points", "@grid")) or case.label in SLOW_TO_COMPILE:
            marks.append(pytest.mark.slow)
        out.append(pytest.param(case, id=case.label, marks=marks))
    return out


def test_every_table_label_names_a_special_case():
    # a label no case carries (a typo, a point the grid dropped) would exempt nothing silently
    labels = {case.label for case in list(_elementwise_special()) + STRUCTURAL_SPECIAL}
    named = set(CONVENTIONS) | set(JAX_WRONG) | set(UNTRIAGED) | SLOW_TO_COMPILE
    assert not named - labels, f"table labels that name no special case: {named - labels}"


@pytest.mark.parametrize("case", _special_cases())
def test_special_point_matches_jax(case: At):
    f_ad, f_jax = case.functions()
    oracle_differs = CONVENTIONS.get(case.label) or JAX_WRONG.get(case.label)
    if oracle_differs:  # still different (else the table entry is stale)
        with pytest.raises(AssertionError):
            compare(f_ad, f_jax, case.points(), rtol=ORACLE[case.name].rtol, third=case.third)
        return
    compare(f_ad, f_jax, case.points(), rtol=ORACLE[case.name].rtol, third=case.third)


# ---- regressions: what the oracle found, pinned -------------------------------------------


def _fd_gradient(fn, x, h=1e-6):
    cols = []
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = h
        cols.append((fn(x + e.reshape(x.shape)) - fn(x - e.reshape(x.shape))) / (2 * h))
    return np.stack(cols, axis=-1)


def test_hypot_hessian_where_arguments_tie():
    # JAX's hypot Hessian is 0 where |x| == |y| (it is built on max/min of |x|, |y|);
    # hypot is smooth there and adcore's matches differences of its gradient
    def f(v):
        return anp.hypot(v[0], v[1])

    for point in ([1.0, 1.0], [0.5, -0.5], [2.0, 2.0]):
        x = np.array(point)
        want = _fd_gradient(adcore.grad(f), x)
        np.testing.assert_allclose(adcore.hessian(f)(x), want, rtol=1e-6, atol=1e-8)


def test_beta_and_betaln_hessians_where_arguments_tie():
    # JAX's betaln sorts its arguments (min(a, b), max(a, b)), so its Hessian is wrong where
    # a == b; betaln = gammaln(a) + gammaln(b) - gammaln(a + b) is smooth there.  Truth: the
    # closed form in trigamma (scipy's polygamma), and differences of adcore's gradient
    sp = pytest.importorskip("adcore.scipy.special")
    sc = pytest.importorskip("scipy.special")

    def lnb(v):
        return sp.betaln(v[0], v[1])

    def b(v):
        return sp.beta(v[0], v[1])

    for t in (0.5, 1.0, 2.0):
        x = np.array([t, t])
        tri, tri2 = sc.polygamma(1, t), sc.polygamma(1, 2 * t)
        want = np.array([[tri - tri2, -tri2], [-tri2, tri - tri2]])
        np.testing.assert_allclose(adcore.hessian(lnb)(x), want, rtol=1e-10)
        np.testing.assert_allclose(adcore.hessian(lnb)(x), _fd_gradient(adcore.grad(lnb), x), 1e-6)
        # beta = exp(betaln): H = beta (g g^T + H_betaln), g_i = digamma(t) - digamma(2t)
        g = np.full(2, sc.digamma(t) - sc.digamma(2 * t))
        want_b = sc.beta(t, t) * (np.outer(g, g) + want)
        np.testing.assert_allclose(adcore.hessian(b)(x), want_b, rtol=1e-10)
        np.testing.assert_allclose(adcore.hessian(b)(x), _fd_gradient(adcore.grad(b), x), 1e-6)


def _three_derivatives(f, x):
    """f', f'', f''' at scalar x, reverse three times and forward three times."""
    rev, fwd = [f], [f]
    for _ in range(3):
        rev.append(adcore.grad(rev[-1]))
        fwd.append(lambda t, d=fwd[-1]: adcore.jvp(d, (t,), (1.0,))[1])
    return [float(d(x)) for d in rev[1:]], [float(d(x)) for d in fwd[1:]]


def _fd_three(f, x, h):
    """Central differences of plain values: f', f'', f''' at x, errors O(h^2)."""
    d1 = (f(x + h) - f(x - h)) / (2 * h)
    d2 = (f(x + h) - 2 * f(x) + f(x - h)) / h**2
    d3 = (f(x + 2 * h) - 2 * f(x + h) + 2 * f(x - h) - f(x - 2 * h)) / (2 * h**3)
    return [d1, d2, d3]


def test_i0_and_i1_derivatives_at_zero():
    # JAX's i0 and i1 are exp(|x|) times the scaled functions, whose |x|'(0) = 1 makes their
    # derivatives wrong at 0.  The series i0 = 1 + x^2/4 + x^4/64 + ... and
    # i1 = x/2 + x^3/16 + ... give (i0', i0'', i0''')(0) = (0, 1/2, 0) (i0' = i1) and
    # (i1', i1'', i1''')(0) = (1/2, 0, 3/8) (the limit of i0 - i1/x is 1/2); scipy's values
    # differenced around 0 agree
    sp = pytest.importorskip("adcore.scipy.special")
    sc = pytest.importorskip("scipy.special")
    for f, ref, want in ((sp.i0, sc.i0, [0.0, 0.5, 0.0]), (sp.i1, sc.i1, [0.5, 0.0, 0.375])):
        rev, fwd = _three_derivatives(f, 0.0)
        np.testing.assert_allclose(rev, want, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(fwd, want, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(_fd_three(ref, 0.0, 1e-2), want, rtol=1e-4, atol=1e-6)


def test_i1e_derivatives_at_zero():
    # i1e = exp(-|x|) i1(x) = x/2 - x|x|/2 + 5x^3/16 + ...: the second derivative jumps from
    # +1 to -1 at 0, so neither it nor the third exists there (CONVENTIONS["i1e@0"]).  adcore's
    # first derivative is the true 1/2; SPEC's abs'(0) = 0 makes exp(-|x|) flat at 0, so the
    # higher ones are i1's: 0 (the mean of the two sides) and i1'''(0) = 3/8
    sp = pytest.importorskip("adcore.scipy.special")
    sc = pytest.importorskip("scipy.special")
    rev, fwd = _three_derivatives(sp.i1e, 0.0)
    np.testing.assert_allclose(rev, [0.5, 0.0, 0.375], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(fwd, [0.5, 0.0, 0.375], rtol=1e-12, atol=1e-15)
    h = 1e-4
    # the x|x| term leaves a central difference O(h) off, not O(h^2)
    np.testing.assert_allclose((sc.i1e(h) - sc.i1e(-h)) / (2 * h), 0.5, atol=h)
    for side in (1.0, -1.0):  # one-sided second differences: i1e''(0+) = -1, i1e''(0-) = +1
        d2 = (sc.i1e(2 * side * h) - 2 * sc.i1e(side * h) + sc.i1e(0.0)) / h**2
        np.testing.assert_allclose(d2, -side, atol=1e-3)


def test_xlogy_off_its_domain():
    # xlogy(0, y) = 0 for y < 0, but x log(y) is nan at every other x: d/dx = log(y) does not
    # exist there and adcore says nan (so does JAX, CONVENTIONS["xlogy@(0,y<0)"]); along the
    # line x = 0 the function is 0, and so are its derivatives in y
    sp = pytest.importorskip("adcore.scipy.special")
    sc = pytest.importorskip("scipy.special")
    with np.errstate(invalid="ignore"):
        assert sc.xlogy(0.0, -1.0) == 0.0 and np.isnan(sc.xlogy(1e-8, -1.0))
        gx, gy = adcore.grad(sp.xlogy, (0, 1))(0.0, -1.0)
        assert np.isnan(gx) and gy == 0.0
        h = adcore.hessian(lambda y: sp.xlogy(0.0, y))(-1.0)
    assert h == 0.0


def test_regression_hypot_at_the_origin():
    # d hypot / dx was x / hypot = 0 / 0 = nan at (0, 0), in both modes and every nesting;
    # hypot(x, 0) = |x|, so the origin takes abs's SPEC convention: 0
    g = adcore.grad(lambda x, y: anp.hypot(x, y), (0, 1))(0.0, 0.0)
    assert g == (0.0, 0.0)
    _, t = adcore.jvp(lambda x, y: anp.hypot(x, y), (0.0, 0.0), (1.0, 1.0))
    assert t == 0.0
    h = adcore.hessian(lambda v: anp.hypot(v[0], v[1]))(np.array([0.0, 0.0]))
    assert np.all(np.isfinite(h))
    np.testing.assert_allclose(adcore.grad(lambda x: anp.hypot(x, 0.0))(0.0), 0.0)


def test_regression_det_of_a_singular_matrix():
    # det's rules used det(x) inv(x)^T: at an exactly singular matrix inv raised
    # LinAlgError, yet the derivative (the cofactor matrix) exists; found against JAX
    a = np.array([[1.0, 2.0], [2.0, 4.0]])
    np.testing.assert_allclose(adcore.grad(anp.linalg.det)(a), [[4.0, -2.0], [-2.0, 1.0]])
    _, t = adcore.jvp(anp.linalg.det, (a,), (np.eye(2),))
    np.testing.assert_allclose(t, 5.0)  # trace of adj(a)
    # second order: d2 det / da_00 da_11 = 1, d2 det / da_01 da_10 = -1
    h = adcore.hessian(anp.linalg.det)(a).reshape(4, 4)
    np.testing.assert_allclose(h, [[0, 0, 0, 1], [0, 0, -1, 0], [0, -1, 0, 0], [1, 0, 0, 0]])
    zero3 = np.zeros((3, 3))
    np.testing.assert_allclose(adcore.grad(anp.linalg.det)(zero3), zero3)
    stack = np.stack([a, np.eye(2)])  # one singular matrix in a stack
    g = adcore.jacrev(anp.linalg.det)(stack)
    np.testing.assert_allclose(g[0, 0], [[4.0, -2.0], [-2.0, 1.0]])
    np.testing.assert_allclose(g[1, 1], np.eye(2))
    np.testing.assert_allclose(adcore.grad(anp.linalg.det)(np.zeros((1, 1))), [[1.0]])


# ---- the numpy surface built on the primitives (table in oracle_cases) ---------------------


def _surface_cases():
    out = []
    for case in SURFACE:
        marks = []
        if case.label in KNOWN_FIXED_ELSEWHERE:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_FIXED_ELSEWHERE[case.label]))
        elif not case.default:
            marks.append(pytest.mark.slow)
        out.append(pytest.param(case, id=case.label, marks=marks))
    return out


@pytest.mark.parametrize("case", _surface_cases())
def test_surface_matches_jax(case: Surface):
    f_ad, f_jax = case.functions()
    points = case.points(np.random.default_rng(_seed(case.label)), RANDOM_POINTS)
    compare(f_ad, f_jax, points, seed=_seed(case.label), rtol=1e-8, third=case.third)


# ---- random composites of smooth primitives (steps in oracle_cases) --------------------------


JAX_TABLE = {name: oracle.jax for name, oracle in ORACLE.items()}


def _program_check(seed, n_steps):
    rng = np.random.default_rng(seed)
    steps = random_program(rng, n_steps)
    points = [[0.8 * rng.standard_normal((2, 3)) for _ in range(2)] for _ in range(RANDOM_POINTS)]
    shown = " -> ".join(f"{label}{args}" for label, _, args in steps)
    try:
        compare(
            lambda *xs: run_program(steps, PRIMS, xs),
            lambda *xs: run_program(steps, JAX_TABLE, xs),
            points,
            seed=seed,
            rtol=1e-8,
        )
    except AssertionError as e:
        raise AssertionError(f"program (seed {seed}): {shown}: {e}") from None


def _seeds(seeds):
    out = []
    for seed in seeds:
        known = KNOWN_FIXED_ELSEWHERE.get(f"composite-{seed}")
        marks = pytest.mark.xfail(strict=True, reason=known) if known else ()
        out.append(pytest.param(seed, id=f"composite-{seed}", marks=marks))
    return out


@pytest.mark.parametrize("seed", _seeds(range(COMPOSITES)))
def test_random_composites(seed):
    _program_check(seed, n_steps=6)


@pytest.mark.slow
@pytest.mark.parametrize("seed", _seeds(range(1000, 1000 + LONG_COMPOSITES)))
def test_random_composites_long(seed):
    _program_check(seed, n_steps=10)
