"""Regression tests for silent wrong answers in the numpy rules (issue 11).

One test per item, named after it.  Each checks values against numpy and
derivatives (forward, reverse, second order where it matters) against closed
forms or exact references; each failed on the code before its fix.
"""

import warnings

import numpy as np
import pytest

import adcore
import adcore.numpy as anp
from adcore.rules.elementwise import sinc_derivative

AxisError = np.exceptions.AxisError


def _jacobians(f, x):
    """jacfwd and jacrev of f at x (they must agree with each other and the reference)."""
    return adcore.jacfwd(f)(x), adcore.jacrev(f)(x)


def _fd_jacobian(f, x, eps=1e-6):
    """Central differences; exact up to rounding for the linear maps tested here."""
    x = np.asarray(x, dtype=np.float64)
    cols = []
    for k in range(x.size):
        e = np.zeros(x.size)
        e[k] = eps
        e = e.reshape(x.shape)
        cols.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * eps))
    return np.stack(cols, axis=-1).reshape(np.shape(f(x)) + x.shape)


# ---- item 1 ------------------------------------------------------------------------------
def test_item01_at_set_repeated_index_keeps_last_write():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    idx = np.array([0, 0, 2, 0])
    v = np.array([10.0, 20.0, 30.0, 40.0])

    def reference(x, v):
        y = x.copy()
        y[idx] = v
        return y

    np.testing.assert_array_equal(anp.at_set(x, idx, v), reference(x, v))
    # d/dv: only the last write of position 0 (v[3]) and the write of 2 (v[2]) count
    want_v = _fd_jacobian(lambda v: reference(x, v), v)
    want_x = _fd_jacobian(lambda x: reference(x, v), x)
    for got in _jacobians(lambda v: anp.at_set(x, idx, v), v):
        np.testing.assert_allclose(got, want_v, atol=1e-9)
    for got in _jacobians(lambda x: anp.at_set(x, idx, v), x):
        np.testing.assert_allclose(got, want_x, atol=1e-9)  # zero at written positions
    # a scalar value written to a repeated position lands once per distinct position
    g = adcore.grad(lambda s: anp.sum(anp.at_set(x, idx, s)))(5.0)
    assert g == 2.0
    # 2-d, repeated rows with a broadcast row value
    X = np.arange(6.0).reshape(3, 2)
    rows = np.array([1, 1])
    row = np.array([[7.0, 8.0], [9.0, 10.0]])
    want = X.copy()
    want[rows] = row
    np.testing.assert_array_equal(anp.at_set(X, rows, row), want)
    w = np.arange(1.0, 7.0).reshape(3, 2)
    g = adcore.grad(lambda r: anp.sum(w * anp.at_set(X, rows, r)))(row)
    np.testing.assert_array_equal(g, [[0.0, 0.0], w[1]])


# ---- item 2 ------------------------------------------------------------------------------
def _cumprod_jacobian(x):
    n = len(x)
    J = np.zeros((n, n))
    for j in range(n):
        for i in range(j + 1):
            J[j, i] = np.prod([x[k] for k in range(j + 1) if k != i])
    return J


def _cumprod_hessian(x, w):
    """Hessian of sum(w * cumprod(x)): sum over j >= i, l of the product without i and l."""
    n = len(x)
    H = np.zeros((n, n))
    for i in range(n):
        for m in range(n):
            if i != m:
                H[i, m] = sum(
                    w[j] * np.prod([x[k] for k in range(j + 1) if k not in (i, m)])
                    for j in range(max(i, m), n)
                )
    return H


