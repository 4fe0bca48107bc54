"""The later native Taylor rules at the points the registry's random cases miss:
zero entries of products, -inf entries of logsumexp, hypot on an axis and at the
origin, sinc at 0, arctan2 off the first quadrant, singular matrices, and grad
through the rules.  References: nested jvp (as in test_taylor_registry), the
JVP-derived rule, or closed forms."""

import importlib
import math

import numpy as np
import pytest
from test_taylor_registry import nested_jvp_derivatives

import adcore
import adcore.numpy as anp
from adcore.core import all_primitives
from adcore.taylor.fallback import jvp_derived

PRIMS = all_primitives()
ORDER = 4


def _adcore_scipy(module):
    """An adcore.scipy module, or a skip without scipy (adcore.scipy raises ImportError
    then, which importorskip would pass through: it skips only a missing module)."""
    pytest.importorskip("scipy")
    return importlib.import_module(module)


def _curve(f, x, coeffs):
    def g(t):
        y, p = x, t
        for c in coeffs:
            y = y + c * p
            p = p * t
        return f(y)

    return g


def _jet(f, x, coeffs):
    """jet's derivatives of ``f(x + c1 t + c2 t^2 + ...)`` (normalised coefficients in)."""
    terms = [c * math.factorial(n) for n, c in enumerate(coeffs, 1)]
    return adcore.jet(f, (x,), (terms,))[1]


def _check(f, x, coeffs, rtol=1e-9):
    got = _jet(f, x, coeffs)
    want = nested_jvp_derivatives(_curve(f, x, coeffs), len(coeffs))
    for n, (a, b) in enumerate(zip(got, want), 1):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-12, err_msg=f"order {n}")
    return got


def _coeffs(shape, seed=0):
    rng = np.random.default_rng(seed)
    return [0.5 * rng.standard_normal(shape) for _ in range(ORDER)]


@pytest.mark.parametrize("zeros", [[1], [0, 3], [0, 1, 2, 3, 4]])
def test_prod_with_zero_entries(zeros):
    x = np.array([0.7, -1.2, 0.9, 1.4, -0.6])
    x[zeros] = 0.0
    got = _check(lambda y: anp.prod(y), x, _coeffs(5))
    # with j zeros the first j - 1 derivatives vanish exactly
    for d in got[: len(zeros) - 1]:
        assert d == 0.0


def test_prod_over_axes_with_a_zero_row_and_keepdims():
    x = np.array([[0.0, 1.5, -0.4], [0.8, 0.0, 0.0], [1.1, 0.6, -1.3]])
    _check(lambda y: anp.prod(y, axis=1, keepdims=True), x, _coeffs((3, 3), 1))
    _check(lambda y: anp.prod(y, axis=0), x, _coeffs((3, 3), 2))


def test_cumprod_with_zero_entries():
    x = np.array([1.3, 0.0, -0.7, 0.0, 0.9, 1.1, -0.5])
    got = _check(lambda y: anp.cumprod(y), x, _coeffs(7))
    assert got[0][-1] == 0.0  # two zeros before the end: the first derivative there is 0
    x2 = np.array([[0.5, 0.0], [1.2, -0.9], [0.0, 0.7]])
    _check(lambda y: anp.cumprod(y, axis=0), x2, _coeffs((3, 2), 3))


def test_logsumexp_and_softmax_with_minus_inf_entries():
    x = np.array([-np.inf, 0.3, -1.2, -np.inf, 0.8])
    finite = np.isfinite(x)
    cs = _coeffs(5)
    got = _jet(anp.logsumexp, x, cs)
    # -inf entries drop out: the same derivatives as the finite entries alone
    want = _jet(anp.logsumexp, x[finite], [c[finite] for c in cs])
    np.testing.assert_allclose(got, want, rtol=1e-12)
    soft = _jet(anp.softmax, x, cs)
    assert np.all(np.asarray(soft)[:, ~finite] == 0.0)
    np.testing.assert_allclose(
        np.asarray(soft)[:, finite], _jet(anp.softmax, x[finite], [c[finite] for c in cs])
    )
    lsm = _jet(anp.log_softmax, x[finite], [c[finite] for c in cs])
    _check(anp.log_softmax, x[finite], [c[finite] for c in cs])
    np.testing.assert_allclose(lsm, nested_jvp_derivatives(
        _curve(lambda y: y - anp.logsumexp(y), x[finite], [c[finite] for c in cs]), ORDER
    ))  # fmt: skip


def test_logaddexp_with_a_minus_inf_argument_is_the_other_one():
    cs = _coeffs(3)
    y = np.array([0.2, -1.0, 3.0])
    got = adcore.jet(
        lambda a: anp.logaddexp(np.full(3, -np.inf), a), (y,), ([c * 1.0 for c in cs],)
    )[1]
    np.testing.assert_allclose(got, cs, rtol=1e-12)  # logaddexp(-inf, a) = a


