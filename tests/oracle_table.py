"""Every adcore primitive next to its JAX counterpart, for ``test_oracle_jax.py``.

``ORACLE[name]`` is an ``Oracle``: a JAX function called exactly like the
adcore primitive ``name`` (same positional arguments and keywords), plus, for
the primitives whose output or input has more than one valid convention:

* ``prep(xp, x)``: applied to every differentiated argument in both
  frameworks first (``xp`` is ``adcore.numpy`` or ``jax.numpy``), e.g. making
  a matrix symmetric positive definite for cholesky;
* ``view(xp, out)``: applied to both outputs, e.g. squaring eigenvectors,
  which are unique only up to sign.

``NOT_IN_JAX`` lists registered primitives deliberately left out, each with
the reason; a registered primitive in neither table fails the test.
This module imports JAX: import it only after ``pytest.importorskip("jax")``.
"""

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
import jax.scipy.signal as jsg
import jax.scipy.special as jss
import numpy as np
from registry_specs import Case, Const

jax.config.update("jax_enable_x64", True)


@dataclass(frozen=True)
class Oracle:
    jax: object
    prep: object = None
    view: object = None
    rtol: float = 1e-9
    cases: tuple = ()  # Case-s replacing the registry's spec cases (registry_specs.Case)


def _spd(xp, b):
    """b b^T + n I: symmetric positive definite, smooth in b (cholesky, eigh)."""
    n = b.shape[-1]
    return b @ xp.swapaxes(b, -1, -2) + n * xp.eye(n)


def _symmetric(xp, b):
    return 0.5 * (b + xp.swapaxes(b, -1, -2))


def _square_vectors(xp, packed):
    """Eigenvalues kept, eigenvectors squared: invariant to each vector's sign."""
    return xp.concatenate([packed[..., :1, :], packed[..., 1:, :] ** 2], axis=-2)


def _square(xp, packed):
    """U, s, Vt entrywise squared: invariant to the paired signs of singular vectors."""
    return packed**2


def _pack_eigh(a, UPLO="L"):
    w, v = jnp.linalg.eigh(a, UPLO=UPLO)
    return jnp.concatenate([w[..., None, :], v], axis=-2)


def _pack_eig(a):
    # complex on JAX's side, real here (real, distinct eigenvalues); JAX asks for an opt-in
    # to eigenvector derivatives, valid for the distinct eigenvalues the cases have
    w, v = jax.lax.linalg.eig(a, compute_left_eigenvectors=False, enable_eigvec_derivs=True)
    return jnp.concatenate([w[..., None, :], v], axis=-2).real


def _pack_svd(a):
    u, s, vt = jnp.linalg.svd(a, full_matrices=False)
    lead = s.shape[:-1]
    return jnp.concatenate([u.reshape(lead + (-1,)), s, vt.reshape(lead + (-1,))], axis=-1)


def _scatter_add(g, index, shape):
    return jnp.zeros(shape, g.dtype).at[index].add(g)


def _concatenate(*arrays, axis=0):
    return jnp.concatenate(arrays, axis=axis)


def _eig_matrix(xp, b):
    """A matrix with real, well separated eigenvalues: b scaled down plus diag(1, 2, ..)."""
    n = b.shape[-1]
    return 0.2 * b + xp.diag(xp.arange(1.0, n + 1.0))


def _resize(x, axes, sizes):
    """adcore.numpy.fft's _resize in JAX: zero-pad or truncate each axis at its end."""
    for ax, n in zip(axes, sizes):
        have = x.shape[ax]
        if have > n:
            x = jax.lax.slice_in_dim(x, 0, n, axis=ax)
        elif have < n:
            pad = [(0, 0)] * x.ndim
            pad[ax] = (0, n - have)
            x = jnp.pad(x, pad)
    return x


def _dft(x, axes, pre, post, inverse, norm, real_out):
    transform = jnp.fft.ifftn if inverse else jnp.fft.fftn
    y = _resize(transform(_resize(x, axes, pre), axes=axes, norm=norm), axes, post)
    return y.real if real_out else y


