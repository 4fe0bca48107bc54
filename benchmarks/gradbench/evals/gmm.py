"""gmm: the log posterior of a Gaussian mixture with a Wishart prior, and its gradient
in (alpha, mu, q, l) by one reverse sweep (many inputs, one output).

Following the eval's simplified form: Q_k is lower triangular with diagonal exp(q_k) and
l_k below it (column by column), beta_ik = alpha_k + sum_j q_kj - |Q_k (x_i - mu_k)|^2 / 2,

    F = -N (D/2 log 2 pi + lse(alpha)) + sum_i lse(beta_i)
        + K (nD (log gamma - log(2)/2) - log Gamma_D(n/2))
        - sum_k (gamma^2/2 |Q_k|_F^2 - m sum_j q_kj),        n = D + m + 1
"""

import math
from functools import lru_cache

import numpy as np

import adcore
import adcore.numpy as anp

from ..protocol import Function


@lru_cache(maxsize=None)
def lower_triangle_index(d: int) -> np.ndarray:
    """D x D positions into [0, l_1, l_2, ...]: l fills the strict lower part column-wise."""
    index = np.zeros((d, d), dtype=np.intp)
    position = 1
    for j in range(d):
        for i in range(j + 1, d):
            index[i, j] = position
            position += 1
    return index


def log_multigamma(a: float, p: int) -> float:
    return p * (p - 1) / 4 * math.log(math.pi) + sum(
        math.lgamma(a + (1 - j) / 2) for j in range(1, p + 1)
    )


def log_posterior(params, x, m: int, gamma: float):
    alpha, mu, q, l = params["alpha"], params["mu"], params["q"], params["l"]
    n_points, d = x.shape
    k = alpha.shape[0]
    padded = anp.concatenate([np.zeros((k, 1)), l], axis=1)
    strict_lower = padded[:, lower_triangle_index(d)]  # K x D x D
    diagonal = anp.exp(q)
    factors = strict_lower + diagonal[:, :, None] * np.eye(d)  # Q_k
    # Q_k (x_i - mu_k) = Q_k x_i - Q_k mu_k, without an N x K x D difference
    qx = anp.einsum("kab,nb->nka", factors, x)
    qmu = anp.einsum("kab,kb->ka", factors, mu)
    residual = qx - qmu[None, :, :]
    sum_q = anp.sum(q, axis=1)
    beta = alpha + sum_q - 0.5 * anp.sum(residual * residual, axis=2)
    likelihood = -n_points * (0.5 * d * math.log(2 * math.pi) + anp.logsumexp(alpha)) + anp.sum(
        anp.logsumexp(beta, axis=1)
    )
    dof = d + m + 1
    constant = dof * d * (math.log(gamma) - 0.5 * math.log(2)) - log_multigamma(0.5 * dof, d)
    frobenius = anp.sum(diagonal * diagonal) + anp.sum(l * l)
    prior = k * constant - (0.5 * gamma * gamma * frobenius - m * anp.sum(sum_q))
    return likelihood + prior


def _prepare(raw):
    params = {
        "alpha": np.asarray(raw["alpha"], dtype=np.float64),
        "mu": np.asarray(raw["mu"], dtype=np.float64),
        "q": np.asarray(raw["q"], dtype=np.float64),
        "l": np.asarray(raw["l"], dtype=np.float64).reshape(len(raw["alpha"]), -1),
    }
    return params, np.asarray(raw["x"], dtype=np.float64), int(raw["m"]), float(raw["gamma"])


def _gradient_json(grads):
    return {name: np.asarray(g).tolist() for name, g in grads.items()}


FUNCTIONS = {
    "objective": Function(
        run=lambda a: log_posterior(*a), prepare=_prepare, to_json=float, mode="primal"
    ),
    "jacobian": Function(
        run=lambda a: adcore.grad(log_posterior)(*a),
        prepare=_prepare,
        to_json=_gradient_json,
        mode="reverse",
    ),
}
