"""Sparse Jacobians and Hessians: sparsity detection, coloring, compressed passes.

    adcore.jacobian_sparsity(f, x)      # scipy.sparse pattern (outputs x inputs, flattened)
    adcore.hessian_sparsity(f, x)       # (inputs x inputs), for scalar f
    adcore.sparse_jacobian(f)(x)        # csr_array by compressed forward/reverse passes
    adcore.sparse_hessian(f)(x)         # csr_array, forward-over-reverse + star coloring
    plan = adcore.sparse_jacobian(f).prepare(x); plan(x_new)   # detect and color once

detect    index-set tracing (a tag whose values carry dependency sets)
patterns  local patterns one primitive call can have (broadcast, gather, labelled maps)
rules     the sparsity rule of each primitive family, attached to the registry
coloring  column / row / star colorings and bicolorings, greedy
evaluate  compressed passes, decompression, the prepared objects
choice    the sparse candidates of jacobian(mode="auto")

Needs scipy (the optional extra ``adcore[sparse]``).
"""

import warnings

from adcore.sparse import coloring
from adcore.sparse.detect import Detection, detect
from adcore.sparse.evaluate import (
    LocalPatternWarning,
    SparseHessian,
    SparseJacobian,
    prepare_sparse_hessian,
    prepare_sparse_jacobian,
    sparse_hessian,
    sparse_jacobian,
)
from adcore.sparse.rules import attach_all, defsparsity

attach_all()


def _checked(found, what):
    if not found.is_global:
        warnings.warn(
            f"{what}: the pattern is local to this point (f read traced values: "
            f"{'; '.join(found.reads)}); at other points it may miss nonzeros",
            LocalPatternWarning,
            stacklevel=3,
        )
    return found


def jacobian_sparsity(f, *args, argnums=0):
    """The Jacobian's sparsity pattern at ``args``: a boolean ``scipy.sparse.csr_array``
    (flattened outputs x flattened inputs).  Global unless f read traced values, which
    raises a ``LocalPatternWarning`` naming where (``detect`` returns the details)."""
    return _checked(detect(f, args, argnums), "jacobian_sparsity").pattern


def hessian_sparsity(f, *args, argnums=0):
    """The Hessian's sparsity pattern of scalar f (flattened inputs x inputs), symmetric."""
    found = detect(f, args, argnums, hessian=True, transform="hessian_sparsity")
    return _checked(found, "hessian_sparsity").hessian


__all__ = [
    "Detection",
    "LocalPatternWarning",
    "SparseHessian",
    "SparseJacobian",
    "attach_all",
    "coloring",
    "defsparsity",
    "detect",
    "hessian_sparsity",
    "jacobian_sparsity",
    "prepare_sparse_hessian",
    "prepare_sparse_jacobian",
    "sparse_hessian",
    "sparse_jacobian",
]