def _irfftn_transpose(u, axes, s, in_sizes, norm, real_out):
    """The transpose of the real-linear map c -> irfftn(c, s): its VJP, by JAX."""
    shape = list(u.shape)
    for ax, n in zip(axes, in_sizes):
        shape[ax] = n
    c0 = jnp.zeros(tuple(shape), dtype=jnp.complex128)
    _, pullback = jax.vjp(lambda c: jnp.fft.irfftn(c, s=s, axes=axes, norm=norm), c0)
    y = pullback(u)[0]
    return y.real if real_out else y


def _complex_view(xp, out):
    """Real and imaginary parts stacked: the comparison differentiates real outputs."""
    return xp.stack([xp.real(out), xp.imag(out)])


def _sinc_near_zero_too(x):
    """jnp.sinc, with its Taylor series for |x| < 1/4: JAX's derivatives of sin(pi x)/(pi x)
    cancel near 0 (its third loses 1e-7 at x = 2e-3; adcore's series keep 1e-16)."""
    t = (jnp.pi * x) ** 2
    term, series = jnp.ones_like(x), jnp.ones_like(x)
    for k in range(1, 14):
        term = -term * t / ((2 * k) * (2 * k + 1))
        series = series + term
    return jnp.where(jnp.abs(x) < 0.25, series, jnp.sinc(x))


def _fft_cases(*cases):
    return tuple(Case([shape] + [Const(c) for c in consts]) for shape, consts in cases)


