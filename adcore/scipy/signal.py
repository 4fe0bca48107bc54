"""scipy.signal.convolve (and correlate) for real N-d arrays.

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


def convolve(in1, in2, mode="full", method="auto"):
    _check(in1, in2, mode, "convolve")
    return convolve_p(in1, in2, mode)


def correlate(in1, in2, mode="full", method="auto"):
    """Cross-correlation: convolution with ``in2`` flipped along every axis."""
    _check(in1, in2, mode, "correlate")
    return convolve_p(in1, anp.flip(in2), mode)


__all__ = ["convolve", "correlate"]
