"""Suite `taylor`: the first k derivatives along one direction, k = 1..8 (issue 14).

f is a tanh MLP applied to a batch of inputs; the direction v moves the inputs.
Per order k, side by side: one adcore jvp (the baseline: every ratio is "x one
jvp"), a hand-written numpy Taylor propagation (the reference every result is
checked against), adcore's jet (``taylor_derivatives``), k nested adcore jvps
(2^k work per op, so only up to NESTED_MAX) and JAX's ``jax.experimental.jet``
run eagerly (op by op, as adcore runs).

Targets: jet <= k/2 x one jvp at k = 8; jet >= 10x faster than nested jvp at k = 6.

The same comparisons run a second time with ``adcore_jit`` enabled (numba
kernels for the elementwise rules, Taylor recurrences included) for every
candidate of the comparison, the jvp baseline too, when numba is installed
(not at --tiny: the first run compiles the kernels).  Its ratios are
reported beside the pure-numpy ones; enabling is process-wide and costs
~0.4 ms, so it is switched once around a comparison, never per call.
"""

from __future__ import annotations

import math

import numpy as np

from .common import Candidate, case_table, comparison, save_plot, verdict

NAME = "taylor"
TOL = {"rtol": 1e-7, "atol": 1e-9}


def _sizes(ctx):
    return (
        ctx.pick(tiny=2, quick=8, full=64),
        ctx.pick(tiny=(4, 4, 4, 2), quick=(64, 64, 64, 10), full=(256, 256, 256, 10)),
        ctx.pick(tiny=(1, 2, 3), quick=tuple(range(1, 9)), full=tuple(range(1, 9))),
        ctx.pick(tiny=3, quick=6, full=6),  # nested jvp only up to this order
    )


def mlp(ops, params, x):
    """A tanh MLP: tanh layers, then a linear read-out."""
    for W, b in params[:-1]:
        x = ops.tanh(x @ W + b)
    W, b = params[-1]
    return x @ W + b


def taylor_hand(params, x, v, k):
    """The k-th derivative of ``mlp`` along v, by hand: coefficients through each layer."""
    c = [x, v] + [np.zeros_like(x)] * (k - 1)
    for W, b in params[:-1]:
        c = [ci @ W for ci in c]
        c[0] = c[0] + b
        y = [np.tanh(c[0])]
        p = [1.0 - y[0] * y[0]]  # tanh' = 1 - tanh^2, as a series
        for n in range(1, k + 1):
            y.append(sum(j * c[j] * p[n - j] for j in range(1, n + 1)) / n)
            p.append(-sum(y[i] * y[n - i] for i in range(n + 1)))
        c = y
    W, b = params[-1]
    return (c[k] @ W) * math.factorial(k)


def nested_jvp(adcore, f, x, v, k):
    """The k-th derivative by k nested jvps."""
    g = f
    for _ in range(k):
        g = (lambda h: lambda y: adcore.jvp(h, (y,), (v,))[1])(g)
    return g(x)


def n_steps(level):
    return 16 if level != "tiny" else 3


def _jit_module(level):
    """adcore_jit with its kernels compiled, or None (no numba, or a tiny run)."""
    if level == "tiny":
        return None
    try:
        import adcore_jit
    except ImportError:
        return None
    adcore_jit.compile_all()
    return adcore_jit


def run(ctx) -> dict:
    import adcore
    import adcore.numpy as anp

    rng = ctx.rng()
    batch, sizes, orders, nested_max = _sizes(ctx)
    params = [
        (rng.standard_normal((a, b)) / np.sqrt(a), 0.1 * rng.standard_normal(b))
        for a, b in zip(sizes[:-1], sizes[1:])
    ]
    x = rng.standard_normal((batch, sizes[0]))
    v = rng.standard_normal((batch, sizes[0]))
    f = lambda y: mlp(anp, params, y)
    jax_jet = _jax_jet(ctx, params, x, v)

    jit = _jit_module(ctx.level)
    cases, jit_cases = {}, {}
    for k in orders:
        ref = taylor_hand(params, x, v, k)
        cands = [
            Candidate("adcore one jvp", lambda: adcore.jvp(f, (x,), (v,))[1], "adcore",
                      mode="jvp", check=False),
            Candidate("numpy hand-written Taylor", lambda k=k: taylor_hand(params, x, v, k),
                      mode="hand"),
            Candidate("adcore jet", lambda k=k: adcore.taylor_derivatives(f, x, v, k)[-1],
                      "adcore", mode="jet"),
        ]  # fmt: skip
        if k <= nested_max:
            cands.append(
                Candidate("adcore nested jvp", lambda k=k: nested_jvp(adcore, f, x, v, k),
                          "adcore", mode="nested jvp")
            )  # fmt: skip
        what = (
            f"derivative of order {k} along v, tanh MLP {'-'.join(map(str, sizes))}, batch {batch}"
        )
        if jit is not None:  # the adcore candidates again, every one with the kernels on
            with jit.enabled():
                jit_cases[str(k)] = comparison(
                    ctx, f"taylor: order {k}, adcore_jit", what + ", adcore_jit enabled",
                    cands, ref, **TOL,
                )  # fmt: skip
        elif ctx.level != "tiny":  # no numba: keep the progress count honest
            ctx.progress.step(f"taylor: order {k}, adcore_jit (skipped)")
        if jax_jet is not None:
            cands.append(Candidate("jax jet (eager)", lambda k=k: jax_jet(k), "jax", mode="jet"))
        # string keys: the same after a JSON round trip (--render)
        cases[str(k)] = comparison(ctx, f"taylor: order {k}", what, cands, ref, **TOL)

    summary = _summary(cases, orders, nested_max, ctx.level)
    if jit_cases:
        summary["adcore_jit"] = _summary(jit_cases, orders, nested_max, ctx.level)
    return {"params": {"batch": batch, "sizes": sizes, "orders": orders,
                       "nested_max": nested_max}, "cases": cases, "jit_cases": jit_cases,
            "summary": summary}  # fmt: skip


