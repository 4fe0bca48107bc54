"""adcore.scipy: values as scipy's, derivatives against finite differences.

The cases follow autograd's scipy tests (each distribution function in each
of its differentiable arguments, with broadcasting; the special functions;
logsumexp with weights; convolutions in every mode; odeint in y0, t and its
arguments; the linalg solvers), written against adcore's API and checked by
``check_grads`` in both modes to second order.
"""

import numpy as np
import pytest

sp = pytest.importorskip("scipy")
import scipy.integrate  # noqa: E402
import scipy.linalg  # noqa: E402
import scipy.signal  # noqa: E402
import scipy.special as sc  # noqa: E402
import scipy.stats as st  # noqa: E402

import adcore  # noqa: E402
import adcore.numpy as anp  # noqa: E402
from adcore import check_grads  # noqa: E402
from adcore.scipy import integrate, linalg, signal, special, stats  # noqa: E402

RNG = np.random.default_rng(1)


def R(*shape):
    return RNG.standard_normal(shape)


def POS(*shape):
    return R(*shape) ** 2 + 1.1


def U(lo, hi, *shape):
    return RNG.uniform(lo, hi, shape)


def _check(mine, ref, args, wrt, order=2):
    """Same values as scipy; derivatives in the arguments ``wrt`` (the rest held fixed)."""
    np.testing.assert_allclose(mine(*args), ref(*args), rtol=1e-9, atol=1e-12)

    def f(*moving):
        full = list(args)
        for k, v in zip(wrt, moving):
            full[k] = v
        return mine(*full)

    check_grads(f, tuple(args[k] for k in wrt), order=order)


# ---- stats: (distribution, function, argument maker, differentiable arguments) -------------
STATS = [
    ("chi2", "pdf", lambda: (POS(4), 3.0), [0]),
    ("chi2", "cdf", lambda: (POS(4), 2.0), [0]),
    ("chi2", "logpdf", lambda: (POS(4), 1.0), [0]),
    ("beta", "cdf", lambda: (U(0.05, 0.95, 4), POS(4), POS(4)), [0]),
    ("beta", "pdf", lambda: (U(0.05, 0.95, 4), POS(4), POS(4)), [0, 1, 2]),
    ("beta", "logpdf", lambda: (U(0.05, 0.95, 4), POS(4), POS(4)), [0, 1, 2]),
    ("gamma", "cdf", lambda: (POS(4), POS(4)), [0]),
    ("gamma", "pdf", lambda: (POS(4), POS(4)), [0, 1]),
    ("gamma", "logpdf", lambda: (POS(4), POS(4)), [0, 1]),
    ("t", "pdf", lambda: (R(4), POS(4) + 1, R(4), POS(4) + 1), [0, 1, 2, 3]),
    ("t", "cdf", lambda: (R(4), POS(4) + 1, R(4), POS(4) + 1), [0, 2, 3]),
    ("t", "logpdf", lambda: (R(4), POS(4) + 1, R(4), POS(4) + 1), [0, 1, 2, 3]),
    ("t", "logcdf", lambda: (R(4), POS(4) + 1, R(4), POS(4) + 1), [0, 2, 3]),
    ("t", "pdf", lambda: (R(4, 3), POS(1, 3) + 1, R(4, 3), POS(4, 1) + 1), [0, 1, 2, 3]),
    ("t", "cdf", lambda: (R(4, 3), POS(1, 3) + 1, R(4, 3), POS(4, 1) + 1), [0, 2, 3]),
    ("t", "logpdf", lambda: (R(4, 3), POS(1, 3) + 1, R(4, 3), POS(4, 1) + 1), [0, 1, 2, 3]),
    ("t", "logcdf", lambda: (R(4, 3), POS(1, 3) + 1, R(4, 3), POS(4, 1) + 1), [0, 2, 3]),
    ("poisson", "cdf", lambda: (np.round(R(4) ** 2), POS(4)), [1]),
    ("poisson", "logpmf", lambda: (np.round(R(4) ** 2), POS(4)), [1]),
    ("poisson", "pmf", lambda: (np.round(R(4) ** 2), POS(4)), [1]),
    ("poisson", "cdf", lambda: (np.round(R(4, 3) ** 2), POS(4, 1)), [1]),
    ("poisson", "logpmf", lambda: (np.round(R(4, 3) ** 2), POS(4, 1)), [1]),
    ("poisson", "pmf", lambda: (np.round(R(4, 3) ** 2), POS(4, 1)), [1]),
]
for _fn in ("pdf", "cdf", "sf", "logpdf", "logcdf", "logsf"):
    STATS.append(("norm", _fn, lambda: (R(4), R(4), POS(4)), [0, 1, 2]))
    STATS.append(("norm", _fn, lambda: (R(4, 3), R(1, 3), POS(4, 1)), [0, 1, 2]))
