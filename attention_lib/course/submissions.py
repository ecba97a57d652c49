"""Learners' submissions for the class report: whose notebooks, for which lesson, and their bytes, read safely.

Who a learner is comes only from the folders the instructor named (:func:`find`):

- several folders named (``progress class/alice class/bo``, or ``class/*``): **each is one learner's
  folder**, and the learner is its name;
- one folder named: if it holds notebooks directly it is one learner's folder; otherwise it is **a
  class folder**, and each folder in it is one learner's, named after it;
- a notebook named on its own belongs to the learner its folder is named after.

Every notebook under a learner's folder, at any depth, is that learner's, whatever the folders
inside are called: a folder ``alice/`` inside mallory's folder holds mallory's notebooks. A learner
has one notebook per lesson; where there are several, the one nearest the top of the folder is graded
and the others are named in a problem.

Every file is opened without following links, checked to be a regular file (not a FIFO, a device or
a socket) and read up to a size limit before anything parses it (:func:`read_file`); JSON is parsed
only once its nesting is known to be shallow (:func:`load_json`). Each learner's folder is copied
once, before any notebook runs, into the report's own folder (:func:`stage`), with limits on the size
of a file, of a learner's folder and of the whole class; every run starts from that copy.
"""
from __future__ import annotations

import json
import os
import re
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

NOTEBOOK_BYTES = 8 << 20          # a notebook larger than this is not run
FILE_BYTES = 16 << 20             # another file larger than this is not copied into the run
LEARNER_BYTES = 64 << 20          # what one learner's folder may add to the copy
CLASS_BYTES = 2 << 30             # what the whole class may add to the copy
MAX_FILES = 2000                  # files looked at in one learner's folder
MAX_LEVELS = 8                    # folders below a learner's folder that are looked into
MAX_DEPTH = 64                    # nesting of JSON arrays and objects (a notebook needs about 15)


class NothingToReport(RuntimeError):
    """A path does not exist, or no notebook was found under any path."""


class Unreadable(ValueError):
    """A file that is not read: a link, not a regular file, too large, or gone; the message says which."""


@dataclass(frozen=True)
class Notebook:
    """One learner's notebook for one lesson: ``path`` on disk, ``relative`` to the learner's folder."""

    learner: str
    lesson: str
    path: Path
    relative: str


@dataclass
class Learner:
    """A learner's folder and what was found in it: notebooks to grade, and sentences about the rest."""

    name: str
    folder: Path
    notebooks: list[Notebook] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------- reading one file safely


def read_file(path: Path, limit: int) -> bytes:
    """The bytes of the regular file ``path``, which must not be a link and must hold at most ``limit`` bytes."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise Unreadable(_why(path, exc)) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Unreadable(f"{path.name} is not a regular file")
        if st.st_size > limit:
            raise Unreadable(f"{path.name} is {_size(st.st_size)}, more than the {_size(limit)} allowed")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise Unreadable(f"{path.name} grew past the {_size(limit)} allowed while it was read")
        return b"".join(chunks)
    finally:
        os.close(fd)


def _why(path: Path, exc: OSError) -> str:
    if os.path.islink(path):
        return f"{path.name} is a symbolic link, which is not followed"
    return f"{path.name} could not be opened ({exc.strerror})"


def _size(n: int) -> str:
    return f"{n / (1 << 20):.1f} MiB" if n >= 1 << 20 else f"{n:,} bytes"


_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)


def nesting(data: bytes) -> int:
    """How deeply JSON arrays and objects nest in ``data`` (brackets inside strings do not count)."""
    import numpy as np

    brackets = np.frombuffer(_STRING.sub(b'""', data), dtype=np.uint8)
    step = (brackets == ord("[")).astype(np.int64) + (brackets == ord("{")) - (brackets == ord("]")) \
        - (brackets == ord("}"))
    return int(np.cumsum(step).max(initial=0))


def load_json(data: bytes, what: str = "it"):
    """``json.loads`` for bytes a learner's process may have written: nesting at most :data:`MAX_DEPTH` first."""
    depth = nesting(data)
    if depth > MAX_DEPTH:
        raise ValueError(f"{what} nests {depth} levels deep, more than the {MAX_DEPTH} allowed")
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError(f"{what} is not UTF-8 text") from None
    except RecursionError:      # cannot happen below MAX_DEPTH; kept so that no input can raise it
        raise ValueError(f"{what} nests too deeply") from None


