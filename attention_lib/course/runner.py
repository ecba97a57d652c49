"""The one notebook runner every tool shares (``run-notebooks``, ``progress``, tests).

:func:`execute` is Restart & Run All in this process: a fresh kernel runs every cell.

:func:`run_isolated` runs a notebook that may do anything (a learner's) in a throw-away
copy of its folder, through a supervisor process (``python -m attention_lib.course.runner``)
that starts the kernel:

- the environment is scrubbed to what a kernel needs (``PATH``, ``LANG``, the course's
  ``PYTHONPATH``, and ``HOME`` set to a fresh temporary folder);
- the supervisor leads its own session and, on Linux, is a *child subreaper*, so the
  processes a notebook starts stay below it even when they detach (``setsid``, double fork);
- every process of the run is killed when the run ends, on time or not: the supervisor's
  descendants, its session, and anything that still carries the run's token in its environment;
- stdout and stderr are capped, and so are a cell's outputs and the check log.

It runs the learner's code as the instructor's user: it keeps runs apart from each other and from
the files they came from, but it is no security boundary. Graded use belongs in a container.
"""
from __future__ import annotations

import argparse
import collections
import ctypes
import json
import math
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .. import _paths

STARTUP_TIMEOUT = 60          # seconds a kernel may take to start
GRACE = 10                    # seconds a supervisor gets to clean up once its time is up
STREAM_CAP = 64 * 1024        # bytes of a run's stdout and of its stderr that are kept
CELL_OUTPUT_CAP = 256 * 1024  # bytes of one cell's outputs kept in memory
RECORD_CAP = 1024 * 1024      # bytes of the check log that are read
RUN_TOKEN = "ATTENTION_COURSE_RUN"
STATUSES = ("ok", "timeout", "dead_kernel", "failed")


def execute(path: Path, *, timeout: float = 120, budget: float | None = None, allow_errors: bool = False,
            save: bool = False, max_output: int | None = None, **hooks):
    """Restart & Run All the notebook at ``path`` in its own folder; return ``(notebook, seconds)``.

    Parameters
    ----------
    timeout : seconds one cell may run.
    budget : seconds all the cells together may run (None: no limit beyond ``timeout`` per cell).
    allow_errors : carry on past a failing cell (a learner's crash is data).
    save : write the outputs back in place, without nbclient's timing metadata.
    max_output : bytes of outputs kept per cell; the rest is dropped (error outputs are always kept).
    hooks : nbclient hooks, e.g. ``on_cell_start=f`` (called with ``cell`` and ``cell_index``).
    """
    import nbformat

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    deadline = None if budget is None else time.monotonic() + budget

    def cell_timeout(cell) -> int:
        left = timeout if deadline is None else min(timeout, deadline - time.monotonic())
        return max(1, math.ceil(left))

    client = _client_class()(nb, timeout=math.ceil(timeout), timeout_func=cell_timeout, kernel_name="python3",
                             allow_errors=allow_errors, startup_timeout=STARTUP_TIMEOUT, shutdown_kernel="immediate",
                             resources={"metadata": {"path": str(path.parent)}}, **hooks)
    client.max_output = max_output
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    if save:
        for cell in nb.cells:
            cell.metadata.pop("execution", None)
        nbformat.write(nb, path)
    return nb, seconds


def _client_class():
    """nbclient's client, keeping at most ``max_output`` bytes of each cell's outputs."""
    from nbclient import NotebookClient

    class CappedClient(NotebookClient):
        max_output: int | None = None
        _sizes: collections.Counter = collections.Counter()  # a new class per call: one counter per run

        def output(self, outs, msg, display_id, cell_index):
            if self.max_output is not None and msg["msg_type"] != "error":
                self._sizes[cell_index] += len(json.dumps(msg.get("content", {})))
                if self._sizes[cell_index] > self.max_output:
                    return None
            return super().output(outs, msg, display_id, cell_index)

    return CappedClient


# ---------------------------------------------------------------- running an untrusted notebook


@dataclass
class RunResult:
    """How an isolated run went.

    ``status`` is one of :data:`STATUSES`; ``cell`` is the cell it stopped in (timeout, dead
    kernel); ``errors`` lists ``(cell index, exception name)`` for the cells that raised.
    """

    status: str
    message: str = ""
    cell: int | None = None
    errors: tuple[tuple[int, str], ...] = ()
    records: bytes = b""
    records_truncated: bool = False
    stdout: str = ""
    stderr: str = ""
    seconds: float = 0.0
    strays: int = 0
    extra: dict = field(default_factory=dict)


