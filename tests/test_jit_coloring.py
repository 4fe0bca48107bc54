"""adcore_jit's compiled coloring loops give the pure-Python loops' colors exactly."""

import numpy as np
import pytest

pytest.importorskip("numba")
sp = pytest.importorskip("scipy.sparse")

from hypothesis import given  # noqa: E402
from test_sparse_coloring import SETTINGS, band, patterns  # noqa: E402

import adcore_jit  # noqa: E402
from adcore.sparse import coloring as col  # noqa: E402


def both(fn, *args):
    """fn's result with the pure-Python loops, then with the compiled ones."""
    assert not adcore_jit.is_enabled()
    plain = fn(*args)
    with adcore_jit.enabled():
        assert col.LOOPS["greedy_columns"] is not col._greedy_columns
        compiled = fn(*args)
    assert col.LOOPS["greedy_columns"] is col._greedy_columns  # restored
    return plain, compiled


@pytest.mark.parametrize("order", ["largest_first", "natural"])
@SETTINGS
@given(p=patterns())
def test_column_and_row_colorings_agree(p, order):
    for fn in (col.column_coloring, col.row_coloring):
        plain, compiled = both(fn, p, order)
        np.testing.assert_array_equal(plain, compiled)
        assert compiled.dtype == np.int64


@pytest.mark.parametrize("order", col.ORDERS)
@SETTINGS
@given(p=patterns(square=True))
def test_star_colorings_agree(p, order):
    plain, compiled = both(col.star_coloring, p, order)
    np.testing.assert_array_equal(plain, compiled)


@SETTINGS
@given(p=patterns())
def test_degrees_agree(p):
    p = col.as_pattern(p)
    csc = sp.csc_array(p)
    arrays = [a.astype(np.int64) for a in (csc.indptr, csc.indices, p.indptr, p.indices)]
    from adcore_jit import coloring as compiled

    np.testing.assert_array_equal(col._column_degrees(*arrays), compiled.column_degrees(*arrays))


def test_compiled_colorings_keep_known_counts():
    with adcore_jit.enabled():
        assert col.column_coloring(band(200, 2, 2)).max() + 1 == 5
        assert col.star_coloring(band(200, 1, 1)).max() + 1 == 3