ORACLE = {
    # ---- elementwise (adcore/rules/elementwise.py, elementwise_extra.py) ----------------
    "absolute": Oracle(jnp.absolute),
    "add": Oracle(jnp.add),
    "arccos": Oracle(jnp.arccos),
    "arccosh": Oracle(jnp.arccosh),
    "arcsin": Oracle(jnp.arcsin),
    "arcsinh": Oracle(jnp.arcsinh),
    "arctan": Oracle(jnp.arctan),
    "arctan2": Oracle(jnp.arctan2),
    "arctanh": Oracle(jnp.arctanh),
    "cbrt": Oracle(jnp.cbrt),
    "clip": Oracle(jnp.clip),
    "cos": Oracle(jnp.cos),
    "cosh": Oracle(jnp.cosh),
    "deg2rad": Oracle(jnp.deg2rad),
    "divide": Oracle(jnp.divide),
    "exp": Oracle(jnp.exp),
    "exp2": Oracle(jnp.exp2),
    "expm1": Oracle(jnp.expm1),
    "fabs": Oracle(jnp.fabs),
    "fmax": Oracle(jnp.fmax),
    "fmin": Oracle(jnp.fmin),
    "fmod": Oracle(jnp.fmod),
    "hypot": Oracle(jnp.hypot),
    "log": Oracle(jnp.log),
    "log10": Oracle(jnp.log10),
    "log1p": Oracle(jnp.log1p),
    "log2": Oracle(jnp.log2),
    "logaddexp": Oracle(jnp.logaddexp),
    "logaddexp2": Oracle(jnp.logaddexp2),
    "maximum": Oracle(jnp.maximum),
    "minimum": Oracle(jnp.minimum),
    "multiply": Oracle(jnp.multiply),
    "negative": Oracle(jnp.negative),
    "power": Oracle(jnp.power),
    "rad2deg": Oracle(jnp.rad2deg),
    "reciprocal": Oracle(jnp.reciprocal),
    "remainder": Oracle(jnp.remainder),
    "sin": Oracle(jnp.sin),
    "sinc": Oracle(jnp.sinc),
    "sinh": Oracle(jnp.sinh),
    "sqrt": Oracle(jnp.sqrt),
    "square": Oracle(jnp.square),
    "subtract": Oracle(jnp.subtract),
    "tan": Oracle(jnp.tan),
    "tanh": Oracle(jnp.tanh),
    "where": Oracle(jnp.where),
    # ---- nn ------------------------------------------------------------------------------
    "log_softmax": Oracle(jax.nn.log_softmax),
    "logsumexp": Oracle(jss.logsumexp),
    "relu": Oracle(jax.nn.relu),
    "sigmoid": Oracle(jax.nn.sigmoid),
    "softmax": Oracle(jax.nn.softmax),
    "softplus": Oracle(jax.nn.softplus),
    # ---- reductions ----------------------------------------------------------------------
    "max": Oracle(jnp.max),
    "min": Oracle(jnp.min),
    "prod": Oracle(jnp.prod),
    "sum": Oracle(jnp.sum),
    # ---- shape and indexing --------------------------------------------------------------
    "astype": Oracle(lambda x, dtype: x.astype(dtype)),
    "broadcast_to": Oracle(jnp.broadcast_to),
    "concatenate": Oracle(_concatenate),
    "getitem": Oracle(lambda x, index: x[index]),
    "reshape": Oracle(jnp.reshape),
    "scatter_add": Oracle(_scatter_add),
    "transpose": Oracle(jnp.transpose),
    # ---- arrays --------------------------------------------------------------------------
    "cumprod": Oracle(jnp.cumprod),
    "cumsum": Oracle(jnp.cumsum),
    "flip": Oracle(jnp.flip),
    "pad_zeros": Oracle(lambda x, width: jnp.pad(x, width)),
    "roll": Oracle(jnp.roll),
    # ---- linear algebra ------------------------------------------------------------------
    "matmul": Oracle(jnp.matmul),
    "einsum": Oracle(jnp.einsum),
    "cholesky": Oracle(
        jnp.linalg.cholesky, prep=_spd, rtol=1e-8, cases=(Case([(3, 3)]), Case([(2, 3, 3)]))
    ),
    "det": Oracle(jnp.linalg.det, rtol=1e-8),
    # the registry's plain cases (its others frame the packed output, which the oracle's
    # prep and view do here; test_complex_linalg.py compares complex matrices)
    "eig_packed": Oracle(
        _pack_eig,
        prep=_eig_matrix,
        view=_square_vectors,
        rtol=1e-7,
        cases=(Case([(2, 2)], domain=(0.5, 2.0)), Case([(3, 2, 2)], domain=(0.5, 2.0))),
    ),
    "eigh_packed": Oracle(
        _pack_eigh,
        prep=_symmetric,
        view=_square_vectors,
        rtol=1e-7,
        cases=(Case([(3, 3)]), Case([(2, 2, 2)], dict(UPLO="U"))),
    ),
    "inv": Oracle(jnp.linalg.inv, rtol=1e-8),
    "logabsdet": Oracle(lambda x: jnp.linalg.slogdet(x)[1], rtol=1e-8),
    "pinv": Oracle(jnp.linalg.pinv, rtol=1e-7),
    "solve": Oracle(jnp.linalg.solve, rtol=1e-8),
    "svd_packed": Oracle(
        _pack_svd,
        view=_square,
        rtol=1e-7,
        cases=(Case([(3, 2)]), Case([(2, 3)]), Case([(2, 2, 2)])),
    ),
    # ---- complex parts (adcore/rules/complex_support.py): real arguments here ------------
    "real": Oracle(jnp.real),
    "imag": Oracle(jnp.imag),
    "conj": Oracle(jnp.conj),
    "sinc_derivative": Oracle(jnp.vectorize(jax.grad(_sinc_near_zero_too))),
    # ---- fft (adcore/numpy/fft.py); the first case runs by default, the rest under -m slow
    "dft": Oracle(
        _dft,
        view=_complex_view,
        cases=_fft_cases(
            ((2, 5), ((-1,), (6,), (6,), False, None, False)),  # fft(x, n=6), padded
            ((3, 4), ((-2, -1), (3, 4), (3, 4), True, "ortho", False)),  # ifft2
            ((6,), ((-1,), (6,), (4,), False, None, False)),  # rfft: the half spectrum
            ((2, 3), ((-1,), (3,), (2,), True, "forward", True)),  # real part, truncated
        ),
    ),
    "irfftn": Oracle(
        lambda c, axes, s, norm: jnp.fft.irfftn(c, s=s, axes=axes, norm=norm),
        cases=_fft_cases(
            ((2, 4), ((-1,), (6,), None)),
            ((5,), ((-1,), (9,), "ortho")),
            ((3, 4), ((-2, -1), (3, 5), "forward")),
        ),
    ),
    "hfft": Oracle(
        lambda a, axis, n, norm: jnp.fft.hfft(a, n, axis, norm),
        cases=_fft_cases(
            ((2, 5), (-1, 8, None)),
            ((4,), (-1, 7, "ortho")),
            ((6, 3), (-2, 6, "forward")),
        ),
    ),
    "ihfft": Oracle(
        lambda a, axis, n, norm: jnp.fft.ihfft(a, n, axis, norm),
        view=_complex_view,
        cases=_fft_cases(
            ((2, 6), (-1, 6, None)),
            ((7,), (-1, 9, "ortho")),
            ((6, 3), (-2, 4, "forward")),
        ),
    ),
    "irfftn_transpose": Oracle(
        _irfftn_transpose,
        view=_complex_view,
        cases=_fft_cases(
            ((6,), ((-1,), (6,), (4,), None, False)),
            ((7,), ((-1,), (7,), (3,), "ortho", False)),
            ((2, 6), ((-1,), (6,), (4,), None, True)),
        ),
    ),
}


