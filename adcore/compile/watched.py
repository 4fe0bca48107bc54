"""``Escaped``: the plain number under a recorded value, watched.

Rules read plain values to build masks, signs and permutations
(``mask(np.sign(getval(x)), x)``).  Under ``adcore.compile`` ``getval`` of a
recorded value returns an ``Escaped`` instead of the array, which sees every
use numpy offers:

* ufuncs, numpy functions, indexing and methods are *recorded* as operations
  whose results are ``Escaped`` again (``np.sign(e)``, ``e > 0``, ``e[i]``);
* ``bool()`` records a *guard* on the outcome (an ``if`` on a traced value);
* anything that takes the data out for good (``np.asarray(e)``, ``float(e)``,
  ``e.item()``) records a *value guard*: the replay computes that slot and
  re-records unless it equals the value the recording saw;
* shapes and dtypes are free to read (the cache key fixes them), and a result
  whose shape may depend on the data (``np.nonzero``) gets a shape guard;
* in-place writes into it are refused (``Unrecordable``).

So nothing a rule reads can become a stale constant without a guard in front
of it.  Under a ``Traced`` operand the ``Escaped`` steps aside (returns
``NotImplemented``), so the traced value's own protocol records the primitive.
"""

from __future__ import annotations

import numbers
import operator

import numpy as np

from adcore.core import Traced

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


def escaped_in(x):
    """Whether a tuple or list (nested) holds an ``Escaped``."""
    if type(x) is tuple or type(x) is list:
        return any(type(e) is Escaped or escaped_in(e) for e in x)
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
