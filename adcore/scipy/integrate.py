"""scipy.integrate.odeint, differentiable in the initial state, the times and the
extra arguments of the right-hand side.

``odeint_p(y0, t, *args, func=...)`` is one primitive whose rules are
themselves ODE solves, written with adcore ops so they differentiate again:

* JVP (forward sensitivities): integrate y together with its tangent, whose
  dynamics is ``jvp`` of ``func`` along (tangent of y, tangent of the argument);
  a shift of the start time t0 acts as the initial perturbation ``-f(y0, t0) dt0``
  and a shift of t_i adds ``f(y_i, t_i) dt_i``.
* VJP (the adjoint method): sweep the intervals backwards, integrating y, the
  adjoint a (da/dt = -a df/dy) and the accumulated cotangents of t and of the
  arguments (d/dt = -a df/dt, -a df/dargs), adding the cotangent of each output
  as its time is passed.

``func(y, t, *args)`` must be written with adcore.numpy (or numpy on traced
values) so that its own derivatives exist.  States of any shape are flattened
for scipy.
"""

import numpy as np
import scipy.integrate as si

import adcore.numpy as anp
from adcore.core import Primitive, defjvp, defvjp_direct, getval, shape_of
from adcore.transforms import jvp, vjp


def _odeint_impl(y0, t, *args, func, rtol=None, atol=None, mxstep=0):
    y0 = np.asarray(y0)
    shape = y0.shape
    dtype = np.result_type(y0, *[np.asarray(a) for a in args], np.float32)
    # scipy integrates in float64: evaluate func there too (then return the inputs' precision)
    wide = [
        np.asarray(a, dtype=np.float64) if np.asarray(a).dtype == np.float32 else a for a in args
    ]

    def rhs(y, s):
        return np.ravel(np.asarray(func(y.reshape(shape), s, *wide), dtype=np.float64))

    sol = si.odeint(rhs, np.ravel(y0).astype(np.float64), np.asarray(t, dtype=np.float64),
                    rtol=rtol, atol=atol, mxstep=mxstep)  # fmt: skip
    return sol.reshape((len(t),) + shape).astype(dtype, copy=False)


odeint_p = Primitive(_odeint_impl, name="odeint", family="scipy.integrate")
odeint_p.meta.update(kind="ode", arity=None)


def _opts(kwargs):
    return {k: kwargs[k] for k in ("rtol", "atol", "mxstep") if k in kwargs}


# ---- forward sensitivities -------------------------------------------------------------------


def _tangent_solve(y0, dy0, t, args, func, argnum, darg, opts):
    """Integrate (y, dy) with dy' = d func along (dy, darg of argument ``argnum``)."""

    def pair(z, s, *rest):
        y, dy = z[0], z[1]
        fargs, extra = rest[: len(args)], rest[len(args) :]
        if argnum is None:  # only the state moves
            f, df = jvp(lambda yy: func(yy, s, *fargs), (y,), (dy,))
        else:

            def moved(yy, a):
                full = list(fargs)
                full[argnum] = a
                return func(yy, s, *full)

            f, df = jvp(moved, (y, fargs[argnum]), (dy, extra[0]))
        return anp.stack([f, df])

    extra = () if darg is None else (darg,)
    sol = odeint_p(anp.stack([y0, dy0]), t, *args, *extra, func=pair, **opts)
    return sol[:, 1]


def _jvp_y0(g, ans, y0, t, *args, func, **kwargs):
    return _tangent_solve(y0, g, t, args, func, None, None, _opts(kwargs))


def _jvp_t(g, ans, y0, t, *args, func, **kwargs):
    # moving t0 moves the start along the flow; moving t_i reads the solution a little later
    f0 = func(y0, t[0], *args)
    shifted = _tangent_solve(y0, -f0 * g[0], t, args, func, None, None, _opts(kwargs))
    late = anp.stack([func(ans[i], t[i], *args) * g[i] for i in range(len(ans))])
    return shifted + late


