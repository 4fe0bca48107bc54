"""Cases for ``test_oracle_jax.py`` beyond the primitives: the numpy surface
built on them (``SURFACE``) and the steps of random smooth programs.

A ``Surface`` function is written once against a numpy-like module ``xp`` and
run with ``adcore.numpy`` and ``jax.numpy``.  A program step names primitives
only through the table it is given, so one program runs on adcore's primitives
and on JAX's.  This module imports JAX: import it after ``pytest.importorskip``.
"""

import jax
import jax.numpy as jnp
import numpy as np

import adcore.numpy as anp


def floats(*rows):
    return np.array(rows, dtype=np.float64)


class Surface:
    """``adcore(xp, *xs)`` written once against a numpy-like module, run with
    ``xp = adcore.numpy`` and ``xp = jax.numpy``; ``args`` are shapes (seeded random
    points) or arrays (exact points).  ``jax_fn`` overrides JAX's side where names differ."""

    def __init__(self, label, fn, args, jax_fn=None, third=False, default=False):
        self.label, self.fn, self.args, self.jax_fn = label, fn, args, jax_fn
        self.third, self.default = third, default

    def functions(self):
        jax_side = self.jax_fn or (lambda *xs: self.fn(jnp, *xs))
        return (lambda *xs: self.fn(anp, *xs)), jax_side

    def points(self, rng, n):
        if all(isinstance(a, tuple) for a in self.args):
            return [[rng.standard_normal(a) for a in self.args] for _ in range(n)]
        return [[np.asarray(a, dtype=np.float64) for a in self.args]]


def _at_set(xp, x, v, index):
    if xp is jnp:
        return x.at[index].set(v)
    return anp.at_set(x, index, v)


