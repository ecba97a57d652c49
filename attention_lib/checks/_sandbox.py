"""Run a learner's function on every probe, where nothing it does can hang or change the checker.

Two ways to run, chosen once per process by :func:`mode`:

``"fork"`` (Linux: Binder, JupyterHub, CI, a laptop running Linux)
    One child process per check, made with ``os.fork``. The child limits its own address space
    (``RLIMIT_AS``), runs every probe, and sends each :class:`Outcome` back over a pipe; the parent
    waits at most ``seconds`` of wall-clock time, then kills the child's whole process group. A bare
    ``except:`` retry loop, a long LAPACK call, ``signal`` tampering, threads that never stop,
    ``os._exit``, a segfault from deep recursion or a memory bomb all end in the child, as a
    ``timeout`` or a crash that the engine reports as ``raised``; the kernel lives on. Whatever the
    learner's code patches (numpy, the checker, the probes it finds on the stack) is patched in the
    child only: the comparison happens in the parent. What the function prints reaches the notebook,
    cut after :data:`PRINT_LIMIT` characters.

``"inprocess"`` (Windows, macOS, or ``ATTENTION_COURSE_SANDBOX=inprocess``)
    The function runs in the checker's own process, with a copy of each input and a timer
    (``SIGALRM`` on the main thread, a watchdog thread elsewhere). That stops an ordinary endless
    loop but not one that swallows every exception, nor a long call inside numpy.
    macOS has ``fork`` but its system frameworks are not fork-safe, so it uses this path too.

Set ``ATTENTION_COURSE_SANDBOX=fork`` or ``=inprocess`` to choose explicitly.
"""
from __future__ import annotations

import copy
import hashlib
import io
import os
import pickle
import select
import signal
import struct
import sys
import threading
import time
import traceback
import types
import warnings
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .._paths import PACKAGE

TIMEOUT_SECONDS = 3.0
"""Wall-clock budget for all the probes of one check together."""
MEMORY_BYTES = 512 << 20
"""Address space the child may map beyond what it inherited (RLIMIT_AS)."""
PRINT_LIMIT = 4000
"""Characters of the learner's printed output that reach the notebook, per check."""
MODES = ("fork", "inprocess")
_LIBRARY = str(PACKAGE)
_HEADER = struct.Struct("!I")
_MAX_MESSAGE = 64 << 20


@dataclass(frozen=True)
class Outcome:
    """What a function did on one probe: returned ``value``, or raised ``error`` at ``line``; ``state`` holds
    the state each random generator among the inputs was left in (:func:`generator_states`)."""

    value: Any = None
    error: str | None = None
    error_type: str | None = None
    line: str | None = None
    mutated: bool = False
    state: tuple = ()

    @property
    def raised(self) -> bool:
        return self.error is not None


@dataclass(frozen=True)
class Foreign:
    """Stands in for a returned object that cannot cross from the child: we keep its type and a short repr."""

    type_name: str
    text: str = ""


@dataclass(frozen=True)
class Run:
    """Every probe's outcome, or where and why the run stopped early.

    ``stopped`` is None, ``"timeout"`` or ``"crashed"``; ``stopped_at`` is the probe that was running.
    ``library_call`` names a forbidden library function the learner's code called.
    """

    outcomes: tuple
    stopped: str | None = None
    stopped_at: int | None = None
    detail: str = ""
    library_call: str | None = None
    mode: str = "inprocess"


def mode() -> str:
    """``"fork"`` where a forked child is available and safe, else ``"inprocess"`` (see the module docstring)."""
    chosen = os.environ.get("ATTENTION_COURSE_SANDBOX", "").strip().lower()
    if chosen in MODES:
        return chosen if chosen != "fork" or hasattr(os, "fork") else "inprocess"
    return "fork" if hasattr(os, "fork") and sys.platform.startswith("linux") else "inprocess"


def run(fn: Callable, probes, forbidden: tuple = (), seconds: float = TIMEOUT_SECONDS) -> Run:
    """Run ``fn`` on every probe, noting any call it makes to a ``forbidden`` library function."""
    if mode() == "fork":
        result = _run_forked(fn, probes, forbidden, seconds)
        if result is not None:
            return result
    return _run_inprocess(fn, probes, forbidden, seconds)


# --------------------------------------------------------------------------- one probe, in either mode


