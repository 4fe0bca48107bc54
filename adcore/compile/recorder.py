"""Recording: run a function once under an outermost tag and write down every
numpy-level operation on values derived from its inputs, as a flat program.

Two kinds of value carry a *slot* (an index into the program's variables):

* ``RecordedValue``, the recording tag's traced value.  A primitive that
  reaches the recording tag (every inner transform has unwrapped its own
  level, so this is also how the derivative computation arrives) is recorded
  as ``impl(*args)`` on slots and constants.
* ``Escaped``, what ``getval`` (or ``.primal``) of a recorded value returns.
  Rules read plain values to build masks, signs and permutations
  (``mask(np.sign(getval(x)), x)``); an ``Escaped`` stands in for the number
  and sees every use numpy offers: ufuncs and numpy functions are recorded as
  operations, ``bool()`` records a *guard* on the outcome, and anything that
  takes the data out for good (``np.asarray``, ``float()``, ``.item()``)
  records a *value guard*: the replay computes that slot and re-records unless
  it equals the value the recording saw.  Nothing a rule reads can become a
  stale constant without a guard standing in front of it.

Whatever cannot be recorded (an in-place write into a recorded array, a
value of an older transform closed over) raises ``Unrecordable`` and the
caller runs the function eagerly instead.
"""

from __future__ import annotations

import numbers
import operator
from typing import Any, NamedTuple

import numpy as np

from adcore.core import Tag, Traced

# numpy functions that only read shapes and dtypes (which the cache key fixes)
_METADATA_FUNCTIONS = {
    np.result_type,
    np.shape,
    np.ndim,
    np.size,
    np.iscomplexobj,
    np.isrealobj,
}
_INPLACE_FUNCTIONS = {
    np.copyto,
    np.put,
    np.place,
    np.putmask,
    np.fill_diagonal,
    np.put_along_axis,
}
_INPLACE_METHODS = {
    "fill",
    "sort",
    "partition",
    "resize",
    "put",
    "itemset",
    "setflags",
    "setfield",
    "byteswap",
}


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


