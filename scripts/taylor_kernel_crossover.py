"""Where adcore_jit's Taylor kernels beat the numpy path: the figures behind the size and
order limits in adcore_jit/taylor.py.

For every primitive with a kernel, at each size and order: the numpy path's time over the
kernel's (> 1: the kernel is faster), the rule called directly on stacked float64
coefficients, medians of repeats.  ``set_threshold(0)`` is on while the kernel is timed,
so the limits under test do not decline it.

    PYTHONPATH=. python scripts/taylor_kernel_crossover.py [--sizes 1024 16384] [--orders 4 8]
"""

import argparse
import time

import numpy as np

import adcore_jit
from adcore.core import get_primitive
from adcore.taylor.tracer import JetTag
from adcore_jit.taylor import RULES


def median_time(fn, repeats=7, min_time=0.01):
    fn()
    out = []
    for _ in range(repeats):
        n, t0 = 0, time.perf_counter()
        while (t := time.perf_counter() - t0) < min_time or n == 0:
            fn()
            n += 1
        out.append(t / n)
    return float(np.median(out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1024, 4096, 16384, 65536])
    ap.add_argument("--orders", type=int, nargs="+", default=[4, 8])
    args = ap.parse_args()
    adcore_jit.compile_all()
    rng = np.random.default_rng(0)
    cols = [(n, k) for n in args.sizes for k in args.orders]
    print("numpy path time / kernel time (> 1: the kernel is faster)")
    print("primitive".ljust(11), " ".join(f"{f'{n}, k={k}':>12}" for n, k in cols))
    for name in RULES:
        prim = get_primitive(name)
        row = []
        for n, k in cols:
            x = rng.uniform(0.2, 0.8, n) + (1.5 if name == "arccosh" else 0.0)
            block = 0.3 * rng.standard_normal((k, n))  # consecutive rows, as a matmul gives
            xs = [x, 2.5] if name == "power" else [x]
            series = [[block[j] for j in range(k)]] + [None] * (len(xs) - 1)
            ans, tag = prim.impl(*xs), JetTag(k)
            numpy_rule = prim.variants["taylor"]
            t_numpy = median_time(lambda: numpy_rule(prim, ans, xs, series, {}, tag))
            old = adcore_jit.set_threshold(0)
            try:
                with adcore_jit.enabled():
                    kernel_rule = prim.variants["taylor"]
                    t_kernel = median_time(lambda: kernel_rule(prim, ans, xs, series, {}, tag))
            finally:
                adcore_jit.set_threshold(old)
            row.append(f"{t_numpy / t_kernel:12.2f}")
        print(name.ljust(11), " ".join(row), flush=True)


if __name__ == "__main__":
    main()
