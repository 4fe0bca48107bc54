"""Compile every kernel ahead of use, with the argument types the rules pass.

Each fused rule runs once on tiny float32 and float64 arrays (and maximum/
minimum once more against a number), so every specialization is compiled,
or loaded from numba's on-disk cache, here rather than inside a timed call.
"""

import numpy as np
from numba.core.registry import CPUDispatcher

from adcore.core import get_primitive
from adcore_jit import fused, kernels, taylor, taylor_kernels


def _calls(name, x, y, c):
    """(argnum, args after g and ans) for each argument primitive ``name`` accelerates."""
    if name == "where":
        return [(1, (c, x, y)), (2, (c, x, y))]
    if name == "power":
        return [(0, (x, 2))]
    if name in ("multiply", "divide"):
        return [(0, (x, y)), (1, (x, y))]
    if name in ("maximum", "minimum"):
        return [(0, (x, y)), (1, (x, y)), (0, (x, 0.0)), (1, (0.0, y))]
    return [(0, (x,))]


def warm_up():
    """Run every fused rule once per float dtype so numba compiles (or loads) its kernels now.

    Returns the number of compiled kernel specializations; raises if a kernel
    declined to run, since then ``compile_all`` would silently leave it cold.
    """
    old = fused.set_threshold(0)
    count = 0
    try:
        for dtype in fused.FLOATS:
            x = np.linspace(0.5, 1.5, 8, dtype=dtype)
            y = np.linspace(1.5, 0.5, 8, dtype=dtype)
            g = np.ones(8, dtype)
            ans = np.linspace(1.0, 2.0, 8, dtype=dtype)
            for name, rules in fused.RULES.items():
                for argnum, args in _calls(name, x, y, x > 1.0):
                    if rules[argnum](g, ans, *args) is None:
                        raise RuntimeError(f"adcore_jit: the {name} kernel declined its warm-up")
                    count += 1
            fused.sigmoid_impl(None)(x)  # the one forward pass with a kernel
            count += 1
            count += _warm_taylor(x, dtype)
    finally:
        fused.set_threshold(old)
    if not count:
        raise RuntimeError("adcore_jit: nothing was warmed up")
    modules = [kernels, taylor_kernels]
    try:  # the sparse colorings' loops, where scipy (adcore.sparse) is installed
        from adcore_jit import coloring
    except ImportError:
        pass
    else:
        coloring.warm_up()
        modules.append(coloring)
    return sum(
        len(f.signatures)
        for module in modules
        for f in vars(module).values()
        if isinstance(f, CPUDispatcher)
    )


class _Tag:
    """What a fast Taylor rule reads of a jet's tag: no batch axes."""

    batch, nbatch = (), 0


def _warm_taylor(x, dtype):
    """Each fast Taylor rule once, order 3, on primals in every function's domain.  The
    middle coefficient is zero: a pattern no generated kernel covers (``taylor_codegen``
    compiles those per order on first use), so the block kernels are the ones warmed."""
    x = np.linspace(1.2, 1.5, 8, dtype=dtype)  # in the domain of log, arccosh, ...
    small = np.linspace(0.1, 0.4, 8, dtype=dtype)  # ... and of arcsin, arctanh
    series = [[np.ones(8, dtype), None, np.ones(8, dtype)]]
    for name, fast in taylor.RULES.items():
        arg = small if name in ("arcsin", "arccos", "arctanh") else x
        args = (arg, 2.5) if name == "power" else (arg,)
        ans = get_primitive(name).impl(*args)
        if fast(ans, args, series + [None] * (len(args) - 1), _Tag) is None:
            raise RuntimeError(f"adcore_jit: the {name} Taylor kernel declined its warm-up")
    return len(taylor.RULES)
