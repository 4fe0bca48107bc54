"""Python lists and tuples of traced values where numpy takes an array-like.

``anp.mean([x, x + 2])``, ``anp.append([x], y)``, ``anp.linalg.norm([x, y])``:
numpy would turn the list into an array with ``np.asarray``, which a traced
value refuses (it would cut it out of the derivative).  So the namespace's
functions stack such a list first (``anp.array``: nested lists become axes),
and then run as on an array.

Two ways in, so the common path pays nothing:

* a primitive (``anp.sin([x, y])``) is retried after the stacking when its
  numpy implementation refuses a traced value inside a list (``hooks.as_array``);
* a composite function of the namespace is wrapped (``accept_sequences``) to
  stack its list arguments up front, since its own code reads shapes first.

Functions whose parameter *is* a sequence of arrays (concatenate, stack, einsum's
operands, select's lists...) keep their lists: stacking would join arrays of
different shapes.
"""

import functools

from adcore.core import Primitive, hooks
from adcore.numpy.functions import _holds_traced, array

# the namespace's functions taking a sequence of arrays, whose lists stay lists
SEQUENCE_PARAMETERS = frozenset(
    """
    concatenate stack hstack vstack dstack column_stack row_stack block einsum
    select choose piecewise broadcast_arrays meshgrid multi_dot array asarray
    """.split()
)


def _stacked(x):
    if isinstance(x, (list, tuple)) and _holds_traced(x):
        return array(x)
    return x


def accept_sequences(fn):
    """``fn`` with every list/tuple argument that holds a traced value stacked first."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        args = [_stacked(a) for a in args]
        kwargs = {k: _stacked(v) for k, v in kwargs.items()}
        return fn(*args, **kwargs)

    wrapper.accepts_sequences = True
    return wrapper


def install(namespace, skip=()):
    """Wrap the composite functions of a namespace dict (primitives retry on their own).

    Aliases (abs and absolute) stay one function: the dispatch tables require it.
    """
    wrapped = {}
    for name, obj in list(namespace.items()):
        if (
            name.startswith("_")
            or name in SEQUENCE_PARAMETERS
            or name in skip
            or not callable(obj)
            or isinstance(obj, (type, Primitive))
            or getattr(obj, "accepts_sequences", False)
            or not getattr(obj, "__module__", "").startswith("adcore")
        ):
            continue
        if id(obj) not in wrapped:
            wrapped[id(obj)] = accept_sequences(obj)
        namespace[name] = wrapped[id(obj)]


def as_array(args, kwargs):
    """``(args, kwargs)`` with traced-holding lists stacked, or None if there were none."""
    found = False
    new_args = []
    for a in args:
        s = _stacked(a)
        found |= s is not a
        new_args.append(s)
    new_kwargs = {}
    for k, v in kwargs.items():
        s = _stacked(v)
        found |= s is not v
        new_kwargs[k] = s
    return (new_args, new_kwargs) if found else None


hooks.as_array = as_array