for _fn in ("ppf", "isf"):
    STATS.append(("norm", _fn, lambda: (U(0.05, 0.95, 4), R(4), POS(4)), [0, 1, 2]))
    STATS.append(("norm", _fn, lambda: (U(0.05, 0.95, 4, 3), R(1, 3), POS(4, 1)), [0, 1, 2]))


@pytest.mark.parametrize("dist,fn,make,wrt", STATS, ids=lambda v: v if isinstance(v, str) else "")
def test_distribution(dist, fn, make, wrt):
    mine = getattr(getattr(stats, dist), fn)
    ref = getattr(getattr(st, dist), fn)
    _check(mine, ref, make(), wrt)


def _psd(m):
    return m.T @ m + np.eye(len(m))


def _symmetric(f, argnum):
    def g(*args):
        args = list(args)
        args[argnum] = 0.5 * (args[argnum] + anp.transpose(args[argnum]))
        return f(*args)

    return g


@pytest.mark.parametrize("x_shape", [(4,), (5, 4)])
@pytest.mark.parametrize("fn", ["pdf", "logpdf"])
def test_multivariate_normal(fn, x_shape):
    mine = _symmetric(getattr(stats.multivariate_normal, fn), 2)
    _check(mine, getattr(st.multivariate_normal, fn), (R(*x_shape), R(4), _psd(R(4, 4))), [0, 1, 2])


def test_multivariate_normal_entropy():
    mine = _symmetric(stats.multivariate_normal.entropy, 1)
    _check(mine, st.multivariate_normal.entropy, (10 * R(4), _psd(R(4, 4))), [0, 1])


def test_dirichlet():
    alpha = R(4) ** 2 + 1.2
    x = RNG.dirichlet(alpha)

    def on_simplex(f):  # finite differences must stay on the simplex
        return lambda x, a: f(x / anp.sum(x), a)

    for fn in ("pdf", "logpdf"):
        mine, ref = getattr(stats.dirichlet, fn), getattr(st.dirichlet, fn)
        np.testing.assert_allclose(mine(x, alpha), ref(x, alpha), rtol=1e-10)
        check_grads(on_simplex(mine), (x, alpha), order=2)
    xs = RNG.dirichlet(alpha, size=3).T  # components along the first axis, as scipy
    np.testing.assert_allclose(stats.dirichlet.logpdf(xs, alpha), st.dirichlet.logpdf(xs, alpha))


# ---- special -------------------------------------------------------------------------------
UNARY = [
    ("psi", (0.3, 2.0)), ("digamma", (0.3, 2.0)), ("gamma", (0.3, 2.0)),
    ("gammaln", (0.3, 2.0)), ("rgamma", (0.3, 2.0)), ("j0", (0.2, 20.0)), ("j1", (0.2, 20.0)),
    ("y0", (0.2, 20.0)), ("y1", (0.2, 20.0)), ("i0", (0.2, 20.0)), ("i1", (0.2, 20.0)),
    ("i0e", (0.2, 20.0)), ("i1e", (0.2, 20.0)), ("erf", (-3.0, 3.0)), ("erfc", (-3.0, 3.0)),
    ("erfinv", (-0.95, 0.95)), ("erfcinv", (0.05, 1.95)), ("logit", (0.1, 0.9)),
    ("expit", (-4.05, 4.95)), ("ndtr", (-3.0, 3.0)), ("log_ndtr", (-6.0, 3.0)),
    ("ndtri", (0.05, 0.95)), ("log_expit", (-4.0, 4.0)),
]  # fmt: skip


