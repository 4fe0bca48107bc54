"""The numpy rules, one family per module.

Helpers (no rules of their own):
  declare       masks, axes (AxisError), batch axes, ``linear`` (an op whose JVP is itself);
                depends on the core only
  partials      ``elementwise``: a primitive declared by its partial derivatives

Primitives and the composites built on them:
  broadcast     reshape, broadcast_to and sum (each other's transposes), unbroadcast
  elementwise   ufunc-like maps: arithmetic, exp/log, trig, sinc, piecewise (abs,
                maximum, where, clip, fmax, remainder...), complex accessors on real arrays
  reductions    prod, max, min (sum from broadcast); mean, var, std on top
  shape         transpose, astype, indexing (getitem, scatter_add, at_set), concatenate,
                stack, squeeze, expand_dims, ravel, moveaxis, swapaxes
  reordering    flip, fliplr, flipud, rot90, roll, rollaxis
  cumulative    cumsum, cumprod, cumulative_sum/prod, diff, gradient
  joining       atleast_*, hstack/vstack/dstack/column_stack, append, split family,
                tile, repeat, pad
  gathering     take, take_along_axis, choose, sort, partition
  diagonals     tril, triu, diagonal, diag, trace
  statistics    average, quantile, percentile, median, ptp, cov, corrcoef
  construction  linspace, full, select, nan_to_num on traced values
  matmul        matmul and outer
  contractions  einsum, and tensordot, inner, dot (every rank), vdot, kron, cross,
                convolve, correlate on it
  numpy_linalg  numpy.linalg: inv, solve, det, slogdet, cholesky, multi_dot, matrix_power
  spectral      numpy.linalg's eigh, eig, svd (packed outputs; real and complex), pinv, lstsq
  norms         numpy.linalg.norm: vector and matrix norms
  nn            sigmoid, relu, softplus, logsumexp, softmax, log_softmax
  complex_support  which primitives take complex values (meta["complex"]); the others
                get a TypeError naming them instead of a wrong derivative

Importing this package registers every primitive.  A primitive's ``family`` (in
``adcore.registry()``) is a grouping kept stable across this layout: "arrays" for
the reordering/cumulative/joining primitives, "decompositions" for numpy_linalg's,
"linalg" for matmul.
"""

from adcore.core import hooks
from adcore.rules import (
    broadcast,
    complex_support,
    construction,
    contractions,
    cumulative,
    declare,
    diagonals,
    elementwise,
    gathering,
    joining,
    matmul,
    nn,
    norms,
    numpy_linalg,
    partials,
    reductions,
    reordering,
    shape,
    spectral,
    statistics,
)

hooks.stack = lambda arrays: shape.stack(arrays, axis=0)
hooks.real = elementwise.real
complex_support.install()  # last: every built-in primitive is registered by now

__all__ = [
    "broadcast",
    "complex_support",
    "construction",
    "contractions",
    "cumulative",
    "declare",
    "diagonals",
    "elementwise",
    "gathering",
    "joining",
    "matmul",
    "nn",
    "norms",
    "numpy_linalg",
    "partials",
    "reductions",
    "reordering",
    "shape",
    "spectral",
    "statistics",
]
