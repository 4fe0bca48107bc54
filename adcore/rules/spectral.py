"""numpy.linalg's spectral decompositions: eigh, eig, svd, and pinv, lstsq on them.

Each decomposition is one primitive of *packed* outputs (a primitive returns one
array): eigenvalues stacked on top of the eigenvectors, or U, s, Vh flattened
side by side, unpacked by slicing.  Formulas follow M. Giles, "An extended
collection of matrix derivative results" (2008) and J. Townsend's SVD note
(2016), with conjugate transposes where the matrices are complex; every rule is
written with adcore operations, so it is differentiable again.

Complex matrices follow JAX's convention (bilinear pairing, ``adcore.core.reverse``):
each VJP is its JVP's transpose under Re(sum(u * v)), with no conjugation beyond
the conjugate transposes the JVP itself contains.

Gauge.  Eigen- and singular vectors are unique only up to a unit factor per
column (a sign for real matrices, a phase e^(i theta) for complex ones; for
eig of a complex or complex-eigenvalued matrix numpy also normalises to unit
length).  The derivative of such a factor is a convention, not a property of
the matrix:

* eigh: dV = V (F o V^H dA V), so Im(v_j^H dv_j) = 0;
* eig:  dV = V (F o V^-1 dA V), then the part along each v_j that would change
  its length removed, so Re(v_j^H dv_j) = 0 and Im(v_j^H dv_j) is left as it falls;
* svd:  the joint phase of (u_j, v_j) is free; its derivative goes to U
  (Im(u_j^H du_j) = Im(u_j^H dA v_j) / s_j) and v_j^H dv_j = 0.

These are JAX's choices.  numpy's (LAPACK's) own phases differ, so derivatives
of individual eigenvector entries are defined only up to that gauge: a
function of the vectors has a well-defined derivative exactly when it is
gauge-invariant -- |V|^2, projectors V diag(c) V^H (V diag(c) V^-1 for eig),
U diag(c) V^H, A's reconstruction -- and those are what the tests check.  For
real matrices with real spectra the sign is locally constant, so there the
vectors' own entries are differentiated.  Repeated eigenvalues (singular
values) make F infinite: eigenvalues (singular values) alone stay finite,
vectors do not.
"""

from collections import namedtuple

import numpy as np

from adcore.core import defjvp, defvjp_direct, getval, ndim_of, shape_of
from adcore.rules import elementwise as ew
from adcore.rules import reductions as red
from adcore.rules import shape as sh
from adcore.rules.matmul import matmul
from adcore.rules.numpy_linalg import (
    _complex,
    _eye,
    _is_zero,
    _prim,
    _square,
    _sym_from,
    _sym_from_adjoint,
    solve,
)
from adcore.rules.shape import matrix_transpose as _mT

EighResult = namedtuple("EighResult", ["eigenvalues", "eigenvectors"])
EigResult = namedtuple("EigResult", ["eigenvalues", "eigenvectors"])
SVDResult = namedtuple("SVDResult", ["U", "S", "Vh"])


def _adj(x):
    """The conjugate transpose of a complex matrix, the transpose of a real one (no
    conj on the tape for real values)."""
    return ew.conj(_mT(x)) if _complex(x) else _mT(x)


def _cj(x):
    return ew.conj(x) if _complex(x) else x


def _re(x):
    """The real part of a complex array that holds real numbers (packed eigenvalues,
    singular values and their cotangents); a real array as it is."""
    return ew.real(x) if _complex(x) else x


def _diag_of(p):
    n = shape_of(p)[-1]
    return red.sum(p * _eye(n, p), axis=-1)


def _gap_inverse(w):
    """F[i, j] = 1 / (w[j] - w[i]) off the diagonal, 0 on it."""
    n = shape_of(w)[-1]
    eye = _eye(n, w)
    gaps = sh.expand_dims(w, -2) - sh.expand_dims(w, -1)
    return (1.0 - eye) / (gaps + eye)


def _unpack_eig(p):
    return sh.getitem(p, (Ellipsis, 0, slice(None))), sh.getitem(
        p, (Ellipsis, slice(1, None), slice(None))
    )


def _pack_eig(w, v):
    return sh.concatenate([sh.expand_dims(w, -2), v], axis=-2)


