"""What every suite shares: the run context and the check-then-time comparison."""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field

import numpy as np

from .backends import tree_leaves
from .timing import Progress, TimingConfig, measure_many

SYSTEM_COLORS = {
    "adcore": "tab:orange",
    "autograd": "tab:blue",
    "jax": "tab:red",
    "jax-jit": "tab:purple",
    "torch": "tab:green",
    "numpy": "tab:gray",
    "minimal": "silver",
}

__all__ = [
    "SYSTEM_COLORS",
    "Context",
    "Candidate",
    "timed",
    "attempt",
    "failed",
    "backend_candidates",
    "compare",
    "comparison",
    "allclose_tree",
    "error_text",
    "verdict",
    "cell",
    "case_table",
    "save_plot",
    "standalone_main",
]


@dataclass
class Context:
    level: str  # "tiny" | "quick" | "full"
    cfg: TimingConfig
    backends: dict  # name -> Backend, "adcore" first when it imported
    skipped: dict  # name -> reason
    progress: Progress
    seed: int = 0
    step_seconds: dict = field(default_factory=dict)
    quick_skips: set = field(default_factory=set)
    suite: str = ""

    @property
    def adcore(self):
        return self.backends.get("adcore")

    def peers(self):
        return [b for name, b in self.backends.items() if name != "adcore"]

    def pick(self, tiny, quick, full):
        return {"tiny": tiny, "quick": quick, "full": full}[self.level]

    def rng(self):
        return np.random.default_rng(self.seed)

    def say(self, text: str) -> None:
        self.progress.message(text)


@dataclass
class Candidate:
    """One contender: `call()` is timed; `result()` (default: call) is checked."""

    name: str
    call: object
    system: str = "numpy"
    mode: str = ""
    to_numpy: object = None
    result: object = None
    check: bool = True
    info: dict = field(default_factory=dict)


def error_text(exc: BaseException) -> str:
    tail = traceback.format_exception_only(type(exc), exc)[-1].strip()
    return tail[:400]


def allclose_tree(a, b, rtol=1e-6, atol=1e-9) -> bool:
    la, lb = tree_leaves(a), tree_leaves(b)
    if len(la) != len(lb):
        return False
    for x, y in zip(la, lb, strict=False):
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        if x.size != y.size:
            return False
        scale = max(1.0, float(np.max(np.abs(y))) if y.size else 1.0)
        if not np.allclose(x.reshape(y.shape), y, rtol=rtol, atol=atol * scale):
            return False
    return True


def compare(
    ctx: Context,
    label: str,
    candidates: list,
    reference=None,
    baseline: str = None,
    rtol: float = 1e-6,
    atol: float = 1e-9,
) -> dict:
    """Check every candidate against `reference`, then time the ones that agree side by side.

    Returns name -> entry with ``status`` ("ok", "error", "mismatch"), ``time_s`` (median
    seconds per call), ``ratio`` (time / time of `baseline`, when both were timed) and
    the candidate's system, mode and info.
    """
    entries: dict = {}
    timed: dict = {}
    started = time.perf_counter()
    for cand in candidates:
        t_cand = time.perf_counter()
        entry = {"system": cand.system, "mode": cand.mode, **cand.info}
        entries[cand.name] = entry
        try:
            produce = cand.result if cand.result is not None else cand.call
            value = produce()
            if cand.to_numpy is not None:
                value = cand.to_numpy(value)
            if (
                cand.check
                and reference is not None
                and not allclose_tree(value, reference, rtol=rtol, atol=atol)
            ):
                entry["status"] = "mismatch"
                entry["error"] = _mismatch_text(value, reference)
                ctx.say(f"  {label}: {cand.name} disagrees with the reference, not timed")
                continue
        except Exception as exc:
            entry["status"] = "error"
            entry["error"] = error_text(exc)
            continue
        entry["status"] = "ok"
        entry["check_s"] = time.perf_counter() - t_cand
        timed[cand.name] = cand.call
    if timed:
        ctx.progress.show(label)
        try:
            times = measure_many(timed, ctx.cfg)
        except Exception as exc:
            for name in timed:
                entries[name].update(status="error", error=error_text(exc))
            times = {}
        for name, t in times.items():
            entries[name].update(
                time_s=t["median_s"],
                min_s=t["min_s"],
                number=t["number"],
                repeats=t["repeats"],
            )
    if baseline is not None and "time_s" in entries.get(baseline, {}):
        base = entries[baseline]["time_s"]
        base_min = entries[baseline]["min_s"]
        for entry in entries.values():
            if "time_s" in entry and base > 0:
                entry["ratio"] = entry["time_s"] / base
                entry["ratio_of_minima"] = entry["min_s"] / base_min
    ctx.step_seconds[label] = time.perf_counter() - started
    ctx.progress.step(label)
    return entries


