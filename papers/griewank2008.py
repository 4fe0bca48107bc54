"""Griewank & Walther (2008): the cheap gradient principle, measured.

The book (Evaluating Derivatives, 2nd ed., SIAM 2008) bounds the temporal
complexity of the reverse mode in its complexity model (Section 4.6, the
complexity of gradient propagation): evaluating f together with its gradient
costs at most omega_grad times evaluating f, with omega_grad in [3, 4],
*independent of the number n of inputs*.  The tangent (forward) mode costs
omega_tang in [2, 5/2] times f per direction (Section 4.5), so a full
gradient by forward mode, n directions, grows linearly with n.

What we measure is wall time of adcore on numpy, not the book's weighted
operation count, so the thresholds are stated up front and are generous:

* at the largest n, cost(grad f) / cost(f) <= 8 (twice the book's upper end:
  numpy temporaries and the tape cost memory traffic the model weighs lightly);
* the ratio does not grow with n: the log-log slope of the ratio against n is
  <= 0.3 (0 = independent of n, 1 = linear growth; in practice it is negative,
  as Python's per-operation overhead amortises over larger arrays);
* forward mode's full gradient (``jacfwd``: n tangents in one batched pass)
  grows at least linearly: log-log slope of cost(jacfwd f)/cost(f) against n
  >= 0.7, while reverse mode's slope over the same n stays <= 0.3.

``quick=True`` (the test) uses smaller sizes and looser bounds (ratio <= 16, reverse
slope <= 0.75, forward slope >= 0.5): two sizes a decade apart on a loaded machine.
It also leaves out the dense layer, whose timing swings tenfold with BLAS threads
fighting other processes (``python -m papers`` pins BLAS to one thread; a test
cannot, numpy being imported already), and Rosenbrock, whose slices make its
small-n ratio overhead-bound.
"""

from __future__ import annotations

from functools import partial

import numpy as np

import adcore
import adcore.numpy as anp
from benchmarks import workloads as w
from benchmarks.timing import loglog_slope, side_by_side
from papers.claims import Section, holds

# the benchmarks' workloads, written once against a numpy-like namespace
elementwise = partial(w.elementwise, anp)
rosenbrock = partial(w.rosenbrock, anp)

SOURCE = (
    "A. Griewank, A. Walther, 'Evaluating Derivatives: Principles and Techniques of "
    "Algorithmic Differentiation', 2nd ed., SIAM 2008: Section 4.6 (gradient, "
    "omega_grad in [3, 4]) and Section 4.5 (tangent, omega_tang in [2, 5/2] per direction)"
)
GRAD_CITE = (
    "Griewank & Walther 2008, Sec. 4.6: TIME(f, grad f) <= omega_grad TIME(f), omega_grad in [3, 4]"
)
TANG_CITE = "Griewank & Walther 2008, Sec. 4.5: omega_tang in [2, 5/2] per tangent direction"


def dense_layer(A):
    def f(X):
        return anp.sum(anp.tanh(X @ A) ** 2)

    return f


def softmax_xent(onehot):
    def f(S):
        return anp.sum(anp.logsumexp(S, axis=1) - anp.sum(S * onehot, axis=1))

    return f