def _jvp_arg(k):
    def rule(g, ans, y0, t, *args, func, **kwargs):
        zero = anp.zeros_like(getval(y0))
        return _tangent_solve(y0, zero, t, args, func, k, g, _opts(kwargs))

    return rule


# ---- the adjoint method ------------------------------------------------------------------------


def _adjoint(g, ans, y0, t, args, func, opts):
    """Cotangents of (y0, t, *args) by the backward adjoint sweep (see the module docstring)."""
    shape = shape_of(y0)
    size = int(np.prod(shape, dtype=np.int64))
    arg_shapes = [shape_of(a) for a in args]
    arg_sizes = [int(np.prod(s, dtype=np.int64)) for s in arg_shapes]

    def unpack(z):
        y = anp.reshape(z[:size], shape)
        a = anp.reshape(z[size : 2 * size], shape)
        return y, a

    def dynamics(z, s, *fargs):
        y, a = unpack(z)
        f, pull = vjp(lambda yy, ss, *aa: func(yy, ss, *aa), y, s, *fargs)
        cts = pull(-a)
        parts = [anp.ravel(f)] + [anp.ravel(c) for c in cts[:1]] + [anp.reshape(cts[1], (1,))]
        parts += [anp.ravel(c) for c in cts[2:]]
        return anp.concatenate(parts)

    n = len(ans)
    a = g[n - 1]
    ct_t0 = anp.zeros(1)
    ct_args = anp.zeros(sum(arg_sizes))
    ct_times = [None] * n
    for i in range(n - 1, 0, -1):
        here = anp.sum(func(ans[i], t[i], *args) * g[i])
        ct_times[i] = here
        ct_t0 = ct_t0 - here
        z = anp.concatenate([anp.ravel(ans[i]), anp.ravel(a), ct_t0, ct_args])
        back = anp.stack([t[i], t[i - 1]])
        z = odeint_p(z, back, *args, func=dynamics, **opts)[1]
        _, a = unpack(z)
        ct_t0 = z[2 * size : 2 * size + 1]
        ct_args = z[2 * size + 1 :]
        a = a + g[i - 1]
    ct_times[0] = ct_t0[0]
    pieces, start = [], 0
    for s, k in zip(arg_shapes, arg_sizes):
        pieces.append(anp.reshape(ct_args[start : start + k], s))
        start += k
    return a, anp.stack(ct_times), pieces


def _vjp_y0(g, ans, y0, t, *args, func, **kwargs):
    return _adjoint(g, ans, y0, t, args, func, _opts(kwargs))[0]


def _vjp_t(g, ans, y0, t, *args, func, **kwargs):
    return _adjoint(g, ans, y0, t, args, func, _opts(kwargs))[1]


def _vjp_arg(k):
    def rule(g, ans, y0, t, *args, func, **kwargs):
        return _adjoint(g, ans, y0, t, args, func, _opts(kwargs))[2][k]

    return rule


_MAX_ARGS = 8  # rules for up to this many extra arguments of func
defjvp(odeint_p, _jvp_y0, _jvp_t, *[_jvp_arg(k) for k in range(_MAX_ARGS)])
defvjp_direct(odeint_p, _vjp_y0, _vjp_t, *[_vjp_arg(k) for k in range(_MAX_ARGS)], batched=False)


def odeint(func, y0, t, args=(), rtol=None, atol=None, mxstep=0, **kwargs):
    """scipy.integrate.odeint(func, y0, t, args): the solution at each time in ``t``."""
    if kwargs.get("tfirst"):
        raise NotImplementedError("adcore.scipy.integrate.odeint: tfirst=True is not supported")
    if kwargs.get("full_output"):
        raise NotImplementedError("adcore.scipy.integrate.odeint: full_output is not supported")
    if not isinstance(args, tuple):
        args = (args,)
    if len(args) > _MAX_ARGS:
        raise ValueError(f"adcore.scipy.integrate.odeint: at most {_MAX_ARGS} extra arguments")
    return odeint_p(y0, t, *args, func=func, rtol=rtol, atol=atol, mxstep=mxstep)


__all__ = ["odeint"]
