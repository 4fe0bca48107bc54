"""adcore.trace: the graph of an evaluation, its sweeps, the table and the drawing.

Reference numbers are the CS231n notes' circuits (values and gradients as
printed in their figures, to 2 decimals).
"""

import importlib.util
import re
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import adcore
import adcore.numpy as anp
from adcore.trace import EXPANSIONS, GraphvizMissing, label
from adcore.trace import dot as trace_dot

HAS_GRAPHVIZ = shutil.which("dot") is not None and importlib.util.find_spec("graphviz") is not None
needs_graphviz = pytest.mark.skipif(not HAS_GRAPHVIZ, reason="Graphviz (dot + python package)")


def add_mul(x, y, z):
    return label(label(x + y, "q") * z, "f")


def neuron(w0, x0, w1, x1, w2):
    return anp.sigmoid(w0 * x0 + w1 * x1 + w2)


def add_mul_max(x, y, z, w):
    return 2.0 * (x * y + anp.maximum(z, w))


NEURON_ARGS = (2.0, -1.0, -3.0, -2.0, -3.0)


def wire(dot_text, node_id):
    """The (green value, red gradient) printed on node ``node_id``'s wire."""
    m = re.search(rf"\bw{node_id} \[label=<(.*?)>>", dot_text)
    assert m, f"no wire for node {node_id}"
    cells = re.findall(r'<font color="([#\w]+)"[^>]*>([^<]*)</font>', m.group(1))
    return cells


# -- the graph ---------------------------------------------------------------


def test_add_mul_structure_and_numbers():
    g = adcore.trace(add_mul, -2.0, 5.0, -4.0)
    assert [n.kind for n in g.nodes] == ["input", "input", "input", "op", "op"]
    assert [n.name for n in g.nodes] == ["x", "y", "z", "q", "f"]
    q, f = g.node("q"), g.node("f")
    assert (q.primitive, q.inputs, float(q.value)) == ("add", (0, 1), 3.0)
    assert (f.primitive, f.inputs, float(f.value)) == ("multiply", (3, 2), -12.0)
    assert g.inputs == (0, 1, 2) and g.outputs == (4,) and float(g.value) == -12.0
    assert all(n.grad is None for n in g.nodes)
    with pytest.raises(RuntimeError, match="backward"):
        _ = g.grads
    assert g.backward() is g
    assert [float(n.grad) for n in g.nodes] == [-4.0, -4.0, 3.0, -4.0, 1.0]


def test_sigmoid_neuron_expanded_as_the_notes_draw_it():
    g = adcore.trace(neuron, *NEURON_ARGS, grad=True, expand=True)
    ops = [n.primitive for n in g.ops]
    assert ops == ["multiply", "multiply", "add", "add", "negative", "exp", "add", "divide"]
    consts = [float(n.value) for n in g.nodes if n.kind == "const"]
    assert consts == [1.0, 1.0]  # the +1 and the 1/x
    # the notes' wire values, left to right, and their gradients
    values = [round(float(n.value), 2) for n in g.ops]
    grads = [round(float(n.grad), 2) for n in g.ops]
    assert values == [-2.0, 6.0, 4.0, 1.0, -1.0, 0.37, 1.37, 0.73]
    assert grads == [0.2, 0.2, 0.2, 0.2, -0.2, -0.53, -0.53, 1.0]
    assert [round(float(v), 2) for v in g.grads] == [-0.2, 0.39, -0.39, -0.59, 0.2]
    # the parts are grouped under the composite they came from
    ((name, members),) = g.groups
    assert name == "sigmoid"
    assert {g.nodes[m].primitive for m in members} == {"negative", "exp", "add", "divide", "const"}


def test_sigmoid_as_one_gate_gives_the_same_gradients():
    one = adcore.trace(neuron, *NEURON_ARGS, grad=True)
    parts = adcore.trace(neuron, *NEURON_ARGS, grad=True, expand=True)
    assert [n.primitive for n in one.ops][-1] == "sigmoid" and not one.groups
    assert len(parts.ops) == len(one.ops) + 3
    # local gradient of the one gate: (1 - 0.73) 0.73 ~ 0.2
    assert round(float(one.ops[-2].grad), 2) == 0.2
    expected = adcore.grad(neuron, argnums=(0, 1, 2, 3, 4))(*NEURON_ARGS)
    np.testing.assert_allclose(one.grads, expected, rtol=1e-12)
    np.testing.assert_allclose(parts.grads, expected, rtol=1e-12)


