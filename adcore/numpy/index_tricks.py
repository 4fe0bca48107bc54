"""``r_`` and ``c_``: numpy's concatenation shorthands, on traced values too.

numpy's own ``np.r_[x, y]`` converts every item with ``np.array`` (which a
traced value refuses), so adcore has its own: items are upgraded to arrays the
way numpy does it (scalars and slices become 1-d constants, ``ndmin`` pads the
shape, ``c_`` turns 1-d items into columns) and joined with the differentiable
``concatenate``.  With no traced item the result is numpy's exactly.
"""

import numpy as np

from adcore.core import Traced, ndim_of, shape_of
from adcore.numpy import concatenate, reshape, transpose


def _directive(text, axis, ndmin, trans1d, name):
    if text in ("r", "c"):
        raise NotImplementedError(
            f"adcore.numpy.{name}: the matrix directives 'r'/'c' are not supported"
        )
    try:
        values = [int(v) for v in text.split(",")]
    except ValueError:
        raise ValueError(f"adcore.numpy.{name}: unknown special directive {text!r}") from None
    values += [axis, ndmin, trans1d][len(values) :]
    return values[:3]


def _upgrade(item, ndmin, trans1d):
    """``np.array(item, ndmin=ndmin)``, then numpy's ``trans1d`` move of the original axes."""
    nd = ndim_of(item)
    if nd >= ndmin:
        return item
    shape = shape_of(item)
    out = reshape(item, (1,) * (ndmin - nd) + tuple(shape))
    if trans1d != -1:
        k2 = ndmin - nd
        k1 = trans1d + k2 + 1 if trans1d < 0 else trans1d
        axes = list(range(ndmin))
        out = transpose(out, axes[:k1] + axes[k2:] + axes[k1:k2])
    return out


class AxisConcatenator:
    """``obj[a, b, ...]`` concatenates its items along ``axis`` (numpy's ``r_``/``c_`` rules)."""

    def __init__(self, name, axis=0, ndmin=1, trans1d=-1):
        self.name, self.axis, self.ndmin, self.trans1d = name, axis, ndmin, trans1d
        self._numpy = getattr(np, name)

    def __getitem__(self, key):
        key = key if isinstance(key, tuple) else (key,)
        if not any(isinstance(k, Traced) for k in key):
            return self._numpy[key]
        axis, ndmin, trans1d = self.axis, self.ndmin, self.trans1d
        pieces = []
        for k, item in enumerate(key):
            if isinstance(item, str):
                if k:
                    raise ValueError(
                        f"adcore.numpy.{self.name}: a string directive must come first"
                    )
                axis, ndmin, trans1d = _directive(item, axis, ndmin, trans1d, self.name)
                continue
            if isinstance(item, slice):
                item = np.r_[item]  # a constant range (arange, or linspace for a complex step)
            elif not isinstance(item, Traced):
                item = np.asarray(item)
            if ndim_of(item) == 0:
                item = reshape(item, (1,))
            pieces.append(_upgrade(item, ndmin, trans1d))
        return concatenate(pieces, axis=axis)

    def __len__(self):
        return 0


r_ = AxisConcatenator("r_")
c_ = AxisConcatenator("c_", axis=-1, ndmin=2, trans1d=0)

__all__ = ["AxisConcatenator", "c_", "r_"]
