"""Checkpointing: peak memory and time of a reverse sweep over a long chain.

The chain is ``h <- sin(h) * 0.9 + 0.1 * h`` (three recorded operations a
step) on a float64 vector, differentiated as ``grad(sum(chain(x)))``.
Without checkpointing the tape holds every step's intermediates until the
sweep, so the peak grows like n.  With ``adcore.checkpoint`` around blocks of
k steps the tape holds n/k block boundaries, and the sweep recomputes one
block at a time (k steps of intermediates): the peak is about n/k + k states,
smallest at k = sqrt(n), for one extra forward pass.

Peak memory is tracemalloc's peak during the ``grad`` call minus the memory
in use before it (numpy reports its buffers to tracemalloc); time is the best
of a few runs without tracemalloc.

Measured (this suite, 2 shared cores, 8 kB states): reverse mode without
checkpointing peaks at about 4.25 states per step (34 MB for 1000 steps; the
sin, multiply and add of each step keep their inputs and outputs), growing
like n (428, 1702, 6799, 27190 states at n = 100, 400, 1600, 6400).  With
blocks of k = sqrt(n) steps the peak is 69, 133, 263, 522 states, doubling
when n quadruples; at n = 1000 the peak drops 20x (1.6-1.7 MB at k = 20-32)
for 1.12-1.2x the time on idle cores (37 ms -> 41 ms; one extra forward pass;
under load the ratio was 1.2-1.6x).

    python -m benchmarks.checkpoint_suite [--quick] [--json]
"""

from __future__ import annotations

import math

import numpy as np

import adcore
import adcore.numpy as anp
from benchmarks import workloads as w
from benchmarks.common import standalone_main
from benchmarks.timing import TimingConfig, measure, peak_bytes

NAME = "checkpoint"


def step(h):
    return anp.sin(h) * 0.9 + 0.1 * h


def block(h, k):
    for _ in range(k):
        h = step(h)
    return h


def chain_loss(n, k=None):
    """``x -> sum(chain_n(x))``; with ``k``, blocks of k steps are checkpointed."""
    if k is None:

        def loss(x):
            return anp.sum(block(x, n))

        return loss
    chain = w.checkpointed_chain(block, n, k, adcore.checkpoint)
    return lambda x: anp.sum(chain(x))


def best_of(repeats):
    """One call per repeat, no inner loop: the minimum is the best of `repeats` runs."""
    return TimingConfig(repeats=repeats, min_time=0.0, warmup=1, max_number=1)


def measure_chain(n, size, k, repeats=3, seed=0):
    """One configuration: peak bytes, seconds and the gradient (for the accuracy check)."""
    x = np.random.default_rng(seed).standard_normal(size)
    g = adcore.grad(chain_loss(n, k))
    return {
        "n": n,
        "size": size,
        "segment": k,
        "peak_bytes": peak_bytes(lambda: g(x)),
        "seconds": measure(lambda: g(x), best_of(repeats))["min_s"],
        "grad": g(x),
    }


def run(quick: bool) -> dict:
    """Peak memory and time of grad over a 1000-step chain for several block sizes,
    and how the peak scales with n at k = sqrt(n) versus no checkpointing."""
    size = 1000  # 8 kB per state
    n = 1000
    repeats = 2 if quick else 5
    segments = [None, 10, 32, 100] if quick else [None, 5, 10, 20, 32, 50, 100, 250]
    rows = [measure_chain(n, size, k, repeats) for k in segments]
    plain, reference = rows[0], rows[0]["grad"]
    for r in rows:
        r["peak_ratio"] = r["peak_bytes"] / plain["peak_bytes"]
        r["time_ratio"] = r["seconds"] / plain["seconds"]
        r["max_grad_error"] = float(np.max(np.abs(r.pop("grad") - reference)))
    lengths = [100, 400, 1600] if quick else [100, 400, 1600, 6400]
    scaling = []
    for m in lengths:
        k = round(math.sqrt(m))
        a, b = measure_chain(m, size, None, 1), measure_chain(m, size, k, 1)
        scaling.append(
            {
                "n": m,
                "segment": k,
                "peak_bytes_plain": a["peak_bytes"],
                "peak_bytes_checkpointed": b["peak_bytes"],
                "states_plain": a["peak_bytes"] / (8 * size),
                "states_checkpointed": b["peak_bytes"] / (8 * size),
            }
        )
    return {
        "name": NAME,
        "quick": quick,
        "state_bytes": 8 * size,
        "chain": rows,
        "scaling": scaling,
        "table": _table(rows, scaling, 8 * size),
    }


def _table(rows, scaling, state):
    lines = [
        f"grad of sum(chain) over {rows[0]['n']} steps, state {state // 1000} kB",
        f"{'segment':>8} {'peak MB':>9} {'peak/plain':>11} {'ms':>8} {'time/plain':>11} "
        f"{'max |dg|':>9}",
    ]
    for r in rows:
        k = "none" if r["segment"] is None else str(r["segment"])
        lines.append(
            f"{k:>8} {r['peak_bytes'] / 1e6:9.2f} {r['peak_ratio']:11.3f} "
            f"{r['seconds'] * 1e3:8.1f} {r['time_ratio']:11.2f} {r['max_grad_error']:9.1e}"
        )
    lines.append("peak in states (peak bytes / state bytes) as n grows, k = sqrt(n):")
    lines.append(f"{'n':>8} {'k':>5} {'plain':>9} {'checkpointed':>13}")
    for s in scaling:
        lines.append(
            f"{s['n']:>8} {s['segment']:>5} {s['states_plain']:9.1f} "
            f"{s['states_checkpointed']:13.1f}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    standalone_main(run)
