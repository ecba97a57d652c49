"""Lesson 09's checks: unusual right answers pass, the teaching references are right, the wrong implementations
are all told apart from the reference and from each other, and no feedback gives the answer away."""
import numpy as np
import pytest

from attention_lib import checks
from attention_lib.checks import positions as pos_checks
from attention_lib.checks._compare import outcomes_match
from attention_lib.checks._sandbox import call_probe
from attention_lib.exercises import ex09

from .answers import lesson09
from .answers.wrong import for_exercise

UNUSUAL = [(ex, fn) for ex, fns in lesson09.UNUSUAL.items() for fn in fns]


@pytest.mark.parametrize("exercise_id,fn", UNUSUAL, ids=[fn.__name__ for _, fn in UNUSUAL])
def test_an_unusual_right_answer_is_accepted(exercise_id, fn):
    result = checks.run(exercise_id, fn)
    assert result.status == "correct", result.message


@pytest.mark.parametrize("ex", pos_checks.EXERCISES, ids=lambda ex: ex.id)
def test_the_teaching_reference_is_right_on_every_probe(ex):
    assert checks.run(ex.id, pos_checks.TEACHING[ex.id]).status == "correct"


@pytest.mark.parametrize("ex", pos_checks.EXERCISES, ids=lambda ex: ex.id)
def test_every_wrong_implementation_differs_from_the_reference_and_from_every_other_code(ex):
    want = ex.reference_outcomes()
    seen = []
    for m, outcomes in ex.variant_outcomes():
        if outcomes is None:                              # a test over the outcomes, not a wrong implementation
            continue
        assert not outcomes_match(outcomes, want, ex.rtol, ex.atol), f"{m.code} cannot be told from the reference"
        clash = [code for code, other in seen if code != m.code and outcomes_match(outcomes, other, ex.rtol, ex.atol)]
        assert not clash, f"{m.code} behaves exactly like {clash}: one answer, two diagnoses"
        seen.append((m.code, outcomes))


def test_a_bias_with_minus_1e9_for_the_future_is_told_the_exercise_asks_for_inf_and_zero_is_told_it_sees_the_future():
    def with_large_negative(n_heads, n_q, n_k):
        b = lesson09.alibi_bias(n_heads, n_q, n_k)
        return np.where(np.isinf(b), -1e9, b)

    finite = checks.run("alibi_bias", with_large_negative)
    assert (finite.status, finite.code) == ("incorrect", "alibi_blocked_finite") and "−∞" in finite.message
    zero = checks.run("alibi_bias", lambda h, n_q, n_k: np.where(np.isinf(lesson09.alibi_bias(h, n_q, n_k)), 0.0,
                                                                   lesson09.alibi_bias(h, n_q, n_k)))
    assert (zero.status, zero.code) == ("incorrect", "alibi_missing_causal_part")


def test_the_interleaved_answer_is_told_which_convention_the_exercise_uses():
    result = checks.run("apply_rope", lesson09.rope_paper_pairs)
    assert result.code == "rope_interleaved_pairs" and "feature i pairs with feature i + d/2" in result.message


def test_feedback_never_shows_the_references_numbers():
    for ex in pos_checks.EXERCISES:
        refs = [np.asarray(call_probe(ex.reference, p).value) for p in ex.probes]
        shown = {f"{v:.3f}" for r in refs for v in r[np.isfinite(r)].ravel() if abs(v) > 0.05}
        for w in for_exercise(ex.id):
            message = checks.run(ex.id, w.fn).message
            assert not any(number in message for number in shown), (w.fn.__name__, message)


def test_hints_never_paste_a_solution():
    for q in ex09.QUESTIONS:
        text = " ".join(str(q.hint(t)) for t in (1, 2, 3))
        assert "return " not in text and "def " not in text, q.label
