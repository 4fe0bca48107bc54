"""Sparsity rules, declared once per family and attached to the primitives.

A rule answers two questions about one call of a primitive:

* ``pattern(prim, ans, args, kwargs, traced)`` -> {argnum: local pattern}
  (see ``patterns.py``) for the traced argument positions (``args`` hold
  plain values; ``traced`` lists the positions that carry dependency sets),
  or ``None`` when it cannot tell (the detector then assumes ``DENSE``);
* ``curvature``: how second derivatives arise, for Hessian patterns --
  ``"linear"`` (none), ``"piecewise"`` (zero almost everywhere: abs, max,
  relu), ``"multilinear"`` (only between different arguments: x * y,
  matmul, einsum) or ``"nonlinear"`` in the argument positions
  ``nonlinear_in`` (``None``: all of them; divide is nonlinear in its
  denominator only).

Rules are stored as ``prim.variants["sparsity"]`` so ``adcore.registry()``
lists them.  ``attach_all()`` walks the registry: by primitive name first,
then by ``meta["kind"]`` (elementwise, shape, reduction, axis), then by
family (decompositions).  Patterns use only shapes and the *constant*
operands' values (a zero factor, a ``where`` condition), never the traced
values, so they hold at every point where those constants are the same.
"""

import inspect
import weakref

import numpy as np

from adcore.core import NONDIFF, all_primitives, getval, registrations, shape_of
from adcore.rules.declare import neg_axes
from adcore.sparse import patterns as pt


class SparsityRule:
    """A primitive's sparsity rule: its ``pattern`` function and its curvature (see
    the module docstring), stored as ``prim.variants["sparsity"]``."""

    __slots__ = ("pattern", "curvature", "nonlinear_in", "__weakref__")

    def __init__(self, pattern, curvature="nonlinear", nonlinear_in=None):
        self.pattern = pattern
        self.curvature = curvature
        self.nonlinear_in = nonlinear_in

    def __repr__(self):
        return f"<sparsity rule {self.pattern.__name__}, {self.curvature}>"


# per-primitive caches are weak-keyed: a user's primitive (and its impl) must leave
# with its last reference, as it leaves the registry
_SIGNATURES = weakref.WeakKeyDictionary()


def bound(prim, args, kwargs):
    """The call's arguments by name, defaults filled in (rules read axis=, shape=...)."""
    sig = _SIGNATURES.get(prim)
    if sig is None:
        sig = _SIGNATURES[prim] = inspect.signature(prim.impl)
    b = sig.bind(*args, **kwargs)
    b.apply_defaults()
    return b.arguments


# ---- elementwise: broadcasting, tightened by constant zeros ----------------------------
def elementwise_pattern(prim, ans, args, kwargs, traced):
    """Each output element reads the element of each argument it broadcasts from;
    a constant zero factor of ``multiply`` and ``where``'s condition drop reads."""
    out_shape = shape_of(ans)
    keeps = {}
    if prim.name == "multiply" and len(traced) == 1:
        nonzero = np.asarray(getval(args[1 - traced[0]])) != 0
        if not nonzero.all():  # a zero factor cuts the dependency
            keeps[traced[0]] = np.broadcast_to(nonzero, out_shape)
    elif prim.name == "where":
        cond = np.broadcast_to(np.asarray(getval(args[0]), dtype=bool), out_shape)
        keeps = {1: cond, 2: ~cond}
    return {j: pt.broadcast_map(shape_of(args[j]), out_shape, keeps.get(j)) for j in traced}


def identity_pattern(prim, ans, args, kwargs, traced):
    """Output element k reads element k of its argument only (``astype``)."""
    return {j: pt.IDENTITY for j in traced}


# ---- shape and indexing: found by running the primitive on element numbers ------------
def gather_pattern(prim, ans, args, kwargs, traced):
    """Run the primitive on arrays holding each element's number (1, 2, ...; constants
    hold 0) and read off where every output element came from.

    This serves any primitive that only moves entries (reshape, transpose,
    indexing, concatenation, padding with zeros, flips, rolls).  A second run
    with the numbers permuted must agree, or the primitive combines entries and
    the rule gives up (dense) rather than guess.
    """
    data = [i for i in range(len(args)) if prim.rule("jvp", i) not in (None, NONDIFF)]
    key = _gather_key(args, kwargs, traced, data)
    known = _GATHERS.setdefault(prim, {})
    if key is not None and key in known:
        return known[key]
    out = _gather(prim, ans, args, kwargs, traced, data)
    if key is not None:
        if len(known) >= MAX_GATHERS:
            known.pop(next(iter(known)))
        known[key] = out
    return out


