"""numpy's integer scalar types, callable on traced values as in autograd.

``anp.int64(x)`` of a traced x is ``np.int64`` of its value: an integer, a
constant with no derivative (rounding is piecewise constant, like ``//``).
The types stay numpy's integer types in every other use (``dtype=anp.int64``,
``x.astype(anp.int32)``).  Plain ``np.int64(x)`` on a traced value raises the
``TypeError`` of ``int(x)``, which names this spelling.
"""

import numpy as np

from adcore.core import getval


def _integer_type(base):
    class IntegerType(base):
        __doc__ = (
            f"numpy.{base.__name__}; of a traced value, the integer of its value (a constant)."
        )

        def __new__(cls, *args, **kwargs):
            return base(*map(getval, args), **kwargs)

    IntegerType.__name__ = IntegerType.__qualname__ = base.__name__
    IntegerType.__module__ = "adcore.numpy"
    return IntegerType


int8, int16, int32, int64 = (_integer_type(t) for t in (np.int8, np.int16, np.int32, np.int64))
uint8, uint16, uint32, uint64 = (
    _integer_type(t) for t in (np.uint8, np.uint16, np.uint32, np.uint64)
)

__all__ = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]
