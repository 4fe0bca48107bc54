"""Straight-line Taylor kernels, generated per (function, order, zero pattern).

``taylor_kernels.integrate_family`` keeps each coefficient in a scratch row
and runs one loop over a block of elements per term of every sum: ~k^2
passes, each loading two rows and storing one, so it is bound by loads and
stores (tanh at k = 8 on 16384 elements: 0.30 ms, numpy's ~124 passes 0.49 ms).
Here the order k and which input coefficients are zero are fixed when the
kernel is written, so every term is a named local: one pass over the elements,
each element's whole recurrence in registers, k loads and k stores per
element.  The same recurrence at 0.07 ms.

Two families: ``y' = p a'`` with p quadratic in y (exp, expm1, exp2, tanh,
tan, sigmoid), and sin/cos, sinh/cosh written together.  The terms and their
order are those of ``adcore.taylor.series`` (``quadratic``'s plain road:
sums left to right, the square's pairs doubled, then the middle square, then
the sign; ``_coupled``), so the results are numpy's bit for bit.  Two zero
patterns are written: every coefficient nonzero (a dense series, e.g. after a
matmul) and only the first (a line ``x + t v``, the input of
``taylor_derivatives``); any other pattern, and orders past ``MAX_ORDER``,
take the block kernel.

Kernels are written as modules in a cache directory and compiled with
numba's disk cache, so each compiles once per machine (~0.5 s per order,
pattern and dtype), not once per process; where no directory is writable
they are compiled in memory.
"""

import hashlib
import importlib.util
import os
import sys
import tempfile
import threading

import numpy as np
from numba import njit

from adcore_jit.taylor_kernels import EXP, SIGMOID, TAN, TANH

MAX_ORDER = 12
# sin/cos and sinh/cosh: s' = c a', c' = sign s a', written together, one of them stored
COUPLED = {"sin": (-1.0, 0), "cos": (-1.0, 1), "sinh": (1.0, 0), "cosh": (1.0, 1)}
KINDS = (EXP, TANH, TAN, SIGMOID, *COUPLED)

_kernels = {}
_lock = threading.Lock()


def pattern(rows):
    """``"full"``, ``"line"`` or None for the zero pattern of ``rows`` (``rows[j] < 0``: a_j is
    zero; ``rows[0]`` unused)."""
    present = [q >= 0 for q in rows[1:]]
    if all(present):
        return "full"
    if present[0] and not any(present[1:]):
        return "line"
    return None


def kernel(kind, k, shape):
    """The compiled kernel for ``kind`` at order ``k`` and zero pattern ``shape``:
    ``kern(a, y0, p0, constants(k, scale, out.dtype), out)``, with integrate_family's arrays."""
    key = (kind, k, shape)
    fn = _kernels.get(key)
    if fn is None:
        with _lock:
            fn = _kernels.get(key)
            if fn is None:
                fn = _kernels[key] = _compile(kind, k, shape)
    return fn


def constants(k, scale, dtype, sign=None):
    """The kernel's numbers in the arrays' dtype, as numpy's operators see a Python float
    next to a float32 array: ``scale`` (exp2's ln 2: numpy scales the series first), ``j``
    for j = 1..k, ``1 / n`` for n = 1..k, then (coupled kinds) ``sign / n``."""
    numbers = [scale] + [float(j) for j in range(1, k + 1)] + [1.0 / n for n in range(1, k + 1)]
    if sign is not None:
        numbers += [sign / n for n in range(1, k + 1)]
    return np.array(numbers, dtype)


def _sum(terms):
    """Left-to-right sum of the terms, parenthesised as numpy adds them."""
    expr = terms[0]
    for t in terms[1:]:
        expr = f"({expr}) + {t}"
    return expr


