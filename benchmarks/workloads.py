"""The functions the suites differentiate, and their hand-written derivatives.

Each workload is written once against a numpy-like namespace `ops` (plain numpy,
`adcore.numpy`, `autograd.numpy`, `jax.numpy` or a torch shim), so every system
differentiates the same code.  The hand-written derivatives are the practical
floor: what a careful person writes with numpy, the way the lecture notes do it.
Each suite checks them against adcore (and the peers) with `np.allclose` before
timing anything.
"""

from __future__ import annotations

import types

import numpy as np

# ----------------------------------------------------------------- the ops namespace

OP_NAMES = ("sin", "cos", "tanh", "exp", "log", "sqrt", "sum", "mean", "logsumexp")


def ops_namespace(module, **spelled_otherwise):
    """The namespace the workloads are written against: OP_NAMES taken from `module`
    (numpy, adcore.numpy, autograd.numpy, jax.numpy, torch), except the ones given."""
    return types.SimpleNamespace(
        **{name: spelled_otherwise.get(name) or getattr(module, name) for name in OP_NAMES}
    )


def _np_logsumexp(x, axis=None):
    m = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return np.squeeze(out, axis=axis) if axis is not None else out.reshape(())


NUMPY = ops_namespace(np, logsumexp=_np_logsumexp)  # plain numpy: the baselines


# ----------------------------------------------------------------- scalar chain


def scalar_chain(ops, x, repeats):
    """`x = sin(x)*1.01 + 0.1*x`, `repeats` times: 4 ops per repeat."""
    sin = ops.sin
    for _ in range(repeats):
        x = sin(x) * 1.01 + 0.1 * x
    return x


def scalar_chain_derivative(x, repeats):
    """Hand-written forward derivative of `scalar_chain` (value, d/dx)."""
    x = np.float64(x)
    dx = np.float64(1.0)
    sin, cos = np.sin, np.cos
    for _ in range(repeats):
        dx = (cos(x) * 1.01 + 0.1) * dx
        x = sin(x) * 1.01 + 0.1 * x
    return x, dx


def checkpointed_chain(block, n, k, checkpoint):
    """h -> `block(h, steps)` run for n steps in all, as checkpointed blocks of k steps:
    the tape keeps n/k block boundaries and the sweep recomputes one block at a time."""
    segment = checkpoint(block)

    def chain(h):
        done = 0
        while done < n:
            size = min(k, n - done)
            h = segment(h, size)
            done += size
        return h

    return chain


# ----------------------------------------------------------------- MLP + softmax CE


def dense_layers(rng, sizes):
    """(W1, b1, W2, b2, ...) for layer widths `sizes`: W_k is (fan-in, fan-out), scaled by
    1/sqrt(fan-in); the biases are 0.1 times standard normals."""
    params = []
    for fan_in, fan_out in zip(sizes, sizes[1:]):
        params += [rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)]
        params += [0.1 * rng.standard_normal(fan_out)]
    return tuple(params)


def mlp_params(rng, sizes=(784, 256, 10)):
    return dense_layers(rng, sizes)


def mlp_data(rng, batch, n_in, n_out):
    X = rng.standard_normal((batch, n_in))
    labels = rng.integers(0, n_out, size=batch)
    Y = np.zeros((batch, n_out))
    Y[np.arange(batch), labels] = 1.0
    return X, Y


def mlp_problem(rng, sizes, batch):
    """MLP parameters and one batch of inputs with one-hot labels: (params, X, Y)."""
    return (mlp_params(rng, sizes),) + mlp_data(rng, batch, sizes[0], sizes[2])


def mlp_loss(ops, params, X, Y):
    """Mean softmax cross-entropy of a one-hidden-layer tanh MLP (labels one-hot in Y)."""
    W1, b1, W2, b2 = params
    h = ops.tanh(X @ W1 + b1)
    z = h @ W2 + b2
    return (ops.sum(ops.logsumexp(z, axis=1)) - ops.sum(Y * z)) / X.shape[0]


def mlp_grad_hand(params, X, Y):
    """Hand-written backprop of `mlp_loss`: returns (dW1, db1, dW2, db2)."""
    W1, b1, W2, b2 = params
    B = X.shape[0]
    h = np.tanh(X @ W1 + b1)
    z = h @ W2 + b2
    # the shift by the row max only guards exp; `.real` lets a complex-step
    # derivative pass through (it is the array itself for real input)
    e = np.exp(z - z.real.max(axis=1, keepdims=True))
    dz = (e / e.sum(axis=1, keepdims=True) - Y) / B  # softmax - onehot
    dW2 = h.T @ dz
    db2 = dz.sum(axis=0)
    da = (dz @ W2.T) * (1.0 - h * h)
    dW1 = X.T @ da
    db1 = da.sum(axis=0)
    return dW1, db1, dW2, db2


