"""The numpy dispatch tables are derived from adcore.numpy's explicit export list:
one name, declared once, is both the namespace entry and what numpy's function or
ufunc of that name dispatches to on traced values."""

import types

import numpy as np
import pytest

import adcore
import adcore.numpy as anp
from adcore.numpy import dispatch


def test_every_shared_name_dispatches_to_the_namespace_entry():
    for name, ours in vars(anp).items():
        theirs = getattr(np, name, None)
        if name.startswith("_") or not callable(ours) or isinstance(ours, type):
            continue
        if theirs is None or theirs is ours or isinstance(theirs, type) or not callable(theirs):
            continue
        table = dispatch.UFUNCS if isinstance(theirs, np.ufunc) else dispatch.FUNCTIONS
        assert table.get(theirs) is ours, name
    assert dispatch.FUNCTIONS[np.linalg.slogdet] is anp.linalg.slogdet


def test_names_once_missing_from_the_hand_written_tables_now_dispatch():
    x = np.array([1.5, -2.5, 0.0])
    # np.fix and np.astype had no table entry: NotImplementedError on traced values
    out, t = adcore.jvp(lambda x: np.astype(x, np.float32) * np.fix(x), (x,), (np.ones(3),))
    np.testing.assert_array_equal(out, x.astype(np.float32) * np.fix(x))
    np.testing.assert_array_equal(t, np.fix(x))
    g = adcore.grad(lambda x: anp.sum(np.positive(x) * np.signbit(x)))(x)
    np.testing.assert_array_equal(g, np.signbit(x).astype(float))
    assert adcore.grad(lambda x: anp.sum(x) * np.count_nonzero(x))(x).tolist() == [2.0] * 3


def test_two_names_claiming_one_numpy_function_is_an_error():
    def f(x):
        return x

    def g(x):
        return x

    clash = types.SimpleNamespace(abs=f, absolute=g)  # np.abs is np.absolute
    with pytest.raises(RuntimeError, match="absolute"):
        dispatch.counterparts(clash, np)
    same = types.SimpleNamespace(abs=f, absolute=f, zeros=np.zeros, float32=np.float32, pi=np.pi)
    assert dispatch.counterparts(same, np) == {np.absolute: f}


def test_hand_added_entries_survive_the_derivation():
    def fake_divmod(x, y):
        return x, y

    real = dispatch.UFUNCS.get(np.divmod)
    dispatch.UFUNCS[np.divmod] = fake_divmod
    try:
        dispatch._build_tables()
        assert dispatch.UFUNCS[np.divmod] is fake_divmod
        assert dispatch.UFUNCS[np.sin] is anp.sin
    finally:  # put back what was there (the real divmod), not just delete ours
        if real is None:
            del dispatch.UFUNCS[np.divmod]
        else:
            dispatch.UFUNCS[np.divmod] = real