# ---- adcore.scipy (registered when scipy is installed; test_oracle_jax imports it) ----------
def _shift_square(xp, x):
    """Square matrices + 3 I: well-conditioned triangles, separated Sylvester spectra."""
    if x.ndim >= 2 and x.shape[-1] == x.shape[-2]:
        return x + 3.0 * xp.eye(x.shape[-1])
    return x


def _solve_banded(l_and_u, ab, b):
    """scipy's band storage ab[u + i - j, j] = A[i, j], solved densely."""
    lower, upper = l_and_u
    n = ab.shape[-1]
    i, j = np.indices((n, n))
    r = upper + i - j
    inside = (r >= 0) & (r <= lower + upper)
    dense = jnp.where(inside, ab[np.clip(r, 0, lower + upper), j], 0.0)
    return jnp.linalg.solve(dense, b)


def _sylvester(a, b, q):
    """a x + x b = q as one dense system: (I kron a + b^T kron I) vec(x) = vec(q), column-major
    vec (JAX's own solve_sylvester goes through schur, which it cannot differentiate)."""
    m, n = q.shape
    k = jnp.kron(jnp.eye(n), a) + jnp.kron(b.T, jnp.eye(m))
    return jnp.linalg.solve(k, q.T.reshape(-1)).reshape(n, m).T


BIDIAGONAL = [None, (1.0, 2.0), (-1.0, 1.0)]  # diagonal dominant enough at n = 4

