"""Compiled loops for the greedy colorings of ``adcore.sparse.coloring``.

Greedy coloring is sequential (each vertex takes the smallest color its
already-colored neighbours leave free), so numpy cannot vectorize it and the
pure-Python loop costs about a microsecond per column: most of a from-scratch
``sparse_jacobian`` on a 2048-column stencil.  These kernels are the same
algorithms over the CSR/CSC index arrays (the star coloring's is adcore's own
loop, compiled) and give the same colors, vertex for vertex
(``tests/test_jit_coloring.py`` checks that on random patterns).  Importing
this module needs scipy (``adcore.sparse``'s dependency).
``adcore_jit.enable()`` swaps them into ``adcore.sparse.coloring.LOOPS``.
"""

import numpy as np
from numba import njit

from adcore.sparse.coloring import star_loop


@njit(cache=True)
def column_degrees(col_ptr, col_rows, row_ptr, row_cols):
    """Per column: how many other columns share a row with it (the degree in the column
    intersection graph), counted once each."""
    n = col_ptr.size - 1
    mark = np.full(n, -1, dtype=np.int64)
    degree = np.zeros(n, dtype=np.int64)
    for j in range(n):
        mark[j] = j  # not its own neighbour
        count = 0
        for a in range(col_ptr[j], col_ptr[j + 1]):
            r = col_rows[a]
            for b in range(row_ptr[r], row_ptr[r + 1]):
                k = row_cols[b]
                if mark[k] != j:
                    mark[k] = j
                    count += 1
        degree[j] = count
    return degree


@njit(cache=True)
def greedy_columns(col_ptr, col_rows, row_ptr, row_cols, sequence):
    """Colors of the columns, in ``sequence`` order: the smallest color no column
    sharing a row already has."""
    n = col_ptr.size - 1
    color = np.full(n, -1, dtype=np.int64)
    forbidden = np.full(n + 1, -1, dtype=np.int64)  # forbidden[c] == j: c is taken near j
    for j in sequence:
        for a in range(col_ptr[j], col_ptr[j + 1]):
            r = col_rows[a]
            for b in range(row_ptr[r], row_ptr[r + 1]):
                c = color[row_cols[b]]
                if c >= 0:
                    forbidden[c] = j
        c = 0
        while forbidden[c] == j:
            c += 1
        color[j] = c
    return color


_star_loop = njit(cache=True)(star_loop)  # adcore's own loop, compiled


def star_colors(indptr, indices, sequence):
    """The greedy star coloring of ``adcore.sparse.coloring.star_coloring``, over the
    adjacency (diagonal dropped) of a symmetric pattern: adcore's loop, compiled."""
    n = indptr.size - 1
    color = np.full(n, -1, dtype=np.int64)
    _star_loop(indptr, indices, sequence, color, np.full(n + 1, -1, dtype=np.int64))
    return color


def loops():
    """``{name: kernel}`` for ``adcore.sparse.coloring.LOOPS``."""
    return {
        "column_degrees": column_degrees,
        "greedy_columns": greedy_columns,
        "star_colors": star_colors,
    }


def warm_up():
    """Compile (or load) the kernels on a small pattern; returns how many."""
    ptr = np.array([0, 2, 3], dtype=np.int64)
    idx = np.array([0, 1, 0], dtype=np.int64)
    seq = np.array([1, 0], dtype=np.int64)
    column_degrees(ptr, idx, ptr, idx)
    greedy_columns(ptr, idx, ptr, idx, seq)
    star_colors(np.array([0, 1, 2], dtype=np.int64), np.array([1, 0], dtype=np.int64), seq)
    return 3
