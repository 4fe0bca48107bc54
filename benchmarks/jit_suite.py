"""adcore_jit: what the numba kernels buy, measured side by side in one process.

* headline: the gradient (and the jvp) of
  ``sum(sigmoid(x)*tanh(x) + exp(-x**2) + log1p(x**2))`` at 10^6 float64,
  adcore without and with the kernels, and a hand-written numpy gradient;
* each fused pullback against the numpy rule it replaces, at 10^6;
* the size threshold: where a kernel starts to beat numpy's expression;
* ``parallel=True`` on 2 cores for one kernel (why the kernels are serial);
* compile time: a cold numba cache, then a second process with it warm;
* minor page faults per call, and the same headline with glibc told to keep
  freed memory (evidence that fresh multi-megabyte buffers cost as much as
  the arithmetic; that part is not about numba).

Candidates of one comparison are timed round-robin, one call each per round,
so a burst of load from another process hits all of them alike; figures are
medians over the rounds (wall clock; CPU time alongside).  BLAS is pinned to
one thread (the workload has no BLAS call anyway).

    python -m benchmarks.jit_suite [--quick] [--json]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # effective when this module is the entry point

import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402

import numpy as np  # noqa: E402

import adcore  # noqa: E402
import adcore.numpy as anp  # noqa: E402
from benchmarks import workloads as w  # noqa: E402
from benchmarks.common import standalone_main  # noqa: E402
from benchmarks.timing import TimingConfig, measure_many  # noqa: E402

NAME = "jit"
N = 10**6


# ---- timing and the kernels' wrappers ------------------------------------------------


def interleaved(candidates, arg, rounds):
    """Median wall/CPU seconds and page faults of one call of each candidate on `arg`,
    one call each per round, round-robin (the shared harness, no inner loop)."""
    cfg = TimingConfig(repeats=rounds, min_time=0.0, warmup=1, max_number=1)
    times = measure_many({k: (lambda fn=fn: fn(arg)) for k, fn in candidates.items()}, cfg)
    return {
        k: {
            "wall_s": t["median_s"],
            "cpu_s": t["cpu_s"],
            "min_wall_s": t["min_s"],
            "page_faults": int(t["page_faults"]),
        }
        for k, t in times.items()
    }


def with_jit(fn):
    """`fn` run with adcore_jit's kernels enabled (the same call, the fused rules)."""
    import adcore_jit

    def jitted(*args):
        with adcore_jit.enabled():
            return fn(*args)

    return jitted


def into_fresh(kernel, *inputs, shape):
    """A one-argument call of an out-parameter kernel, writing into a fresh array."""

    def call(g):
        out = np.empty(shape)
        kernel(g, *inputs, out)
        return out

    return call


def pullback(rule, *args, reps=1):
    """A one-argument call `g -> rule(g, *args)` of a pullback rule, `reps` times over
    (a batch of calls times the small sizes)."""

    def call(g):
        for _ in range(reps):
            rule(g, *args)

    return call


# ---- the headline workload ------------------------------------------------------


def loss(x):
    return anp.sum(anp.sigmoid(x) * anp.tanh(x) + anp.exp(-(x**2)) + anp.log1p(x**2))


def hand_gradient(x):
    """The same gradient written by hand in numpy: the practical floor for numpy code."""
    s = 0.5 * (np.tanh(0.5 * x) + 1.0)
    t = np.tanh(x)
    x2 = x * x
    e = np.exp(-x2)
    value = np.sum(s * t + e + np.log1p(x2))
    grad = s * (1.0 - s) * t + s * (1.0 - t * t) - 2.0 * x * e + 2.0 * x / (1.0 + x2)
    return value, grad


