"""Elementwise primitives declared by their partial derivatives.

State each argument's partial derivative once, ``d out / d arg_i`` as a
function of ``(ans, *args)``; both the JVP and the VJP rule follow, with
numpy broadcasting undone (``unbroadcast``) and leading batch axes handled.
Partials are written with adcore ops, so the rules are differentiable again.
"""

from adcore.core import NONDIFF, Primitive, defjvp, defvjp_direct, ndim_of, shape_of
from adcore.rules.broadcast import broadcast_to, reshape, unbroadcast

# A partial derivative that is identically 1 (add) or -1 (subtract): the rule
# passes the tangent through instead of multiplying by a constant.
ONE = "one"
MINUS_ONE = "minus_one"


def _elementwise_jvp(i, partial, arity):
    if arity == 1 and callable(partial):

        def unary_jvp(g, ans, x, **kwargs):  # shapes always agree: no broadcasting to undo
            return g * partial(ans, x, **kwargs)

        return unary_jvp

    def jvp(g, ans, *args, **kwargs):
        xs = shape_of(args[i])
        s = shape_of(ans)
        if xs == s:
            if partial is ONE:
                return g
            if partial is MINUS_ONE:
                return -g
            return g * partial(ans, *args, **kwargs)
        nb = ndim_of(g) - len(xs)
        if nb and len(xs) < len(s):
            g = reshape(g, shape_of(g)[:nb] + (1,) * (len(s) - len(xs)) + xs)
        if partial is ONE:
            t = g
        elif partial is MINUS_ONE:
            t = -g
        else:
            t = g * partial(ans, *args, **kwargs)
        full = shape_of(g)[:nb] + s
        if shape_of(t) != full:
            t = broadcast_to(t, full)
        return t

    return jvp


def _elementwise_vjp(i, partial):
    def vjp(g, ans, *args, **kwargs):
        if partial is ONE:
            c = g
        elif partial is MINUS_ONE:
            c = -g
        else:
            c = g * partial(ans, *args, **kwargs)
        xs = shape_of(args[i])
        s = shape_of(ans)
        if xs == s:
            return c
        return unbroadcast(c, xs, ndim_of(g) - len(s))

    return vjp


def elementwise(impl, *partials, name=None, domain=None, family="elementwise"):
    """Declare an elementwise primitive from its partial derivatives.

    ``partials[i](ans, *args, **kwargs)`` is d(out)/d(arg i) evaluated
    elementwise (broadcastable to the output), written with adcore ops so it
    is differentiable again; ``ONE``/``MINUS_ONE`` for the constant partials;
    ``None`` for an argument that is never differentiated (a condition).
    ``domain`` = (low, high) tells the tests where the function is smooth.
    """
    prim = Primitive(impl, name=name, family=family)
    jvps, vjps = [], []
    for i, p in enumerate(partials):
        if p is None:
            jvps.append(NONDIFF)
            vjps.append(NONDIFF)
        else:
            jvps.append(_elementwise_jvp(i, p, len(partials)))
            vjps.append(_elementwise_vjp(i, p))
    defjvp(prim, *jvps, batched=True)
    defvjp_direct(prim, *vjps, batched=True)
    prim.meta.update(kind="elementwise", arity=len(partials), domain=domain)
    return prim
