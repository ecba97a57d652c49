"""Run a learner's function on every probe, where nothing it does can hang or change the checker.

Two ways to run, chosen once per process by :func:`mode`:

``"fork"`` (Linux: Binder, JupyterHub, CI, a laptop running Linux)
    One child process per check, made with ``os.fork``: a *watchdog* that never runs the learner's
    code, and below it the process that does. Where user namespaces are allowed, that process is
    the first of a PID namespace of its own, so every process the learner's code starts (whatever
    it does to its session or group) dies with it; elsewhere the watchdog is a child subreaper that
    kills every process left below it. The learner's process limits its own address space
    (``RLIMIT_AS``), reads the answer's code (which library functions it names: :mod:`._forbidden`),
    runs every probe, and sends each :class:`Outcome` back over a pipe; the parent waits at most
    ``seconds`` of wall-clock time, then kills it. A bare ``except:`` retry loop, a long LAPACK call,
    ``signal`` tampering, threads that never stop, ``os._exit``, a segfault from deep recursion or a
    memory bomb all end in the child, as a ``timeout`` or a crash that the engine reports as
    ``raised``; the kernel lives on. Whatever the learner's code patches (numpy, the checker, the
    probes it finds on the stack) is patched in the child only: the comparison happens in the
    parent, which touches no object of the learner's. The parent reads at most :data:`READ_LIMIT`
    bytes from the child, unpickles only the exact names in :data:`CROSSING`, bounds the size of what
    it rebuilds, and shows at most :data:`PRINT_LIMIT` characters of what the function printed.

``"inprocess"`` (Windows, macOS, or ``ATTENTION_COURSE_SANDBOX=inprocess``)
    The function runs in the checker's own process, with a copy of each input and a timer
    (``SIGALRM`` on the main thread, a watchdog thread elsewhere), and so does the reading of its
    code. That stops an ordinary endless loop but not one that swallows every exception, nor a long
    call inside numpy. What it prints is cut after :data:`PRINT_LIMIT` characters too.
    macOS has ``fork`` but its system frameworks are not fork-safe, so it uses this path too.

Set ``ATTENTION_COURSE_SANDBOX=fork`` or ``=inprocess`` to choose explicitly.
"""
from __future__ import annotations

import contextlib
import copy
import ctypes
import hashlib
import io
import itertools
import numbers
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

from attention_lib._limits import limit_address_space
from attention_lib._paths import PACKAGE  # absolute: the class report's grading sandbox loads this module alone

from . import _forbidden

