"""Swapping the fused rules into the registry, and back.

``enable()`` replaces, for every primitive in ``fused.RULES``, the JVP and VJP
rule of each listed argument by a wrapper that tries the kernel and falls
back to the original rule (nested transforms, small or strided arrays,
broadcasting, mixed dtypes), and marks the primitive ``variants["jitted"]``.
It also swaps the forward implementation (``impl``) of the primitives in
``fused.IMPLS`` (the same numpy ufuncs, written into recycled buffers from
``pool``), the Taylor rule (``variants["taylor"]``) of the primitives in
``taylor.RULES`` (a whole recurrence in one kernel) and the core's one hook,
``adcore.core.hooks.add`` (the sum of two tangents, and the sweep's ``a + c``
at a fork), and, when scipy is installed, the greedy-coloring loops of
``adcore.sparse.coloring.LOOPS``.

``disable()`` puts back exactly the objects that were there; a slot someone
re-registered while enabled is left alone.  The pool keeps its free buffers
for the next ``enable()``; ``release_memory()`` lets go of them.  The switch
is process-wide (the registry is), not per thread.
"""

import contextlib
import threading

import numpy as np

from adcore.core import NONDIFF, all_primitives, hooks
from adcore_jit import fused, taylor

_lock = threading.Lock()
_installed = None  # list of (table, key, original, replacement) while enabled


def _accelerated(original, fast, name):
    def rule(g, ans, *args, **kwargs):
        # cheap test first: below the threshold (or traced) go straight to numpy
        if type(ans) is np.ndarray and ans.size >= fused._threshold and not kwargs:
            out = fast(g, ans, *args)
            if out is not None:
                return out
        return original(g, ans, *args, **kwargs)

    rule.__name__ = rule.__qualname__ = f"{name}_jit"
    rule.original = original
    return rule


def _accelerated_taylor(original, fast, name):
    def rule(prim, ans, args, series, kwargs, tag):
        if type(ans) is np.ndarray and not kwargs:
            out = fast(ans, args, series, tag)
            if out is not None:
                return out
        return original(prim, ans, args, series, kwargs, tag)

    rule.__name__ = rule.__qualname__ = f"{name}_taylor_jit"
    rule.original = original
    return rule


def accelerated_table():
    """{primitive object: (fused rules, impl maker, fast Taylor rule)} for the built-in
    primitives ``fused.RULES``, ``fused.IMPLS`` and ``taylor.RULES`` name.

    Names are resolved to objects once, here: the plain registry name is the
    built-in primitive (registered when adcore is imported); a user's primitive
    of the same name is registered as ``module.name`` and is never touched.
    """
    prims = all_primitives()
    table = {}
    for name in sorted(set(fused.RULES) | set(fused.IMPLS) | set(taylor.RULES)):
        prim = prims.get(name)
        if prim is None or prim.family == "user":
            continue
        table[prim] = (fused.RULES.get(name, {}), fused.IMPLS.get(name), taylor.RULES.get(name))
    return table


def _swap(prim, kind, rules):
    """(table, key, original, replacement) for one primitive's rules of ``kind`` ("jvps"/"vjps")."""
    table = getattr(prim, kind)
    swaps = []
    for argnum, fast in rules.items():
        original = table.get(argnum)
        if original is None or original is NONDIFF:
            continue
        name = f"{prim.name}_{kind[:3]}{argnum}"
        swaps.append((table, argnum, original, _accelerated(original, fast, name)))
    return swaps


def enable():
    """Use the numba kernels for the elementwise derivative rules (idempotent)."""
    global _installed
    with _lock:
        if _installed is not None:
            return
        swaps = []
        for prim, (rules, maker, fast_taylor) in accelerated_table().items():
            mine = _swap(prim, "jvps", rules) + _swap(prim, "vjps", rules)
            if maker is not None:
                mine.append((prim, "impl", prim.impl, maker(prim.impl)))
            native = prim.variants.get("taylor")
            if fast_taylor is not None and native is not None:
                replacement = _accelerated_taylor(native, fast_taylor, prim.name)
                mine.append((prim.variants, "taylor", native, replacement))
            if mine:
                had = prim.variants.get("jitted", _ABSENT)
                mine.append((prim.variants, "jitted", had, True))
            swaps.extend(mine)
        swaps.append((hooks, "add", hooks.add, fused.add_recycled))
        swaps.extend(_coloring_swaps())
        for target, key, _, replacement in swaps:
            _set(target, key, replacement)
        _installed = swaps


def _coloring_swaps():
    """The compiled greedy-coloring loops for ``adcore.sparse`` (when scipy, its one
    dependency, is installed; otherwise there is nothing to speed up)."""
    try:
        from adcore.sparse import coloring
    except ImportError:
        return []
    from adcore_jit import coloring as compiled

    return [
        (coloring.LOOPS, name, coloring.LOOPS[name], kernel)
        for name, kernel in compiled.loops().items()
    ]


def disable():
    """Restore the pure-numpy rules exactly as they were (idempotent)."""
    global _installed
    with _lock:
        if _installed is None:
            return
        for target, key, original, replacement in reversed(_installed):
            if _get(target, key) is replacement:
                _set(target, key, original)
        _installed = None


def is_enabled():
    """Whether ``enable()`` is in effect (process-wide)."""
    return _installed is not None


@contextlib.contextmanager
def enabled():
    """``with adcore_jit.enabled(): ...`` — kernels on inside, the previous state after."""
    was = is_enabled()
    enable()
    try:
        yield
    finally:
        if not was:
            disable()


_ABSENT = object()


def _get(target, key):
    if isinstance(target, dict):
        return target.get(key, _ABSENT)
    return getattr(target, key)


def _set(target, key, value):
    if isinstance(target, dict):
        if value is _ABSENT:
            target.pop(key, None)
        else:
            target[key] = value
    else:
        setattr(target, key, value)


def jitted_primitives():
    """Registry names of the primitives ``enable()`` accelerates."""
    return sorted(prim.key for prim in accelerated_table())