def _workloads(n, rng, full):
    """(name, f, x) with x holding n numbers."""
    A = rng.standard_normal((64, 64)) / 8.0
    onehot = np.eye(10)[rng.integers(0, 10, size=n // 10)]
    chosen = [("elementwise chain", elementwise, rng.standard_normal(n))]
    if full:
        X = rng.standard_normal((n // 64, 64))
        chosen.append(("dense layer tanh(X A), X n/64 x 64", dense_layer(A), X))
    S = rng.standard_normal((n // 10, 10))
    chosen.append(("softmax cross-entropy, S n/10 x 10", softmax_xent(onehot), S))
    if full:
        chosen.append(("Rosenbrock (slices x[1:], x[:-1])", rosenbrock, rng.standard_normal(n)))
    return chosen


def run(quick=False):
    s = Section("griewank2008", "Griewank & Walther 2008: the cheap gradient principle", SOURCE)
    if quick:
        sizes, fwd_sizes, repeats, min_time = (6400, 64000), (128, 256, 512, 1024), 5, 0.02
        max_ratio, min_fwd_slope, max_rev_slope = 16.0, 0.5, 0.75
    else:
        sizes, fwd_sizes, repeats, min_time = (
            (12800, 128000, 1280000),
            (128, 256, 512, 1024),
            7,
            0.03,
        )
        max_ratio, min_fwd_slope, max_rev_slope = 8.0, 0.7, 0.3
    s.notes.append(
        f"Thresholds (set before measuring): ratio at the largest n <= {max_ratio:g}; "
        f"log-log slope of the ratio against n <= {max_rev_slope:g}; forward-mode slope >= "
        f"{min_fwd_slope:g}. Medians of {repeats} "
        "side-by-side repeats; wall time of numpy + adcore on a shared 2-core machine."
    )
    s.notes.append(
        "The constants are quoted from the 2nd edition's Chapter 4 (temporal complexity "
        "of tangents, Section 4.5, and of gradients, Section 4.6) as we cite them; the "
        "book was not at hand to re-check the section numbers while writing this."
    )
    rng = np.random.default_rng(2008)
    ratios = {}
    for n in sizes:
        for name, f, x in _workloads(n, rng, full=not quick):
            g = adcore.grad(f)
            t = side_by_side({"f": lambda: f(x), "grad": lambda: g(x)}, repeats, min_time)
            ratios.setdefault(name, []).append((n, t["f"], t["grad"], t["grad"] / t["f"]))
    lines = [f"{'function':<38} {'n':>9} {'f (ms)':>9} {'grad (ms)':>10} {'ratio':>7}"]
    for name, rows in ratios.items():
        for n, tf, tg, r in rows:
            lines.append(f"{name:<38} {n:>9} {tf * 1e3:>9.3f} {tg * 1e3:>10.3f} {r:>7.2f}")
        last = rows[-1][3]
        slope = loglog_slope([r[0] for r in rows], [r[3] for r in rows])
        s.add(
            holds(
                f"{name}: cost(grad)/cost(f) at n = {rows[-1][0]}",
                f"{last:.2f}",
                f"<= omega_grad in [3, 4] (we allow {max_ratio:g})",
                last <= max_ratio,
                GRAD_CITE,
            )
        )
        s.add(
            holds(
                f"{name}: ratio vs n ({rows[0][0]}..{rows[-1][0]}), log-log slope",
                f"{slope:.2f}",
                f"independent of n: 0 (we allow <= {max_rev_slope:g})",
                slope <= max_rev_slope,
                GRAD_CITE,
            )
        )
    why = [
        "Where ours differs from the book's constant. At small n some ratios exceed 4: f "
        "costs only microseconds per numpy call there, while adcore adds a tape entry and "
        "a Python-level rule call per operation; the book's model counts arithmetic and "
        "memory moves, not interpreter overhead. As n grows the overhead amortises and "
        "the ratios fall into or below [3, 4]. jacfwd's cost grows faster than linearly "
        "(slope above 1): its batched tangent is an n x n array, which leaves the cache."
    ]
    if not quick:
        why.append(
            "Rosenbrock's slices x[1:] and x[:-1] are free numpy views in f, while their "
            "pullbacks allocate full-size zero arrays and write into them. Its ratio at the "
            "largest n was 8.4 when those pullbacks scattered with np.add.at; writing the "
            "slice by assignment instead (adcore/rules/shape.py, made while writing this "
            "reproduction) brought it to 4-6 in our runs (it is load-sensitive). Its "
            "middle row (n = 128,000, arrays of about 1 MB) swings tenfold between runs, "
            "from 4 to 40, with "
            "f unchanged; we did not pin down why (allocation of its temporaries is our "
            "guess), and the claims do not rest on that row."
        )
    s.notes.append(" ".join(why))
    s.tables.append(("Reverse mode: cost(grad f) / cost(f)", "\n".join(lines)))

    fwd, rev = [], []
    lines = [f"{'n':>6} {'f (us)':>9} {'jacfwd/f':>10} {'grad/f':>8}"]
    for n in fwd_sizes:
        x = rng.standard_normal(n)
        J, g = adcore.jacfwd(elementwise), adcore.grad(elementwise)
        t = side_by_side(
            {"f": lambda: elementwise(x), "jacfwd": lambda: J(x), "grad": lambda: g(x)},
            repeats,
            min_time,
        )
        fwd.append(t["jacfwd"] / t["f"])
        rev.append(t["grad"] / t["f"])
        lines.append(f"{n:>6} {t['f'] * 1e6:>9.1f} {fwd[-1]:>10.1f} {rev[-1]:>8.2f}")
    s.tables.append(("Forward vs reverse full gradient of the elementwise chain", "\n".join(lines)))
    fslope, rslope = loglog_slope(fwd_sizes, fwd), loglog_slope(fwd_sizes, rev)
    s.add(
        holds(
            f"forward mode: cost(jacfwd)/cost(f) grows with n ({fwd_sizes[0]}..{fwd_sizes[-1]})",
            f"log-log slope {fslope:.2f}",
            f"n directions x omega_tang: slope 1 (we allow >= {min_fwd_slope:g})",
            fslope >= min_fwd_slope,
            TANG_CITE,
        )
    )
    s.add(
        holds(
            "reverse mode over the same n: cost(grad)/cost(f) flat",
            f"log-log slope {rslope:.2f}",
            f"slope 0 (we allow <= {max_rev_slope:g})",
            rslope <= max_rev_slope,
            GRAD_CITE,
        )
    )
    return s
