"""Recording: run a function once under an outermost tag and write down every
numpy-level operation on values derived from its inputs, as a flat program.

Two kinds of value carry a *slot* (an index into the program's variables):

* ``RecordedValue``, the recording tag's traced value.  A primitive that
  reaches the recording tag (every inner transform has unwrapped its own
  level, so this is also how the derivative computation arrives) is recorded
  as ``impl(*args)`` on slots and constants.
* ``Escaped`` (``watched.py``), what ``getval`` (or ``.primal``) of a recorded
  value returns: the plain number, watched, so that whatever a rule does with
  it is recorded or guarded.

Constants are copied when captured; whatever cannot be recorded (an in-place
write into a recorded array, a value of an older transform closed over) raises
``Unrecordable`` and the caller runs the function eagerly instead.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from adcore.core import Tag, Traced

from .guards import Guard
from .watched import Escaped, escaped_in


class Unrecordable(Exception):
    """The function does something a flat program cannot replay; run it eagerly."""


class Ref(NamedTuple):
    """A reference to a program variable (slot) inside an operation's arguments."""

    slot: int


class Op(NamedTuple):
    """One recorded call ``fn(*args, **kwargs)`` whose result is variable ``out``."""

    fn: Any
    args: tuple
    kwargs: dict
    out: int
    name: str


class Recording:
    """The program being written: variables seen so far, and the steps (ops and guards)."""

    def __init__(self):
        self.values = []  # slot -> the value it held while recording
        self.steps = []  # Op and Guard, in execution order
        self.live = True
        self.unrecordable = None  # why not, once something could not be recorded
        # id -> (array, the copy the program uses): a constant is copied when captured, so
        # a later in-place write into it (a buffer the function reuses) cannot reach the
        # program; captured again unchanged, the same copy serves
        self.constants = {}
        # id -> (array, slot): plain arrays a recorded value was written into in place;
        # from then on the array is that program variable
        self.aliases = {}

    def fail(self, reason):
        """The ``Unrecordable`` to raise; remembered even if the function catches it."""
        self.unrecordable = reason
        return Unrecordable(reason)

    def new_slot(self, value):
        """A fresh variable holding ``value``."""
        self.values.append(value)
        return len(self.values) - 1

    def template(self, x):
        """(template, plain): ``x`` with recorded values as ``Ref`` and as their numbers."""
        t = type(x)
        if t is RecordedValue or t is Escaped:
            if x.recording is not self:
                raise self.fail("a value of another (finished) recording was used")
            return Ref(x.slot), x.value
        if t is np.ndarray:
            alias = self.aliases.get(id(x))
            if alias is not None and alias[0] is x:
                return Ref(alias[1]), x
            return self.constant(x), x
        if isinstance(x, Traced):
            raise self.fail(
                f"a value traced by an enclosing {x.tag.transform}() reached the compiled "
                "function through a closure"
            )
        # containers are rebuilt when an element's template differs from it (a slot, or
        # the program's copy of a constant array)
        if t is tuple or t is list:
            pairs = [self.template(e) for e in x]
            if any(p[0] is not e for p, e in zip(pairs, x)):
                return t(p[0] for p in pairs), t(p[1] for p in pairs)
            return x, x
        if t is dict:
            pairs = {k: self.template(v) for k, v in x.items()}
            if any(p[0] is not x[k] for k, p in pairs.items()):
                return {k: p[0] for k, p in pairs.items()}, {k: p[1] for k, p in pairs.items()}
            return x, x
        if t is slice:
            parts = [self.template(e) for e in (x.start, x.stop, x.step)]
            if any(_has_ref(p[0]) for p in parts):
                return _SliceOf(*(p[0] for p in parts)), slice(*(p[1] for p in parts))
        return x, x

    def constant(self, array):
        """The copy of ``array`` the program holds (see ``constants``)."""
        if not array.flags.writeable:
            return array
        seen = self.constants.get(id(array))
        if seen is not None and seen[0] is array and _same_array(seen[1], array):
            return seen[1]
        copy = array.copy()
        self.constants[id(array)] = (array, copy)
        return copy

    def write(self, ufunc, method, inputs, kwargs):
        """``ufunc`` writing a recorded value into a plain array in place (``np.add.at(z,
        i, g)``, ``mask &= c``): recorded as a copy-and-write, the array becomes its slot,
        and a value guard holds its content (plain reads of it cannot be seen)."""
        target = inputs[0] if method == "at" else kwargs["out"][0]
        if type(target) is not np.ndarray or (method != "at" and len(kwargs["out"]) != 1):
            raise self.fail(f"in-place numpy call {ufunc.__name__}.{method} on a recorded value")
        kwargs = {k: v for k, v in kwargs.items() if k != "out"}
        targs, pargs = self.template((target, *inputs))
        tkw, pkw = self.template(kwargs) if kwargs else ({}, {})
        result = getattr(ufunc, method)(
            *pargs[1:], **pkw, **({} if method == "at" else {"out": target})
        )
        slot = self.new_slot(target)
        self.steps.append(
            Op(_written(ufunc, method), targs, tkw, slot, f"{ufunc.__name__}.{method}")
        )
        self.aliases[id(target)] = (target, slot)
        # numpy reads the plain array from now on without asking us (np.asarray(target)
        # makes a mask of it), so the program holds only while its content is the same
        self.guard("value", slot, target.copy())
        return target if method != "at" else result

    def call(self, fn, args, kwargs, name, shape_guard=False):
        """Run ``fn`` on the plain values of ``args`` and record it; ``(slot, result)``."""
        if not self.live:
            raise self.fail("a value of a finished recording was used")
        targs, pargs = self.template(tuple(args))
        tkw, pkw = self.template(kwargs) if kwargs else ({}, {})
        result = fn(*pargs, **pkw)
        slot = self.new_slot(result)
        self.steps.append(Op(fn, targs, tkw, slot, name))
        if shape_guard:
            self.guard("shape", slot, np.shape(result))
        return slot, result

    def guard(self, kind, slot, expected):
        """Note that the program is only valid while ``slot`` keeps this property."""
        if not self.live:
            raise self.fail("a value of a finished recording was used")
        self.steps.append(Guard(kind, slot, expected))


