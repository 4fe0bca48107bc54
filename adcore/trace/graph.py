"""Record one evaluation of f as a graph of gates, on the engine's own tape.

``trace(f, *args)`` gives every argument a leaf on a fresh reverse tape and
runs f.  Each tape entry ``(prim, parents, primals, kwargs, ans)`` becomes a
gate node; arguments that were not traced become constant nodes (numbers
such as the ``2`` in ``2 * q``) or, at positions a primitive never
differentiates (an index, a condition), parameters of the gate.

Worked example, the notes' first circuit f = (x + y) z at x=-2, y=5, z=-4:

    tape                                   graph
    0 leaf -2.0                            node 0  input x   value -2   grad -4
    1 leaf  5.0                            node 1  input y   value  5   grad -4
    2 leaf -4.0                            node 2  input z   value -4   grad  3
    3 add      parents (0,0) (1,1)  ans 3  node 3  add(0, 1)   value   3  grad -4
    4 multiply parents (0,3) (1,2)  ans -12 node 4  multiply(3, 2) value -12 grad 1

``backward()`` sweeps the tape once from the output (seed 1) and keeps every
entry's adjoint, so each wire carries its gradient, not only the inputs.
``tangents(direction)`` pushes one input direction through the gates' JVP
rules in tape order: the forward-mode column of the evaluation trace.
"""

import inspect

import numpy as np

from adcore.core import NONDIFF, ReverseTag, TapeValue, getval, sweep
from adcore.core.pytree import tree_flatten
from adcore.trace import dot as drawing
from adcore.trace.expand import EXPANSIONS
from adcore.trace.table import evaluation_table


class TraceTag(ReverseTag):
    """A reverse tag that can expand composite gates and remembers wire names."""

    __slots__ = ("expand", "names", "groups")

    def __init__(self, expand):
        ReverseTag.__init__(self, "trace")
        self.expand = expand  # names of composite primitives to evaluate as their parts
        self.names = {}  # tape index -> a name given with label()
        self.groups = []  # (composite name, first tape index, end tape index)

    def process(self, prim, args, kwargs):
        """Record ``prim`` as one gate, or as its parts when it is a composite being expanded."""
        if prim.name not in self.expand:
            return ReverseTag.process(self, prim, args, kwargs)
        start = len(self.tape)
        out = EXPANSIONS[prim.name](*args, **kwargs)
        self.groups.append((prim.name, start, len(self.tape)))
        return out


def label(x, name):
    """Name a wire inside a traced function (``q = label(x + y, "q")``); returns x.

    Outside ``trace`` (or on a value that is not traced) it does nothing.
    """
    if type(x) is TapeValue and isinstance(x.tag, TraceTag):
        x.tag.names[x.index] = str(name)
    return x


class Node:
    """One node of a traced graph.

    ``kind`` is ``"input"`` (an argument of f), ``"const"`` (a number f used)
    or ``"op"`` (a primitive application).  ``inputs`` are node ids in the
    primitive's argument order; ``params`` are the arguments and keywords that
    are not differentiated (axis, index, ...).  ``grad`` is the adjoint of the
    node's output after ``Graph.backward()`` (``None`` for constants),
    ``tangent`` its tangent after ``Graph.tangents()``.
    """

    __slots__ = ("id", "kind", "op", "inputs", "value", "params", "name", "group", "grad",
                 "tangent", "entry")  # fmt: skip

    def __init__(self, id, kind, value, op=None, inputs=(), params=None, name=None, entry=None):
        self.id = id
        self.kind = kind
        self.op = op
        self.inputs = tuple(inputs)
        self.value = value
        self.params = params or {}
        self.name = name  # the input's name, or a wire name from label()
        self.group = None  # the composite gate this node belongs to, when expanded
        self.grad = None
        self.tangent = None
        self.entry = entry  # index on the tape (None for constants)

    @property
    def primitive(self):
        """The primitive's name for a gate, ``"input"`` or ``"const"`` otherwise."""
        return self.op.name if self.op is not None else self.kind

    @property
    def shape(self):
        """The shape of the node's value."""
        return np.shape(self.value)

    def __repr__(self):
        head = f"Node({self.id}, {self.primitive}"
        if self.name:
            head += f" {self.name!r}"
        if self.inputs:
            head += f", inputs={list(self.inputs)}"
        head += f", value={_short(self.value)}"
        if self.grad is not None:
            head += f", grad={_short(self.grad)}"
        return head + ")"


