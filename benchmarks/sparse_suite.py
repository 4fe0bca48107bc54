"""Sparse Jacobians and Hessians by coloring, against dense jacfwd/jacrev (and JAX).

Workloads, each checked against the dense Jacobian where that fits in memory:

* Brusselator 2-D (N x N grid, two species, periodic Laplacian): 2N^2 inputs
  and outputs, 6 nonzeros per row; N = 16, 32, 64;
* a banded residual (half-bandwidth 2: 5 colors);
* an arrowhead (one dense row, one dense column: bicoloring, 3 passes);
* a bundle-adjustment-shaped block Jacobian (residuals read one camera and one
  point each);
* the sparse Hessian of a banded objective at growing n (should be linear).

"sparse" is one call of ``sparse_jacobian`` from scratch (detection +
coloring + compressed passes); "prepared" reuses the pattern and coloring
(``sparse_jacobian(f).prepare(x)``) at a new point.  Candidates of one
comparison are timed round-robin, each for about 50 ms of consecutive calls
per round (a dense Jacobian frees tens of MB; the next candidate's first call
would pay the page faults of getting it back), and reported as medians over
the rounds of the per-call mean.  With numba installed the sparse and dense adcore
candidates are timed again with adcore_jit on around the whole comparison.
JAX's dense Jacobians are jitted and timed warm (compile excluded); they are
skipped when JAX is not installed.

    python -m benchmarks.sparse_suite [--quick] [--json]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # effective when this module is the entry point

import time  # noqa: E402

import numpy as np  # noqa: E402

import adcore  # noqa: E402
import adcore.numpy as anp  # noqa: E402

NAME = "sparse"
TARGETS = {
    "brusselator32_incl_detection": 20.0,
    "brusselator32_incl_detection_jit": 20.0,  # the same, the coloring loops in adcore_jit
    "brusselator32_prepared": 50.0,
}
FIELDS = {
    "brusselator32_incl_detection": "speedup_incl_detection",
    "brusselator32_incl_detection_jit": "speedup_incl_detection_jit",
    "brusselator32_prepared": "speedup_prepared",
}
BURST = 0.05  # seconds of consecutive calls per candidate per round (see round_robin)
DENSE_LIMIT = 4096  # above this many inputs a dense Jacobian is not attempted (memory)


# ---- workloads ------------------------------------------------------------------------
def brusselator(xp, n):
    """du = 1 + u^2 v - 4.4 u + a lap(u),  dv = 3.4 u - u^2 v + a lap(v) on a periodic grid."""
    roll, reshape, cat = xp.roll, xp.reshape, xp.concatenate
    alpha = 0.02 * n * n

    def lap(w):
        return roll(w, 1, 0) + roll(w, -1, 0) + roll(w, 1, 1) + roll(w, -1, 1) - 4.0 * w

    def f(y):
        u, v = reshape(y[: n * n], (n, n)), reshape(y[n * n :], (n, n))
        uuv = u * u * v
        du = 1.0 + uuv - 4.4 * u + alpha * lap(u)
        dv = 3.4 * u - uuv + alpha * lap(v)
        return cat([reshape(du, (-1,)), reshape(dv, (-1,))])

    return f


def banded(xp):
    def f(x):
        mid = x[:-4] - 2.0 * xp.sin(x[1:-3]) + x[2:-2] ** 3 - x[3:-1] + 0.5 * x[4:]
        return xp.concatenate([x[:2] ** 2, mid, xp.tanh(x[-2:])])

    return f


def arrowhead(xp):
    def f(x):
        return xp.concatenate([xp.reshape(xp.sum(x * x), (1,)), xp.exp(x[1:]) * x[0]])

    return f


def bundle(xp, cam_of, pt_of):
    """Two residuals per observation; observation k reads camera cam_of[k] (6 parameters:
    a scale pair, an offset pair, a rotation-like pair) and point pt_of[k] (3)."""

    def f(cams, pts):
        c, p = cams[cam_of], pts[pt_of]
        z = p[:, 2:3] + 2.0
        proj = p[:, :2] / z
        rot = proj * c[:, 4:5] + proj[:, ::-1] * c[:, 5:6]
        return xp.reshape(c[:, :2] * xp.tanh(rot) + c[:, 2:4], (-1,))

    return f


def chain_objective(x):
    """A banded (tridiagonal-plus) Hessian: Rosenbrock-like chain plus a quartic."""
    return anp.sum((x[1:] - x[:-1] ** 2) ** 2) + anp.sum(x**4 + anp.cos(x))


# ---- timing ----------------------------------------------------------------------------
def round_robin(fns, rounds, burst=0.0):
    """Median seconds per call of each zero-argument callable, timed round-robin.

    With ``burst`` (seconds), each round runs each candidate for about that long
    (at least one call) and keeps the mean per call: a dense Jacobian frees tens
    of MB, and the first call after it pays the page faults and cache misses of
    getting memory back, which says nothing about either method.
    """
    samples = {k: [] for k in fns}
    calls = {}
    for name, fn in fns.items():
        start = time.perf_counter()
        fn()  # warm up (and JAX's compile)
        fn()
        calls[name] = max(1, int(burst / max(time.perf_counter() - start, 1e-9) * 2))
    for _ in range(rounds):
        for name, fn in fns.items():
            start = time.perf_counter()
            for _ in range(calls[name]):
                fn()
            samples[name].append((time.perf_counter() - start) / calls[name])
    return {k: float(np.median(v)) for k, v in samples.items()}


def _jax():
    try:
        import jax

        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp

        return jax, jnp
    except Exception:
        return None, None


def _flat_dense(f, args, argnums):
    m = int(np.size(f(*args)))
    blocks = adcore.jacfwd(f, argnums)(*args)
    blocks = blocks if isinstance(blocks, tuple) else (blocks,)
    return np.concatenate([np.reshape(b, (m, -1)) for b in blocks], axis=1)


def jacobian_case(label, f, args, argnums, rounds, jax_f=None):
    """Time dense jacfwd/jacrev, JAX dense, sparse from scratch and prepared; check them."""
    from adcore.sparse import SparseJacobian

    n = sum(int(np.size(a)) for a in args)
    m = int(np.size(f(*args)))
    plan = SparseJacobian(f, args, argnums)
    shifted = tuple(a + 0.01 for a in args)
    fns = {
        "sparse": lambda: SparseJacobian(f, args, argnums)(*args),
        "prepared": lambda: plan(*shifted),
    }
    jit = _jit()
    entry = {"n": n, "m": m, "nnz": int(plan.pattern.nnz), "mode": plan.mode}
    entry["passes"] = plan.passes
    entry["reason"] = plan.reason
    if n <= DENSE_LIMIT:
        dense = _flat_dense(f, args, argnums)
        err = float(np.max(np.abs(plan(*args).toarray() - dense), initial=0.0))
        entry["max_abs_error_vs_dense"] = err
        if err > 1e-9 * max(1.0, float(np.max(np.abs(dense)))):
            raise AssertionError(f"{label}: sparse Jacobian differs from dense by {err}")
        fns["dense jacfwd"] = lambda: adcore.jacfwd(f, argnums)(*args)
        fns["dense jacrev"] = lambda: adcore.jacrev(f, argnums)(*args)
        if jax_f is not None:
            jax, jnp = _jax()
            jargs = tuple(jnp.asarray(a) for a in args)
            jf = jax.jit(jax.jacfwd(jax_f, argnums))
            jr = jax.jit(jax.jacrev(jax_f, argnums))
            fns["jax jacfwd (jit)"] = lambda: jax.block_until_ready(jf(*jargs))
            fns["jax jacrev (jit)"] = lambda: jax.block_until_ready(jr(*jargs))
    else:
        entry["dense"] = f"skipped: {m}x{n} dense float64 is {m * n * 8 / 2**20:.0f} MB per array"
    times = round_robin(fns, rounds, BURST)
    if jit is not None:
        # the same comparison again with adcore_jit on around all of it (switching it per
        # call would cost more than a sparse Jacobian): sparse and dense modes, side by side
        again = {k: fns[k] for k in ("sparse", "dense jacfwd", "dense jacrev") if k in fns}
        with jit.enabled():
            times.update(
                {f"{k} (adcore_jit)": v for k, v in round_robin(again, rounds, BURST).items()}
            )
    entry["time_s"] = times
    start = time.perf_counter()
    from adcore.sparse.detect import detect

    detect(f, args, argnums)
    entry["detect_s"] = time.perf_counter() - start
    entry["setup_s"] = plan.setup_s
    dense_modes = [times[k] for k in times if k.startswith("dense")]
    if dense_modes:
        best = min(dense_modes)  # the best dense mode, with or without adcore_jit
        entry["speedup_incl_detection"] = best / times["sparse"]
        entry["speedup_prepared"] = best / times["prepared"]
        if "sparse (adcore_jit)" in times:
            entry["speedup_incl_detection_jit"] = best / times["sparse (adcore_jit)"]
    return entry


def _jit():
    """adcore_jit with its kernels compiled (or loaded) now, or None without numba."""
    try:
        import adcore_jit
    except ImportError:
        return None
    adcore_jit.compile_all()
    return adcore_jit


def hessian_case(sizes, rounds):
    from adcore.sparse import SparseHessian

    out = {}
    for n in sizes:
        x = np.random.default_rng(n).random(n)
        plan = SparseHessian(chain_objective, (x,))
        if n <= 400:
            dense = adcore.hessian(chain_objective)(x)
            err = float(np.max(np.abs(plan(x).toarray() - dense)))
            if err > 1e-9 * max(1.0, float(np.max(np.abs(dense)))):
                raise AssertionError(f"sparse Hessian differs from dense by {err}")
        times = round_robin(
            {
                "sparse": lambda x=x: SparseHessian(chain_objective, (x,))(x),
                "prepared": lambda x=x, plan=plan: plan(x + 0.01),
            },
            rounds,
        )
        out[n] = {"time_s": times, "passes": plan.passes, "nnz": int(plan.pattern.nnz)}
    ns = np.array(sorted(out), dtype=float)
    for kind in ("sparse", "prepared"):
        t = np.array([out[int(k)]["time_s"][kind] for k in ns])
        if len(ns) > 1:
            slope = float(np.polyfit(np.log(ns), np.log(t), 1)[0])
            out[f"loglog_slope_{kind}"] = slope
    return out


# ---- the suite --------------------------------------------------------------------------
def n_steps(level):
    return 1


def params(level):
    return {
        "tiny": dict(
            grids=(4,), band=60, arrow=40, cams=3, pts=10, obs=20, hess=(200, 400), rounds=1
        ),
        "quick": dict(
            grids=(16, 32),
            band=1000,
            arrow=400,
            cams=10,
            pts=100,
            obs=400,
            hess=(2500, 5000, 10000),
            rounds=3,
        ),
        "full": dict(
            grids=(16, 32, 64),
            band=4000,
            arrow=2000,
            cams=20,
            pts=300,
            obs=1200,
            hess=(2500, 5000, 10000, 20000),
            rounds=5,
        ),
    }[level]


def run(ctx=None, level=None) -> dict:
    level = level or (ctx.level if ctx is not None else "quick")
    try:
        import scipy.sparse  # noqa: F401  (adcore.sparse's one dependency)
    except ImportError:
        reason = "scipy is not installed (pip install -e '.[sparse]')"
        return {"status": "skipped", "reason": reason}
    p = params(level)
    rounds = p["rounds"]
    jax, jnp = _jax()
    rng = np.random.default_rng(0)
    cases = {}
    for n in p["grids"]:
        y = rng.random(2 * n * n)
        jf = brusselator(jnp, n) if jax is not None else None
        cases[f"brusselator_{n}"] = jacobian_case(
            f"brusselator N={n}", brusselator(anp, n), (y,), 0, rounds, jf
        )
    x = rng.random(p["band"])
    cases["banded"] = jacobian_case(
        "banded", banded(anp), (x,), 0, rounds, banded(jnp) if jax else None
    )
    x = rng.random(p["arrow"])
    cases["arrowhead"] = jacobian_case(
        "arrowhead", arrowhead(anp), (x,), 0, rounds, arrowhead(jnp) if jax else None
    )
    cam_of = rng.integers(0, p["cams"], p["obs"])
    pt_of = rng.integers(0, p["pts"], p["obs"])
    cams, pts = rng.random((p["cams"], 6)), rng.random((p["pts"], 3))
    cases["bundle"] = jacobian_case(
        "bundle",
        bundle(anp, cam_of, pt_of),
        (cams, pts),
        (0, 1),
        rounds,
        bundle(jnp, cam_of, pt_of) if jax else None,
    )
    hess = hessian_case(p["hess"], rounds)
    summary = {}
    b32 = cases.get("brusselator_32", {})
    for key, target in TARGETS.items():
        field = FIELDS[key]
        if field in b32:
            summary[key] = {"ratio": b32[field], "target": target, "met": b32[field] >= target}
    if "loglog_slope_sparse" in hess:
        s = hess["loglog_slope_sparse"]
        summary["hessian_linear"] = {"loglog_slope": s, "target": "<= 1.2", "met": s <= 1.2}
    result = {
        "status": "ok",
        "params": {k: v for k, v in p.items()},
        "jax": None if jax is None else jax.__version__,
        "cases": cases,
        "hessian": {str(k): v for k, v in hess.items()},
        "summary": summary,
    }
    result["table"] = markdown(result)
    return result


def markdown(res: dict) -> str:
    if res.get("status") == "skipped":
        return f"Skipped: {res.get('reason')}"
    lines = [
        "Sparse Jacobians by coloring (ms, median; speedup = best of adcore's dense "
        "jacfwd/jacrev, with or without adcore_jit, over the sparse time; 'sparse' is one "
        "call from scratch, detection and coloring included; '+jit' the same with "
        "adcore_jit on, timed in a second round-robin with the dense modes, all under it)",
        "",
        "| case | n | nnz | mode | passes | dense fwd | dense rev | jax fwd | jax rev | "
        "sparse | sparse +jit | prepared | speedup | speedup +jit | speedup prepared |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def ratio(x):
        return "-" if x is None else f"{x:.1f}x"

    def ms(t, k):
        return f"{t[k] * 1e3:.2f}" if k in t else "-"

    for name, e in res["cases"].items():
        t = e["time_s"]
        fwd = min(t.get("dense jacfwd", np.inf), t.get("dense jacfwd (adcore_jit)", np.inf))
        rev = min(t.get("dense jacrev", np.inf), t.get("dense jacrev (adcore_jit)", np.inf))
        dense = {"dense jacfwd": fwd, "dense jacrev": rev}
        dense = {k: v for k, v in dense.items() if np.isfinite(v)}
        lines.append(
            f"| {name} | {e['n']} | {e['nnz']} | {e['mode']} | {e['passes']} | "
            f"{ms(dense, 'dense jacfwd')} | {ms(dense, 'dense jacrev')} | "
            f"{ms(t, 'jax jacfwd (jit)')} | {ms(t, 'jax jacrev (jit)')} | {ms(t, 'sparse')} | "
            f"{ms(t, 'sparse (adcore_jit)')} | {ms(t, 'prepared')} | "
            f"{ratio(e.get('speedup_incl_detection'))} | "
            f"{ratio(e.get('speedup_incl_detection_jit'))} | {ratio(e.get('speedup_prepared'))} |"
        )
    lines += ["", "Sparse Hessian of a banded objective (forward-over-reverse, star coloring)", ""]
    lines += [
        "| n | nnz | passes | sparse (incl. detection) ms | prepared ms |",
        "|---:|---:|---:|---:|---:|",
    ]
    for k, e in res["hessian"].items():
        if isinstance(e, dict):
            t = e["time_s"]
            lines.append(
                f"| {k} | {e['nnz']} | {e['passes']} | {t['sparse'] * 1e3:.2f} | "
                f"{t['prepared'] * 1e3:.2f} |"
            )
    for kind in ("sparse", "prepared"):
        s = res["hessian"].get(f"loglog_slope_{kind}")
        if s is not None:
            lines.append(f"\nlog-log slope of time vs n ({kind}): {s:.2f} (1 = linear)")
    if res["summary"]:
        lines += ["", "Targets:"]
        for key, v in res["summary"].items():
            got = v.get("ratio", v.get("loglog_slope"))
            verdict = "met" if v["met"] else "NOT met"
            lines.append(f"- {key}: {got:.2f} (target {v['target']}): {verdict}")
    return "\n".join(lines)


def plots(res, plt, path_for):
    if res.get("status") == "skipped":
        return []
    grids = {k: e for k, e in res["cases"].items() if k.startswith("brusselator_")}
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4))
    ns = [e["n"] for e in grids.values()]
    for key in ("dense jacfwd", "dense jacrev", "jax jacfwd (jit)", "sparse", "prepared"):
        pts = [(e["n"], e["time_s"][key]) for e in grids.values() if key in e["time_s"]]
        if pts:
            ax.loglog(*zip(*pts), "o-", label=key)
    ax.set_xlabel("n = 2 N^2 (Brusselator inputs)")
    ax.set_ylabel("seconds per Jacobian")
    ax.set_title("Brusselator 2-D Jacobian")
    ax.set_xticks(ns)
    ax.legend(fontsize=8)
    hs = {int(k): e for k, e in res["hessian"].items() if isinstance(e, dict)}
    for key in ("sparse", "prepared"):
        bx.loglog(sorted(hs), [hs[n]["time_s"][key] for n in sorted(hs)], "o-", label=key)
    bx.set_xlabel("n")
    bx.set_ylabel("seconds per Hessian")
    bx.set_title("sparse Hessian, banded objective")
    bx.legend(fontsize=8)
    fig.tight_layout()
    path = path_for("sparse")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return [path]


if __name__ == "__main__":
    import json
    import sys

    result = run(level="quick" if "--quick" in sys.argv else "full")
    print(result["table"])
    if "--json" in sys.argv:
        print(json.dumps({k: v for k, v in result.items() if k != "table"}, indent=1, default=str))
