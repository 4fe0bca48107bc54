"""Taylor mode's transforms: conventions, nesting with the other modes, errors,
the uses the docs show, and agreement with JAX's jet where JAX has a rule."""

import math

import numpy as np
import pytest

import adcore
import adcore.numpy as anp
from adcore.core import all_primitives

PRIMS = all_primitives()
NAMES = sorted(n for n, p in PRIMS.items() if p.family != "user")


def mlp(x):
    W1 = np.linspace(-1.0, 1.0, 12).reshape(4, 3)
    W2 = np.linspace(0.5, -0.5, 4)
    return anp.sum(W2 * anp.tanh(W1 @ x + 0.1)) + anp.sum(anp.exp(0.2 * x) * anp.sin(x))


def nested(f, x, v, k):
    def d(m):
        if m == 0:
            return f
        inner = d(m - 1)
        return lambda y: adcore.jvp(inner, (y,), (v,))[1]

    return d(k)(x)


def test_jet_uses_jax_derivative_convention():
    # x(t) = x0 + x1 t + x2 t^2 / 2: for f = x^2, f(x(t))'' = 2 x1^2 + 2 x0 x2
    out, (d1, d2) = adcore.jet(lambda x: x * x, (3.0,), ([2.0, 5.0],))
    assert (out, d1, d2) == (9.0, 12.0, 2 * 4.0 + 2 * 3.0 * 5.0)


def test_taylor_derivatives_of_an_mlp_match_nested_jvp():
    rng = np.random.default_rng(0)
    x, v = rng.standard_normal(3), rng.standard_normal(3)
    got = adcore.taylor_derivatives(mlp, x, v, order=5)
    for k, d in enumerate(got, 1):
        np.testing.assert_allclose(d, nested(mlp, x, v, k), rtol=1e-9, atol=1e-10)


def test_kth_derivative_of_a_scalar_function():
    # d^k/dx^k exp(2x) = 2^k exp(2x)
    ds = adcore.taylor_derivatives(lambda x: anp.exp(2.0 * x), 0.5, 1.0, order=8)
    np.testing.assert_allclose(ds, [2.0**k * np.exp(1.0) for k in range(1, 9)], rtol=1e-12)


def taylor_ode_step(rhs, y0, h, order):
    """One step of the order-``order`` Taylor method for ``y' = rhs(y)``."""
    derivs = [rhs(y0)]  # y', y'', ... at t = 0
    for n in range(1, order):
        # y's first n derivatives fix rhs(y(t))'s first n: y^(n+1) = d^n/dt^n rhs(y(t))
        _, out = adcore.jet(rhs, (y0,), (derivs,))
        derivs.append(out[n - 1])
    return y0 + sum(d * h**k / math.factorial(k) for k, d in enumerate(derivs, 1))


def test_taylor_ode_step_matches_the_exact_solution():
    # logistic growth y' = y (1 - y): y(h) = 1 / (1 + (1/y0 - 1) e^-h)
    y0, h = np.array([0.2, 0.6]), 0.1
    step = taylor_ode_step(lambda y: y * (1.0 - y), y0, h, order=8)
    exact = 1.0 / (1.0 + (1.0 / y0 - 1.0) * np.exp(-h))
    np.testing.assert_allclose(step, exact, rtol=1e-12)
    low = taylor_ode_step(lambda y: y * (1.0 - y), y0, h, order=2)
    assert np.max(np.abs(low - exact)) > 1e-6  # the order matters: truncation error is visible


def laplacian(field, x):
    """The docs' example: second derivatives along the basis directions, one batched pass."""
    second = adcore.taylor_derivatives(field, x, np.eye(x.size), order=2, batched=True)[1]
    return np.sum(second)


def test_laplacian_is_the_sum_of_second_directional_derivatives():
    def field(x):
        return anp.sum(anp.sin(x) * anp.exp(x[::-1])) + anp.sum(x) ** 3

    x = np.array([0.3, -0.2, 0.5])
    np.testing.assert_allclose(laplacian(field, x), np.trace(adcore.hessian(field)(x)), rtol=1e-12)


def test_grad_of_a_jet_matches_finite_differences():
    v = np.array([1.0, -0.5, 0.25])

    def third(x):
        return adcore.taylor_derivatives(mlp, x, v, order=3)[2]

    x = np.array([0.2, 0.1, -0.3])
    g = adcore.grad(third)(x)
    eps = 1e-5
    fd = [(third(x + eps * e) - third(x - eps * e)) / (2 * eps) for e in np.eye(3)]
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)
    # and against nested jvp under grad
    np.testing.assert_allclose(g, adcore.grad(lambda y: nested(mlp, y, v, 3))(x), rtol=1e-10)


