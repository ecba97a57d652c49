"""Grading on probes the learner never saw, with only plain arrays crossing back from the learner's sandbox."""
import contextlib
import io
import json

import numpy as np
import pytest

from attention_lib import checks
from attention_lib.checks import _sandbox
from attention_lib.course import evaluate, grading, plain, sandbox
from attention_lib.exercises import ex02

from ..checks.answers import unusual, wrong

SALT = 0x5EED_0F_7E57


@pytest.fixture(scope="module")
def grader():
    return grading.Grader(sandbox.Sandbox(None), None, SALT)


def _arrays(value):
    """Every array in a probe's arguments, in order."""
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, (tuple, list)):
        return [a for v in value for a in _arrays(v)]
    if isinstance(value, dict):
        return [a for v in value.values() for a in _arrays(v)]
    return []


def _differ(a, b) -> bool:
    x, y = _arrays((a.args, a.kwargs)), _arrays((b.args, b.kwargs))
    assert [v.shape for v in x] == [v.shape for v in y], a.label
    return any(not np.array_equal(u, v) for u, v in zip(x, y, strict=True))


def test_grading_probes_keep_every_label_purpose_and_shape_and_draw_new_values(grader):
    other = grading.Grader(sandbox.Sandbox(None), None, SALT + 1)
    drawn, new, total = set(), set(), 0
    for exercise_id in checks.exercise_ids():
        public, hidden = checks.get(exercise_id), grader.exercise(exercise_id)
        assert [(p.label, p.purpose) for p in public.probes] == [(p.label, p.purpose) for p in hidden.probes]
        for mine, theirs, third in zip(public.probes, hidden.probes, other.exercise(exercise_id).probes, strict=True):
            total += 1
            if _differ(theirs, third):         # drawn at random: another salt gives other values
                drawn.add((exercise_id, mine.label))
            if _differ(mine, theirs):
                new.add((exercise_id, mine.label))
    assert drawn == new, "a randomly drawn probe kept its public values (or a hand-built one changed)"
    assert len(drawn) > total / 2, f"only {len(drawn)} of {total} probes are drawn again"


def test_a_salted_load_leaves_the_checks_learners_use_as_they_were(grader):
    before = [p.args[0].copy() for p in checks.get("softmax").probes]
    other = grading.Grader(sandbox.Sandbox(None), None, SALT + 1)
    assert not np.array_equal(other.exercise("softmax").probes[0].args[0], grader.exercise("softmax").probes[0].args[0])
    assert all(np.array_equal(b, p.args[0]) for b, p in zip(before, checks.get("softmax").probes, strict=True))


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)
    if isinstance(a, (tuple, list, dict)):
        items = (lambda v: list(v.items())) if isinstance(a, dict) else list
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(items(a), items(b),
                                                                                              strict=True))
    if isinstance(a, np.random.Generator):                # the same state: the same draws from here on
        return a.bit_generator.state == b.bit_generator.state
    if callable(a):
        point = np.linspace(0.3, 0.9, 12).reshape(3, 4)
        return np.isclose(a(point), b(point))
    return a == b or (a != a and b != b)


def test_every_exercises_probes_travel_to_the_sandbox_and_come_back_equal(grader):
    for exercise_id in checks.exercise_ids():
        for probe in grader.exercise(exercise_id).probes:
            arrays = []
            data = json.loads(json.dumps(plain.encode_input((probe.args, probe.kwargs), arrays)))
            saved = io.BytesIO()
            np.savez(saved, *arrays)
            saved.seek(0)
            with np.load(saved, allow_pickle=False) as loaded:
                back = plain.decode_input(data, [loaded[f"arr_{i}"] for i in range(len(arrays))])
            assert _same((probe.args, probe.kwargs), back), (exercise_id, probe.label)


