"""How values and gates are written in the drawing and the table.

Scalars to a fixed number of decimals (the notes use 2); arrays as their
shape plus a short summary (the values when there are at most three, else
the range).  Gates by the notes' symbols, with a scalar constant folded into
the gate the way the notes draw ``*2``, ``+1``, ``*-1`` and ``1/x``.
"""

import numpy as np

from adcore.core import getval

# the notes' gate symbols; anything else is drawn by its primitive name
SYMBOLS = {
    "add": "+",
    "subtract": "-",
    "multiply": "*",
    "divide": "/",
    "negative": "*-1",
    "power": "^",
    "maximum": "max",
    "minimum": "min",
    "matmul": "@",
    "reciprocal": "1/x",
    "square": "^2",
}

# infix operators for the evaluation table (Python spelling)
INFIX = {"add": "+", "subtract": "-", "multiply": "*", "divide": "/", "power": "**", "matmul": "@"}


def number(x, digits=2):
    """A scalar with ``digits`` decimals, never as ``-0.00``."""
    text = f"{float(x):.{digits}f}"
    if text.startswith("-") and float(text) == 0.0:
        text = text[1:]  # no "-0.00"
    return text


def summary(value, digits=2):
    """A scalar as a number; an array as ``shape [a, b]`` or ``shape [min … max]``."""
    a = np.asarray(getval(value))
    if a.dtype.kind == "b":
        if a.size <= 3:
            return str(a.tolist())
        return f"{a.shape} mask, {int(a.sum())} true"
    if a.ndim == 0:
        return number(a, digits) if a.dtype.kind in "fiu" else str(a)
    shape = "(" + ", ".join(str(d) for d in a.shape) + ("," if a.ndim == 1 else "") + ")"
    if a.size == 0 or a.dtype.kind not in "fiu":
        return shape
    if a.size <= 3:
        return f"{shape} [" + ", ".join(number(v, digits) for v in a.ravel()) + "]"
    return f"{shape} [{number(a.min(), digits)} … {number(a.max(), digits)}]"


def constant(c):
    """A folded constant the way the notes write it: 2, -1, 0.5 (3 significant digits)."""
    return f"{float(np.asarray(c).reshape(-1)[0]):.3g}"


def index_text(index):
    """An index the way Python writes it: ``[0]``, ``[1:3]``, ``[...]``, ``[:, 2]``."""
    parts = index if isinstance(index, tuple) else (index,)
    out = []
    for p in parts:
        if isinstance(p, slice):
            text = ("" if p.start is None else str(p.start)) + ":"
            text += "" if p.stop is None else str(p.stop)
            out.append(text if p.step is None else f"{text}:{p.step}")
        elif p is Ellipsis:
            out.append("...")
        elif p is None:
            out.append("None")
        elif np.ndim(p):
            out.append(summary(p, 0))
        else:
            out.append(str(p))
    return "[" + ", ".join(out) + "]"


def params_text(node, digits=2):
    """The gate's non-differentiated arguments: ``axis=0``, a condition's summary, ..."""
    parts = []
    for k, v in node.params.items():
        text = v if isinstance(v, str) else _param_value(v, digits)
        parts.append(text if isinstance(k, int) else f"{k}={text}")
    return ", ".join(parts)


def _param_value(v, digits):
    if isinstance(v, (tuple, list)) and all(isinstance(e, (int, np.integer)) for e in v):
        return "(" + ", ".join(str(e) for e in v) + ("," if len(v) == 1 else "") + ")"
    if isinstance(v, (bool, int, np.integer, np.dtype, type)):
        return str(v)
    if np.ndim(v) == 0 and isinstance(v, (float, np.floating)):
        return constant(v)
    try:
        return summary(v, digits)
    except (TypeError, ValueError):
        return str(v)


def _foldable(graph, node):
    """The (position, constant node) pair to fold into a binary gate, or None."""
    if node.op is None or node.op.name not in SYMBOLS or len(node.inputs) != 2:
        return None
    kinds = [graph.nodes[i].kind for i in node.inputs]
    if kinds.count("const") != 1:
        return None
    pos = kinds.index("const")
    c = graph.nodes[node.inputs[pos]]
    if np.size(c.value) != 1:
        return None
    return pos, c


def gate_label(graph, node, fold=True, digits=2):
    """(label text, ids of constants folded into it) for a gate node."""
    name = node.op.name
    if name == "getitem":
        return index_text(node.params.get(1, ())), ()
    found = _foldable(graph, node) if fold else None
    params = params_text(node, digits)
    if found is None:
        text = SYMBOLS.get(name, name)
        return (f"{text}\n{params}" if params else text), ()
    pos, c = found
    k = constant(c.value)
    if name == "add" and k.startswith("-"):
        text = k  # + -0.5 reads as -0.5
    elif name == "subtract" and pos == 1 and k.startswith("-"):
        text = "+" + k[1:]
    elif name in ("add", "multiply"):
        text = f"{SYMBOLS[name]}{k}"
    elif name in ("maximum", "minimum"):
        text = f"{SYMBOLS[name]} {k}"
    elif pos == 1:  # x - c, x / c, x ^ c
        text = f"{SYMBOLS[name]}{k}"
    else:  # c - x, c / x, c ^ x
        text = f"{k}{SYMBOLS[name]}x"
    return (f"{text}\n{params}" if params else text), (c.id,)


def expression(graph, node, ref, digits=2):
    """The right-hand side of ``v_i = ...`` in the evaluation table."""
    name = node.op.name
    if name == "getitem":
        return f"{ref(node.inputs[0])}{index_text(node.params.get(1, ()))}"
    if not node.params:
        args = [ref(i) for i in node.inputs]
        if name in INFIX and len(args) == 2:
            return f"{args[0]} {INFIX[name]} {args[1]}"
        if name == "negative":
            return f"-{args[0]}"
    # operands and positional parameters back in the primitive's argument order
    operands = iter(node.inputs)
    n_args = len(node.inputs) + sum(isinstance(k, int) for k in node.params)
    parts = []
    for pos in range(n_args):
        if pos in node.params:
            parts.append(_param_value(node.params[pos], digits))
        else:
            parts.append(ref(next(operands)))
    parts += [
        f"{k}={_param_value(v, digits)}" for k, v in node.params.items() if not isinstance(k, int)
    ]
    return f"{name}({', '.join(parts)})"
