"""matmul (bilinear) and outer.  numpy.dot and inner, for every rank, are in
``contractions``: one implementation each, which np.dot and x.dot both reach.

matmul's rules follow numpy's promotion of 1-D operands (a vector on the
left is a row, on the right a column, and the promoted axis is dropped).
Tangents and cotangents carry leading batch axes; the JVP pads them so they
cannot collide with matmul's own broadcast batch axes, and the VJP sums
broadcast axes away with ``unbroadcast``.
"""

import numpy as np

from adcore.core import defjvp, defvjp_direct, ndim_of, shape_of
from adcore.rules import elementwise as ew
from adcore.rules import shape as sh
from adcore.rules.broadcast import unbroadcast
from adcore.rules.declare import rule_primitive
from adcore.rules.shape import matrix_transpose as _mT

matmul = rule_primitive(np.matmul, "matmul", "linalg", "linalg", arity=2)


def _stack_ndim(x):
    return max(ndim_of(x) - 2, 0)


def _pad(g, nb, x, out_stack):
    """Insert unit axes after g's batch axes so x's stack axes align with the output's."""
    extra = out_stack - _stack_ndim(x)
    if nb and extra > 0:
        gs = shape_of(g)
        g = sh.reshape(g, gs[:nb] + (1,) * extra + gs[nb:])
    return g


def _out_stack(a, b):
    return max(_stack_ndim(a), _stack_ndim(b))


def _jvp_a(g, ans, a, b):
    nb = ndim_of(g) - ndim_of(a)
    if ndim_of(a) == 1:
        if ndim_of(b) <= 2:
            return matmul(g, b)
        # (batch, 1.., 1, k) @ b -> drop the promoted row axis
        gs = shape_of(g)
        g = sh.reshape(g, gs[:nb] + (1,) * (ndim_of(b) - 2) + (1, gs[-1]))
        return sh.squeeze(matmul(g, b), -2)
    if ndim_of(b) == 1:
        return matmul(g, b)
    return matmul(_pad(g, nb, a, _out_stack(a, b)), b)


def _jvp_b(g, ans, a, b):
    nb = ndim_of(g) - ndim_of(b)
    if ndim_of(b) == 1:
        if ndim_of(a) == 1:
            return matmul(g, a)
        if ndim_of(a) == 2:
            return matmul(g, _mT(a))  # (batch, k) @ (k, m): one GEMM, not a stack of GEMVs
        gs = shape_of(g)
        g = sh.reshape(g, gs[:nb] + (1,) * (ndim_of(a) - 2) + (gs[-1], 1))
        out = matmul(a, g)
        return sh.reshape(out, shape_of(out)[:-1])
    if ndim_of(a) == 1:
        return matmul(a, g)
    return matmul(a, _pad(g, nb, b, _out_stack(a, b)))


def _vjp_a(g, ans, a, b):
    nb = ndim_of(g) - ndim_of(ans)
    if ndim_of(b) == 1:
        c = sh.expand_dims(g, -1) * b  # (batch, stack.., m, k) or (batch, k)
    elif ndim_of(a) == 1:
        if ndim_of(b) == 2:
            return matmul(g, _mT(b))  # (batch, n) @ (n, k): one GEMM
        c = sh.squeeze(matmul(sh.expand_dims(g, -2), _mT(b)), -2)
    else:
        c = matmul(g, _mT(b))
    return unbroadcast(c, shape_of(a), nb)


def _vjp_b(g, ans, a, b):
    nb = ndim_of(g) - ndim_of(ans)
    if ndim_of(a) == 1:
        if ndim_of(b) == 1:
            c = sh.expand_dims(g, -1) * a
        else:
            c = sh.expand_dims(a, -1) * sh.expand_dims(g, -2)
    elif ndim_of(b) == 1:
        if ndim_of(a) == 2:
            return matmul(g, a)  # (batch, m) @ (m, k): one GEMM
        c = sh.squeeze(matmul(sh.expand_dims(g, -2), a), -2)
    else:
        c = matmul(_mT(a), g)
    return unbroadcast(c, shape_of(b), nb)


defjvp(matmul, _jvp_a, _jvp_b, batched=True)
defvjp_direct(matmul, _vjp_a, _vjp_b)


# ---- composites -------------------------------------------------------------
def outer(a, b):
    return ew.multiply(sh.expand_dims(sh.ravel(a), -1), sh.expand_dims(sh.ravel(b), 0))
