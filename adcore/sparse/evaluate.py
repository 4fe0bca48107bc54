"""Compressed passes and decompression: sparse Jacobians and Hessians.

A column coloring with p colors turns the n unit tangents of jacfwd into p
seeds (seed c = the sum of the unit vectors of the columns of color c);
``J @ seeds`` comes out of one batched forward pass and entry (r, j) is
``(J s_color(j))[r]``.  Row colorings do the same with one batched reverse
sweep; bicolorings do both.  Hessians use forward-over-reverse (the jvp of
the gradient) batched over star-coloring seeds.

``SparseJacobian`` / ``SparseHessian`` are prepared once (pattern, coloring,
seeds, index arrays for decompression) and then called at new points.
"""

import time
import warnings

import numpy as np
import scipy.sparse as sp

from adcore.core import getval, shape_of
from adcore.core.pytree import tree_flatten
from adcore.sparse import coloring as col
from adcore.sparse.detect import detect
from adcore.transforms.common import DiffArgs
from adcore.transforms.forward_mode import push
from adcore.transforms.reverse_mode import ReverseTrace, grad

MODES = ("auto", "forward", "reverse", "bidirectional")
# a reverse direction costs about this many forward ones (the tape, the sweep);
# the bench's jacobian sweep put adcore's ratio between 1 and 2
REVERSE_WEIGHT = 1.5


class LocalPatternWarning(UserWarning):
    """A sparsity pattern was detected where f read traced values: it may not hold
    at other points."""


def _seeds(colors, count, sizes, shapes, dtype):
    """One seed per color, split per leaf: blocks of shape (count,) + leaf shape."""
    onehot = np.zeros((count, colors.size), dtype=dtype)
    seeded = colors >= 0
    onehot[colors[seeded], np.nonzero(seeded)[0]] = 1
    out, start = [], 0
    for k, s in zip(sizes, shapes):
        out.append(onehot[:, start : start + k].reshape((count,) + s))
        start += k
    return out


def _decile9(counts):
    """The 90th percentile of ``counts`` (the lower of the two values it falls between:
    a partition, not np.percentile's interpolating sort)."""
    k = int(0.9 * (counts.size - 1))
    return int(np.partition(counts, k)[k])


def _symmetric(p):
    if p.shape[0] != p.shape[1]:
        return False
    t = sp.csr_array(p.T)
    t.sort_indices()
    return np.array_equal(t.indptr, p.indptr) and np.array_equal(t.indices, p.indices)


def _flat(blocks, count):
    return np.concatenate([np.reshape(getval(b), (count, -1)) for b in blocks], axis=1)


