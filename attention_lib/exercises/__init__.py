"""Exercise questions as notebooks use them::

    from attention_lib.exercises import ex02
    ex02.q1.check(softmax)     # correct / not yet (with the misconception) / not attempted
    ex02.q1.hint()             # a first nudge; hint(2), hint(3) say more
    ex02.q1.solution()         # the model answer (off when ATTENTION_COURSE_HIDE_SOLUTIONS=1)

Environment switches:

- ``ATTENTION_COURSE_HIDE_SOLUTIONS=1``: ``solution()`` shows nothing (for classes).
- ``ATTENTION_COURSE_EXPECT=correct|not_attempted|incorrect``: ``check`` raises when the status
  differs, so CI fails if a solution stops passing or an exercise ships solved.

A check writes nothing anywhere: the class report (``python -m attention_lib.course progress``)
grades each answer again itself, in a sandbox, on probes the learner never saw.

The checks compute with numpy when they are imported and when they judge; they do it under their
own ``np.errstate``, so a learner's ``np.seterr(all="raise")`` (set to debug) cannot break them.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass

import numpy as np

from .. import _paths
from ..course.passes import source, without_markers

with np.errstate(all="ignore"):         # the checks build their probes and variants at import
    from .. import checks
    from ..checks import CheckResult

LEVELS = ("easy", "medium", "hard")


class Text:
    """A short message that renders as Markdown in JupyterLab and as plain text elsewhere."""

    def __init__(self, markdown: str):
        self.markdown = markdown

    def _repr_markdown_(self) -> str:
        return self.markdown

    def __str__(self) -> str:
        return self.markdown

    __repr__ = __str__


class ExpectationError(AssertionError):
    """Raised under ATTENTION_COURSE_EXPECT when a check's status is not the expected one."""


@dataclass
class Question:
    """One exercise in a notebook: ``label`` like "ex02.q1", bound to a check ``exercise_id``."""

    label: str
    exercise_id: str
    notebook: str
    function: str
    level: str
    hints: tuple[str, ...]

    def __post_init__(self):
        if self.level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}, got {self.level!r}")
        checks.get(self.exercise_id)  # fails at import if the id is unknown

    def check(self, answer) -> CheckResult:
        """Check ``answer`` (your function) and say what, if anything, is wrong."""
        with np.errstate(all="ignore"):
            result = checks.run(self.exercise_id, answer)
        expected = os.environ.get("ATTENTION_COURSE_EXPECT")
        if expected and result.status != expected:
            raise ExpectationError(f"{self.label} ({self.exercise_id}): expected {expected}, got {result}")
        return result

    def hint(self, tier: int = 1) -> Text:
        """Hint number ``tier`` (1 = gentlest); each tier says more than the one before."""
        tier = max(1, min(int(tier), len(self.hints)))
        last = tier == len(self.hints)
        more = f" (hint {tier} of {len(self.hints)}" + (")" if last else f"; `hint({tier + 1})` says more)")
        return Text(f"💡 **{self.label}**{more}: {self.hints[tier - 1]}")

    def solution(self) -> Text:
        """The model answer, read from solutions/; off when ATTENTION_COURSE_HIDE_SOLUTIONS=1."""
        if os.environ.get("ATTENTION_COURSE_HIDE_SOLUTIONS", "") not in ("", "0"):
            return Text(f"🔒 Solutions are turned off for this class. Try `{self.label}.hint({len(self.hints)})`, "
                        "or ask your instructor.")
        answer = _solution_source(self.notebook, self.function)
        if answer is None:
            return Text(_where_answers_are(self.notebook))
        return Text(f"A model answer for **{self.label}**:\n\n```python\n{answer}\n```")


def _where_answers_are(notebook: str) -> str:
    """Where to find a model answer when solutions/ is not here: a learner release says where it is published."""
    release = _paths.ROOT / "RELEASE.json"
    if release.is_file():
        try:
            published = json.loads(release.read_text(encoding="utf-8")).get("solutions", "")
        except (ValueError, AttributeError):
            published = ""
        return (f"This copy of the course has no model answers. Your instructor publishes them here: {published}"
                if published else "This copy of the course has no model answers: ask your instructor where they are.")
    return f"The model answer is in `solutions/{notebook}.ipynb` of the course repository."


def _solution_source(notebook: str, function: str) -> str | None:
    path = _paths.SOLUTIONS / f"{notebook}.ipynb"
    if not path.exists():
        return None
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        text = source(cell)
        if cell["cell_type"] == "code" and f"def {function}(" in text:
            return without_markers(text)
    return None


def questions(module, notebook: str, specs: list[tuple]) -> list[Question]:
    """Build ``q1, q2, …`` for an exercise module from ``(exercise_id, function, level, hints)``."""
    prefix = module.rsplit(".", 1)[-1]
    return [
        Question(f"{prefix}.q{i}", ex_id, notebook, fn, level, tuple(hints))
        for i, (ex_id, fn, level, hints) in enumerate(specs, start=1)
    ]
