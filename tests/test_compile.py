"""adcore.compile: a replayed program gives what the eager function gives.

* registry-driven: every primitive's spec cases, compiled jvp, vjp and an
  fwd-over-rev Hessian-vector product, equal to eager on the recording inputs
  and on fresh ones (which replay, or re-record where a guard changed);
* the fuzzer's random programs, compiled grad/jvp/hvp equal to eager;
* guards: branches, masks (relu, abs, where, max ties, sort order, argmax
  gathers) switching between calls re-record instead of replaying stale code;
* replays keep memory flat; what cannot be recorded runs eagerly, correctly.
"""

import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from registry_specs import Const, cases_for
from test_fuzz import programs

import adcore
import adcore.numpy as anp
from adcore.core import all_primitives

PRIMS = {n: p for n, p in all_primitives().items() if p.family != "user"}


def _same(got, want, what):
    g_leaves, g_def = adcore.tree_flatten(got)
    w_leaves, w_def = adcore.tree_flatten(want)
    assert g_def == w_def, f"{what}: structure {g_def} != {w_def}"
    for g, w in zip(g_leaves, w_leaves):
        assert np.shape(g) == np.shape(w), f"{what}: shape {np.shape(g)} != {np.shape(w)}"
        assert np.result_type(g) == np.result_type(w), f"{what}: dtype"
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-13, err_msg=what)


def _check_compiled(fn, calls, what):
    """``compile(fn)`` equals ``fn`` on each argument tuple of ``calls``, in order."""
    compiled = adcore.compile(fn)
    for k, args in enumerate(calls):
        _same(compiled(*args), fn(*args), f"{what}, call {k}")
    return compiled


# ---- registry-driven ----------------------------------------------------------


def _registry_cases():
    out = []
    for name in sorted(PRIMS):
        for k, case in enumerate(cases_for(PRIMS[name]) or []):
            out.append(pytest.param(name, case, id=f"{name}-{k}"))
    return out


def _draw(case, rng):
    doms = case.domain if isinstance(case.domain, list) else [case.domain] * len(case.args)
    return [
        None if isinstance(a, Const) else rng.uniform(*d, size=a) for a, d in zip(case.args, doms)
    ]


@pytest.mark.parametrize("name, case", _registry_cases())
def test_registry_compiled_equals_eager(name, case):
    prim = PRIMS[name]
    consts = [a.value if isinstance(a, Const) else None for a in case.args]

    def f(*xs):
        it = iter(xs)
        return prim(*[next(it) if c is None else c for c in consts], **case.kwargs)

    rng = np.random.default_rng(0)
    draws = [[x for x in _draw(case, rng) if x is not None] for _ in range(3)]
    draws[2] = draws[0]  # back to the first inputs: an older program (or the only one) again
    out_shape = np.shape(f(*draws[0]))
    u = rng.standard_normal(out_shape)
    tangents = [[rng.standard_normal(np.shape(x)) for x in xs] for xs in draws]

    def jvp(xs, vs):
        return adcore.jvp(f, tuple(xs), tuple(vs))

    def vjp(xs, u):
        return adcore.vjp(f, *xs)[1](u)

    def hvp(xs, vs):
        return adcore.hvp(lambda *z: anp.sum(f(*z) * u), tuple(xs), tuple(vs))

    _check_compiled(jvp, [(xs, vs) for xs, vs in zip(draws, tangents)], f"{name} jvp")
    _check_compiled(vjp, [(xs, u) for xs in draws], f"{name} vjp")
    if np.result_type(f(*draws[0])).kind == "f":
        _check_compiled(hvp, [(xs, vs) for xs, vs in zip(draws, tangents)], f"{name} hvp")


