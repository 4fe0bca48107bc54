"""adcore's benchmarks: forward vs reverse cost, peers, reports and plots.

    python -m benchmarks [--quick] [--suite NAME ...] [--out DIR] [--publish]

or, from Python (used by the tests)::

    import benchmarks
    results = benchmarks.run(suites=["overhead"], quick=True, out_dir="/tmp/b")

Every run writes its own folder (benchmarks/results/runs/<timestamp>/, git-ignored);
only `publish` updates the committed report, benchmarks/results/latest.md and
latest_*.png.  This module imports nothing heavy at import time, so that `__main__`
can pin BLAS to one thread before numpy is loaded.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import time
import traceback
from pathlib import Path

__all__ = ["run", "render", "SUITES", "SUITE_MODULES", "RESULTS", "RUNS"]

# The suite registry, in report order: name -> module of this package.  A suite is a
# module with n_steps(level), run(ctx) -> dict, markdown(res) -> str and, optionally,
# plots(res, plt, path_for) -> [png paths]; adding one is one line here.
SUITES = {
    "overhead": "overhead",
    "engine": "engine",
    "cheap_gradient": "cheap_gradient",
    "jacobian_sweep": "jacobian_sweep",
    "second_order": "second_order",
    "penalty": "penalty",
    "memory": "memory",
    "sparse": "sparse_suite",
    "taylor": "taylor_suite",
    "compile": "compile_suite",
}
RESULTS = Path(__file__).resolve().parent / "results"  # the committed report (publish)
RUNS = RESULTS / "runs"  # one folder per run, git-ignored


class _Modules(dict):
    """Suite name -> module, imported on first use."""

    def __missing__(self, name):
        mod = importlib.import_module(f"{__name__}.{SUITES[name]}")
        self[name] = mod
        return mod

    def items(self):
        return [(name, self[name]) for name in SUITES]


SUITE_MODULES = _Modules()


def run(
    suites=None,
    quick=True,
    out_dir=None,
    *,
    tiny=False,
    peers=None,
    plots=True,
    progress=True,
    write=True,
    seed=0,
    publish=None,
) -> dict:
    """Run the benchmark suites and return the results dict.

    suites  : names from SUITES (default: all)
    quick   : small sizes and few repeats (a minute or two); False for the full run
    out_dir : where to write <timestamp>.json, .md and _<plot>.png (default: a new folder
              benchmarks/results/runs/<timestamp>/); nothing is written when write=False
    publish : also write latest.md and latest_<plot>.png there (True: benchmarks/results,
              the committed report the README shows)
    tiny    : smallest sizes, one repeat: a smoke test of every code path
    peers   : peer names to try (default: autograd, jax, torch, and jax-jit in the full
              run); () for none
    """
    from .backends import load_backends
    from .common import Context
    from .machine import machine_facts
    from .timing import Progress, TimingConfig

    names = list(SUITES if suites is None else suites)
    for name in names:
        if name not in SUITES:
            raise ValueError(f"unknown suite {name!r}; known: {', '.join(SUITES)}")
    level = "tiny" if tiny else ("quick" if quick else "full")
    bar = Progress(enabled=progress)
    started = time.time()
    limiter = _one_blas_thread()
    try:
        backends, skipped = load_backends(peers, say=bar.message, level=level)
        ctx = Context(
            level=level,
            cfg=TimingConfig.for_level(level),
            backends=backends,
            skipped=skipped,
            progress=bar,
            seed=seed,
        )
        bar.add(sum(SUITE_MODULES[n].n_steps(level) for n in names))
        results = {
            "schema": 1,
            "timestamp": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(started)),
            "level": level,
            "quick": level != "full",
            "suites_requested": names,
            "machine": machine_facts({b.name: b.version for b in ctx.peers()}),
            "peers": {b.name: b.version for b in ctx.peers()},
            "skipped": skipped,
            "timing": vars(ctx.cfg) if hasattr(ctx.cfg, "__dict__") else {},
            "suites": {},
        }
        for name in names:
            t0 = time.perf_counter()
            ctx.suite = name
            try:
                res = SUITE_MODULES[name].run(ctx)
                res.setdefault("status", "ok")
            except Exception as exc:
                res = {
                    "status": "error",
                    "error": traceback.format_exc(limit=6),
                    "message": f"{type(exc).__name__}: {exc}",
                }
                bar.message(f"suite {name} failed: {type(exc).__name__}: {exc}")
            res["seconds"] = time.perf_counter() - t0
            res["level"] = level  # the report words a quick run's verdicts as indicative
            results["suites"][name] = res
        results["seconds"] = time.time() - started
        if hasattr(os, "getloadavg"):
            results["machine"]["loadavg_at_end"] = list(os.getloadavg())
        results["step_seconds"] = ctx.step_seconds
    finally:
        bar.close()
        if limiter is not None:
            limiter.restore_original_limits()
    if write:
        out = Path(out_dir) if out_dir else RUNS / results["timestamp"]
        results["files"] = _write(results, out, plots, bar.message, publish)
    return results


def render(json_path, out_dir=None, plots=True, publish=None) -> dict:
    """Re-draw the markdown report and plots of a saved run (e.g. after a report change)."""
    path = Path(json_path)
    results = json.loads(path.read_text(encoding="utf-8"))
    out = Path(out_dir) if out_dir else path.parent
    results["files"] = _write(results, out, plots, print, publish)
    return results


def _one_blas_thread():
    """When numpy was imported before the environment could pin BLAS (e.g. under pytest),
    pin it at run time through threadpoolctl if it is installed."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return None
    return threadpool_limits(limits=1, user_api="blas")


