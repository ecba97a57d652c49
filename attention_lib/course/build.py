"""``build-exercises``: write the learner notebooks in exercises/ from the solutions in solutions/.

Every region between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` becomes
``raise NotImplementedError("your code here")``, cells tagged ``solution-only`` are
dropped and outputs are cleared. A checksum of what was generated is kept in the
notebook metadata; an exercise notebook edited since (a learner's work) is never
overwritten unless ``force``, which first saves a timestamped backup.
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from . import passes


class EditedNotebookError(RuntimeError):
    """The exercise notebook was edited after it was generated (a learner's work)."""


def make_exercise(solution_nb: dict, name: str) -> dict:
    """The learner version of one solution notebook (a new dict; the input is untouched)."""
    nb = passes.drop_tagged(solution_nb, passes.SOLUTION_ONLY)
    nb = passes.strip_solutions(nb, name)
    nb = passes.clear_outputs(nb)
    return passes.stamp_checksum(nb, f"solutions/{name}")


def was_edited(path: Path) -> bool:
    """True if the notebook at ``path`` differs from what the generator last wrote there."""
    return passes.was_edited(json.loads(path.read_text(encoding="utf-8")))


def build_exercises(solutions: Path, out: Path, force: bool = False, log=print) -> list[Path]:
    """Generate every exercise notebook; refuse (or, with ``force``, back up) edited ones."""
    out.mkdir(parents=True, exist_ok=True)
    sources = sorted(solutions.glob("[0-9][0-9]_*.ipynb"))
    planned = [(out / src.name, make_exercise(json.loads(src.read_text(encoding="utf-8")), src.name))
               for src in sources]
    edited = [target for target, _ in planned if target.exists() and was_edited(target)]
    if edited and not force:
        names = ", ".join(str(p) for p in edited)
        raise EditedNotebookError(
            f"not overwriting {names}: edited since it was generated (learner work?). "
            "Move it away, or pass --force to save a timestamped backup first."
        )
    written = []
    for target, nb in planned:
        text = passes.dumps(nb)
        if target.exists() and target.read_text(encoding="utf-8") == text:
            continue
        if target in edited:
            log(f"backed up edited {target} to {_backup(target)}")
        target.write_text(text, encoding="utf-8")
        written.append(target)
        log(f"wrote {target}")
    return written


def _backup(path: Path) -> Path:
    folder = path.parent / ".backups"
    folder.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S%f")
    backup = folder / f"{path.stem}-{stamp}{path.suffix}"
    shutil.copy2(path, backup)
    return backup
