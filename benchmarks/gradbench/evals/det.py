"""det: the determinant by expansion by minors, and its gradient, by reverse mode.

The expansion runs along rows from the bottom up: the minor on the last k rows and a
k-subset S of the columns is

    M(S) = sum_{p, j = S[p]} (-1)^p A[n - k, j] M(S without j)

and det A = M(all columns).  Each minor is computed once per subset and all subsets of a
size at once (whole-array gathers), so the n! products of the recursive expansion
collapse to n 2^n; the sums are the same expansion's.  Only the index tables
(which columns, which sub-minor) depend on ell; they are built once per ell.
"""

from functools import lru_cache
from itertools import combinations

import numpy as np

import adcore
import adcore.numpy as anp

from ..protocol import Function


@lru_cache(maxsize=None)
def minor_tables(ell: int):
    """Per level k = 2..ell: (columns[S, p], sub-minor index[S, p], sign[p])."""
    index = {(j,): j for j in range(ell)}
    tables = []
    for k in range(2, ell + 1):
        subsets = list(combinations(range(ell), k))
        columns = np.array(subsets)
        children = np.array(
            [[index[s[:p] + s[p + 1 :]] for p in range(k)] for s in subsets], dtype=np.intp
        )
        signs = np.where(np.arange(k) % 2 == 0, 1.0, -1.0)
        tables.append((columns, children, signs))
        index = {s: i for i, s in enumerate(subsets)}
    return tables


def determinant(flat_a, ell: int):
    a = anp.reshape(flat_a, (ell, ell))
    minors = a[ell - 1]  # 1x1 minors of the last row
    for k, (columns, children, signs) in enumerate(minor_tables(ell), start=2):
        row = a[ell - k]
        minors = anp.sum(signs * row[columns] * minors[children], axis=1)
    return minors[0]


def _prepare(raw):
    return np.asarray(raw["A"], dtype=np.float64), int(raw["ell"])


FUNCTIONS = {
    "primal": Function(
        run=lambda a: determinant(*a), prepare=_prepare, to_json=float, mode="primal"
    ),
    "gradient": Function(
        run=lambda a: adcore.grad(determinant)(*a),
        prepare=_prepare,
        to_json=np.ndarray.tolist,
        mode="reverse",
    ),
}