# ---- the fuzzer's random programs ---------------------------------------------


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(programs(), st.integers(0, 2**31 - 1))
def test_random_programs_compiled_equal_eager(prog, seed):
    rng = np.random.default_rng(seed)
    xs = prog.inputs
    moved = [x + 0.3 * rng.standard_normal(np.shape(x)) for x in xs]
    vs = [rng.standard_normal(np.shape(x)) for x in xs]

    def loss(*z):
        return sum(anp.sum(anp.sin(o)) for o in prog(*z))

    calls = [tuple(xs), tuple(moved), tuple(xs)]
    with np.errstate(all="ignore"):  # moved inputs may leave a domain: NaN on both sides
        _check_compiled(adcore.grad(loss, argnums=tuple(range(len(xs)))), calls, "grad")
        _check_compiled(lambda *z: adcore.jvp(prog, z, tuple(vs)), calls, "jvp")
        _check_compiled(lambda *z: adcore.hvp(loss, z, tuple(vs)), calls, "hvp")


# ---- guards -------------------------------------------------------------------

SWITCHING = {
    "relu": lambda x: anp.sum(anp.maximum(x, 0.0) * x),
    "abs": lambda x: anp.sum(anp.abs(x) ** 3),
    "max ties": lambda x: anp.max(x) * anp.sum(x),
    "where": lambda x: anp.sum(anp.where(x > 0, x**2, anp.sin(x))),
    "sort order": lambda x: anp.sum(anp.sort(x) * np.arange(x.size)),
    "argmax gather": lambda x: x[anp.argmax(x)] * anp.sum(x**2),
    "python branch": lambda x: anp.sum(x**2) if anp.sum(x) > 0 else anp.sum(anp.sin(x)),
}
# each input changes the sign pattern, the ordering, the tie or the branch
SWITCH_INPUTS = [
    np.array([0.5, -1.0, 2.0, 0.1]),
    np.array([-0.5, 1.0, -2.0, 0.3]),
    np.array([2.0, 2.0, -1.0, 0.0]),
    np.array([0.1, 0.2, 0.3, 0.4]),
    np.array([-3.0, -2.0, -1.0, -0.5]),
    np.array([0.5, -1.0, 2.0, 0.1]),
]


@pytest.mark.parametrize("name", sorted(SWITCHING))
@pytest.mark.parametrize("transform", [adcore.grad, adcore.hessian])
def test_guards_follow_branch_and_mask_changes(name, transform):
    fn = transform(SWITCHING[name])
    compiled = _check_compiled(fn, [(x,) for x in SWITCH_INPUTS], name)
    stats = compiled.stats()
    if stats["eager"] == 0:
        # the last input is the first again: one of the programs recorded for it replays
        assert stats["replays"] >= 1, stats


def test_branch_switch_never_replays_the_old_branch():
    def f(x):
        if anp.sum(x) > 0:  # a guard: the program recorded for this branch only
            return anp.sum(x**3)
        return anp.sum(anp.exp(x))

    g = adcore.compile(adcore.grad(f))
    up, down = np.array([1.0, 2.0]), np.array([-1.0, -2.0])
    np.testing.assert_allclose(g(up), 3 * up**2)
    np.testing.assert_allclose(g(down), np.exp(down))  # the guard failed: recorded again
    np.testing.assert_allclose(g(up), 3 * up**2)  # both programs kept: replayed
    np.testing.assert_allclose(g(down), np.exp(down))
    stats = g.stats()
    assert stats["recordings"] == 2 and stats["replays"] == 2, stats
    assert stats["signatures"][0]["programs"][0]["guards"] == 1


def _first_entry_gate(read):
    """A primitive whose rule takes a plain number out of its input (``float(read(x))``):
    the one kind of read a recording cannot follow, so it is a value guard."""
    from adcore.core import getval

    @adcore.primitive
    def gate_by_first(x):
        return x * 1.0

    adcore.defvjp(gate_by_first, lambda ans, x: lambda g: g * float(read(getval(x)[0])))
    return gate_by_first