def kernel_env(home: Path) -> dict[str, str]:
    """The whole environment an isolated run gets: no instructor secrets, no ATTENTION_COURSE_* switches."""
    env = {"PATH": os.environ.get("PATH", os.defpath), "HOME": str(home),
           "LANG": os.environ.get("LANG", "C.UTF-8")}
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if (_paths.ROOT / "pyproject.toml").is_file():  # a clone: the kernel imports this attention_lib
        paths.insert(0, str(_paths.ROOT))
    if paths:
        env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    return env


def run_isolated(files: Mapping[str, bytes], notebook: str, *, timeout: float, record_env: str) -> RunResult:
    """Run ``notebook`` (a key of ``files``) in a fresh folder made of ``files``; kill all it started.

    ``files`` maps relative paths to contents: the learner's folder as it was before any run.
    The check log goes to a file outside that folder, named in ``record_env``; its first
    :data:`RECORD_CAP` bytes come back in ``records``. The run gets ``timeout`` seconds for its
    cells, plus up to :data:`STARTUP_TIMEOUT` to start its kernel.
    """
    private = Path(tempfile.mkdtemp(prefix="attention-run-"))
    try:
        work, home = private / "work", private / "home"
        _write_tree(work, files)
        home.mkdir()
        record = private / f"checks-{secrets.token_hex(8)}.jsonl"
        verdict = private / f"verdict-{secrets.token_hex(8)}.json"
        token = secrets.token_hex(16)
        env = {**kernel_env(home), record_env: str(record), RUN_TOKEN: token}
        cmd = [sys.executable, "-m", __name__, str(work / notebook), "--timeout", str(timeout),
               "--verdict", str(verdict)]
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=work, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True)
        out, err = _CappedReader(proc.stdout), _CappedReader(proc.stderr)
        finished = _wait(proc, timeout + STARTUP_TIMEOUT)
        strays = sweep(token, session=proc.pid)
        seconds = time.perf_counter() - start
        result = _read_verdict(verdict, finished, timeout)
        result.stdout, result.stderr = out.text(), err.text()
        result.records, result.records_truncated = _read_capped(record, RECORD_CAP)
        result.seconds, result.strays = seconds, result.strays + strays
        if result.status == "failed" and not result.message:
            result.message = (result.stderr.strip().splitlines() or ["the supervisor failed"])[-1]
        return result
    finally:
        shutil.rmtree(private, ignore_errors=True)


def _write_tree(root: Path, files: Mapping[str, bytes]) -> None:
    root.mkdir(parents=True)
    for relative, data in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _wait(proc: subprocess.Popen, seconds: float) -> bool:
    """Wait for the supervisor; past ``seconds`` ask it to clean up, then kill its whole session."""
    try:
        proc.wait(timeout=seconds)
        return True
    except subprocess.TimeoutExpired:
        proc.terminate()
    try:
        proc.wait(timeout=GRACE)
    except subprocess.TimeoutExpired:
        _killpg(proc.pid)
        proc.wait()
    return False


