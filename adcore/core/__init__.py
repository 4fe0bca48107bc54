"""The engine's core concepts: primitives and the registry, tags, dual numbers
(forward mode), the tape (reverse mode) and pytrees.  Nothing here knows any
numpy rule; ``adcore.rules`` registers those."""

from .forward import Dual, ForwardTag
from .primitive import (
    NONDIFF,
    Primitive,
    all_primitives,
    defjvp,
    defrule_factories,
    defvjp,
    defvjp_direct,
    get_primitive,
    primitive,
    registrations,
    registry,
)
from .reverse import ReverseTag, TapeEntry, TapeValue, sweep
from .tags import LeakedTracerError, Tag
from .tracer import Traced, getval, ndim_of, shape_of

__all__ = [
    "Dual",
    "ForwardTag",
    "LeakedTracerError",
    "NONDIFF",
    "Primitive",
    "ReverseTag",
    "Tag",
    "TapeEntry",
    "TapeValue",
    "Traced",
    "all_primitives",
    "registrations",
    "defjvp",
    "defrule_factories",
    "defvjp",
    "defvjp_direct",
    "get_primitive",
    "getval",
    "ndim_of",
    "primitive",
    "registry",
    "shape_of",
    "sweep",
]
