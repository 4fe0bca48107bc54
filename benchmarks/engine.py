"""Suite `engine`: the engine issue's speed targets against hand-written numpy.

- MLP 784-256-10 tanh, batch 128, float64 softmax cross-entropy: grad <= 1.15x
  a hand-written backprop;
- jacfwd and jacrev of a 256 -> 256 two-layer tanh net, jacfwd 4 -> 1024 and
  jacrev 1024 -> 4: each <= 2x one hand-written Jacobian;
- full Hessian of sum(tanh(A x)^2), n = 100: <= 10x a hand-written Hessian.

Every hand-written baseline is checked equal to adcore's result (and each peer's)
with np.allclose before anything is timed.
"""

from __future__ import annotations

from . import workloads as w
from .common import (
    SYSTEM_COLORS,
    Candidate,
    attempt,
    backend_candidates,
    case_table,
    comparison,
    save_plot,
    timed,
)

NAME = "engine"
TARGETS = {
    "mlp_grad": 1.15,
    "jac_256_fwd": 2.0,
    "jac_256_rev": 2.0,
    "jac_4_1024_fwd": 2.0,
    "jac_1024_4_rev": 2.0,
    "hessian_100": 10.0,
}
# target -> (case, adcore's transform the target is about)
TARGET_OF = {
    "mlp_grad": ("mlp_grad", "grad"),
    "jac_256_fwd": ("jac_256", "jacfwd"),
    "jac_256_rev": ("jac_256", "jacrev"),
    "jac_4_1024_fwd": ("jac_4_1024", "jacfwd"),
    "jac_1024_4_rev": ("jac_1024_4", "jacrev"),
    "hessian_100": ("hessian_100", "hessian"),
}


def n_steps(level):
    return 6


def run(ctx) -> dict:
    rng = ctx.rng()
    cases = {}

    # ---- MLP loss gradient
    sizes = ctx.pick(tiny=(20, 16, 5), quick=(784, 256, 10), full=(784, 256, 10))
    batch = ctx.pick(tiny=8, quick=128, full=128)
    params, X, Y = w.mlp_problem(rng, sizes, batch)
    ref = w.mlp_grad_hand(params, X, Y)

    def mlp_build(b):
        P, Xn, Yn = b.to_native(params), b.to_native(X), b.to_native(Y)
        g = b.grad(lambda p: w.mlp_loss(b.ops, p, Xn, Yn))
        return [timed(b, "grad", lambda: g(P), "reverse")]

    cands = [Candidate("hand-written", lambda: w.mlp_grad_hand(params, X, Y), mode="reverse")]
    cands += backend_candidates(ctx, mlp_build)
    what = f"MLP {'-'.join(map(str, sizes))} tanh, batch {batch}, softmax CE, gradient"
    cases["mlp_grad"] = comparison(ctx, "engine: MLP grad", what, cands, ref)

    # ---- Jacobians of a two-layer tanh net
    jac_shapes = {
        "jac_256": ctx.pick(tiny=(6, 6, 6), quick=(256, 256, 256), full=(256, 256, 256)),
        "jac_4_1024": ctx.pick(tiny=(2, 12, 8), quick=(4, 1024, 256), full=(4, 1024, 256)),
        "jac_1024_4": ctx.pick(tiny=(12, 2, 8), quick=(1024, 4, 256), full=(1024, 4, 256)),
        # small and overhead-bound: where eager peers pay their per-op dispatch
        "jac_small": ctx.pick(tiny=(3, 3, 4), quick=(8, 8, 16), full=(8, 8, 16)),
    }
    for key, (n, m, hidden) in jac_shapes.items():
        p = w.tanh_net_params(rng, n, m, hidden)
        x = rng.standard_normal(n)
        ref = w.tanh_net_jacobian_hand(p, x)

        def jac_build(b, p=p, x=x):
            pn, xn = b.to_native(p), b.to_native(x)

            def f(z):
                return w.tanh_net(b.ops, pn, z)

            out = [
                attempt(b, "jacfwd", "forward", lambda: b.jacfwd(f), xn),
                attempt(b, "jacrev", "reverse", lambda: b.jacrev(f), xn),
            ]
            if b.name == "adcore":
                J = b.jacobian_auto(f)
                choice = b.choose_mode(f, xn)
                choice = str(getattr(choice, "mode", choice))
                out.append(timed(b, "jacobian(auto)", lambda: J(xn), "auto", choice=choice))
            return out

        cands = [Candidate("hand-written", lambda p=p, x=x: w.tanh_net_jacobian_hand(p, x))]
        cands += backend_candidates(ctx, jac_build)
        what = f"Jacobian of tanh net {n} -> {m} (hidden {hidden})"
        cases[key] = comparison(ctx, f"engine: {key}", what, cands, ref)

    # ---- full Hessian of sum(tanh(A x)^2)
    n = ctx.pick(tiny=6, quick=100, full=100)
    A = rng.standard_normal((n, n)) / (2 * n**0.5)
    x = rng.standard_normal(n)
    ref = w.tanh_square_hessian_hand(A, x)

    def hess_build(b):
        An, xn = b.to_native(A), b.to_native(x)
        H = b.hessian(lambda z: w.tanh_square(b.ops, An, z))
        return [timed(b, "hessian", lambda: H(xn), "fwd-over-rev" if b.name == "adcore" else "")]

    cands = [Candidate("hand-written", lambda: w.tanh_square_hessian_hand(A, x))]
    cands += backend_candidates(ctx, hess_build)
    what = f"full Hessian of sum(tanh(A x)^2), n = {n}"
    cases["hessian_100"] = comparison(ctx, "engine: Hessian", what, cands, ref)
    summary = {
        key: _target(key, cases[case]["entries"].get(f"adcore {how}", {}))
        for key, (case, how) in TARGET_OF.items()
    }
    return {
        "params": {"mlp_sizes": sizes, "batch": batch, "jacobians": jac_shapes, "hessian_n": n},
        "cases": cases,
        "summary": summary,
        "targets": TARGETS,
    }


