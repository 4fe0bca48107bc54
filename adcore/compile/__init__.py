"""Compiled tapes: ``adcore.compile(fn)`` records ``fn`` (typically a transformed
function, ``grad(f)``, ``hessian(f)``, an hvp) once per input signature as a flat
program of numpy calls, and replays it as generated straight-line Python.

Modules: ``recorder`` (the outermost recording tag, its traced values, the
program being written), ``watched`` (what ``getval`` of a recorded value gives:
the number, watched, so every use is an operation or a guard), ``guards`` (the
facts a replay checks), ``program`` (dead-code elimination and code generation)
``rewrites`` (scalar float code, buffer reuse) and ``fusion`` (numba loops for runs
of elementwise arithmetic), ``compiled`` (the cache of
programs per signature and the public ``compile``).
"""

from .compiled import CompiledFunction, compile
from .guards import Guard, Miss
from .program import Program
from .recorder import Recording, RecordingTag, Unrecordable
from .watched import Escaped

__all__ = [
    "CompiledFunction",
    "Escaped",
    "Guard",
    "Miss",
    "Program",
    "Recording",
    "RecordingTag",
    "Unrecordable",
    "compile",
]
