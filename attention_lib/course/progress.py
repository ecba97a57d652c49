"""The class report: run every learner's exercise notebook, grade every answer again, and table the verdicts.

    python -m attention_lib.course progress SUBMISSIONS/ [--jobs N] [--timeout S] [--json] [--csv FILE]
                                             [--chart FILE.png] [--reteach FILE.md] [--salt-file FILE]
                                             [--no-sandbox]

SUBMISSIONS holds a folder per learner (the folder's name is the learner; see :mod:`.submissions`
for the exact rule), each with exercise notebooks named after their lesson
(``02_softmax_temperature.ipynb``). The report has a row per learner and question (correct,
incorrect with the misconception, not attempted, or not checked and why), the problems of each
notebook, and the class's most common misconceptions.

How a row is decided (see :mod:`.sandbox`, :mod:`.runner`, :mod:`.grading`):

1. Every learner's folder is read once, safely (no links followed, sizes limited, JSON nesting
   limited), and copied into the report's own folder; learner names come only from the folders
   you named.
2. Each notebook runs (Restart & Run All) in a sandbox of its own: its own processes, a read-only
   view of the system, private temporary folders, no network, limits on memory, processes and time.
   This says whether the notebook runs to its end, and where it stopped if not.
3. Each answer is taken from the notebook's own cells and run again, in a fresh sandbox without the
   checks, on grading probes drawn under a salt only this process holds. Only plain arrays come
   back; the comparison and the diagnosis happen here. Nothing a learner's code wrote (a log, an
   output, a file) decides a row.

A notebook that runs past its time gets no verdict ("not checked: timed out"), though its answers
graded on their own are named in the note. Where the kernel dies, the questions whose check cell
came before are graded, and the others are "not reached".
"""
from __future__ import annotations

import argparse
import collections
import concurrent.futures
import csv
import importlib
import json
import queue
import sys
import tempfile
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..checks import catalogue
from ..text import table
from . import lessons, sandbox, submissions
from .grading import Grader, Verdict, new_salt
from .runner import RunResult, run_notebook

TRUST = ("Every answer was graded again by this report: taken from the notebook's own cells and run, in a "
         "sandbox, on probes its learner never saw. Nothing the learner's code wrote decided a row.")
CHECKED = ("correct", "incorrect", "not_attempted")


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
    """Something that went wrong with one learner's notebook or folder."""

    learner: str
    lesson: str
    message: str


@dataclass
class ClassReport:
    rows: list[Row]
    problems: list[Problem]
    runs: list[dict]
    sandbox: str = ""
    notes: list[str] = field(default_factory=list)


def lesson_questions(slug: str):
    """The lesson's questions (``Question`` objects, in order), or None if it has no exercises."""
    try:
        lesson = lessons.by_slug(slug)
    except KeyError:
        return None
    if lesson.exercises is None:
        return None
    return list(importlib.import_module(f"attention_lib.exercises.{lesson.exercises}").QUESTIONS)


def _printable(text: str, limit: int = 200) -> str:
    """Text from a learner's run, safe to print to a terminal: no control characters, bounded length."""
    return "".join(ch if ch.isprintable() else "?" for ch in str(text))[:limit]


# ---------------------------------------------------------------- one notebook -> rows


def rows_for(learner: str, lesson: str, questions, cells: list[tuple[int, str]], run: RunResult,
             verdicts: dict[str, Verdict], timeout: float) -> tuple[list[Row], list[Problem]]:
    """Every question of the lesson gets a row: its verdict, unless the run says the notebook never got there."""
    problems = []
    where = f" in cell {run.cell + 1}" if run.cell is not None else ""
    if run.status != "ok":
        problems.append(Problem(learner, lesson, f"{_printable(run.message) or run.status}{where}"))
    rows = []
    for q in questions:
        verdict, at = verdicts[q.label], _check_cell(q.label, cells)
        status, code, note = "not_checked", None, ""
        if run.status == "timeout":
            note = f"timed out: the notebook ran past {timeout:.0f} s{where}; graded on its own, {_said(verdict)}"
        elif run.status == "failed":
            note = f"the notebook did not run; graded on its own, {_said(verdict)}"
        elif run.status == "dead_kernel" and at is not None and (run.cell is None or at >= run.cell):
            note = f"not reached: the kernel died{where}"
        elif at is None and verdict.status == "not_checked":
            note = f"no cell calls {q.label}.check (deleted?)"
        else:
            status, code, note = verdict.status, verdict.code, _printable(verdict.note, 300)
        rows.append(Row(learner, lesson, q.label, q.exercise_id, status, code, note))
    return rows, problems


