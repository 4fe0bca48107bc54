"""``adcore.compile``: record a function once per input signature, replay it as
straight-line numpy.

A call looks up its *signature* (the pytree structure, each array's shape and
dtype, each scalar's type, the value of every non-numeric argument).  A
signature seen before replays its programs, newest first, until one's guards
all hold; none holding, or a new signature, records the function again.  The
recording run computes the real result, so the first call costs about one
eager call.  A signature that keeps failing its guards (a value guard on data
that changes each call), or whose function cannot be recorded, runs eagerly
from then on; ``stats()`` says which and why.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from adcore.core import Traced
from adcore.core.pytree import tree_flatten, tree_unflatten

from .program import Miss, Program
from .recorder import Recording, RecordingTag, Ref

_DYNAMIC = (np.ndarray, np.generic, float, complex)


class _Signature:
    """What the cache holds for one signature: its programs and why it went eager, if it did."""

    __slots__ = ("programs", "recordings", "replay_errors", "eager_reason", "out_arrays")

    def __init__(self):
        self.out_arrays = None  # per output leaf: does fn give an ndarray (vs a scalar)?
        self.programs = []
        self.recordings = 0
        self.replay_errors = 0
        self.eager_reason = None


class CompiledFunction:
    """``fn`` recorded per input signature and replayed from generated code (see ``compile``)."""

    def __init__(self, fn, max_programs=8, max_recordings=16, fuse=True):
        if not callable(fn):
            raise TypeError(f"adcore.compile: expected a function, got {type(fn).__name__}")
        self.fn = fn
        self.max_programs = max_programs
        self.max_recordings = max_recordings
        self.max_replay_errors = 3
        self.fuse = fuse
        self._signatures = {}
        self._counts = {"replays": 0, "recordings": 0, "misses": 0, "eager": 0}
        functools.update_wrapper(self, fn, updated=())

    def _signature(self, args, kwargs):
        """(key, leaves, treedef, dynamic leaves), or None where ``fn`` must run eagerly."""
        leaves, treedef = tree_flatten((args, kwargs))
        key = [treedef]
        dynamic = []
        for x in leaves:
            if isinstance(x, np.ndarray):
                key.append((x.shape, x.dtype.str))
                dynamic.append(x)
            elif isinstance(x, _DYNAMIC):
                key.append(type(x))
                dynamic.append(x)
            elif isinstance(x, Traced):  # called inside another transform: trace through
                return None
            else:  # ints, strings, None: part of the signature by value
                key.append(("static", type(x), x))
        key = tuple(key)
        try:
            hash(key)
        except TypeError:  # an unhashable static argument
            return None
        return key, leaves, treedef, dynamic

    def __call__(self, *args, **kwargs):
        """``fn(*args, **kwargs)``: replayed if a program of this signature holds, else recorded."""
        found = self._signature(args, kwargs)
        if found is None:
            self._counts["eager"] += 1
            return self.fn(*args, **kwargs)
        key, leaves, treedef, dynamic = found
        sig = self._signatures.get(key)
        if sig is None:
            sig = self._signatures[key] = _Signature()
        if sig.eager_reason is not None:
            self._counts["eager"] += 1
            return self.fn(*args, **kwargs)
        for program in sig.programs:
            try:
                outs = program.run(*dynamic)
            except Miss:
                self._counts["misses"] += 1
                continue
            except Exception as exc:
                # The eager run raises the real error if there is one.  If it does not, the
                # program was at fault: Python float code raising where numpy gives inf or
                # nan (1.0 / 0.0), or a recorded value hidden in an opaque object.
                result = self.fn(*args, **kwargs)
                self._counts["eager"] += 1
                sig.replay_errors += 1
                if sig.replay_errors >= self.max_replay_errors:
                    sig.eager_reason = f"replays raised ({type(exc).__name__}: {exc})"
                return result
            self._counts["replays"] += 1
            return tree_unflatten(program.out_treedef, outs)
        return self._record(sig, leaves, treedef, args, kwargs)

    def _record(self, sig, leaves, treedef, args, kwargs):
        recording = Recording()
        tag = RecordingTag(recording)
        try:
            with tag:
                traced = [tag.input(x) if isinstance(x, _DYNAMIC) else x for x in leaves]
                inputs = [t.slot for t in traced if isinstance(t, Traced)]
                targs, tkwargs = tree_unflatten(treedef, traced)
                out_leaves, out_treedef = tree_flatten(self.fn(*targs, **tkwargs))
                outputs = [recording.template(o)[0] for o in out_leaves]
        except Exception as exc:
            # Rerun eagerly: the right answer, or the error the user's code really raises.
            result = self.fn(*args, **kwargs)
            sig.eager_reason = f"recording failed ({type(exc).__name__}: {exc})"
            self._counts["eager"] += 1
            return result
        finally:
            recording.live = False
        if recording.unrecordable is not None:  # raised, then caught inside fn
            sig.eager_reason = f"recording failed (Unrecordable: {recording.unrecordable})"
            self._counts["eager"] += 1
            return self.fn(*args, **kwargs)
        values = recording.values
        recorded = [values[t.slot] if type(t) is Ref else _copy(t) for t in outputs]
        first = sig.out_arrays is None
        if first:
            # Once per signature, the eager run: the result types to give back (a derivative
            # is a 0-d array where the recording saw a numpy scalar), and a check of the
            # recording itself, which must compute exactly what fn computes.
            result = self.fn(*args, **kwargs)
            eager_leaves, eager_treedef = tree_flatten(result)
            if eager_treedef != out_treedef or not all(
                _agrees(r, e) for r, e in zip(recorded, eager_leaves)
            ):
                sig.eager_reason = "the recording disagreed with the eager run"
                self._counts["eager"] += 1
                return result
            sig.out_arrays = [isinstance(e, np.ndarray) for e in eager_leaves]
        program = Program(recording, inputs, outputs, out_treedef, sig.out_arrays, self.fuse)
        sig.programs.insert(0, program)
        del sig.programs[self.max_programs :]
        sig.recordings += 1
        self._counts["recordings"] += 1
        if sig.recordings > self.max_recordings:
            sig.eager_reason = (
                f"its guards failed {sig.recordings - 1} times (a value the program depends "
                "on changes between calls)"
            )
        if first:
            return result
        recorded = [
            np.asarray(r) if a and not isinstance(r, np.ndarray) else r
            for r, a in zip(recorded, sig.out_arrays)
        ]
        return tree_unflatten(out_treedef, recorded)

    def stats(self) -> dict[str, Any]:
        """Counts of replays, recordings, guard misses and eager calls, and per signature
        its number of programs, their sizes, and why it runs eagerly (None if it does not)."""
        sigs = [
            {
                "programs": [
                    {"ops": p.n_ops, "guards": p.n_guards, "recorded_ops": p.n_recorded}
                    for p in s.programs
                ],
                "recordings": s.recordings,
                "eager_reason": s.eager_reason,
            }
            for s in self._signatures.values()
        ]
        return {**self._counts, "signatures": sigs}

    def source(self, *args, **kwargs) -> str:
        """The generated Python a replay for ``args``' signature runs (recording it first
        if need be)."""
        self(*args, **kwargs)
        found = self._signature(args, kwargs)
        sig = None if found is None else self._signatures.get(found[0])
        if sig is None or not sig.programs:
            reason = "" if sig is None else f": {sig.eager_reason}"
            raise ValueError(f"adcore.compile: these arguments run eagerly{reason}")
        return sig.programs[0].source


def _agrees(recorded, eager):
    """Whether a recorded output is the eager one (up to 0-d array vs scalar, and NaNs)."""
    try:
        a, b = np.asarray(recorded), np.asarray(eager)
        if a.shape != b.shape or a.dtype != b.dtype:
            return False
        return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    except Exception:  # not numbers: compare as objects
        return recorded is eager or recorded == eager


def _copy(x):
    return x.copy() if isinstance(x, np.ndarray) else x


def compile(
    fn, *, max_programs: int = 8, max_recordings: int = 16, fuse: bool = True
) -> CompiledFunction:
    """``fn`` recorded once per input signature (shapes, dtypes) and replayed as generated
    straight-line numpy: ``adcore.compile(adcore.grad(f))``, ``adcore.compile(hessian(f))``.

    Every branch the recording took on a traced value, and every plain value a rule read,
    is a guard; a replay whose guards fail records again, so a compiled function gives what
    ``fn`` gives.  Arrays ``fn`` closes over are constants of the program: pass arrays that
    change as arguments.  ``max_programs`` programs are kept per signature; after
    ``max_recordings`` recordings of one signature it runs eagerly.  ``fuse`` (with numba
    installed) turns runs of elementwise arithmetic on large arrays into one loop each.
    """
    return CompiledFunction(fn, max_programs=max_programs, max_recordings=max_recordings, fuse=fuse)
