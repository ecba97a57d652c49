"""Checks for lesson 02: softmax and temperature."""
from __future__ import annotations

import numpy as np

from ..softmax import softmax as _softmax
from ._engine import Exercise, Misconception, Probe, randn

SOFTMAX_PROBES = [
    Probe("a (3, 5) score matrix", randn(201, (3, 5))),
    Probe("a batch of shape (2, 3, 4)", randn(202, (2, 3, 4))),
    Probe("a square (4, 4) matrix", randn(203, (4, 4))),
    Probe("a 1-D vector of 6 scores", randn(204, 6)),
    Probe("large logits around 1000", (np.array([[1000.0, 1001.0, 998.0], [-5.0, 800.0, 790.0]]),)),
    Probe("a (4, 3) matrix with axis=0", randn(205, (4, 3)), {"axis": 0}),
]


def _exp(x, axis, keepdims=True):
    return np.exp(x - np.max(x, axis=axis, keepdims=keepdims))


def _other_axis_is_normalised(mine, want, probes):
    """Right shape, sums to 1 along some axis, but not along the one asked for."""
    seen = False
    for got, probe in zip(mine, probes, strict=True):
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
    for got, ref, probe in zip(mine, want, probes, strict=True):
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


SOFTMAX_MISCONCEPTIONS = [
    Misconception("no_max_subtraction", variant=lambda x, axis=-1: np.exp(x) / np.exp(x).sum(axis=axis, keepdims=True)),
    Misconception("missing_keepdims", variant=lambda x, axis=-1: _exp(x, axis) / _exp(x, axis).sum(axis=axis)),
    Misconception("missing_keepdims",
                  variant=lambda x, axis=-1: (_exp(x, axis, keepdims=False)
                                              / _exp(x, axis, keepdims=False).sum(axis=axis, keepdims=True))),
    Misconception("normalised_whole_array", variant=lambda x, axis=-1: np.exp(x - x.max()) / np.exp(x - x.max()).sum()),
    Misconception("softmax_wrong_axis", test=_other_axis_is_normalised),
    Misconception("missing_normalisation", test=_unnormalised),
]

SOFTMAX = Exercise(
    id="softmax",
    signature="softmax(x, axis=-1)",
    reference=_softmax,
    probes=SOFTMAX_PROBES,
    misconceptions=SOFTMAX_MISCONCEPTIONS,
    forbidden=(_softmax,),
)

_TAU_PROBES = [
    Probe("a (3, 5) matrix with temperature 0.5", (*randn(211, (3, 5)), 0.5)),
    Probe("a batch (2, 3, 4) with temperature 2.0", (*randn(212, (2, 3, 4)), 2.0)),
    Probe("large logits with temperature 0.1", (np.array([[300.0, 290.0, 310.0]]), 0.1)),
    Probe("a 1-D vector with temperature 3.0", (*randn(213, 5), 3.0)),
]

SOFTMAX_TEMPERATURE = Exercise(
    id="softmax_temperature",
    signature="softmax_temperature(x, temperature)",
    reference=lambda x, temperature: _softmax(x, axis=-1, temperature=temperature),
    probes=_TAU_PROBES,
    misconceptions=[
        Misconception("temperature_multiplied", variant=lambda x, tau: _softmax(np.asarray(x) * tau)),
        Misconception("temperature_ignored", variant=lambda x, tau: _softmax(x)),
        Misconception("temperature_after_softmax", variant=lambda x, tau: _softmax(x) / tau),
        Misconception("no_max_subtraction",
                      variant=lambda x, tau: np.exp(x / tau) / np.exp(x / tau).sum(-1, keepdims=True),
                      detail="With a temperature, subtract the maximum of `x / temperature`."),
    ],
    forbidden=(_softmax,),
)

EXERCISES = [SOFTMAX, SOFTMAX_TEMPERATURE]
