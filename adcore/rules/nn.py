"""Neural-network helpers as primitives: one gate each, numerically stable.

They could be composed from exp/log/sum, but as gates they are faster (one
node instead of five) and their rules reuse the output (sigmoid's local
gradient is s(1-s), the notes' example of a gate whose derivative is cheap).

Complex values, as JAX defines them: sigmoid, softplus, logsumexp, softmax and
log_softmax are holomorphic (their rules hold as written under the bilinear
pairing, ``complex_support``); the stabilising shift is the maximum of the *real*
parts (the shift is exact for any constant), and the log is numpy's principal
branch.  relu is an ordering and stays real-only.
"""

import numpy as np

from adcore.core import defjvp, defvjp_direct, getval, ndim_of
from adcore.rules import declare, partials
from adcore.rules import elementwise as ew
from adcore.rules import reductions as red
from adcore.rules import shape as sh


def _sigmoid_impl(x):
    # tanh form: stable for large |x| and one transcendental call
    return 0.5 * (np.tanh(0.5 * np.asarray(x)) + 1.0)


sigmoid = partials.elementwise(
    _sigmoid_impl, lambda ans, x: ans * (1.0 - ans), name="sigmoid", family="nn"
)
relu = partials.elementwise(
    lambda x: np.maximum(x, 0),
    lambda ans, x: declare.mask(getval(x) > 0, x),
    name="relu",
    family="nn",
)


def _softplus_impl(x):
    x = np.asarray(x)
    if x.dtype.kind != "c":
        return np.logaddexp(0.0, x)
    m = np.maximum(x.real, 0.0)  # log(1 + e^x) = m + log(e^-m + e^(x - m))
    return m + np.log(np.exp(-m) + np.exp(x - m))


softplus = partials.elementwise(
    _softplus_impl, lambda ans, x: sigmoid(x), name="softplus", family="nn"
)


def _real_max(x, axis):
    """The shift of a stable exp-sum: max over the real parts, 0 where not finite."""
    m = np.max(x.real, axis=axis, keepdims=True)
    return np.where(np.isfinite(m), m, 0.0)


def _lse_impl(x, axis=None, keepdims=False):
    x = np.asarray(x)
    m = _real_max(x, axis)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


logsumexp = declare.rule_primitive(_lse_impl, "logsumexp", "nn", "reduction")


def _lse_weights(ans, x, axis, keepdims):
    full = ans if keepdims else sh.expand_dims(ans, declare.neg_axes(axis, ndim_of(x)))
    return ew.exp(x - full)


red.defweighted(logsumexp, _lse_weights)


def _softmax_impl(x, axis=-1):
    x = np.asarray(x)
    e = np.exp(x - np.max(x.real, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _log_softmax_impl(x, axis=-1):
    return np.asarray(x) - _lse_impl(x, axis=axis, keepdims=True)


def _ax(axis, x):
    return declare.neg_axes(axis, ndim_of(x))


softmax = declare.rule_primitive(_softmax_impl, "softmax", "nn", "axis")


def _softmax_rule(g, ans, x, axis=-1):
    # the softmax Jacobian diag(s) - s s^T is symmetric: JVP and VJP agree
    return ans * (g - red.sum(g * ans, axis=_ax(axis, x), keepdims=True))


defjvp(softmax, _softmax_rule, batched=True)
defvjp_direct(softmax, _softmax_rule)

log_softmax = declare.rule_primitive(_log_softmax_impl, "log_softmax", "nn", "axis")
defjvp(
    log_softmax,
    lambda g, ans, x, axis=-1: g - red.sum(g * ew.exp(ans), axis=_ax(axis, x), keepdims=True),
    batched=True,
)
defvjp_direct(
    log_softmax,
    lambda g, ans, x, axis=-1: g - ew.exp(ans) * red.sum(g, axis=_ax(axis, x), keepdims=True),
)

__all__ = ["log_softmax", "logsumexp", "relu", "sigmoid", "softmax", "softplus"]
