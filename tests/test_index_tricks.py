"""adcore.numpy.r_ and c_: numpy's results, and derivatives through every item."""

import numpy as np
import pytest

import adcore
import adcore.numpy as anp
from adcore import check_grads

RNG = np.random.default_rng(3)
A, B, V, W = (
    RNG.standard_normal((2, 3)),
    RNG.standard_normal((2, 3)),
    RNG.standard_normal(3),
    RNG.standard_normal(4),
)

# each builds a concatenation from traced x, y (shaped like the given pair) and constants
C32 = RNG.standard_normal((3, 2))
CASES = [
    ("r_ of one array", (A, B), lambda ns, x, y: ns.r_[x]),
    ("r_ of array, constant, array", (A, B), lambda ns, x, y: ns.r_[x, C32.T, y]),
    ("c_ of array, constant, array", (A, B), lambda ns, x, y: ns.c_[x, C32.T, y]),
    ("r_ of vectors", (V, W), lambda ns, x, y: ns.r_[x, y]),
    ("r_ of a vector with itself", (V, V), lambda ns, x, y: ns.r_[x, x * y]),
    (
        "r_ mixes constants, scalars and slices",
        (V, W),
        lambda ns, x, y: ns.r_[x, 1.5, [2.0, 3.0], 0:3, y],
    ),
    ("r_ with a linspace slice", (V, W), lambda ns, x, y: ns.r_[0:1:4j, y, x]),
    ("r_ of matrices", (A, B), lambda ns, x, y: ns.r_[x, y]),
    ("r_ along a given axis", (A, B), lambda ns, x, y: ns.r_["1", x, y, np.ones((2, 1))]),
    ("r_ with ndmin", (V, W), lambda ns, x, y: ns.r_["0,2", x, x]),
    ("r_ of 0-d values", (V, W), lambda ns, x, y: ns.r_[x[0], y[1], x]),
    ("c_ of vectors", (V, V), lambda ns, x, y: ns.c_[x, y, np.arange(3.0)]),
    ("c_ of matrices", (A, B), lambda ns, x, y: ns.c_[x, y]),
    ("c_ with an axis directive", (A, B), lambda ns, x, y: ns.c_["0", x, y]),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_matches_numpy_and_differentiates(case):
    _, (x, y), build = case
    # the traced path (plain items alone are handed to numpy's own r_/c_)
    traced, _ = adcore.jvp(lambda x, y: build(anp, x, y), (x, y), (x, y))
    np.testing.assert_array_equal(traced, build(np, x, y))
    check_grads(lambda x, y: build(anp, x, y), (x, y), order=2)


def test_plain_items_give_numpys_object():
    np.testing.assert_array_equal(anp.r_[1, 2:5, [7]], np.r_[1, 2:5, [7]])
    np.testing.assert_array_equal(anp.c_[[1, 2], [3, 4]], np.c_[[1, 2], [3, 4]])


def test_gradient_flows_to_each_piece():
    g = adcore.grad(lambda x: anp.sum(anp.r_[x, 2.0 * x] ** 2))(V)
    np.testing.assert_allclose(g, 2 * V + 8 * V)


def test_bad_directives_are_named():
    with pytest.raises(ValueError, match="directive"):
        adcore.grad(lambda x: anp.sum(anp.r_["axis", x]))(V)
    with pytest.raises(NotImplementedError, match="matrix"):
        adcore.grad(lambda x: anp.sum(anp.r_["r", x]))(V)
