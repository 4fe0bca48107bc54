"""Sparse Jacobians and Hessians equal the dense ones; detection's guarantees."""

import warnings

import numpy as np
import pytest

sp = pytest.importorskip("scipy.sparse")

import adcore  # noqa: E402
import adcore.numpy as anp  # noqa: E402
from adcore.sparse import (  # noqa: E402
    LocalPatternWarning,
    defsparsity,
    detect,
    hessian_sparsity,
    jacobian_sparsity,
    prepare_sparse_hessian,
    prepare_sparse_jacobian,
    sparse_hessian,
    sparse_jacobian,
)
from adcore.sparse import patterns as pt  # noqa: E402


def brusselator(y, n=6):
    u = anp.reshape(y[: n * n], (n, n))
    v = anp.reshape(y[n * n :], (n, n))

    def lap(w):
        rolled = anp.roll(w, 1, 0) + anp.roll(w, -1, 0) + anp.roll(w, 1, 1) + anp.roll(w, -1, 1)
        return rolled - 4 * w

    du = 1.0 + u * u * v - 4.4 * u + 0.02 * n * n * lap(u)
    dv = 3.4 * u - u * u * v + 0.02 * n * n * lap(v)
    return anp.concatenate([anp.ravel(du), anp.ravel(dv)])


def banded(x):
    return anp.concatenate([x[:1] ** 2, x[:-2] - 2 * anp.sin(x[1:-1]) + x[2:] ** 3, x[-1:]])


def arrowhead(x):
    return anp.concatenate([anp.sum(x**2)[None], anp.exp(x[1:]) * x[0]])


CAM_OF, POINT_OF = np.array([0, 0, 1, 2, 2, 1]), np.array([0, 1, 1, 2, 3, 3])


def bundle(cams, pts):
    """Residuals of observation k read camera CAM_OF[k] (3 parameters) and point POINT_OF[k]."""
    c, p = cams[CAM_OF], pts[POINT_OF]
    return anp.ravel(c[:, :2] * anp.tanh(p) + c[:, 2:] * p[:, ::-1])


CASES = {
    "brusselator": (brusselator, (np.random.default_rng(0).random(72),), 0),
    "banded": (banded, (np.random.default_rng(1).random(20),), 0),
    "arrowhead": (arrowhead, (np.random.default_rng(2).random(15),), 0),
    "bundle": (bundle, tuple(np.random.default_rng(3).random(s) for s in [(3, 3), (4, 2)]), (0, 1)),
}


def dense_flat(f, args, argnums):
    nums = (argnums,) if isinstance(argnums, int) else argnums
    m = int(np.size(f(*args)))
    blocks = adcore.jacfwd(f, nums)(*args)
    return np.concatenate([np.reshape(b, (m, -1)) for b in blocks], axis=1)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("mode", ["auto", "forward", "reverse", "bidirectional"])
def test_sparse_jacobian_equals_dense(name, mode):
    f, args, argnums = CASES[name]
    got = sparse_jacobian(f, argnums, mode=mode)(*args)
    assert isinstance(got, sp.csr_array)
    want = dense_flat(f, args, argnums)
    np.testing.assert_allclose(got.toarray(), want, rtol=1e-12, atol=1e-12)
    pattern = jacobian_sparsity(f, *args, argnums=argnums).toarray()
    assert np.array_equal(pattern, want != 0), f"{name}: pattern is not the exact one"


def test_mode_choice_and_pass_counts():
    f, args, _ = CASES["brusselator"]
    plan = prepare_sparse_jacobian(f, *args)
    assert plan.mode == "forward" and plan.passes <= 12
    plan = prepare_sparse_jacobian(arrowhead, np.ones(40))
    assert plan.mode == "bidirectional" and plan.passes == 3, plan.reason
    assert "bidirectional" in plan.reason


def test_prepared_plan_at_new_points():
    f, (y,), _ = CASES["brusselator"]
    plan = sparse_jacobian(f).prepare(y)
    for seed in range(3):
        z = np.random.default_rng(seed + 10).random(y.shape)
        np.testing.assert_allclose(plan(z).toarray(), dense_flat(f, (z,), 0), atol=1e-12)
    with pytest.raises(ValueError, match="prepared for input shapes"):
        plan(np.ones(5))


def test_float32_in_float32_out():
    x = np.random.default_rng(4).random(12).astype(np.float32)
    assert sparse_jacobian(banded)(x).dtype == np.float32


def test_given_pattern_is_used_and_checked():
    x = np.random.default_rng(5).random(10)
    p = jacobian_sparsity(banded, x)
    got = sparse_jacobian(banded, pattern=p)(x).toarray()
    np.testing.assert_allclose(got, dense_flat(banded, (x,), 0))
    with pytest.raises(ValueError, match=r"pattern has shape \(3, 3\).*expected \(10, 10\)"):
        sparse_jacobian(banded, pattern=sp.eye_array(3))(x)


def test_bad_mode_is_named():
    with pytest.raises(ValueError, match="mode='sideways'"):
        sparse_jacobian(banded, mode="sideways")


# ---- Hessians ---------------------------------------------------------------------------
def chain(x):
    return anp.sum((x[1:] - x[:-1] ** 2) ** 2) + anp.sum(anp.cos(x) * x)


