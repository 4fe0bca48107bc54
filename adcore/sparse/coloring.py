"""Graph colorings that let one pass compute many Jacobian columns (rows) at once.

* column coloring: columns that share no row get one color; one forward
  direction per color (the sum of its columns' unit vectors) recovers them
  all, since each row sees at most one column of each color.  This is a
  distance-1 coloring of the column intersection graph (columns adjacent
  when they share a row).  Row coloring is the same on the transpose.
* star coloring (symmetric Hessians): a distance-1 coloring in which every
  path on four vertices uses at least three colors.  Each H[i, j] can then
  be read either from the compressed column of color(j) at row i or, by
  symmetry, of color(i) at row j (Gebremedhin, Manne & Pothen 2005).
  A symmetric arrowhead needs 2 colors where column coloring needs n.
* bicoloring (both directions): some rows are recovered by reverse passes
  (a row coloring of those rows), the remaining entries by forward passes (a
  column coloring of the other rows); or the same with the roles of rows and
  columns swapped.  The split is chosen by trying the densest rows (columns)
  first.  An arrowhead with a dense row and a dense column needs 3 passes
  where either one-sided coloring needs n.

Greedy coloring gives each vertex, in a chosen order, the smallest color
none of its colored neighbours has.  Orders: ``"largest_first"`` (by
degree), ``"smallest_last"`` (repeatedly remove a vertex of least degree;
color in reverse removal order), ``"natural"``.
"""

from collections import namedtuple

import numpy as np
import scipy.sparse as sp

ORDERS = ("largest_first", "smallest_last", "natural")

Bicoloring = namedtuple("Bicoloring", "row_colors col_colors by_reverse n_row n_col")
Bicoloring.__doc__ = """A two-sided coloring.

row_colors  (m,) color of each row for the reverse passes, -1 for rows not seeded
col_colors  (n,) color of each column for the forward passes, -1 for columns not seeded
by_reverse  boolean per stored entry of the (CSR, sorted) pattern: read from a reverse pass
n_row, n_col  numbers of reverse and forward passes
"""


def as_pattern(pattern):
    """A boolean CSR array with sorted indices (any scipy.sparse or dense input)."""
    if isinstance(pattern, sp.csr_array) and pattern.dtype == bool and pattern.has_sorted_indices:
        if pattern.data.all():  # already canonical: no copy
            return pattern
    out = sp.csr_array(pattern, dtype=bool)
    out.eliminate_zeros()
    out.sort_indices()
    return out


def _adjacency(graph):
    """Python lists (indptr, indices) of a symmetric boolean matrix, diagonal dropped."""
    graph = sp.csr_array(graph)
    graph.sort_indices()
    n = graph.shape[0]
    rows = np.repeat(np.arange(n), np.diff(graph.indptr))
    off = graph.indices != rows
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows[off], minlength=n))])
    return indptr.tolist(), graph.indices[off].tolist()


def _order(indptr, indices, order):
    n = len(indptr) - 1
    degree = np.diff(np.asarray(indptr))
    if order == "natural":
        return list(range(n))
    if order == "largest_first":
        return np.argsort(-degree, kind="stable").tolist()
    if order == "smallest_last":
        return _smallest_last(indptr, indices, degree.tolist())
    raise ValueError(f"coloring: order={order!r}; choose one of {', '.join(ORDERS)}")


def _smallest_last(indptr, indices, degree):
    n = len(degree)
    buckets = [set() for _ in range(max(degree, default=0) + 1)]
    for v, d in enumerate(degree):
        buckets[d].add(v)
    removed = [False] * n
    out = []
    low = 0
    for _ in range(n):
        while not buckets[low]:
            low += 1
        v = buckets[low].pop()
        removed[v] = True
        out.append(v)
        for k in range(indptr[v], indptr[v + 1]):
            w = indices[k]
            if not removed[w]:
                buckets[degree[w]].discard(w)
                degree[w] -= 1
                buckets[degree[w]].add(w)
        low = max(low - 1, 0)
    return out[::-1]


def greedy_coloring(graph, order="largest_first"):
    """Distance-1 coloring of the graph with (symmetric) adjacency matrix ``graph``."""
    indptr, indices = _adjacency(graph)
    n = len(indptr) - 1
    color = [-1] * n
    mark = [-1] * (n + 2)  # mark[-1] soaks up the uncolored neighbours' color -1
    for v in _order(indptr, indices, order):
        for w in indices[indptr[v] : indptr[v + 1]]:
            mark[color[w]] = v
        c = 0
        while mark[c] == v:
            c += 1
        color[v] = c
    return np.asarray(color, dtype=np.int64)