# prim -> {call key: maps}: the map depends on shapes and the non-data arguments only
MAX_GATHERS = 256  # cached maps per primitive
_GATHERS = weakref.WeakKeyDictionary()


def _gather_key(args, kwargs, traced, data):
    try:
        parts = [
            ("data", i in traced, shape_of(a)) if i in data else _freeze(a)
            for i, a in enumerate(args)
        ]
        return (tuple(parts), _freeze(kwargs))
    except TypeError:
        return None


def _freeze(v):
    """A hashable stand-in for an index, a shape, an axis (TypeError if there is none)."""
    if isinstance(v, dict):
        return tuple((k, _freeze(x)) for k, x in sorted(v.items()))
    if isinstance(v, (tuple, list)):
        return (type(v).__name__,) + tuple(_freeze(x) for x in v)
    if isinstance(v, slice):
        return ("slice", v.start, v.stop, v.step)
    if isinstance(v, np.ndarray):
        if v.size > 4096:
            raise TypeError("too large to key a cache on")
        return ("array", v.shape, v.dtype.str, v.tobytes())
    if v is None or v is Ellipsis or isinstance(v, (int, float, str, np.generic, np.dtype)):
        return (type(v).__name__, v)
    raise TypeError(f"unhashable {type(v).__name__}")


def _gather(prim, ans, args, kwargs, traced, data):
    offsets, total = {}, 0
    for i in traced:
        offsets[i] = total
        total += pt.size_of(shape_of(args[i]))
    perm = np.random.default_rng(total).permutation(total)

    def encoded(numbering):
        call = list(args)
        for i in data:
            shape = shape_of(args[i])
            if i in offsets:
                ids = offsets[i] + np.arange(pt.size_of(shape))
                call[i] = (numbering(ids) + 1.0).reshape(shape)
            else:
                call[i] = np.zeros(shape)
        return np.asarray(prim.impl(*call, **kwargs), dtype=np.float64)

    first = encoded(lambda ids: ids.astype(np.float64))
    second = encoded(lambda ids: perm[ids].astype(np.float64))
    if first.shape != shape_of(ans):
        return None
    src = first.ravel()
    ok = (src == np.round(src)) & (src >= 0) & (src <= total)
    if not ok.all():
        return None
    src = src.astype(np.int64) - 1
    moved = src >= 0
    expect = np.zeros(src.shape)
    expect[moved] = perm[src[moved]] + 1.0
    if not np.array_equal(expect, second.ravel()):
        return None
    out = {}
    for i in traced:
        size = pt.size_of(shape_of(args[i]))
        local = np.where((src >= offsets[i]) & (src < offsets[i] + size), src - offsets[i], -1)
        out[i] = pt.gather_map(local, size)
    return out


def scatter_add_pattern(prim, ans, args, kwargs, traced):
    """getitem's transpose: each entry of g lands on the element its index names
    (entries with the same target add up)."""
    a = bound(prim, args, kwargs)
    g, index, shape = a["g"], a["index"], tuple(a["shape"])
    where = np.arange(pt.size_of(shape)).reshape(shape)[index]
    lead = pt.size_of(shape_of(g)[: len(shape_of(g)) - np.ndim(where)])
    rows = (np.arange(lead)[:, None] * pt.size_of(shape) + where.ravel()[None, :]).ravel()
    return {0: pt.selection(rows, np.arange(rows.size), (pt.size_of(shape_of(ans)), rows.size))}


# ---- reductions and maps along an axis -----------------------------------------------
def reduction_pattern(prim, ans, args, kwargs, traced):
    """Each output element reads the slice it reduces (``axis=``, all axes if None)."""
    a = bound(prim, args, kwargs)
    x = args[0]
    return {0: pt.reduction_map(shape_of(x), neg_axes(a.get("axis"), len(shape_of(x))))}


def _one_axis(prim, args, kwargs):
    return neg_axes(bound(prim, args, kwargs).get("axis"), len(shape_of(args[0])))