def code_cells(data: bytes) -> list[tuple[int, str]]:
    """``(cell index, source)`` of every code cell of a notebook's bytes; ValueError says what is wrong."""
    nb = load_json(data, "the notebook")
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise ValueError("it has no list of cells")
    if not isinstance(nb.get("nbformat"), int) or nb["nbformat"] < 4:
        raise ValueError("it is not in notebook format 4 (save it again from JupyterLab)")
    out = []
    for i, cell in enumerate(nb["cells"]):
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            raise ValueError(f"cell {i + 1} is not a notebook cell")
        text = cell.get("source", "")
        if isinstance(text, list) and all(isinstance(line, str) for line in text):
            text = "".join(text)
        if not isinstance(text, str):
            raise ValueError(f"cell {i + 1}'s source is not text")
        if cell["cell_type"] == "code":
            out.append((i, text))
    return out


# ---------------------------------------------------------------------- whose notebooks


def find(paths: list, lesson_of) -> list[Learner]:
    """The learners named by ``paths`` (see the module docstring) and their notebooks.

    ``lesson_of(stem)`` says whether a notebook's name is a lesson with exercises.
    """
    folders: list[tuple[str, Path, Path | None]] = []      # (name, learner's folder, the one notebook named)
    several = len(paths) > 1
    for given in map(Path, paths):
        if not os.path.lexists(given):
            raise NothingToReport(f"{given} does not exist")
        if given.is_symlink():
            raise NothingToReport(f"{given} is a symbolic link: name the folder it points to")
        given = given.absolute()
        if given.is_file() and given.suffix == ".ipynb":
            folders.append((given.parent.name, given.parent, given))
        elif given.is_dir():
            if several or any(e.name.endswith(".ipynb") for e in _entries(given) if e.is_file(follow_symlinks=False)):
                folders.append((given.name, given, None))
            else:
                folders += [(e.name, Path(e.path), None) for e in _entries(given)
                            if e.is_dir(follow_symlinks=False) and not e.name.startswith(".")]
        else:
            raise NothingToReport(f"{given} is neither a folder nor a notebook (.ipynb)")
    learners = _unique([Learner(name, folder) for name, folder, _ in folders])
    for learner, (_, _, only) in zip(learners, folders, strict=True):
        _look(learner, only, lesson_of)
    merged: dict[str, Learner] = {}
    for learner in learners:                   # the same folder named twice (a notebook and its folder)
        if learner.name in merged:
            merged[learner.name].notebooks += [n for n in learner.notebooks if n not in merged[learner.name].notebooks]
        else:
            merged[learner.name] = learner
    found = [learner for learner in merged.values() if learner.notebooks or learner.notes]
    if not any(learner.notebooks for learner in found) and not any(learner.notes for learner in found):
        raise NothingToReport(f"no notebooks (.ipynb) in {', '.join(map(str, paths))}")
    return found


def _entries(folder: Path) -> list[os.DirEntry]:
    try:
        with os.scandir(folder) as it:
            return sorted(it, key=lambda e: e.name)
    except OSError:
        return []


def _unique(learners: list[Learner]) -> list[Learner]:
    """Learners keep their folder's name, unless two different folders have the same name: then both are
    named by their path, and each says so."""
    by_name: dict[str, set[Path]] = {}
    for learner in learners:
        by_name.setdefault(learner.name, set()).add(learner.folder)
    common = Path(os.path.commonpath([str(learner.folder) for learner in learners])) if learners else Path("/")
    for learner in learners:
        if len(by_name[learner.name]) > 1:
            others = sorted(str(f) for f in by_name[learner.name] if f != learner.folder)
            base = common if learner.folder != common else common.parent
            learner.name = learner.folder.relative_to(base).as_posix()
            learner.notes.append(f"another folder named {learner.folder.name} was given too ({', '.join(others)}): "
                                 f"these rows are under {learner.name}")
    return learners


def _look(learner: Learner, only: Path | None, lesson_of) -> None:
    """Fill in ``learner.notebooks``: one per lesson, the one nearest the top of the folder."""
    candidates: dict[str, list[tuple[tuple, Path]]] = {}
    files = [only] if only is not None else list(_walk(learner))
    for path in files:
        if path.suffix != ".ipynb":
            continue
        relative = path.relative_to(learner.folder)
        if not lesson_of(path.stem):
            learner.notes.append(f"{relative.as_posix()} is not named after a lesson with exercises: not graded")
            continue
        rank = (len(relative.parts), "exercises" not in relative.parts[:-1], relative.as_posix())
        candidates.setdefault(path.stem, []).append((rank, path))
    for lesson, found in sorted(candidates.items()):
        found.sort()
        best = found[0][1]
        learner.notebooks.append(Notebook(learner.name, lesson, best, best.relative_to(learner.folder).as_posix()))
        for _, other in found[1:]:
            learner.notes.append(f"{other.relative_to(learner.folder).as_posix()} is another {lesson} notebook: "
                                 f"only {best.relative_to(learner.folder).as_posix()} is graded")


