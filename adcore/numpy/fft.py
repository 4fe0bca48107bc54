"""adcore.numpy.fft: discrete Fourier transforms with their rules.

Every transform is linear, so its JVP is the transform of the tangent and its
VJP is its *transpose*: in the convention of autograd and JAX, a cotangent
``c`` of a complex value pairs with a tangent ``t`` as ``Re(sum(c * t))``
(no conjugation), and the cotangent of a real input is the real part.
Two primitives cover the whole module, each with its transpose:

``dft``       resize (zero-pad / truncate) along the axes, fftn or ifftn, resize
              again, optionally keep the real part.  fft, ifft, fft2, ifft2,
              fftn, ifftn, rfft, rfft2 and rfftn are all of this form, and the
              DFT matrix is symmetric, so the transpose of a ``dft`` is another
              ``dft`` (sizes swapped, the real part taken where the input was real).
``irfftn``    the Hermitian inverse; its transpose ``irfftn_transpose`` is
              ``conj(rfftn(u))`` scaled, with the bins that irfft counts twice
              (all but the zero and Nyquist frequency) doubled.

``hfft`` and ``ihfft`` (numpy's one-axis transforms of a Hermitian signal) are
``irfft(conj(a))`` and ``conj(rfft(a))`` with the opposite norm; each is a
primitive of its own (one kernel call), and its transpose is built from the
ones above: ``conj(irfftn_transpose(g))`` and ``dft(conj(g))``.

All of them are (real-)linear, so they are marked ``meta["complex"]`` (complex values
and tangents in every mode, ``adcore.rules.complex_support``): a real-valued loss
reaches a spectrum through ``abs``, ``real``, ``imag``, ``angle`` or through
``irfft``/``irfftn`` (``irfft(rfft(x) * h)``).
fftshift/ifftshift are rolls; fftfreq/rfftfreq are constants.
"""

import numpy as np

from adcore.core import (
    Primitive,
    defjvp,
    defvjp_direct,
    getval,
    ndim_of,
    shape_of,
)
from adcore.numpy import dispatch
from adcore.numpy import roll as _roll
from adcore.rules.elementwise import conj as _conj

# ---- plain-numpy kernels ---------------------------------------------------------------------


def _resize(x, axes, sizes):
    """Zero-pad or truncate ``x`` at the end of each axis in ``axes`` to ``sizes``."""
    index = [slice(None)] * x.ndim
    pad = [(0, 0)] * x.ndim
    for ax, n in zip(axes, sizes):
        have = x.shape[ax]
        if have > n:
            index[ax] = slice(0, n)
        elif have < n:
            pad[ax] = (0, n - have)
    x = x[tuple(index)]
    return np.pad(x, pad) if any(p != (0, 0) for p in pad) else x


