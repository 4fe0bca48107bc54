"""Colorings: validity on random patterns (hypothesis) and known color counts."""

import numpy as np
import pytest

sp = pytest.importorskip("scipy.sparse")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from adcore.sparse import coloring as col  # noqa: E402


def band(n, lower, upper):
    rows, cols = np.nonzero(np.tri(n, n, upper, dtype=bool) & ~np.tri(n, n, -lower - 1, dtype=bool))
    return sp.csr_array((np.ones(rows.size, dtype=bool), (rows, cols)), shape=(n, n))


def arrowhead(n):
    a = np.eye(n, dtype=bool)
    a[0, :] = a[:, 0] = True
    return sp.csr_array(a)


@st.composite
def patterns(draw, square=False):
    m = draw(st.integers(1, 25))
    n = m if square else draw(st.integers(1, 25))
    density = draw(st.floats(0.02, 0.6))
    seed = draw(st.integers(0, 2**31 - 1))
    dense = np.random.default_rng(seed).random((m, n)) < density
    return sp.csr_array(dense)


SETTINGS = settings(max_examples=60, deadline=None, derandomize=True)


@pytest.mark.parametrize("order", col.ORDERS)
@SETTINGS
@given(p=patterns())
def test_column_and_row_colorings_are_valid(order, p):
    colors = col.column_coloring(p, order)
    assert colors.shape == (p.shape[1],)
    assert col.is_column_coloring(p, colors), "two columns of one color share a row"
    rows = col.row_coloring(p, order)
    assert col.is_column_coloring(p.T, rows), "two rows of one color share a column"
    # a row with k entries needs k colors, and greedy never needs more than max degree + 1
    assert colors.max(initial=-1) + 1 >= np.diff(p.indptr).max(initial=0)


def _bicolored_path(adj, colors):
    """A path a-b-c-d on 4 distinct vertices colored x, y, x, y, if there is one."""
    n = adj.shape[0]
    nb = [set(np.nonzero(adj[i])[0]) - {i} for i in range(n)]
    for b in range(n):
        for c in nb[b]:
            if colors[b] == colors[c]:
                continue
            for a in nb[b] - {c}:
                if colors[a] != colors[c]:
                    continue
                for d in nb[c] - {a, b}:
                    if colors[d] == colors[b]:
                        return (a, b, c, d)
    return None


@pytest.mark.parametrize("order", col.ORDERS)
@SETTINGS
@given(p=patterns(square=True))
def test_star_coloring_is_a_star_coloring(order, p):
    sym = col.as_pattern(p + p.T)
    colors = col.star_coloring(sym, order)
    adj = sym.toarray()
    np.fill_diagonal(adj, False)
    assert not np.any(adj & (colors[:, None] == colors[None, :])), "neighbours share a color"
    assert _bicolored_path(adj, colors) is None, "a two-colored path on four vertices"
    assert col.star_recoverable(sym, colors)


@SETTINGS
@given(p=patterns())
def test_bicoloring_is_recoverable(p):
    bic = col.bicoloring(p)
    assert col.is_bicoloring(p, bic)
    one_sided = min(col.column_coloring(p).max(initial=-1), col.row_coloring(p).max(initial=-1)) + 1
    assert bic.n_row + bic.n_col <= one_sided  # k = 0 (one-sided) is among the splits tried


def test_validity_checks_catch_a_bad_coloring():
    p = band(6, 1, 1)
    assert not col.is_column_coloring(p, np.zeros(6, dtype=np.int64))
    assert not col.star_recoverable(p, np.array([0, 1, 0, 1, 0, 1]))  # a 2-colored path
    assert _bicolored_path(p.toarray(), np.array([0, 1, 0, 1, 0, 1])) is not None


@pytest.mark.parametrize("lower,upper", [(1, 1), (2, 0), (0, 3), (2, 2), (3, 1)])
@pytest.mark.parametrize("order", col.ORDERS)
def test_banded_needs_bandwidth_plus_one_colors(lower, upper, order):
    p = band(40, lower, upper)
    assert col.column_coloring(p, order).max() + 1 == lower + upper + 1
    assert col.row_coloring(p, order).max() + 1 == lower + upper + 1


@pytest.mark.parametrize("order", col.ORDERS)
def test_tridiagonal_hessian_star_colors(order):
    assert col.star_coloring(band(50, 1, 1), order).max() + 1 == 3


def test_arrowhead_bicoloring_takes_three_passes_where_one_sided_needs_n():
    n = 60
    p = arrowhead(n)
    assert col.column_coloring(p).max() + 1 == n
    assert col.row_coloring(p).max() + 1 == n
    bic = col.bicoloring(p)
    assert (bic.n_row, bic.n_col) in ((1, 2), (2, 1))
    assert col.is_bicoloring(p, bic)
    # symmetric arrowhead Hessian: star coloring needs 2 colors
    assert col.star_coloring(p).max() + 1 == 2


def test_unknown_order_is_named():
    with pytest.raises(ValueError, match="order='random'"):
        col.column_coloring(band(4, 1, 1), "random")
