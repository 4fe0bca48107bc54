"""docs/api.md is held to the code, so the reference cannot fall behind silently.

* every public name of ``adcore`` and ``adcore_jit`` is named in it;
* every signature it writes as ``adcore.name(...)`` (``adcore_jit.``, ``Graph.``)
  has exactly the function's parameters, kinds and defaults;
* the examples of its subgradient table give what the table says.
"""

import ast
import inspect
import re
import types
from pathlib import Path

import numpy as np
import pytest

import adcore
import adcore.numpy as anp
from adcore.trace import Graph
from adcore.transforms.modes import SPELLINGS

DOC = (Path(__file__).resolve().parents[1] / "docs" / "api.md").read_text(encoding="utf-8")


def public_names(module):
    """The names a user can reach: ``__all__``, which must cover every public attribute."""
    attrs = {
        n
        for n in dir(module)
        if not n.startswith("_") and not isinstance(getattr(module, n), types.ModuleType)
    }
    assert attrs <= set(module.__all__), (
        f"public but missing from __all__: {attrs - set(module.__all__)}"
    )
    return module.__all__


def written_signatures(prefix, name):
    """The parameter lists of every ``prefix.name(...)`` in the doc (balanced parentheses)."""
    found = []
    for m in re.finditer(rf"(?<![\w.]){re.escape(prefix)}\.{name}\(", DOC):
        depth, end = 1, m.end()
        while depth and end < len(DOC):
            depth += {"(": 1, ")": -1}.get(DOC[end], 0)
            end += 1
        found.append(DOC[m.end() : end - 1])
    return found


KINDS = {
    "posonlyargs": inspect.Parameter.POSITIONAL_ONLY,
    "args": inspect.Parameter.POSITIONAL_OR_KEYWORD,
    "vararg": inspect.Parameter.VAR_POSITIONAL,
    "kwonlyargs": inspect.Parameter.KEYWORD_ONLY,
    "kwarg": inspect.Parameter.VAR_KEYWORD,
}


def parse_parameters(text):
    """``"f, argnums=0, *, k=None"`` as [(name, kind, default)], or None if not a signature."""
    try:
        fn = ast.parse(f"def _({text}): pass").body[0]
    except SyntaxError:
        return None
    a = fn.args
    positional = a.posonlyargs + a.args
    defaults = [inspect.Parameter.empty] * (len(positional) - len(a.defaults)) + a.defaults
    params = []
    for arg, d in zip(positional, defaults):
        kind = KINDS["posonlyargs" if arg in a.posonlyargs else "args"]
        params.append((arg.arg, kind, d))
    if a.vararg:
        params.append((a.vararg.arg, KINDS["vararg"], inspect.Parameter.empty))
    for arg, d in zip(a.kwonlyargs, a.kw_defaults):
        params.append((arg.arg, KINDS["kwonlyargs"], inspect.Parameter.empty if d is None else d))
    if a.kwarg:
        params.append((a.kwarg.arg, KINDS["kwarg"], inspect.Parameter.empty))
    try:
        return [
            (n, k, d if d is inspect.Parameter.empty else ast.literal_eval(d)) for n, k, d in params
        ]
    except ValueError:  # a default that is not a literal: an example call, not a signature
        return None


def actual_parameters(obj, drop_self=False):
    params = list(inspect.signature(obj).parameters.values())
    if drop_self:
        params = params[1:]
    return [(p.name, p.kind, p.default) for p in params]


def check_documented_signature(prefix, name, obj, drop_self=False):
    want = actual_parameters(obj, drop_self)
    written = written_signatures(prefix, name)
    assert written, f"docs/api.md never writes the signature {prefix}.{name}(...)"
    parsed = [parse_parameters(w) for w in written]
    assert want in parsed, (
        f"docs/api.md writes {prefix}.{name} as {['(' + w + ')' for w in written]}, "
        f"but its signature is {inspect.signature(obj)}"
    )


def callables(module):
    for name in public_names(module):
        obj = getattr(module, name)
        if callable(obj) and not (isinstance(obj, type) and issubclass(obj, BaseException)):
            yield name, obj


@pytest.mark.parametrize("name", public_names(adcore))
def test_every_public_adcore_name_is_in_the_doc(name):
    assert f"adcore.{name}" in DOC, f"docs/api.md does not mention adcore.{name}"


@pytest.mark.parametrize("name, obj", list(callables(adcore)))
def test_every_adcore_signature_matches_the_code(name, obj):
    check_documented_signature("adcore", name, obj)


@pytest.mark.parametrize(
    "name", [n for n, v in vars(Graph).items() if not n.startswith("_") and inspect.isfunction(v)]
)
def test_graph_methods_match_the_code(name):
    check_documented_signature("Graph", name, getattr(Graph, name), drop_self=True)


def test_adcore_jit_names_and_signatures_are_in_the_doc():
    pytest.importorskip("numba")
    import adcore_jit

    for name in public_names(adcore_jit):
        assert f"adcore_jit.{name}" in DOC, f"docs/api.md does not mention adcore_jit.{name}"
    for name, obj in callables(adcore_jit):
        if not isinstance(obj, types.ModuleType):
            check_documented_signature("adcore_jit", name, obj)


def test_every_mode_name_is_in_the_doc():
    for mode in [*SPELLINGS, "auto", *adcore.HVP_MODES]:
        assert f'"{mode}"' in DOC, f'docs/api.md does not list the mode "{mode}"'


def test_signature_checker_catches_a_wrong_default_and_a_missing_parameter():
    def grad(f, argnums=0, has_aux=False):
        pass

    assert parse_parameters("f, argnums=0, has_aux=False") == actual_parameters(grad)
    assert parse_parameters("f, argnums=1, has_aux=False") != actual_parameters(grad)
    assert parse_parameters("f, argnums=0") != actual_parameters(grad)
    assert parse_parameters("f, *, argnums=0, has_aux=False") != actual_parameters(grad)
    assert parse_parameters("loss)(W, x") is None


# ---- the subgradient table is executable --------------------------------------


def subgradient_rows():
    section = DOC.split("## Subgradient conventions", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[2].startswith("`grad("):
            rows.append((cells[2].strip("`"), cells[3].strip("`")))
    return rows


def test_the_subgradient_table_has_its_examples():
    assert len(subgradient_rows()) >= 10


@pytest.mark.parametrize("example, gives", subgradient_rows())
@pytest.mark.parametrize("derivative", [adcore.grad, adcore.jacfwd], ids=["rev", "fwd"])
def test_subgradient_table_example(example, gives, derivative):
    # a scalar function's jacfwd is its gradient, computed in forward mode
    namespace = {"grad": derivative, "anp": anp, "np": np, "nan": np.nan}
    got = eval(example, namespace)
    want = eval(gives, namespace)
    np.testing.assert_array_equal(np.asarray(got, dtype=float), np.asarray(want, dtype=float))
