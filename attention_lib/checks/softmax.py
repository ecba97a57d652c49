"""Checks for lesson 02: softmax and temperature."""
from __future__ import annotations

import numpy as np

from ..softmax import softmax as _softmax
from ._engine import Exercise, Misconception, Probe

_rng = np.random.default_rng(20)

SOFTMAX_PROBES = [
    Probe("a (3, 5) score matrix", (_rng.normal(size=(3, 5)),)),
    Probe("a batch of shape (2, 3, 4)", (_rng.normal(size=(2, 3, 4)),)),
    Probe("a square (4, 4) matrix", (_rng.normal(size=(4, 4)),)),
    Probe("a 1-D vector of 6 scores", (_rng.normal(size=6),)),
    Probe("large logits around 1000", (np.array([[1000.0, 1001.0, 998.0], [-5.0, 800.0, 790.0]]),)),
    Probe("a (4, 3) matrix with axis=0", (_rng.normal(size=(4, 3)),), {"axis": 0}),
]


def _exp(x, axis, keepdims=True):
    return np.exp(x - np.max(x, axis=axis, keepdims=keepdims))


def _other_axis_is_normalised(mine, want, probes):
    """Right shape, sums to 1 along some axis, but not along the one asked for."""
    seen = False
    for got, probe in zip(mine, probes):
        x = probe.args[0]
        if x.ndim < 2:
            continue
        axis = probe.kwargs.get("axis", -1) % x.ndim
        y = np.asarray(got.value) if got.error is None else None
        if y is None or y.shape != x.shape:
            return False
        sums_ok = [np.allclose(y.sum(axis=a), 1) for a in range(x.ndim)]
        if sums_ok[axis] and not all(sums_ok):
            continue
        if not sums_ok[axis] and any(sums_ok):
            seen = True
            continue
        return False
    return seen


def _unnormalised(mine, want, probes):
    """Each slice proportional to the right weights, but not summing to 1."""
    for got, ref, probe in zip(mine, want, probes):
        if got.error is not None:
            return False
        if probe.label.startswith("large"):
            continue
        y, r = np.asarray(got.value, dtype=float), np.asarray(ref.value)
        if y.shape != r.shape:
            return False
        axis = probe.kwargs.get("axis", -1)
        ratio = y / r
        if np.allclose(y.sum(axis=axis), 1) or not np.allclose(ratio, np.take(ratio, [0], axis=axis), rtol=1e-6):
            return False
    return True


_KEEPDIMS = ("The max or the sum lost its axis: without `keepdims=True`, a (3, 5) array's row maxima or sums have "
             "shape (3,), which broadcasts against the columns, not the rows. Use `keepdims=True` so they stay (3, 1).")

SOFTMAX_MISCONCEPTIONS = [
    Misconception(
        "no_max_subtraction",
        "Right on ordinary scores, but NaN on large logits: `np.exp(1000)` overflows to inf, and inf/inf is NaN. "
        "Subtract each row's maximum before `np.exp` (softmax does not change when you shift a row by a constant).",
        variant=lambda x, axis=-1: np.exp(x) / np.exp(x).sum(axis=axis, keepdims=True),
    ),
    Misconception(
        "missing_keepdims",
        _KEEPDIMS,
        variant=lambda x, axis=-1: _exp(x, axis) / _exp(x, axis).sum(axis=axis),
    ),
    Misconception(
        "missing_keepdims",
        _KEEPDIMS,
        variant=lambda x, axis=-1: _exp(x, axis, keepdims=False) / _exp(x, axis, keepdims=False).sum(axis=axis, keepdims=True),
    ),
    Misconception(
        "normalised_whole_array",
        "Your whole array sums to 1, but each slice should: softmax normalises every row (every query) "
        "on its own. Sum along `axis` with `keepdims=True`, not over everything.",
        variant=lambda x, axis=-1: np.exp(x - x.max()) / np.exp(x - x.max()).sum(),
    ),
    Misconception(
        "wrong_axis",
        "Your weights sum to 1 along a different axis than the one asked for. Normalise along `axis` "
        "(the keys, the last axis, by default): once per query, so that every row sums to 1.",
        test=_other_axis_is_normalised,
    ),
    Misconception(
        "missing_normalisation",
        "Your numbers have the right proportions, but they do not sum to 1: divide the exponentials by their sum along `axis`.",
        test=_unnormalised,
    ),
]

SOFTMAX = Exercise(
    id="softmax",
    signature="softmax(x, axis=-1)",
    reference=lambda x, axis=-1: _softmax(x, axis=axis),
    probes=SOFTMAX_PROBES,
    misconceptions=SOFTMAX_MISCONCEPTIONS,
    forbidden=(_softmax,),
)

_TAU_PROBES = [
    Probe("a (3, 5) matrix with tau=0.5", (_rng.normal(size=(3, 5)), 0.5)),
    Probe("a batch (2, 3, 4) with tau=2.0", (_rng.normal(size=(2, 3, 4)), 2.0)),
    Probe("large logits with tau=0.1", (np.array([[300.0, 290.0, 310.0]]), 0.1)),
    Probe("a 1-D vector with tau=3.0", (_rng.normal(size=5), 3.0)),
]

SOFTMAX_TEMPERATURE = Exercise(
    id="softmax_temperature",
    signature="softmax_temperature(x, tau)",
    reference=lambda x, tau: _softmax(x, axis=-1, temperature=tau),
    probes=_TAU_PROBES,
    misconceptions=[
        Misconception(
            "temperature_multiplied",
            "You multiplied by τ. Temperature *divides* the scores: small τ must sharpen the weights (towards argmax) "
            "and large τ must flatten them (towards uniform); multiplying does the opposite.",
            variant=lambda x, tau: _softmax(np.asarray(x) * tau),
        ),
        Misconception(
            "temperature_ignored",
            "Your weights do not change with τ: divide the scores by `tau` before the softmax.",
            variant=lambda x, tau: _softmax(x),
        ),
        Misconception(
            "temperature_after_softmax",
            "You applied τ after the softmax. It must act on the scores, before the exponential: `softmax(x / tau)`.",
            variant=lambda x, tau: _softmax(x) / tau,
        ),
        Misconception(
            "no_max_subtraction",
            "Right on ordinary scores, but NaN on large logits divided by a small τ: subtract the row maximum "
            "of `x / tau` before `np.exp`.",
            variant=lambda x, tau: np.exp(x / tau) / np.exp(x / tau).sum(-1, keepdims=True),
        ),
    ],
    forbidden=(_softmax,),
)

EXERCISES = [SOFTMAX, SOFTMAX_TEMPERATURE]
