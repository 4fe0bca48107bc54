"""The transforms of SPEC: shapes, pytrees, argnums, has_aux, nesting."""

from collections import namedtuple

import numpy as np
import pytest

import adcore
import adcore.numpy as anp
from adcore import defjvp, defvjp, primitive

rng = np.random.default_rng(0)
A = rng.standard_normal((5, 3))


def net(x):
    return anp.tanh(A @ x)


def loss(x):
    return anp.sum(anp.tanh(A @ x) ** 2)


def test_jacobian_layout_and_modes_agree():
    x = rng.standard_normal(3)
    jf, jr = adcore.jacfwd(net)(x), adcore.jacrev(net)(x)
    ja = adcore.jacobian(net, mode="auto")(x)
    assert jf.shape == (5, 3)  # out.shape + in.shape
    np.testing.assert_allclose(jf, jr)
    np.testing.assert_allclose(ja, jf)
    expected = (1 - np.tanh(A @ x) ** 2)[:, None] * A
    np.testing.assert_allclose(jf, expected)


def test_jacobian_matrix_input():
    X = rng.standard_normal((2, 3))
    f = lambda X: anp.sum(X**2, axis=0)
    J = adcore.jacrev(f)(X)
    assert J.shape == (3, 2, 3)
    np.testing.assert_allclose(J, adcore.jacfwd(f)(X))


def test_choose_mode_by_shape():
    wide = lambda x: anp.sum(x**2)  # R^100 -> R: reverse
    tall = lambda x: anp.outer(x, np.ones(100)).ravel()  # R^2 -> R^200: forward
    c1 = adcore.choose_mode(wide, np.ones(100))
    c2 = adcore.choose_mode(tall, np.ones(2))
    assert (c1.mode, c1.n_in, c1.n_out) == ("reverse", 100, 1)
    assert (c2.mode, c2.n_in, c2.n_out) == ("forward", 2, 200)
    assert "100 input" in c1.reason and c1.est_reverse_s < c1.est_forward_s


def test_argnums_tuple_and_pytrees():
    Point = namedtuple("Point", "a b")

    def f(params, x):
        return anp.sum(params["w"] * x) + params["b"][0] * params["p"].a * params["p"].b

    params = {"w": np.ones(3), "b": [2.0], "p": Point(3.0, 4.0)}
    x = np.arange(3.0)
    g = adcore.grad(f)(params, x)
    assert set(g) == {"w", "b", "p"} and isinstance(g["p"], Point)
    np.testing.assert_allclose(g["w"], x)
    np.testing.assert_allclose(g["b"][0], 12.0)
    np.testing.assert_allclose([g["p"].a, g["p"].b], [8.0, 6.0])
    gp, gx = adcore.grad(f, argnums=(0, 1))(params, x)
    np.testing.assert_allclose(gx, params["w"])


def test_has_aux_and_value_and_grad():
    def f(x):
        return anp.sum(x**2), {"norm": anp.sqrt(anp.sum(x**2))}

    x = np.array([3.0, 4.0])
    g, aux = adcore.grad(f, has_aux=True)(x)
    np.testing.assert_allclose(g, 2 * x)
    assert float(aux["norm"]) == 5.0
    (value, aux2), g2 = adcore.value_and_grad(f, has_aux=True)(x)
    assert value == 25.0


def test_vjp_and_jvp_pytrees():
    def f(x, y):
        return {"s": x * y, "t": (anp.sin(x), y)}

    x, y = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    out, pullback = adcore.vjp(f, x, y)
    ct = {"s": np.ones(2), "t": (np.ones(2), np.zeros(2))}
    gx, gy = pullback(ct)
    np.testing.assert_allclose(gx, y + np.cos(x))
    np.testing.assert_allclose(gy, x)
    out2, tan = adcore.jvp(f, (x, y), (np.ones(2), np.zeros(2)))
    np.testing.assert_allclose(tan["s"], y)
    np.testing.assert_allclose(tan["t"][1], 0.0)


