"""The one notebook runner every tool shares (``run-notebooks``, ``progress``, tests).

:func:`execute` is Restart & Run All in this process: a fresh kernel runs every cell.

:func:`run_notebook` runs a notebook that may do anything (a learner's) in a sandbox of its own
(:mod:`.sandbox`): a supervisor (this module, run as ``python -I`` from ``/``, so nothing in the
learner's folder can be imported by it) copies the learner's folder into a private writable folder,
starts a kernel there and runs every cell, then says on its stdout how the run went: which cells
raised, and where it stopped if it did not finish. Everything the notebook started dies with the
sandbox. That account is the learner's own process's word, so it only ever explains the learner's own
rows; the time limit is measured from outside, and no verdict comes from a run (see :mod:`.grading`).
"""
from __future__ import annotations

import argparse
import collections
import ctypes
import json
import math
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .. import _paths
from .._limits import limit_address_space
from . import sandbox
from .submissions import load_json

STARTUP_TIMEOUT = 60          # seconds a kernel may take to start
GRACE = 10                    # seconds the supervisor gets beyond its cells' time to report and end
CELL_OUTPUT_CAP = 256 * 1024  # bytes of one cell's outputs kept in memory
REPORT_CAP = 64 * 1024        # bytes of the supervisor's account that are read
SUPERVISOR_HEADROOM = 256 << 20   # address space the supervisor may add once the kernel runs (a flood of output)
STATUSES = ("ok", "timeout", "dead_kernel", "failed")
SOURCE, WORK, HOME = "/submission", "/tmp/work", "/tmp/home"


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
    hooks : nbclient options, e.g. hooks ``on_cell_start=f`` (called with ``cell`` and ``cell_index``).
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
    """How a sandboxed run went.

    ``status`` is one of :data:`STATUSES`; ``cell`` is the cell it stopped in (timeout, dead kernel);
    ``errors`` lists ``(cell index, exception name)`` for the cells that raised.
    """

    status: str
    message: str = ""
    cell: int | None = None
    errors: tuple[tuple[int, str], ...] = ()
    stderr: str = ""
    seconds: float = 0.0


