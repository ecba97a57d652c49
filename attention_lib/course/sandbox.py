"""Run a command in a sandbox of its own (bubblewrap), where nothing it does reaches the machine.

The class report runs every learner's notebook, and then every learner's answers, through
:func:`run`. With `bubblewrap <https://github.com/containers/bubblewrap>`_ (``bwrap``) each run gets:

- **its own PID namespace**: when the run ends, on time or not, every process it started dies
  with it, whatever it did to its session, its parent or its environment;
- **a read-only view of the system**: ``/usr``, ``/etc``, the Python installation and the course's
  package, and nothing else of the machine (no home folders, no other learner's files, no ``/tmp``);
- **private writable folders** (``/tmp`` and the ones the caller names), each a size-limited tmpfs
  that disappears with the run;
- **no network** (its own network namespace, with only a loopback device);
- **limits** on each process's memory (``RLIMIT_AS``), on the number of processes and threads
  (``RLIMIT_NPROC``), on file size, CPU time and open files; wall-clock time is enforced from
  outside, by killing the sandbox.

Run by a normal user (a laptop, a JupyterHub), bubblewrap makes an unprivileged user namespace. Run
as root (CI, a container), the sandbox makes no user namespace: the command starts as root inside,
and the first thing it runs (:data:`BOOT`) switches to a uid of its own (``SANDBOX_UID + slot``, one
per concurrent run, so the process limit of one run is not shared with another) before any
learner's code runs.

Where bubblewrap is missing or cannot make a sandbox, :func:`find` raises :class:`Unavailable` with
what to install. ``find(sandboxed=False)`` is the instructor's explicit ``--no-sandbox``: the same
commands run as the instructor, with the same limits, and every process of the run's session is
killed at the end, but a run can read and write what the instructor can.

This module imports only the standard library, so that it can be loaded on its own.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import site
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

TOOL = "bwrap"
SANDBOX_UID = 1_800_000
"""As root, run number ``slot`` runs as uid ``SANDBOX_UID + slot``: no account of the machine uses it."""
INSTALL = ("Install bubblewrap (Debian and Ubuntu: `apt-get install bubblewrap`; Fedora: `dnf install bubblewrap`; "
           "Arch: `pacman -S bubblewrap`) and allow unprivileged user namespaces (`sysctl "
           "kernel.unprivileged_userns_clone=1` where that setting exists; on Ubuntu 23.10 and later the "
           "bubblewrap package's AppArmor profile allows it). Inside Docker or Kubernetes the default seccomp "
           "profile forbids namespaces: run the report on a laptop or a VM instead. Or pass --no-sandbox to run "
           "learners' code as yourself, unsandboxed.")
SYSTEM = ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
"""The system folders every sandbox sees, read-only (the ones that exist; a symbolic link stays one)."""
BOOT = """\
import json, os, resource, sys
config = json.loads(sys.argv.pop(1))
for name, value in config["limits"].items():
    resource.setrlimit(getattr(resource, name), (value, value))
