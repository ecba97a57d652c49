"""``build-exercises``: write the learner notebooks in exercises/ from the solutions in solutions/.

Every region between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` becomes
``raise NotImplementedError("your code here")`` (or, after a ``### HANDOUT`` line in the
region, the commented-out code written there: a broken function to repair), cells tagged ``solution-only`` are
dropped and outputs are cleared. A checksum of what was generated (each cell's type and
source) is kept in the notebook metadata.

Nothing a learner made is lost:

- an exercise notebook edited since it was generated, or one that is not valid JSON, is
  skipped (``force``: saved to ``.backups/`` with a timestamp first, then replaced);
- a notebook that was not edited is replaced, and the tags and attachments a learner added
  to its cells (they do not count as edits) are carried over to the same cells, by cell id.
  If one cannot be carried over (its cell is gone, or an attachment of the same name differs),
  the notebook is treated as edited;
- outputs are not kept: re-running the notebook makes them again;
- each notebook is written to a temporary file in its folder and renamed over the old one,
  so an interrupted build leaves the old file whole.

Each notebook is decided on its own: a new lesson is written even when another notebook is skipped.
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from . import passes
from .submissions import write_atomic

EDITED = "edited since it was generated (learner work?)"
ADVICE = "Move it away, or pass --force to save a timestamped backup first."


class NotebookReadError(ValueError):
    """A solution notebook is not valid JSON; the message names the file."""


@dataclass
class BuildResult:
    """What a build did: ``written`` and ``unchanged`` paths, and ``skipped`` ``(path, why)`` pairs."""

    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def make_exercise(solution_nb: dict, name: str) -> dict:
    """The learner version of one solution notebook (a new dict; the input is untouched)."""
    nb = passes.drop_tagged(solution_nb, passes.SOLUTION_ONLY)
    nb = passes.strip_solutions(nb, name)
    nb = passes.clear_outputs(nb)
    return passes.stamp_checksum(nb, f"solutions/{name}")


def read_notebook(path: Path) -> dict:
    """The notebook at ``path``, or :class:`NotebookReadError` in one line naming it."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise NotebookReadError(f"{path} is not valid JSON ({exc})") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise NotebookReadError(f"{path} is JSON but not a notebook (no list of cells)")
    return nb


def was_edited(path: Path) -> bool:
    """True if the notebook at ``path`` differs from what the generator last wrote there."""
    return passes.was_edited(read_notebook(path))


def build_exercises(solutions: Path, out: Path, force: bool = False, log=print) -> BuildResult:
    """Generate every exercise notebook; skip (or, with ``force``, back up) those holding learner work.

    A malformed solution (:class:`passes.MarkerError`, :class:`NotebookReadError`) stops the
    build before anything is written.
    """
    out.mkdir(parents=True, exist_ok=True)
    sources = sorted(solutions.glob("[0-9][0-9]_*.ipynb"))
    planned = [(out / src.name, make_exercise(read_notebook(src), src.name)) for src in sources]
    result = BuildResult()
    for target, nb in planned:
        nb, why = _merge_with_existing(target, nb)
        if why and not force:
            result.skipped.append((target, why))
            continue
        text = passes.dumps(nb)
        if target.exists() and target.read_bytes() == text.encode("utf-8"):
            result.unchanged.append(target)
            continue
        if why:
            log(f"backed up {target} ({why}) to {_backup(target)}")
        write_atomic(target, text.encode("utf-8"))
        result.written.append(target)
        log(f"wrote {target}")
    return result


def _merge_with_existing(target: Path, nb: dict) -> tuple[dict, str | None]:
    """The notebook to write over ``target``, and why ``target`` must not be overwritten without a backup."""
    if not target.exists():
        return nb, None
    try:
        old = read_notebook(target)
    except NotebookReadError as exc:
        return nb, str(exc).removeprefix(f"{target} ")
    if passes.was_edited(old):
        return nb, EDITED
    merged, lost = passes.keep_learner_additions(nb, old)
    if lost:
        return nb, "has tags or attachments a learner added that the new version has no place for: " + "; ".join(lost)
    return merged, None


def _backup(path: Path) -> Path:
    folder = path.parent / ".backups"
    folder.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S%f")
    backup = folder / f"{path.stem}-{stamp}{path.suffix}"
    shutil.copy2(path, backup)
    return backup