def kernel_env(home: str) -> dict[str, str]:
    """The whole environment a run gets: no instructor secrets, no ATTENTION_COURSE_* switches, one thread each."""
    env = {"PATH": os.defpath, "HOME": home, "LANG": "C.UTF-8", "USER": "learner", "LOGNAME": "learner",
           "MPLBACKEND": "Agg", "JUPYTER_PLATFORM_DIRS": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    env.update(dict.fromkeys(("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"), "1"))
    env["PYTHONPATH"] = str(_paths.ROOT)    # the kernel imports this attention_lib, as the course's clone does
    return env


def package_view() -> dict[str, Path]:
    """The course's package, read-only, where this process finds it (never the rest of the repository)."""
    return {str(_paths.PACKAGE): _paths.PACKAGE}


def run_notebook(box: sandbox.Sandbox, folder: Path, notebook: str, *, timeout: float, slot: int = 0) -> RunResult:
    """Run ``notebook`` (a file in ``folder``, the learner's staged copy) in a fresh sandbox; kill all it started.

    The cells get ``timeout`` seconds, the kernel up to :data:`STARTUP_TIMEOUT` more to start.
    """
    view = sandbox.View(readonly={SOURCE: folder, **package_view()})
    limits = sandbox.Limits(seconds=timeout + STARTUP_TIMEOUT + GRACE)
    done = box.run(__name__, [SOURCE, notebook, "--work", WORK, "--timeout", str(timeout)], view, limits,
                   env=kernel_env(HOME), path=[str(_paths.ROOT)], slot=slot, stdout_cap=REPORT_CAP)
    result = account(done, timeout)
    result.stderr, result.seconds = done.stderr, done.seconds
    return result


def account(done: sandbox.Finished, timeout: float) -> RunResult:
    """A :class:`RunResult` from the supervisor's account, checked field by field; the clock is ours."""
    late = f"ran longer than {timeout:.0f} s"
    try:
        raw = load_json(done.stdout, "the run's account") if not done.stdout_truncated else None
    except ValueError:
        raw = None
    if not isinstance(raw, dict) or raw.get("status") not in STATUSES:
        if done.timed_out:
            return RunResult("timeout", late)
        last = (done.stderr.strip().splitlines() or [""])[-1][:300]
        return RunResult("failed", f"the run ended without an account of itself (exit status {done.returncode})"
                         + (f": {last}" if last else ""))
    cell = raw.get("cell") if type(raw.get("cell")) is int else None
    errors = tuple((e[0], str(e[1])[:80]) for e in (raw.get("errors") or ())[:1000]
                   if isinstance(e, list) and len(e) == 2 and type(e[0]) is int)
    status = "timeout" if done.timed_out or done.seconds > timeout + STARTUP_TIMEOUT + GRACE else raw["status"]
    message = str(raw.get("message", ""))[:300] if status == raw["status"] else ""
    return RunResult(status, message or (late if status == "timeout" else ""), cell, errors)


# ---------------------------------------------------------------- the supervisor (inside the sandbox)


def _not_dumpable() -> None:
    """On Linux, the kernel (same uid) may not open this process's files or memory through /proc."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)     # PR_SET_DUMPABLE, 0


def _supervise(argv=None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {__name__}", description="Run one notebook in the sandbox "
                                     "and print an account of the run (used by run_notebook).")
    parser.add_argument("source", type=Path, help="the learner's folder (read-only)")
    parser.add_argument("notebook")
    parser.add_argument("--work", type=Path, required=True, help="where to copy it (a private folder)")
    parser.add_argument("--timeout", type=float, required=True)
    args = parser.parse_args(argv)
    _not_dumpable()
    report = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)                     # the kernel inherits 1 and 2: neither is the account's
    Path(os.environ["HOME"]).mkdir(parents=True, exist_ok=True)
    shutil.copytree(args.source, args.work, symlinks=True)
    # nbformat's default validator compiles the notebook schema first (80 ms of CPU); for one notebook, the
    # jsonschema validator is ten times quicker.
    os.environ["NBFORMAT_VALIDATOR"] = "jsonschema"
    state = {"status": "ok", "cell": None, "errors": [], "message": ""}
    try:
        _run_cells(args.work / args.notebook, args.timeout, state)
    finally:
        report.write(json.dumps(state))
        report.flush()
        os._exit(0)                   # no waiting for the kernel's threads: the sandbox ends with us


def _run_cells(notebook: Path, timeout: float, state: dict) -> None:
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    def started(cell, cell_index, **_):
        state["cell"] = cell_index

    def kernel_up(**_):   # the kernel has its own limit; the supervisor, which only reads its messages, needs little
        limit_address_space(SUPERVISOR_HEADROOM)

    def executed(cell, cell_index, execute_reply, **_):
        content = (execute_reply or {}).get("content", {})
        if content.get("status") == "error":
            state["errors"].append((cell_index, content.get("ename", "Error")))

    try:   # output written straight to the kernel's file descriptors goes to our capped stderr, not through here
        execute(notebook, timeout=timeout, budget=timeout, allow_errors=True, max_output=CELL_OUTPUT_CAP,
                on_notebook_start=kernel_up, on_cell_start=started, on_cell_executed=executed,
                extra_arguments=["--IPKernelApp.capture_fd_output=False"])
        state["cell"] = None
    except CellTimeoutError:
        state.update(status="timeout", message=f"ran longer than {timeout:.0f} s")
    except DeadKernelError:
        state.update(status="dead_kernel", message="the kernel died (os._exit, a crash, or out of memory)")
    except MemoryError:
        state.update(status="failed", message="the notebook sent more output than the supervisor may hold")
    except Exception as exc:  # noqa: BLE001 - any other failure is reported, not raised
        state.update(status="failed", message=f"{type(exc).__name__}: {exc}".splitlines()[0][:300])


if __name__ == "__main__":
    raise SystemExit(_supervise())
