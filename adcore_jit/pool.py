"""Recycled output buffers for the kernels.

A fresh multi-megabyte numpy buffer is not free: glibc hands large blocks
back to the kernel when they are freed, so the next one is mapped again and
every page is faulted in and zeroed on first touch.  At 10^6 float64 that
costs about as much as the arithmetic the kernel does (benchmarks/jit_suite.py
counts the page faults).

The pool keeps the buffers it handed out.  A buffer is free again when the
pool's own reference is the only one left: every array viewing it (the
cotangent on the tape, a gradient returned to the user, a reshape of either)
holds a reference to it, so a buffer with no other reference cannot be
observed by anyone and may be overwritten.  That is CPython's reference
counting, the same fact numpy's temporary elision relies on; elsewhere the
pool is off and buffers are fresh.

Only sizes of at least ``fused.threshold()`` elements come here, so the scan
(a few dozen ``sys.getrefcount`` calls) is noise next to the work.
"""

import sys
import threading

import numpy as np

# refcount of a pooled buffer nobody else holds: the list, the loop variable,
# getrefcount's argument
_FREE = 3
_ENABLED = sys.implementation.name == "cpython" and getattr(sys, "_is_gil_enabled", lambda: 1)()

MAX_BYTES = 1 << 28  # 256 MB kept at most; beyond it, plain fresh buffers

_lock = threading.Lock()
_buffers = []  # uint8 arrays owned by the pool
_held = [0]  # bytes in _buffers


def empty(shape, dtype):
    """An uninitialized array: a recycled buffer when one of the right size is free."""
    dtype = np.dtype(dtype)
    count = 1
    for d in shape:
        count *= d
    nbytes = count * dtype.itemsize
    if not _ENABLED:
        return np.empty(shape, dtype)
    with _lock:
        for b in _buffers:
            if b.nbytes == nbytes and sys.getrefcount(b) == _FREE:
                return b.view(dtype).reshape(shape)
        if _held[0] + nbytes > MAX_BYTES:
            return np.empty(shape, dtype)
        b = np.empty(nbytes, np.uint8)
        _buffers.append(b)
        _held[0] += nbytes
        return b.view(dtype).reshape(shape)


def clear():
    """Forget every pooled buffer (those still in use live on as ordinary arrays)."""
    with _lock:
        _buffers.clear()
        _held[0] = 0


def held_bytes():
    """How many bytes the pool's buffers hold now, in use or free (tests check reuse with it)."""
    return _held[0]