def test_a_rule_taking_a_plain_value_out_is_guarded():
    gate = _first_entry_gate(lambda v: v > 0)
    g = adcore.compile(adcore.grad(lambda x: anp.sum(gate(x))))
    x = np.array([1.0, -2.0, 3.0])
    np.testing.assert_allclose(g(x), np.ones(3))
    np.testing.assert_allclose(g(2 * x), np.ones(3))  # the same number taken out: replayed
    assert g.stats()["replays"] == 1
    np.testing.assert_allclose(g(-x), np.zeros(3))  # a different one: recorded again
    assert g.stats()["recordings"] == 2


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: anp.sum(anp.abs(x)),
        lambda x: anp.sum(anp.maximum(x, 0.0) ** 2),
        lambda x: anp.sum(anp.clip(x, -0.5, 0.5) ** 2),
        lambda x: anp.sum(anp.sign(x) * x**2),
    ],
    ids=["abs", "relu", "clip", "sign"],
)
def test_derivative_masks_are_recorded_not_guarded(fn):
    # the masks rules build from values (np.sign(getval(x)), x > lo) are recorded
    # operations: new values, new masks, one recording
    g = adcore.compile(adcore.grad(fn))
    rng = np.random.default_rng(2)
    for _ in range(6):
        x = rng.standard_normal(7)
        np.testing.assert_allclose(g(x), adcore.grad(fn)(x), rtol=1e-12)
    stats = g.stats()
    assert stats["recordings"] == 1 and stats["replays"] == 5, stats


def test_a_signature_whose_guards_keep_failing_goes_eager():
    gate = _first_entry_gate(lambda v: v)
    g = adcore.compile(adcore.grad(lambda x: anp.sum(gate(x) * x)), max_recordings=3)
    for k in range(8):  # a new first entry every call: the value guard fails every call
        x = np.array([1.0 + k, 2.0, -3.0])
        np.testing.assert_allclose(g(x), x[0] * x + x)
    sig = g.stats()["signatures"][0]
    assert sig["recordings"] == 4 and "guards failed" in sig["eager_reason"]


# ---- signatures, outputs, fallbacks ---------------------------------------------


def test_one_program_per_signature():
    g = adcore.compile(adcore.grad(lambda x: anp.sum(anp.tanh(x) ** 2)))
    for x in (np.ones(3), np.ones(3) * 2, np.ones(4), np.ones(3, np.float32), np.ones(4) * 3):
        _same(g(x), adcore.grad(lambda x: anp.sum(anp.tanh(x) ** 2))(x), f"{x.shape} {x.dtype}")
    stats = g.stats()
    assert stats["recordings"] == 3 and stats["replays"] == 2, stats


def test_pytrees_static_arguments_and_scalars():
    def loss(params, x, power):
        return anp.sum((params["w"] * x + params["b"]) ** power)

    g = adcore.compile(adcore.grad(loss))
    params = {"w": np.array([1.0, 2.0]), "b": 0.5}
    for x, power in [(np.array([0.3, -0.2]), 2), (np.array([1.0, 2.0]), 2), (np.ones(2), 3)]:
        _same(g(params, x, power), adcore.grad(loss)(params, x, power), f"power {power}")
    assert g.stats()["recordings"] == 2  # power is part of the signature
    d = adcore.compile(adcore.grad(lambda x: x * anp.sin(x)))
    _same(d(0.5), adcore.grad(lambda x: x * anp.sin(x))(0.5), "python float")


def test_outputs_are_fresh_arrays():
    # a constant output (the gradient of a linear function) must not be shared between calls
    g = adcore.compile(adcore.grad(lambda x: anp.sum(3.0 * x)))
    first = g(np.ones(3))
    first[:] = 0.0
    np.testing.assert_allclose(g(np.ones(3)), 3.0)


def test_unrecordable_runs_eagerly():
    def f(x):
        y = anp.sin(x)
        adcore.getval(y)[0] = 7.0  # an in-place write into a traced number: not replayable
        return anp.sum(y)

    c = adcore.compile(f)
    assert c(np.ones(3)) == f(np.ones(3))
    reason = c.stats()["signatures"][0]["eager_reason"]
    assert "in-place assignment" in reason


def test_a_constant_array_written_between_uses_is_captured_as_it_was():
    buf = np.zeros(3)

    def f(x):
        buf[:] = 0.0
        first = anp.sum(x * buf)  # buf is zeros here ...
        buf[0] = 1.0
        second = anp.sum(anp.concatenate([x, buf]) * 2.0)  # ... and [1, 0, 0] here
        return first + second + anp.sum(x * buf)

    _check_compiled(adcore.grad(f), [(np.array([1.0, 2.0, 3.0]),), (np.ones(3),)], "buffer")


