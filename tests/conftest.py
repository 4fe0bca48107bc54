"""Fixtures shared by test modules."""

import pytest


@pytest.fixture
def always():
    """adcore_jit's kernels for every size; jit off and the threshold restored afterwards
    (for the jit test modules, which skip without numba)."""
    import adcore_jit

    old = adcore_jit.set_threshold(0)
    try:
        yield
    finally:
        adcore_jit.disable()
        adcore_jit.set_threshold(old)
