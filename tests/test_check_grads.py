"""The checker checks: a deliberately wrong rule is caught at orders 1 and 2."""

import numpy as np
import pytest

import adcore
import adcore.numpy as anp
from adcore import defjvp, defvjp, getval, primitive


def _sin_with(jvp_rule, vjp_maker):
    @primitive
    def my_sin(x):
        return np.sin(x)

    defjvp(my_sin, jvp_rule)
    defvjp(my_sin, vjp_maker)
    return my_sin


def test_correct_rule_passes():
    good = _sin_with(lambda g, ans, x: g * anp.cos(x), lambda ans, x: lambda g: g * anp.cos(x))
    adcore.check_grads(good, (np.array([0.3, -1.2]),), order=3)


@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_wrong_first_order_rule_is_caught(mode):
    bad = _sin_with(
        lambda g, ans, x: g * anp.cos(x) * 1.01, lambda ans, x: lambda g: g * anp.cos(x) * 1.01
    )
    with pytest.raises(AssertionError, match=f"argument 0 of f, mode {mode}, order 1"):
        adcore.check_grads(bad, (np.array([0.3, -1.2]),), order=1, modes=(mode,))


@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_rule_right_at_order_one_but_not_differentiable_is_caught_at_order_two(mode):
    # cos computed on the plain value: correct first derivative, but its own
    # derivative is lost (zero), so the second derivative comes out wrong
    flat = _sin_with(
        lambda g, ans, x: g * np.cos(getval(x)), lambda ans, x: lambda g: g * np.cos(getval(x))
    )
    x = (np.array([0.3, -1.2]),)
    adcore.check_grads(flat, x, order=1, modes=(mode,))
    with pytest.raises(AssertionError, match="order 2"):
        adcore.check_grads(flat, x, order=2, modes=(mode,))


def test_message_names_worst_entry():
    bad = _sin_with(
        lambda g, ans, x: g * anp.cos(x) * 1.01, lambda ans, x: lambda g: g * anp.cos(x) * 1.01
    )
    with pytest.raises(AssertionError, match="worst entry"):
        adcore.check_grads(bad, (np.array([0.3, -1.2, 2.0]),), order=1, modes=("fwd",))


def test_message_shows_plain_numbers():
    bad = _sin_with(
        lambda g, ans, x: g * anp.cos(x) * 1.01, lambda ans, x: lambda g: g * anp.cos(x) * 1.01
    )
    with pytest.raises(AssertionError) as err:
        adcore.check_grads(bad, (np.array([0.3, -1.2]),), order=1, modes=("fwd",))
    assert "np.float64" not in str(err.value) and "got 0." in str(err.value)
