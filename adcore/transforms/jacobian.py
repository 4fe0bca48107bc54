"""jacobian(mode="auto") and choose_mode: pick forward or reverse by cost.

Forward mode pushes one tangent direction per input, reverse mode pulls one
cotangent direction per output; adcore batches the directions into a single
pass, so a pass costs a fixed part (dispatch, the primal computation, the
tape) plus a part growing with the number of directions:

    cost_mode(k directions) = fixed_mode + per_direction_mode * k

``choose_mode`` measures both parts for both modes with a cheap probe: one
pass with 1 direction and one with up to 128, for each mode, on the user's own
function and arguments, then extrapolates to n inputs and m outputs.  When
one side is at least twice the other the shape rule alone decides and nothing
is probed: measured over the benchmark grid, extrapolating a probe that far
misjudged more cells than it rescued.  ``jacobian(mode="auto")`` caches the choice per
function and argument shapes, so the probe is paid once; the cache holds f weakly, so
f (and what it captures) goes when the caller lets go of it.
"""

from __future__ import annotations

import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from adcore.core import getval, shape_of
from adcore.core.pytree import tree_flatten
from adcore.transforms.common import DiffArgs
from adcore.transforms.forward_mode import jacfwd, push
from adcore.transforms.modes import ModeChoice, mode_name
from adcore.transforms.reverse_mode import ReverseTrace, jacrev

LOPSIDED = 2  # max(n, m) / min(n, m) at or above which the shape rule decides
PROBE_DIRECTIONS = 128
TIE = 1.1  # forward must look this much cheaper to win a near-square Jacobian
MAX_CHOICES = 256  # cached choices per function (argnums and argument shapes)
# f -> {(argnums, shapes): ModeChoice}; weak keys, so the cache never keeps f alive
_CHOICES = weakref.WeakKeyDictionary()


def _choices_for(f):
    """f's cache of mode choices (a private one when f cannot be weakly referenced)."""
    try:
        return _CHOICES.setdefault(f, OrderedDict())
    except TypeError:
        return OrderedDict()


def _time(fn, repeats=3):
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _directions(leaves, k):
    """k random directions for the flattened leaves (each leaf: (k,) + shape)."""
    rng = np.random.default_rng(0)
    out = []
    for x in leaves:
        v = getval(x)
        dtype = np.result_type(v) if np.result_type(v).kind == "f" else np.float64
        out.append(rng.standard_normal((k,) + shape_of(v)).astype(dtype))
    return out


def _forward_pass(f, args, argnums, k):
    diff = DiffArgs(args, argnums, "choose_mode")
    tangents = _directions(diff.leaves, k)
    return lambda: push(f, diff, tangents, {}, 1, "choose_mode")


def _reverse_pass(f, args, argnums, k, out_leaves):
    seeds = _directions(out_leaves, k)

    def run():
        trace = ReverseTrace(f, args, {}, argnums, False, "choose_mode", real=None)
        trace.pull(seeds, nbatch=1)
        trace.release()

    return run


def _linear(t1, tk, k, n):
    """Extrapolate a pass time measured at 1 and k directions to n directions."""
    slope = max(tk - t1, 0.0) / max(k - 1, 1)
    return t1 + slope * (n - 1)


def choose_mode(
    f: Callable[..., Any],
    *args: Any,
    argnums: int | Sequence[int] = 0,
    probe: bool = True,
    sparse: bool = True,
    reuse: int = 1,
) -> ModeChoice:
    """Decide forward vs reverse for ``jacobian(f)`` at these arguments, and say why.

    With ``sparse`` (and scipy installed) the sparse modes are candidates too:
    "sparse-forward", "sparse-reverse", "sparse-bidirectional" (see
    ``adcore.sparse.choice``); their detection and coloring cost is spread over
    ``reuse`` calls.
    """
    diff = DiffArgs(args, argnums, "choose_mode")
    n_in = int(sum(np.size(getval(x)) for x in diff.leaves))
    t_f = _time(lambda: f(*args), repeats=1)
    out_leaves, _ = tree_flatten(f(*args))
    n_out = int(sum(np.size(getval(o)) for o in out_leaves))
    small, large = min(n_in, n_out), max(n_in, n_out)
    if not probe or large >= LOPSIDED * max(small, 1):
        # shape rule: a pass per direction, each about f's cost plus a fixed overhead
        fwd, rev = t_f * (2 + n_in), t_f * (3 + n_out)
        mode = "forward" if n_in < n_out else "reverse"
        how = f"shape rule ({large}/{max(small, 1)} >= {LOPSIDED}: no probe needed)"
    else:
        # probe both modes at the same width: the smaller side, capped
        kf = kr = min(small, PROBE_DIRECTIONS)
        f1 = _time(_forward_pass(f, args, argnums, 1))
        fk = _time(_forward_pass(f, args, argnums, kf)) if kf > 1 else f1
        r1 = _time(_reverse_pass(f, args, argnums, 1, out_leaves))
        rk = _time(_reverse_pass(f, args, argnums, kr, out_leaves)) if kr > 1 else r1
        fwd, rev = _linear(f1, fk, kf, n_in), _linear(r1, rk, kr, n_out)
        # near-square Jacobians: the benchmark sweep found reverse ahead or level
        # on the diagonal, so forward has to win clearly
        mode = "forward" if fwd * TIE < rev else "reverse"
        how = (
            f"probe: forward pass {f1 * 1e6:.0f} us at 1 direction, {fk * 1e6:.0f} us at {kf}; "
            f"reverse {r1 * 1e6:.0f} us at 1, {rk * 1e6:.0f} us at {kr}"
        )
    reason = (
        f"{n_in} input(s) -> {n_out} output(s): forward mode needs {n_in} tangent direction(s), "
        f"reverse mode {n_out} cotangent direction(s); estimated forward {fwd * 1e6:.0f} us "
        f"vs reverse {rev * 1e6:.0f} us, so {mode} [{how}]"
    )
    choice = ModeChoice(mode, reason, n_in, n_out, fwd, rev)
    return _with_sparse(choice, f, args, argnums, reuse) if sparse else choice