def _sample():
    """One known wrong answer and one unusual right answer per exercise, where the banks have them."""
    picked = {}
    for name, w in wrong.WRONG.items():
        picked.setdefault(("wrong", w.exercise), (w.exercise, w.fn, name))
    for entry in unusual.BANK + unusual.EXTRA:
        picked.setdefault(("right", entry["id"]), (entry["id"], entry["fn"], entry["name"]))
    return list(picked.values())


class _Question:
    def __init__(self, exercise_id):
        self.exercise_id, self.label = exercise_id, "q"


def test_bank_answers_get_the_same_verdict_from_the_report_as_from_their_own_check(grader):
    differ = []
    for exercise_id, fn, name in _sample():
        with contextlib.redirect_stdout(io.StringIO()):
            own = checks.run(exercise_id, fn)
            probes = [*checks.get(exercise_id).probes, *grader.exercise(exercise_id).probes]
            run = _sandbox.run(fn, probes, grader.exercise(exercise_id).forbidden)
        outcomes = [(o.value, o.error, o.error_type, o.line, o.mutated, o.state) for o in run.outcomes]
        record = ("answer", 0, "function", sorted(run.names), run.library_call, outcomes, run.stopped,
                  run.stopped_at, run.detail, None)
        graded = grader._verdict(_Question(exercise_id), record)
        if (own.status, own.code) != (graded.status, graded.code):
            differ.append((name, own.status, own.code, graded.status, graded.code))
    assert not differ


def test_an_answer_that_memorised_the_public_probes_fails_on_the_hidden_ones(grader):
    table = {p.args[0].tobytes(): checks.get("softmax").reference(*p.args, **p.kwargs) for p in
             checks.get("softmax").probes}

    def softmax(x, axis=-1):
        return table.get(np.asarray(x).tobytes(), np.zeros_like(x))

    assert checks.run("softmax", softmax).status == "correct", "the notebook's own check is fooled"
    probes = [*checks.get("softmax").probes, *grader.exercise("softmax").probes]
    run = _sandbox.run(softmax, probes, ())
    outcomes = [(o.value, o.error, o.error_type, o.line, o.mutated, o.state) for o in run.outcomes]
    record = ("answer", 0, "function", [], None, outcomes, None, None, "", None)
    assert grader._verdict(_Question("softmax"), record).status == "incorrect"


# ---------------------------------------------------------------------- what comes back is only read, never run


def _npy(array) -> bytes:
    out = io.BytesIO()
    np.lib.format.write_array(out, array, allow_pickle=True)
    return out.getvalue()


@pytest.mark.parametrize("data,why", [
    (_npy(np.zeros(3, np.int64)).replace(b"(3,)", b"(10000000000,)"), "larger than"),
    (_npy(np.array([object()], dtype=object)), "not numbers"),
    (_npy(np.array([plain.LIST, 1] * 100 + [plain.NONE], np.int64)), "malformed"),
    (_npy(np.array([plain.ARRAY], np.int64)), "not an array"),
    (_npy(np.array([99], np.int64)), "unknown token"),
    (b"\x93NUMPY garbage", "not an array"),
    (_npy(np.array([plain.STR, plain.NONE], np.int64)) + _npy(np.zeros(2, np.uint8)), "left over"),
])
def test_a_stream_that_is_not_plain_arrays_is_refused(data, why):
    with pytest.raises(plain.Unreadable, match=why):
        plain.read_records(data)


def test_values_cross_as_plain_arrays_and_come_back_equal():
    values = [None, True, 3, 2**70, -1.5, 2j, "héllo", np.arange(6).reshape(2, 3).T, np.float32(1.5),
              (1, [2, (3,)], []), _sandbox.Foreign("generator", "<gen>"), object()]
    stream = io.BytesIO()
    for value in values:
        plain.write_record(stream, value)
    back = plain.read_records(stream.getvalue())
    assert all(_same(a, b) for a, b in zip(values[:-2], back[:-2], strict=True))
    assert (back[-2].type_name, back[-2].text) == ("generator", "<gen>") and back[-1].type_name == "object"