SURFACE = [
    # reductions built on sum: mean, var, std, with one-element reductions
    Surface("mean", lambda xp, x: xp.mean(x, axis=0), [(3, 2)], default=True),
    Surface("var-ddof1", lambda xp, x: xp.var(x, axis=-1, ddof=1), [(2, 4)], default=True),
    Surface("std-keepdims", lambda xp, x: xp.std(x, axis=0, keepdims=True), [(3, 2)]),
    Surface("var@one-element", lambda xp, x: xp.var(x), [floats(3.0)], default=True),
    Surface("std@one-element", lambda xp, x: xp.std(x, axis=0), [floats([3.0, 1.0])], default=True),
    Surface("average-weights", lambda xp, x, w: xp.average(x, axis=0, weights=w), [(3, 2), (3,)]),
    Surface("ptp", lambda xp, x: xp.ptp(x, axis=1), [(2, 3)]),
    Surface("median", lambda xp, x: xp.median(x, axis=0), [(4, 2)]),
    Surface("quantile", lambda xp, x: xp.quantile(x, 0.3), [(5,)]),
    Surface("cov", lambda xp, x: xp.cov(x), [(2, 5)]),
    Surface("corrcoef", lambda xp, x: xp.corrcoef(x), [(3, 4)]),
    Surface("cumsum-flat", lambda xp, x: xp.cumsum(x), [(2, 3)]),
    Surface("cumprod-flat", lambda xp, x: xp.cumprod(x * 0.5 + 2.0), [(2, 3)]),
    Surface("cumprod@one-zero", lambda xp, x: xp.cumprod(x), [floats(1.0, 0.0, 2.0)], default=True),
    # indexing: at_set, take, take_along_axis, sort, with repeated indices
    Surface(
        "at_set",
        lambda xp, x, v: _at_set(xp, x, v, np.array([0, 2])),
        [(4,), (2,)],
        default=True,
    ),
    Surface(
        "at_set@repeated-index",
        lambda xp, x, v: _at_set(xp, x, v, np.array([1, 1])),
        [floats(1.0, 2.0, 3.0), floats(5.0, 7.0)],
        default=True,
    ),
    Surface(
        "take@repeated",
        lambda xp, x: xp.take(x, np.array([2, 0, 2, 2]), axis=1),
        [(2, 3)],
        default=True,
    ),
    Surface(
        "take_along_axis",
        lambda xp, x: xp.take_along_axis(x, np.array([[0, 0], [1, 0]]), axis=1),
        [(2, 2)],
    ),
    Surface("sort", lambda xp, x: xp.sort(x, axis=0), [(3, 2)]),
    Surface("repeat", lambda xp, x: xp.repeat(x, 2, axis=0), [(2, 2)]),
    Surface("tile", lambda xp, x: xp.tile(x, (2, 1)), [(3,)]),
    Surface("diff", lambda xp, x: xp.diff(x, n=2), [(5,)]),
    Surface("pad-edge", lambda xp, x: xp.pad(x, 2, mode="edge"), [(3,)]),
    Surface("pad-reflect", lambda xp, x: xp.pad(x, ((1, 2), (0, 1)), mode="reflect"), [(3, 3)]),
    Surface("rot90", lambda xp, x: xp.rot90(x), [(2, 3)]),
    Surface("roll-flat", lambda xp, x: xp.roll(x, 4), [(2, 3)]),
    Surface("triu-trace", lambda xp, x: xp.triu(x, 1) + xp.trace(x), [(3, 3)]),
    Surface("diag", lambda xp, x: xp.diag(x, k=1), [(3,)]),
    Surface("diagonal", lambda xp, x: xp.diagonal(x, offset=-1, axis1=1, axis2=2), [(2, 3, 3)]),
    Surface("convolve", lambda xp, x, y: xp.convolve(x, y, mode="same"), [(5,), (3,)]),
    Surface(
        "stack-hstack",
        lambda xp, x, y: xp.hstack([xp.stack([x, y], axis=1), x[:, None]]),
        [(3,), (3,)],
    ),
    Surface("split", lambda xp, x: xp.split(x, [1, 3], axis=1)[1], [(2, 4)]),
    Surface("moveaxis", lambda xp, x: xp.moveaxis(x, 0, -1), [(2, 3, 4)]),
    # products and contractions
    Surface("dot", lambda xp, x, y: xp.dot(x, y), [(2, 3), (3,)]),
    Surface("outer-inner", lambda xp, x, y: xp.outer(x, y) + xp.inner(x, y), [(3,), (3,)]),
    Surface("kron", lambda xp, x, y: xp.kron(x, y), [(2, 2), (2,)]),
    Surface(
        "tensordot", lambda xp, x, y: xp.tensordot(x, y, axes=([0, 2], [1, 0])), [(2, 3, 4), (4, 2)]
    ),
    Surface("cross", lambda xp, x, y: xp.cross(x, y), [(2, 3), (3,)]),
    Surface("vdot", lambda xp, x, y: xp.vdot(x, y), [(2, 2), (2, 2)]),
    Surface(
        "einsum-ellipsis", lambda xp, x, y: xp.einsum("...ij,jk->...ik", x, y), [(2, 2, 3), (3, 2)]
    ),
    # linear algebra composites
    Surface("norm-2", lambda xp, x: xp.linalg.norm(x), [(3,)], default=True),
    Surface("norm-1", lambda xp, x: xp.linalg.norm(x, ord=1), [(3,)]),
    Surface("norm-inf", lambda xp, x: xp.linalg.norm(x, ord=np.inf, axis=0), [(3, 2)]),
    Surface("norm-3", lambda xp, x: xp.linalg.norm(x, ord=3, axis=-1), [(2, 3)]),
    Surface("norm-fro", lambda xp, x: xp.linalg.norm(x, "fro"), [(2, 3)], default=True),
    Surface("norm-nuc", lambda xp, x: xp.linalg.norm(x, "nuc"), [(3, 2)]),
    Surface("norm-matrix-2", lambda xp, x: xp.linalg.norm(x, 2), [(2, 3)]),
    Surface("norm-matrix-1", lambda xp, x: xp.linalg.norm(x, 1), [(3, 3)]),
    Surface("norm-axes", lambda xp, x: xp.linalg.norm(x, axis=(0, 2)), [(2, 3, 2)], default=True),
    Surface(
        "vector_norm@two-axes",
        lambda xp, x: xp.linalg.vector_norm(x, axis=(0, 2)),
        [(2, 3, 2)],
        default=True,
    ),
    Surface("slogdet", lambda xp, x: xp.linalg.slogdet(x)[1], [(3, 3)]),
    Surface("eigvalsh", lambda xp, x: xp.linalg.eigvalsh(x + xp.swapaxes(x, -1, -2)), [(3, 3)]),
    Surface("svdvals", lambda xp, x: xp.linalg.svd(x, compute_uv=False), [(3, 2)]),
    Surface(
        "cholesky-upper",
        lambda xp, x: xp.linalg.cholesky(x @ x.T + 3.0 * xp.eye(3), upper=True),
        [(3, 3)],
    ),
    Surface("matrix_power-3", lambda xp, x: xp.linalg.matrix_power(x, 3), [(2, 2)]),
    Surface(
        "matrix_power--2", lambda xp, x: xp.linalg.matrix_power(x + 3.0 * xp.eye(2), -2), [(2, 2)]
    ),
    Surface("multi_dot", lambda xp, x, y: xp.linalg.multi_dot([x, y, x.T]), [(2, 3), (3, 3)]),
    Surface("lstsq", lambda xp, a, b: xp.linalg.lstsq(a, b)[0], [(4, 2), (4,)]),
    Surface(
        "solve-matrix", lambda xp, a, b: xp.linalg.solve(a + 3.0 * xp.eye(3), b), [(3, 3), (3, 2)]
    ),
    # misc
    Surface("linspace", lambda xp, a, b: xp.linspace(a, b, 4), [(2,), (2,)]),
    Surface("logsumexp-axes", lambda xp, x: _logsumexp(xp, x), [(2, 3, 2)], default=True),
    Surface("nan_to_num", lambda xp, x: xp.nan_to_num(x), [(3,)]),
    Surface(
        "clip-arrays",
        lambda xp, x, lo: xp.clip(x, lo, lo + 1.0),
        [floats(-2.0, 0.25, 2.0), floats(-1.0, 0.0, 0.5)],
    ),
    Surface(
        "square-power-int",
        lambda xp, x: x**2 + x**3 - 2.0 * x**-1,
        [floats(0.5, -1.0, 2.0)],
        third=True,
    ),
]