# ---- sparse candidates (adcore.sparse; needs scipy) -------------------------------------
SPARSE_MODES = ("sparse-forward", "sparse-reverse", "sparse-bidirectional")
SPARSE_REUSE = 5  # calls jacobian(mode="auto") expects to reuse a detected pattern over


def _with_sparse(choice, f, args, argnums, reuse):
    try:
        from adcore.sparse import choice as sparse_choice
    except ImportError:  # no scipy: dense modes only
        return choice
    return sparse_choice.consider(choice, f, args, argnums, reuse, ModeChoice)


def _sparse_call(f, argnums, chosen, as_sparse, args, kwargs):
    from adcore.sparse import choice as sparse_choice

    if chosen in SPARSE_MODES:
        csr = sparse_choice.plan_for(f, argnums, args, kwargs, chosen)(*args)
        if as_sparse:
            return csr
        return sparse_choice.dense_layout(csr, f, args, argnums, kwargs)
    jac = (jacfwd if chosen == "forward" else jacrev)(f, argnums)(*args, **kwargs)
    return sparse_choice.as_csr(jac, f, args, argnums, kwargs)


def _any_complex(args, argnums):
    nums = (argnums,) if isinstance(argnums, (int, np.integer)) else argnums
    picked = [args[a] for a in nums if -len(args) <= a < len(args)]
    return any(np.iscomplexobj(getval(x)) for x in tree_flatten(picked)[0])


def jacobian(
    f: Callable[..., Any],
    argnums: int | Sequence[int] = 0,
    mode: str = "auto",
    sparse: bool = False,
    holomorphic: bool = False,
) -> Callable[..., Any]:
    """The Jacobian (layout ``out.shape + in.shape``) in the chosen or cheapest mode.

    ``mode``: "auto", "forward", "reverse", or one of the sparse modes
    ("sparse-forward", "sparse-reverse", "sparse-bidirectional": coloring and
    compressed passes, needs scipy).  ``sparse=True`` returns a flattened
    ``scipy.sparse.csr_array`` (outputs x inputs) instead of the dense layout.
    ``holomorphic`` as in ``jacfwd``/``jacrev`` (dense modes only); without it,
    complex inputs (of a real-valued f) take reverse mode in ``"auto"``, the mode
    that can differentiate them.
    """
    mode = mode_name(mode, "jacobian", extra=("auto",) + SPARSE_MODES)
    if holomorphic and (sparse or mode in SPARSE_MODES):
        raise ValueError(
            f"jacobian: holomorphic=True works with the dense modes only, not mode={mode!r}"
            + (" with sparse=True" if sparse else "")
        )
    extra = {"holomorphic": True} if holomorphic else {}
    fwd, rev = jacfwd(f, argnums, **extra), jacrev(f, argnums, **extra)
    choices = _choices_for(f)
    nums = argnums if isinstance(argnums, (int, np.integer)) else tuple(argnums)

    def jacobian_f(*args, **kwargs):
        chosen = mode
        if chosen == "auto" and not holomorphic and _any_complex(args, argnums):
            chosen = "reverse"
        if chosen == "auto":
            key = (nums,) + tuple(
                (shape_of(getval(a)), np.result_type(getval(a)).str) for a in tree_flatten(args)[0]
            )
            choice = choices.get(key)
            if choice is None:
                fk = (lambda *a: f(*a, **kwargs)) if kwargs else f
                choice = choose_mode(
                    fk, *args, argnums=argnums, sparse=not holomorphic, reuse=SPARSE_REUSE
                )
                choices[key] = choice
                if len(choices) > MAX_CHOICES:
                    choices.popitem(last=False)
            chosen = choice.mode
        if sparse or chosen in SPARSE_MODES:
            return _sparse_call(f, argnums, chosen, sparse, args, kwargs)
        return (fwd if chosen == "forward" else rev)(*args, **kwargs)

    return jacobian_f