def test_jet_of_a_gradient_and_jvp_of_a_jet():
    rng = np.random.default_rng(1)
    x, v = rng.standard_normal(3), rng.standard_normal(3)
    u = rng.standard_normal(3)
    # jet of grad: d^2/dt^2 <u, grad f(x + t v)> = third derivative f[v, v, u]
    got = adcore.taylor_derivatives(lambda y: anp.sum(u * adcore.grad(mlp)(y)), x, v, order=2)[1]
    want = nested(lambda y: adcore.jvp(mlp, (y,), (u,))[1], x, v, 2)
    np.testing.assert_allclose(got, want, rtol=1e-9)
    # jvp of jet: d/ds of the second derivative along v at x + s u
    _, t = adcore.jvp(lambda y: adcore.taylor_derivatives(mlp, y, v, order=2)[1], (x,), (u,))
    np.testing.assert_allclose(t, want, rtol=1e-9)


@pytest.mark.parametrize("native", [True, False])
def test_inverse_along_a_matrix_curve_native_and_derived(native, monkeypatch):
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    assert adcore.registry()["inv"]["taylor"]
    if not native:  # the JVP-derived rule every primitive without a native one gets
        from adcore.taylor.fallback import jvp_derived

        monkeypatch.setitem(PRIMS["inv"].variants, "taylor", jvp_derived)

    def f(s):
        return anp.linalg.inv(A + s * np.eye(2))

    got = adcore.taylor_derivatives(f, 0.0, 1.0, order=4)
    # d^k/ds^k (A + sI)^-1 = (-1)^k k! (A + sI)^-(k+1)
    inv = np.linalg.inv(A)
    for k, d in enumerate(got, 1):
        want = (-1) ** k * math.factorial(k) * np.linalg.matrix_power(inv, k + 1)
        np.testing.assert_allclose(d, want, rtol=1e-10)


def test_jvp_derived_fallback_serves_primitives_without_a_rule():
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    assert "taylor" not in adcore.registry()["eigh_packed"]

    def f(s):  # eigenvalues of A + s I move with slope 1 and no curvature
        return anp.linalg.eigvalsh(A + s * np.eye(2))

    got = adcore.taylor_derivatives(f, 0.0, 1.0, order=4)
    np.testing.assert_allclose(got[0], np.ones(2), rtol=1e-10)
    np.testing.assert_allclose(got[1:], np.zeros((3, 2)), atol=1e-10)


def test_native_linear_solve_along_a_matrix_curve():
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    b = np.array([1.0, -1.0])
    assert adcore.registry()["solve"]["taylor"]
    got = adcore.taylor_derivatives(lambda s: anp.linalg.solve(A + s * np.eye(2), b), 0.0, 1.0, 6)
    inv = np.linalg.inv(A)
    for k, d in enumerate(got, 1):
        want = (-1) ** k * math.factorial(k) * np.linalg.matrix_power(inv, k + 1) @ b
        np.testing.assert_allclose(d, want, rtol=1e-10)
    # a batch of directions in A and b at once, against one direction at a time
    rng = np.random.default_rng(2)
    dA, db = rng.standard_normal((3, 2, 2)), rng.standard_normal((3, 2))
    both = lambda M, c: anp.linalg.solve(M, c)
    _, together = adcore.jet(both, (A, b), ([dA, dA], [db, db]), batched=True)
    for d in range(3):
        _, alone = adcore.jet(both, (A, b), ([dA[d], dA[d]], [db[d], db[d]]))
        for t, a_ in zip(together, alone):
            np.testing.assert_allclose(t[d], a_, rtol=1e-12)


def test_jet_of_a_jet_gives_mixed_derivatives():
    # f(x) = x0^3 x1^2 along x + s e0 + t e1: d^2/ds^2 d^2/dt^2 = 6 x0 * 2
    def f(x):
        return x[0] ** 3 * x[1] ** 2

    def inner(x):
        return adcore.taylor_derivatives(f, x, np.array([0.0, 1.0]), order=2)[1]

    x = np.array([0.7, -1.3])
    got = adcore.taylor_derivatives(inner, x, np.array([1.0, 0.0]), order=2)[1]
    np.testing.assert_allclose(got, 6.0 * x[0] * 2.0, rtol=1e-12)


def test_a_primitive_without_jvp_rule_is_named():
    p = adcore.primitive(lambda x: x * 2.0, name="taylor_test_vjp_only")
    adcore.defvjp(p, lambda ans, x: lambda g: 2.0 * g)
    with pytest.raises(NotImplementedError, match="taylor_test_vjp_only' has no JVP rule"):
        adcore.taylor_derivatives(p, 1.0, 1.0, order=2)


def test_user_primitive_gets_the_jvp_derived_rule():
    p = adcore.primitive(np.sin, name="taylor_test_user_sin")
    adcore.defjvp(p, lambda g, ans, x: g * anp.cos(x))
    got = adcore.taylor_derivatives(lambda x: p(x) * 2.0, 0.3, 1.0, order=4)
    want = [2.0 * np.cos(0.3), -2.0 * np.sin(0.3), -2.0 * np.cos(0.3), 2.0 * np.sin(0.3)]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert "taylor" not in adcore.registry()["taylor_test_user_sin"]


def test_pytree_outputs_and_constant_outputs():
    out, series = adcore.jet(
        lambda x: {"a": x * x, "b": np.ones(2)}, (np.ones(2),), ([np.ones(2), np.zeros(2)],)
    )
    np.testing.assert_allclose(series["a"][0], 2.0 * np.ones(2))
    np.testing.assert_allclose(series["b"][1], np.zeros(2))


