"""The numpy surface: plain numpy code differentiated unchanged.

* the same loss written three ways (adcore.numpy, plain numpy on traced
  values, methods/operators) gives the same gradient;
* every composite of the surface families (arrays, contractions, linalg)
  passes check_grads to second order, agrees with numpy's value, and has
  jacfwd == jacrev (batched rules);
* jacfwd/jacrev of a function using einsum, fancy indexing and concatenate
  is one pass: primitive evaluations do not grow with the input size;
* a numpy function without a rule raises NotImplementedError naming it, and
  in-place writes into traced arrays raise;
* every function on HIPS autograd's differentiable list is reachable.
"""

from collections import Counter

import numpy as np
import pytest

import adcore
import adcore.numpy as anp
from adcore.core import all_primitives
from adcore.numpy.dispatch import FUNCTIONS, UFUNCS

RNG = np.random.default_rng(20)


def _r(*shape):
    return RNG.standard_normal(shape)


def _spd(n, *lead):
    a = RNG.standard_normal(lead + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


# ---- one loss, three spellings --------------------------------------------------------------
N, D, C = 5, 4, 3
X = _r(N, D)
Y = RNG.integers(0, C, size=N)
T = _r(N, C)


def softmax_anp(W, b):
    S = anp.dot(X, W) + b
    S = S - anp.max(S, axis=1, keepdims=True)
    return anp.mean(anp.log(anp.sum(anp.exp(S), axis=1)) - S[anp.arange(N), Y])


def softmax_np(W, b):
    S = np.dot(X, W) + b
    S = S - np.max(S, axis=1, keepdims=True)
    return np.mean(np.log(np.sum(np.exp(S), axis=1)) - S[np.arange(N), Y])


def softmax_methods(W, b):
    S = X @ W + b
    S = S - S.max(axis=1, keepdims=True)
    lse = np.log((np.e**S).sum(axis=1))  # arrays have no .log(): the one ufunc call
    return (lse - S[np.arange(N), Y]).mean()


def svm_anp(W, b):
    S = anp.dot(X, W) + b
    margins = anp.maximum(0.0, S - S[anp.arange(N), Y][:, None] + 1.0)
    return anp.sum(margins) / N


def svm_np(W, b):
    S = np.dot(X, W) + b
    margins = np.maximum(0.0, S - S[np.arange(N), Y][:, None] + 1.0)
    return np.sum(margins) / N


def svm_methods(W, b):
    S = W.T.dot(X.T).T + b
    margins = (S - S[np.arange(N), Y].reshape(N, 1) + 1.0).clip(0.0)
    return margins.sum() / N


def mlp_anp(W, b):
    H = anp.tanh(anp.matmul(X, anp.concatenate([W, W[:, :1]], axis=1)))
    return anp.mean((anp.einsum("nk,kc->nc", H[:, :C], anp.eye(C)) + b - T) ** 2)


def mlp_np(W, b):
    H = np.tanh(np.matmul(X, np.concatenate([W, W[:, :1]], axis=1)))
    return np.mean((np.einsum("nk,kc->nc", H[:, :C], np.eye(C)) + b - T) ** 2)


def mlp_methods(W, b):
    Wx = np.concatenate([W, W[:, :1]], axis=1)
    H = np.tanh(X @ Wx)
    return ((H[:, :C] @ np.eye(C) + b - T) ** 2).mean()


def stats_anp(W, b):
    z = anp.cumsum(anp.sort(W, axis=0), axis=1)
    return anp.var(z) + anp.std(W.T @ X.T, axis=1).sum() + anp.prod(b**2 + 1.0)


def stats_np(W, b):
    z = np.cumsum(np.sort(W, axis=0), axis=1)
    return np.var(z) + np.std(W.T @ X.T, axis=1).sum() + np.prod(b**2 + 1.0)


def stats_methods(W, b):
    z = np.cumsum(np.sort(W, axis=0), axis=1)  # sort/cumsum: no in-place-free methods
    return z.var() + (W.T @ X.T).std(axis=1).sum() + (b**2 + 1.0).prod()


def linalg_anp(W, b):
    K = anp.dot(W, W.T) + anp.eye(D)
    return anp.linalg.slogdet(K)[1] + anp.trace(anp.linalg.inv(K)) + anp.linalg.norm(b)


def linalg_np(W, b):
    K = np.dot(W, W.T) + np.eye(D)
    return np.linalg.slogdet(K)[1] + np.trace(np.linalg.inv(K)) + np.linalg.norm(b)


def linalg_methods(W, b):
    K = W.dot(W.T) + np.eye(D)
    return np.linalg.slogdet(K)[1] + np.trace(np.linalg.inv(K)) + ((b**2).sum()) ** 0.5


THREE_WAYS = [
    ("softmax", softmax_anp, softmax_np, softmax_methods),
    ("svm", svm_anp, svm_np, svm_methods),
    ("mlp", mlp_anp, mlp_np, mlp_methods),
    ("stats", stats_anp, stats_np, stats_methods),
    ("linalg", linalg_anp, linalg_np, linalg_methods),
]


@pytest.mark.parametrize("name, f_anp, f_np, f_methods", THREE_WAYS, ids=[t[0] for t in THREE_WAYS])
def test_same_loss_three_ways(name, f_anp, f_np, f_methods):
    W, b = _r(D, C), _r(C)
    g_anp = adcore.grad(f_anp, (0, 1))(W, b)
    g_np = adcore.grad(f_np, (0, 1))(W, b)
    g_m = adcore.grad(f_methods, (0, 1))(W, b)
    for a, n, m in zip(g_anp, g_np, g_m):
        np.testing.assert_array_equal(a, n)  # the protocol reaches the very same functions
        np.testing.assert_allclose(m, a, rtol=1e-12, atol=1e-14)
    # forward mode agrees with reverse mode on the numpy spelling
    v = (_r(D, C), _r(C))
    _, t = adcore.jvp(f_np, (W, b), v)
    np.testing.assert_allclose(t, np.sum(g_np[0] * v[0]) + np.sum(g_np[1] * v[1]), rtol=1e-10)
    adcore.check_grads(f_np, (W, b), order=1)


# ---- every composite: values, derivatives to order 2, batched Jacobians ------------------------
A34, A234 = _r(3, 4), _r(2, 3, 4)
SQ, SQ3 = _r(3, 3) + 3 * np.eye(3), _r(2, 3, 3) + 3 * np.eye(3)

# (name, function of the differentiated arrays, their values); the function is
# called with np.* on traced values, and the value compared with numpy's.
COMPOSITES = [
    ("flip", lambda x: np.flip(x, 0), (A34,)),
    ("fliplr", np.fliplr, (A34,)),
    ("flipud", np.flipud, (A34,)),
    ("rot90", lambda x: np.rot90(x, 3, axes=(2, 0)), (A234,)),
    ("roll", lambda x: np.roll(x, (1, -2), axis=(0, 1)), (A34,)),
    ("roll_flat", lambda x: np.roll(x, 5), (A34,)),
    ("rollaxis", lambda x: np.rollaxis(x, 2), (A234,)),
    ("cumsum", lambda x: np.cumsum(x), (A34,)),
    ("cumprod", lambda x: np.cumprod(x, axis=1), (A34,)),
    ("diff", lambda x: np.diff(x, n=2, axis=1), (A34,)),
    ("diff_prepend", lambda x: np.diff(x, axis=0, prepend=0.5), (A34,)),
    ("gradient", lambda x: np.gradient(x, 0.5, axis=1), (A34,)),
    ("pad_constant", lambda x: np.pad(x, ((1, 0), (2, 1)), constant_values=2.0), (A34,)),
    ("pad_reflect", lambda x: np.pad(x, 2, mode="reflect"), (A34,)),
    ("pad_wrap", lambda x: np.pad(x, (1, 3), mode="wrap"), (A34,)),
    ("tile", lambda x: np.tile(x, (2, 1, 2)), (A34,)),
    ("repeat", lambda x: np.repeat(x, 2, axis=0), (A34,)),
    ("repeat_counts", lambda x: np.repeat(x, [2, 0, 1, 3], axis=1), (A34,)),
    ("take", lambda x: np.take(x, [[0, 3], [2, 2]], axis=1), (A34,)),
    ("take_flat", lambda x: np.take(x, [7, 0, 7]), (A34,)),
    ("take_along_axis", lambda x: np.take_along_axis(x, np.array([[0, 3, 3]] * 3), 1), (A34,)),
    ("choose", lambda x, y: np.choose(np.array([[0, 1, 1, 0]] * 3), [x, y]), (A34, _r(4))),
    ("select", lambda x: np.select([x < 0, x < 1], [x**2, 3 * x], default=x), (A34,)),
    ("sort", lambda x: np.sort(x, axis=0), (A34,)),
    ("partition", lambda x: np.partition(x, 2, axis=1), (A34,)),
    ("atleast_3d", lambda x: np.atleast_3d(x), (A34,)),
    ("hstack", lambda x, y: np.hstack([x, y]), (A34, _r(3, 2))),
    ("vstack", lambda x, y: np.vstack([x, y]), (A34, _r(4))),
    ("dstack", lambda x, y: np.dstack([x, y]), (A34, A34)),
    ("column_stack", lambda x, y: np.column_stack([x, y]), (_r(3), A34)),
    ("append", lambda x, y: np.append(x, y, axis=0), (A34, _r(1, 4))),
    ("split", lambda x: np.split(x, 2, axis=1)[1], (A34,)),
    ("array_split", lambda x: np.array_split(x, 3, axis=1)[0], (A34,)),
    ("hsplit", lambda x: np.hsplit(x, [1, 3])[1], (A34,)),
    ("tril", lambda x: np.tril(x, -1), (A34,)),
    ("triu", lambda x: np.triu(x, 1), (A234,)),
    ("diag_make", lambda x: np.diag(x, 1), (_r(3),)),
    ("diag_take", lambda x: np.diag(x, -1), (A34,)),
    ("diagonal", lambda x: np.diagonal(x, 1, 0, 2), (A234,)),
    ("trace", lambda x: np.trace(x, -1, 1, 2), (A234,)),
    ("average", lambda x, w: np.average(x, axis=1, weights=w), (A34, _r(4) ** 2 + 0.5)),
    ("linspace", lambda x, y: np.linspace(x, y, 5), (_r(3), _r(3))),
    ("median", lambda x: np.median(x, axis=1), (A34,)),
    ("quantile", lambda x: np.quantile(x, [0.2, 0.9], axis=0, keepdims=True), (A34,)),
    ("percentile", lambda x: np.percentile(x, 35), (A234,)),
    ("ptp", lambda x: np.ptp(x, axis=0), (A34,)),
    ("cov", lambda x: np.cov(x), (A34,)),
    ("corrcoef", lambda x, y: np.corrcoef(x, y, rowvar=False), (A34, _r(3, 1))),
    ("convolve", lambda x, y: np.convolve(x, y, mode="same"), (_r(6), _r(3))),
    ("correlate", lambda x, y: np.correlate(x, y, mode="full"), (_r(3), _r(5))),
    ("cumulative_sum", lambda x: np.cumulative_sum(x, axis=0, include_initial=True), (A34,)),
    ("nan_to_num", lambda x: np.nan_to_num(x), (A34,)),
    ("fmax", lambda x, y: np.fmax(x, y), (A34, _r(4))),
    ("remainder", lambda x, y: np.remainder(x, y), (_r(3) * 0.1 + 2.5, np.full(3, 1.7))),
    ("einsum_ellipsis", lambda x, y: np.einsum("...ij,...jk->...ik", x, y), (A234, _r(4, 2))),
    ("einsum_implicit", lambda x: np.einsum("ij,kj", x, x), (A34,)),
    ("einsum_broadcast", lambda x, y: np.einsum("...i,...i", x, y), (_r(2, 1, 3), _r(4, 3))),
    ("einsum_sublist", lambda x, y: np.einsum(x, [0, 1], y, [1, 2], [0, 2]), (A34, _r(4, 2))),
    ("tensordot", lambda x, y: np.tensordot(x, y, axes=([1, 2], [1, 0])), (A234, _r(4, 3, 2))),
    ("inner_nd", lambda x, y: np.inner(x, y), (A234, _r(2, 5, 4))),
    ("dot_nd", lambda x, y: np.dot(x, y), (A234, _r(2, 4, 3))),
    ("kron", lambda x, y: np.kron(x, y), (A34, _r(2, 1))),
    ("vdot", lambda x, y: np.vdot(x, y), (A34, A34)),
    ("cross", lambda x, y: np.cross(x, y), (_r(4, 3), _r(3))),
    ("inv", np.linalg.inv, (SQ3,)),
    ("solve_vector", np.linalg.solve, (SQ, _r(3))),
    ("solve_stack", np.linalg.solve, (SQ3, _r(3, 2))),
    ("det", np.linalg.det, (SQ3,)),
    ("slogdet", lambda x: np.linalg.slogdet(x)[1], (SQ3,)),
    ("cholesky", np.linalg.cholesky, (_spd(3, 2),)),
    ("cholesky_upper", lambda x: np.linalg.cholesky(x, upper=True), (_spd(3),)),
    ("eigh_values", lambda x: np.linalg.eigh(x)[0], (_spd(3),)),
    ("eig_values", lambda x: np.linalg.eigvals(x), (RNG.uniform(0.5, 2.0, (2, 2, 2)),)),
    ("eig_vectors", lambda x: np.linalg.eig(x)[1], (_r(3, 3) * 0.2 + np.diag([0.0, 2.0, 4.0]),)),
    ("eigh_vectors", lambda x: np.linalg.eigh(x, UPLO="U")[1], (_r(2, 3, 3),)),
    ("svd_u", lambda x: np.linalg.svd(x, full_matrices=False)[0], (_r(4, 3),)),
    ("svd_s", lambda x: np.linalg.svd(x, compute_uv=False), (_r(2, 5),)),
    ("svd_vh", lambda x: np.linalg.svd(x)[2], (SQ,)),
    ("pinv", np.linalg.pinv, (_r(4, 2),)),
    ("multi_dot", lambda *xs: np.linalg.multi_dot(xs), (_r(3), A34, _r(4, 2), _r(2))),
    ("matrix_power", lambda x: np.linalg.matrix_power(x, 5), (SQ3 / 3,)),
    ("lstsq", lambda x, y: np.linalg.lstsq(x, y)[0], (_r(5, 3), _r(5, 2))),
    ("lstsq_residuals", lambda x, y: np.linalg.lstsq(x, y)[1], (_r(5, 3), _r(5))),
    ("matrix_power_neg", lambda x: np.linalg.matrix_power(x, -2), (SQ,)),
]
NORMS = [None, 2, 1, np.inf, -np.inf, 3.0]
MATRIX_NORMS = [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf]
COMPOSITES += [(f"norm_vector_{o}", lambda x, o=o: np.linalg.norm(x, o), (_r(4),)) for o in NORMS]
COMPOSITES += [
    (f"norm_matrix_{o}", lambda x, o=o: np.linalg.norm(x, o, axis=(2, 0)), (A234,))
    for o in MATRIX_NORMS
]


@pytest.mark.parametrize("name, f, args", COMPOSITES, ids=[c[0] for c in COMPOSITES])
def test_composite(name, f, args):
    # the plain call is numpy's own function; traced calls go through the protocol
    want = f(*args)
    argnums = tuple(range(len(args)))
    value, _ = adcore.vjp(f, *args)
    np.testing.assert_allclose(value, want, rtol=1e-12, atol=1e-12)
    adcore.check_grads(f, args, order=2, rtol=1e-4, atol=1e-6)
    jf = adcore.jacfwd(f, argnums)(*args)
    jr = adcore.jacrev(f, argnums)(*args)
    for a, b in zip(jf, jr):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_anp_namespace_agrees_with_numpy():
    x = _r(3, 4)
    assert np.allclose(anp.einsum("ij->j", x), np.einsum("ij->j", x))
    assert np.allclose(anp.linalg.norm(x, "nuc"), np.linalg.norm(x, "nuc"))
    assert np.allclose(anp.cumsum(x, axis=0), np.cumsum(x, axis=0))
    assert np.allclose(anp.kron(x, x), np.kron(x, x))
    assert type(anp.tile(x, 2)) is np.ndarray  # plain in, plain out
    w, v = anp.linalg.eigh(_spd(3))
    assert type(w) is np.ndarray and w.shape == (3,) and v.shape == (3, 3)


# ---- one pass: primitive evaluations do not grow with the input size ---------------------------
def _one_pass_function(x):
    n = x.shape[0]
    a = x[np.arange(n) % 3]  # fancy indexing
    b = np.concatenate([x, a[::-1]])  # concatenate + basic slicing
    return np.einsum("i,j->ij", b, b[:4])  # einsum


COUNTED = ("einsum", "getitem", "concatenate")


def _counts(monkeypatch, transform, n):
    prims = all_primitives()
    counts = Counter()
    with monkeypatch.context() as m:
        for name in COUNTED:
            impl = prims[name].impl

            def counted(*args, _impl=impl, _name=name, **kwargs):
                counts[_name] += 1
                return _impl(*args, **kwargs)

            m.setattr(prims[name], "impl", counted)
        jac = transform(_one_pass_function)(_r(n))
    return counts, jac


@pytest.mark.parametrize("transform", [adcore.jacfwd, adcore.jacrev], ids=["jacfwd", "jacrev"])
def test_jacobian_is_one_pass(monkeypatch, transform):
    small, j_small = _counts(monkeypatch, transform, 4)
    large, j_large = _counts(monkeypatch, transform, 24)
    assert j_small.shape == (8, 4, 4) and j_large.shape == (48, 4, 24)
    assert small == large, f"primitive evaluations grow with n: {small} vs {large}"
    # one primal evaluation each, plus one batched rule per traced operand
    assert all(1 <= small[name] <= 6 for name in COUNTED), small
    for name in COUNTED:
        assert all_primitives()[name].jvp_batched and all_primitives()[name].vjp_batched


def test_one_pass_jacobians_agree():
    x = _r(5)
    jf = adcore.jacfwd(_one_pass_function)(x)
    jr = adcore.jacrev(_one_pass_function)(x)
    np.testing.assert_allclose(jf, jr, rtol=1e-12)
    e = np.zeros(5)
    e[2] = 1e-6
    fd = (_one_pass_function(x + e) - _one_pass_function(x - e)) / 2e-6
    np.testing.assert_allclose(jf[..., 2], fd, rtol=1e-6, atol=1e-8)


def test_every_surface_primitive_is_batched():
    table = adcore.registry()
    families = ("arrays", "contractions", "decompositions")
    mine = [n for n, r in table.items() if r["family"] in families]
    assert len(mine) >= 14
    assert all(table[n]["batched"] and table[n]["jvp"] and table[n]["vjp"] for n in mine)


# ---- errors: functions without a rule, writes into traced arrays -------------------------------
def _under_grad(f):
    return adcore.grad(lambda x: np.sum(f(x)))(np.linspace(0.1, 1.0, 4))


@pytest.mark.parametrize(
    "f, named",
    [
        (lambda x: np.polyfit(x, x, 1), "numpy.polyfit"),
        (lambda x: np.unwrap(x), "unwrap"),
        (lambda x: np.heaviside(x, 0.5), "numpy.heaviside"),
        (lambda x: np.add.accumulate(x), "numpy.add.accumulate"),
        (lambda x: np.pad(x, 1, mode="median"), "pad(mode='median')"),
    ],
    ids=["polyfit", "unwrap", "heaviside-ufunc", "ufunc-method", "pad-mode"],
)
def test_missing_rule_names_the_function(f, named):
    with pytest.raises(NotImplementedError, match=named.replace("(", r"\(").replace(")", r"\)")):
        _under_grad(f)


def test_out_argument_raises():
    y = np.ones(4)

    def f(x):
        np.add(x, y, out=x)
        return np.sum(x)

    with pytest.raises(TypeError, match=r"out=.*in place"):
        adcore.grad(f)(np.ones(4))
    with pytest.raises(TypeError, match="out="):
        adcore.grad(lambda x: np.sum(np.cumsum(x, out=np.empty(4))))(np.ones(4))


def test_setitem_raises_and_at_set_is_the_alternative():
    def bad(x):
        x[1] = 0.0
        return np.sum(x)

    with pytest.raises(TypeError, match="at_set"):
        adcore.grad(bad)(np.ones(4))

    def good(x, v):
        return np.sum(anp.at_set(x, 1, v) ** 2)

    x, v = np.array([1.0, 2.0, 3.0, 4.0]), np.array(5.0)
    gx, gv = adcore.grad(good, (0, 1))(x, v)
    np.testing.assert_allclose(gx, [2.0, 0.0, 6.0, 8.0])
    np.testing.assert_allclose(gv, 10.0)
    adcore.check_grads(good, (x, v), order=2)


def test_augmented_assignment_raises():
    def f(x):
        x += np.ones(4)
        return np.sum(x)

    with pytest.raises(TypeError, match="in-place"):
        adcore.grad(f)(np.ones(4))
    with pytest.raises(TypeError, match="in-place"):
        adcore.jvp(f, (np.ones(4),), (np.ones(4),))


# ---- coverage: HIPS autograd's differentiable numpy list ---------------------------------------
# Names with VJP/JVP rules in autograd/numpy/numpy_vjps.py, numpy_jvps.py and
# linalg.py, plus the composites numpy_wrapper.py builds (stack family, append,
# select); autograd-internal helpers (make_diagonal, untake...) left out.
AUTOGRAD_NUMPY = """
add multiply subtract divide true_divide maximum minimum fmax fmin logaddexp logaddexp2 mod
remainder power arctan2 negative abs fabs absolute reciprocal exp exp2 expm1 log log2 log10
log1p sin cos tan arcsin arccos arctan sinh cosh tanh arcsinh arccosh arctanh rad2deg degrees
deg2rad radians square sqrt sinc where nan_to_num reshape roll array_split split vsplit hsplit
dsplit ravel expand_dims squeeze diag flipud fliplr rot90 trace full triu tril clip swapaxes
moveaxis rollaxis real_if_close real imag conj conjugate angle cross linspace diff gradient
repeat tile kron transpose sum mean prod var std max min amax amin cumsum inner matmul dot
tensordot outer concatenate sort partition atleast_1d atleast_2d atleast_3d einsum diagonal
broadcast_to pad array stack hstack vstack dstack column_stack row_stack append select
""".split()
AUTOGRAD_LINALG = "det slogdet inv pinv solve norm eigh eig cholesky svd".split()
NOT_COVERED = set()


def _reachable(name):
    """True when ``np.<name>`` on a traced value dispatches to a rule and
    ``adcore.numpy`` exports the name (``linalg.<name>`` likewise)."""
    if name.startswith("linalg."):
        f, space, name = getattr(np.linalg, name[7:]), anp.linalg, name[7:]
    else:
        f, space = getattr(np, name), anp
    # constructors numpy does not dispatch on their traced argument: adcore.numpy only
    dispatched = f in FUNCTIONS or f in UFUNCS or name in ("full", "array")
    return dispatched and hasattr(space, name)


def test_autograd_surface_is_covered():
    names = AUTOGRAD_NUMPY + [f"linalg.{n}" for n in AUTOGRAD_LINALG]
    missing = [n for n in names if not _reachable(n)]
    assert set(missing) == NOT_COVERED, (
        f"autograd differentiates these and adcore does not: {missing}"
    )


def test_repeated_eigenvalues_and_singular_values_stay_finite():
    # only the values are used: the eigenvector terms (1 / gaps) are skipped
    eye = np.eye(3)
    np.testing.assert_allclose(adcore.grad(lambda x: np.sum(np.linalg.eigvalsh(x)))(eye), eye)
    np.testing.assert_allclose(adcore.grad(lambda x: np.linalg.norm(x, "nuc"))(eye), eye)
    g = adcore.grad(lambda x: np.linalg.norm(x, 2))(np.diag([3.0, 1.0, 1.0]))
    np.testing.assert_allclose(g, np.diag([1.0, 0.0, 0.0]))


def test_one_triangle_inputs_read_one_triangle():
    # cholesky/eigh see tril(A) (UPLO="L"): the strict upper triangle gets no gradient
    a = _spd(3) + np.triu(np.ones((3, 3)), 1)
    for f in (lambda x: np.sum(np.linalg.cholesky(x)), lambda x: np.sum(np.linalg.eigh(x)[1])):
        g = adcore.grad(f)(a)
        np.testing.assert_array_equal(np.triu(g, 1), 0.0)
        adcore.check_grads(f, (a,), order=1)


@pytest.mark.parametrize("name, f, args", COMPOSITES, ids=[c[0] for c in COMPOSITES])
def test_composite_keeps_float32(name, f, args):
    args32 = tuple(np.asarray(a, dtype=np.float32) for a in args)
    tangents = tuple(np.ones_like(a) for a in args32)
    out, tangent = adcore.jvp(f, args32, tangents)
    # numpy's own dtype: float32, or promoted by a float64 constant (diff's prepend=0.5);
    # where numpy computes in float64 anyway (quantile, cov), adcore keeps float32
    want = np.result_type(f(*args32))
    assert np.result_type(out) in (np.float32, want), f"{name}: {np.result_type(out)} out"
    assert np.result_type(tangent) in (np.float32, want), f"{name}: {np.result_type(tangent)}"
    if name != "diff_prepend":  # prepend=0.5 promotes to float64, in numpy too
        assert np.result_type(out) == np.float32, f"{name}: {np.result_type(out)} out"


@pytest.mark.parametrize("name, f, args", COMPOSITES, ids=[c[0] for c in COMPOSITES])
def test_composite_batched_nestings_agree(name, f, args):
    # Hessians through batched passes in every nesting: a batched cotangent that is
    # scattered inside one transform's rule is indexed again by the outer transform
    weights = np.random.default_rng(1).standard_normal(np.shape(f(*args)))
    rest = args[1:]

    def scalar(x):  # sin: the cotangent reaching f's rules depends on x
        return np.sum(np.sin(f(x, *rest)) * weights)

    x = args[0]
    h_fr = adcore.hessian(scalar)(x)
    h_rr = adcore.jacrev(adcore.jacrev(scalar))(x)
    h_ff = adcore.jacfwd(adcore.jacfwd(scalar))(x)
    np.testing.assert_allclose(h_rr, h_fr, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(h_ff, h_fr, rtol=1e-8, atol=1e-10)