def test_hypot_with_one_argument_zero_and_at_the_origin():
    x = np.array([0.0, 0.0, 1.5])
    y = np.array([-2.0, 0.7, 0.0])
    cs = _coeffs(3)
    _check(lambda a: anp.hypot(a, y), x, cs)  # hypot(x, y) = |y| + x^2 / (2|y|) + ...
    _check(lambda a: anp.hypot(y, a), x, cs)
    # at the origin hypot is a cone: every term 0 (the JVP rule's convention, as abs at 0)
    got = _jet(lambda a: anp.hypot(a, 0.0 * a), np.zeros(2), _coeffs(2))
    np.testing.assert_array_equal(got, np.zeros((ORDER, 2)))


def test_sinc_at_zero_has_the_series_derivatives():
    got = adcore.taylor_derivatives(anp.sinc, 0.0, 1.0, order=6)
    # sinc(x) = sum_n (-1)^n (pi x)^(2n) / (2n+1)!: f^(2n)(0) = (-1)^n pi^(2n) / (2n + 1)
    want = [0.0, -(np.pi**2) / 3, 0.0, np.pi**4 / 5, 0.0, -(np.pi**6) / 7]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    _check(anp.sinc, np.array([0.0, 1.0, -2.5]), _coeffs(3))


def test_arctan2_in_every_quadrant():
    y = np.array([0.5, 0.5, -0.5, -0.5, 0.0])
    x = np.array([0.8, -0.8, -0.8, 0.8, -1.0])
    cs = _coeffs(5)
    _check(lambda a: anp.arctan2(a, x), y, cs)
    _check(lambda a: anp.arctan2(y, a), x, cs)


def test_det_and_logabsdet_negative_and_singular():
    A = np.array([[1.0, 2.0, 0.5], [2.0, 1.0, -1.0], [0.3, 0.2, 2.0]])  # det < 0
    cs = _coeffs((3, 3))
    _check(anp.linalg.det, A, cs)
    _check(lambda m: anp.linalg.slogdet(m)[1], A, cs)
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    _check(anp.linalg.det, singular, _coeffs((2, 2)))  # det 0: the JVP-derived rule, exact


def test_cholesky_of_a_stack_along_a_curve():
    rng = np.random.default_rng(4)
    m = rng.standard_normal((2, 3, 3))
    A = m @ np.swapaxes(m, -1, -2) + 3.0 * np.eye(3)
    cs = _coeffs((2, 3, 3), 5)
    cs = [c + np.swapaxes(c, -1, -2) for c in cs]  # symmetric directions
    got = _check(anp.linalg.cholesky, A, cs)
    assert np.allclose(np.triu(got[3], 1), 0.0)  # every term lower triangular


@pytest.mark.parametrize("name", ["logsumexp", "prod", "cholesky", "arctan2", "det"])
def test_grad_through_a_native_rule_matches_the_jvp_derived_rule(name, monkeypatch):
    rng = np.random.default_rng(6)
    if name in ("cholesky", "det"):
        m = rng.standard_normal((3, 3))
        x0, v = m @ m.T + 3.0 * np.eye(3), rng.standard_normal((3, 3))
        f = anp.linalg.cholesky if name == "cholesky" else anp.linalg.det
    elif name == "arctan2":
        x0, v = rng.uniform(0.5, 1.5, 4), rng.standard_normal(4)
        f = lambda y: anp.arctan2(y, y[::-1] + 0.3)
    else:
        x0, v = rng.standard_normal(4), rng.standard_normal(4)
        f = getattr(anp, name)

    def third(x):
        return anp.sum(adcore.taylor_derivatives(f, x, v, order=3)[2])

    native = adcore.grad(third)(x0)
    monkeypatch.setitem(PRIMS[name].variants, "taylor", jvp_derived)
    np.testing.assert_allclose(native, adcore.grad(third)(x0), rtol=1e-9, atol=1e-10)


# ---- adcore.scipy.special --------------------------------------------------------------------
def _special(name):
    sp = _adcore_scipy("adcore.scipy.special")
    return getattr(sp, name)


@pytest.mark.parametrize("name", ["gammaln", "digamma", "gamma", "rgamma"])
def test_gamma_family_left_of_zero_and_at_the_zeros_of_rgamma(name):
    f = _special(name)
    assert adcore.registry()[name]["taylor"]
    x = np.array([-0.5, -1.7, 2.3])
    _check(f, x, _coeffs(3), rtol=1e-8)
    if name == "rgamma":  # 1/gamma is 0 at 0, -1, -2: the JVP-derived rule there, exact
        _check(f, np.array([0.0, -1.0, -2.0, 0.5]), _coeffs(4), rtol=1e-8)


def test_xlogy_at_zero_and_xlog1py_at_minus_one():
    xlogy, xlog1py = _special("xlogy"), _special("xlog1py")
    y = np.array([0.0, 0.5, 2.0])
    cs = _coeffs(3)
    # y = 0 reaches log(0): those calls take the JVP-derived rule
    got = _check(lambda a: xlogy(a, y + 1.0), np.array([0.0, 1.0, -2.0]), cs)
    assert np.all(np.isfinite(got))
    _check(lambda b: xlogy(np.array([0.0, 1.0, 2.0]), b), y + 0.3, cs)
    _check(lambda b: xlog1py(np.array([1.5, -1.0, 2.0]), b), y - 0.5, cs)