@pytest.mark.parametrize("x", [[2.0, 0.0, 3.0, 0.5], [0.0, 0.0, 1.5], [0.0, 2.0, 3.0, 0.0]])
def test_item02_cumprod_derivative_exact_at_zeros(x):
    x = np.array(x)
    w = np.arange(1.0, len(x) + 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no 0/0 anywhere on the way
        jf, jr = _jacobians(anp.cumprod, x)
        H = adcore.hessian(lambda x: anp.sum(w * anp.cumprod(x)))(x)
        v = np.ones_like(x)
        _, hv = adcore.hvp(lambda x: anp.sum(w * anp.cumprod(x)), (x,), (v,), mode="rev-over-rev")
    J = _cumprod_jacobian(x)
    np.testing.assert_allclose(jf, J, atol=1e-12)
    np.testing.assert_allclose(jr, J, atol=1e-12)
    np.testing.assert_allclose(H, _cumprod_hessian(x, w), atol=1e-12)
    np.testing.assert_allclose(hv, _cumprod_hessian(x, w) @ v, atol=1e-12)


def test_item02_cumprod_at_zeros_along_an_axis():
    X = np.array([[1.0, 0.0], [0.0, 2.0], [3.0, 4.0]])
    for axis in (0, 1, -1):
        got = adcore.jacrev(lambda X: anp.cumprod(X, axis=axis))(X)
        moved = np.moveaxis(X, axis, -1)
        want = np.zeros(X.shape + X.shape)
        for idx in np.ndindex(moved.shape[:-1]):
            block = _cumprod_jacobian(moved[idx])  # (out j, in i) within one slice
            for j in range(block.shape[0]):
                for i in range(block.shape[1]):
                    o = list(idx)
                    o.insert(axis % 2, j)
                    n = list(idx)
                    n.insert(axis % 2, i)
                    want[tuple(o) + tuple(n)] = block[j, i]
        np.testing.assert_allclose(got, want, atol=1e-12)
    adcore.check_grads(lambda X: anp.cumprod(X, axis=0), (X,), order=2)


# ---- item 3 ------------------------------------------------------------------------------
def test_item03_integer_powers_are_polynomials_at_zero():
    z = np.array([0.0, 1.0])
    grad, hessian = adcore.grad, adcore.hessian
    np.testing.assert_array_equal(grad(lambda x: anp.sum(x**0))(z), [0.0, 0.0])
    np.testing.assert_array_equal(hessian(lambda x: anp.sum(x**1))(z), np.zeros((2, 2)))
    cube = grad(grad(grad(lambda t: t**3)))
    assert cube(0.0) == 6.0
    square = lambda t: t ** np.int64(2)
    assert grad(grad(square))(0.0) == 2.0
    assert grad(grad(grad(square)))(0.0) == 0.0
    assert grad(lambda t: t**0.0)(0.0) == 0.0
    assert grad(grad(lambda t: t ** np.float64(1.0)))(0.0) == 0.0
    # an integer array of exponents: each entry its own polynomial
    n = np.array([0, 1, 2, 3])
    np.testing.assert_array_equal(grad(lambda x: anp.sum(x**n))(np.zeros(4)), [0, 1, 0, 0])
    H = hessian(lambda x: anp.sum(x**n))(np.zeros(4))
    np.testing.assert_array_equal(H, np.diag([0.0, 0.0, 2.0, 0.0]))
    # forward mode, third order, through numpy's power
    third = adcore.jacfwd(adcore.jacfwd(adcore.jacfwd(lambda t: np.power(t, 3))))
    assert third(0.0) == 6.0
    # a non-integral exponent keeps the general rule
    assert grad(lambda t: t**2.5)(4.0) == pytest.approx(2.5 * 4.0**1.5)


# ---- item 4 ------------------------------------------------------------------------------
def _sinc_derivative_at_zero(k):
    # sinc(x) = sum_n (-1)^n (pi x)^(2n) / (2n+1)!: the k-th derivative at 0
    if k % 2:
        return 0.0
    return (-1) ** (k // 2) * np.pi**k / (k + 1)


def test_item04_sinc_derivatives_at_zero():
    f = anp.sinc
    for k in range(1, 7):
        f = adcore.grad(f)
        assert f(0.0) == pytest.approx(_sinc_derivative_at_zero(k), rel=1e-12, abs=1e-12), k
    # forward over reverse, and a batch that straddles 0
    d2 = adcore.jacfwd(adcore.grad(anp.sinc))(0.0)
    assert d2 == pytest.approx(-(np.pi**2) / 3, rel=1e-12)
    x = np.array([-1.5, -0.2, 0.0, 1e-9, 0.3, 1.0, 2.7])
    first = (np.pi * x * np.cos(np.pi * x) - np.sin(np.pi * x)) / (np.pi * np.where(x, x, 1) ** 2)
    tiny = np.abs(x) < 1e-6  # the closed form cancels there; sinc'(x) = -pi^2 x / 3 + O(x^3)
    first[tiny] = -(np.pi**2) * x[tiny] / 3
    got = adcore.jacfwd(anp.sinc)(x)
    np.testing.assert_allclose(np.diag(got), first, rtol=1e-10, atol=1e-12)
    # second derivative against differences of the closed-form first derivative
    h = 1e-5
    safe = np.where(x == 0, 1.0, x)

    def d1(t):
        return (np.pi * t * np.cos(np.pi * t) - np.sin(np.pi * t)) / (np.pi * t**2)

    fd2 = (d1(safe + h) - d1(safe - h)) / (2 * h)
    fd2[x == 0] = -(np.pi**2) / 3
    fd2[x == 1e-9] = -(np.pi**2) / 3
    got2 = adcore.grad(lambda t: anp.sum(adcore.grad(lambda s: anp.sum(anp.sinc(s)))(t)))(x)
    np.testing.assert_allclose(got2, fd2, rtol=1e-6, atol=1e-6)
    adcore.check_grads(anp.sinc, (x,), order=2)
    # every order at any x: against sinc^(k)(x) = pi^k int_0^1 t^k cos(pi x t + k pi/2) dt
    nodes, weights = np.polynomial.legendre.leggauss(80)
    t, w = (nodes + 1) / 2, weights / 2
    f = anp.sinc
    for k in range(1, 7):
        f = adcore.grad(f)
        for x0 in (0.4, -1.3, 2.5, 7.0):
            want = np.pi**k * np.sum(w * t**k * np.cos(np.pi * x0 * t + k * np.pi / 2))
            assert f(x0) == pytest.approx(want, rel=1e-9, abs=1e-9 * np.pi**k), (k, x0)
    # high orders straight from the primitive (no overflow, little cancellation)
    nodes, weights = np.polynomial.legendre.leggauss(200)
    t, w = (nodes + 1) / 2, weights / 2
    for k, x0 in [(12, 2.0), (20, 3.0), (30, 5.0), (180, 0.5)]:
        want = np.pi**k * np.sum(w * t**k * np.cos(np.pi * x0 * t + k * np.pi / 2))
        got = sinc_derivative(np.array(x0), order=k)
        assert abs(got - want) <= 1e-9 * np.pi**k / (k + 1), (k, x0)


# ---- item 5 ------------------------------------------------------------------------------
@pytest.mark.parametrize("ord", [2, 1, np.inf, -np.inf, 0, 3, -1])
def test_item05_vector_norm_over_two_axes_is_a_vector_norm(ord):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3, 4))
    for axis in [(0, 1), (1, 2), (0, 2), (-1, 0)]:
        for keepdims in (False, True):
            want = np.linalg.vector_norm(x, axis=axis, ord=ord, keepdims=keepdims)
            got = anp.linalg.vector_norm(x, axis=axis, ord=ord, keepdims=keepdims)
            np.testing.assert_allclose(got, want, rtol=1e-12)
    if ord == 0:
        return  # a count: piecewise constant
    f = lambda x: anp.linalg.vector_norm(x, axis=(0, 2), ord=ord)
    ref = lambda x: np.linalg.vector_norm(x, axis=(0, 2), ord=ord)
    jf, jr = _jacobians(f, x)
    want = _fd_jacobian(ref, x)
    np.testing.assert_allclose(jf, want, atol=1e-6)
    np.testing.assert_allclose(jr, want, atol=1e-6)
    if ord == 2:  # closed form: x / ||x|| over the reduced axes
        norms = np.linalg.vector_norm(x, axis=(0, 2), keepdims=True)
        g = adcore.grad(lambda x: anp.sum(f(x)))(x)
        np.testing.assert_allclose(g, x / norms, rtol=1e-12)


