"""python -m benchmarks --suite gradbench [--gradbench DIR] [--quick]: GradBench offline.

Runs each eval process of a GradBench checkout against adcore's tool and, when the
libraries are installed, against GradBench's own `pytorch` and `jax` tools: `jax` is
their jitted code, `jax-eager` the same with JAX_DISABLE_JIT=1, both timed to the end of
the computation (jax_synced.py); `jax-async` (on request) is their tool as is.
Outputs are validated by the eval's own validator (its C++ `manual` tool, built here
with g++), and the driver writes `gradbench-<stamp>.json`, `gradbench-<stamp>.md`
(+ `gradbench-latest.md`) and a plot.

The tool processes are pinned to one CPU (GradBench's jax tool pins itself to CPU 0
anyway) and BLAS/OpenMP/XLA to one thread, so the ratios compare one core with one core.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

from . import snapshot
from .evals import EVALS, load_module
from .report import summarize, write_markdown, write_plot
from .runner import last_line, python_env, run_pair

DERIVATIVES = {  # the function(s) of each eval whose time is "the derivative time"
    "hello": ("double",),
    "lse": ("gradient",),
    "saddle": ("ff", "fr", "rf", "rr"),
    "particle": ("ff", "fr", "rf", "rr"),
    "llsq": ("gradient",),
    "det": ("gradient",),
    "ode": ("gradient",),
    "kmeans": ("dir",),
    "gmm": ("jacobian",),
    "lstm": ("jacobian",),
    "ba": ("jacobian",),
    "ht": ("jacobian",),
}

# The inputs each profile runs (eval command-line arguments); `full` is GradBench's default.
PROFILES = {
    "tiny": {
        "lse": ["-n", "2500"],
        "llsq": ["-n", "16", "-m", "16"],
        "det": ["-l", "5"],
        "ode": ["-n", "100", "-s", "1"],
        "kmeans": ["-k", "10", "-n", "100", "-d", "8"],
        "gmm": ["-d", "2", "-k", "5", "-n", "100"],
        "lstm": ["-l", "2", "-c", "16"],
        "ba": ["--min", "1", "--max", "1"],
        "ht": ["--min", "1", "--max", "1", "--model", "small"],
    },
    "quick": {
        "lse": ["-n", "2500", "40000", "640000"],
        "llsq": ["-n", "16", "256", "4096", "-m", "128"],
        "det": ["-l", "5", "7", "9"],
        "ode": ["-n", "1000", "10000", "-s", "1", "10"],
        "kmeans": ["-k", "10", "100", "-n", "1000", "-d", "8", "16"],
        "gmm": ["-d", "2", "10", "20", "-k", "5", "10", "25", "-n", "1000"],
        "lstm": ["-l", "2", "4", "-c", "1024"],
        "ba": ["--min", "1", "--max", "1"],
        "ht": ["--min", "1", "--max", "2", "--model", "small"],
    },
    "full": {},
}
REPEATS = {"tiny": ["--min-runs", "1", "--min-seconds", "0"],
           "quick": ["--min-runs", "3", "--min-seconds", "0.2"],
           "full": ["--min-runs", "5", "--min-seconds", "1"]}  # fmt: skip
# One run of these takes seconds (nested gradient descent; ba's p >= 31843 observations,
# a minute for GradBench's PyTorch tool): outside the full profile they run once.
ONE_RUN = ("saddle", "particle", "ba")
# jax and jax-eager wait for each result (jax_synced.py); jax-async is GradBench's jax tool
# as is, whose timings stop before JAX's asynchronous dispatch has computed anything.
TOOLS = ("adcore", "pytorch", "jax", "jax-eager", "jax-async")
DEFAULT_TOOLS = ("adcore", "pytorch", "jax", "jax-eager")


def available_tools(requested=None) -> list[str]:
    have = {
        "adcore": True,
        "pytorch": importlib.util.find_spec("torch") is not None,
        "jax": importlib.util.find_spec("jax") is not None,
        "jax-eager": importlib.util.find_spec("jax") is not None,
        "jax-async": importlib.util.find_spec("jax") is not None,
    }
    names = DEFAULT_TOOLS if requested is None else requested
    unknown = [n for n in names if n not in have]
    if unknown:
        raise ValueError(f"unknown GradBench tool(s) {unknown}; choose from {TOOLS}")
    return [n for n in names if have[n]]


def tool_command(root: Path, tool: str) -> tuple[list[str], str, dict]:
    """(command, cwd, environment) of a tool process."""
    if tool == "adcore":
        return (
            [sys.executable, "-m", "benchmarks.gradbench"],
            str(snapshot.REPO_ROOT),
            python_env([str(snapshot.REPO_ROOT)]),
        )
    peer = "jax" if tool.startswith("jax") else tool
    script = root / "python/gradbench/gradbench/tools" / peer / "run.py"
    if tool == "pytorch" or tool == "jax-async":
        return [sys.executable, str(script)], str(root), python_env(snapshot.harness_path(root))
    env = python_env([*snapshot.harness_path(root), str(snapshot.REPO_ROOT)])
    env["JAX_DISABLE_JIT"] = "1" if tool == "jax-eager" else "0"
    launcher = [sys.executable, "-m", "benchmarks.gradbench.jax_synced", str(script)]
    return launcher, str(root), env


def run_suite(
    root: Path,
    evals=EVALS,
    tools=None,
    profile: str = "quick",
    timeout: float = 600.0,
    cpu: int | None = None,
    out_dir: Path | None = None,
    plots: bool = True,
    log=print,
) -> dict:
    """Run `evals` against `tools`; return the results dict (and write it when out_dir)."""
    root = snapshot.check_snapshot(root)
    missing = snapshot.missing_requirements()
    if missing:
        raise RuntimeError(f"GradBench's evals need {missing} (pip install pydantic "
                           "dataclasses-json; g++ and make for the manual tool)")  # fmt: skip
    work = snapshot.workdir(root)
    build_errors = snapshot.build_manual(work, evals)
    if cpu is None and hasattr(os, "sched_getaffinity"):
        cpu = min(os.sched_getaffinity(0))
    tools = available_tools(tools)
    eval_env = python_env(snapshot.harness_path(root))
    records = []
    for name in evals:
        repeats = REPEATS["tiny" if name in ONE_RUN and profile != "full" else profile]
        args = PROFILES[profile].get(name, []) + repeats
        for tool in tools:
            log(f"{name} x {tool}")
            if name in build_errors:
                log(f"    manual tool failed to build: {build_errors[name][-300:]}")
            cmd, cwd, env = tool_command(root, tool)
            record = run_pair(
                name, tool, snapshot.eval_command(root, name, args), str(work), eval_env,
                cmd, cwd, env, timeout=timeout, cpu=cpu, log=log,
            )  # fmt: skip
            if not record.defined:
                log(f"    not defined: {last_line(record.define_error or record.error)}")
            elif record.outcome != "success":
                log(f"    {record.outcome}: {(record.error or '')[-300:]}")
            records.append(record)
    results = {
        "suite": "gradbench",
        "profile": profile,
        "snapshot": str(root),
        "cpu": cpu,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "derivatives": {k: list(v) for k, v in DERIVATIVES.items()},
        "adcore_modes": adcore_modes(evals),
        "records": [asdict(r) for r in records],
    }
    results["summary"] = summarize(results)
    if out_dir is not None:
        results["files"] = write_results(results, Path(out_dir), plots=plots)
    return results


def adcore_modes(evals) -> dict:
    """eval -> derivative function -> how adcore's tool takes it, for the report."""
    return {
        name: {f: fn.mode for f, fn in load_module(name).items() if f in DERIVATIVES[name]}
        for name in EVALS
        if name in evals
    }


