"""The worked examples of the CS231n backpropagation notes, as tests."""

import numpy as np
import pytest

import adcore
import adcore.numpy as anp


def test_add_multiply_circuit():
    # f(x, y, z) = (x + y) z at (-2, 5, -4): q = 3, f = -12
    def f(x, y, z):
        return (x + y) * z

    value, (dx, dy, dz) = adcore.value_and_grad(f, (0, 1, 2))(-2.0, 5.0, -4.0)
    assert value == -12.0
    assert (dx, dy, dz) == (-4.0, -4.0, 3.0)


def test_sigmoid_neuron():
    w = np.array([2.0, -3.0, -3.0])
    x = np.array([-1.0, -2.0])

    def neuron(w, x):
        dot = w[0] * x[0] + w[1] * x[1] + w[2]
        return 1.0 / (1.0 + anp.exp(-dot))

    f, (dw, dx) = adcore.value_and_grad(neuron, (0, 1))(w, x)
    assert round(float(f), 2) == 0.73
    local = (1 - f) * f  # the notes' local gradient of the sigmoid gate
    assert round(float(local), 1) == 0.2
    np.testing.assert_allclose(dx, [local * 2.0, local * -3.0])
    np.testing.assert_allclose(dw, [local * -1.0, local * -2.0, local])
    np.testing.assert_allclose(np.round(dx, 2), [0.39, -0.59])
    np.testing.assert_allclose(np.round(dw, 2), [-0.2, -0.39, 0.2])
    # the sigmoid as one gate gives the same numbers
    gate = adcore.grad(lambda w, x: anp.sigmoid(w[0] * x[0] + w[1] * x[1] + w[2]), (0, 1))(w, x)
    np.testing.assert_allclose(gate[0], dw)
    np.testing.assert_allclose(gate[1], dx)


def _staged_by_hand(x, y):
    """The notes' staged forward pass and hand-written backprop, line by line."""
    sig = lambda v: 1.0 / (1 + np.exp(-v))
    sigy = sig(y)
    num = x + sigy
    sigx = sig(x)
    xpy = x + y
    xpysqr = xpy**2
    den = sigx + xpysqr
    invden = 1.0 / den
    f = num * invden
    dnum = invden
    dinvden = num
    dden = (-1.0 / (den**2)) * dinvden
    dsigx = (1) * dden
    dxpysqr = (1) * dden
    dxpy = (2 * xpy) * dxpysqr
    dx = (1) * dxpy
    dy = (1) * dxpy
    dx += ((1 - sigx) * sigx) * dsigx
    dx += (1) * dnum
    dsigy = (1) * dnum
    dy += ((1 - sigy) * sigy) * dsigy
    return f, dx, dy


def test_staged_computation():
    def f(x, y):
        sigy = anp.sigmoid(y)
        num = x + sigy
        den = anp.sigmoid(x) + (x + y) ** 2
        return num / den

    value, (dx, dy) = adcore.value_and_grad(f, (0, 1))(3.0, -4.0)
    f_hand, dx_hand, dy_hand = _staged_by_hand(3.0, -4.0)
    np.testing.assert_allclose([value, dx, dy], [f_hand, dx_hand, dy_hand], rtol=1e-12)


def test_add_mul_max_circuit():
    # x=3, y=-4, z=2, w=-1: f = 2 (x y + max(z, w)) -> dx=-8, dy=6, dz=2, dw=0
    def f(x, y, z, w):
        return 2.0 * (x * y + anp.maximum(z, w))

    grads = adcore.grad(f, (0, 1, 2, 3))(3.0, -4.0, 2.0, -1.0)
    assert tuple(float(g) for g in grads) == (-8.0, 6.0, 2.0, 0.0)


