"""python -m benchmarks [--quick] [--suite NAME ...] [--out DIR]

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
        description="adcore benchmarks: forward vs reverse cost, peers, report and plots.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes and few repeats (well under 2 minutes)"
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
        choices=SUITES,
        metavar="NAME",
        help=f"run only this suite (repeatable): {', '.join(SUITES)}",
    )
    parser.add_argument(
        "--out", default=None, help="output directory (default: benchmarks/results)"
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
    peers = None
    if args.peers is not None:
        peers = () if args.peers in ("", "none") else tuple(args.peers.split(","))
    if args.pin is not None:
        os.sched_setaffinity(0, {args.pin})
    if args.render:
        from . import render

        results = render(args.render, args.out, plots=not args.no_plots)
    else:
        results = run(
            suites=args.suite,
            quick=args.quick,
            out_dir=args.out,
            tiny=args.tiny,
            peers=peers,
            plots=not args.no_plots,
        )
    files = results.get("files", {})
    print(f"wrote {files.get('json')}")
    print(f"wrote {files.get('markdown')} and {files.get('latest')}")
    for p in files.get("plots", []):
        print(f"wrote {p}")
    from .report import headline_rows

    print()
    for what, measured, goal, verdict in headline_rows(results):
        print(f"  {what:<52} {measured:>14}  goal {goal:<20} {verdict}")
    return 0


if __name__ == "__main__":
    configure_environment()
    sys.exit(main())