class SparseJacobian:
    """A prepared sparse Jacobian of f: call it at new points for a ``csr_array``.

    Attributes: ``pattern`` (the Jacobian's, outputs x inputs flattened),
    ``mode`` ("forward", "reverse" or "bidirectional"), ``passes`` (directions
    per call), ``colors`` (the coloring used), ``is_global``, ``reason``,
    ``setup_s`` (detection + coloring time).
    """

    def __init__(
        self, f, args, argnums=0, pattern=None, mode="auto", kwargs=None, order=None, budget=None
    ):
        if mode not in MODES:
            raise ValueError(f"sparse_jacobian: mode={mode!r}; choose one of {', '.join(MODES)}")
        start = time.perf_counter()
        self.f, self.argnums, self.kwargs = f, argnums, dict(kwargs or {})
        diff = DiffArgs(args, argnums, "sparse_jacobian")
        self.in_shapes = [shape_of(getval(x)) for x in diff.leaves]
        self.in_sizes = [int(np.prod(s, dtype=np.int64)) for s in self.in_shapes]
        self.detection = None
        if pattern is None:
            self.detection = detect(
                f, args, argnums, self.kwargs, transform="sparse_jacobian", budget=budget
            )
            pattern = self.detection.pattern
            self.is_global = self.detection.is_global
            self.out_shapes = list(self.detection.out_shapes)
        else:
            self.is_global = True  # the caller vouches for it
            pattern = sp.csr_array(pattern, copy=True)  # later edits of theirs are not ours
            out_leaves, _ = tree_flatten(f(*args, **self.kwargs))
            self.out_shapes = [shape_of(getval(o)) for o in out_leaves]
        self.out_sizes = [int(np.prod(s, dtype=np.int64)) for s in self.out_shapes]
        n, m = sum(self.in_sizes), sum(self.out_sizes)
        self.pattern = col.as_pattern(pattern)
        if self.pattern.shape != (m, n):
            raise ValueError(
                f"sparse_jacobian: pattern has shape {self.pattern.shape} but f maps {n} "
                f"input element(s) to {m} output element(s): expected ({m}, {n})"
            )
        order = order or "largest_first"
        self._choose(mode, order)
        rows = np.repeat(np.arange(m), np.diff(self.pattern.indptr))
        self._rows, self._cols = rows, self.pattern.indices
        # where each entry sits in the flattened compressed result, found once
        if self.mode == "forward":
            self._flat_at = self.colors[self._cols] * m + rows
        elif self.mode == "reverse":
            self._flat_at = self.colors[rows] * n + self._cols
        self.setup_s = time.perf_counter() - start

    def _choose(self, mode, order):
        p = self.pattern
        per_row = np.diff(p.indptr)
        per_col = np.bincount(p.indices, minlength=p.shape[1])
        options = {}
        # an arrowhead's dense row and column force one-sided colorings far above
        # the typical row and column counts: try two-sided first, and one-sided
        # only where its lower bound (the longest row / column) could still win
        typical = max(_decile9(per_row), _decile9(per_col), 1) if p.nnz else 1
        bounds = {"forward": per_row.max(initial=0), "reverse": per_col.max(initial=0)}
        lopsided = min(bounds.values()) > 4 * typical + 2
        if mode == "bidirectional" or (mode == "auto" and lopsided):
            options["bidirectional"] = col.bicoloring(p, order)
        best = options["bidirectional"].n_col + options["bidirectional"].n_row if options else None
        if mode == "forward" or (mode == "auto" and (best is None or bounds["forward"] < best)):
            options["forward"] = col.column_coloring(p, order)
        fwd = int(options["forward"].max(initial=-1) + 1) if "forward" in options else None
        if fwd is not None:
            best = fwd if best is None else min(best, fwd)
        # a row coloring needs at least as many colors as the densest column has
        # entries: skip it when that bound already loses (a structurally symmetric
        # pattern has the same row and column colorings)
        if mode == "reverse" or (
            mode == "auto"
            and (best is None or REVERSE_WEIGHT * bounds["reverse"] < best)
            and not _symmetric(p)
        ):
            options["reverse"] = col.row_coloring(p, order)
        one_sided = [int(c.max(initial=-1) + 1) for k, c in options.items() if k != "bidirectional"]
        if mode == "auto" and "bidirectional" not in options and min(one_sided) > 4 * typical + 2:
            options["bidirectional"] = col.bicoloring(p, order)
        costs = {}
        for name, c in options.items():
            if name == "forward":
                costs[name] = int(c.max(initial=-1) + 1)
            elif name == "reverse":
                costs[name] = REVERSE_WEIGHT * int(c.max(initial=-1) + 1)
            else:
                costs[name] = c.n_col + REVERSE_WEIGHT * c.n_row + (1 if c.n_row and c.n_col else 0)
        self.mode = min(costs, key=costs.get)
        self.colors = options[self.mode]
        if self.mode == "bidirectional":
            self.passes = self.colors.n_col + self.colors.n_row
        else:
            self.passes = int(self.colors.max(initial=-1) + 1)
        shown = ", ".join(f"{k} {self._count(k, v)}" for k, v in options.items())
        self.reason = (
            f"{p.shape[0]}x{p.shape[1]} pattern with {p.nnz} nonzeros "
            f"(max {np.diff(p.indptr).max(initial=0)} per row); directions needed: {shown}; "
            f"reverse directions weighted {REVERSE_WEIGHT}x, so {self.mode}"
        )

    @staticmethod
    def _count(name, c):
        if name == "bidirectional":
            return f"{c.n_col} forward + {c.n_row} reverse"
        return str(int(c.max(initial=-1) + 1))

    def __call__(self, *args):
        """The Jacobian at ``args`` (shapes as prepared) as a ``csr_array``."""
        return sp.csr_array(
            (self.values(*args), self.pattern.indices, self.pattern.indptr),
            shape=self.pattern.shape,
        )

    def values(self, *args):
        """The Jacobian's entries in the pattern's (CSR) order."""
        diff = DiffArgs(args, self.argnums, "sparse_jacobian")
        shapes = [shape_of(getval(x)) for x in diff.leaves]
        if shapes != self.in_shapes:
            raise ValueError(
                f"sparse_jacobian: prepared for input shapes {self.in_shapes}, called with {shapes}"
            )
        dtype = np.result_type(*[getval(x) for x in diff.leaves], np.float32)
        if self.mode == "forward":
            return self._forward(diff, self.colors, dtype).ravel().take(self._flat_at)
        if self.mode == "reverse":
            return self._reverse(args, self.colors, dtype).ravel().take(self._flat_at)
        bic = self.colors
        out = np.empty(self._rows.size, dtype=dtype)
        fwd = ~bic.by_reverse
        if bic.n_col:
            b = self._forward(diff, bic.col_colors, dtype)
            out[fwd] = b[bic.col_colors[self._cols[fwd]], self._rows[fwd]]
        if bic.n_row:
            c = self._reverse(args, bic.row_colors, dtype)
            rev = bic.by_reverse
            out[rev] = c[bic.row_colors[self._rows[rev]], self._cols[rev]]
        return out

    def _forward(self, diff, colors, dtype):
        count = int(colors.max(initial=-1) + 1)
        seeds = _seeds(colors, count, self.in_sizes, self.in_shapes, dtype)
        _, _, _, touts = push(self.f, diff, seeds, self.kwargs, 1, "sparse_jacobian")
        return _flat(touts, count)  # (colors, m)

    def _reverse(self, args, colors, dtype):
        count = int(colors.max(initial=-1) + 1)
        trace = ReverseTrace(self.f, args, self.kwargs, self.argnums, False, "sparse_jacobian")
        seeds = _seeds(colors, count, self.out_sizes, self.out_shapes, dtype)
        grads = trace.pull(seeds, nbatch=1)
        trace.release()
        return _flat(grads, count)  # (colors, n)

    def __repr__(self):
        where = "global" if self.is_global else "LOCAL to the point it was detected at"
        return f"<SparseJacobian {self.mode}, {self.passes} passes, pattern {where}>"