def star(x):
    return x[0] * anp.sum(anp.exp(x[1:])) + anp.sum(x**4)


@pytest.mark.parametrize("f", [chain, star])
def test_sparse_hessian_equals_dense(f):
    x = np.random.default_rng(6).random(25)
    got = sparse_hessian(f)(x)
    want = adcore.hessian(f)(x)
    np.testing.assert_allclose(got.toarray(), want, rtol=1e-10, atol=1e-10)
    assert np.array_equal(hessian_sparsity(f, x).toarray(), want != 0)


def test_sparse_hessian_passes():
    x = np.random.default_rng(7).random(200)
    assert prepare_sparse_hessian(chain, x).passes == 3  # tridiagonal
    assert prepare_sparse_hessian(star, x).passes == 2  # arrowhead: star coloring


def test_hessian_of_two_arguments():
    def f(a, b):
        return anp.sum(a[:-1] * b) + anp.sum(anp.sin(a) ** 2)

    a, b = np.random.default_rng(8).random(6), np.random.default_rng(9).random(5)
    got = sparse_hessian(f, (0, 1))(a, b).toarray()
    rows = adcore.jacfwd(lambda a, b: anp.concatenate(adcore.grad(f, (0, 1))(a, b)), (0, 1))(a, b)
    np.testing.assert_allclose(got, np.concatenate(rows, axis=1), atol=1e-12)


def test_hessian_needs_a_scalar():
    with pytest.raises(TypeError, match="requires f to return a scalar"):
        hessian_sparsity(banded, np.ones(5))


# ---- what detection promises ---------------------------------------------------------------
def test_value_dependent_control_flow_is_reported_local():
    def f(x):
        return x * 2 if anp.sum(x) > 0 else x[::-1]

    with pytest.warns(LocalPatternWarning, match="local"):
        jacobian_sparsity(f, np.ones(4))
    found = detect(f, (np.ones(4),))
    assert not found.is_global and any("test_sparse_jacobian.py" in r for r in found.reads)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert detect(banded, (np.ones(6),)).is_global


def test_transforms_inside_f_trace_through_and_stay_global():
    x = np.random.default_rng(10).random(8)
    want = adcore.hessian(chain)(x) != 0
    for g in (adcore.grad(chain), lambda x: adcore.hvp(chain, (x,), (x,))[1]):
        found = detect(g, (x,))
        assert found.is_global, found.reads
        assert np.array_equal(found.pattern.toarray(), want)
    found = detect(adcore.jacfwd(lambda x: x[1:] * x[:-1]), (x,))
    assert found.is_global, found.reads


def test_primitive_without_a_rule_is_assumed_dense():
    @adcore.primitive
    def shift(x):
        return np.concatenate([x[1:], x[:1]])

    adcore.defjvp(shift, lambda g, ans, x: anp.concatenate([g[..., 1:], g[..., :1]], axis=-1))
    found = detect(lambda x: shift(x) * x, (np.ones(5),))
    assert found.assumed_dense == ("shift",)
    assert found.pattern.toarray().all()  # dense: never too sparse

    # with a rule it is exact
    def shift_pattern(prim, ans, args, kwargs, traced):
        return {0: pt.Gather(np.r_[1:5, 0], 5)}

    defsparsity(shift, shift_pattern, "linear")
    found = detect(lambda x: shift(x) * x, (np.ones(5),))
    assert found.pattern.nnz == 10 and not found.assumed_dense


def test_constant_zeros_cut_dependencies():
    mask = np.array([1.0, 0.0, 1.0])
    a = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 2.0]])
    x = np.ones(3)
    assert jacobian_sparsity(lambda x: x * mask, x).nnz == 2
    assert np.array_equal(jacobian_sparsity(lambda x: a @ x, x).toarray(), a != 0)
    assert np.array_equal(
        jacobian_sparsity(lambda x: anp.einsum("ij,j->i", a, x), x).toarray(), a != 0
    )


def test_pytree_inputs_and_outputs():
    def f(p):
        return {"r": p["a"] * p["b"][:2], "s": anp.sum(p["b"])}

    p = {"a": np.ones(2), "b": np.arange(3.0)}
    pattern = jacobian_sparsity(f, p).toarray()
    # inputs a(2) b(3); outputs r(2) then s(1) (dict keys sorted)
    want = np.array([[1, 0, 1, 0, 0], [0, 1, 0, 1, 0], [0, 0, 1, 1, 1]], dtype=bool)
    assert np.array_equal(pattern, want)


@pytest.mark.slow
def test_large_cases_match_dense_products():
    y = np.random.default_rng(11).random(2 * 32 * 32)
    f = lambda y: brusselator(y, 32)
    np.testing.assert_allclose(sparse_jacobian(f)(y).toarray(), adcore.jacrev(f)(y), atol=1e-10)
    x = np.random.default_rng(12).random(10_000)
    v = np.random.default_rng(13).random(10_000)
    h = sparse_hessian(chain)(x)
    _, hv = adcore.hvp(chain, (x,), (v,))
    np.testing.assert_allclose(h @ v, hv, rtol=1e-10, atol=1e-10)
