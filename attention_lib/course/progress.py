"""The class report: run every learner's exercise notebook and table what the checks found.

    python -m attention_lib.course progress SUBMISSIONS/ [--jobs N] [--timeout S] [--json] [--csv FILE]
                                             [--chart FILE.png] [--reteach FILE.md]

SUBMISSIONS holds a folder per learner (the folder's name is the learner), each with exercise
notebooks named after their lesson (``02_softmax_temperature.ipynb``). The report has a row per
learner and question (correct, incorrect with the misconception, not attempted, or not checked
and why), the problems of each run, and the class's most common misconceptions.

This report is formative: it runs learners' code on this machine, as you. Graded use belongs in
a container or on the hub.

How a run is kept apart (see :mod:`.runner` and :mod:`.submissions`):

- each notebook runs in a fresh copy of its folder, made from the bytes read before any run,
  with a scrubbed environment, in its own session; when it ends or times out, every process
  it started is killed;
- its checks are logged to a file outside that copy, read only after all its processes are
  gone; a record counts only for a question of that notebook's lesson, and the learner is
  always the folder's, never the record's own field;
- after each run the submission folders are compared with what was read at the start, and
  anything a run changed there is put back (and reported);
- with ``--jobs N`` several runs overlap in time; a hostile notebook could then reach another
  run's processes, as the same user can. Run one job at a time if that matters, or use a container.
"""
from __future__ import annotations

import argparse
import collections
import concurrent.futures
import csv
import importlib
import json
import re
import sys
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from ..checks import catalogue
from ..exercises import RECORD_ENV
from ..text import table
from . import lessons
from .passes import source
from .runner import RunResult, run_isolated
from .submissions import NothingToReport, Originals, Submission

FORMATIVE = ("Formative report: it runs each learner's code on this machine, as you. "
             "For grades, run it in a container or on the hub.")
CHECKED = ("correct", "incorrect", "not_attempted")
CODE = re.compile(r"[A-Za-z0-9_.\-]{1,80}")
MAX_NOTES = 5  # malformed records reported one by one per notebook; the rest are counted


@dataclass
class Row:
    """One learner × question: ``status`` is correct, incorrect, not_attempted or not_checked (``note`` says why)."""

    learner: str
    lesson: str
    question: str
    exercise: str
    status: str
    code: str | None = None
    note: str = ""


@dataclass
class Problem:
    """Something that went wrong with one notebook (its run, its file, its check log)."""

    learner: str
    lesson: str
    message: str


@dataclass
class ClassReport:
    rows: list[Row]
    problems: list[Problem]
    runs: list[dict]


# ---------------------------------------------------------------- reading one run's check log