TIMEOUT_SECONDS = 3.0
"""Wall-clock budget for all the probes of one check together."""
MEMORY_BYTES = 512 << 20
"""Address space the child may map beyond what it inherited (RLIMIT_AS)."""
PRINT_LIMIT = 4000
"""Characters of the learner's printed output that reach the notebook, per check."""
MODES = ("fork", "inprocess")
_LIBRARY = str(PACKAGE)
READ_LIMIT = 32 << 20
"""Bytes the parent reads from one check's child, all messages together; beyond them the child is stopped."""
ELEMENTS_LIMIT = 4 << 20
"""Numbers a rebuilt result may hold (counting each repeated reference again); beyond them it is "very large"."""
_HEADER = struct.Struct("!I")
_MAX_MESSAGE = 16 << 20


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
    ``library_call`` names a forbidden library function the learner's code called or refers to;
    ``names`` are the global and attribute names in its code (evidence of how it was written).
    """

    outcomes: tuple
    stopped: str | None = None
    stopped_at: int | None = None
    detail: str = ""
    library_call: str | None = None
    mode: str = "inprocess"
    names: frozenset = frozenset()


def mode() -> str:
    """``"fork"`` where a forked child is available and safe, else ``"inprocess"`` (see the module docstring)."""
    chosen = os.environ.get("ATTENTION_COURSE_SANDBOX", "").strip().lower()
    if chosen in MODES:
        return chosen if chosen != "fork" or hasattr(os, "fork") else "inprocess"
    return "fork" if hasattr(os, "fork") and sys.platform.startswith("linux") else "inprocess"


def run(fn: Callable, probes, forbidden: tuple = (), seconds: float | None = None) -> Run:
    """Run ``fn`` on every probe, noting any call it makes to a ``forbidden`` library function.

    ``seconds``: the wall-clock limit for all the probes together, :data:`TIMEOUT_SECONDS` (read at the call) if None.
    """
    seconds = TIMEOUT_SECONDS if seconds is None else seconds
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


class _CappedText(io.TextIOBase):
    """Text written here reaches ``target`` up to ``limit`` characters in all; ``total`` counts everything."""

    def __init__(self, target, limit: int):
        self.target, self.limit, self.total = target, limit, 0

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        text = str(text)
        shown = max(0, min(len(text), self.limit - self.total))
        if shown:
            self._pass_on(text[:shown])
        self.total += len(text)
        return len(text)

    def _pass_on(self, text: str) -> None:
        self.target.write(text)


def _run_inprocess(fn, probes, forbidden, seconds) -> Run:
    watch = _Watch(forbidden)
    deadline = time.monotonic() + seconds
    outcomes = []
    shown = _CappedText(sys.stdout, PRINT_LIMIT)
    with contextlib.redirect_stdout(shown), contextlib.redirect_stderr(shown):
        try:
            hit, names = _call_with_timeout(_forbidden.read, (fn, forbidden), {}, None, seconds)
        except _Timeout:
            return Run((), "timeout", 0)
        except Exception:             # noqa: BLE001 - code that cannot be read is judged on what it does
            hit, names = None, frozenset()
        for i, probe in enumerate(probes):
            left = max(deadline - time.monotonic(), 0.05)

            def call(f, a, k, w, _left=left):
                return _call_with_timeout(f, a, k, w, _left)

            try:
                outcomes.append(call_probe(fn, probe, watch, call))
            except _Timeout:
                return Run(tuple(outcomes), "timeout", i, library_call=hit or watch.hit, names=names)
    _note_cut(shown.total)
    return Run(tuple(outcomes), library_call=hit or watch.hit, names=names)


# --------------------------------------------------------------------------- forked child


def _number(value):
    """A number of any numeric type, as the plain Python or numpy number it stands for (None if it is not one)."""
    if isinstance(value, np.generic):
        return np.asarray(value)[()] if value.dtype.kind in "biufc" else None
    for plain in (bool, int, float, complex):
        if isinstance(value, plain):
            return value if type(value) is plain else plain(value)
    if isinstance(value, numbers.Number):   # Fraction, Decimal and the like
        return float(value) if isinstance(value, numbers.Real) or not isinstance(value, numbers.Complex) \
            else complex(value)
    return None


def portable(value, depth: int = 0):
    """``value`` as plain numbers, arrays, tuples and lists that can cross a pipe (and nothing that runs code).

    A number of any numeric type (a ``float`` subclass, ``Fraction``, a numpy scalar) becomes the plain
    number it stands for. Six levels of nesting hold a pair of 4-D nested lists (a batch of heads'
    outputs and weights).
    """
    if depth > 6:
        return Foreign(type(value).__name__)
    try:
        if value is None:
            return None
        if isinstance(value, str):
            return str.__str__(value)[:200]
        number = _number(value)
        if number is not None:
            return number
        if isinstance(value, np.ndarray):
            if value.dtype.kind not in "biufc":
                return Foreign(f"ndarray of dtype {value.dtype}")
            return np.array(value, copy=True, subok=False)
        if isinstance(value, (tuple, list)) and len(value) <= 100_000:
            items = [portable(v, depth + 1) for v in value]
            return tuple(items) if isinstance(value, tuple) else items
    except Exception:                    # noqa: BLE001 - a number whose conversion fails is not a number
        pass
    try:
        text = repr(value)[:80]
    except Exception:                    # noqa: BLE001
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


class _CappedOutput(_CappedText):
    """The child's ``sys.stdout`` and ``sys.stderr``: forwards the first ``limit`` characters to the parent."""

    def __init__(self, channel: _Channel, limit: int):
        super().__init__(None, limit)
        self.channel = channel

    def _pass_on(self, text: str) -> None:
        self.channel.send(("print", text))


_M_ARENA_MAX = -8


def _limit_memory() -> None:
    """Cap the child's address space at :data:`MEMORY_BYTES` more than it has.

    glibc reserves 64 MB of address space for a new thread's own malloc arena, so a few threads (a learner's, or
    a BLAS's) would reach the cap without using memory; the child's threads share the arenas it already has.
    """
    try:
        ctypes.CDLL(None).mallopt(_M_ARENA_MAX, 1)
    except (AttributeError, OSError):           # not glibc: no per-thread arenas to share
        pass
    limit_address_space(MEMORY_BYTES)


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


