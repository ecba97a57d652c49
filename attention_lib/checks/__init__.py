"""Exercise checks: compare a learner's answer with the hidden reference and name the misconception.

Programmatic API::

    from attention_lib import checks
    checks.exercise_ids()                 # every checkable exercise
    result = checks.run("softmax", my_softmax)
    result.status, result.code, result.message

In notebooks use :mod:`attention_lib.exercises` (``ex02.q1.check(my_softmax)``).
"""
from __future__ import annotations

from . import (
    attention,
    backward,
    efficient,
    gpt,
    kernel_regression,
    masking,
    multihead,
    penpaper,
    positions,
    scoring,
    softmax,
)
from ._engine import STATUSES, CheckResult, Exercise, check
from .catalogue import CATALOGUE

MODULES = (scoring, softmax, kernel_regression, attention, masking, multihead, backward, penpaper, efficient,
           positions, gpt)
"""One check module per library module a learner re-implements, plus the pen-and-paper questions."""

_REGISTRY: dict[str, Exercise] = {ex.id: ex for module in MODULES for ex in module.EXERCISES}


def exercise_ids() -> list[str]:
    """Every exercise id that :func:`run` can check."""
    return list(_REGISTRY)


def get(exercise_id: str) -> Exercise:
    try:
        return _REGISTRY[exercise_id]
    except KeyError:
        raise KeyError(f"no exercise {exercise_id!r}; known: {', '.join(_REGISTRY)}") from None


def run(exercise_id: str, answer) -> CheckResult:
    """Check ``answer`` for ``exercise_id``. Never raises for a learner's mistake."""
    return check(get(exercise_id), answer)


def misconception_codes(exercise_id: str) -> list[str]:
    """The misconception codes this exercise can name, in the order they are tried."""
    return list(dict.fromkeys(m.code for m in get(exercise_id).misconceptions))


__all__ = ["CATALOGUE", "MODULES", "STATUSES", "CheckResult", "exercise_ids", "get", "misconception_codes", "run"]
