"""Suite `cheap_gradient`: cost(grad f) / cost(f), beside the theory bound.

The bound compared with is the cheap gradient principle of reverse mode:
Griewank & Walther, *Evaluating Derivatives* (2nd ed., SIAM 2008), chapter 4
(the complexity of the reverse mode):  cost(f, grad f) <= omega * cost(f) with a
small constant omega around 3 to 4 in their operation-count model (often quoted
as <= 5), independent of the number of inputs.  Here cost(f) is the time of
plain numpy evaluating f, and every gradient (hand-written, adcore, peers) is
divided by that same time, measured side by side.

Engine issue target: adcore's ratio for the MLP within 1.3x of hand-written
backprop's ratio.
"""

from __future__ import annotations

from . import workloads as w
from .common import (
    SYSTEM_COLORS,
    Candidate,
    backend_candidates,
    comparison,
    save_plot,
    timed,
    verdict,
)

NAME = "cheap_gradient"
OMEGA = (3.0, 4.0)
OMEGA_QUOTED = 5.0
MLP_TARGET = 1.3
SOURCE = (
    "Griewank & Walther, Evaluating Derivatives, 2nd ed. (SIAM, 2008), ch. 4: "
    "cost(grad f) <= omega * cost(f), omega ~ 3-4 (often quoted <= 5)"
)


def n_steps(level):
    return 3


def run(ctx) -> dict:
    rng = ctx.rng()
    workloads = {}

    sizes = ctx.pick(tiny=(20, 16, 5), quick=(784, 256, 10), full=(784, 256, 10))
    batch = ctx.pick(tiny=8, quick=128, full=128)
    params, X, Y = w.mlp_problem(rng, sizes, batch)
    workloads["mlp"] = dict(
        what=f"MLP {'-'.join(map(str, sizes))} softmax CE loss, batch {batch}",
        f=w.mlp_loss,
        args=(params, X, Y),
        hand=lambda: w.mlp_grad_hand(params, X, Y),
    )

    n = ctx.pick(tiny=1000, quick=100_000, full=1_000_000)
    x = rng.standard_normal(n)
    workloads["elementwise"] = dict(
        what=f"sum(tanh(x) sin(x) + exp(-x^2/2) x), n = {n}",
        f=w.elementwise,
        args=(x,),
        hand=lambda: w.elementwise_grad_hand(x),
    )

    depth, width, cols = ctx.pick(tiny=(3, 8, 4), quick=(16, 128, 64), full=(32, 256, 128))
    Ws, Xm = w.matmul_chain_params(rng, depth, width, cols)
    workloads["matmul_chain"] = dict(
        what=f"0.5 ||W_{depth} ... W_1 X||^2, {width}x{width} weights, X {width}x{cols}",
        f=w.matmul_chain,
        args=(Ws, Xm),
        hand=lambda: w.matmul_chain_grad_hand(Ws, Xm),
    )

    cases = {}
    for key, wl in workloads.items():
        ref = wl["hand"]()

        def build(b, wl=wl):
            arg, *consts = (b.to_native(a) for a in wl["args"])

            def f(a):  # differentiated in its first argument, the rest held constant
                return wl["f"](b.ops, a, *consts)

            g = b.grad(f)
            out = [timed(b, "grad", lambda: g(arg), "reverse")]
            if b.name == "adcore":  # adcore's namespace on untraced arrays: its plain overhead
                out.append(
                    Candidate(
                        "adcore f (untraced)", lambda: f(arg), "adcore", "primal", check=False
                    )
                )
            return out

        cands = [
            Candidate(
                "numpy f", lambda wl=wl: wl["f"](w.NUMPY, *wl["args"]), mode="primal", check=False
            ),
            Candidate("hand-written grad", wl["hand"], mode="reverse"),
        ]
        cands += backend_candidates(ctx, build)
        cases[key] = comparison(ctx, f"cheap gradient: {key}", wl["what"], cands, ref)

    summary = {"omega": OMEGA, "omega_quoted": OMEGA_QUOTED, "source": SOURCE}
    for key, case in cases.items():
        e = case["entries"]
        a, h = e.get("adcore grad", {}).get("ratio"), e.get("hand-written grad", {}).get("ratio")
        summary[key] = {
            "adcore_ratio": a,
            "hand_ratio": h,
            "adcore_over_hand": (a / h) if a and h else None,
            "within_quoted_bound": (a <= OMEGA_QUOTED) if a else None,
        }
    m = summary["mlp"]
    m["target"] = MLP_TARGET
    m["met"] = bool(m["adcore_over_hand"] is not None and m["adcore_over_hand"] <= MLP_TARGET)
    return {
        "params": {
            "mlp_sizes": sizes,
            "batch": batch,
            "elementwise_n": n,
            "matmul_chain": (depth, width, cols),
        },
        "cases": cases,
        "summary": summary,
    }


def markdown(res: dict) -> str:
    s = res["summary"]
    lines = [
        f"Bound compared with: {SOURCE}. Ratios are time(gradient) / time(numpy f), "
        "measured side by side.",
        "",
        "| workload | system | cost(grad) / cost(f) |",
        "|---|---|---:|",
    ]
    for key, case in res["cases"].items():
        for name, e in case["entries"].items():
            if e.get("mode") == "primal" and name == "numpy f":
                continue
            val = f"{e['ratio']:.2f}" if "ratio" in e else e.get("status", "n/a")
            lines.append(f"| {key} | {name} | {val} |")
    m = s["mlp"]
    if m.get("adcore_over_hand") is not None:
        lines += [
            "",
            f"MLP: adcore's ratio is {m['adcore_over_hand']:.2f}x hand-written "
            f"backprop's (target <= {MLP_TARGET}: {verdict(m['met'], res.get('level', 'full'))}).",
        ]
    return "\n".join(lines)


def plots(res: dict, plt, path_for) -> list:
    import numpy as np

    keys = list(res["cases"])
    systems = []
    for case in res["cases"].values():
        for name, e in case["entries"].items():
            if e.get("mode") == "reverse" and name not in systems:
                systems.append(name)
    if not systems:
        return []
    fig, ax = plt.subplots(figsize=(9, 4.5))
    width = 0.8 / len(systems)
    for i, name in enumerate(systems):
        vals = [res["cases"][k]["entries"].get(name, {}).get("ratio", np.nan) for k in keys]
        system = name.split()[0] if name.split()[0] in SYSTEM_COLORS else "numpy"
        ax.bar(
            np.arange(len(keys)) + i * width - 0.4 + width / 2,
            vals,
            width,
            label=name,
            color=SYSTEM_COLORS[system],
        )
    ax.axhspan(
        OMEGA[0], OMEGA[1], color="tab:green", alpha=0.15, label="Griewank-Walther omega 3-4"
    )
    ax.axhline(OMEGA_QUOTED, color="tab:green", ls="--", lw=0.8, label="omega <= 5 (quoted)")
    ax.set_yscale("log")
    ax.set_xticks(np.arange(len(keys)), keys)
    ax.set_ylabel("cost(grad f) / cost(f)  (log)")
    ax.set_title("Cheap gradient principle: gradient time over numpy f time")
    ax.legend(fontsize=7, ncol=2)
    return save_plot(fig, plt, path_for, "cheap_gradient")
