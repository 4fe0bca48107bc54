"""CS231n, "Backpropagation, intuitions": every worked number, by adcore.

The notes compute gradients by hand, gate by gate.  Here adcore records the
same circuits on its tape and sweeps it; the intermediate values and the
adjoint of every gate are read off the tape (``papers.tape``) and compared
with the numbers printed in the notes' figures and code.  Where the notes
give a closed form instead of a number (matrix multiply, bias, softmax, SVM),
the closed form is evaluated with plain numpy and compared with adcore's VJP.
"""

from __future__ import annotations

import math

import numpy as np

import adcore
import adcore.numpy as anp
from papers.claims import Section, holds, matches, printed
from papers.tape import adjoints, record

NOTES = "CS231n notes 'Backpropagation, intuitions' (cs231n.github.io/optimization-2)"
LECTURE = "CS231n 2017 Lecture 4 'Backpropagation and Neural Networks' (seed 001)"
OUTLINE = "CS231n lecture outline and exercises (seed 003)"
# short forms for each claim's "where" (the section's source gives the full names)
N, L, O = "notes", "Lecture 4", "outline (seed 003)"


def run(quick=False):
    s = Section(
        "cs231n",
        "CS231n: backpropagation, intuitions",
        f"{NOTES}; the vectorized examples from {LECTURE}; the linear-layer, "
        f"softmax and SVM exercises from {OUTLINE}",
    )
    s.notes.append(
        "All printed numbers agree to the notes' rounding (two decimals in the figures); "
        "ours is shown with more digits. Conventions that could differ but do not arise: "
        "the notes give the max gate the local gradient 1(x >= y) on both inputs, adcore "
        "splits a tie 0.5/0.5 (SPEC); the SVM indicator 1(margin > 0) and adcore's "
        "maximum(0, m) differ only on the hinge. No example has a tie (the SVM check "
        "refuses a margin within 1e-6 of the hinge). The staged computation prints no "
        "numbers: its reference is the notes' hand-written staged backprop run in plain "
        "Python floats, compared line by line with the adjoints on adcore's tape. The "
        "minibatch Jacobian of the 4096-wide max is 409,600 x 409,600 (100 x 4096 per "
        "side); the Korean lecture summary (seed 001) writes 4,096,000, a slip."
    )
    simple_gates(s)
    sum_times(s)
    sigmoid_neuron(s)
    staged(s)
    add_mul_max(s)
    copy_gate(s)
    matmul_shapes(s)
    elementwise_max_4096(s)
    squared_norm(s)
    bias_adder(s)
    softmax_loss(s)
    svm_loss(s)
    return s


def simple_gates(s):
    cite = f"{N}, 'Simple expressions and interpretation of the gradient'"
    dfdx, dfdy = adcore.grad(lambda x, y: x * y, argnums=(0, 1))(4.0, -3.0)
    s.add(printed("x*y at (4, -3): f", 4.0 * -3.0, -12, 0, cite))
    s.add(printed("x*y at (4, -3): df/dx = y", dfdx, -3, 0, cite))
    s.add(printed("x*y at (4, -3): df/dy = x", dfdy, 4, 0, cite))
    mx, my = adcore.grad(lambda x, y: anp.maximum(x, y), argnums=(0, 1))(4.0, 2.0)
    s.add(printed("max(x, y) at (4, 2): df/dx", mx, 1, 0, cite))
    s.add(printed("max(x, y) at (4, 2): df/dy (not sensitive to y)", my, 0, 0, cite))


