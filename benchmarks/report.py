"""The markdown report: machine facts, the headline table of targets, one section per suite."""

from __future__ import annotations

from . import SUITE_MODULES
from .common import verdict

__all__ = ["markdown_report", "headline_rows"]


def _fmt(v, spec="{:.2f}"):
    return "n/a" if v is None else spec.format(v)


ENGINE_LABELS = {
    "mlp_grad": "MLP 784-256-10 gradient, x hand-written",
    "jac_256_fwd": "jacfwd 256->256, x hand-written",
    "jac_256_rev": "jacrev 256->256, x hand-written",
    "jac_4_1024_fwd": "jacfwd 4->1024, x hand-written",
    "jac_1024_4_rev": "jacrev 1024->4, x hand-written",
    "hessian_100": "full Hessian n=100, x hand-written",
}


def headline_rows(results: dict) -> list:
    """(what, measured, target, verdict) for every target the issues set; the verdicts of
    a quick or tiny run read "indicative: ..." (its sizes and repeats are too small)."""
    level = results.get("level", "full")
    suites = results["suites"]
    rows = []

    def add(what, measured, goal, met):
        rows.append((what, measured, goal, verdict(met, level)))

    ov = suites.get("overhead", {}).get("summary", {})
    for mode in ("reverse", "forward") if "overhead" in suites else ():
        tgt = ov.get(f"adcore_{mode}_target_us", 5.0 if mode == "reverse" else 3.0)
        value = _fmt(ov.get(f"adcore_{mode}_us_per_op"))
        add(f"scalar chain, {mode}, us/op", value, f"<= {tgt}", ov.get(f"adcore_{mode}_met"))
    eng = suites.get("engine", {}).get("summary", {})
    for key, label in ENGINE_LABELS.items():
        if (e := eng.get(key)) is not None:
            met = e.get("met") if e.get("ratio") is not None else None
            add(label, _fmt(e.get("ratio")), f"<= {e['target']}", met)
    if cg := suites.get("cheap_gradient", {}).get("summary", {}).get("mlp"):
        ratio = cg.get("adcore_over_hand")
        what = "cheap gradient MLP: adcore ratio / hand ratio"
        add(what, _fmt(ratio), f"<= {cg.get('target', 1.3)}", cg.get("met") if ratio else None)
    sw = suites.get("jacobian_sweep", {}).get("summary", {})
    if sw.get("judged"):
        picked = f"{100 * sw['accuracy']:.0f}% of {sw['judged']}"
        add("jacobian(auto) picks the faster mode", picked, ">= 95%", sw["accuracy"] >= 0.95)
        loss = f"{100 * sw['worst_loss']:.0f}%"
        add("jacobian(auto) worst loss when wrong", loss, "<= 10%", sw["worst_loss"] <= 0.10)
    everywhere = versus_peers(results)
    tallies = (
        [("autograd", "every workload", everywhere["autograd"])]
        if everywhere.get("autograd")
        else []
    )
    tallies += [
        (f"{peer} eager", "overhead-bound", tally)
        for peer, tally in versus_peers(results, overhead_bound_only=True).items()
        if peer != "autograd"
    ]
    for peer, where, (wins, total, worst) in tallies:
        closest = f"; closest {worst[0]} {worst[1]:.2f}x" if worst else ""
        add(
            f"adcore faster than {peer} ({where})", f"{wins}/{total}{closest}", "all", wins == total
        )
    return rows


# (suite, case or None, adcore entry, peer entry suffix, overhead-bound?) compared for the
# peer verdicts: the issue asks adcore to beat autograd everywhere, and JAX eager and
# PyTorch eager on the overhead-bound workloads (scalar chain, small Jacobians).
_PAIRS = [
    ("overhead", None, "adcore reverse", "reverse", True),
    ("overhead", None, "adcore forward", "forward", True),
    ("engine", "jac_small", "adcore jacfwd", "jacfwd", True),
    ("engine", "jac_small", "adcore jacrev", "jacrev", True),
    ("engine", "mlp_grad", "adcore grad", "grad", False),
    ("engine", "jac_256", "adcore jacfwd", "jacfwd", False),
    ("engine", "jac_256", "adcore jacrev", "jacrev", False),
    ("engine", "jac_4_1024", "adcore jacfwd", "jacfwd", False),
    ("engine", "jac_1024_4", "adcore jacrev", "jacrev", False),
    ("engine", "hessian_100", "adcore hessian", "hessian", False),
    ("cheap_gradient", "elementwise", "adcore grad", "grad", False),
    ("cheap_gradient", "matmul_chain", "adcore grad", "grad", False),
    ("second_order", "mlp_hvp", "adcore fwd-over-rev", "fwd-over-rev", False),
    ("penalty", None, "adcore fwd-over-rev", "fwd-over-rev", False),
    ("penalty", None, "adcore rev-over-rev", "rev-over-rev", False),
]


