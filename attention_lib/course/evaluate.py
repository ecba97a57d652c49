"""Inside the grading sandbox: take a notebook's answers from its cells and run them on the grading probes.

Run by :mod:`.grading` as ``python -m attention_lib.course.evaluate JOB CELLS FOLDER`` in a sandbox
of its own that has numpy and the course's maths, but not its checks (neither the references nor
the known wrong answers) nor the instructor's salt: only the grading probes' values, in ``JOB``.

1. The probes are read first, before any of the learner's code runs.
2. The notebook's code cells (``CELLS``) run in order, as far as the notebook ran, but only what
   defines things: imports, ``def`` and ``class``, and assignments. Loops, calls and prints at the top
   level do not run; magics (``%``, ``!``) are dropped. Each statement has :data:`STATEMENT_SECONDS`.
3. Where a cell calls ``exNN.qK.check(answer)``, ``answer`` is evaluated right there: that object is
   the learner's answer to that question (the last such call counts, as when a learner re-runs it).
4. Each answer runs on every grading probe in a child process of its own, with
   :data:`QUESTION_SECONDS` and the same memory limit as the in-notebook check; the child also reads
   the answer's code (which library functions it names) and watches the calls to the forbidden ones.
5. Everything goes out on stdout as plain arrays (:mod:`.plain`), one record per question.

The learner's code shares this process after step 2, so nothing here is trusted: the instructor's
process compares what comes out with the reference, on probes the learner never saw.
"""
from __future__ import annotations

import ast
import builtins
import importlib
import json
import os
import select
import signal
import sys
import time
from pathlib import Path

import numpy as np

from ..checks import _sandbox
from . import plain

STATEMENT_SECONDS = 5.0       # one top-level statement of the notebook
DEFINITIONS_SECONDS = 30.0    # all of them
QUESTION_SECONDS = 10.0       # one answer on every grading probe (the notebook's check has 3 s; this machine is busy)
CHILD_BYTES = 32 << 20        # what one question's child may send
KEPT = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign,
        ast.AugAssign)


class _Late(BaseException):
    """A statement ran past its time (BaseException: ``except Exception`` in a cell does not swallow it)."""


def main(argv=None) -> int:
    job_dir, cells_file, folder = map(Path, (argv or sys.argv[1:])[:3])
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)                                    # what the learner's code prints goes to stderr, not out
    job = json.loads((job_dir / "probes.json").read_text(encoding="utf-8"))
    arrays = plain.load_arrays(job_dir / "arrays.npz")
    questions = [dict(q, probes=[_sandbox_probe(p, arrays) for p in q["probes"]]) for q in job["questions"]]
    forbidden = {q["label"]: tuple(_library(m, n) for m, n in q["forbidden"]) for q in questions}
    notebook = json.loads(cells_file.read_text(encoding="utf-8"))
    os.chdir(folder)
    sys.path.insert(0, str(folder))                  # as in the kernel: the notebook's own modules import
    answers, notes = _definitions(notebook["cells"], {q["label"] for q in questions})
    plain.write_record(out, ("notes", notes[:50]))
    out.flush()
    for i, question in enumerate(questions):
        record = _grade(i, question, answers.get(question["label"]), forbidden[question["label"]])
        plain.write_record(out, record)
        out.flush()
    os._exit(0)


class _Probe:
    """A grading probe as the sandbox's child needs it: ``args`` and ``kwargs``."""

    def __init__(self, args, kwargs):
        self.args, self.kwargs = args, kwargs


def _sandbox_probe(data, arrays) -> _Probe:
    return _Probe(tuple(plain.decode_input(data["args"], arrays)), plain.decode_input(data["kwargs"], arrays))


def _library(module: str, name: str):
    found = importlib.import_module(module)
    for part in name.split("."):
        found = getattr(found, part)
    return found


# ---------------------------------------------------------------------- the notebook's definitions


def _definitions(cells, labels: set[str]) -> tuple[dict, list[str]]:
    """Run the cells' definitions; return ``{question label: ("answer", obj) or ("error", why)}`` and notes."""
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    answers, notes = {}, []
    deadline = time.monotonic() + DEFINITIONS_SECONDS
    for index, text in cells:
        try:
            tree = ast.parse(_without_magics(text))
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            notes.append(f"cell {index + 1} is not valid Python ({type(exc).__name__}"
                         f"{f', line {exc.lineno}' if getattr(exc, 'lineno', None) else ''}): none of it ran")
            continue
        for statement in tree.body:
            if time.monotonic() > deadline:
                notes.append(f"the notebook's definitions took longer than {DEFINITIONS_SECONDS:.0f} s: "
                             f"cell {index + 1} and later were not run")
                return answers, notes
            label, argument = _check_call(statement, labels)
            try:
                if label is not None:
                    answers[label] = ("answer", _timed(lambda a=argument: eval(_compiled(a, "eval"), namespace)))
                elif isinstance(statement, KEPT):
                    _timed(lambda s=statement: exec(_compiled(s, "exec"), namespace))
            except _Late:
                _said(notes, label, answers, index, f"ran longer than {STATEMENT_SECONDS:.0f} s")
            except BaseException as exc:   # noqa: BLE001 - a learner's error is a note, never the end of grading
                if not _expected(exc):
                    _said(notes, label, answers, index, f"raised {type(exc).__name__}: {_message(exc)}")
    return answers, notes