def flat_mlp(sizes):
    """Unpack a flat parameter vector into MLP params (for full Hessians)."""
    n_in, n_hidden, n_out = sizes
    shapes = [(n_in, n_hidden), (n_hidden,), (n_hidden, n_out), (n_out,)]
    bounds = np.cumsum([0] + [int(np.prod(s)) for s in shapes])

    def unpack(theta):
        return tuple(
            theta[bounds[i] : bounds[i + 1]].reshape(shapes[i]) for i in range(len(shapes))
        )

    return unpack, int(bounds[-1])


# ----------------------------------------------------------------- tanh network R^n -> R^m


def tanh_net_params(rng, n, m, hidden):
    return (
        rng.standard_normal((hidden, n)) / np.sqrt(n),
        0.1 * rng.standard_normal(hidden),
        rng.standard_normal((m, hidden)) / np.sqrt(hidden),
        0.1 * rng.standard_normal(m),
    )


def tanh_net(ops, params, x):
    """y = tanh(W2 tanh(W1 x + b1) + b2): R^n -> R^m."""
    W1, b1, W2, b2 = params
    return ops.tanh(W2 @ ops.tanh(W1 @ x + b1) + b2)


def tanh_net_jacobian_hand(params, x):
    """J = diag(1-y^2) W2 diag(1-h^2) W1, associated in the cheaper order for the shape."""
    W1, b1, W2, b2 = params
    h = np.tanh(W1 @ x + b1)
    y = np.tanh(W2 @ h + b2)
    sy = 1.0 - y * y
    sh = 1.0 - h * h
    n, m = W1.shape[1], W2.shape[0]
    if n <= m:  # push the n input directions forward: (m x H) @ (H x n)
        return sy[:, None] * (W2 @ (sh[:, None] * W1))
    return ((sy[:, None] * W2) * sh[None, :]) @ W1  # pull the m output rows back


# ----------------------------------------------------------------- Hessian of sum(tanh(Ax)^2)


def tanh_square(ops, A, x):
    return ops.sum(ops.tanh(A @ x) ** 2)


def tanh_square_hessian_hand(A, x):
    """H = A^T diag(2 (1-t^2)(1-3t^2)) A with t = tanh(Ax)."""
    t = np.tanh(A @ x)
    s = 1.0 - t * t
    c = 2.0 * s * (1.0 - 3.0 * t * t)
    return A.T @ (c[:, None] * A)


# ----------------------------------------------------------------- elementwise-heavy


def elementwise(ops, x):
    return ops.sum(ops.tanh(x) * ops.sin(x) + ops.exp(-0.5 * x * x) * x)


def elementwise_grad_hand(x):
    t = np.tanh(x)
    e = np.exp(-0.5 * x * x)
    return (1.0 - t * t) * np.sin(x) + t * np.cos(x) + e * (1.0 - x * x)


# ----------------------------------------------------------------- matmul chain


def matmul_chain_params(rng, depth, width, batch):
    Ws = tuple(rng.standard_normal((width, width)) / np.sqrt(width) for _ in range(depth))
    X = rng.standard_normal((width, batch))
    return Ws, X


def matmul_chain(ops, Ws, X):
    """0.5 * ||W_L ... W_1 X||^2."""
    for W in Ws:
        X = W @ X
    return 0.5 * ops.sum(X * X)


def matmul_chain_grad_hand(Ws, X):
    acts = [X]
    for W in Ws:
        acts.append(W @ acts[-1])
    G = acts[-1]
    grads = [None] * len(Ws)
    for k in range(len(Ws) - 1, -1, -1):
        grads[k] = G @ acts[k].T
        G = Ws[k].T @ G
    return tuple(grads)


# ----------------------------------------------------------------- Rosenbrock


def rosenbrock(ops, x):
    return ops.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_hvp_hand(x, v):
    diag = np.zeros_like(x)
    diag[:-1] = 1200.0 * x[:-1] ** 2 - 400.0 * x[1:] + 2.0
    diag[1:] += 200.0
    off = -400.0 * x[:-1]
    hv = diag * v
    hv[:-1] += off * v[1:]
    hv[1:] += off * v[:-1]
    return hv


def rosenbrock_hessian_hand(x):
    n = x.size
    H = np.zeros((n, n))
    idx = np.arange(n - 1)
    H[idx, idx] = 1200.0 * x[:-1] ** 2 - 400.0 * x[1:] + 2.0
    H[idx + 1, idx + 1] += 200.0
    H[idx, idx + 1] = H[idx + 1, idx] = -400.0 * x[:-1]
    return H


# ----------------------------------------------------------------- WGAN-GP critic


