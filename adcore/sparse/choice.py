"""The sparse candidates of ``choose_mode`` / ``jacobian(mode="auto")``.

Dense forward mode pays one direction per input, dense reverse one per
output.  With a sparsity pattern and a coloring, forward needs one direction
per column color, reverse one per row color, a bicoloring some of each; the
per-direction costs are the dense estimates' (``est / directions``), and
detection + coloring, measured here, is spread over the calls expected to
reuse the plan (``reuse``: jacobian(mode="auto") keeps the plan for later
calls with the same shapes).  A pattern that is local to the point (f read
traced values) is never reused, so it is not a candidate.

The plans are cached per f in a weak-keyed table, and the cached copies
hold no reference to f (a plan's ``f`` is set again when it is handed out):
like the dense choice cache, this one must never keep f, or what f
captures, alive after the caller lets go of it.
"""

import copy
import weakref
from collections import OrderedDict

import numpy as np

from adcore.core import getval, shape_of
from adcore.core.pytree import tree_flatten, tree_unflatten
from adcore.transforms.common import DiffArgs, match_dtype

SPARSE_MIN = 64  # below this many directions a dense pass is already cheap
SPARSE_MODES = ("sparse-forward", "sparse-reverse", "sparse-bidirectional")
MAX_PLANS = 64  # cached plans per function (argnums, argument shapes, mode)
# f -> {(argnums, shapes, mode): SparseJacobian with f detached}; weak keys
_PLANS = weakref.WeakKeyDictionary()


def shapes_key(args):
    """The cache key part of the arguments: a plan fits any point with these shapes
    and dtypes (its pattern and seeds depend on nothing else)."""
    return tuple(
        (shape_of(getval(a)), np.result_type(getval(a)).str) for a in tree_flatten(args)[0]
    )


def consider(choice, f, args, argnums, reuse, make_choice):
    """``choice`` (dense) or a sparse ModeChoice, whichever the cost model prefers."""
    if min(choice.n_in, choice.n_out) < SPARSE_MIN:
        return choice
    try:
        from adcore.sparse.evaluate import SparseJacobian
    except ImportError:  # scipy missing: the dense choice stands
        return choice
    from adcore.sparse.detect import TooDense

    # an intermediate depending on a quarter of the dense Jacobian's entries means a
    # pattern too dense to pay off: stop detecting there rather than finish the trace
    budget = max(choice.n_in * choice.n_out // 4, 4 * (choice.n_in + choice.n_out))
    try:
        plan = SparseJacobian(f, args, argnums, budget=budget)
    except TooDense as exc:
        return choice._replace(
            reason=choice.reason + f"; sparse modes not considered: the pattern is too dense "
            f"({exc})"
        )
    if not plan.is_global:
        why = "; ".join(plan.detection.reads)
        return choice._replace(
            reason=choice.reason + f"; sparse modes not considered: the pattern is local ({why})"
        )
    est_f, est_r = choice.est_forward_s, choice.est_reverse_s
    per_f, per_r = est_f / max(choice.n_in, 1), est_r / max(choice.n_out, 1)
    if plan.mode == "forward":
        sparse_est = per_f * plan.passes
    elif plan.mode == "reverse":
        sparse_est = per_r * plan.passes
    else:
        sparse_est = per_f * plan.colors.n_col + per_r * plan.colors.n_row
    amortised = plan.setup_s / max(reuse, 1)
    dense_best = min(est_f, est_r)
    mode = f"sparse-{plan.mode}"
    if sparse_est + amortised >= dense_best:
        return choice._replace(
            reason=choice.reason + f"; {mode} would take {plan.passes} direction(s), est "
            f"{sparse_est * 1e6:.0f} us + {plan.setup_s * 1e6:.0f} us detection/coloring "
            f"over {reuse} call(s): not cheaper"
        )
    _remember(f, _key(argnums, args, mode), plan)
    reason = (
        f"{choice.n_in} input(s) -> {choice.n_out} output(s), Jacobian sparse: "
        f"{plan.reason}; est {mode} {sparse_est * 1e6:.0f} us per call + "
        f"{plan.setup_s * 1e6:.0f} us detection/coloring over {reuse} call(s) vs dense "
        f"forward {est_f * 1e6:.0f} us / reverse {est_r * 1e6:.0f} us, so {mode}"
    )
    return make_choice(mode, reason, choice.n_in, choice.n_out, est_f, est_r)


def _key(argnums, args, mode):
    nums = argnums if isinstance(argnums, (int, np.integer)) else tuple(argnums)
    return (nums, shapes_key(args), mode)


def _remember(f, key, plan):
    """Cache a copy of ``plan`` without f (a value holding f would pin its weak key)."""
    try:
        plans = _PLANS.setdefault(f, OrderedDict())
    except TypeError:  # f cannot be weakly referenced: nothing is cached for it
        return
    kept = copy.copy(plan)
    kept.f = None
    plans[key] = kept
    while len(plans) > MAX_PLANS:
        plans.popitem(last=False)


def _recall(f, key):
    """The cached plan for ``key``, given f again, or None."""
    try:
        kept = _PLANS.get(f, {}).get(key)
    except TypeError:
        return None
    if kept is None:
        return None
    plan = copy.copy(kept)
    plan.f = f
    return plan


def plan_for(f, argnums, args, kwargs, mode):
    """The prepared plan of ``mode`` ("sparse-forward", ...) for these shapes."""
    from adcore.sparse.evaluate import SparseJacobian

    key = _key(argnums, args, mode)
    plan = None if kwargs else _recall(f, key)
    if plan is None:
        plan = SparseJacobian(f, args, argnums, mode=mode[len("sparse-") :], kwargs=kwargs)
        if plan.is_global and not kwargs:
            _remember(f, key, plan)
    return plan


def dense_layout(csr, f, args, argnums, kwargs):
    """A flattened (outputs x inputs) Jacobian in jacobian's layout: per output leaf,
    per argument, blocks of shape ``out.shape + in.shape``."""
    diff = DiffArgs(args, argnums, "jacobian")
    out_leaves, treedef = tree_flatten(f(*args, **kwargs))
    dense = csr.toarray()
    per_out, row = [], 0
    for o in out_leaves:
        out_shape = shape_of(getval(o))
        size = int(np.prod(out_shape, dtype=np.int64))
        cols, col = [], 0
        for x in diff.leaves:
            in_shape = shape_of(getval(x))
            k = int(np.prod(in_shape, dtype=np.int64))
            block = dense[row : row + size, col : col + k].reshape(out_shape + in_shape)
            cols.append(match_dtype(block, x))
            col += k
        per_out.append(diff.per_argument(cols))
        row += size
    return tree_unflatten(treedef, per_out)


def as_csr(jac, f, args, argnums, kwargs):
    """A Jacobian in jacobian's dense layout as one flattened csr_array."""
    import scipy.sparse as sp

    diff = DiffArgs(args, argnums, "jacobian")
    out_leaves, _ = tree_flatten(f(*args, **kwargs))
    blocks, _ = tree_flatten(jac)
    per_in = len(diff.leaves)
    rows = []
    for k, o in enumerate(out_leaves):
        size = int(np.size(getval(o)))
        rows.append(
            np.concatenate(
                [np.reshape(b, (size, -1)) for b in blocks[k * per_in : (k + 1) * per_in]], axis=1
            )
        )
    return sp.csr_array(np.concatenate(rows, axis=0))
