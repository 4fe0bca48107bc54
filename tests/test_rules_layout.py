"""The rule modules' import graph: declare.py needs the core only, and no two
rule families import each other (directly or around a cycle)."""

import ast
import pathlib

RULES = pathlib.Path(__file__).resolve().parents[1] / "adcore" / "rules"


def _rule_imports(path):
    """The adcore modules a file imports (module names, e.g. 'adcore.rules.shape')."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("adcore"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("adcore"):
            if node.module == "adcore.rules":  # from adcore.rules import shape
                out.update(f"adcore.rules.{a.name}" for a in node.names)
            else:
                out.add(node.module)
    return out


def _graph():
    return {
        f"adcore.rules.{p.stem}": {m for m in _rule_imports(p) if m.startswith("adcore.rules.")}
        for p in RULES.glob("*.py")
        if p.stem != "__init__"
    }


def test_declare_depends_on_the_core_only():
    imports = _rule_imports(RULES / "declare.py")
    assert imports <= {"adcore.core"}, imports


def test_rule_modules_import_without_cycles():
    graph = _graph()
    done, active = set(), []

    def visit(m):
        if m in active:
            raise AssertionError(f"import cycle: {' -> '.join(active[active.index(m) :] + [m])}")
        if m in done:
            return
        active.append(m)
        for n in sorted(graph.get(m, ())):
            visit(n)
        active.pop()
        done.add(m)

    for m in sorted(graph):
        visit(m)