SCIPY_ORACLE = {
    "beta": Oracle(jss.beta),
    # float64 parameters: with the specs' float32 ones the two differ by float32 rounding
    "betainc": Oracle(
        jss.betainc,
        rtol=1e-8,
        cases=(
            Case(
                [Const(np.array([0.8, 2.0, 3.5])), Const(1.5), (3,)],
                domain=[None, None, (0.1, 0.9)],
            ),
            Case(
                [Const(2.0), Const(np.array([[0.9], [2.5]])), (2, 3)],
                domain=[None, None, (0.1, 0.9)],
            ),
        ),
    ),
    "betaln": Oracle(jss.betaln),
    "digamma": Oracle(jss.digamma),
    "erf": Oracle(jss.erf),
    "erfc": Oracle(jss.erfc),
    "erfcinv": Oracle(lambda x: jss.erfinv(1.0 - x), rtol=1e-8),  # erfcinv(y) = erfinv(1 - y)
    "erfinv": Oracle(jss.erfinv, rtol=1e-8),
    "expit": Oracle(jss.expit),
    "gamma": Oracle(jss.gamma),
    "gammainc": Oracle(jss.gammainc, rtol=1e-8),
    "gammaincc": Oracle(jss.gammaincc, rtol=1e-8),
    "gammaln": Oracle(jss.gammaln),
    "i0": Oracle(jss.i0),
    "i0e": Oracle(jss.i0e),
    "i1": Oracle(jss.i1),
    "i1e": Oracle(jss.i1e),
    "log_ndtr": Oracle(jss.log_ndtr),
    "logit": Oracle(jss.logit),
    "ndtr": Oracle(jss.ndtr),
    "ndtri": Oracle(jss.ndtri, rtol=1e-8),
    "rgamma": Oracle(lambda x: 1.0 / jss.gamma(x)),
    "xlog1py": Oracle(jss.xlog1py),
    "xlogy": Oracle(jss.xlogy),
    "zeta": Oracle(jss.zeta, rtol=1e-8),
    "signal_convolve": Oracle(
        jsg.convolve,
        cases=(  # JAX's "same" needs one input smaller in every dimension
            Case([(5,), (3,), Const("full")]),
            Case([(3,), (5,), Const("same")]),
            Case([(3, 4), (2, 2), Const("valid")]),
        ),
    ),
    "solve_sylvester": Oracle(
        _sylvester,
        prep=_shift_square,
        rtol=1e-8,
        cases=(Case([(3, 3), (2, 2), (3, 2)]), Case([(2, 2), (2, 2), (2, 2)])),
    ),
    "solve_triangular": Oracle(
        jsl.solve_triangular,
        prep=_shift_square,
        rtol=1e-8,
        cases=(
            Case([(3, 3), (3,), Const(0), Const(True), Const(False)]),
            Case([(3, 3), (3, 2), Const(1), Const(False), Const(False)]),
            Case([(3, 3), (3, 2), Const(0), Const(False), Const(True)]),
        ),
    ),
    "solve_banded": Oracle(
        _solve_banded,
        rtol=1e-8,
        cases=(
            Case([Const((0, 1)), (2, 4), (4,)], domain=BIDIAGONAL),
            Case([Const((1, 0)), (2, 4), (4, 2)], domain=BIDIAGONAL),
        ),
    ),
}
SCIPY_NOT_IN_JAX = {
    "stdtr": "jax.scipy.special has no Student t distribution function",
    "jv": "real-order Bessel functions: jax.scipy.special has the integer-order bessel_jn only",
    "yv": "Bessel functions of the second kind are not in jax.scipy.special",
    "iv": "real-order modified Bessel functions: JAX has i0, i1 (and i0e, i1e) only",
    "ive": "as iv",
    "y0": "as yv",
    "j0": "jax.scipy.special.bessel_jn's derivatives are wrong (1e5 where j0'' is 0.03: its "
    "recurrence does not differentiate accurately); adcore's are checked against differences",
    "j1": "as j0",
    "y1": "as yv",
    "sqrtm": "jax.scipy.linalg.sqrtm goes through schur, which JAX cannot differentiate",
    "odeint": "the specs' right-hand sides are written with adcore.numpy, and JAX's "
    "experimental odeint takes a JAX function with its own adaptive steps; odeint is "
    "checked against finite differences in test_registry and test_scipy",
}


# Registered primitives with no JAX counterpart, or whose convention differs
# everywhere, each with the reason.  (Kink conventions at single points are
# listed in test_oracle_jax.CONVENTIONS instead.)
NOT_IN_JAX = {}

try:  # registers scipy's primitives, so the registry walk sees them whatever test ran first
    import adcore.scipy  # noqa: F401
except ImportError:
    pass
else:
    ORACLE.update(SCIPY_ORACLE)
    NOT_IN_JAX.update(SCIPY_NOT_IN_JAX)
