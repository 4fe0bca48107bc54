"""Machine facts recorded with every run: CPU, cores, Python, numpy, BLAS, peers."""

from __future__ import annotations

import io
import os
import platform
import sys
from contextlib import redirect_stdout
from importlib import metadata

__all__ = ["machine_facts", "blas_info", "package_version"]

# Environment variables that decide how BLAS and the peers' thread pools behave.
THREAD_ENV = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_CORETYPE",
    "OPENBLAS_L2_SIZE",
    "XLA_FLAGS",
)


def package_version(name: str):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas_info() -> dict:
    """The BLAS numpy uses, via threadpoolctl if installed, else numpy.show_config."""
    import numpy as np

    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        threadpool_info = None
    if threadpool_info is not None:
        pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
        if pools:
            p = pools[0]
            return {
                "source": "threadpoolctl",
                "library": p.get("internal_api"),
                "version": p.get("version"),
                "kernel": p.get("architecture"),
                "num_threads": p.get("num_threads"),
                "threading_layer": p.get("threading_layer"),
                "all_pools": [
                    {k: p2.get(k) for k in ("user_api", "internal_api", "num_threads", "prefix")}
                    for p2 in threadpool_info()
                ],
            }
    info: dict = {"source": "numpy.show_config"}
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg.get("Build Dependencies", {}).get("blas", {})
        info.update(
            library=blas.get("name"),
            version=blas.get("version"),
            kernel=None,
            num_threads=None,
            detail=blas,
        )
    except TypeError:  # numpy < 1.25 has no mode= argument
        buf = io.StringIO()
        with redirect_stdout(buf):
            np.show_config()
        info.update(library=None, version=None, kernel=None, detail=buf.getvalue()[:2000])
    return info


def machine_facts(peer_versions: dict | None = None) -> dict:
    import numpy as np

    try:
        affinity = sorted(os.sched_getaffinity(0))
    except AttributeError:
        affinity = None
    try:
        load = list(os.getloadavg())
    except OSError:
        load = None
    return {
        "cpu": _cpu_model(),
        "loadavg_at_start": load,
        "machine": platform.machine(),
        "cores": os.cpu_count(),
        "affinity": affinity,
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "numpy": np.__version__,
        "blas": blas_info(),
        "env": {k: os.environ.get(k) for k in THREAD_ENV},
        "adcore": package_version("adcore"),
        "matplotlib": package_version("matplotlib"),
        "threadpoolctl": package_version("threadpoolctl"),
        "peers": dict(peer_versions or {}),
    }
