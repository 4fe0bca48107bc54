"""A short tour of adcore: ``python -m adcore.tour``.

1. The notes' circuits, with their forward values and gradients.
2. Forward or reverse? The mode choice for three Jacobian shapes.
3. A gradient-norm penalty: the gradient of a function that contains a gradient.
"""

import textwrap

import numpy as np

import adcore
import adcore.numpy as anp


def circuits():
    """Part 1: the notes' three circuits, each value with the gradient on every input."""
    print("1. Circuits from the CS231n backpropagation notes\n")
    f = lambda x, y, z: (x + y) * z
    value, grads = adcore.value_and_grad(f, (0, 1, 2))(-2.0, 5.0, -4.0)
    print(f"   (x+y)z at (-2, 5, -4)        f = {value:g}   df/d(x,y,z) = {_fmt(grads)}")

    w, x = np.array([2.0, -3.0, -3.0]), np.array([-1.0, -2.0])
    neuron = lambda w, x: anp.sigmoid(w[0] * x[0] + w[1] * x[1] + w[2])
    value, (dw, dx) = adcore.value_and_grad(neuron, (0, 1))(w, x)
    print(f"   sigmoid neuron               f = {value:.2f}   dw = {_fmt(dw)}   dx = {_fmt(dx)}")

    circuit = lambda x, y, z, w: 2.0 * (x * y + anp.maximum(z, w))
    value, grads = adcore.value_and_grad(circuit, (0, 1, 2, 3))(3.0, -4.0, 2.0, -1.0)
    print(f"   2(xy + max(z, w))            f = {value:g}   df/d(x,y,z,w) = {_fmt(grads)}\n")


def mode_choice():
    """Part 2: ``choose_mode`` for a wide, a square and a tall Jacobian, and why."""
    print("2. Forward or reverse mode? One pass per input vs one pass per output\n")
    rng = np.random.default_rng(0)
    for n, m in [(4, 1024), (256, 256), (1024, 4)]:
        W = rng.standard_normal((m, n)) / np.sqrt(n)
        f = lambda x, W=W: anp.tanh(W @ x)
        choice = adcore.choose_mode(f, np.ones(n))
        J = adcore.jacobian(f)(np.ones(n))
        print(f"   R^{n} -> R^{m}, Jacobian {J.shape}:")
        print(textwrap.indent(str(choice), "      "), end="\n\n")


def gradient_penalty():
    """Part 3: a gradient inside a loss, differentiated again and checked to second order."""
    print("3. A gradient-norm penalty (double backprop): d/dw of ||d critic/dx||^2\n")
    rng = np.random.default_rng(1)
    W = rng.standard_normal((2, 8))
    x = rng.standard_normal((5, 2))

    def critic(W, x):
        return anp.sum(anp.tanh(x @ W))

    def penalty(W):
        gx = adcore.grad(critic, 1)(W, x)  # a gradient inside the function...
        return anp.mean((anp.sqrt(anp.sum(gx**2, axis=1)) - 1.0) ** 2)

    g = adcore.grad(penalty)(W)  # ...differentiated again, reverse over reverse
    _, hv = adcore.jvp(adcore.grad(penalty), (W,), (np.ones_like(W),))  # forward over that
    print(f"   penalty = {penalty(W):.4f}, |d penalty/dW| = {np.linalg.norm(g):.4f}")
    print(f"   forward-over-reverse-over-reverse: |H 1| = {np.linalg.norm(hv):.4f}")
    adcore.check_grads(penalty, (W,), order=2)
    print("   check_grads(order=2): every fwd/rev nesting agrees with finite differences")


def _fmt(values):
    return "[" + ", ".join(f"{float(v):.2f}" for v in np.ravel(values)) + "]"


def main():
    """Print the whole tour (``python -m adcore.tour``)."""
    circuits()
    mode_choice()
    gradient_penalty()


if __name__ == "__main__":
    main()