@pytest.mark.parametrize("name,lims", UNARY, ids=[u[0] for u in UNARY])
def test_unary_special(name, lims):
    _check(getattr(special, name), getattr(sc, name), (U(*lims, 2, 3),), [0])


# (name, argument maker, differentiable arguments)
SPECIAL = [
    ("beta", lambda: (POS(4), POS(4)), [0, 1]),
    ("betaln", lambda: (POS(4), POS(4)), [0, 1]),
    ("betainc", lambda: (POS(4), POS(4), U(0.05, 0.95, 4)), [2]),
    ("gammainc", lambda: (1.0, POS(4) + 0.2), [1]),
    ("gammaincc", lambda: (1.0, POS(4) + 0.2), [1]),
    ("polygamma", lambda: (0, POS(4) + 0.2), [1]),
    ("polygamma", lambda: (np.array([0, 1, 3, 2]), POS(4) + 0.2), [1]),
    ("jn", lambda: (2, POS(4) + 0.2), [1]),
    ("yn", lambda: (2, POS(4) + 0.2), [1]),
    ("iv", lambda: (U(1.0, 50.0, 4), POS(4) + 0.2), [1]),
    ("ive", lambda: (U(1.0, 50.0, 4), POS(4) + 0.2), [1]),
    ("multigammaln", lambda: (U(4.0, 5.0, 2, 3), 3), [0]),
    ("xlogy", lambda: (R(4), POS(4)), [0, 1]),
    ("xlog1py", lambda: (R(4), POS(4)), [0, 1]),
    ("zeta", lambda: (np.array([2.0, 3.0, 4.5, 6.0]), POS(4)), [1]),
    ("stdtr", lambda: (POS(4) + 1, R(4)), [1]),
]


@pytest.mark.parametrize("name,make,wrt", SPECIAL, ids=[s[0] for s in SPECIAL])
def test_special(name, make, wrt):
    _check(getattr(special, name), getattr(sc, name), make(), wrt)


LSE = [
    (np.array([1.1]), {}), (R(4), dict(axis=0)), (R(3, 4), dict(axis=None, keepdims=True)),
    (R(4, 5, 6), dict(axis=1)), (R(1, 5), dict(axis=1, keepdims=True)),
    (R(4), dict(b=np.exp(R(4)))), (R(3, 4), dict(b=np.exp(R(3, 4)), axis=0, keepdims=True)),
    (R(2, 3, 4), dict(b=np.exp(R(2, 3, 4)), axis=1)), (R(3, 4), dict(b=np.exp(R(4)), axis=-1)),
]  # fmt: skip


@pytest.mark.parametrize("x,kw", LSE)
def test_logsumexp(x, kw):
    _check(lambda x: special.logsumexp(x, **kw), lambda x: sc.logsumexp(x, **kw), (x,), [0])


def test_logsumexp_in_its_weights_and_with_signs():
    x, b = R(5), R(5)
    got, sign = special.logsumexp(x, b=b, return_sign=True)
    want, want_sign = sc.logsumexp(x, b=b, return_sign=True)
    np.testing.assert_allclose(got, want)
    assert sign == want_sign
    check_grads(lambda x, b: special.logsumexp(x, b=b**2 + 0.1), (x, b), order=2)


def _c(*shape):
    return R(*shape) + 0.5j * R(*shape)


