"""Double backpropagation (Drucker & LeCun 1992) as WGAN-GP's gradient penalty
(Gulrajani et al. 2017), on a 2-D toy.

A critic D (an MLP on R^2) is trained to separate two Gaussian clouds with the
Wasserstein critic loss  E D(fake) - E D(real),  once plain and once with the
penalty  lambda (||grad_x D(x_hat)|| - 1)^2  on random interpolates x_hat
between the clouds (Gulrajani et al., Algorithm 1, lambda = 10).  The penalty
is a function of a gradient, so training it needs the gradient of a gradient
w.r.t. the weights: double backpropagation, which adcore gets by nesting
``grad`` inside ``grad``.  Plain Adam, written here.

What to expect.  Gulrajani et al.'s Proposition 1: the optimal 1-Lipschitz
critic has gradient norm 1 on the lines between coupled points.  The penalty
is soft, though: along the line between the clouds (means a distance d apart),
a critic with slope k scores k d on the Wasserstein term and pays
lambda (k - 1)^2, so the penalised optimum is k* = 1 + d / (2 lambda) -
1.10 for d = 2, lambda = 10.  Without the penalty the loss is unbounded below
and ||grad_x D|| keeps growing.
"""

from __future__ import annotations

import numpy as np

import adcore
import adcore.numpy as anp
from papers.claims import Section, holds, matches

SOURCE = (
    "H. Drucker, Y. LeCun, 'Improving generalization performance using double "
    "backpropagation', IEEE Trans. Neural Networks 3(6):991-997, 1992; I. Gulrajani, "
    "F. Ahmed, M. Arjovsky, V. Dumoulin, A. Courville, 'Improved training of Wasserstein "
    "GANs', NeurIPS 2017"
)
GP_CITE = "Gulrajani et al. 2017, Prop. 1 and Eq. 3 (lambda = 10)"
DB_CITE = "Drucker & LeCun 1992: gradient of a loss on the input gradient"

REAL_MEAN, FAKE_MEAN, SPREAD = (1.0, 0.0), (-1.0, 0.0), 0.2
LAMBDA = 10.0
HIDDEN = 32


def init_critic(rng):
    return {
        "W1": rng.standard_normal((2, HIDDEN)) / np.sqrt(2),
        "b1": np.zeros(HIDDEN),
        "W2": rng.standard_normal((HIDDEN, HIDDEN)) / np.sqrt(HIDDEN),
        "b2": np.zeros(HIDDEN),
        "w3": rng.standard_normal(HIDDEN) / np.sqrt(HIDDEN),
        "b3": np.zeros(()),
    }


def critic(p, x):
    h = anp.tanh(x @ p["W1"] + p["b1"])
    h = anp.tanh(h @ p["W2"] + p["b2"])
    return h @ p["w3"] + p["b3"]


def input_grad_norms(p, x):
    """||grad_x D(x)|| per row of x (rows are independent, so grad of the sum)."""
    g = adcore.grad(lambda x: anp.sum(critic(p, x)))(x)
    return anp.sqrt(anp.sum(g * g, axis=1) + 1e-12)


def critic_loss(p, real, fake, x_hat, lam):
    loss = anp.mean(critic(p, fake)) - anp.mean(critic(p, real))
    if lam:
        loss = loss + lam * anp.mean((input_grad_norms(p, x_hat) - 1.0) ** 2)
    return loss


def sample(rng, n):
    real = rng.normal(REAL_MEAN, SPREAD, (n, 2))
    fake = rng.normal(FAKE_MEAN, SPREAD, (n, 2))
    eps = rng.random((n, 1))
    return real, fake, eps * real + (1 - eps) * fake


def train(lam, steps, batch=64, lr=1e-3, betas=(0.5, 0.9), seed=0):
    rng = np.random.default_rng(seed)
    p = init_critic(rng)
    m = {k: np.zeros_like(v) for k, v in p.items()}
    s = {k: np.zeros_like(v) for k, v in p.items()}
    loss_grad = adcore.grad(critic_loss)
    b1, b2 = betas
    for t in range(1, steps + 1):
        g = loss_grad(p, *sample(rng, batch), lam)
        for k in p:
            m[k] = b1 * m[k] + (1 - b1) * g[k]
            s[k] = b2 * s[k] + (1 - b2) * g[k] ** 2
            p[k] = p[k] - lr * (m[k] / (1 - b1**t)) / (np.sqrt(s[k] / (1 - b2**t)) + 1e-8)
    return p