def _dft_impl(x, axes, pre, post, inverse, norm, real_out):
    y = _resize(np.asarray(x), axes, pre)
    halves = tuple(pre[:-1]) + (pre[-1] // 2 + 1,)
    if not inverse and not np.iscomplexobj(y) and tuple(post) == halves:
        y = np.fft.rfftn(y, axes=axes, norm=norm)  # the half spectrum, at half the cost
    else:
        transform = np.fft.ifftn if inverse else np.fft.fftn
        y = _resize(transform(y, axes=axes, norm=norm), axes, post)
    return y.real if real_out else y


_SWAP_NORM = {None: "forward", "backward": "forward", "forward": "backward", "ortho": "ortho"}


def _irfftn_impl(c, axes, s, norm):
    return np.fft.irfftn(c, s=s, axes=axes, norm=norm)


def _irfftn_transpose_impl(u, axes, s, in_sizes, norm, real_out):
    if np.iscomplexobj(u):  # the complex-linear extension: real and imaginary parts apart
        re = _irfftn_transpose_impl(u.real, axes, s, in_sizes, norm, False)
        y = re + 1j * _irfftn_transpose_impl(u.imag, axes, s, in_sizes, norm, False)
        return y.real if real_out else y
    # for real u, ifftn(u, norm) = conj(fftn(u, swapped norm)); keep the half spectrum
    y = np.conj(np.fft.rfftn(u, axes=axes, norm=_SWAP_NORM[norm]))
    n = s[-1]
    weight = np.full(n // 2 + 1, 2.0, dtype=y.real.dtype)
    weight[0] = 1.0
    if n % 2 == 0:
        weight[-1] = 1.0  # the Nyquist bin is its own mirror image
    y = y * weight.reshape((-1,) + (1,) * (-axes[-1] - 1))
    y = _resize(y, axes, in_sizes)
    return y.real if real_out else y


# ---- primitives and their transposes ----------------------------------------------------------

dft = Primitive(_dft_impl, name="dft", family="fft")
dft.meta.update(kind="linear", arity=1, complex=True)
irfftn_p = Primitive(_irfftn_impl, name="irfftn", family="fft")
irfftn_p.meta.update(kind="linear", arity=1, complex=True)
irfftn_t = Primitive(_irfftn_transpose_impl, name="irfftn_transpose", family="fft")
irfftn_t.meta.update(kind="linear", arity=1, complex=True)


def _sizes(x, axes):
    shape = shape_of(x)
    return tuple(shape[a] for a in axes)


def _is_real(x):
    return not np.iscomplexobj(getval(x))


def _dft_transpose(g, ans, x, axes, pre, post, inverse, norm, real_out):
    return dft(g, axes, pre, _sizes(x, axes), inverse, norm, _is_real(x))


def _irfftn_transpose(g, ans, c, axes, s, norm):
    return irfftn_t(g, axes, s, _sizes(c, axes), norm, _is_real(c))


def _irfftn_t_transpose(g, ans, u, axes, s, in_sizes, norm, real_out):
    # irfftn(g) is Re(M^T g) for the map's matrix M; a complex u also needs
    # Im(M^T g) = Re(M^T (-i g))
    if _is_real(u):
        return irfftn_p(g, axes, s, norm)
    return irfftn_p(g, axes, s, norm) + 1j * irfftn_p(-1j * g, axes, s, norm)


# linear maps: the JVP applies the map itself to the tangent (axes are negative, so
# leading batch axes of a tangent or cotangent pass through untouched)
defjvp(dft, lambda g, ans, x, *params: dft(g, *params), batched=True)
defvjp_direct(dft, _dft_transpose)
defjvp(irfftn_p, lambda g, ans, c, *params: irfftn_p(g, *params), batched=True)
defvjp_direct(irfftn_p, _irfftn_transpose)
defjvp(irfftn_t, lambda g, ans, u, *params: irfftn_t(g, *params), batched=True)
defvjp_direct(irfftn_t, _irfftn_t_transpose)

# ---- Hermitian-signal transforms: hfft = irfft(conj(a)), ihfft = conj(rfft(a)) -----------------


def _hfft_impl(a, axis, n, norm):
    return np.fft.hfft(a, n, axis, norm)


def _ihfft_impl(a, axis, n, norm):
    if np.iscomplexobj(a):  # numpy's ihfft takes real arrays; the same map, extended
        y = np.fft.fft(a, n, axis, _SWAP_NORM[norm])
        return np.conj(_resize(y, (axis,), (n // 2 + 1,)))
    return np.fft.ihfft(a, n, axis, norm)


hfft_p = Primitive(_hfft_impl, name="hfft", family="fft")
hfft_p.meta.update(kind="linear", arity=1, complex=True)
ihfft_p = Primitive(_ihfft_impl, name="ihfft", family="fft")
ihfft_p.meta.update(kind="linear", arity=1, complex=True)


def _conj_if_complex(x):
    return x if _is_real(x) else _conj(x)


def _hfft_transpose(g, ans, a, axis, n, norm):
    # hfft(a) = irfftn(conj(a)) with the opposite norm; conj is its own transpose
    c = irfftn_t(g, (axis,), (n,), _sizes(a, (axis,)), _SWAP_NORM[norm], _is_real(a))
    return _conj_if_complex(c)


def _ihfft_transpose(g, ans, a, axis, n, norm):
    # ihfft(a) = conj(dft(a): n points, the half spectrum kept); dft's transpose after conj
    return dft(
        _conj_if_complex(g), (axis,), (n,), _sizes(a, (axis,)), False, _SWAP_NORM[norm], _is_real(a)
    )


defjvp(hfft_p, lambda g, ans, a, *params: hfft_p(g, *params), batched=True)
defvjp_direct(hfft_p, _hfft_transpose)
defjvp(ihfft_p, lambda g, ans, a, *params: ihfft_p(g, *params), batched=True)
defvjp_direct(ihfft_p, _ihfft_transpose)

# ---- numpy.fft's signatures -------------------------------------------------------------------


def _norm(norm, fname):
    if norm not in (None, "backward", "ortho", "forward"):
        raise ValueError(
            f'adcore.numpy.fft.{fname}: norm must be "backward", "ortho" or "forward", got {norm!r}'
        )
    return None if norm == "backward" else norm


def _axes_sizes(a, s, axes, fname):
    """numpy's (s, axes) defaults, as negative axes and explicit sizes."""
    nd = ndim_of(a)
    if axes is None:
        axes = range(nd) if s is None else range(nd - len(s), nd)
    axes = [int(ax) for ax in axes]
    for ax in axes:
        if not -nd <= ax < nd:
            raise np.exceptions.AxisError(
                f"adcore.numpy.fft.{fname}: axis {ax} is out of bounds for an array of "
                f"dimension {nd}"
            )
    axes = tuple(ax - nd if ax >= 0 else ax for ax in axes)
    if len(set(axes)) != len(axes):
        raise ValueError(f"adcore.numpy.fft.{fname}: repeated axes {axes} are not supported")
    if s is None:
        s = _sizes(a, axes)
    elif len(s) != len(axes):
        raise ValueError(f"adcore.numpy.fft.{fname}: s {tuple(s)} and axes {axes} differ in length")
    s = tuple(int(n) for n in s)
    if any(n < 1 for n in s):
        raise ValueError(f"adcore.numpy.fft.{fname}: invalid number of data points {s}")
    return axes, s


def _complex_transform(a, s, axes, norm, inverse, fname):
    axes, s = _axes_sizes(a, s, axes, fname)
    return dft(a, axes, s, s, inverse, _norm(norm, fname), False)


def _real_forward(a, s, axes, norm, fname):
    if not _is_real(a):
        dtype = np.result_type(getval(a))
        raise TypeError(f"adcore.numpy.fft.{fname} takes a real array, got {dtype}")
    axes, s = _axes_sizes(a, s, axes, fname)
    half = s[:-1] + (s[-1] // 2 + 1,)
    return dft(a, axes, s, half, False, _norm(norm, fname), False)


def _real_inverse(a, s, axes, norm, fname):
    axes, sizes = _axes_sizes(a, s, axes, fname)
    if s is None:  # numpy's default output length: 2 (m - 1) along the last axis
        sizes = sizes[:-1] + (2 * (sizes[-1] - 1),)
    if sizes[-1] < 1:
        raise ValueError(f"adcore.numpy.fft.{fname}: invalid number of data points {sizes}")
    return irfftn_p(a, axes, sizes, _norm(norm, fname))


def _one(n):
    return None if n is None else [n]


def fft(a, n=None, axis=-1, norm=None):
    return _complex_transform(a, _one(n), [axis], norm, False, "fft")


def ifft(a, n=None, axis=-1, norm=None):
    return _complex_transform(a, _one(n), [axis], norm, True, "ifft")


def fft2(a, s=None, axes=(-2, -1), norm=None):
    return _complex_transform(a, s, axes, norm, False, "fft2")


def ifft2(a, s=None, axes=(-2, -1), norm=None):
    return _complex_transform(a, s, axes, norm, True, "ifft2")


def fftn(a, s=None, axes=None, norm=None):
    return _complex_transform(a, s, axes, norm, False, "fftn")


def ifftn(a, s=None, axes=None, norm=None):
    return _complex_transform(a, s, axes, norm, True, "ifftn")


def rfft(a, n=None, axis=-1, norm=None):
    return _real_forward(a, _one(n), [axis], norm, "rfft")


def rfft2(a, s=None, axes=(-2, -1), norm=None):
    return _real_forward(a, s, axes, norm, "rfft2")


def rfftn(a, s=None, axes=None, norm=None):
    return _real_forward(a, s, axes, norm, "rfftn")


def irfft(a, n=None, axis=-1, norm=None):
    return _real_inverse(a, _one(n), [axis], norm, "irfft")


def irfft2(a, s=None, axes=(-2, -1), norm=None):
    return _real_inverse(a, s, axes, norm, "irfft2")


def irfftn(a, s=None, axes=None, norm=None):
    return _real_inverse(a, s, axes, norm, "irfftn")


def _hermitian_axis(a, n, axis, fname):
    (axis,), _ = _axes_sizes(a, None, [axis], fname)
    if n is not None and int(n) < 1:
        raise ValueError(f"adcore.numpy.fft.{fname}: invalid number of data points {n}")
    return axis


def hfft(a, n=None, axis=-1, norm=None):
    """numpy.fft.hfft: the real spectrum of a signal with Hermitian symmetry, given its
    first half ``a``; ``n`` output points (numpy's default 2 (m - 1))."""
    axis = _hermitian_axis(a, n, axis, "hfft")
    if n is None:
        n = 2 * (shape_of(a)[axis] - 1)
        if n < 1:
            raise ValueError(f"adcore.numpy.fft.hfft: invalid number of data points {n}")
    return hfft_p(a, axis, int(n), _norm(norm, "hfft"))


def ihfft(a, n=None, axis=-1, norm=None):
    """numpy.fft.ihfft: the inverse of hfft, the half spectrum of a real signal ``a``."""
    if not _is_real(a):
        dtype = np.result_type(getval(a))
        raise TypeError(f"adcore.numpy.fft.ihfft takes a real array, got {dtype}")
    axis = _hermitian_axis(a, n, axis, "ihfft")
    n = shape_of(a)[axis] if n is None else int(n)
    return ihfft_p(a, axis, n, _norm(norm, "ihfft"))


def _shift(x, axes, sign):
    nd = ndim_of(x)
    axes = tuple(range(nd)) if axes is None else axes
    axes = (axes,) if isinstance(axes, (int, np.integer)) else tuple(axes)
    shape = shape_of(x)
    return _roll(x, tuple(sign * (shape[a] // 2) for a in axes), axes)


def fftshift(x, axes=None):
    return _shift(x, axes, 1)


def ifftshift(x, axes=None):
    return _shift(x, axes, -1)


# the sample frequencies are constants
fftfreq = np.fft.fftfreq
rfftfreq = np.fft.rfftfreq

dispatch.FUNCTIONS.update(
    {
        getattr(np.fft, name): globals()[name]
        for name in (
            "fft ifft fft2 ifft2 fftn ifftn rfft rfft2 rfftn irfft irfft2 irfftn hfft ihfft "
            "fftshift ifftshift"
        ).split()
    }
)

__all__ = [
    "fft",
    "fft2",
    "fftfreq",
    "fftn",
    "fftshift",
    "hfft",
    "ifft",
    "ifft2",
    "ifftn",
    "ifftshift",
    "ihfft",
    "irfft",
    "irfft2",
    "irfftn",
    "rfft",
    "rfft2",
    "rfftfreq",
    "rfftn",
]
