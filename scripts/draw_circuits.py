"""Draw the CS231n notes' three circuits with adcore.trace and check their numbers.

    python scripts/draw_circuits.py            # writes docs/circuits/*.svg and *.png
    python scripts/draw_circuits.py --out DIR  # somewhere else

Each circuit is traced at the notes' inputs, swept backwards, compared with
the values and gradients printed in the notes' figures (to their 2 decimals),
and rendered left to right: values in green above each wire, gradients in
red below.  Needs Graphviz (`apt-get install graphviz`, `pip install graphviz`).
"""

import argparse
import sys
from pathlib import Path

import adcore
import adcore.numpy as anp
from adcore.trace import label

ROOT = Path(__file__).resolve().parent.parent


def add_mul(x, y, z):
    """f = (x + y) z, the notes' first example."""
    q = label(x + y, "q")
    return label(q * z, "f")


def sigmoid_neuron(w0, x0, w1, x1, w2):
    """A 2-D neuron, sigmoid(w0 x0 + w1 x1 + w2); expanded into *-1, exp, +1, 1/x."""
    return anp.sigmoid(w0 * x0 + w1 * x1 + w2)


def add_mul_max(x, y, z, w):
    """2 (x y + max(z, w)): the add, mul and max gates of 'patterns in backward flow'."""
    return 2.0 * (x * y + anp.maximum(z, w))


# name, function, inputs, expand, {wire: (value, gradient)} as printed in the notes
CIRCUITS = [
    (
        "add_mul",
        add_mul,
        dict(x=-2.0, y=5.0, z=-4.0),
        False,
        {"x": (-2, -4), "y": (5, -4), "z": (-4, 3), "q": (3, -4), "f": (-12, 1)},
    ),
    (
        "sigmoid_neuron",
        sigmoid_neuron,
        dict(w0=2.0, x0=-1.0, w1=-3.0, x1=-2.0, w2=-3.0),
        True,
        {
            "w0": (2.0, -0.20),
            "x0": (-1.0, 0.39),
            "w1": (-3.0, -0.39),
            "x1": (-2.0, -0.59),
            "w2": (-3.0, 0.20),
            "out": (0.73, 1.0),
        },
    ),
    (
        "sigmoid_neuron_gate",
        sigmoid_neuron,
        dict(w0=2.0, x0=-1.0, w1=-3.0, x1=-2.0, w2=-3.0),
        False,
        {"w0": (2.0, -0.20), "x0": (-1.0, 0.39), "w2": (-3.0, 0.20), "out": (0.73, 1.0)},
    ),
    (
        "add_mul_max",
        add_mul_max,
        dict(x=3.0, y=-4.0, z=2.0, w=-1.0),
        False,
        {"x": (3, -8), "y": (-4, 6), "z": (2, 2), "w": (-1, 0), "out": (-20, 1)},
    ),
]


def check(name, graph, expected):
    """Compare with the notes' figure at its precision; returns a list of mismatches."""
    bad = []
    for wire, (value, grad) in expected.items():
        node = graph.nodes[graph.outputs[0]] if wire == "out" else graph.node(wire)
        got = (round(float(node.value), 2), round(float(node.grad), 2))
        if got != (round(value, 2), round(grad, 2)):
            bad.append(f"{name}: wire {wire} is {got}, the notes have {(value, grad)}")
    return bad


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "circuits")
    parser.add_argument("--formats", default="svg,png")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    problems = []
    for name, f, inputs, expand, expected in CIRCUITS:
        graph = adcore.trace(f, *inputs.values(), grad=True, expand=expand)
        problems += check(name, graph, expected)
        print(f"== {name}")
        print(graph.table())
        for kind in args.formats.split(","):
            path = graph.render(args.out / f"{name}.{kind}")
            print(f"   wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    print("all wires match the notes' numbers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
