"""Timing for the cost claims: medians of repeats, candidates measured side by side.

The machine is shared (2 cores), so a single timing means little.  Each
candidate is called in an inner loop long enough to last ``min_time``, the
candidates of one comparison take turns (round-robin) so a burst of load hits
them alike, and the median over ``repeats`` rounds is kept.  Claims are made
on *ratios* of these medians, never on absolute times.
"""

from __future__ import annotations

import gc
import time

import numpy as np


def _per_call(fn, number):
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def side_by_side(fns, repeats=5, min_time=0.02):
    """Median seconds per call for each of ``fns`` ({name: zero-argument callable})."""
    numbers = {}
    for name, fn in fns.items():
        fn()  # warm-up (and a first estimate)
        once = _per_call(fn, 1)
        numbers[name] = max(1, int(min_time / max(once, 1e-7)))
    samples = {name: [] for name in fns}
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeats):
            for name, fn in fns.items():
                samples[name].append(_per_call(fn, numbers[name]))
    finally:
        if was_enabled:
            gc.enable()
    return {name: float(np.median(s)) for name, s in samples.items()}


def loglog_slope(ns, values):
    """Least-squares slope of log(values) against log(ns): 0 = flat, 1 = linear."""
    return float(np.polyfit(np.log(ns), np.log(values), 1)[0])
