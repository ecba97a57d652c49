"""solutions/ is the single source; exercises/ is generated from it and never loses learner work."""
import json
import shutil
import subprocess
import sys

import pytest

from attention_lib._paths import ROOT
from attention_lib.course import build, passes, submissions

SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))


def _cells(path):
    return json.loads(path.read_text())["cells"]


def _src(cell):
    return "".join(cell["source"])


def test_there_is_an_exercise_for_every_solution_and_nothing_else():
    assert [p.name for p in SOLUTIONS] == sorted(p.name for p in (ROOT / "exercises").glob("*.ipynb"))
    assert len(SOLUTIONS) >= 4


def test_regenerating_gives_byte_identical_exercises(tmp_path):
    _quiet_build(tmp_path)
    for sol in SOLUTIONS:
        assert (tmp_path / sol.name).read_bytes() == (ROOT / "exercises" / sol.name).read_bytes(), sol.name


def test_no_solution_line_or_marker_reaches_the_exercises():
    for sol in SOLUTIONS:
        exercise_text = (ROOT / "exercises" / sol.name).read_text()
        assert passes.BEGIN not in exercise_text and passes.END not in exercise_text
        for cell in _cells(sol):
            inside = False
            for line in _src(cell).splitlines():
                if line.strip() == passes.BEGIN:
                    inside = True
                elif line.strip() == passes.END:
                    inside = False
                elif inside and line.strip() and not line.strip().startswith("#"):
                    assert json.dumps(line)[1:-1] not in exercise_text, f"{sol.name}: {line!r} leaked"


def test_solution_only_cells_are_dropped_and_outputs_cleared():
    sol = ROOT / "solutions" / "02_softmax_temperature.ipynb"
    tagged = [c for c in _cells(sol) if "solution-only" in c.get("metadata", {}).get("tags", [])]
    assert tagged, "the softmax solutions should keep an instructor-only cell"
    exercise = _cells(ROOT / "exercises" / sol.name)
    assert not any("solution-only" in c.get("metadata", {}).get("tags", []) for c in exercise)
    code = [c for c in exercise if c["cell_type"] == "code"]
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    for path in (ROOT / "exercises").glob("*.ipynb"):
        assert "only in the solutions" not in path.read_text(), f"{path.name}: instructor-only text leaked"


def test_stub_keeps_the_markers_indentation():
    src = "def f(x):\n    if x:\n        ### BEGIN SOLUTION\n        return 1\n        ### END SOLUTION\n    return 0\n"
    out = passes.strip_region(src, "nb, cell 0")
    assert out == 'def f(x):\n    if x:\n        raise NotImplementedError("your code here")\n    return 0\n'


FIX_ME = ("def f(x):\n    y = x + 1\n    ### BEGIN SOLUTION\n    return y * 2\n    ### HANDOUT\n"
          "    # raise NotImplementedError(\"fix me\")\n    #\n    # return y * 3  # the bug\n    ### END SOLUTION\n")


def test_a_handout_replaces_the_stub_and_reaches_learners_uncommented():
    out = passes.strip_region(FIX_ME, "nb, cell 0")
    assert out == 'def f(x):\n    y = x + 1\n    raise NotImplementedError("fix me")\n\n    return y * 3  # the bug\n'


def test_the_model_answer_leaves_the_handout_out():
    assert passes.without_markers(FIX_ME) == "def f(x):\n    y = x + 1\n    return y * 2"


