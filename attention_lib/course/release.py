"""``release DIR``: a learner-only copy of the course, with no solutions in it.

The copy holds the lessons, the exercise notebooks, the library and its own Binder files, and a
``RELEASE.json`` that tells ``exNN.qK.solution()`` where the instructor publishes the answers.
It leaves out ``solutions/``, the tests, the benchmarks and the instructor kit. Publish it as the
learners' repository and hand it out with an nbgitpuller link (``course nbgitpuller-link``).
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from . import links

RELEASE_FILE = "RELEASE.json"
"""Written at the root of a release; read by ``solution()`` (``attention_lib.exercises``)."""
FOLDERS = ("notebooks", "exercises", "attention_lib", "binder")
FILES = ("LICENSE", "NOTATION.md", "CITATION.cff", "pyproject.toml")
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", ".backups", "*.egg-info")


class ReleaseError(RuntimeError):
    """The release cannot be written (the target is not empty, or a source is missing)."""


def build_release(root: Path, target: Path, solutions_url: str = "", slug: str | None = None) -> list[Path]:
    """Write the learner copy of the course at ``root`` into the new folder ``target``; return its files."""
    if target.exists() and any(target.iterdir()):
        raise ReleaseError(f"{target} is not empty: a release is written into a new folder")
    missing = [name for name in FOLDERS + FILES if not (root / name).exists()]
    if missing:
        raise ReleaseError(f"{root} is not a course repository: missing {', '.join(missing)}")
    target.mkdir(parents=True, exist_ok=True)
    for name in FOLDERS:
        shutil.copytree(root / name, target / name, ignore=IGNORE)
    for name in FILES:
        shutil.copy2(root / name, target / name)
    (target / RELEASE_FILE).write_text(json.dumps({"solutions": solutions_url}, indent=1) + "\n", encoding="utf-8")
    (target / "README.md").write_text(readme(slug), encoding="utf-8")
    return sorted(p.relative_to(target) for p in target.rglob("*") if p.is_file())


def readme(slug: str | None) -> str:
    """The release's README: how a learner opens the course, and what is (not) in it."""
    launch = links.badge(slug) + "\n\n" if slug else ""
    return f"""# Attention, hands-on

{launch}An interactive textbook on the attention mechanism. Every idea is a live widget, and every exercise
is checked the moment you run it.

## Start

- **On Binder**: click the badge above (if there is none, ask your instructor for the link).
  A Binder session ends after some minutes without activity, and nothing in it is kept:
  *File → Download* your exercise notebooks before you leave.
- **On your class's JupyterHub**: open the link your instructor sent. Clicking it again later brings
  in updates without touching your own changes.
- **On your computer**: `python -m pip install -e .`, then `jupyter lab notebooks/00_welcome.ipynb`.

Read a lesson in `notebooks/`, then practise in `exercises/`: each question has `check(your_function)`,
`hint()` and `hint(2)`, `hint(3)`. This copy has no model answers; `solution()` says where your
instructor publishes them.

Code: MIT; text and figures: CC BY 4.0 (see LICENSE).
"""