class SparseHessian:
    """A prepared sparse Hessian of scalar f (forward-over-reverse, star coloring)."""

    def __init__(self, f, args, argnums=0, pattern=None, kwargs=None, order="largest_first"):
        start = time.perf_counter()
        self.f, self.argnums, self.kwargs = f, argnums, dict(kwargs or {})
        diff = DiffArgs(args, argnums, "sparse_hessian")
        self.in_shapes = [shape_of(getval(x)) for x in diff.leaves]
        self.in_sizes = [int(np.prod(s, dtype=np.int64)) for s in self.in_shapes]
        n = sum(self.in_sizes)
        self.detection = None
        if pattern is None:
            self.detection = detect(f, args, argnums, self.kwargs, True, "sparse_hessian")
            pattern = self.detection.hessian
            self.is_global = self.detection.is_global
        else:
            self.is_global = True
        pattern = col.as_pattern(pattern)
        if pattern.shape != (n, n):
            raise ValueError(
                f"sparse_hessian: pattern has shape {pattern.shape}; f has {n} input "
                f"element(s): expected ({n}, {n})"
            )
        self.pattern = col.as_pattern(pattern + pattern.T)
        self.colors = col.star_coloring(self.pattern, order)
        self.passes = int(self.colors.max(initial=-1) + 1)
        p = self.pattern
        rows = np.repeat(np.arange(n), np.diff(p.indptr))
        cols = p.indices
        keys = rows * (self.passes + 1) + self.colors[cols]
        _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
        direct = counts[inverse] == 1
        # H[i, j] from row i of color(j)'s compressed column, else from row j of color(i)'s
        self._take = (
            np.where(direct, self.colors[cols], self.colors[rows]),
            np.where(direct, rows, cols),
        )
        self._grad = grad(f, argnums)
        self.reason = (
            f"{n}x{n} Hessian pattern with {p.nnz} nonzeros; star coloring: {self.passes} "
            "forward-over-reverse directions"
        )
        self.setup_s = time.perf_counter() - start

    def __call__(self, *args):
        """The Hessian at ``args`` (shapes as prepared) as a symmetric ``csr_array``."""
        return sp.csr_array(
            (self.values(*args), self.pattern.indices, self.pattern.indptr),
            shape=self.pattern.shape,
        )

    def values(self, *args):
        """The Hessian's entries in the pattern's (CSR) order."""
        diff = DiffArgs(args, self.argnums, "sparse_hessian")
        shapes = [shape_of(getval(x)) for x in diff.leaves]
        if shapes != self.in_shapes:
            raise ValueError(
                f"sparse_hessian: prepared for input shapes {self.in_shapes}, called with {shapes}"
            )
        dtype = np.result_type(*[getval(x) for x in diff.leaves], np.float32)
        seeds = _seeds(self.colors, self.passes, self.in_sizes, self.in_shapes, dtype)
        kwargs = self.kwargs
        g = self._grad if not kwargs else (lambda *a: self._grad(*a, **kwargs))
        _, _, _, touts = push(g, diff, seeds, {}, 1, "sparse_hessian")
        b = _flat(touts, self.passes)  # (colors, n): H @ seeds
        return b[self._take]

    def __repr__(self):
        where = "global" if self.is_global else "LOCAL to the point it was detected at"
        return f"<SparseHessian {self.passes} passes, pattern {where}>"


