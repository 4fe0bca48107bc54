"""The numpy rules, one family per module.

elementwise  ufunc-like maps declared by their partial derivatives
reductions   sum, prod, max, min (mean, var, std on top)
shape        reshape, transpose, broadcasting, indexing, concatenation
linalg       matmul and what is built on it
nn           sigmoid, relu, softplus, logsumexp, softmax, log_softmax
"""

from adcore.core import hooks
from adcore.rules import declare, elementwise, linalg, nn, reductions, shape

hooks.stack = lambda arrays: shape.stack(arrays, axis=0)

__all__ = ["declare", "elementwise", "linalg", "nn", "reductions", "shape"]
