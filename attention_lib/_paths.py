"""Where the course's files are: the one place repository paths are computed.

The library is importable from an installed wheel, where there is no repository
around it. Anything that needs the course's notebooks calls :func:`course_root`,
which says so plainly instead of writing into site-packages.
"""
from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent
NOTEBOOKS = ROOT / "notebooks"
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
STATIC = PACKAGE / "widgets" / "static"
SITE_ASSETS = PACKAGE / "course" / "site_assets"
"""The static reading copy's templates, script and style, and its npm project (KaTeX)."""


class CourseFilesMissing(RuntimeError):
    """The course's notebooks are not next to the library (an installed copy, not a clone)."""


def course_root() -> Path:
    """The repository root, or :class:`CourseFilesMissing` if this is an installed copy without it."""
    if not (SOLUTIONS.is_dir() and (ROOT / "pyproject.toml").is_file()):
        raise CourseFilesMissing(
            f"the course's notebooks are not next to the library at {PACKAGE} (an installed copy?). "
            "Run this from a clone of the course repository, or pass the folders explicitly "
            "(--solutions DIR --out DIR)."
        )
    return ROOT
