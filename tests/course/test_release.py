"""`course release DIR` builds a learner copy with no solution in it."""
import json
import subprocess
import sys

import pytest

from attention_lib._paths import ROOT
from attention_lib.course import passes
from attention_lib.course.release import RELEASE_FILE, ReleaseError, build_release


def _solution_lines():
    """Every distinctive line between the solution markers of every solution notebook."""
    lines = set()
    for path in (ROOT / "solutions").glob("*.ipynb"):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            inside = False
            for line in passes.source(cell).splitlines():
                if line.strip() == passes.BEGIN:
                    inside = True
                elif line.strip() == passes.END:
                    inside = False
                elif inside and len(line.strip()) > 20 and not line.strip().startswith("#"):
                    lines.add(line.strip())
    return lines


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    target = tmp_path_factory.mktemp("release") / "attention-class"
    proc = subprocess.run([sys.executable, "-m", "attention_lib.course", "release", str(target),
                           "--solutions-url", "https://course.example.edu/answers", "--slug", "ada/attention-class"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return target


def test_the_release_has_no_solutions_folder_and_no_solution_anywhere(release):
    assert not (release / "solutions").exists() and not (release / "tests").exists()
    texts = {p: p.read_text(encoding="utf-8", errors="replace") for p in release.rglob("*")
             if p.is_file() and p.suffix in (".py", ".ipynb", ".md", ".json", ".js", ".toml", ".yml", "")}
    authoring = release / "attention_lib" / "course"    # the author tools name the markers they look for
    for path, text in texts.items():
        if authoring not in path.parents:
            assert passes.BEGIN not in text and passes.END not in text, path
    # The library is the reference implementation by design (a lesson derives a function, then imports it);
    # what must not ship is a model answer where a learner writes theirs: the notebooks and the docs.
    solution_lines = _solution_lines()
    assert len(solution_lines) > 20, "the test must see the solutions it looks for"
    for path, text in texts.items():
        if path.suffix in (".ipynb", ".md", ".json"):
            leaked = [line for line in solution_lines if line in text or json.dumps(line)[1:-1] in text]
            assert not leaked, f"{path.relative_to(release)} holds solution lines: {leaked[:3]}"


def test_the_release_has_the_lessons_exercises_library_and_its_own_binder_files(release):
    for folder in ("notebooks", "exercises"):
        assert sorted(p.name for p in (release / folder).glob("*.ipynb")) == \
            sorted(p.name for p in (ROOT / folder).glob("*.ipynb"))
    assert (release / "attention_lib" / "widgets" / "static" / "chart.js").is_file()
    assert (release / "binder" / "environment.yml").is_file() and (release / "binder" / "postBuild").is_file()
    assert "mybinder.org/v2/gh/ada/attention-class/main" in (release / "README.md").read_text()
    assert json.loads((release / RELEASE_FILE).read_text()) == {"solutions": "https://course.example.edu/answers"}


def test_solution_in_the_release_says_where_the_instructor_publishes_answers(release):
    code = ("from attention_lib.exercises import ex02; t = str(ex02.q1.solution()); "
            "print(t); assert 'def softmax' not in t")
    proc = subprocess.run([sys.executable, "-c", code], cwd=release, capture_output=True, text=True,
                          env={"PYTHONPATH": str(release), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    assert "https://course.example.edu/answers" in proc.stdout


def test_a_release_is_never_written_over_an_existing_folder(tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "learner-work.ipynb").write_text("{}")
    with pytest.raises(ReleaseError, match="not empty"):
        build_release(ROOT, tmp_path / "old")
    assert (tmp_path / "old" / "learner-work.ipynb").read_text() == "{}"
