"""numpy.linalg: inv, solve, det, slogdet, cholesky, eigh, svd, pinv, norm.

numpy's linalg functions act on stacks of matrices (``(..., m, n)``), so the
rules batch for free: a tangent's leading batch axes are just more stack axes
to matmul and solve.  Formulas follow M. Giles, "An extended collection of
matrix derivative results" (2008), I. Murray's Cholesky note (2016) and
J. Townsend's SVD note (2016); each rule is written with adcore operations, so
it is differentiable again.

Two conventions worth knowing:

* ``cholesky`` and ``eigh`` read one triangle only (lower by default), so
  they are functions of ``sym(A) = tril(A) + tril(A, -1)^T``.  The JVP
  symmetrises the tangent the same way; the VJP applies that map's adjoint.
* ``eigh`` and ``svd`` have several outputs.  A primitive returns one array,
  so each is a primitive of *packed* outputs (eigenvalues stacked on top of
  the eigenvectors; U, s, Vt flattened side by side) unpacked by slicing.
  One factorisation serves every output and both rules.
"""

from collections import namedtuple

import numpy as np

from adcore.core import Traced, defjvp, defvjp_direct, getval, ndim_of, shape_of
from adcore.rules import declare, diagonals
from adcore.rules import elementwise as ew
from adcore.rules import reductions as red
from adcore.rules import shape as sh
from adcore.rules.broadcast import unbroadcast
from adcore.rules.matmul import matmul
from adcore.rules.shape import matrix_transpose as _mT

SlogdetResult = namedtuple("SlogdetResult", ["sign", "logabsdet"])
EighResult = namedtuple("EighResult", ["eigenvalues", "eigenvectors"])
EigResult = namedtuple("EigResult", ["eigenvalues", "eigenvectors"])
SVDResult = namedtuple("SVDResult", ["U", "S", "Vh"])


def _prim(impl, name, arity=1):
    return declare.rule_primitive(impl, name, "decompositions", "linalg", arity)


def _eye(n, like):
    dtype = np.result_type(getval(like))
    if dtype.kind == "c":
        dtype = np.finfo(dtype).dtype  # a real identity in a complex matrix's precision
    return np.eye(n, dtype=dtype if dtype.kind == "f" else np.float64)


def _square(x, name):
    s = shape_of(x)
    if len(s) < 2 or s[-1] != s[-2]:
        raise np.linalg.LinAlgError(f"{name}: expected square matrices (..., n, n), got {s}")


def _is_zero(c):
    """A cotangent known to be zero (a plain zero array: that output was not used)."""
    return isinstance(c, np.ndarray) and not c.any()


def _mat2(g):
    """Append two unit axes: a per-matrix scalar that broadcasts over the matrix."""
    return sh.expand_dims(g, (-2, -1))


# ---- inverse and solve ------------------------------------------------------------------
inv = _prim(np.linalg.inv, "inv")
defjvp(inv, lambda g, ans, x: -matmul(matmul(ans, g), ans), batched=True)
defvjp_direct(inv, lambda g, ans, x: -matmul(matmul(_mT(ans), g), _mT(ans)))

solve = _prim(np.linalg.solve, "solve", arity=2)


def _as_cols(b, like_b):
    """numpy treats b as a vector only when it is 1-d: give vectors a column axis."""
    return sh.expand_dims(b, -1) if ndim_of(like_b) == 1 else b


def _from_cols(x, like_b):
    return sh.squeeze(x, -1) if ndim_of(like_b) == 1 else x


def _lift(x, own_ndim, ans, b):
    """Put unit axes after x's batch axes so its stack axes line up with the output's
    (a tangent's batch axes must not meet the other operand's stack axes)."""
    out_stack = ndim_of(ans) - (1 if ndim_of(b) == 1 else 2)
    own_stack = max(own_ndim - 2, 0)
    nb = ndim_of(x) - own_ndim
    if nb and out_stack > own_stack:
        s = shape_of(x)
        x = sh.reshape(x, s[:nb] + (1,) * (out_stack - own_stack) + s[nb:])
    return x


def _solve_jvp_a(g, ans, a, b):
    return _from_cols(-solve(a, matmul(_lift(g, ndim_of(a), ans, b), _as_cols(ans, b))), b)


