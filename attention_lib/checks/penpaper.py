"""Pen-and-paper questions, answered as numbers by a function with no arguments."""
from __future__ import annotations

import math

import numpy as np

from ..attention import attention
from ..kernel_regression import kernel_regression
from ..softmax import softmax
from ._engine import Exercise, Misconception, Probe

_E = math.e
_ASK = [Probe("your answer")]


def _value(id, signature, value, misconceptions, rtol=1e-4, atol=1e-6):
    """A question whose answer is a value; each misconception is ``(code, detail, the value it leads to)``."""
    return Exercise(id=id, signature=signature, reference=lambda: value, probes=_ASK,
                    misconceptions=[Misconception(code, variant=lambda v=v: v, detail=detail)
                                    for code, detail, v in misconceptions],
                    returns="value", rtol=rtol, atol=atol)


# Seed 001, worked example 1: q = [1, 0]; keys [1, 0], [0, 1], [1, 1]; values [10, 0], [0, 10], [5, 5]; unscaled dot.
_Q = np.array([[1.0, 0.0]])
_K = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
_V = np.array([[10.0, 0.0], [0.0, 10.0], [5.0, 5.0]])
_OUT, _W = attention(_Q, _K, _V, similarity="dot")

WORKED_WEIGHTS = _value(
    "worked_example_weights", "worked_example_weights()", _W[0],
    [
        ("missing_normalisation", "These are the exponentials of the scores: divide each by their sum.",
         np.array([_E, 1.0, _E])),
        ("scores_as_weights", "", np.array([1.0, 0.0, 1.0])),
        ("hard_attention", "Key 2's score is lower than the others', but its weight is not 0.",
         np.array([0.5, 0.0, 0.5])),
        ("scaled_scores", "", softmax(np.array([1.0, 0.0, 1.0]) / math.sqrt(2))),
    ],
)

WORKED_OUTPUT = _value(
    "worked_example_output", "worked_example_output()", _OUT[0],
    [
        ("scores_as_weights", "Weight the values by the softmax weights from the previous question.",
         np.array([15.0, 5.0])),
        ("hard_attention", "The value of key 2 also contributes, with a small weight.", np.array([7.5, 2.5])),
        ("uniform_average", "", np.array([5.0, 5.0])),
    ],
)

# Seed 001, practice (easy): Q (5, 16), K (7, 16), V (7, 32).
SHAPES = _value(
    "attention_shapes", "attention_shapes()", ((5, 7), (5, 7), (5, 32)),
    [
        ("transposed_kq", "", ((7, 5), (7, 5), (7, 32))),
        ("output_uses_d_k", "", ((5, 7), (5, 7), (5, 16))),
    ],
)


def _tau_for(target):
    lo, hi = 1e-3, 1e3
    for _ in range(200):
        mid = math.sqrt(lo * hi)
        if softmax(np.array([2.0, 1.0, 0.0]), temperature=mid)[0] > target:
            lo = mid
        else:
            hi = mid
    return math.sqrt(lo * hi)


TEMPERATURE_TARGET = _value(
    "temperature_for_target", "temperature_for_target()", _tau_for(0.9),
    [("temperature_multiplied", "Your τ is the reciprocal of the one asked for: scores are divided by τ.",
      1 / _tau_for(0.9))],
    rtol=1e-3,
)

_XT = np.array([0.0, 1.0, 2.0, 4.0])
_YT = np.array([1.0, 3.0, 2.0, -1.0])
ONE_NN = _value(
    "one_nn_limit", "one_nn_limit()", float(kernel_regression([2.8], _XT, _YT, 1e-3)[0]),
    [
        ("large_bandwidth_limit", "", float(_YT.mean())),
        ("nearest_by_index", "", 3.0),
    ],
)

EXERCISES = [WORKED_WEIGHTS, WORKED_OUTPUT, SHAPES, TEMPERATURE_TARGET, ONE_NN]
