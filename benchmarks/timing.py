"""The one timing harness of benchmarks/ and papers/: warm-up, adaptive inner loops,
median of repeats, candidates interleaved; and tracemalloc's peak for the memory suites.

Every comparison is measured *side by side*: the candidates of one comparison are
timed round-robin inside one process, repeat after repeat, so that a burst of load
from another process on this shared 2-core machine hits all of them alike.  Report
ratios of medians, never absolute times alone.  (adcore's own `choose_mode` keeps a
tiny timer of its own: the library must not import the benchmarks.)
"""

from __future__ import annotations

import gc
import math
import sys
import time
import tracemalloc
from dataclasses import dataclass

import numpy as np

try:
    from resource import RUSAGE_SELF, getrusage
except ImportError:  # Windows has no resource module: page faults then read 0
    getrusage = None

__all__ = [
    "TimingConfig",
    "Progress",
    "measure",
    "measure_many",
    "side_by_side",
    "call_count_for",
    "median",
    "loglog_slope",
    "peak_bytes",
]


@dataclass(frozen=True)
class TimingConfig:
    """How hard to time: `repeats` medians over batches of >= `min_time` seconds."""

    repeats: int = 7
    min_time: float = 0.05
    warmup: int = 2
    max_number: int = 100_000

    @classmethod
    def for_level(cls, level: str) -> TimingConfig:
        if level == "tiny":
            return cls(repeats=1, min_time=0.0, warmup=1, max_number=1)
        if level == "quick":
            return cls(repeats=3, min_time=0.01, warmup=1, max_number=1000)
        return cls()


def call_count_for(seconds_per_call: float, cfg: TimingConfig) -> int:
    """Inner loop count so that one timed batch lasts about `cfg.min_time`."""
    if seconds_per_call <= 0.0:
        return cfg.max_number
    return max(1, min(cfg.max_number, math.ceil(cfg.min_time / seconds_per_call)))


def median(xs):
    """The median of a sequence (None when it is empty)."""
    xs = sorted(xs)
    if not xs:
        return None
    mid = len(xs) // 2
    return xs[mid] if len(xs) % 2 else 0.5 * (xs[mid - 1] + xs[mid])


def _faults() -> int:
    return getrusage(RUSAGE_SELF).ru_minflt if getrusage else 0


def _timed_batch(fn, number: int) -> tuple:
    """(wall seconds, CPU seconds, minor page faults) per call over `number` calls."""
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        f0, c0, t0 = _faults(), time.process_time(), time.perf_counter()
        for _ in range(number):
            fn()
        t1, c1, f1 = time.perf_counter(), time.process_time(), _faults()
        return (t1 - t0) / number, (c1 - c0) / number, (f1 - f0) / number
    finally:
        if gc_was_enabled:
            gc.enable()


def measure_many(fns: dict, cfg: TimingConfig) -> dict:
    """Time several zero-argument callables side by side.

    Each callable is warmed up (`cfg.warmup` calls, the last one timed to pick its
    inner loop count), then the repeats are interleaved: repeat r times every
    candidate once before repeat r+1 starts.  Returns, per name, a dict with the
    median and minimum seconds per call, the median CPU seconds and minor page
    faults per call, the inner loop count and all samples.
    """
    numbers = {}
    for name, fn in fns.items():
        one = 0.0
        for _ in range(max(1, cfg.warmup)):
            one = _timed_batch(fn, 1)[0]
        numbers[name] = call_count_for(one, cfg)
    samples = {name: [] for name in fns}
    gc.collect()
    for _ in range(max(1, cfg.repeats)):
        # a young-generation collection between repeats: cheap, unlike a full one
        # (which costs ~0.3 s once torch and jax are loaded)
        gc.collect(1)
        for name, fn in fns.items():
            samples[name].append(_timed_batch(fn, numbers[name]))
    out = {}
    for name, rows in samples.items():
        wall, cpu, faults = zip(*rows, strict=True)
        out[name] = {
            "median_s": median(wall),
            "min_s": min(wall),
            "cpu_s": median(cpu),
            "page_faults": median(faults),
            "number": numbers[name],
            "repeats": len(wall),
            "samples_s": list(wall),
        }
    return out


def measure(fn, cfg: TimingConfig) -> dict:
    """Time one zero-argument callable (see `measure_many`)."""
    return measure_many({"fn": fn}, cfg)["fn"]


def side_by_side(fns: dict, repeats: int = 5, min_time: float = 0.02) -> dict:
    """Median seconds per call of each of `fns` (name -> zero-argument callable)."""
    cfg = TimingConfig(repeats=repeats, min_time=min_time)
    return {name: t["median_s"] for name, t in measure_many(fns, cfg).items()}


def loglog_slope(ns, values) -> float:
    """Least-squares slope of log(values) against log(ns): 0 = flat, 1 = linear."""
    return float(np.polyfit(np.log(ns), np.log(values), 1)[0])


def peak_bytes(fn) -> int:
    """tracemalloc's peak during one call of `fn` (after a warm-up call) minus the memory
    in use before it; numpy reports its buffers to tracemalloc."""
    fn()  # warm caches outside the measurement
    gc.collect(1)  # a full collection costs ~0.3 s once torch and jax are loaded
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return max(0, peak - before)


class Progress:
    """A one-line progress bar on stderr: ``[#####.....]  12/40  suite: step``."""

    def __init__(self, total: int = 0, stream=None, width: int = 28, enabled: bool = True):
        self.total = max(0, total)
        self.done = 0
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.enabled = enabled
        self._last_len = 0
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last_section = None

    def add(self, n: int) -> None:
        self.total += n

    def step(self, label: str = "") -> None:
        self.done += 1
        self.show(label)

    def show(self, label: str = "") -> None:
        if not self.enabled:
            return
        total = max(self.total, self.done, 1)
        filled = int(self.width * self.done / total)
        line = f"[{'#' * filled}{'.' * (self.width - filled)}] {self.done:>4}/{total:<4} {label}"
        line = line[:110]
        if not self._tty:  # a log file: one line per section, no carriage returns
            section = label.split(":", 1)[0]
            if section != self._last_section or self.done >= total:
                self._last_section = section
                print(line, file=self.stream, flush=True)
            return
        pad = " " * max(0, self._last_len - len(line))
        self.stream.write("\r" + line + pad)
        self.stream.flush()
        self._last_len = len(line)

    def message(self, text: str) -> None:
        """Print a line above the bar (e.g. 'skipping peer jax: not installed')."""
        if self.enabled and self._last_len:
            self.stream.write("\r" + " " * self._last_len + "\r")
            self._last_len = 0
        print(text, file=self.stream, flush=True)

    def close(self) -> None:
        if self.enabled and self._last_len and self._tty:
            self.stream.write("\n")
            self.stream.flush()
            self._last_len = 0