def comparison(ctx: Context, label: str, what: str, candidates: list, reference, **tol) -> dict:
    """One comparison of a suite: what it measures, its baseline (the first candidate,
    every ratio's denominator) and the entries `compare` returns."""
    base = candidates[0].name
    entries = compare(ctx, label, candidates, reference, base, **tol)
    return {"what": what, "baseline": base, "entries": entries}


def save_plot(fig, plt, path_for, kind: str) -> list:
    """Lay out, write `kind`'s PNG where the runner wants it, close: [its path]."""
    fig.tight_layout()
    path = path_for(kind)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return [path]


def _mismatch_text(value, reference) -> str:
    try:
        la, lb = tree_leaves(value), tree_leaves(reference)
        worst = 0.0
        for x, y in zip(la, lb, strict=False):
            x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
            worst = max(worst, float(np.max(np.abs(x.reshape(y.shape) - y))))
        return f"max abs difference {worst:.3g} over {len(lb)} leaves"
    except Exception as exc:  # shapes too different to subtract
        return f"not comparable: {error_text(exc)}"


def failed(name: str, exc: BaseException, system: str = "", mode: str = "") -> Candidate:
    """A candidate that could not even be built: recorded as an error, never timed."""
    message = error_text(exc)

    def call():
        raise RuntimeError(message)

    return Candidate(name, call, system=system, mode=mode)


def timed(b, label, call, mode="", to_numpy=None, **info) -> Candidate:
    """Candidate `<backend> <label>` timing `call()` (blocked on), checked in numpy."""
    return Candidate(
        f"{b.name} {label}",
        lambda: b.block(call()),
        system=b.name,
        mode=mode,
        to_numpy=to_numpy or b.to_numpy,
        info=info,
    )


def attempt(b, label, mode, make, *args) -> Candidate:
    """`timed` of `make()(*args)`; when `make` raises (the backend cannot build that
    transform), a failed candidate that records why."""
    try:
        fn = make()
    except Exception as exc:
        return failed(f"{b.name} {label}", exc, b.name, mode)
    return timed(b, label, lambda: fn(*args), mode)


def backend_candidates(ctx: Context, build, *args, skip_quick=()) -> list:
    """Candidates from `build(backend, *args)` for every backend, failures recorded.

    Backends named in `skip_quick` are left out of quick and tiny runs (one line says so).
    """
    out = []
    for b in ctx.backends.values():
        if ctx.level != "full" and b.name in skip_quick:
            key = (b.name, ctx.suite)
            if key not in ctx.quick_skips:
                ctx.quick_skips.add(key)
                ctx.say(
                    f"skipping peer {b.name} in {ctx.suite} for a quick run (its warm-up compiles "
                    "every op for every shape, tens of seconds); the full run has it"
                )
            continue
        try:
            out.extend(build(b, *args))
        except Exception as exc:
            out.append(failed(f"{b.name}", exc, system=b.name))
    return out


def standalone_main(run, argv=None):
    """``python -m benchmarks.<suite> [--quick] [--json]`` for a suite with ``run(quick)``."""
    import json
    import sys

    argv = sys.argv[1:] if argv is None else argv
    result = run(quick="--quick" in argv)
    print(result["table"])
    if "--json" in argv:
        print(json.dumps({k: v for k, v in result.items() if k != "table"}, indent=1))


def verdict(met, level="full") -> str:
    """A target's verdict: "met" or "**missed**" for a full run; a quick or tiny run's
    sizes and repeats are too small to judge, so it only says "indicative: ..."."""
    if met is None:
        return "n/a"
    if level != "full":
        return "indicative: met" if met else "indicative: not met"
    return "met" if met else "**missed**"


def cell(e, key, spec, scale=1.0):
    """One table cell: the formatted value, or the entry's status when it has none."""
    if key in e:
        return spec.format(e[key] * scale)
    status = e.get("status", "n/a")
    return status if status != "ok" else "n/a"


def case_table(title, entries, label_header, baseline_header):
    """The markdown table of one comparison: system, label, ratio to the baseline, ms."""
    lines = [
        title,
        "",
        f"| system | {label_header} | {baseline_header} | ms |",
        "|---|---|---:|---:|",
    ]
    for name, e in entries.items():
        lines.append(
            f"| {e['system']} | {name} | {cell(e, 'ratio', '{:.2f}')} | "
            f"{cell(e, 'time_s', '{:.3f}', 1e3)} |"
        )
    lines.append("")
    return lines
