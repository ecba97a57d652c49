"""A call to the library's own function is found however it is hidden, and a learner's own
function that happens to share a library name is never taken for it."""
import functools
import importlib

import numpy as np
import pytest

import attention_lib
from attention_lib import checks
from attention_lib.checks import _forbidden

from .answers import right

_LIBRARY_SOFTMAX = functools.partial(attention_lib.softmax, axis=-1)


def softmax_local_import(x, axis=-1):
    from attention_lib.softmax import softmax as s
    return s(x, axis=axis)


def softmax_through_partial(x, axis=-1):
    return _LIBRARY_SOFTMAX(x) if axis == -1 else attention_lib.softmax(x, axis=axis)


def softmax_default_argument(x, axis=-1, _impl=attention_lib.softmax):
    return _impl(x, axis=axis)


def softmax_importlib(x, axis=-1):
    lib = importlib.import_module("attention_lib")
    return lib.softmax(x, axis=axis)


def _helper(x, axis):
    return attention_lib.softmax(x, axis=axis)


def softmax_via_helper(x, axis=-1):
    return _helper(x, axis)


def softmax_by_a_computed_name(x, axis=-1):
    return getattr(importlib.import_module("attention_" + "lib"), "soft" + "max")(x, axis=axis)


HIDDEN = [softmax_local_import, softmax_through_partial, softmax_default_argument, softmax_importlib,
          softmax_via_helper, softmax_by_a_computed_name]


@pytest.mark.parametrize("fn", HIDDEN, ids=lambda f: f.__name__)
def test_a_hidden_library_call_is_named(fn):
    result = checks.run("softmax", fn)
    assert result.code == "calls_library" and "attention_lib.softmax" in result.message


@pytest.mark.parametrize("fn", HIDDEN[:-1], ids=lambda f: f.__name__)
def test_reading_the_code_finds_it_before_anything_runs(fn):
    assert _forbidden.uses_forbidden(fn, checks.get("softmax").forbidden) == "attention_lib.softmax"


def test_a_call_only_the_sandbox_can_see_is_caught_when_it_runs():
    assert _forbidden.uses_forbidden(softmax_by_a_computed_name, checks.get("softmax").forbidden) is None
    assert checks.run("softmax", softmax_by_a_computed_name).code == "calls_library"


def softmax(x, axis=-1):
    """A learner's own softmax, named like the library's."""
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def attention_with_own_softmax(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    weights = softmax(scores)
    attention_lib.causal_mask(2)                            # uses the library for something allowed
    return weights @ v, weights


def test_a_learners_own_function_with_a_library_name_is_not_a_library_call():
    assert checks.run("softmax", softmax).status == "correct"
    assert checks.run("attention", attention_with_own_softmax).status == "correct"


def test_top_k_attention_may_not_lean_on_the_library_attention():
    def top_k_attention(q, k, v, top_k):
        s = q @ k.T / np.sqrt(q.shape[-1])
        return attention_lib.attention(q, k, v, mask=s >= np.sort(s, axis=-1)[:, [-top_k]])

    assert checks.run("top_k_attention", top_k_attention).code == "calls_library"
    assert checks.run("top_k_attention", right.top_k_attention).status == "correct"


@pytest.mark.parametrize("exercise_id", checks.exercise_ids())
def test_every_exercise_has_a_forbidden_list(exercise_id):
    forbidden = checks.get(exercise_id).forbidden
    assert forbidden and all(f.__module__.startswith("attention_lib.") for f in forbidden)
