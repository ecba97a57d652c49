"""Every check accepts a correct answer and names the misconception of each wrong one."""

import numpy as np
import pytest

from attention_lib import checks
from attention_lib.checks._engine import Exercise, Misconception, Probe, check
from attention_lib.exercises import ex00, ex01, ex02, ex03

from .answers import blind_dev, right
from .answers.wrong import WRONG, for_exercise
from .modes import verdict

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
    result = verdict(exercise_id, fn, forked=code == "timeout")    # in-process unless only the sandbox stops it
    assert result.status == "incorrect"
    assert result.code == code, f"expected {code}, got {result.code}: {result.message}"


@pytest.mark.parametrize("exercise_id", checks.exercise_ids())
def test_every_named_misconception_has_a_wrong_answer_that_triggers_it(exercise_id):
    tested = {w.code for w in for_exercise(exercise_id)}
    untested = set(checks.misconception_codes(exercise_id)) - tested
    assert not untested, f"misconceptions with no wrong answer in tests/checks/answers/wrong.py: {sorted(untested)}"


PEN_AND_PAPER = ["worked_example_weights", "worked_example_output", "temperature_for_target", "one_nn_limit"]


@pytest.mark.parametrize("exercise_id", PEN_AND_PAPER)
def test_feedback_never_shows_the_answer(exercise_id):
    ref = np.atleast_1d(checks.get(exercise_id).reference())
    answers = [w.fn for w in for_exercise(exercise_id)] + [e["fn"] for e in blind_dev.BANK if e["id"] == exercise_id]
    for fn in answers:
        msg = checks.run(exercise_id, fn).message
        assert "2e+1" not in msg.replace(" ", "") and "2e+1" not in msg
        for value in ref:
            assert all(f"{value:.{n}f}" not in msg for n in (2, 3, 4)), (fn.__name__, msg)


@pytest.mark.parametrize("module", [ex00, ex01, ex02, ex03], ids=lambda m: m.__name__)
def test_hints_never_give_the_exact_answer_away(module):
    for q in module.QUESTIONS:
        text = " ".join(str(q.hint(t)) for t in (1, 2, 3)).replace(" ", "")
        assert "e/(2e+1)" not in text and "/(2e+1)" not in text


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
    result = checks.run("softmax", WRONG["softmax_forever"].fn)
    assert result.code == "timeout" and "stopped after 3 s" in result.message    # the learner's limit
    assert 3 <= time.perf_counter() - start < 10


def test_the_timeout_also_works_off_the_main_thread(short_clock):
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
    assert result._repr_markdown_().startswith("✓ **Correct**")
    assert str(result).startswith("Correct (softmax)")
    bad = checks.run("softmax", WRONG["softmax_columns"].fn)
    assert "misconception `softmax_wrong_axis`" in bad._repr_markdown_() and "[softmax_wrong_axis]" in str(bad)


def test_every_verdict_mark_is_a_text_character_that_needs_no_colour_emoji_font():
    from attention_lib.checks import CheckResult
    for status in ("correct", "incorrect", "not_attempted"):
        mark = CheckResult("softmax", status, None, "")._repr_markdown_().split(" ")[0]
        assert mark in "✓✗○" and "\ufe0f" not in mark, (status, mark)


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


def test_a_probe_must_say_what_it_is_for():
    with pytest.raises(ValueError, match="unknown purpose"):
        Probe("p", (1,), purpose="something vague")


def _variant_exercise():
    def reference(x):
        return x * 2.0

    def variant(x):
        if x.ndim > 1:
            raise ValueError("only vectors")
        return x * 3.0

    probes = [Probe("a vector", (np.ones(3),), purpose="1-D"), Probe("a matrix", (np.ones((2, 3)),), purpose="2-D")]
    return Exercise(id="kinds", signature="f(x)", reference=reference, probes=probes,
                    misconceptions=[Misconception("scaled_by_d", variant=variant)])


def test_a_variant_matches_only_an_answer_that_raises_the_same_kind_of_error():
    ex = _variant_exercise()

    def same_kind(x):
        if x.ndim > 1:
            raise ValueError("matrices are not supported")
        return x * 3.0

    def other_kind(x):
        if x.ndim > 1:
            raise TypeError("matrices are not supported")
        return x * 3.0

    assert check(ex, same_kind).code == "scaled_by_d"
    assert check(ex, other_kind).code != "scaled_by_d"


def test_a_loop_without_T_is_not_told_that_T_reverses_every_axis():
    def scaled_dot_scores(Q, K):
        return np.array([[q @ k / np.sqrt(len(q)) for k in K] for q in Q])

    result = checks.run("scaled_dot_scores", scaled_dot_scores)
    assert result.code == "batch_not_handled" and "`K.T`" not in result.message
    assert "np.swapaxes" in result.message and "transpose(0, 2, 1)" not in result.message


