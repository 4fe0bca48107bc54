"""adcore's benchmarks: forward vs reverse cost, peers, reports and plots.

    python -m benchmarks [--quick] [--suite NAME ...] [--out DIR]

or, from Python (used by the tests)::

    import benchmarks
    results = benchmarks.run(suites=["overhead"], quick=True, out_dir="/tmp/b")

This module imports nothing heavy at import time, so that `__main__` can pin
BLAS to one thread before numpy is loaded.
"""

from __future__ import annotations

import importlib
import json
import os
import time
import traceback
from pathlib import Path

__all__ = ["run", "render", "SUITES", "SUITE_MODULES", "DEFAULT_OUT"]

SUITES = (
    "overhead",
    "engine",
    "cheap_gradient",
    "jacobian_sweep",
    "second_order",
    "penalty",
    "memory",
    "sparse",  # benchmarks/sparse_suite.py
)
DEFAULT_OUT = Path(__file__).resolve().parent / "results"


class _Modules(dict):
    """Suite name -> module, imported on first use."""

    def __missing__(self, name):
        try:
            mod = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:  # a suite runnable standalone: <name>_suite.py
            if exc.name != f"{__name__}.{name}":
                raise
            mod = importlib.import_module(f"{__name__}.{name}_suite")
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
) -> dict:
    """Run the benchmark suites and return the results dict.

    suites  : names from SUITES (default: all)
    quick   : small sizes and few repeats (a minute or two); False for the full run
    out_dir : where to write <timestamp>.json/.md, latest.md and the PNG plots
              (default benchmarks/results); nothing is written when write=False
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
        results["files"] = _write(
            results, Path(out_dir) if out_dir else DEFAULT_OUT, plots, bar.message
        )
    return results


def render(json_path, out_dir=None, plots=True) -> dict:
    """Re-draw the markdown report and plots of a saved run (e.g. after a report change)."""
    path = Path(json_path)
    results = json.loads(path.read_text(encoding="utf-8"))
    out = Path(out_dir) if out_dir else path.parent
    results["files"] = _write(results, out, plots, print)
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


def _write(results: dict, out: Path, want_plots: bool, say) -> dict:
    from .report import markdown_report

    out.mkdir(parents=True, exist_ok=True)
    stamp = results["timestamp"]
    files = {"json": str(out / f"{stamp}.json")}
    plot_files: dict = {}
    latest_plots: dict = {}
    if want_plots:
        plot_files, latest_plots = _plots(results, out, stamp, say)
    files["plots"] = [p for ps in plot_files.values() for p in ps]
    md_stamped = markdown_report(
        results, {k: [Path(p).name for p in v] for k, v in plot_files.items()}
    )
    md_latest = markdown_report(
        results, {k: [Path(p).name for p in v] for k, v in latest_plots.items()}
    )
    (out / f"{stamp}.md").write_text(md_stamped, encoding="utf-8")
    (out / "latest.md").write_text(md_latest, encoding="utf-8")
    files["markdown"] = str(out / f"{stamp}.md")
    files["latest"] = str(out / "latest.md")
    with open(files["json"], "w", encoding="utf-8") as fh:
        json.dump(results, fh, indent=1, default=_jsonable, allow_nan=True)
    return files


def _plots(results: dict, out: Path, stamp: str, say):
    try:
        os.environ.setdefault("MPLBACKEND", "Agg")
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        say("skipping plots: matplotlib is not installed (pip install matplotlib)")
        return {}, {}
    import shutil

    stamped: dict = {}
    latest: dict = {}
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
        stamped[name] = paths
        latest[name] = []
        for p in paths:
            kind = Path(p).name[len(stamp) + 1 :]
            dst = out / f"latest_{kind}"
            shutil.copyfile(p, dst)
            latest[name].append(str(dst))
    return stamped, latest
