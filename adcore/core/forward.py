"""Forward mode: dual numbers evaluated left to right.

A ``Dual`` is (primal, tangent, tag).  The tangent has the primal's shape, or
the primal's shape behind leading batch axes when ``jacfwd`` pushes many
tangent directions through one pass (``tag.nbatch`` of them, 0 or 1).
"""

from . import debug, hooks
from .primitive import NONDIFF
from .tags import Tag
from .tracer import Traced


class Dual(Traced):
    """A forward-mode value: the primal, its tangent, and the tag of its jvp/jacfwd call."""

    __slots__ = ("tangent",)

    def __init__(self, primal, tangent, tag):
        self.primal = primal
        self.tangent = tangent
        self.tag = tag


class ForwardTag(Tag):
    """One forward-mode transform call; ``nbatch`` is 1 when jacfwd pushes a batch of tangents."""

    __slots__ = ("nbatch",)

    def __init__(self, transform="jvp", nbatch=0):
        Tag.__init__(self, transform)
        self.nbatch = nbatch

    def process(self, prim, args, kwargs):
        """Apply ``prim`` to this tag's duals: primal one level down, tangent by the JVP rules.

        Tangents of several arguments add up; a primitive without a batched rule
        has its rule looped over the batch axis.
        """
        if not self.alive:
            raise self.dead_error()
        if len(args) == 1:  # the common unary case, without the bookkeeping below
            return self._unary(prim, args[0], kwargs)
        primals = list(args)
        mine = []
        nested = False  # does anything still carry an older tag?
        for i, a in enumerate(args):
            if type(a) is Dual and a.tag is self:
                a = primals[i] = a.primal
                mine.append(i)
            if isinstance(a, Traced):
                nested = True
        ans = prim(*primals, **kwargs) if nested else prim.impl(*primals, **kwargs)
        joint = prim.variants.get("jvp_joint") if len(mine) > 1 else None
        if joint is not None and (prim.jvp_batched or not self.nbatch):
            return self._joint(prim, joint, args, mine, ans, primals, kwargs)
        jvps = prim.jvps
        tangent = None
        for i in mine:
            rule = jvps.get(i)
            if rule is None:
                rule = prim.rule("jvp", i)
                if rule is None:
                    raise prim.missing("jvp", i)
            if rule is NONDIFF:
                continue
            g = args[i].tangent
            if self.nbatch and not prim.jvp_batched:
                t = hooks.stack([rule(gk, ans, *primals, **kwargs) for gk in g])
            else:
                t = rule(g, ans, *primals, **kwargs)
            if prim.checked or debug.every_rule:
                debug.check_jvp(prim, i, t, g, ans, self.nbatch)
            tangent = t if tangent is None else hooks.add(tangent, t)
        if tangent is None:
            return ans
        return Dual(ans, tangent, self)

    def _joint(self, prim, joint, args, mine, ans, primals, kwargs):
        """A linear n-ary primitive's tangent from all its arguments' tangents at once
        (``variants["jvp_joint"]``, None for constant arguments): concatenate's is the
        concatenation of the tangents, where the per-argument rules would pad each to
        the output's size and add them up."""
        tangents = [None] * len(args)
        for i in mine:
            tangents[i] = args[i].tangent
        t = joint(tangents, ans, *primals, **kwargs)
        if prim.checked or debug.every_rule:
            debug.check_jvp(prim, mine[0], t, tangents[mine[0]], ans, self.nbatch)
        return Dual(ans, t, self)

    def _unary(self, prim, dual, kwargs):
        x = dual.primal
        if isinstance(x, Traced):
            ans = prim(x, **kwargs)
        else:
            ans = prim.impl(x, **kwargs)
        rule = prim.jvps.get(0)
        if rule is None:
            rule = prim.rule("jvp", 0)
            if rule is None:
                raise prim.missing("jvp", 0)
        if rule is NONDIFF:
            return ans
        g = dual.tangent
        if self.nbatch and not prim.jvp_batched:
            t = hooks.stack([rule(gk, ans, x, **kwargs) for gk in g])
        else:
            t = rule(g, ans, x, **kwargs)
        if prim.checked or debug.every_rule:
            debug.check_jvp(prim, 0, t, g, ans, self.nbatch)
        return Dual(ans, t, self)