@pytest.mark.parametrize(
    "kw",
    [dict(), dict(axis=1), dict(b=np.exp(R(3, 4))), dict(b=_c(4), axis=-1, keepdims=True)],
    ids=["all", "axis", "b", "complex-b"],
)
def test_logsumexp_of_complex_values(kw):
    """Complex a (or b): scipy's and JAX's principal log of the sum, shifted by the real
    parts' maximum; with return_sign, (log|s|, s / |s|), both differentiated."""
    z = _c(3, 4)
    _check(lambda z: special.logsumexp(z, **kw), lambda z: sc.logsumexp(z, **kw), (z,), [0])
    got, sign = special.logsumexp(z, return_sign=True, **kw)
    want, want_sign = sc.logsumexp(z, return_sign=True, **kw)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(sign, want_sign, rtol=1e-12)
    check_grads(lambda z: special.logsumexp(z, return_sign=True, **kw)[1], (z,), order=2)
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    from jax.scipy.special import logsumexp as jax_lse

    def loss(lse, xp):
        return lambda z: xp.sum(xp.abs(lse(z, **kw)) ** 2)

    want = np.asarray(jax.grad(loss(jax_lse, jax.numpy))(z))
    np.testing.assert_allclose(adcore.grad(loss(special.logsumexp, anp))(z), want, rtol=1e-10)


def test_softmax_and_log_softmax_match_scipy():
    x = R(3, 4)
    for axis in (None, 0, -1):
        _check(lambda x: special.softmax(x, axis), lambda x: sc.softmax(x, axis), (x,), [0])
        _check(lambda x: special.log_softmax(x, axis), lambda x: sc.log_softmax(x, axis), (x,), [0])


def test_rgamma_is_differentiable_at_the_poles_of_gamma():
    # 1/gamma is entire: at -n its slope is (-1)^n n!, in every mode and at order 2
    poles = np.array([0.0, -1.0, -2.0, -3.0])
    slope = (-1.0) ** -poles * sc.gamma(1.0 - poles)
    np.testing.assert_allclose(adcore.grad(lambda x: anp.sum(special.rgamma(x)))(poles), slope)
    np.testing.assert_allclose(adcore.jvp(special.rgamma, (poles,), (np.ones(4),))[1], slope)
    for x in (0.0, -2.0, -0.5, 0.7):
        check_grads(special.rgamma, (x,), order=2)


def test_gammasgn_is_piecewise_constant():
    x = np.array([-2.5, -1.5, 0.5, 3.0])
    np.testing.assert_array_equal(special.gammasgn(x), sc.gammasgn(x))
    np.testing.assert_array_equal(
        adcore.grad(lambda x: anp.sum(special.gammasgn(x) * x))(x), sc.gammasgn(x)
    )


def test_scipy_ufuncs_on_traced_values_use_the_rules():
    x = U(0.5, 2.0, 4)
    np.testing.assert_allclose(adcore.grad(lambda x: anp.sum(sc.gammaln(x)))(x), sc.digamma(x))
    check_grads(lambda x: sc.erf(x) * sc.i0e(x) + sc.xlogy(x, x + 1.0), (x,), order=2)
    check_grads(lambda x: sc.iv(1.5, x) + sc.gammainc(2.0, x), (x,), order=2)
    with pytest.raises(NotImplementedError, match="struve"):
        adcore.grad(lambda x: anp.sum(sc.struve(1.0, x)))(x)


def test_parameters_without_a_rule_are_named():
    x = U(0.5, 2.0, 3)
    with pytest.raises(NotImplementedError, match="gammainc.*'a'"):
        adcore.grad(lambda a: anp.sum(special.gammainc(a, x)))(x)
    with pytest.raises(NotImplementedError, match="iv.*'v'"):
        adcore.jvp(lambda v: special.iv(v, x), (x,), (x,))
    with pytest.raises(TypeError, match="poisson: k"):
        adcore.grad(lambda k: anp.sum(stats.poisson.logpmf(k, 2.0)))(x)
    with pytest.raises(ValueError, match="polygamma: n"):
        special.polygamma(0.5, x)