def test_comparisons_give_zero_series():
    f = lambda x: anp.where(x > 0.0, 1.0, 0.0) * 3.0 + anp.sign(x)
    _, series = adcore.jet(f, (np.array([0.5, -0.5]),), ([np.ones(2), np.ones(2)],))
    np.testing.assert_array_equal(series, np.zeros((2, 2)))


def test_float32_stays_float32():
    x = np.ones(3, dtype=np.float32)
    ds = adcore.taylor_derivatives(lambda y: anp.tanh(y) * 2.0, x, x, order=3)
    assert all(d.dtype == np.float32 for d in ds)


@pytest.mark.parametrize(
    "args, match",
    [
        ((np.ones(2),), "primals and series must be tuples"),
        (((np.ones(2),), ([np.ones(3)],)), r"term 1 of argument 0 has shape \(3,\)"),
        (((np.ones(2), 1.0), ([np.ones(2)], [1.0, 2.0])), "same number of terms"),
        (((np.ones(2),), ([],)), "at least one term"),
        (((np.arange(2),), ([np.ones(2)],)), "argument 0 has dtype int"),
    ],
)
def test_bad_input_names_what_is_wrong(args, match):
    if len(args) == 1:
        args = (args[0], [np.ones(2)])
    with pytest.raises((TypeError, ValueError), match=match):
        adcore.jet(lambda x, *r: x, *args)


def test_bad_order_and_batch_errors():
    with pytest.raises(ValueError, match="order must be a positive int"):
        adcore.taylor_derivatives(mlp, np.ones(3), np.ones(3), order=0)
    with pytest.raises(ValueError, match=r"with batched=True it must be \(batch,\)"):
        adcore.jet(mlp, (np.ones(3),), ([np.ones(3)],), batched=True)


def test_leaked_jet_is_reported():
    kept = []
    adcore.jet(lambda x: kept.append(x) or x, (1.0,), ([1.0],))
    with pytest.raises(adcore.LeakedTracerError, match="jet"):
        anp.sin(kept[0])


# ---- JAX's jet, where it has a rule (optional) ----------------------------------------
JAX_ALIASES = {"absolute": "abs", "sigmoid": "nn.sigmoid", "softplus": "nn.softplus",
               "relu": "nn.relu", "logsumexp": "nn.logsumexp", "softmax": "nn.softmax",
               "log_softmax": "nn.log_softmax"}  # fmt: skip
ELEMENTWISE = [n for n in NAMES if PRIMS[n].meta.get("arity") in (1, 2) and
               PRIMS[n].meta.get("kind") == "elementwise"]  # fmt: skip


def _jax_function(jax, name):
    path = JAX_ALIASES.get(name, name).split(".")
    mod = jax if path[0] == "nn" else jax.numpy
    for part in path:
        mod = getattr(mod, part, None)
        if mod is None:
            return None
    return mod


# JAX compiles each op eagerly (a second or more per primitive): a few by default, all when slow
JAX_DEFAULT = {"multiply", "divide", "exp", "log", "sqrt", "sin", "tanh", "power", "matmul"}
JAX_CASES = [
    pytest.param(n, marks=() if n in JAX_DEFAULT else pytest.mark.slow)
    for n in ELEMENTWISE + ["logsumexp", "softmax", "sum", "matmul"]
]


@pytest.mark.parametrize("name", JAX_CASES)
def test_matches_jax_jet(name):
    jax = pytest.importorskip("jax")
    from jax.experimental.jet import jet as jax_jet

    theirs = _jax_function(jax, name)
    if theirs is None:
        pytest.skip(f"JAX has no function {name}")
    prim = PRIMS[name]
    arity = 2 if name == "matmul" else prim.meta.get("arity", 1)
    dom = prim.meta.get("domain") or (-2.0, 2.0)
    dom = dom[0] if isinstance(dom, list) else dom
    rng = np.random.default_rng(5)
    shape = (3, 3) if name == "matmul" else (4,)
    lo, hi = dom[0] + 0.3 * (dom[1] - dom[0]), dom[1] - 0.3 * (dom[1] - dom[0])
    xs = tuple(rng.uniform(lo, hi, shape).astype(np.float32) for _ in range(arity))
    series = tuple([0.3 * rng.standard_normal(shape).astype(np.float32) for _ in range(4)]
                   for _ in range(arity))  # fmt: skip
    try:
        _, want = jax_jet(theirs, xs, series)
    except Exception as exc:  # e.g. KeyError: tan -- no rule in jax.experimental.jet
        pytest.skip(f"JAX's jet fails on {name}: {type(exc).__name__}: {exc}"[:200])
    _, got = adcore.jet(prim, xs, series)
    for n, (g, w) in enumerate(zip(got, want), 1):
        w = np.asarray(w)
        tol = 1e-3 * (1.0 + np.max(np.abs(w)))
        np.testing.assert_allclose(g, w, rtol=1e-3, atol=tol, err_msg=f"{name}, order {n}")
