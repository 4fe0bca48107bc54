"""check_grads: derivatives against central finite differences, recursively.

At order 1, for every differentiated argument and every mode:
  fwd  jvp(f, x, v)            == (f(x + eps v) - f(x - eps v)) / 2 eps
  rev  <vjp(f, x)(u), v>       == <u, the same finite difference>    (dot-product test)
At order k > 1 the same checks run on the derivative functions
``(x, v) -> jvp(f, x, v)`` and ``(x, u) -> vjp(f, x)(u)``, so every fwd/rev
nesting up to the order is exercised.  Inputs are promoted to float64 so the
finite differences are meaningful.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from adcore.core import getval
from adcore.core.debug import checking_rule_shapes
from adcore.core.pytree import tree_flatten
from adcore.transforms import jvp, vjp
from adcore.transforms.modes import mode_name


def _inexact(x):
    """x as a complex128 array if it is complex, else float64."""
    x = np.asarray(getval(x))
    return x.astype(np.complex128 if x.dtype.kind == "c" else np.float64)


def _flat(tree):
    leaves, _ = tree_flatten(tree)
    if not leaves:
        return np.zeros(0)
    return np.concatenate([np.ravel(_inexact(x)) for x in leaves])


def _pair(a, b):
    """The real pairing Re(sum(a * b)) that tangents and cotangents meet by (docs/api.md)."""
    return np.real(np.sum(a * b))


def _random_like(x, rng):
    shape = np.shape(getval(x))
    if np.iscomplexobj(getval(x)):
        return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    return rng.standard_normal(shape)


def check_grads(
    f: Callable[..., Any],
    args: Any,
    order: int = 2,
    modes: Sequence[str] = ("fwd", "rev"),
    eps: float = 1e-6,
    rtol: float = 1e-5,
    atol: float = 1e-7,
) -> None:
    """Raise AssertionError naming the argument, mode, order and worst entry on mismatch.

    ``args`` is one array or a tuple of them (promoted to float64, complex ones to
    complex128: their directions are complex and reverse mode is checked through the
    pairing Re(sum(u * v))).  While it runs, every rule's output shape is checked too
    (a wrong shape raises ValueError).
    """
    if not isinstance(args, (tuple, list)):
        args = (args,)
    modes = _short_modes(modes)
    args = tuple(_inexact(a) for a in args)
    rng = np.random.default_rng(0)
    with checking_rule_shapes():  # every rule's output shape too, not only users'
        _check(f, args, order, modes, eps, rtol, atol, rng, path="f", total=order)


def _short_modes(modes):
    """``modes`` as ``"fwd"``/``"rev"`` (the names the messages use), duplicates dropped.

    Either spelling of a mode is accepted, and one mode may be given as a bare string.
    """
    if isinstance(modes, str) or not hasattr(modes, "__iter__"):
        modes = (modes,)
    short = {"forward": "fwd", "reverse": "rev"}
    names = [short[mode_name(m, "check_grads")] for m in modes]
    if not names:
        raise ValueError("check_grads: modes is empty, so nothing would be checked")
    return tuple(dict.fromkeys(names))


def _compare(got, want, rtol, atol, what):
    got, want = _flat(got), _flat(want)
    err = np.abs(got - want)
    tol = atol + rtol * np.abs(want)
    if got.shape != want.shape:
        raise AssertionError(f"{what}: shape mismatch {got.shape} vs {want.shape}")
    bad = ~(err <= tol)
    if np.any(bad):
        k = int(np.argmax(np.where(bad, err - tol, -np.inf)))
        raise AssertionError(
            f"{what}: worst entry {k}: got {got[k].item()!r}, "
            f"finite differences give {want[k].item()!r} "
            f"(|error| {err[k]:.3g} > tolerance {tol[k]:.3g}; {int(bad.sum())} of {bad.size} "
            "entries off)"
        )


def _check(f, args, order, modes, eps, rtol, atol, rng, path, total):
    level = total - order + 1
    for i in range(len(args)):

        def fi(x, i=i):
            a = list(args)
            a[i] = x
            return f(*a)

        x = args[i]
        v = _random_like(x, rng)
        fd = (_flat(fi(x + eps * v)) - _flat(fi(x - eps * v))) / (2 * eps)
        for mode in modes:
            what = f"check_grads: argument {i} of {path}, mode {mode}, order {level}"
            if mode == "fwd":
                _, t = jvp(fi, (x,), (v,))
                _compare(t, fd, rtol, atol, what)
                # next order: the derivative function (x, v) -> J(x) v
                derivative = lambda x, v, fi=fi: jvp(fi, (x,), (v,))[1]
                direction = v
            else:
                out, pullback = vjp(fi, x)
                u = _random_like(_flat(out), rng).reshape(np.shape(getval(out)))
                u = u if np.ndim(u) else u[()]
                lhs = _pair(_flat(pullback(u)[0]), _flat(v))
                rhs = _pair(_flat(u), fd)
                _compare(np.asarray(lhs), np.asarray(rhs), rtol, atol, what)
                # next order: the derivative function (x, u) -> J(x)^T u
                derivative = lambda x, u, fi=fi: vjp(fi, x)[1](u)[0]
                direction = np.asarray(u)
            if order > 1:
                name = f"{'jvp' if mode == 'fwd' else 'vjp'}({path})"
                _check(
                    derivative, (x, direction), order - 1, modes, eps, rtol, atol, rng, name, total
                )