@pytest.mark.parametrize("source,problem", [
    ("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### HANDOUT\n    return 2\n    ### END SOLUTION\n",
     "must be commented out"),
    ("def f():\n    ### HANDOUT\n    # return 2\n", "inside a solution region"),
    ("def f():\n    ### BEGIN SOLUTION\n    ### HANDOUT\n    ### HANDOUT\n    ### END SOLUTION\n", "once"),
    ("def f():\n    ### BEGIN SOLUTION\n    return 1\n", "never closed"),
    ("def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n    ### END SOLUTION\n", "nested"),
    ("def f():\n    return 1\n    ### END SOLUTION\n", "no matching"),
    ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n", "inside a function body"),
])
def test_malformed_markers_name_the_notebook_and_cell(source, problem):
    nb = {"cells": [{"cell_type": "markdown", "source": "intro", "metadata": {}},
                    {"cell_type": "code", "source": source, "metadata": {}, "outputs": [], "execution_count": None}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    with pytest.raises(passes.MarkerError, match=rf"99_bad.ipynb, cell 1: .*{problem}"):
        build.make_exercise(nb, "99_bad.ipynb")


def _edit_first_stub(path):
    nb = json.loads(path.read_text())
    cell = next(c for c in nb["cells"] if "NotImplementedError" in _src(c) and c["cell_type"] == "code")
    cell["source"] = _src(cell).replace('raise NotImplementedError("your code here")', "return 42  # my work")
    path.write_text(json.dumps(nb))
    return _src(cell)


def _quiet_build(out, solutions=ROOT / "solutions", **kw):
    return build.build_exercises(solutions, out, log=lambda *_: None, **kw)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "attention_lib.course", "build-exercises", *map(str, args)],
                          capture_output=True, text=True)


def _solutions_copy(tmp_path):
    shutil.copytree(ROOT / "solutions", tmp_path / "sol")
    return tmp_path / "sol"


def _change_notebook(path, change):
    nb = json.loads(path.read_text())
    change(nb)
    path.write_text(json.dumps(nb))
    return nb


def test_an_edited_exercise_is_skipped_and_left_byte_for_byte(tmp_path):
    _quiet_build(tmp_path)
    target = tmp_path / "02_softmax_temperature.ipynb"
    _edit_first_stub(target)
    before = target.read_bytes()
    result = _quiet_build(tmp_path)
    assert result.skipped == [(target, build.EDITED)] and result.written == []
    assert target.read_bytes() == before


def test_force_backs_up_the_learners_work_first(tmp_path):
    _quiet_build(tmp_path)
    target = tmp_path / "02_softmax_temperature.ipynb"
    edited_source = _edit_first_stub(target)
    _quiet_build(tmp_path, force=True)
    backups = list((tmp_path / ".backups").glob("02_softmax_temperature-*.ipynb"))
    assert len(backups) == 1
    assert edited_source in "".join(_src(c) for c in _cells(backups[0]))
    assert target.read_bytes() == (ROOT / "exercises" / target.name).read_bytes()


def test_a_new_lesson_is_written_while_an_edited_one_is_skipped_and_the_exit_code_says_so(tmp_path):
    shutil.copytree(ROOT / "exercises", tmp_path / "ex")
    edited = tmp_path / "ex" / "01_similarity.ipynb"
    _edit_first_stub(edited)
    before = edited.read_bytes()
    (tmp_path / "ex" / "03_soft_knn.ipynb").unlink()  # as if lesson 03 had just been added to solutions/
    proc = _cli("--out", tmp_path / "ex")
    assert proc.returncode == 1
    assert [line for line in proc.stderr.splitlines() if line.startswith("skipped")] == [
        f"skipped {edited}: {build.EDITED}. {build.ADVICE}"]
    assert "1 notebook(s) written, 1 skipped" in proc.stdout
    assert (tmp_path / "ex" / "03_soft_knn.ipynb").read_bytes() == (ROOT / "exercises" / "03_soft_knn.ipynb").read_bytes()
    assert edited.read_bytes() == before
    proc = _cli("--out", tmp_path / "ex", "--force")
    assert proc.returncode == 0 and "backed up" in proc.stdout


