"""GradBench's gradient-descent solver for `saddle` and `particle`, over traced values.

The eval's reference (cpp/gradbench/gd.hpp) fixes the algorithm, so every tool walks the
same path: step x' = x - eta * grad, accept when f(x') < f(x) (after 10 accepted steps in
a row eta doubles), halve eta on a rejected step, stop when |grad| <= 1e-5 or the step is
shorter than 1e-5.  The iterates may be traced by an *outer* transform (saddle
differentiates through the inner argmax), so arithmetic uses adcore.numpy and every
branch is decided on primal values (`getval`): the derivative follows the path taken.
"""

from __future__ import annotations

from typing import Callable

import adcore.numpy as anp
from adcore import getval

TOLERANCE = 1e-5
ETA0 = 1e-5
DOUBLE_AFTER = 10


def _norm(v) -> float:
    return float(anp.sqrt(anp.sum(getval(v) ** 2)))


def argmin(f: Callable, gradient: Callable, x0):
    """argmin_x f(x) from x0; `gradient(x)` is f's gradient, taken by any AD mode."""
    x = x0
    fx = f(x)
    gx = gradient(x)
    accepted, eta = 0, ETA0
    while True:
        if _norm(gx) <= TOLERANCE:
            return x
        if accepted == DOUBLE_AFTER:
            eta, accepted = eta * 2, 0
            continue
        x_new = x - eta * gx
        if _norm(getval(x) - getval(x_new)) <= TOLERANCE:
            return x
        fx_new = f(x_new)
        if getval(fx_new) < getval(fx):
            x, fx = x_new, fx_new
            gx = gradient(x)
            accepted += 1
        else:
            eta, accepted = eta / 2, 0


def argmax(f: Callable, gradient: Callable, x0):
    """argmax_x f(x): argmin of -f (whose gradient is -gradient)."""
    return argmin(lambda x: -f(x), lambda x: -gradient(x), x0)
