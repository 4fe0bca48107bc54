"""Memory: the tape dies with the transform, repeated calls stay flat, reverse
mode's peak grows with the chain, and checkpointing brings it to O(sqrt n).

Also the correctness of ``adcore.checkpoint``: the same derivatives as the
plain function in every mode and at second order, with one recomputation.
"""

import gc
import math
import tracemalloc
import weakref

import numpy as np
import pytest

import adcore
import adcore.numpy as anp
from adcore import getval
from benchmarks.checkpoint_suite import chain_loss, peak_bytes

RNG = np.random.default_rng(0)


# ---- the tape is released --------------------------------------------------------


class Intermediates:
    """Weak references to the numpy values a traced function computes."""

    def __init__(self):
        self.refs = []

    def keep(self, traced):
        self.refs.append(weakref.ref(getval(traced)))
        return traced

    def alive(self):
        return [r for r in self.refs if r() is not None]


def _mlp(record):
    def loss(W1, W2, x):
        h = record.keep(anp.tanh(record.keep(x @ W1)))
        y = record.keep(h @ W2)
        return anp.sum(record.keep(y * y))

    return loss


def _mlp_args(rng=RNG):
    return rng.standard_normal((8, 6)), rng.standard_normal((6, 3)), rng.standard_normal((4, 8))


@pytest.fixture
def no_gc():
    """Only reference counting frees memory: a cycle through the tape would leak."""
    gc.collect()
    gc.disable()
    yield
    gc.enable()


@pytest.mark.parametrize(
    "transform",
    [
        lambda f: adcore.grad(f, (0, 1)),
        lambda f: adcore.value_and_grad(f, (0, 1)),
        lambda f: adcore.jacrev(f, 0),
        lambda f: adcore.hessian(f, 1),
    ],
    ids=["grad", "value_and_grad", "jacrev", "hessian"],
)
def test_no_intermediate_outlives_the_transform(transform, no_gc):
    record = Intermediates()
    result = transform(_mlp(record))(*_mlp_args())
    assert len(record.refs) >= 4
    assert record.alive() == [], "the tape (or a cycle through it) kept intermediates alive"
    assert result is not None


def test_vjp_keeps_its_tape_only_while_the_pullback_lives(no_gc):
    record = Intermediates()
    out, pullback = adcore.vjp(_mlp(record), *_mlp_args())
    assert len(record.alive()) > 0  # the pullback needs them
    pullback(1.0)
    pullback(2.0)  # may be called again: the tape stays until the pullback goes
    assert len(record.alive()) > 0
    del pullback
    assert record.alive() == []


def test_checkpointed_intermediates_are_not_on_the_tape(no_gc):
    inner = Intermediates()

    def block(h, W):
        for _ in range(3):
            h = inner.keep(anp.tanh(inner.keep(h @ W)))
        return h

    seg = adcore.checkpoint(block)
    seen_during_trace = []

    def loss(x, W):
        inner.refs.clear()
        h = seg(seg(x, W), W)
        # still inside grad, the tape is alive, but of each block's six
        # intermediates only its output (the next block's input) is kept
        seen_during_trace.append((len(inner.refs), len(inner.alive())))
        return anp.sum(h * h)

    x, W = RNG.standard_normal(5), 0.5 * RNG.standard_normal((5, 5))
    gx, gW = adcore.grad(loss, (0, 1))(x, W)
    assert seen_during_trace == [(12, 2)]
    assert inner.alive() == []  # the sweep's recomputations are gone too
    ref = adcore.grad(lambda x, W: anp.sum(block(block(x, W), W) ** 2), (0, 1))(x, W)
    np.testing.assert_allclose(gx, ref[0], rtol=1e-12)
    np.testing.assert_allclose(gW, ref[1], rtol=1e-12)


def test_checkpointed_vjp_frees_everything_with_its_pullback(no_gc):
    record = Intermediates()

    def block(h, W):
        return record.keep(anp.tanh(record.keep(h @ W)))

    seg = adcore.checkpoint(block)
    x, W = RNG.standard_normal(4), RNG.standard_normal((4, 4))
    out, pullback = adcore.vjp(lambda x, W: seg(seg(x, W), W) * 2.0, x, W)
    pullback(np.ones(4))
    assert len(record.alive()) > 0  # block outputs: on the tape while the pullback lives
    del pullback
    assert record.alive() == []  # no cycle through the checkpoint's bookkeeping


