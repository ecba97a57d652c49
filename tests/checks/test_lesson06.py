"""Lesson 06: unusual right answers pass; the find-the-bug check says what is fixed and what is not."""
import itertools

import numpy as np
import pytest

from attention_lib import checks
from attention_lib.exercises import ex06

from .answers import lesson06
from .answers.wrong import WRONG

PLACES = ("q", "k", "v", "merge")


@pytest.mark.parametrize("exercise_id,fn", lesson06.UNUSUAL, ids=[f"{e}-{i}" for i, (e, _) in enumerate(lesson06.UNUSUAL)])
def test_a_correct_but_unusual_answer_is_accepted(exercise_id, fn):
    result = checks.run(exercise_id, fn)
    assert result.status == "correct", result.message


@pytest.mark.parametrize("fixed", [c for n in range(4) for c in itertools.combinations(PLACES, n)])
def test_each_partial_fix_of_the_reshape_bug_names_what_is_fixed_and_what_is_not(fixed):
    fn = WRONG[f"bug_fixed_{''.join(fixed)}" if fixed else "bug_unchanged"].fn
    result = checks.run("mha_reshape_bug", fn)
    assert result.code == "reshape_without_transpose"
    message, still = result.message, [p for p in PLACES if p not in fixed]
    if not fixed:
        assert "Nothing is fixed yet" in message and "four bugs" in message
        return
    said_fixed, said_left = message.split("bug left:" if len(still) == 1 else "bugs left:")
    for place in PLACES:
        done, left = (("merged the heads right", "the merge still") if place == "merge"
                      else (f"split {place} right", f"the split of {place} still"))
        assert (done in said_fixed) == (place in fixed), (place, message)
        assert (left in said_left) == (place in still), (place, message)


def test_the_function_as_handed_out_is_not_attempted_until_its_raise_line_goes():
    def mha_reshape_bug(x_q, x_kv, params, n_heads, mask=None):
        raise NotImplementedError("Find the bug and fix it, then delete this line.")

    assert ex06.q4.check(mha_reshape_bug).status == "not_attempted"


def test_a_fix_right_with_one_head_only_is_told_the_bug_is_in_the_heads():
    result = checks.run("mha_reshape_bug", WRONG["bug_half_fixed_by_interleaving"].fn)
    assert result.code == "reshape_without_transpose" and "With one head your function is right" in result.message


def test_split_feedback_shows_the_learners_own_head_on_the_labelled_tensor():
    message = checks.run("split_heads", WRONG["split_reshape_only"].fn).message
    assert "0 1 2 | 3 4 5 | 10 11 12 | 13 14 15" in message and "positions 0 and 1" in message


def test_merge_feedback_shows_the_learners_own_row_on_the_labelled_tensor():
    message = checks.run("merge_heads", WRONG["merge_reshape_only"].fn).message
    assert "0 1 2 10 11 12" in message and "positions 0 and 1" in message


def test_a_slip_is_still_named_when_biases_and_the_batch_mask_are_missed_too():
    def multi_head_attention(x_q, x_kv, params, n_heads, mask=None):
        q, k, v = (lesson06.split_heads(x @ params[w], n_heads) for x, w in ((x_q, "W_q"), (x_kv, "W_k"), (x_kv, "W_v")))
        s = q @ np.swapaxes(k, -1, -2) / np.sqrt(x_q.shape[-1])      # √D: the slip to name
        if mask is not None:
            s = np.where(mask, s, -np.inf)                           # no head axis, no biases either
        e = np.exp(s - s.max(axis=-1, keepdims=True))
        w = e / e.sum(axis=-1, keepdims=True)
        return lesson06.merge_heads(w @ v) @ params["W_o"], w

    assert checks.run("multi_head_attention", multi_head_attention).code == "scaled_by_d_model"


def test_grouped_query_tiling_is_right_exactly_where_it_cannot_show():
    ex = checks.get("grouped_query_attention")
    mine = [checks._engine._sandbox.call_probe(WRONG["gqa_tiled"].fn, p) for p in ex.probes]
    ok = [checks._compare.outcome_matches(m, w, ex.rtol, ex.atol) for m, w in zip(mine, ex.reference_outcomes(), strict=True)]
    assert ok == ["kv_groups" not in p.tags for p in ex.probes]


def test_the_kv_cache_answer_is_the_lesson_08_formula_and_feedback_never_shows_it():
    from attention_lib.efficient import kv_cache_bytes

    answer = checks.get("kv_cache_per_token").reference()
    assert answer == kv_cache_bytes(80, 8, 128, n_tokens=1)
    for w in WRONG.values():
        if w.exercise == "kv_cache_per_token":
            message = checks.run("kv_cache_per_token", w.fn).message
            assert f"{answer}" not in message and f"{answer:,}" not in message


def test_hints_never_paste_a_whole_answer():
    for q in ex06.QUESTIONS:
        text = " ".join(str(q.hint(t)) for t in (1, 2, 3))
        assert "return" not in text and "def " not in text, q.label
        assert "327680" not in text.replace(",", "").replace(" ", "")
