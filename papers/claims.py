"""Claims: one published number (or statement) beside the one adcore produced.

A reproduction module returns a ``Section``: its source, a list of ``Claim``
rows and any tables worth printing.  Three ways to build a claim:

* ``printed``  - the source prints a rounded number; ours agrees if it rounds
  to it (|ours - published| <= half a unit in the last printed digit).
* ``matches``  - the reference is a formula or a hand-written computation we
  evaluate ourselves; ours agrees to floating-point tolerance.
* ``holds``    - a measured quantity against a stated threshold (timings,
  training statistics); the threshold is part of the claim's text.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

_watchers: list = []


@contextmanager
def watching(fn):
    """Call ``fn(section, None)`` as each Section starts and ``fn(section, claim)`` as
    each claim is added: the runner's progress, printed while the claims are made."""
    _watchers.append(fn)
    try:
        yield
    finally:
        _watchers.remove(fn)


@dataclass
class Claim:
    what: str
    published: str
    ours: str
    agree: bool
    cite: str
    note: str = ""


@dataclass
class Section:
    key: str
    title: str
    source: str
    claims: list = field(default_factory=list)
    tables: list = field(default_factory=list)  # (caption, preformatted text)
    notes: list = field(default_factory=list)  # paragraphs for the report
    seconds: float = 0.0  # wall time of the module's run, filled in by the runner

    def __post_init__(self):
        for fn in _watchers:
            fn(self, None)

    def add(self, claim):
        self.claims.append(claim)
        for fn in _watchers:
            fn(self, claim)
        return claim


def fmt(x, digits=4):
    """Short text for a number or a small array."""
    a = np.asarray(x)
    if a.dtype == bool:
        return str(a.tolist())
    if a.ndim == 0:
        return _num(float(a), digits)
    if a.size > 8:
        return f"array{a.shape}"
    return np.array2string(a, formatter={"float_kind": lambda v: _num(v, digits)}, separator=", ")


def _num(v, digits):
    if v == int(v) and abs(v) < 1e9:
        return str(int(v))
    return f"{v:.{digits}g}" if abs(v) < 1e-3 or abs(v) >= 1e4 else f"{v:.{digits}f}".rstrip("0")


def printed(what, ours, published, decimals, cite, note=""):
    """The source prints ``published`` rounded to ``decimals`` places."""
    ours_a = np.asarray(ours, dtype=float)
    pub_a = np.asarray(published, dtype=float)
    if ours_a.shape != pub_a.shape:
        agree = False
    else:
        agree = bool(np.all(np.abs(ours_a - pub_a) <= 0.5 * 10.0**-decimals + 1e-12))
    return Claim(what, fmt(published, decimals), fmt(ours, decimals + 3), agree, cite, note)


def matches(what, ours, reference, cite, label=None, rtol=1e-12, atol=1e-12, note=""):
    """``reference`` is computed by a formula/procedure the source states."""
    ours_a, ref_a = np.asarray(ours, dtype=float), np.asarray(reference, dtype=float)
    if ours_a.shape != ref_a.shape:
        return Claim(what, label or fmt(reference), f"shape {ours_a.shape}", False, cite, note)
    err = float(np.max(np.abs(ours_a - ref_a))) if ours_a.size else 0.0
    agree = bool(np.allclose(ours_a, ref_a, rtol=rtol, atol=atol))
    ours_text = fmt(ours) if ours_a.size <= 8 else f"max |diff| = {err:.1e}"
    if label is None:
        label = fmt(reference)
    return Claim(what, label, ours_text, agree, cite, note)


def holds(what, ours, published, ok, cite, note=""):
    """A measured ``ours`` (text) against the published statement; ``ok`` decides."""
    return Claim(what, published, ours, bool(ok), cite, note)
