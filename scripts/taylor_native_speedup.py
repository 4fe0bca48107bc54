"""Native Taylor rules against the JVP-derived one, side by side in one process.

For each primitive, ``jet`` at order k with the native rule and with the
JVP-derived rule (``variants["taylor"]`` swapped), timed round-robin (median of
repeats, benchmarks.timing.side_by_side); the two results are checked equal first.

    PYTHONPATH=. python scripts/taylor_native_speedup.py [--orders 4 8] [--repeats 5]
"""

import argparse
import math

import numpy as np

import adcore
import adcore.numpy as anp
import adcore.scipy.linalg as asl
import adcore.scipy.special as asp
from adcore.core import get_primitive
from adcore.taylor.fallback import jvp_derived
from benchmarks.timing import side_by_side


def cases(rng):
    n = 64
    x, y = rng.uniform(0.5, 1.5, n), rng.uniform(0.5, 1.5, n)
    m = rng.standard_normal((8, 8))
    spd = m @ m.T + 8.0 * np.eye(8)
    return {
        "logaddexp": (lambda a: anp.logaddexp(a, y), x),
        "hypot": (lambda a: anp.hypot(a, y), x),
        "arctan2": (lambda a: anp.arctan2(a, y), x),
        "sinc": (anp.sinc, x),
        "logsumexp": (anp.logsumexp, x),
        "softmax": (anp.softmax, x),
        "prod": (anp.prod, rng.uniform(0.9, 1.1, 16)),
        "cumprod": (anp.cumprod, rng.uniform(0.9, 1.1, 16)),
        "inv": (anp.linalg.inv, spd),
        "det": (anp.linalg.det, spd),
        "cholesky": (anp.linalg.cholesky, spd),
        "erf": (asp.erf, x),
        "gammaln": (asp.gammaln, x),
        "erfinv": (asp.erfinv, x - 1.0),
        "j0": (asp.j0, x),
        "sqrtm": (asl.sqrtm, spd),
        "solve_triangular": (
            lambda a: asl.solve_triangular(a, spd[:, :2], lower=True),
            np.tril(spd),
        ),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, nargs="+", default=[4, 8])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--only", nargs="*")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    print(f"{'primitive':>16} {'k':>2} {'native ms':>10} {'derived ms':>11} {'speedup':>8}")
    for name, (f, x0) in cases(rng).items():
        if args.only and name not in args.only:
            continue
        prim = get_primitive(name)
        native = prim.variants["taylor"]
        for k in args.orders:
            terms = [rng.standard_normal(np.shape(x0)) * 0.1 / math.factorial(n) for n in range(k)]

            def run(rule, k=k, terms=terms):
                prim.variants["taylor"] = rule
                try:
                    return adcore.jet(f, (x0,), (terms,))[1]
                finally:
                    prim.variants["taylor"] = native

            a, b = run(native), run(jvp_derived)
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9)
            t = side_by_side(
                {"native": lambda: run(native), "derived": lambda: run(jvp_derived)},
                repeats=args.repeats,
            )
            print(
                f"{name:>16} {k:>2} {t['native'] * 1e3:10.2f} {t['derived'] * 1e3:11.2f} "
                f"{t['derived'] / t['native']:7.1f}x",
                flush=True,
            )


if __name__ == "__main__":
    main()
