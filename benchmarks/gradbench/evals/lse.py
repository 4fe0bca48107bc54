"""lse: log-sum-exp of a vector and its gradient, by reverse mode (n inputs, 1 output)."""

import numpy as np

import adcore
import adcore.numpy as anp

from ..protocol import Function


def primal(x):
    return anp.logsumexp(x)


def _x(raw):
    return np.asarray(raw["x"], dtype=np.float64)


FUNCTIONS = {
    "primal": Function(run=primal, prepare=_x, to_json=float, mode="primal"),
    "gradient": Function(
        run=adcore.grad(primal), prepare=_x, to_json=np.ndarray.tolist, mode="reverse"
    ),
}
