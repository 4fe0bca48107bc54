"""Suite `memory`: peak traced memory of reverse vs forward mode vs chain length.

A chain of `x = sin(x)*1.01 + 0.1*x` on a float64 vector, differentiated as
sum(chain(x)).  Reverse mode keeps every intermediate its pullbacks need on the
tape until the backward sweep, so its peak grows with the number of ops; forward
mode carries (primal, tangent) pairs left to right and its peak does not grow.
With `adcore.checkpoint` around blocks of ~sqrt(L) steps, reverse mode's peak
grows like sqrt(L) (block boundaries plus one recomputed block).
Measured with tracemalloc (numpy reports its buffers to it), peak minus the
memory in use before the call.  Peers whose arrays live outside numpy (JAX,
PyTorch) are invisible to tracemalloc and are not measured here.
"""

from __future__ import annotations

import numpy as np

from . import workloads as w
from .common import error_text, save_plot
from .timing import peak_bytes

NAME = "memory"


def n_steps(level):
    return 2 if level == "tiny" else 3 if level == "quick" else 6


def run(ctx) -> dict:
    size = ctx.pick(tiny=16, quick=1000, full=1000)
    lengths = ctx.pick(tiny=[2, 8], quick=[10, 30, 100], full=[10, 30, 100, 300, 1000, 3000])
    rng = ctx.rng()
    x = rng.standard_normal(size)
    v = np.ones(size)
    systems = {"numpy f": None}
    for name in ("adcore", "autograd"):
        if name in ctx.backends:
            systems[f"{name} reverse"] = (ctx.backends[name], "reverse")
            systems[f"{name} forward"] = (ctx.backends[name], "forward")
            if name == "adcore" and hasattr(ctx.backends[name].ad, "checkpoint"):
                systems["adcore reverse, checkpoint sqrt"] = (ctx.backends[name], "checkpoint")
    series = {k: {"lengths": [], "peak_bytes": [], "errors": []} for k in systems}
    for L in lengths:
        for key, spec in systems.items():
            try:
                fn = _make(spec, x, v, L)
                series[key]["peak_bytes"].append(peak_bytes(fn))
                series[key]["lengths"].append(L)
            except Exception as exc:
                series[key]["errors"].append(f"L={L}: {error_text(exc)}")
        ctx.progress.step(f"memory: chain of {4 * L} ops")
    summary = {}
    for key, s in series.items():
        if len(s["lengths"]) >= 2:
            b0, b1 = s["peak_bytes"][0], s["peak_bytes"][-1]
            l0, l1 = s["lengths"][0], s["lengths"][-1]
            summary[key] = {
                "bytes_per_op": (b1 - b0) / (4 * (l1 - l0)),
                "growth": b1 / b0 if b0 else None,
            }
    return {
        "params": {
            "vector_size": size,
            "lengths": lengths,
            "ops_per_length": 4,
            "bytes_per_vector": 8 * size,
        },
        "series": series,
        "summary": summary,
    }


def _make(spec, x, v, L):
    if spec is None:
        return lambda: w.scalar_chain(np, x, L)
    b, mode = spec
    ops = b.ops

    def f(z):
        return ops.sum(w.scalar_chain(ops, z, L))

    if mode == "reverse":
        g = b.grad(f)
        return lambda: g(x)
    if mode == "checkpoint":  # blocks of ~sqrt(L) steps recomputed in the sweep
        k = max(1, round(L**0.5))
        chain = w.checkpointed_chain(
            lambda h, steps: w.scalar_chain(ops, h, steps), L, k, b.ad.checkpoint
        )
        g = b.grad(lambda z: ops.sum(chain(z)))
        return lambda: g(x)
    return lambda: b.jvp(f, (x,), (v,))


def markdown(res: dict) -> str:
    p = res["params"]
    lengths = p["lengths"]
    lines = [
        f"Vector of {p['vector_size']} float64 ({p['bytes_per_vector'] / 1024:.1f} KiB); "
        f"{p['ops_per_length']} ops per chain step. Peak traced memory in KiB:",
        "",
        "| system | " + " | ".join(f"{4 * L} ops" for L in lengths) + " | bytes/op |",
        "|---|" + "---:|" * (len(lengths) + 1),
    ]
    for key, s in res["series"].items():
        by = dict(zip(s["lengths"], s["peak_bytes"], strict=False))
        cells = [f"{by[L] / 1024:.0f}" if L in by else "err" for L in lengths]
        per = res["summary"].get(key, {}).get("bytes_per_op")
        lines.append(
            f"| {key} | " + " | ".join(cells) + f" | {per:.0f} |"
            if per is not None
            else f"| {key} | " + " | ".join(cells) + " | n/a |"
        )
    return "\n".join(lines)


def plots(res: dict, plt, path_for) -> list:
    fig, ax = plt.subplots(figsize=(7, 4.5))
    drawn = False
    for key, s in res["series"].items():
        if s["lengths"]:
            ops = [4 * L for L in s["lengths"]]
            ax.plot(
                ops,
                [b / 2**20 for b in s["peak_bytes"]],
                marker="o",
                label=key,
                ls="--" if "forward" in key else "-",
            )
            drawn = True
    if not drawn:
        plt.close(fig)
        return []
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("ops in the chain")
    ax.set_ylabel("peak traced memory (MiB)")
    ax.set_title(f"Memory vs chain length (vector of {res['params']['vector_size']} float64)")
    ax.legend(fontsize=8)
    return save_plot(fig, plt, path_for, "memory")
