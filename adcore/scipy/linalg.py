"""scipy.linalg: triangular, Cholesky, banded and Sylvester solves, and the matrix square root.

Primitives, with the classical rules (x = op(A)^-1 b; the adjoint solve gives
b's cotangent, and A's is minus its outer product with x, kept to the entries
the solver reads):

* ``solve_triangular``: only the triangle named by ``lower`` (strictly, with
  ``unit_diagonal``) is read, so only it gets a derivative;
* ``solve_banded``: A in LAPACK band storage ``ab[u + i - j, j] = A[i, j]``;
* ``solve_sylvester``: A X + X B = Q, whose derivative solves another Sylvester
  equation with the same A and B;
* ``sqrtm``: dX solves X dX + dX X = dA.

The last two take complex matrices (``meta["complex"]``): both maps are
holomorphic, so the rules hold as written under the bilinear pairing of
``adcore.core.reverse`` (transposes, no conjugates).  A real matrix without a
real square root has a complex one (scipy's), differentiated the same way.

``cho_factor``/``cho_solve`` are built on ``numpy.linalg.cholesky`` and two
triangular solves.  The rules work on single (unbatched) matrices; batched
tangents loop over the batch.
"""

import numpy as np
import scipy.linalg as sl

import adcore.numpy as anp
from adcore.core import NONDIFF, Primitive, defjvp, defvjp_direct, getval, ndim_of


def _trans_code(trans):
    codes = {0: 0, 1: 1, 2: 1, "N": 0, "T": 1, "C": 1}  # real matrices: C is T
    if trans not in codes:
        raise ValueError(
            f"adcore.scipy.linalg.solve_triangular: trans must be 0, 1, 2, N, T or C, got {trans!r}"
        )
    return codes[trans]


def _real_only(fname, *arrays):
    for a in arrays:
        if np.iscomplexobj(getval(a)):
            raise NotImplementedError(
                f"adcore.scipy.linalg.{fname}: complex matrices are not differentiated "
                f"(primitive '{fname}' is real-only, meta['complex'] False)"
            )


def _as_col(v):
    return v if ndim_of(v) > 1 else anp.reshape(v, (-1, 1))


def _outer(u, v):
    """u v^T for vectors, u @ v^T for matrices of right-hand sides."""
    return anp.matmul(_as_col(u), anp.transpose(_as_col(v)))


# ---- solve_triangular ----------------------------------------------------------------------------


def _solve_tri_impl(a, b, trans=0, lower=False, unit_diagonal=False):
    _real_only("solve_triangular", a, b)
    return sl.solve_triangular(a, b, trans=trans, lower=lower, unit_diagonal=unit_diagonal)


solve_triangular_p = Primitive(_solve_tri_impl, name="solve_triangular", family="scipy.linalg")
solve_triangular_p.meta.update(kind="linalg", arity=2)


def _read_part(m, lower, unit_diagonal):
    """The entries of ``m`` that the triangular solver reads."""
    k = 1 if unit_diagonal else 0
    return anp.tril(m, -k) if lower else anp.triu(m, k)


def _tri_dx(da, ans, a, trans, lower, unit_diagonal):
    t = _read_part(da, lower, unit_diagonal)
    t = anp.transpose(t) if trans else t
    return -solve_triangular_p(a, anp.matmul(t, ans), trans, lower, unit_diagonal)


def _tri_jvp_a(g, ans, a, b, trans=0, lower=False, unit_diagonal=False):
    return _tri_dx(g, ans, a, _trans_code(trans), lower, unit_diagonal)


def _tri_jvp_b(g, ans, a, b, trans=0, lower=False, unit_diagonal=False):
    return solve_triangular_p(a, g, trans, lower, unit_diagonal)


def _tri_vjp_b(g, ans, a, b, trans=0, lower=False, unit_diagonal=False):
    return solve_triangular_p(a, g, 1 - _trans_code(trans), lower, unit_diagonal)


def _tri_vjp_a(g, ans, a, b, trans=0, lower=False, unit_diagonal=False):
    gb = _tri_vjp_b(g, ans, a, b, trans, lower, unit_diagonal)
    # d op(A) = -gb x^T; op(A) = A^T moves it to the transposed entries
    ga = -_outer(ans, gb) if _trans_code(trans) else -_outer(gb, ans)
    return _read_part(ga, lower, unit_diagonal)


defjvp(solve_triangular_p, _tri_jvp_a, _tri_jvp_b)
defvjp_direct(solve_triangular_p, _tri_vjp_a, _tri_vjp_b, batched=False)


def solve_triangular(a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False,
                     check_finite=True):  # fmt: skip
    return solve_triangular_p(a, b, trans, lower, unit_diagonal)


# ---- Cholesky ----------------------------------------------------------------------------------


def cho_factor(a, lower=False, overwrite_a=False, check_finite=True):
    """(c, lower) as scipy, with the unused triangle of c zero (scipy leaves junk there)."""
    factor = anp.linalg.cholesky(a)
    return (factor if lower else anp.transpose(factor)), lower


def cho_solve(c_and_lower, b, overwrite_b=False, check_finite=True):
    c, lower = c_and_lower
    # A = L L^T (lower) or U^T U (upper): two triangular solves
    y = solve_triangular_p(c, b, 0 if lower else 1, lower, False)
    return solve_triangular_p(c, y, 1 if lower else 0, lower, False)


