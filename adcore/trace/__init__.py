"""See the circuit: record an evaluation as gates and draw it as the notes do.

    g = adcore.trace(lambda x, y, z: (x + y) * z, -2.0, 5.0, -4.0, grad=True)
    g.node("x").grad            # -4.0: every wire carries value and gradient
    print(g.table())            # evaluation trace: primal, tangent, adjoint
    g.render("circuit.png")     # Graphviz, left to right, green values, red gradients

Modules: ``graph`` (tracing on the reverse tape, the two sweeps), ``expand``
(composite gates as their parts), ``table`` (Baydin et al. evaluation
trace), ``dot`` (Graphviz drawing), ``fmt`` (how numbers and gates read).

``adcore.trace`` is also the function (exported by ``adcore``); import the
classes with ``from adcore.trace import Graph``.
"""

from adcore.trace.dot import GraphvizMissing, render, to_dot
from adcore.trace.expand import EXPANSIONS
from adcore.trace.graph import Graph, Node, label, trace
from adcore.trace.table import Table

__all__ = [
    "EXPANSIONS",
    "Graph",
    "GraphvizMissing",
    "Node",
    "Table",
    "label",
    "render",
    "to_dot",
    "trace",
]
