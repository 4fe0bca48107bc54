"""adcore_jit: the kernels agree with the numpy rules, and switching is exact.

Most tests lower the size threshold to 0 so the kernels run on the small
arrays hypothesis draws; one test checks the default threshold on a big array.
"""

import pytest

pytest.importorskip("numba")

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import adcore
import adcore.numpy as anp
import adcore_jit
from adcore.core import all_primitives, get_primitive
from adcore_jit import fused

SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def both(fn):
    """fn() with pure numpy, then with the kernels."""
    assert not adcore_jit.is_enabled()
    plain = fn()
    with adcore_jit.enabled():
        jitted = fn()
    assert not adcore_jit.is_enabled()
    return plain, jitted


def close(a, b, dtype=np.float64):
    tol = 2e-5 if np.dtype(dtype) == np.float32 else 1e-12
    a, b = adcore.tree_flatten(a)[0], adcore.tree_flatten(b)[0]
    assert len(a) == len(b)
    for u, v in zip(a, b):
        u, v = np.asarray(u), np.asarray(v)
        assert u.shape == v.shape
        assert u.dtype == v.dtype, (u.dtype, v.dtype)
        np.testing.assert_allclose(u, v, rtol=tol, atol=tol, equal_nan=True)


# ---- one function per accelerated primitive -------------------------------------
# (f(x, y), domain of x, domain of y): f is scalar-valued and exercises that
# primitive's kernels; y is used by the binary ones.

UNARY = {
    "tanh": (anp.tanh, (-3, 3)),
    "sigmoid": (anp.sigmoid, (-6, 6)),
    "exp": (anp.exp, (-3, 3)),
    "expm1": (anp.expm1, (-3, 3)),
    "log": (anp.log, (0.1, 3)),
    "log1p": (anp.log1p, (-0.9, 3)),
    "sqrt": (anp.sqrt, (0.1, 3)),
    "reciprocal": (anp.reciprocal, (0.2, 3)),
    "tan": (anp.tan, (-1.2, 1.2)),
    "arctan": (anp.arctan, (-3, 3)),
    "square": (anp.square, (-3, 3)),
    "power": (lambda x: x**2, (-3, 3)),
    "relu": (anp.relu, (-3, 3)),
    "absolute": (anp.abs, (-3, 3)),
    "fabs": (anp.fabs, (-3, 3)),
    "softplus": (anp.softplus, (-6, 6)),
    "sin": (anp.sin, (-3, 3)),  # forward only: recycled buffers, no kernel
    "cos": (anp.cos, (-3, 3)),
    "negative": (anp.negative, (-3, 3)),
}
BINARY = {
    "add": lambda x, y: x + y,
    "subtract": lambda x, y: x - y,
    "multiply": lambda x, y: x * y,
    "divide": lambda x, y: x / (anp.abs(y) + 0.5),
    "maximum": anp.maximum,
    "minimum": anp.minimum,
    "where": lambda x, y: anp.where(x > y, x, y),
}


def test_every_accelerated_primitive_is_tested():
    # the Taylor kernels' primitives are tested in test_jit_taylor.py
    from adcore_jit.taylor import RULES as TAYLOR

    assert set(UNARY) | set(BINARY) | set(TAYLOR) == set(adcore_jit.jitted_primitives())


def _array(rng, shape, dtype, lo=-3.0, hi=3.0):
    return rng.uniform(lo, hi, size=shape).astype(dtype)


shapes = st.lists(st.integers(1, 4), min_size=0, max_size=3).map(tuple)
dtypes = st.sampled_from([np.float32, np.float64])


@SETTINGS
@given(name=st.sampled_from(sorted(UNARY)), shape=shapes, dtype=dtypes, seed=st.integers(0, 99))
def test_unary_grad_jvp_jacfwd_agree(always, name, shape, dtype, seed):
    op, (lo, hi) = UNARY[name]
    rng = np.random.default_rng(seed)
    x = _array(rng, shape, dtype, lo, hi)
    v = _array(rng, shape, dtype)
    w = _array(rng, shape, dtype)

    def f(x):
        return anp.sum(w * op(x))

    plain, jitted = both(
        lambda: (adcore.grad(f)(x), adcore.jvp(op, (x,), (v,)), adcore.jacfwd(op)(x))
    )
    close(plain, jitted, dtype)


