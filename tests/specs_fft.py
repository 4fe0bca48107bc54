"""Spec cases for adcore.numpy.fft's primitives (``dft``, ``irfftn`` and its
transpose), read by ``test_registry.py``.

The checks differentiate real arrays, so a complex output is seen through
``_real_view`` (real and imaginary parts of its DFT, an invertible real-linear
map) and a complex input is built from two real draws as ``F a + i F b``
(every complex array is one).  Both frames are made of the primitives under
test and of ``multiply``, whose rules are checked on their own.

``dft``'s positional parameters: axes, sizes before the transform, sizes
after it, inverse, norm, real part only.  ``hfft``'s and ``ihfft``'s: axis,
number of points n, norm.
"""

import numpy as np
from registry_specs import Const

from adcore.numpy.fft import dft


def _full(x, inverse=False, real_out=False):
    axes = tuple(range(-np.ndim(x), 0))
    sizes = tuple(np.shape(x))
    return dft(x, axes, sizes, sizes, inverse, None, real_out)


def _real_view(z):
    """Re(F z) and Im(F z) = Re(F (-i z)), stacked: real, and z can be read back from it."""
    from adcore.numpy import stack

    return stack([_full(z, real_out=True), _full(-1j * z, real_out=True)])


def _complex(a, b):
    return _full(a) + 1j * _full(b)


def complex_out(prim, x, *params):
    return _real_view(prim(x, *params))


def complex_in(prim, a, b, *params):
    return prim(_complex(a, b), *params)


def complex_both(prim, a, b, *params):
    return _real_view(prim(_complex(a, b), *params))


def _consts(*values):
    return [Const(v) for v in values]


def _dft(shape, axes, pre, post, inverse=False, norm=None, real_out=False, wrap=complex_out):
    args = [shape, shape] if wrap in (complex_in, complex_both) else [shape]
    return dict(args=args + _consts(axes, pre, post, inverse, norm, real_out), wrap=wrap)


SPECS = {
    "dft": [
        _dft((6,), (-1,), (6,), (6,)),  # fft of a real vector
        _dft((5,), (-1,), (8,), (8,), norm="ortho"),  # fft(x, n=8): zero-padded
        _dft((2, 5), (-1,), (3,), (3,), inverse=True),  # ifft(x, n=3): truncated
        _dft((3, 4), (-2, -1), (3, 4), (3, 4), inverse=True, wrap=complex_both),  # ifft2
        _dft((2, 3, 4), (-3, -1), (2, 4), (2, 4), norm="forward", wrap=complex_both),  # fftn
        _dft((6,), (-1,), (6,), (4,)),  # rfft: the half spectrum
        _dft((3, 5), (-2, -1), (3, 6), (3, 4)),  # rfft2 with s
        # the transposes' form: complex in, real part out, resized back
        _dft((4,), (-1,), (6,), (5,), real_out=True, wrap=complex_in),
        _dft((2, 3), (-1,), (3,), (3,), inverse=True, real_out=True, wrap=complex_in),
    ],
    "irfftn": [
        dict(args=[(4,), (4,)] + _consts((-1,), (6,), None), wrap=complex_in),  # irfft
        dict(args=[(5,), (5,)] + _consts((-1,), (9,), "ortho"), wrap=complex_in),  # odd n
        dict(args=[(3,), (3,)] + _consts((-1,), (8,), None), wrap=complex_in),  # padded input
        dict(args=[(3, 4), (3, 4)] + _consts((-2, -1), (3, 5), "forward"), wrap=complex_in),
        dict(args=[(2, 4)] + _consts((-1,), (6,), None)),  # a real array as the spectrum
    ],
    "irfftn_transpose": [
        dict(args=[(6,)] + _consts((-1,), (6,), (4,), None, False), wrap=complex_out),
        dict(args=[(7,)] + _consts((-1,), (7,), (3,), "ortho", False), wrap=complex_out),
        dict(args=[(3, 5)] + _consts((-2, -1), (3, 5), (2, 4), "forward", False), wrap=complex_out),
        dict(args=[(2, 6)] + _consts((-1,), (6,), (4,), None, True)),
    ],
    "hfft": [
        dict(args=[(5,), (5,)] + _consts(-1, 8, None), wrap=complex_in),  # n = 2 (m - 1)
        dict(args=[(4,), (4,)] + _consts(-1, 7, "ortho"), wrap=complex_in),  # odd n
        dict(args=[(6,), (6,)] + _consts(-1, 6, "forward"), wrap=complex_in),  # truncated
        dict(args=[(4, 3), (4, 3)] + _consts(-2, 9, None), wrap=complex_in),  # padded, axis 0
        dict(args=[(2, 5)] + _consts(-1, 8, None)),  # a real array as the half signal
    ],
    "ihfft": [
        dict(args=[(6,)] + _consts(-1, 6, None), wrap=complex_out),
        dict(args=[(7,)] + _consts(-1, 7, "ortho"), wrap=complex_out),  # odd n
        dict(args=[(2, 5)] + _consts(-1, 8, "forward"), wrap=complex_out),  # padded
        dict(args=[(6, 3)] + _consts(-2, 4, None), wrap=complex_out),  # truncated, axis 0
        # the primitive extends numpy's (real-only) ihfft to complex arrays, the same map
        dict(args=[(5,), (5,)] + _consts(-1, 5, None), wrap=complex_both),
    ],
}
