"""Suite `overhead`: microseconds per op on a chain of scalar ops.

`x = sin(x)*1.01 + 0.1*x` repeated 250 times is 1000 scalar ops, so every AD
system's time is almost all dispatch overhead: the price of one traced
operation.  The engine issue's targets: reverse grad <= 5 us/op, forward jvp
<= 3 us/op.
"""

from __future__ import annotations

import numpy as np

from . import minimal
from . import workloads as w
from .common import SYSTEM_COLORS, Candidate, backend_candidates, cell, compare, save_plot, timed

NAME = "overhead"
OPS_PER_REPEAT = 4
TARGETS_US = {"reverse": 5.0, "forward": 3.0}


def n_steps(level):
    return 1


def run(ctx) -> dict:
    repeats = ctx.pick(tiny=10, quick=250, full=250)
    n_ops = OPS_PER_REPEAT * repeats
    x0 = 0.5
    value, deriv = w.scalar_chain_derivative(x0, repeats)
    cands = [
        Candidate(
            "numpy",
            lambda: w.scalar_chain(w.NUMPY, np.float64(x0), repeats),
            mode="primal",
            check=False,
        ),
        Candidate(
            "hand-written derivative",
            lambda: w.scalar_chain_derivative(x0, repeats),
            mode="forward",
            result=lambda: w.scalar_chain_derivative(x0, repeats)[1],
        ),
    ]
    # the floor MEASURED.md calibrates the targets with: a bare tape, bare dual numbers
    cands += [
        Candidate(
            "minimal tape",
            lambda: minimal.tape_grad(lambda x: w.scalar_chain(minimal.TAPE_OPS, x, repeats), x0),
            system="minimal",
            mode="reverse",
        ),
        Candidate(
            "minimal dual",
            lambda: minimal.dual_jvp(lambda x: w.scalar_chain(minimal.DUAL_OPS, x, repeats), x0),
            system="minimal",
            mode="forward",
            to_numpy=lambda r: r[1],
        ),
    ]
    cands += backend_candidates(ctx, _candidates, x0, repeats)
    entries = compare(
        ctx,
        "overhead: scalar chain",
        cands,
        reference=deriv,
        baseline="numpy",
        rtol=1e-9,
        atol=1e-12,
    )
    for e in entries.values():
        if "time_s" in e:
            e["us_per_op"] = e["time_s"] / n_ops * 1e6
    summary = {}
    for mode in ("reverse", "forward"):
        e = entries.get(f"adcore {mode}", {})
        if "us_per_op" in e:
            summary[f"adcore_{mode}_us_per_op"] = e["us_per_op"]
            summary[f"adcore_{mode}_target_us"] = TARGETS_US[mode]
            summary[f"adcore_{mode}_met"] = e["us_per_op"] <= TARGETS_US[mode]
            floor = entries.get(f"minimal {'tape' if mode == 'reverse' else 'dual'}", {})
            if "time_s" in floor:
                summary[f"adcore_{mode}_over_minimal"] = e["time_s"] / floor["time_s"]
            for peer in ctx.peers():
                pe = entries.get(f"{peer.name} {mode}", {})
                if "time_s" in pe:
                    summary[f"{peer.name}_{mode}_over_adcore"] = pe["time_s"] / e["time_s"]
    return {
        "params": {
            "repeats": repeats,
            "n_ops": n_ops,
            "x0": x0,
            "derivative": float(deriv),
            "value": float(value),
        },
        "entries": entries,
        "summary": summary,
    }


def _candidates(b, x0, repeats):
    if b.name == "jax-jit":  # compiling a 1000-op chain measures XLA, not dispatch
        return []

    def f(x):
        return w.scalar_chain(b.ops, x, repeats)

    x, one, g = b.scalar(x0), b.scalar(1.0), b.grad(f)
    return [
        timed(b, "reverse", lambda: g(x), "reverse"),
        timed(b, "forward", lambda: b.jvp(f, (x,), (one,)), "forward", lambda r: b.to_numpy(r[1])),
    ]


def markdown(res: dict) -> str:
    p = res["params"]
    lines = [
        f"Chain `x = sin(x)*1.01 + 0.1*x` x {p['repeats']} = {p['n_ops']} scalar ops, "
        f"float64. Targets: reverse <= {TARGETS_US['reverse']} us/op, forward <= "
        f"{TARGETS_US['forward']} us/op.",
        "",
        "| what | mode | us per op | x numpy |",
        "|---|---|---:|---:|",
    ]
    for name, e in res["entries"].items():
        lines.append(
            f"| {name} | {e['mode']} | {cell(e, 'us_per_op', '{:.2f}')} | "
            f"{cell(e, 'ratio', '{:.1f}')} |"
        )
    sm = res.get("summary", {})
    floors = [
        f"{mode} {sm[f'adcore_{mode}_over_minimal']:.1f}x the minimal {kind}"
        for mode, kind in (("reverse", "tape"), ("forward", "dual"))
        if f"adcore_{mode}_over_minimal" in sm
    ]
    if floors:
        lines += [
            "",
            "adcore against the bare floor (benchmarks/minimal.py): " + ", ".join(floors) + ".",
        ]
    return "\n".join(lines)


def plots(res: dict, plt, path_for) -> list:
    rows = [(n, e) for n, e in res["entries"].items() if "us_per_op" in e]
    if not rows:
        return []
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(rows) + 1.5))
    names = [n for n, _ in rows]
    vals = [e["us_per_op"] for _, e in rows]
    colors = [SYSTEM_COLORS.get(e["system"], "tab:blue") for _, e in rows]
    ax.barh(names, vals, color=colors)
    ax.set_xscale("log")
    ax.invert_yaxis()
    for (mode, target), style in zip(TARGETS_US.items(), ("--", ":"), strict=True):
        ax.axvline(target, ls=style, lw=1, color="tab:red", label=f"{mode} target {target} us")
    ax.legend(fontsize=8, loc="upper right")
    ax.set_xlim(right=max(vals) * 4)
    for i, v in enumerate(vals):
        ax.text(v, i, f" {v:.2f}", va="center", fontsize=8)
    ax.set_xlabel("microseconds per op (log scale, lower is better)")
    ax.set_title(f"Per-op overhead, {res['params']['n_ops']}-op scalar chain")
    return save_plot(fig, plt, path_for, "overhead")
