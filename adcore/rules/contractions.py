"""Tensor contractions: einsum, and tensordot, inner, N-d dot, kron, vdot,
cross and 1-d convolve/correlate built on it or on gathers.

``einsum`` is one primitive taking *explicit* subscripts ("ij,jk->ik": no
ellipsis, no implicit output, no size-1 broadcasting); the ``einsum`` function
with numpy's signature parses any subscripts (ellipsis, implicit output, the
sublist form), broadcasts ellipsis dimensions with ``broadcast_to`` (whose
rule sums them back) and calls the primitive.

The rules are einsums again, so every order is free.  einsum is linear in
each operand: the JVP for operand i replaces it by its tangent; the VJP
contracts the output cotangent with the other operands, back to operand i's
subscripts.  Two details make the VJP general:

* a letter repeated in operand i ("ii->i") cannot appear twice in an output,
  so the repeat is renamed and tied back with an identity matrix operand;
* a letter only operand i has ("ij->i": j is summed away) appears in no
  other input, so a vector of ones supplies it (the cotangent is constant
  along it).

Batch axes get fresh letters in front of the tangent/cotangent and the
result, so a batch of tangents is one einsum.
"""

import string

import numpy as np

from adcore.core import defrule_factories, getval, ndim_of, shape_of
from adcore.rules import declare, matmul
from adcore.rules import elementwise as ew
from adcore.rules import reductions as red
from adcore.rules import shape as sh
from adcore.rules.gathering import take
from adcore.rules.reordering import flip

LETTERS = string.ascii_letters


def _einsum_impl(subscripts, *operands):
    # a contraction path (BLAS) pays off for 3+ operands or large ones; for small
    # pairs its planning costs more than the product
    big = len(operands) > 2 or (len(operands) == 2 and max(np.size(o) for o in operands) > 1000)
    return np.einsum(subscripts, *operands, optimize="greedy" if big else False)


einsum_explicit = declare.rule_primitive(
    _einsum_impl, "einsum", "contractions", "linalg", arity="variadic"
)


def _split(subscripts):
    ins, out = subscripts.split("->")
    return ins.split(","), out


def _fresh(used, n):
    free = [c for c in LETTERS if c not in used]
    if len(free) < n:
        raise ValueError("einsum: not enough free subscript letters for the batch axes")
    return "".join(free[:n])


def _jvp_rule(i):
    def jvp(g, ans, subscripts, *operands):
        ins, out = _split(subscripts)
        nb = ndim_of(g) - len(ins[i])
        batch = _fresh(subscripts, nb)
        ins = list(ins)
        ins[i] = batch + ins[i]
        ops = list(operands)
        ops[i] = g
        return einsum_explicit(",".join(ins) + "->" + batch + out, *ops)

    return jvp


def _vjp_rule(i):
    def vjp(g, ans, subscripts, *operands):
        ins, out = _split(subscripts)
        nb = ndim_of(g) - len(out)
        used = set(subscripts)
        batch = _fresh(used, nb)
        used.update(batch)
        x = operands[i]
        dtype = np.result_type(getval(x))
        target = ""
        subs = [batch + out] + [s for k, s in enumerate(ins) if k != i]
        ops = [g] + [o for k, o in enumerate(operands) if k != i]
        seen = {}
        for pos, c in enumerate(ins[i]):
            if c in seen:  # a repeated letter: rename it and tie it with an identity
                new = _fresh(used, 1)
                used.add(new)
                subs.append(c + new)
                ops.append(np.eye(shape_of(x)[pos], dtype=dtype))
                target += new
            else:
                seen[c] = pos
                target += c
        covered = set("".join(subs))
        for c, pos in seen.items():
            if c not in covered:  # summed away inside operand i alone
                subs.append(c)
                ops.append(np.ones(shape_of(x)[pos], dtype=dtype))
        return einsum_explicit(",".join(subs) + "->" + batch + target, *ops)

    return vjp


# one rule per operand position; argument 0, the subscript string, has none
defrule_factories(
    einsum_explicit,
    jvp=lambda argnum: _jvp_rule(argnum - 1) if argnum else None,
    vjp=lambda argnum: _vjp_rule(argnum - 1) if argnum else None,
)


# ---- parsing numpy's einsum forms ------------------------------------------------------
def _from_sublists(args):
    """(op0, sub0, op1, sub1, ..., [out]) -> ("...", [op0, op1, ...]) with letters."""
    out = None
    if len(args) % 2 == 1:
        args, out = args[:-1], args[-1]
    ops, subs = list(args[0::2]), list(args[1::2])

    def letters(sub):
        return "".join("..." if s is Ellipsis else LETTERS[int(s)] for s in sub)

    spec = ",".join(letters(s) for s in subs)
    if out is not None:
        spec += "->" + letters(out)
    return spec, ops