def test_add_mul_max_routes_gradients():
    g = adcore.trace(add_mul_max, 3.0, -4.0, 2.0, -1.0, grad=True)
    assert [n.primitive for n in g.ops] == ["multiply", "maximum", "add", "multiply"]
    assert [float(v) for v in g.grads] == [-8.0, 6.0, 2.0, 0.0]
    plus = g.ops[2]
    assert (float(plus.value), float(plus.grad)) == (-10.0, 2.0)  # add distributes 2.00
    assert float(g.value) == -20.0


def test_gradients_add_at_forks():
    g = adcore.trace(lambda x: x * x + anp.sin(x), 0.7, grad=True)
    x = g.node("x")
    assert sum(n.inputs.count(x.id) for n in g.ops) == 3  # one wire, three consumers
    assert float(x.grad) == pytest.approx(2 * 0.7 + np.cos(0.7))


def test_constants_are_input_nodes_and_parameters_stay_on_the_gate():
    g = adcore.trace(lambda a: anp.sum(a[1:] * 1.01, axis=0), np.array([1.0, 2.0, 3.0]))
    getitem, mul, total = g.ops
    assert getitem.params == {1: slice(1, None)} and getitem.inputs == (0,)
    const = g.nodes[mul.inputs[1]]
    assert const.kind == "const" and const.value == 1.01 and const.grad is None
    assert total.params == {"axis": 0}
    assert total.shape == () and mul.shape == (2,)


def test_shape_gates_carry_their_shape_as_a_parameter():
    x = np.arange(4.0)
    g = adcore.trace(lambda x: anp.sum(x.reshape(2, 2) @ np.reshape(x, (2, 2))), x, grad=True)
    reshapes = [n for n in g.ops if n.primitive == "reshape"]
    assert len(reshapes) == 2 and all(n.shape == (2, 2) for n in reshapes)
    assert r'[label="reshape\n(2, 2)"' in g.to_dot()
    expected = adcore.grad(lambda x: anp.sum(x.reshape(2, 2) @ x.reshape(2, 2)))(x)
    np.testing.assert_allclose(g.grads[0], expected)


def test_arrays_match_grad_and_tangents_match_jvp():
    rng = np.random.default_rng(0)
    W, x, b = rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=3)

    def loss(W, x, b):
        h = anp.tanh(W @ x + b)
        return anp.logsumexp(h) + 0.5 * anp.sum(h**2)

    for expand in (False, True):
        g = adcore.trace(loss, W, x, b, grad=True, expand=expand)
        expected = adcore.grad(loss, argnums=(0, 1, 2))(W, x, b)
        for got, want in zip(g.grads, expected, strict=True):
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
        direction = [rng.normal(size=s) for s in (W.shape, x.shape, b.shape)]
        g.tangents(direction)
        _, want_t = adcore.jvp(loss, (W, x, b), tuple(direction))
        out = g.nodes[g.outputs[0]]
        np.testing.assert_allclose(out.tangent, want_t, rtol=1e-10)
        # forward and reverse agree: <input adjoints, direction> = output tangent
        dual = sum(np.sum(gr * d) for gr, d in zip(g.grads, direction, strict=True))
        np.testing.assert_allclose(dual, out.tangent, rtol=1e-10)


@pytest.mark.parametrize(
    "name, call",
    [
        ("sigmoid", lambda x: anp.sum(anp.sigmoid(x) ** 2)),
        ("softplus", lambda x: anp.sum(anp.softplus(x) * x)),
        ("logsumexp", lambda x: anp.sum(anp.logsumexp(x, axis=1) ** 2)),
        ("logsumexp", lambda x: anp.logsumexp(x)),
        ("logsumexp", lambda x: anp.sum(anp.logsumexp(x, axis=0, keepdims=True) * x)),
        ("softmax", lambda x: anp.sum(anp.softmax(x, axis=0) * np.arange(6.0).reshape(2, 3))),
        ("log_softmax", lambda x: anp.sum(anp.log_softmax(x) ** 2)),
    ],
)
def test_each_expansion_is_exact(name, call):
    x = np.array([[0.5, -1.0, 2.0], [300.0, 301.0, -3.0]])  # large entries test stability
    one = adcore.trace(call, x, grad=True)
    parts = adcore.trace(call, x, grad=True, expand=True)
    assert name in [n.primitive for n in one.ops]
    assert not set(EXPANSIONS) & {n.primitive for n in parts.ops}
    assert np.isfinite(parts.value) and np.all(np.isfinite(parts.grads[0]))
    np.testing.assert_allclose(parts.value, one.value, rtol=1e-12)
    np.testing.assert_allclose(parts.grads[0], one.grads[0], rtol=1e-9, atol=1e-12)


