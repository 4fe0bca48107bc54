"""Pytrees: arrays and scalars nested in tuples, lists, dicts and namedtuples.

``tree_flatten`` returns the leaves in a fixed order and a ``TreeDef`` that
rebuilds the same structure from new leaves.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class TreeDef:
    """The structure of a pytree without its leaves: container type, dict keys, children.

    Equal structures compare equal, which is how transforms check that a
    tangent or cotangent matches its primal; ``str`` shows it compactly.
    """

    kind: object  # None for a leaf, else the container type
    keys: tuple = ()  # dict keys in order
    children: tuple = ()

    @property
    def num_leaves(self):
        """How many leaves a tree of this structure holds."""
        if self.kind is None:
            return 1
        return sum(c.num_leaves for c in self.children)

    def __str__(self):
        if self.kind is None:
            return "*"
        inner = ", ".join(str(c) for c in self.children)
        if self.kind is dict:
            inner = ", ".join(f"{k!r}: {c}" for k, c in zip(self.keys, self.children))
            return "{" + inner + "}"
        return f"{self.kind.__name__}({inner})"


LEAF = TreeDef(None)


def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def tree_flatten(tree):
    """The leaves of ``tree`` in a fixed order (dicts by key) and a ``TreeDef`` to rebuild it."""
    leaves = []
    treedef = _flatten(tree, leaves)
    return leaves, treedef


def _flatten(tree, leaves):
    t = type(tree)
    if t is tuple or t is list or _is_namedtuple(tree):
        return TreeDef(t, (), tuple(_flatten(c, leaves) for c in tree))
    if isinstance(tree, dict):
        keys = tuple(tree)
        return TreeDef(dict, keys, tuple(_flatten(tree[k], leaves) for k in keys))
    leaves.append(tree)
    return LEAF


def tree_unflatten(treedef, leaves):
    """The tree of structure ``treedef`` holding ``leaves`` in ``tree_flatten``'s order."""
    it = iter(leaves)
    out = _unflatten(treedef, it)
    return out


def _unflatten(td, it):
    if td.kind is None:
        return next(it)
    children = [_unflatten(c, it) for c in td.children]
    if td.kind is dict:
        return dict(zip(td.keys, children))
    if td.kind is tuple or td.kind is list:
        return td.kind(children)
    return td.kind(*children)  # namedtuple


def tree_map(fn, tree, *rest):
    """``fn`` applied leaf by leaf across trees of one structure (else ValueError)."""
    leaves, td = tree_flatten(tree)
    others = []
    for r in rest:
        rl, rtd = tree_flatten(r)
        if rtd != td:
            raise ValueError(f"pytree structures differ: {td} vs {rtd}")
        others.append(rl)
    return tree_unflatten(td, [fn(*xs) for xs in zip(leaves, *others)])
