"""Dependency sets: per element of a traced value, the input indices it depends on.

Stored like a CSR boolean matrix (rows = elements, columns = the n inputs,
sorted column indices per row) but as two bare numpy arrays: a trace makes
one of these per primitive call, and scipy's constructors cost more than the
arithmetic at the sizes detection sees.  Every operation reduces to keys
``row * n + column``: build them, sort (stable, which is near linear on
the already-sorted runs that concatenation produces), drop repeats.
"""

import numpy as np
import scipy.sparse as sp


class Sets:
    """``width``: the number of inputs every row depends on when that is the same for
    all rows (stencils, elementwise maps), else None; such sets skip the bookkeeping."""

    __slots__ = ("indptr", "indices", "n", "width", "_keys")

    def __init__(self, indptr, indices, n, width=None, keys=None):
        self.indptr = indptr
        self.indices = indices
        self.n = n
        self.width = width
        self._keys = keys  # row * n + column, kept when known (unions reuse them)

    @property
    def rows(self):
        """The number of elements (rows) the sets describe."""
        return self.indptr.size - 1

    @classmethod
    def identity_block(cls, size, start, n):
        """Elements of an input leaf at ``start`` of the flattened inputs: {start + k}."""
        return cls(np.arange(size + 1, dtype=np.int64), np.arange(start, start + size), n, 1)

    @classmethod
    def empty(cls, rows, n):
        """``rows`` elements depending on nothing (constants)."""
        return cls(np.zeros(rows + 1, dtype=np.int64), np.zeros(0, dtype=np.int64), n)

    @classmethod
    def from_keys(cls, keys, rows, n):
        """From sorted, distinct keys row * n + column."""
        r = keys // n
        lengths = np.bincount(r, minlength=rows)
        indptr = np.zeros(rows + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        width = int(lengths[0]) if rows and lengths.min() == lengths.max() else None
        return cls(indptr, keys - r * n, n, width, keys)

    def lengths(self):
        """Per row, how many inputs it depends on."""
        return self.indptr[1:] - self.indptr[:-1]

    def row_ids(self):
        """The row of each stored column index (COO rows), aligned with ``indices``."""
        if self.width is not None:
            return np.arange(self.rows, dtype=np.int64).repeat(self.width)
        return np.repeat(np.arange(self.rows, dtype=np.int64), self.lengths())

    def keys(self):
        """The entries as sorted keys ``row * n + column``, computed once and kept."""
        if self._keys is None:
            self._keys = self.row_ids() * self.n + self.indices
        return self._keys

    def take(self, src):
        """Row k of the result is row ``src[k]`` (empty where src[k] < 0)."""
        src = np.asarray(src, dtype=np.int64)
        w = self.width
        if w is not None and (src.size == 0 or src.min() >= 0):
            indptr = np.arange(0, (src.size + 1) * w, w, dtype=np.int64)
            return Sets(indptr, self.indices.reshape(-1, w)[src].ravel(), self.n, w)
        valid = src >= 0
        safe = np.where(valid, src, 0)
        lengths = np.where(valid, self.lengths()[safe], 0)
        indptr = np.zeros(src.size + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        starts = np.repeat(self.indptr[safe] - indptr[:-1], lengths)
        return Sets(indptr, self.indices[starts + np.arange(indptr[-1])], self.n)

    def through(self, local):
        """Row r of the result: the union of rows c with local[r, c] (a scipy matrix)."""
        local = sp.csr_array(local)
        per_row = local.indptr[1:] - local.indptr[:-1]
        if per_row.max(initial=0) <= 1:  # a gather: no unions to form
            src = np.full(local.shape[0], -1, dtype=np.int64)
            src[per_row == 1] = local.indices
            return self.take(src)
        target = np.repeat(np.arange(local.shape[0], dtype=np.int64), per_row)
        pieces = self.take(local.indices)
        keys = np.repeat(target, pieces.lengths()) * self.n + pieces.indices
        return Sets.from_keys(_distinct(keys), local.shape[0], self.n)

    @classmethod
    def stack(cls, parts):
        """The rows of every part, one after another (parts over the same n inputs)."""
        widths = {p.width for p in parts}
        width = widths.pop() if len(widths) == 1 else None
        starts = np.cumsum([0] + [p.indices.size for p in parts[:-1]])
        indptr = np.concatenate(
            [parts[0].indptr[:1]] + [p.indptr[1:] + a for p, a in zip(parts, starts)]
        )
        return cls(indptr, np.concatenate([p.indices for p in parts]), parts[0].n, width)

    def everything(self, rows):
        """Every one of ``rows`` rows depends on everything any row here depends on."""
        cols = np.unique(self.indices)
        indptr = np.arange(rows + 1, dtype=np.int64) * cols.size
        return Sets(indptr, np.tile(cols, rows), self.n, cols.size)

    def to_scipy(self):
        """The sets as a boolean ``csr_array`` (rows x n)."""
        data = np.ones(self.indices.size, dtype=bool)
        return sp.csr_array((data, self.indices, self.indptr), shape=(self.rows, self.n))


def union(parts, rows, n):
    """Row-wise union of same-shaped sets."""
    distinct = []
    for p in parts:  # x * x: one set seen twice
        if p.indices.size and all(p is not q for q in distinct):
            distinct.append(p)
    if not distinct:
        return Sets.empty(rows, n)
    if len(distinct) == 1:
        return distinct[0]
    keys = np.concatenate([p.keys() for p in distinct])
    return Sets.from_keys(_distinct(keys), rows, n)


def _distinct(keys):
    keys = np.sort(keys, kind="stable")
    if keys.size:
        keep = np.empty(keys.size, dtype=bool)
        keep[0] = True
        np.not_equal(keys[1:], keys[:-1], out=keep[1:])
        keys = keys[keep]
    return keys
