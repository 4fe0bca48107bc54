"""Complex numbers: every primitive marked ``meta["complex"]`` checked with complex
inputs (the registry's spec cases), the conventions checked against JAX, and the
real-only primitives checked to refuse complex values by name.

Tangents and cotangents pair by the real inner product Re(sum(u * v)) (JAX's
bilinear convention, docs/api.md "Complex numbers"), so the dot-product test is
Re(sum(u * jvp(v))) == Re(sum(vjp(u) * v)).
"""

import numpy as np
import pytest
from registry_specs import Case, bind, cases_for, fill_slots
from specs_surface import COMPLEX_SPECS
from test_registry import EXTRA, PRIMS

import adcore
import adcore.numpy as anp
from adcore.core import all_primitives

COMPLEX = sorted(n for n, p in PRIMS.items() if p.meta.get("complex"))
REAL_ONLY = sorted(n for n, p in PRIMS.items() if p.meta.get("complex") is False)
IMAG = (-0.6, 0.6)  # imaginary parts: off the real axis, clear of the branch cuts on it
EPS = 1e-6

# cases replacing the real spec's: where it says nothing complex-specific (astype), and
# where complex values leave only gauge-invariant functions defined (eigenvectors)
EXTRA_CASES = {
    "astype": [
        Case([(3,)], dict(dtype=np.dtype(np.complex128))),  # complex stays complex
        Case([(3,)], dict(dtype=np.dtype(np.float64))),  # complex -> real: the real part
    ],
    **{name: [Case(**c) for c in cases] for name, cases in COMPLEX_SPECS.items()},
}


def test_every_builtin_primitive_says_whether_it_takes_complex():
    builtin = {n: p for n, p in all_primitives().items() if p.family != "user"}
    unmarked = [n for n, p in builtin.items() if "complex" not in p.meta]
    assert not unmarked, f"primitives without meta['complex']: {unmarked}"
    assert len(COMPLEX) >= 40 and len(REAL_ONLY) >= 20


def _complex_cases():
    out = []
    for name in COMPLEX:
        cases = EXTRA_CASES.get(name) or cases_for(PRIMS[name], EXTRA) or []
        for k, c in enumerate(cases):
            c.name = name
            out.append(pytest.param(c, id=f"{name}-{k}"))
    return out


CASES = _complex_cases()


def _instantiate(case, seed):
    rng = np.random.default_rng(seed)
    slots, diff = fill_slots(
        case, lambda a, dom: rng.uniform(*dom, size=a) + 1j * rng.uniform(*IMAG, size=a)
    )
    return bind(case, PRIMS[case.name], slots), diff, rng


def _crandn(rng, shape):
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


def _fd(f, xs, vs, eps=EPS):
    plus = np.asarray(f(*[x + eps * v for x, v in zip(xs, vs)]))
    minus = np.asarray(f(*[x - eps * v for x, v in zip(xs, vs)]))
    return (plus - minus) / (2 * eps)


def _pair(u, v):
    """The real inner product Re(sum(u * v)) that tangents and cotangents pair by."""
    return float(np.real(np.sum(np.asarray(u) * np.asarray(v))))


def _cotangent_like(rng, out):
    out = np.asarray(out)
    return _crandn(rng, out.shape) if np.iscomplexobj(out) else rng.standard_normal(out.shape)


def check_first_order(f, xs, rng, what):
    """JVP vs differences, VJP vs differences and the dot-product test, complex tangents."""
    vs = [_crandn(rng, np.shape(x)) for x in xs]
    out, tangent = adcore.jvp(f, tuple(xs), tuple(vs))
    fd = _fd(f, xs, vs)
    np.testing.assert_allclose(tangent, fd, rtol=1e-5, atol=1e-6, err_msg=f"{what}: JVP")
    assert np.iscomplexobj(tangent) == np.iscomplexobj(out), f"{what}: tangent dtype"
    out2, pullback = adcore.vjp(f, *xs)
    np.testing.assert_allclose(out, out2)
    u = _cotangent_like(rng, out)
    cts = pullback(u)
    for c, x in zip(cts, xs):
        assert np.shape(c) == np.shape(x) and np.result_type(c) == np.complex128, what
    lhs = sum(_pair(c, v) for c, v in zip(cts, vs))
    np.testing.assert_allclose(lhs, _pair(u, fd), rtol=1e-5, atol=1e-6, err_msg="VJP vs FD")
    np.testing.assert_allclose(lhs, _pair(u, tangent), rtol=1e-10, atol=1e-10, err_msg="dot")


