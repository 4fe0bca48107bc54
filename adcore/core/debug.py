"""Checks of derivative rules' outputs, always on for user primitives.

A rule that returns a tangent or cotangent of the wrong shape would otherwise
be broadcast into a silently wrong derivative further down.  User primitives
(``family="user"``) are always checked, a tuple comparison per rule call;
``check_grads`` turns the check on for every primitive while it runs
(``checking_rule_shapes()``), so the built-in rules are held to it by the tests.
"""

import contextlib
import threading

from .tracer import shape_of

_lock = threading.Lock()
_depth = 0  # > 0 while some caller asked for every rule to be checked
every_rule = False


@contextlib.contextmanager
def checking_rule_shapes():
    """Check the output shape of every primitive's rules (not only users') inside."""
    global _depth, every_rule
    with _lock:
        _depth += 1
        every_rule = True
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            every_rule = _depth > 0


def check_rule_shape(prim, mode, argnum, out, want):
    """Raise ValueError unless the ``mode`` rule's output ``out`` has shape ``want``."""
    got = shape_of(out)
    if tuple(got) != tuple(want):
        what = "tangent of the output" if mode == "jvp" else f"cotangent of argument {argnum}"
        shape = "the output's" if mode == "jvp" else f"argument {argnum}'s"
        raise ValueError(
            f"the {mode.upper()} rule of primitive '{prim.name}' for argument {argnum} returned "
            f"a {what} of shape {tuple(got)}, but {shape} shape (with any leading batch axes) "
            f"is {tuple(want)}"
        )
