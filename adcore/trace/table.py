"""The evaluation trace as a table, the way Baydin et al. (2018) lay it out.

Inputs are v_{1-n} ... v_0, gates v_1 ... v_l in evaluation order; each row
holds the primal v_i, the tangent v̇_i for one input direction (forward
mode, read top to bottom) and the adjoint v̄_i = ∂y/∂v_i (reverse mode, read
bottom to top).  Constants are written inline.
"""

import unicodedata

import numpy as np

from adcore.trace import fmt

_SUBSCRIPT = str.maketrans("-0123456789", "₋₀₁₂₃₄₅₆₇₈₉")
DOT, BAR = "\u0307", "\u0304"  # combining dot and bar: v̇, v̄


class Table(str):
    """The table's text; shows as the table (not a quoted string) in a REPL."""

    def __repr__(self):
        return str(self)


def _width(text):
    return sum(not unicodedata.combining(ch) for ch in text)


def _pad(text, width, right=False):
    space = " " * (width - _width(text))
    return space + text if right else text + space


def evaluation_table(graph, direction, digits):
    """The ``Table`` behind ``Graph.table``: runs both sweeps as needed, one row per wire."""
    graph.tangents(direction)
    if any(n.grad is None for n in graph.nodes if n.kind != "const"):
        graph.backward()
    n_in = len(graph.inputs)
    var = {}
    for k, i in enumerate(graph.inputs):
        var[i] = "v" + str(k + 1 - n_in).translate(_SUBSCRIPT)
    for k, node in enumerate(graph.ops):
        var[node.id] = "v" + str(k + 1).translate(_SUBSCRIPT)

    def ref(i):
        node = graph.nodes[i]
        if node.kind != "const":
            return var[i]
        return (
            fmt.constant(node.value)
            if np.ndim(node.value) == 0
            else fmt.summary(node.value, digits)
        )

    rows = [("", "", "v", "v" + DOT, "v" + BAR)]
    for node in graph.nodes:
        if node.kind == "const":
            continue
        expr = node.name if node.kind == "input" else fmt.expression(graph, node, ref, digits)
        if node.kind == "op" and node.name:
            expr += f"   ({node.name})"
        rows.append(
            (
                var[node.id],
                "= " + expr,
                fmt.summary(node.value, digits),
                fmt.summary(node.tangent, digits),
                fmt.summary(node.grad, digits),
            )
        )
    for k, i in enumerate(graph.outputs):
        name = graph.nodes[i].name or ("y" if len(graph.outputs) == 1 else f"y{k + 1}")
        rows.append((name, "= " + var[i], "", "", ""))

    widths = [max(_width(r[c]) for r in rows) for c in range(5)]
    ins = [graph.nodes[i] for i in graph.inputs]
    direction_text = ", ".join(
        f"{n.name[:1]}{DOT}{n.name[1:]} = {fmt.summary(n.tangent, digits)}" for n in ins
    )
    lines = [
        "forward primal trace v, tangent trace v" + DOT + f" ({direction_text}), "
        "adjoint trace v" + BAR + " = dy/dv",
        "",
    ]
    for k, r in enumerate(rows):
        cells = [_pad(r[0], widths[0]), _pad(r[1], widths[1])]
        cells += [_pad(r[c], widths[c], right=True) for c in (2, 3, 4)]
        lines.append("  ".join(cells).rstrip())
        if k == 0:
            lines.append("-" * _width(lines[-1]))
    return Table("\n".join(lines))
