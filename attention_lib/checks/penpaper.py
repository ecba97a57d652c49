"""Pen-and-paper questions, answered as numbers by a function with no arguments."""
from __future__ import annotations

import math

import numpy as np

from ..attention import attention
from ..kernels import kernel_regression
from ..softmax import softmax
from ._engine import Exercise, Misconception, Probe

_E = math.e
_ASK = [Probe("your answer")]


def _value(id, signature, value, misconceptions, rtol=1e-4, atol=1e-6):
    return Exercise(id=id, signature=signature, reference=lambda: value, probes=_ASK,
                    misconceptions=[Misconception(code, msg, variant=lambda v=v: v) for code, msg, v in misconceptions],
                    returns="value", rtol=rtol, atol=atol)


# Seed 001, worked example 1: q = [1, 0]; keys [1, 0], [0, 1], [1, 1]; values [10, 0], [0, 10], [5, 5]; unscaled dot.
_Q = np.array([[1.0, 0.0]])
_K = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
_V = np.array([[10.0, 0.0], [0.0, 10.0], [5.0, 5.0]])
_OUT, _W = attention(_Q, _K, _V, similarity="dot")

WORKED_WEIGHTS = _value(
    "worked_example_weights", "worked_example_weights()", _W[0],
    [
        ("unnormalised", "These are exponentials of the scores, not weights: divide each by their sum (2e + 1).", np.array([_E, 1.0, _E])),
        ("scores_as_weights", "These are the raw scores q·kᵢ. Weights come from the softmax of the scores.", np.array([1.0, 0.0, 1.0])),
        ("hard_attention", "That is a hard choice between the tied keys. Softmax gives every key some weight: key 2 gets 1/(2e+1), not 0.",
         np.array([0.5, 0.0, 0.5])),
        ("scaled_scores", "You divided the scores by √2. This example uses plain, unscaled dot products.",
         softmax(np.array([1.0, 0.0, 1.0]) / math.sqrt(2))),
    ],
)

WORKED_OUTPUT = _value(
    "worked_example_output", "worked_example_output()", _OUT[0],
    [
        ("scores_as_weights", "You weighted the values by the raw scores (1, 0, 1). Use the softmax weights e/(2e+1), 1/(2e+1), e/(2e+1).",
         np.array([15.0, 5.0])),
        ("hard_attention", "That averages only the two tied keys. Softmax also gives v₂ = [0, 10] the weight 1/(2e+1).",
         np.array([7.5, 2.5])),
        ("uniform_average", "That is the plain average of the values: the weights must depend on the scores.", np.array([5.0, 5.0])),
    ],
)

# Seed 001, practice (easy): Q (5, 16), K (7, 16), V (7, 32).
SHAPES = _value(
    "attention_shapes", "attention_shapes()", ((5, 7), (5, 7), (5, 32)),
    [
        ("transposed_kq", "Your score matrix is (7, 5): one row per key. S = Q Kᵀ has one row per query: (n_q, n_k).",
         ((7, 5), (7, 5), (7, 32))),
        ("output_uses_d_k", "The output takes its width from V (d_v = 32), not from the keys (d = 16).",
         ((5, 7), (5, 7), (5, 16))),
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
    [("inverse_temperature", "You found 1/τ: with scores divided by τ, a *smaller* τ sharpens the weights.", 1 / _tau_for(0.9))],
    rtol=1e-3,
)

_XT = np.array([0.0, 1.0, 2.0, 4.0])
_YT = np.array([1.0, 3.0, 2.0, -1.0])
ONE_NN = _value(
    "one_nn_limit", "one_nn_limit()", float(kernel_regression([2.8], _XT, _YT, 1e-3)[0]),
    [
        ("large_bandwidth_limit", "That is the mean of all labels: the limit of a *huge* bandwidth. A tiny one keeps only the nearest point.",
         float(_YT.mean())),
        ("nearest_by_index", "Nearest in *distance* to x = 2.8: compare |2.8 − xᵢ| for every training point.", 3.0),
    ],
)

EXERCISES = [WORKED_WEIGHTS, WORKED_OUTPUT, SHAPES, TEMPERATURE_TARGET, ONE_NN]