@SETTINGS
@given(
    name=st.sampled_from(sorted(BINARY)),
    shape=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple),
    cut=st.integers(0, 3),
    dtype=dtypes,
    seed=st.integers(0, 99),
)
def test_binary_with_broadcasting_agree(always, name, shape, cut, dtype, seed):
    # y has a suffix of x's shape, with some axes set to 1: broadcasting
    # takes the numpy rule (unbroadcast), equal shapes take the kernel
    op = BINARY[name]
    rng = np.random.default_rng(seed)
    yshape = tuple(1 if k % 2 else d for k, d in enumerate(shape[cut:]))
    x, y = _array(rng, shape, dtype), _array(rng, yshape, dtype)
    x[..., :1] = y[..., :1] if x.shape[-1:] == y.shape[-1:] else x[..., :1]  # some ties
    vx, vy = _array(rng, shape, dtype), _array(rng, yshape, dtype)

    def f(x, y):
        return anp.sum(anp.tanh(op(x, y)))

    plain, jitted = both(
        lambda: (
            adcore.grad(f, (0, 1))(x, y),
            adcore.grad(f, (0, 1))(x, x.copy()),  # equal shapes, all ties
            adcore.jvp(op, (x, y), (vx, vy)),
            adcore.jacfwd(op, (0, 1))(x, y),
            adcore.jacrev(op, (0, 1))(x, y),
        )
    )
    close(plain, jitted, dtype)


def test_maximum_minimum_against_a_number(always):
    x = np.array([-1.0, 0.0, 2.0, np.nan, np.inf])
    for op in (anp.maximum, anp.minimum):
        for f in (lambda x: anp.sum(op(x, 0.0)), lambda x: anp.sum(op(0.0, x))):
            plain, jitted = both(lambda: adcore.grad(f)(x))
            close(plain, jitted)
    # SPEC: ties split 0.5 / 0.5, also through the kernel
    with adcore_jit.enabled():
        np.testing.assert_array_equal(
            adcore.grad(lambda x: anp.sum(anp.maximum(x, 0.0)))(x)[:3], [0.0, 0.5, 1.0]
        )


def test_nan_and_inf_propagate_as_in_numpy(always):
    x = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e308, -1e-300, 2.0])
    for op, _ in UNARY.values():
        with np.errstate(all="ignore"):
            plain, jitted = both(
                lambda op=op: (
                    adcore.grad(lambda x: anp.sum(op(x)))(x),
                    adcore.jvp(op, (x,), (np.full_like(x, np.inf),)),
                )
            )
        close(plain, jitted)
    # a NaN cotangent reaching a mask gives NaN, not 0 (g * 0 = NaN for g = NaN)
    g = np.array([np.nan, 1.0])
    _, pull = adcore.vjp(anp.relu, np.array([-1.0, 1.0]))
    with adcore_jit.enabled():
        assert np.isnan(pull(g)[0][0])


def test_hvp_all_modes_and_hessian_agree(always):
    rng = np.random.default_rng(0)
    x, v = rng.uniform(-1, 1, 7), rng.uniform(-1, 1, 7)

    def f(x):
        return anp.sum(anp.sigmoid(x) * anp.tanh(x) + anp.exp(-(x**2)) + anp.log1p(x**2))

    for mode in adcore.HVP_MODES:
        plain, jitted = both(lambda mode=mode: adcore.hvp(f, (x,), (v,), mode=mode))
        close(plain, jitted)
    plain, jitted = both(lambda: adcore.hessian(f)(x))
    close(plain, jitted)


def test_float32_in_float32_out(always):
    x = np.linspace(-2, 2, 50, dtype=np.float32)
    with adcore_jit.enabled():
        g = adcore.grad(lambda x: anp.sum(anp.sigmoid(x) * anp.tanh(x)))(x)
        assert g.dtype == np.float32
    ref = adcore.grad(lambda x: anp.sum(anp.sigmoid(x) * anp.tanh(x)))(x.astype(np.float64))
    np.testing.assert_allclose(g, ref, rtol=1e-5, atol=1e-6)


def test_kernels_run_only_on_plain_contiguous_float_arrays(always):
    x = np.linspace(0.1, 2.0, 12)
    g = np.ones(12)
    y = np.tanh(x)
    assert fused.tanh_rule(g, y, x) is not None
    assert fused.tanh_rule(np.ones(()), y, x) is None  # g not shaped like the output
    assert fused.tanh_rule(g[::-1].copy()[::-1], y, x) is None  # strided g
    assert fused.tanh_rule(g.astype(np.float32), y, x) is None  # mixed dtypes
    assert fused.tanh_rule(g.astype(int), y.astype(int), x) is None
    assert fused.multiply_left_rule(g, x * 2.0, x, 2.0) is None  # a number: numpy's one pass
    assert fused.multiply_left_rule(g[:1], x[:1] * x, x[:1], x) is None  # needs unbroadcast
    # batch axes and a broadcast number as g are read in place
    batched = fused.tanh_rule(np.ones((3, 12)), y, x)
    np.testing.assert_allclose(batched, np.broadcast_to(1 - y * y, (3, 12)))
    one = fused.tanh_rule(np.broadcast_to(np.float64(2.0), (12,)), y, x)
    np.testing.assert_allclose(one, 2 * (1 - y * y))
    # a traced value never reaches a kernel: under jvp-of-grad the rule gets Duals
    seen = []
    real = fused._run

    def spy(kernel, g, ans, diff, *operands):
        out = real(kernel, g, ans, diff, *operands)
        seen.append((type(g).__name__, type(ans).__name__, out is not None))
        return out

    fused._run = spy
    try:
        with adcore_jit.enabled():
            adcore.hvp(lambda x: anp.sum(anp.tanh(x)), (x,), (g,))
            # a traced cotangent with a plain output: jvp through a pullback
            _, pull = adcore.vjp(anp.tanh, x)
            adcore.jvp(lambda c: pull(c)[0], (g,), (g,))
    finally:
        fused._run = real
    assert ("ndarray", "ndarray", True) in seen  # the first-order passes used the kernel
    traced = [ok for tg, ta, ok in seen if (tg, ta) != ("ndarray", "ndarray")]
    assert traced and not any(traced)  # a traced g reached the check and was declined


