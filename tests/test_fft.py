"""adcore.numpy.fft: values as numpy.fft, derivatives against finite differences.

Complex outputs are checked through ``specs_fft._real_view`` and complex
inputs built as ``F a + i F b`` from real draws (see specs_fft), so each check
is a real-to-real function that ``check_grads`` differentiates in both modes
to second order.  The cases follow autograd's fft tests (every transform, n
and s smaller and bigger than the input, norms, axes, subsets of the output,
the shifts), written against adcore's API.
"""

import numpy as np
import pytest
from specs_fft import _complex, _real_view

import adcore
import adcore.numpy as anp
from adcore import check_grads

RNG = np.random.default_rng(1)

# (name, input shape, kwargs); real inputs for the forward transforms
FORWARD = [
    ("fft", (5, 5), {}),
    ("fft", (5, 5), dict(norm="ortho")),
    ("fft", (5, 5), dict(axis=0)),
    ("fft", (5, 5), dict(n=3)),
    ("fft", (5, 5), dict(n=7)),
    ("ifft", (5, 5), {}),
    ("ifft", (5, 5), dict(n=3)),
    ("ifft", (5, 5), dict(n=7)),
    ("rfft", (4, 4), {}),
    ("rfft", (4, 4), dict(norm="ortho")),
    ("rfft", (4, 4), dict(axis=0)),
    ("rfft", (4, 4), dict(n=2)),
    ("rfft", (4, 4), dict(n=6)),
    ("fft2", (5, 5), {}),
    ("ifft2", (5, 5), {}),
    ("fftn", (5, 5), {}),
    ("ifftn", (5, 5), {}),
    ("rfft2", (4, 4), {}),
    ("rfftn", (4, 4, 4), {}),
    ("rfftn", (5, 5, 5), {}),  # odd lengths (autograd raises NotImplementedError here)
    ("rfftn", (4, 4, 4), dict(axes=(0, 2))),
    ("fft2", (5, 5, 5), dict(s=(7, 3), axes=(0, 2))),
    ("ifft2", (5, 5, 5), dict(s=(7, 3), axes=(0, 2))),
    ("fftn", (5, 5, 5), dict(s=(7, 3), axes=(0, 2))),
    ("ifftn", (5, 5, 5), dict(s=(7, 3), axes=(0, 2))),
    ("rfft2", (4, 4, 4), dict(s=(6, 2), axes=(0, 2))),
    ("rfftn", (4, 4, 4), dict(s=(6, 2), axes=(0, 2))),
]

# (name, spectrum shape, kwargs); complex spectra for the Hermitian inverses
INVERSE = [
    ("irfft", (4, 3), {}),
    ("irfft", (4, 3), dict(norm="ortho")),
    ("irfft", (4, 3), dict(n=2)),
    ("irfft", (4, 3), dict(n=6)),
    ("irfft2", (4, 3), {}),
    ("irfftn", (4, 4, 3), {}),
    ("irfft2", (4, 4, 3), dict(s=(6, 2), axes=(0, 2))),
    ("irfftn", (4, 4, 3), dict(s=(6, 2), axes=(0, 2))),
]


# (name, input shape, kwargs): hfft's input is a complex half signal, ihfft's a real one
HERMITIAN = [
    ("hfft", (4, 5), {}),
    ("hfft", (4, 5), dict(n=7, norm="ortho")),
    ("hfft", (4, 5), dict(n=4, norm="forward")),  # truncated: 3 of the 5 bins read
    ("hfft", (5, 3), dict(axis=0, n=10)),  # padded
    ("ihfft", (4, 6), {}),
    ("ihfft", (4, 5), dict(n=8, norm="ortho")),
    ("ihfft", (4, 5), dict(n=3, norm="forward")),
    ("ihfft", (5, 3), dict(axis=0, norm="backward")),
]


def _id(case):
    name, shape, kw = case
    return f"{name}-{shape}-{kw}"


@pytest.mark.parametrize("case", FORWARD, ids=_id)
def test_forward_transform(case):
    name, shape, kw = case
    x = RNG.standard_normal(shape) / 3
    mine = getattr(anp.fft, name)
    np.testing.assert_allclose(mine(x, **kw), getattr(np.fft, name)(x, **kw), atol=1e-12)
    check_grads(lambda x: _real_view(mine(x, **kw)), (x,), order=2)