def critic_params(rng, sizes=(64, 128, 128)):
    *hidden, W3, b3 = dense_layers(rng, (*sizes, 1))
    return (*hidden, W3[:, 0], b3)  # w3 a vector: one score per row


def critic_problem(ctx, rng):
    """The WGAN-GP setting the penalty and compile suites time: (sizes, batch, theta,
    real, fake, x_hat), the interpolates x_hat drawn between the real and fake rows."""
    sizes = ctx.pick(tiny=(6, 5, 4), quick=(64, 128, 128), full=(64, 128, 128))
    batch = ctx.pick(tiny=5, quick=64, full=64)
    theta = critic_params(rng, sizes)
    real = rng.standard_normal((batch, sizes[0]))
    fake = 0.5 * rng.standard_normal((batch, sizes[0])) + 0.3
    eps = rng.uniform(size=(batch, 1))
    return sizes, batch, theta, real, fake, eps * real + (1.0 - eps) * fake


def critic(ops, theta, X):
    """D(x) = w3 . tanh(W2^T tanh(W1^T x + b1) + b2) + b3, one score per row of X."""
    W1, b1, W2, b2, w3, b3 = theta
    h1 = ops.tanh(X @ W1 + b1)
    h2 = ops.tanh(h1 @ W2 + b2)
    return h2 @ w3 + b3


def penalty_phi(ops, G):
    """mean over rows of (||g_i|| - 1)^2."""
    norms = ops.sqrt(ops.sum(G * G, axis=1))
    return ops.mean((norms - 1.0) ** 2)


def critic_input_grad_hand(theta, X):
    """Rows of dD/dx for every sample, plus the intermediates the penalty gradient reuses."""
    W1, b1, W2, b2, w3, b3 = theta
    h1 = np.tanh(X @ W1 + b1)
    h2 = np.tanh(h1 @ W2 + b2)
    s1, s2 = 1.0 - h1 * h1, 1.0 - h2 * h2
    a2 = s2 * w3
    p = a2 @ W2.T
    a1 = p * s1
    return a1 @ W1.T, (h1, h2, s1, s2, a2, p, a1)


def wgan_gp_grad_hand(theta, real, fake, x_hat, lam):
    """Hand-written double backprop of mean D(fake) - mean D(real) + lam * penalty(x_hat)."""
    W1, b1, W2, b2, w3, b3 = theta
    dW1, db1 = np.zeros_like(W1), np.zeros_like(b1)
    dW2, db2 = np.zeros_like(W2), np.zeros_like(b2)
    dw3, db3 = np.zeros_like(w3), np.zeros_like(b3)

    def backprop_scores(X, dD):
        # D = h2 @ w3 + b3 with upstream dD per row
        nonlocal dw3, db3, dW2, db2, dW1, db1
        h1 = np.tanh(X @ W1 + b1)
        h2 = np.tanh(h1 @ W2 + b2)
        dw3 += h2.T @ dD
        db3 += dD.sum()
        dz2 = np.outer(dD, w3) * (1.0 - h2 * h2)
        dW2 += h1.T @ dz2
        db2 += dz2.sum(axis=0)
        dz1 = (dz2 @ W2.T) * (1.0 - h1 * h1)
        dW1 += X.T @ dz1
        db1 += dz1.sum(axis=0)

    B = real.shape[0]
    backprop_scores(fake, np.full(fake.shape[0], 1.0 / fake.shape[0]))
    backprop_scores(real, np.full(B, -1.0 / B))

    G, (h1, h2, s1, s2, a2, p, a1) = critic_input_grad_hand(theta, x_hat)
    norms = np.sqrt(np.sum(G * G, axis=1))
    dG = (lam * 2.0 / G.shape[0]) * ((norms - 1.0) / norms)[:, None] * G
    # G = a1 @ W1^T
    dW1 += dG.T @ a1
    da1 = dG @ W1
    # a1 = p * s1, p = a2 @ W2^T
    dp = da1 * s1
    ds1 = da1 * p
    dW2 += dp.T @ a2
    da2 = dp @ W2
    # a2 = s2 * w3
    ds2 = da2 * w3
    dw3 += np.sum(da2 * s2, axis=0)
    # s = 1 - h^2
    dh1 = -2.0 * h1 * ds1
    dh2 = -2.0 * h2 * ds2
    # back through the forward pass of x_hat: h2 = tanh(h1 W2 + b2), h1 = tanh(x W1 + b1)
    dz2 = dh2 * s2
    dW2 += h1.T @ dz2
    db2 += dz2.sum(axis=0)
    dh1 = dh1 + dz2 @ W2.T
    dz1 = dh1 * s1
    dW1 += x_hat.T @ dz1
    db1 += dz1.sum(axis=0)
    return dW1, db1, dW2, db2, dw3, db3