def _warn_local(plan, what):
    if not plan.is_global and plan.detection is not None:
        warnings.warn(
            f"{what}: the sparsity pattern is local to the point it was detected at "
            f"(f read traced values: {'; '.join(plan.detection.reads)}); at other points "
            "it may miss nonzeros. Pass pattern= for a pattern known to hold everywhere.",
            LocalPatternWarning,
            stacklevel=3,
        )


def prepare_sparse_jacobian(f, *args, argnums=0, pattern=None, mode="auto", order=None):
    """Detect, color and seed once at ``args``; the result is called at new points."""
    plan = SparseJacobian(f, args, argnums, pattern, mode, order=order)
    _warn_local(plan, "prepare_sparse_jacobian")
    return plan


def prepare_sparse_hessian(f, *args, argnums=0, pattern=None, order="largest_first"):
    """Detect, star-color and seed once at ``args``; the result is called at new points."""
    plan = SparseHessian(f, args, argnums, pattern, order=order)
    _warn_local(plan, "prepare_sparse_hessian")
    return plan


def _plan_cache(make):
    """Reuse a plan for calls with the same input shapes while its pattern is global;
    a local pattern is detected again at every call."""
    cache = {}

    def get(args, kwargs):
        key = tuple(
            (shape_of(getval(a)), np.result_type(getval(a)).str) for a in tree_flatten(args)[0]
        )
        key += (tuple(sorted(kwargs)),) if kwargs else ()
        plan = cache.get(key)
        if plan is None:
            plan = make(args, kwargs)
            if plan.is_global and not kwargs:
                cache.clear()  # one entry: the shapes a solver uses
                cache[key] = plan
        return plan

    return get


def sparse_jacobian(f, argnums=0, pattern=None, mode="auto"):
    """The Jacobian as a ``scipy.sparse.csr_array`` (outputs x inputs, flattened) by
    compressed passes: ``sparse_jacobian(f)(*args)``.

    ``pattern`` skips detection; ``mode`` is "auto" (fewest weighted directions),
    "forward" (column coloring), "reverse" (row coloring) or "bidirectional".
    The returned function also has ``.prepare(*args)`` -> ``SparseJacobian``.
    """
    if mode not in MODES:
        raise ValueError(f"sparse_jacobian: mode={mode!r}; choose one of {', '.join(MODES)}")
    get = _plan_cache(lambda a, kw: SparseJacobian(f, a, argnums, pattern, mode, kwargs=kw))

    def sparse_jacobian_f(*args, **kwargs):
        return get(args, kwargs)(*args)

    sparse_jacobian_f.prepare = lambda *args: prepare_sparse_jacobian(
        f, *args, argnums=argnums, pattern=pattern, mode=mode
    )
    return sparse_jacobian_f


def sparse_hessian(f, argnums=0, pattern=None):
    """The Hessian of scalar f as a ``scipy.sparse.csr_array`` (inputs x inputs,
    flattened), forward-over-reverse over star-coloring seeds."""
    get = _plan_cache(lambda a, kw: SparseHessian(f, a, argnums, pattern, kwargs=kw))

    def sparse_hessian_f(*args, **kwargs):
        return get(args, kwargs)(*args)

    sparse_hessian_f.prepare = lambda *args: prepare_sparse_hessian(
        f, *args, argnums=argnums, pattern=pattern
    )
    return sparse_hessian_f