def _target(key, e):
    """Target `key` against adcore's entry `e`: the ratio and whether it is met."""
    if "ratio" in e:
        return {"ratio": e["ratio"], "target": TARGETS[key], "met": e["ratio"] <= TARGETS[key]}
    status = e.get("status", "missing")
    return {
        "ratio": None,
        "target": TARGETS[key],
        "met": False,
        "status": status,
        "error": e.get("error"),
    }


def markdown(res: dict) -> str:
    lines = []
    for case in res["cases"].values():
        title = f"**{case['what']}** (x hand-written, lower is better)"
        lines += case_table(title, case["entries"], "how", "x hand-written")
    return "\n".join(lines)


def plots(res: dict, plt, path_for) -> list:
    import numpy as np

    all_systems = {
        e["system"] for case in res["cases"].values() for e in case["entries"].values()
    } - {"numpy"}
    # one group of bars per target: adcore's transform, and each peer's same transform
    labels, targets, bars = [], [], {s: [] for s in all_systems}
    for key, (case, how) in TARGET_OF.items():
        if case in res["cases"]:
            labels.append(f"{case}\n{how}")
            targets.append(TARGETS[key])
            for system in all_systems:
                e = res["cases"][case]["entries"].get(f"{system} {how}", {})
                bars[system].append(e.get("ratio", np.nan))
    if not labels or not bars:
        return []
    order = ["adcore"] + sorted(s for s in bars if s != "adcore")
    order = [s for s in order if s in bars]
    fig, ax = plt.subplots(figsize=(10, 4.8))
    width = 0.8 / len(order)
    xs = np.arange(len(labels))
    for i, system in enumerate(order):
        vals = bars[system]
        ax.bar(
            xs + (i - (len(order) - 1) / 2) * width,
            vals,
            width,
            label=system,
            color=SYSTEM_COLORS.get(system),
        )
    for x, t in zip(xs, targets, strict=True):
        ax.hlines(t, x - 0.45, x + 0.45, colors="tab:red", linestyles="--", lw=1)
    ax.axhline(1.0, color="gray", lw=0.8)
    ax.set_yscale("log")
    ax.set_xticks(xs, labels, fontsize=8)
    ax.set_ylabel("time / hand-written numpy (log; dashed red: adcore target)")
    ax.set_title("Engine targets: adcore and peers against hand-written numpy")
    ax.legend(fontsize=8, ncol=len(order))
    return save_plot(fig, plt, path_for, "engine")
