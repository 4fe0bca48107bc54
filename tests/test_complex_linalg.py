"""Complex linear algebra (eigh, eig, svd, pinv, lstsq) against JAX.

The registry checks these primitives with complex inputs against finite
differences (``test_complex.py``, through ``specs_surface.COMPLEX_SPECS``); here
the same rules meet JAX's.  Eigen- and singular vectors carry a free phase per
column, so every function compared is gauge-invariant: eigenvalues, singular
values, spectral functions V diag(f(w)) V^-1 (= f(A)), U diag(f(s)) Vh, |U|^2.
Both libraries order eigenvalues the same way (LAPACK's), singular values
descending.
"""

import numpy as np
import pytest

import adcore
import adcore.numpy as anp

jax = pytest.importorskip("jax")
jnp = jax.numpy
jax.config.update("jax_enable_x64", True)

RNG = np.random.default_rng(15)


def _crandn(*shape):
    return RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)


B3 = _crandn(3, 3) * 0.5
W3 = _crandn(3, 3)
B32, W23 = _crandn(3, 2) * 0.5, _crandn(2, 3)
B23, W32 = _crandn(2, 3) * 0.5, _crandn(3, 2)
Y3 = _crandn(3)
C = np.array([0.4, 1.0, 1.7])
# a real matrix with a complex pair of eigenvalues and a real one
R3 = np.array([[0.3, 2.0, 0.1], [-1.8, 0.2, 0.4], [0.2, -0.3, 1.1]])


def _hermitian(xp, b):
    # JAX's eigh symmetrises its input, adcore's reads one triangle: equal on a
    # Hermitian matrix, so the comparison differentiates through one
    return b + xp.conj(xp.swapaxes(b, -1, -2)) + 3.0 * xp.eye(b.shape[-1])


def _eig(xp, a):
    if xp is jnp:  # JAX asks for an opt-in to eigenvector derivatives
        w, v = jax.lax.linalg.eig(a, compute_left_eigenvectors=False, enable_eigvec_derivs=True)
        return w, v
    return anp.linalg.eig(a)


def _spectral(xp, v, fw, right):
    """V diag(f(w)) right: gauge- and order-invariant when right undoes V."""
    return (v * fw[..., None, :]) @ right


def _eigh_fn(xp, b):
    w, v = xp.linalg.eigh(_hermitian(xp, b))
    return w, _spectral(xp, v, xp.sin(w), xp.conj(xp.swapaxes(v, -1, -2)))


def _eig_fn(xp, a):
    w, v = _eig(xp, a)
    return w, _spectral(xp, v, xp.exp(w), xp.linalg.inv(v))


def _svd_fn(xp, a):
    u, s, vh = xp.linalg.svd(a, full_matrices=False)
    return s, _spectral(xp, u, s**3, vh), xp.abs(u) ** 2


def _lstsq_fn(xp, a, y):
    x, residuals = xp.linalg.lstsq(a, y)[:2]
    return x, residuals


# real functions of complex matrices: grad is df/dx - i df/dy, as JAX's
REAL_FUNCTIONS = {
    "eigh": (
        lambda xp: lambda b: xp.sum(_eigh_fn(xp, b)[0] * C) + _mix(xp, _eigh_fn(xp, b)[1]),
        B3,
    ),
    "eig": (
        lambda xp: lambda a: xp.real(xp.sum(_eig_fn(xp, a)[0] ** 2)) + _mix(xp, _eig_fn(xp, a)[1]),
        B3,
    ),
    "eig_of_a_real_matrix": (
        lambda xp: lambda a: xp.imag(xp.prod(_eig_fn(xp, a)[0])) + _mix(xp, _eig_fn(xp, a)[1]),
        R3,
    ),
    "svd_square": (
        lambda xp: lambda a: xp.sum(_svd_fn(xp, a)[0]) + _mix(xp, _svd_fn(xp, a)[1]),
        B3,
    ),
    "svd_tall": (
        lambda xp: lambda a: _mix(xp, _svd_fn(xp, a)[1]) + xp.sum(_svd_fn(xp, a)[2] * C[:2]),
        B32,
    ),
    "svd_wide": (
        lambda xp: lambda a: xp.sum(xp.sin(_svd_fn(xp, a)[0])) + _mix(xp, _svd_fn(xp, a)[1]),
        B23,
    ),
    "pinv_tall": (lambda xp: lambda a: _mix(xp, xp.linalg.pinv(a)), B32),
    "pinv_wide": (lambda xp: lambda a: _mix(xp, xp.linalg.pinv(a)), B23),
}


def _mix(xp, m):
    """A real, non-holomorphic reduction of a complex matrix (|.|^2 against a fixed one)."""
    w = {(3, 3): W3, (2, 3): W23, (3, 2): W32}[m.shape[-2:]]
    return xp.abs(xp.sum(m * w)) ** 2 + xp.sum(xp.real(m) * xp.imag(w))


