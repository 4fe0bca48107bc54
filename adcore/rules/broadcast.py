"""reshape, broadcast_to and sum: the linear maps every other rule leans on.

They are each other's transposes (reshape's is the reshape back, broadcast_to's
a sum over the broadcast axes, sum's a broadcast back over the summed ones), so
they live together; ``unbroadcast`` is the adjoint of numpy broadcasting that
elementwise and matmul VJPs use.  Axes are counted from the end (negative), so
a (co)tangent with leading batch axes takes the same path.
"""

import numpy as np

from adcore.core import NONDIFF, defjvp, defvjp_direct, ndim_of, shape_of
from adcore.rules.declare import batch_ndim, linear, neg_axes, rule_primitive

# ---- reshape ----------------------------------------------------------------
reshape = rule_primitive(lambda x, shape: np.reshape(x, shape), "reshape", "shape", "shape")
linear(
    reshape,
    lambda g, ans, x, shape: reshape(g, shape_of(g)[: batch_ndim(g, ans)] + shape_of(x)),
    tangent_params=lambda g, ans, x, shape: (
        (shape_of(g)[: batch_ndim(g, x)] + shape_of(ans),),
        {},
    ),
    nondiff=1,
)

# ---- broadcast_to -----------------------------------------------------------
broadcast_to = rule_primitive(
    lambda x, shape: np.broadcast_to(x, shape), "broadcast_to", "shape", "shape"
)


def unbroadcast(c, shape, nb):
    """Sum ``c`` (batch axes + a broadcast shape) down to batch axes + ``shape``."""
    cs = shape_of(c)
    if cs[nb:] == shape:
        return c
    lead = len(cs) - nb - len(shape)
    axes = list(range(nb, nb + lead))
    for k, d in enumerate(shape):
        if d == 1 and cs[nb + lead + k] != 1:
            axes.append(nb + lead + k)
    if axes:
        c = sum(c, axis=tuple(axes))
    target = cs[:nb] + shape
    if shape_of(c) != target:
        c = reshape(c, target)
    return c


def _broadcast_jvp(g, ans, x, shape):
    xs, s = shape_of(x), shape_of(ans)
    nb = ndim_of(g) - len(xs)
    if nb and len(xs) < len(s):  # x's own axes must line up with the output's, past the batch
        g = reshape(g, shape_of(g)[:nb] + (1,) * (len(s) - len(xs)) + xs)
    return broadcast_to(g, shape_of(g)[:nb] + s)


defjvp(broadcast_to, _broadcast_jvp, NONDIFF, batched=True)
defvjp_direct(
    broadcast_to,
    lambda g, ans, x, shape: unbroadcast(g, shape_of(x), batch_ndim(g, ans)),
    NONDIFF,
)


# ---- sum --------------------------------------------------------------------
def _sum_impl(x, axis=None, keepdims=False):
    # no dtype= here: a sum in another dtype is a cast (astype) followed by this sum,
    # so the derivative follows the cast (adcore.numpy.sum does that)
    return np.sum(x, axis=axis, keepdims=keepdims)


def restore_reduced(g, ans, x, axis, keepdims):
    """Broadcast a reduced (co)tangent back over the reduced axes of x."""
    axes = neg_axes(axis, ndim_of(x))
    nb = batch_ndim(g, ans)
    gs = shape_of(g)
    if not keepdims and axes:  # put the reduced axes back as length-1 axes
        kept = list(gs)
        for a in sorted(a + len(gs) + len(axes) for a in axes):
            kept.insert(a, 1)
        g = reshape(g, tuple(kept))
    return broadcast_to(g, shape_of(g)[:nb] + shape_of(x))


sum = rule_primitive(_sum_impl, "sum", "reductions", "reduction")  # numpy's name
linear(
    sum,
    lambda g, ans, x, axis=None, keepdims=False: restore_reduced(g, ans, x, axis, keepdims),
    tangent_params=lambda g, ans, x, axis=None, keepdims=False: (
        (),
        {"axis": neg_axes(axis, ndim_of(x)), "keepdims": keepdims},
    ),
)
