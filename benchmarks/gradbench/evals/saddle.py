"""saddle: min_x max_y f(x, y) by nested gradient descent, in four AD nestings.

    f(x, y) = (x1^2 + x2^2) - (y1^2 + y2^2)   (gd.hpp's objective(x1, x2, y1, y2))

Step 1 minimises g(x) = f(x, argmax_y f(x, y)); its gradient is taken by the *outer*
mode straight through the inner gradient-descent loop, whose own gradients (in y) are
taken by the *inner* mode, so each variant is true nested AD:

    ff  outer jacfwd (2 batched tangents) over inner jacfwd
    fr  outer jacfwd over inner grad (forward-over-reverse)
    rf  outer grad over inner jacfwd (reverse-over-forward)
    rr  outer grad over inner grad

Step 2 is argmax_y f(x*, y), its gradient by the outer mode.  Output: x* and y*.
"""

import numpy as np

import adcore
import adcore.numpy as anp

from ..protocol import Function
from .descent import argmax, argmin


def objective(x, y):
    return x @ x - y @ y


def gradient_in(mode: str, f):
    """f's gradient by reverse ("r": grad) or forward ("f": jacfwd of a scalar) mode."""
    return adcore.grad(f) if mode == "r" else adcore.jacfwd(f)


def saddle(outer: str, inner: str, start):
    def max_over_y(x):
        def in_y(y):
            return objective(x, y)

        y_star = argmax(in_y, gradient_in(inner, in_y), start)
        return objective(x, y_star)

    x_star = argmin(max_over_y, gradient_in(outer, max_over_y), start)

    def at_x_star(y):
        return objective(x_star, y)

    y_star = argmax(at_x_star, gradient_in(outer, at_x_star), start)
    return anp.concatenate([x_star, y_star])


def _start(raw):
    return np.asarray(raw["start"], dtype=np.float64)


def _variant(outer, inner):
    return Function(
        run=lambda start: saddle(outer, inner, start),
        prepare=_start,
        to_json=lambda out: np.asarray(out, dtype=np.float64).tolist(),
        mode=f"outer {'jacfwd' if outer == 'f' else 'grad'} over inner "
        f"{'jacfwd' if inner == 'f' else 'grad'}",
    )


FUNCTIONS = {o + i: _variant(o, i) for o in "fr" for i in "fr"}
