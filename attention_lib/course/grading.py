"""Grade a learner's answers where the learner cannot reach: hidden probes, a sandbox, and judgement here.

For each lesson, the instructor's process loads every check module again under a salt only it
holds (:func:`attention_lib.checks._engine.load_salted`): the *grading probes* have the shapes and
purposes of the probes learners see, and new values. It writes their values (never the salt, never
the references) into the report's own folder. For each notebook, a fresh sandbox
(:mod:`.evaluate`) takes the answers from the notebook's own cells and runs them on the public probes
and then on the grading probes; only plain arrays come back (:mod:`.plain`). The comparison with the
reference, and the diagnosis, happen here, with :func:`attention_lib.checks._engine.judge`, exactly
as in the notebook's own check: first on the public probes (so the report is never kinder than the
check the learner ran), then, if those pass, on the grading probes (so memorising the public
probes' answers does not pass).
"""
from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from .. import _paths, checks
from ..checks import _engine, _sandbox
from . import evaluate, plain, sandbox
from .runner import kernel_env

JOB, CELLS, SOURCE = "/job", "/cells.json", "/submission"
OUT_BYTES = 64 << 20           # what one grading sandbox may send back


@dataclass
class Verdict:
    """One question's grade: ``status`` is correct, incorrect, not_attempted, or not_checked (``note`` says why)."""

    status: str
    code: str | None = None
    note: str = ""


def new_salt() -> int:
    """A fresh 128-bit salt: the grading probes of one report."""
    return secrets.randbits(128)


