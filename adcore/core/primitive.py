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

Internally there is one form per kind: ``prim.jvps[i]`` and ``prim.vjps[i]``
are both ``rule(g, ans, *args, **kwargs)``; ``defvjp`` wraps a maker into it
(a wrapper named ``<primitive>_vjp_arg<i>``, so tracebacks say whose rule ran),
``defvjp_direct`` registers that form as it is.  A primitive taking any number
of arguments (concatenate, einsum, a checkpointed block) registers a *rule
factory* per kind instead, ``factory(i) -> rule or None``, asked once per
argument position (``prim.rule(kind, i)``).

Rules are written with adcore operations, so they are differentiable
themselves and any nesting order works without extra code.

A rule is *batched* when it also accepts a tangent (cotangent) with leading
batch axes; built-in rules are, and infer the number of batch axes from
``ndim(g) - ndim(arg)`` (``ndim(g) - ndim(ans)`` in reverse).  For rules that
are not, the traces loop over the batch axis (``registry()`` tells which).
"""

from __future__ import annotations

import inspect
import threading
import weakref
from collections.abc import Callable
from typing import Any

from . import hooks
from .tracer import Traced

# Marks an argument position that is never differentiated (indices, masks).
NONDIFF = "nondiff"

_CLASS_DOC = """A differentiable function: a numpy implementation and its derivative rules.

Make one with ``adcore.primitive`` and give it rules with ``adcore.defjvp`` and
``adcore.defvjp``; ``help()`` of a primitive shows its own signature and doc.
"""


class _Doc:
    """``Primitive.__doc__``: the class's doc on the class, each primitive's own on it."""

    def __get__(self, prim, cls=None):
        if prim is None:
            return _CLASS_DOC
        return prim.describe()


class _Signature:
    """``Primitive.__signature__``: the impl's on a primitive; none on the class itself."""

    def __get__(self, prim, cls=None):
        return None if prim is None else prim._signature


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
        "jvp_factory",
        "vjp_factory",
        "jvp_batched",
        "vjp_batched",
        "family",
        "variants",
        "meta",
        "key",
        "checked",
        "_signature",
        "__weakref__",
    )
    __doc__ = _Doc()
    __signature__ = _Signature()

    def __init__(
        self,
        impl: Callable[..., Any],
        name: str | None = None,
        family: str = "user",
        register: bool = True,
    ):
        self.name = name or impl.__name__
        self.impl = impl
        self.jvps = {}  # argnum -> rule(g, ans, *args, **kwargs) or NONDIFF
        self.vjps = {}  # argnum -> rule(g, ans, *args, **kwargs) -> cotangent, or NONDIFF
        self.jvp_factory = None  # argnum -> rule, for primitives of any arity
        self.vjp_factory = None
        self.jvp_batched = True
        self.vjp_batched = True
        self.family = family
        self.variants = {}  # extra rule kinds attached later: "jitted", "taylor", ...
        self.meta = {}  # hints for the registry-driven tests: arity, domain, ...
        try:
            self._signature = inspect.signature(impl)
        except (TypeError, ValueError):  # some builtins and ufuncs have none
            self._signature = inspect.Signature(
                [inspect.Parameter("args", inspect.Parameter.VAR_POSITIONAL)]
            )
        self.key = self.name
        # users' rules have their output shapes checked on every call (see debug.py)
        self.checked = family == "user"
        if register:  # per-call primitives (checkpointed blocks) stay out of the registry
            self.key = _register(self)

    def __call__(self, *args, **kwargs):
        """Run ``impl`` on plain values; else hand the call to the newest tag among the args."""
        top = None
        for a in args:
            if isinstance(a, Traced):
                tag = a.tag
                if top is None or tag.level > top.level:
                    top = tag
        if top is None:
            try:
                return self.impl(*args, **kwargs)
            except TypeError:
                # a list of traced values where numpy takes an array (anp.sin([x, y])):
                # numpy refused to convert it; stack it and call again
                stacked = hooks.as_array(args, kwargs)
                if stacked is None:
                    raise
                return self(*stacked[0], **stacked[1])
        return top.process(self, args, kwargs)

    def rule(self, kind: str, argnum: int):
        """The ``kind`` ("jvp" or "vjp") rule for ``argnum``, NONDIFF, or None if there is none."""
        table = self.jvps if kind == "jvp" else self.vjps
        rule = table.get(argnum)
        if rule is None:
            factory = self.jvp_factory if kind == "jvp" else self.vjp_factory
            if factory is not None:
                rule = factory(argnum)
                if rule is not None:
                    if rule is not NONDIFF:  # a fresh closure: say whose rule it is
                        _rename(rule, f"{self.name}_{kind}_arg{argnum}")
                    table[argnum] = rule  # made once per position
        return rule

    def has_rules(self, kind: str) -> bool:
        """Whether any argument has a ``kind`` rule, registered or made on demand."""
        if kind == "jvp":
            return bool(self.jvps) or self.jvp_factory is not None
        return bool(self.vjps) or self.vjp_factory is not None

    def missing(self, mode, argnum):
        """The error for a rule that was never registered: names the primitive and the fix."""
        return NotImplementedError(
            f"primitive '{self.name}' has no {mode.upper()} rule for argument {argnum}; "
            f"register one with adcore.def{mode}({self.name}, ...)"
        )

    def describe(self) -> str:
        """The primitive's help text: signature, what it has rules for, and its impl's doc."""

        def which(kind):
            if not self.has_rules(kind):
                return "none"
            table = self.jvps if kind == "jvp" else self.vjps
            if (self.jvp_factory if kind == "jvp" else self.vjp_factory) is not None:
                return "every argument"
            args = [str(i) for i, r in sorted(table.items()) if r is not NONDIFF]
            return "argument " + ", ".join(args) if args else "none (not differentiable)"

        head = (
            f"{self.name}{self.__signature__}\n\nadcore primitive '{self.key}' "
            f"(family {self.family}); JVP rules: {which('jvp')}; VJP rules: {which('vjp')}."
        )
        doc = inspect.cleandoc(getattr(self.impl, "__doc__", None) or "")
        return head + ("\n\n" + doc if doc else "")

    def __repr__(self):
        return f"<primitive {self.key}>"


