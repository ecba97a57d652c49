"""The class report runs learners' notebooks apart from each other and from their files, and shows every failure.

The ``hostile_class`` fixture runs one folder of learners once (real kernels); each test reads one aspect:

- ada: a wrong softmax; leaves a detached process behind when her notebook ends normally;
- bo: the same wrong softmax and a wrong temperature, then a cell that overwrites cy's notebook and its
  own original, plants a notebook for a lesson cy never did, and writes fake records (one claiming to be cy);
- cy: a right softmax (the target of bo's tampering);
- dee: the kernel dies (``os._exit``) right after her first check;
- eve: deleted the check cell of q3, and reports the environment her kernel saw;
- fay: a notebook that is not valid JSON;  gus: a notebook named after no lesson.
"""
import csv
import hashlib
import json
import os
import subprocess
import sys

import psutil
import pytest

from attention_lib._paths import ROOT
from attention_lib.checks import catalogue
from attention_lib.course import progress, submissions
from attention_lib.course.runner import RunResult

LESSON = "02_softmax_temperature"
NAME = f"{LESSON}.ipynb"
OVERFLOW = "return np.exp(x) / np.exp(x).sum(axis=axis, keepdims=True)"
STABLE = "e = np.exp(x - x.max(axis=axis, keepdims=True))\n    return e / e.sum(axis=axis, keepdims=True)"


def _exercise(name=NAME):
    return json.loads((ROOT / "exercises" / name).read_text())


def _answer(nb, function, body):
    for cell in nb["cells"]:
        src = "".join(cell["source"])
        if cell["cell_type"] == "code" and f"def {function}(" in src:
            cell["source"] = src.replace('raise NotImplementedError("your code here")', body)
    return nb


def _code(source, at=None, nb=None):
    cell = {"cell_type": "code", "execution_count": None, "id": f"x{abs(hash(source)) % 10**8}", "metadata": {},
            "outputs": [], "source": source}
    nb["cells"].insert(len(nb["cells"]) if at is None else at, cell)
    return nb


def _check_cell(nb, label):
    return next(i for i, c in enumerate(nb["cells"]) if f"{label}.check(" in "".join(c["source"]))


def _save(folder, nb, name=NAME):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(nb))


def _digest(root):
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and submissions.QUARANTINE not in p.parts}


def _dead(pid):
    return not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


DETACH = """import os, subprocess
child = subprocess.Popen(["sleep", "300"], start_new_session=True, env={{}})
open({out!r}, "w").write(str(child.pid))"""

TAMPER = """import json, os, pathlib
pathlib.Path({cy!r}).write_text("overwritten by bo")
pathlib.Path({cy_fake!r}).write_text("{{}}")
pathlib.Path({own!r}).write_text("bo rewrote the original")
with open(os.environ["ATTENTION_COURSE_RECORD"], "a") as log:
    log.write(json.dumps({{"learner": "cy", "question": "ex02.q3", "exercise": "temperature_for_target", "status": "correct"}}) + "\\n")
    log.write(json.dumps({{"learner": "cy", "question": "ex03.q1", "exercise": "one_nn_limit", "status": "correct"}}) + "\\n")
    log.write("{{not json\\n")"""

ENV_PROBE = """import json, os
json.dump({{"env": dict(os.environ), "cwd": os.getcwd()}}, open({out!r}, "w"))"""