def test_default_threshold_skips_small_arrays():
    assert adcore_jit.threshold() == adcore_jit.DEFAULT_THRESHOLD
    n = adcore_jit.threshold()
    small, big = np.linspace(-1, 1, max(n - 1, 1)), np.linspace(-1, 1, n)
    assert fused.tanh_rule(np.ones_like(small), np.tanh(small), small) is None
    assert fused.tanh_rule(np.ones_like(big), np.tanh(big), big) is not None
    plain, jitted = both(lambda: adcore.grad(lambda x: anp.sum(anp.sigmoid(x) ** 2))(big))
    close(plain, jitted)
    with pytest.raises(ValueError, match="set_threshold"):
        adcore_jit.set_threshold(-1)


def _snapshot():
    import gc

    from adcore.core import hooks

    gc.collect()  # the registry holds primitives weakly: let dropped ones go first
    table = {
        name: (p.impl, dict(p.jvps), dict(p.vjps), dict(p.variants))
        for name, p in all_primitives().items()
    }
    table["hooks.add"] = (hooks.add, {}, {}, {})
    return table


def _same(a, b):
    assert a.keys() == b.keys()
    for name in a:  # identity of every rule, impl and hook
        (ia, ja, va, xa), (ib, jb, vb, xb) = a[name], b[name]
        assert ia is ib, name
        assert ja.keys() == jb.keys() and all(ja[k] is jb[k] for k in ja), name
        assert va.keys() == vb.keys() and all(va[k] is vb[k] for k in va), name
        assert xa == xb, name


def test_enable_disable_restore_the_registry_exactly():
    before = _snapshot()
    assert not adcore_jit.is_enabled()
    assert not any(row["jitted"] for row in adcore.registry().values())
    adcore_jit.enable()
    adcore_jit.enable()  # idempotent
    try:
        assert adcore_jit.is_enabled()
        table = adcore.registry()
        assert {n for n, row in table.items() if row["jitted"]} == set(
            adcore_jit.jitted_primitives()
        )
        tanh = get_primitive("tanh")
        assert tanh.vjps[0] is not before["tanh"][2][0]
        assert tanh.vjps[0].original is before["tanh"][2][0]
    finally:
        adcore_jit.disable()
    adcore_jit.disable()  # idempotent
    _same(before, _snapshot())
    with adcore_jit.enabled():
        with adcore_jit.enabled():  # nested: the inner exit keeps it on
            pass
        assert adcore_jit.is_enabled()
    assert not adcore_jit.is_enabled()
    _same(before, _snapshot())
    with pytest.raises(RuntimeError), adcore_jit.enabled():
        raise RuntimeError("an error inside the block still restores")
    _same(before, _snapshot())


def test_a_rule_registered_while_enabled_survives_disable():
    prim = get_primitive("expm1")
    original = prim.vjps[0]

    def mine(g, ans, x):
        return original(g, ans, x)

    try:
        with adcore_jit.enabled():
            prim.vjps[0] = mine
        assert prim.vjps[0] is mine
    finally:
        prim.vjps[0] = original


def test_recycled_buffers_are_never_overwritten_while_referenced(always):
    from adcore.core import pool

    rng = np.random.default_rng(5)
    x = rng.uniform(-1, 1, 1000)

    def f(x):
        return anp.sum(anp.sigmoid(x) * anp.tanh(x) + anp.exp(-(x**2)))

    expected = adcore.grad(f)(x)
    with adcore_jit.enabled():
        kept = [adcore.grad(f)(x) for _ in range(3)]  # each result holds its buffer
        y = anp.tanh(x)  # plain call: the impl writes into a recycled buffer too
        y_copy = y.copy()
        for _ in range(3):
            adcore.grad(f)(-x)
            anp.tanh(-x)
        for g in kept:
            np.testing.assert_array_equal(g, expected)
        np.testing.assert_array_equal(y, y_copy)
        del kept, y
        held = pool.held_bytes()
        for _ in range(5):
            adcore.grad(f)(x)
        assert pool.held_bytes() == held  # released buffers were reused, not added
    assert pool.held_bytes() == held  # kept for the next enable()
    adcore_jit.release_memory()
    assert pool.held_bytes() == 0