# ---- item 6 ------------------------------------------------------------------------------
def test_item06_std_var_of_one_element_have_zero_derivative():
    x = np.array([1.5])
    X = np.array([[1.0], [2.0], [-3.0]])
    for fn in (anp.std, anp.var, np.std, np.var):
        assert adcore.grad(lambda x: fn(x))(x) == 0.0
        np.testing.assert_array_equal(adcore.hessian(lambda x: fn(x))(x), [[0.0]])
        jf, jr = _jacobians(lambda X: fn(X, axis=1), X)
        np.testing.assert_array_equal(jf, np.zeros((3, 3, 1)))
        np.testing.assert_array_equal(jr, np.zeros((3, 3, 1)))
        np.testing.assert_array_equal(fn(X, axis=1), np.zeros(3))
    # more than one element: unchanged, std'(x) = (x - mean) / (n std)
    y = np.array([1.0, 2.0, 4.0])
    g = adcore.grad(anp.std)(y)
    np.testing.assert_allclose(g, (y - y.mean()) / (3 * y.std()), rtol=1e-12)


# ---- item 10 -----------------------------------------------------------------------------
def test_item10_ravel_and_flatten_honour_order():
    X = np.arange(6.0).reshape(2, 3)
    w = np.arange(1.0, 7.0)
    for order in ("C", "F", "A", "K"):
        for flat in (
            lambda X: X.ravel(order=order),
            lambda X: X.flatten(order=order),
            lambda X: np.ravel(X, order=order),
            lambda X: anp.ravel(X, order=order),
        ):

            def traced(X, flat=flat):
                return adcore.jvp(flat, (X,), (np.ones_like(X),))[0]

            np.testing.assert_array_equal(traced(X), np.ravel(X, order=order))
            g = adcore.grad(lambda X, flat=flat: anp.sum(w * flat(X)))(X)
            # the gradient puts w back where each entry came from
            np.testing.assert_array_equal(np.ravel(g, order=order), w)
    # 'A' and 'K' read the memory layout of the value: a transposed (F-ordered) input
    XT = np.asarray(X.T)
    assert XT.flags.f_contiguous
    for order in ("A", "K"):
        got = adcore.jvp(lambda Y: Y.T.ravel(order=order), (X,), (X,))[1]
        np.testing.assert_array_equal(got, np.ravel(X.T, order=order))
    # reshape(order='F') agrees with numpy too
    Y = adcore.jvp(lambda X: np.reshape(X, (3, 2), order="F"), (X,), (X,))[1]
    np.testing.assert_array_equal(Y, np.reshape(X, (3, 2), order="F"))