# ---- signal --------------------------------------------------------------------------------
CONV = [((4,), (2,)), ((5,), (3,)), ((6,), (4,)), ((2,), (5,)), ((4, 3), (2, 2)),
        ((5, 4), (3, 2)), ((6, 7), (4, 1)), ((3, 2), (4, 3))]  # fmt: skip


@pytest.mark.parametrize("mode", ["full", "valid", "same"])
@pytest.mark.parametrize("shapes", CONV)
def test_convolve(shapes, mode):
    a, b = R(*shapes[0]), R(*shapes[1])
    for mine, ref, order in (
        (signal.convolve, scipy.signal.convolve, 2),
        (signal.correlate, scipy.signal.correlate, 1),
    ):
        _check(lambda a, b: mine(a, b, mode), lambda a, b: ref(a, b, mode), (a, b), [0, 1], order)


def test_convolve_rejects_what_scipy_rejects():
    with pytest.raises(ValueError, match="same dimensionality"):
        signal.convolve(R(3), R(2, 2))
    with pytest.raises(ValueError, match="at least as large"):
        signal.convolve(R(3, 2), R(2, 3), "valid")
    with pytest.raises(ValueError, match="mode"):
        signal.convolve(R(3), R(2), "circular")


# ---- integrate -----------------------------------------------------------------------------
def _rhs(y, t, arg1, arg2):
    return -anp.sqrt(t) - y + arg1 - anp.mean((y + arg2) ** 2)


TIGHT = dict(rtol=1e-11, atol=1e-11)


def test_odeint_matches_scipy():
    y0, t, a1, a2 = R(3), np.linspace(0.1, 0.2, 4), R(3), R(3)
    plain = lambda y, t, a1, a2: -np.sqrt(t) - y + a1 - np.mean((y + a2) ** 2)
    np.testing.assert_allclose(
        integrate.odeint(_rhs, y0, t, (a1, a2)), scipy.integrate.odeint(plain, y0, t, (a1, a2))
    )


@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_odeint_derivatives(mode):
    y0, t, a1, a2 = R(3), np.linspace(0.1, 0.2, 4), R(3), R(3)

    def f(y0, t, a1, a2):
        return integrate.odeint(_rhs, y0, t, (a1, a2), **TIGHT)

    # the solver's own error (~1e-11) swamps differences taken 1e-6 apart: step wider
    check_grads(f, (y0, t, a1, a2), order=1, modes=(mode,), eps=1e-4, rtol=1e-5)


def test_odeint_gradient_is_the_closed_form():
    # y' = -k y: y(T) = y0 exp(-k T), so d y(T) / dk = -T y(T)
    t = np.array([0.0, 0.7, 1.5])

    def final(k):
        return integrate.odeint(lambda y, t, k: -k * y, np.array([2.0]), t, (k,), **TIGHT)[-1, 0]

    k = np.array(0.8)
    np.testing.assert_allclose(adcore.grad(final)(k), -1.5 * 2.0 * np.exp(-0.8 * 1.5), rtol=1e-8)
    np.testing.assert_allclose(
        adcore.grad(adcore.grad(final))(k), 1.5**2 * 2.0 * np.exp(-0.8 * 1.5), rtol=1e-6
    )


# ---- linalg --------------------------------------------------------------------------------
def test_sqrtm():
    _check(_symmetric(linalg.sqrtm, 0), scipy.linalg.sqrtm, (_psd(R(3, 3)),), [0])


def _near_identity_complex(n):
    return 2.0 * np.eye(n) + 0.4 * (R(n, n) + 1j * R(n, n))


