"""particle: steer a charged particle to the origin, by nested AD in four nestings.

Two unit charges sit at (10, 0) and (10, 10 - w); a particle starts at (0, 8) with
velocity (0.75, 0) and moves by naive Euler steps (dt = 0.1) under the acceleration
-grad_x p(x; w), p(x; w) = sum 1/|x - charge|, until it would cross the x axis; linear
interpolation gives the crossing point x(t_f).  The eval asks for argmin_w x_0(t_f)^2 by
gradient descent from w0 (the solver of `descent.py`).  The *inner* mode takes grad_x p
at every Euler step; the *outer* mode differentiates the whole simulation (through the
inner derivatives) with respect to w:

    ff  outer jvp over inner jacfwd          fr  outer jvp over inner grad
    rf  outer grad over inner jacfwd         rr  outer grad over inner grad
"""

import numpy as np

import adcore
import adcore.numpy as anp
from adcore import getval

from ..protocol import Function
from .descent import argmin

X0 = np.array([0.0, 8.0])
V0 = np.array([0.75, 0.0])
DT = 0.1
# The charges, one per row, are CHARGES_AT_0 - w * MOVES: (10, 10 - w) and (10, 0).
CHARGES_AT_0 = np.array([[10.0, 10.0], [10.0, 0.0]])
MOVES = np.array([[0.0, 1.0], [0.0, 0.0]])


def potential(x, charges):
    """sum over charges of 1 / |x - charge| (few, whole-array ops: the loop's hot spot)."""
    offsets = x - charges
    return anp.sum(anp.sum(offsets * offsets, axis=1) ** -0.5)


def gradient_in(mode: str, f):
    return adcore.grad(f) if mode == "r" else adcore.jacfwd(f)


def miss_distance(inner: str, w):
    """x_0(t_f)^2 for control w (a 1-vector), with grad_x p by the inner mode."""
    charges = CHARGES_AT_0 - w[0] * MOVES
    grad_p = gradient_in(inner, lambda x: potential(x, charges))
    x, v = X0, V0
    while True:
        x_new = x + DT * v
        if getval(x_new)[1] <= 0:
            t_f = -x[1] / v[1]
            x_at_axis = x + t_f * v
            return x_at_axis[0] * x_at_axis[0]
        x, v = x_new, v - DT * grad_p(x)  # acceleration = force = -grad_x p


def outer_gradient(outer: str, f):
    if outer == "r":
        return adcore.grad(f)

    def forward_derivative(w):  # w has one entry: one tangent, one jvp
        return adcore.jvp(f, (w,), (np.ones_like(w),))[1] * np.ones_like(w)

    return forward_derivative


def particle(outer: str, inner: str, w0: float) -> float:
    def objective(w):
        return miss_distance(inner, w)

    w = argmin(objective, outer_gradient(outer, objective), np.array([w0]))
    return float(getval(w)[0])


def _w0(raw):
    return float(raw["w"])


def _variant(outer, inner):
    return Function(
        run=lambda w0: particle(outer, inner, w0),
        prepare=_w0,
        to_json=float,
        mode=f"outer {'jvp' if outer == 'f' else 'grad'} over inner "
        f"{'jacfwd' if inner == 'f' else 'grad'}",
    )


FUNCTIONS = {o + i: _variant(o, i) for o in "fr" for i in "fr"}
