"""Recycled buffers for big temporaries (adcore_jit's kernels, Taylor mode's recurrences).

A fresh multi-hundred-kilobyte numpy buffer is not free: glibc hands large
blocks back to the kernel when they are freed (``munmap``, or trimming the
heap's top), so the next one is mapped again and every page is faulted in and
zeroed on first touch.  For an elementwise product that costs several times
the arithmetic (benchmarks/jit_suite.py counts the page faults; Taylor mode's
tanh recurrence at k = 8 on 64 x 256 coefficients ran 4x slower for it).

The pool keeps the buffers it handed out.  A buffer is free again when the
pool's own reference is the only one left: every array viewing it (the
cotangent on the tape, a gradient returned to the user, a reshape of either)
holds a reference to it, so a buffer with no other reference cannot be
observed by anyone and may be overwritten.  That is CPython's reference
counting, the same fact numpy's temporary elision relies on; elsewhere (PyPy,
free-threaded builds) the pool is off and buffers are fresh.

Buffers are kept per byte size, so a request scans only buffers it could use.
``empty_if_big`` sends only big requests here; small ones are cheap fresh and
would only lengthen the scans.
"""

import math
import sys
import threading

import numpy as np

# refcount of a pooled buffer nobody else holds: the list, the loop variable,
# getrefcount's argument
_FREE = 3
_ENABLED = sys.implementation.name == "cpython" and getattr(sys, "_is_gil_enabled", lambda: 1)()

MAX_BYTES = 1 << 28  # 256 MB kept at most; beyond it, plain fresh buffers
MIN_BYTES = 1 << 16  # below 64 KB glibc reuses freed blocks without faulting pages in

_lock = threading.Lock()
_buffers = {}  # byte size -> uint8 arrays of that size owned by the pool
_held = [0]  # bytes in _buffers


def empty(shape, dtype):
    """An uninitialized array: a recycled buffer when one of the right size is free."""
    dtype = np.dtype(dtype)
    nbytes = math.prod(shape) * dtype.itemsize
    if not _ENABLED:
        return np.empty(shape, dtype)
    with _lock:
        same = _buffers.get(nbytes, ())
        for b in same:
            if sys.getrefcount(b) == _FREE:
                return b.view(dtype).reshape(shape)
        if _held[0] + nbytes > MAX_BYTES:
            return np.empty(shape, dtype)
        b = np.empty(nbytes, np.uint8)
        _buffers.setdefault(nbytes, []).append(b)
        _held[0] += nbytes
        return b.view(dtype).reshape(shape)


def empty_if_big(shape, dtype):
    """``empty(shape, dtype)`` from the pool when the buffer is big (``MIN_BYTES``), else fresh."""
    dtype = np.dtype(dtype)
    if math.prod(shape) * dtype.itemsize >= MIN_BYTES:
        return empty(shape, dtype)
    return np.empty(shape, dtype)


def empty_like(a):
    """``empty_if_big(a.shape, a.dtype)``."""
    return empty_if_big(a.shape, a.dtype)


def clear():
    """Forget every pooled buffer (those still in use live on as ordinary arrays)."""
    with _lock:
        _buffers.clear()
        _held[0] = 0


def held_bytes():
    """How many bytes the pool's buffers hold now, in use or free (tests check reuse with it)."""
    return _held[0]
