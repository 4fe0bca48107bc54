"""Mode names: every transform that takes 'forward'/'reverse' accepts both spellings,
rejects anything else by naming what it accepts, and ModeChoice prints readably."""

import importlib
import pickle

import numpy as np
import pytest

import adcore
import adcore.numpy as anp

rng = np.random.default_rng(3)
A = rng.standard_normal((3, 2))


def f(x):
    return anp.tanh(A @ x)


X = np.array([0.3, -0.7])


def expected_jacobian(x):
    return (1 - np.tanh(A @ x) ** 2)[:, None] * A


@pytest.mark.parametrize("mode", ["auto", "forward", "fwd", "reverse", "rev"])
def test_jacobian_accepts_both_spellings(mode):
    np.testing.assert_allclose(adcore.jacobian(f, mode=mode)(X), expected_jacobian(X))


@pytest.mark.parametrize("spelling, transform", [("fwd", "jacfwd"), ("rev", "jacrev")])
def test_short_spelling_runs_that_mode(spelling, transform, monkeypatch):
    # the mode is not just accepted: jacobian runs the transform it names
    jac = importlib.import_module("adcore.transforms.jacobian")  # the name is shadowed
    used = []
    real = getattr(jac, transform)

    def spy(fn, argnums=0):
        inner = real(fn, argnums)
        return lambda *a, **k: used.append(transform) or inner(*a, **k)

    monkeypatch.setattr(jac, transform, spy)
    jac.jacobian(f, mode=spelling)(X)
    assert used == [transform]


@pytest.mark.parametrize("bad", ["Forward", "fw", "backward", "fwd-over-rev", "", None, 0])
def test_jacobian_rejects_other_modes_naming_the_accepted_ones(bad):
    with pytest.raises(ValueError) as err:
        adcore.jacobian(f, mode=bad)
    message = str(err.value)
    assert message.startswith("jacobian:") and repr(bad) in message
    for spelling in ("'auto'", "'forward'", "'fwd'", "'reverse'", "'rev'"):
        assert spelling in message


@pytest.mark.parametrize(
    "modes", [("fwd", "rev"), ("forward", "reverse"), ("fwd", "reverse"), "forward", ["rev"]]
)
def test_check_grads_accepts_both_spellings(modes):
    adcore.check_grads(lambda x: anp.sum(anp.sin(x) ** 2), (X,), order=2, modes=modes)


def _wrong_sin():
    @adcore.primitive
    def wrong_sin(x):
        return np.sin(x)

    adcore.defjvp(wrong_sin, lambda g, ans, x: g * anp.cos(x) * 1.01)
    adcore.defvjp(wrong_sin, lambda ans, x: lambda g: g * anp.cos(x) * 1.01)
    return wrong_sin


@pytest.mark.parametrize("long, short", [("forward", "fwd"), ("reverse", "rev")])
def test_check_grads_long_spelling_checks_that_mode(long, short):
    with pytest.raises(AssertionError, match=f"mode {short}, order 1"):
        adcore.check_grads(_wrong_sin(), (X,), order=1, modes=(long,))


@pytest.mark.parametrize("bad", [("fwd", "fw"), ("auto",), ("Reverse",), (None,)])
def test_check_grads_rejects_other_modes_naming_the_accepted_ones(bad):
    with pytest.raises(ValueError, match=r"check_grads: unknown mode .*'fwd'.*'rev'"):
        adcore.check_grads(lambda x: anp.sum(x**2), (X,), modes=bad)


def test_check_grads_with_no_modes_raises_instead_of_checking_nothing():
    with pytest.raises(ValueError, match="modes is empty"):
        adcore.check_grads(_wrong_sin(), (X,), modes=())


def test_choose_mode_names_a_mode_jacobian_accepts():
    choice = adcore.choose_mode(f, X)
    assert choice.mode in ("forward", "reverse")
    np.testing.assert_allclose(adcore.jacobian(f, mode=choice.mode)(X), expected_jacobian(X))


def test_hvp_modes_keep_their_own_names():
    with pytest.raises(ValueError, match="fwd-over-rev"):
        adcore.hvp(lambda x: anp.sum(x**3), (X,), (X,), mode="forward")


# ---- ModeChoice prints readably ---------------------------------------------


def test_mode_choice_prints_mode_shape_and_estimates_on_short_lines():
    choice = adcore.choose_mode(lambda x: anp.sum(x**2), np.ones(100))  # shape rule: reverse
    lines = str(choice).splitlines()
    assert lines[0] == "ModeChoice: reverse mode for 100 inputs -> 1 output"
    assert lines[1].startswith("  estimated forward ") and ", reverse " in lines[1]
    assert lines[2] == "  decided by shape rule (100/1 >= 2: no probe needed)"
    assert repr(choice) == str(choice)
    assert all(len(line) <= 90 for line in lines)


def test_mode_choice_estimates_read_in_units():
    choice = adcore.ModeChoice("forward", "by hand", 4, 1024, 8.8e-4, 0.151)
    assert str(choice).splitlines() == [
        "ModeChoice: forward mode for 4 inputs -> 1024 outputs",
        "  estimated forward 880 us, reverse 151 ms",
        "  by hand",
    ]
    assert "2.5 s" in str(choice._replace(est_reverse_s=2.5))


def test_mode_choice_wraps_a_long_probe_reason():
    choice = adcore.choose_mode(f, X, probe=True)  # 2 -> 3: near square, so probed
    lines = str(choice).splitlines()
    assert lines[2].startswith("  decided by probe: forward pass")
    assert all(len(line) <= 90 for line in lines) and len(lines) >= 3


def test_mode_choice_is_still_the_spec_namedtuple():
    choice = adcore.choose_mode(lambda x: anp.sum(x**2), np.ones(5))
    assert choice._fields == ("mode", "reason", "n_in", "n_out", "est_forward_s", "est_reverse_s")
    mode, reason, n_in, n_out, fwd, rev = choice
    assert (mode, n_in, n_out) == (choice.mode, 5, 1) and isinstance(reason, str)
    assert choice == tuple(choice) and pickle.loads(pickle.dumps(choice)) == choice
    assert isinstance(fwd, float) and rev > 0
