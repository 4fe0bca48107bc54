"""Local patterns: which input elements each output element of one primitive call reads.

A local pattern for argument j is a boolean matrix ``P`` of shape
(output size, size of argument j); the detector turns it into dependency
sets with ``D_out = P @ D_j`` (boolean).  Two markers save building ``P``:

* ``IDENTITY``: output element k reads element k of the argument (same shape);
* ``DENSE``: every output element may read every element of the argument
  (the safe answer when nothing better is known);
* ``Gather(src, n_in)``: output element k reads argument element ``src[k]``
  only (-1: nothing), the shape of broadcasting and indexing.

The builders here are the vocabulary the family rules (``rules.py``) are
written in: broadcasting maps, gathers, reductions over axes, labelled
contractions (einsum-style: an output element reads the input elements that
agree with it on the shared labels).
"""

import math

import numpy as np
import scipy.sparse as sp

IDENTITY = "identity"
DENSE = "dense"

# a labelled contraction enumerates its (output, input) pairs; above this many
# the pattern is declared dense instead (the memory would be the problem)
MAX_PAIRS = 20_000_000


class Gather:
    """Output element k reads argument element ``src[k]`` (-1: reads nothing)."""

    __slots__ = ("src", "n_in")

    def __init__(self, src, n_in):
        self.src = np.asarray(src, dtype=np.int64).ravel()
        self.n_in = int(n_in)

    def tocsr(self):
        """The same pattern as an explicit boolean matrix (output size x n_in)."""
        rows = np.nonzero(self.src >= 0)[0]
        return selection(rows, self.src[rows], (self.src.size, self.n_in))


def selection(rows, cols, shape):
    """The boolean matrix with ones at (rows[k], cols[k])."""
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    data = np.ones(rows.shape, dtype=bool)
    out = sp.csr_array((data, (rows, cols)), shape=shape)
    out.sum_duplicates()
    return out


def size_of(shape):
    """The number of elements of ``shape`` (1 for a scalar), as a Python int."""
    return math.prod(int(d) for d in shape)


def broadcast_map(in_shape, out_shape, keep=None):
    """Output element -> the element of a broadcast argument it reads.

    ``keep`` (an output-shaped boolean mask) drops the rows whose dependency is
    known to vanish, e.g. where a constant factor is zero.
    """
    in_shape, out_shape = tuple(in_shape), tuple(out_shape)
    if in_shape == out_shape and keep is None:
        return IDENTITY
    n_in = size_of(in_shape)
    src = np.broadcast_to(np.arange(n_in).reshape(in_shape), out_shape).ravel()
    if keep is not None:
        keep = np.broadcast_to(np.asarray(keep, dtype=bool), out_shape).ravel()
        src = np.where(keep, src, -1)
    return Gather(src, n_in)


def gather_map(src, n_in):
    """Output element k reads argument element ``src[k]`` (-1: reads nothing)."""
    return Gather(src, n_in)


def reduction_map(in_shape, axes):
    """Each input element feeds the output element of its slice (axes reduced)."""
    in_shape = tuple(in_shape)
    kept = tuple(1 if k - len(in_shape) in axes else d for k, d in enumerate(in_shape))
    n_out = size_of(kept)
    owner = np.broadcast_to(np.arange(n_out).reshape(kept), in_shape).ravel()
    return selection(owner, np.arange(owner.size), (n_out, owner.size))


def along_axis_map(shape, axis, lower_only=False):
    """Within each slice along ``axis``, every element reads every element of the
    slice (softmax), or only those at or before it (``lower_only``: cumsum)."""
    shape = tuple(shape)
    n = size_of(shape)
    if not shape:
        return IDENTITY
    length = shape[axis]
    idx = np.moveaxis(np.arange(n).reshape(shape), axis, -1).reshape(-1, length)
    rows = np.repeat(idx, length, axis=1).reshape(-1, length, length)
    cols = np.broadcast_to(idx[:, None, :], rows.shape)
    if lower_only:
        tri = np.tril(np.ones((length, length), dtype=bool))
        rows, cols = rows[:, tri], cols[:, tri]
    return selection(rows.ravel(), cols.ravel(), (n, n))


def labelled_map(out_labels, out_shape, in_labels, in_shape, masks=()):
    """Pattern of an einsum-like map: output element o reads input element i when
    they agree on every label they share.

    Labels are one character per axis.  An input axis of size 1 under a longer
    label is broadcast (it always reads index 0).  ``masks`` are
    ``(labels, boolean array)`` pairs restricting the pairs further: the
    nonzeros of constant operands, contracted over labels of their own.
    """
    out_shape, in_shape = tuple(out_shape), tuple(in_shape)
    sizes = {}
    for lab, d in list(zip(out_labels, out_shape)) + list(zip(in_labels, in_shape)):
        sizes[lab] = max(sizes.get(lab, 1), int(d))
    labels = sorted(sizes)
    pairs = size_of([sizes[lab] for lab in labels])
    n_out, n_in = size_of(out_shape), size_of(in_shape)
    if pairs > MAX_PAIRS:
        return DENSE
    grid = np.indices([sizes[lab] for lab in labels]).reshape(len(labels), -1)
    at = {lab: grid[k] for k, lab in enumerate(labels)}
    keep = None
    for mask_labels, mask in masks:
        mask = _contract_mask(mask_labels, mask, set(labels))
        own = [lab for lab in mask_labels if lab in sizes]
        own = sorted(set(own), key=own.index)
        coords = tuple(at[lab] if mask.shape[k] > 1 else 0 for k, lab in enumerate(own))
        hit = mask[coords] if coords else np.broadcast_to(mask, grid.shape[1:])
        keep = hit if keep is None else keep & hit
    out_flat = _flat(out_labels, out_shape, at, grid.shape[1])
    in_flat = _flat(in_labels, in_shape, at, grid.shape[1])
    if keep is not None:
        out_flat, in_flat = out_flat[keep], in_flat[keep]
    return selection(out_flat, in_flat, (n_out, n_in))


def _flat(labels, shape, at, count):
    if not shape:
        return np.zeros(count, dtype=np.int64)
    pinned = np.zeros(count, dtype=np.int64)  # a broadcast axis of size 1 reads index 0
    coords = tuple(at[lab] if d > 1 else pinned for lab, d in zip(labels, shape))
    return np.ravel_multi_index(coords, shape)


def _contract_mask(mask_labels, mask, keep_labels):
    """Where a constant operand is nonzero, as a boolean over its labels kept in the
    grid (labels only it carries are contracted: nonzero somewhere along them).
    Repeated labels (a diagonal) are taken on their diagonal."""
    mask = np.asarray(mask) != 0
    own = sorted(set(mask_labels), key=mask_labels.index)
    kept = "".join(lab for lab in own if lab in keep_labels)
    if kept == mask_labels:
        return mask
    out = np.einsum(f"{mask_labels}->{kept}", mask.astype(np.float64))
    return out != 0