def check_second_order(f, xs, rng, what):
    """Order 2 through a real scalar of the complex output, both nestings and FD."""
    w = _cotangent_like(rng, f(*xs))

    def scalar(*ys):
        return anp.sum(anp.real(f(*ys) * w))

    vs = tuple(_crandn(rng, np.shape(x)) for x in xs)
    every = tuple(range(len(xs)))
    g1, hv1 = adcore.hvp(scalar, tuple(xs), vs, mode="fwd-over-rev")
    g2, hv2 = adcore.hvp(scalar, tuple(xs), vs, mode="rev-over-rev")
    grad = adcore.grad(scalar, every)

    def flat(t):
        return np.concatenate([np.ravel(a) for a in (t if isinstance(t, tuple) else (t,))])

    fd = _fd(lambda *ys: flat(grad(*ys)), xs, vs, eps=1e-5)
    np.testing.assert_allclose(flat(g1), flat(g2), rtol=1e-12, atol=1e-12, err_msg=what)
    np.testing.assert_allclose(flat(hv1), flat(hv2), rtol=1e-8, atol=1e-9, err_msg=what)
    np.testing.assert_allclose(flat(hv1), fd, rtol=1e-4, atol=1e-5, err_msg=f"{what}: HVP vs FD")


@pytest.mark.parametrize("case", CASES)
def test_complex_first_order(case):
    f, xs, rng = _instantiate(case, 0)
    check_first_order(f, xs, rng, case.name)


@pytest.mark.parametrize("case", CASES)
def test_complex_second_order(case):
    f, xs, rng = _instantiate(case, 7)
    check_second_order(f, xs, rng, case.name)


# composites of the namespace that conjugate (numpy's vdot, correlate, cov) or reduce
# complex values to real ones (var, std, norm, angle, slogdet): values are numpy's
_ZR = np.random.default_rng(5)
_Z4 = _ZR.uniform(-1, 1, 4) + 1j * _ZR.uniform(-1, 1, 4)
_Z3 = _ZR.uniform(-1, 1, 3) + 1j * _ZR.uniform(-1, 1, 3)
_ZM = np.eye(3) * 2 + _ZR.uniform(-0.5, 0.5, (3, 3)) + 1j * _ZR.uniform(-0.5, 0.5, (3, 3))
COMPOSITE_CASES = {
    "vdot": (lambda np_: lambda a, b: np_.vdot(a, b), (_Z3, _Z3[::-1] * 1j)),
    "correlate": (lambda np_: lambda a, b: np_.correlate(a, b, "full"), (_Z4, _Z3)),
    "correlate_longer_v": (lambda np_: lambda a, b: np_.correlate(b, a, "same"), (_Z4, _Z3)),
    "convolve": (lambda np_: lambda a, b: np_.convolve(a, b), (_Z4, _Z3)),
    "cov": (lambda np_: lambda a, b: np_.cov(a, b), (_Z3, _Z3**2)),
    "corrcoef": (lambda np_: lambda a, b: np_.corrcoef(a, b), (_Z3, _Z3**2 + 1.0)),
    "mean_var_std": (lambda np_: lambda a: np_.mean(a) * np_.var(a) + np_.std(a), (_Z4,)),
    "norms": (
        lambda np_: lambda a: np_.linalg.norm(a) + np_.linalg.norm(a, 1) + np_.linalg.norm(a, 3),
        (_Z4,),
    ),
    "matrix_norms": (
        lambda np_: lambda m: np_.linalg.norm(m) + np_.linalg.norm(m, np.inf),
        (_ZM,),
    ),
    "spectral_norms": (
        lambda np_: (
            lambda m: np_.linalg.norm(m, "nuc") * np_.linalg.norm(m, 2) + np_.linalg.norm(m, -2)
        ),
        (_ZM,),
    ),
    "lstsq": (
        lambda np_: lambda a, b: np_.linalg.lstsq(a, b)[0] * np_.linalg.lstsq(a, b)[1],
        (np.concatenate([_ZM, _ZM[:1] * 1j]), _Z4),
    ),
    "eigvals_eigvalsh": (
        lambda np_: lambda m: np_.linalg.eigvals(m) * np_.linalg.eigvalsh(m @ np_.conj(m).T),
        (_ZM,),
    ),
    "angle": (lambda np_: lambda a: np_.angle(a) + np_.angle(a, deg=True), (_Z4,)),
    "slogdet": (lambda np_: lambda m: np_.linalg.slogdet(m)[0] * np_.linalg.slogdet(m)[1], (_ZM,)),
    "inv_solve_det": (
        lambda np_: lambda m, b: np_.linalg.solve(m, b) * np_.linalg.det(np_.linalg.inv(m)),
        (_ZM, _Z3),
    ),
    "dot_tensordot_kron": (
        lambda np_: lambda a, b: np_.kron(np_.dot(a, b) * a, np_.tensordot(a, b, 0)),
        (_Z3, _Z3 * 1j),
    ),
    "cumprod_diff_trace": (
        lambda np_: lambda a: np_.diff(np_.cumprod(a)) * np_.trace(np_.outer(a, a)),
        (_Z4,),
    ),
    "methods": (lambda np_: lambda a: a.real * a.imag + a.conj() * a.T, (_Z4,)),
    "sign": (lambda np_: lambda a: np_.sign(a) * a, (_Z4,)),
    # cholesky reads one triangle (conjugate-mirrored, diagonal's real part): any input
    # whose lower (upper) triangle makes a positive-definite Hermitian matrix
    "cholesky": (lambda np_: lambda m: np_.linalg.cholesky(m), (_ZM,)),
    "cholesky_upper": (lambda np_: lambda m: np_.linalg.cholesky(m, upper=True), (_ZM,)),
    "cholesky_gram": (
        lambda np_: lambda m: np_.linalg.cholesky(m @ np_.conj(m).T + np.eye(3)),
        (_ZM,),
    ),  # numpy 2's z / |z|
    "real_if_close": (lambda np_: lambda a: np_.real_if_close(a * np_.conj(a)) * a, (_Z4,)),
}


