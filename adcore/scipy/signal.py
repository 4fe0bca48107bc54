"""scipy.signal.convolve (and correlate) for real N-d arrays, plus autograd's
``axes``/``dot_axes`` form of convolve (built on the same primitive).

Convolution is bilinear: the JVP convolves each tangent with the other input;
the VJP embeds the cotangent in the 'full' output (zeros where 'same' or
'valid' cropped it) and correlates it with the other input, which is a
'valid' convolution with that input flipped.
"""

import numpy as np
import scipy.signal as ss

import adcore.numpy as anp
from adcore.core import Primitive, defjvp, defvjp_direct, getval, shape_of

MODES = ("full", "valid", "same")


def _convolve_impl(in1, in2, mode="full"):
    return ss.convolve(in1, in2, mode=mode, method="direct")


convolve_p = Primitive(_convolve_impl, name="signal_convolve", family="scipy.signal")
convolve_p.meta.update(kind="linalg", arity=2)


def _embed_full(g, s1, s2):
    """The cotangent of the 'full' output: g placed where the mode cropped it from."""
    full = [a + b - 1 for a, b in zip(s1, s2)]
    pads = []
    for f, n in zip(full, shape_of(g)):
        start = (f - n) // 2  # scipy centres 'same' and 'valid' in the full result
        pads.append((start, f - n - start))
    return anp.pad(g, pads) if any(p != (0, 0) for p in pads) else g


def _vjp(other):
    def vjp(g, ans, in1, in2, mode="full"):
        gfull = _embed_full(g, shape_of(in1), shape_of(in2))
        partner = in2 if other == 1 else in1
        return convolve_p(gfull, anp.flip(partner), "valid")

    return vjp


defjvp(
    convolve_p,
    lambda g, ans, in1, in2, mode="full": convolve_p(g, in2, mode),
    lambda g, ans, in1, in2, mode="full": convolve_p(in1, g, mode),
)
defvjp_direct(convolve_p, _vjp(1), _vjp(0), batched=False)


def _check(in1, in2, mode, fname):
    if mode not in MODES:
        raise ValueError(f"adcore.scipy.signal.{fname}: mode must be one of {MODES}, got {mode!r}")
    if np.ndim(getval(in1)) != np.ndim(getval(in2)):
        raise ValueError(
            f"adcore.scipy.signal.{fname}: in1 and in2 should have the same dimensionality, "
            f"got {np.ndim(getval(in1))} and {np.ndim(getval(in2))}"
        )
    for a in (in1, in2):
        if np.iscomplexobj(getval(a)):
            raise NotImplementedError(
                f"adcore.scipy.signal.{fname}: complex arrays are not differentiated"
            )
    if mode == "valid":
        s1, s2 = shape_of(in1), shape_of(in2)
        if not (all(a >= b for a, b in zip(s1, s2)) or all(a <= b for a, b in zip(s1, s2))):
            raise ValueError(
                f"adcore.scipy.signal.{fname}: for 'valid' mode, one must be at least as large "
                f"as the other in every dimension (shapes {s1} and {s2})"
            )


def convolve(in1, in2, mode="full", method="auto", axes=None, dot_axes=((), ())):
    """scipy's N-d convolution; with autograd's ``axes``/``dot_axes`` extension.

    ``axes=(axes of in1, axes of in2)`` pairs the convolved axes, ``dot_axes``
    pairs axes that are summed over (a tensordot); the remaining axes of each
    input are kept, giving the layout (in1's kept, in2's kept, convolved).
    """
    if axes is None and not any(dot_axes):
        _check(in1, in2, mode, "convolve")
        return convolve_p(in1, in2, mode)
    return _general_convolve(in1, in2, mode, axes, dot_axes)


def _axes_of(spec, nd, fname):
    out = []
    for ax in spec:
        ax = int(ax)
        if not -nd <= ax < nd:
            raise np.exceptions.AxisError(f"adcore.scipy.signal.{fname}: axis {ax} out of range")
        out.append(ax % nd)
    return out


def _general_convolve(in1, in2, mode, axes, dot_axes):
    """Every axis becomes a convolved one: a kept axis meets a size-1 axis of the other input
    (a product), a dot axis meets the other input's flipped one and keeps the centre (a sum)."""
    if mode not in MODES:
        raise ValueError(f"adcore.scipy.signal.convolve: mode must be one of {MODES}, got {mode!r}")
    n1, n2 = np.ndim(getval(in1)), np.ndim(getval(in2))
    if axes is None:
        axes = (range(n1), range(n2))
    c1, c2 = _axes_of(axes[0], n1, "convolve"), _axes_of(axes[1], n2, "convolve")
    d1, d2 = _axes_of(dot_axes[0], n1, "convolve"), _axes_of(dot_axes[1], n2, "convolve")
    if len(c1) != len(c2) or len(d1) != len(d2):
        raise ValueError("adcore.scipy.signal.convolve: axes and dot_axes pair up axes of both")
    s1, s2 = shape_of(in1), shape_of(in2)
    if any(s1[a] != s2[b] for a, b in zip(d1, d2)):
        raise ValueError("adcore.scipy.signal.convolve: paired dot_axes differ in length")
    k1 = [a for a in range(n1) if a not in c1 and a not in d1]
    k2 = [b for b in range(n2) if b not in c2 and b not in d2]
    if mode == "valid":
        big = all(s1[a] >= s2[b] for a, b in zip(c1, c2))
        if not (big or all(s1[a] <= s2[b] for a, b in zip(c1, c2))):
            raise ValueError(
                "adcore.scipy.signal.convolve: for 'valid' mode, one must be at least as large "
                "as the other in every convolved dimension"
            )
    # line both up as (dot, kept of in1, kept of in2, convolved)
    a = anp.transpose(in1, d1 + k1 + c1)
    b = anp.transpose(in2, d2 + k2 + c2)
    a = anp.reshape(a, [s1[i] for i in d1 + k1] + [1] * len(k2) + [s1[i] for i in c1])
    b = anp.reshape(b, [s2[i] for i in d2] + [1] * len(k1) + [s2[i] for i in k2 + c2])
    if d1:
        b = anp.flip(b, axis=tuple(range(len(d1))))
    full = convolve_p(a, b, "full")
    index = [s1[i] - 1 for i in d1] + [slice(None)] * (len(k1) + len(k2))
    for a_ax, b_ax in zip(c1, c2):
        na, nb = s1[a_ax], s2[b_ax]
        size = {"full": na + nb - 1, "same": na, "valid": abs(na - nb) + 1}[mode]
        start = (na + nb - 1 - size) // 2
        index.append(slice(start, start + size))
    return full[tuple(index)]


def correlate(in1, in2, mode="full", method="auto"):
    """Cross-correlation: convolution with ``in2`` flipped along every axis."""
    _check(in1, in2, mode, "correlate")
    return convolve_p(in1, anp.flip(in2), mode)


__all__ = ["convolve", "correlate"]
