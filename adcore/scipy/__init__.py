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

from adcore.rules import complex_support as _complex_support
from adcore.scipy import integrate, linalg, signal, special, stats

# scipy's primitives register after adcore.rules marked the built-in ones: mark them
# too.  All but linalg's sqrtm and solve_sylvester (holomorphic, marked complex where
# they are defined) are real-only (their rules assume real values: real
# special-function derivatives, real banded and triangular solves) and refuse complex
# values by name instead of returning a silently wrong derivative.
_complex_support.install()

# and give them their native Taylor rules (adcore.taylor attached the built-in ones)
from adcore.taylor import scipy_rules as _scipy_rules  # noqa: E402

_scipy_rules.install()

__all__ = ["integrate", "linalg", "signal", "special", "stats"]