@pytest.mark.parametrize("name", ["ive", "i0e", "i1e"])
def test_scaled_bessel_on_both_sides_of_zero(name):
    f = _special(name)
    x = np.array([-1.3, -0.2, 0.4, 2.0])
    g = (lambda a: f(1.5, a)) if name == "ive" else f
    _check(g, x, _coeffs(4), rtol=1e-8)


def test_inverse_error_functions_and_the_normal_tail():
    cs = _coeffs(3)
    _check(_special("erfinv"), np.array([-0.95, 0.0, 0.9]), cs, rtol=1e-8)
    _check(_special("ndtri"), np.array([0.02, 0.5, 0.97]), cs, rtol=1e-8)
    # far in the left tail log Phi(x) ~ -x^2/2: the rule works in logs and stays finite
    got = _check(_special("log_ndtr"), np.array([-30.0, -8.0, 1.0]), cs, rtol=1e-7)
    assert np.all(np.isfinite(got))


def test_a_traced_shape_parameter_is_refused_by_name():
    zeta = _special("zeta")
    with pytest.raises(NotImplementedError, match="zeta.*'x'"):
        adcore.taylor_derivatives(lambda s: zeta(s, 1.5), 3.0, 1.0, order=3)


def _batched_vs_alone(f, xs, seed=7):
    rng = np.random.default_rng(seed)
    batches = [[rng.standard_normal((3,) + np.shape(x)) for _ in range(ORDER)] for x in xs]
    _, together = adcore.jet(f, tuple(xs), tuple(batches), batched=True)
    for d in range(3):
        _, alone = adcore.jet(f, tuple(xs), tuple([t[d] for t in b] for b in batches))
        for n, (t, a) in enumerate(zip(together, alone), 1):
            np.testing.assert_allclose(t[d], a, rtol=1e-10, atol=1e-12, err_msg=f"order {n}")


def _spd(n, seed):
    m = np.random.default_rng(seed).standard_normal((n, n))
    return m @ m.T + n * np.eye(n)


@pytest.mark.parametrize("name", ["inv", "det", "logabsdet", "cholesky", "prod", "cumprod",
                                  "logsumexp", "softmax"])  # fmt: skip
def test_batched_directions_through_the_new_rules(name):
    if name in ("inv", "det", "logabsdet", "cholesky"):
        f = {"logabsdet": lambda a: anp.linalg.slogdet(a)[1]}.get(name) or getattr(anp.linalg, name)
        x = _spd(3, 8)
    else:
        f, x = (lambda y: getattr(anp, name)(y, axis=0)), np.array([[0.4, 0.0], [-1.1, 0.7]])
    _batched_vs_alone(f, [x])


@pytest.mark.parametrize("name", ["solve_triangular", "solve_sylvester", "sqrtm", "convolve"])
def test_scipy_rules_loop_a_batch_over_directions(name):
    sl = _adcore_scipy("adcore.scipy.linalg")
    signal = _adcore_scipy("adcore.scipy.signal")
    a, b = _spd(3, 9), np.random.default_rng(10).standard_normal((3, 2))
    assert adcore.registry()["signal_convolve" if name == "convolve" else name]["taylor"]
    if name == "solve_triangular":
        _batched_vs_alone(lambda m, c: sl.solve_triangular(m, c, lower=True), [np.tril(a), b])
    elif name == "solve_sylvester":
        _batched_vs_alone(sl.solve_sylvester, [a, a.T + np.eye(3), a[:, :3]])
    elif name == "sqrtm":
        _batched_vs_alone(sl.sqrtm, [a])
        _check(sl.sqrtm, a, _coeffs((3, 3), 11), rtol=1e-8)
    else:
        _batched_vs_alone(signal.convolve, [np.array([1.0, -0.5, 2.0]), np.array([0.3, 0.8])])


@pytest.mark.parametrize("name", ["gammaln", "erfinv", "j0", "log_ndtr", "ive", "sqrtm"])
def test_grad_through_a_scipy_rule_matches_the_jvp_derived_rule(name, monkeypatch):
    rng = np.random.default_rng(12)
    if name == "sqrtm":
        f, x0, v = _adcore_scipy("adcore.scipy.linalg").sqrtm, _spd(3, 13), _spd(3, 14)
    else:
        g = _special(name)
        f = (lambda a: g(0.5, a)) if name == "ive" else g
        x0, v = rng.uniform(-0.8, 0.8, 4) + (1.5 if name == "gammaln" else 0.0), rng.normal(size=4)

    def third(x):
        return anp.sum(adcore.taylor_derivatives(f, x, v, order=3)[2])

    native = adcore.grad(third)(x0)
    monkeypatch.setitem(PRIMS[name].variants, "taylor", jvp_derived)
    np.testing.assert_allclose(native, adcore.grad(third)(x0), rtol=1e-8, atol=1e-10)
