"""numpy's array-likes on traced values: ``anp.r_``/``anp.c_``, lists and tuples of
traced values wherever numpy takes an array, and ``anp.int64(x)`` (autograd's
semantics: the integer of the value, a constant).

Each case is checked like a registered primitive: the value is numpy's, and
``check_grads`` compares forward and reverse mode with finite differences up
to order 2 (every fwd/rev nesting); jacfwd and jacrev agree.
"""

import numpy as np
import pytest

import adcore
import adcore.numpy as anp

RNG = np.random.default_rng(15)
V = RNG.uniform(0.5, 1.5, 3)
S = np.array(0.7)
M = RNG.uniform(0.5, 1.5, (2, 2))

# name -> (f on adcore.numpy, the same on plain numpy with arrays built by hand, args)
CASES = {
    "r_": (lambda x: anp.r_[x, 2 * x], lambda x: np.r_[x, 2 * x], (V,)),
    "r_scalars": (lambda x: anp.r_[x[0], 3.0, x], lambda x: np.r_[x[0], 3.0, x], (V,)),
    "r_slice": (lambda x: anp.r_[x**2, 0:1:3j], lambda x: np.r_[x**2, 0:1:3j], (V,)),
    "r_list": (lambda x: anp.r_[[x[0], x[2]], x], lambda x: np.r_[[x[0], x[2]], x], (V,)),
    "r_ndmin": (lambda x: anp.r_["0,2", x, x * x], lambda x: np.r_["0,2", x, x * x], (V,)),
    "r_trans1d": (lambda x: anp.r_["1,2,0", x, x], lambda x: np.r_["1,2,0", x, x], (V,)),
    "r_matrix": (lambda a: anp.r_[a, a.T], lambda a: np.r_[a, a.T], (M,)),
    "c_": (lambda x: anp.c_[x, np.sin(x)], lambda x: np.c_[x, np.sin(x)], (V,)),
    "c_scalars": (lambda x: anp.c_[x[0], x[1]], lambda x: np.c_[x[0], x[1]], (V,)),
    "c_matrix": (lambda a, x: anp.c_[a, x[:2]], lambda a, x: np.c_[a, x[:2]], (M, V)),
    "mean_list": (lambda x: anp.mean([x, x + 2]), lambda x: np.mean(np.array([x, x + 2])), (S,)),
    "mean_axis": (
        lambda x: anp.mean([x, x * x], axis=0),
        lambda x: np.mean(np.array([x, x * x]), axis=0),
        (V,),
    ),
    "var_tuple": (lambda x, y: anp.var((x, y, x * y)), lambda x, y: np.var([x, y, x * y]), (S, S)),
    "append": (
        lambda x: anp.append([x[0]], [x[1], 3.0]),
        lambda x: np.append([x[0]], [x[1], 3.0]),
        (V,),
    ),
    "norm": (lambda x, y: anp.linalg.norm([x, y]), lambda x, y: np.linalg.norm([x, y]), (S, S)),
    "norm_nested": (
        lambda x, y: anp.linalg.norm([[x, y], [y, 2 * x]], "fro"),
        lambda x, y: np.linalg.norm([[x, y], [y, 2 * x]], "fro"),
        (S, S),
    ),
    "array": (lambda x, y: anp.array([x, y]) ** 2, lambda x, y: np.array([x, y]) ** 2, (S, S)),
    "sin_list": (lambda x: anp.sin([x, 2 * x]), lambda x: np.sin([x, 2 * x]), (S,)),
    "sum_nested": (
        lambda x, y: anp.sum([[x, y], [y * y, x]], axis=1),
        lambda x, y: np.sum([[x, y], [y * y, x]], axis=1),
        (S, S),
    ),
    "dot_list": (lambda x, y: anp.dot([x, y], M), lambda x, y: np.dot([x, y], M), (S, S)),
    "det_list": (
        lambda x, y: anp.linalg.det([[x, y], [y, 2.0]]),
        lambda x, y: np.linalg.det([[x, y], [y, 2.0]]),
        (S, S),
    ),
    "maximum_list": (
        lambda x, y: anp.maximum([x, y], [0.1, 2.0]),
        lambda x, y: np.maximum([x, y], [0.1, 2.0]),
        (S, S),
    ),
    "int64": (lambda x: x * anp.int64(x), lambda x: x * np.int64(x), (np.array(2.7),)),
    "int32_array": (
        lambda x: x * anp.int32(3 * x),
        lambda x: x * np.asarray(3 * x).astype(np.int32),
        (V,),
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_array_likes_of_traced_values(name):
    f, f_np, args = CASES[name]
    want = f_np(*args)
    got = f(*args)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert np.shape(got) == np.shape(want)
    adcore.check_grads(f, args, order=2, rtol=1e-4, atol=1e-6)
    argnums = tuple(range(len(args)))
    jf = adcore.jacfwd(f, argnums)(*args)
    jr = adcore.jacrev(f, argnums)(*args)
    for a, b in zip(jf, jr):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_int_types_stay_numpy_integer_types():
    assert np.dtype(anp.int64) == np.int64 and np.zeros(2, anp.int32).dtype == np.int32
    assert type(anp.int64(2.7)) is np.int64 and anp.int64(2.7) == 2
    assert adcore.grad(lambda x: x * anp.int64(x))(2.7) == 2.0  # autograd's answer


def test_what_numpy_itself_cannot_take_names_the_way_out():
    with pytest.raises(TypeError, match=r"adcore.numpy.int64\(x\)"):
        adcore.grad(lambda x: x * np.int64(x))(2.7)
    with pytest.raises(TypeError, match=r"anp.sum\(\[x, y\]\)"):
        adcore.grad(lambda x: np.sum([x, x]))(2.7)  # numpy's own sum cannot see the list
    with pytest.raises(NotImplementedError, match="matrix directive 'r'"):
        adcore.grad(lambda x: anp.sum(anp.r_["r", x, x]))(V)


def test_sequence_functions_keep_their_lists():
    # concatenate's list is a list of arrays (of different shapes), not one array
    f = lambda x: anp.concatenate([x, x[:1]])
    np.testing.assert_allclose(f(V), np.concatenate([V, V[:1]]))
    adcore.check_grads(f, (V,), order=1)
