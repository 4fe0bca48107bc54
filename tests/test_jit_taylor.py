"""adcore_jit's Taylor kernels agree with adcore's numpy recurrences, and step aside
when they must (traced coefficients, complex, broadcasting, a zero first coefficient).

Each kernel is checked against the native rule it replaces, coefficient by
coefficient, with zero (``None``) coefficients in the input series, with and
without a batch of directions, in float32 and float64.
"""

import subprocess
import sys

import pytest

pytest.importorskip("numba")

import numpy as np

import adcore
import adcore.numpy as anp
import adcore_jit
from adcore.core import get_primitive
from adcore.taylor import JetTag
from adcore.taylor.rules import stack_coefficients
from adcore_jit import taylor
from adcore_jit import taylor_codegen as codegen
from adcore_jit.taylor_kernels import TANH

# primal domain of each accelerated primitive (the rest: (-2, 2))
DOMAIN = {
    "log": (0.2, 3),
    "log2": (0.2, 3),
    "log10": (0.2, 3),
    "log1p": (-0.8, 3),
    "sqrt": (0.2, 3),
    "cbrt": (0.2, 3),
    "power": (0.2, 3),
    "reciprocal": (0.3, 3),
    "arctanh": (-0.8, 0.8),
    "arcsin": (-0.8, 0.8),
    "arccos": (-0.8, 0.8),
    "arccosh": (1.2, 3),
    "tan": (-1.2, 1.2),
}
PATTERNS = {  # which coefficients are nonzero (1-based orders)
    "dense": (1, 2, 3, 4, 5, 6),
    "direction only": (1,),
    "gaps": (1, 3, 4, 6),
}


def _args(name, x):
    return (x, 2.5) if name == "power" else (x,)


def _series(rng, pattern, shape, dtype, k=6):
    return [rng.standard_normal(shape).astype(dtype) if n in pattern else None
            for n in range(1, k + 1)]  # fmt: skip


def _tol(dtype):
    return 1e-12 if np.dtype(dtype) == np.float64 else 2e-5


