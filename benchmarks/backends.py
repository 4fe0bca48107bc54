"""adcore and its peers behind one small interface.

A backend gives the workloads a numpy-like namespace (`ops`) and the transforms
the suites time.  Peers are optional: a missing one is skipped with one printed
line.  Every transform returns native values; `to_numpy` brings them back for the
equality checks and `block` waits for asynchronous ones (JAX dispatches eagerly
but asynchronously, so a timed call must block on its result).
"""

from __future__ import annotations

import numpy as np

from .machine import package_version
from .workloads import ops_namespace

__all__ = ["Backend", "load_backends", "PEER_NAMES", "tree_map"]

PEER_NAMES = ("autograd", "jax", "jax-jit", "torch")
QUICK_PEERS = ("autograd", "jax", "torch")
HVP_MODES = ("fwd-over-rev", "rev-over-rev", "rev-over-fwd", "fwd-over-fwd")


def tree_map(fn, tree):
    """Map over the leaves of tuples, lists and dicts (the pytrees the suites use)."""
    if isinstance(tree, tuple):
        return tuple(tree_map(fn, t) for t in tree)
    if isinstance(tree, list):
        return [tree_map(fn, t) for t in tree]
    if isinstance(tree, dict):
        return {k: tree_map(fn, v) for k, v in tree.items()}
    return fn(tree)


def tree_leaves(tree) -> list:
    if isinstance(tree, (tuple, list)):
        return [leaf for t in tree for leaf in tree_leaves(t)]
    if isinstance(tree, dict):
        return [leaf for k in tree for leaf in tree_leaves(tree[k])]
    return [tree]


class Backend:
    """One AD system.  Subclasses fill in what they support; the rest raises."""

    name = "?"
    hvp_modes: tuple = ()

    def __init__(self):
        self.version = None
        self.ops = None

    # values -----------------------------------------------------------------
    def to_native(self, tree):
        return tree

    def to_numpy(self, tree):
        return tree_map(lambda a: np.asarray(a, dtype=np.float64), tree)

    def scalar(self, x: float):
        return float(x)

    def block(self, tree):
        return tree

    # transforms -------------------------------------------------------------
    def grad(self, f, argnums=0):
        raise NotImplementedError(f"{self.name}: grad")

    def jvp(self, f, primals, tangents):
        raise NotImplementedError(f"{self.name}: jvp")

    def nested_grad(self, f, argnums=0):
        """A grad that may be called inside another transform (for the penalty)."""
        return self.grad(f, argnums)

    def nested_jvp(self, f, primals, tangents):
        return self.jvp(f, primals, tangents)

    def finalize(self, fn):
        """Wrap a composed transform once, e.g. jax.jit for the jit peer."""
        return fn

    def jacfwd(self, f):
        raise NotImplementedError(f"{self.name}: jacfwd")

    def jacrev(self, f):
        raise NotImplementedError(f"{self.name}: jacrev")

    def hessian(self, f):
        raise NotImplementedError(f"{self.name}: hessian")

    def hvp(self, f, x, v, mode):
        """Hessian-vector product of scalar f at x along v (x, v pytrees)."""
        raise NotImplementedError(f"{self.name}: hvp {mode}")


# --------------------------------------------------------------------------- adcore
class AdcoreBackend(Backend):
    name = "adcore"
    hvp_modes = HVP_MODES

    def __init__(self):
        super().__init__()
        import adcore
        import adcore.numpy as anp

        self.ad = adcore
        self.anp = anp
        self.version = package_version("adcore") or getattr(adcore, "__version__", None)
        self.ops = ops_namespace(anp)
        # adcore's transforms take exactly the arguments the suites pass
        self.grad, self.jvp, self.hessian = adcore.grad, adcore.jvp, adcore.hessian
        self.jacfwd, self.jacrev, self.choose_mode = (
            adcore.jacfwd,
            adcore.jacrev,
            adcore.choose_mode,
        )

    def jacobian_auto(self, f):
        return self.ad.jacobian(f, mode="auto")

    def hvp(self, f, x, v, mode):
        return self.ad.hvp(f, (x,), (v,), mode=mode)[1]