def _walk(learner: Learner):
    """Regular-looking files under a learner's folder, breadth first, without following links, within limits."""
    queue, seen = [(learner.folder, 0)], 0
    while queue:
        folder, level = queue.pop(0)
        for entry in _entries(folder):
            if entry.name.startswith("."):
                continue
            if entry.is_symlink():
                learner.notes.append(f"{_rel(learner, entry)} is a symbolic link: not followed")
            elif entry.is_dir(follow_symlinks=False):
                if level + 1 <= MAX_LEVELS:
                    queue.append((Path(entry.path), level + 1))
                else:
                    learner.notes.append(f"{_rel(learner, entry)} is nested too deeply: not looked into")
            elif entry.is_file(follow_symlinks=False):
                seen += 1
                if seen > MAX_FILES:
                    learner.notes.append(f"more than {MAX_FILES} files: the rest were not looked at")
                    return
                yield Path(entry.path)
            else:
                learner.notes.append(f"{_rel(learner, entry)} is not a regular file (a FIFO, socket or device): "
                                     "not read")


def _rel(learner: Learner, entry: os.DirEntry) -> str:
    return Path(entry.path).relative_to(learner.folder).as_posix()


# ---------------------------------------------------------------------- the copy every run starts from


@dataclass
class Staged:
    """A learner's folder as it was before any run, copied into the report's own folder."""

    learner: Learner
    root: Path                                        # the copy of the learner's folder
    notebooks: dict[str, bytes] = field(default_factory=dict)    # lesson -> the notebook's bytes
    unreadable: dict[str, str] = field(default_factory=dict)     # lesson -> why its notebook was not read


class Budget:
    """Bytes the whole class may still add to the copy."""

    def __init__(self, total: int = CLASS_BYTES):
        self.left = total


def stage(learner: Learner, into: Path, budget: Budget) -> Staged:
    """Copy ``learner``'s folder into ``into``: every notebook, and the other files within the limits."""
    staged = Staged(learner, into)
    into.mkdir(parents=True)
    for notebook in learner.notebooks:
        try:
            data = read_file(notebook.path, NOTEBOOK_BYTES)
        except Unreadable as exc:
            staged.unreadable[notebook.lesson] = str(exc)
            continue
        staged.notebooks[notebook.lesson] = data
        _write(into / notebook.relative, data)
        budget.left -= len(data)
    graded = {n.path for n in learner.notebooks}
    used = 0
    for path in _walk(Learner(learner.name, learner.folder)):   # notes were taken when the folder was first read
        if path in graded or path.suffix == ".ipynb":
            continue
        relative = path.relative_to(learner.folder).as_posix()
        try:
            data = read_file(path, min(FILE_BYTES, LEARNER_BYTES - used, max(budget.left, 0)))
        except Unreadable as exc:
            learner.notes.append(f"{relative}: {exc}; not copied into the runs")
            continue
        used += len(data)
        budget.left -= len(data)
        _write(into / relative, data)
    return staged


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.chmod(path, 0o644)   # the sandbox may run as a uid of its own; the copy's folder is private


def snapshot(folders) -> dict[str, tuple]:
    """``{path: (kind, size, mtime, inode)}`` of everything under ``folders``: a run must change none of it."""
    out = {}
    for top in folders:
        for folder, dirs, files in os.walk(top):
            for name in dirs + files:
                try:
                    st = os.lstat(os.path.join(folder, name))
                except OSError:
                    continue
                out[os.path.join(folder, name)] = (stat.S_IFMT(st.st_mode), st.st_size, st.st_mtime_ns, st.st_ino)
    return out


def changes(before: dict[str, tuple], after: dict[str, tuple]) -> list[str]:
    """One sentence per path that appeared, disappeared or changed between two :func:`snapshot` s."""
    said = [f"created {p}" for p in sorted(set(after) - set(before))]
    said += [f"deleted {p}" for p in sorted(set(before) - set(after))]
    said += [f"changed {p}" for p in sorted(set(before) & set(after)) if before[p] != after[p]]
    return said


def write_atomic(path: Path, data: bytes, mode: int | None = None) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path`` (all or nothing).

    ``mode``: the file's permissions; by default those of the file it replaces, or the usual ones for a new file.
    """
    if mode is None:
        mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
