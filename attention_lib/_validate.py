"""Boundary checks shared by every public function.

They turn the usual numpy broadcasting traces into errors that name the
argument, its shape and the axis that disagrees.
"""
from __future__ import annotations

import numbers

import numpy as np


def as_float_array(x, name: str) -> np.ndarray:
    """Return ``x`` as a floating array: float32 stays float32, ints and bools become float64."""
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be a numeric array, got {type(x).__name__}: {exc}") from None
    if arr.dtype.kind in "biu":
        return arr.astype(np.float64)
    if arr.dtype.kind != "f":
        raise TypeError(f"{name} must be numeric, got dtype {arr.dtype} ({type(x).__name__})")
    return arr


def require_ndim(arr: np.ndarray, name: str, min_ndim: int, layout: str) -> None:
    """Raise ValueError if ``arr`` has fewer than ``min_ndim`` axes; ``layout`` is e.g. "(..., n_q, d)"."""
    if arr.ndim < min_ndim:
        raise ValueError(f"{name} must have shape {layout}, got shape {arr.shape} ({arr.ndim} axes)")


def require_same(a: np.ndarray, b: np.ndarray, axis: int, names: tuple[str, str], what: str) -> None:
    """Raise ValueError naming both shapes if ``a`` and ``b`` differ along ``axis``."""
    if a.shape[axis] != b.shape[axis]:
        raise ValueError(
            f"{names[0]} has shape {a.shape} and {names[1]} has shape {b.shape}: "
            f"axis {axis} ({what}) must match, got {a.shape[axis]} and {b.shape[axis]}"
        )


def require_batch_compatible(a: np.ndarray, b: np.ndarray, names: tuple[str, str]) -> None:
    """Raise ValueError if the leading (batch) axes of ``a`` and ``b`` cannot broadcast."""
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ValueError(
            f"{names[0]} has shape {a.shape} and {names[1]} has shape {b.shape}: "
            f"their leading (batch) axes {a.shape[:-2]} and {b.shape[:-2]} cannot broadcast"
        ) from None


def positive_scalar(value, name: str) -> float:
    """Return ``value`` as a Python float, raising ValueError unless it is a finite number > 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number > 0, got {value!r}")
    value = float(value)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return value


def whole_number(value, name: str, minimum: int = 1) -> int:
    """Return ``value`` as an int, raising unless it is a whole number >= ``minimum`` (bools are refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole number, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def qkv_arrays(q, k, v):
    """Validate queries, keys and values together; return them as float arrays and the batch shape.

    q (..., n_q, d), k (..., n_k, d), v (..., n_k, d_v); the leading axes must broadcast.
    """
    q, k, v = as_float_array(q, "q"), as_float_array(k, "k"), as_float_array(v, "v")
    require_ndim(q, "q", 2, "(..., n_q, d)")
    require_ndim(k, "k", 2, "(..., n_k, d)")
    require_ndim(v, "v", 2, "(..., n_k, d_v)")
    require_same(q, k, -1, ("q", "k"), "the feature dimension d")
    require_same(k, v, -2, ("k", "v"), "the number of keys n_k")
    try:
        batch = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    except ValueError:
        raise ValueError(
            f"q {q.shape}, k {k.shape} and v {v.shape}: their leading (batch) axes cannot broadcast"
        ) from None
    return q, k, v, batch