def headline(rounds, n=N):
    rng = np.random.default_rng(0)
    x, v = rng.standard_normal(n), rng.standard_normal(n)
    grad = adcore.grad(loss)
    grad_jit = with_jit(grad)

    def jvp_plain(x):
        return adcore.jvp(loss, (x,), (v,))

    jvp_jit = with_jit(jvp_plain)

    # check before timing: all three gradients agree, both jvps agree
    ref = hand_gradient(x)[1]
    errors = {
        "grad_max_abs_err": float(np.max(np.abs(grad(x) - ref))),
        "grad_jit_max_abs_err": float(np.max(np.abs(grad_jit(x) - ref))),
        "jvp_abs_err": float(abs(jvp_plain(x)[1] - jvp_jit(x)[1])),
    }
    assert errors["grad_jit_max_abs_err"] < 1e-10 and errors["grad_max_abs_err"] < 1e-10, errors
    times = interleaved(
        {
            "grad": grad,
            "grad_jit": grad_jit,
            "hand_numpy": hand_gradient,
            "jvp": jvp_plain,
            "jvp_jit": jvp_jit,
        },
        x,
        rounds,
    )
    ratios = {
        "grad_speedup": times["grad"]["wall_s"] / times["grad_jit"]["wall_s"],
        "grad_jit_over_hand": times["grad_jit"]["wall_s"] / times["hand_numpy"]["wall_s"],
        "grad_over_hand": times["grad"]["wall_s"] / times["hand_numpy"]["wall_s"],
        "jvp_speedup": times["jvp"]["wall_s"] / times["jvp_jit"]["wall_s"],
        "grad_speedup_cpu": times["grad"]["cpu_s"] / times["grad_jit"]["cpu_s"],
        "grad_jit_over_hand_cpu": times["grad_jit"]["cpu_s"] / times["hand_numpy"]["cpu_s"],
        "jvp_speedup_cpu": times["jvp"]["cpu_s"] / times["jvp_jit"]["cpu_s"],
    }
    return {"n": n, "times": times, "ratios": ratios, "errors": errors}


# ---- each fused pullback against the numpy rule it replaces -----------------------