def messages(fn, probes, forbidden):
    """What a child running the learner's code tells its parent, in order (the grading sandbox sends the same):

    ``("read", library_call, names)`` from reading the answer's code, then ``("probe", i)`` and
    ``("outcome", i, Outcome)`` for each probe, and ``("done", library_call)`` from the tripwires.
    """
    try:
        hit, names = _forbidden.read(fn, forbidden)
    except Exception:                    # noqa: BLE001 - code that cannot be read is judged on what it does
        hit, names = None, frozenset()
    yield ("read", hit, tuple(sorted(names))[:5000])
    wires = _Tripwires(forbidden)
    exhausted = None
    for i, probe in enumerate(probes):
        yield ("probe", i)
        outcome = exhausted or call_probe(fn, probe)
        if outcome.error_type in ("MemoryError", "_ArrayMemoryError"):
            exhausted = Outcome(error=f"{outcome.error_type}: not run after the memory ran out",
                                error_type=outcome.error_type)
        yield ("outcome", i, Outcome(portable(outcome.value), outcome.error, outcome.error_type, outcome.line,
                                     outcome.mutated, tuple(map(str, outcome.state))))
    yield ("done", wires.hit)


def _child(fn, probes, forbidden, channel: _Channel) -> None:
    """In the forked child: read the answer's code, run every probe, send each outcome, never return."""
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        _limit_memory()
        out = _CappedOutput(channel, PRINT_LIMIT)
        sys.stdout = sys.stderr = sys.__stdout__ = sys.__stderr__ = out
        sys.stdin = sys.__stdin__ = io.StringIO("")
        quiet = os.open(os.devnull, os.O_RDWR)
        for fd in {0, 1, 2} - {channel.fd}:  # C-level output (LAPACK, os.write) stays out of the kernel's log
            os.dup2(quiet, fd)
        channel.send(("started",))
        for message in messages(fn, probes, forbidden):
            channel.send(message + (out.total,) if message[0] == "done" else message)
    except BaseException:                # the checker's own trouble in the child: the parent sees no "done"
        pass
    finally:
        os._exit(0)


def _fork():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)   # "multi-threaded process": the child only computes
        return os.fork()


_CLONE_NEWUSER, _CLONE_NEWPID = 0x10000000, 0x20000000
_PR_SET_PDEATHSIG, _PR_SET_CHILD_SUBREAPER = 1, 36


def _own_namespace() -> bool:
    """Make the next child the first process of a new PID namespace (in a user namespace of our own).

    True where the kernel allows it (most Linux desktops, Binder, JupyterHub on a VM); False inside
    containers whose seccomp profile forbids namespaces.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(_CLONE_NEWUSER | _CLONE_NEWPID) != 0:
        return False
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
        try:
            with open(f"/proc/self/{name}", "w") as f:
                f.write(text)
        except OSError:
            pass
    return True


def _watchdog(report_fd: int) -> int | None:
    """In the forked child: fork the process that runs the learner's code, and stay behind to bury it.

    Returns in the learner's process (None); the watchdog itself waits for that process, kills every
    process left below it (without a namespace; with one, the kernel already has), then ends the way
    the learner's process ended, so that the parent can tell how.
    """
    os.setpgid(0, 0)
    namespaced = _own_namespace()
    libc = ctypes.CDLL(None, use_errno=True)
    if not namespaced:
        libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    inner = os.fork()
    if inner == 0:
        os.close(report_fd)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        return None
    os.write(report_fd, struct.pack("!i?", inner, namespaced))
    os.close(report_fd)
    try:
        _, status = os.waitpid(inner, 0)
    except ChildProcessError:
        status = 0
    _bury_descendants()
    if os.WIFSIGNALED(status):
        signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
        os.kill(os.getpid(), os.WTERMSIG(status))
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)


def _bury_descendants() -> None:
    """Kill and reap every process below this one (as a subreaper, the orphans are ours too)."""
    for _ in range(50):
        children = _children(os.getpid())
        if not children:
            break
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        with contextlib.suppress(ChildProcessError):
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        time.sleep(0.01)


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return found


def _run_forked(fn, probes, forbidden, seconds) -> Run | None:
    """Run in a child; None if the child could not even start (then the caller runs in-process)."""
    read_fd, write_fd = os.pipe()
    who_r, who_w = os.pipe()
    try:
        pid = _fork()
    except OSError:
        for fd in (read_fd, write_fd, who_r, who_w):
            os.close(fd)
        return None
    if pid == 0:                         # the child never returns into the kernel's code, whatever happens
        try:
            os.close(read_fd)
            os.close(who_r)
            _watchdog(who_w)
            _child(fn, probes, forbidden, _Channel(write_fd))
        finally:
            os._exit(70)
    os.close(write_fd)
    os.close(who_w)
    inner = _learner_pid(who_r)
    try:
        return _collect(pid, read_fd, seconds)
    finally:
        os.close(read_fd)
        _kill(pid, inner)


def _learner_pid(fd: int) -> int | None:
    """The pid of the process that runs the learner's code, as the watchdog reports it (it does so at once)."""
    try:
        if select.select([fd], [], [], 5.0)[0]:
            data = os.read(fd, 5)
            if len(data) == 5:
                return struct.unpack("!i?", data)[0]
        return None
    finally:
        os.close(fd)