def test_repeated_grad_calls_keep_memory_flat():
    rng = np.random.default_rng(1)
    W1, W2, x = (
        rng.standard_normal((64, 48)),
        rng.standard_normal((48, 10)),
        rng.standard_normal((32, 64)),
    )

    def loss(W1, W2, x):
        h = anp.tanh(x @ W1)
        logits = h @ W2
        return anp.mean(anp.logsumexp(logits, axis=1) - logits[:, 0]) + 1e-3 * anp.sum(W1 * W1)

    g = adcore.grad(loss, (0, 1))
    for _ in range(20):  # warm caches (dispatch tables, numpy internals)
        g(W1, W2, x)
    gc.collect()
    tracemalloc.start()
    try:
        start, _ = tracemalloc.get_traced_memory()
        for _ in range(1000):
            g(W1, W2, x)
        gc.collect()
        end, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    grown = end - start
    # one call allocates ~100 kB of arrays; 1000 calls must not add them up
    assert grown < 64 * 1024, f"memory grew by {grown} bytes over 1000 grad calls"
    assert peak - start < 2_000_000


# ---- reverse mode's peak, with and without checkpointing ----------------------------


def _states(n, k, size=300):
    x = np.random.default_rng(2).standard_normal(size)
    g = adcore.grad(chain_loss(n, k))
    return peak_bytes(lambda: g(x)) / (8 * size)


def test_reverse_peak_grows_linearly_and_checkpointing_makes_it_sqrt():
    # measured (size-300 states, this test): plain ~4.4 states per step;
    # checkpointed at k = sqrt(n) ~ 2 sqrt(n) + a few
    plain = {n: _states(n, None) for n in (100, 400)}
    ckpt = {n: _states(n, round(math.sqrt(n))) for n in (100, 400, 1600)}
    assert 3.2 < plain[400] / plain[100] < 4.5  # O(n)
    assert plain[400] / 400 > 3  # the sin, multiply and add of each step are kept
    assert 1.5 < ckpt[1600] / ckpt[400] < 2.6  # O(sqrt n): 4x the steps, ~2x the memory
    assert 1.5 < ckpt[400] / ckpt[100] < 2.6
    assert ckpt[400] < plain[400] / 4


# ---- checkpoint: the same derivatives --------------------------------------------


def _block(h, W, b):
    for _ in range(3):
        h = anp.tanh(h @ W + b)
    return h


def _chain(blk):
    def loss(x, W, b):
        h = x
        for _ in range(4):
            h = blk(h, W, b)
        return anp.sum(h**2) + anp.sum(h[:2])

    return loss


@pytest.fixture
def args():
    rng = np.random.default_rng(3)
    return rng.standard_normal(5), 0.6 * rng.standard_normal((5, 5)), rng.standard_normal(5)


def test_checkpoint_gives_the_same_gradient(args):
    plain, ckpt = _chain(_block), _chain(adcore.checkpoint(_block))
    want = adcore.grad(plain, (0, 1, 2))(*args)
    got = adcore.grad(ckpt, (0, 1, 2))(*args)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)
    assert np.allclose(ckpt(*args), plain(*args))


@pytest.mark.parametrize("transform", ["jacfwd", "jacrev", "hessian"])
def test_checkpoint_jacobians_and_hessian(args, transform):
    blk = adcore.checkpoint(_block)
    if transform == "hessian":
        got = adcore.hessian(_chain(blk), 1)(*args)
        want = adcore.hessian(_chain(_block), 1)(*args)
    else:
        fn = getattr(adcore, transform)
        got = fn(blk, (0, 1))(*args)
        want = fn(_block, (0, 1))(*args)
    for g, w in zip(adcore.tree_flatten(got)[0], adcore.tree_flatten(want)[0]):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-13)