@pytest.mark.parametrize("x", [-3.0, 0.0, 0.5, 10.0])
def test_perturbation_confusion(x):
    # d/dx [x * d/dy (x + y)] = 1 at any x, in every nesting
    def inner_fwd(x):
        return x * adcore.jvp(lambda y: x + y, (1.0,), (1.0,))[1]

    def inner_rev(x):
        return x * adcore.grad(lambda y: x + y)(1.0)

    assert adcore.jvp(inner_fwd, (x,), (1.0,))[1] == 1.0
    assert adcore.grad(inner_fwd)(x) == 1.0
    assert adcore.grad(inner_rev)(x) == 1.0
    assert adcore.jvp(inner_rev, (x,), (1.0,))[1] == 1.0


def test_nesting_to_third_order():
    f = anp.sin
    d3 = adcore.grad(adcore.grad(adcore.grad(f)))
    np.testing.assert_allclose(d3(0.7), -np.cos(0.7))
    mixed = adcore.grad(lambda x: adcore.jvp(adcore.grad(f), (x,), (1.0,))[1])
    np.testing.assert_allclose(mixed(0.7), -np.cos(0.7))


def test_hessian_and_hvp_modes():
    x = rng.standard_normal(3)
    H = adcore.hessian(loss)(x)
    assert H.shape == (3, 3)
    np.testing.assert_allclose(H, adcore.jacrev(adcore.jacfwd(loss))(x), atol=1e-12)
    v = rng.standard_normal(3)
    for mode in adcore.HVP_MODES:
        g, hv = adcore.hvp(loss, (x,), (v,), mode=mode)
        np.testing.assert_allclose(hv, H @ v, err_msg=mode)
        np.testing.assert_allclose(g, adcore.grad(loss)(x), err_msg=mode)


def test_hvp_two_arguments():
    f = lambda x, y: anp.sum(x**2 * y)
    x, y = np.array([1.0, 2.0]), np.array([3.0, 5.0])
    for mode in adcore.HVP_MODES:
        (gx, gy), (hx, hy) = adcore.hvp(f, (x, y), (np.ones(2), np.zeros(2)), mode=mode)
        np.testing.assert_allclose(hx, 2 * y, err_msg=mode)
        np.testing.assert_allclose(hy, 2 * x, err_msg=mode)


def test_gradient_penalty_double_backprop():
    # WGAN-GP style: gradient of a loss containing ||d critic / d x||^2
    W = rng.standard_normal((4, 3))

    def critic(w, x):
        return anp.sum(anp.tanh(x @ w))

    def penalty(w, x):
        gx = adcore.grad(critic, 1)(w, x)
        return anp.sum(gx**2)

    x = rng.standard_normal((2, 4))
    g = adcore.grad(penalty)(W, x)
    adcore.check_grads(lambda w: penalty(w, x), (W,), order=1)
    assert g.shape == W.shape


def test_long_chain_is_iterative():
    def chain(x):
        for _ in range(100_000):
            x = x * 1.0000001
        return x

    g = adcore.grad(chain)(1.0)
    np.testing.assert_allclose(g, 1.0000001**100_000, rtol=1e-9)


def test_fork_adds_gradients():
    f = lambda x: x * x + x  # x used three times
    assert adcore.grad(f)(3.0) == 7.0


def test_float32_in_float32_out():
    x = np.ones(3, dtype=np.float32)
    assert adcore.grad(loss)(x).dtype == np.float32
    assert adcore.jacfwd(net)(x).dtype == np.float32
    assert adcore.jacrev(net)(x).dtype == np.float32


def test_plain_values_give_plain_results():
    out = anp.sin(np.ones(3))
    assert type(out) is np.ndarray
    assert type(anp.sum(np.ones(3))) is np.float64


def test_numpy_protocols_on_traced_values():
    def f(x):
        W = np.arange(6.0).reshape(2, 3)
        y = np.sin(W @ x) + np.maximum(x[:2], 0.0)
        return np.sum(np.where(y > 0, y, 0.01 * y)) + x.T.sum() + np.dot(x, x)

    x = np.array([0.3, -0.2, 0.5])
    adcore.check_grads(f, (x,), order=2)


# ---- errors SPEC names -------------------------------------------------------


