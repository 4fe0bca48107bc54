"""Threads and leaked tracers.

Trace state is per transform call (a fresh tag from an atomic counter, a tape
owned by that tag), so transforms running concurrently in threads never see
each other's values.  A traced value that escapes its transform is dead: any
later operation on it raises ``LeakedTracerError`` naming the transform.
"""

import sys
import threading

import numpy as np
import pytest

import adcore
import adcore.numpy as anp

N_THREADS = 8


def _loss(W1, W2, x):
    h = anp.tanh(x @ W1)
    return anp.sum(anp.logsumexp(h @ W2, axis=1)) + 0.1 * anp.sum(W1**2)


def _problem(seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((5, 4)), rng.standard_normal((4, 3)), rng.standard_normal((6, 5))


def _everything(args):
    """A mix of transforms, nested ones included, on one problem."""
    W1, W2, x = args
    block = adcore.checkpoint(lambda h, W: anp.tanh(h @ W))
    return {
        "grad": adcore.grad(_loss, (0, 1))(*args),
        "jvp": adcore.jvp(lambda W: _loss(W, W2, x), (W1,), (np.ones_like(W1),))[1],
        "jacrev": adcore.jacrev(lambda W: anp.tanh(x @ W), 0)(W1),
        "jacfwd": adcore.jacfwd(lambda W: anp.tanh(x @ W), 0)(W1),
        "hvp": adcore.hvp(lambda W: _loss(W, W2, x), (W1,), (W1,), mode="rev-over-fwd")[1],
        "hessian": adcore.hessian(lambda v: anp.sum(anp.sin(v) * v[0]))(x[0]),
        "penalty": adcore.grad(lambda W: anp.sum(adcore.grad(_loss, 2)(W, W2, x) ** 2))(W1),
        "checkpoint": adcore.grad(lambda W: anp.sum(block(block(x, W), W.T @ W)))(W1),
    }


@pytest.fixture
def fast_switching():
    """Switch threads every few microseconds so their traces interleave finely."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(old)


def test_concurrent_gradients_are_all_correct(fast_switching):
    problems = [_problem(seed) for seed in range(N_THREADS)]
    expected = [_everything(p) for p in problems]  # one thread, one at a time
    start = threading.Barrier(N_THREADS)
    results = [[] for _ in range(N_THREADS)]
    errors = []

    def work(k):
        try:
            start.wait()
            for _ in range(4):
                results[k].append(_everything(problems[k]))
        except BaseException as e:  # reported below, with the thread
            errors.append((k, e))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(N_THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for k in range(N_THREADS):
        assert len(results[k]) == 4
        for got in results[k]:
            for name, want in expected[k].items():
                for g, w in zip(adcore.tree_flatten(got[name])[0], adcore.tree_flatten(want)[0]):
                    np.testing.assert_allclose(g, w, rtol=1e-12, err_msg=f"thread {k}: {name}")


def test_tags_from_concurrent_threads_never_collide(fast_switching):
    levels = [[] for _ in range(N_THREADS)]

    def work(k):
        for _ in range(200):
            adcore.grad(lambda x: levels[k].append(x.tag.level) or anp.sum(x * x))(np.ones(2))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(N_THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [lv for per in levels for lv in per]
    assert len(every) == N_THREADS * 200 == len(set(every))


# ---- leaked tracers ---------------------------------------------------------------


def _leak(transform):
    """Run ``transform`` on a function that smuggles a traced value out."""
    box = []
    x = np.array([0.5, 1.5])

    def f(x):
        box.append(anp.sin(x))
        return anp.sum(x * x)

    if transform == "grad":
        adcore.grad(f)(x)
    elif transform == "value_and_grad":
        adcore.value_and_grad(f)(x)
    elif transform == "vjp":
        adcore.vjp(f, x)[1](1.0)
    elif transform == "jvp":
        adcore.jvp(f, (x,), (np.ones(2),))
    elif transform == "jacfwd":
        adcore.jacfwd(f)(x)
    elif transform == "jacrev":
        adcore.jacrev(f)(x)
    return box[0]


LEAKY = ["grad", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev"]


@pytest.mark.parametrize("transform", LEAKY)
def test_a_leaked_tracer_names_its_transform(transform):
    leaked = _leak(transform)
    tag = "grad" if transform == "value_and_grad" else transform
    with pytest.raises(adcore.LeakedTracerError, match=rf"traced by {tag}\(\).*leaked tracer"):
        leaked * 2.0
    with pytest.raises(adcore.LeakedTracerError, match=rf"{tag}\(\)"):
        anp.exp(leaked)
    with pytest.raises(adcore.LeakedTracerError):
        np.sum(leaked)  # through numpy's protocols too


@pytest.mark.parametrize("transform", LEAKY)
def test_a_leaked_tracer_inside_a_live_transform_still_raises(transform):
    leaked = _leak(transform)
    with pytest.raises(adcore.LeakedTracerError, match="leaked tracer"):
        adcore.grad(lambda y: anp.sum(y * leaked))(np.ones(2))


def test_a_leaked_value_can_still_be_read():
    leaked = _leak("grad")
    np.testing.assert_allclose(adcore.getval(leaked), np.sin([0.5, 1.5]))


def test_leaked_tracer_from_another_thread():
    box = []

    def work():
        box.append(_leak("jvp"))

    t = threading.Thread(target=work)
    t.start()
    t.join()
    with pytest.raises(adcore.LeakedTracerError, match=r"jvp\(\)"):
        box[0] + 1.0


def test_a_tracer_of_a_live_outer_transform_is_fine_inside_an_inner_one():
    # the closure over x (traced by the outer grad) is used while that grad runs
    def outer(x):
        inner = adcore.grad(lambda y: anp.sum(anp.sin(x * y)))(np.ones(2))
        return anp.sum(inner)

    x = np.array([0.3, 0.7])
    got = adcore.grad(outer)(x)
    np.testing.assert_allclose(got, -np.sin(x) * x + np.cos(x))