def _pullback_cases(rng, n):
    """(primitive, argnum, args after g and ans, ans) at n elements."""
    from adcore.core import get_primitive

    x = rng.uniform(0.2, 1.5, n)
    y = rng.uniform(0.2, 1.5, n)
    y[: n // 4] = x[: n // 4]  # ties for maximum/minimum
    cases = []
    for name in (
        "tanh sigmoid exp expm1 log log1p sqrt reciprocal tan arctan square relu absolute softplus"
    ).split():
        cases.append((name, 0, (x,), get_primitive(name).impl(x)))
    cases.append(("power", 0, (x, 2), x**2))
    for name in ("multiply", "divide", "maximum", "minimum"):
        ans = get_primitive(name).impl(x, y)
        cases += [(name, 0, (x, y), ans), (name, 1, (x, y), ans)]
    cond = x > y
    ans = np.where(cond, x, y)
    cases += [("where", 1, (cond, x, y), ans), ("where", 2, (cond, x, y), ans)]
    return cases


def pullbacks(rounds, n=N):
    from adcore.core import get_primitive
    from adcore_jit import fused

    rng = np.random.default_rng(1)
    g = rng.standard_normal(n)
    rows = []
    for name, argnum, args, ans in _pullback_cases(rng, n):
        numpy_rule = get_primitive(name).vjps[argnum]
        kernel_rule = fused.RULES[name][argnum]
        expected = numpy_rule(g, ans, *args)
        got = kernel_rule(g, ans, *args)
        assert got is not None, name
        err = float(np.max(np.abs(got - expected) / (1.0 + np.abs(expected))))
        assert err < 1e-12, (name, argnum, err)
        calls = {
            "numpy": pullback(numpy_rule, ans, *args),
            "kernel": pullback(kernel_rule, ans, *args),
        }
        t = interleaved(calls, g, rounds)
        rows.append(
            {
                "primitive": name,
                "argnum": argnum,
                "numpy_s": t["numpy"]["wall_s"],
                "kernel_s": t["kernel"]["wall_s"],
                "speedup": t["numpy"]["wall_s"] / t["kernel"]["wall_s"],
                "max_rel_err": err,
            }
        )
    return rows


# ---- the size threshold ---------------------------------------------------------


def threshold_scan(rounds, sizes):
    """numpy rule vs kernel rule (threshold forced to 0) for a few pullbacks over sizes."""
    from adcore.core import get_primitive
    from adcore_jit import fused

    rng = np.random.default_rng(2)
    old = fused.set_threshold(0)
    rows = []
    try:
        for n in sizes:
            x = rng.uniform(0.2, 1.5, n)
            g = rng.standard_normal(n)
            row = {"n": n}
            for name in ("tanh", "sigmoid", "log1p", "relu", "square"):
                ans = get_primitive(name).impl(x)
                numpy_rule, kernel_rule = get_primitive(name).vjps[0], fused.RULES[name][0]
                reps = max(1, 20000 // n)  # time a batch of calls for the small sizes
                batches = {
                    "numpy": pullback(numpy_rule, ans, x, reps=reps),
                    "kernel": pullback(kernel_rule, ans, x, reps=reps),
                }
                t = interleaved(batches, g, rounds)
                row[name] = t["numpy"]["wall_s"] / t["kernel"]["wall_s"]
            rows.append(row)
    finally:
        fused.set_threshold(old)
    return rows


# ---- parallel=True ----------------------------------------------------------------


def parallel_check(rounds, n=N):
    """The tanh pullback as written (serial) against the same loop with prange on 2 threads."""
    import numba
    from numba import njit, prange

    from adcore_jit import kernels

    @njit(parallel=True, error_model="numpy")
    def tanh_pullback_parallel(g, y, out):
        for i in prange(y.shape[0]):
            out[0, i] = g[0, i] * (1.0 - y[i] * y[i])

    rng = np.random.default_rng(3)
    y = np.tanh(rng.standard_normal(n))
    g = rng.standard_normal((1, n))

    threads = min(2, numba.config.NUMBA_NUM_THREADS)
    numba.set_num_threads(threads)
    calls = {
        "serial": into_fresh(kernels.tanh_pullback, y, shape=(1, n)),
        "parallel": into_fresh(tanh_pullback_parallel, y, shape=(1, n)),
    }
    t = interleaved(calls, g, rounds)
    return {
        "threads": threads,
        "serial_s": t["serial"]["wall_s"],
        "parallel_s": t["parallel"]["wall_s"],
        "speedup": t["serial"]["wall_s"] / t["parallel"]["wall_s"],
    }


# ---- what enabling costs below the threshold -------------------------------------


def small_overhead(rounds, steps=250):
    """grad of the 1000-op scalar chain ``x = sin(x)*1.01 + 0.1*x``: every op takes the
    wrapper's checks and falls back to numpy, so this is the price of enabling."""
    grad = adcore.grad(lambda x: w.scalar_chain(anp, x, steps))
    t = interleaved({"grad": grad, "grad_jit": with_jit(grad)}, 0.5, rounds)
    ops = 4 * steps
    return {
        "ops": ops,
        "us_per_op": t["grad"]["wall_s"] / ops * 1e6,
        "us_per_op_jit": t["grad_jit"]["wall_s"] / ops * 1e6,
    }


# ---- compile time -----------------------------------------------------------------

_COMPILE_PROBE = """
import json, time
t0 = time.perf_counter()
import adcore_jit
t1 = time.perf_counter()
count = adcore_jit.compile_all()
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "compile_s": t2 - t1, "specializations": count}))
"""


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def probe(code, **env):
    """Run `code` in a fresh Python with `env` added (and this repository importable);
    return the JSON it prints last."""
    env = dict(os.environ, **env)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [ROOT, env.get("PYTHONPATH")]))
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def compile_times():
    """compile_all() in a fresh process with an empty numba cache, then again with it warm."""
    with tempfile.TemporaryDirectory() as cache:
        cold, warm = (probe(_COMPILE_PROBE, NUMBA_CACHE_DIR=cache) for _ in range(2))
    return {"cold": cold, "warm": warm}


# ---- the same headline with glibc keeping freed memory ----------------------------

_KEEP_MEMORY_PROBE = """
import json
from benchmarks import jit_suite
print(json.dumps(jit_suite.headline({rounds})))
"""


def headline_keep_memory(rounds):
    """The headline in a process where free() keeps memory (no fresh page faults)."""
    return probe(
        _KEEP_MEMORY_PROBE.format(rounds=rounds),
        MALLOC_MMAP_THRESHOLD_=str(1 << 30),
        MALLOC_TRIM_THRESHOLD_=str(1 << 31),
        MALLOC_TOP_PAD_=str(1 << 26),
    )


# ---- the suite ----------------------------------------------------------------------


