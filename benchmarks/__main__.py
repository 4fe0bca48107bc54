"""python -m benchmarks [--quick] [--suite NAME ...] [--out DIR] [--publish]

Before numpy is imported, BLAS (and OpenMP, XLA's Eigen pool) are pinned to one
thread and OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are removed from this process's
environment, so OpenBLAS picks its kernel from the CPU and every system gets the
same single core's worth of BLAS.  If numpy was already imported (e.g. by a
sitecustomize), the process re-executes itself with that environment.
"""

import os
import sys

PIN = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false",
}
UNSET = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
REEXEC_MARK = "ADCORE_BENCH_REEXEC"


def configure_environment() -> None:
    wrong = {k: v for k, v in PIN.items() if os.environ.get(k) != v}
    if k_xla := os.environ.get("XLA_FLAGS"):  # keep the user's own XLA flags
        if PIN["XLA_FLAGS"] in k_xla:
            wrong.pop("XLA_FLAGS", None)
        else:
            wrong["XLA_FLAGS"] = f"{k_xla} {PIN['XLA_FLAGS']}"
    stale = [k for k in UNSET if k in os.environ]
    if not wrong and not stale:
        return
    if "numpy" in sys.modules and os.environ.get(REEXEC_MARK) != "1":
        env = dict(os.environ)
        env.update(wrong)
        for k in stale:
            env.pop(k)
        env[REEXEC_MARK] = "1"
        os.execve(sys.executable, [sys.executable, "-m", "benchmarks", *sys.argv[1:]], env)
    os.environ.update(wrong)
    for k in stale:
        del os.environ[k]


def main(argv=None) -> int:
    import argparse

    argv = sys.argv[1:] if argv is None else list(argv)
    if "--gradbench" in argv or "gradbench" in argv:  # GradBench's evals: their own driver
        from .gradbench.driver import main as gradbench_main

        return gradbench_main(argv)

    from . import SUITES, run

    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="adcore benchmarks: forward vs reverse cost, peers, report and plots. "
        "Each run writes its own folder, benchmarks/results/runs/<timestamp>/; only --publish "
        "updates the committed report (benchmarks/results/latest.md and latest_*.png).",
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes and few repeats (under a minute idle)"
    )
    parser.add_argument(
        "--tiny",
        action="store_true",
        help="smallest sizes, one repeat: a smoke test (what the tests run)",
    )
    parser.add_argument(
        "--suite",
        action="extend",
        nargs="+",
        choices=list(SUITES),
        metavar="NAME",
        help=f"run only this suite (repeatable): {', '.join(SUITES)}",
    )
    parser.add_argument(
        "--out",
        default=None,
        help="output directory (default: benchmarks/results/runs/<timestamp>)",
    )
    parser.add_argument(
        "--publish",
        action="store_true",
        help="also write benchmarks/results/latest.md and latest_*.png, the report the README "
        "shows (full runs only: a quick run's numbers are indicative)",
    )
    parser.add_argument(
        "--peers",
        default=None,
        help="comma-separated peers to try (default: autograd,jax,torch, plus jax-jit in the "
        "full run; 'none' for none)",
    )
    parser.add_argument("--no-plots", action="store_true", help="do not draw PNG plots")
    parser.add_argument(
        "--pin",
        type=int,
        metavar="CPU",
        help="pin the process (and its threads) to this CPU, as MEASURED.md's figures were",
    )
    parser.add_argument(
        "--render",
        metavar="JSON",
        help="run nothing: redraw the report and plots of a saved results JSON",
    )
    args = parser.parse_args(argv)
    if args.publish and (args.quick or args.tiny):
        parser.error("--publish is for the full run: a quick run's numbers are indicative")
    peers = None
    if args.peers is not None:
        peers = () if args.peers in ("", "none") else tuple(args.peers.split(","))
    if args.pin is not None:
        os.sched_setaffinity(0, {args.pin})
    if args.render:
        from . import render

        results = render(args.render, args.out, plots=not args.no_plots, publish=args.publish)
    else:
        results = run(
            suites=args.suite,
            quick=args.quick,
            out_dir=args.out,
            tiny=args.tiny,
            peers=peers,
            plots=not args.no_plots,
            publish=args.publish,
        )
    files = results.get("files", {})
    for key in ("json", "markdown", "plots", "latest", "latest_plots"):
        for path in [files[key]] if isinstance(files.get(key), str) else files.get(key, []):
            print(f"wrote {path}")
    from .report import headline_rows

    rows = []  # (what, value, goal, verdict, note): a tally's "closest ..." goes last
    for what, measured, goal, verdict in headline_rows(results):
        value, _, note = measured.partition("; ")
        rows.append((what, value, f"goal {goal}", verdict, f"  ({note})" if note else ""))
    widths = [max((len(r[i]) for r in rows), default=0) for i in range(4)]
    print()
    for what, value, goal, verdict, note in rows:
        print(
            f"  {what:<{widths[0]}}  {value:>{widths[1]}}  {goal:<{widths[2]}}  "
            f"{verdict:<{widths[3]}}{note}".rstrip()
        )
    return 0


if __name__ == "__main__":
    configure_environment()
    sys.exit(main())
