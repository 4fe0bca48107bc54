"""Composite gates and what they are made of.

adcore keeps sigmoid, softplus, logsumexp, softmax and log_softmax as single
primitives (one node, a cheap rule that reuses the output).  The notes make
the point that where a gate's boundary lies is a matter of convenience: the
same sigmoid can be drawn as one gate or as ``*-1 -> exp -> +1 -> 1/x``.
``trace(..., expand=True)`` evaluates each composite through the
decomposition below instead, so its parts land on the tape as ordinary gates.

Each decomposition takes the primitive's arguments and is written with
``adcore.numpy`` operations.  The max subtracted for stability is a constant
(it cancels from the derivative), so it shows up as a constant input, not as
a max gate.  Add an entry to ``EXPANSIONS`` (keyed by primitive name) to
expand a primitive of your own.
"""

import numpy as np

import adcore.numpy as anp
from adcore.core import getval


def _stable_shift(x, axis):
    m = np.max(getval(x), axis=axis, keepdims=True)
    return np.where(np.isfinite(m), m, 0.0)


def sigmoid_parts(x):
    """sigmoid as the notes draw it: ``1 / (1 + exp(-x))``."""
    # the notes' figure: *-1, exp, +1, 1/x
    return 1.0 / (1.0 + anp.exp(-x))


def softplus_parts(x):
    """softplus as ``log(1 + exp(x))`` (the expansion is for showing, not for large x)."""
    return anp.log(1.0 + anp.exp(x))


def logsumexp_parts(x, axis=None, keepdims=False):
    """logsumexp as ``log(sum(exp(x - m))) + m`` with the max ``m`` as a constant."""
    m = _stable_shift(x, axis)
    out = anp.log(anp.sum(anp.exp(x - m), axis=axis, keepdims=keepdims))
    return out + (m if keepdims else np.squeeze(m, axis=axis))


def softmax_parts(x, axis=-1):
    """softmax as ``exp(x - m) / sum(exp(x - m))``."""
    e = anp.exp(x - _stable_shift(x, axis))
    return e / anp.sum(e, axis=axis, keepdims=True)


def log_softmax_parts(x, axis=-1):
    """log_softmax as ``(x - m) - log(sum(exp(x - m)))``."""
    shifted = x - _stable_shift(x, axis)
    return shifted - anp.log(anp.sum(anp.exp(shifted), axis=axis, keepdims=True))


EXPANSIONS = {
    "sigmoid": sigmoid_parts,
    "softplus": softplus_parts,
    "logsumexp": logsumexp_parts,
    "softmax": softmax_parts,
    "log_softmax": log_softmax_parts,
}