def test_the_fallback_names_the_first_failing_probe_and_its_purpose():
    def softmax(x, axis=-1):
        e = np.exp(x - np.max(x, axis=axis, keepdims=True))
        return e / (e.sum(axis=axis, keepdims=True) + np.arange(e.shape[-1]) * 0.01)

    result = checks.run("softmax", softmax)
    assert result.code == "wrong_values"
    assert "a (3, 5) score matrix (the probe for a single matrix)" in result.message


def test_the_fallback_does_not_claim_the_type_is_right_when_it_is_not():
    def softmax(x, axis=-1):
        e = np.exp(x - np.max(x, axis=axis, keepdims=True))
        return (e / (e.sum(axis=axis, keepdims=True) + np.arange(e.shape[-1]) * 0.01)).tolist()

    result = checks.run("softmax", softmax)
    assert result.code == "wrong_values" and "shape and type" not in result.message


def test_lists_tuples_and_arrays_count_alike():
    assert checks.run("softmax", lambda x, axis=-1: right.softmax(x, axis).tolist()).status == "correct"
    assert checks.run("attention_shapes", lambda: [[5, 7], [5, 7], [5, 32]]).status == "correct"
    assert checks.run("top_k_attention", lambda *a: list(right.top_k_attention(*a))).status == "correct"


@pytest.mark.parametrize("exercise_id", checks.exercise_ids())
def test_every_code_an_exercise_can_give_is_in_the_catalogue(exercise_id):
    from attention_lib.checks.catalogue import CATALOGUE

    ex = checks.get(exercise_id)
    codes = [code for code, _ in [*ex.relations.values(), *ex.purposes.values()]] + list(ex.errors.values())
    assert set(codes) <= set(CATALOGUE)


def _cosine_with(norm):
    def cosine_scores(Q, K, tau):
        return (Q / norm(Q)) @ np.swapaxes(K / norm(K), -1, -2) / tau
    return cosine_scores


def _l2(M):
    return np.linalg.norm(M, axis=-1, keepdims=True)


def _root(eps):
    return lambda M: np.sqrt(np.sum(M * M, axis=-1, keepdims=True) + eps)


EPS_PLACEMENTS = {      # the exercise adds eps = 1e-9 to every norm: these agree with it to the checks' tolerance
    "outside, 1e-12": lambda M: _l2(M) + 1e-12,
    "outside, 1e-9": lambda M: _l2(M) + 1e-9,
    "outside, 1e-6": lambda M: _l2(M) + 1e-6,
    "inside the root, 1e-18 (an eps of 1e-9 for a zero vector)": _root(1e-18),
    "np.maximum(norm, 1e-9)": lambda M: np.maximum(_l2(M), 1e-9),
    "np.maximum(norm, 1e-12)": lambda M: np.maximum(_l2(M), 1e-12),
    "zero norms replaced by 1": lambda M: np.where(_l2(M) == 0, 1.0, _l2(M)),
}
EPS_MISPLACED = {       # ... and these do not, on vectors of length 3e-5 (the exercise's eps changes nothing there)
    "inside the root, 1e-9": (_root(1e-9), "eps_inside_sqrt"),
    "inside the root, 1e-6": (_root(1e-6), "eps_inside_sqrt"),
    "inside the root, 1e-3": (_root(1e-3), "eps_too_large"),
    "np.maximum(norm, 1e-2)": (lambda M: np.maximum(_l2(M), 1e-2), "eps_too_large"),
    "outside, 1e-5": (lambda M: _l2(M) + 1e-5, "eps_too_large"),
}


@pytest.mark.parametrize("where", EPS_PLACEMENTS)
def test_every_eps_placement_the_exercise_allows_passes_the_cosine_probes(where):
    assert checks.run("cosine_scores", _cosine_with(EPS_PLACEMENTS[where])).status == "correct"


@pytest.mark.parametrize("where", EPS_MISPLACED)
def test_an_eps_under_the_root_or_larger_than_asked_is_named(where):
    norm, code = EPS_MISPLACED[where]
    result = checks.run("cosine_scores", _cosine_with(norm))
    assert (result.status, result.code) == ("incorrect", code), result.message


@pytest.mark.parametrize("norm,code", [(_l2, "cosine_no_eps"), (lambda M: _l2(M) + 1e-3, "eps_too_large"),
                                       (lambda M: np.sqrt(np.sum(M * M, axis=-1, keepdims=True) + 1e-3), "eps_too_large")])
def test_a_missing_or_oversized_eps_is_named(norm, code):
    assert checks.run("cosine_scores", _cosine_with(norm)).code == code
