"""Lesson 10's checks: unusual right answers and the teaching references pass, sampling is judged exactly and
deterministically, and no feedback gives the answer away."""
import numpy as np
import pytest

from attention_lib import checks
from attention_lib.checks import gpt as checks_gpt
from attention_lib.exercises import ex10

from .answers import lesson10
from .answers.wrong import WRONG

UNUSUAL = [(ex, fn) for ex, fns in lesson10.UNUSUAL.items() for fn in fns]


@pytest.mark.parametrize("exercise_id,fn", UNUSUAL, ids=[fn.__name__ for _, fn in UNUSUAL])
def test_an_unusual_right_answer_is_accepted(exercise_id, fn):
    result = checks.run(exercise_id, fn)
    assert result.status == "correct", result.message


@pytest.mark.parametrize("exercise_id", sorted(checks_gpt.TEACHING))
def test_each_teaching_reference_is_accepted_by_its_own_check(exercise_id):
    result = checks.run(exercise_id, checks_gpt.TEACHING[exercise_id])
    assert (result.status, result.code) == ("correct", None), result.message


def test_every_lesson_10_question_has_a_teaching_reference():
    assert {q.exercise_id for q in ex10.QUESTIONS} == set(checks_gpt.TEACHING)


def test_sampling_is_judged_the_same_way_every_time():
    first = [checks.run("sample_next", WRONG[name].fn) for name in ("sampler_times_tau", "sampler_global_random")]
    again = [checks.run("sample_next", WRONG[name].fn) for name in ("sampler_times_tau", "sampler_global_random")]
    assert [(r.status, r.code, r.message) for r in first] == [(r.status, r.code, r.message) for r in again]


def test_a_sampler_with_the_right_proportions_from_another_generator_is_told_to_use_rng():
    result = checks.run("sample_next", WRONG["sampler_global_random"].fn)
    assert result.code == "sampling_ignores_rng" and "rng.choice" in result.message


def test_the_exact_gelu_is_told_apart_from_the_tanh_form():
    result = checks.run("gpt_block", WRONG["block_erf_gelu"].fn)
    assert result.code == "gelu_exact_not_tanh"


def test_feedback_never_shows_a_layer_norm_output():
    probe = checks_gpt.LAYER_NORM.probes[1]
    want = checks_gpt.LAYER_NORM.reference(*probe.args)
    for name in ("ln_ddof_one", "ln_eps_after_std", "ln_no_gamma_beta", "ln_batchnorm_axis"):
        message = checks.run("layer_norm", WRONG[name].fn).message
        assert all(f"{v:.3f}" not in message for v in np.ravel(want)[:6]), (name, message)


def test_hints_never_paste_a_solution():
    for q in ex10.QUESTIONS:
        text = " ".join(str(q.hint(t)) for t in (1, 2, 3))
        assert "def " not in text and "`return" not in text, q.label