def _solve_jvp_b(g, ans, a, b):
    return _from_cols(solve(a, _lift(_as_cols(g, b), max(ndim_of(b), 2), ans, b)), b)


def _solve_vjp_a(g, ans, a, b):
    gb = solve(_mT(a), _as_cols(g, b))
    c = -matmul(gb, _mT(_as_cols(ans, b)))
    return unbroadcast(c, shape_of(a), ndim_of(g) - ndim_of(ans))


def _solve_vjp_b(g, ans, a, b):
    c = _from_cols(solve(_mT(a), _as_cols(g, b)), b)
    return unbroadcast(c, shape_of(b), ndim_of(g) - ndim_of(ans))


defjvp(solve, _solve_jvp_a, _solve_jvp_b, batched=True)
defvjp_direct(solve, _solve_vjp_a, _solve_vjp_b)

# ---- determinants -------------------------------------------------------------------------
det = _prim(np.linalg.det, "det")


def _inv_T(x):
    return _mT(inv(x))


def _cofactor(ans, x):
    """d det(x) / dx, the cofactor matrix: det(x) inv(x)^T, or from the minors when some
    det is 0 or subnormal (inv would raise or det inv(x)^T lose digits, yet the
    derivative exists: adj(x)^T)."""
    if declare.all_normal(ans):
        return _mat2(ans) * _inv_T(x)
    n = shape_of(x)[-1]
    if n == 1:
        return np.ones(shape_of(x), dtype=np.result_type(getval(x)))
    rest = np.array([[k for k in range(n) if k != i] for i in range(n)])  # (n, n - 1)
    minors = sh.getitem(x, (Ellipsis, rest[:, None, :, None], rest[None, :, None, :]))
    signs = ((-1.0) ** np.add.outer(np.arange(n), np.arange(n))).astype(_eye(n, x).dtype)
    return signs * det(minors)  # (..., n, n): det of each (n-1) x (n-1) minor


defjvp(det, lambda g, ans, x: red.sum(_cofactor(ans, x) * g, axis=(-2, -1)), batched=True)
defvjp_direct(det, lambda g, ans, x: _mat2(g) * _cofactor(ans, x))

logabsdet = _prim(lambda x: np.linalg.slogdet(x)[1], "logabsdet")


def _logabsdet_jvp(g, ans, x):
    # d log|det x| = Re(tr(x^-1 dx)); its transpose below needs no conjugate (JAX's pairing)
    t = red.sum(_inv_T(x) * g, axis=(-2, -1))
    return ew.real(t) if np.iscomplexobj(getval(t)) else t


defjvp(logabsdet, _logabsdet_jvp, batched=True)
defvjp_direct(logabsdet, lambda g, ans, x: _mat2(g) * _inv_T(x))


def slogdet(a):
    """(sign, log|det|): log|det| differentiable; the sign piecewise constant for real a,
    and for complex a the unit det / |det|, differentiable too."""
    _square(a, "slogdet")
    logabs = logabsdet(a)
    if np.iscomplexobj(getval(a)):
        return SlogdetResult(det(a) / ew.exp(logabs), logabs)
    return SlogdetResult(np.linalg.slogdet(getval(a))[0], logabs)


# ---- one-triangle inputs (cholesky, eigh) ---------------------------------------------------
def _complex(x):
    return np.iscomplexobj(getval(x))


def _mH(x):
    return ew.conj(_mT(x))


def _herm_from(x, lower):
    """The Hermitian matrix LAPACK's complex one-triangle routines see: one triangle, its
    conjugate mirrored, and the real part of the diagonal (its imaginary part is ignored)."""
    n = shape_of(x)[-1]
    eye = _eye(n, x)
    off = diagonals.tril(x, -1) if lower else diagonals.triu(x, 1)
    return off + _mH(off) + ew.real(x * eye)


def _herm_from_adjoint(c, lower):
    """Transpose of ``_herm_from`` under the pairing Re(sum(u * v))."""
    n = shape_of(c)[-1]
    folded = c + _mH(c)
    off = diagonals.tril(folded, -1) if lower else diagonals.triu(folded, 1)
    return off + ew.real(c * _eye(n, c))


def _sym_from(x, lower):
    """The symmetric matrix a one-triangle routine actually sees."""
    if _complex(x):
        return _herm_from(x, lower)
    if lower:
        return diagonals.tril(x) + _mT(diagonals.tril(x, -1))
    return diagonals.triu(x) + _mT(diagonals.triu(x, 1))


