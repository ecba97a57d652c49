"""Learners' submissions for the class report: which notebooks, whose, and the files as they were.

:class:`Originals` reads every file of the submission folders once, before any notebook runs.
Runs start from those bytes, never from the folders themselves; after each run the folders
are compared with them, and anything a run changed is put back (what it wrote is kept aside
in ``.attention-quarantine/`` of that folder, so nothing is lost, not even a late save).
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

MAX_BYTES = 512 * 1024 * 1024   # what the report reads into memory at most
QUARANTINE = ".attention-quarantine"


class NothingToReport(RuntimeError):
    """A path does not exist, holds no notebooks, or is too large to read."""


@dataclass(frozen=True)
class Submission:
    """One learner's notebook: ``learner`` is the name of its folder, never anything the notebook says."""

    path: Path
    learner: str

    @property
    def folder(self) -> Path:
        return self.path.parent


@dataclass
class Entry:
    """A file or symbolic link as the report first saw it; ``data`` is the bytes or the link's target."""

    link: bool
    data: bytes | str | None
    mode: int
    stamp: tuple


@dataclass
class Originals:
    """The submission folders as they were before any run (see the module docstring)."""

    roots: dict[Path, bool]                        # folder -> scanned recursively
    entries: dict[Path, Entry] = field(default_factory=dict)
    folders: set[Path] = field(default_factory=set)
    started: str = field(default_factory=lambda: dt.datetime.now().strftime("%Y%m%dT%H%M%S"))

    @classmethod
    def take(cls, paths) -> tuple[Originals, list[Submission]]:
        """Read every submission folder named by ``paths`` (folders, or single notebooks)."""
        roots, chosen = {}, []
        for p in map(Path, paths):
            if not p.exists():
                raise NothingToReport(f"{p} does not exist")
            p = p.resolve()
            if p.is_dir():
                roots[p] = True
            elif p.suffix == ".ipynb":
                roots.setdefault(p.parent, False)
                chosen.append(p)
            else:
                raise NothingToReport(f"{p} is neither a folder nor a notebook (.ipynb)")
        roots = {r: deep for r, deep in roots.items()
                 if not any(d and o != r and r.is_relative_to(o) for o, d in roots.items())}  # no root twice
        originals = cls(roots)
        originals._read()
        found = sorted(chosen + [p for p, e in originals.entries.items() if p.suffix == ".ipynb" and not e.link
                                 and roots[_root_of(p, roots)]])
        submissions = [Submission(p, _learner(p, originals.roots)) for p in dict.fromkeys(found)]
        if not submissions:
            raise NothingToReport(f"no notebooks (.ipynb) in {', '.join(map(str, paths))}")
        return originals, submissions

    def _read(self) -> None:
        total = 0
        for path, (st, kind) in self._scan().items():
            data = os.readlink(path) if kind == "link" else path.read_bytes()
            total += len(data)
            if total > MAX_BYTES:
                raise NothingToReport(f"the submission folders hold more than {MAX_BYTES >> 20} MiB: "
                                      "point the report at the learners' notebooks only")
            self.entries[path] = Entry(kind == "link", data, stat.S_IMODE(st.st_mode), _stamp(st))
        self.folders = set(self._folders())

    def _scan(self) -> dict[Path, tuple[os.stat_result, str]]:
        found = {}
        for root, recursive in self.roots.items():
            for folder, dirs, files in os.walk(root):
                links = [d for d in dirs if os.path.islink(os.path.join(folder, d))]
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in links) if recursive else []
                for name in files + links:
                    path = Path(folder, name)
                    st = path.lstat()
                    kind = "link" if stat.S_ISLNK(st.st_mode) else "file" if stat.S_ISREG(st.st_mode) else None
                    if kind and not name.startswith("."):
                        found[path] = (st, kind)
        return found

    def _folders(self) -> list[Path]:
        out = []
        for root, recursive in self.roots.items():
            for folder, dirs, _ in os.walk(root):
                dirs[:] = [d for d in dirs if not d.startswith(".")] if recursive else []
                out.append(Path(folder))
        return out

    def files_for(self, submission: Submission, others: list[Submission]) -> dict[str, bytes]:
        """The learner's folder as it was: its files, without subfolders that hold other learners' notebooks."""
        mine = submission.folder
        nested = {o.folder for o in others if o.folder != mine and o.folder.is_relative_to(mine)}
        return {path.relative_to(submission.folder).as_posix(): e.data for path, e in self.entries.items()
                if not e.link and path.is_relative_to(submission.folder)
                and not any(path.is_relative_to(n) for n in nested)}

    def data(self, path: Path) -> bytes:
        return self.entries[path].data

    def put_back(self) -> list[str]:
        """Undo every change in the submission folders since :meth:`take`; one sentence per change."""
        now = self._scan()
        said = []
        for path in sorted(set(now) - set(self.entries)):
            said.append(f"created {self._name(path)} (moved to {self._move_aside(path)})")
        for folder in sorted(set(self._folders()) - self.folders, key=lambda p: len(p.parts), reverse=True):
            _remove_if_empty(folder)
        for path, entry in self.entries.items():
            if path in now and now[path][0] and _stamp(now[path][0]) == entry.stamp:
                continue
            change = self._compare(path, entry)
            if change:
                said.append(self._restore(path, entry, change))
            if os.path.lexists(path):
                entry.stamp = _stamp(path.lstat())
        return said

    def _compare(self, path: Path, entry: Entry) -> str | None:
        try:
            st = path.lstat()
        except FileNotFoundError:
            return "deleted"
        if stat.S_ISLNK(st.st_mode) != entry.link or not (entry.link or stat.S_ISREG(st.st_mode)):
            return "replaced"
        data = os.readlink(path) if entry.link else path.read_bytes()
        if data != entry.data:
            return "changed"
        return None if entry.link or stat.S_IMODE(st.st_mode) == entry.mode else "changed the permissions of"

    def _restore(self, path: Path, entry: Entry, change: str) -> str:
        try:
            aside = self._move_aside(path) if os.path.lexists(path) else None
            path.parent.mkdir(parents=True, exist_ok=True)
            if entry.link:
                os.symlink(entry.data, path)
            else:
                write_atomic(path, entry.data, entry.mode)
        except OSError as exc:
            return f"{change} {self._name(path)}, and it could not be put back: {exc}"
        kept = f"; what was there is in {aside}" if aside else ""
        return f"{change} {self._name(path)} (put back{kept})"

    def _move_aside(self, path: Path) -> Path:
        root = _root_of(path, self.roots)
        target = root / QUARANTINE / self.started / path.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        while os.path.lexists(target):
            target = target.with_name(target.name + "~")
        shutil.move(path, target)
        return target

    def _name(self, path: Path) -> str:
        root = _root_of(path, self.roots)
        return (Path(root.name) / path.relative_to(root)).as_posix()


def _stamp(st: os.stat_result) -> tuple:
    """What changes whenever a file's content, mode or kind does (ctime cannot be set back)."""
    return st.st_mode, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino


def _root_of(path: Path, roots) -> Path:
    return max((r for r in roots if path.is_relative_to(r)), key=lambda r: len(r.parts))


def _learner(notebook: Path, roots) -> str:
    """The learner is the notebook's folder: relative to the folder given, or its own name."""
    root = _root_of(notebook, roots)
    folder = notebook.parent
    return folder.relative_to(root).as_posix() if folder != root else root.name


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass


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