@pytest.mark.parametrize("case", INVERSE, ids=_id)
def test_inverse_transform(case):
    name, shape, kw = case
    a, b = RNG.standard_normal(shape) / 3, RNG.standard_normal(shape) / 3
    mine = getattr(anp.fft, name)
    z = a + 1j * b
    np.testing.assert_allclose(mine(z, **kw), getattr(np.fft, name)(z, **kw), atol=1e-12)
    check_grads(lambda a, b: mine(_complex(a, b), **kw), (a, b), order=2)


@pytest.mark.parametrize("case", HERMITIAN, ids=_id)
def test_hermitian_transform(case):
    name, shape, kw = case
    a, b = RNG.standard_normal(shape) / 3, RNG.standard_normal(shape) / 3
    mine, theirs = getattr(anp.fft, name), getattr(np.fft, name)
    if name == "hfft":  # complex in (as F a + i F b, and a plain complex value), real out
        z = a + 1j * b
        np.testing.assert_allclose(mine(z, **kw), theirs(z, **kw), atol=1e-12)
        check_grads(lambda a, b: mine(_complex(a, b), **kw), (a, b), order=2)
        check_grads(lambda z: mine(z, **kw), (z,), order=2)  # complex directions
    else:
        np.testing.assert_allclose(mine(a, **kw), theirs(a, **kw), atol=1e-12)
    check_grads(lambda x: _real_view(mine(x, **kw)), (a,), order=2)  # real in


def test_hfft_and_ihfft_undo_each_other_and_reach_numpy_calls():
    x = RNG.standard_normal(7)
    np.testing.assert_allclose(anp.fft.hfft(anp.fft.ihfft(x), 7), x, atol=1e-12)
    # hfft(a) = irfft(conj(a)) with the other norm: the same gradient, through np.fft.*
    z = RNG.standard_normal(4) + 1j * RNG.standard_normal(4)
    w = RNG.standard_normal(6)
    g = adcore.grad(lambda z: anp.sum(np.fft.hfft(z, norm="ortho") * w))(z)
    want = adcore.grad(lambda z: anp.sum(np.fft.irfft(np.conj(z), norm="ortho") * w))(z)
    np.testing.assert_allclose(g, want, atol=1e-12)
    g = adcore.grad(lambda x: anp.sum(anp.abs(np.fft.ihfft(x, 9)) ** 2))(x)
    want = adcore.grad(lambda x: anp.sum(anp.abs(np.fft.rfft(x, 9) / 9) ** 2))(x)
    np.testing.assert_allclose(g, want, atol=1e-12)


def test_numpy_calls_on_traced_values_reach_the_rules():
    x = RNG.standard_normal(8)
    h = RNG.standard_normal(5) + 1j * RNG.standard_normal(5)

    def smooth(x):  # a circular convolution through the spectrum: real in, real out
        return np.sum(np.fft.irfft(np.fft.rfft(x) * h) ** 2)

    check_grads(smooth, (x,), order=2)
    # the gradient of sum((x * k)^2) over the circular convolution matches the direct form
    k = np.fft.irfft(h, n=8)
    circulant = np.stack([np.roll(k, j) for j in range(8)], axis=1)
    np.testing.assert_allclose(
        adcore.grad(smooth)(x), 2 * circulant.T @ (circulant @ x), rtol=1e-10
    )


def test_subsets_of_the_spectrum():
    x = RNG.standard_normal((4, 4, 4)) / 3
    pick = ((0, 1, 0), (3, 3, 2))
    check_grads(lambda x: _real_view(anp.fft.rfftn(x)[pick]), (x,), order=2)
    a, b = RNG.standard_normal((4, 4, 3)), RNG.standard_normal((4, 4, 3))
    check_grads(lambda a, b: anp.fft.irfftn(_complex(a, b))[pick], (a, b), order=2)


@pytest.mark.parametrize(
    "shape,axes", [((5, 5), None), ((4, 4), None), ((5, 5), 1), ((4, 6), (0,))]
)
def test_shifts(shape, axes):
    x = RNG.standard_normal(shape)
    for name in ("fftshift", "ifftshift"):
        mine = getattr(anp.fft, name)
        np.testing.assert_array_equal(mine(x, axes=axes), getattr(np.fft, name)(x, axes=axes))
        check_grads(lambda x: mine(x, axes=axes), (x,), order=2)


def test_frequencies_are_numpys():
    np.testing.assert_array_equal(anp.fft.fftfreq(6, 0.5), np.fft.fftfreq(6, 0.5))
    np.testing.assert_array_equal(anp.fft.rfftfreq(7), np.fft.rfftfreq(7))


def test_jacobians_agree_across_modes():
    x = RNG.standard_normal(6)

    def f(x):
        return anp.fft.irfft(anp.fft.rfft(x, n=9) ** 2, n=5)

    np.testing.assert_allclose(adcore.jacfwd(f)(x), adcore.jacrev(f)(x), atol=1e-12)


