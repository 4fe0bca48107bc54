"""Find a GradBench checkout and build its C++ `manual` tool (the evals' validator).

The checkout may be read-only (CI mounts it so), so `manual` is built in a cache
directory: a copy of `cpp/` and `tools/manual/`, with `evals/` linked in, which is also
the working directory the eval processes run in (they read `evals/<name>/data` and call
`tools/manual/bin/<name>` relative to it).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
USES_MANUAL = ("lse", "llsq", "det", "ode", "kmeans", "gmm", "lstm", "ba", "ht")


def default_snapshot() -> Path | None:
    """$ADCORE_GRADBENCH, else `shared/gradbench` beside the repository (or beside one of
    its parents, for a git worktree such as /work/wt/<name>), when it is there."""
    if os.environ.get("ADCORE_GRADBENCH"):
        return Path(os.environ["ADCORE_GRADBENCH"])
    for base in REPO_ROOT.parents:
        candidate = base / "shared" / "gradbench"
        if (candidate / "python" / "gradbench").is_dir():
            return candidate
    return None


def check_snapshot(root: Path) -> Path:
    root = Path(root).resolve()
    needed = ["python/gradbench/gradbench/eval.py", "evals", "cpp", "tools/manual"]
    missing = [n for n in needed if not (root / n).exists()]
    if missing:
        raise FileNotFoundError(f"{root} is not a GradBench checkout: missing {missing}")
    return root


def missing_requirements() -> list[str]:
    """What the eval harness needs and this machine lacks (empty when all is there)."""
    import importlib.util

    missing = [m for m in ("pydantic", "dataclasses_json") if importlib.util.find_spec(m) is None]
    if shutil.which("g++") is None:
        missing.append("g++")
    if shutil.which("make") is None:
        missing.append("make")
    return missing


def eval_command(root: Path, name: str, args: list[str]) -> list[str]:
    return [sys.executable, str(root / "python/gradbench/gradbench/evals" / name / "run.py"), *args]


def harness_path(root: Path) -> list[str]:
    return [str(root / "python" / "gradbench")]


def workdir(root: Path, cache: Path | None = None) -> Path:
    """The eval's working directory (created on first use), keyed by the checkout's path."""
    key = hashlib.sha1(str(root).encode()).hexdigest()[:10]
    base = Path(cache or os.environ.get("ADCORE_GRADBENCH_CACHE") or _cache_home())
    work = base / f"gradbench-{key}"
    if not (work / "tools" / "manual").is_dir():
        work.mkdir(parents=True, exist_ok=True)
        shutil.copytree(root / "cpp", work / "cpp", dirs_exist_ok=True)
        shutil.copytree(root / "tools" / "manual", work / "tools" / "manual", dirs_exist_ok=True)
        for path in work.rglob("*"):  # copies of read-only files are read-only too
            path.chmod(path.stat().st_mode | 0o200)
    link = work / "evals"
    if not link.exists():
        link.symlink_to(root / "evals", target_is_directory=True)
    return work


def build_manual(work: Path, evals) -> dict[str, str]:
    """Build `manual`'s executables for `evals` (g++ only); eval -> error for failures."""
    errors = {}
    for name in evals:
        if name not in USES_MANUAL:
            continue
        target = f"bin/{name}"
        if (work / "tools" / "manual" / target).exists():
            continue
        proc = subprocess.run(
            ["make", "-C", str(work / "tools" / "manual"), target, "NATIVE=no", "CXX=g++"],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            errors[name] = (proc.stdout + proc.stderr)[-2000:]
    return errors


def _cache_home() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "adcore"
