"""The instructor kit: its generated page matches the checks, and every name the guide uses exists."""
import importlib
import re

from attention_lib import _paths, checks, widgets
from attention_lib.checks import catalogue
from attention_lib.course import cli, lessons
from attention_lib.course.instructor import misconceptions_markdown

KIT = _paths.ROOT / "instructor"
GUIDE = (KIT / "GUIDE.md").read_text(encoding="utf-8")


def _questions():
    """Every ready lesson's questions, as ``{"ex04.q5": exercise_id}``."""
    out = {}
    for lesson in lessons.ready():
        module = importlib.import_module(f"attention_lib.exercises.{lesson.exercises}")
        out.update({q.label: q.exercise_id for q in module.QUESTIONS})
    return out


def test_the_committed_misconceptions_page_is_what_the_checks_generate():
    committed = (KIT / "misconceptions.md").read_text(encoding="utf-8")
    assert committed == misconceptions_markdown(), "run `make instructor` and commit instructor/misconceptions.md"


def test_the_page_lists_every_question_with_codes_from_the_catalogue_by_hand_and_generated():
    page = misconceptions_markdown()
    for label, exercise_id in _questions().items():
        row = next((line for line in page.splitlines() if line.startswith(f"| `{label}` |")), None)
        assert row is not None, label
        assert f"`{exercise_id}`" in row
        by_hand, generated = row.split(" | ")[3:5]
        named = re.findall(r"(?:^ |; )`([a-z0-9_]+)` ", by_hand) + re.findall(r"`([a-z0-9_]+)` \d+", generated)
        assert named, f"{label} names no misconception"
        assert all(code in catalogue.CATALOGUE for code in named), (label, named)
    # a misconception that a check names by a known wrong variant must be on its row
    for exercise_id in checks.exercise_ids():
        row = next((line for line in page.splitlines() if f"| `{exercise_id}` |" in line), None)
        for m in checks.get(exercise_id).misconceptions if row else ():
            assert f"`{m.code}`" in row, (exercise_id, m.code)


def test_every_path_the_guide_names_exists():
    paths = set(re.findall(r"`((?:notebooks|exercises|solutions)/[\w.-]+\.ipynb)`", GUIDE))
    assert len(paths) >= 18                                          # each lesson and its exercises
    assert [p for p in paths if not (_paths.ROOT / p).exists()] == []
    for lesson in lessons.ready():
        assert f"notebooks/{lesson.slug}.ipynb" in paths, f"the guide's plan leaves out {lesson.slug}"


def test_every_question_widget_and_code_the_guide_names_exists():
    questions = _questions()
    named_questions = set(re.findall(r"`(ex\d\d\.q\d+)`", GUIDE))
    assert named_questions and named_questions - set(questions) == set()
    names = set(re.findall(r"`([a-z][a-z0-9_]+)`", GUIDE))
    known = set(catalogue.CATALOGUE) | set(widgets.__all__) | set(questions.values())
    unknown = {n for n in names if n not in known and not n.startswith("ex")}
    pytorch = {"attn_mask", "key_padding_mask", "scaled_dot_product_attention"}                       # PyTorch's argument names, quoted as such
    assert unknown - {"misconceptions", "slides", "progress", "release", "html"} - pytorch == set(), unknown
    # the commands the guide shows are real subcommands of the course CLI
    for command in set(re.findall(r"python -m attention_lib\.course ([a-z-]+)", GUIDE)):
        assert _exit_code([command, "--help"]) == 0, command
    assert _exit_code(["no-such-command"]) == 2                       # the probe can fail


def _exit_code(argv) -> int:
    import contextlib
    import io
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            return cli.main(argv)
        except SystemExit as stop:
            return stop.code


def test_the_guide_plans_four_sessions_that_fit_ninety_minutes():
    sessions = re.split(r"^## Session \d", GUIDE, flags=re.M)[1:]
    assert len(sessions) == 4
    for text in sessions:
        ends = re.findall(r"^\| \d:\d\d–(\d):(\d\d) \|", text, flags=re.M)
        assert ends and max(int(h) * 60 + int(m) for h, m in ends) == 90
        assert text.count("**Pause:**") >= 3