@pytest.mark.parametrize("pattern", sorted(PATTERNS))
@pytest.mark.parametrize("batch", [(), (3,)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(taylor.RULES))
def test_kernel_agrees_with_the_numpy_rule(always, name, dtype, batch, pattern):
    rng = np.random.default_rng(len(name))
    prim = get_primitive(name)
    lo, hi = DOMAIN.get(name, (-2, 2))
    x = rng.uniform(lo, hi, (4, 5)).astype(dtype)
    args = _args(name, x)
    ans = prim.impl(*args)
    tag = JetTag(6, batch)
    series = [_series(rng, PATTERNS[pattern], batch + x.shape, dtype)] + [None] * (len(args) - 1)
    want = prim.variants["taylor"](prim, ans, args, series, {}, tag)
    got = taylor.RULES[name](ans, args, series, tag)
    assert got is not None, "the kernel declined a plain float array"
    assert len(got) == len(want) == 6
    scale = max(float(np.max(np.abs(w))) for w in want if w is not None)
    for n, (g, w) in enumerate(zip(got, want), 1):
        assert (g is None) == (w is None), n
        if w is None:
            continue
        assert g.shape == w.shape and g.dtype == w.dtype, n
        np.testing.assert_allclose(g, w, rtol=_tol(dtype), atol=_tol(dtype) * scale, err_msg=n)


def test_every_fast_rule_replaces_a_native_one():
    for name in taylor.RULES:
        assert "taylor" in get_primitive(name).variants, name


def _fast(name, ans, args, series, batch=()):
    return taylor.RULES[name](ans, args, series, JetTag(len(series[0]), batch))


def test_kernels_step_aside_where_they_cannot_run(always):
    x = np.linspace(0.5, 1.5, 6)
    c = np.ones(6)
    ans = np.tanh(x)
    assert _fast("tanh", ans, (x,), [[c, c]]) is not None
    assert _fast("tanh", ans, (x,), [[None, c]]) is None  # zero first coefficient
    assert _fast("tanh", ans, (x,), [[c.astype(np.float32), c]]) is None  # mixed dtypes
    assert _fast("tanh", ans, (x,), [[np.ones(12)[::2], c]]) is None  # strided
    assert _fast("tanh", ans, (x,), [[np.ones((2, 6)), c]]) is None  # shape is not batch + x's
    z = x + 0.5j
    assert _fast("tanh", np.tanh(z), (z,), [[c + 0j, c + 0j]]) is None  # complex
    assert _fast("power", x**2.0, (x, 2.0), [[c, c], None]) is None  # exact small-int products
    assert _fast("power", x**x, (x, x), [[c, c], None]) is None  # an array exponent
    assert _fast("power", x**2.5, (x, 2.5), [[c, c], [c, c]]) is None  # a moving exponent


def test_low_orders_stay_on_numpy_by_default():
    x, c = np.linspace(0.5, 1.5, 6), np.ones(6)
    assert taylor.MIN_ORDER > 1
    low = [c] * (taylor.MIN_ORDER - 1)
    assert _fast("tanh", np.tanh(x), (x,), [low]) is None
    assert _fast("tanh", np.tanh(x), (x,), [low + [c]]) is not None


def test_big_arrays_stay_on_numpy_by_default():
    """Where the numpy path measured as fast (big arrays, lower orders; sqrt and reciprocal
    beyond small ones) the block kernels decline; set_threshold(0) lifts the limits."""

    def runs(name, n, k, batch=(), zeros=()):
        x = np.linspace(0.5, 1.5, n)
        c = np.ones(batch + (n,))
        s = [None if j in zeros else c for j in range(1, k + 1)]
        return _fast(name, get_primitive(name).impl(x), (x,), [s], batch) is not None

    assert runs("log", taylor.MAX_ELEMENTS, taylor.MIN_ORDER)
    assert not runs("log", taylor.MAX_ELEMENTS + 1, taylor.MIN_ORDER)
    assert runs("log", taylor.BIG_ORDER_MAX_ELEMENTS, taylor.BIG_ORDER)
    assert not runs("log", taylor.BIG_ORDER_MAX_ELEMENTS + 1, taylor.BIG_ORDER)
    assert not runs("log", taylor.BIG_ORDER_MAX_ELEMENTS // 2 + 1, taylor.BIG_ORDER, (2,))
    for name in ("sqrt", "reciprocal"):
        assert runs(name, taylor.SMALL_MAX_ELEMENTS, 8)
        assert not runs(name, taylor.SMALL_MAX_ELEMENTS + 1, 8)
    # tanh's generated kernels (dense or line series) run at any size from MIN_ORDER; its
    # other zero patterns take the block kernel and its limits
    big = 4 * taylor.BIG_ORDER_MAX_ELEMENTS
    assert runs("tanh", big, taylor.MIN_ORDER)
    assert runs("tanh", big, taylor.MIN_ORDER, zeros=range(2, taylor.MIN_ORDER + 1))
    assert not runs("tanh", big, taylor.MIN_ORDER, zeros=(2,))
    assert runs("tanh", taylor.GENERATED_LOW_ORDER_MIN_ELEMENTS, 2)
    assert not runs("tanh", taylor.GENERATED_LOW_ORDER_MIN_ELEMENTS - 1, 3)
    assert not runs("tanh", big, 1)
    old = adcore_jit.set_threshold(0)
    try:
        assert runs("sqrt", taylor.BIG_ORDER_MAX_ELEMENTS + 1, 2)
    finally:
        adcore_jit.set_threshold(old)


def _generated_equals_numpy(name, shape, k, dtype, batch, rng):
    prim = get_primitive(name)
    x = rng.uniform(-0.8, 0.8, 40).astype(dtype)

    def coefficient():
        return (0.5 * rng.standard_normal(batch + x.shape)).astype(dtype)

    s = [coefficient()] + [coefficient() if shape == "full" else None for _ in range(k - 1)]
    ans, tag = prim.impl(x), JetTag(k, batch)
    expected = prim.variants["taylor"](prim, ans, [x], [s], {}, tag)  # numpy's rule
    old = adcore_jit.set_threshold(0)
    try:
        got = taylor.RULES[name](ans, (x,), [s], tag)
    finally:
        adcore_jit.set_threshold(old)
    assert got is not None and len(got) == k
    for n, (g, e) in enumerate(zip(got, expected), 1):
        np.testing.assert_array_equal(g, e, err_msg=f"{name} k={k} {dtype} order {n}")


GENERATED = ["tanh", "tan", "sigmoid", "exp", "expm1", "exp2", "sin", "cos", "sinh", "cosh"]


@pytest.mark.parametrize("shape", ["full", "line"])
@pytest.mark.parametrize("name", GENERATED)
def test_generated_kernels_give_numpys_bits(name, shape):
    """The straight-line kernels run series.quadratic's terms in its order: equal bit for bit
    to the numpy path, batched and not, float32 and float64.  Each (order, dtype) is a numba
    compile, ~0.5 s the first time on a machine: three here, every order under -m slow."""
    rng = np.random.default_rng(3)
    for k, dtype, batch in ((3, np.float64, ()), (8, np.float64, (3,)), (8, np.float32, ())):
        _generated_equals_numpy(name, shape, k, dtype, batch, rng)


@pytest.mark.slow
@pytest.mark.parametrize("shape", ["full", "line"])
@pytest.mark.parametrize("name", GENERATED)
def test_generated_kernels_give_numpys_bits_at_every_order(name, shape):
    rng = np.random.default_rng(4)
    for k in range(1, codegen.MAX_ORDER + 1):
        _generated_equals_numpy(name, shape, k, np.float64, (2,), rng)


def test_generated_kernel_source_is_checked():
    assert "def kern(a, y0a, p0a, c, out):" in codegen.source(TANH, 3, "line")
    with pytest.raises(ValueError, match="order 13"):
        codegen.source(TANH, codegen.MAX_ORDER + 1, "full")
    assert codegen.pattern(np.array([-1, 0, 1, 2])) == "full"
    assert codegen.pattern(np.array([-1, 0, -1, -1])) == "line"
    assert codegen.pattern(np.array([-1, 0, -1, 1])) is None


def _mlp_params(rng, sizes):
    return [(rng.standard_normal((a, b)) / np.sqrt(a), 0.1 * rng.standard_normal(b))
            for a, b in zip(sizes[:-1], sizes[1:])]  # fmt: skip


def _mlp(params, x):
    for W, b in params[:-1]:
        x = anp.tanh(x @ W + b)
    W, b = params[-1]
    return anp.sigmoid(x @ W + b)


@pytest.mark.parametrize("batched", [False, True])
def test_jet_of_an_mlp_is_the_same_with_and_without_kernels(always, batched):
    rng = np.random.default_rng(0)
    params = _mlp_params(rng, (6, 8, 8, 3))
    x = rng.standard_normal((5, 6))
    v = rng.standard_normal((4, 5, 6) if batched else (5, 6))

    def run():
        return adcore.taylor_derivatives(lambda y: _mlp(params, y), x, v, 5, batched=batched)

    plain = run()
    with adcore_jit.enabled():
        jitted = run()
    for p, j in zip(plain, jitted):
        np.testing.assert_allclose(j, p, rtol=1e-12, atol=1e-12 * np.max(np.abs(p)))


def test_grad_of_a_jet_takes_the_differentiable_rule(always):
    rng = np.random.default_rng(1)
    x, v = rng.uniform(-1, 1, 7), rng.standard_normal(7)

    def third(y):
        return anp.sum(adcore.taylor_derivatives(lambda z: anp.tanh(anp.exp(z) * 0.5), y, v, 3)[-1])

    plain = adcore.grad(third)(x)
    with adcore_jit.enabled():
        jitted = adcore.grad(third)(x)
    np.testing.assert_allclose(jitted, plain, rtol=1e-12, atol=1e-12)


def test_kernel_outputs_are_recycled_only_once_unreferenced(always):
    x = np.linspace(-1.0, 1.0, 50)
    with adcore_jit.enabled():
        first = adcore.taylor_derivatives(anp.tanh, x, np.ones(50), 4)
        kept = [d.copy() for d in first]
        second = adcore.taylor_derivatives(anp.tanh, -x, np.ones(50), 4)
    for d, k in zip(first, kept):
        np.testing.assert_array_equal(d, k)
    assert not np.allclose(second[1], first[1])


def test_stacked_coefficients_are_a_view_only_of_consecutive_rows():
    block = np.arange(24.0).reshape(4, 2, 3)
    rows = [block[0], block[1], block[2]]
    view = stack_coefficients(rows)
    assert np.shares_memory(view, block)
    np.testing.assert_array_equal(view, np.stack(rows))
    for apart in ([block[0], block[2]], [block[1], block[0]], [block[0], np.ones((2, 3))]):
        copy = stack_coefficients(apart)
        assert not np.shares_memory(copy, block)
        np.testing.assert_array_equal(copy, np.stack(apart))


def test_taylor_mode_works_without_numba():
    """adcore never imports adcore_jit: with numba unimportable, jets still run."""
    code = (
        "import sys; sys.modules['numba'] = None\n"
        "import numpy as np, adcore, adcore.numpy as anp\n"
        "d = adcore.taylor_derivatives(anp.tanh, np.zeros(3), np.ones(3), 3)\n"
        "assert np.allclose(d[2], -2.0), d\n"  # tanh''' (0) = -2
        "try:\n"
        "    import adcore_jit\n"
        "except ImportError:\n"
        "    print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok", out.stderr


def test_generated_kernels_compile_in_memory_without_a_writable_cache(tmp_path, monkeypatch):
    """A cache directory that cannot be created (here: a file in the way) falls back to an
    in-memory compile, with the same results."""
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    monkeypatch.setattr(codegen, "_kernels", {})
    kern = codegen.kernel(TANH, 2, "line")
    x = np.linspace(-0.5, 0.5, 8)
    a = np.ones((1, 1, 8))
    out = np.empty((2, 1, 8))
    y0 = np.tanh(x)
    kern(a, y0, 1.0 - y0 * y0, codegen.constants(2, 1.0, out.dtype), out)  # scale 1
    np.testing.assert_allclose(out[0, 0], 1.0 - y0 * y0, rtol=1e-15)  # d/dt tanh(x + t)
    np.testing.assert_allclose(out[1, 0], -y0 * (1.0 - y0 * y0), rtol=1e-15)  # tanh''/2
