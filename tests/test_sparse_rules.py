"""Every primitive's sparsity rule against the nonzeros of its dense Jacobian.

For each registered primitive and each of its registry spec cases, at random
points in the case's domain:

  (a) the detected Jacobian pattern contains every nonzero of the dense
      Jacobian (jacfwd) -- a pattern may be too dense, never too sparse;
  (b) it is no denser than the union of those nonzeros over a few points,
      except for the primitives whose rule is knowingly conservative;
  (c) the Hessian pattern of <w, f(x)> contains every nonzero of the dense
      Hessian (jacfwd of jacrev).
"""

import numpy as np
import pytest

pytest.importorskip("scipy")

from registry_specs import bind, cases_for, fill_slots
from test_registry import EXTRA, PRIMS

import adcore
import adcore.numpy as anp
from adcore.sparse.detect import detect

# Conservative on purpose: the true pattern depends on values the rule does not
# read (which entry is the max, a triangular factor, a decomposition's zeros).
NOT_TIGHT = {
    "max": "ties decide which entry is read: all of the slice, for every point",
    "min": "as max",
    "cholesky": "the factor is triangular; the rule says dense per matrix",
    "eigh_packed": "reads one triangle only; the rule says dense per matrix",
    "clip": "outside the bounds the derivative vanishes; which entries depends on x",
    "maximum": "which argument wins depends on the values",
    "minimum": "as maximum",
    "fmax": "as maximum",
    "fmin": "as maximum",
    # dense rules for operators that mix whole arrays (conservative, never too sparse)
    "dft": "dense over the whole array (batch axes too); the specs' frames compose two "
    "DFTs (F F x is x reversed), so most dense entries cancel",
    "irfftn": "as dft: its complex input is built as F a + i F b, a second DFT",
    "irfftn_transpose": "as irfftn",
    "hfft": "as irfftn (an irfft of the conjugate); batch axes are not mixed either",
    "ihfft": "as dft (the conjugate of an rfft); batch axes are not mixed either",
    "solve_triangular": "reads one triangle only; the rule says dense per matrix",
    "solve_banded": "band storage's unused corners are never read; the rule says dense",
    "signal_convolve": "a convolution is banded (Toeplitz); the rule says dense",
    "odeint": "the flow of the spec's ODE couples some components only; the rule says dense",
}
POINTS = 3


def _instantiate(case, seed):
    rng = np.random.default_rng(seed)
    slots, xs = fill_slots(case, lambda a, dom: rng.uniform(*dom, size=a))
    return bind(case, PRIMS[case.name], slots), xs


def _flat_jacobian(f, xs):
    every = tuple(range(len(xs)))
    m = int(np.size(f(*xs)))
    blocks = adcore.jacfwd(f, every)(*xs)
    return np.concatenate([np.reshape(b, (m, -1)) for b in blocks], axis=1)


def _missed(pattern, f, xs):
    """The true nonzeros (from the dense Jacobian) a pattern lacks, and all of them."""
    nonzero = _flat_jacobian(f, xs) != 0
    assert pattern.shape == nonzero.shape
    return np.argwhere(nonzero & ~pattern), nonzero


def test_the_check_catches_a_too_sparse_rule():
    from adcore.sparse import defsparsity
    from adcore.sparse import patterns as pt

    @adcore.primitive
    def reverse(x):
        return x[::-1]

    adcore.defjvp(reverse, lambda g, ans, x: g[..., ::-1])
    # wrong on purpose: claims output k reads input k
    defsparsity(reverse, lambda prim, ans, args, kwargs, traced: {0: pt.IDENTITY}, "linear")
    x = np.arange(1.0, 6.0)
    missed, _ = _missed(detect(reverse, (x,)).pattern.toarray(), reverse, [x])
    assert missed.size == 8  # every off-centre entry of the anti-diagonal


def _cases():
    out = []
    for name in sorted(PRIMS):
        for k, case in enumerate(cases_for(PRIMS[name], EXTRA) or []):
            case.name = name
            out.append(pytest.param(case, id=f"{name}-{k}"))
    return out


CASES = _cases()


def test_every_library_primitive_has_a_sparsity_rule():
    from adcore.sparse import rules

    rules.attach_all()  # what every detection does first (primitives registered later too)
    table = adcore.registry()
    missing = [n for n in PRIMS if not table[n].get("sparsity")]
    assert not missing, f"primitives without a sparsity rule: {missing}"


@pytest.mark.parametrize("case", CASES)
def test_jacobian_pattern_contains_every_nonzero(case):
    f, xs = _instantiate(case, 0)
    found = detect(f, xs, argnums=tuple(range(len(xs))))
    assert found.is_global, f"{case.name}: pattern flagged local: {found.reads}"
    assert not found.assumed_dense, f"{case.name}: fell back to dense"
    pattern = found.pattern.toarray()
    seen = np.zeros_like(pattern)
    for seed in range(POINTS):
        f, xs = _instantiate(case, seed)
        missed, nonzero = _missed(pattern, f, xs)
        assert not missed.size, f"{case.name}: true nonzeros {missed[:5].tolist()} not in pattern"
        seen |= nonzero
    if case.name not in NOT_TIGHT:
        extra = np.argwhere(pattern & ~seen)
        assert not extra.size, f"{case.name}: pattern entries {extra[:5].tolist()} never nonzero"


@pytest.mark.parametrize("case", CASES)
def test_hessian_pattern_contains_every_nonzero(case):
    f, xs = _instantiate(case, 1)
    w = np.random.default_rng(5).standard_normal(np.shape(f(*xs)))
    every = tuple(range(len(xs)))

    def scalar(*ys):
        return anp.sum(f(*ys) * w)

    found = detect(scalar, xs, argnums=every, hessian=True)
    pattern = found.hessian.toarray()
    n = pattern.shape[0]
    rows = adcore.jacfwd(
        lambda *ys: anp.concatenate([anp.ravel(g) for g in adcore.grad(scalar, every)(*ys)]), every
    )(*xs)
    dense = np.concatenate([np.reshape(r, (n, -1)) for r in rows], axis=1)
    missed = np.argwhere((np.abs(dense) > 1e-12) & ~pattern)
    assert not missed.size, f"{case.name}: Hessian nonzeros {missed[:5].tolist()} not in pattern"


def test_rules_reach_a_primitive_registered_after_another_died():
    """attach_all keys its scan on registrations, not on the registry's size: one
    primitive gone and another new leaves the size unchanged."""
    import gc

    from adcore.core import primitive
    from adcore.sparse import rules

    doomed = primitive(lambda x: np.sin(x), name="doomed_sin", family="fft")
    rules.attach_all()
    assert "sparsity" in doomed.variants
    del doomed
    gc.collect()
    fresh = primitive(lambda x: np.cos(x), name="fresh_cos", family="fft")
    rules.attach_all()
    assert "sparsity" in fresh.variants
