"""The numpy rules, one family per module.

elementwise  ufunc-like maps declared by their partial derivatives
reductions   sum, prod, max, min (mean, var, std on top)
shape        reshape, transpose, broadcasting, indexing, concatenation
linalg       matmul and what is built on it
nn           sigmoid, relu, softplus, logsumexp, softmax, log_softmax
arrays       stacking, splitting, tiling, padding, flips, rolls, gathers, sort,
             running sums, triangles and diagonals
contractions einsum (and tensordot, inner, N-d dot, kron, cross on it)
decompositions  numpy.linalg: inv, solve, det, slogdet, cholesky, eigh, svd, pinv, norm
elementwise_extra  fmax, fmin, remainder, fmod; real/imag/conj/angle on real arrays
"""

from adcore.core import hooks
from adcore.rules import (
    broadcast,
    contractions,
    declare,
    elementwise,
    matmul,
    nn,
    numpy_linalg,
    partials,
    reductions,
    shape,
)

hooks.stack = lambda arrays: shape.stack(arrays, axis=0)

__all__ = [
    "broadcast",
    "contractions",
    "declare",
    "elementwise",
    "matmul",
    "nn",
    "numpy_linalg",
    "partials",
    "reductions",
    "shape",
]
