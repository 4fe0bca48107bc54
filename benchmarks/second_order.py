"""Suite `second_order`: Hessian-vector products in all four modes, and full Hessians.

On an MLP loss (parameters as a pytree), a small MLP with a flat parameter
vector (small enough for a full Hessian), and Rosenbrock.  Baselines are
hand-written: the Rosenbrock HVP and Hessian in closed form; for the MLPs the
hand-written gradient (so an HVP reads "costs k gradients") and, for checking,
complex-step derivatives of that gradient (exact to rounding).

fwd-over-fwd needs one forward pass per input direction (n batched tangents),
so it is only run where n <= FOF_LIMIT.
"""

from __future__ import annotations

import numpy as np

from . import workloads as w
from .common import Candidate, backend_candidates, case_table, comparison, timed

NAME = "second_order"
MODES = ("fwd-over-rev", "rev-over-rev", "rev-over-fwd", "fwd-over-fwd")
FOF_LIMIT = 2000
QUICK_SKIP = ("jax",)  # JAX eager compiles each op per shape: ~25 s of warm-up here
TOL = {"rtol": 1e-7, "atol": 1e-10}  # against the complex-step references


def complex_step_hvp(grad_fn, x, v, eps=1e-30):
    """H v = Im(grad(x + i eps v)) / eps: exact to rounding, no subtractive cancellation.

    Needs a gradient written with complex-safe numpy (the hand-written ones here are).
    """
    if isinstance(x, tuple):
        g = grad_fn(tuple(a + 1j * eps * b for a, b in zip(x, v, strict=True)))
        return tuple(np.imag(a) / eps for a in g)
    return np.imag(grad_fn(x + 1j * eps * v)) / eps


def _hvp_candidates(ctx, f_of, x, v, n_params):
    """Candidates for every backend's HVP modes; f_of(backend) -> scalar function."""

    def build(b):
        f = f_of(b)
        xn, vn = b.to_native(x), b.to_native(v)
        return [
            timed(b, mode, lambda mode=mode: b.hvp(f, xn, vn, mode), mode)
            for mode in MODES
            if mode in b.hvp_modes and (mode != "fwd-over-fwd" or n_params <= FOF_LIMIT)
        ]

    return backend_candidates(ctx, build, skip_quick=QUICK_SKIP)


def _hessian_candidates(ctx, f_of, x):
    def build(b):
        f = f_of(b)
        xn = b.to_native(x)
        H = b.hessian(f)
        return [timed(b, "hessian", lambda: H(xn), "hessian")]

    return backend_candidates(ctx, build, skip_quick=QUICK_SKIP)


def n_steps(level):
    return 5


