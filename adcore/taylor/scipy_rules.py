"""Attach the native Taylor rules of adcore.scipy's primitives when adcore.scipy loads.

scipy's primitives register after ``adcore.taylor`` attached the built-in rules,
so ``adcore.scipy`` calls ``install`` once its modules are in: the special
functions (``special_rules``), the linear solves and sqrtm (``linalg_rules``),
and ``signal_convolve``, bilinear in its two inputs (``rules.multilinear``).
"""

from adcore.core import get_primitive
from adcore.taylor import linalg_rules, rules, special_rules


def native_rules():
    """``{primitive name: taylor rule}`` for adcore.scipy's primitives with a native rule."""
    table = {name: special_rules.guarded(name, r) for name, r in special_rules.RECURRENCES.items()}
    table.update(linalg_rules.SCIPY_RULES)
    table["signal_convolve"] = linalg_rules.one_direction_at_a_time(rules.multilinear)
    return table


def install():
    """Attach them (``prim.variants["taylor"]``); adcore.scipy must be imported."""
    for name, rule in native_rules().items():
        get_primitive(name).variants["taylor"] = rule
