"""choose_mode / jacobian(mode="auto") with the sparse candidates."""

import numpy as np
import pytest

sp = pytest.importorskip("scipy.sparse")

from test_sparse_jacobian import arrowhead, banded, brusselator  # noqa: E402

import adcore  # noqa: E402
import adcore.numpy as anp  # noqa: E402


def test_sparse_wins_when_colors_are_few():
    y = np.random.default_rng(0).random(2 * 8 * 8)
    choice = adcore.choose_mode(brusselator_8, y, reuse=1000)
    assert choice.mode == "sparse-forward", choice.reason
    assert "directions needed: forward" in choice.reason and "so sparse-forward" in choice.reason


def brusselator_8(y):
    return brusselator(y, 8)


def test_dense_jacobian_stays_dense_and_says_why():
    w = np.random.default_rng(1).random((80, 80))
    choice = adcore.choose_mode(lambda x: anp.tanh(w @ x), np.ones(80), reuse=1000)
    assert choice.mode in ("forward", "reverse")
    assert "too dense" in choice.reason  # detection stopped at the matmul


def test_detection_cost_counts_when_there_is_no_reuse():
    # a cheap 128x128 Jacobian: detecting and coloring costs more than the dense passes
    y = np.random.default_rng(0).random(2 * 8 * 8)
    choice = adcore.choose_mode(brusselator_8, y, reuse=1)
    assert choice.mode in ("forward", "reverse")
    assert "not cheaper" in choice.reason and "detection/coloring over 1 call" in choice.reason


def test_local_pattern_is_not_a_candidate():
    def f(x):
        return anp.sin(x) if anp.sum(x) > 0 else x

    choice = adcore.choose_mode(f, np.ones(100), reuse=1000)
    assert choice.mode in ("forward", "reverse") and "local" in choice.reason


def test_small_jacobians_skip_detection():
    choice = adcore.choose_mode(lambda x: x**2, np.ones(10))
    assert "sparse" not in choice.reason


@pytest.mark.parametrize("mode", ["sparse-forward", "sparse-reverse", "sparse-bidirectional"])
def test_jacobian_sparse_modes_keep_the_dense_layout(mode):
    def f(x):
        return anp.reshape(banded(anp.ravel(x)), (4, 5))

    x = np.random.default_rng(2).random((5, 4))
    got = adcore.jacobian(f, mode=mode)(x)
    np.testing.assert_allclose(got, adcore.jacfwd(f)(x), atol=1e-12)
    assert got.shape == (4, 5, 5, 4)


def test_jacobian_sparse_output():
    x = np.random.default_rng(3).random(30)
    want = adcore.jacfwd(arrowhead)(x)
    for mode in ("auto", "forward", "sparse-bidirectional"):
        got = adcore.jacobian(arrowhead, mode=mode, sparse=True)(x)
        assert isinstance(got, sp.csr_array)
        np.testing.assert_allclose(got.toarray(), want, atol=1e-12)


def test_auto_reuses_the_plan():
    y = np.random.default_rng(4).random(2 * 8 * 8)
    jac = adcore.jacobian(brusselator_8)
    first = jac(y)
    second = jac(y + 0.1)
    np.testing.assert_allclose(second, adcore.jacrev(brusselator_8)(y + 0.1), atol=1e-12)
    assert first.shape == second.shape == (128, 128)


def test_unknown_mode_lists_the_sparse_ones():
    with pytest.raises(ValueError, match="sparse-bidirectional"):
        adcore.jacobian(banded, mode="colored")