# ---- Hermitian (symmetric) eigendecomposition ------------------------------------------------
def _eigh_packed_impl(a, UPLO="L"):
    w, v = np.linalg.eigh(a, UPLO)
    return np.concatenate([w[..., None, :], v], axis=-2)


eigh_packed = _prim(_eigh_packed_impl, "eigh_packed")


def _eigh_jvp(g, ans, a, UPLO="L"):
    # A = V diag(w) V^H: with P = V^H dA V (dA Hermitian), dw = diag(P), dV = V (F o P)
    w, v = _unpack_eig(ans)
    p = matmul(matmul(_adj(v), _sym_from(g, UPLO == "L")), v)
    dv = matmul(v, _gap_inverse(_re(w)) * p)
    return _pack_eig(_re(_diag_of(p)), dv)


def _eigh_vjp(g, ans, a, UPLO="L"):
    w, v = _unpack_eig(ans)
    gw, gv = _unpack_eig(g)
    n = shape_of(w)[-1]
    middle = sh.expand_dims(_re(gw), -2) * _eye(n, w)  # w is real: Im(gw) pairs with 0
    if not _is_zero(gv):  # skipped, the eigenvalues alone stay finite when repeated
        middle = middle + _gap_inverse(_re(w)) * matmul(_mT(v), gv)
    c = matmul(matmul(_cj(v), middle), _mT(v))  # transpose of P = V^H S V
    return _sym_from_adjoint(c, UPLO == "L")


defjvp(eigh_packed, _eigh_jvp, batched=True)
defvjp_direct(eigh_packed, _eigh_vjp)


def eigh(a, UPLO="L"):
    """Eigenvalues (real, ascending) and orthonormal eigenvectors of the symmetric or
    Hermitian matrix whose lower (``UPLO="L"``) or upper triangle ``a`` holds.

    The eigenvectors' derivative is defined up to each column's sign or phase (module
    docstring): differentiate gauge-invariant functions of them.
    """
    _square(a, "eigh")
    if UPLO not in ("L", "U"):
        raise ValueError(f"eigh: UPLO must be 'L' or 'U', got {UPLO!r}")
    w, v = _unpack_eig(eigh_packed(a, UPLO))
    return EighResult(_re(w), v)


def eigvalsh(a, UPLO="L"):
    """The eigenvalues of a symmetric or Hermitian matrix (see eigh)."""
    return eigh(a, UPLO)[0]


# ---- general eigendecomposition ---------------------------------------------------------------
def _eig_packed_impl(a):
    w, v = np.linalg.eig(a)  # complex when a is, or when any eigenvalue is
    return np.concatenate([w[..., None, :], v], axis=-2)


eig_packed = _prim(_eig_packed_impl, "eig_packed")


def _unit_columns(v, dv):
    """Keep each eigenvector at unit length (numpy's normalisation): remove from dv the
    part that changes |v_j|, Re(v_j^H dv_j) v_j."""
    along = red.sum(_cj(v) * dv, axis=-2)
    return dv - v * sh.expand_dims(_re(along), -2)


def _unit_columns_transpose(v, g):
    along = red.sum(v * g, axis=-2)
    return g - _cj(v) * sh.expand_dims(_re(along), -2)


def _eig_jvp(g, ans, a):
    # A V = V diag(w): with C = V^-1 dA V, dw = diag(C), dV = V (F o C) kept unit-length
    w, v = _unpack_eig(ans)
    c = solve(v, matmul(g, v))
    dv = _unit_columns(v, matmul(v, _gap_inverse(w) * c))
    return _pack_eig(_diag_of(c), dv)


def _eig_vjp(g, ans, a):
    w, v = _unpack_eig(ans)
    gw, gv = _unpack_eig(g)
    n = shape_of(w)[-1]
    middle = sh.expand_dims(gw, -2) * _eye(n, w)
    if not _is_zero(gv):
        middle = middle + _gap_inverse(w) * matmul(_mT(v), _unit_columns_transpose(v, gv))
    # a real matrix with complex eigenvalues gets a complex cotangent here; the sweep
    # keeps its real part, as for any real argument of complex arithmetic
    return solve(_mT(v), matmul(middle, _mT(v)))  # V^-T M V^T


defjvp(eig_packed, _eig_jvp, batched=True)
defvjp_direct(eig_packed, _eig_vjp)


