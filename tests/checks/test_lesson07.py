"""Lesson 07: unusual right answers pass; the gradient check is judged against the exact gradient; the
find-the-bug check says what each partial repair has fixed and what is left."""
import numpy as np
import pytest

from attention_lib import checks
from attention_lib.backward import relative_error
from attention_lib.checks import backward as cb
from attention_lib.exercises import ex07

from .answers import lesson07
from .answers.wrong import WRONG


@pytest.mark.parametrize("exercise_id,fn", lesson07.UNUSUAL, ids=[f"{e}-{f.__name__}" for e, f in lesson07.UNUSUAL])
def test_a_correct_but_unusual_answer_is_accepted(exercise_id, fn):
    result = checks.run(exercise_id, fn)
    assert result.status == "correct", result.message


def test_the_exact_gradients_of_the_gradient_check_agree_with_central_differences():
    # The closed forms the check judges against, checked by an independent estimate with a larger step.
    for probe in cb.NUMERICAL_GRADIENT.probes:
        f, x = probe.args
        x = np.array(x, dtype=float)
        estimate = np.array([(f(x + e) - f(x - e)) / 2e-5 for e in np.eye(x.size).reshape(-1, *x.shape) * 1e-5])
        assert relative_error(estimate.reshape(x.shape), cb._EXACT[x.shape]) < 1e-7, probe.label


def test_a_one_sided_difference_is_not_accepted_although_it_agrees_to_six_digits():
    result = checks.run("numerical_gradient", WRONG["ng_forward"].fn)
    assert result.code == "fd_one_sided"


def test_an_inaccurate_gradient_is_told_its_error_not_the_gradient():
    message = checks.run("numerical_gradient", WRONG["ng_step_floor"].fn).message
    assert "relative error" in message and "e-07" in message


PARTIAL = {   # a repair of the handed-out function -> (code, words the message must contain)
    "mbug_unchanged": ("gradient_through_masked", "still ignores `mask`"),
    "mbug_masked_scores_nan": ("fully_masked_row_nan", "You have masked the scores before the softmax"),
    "mbug_minus_1e9": ("fully_masked_row_uniform", "You have masked the scores before the softmax"),
    "mbug_zero_masked_keys": ("masked_grads_zeroed_afterwards", "renormalised"),
    "mbug_mask_times_weights": ("mask_after_softmax", "In the backward pass too"),
    "mbug_inverted": ("mask_polarity_inverted", "is read backwards"),
}


@pytest.mark.parametrize("name", PARTIAL)
def test_each_partial_repair_of_the_mask_bug_is_named(name):
    code, words = PARTIAL[name]
    result = checks.run("backward_mask_bug", WRONG[name].fn)
    assert (result.code, words in result.message) == (code, True), result.message


def test_the_handed_out_function_passes_every_unmasked_probe_and_fails_every_masked_one():
    ex = checks.get("backward_mask_bug")
    mine = [checks._engine._sandbox.call_probe(WRONG["mbug_unchanged"].fn, p) for p in ex.probes]
    ok = [checks._compare.outcome_matches(m, w, ex.rtol, ex.atol) for m, w in zip(mine, ex.reference_outcomes(), strict=True)]
    assert ok == ["mask" not in p.kwargs for p in ex.probes]


def test_the_function_as_handed_out_is_not_attempted_until_its_raise_line_goes():
    def backward_mask_bug(q, k, v, d_out, mask=None):
        raise NotImplementedError("Delete this line, run the check, then find the bug and fix it.")

    assert ex07.q4.check(backward_mask_bug).status == "not_attempted"


def test_a_transposed_dk_is_caught_on_the_square_probe_where_it_runs():
    ex = checks.get("attention_backward")
    square = next(p for p in ex.probes if "square" in p.tags)
    dq, dk, dv = WRONG["ab_dk_no_transpose"].fn(*square.args)
    ref = ex.reference(*square.args)
    assert dk.shape == ref[1].shape and relative_error(dk, ref[1]) > 0.1
    assert relative_error(dq, ref[0]) < 1e-12 and relative_error(dv, ref[2]) < 1e-12


def test_hints_never_paste_a_whole_answer():
    for q in ex07.QUESTIONS:
        text = " ".join(str(q.hint(t)) for t in (1, 2, 3))
        assert "return" not in text and "def " not in text, q.label
        assert "p * (dp -" not in text and "/ (2 * eps)" not in text