def sum_times(s):
    """f = (x + y) z at (-2, 5, -4): q and f forward, then each adjoint."""
    cite = f"{N}, 'Compound expressions, chain rule, backpropagation'; {O}"
    named = {}

    def f(x, y, z):
        named["q"] = q = x + y
        return q * z

    tag, (x, y, z), out = record(f, -2.0, 5.0, -4.0)
    adj = adjoints(tag, out)
    q = named["q"]
    s.add(printed("(x+y)z: q = x + y", q.primal, 3, 0, cite))
    s.add(printed("(x+y)z: f = q z", out.primal, -12, 0, cite))
    s.add(printed("(x+y)z: df/dq = z", adj[q.index], -4, 0, cite))
    s.add(printed("(x+y)z: df/dz = q", adj[z.index], 3, 0, cite))
    s.add(printed("(x+y)z: df/dx", adj[x.index], -4, 0, cite))
    s.add(printed("(x+y)z: df/dy", adj[y.index], -4, 0, cite))
    grads = adcore.grad(lambda x, y, z: (x + y) * z, argnums=(0, 1, 2))(-2.0, 5.0, -4.0)
    s.add(matches("(x+y)z: adcore.grad agrees with the tape", grads, [-4, -4, 3], cite))


# the notes' figure of the 2-D neuron, gate by gate: (gate, forward value, gradient)
SIGMOID_FIGURE = [
    ("w0*x0", -2.00, 0.20),
    ("w1*x1", 6.00, 0.20),
    ("+", 4.00, 0.20),
    ("+ w2", 1.00, 0.20),
    ("*-1", -1.00, -0.20),
    ("exp", 0.37, -0.53),
    ("+1", 1.37, -0.53),
    ("1/x", 0.73, 1.00),
]
SIGMOID_INPUTS = {
    "w0": (2.0, -0.20),
    "x0": (-1.0, 0.39),
    "w1": (-3.0, -0.39),
    "x1": (-2.0, -0.59),
    "w2": (-3.0, 0.20),
}


def sigmoid_circuit(w0, x0, w1, x1, w2):
    a = w0 * x0
    b = w1 * x1
    c = a + b
    d = c + w2
    e = d * -1.0
    g = anp.exp(e)
    h = g + 1.0
    return 1.0 / h


def sigmoid_neuron(s):
    cite = f"{N}, 'Modularity: sigmoid example' (figure and code)"
    names = list(SIGMOID_INPUTS)
    tag, leaves, out = record(sigmoid_circuit, *(SIGMOID_INPUTS[k][0] for k in names))
    adj = adjoints(tag, out)
    gates = [i for i, entry in enumerate(tag.tape) if entry[0] is not None]
    s.tables.append(("CS231n sigmoid circuit, read off adcore's tape", _gate_table(tag, adj)))
    for (label, value, grad), i in zip(SIGMOID_FIGURE, gates):
        s.add(printed(f"sigmoid circuit: gate {label} forward", tag.tape[i][4], value, 2, cite))
        s.add(printed(f"sigmoid circuit: gate {label} gradient", adj[i], grad, 2, cite))
    for k, leaf in zip(names, leaves):
        s.add(
            printed(f"sigmoid circuit: d f / d {k}", adj[leaf.index], SIGMOID_INPUTS[k][1], 2, cite)
        )

    # the same neuron with sigmoid as one gate, and its local gradient (1 - f) f
    w, x = np.array([2.0, -3.0, -3.0]), np.array([-1.0, -2.0])

    def neuron(w, x):
        return anp.sigmoid(w[0] * x[0] + w[1] * x[1] + w[2])

    f = neuron(w, x)
    _, local = adcore.jvp(anp.sigmoid, (1.0,), (1.0,))
    dw, dx = adcore.grad(neuron, argnums=(0, 1))(w, x)
    s.add(printed("sigmoid gate: sigma(1.0)", f, 0.73, 2, cite))
    s.add(printed("sigmoid gate: local gradient (1 - f) f", local, 0.2, 1, cite))
    s.add(printed("sigmoid neuron: dx", dx, [0.39, -0.59], 2, cite))
    s.add(printed("sigmoid neuron: dw", dw, [-0.20, -0.39, 0.20], 2, cite))


def _gate_table(tag, adj):
    lines = [f"{'entry':>5}  {'operation':<10} {'value':>10} {'gradient':>10}"]
    for i, (prim, _, _, _, ans) in enumerate(tag.tape):
        op = "input" if prim is None else prim.name
        lines.append(f"{i:>5}  {op:<10} {float(ans):>10.4f} {float(adj[i]):>10.4f}")
    return "\n".join(lines)


