"""ode: s Runge-Kutta-4 steps of y' = f(x, y) and the gradient of y_n's last entry in x.

    f(x, y)_0 = x_0,   f(x, y)_i = x_i y_{i-1}   (cmpad's an_ode), y(0) = 0, t_f = 2

The gradient is one reverse sweep over the s-step tape (one output, n inputs).
"""

import numpy as np

import adcore
import adcore.numpy as anp

from ..protocol import Function


def _rate(x, y):
    shifted = anp.concatenate([np.ones(1), y[:-1]])
    return x * shifted


def primal(x, s: int):
    h = 2.0 / s
    y = np.zeros(x.shape[0])
    for _ in range(s):
        k1 = _rate(x, y)
        k2 = _rate(x, y + (h / 2) * k1)
        k3 = _rate(x, y + (h / 2) * k2)
        k4 = _rate(x, y + h * k3)
        y = y + (h / 6) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    return y


def last_entry(x, s: int):
    return primal(x, s)[-1]


def _prepare(raw):
    return np.asarray(raw["x"], dtype=np.float64), int(raw["s"])


FUNCTIONS = {
    "primal": Function(
        run=lambda a: primal(*a), prepare=_prepare, to_json=np.ndarray.tolist, mode="primal"
    ),
    "gradient": Function(
        run=lambda a: adcore.grad(last_entry)(*a),
        prepare=_prepare,
        to_json=np.ndarray.tolist,
        mode="reverse",
    ),
}