@pytest.mark.parametrize("name", REAL_FUNCTIONS)
def test_grad_of_a_real_function_matches_jax(name):
    make, x = REAL_FUNCTIONS[name]
    ours, theirs = make(anp), make(jnp)
    np.testing.assert_allclose(ours(x), float(theirs(jnp.asarray(x))), rtol=1e-10)
    want = np.asarray(jax.jit(jax.grad(theirs))(jnp.asarray(x)))
    np.testing.assert_allclose(adcore.grad(ours)(x), want, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(adcore.jacrev(ours)(x), want, rtol=1e-8, atol=1e-10)
    if np.isrealobj(x):  # forward mode takes real inputs only
        np.testing.assert_allclose(adcore.jacfwd(ours)(x), want, rtol=1e-8, atol=1e-10)


SECOND_ORDER = ("eigh", "eig", "svd_tall", "pinv_wide")


@pytest.mark.parametrize("name", SECOND_ORDER)
def test_second_order_matches_jax(name):
    """d/dz of the (real and imaginary parts of the) gradient, both libraries."""
    make, x = REAL_FUNCTIONS[name]
    ours, theirs = make(anp), make(jnp)
    h_ours = adcore.jacrev(lambda z: anp.real(adcore.grad(ours)(z)))(x)
    h_theirs = jax.jit(jax.jacrev(lambda z: jnp.real(jax.grad(theirs)(z))))(jnp.asarray(x))
    np.testing.assert_allclose(h_ours, np.asarray(h_theirs), rtol=1e-7, atol=1e-9)


COMPLEX_OUT = {
    "eigh": (lambda xp: lambda b: _eigh_fn(xp, b), (B3,)),
    "eig": (lambda xp: lambda a: _eig_fn(xp, a), (B3,)),
    "svd": (lambda xp: lambda a: _svd_fn(xp, a), (B32,)),
    "lstsq": (lambda xp: lambda a, y: _lstsq_fn(xp, a, y), (_crandn(4, 3), _crandn(4))),
}


@pytest.mark.parametrize("name", COMPLEX_OUT)
def test_jvp_and_vjp_with_complex_tangents_match_jax(name):
    make, xs = COMPLEX_OUT[name]
    ours, theirs = make(anp), make(jnp)
    ts = tuple(_crandn(*np.shape(x)) for x in xs)
    out, tan = adcore.jvp(ours, xs, ts)
    jout, jtan = jax.jvp(theirs, tuple(map(jnp.asarray, xs)), tuple(map(jnp.asarray, ts)))
    for a, b in zip(out + tan, jout + jtan):
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-8, atol=1e-10)
    us = tuple(
        _crandn(*np.shape(o)) if np.iscomplexobj(o) else RNG.standard_normal(np.shape(o))
        for o in out
    )
    cts = adcore.vjp(ours, *xs)[1](us)
    jcts = jax.vjp(theirs, *map(jnp.asarray, xs))[1](tuple(map(jnp.asarray, us)))
    for a, b in zip(cts, jcts):
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-8, atol=1e-10)


def test_eigenvalues_are_holomorphic_and_match_jax():
    """eigvals(A) of a general complex matrix is holomorphic: its complex Jacobian."""
    want = np.asarray(jax.jacrev(lambda a: _eig(jnp, a)[0], holomorphic=True)(jnp.asarray(B3)))
    for jac in (adcore.jacfwd, adcore.jacrev):
        got = jac(anp.linalg.eigvals, holomorphic=True)(B3)
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-11)
    # d(sum w) / dA = I: the trace
    g = adcore.grad(lambda a: anp.sum(anp.linalg.eigvals(a)), holomorphic=True)(B3)
    np.testing.assert_allclose(g, np.eye(3), atol=1e-10)


def test_real_matrices_with_complex_eigenvalues():
    """Real in, complex out (numpy's eig): tangents complex, cotangents real."""
    w, v = anp.linalg.eig(R3)
    assert np.iscomplexobj(w) and np.iscomplexobj(v)
    t = RNG.standard_normal((3, 3))
    _, (dw, _) = adcore.jvp(anp.linalg.eig, (R3,), (t,))
    _, jdw = jax.jvp(lambda a: _eig(jnp, a)[0], (jnp.asarray(R3),), (jnp.asarray(t),))
    np.testing.assert_allclose(dw, np.asarray(jdw), rtol=1e-9)
    g = adcore.grad(lambda a: anp.imag(anp.prod(anp.linalg.eigvals(a))))(R3)
    assert g.dtype == np.float64
    adcore.check_grads(lambda a: anp.real(_eig_fn(anp, a)[1]), (R3,), order=2)


def test_gauge_dependent_outputs_follow_jaxs_convention():
    """The eigenvectors' and singular vectors' own entries are a gauge choice: the
    rules make JAX's (Im(v^H dv) = 0 for eigh; the joint phase of (u, v) into U)."""
    h = _hermitian(anp, B3)
    t = _hermitian(anp, _crandn(3, 3))
    _, (_, dv) = adcore.jvp(anp.linalg.eigh, (h,), (t,))
    w, v = np.linalg.eigh(h)
    np.testing.assert_allclose(np.imag(np.sum(np.conj(v) * dv, axis=0)), 0, atol=1e-12)
    _, (du, _, dvh) = adcore.jvp(lambda a: anp.linalg.svd(a, full_matrices=False), (B3,), (W3,))
    u, s, vh = np.linalg.svd(B3)
    np.testing.assert_allclose(np.sum(vh.T * np.conj(dvh.T), axis=0), 0, atol=1e-12)
    want = np.imag(np.diag(u.conj().T @ W3 @ vh.conj().T)) / s
    np.testing.assert_allclose(np.imag(np.sum(np.conj(u) * du, axis=0)), want, atol=1e-12)
