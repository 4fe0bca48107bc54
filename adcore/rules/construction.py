"""Arrays built from traced values: linspace and full with traced ends or fill,
select (a chain of where) and nan_to_num (where on the finite entries).
"""

import numpy as np

from adcore.core import Traced, getval, shape_of
from adcore.rules import elementwise as ew
from adcore.rules import shape as sh


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    if not (isinstance(start, Traced) or isinstance(stop, Traced)):
        return np.linspace(start, stop, num, endpoint, retstep, dtype, axis)
    if retstep:
        raise NotImplementedError("linspace(retstep=True) on traced values is not supported")
    shape = np.broadcast_shapes(shape_of(start), shape_of(stop))
    dtype = np.result_type(getval(start), getval(stop), float(num)) if dtype is None else dtype
    t = np.linspace(0.0, 1.0, int(num), endpoint=endpoint, dtype=dtype)
    t = t.reshape((-1,) + (1,) * len(shape))
    out = start + (stop - start) * t
    if axis != 0:
        out = sh.moveaxis(out, 0, axis)
    return out


def full(shape, fill_value, dtype=None, order="C", **kwargs):
    if not isinstance(fill_value, Traced):
        return np.full(shape, fill_value, dtype=dtype, order=order, **kwargs)
    shape = (int(shape),) if np.ndim(shape) == 0 else tuple(int(s) for s in shape)
    out = sh.broadcast_to(fill_value, shape)
    return out if dtype is None else sh.astype(out, np.dtype(dtype))


def select(condlist, choicelist, default=0):
    """The first choice whose condition holds, entrywise (a chain of ``where``)."""
    condlist, choicelist = list(condlist), list(choicelist)
    if len(condlist) != len(choicelist):
        raise ValueError("select: list of cases must be same length as list of conditions")
    out = default
    for cond, choice in reversed(list(zip(condlist, choicelist))):
        out = ew.where(np.asarray(getval(cond), dtype=bool), choice, out)
    return out


def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    xv = np.asarray(getval(x))
    if not isinstance(x, Traced):
        return np.nan_to_num(xv, copy=copy, nan=nan, posinf=posinf, neginf=neginf)
    fixed = np.nan_to_num(xv, nan=nan, posinf=posinf, neginf=neginf)
    return ew.where(np.isfinite(xv), x, fixed)


__all__ = [
    "full",
    "linspace",
    "nan_to_num",
    "select",
]
