"""Lesson 08's checks: unusual right answers pass, the find-the-bug check says what is fixed and what is
left, and no feedback gives the answer away."""
import numpy as np
import pytest

from attention_lib import checks
from attention_lib.efficient import kv_cache_bytes
from attention_lib.exercises import ex08

from .answers import lesson08
from .answers.wrong import WRONG, for_exercise

UNUSUAL = [(ex, fn) for ex, fns in lesson08.UNUSUAL.items() for fn in fns]


@pytest.mark.parametrize("exercise_id,fn", UNUSUAL, ids=[fn.__name__ for _, fn in UNUSUAL])
def test_an_unusual_right_answer_is_accepted(exercise_id, fn):
    result = checks.run(exercise_id, fn)
    assert result.status == "correct", result.message


@pytest.mark.parametrize("answer,fixed,left", [
    ("fix_tiled_attention_as_given", [], ["the running sum is not rescaled", "the key loop stops at n_q",
                                          "a query that has seen no key yet"]),
    ("fix_tiled_attention_still_no_rescale", ["let the key loop visit every key", "handled a query that has seen "
                                              "no key"], ["the running sum is not rescaled"]),
    ("fix_tiled_attention_loop_still_n_q", ["rescaled the running sum"], ["the key loop stops at n_q"]),
    ("fix_tiled_attention_nan_rows", ["rescaled the running sum", "let the key loop visit every key"],
     ["a query that has seen no key yet"]),
    ("fix_tiled_attention_sentinel", ["rescaled the running sum", "let the key loop visit every key",
                                      "handled a query that has seen no key"], []),
])
def test_the_bug_hunt_says_which_bugs_are_fixed_and_which_are_left(answer, fixed, left):
    message = checks.run("fix_tiled_attention", WRONG[answer].fn).message
    if not fixed:
        assert message.startswith("Nothing is fixed yet") and "three bugs left" in message, message
    said_fixed, _, said_left = message.partition("left:")
    for text in fixed:
        assert text in said_fixed, message
    for text in left:
        assert text in said_left, message
    assert ("one bug left" in message) == (len(left) == 1)
    assert ("every bug of the function you were given is fixed, but a new slip is in" in message) == (not left)


def test_every_partial_fix_of_the_bug_hunt_is_named_by_its_first_remaining_bug():
    codes = {"A": "flash_sum_not_rescaled", "B": "key_loop_over_queries", "C": "fully_masked_row_nan"}
    for a in (False, True):
        for b in (False, True):
            for c in (False, True):
                if not (a or b or c):
                    continue

                def partly_fixed(q, k, v, mask=None, block_size=128, a=a, b=b, c=c):
                    return lesson08._tiled(q, k, v, mask, block_size, rescale_sum=not a,
                                           stop=q.shape[-2] if b else None, guard_tile=not c, guard_row=not c)

                first = "A" if a else "B" if b else "C"
                result = checks.run("fix_tiled_attention", partly_fixed)
                assert result.code == codes[first], (a, b, c, result.message)


def test_a_tile_update_must_return_three_arrays():
    result = checks.run("flash_block_update", lambda m, l, acc, s, v: (m, l))
    assert result.code == "wrong_type" and "expected a tuple `(m, l, acc)`" in result.message


def test_a_misshapen_part_is_named():
    def flash_block_update(m, l, acc, s, v):
        m_new = np.maximum(m, s.max(-1, keepdims=True))
        p = np.exp(s - np.where(np.isfinite(m_new), m_new, 0.0))
        alpha = np.exp(m - np.where(np.isfinite(m_new), m_new, 0.0))
        return m_new, alpha * l + p.sum(-1, keepdims=True), (alpha * acc + p @ v)[..., :1]

    result = checks.run("flash_block_update", flash_block_update)
    assert result.code == "wrong_shape" and "your `acc` has shape" in result.message


def test_feedback_never_shows_a_cache_size():
    sizes = [kv_cache_bytes(*p.args) for p in checks.get("kv_cache_bytes").probes if kv_cache_bytes(*p.args)]
    for w in for_exercise("kv_cache_bytes"):
        message = checks.run("kv_cache_bytes", w.fn).message.replace(",", "").replace(" ", "")
        assert not any(str(size) in message for size in sizes), (w.fn.__name__, message)


def test_hints_never_paste_a_solution():
    for q in ex08.QUESTIONS:
        text = " ".join(str(q.hint(t)) for t in (1, 2, 3))
        assert "return " not in text and "def " not in text, q.label
