"""adcore.scipy: differentiable counterparts of scipy functions (needs scipy, the
``scipy`` extra).

    import adcore.scipy.special as asp
    asp.gammaln(x)            # or scipy.special.gammaln(x) on a traced x

``special`` declares scipy.special's ufuncs as elementwise primitives (and
registers them with the ufunc front end, so scipy's own ufuncs work on traced
values); ``stats`` builds the distributions from them; ``linalg``, ``signal``
and ``integrate`` are primitives with their own rules.
"""

try:
    import scipy as _scipy
except ImportError as err:  # without scipy: say which extra to install
    raise ImportError(
        "adcore.scipy needs scipy (pip install 'adcore[scipy]' or pip install scipy)"
    ) from err

from adcore.scipy import integrate, linalg, signal, special, stats

__all__ = ["integrate", "linalg", "signal", "special", "stats"]