@pytest.fixture(scope="module")
def hostile_class(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    seen = tmp_path_factory.mktemp("observations")
    _save(root / "ada", _code(DETACH.format(out=str(seen / "ada.pid")), nb=_answer(_exercise(), "softmax", OVERFLOW)))
    bo = _answer(_answer(_exercise(), "softmax", OVERFLOW), "softmax_temperature",
                 "return softmax(np.asarray(x) * temperature)")
    _save(root / "bo", _code(TAMPER.format(cy=str(root / "cy" / NAME), cy_fake=str(root / "cy" / "03_soft_knn.ipynb"),
                                           own=str(root / "bo" / NAME)), nb=bo))
    _save(root / "cy", _answer(_exercise(), "softmax", STABLE))
    dee = _answer(_exercise(), "softmax", STABLE)
    _save(root / "dee", _code("import os\nos._exit(1)", at=_check_cell(dee, "ex02.q1") + 1, nb=dee))
    eve = _code(ENV_PROBE.format(out=str(seen / "eve.json")), at=2, nb=_exercise())
    del eve["cells"][_check_cell(eve, "ex02.q3")]
    _save(root / "eve", eve)
    (root / "fay").mkdir()
    (root / "fay" / NAME).write_text('{"cells": [')
    _save(root / "gus", _exercise("00_welcome.ipynb"), name="99_extra.ipynb")
    before = _digest(root)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("INSTRUCTOR_SECRET", "s3cret")
        env.setenv("ATTENTION_COURSE_EXPECT", "correct")
        result = progress.collect([root], timeout=30)
    return {"root": root, "seen": seen, "before": before, "result": result, "text": progress.report(result),
            "rows": {(r.learner, r.question): r for r in result.rows}}


def _problems(hostile_class, learner):
    return [p.message for p in hostile_class["result"].problems if p.learner == learner]


def test_each_learner_gets_the_status_and_misconception_of_their_own_answers(hostile_class):
    rows = hostile_class["rows"]
    assert (rows[("ada", "ex02.q1")].status, rows[("ada", "ex02.q1")].code) == ("incorrect", "no_max_subtraction")
    assert rows[("ada", "ex02.q2")].status == "not_attempted"
    assert (rows[("bo", "ex02.q2")].status, rows[("bo", "ex02.q2")].code) == ("incorrect", "temperature_multiplied")
    assert rows[("cy", "ex02.q1")].status == "correct"


def test_rows_are_the_folders_learners_in_lesson_and_question_order(hostile_class):
    result = hostile_class["result"]
    assert {r.learner for r in result.rows} == {"ada", "bo", "cy", "dee", "eve", "fay"}
    keys = [(r.learner, r.question) for r in result.rows]
    assert keys == sorted(keys)
    assert [r.question for r in result.rows if r.learner == "ada"] == ["ex02.q1", "ex02.q2", "ex02.q3"]


def test_the_misconception_section_ranks_codes_with_their_catalogue_titles(hostile_class):
    text = hostile_class["text"]
    assert "most common misconceptions (6 learners)" in text
    top = text.split("most common misconceptions")[1].splitlines()[1]
    assert f"2 × no_max_subtraction: {catalogue.title('no_max_subtraction')}" in top
    assert text.splitlines()[0] == progress.FORMATIVE


def test_no_original_submission_is_left_modified_and_planted_files_are_moved_aside(hostile_class):
    root = hostile_class["root"]
    assert _digest(root) == hostile_class["before"]
    assert not (root / "cy" / "03_soft_knn.ipynb").exists()
    aside = {"/".join(p.relative_to(root / submissions.QUARANTINE).parts[1:]): p.read_text()
             for p in (root / submissions.QUARANTINE).rglob("*") if p.is_file()}
    assert aside == {f"cy/{NAME}": "overwritten by bo", "cy/03_soft_knn.ipynb": "{}", f"bo/{NAME}": "bo rewrote the original"}
    said = " ".join(_problems(hostile_class, "bo"))
    for name in (f"cy/{NAME}", "cy/03_soft_knn.ipynb", f"bo/{NAME}"):
        assert f"{root.name}/{name}" in said


def test_fake_records_change_no_other_learner_and_no_other_lesson(hostile_class):
    rows = hostile_class["rows"]
    assert rows[("cy", "ex02.q3")].status == "not_attempted", "a record's learner field must not count"
    assert not any(r.lesson == "03_soft_knn" for r in hostile_class["result"].rows)
    said = " ".join(_problems(hostile_class, "bo"))
    assert "'ex03.q1', which is not a question of this lesson" in said
    assert "is not JSON" in said


def test_a_dead_kernel_keeps_the_checks_before_it_and_says_what_was_not_reached(hostile_class):
    rows = hostile_class["rows"]
    assert rows[("dee", "ex02.q1")].status == "correct"
    assert rows[("dee", "ex02.q2")].status == "not_checked" and "kernel died" in rows[("dee", "ex02.q2")].note
    assert any("kernel died" in m for m in _problems(hostile_class, "dee"))


def test_a_deleted_check_cell_is_a_row_that_says_so(hostile_class):
    row = hostile_class["rows"][("eve", "ex02.q3")]
    assert row.status == "not_checked" and "no cell calls ex02.q3.check" in row.note
    assert hostile_class["rows"][("eve", "ex02.q1")].status == "not_attempted"


def test_invalid_json_and_an_unknown_lesson_are_problems_and_the_rest_still_runs(hostile_class):
    assert any("not a valid notebook" in m for m in _problems(hostile_class, "fay"))
    assert all(hostile_class["rows"][("fay", f"ex02.q{i}")].status == "not_checked" for i in (1, 2, 3))
    assert any("not a lesson with exercises" in m for m in _problems(hostile_class, "gus"))
    assert "fay" in hostile_class["text"] and "gus 99_extra" in hostile_class["text"]


def test_a_kernel_sees_a_scrubbed_environment_a_temporary_home_and_a_copy_of_its_folder(hostile_class):
    seen = json.loads((hostile_class["seen"] / "eve.json").read_text())
    env = seen["env"]
    assert "INSTRUCTOR_SECRET" not in env and "ATTENTION_COURSE_EXPECT" not in env
    assert env["HOME"] != os.environ.get("HOME") and not os.path.exists(env["HOME"]), "HOME is a temporary folder"
    assert not os.path.exists(seen["cwd"]) and str(hostile_class["root"]) not in seen["cwd"]
    assert env["ATTENTION_COURSE_RECORD"] and not env["ATTENTION_COURSE_RECORD"].startswith(seen["cwd"])


def test_a_process_detached_by_a_notebook_that_finished_normally_is_killed(hostile_class):
    pid = int((hostile_class["seen"] / "ada.pid").read_text())
    assert _dead(pid)


HANG = """import os, subprocess, threading, time
escaped = subprocess.Popen(["sleep", "300"], start_new_session=True, env={{}})
grouped = subprocess.Popen(["sleep", "301"])
subprocess.run(["setsid", "sh", "-c", "sleep 302 & echo $! > {out}.daemon"], env={{}})
threading.Thread(target=time.sleep, args=(300,)).start()
open({out!r}, "w").write(f"{{escaped.pid}} {{grouped.pid}} {{os.getpid()}}")
time.sleep(600)"""


def test_a_timeout_kills_the_kernel_and_every_process_it_started(tmp_path):
    out = tmp_path / "pids"
    _save(tmp_path / "class" / "hal", _code(HANG.format(out=str(out)), at=2, nb=_exercise()))
    result = progress.collect([tmp_path / "class"], timeout=5)
    pids = [int(p) for p in out.read_text().split()] + [int((tmp_path / "pids.daemon").read_text())]
    assert len(pids) == 4 and all(_dead(pid) for pid in pids)
    assert any("ran longer than 5 s" in p.message for p in result.problems)
    assert {r.status for r in result.rows} == {"not_checked"} and all("timed out" in r.note for r in result.rows)


def _run_cli(*args):
    return subprocess.run([sys.executable, "-m", "attention_lib.progress", *map(str, args)],
                          capture_output=True, text=True, timeout=600)


def test_cli_with_jobs_writes_json_and_a_gradebook_csv_in_learner_and_lesson_order(tmp_path):
    for learner in ("zoe", "abe"):
        _save(tmp_path / learner, _exercise("03_soft_knn.ipynb"), name="03_soft_knn.ipynb")
    _save(tmp_path / "abe", _answer(_exercise(), "softmax", STABLE))
    proc = _run_cli(tmp_path, "--jobs", "2", "--json", "--csv", tmp_path / "book.csv")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["formative"] == progress.FORMATIVE
    assert [(r["learner"], r["lesson"]) for r in report["runs"]] == [
        ("abe", LESSON), ("abe", "03_soft_knn"), ("zoe", "03_soft_knn")]
    with open(tmp_path / "book.csv", newline="") as f:
        book = list(csv.DictReader(f))
    assert len(book) == 9 and [b["learner"] for b in book] == ["abe"] * 6 + ["zoe"] * 3
    assert book[0]["question"] == "ex02.q1" and book[0]["status"] == "correct"


@pytest.mark.parametrize("make,message", [
    (lambda p: p / "missing", "does not exist"),
    (lambda p: p, "no notebooks"),
])
def test_a_path_that_is_missing_or_holds_no_notebooks_exits_non_zero_with_a_message(tmp_path, make, message):
    (tmp_path / "notes.txt").write_text("not a notebook")
    proc = _run_cli(make(tmp_path))
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr


QUESTIONS = {"ex02.q1": "softmax", "ex02.q2": "softmax_temperature"}


def test_malformed_records_are_reported_line_by_line_and_the_good_ones_kept():
    raw = "\n".join([
        json.dumps({"question": "ex02.q1", "exercise": "softmax", "status": "incorrect", "code": "no_max_subtraction"}),
        "[1, 2",
        json.dumps({"question": "ex02.q2", "status": "hacked"}),
        json.dumps({"question": "ex02.q2", "exercise": "softmax", "status": "correct"}),
        json.dumps({"question": "ex02.q2", "status": "correct", "code": "\x1b[31mred"}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"question": "ex02.q1", "exercise": "softmax", "status": "correct", "code": None}),
    ]).encode()
    latest, notes = progress.read_records(raw, QUESTIONS)
    assert latest == {"ex02.q1": {"question": "ex02.q1", "exercise": "softmax", "status": "correct", "code": None}}
    assert [n.split()[2] for n in notes] == ["2", "3", "4", "5", "6"]
    assert "\x1b" not in " ".join(notes)