def learner_line(exc: BaseException, fn: Callable) -> str | None:
    """The deepest traceback line that belongs to the learner's own code."""
    own = getattr(getattr(fn, "__code__", None), "co_filename", None)
    frames = traceback.extract_tb(exc.__traceback__)
    mine = [f for f in frames if f.filename == own] or [f for f in frames if _LIBRARY not in f.filename]
    if not mine:
        return None
    f = mine[-1]
    return f"line {f.lineno}: {f.line}" if f.line else f"line {f.lineno}"


def _same_inputs(before, after) -> bool:
    for a, b in zip(before, after, strict=True):
        if isinstance(a, np.ndarray):
            same = isinstance(b, np.ndarray) and a.shape == b.shape
            if not (same and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")):
                return False
        elif isinstance(a, dict):
            if not (isinstance(b, dict) and a.keys() == b.keys() and _same_inputs(list(a.values()), list(b.values()))):
                return False
    return True


class _Watch:
    """A profile hook that notes calls to forbidden functions made from outside the library (in-process path)."""

    def __init__(self, forbidden: tuple):
        self.codes = {f.__code__: f"attention_lib.{f.__name__}" for f in forbidden if hasattr(f, "__code__")}
        self.hit: str | None = None

    def __call__(self, frame, event, arg):
        if event == "call" and frame.f_code in self.codes and self.hit is None:
            caller = frame.f_back
            if caller is None or not caller.f_code.co_filename.startswith(_LIBRARY):
                self.hit = self.codes[frame.f_code]


def call_probe(fn: Callable, probe, watch: _Watch | None = None, call=None) -> Outcome:
    """Call ``fn`` on a private copy of ``probe``'s inputs and describe what happened."""
    args, kwargs = copy.deepcopy(probe.args), copy.deepcopy(probe.kwargs)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            value = (call or _plain_call)(fn, args, kwargs, watch)
        except _Timeout:
            raise
        except BaseException as exc:     # the learner's exception, whatever it is, is a verdict
            if isinstance(exc, KeyboardInterrupt) and threading.current_thread() is threading.main_thread() \
                    and os.getpid() == _PARENT_PID[0]:
                raise
            return Outcome(error=f"{type(exc).__name__}: {_text(exc)}"[:500], error_type=type(exc).__name__,
                           line=learner_line(exc, fn))
    mutated = not _same_inputs(probe.args + tuple(probe.kwargs.values()), args + tuple(kwargs.values()))
    return Outcome(value=value, mutated=mutated, state=generator_states(args, kwargs))


def generator_states(args, kwargs) -> tuple:
    """A short fingerprint of the state each ``numpy.random.Generator`` among the inputs is in: what a sampler
    drew from it shows there too (a draw made at temperature 0, a copy drawn from instead of the generator given).
    Empty where no input is a generator."""
    found = [v for v in (*args, *kwargs.values()) if isinstance(v, np.random.Generator)]
    out = []
    for g in found:
        try:
            text = repr(g.bit_generator.state)
        except Exception:                # a generator whose state cannot be read (patched by the learner)
            text = "unreadable"
        out.append(hashlib.sha1(text.encode()).hexdigest()[:12])
    return tuple(out)


def _text(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:                    # an exception whose own __str__ fails
        return "(its message could not be shown)"


def _plain_call(fn, args, kwargs, watch):
    if watch is None or not watch.codes:
        return fn(*args, **kwargs)
    previous = sys.getprofile()
    sys.setprofile(watch)
    try:
        return fn(*args, **kwargs)
    finally:
        sys.setprofile(previous)


_PARENT_PID = [os.getpid()]


# --------------------------------------------------------------------------- in-process


class _Timeout(BaseException):
    """Raised inside the learner's code by the alarm; BaseException so `except Exception` won't swallow it."""


def _call_with_timeout(fn, args, kwargs, watch, seconds):
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        def _alarm(signum, frame):
            raise _Timeout()

        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            return _plain_call(fn, args, kwargs, watch)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    box: dict = {}

    def _target():
        try:
            box["value"] = _plain_call(fn, args, kwargs, watch)
        except BaseException as exc:  # handed back to the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=_target, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise _Timeout()
    if "error" in box:
        raise box["error"]
    return box.get("value")


def _run_inprocess(fn, probes, forbidden, seconds) -> Run:
    watch = _Watch(forbidden)
    deadline = time.monotonic() + seconds
    outcomes = []
    for i, probe in enumerate(probes):
        left = max(deadline - time.monotonic(), 0.05)

        def call(f, a, k, w, _left=left):
            return _call_with_timeout(f, a, k, w, _left)

        try:
            outcomes.append(call_probe(fn, probe, watch, call))
        except _Timeout:
            return Run(tuple(outcomes), "timeout", i, library_call=watch.hit)
    return Run(tuple(outcomes), library_call=watch.hit)


# --------------------------------------------------------------------------- forked child


def portable(value, depth: int = 0):
    """``value`` as plain numbers, arrays, tuples and lists that can cross a pipe (and nothing that runs code).

    Six levels of nesting hold a pair of 4-D nested lists (a batch of heads' outputs and weights).
    """
    if depth > 6:
        return Foreign(type(value).__name__)
    if value is None or isinstance(value, (bool, int, float, complex, str)):
        return value[:200] if isinstance(value, str) else value
    if isinstance(value, np.generic):
        return value if value.dtype.kind in "biufc" else Foreign(type(value).__name__, repr(value)[:80])
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biufc":
            return Foreign(f"ndarray of dtype {value.dtype}")
        return np.array(value, copy=True, subok=False)
    if isinstance(value, (tuple, list)) and len(value) <= 100_000:
        items = [portable(v, depth + 1) for v in value]
        return tuple(items) if isinstance(value, tuple) else items
    try:
        text = repr(value)[:80]
    except Exception:
        text = ""
    return Foreign(type(value).__name__, text)


class _Channel:
    """Length-prefixed pickles over a pipe."""

    def __init__(self, fd: int):
        self.fd = fd

    def send(self, message) -> None:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        if len(data) > _MAX_MESSAGE:
            data = pickle.dumps(message[:-1] + (Outcome(value=Foreign("very large result")),))
        view = memoryview(_HEADER.pack(len(data)) + data)
        while view:
            view = view[os.write(self.fd, view):]


class _CappedOutput(io.TextIOBase):
    """The child's ``sys.stdout`` and ``sys.stderr``: forwards the first ``limit`` characters to the parent."""

    def __init__(self, channel: _Channel, limit: int):
        self.channel, self.limit, self.total = channel, limit, 0

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        text = str(text)
        shown = max(0, min(len(text), self.limit - self.total))
        if shown:
            self.channel.send(("print", text[:shown]))
        self.total += len(text)
        return len(text)


def _limit_memory() -> None:
    import resource

    try:
        with open("/proc/self/statm") as f:
            mapped = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        mapped = 0
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = mapped + MEMORY_BYTES
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


_TRIPWIRE = "__attention_course_tripwire__"


class _Tripwires:
    """In the child only: every forbidden library function becomes a wire that notes who called it.

    Each function's code is swapped for a stub that calls the original and records the call when
    it comes from outside the library. Every reference to the function (an import, a partial, a
    default argument) goes through the stub, and code that calls nothing forbidden runs at full speed.
    """

    def __init__(self, forbidden: tuple):
        self.hit: str | None = None
        self.originals = []
        for target in forbidden:
            if not isinstance(target, types.FunctionType) or target.__closure__:
                continue
            original = types.FunctionType(target.__code__, target.__globals__, target.__name__,
                                          target.__defaults__, target.__closure__)
            original.__kwdefaults__ = target.__kwdefaults__
            self.originals.append((original, f"attention_lib.{target.__name__}"))
            stub: dict = {}
            exec(f"def {target.__name__}(*args, **kwargs):\n"
                 f"    return {_TRIPWIRE}({len(self.originals) - 1}, args, kwargs)", stub)
            target.__globals__[_TRIPWIRE] = self.tripped
            target.__code__ = stub[target.__name__].__code__

    def tripped(self, key, args, kwargs):
        original, name = self.originals[key]
        caller = sys._getframe(2)
        if self.hit is None and not caller.f_code.co_filename.startswith(_LIBRARY):
            self.hit = name
        return original(*args, **kwargs)


def _child(fn, probes, forbidden, channel: _Channel) -> None:
    """In the forked child: run every probe, send each outcome, never return."""
    try:
        os.setpgid(0, 0)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        _limit_memory()
        out = _CappedOutput(channel, PRINT_LIMIT)
        sys.stdout = sys.stderr = sys.__stdout__ = sys.__stderr__ = out
        sys.stdin = sys.__stdin__ = io.StringIO("")
        quiet = os.open(os.devnull, os.O_RDWR)
        for fd in {0, 1, 2} - {channel.fd}:  # C-level output (LAPACK, os.write) stays out of the kernel's log
            os.dup2(quiet, fd)
        channel.send(("started",))
        wires = _Tripwires(forbidden)
        exhausted = None
        for i, probe in enumerate(probes):
            channel.send(("probe", i))
            outcome = exhausted or call_probe(fn, probe)
            if outcome.error_type in ("MemoryError", "_ArrayMemoryError"):
                exhausted = Outcome(error=f"{outcome.error_type}: not run after the memory ran out",
                                    error_type=outcome.error_type)
            channel.send(("outcome", i, Outcome(portable(outcome.value), outcome.error, outcome.error_type,
                                                 outcome.line, outcome.mutated, tuple(map(str, outcome.state)))))
        channel.send(("done", wires.hit, out.total))
    except BaseException:                # the checker's own trouble in the child: the parent sees no "done"
        pass
    finally:
        os._exit(0)


def _fork():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)   # "multi-threaded process": the child only computes
        return os.fork()


def _run_forked(fn, probes, forbidden, seconds) -> Run | None:
    """Run in a child; None if the child could not even start (then the caller runs in-process)."""
    read_fd, write_fd = os.pipe()
    try:
        pid = _fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return None
    if pid == 0:
        os.close(read_fd)
        _child(fn, probes, forbidden, _Channel(write_fd))
    os.close(write_fd)
    try:
        return _collect(pid, read_fd, seconds)
    finally:
        os.close(read_fd)
        _kill(pid)


def _kill(pid: int) -> None:
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
        except (ProcessLookupError, PermissionError):
            pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def _collect(pid: int, fd: int, seconds: float) -> Run | None:
    deadline = time.monotonic() + seconds
    buffer = bytearray()
    state = {"started": False, "probe": 0, "outcomes": {}, "done": None, "printed": []}
    eof = False
    while not eof and state["done"] is None:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            break
        chunk = os.read(fd, 1 << 16)
        eof = not chunk
        buffer += chunk
        _drain(buffer, state)
    _show(state)
    if not state["started"]:
        return None
    outcomes = tuple(state["outcomes"][i] for i in sorted(state["outcomes"]))
    if state["done"] is not None:
        hit, total = state["done"]
        _note_cut(total)
        return Run(outcomes, library_call=hit, mode="fork")
    if not eof:
        return Run(outcomes, "timeout", state["probe"], mode="fork")
    return Run(outcomes, "crashed", state["probe"], _how_it_ended(pid), mode="fork")


class _Unpickler(pickle.Unpickler):
    """Rebuilds only numbers, arrays and the sandbox's own records: nothing from the child can run code here."""

    _NUMPY = {"_reconstruct", "scalar", "dtype", "ndarray", "_frombuffer"}
    _BUILTINS = {"complex", "tuple", "list", "int", "float", "bool", "str", "bytes", "bytearray", "slice"}

    def find_class(self, module, name):
        if (module.split(".")[0] == "numpy" and name in self._NUMPY) or module == __name__ \
                or (module == "builtins" and name in self._BUILTINS):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} may not cross from the sandbox")


