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

    def __float__(self):
        raise TypeError(
            "float() of a traced value would cut it out of the derivative. "
            "Keep it as an array, or use adcore.getval(x) if you only need the number."
        )

    __int__ = __float__
    __complex__ = __float__
    __index__ = __float__

    def __array__(self, dtype=None, copy=None):
        # without this numpy would build an object array of traced scalars:
        # slow, and it hides that the call left adcore's rules
        raise TypeError(
            "a traced value cannot be converted to a plain numpy array (np.asarray, "
            "ndarray.dot(traced), np.array(..., dtype=float)): that would cut it out of the "
            "derivative. Use adcore.numpy functions or operators on it, or adcore.getval(x) "
            "for the number only."
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
