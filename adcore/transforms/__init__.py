"""The transforms of SPEC: grad, value_and_grad, jvp, vjp, jacfwd, jacrev,
jacobian, choose_mode, hessian, hvp."""

from adcore.transforms.forward_mode import jacfwd, jvp
from adcore.transforms.jacobian import ModeChoice, choose_mode, jacobian
from adcore.transforms.reverse_mode import grad, jacrev, value_and_grad, vjp
from adcore.transforms.second_order import HVP_MODES, hessian, hvp

__all__ = [
    "HVP_MODES",
    "ModeChoice",
    "choose_mode",
    "grad",
    "hessian",
    "hvp",
    "jacfwd",
    "jacobian",
    "jacrev",
    "jvp",
    "value_and_grad",
    "vjp",
]
