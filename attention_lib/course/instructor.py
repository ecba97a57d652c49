"""The instructor kit's generated page: which misconceptions each exercise can name, by hand-written
misconception and by the mistakes its error model generates from the teaching reference.

The page is read from the checks and the catalogue, never written by hand, so it cannot drift:
``python -m attention_lib.course misconceptions`` prints it, and a test keeps
``instructor/misconceptions.md`` equal to what it prints.
"""
from __future__ import annotations

import collections
import importlib

from .. import checks
from ..checks import _mutants, catalogue
from . import lessons


def designed_codes(exercise_id: str) -> list[str]:
    """The codes an exercise names by design, in the order it tries them: its known mistakes first,
    then the codes its probe purposes, relations and error messages map to."""
    ex = checks.get(exercise_id)
    mapped = [v[0] if isinstance(v, tuple) else v for table in (ex.purposes, ex.relations, ex.errors)
              for v in table.values()]
    return list(dict.fromkeys([m.code for m in ex.misconceptions] + mapped))


def generated(exercise_id: str) -> tuple[int, int, dict]:
    """``(mistakes, groups, {code: groups})``: the generated mistakes of an exercise's error model that a probe
    tells from the reference, how many outcome groups they fall in, and the code each group is named by."""
    ex = checks.get(exercise_id)
    if ex.teaching is None:                      # an exercise not yet ported to a teaching reference
        return 0, 0, {}
    model = _mutants.error_model(ex, ex.reference_outcomes())
    made = [(m, int(n)) for m, n in zip(model.mutants, model.sizes, strict=True) if not m.known]
    codes = collections.Counter(_mutants.speak(ex, m)[0] for m, _ in made)
    return sum(n for _, n in made), len(made), dict(codes.most_common())


def _one_line(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _questions(lesson: lessons.Lesson) -> list[tuple]:
    """``(question, its designed codes)`` for every question of a ready lesson, in the notebook's order."""
    module = importlib.import_module(f"attention_lib.exercises.{lesson.exercises}")
    return [(q, designed_codes(q.exercise_id)) for q in module.QUESTIONS]


def _row(question, codes) -> str:
    named = "; ".join(f"`{c}` {catalogue.title(c)}" for c in codes) or "(none: the generated mistakes name them)"
    mistakes, groups, by_code = generated(question.exercise_id)
    also = f"{mistakes} in {groups} groups: " + ", ".join(f"`{c}` {n}" for c, n in by_code.items()) if groups \
        else "(no teaching reference yet)"
    return f"| `{question.label}` | `{question.exercise_id}` | {question.level} | {named} | {also} |"


def misconceptions_markdown() -> str:
    """The whole page, as Markdown."""
    out = ["# Misconceptions each exercise diagnoses", "",
           "Generated from the checks and the misconception catalogue by "
           "`python -m attention_lib.course misconceptions`; do not edit by hand.", "",
           "Each row lists the misconceptions written by hand for the exercise (and the codes its probes, "
           "relations and error messages map to), then the mistakes generated from its teaching reference by "
           "the mutation operators that a probe tells from the right answer: how many, in how many groups of "
           "the same outcome, and how many groups each code names. A check tries a hand-written misconception "
           "first, then a generated mistake, then the relations. Any check may also give one of the generic "
           "diagnoses listed at the end (a wrong shape, a factor, a leak). The class report (`progress`) counts "
           "learners by these same codes.", ""]
    used = set()
    for lesson in lessons.ready():
        questions = _questions(lesson)
        used.update(c for _, codes in questions for c in codes)
        out += [f"## {lesson.number} · {lesson.title}", "",
                f"Exercises: `exercises/{lesson.slug}.ipynb`.", "",
                "| question | exercise | level | misconceptions it names by hand | generated mistakes it also names |",
                "|---|---|---|---|---|",
                *(_row(q, codes) for q, codes in questions), ""]
    out += ["## Every code, with what the learner reads", "",
            "| code | title | message |", "|---|---|---|"]
    out += [f"| `{e.code}` | {e.title} | {_one_line(e.message)} |"
            for e in catalogue.CATALOGUE.values() if e.code in used]
    out += ["", "## Generic diagnoses (any exercise)", "", "| code | title |", "|---|---|"]
    out += [f"| `{e.code}` | {e.title} |" for e in catalogue.CATALOGUE.values()
            if e.kind == "generic" and e.code not in used]
    return "\n".join(out) + "\n"
