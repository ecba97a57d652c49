
import pytest

from attention_lib.exercises import ExpectationError, ex00, ex01, ex02, ex03

from ..checks.answers import right


def test_every_lesson_so_far_has_three_graded_questions():
    for module in (ex00, ex01, ex02, ex03):
        levels = [q.level for q in (module.q1, module.q2, module.q3)]
        assert levels == ["easy", "medium", "hard"]


def test_check_returns_a_result_that_renders_in_both_forms():
    result = ex02.q1.check(right.softmax)
    assert result.status == "correct"
    assert "✓" in result._repr_markdown_() and str(result).startswith("Correct")


def test_hints_are_tiered_and_say_more_each_time():
    h1, h2, h3 = (str(ex02.q1.hint(t)) for t in (1, 2, 3))
    assert "hint 1 of 3" in h1 and "hint(2)" in h1 and "hint 3 of 3" in h3
    assert len({h1, h2, h3}) == 3
    assert str(ex02.q1.hint(99)) == h3


def test_solution_shows_the_model_answer_without_markers():
    text = str(ex02.q1.solution())
    assert "def softmax(x, axis=-1):" in text and "keepdims=True" in text
    assert "BEGIN SOLUTION" not in text


def test_solutions_can_be_turned_off_for_a_class(monkeypatch):
    monkeypatch.setenv("ATTENTION_COURSE_HIDE_SOLUTIONS", "1")
    text = str(ex01.q3.solution())
    assert "turned off" in text and "def rbf_scores" not in text


def test_expect_switch_raises_when_the_status_differs(monkeypatch):
    monkeypatch.setenv("ATTENTION_COURSE_EXPECT", "correct")
    assert ex03.q2.check(right.kernel_regression).status == "correct"
    with pytest.raises(ExpectationError, match="ex03.q2 .*expected correct"):
        ex03.q2.check(None)
    monkeypatch.setenv("ATTENTION_COURSE_EXPECT", "not_attempted")
    with pytest.raises(ExpectationError):
        ex03.q2.check(right.kernel_regression)


def test_a_check_writes_nothing_even_where_the_old_record_switch_points(monkeypatch, tmp_path):
    log = tmp_path / "record.jsonl"
    monkeypatch.setenv("ATTENTION_COURSE_RECORD", str(log))       # the class report no longer reads any log
    assert ex00.q2.check(right.worked_example_weights).status == "correct"
    assert not log.exists()