def test_a_closure_over_an_enclosing_transforms_value_runs_eagerly():
    def outer(y):
        inner = adcore.compile(lambda x: x * y)  # y is traced by the grad around
        return anp.sum(inner(np.ones(2)))

    np.testing.assert_allclose(adcore.grad(outer)(np.array([1.0, 2.0])), np.ones(2))


def test_inside_another_transform_it_traces_through():
    inner = adcore.compile(lambda x: anp.sin(x) * x)
    d = adcore.grad(lambda x: anp.sum(inner(x)))(np.array([0.3, 0.7]))
    x = np.array([0.3, 0.7])
    np.testing.assert_allclose(d, np.cos(x) * x + np.sin(x))


def test_errors_are_the_eager_errors():
    c = adcore.compile(adcore.grad(lambda x: anp.sum(x @ x)))
    with pytest.raises(ValueError, match="matmul|shape|dimension"):
        c(np.ones((2, 3)))
    with pytest.raises(TypeError, match="compile"):
        adcore.compile(3)


def test_scalar_code_equals_numpy_and_falls_back_where_python_raises():
    def chain(x):
        for _ in range(20):
            x = anp.sin(x) * 1.01 + 0.1 * x / (x - 3.0)
        return x

    for fn in (adcore.grad(chain), lambda x: adcore.jvp(chain, (x,), (np.float64(1.0),))):
        c = adcore.compile(fn)
        src = c.source(np.float64(0.5))
        assert "math_sin(" in src and " * 1.01)" in src  # float code, not numpy calls
        for x in (0.5, -0.25, 1.5):
            got, want = c(np.float64(x)), fn(np.float64(x))
            assert got == want and type(got) is type(want)  # bitwise, and the same type
    # Python float division raises where numpy gives inf: that call runs eagerly
    inv = adcore.compile(adcore.grad(lambda x: 1.0 / x))
    inv(np.float64(2.0))
    with np.errstate(divide="ignore"):
        assert inv(np.float64(0.0)) == adcore.grad(lambda x: 1.0 / x)(np.float64(0.0))
    assert inv.stats()["signatures"][0]["eager_reason"] is None  # one bad input is not a reason


def test_source_is_straight_line_code():
    c = adcore.compile(adcore.grad(lambda x: anp.sum(anp.sin(x) * x)))
    src = c.source(np.ones(3))
    assert src.startswith("def replay(v0):") and "for " not in src and "# sin" in src


def test_replays_keep_memory_flat():
    x = np.linspace(-1.0, 1.0, 300)
    g = adcore.compile(adcore.hessian(lambda x: anp.sum(anp.tanh(x[:20]) ** 2)))
    h = adcore.compile(adcore.grad(lambda x: anp.sum(anp.tanh(x) ** 2 * anp.exp(-x))))
    for _ in range(3):
        g(x), h(x)
    tracemalloc.start()
    try:
        for _ in range(5):
            g(x), h(x)
        base, _ = tracemalloc.get_traced_memory()
        for _ in range(50):
            g(x), h(x)
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert after - base < 64 * 1024, f"memory grew by {after - base} bytes over 50 replays"
    assert g.stats()["replays"] == 57 and h.stats()["replays"] == 57


def test_benchmark_suite_checks_compiled_against_hand_written(tmp_path):
    import benchmarks

    res = benchmarks.run(["compile"], tiny=True, out_dir=tmp_path, peers=(), progress=False)
    cases = res["suites"]["compile"]["cases"]
    assert {"chain_reverse", "chain_forward", "mlp_grad", "hessian_100", "penalty"} <= set(cases)
    for key, case in cases.items():
        entry = case["entries"]["adcore compiled"]
        assert entry["status"] == "ok", (key, entry)  # agreed with the hand-written result
        assert case["compile_s"]["adcore compiled"] > 0
        assert not case["program"]["eager_reasons"], (key, case["program"])