def read_records(raw: bytes, questions: dict[str, str]) -> tuple[dict[str, dict], list[str]]:
    """The last usable record of each question, and a sentence for each line that was not usable.

    ``questions`` maps this lesson's question labels to their exercise ids. A record for any
    other question, with an unknown status or a malformed misconception code, is not used.
    """
    latest, notes = {}, []
    for number, line in enumerate(raw.decode("utf-8", errors="replace").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            notes.append(f"check record {number} is not JSON: ignored")
            continue
        problem = _record_problem(record, questions)
        if problem:
            notes.append(f"check record {number} {problem}: ignored")
        else:
            latest[record["question"]] = record  # the last check of a question counts (a learner may re-run)
    if len(notes) > MAX_NOTES:
        notes[MAX_NOTES:] = [f"... and {len(notes) - MAX_NOTES} more unusable check records"]
    return latest, notes


def _record_problem(record, questions: dict[str, str]) -> str | None:
    if not isinstance(record, dict):
        return "is not a JSON object"
    question = record.get("question")
    if question not in questions:
        return f"is for {_printable(str(question))!r}, which is not a question of this lesson"
    if record.get("exercise", questions[question]) != questions[question]:
        return f"names another exercise than {question}'s"
    if record.get("status") not in CHECKED:
        return f"has an unknown status {_printable(str(record.get('status')))!r}"
    code = record.get("code")
    if code is not None and not (isinstance(code, str) and CODE.fullmatch(code)):
        return "has a malformed misconception code"
    return None


# ---------------------------------------------------------------- one notebook -> rows


def lesson_questions(slug: str) -> dict[str, str] | None:
    """``{label: exercise id}`` of a lesson's questions in order, or None if it has no exercises."""
    try:
        lesson = lessons.by_slug(slug)
    except KeyError:
        return None
    if lesson.exercises is None:
        return None
    module = importlib.import_module(f"attention_lib.exercises.{lesson.exercises}")
    return {q.label: q.exercise_id for q in module.QUESTIONS}


def grade(learner: str, lesson: str, questions: dict[str, str], cells: list, result: RunResult):
    """Rows and problems for one run: every question of the lesson gets a row, checked or not."""
    latest, notes = read_records(result.records, questions)
    problems = [Problem(learner, lesson, note) for note in notes]
    if result.records_truncated:
        problems.append(Problem(learner, lesson, "the check log was too long; only its start was read"))
    if result.status != "ok":
        where = f" in cell {result.cell + 1}" if result.cell is not None else ""
        problems.append(Problem(learner, lesson, f"{_printable(result.message) or result.status}{where}"))
    rows = []
    for label, exercise in questions.items():
        record = latest.get(label)
        if record:
            rows.append(Row(learner, lesson, label, exercise, record["status"], record.get("code")))
        else:
            rows.append(Row(learner, lesson, label, exercise, "not_checked", note=_why_unchecked(label, cells, result)))
    return rows, problems


def _why_unchecked(label: str, cells: list, result: RunResult) -> str:
    at = next((i for i, c in enumerate(cells) if c.get("cell_type") == "code" and f"{label}.check(" in str(source(c))),
              None)
    if at is None:
        return f"no cell calls {label}.check (deleted?)"
    raised = dict(result.errors).get(at)
    if raised:
        return f"its check cell ({at + 1}) raised {_printable(raised)}"
    if result.status in ("timeout", "dead_kernel") and (result.cell is None or at >= result.cell):
        return "not reached: " + ("timed out" if result.status == "timeout" else "the kernel died")
    if result.status == "failed":
        return "the notebook did not run"
    return f"its check cell ({at + 1}) ran but logged no check"


def unrunnable(learner: str, lesson: str, questions: dict[str, str] | None, why: str):
    """Rows and a problem for a notebook that was not run at all."""
    rows = [Row(learner, lesson, label, exercise, "not_checked", note=why)
            for label, exercise in (questions or {}).items()]
    return rows, [Problem(learner, lesson, why)]


def _printable(text: str, limit: int = 200) -> str:
    """Text from a learner's run, safe to print to a terminal: no control characters, bounded length."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)[:limit]


# ---------------------------------------------------------------- the whole class


def collect(paths, timeout: float = 120, jobs: int = 1) -> ClassReport:
    """Run every notebook under ``paths`` (``jobs`` at a time) and grade it; see the module docstring."""
    originals, submissions = Originals.take(paths)
    rows, problems, runs, lock, running = [], [], [], threading.Lock(), set()

    def run(submission: Submission, questions: dict[str, str], cells: list):
        learner, lesson = _printable(submission.learner), submission.path.stem
        files = originals.files_for(submission, submissions)
        with lock:
            running.add(f"{learner}/{lesson}")
        try:
            result = run_isolated(files, submission.path.name, timeout=timeout, record_env=RECORD_ENV)
        except OSError as exc:  # e.g. no space left for the copy: this notebook fails, the report goes on
            result = RunResult("failed", f"could not run it: {exc}")
        graded_rows, graded_problems = grade(learner, lesson, questions, cells, result)
        with lock:
            running.discard(f"{learner}/{lesson}")
            graded_problems += _tampering(originals.put_back(), learner, lesson, running)
            rows.extend(graded_rows)
            problems.extend(graded_problems)
            runs.append({"learner": learner, "lesson": lesson, "status": result.status,
                         "seconds": round(result.seconds, 2), "stray_processes": result.strays})

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = []
        for submission in submissions:
            ready, early = _prepare(submission, originals)
            if ready:
                futures.append(pool.submit(run, submission, *ready))
            else:
                with lock:
                    rows.extend(early[0])
                    problems.extend(early[1])
        for future in futures:
            future.result()
    order = _order_key()
    rows.sort(key=lambda r: (r.learner, *order(r.lesson, r.question)))
    problems.sort(key=lambda p: (p.learner, *order(p.lesson, "")))
    runs.sort(key=lambda r: (r["learner"], *order(r["lesson"], "")))
    return ClassReport(rows, problems, runs)


def _prepare(submission: Submission, originals: Originals):
    """``((questions, cells), None)`` for a notebook to run, or ``(None, (rows, problems))`` for one that cannot."""
    learner, lesson = _printable(submission.learner), submission.path.stem
    questions = lesson_questions(lesson)
    if questions is None:
        known = ", ".join(lesson.slug for lesson in lessons.ready())
        return None, unrunnable(learner, _printable(lesson), None,
                                f"not a lesson with exercises (name the notebook after one of: {known})")
    try:
        nb = json.loads(originals.data(submission.path).decode("utf-8"))
        cells = nb["cells"]
        if not isinstance(cells, list):
            raise TypeError("cells is not a list")
    except (ValueError, KeyError, TypeError) as exc:
        why = f"not a valid notebook ({_printable(str(exc), 120)})"
        return None, unrunnable(learner, lesson, questions, why)
    return (questions, [c for c in cells if isinstance(c, dict)]), None


def _tampering(changes: list[str], learner: str, lesson: str, running: set[str]) -> list[Problem]:
    also = f" (also running: {', '.join(sorted(running))})" if running else ""
    return [Problem(learner, lesson, f"while it ran, something {_printable(c, 400)}{also}") for c in changes]


def _order_key():
    """Sort by lesson order in the manifest, then by question order within the lesson."""
    positions = {}

    def key(lesson: str, question: str):
        if lesson not in positions:
            positions[lesson] = list(lesson_questions(lesson) or ())
        labels = positions[lesson]
        return lessons.lesson_order(lesson), lesson, labels.index(question) if question in labels else -1

    return key


# ---------------------------------------------------------------- output


def title(code: str) -> str:
    """The misconception's title from the catalogue, or the code itself if the catalogue does not know it."""
    try:
        return catalogue.title(code)
    except KeyError:
        return code


def report(result: ClassReport) -> str:
    """The text report: a table, the problems, totals and the most common misconceptions."""
    header = ["learner", "lesson", "question", "exercise", "status", "misconception", "note"]
    cells = [[r.learner, r.lesson, r.question, r.exercise, r.status, r.code or "", r.note] for r in result.rows]
    out = [FORMATIVE, ""]
    out.append(table(header, cells, align="left", rule=True) if cells else "(no questions)")
    if result.problems:
        out += ["", f"problems ({len(result.problems)}):"]
        out += [f"  {p.learner} {p.lesson}: {p.message}" for p in result.problems]
    statuses = collections.Counter(r.status for r in result.rows)
    out += ["", "totals: " + ", ".join(f"{statuses[s]} {s}" for s in (*CHECKED, "not_checked") if statuses[s])]
    learners = {r.learner for r in result.rows}
    if len(learners) > 1:
        common = collections.Counter((r.code, r.exercise) for r in result.rows if r.status == "incorrect" and r.code)
        out.append(f"\nmost common misconceptions ({len(learners)} learners):")
        out += [f"  {n:3d} × {code}: {title(code)}  ({exercise})" for (code, exercise), n in common.most_common(10)]
        if not common:
            out.append("  none")
    return "\n".join(out)


def to_json(result: ClassReport) -> str:
    return json.dumps({"formative": FORMATIVE, "rows": [asdict(r) for r in result.rows],
                       "problems": [asdict(p) for p in result.problems], "runs": result.runs}, indent=1)


def write_csv(result: ClassReport, path: Path) -> None:
    """One row per learner × question, for a gradebook (cells a spreadsheet would run as formulas are quoted)."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["learner", "lesson", "question", "exercise", "status", "misconception", "title", "note"])
        for r in result.rows:
            values = [r.learner, r.lesson, r.question, r.exercise, r.status, r.code or "",
                      title(r.code) if r.code else "", r.note]
            out.writerow(["'" + v if v[:1] in ("=", "+", "-", "@") else v for v in values])


def misconception_counts(result: ClassReport) -> list[tuple[str, int, list[str]]]:
    """``(code, learners, exercises)`` for each misconception seen, most widespread first.

    A learner counts once per code, however many questions showed it.
    """
    learners, exercises = collections.defaultdict(set), collections.defaultdict(set)
    for r in result.rows:
        if r.status == "incorrect" and r.code:
            learners[r.code].add(r.learner)
            exercises[r.code].add(r.exercise)
    ranked = sorted(learners, key=lambda code: (-len(learners[code]), code))
    return [(code, len(learners[code]), sorted(exercises[code])) for code in ranked]


def write_chart(result: ClassReport, path: Path, most: int = 10) -> None:
    """A bar chart of the class's most common misconceptions (learners per misconception), as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from ..widgets._style import ACCENT, FONT_PX

    counts = misconception_counts(result)[:most]
    n_learners = len({r.learner for r in result.rows})
    size = FONT_PX * 72 / 96                                    # the widgets' font size, in points
    fig = Figure(figsize=(9, 1.2 + 0.45 * max(len(counts), 1)), dpi=150)
    ax = fig.subplots()
    labels = [f"{title(code)}  ({code})" for code, _, _ in counts][::-1]
    ax.barh(range(len(counts)), [n for _, n, _ in counts][::-1], color=ACCENT["data"])
    ax.set_yticks(range(len(counts)), labels, fontsize=size)
    ax.set_xlabel(f"learners (of {n_learners}) whose answers showed it", fontsize=size)
    ax.set_title("Most common misconceptions in this class" if counts else "No misconception seen",
                 fontsize=size + 1)
    ax.xaxis.get_major_locator().set_params(integer=True)
    fig.tight_layout()
    fig.savefig(path)


def reteach(result: ClassReport, most: int = 5) -> str:
    """A one-page Markdown summary for the next session: what to re-teach first, and where."""
    rows = result.rows
    n = len({r.learner for r in rows})
    lines = ["# What to re-teach next session", "", FORMATIVE, "",
             f"{n} learner(s), {len(rows)} question rows, {len(result.problems)} problem(s) with the runs.", ""]
    counts = misconception_counts(result)[:most]
    lines.append("## Misconceptions, most widespread first")
    lines.append("")
    if not counts:
        lines.append("No misconception was seen.")
    for code, learners, exercises in counts:
        where = ", ".join(f"`{e}`" for e in exercises)
        lines.append(f"- **{title(code)}** (`{code}`): {learners} of {n} learners, in {where}. "
                     f"What they read: {catalogue.entry(code).message if code in catalogue.CATALOGUE else ''}")
    lines += ["", "## Questions to revisit", "",
              "| lesson | question | exercise | correct | incorrect | not attempted |", "|---|---|---|---|---|---|"]
    by_question = collections.defaultdict(collections.Counter)
    for r in rows:
        by_question[(r.lesson, r.question, r.exercise)][r.status] += 1
    key = _order_key()
    hardest = sorted(by_question.items(), key=lambda item: (-(item[1]["incorrect"] + item[1]["not_attempted"]),
                                                            key(item[0][0], item[0][1])))
    for (lesson, question, exercise), c in hardest[:8]:
        counts_row = f"{c['correct']} | {c['incorrect']} | {c['not_attempted']}"
        lines.append(f"| {lesson} | {question} | `{exercise}` | {counts_row} |")
    lines += ["", "Each misconception's message is what the check told the learner; the lesson that teaches the idea "
              "is the one the question belongs to (`notebooks/<lesson>.ipynb`)."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m attention_lib.course progress",
                                     description=__doc__.split("\n\n")[0], epilog=FORMATIVE)
    parser.add_argument("paths", nargs="+", help="folders of learners' folders, or notebooks")
    parser.add_argument("--timeout", type=float, default=120.0,
                        help="seconds each notebook's cells may run (default 120; starting the kernel is extra)")
    parser.add_argument("--jobs", type=int, default=1, help="notebooks run at the same time (default 1)")
    parser.add_argument("--json", action="store_true", help="print rows, problems and runs as JSON")
    parser.add_argument("--csv", type=Path, metavar="FILE", help="also write one row per learner × question")
    parser.add_argument("--chart", type=Path, metavar="FILE.png", help="also draw the common misconceptions as a PNG")
    parser.add_argument("--reteach", type=Path, metavar="FILE.md",
                        help="also write a one-page 'what to re-teach next session' summary")
    args = parser.parse_args(argv)
    if args.jobs < 1 or args.timeout <= 0:
        parser.error("--jobs must be at least 1 and --timeout positive")
    try:
        result = collect(args.paths, args.timeout, args.jobs)
    except NothingToReport as exc:
        print(f"error: progress: {exc}", file=sys.stderr)
        return 2
    if args.csv:
        write_csv(result, args.csv)
    if args.chart:
        write_chart(result, args.chart)
    if args.reteach:
        args.reteach.write_text(reteach(result), encoding="utf-8")
    print(to_json(result) if args.json else report(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