def versus_peers(results: dict, overhead_bound_only: bool = False) -> dict:
    """peer -> (adcore wins, comparisons, (workload, peer_time / adcore_time) at worst)."""
    out = {}
    peers = [p for p in results.get("peers", {}) if results["peers"][p]]
    for peer in peers:
        if peer == "jax-jit":  # compiled, not an eager peer: shown in the tables only
            continue
        wins = total = 0
        worst = None
        for suite, case, ours, suffix, bound in _PAIRS:
            if overhead_bound_only and not bound:
                continue
            res = results["suites"].get(suite, {})
            entries = (
                res.get("cases", {}).get(case, {}).get("entries") if case else res.get("entries")
            )
            if not entries:
                continue
            a, p = entries.get(ours, {}), entries.get(f"{peer} {suffix}", {})
            if "time_s" in a and "time_s" in p:
                total += 1
                speedup = p["time_s"] / a["time_s"]
                wins += speedup > 1.0
                label = f"{suite}/{case or suffix}/{suffix}" if case else f"{suite}/{suffix}"
                if worst is None or speedup < worst[1]:
                    worst = (label, speedup)
        if total:
            out[peer] = (wins, total, worst)
    return out


def markdown_report(results: dict, plot_files: dict | None = None) -> str:
    m = results["machine"]
    blas = m.get("blas", {})
    lines = [
        f"# adcore benchmarks — {results['timestamp']}",
        "",
        f"Level `{results['level']}`; {m['cpu']}, {m['cores']} cores, Python {m['python']}, "
        f"numpy {m['numpy']}, BLAS {blas.get('library')} {blas.get('version')} "
        f"kernel {blas.get('kernel')} on {blas.get('num_threads')} thread(s); "
        f"adcore {m.get('adcore')}. Load average (1 min) at start "
        f"{_load(m.get('loadavg_at_start'))}, at end {_load(m.get('loadavg_at_end'))}"
        + (f"; pinned to CPU {m['affinity'][0]}" if len(m.get("affinity") or []) == 1 else "")
        + ".",
        "Peers: "
        + (", ".join(f"{k} {v}" for k, v in results["peers"].items() if v) or "none")
        + ". "
        + "".join(f"Skipped {k}: {v}. " for k, v in results["skipped"].items()),
        "",
        f"Reproduce: `{_command(results)}`.",
        "",
        "All times are medians of repeats after warm-up, candidates of one comparison timed "
        "side by side (interleaved) in one process; read the ratios, not the absolute times "
        "(a shared 2-core machine).",
        "",
        "## Headline",
        "",
        "| target | measured | goal | verdict |",
        "|---|---:|---:|---|",
    ]
    for row in headline_rows(results):
        lines.append("| " + " | ".join(row) + " |")
    if results.get("level", "full") != "full":
        lines += [
            "",
            f"A {results['level']} run: small sizes and few repeats, so every verdict is "
            "indicative; the targets are judged on the full run (`python -m benchmarks`).",
        ]
    plot_files = plot_files or {}
    for name, mod in SUITE_MODULES.items():
        res = results["suites"].get(name)
        if res is None:
            continue
        lines += ["", f"## {name}", ""]
        if res.get("status") == "error":
            lines.append(f"Suite failed: `{res.get('error', '').splitlines()[-1]}`")
            continue
        lines.append(mod.markdown(res))
        for path in plot_files.get(name, []):
            lines += ["", f"![{name}]({path})"]
        errors = _errors(res)
        if errors:
            lines += ["", "<details><summary>errors and mismatches</summary>", ""]
            lines += [f"- {k}: {v}" for k, v in errors]
            lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def _load(load) -> str:
    return "n/a" if not load else f"{load[0]:.1f}"


def _command(results: dict) -> str:
    from . import SUITES

    parts = ["python -m benchmarks"]
    if results.get("level") == "quick":
        parts.append("--quick")
    elif results.get("level") == "tiny":
        parts.append("--tiny")
    requested = results.get("suites_requested") or list(SUITES)
    if list(requested) != list(SUITES):
        parts.append("--suite " + " ".join(requested))
    return " ".join(parts)


def _errors(res: dict) -> list:
    out = []
    groups = [("", res.get("entries", {}))]
    groups += [(f"{k}/", c.get("entries", {})) for k, c in res.get("cases", {}).items()]
    for prefix, entries in groups:
        for name, e in entries.items():
            if e.get("status") in ("error", "mismatch"):
                out.append((f"{prefix}{name}", f"{e['status']}: {e.get('error', '')}"))
    for c in res.get("cells", []):
        for k, v in c.get("errors", {}).items():
            out.append((f"n={c['n']} m={c['m']} {k}", v))
    return out
