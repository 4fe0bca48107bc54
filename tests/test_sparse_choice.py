"""choose_mode / jacobian(mode="auto") with the sparse candidates."""

import gc
import weakref

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


def test_plan_caches_do_not_keep_f_or_user_primitives_alive():
    # issue 11 item 19 for the sparse caches: the prepared plans jacobian's sparse modes
    # and choose_mode remember, and the rules' per-primitive caches, hold nothing strongly
    from adcore.sparse import choice, defsparsity, detect, rules

    def make(k):
        captured = np.full(1000, float(k))  # what a leak would pin
        return lambda y: brusselator_8(y) * captured[0]

    y = np.random.default_rng(5).random(2 * 8 * 8)
    runs = [
        lambda f: adcore.jacobian(f, mode="sparse-forward")(y),
        lambda f: adcore.jacobian(f, mode="sparse-reverse", sparse=True)(y),
        lambda f: adcore.choose_mode(f, y, reuse=1000),  # remembers its sparse plan
    ]
    for run in runs:
        f = make(len(runs))
        ref = weakref.ref(f)
        jac = adcore.jacobian(f, mode="sparse-forward")
        first = jac(y)
        np.testing.assert_allclose(jac(y), first)  # served from the cache, f given back
        run(f)
        assert choice._PLANS.get(f), "the plan was not cached: nothing tested"
        del f, jac
        gc.collect()
        assert ref() is None, "a sparse plan cache kept f alive"

    @adcore.primitive
    def flip(x):
        return x[::-1]

    adcore.defjvp(flip, lambda g, ans, x: g[..., ::-1])
    defsparsity(flip, rules.gather_pattern, "linear")  # cached per call shape
    assert detect(lambda x, p=flip: p(x) * 2.0, (np.ones(5),)).pattern.nnz == 5
    ref = weakref.ref(flip)
    del flip
    gc.collect()
    assert ref() is None, "the gather-map cache kept a user primitive alive"