def test_a_flood_of_bad_records_gives_a_bounded_list_of_problems():
    latest, notes = progress.read_records(b"x\n" * 1000, QUESTIONS)
    assert latest == {} and len(notes) == progress.MAX_NOTES + 1 and "995 more" in notes[-1]


def test_the_gradebook_csv_quotes_cells_a_spreadsheet_would_run_and_titles_each_code(tmp_path):
    rows = [progress.Row("=HYPERLINK(1)", LESSON, "ex02.q1", "softmax", "incorrect", "no_max_subtraction"),
            progress.Row("@bo", LESSON, "ex02.q2", "softmax_temperature", "incorrect", "no_such_code")]
    progress.write_csv(progress.ClassReport(rows, [], []), tmp_path / "book.csv")
    with open(tmp_path / "book.csv", newline="") as f:
        book = list(csv.DictReader(f))
    assert [b["learner"] for b in book] == ["'=HYPERLINK(1)", "'@bo"]
    assert [b["title"] for b in book] == [catalogue.title("no_max_subtraction"), "no_such_code"]


def test_a_failed_run_without_a_check_cell_error_says_the_notebook_did_not_run():
    cells = [{"cell_type": "code", "source": "ex02.q1.check(softmax)"}]
    rows, problems = progress.grade("ada", LESSON, QUESTIONS, cells, RunResult("failed", "NotJSONError: bad"))
    assert [r.note for r in rows] == ["the notebook did not run", "no cell calls ex02.q2.check (deleted?)"]
    assert [p.message for p in problems] == ["NotJSONError: bad"]