def _sym_from_adjoint(c, lower):
    """Adjoint of ``_sym_from``: fold the other triangle's cotangent onto the read one."""
    if _complex(c):
        return _herm_from_adjoint(c, lower)
    n = shape_of(c)[-1]
    diag = c * _eye(n, c)
    if lower:
        return diagonals.tril(c + _mT(c), -1) + diag
    return diagonals.triu(c + _mT(c), 1) + diag


# ---- Cholesky -----------------------------------------------------------------------------
cholesky_lower = _prim(np.linalg.cholesky, "cholesky")


def _phi(x):
    """Lower triangle with the diagonal halved."""
    n = shape_of(x)[-1]
    return diagonals.tril(x) - 0.5 * (x * _eye(n, x))


def _cholesky_jvp(g, ans, a):
    # A = L L^H: dL = L phi(L^-1 dA L^-H) (L^-T for real A, where ^H is ^T)
    s = _sym_from(g, True)
    if _complex(ans):
        inner = _mH(solve(ans, _mH(solve(ans, s))))  # L^-1 S L^-H
    else:
        inner = _mT(solve(ans, _mT(solve(ans, s))))  # L^-1 S L^-T
    return matmul(ans, _phi(inner))


def _cholesky_vjp(g, ans, a):
    # the JVP's maps transposed one by one (bilinear pairing: no conjugation of L^T)
    p = _phi(matmul(_mT(ans), g))
    lt = _mT(ans)
    if _complex(ans):
        m = solve(lt, _mT(solve(_mH(ans), _mT(p))))  # L^-T P conj(L^-1)
    else:
        m = solve(lt, _mT(solve(lt, _mT(p))))  # L^-T P L^-1
    return _sym_from_adjoint(m, True)


defjvp(cholesky_lower, _cholesky_jvp, batched=True)
defvjp_direct(cholesky_lower, _cholesky_vjp)


def cholesky(a, upper=False):
    _square(a, "cholesky")
    if upper:  # the upper triangle of a is the lower triangle of a^T
        return _mT(cholesky_lower(_mT(a)))
    return cholesky_lower(a)


# ---- symmetric eigendecomposition ---------------------------------------------------------
def _eigh_packed_impl(a, UPLO="L"):
    w, v = np.linalg.eigh(a, UPLO)
    return np.concatenate([w[..., None, :], v], axis=-2)


eigh_packed = _prim(_eigh_packed_impl, "eigh_packed")


def _unpack_eigh(p):
    return sh.getitem(p, (Ellipsis, 0, slice(None))), sh.getitem(
        p, (Ellipsis, slice(1, None), slice(None))
    )


def _gap_inverse(w):
    """F[i, j] = 1 / (w[j] - w[i]) off the diagonal, 0 on it."""
    n = shape_of(w)[-1]
    eye = _eye(n, w)
    gaps = sh.expand_dims(w, -2) - sh.expand_dims(w, -1)
    return (1.0 - eye) / (gaps + eye)


def _eigh_jvp(g, ans, a, UPLO="L"):
    w, v = _unpack_eigh(ans)
    p = matmul(matmul(_mT(v), _sym_from(g, UPLO == "L")), v)
    n = shape_of(w)[-1]
    dw = red.sum(p * _eye(n, p), axis=-1)
    dv = matmul(v, _gap_inverse(w) * p)
    return sh.concatenate([sh.expand_dims(dw, -2), dv], axis=-2)


def _eigh_vjp(g, ans, a, UPLO="L"):
    w, v = _unpack_eigh(ans)
    gw, gv = _unpack_eigh(g)
    n = shape_of(w)[-1]
    middle = sh.expand_dims(gw, -2) * _eye(n, w)
    if not _is_zero(gv):  # skipped, the eigenvalues alone stay finite when repeated
        middle = middle + _gap_inverse(w) * matmul(_mT(v), gv)
    c = matmul(matmul(v, middle), _mT(v))
    return _sym_from_adjoint(c, UPLO == "L")


defjvp(eigh_packed, _eigh_jvp, batched=True)
defvjp_direct(eigh_packed, _eigh_vjp)