def _short(v):
    a = np.asarray(getval(v))
    return repr(float(a)) if a.size == 1 else f"array{a.shape}"


class Graph:
    """The gates of one evaluation of f, with values and (after backward) gradients.

    ``nodes`` in evaluation order (inputs first); ``inputs`` and ``outputs``
    are node ids.  ``node("x")`` finds a node by name.
    """

    def __init__(self, nodes, inputs, outputs, tape, groups):
        self.nodes = nodes
        self.inputs = tuple(inputs)
        self.outputs = tuple(outputs)
        self.tape = tape
        self.groups = groups  # (composite name, [node ids]) for expanded gates

    # -- looking things up --------------------------------------------------

    def node(self, key):
        """A node by id or by name (an input's name or a ``label()``)."""
        if isinstance(key, (int, np.integer)):
            return self.nodes[key]
        for n in self.nodes:
            if n.name == key:
                return n
        names = [n.name for n in self.nodes if n.name]
        raise KeyError(f"no node named {key!r}; named nodes: {names}")

    @property
    def ops(self):
        """The gate nodes, in evaluation order."""
        return [n for n in self.nodes if n.kind == "op"]

    @property
    def value(self):
        """f's value (a tuple when f returned several outputs)."""
        vals = tuple(self.nodes[i].value for i in self.outputs)
        return vals[0] if len(vals) == 1 else vals

    @property
    def grads(self):
        """The gradient on each input, in argument order (after ``backward()``)."""
        if any(self.nodes[i].grad is None for i in self.inputs):
            raise RuntimeError("the graph has no gradients yet: call graph.backward() first")
        return tuple(self.nodes[i].grad for i in self.inputs)

    # -- the two sweeps -----------------------------------------------------

    def backward(self, cotangent=None):
        """One reverse sweep from the outputs; every wire gets its gradient. Returns self.

        ``cotangent`` seeds the output (one per output for several outputs);
        by default ones, i.e. the gradient of the sum of the outputs.
        """
        outs = [self.nodes[i] for i in self.outputs]
        if cotangent is None:
            cts = [np.ones_like(n.value) for n in outs]
        else:
            cts = list(cotangent) if len(outs) > 1 else [cotangent]
            if len(cts) != len(outs):
                raise ValueError(f"backward: {len(outs)} outputs but {len(cts)} cotangents")
        seeds = {}
        for k, (n, ct) in enumerate(zip(outs, cts, strict=True)):
            ct = np.asarray(ct, dtype=np.result_type(n.value))
            if ct.shape != n.shape:
                raise ValueError(
                    f"backward: cotangent {k} has shape {ct.shape} but output {k} has shape "
                    f"{n.shape}"
                )
            seeds[n.entry] = ct if n.entry not in seeds else seeds[n.entry] + ct
        adjoints = sweep(self.tape, seeds, keep=True)
        for n in self.nodes:
            if n.entry is not None:
                g = adjoints[n.entry]
                n.grad = np.zeros_like(n.value) if g is None else getval(g)
        return self

    def tangents(self, direction=None):
        """Push an input direction through every gate's JVP rule, in tape order.

        ``direction`` is one tangent per input (a sequence in argument order or
        a dict by input name); by default the first element of the first input
        (x-dot = 1, everything else 0).  Sets ``node.tangent`` on every node and
        returns the list of tangents by node id.
        """
        per_input = self._direction(direction)
        tangent = {}  # tape index -> tangent; absent means zero
        for i, (prim, parents, primals, kwargs, ans) in enumerate(self.tape):
            if prim is None:
                tangent[i] = per_input[i]
                continue
            acc = None
            for argnum, p in parents:
                g = tangent.get(p)
                if g is None:
                    continue
                rule = prim.jvps.get(argnum)
                if rule is None:
                    raise prim.missing("jvp", argnum)
                if rule is NONDIFF:
                    continue
                c = rule(g, ans, *primals, **kwargs)
                acc = c if acc is None else acc + c
            if acc is not None:
                tangent[i] = getval(acc)
        for n in self.nodes:
            t = tangent.get(n.entry) if n.entry is not None else None
            n.tangent = np.zeros_like(n.value) if t is None else t
        return [n.tangent for n in self.nodes]

    def _direction(self, direction):
        ins = [self.nodes[i] for i in self.inputs]
        if direction is None:
            first = np.zeros_like(ins[0].value)
            if first.size:
                first.flat[0] = 1
            direction = [first] + [np.zeros_like(n.value) for n in ins[1:]]
        elif isinstance(direction, dict):
            unknown = set(direction) - {n.name for n in ins}
            if unknown:
                raise KeyError(
                    f"tangents: direction names {sorted(unknown)} are not inputs "
                    f"{[n.name for n in ins]}"
                )
            direction = [direction.get(n.name, np.zeros_like(n.value)) for n in ins]
        else:
            direction = list(direction)
            if len(direction) != len(ins):
                raise ValueError(
                    f"tangents: {len(ins)} inputs but the direction has {len(direction)} entries"
                )
        out = {}
        for n, d in zip(ins, direction, strict=True):
            d = np.asarray(d, dtype=np.result_type(n.value))
            if d.shape != n.shape:
                raise ValueError(
                    f"tangents: direction for input {n.name!r} has shape {d.shape}, "
                    f"the input has shape {n.shape}"
                )
            out[n.entry] = d
        return out

    # -- views --------------------------------------------------------------

    def table(self, direction=None, digits=2):
        """The evaluation trace in the style of Baydin et al.: v_i, its tangent, its adjoint.

        Computes the tangents for ``direction`` (see ``tangents``) and, if
        ``backward()`` has not run yet, the adjoints.  Print the result.
        """
        return evaluation_table(self, direction, digits)

    def to_dot(self, **options):
        """Graphviz DOT text of the circuit (see ``adcore.trace.dot.to_dot`` for options)."""
        return drawing.to_dot(self, **options)

    def render(self, path, **options):
        """Draw the circuit to ``path`` (.svg, .png or .pdf) with Graphviz; returns the path."""
        return drawing.render(self, path, **options)

    def _repr_svg_(self):  # drawn inline in Jupyter when Graphviz is installed
        try:
            return drawing.svg_text(self)
        except drawing.GraphvizMissing:
            return None

    def __repr__(self):
        ins, outs = list(self.inputs), list(self.outputs)
        head = f"Graph({len(self.ops)} gates, inputs={ins}, outputs={outs})"
        shown = self.nodes if len(self.nodes) <= 40 else self.nodes[:20] + self.nodes[-10:]
        lines = [head] + [f"  {n!r}" for n in shown]
        if len(shown) < len(self.nodes):
            lines.insert(21, f"  ... {len(self.nodes) - len(shown)} more nodes")
        return "\n".join(lines)