def _synthetic_class():
    Row = progress.Row
    rows = [Row("ada", "02_softmax_temperature", "ex02.q1", "softmax", "incorrect", "no_max_subtraction"),
            Row("bo", "02_softmax_temperature", "ex02.q1", "softmax", "incorrect", "no_max_subtraction"),
            Row("bo", "02_softmax_temperature", "ex02.q2", "softmax_temperature", "incorrect", "temperature_multiplied"),
            Row("cy", "02_softmax_temperature", "ex02.q1", "softmax", "correct"),
            Row("cy", "02_softmax_temperature", "ex02.q2", "softmax_temperature", "not_attempted"),
            Row("ada", "01_similarity", "ex01.q1", "scaled_dot_scores", "incorrect", "no_max_subtraction")]
    return progress.ClassReport(rows, [], [])


def test_a_learner_counts_once_per_misconception_however_many_questions_showed_it():
    counts = progress.misconception_counts(_synthetic_class())
    assert counts[0] == ("no_max_subtraction", 2, ["scaled_dot_scores", "softmax"])
    assert counts[1] == ("temperature_multiplied", 1, ["softmax_temperature"])


def test_the_reteach_summary_ranks_misconceptions_with_their_message_and_lists_the_hardest_questions():
    text = progress.reteach(_synthetic_class())
    assert text.startswith("# What to re-teach next session") and progress.FORMATIVE in text
    first = text.index("Softmax overflows on large scores")
    assert first < text.index("Temperature multiplies instead of divides")
    assert "2 of 3 learners" in text and "Subtract each row's maximum" in text
    table_rows = [line for line in text.splitlines() if line.startswith("| 02_softmax")]
    assert table_rows[0].startswith("| 02_softmax_temperature | ex02.q1 | `softmax` | 1 | 2 | 0 |")


def test_the_chart_is_a_png_with_one_bar_per_misconception(tmp_path):
    from PIL import Image

    progress.write_chart(_synthetic_class(), tmp_path / "class.png")
    import numpy as np

    image = Image.open(tmp_path / "class.png")
    assert image.size[0] > 800
    pixels = np.asarray(image.convert("L"))
    assert pixels.min() < 100 < pixels.max(), "a chart, not a blank image"
    empty = progress.ClassReport([progress.Row("ada", "00_welcome", "ex00.q1", "attention_shapes", "correct")], [], [])
    progress.write_chart(empty, tmp_path / "none.png")
    assert (tmp_path / "none.png").stat().st_size > 1000
