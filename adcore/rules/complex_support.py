"""Which primitives differentiate complex values, and a clear error for the others.

Complex values pair bilinearly (JAX's convention, see ``adcore.core.reverse``):
a holomorphic op's VJP is its JVP's transpose without conjugation, so every rule
written from a complex derivative (arithmetic, exp/log, trig, prod, matmul, inv,
solve, det) and every linear map (reshape, indexing, sum, einsum...) is already
right for complex dtypes.  The non-holomorphic ones carry complex branches of
their own: real, imag, conj, absolute (``elementwise``), logabsdet and cholesky of
a Hermitian matrix (``numpy_linalg``), eigh, eig, svd and pinv, whose rules use
conjugate transposes and fix the eigen/singular vectors' phases (``spectral``).
The holomorphic nn gates (``nn``) only need their kernels to shift by the real part.

Every other primitive is *real-only*: its rules assume real values (orderings,
a real square root of x^2, real spectral decompositions), and would return a
silently wrong derivative for complex ones.  ``install`` marks each built-in
primitive ``meta["complex"]`` True or False and wraps the rules of the real-only
ones with a check that raises ``TypeError`` naming the primitive when one of its
values is complex.  The registry tests test every True one with complex inputs.
"""

import numpy as np

from adcore.core import NONDIFF, Traced, all_primitives

COMPLEX_OK = frozenset(
    """
    add subtract multiply divide negative power square reciprocal
    exp exp2 expm1 log log2 log10 log1p sqrt
    sin cos tan arcsin arccos arctan sinh cosh tanh arcsinh arccosh arctanh
    where real imag conj absolute
    astype broadcast_to concatenate getitem reshape scatter_add transpose
    cumsum cumprod flip pad_zeros roll sum prod
    matmul einsum inv solve det logabsdet cholesky
    eigh_packed eig_packed svd_packed pinv
    sigmoid softplus logsumexp softmax log_softmax
    """.split()
)


_PLAIN_REAL = (float, int, bool, str, type(None), slice)


def _complex_value(x):
    """The complex dtype of x (an array, number, traced value or list of them), else None."""
    t = type(x)
    if t is np.ndarray:  # the common cases first: this runs on every real-only rule call
        return x.dtype if x.dtype.kind == "c" else None
    if t in _PLAIN_REAL:
        return None
    while isinstance(x, Traced):
        x = x.primal
    dtype = getattr(x, "dtype", None)
    if dtype is not None:
        return dtype if dtype.kind == "c" else None
    if isinstance(x, complex):
        return np.dtype(np.complex128)
    if isinstance(x, (list, tuple)):
        return next((c for c in map(_complex_value, x) if c is not None), None)
    return None


def _guarded(prim, kind, argnum, rule):
    def real_only(g, ans, *args, **kwargs):
        # on the hot path of every real-only rule: no formatting unless it fails
        if _complex_value(ans) is not None:
            raise _complex_error(prim, kind, argnum, ans, args)
        for a in args:
            if _complex_value(a) is not None:
                raise _complex_error(prim, kind, argnum, ans, args)
        return rule(g, ans, *args, **kwargs)

    real_only.__name__ = real_only.__qualname__ = getattr(rule, "__name__", "rule")
    if hasattr(rule, "maker"):
        real_only.maker = rule.maker
    real_only.real_only = rule  # the unguarded rule, for introspection
    return real_only


def _complex_error(prim, kind, argnum, ans, args):
    named = [("output", ans)] + [(f"argument {i}", a) for i, a in enumerate(args)]
    what, dtype = next((w, _complex_value(v)) for w, v in named if _complex_value(v) is not None)
    return TypeError(
        f"primitive '{prim.name}' is differentiated for real values only, but its {what} has "
        f"complex dtype {dtype} ({kind.upper()} rule for argument {argnum}). Differentiate "
        "its real and imaginary parts separately, or use an operation that supports complex "
        "numbers."
    )


def _guard_table(prim, kind):
    table = prim.jvps if kind == "jvp" else prim.vjps
    for i, rule in list(table.items()):
        if rule is not NONDIFF and not hasattr(rule, "real_only"):
            table[i] = _guarded(prim, kind, i, rule)
    factory = prim.jvp_factory if kind == "jvp" else prim.vjp_factory
    if factory is not None and not hasattr(factory, "real_only"):

        def guarded_factory(i):
            rule = factory(i)
            return rule if rule is None or rule is NONDIFF else _guarded(prim, kind, i, rule)

        guarded_factory.real_only = factory
        if kind == "jvp":
            prim.jvp_factory = guarded_factory
        else:
            prim.vjp_factory = guarded_factory


def install():
    """Mark every built-in primitive's ``meta["complex"]``; guard the real-only ones.

    A primitive that set ``meta["complex"]`` itself keeps its mark.  Idempotent
    (a guarded rule is not guarded twice), so a family registered later
    (``adcore.scipy``) calls it again once its primitives exist.
    """
    for prim in all_primitives().values():
        if prim.family == "user":
            continue
        if not prim.meta.setdefault("complex", prim.name in COMPLEX_OK):
            _guard_table(prim, "jvp")
            _guard_table(prim, "vjp")