def eigh(a, UPLO="L"):
    _square(a, "eigh")
    if UPLO not in ("L", "U"):
        raise ValueError(f"eigh: UPLO must be 'L' or 'U', got {UPLO!r}")
    return EighResult(*_unpack_eigh(eigh_packed(a, UPLO)))


def eigvalsh(a, UPLO="L"):
    return eigh(a, UPLO)[0]


# ---- general eigendecomposition (real eigenvalues) ------------------------------------------
def _eig_packed_impl(a):
    w, v = np.linalg.eig(a)
    if np.iscomplexobj(w):
        if np.any(np.imag(w) != 0) or np.any(np.imag(v) != 0):
            raise NotImplementedError(
                "eig: this matrix has complex eigenvalues; adcore differentiates real arrays "
                "only (eigh covers symmetric matrices)"
            )
        w, v = np.real(w), np.real(v)
    return np.concatenate([w[..., None, :], v], axis=-2)


eig_packed = _prim(_eig_packed_impl, "eig_packed")


def _unit_columns(v, dv):
    """Keep each eigenvector at unit length (numpy's normalisation): drop dv's part along v."""
    return dv - v * sh.expand_dims(red.sum(v * dv, axis=-2), -2)


def _eig_jvp(g, ans, a):
    w, v = _unpack_eigh(ans)
    c = solve(v, matmul(g, v))  # V^-1 dA V
    n = shape_of(w)[-1]
    dw = red.sum(c * _eye(n, c), axis=-1)
    dv = _unit_columns(v, matmul(v, _gap_inverse(w) * c))
    return sh.concatenate([sh.expand_dims(dw, -2), dv], axis=-2)


def _eig_vjp(g, ans, a):
    w, v = _unpack_eigh(ans)
    gw, gv = _unpack_eigh(g)
    n = shape_of(w)[-1]
    middle = sh.expand_dims(gw, -2) * _eye(n, w)
    if not _is_zero(gv):
        middle = middle + _gap_inverse(w) * matmul(_mT(v), _unit_columns(v, gv))
    return solve(_mT(v), matmul(middle, _mT(v)))  # V^-T M V^T


defjvp(eig_packed, _eig_jvp, batched=True)
defvjp_direct(eig_packed, _eig_vjp)


def eig(a):
    """Eigenvalues and unit eigenvectors of a diagonalisable matrix with real eigenvalues."""
    _square(a, "eig")
    return EigResult(*_unpack_eigh(eig_packed(a)))


def eigvals(a):
    return eig(a)[0]


# ---- singular value decomposition -----------------------------------------------------------
def _svd_packed_impl(a):
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    lead = s.shape[:-1]
    return np.concatenate([u.reshape(lead + (-1,)), s, vt.reshape(lead + (-1,))], axis=-1)


svd_packed = _prim(_svd_packed_impl, "svd_packed")


def _unpack_svd(p, a):
    m, n = shape_of(a)[-2:]
    k = min(m, n)
    lead = shape_of(p)[:-1]
    u = sh.reshape(sh.getitem(p, (Ellipsis, slice(0, m * k))), lead + (m, k))
    s = sh.getitem(p, (Ellipsis, slice(m * k, m * k + k)))
    vt = sh.reshape(sh.getitem(p, (Ellipsis, slice(m * k + k, None))), lead + (k, n))
    return u, s, vt


def _pack_svd(u, s, vt):
    lead = shape_of(s)[:-1]
    return sh.concatenate([sh.reshape(u, lead + (-1,)), s, sh.reshape(vt, lead + (-1,))], axis=-1)


def _svd_gaps(s):
    """F[i, j] = 1 / (s[j]^2 - s[i]^2) off the diagonal, 0 on it."""
    return _gap_inverse(s * s)


def _svd_jvp(g, ans, a):
    u, s, vt = _unpack_svd(ans, a)
    v = _mT(vt)
    m, n = shape_of(a)[-2:]
    f = _svd_gaps(s)
    dp = matmul(matmul(_mT(u), g), v)
    k = shape_of(s)[-1]
    ds = red.sum(dp * _eye(k, dp), axis=-1)
    s_row, s_col = sh.expand_dims(s, -2), sh.expand_dims(s, -1)
    du = matmul(u, f * (dp * s_row + s_col * _mT(dp)))
    dv = matmul(v, f * (s_col * dp + _mT(dp) * s_row))
    if m > k:
        du = du + matmul(matmul(g, v) - matmul(u, dp), _eye(k, s) / s_row)
    if n > k:
        dv = dv + matmul(matmul(_mT(g), u) - matmul(v, _mT(dp)), _eye(k, s) / s_row)
    return _pack_svd(du, ds, _mT(dv))


