"""Draw a traced graph the way the CS231n notes draw circuits.

Left to right, inputs on the left; each gate a circle; each wire labelled
with its forward value in green above the line and its gradient in red
below.  A wire is drawn as a small table node whose middle row is the line
itself, so the two numbers sit exactly above and below it; the gate's output
edge runs into that row and on to every gate that consumes the value (one
wire per value, so the gradient shown at a fork is the sum the notes talk
about).  Scalar constants fold into their gate (``*2``, ``+1``, ``1/x``);
other constants are drawn as grey inputs.

``to_dot`` needs nothing but this package; ``render`` needs Graphviz (the
``dot`` program and the ``graphviz`` Python package).
"""

import html
import shutil
from pathlib import Path

from adcore.trace import fmt

GREEN = "#228B22"
RED = "#CC0000"
GREY = "#888888"

INSTALL = (
    "rendering a circuit needs Graphviz: the `dot` program (Debian/Ubuntu: "
    "`apt-get install graphviz`; macOS: `brew install graphviz`) and the Python package "
    "(`pip install graphviz`). graph.to_dot() works without them."
)

FORMATS = ("svg", "png", "pdf")


class GraphvizMissing(RuntimeError):
    """Graphviz (the dot program or the Python package) is not installed."""


def _quote(text):
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _wire_label(value, grad, digits, font_size, name=None):
    """An HTML-like table: value (green) / the line / gradient (red); a wire name in black."""
    value_text = html.escape(fmt.summary(value, digits))
    top = f'<font color="{GREEN}" point-size="{font_size}">{value_text}</font>'
    if name:
        top = (
            f'<font color="black" point-size="{font_size}">{html.escape(name)}</font>&#160; ' + top
        )
    bottom = "&#160;" if grad is None else html.escape(fmt.summary(grad, digits))
    return (
        '<<table border="0" cellborder="0" cellspacing="0" cellpadding="1">'
        f"<tr><td>{top}</td></tr>"
        '<tr><td port="line" height="1" fixedsize="false" bgcolor="black"></td></tr>'
        f'<tr><td><font color="{RED}" point-size="{font_size}">{bottom}</font></td></tr>'
        "</table>>"
    )


def to_dot(graph, digits=2, fold_constants=True, show_groups=True, font_size=14, name="circuit"):
    """Graphviz DOT text of ``graph``.

    ``digits``: decimals for scalars (the notes use 2).  ``fold_constants``:
    write scalar constants into their gate (``*2``) instead of as inputs.
    ``show_groups``: box the parts of an expanded composite gate (sigmoid...)
    with the composite's name.  Gradients appear once ``graph.backward()`` ran.
    """
    out = [
        f"digraph {_quote(name)} {{",
        '  rankdir=LR; nodesep=0.25; ranksep=0.3; bgcolor=white; fontname="Helvetica";',
        f'  node [fontname="Helvetica", fontsize={font_size}];',
        '  edge [arrowsize=0.6, penwidth=1.0, fontname="Helvetica"];',
    ]
    folded = set()
    gate_lines, wire_lines, edge_lines = {}, {}, []
    for node in graph.nodes:
        if node.kind == "op":
            text, consts = fmt.gate_label(graph, node, fold_constants, digits)
            folded.update(consts)
            shape = "circle" if len(text) <= 4 else "ellipse"
            gate_lines[node.id] = (
                f"  g{node.id} [label={_quote(text)}, shape={shape}, margin=0.02, width=0.45];"
            )
    for node in graph.nodes:
        nid = node.id
        if node.kind == "const":
            if nid in folded:
                continue
            wire_lines[nid] = (
                f"  c{nid} [label={_quote(fmt.summary(node.value, digits))}, shape=plaintext, "
                f'fontcolor="{GREY}"];'
            )
            continue
        # an output's name is written at the end of its wire instead
        wire_name = node.name if node.kind == "op" and nid not in graph.outputs else None
        wire = _wire_label(node.value, node.grad, digits, font_size, wire_name)
        wire_lines[nid] = f"  w{nid} [label={wire}, shape=plaintext, margin=0];"
        if node.kind == "input":
            out.append(f"  in{nid} [label={_quote(node.name)}, shape=plaintext];")
            edge_lines.append(f"  in{nid} -> w{nid}:line:w [dir=none];")
        else:
            edge_lines.append(f"  g{nid} -> w{nid}:line:w [dir=none];")
            for src in node.inputs:
                if src in folded:
                    continue
                if graph.nodes[src].kind == "const":
                    edge_lines.append(f'  c{src} -> g{nid} [color="{GREY}"];')
                else:
                    edge_lines.append(f"  w{src}:line:e -> g{nid};")
    outputs = []
    for k, i in enumerate(graph.outputs):
        label = graph.nodes[i].name or ("out" if len(graph.outputs) == 1 else f"out{k + 1}")
        if graph.nodes[i].kind == "input":
            label = f"{label} (out)"
        outputs.append(f"  out{k} [label={_quote(label)}, shape=plaintext];")
        edge_lines.append(f"  w{i}:line:e -> out{k};")

    # inputs in a column on the left, in argument order (an invisible chain keeps the order)
    column = " -> ".join(f"in{i}" for i in graph.inputs)
    chain = f" {column} [style=invis];" if len(graph.inputs) > 1 else f" {column};"
    out.append("  { rank=source;" + chain + " }")
    # their wires in the next column, so each value sits beside its name as in the notes
    out.append("  { rank=same; " + " ".join(f"w{i};" for i in graph.inputs) + " }")
    if show_groups:
        for k, (gname, members) in enumerate(graph.groups):
            # the parts and the wires between them; the composite's output wire stays outside
            last = max((m for m in members if graph.nodes[m].kind == "op"), default=None)
            out.append(f"  subgraph cluster_{k} {{")
            out.append(
                f'    label={_quote(gname)}; style="dashed,rounded"; color="{GREY}"; '
                f'fontcolor="{GREY}"; fontsize={font_size - 2};'
            )
            for m in members:
                if m in gate_lines:
                    out.append("  " + gate_lines.pop(m))
                if m != last and m in wire_lines:
                    out.append("  " + wire_lines.pop(m))
            out.append("  }")
    out.extend(gate_lines.values())
    out.extend(wire_lines.values())
    out.extend(outputs)
    out.extend(edge_lines)
    out.append("}")
    return "\n".join(out) + "\n"


def _graphviz():
    try:
        import graphviz
    except ImportError:
        raise GraphvizMissing(INSTALL) from None
    if shutil.which("dot") is None:
        raise GraphvizMissing(INSTALL)
    return graphviz


def _pipe(graph, fmt_name, **options):
    graphviz = _graphviz()
    source = graphviz.Source(to_dot(graph, **options))
    try:
        return source.pipe(format=fmt_name)
    except graphviz.ExecutableNotFound:
        raise GraphvizMissing(INSTALL) from None


def svg_text(graph, **options):
    """The circuit as SVG text (what Jupyter shows inline); needs Graphviz."""
    return _pipe(graph, "svg", **options).decode("utf-8")


def render(graph, path, **options):
    """Write the circuit to ``path``; the format (svg, png, pdf) comes from its extension."""
    path = Path(path)
    kind = path.suffix.lower().lstrip(".")
    if kind not in FORMATS:
        raise ValueError(
            f"render: cannot tell the format of {str(path)!r} from its extension; "
            f"use one of {', '.join('.' + f for f in FORMATS)}"
        )
    data = _pipe(graph, kind, **options)
    path.write_bytes(data)
    return path