def staged_forward(x, y):
    """f(x, y) = (x + sigma(y)) / (sigma(x) + (x + y)^2) in the notes' eight stages."""
    v = {}
    v["sigy"] = 1.0 / (1 + anp.exp(-y))
    v["num"] = x + v["sigy"]
    v["sigx"] = 1.0 / (1 + anp.exp(-x))
    v["xpy"] = x + y
    v["xpysqr"] = v["xpy"] ** 2
    v["den"] = v["sigx"] + v["xpysqr"]
    v["invden"] = 1.0 / v["den"]
    v["f"] = v["num"] * v["invden"]
    return v


def staged_by_hand(x, y):
    """The notes' hand-written staged forward and backward pass, in plain floats."""
    sigy = 1.0 / (1 + math.exp(-y))
    num = x + sigy
    sigx = 1.0 / (1 + math.exp(-x))
    xpy = x + y
    xpysqr = xpy**2
    den = sigx + xpysqr
    invden = 1.0 / den
    f = num * invden
    dnum = invden
    dinvden = num
    dden = (-1.0 / (den**2)) * dinvden
    dsigx = 1 * dden
    dxpysqr = 1 * dden
    dxpy = (2 * xpy) * dxpysqr
    dx = 1 * dxpy
    dy = 1 * dxpy
    dx += ((1 - sigx) * sigx) * dsigx
    dx += 1 * dnum
    dsigy = 1 * dnum
    dy += ((1 - sigy) * sigy) * dsigy
    return {name: v for name, v in locals().items() if name not in ("x", "y")}


def staged(s):
    cite = f"{N}, 'Backprop in practice: staged computation' (x = 3, y = -4)"
    hand = staged_by_hand(3.0, -4.0)
    named = {}

    def f(x, y):
        named.update(staged_forward(x, y))
        return named["f"]

    tag, (x, y), out = record(f, 3.0, -4.0)
    adj = adjoints(tag, out)
    rows = [f"{'variable':<8} {'notes (by hand)':>16} {'adcore tape':>16}"]
    for name, v in named.items():
        s.add(matches(f"staged: {name}", v.primal, hand[name], cite, label=_by_hand(hand[name])))
        rows.append(f"{name:<8} {hand[name]:>16.10f} {float(v.primal):>16.10f}")
    # the notes' backward pass visits the stages in reverse: (8) ... (1)
    for d in ("dnum", "dinvden", "dden", "dsigx", "dxpysqr", "dxpy", "dsigy"):
        ours = adj[named[d[1:]].index]
        s.add(matches(f"staged: {d} (tape adjoint)", ours, hand[d], cite, label=_by_hand(hand[d])))
        rows.append(f"{d:<8} {hand[d]:>16.10f} {float(ours):>16.10f}")
    for d, leaf in (("dx", x), ("dy", y)):
        s.add(
            matches(
                f"staged: {d} (tape adjoint)",
                adj[leaf.index],
                hand[d],
                cite,
                label=_by_hand(hand[d]),
            )
        )
        rows.append(f"{d:<8} {hand[d]:>16.10f} {float(adj[leaf.index]):>16.10f}")
    dx, dy = adcore.grad(lambda x, y: staged_forward(x, y)["f"], argnums=(0, 1))(3.0, -4.0)
    s.add(
        matches(
            "staged: (dx, dy) by adcore.grad",
            [dx, dy],
            [hand["dx"], hand["dy"]],
            cite,
            label=f"{hand['dx']:.6g}, {hand['dy']:.6g} (by hand)",
        )
    )
    s.tables.append(
        ("CS231n staged computation: the notes' hand-written pass vs the tape", "\n".join(rows))
    )


def _by_hand(v):
    return f"{v:.6g} (by hand)"


