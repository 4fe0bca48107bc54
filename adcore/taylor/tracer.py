"""Taylor mode's traced value and tag: a ``Jet`` is (primal, series, tag).

``series`` holds the normalised Taylor coefficients ``[c1, ..., ck]`` of the
curve ``x(t) = primal + c1 t + ... + ck t^k`` (``c_n = x^(n)(0) / n!``), each
with the primal's shape behind ``tag.nbatch`` (0 or 1) leading batch axes:
many directions pushed in one pass.  A coefficient known to be zero is
``None`` (a direction's higher terms, a constant's series), so rules skip
the work it would cost instead of multiplying zeros.  A primitive applied to jets is handled
like any tag handles it (see ``adcore.core.tags``): the primal is computed
one level down, so outer tags see it, and the output coefficients come from
the primitive's ``taylor`` rule, or from its JVP rule when it has none.
"""

import numpy as np

from adcore.core import Tag, Traced, getval, shape_of


class Jet(Traced):
    """A Taylor-mode value: the primal, its normalised coefficients and the tag of its jet call."""

    __slots__ = ("series",)

    def __init__(self, primal, series, tag):
        self.primal = primal
        self.series = series
        self.tag = tag


class JetTag(Tag):
    """One ``jet`` call: ``order`` coefficients per value, ``nbatch`` leading batch axes."""

    __slots__ = ("order", "nbatch", "batch")

    def __init__(self, order, batch=(), transform="jet"):
        Tag.__init__(self, transform)
        self.order = order
        self.batch = tuple(batch)
        self.nbatch = len(self.batch)

    def zeros(self, like):
        """A zero coefficient for a value shaped like ``like`` (batch axes in front)."""
        v = getval(like)
        dtype = np.result_type(v)
        return np.zeros(self.batch + shape_of(v), dtype=dtype if dtype.kind == "f" else np.float64)

    def process(self, prim, args, kwargs):
        """Apply ``prim`` to this tag's jets: the primal one level down, the series by its rule."""
        if not self.alive:
            raise self.dead_error()
        primals = list(args)
        series = [None] * len(args)
        nested = False
        for i, a in enumerate(args):
            if type(a) is Jet and a.tag is self:
                primals[i] = a.primal
                series[i] = a.series
            if isinstance(primals[i], Traced):
                nested = True
        ans = prim(*primals, **kwargs) if nested else prim.impl(*primals, **kwargs)
        rule = prim.variants.get("taylor") or jvp_derived
        out = rule(prim, ans, primals, series, kwargs, self)
        if all(c is None for c in out):
            return ans  # no dependence left on this jet's curve
        return Jet(ans, list(out), self)


# Imported last: the fallback builds on the transforms, which import the core.
from adcore.taylor.fallback import jvp_derived  # noqa: E402
