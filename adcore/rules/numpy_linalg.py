"""numpy.linalg: inv, solve, det, slogdet, cholesky, multi_dot, matrix_power.

numpy's linalg functions act on stacks of matrices (``(..., m, n)``), so the
rules batch for free: a tangent's leading batch axes are just more stack axes
to matmul and solve.  Formulas follow M. Giles, "An extended collection of
matrix derivative results" (2008), I. Murray's Cholesky note (2016) and
J. Townsend's SVD note (2016); each rule is written with adcore operations, so
it is differentiable again.

Two conventions worth knowing:

* ``cholesky`` and ``eigh`` read one triangle only (lower by default), so
  they are functions of ``sym(A) = tril(A) + tril(A, -1)^T`` (for complex A,
  the Hermitian matrix with the triangle's conjugate mirrored).  The JVP
  symmetrises the tangent the same way; the VJP applies that map's adjoint.
* The spectral decompositions (eigh, eig, svd) and pinv, lstsq live in
  ``adcore.rules.spectral``; the norms in ``adcore.rules.norms``.
"""

from collections import namedtuple

import numpy as np

from adcore.core import defjvp, defvjp_direct, getval, ndim_of, shape_of
from adcore.rules import declare, diagonals
from adcore.rules import elementwise as ew
from adcore.rules import reductions as red
from adcore.rules import shape as sh
from adcore.rules.broadcast import unbroadcast
from adcore.rules.matmul import matmul
from adcore.rules.shape import matrix_transpose as _mT

SlogdetResult = namedtuple("SlogdetResult", ["sign", "logabsdet"])


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


__all__ = [
    "cholesky",
    "det",
    "inv",
    "matrix_power",
    "multi_dot",
    "slogdet",
    "solve",
]
