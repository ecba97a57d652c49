"""The lesson manifest names every notebook, exercise module, check module and widget builder, and nothing else."""
import importlib
import pkgutil

import pytest

from attention_lib import _paths, checks, widgets
from attention_lib.course import lessons
from attention_lib.course.cli import lesson_table

LESSONS = lessons.LESSONS
READY = lessons.ready()


def _stems(folder):
    return {p.stem for p in folder.glob("*.ipynb")}


def test_lessons_are_numbered_00_to_08_in_order_with_unique_slugs():
    assert [lesson.number for lesson in LESSONS] == [f"{i:02d}" for i in range(len(LESSONS))]
    assert len({lesson.slug for lesson in LESSONS}) == len(LESSONS)
    assert [lesson.slug for lesson in READY] == [lesson.slug for lesson in LESSONS[: len(READY)]], "ready lessons come first"


@pytest.mark.parametrize("folder", ["notebooks", "solutions", "exercises"])
def test_every_notebook_is_a_ready_lesson_and_every_ready_lesson_has_its_notebook(folder):
    assert _stems(_paths.ROOT / folder) == {lesson.slug for lesson in READY}


def test_every_exercise_module_belongs_to_a_ready_lesson_and_the_other_way_round():
    found = {m.name for m in pkgutil.iter_modules(importlib.import_module("attention_lib.exercises").__path__)}
    assert found == {lesson.exercises for lesson in READY}


def test_every_check_module_is_named_by_a_lesson_and_every_named_one_exists():
    on_disk = {m.name for m in pkgutil.iter_modules(checks.__path__) if not m.name.startswith("_")} - {"catalogue"}
    named = {c for lesson in LESSONS for c in lesson.checks}
    assert named == on_disk
    assert {m.__name__.rsplit(".", 1)[-1] for m in checks.MODULES} == on_disk


def test_each_lessons_questions_are_graded_by_that_lessons_check_modules():
    for lesson in READY:
        module = importlib.import_module(f"attention_lib.exercises.{lesson.exercises}")
        allowed = {ex.id for name in lesson.checks for ex in importlib.import_module(f"attention_lib.checks.{name}").EXERCISES}
        ids = [q.exercise_id for q in module.QUESTIONS]
        assert set(ids) <= allowed, f"{lesson.slug}: {sorted(set(ids) - allowed)} come from check modules it does not list"
        assert [q.notebook for q in module.QUESTIONS] == [lesson.slug] * len(ids)


def test_every_widget_builder_is_shown_by_exactly_one_lesson_and_exists():
    named = [w for lesson in LESSONS for w in lesson.widgets]
    assert len(named) == len(set(named)), "a widget is listed by two lessons"
    modules = [importlib.import_module(f"attention_lib.widgets.{m.name}")
               for m in pkgutil.iter_modules(widgets.__path__) if not m.name.startswith("_") and m.name != "controls"]
    builders = {name for module in modules for name in module.__all__}
    assert set(named) == builders
    assert all(callable(getattr(widgets, name)) for name in builders)


def test_every_library_module_a_lesson_names_exists():
    for lesson in LESSONS:
        for module in lesson.library:
            assert (_paths.PACKAGE / f"{module}.py").is_file(), f"{lesson.slug} names attention_lib/{module}.py"


def test_the_readme_lesson_table_is_the_manifests():
    readme = (_paths.ROOT / "README.md").read_text(encoding="utf-8")
    assert lesson_table() in readme, "regenerate it with `python -m attention_lib.course lesson-table`"