# -- building the graph -----------------------------------------------------


def _input_names(f, nargs, names):
    if names is not None:
        names = [str(n) for n in names]
        if len(names) != nargs:
            raise ValueError(f"trace: {nargs} arguments but {len(names)} names")
        return names
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        params = []
    found = []
    for p in params:
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            found.append(p.name)
        elif p.kind == p.VAR_POSITIONAL:
            break
    return [found[k] if k < len(found) else f"x{k}" for k in range(nargs)]


def _as_input(x, name):
    a = np.asarray(getval(x))
    if a.dtype.kind in "iu":
        return a.astype(np.float64)
    if a.dtype.kind != "f":
        raise TypeError(
            f"trace: argument {name!r} has dtype {a.dtype}; inputs must be real numbers "
            "(floating point, or integers, which are converted to float64)"
        )
    return a


def _is_param(prim, argnum):
    """Argument positions the primitive never differentiates are gate parameters."""
    rule = prim.vjps.get(argnum)
    return rule is None or rule is NONDIFF


def _build(tag, input_names, out_leaves):
    tape = tag.tape
    nodes, of_entry, inputs = [], {}, []
    for i, (prim, parents, primals, kwargs, ans) in enumerate(tape):
        if prim is None:
            node = Node(len(nodes), "input", ans, name=input_names[len(inputs)], entry=i)
            inputs.append(node.id)
        else:
            traced = dict(parents)
            operands, params = [], {}
            for argnum, arg in enumerate(primals):
                if argnum in traced:
                    operands.append(of_entry[traced[argnum]])
                elif _is_param(prim, argnum):
                    params[argnum] = arg
                else:
                    const = Node(len(nodes), "const", getval(arg))
                    nodes.append(const)
                    operands.append(const.id)
            params.update({k: v for k, v in kwargs.items() if v is not None and v is not False})
            node = Node(len(nodes), "op", ans, op=prim, inputs=operands, params=params, entry=i)
            node.name = tag.names.get(i)
        nodes.append(node)
        of_entry[i] = node.id
    groups = []
    # inner composites were recorded first, so a node joins the innermost group only
    for k, (name, start, end) in enumerate(tag.groups):
        members = []
        for entry in range(start, end):
            n = nodes[of_entry[entry]]
            if n.group is not None:
                continue
            n.group = k
            members.append(n.id)
            for c in n.inputs:  # a constant belongs to the group of the gate it feeds
                if nodes[c].kind == "const":
                    nodes[c].group = k
                    members.append(c)
        groups.append((name, members))
    outputs = []
    for k, o in enumerate(out_leaves):
        if not (type(o) is TapeValue and o.tag is tag):
            raise ValueError(
                f"trace: output {k} of f does not depend on the inputs (got a constant "
                f"{type(getval(o)).__name__}); there is no circuit to draw for it"
            )
        outputs.append(of_entry[o.index])
    return Graph(nodes, inputs, outputs, tape, groups)


