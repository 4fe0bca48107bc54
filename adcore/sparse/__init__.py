"""Sparse Jacobians and Hessians: sparsity detection, coloring, compressed passes."""

from adcore.sparse.rules import attach_all

attach_all()
