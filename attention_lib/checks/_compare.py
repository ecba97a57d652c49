"""Comparing what a function returned with what it should have returned.

Lists, tuples and arrays of numbers are the same thing here. The tolerance is wide enough for work
done in float32: a float32 result, and equally a float64 result that passed through float32 on the way
(numpy turns ``float32_array / np.sqrt(d)`` into float64), agree with the float64 reference to about
1e-6 of its scale, relative error up to 1e-4 where large logits meet the exponential. float16 keeps
three digits only: it is never close enough, and the diagnosis says so.
"""
from __future__ import annotations

import numpy as np

from ._sandbox import Foreign, Outcome

FLOAT32_RTOL = 1e-4
FLOAT32_ATOL = 1e-6


def as_array(x) -> np.ndarray | None:
    """``x`` as a numeric array (lists, tuples, numpy scalars and Python numbers alike), or None."""
    if isinstance(x, (Foreign, str, bytes, dict)) or x is None:
        return None
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError):
        return None
    if arr.dtype.kind == "O":
        return None
    return arr if arr.dtype.kind in "biuf" else None


def as_pair(x) -> tuple | None:
    """A returned pair as a tuple, whether it came as a tuple or a list."""
    return tuple(x) if isinstance(x, (tuple, list)) else None


def precision(arr: np.ndarray) -> str:
    """``"float16"``, ``"float32"`` or ``"float64"``, from the dtype."""
    return {np.dtype(np.float16): "float16", np.dtype(np.float32): "float32"}.get(arr.dtype, "float64")


def tolerance(mine: np.ndarray, ref: np.ndarray, rtol: float, atol: float) -> tuple[float, float]:
    """The (rtol, atol) that accept float32 work: the exercise's own, widened to float32's precision."""
    finite = np.abs(ref[np.isfinite(ref)]) if ref.dtype.kind == "f" else np.abs(ref)
    scale = max(1.0, float(finite.max())) if finite.size else 1.0
    return max(rtol, FLOAT32_RTOL), max(atol, FLOAT32_ATOL * scale)


def arrays_match(mine, ref, rtol=1e-6, atol=1e-8) -> bool:
    """Equal within the tolerance for ``mine``'s precision, NaN matching NaN; bool must match bool."""
    a, b = as_array(mine), as_array(ref)
    if a is None or b is None or a.shape != b.shape or (a.dtype == bool) != (b.dtype == bool):
        return False
    if a.dtype == bool:
        return bool(np.array_equal(a, b))
    if precision(a) == "float16":
        return False
    rtol, atol = tolerance(a, b, rtol, atol)
    with np.errstate(all="ignore"):
        return bool(np.allclose(a.astype(float), b.astype(float), rtol=rtol, atol=atol, equal_nan=True))


def values_match(mine, ref, rtol=1e-6, atol=1e-8) -> bool:
    """Equal within tolerance; a tuple ``ref`` (a returned pair) is compared item by item."""
    if isinstance(ref, tuple) and as_array(ref) is None:
        pair = as_pair(mine)
        if pair is None or len(pair) != len(ref):
            return False
        return all(values_match(x, y, rtol, atol) for x, y in zip(pair, ref, strict=True))
    if isinstance(ref, tuple) and isinstance(mine, (tuple, list)) and as_array(mine) is None:
        return False
    return arrays_match(mine, ref, rtol, atol)


def outcome_matches(mine: Outcome, theirs: Outcome, rtol, atol) -> bool:
    """Same behaviour on one probe: both raise the same kind of error, or both return matching values and leave
    every random generator among the inputs in the same state."""
    if mine.raised or theirs.raised:
        return mine.error_type == theirs.error_type
    return mine.state == theirs.state and values_match(mine.value, theirs.value, rtol, atol)


def outcomes_match(mine, theirs, rtol, atol) -> bool:
    """Same behaviour on every probe. At least one probe must return a value: two crashes never match."""
    if len(mine) != len(theirs) or all(m.raised for m in mine):
        return False
    return all(outcome_matches(m, t, rtol, atol) for m, t in zip(mine, theirs, strict=True))


def describe(value) -> str:
    """A learner's value in words: its kind, shape and dtype."""
    if isinstance(value, Foreign):
        return f"a {value.type_name}"
    if isinstance(value, (tuple, list)) and as_array(value) is None:
        kind = "tuple" if isinstance(value, tuple) else "list"
        return f"a {kind} of " + ", ".join(describe(v) for v in value[:4]) + (", …" if len(value) > 4 else "")
    arr = as_array(value)
    if arr is None:
        return f"a {type(value).__name__}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of numbers with shape {arr.shape}"
    if arr.ndim == 0:
        return f"a single number ({type(value).__name__})"
    return f"an array of shape {arr.shape} and dtype {arr.dtype}"


def looks_rounded(y, r) -> bool:
    """Off as rounding or a search stopped early leave a number: within 1 %, or written with at most three
    significant digits. An answer with all its digits that is further off comes from a slip in the working."""
    y, r = np.asarray(y, dtype=float), np.asarray(r, dtype=float)
    if np.allclose(y, r, rtol=1e-2, atol=1e-9):
        return True
    return all(v == float(f"{v:.3g}") for v in y.ravel())