def _jsonable(obj):
    import numpy as np

    if isinstance(obj, (np.floating, np.integer, np.bool_)):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    return repr(obj)


def _write(results: dict, out: Path, want_plots: bool, say, publish=None) -> dict:
    """The run's JSON, report and plots in `out`; with `publish`, also latest.md and
    latest_<plot>.png there (True: benchmarks/results)."""
    from .report import markdown_report

    out.mkdir(parents=True, exist_ok=True)
    stamp = results["timestamp"]
    plots = _plots(results, out, stamp, say) if want_plots else {}
    files = {"json": out / f"{stamp}.json", "markdown": out / f"{stamp}.md"}
    files["markdown"].write_text(markdown_report(results, _names(plots)), encoding="utf-8")
    if publish:
        where = RESULTS if publish is True else Path(publish)
        where.mkdir(parents=True, exist_ok=True)
        latest = {
            name: [shutil.copyfile(p, where / f"latest_{p.name[len(stamp) + 1 :]}") for p in ps]
            for name, ps in plots.items()
        }
        files["latest"] = where / "latest.md"
        files["latest"].write_text(markdown_report(results, _names(latest)), encoding="utf-8")
        files["latest_plots"] = [p for ps in latest.values() for p in ps]
    with open(files["json"], "w", encoding="utf-8") as fh:
        json.dump(results, fh, indent=1, default=_jsonable, allow_nan=True)
    files["plots"] = [p for ps in plots.values() for p in ps]
    return {k: [str(p) for p in v] if isinstance(v, list) else str(v) for k, v in files.items()}


def _names(plots: dict) -> dict:
    """Suite -> plot file names, as the report (beside them) links them."""
    return {name: [Path(p).name for p in ps] for name, ps in plots.items()}


def _plots(results: dict, out: Path, stamp: str, say) -> dict:
    """Suite -> the PNG paths its `plots` drew in `out` ({} without matplotlib)."""
    try:
        os.environ.setdefault("MPLBACKEND", "Agg")
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        say("skipping plots: matplotlib is not installed (pip install matplotlib)")
        return {}
    drawn: dict = {}
    for name, res in results["suites"].items():
        mod = SUITE_MODULES[name]
        if not hasattr(mod, "plots") or res.get("status") == "error":
            continue
        try:
            paths = mod.plots(res, plt, lambda kind: str(out / f"{stamp}_{kind}.png"))
        except Exception as exc:
            say(f"plot for {name} failed: {type(exc).__name__}: {exc}")
            plt.close("all")
            continue
        drawn[name] = [Path(p) for p in paths]
    return drawn