# --------------------------------------------------------------------------- autograd
class AutogradBackend(Backend):
    name = "autograd"
    hvp_modes = ("fwd-over-rev", "rev-over-rev")

    def __init__(self):
        super().__init__()
        import autograd
        import autograd.numpy as agnp
        from autograd.scipy.special import logsumexp

        self.ag = autograd
        self.version = package_version("autograd")
        self.ops = ops_namespace(agnp, logsumexp=logsumexp)

    def grad(self, f, argnums=0):
        if not isinstance(argnums, int):
            raise NotImplementedError("autograd backend: tuple argnums")
        return self.ag.grad(f, argnums)

    def jvp(self, f, primals, tangents):
        (x,), (v,) = primals, tangents
        return self.ag.make_jvp(f)(x)(v)

    def jacfwd(self, f):
        # autograd's forward mode has no batched tangents: one jvp per input.
        make_jvp = self.ag.make_jvp

        def jac(x):
            push = make_jvp(f)(x)
            eye = np.eye(x.size).reshape((x.size,) + x.shape)
            cols = [push(e)[1] for e in eye]
            return np.stack([np.asarray(c) for c in cols], axis=-1).reshape(
                np.shape(cols[0]) + x.shape
            )

        return jac

    def jacrev(self, f):
        return self.ag.jacobian(f)

    def hessian(self, f):
        return self.ag.hessian(f)

    def hvp(self, f, x, v, mode):
        if mode == "rev-over-rev":
            g = self.ag.grad(f)
            agnp = self.ag.numpy

            def along_v(y):
                gy = g(y)
                if isinstance(v, tuple):  # a boxed tuple is indexable, not a tuple
                    return sum(agnp.sum(gy[i] * v[i]) for i in range(len(v)))
                return agnp.sum(gy * v)

            return self.ag.grad(along_v)(x)
        if mode == "fwd-over-rev":
            return self.ag.make_jvp(self.ag.grad(f))(x)(v)[1]
        raise NotImplementedError(f"autograd: hvp {mode}")


# --------------------------------------------------------------------------- JAX
class JaxBackend(Backend):
    name = "jax"
    hvp_modes = ("fwd-over-rev", "rev-over-rev", "rev-over-fwd")
    jit = False

    def __init__(self):
        super().__init__()
        import jax

        jax.config.update("jax_enable_x64", True)
        jax.config.update("jax_platforms", "cpu")
        import jax.numpy as jnp

        self.jax = jax
        self.jnp = jnp
        self.version = package_version("jax")
        self.ops = ops_namespace(jnp, logsumexp=jax.nn.logsumexp)

    def _wrap(self, fn):
        return self.jax.jit(fn) if self.jit else fn

    def to_native(self, tree):
        return tree_map(lambda a: self.jnp.asarray(a) if isinstance(a, np.ndarray) else a, tree)

    def scalar(self, x):
        return self.jnp.asarray(x, dtype=self.jnp.float64)

    def block(self, tree):
        return self.jax.block_until_ready(tree)

    def grad(self, f, argnums=0):
        return self._wrap(self.jax.grad(f, argnums=argnums))

    def nested_grad(self, f, argnums=0):
        return self.jax.grad(f, argnums=argnums)

    def nested_jvp(self, f, primals, tangents):
        return self.jax.jvp(f, primals, tangents)

    def finalize(self, fn):
        return self._wrap(fn)

    def jvp(self, f, primals, tangents):
        if self.jit:
            return self.jax.jit(lambda p, t: self.jax.jvp(f, p, t))(primals, tangents)
        return self.jax.jvp(f, primals, tangents)

    def jacfwd(self, f):
        return self._wrap(self.jax.jacfwd(f))

    def jacrev(self, f):
        return self._wrap(self.jax.jacrev(f))

    def hessian(self, f):
        return self._wrap(self.jax.hessian(f))

    def _hvp_fn(self, f, mode):
        jax = self.jax

        def vdot(a, b):
            return sum(
                self.jnp.vdot(x, y) for x, y in zip(tree_leaves(a), tree_leaves(b), strict=True)
            )

        if mode == "fwd-over-rev":
            return lambda x, v: jax.jvp(jax.grad(f), (x,), (v,))[1]
        if mode == "rev-over-rev":
            return lambda x, v: jax.grad(lambda y: vdot(jax.grad(f)(y), v))(x)
        if mode == "rev-over-fwd":
            return lambda x, v: jax.grad(lambda y: jax.jvp(f, (y,), (v,))[1])(x)
        raise NotImplementedError(f"jax: hvp {mode}")

    def hvp(self, f, x, v, mode):
        key = (id(f), mode)
        cache = self.__dict__.setdefault("_hvp_cache", {})
        if key not in cache:
            cache[key] = (f, self._wrap(self._hvp_fn(f, mode)))
        return cache[key][1](x, v)


class JaxJitBackend(JaxBackend):
    name = "jax-jit"
    jit = True


