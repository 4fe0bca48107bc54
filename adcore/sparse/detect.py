"""Sparsity detection by tracing with index sets.

A ``DependencyTag`` traces f like the other transforms, but the values it
carries are ``Deps``: the primal plus, per element, the set of input indices
it depends on -- a boolean sparse row per element (rows = elements, columns
= the n flattened inputs; ``sets.Sets``).  Each primitive's sparsity rule
gives its local pattern P per traced argument and the sets follow as
``D_out = OR_j P_j @ D_j``.  A primitive without a rule is assumed dense:
every output element depends on everything its inputs depend on (never a
pattern that is too sparse).

For Hessian patterns the tag also collects nonlinear interactions: an
operation whose second derivative couples arguments a and b adds
``C_a^T C_b`` (C = the argument's sets seen from the output elements) to the
pattern; linear and piecewise-linear operations add nothing.  Every entry of
the Hessian comes from some operation's second derivative (the chain rule's
``sum_k  ybar_k J_k^T (d^2 phi_k) J_k``), so the union is a valid pattern.

Worked example, f(x) = x[1:] * x[:-1] with x of size 3:

    x          rows {0}, {1}, {2}
    x[1:]      gather         -> {1}, {2}
    x[:-1]     gather         -> {0}, {1}
    product    elementwise OR -> {0,1}, {1,2}        (the Jacobian pattern)
    Hessian    multilinear: C_a^T C_b = {(1,0), (2,1)}, symmetrised.

Patterns are *global* (valid at every point) when f's control flow and
indices do not depend on the traced values.  Reading a value -- ``bool(x)``,
a comparison, ``argmax``, ``getval`` -- marks the result local to this point
and records where it happened.
"""

import os
import sys
from collections import namedtuple

import numpy as np
import scipy.sparse as sp

from adcore.core import Tag, Traced, getval, shape_of
from adcore.core.pytree import tree_flatten
from adcore.sparse import patterns as pt
from adcore.sparse import rules
from adcore.sparse.sets import Sets, union
from adcore.transforms.common import DiffArgs

Detection = namedtuple(
    "Detection", "pattern hessian is_global reads assumed_dense n_in n_out out_shapes"
)
Detection.__doc__ = """What detection found.

pattern        Jacobian pattern, csr_array (outputs x inputs, flattened), bool
hessian        Hessian pattern (inputs x inputs) when asked for, else None
is_global      True when no traced value was read: the pattern holds at every point
reads          where values were read (file:line function), when not global
assumed_dense  names of primitives without a sparsity rule (assumed dense)
n_in, n_out    the numbers of (flattened) input and output elements
out_shapes     the shape of each output leaf, in tree_flatten order
"""

_PRIMAL = Traced.primal  # the slot descriptor: Deps reads its value without noting a read
_HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
# reads that only look at a dtype or a shape, never at values (audited call sites)
_METADATA_READS = {
    "mask",
    "match_dtype",
    "at_set",
    "as_float_leaf",
    "zeros_like_leaf",
    "dtype",
    "check_tangents",
    "basis_blocks",
    "_scalar_check",
    "value_and_grad_f",
    "jacfwd_f",
    "jacrev_f",
    "untraced",  # the output checks: leaked-tracer test, then type and dtype only
    # complex support: np.iscomplexobj(getval(x)), a dtype test only
    "_real_inputs",  # jacfwd refuses complex inputs
    "_any_complex",  # jacobian's mode choice sends complex inputs to reverse mode
    "_complex",  # numpy_linalg: conjugate transposes for complex inputs
    "_conj",  # contractions: vdot/inner conjugate complex inputs
    "_metadata_value",  # np.shape, np.ndim, np.size, np.zeros_like ... of a traced value
}


class Deps(Traced):
    """A traced value carrying, per element, the input indices it depends on."""

    __slots__ = ("deps",)

    def __init__(self, value, deps, tag):
        _PRIMAL.__set__(self, value)
        self.tag = tag
        self.deps = deps

    @property
    def primal(self):
        """The plain value, for code outside the detector: reading it is noted (the
        pattern may then depend on the point)."""
        self.tag.note_read(sys._getframe(1))
        return _PRIMAL.__get__(self)

    @property
    def value(self):
        """The plain value, for the detector itself: not noted as a read."""
        return _PRIMAL.__get__(self)

    @property
    def shape(self):
        """The value's shape; metadata, so reading it keeps the pattern global."""
        return shape_of(self.value)

    @property
    def dtype(self):
        """The value's dtype; metadata, so reading it keeps the pattern global."""
        return np.result_type(self.value)

    def __bool__(self):
        self.tag.note_read(sys._getframe(1), "bool() of a traced value")
        return bool(self.value)