# ---- item 14 -----------------------------------------------------------------------------
AXIS_CASES = {
    "squeeze": lambda x: np.squeeze(x[:, :1], axis=3),
    "stack": lambda x: np.stack([x, x], axis=3),
    "expand_dims": lambda x: np.expand_dims(x, 4),
    "moveaxis": lambda x: np.moveaxis(x, 0, 2),
    "moveaxis_source": lambda x: np.moveaxis(x, -3, 0),
    "swapaxes": lambda x: np.swapaxes(x, 0, 2),
    "transpose": lambda x: np.transpose(x, (0, 2)),
    "tensordot": lambda x: np.tensordot(x, x, axes=([2], [0])),
    "cross": lambda x: np.cross(x, x, axisa=2),
    "gradient": lambda x: np.gradient(x, axis=2),
    "norm": lambda x: np.linalg.norm(x, axis=(0, 2)),
    "vector_norm": lambda x: np.linalg.vector_norm(x, axis=(0, 2)),
    "cumsum": lambda x: np.cumsum(x, axis=2),
    "sum": lambda x: np.sum(x, axis=2),
    "mean": lambda x: np.mean(x, axis=-3),
    "flip": lambda x: np.flip(x, axis=2),
    "take": lambda x: np.take(x, [0], axis=2),
    "diff": lambda x: np.diff(x, axis=2),
    "concatenate": lambda x: np.concatenate([x, x], axis=2),
    "sort": lambda x: np.sort(x, axis=2),
    "softmax": lambda x: anp.softmax(x, axis=2),
}


@pytest.mark.parametrize("name", sorted(AXIS_CASES))
def test_item14_out_of_range_axes_raise_axis_error(name):
    f = AXIS_CASES[name]
    x = np.ones((3, 3))
    with pytest.raises((IndexError, ValueError)):  # AxisError is both
        f(x)  # numpy itself refuses (tensordot with an IndexError, AxisError elsewhere)
    with pytest.raises(AxisError):
        adcore.jvp(f, (x,), (x,))
    with pytest.raises(AxisError):
        adcore.vjp(f, x)


def test_item14_in_range_negative_axes_still_work():
    x = np.arange(6.0).reshape(2, 3)
    for f in (
        lambda x: np.squeeze(np.expand_dims(x, -1), axis=-1),
        lambda x: np.stack([x, x], axis=-3),
        lambda x: np.moveaxis(x, -1, 0),
        lambda x: np.swapaxes(x, -1, -2),
        lambda x: np.expand_dims(x, (0, -1)),
    ):
        np.testing.assert_array_equal(adcore.jvp(f, (x,), (x,))[1], f(x))