def test_running_an_exercise_without_editing_it_is_not_an_edit(tmp_path):
    _quiet_build(tmp_path)
    target = tmp_path / "00_welcome.ipynb"
    nb = json.loads(target.read_text())
    for i, cell in enumerate(c for c in nb["cells"] if c["cell_type"] == "code"):
        cell["execution_count"] = i + 1
        cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "hi\n"}]
    target.write_text(json.dumps(nb))
    assert not build.was_edited(target)
    assert _quiet_build(tmp_path).written == [target]


PNG = {"image/png": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYPj/HwADAgH/Vd2N5wAAAABJRU5ErkJggg=="}


def _add_learner_extras(path):
    """A learner pastes an image into the first markdown cell and tags the first code cell; returns their ids."""
    nb = json.loads(path.read_text())
    markdown = next(c for c in nb["cells"] if c["cell_type"] == "markdown")
    markdown["attachments"] = {"my-sketch.png": PNG}
    code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    code["metadata"]["tags"] = ["my-notes"]
    path.write_text(json.dumps(nb))
    return {"markdown": markdown["id"], "code": code["id"]}


def test_tags_and_attachments_a_learner_added_survive_regenerating_an_unedited_notebook(tmp_path):
    _quiet_build(tmp_path / "ex")
    target = tmp_path / "ex" / "02_softmax_temperature.ipynb"
    ids = _add_learner_extras(target)
    assert not build.was_edited(target), "tags and attachments are not edits"
    solutions = _solutions_copy(tmp_path)
    _change_notebook(solutions / target.name, lambda nb: nb["cells"][0]["source"].append("\nA new line."))
    result = _quiet_build(tmp_path / "ex", solutions)
    assert result.written == [target] and result.skipped == []
    cells = {c["id"]: c for c in _cells(target)}
    assert "A new line." in _src(_cells(target)[0])
    assert cells[ids["markdown"]]["attachments"] == {"my-sketch.png": PNG}
    assert cells[ids["code"]]["metadata"]["tags"] == ["my-notes"]
    assert not build.was_edited(target)


def test_an_addition_whose_cell_is_gone_makes_the_notebook_count_as_edited(tmp_path):
    _quiet_build(tmp_path / "ex")
    target = tmp_path / "ex" / "02_softmax_temperature.ipynb"
    ids = _add_learner_extras(target)
    before = target.read_bytes()
    solutions = _solutions_copy(tmp_path)
    _change_notebook(solutions / target.name,
                     lambda nb: nb.update(cells=[c for c in nb["cells"] if c["id"] != ids["markdown"]]))
    result = _quiet_build(tmp_path / "ex", solutions)
    assert [p for p, _ in result.skipped] == [target] and "not in the new version" in result.skipped[0][1]
    assert target.read_bytes() == before
    _quiet_build(tmp_path / "ex", solutions, force=True)
    assert [b.read_bytes() for b in (tmp_path / "ex" / ".backups").iterdir()] == [before]


def test_a_tag_the_authors_remove_is_not_kept_as_if_a_learner_had_added_it(tmp_path):
    solutions = _solutions_copy(tmp_path)
    path = solutions / "01_similarity.ipynb"
    _change_notebook(path, lambda nb: nb["cells"][1]["metadata"].update(tags=["authors-tag"]))
    _quiet_build(tmp_path / "ex", solutions)
    assert _cells(tmp_path / "ex" / path.name)[1]["metadata"]["tags"] == ["authors-tag"]
    _change_notebook(path, lambda nb: nb["cells"][1]["metadata"].pop("tags"))
    assert _quiet_build(tmp_path / "ex", solutions).written == [tmp_path / "ex" / path.name]
    assert "tags" not in _cells(tmp_path / "ex" / path.name)[1]["metadata"]


def test_an_interrupted_write_leaves_the_old_notebook_whole_and_no_temporary_file(tmp_path, monkeypatch):
    _quiet_build(tmp_path / "ex")
    target = tmp_path / "ex" / "00_welcome.ipynb"
    target.chmod(0o640)
    _change_notebook(target, lambda nb: nb["cells"][1].update(outputs=[], execution_count=3))
    before = sorted(p.name for p in target.parent.iterdir()), target.read_bytes()

    def crash(*_):
        raise OSError("disk full")

    monkeypatch.setattr(submissions.os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        _quiet_build(tmp_path / "ex")
    assert (sorted(p.name for p in target.parent.iterdir()), target.read_bytes()) == before
    monkeypatch.undo()
    assert _quiet_build(tmp_path / "ex").written == [target]
    assert target.stat().st_mode & 0o777 == 0o640, "a rewritten notebook keeps its permissions"


def test_an_exercise_that_is_not_json_is_named_in_one_line_and_kept(tmp_path):
    shutil.copytree(ROOT / "exercises", tmp_path / "ex")
    broken = tmp_path / "ex" / "01_similarity.ipynb"
    broken.write_text('{"cells": [ my half-saved work')
    proc = _cli("--out", tmp_path / "ex")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.splitlines() == [line for line in proc.stderr.splitlines() if str(broken) in line]
    assert "is not valid JSON" in proc.stderr and len(proc.stderr.splitlines()) == 1
    assert broken.read_text() == '{"cells": [ my half-saved work'
    assert _cli("--out", tmp_path / "ex", "--force").returncode == 0
    assert [b.read_text() for b in (tmp_path / "ex" / ".backups").iterdir()] == ['{"cells": [ my half-saved work']


def test_a_solution_that_is_not_json_stops_the_build_in_one_line_before_writing(tmp_path):
    solutions = _solutions_copy(tmp_path)
    (solutions / "02_softmax_temperature.ipynb").write_text("{")
    proc = _cli("--solutions", solutions, "--out", tmp_path / "ex")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().startswith("error:") and "02_softmax_temperature.ipynb is not valid JSON" in proc.stderr
    assert list((tmp_path / "ex").glob("*.ipynb")) == []


@pytest.mark.parametrize("folder", ["notebooks", "solutions"])
def test_every_code_cell_was_executed_in_order(folder):
    for path in sorted((ROOT / folder).glob("*.ipynb")):
        counts = [c["execution_count"] for c in _cells(path) if c["cell_type"] == "code"]
        assert None not in counts, f"{path.name}: a code cell has no execution count (strict nbval would skip it)"
        assert counts == list(range(1, len(counts) + 1)), f"{path.name}: not a clean Restart & Run All: {counts}"


def test_no_stored_output_is_an_error():
    for folder in ("notebooks", "solutions"):
        for path in sorted((ROOT / folder).glob("*.ipynb")):
            for cell in _cells(path):
                for out in cell.get("outputs", []):
                    assert out["output_type"] != "error", f"{path.name}: stored error {out.get('ename')}"
                    assert out.get("name") != "stderr", f"{path.name}: stored stderr {''.join(out.get('text', ''))[:200]}"


def test_build_exercises_from_an_installed_wheel_refuses_clearly_and_writes_nothing(tmp_path):
    wheels, site = tmp_path / "wheels", tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels),
                    str(ROOT)], check=True, capture_output=True)
    wheel = next(wheels.glob("*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
                   check=True, capture_output=True)
    assert (site / "attention_lib" / "widgets" / "static" / "chart.js").is_file(), "the widgets' ES modules ship"
    assert "CC BY 4.0" in next(site.glob("*.dist-info/licenses/LICENSE")).read_text(), "the licence ships in the wheel"
    before = sorted(p.relative_to(site) for p in site.rglob("*"))
    proc = subprocess.run([sys.executable, "-m", "attention_lib.course", "build-exercises"], cwd=tmp_path,
                          env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True)
    assert proc.returncode != 0
    assert "installed copy" in proc.stderr and "clone of the course repository" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert sorted(p.relative_to(site) for p in site.rglob("*") if "__pycache__" not in p.parts) == \
        [p for p in before if "__pycache__" not in p.parts]
