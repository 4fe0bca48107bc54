"""Guards: the facts a recording relied on, checked by every replay.

* ``bool``: ``bool(slot)`` had this outcome (an ``if`` on a traced value, ``max``
  of two of them);
* ``value``: the slot equals this value (a rule took the number out with
  ``np.asarray`` or ``float()``, and what it built from it is a constant);
* ``shape``: the slot has this shape (an operation whose output shape may
  depend on the data, ``np.nonzero``, a boolean mask).

A failing guard raises ``Miss`` from the replay, and the call is recorded again.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np


class Guard(NamedTuple):
    """A fact about variable ``slot`` the recording relied on (``kind``: bool, value, shape)."""

    kind: str
    slot: int
    expected: Any


class Miss(Exception):
    """A guard failed on replay: this program does not apply to these inputs."""


def same_value(a, b):
    """Whether a replayed value equals the one a value guard saw (NaN equals NaN)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, (np.ndarray, np.generic)):
        return (
            a.shape == b.shape
            and a.dtype == b.dtype
            and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
        )
    try:
        return bool(a == b)
    except Exception:  # an object without a usable ==: treat as changed, re-record
        return False