uid = config["uid"]
if uid is not None and os.getuid() == 0:
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
sys.path[:0] = config["path"]
os.chdir(config["cwd"])
import runpy
runpy.run_module(config["module"], run_name="__main__", alter_sys=True)
"""
"""The first code a sandboxed command runs: its limits, its own uid (as root), its import path, then the module."""


class Unavailable(RuntimeError):
    """No sandbox can be made here; the message says what to install, or to pass ``--no-sandbox``."""


@dataclass(frozen=True)
class Limits:
    """What one sandboxed command may use: wall-clock ``seconds`` (enforced from outside) and rlimits."""

    seconds: float
    memory: int = 3 << 30            # bytes of address space per process (RLIMIT_AS)
    processes: int = 256             # processes and threads of the run (RLIMIT_NPROC)
    file_size: int = 64 << 20        # bytes one file may have (RLIMIT_FSIZE)
    cpu: int = 600                   # CPU seconds per process (RLIMIT_CPU)
    open_files: int = 512            # (RLIMIT_NOFILE)
    tmp_size: int = 256 << 20        # bytes in each private writable folder (tmpfs)

    def rlimits(self, sandboxed: bool) -> dict[str, int]:
        out = {"RLIMIT_AS": self.memory, "RLIMIT_FSIZE": self.file_size, "RLIMIT_CPU": self.cpu,
               "RLIMIT_NOFILE": self.open_files, "RLIMIT_CORE": 0}
        if sandboxed:                # unsandboxed, the count would include every process of the instructor
            out["RLIMIT_NPROC"] = self.processes
        return out


@dataclass
class Finished:
    """How a sandboxed command ended: ``returncode`` (None if it was killed at its time limit)."""

    returncode: int | None
    stdout: bytes
    stdout_truncated: bool
    stderr: str
    seconds: float
    timed_out: bool


@dataclass
class View:
    """What a command sees beyond the system: read-only folders and files (``target -> host path``),
    and private writable folders (each a fresh tmpfs; ``/tmp`` is always one)."""

    readonly: dict[str, Path] = field(default_factory=dict)
    writable: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()     # folders shown empty (e.g. a package's checks)...
    exposed: dict[str, Path] = field(default_factory=dict)    # ...but for these files in them, read-only


@dataclass(frozen=True)
class Sandbox:
    """How commands run here: ``tool`` is bubblewrap's path, or None for ``--no-sandbox``."""

    tool: str | None
    as_root: bool = False

    @property
    def sandboxed(self) -> bool:
        return self.tool is not None

    def describe(self) -> str:
        if not self.sandboxed:
            return ("UNSANDBOXED (--no-sandbox): learners' code ran as you, and could read and change your files "
                    "and reach the network.")
        how = "as a uid of its own" if self.as_root else "in an unprivileged user namespace"
        return (f"Sandboxed with bubblewrap ({self.tool}), {how}: each run had its own processes, a read-only view "
                "of the system, private temporary folders, no network, and limits on memory, processes and time.")

    # ------------------------------------------------------------------ one command

    def run(self, module: str, args: list[str], view: View, limits: Limits, *, env: dict[str, str],
            path: list[str], slot: int = 0, stdout_cap: int = 1 << 20, stderr_cap: int = 64 << 10) -> Finished:
        """Run ``python -m module args`` (through :data:`BOOT`) in a fresh sandbox; kill it at ``limits.seconds``.

        ``args`` name paths as the command sees them: the targets of ``view``. ``path`` is put at the front of
        the command's ``sys.path`` (never the learner's folder). Its stdout (first ``stdout_cap`` bytes) and
        stderr (first and last ``stderr_cap / 2``) come back in :class:`Finished`.
        """
        with tempfile.TemporaryDirectory(prefix="attention-sandbox-") as private:
            config = {"limits": limits.rlimits(self.sandboxed), "path": path, "cwd": "/", "module": module,
                      "uid": SANDBOX_UID + slot if self.sandboxed and self.as_root else None}
            if self.sandboxed:
                cmd = [*self._bwrap(view, limits), "--", sys.executable, "-I", "-c", BOOT, json.dumps(config), *args]
                cwd = "/"
            else:
                args = [self.place(a, view, Path(private)) for a in args]
                env = {k: self.place(v, view, Path(private)) for k, v in env.items()}
                config["cwd"] = private
                cmd = [sys.executable, "-I", "-c", BOOT, json.dumps(config), *args]
                cwd = private
            return _run(cmd, cwd, env, limits.seconds, stdout_cap, stderr_cap, sweep=not self.sandboxed)

    def place(self, text: str, view: View, private: Path) -> str:
        """Unsandboxed, a target path in ``text`` becomes its host path (writable folders: under ``private``)."""
        for target, source in sorted(view.readonly.items(), key=lambda kv: -len(kv[0])):
            if text == target or text.startswith(target + "/"):
                return str(source) + text[len(target):]
        shown = [Path(source) for source in view.readonly.values()] + python_folders()
        if any(Path(text) in source.parents for source in shown):
            return text      # a host folder the command sees as it is (a course or a Python living under /tmp)
        for target in sorted((*view.writable, "/tmp"), key=len, reverse=True):
            if text == target or text.startswith(target + "/"):
                host = private / target.strip("/").replace("/", "_")
                host.mkdir(exist_ok=True)
                return str(host) + text[len(target):]
        return text

    def _bwrap(self, view: View, limits: Limits) -> list[str]:
        if self.as_root:   # no user namespace: a real uid of its own instead (see BOOT), so RLIMIT_NPROC holds
            cmd = [self.tool, "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
                   "--unshare-cgroup-try", "--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        else:
            cmd = [self.tool, "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
                   "--unshare-cgroup-try"]
        cmd += ["--die-with-parent", "--new-session"]
        for folder in SYSTEM:
            if os.path.islink(folder):
                cmd += ["--symlink", os.readlink(folder), folder]
            elif os.path.isdir(folder):
                cmd += ["--ro-bind", folder, folder]
        made: set[str] = {"/", *SYSTEM}
        cmd += ["--dev", "/dev", "--proc", "/proc"]

        def tmpfs(target: str) -> list[str]:
            size = 1 << 20 if target in view.hidden else limits.tmp_size
            mode = "0755" if target in view.hidden else "01777"
            return _parents(target, made) + ["--perms", mode, "--size", str(size), "--tmpfs", target]

        # The private /tmp first: a Python or a course installed under the host's /tmp is bound on top of it.
        for target in ("/tmp", "/dev/shm"):
            cmd += tmpfs(target)
        readonly = {str(p): Path(p) for p in python_folders()} | {t: Path(s) for t, s in view.readonly.items()}
        for target, source in sorted(readonly.items()):
            cmd += _parents(target, made) + ["--ro-bind", str(source), target]
        for target in (*view.writable, *view.hidden):
            cmd += tmpfs(target)
        for target, source in sorted(view.exposed.items()):
            cmd += ["--ro-bind", str(source), target]
        return cmd


def _parents(target: str, made: set[str]) -> list[str]:
    """``--dir`` for each missing parent of ``target``, world-readable (bubblewrap makes them 0700 otherwise)."""
    out = []
    parts = Path(target).parts
    for i in range(2, len(parts)):
        parent = str(Path(*parts[:i]))
        if parent not in made:
            made.add(parent)
            out += ["--perms", "0755", "--dir", parent]
    made.add(target)
    return out


def python_folders() -> list[Path]:
    """The folders the interpreter needs: its installation, the environment's, and their site-packages."""
    found = {Path(p).resolve() for p in (sys.base_prefix, sys.base_exec_prefix, sys.prefix, sys.exec_prefix)}
    found |= {Path(p).resolve() for p in site.getsitepackages() if os.path.isdir(p)}
    found.add(Path(sys.executable).resolve().parent)
    system = tuple(Path(s) for s in SYSTEM)
    outside = sorted(p for p in found if not any(p == s or s in p.parents for s in system))
    return [p for p in outside if not any(q in p.parents for q in outside)]   # the outermost of nested ones


# ---------------------------------------------------------------------- finding a sandbox

_FOUND: dict[bool, Sandbox] = {}


def find(sandboxed: bool = True) -> Sandbox:
    """The sandbox to run learners' code in, tried once per process; :class:`Unavailable` if none works here.

    ``sandboxed=False`` (the instructor's ``--no-sandbox``) returns the unsandboxed runner without looking.
    """
    if not sandboxed:
        return Sandbox(None)
    if True not in _FOUND:
        _FOUND[True] = _probe()
    return _FOUND[True]


def _probe() -> Sandbox:
    if not sys.platform.startswith("linux"):
        raise Unavailable(f"the sandbox needs Linux namespaces, and this is {sys.platform}. Run the report on Linux "
                          "(a laptop's VM will do), or pass --no-sandbox to run learners' code as yourself.")
    tool = shutil.which(TOOL)
    if tool is None:
        raise Unavailable(f"bubblewrap (`{TOOL}`) is not installed, and the report runs every learner's code in it. "
                          + INSTALL)
    box = Sandbox(tool, as_root=os.geteuid() == 0)
    done = box.run("this", [], View(), Limits(seconds=30), env={"PATH": os.defpath}, path=[])
    if done.returncode != 0 or b"zen of python" not in done.stdout.lower():
        why = (done.stderr.strip().splitlines() or ["no message"])[-1][:300]
        raise Unavailable(f"bubblewrap is installed but could not make a sandbox here ({why}). " + INSTALL)
    return box


# ---------------------------------------------------------------------- running and killing


def _run(cmd, cwd, env, seconds, stdout_cap, stderr_cap, sweep: bool) -> Finished:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    out, err = HeadReader(proc.stdout, stdout_cap), CappedReader(proc.stderr, stderr_cap)
    timed_out = False
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        _kill_session(proc.pid, sweep)
        proc.wait()
    return Finished(None if timed_out else proc.returncode, *out.result(), err.text(),
                    time.perf_counter() - start, timed_out)


def _kill_session(pid: int, sweep: bool) -> None:
    """Kill the command's process group; sandboxed, that is bubblewrap, and its PID namespace dies with it.

    Unsandboxed (``sweep``), also every process that is still in the command's session.
    """
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if sweep:
        kill_session_members(pid)


def kill_session_members(session: int) -> int:
    """Kill every process whose session is ``session``, again until none is left; return how many (Linux /proc)."""
    killed: set[int] = set()
    for _ in range(20):
        found = [pid for pid in _pids() if pid != os.getpid() and _session(pid) == session]
        if not found:
            break
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        killed.update(found)
        time.sleep(0.05)
    return len(killed)


def _pids() -> list[int]:
    try:
        return [int(name) for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return []


def _session(pid: int) -> int | None:
    """The session of a live process (None for one that is gone, or a zombie)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return None if fields[0] == b"Z" else int(fields[3])


class HeadReader:
    """Drain a pipe in a thread, keeping its first ``cap`` bytes (and whether there was more)."""

    def __init__(self, stream, cap: int):
        self.data, self.cap, self.more = bytearray(), cap, False
        self.thread = threading.Thread(target=self._drain, args=(stream,), daemon=True)
        self.thread.start()

    def _drain(self, stream) -> None:
        with stream:
            for chunk in iter(lambda: stream.read1(65536), b""):
                room = self.cap - len(self.data)
                self.data += chunk[:max(room, 0)]
                self.more = self.more or len(chunk) > room

    def result(self) -> tuple[bytes, bool]:
        self.thread.join(timeout=5)
        return bytes(self.data), self.more


class CappedReader:
    """Drain a pipe in a thread, keeping its first and last ``cap // 2`` bytes."""

    def __init__(self, stream, cap: int):
        self.head, self.tail, self.dropped, self.half = bytearray(), bytearray(), 0, cap // 2
        self.thread = threading.Thread(target=self._drain, args=(stream,), daemon=True)
        self.thread.start()

    def _drain(self, stream) -> None:
        with stream:
            for chunk in iter(lambda: stream.read1(65536), b""):
                room = self.half - len(self.head)
                self.head += chunk[:max(room, 0)]
                self.tail += chunk[max(room, 0):]
                excess = len(self.tail) - self.half
                if excess > 0:
                    self.dropped += excess
                    del self.tail[:excess]

    def text(self) -> str:
        self.thread.join(timeout=5)
        gap = f"\n[... {self.dropped} bytes dropped ...]\n".encode() if self.dropped else b""
        return (bytes(self.head) + gap + bytes(self.tail)).decode("utf-8", errors="replace")