def cholesky(a, lower=False, overwrite_a=False, check_finite=True):
    factor = anp.linalg.cholesky(a)
    return factor if lower else anp.transpose(factor)


# ---- Sylvester equations and the matrix square root ------------------------------------------


def _sylvester_impl(a, b, q):
    return sl.solve_sylvester(a, b, q)


solve_sylvester = Primitive(_sylvester_impl, name="solve_sylvester", family="scipy.linalg")
solve_sylvester.meta.update(kind="linalg", arity=3, complex=True)


def _syl_adjoint(g, a, b):
    return solve_sylvester(anp.transpose(a), anp.transpose(b), g)


defjvp(
    solve_sylvester,
    lambda g, ans, a, b, q: solve_sylvester(a, b, -anp.matmul(g, ans)),
    lambda g, ans, a, b, q: solve_sylvester(a, b, -anp.matmul(ans, g)),
    lambda g, ans, a, b, q: solve_sylvester(a, b, g),
)
defvjp_direct(
    solve_sylvester,
    lambda g, ans, a, b, q: -anp.matmul(_syl_adjoint(g, a, b), anp.transpose(ans)),
    lambda g, ans, a, b, q: -anp.matmul(anp.transpose(ans), _syl_adjoint(g, a, b)),
    lambda g, ans, a, b, q: _syl_adjoint(g, a, b),
    batched=False,
)


def _sqrtm_impl(a):
    out = sl.sqrtm(a)
    if np.iscomplexobj(out) and not np.iscomplexobj(a):
        # scipy may return a real matrix's real square root with zero imaginary parts
        if np.allclose(out.imag, 0.0, atol=1e-12 * max(1.0, np.abs(out).max())):
            return out.real
    return out


sqrtm_p = Primitive(_sqrtm_impl, name="sqrtm", family="scipy.linalg")
sqrtm_p.meta.update(kind="linalg", arity=1, complex=True)
defjvp(sqrtm_p, lambda g, ans, a: solve_sylvester(ans, ans, g))
defvjp_direct(
    sqrtm_p,
    lambda g, ans, a: solve_sylvester(anp.transpose(ans), anp.transpose(ans), g),
    batched=False,
)


def sqrtm(A, disp=True, blocksize=64):
    """The principal square root X of A (X @ X = A), real or complex: complex when A is,
    or when a real A has no real square root (scipy's).  Differentiable where X and -X
    share no eigenvalue (none of A's on the closed negative real axis)."""
    return sqrtm_p(A)


# ---- banded systems ------------------------------------------------------------------------


def _band_index(lower, upper, n):
    """Index arrays mapping dense (i, j) to band rows, and back, with a zero row for the gaps."""
    i, j = np.indices((n, n))
    r = upper + i - j
    inside = (r >= 0) & (r <= lower + upper)
    rows = np.where(inside, r, lower + upper + 1)  # the appended zero row
    br, bj = np.indices((lower + upper + 1, n))
    di = bj + br - upper
    valid = (di >= 0) & (di < n)
    return rows, j, np.where(valid, di, 0), bj, valid


def _dense(ab, lower, upper):
    n = ab.shape[-1]
    rows, cols, _, _, _ = _band_index(lower, upper, n)
    padded = anp.concatenate([ab, np.zeros((1, n), dtype=np.result_type(getval(ab)))], axis=0)
    return padded[rows, cols]


def _to_band(m, lower, upper):
    n = m.shape[-1]
    _, _, di, bj, valid = _band_index(lower, upper, n)
    return m[di, bj] * valid.astype(np.result_type(getval(m)))


def _banded_impl(l_and_u, ab, b):
    _real_only("solve_banded", ab, b)
    return sl.solve_banded(l_and_u, ab, b)


solve_banded_p = Primitive(_banded_impl, name="solve_banded", family="scipy.linalg")
solve_banded_p.meta.update(kind="linalg", arity=3)


def _banded_transpose(l_and_u, ab):
    lower, upper = l_and_u
    return (upper, lower), _to_band(anp.transpose(_dense(ab, lower, upper)), upper, lower)


def _banded_vjp_b(g, ans, l_and_u, ab, b):
    lu_t, ab_t = _banded_transpose(l_and_u, ab)
    return solve_banded_p(lu_t, ab_t, g)


def _banded_vjp_ab(g, ans, l_and_u, ab, b):
    return -_to_band(_outer(_banded_vjp_b(g, ans, l_and_u, ab, b), ans), *l_and_u)


defjvp(
    solve_banded_p,
    NONDIFF,
    lambda g, ans, lu, ab, b: -solve_banded_p(lu, ab, anp.matmul(_dense(g, *lu), ans)),
    lambda g, ans, lu, ab, b: solve_banded_p(lu, ab, g),
)
defvjp_direct(solve_banded_p, NONDIFF, _banded_vjp_ab, _banded_vjp_b, batched=False)


def solve_banded(l_and_u, ab, b, overwrite_ab=False, overwrite_b=False, check_finite=True):
    lower, upper = (int(k) for k in l_and_u)
    return solve_banded_p((lower, upper), ab, b)


__all__ = [
    "cho_factor",
    "cho_solve",
    "cholesky",
    "solve_banded",
    "solve_sylvester",
    "solve_triangular",
    "sqrtm",
]