@pytest.mark.parametrize("name", COMPOSITE_CASES)
def test_complex_composites(name):
    make, xs = COMPOSITE_CASES[name]
    f = make(anp)
    np.testing.assert_allclose(f(*xs), make(np)(*xs), rtol=1e-12, atol=1e-12)
    rng = np.random.default_rng(11)
    check_first_order(f, xs, rng, name)
    check_second_order(f, xs, rng, name)


HOLOMORPHIC = sorted(
    n
    for n in COMPLEX
    if PRIMS[n].meta.get("kind") == "elementwise" and n not in ("real", "imag", "conj", "absolute")
)


@pytest.mark.parametrize("name", HOLOMORPHIC)
def test_holomorphic_jacobians_are_the_complex_derivative(name):
    """jacfwd == jacrev == jacobian == the complex difference quotient, holomorphic=True."""
    case = cases_for(PRIMS[name])[-1]
    case.name = name
    f, xs, _ = _instantiate(case, 3)
    argnums = tuple(range(len(xs)))
    jf = adcore.jacfwd(f, argnums, holomorphic=True)(*xs)
    jr = adcore.jacrev(f, argnums, holomorphic=True)(*xs)
    ja = adcore.jacobian(f, argnums, holomorphic=True)(*xs)
    for k, x in enumerate(xs):
        np.testing.assert_allclose(jf[k], jr[k], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(ja[k], jr[k], rtol=1e-12, atol=1e-12)
        # d f / d z along 1 and along 1j agree: a real and an imaginary step give it
        e = np.zeros(np.shape(x), dtype=complex)
        e.flat[0] = 1.0
        vs = [e if j == k else np.zeros(np.shape(xj)) for j, xj in enumerate(xs)]
        col = np.reshape(jf[k], np.shape(f(*xs)) + (-1,))[..., 0]
        np.testing.assert_allclose(col, _fd(f, xs, vs), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(col, _fd(f, xs, [v * 1j for v in vs]) / 1j, rtol=1e-5, atol=1e-6)


# ---- against JAX ------------------------------------------------------------------


jax = pytest.importorskip("jax")
jnp = jax.numpy
jax.config.update("jax_enable_x64", True)

Z = np.array([0.7 + 0.4j, -0.3 + 1.1j, 1.5 - 0.2j])
W = np.array([[0.2 - 0.5j, 1.0 + 0.3j, -0.4j], [0.6, -1.2 + 0.1j, 0.5 + 0.5j]])
REAL_FUNCTIONS = {
    "abs2": lambda np_: lambda z: np_.sum(np_.abs(z) ** 2),
    "abs": lambda np_: lambda z: np_.sum(np_.abs(z * z + 1.0)),
    "real_exp": lambda np_: lambda z: np_.sum(np_.real(np_.exp(z) * np_.conj(z))),
    "imag_log": lambda np_: lambda z: np_.sum(np_.imag(np_.log(z + 2.0)) * np_.real(z)),
    "angle": lambda np_: lambda z: np_.sum(np_.angle(z) * np_.abs(z)),
    "matmul": lambda np_: lambda z: np_.sum(np_.abs(W @ np_.sin(z))),
    "var_norm": lambda np_: lambda z: np_.var(z) + np_.linalg.norm(z),
    "inv_det": lambda np_: (
        lambda z: np_.abs(
            np_.linalg.det(np_.outer(z, z) + np_.eye(3))
            * np_.sum(np_.linalg.inv(np_.outer(z, z[::-1]) + 2 * np_.eye(3)))
        )
    ),
}
SECOND_ORDER_VS_JAX = ("abs", "real_exp", "angle")
HOLO_FUNCTIONS = {
    "poly": lambda np_: lambda z: np_.sum(z**3 - 2j * z),
    "exp_sin": lambda np_: lambda z: np_.sum(np_.exp(np_.sin(z)) / (z + 3.0)),
    "matmul": lambda np_: lambda z: np_.sum(W @ np_.tanh(z)),
    "sqrt_prod": lambda np_: lambda z: np_.prod(np_.sqrt(z + 2.0)),
}


@pytest.mark.parametrize("name", REAL_FUNCTIONS)
def test_grad_of_a_real_function_matches_jax(name):
    ours, theirs = REAL_FUNCTIONS[name](anp), REAL_FUNCTIONS[name](jnp)
    want = np.asarray(jax.jit(jax.grad(theirs))(jnp.asarray(Z)))
    np.testing.assert_allclose(adcore.grad(ours)(Z), want, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(adcore.jacrev(ours)(Z), want, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(adcore.jacobian(ours)(Z), want, rtol=1e-10, atol=1e-12)
    if name in SECOND_ORDER_VS_JAX:  # (JAX's eager second order is slow: a few suffice)
        h_ours = adcore.jacrev(lambda z: anp.real(adcore.grad(ours)(z)))(Z)
        h_theirs = jax.jit(jax.jacrev(lambda z: jnp.real(jax.grad(theirs)(z))))(jnp.asarray(Z))
        np.testing.assert_allclose(h_ours, np.asarray(h_theirs), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("name", HOLO_FUNCTIONS)
def test_holomorphic_grad_matches_jax(name):
    ours, theirs = HOLO_FUNCTIONS[name](anp), HOLO_FUNCTIONS[name](jnp)
    want = np.asarray(jax.grad(theirs, holomorphic=True)(jnp.asarray(Z)))
    np.testing.assert_allclose(adcore.grad(ours, holomorphic=True)(Z), want, rtol=1e-10)
    elementwise = lambda np_: lambda z: np_.exp(np_.sin(z)) * z
    want_j = np.asarray(jax.jacrev(elementwise(jnp), holomorphic=True)(jnp.asarray(Z)))
    for jac in (adcore.jacfwd, adcore.jacrev, adcore.jacobian):
        got = jac(elementwise(anp), holomorphic=True)(Z)
        np.testing.assert_allclose(got, want_j, rtol=1e-10, atol=1e-12)
    want_h = np.asarray(jax.jit(jax.hessian(theirs, holomorphic=True))(jnp.asarray(Z)))
    got_h = adcore.hessian(ours, holomorphic=True)(Z)
    np.testing.assert_allclose(got_h, want_h, rtol=1e-9, atol=1e-12)


def _nn(lib):
    """The nn gates JAX defines for complex values (relu, an ordering, stays real-only)."""
    if lib is anp:
        return anp.logsumexp, anp.softmax, anp.log_softmax, anp.sigmoid, anp.softplus
    import jax.scipy.special as jss

    return jss.logsumexp, jax.nn.softmax, jax.nn.log_softmax, jax.nn.sigmoid, jax.nn.softplus


def _nn_mix(lib, np_):
    lse, softmax, log_softmax, sigmoid, softplus = _nn(lib)
    m = np_.stack([Z, Z[::-1] * 1.5j])

    def f(z):
        zz = m * z
        return (
            lse(zz, axis=0) * softmax(zz, axis=0)[0]
            + log_softmax(zz, axis=-1)[1]
            + sigmoid(z) * softplus(z[::-1])
            + lse(z)
        )

    return f


def test_nn_gates_of_complex_values_match_jax():
    ours, theirs = _nn_mix(anp, anp), _nn_mix(jax, jnp)
    z = jnp.asarray(Z)
    np.testing.assert_allclose(ours(Z), np.asarray(theirs(z)), rtol=1e-12)
    # holomorphic: the complex Jacobian, and a real function's gradient
    want = np.asarray(jax.jacrev(theirs, holomorphic=True)(z))
    for jac in (adcore.jacfwd, adcore.jacrev):
        np.testing.assert_allclose(jac(ours, holomorphic=True)(Z), want, rtol=1e-10)
    real_ours = lambda z: anp.sum(anp.abs(ours(z)) ** 2)
    real_theirs = lambda z: jnp.sum(jnp.abs(theirs(z)) ** 2)
    want = np.asarray(jax.grad(real_theirs)(z))
    np.testing.assert_allclose(adcore.grad(real_ours)(Z), want, rtol=1e-10)
    h_ours = adcore.jacrev(lambda z: anp.real(adcore.grad(real_ours)(z)))(Z)
    h_theirs = jax.jit(jax.jacrev(lambda z: jnp.real(jax.grad(real_theirs)(z))))(z)
    np.testing.assert_allclose(h_ours, np.asarray(h_theirs), rtol=1e-8, atol=1e-10)


def test_jvp_and_vjp_with_complex_tangents_match_jax():
    def f(np_):
        return lambda z, x: (np_.conj(z) * np_.exp(1j * x) + np_.abs(z) ** 1.5, np_.real(z) * x)

    x = np.array([0.3, -0.8, 1.2])
    t = (np.array([1.0 - 2j, 0.5j, -1.0 + 0.1j]), np.array([0.4, 1.0, -0.3]))
    u = (np.array([0.2 + 1j, -1.0, 0.3 - 0.3j]), np.array([1.0, 2.0, -1.0]))
    out, tan = adcore.jvp(f(anp), (Z, x), t)
    jout, jtan = jax.jvp(f(jnp), (jnp.asarray(Z), jnp.asarray(x)), tuple(map(jnp.asarray, t)))
    for a, b in zip(out + tan, jout + jtan):
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-10, atol=1e-12)
    cts = adcore.vjp(f(anp), Z, x)[1](u)
    jcts = jax.vjp(f(jnp), jnp.asarray(Z), jnp.asarray(x))[1](tuple(map(jnp.asarray, u)))
    for a, b in zip(cts, jcts):
        assert np.result_type(a) == np.result_type(np.asarray(b))  # real x: a real cotangent
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-10, atol=1e-12)


def test_real_input_through_complex_intermediates_matches_jax():
    def f(np_):
        return lambda x: np_.sum(np_.abs(np_.exp(1j * x) * (1.0 + x) + 0.5j) ** 2)

    x = np.array([0.3, -0.8, 1.2])
    want = np.asarray(jax.grad(f(jnp))(jnp.asarray(x)))
    got = adcore.grad(f(anp))(x)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=1e-10)
    np.testing.assert_allclose(adcore.jacfwd(f(anp))(x), want, rtol=1e-10)
    grad = adcore.grad(f(anp))
    fd = np.stack([(grad(x + 1e-5 * e) - grad(x - 1e-5 * e)) / 2e-5 for e in np.eye(3)])
    np.testing.assert_allclose(adcore.hessian(f(anp))(x), fd, rtol=1e-6, atol=1e-8)


def test_complex_gradient_keeps_complex64():
    z = Z.astype(np.complex64)
    g = adcore.grad(lambda z: anp.sum(anp.abs(z) ** 2))(z)
    assert g.dtype == np.complex64
    np.testing.assert_allclose(g, 2 * np.conj(z), rtol=1e-6)


# ---- what is refused, and how -----------------------------------------------------


def test_transforms_refuse_complex_where_jax_does():
    with pytest.raises(TypeError, match="grad requires real-valued outputs.*holomorphic=True"):
        adcore.grad(lambda z: anp.sum(z * z))(Z)
    with pytest.raises(TypeError, match="jacrev requires real-valued outputs"):
        adcore.jacrev(lambda z: z * z)(Z)
    with pytest.raises(TypeError, match="jacfwd requires real-valued inputs.*use jvp"):
        adcore.jacfwd(lambda z: anp.abs(z))(Z)
    with pytest.raises(TypeError, match="holomorphic=True requires complex inputs"):
        adcore.grad(lambda x: anp.sum(x * 1j), holomorphic=True)(np.ones(2))
    with pytest.raises(TypeError, match="holomorphic=True requires complex outputs"):
        adcore.grad(lambda z: anp.sum(anp.abs(z)), holomorphic=True)(Z)
    with pytest.raises(TypeError, match="holomorphic=True requires complex outputs"):
        adcore.jacfwd(lambda z: anp.abs(z), holomorphic=True)(Z)
    with pytest.raises(TypeError, match="tangent leaf 0 has dtype complex128 but its primal"):
        adcore.jvp(lambda x: x, (np.ones(2),), (np.ones(2, dtype=complex),))


REFUSALS = {
    "maximum": lambda z: anp.maximum(z, 0.5),
    "max": lambda z: anp.max(z),
    "clip": lambda z: anp.clip(z, -1.0, 1.0),
    "sinc": lambda z: anp.sinc(z),
    "relu": lambda z: anp.relu(z),
    "fmax": lambda z: anp.fmax(z, 0.5),
    "minimum": lambda z: anp.minimum(z, 0.5),
}


@pytest.mark.parametrize("name", REFUSALS)
@pytest.mark.parametrize("mode", ["jvp", "vjp"])
def test_real_only_primitives_refuse_complex_values_by_name(name, mode):
    f = lambda z: anp.sum(anp.real(REFUSALS[name](z)))
    with pytest.raises(TypeError, match=r"primitive '\w+' is differentiated for real values only"):
        if mode == "jvp":
            adcore.jvp(f, (Z,), (Z,))
        else:
            adcore.grad(f)(Z)
    assert np.isfinite(adcore.grad(f)(Z.real)).all()  # real values: unaffected


def _real_only_cases():
    out = []
    for name in REAL_ONLY:
        case = (cases_for(PRIMS[name], EXTRA) or [None])[0]
        if case is not None:
            case.name = name
            out.append(pytest.param(case, id=name))
    return out


@pytest.mark.parametrize("case", _real_only_cases())
@pytest.mark.parametrize("mode", ["jvp", "vjp"])
@pytest.mark.filterwarnings("ignore::numpy.exceptions.ComplexWarning")  # sinc's impl
def test_every_real_only_primitive_refuses_complex_inputs(case, mode):
    """Each primitive marked real-only, on its own spec case with complex inputs, raises:
    the guard's TypeError naming it (or adcore.scipy's NotImplementedError naming it),
    or numpy's own refusal of complex dtypes."""
    f, xs, rng = _instantiate(case, 0)
    said = rf"'{case.name}'|not supported for the input types"
    with pytest.raises((TypeError, NotImplementedError), match=said):
        if mode == "jvp":
            adcore.jvp(f, tuple(xs), tuple(xs))
        else:
            out, pull = adcore.vjp(f, *xs)
            leaves, treedef = adcore.tree_flatten(out)
            pull(adcore.tree_unflatten(treedef, [np.ones_like(x) for x in leaves]))


# ---- autograd's complex cases, restated: dtype of the gradient, angle, abs ----------


@pytest.mark.parametrize("x, complex_out", [(2.0, False), (1.0j, True), (0.5 - 2j, True)])
def test_gradient_dtype_follows_the_input(x, complex_out):
    for f in (lambda x: anp.sum(anp.real(x)), lambda x: anp.sum(anp.real(anp.real_if_close(x)))):
        g = adcore.grad(f)(x)
        assert np.iscomplexobj(g) == complex_out
        np.testing.assert_allclose(g, 1.0)


@pytest.mark.parametrize("fun", [anp.angle, anp.abs], ids=["angle", "abs"])
@pytest.mark.parametrize("x", [0.7, 1.1 + 1.2j, -0.4 + 0.3j], ids=["real", "q1", "q2"])
def test_angle_and_abs_and_their_gradients_check(fun, x):
    adcore.check_grads(fun, (x,), order=2)
    adcore.check_grads(adcore.grad(fun), (x,), order=2)


def test_check_grads_catches_a_conjugated_rule(monkeypatch):
    """The JAX convention is no conjugation: a rule conjugating y must fail check_grads."""
    multiply = adcore.core.get_primitive("multiply")
    monkeypatch.setitem(multiply.vjps, 0, lambda g, ans, x, y: g * anp.conj(y))
    with pytest.raises(AssertionError, match="mode rev"):
        adcore.check_grads(lambda z: z * (1 + 2j), (np.array([0.3 + 1j]),), order=1)