def _logsumexp(xp, x):
    if xp is jnp:
        return jax.scipy.special.logsumexp(x, axis=(0, 2))
    return anp.logsumexp(x, axis=(0, 2))


# ---- random composites of smooth primitives -------------------------------------------------
# A program is a list of steps over nodes of shape (2, 3) (reductions keep their axes, so
# every node broadcasts with every other).


def _unary_steps():
    return {
        name: (lambda t, a, name=name: t[name](a))
        for name in ("sin", "cos", "tanh", "arctan", "arcsinh", "sigmoid", "softplus", "square")
    } | {
        "exp-tanh": lambda t, a: t["exp"](t["tanh"](a)),
        "log-1+a^2": lambda t, a: t["log"](t["add"](t["square"](a), 1.0)),
        "sqrt-1+a^2": lambda t, a: t["sqrt"](t["add"](t["square"](a), 1.0)),
        "a^3": lambda t, a: t["power"](a, 3),
        "a^2.5-of-sigmoid": lambda t, a: t["power"](t["sigmoid"](a), 2.5),
        "flip": lambda t, a: t["flip"](a, axis=1),
        "roll": lambda t, a: t["roll"](a, 1, axis=0),
        "cumsum": lambda t, a: t["cumsum"](a, axis=1),
        "cumprod": lambda t, a: t["cumprod"](a, axis=0),
        "softmax": lambda t, a: t["softmax"](a, axis=-1),
        "log_softmax": lambda t, a: t["log_softmax"](a, axis=0),
        "sum-keepdims": lambda t, a: t["sum"](a, axis=0, keepdims=True),
        "logsumexp-keepdims": lambda t, a: t["logsumexp"](a, axis=1, keepdims=True),
        "prod-keepdims": lambda t, a: t["prod"](a, axis=1, keepdims=True),
        "gather-repeated": lambda t, a: t["getitem"](
            t["broadcast_to"](a, (2, 3)), index=(np.array([1, 1]), slice(None))
        ),
        "transpose-reshape": lambda t, a: t["reshape"](
            t["transpose"](t["broadcast_to"](a, (2, 3))), (2, 3)
        ),
        "pad-slice": lambda t, a: t["getitem"](
            t["pad_zeros"](t["broadcast_to"](a, (2, 3)), ((1, 0), (0, 2))),
            index=(slice(1, None), slice(2, None)),
        ),
    }


def _binary_steps():
    return {
        "add": lambda t, a, b: t["add"](a, b),
        "subtract": lambda t, a, b: t["subtract"](a, b),
        "multiply": lambda t, a, b: t["multiply"](a, b),
        "logaddexp": lambda t, a, b: t["logaddexp"](a, b),
        "hypot": lambda t, a, b: t["hypot"](a, t["add"](t["square"](b), 0.5)),
        "divide": lambda t, a, b: t["divide"](a, t["add"](t["sin"](b), 2.0)),
        "arctan2": lambda t, a, b: t["arctan2"](a, t["add"](t["cos"](b), 2.0)),
        "power": lambda t, a, b: t["power"](t["add"](t["sigmoid"](a), 0.5), t["tanh"](b)),
        "matmul": lambda t, a, b: t["matmul"](
            t["broadcast_to"](a, (2, 3)),
            t["matmul"](t["transpose"](t["broadcast_to"](b, (2, 3))), t["broadcast_to"](a, (2, 3))),
        ),
        "einsum": lambda t, a, b: t["einsum"](
            "ij,kj->ij", t["broadcast_to"](a, (2, 3)), t["broadcast_to"](b, (2, 3))
        ),
        "concatenate": lambda t, a, b: t["concatenate"](
            t["getitem"](t["broadcast_to"](a, (2, 3)), index=(slice(None), slice(0, 1))),
            t["getitem"](t["broadcast_to"](b, (2, 3)), index=(slice(None), slice(1, None))),
            axis=1,
        ),
    }


UNARY_STEPS, BINARY_STEPS = _unary_steps(), _binary_steps()


def random_program(rng, n_steps):
    """Steps (label, fn, argument node indices) over two (2, 3) inputs."""
    steps = []
    for _ in range(n_steps):
        n_nodes = 2 + len(steps)
        recent = lambda: int(n_nodes - 1 - min(rng.geometric(0.5) - 1, n_nodes - 1))
        if rng.random() < 0.6:
            label = str(rng.choice(sorted(UNARY_STEPS)))
            steps.append((label, UNARY_STEPS[label], (recent(),)))
        else:
            label = str(rng.choice(sorted(BINARY_STEPS)))
            steps.append((label, BINARY_STEPS[label], (recent(), int(rng.integers(n_nodes)))))
    return steps


def run_program(steps, table, xs):
    nodes = list(xs)
    for _, fn, args in steps:
        nodes.append(fn(table, *[nodes[a] for a in args]))
    return nodes[-1]