def _said(notes: list, label, answers: dict, index: int, what: str) -> None:
    if label is not None:
        answers[label] = ("error", f"the answer passed to {label}.check in cell {index + 1} {what}")
    else:
        notes.append(f"a statement in cell {index + 1} {what}")


def _expected(exc: BaseException) -> bool:
    """The exercises' own module is not here (nor needed): importing it is not the learner's mistake."""
    return isinstance(exc, ImportError) and "attention_lib.exercises" in str(exc) or \
        isinstance(exc, ModuleNotFoundError) and (exc.name or "").startswith("attention_lib.exercises")


def _message(exc: BaseException) -> str:
    try:
        return str(exc).splitlines()[0][:150] if str(exc) else ""
    except Exception:                 # noqa: BLE001 - an exception whose own __str__ fails
        return ""


def _without_magics(text: str) -> str:
    """The cell without IPython's magics and shell escapes (a cell magic drops the whole cell)."""
    if text.lstrip().startswith("%%"):
        return ""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in text.splitlines())


def _check_call(statement, labels: set[str]):
    """``(label, argument)`` if ``statement`` is ``exNN.qK.check(argument)`` (or assigns its result)."""
    call = statement.value if isinstance(statement, (ast.Expr, ast.Assign)) else None
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "check"
            and len(call.args) == 1 and not call.keywords):
        return None, None
    question = call.func.value
    if isinstance(question, ast.Attribute):
        owner = question.value
        name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else None
        label = f"{name}.{question.attr}"
        if label in labels:
            return label, call.args[0]
    return None, None


def _compiled(node, mode: str):
    wrapped = ast.Expression(node) if mode == "eval" else ast.Module([node], type_ignores=[])
    return compile(ast.fix_missing_locations(wrapped), "<notebook>", mode)


def _timed(action):
    def late(signum, frame):
        raise _Late()

    previous = signal.signal(signal.SIGALRM, late)
    signal.setitimer(signal.ITIMER_REAL, STATEMENT_SECONDS)
    try:
        return action()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# ---------------------------------------------------------------------- one answer on the grading probes


def _grade(index: int, question: dict, found, forbidden: tuple):
    """One record: ``("answer", index, kind, names, library_call, outcomes, stopped, stopped_at, detail, value)``."""
    empty = frozenset()
    if found is None:
        return ("answer", index, "missing", [], None, [], None, None, "", None)
    kind, answer = found
    if kind == "error":
        return ("answer", index, "unevaluable", [], None, [], None, None, answer, None)
    if answer is None or answer is Ellipsis:
        return ("answer", index, "none", [], None, [], None, None, "", None)
    if not callable(answer):
        run, _ = _in_child(lambda: answer, [_Probe((), {})], (), QUESTION_SECONDS)
        value = run["outcomes"][0][0] if run["outcomes"] else None
        return ("answer", index, "not_function", [], None, [], None, None, "", value)
    run, names = _in_child(answer, question["probes"], forbidden, QUESTION_SECONDS)
    return ("answer", index, "function", sorted(names or empty), run["library_call"], run["outcomes"],
            run["stopped"], run["stopped_at"], run["detail"], None)


def _in_child(fn, probes, forbidden, seconds):
    """Run ``fn`` on ``probes`` in a child process, as the notebook's check does; return what it sent."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read_fd)
            os.setpgid(0, 0)
            _child(fn, probes, forbidden, os.fdopen(write_fd, "wb"))
        finally:
            os._exit(0)
    os.close(write_fd)
    data, late = _read(read_fd, seconds)
    for kill in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            kill()
        except (ProcessLookupError, PermissionError):
            pass
    _, status = os.waitpid(pid, 0)
    run = {"outcomes": [], "library_call": None, "stopped": None, "stopped_at": None, "detail": ""}
    names, probe, done = frozenset(), 0, False
    try:
        records = plain.read_records(data)
    except plain.Unreadable:
        records = []
    for record in records:
        if record[0] == "read":
            run["library_call"], names = record[1], frozenset(record[2])
        elif record[0] == "probe":
            probe = record[1]
        elif record[0] == "outcome":
            run["outcomes"].append(record[1])
        elif record[0] == "done":
            run["library_call"] = run["library_call"] or record[1]
            done = True
    if not done:
        run["stopped"], run["stopped_at"] = ("timeout" if late else "crashed"), probe
        run["detail"] = "" if late else _sandbox.how_it_ended(status)
    return run, names


def _child(fn, probes, forbidden, out) -> None:
    _sandbox._limit_memory()
    quiet = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(quiet, fd)
    sys.stdout = sys.stderr = open(os.devnull, "w")
    for message in _sandbox.messages(fn, probes, forbidden):
        if message[0] == "outcome":
            o = message[2]
            message = ("outcome", (o.value, o.error, o.error_type, o.line, o.mutated, tuple(map(str, o.state))))
        plain.write_record(out, message)
        out.flush()


def _read(fd: int, seconds: float) -> tuple[bytes, bool]:
    """What the child sends, up to :data:`CHILD_BYTES`, until it ends or ``seconds`` pass; and whether time ran out."""
    deadline, chunks, total = time.monotonic() + seconds, [], 0
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return b"".join(chunks), True
            chunk = os.read(fd, 1 << 16)
            if not chunk or total + len(chunk) > CHILD_BYTES:
                return b"".join(chunks), False
            chunks.append(chunk)
            total += len(chunk)
    finally:
        os.close(fd)


if __name__ == "__main__":
    np.seterr(all="ignore")
    raise SystemExit(main())
