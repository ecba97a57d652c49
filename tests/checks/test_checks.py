"""Every check accepts a correct answer and names the misconception of each wrong one."""

import numpy as np
import pytest

from attention_lib import checks
from attention_lib.checks._engine import Exercise, Probe, check

from .answers import right
from .answers.wrong import WRONG, for_exercise

REQUIRED = ["softmax", "softmax_temperature", "scaled_dot_scores", "cosine_scores", "rbf_scores",
            "kernel_regression", "attention", "causal_mask", "padding_mask", "split_heads", "multi_head_attention"]
CASES = [(w.exercise, w.code, w.fn) for w in WRONG.values()]


def test_every_required_exercise_has_a_check():
    assert set(REQUIRED) <= set(checks.exercise_ids())


@pytest.mark.parametrize("exercise_id", checks.exercise_ids())
def test_a_correct_learner_answer_is_accepted(exercise_id):
    result = checks.run(exercise_id, getattr(right, exercise_id))
    assert (result.status, result.code) == ("correct", None), result.message


@pytest.mark.parametrize("exercise_id,code,fn", CASES, ids=[f"{e}-{c}-{f.__name__}" for e, c, f in CASES])
def test_a_wrong_answer_gets_its_diagnosis(exercise_id, code, fn):
    result = checks.run(exercise_id, fn)
    assert result.status == "incorrect"
    assert result.code == code, f"expected {code}, got {result.code}: {result.message}"


@pytest.mark.parametrize("exercise_id", checks.exercise_ids())
def test_every_named_misconception_has_a_wrong_answer_that_triggers_it(exercise_id):
    tested = {w.code for w in for_exercise(exercise_id)}
    untested = set(checks.misconception_codes(exercise_id)) - tested
    assert not untested, f"misconceptions with no wrong answer in tests/checks/answers/wrong.py: {sorted(untested)}"


def test_feedback_never_shows_reference_values():
    ex = checks.get("worked_example_weights")
    ref = ex.reference()
    for w in for_exercise("worked_example_weights"):
        msg = checks.run("worked_example_weights", w.fn).message
        for value in ref:
            assert f"{value:.3f}" not in msg and f"{value:.4f}" not in msg


def test_not_attempted_for_none_and_for_the_generated_stub():
    def stub(x, axis=-1):
        raise NotImplementedError("your code here")

    assert checks.run("softmax", None).status == "not_attempted"
    assert checks.run("softmax", stub).status == "not_attempted"


def test_passing_a_value_instead_of_the_function_is_explained():
    result = checks.run("softmax", np.ones(3))
    assert result.code == "not_a_function" and "no parentheses" in result.message


def test_an_exception_shows_the_learners_own_line():
    result = checks.run("softmax", WRONG["softmax_typo"].fn)
    assert result.code == "raised" and "keepdim=True" in result.message and "TypeError" in result.message


def test_the_timeout_stops_runaway_code_quickly():
    import time
    start = time.perf_counter()
    assert checks.run("softmax", WRONG["softmax_forever"].fn).code == "timeout"
    assert time.perf_counter() - start < 10


def test_the_timeout_also_works_off_the_main_thread():
    import threading
    box = {}
    t = threading.Thread(target=lambda: box.setdefault("r", checks.run("softmax", WRONG["softmax_forever"].fn)))
    t.start()
    t.join(20)
    assert box["r"].code == "timeout"


def test_a_checker_bug_is_reported_not_raised():
    ex = Exercise(id="broken", signature="f()", reference=lambda: 1 / 0, probes=[Probe("p")])
    ex.misconceptions = None  # iterating None raises inside the engine
    result = check(ex, lambda: 2)
    assert result.status == "incorrect" and result.code == "checker_error"


def test_results_render_as_markdown_and_plain_text():
    result = checks.run("softmax", right.softmax)
    assert result._repr_markdown_().startswith("✅ **Correct**")
    assert str(result).startswith("Correct (softmax)")
    bad = checks.run("softmax", WRONG["softmax_columns"].fn)
    assert "misconception `softmax_wrong_axis`" in bad._repr_markdown_() and "[softmax_wrong_axis]" in str(bad)


def test_calls_to_an_allowed_library_function_are_fine():
    from attention_lib import softmax as lib_softmax

    def attention_with_library_softmax(Q, K, V, mask=None):
        s = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
        if mask is not None:
            s = np.where(mask, s, -np.inf)
        w = lib_softmax(s)
        return w @ V, w

    assert checks.run("attention", attention_with_library_softmax).status == "correct"


def test_checks_are_deterministic():
    fn = WRONG["attn_query_axis"].fn
    assert checks.run("attention", fn) == checks.run("attention", fn)