def trace(f, *args, grad=False, expand=False, names=None):
    """Record ``f(*args)`` as a graph of gates (see ``Graph``).

    Every positional argument is an input (a number or a float array).
    ``grad=True`` runs ``backward()`` so every wire also holds its gradient.
    ``expand=True`` evaluates the composite gates (sigmoid, softplus,
    logsumexp, softmax, log_softmax) as their parts; a set of names expands
    only those.  ``names`` overrides the input names taken from f's signature.

        g = adcore.trace(lambda x, y, z: (x + y) * z, -2.0, 5.0, -4.0, grad=True)
        g.grads                     # (-4.0, -4.0, 3.0)
        print(g.table())            # the evaluation trace, Baydin et al. style
        g.render("circuit.png")     # the notes' circuit diagram
    """
    if not callable(f):
        raise TypeError(f"trace: f must be callable, got {type(f).__name__}")
    if not args:
        raise TypeError("trace: give at least one input argument after f")
    if expand is True:
        expand = frozenset(EXPANSIONS)
    elif not expand:
        expand = frozenset()
    else:
        expand = frozenset([expand] if isinstance(expand, str) else expand)
        unknown = expand - set(EXPANSIONS)
        if unknown:
            raise ValueError(
                f"trace: no expansion for {sorted(unknown)}; expandable: {sorted(EXPANSIONS)}"
            )
    input_names = _input_names(f, len(args), names)
    values = [_as_input(x, name) for x, name in zip(args, input_names, strict=True)]
    tag = TraceTag(expand)
    leaves = [tag.leaf(v) for v in values]
    try:
        out = f(*leaves)
    finally:
        tag.alive = False
    out_leaves, _ = tree_flatten(out)
    graph = _build(tag, input_names, out_leaves)
    if grad:
        graph.backward()
    return graph