def test_expand_a_chosen_composite_only():
    f = lambda x: anp.sum(anp.softmax(x)) + anp.sum(anp.sigmoid(x))
    g = adcore.trace(f, np.ones(3), expand={"sigmoid"})
    names = [n.primitive for n in g.ops]
    assert "softmax" in names and "sigmoid" not in names and "exp" in names


def test_an_expansion_may_use_another_composite(monkeypatch):
    # softplus(x) = -log(sigmoid(-x)): the inner sigmoid expands too, each node in one group
    monkeypatch.setitem(EXPANSIONS, "softplus", lambda x: -anp.log(anp.sigmoid(-x)))
    g = adcore.trace(lambda x: anp.sum(anp.softplus(x)), np.array([-1.0, 0.5]), expand=True)
    assert [name for name, _ in g.groups] == ["sigmoid", "softplus"]
    inner, outer = (set(members) for _, members in g.groups)
    assert not inner & outer
    assert [g.nodes[i].primitive for i in sorted(outer)] == ["negative", "log", "negative"]
    np.testing.assert_allclose(g.value, np.sum(np.logaddexp(0.0, [-1.0, 0.5])), rtol=1e-12)
    assert g.to_dot().count("subgraph cluster_") == 2


def test_nested_transform_inside_the_traced_function():
    # the inner grad's rules run on traced values, so they are gates too
    g = adcore.trace(lambda x: adcore.grad(lambda y: y**3)(x), 2.0, grad=True)
    assert float(g.value) == 12.0 and float(g.grads[0]) == 12.0


def test_several_outputs_and_a_given_cotangent():
    g = adcore.trace(lambda x, y: (x * y, x + y), 2.0, 3.0)
    assert len(g.outputs) == 2 and [float(v) for v in g.value] == [6.0, 5.0]
    g.backward()
    assert [float(v) for v in g.grads] == [4.0, 3.0]
    g.backward((2.0, 0.0))
    assert [float(v) for v in g.grads] == [6.0, 4.0]


def test_bad_input_is_named():
    with pytest.raises(TypeError, match="'flag'"):
        adcore.trace(lambda x, flag: x * flag, 1.0, np.array([True]))
    with pytest.raises(ValueError, match="output 0 .* does not depend"):
        adcore.trace(lambda x: 3.0, 1.0)
    with pytest.raises(ValueError, match="no expansion for \\['tanh'\\]"):
        adcore.trace(anp.tanh, 1.0, expand={"tanh"})
    g = adcore.trace(lambda x: x * 2.0, np.ones(3))
    with pytest.raises(ValueError, match="shape \\(2,\\) but output 0 has shape \\(3,\\)"):
        g.backward(np.ones(2))
    with pytest.raises(ValueError, match="direction for input 'x' has shape"):
        g.tangents([np.ones(4)])
    with pytest.raises(KeyError, match="no node named 'nope'"):
        g.node("nope")
    assert adcore.trace(lambda k: k * 1.5, 2).node("k").value.dtype == np.float64


def test_label_outside_a_trace_does_nothing():
    x = np.ones(2)
    assert label(x, "x") is x


# -- the table ---------------------------------------------------------------


def test_table_has_primal_tangent_and_adjoint_columns():
    g = adcore.trace(add_mul, -2.0, 5.0, -4.0)
    text = str(g.table())  # runs backward itself
    rows = {line.split()[0]: line.split() for line in text.splitlines() if line[:1] == "v"}
    assert rows["v₋₂"][-3:] == ["-2.00", "1.00", "-4.00"]  # x: x-dot = 1 by default
    assert rows["v₁"][1:5] == ["=", "v₋₂", "+", "v₋₁"] and rows["v₁"][-3:] == [
        "3.00",
        "1.00",
        "-4.00",
    ]
    assert rows["v₂"][-3:] == ["-12.00", "-4.00", "1.00"]
    text = str(g.table(direction={"z": 1.0}))
    rows = {line.split()[0]: line.split() for line in text.splitlines() if line[:1] == "v"}
    assert rows["v₂"][-2] == "3.00" and rows["v₁"][-2] == "0.00"  # df/dz along z
    assert repr(g.table()) == str(g.table())