def _said(verdict: Verdict) -> str:
    if verdict.status == "not_checked":
        return "it could not be graded either"
    return verdict.status.replace("_", " ") + (f" ({verdict.code})" if verdict.code else "")


def _check_cell(label: str, cells: list[tuple[int, str]]) -> int | None:
    """The last code cell that calls ``label.check(`` (read as text: nothing of the learner's runs here)."""
    found = [i for i, text in cells if f"{label}.check(" in text]
    return found[-1] if found else None


def unrunnable(learner: str, lesson: str, questions, why: str) -> tuple[list[Row], list[Problem]]:
    """Rows and a problem for a notebook that was not run at all."""
    rows = [Row(learner, lesson, q.label, q.exercise_id, "not_checked", note=why) for q in questions or ()]
    return rows, [Problem(learner, lesson, why)]


# ---------------------------------------------------------------- the whole class


def collect(paths, timeout: float = 120, jobs: int = 1, *, sandboxed: bool = True,
            salt: int | None = None) -> ClassReport:
    """Run and grade every notebook under ``paths`` (``jobs`` at a time); see the module docstring.

    Raises :class:`.sandbox.Unavailable` when no sandbox can be made here and ``sandboxed`` is True.
    """
    box = sandbox.find(sandboxed)
    learners = submissions.find(paths, lambda stem: lesson_questions(stem) is not None)
    rows, problems, runs, lock = [], [], [], threading.Lock()
    slots: queue.Queue = queue.Queue()
    for slot in range(max(1, jobs)):
        slots.put(slot)
    with tempfile.TemporaryDirectory(prefix="attention-report-") as own:
        own = Path(own)
        grader, budget = Grader(box, own, new_salt() if salt is None else salt), submissions.Budget()
        staged = [submissions.stage(learner, own / "staged" / str(i), budget) for i, learner in enumerate(learners)]
        for learner in learners:
            problems += [Problem(_printable(learner.name), "", _printable(n, 400)) for n in learner.notes]
        watched = [learner.folder for learner in learners]

        def one(k: int, copy: submissions.Staged, notebook: submissions.Notebook) -> None:
            slot = slots.get()
            try:
                before = submissions.snapshot(watched)
                try:
                    graded = _grade_notebook(box, grader, copy, notebook, timeout, own / "runs" / str(k), slot)
                except Exception as exc:   # noqa: BLE001 - e.g. no space left: this notebook fails, the report goes on
                    why = f"could not be run or graded: {type(exc).__name__}: {_printable(str(exc), 200)}"
                    graded = (*unrunnable(_printable(notebook.learner), notebook.lesson,
                                          lesson_questions(notebook.lesson), why),
                              {"learner": _printable(notebook.learner), "lesson": notebook.lesson,
                               "status": "failed", "seconds": 0.0})
                changed = submissions.changes(before, submissions.snapshot(watched))
            finally:
                slots.put(slot)
            with lock:
                rows.extend(graded[0])
                problems.extend(graded[1])
                problems.extend(Problem(graded[2]["learner"], notebook.lesson,
                                        f"while it ran, something {_printable(c, 400)}") for c in changed)
                runs.append(graded[2])

        tasks = [(copy, notebook) for copy in staged for notebook in copy.learner.notebooks]
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            for future in [pool.submit(one, k, copy, notebook) for k, (copy, notebook) in enumerate(tasks)]:
                future.result()
    order = _order_key()
    rows.sort(key=lambda r: (r.learner, *order(r.lesson, r.question)))
    problems.sort(key=lambda p: (p.learner, *order(p.lesson, "")))
    runs.sort(key=lambda r: (r["learner"], *order(r["lesson"], "")))
    return ClassReport(rows, problems, runs, box.describe())