def merge(parts: list[dict]) -> dict:
    """One results dict from runs of disjoint evals (same profile), in eval order."""
    profiles = {p["profile"] for p in parts}
    if len(profiles) != 1:
        raise ValueError(f"cannot merge runs of different profiles: {sorted(profiles)}")
    merged = dict(parts[0])
    records = [r for p in parts for r in p["records"]]
    merged["records"] = sorted(records, key=lambda r: EVALS.index(r["eval"]))
    merged["adcore_modes"] = adcore_modes({r["eval"] for r in records})
    merged["cpu"] = ", ".join(str(c) for c in dict.fromkeys(str(p["cpu"]) for p in parts))
    merged.pop("files", None)
    merged["summary"] = summarize(merged)
    return merged


def write_results(results: dict, out_dir: Path, plots: bool = True) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    files = {"json": str(out_dir / f"gradbench-{stamp}.json")}
    Path(files["json"]).write_text(json.dumps(results, indent=1))
    files["markdown"] = str(out_dir / f"gradbench-{stamp}.md")
    text = write_markdown(results)
    Path(files["markdown"]).write_text(text)
    (out_dir / "gradbench-latest.md").write_text(text)
    files["plots"] = [str(p) for p in ([write_plot(results, out_dir)] if plots else []) if p]
    return files


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks --suite gradbench",
        description="Run GradBench's evals offline against adcore (and jax, pytorch).",
    )
    parser.add_argument("--suite", nargs="+", default=["gradbench"], help="gradbench")
    parser.add_argument(
        "--gradbench",
        metavar="DIR",
        default=None,
        help="GradBench checkout (default ../shared/gradbench when present)",
    )
    parser.add_argument("--quick", action="store_true", help="the quick profile (the default)")
    parser.add_argument("--full", action="store_true", help="GradBench's own default inputs")
    parser.add_argument("--tiny", action="store_true", help="one small input per eval")
    parser.add_argument("--evals", nargs="+", choices=EVALS, default=list(EVALS))
    parser.add_argument(
        "--tools",
        nargs="+",
        choices=TOOLS,
        default=None,
        help="tools to run (default: adcore and whichever peers are installed)",
    )
    parser.add_argument(
        "--timeout", type=float, default=600.0, help="seconds a tool may take to answer one message"
    )
    parser.add_argument(
        "--pin",
        type=int,
        metavar="CPU",
        default=None,
        help="CPU the tools run on (default: the lowest this process may use)",
    )
    parser.add_argument("--out", default=None, help="output directory (default benchmarks/results)")
    parser.add_argument("--no-plots", action="store_true")
    parser.add_argument(
        "--render",
        nargs="+",
        metavar="JSON",
        default=None,
        help="run nothing: one report from saved results (e.g. evals run on two CPUs at once)",
    )
    args = parser.parse_args(argv)  # fmt: skip
    if args.suite != ["gradbench"]:
        parser.error("--suite gradbench runs on its own; run the other suites separately")
    out = Path(args.out) if args.out else snapshot.REPO_ROOT / "benchmarks" / "results"
    if args.render:
        results = merge([json.loads(Path(p).read_text()) for p in args.render])
        results["files"] = write_results(results, out, plots=not args.no_plots)
        print(write_markdown(results))
        print(f"wrote {results['files']['markdown']}")
        return 0
    root = Path(args.gradbench) if args.gradbench else snapshot.default_snapshot()
    if root is None:
        parser.error("no GradBench checkout: pass --gradbench DIR")
    profile = "full" if args.full else "tiny" if args.tiny else "quick"
    results = run_suite(root, args.evals, args.tools, profile, args.timeout, args.pin, out,
                        plots=not args.no_plots)  # fmt: skip
    print()
    print(write_markdown(results))
    for kind in ("json", "markdown"):
        print(f"wrote {results['files'][kind]}")
    for p in results["files"]["plots"]:
        print(f"wrote {p}")
    return 0