class Grader:
    """Grades notebooks for one report; ``folder`` is the report's own (private) folder."""

    def __init__(self, box: sandbox.Sandbox, folder: Path, salt: int):
        self.box, self.folder, self.salt = box, folder, salt
        self._exercises: dict[str, _engine.Exercise] | None = None
        self._jobs: dict[str, Path] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ the grading probes (once per report)

    def exercise(self, exercise_id: str) -> _engine.Exercise:
        """The exercise with its grading probes (salted), its reference and its known mistakes (as salted)."""
        with self._lock:
            if self._exercises is None:
                found = {}
                for module in checks.MODULES:
                    for ex in _engine.load_salted(module.__name__, self.salt).EXERCISES:
                        found[ex.id] = ex
                self._exercises = found
        return self._exercises[exercise_id]

    def job(self, lesson: str, questions) -> Path:
        """The folder with ``lesson``'s grading probes, as the sandbox reads them (written once)."""
        with self._lock:
            if lesson in self._jobs:
                return self._jobs[lesson]
        arrays: list = []
        data = {"questions": [{
            "label": q.label, "exercise": q.exercise_id,
            "forbidden": [[f.__module__, f.__qualname__] for f in self.exercise(q.exercise_id).forbidden],
            "probes": [{"args": plain.encode_input(p.args, arrays), "kwargs": plain.encode_input(p.kwargs, arrays)}
                       for p in (*checks.get(q.exercise_id).probes, *self.exercise(q.exercise_id).probes)],
        } for q in questions]}
        with self._lock:
            if lesson not in self._jobs:
                folder = self.folder / "probes" / lesson
                folder.mkdir(parents=True)
                plain.save_json(folder / "probes.json", data)
                plain.save_arrays(folder / "arrays.npz", arrays)
                for path in folder.iterdir():
                    path.chmod(0o644)
                self._jobs[lesson] = folder
            return self._jobs[lesson]

    # ------------------------------------------------------------------ one notebook

    def grade(self, lesson: str, questions, cells: list[tuple[int, str]], folder: Path, *, last_cell: int | None,
              work: Path, slot: int = 0) -> tuple[dict[str, Verdict], list[str]]:
        """Verdicts for ``questions`` from the notebook's ``cells`` (those before ``last_cell`` if it stopped
        there), and notes about its code; ``folder`` is the notebook's staged folder, ``work`` a private one."""
        kept = [(i, text) for i, text in cells if last_cell is None or i < last_cell]
        cells_file = work / "cells.json"
        plain.save_json(cells_file, {"cells": kept})
        cells_file.chmod(0o644)
        view = sandbox.View(readonly={JOB: self.job(lesson, questions), CELLS: cells_file, SOURCE: folder,
                                      str(_paths.PACKAGE): _paths.PACKAGE},
                            hidden=(str(_paths.PACKAGE / "checks"), str(_paths.PACKAGE / "exercises")),
                            exposed={str(_paths.PACKAGE / "checks" / name): _paths.PACKAGE / "checks" / name
                                     for name in ("_sandbox.py", "_forbidden.py")})
        seconds = 30 + evaluate.DEFINITIONS_SECONDS + evaluate.QUESTION_SECONDS * (len(questions) + 1)
        done = self.box.run(evaluate.__name__, [JOB, CELLS, SOURCE], view, sandbox.Limits(seconds=seconds),
                            env=kernel_env("/tmp/home"), path=[str(_paths.ROOT)], slot=slot, stdout_cap=OUT_BYTES)
        return self.judge(questions, done)

    def judge(self, questions, done: sandbox.Finished) -> tuple[dict[str, Verdict], list[str]]:
        """Verdicts from what a grading sandbox sent back; nothing in it is believed but plain arrays."""
        try:
            records = plain.read_records(done.stdout)
        except plain.Unreadable as exc:
            records, broken = [], f"its grading sent back something unreadable ({exc})"
        else:
            broken = None
        notes, answers = [], {}
        for record in records:
            if _shape(record, ("notes", list)):
                notes += [str(n)[:300] for n in record[1][:50] if type(n) is str]
            elif _shape(record, ("answer", int, str, list, (str, type(None)), list, (str, type(None)),
                                 (int, type(None)), str, object)) and 0 <= record[1] < len(questions):
                answers[questions[record[1]].label] = record
        why = broken or ("its grading ran longer than it may" if done.timed_out
                         else "its grading ended early" if done.stdout_truncated or done.returncode != 0 else "")
        verdicts = {}
        for q in questions:
            record = answers.get(q.label)
            verdicts[q.label] = self._verdict(q, record) if record else Verdict(
                "not_checked", note=f"not graded: {why or 'no answer came back'}")
        return verdicts, notes

    def _verdict(self, question, record) -> Verdict:
        _, _, kind, names, library_call, outcomes, stopped, stopped_at, detail, value = record
        public, hidden = checks.get(question.exercise_id), self.exercise(question.exercise_id)
        if kind == "missing":
            return Verdict("not_checked", note=f"no cell calls {question.label}.check at its top level")
        if kind == "unevaluable":
            return Verdict("not_checked", note=detail[:300])
        if kind == "none":
            return Verdict("not_attempted")
        if kind == "not_function":
            return _from(_engine.not_a_function(public, value))
        if kind != "function" or stopped not in (None, "timeout", "crashed"):
            return Verdict("not_checked", note="its grading sent back a record of the wrong form")
        try:
            done = [_outcome(o) for o in outcomes[:len(public.probes) + len(hidden.probes)]]
        except (TypeError, ValueError):
            return Verdict("not_checked", note="its grading sent back an outcome of the wrong form")
        names = frozenset(n for n in names if type(n) is str)
        n = len(public.probes)
        at = stopped_at if type(stopped_at) is int else 0
        first = _engine.judge(public, _sandbox.Run(tuple(done[:n]), stopped if at < n else None, at, detail[:300],
                                                   library_call, "fork", names))
        if first.status != "correct":
            return _from(first)
        return _from(_engine.judge(hidden, _sandbox.Run(tuple(done[n:]), stopped, at - n, detail[:300],
                                                        library_call, "fork", names)))


def _from(result) -> Verdict:
    return Verdict(result.status, result.code)


def _outcome(data) -> _sandbox.Outcome:
    """An outcome as the sandbox sent it: ``(value, error, error_type, line, mutated, state)``, each of its type
    (``state``: a short fingerprint of each random generator among the inputs, strings)."""
    if type(data) is not tuple or len(data) != 6:
        raise TypeError("not an outcome")
    value, error, error_type, line, mutated, state = data
    if not all(t is None or type(t) is str for t in (error, error_type, line)) or type(mutated) is not bool:
        raise TypeError("not an outcome")
    if type(state) is not tuple or len(state) > 8 or not all(type(t) is str and len(t) <= 40 for t in state):
        raise TypeError("not an outcome")
    return _sandbox.Outcome(value, error, error_type, line, mutated, state)


def _shape(record, kinds: tuple) -> bool:
    """``record`` is a tuple whose items have the given types (the first item equal to the given string)."""
    if type(record) is not tuple or len(record) != len(kinds) or record[0] != kinds[0]:
        return False
    return all(kind is object or isinstance(item, kind) for item, kind in zip(record[1:], kinds[1:], strict=True))