def _svd_vjp(g, ans, a):
    u, s, vt = _unpack_svd(ans, a)
    gu, gs, gvt = _unpack_svd(g, a)
    m, n = shape_of(a)[-2:]
    k = shape_of(s)[-1]
    c = matmul(u * sh.expand_dims(gs, -2), vt)
    if _is_zero(gu) and _is_zero(gvt):  # singular values alone: no 1/(s_j^2 - s_i^2)
        return c
    v, gv = _mT(vt), _mT(gvt)
    f = _svd_gaps(s)
    s_row, s_col = sh.expand_dims(s, -2), sh.expand_dims(s, -1)
    utgu = matmul(_mT(u), gu)
    vtgv = matmul(_mT(v), gv)
    middle = (f * (utgu - _mT(utgu))) * s_row + s_col * (f * (vtgv - _mT(vtgv)))
    c = c + matmul(matmul(u, middle), vt)
    if m > k:  # (I - U U^T) gU S^-1 V^T
        c = c + matmul((gu - matmul(u, utgu)) / s_row, vt)
    if n > k:  # U S^-1 gV^T (I - V V^T)
        c = c + matmul(u, _mT(gv - matmul(v, vtgv)) / s_col)
    return c


defjvp(svd_packed, _svd_jvp, batched=True)
defvjp_direct(svd_packed, _svd_vjp)


def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
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
    return svd(x, compute_uv=False)


# ---- pseudo-inverse -----------------------------------------------------------------------
def _pinv_impl(a, rcond=None, hermitian=False, *, rtol=None):
    kwargs = {} if rcond is None else {"rcond": rcond}
    if rtol is not None:
        kwargs["rtol"] = rtol
    return np.linalg.pinv(a, hermitian=hermitian, **kwargs)


pinv = _prim(_pinv_impl, "pinv")


def _pinv_jvp(g, ans, a, rcond=None, hermitian=False, *, rtol=None):
    # constant rank: dP = -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P
    m, n = shape_of(a)[-2:]
    gt = _mT(g)
    left = _eye(m, ans) - matmul(a, ans)
    right = _eye(n, ans) - matmul(ans, a)
    return (
        -matmul(matmul(ans, g), ans)
        + matmul(matmul(matmul(ans, _mT(ans)), gt), left)
        + matmul(matmul(right, gt), matmul(_mT(ans), ans))
    )


def _pinv_vjp(g, ans, a, rcond=None, hermitian=False, *, rtol=None):
    m, n = shape_of(a)[-2:]
    gt = _mT(g)
    left = _eye(m, ans) - matmul(a, ans)
    right = _eye(n, ans) - matmul(ans, a)
    return (
        -matmul(matmul(_mT(ans), g), _mT(ans))
        + matmul(matmul(left, gt), matmul(ans, _mT(ans)))
        + matmul(matmul(matmul(_mT(ans), ans), gt), right)
    )


defjvp(pinv, _pinv_jvp, batched=True)
defvjp_direct(pinv, _pinv_vjp)


