"""Spec cases for adcore.scipy's primitives, read by ``test_registry.py``.

Importing this module needs scipy (``test_registry`` skips the table without
it, and then adcore.scipy's primitives are not registered either).  Most of
scipy.special is elementwise and gets its cases from ``prim.meta``; the
functions with a parameter that is never differentiated (a Bessel order, an
incomplete-gamma shape) are listed here with that parameter as a ``Const``.
"""

import numpy as np
from registry_specs import Const

import adcore.scipy  # noqa: F401  (registers the primitives)

ORDERS = np.array([0.0, 0.5, 2.0])
BETAINC = [None, None, (0.1, 0.9)]


def _param_cases(values, x_shape_domain):
    # float32 parameters (and a Python float) keep float32 inputs float32, as numpy promotes
    shape, domain = x_shape_domain
    return [
        dict(args=[Const(np.float32(values)), shape], domain=[None, domain]),
        dict(args=[Const(float(values[-1])), ()], domain=[None, domain]),
    ]


SPECS = {
    # ---- special: a parameter, then the differentiated argument
    "zeta": _param_cases(np.array([2.0, 3.0, 4.5]), ((2, 3), (0.5, 3.0))),
    "gammainc": _param_cases(np.array([0.7, 1.5, 3.0]), ((3,), (0.3, 3.0))),
    "gammaincc": _param_cases(np.array([0.7, 1.5, 3.0]), ((2, 3), (0.3, 3.0))),
    "stdtr": _param_cases(np.array([1.0, 2.5, 10.0]), ((3,), (-3.0, 3.0))),
    "jv": _param_cases(ORDERS, ((2, 3), (0.3, 3.0))),
    "yv": _param_cases(ORDERS, ((3,), (0.5, 3.0))),
    "iv": _param_cases(ORDERS, ((2, 3), (0.3, 3.0))),
    "ive": _param_cases(ORDERS, ((3,), (0.3, 3.0))),
    "betainc": [
        dict(args=[Const(np.float32([0.8, 2.0, 3.5])), Const(1.5), (3,)], domain=BETAINC),
        dict(args=[Const(2.0), Const(np.float32([[0.9], [2.5]])), (2, 3)], domain=BETAINC),
    ],
}


# ---- linalg: random draws made well-conditioned by the wrap (a shifted diagonal, an SPD matrix)
def _shifted(a, by=3.0):
    return a + by * np.eye(np.shape(a)[-1], dtype=a.dtype)


def _tri_wrap(prim, a, b, *flags):
    return prim(_shifted(a), b, *flags)


def _syl_wrap(prim, a, b, q):
    return prim(_shifted(a), _shifted(b), q)


def _spd_wrap(prim, x):
    import adcore.numpy as anp

    return prim(_shifted(anp.matmul(x, anp.transpose(x)), 1.0))


def _negative_eigenvalue_wrap(prim, x):
    """sqrtm of diag(-1, 2, 3) + x, real and imaginary parts stacked (real outputs)."""
    import adcore.numpy as anp

    root = prim(x + np.diag([-1.0, 2.0, 3.0]))
    return anp.stack([anp.real(root), anp.imag(root)])


def _band_wrap(prim, l_and_u, ab, b):
    lower, upper = l_and_u
    main = np.zeros(np.shape(ab), dtype=ab.dtype)
    main[upper] = 4.0  # the main diagonal's row in band storage
    return prim(l_and_u, ab + main, b)


SPECS.update(
    {
        "solve_triangular": [
            dict(args=[(3, 3), (3,), Const(0), Const(True), Const(False)], wrap=_tri_wrap),
            dict(args=[(3, 3), (3, 2), Const(1), Const(False), Const(False)], wrap=_tri_wrap),
            dict(args=[(3, 3), (3, 2), Const(0), Const(False), Const(True)], wrap=_tri_wrap),
        ],
        "solve_sylvester": [
            dict(args=[(3, 3), (2, 2), (3, 2)], wrap=_syl_wrap),
            dict(args=[(2, 2), (2, 2), (2, 2)], wrap=_syl_wrap),
        ],
        "sqrtm": [
            dict(args=[(3, 3)], wrap=_spd_wrap),
            dict(args=[(2, 2)], wrap=_spd_wrap),
            # a negative eigenvalue: no real square root, scipy's complex one
            dict(args=[(3, 3)], domain=(-0.3, 0.3), wrap=_negative_eigenvalue_wrap),
        ],
        "solve_banded": [
            dict(args=[Const((1, 2)), (4, 5), (5,)], wrap=_band_wrap),
            dict(args=[Const((0, 1)), (2, 4), (4, 2)], wrap=_band_wrap),
        ],
    }
)

SPECS["signal_convolve"] = [
    dict(args=[(5,), (3,), Const("full")]),
    dict(args=[(3,), (5,), Const("same")]),
    dict(args=[(3, 4), (2, 2), Const("valid")]),
    dict(args=[(2, 3), (3, 2), Const("same")]),
]


# ---- integrate: a small nonlinear system; times are increasing sums of positive steps
def _decay(y, t, a):
    import adcore.numpy as anp

    return -a * anp.tanh(y) + 0.5 * anp.sin(t)


def _ode_wrap(prim, y0, steps, a, **kwargs):
    import adcore.numpy as anp

    t = anp.concatenate([np.zeros(1, dtype=steps.dtype), anp.cumsum(steps, axis=0)])
    return prim(y0, t, a, **kwargs)


ODE = dict(func=_decay, rtol=1e-12, atol=1e-12)
SPECS["odeint"] = [
    dict(
        args=[(2,), (2,), (2,)],
        kwargs=ODE,
        domain=[(-1, 1), (0.2, 0.5), (0.5, 1.5)],
        wrap=_ode_wrap,
    ),
]