# --------------------------------------------------------------------------- PyTorch
class TorchBackend(Backend):
    name = "torch"
    hvp_modes = ("fwd-over-rev", "rev-over-rev", "rev-over-fwd")

    def __init__(self):
        super().__init__()
        import torch
        import torch.func

        torch.set_num_threads(1)
        self.torch = torch
        self.version = package_version("torch")

        def tsum(x, axis=None):
            return torch.sum(x) if axis is None else torch.sum(x, dim=axis)

        def tmean(x, axis=None):
            return torch.mean(x) if axis is None else torch.mean(x, dim=axis)

        self.ops = ops_namespace(
            torch, sum=tsum, mean=tmean, logsumexp=lambda x, axis=None: torch.logsumexp(x, dim=axis)
        )

    def to_native(self, tree):
        t = self.torch
        return tree_map(lambda a: t.from_numpy(a) if isinstance(a, np.ndarray) else a, tree)

    def to_numpy(self, tree):
        def conv(a):
            if isinstance(a, self.torch.Tensor):
                return a.detach().numpy().astype(np.float64)
            return np.asarray(a, dtype=np.float64)

        return tree_map(conv, tree)

    def scalar(self, x):
        return self.torch.tensor(x, dtype=self.torch.float64)

    def grad(self, f, argnums=0):
        """Eager tape: leaves that require grad, a forward call, torch.autograd.grad."""
        torch = self.torch
        nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)

        def g(*args):
            args = list(args)
            trees = []
            for i in nums:
                leaf_tree = tree_map(lambda a: a.detach().requires_grad_(True), args[i])
                args[i] = leaf_tree
                trees.append(leaf_tree)
            out = f(*args)
            flat = [leaf for tr in trees for leaf in tree_leaves(tr)]
            grads = list(torch.autograd.grad(out, flat))
            results = [tree_map(lambda _: grads.pop(0), tr) for tr in trees]
            return results[0] if isinstance(argnums, int) else tuple(results)

        return g

    def jvp(self, f, primals, tangents):
        return self.torch.func.jvp(f, primals, tangents)

    def nested_grad(self, f, argnums=0):
        return self.torch.func.grad(f, argnums=argnums)

    def jacfwd(self, f):
        return self.torch.func.jacfwd(f)

    def jacrev(self, f):
        return self.torch.func.jacrev(f)

    def hessian(self, f):
        return self.torch.func.hessian(f)

    def hvp(self, f, x, v, mode):
        tf = self.torch.func
        if mode == "fwd-over-rev":
            return tf.jvp(tf.grad(f), (x,), (v,))[1]
        if mode == "rev-over-rev":
            _, pull = tf.vjp(tf.grad(f), x)
            return pull(v)[0]
        if mode == "rev-over-fwd":
            return tf.grad(lambda y: tf.jvp(f, (y,), (v,))[1])(x)
        raise NotImplementedError(f"torch: hvp {mode}")


_CLASSES = {
    "autograd": AutogradBackend,
    "jax": JaxBackend,
    "jax-jit": JaxJitBackend,
    "torch": TorchBackend,
}


def load_backends(peers=None, say=print, level="full") -> tuple[dict, dict]:
    """Import adcore and the wanted peers.

    Returns ``(backends, skipped)``: name -> Backend for what imported, and
    name -> reason for what did not (each also reported through `say`).
    """
    backends: dict = {}
    skipped: dict = {}
    try:
        backends["adcore"] = AdcoreBackend()
    except Exception as exc:  # the engine may not exist yet while this is developed
        skipped["adcore"] = f"{type(exc).__name__}: {exc}"
        say(f"adcore engine not usable, timing baselines and peers only ({skipped['adcore']})")
    if peers is None:
        wanted = PEER_NAMES if level == "full" else QUICK_PEERS
        for name in PEER_NAMES:
            if name not in wanted:
                skipped[name] = "only in the full run (its compile time dominates a quick run)"
                say(f"skipping peer {name}: {skipped[name]}")
    else:
        wanted = tuple(peers)
    for name in wanted:
        if name not in _CLASSES:
            raise ValueError(f"unknown peer {name!r}; known: {', '.join(PEER_NAMES)}")
        try:
            backends[name] = _CLASSES[name]()
        except ImportError as exc:
            skipped[name] = f"not installed ({exc})"
            say(f"skipping peer {name}: not installed ({exc})")
        except Exception as exc:
            skipped[name] = f"{type(exc).__name__}: {exc}"
            say(f"skipping peer {name}: {skipped[name]}")
    return backends, skipped