def add_mul_max(s):
    cite = f"{N}, 'Patterns in backward flow' (figure)"
    named = {}

    def f(x, y, z, w):
        named["x*y"] = a = x * y
        named["max(z,w)"] = b = anp.maximum(z, w)
        named["sum"] = c = a + b
        return 2.0 * c

    tag, leaves, out = record(f, 3.0, -4.0, 2.0, -1.0)
    adj = adjoints(tag, out)
    for (name, v), value in zip(named.items(), (-12, 2, -10)):
        s.add(printed(f"add/mul/max: {name} forward", v.primal, value, 2, cite))
        s.add(printed(f"add/mul/max: {name} gradient", adj[v.index], 2, 2, cite))
    s.add(printed("add/mul/max: f = 2 (x y + max(z, w))", out.primal, -20, 2, cite))
    for name, leaf, value in zip("xyzw", leaves, (-8, 6, 2, 0)):
        s.add(printed(f"add/mul/max: d{name}", adj[leaf.index], value, 2, cite))


def copy_gate(s):
    cite = f"{O}, 'copy gate: gradient adder' ((1, 1) . (4, 2) = 6)"
    _, pull = adcore.vjp(lambda w: anp.stack([w, w]), 0.7)
    (dw,) = pull(np.array([4.0, 2.0]))
    s.add(printed("copy gate w -> (w, w), upstream (4, 2): dw", dw, 6, 0, cite))


def matmul_shapes(s):
    cite = f"{N}, 'Gradients for vectorized operations' (D = W.dot(X))"
    rng = np.random.default_rng(231)
    W, X = rng.standard_normal((5, 10)), rng.standard_normal((10, 3))
    D, pull = adcore.vjp(lambda W, X: W.dot(X), W, X)
    dD = rng.standard_normal(D.shape)
    dW, dX = pull(dD)
    s.add(holds("matmul: dW has W's shape", str(dW.shape), "(5, 10)", dW.shape == (5, 10), cite))
    s.add(holds("matmul: dX has X's shape", str(dX.shape), "(10, 3)", dX.shape == (10, 3), cite))
    s.add(matches("matmul: dW = dD . X^T", dW, dD.dot(X.T), cite, label="dD.dot(X.T)"))
    s.add(matches("matmul: dX = W^T . dD", dX, W.T.dot(dD), cite, label="W.T.dot(dD)"))


def elementwise_max_4096(s):
    cite = f"{L}, vectorized example: f(x) = max(0, x), 4096-d input and output"
    n = 4096
    rng = np.random.default_rng(4096)
    x = rng.standard_normal(n)
    mask = (x > 0).astype(float)

    def relu(x):
        return anp.maximum(0.0, x)

    _, pull = adcore.vjp(relu, x)
    (diag_rev,) = pull(np.ones(n))
    _, diag_fwd = adcore.jvp(relu, (x,), (np.ones(n),))
    u = rng.standard_normal(n)
    (vjp_u,) = pull(u)
    J = adcore.jacrev(relu)(x[:64])
    batch = rng.standard_normal((100, n))
    _, pull_b = adcore.vjp(relu, batch)
    g = rng.standard_normal(batch.shape)
    (gb,) = pull_b(g)
    for what, ours, reference, label in (
        (
            "VJP with ones = Jacobian diagonal (mask x > 0)",
            diag_rev,
            mask,
            "diag of the 4096^2 Jacobian = 1(x > 0)",
        ),
        ("JVP with ones = the same diagonal", diag_fwd, mask, "diag = 1(x > 0)"),
        (
            "VJP(u) = u * mask, never forming J",
            vjp_u,
            u * mask,
            "(dL/dx)_i = (dL/dy)_i if x_i > 0 else 0",
        ),
        ("a formed 64x64 block is diagonal", J, np.diag(mask[:64]), "diag(1(x > 0))"),
        ("minibatch of 100, VJP = g * mask", gb, g * (batch > 0), "J would be 409600 x 409600"),
    ):
        s.add(matches(f"max(0,x): {what}", ours, reference, cite, label))


