"""Statistics: average, quantile/percentile/median (a blend of order
statistics), ptp, cov and corrcoef, as composites of reductions and gathers.
"""

import numpy as np

from adcore.core import getval, ndim_of, shape_of
from adcore.rules import declare
from adcore.rules import elementwise as ew
from adcore.rules import reductions as red
from adcore.rules import shape as sh
from adcore.rules.diagonals import diagonal
from adcore.rules.gathering import sort, take
from adcore.rules.joining import atleast_2d


# ---- statistics and construction --------------------------------------------------------
def average(a, axis=None, weights=None, returned=False, *, keepdims=False):
    if weights is None:
        avg = red.mean(a, axis=axis, keepdims=keepdims)
        if returned:
            count = np.broadcast_to(
                np.asarray(getval(a)).size / np.asarray(getval(avg)).size, shape_of(avg)
            )
            return avg, np.array(count, dtype=np.result_type(getval(avg)))
        return avg
    ws = shape_of(weights)
    if ws != shape_of(a):
        if axis is None or len(ws) != 1:
            raise TypeError("average: 1-d weights need an axis; otherwise shapes must match")
        ax = declare.axis_index(axis, ndim_of(a))
        shape = [1] * ndim_of(a)
        shape[ax] = ws[0]
        weights = sh.reshape(weights, tuple(shape))
    total = red.sum(ew.multiply(weights, a), axis=axis, keepdims=keepdims)
    norm = red.sum(sh.broadcast_to(weights, shape_of(a)), axis=axis, keepdims=keepdims)
    avg = total / norm
    return (avg, norm) if returned else avg


def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False):
    """numpy.quantile with the default 'linear' method: a blend of two order
    statistics, so the gradient goes to the (one or two) entries it picks."""
    declare.no_out("quantile", out)
    if method != "linear":
        raise NotImplementedError(f"quantile(method={method!r}): only 'linear' is supported")
    nd = ndim_of(a)
    axes = tuple(range(nd)) if axis is None else tuple(a_ % nd for a_ in declare.neg_axes(axis, nd))
    kept = [d for d in range(nd) if d not in axes]
    x = sh.transpose(a, tuple(kept) + axes)  # reduced axes last, then flattened
    lead = tuple(shape_of(a)[d] for d in kept)
    n = int(np.prod([shape_of(a)[d] for d in axes], dtype=np.int64))
    x = sh.reshape(x, lead + (n,))
    x = sort(x, axis=-1)
    qs = np.asarray(getval(q), dtype=np.float64)
    if np.any((qs < 0) | (qs > 1)):
        raise ValueError("Quantiles must be in the range [0, 1]")
    pos = qs * (n - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, n - 1)
    frac = (pos - lo).astype(np.result_type(getval(x)))
    res = take(x, lo, axis=-1) * (1.0 - frac) + take(x, hi, axis=-1) * frac
    if qs.ndim:  # numpy puts the quantile axes first
        res = sh.moveaxis(res, tuple(range(len(lead), len(lead) + qs.ndim)), tuple(range(qs.ndim)))
    if keepdims:
        res = sh.reshape(
            res, qs.shape + tuple(1 if d in axes else shape_of(a)[d] for d in range(nd))
        )
    return res


def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False):
    return quantile(a, np.asarray(q) / 100.0, axis, out, overwrite_input, method, keepdims)


def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    return quantile(a, 0.5, axis, out, overwrite_input, keepdims=keepdims)


def ptp(a, axis=None, out=None, keepdims=False):
    declare.no_out("ptp", out)
    return red.max(a, axis=axis, keepdims=keepdims) - red.min(a, axis=axis, keepdims=keepdims)


def cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, *, dtype=None):
    if fweights is not None or aweights is not None:
        raise NotImplementedError("cov: fweights/aweights are not supported")
    x = atleast_2d(m)
    if not rowvar and shape_of(x)[0] != 1:
        x = sh.transpose(x, None)
    if y is not None:
        y = atleast_2d(y)
        if not rowvar and shape_of(y)[0] != 1:
            y = sh.transpose(y, None)
        x = sh.concatenate([x, y], axis=0)
    if ddof is None:
        ddof = 0 if bias else 1
    n = shape_of(x)[1]
    centered = x - red.mean(x, axis=1, keepdims=True)
    other = ew.conj(centered) if np.iscomplexobj(getval(centered)) else centered
    c = (centered @ sh.transpose(other, None)) / float(n - ddof)
    return sh.squeeze(c)


def corrcoef(x, y=None, rowvar=True, *, dtype=None):
    c = cov(x, y, rowvar)
    if ndim_of(c) == 0:
        return c / c
    d = ew.sqrt(ew.real(diagonal(c)))  # the variances: real (numpy's d.real for complex)
    return c / sh.expand_dims(d, -1) / sh.expand_dims(d, 0)


__all__ = [
    "average",
    "corrcoef",
    "cov",
    "median",
    "percentile",
    "ptp",
    "quantile",
]