def _finished(stdout=b"", timed_out=False, returncode=0):
    return sandbox.Finished(None if timed_out else returncode, stdout, False, "", 1.0, timed_out)


def _stream(*records) -> bytes:
    out = io.BytesIO()
    for record in records:
        plain.write_record(out, record)
    return out.getvalue()


def test_records_of_the_wrong_form_grade_nothing(grader):
    stdout = _stream(("notes", ["a note", 3]),
                     ("answer", 0, "function", [], None, [("not", "an", "outcome")], None, None, "", None),
                     ("answer", 7, "none", [], None, [], None, None, "", None),
                     ("answer", "1", "none", [], None, [], None, None, "", None))
    verdicts, notes = grader.judge(ex02.QUESTIONS, _finished(stdout))
    assert notes == ["a note"]
    assert verdicts["ex02.q1"].status == "not_checked" and "wrong form" in verdicts["ex02.q1"].note
    assert verdicts["ex02.q2"].status == verdicts["ex02.q3"].status == "not_checked"


def test_a_grading_that_ran_out_of_time_says_so(grader):
    verdicts, _ = grader.judge(ex02.QUESTIONS, _finished(timed_out=True))
    assert all(v.status == "not_checked" and "ran longer" in v.note for v in verdicts.values())


# ---------------------------------------------------------------------- taking the answers from the cells


def test_the_answers_are_what_each_check_call_was_given_where_it_was_made():
    cells = [
        (0, "%matplotlib inline\nimport numpy as np\nfrom attention_lib.exercises import ex02"),
        (1, "def softmax(x, axis=-1):\n    return 'first'\nex02.q1.check(softmax)"),
        (2, "def softmax(x, axis=-1):\n    return 'second'\nresult = ex02.q1.check(softmax)"),
        (3, "ex02.q2.check(softmax_temperature)\ndef softmax_temperature(x, t):\n    return 1"),
        (4, "for i in range(10**12):\n    pass\nprint('never')\nex02.q3.check(None)"),
        (5, "def broken(:\n    pass"),
        (6, "LIMIT = 1 / 0"),
    ]
    answers, notes = evaluate._definitions(cells, {"ex02.q1", "ex02.q2", "ex02.q3"})
    assert answers["ex02.q1"][1](None) == "second", "the last check call counts"
    assert answers["ex02.q2"][0] == "error" and "NameError" in answers["ex02.q2"][1]
    assert answers["ex02.q3"] == ("answer", None)
    assert notes == ["cell 6 is not valid Python (SyntaxError, line 1): none of it ran",
                     "a statement in cell 7 raised ZeroDivisionError: division by zero"]


def test_every_model_answer_of_every_lesson_is_graded_correct_in_the_sandbox(tmp_path):
    """The solution notebooks, as a learner would submit them: each answer, taken from the cells and run on
    the public and the hidden probes in a real sandbox, is correct (this also proves every probe can travel)."""
    from attention_lib._paths import SOLUTIONS
    from attention_lib.course import progress, submissions

    box = sandbox.find()
    graded = grading.Grader(box, tmp_path, SALT)
    wrong = {}
    for path in sorted(SOLUTIONS.glob("*.ipynb")):
        questions = progress.lesson_questions(path.stem)
        if not questions:
            continue
        folder = tmp_path / "submitted" / path.stem
        folder.mkdir(parents=True)
        (folder / path.name).write_bytes(path.read_bytes())
        work = tmp_path / "work" / path.stem
        work.mkdir(parents=True)
        cells = submissions.code_cells(path.read_bytes())
        verdicts, notes = graded.grade(path.stem, questions, cells, folder, last_cell=None, work=work)
        wrong.update({label: v for label, v in verdicts.items() if v.status != "correct"})
        assert not notes, (path.stem, notes)
    assert not wrong
