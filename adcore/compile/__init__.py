"""Compiled tapes: ``adcore.compile(fn)`` records ``fn`` (typically a transformed
function, ``grad(f)``, ``hessian(f)``, an hvp) once per input signature as a flat
program of numpy calls, and replays it as generated straight-line Python.

Modules: ``recorder`` (the outermost recording tag and the watched values that
turn every read of a traced number into an operation or a guard), ``program``
(dead-code elimination and code generation), ``compiled`` (the cache of programs
per signature and the public ``compile``).
"""

from .compiled import CompiledFunction, compile
from .program import Miss, Program
from .recorder import Recording, RecordingTag, Unrecordable

__all__ = [
    "CompiledFunction",
    "Miss",
    "Program",
    "Recording",
    "RecordingTag",
    "Unrecordable",
    "compile",
]