def test_buffer_reuse_equals_eager(monkeypatch):
    # every elementwise temporary is reused, whatever its size: the registry again
    from adcore.compile import rewrites

    monkeypatch.setattr(rewrites, "REUSE_MIN_SIZE", 1)
    for param in _registry_cases():
        test_registry_compiled_equals_eager(*param.values)
    x = np.linspace(-2.0, 2.0, 50)
    c = _check_compiled(
        adcore.grad(lambda z: anp.sum(anp.tanh(z) * anp.sin(z) + anp.exp(-0.5 * z * z) * z)),
        [(x,), (x * 0.5,)],
        "elementwise",
    )
    assert "out=v" in c.source(x)


def test_no_buffer_reuse_for_outputs_or_views():
    from adcore.compile import rewrites

    x = np.linspace(-1.0, 1.0, 2 * rewrites.REUSE_MIN_SIZE)

    def f(z):
        t = anp.tanh(z)
        return t * 2.0, anp.reshape(t, (2, -1)), anp.exp(t) + 1.0

    c = adcore.compile(f)
    first = c(x)
    second = c(x * 0.5)  # a reused buffer must not be one the caller already holds
    for got, want in zip(first, f(x)):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(second, f(x * 0.5)):
        np.testing.assert_array_equal(got, want)


FUSABLE = {
    "elementwise": lambda z: anp.sum(anp.tanh(z) * anp.sin(z) + anp.exp(-0.5 * z * z) * z),
    "sigmoid": lambda z: anp.sum(1.0 / (1.0 + anp.exp(-z)) * (z - 0.5) * z),
    "division": lambda z: anp.sum((z * z + 1.0) / (z * z + 2.0) - z / 3.0),
}


@pytest.mark.parametrize("name", sorted(FUSABLE))
def test_fused_kernels_equal_eager_bitwise(monkeypatch, name):
    pytest.importorskip("numba")
    from adcore.compile import fusion, rewrites

    monkeypatch.setattr(fusion, "FUSE_MIN_SIZE", 1)
    monkeypatch.setattr(rewrites, "REUSE_MIN_SIZE", 1)
    f = FUSABLE[name]
    x = np.linspace(-2.0, 2.0, 40)
    v = np.cos(x)
    for fn, args in (
        (adcore.grad(f), [(x,), (x * 0.5,), (x[::-1].copy(),)]),
        (lambda z, u: adcore.hvp(f, (z,), (u,))[1], [(x, v), (x * 0.5, v)]),
    ):
        c = adcore.compile(fn)
        for a in args:
            got, want = c(*a), fn(*a)
            np.testing.assert_array_equal(got, want)
        assert c.stats()["eager"] == 0, c.stats()
        assert "# fused:" in c.source(*args[0])
    # non-contiguous and read-only inputs reach the kernels as they are
    g = adcore.compile(adcore.grad(f))
    g(x)
    strided = np.linspace(-2.0, 2.0, 80)[::2]
    readonly = x.copy()
    readonly.flags.writeable = False
    for z in (strided, readonly):
        np.testing.assert_array_equal(g(z), adcore.grad(f)(z))
    assert g.stats()["eager"] == 0


def test_fuse_false_and_no_fusion_below_the_size():
    f = FUSABLE["elementwise"]
    x = np.linspace(-2.0, 2.0, 40)
    assert "# fused:" not in adcore.compile(adcore.grad(f)).source(x)  # small: numpy calls
    big = np.linspace(-2.0, 2.0, 20000)
    assert "# fused:" not in adcore.compile(adcore.grad(f), fuse=False).source(big)


@pytest.mark.slow
def test_registry_with_everything_fused(monkeypatch):
    # every run of elementwise arithmetic fused, every temporary reused (compiles many kernels)
    pytest.importorskip("numba")
    from adcore.compile import fusion, rewrites

    monkeypatch.setattr(fusion, "FUSE_MIN_SIZE", 1)
    monkeypatch.setattr(rewrites, "REUSE_MIN_SIZE", 1)
    for param in _registry_cases():
        test_registry_compiled_equals_eager(*param.values)
