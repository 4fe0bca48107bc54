"""The primitive object and the registry's structure (issue 16, item 1)."""

import pydoc
import traceback

import numpy as np
import pytest

import adcore
import adcore.numpy as anp
from adcore.core import ForwardTag, LeakedTracerError, ReverseTag, TapeEntry, defrule_factories


def test_help_of_a_primitive_shows_its_own_doc():
    text = pydoc.render_doc(anp.sigmoid, renderer=pydoc.plaintext)
    assert "sigmoid(x)" in text and "adcore primitive 'sigmoid'" in text
    assert "VJP rules: argument 0" in text
    assert adcore.Primitive.__doc__ not in text  # not the class's help

    @adcore.primitive
    def cube(x):
        """x cubed, elementwise."""
        return x**3

    assert "x cubed, elementwise." in cube.__doc__ and "JVP rules: none" in cube.__doc__
    assert str(pydoc.inspect.signature(cube)) == "(x)"
    assert "numpy implementation" in adcore.Primitive.__doc__


def test_pullbacks_are_named_after_their_primitive():
    @adcore.primitive
    def broken(x):
        return np.sin(x)

    def explode(ans, x):
        def pullback(g):
            raise ZeroDivisionError("inside the pullback")

        return pullback

    adcore.defvjp(broken, explode)
    adcore.defjvp(broken, lambda g, ans, x: g * np.cos(x))
    assert broken.vjps[0].__name__ == "broken_vjp_arg0" and broken.vjps[0].maker is explode
    assert broken.jvps[0].__name__ == "broken_jvp_arg0"
    with pytest.raises(ZeroDivisionError) as err:
        adcore.grad(lambda x: anp.sum(broken(x)))(np.ones(2))
    names = [frame.name for frame in traceback.extract_tb(err.value.__traceback__)]
    assert "broken_vjp_arg0" in names


def test_rule_factories_serve_any_arity():
    @adcore.primitive
    def total(*xs):
        return sum(xs)

    defrule_factories(
        total,
        jvp=lambda i: lambda g, ans, *xs: g,
        vjp=lambda i: lambda g, ans, *xs: g,
    )
    xs = [np.full(2, float(k)) for k in range(5)]
    grads = adcore.grad(lambda *xs: anp.sum(total(*xs)), tuple(range(5)))(*xs)
    assert all(np.allclose(g, 1.0) for g in grads)
    assert sorted(total.vjps) == list(range(5))  # one rule per position, made once
    assert total.vjps[3].__name__ == "total_vjp_arg3"
    assert adcore.registry()[total.key]["vjp"]


def test_tape_entries_are_named_and_tags_are_scoped():
    tag = ReverseTag("test")
    x = tag.leaf(np.arange(3.0))
    with tag:
        y = anp.sin(x)
    entry = tag.tape[y.index]
    assert isinstance(entry, TapeEntry) and entry.prim is anp.sin and entry.parents == [(0, 0)]
    assert not tag.alive
    with pytest.raises(LeakedTracerError):
        anp.cos(y)
    forward = ForwardTag()
    with pytest.raises(RuntimeError), forward:
        raise RuntimeError("f raised")
    assert not forward.alive  # dies however the block ends
