"""Regressions of issue 11: silent wrong answers in the core, transforms and front end.

One test per item; each failed (a wrong number, or no error) before its fix.
"""

import copy
import gc
import pickle
import weakref

import numpy as np
import pytest

import adcore
import adcore.numpy as anp
from adcore.core import LeakedTracerError, all_primitives, get_primitive, getval

X = np.array([0.3, -1.2, 2.0])


def test_item07_deepcopy_keeps_trace():
    want = 2 * X
    for copier in (copy.copy, copy.deepcopy):
        for transform in (adcore.grad, lambda f: lambda x: adcore.jvp(f, (x,), (X,))[1]):
            got = transform(lambda x, c=copier: anp.sum(c(x) ** 2))(X)
            assert np.allclose(got, want if transform is adcore.grad else want @ X)
    # a traced value nested in a container (a model's parameters) is copied as itself
    g = adcore.grad(lambda x: anp.sum(copy.deepcopy({"w": [x]})["w"][0] ** 2))(X)
    assert np.allclose(g, want)

    def pickled(x):
        pickle.dumps(x)
        return anp.sum(x)

    with pytest.raises(TypeError, match="cannot be pickled"):
        adcore.grad(pickled)(X)


def test_item08_primitives_are_identified_by_object():
    builtin = get_primitive("sigmoid")

    @adcore.primitive
    def sigmoid(x):  # a user's function that happens to share the built-in's name
        return 3.0 * x

    adcore.defvjp(sigmoid, lambda ans, x: lambda g: 3.0 * g)
    adcore.defjvp(sigmoid, lambda g, ans, x: 3.0 * g)

    assert get_primitive("sigmoid") is builtin, "the user's primitive replaced the built-in"
    keys = [k for k, p in all_primitives().items() if p is sigmoid]
    assert keys == [f"{__name__}.sigmoid"] and sigmoid.key == keys[0]
    assert keys[0] in adcore.registry() and "sigmoid" in adcore.registry()

    pytest.importorskip("numba")  # the rest: adcore_jit leaves the user's sigmoid alone
    import adcore_jit

    x = np.linspace(-1.0, 1.0, 64)
    old = adcore_jit.set_threshold(0)  # kernels for every size
    try:
        with adcore_jit.enabled():
            assert "sigmoid" in adcore_jit.jitted_primitives()
            assert keys[0] not in adcore_jit.jitted_primitives()
            assert np.allclose(sigmoid(x), 3.0 * x)
            assert np.allclose(adcore.grad(lambda x: anp.sum(sigmoid(x)))(x), 3.0)
            s = 1 / (1 + np.exp(-x))
            assert np.allclose(adcore.grad(lambda x: anp.sum(anp.sigmoid(x)))(x), s * (1 - s))
            assert sigmoid.variants.get("jitted") is None
    finally:
        adcore_jit.set_threshold(old)


def test_item09_item_and_tolist_raise():
    for method in ("item", "tolist"):
        with pytest.raises(TypeError, match="traced value"):
            adcore.grad(lambda x, m=method: getattr(x[0], m)() * anp.sum(x))(X)
        with pytest.raises(TypeError, match="traced value"):
            adcore.jvp(lambda x, m=method: getattr(x, m)(), (X,), (X,))


def test_item11_dead_inner_tracer_as_output_raises():
    leaked = []

    def inner(y):
        z = anp.sin(y) * 2.0
        leaked.append(z)
        return z

    def outer(x):
        adcore.grad(inner)(x)
        return leaked[-1]  # the inner grad's traced value, its tag dead

    x = np.float64(0.7)
    with pytest.raises(LeakedTracerError):
        adcore.grad(outer)(x)
    with pytest.raises(LeakedTracerError):
        adcore.jvp(outer, (x,), (np.float64(1.0),))
    with pytest.raises(LeakedTracerError):
        adcore.jacrev(outer)(x)
    with pytest.raises(LeakedTracerError):
        adcore.jacfwd(outer)(x)


def test_item12_grad_of_none_bool_complex_raises():
    cases = {
        "NoneType": lambda x: None,
        "bool": lambda x: anp.sum(x) > 0,
        "complex": lambda x: anp.sum(x) * (1 + 2j),
    }
    for name, f in cases.items():
        for transform in (adcore.grad, adcore.value_and_grad):
            with pytest.raises(TypeError, match=name):
                transform(f)(X)
    with pytest.raises(TypeError, match="complex"):
        adcore.jacrev(cases["complex"])(X)
    # vjp takes complex outputs (as JAX's): the cotangent of the real X is Re(u (1 + 2j))
    u = np.array(0.5 - 1j)
    (ct,) = adcore.vjp(cases["complex"], X)[1](u)
    np.testing.assert_allclose(ct, np.full(X.shape, (u * (1 + 2j)).real))
    for transform in (
        lambda f: adcore.jvp(f, (X,), (X,)),
        lambda f: adcore.vjp(f, X),
        lambda f: adcore.jacfwd(f)(X),
        lambda f: adcore.jacrev(f)(X),
    ):
        with pytest.raises(TypeError, match="NoneType"):
            transform(lambda x: (anp.sum(x), None))
        with pytest.raises(TypeError, match="str"):
            transform(lambda x: "loss")