def _grade_notebook(box, grader: Grader, copy: submissions.Staged, notebook: submissions.Notebook, timeout: float,
                    work: Path, slot: int):
    """``(rows, problems, run summary)`` for one notebook: run it, then grade its answers."""
    learner, lesson = _printable(notebook.learner), notebook.lesson
    questions = lesson_questions(lesson)
    summary = {"learner": learner, "lesson": lesson, "status": "not_run", "seconds": 0.0}
    if lesson in copy.unreadable:
        return (*unrunnable(learner, lesson, questions, _printable(copy.unreadable[lesson], 300)), summary)
    try:
        cells = submissions.code_cells(copy.notebooks[lesson])
    except ValueError as exc:
        return (*unrunnable(learner, lesson, questions, f"not a valid notebook ({_printable(str(exc), 160)})"), summary)
    work.mkdir(parents=True)
    folder = (copy.root / notebook.relative).parent

    def grade(last_cell, where: Path, run_slot: int):
        where.mkdir()
        return grader.grade(lesson, questions, cells, folder, last_cell=last_cell, work=where, slot=run_slot)

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as side:   # grading overlaps the notebook's run
        graded = side.submit(grade, None, work / "all", 2 * slot + 1)
        run = run_notebook(box, folder, Path(notebook.relative).name, timeout=timeout, slot=2 * slot)
        verdicts, notes = graded.result()
    if run.status == "dead_kernel":          # only the cells the notebook reached count: grade those again
        verdicts, notes = grade(run.cell, work / "reached", 2 * slot)
    rows, problems = rows_for(learner, lesson, questions, cells, run, verdicts, timeout)
    problems += [Problem(learner, lesson, f"grading: {_printable(n, 300)}") for n in notes]
    summary.update(status=run.status, seconds=round(run.seconds, 2))
    return rows, problems, summary


def _order_key():
    """Sort by lesson order in the manifest, then by question order within the lesson."""
    positions = {}

    def key(lesson: str, question: str):
        if lesson not in positions:
            positions[lesson] = [q.label for q in lesson_questions(lesson) or ()]
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
    out = [result.sandbox, TRUST, ""]
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
    return json.dumps({"sandbox": result.sandbox, "trust": TRUST, "rows": [asdict(r) for r in result.rows],
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
    lines = ["# What to re-teach next session", "", result.sandbox, TRUST, "",
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


def read_salt(path: Path) -> int:
    """The salt kept in ``path`` (made, readable by you only, if the file does not exist yet)."""
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(f"{new_salt():032x}\n", encoding="utf-8")
    return int(submissions.read_file(path, 1024).decode("ascii").strip(), 16)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m attention_lib.course progress",
                                     description=__doc__.split("\n\n")[0], epilog=TRUST)
    parser.add_argument("paths", nargs="+", help="a folder of learners' folders, learners' folders, or notebooks")
    parser.add_argument("--timeout", type=float, default=120.0,
                        help="seconds each notebook's cells may run (default 120; starting the kernel is extra)")
    parser.add_argument("--jobs", type=int, default=1, help="notebooks run at the same time (default 1)")
    parser.add_argument("--json", action="store_true", help="print rows, problems and runs as JSON")
    parser.add_argument("--csv", type=Path, metavar="FILE", help="also write one row per learner × question")
    parser.add_argument("--chart", type=Path, metavar="FILE.png", help="also draw the common misconceptions as a PNG")
    parser.add_argument("--reteach", type=Path, metavar="FILE.md",
                        help="also write a one-page 'what to re-teach next session' summary")
    parser.add_argument("--salt-file", type=Path, metavar="FILE",
                        help="keep the grading probes' secret salt in FILE (made if missing), so that a later "
                             "report grades on the same probes; by default each report draws new ones")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run learners' code as you, without a sandbox (only where none can be made; "
                             "the report says so)")
    args = parser.parse_args(argv)
    if args.jobs < 1 or args.timeout <= 0:
        parser.error("--jobs must be at least 1 and --timeout positive")
    try:
        salt = read_salt(args.salt_file) if args.salt_file else None
    except (submissions.Unreadable, ValueError, OSError) as exc:
        print(f"error: progress: {args.salt_file} does not hold a salt this report made ({exc})", file=sys.stderr)
        return 2
    try:
        result = collect(args.paths, args.timeout, args.jobs, sandboxed=not args.no_sandbox, salt=salt)
    except (submissions.NothingToReport, sandbox.Unavailable) as exc:
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
