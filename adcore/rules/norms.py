"""numpy.linalg's norms: every vector order, and the matrix norms (Frobenius, 1, inf,
and through the singular values the nuclear and 2-norms), for real and complex
arrays (through |x|, never x * x)."""

import numpy as np

from adcore.core import Traced, getval, ndim_of, shape_of
from adcore.rules import declare
from adcore.rules import elementwise as ew
from adcore.rules import reductions as red
from adcore.rules import shape as sh
from adcore.rules.spectral import svdvals


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


__all__ = ["norm", "vector_norm_over"]
