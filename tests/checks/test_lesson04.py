"""Lesson 04's checks: unusual correct answers pass, the find-the-bug check says what is fixed and what is
left, the two wrong answers for an empty row are told apart, and no feedback gives the answer away."""
import numpy as np
import pytest

from attention_lib import checks
from attention_lib.exercises import ex04

from .answers import lesson04
from .answers.wrong import WRONG


@pytest.mark.parametrize("exercise_id,fn", lesson04.UNUSUAL, ids=[f"{e}-{f.__name__}" for e, f in lesson04.UNUSUAL])
def test_a_correct_but_unusual_answer_is_accepted(exercise_id, fn):
    result = checks.run(exercise_id, fn)
    assert (result.status, result.code) == ("correct", None), result.message


def test_the_questions_run_from_easy_to_hard_with_the_find_the_bug_question_among_them():
    assert [q.exercise_id for q in ex04.QUESTIONS] == ["causal_mask", "causal_keys_query_2", "padding_mask",
                                                      "decoder_mask", "fix_masked_attention", "masked_attention"]
    assert [q.level for q in ex04.QUESTIONS] == ["easy", "easy", "easy", "medium", "medium", "hard"]


FIND_THE_BUG = {   # a partial repair -> (the code named, words the message must hold, words it must not)
    "fix_untouched": ("mask_after_softmax", ["Nothing is fixed yet", "three bugs"], ["polarity", "NaN"]),
    "fix_polarity_only": ("mask_after_softmax", ["fixed the mask's polarity", "one bug left", "One more bug"],
                          ["NaN"]),
    "fix_moved_not_flipped": ("mask_polarity_inverted", ["moved the mask before the softmax", "two bugs left",
                                                         "gets NaN"], ["polarity (True"]),
    "fix_moved_with_library_softmax": ("mask_polarity_inverted", ["given a query with no visible key zeros",
                                                                  "one bug left"], ["NaN"]),
    "fix_two_of_three": ("fully_masked_row_nan", ["moved the mask", "fixed the mask's polarity", "one bug left"],
                         ["uniform"]),
    "fix_minus_1e9": ("fully_masked_row_uniform", ["moved the mask", "fixed the mask's polarity", "−1e9"],
                      ["NaN"]),
}


@pytest.mark.parametrize("name", FIND_THE_BUG)
def test_the_find_the_bug_check_says_what_is_fixed_and_what_is_left(name):
    code, said, unsaid = FIND_THE_BUG[name]
    result = checks.run("fix_masked_attention", WRONG[name].fn)
    assert result.code == code, result.message
    assert all(words in result.message for words in said), result.message
    assert not any(words in result.message for words in unsaid), result.message


@pytest.mark.parametrize("exercise_id", ["fix_masked_attention", "masked_attention"])
def test_nan_and_uniform_weights_on_an_empty_row_are_named_apart(exercise_id):
    nan = [w for w in WRONG.values() if w.exercise == exercise_id and w.code == "fully_masked_row_nan"]
    uniform = [w for w in WRONG.values() if w.exercise == exercise_id and w.code == "fully_masked_row_uniform"]
    assert nan and uniform
    for w in nan + uniform:
        result = checks.run(exercise_id, w.fn)
        assert result.code == w.code, (w.fn.__name__, result.message)


def _with_empty_rows_as(fill):
    """A correct masked attention whose rows with nothing to see are replaced by ``fill(n_k)``."""
    def masked_attention(q, k, v, mask=None):
        out, w = lesson04.masked_attention(q, k, v, mask)
        empty = ~np.any(w > 0, axis=-1)                  # (..., n_q)
        w = np.where(empty[..., None], fill(w.shape[-1]), w)
        return w @ v, w
    return masked_attention


@pytest.mark.parametrize("fill,code", [(lambda n: np.nan, "fully_masked_row_nan"),
                                       (lambda n: 1.0 / n, "fully_masked_row_uniform")])
def test_an_empty_row_is_named_however_the_rest_is_written(fill, code):
    assert checks.run("masked_attention", _with_empty_rows_as(fill)).code == code


def test_a_squeezed_mask_is_named_and_the_probe_with_b_equal_to_n_shows_it_silently():
    result = checks.run("masked_attention", WRONG["ma_squeezes_mask"].fn)
    assert result.code == "padding_missing_query_axis" and "squeeze" in result.message
    probe = next(p for p in checks.get("masked_attention").probes if "batch_is_n" in p.tags)
    out, _ = WRONG["ma_squeezes_mask"].fn(*probe.args, **probe.kwargs)     # no error where B = n
    assert out.shape == checks.get("masked_attention").reference(*probe.args, **probe.kwargs)[0].shape


def test_the_pen_and_paper_answer_is_never_given_away():
    answers = [w.fn for w in WRONG.values() if w.exercise == "causal_keys_query_2"]
    assert len(answers) >= 10
    for fn in answers:
        message = checks.run("causal_keys_query_2", fn).message.replace(" ", "")
        assert "[0,1,2]" not in message and "0,1and2" not in message and "[1,1,1,0]" not in message, message


def test_hints_never_paste_the_pen_and_paper_answer():
    text = " ".join(str(ex04.q2.hint(t)) for t in (1, 2, 3)).replace(" ", "")
    assert "[0,1,2]" not in text and "[1,1,1,0]" not in text and "0,1and2" not in text