class TooDense(Exception):
    """Detection stopped: an intermediate depended on more inputs than its budget."""


class DependencyTag(Tag):
    """The transform tag of one detection: it propagates dependency sets through each
    primitive call and records what makes the result local or assumed dense."""

    __slots__ = ("n", "hessian", "interactions", "reads", "assumed_dense", "budget")

    def __init__(self, n, hessian=False, budget=None):
        Tag.__init__(self, "jacobian_sparsity")
        self.n = n
        self.hessian = hessian
        self.budget = budget  # max dependency entries of one value, or None
        self.interactions = []  # (n x n) boolean terms of the Hessian pattern
        self.reads = []
        self.assumed_dense = set()

    def note_read(self, frame, what="the value of a traced array was read"):
        """Record a read of a traced value at the user's line (adcore's own frames are
        skipped); reads that only look at dtypes or shapes are not recorded."""
        while frame is not None and frame.f_code.co_name == "getval":
            frame = frame.f_back
        if frame is None or frame.f_code.co_name in _METADATA_READS:
            return
        if frame.f_code.co_name in ("<lambda>", "<listcomp>") and frame.f_back is not None:
            if frame.f_back.f_code.co_name in _METADATA_READS:  # e.g. jacfwd's dtype_of
                return
        via = frame.f_code.co_name
        inside = frame
        while frame is not None and frame.f_code.co_filename.startswith(_HERE):
            frame = frame.f_back  # name the user's line, not adcore's
        frame = frame or inside
        where = f"{os.path.basename(frame.f_code.co_filename)}:{frame.f_lineno} "
        where += f"in {frame.f_code.co_name}" + ("" if frame is inside else f" (via {via})")
        if len(self.reads) < 8 and (what, where) not in self.reads:
            self.reads.append((what, where))

    def process(self, prim, args, kwargs):
        """Evaluate ``prim`` on the plain values and give the result the union of its
        traced arguments' sets seen through the rule's local patterns (dense without a
        rule); for Hessians, also collect the call's second-order interactions."""
        if not self.alive:
            raise self.dead_error()
        primals = list(args)
        traced = []
        nested = False
        for i, a in enumerate(args):
            if type(a) is Deps and a.tag is self:
                primals[i] = a = a.value
                traced.append(i)
            if isinstance(a, Traced):
                nested = True
        ans = prim(*primals, **kwargs) if nested else prim.impl(*primals, **kwargs)
        rule = prim.variants.get("sparsity")
        maps = None
        if rule is not None:
            maps = rule.pattern(prim, ans, primals, kwargs, traced)
        if maps is None:
            self.assumed_dense.add(prim.name)
            maps = {j: pt.DENSE for j in traced}
        n_out = pt.size_of(shape_of(ans))
        if self.budget is not None:
            for j in traced:
                if entries(maps[j], args[j].deps, n_out) > self.budget:
                    raise TooDense(f"{prim.name}: more than {self.budget} dependency entries")
        deps = None
        if len(traced) > 1 and not self.hessian:
            deps = _one_source_each(maps, args, traced)
        if deps is None:
            seen = {j: apply(maps[j], args[j].deps, n_out) for j in traced}
            deps = union(list(seen.values()), n_out, self.n)
            if self.hessian:
                self._interact(rule, seen, deps)
        return Deps(ans, deps, self)

    def _interact(self, rule, seen, deps):
        curvature = "nonlinear" if rule is None else rule.curvature
        if curvature in ("linear", "piecewise"):
            return
        terms = self.interactions
        if curvature == "multilinear":
            js = sorted(seen)
            for k, a in enumerate(js):
                for b in js[k + 1 :]:
                    terms.append(seen[a].to_scipy().T @ seen[b].to_scipy())
            return
        which = None if rule is None else rule.nonlinear_in
        full = deps.to_scipy()
        if which is None:
            terms.append(full.T @ full)
            return
        hit = [seen[j] for j in seen if j in which]
        if hit:
            terms.append(full.T @ union(hit, deps.rows, self.n).to_scipy())


