"""The check engine: run a learner's function safely, compare it with the hidden
reference, and name the misconception when it is wrong.

An :class:`Exercise` holds deterministic probe inputs, the reference, and a list
of :class:`Misconception` s. Each misconception is either a *variant* (a wrong
implementation: if the learner's outcomes equal the variant's on every probe,
that is the diagnosis) or a *test* (a predicate over the learner's outcomes).
"""
from __future__ import annotations

import copy
import inspect
import signal
import threading
import traceback
import types
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .catalogue import entry

STATUSES = ("correct", "incorrect", "not_attempted")
TIMEOUT_SECONDS = 3.0


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check: ``status``, a misconception ``code`` (or None) and a ``message``."""

    exercise_id: str
    status: str
    code: str | None
    message: str

    @property
    def correct(self) -> bool:
        return self.status == "correct"

    def __str__(self) -> str:
        head = {"correct": "Correct", "incorrect": "Not yet", "not_attempted": "Not attempted"}[self.status]
        tag = f" [{self.code}]" if self.code else ""
        return f"{head} ({self.exercise_id}){tag}: {self.message}"

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        icon = {"correct": "✅ **Correct**", "incorrect": "❌ **Not yet**", "not_attempted": "✏️ **Not attempted**"}
        tag = f" — misconception `{self.code}`" if self.code else ""
        return f"{icon[self.status]} (`{self.exercise_id}`){tag}\n\n{self.message}"


@dataclass(frozen=True)
class Probe:
    """One deterministic input: positional ``args`` and keyword ``kwargs``, described in ``label``."""

    label: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """What a function did on one probe: returned ``value``, or raised ``error`` at ``line``."""

    value: Any = None
    error: str | None = None
    line: str | None = None
    timed_out: bool = False
    mutated: bool = False


@dataclass(frozen=True)
class Misconception:
    """A catalogue ``code`` recognised by a wrong ``variant`` or a ``test`` over the outcomes.

    The learner reads the catalogue's message, followed by ``detail``, one sentence that is
    specific to this exercise.
    """

    code: str
    variant: Callable | None = None
    test: Callable[[list, list, list], bool] | None = None
    detail: str = ""

    def __post_init__(self):
        entry(self.code)                 # an unknown code fails at import, not in front of a learner

    @property
    def message(self) -> str:
        base = entry(self.code).message
        return f"{base} {self.detail}" if self.detail else base


def randn(seed: int, *shapes) -> tuple:
    """Standard-normal arrays of the given shapes from their own generator: each probe owns its seed."""
    rng = np.random.default_rng(seed)
    return tuple(rng.normal(size=shape) for shape in shapes)


@dataclass
class Exercise:
    """A checkable exercise. ``reference`` is the hidden correct function."""

    id: str
    signature: str
    reference: Callable
    probes: list[Probe]
    misconceptions: list[Misconception] = field(default_factory=list)
    forbidden: tuple = ()
    returns: str = "array"               # "array", "pair" (out, weights) or "value"
    rtol: float = 1e-6
    atol: float = 1e-8


class _Timeout(BaseException):
    """Raised inside the learner's code by the alarm; BaseException so `except Exception` won't swallow it."""


# --------------------------------------------------------------------------- running


def _learner_line(exc: BaseException, fn: Callable) -> str | None:
    """The deepest traceback line that belongs to the learner's own code."""
    own = getattr(getattr(fn, "__code__", None), "co_filename", None)
    frames = traceback.extract_tb(exc.__traceback__)
    mine = [f for f in frames if f.filename == own] or [f for f in frames if "attention_lib" not in f.filename]
    if not mine:
        return None
    f = mine[-1]
    return f"line {f.lineno}: {f.line}" if f.line else f"line {f.lineno}"


def _call_with_timeout(fn, args, kwargs, seconds):
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        def _alarm(signum, frame):
            raise _Timeout()

        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            return fn(*args, **kwargs)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    box: dict = {}

    def _target():
        try:
            box["value"] = fn(*args, **kwargs)
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