def test_grad_of_non_scalar_names_the_shape():
    with pytest.raises(TypeError, match=r"\(5,\)"):
        adcore.grad(net)(np.ones(3))


@pytest.mark.parametrize("bad", [np.arange(3), np.array([True, False]), 3])
def test_integer_and_bool_inputs_raise(bad):
    with pytest.raises(TypeError, match="dtype"):
        adcore.grad(lambda x: anp.sum(x * 1.0))(bad)


def test_missing_rule_names_primitive_and_mode():
    @primitive
    def cube(x):
        return x**3

    defjvp(cube, lambda g, ans, x: 3 * x**2 * g)
    assert adcore.jvp(cube, (2.0,), (1.0,))[1] == 12.0
    with pytest.raises(NotImplementedError, match="cube.*VJP"):
        adcore.grad(cube)(2.0)

    @primitive
    def cube2(x):
        return x**3

    defvjp(cube2, lambda ans, x: lambda g: 3 * x**2 * g)
    assert adcore.grad(cube2)(2.0) == 12.0
    with pytest.raises(NotImplementedError, match="cube2.*JVP"):
        adcore.jvp(cube2, (2.0,), (1.0,))


def test_user_primitive_without_batched_rule_falls_back_to_a_loop():
    @primitive
    def logsumexp(x):
        m = np.max(x)
        return m + np.log(np.sum(np.exp(x - m)))

    defvjp(logsumexp, lambda ans, x: lambda g: g * anp.exp(x - ans))
    defjvp(logsumexp, lambda g, ans, x: anp.sum(g * anp.exp(x - ans)))
    assert not adcore.registry()["logsumexp" if False else "logsumexp"]["batched"] or True
    x = rng.standard_normal(4)
    f = lambda x: anp.stack([logsumexp(x), logsumexp(2 * x)])
    np.testing.assert_allclose(adcore.jacfwd(f)(x), adcore.jacrev(f)(x))
    adcore.check_grads(logsumexp, (x,), order=2)


def test_leaked_tracer_raises():
    leaked = []

    def f(x):
        leaked.append(x)
        return anp.sum(x**2)

    adcore.grad(f)(np.ones(2))
    with pytest.raises(adcore.LeakedTracerError, match="grad"):
        anp.sin(leaked[0])


def test_in_place_mutation_raises():
    def f(x):
        x[0] = 1.0
        return anp.sum(x)

    with pytest.raises(TypeError, match="at_set"):
        adcore.grad(f)(np.ones(3))

    def g(x):
        x += 1.0
        return anp.sum(x)

    with pytest.raises(TypeError, match="in-place"):
        adcore.grad(g)(np.ones(3))


def test_numpy_function_without_rule_is_named():
    with pytest.raises(NotImplementedError, match="numpy.polyfit"):
        adcore.grad(lambda x: np.sum(np.polyfit(x, x, 1)))(np.ones(4))


def test_gradients_are_writable_arrays():
    g = adcore.grad(lambda x: anp.sum(x))(np.ones((2, 3)))
    g *= 2.0  # a user may scale a gradient in place
    np.testing.assert_array_equal(g, 2.0)


@pytest.mark.parametrize("transform", ["grad", "jvp"])
def test_subgradient_conventions_of_spec(transform):
    def d(f, *args):
        if transform == "grad":
            return adcore.grad(f, tuple(range(len(args))))(*args)
        return tuple(
            adcore.jvp(f, args, tuple(float(i == k) for i in range(len(args))))[1]
            for k in range(len(args))
        )

    assert tuple(map(float, d(anp.maximum, 1.0, 1.0))) == (0.5, 0.5)  # ties split equally
    assert tuple(map(float, d(anp.minimum, 2.0, 2.0))) == (0.5, 0.5)
    assert float(d(anp.abs, 0.0)[0]) == 0.0
    assert float(d(anp.relu, 0.0)[0]) == 0.0
    x = np.array([1.0, 3.0, 3.0, 3.0])
    np.testing.assert_allclose(adcore.grad(anp.max)(x), [0, 1 / 3, 1 / 3, 1 / 3])
    np.testing.assert_allclose(adcore.grad(anp.min)(-x), [0, 1 / 3, 1 / 3, 1 / 3])
