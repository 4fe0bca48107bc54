"""jacobian(mode="auto") and choose_mode: pick forward or reverse by cost.

Forward mode costs one (batched) pass per input direction, reverse one per
output direction, so the cheap mode follows the Jacobian's shape.  The cost
model prices each mode as ``f's time x (fixed overhead + per-direction cost x
directions)``.  Its constants are estimates; ``CostModel.calibrate`` measures
them on this machine (the benchmarks calibrate and store them).
"""

import time
from collections import OrderedDict, namedtuple
from dataclasses import dataclass

import numpy as np

from adcore.core import getval, shape_of
from adcore.core.pytree import tree_flatten
from adcore.transforms.common import DiffArgs
from adcore.transforms.forward_mode import jacfwd
from adcore.transforms.reverse_mode import jacrev

ModeChoice = namedtuple("ModeChoice", "mode reason n_in n_out est_forward_s est_reverse_s")


@dataclass
class CostModel:
    """Cost of a mode in units of one plain evaluation of f: overhead + slope x directions."""

    forward_overhead: float = 2.0  # dual-number bookkeeping for the primal pass
    forward_per_direction: float = 1.0
    reverse_overhead: float = 3.0  # recording the tape + the sweep's fixed cost
    reverse_per_direction: float = 1.0

    def estimate(self, t_f, n_in, n_out):
        fwd = t_f * (self.forward_overhead + self.forward_per_direction * n_in)
        rev = t_f * (self.reverse_overhead + self.reverse_per_direction * n_out)
        return fwd, rev


COST_MODEL = CostModel()
_CHOICES = OrderedDict()  # (f, input shapes/dtypes, argnums) -> ModeChoice


def _sizes(f, args, argnums):
    diff = DiffArgs(args, argnums, "choose_mode")
    n_in = int(sum(np.size(getval(x)) for x in diff.leaves))
    plain = [getval(a) for a in args]
    start = time.perf_counter()
    out = f(*plain)
    t_f = time.perf_counter() - start
    leaves, _ = tree_flatten(out)
    n_out = int(sum(np.size(getval(o)) for o in leaves))
    return n_in, n_out, max(t_f, 1e-7)


def choose_mode(f, *args, argnums=0, model=None):
    """Decide forward vs reverse for ``jacobian(f)`` at these arguments, and say why."""
    model = model or COST_MODEL
    n_in, n_out, t_f = _sizes(f, args, argnums)
    fwd, rev = model.estimate(t_f, n_in, n_out)
    mode = "forward" if fwd < rev else "reverse"
    reason = (
        f"{n_in} input(s) -> {n_out} output(s): forward mode needs {n_in} tangent direction(s), "
        f"reverse mode {n_out} cotangent direction(s); with f taking {t_f * 1e6:.1f} us, "
        f"estimated forward {fwd * 1e6:.1f} us vs reverse {rev * 1e6:.1f} us, so {mode}"
    )
    return ModeChoice(mode, reason, n_in, n_out, fwd, rev)


def jacobian(f, argnums=0, mode="auto"):
    """The Jacobian (layout ``out.shape + in.shape``) in the chosen or cheapest mode."""
    if mode not in ("auto", "forward", "reverse"):
        raise ValueError(f"jacobian: mode={mode!r}; choose 'auto', 'forward' or 'reverse'")
    fwd, rev = jacfwd(f, argnums), jacrev(f, argnums)

    def jacobian_f(*args, **kwargs):
        chosen = mode
        if chosen == "auto":
            key = (
                f,
                argnums,
                tuple(
                    (shape_of(getval(a)), np.result_type(getval(a)).str)
                    for a in tree_flatten(args)[0]
                ),
            )
            choice = _CHOICES.get(key)
            if choice is None:
                fk = (lambda *a: f(*a, **kwargs)) if kwargs else f
                choice = choose_mode(fk, *args, argnums=argnums)
                _CHOICES[key] = choice
                if len(_CHOICES) > 256:
                    _CHOICES.popitem(last=False)
            chosen = choice.mode
        return (fwd if chosen == "forward" else rev)(*args, **kwargs)

    return jacobian_f