def eig(a):
    """Eigenvalues and unit eigenvectors of a diagonalisable matrix, real or complex (a
    real matrix with complex eigenvalues gives complex ones, as numpy).

    The eigenvectors' derivative is defined up to each column's phase (module
    docstring): differentiate gauge-invariant functions of them, such as
    V diag(c) V^-1.  Repeated eigenvalues are not differentiable.
    """
    _square(a, "eig")
    return EigResult(*_unpack_eig(eig_packed(a)))


def eigvals(a):
    """The eigenvalues of a general square matrix (see eig)."""
    return eig(a)[0]


# ---- singular value decomposition -----------------------------------------------------------
def _svd_packed_impl(a):
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    lead = s.shape[:-1]
    return np.concatenate([u.reshape(lead + (-1,)), s, vt.reshape(lead + (-1,))], axis=-1)


svd_packed = _prim(_svd_packed_impl, "svd_packed")


def _unpack_svd(p, a):
    """U, s (real), Vh from the packed output (or a cotangent of it)."""
    m, n = shape_of(a)[-2:]
    k = min(m, n)
    lead = shape_of(p)[:-1]
    u = sh.reshape(sh.getitem(p, (Ellipsis, slice(0, m * k))), lead + (m, k))
    s = _re(sh.getitem(p, (Ellipsis, slice(m * k, m * k + k))))
    vt = sh.reshape(sh.getitem(p, (Ellipsis, slice(m * k + k, None))), lead + (k, n))
    return u, s, vt


def _pack_svd(u, s, vt):
    lead = shape_of(s)[:-1]
    return sh.concatenate([sh.reshape(u, lead + (-1,)), s, sh.reshape(vt, lead + (-1,))], axis=-1)


def _svd_gaps(s):
    """F[i, j] = 1 / (s[j]^2 - s[i]^2) off the diagonal, 0 on it."""
    return _gap_inverse(s * s)


def _svd_jvp(g, ans, a):
    # A = U S V^H, P = U^H dA V: ds = Re diag(P); the joint phase's derivative,
    # i Im(diag P) / s, goes to U (module docstring)
    u, s, vt = _unpack_svd(ans, a)
    v = _adj(vt)
    m, n = shape_of(a)[-2:]
    k = shape_of(s)[-1]
    f = _svd_gaps(s)
    dp = matmul(matmul(_adj(u), g), v)
    s_row, s_col = sh.expand_dims(s, -2), sh.expand_dims(s, -1)
    du = matmul(u, f * (dp * s_row + s_col * _adj(dp)))
    dv = matmul(v, f * (s_col * dp + _adj(dp) * s_row))
    if _complex(dp):
        du = du + matmul(u, 1j * (ew.imag(dp) * _eye(k, s) / s_row))
    if m > k:
        du = du + (matmul(g, v) - matmul(u, dp)) / s_row
    if n > k:
        dv = dv + (matmul(_adj(g), u) - matmul(v, _adj(dp))) / s_row
    return _pack_svd(du, _re(_diag_of(dp)), _adj(dv))


def _svd_vjp(g, ans, a):
    u, s, vt = _unpack_svd(ans, a)
    gu, gs, gvt = _unpack_svd(g, a)
    m, n = shape_of(a)[-2:]
    k = shape_of(s)[-1]
    uc, vtc = _cj(u), _cj(vt)  # conj(U) and conj(Vh) = V^T: the transposes of U^H, V
    c = matmul(uc * sh.expand_dims(gs, -2), vtc)
    if _is_zero(gu) and _is_zero(gvt):  # singular values alone: no 1/(s_j^2 - s_i^2)
        return c
    v, gv = _adj(vt), _adj(gvt)  # V and the cotangent of V (Vh = V^H)
    f = _svd_gaps(s)
    s_row, s_col = sh.expand_dims(s, -2), sh.expand_dims(s, -1)
    mu = matmul(_mT(u), gu)
    mv = matmul(_mT(v), gv)
    middle = (f * (mu - _adj(mu))) * s_row + s_col * (f * (mv - _adj(mv)))
    if _complex(mu):  # transpose of the phase term i Im(diag P) / s
        middle = middle + 1j * (ew.imag(mu) * _eye(k, s) / s_row)
    c = c + matmul(matmul(uc, middle), vtc)
    if m > k:  # (I - conj(U) U^T) gU S^-1 conj(Vh)
        c = c + matmul((gu - matmul(uc, mu)) / s_row, vtc)
    if n > k:  # conj(U) S^-1 gV^H (I - conj(V V^H))
        c = c + matmul(uc, _adj(gv - matmul(_cj(v), mv)) / s_col)
    return c