def _same_array(a, b):
    return (
        a.shape == b.shape
        and a.dtype == b.dtype
        and bool(np.array_equal(a, b, a.dtype.kind in "fc"))
    )


def _written(ufunc, method):
    """The pure form of an in-place ufunc call: copy the target, write into the copy."""
    key = (ufunc, method)
    fn = _WRITTEN.get(key)
    if fn is None:
        call = getattr(ufunc, method)
        if method == "at":

            def fn(target, *args, **kwargs):
                out = target.copy()
                call(out, *args[1:], **kwargs)
                return out

        else:

            def fn(target, *args, **kwargs):
                out = target.copy()
                call(*args, out=out, **kwargs)
                return out

        fn.__name__ = fn.__qualname__ = f"{ufunc.__name__}_{method}_into_copy"
        _WRITTEN[key] = fn
    return fn


_WRITTEN = {}


class _SliceOf(NamedTuple):
    """A slice whose bounds are program variables (rebuilt on replay)."""

    start: Any
    stop: Any
    step: Any


def _has_ref(t):
    tt = type(t)
    if tt is Ref or tt is _SliceOf:
        return True
    if tt is tuple or tt is list:
        return any(_has_ref(e) for e in t)
    if tt is dict:
        return any(_has_ref(e) for e in t.values())
    return False


def refs_in(t, into):
    """Add the slots ``Ref``-ed anywhere in template ``t`` to the set ``into``; return it."""
    tt = type(t)
    if tt is Ref:
        into.add(t.slot)
    elif tt is _SliceOf or tt is tuple or tt is list:
        for e in t:
            refs_in(e, into)
    elif tt is dict:
        for e in t.values():
            refs_in(e, into)
    return into


class RecordingTag(Tag):
    """The outermost tag of ``adcore.compile``: records each primitive that reaches it."""

    __slots__ = ("recording",)

    def __init__(self, recording):
        Tag.__init__(self, "compile")
        self.recording = recording

    def input(self, value):
        """Wrap an input of the compiled function as a recorded value in a new slot."""
        return RecordedValue(value, self, self.recording.new_slot(value))

    def process(self, prim, args, kwargs):
        """Record ``prim.impl`` on the arguments' slots; the result is a recorded value."""
        if not self.alive:
            raise self.dead_error()
        # a user's primitive may compute anything, its output shape included; so may any
        # primitive given a number read from the data (x[argmax(x)], a mask)
        data_args = any(type(a) is Escaped or escaped_in(a) for a in args) or any(
            type(v) is Escaped or escaped_in(v) for v in kwargs.values()
        )
        slot, ans = self.recording.call(
            prim.impl, args, kwargs, prim.name, shape_guard=data_args or prim.family == "user"
        )
        return RecordedValue(ans, self, slot)


_value_of = Traced.primal.__get__  # the primal slot itself, under the property below
_set_value = Traced.primal.__set__


class RecordedValue(Traced):
    """A value of the recording tag: the number it holds while recording, and its slot."""

    __slots__ = ("slot",)

    def __init__(self, value, tag, slot):
        _set_value(self, value)
        self.tag = tag
        self.slot = slot

    @property
    def primal(self):
        """One level down is the plain number; it is handed out as an ``Escaped``."""
        return Escaped(self.tag.recording, self.slot, _value_of(self))

    @property
    def value(self):
        """The number this value holds while recording."""
        return _value_of(self)

    @property
    def recording(self):
        """The recording this value belongs to."""
        return self.tag.recording

    @property
    def shape(self):
        """The value's shape (fixed by the cache key)."""
        return np.shape(_value_of(self))

    @property
    def dtype(self):
        """The value's dtype (fixed by the cache key)."""
        return np.result_type(_value_of(self))