# registry key -> primitive.  A primitive is identified by the object, never by
# its name: a user's ``@primitive def sigmoid`` is a different primitive from the
# built-in one and must not replace it (adcore_jit would then swap the built-in's
# kernel into the user's function).  The first primitive of a name keeps the plain
# name (the built-ins register first, when adcore is imported); a later one is
# listed qualified by its module, ``mymodule.sigmoid``.  Weak values: a primitive
# made inside a function (a test, a loop) leaves the registry when it is dropped.
_REGISTRY = weakref.WeakValueDictionary()
_REGISTRY_LOCK = threading.Lock()
_REGISTRATIONS = [0]  # how many primitives were ever registered: a cache key for scanners


def _register(prim):
    with _REGISTRY_LOCK:
        key = prim.name
        if key in _REGISTRY:
            module = getattr(prim.impl, "__module__", None) or "<unknown>"
            key = base = f"{module}.{prim.name}"
            n = 2
            while key in _REGISTRY:
                key, n = f"{base}#{n}", n + 1
        _REGISTRY[key] = prim
        _REGISTRATIONS[0] += 1
        return key


def primitive(
    fn: Callable[..., Any] | None = None, *, name: str | None = None, family: str = "user"
):
    """Make a numpy function a primitive: ``@primitive`` or ``primitive(fn, name=...)``.

    The primitive runs ``fn`` on plain values; on traced values it applies the
    rules registered with ``defjvp`` / ``defvjp``.  A name that another
    primitive already has is registered as ``module.name`` (see ``registry()``).
    """
    if fn is None:
        return lambda f: Primitive(f, name=name, family=family)
    return Primitive(fn, name=name, family=family)


def _argnums(rules, argnums):
    return range(len(rules)) if argnums is None else argnums


def _rename(fn, name):
    """Name a function (and its code object: tracebacks read ``co_name``)."""
    fn.__name__ = fn.__qualname__ = name
    code = getattr(fn, "__code__", None)
    if code is not None:
        replace = {"co_name": name}
        if hasattr(code, "co_qualname"):  # Python 3.11+
            replace["co_qualname"] = name
        fn.__code__ = code.replace(**replace)
    return fn


def _named(rule, prim, kind, argnum):
    """Give an anonymous rule its primitive's name, so a traceback says whose rule ran."""
    if getattr(rule, "__name__", None) == "<lambda>":
        _rename(rule, f"{prim.name}_{kind}_arg{argnum}")
    return rule


