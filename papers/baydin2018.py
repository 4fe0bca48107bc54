"""Baydin, Pearlmutter, Radul & Siskind (2018): the survey's worked example.

    f(x1, x2) = ln(x1) + x1 x2 - sin(x2)   at (x1, x2) = (2, 5)

Table 2 of the survey lists the forward primal trace (v_-1 ... v5) and the
forward tangent trace for the seed (x1', x2') = (1, 0); Table 3 lists the
reverse adjoint trace, one accumulation step per line.  Here all three come
out of adcore itself: the primal values and the adjoint steps from the tape
of a ``ReverseTag`` (swept with ``keep=True``), the tangents from a
``ForwardTag`` that logs every dual number it produces.
"""

from __future__ import annotations

import numpy as np

import adcore
import adcore.numpy as anp
from papers.claims import Section, holds, printed
from papers.tape import adjoints, contributions, forward_log, record

SOURCE = (
    "A. G. Baydin, B. A. Pearlmutter, A. A. Radul, J. M. Siskind, 'Automatic "
    "differentiation in machine learning: a survey', JMLR 18(153):1-43, 2018"
)
TABLE2 = "Baydin et al. 2018, Table 2"
TABLE3 = "Baydin et al. 2018, Table 3"

# Table 2, forward primal trace: (variable, expression, value as printed, decimals)
PRIMAL = [
    ("v-1", "x1", 2, 0),
    ("v0", "x2", 5, 0),
    ("v1", "ln v-1", 0.693, 3),
    ("v2", "v-1 * v0", 10, 0),
    ("v3", "sin v0", -0.959, 3),
    ("v4", "v1 + v2", 10.693, 3),
    ("v5", "v4 - v3", 11.652, 3),
]
# Table 2, forward tangent trace with x1' = 1, x2' = 0
TANGENT = [
    ("v-1'", 1),
    ("v0'", 0),
    ("v1'", 0.5),
    ("v2'", 5),
    ("v3'", 0),
    ("v4'", 5.5),
    ("v5'", 5.5),
]
# Table 3, reverse adjoint trace in execution order: (assigned adjoint, line, value)
ADJOINT_STEPS = [
    ("v4", "v4_bar = v5_bar dv5/dv4", 1),
    ("v3", "v3_bar = v5_bar dv5/dv3", -1),
    ("v1", "v1_bar = v4_bar dv4/dv1", 1),
    ("v2", "v2_bar = v4_bar dv4/dv2", 1),
    ("v0", "v0_bar = v3_bar dv3/dv0", -0.284),
    ("v-1", "v-1_bar = v2_bar dv2/dv-1", 5),
    ("v0", "v0_bar = v0_bar + v2_bar dv2/dv0", 1.716),
    ("v-1", "v-1_bar = v-1_bar + v1_bar dv1/dv-1", 5.5),
]


def f(x1, x2):
    v1 = anp.log(x1)
    v2 = x1 * x2
    v3 = anp.sin(x2)
    v4 = v1 + v2
    return v4 - v3


def _label(index):
    return f"v{index - 1}"  # tape entry 0 is v-1, entry 1 is v0, ...


def run(quick=False):
    s = Section("baydin2018", "Baydin et al. 2018: forward and reverse traces", SOURCE)
    s.notes.append(
        "Every value agrees at the paper's three printed decimals. Table 3 is read from its "
        "bottom line up (the order the lines execute); the adjoint steps below are replayed "
        "from adcore's own sweep (each tape entry's VJP rule applied to the kept adjoints) "
        "and come out in exactly that order, including the two partial sums "
        "v0_bar = -0.284 and v-1_bar = 5 before the fork's contributions are added."
    )
    x = (2.0, 5.0)
    tag, leaves, y = record(f, *x)
    adj = adjoints(tag, y)
    _, log = forward_log(f, x, (1.0, 0.0))
    tape_ops = [entry[0].name for entry in tag.tape if entry[0] is not None]
    s.add(
        holds(
            "the tape and the dual numbers see the same operations",
            ", ".join(tape_ops),
            "ln, *, sin, +, - (v1 ... v5)",
            tape_ops == [op for op, _, _ in log],
            TABLE2,
        )
    )

    primals = [float(e[4]) for e in tag.tape]
    tangents = [1.0, 0.0] + [float(t) for _, _, t in log]
    # v-1, v0 and their tangents are the inputs and the seed; the claims start at v1
    for (name, expr, value, dec), ours in zip(PRIMAL[2:], primals[2:]):
        s.add(printed(f"primal {name} = {expr}", ours, value, dec, TABLE2))
    s.add(printed("y = v5", y.primal, 11.652, 3, TABLE2))
    for (name, value), ours in zip(TANGENT[2:], tangents[2:]):
        s.add(printed(f"tangent {name}", ours, value, 3, TABLE2))
    _, dy_dx1 = adcore.jvp(f, x, (1.0, 0.0))
    s.add(printed("dy/dx1 = y' by adcore.jvp", dy_dx1, 5.5, 3, TABLE2))

    s.add(printed("v5_bar = y_bar (seed)", adj[y.index], 1, 0, TABLE3))
    steps = contributions(tag, adj)
    order = [_label(p) for _, p, _, _ in steps]
    s.add(
        holds(
            "adjoint steps happen in Table 3's order",
            " ".join(order),
            " ".join(a for a, _, _ in ADJOINT_STEPS),
            order == [a for a, _, _ in ADJOINT_STEPS],
            TABLE3,
        )
    )
    for (_, line, value), (_, _, _, running) in zip(ADJOINT_STEPS, steps):
        s.add(printed(line, running, value, 3, TABLE3))
    g1, g2 = adcore.grad(f, argnums=(0, 1))(*x)
    s.add(printed("x1_bar = dy/dx1 by adcore.grad", g1, 5.5, 3, TABLE3))
    s.add(printed("x2_bar = dy/dx2 by adcore.grad", g2, 1.716, 3, TABLE3))

    s.tables.append(
        (
            "Baydin et al. Tables 2-3 from adcore: primal, tangent (x1' = 1), adjoint",
            _trace_table(tag, primals, tangents, adj),
        )
    )
    s.tables.append(
        (
            "Baydin et al. Table 3 from adcore: the sweep's accumulation steps",
            _steps_table(tag, adj, steps),
        )
    )
    return s


def _trace_table(tag, primals, tangents, adj):
    lines = [f"{'v':<4} {'operation':<24} {'primal':>10} {'tangent':>9} {'adjoint':>9}"]
    for i, entry in enumerate(tag.tape):
        prim, parents = entry[0], entry[1]
        if prim is None:
            op = f"input x{i + 1}"
        else:
            op = f"{prim.name}({', '.join(_label(p) for _, p in parents)})"
        lines.append(
            f"{_label(i):<4} {op:<24} {primals[i]:>10.3f} {tangents[i]:>9.3f} {float(adj[i]):>9.3f}"
        )
    return "\n".join(lines)


def _steps_table(tag, adj, steps):
    lines = [f"{'from':<5} {'to':<5} {'contribution':>12} {'running adjoint':>16}"]
    lines.append(f"{'seed':<5} {'v5':<5} {1.0:>12.3f} {float(adj[len(tag.tape) - 1]):>16.3f}")
    for child, parent, c, running in steps:
        lines.append(
            f"{_label(child):<5} {_label(parent):<5} {float(np.asarray(c)):>12.3f} "
            f"{float(np.asarray(running)):>16.3f}"
        )
    return "\n".join(lines)