def column_coloring(pattern, order="largest_first"):
    """Colors of the columns: no two columns of one color share a row."""
    pattern = as_pattern(pattern)
    m, n = pattern.shape
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if order == "smallest_last":  # needs the graph itself
        p8 = pattern.astype(np.int8)
        return greedy_coloring(p8.T @ p8, order)
    csc = sp.csc_array(pattern)
    arrays = (
        csc.indptr.astype(np.int64, copy=False),
        csc.indices.astype(np.int64, copy=False),
        pattern.indptr.astype(np.int64, copy=False),
        pattern.indices.astype(np.int64, copy=False),
    )
    if order == "natural":
        sequence = np.arange(n, dtype=np.int64)
    elif order == "largest_first":
        degree = LOOPS["column_degrees"](*arrays)
        sequence = np.argsort(-degree, kind="stable")
    else:
        raise ValueError(f"coloring: order={order!r}; choose one of {', '.join(ORDERS)}")
    return LOOPS["greedy_columns"](*arrays, sequence)


def _column_degrees(col_ptr, col_rows, row_ptr, row_cols):
    """Per column, the other columns sharing a row with it (its degree in the column
    intersection graph), from the (P^T P) product."""
    n, m = col_ptr.size - 1, row_ptr.size - 1
    p8 = sp.csr_array((np.ones(row_cols.size, dtype=np.int8), row_cols, row_ptr), shape=(m, n))
    graph = sp.csr_array(p8.T @ p8)
    return np.diff(graph.indptr) - (np.diff(col_ptr) > 0)  # minus the diagonal


def _greedy_columns(col_ptr, col_rows, row_ptr, row_cols, sequence):
    """Greedy column colors in ``sequence`` order, without building the column graph:
    each row keeps a bitmask of the colors its columns took, and a column's forbidden
    colors are the OR of its rows' masks (a fraction of the work on stencils)."""
    col_ptr, col_rows = col_ptr.tolist(), col_rows.tolist()
    used = [0] * (row_ptr.size - 1)  # per row: bitmask of the colors taken by its columns
    color = [0] * (len(col_ptr) - 1)
    for j in sequence.tolist():
        rows = col_rows[col_ptr[j] : col_ptr[j + 1]]
        taken = 0
        for r in rows:
            taken |= used[r]
        c = (~taken & (taken + 1)).bit_length() - 1  # the lowest free color
        bit = 1 << c
        for r in rows:
            used[r] |= bit
        color[j] = c
    return np.asarray(color, dtype=np.int64)


def row_coloring(pattern, order="largest_first"):
    """Colors of the rows: no two rows of one color share a column."""
    return column_coloring(as_pattern(pattern).T, order)


def star_coloring(pattern, order="largest_first"):
    """Star coloring of a symmetric pattern (the Hessian's), greedy.

    For each vertex v in order, forbid: its colored neighbours' colors; the
    colors of vertices two steps away through an uncolored neighbour; and the
    color of x for each colored path v - w - x - y whose y has w's color (v
    taking x's color would make that path two-colored).  O(n d^3) for degree d.
    """
    pattern = as_pattern(pattern)
    pattern = pattern + pattern.T
    indptr, indices = _adjacency(pattern)
    sequence = np.asarray(_order(indptr, indices, order), dtype=np.int64)
    indptr = np.asarray(indptr, dtype=np.int64)
    indices = np.asarray(indices, dtype=np.int64)
    return LOOPS["star_colors"](indptr, indices, sequence)


def _star_colors(indptr, indices, sequence):
    """The greedy loop of ``star_coloring`` over the adjacency arrays (as lists: Python
    indexes those fastest)."""
    n = indptr.size - 1
    color, mark = [-1] * n, [-1] * (n + 1)
    star_loop(indptr.tolist(), indices.tolist(), sequence.tolist(), color, mark)
    return np.asarray(color, dtype=np.int64)


def star_loop(indptr, indices, sequence, color, mark):
    """Fill ``color`` (all -1) in ``sequence`` order; ``mark`` (n + 1 entries of -1) is
    scratch.  Plain indexing only, so adcore_jit compiles this same function."""
    for v in sequence:
        for k in range(indptr[v], indptr[v + 1]):
            w = indices[k]
            cw = color[w]
            if cw >= 0:
                mark[cw] = v
            for kk in range(indptr[w], indptr[w + 1]):
                x = indices[kk]
                cx = color[x]
                if x == v or cx < 0:
                    continue
                if cw < 0:
                    mark[cx] = v
                    continue
                for kkk in range(indptr[x], indptr[x + 1]):
                    y = indices[kkk]
                    if y != w and color[y] == cw:
                        mark[cx] = v
                        break
        c = 0
        while mark[c] == v:
            c += 1
        color[v] = c


# The sequential loops, by name: adcore_jit.enable() swaps in compiled ones with the
# same arguments and results (int64 index arrays in, int64 colors out).
LOOPS = {
    "column_degrees": _column_degrees,
    "greedy_columns": _greedy_columns,
    "star_colors": _star_colors,
}