def squared_norm(s):
    cite = f"{L}, vectorized example f(x, W) = ||W x||^2"
    W, x = np.array([[0.1, 0.5], [-0.3, 0.8]]), np.array([0.2, 0.4])
    named = {}

    def f(W, x):
        named["q"] = q = W @ x
        return anp.sum(q**2)

    tag, (Wl, xl), out = record(f, W, x)
    adj = adjoints(tag, out)
    q = named["q"]
    s.add(printed("||Wx||^2: q = W x", q.primal, [0.22, 0.26], 2, cite))
    s.add(printed("||Wx||^2: f", out.primal, 0.116, 3, cite))
    s.add(printed("||Wx||^2: df/dq = 2q", adj[q.index], [0.44, 0.52], 2, cite))
    s.add(
        printed(
            "||Wx||^2: grad_W = 2 q x^T", adj[Wl.index], [[0.088, 0.176], [0.104, 0.208]], 3, cite
        )
    )
    s.add(printed("||Wx||^2: grad_x = 2 W^T q", adj[xl.index], [-0.112, 0.636], 3, cite))


def bias_adder(s):
    cite = f"{O}, linear layer Z = X W + b: the broadcast b is a copy gate"
    rng = np.random.default_rng(1)
    N, D, H = 6, 4, 3
    X, W, b = rng.standard_normal((N, D)), rng.standard_normal((D, H)), rng.standard_normal(H)
    _, pull = adcore.vjp(lambda X, W, b: X @ W + b, X, W, b)
    G = rng.standard_normal((N, H))
    dX, dW, db = pull(G)
    s.add(matches("linear layer: db = sum of upstream rows", db, G.sum(0), cite, "sum_i dPhi/dZ_i"))
    s.add(matches("linear layer: dW = X^T G", dW, X.T @ G, cite, label="X^T dPhi/dZ"))
    s.add(matches("linear layer: dX = G W^T", dX, G @ W.T, cite, label="dPhi/dZ W^T"))


def _scores(seed):
    rng = np.random.default_rng(seed)
    N, C = 8, 5
    S = rng.standard_normal((N, C)) * 2.0
    y = rng.integers(0, C, size=N)
    return S, y, np.eye(C)[y]


def softmax_loss(s):
    cite = f"{O}, softmax loss exercise: dL_i/dS_ij = p_ij - 1(j = y_i)"
    S, y, onehot = _scores(7)

    def loss(S):
        return anp.sum(anp.logsumexp(S, axis=1) - anp.sum(S * onehot, axis=1))

    P = np.exp(S - S.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    value = -np.sum(np.log(P[np.arange(len(y)), y]))
    s.add(matches("softmax: L = sum_i -log p_{i,y_i}", loss(S), value, cite, label=f"{value:.6g}"))
    s.add(
        matches("softmax: dL/dS = P - onehot", adcore.grad(loss)(S), P - onehot, cite, "P - onehot")
    )


def svm_loss(s):
    cite = f"{O}, multiclass SVM exercise (margin counting)"
    S, y, onehot = _scores(11)
    correct = S[np.arange(len(y)), y][:, None]
    margins = S - correct + 1.0
    if np.any(np.abs(margins[onehot == 0]) < 1e-6):
        raise ValueError("svm_loss: a margin sits on the hinge; pick another seed")

    def loss(S):
        m = S - anp.sum(S * onehot, axis=1, keepdims=True) + 1.0
        return anp.sum(anp.maximum(0.0, m) * (1.0 - onehot))

    active = (margins > 0) & (onehot == 0)
    closed = active.astype(float) - onehot * active.sum(axis=1, keepdims=True)
    value = np.sum(np.maximum(0.0, margins) * (1 - onehot))
    s.add(
        matches(
            "SVM: L = sum_i sum_{k != y_i} max(0, s_k - s_y + 1)",
            loss(S),
            value,
            cite,
            label=f"{value:.6g}",
        )
    )
    s.add(
        matches(
            "SVM: dL/dS = 1(margin > 0), -count at y_i",
            adcore.grad(loss)(S),
            closed,
            cite,
            label="indicator / -count",
        )
    )