# ---- item 15 -----------------------------------------------------------------------------
DTYPE_REDUCTIONS = {
    "sum": np.sum,
    "mean": np.mean,
    "prod": np.prod,
    "var": np.var,
    "std": np.std,
    "cumsum": np.cumsum,
    "cumprod": np.cumprod,
}


@pytest.mark.parametrize("name", sorted(DTYPE_REDUCTIONS))
def test_item15_reductions_honour_dtype(name):
    fn = DTYPE_REDUCTIONS[name]
    x = np.array([1.25, 2.5, 0.75, 1.5])
    # an integer or bool dtype would cut the derivative: a clear error, not gradient 1
    for dtype in (int, np.int32, bool):
        with pytest.raises(TypeError, match="dtype"):
            adcore.grad(lambda x, dtype=dtype: anp.sum(fn(x, dtype=dtype)))(x)
        with pytest.raises(TypeError, match="dtype"):
            adcore.jvp(lambda x, dtype=dtype: fn(x, dtype=dtype), (x,), (x,))
    # plain values are numpy's, integer dtypes included
    np.testing.assert_array_equal(getattr(anp, name)(x, dtype=int), fn(x, dtype=int))
    # float32: the value in float32, derivatives through the cast
    want = fn(x, dtype=np.float32)
    out, tangent = adcore.jvp(lambda x: fn(x, dtype=np.float32), (x,), (np.ones_like(x),))
    assert np.result_type(out) == np.float32 and np.result_type(tangent) == np.float32
    np.testing.assert_allclose(out, want, rtol=1e-6)
    ref_tangent = adcore.jvp(lambda x: fn(x), (x,), (np.ones_like(x),))[1]
    np.testing.assert_allclose(tangent, ref_tangent, rtol=1e-5)
    g = adcore.grad(lambda x: anp.sum(fn(x, dtype=np.float32)))(x)
    assert np.result_type(g) == np.float64  # the cotangent of a float64 input
    np.testing.assert_allclose(g, adcore.grad(lambda x: anp.sum(fn(x)))(x), rtol=1e-5)
    # float64 on a float32 input: computed in float64
    x32 = x.astype(np.float32)
    out64 = adcore.jvp(lambda x: fn(x, dtype=np.float64), (x32,), (np.ones_like(x32),))[0]
    assert np.result_type(out64) == np.float64


# ---- item 17 -----------------------------------------------------------------------------
def test_item17_divide_by_python_zero_gives_inf():
    x = np.array([1.0, -2.0])
    with pytest.warns(RuntimeWarning):
        g = adcore.grad(lambda x: anp.sum(x / 0.0))(x)
    np.testing.assert_array_equal(g, [np.inf, np.inf])
    with pytest.warns(RuntimeWarning):
        out, t = adcore.jvp(lambda x: x / 0.0, (x,), (np.ones(2),))
    np.testing.assert_array_equal(out, [np.inf, -np.inf])
    np.testing.assert_array_equal(t, [np.inf, np.inf])
    with pytest.warns(RuntimeWarning):
        assert adcore.grad(lambda t: t / 0)(1.0) == np.inf
    with pytest.warns(RuntimeWarning):
        assert adcore.grad(lambda t: np.divide(t, -0.0))(1.0) == -np.inf
    # mean of an empty slice divides by the Python count 0: numpy's NaN, no exception
    with pytest.warns(RuntimeWarning):
        out, _ = adcore.jvp(lambda x: anp.mean(x[:0]), (x,), (x,))
    assert np.isnan(out)
    # a float32 tangent stays float32 with a Python divisor
    x32 = np.ones(2, dtype=np.float32)
    _, t32 = adcore.jvp(lambda x: x / 4.0, (x32,), (x32,))
    assert np.result_type(t32) == np.float32


