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
"""

from registry_specs import Const

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
    "eigh_packed": [
        dict(args=[(3, 3)]),
        dict(args=[(2, 2, 2)], kwargs=dict(UPLO="U")),
    ],
    # positive 2x2 entries: real, distinct eigenvalues (discriminant (a-d)^2 + 4bc > 0)
    "eig_packed": [
        dict(args=[(2, 2)], domain=(0.5, 2.0)),
        dict(args=[(3, 2, 2)], domain=(0.5, 2.0)),
    ],
    "svd_packed": [dict(args=[(3, 2)]), dict(args=[(2, 3)]), dict(args=[(2, 2, 2)])],
    "pinv": [dict(args=[(3, 2)]), dict(args=[(2, 3)])],
}
