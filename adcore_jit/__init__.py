"""adcore_jit: numba kernels for adcore's elementwise hot loops.

    import adcore_jit
    adcore_jit.enable()          # swap fused kernels into adcore's registry
    adcore_jit.disable()         # back to pure numpy, exactly as before
    with adcore_jit.enabled():   # on inside the block
        ...

In numpy, the derivative of an elementwise op is a chain of temporaries:
sigmoid's pullback ``g * s * (1 - s)`` is three passes over memory and three
fresh buffers.  Here it is one loop.  Kernels run only on plain contiguous
float32/float64 arrays of at least ``threshold()`` elements; everything else
(traced values under nested transforms, broadcasting, small arrays) takes the
original rule, so results and differentiability are unchanged.  numpy's
SIMD transcendental functions (exp, tanh, ...) are kept: numba's scalar
libm calls lose to them.

Kernel outputs, and the forward outputs of the common elementwise
primitives (the same numpy ufuncs, ``out=``), go into recycled buffers
(``adcore.core.pool``): at 10^6 elements a fresh buffer's page faults cost as
much as the arithmetic.  ``release_memory()`` lets the pool's buffers go.

``adcore`` never imports this package; it attaches through the registry
(``adcore.core.all_primitives()``) and marks ``variants["jitted"]``.
"""

from adcore.core import pool
from adcore_jit import kernels
from adcore_jit.fused import DEFAULT_THRESHOLD, set_threshold, threshold
from adcore_jit.install import disable, enable, enabled, is_enabled, jitted_primitives


def release_memory():
    """Let go of the recycled output buffers the kernels keep (they are reused while enabled)."""
    pool.clear()


def compile_all():
    """Compile (or load from the on-disk cache) every kernel for float32 and float64 now.

    Kernels otherwise compile on first use; this pays the cost up front
    (benchmarks, servers).  Returns the number of compiled kernel specializations.
    The generated Taylor kernels (``taylor_codegen``, one per order and zero
    pattern) are not among them: they compile on first use, once per machine.
    """
    from adcore_jit.warm import warm_up

    return warm_up()


__all__ = [
    "DEFAULT_THRESHOLD",
    "compile_all",
    "disable",
    "enable",
    "enabled",
    "is_enabled",
    "jitted_primitives",
    "kernels",
    "release_memory",
    "set_threshold",
    "threshold",
]
