"""adcore: dual-mode automatic differentiation for numpy code.

    import adcore
    import adcore.numpy as anp

    f = lambda x: anp.sum(anp.tanh(x) ** 2)
    adcore.grad(f)(x)                        # reverse mode: a tape swept right to left
    adcore.jvp(f, (x,), (v,))                # forward mode: dual numbers, left to right
    adcore.hvp(f, (x,), (v,))                # any nesting of the two

Layers (arrows point one way):
    adcore.core        primitive registry, tags, dual numbers, tape, pytrees
    adcore.rules       numpy rules, one family per module
    adcore.numpy       the differentiable namespace and numpy-protocol front end
    adcore.transforms  grad, jvp, vjp, jacfwd, jacrev, jacobian, hessian, hvp
    adcore.taylor      Taylor mode: jet, taylor_derivatives (k derivatives in one pass)
    adcore.check       check_grads
    adcore.sparse      sparsity detection, coloring, sparse Jacobians/Hessians (scipy)
"""

import adcore.numpy  # installs operators and numpy protocols on traced values
from adcore.check import check_grads
from adcore.checkpoint import checkpoint
from adcore.compile import compile
from adcore.core import (
    LeakedTracerError,
    Primitive,
    defjvp,
    defvjp,
    getval,
    primitive,
    registry,
)
from adcore.core.pytree import tree_flatten, tree_map, tree_unflatten
from adcore.taylor import jet, taylor_derivatives
from adcore.trace import trace
from adcore.transforms import (
    HVP_MODES,
    ModeChoice,
    choose_mode,
    grad,
    hessian,
    hvp,
    jacfwd,
    jacobian,
    jacrev,
    jvp,
    value_and_grad,
    vjp,
)

try:  # sparse Jacobians and Hessians need scipy (the optional extra adcore[sparse])
    from adcore.sparse import (
        hessian_sparsity,
        jacobian_sparsity,
        prepare_sparse_hessian,
        prepare_sparse_jacobian,
        sparse_hessian,
        sparse_jacobian,
    )
except ImportError:  # pragma: no cover - without scipy these names are absent
    pass

__version__ = "0.1.0"

__all__ = [
    "HVP_MODES",
    "LeakedTracerError",
    "ModeChoice",
    "Primitive",
    "check_grads",
    "checkpoint",
    "choose_mode",
    "compile",
    "defjvp",
    "defvjp",
    "getval",
    "grad",
    "hessian",
    "hvp",
    "jacfwd",
    "jacobian",
    "jacrev",
    "jet",
    "jvp",
    "primitive",
    "registry",
    "taylor_derivatives",
    "trace",
    "tree_flatten",
    "tree_map",
    "tree_unflatten",
    "value_and_grad",
    "vjp",
]
if "sparse_jacobian" in globals():
    __all__ += [
        "hessian_sparsity",
        "jacobian_sparsity",
        "prepare_sparse_hessian",
        "prepare_sparse_jacobian",
        "sparse_hessian",
        "sparse_jacobian",
    ]
