"""Spec cases for the primitives of the surface families (arrays, contractions,
decompositions), read by ``test_registry.py``.

Format (see ``registry_specs.Case``): ``args`` are shapes (random float
arrays, differentiated) or ``Const`` values; ``kwargs`` pass through;
``domain`` bounds the random values.  fmax/fmin/remainder/fmod are elementwise
and get their cases from ``prim.meta``.

Input validity the registry's uniform random draws cannot give is noted per
primitive.  ``cholesky`` needs a positive-definite input, which no box domain
guarantees beyond 1x1 blocks, so its registry cases are stacks of 1x1 matrices
and ``test_surface.py`` checks real (SPD) matrices with ``check_grads``.
Random matrices for inv/solve/det/eigh/svd/pinv stay small (2x2, 3x3), where
near-singular or near-degenerate draws are rare.

Eigen- and singular vectors are unique up to a sign (real) or a phase (complex)
per column, and numpy's phases are not the rules' (``adcore.rules.spectral``), so
the cases framed by ``eigh_view``/``eig_view``/``svd_view`` check gauge-invariant
functions of them: the values, weighted projectors V diag(c) V^H (V diag(c) V^-1
for eig) and U diag(c) Vh.  ``COMPLEX_SPECS`` replaces a primitive's cases in the
complex registry (``test_complex.py``), where only those frames are defined.
"""

import numpy as np
from registry_specs import Const

import adcore.numpy as anp


def _weights(n):
    return np.linspace(0.5, 1.5, n)  # distinct: a projector-weighted sum keeps every vector


def _real_view(z):
    """Real and imaginary parts stacked (the real registry differentiates real outputs)."""
    return anp.stack([anp.real(z), anp.imag(z)])


def _projector(v, right):
    """V diag(c) right: gauge-invariant when ``right`` undoes each column's factor."""
    return anp.matmul(v * _weights(np.shape(v)[-1]), right)


def _eig_parts(p):
    return p[..., 0, :], p[..., 1:, :]


def eigh_view(prim, a, **kwargs):
    w, v = _eig_parts(prim(a, **kwargs))
    proj = _projector(v, anp.conj(anp.swapaxes(v, -1, -2)))
    return anp.concatenate([anp.real(w)[..., None, :], proj], axis=-2)


def eig_view(prim, a, shift=0.0, **kwargs):
    """Eigenvalues and V diag(c) V^-1 of ``a + shift``, real and imaginary parts apart."""
    w, v = _eig_parts(prim(a + shift, **kwargs))
    proj = _projector(v, anp.linalg.inv(v))
    return _real_view(anp.concatenate([w[..., None, :], proj], axis=-2))


def svd_view(prim, a, **kwargs):
    """s, U diag(c) Vh, U diag(c) U^H and V diag(c) V^H, flattened."""
    m, n = np.shape(a)[-2:]
    k = min(m, n)
    p = prim(a, **kwargs)
    lead = np.shape(p)[:-1]
    u = anp.reshape(p[..., : m * k], lead + (m, k))
    s = anp.real(p[..., m * k : m * k + k])
    vh = anp.reshape(p[..., m * k + k :], lead + (k, n))
    uh, v = anp.conj(anp.swapaxes(u, -1, -2)), anp.conj(anp.swapaxes(vh, -1, -2))
    parts = [_projector(u, vh), _projector(u, uh), _projector(v, vh)]
    return anp.concatenate([s] + [anp.reshape(q, lead + (-1,)) for q in parts], axis=-1)


# a rotation block: a real matrix near it has a complex pair of eigenvalues (and 1.5)
_ROTATION = np.array([[0.0, 3.0, 0.0], [-3.0, 0.0, 0.0], [0.0, 0.0, 1.5]])
_SPECTRAL = {
    "eigh_packed": [
        dict(args=[(3, 3)], wrap=eigh_view),
        dict(args=[(2, 3, 3)], kwargs=dict(UPLO="U"), wrap=eigh_view),
    ],
    "eig_packed": [
        dict(args=[(3, 3)], domain=(-1.0, 1.0), wrap=eig_view),
        dict(args=[(2, 2, 2)], domain=(0.5, 2.0), wrap=eig_view),
        # complex eigenvalues of a real matrix (a complex one in the complex registry)
        dict(args=[(3, 3), Const(_ROTATION)], domain=(-0.5, 0.5), wrap=eig_view),
    ],
    "svd_packed": [
        dict(args=[(3, 2)], wrap=svd_view),
        dict(args=[(2, 3)], wrap=svd_view),
        dict(args=[(2, 3, 3)], wrap=svd_view),
    ],
}
COMPLEX_SPECS = _SPECTRAL

