"""hello: square(x) = x * x and its derivative ("double"), by reverse mode."""

import adcore

from ..protocol import Function


def square(x):
    return x * x


def _float(raw):
    return float(raw)


FUNCTIONS = {
    "square": Function(run=square, prepare=_float, to_json=float, mode="primal"),
    "double": Function(run=adcore.grad(square), prepare=_float, to_json=float, mode="reverse"),
}
