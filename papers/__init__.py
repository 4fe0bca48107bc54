"""Executable reproductions of published numbers, one module per source.

    python -m papers             # every claim: published value, ours, agree?
    python -m papers --report    # also write papers/REPORT.md
    python -m papers --quick     # smaller timing/training configurations (the test's)

Each module has ``run(quick=False) -> papers.claims.Section``; adcore does the
differentiating, the module only sets up the paper's example and reads off
the numbers (from ``grad``/``jvp``/``hvp``, or from the tape and the dual
numbers themselves where a paper prints intermediate values).
"""

MODULES = (
    "cs231n",
    "baydin2018",
    "griewank2008",
    "pearlmutter1994",
    "siskind_pearlmutter",
    "gradient_penalty",
)

__all__ = ["MODULES"]
