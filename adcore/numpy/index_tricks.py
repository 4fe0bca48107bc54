"""``anp.r_`` and ``anp.c_``: numpy's concatenation shorthands on traced values.

``anp.r_[x, 0.0, y[:2]]`` joins along the first axis, ``anp.c_[a, b]`` along the
last with 1-d pieces as columns, and a leading directive string
(``anp.r_["0,2,1", ...]``: axis, minimum ndim, where a 1-d piece's axis goes)
works as in numpy.  Slices (``r_[0:1:5j]``) are numpy's ranges, constants.
Without a traced piece the call is numpy's own (matrix directives included).
"""

import numpy as np

from adcore.core import Traced, ndim_of, shape_of
from adcore.numpy.functions import _holds_traced, array
from adcore.rules import shape as sh


def _promote(x, ndmin, trans1d):
    """numpy's ``array(x, ndmin=ndmin)`` plus r_'s placement of the original axes."""
    nd = ndim_of(x)
    if nd >= ndmin:
        return x
    x = sh.reshape(x, (1,) * (ndmin - nd) + shape_of(x))
    if trans1d != -1:
        k2 = ndmin - nd
        k1 = trans1d + k2 + 1 if trans1d < 0 else trans1d
        axes = list(range(ndmin))
        x = sh.transpose(x, tuple(axes[:k1] + axes[k2:] + axes[k1:k2]))
    return x


class _Concatenator:
    def __init__(self, plain, axis, ndmin, trans1d):
        self.plain, self.axis, self.ndmin, self.trans1d = plain, axis, ndmin, trans1d

    def __getitem__(self, key):
        items = key if isinstance(key, tuple) else (key,)
        traced = [
            isinstance(k, Traced) or (isinstance(k, list) and _holds_traced(k)) for k in items
        ]
        if not any(traced):
            return self.plain[key]
        axis, ndmin, trans1d = self.axis, self.ndmin, self.trans1d
        if isinstance(items[0], str):
            directive, items = items[0], items[1:]
            if directive in ("r", "c"):
                raise NotImplementedError(
                    f"adcore.numpy.r_/c_: the matrix directive {directive!r} on traced values"
                )
            try:
                parts = [int(p) for p in directive.split(",")]
            except ValueError:
                raise ValueError(
                    f"adcore.numpy.r_/c_: unknown directive {directive!r} (expected "
                    "'axis[,ndmin[,trans1d]]' integers, or numpy's 'r'/'c')"
                ) from None
            axis = parts[0]
            ndmin = parts[1] if len(parts) > 1 else ndmin
            trans1d = parts[2] if len(parts) > 2 else trans1d
        pieces = []
        for item in items:
            if isinstance(item, slice):
                item = np.r_[item]
            elif isinstance(item, str):
                raise ValueError("adcore.numpy.r_/c_: a directive string must come first")
            piece = array(item) if isinstance(item, list) else item
            if not isinstance(piece, Traced):
                piece = np.asarray(piece)
            # a scalar is one entry (numpy's r_ makes it 1-d whatever ndmin says)
            pieces.append(_promote(piece, max(ndmin, 1), trans1d))
        return sh.concatenate(pieces, axis=axis)

    def __len__(self):
        return 0


r_ = _Concatenator(np.r_, 0, 1, -1)
c_ = _Concatenator(np.c_, -1, 2, 0)

__all__ = ["c_", "r_"]