def test_item13_repeated_argnums_return_both():
    y = np.array([1.5, 0.5, -2.0])

    def f(x, y):
        return anp.sum(x**2 * y)

    gx = 2 * X * y
    for argnums in ((0, 0), (0, -2)):
        g = adcore.grad(f, argnums)(X, y)
        assert len(g) == 2 and all(np.allclose(gi, gx) for gi in g)
        assert g[0] is not g[1]
        for jac in (adcore.jacfwd, adcore.jacrev):
            J = jac(f, argnums)(X, y)
            assert all(np.allclose(Ji, gx) for Ji in J)
    g = adcore.grad(f, (1, 0, 1))(X, y)
    assert np.allclose(g[0], X**2) and np.allclose(g[1], gx) and np.allclose(g[2], X**2)


def test_item16_rule_shape_checked():
    @adcore.primitive
    def wrong(x):
        return np.sin(x)

    adcore.defvjp(wrong, lambda ans, x: lambda g: anp.sum(g))  # drops x's shape
    adcore.defjvp(wrong, lambda g, ans, x: anp.sum(g))
    with pytest.raises(ValueError, match=r"'wrong' for argument 0.*\(\).*\(3,\)"):
        adcore.grad(lambda x: anp.sum(wrong(x)))(X)
    with pytest.raises(ValueError, match=r"JVP rule of primitive 'wrong'.*\(\).*\(3,\)"):
        adcore.jvp(wrong, (X,), (X,))

    # a built-in-family rule is checked while check_grads runs (and cheaply skipped otherwise)
    shifty = adcore.core.Primitive(np.cos, name="shifty_cos", family="elementwise")
    adcore.defvjp(shifty, lambda ans, x: lambda g: -anp.sum(g * anp.sin(x)) * anp.ones(3))
    adcore.defjvp(shifty, lambda g, ans, x: -g * anp.sin(x))
    M = np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [0.7, 0.8, 0.9]])
    with pytest.raises(ValueError, match=r"'shifty_cos' for argument 0.*\(3,\).*\(3, 3\)"):
        adcore.check_grads(lambda m: anp.sum(shifty(m)), (M,), order=1, modes=("rev",))


def test_item19_caches_and_leaked_tracers_do_not_pin_memory():
    def make(k):
        captured = np.full(1000, float(k))
        return lambda x: x * captured[:3]

    refs = []
    for k in range(5):
        f = make(k)
        refs.append(weakref.ref(f))
        adcore.jacobian(f)(X)
    del f
    gc.collect()
    assert all(r() is None for r in refs), "jacobian(auto)'s choice cache kept f alive"

    leaked, middle = [], []

    def g(x):
        m = anp.exp(x)
        middle.append(weakref.ref(getval(m)))
        y = m * 2.0
        leaked.append(y)
        return anp.sum(y)

    _, vjp_fn = adcore.vjp(g, X)
    assert np.allclose(vjp_fn(1.0)[0], 2 * np.exp(X))
    assert middle[0]() is not None  # vjp_fn still needs the tape
    del vjp_fn
    gc.collect()
    assert leaked[0].tag is not None
    assert middle[0]() is None, "a leaked traced value pinned vjp's tape"


def test_item20_clear_errors_and_mod_floordiv():
    for bad, kind in ((None, "NoneType"), ("abc", "str"), ((i for i in range(3)), "generator")):
        for transform in (adcore.grad, adcore.jacfwd, adcore.jacrev):
            with pytest.raises(TypeError, match=rf"argument 0 is a {kind}"):
                transform(lambda x: anp.sum(x))(bad)
    with pytest.raises(TypeError, match=r"tangent|argument 0 is a NoneType"):
        adcore.jvp(lambda x: x, (None,), (None,))

    def write_into_plain(x):
        a = np.zeros(3)
        a[0] = x[0]
        return anp.sum(x)

    with pytest.raises(ValueError) as err:
        adcore.grad(write_into_plain)(X)
    assert "at_set" in str(err.value.__cause__)  # numpy's ValueError comes from ours

    def write_slice_into_plain(x):
        a = np.zeros(3)
        a[:2] = x[:2]
        return anp.sum(x)

    with pytest.raises(TypeError, match="at_set"):
        adcore.grad(write_slice_into_plain)(X)

    x, y = np.array([2.5, 3.7, -1.1]), np.array([1.2, 1.6, 0.7])
    rem = adcore.grad(lambda a, b: anp.sum(a % b), (0, 1))(x, y)
    assert np.allclose(rem[0], 1.0) and np.allclose(rem[1], -np.floor(x / y))
    assert np.allclose(adcore.grad(lambda b: anp.sum(5.0 % b))(y), -np.floor(5.0 / y))
    assert np.allclose(adcore.grad(lambda a: anp.sum(a % 2.0))(x), 1.0)
    assert np.allclose(adcore.grad(lambda a: anp.sum(a // 2.0 + a))(x), 1.0)
    assert np.allclose(adcore.grad(lambda b: anp.sum(5.0 // b + b))(y), 1.0)
    out, tangent = adcore.jvp(lambda a: divmod(a, y), (x,), (np.ones(3),))
    assert np.allclose(out[0], x // y) and np.allclose(out[1], x % y)
    assert np.allclose(tangent[0], 0.0) and np.allclose(tangent[1], 1.0)
    (dq, dr) = adcore.jacfwd(lambda b: np.divmod(5.0, b))(y)
    assert np.allclose(dq, 0.0) and np.allclose(np.diag(dr), -np.floor(5.0 / y))
    assert np.allclose(adcore.grad(lambda a: anp.sum(a % y))(x), 1.0)
    assert np.allclose(np.asarray(adcore.jvp(lambda a: a % y, (x,), (x,))[0]), x % y)