def test_bad_input_is_named():
    x = RNG.standard_normal((3, 4))
    with pytest.raises(TypeError, match="rfft takes a real array"):
        anp.fft.rfft(x + 1j)
    with pytest.raises(ValueError, match="repeated axes"):
        anp.fft.fftn(x, axes=(0, 0))
    with pytest.raises(ValueError, match="norm"):
        anp.fft.fft(x, norm="twice")
    with pytest.raises(np.exceptions.AxisError, match="fft2"):
        anp.fft.fft2(x, axes=(0, 3))
    with pytest.raises(ValueError, match="invalid number of data points"):
        anp.fft.irfft(np.ones(1, dtype=complex))
    with pytest.raises(TypeError, match="ihfft takes a real array"):
        anp.fft.ihfft(x + 1j)
    with pytest.raises(ValueError, match="hfft: invalid number of data points"):
        anp.fft.hfft(np.ones(1, dtype=complex))  # numpy's default n = 2 (m - 1) = 0
    with pytest.raises(ValueError, match="ihfft: invalid number of data points"):
        anp.fft.ihfft(x, n=0)
    with pytest.raises(np.exceptions.AxisError, match="hfft"):
        anp.fft.hfft(x, axis=2)


# the DFT matrix (symmetric): a spectrum's derivative with respect to x, written out
_F4 = np.fft.fft(np.eye(4))


def test_real_imag_and_conj_of_a_spectrum_have_their_derivatives():
    # complex support (issue 15 part 1): real/imag/conj reach a real loss from a spectrum
    x, w = RNG.standard_normal(4), RNG.standard_normal(4)
    real = adcore.grad(lambda x: anp.sum(anp.real(anp.fft.fft(x)) * w))(x)
    np.testing.assert_allclose(real, np.real(_F4).T @ w, atol=1e-12)
    imag = adcore.grad(lambda x: anp.sum(anp.imag(anp.fft.fft(x)) * w))(x)
    np.testing.assert_allclose(imag, np.imag(_F4).T @ w, atol=1e-12)
    conj = adcore.grad(lambda x: anp.sum(anp.imag(anp.conj(anp.fft.fft(x))) * w))(x)
    np.testing.assert_allclose(conj, -imag, atol=1e-12)
    _, t = adcore.jvp(lambda x: anp.imag(anp.fft.fft(x)), (x,), (w,))
    np.testing.assert_allclose(t, np.imag(_F4) @ w, atol=1e-12)


def test_real_and_imag_attributes_of_traced_values():
    x, w = RNG.standard_normal(4), RNG.standard_normal(4)
    np.testing.assert_allclose(adcore.grad(lambda x: anp.sum(x.real * x + x.imag))(x), 2 * x)
    g = adcore.grad(lambda x: anp.sum(np.fft.fft(x).real * w + np.fft.fft(x).imag))(x)
    np.testing.assert_allclose(g, np.real(_F4).T @ w + np.imag(_F4).sum(axis=0), atol=1e-12)
    g = adcore.grad(lambda x: anp.sum(np.fft.fft(x).conj().imag * w))(x)
    np.testing.assert_allclose(g, -np.imag(_F4).T @ w, atol=1e-12)


@pytest.mark.parametrize("transform", ["jvp", "grad"])
def test_abs_of_a_complex_value_keeps_the_imaginary_part(transform):
    # sum |F x|^2 = n sum x^2 (Parseval): its derivative is 2 n x, both parts of F x counted
    x = RNG.standard_normal(4)

    def f(x):
        return anp.sum(np.abs(np.fft.fft(x)) ** 2)

    if transform == "jvp":
        _, t = adcore.jvp(f, (x,), (x,))
        np.testing.assert_allclose(t, 2 * len(x) * np.sum(x**2))
    else:
        np.testing.assert_allclose(adcore.grad(f)(x), 2 * len(x) * x)
    assert np.isclose(f(x), len(x) * np.sum(x**2))  # plain values are untouched
    np.testing.assert_allclose(adcore.grad(lambda x: anp.sum(np.abs(x)))(x), np.sign(x))
    # d|z| = Re(conj(z) dz) / |z| with dz = F dx
    z = _F4 @ x
    g = adcore.grad(lambda x: anp.sum(np.abs(np.fft.fft(x))))(x)
    np.testing.assert_allclose(g, np.real(_F4.T @ (np.conj(z) / np.abs(z))), atol=1e-12)