def defjvp(
    prim: Primitive,
    *rules: Callable[..., Any] | str | None,
    argnums: tuple[int, ...] | None = None,
    batched: bool = False,
) -> Primitive:
    """Register JVP rules ``rule(g, ans, *args, **kwargs)``, one per positional argument.

    ``None`` skips a position (no rule); ``NONDIFF`` marks it non-differentiable.
    ``batched=True`` promises the rules accept tangents with leading batch axes.
    """
    for i, rule in zip(_argnums(rules, argnums), rules):
        if rule is not None:
            prim.jvps[i] = rule if rule is NONDIFF else _named(rule, prim, "jvp", i)
    prim.jvp_batched = batched
    return prim


def _maker_to_vjp(maker, prim, argnum):
    def vjp(g, ans, *args, **kwargs):
        return maker(ans, *args, **kwargs)(g)

    _rename(vjp, f"{prim.name}_vjp_arg{argnum}")
    vjp.maker = maker  # the rule as registered, for introspection
    return vjp


def defvjp(
    prim: Primitive,
    *makers: Callable[..., Any] | str | None,
    argnums: tuple[int, ...] | None = None,
    batched: bool = False,
) -> Primitive:
    """Register VJP makers ``maker(ans, *args, **kwargs) -> pullback(g)``, one per argument.

    ``None`` skips a position; ``NONDIFF`` marks it non-differentiable.
    ``batched=True`` promises the pullbacks accept cotangents with leading batch axes.
    """
    for i, maker in zip(_argnums(makers, argnums), makers):
        if maker is None:
            continue
        prim.vjps[i] = NONDIFF if maker is NONDIFF else _maker_to_vjp(maker, prim, i)
    prim.vjp_batched = batched
    return prim


def defvjp_direct(
    prim: Primitive,
    *fns: Callable[..., Any] | str | None,
    argnums: tuple[int, ...] | None = None,
    batched: bool = True,
) -> Primitive:
    """Register reverse rules in the one-call form ``fn(g, ans, *args, **kwargs)``.

    Equivalent to ``defvjp`` with a maker returning a pullback, minus a closure
    per recorded operation; the built-in rules use it on the hot path.
    """
    for i, fn in zip(_argnums(fns, argnums), fns):
        if fn is not None:
            prim.vjps[i] = fn if fn is NONDIFF else _named(fn, prim, "vjp", i)
    prim.vjp_batched = batched
    return prim


def defrule_factories(
    prim: Primitive,
    jvp: Callable[[int], Any] | None = None,
    vjp: Callable[[int], Any] | None = None,
) -> Primitive:
    """Rules for a primitive of any arity: ``jvp(i)`` / ``vjp(i)`` make argument i's rule
    (in the one-call form; None where there is none) the first time it is needed.

    Each call should return a new function: it is renamed ``<prim>_<kind>_arg<i>``.
    """
    prim.jvp_factory, prim.vjp_factory = jvp, vjp
    return prim


def registry() -> dict[str, dict[str, Any]]:
    """Every primitive and its rule kinds: {name: {jvp, vjp, batched, jitted, ...}}.

    A primitive whose name an earlier one already has is listed as
    ``module.name`` (e.g. ``__main__.sigmoid`` next to the built-in ``sigmoid``).
    """
    table = {}
    for name, p in sorted(all_primitives().items()):
        table[name] = {
            "family": p.family,
            "jvp": p.has_rules("jvp"),
            "vjp": p.has_rules("vjp"),
            "batched": p.jvp_batched and p.vjp_batched,
            "jitted": "jitted" in p.variants,
            **{k: True for k in p.variants if k != "jitted"},
        }
    return table


def get_primitive(key: str) -> Primitive:
    """The primitive registered under ``key`` (a name, or ``module.name`` for a duplicate)."""
    return _REGISTRY[key]


def registrations() -> int:
    """How many primitives have ever been registered: when it has not changed, no new
    primitive appeared (code that attaches variants to all of them can skip its scan)."""
    return _REGISTRATIONS[0]


def all_primitives() -> dict[str, Primitive]:
    """{registry key: primitive} for every live registered primitive."""
    with _REGISTRY_LOCK:
        return dict(_REGISTRY)