# ---- item 18 -----------------------------------------------------------------------------
def test_item18_column_stack_of_traced_vectors_and_scalars():
    a, b = np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0])
    f = lambda a, b: np.column_stack([a, b])
    out, t = adcore.jvp(f, (a, b), (np.ones(3), 2 * np.ones(3)))
    np.testing.assert_array_equal(out, np.column_stack([a, b]))
    np.testing.assert_array_equal(t, np.column_stack([np.ones(3), 2 * np.ones(3)]))
    w = np.arange(6.0).reshape(3, 2)
    ga, gb = adcore.grad(lambda a, b: anp.sum(w * f(a, b)), (0, 1))(a, b)
    np.testing.assert_array_equal(ga, w[:, 0])
    np.testing.assert_array_equal(gb, w[:, 1])
    # 0-d inputs become 1 x 1 columns, as in numpy
    s = np.float64(2.0)
    out, t = adcore.jvp(lambda s: anp.column_stack([s, 3.0 * s]), (s,), (np.float64(1.0),))
    np.testing.assert_array_equal(out, np.column_stack([s, 3.0 * s]))
    np.testing.assert_array_equal(t, [[1.0, 3.0]])
    # mixed with a 2-d block
    M = np.ones((3, 2))
    out = adcore.jvp(lambda a: np.column_stack([a, M]), (a,), (a,))[1]
    np.testing.assert_array_equal(out, np.column_stack([a, np.zeros((3, 2))]))


# ---- issue 16: one dot for both paths -----------------------------------------------------
def test_dot_method_and_np_dot_agree_for_every_rank():
    rng = np.random.default_rng(16)
    x = rng.standard_normal((2, 3))
    for W in (
        rng.standard_normal((3,)),
        rng.standard_normal((3, 4)),
        rng.standard_normal((5, 3, 4)),
    ):
        want = np.dot(x, W)
        for f in (lambda x: x.dot(W), lambda x: np.dot(x, W), lambda x: anp.dot(x, W)):
            out, t = adcore.jvp(f, (x,), (x,))
            np.testing.assert_allclose(out, want, rtol=1e-12)
            np.testing.assert_allclose(t, want, rtol=1e-12)  # linear in x
            g = adcore.grad(lambda x, f=f: anp.sum(f(x)))(x)
            np.testing.assert_allclose(
                g, _fd_jacobian(lambda x: np.sum(np.dot(x, W)), x), atol=1e-6
            )


# ---- prod of tiny entries: the product underflows, the other entries' products do not --
def test_prod_derivatives_when_the_product_underflows():
    x = np.array([1e-143, 1e-143, 1e-143, 2.0])  # prod = 2e-429 underflows to 0
    np.testing.assert_allclose(adcore.grad(anp.prod)(x), [2e-286, 2e-286, 2e-286, 0.0])
    np.testing.assert_allclose(adcore.jvp(anp.prod, (x,), (np.ones(4),))[1], 6e-286)
    y = np.array([1e-170, 1e-170, 3.0])  # prod = 3e-340 underflows to 0
    want = np.array([[0.0, 3.0, 1e-170], [3.0, 0.0, 1e-170], [1e-170, 1e-170, 0.0]])
    for h in (adcore.hessian(anp.prod), adcore.jacfwd(adcore.jacrev(anp.prod))):
        np.testing.assert_allclose(h(y), want, rtol=1e-12, atol=0)
    # a subnormal product has lost digits: the ratio would be inexact
    z = np.array([1e-160, 1e-160, 3.0])  # prod = 3e-320, subnormal
    np.testing.assert_allclose(adcore.grad(anp.prod)(z), [3e-160, 3e-160, 1e-320], rtol=1e-12)


def test_cumprod_and_det_derivatives_when_the_product_underflows():
    x = np.array([1e-170, 1e-170, 3.0])
    # d cumprod_2 / d x = (1e-170 * 3, 1e-170 * 3, 1e-340 -> 0)
    g = adcore.grad(lambda x: anp.cumprod(x)[2])(x)
    np.testing.assert_allclose(g, [3e-170, 3e-170, 0.0], rtol=1e-12, atol=0)
    t = adcore.jvp(lambda x: anp.cumprod(x), (x,), (np.array([0.0, 1.0, 0.0]),))[1]
    np.testing.assert_allclose(t, [0.0, 1e-170, 3e-170], rtol=1e-12, atol=0)
    A = np.diag([1e-170, 1e-170, 3.0])  # det = 3e-340 underflows to 0; cofactors do not
    np.testing.assert_allclose(
        adcore.grad(anp.linalg.det)(A), np.diag([3e-170, 3e-170, 0.0]), rtol=1e-12, atol=0
    )