def run(quick: bool) -> dict:
    """Every measurement above; ``quick`` uses fewer rounds and a shorter size scan."""
    try:
        import adcore_jit
    except ImportError as e:  # numba missing: nothing to measure
        return {"name": NAME, "quick": quick, "skipped": str(e), "table": f"skipped: {e}"}
    rounds = 7 if quick else 21
    compile_ = compile_times()  # first: its cold run must not find this process's cache
    adcore_jit.compile_all()
    sizes = [256, 2048, 8192, 16384, 32768, 262144] if quick else [2**k for k in range(6, 21)]
    result = {
        "name": NAME,
        "quick": quick,
        "threshold": adcore_jit.threshold(),
        "jitted": adcore_jit.jitted_primitives(),
        "compile": compile_,
        "headline": headline(rounds),
        "headline_keep_memory": headline_keep_memory(rounds),
        "pullbacks": pullbacks(max(5, rounds // 2)),
        "threshold_scan": threshold_scan(max(5, rounds // 2), sizes),
        "parallel": parallel_check(rounds),
        "small_overhead": small_overhead(rounds),
    }
    result["table"] = table(result)
    return result


def _ms(s):
    return f"{s * 1e3:8.2f}"


def _time_rows(t):
    return [
        f"  {k:11s} {_ms(t[k]['wall_s'])} {_ms(t[k]['cpu_s'])} {t[k]['page_faults']:8d}"
        for k in ("grad", "grad_jit", "hand_numpy", "jvp", "jvp_jit")
    ]


def table(r):
    h = r["headline"]
    t = h["times"]
    q = h["ratios"]
    lines = [
        f"sum(sigmoid(x)*tanh(x) + exp(-x**2) + log1p(x**2)), n = {h['n']:,} float64 "
        "(median wall ms; CPU ms; minor page faults per call)",
    ]
    lines += _time_rows(t)
    lines.append(
        f"  grad: jit {q['grad_speedup']:.2f}x faster than without (target >= 1.5); "
        f"jit / hand numpy {q['grad_jit_over_hand']:.2f} (target <= 1.2); "
        f"without / hand {q['grad_over_hand']:.2f}"
    )
    lines.append(f"  jvp:  jit {q['jvp_speedup']:.2f}x faster than without (target >= 1.5)")
    lines.append(
        f"  CPU-time ratios: grad {q['grad_speedup_cpu']:.2f}x, "
        f"jit/hand {q['grad_jit_over_hand_cpu']:.2f}, jvp {q['jvp_speedup_cpu']:.2f}x"
    )
    k = r["headline_keep_memory"]
    kt, kq = k["times"], k["ratios"]
    lines.append("same, glibc keeping freed memory (MALLOC_TRIM/MMAP_THRESHOLD_):")
    lines += _time_rows(kt)
    lines.append(
        f"  grad {kq['grad_speedup']:.2f}x, jit/hand {kq['grad_jit_over_hand']:.2f}, "
        f"jvp {kq['jvp_speedup']:.2f}x"
    )
    lines.append(f"fused pullbacks vs the numpy rule, n = {N:,} (ms; target >= 3x)")
    for p in r["pullbacks"]:
        lines.append(
            f"  {p['primitive'] + '[' + str(p['argnum']) + ']':14s} {_ms(p['numpy_s'])} "
            f"{_ms(p['kernel_s'])} {p['speedup']:6.2f}x"
        )
    names = [k for k in r["threshold_scan"][0] if k != "n"]
    lines.append(
        f"threshold: numpy time / kernel time by size (threshold in use: {r['threshold']})"
    )
    lines.append("  " + f"{'n':>8} " + " ".join(f"{k:>8}" for k in names))
    for row in r["threshold_scan"]:
        lines.append("  " + f"{row['n']:>8} " + " ".join(f"{row[k]:8.2f}" for k in names))
    p = r["parallel"]
    lines.append(
        f"parallel=True, tanh pullback on {p['threads']} threads: "
        f"serial {_ms(p['serial_s'])} ms, parallel {_ms(p['parallel_s'])} ms "
        f"({p['speedup']:.2f}x)"
    )
    o = r["small_overhead"]
    lines.append(
        f"below the threshold (grad of a {o['ops']}-op scalar chain): "
        f"{o['us_per_op']:.2f} us/op without, {o['us_per_op_jit']:.2f} us/op with jit enabled"
    )
    c = r["compile"]
    lines.append(
        f"compile_all ({c['cold']['specializations']} specializations): cold cache "
        f"{c['cold']['compile_s']:.2f} s, warm cache (second process) "
        f"{c['warm']['compile_s']:.2f} s; import adcore_jit {c['warm']['import_s']:.2f} s"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    standalone_main(run)
