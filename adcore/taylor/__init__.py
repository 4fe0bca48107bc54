"""Taylor mode: the first k derivatives along a direction in one forward pass.

tracer     the ``Jet`` value and its tag (a third mode beside duals and the tape)
series     truncated-series recurrences (Cauchy product, quotient, exp, log, ...)
rules      the native ``taylor`` rules, attached to the primitives by name
more_rules, linalg_rules, special_rules, scipy_rules
           more native rules (logaddexp ... prod, inv ... cholesky, scipy's)
compose    recurrences those use: composition with known derivatives, exp of a growing series
fallback   the rule derived from a primitive's JVP rule, for every other primitive
transforms ``jet`` (JAX's convention) and ``taylor_derivatives``
"""

from adcore.taylor import rules
from adcore.taylor.tracer import Jet, JetTag
from adcore.taylor.transforms import jet, taylor_derivatives

rules.install()

__all__ = ["Jet", "JetTag", "jet", "rules", "taylor_derivatives"]