defjvp(svd_packed, _svd_jvp, batched=True)
defvjp_direct(svd_packed, _svd_vjp)


def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    """numpy.linalg.svd of real or complex (..., m, n) matrices: U, s (real), Vh.

    The singular vectors' derivative is defined up to the joint sign or phase of each
    pair (u_j, v_j) (module docstring): differentiate gauge-invariant functions of
    them, such as U diag(c) Vh or |U|^2.  Repeated singular values are not
    differentiable through the vectors.
    """
    s = shape_of(a)
    if len(s) < 2:
        raise np.linalg.LinAlgError(f"svd: expected (..., m, n) matrices, got shape {s}")
    u, sv, vt = _unpack_svd(svd_packed(a), a)
    if not compute_uv:
        return sv
    if full_matrices and s[-1] != s[-2]:
        raise NotImplementedError(
            "svd(full_matrices=True) of a non-square matrix is not differentiable (the extra "
            "singular vectors are not unique); pass full_matrices=False"
        )
    return SVDResult(u, sv, vt)


def svdvals(x):
    """The singular values of (..., m, n) matrices, real or complex."""
    return svd(x, compute_uv=False)


# ---- pseudo-inverse -----------------------------------------------------------------------
def _pinv_impl(a, rcond=None, hermitian=False, *, rtol=None):
    kwargs = {} if rcond is None else {"rcond": rcond}
    if rtol is not None:
        kwargs["rtol"] = rtol
    return np.linalg.pinv(a, hermitian=hermitian, **kwargs)


pinv = _prim(_pinv_impl, "pinv")


def _pinv_jvp(g, ans, a, rcond=None, hermitian=False, *, rtol=None):
    # constant rank: dP = -P dA P + P P^H dA^H (I - A P) + (I - P A) dA^H P^H P
    m, n = shape_of(a)[-2:]
    gh = _adj(g)
    left = _eye(m, ans) - matmul(a, ans)
    right = _eye(n, ans) - matmul(ans, a)
    return (
        -matmul(matmul(ans, g), ans)
        + matmul(matmul(matmul(ans, _adj(ans)), gh), left)
        + matmul(matmul(right, gh), matmul(_adj(ans), ans))
    )


def _pinv_vjp(g, ans, a, rcond=None, hermitian=False, *, rtol=None):
    # the JVP's three terms transposed; X^H's transpose is the conjugate transpose
    m, n = shape_of(a)[-2:]
    gh, pt, pc = _adj(g), _mT(ans), _cj(ans)
    left = _eye(m, ans) - matmul(a, ans)
    right = _eye(n, ans) - matmul(ans, a)
    return (
        -matmul(matmul(pt, g), pt)
        + matmul(matmul(_cj(left), gh), matmul(pc, pt))
        + matmul(matmul(matmul(pt, pc), gh), _cj(right))
    )


defjvp(pinv, _pinv_jvp, batched=True)
defvjp_direct(pinv, _pinv_vjp)


def lstsq(a, b, rcond=None):
    """Least squares as numpy returns it: (x, residuals, rank, singular values).

    x = pinv(a) b is numpy's minimum-norm solution (real or complex); its derivative
    assumes the rank stays constant near a, as pinv's does.  The residuals are the
    squared norms |a x - b|^2 of the columns, real.
    """
    sa = shape_of(a)
    if len(sa) != 2:
        raise np.linalg.LinAlgError(f"lstsq: a must be 2-d, got shape {sa}")
    m, n = sa
    _, res0, rank, _ = np.linalg.lstsq(getval(a), getval(b), rcond=rcond)
    cutoff = {} if rcond is None else {"rcond": rcond}
    x = matmul(pinv(a, **cutoff), b)
    if rank == n and m > n:
        r = matmul(a, x) - b
        residuals = red.sum(ew.abs2(r), axis=0)
        if ndim_of(b) == 1:
            residuals = sh.reshape(residuals, (1,))
    else:
        residuals = res0
    return x, residuals, rank, svdvals(a)


__all__ = [
    "EigResult",
    "EighResult",
    "SVDResult",
    "eig",
    "eigh",
    "eigvals",
    "eigvalsh",
    "lstsq",
    "pinv",
    "svd",
    "svdvals",
]