def _kill(pid: int, inner: int | None) -> None:
    """Kill the learner's process (its namespace dies with it), let the watchdog bury the rest, then reap it."""
    if inner is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(inner, signal.SIGKILL)
    deadline = time.monotonic() + 3.0
    while time.monotonic() < deadline:
        try:
            if os.waitpid(pid, os.WNOHANG)[0]:
                return
        except ChildProcessError:
            return
        time.sleep(0.002)
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            target()
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)



def _collect(pid: int, fd: int, seconds: float) -> Run | None:
    deadline = time.monotonic() + seconds
    buffer = bytearray()
    state = {"started": False, "probe": 0, "outcomes": {}, "done": None, "printed": [], "shown": 0,
             "read": (None, frozenset()), "bad": None}
    eof, total = False, 0
    while not eof and state["done"] is None and state["bad"] is None:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            break
        chunk = os.read(fd, min(1 << 16, READ_LIMIT + 1 - total))
        eof = not chunk
        total += len(chunk)
        buffer += chunk
        _drain(buffer, state)
        if total > READ_LIMIT and state["bad"] is None:
            state["bad"] = f"it sent more than {READ_LIMIT >> 20} MB back to the checker"
    _show(state)
    if not state["started"]:
        return None
    outcomes = tuple(itertools.takewhile(lambda o: o is not None,
                                         (state["outcomes"].get(i) for i in range(len(state["outcomes"])))))
    hit, names = state["read"]
    if state["bad"] is not None:
        return Run(outcomes, "crashed", state["probe"], state["bad"], library_call=hit, mode="fork", names=names)
    if state["done"] is not None:
        wired, printed = state["done"]
        _note_cut(printed)
        return Run(outcomes, library_call=hit or wired, mode="fork", names=names)
    if not eof:
        return Run(outcomes, "timeout", state["probe"], library_call=hit, mode="fork", names=names)
    return Run(outcomes, "crashed", state["probe"], _how_it_ended(pid), library_call=hit, mode="fork", names=names)


CROSSING = {
    ("builtins", "complex"), ("numpy", "ndarray"), ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),
    (__name__, "Outcome"), (__name__, "Foreign"),
}
"""Every ``(module, name)`` the parent may rebuild from the child's pickles: exactly these, nothing dotted."""


class _Unpickler(pickle.Unpickler):
    """Rebuilds only the names in :data:`CROSSING`: nothing from the child can run code here."""

    def find_class(self, module, name):
        if (module, name) in CROSSING:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} may not cross from the sandbox")


def _loads(data: bytes):
    return _Unpickler(io.BytesIO(data)).load()


_NUMBERS = (bool, int, float, complex, np.generic)