def slice_pattern(prim, ans, args, kwargs, traced):
    """softmax, log_softmax: each output reads its whole slice along the axis."""
    axes = _one_axis(prim, args, kwargs)
    shape = shape_of(args[0])
    if len(axes) != 1:  # axis=None: one slice, the whole array
        return {0: pt.DENSE}
    return {0: pt.along_axis_map(shape, axes[0])}


def running_pattern(prim, ans, args, kwargs, traced):
    """cumsum, cumprod: each output reads the entries up to it along the axis."""
    axes = _one_axis(prim, args, kwargs)
    return {0: pt.along_axis_map(shape_of(args[0]), axes[0], lower_only=True)}


# ---- contractions: labelled maps, tightened by constant operands' zeros ---------------
def _contraction(in_labels, out_labels, operands, out_shape, traced):
    out = {}
    for j in traced:
        pairs = enumerate(zip(in_labels, operands))
        consts = [(labs, getval(op)) for k, (labs, op) in pairs if k not in traced]
        masks = ()
        if consts:
            grid = set(out_labels) | set(in_labels[j])
            keep = "".join(sorted({lab for labs, _ in consts for lab in labs if lab in grid}))
            spec = ",".join(labs for labs, _ in consts) + "->" + keep
            joint = np.einsum(spec, *[(np.asarray(v) != 0).astype(np.float64) for _, v in consts])
            masks = ((keep, joint != 0),)
        out[j] = pt.labelled_map(out_labels, out_shape, in_labels[j], shape_of(operands[j]), masks)
    return out


def einsum_pattern(prim, ans, args, kwargs, traced):
    """The labelled map of the subscripts, tightened by the constant operands' zeros."""
    ins, out_labels = args[0].split("->")
    in_labels = ins.split(",")
    # operands are args[1:]; shift the traced positions to operand numbers and back
    result = _contraction(in_labels, out_labels, args[1:], shape_of(ans), [j - 1 for j in traced])
    return {j + 1: p for j, p in result.items()}


def matmul_pattern(prim, ans, args, kwargs, traced):
    """matmul as the einsum ``...ik,...kj->...ij`` (vector operands drop their axis);
    None (dense) for 0-d operands, which matmul rejects anyway."""
    a_shape, b_shape = shape_of(args[0]), shape_of(args[1])
    if not a_shape or not b_shape:
        return None
    nbatch = max(len(a_shape), len(b_shape)) - 2
    batch = "".join(chr(ord("a") + k) for k in range(max(nbatch, 0)))
    la = batch[len(batch) - (len(a_shape) - 2) :] + "ik" if len(a_shape) > 1 else "k"
    lb = batch[len(batch) - (len(b_shape) - 2) :] + "kj" if len(b_shape) > 1 else "k"
    lo = batch + ("i" if len(a_shape) > 1 else "") + ("j" if len(b_shape) > 1 else "")
    return _contraction([la, lb], lo, list(args), shape_of(ans), list(traced))


# ---- dense linear algebra: dense within each matrix of a batch -------------------------
def batch_dense_pattern(prim, ans, args, kwargs, traced):
    """Decompositions: each output matrix reads all of its input matrix and nothing of
    the other matrices of a batch (the leading axes, numpy.linalg's convention)."""
    out_shape = shape_of(ans)
    labels = "".join(chr(ord("a") + k) for k in range(len(out_shape)))
    out = {}
    for j in traced:
        shape = shape_of(args[j])
        if prim.name == "solve":
            b_vector = len(shape_of(args[1])) == 1
            if j == 1 and not b_vector:
                out[j] = _solve_rhs(shape, labels, out_shape)
                continue
            core = 1 if j == 1 else 2
            out_batch = len(out_shape) - (1 if b_vector else 2)
        else:
            core = 2
            out_batch = len(shape) - 2  # inv, det, eigh, svd ...: batch axes lead the output
        nb = len(shape) - core
        if nb > out_batch or out_batch > len(out_shape):
            out[j] = pt.DENSE
            continue
        in_labels = labels[out_batch - nb : out_batch] + "ABC"[:core]
        out[j] = pt.labelled_map(labels, out_shape, in_labels, shape)
    return out


def dense_pattern(prim, ans, args, kwargs, traced):
    """Every output element reads every element of each traced argument: the honest
    rule for operators that mix whole arrays (fft, scipy's solvers, convolve, odeint)."""
    return {j: pt.DENSE for j in traced}