SPECS = {
    # ---- arrays --------------------------------------------------------------------------
    "flip": [
        dict(args=[(3, 4)]),
        dict(args=[(3, 4)], kwargs=dict(axis=0)),
        dict(args=[(2, 3, 4)], kwargs=dict(axis=(0, 2))),
        dict(args=[(2, 3, 4)], kwargs=dict(axis=-1)),
    ],
    "roll": [
        dict(args=[(5,)], kwargs=dict(shift=2, axis=0)),
        dict(args=[(3, 4)], kwargs=dict(shift=(1, -2), axis=(0, 1))),
        dict(args=[(3, 4)], kwargs=dict(shift=3, axis=-1)),
    ],
    "cumsum": [
        dict(args=[(5,)], kwargs=dict(axis=0)),
        dict(args=[(3, 4)], kwargs=dict(axis=1)),
        dict(args=[(2, 3, 4)], kwargs=dict(axis=-2)),
    ],
    "cumprod": [
        dict(args=[(5,)], kwargs=dict(axis=0), domain=(0.5, 1.5)),
        dict(args=[(3, 4)], kwargs=dict(axis=0), domain=(0.5, 1.5)),
        dict(args=[(3, 4)], kwargs=dict(axis=-1), domain=(-1.5, -0.5)),
    ],
    "pad_zeros": [
        dict(args=[(3,)], kwargs=dict(width=((2, 1),))),
        dict(args=[(2, 3)], kwargs=dict(width=((1, 0), (2, 1)))),
    ],
    # ---- contractions ----------------------------------------------------------------------
    "einsum": [
        dict(args=[Const("ij,jk->ik"), (2, 3), (3, 4)]),
        dict(args=[Const("bij,bjk->bik"), (2, 2, 3), (2, 3, 2)]),
        dict(args=[Const("ii->i"), (3, 3)]),
        dict(args=[Const("ii->"), (3, 3)]),
        dict(args=[Const("ij->j"), (3, 4)]),
        dict(args=[Const("i,j->ij"), (3,), (2,)]),
        dict(args=[Const("iij->ji"), (2, 2, 3)]),
        dict(args=[Const("ij,jk,kl->il"), (2, 3), (3, 2), (2, 2)]),
        dict(args=[Const("abc,ca->b"), (2, 3, 4), (4, 2)]),
    ],
    # ---- decompositions ----------------------------------------------------------------------
    "inv": [
        dict(args=[(3, 3)], domain=(-2.0, 2.0)),
        dict(args=[(2, 2, 2)], domain=(0.5, 2.0)),
    ],
    "solve": [
        dict(args=[(3, 3), (3,)]),
        dict(args=[(3, 3), (3, 2)]),
        dict(args=[(2, 3, 3), (3, 2)]),
        dict(args=[(3, 3), (2, 3, 1)]),
    ],
    "det": [dict(args=[(3, 3)]), dict(args=[(2, 2, 2)])],
    "logabsdet": [dict(args=[(3, 3)]), dict(args=[(2, 2, 2)])],
    "cholesky": [dict(args=[(3, 1, 1)], domain=(0.5, 2.0)), dict(args=[(1, 1)], domain=(0.5, 2.0))],
    # real matrices: the vectors' signs are locally constant, their entries differentiable
    "eigh_packed": [
        dict(args=[(3, 3)]),
        dict(args=[(2, 2, 2)], kwargs=dict(UPLO="U")),
    ]
    + _SPECTRAL["eigh_packed"],
    # positive 2x2 entries: real, distinct eigenvalues (discriminant (a-d)^2 + 4bc > 0)
    "eig_packed": [
        dict(args=[(2, 2)], domain=(0.5, 2.0)),
        dict(args=[(3, 2, 2)], domain=(0.5, 2.0)),
    ]
    + _SPECTRAL["eig_packed"],
    "svd_packed": [dict(args=[(3, 2)]), dict(args=[(2, 3)]), dict(args=[(2, 2, 2)])]
    + _SPECTRAL["svd_packed"],
    "pinv": [dict(args=[(3, 2)]), dict(args=[(2, 3)]), dict(args=[(2, 3, 3)])],
}