@pytest.mark.parametrize(
    "a, complex_root",
    [
        (_near_identity_complex(3), True),
        (-np.eye(2) + 0.3 * R(2, 2), True),  # a real matrix without a real square root
        (np.array([[0.5, 2.0], [-2.0, 0.5]]), False),  # a complex pair: a real root
    ],
    ids=["complex", "real-negative-spectrum", "real-rotation"],
)
def test_sqrtm_of_complex_square_roots(a, complex_root):
    x = linalg.sqrtm(a)
    np.testing.assert_allclose(x, scipy.linalg.sqrtm(a), rtol=1e-10, atol=1e-12)
    assert np.iscomplexobj(x) == complex_root
    np.testing.assert_allclose(x @ x, a, atol=1e-10)
    check_grads(linalg.sqrtm, (a,), order=2)
    # solve_sylvester, which sqrtm's rules solve, with complex matrices of its own
    b, q = _near_identity_complex(3), R(3, 3) + 1j * R(3, 3)
    _check(linalg.solve_sylvester, scipy.linalg.solve_sylvester, (b, b.T + 1.0, q), [0, 1, 2])


def test_sqrtm_matches_jax_through_an_eigendecomposition():
    """JAX cannot differentiate its sqrtm (schur): V diag(sqrt(w)) V^-1 through eig is the
    same principal square root, whose derivatives JAX has."""
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    jax.config.update("jax_enable_x64", True)
    a = _near_identity_complex(3)
    w_ = R(3, 3) + 1j * R(3, 3)

    def theirs(a):
        w, v = jax.lax.linalg.eig(a, compute_left_eigenvectors=False, enable_eigvec_derivs=True)
        return (v * jnp.sqrt(w)[None, :]) @ jnp.linalg.inv(v)

    def loss(sqrt):
        return lambda a: jnp.abs(jnp.sum(sqrt(a) * w_)) ** 2

    np.testing.assert_allclose(linalg.sqrtm(a), np.asarray(theirs(jnp.asarray(a))), rtol=1e-10)
    want = np.asarray(jax.jit(jax.grad(loss(theirs)))(jnp.asarray(a)))
    got = adcore.grad(lambda a: anp.abs(anp.sum(linalg.sqrtm(a) * w_)) ** 2)(a)
    np.testing.assert_allclose(got, want, rtol=1e-8)
    t = R(3, 3) + 1j * R(3, 3)
    _, jt = jax.jit(lambda a, t: jax.jvp(theirs, (a,), (t,)))(jnp.asarray(a), jnp.asarray(t))
    np.testing.assert_allclose(adcore.jvp(linalg.sqrtm, (a,), (t,))[1], np.asarray(jt), rtol=1e-8)


def test_solve_sylvester():
    a, b, q = R(3, 3), R(3, 3), R(3, 3)
    _check(linalg.solve_sylvester, scipy.linalg.solve_sylvester, (a, b, q), [0, 1, 2])


@pytest.mark.parametrize("b_shape", [(5,), (5, 2)])
def test_solve_banded(b_shape):
    ab = R(3, 5)
    ab[1] += 4.0  # the main diagonal (l = u = 1)
    _check(
        lambda ab, b: linalg.solve_banded((1, 1), ab, b),
        lambda ab, b: scipy.linalg.solve_banded((1, 1), ab, b),
        (ab, R(*b_shape)),
        [0, 1],
    )


@pytest.mark.parametrize("trans", [0, 1, "T"])
@pytest.mark.parametrize("lower", [True, False])
def test_solve_triangular(trans, lower):
    a, b = R(4, 4) + 4 * np.eye(4), R(4, 2)
    _check(
        lambda a, b: linalg.solve_triangular(a, b, trans=trans, lower=lower),
        lambda a, b: scipy.linalg.solve_triangular(a, b, trans=trans, lower=lower),
        (a, b), [0, 1],
    )  # fmt: skip


@pytest.mark.parametrize("lower", [True, False])
def test_cho_solve(lower):
    a, b = _psd(R(4, 4)), R(4)

    def mine(a, b):
        return linalg.cho_solve(linalg.cho_factor(a, lower=lower), b)

    def ref(a, b):
        return scipy.linalg.cho_solve(scipy.linalg.cho_factor(a, lower=lower), b)

    _check(_symmetric(mine, 0), ref, (a, b), [0, 1])