class Guard(NamedTuple):
    """A fact about variable ``slot`` the recording relied on (``kind``: bool, value, shape)."""

    kind: str
    slot: int
    expected: Any


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
        data_args = any(type(a) is Escaped or _escaped_in(a) for a in args) or any(
            type(v) is Escaped or _escaped_in(v) for v in kwargs.values()
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


def _escaped_in(x):
    if type(x) is tuple or type(x) is list:
        return any(type(e) is Escaped or _escaped_in(e) for e in x)
    return False


def _is_traced_tree(x):
    if isinstance(x, Traced):
        return True
    if type(x) in (tuple, list):
        return any(_is_traced_tree(e) for e in x)
    if type(x) is dict:
        return any(_is_traced_tree(e) for e in x.values())
    return False


def _wrap(recording, slot, result):
    """What a recorded numpy operation hands back: arrays and numbers stay tracked."""
    if isinstance(result, (np.ndarray, np.generic)):
        return Escaped(recording, slot, result)
    if type(result) in (tuple, list) or (isinstance(result, tuple) and hasattr(result, "_fields")):
        items = []
        for i in range(len(result)):
            s, r = recording.call(operator.getitem, (Escaped(recording, slot, result), i), {}, "[]")
            items.append(_wrap(recording, s, r))
        return type(result)(*items) if hasattr(result, "_fields") else type(result)(items)
    # a Python object (an int, a list ...): the program may rely on it only as it was
    recording.guard("value", slot, _frozen(result))
    return result


def _frozen(value):
    """A copy of ``value`` that later in-place writes cannot change."""
    return value.copy() if isinstance(value, np.ndarray) else value


def _guard_shapes(recording, wrapped):
    """Shape guards on results whose shape depends on the data (``np.nonzero``)."""
    for w in wrapped if isinstance(wrapped, tuple) else (wrapped,):
        if type(w) is Escaped:
            recording.guard("shape", w.slot, np.shape(w.value))


def _check_index_shape(index):
    """Whether indexing with ``index`` can give a data-dependent shape (a boolean mask)."""
    items = index if type(index) is tuple else (index,)
    return any(type(i) is Escaped or (isinstance(i, np.ndarray) and i.dtype == bool) for i in items)


class Escaped:
    """The plain number under a recorded value, watched: see the module docstring."""

    __slots__ = ("recording", "slot", "value")
    __array_priority__ = 1001  # above Traced's: ndarray defers to us, we defer to Traced

    def __init__(self, recording, slot, value):
        self.recording = recording
        self.slot = slot
        self.value = value

    # ---- metadata: fixed by the cache key, free to read
    @property
    def shape(self):
        """The value's shape."""
        return np.shape(self.value)

    @property
    def dtype(self):
        """The value's dtype."""
        return np.result_type(self.value)

    @property
    def ndim(self):
        """The value's number of dimensions."""
        return np.ndim(self.value)

    @property
    def size(self):
        """The value's number of elements."""
        return np.size(self.value)

    def __len__(self):
        shape = np.shape(self.value)
        if not shape:
            raise TypeError("len() of unsized object")
        return shape[0]

    # ---- operations: recorded
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if _is_traced_tree(inputs) or _is_traced_tree(kwargs):
            return NotImplemented  # the traced value's own protocol takes it
        if "out" in kwargs or method == "at":
            return self.recording.write(ufunc, method, inputs, kwargs)
        fn = ufunc if method == "__call__" else getattr(ufunc, method)
        slot, result = self.recording.call(fn, inputs, kwargs, f"{ufunc.__name__}.{method}")
        return _wrap(self.recording, slot, result)

    def __array_function__(self, func, types, args, kwargs):
        if _is_traced_tree(args) or _is_traced_tree(kwargs):
            return NotImplemented
        if func in _METADATA_FUNCTIONS:
            _, pargs = self.recording.template(args)
            _, pkw = self.recording.template(kwargs)
            return func(*pargs, **pkw)
        if func in _INPLACE_FUNCTIONS or "out" in kwargs:
            raise self.recording.fail(f"in-place numpy call {func.__name__} on a recorded value")
        slot, result = self.recording.call(func, args, kwargs, func.__name__)
        wrapped = _wrap(self.recording, slot, result)
        # np.nonzero, np.unique, np.repeat(x, counts): a shape may depend on the data
        _guard_shapes(self.recording, wrapped)
        return wrapped

    def __getitem__(self, index):
        slot, result = self.recording.call(operator.getitem, (self, index), {}, "[]")
        if _check_index_shape(index):
            self.recording.guard("shape", slot, np.shape(result))
        return _wrap(self.recording, slot, result)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __getattr__(self, name):
        if name.startswith("__"):  # numpy probes __array_interface__ and the like
            raise AttributeError(name)
        attr = getattr(self.value, name)
        if not callable(attr):  # .T, .real, .imag
            slot, result = self.recording.call(operator.attrgetter(name), (self,), {}, name)
            return _wrap(self.recording, slot, result)
        if name in _INPLACE_METHODS:
            raise self.recording.fail(f"in-place method .{name}() on a recorded value")

        def method(*args, **kwargs):
            if "out" in kwargs:
                raise self.recording.fail(f".{name}(out=...) on a recorded value")
            slot, result = self.recording.call(_method(name), (self, *args), kwargs, name)
            wrapped = _wrap(self.recording, slot, result)
            _guard_shapes(self.recording, wrapped)  # .nonzero(), .repeat(counts)
            return wrapped

        return method

    # ---- the data leaves the program: guards
    def __bool__(self):
        outcome = bool(self.value)
        self.recording.guard("bool", self.slot, outcome)
        return outcome

    def _leave(self):
        self.recording.guard("value", self.slot, _frozen(self.value))
        return self.value

    def __array__(self, dtype=None, copy=None):
        value = np.asarray(self._leave(), dtype=dtype)
        return value.copy() if copy else value

    def __float__(self):
        return float(self._leave())

    def __int__(self):
        return int(self._leave())

    def __index__(self):
        return operator.index(self._leave())

    def __complex__(self):
        return complex(self._leave())

    def item(self, *args):
        """The number as a Python scalar (guarded: the program re-records if it changes)."""
        return self._leave().item(*args)

    def tolist(self):
        """The number as nested Python lists (guarded like ``item``)."""
        return self._leave().tolist()

    def __setitem__(self, index, value):
        raise self.recording.fail("in-place assignment into a recorded value")

    def __repr__(self):
        return f"Escaped(slot {self.slot}, {self.value!r})"

    __hash__ = object.__hash__


def _method(name):
    method = _METHODS.get(name)
    if method is None:

        def method(obj, *args, **kwargs):
            return getattr(obj, name)(*args, **kwargs)

        method.__name__ = method.__qualname__ = f"method_{name}"
        _METHODS[name] = method
    return method


_METHODS = {}


def _operator(ufunc, reflected=False):
    def op(self, other):
        if isinstance(other, Traced):
            return NotImplemented  # Traced's reflected operator records it as a primitive
        return ufunc(other, self) if reflected else ufunc(self, other)

    return op


def _install_operators():
    binary = {
        "add": np.add,
        "sub": np.subtract,
        "mul": np.multiply,
        "truediv": np.true_divide,
        "floordiv": np.floor_divide,
        "mod": np.remainder,
        "pow": np.power,
        "matmul": np.matmul,
        "and": np.bitwise_and,
        "or": np.bitwise_or,
        "xor": np.bitwise_xor,
        "lshift": np.left_shift,
        "rshift": np.right_shift,
    }
    for name, ufunc in binary.items():
        setattr(Escaped, f"__{name}__", _operator(ufunc))
        setattr(Escaped, f"__r{name}__", _operator(ufunc, reflected=True))

        def inplace(self, other, name=name):
            raise self.recording.fail(f"in-place '{name}' on a recorded value")

        setattr(Escaped, f"__i{name}__", inplace)
    for name, ufunc in {
        "lt": np.less,
        "le": np.less_equal,
        "gt": np.greater,
        "ge": np.greater_equal,
        "eq": np.equal,
        "ne": np.not_equal,
    }.items():
        setattr(Escaped, f"__{name}__", _operator(ufunc))
    for name, ufunc in {
        "neg": np.negative,
        "pos": np.positive,
        "abs": np.absolute,
        "invert": np.invert,
    }.items():
        setattr(Escaped, f"__{name}__", lambda self, u=ufunc: u(self))


_install_operators()
# transforms accept a leaf that is "a number or an array"; an Escaped is one
numbers.Number.register(Escaped)