def parse_einsum(subscripts, operands):
    """numpy's einsum spec made explicit: ``(ins, out, ell, ell_shape)``.

    The ellipsis becomes the fresh letters ``ell`` (one per broadcast ellipsis
    dimension, shape ``ell_shape``) in every operand and the output; an
    implicit output is numpy's (ellipsis, then letters used once, sorted).
    """
    spec = subscripts.replace(" ", "")
    if "->" in spec:
        lhs, out = spec.split("->")
    else:
        lhs, out = spec, None
    ins = lhs.split(",")
    if len(ins) != len(operands):
        raise ValueError(
            f"einsum: {len(ins)} operand subscripts in {subscripts!r} but {len(operands)} operands"
        )
    named = set(spec) - set(".,->")
    ell_shapes = []
    for sub, op in zip(ins, operands):
        if "..." in sub:
            k = ndim_of(op) - (len(sub) - 3)
            if k < 0:
                raise ValueError(f"einsum: operand of shape {shape_of(op)} too small for {sub!r}")
            ell_shapes.append(tuple(shape_of(op)[sub.index("...") : sub.index("...") + k]))
        elif len(sub) != ndim_of(op):
            raise ValueError(
                f"einsum: subscripts {sub!r} name {len(sub)} axes but the operand has shape "
                f"{shape_of(op)}"
            )
    ell_shape = np.broadcast_shapes(*ell_shapes) if ell_shapes else ()
    ell = _fresh(named, len(ell_shape))
    explicit = []
    for sub in ins:
        if "..." in sub:
            explicit.append(sub.replace("...", ell))  # padded by broadcasting below
        else:
            explicit.append(sub)
    if out is None:
        counts = {c: lhs.count(c) for c in named}
        out = ("..." if ell_shapes else "") + "".join(sorted(c for c in named if counts[c] == 1))
    # ellipsis dimensions missing from the output are summed away
    out = out.replace("...", ell)
    return explicit, out, ell, ell_shape


def einsum(*operands, out=None, optimize=False, **kwargs):
    """numpy.einsum, differentiable in every operand."""
    declare.no_out("einsum", out)
    if kwargs:
        raise NotImplementedError(f"adcore.numpy.einsum: unsupported arguments {sorted(kwargs)}")
    if isinstance(operands[0], str):
        subscripts, ops = operands[0], list(operands[1:])
    else:
        subscripts, ops = _from_sublists(operands)
    ins, outs, ell, ell_shape = parse_einsum(subscripts, ops)
    fixed = []
    for sub, op in zip(ins, ops):
        s = shape_of(op)
        if ell and ell[0] in sub:  # broadcast the ellipsis block to its full shape
            start = sub.index(ell[0])
            k = len(s) - (len(sub) - len(ell))
            target = s[:start] + ell_shape + s[start + k :]
            if s != target:
                op = sh.broadcast_to(
                    sh.reshape(op, s[:start] + (1,) * (len(ell) - k) + s[start:]), target
                )
        fixed.append(op)
    return einsum_explicit(",".join(ins) + "->" + outs, *fixed)


# ---- composites --------------------------------------------------------------------------
def _axes_pair(axes, na, nb):
    if np.ndim(axes) == 0:
        k = int(axes)
        return list(range(na - k, na)), list(range(k))
    a, b = axes
    a = [a] if np.ndim(a) == 0 else list(a)
    b = [b] if np.ndim(b) == 0 else list(b)
    if len(a) != len(b):
        raise ValueError(f"tensordot: axes {axes} pair {len(a)} with {len(b)} axes")
    return [declare.axis_index(x, na) for x in a], [declare.axis_index(x, nb) for x in b]


def tensordot(a, b, axes=2):
    na, nb = ndim_of(a), ndim_of(b)
    ax_a, ax_b = _axes_pair(axes, na, nb)
    sa = list(LETTERS[:na])
    sb = list(LETTERS[na : na + nb])
    for i, j in zip(ax_a, ax_b):
        if shape_of(a)[i] != shape_of(b)[j]:
            raise ValueError(
                f"tensordot: shape-mismatch for sum: {shape_of(a)} axis {i} "
                f"vs {shape_of(b)} axis {j}"
            )
        sb[j] = sa[i]
    out = [c for k, c in enumerate(sa) if k not in ax_a] + [
        c for k, c in enumerate(sb) if k not in ax_b
    ]
    return einsum_explicit("".join(sa) + "," + "".join(sb) + "->" + "".join(out), a, b)


