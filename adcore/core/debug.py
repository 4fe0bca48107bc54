"""Checks of derivative rules' outputs, always on for user primitives.

A rule that returns a tangent or cotangent of the wrong shape would otherwise
be broadcast into a silently wrong derivative further down.  User primitives
(``family="user"``) are always checked, a tuple comparison per rule call;
``check_grads`` turns the check on for every primitive while it runs
(``checking_rule_shapes()``), so the built-in rules are held to it by the tests.
"""

import contextlib
import threading

from .tracer import ndim_of, shape_of

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


def check_jvp(prim, argnum, tangent, g, ans, nbatch):
    """The tangent argument ``argnum``'s rule returned must have the output's shape."""
    if isinstance(ans, (tuple, list)):
        return  # a multi-output primitive: its tangent's structure is its own business
    batch = tuple(shape_of(g)[:nbatch])
    _check(prim, "jvp", argnum, tangent, batch + tuple(shape_of(ans)))


def check_vjp(prim, argnum, cotangent, g, ans, arg):
    """The cotangent of argument ``argnum`` must have that argument's shape."""
    if isinstance(ans, (tuple, list)):
        return
    batch = tuple(shape_of(g)[: ndim_of(g) - ndim_of(ans)])
    _check(prim, "vjp", argnum, cotangent, batch + tuple(shape_of(arg)))


def _check(prim, mode, argnum, out, want):
    """Raise ValueError unless the ``mode`` rule's output ``out`` has shape ``want``."""
    got = tuple(shape_of(out))
    if got != want:
        what = "tangent of the output" if mode == "jvp" else f"cotangent of argument {argnum}"
        shape = "the output's" if mode == "jvp" else f"argument {argnum}'s"
        raise ValueError(
            f"the {mode.upper()} rule of primitive '{prim.name}' for argument {argnum} returned "
            f"a {what} of shape {got}, but {shape} shape (with any leading batch axes) "
            f"is {want}"
        )
