"""Summaries of a GradBench run: eval x tool, validated, derivative time, ratio to PyTorch."""

from __future__ import annotations

from pathlib import Path

from .runner import last_line

BASELINE = "pytorch"


def _cell(record: dict, derivatives) -> dict:
    evaluations = record["evaluations"]
    failures = [e for e in evaluations if not e["success"]]
    invalid = [e for e in evaluations if e["success"] and e["valid"] is False]
    unchecked = [e for e in evaluations if e["success"] and e["valid"] is None]
    validated = (
        record["defined"]
        and record["outcome"] == "success"
        and bool(evaluations)
        and not failures
        and not invalid
        and not unchecked
    )
    times = {}  # input description -> summed median seconds of its derivative functions
    for e in evaluations:
        if e["function"] in derivatives and e["success"] and e["seconds"]:
            seconds = sorted(e["seconds"])[len(e["seconds"]) // 2]
            times[e["description"]] = times.get(e["description"], 0.0) + seconds
    if not record["defined"]:
        status = "not implemented" if record["outcome"] == "success" else record["outcome"]
        why = last_line(record["define_error"] or record["error"])
    elif record["outcome"] != "success":
        status, why = record["outcome"], last_line(record["error"])
    elif failures:
        status, why = "error", last_line(failures[0]["error"])
    elif invalid:
        status, why = "invalid", last_line(invalid[0]["error"])
    else:
        status, why = ("validated" if validated else "unchecked"), ""
    return {
        "eval": record["eval"],
        "tool": record["tool"],
        "status": status,
        "why": why,
        "validated": validated,
        "inputs": len({e["description"] for e in evaluations}),
        "valid": sum(1 for e in evaluations if e["valid"]),
        "evaluations": len(evaluations),
        "derivative_seconds": times,
    }


def summarize(results: dict) -> list[dict]:
    """One cell per (eval, tool); `ratio` = tool time / PyTorch time over shared inputs."""
    cells = [_cell(r, results["derivatives"][r["eval"]]) for r in results["records"]]
    by_key = {(c["eval"], c["tool"]): c for c in cells}
    for cell in cells:
        base = by_key.get((cell["eval"], BASELINE))
        cell["ratio_to_pytorch"] = None
        cell["seconds"] = sum(cell["derivative_seconds"].values()) or None
        if base is None or not base["validated"] or not cell["validated"]:
            continue
        shared = set(cell["derivative_seconds"]) & set(base["derivative_seconds"])
        if shared:
            mine = sum(cell["derivative_seconds"][d] for d in shared)
            theirs = sum(base["derivative_seconds"][d] for d in shared)
            cell["ratio_to_pytorch"] = mine / theirs if theirs > 0 else None
    return cells


def _seconds(s: float | None) -> str:
    if s is None:
        return "-"
    if s < 1e-3:
        return f"{s * 1e6:.0f} us"
    if s < 1:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"


def _ratio(r: float) -> str:
    return f"{r:.2f}" if r >= 0.1 else f"{r:.2g}"  # 0.0048, not 0.00


def write_markdown(results: dict) -> str:
    cells = results["summary"]
    tools = list(dict.fromkeys(c["tool"] for c in cells))
    evals = list(dict.fromkeys(c["eval"] for c in cells))
    by_key = {(c["eval"], c["tool"]): c for c in cells}
    lines = [
        f"# GradBench ({results['profile']} profile)",
        "",
        f"Snapshot `{results['snapshot']}`, tools pinned to CPU {results['cpu']}, one thread; "
        f"{results['created']}. A cell: validated inputs / inputs, the derivative functions' "
        "time summed over inputs (median of runs), and the ratio to PyTorch over the inputs "
        "both validated (< 1: faster than PyTorch).",
        "",
        "| eval | " + " | ".join(tools) + " |",
        "|---|" + "---|" * len(tools),
    ]
    for name in evals:
        row = []
        for tool in tools:
            c = by_key.get((name, tool))
            if c is None:
                row.append("")
            elif c["status"] in ("validated", "unchecked"):
                ratio = c["ratio_to_pytorch"]
                extra = f", **{_ratio(ratio)}x**" if ratio is not None and tool != BASELINE else ""
                mark = "ok" if c["validated"] else "unchecked"
                counts = f"{c['valid']}/{c['evaluations']}"
                row.append(f"{mark} {counts}, {_seconds(c['seconds'])}{extra}")
            else:
                row.append(c["status"])
        lines.append(f"| {name} | " + " | ".join(row) + " |")
    modes = results.get("adcore_modes") or {}
    if modes:
        lines += ["", "How adcore takes each derivative:", ""]
        for name in evals:
            for function, mode in (modes.get(name) or {}).items():
                lines.append(f"- {name} `{function}`: {mode}")
    problems = [c for c in cells if c["why"]]
    if problems:
        lines += ["", "Failures:", ""]
        lines += [f"- {c['eval']} x {c['tool']}: {c['status']}: {c['why'][:200]}" for c in problems]
    return "\n".join(lines) + "\n"


def write_plot(results: dict, out_dir: Path) -> Path | None:
    """Bar chart: each tool's derivative time relative to PyTorch, per eval (log scale)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    cells = [c for c in results["summary"] if c["tool"] != BASELINE]
    tools = list(dict.fromkeys(c["tool"] for c in cells))
    evals = list(dict.fromkeys(c["eval"] for c in results["summary"]))
    fig, ax = plt.subplots(figsize=(10, 4.5))
    width = 0.8 / max(len(tools), 1)
    for i, tool in enumerate(tools):
        xs, ys = [], []
        for j, name in enumerate(evals):
            c = next((c for c in cells if c["eval"] == name and c["tool"] == tool), None)
            if c and c["ratio_to_pytorch"]:
                xs.append(j + i * width)
                ys.append(c["ratio_to_pytorch"])
        ax.bar(xs, ys, width=width, label=tool)
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_yscale("log")
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(evals))], evals)
    ax.set_ylabel("derivative time / PyTorch's (log)")
    ax.set_title(f"GradBench, {results['profile']} profile: below 1 is faster than PyTorch")
    ax.legend()
    fig.tight_layout()
    path = out_dir / "gradbench-latest.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