def inner(a, b):
    """numpy.inner for any ranks: sum over the last axes."""
    if ndim_of(a) == 0 or ndim_of(b) == 0:
        return ew.multiply(a, b)
    if ndim_of(b) == 1:
        return matmul.matmul(a, b)
    if ndim_of(b) == 2:
        return matmul.matmul(a, sh.matrix_transpose(b))  # one GEMM with b^T
    return tensordot(a, b, ([-1], [-1]))


def dot(a, b, out=None):
    """numpy.dot for any ranks: last axis of a with the second-to-last of b."""
    declare.no_out("dot", out)
    na, nb = ndim_of(a), ndim_of(b)
    if na == 0 or nb == 0:
        return ew.multiply(a, b)
    if nb <= 2 and (na <= 2 or nb == 1):
        return matmul.matmul(a, b)  # numpy.dot and matmul agree here
    return tensordot(a, b, ([-1], [max(nb - 2, 0)]))


def _conj(x):
    return ew.conj(x) if np.iscomplexobj(getval(x)) else x


def vdot(a, b):
    """sum(conj(a) * b) over the flattened arrays (numpy conjugates the first)."""
    return red.sum(ew.multiply(_conj(sh.ravel(a)), sh.ravel(b)))


def kron(a, b):
    """Kronecker product: an outer product whose axes are interleaved and merged."""
    na, nb = ndim_of(a), ndim_of(b)
    nd = max(na, nb)
    a = sh.reshape(a, (1,) * (nd - na) + tuple(shape_of(a)))
    b = sh.reshape(b, (1,) * (nd - nb) + tuple(shape_of(b)))
    sa, sb = LETTERS[:nd], LETTERS[nd : 2 * nd]
    out = "".join(x + y for x, y in zip(sa, sb))
    prod = einsum_explicit(f"{sa},{sb}->{out}", a, b)
    return sh.reshape(prod, tuple(x * y for x, y in zip(shape_of(a), shape_of(b))))


def _levi_civita(dtype):
    eps = np.zeros((3, 3, 3), dtype=dtype)
    eps[0, 1, 2] = eps[1, 2, 0] = eps[2, 0, 1] = 1.0
    eps[0, 2, 1] = eps[2, 1, 0] = eps[1, 0, 2] = -1.0
    return eps


def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Cross product of 3-vectors (2-vectors give the z component), by Levi-Civita."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a = sh.moveaxis(a, axisa, -1)
    b = sh.moveaxis(b, axisb, -1)
    na, nb = shape_of(a)[-1], shape_of(b)[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError(f"cross: vectors must have 2 or 3 components, got {na} and {nb}")
    dtype = np.result_type(getval(a), getval(b), np.float32)
    if na == 2:
        a = sh.concatenate([a, sh.getitem(a, (Ellipsis, slice(0, 1))) * 0.0], axis=-1)
    if nb == 2:
        b = sh.concatenate([b, sh.getitem(b, (Ellipsis, slice(0, 1))) * 0.0], axis=-1)
    c = einsum("ijk,...j,...k->...i", _levi_civita(dtype), a, b)
    if na == 2 and nb == 2:
        return sh.getitem(c, (Ellipsis, 2))
    return sh.moveaxis(c, -1, axisc)


# ---- 1-d convolution (a contraction against shifted copies) ------------------------------
def convolve(a, v, mode="full"):
    """1-d discrete convolution, as a gather of v against a (one product per tap)."""
    if ndim_of(a) != 1 or ndim_of(v) != 1:
        raise ValueError("convolve: object too deep for desired array (1-d inputs only)")
    n, m = shape_of(a)[0], shape_of(v)[0]
    if n == 0 or m == 0:
        raise ValueError("convolve: inputs cannot be empty")
    if m > n:
        a, v, n, m = v, a, m, n
    k = np.arange(n + m - 1)[:, None] - np.arange(n)[None, :]  # index into v
    valid = (k >= 0) & (k < m)
    taps = take(v, np.clip(k, 0, m - 1), axis=0) * declare.mask(valid, v)
    full_ = red.sum(taps * a, axis=-1)
    if mode == "full":
        return full_
    if mode == "same":
        start = (m - 1) // 2
        return sh.getitem(full_, slice(start, start + n))
    if mode == "valid":
        return sh.getitem(full_, slice(m - 1, n))
    raise ValueError(f"convolve: mode must be 'full', 'same' or 'valid', got {mode!r}")


def correlate(a, v, mode="valid"):
    """1-d cross-correlation: convolution with v reversed (and conjugated, as numpy's)."""
    v = _conj(v)
    if shape_of(v)[0] > shape_of(a)[0]:  # numpy reverses the output when v is longer
        return flip(convolve(v, flip(a, 0), mode), 0)
    return convolve(a, flip(v, 0), mode)


__all__ = [
    "convolve",
    "correlate",
    "cross",
    "dot",
    "einsum",
    "inner",
    "kron",
    "tensordot",
    "vdot",
]