def source(kind, k, shape):
    """The Python source of the kernel (numba compiles it)."""
    if kind not in KINDS or not 1 <= k <= MAX_ORDER or shape not in ("full", "line"):
        raise ValueError(f"no generated Taylor kernel for kind {kind}, order {k}, {shape}")
    present = [j == 1 or shape == "full" for j in range(k + 1)]
    body = ["    scale = c[0]"]
    body += [f"    f{j} = c[{j}]" for j in range(1, k + 1) if present[j]]
    body += [f"    h{n} = c[{k + n}]" for n in range(1, k + 1)]
    if kind in COUPLED:
        body += [f"    g{n} = c[{2 * k + n}]" for n in range(1, k + 1)]
    body += [
        "    k, R, N = out.shape",
        "    for r in range(R):",
        "        for i in range(N):",
        "            y0 = y0a[i]",
        "            p0 = p0a[i]",
    ]
    step = "            "
    for j in range(1, k + 1):
        if present[j]:
            row = j - 1 if shape == "full" else 0
            body.append(f"{step}ja{j} = (a[{row}, r, i] * scale) * f{j}")
    if kind in COUPLED:  # y0a, p0a: the primals of s and c
        return _finish(body + _coupled_terms(kind, k, present, step))
    for n in range(1, k + 1):
        # y_n = (1/n) sum_j j a_j p_(n-j); every term is present (p_m != 0 for a nonzero a_1)
        terms = [f"ja{j} * p{n - j}" for j in range(1, n + 1) if present[j]]
        body.append(f"{step}y{n} = ({_sum(terms)}) * h{n}")
        body.append(f"{step}out[{n - 1}, r, i] = y{n}")
        if n == k:
            break
        if kind == EXP:
            body.append(f"{step}p{n} = y{n}")
            continue
        body.append(f"{step}q = {_sum([f'y{j} * y{n - j}' for j in range((n + 1) // 2)])}")
        body.append(f"{step}q = q + q")
        if n % 2 == 0:
            body.append(f"{step}q = q + y{n // 2} * y{n // 2}")
        if kind == TAN:
            body.append(f"{step}p{n} = q")
        elif kind == TANH:
            body.append(f"{step}p{n} = -q")
        else:  # SIGMOID: y - y^2
            body.append(f"{step}p{n} = y{n} + (-q)")
    return _finish(body)


def _coupled_terms(kind, k, present, step):
    """series._coupled's recurrence: s_n = (1/n) sum_j j a_j c_(n-j), then
    c_n = (sign/n) sum_j j a_j s_(n-j); the one ``kind`` names is stored."""
    which = COUPLED[kind][1]
    lines = [f"{step}s0 = y0", f"{step}c0 = p0"]
    for n in range(1, k + 1):
        js = [j for j in range(1, n + 1) if present[j]]
        lines.append(f"{step}s{n} = ({_sum([f'ja{j} * c{n - j}' for j in js])}) * h{n}")
        lines.append(f"{step}c{n} = ({_sum([f'ja{j} * s{n - j}' for j in js])}) * g{n}")
        lines.append(f"{step}out[{n - 1}, r, i] = {'sc'[which]}{n}")
    return lines


def _finish(body):
    head = [
        '"""Generated by adcore_jit.taylor_codegen; rewritten whenever it differs."""',
        "from numba import njit",
        "",
        "",
        '@njit(cache=True, error_model="numpy")',
        "def kern(a, y0a, p0a, c, out):",
    ]
    return "\n".join(head + body) + "\n"


def _cache_dir():
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        home = os.path.expanduser("~")
        # no home directory (expanduser leaves "~"): the temporary directory, never the cwd
        base = os.path.join(home, ".cache") if home != "~" else tempfile.gettempdir()
    return os.path.join(base, "adcore_jit", "taylor")


def _compile(kind, k, shape):
    src = source(kind, k, shape)
    digest = hashlib.sha1(src.encode()).hexdigest()[:12]
    name = f"adcore_taylor_k{k}_{kind}_{shape}_{digest}"
    try:
        folder = _cache_dir()
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, name + ".py")
        if not os.path.exists(path) or open(path, encoding="utf-8").read() != src:
            tmp = f"{path}.{os.getpid()}.tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(src)
            os.replace(tmp, path)  # atomic: a concurrent process sees all of it or none
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules.setdefault(name, module)
        return module.kern
    except OSError:  # no writable cache directory: compile in memory, once per process
        namespace = {"njit": njit}
        exec(compile(src.replace("cache=True", "cache=False"), name, "exec"), namespace)
        return namespace["kern"]