def _one_source_each(maps, args, traced):
    """Concatenation's shortcut: when every argument's map is a gather and each output
    element reads from one argument at most, one gather from all the arguments' rows
    stacked gives the sets without forming a union.  None when that does not hold."""
    if not all(isinstance(maps[j], pt.Gather) for j in traced):
        return None
    srcs = [maps[j].src for j in traced]
    hits = sum((s >= 0).astype(np.int8) for s in srcs)
    if hits.max(initial=0) > 1:
        return None
    combined = np.full(srcs[0].size, -1, dtype=np.int64)
    offset = 0
    for j, s in zip(traced, srcs):
        valid = s >= 0
        combined[valid] = s[valid] + offset
        offset += args[j].deps.rows
    return Sets.stack([args[j].deps for j in traced]).take(combined)


def entries(local, deps, n_out):
    """An upper bound on the entries ``apply`` would build (checked before building)."""
    if local is pt.IDENTITY:
        return deps.indices.size
    if local is pt.DENSE:
        return n_out * min(deps.n, deps.indices.size)
    if isinstance(local, pt.Gather):
        return n_out * int(deps.lengths().max(initial=0))
    return int(deps.lengths()[sp.csr_array(local).indices].sum())


def apply(local, deps, n_out):
    """The dependency sets of the output elements, from one argument's sets."""
    if local is pt.IDENTITY:
        return deps
    if local is pt.DENSE:
        return deps.everything(n_out)
    if isinstance(local, pt.Gather):
        return deps.take(local.src)
    return deps.through(local)


def _sum(terms, shape):
    """The union of boolean matrices, built once (adding them pairwise copies each time)."""
    coos = [sp.coo_array(t) for t in terms]
    rows = np.concatenate([c.row for c in coos] + [np.zeros(0, dtype=np.int64)])
    cols = np.concatenate([c.col for c in coos] + [np.zeros(0, dtype=np.int64)])
    out = sp.csr_array((np.ones(rows.size, dtype=bool), (rows, cols)), shape=shape)
    out.sum_duplicates()
    return out


def leaf_sets(sizes):
    """Dependency sets of the inputs: element k of the flattened inputs depends on k."""
    n = int(sum(sizes))
    starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    return [Sets.identity_block(s, int(a), n) for s, a in zip(sizes, starts)]


def detect(
    f, args, argnums=0, kwargs=None, hessian=False, transform="jacobian_sparsity", budget=None
):
    """Trace ``f(*args)`` with index sets; see ``Detection`` for the result.

    ``budget`` caps the dependency entries of any one value: past it ``TooDense``
    is raised (the mode choice uses it to stop early on dense Jacobians).
    """
    rules.attach_all()
    diff = DiffArgs(args, argnums, transform)
    values = [getval(x) for x in diff.leaves]
    sizes = [int(np.size(v)) for v in values]
    n = int(sum(sizes))
    tag = DependencyTag(n, hessian, budget)
    inputs = [Deps(v, d, tag) for v, d in zip(values, leaf_sets(sizes))]
    try:
        out = f(*diff.rebuild(inputs), **(kwargs or {}))
    finally:
        tag.alive = False
    leaves, _ = tree_flatten(out)
    out_shapes = tuple(shape_of(o.value if type(o) is Deps else getval(o)) for o in leaves)
    blocks = []
    for o in leaves:
        if type(o) is Deps and o.tag is tag:
            blocks.append(o.deps.to_scipy())
        else:
            blocks.append(sp.csr_array((int(np.size(getval(o))), n), dtype=bool))
    if len(blocks) == 1:
        pattern = blocks[0]
    else:
        pattern = sp.csr_array(sp.vstack(blocks, format="csr").astype(bool) if blocks else None)
    hess = None
    if hessian:
        m = pattern.shape[0]
        if m != 1:
            raise TypeError(
                f"{transform} requires f to return a scalar (a float or 0-d array); it "
                f"returned {m} elements. Use jacobian_sparsity for vector-valued f."
            )
        hess = _sum(tag.interactions, (n, n))
        hess = sp.csr_array((hess + hess.T).astype(bool))
        hess.sort_indices()
    pattern.sort_indices()
    reads = tuple(f"{what} at {where}" for what, where in tag.reads)
    dense = tuple(sorted(tag.assumed_dense))
    return Detection(pattern, hess, not reads, reads, dense, n, pattern.shape[0], out_shapes)
