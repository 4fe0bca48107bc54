"""llsq: a linear least-squares objective and its gradient, by reverse mode.

primal(x) = 1/2 sum_i (s(t_i) - sum_j x_j t_i^j)^2,  t_i = -1 + 2 i / (n - 1),  s = sign
"""

import numpy as np

import adcore
import adcore.numpy as anp

from ..protocol import Function


def primal(x, n: int):
    t = -1.0 + np.arange(n) * (2.0 / (n - 1))
    powers = np.vander(t, x.shape[0], increasing=True)  # t_i^j, data: not a function of x
    residual = np.sign(t) - powers @ x
    return 0.5 * anp.sum(residual * residual)


def _prepare(raw):
    return np.asarray(raw["x"], dtype=np.float64), int(raw["n"])


FUNCTIONS = {
    "primal": Function(run=lambda a: primal(*a), prepare=_prepare, to_json=float, mode="primal"),
    "gradient": Function(
        run=lambda a: adcore.grad(primal)(*a),
        prepare=_prepare,
        to_json=np.ndarray.tolist,
        mode="reverse",
    ),
}