def test_table_writes_constants_inline():
    text = str(adcore.trace(neuron, *NEURON_ARGS, expand=True).table())
    assert re.search(r"= 1 / v₇ +0\.73 ", text) and re.search(r"= -v₄ ", text)


# -- the drawing -------------------------------------------------------------


def test_dot_labels_values_green_above_gradients_red_below():
    g = adcore.trace(add_mul, -2.0, 5.0, -4.0, grad=True)
    text = g.to_dot()
    assert "rankdir=LR" in text and "rank=source; in0 -> in1 -> in2" in text
    green, red = trace_dot.GREEN, trace_dot.RED
    assert wire(text, 0) == [(green, "-2.00"), (red, "-4.00")]
    assert wire(text, 3) == [("black", "q"), (green, "3.00"), (red, "-4.00")]
    assert wire(text, 4) == [(green, "-12.00"), (red, "1.00")]
    assert 'g3 [label="+"' in text and 'g4 [label="*"' in text
    assert "w3:line:e -> g4" in text and 'out0 [label="f"' in text
    # before backward there is a value but no gradient
    bare = adcore.trace(add_mul, -2.0, 5.0, -4.0).to_dot()
    assert wire(bare, 4) == [(green, "-12.00"), (red, "&#160;")]


def test_dot_folds_constants_like_the_notes():
    text = adcore.trace(neuron, *NEURON_ARGS, grad=True, expand=True).to_dot()
    for gate in ("*-1", "exp", "+1", "1/x"):
        assert f'[label="{gate}"' in text
    assert "cluster_0" in text and 'label="sigmoid"' in text
    text = adcore.trace(add_mul_max, 3.0, -4.0, 2.0, -1.0).to_dot()
    assert '[label="*2"' in text and '[label="max"' in text
    unfolded = adcore.trace(add_mul_max, 3.0, -4.0, 2.0, -1.0).to_dot(fold_constants=False)
    assert '[label="*"' in unfolded and re.search(r'c\d+ \[label="2.00"', unfolded)


def test_dot_summarises_arrays():
    g = adcore.trace(lambda W, x: anp.sum(W @ x), np.arange(6.0).reshape(2, 3), np.ones(3))
    text = g.to_dot()
    assert "(2, 3) [0.00 … 5.00]" in text and "(3,) [1.00, 1.00, 1.00]" in text
    assert "(2,) [3.00, 12.00]" in text


def test_render_without_graphviz_says_what_to_install(monkeypatch, tmp_path):
    g = adcore.trace(add_mul, -2.0, 5.0, -4.0)
    monkeypatch.setattr(trace_dot.shutil, "which", lambda name: None)
    with pytest.raises(GraphvizMissing, match="apt-get install graphviz.*pip install graphviz"):
        g.render(tmp_path / "c.svg")
    monkeypatch.setitem(sys.modules, "graphviz", None)  # the python package missing
    with pytest.raises(GraphvizMissing, match="pip install graphviz"):
        g.render(tmp_path / "c.png")
    with pytest.raises(ValueError, match="extension"):
        g.render(tmp_path / "c.jpeg")
    assert not list(tmp_path.iterdir())


@needs_graphviz
def test_render_svg_and_png(tmp_path):
    g = adcore.trace(add_mul, -2.0, 5.0, -4.0, grad=True)
    svg = g.render(tmp_path / "circuit.svg")
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    texts = [t.text for t in root.iter() if t.tag.endswith("text")]
    for number in ("-2.00", "-4.00", "3.00", "-12.00", "1.00", "q", "f"):
        assert number in texts
    png = g.render(tmp_path / "circuit.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width > 2 * height > 100  # laid out left to right
    assert g._repr_svg_().lstrip().startswith("<?xml")


@needs_graphviz
def test_the_readme_script_reproduces_the_notes(tmp_path):
    path = Path(__file__).resolve().parent.parent / "scripts" / "draw_circuits.py"
    spec = importlib.util.spec_from_file_location("draw_circuits", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--out", str(tmp_path), "--formats", "svg"]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [f"{c[0]}.svg" for c in sorted(module.CIRCUITS)]
    # and the check catches a wrong figure
    name, f, inputs, expand, expected = module.CIRCUITS[0]
    g = adcore.trace(f, *inputs.values(), grad=True)
    assert module.check(name, g, {**expected, "x": (-2, 4)})