def run(quick=False):
    s = Section(
        "gradient_penalty", "Drucker & LeCun 1992 / Gulrajani et al. 2017: gradient penalty", SOURCE
    )
    steps = 300 if quick else 1000
    rng = np.random.default_rng(17)

    # double backprop is exact: the penalty's weight gradient vs a central difference
    p0 = init_critic(rng)
    batch = sample(rng, 16)
    G = adcore.grad(critic_loss)(p0, *batch, LAMBDA)["W1"]
    V = rng.standard_normal(p0["W1"].shape)
    h = 1e-5

    def loss_at(W1):
        return critic_loss({**p0, "W1": W1}, *batch, LAMBDA)

    fd = (loss_at(p0["W1"] + h * V) - loss_at(p0["W1"] - h * V)) / (2 * h)
    s.add(
        matches(
            "double backprop: <d penalised loss / d W1, V> vs central difference",
            np.sum(G * V),
            fd,
            DB_CITE,
            label=f"{fd:.8f} (finite difference)",
            rtol=1e-6,
            atol=1e-8,
        )
    )

    d = float(np.linalg.norm(np.subtract(REAL_MEAN, FAKE_MEAN)))
    k_star = 1 + d / (2 * LAMBDA)
    rows = [f"{'critic':<22} {'mean ||grad D||':>16} {'std':>8}"]
    stats = {}
    for name, lam in (("with penalty (lambda=10)", LAMBDA), ("without penalty", 0.0)):
        p = train(lam, steps)
        norms = input_grad_norms(p, sample(np.random.default_rng(99), 2000)[2])
        stats[lam] = (float(np.mean(norms)), float(np.std(norms)))
        rows.append(f"{name:<22} {stats[lam][0]:>16.3f} {stats[lam][1]:>8.3f}")
    s.tables.append(
        (f"||grad_x D|| on 2000 fresh interpolates after {steps} Adam steps", "\n".join(rows))
    )
    s.notes.append(
        f"Toy: real ~ N({REAL_MEAN}, {SPREAD}^2 I), fake ~ N({FAKE_MEAN}, {SPREAD}^2 I), "
        f"critic 2-{HIDDEN}-{HIDDEN}-1 tanh MLP, Adam (lr 1e-3, betas 0.5/0.9), batch 64, "
        f"{steps} steps; only the critic is trained (fixed 'generator'). Thresholds set "
        "before running: penalised mean within 0.15 of 1 and std <= 0.1; within 0.05 of "
        f"the soft-penalty optimum 1 + d/(2 lambda) = {k_star:.2f}; unpenalised mean >= 2."
    )
    s.notes.append(
        "Where ours differs: the penalised critic's mean gradient norm is about 1.1, not 1. "
        "Proposition 1 is about the optimal critic under the hard 1-Lipschitz constraint; "
        "the penalty is soft, and its optimum for these clouds is 1 + d/(2 lambda) "
        f"= {k_star:.2f}, which our figure matches. Only the critic is trained, with lr 1e-3 "
        "and beta1 = 0.5 instead of Algorithm 1's 1e-4 and beta1 = 0, for speed on a toy "
        "whose generator is fixed."
    )
    mean, std = stats[LAMBDA]
    s.add(
        holds(
            "with penalty: ||grad_x D|| on interpolates near 1",
            f"{mean:.3f} +- {std:.3f}",
            "1 (optimal critic)",
            abs(mean - 1) <= 0.15 and std <= 0.1,
            GP_CITE,
        )
    )
    s.add(
        holds(
            "with penalty: mean at the soft-penalty optimum",
            f"{mean:.3f}",
            f"1 + d/(2 lambda) = {k_star:.2f} (our derivation, see notes)",
            abs(mean - k_star) <= 0.05,
            GP_CITE,
        )
    )
    mean0, std0 = stats[0.0]
    s.add(
        holds(
            "without penalty: ||grad_x D|| not kept near 1",
            f"{mean0:.3f} +- {std0:.3f}",
            "unconstrained critic: grows without bound",
            mean0 >= 2.0,
            "Gulrajani et al. 2017, Sec. 2 (the critic must be 1-Lipschitz)",
        )
    )
    return s