def _bounded(value, budget: list, depth: int = 0):
    """``value`` if it is made only of what :func:`portable` sends, within :data:`ELEMENTS_LIMIT`, else a Foreign."""
    if depth > 8:
        return Foreign("deeply nested result")
    kind = type(value)
    if value is None or kind in (bool, int, float, complex, Foreign) or isinstance(value, np.generic):
        budget[0] -= 1
    elif kind is str:
        value = value[:200]
        budget[0] -= 1
    elif kind is np.ndarray:
        if value.dtype.kind not in "biufc" or value.dtype.hasobject:
            return Foreign(f"ndarray of dtype {value.dtype}")
        budget[0] -= value.size
    elif kind in (tuple, list):
        if len(value) > 100_000:
            return Foreign("very large result")
        budget[0] -= len(value)
        items = [_bounded(v, budget, depth + 1) for v in value]
        if budget[0] < 0:
            return Foreign("very large result")
        value = kind(items)
    else:
        return Foreign(kind.__name__)
    return value if budget[0] >= 0 else Foreign("very large result")


def _outcome(value) -> Outcome | None:
    """An :class:`Outcome` from the child, with every field of the type it must have; None if it is not one."""
    if type(value) is not Outcome:
        return None
    texts = (value.error, value.error_type, value.line)
    if not all(t is None or type(t) is str for t in texts) or type(value.mutated) is not bool:
        return None
    state = value.state
    if type(state) is not tuple or len(state) > 8 or not all(type(t) is str and len(t) <= 40 for t in state):
        return None
    return Outcome(_bounded(value.value, [ELEMENTS_LIMIT]), *(t if t is None else t[:500] for t in texts),
                   value.mutated, state)


def _drain(buffer: bytearray, state: dict) -> None:
    """Take every whole message off ``buffer``; one the child could not have sent marks the run as tampered with."""
    while len(buffer) >= _HEADER.size and state["bad"] is None:
        (size,) = _HEADER.unpack_from(buffer)
        if size > _MAX_MESSAGE:
            state["bad"] = "it sent the checker a message too large to read"
            return
        if len(buffer) < _HEADER.size + size:
            return
        data = bytes(buffer[_HEADER.size:_HEADER.size + size])
        del buffer[:_HEADER.size + size]
        try:
            message = _loads(data)
        except Exception:                # noqa: BLE001 - whatever it was, it is not a message of ours
            state["bad"] = "it sent the checker something that is not a message of the sandbox's"
            return
        if not _take(message, state):
            state["bad"] = "it sent the checker a message of the wrong form"


def _take(message, state: dict) -> bool:
    """Record one message; False if it does not have the form the child sends."""
    if type(message) is not tuple or not message or type(message[0]) is not str:
        return False
    kind, rest = message[0], message[1:]
    if kind == "started" and not rest:
        state["started"] = True
    elif kind == "read" and len(rest) == 2 and (rest[0] is None or type(rest[0]) is str) and type(rest[1]) is tuple:
        state["read"] = (rest[0], frozenset(n for n in rest[1][:5000] if type(n) is str))
    elif kind == "probe" and len(rest) == 1 and type(rest[0]) is int:
        state["probe"] = rest[0]
    elif kind == "outcome" and len(rest) == 2 and type(rest[0]) is int and _outcome(rest[1]) is not None:
        state["outcomes"][rest[0]] = _outcome(rest[1])
    elif kind == "print" and len(rest) == 1 and type(rest[0]) is str:
        room = PRINT_LIMIT - state["shown"]
        if room > 0:
            state["printed"].append(rest[0][:room])
        state["shown"] += len(rest[0])
    elif kind == "done" and len(rest) == 2 and (rest[0] is None or type(rest[0]) is str) and type(rest[1]) is int:
        state["done"] = (rest[0], max(rest[1], state["shown"]))
    else:
        return False
    return True


def _show(state: dict) -> None:
    """Pass the learner's printed output on to the notebook, at most :data:`PRINT_LIMIT` characters of it."""
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
    return how_it_ended(status)


def how_it_ended(status: int) -> str:
    """In the learner's words, how a process that ran their code ended (``status`` from ``os.waitpid``)."""
    if os.WIFSIGNALED(status):
        name = signal.Signals(os.WTERMSIG(status)).name
        if name == "SIGSEGV":
            return "the Python process crashed (SIGSEGV), which very deep recursion can cause"
        return f"the Python process was killed ({name})"
    return f"it ended the Python process itself (exit status {os.WEXITSTATUS(status)}, e.g. `os._exit` or `exit`)"
