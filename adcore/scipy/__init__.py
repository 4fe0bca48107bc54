"""adcore.scipy: differentiable counterparts of scipy functions (needs scipy, the
``scipy`` extra).

    import adcore.scipy.special as asp
    asp.gammaln(x)            # or scipy.special.gammaln(x) on a traced x

``special`` declares scipy.special's ufuncs as elementwise primitives (and
registers them with the ufunc front end, so scipy's own ufuncs work on traced
values); ``stats`` builds the distributions from them; ``linalg``, ``signal``
and ``integrate`` are primitives with their own rules.
"""

from adcore.scipy import integrate, linalg, signal, special, stats

__all__ = ["integrate", "linalg", "signal", "special", "stats"]