def imag_pattern(prim, ans, args, kwargs, traced):
    """``imag`` of a real array is the constant 0 (reads nothing); of a complex array it
    reads its own element.  The dtype decides, which is metadata (the pattern stays global)."""
    x = args[0]
    if np.result_type(x).kind == "c":
        return {0: pt.IDENTITY}
    n = pt.size_of(shape_of(x))
    return {0: pt.selection([], [], (pt.size_of(shape_of(ans)), n))}


def _solve_rhs(b_shape, labels, out_shape):
    # x = A^-1 b column by column: x[..., :, k] reads b[..., :, k] only
    lb = labels[len(labels) - len(b_shape) :]
    return pt.labelled_map(labels, out_shape, lb[:-2] + "Z" + lb[-1], b_shape)


# ---- the table ----------------------------------------------------------------------------
LINEAR = {"add", "subtract", "negative", "deg2rad", "rad2deg", "where", "astype", "sum", "cumsum"}
LINEAR |= {"dft", "irfftn", "irfftn_transpose", "hfft", "ihfft"}  # adcore.numpy.fft
LINEAR |= {"real", "imag", "conj"}  # real-linear maps of a complex argument
PIECEWISE = {
    "absolute",
    "fabs",
    "maximum",
    "minimum",
    "clip",
    "fmax",
    "fmin",
    "relu",
    "remainder",
    "fmod",
    "max",
    "min",
}
MULTILINEAR = {"multiply", "matmul", "einsum"}
NONLINEAR_IN = {"divide": (1,)}

BY_NAME = {
    "astype": identity_pattern,
    "scatter_add": scatter_add_pattern,
    "matmul": matmul_pattern,
    "einsum": einsum_pattern,
    "cumsum": running_pattern,
    "cumprod": running_pattern,
    "imag": imag_pattern,
    "softmax": slice_pattern,
    "log_softmax": slice_pattern,
}
BY_KIND = {
    "elementwise": elementwise_pattern,
    "shape": gather_pattern,
    "reduction": reduction_pattern,
    "elementwise_with_parameters": elementwise_pattern,  # scipy.special's zeta, gammainc...
}
BY_FAMILY = {
    "decompositions": batch_dense_pattern,
    "fft": dense_pattern,
    "scipy.linalg": dense_pattern,
    "scipy.signal": dense_pattern,
    "scipy.integrate": dense_pattern,
}


def curvature_of(prim):
    """(curvature, nonlinear_in) of a library primitive, from the tables above."""
    if prim.name in LINEAR or prim.meta.get("kind") == "shape":
        return "linear", None
    if prim.name in PIECEWISE:
        return "piecewise", None
    if prim.name in MULTILINEAR:
        return "multilinear", None
    return "nonlinear", NONLINEAR_IN.get(prim.name)


def rule_for(prim):
    """The family's rule for ``prim``, or None (the detector then assumes dense)."""
    fn = BY_NAME.get(prim.name) or BY_KIND.get(prim.meta.get("kind")) or BY_FAMILY.get(prim.family)
    if fn is None:
        return None
    curvature, nonlinear_in = curvature_of(prim)
    return SparsityRule(fn, curvature, nonlinear_in)


_ATTACHED = [0]


def attach_all():
    """Attach a rule to every registered primitive that has none yet."""
    seen = registrations()
    if seen == _ATTACHED[0]:
        return
    _ATTACHED[0] = seen
    for prim in all_primitives().values():
        if "sparsity" not in prim.variants and prim.family != "user":
            rule = rule_for(prim)
            if rule is not None:
                prim.variants["sparsity"] = rule


def defsparsity(prim, pattern, curvature="nonlinear", nonlinear_in=None):
    """Declare the sparsity rule of a (user) primitive: ``pattern(prim, ans, args,
    kwargs, traced) -> {argnum: local pattern}`` built with ``adcore.sparse.patterns``."""
    if curvature not in ("linear", "piecewise", "multilinear", "nonlinear"):
        raise ValueError(
            f"defsparsity({prim.name}): curvature={curvature!r}; choose linear, piecewise, "
            "multilinear or nonlinear"
        )
    prim.variants["sparsity"] = SparsityRule(pattern, curvature, nonlinear_in)
    return prim