def run(ctx) -> dict:
    rng = ctx.rng()
    cases = {}

    # ---- HVP of the MLP loss, parameters as a tuple pytree
    sizes = ctx.pick(tiny=(12, 8, 3), quick=(196, 64, 10), full=(784, 256, 10))
    batch = ctx.pick(tiny=4, quick=64, full=128)
    params, X, Y = w.mlp_problem(rng, sizes, batch)
    v = tuple(rng.standard_normal(p.shape) for p in params)
    n_params = sum(p.size for p in params)
    ref = complex_step_hvp(lambda p: w.mlp_grad_hand(p, X, Y), params, v)

    def mlp_f(b):
        Xn, Yn = b.to_native(X), b.to_native(Y)
        return lambda p: w.mlp_loss(b.ops, p, Xn, Yn)

    cands = [
        Candidate(
            "hand-written grad", lambda: w.mlp_grad_hand(params, X, Y), mode="gradient", check=False
        )
    ]
    cands += _hvp_candidates(ctx, mlp_f, params, v, n_params)
    what = f"HVP of MLP {'-'.join(map(str, sizes))} loss, batch {batch} ({n_params} parameters)"
    cases["mlp_hvp"] = comparison(ctx, "second order: MLP hvp", what, cands, ref, **TOL)

    # ---- small MLP, flat parameters: all four HVP modes and the full Hessian
    ssizes = ctx.pick(tiny=(3, 3, 2), quick=(16, 8, 4), full=(16, 16, 4))
    sbatch = ctx.pick(tiny=4, quick=32, full=64)
    unpack, n_small = w.flat_mlp(ssizes)
    theta = np.concatenate([p.ravel() for p in w.mlp_params(rng, ssizes)])
    Xs, Ys = w.mlp_data(rng, sbatch, ssizes[0], ssizes[2])
    vs = rng.standard_normal(n_small)

    def flat_grad(t):
        return np.concatenate([g.ravel() for g in w.mlp_grad_hand(unpack(t), Xs, Ys)])

    eye = np.eye(n_small)
    H_ref = np.stack([complex_step_hvp(flat_grad, theta, e) for e in eye])

    def small_f(b):
        Xn, Yn = b.to_native(Xs), b.to_native(Ys)
        return lambda t: w.mlp_loss(b.ops, unpack(t), Xn, Yn)

    base = Candidate("hand-written grad", lambda: flat_grad(theta), mode="gradient", check=False)
    cands = [base] + _hvp_candidates(ctx, small_f, theta, vs, n_small)
    what = (
        f"HVP of MLP {'-'.join(map(str, ssizes))} loss, batch {sbatch}, flat parameters "
        f"(n = {n_small})"
    )
    cases["small_mlp_hvp"] = comparison(
        ctx, "second order: small MLP hvp", what, cands, H_ref @ vs, **TOL
    )
    cands = [base] + _hessian_candidates(ctx, small_f, theta)
    what = f"full Hessian of the same small MLP loss (n = {n_small})"
    cases["small_mlp_hessian"] = comparison(
        ctx, "second order: small MLP hessian", what, cands, H_ref, **TOL
    )

    # ---- Rosenbrock
    n_hvp = ctx.pick(tiny=8, quick=300, full=1000)
    xr = rng.uniform(-1.5, 1.5, n_hvp)
    vr = rng.standard_normal(n_hvp)

    def ros_f(b):
        return lambda z: w.rosenbrock(b.ops, z)

    cands = [Candidate("hand-written hvp", lambda: w.rosenbrock_hvp_hand(xr, vr))]
    cands += _hvp_candidates(ctx, ros_f, xr, vr, n_hvp)
    ref = w.rosenbrock_hvp_hand(xr, vr)
    what = f"HVP of Rosenbrock, n = {n_hvp}"
    cases["rosenbrock_hvp"] = comparison(ctx, "second order: Rosenbrock hvp", what, cands, ref)
    n_h = ctx.pick(tiny=8, quick=50, full=200)
    xh = rng.uniform(-1.5, 1.5, n_h)
    cands = [Candidate("hand-written hessian", lambda: w.rosenbrock_hessian_hand(xh))]
    cands += _hessian_candidates(ctx, ros_f, xh)
    ref = w.rosenbrock_hessian_hand(xh)
    what = f"full Hessian of Rosenbrock, n = {n_h}"
    cases["rosenbrock_hessian"] = comparison(
        ctx, "second order: Rosenbrock hessian", what, cands, ref
    )

    summary = {}
    for key, case in cases.items():
        best = None
        for name, e in case["entries"].items():
            if e["system"] == "adcore" and "ratio" in e and (best is None or e["ratio"] < best[1]):
                best = (name, e["ratio"])
        summary[key] = {
            "adcore_best": best[0] if best else None,
            "adcore_best_ratio": best[1] if best else None,
        }
    return {
        "params": {
            "mlp_sizes": sizes,
            "batch": batch,
            "n_params": n_params,
            "small_mlp": ssizes,
            "small_n": n_small,
            "rosenbrock_hvp_n": n_hvp,
            "rosenbrock_hessian_n": n_h,
            "fof_limit": FOF_LIMIT,
        },
        "cases": cases,
        "summary": summary,
    }


def markdown(res: dict) -> str:

    lines = [
        f"fwd-over-fwd runs only where n <= {FOF_LIMIT} (it needs n batched forward passes).",
        "",
    ]
    for case in res["cases"].values():
        title = f"**{case['what']}** (x {case['baseline']})"
        lines += case_table(title, case["entries"], "mode", "x baseline")
    return "\n".join(lines)
