"""Lesson 05's checks: unusual right answers pass, the find-the-bug check says which bug is left, no
feedback or hint gives a pen-and-paper answer away, and the attention check keeps lesson 04's case out."""
import numpy as np
import pytest

from attention_lib import checks
from attention_lib.exercises import ex05

from .answers import lesson05
from .answers.wrong import WRONG, for_exercise


@pytest.mark.parametrize("exercise_id,fn", lesson05.UNUSUAL, ids=[f"{e}-{f.__name__}" for e, f in lesson05.UNUSUAL])
def test_a_correct_but_unusual_answer_is_accepted(exercise_id, fn):
    result = checks.run(exercise_id, fn)
    assert (result.status, result.code) == ("correct", None), result.message


@pytest.mark.parametrize("name,code,says", [
    ("buggy_cross_attention", "keys_from_query_side", "Nothing is fixed yet"),
    ("cross_values_fixed_only", "keys_from_query_side", "You have made the values with W_v; one bug left"),
    ("cross_keys_fixed_only", "shared_projection", "You have taken the keys from x_kv; one bug left"),
])
def test_the_find_the_bug_check_says_which_bug_is_fixed_and_which_is_left(name, code, says):
    result = checks.run("cross_attention", WRONG[name].fn)
    assert result.code == code and says in result.message, result.message


def test_the_given_cross_attention_passes_its_own_test_but_not_the_check():
    rng = np.random.default_rng(50)
    x_q, x_kv, W_q, W_k, W_v = (rng.normal(size=(4, 4)) for _ in range(5))
    out, weights = WRONG["buggy_cross_attention"].fn(x_q, x_kv, W_q, W_k, W_v)
    assert out.shape == weights.shape == (4, 4) and np.allclose(weights.sum(axis=-1), 1)
    assert checks.run("cross_attention", WRONG["buggy_cross_attention"].fn).status == "incorrect"


@pytest.mark.parametrize("exercise_id", ["attention", "cross_attention", "self_attention"])
def test_no_probe_blocks_every_key_of_a_query(exercise_id):
    """A fully masked row is lesson 04's question (zeros in the library, NaN in a textbook softmax)."""
    for probe in checks.get(exercise_id).probes:
        mask = probe.kwargs.get("mask")
        if mask is not None:
            want = checks.get(exercise_id).reference(*probe.args, **probe.kwargs)[1]
            assert np.all(np.broadcast_to(mask, want.shape).any(axis=-1)), probe.label


def test_a_textbook_softmax_that_would_give_nan_on_an_empty_row_is_accepted():
    def attention(q, k, v, mask=None):
        s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
        if mask is not None:
            s = np.where(mask, s, -np.inf)
        e = np.exp(s - s.max(axis=-1, keepdims=True))
        w = e / e.sum(axis=-1, keepdims=True)
        return w @ v, w

    empty = np.zeros((1, 2), dtype=bool)
    with np.errstate(invalid="ignore"):
        assert np.isnan(attention(np.ones((1, 2)), np.ones((2, 2)), np.ones((2, 1)), empty)[1]).all()
    assert checks.run("attention", attention).status == "correct"


_ANSWERS = {
    "cross_attention_shapes": [str(shape) for shape in lesson05.cross_attention_shapes()],
    "cross_softmax_axis": [str(lesson05.cross_softmax_axis()[1])],
}


@pytest.mark.parametrize("exercise_id", _ANSWERS)
def test_feedback_on_a_pen_and_paper_question_never_shows_its_answer(exercise_id):
    answers = for_exercise(exercise_id)
    assert answers
    for w in answers:
        message = checks.run(exercise_id, w.fn).message
        assert not any(shown in message for shown in _ANSWERS[exercise_id]), (w.fn.__name__, message)


def test_hints_name_the_ideas_not_the_pen_and_paper_answers():
    for question, answers in ((ex05.q1, _ANSWERS["cross_attention_shapes"]), (ex05.q2, _ANSWERS["cross_softmax_axis"])):
        text = " ".join(str(question.hint(t)) for t in (1, 2, 3))
        assert not any(shown in text for shown in answers), text
    assert not any(sign in " ".join(str(ex05.q2.hint(t)) for t in (1, 2, 3)) for sign in ("-1", "−1"))


def test_lesson_05_runs_easy_to_hard_with_a_find_the_bug_question():
    assert [q.level for q in ex05.QUESTIONS] == ["easy", "easy", "medium", "medium", "hard"]
    assert [q.exercise_id for q in ex05.QUESTIONS] == ["cross_attention_shapes", "cross_softmax_axis", "attention",
                                                       "cross_attention", "self_attention"]
