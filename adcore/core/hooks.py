"""The few array operations the core needs from the rules layer.

The core must not import the rules (arrows point rules -> core), yet the
batch fallback and the tape's zero handling need a differentiable ``stack``.
``adcore.rules`` fills these in when it is imported.

``add`` is the sum of two tangents (forward) or cotangent contributions
(the sweep's fork accumulation); ``adcore_jit`` swaps in one that writes
large float arrays into recycled buffers instead of fresh ones.
"""


def stack(arrays):  # replaced by adcore.rules
    """A differentiable ``stack`` for the core's batch fallback, installed by ``adcore.rules``."""
    raise RuntimeError("adcore.rules has not been imported")


def add(a, b):  # replaced by adcore_jit while enabled
    """The sum of two tangents or cotangent contributions (the one hot add the core makes)."""
    return a + b


def real(x):  # replaced by adcore.rules
    """A differentiable real part, for the sweep's cotangents of real arguments."""
    raise RuntimeError("adcore.rules has not been imported")


def as_array(args, kwargs):  # replaced by adcore.numpy
    """(args, kwargs) with lists of traced values stacked into arrays, or None if none."""
    return None
