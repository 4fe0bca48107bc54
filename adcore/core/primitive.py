"""Primitives and the registry: one object per primitive holds its numpy
implementation and its derivative rules.

``Primitive.__call__`` is the single dispatch point of the whole engine:
with no traced argument it runs the numpy implementation; otherwise it hands
the call to the newest tag among the arguments (see ``tags.py``).

Rules, in the HIPS-autograd convention the SPEC fixes:

* JVP rule for positional argument i: ``rule(g, ans, *args, **kwargs)`` returns
  the output tangent contributed by the tangent ``g`` of argument i.
* VJP maker for argument i: ``maker(ans, *args, **kwargs)`` returns a
  *pullback* ``g -> cotangent of argument i``.

Rules are written with adcore operations, so they are differentiable
themselves and any nesting order works without extra code.

A rule is *batched* when it also accepts a tangent (cotangent) with leading
batch axes; built-in rules are, and infer the number of batch axes from
``ndim(g) - ndim(arg)`` (``ndim(g) - ndim(ans)`` in reverse).  For rules that
are not, the traces loop over the batch axis (``registry()`` tells which).
"""

from .tracer import Traced

# Marks an argument position that is never differentiated (indices, masks).
NONDIFF = "nondiff"


class Primitive:
    """One differentiable operation: its numpy implementation and its per-argument rules.

    ``jvps``/``vjps`` map an argument position to its rule (or ``NONDIFF``);
    ``variants`` holds extra kernels others attach (``adcore_jit``'s
    ``"jitted"``) and ``meta`` the hints the registry-driven tests read.
    """

    __slots__ = (
        "name",
        "impl",
        "jvps",
        "vjps",
        "vjp_makers",
        "jvp_batched",
        "vjp_batched",
        "family",
        "variants",
        "meta",
        "__weakref__",
    )

    def __init__(self, impl, name=None, family="user", register=True):
        self.name = name or impl.__name__
        self.impl = impl
        self.jvps = {}  # argnum -> rule(g, ans, *args, **kwargs) or NONDIFF
        self.vjps = {}  # argnum -> fn(g, ans, *args, **kwargs) -> cotangent, or NONDIFF
        self.vjp_makers = {}  # argnum -> the maker as registered (for introspection)
        self.jvp_batched = True
        self.vjp_batched = True
        self.family = family
        self.variants = {}  # extra rule kinds attached later: "jitted", "taylor", ...
        self.meta = {}  # hints for the registry-driven tests: arity, domain, ...
        if register:  # per-call primitives (checkpointed blocks) stay out of the registry
            _REGISTRY[self.name] = self

    def __call__(self, *args, **kwargs):
        """Run ``impl`` on plain values; else hand the call to the newest tag among the args."""
        top = None
        for a in args:
            if isinstance(a, Traced):
                tag = a.tag
                if top is None or tag.level > top.level:
                    top = tag
        if top is None:
            return self.impl(*args, **kwargs)
        return top.process(self, args, kwargs)

    def missing(self, mode, argnum):
        """The error for a rule that was never registered: names the primitive and the fix."""
        return NotImplementedError(
            f"primitive '{self.name}' has no {mode.upper()} rule for argument {argnum}; "
            f"register one with adcore.def{mode}({self.name}, ...)"
        )

    def __repr__(self):
        return f"<primitive {self.name}>"


_REGISTRY = {}


def primitive(fn=None, *, name=None, family="user"):
    """Make a numpy function a primitive: ``@primitive`` or ``primitive(fn, name=...)``."""
    if fn is None:
        return lambda f: Primitive(f, name=name, family=family)
    return Primitive(fn, name=name, family=family)


def _argnums(rules, argnums):
    return range(len(rules)) if argnums is None else argnums


def defjvp(prim, *rules, argnums=None, batched=False):
    """Register JVP rules ``rule(g, ans, *args, **kwargs)``, one per positional argument.

    ``None`` skips a position (no rule); ``NONDIFF`` marks it non-differentiable.
    ``batched=True`` promises the rules accept tangents with leading batch axes.
    """
    for i, rule in zip(_argnums(rules, argnums), rules):
        if rule is not None:
            prim.jvps[i] = rule
    prim.jvp_batched = batched
    return prim


def _maker_to_vjp(maker):
    def vjp(g, ans, *args, **kwargs):
        return maker(ans, *args, **kwargs)(g)

    vjp.__name__ = getattr(maker, "__name__", "vjp")
    return vjp


def defvjp(prim, *makers, argnums=None, batched=False):
    """Register VJP makers ``maker(ans, *args, **kwargs) -> pullback(g)``, one per argument."""
    for i, maker in zip(_argnums(makers, argnums), makers):
        if maker is None:
            continue
        prim.vjp_makers[i] = maker
        prim.vjps[i] = NONDIFF if maker is NONDIFF else _maker_to_vjp(maker)
    prim.vjp_batched = batched
    return prim


def defvjp_direct(prim, *fns, argnums=None, batched=True):
    """Register reverse rules in the one-call form ``fn(g, ans, *args, **kwargs)``.

    Equivalent to ``defvjp`` with a maker returning a pullback, minus a closure
    per recorded operation; the built-in rules use it on the hot path.
    """
    for i, fn in zip(_argnums(fns, argnums), fns):
        if fn is not None:
            prim.vjps[i] = fn
            prim.vjp_makers[i] = fn
    prim.vjp_batched = batched
    return prim


def registry():
    """Every primitive and its rule kinds: {name: {jvp, vjp, batched, jitted, ...}}."""
    table = {}
    for name, p in sorted(_REGISTRY.items()):
        table[name] = {
            "family": p.family,
            "jvp": bool(p.jvps),
            "vjp": bool(p.vjps),
            "batched": p.jvp_batched and p.vjp_batched,
            "jitted": "jitted" in p.variants,
            **{k: True for k in p.variants if k != "jitted"},
        }
    return table


def get_primitive(name):
    """The registered primitive called ``name`` (``KeyError`` if there is none)."""
    return _REGISTRY[name]


def all_primitives():
    """A copy of the registry, ``{name: Primitive}``, for ``adcore_jit`` and the tests to walk."""
    return dict(_REGISTRY)