def test_checkpoint_nested_second_order(args):
    blk = adcore.checkpoint(_block)

    def penalty(loss):
        # a gradient-norm penalty: reverse over reverse through the checkpoint
        return lambda W, x, b: anp.sum(adcore.grad(loss, 0)(x, W, b) ** 2)

    x, W, b = args
    got = adcore.grad(penalty(_chain(blk)))(W, x, b)
    want = adcore.grad(penalty(_chain(_block)))(W, x, b)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-13)
    v = np.random.default_rng(4).standard_normal(5)
    for mode in adcore.HVP_MODES:
        _, hv = adcore.hvp(lambda x: _chain(blk)(x, W, b), (x,), (v,), mode=mode)
        _, hv_plain = adcore.hvp(lambda x: _chain(_block)(x, W, b), (x,), (v,), mode=mode)
        np.testing.assert_allclose(hv, hv_plain, rtol=1e-10, atol=1e-13, err_msg=mode)
    adcore.check_grads(lambda x: _chain(blk)(x, W, b), (x,), order=2)


def test_checkpoint_pytrees_in_and_out(args):
    x, W, b = args

    def layer(params, h, scale=2.0):
        z = h @ params["W"] + params["b"]
        return {"act": anp.tanh(z) * scale, "stats": (anp.sum(z), z[:2])}

    def loss(fn):
        def f(params, x):
            out = fn({"W": params[0], "b": params[1]}, x)
            return anp.sum(out["act"] ** 2) + out["stats"][0] + anp.sum(out["stats"][1] ** 3)

        return f

    got = adcore.grad(loss(adcore.checkpoint(layer)))((W, b), x)
    want = adcore.grad(loss(layer))((W, b), x)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12)
    out = adcore.checkpoint(layer)({"W": W, "b": b}, x, scale=3.0)
    np.testing.assert_allclose(out["act"], layer({"W": W, "b": b}, x, scale=3.0)["act"])
    assert out["stats"][1].shape == (2,)


def test_checkpoint_recomputes_once_per_sweep(args):
    calls = []

    def counted(h, W, b):
        calls.append(1)
        return _block(h, W, b)

    blk = adcore.checkpoint(counted)
    adcore.grad(lambda x, W, b: anp.sum(blk(x, W, b)), (0, 1, 2))(*args)
    assert len(calls) == 2  # the forward pass, and one recomputation for all three inputs
    calls.clear()
    adcore.jacrev(blk, (0, 1))(*args)
    assert len(calls) == 2  # a batch of cotangents: still one recomputation
    calls.clear()
    blk(*args)
    assert len(calls) == 1


def test_checkpoint_inside_checkpoint(args):
    inner = adcore.checkpoint(_block)

    def outer(h, W, b):
        return inner(inner(h, W, b), W, b)

    got = adcore.grad(_chain(adcore.checkpoint(outer)), (0, 1))(*args)
    want = adcore.grad(_chain(lambda h, W, b: _block(_block(h, W, b), W, b)), (0, 1))(*args)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12)


def test_checkpoint_float32_and_constant_arguments():
    x = np.linspace(-1, 1, 4, dtype=np.float32)
    blk = adcore.checkpoint(lambda h, n, c: anp.sin(h) * c * n)
    g = adcore.grad(lambda x: anp.sum(blk(x, 3, np.float32(2.0))))(x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, 6 * np.cos(x), rtol=1e-6)


def test_checkpoint_rejects_a_traced_closure_clearly(args):
    x, W, b = args

    def loss(W):
        blk = adcore.checkpoint(lambda h: anp.tanh(h @ W))  # W is traced by grad
        return anp.sum(blk(x))

    with pytest.raises(TypeError, match=r"closes over a value traced by grad\(\)"):
        adcore.grad(loss)(W)
    with pytest.raises(TypeError, match="keyword arguments are not differentiated"):
        adcore.grad(lambda W: anp.sum(adcore.checkpoint(_block)(x, W=W, b=b)))(W)


def test_checkpoint_rejects_integer_outputs():
    blk = adcore.checkpoint(lambda h: np.arange(3))
    with pytest.raises(TypeError, match="output leaf 0 has dtype int"):
        adcore.grad(lambda x: anp.sum(blk(x) * x))(np.ones(3))