def bicoloring(pattern, order="largest_first"):
    """Split the work between reverse passes (dense rows) and forward passes.

    Tries handing the k densest rows to reverse mode (a row coloring of those
    rows) and the rest to forward mode (a column coloring of the other rows),
    for k = 0, 1, 2, 4, ..., and the same with columns and rows swapped; keeps
    the split with the fewest passes.
    """
    pattern = as_pattern(pattern)
    best = None
    for side in ("rows", "cols"):
        m = pattern if side == "rows" else as_pattern(pattern.T)
        per_row = np.diff(m.indptr)
        dens = np.argsort(-per_row, kind="stable")
        for k in _splits(m.shape[0]):
            # forward colors >= the longest remaining row: skip splits that cannot win
            rest_longest = per_row[dens[k]] if k < m.shape[0] else 0
            if best is not None and rest_longest + (1 if k else 0) >= best[0]:
                continue
            split = np.zeros(m.shape[0], dtype=bool)
            split[dens[:k]] = True
            top = column_coloring(m[np.nonzero(split)[0]].T, order) if k else None
            rest = m[np.nonzero(~split)[0]]
            used = np.diff(sp.csc_array(rest).indptr) > 0
            cols = np.full(m.shape[1], -1, dtype=np.int64)
            if used.any():
                cols[used] = column_coloring(rest[:, np.nonzero(used)[0]], order)
            rows = np.full(m.shape[0], -1, dtype=np.int64)
            if k:
                rows[split] = top
            passes = (rows.max() + 1) + (cols.max() + 1)
            if best is None or passes < best[0]:
                best = (passes, side, rows, cols, split)
    _, side, rows, cols, split = best
    coo_rows = np.repeat(np.arange(pattern.shape[0]), np.diff(pattern.indptr))
    if side == "rows":
        return Bicoloring(rows, cols, split[coo_rows], int(rows.max() + 1), int(cols.max() + 1))
    # swapped: the densest columns go forward, the remaining entries reverse
    by_forward = split[pattern.indices]
    return Bicoloring(cols, rows, ~by_forward, int(cols.max() + 1), int(rows.max() + 1))


def _splits(m):
    """1, 2, 4, ... densest rows (up to half), then none (one-sided) last: by then a good
    split usually bounds it out."""
    k, out = 1, []
    while k <= m // 2:
        out.append(k)
        k *= 2
    return out + [0]


# ---- validity: what each decompression needs --------------------------------------------
def is_column_coloring(pattern, colors):
    """No row has two columns of the same color."""
    p = as_pattern(pattern)
    rows = np.repeat(np.arange(p.shape[0]), np.diff(p.indptr))
    keys = rows * (int(colors.max(initial=0)) + 1) + colors[p.indices]
    return np.unique(keys).size == keys.size


def star_recoverable(pattern, colors):
    """Every H[i, j] is the only entry of its color in row i, or H[j, i] in row j."""
    p = as_pattern(pattern + as_pattern(pattern).T)
    unique = _unique_in_row(p, colors)
    coo = p.tocoo()
    direct = unique[(coo.row, coo.col)]
    swapped = unique[(coo.col, coo.row)]
    return bool(np.all(np.asarray(direct).ravel() | np.asarray(swapped).ravel()))


def _unique_in_row(p, colors):
    """Boolean matrix: entry (i, j) is the only one of color(j) in row i."""
    rows = np.repeat(np.arange(p.shape[0]), np.diff(p.indptr))
    keys = rows * (int(colors.max(initial=0)) + 1) + colors[p.indices]
    _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    data = counts[inverse] == 1
    return sp.csr_array((data, p.indices, p.indptr), shape=p.shape).todense()


def is_bicoloring(pattern, bic):
    """Each entry read forward is alone in its row among seeded columns of its color,
    each entry read in reverse alone in its column among seeded rows of its color."""
    p = as_pattern(pattern)
    rows = np.repeat(np.arange(p.shape[0]), np.diff(p.indptr))
    cols = p.indices
    fwd, rev = ~bic.by_reverse, bic.by_reverse
    if np.any(bic.col_colors[cols[fwd]] < 0) or np.any(bic.row_colors[rows[rev]] < 0):
        return False
    seeded = bic.col_colors[cols] >= 0
    keys = rows[seeded] * (bic.n_col + 1) + bic.col_colors[cols[seeded]]
    _, inv, cnt = np.unique(keys, return_inverse=True, return_counts=True)
    alone_f = np.zeros(rows.size, dtype=bool)
    alone_f[np.nonzero(seeded)[0]] = cnt[inv] == 1
    seeded = bic.row_colors[rows] >= 0
    keys = cols[seeded] * (bic.n_row + 1) + bic.row_colors[rows[seeded]]
    _, inv, cnt = np.unique(keys, return_inverse=True, return_counts=True)
    alone_r = np.zeros(rows.size, dtype=bool)
    alone_r[np.nonzero(seeded)[0]] = cnt[inv] == 1
    return bool(np.all(alone_f[fwd]) and np.all(alone_r[rev]))
