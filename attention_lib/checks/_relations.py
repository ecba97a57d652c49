"""How a wrong result relates to the right one, found without knowing the mistake in advance.

Each function here compares the learner's array ``y`` with the reference ``r`` on one probe and
returns a *relation*: a short key such as ``"factor"`` or ``"transposed"`` with its parameters, or
None. The engine asks every failing probe and keeps a relation only if all of them agree.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

CLOSE = 1e-4          # relative residual under which a relation holds (float32 work included)
SUMS = 1e-5           # how far from 1 a sum of weights may be and still count as 1


@dataclass(frozen=True)
class Relation:
    """``key`` names the relation; ``value`` is its number (a factor, a shift) where it has one."""

    key: str
    value: float | None = None
    rows: tuple = ()


def _close(a, b, tol) -> bool:
    scale = max(float(np.max(np.abs(b))), 1e-12)
    return bool(np.max(np.abs(a - b)) <= tol * scale)


def _finite(*arrays) -> bool:
    return all(np.all(np.isfinite(a)) for a in arrays)


def factor(y, r, tol=CLOSE) -> Relation | None:
    """``y = c · r`` for one constant ``c ≠ 1`` (c = −1 is a sign flip)."""
    if not _finite(y, r) or not np.any(r):
        return None
    c = float(np.vdot(y, r) / np.vdot(r, r))
    if abs(c) < 1e-12 or abs(c - 1) < 10 * tol or not _close(y, c * r, tol):
        return None
    return Relation("sign") if abs(c + 1) < 10 * tol else Relation("factor", c)


def shift(y, r, tol=CLOSE) -> Relation | None:
    """``y = r + s`` for one constant ``s ≠ 0``."""
    if not _finite(y, r) or y.size < 2:
        return None
    s = float(np.mean(y - r))
    scale = max(float(np.max(np.abs(r))), 1.0)
    if abs(s) < 10 * tol * scale or not np.allclose(y - r, s, rtol=0, atol=tol * scale):
        return None
    return Relation("shift", s)


def transposed(y, r, tol=CLOSE) -> Relation | None:
    """``y`` is ``r`` with its last two axes swapped (possibly also scaled)."""
    if r.ndim < 2 or y.shape != r.shape[:-2] + r.shape[-2:][::-1] or r.shape[-1] == r.shape[-2] == 1:
        return None
    t = np.swapaxes(r, -1, -2)
    if np.array_equal(t, r):
        return None
    if _finite(y, t) and (_close(y, t, tol) or factor(y, t, tol) is not None):
        return Relation("transposed")
    return None


def reversed_axes(y, r, tol=CLOSE) -> Relation | None:
    """``y`` is ``r`` with every axis reversed (``.T`` on an array of three or more axes)."""
    if r.ndim < 3 or y.shape != r.shape[::-1]:
        return None
    t = np.transpose(r)
    if _finite(y, t) and _close(y, t, tol):
        return Relation("reversed")
    return None


def tempered(y, r, axis=-1, tol=CLOSE) -> Relation | None:
    """Weights ``y ∝ r**c`` row by row, for one ``c ≠ 1``: the scores were multiplied by ``c`` before the softmax
    (a scale or a temperature off). The zeros (masked keys) must agree."""
    if y.shape != r.shape or r.ndim == 0 or not _finite(y, r):
        return None
    y2 = np.moveaxis(y, axis, -1).reshape(-1, r.shape[axis])                   # (rows, n_k)
    r2 = np.moveaxis(r, axis, -1).reshape(-1, r.shape[axis])                   # (rows, n_k)
    if np.any((y2 > 0) != (r2 > 0)):                                           # blocked keys must agree
        return None
    support = (r2 > 1e-12) & (y2 > 1e-12)                                      # where the logs are well defined
    slopes = []
    for yy, rr, keep in zip(y2, r2, support, strict=True):
        if keep.sum() < 2:
            continue
        lr, ly = np.log(rr[keep]), np.log(yy[keep])
        lr, ly = lr - lr.mean(), ly - ly.mean()
        if np.sum(lr * lr) < 1e-9:
            continue
        c = float(np.sum(lr * ly) / np.sum(lr * lr))
        if np.max(np.abs(ly - c * lr)) > 1e-3 * max(1.0, float(np.max(np.abs(ly)))):
            return None
        slopes.append(c)
    if not slopes or np.ptp(slopes) > 1e-3 * max(1.0, max(abs(c) for c in slopes)):
        return None
    c = float(np.mean(slopes))
    return Relation("tempered", value=c) if abs(c - 1) > 1e-3 else None


def rearranged(y, r, tol=CLOSE) -> Relation | None:
    """``y`` holds exactly ``r``'s numbers in other places: ``"permuted"`` when one reordering of the axes
    gives ``r``, ``"rearranged"`` when a reshape moved them some other way."""
    if y.size != r.size or r.size < 4 or not _finite(y, r) or np.unique(np.round(r, 9)).size < r.size // 2:
        return None
    if not _close(np.sort(y, axis=None), np.sort(r, axis=None), tol):
        return None
    if y.ndim == r.ndim and sorted(y.shape) == sorted(r.shape) and y.ndim <= 6:
        for perm in itertools.permutations(range(r.ndim)):
            t = np.transpose(r, perm)
            if t.shape == y.shape and _close(y, t, tol):
                return Relation("permuted")
    return Relation("rearranged")


def diagonal(y, r, tol=CLOSE) -> Relation | None:
    """``y`` holds only the diagonal of a square ``r``: query i paired with key i alone."""
    if r.ndim < 2 or r.shape[-1] != r.shape[-2] or y.shape != r.shape[:-1]:
        return None
    d = np.diagonal(r, axis1=-2, axis2=-1)
    return Relation("diagonal") if _finite(y, d) and _close(y, d, tol) else None


def applied(y, r, tol=CLOSE) -> Relation | None:
    """``y = exp(r)``, ``y = log(r)`` (where ``r > 0``) or ``y`` is the softmax of ``r`` over the last axis."""
    with np.errstate(all="ignore"):
        if _finite(y) and _finite(r):
            if _close(y, np.exp(r), tol):
                return Relation("exp")
            e = np.exp(r - r.max(axis=-1, keepdims=True)) if r.ndim else None
            if e is not None and _close(y, e / e.sum(axis=-1, keepdims=True), tol):
                return Relation("softmax")
        seen = r > 1e-300
        if np.any(seen) and np.all(r >= 0) and _finite(y[seen]) and _close(y[seen], np.log(r[seen]), tol):
            return Relation("log")
    return None


def monotone(y, r, tol=CLOSE) -> Relation | None:
    """``y`` rises and falls with ``r`` entry by entry (or against it), but is no multiple or shift of it."""
    if y.size < 4 or not _finite(y, r):
        return None
    order = np.argsort(r, axis=None, kind="stable")
    rs, ys = r.ravel()[order], y.ravel()[order]
    distinct = np.diff(rs) > 1e-9 * max(1.0, float(np.max(np.abs(rs))))
    steps = np.diff(ys)[distinct]
    if steps.size < 3:
        return None
    up, down = np.all(steps > 0), np.all(steps < 0)
    return Relation("monotone", 1.0 if up else -1.0) if (up or down) else None


def sums(y, axis) -> np.ndarray:
    return np.sum(y, axis=axis)


def _distributions(total) -> bool:
    """Sums that are 1 (a distribution) or 0 (a slice with nothing to weigh, all of it masked), some of them 1."""
    one = np.isclose(total, 1, rtol=0, atol=SUMS)
    return bool(np.all(one | np.isclose(total, 0, rtol=0, atol=SUMS)) and np.any(one))


def normalised_elsewhere(y, r, axis, tol=CLOSE) -> Relation | None:
    """Weights that sum to 1 over another axis than ``axis`` (0 where every entry is masked), or over the
    whole array."""
    if y.ndim == 0 or not _finite(y) or _distributions(sums(y, axis)):
        return None
    axis = axis % y.ndim
    if y.ndim >= 1 and abs(float(np.sum(y)) - 1) < SUMS and y.size > y.shape[axis]:
        return Relation("whole_array")
    for other in range(y.ndim):
        if other != axis and _distributions(sums(y, other)):
            return Relation("other_axis")
    return None


def rows_proportional(y, r, axis, tol=CLOSE) -> Relation | None:
    """Each slice along ``axis`` is a multiple of the right one, but they do not sum to 1."""
    if not _finite(y, r) or np.any(r < 0) or np.allclose(sums(y, axis), 1, atol=SUMS):
        return None
    seen = r > 1e-12 * np.max(r, axis=axis, keepdims=True)          # entries big enough to compare
    y_top = np.max(np.abs(y), axis=axis, keepdims=True)
    if np.any(~seen & (np.abs(y) > 1e-6 * y_top)):
        return None
    ratio = np.where(seen, y / np.where(seen, r, 1.0), np.nan)
    top = np.nanmax(np.where(seen, ratio, -np.inf), axis=axis, keepdims=True)
    if np.all(np.isnan(ratio) | np.isclose(ratio, top, rtol=tol * 10, atol=0)) and np.any(top != 0):
        return Relation("unnormalised")
    return None


def masked(y, r, tol=CLOSE) -> Relation | None:
    """Weights against a reference that has exact zeros (blocked keys): the mask read backwards, or leaking.

    ``mask_inverted``: the learner's weights are positive exactly where the reference's are 0, and 0
    where they are positive (rows the reference leaves all 0 are ignored). ``mask_leak``: some key the
    reference blocks gets weight.
    """
    if y.shape != r.shape or not _finite(r) or np.any(r < 0) or np.any(y[np.isfinite(y)] < -1e-12):
        return None                                      # only weights (never negative) can leak
    finite = np.all(np.isfinite(y), axis=-1, keepdims=True)
    flat = np.ptp(np.where(np.isfinite(y), y, 0.0), axis=-1, keepdims=True) < 1e-12
    rows = finite & ~flat          # a row of NaN, or of one number (nothing to see: 0/0, or uniform), says nothing
    if not rows.any():
        return None
    y, r = np.where(rows, y, 0.0), np.where(rows, r, 0.0)
    blocked = (r == 0) & rows
    if not blocked.any():
        return None
    live = np.broadcast_to(~np.all(r == 0, axis=-1, keepdims=True) & rows, y.shape)   # rows with an allowed key
    positive = np.abs(y) > 1e-9
    if np.array_equal(positive[live], blocked[live]):
        return Relation("mask_inverted")
    if np.any(positive & blocked):
        return Relation("mask_leak")
    return None


def not_summed(y, r, tol=CLOSE) -> Relation | None:
    """One axis too many, and summing it away gives the right answer: a sum (over the keys) was left out."""
    if y.ndim != r.ndim + 1 or not _finite(y, r):
        return None
    for axis in range(y.ndim):
        total = np.sum(y, axis=axis)
        if total.shape == r.shape and _close(total, r, tol):
            return Relation("not_summed")
    return None


def wrong_rows(y, r, rtol, atol) -> Relation | None:
    """Right on some rows (the second-to-last axis of a matrix, or entries of a vector) and wrong on others."""
    if y.ndim == 0 or y.shape != r.shape:
        return None
    with np.errstate(all="ignore"):
        ok = np.isclose(y, r, rtol=rtol, atol=atol, equal_nan=True)
    rows = ok.reshape(-1, r.shape[-1]).all(axis=-1) if r.ndim >= 2 else ok
    if rows.all() or not rows.any():
        return None
    return Relation("rows", rows=tuple(int(i) for i in np.flatnonzero(~rows)))


def elementwise(pairs, tol=CLOSE) -> Relation | None:
    """Over every probe, each output entry is one monotone function of the matching input entry."""
    xs = np.concatenate([np.ravel(x) for x, _ in pairs])
    ys = np.concatenate([np.ravel(y) for _, y in pairs])
    if xs.size < 8 or not _finite(xs, ys):
        return None
    order = np.argsort(xs, kind="stable")
    steps = np.diff(ys[order])[np.diff(xs[order]) > 1e-9]
    if steps.size and (np.all(steps >= -tol) or np.all(steps <= tol)):
        return Relation("elementwise")
    return None


ARRAY_RELATIONS = (transposed, factor, shift, applied)