def _loads(data: bytes):
    return _Unpickler(io.BytesIO(data)).load()


def _drain(buffer: bytearray, state: dict) -> None:
    while len(buffer) >= _HEADER.size:
        (size,) = _HEADER.unpack_from(buffer)
        if len(buffer) < _HEADER.size + size:
            return
        message = _loads(bytes(buffer[_HEADER.size:_HEADER.size + size]))
        del buffer[:_HEADER.size + size]
        kind = message[0]
        if kind == "started":
            state["started"] = True
        elif kind == "probe":
            state["probe"] = message[1]
        elif kind == "outcome":
            state["outcomes"][message[1]] = message[2]
        elif kind == "print":
            state["printed"].append(message[1])
        elif kind == "done":
            state["done"] = message[1:]


def _show(state: dict) -> None:
    """Pass the learner's printed output on to the notebook (it is already capped by the child)."""
    if state["printed"]:
        sys.stdout.write("".join(state["printed"]))
        state["printed"].clear()


def _note_cut(total: int) -> None:
    if total > PRINT_LIMIT:
        sys.stdout.write(f"\n… (output cut: your function printed {total:,} characters; "
                         f"only the first {PRINT_LIMIT:,} are shown)\n")


def _how_it_ended(pid: int) -> str:
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return "it stopped the Python process"
    if os.WIFSIGNALED(status):
        name = signal.Signals(os.WTERMSIG(status)).name
        if name == "SIGSEGV":
            return "the Python process crashed (SIGSEGV), which very deep recursion can cause"
        return f"the Python process was killed ({name})"
    return f"it ended the Python process itself (exit status {os.WEXITSTATUS(status)}, e.g. `os._exit` or `exit`)"