def _jax_jet(ctx, params, x, v):
    """JAX's jet, eager, or None when JAX is not a peer of this run (or the run is tiny)."""
    if "jax" not in ctx.backends or ctx.level == "tiny":
        return None
    import jax.numpy as jnp
    from jax.experimental.jet import jet

    jparams = [(jnp.asarray(W), jnp.asarray(b)) for W, b in params]
    jx, jv = jnp.asarray(x), jnp.asarray(v)
    zero = jnp.zeros_like(jx)

    def kth(k):
        _, terms = jet(lambda y: mlp(jnp, jparams, y), (jx,), ([jv] + [zero] * (k - 1),))
        return np.asarray(terms[-1].block_until_ready())

    return kth


def _time(case, name):
    return case["entries"].get(name, {}).get("time_s")


def _summary(cases, orders, nested_max, level):
    out = {}
    top = max(orders)
    case = {k: cases[str(k)] for k in orders}
    jet_top, jvp_top = _time(case[top], "adcore jet"), _time(case[top], "adcore one jvp")
    if jet_top and jvp_top:
        out["jet_over_jvp_at_max_order"] = jet_top / jvp_top
        out["target_jet_over_jvp"] = top / 2
        out["verdict_jet_over_jvp"] = verdict(jet_top / jvp_top <= top / 2, level)
    k6 = min(6, nested_max, top)
    jet6, nested6 = _time(case[k6], "adcore jet"), _time(case[k6], "adcore nested jvp")
    if jet6 and nested6:
        out["nested_over_jet_at_6"] = nested6 / jet6
        out["order_for_nested"] = k6
        out["verdict_nested_over_jet"] = verdict(nested6 / jet6 >= 10.0, level)
    jax_ratio = {
        str(k): _time(case[k], "jax jet (eager)") / _time(case[k], "adcore jet")
        for k in orders
        if _time(case[k], "jax jet (eager)") and _time(case[k], "adcore jet")
    }
    if jax_ratio:
        out["jax_jet_over_adcore_jet"] = jax_ratio
    return out


def markdown(res: dict) -> str:
    p, s = res["params"], res["summary"]
    top = max(p["orders"])
    lines = [
        f"tanh MLP {'-'.join(map(str, p['sizes']))} on a batch of {p['batch']}; ratios are "
        f"x one adcore jvp. Nested jvp up to order {p['nested_max']}.",
        "",
    ]
    for label, summ in (("", s), (" (adcore_jit enabled)", s.get("adcore_jit", {}))):
        if "jet_over_jvp_at_max_order" in summ:
            lines.append(
                f"- jet at k = {top}{label}: {summ['jet_over_jvp_at_max_order']:.2f} x one jvp "
                f"(target <= {summ['target_jet_over_jvp']:.0f}): {summ['verdict_jet_over_jvp']}"
            )
        if "nested_over_jet_at_6" in summ:
            lines.append(
                f"- nested jvp / jet at k = {summ['order_for_nested']}{label}: "
                f"{summ['nested_over_jet_at_6']:.1f}x (target >= 10x): "
                f"{summ['verdict_nested_over_jet']}"
            )
    if "jax_jet_over_adcore_jet" in s:
        shown = ", ".join(f"k={k}: {r:.1f}x" for k, r in s["jax_jet_over_adcore_jet"].items())
        lines.append(f"- JAX jet (eager) / adcore jet: {shown}")
    lines.append("")
    for case in list(res["cases"].values()) + list(res.get("jit_cases", {}).values()):
        lines += case_table(f"**{case['what']}**", case["entries"], "candidate", "x one jvp")
    return "\n".join(lines)


def plots(res: dict, plt, path_for) -> list:
    fig, ax = plt.subplots(figsize=(7, 4.5))
    orders = res["params"]["orders"]
    names = []
    for case in res["cases"].values():
        names += [n for n in case["entries"] if n not in names]
    for name in names:
        ks = [k for k in orders if _time(res["cases"][str(k)], name)]
        if ks:
            ts = [_time(res["cases"][str(k)], name) * 1e3 for k in ks]
            ax.plot(ks, ts, marker="o", label=name, ls="--" if "nested" in name else "-")
    ax.set_yscale("log")
    ax.set_xlabel("derivative order k")
    ax.set_ylabel("ms per call (median)")
    p = res["params"]
    ax.set_title(f"k-th directional derivative, tanh MLP {'-'.join(map(str, p['sizes']))}")
    ax.legend(fontsize=8)
    return save_plot(fig, plt, path_for, "taylor")