def lstsq(a, b, rcond=None):
    """Least squares as numpy returns it: (x, residuals, rank, singular values).

    x = pinv(a) b is numpy's minimum-norm solution; its derivative assumes the
    rank stays constant near a, as pinv's does.
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
        residuals = red.sum(r * r, axis=0)
        if ndim_of(b) == 1:
            residuals = sh.reshape(residuals, (1,))
    else:
        residuals = res0
    return x, residuals, rank, svdvals(a)


# ---- products of matrices (composites) ---------------------------------------------------
def multi_dot(arrays, *, out=None):
    """A chain of matrix products; a 1-d first (last) operand is a row (column)."""
    declare.no_out("linalg.multi_dot", out)
    arrays = list(arrays)
    if len(arrays) < 2:
        raise ValueError("multi_dot: expecting at least two arrays")
    result = arrays[0]
    for x in arrays[1:]:
        result = matmul(result, x)
    return result


def matrix_power(a, n):
    """a^n by repeated squaring; a negative n inverts first."""
    _square(a, "matrix_power")
    n = int(n)
    if n == 0:
        eye = _eye(shape_of(a)[-1], a)
        return np.broadcast_to(eye, shape_of(a)).copy()
    if n < 0:
        a, n = inv(a), -n
    result = None
    while n:
        if n & 1:
            result = a if result is None else matmul(result, a)
        n >>= 1
        if n:
            a = matmul(a, a)
    return result


# ---- norms (composites) ---------------------------------------------------------------------


def vector_norm_over(x, ord, axis, keepdims):
    """The ``ord``-norm of the vectors x holds along ``axis`` (an int or a tuple of axes)."""
    if ord is None or ord == 2:
        return ew.sqrt(red.sum(ew.abs2(x), axis=axis, keepdims=keepdims))
    if ord == np.inf:
        return red.max(ew.absolute(x), axis=axis, keepdims=keepdims)
    if ord == -np.inf:
        return red.min(ew.absolute(x), axis=axis, keepdims=keepdims)
    if ord == 0:  # a count: piecewise constant
        xv = getval(x)
        return np.sum(xv != 0, axis=axis, keepdims=keepdims).astype(np.result_type(xv, 1.0))
    if ord == 1:
        return red.sum(ew.absolute(x), axis=axis, keepdims=keepdims)
    if isinstance(ord, str):
        raise ValueError(f"norm: invalid norm order {ord!r} for vectors")
    p = float(ord)
    return red.sum(ew.absolute(x) ** p, axis=axis, keepdims=keepdims) ** (1.0 / p)


def _matrix_norm(x, ord, row, col, keepdims):
    nd = ndim_of(x)
    if ord in (None, "fro"):
        out = ew.sqrt(red.sum(ew.abs2(x), axis=(row, col)))
    elif ord in ("nuc", 2, -2):
        s = svdvals(sh.moveaxis(x, (row, col), (-2, -1)))
        if ord == "nuc":
            out = red.sum(s, axis=-1)
        else:
            out = red.max(s, axis=-1) if ord == 2 else red.min(s, axis=-1)
    elif ord in (1, -1, np.inf, -np.inf):
        summed, other = (row, col) if ord in (1, -1) else (col, row)
        sums = red.sum(ew.absolute(x), axis=summed, keepdims=True)
        pick = red.max if ord in (1, np.inf) else red.min
        out = pick(sums, axis=other, keepdims=True)
        out = sh.squeeze(out, (row % nd, col % nd))
    else:
        raise ValueError(f"norm: invalid norm order {ord!r} for matrices")
    if keepdims:
        out = sh.expand_dims(out, tuple(sorted((row % nd, col % nd))))
    return out


def norm(x, ord=None, axis=None, keepdims=False):
    """numpy.linalg.norm: every vector and matrix ``ord`` numpy has."""
    if not isinstance(x, Traced):
        x = np.asarray(x)  # a plain list, as numpy takes it
    nd = ndim_of(x)
    if axis is None:
        if ord is None:
            out = ew.sqrt(red.sum(ew.abs2(x)))
            return sh.reshape(out, (1,) * nd) if keepdims else out
        if nd == 1:
            return vector_norm_over(x, ord, None, keepdims)
        if nd == 2:
            return _matrix_norm(x, ord, 0, 1, keepdims)
        raise ValueError(
            f"norm: ord={ord!r} needs a 1-d or 2-d input or an axis (shape {shape_of(x)})"
        )
    if isinstance(axis, (int, np.integer)):
        return vector_norm_over(x, ord, int(axis), keepdims)
    axis = tuple(declare.axis_index(a, nd) for a in axis)
    if len(axis) == 1:
        return vector_norm_over(x, ord, axis, keepdims)
    if len(axis) == 2:
        if axis[0] == axis[1]:
            raise ValueError("norm: duplicate axes given")
        return _matrix_norm(x, ord, axis[0], axis[1], keepdims)
    raise ValueError(f"norm: improper number of dimensions to norm ({axis})")


__all__ = [
    "cholesky",
    "det",
    "eig",
    "eigh",
    "eigvals",
    "eigvalsh",
    "inv",
    "lstsq",
    "matrix_power",
    "multi_dot",
    "norm",
    "pinv",
    "slogdet",
    "solve",
    "svd",
    "svdvals",
]
