"""One module per GradBench eval; each exposes FUNCTIONS: name -> protocol.Function."""

import importlib

EVALS = (
    "hello",
    "lse",
    "saddle",
    "particle",
    "llsq",
    "det",
    "ode",
    "kmeans",
    "gmm",
    "lstm",
    "ba",
    "ht",
)


def load_module(name: str) -> dict:
    """The functions of GradBench module `name` (importing its adcore implementation)."""
    if name not in EVALS:
        raise ValueError(f"adcore's GradBench tool has no module {name!r} (it has {EVALS})")
    return importlib.import_module(f"{__name__}.{name}").FUNCTIONS