def _same_inputs(before, after) -> bool:
    for a, b in zip(before, after, strict=True):
        if isinstance(a, np.ndarray):
            same = isinstance(b, np.ndarray) and a.shape == b.shape
            if not (same and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")):
                return False
    return True


def run_probe(fn: Callable, probe: Probe, seconds: float = TIMEOUT_SECONDS) -> Outcome:
    """Call ``fn`` on a private copy of the probe, catching everything it might do."""
    args, kwargs = copy.deepcopy(probe.args), copy.deepcopy(probe.kwargs)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            value = _call_with_timeout(fn, args, kwargs, seconds)
        except _Timeout:
            return Outcome(timed_out=True)
        except NotImplementedError as exc:
            return Outcome(error="NotImplementedError", line=str(exc))
        except Exception as exc:
            return Outcome(error=f"{type(exc).__name__}: {exc}", line=_learner_line(exc, fn))
    mutated = not _same_inputs(probe.args + tuple(probe.kwargs.values()), args + tuple(kwargs.values()))
    return Outcome(value=value, mutated=mutated)


# --------------------------------------------------------------------------- comparing


def _as_array(x):
    try:
        arr = np.asarray(x)
    except Exception:
        return None
    return arr if arr.dtype.kind in "biuf" else None


def values_match(a, b, rtol=1e-6, atol=1e-8) -> bool:
    """Equal within tolerance, NaN matching NaN; tuples compared item by item; bool dtype must match."""
    if isinstance(b, tuple):
        if not (isinstance(a, tuple) and len(a) == len(b)):
            return False
        return all(values_match(x, y, rtol, atol) for x, y in zip(a, b, strict=True))
    x, y = _as_array(a), _as_array(b)
    if x is None or y is None or x.shape != y.shape or (x.dtype == bool) != (y.dtype == bool):
        return False
    if x.dtype == bool:
        return bool(np.array_equal(x, y))
    with np.errstate(all="ignore"):
        return bool(np.allclose(x.astype(float), y.astype(float), rtol=rtol, atol=atol, equal_nan=True))


def outcomes_match(mine: list[Outcome], theirs: list[Outcome], rtol, atol) -> bool:
    """Same behaviour on every probe: both raise, or both return matching values.

    At least one probe must return a value, so two functions that merely both crash never match.
    """
    if all(m.error is not None for m in mine):
        return False
    for m, t in zip(mine, theirs, strict=True):
        if (m.error is None) != (t.error is None) or m.timed_out or t.timed_out:
            return False
        if m.error is None and not values_match(m.value, t.value, rtol, atol):
            return False
    return True


# --------------------------------------------------------------------------- library-call detection


def _code_names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _code_names(const)
    return names


def calls_forbidden(fn: Callable, forbidden: tuple) -> str | None:
    """Name the library function ``fn`` leans on for the whole answer, if any."""
    if not forbidden:
        return None
    for target in forbidden:
        if fn is target:
            return f"attention_lib.{target.__name__}"
    code = getattr(fn, "__code__", None)
    if code is None:
        return None
    names = _code_names(code)
    globals_ = getattr(fn, "__globals__", {})
    try:
        closure = inspect.getclosurevars(fn).nonlocals
    except (TypeError, ValueError):
        closure = {}
    visible = {**globals_, **closure}
    for target in forbidden:
        for name in names:
            obj = visible.get(name)
            if obj is target:
                return f"attention_lib.{target.__name__}"
            is_lib_module = isinstance(obj, types.ModuleType) and obj.__name__.split(".")[0] == "attention_lib"
            if (is_lib_module or name == "attention_lib") and target.__name__ in names:
                return f"attention_lib.{target.__name__}"
    return None


# --------------------------------------------------------------------------- diagnosing


def _describe(value) -> str:
    if isinstance(value, tuple):
        return "a tuple of " + ", ".join(_describe(v) for v in value)
    arr = _as_array(value)
    if arr is None:
        return f"a {type(value).__name__}"
    return f"an array of shape {arr.shape} and dtype {arr.dtype}"


def _structure_problem(probe: Probe, got: Outcome, want: Outcome) -> tuple[str, str] | None:
    """Generic problems: exceptions, None, wrong type, shape, dtype, NaN."""
    where = f"On {probe.label}"
    if got.error is not None:
        line = f" at {got.line}" if got.line else ""
        return "raised", f"{where}, your function raised `{got.error}`{line}."
    value, ref = got.value, want.value
    if value is None:
        return "returned_none", f"{where}, your function returned `None`. Did you forget a `return`?"
    if isinstance(ref, tuple):
        if not isinstance(value, tuple) or len(value) != len(ref):
            return "wrong_type", f"{where}, expected a tuple of {len(ref)} arrays, got {_describe(value)}."
        pairs = zip(value, ref, strict=True)
    else:
        pairs = [(value, ref)]
    for mine, theirs in pairs:
        a, b = _as_array(mine), _as_array(theirs)
        if a is None:
            return "wrong_type", f"{where}, expected a numeric array, got {_describe(mine)}."
        if b is not None and a.shape != b.shape:
            return "wrong_shape", (f"{where}, your result has shape {a.shape}, which is not the shape this input "
                                   "calls for. Write down the shape of every intermediate array.")
        if b is not None and (a.dtype == bool) != (b.dtype == bool):
            kind = "boolean" if b.dtype == bool else "floating-point"
            return "wrong_dtype", f"{where}, your result has dtype {a.dtype}; a {kind} array is expected."
        if a.dtype.kind == "f" and not np.all(np.isfinite(a)) and (b is None or np.all(np.isfinite(b))):
            return "not_finite", (f"{where}, your result contains NaN or inf. "
                                  "Look for exp overflow, division by zero, or -inf minus -inf.")
    return None


def check(ex: Exercise, answer) -> CheckResult:
    """Check ``answer`` against exercise ``ex``; never raises."""
    try:
        return _check(ex, answer)
    except BaseException as exc:  # a bug in the checker must not break the notebook
        if isinstance(exc, KeyboardInterrupt):
            raise
        return CheckResult(ex.id, "incorrect", "checker_error",
                           f"The checker itself failed ({type(exc).__name__}); please report this. "
                           "Your answer was not judged.")


def _check(ex: Exercise, answer) -> CheckResult:
    if answer is None or answer is Ellipsis:
        return CheckResult(ex.id, "not_attempted", None, "Nothing to check yet: pass your function.")
    if not callable(answer):
        return CheckResult(ex.id, "incorrect", "not_a_function",
                           f"Pass the function itself, `{ex.signature}`, not {_describe(answer)} "
                           "(no parentheses after its name).")
    used = calls_forbidden(answer, ex.forbidden)
    if used:
        return CheckResult(ex.id, "incorrect", "calls_library",
                           f"Your function calls the library's own `{used}`. "
                           "Here the point is to build it yourself from numpy operations.")
    mine = []
    for probe in ex.probes:
        outcome = run_probe(answer, probe)
        if outcome.error == "NotImplementedError":
            return CheckResult(ex.id, "not_attempted", None,
                               "Your function still raises NotImplementedError: replace that line with your code.")
        if outcome.timed_out:
            return CheckResult(ex.id, "incorrect", "timeout",
                               f"On {probe.label}, your function ran for more than {TIMEOUT_SECONDS:.0f} s and was "
                               "stopped. Look for a loop that never ends.")
        if outcome.mutated:
            return CheckResult(ex.id, "incorrect", "mutates_input",
                               f"On {probe.label}, your function changed its input array in place (for example "
                               "`x -= ...`). Work on a new array: `x = x - ...`.")
        mine.append(outcome)
    want = [run_probe(ex.reference, p) for p in ex.probes]
    if outcomes_match(mine, want, ex.rtol, ex.atol):
        return CheckResult(ex.id, "correct", None, _praise(ex))
    for m in ex.misconceptions:
        if m.variant is not None:
            theirs = [run_probe(m.variant, p) for p in ex.probes]
            hit = outcomes_match(mine, theirs, ex.rtol, ex.atol)
        else:
            hit = _predicate_holds(m.test, mine, want, ex.probes)
        if hit:
            return CheckResult(ex.id, "incorrect", m.code, m.message)
    for probe, got, ref in zip(ex.probes, mine, want, strict=True):
        problem = _structure_problem(probe, got, ref)
        if problem:
            return CheckResult(ex.id, "incorrect", *problem)
    first = next(p for p, g, r in zip(ex.probes, mine, want, strict=True)
                 if not outcomes_match([g], [r], ex.rtol, ex.atol))
    return CheckResult(ex.id, "incorrect", "wrong_values",
                       f"Shapes and types are right, but the numbers are off on {first.label}. "
                       "Re-derive one entry by hand and compare.")


def _predicate_holds(test, mine, want, probes) -> bool:
    """A predicate misconception matches only if it holds; one that trips over odd output does not."""
    try:
        return bool(test(mine, want, probes))
    except Exception:
        return False


def _praise(ex: Exercise) -> str:
    if ex.returns == "value":
        return "Your answer matches. Well done."
    labels = "; ".join(p.label for p in ex.probes)
    return f"`{ex.signature}` gives the right result on all {len(ex.probes)} test inputs ({labels})."
