"""Taylor mode's plain-array road: recycled buffers and in-place updates (series.py).

Plain arrays take a faster road through the recurrences than traced values do.
These tests pin that the two roads give the same bits, that a recycled buffer
is never overwritten while anything still refers to it, and that a repeated jet
reuses its buffers instead of asking for fresh ones.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import adcore
import adcore.numpy as anp
from adcore.core import pool
from adcore.taylor import series as ts


class Other(np.ndarray):
    """Not a plain ndarray: the series functions take the general road for it."""


def _other(c):
    return None if c is None else np.asarray(c).view(Other)


def _plain(c):
    return None if c is None else np.asarray(c)


QUADRATICS = {  # name: (c1, c2, p0 from y0)
    "exp": (1, 0, lambda y0: y0),
    "tanh": (0, -1, lambda y0: 1.0 - y0 * y0),
    "tan": (0, 1, lambda y0: 1.0 + y0 * y0),
    "sigmoid": (1, -1, lambda y0: y0 - y0 * y0),
}


@st.composite
def series_case(draw, n_series=1):
    """k, then ``n_series`` series of one dtype, shape and batch: (primal, [c1..ck]) each,
    with zero (None) coefficients at random."""
    k = draw(st.integers(1, 6))
    dtype = draw(st.sampled_from([np.float64, np.float32, np.complex128]))
    shape = draw(st.sampled_from([(3,), (2, 3), (70, 130)]))  # the last is big enough to pool
    batch = draw(st.sampled_from([(), (2,)]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))

    def arr(s):
        x = np.clip(0.4 * rng.standard_normal(s), -1.0, 1.0)
        if np.dtype(dtype).kind == "c":
            x = x + 0.3j * rng.standard_normal(s)
        return x.astype(dtype)

    out = []
    for _ in range(n_series):
        zero = draw(st.lists(st.booleans(), min_size=k, max_size=k))
        out.append(
            (arr(shape), [None if z and n else arr(batch + shape) for n, z in enumerate(zero)])
        )
    return out


@settings(max_examples=60, deadline=None)
@given(series_case(), st.sampled_from(sorted(QUADRATICS)))
def test_plain_and_general_roads_give_the_same_bits(case, name):
    [(a0, coeffs)] = case
    c1, c2, p = QUADRATICS[name]
    y0 = np.tanh(a0)  # any primal output will do: the recurrence takes it as given
    plain = ts.quadratic([a0] + [_plain(c) for c in coeffs], y0, p(y0), c1, c2)
    y0o = _other(y0)
    general = ts.quadratic([_other(a0)] + [_other(c) for c in coeffs], y0o, p(y0o), c1, c2)
    _same_series(plain, general, name)
    assert all(u is None or u.dtype == y0.dtype for u in plain[1:])


def _same_series(plain, general, what):
    assert len(plain) == len(general), what
    for n, (u, w) in enumerate(zip(plain[1:], general[1:]), 1):
        assert (u is None) == (w is None), f"{what}: coefficient {n}"
        if u is not None:
            assert type(u) is np.ndarray, f"{what}: coefficient {n}"
            np.testing.assert_array_equal(u, np.asarray(w), err_msg=f"{what}: coefficient {n}")


OTHERS = {  # name: the recurrence on (a, b) series whose primals sit near 1.5
    "mul": lambda a, b: ts.mul(a, b),
    "div": lambda a, b: ts.div(a, b),
    "sqrt": lambda a, b: ts.sqrt(a, np.sqrt(a[0])),
    "power": lambda a, b: ts.power(a, 2.5, a[0] ** 2.5),
    "log": lambda a, b: ts.log(a, np.log(a[0])),
    "sin": lambda a, b: ts.sin_cos(a, np.sin(a[0]), np.cos(a[0]))[0],
    "cos": lambda a, b: ts.sin_cos(a, np.sin(a[0]), np.cos(a[0]))[1],
    "int_power": lambda a, b: ts.int_power(a, 3, a[0] ** 3),
}


@settings(max_examples=60, deadline=None)
@given(series_case(n_series=2), st.sampled_from(sorted(OTHERS)))
def test_the_other_recurrences_give_the_same_bits_on_both_roads(case, name):
    (a0, ca), (b0, cb) = case
    a, b = [a0 + 1.5] + ca, [b0 + 1.5] + cb  # primals away from sqrt's, log's and div's poles
    plain = OTHERS[name]([_plain(c) for c in a], [_plain(c) for c in b])
    general = OTHERS[name]([_other(c) for c in a], [_other(c) for c in b])
    _same_series(plain, general, name)


def test_plain_road_is_taken_and_its_rows_are_one_block():
    """The plain road writes y_1..y_k as consecutive rows of one buffer (what lets the next
    matmul stack them as a view), and the general road does not."""
    rng = np.random.default_rng(0)
    a = [rng.standard_normal((64, 256)) for _ in range(5)]
    y0 = np.tanh(a[0])
    y = ts.quadratic(a, y0, 1.0 - y0 * y0, 0, -1)
    base = y[1].base
    assert base is not None and all(c.base is base for c in y[1:])
    step = y[1].nbytes
    assert [c.ctypes.data - y[1].ctypes.data for c in y[1:]] == [step * m for m in range(4)]


def _mlp(x, params):
    for W, b in params[:-1]:
        x = anp.tanh(x @ W + b)
    W, b = params[-1]
    return anp.sigmoid(x @ W + b)


def _params(rng):
    sizes = (128, 128, 128, 16)
    return [
        (rng.standard_normal((m, n)) / np.sqrt(m), 0.1 * rng.standard_normal(n))
        for m, n in zip(sizes[:-1], sizes[1:])
    ]


def test_results_kept_by_the_caller_are_never_overwritten():
    rng = np.random.default_rng(1)
    params = _params(rng)
    x, v = rng.standard_normal((64, 128)), rng.standard_normal((64, 128))
    f = lambda y: _mlp(y, params)
    kept = [adcore.taylor_derivatives(f, x, s * v, 5) for s in (1.0, -0.5, 2.0)]
    copies = [[d.copy() for d in ds] for ds in kept]
    for s in np.linspace(-3, 3, 7):  # more jets, which recycle every buffer not referenced
        adcore.taylor_derivatives(f, s * x, v, 5)
    for ds, cs in zip(kept, copies):
        for d, c in zip(ds, cs):
            np.testing.assert_array_equal(d, c)
    # and each is still right: the order-1 term is the jvp
    for s, ds in zip((1.0, -0.5, 2.0), kept):
        np.testing.assert_allclose(ds[0], adcore.jvp(f, (x,), (s * v,))[1], rtol=1e-12)


def test_a_repeated_jet_reuses_its_buffers():
    rng = np.random.default_rng(2)
    params = _params(rng)
    x, v = rng.standard_normal((64, 128)), rng.standard_normal((64, 128))
    f = lambda y: _mlp(y, params)
    adcore.taylor_derivatives(f, x, v, 6)
    held = pool.held_bytes()
    assert held > 0  # the tanh recurrences' blocks went through the pool
    for _ in range(4):
        adcore.taylor_derivatives(f, x, v, 6)
    assert pool.held_bytes() == held
