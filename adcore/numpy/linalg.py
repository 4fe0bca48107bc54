"""adcore.numpy.linalg: the differentiable mirror of numpy.linalg.

    import adcore.numpy as anp
    anp.linalg.slogdet(K)[1]          # or np.linalg.slogdet(K) on a traced K

The rules live in ``adcore.rules.numpy_linalg``, ``spectral`` (eigh, eig, svd,
pinv, lstsq) and ``norms``; this module is the
explicit namespace, plus numpy 2's array-API spellings (matrix_norm,
vector_norm, matrix_transpose, and linalg.trace/diagonal/cross/outer over the
last axes).
"""

import numpy as _np

from adcore.core import getval, shape_of
from adcore.rules import contractions as _contractions
from adcore.rules import diagonals as _diagonals
from adcore.rules import norms as _norms
from adcore.rules import shape as _shape
from adcore.rules.matmul import matmul, outer
from adcore.rules.norms import norm
from adcore.rules.numpy_linalg import (
    SlogdetResult,
    cholesky,
    det,
    inv,
    matrix_power,
    multi_dot,
    slogdet,
    solve,
)
from adcore.rules.spectral import (
    EighResult,
    EigResult,
    SVDResult,
    eig,
    eigh,
    eigvals,
    eigvalsh,
    lstsq,
    pinv,
    svd,
    svdvals,
)

LinAlgError = _np.linalg.LinAlgError


def matrix_rank(A, tol=None, hermitian=False, *, rtol=None):
    """An integer: piecewise constant, so computed on plain values (zero derivative)."""
    return _np.linalg.matrix_rank(getval(A), tol=tol, hermitian=hermitian, rtol=rtol)


def matrix_norm(x, /, *, keepdims=False, ord="fro"):
    return norm(x, ord=ord, axis=(-2, -1), keepdims=keepdims)


def vector_norm(x, /, *, axis=None, keepdims=False, ord=2):
    if axis is None:
        out = _norms.norm(_shape.ravel(x), ord=ord)
        return _shape.reshape(out, (1,) * len(shape_of(x))) if keepdims else out
    # a tuple of axes is still one vector per slice (numpy), never a matrix norm
    axes = (axis,) if _np.ndim(axis) == 0 else tuple(axis)
    return _norms.vector_norm_over(x, ord, axes, keepdims)


def matrix_transpose(x, /):
    return _shape.matrix_transpose(x)


def trace(x, /, *, offset=0, dtype=None):
    return _diagonals.trace(x, offset=offset, axis1=-2, axis2=-1, dtype=dtype)


def diagonal(x, /, *, offset=0):
    return _diagonals.diagonal(x, offset=offset, axis1=-2, axis2=-1)


def cross(x1, x2, /, *, axis=-1):
    return _contractions.cross(x1, x2, axis=axis)


def tensordot(x1, x2, /, *, axes=2):
    return _contractions.tensordot(x1, x2, axes=axes)


__all__ = [
    "EigResult",
    "EighResult",
    "LinAlgError",
    "SVDResult",
    "SlogdetResult",
    "cholesky",
    "cross",
    "det",
    "diagonal",
    "eig",
    "eigh",
    "eigvals",
    "eigvalsh",
    "inv",
    "lstsq",
    "matmul",
    "matrix_norm",
    "matrix_power",
    "matrix_rank",
    "matrix_transpose",
    "multi_dot",
    "norm",
    "outer",
    "pinv",
    "slogdet",
    "solve",
    "svd",
    "svdvals",
    "tensordot",
    "trace",
    "vector_norm",
]