def test_convolve_with_kept_and_dot_axes_matches_loops_of_scipy():
    a35, a34, a342 = R(3, 5), R(3, 4), R(3, 4, 2)
    a2543, a24232 = R(2, 5, 4, 3), R(2, 4, 2, 3, 2)
    for mode in ("valid", "full"):
        got = signal.convolve(a35, a34, axes=([1], [0]), mode=mode)
        np.testing.assert_allclose(got[1, 2], scipy.signal.convolve(a35[1], a34[:, 2], mode))
        got = signal.convolve(a35, a34, axes=([], []), dot_axes=([0], [0]), mode=mode)
        np.testing.assert_allclose(got, np.tensordot(a35, a34, axes=([0], [0])))
        got = signal.convolve(a35, a342, axes=([1], [2]), dot_axes=([0], [0]), mode=mode)
        want = sum(scipy.signal.convolve(a35[i], a342[i, 2], mode) for i in range(3))
        np.testing.assert_allclose(got[2], want)
        got = signal.convolve(
            a2543, a24232, axes=([1, 2], [2, 4]), dot_axes=([0, 3], [0, 3]), mode=mode
        )
        want = sum(
            scipy.signal.convolve(a2543[i, :, :, j], a24232[i, 2, :, j, :], mode)
            for i in range(2)
            for j in range(3)
        )
        np.testing.assert_allclose(got[2], want)


@pytest.mark.parametrize("mode", ["full", "valid", "same"])
def test_convolve_with_kept_and_dot_axes_derivatives(mode):
    a, b = R(4, 3), R(3, 2)
    for axes in [
        ([0], [0]),
        ([1], [1]),
        ([0], [1]),
        ([1], [0]),
        ([0, 1], [0, 1]),
        ([1, 0], [1, 0]),
    ]:
        check_grads(lambda a, b: signal.convolve(a, b, mode, axes=axes), (a, b), order=2)
    a, b = R(3, 3, 2), R(3, 2, 3)
    for dot in [([0], [2]), ([0], [0])]:
        f = lambda a, b: signal.convolve(a, b, mode, axes=([1], [1]), dot_axes=dot)
        check_grads(f, (a, b), order=2)


def test_scipy_ufuncs_find_their_rules_without_importing_adcore_scipy():
    import subprocess
    import sys

    code = (
        "import numpy as np, scipy.special as sc, adcore, sys\n"
        "assert 'adcore.scipy' not in sys.modules\n"
        "print(adcore.grad(lambda x: sc.gammaln(x))(np.float64(1.5)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert np.isclose(float(out.stdout), sc.digamma(1.5))


@pytest.mark.parametrize("fn", ["pdf", "logpdf"])
def test_multivariate_normal_with_a_singular_covariance(fn):
    cov = np.diag([1.0, 1.0, 0.0, 0.0])
    mean, x = np.r_[R(2), 0.0, 0.0], np.r_[R(2), 0.0, 0.0]
    mine = getattr(stats.multivariate_normal, fn)
    ref = getattr(st.multivariate_normal, fn)
    np.testing.assert_allclose(
        mine(x, mean, cov, allow_singular=True), ref(x, mean, cov, allow_singular=True)
    )

    def on_support(x, mean):  # x may only move where the covariance has variance
        return mine(anp.concatenate([x[:2], mean[2:]]), mean, cov, allow_singular=True)

    check_grads(on_support, (x, mean), order=2)
    off = np.r_[x[:3], 1.0]
    assert mine(off, mean, cov, allow_singular=True) == ref(off, mean, cov, allow_singular=True)
    with pytest.raises(NotImplementedError, match="derivative in cov"):
        adcore.grad(lambda c: mine(x, mean, c, allow_singular=True))(cov)