def _killpg(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def sweep(token: str, session: int | None = None) -> int:
    """Kill every process that carries ``token`` in its environment or belongs to ``session``; return how many."""
    import psutil

    return _kill_until_gone(lambda: [p for p in psutil.process_iter()
                                     if p.pid != os.getpid() and _belongs(p, token, session)])


def _kill_until_gone(find) -> int:
    """Kill what ``find()`` lists, again and again until it lists nothing (a process may fork while we look)."""
    import psutil

    killed: set[int] = set()
    for _ in range(10):
        victims = find()
        if not victims:
            break
        for p in victims:
            _kill(p)
        psutil.wait_procs(victims, timeout=3)  # also reaps them, when they are our children
        killed.update(p.pid for p in victims)
    return len(killed)


def _belongs(process, token: str, session: int | None) -> bool:
    import psutil

    try:
        if session is not None and os.getsid(process.pid) == session:
            return process.status() != psutil.STATUS_ZOMBIE
        return process.environ().get(RUN_TOKEN) == token and process.status() != psutil.STATUS_ZOMBIE
    except (psutil.Error, OSError):
        return False


def _kill(process) -> None:
    import psutil

    try:
        process.kill()
    except psutil.Error:
        pass


class _CappedReader:
    """Drain a pipe in a thread, keeping its first and last ``cap // 2`` bytes."""

    def __init__(self, stream, cap: int = STREAM_CAP):
        self.head, self.tail, self.dropped, self.half = bytearray(), bytearray(), 0, cap // 2
        self.thread = threading.Thread(target=self._drain, args=(stream,), daemon=True)
        self.thread.start()

    def _drain(self, stream) -> None:
        with stream:
            for chunk in iter(lambda: stream.read1(65536), b""):
                room = self.half - len(self.head)
                self.head += chunk[:room]
                self.tail += chunk[room:]
                excess = len(self.tail) - self.half
                if excess > 0:
                    self.dropped += excess
                    del self.tail[:excess]

    def text(self) -> str:
        self.thread.join(timeout=5)
        gap = f"\n[... {self.dropped} bytes dropped ...]\n".encode() if self.dropped else b""
        return (bytes(self.head) + gap + bytes(self.tail)).decode("utf-8", errors="replace")


def _read_capped(path: Path, cap: int) -> tuple[bytes, bool]:
    if not path.is_file():
        return b"", False
    with open(path, "rb") as f:
        data = f.read(cap + 1)
    return data[:cap], len(data) > cap


def _read_verdict(path: Path, finished: bool, timeout: float) -> RunResult:
    """The supervisor's verdict, checked field by field (the notebook could have written the file)."""
    late = f"ran longer than {timeout:.0f} s"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return RunResult("timeout", late) if not finished else RunResult("failed")
    if not isinstance(raw, dict) or raw.get("status") not in STATUSES:
        return RunResult("failed", "the run's verdict is unreadable")
    cell = raw.get("cell") if isinstance(raw.get("cell"), int) else None
    errors = tuple((e[0], str(e[1])[:80]) for e in raw.get("errors") or ()
                   if isinstance(e, list) and len(e) == 2 and isinstance(e[0], int))
    status = raw["status"] if finished else "timeout"
    message = str(raw.get("message", ""))[:300] or (late if status == "timeout" else "")
    strays = raw.get("strays") if isinstance(raw.get("strays"), int) else 0
    return RunResult(status, message, cell, errors, strays=strays)


# ---------------------------------------------------------------- the supervisor (a child process)


def _become_subreaper() -> None:
    """On Linux, adopt every orphaned descendant (PR_SET_CHILD_SUBREAPER), so none can slip away."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)


def _kill_descendants() -> int:
    import psutil

    me = psutil.Process()
    return _kill_until_gone(lambda: me.children(recursive=True))


def _supervise(argv=None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {__name__}", description="Run one notebook, then kill "
                                     "everything it started (used by run_isolated).")
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--timeout", type=float, required=True)
    parser.add_argument("--verdict", type=Path, required=True)
    args = parser.parse_args(argv)
    # jsonschema (under nbformat) builds a grammar for IRI formats at import, about 3 s of CPU per
    # notebook; the notebook schema checks no formats, so the supervisor does without it.
    sys.modules.setdefault("rfc3987_syntax", None)
    _become_subreaper()
    state = {"status": "ok", "cell": None, "errors": [], "message": ""}

    def finish(*_signal) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # cleaning up already; the parent's SIGKILL still works
        if _signal:  # the parent's time is up
            state.update(status="timeout", message=f"ran longer than {args.timeout:.0f} s")
        state["strays"] = _kill_descendants()
        args.verdict.write_text(json.dumps(state), encoding="utf-8")
        if _signal:
            os._exit(124)

    signal.signal(signal.SIGTERM, finish)
    try:
        _run_cells(args.notebook, args.timeout, state)
    finally:
        finish()
    return 0


def _run_cells(notebook: Path, timeout: float, state: dict) -> None:
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    def started(cell, cell_index, **_):
        state["cell"] = cell_index

    def executed(cell, cell_index, execute_reply, **_):
        content = (execute_reply or {}).get("content", {})
        if content.get("status") == "error":
            state["errors"].append((cell_index, content.get("ename", "Error")))

    try:
        execute(notebook, timeout=timeout, budget=timeout, allow_errors=True, max_output=CELL_OUTPUT_CAP,
                on_cell_start=started, on_cell_executed=executed)
        state["cell"] = None
    except CellTimeoutError:
        state.update(status="timeout", message=f"ran longer than {timeout:.0f} s")
    except DeadKernelError:
        state.update(status="dead_kernel", message="the kernel died (os._exit, a crash, or out of memory)")
    except Exception as exc:  # noqa: BLE001 - any other failure is reported, not raised
        state.update(status="failed", message=f"{type(exc).__name__}: {exc}".splitlines()[0][:300])


if __name__ == "__main__":
    raise SystemExit(_supervise())
