"""Suite `penalty`: WGAN-GP critic gradient with a gradient-norm penalty.

Critic D: 64-128-128-1 tanh, batch 64, penalty weight lambda = 10:

    L(theta) = mean D(fake) - mean D(real) + lambda * mean_i (||grad_x D(theta, x_i)|| - 1)^2

and we time grad_theta L two ways:

- rev-over-rev: the penalty is built with grad (over x) inside grad (over theta);
- fwd-over-rev: with G = grad_x D and u_i = d phi / d g_i the penalty's gradient is
  the mixed second derivative sum_i d^2 D / d theta d x_i . u_i, i.e. a jvp along u
  (in x) of grad_theta sum D: one forward-over-reverse pass instead of a reverse
  pass through a reverse pass.

Against a hand-written double backprop, and the peers where installed (PyTorch
also in its idiomatic form: autograd.grad with create_graph=True).
"""

from __future__ import annotations

from . import workloads as w
from .common import Candidate, attempt, backend_candidates, case_table, compare

NAME = "penalty"
LAMBDA = 10.0


def rev_over_rev(b, real, fake, x_hat):
    ops = b.ops
    inner = b.nested_grad(lambda th, x: ops.sum(w.critic(ops, th, x)), 1)

    def loss(th):
        G = inner(th, x_hat)
        wgan = ops.mean(w.critic(ops, th, fake)) - ops.mean(w.critic(ops, th, real))
        return wgan + LAMBDA * w.penalty_phi(ops, G)

    return b.nested_grad(loss, 0)


def fwd_over_rev(b, real, fake, x_hat):
    ops = b.ops
    grad_x = b.nested_grad(lambda th, x: ops.sum(w.critic(ops, th, x)), 1)
    grad_th = b.nested_grad(lambda th, x: ops.sum(w.critic(ops, th, x)), 0)
    dphi = b.nested_grad(lambda G: LAMBDA * w.penalty_phi(ops, G), 0)
    wgan_grad = b.nested_grad(
        lambda th: ops.mean(w.critic(ops, th, fake)) - ops.mean(w.critic(ops, th, real)), 0
    )

    def full_grad(th):
        u = dphi(grad_x(th, x_hat))
        _, mixed = b.nested_jvp(lambda x: grad_th(th, x), (x_hat,), (u,))
        return tuple(a + c for a, c in zip(wgan_grad(th), mixed, strict=False))

    return full_grad


def torch_idiomatic(b, real, fake, x_hat):
    """The way PyTorch users write WGAN-GP: create_graph=True, then backward."""
    torch = b.torch
    ops = b.ops

    def g(theta):
        th = tuple(t.detach().requires_grad_(True) for t in theta)
        xh = x_hat.detach().requires_grad_(True)
        (G,) = torch.autograd.grad(w.critic(ops, th, xh).sum(), xh, create_graph=True)
        loss = (
            w.critic(ops, th, fake).mean()
            - w.critic(ops, th, real).mean()
            + LAMBDA * w.penalty_phi(ops, G)
        )
        return torch.autograd.grad(loss, th)

    return g


def n_steps(level):
    return 1


def run(ctx) -> dict:
    rng = ctx.rng()
    sizes, batch, theta, real, fake, x_hat = w.critic_problem(ctx, rng)
    ref = w.wgan_gp_grad_hand(theta, real, fake, x_hat, LAMBDA)

    def build(b):
        th, r, f, xh = (b.to_native(a) for a in (theta, real, fake, x_hat))
        makers = [("rev-over-rev", rev_over_rev), ("fwd-over-rev", fwd_over_rev)]
        if b.name == "torch":
            makers.append(("create_graph", torch_idiomatic))
        return [
            attempt(b, mode, mode, lambda make=make: b.finalize(make(b, r, f, xh)), th)
            for mode, make in makers
        ]

    cands = [
        Candidate("hand-written", lambda: w.wgan_gp_grad_hand(theta, real, fake, x_hat, LAMBDA))
    ]
    cands += backend_candidates(ctx, build)
    entries = compare(ctx, "penalty: WGAN-GP", cands, ref, "hand-written", rtol=1e-6, atol=1e-9)
    summary = {}
    for mode in ("rev-over-rev", "fwd-over-rev"):
        e = entries.get(f"adcore {mode}", {})
        summary[f"adcore_{mode}"] = e.get("ratio")
    peers_best = {}
    for _name, e in entries.items():
        if e["system"] not in ("adcore", "numpy") and "ratio" in e:
            cur = peers_best.get(e["system"])
            if cur is None or e["ratio"] < cur:
                peers_best[e["system"]] = e["ratio"]
    summary["peers_best"] = peers_best
    return {
        "params": {"critic": sizes + (1,), "batch": batch, "lambda": LAMBDA},
        "entries": entries,
        "summary": summary,
    }


def markdown(res: dict) -> str:
    p = res["params"]
    title = (
        f"Critic {'-'.join(map(str, p['critic']))} tanh, batch {p['batch']}, "
        f"lambda = {p['lambda']}: gradient of WGAN loss + gradient-norm penalty "
        "(x hand-written double backprop)."
    )
    lines = case_table(title, res["entries"], "how", "x hand-written")
    return "\n".join(lines).rstrip("\n")
