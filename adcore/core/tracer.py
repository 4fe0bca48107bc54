"""The common base of traced values (forward ``Dual`` and reverse ``TapeValue``).

A traced value wraps a ``primal`` (a numpy array/scalar, or a traced value of
an older tag when transforms nest) and the ``tag`` it belongs to.  Arithmetic
operators, numpy methods and the numpy protocols are attached by
``adcore.numpy`` (the front end), so this core module never imports the rules.
"""

import numpy as np


class Traced:
    """Base of every traced value: a ``primal`` one level down and the ``tag`` that traces it.

    Shape, dtype and the numpy-facing methods read the primal, so code that
    inspects arrays works unchanged on traced values.
    """

    __slots__ = ("primal", "tag")

    # numpy defers binary operators to us (``W @ x`` with ndarray W)
    __array_priority__ = 1000

    @property
    def shape(self):
        """The primal's shape (``()`` for a scalar)."""
        return self.primal.shape if hasattr(self.primal, "shape") else ()

    @property
    def ndim(self):
        """The primal's number of dimensions."""
        return len(self.shape)

    @property
    def size(self):
        """The primal's number of elements."""
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def dtype(self):
        """The dtype of the plain value underneath every level of tracing."""
        return np.result_type(getval(self))

    def __len__(self):
        shape = self.shape
        if not shape:
            raise TypeError("len() of a 0-d traced value")
        return shape[0]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __bool__(self):
        # control flow on values is fine; it does not lose derivatives
        return bool(getval(self))

    def _cut_error(self):
        return TypeError(
            "float() of a traced value (or int(), np.int64(), .item(), .tolist()) would cut it "
            "out of the derivative. Keep it as an array, or use adcore.getval(x) if you only "
            "need the number (adcore.numpy.int64(x): its integer, a constant). numpy calls "
            "float() for plain_array[i] = traced (and reports it as "
            "'setting an array element with a sequence'): build the array with "
            "adcore.numpy.at_set(array, i, traced) instead, which returns a new array."
        )

    def __float__(self):
        raise self._cut_error()

    __int__ = __float__
    __complex__ = __float__
    __index__ = __float__

    def item(self, *args):
        """Refused: a Python number would cut the value out of the derivative."""
        raise self._cut_error()

    def tolist(self):
        """Refused: Python numbers would cut the value out of the derivative."""
        raise self._cut_error()

    # A copy of a traced value is the same traced value (it is immutable): a
    # default deepcopy would copy its tag too, and the copy would silently be a
    # constant of a tag nothing differentiates.
    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __reduce_ex__(self, protocol):
        raise TypeError(
            f"a traced value ({type(self).__name__} of {self.tag.transform}()) cannot be "
            "pickled: it belongs to a running transform. Pickle adcore.getval(x), the number, "
            "outside the transformed function."
        )

    def __array__(self, dtype=None, copy=None):
        # without this numpy would build an object array of traced scalars:
        # slow, and it hides that the call left adcore's rules
        raise TypeError(
            "a traced value cannot be converted to a plain numpy array (np.asarray, "
            "ndarray.dot(traced), np.array(..., dtype=float)): that would cut it out of the "
            "derivative. Use adcore.numpy functions or operators on it, or adcore.getval(x) "
            "for the number only; adcore.numpy functions take lists of traced values "
            "(anp.sum([x, y])); adcore.numpy.int64(x) is np.int64 of the value, a constant. "
            "To write it into an array (plain_array[i] = traced), use "
            "adcore.numpy.at_set(array, i, traced), which returns a new array."
        )

    def __setitem__(self, index, value):
        raise TypeError(
            "in-place assignment x[...] = v on a traced array would be lost from the graph; "
            "use adcore.numpy.at_set(x, index, v), which returns a new array"
        )

    def __hash__(self):
        return id(self)

    def __repr__(self):
        return f"{type(self).__name__}({getval(self)!r}, {self.tag.transform}#{self.tag.level})"


def getval(x):
    """Strip every level of tracing: the plain numpy value underneath."""
    while isinstance(x, Traced):
        x = x.primal
    return x


def shape_of(x):
    """Shape of an array, scalar or traced value without numpy dispatch."""
    try:
        return x.shape
    except AttributeError:
        return np.shape(x)


def ndim_of(x):
    """Number of dimensions of an array, scalar or traced value without numpy dispatch."""
    try:
        return x.ndim
    except AttributeError:
        return np.ndim(x)
