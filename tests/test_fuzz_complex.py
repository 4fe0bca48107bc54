"""Random complex programs: every differentiation path must agree (test_fuzz's complex twin).

A hypothesis strategy builds random DAGs over the primitives marked
``meta["complex"]`` (the elementwise maps, real/imag/conj/abs, sum, prod,
matmul, reshape, transpose, indexing, concatenation) and a few composites on
them (mean, var, angle, linalg.norm), on complex inputs.  Programs are
evaluated as they are built; an operation is left out when one of its
arguments is near a singularity or branch cut of the function, or its result
is huge.  On each program:

* ``jvp`` with a complex tangent matches five-point finite differences;
* ``vjp`` passes the dot-product test with the real pairing Re(sum(u * v));
* ``grad`` of the real scalar Re(sum(w * out)) equals ``vjp(w)``, and
  fwd-over-rev and rev-over-rev Hessian-vector products agree with each other
  and with differences of the gradient;
* a program made of holomorphic operations only has jacfwd == jacrev with
  ``holomorphic=True``.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import adcore
import adcore.numpy as anp
from adcore.core import all_primitives

PRIMS = {n: p for n, p in all_primitives().items() if p.meta.get("complex")}
NOT_HOLOMORPHIC = {"real", "imag", "conj", "absolute", "angle", "var", "norm"}
UNARY = sorted(
    n for n, p in PRIMS.items() if p.meta.get("kind") == "elementwise" and p.meta["arity"] == 1
)
BINARY = ["add", "subtract", "multiply", "divide", "power"]
BOUND = 50.0
FD_STEP = 1e-4


def _away_from_cut(z, shift=0.0, radius=0.25):
    """Off 0 and the negative real axis (log's, sqrt's and power's branch cut)."""
    z = np.asarray(z) + shift
    return bool(np.all(np.abs(z) > radius) and not np.any((z.real < 0) & (np.abs(z.imag) < radius)))


def _safe(name, args):
    z = np.asarray(args[0])
    if name in ("log", "log2", "log10", "sqrt", "angle"):
        return _away_from_cut(z)
    if name == "log1p":
        return _away_from_cut(z, 1.0)
    if name == "power":
        return _away_from_cut(z)
    if name in ("reciprocal", "absolute", "norm"):
        return bool(np.all(np.abs(z) > 0.25))
    if name == "divide":
        return bool(np.all(np.abs(np.asarray(args[1])) > 0.25))
    if name in ("arcsin", "arccos", "arctanh"):
        near_cut = (np.abs(z.imag) < 0.25) & (np.abs(z.real) > 0.75)
        return not np.any(near_cut)
    if name in ("arctan", "arcsinh"):
        return not np.any((np.abs(z.real) < 0.25) & (np.abs(z.imag) > 0.75))
    if name == "arccosh":
        return not np.any((np.abs(z.imag) < 0.25) & (z.real < 1.25))
    if name == "tan":
        return bool(np.all(np.abs(np.cos(z)) > 0.25))
    if name == "tanh":
        return bool(np.all(np.abs(np.cosh(z)) > 0.25))
    return True


COMPOSITES = {
    "sum": lambda x: anp.sum(x, axis=-1) if np.ndim(x) else anp.sum(x),
    "prod": lambda x: anp.prod(x, axis=0) if np.ndim(x) else x,
    "mean": lambda x: anp.mean(x),
    "var": lambda x: anp.var(x, axis=-1) if np.ndim(x) else x,
    "angle": lambda x: anp.angle(x),
    "norm": lambda x: anp.linalg.norm(x),
    "transpose": lambda x: anp.transpose(x),
    "ravel": lambda x: anp.ravel(x),
    "flip": lambda x: anp.flip(x),
    "getitem": lambda x: x[..., ::-1][..., :2] if np.ndim(x) else x,
    "concatenate": lambda x: anp.concatenate([anp.ravel(x), anp.ravel(x) * 2j]),
    "cumsum": lambda x: anp.cumsum(x),
    "matmul": lambda x: anp.ravel(x) @ np.linspace(0.5 - 1j, 1.0 + 0.5j, np.size(x)),
}


@st.composite
def programs(draw, max_ops=6):
    shape = draw(st.sampled_from([(), (3,), (2, 3)]))
    n_in = draw(st.integers(1, 2))
    size = int(np.prod(shape, dtype=np.int64))
    part = st.floats(-1.5, 1.5).map(lambda v: v if abs(v) >= 1e-3 else 0.0)  # as test_fuzz
    inputs = []
    for _ in range(n_in):
        re = draw(st.lists(part, min_size=size, max_size=size))
        im = draw(st.lists(part, min_size=size, max_size=size))
        inputs.append((np.array(re) + 1j * np.array(im)).reshape(shape))
    values = list(inputs)
    ops = []  # (label, fn, argument indices)
    for _ in range(draw(st.integers(2, max_ops))):
        kind = draw(st.sampled_from(["unary", "binary", "composite"]))
        if kind == "unary":
            name = draw(st.sampled_from(UNARY))
            fn, args = PRIMS[name], [draw(st.integers(0, len(values) - 1))]
        elif kind == "binary":
            name = draw(st.sampled_from(BINARY))
            a = draw(st.integers(0, len(values) - 1))
            same = [i for i, v in enumerate(values) if np.shape(v) == np.shape(values[a])]
            b = draw(st.sampled_from(same))
            fn, args = PRIMS[name], [a, b]
            if name == "power":  # a constant exponent: the base is what is differentiated
                exponent = draw(st.sampled_from([2, 3, 0.5, 1.5 - 0.5j]))
                fn, args = (lambda x, p=exponent: PRIMS["power"](x, p)), [a]
                name = f"power[{exponent}]"
        else:
            name = draw(st.sampled_from(sorted(COMPOSITES)))
            fn, args = COMPOSITES[name], [draw(st.integers(0, len(values) - 1))]
        vals = [values[i] for i in args]
        if not _safe(name.split("[")[0], vals):
            continue
        with np.errstate(all="ignore"):
            out = np.asarray(fn(*vals))
        if not np.all(np.isfinite(out)) or np.max(np.abs(out), initial=0.0) > BOUND:
            continue
        values.append(out)
        ops.append((name, fn, args))
    return inputs, ops


def _run(ops, xs):
    vals = list(xs)
    for _, fn, args in ops:
        vals.append(fn(*[vals[i] for i in args]))
    return vals[-1]


def _crandn(rng, shape):
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


def _pair(u, v):
    return float(np.real(np.sum(np.asarray(u) * np.asarray(v))))


def _five_point(f, xs, vs, h=FD_STEP):
    at = [np.asarray(f(*[x + c * h * v for x, v in zip(xs, vs)])) for c in (2, 1, -1, -2)]
    return (-at[0] + 8 * at[1] - 8 * at[2] + at[3]) / (12 * h)


def check_program(inputs, ops, seed=0):
    if not ops:
        return
    f = lambda *xs: _run(ops, xs)
    rng = np.random.default_rng(seed)
    xs = tuple(inputs)
    vs = tuple(_crandn(rng, np.shape(x)) for x in xs)
    out, tangent = adcore.jvp(f, xs, vs)
    scale = max(1.0, float(np.max(np.abs(tangent), initial=0.0)))
    labels = [label for label, _, _ in ops]
    np.testing.assert_allclose(
        tangent, _five_point(f, xs, vs), rtol=1e-5, atol=1e-6 * scale, err_msg=f"JVP {labels}"
    )
    w = _crandn(rng, np.shape(out)) if np.iscomplexobj(out) else rng.standard_normal(np.shape(out))
    cts = adcore.vjp(f, *xs)[1](w)
    lhs = sum(_pair(c, v) for c, v in zip(cts, vs))
    np.testing.assert_allclose(lhs, _pair(w, tangent), rtol=1e-9, atol=1e-9 * scale)

    def scalar(*ys):
        return anp.sum(anp.real(f(*ys) * w))

    every = tuple(range(len(xs)))
    grads = adcore.grad(scalar, every)(*xs)
    for g, c in zip(grads, cts):
        np.testing.assert_allclose(g, c, rtol=1e-12, atol=1e-12, err_msg=f"grad {labels}")
    g1, hv1 = adcore.hvp(scalar, xs, vs, mode="fwd-over-rev")
    g2, hv2 = adcore.hvp(scalar, xs, vs, mode="rev-over-rev")
    flat = lambda t: np.concatenate([np.ravel(a) for a in t])
    hv1, hv2 = (flat(h if len(xs) > 1 else (h,)) for h in (hv1, hv2))
    hscale = max(1.0, float(np.max(np.abs(hv1), initial=0.0)))
    np.testing.assert_allclose(hv1, hv2, rtol=1e-8, atol=1e-8 * hscale, err_msg=f"HVP {labels}")
    fd = _five_point(lambda *ys: flat(adcore.grad(scalar, every)(*ys)), xs, vs)
    np.testing.assert_allclose(hv1, fd, rtol=1e-4, atol=1e-5 * hscale, err_msg=f"HVP fd {labels}")
    holomorphic = not any(label.split("[")[0] in NOT_HOLOMORPHIC for label in labels)
    if holomorphic and np.iscomplexobj(out):
        jf = adcore.jacfwd(f, every, holomorphic=True)(*xs)
        jr = adcore.jacrev(f, every, holomorphic=True)(*xs)
        for a, b in zip(jf, jr):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10 * scale)


_FUZZ = dict(deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


@settings(max_examples=60, **_FUZZ)
@given(programs())
def test_random_complex_programs_agree(prog):
    check_program(*prog)


@settings(max_examples=1500, **{**_FUZZ, "derandomize": False})
@given(programs(max_ops=10))
def _long_run(prog):
    check_program(*prog)


@pytest.mark.slow
def test_random_complex_programs_agree_long():
    _long_run()