def test_elementwise_max_jacobian_is_diagonal():
    # the 4096-wide max(0, x): the Jacobian is diagonal, so a VJP is a mask
    x = np.random.default_rng(0).standard_normal(4096)
    out, pullback = adcore.vjp(lambda x: anp.maximum(x, 0.0), x)
    g = np.random.default_rng(1).standard_normal(4096)
    np.testing.assert_array_equal(pullback(g)[0], g * (x > 0))
    small = x[:16]
    J = adcore.jacobian(lambda x: anp.maximum(x, 0.0))(small)
    np.testing.assert_array_equal(J, np.diag((small > 0).astype(float)))


def test_norm_of_Wx():
    W = np.array([[0.1, 0.5], [-0.3, 0.8]])
    x = np.array([0.2, 0.4])
    f = lambda W, x: anp.sum((W @ x) ** 2)
    value, (dW, dx) = adcore.value_and_grad(f, (0, 1))(W, x)
    np.testing.assert_allclose(value, 0.116)
    np.testing.assert_allclose(dW, [[0.088, 0.176], [0.104, 0.208]])
    np.testing.assert_allclose(dx, [-0.112, 0.636])


def test_matmul_gradient_shapes():
    rng = np.random.default_rng(0)
    W, X = rng.standard_normal((5, 10)), rng.standard_normal((10, 3))
    dD = rng.standard_normal((5, 3))
    _, pullback = adcore.vjp(lambda W, X: W @ X, W, X)
    dW, dX = pullback(dD)
    np.testing.assert_allclose(dW, dD @ X.T)
    np.testing.assert_allclose(dX, W.T @ dD)
    assert dW.shape == W.shape and dX.shape == X.shape


def test_bias_is_a_gradient_adder():
    rng = np.random.default_rng(0)
    X, W, b = rng.standard_normal((4, 3)), rng.standard_normal((3, 2)), rng.standard_normal(2)
    upstream = rng.standard_normal((4, 2))
    _, pullback = adcore.vjp(lambda b: X @ W + b, b)
    np.testing.assert_allclose(pullback(upstream)[0], upstream.sum(axis=0))


def _softmax_loss(W, X, y):
    scores = X @ W
    return -anp.mean(anp.log_softmax(scores, axis=1)[np.arange(len(y)), y])


def test_softmax_loss_gradient_closed_form():
    rng = np.random.default_rng(0)
    X, W = rng.standard_normal((6, 4)), 0.1 * rng.standard_normal((4, 3))
    y = np.array([0, 2, 1, 1, 0, 2])
    dW = adcore.grad(_softmax_loss)(W, X, y)
    S = X @ W
    P = np.exp(S - S.max(1, keepdims=True))
    P /= P.sum(1, keepdims=True)
    P[np.arange(6), y] -= 1  # dL/dscores = p - onehot
    np.testing.assert_allclose(dW, X.T @ P / 6)


def test_svm_loss_gradient_closed_form():
    rng = np.random.default_rng(1)
    X, W = rng.standard_normal((6, 4)), 0.1 * rng.standard_normal((4, 3))
    y = np.array([0, 2, 1, 1, 0, 2])

    def svm(W):
        S = X @ W
        correct = S[np.arange(6), y]
        margins = anp.maximum(0.0, S - correct[:, None] + 1.0)
        return (anp.sum(margins) - 6.0) / 6.0  # the y_i terms are each max(0, 1) = 1

    dW = adcore.grad(svm)(W)
    S = X @ W
    M = (S - S[np.arange(6), y][:, None] + 1.0 > 0).astype(float)
    M[np.arange(6), y] = 0
    M[np.arange(6), y] = -M.sum(1)  # each violated margin counts against the correct class
    np.testing.assert_allclose(dW, X.T @ M / 6)


@pytest.mark.parametrize("x", [-2.0, 0.0, 1.5, 7.0])
def test_gradient_norm_penalty(x):
    # d/dx of (d/dx sin(x)^2)^2 = d/dx (sin 2x)^2 = 2 sin(2x) cos(2x) 2
    penalty = lambda x: adcore.grad(lambda t: anp.sin(t) ** 2)(x) ** 2
    np.testing.assert_allclose(adcore.grad(penalty)(x), 4 * np.sin(2 * x) * np.cos(2 * x))
