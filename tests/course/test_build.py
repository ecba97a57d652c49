"""solutions/ is the single source; exercises/ is generated from it and never loses learner work."""
import json
import shutil
import subprocess
import sys

import pytest

from attention_lib._paths import ROOT
from attention_lib.course import build, passes

SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))


def _cells(path):
    return json.loads(path.read_text())["cells"]


def _src(cell):
    return "".join(cell["source"])


def test_there_is_an_exercise_for_every_solution_and_nothing_else():
    assert [p.name for p in SOLUTIONS] == sorted(p.name for p in (ROOT / "exercises").glob("*.ipynb"))
    assert len(SOLUTIONS) >= 4


def test_regenerating_gives_byte_identical_exercises(tmp_path):
    build.build_exercises(ROOT / "solutions", tmp_path, log=lambda *_: None)
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


@pytest.mark.parametrize("source,problem", [
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


def test_an_edited_exercise_is_never_overwritten(tmp_path):
    build.build_exercises(ROOT / "solutions", tmp_path, log=lambda *_: None)
    target = tmp_path / "02_softmax_temperature.ipynb"
    _edit_first_stub(target)
    before = target.read_bytes()
    with pytest.raises(build.EditedNotebookError, match="02_softmax_temperature.ipynb.*--force"):
        build.build_exercises(ROOT / "solutions", tmp_path, log=lambda *_: None)
    assert target.read_bytes() == before


def test_force_backs_up_the_learners_work_first(tmp_path):
    build.build_exercises(ROOT / "solutions", tmp_path, log=lambda *_: None)
    target = tmp_path / "02_softmax_temperature.ipynb"
    edited_source = _edit_first_stub(target)
    build.build_exercises(ROOT / "solutions", tmp_path, force=True, log=lambda *_: None)
    backups = list((tmp_path / ".backups").glob("02_softmax_temperature-*.ipynb"))
    assert len(backups) == 1
    assert edited_source in "".join(_src(c) for c in _cells(backups[0]))
    assert target.read_bytes() == (ROOT / "exercises" / target.name).read_bytes()


def test_running_an_exercise_without_editing_it_is_not_an_edit(tmp_path):
    build.build_exercises(ROOT / "solutions", tmp_path, log=lambda *_: None)
    target = tmp_path / "00_welcome.ipynb"
    nb = json.loads(target.read_text())
    for i, cell in enumerate(c for c in nb["cells"] if c["cell_type"] == "code"):
        cell["execution_count"] = i + 1
        cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "hi\n"}]
    target.write_text(json.dumps(nb))
    assert not build.was_edited(target)
    assert build.build_exercises(ROOT / "solutions", tmp_path, log=lambda *_: None) == [target]


def test_cli_refuses_with_exit_code_1_and_says_why(tmp_path):
    shutil.copytree(ROOT / "exercises", tmp_path / "ex")
    _edit_first_stub(tmp_path / "ex" / "01_similarity.ipynb")
    proc = subprocess.run([sys.executable, "-m", "attention_lib.course", "build-exercises", "--out", str(tmp_path / "ex")],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and "edited since it was generated" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "attention_lib.course", "build-exercises", "--out", str(tmp_path / "ex"), "--force"],
                          capture_output=True, text=True)
    assert proc.returncode == 0 and "backed up" in proc.stdout


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
