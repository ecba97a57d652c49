"""Pen-and-paper questions, answered as numbers by a function with no arguments.

A number has no probes to compare, so each question lists how a learner might get there: every
stage of the computation with its plausible slips (:func:`._engine.family`), and tests for answers
of the wrong kind. Generic relations (rounded, an extra axis, rows not summing to 1) come from the
engine.
"""
from __future__ import annotations

import math

import numpy as np

from ..attention import attention
from ..kernel_regression import kernel_regression, kernel_weights
from ..softmax import softmax
from ._compare import as_array
from ._engine import Exercise, Misconception, Probe

_ASK = [Probe("your answer", purpose="answer")]


def _value(id, signature, value, misconceptions, rtol=1e-4, atol=1e-6, output="values", forbidden=()):
    """A question whose answer is a value; ``misconceptions`` are ``(code, detail, value)`` or Misconceptions."""
    made = [m if isinstance(m, Misconception) else Misconception(m[0], variant=lambda v=m[2]: v, detail=m[1])
            for m in misconceptions]
    return Exercise(id=id, signature=signature, reference=lambda: value, probes=_ASK, misconceptions=made,
                    returns="value", output=output, rtol=rtol, atol=atol, forbidden=forbidden)


def _answer(mine):
    outcome = mine[0]
    return None if outcome.error is not None else outcome.value


# --------------------------------------------------------------------------- the worked example (lesson 00)
# Seed 001, worked example 1: q = [1, 0]; keys [1, 0], [0, 1], [1, 1]; values [10, 0], [0, 10], [5, 5]; unscaled dot.
_Q = np.array([1.0, 0.0])
_K = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
_V = np.array([[10.0, 0.0], [0.0, 10.0], [5.0, 5.0]])
_OUT, _W = attention(_Q[None], _K, _V, similarity="dot")

_HARD = "Key 2's score is lower than the others', but its weight is not 0: the softmax exponentiates first."
_SCORES = {   # how the three scores might be computed -> (code, detail, scores)
    "dot": (None, "", _K @ _Q),
    "scaled": ("scaled_scores", "", _K @ _Q / math.sqrt(2)),
    "cosine": ("used_cosine", "", _K @ _Q / np.linalg.norm(_K, axis=1)),
    "negated": ("sign_flipped", "Higher scores get *more* weight.", -(_K @ _Q)),
    "distance": ("wrong_similarity", "", -np.sum((_K - _Q) ** 2, axis=1)),
    "values": ("scored_against_values", "", _V @ _Q),
}
_WEIGHTS = {  # how scores become weights -> (code, detail, function)
    "softmax": (None, "", lambda s: softmax(s)),
    "exp": ("missing_normalisation", "These are the exponentials of the scores: divide each by their sum.", np.exp),
    "share": ("hard_attention", _HARD, lambda s: s / s.sum()),
    "raw": ("scores_as_weights", "", lambda s: s),
    "no_zero": ("dropped_zero_score", "", lambda s: np.exp(s) / np.exp(s[s != 0]).sum()),
    "uniform": ("uniform_average", "", lambda s: np.full(len(s), 1 / len(s))),
    "ones": ("uniform_average", "", lambda s: np.ones(len(s))),
    "argmax": ("hard_attention", _HARD, lambda s: np.eye(len(s))[np.argmax(s)]),
}
_COMBINE = {  # how weights become the output -> (code, detail, matrix averaged)
    "values": (None, "", _V),
    "keys": ("output_from_keys", "", _K),
}


def _worked(stage_order, pick):
    """Every combination of at most two slips over the stages, as pen-and-paper variants."""
    out = []
    for s_code, s_detail, scores in _SCORES.values():
        for w_code, w_detail, weigh in _WEIGHTS.values():
            with np.errstate(all="ignore"):
                weights = weigh(scores)
            for c_code, c_detail, values in (_COMBINE.values() if "combine" in stage_order else [(None, "", _V)]):
                slips = [(c, d) for c, d in ((s_code, s_detail), (w_code, w_detail), (c_code, c_detail)) if c]
                if 1 <= len(slips) <= 2:
                    value = pick(weights, values)
                    if np.all(np.isfinite(value)):
                        out.append(Misconception(slips[0][0], variant=lambda v=value: v, detail=slips[0][1]))
    return out


def _returned_weights(mine, want, probes):
    """The output question answered with the three weights."""
    value = as_array(_answer(mine))
    if value is not None and value.shape == _W[0].shape and np.allclose(value, _W[0], rtol=1e-3):
        return "You returned the weights; the output is the weighted sum of the values, Σ αᵢ vᵢ."
    return False


WORKED_WEIGHTS = _value(
    "worked_example_weights", "worked_example_weights()", _W[0],
    _worked(("scores", "weights"), lambda w, v: w), output="weights", forbidden=(softmax, attention),
)
WORKED_OUTPUT = _value(
    "worked_example_output", "worked_example_output()", _OUT[0],
    [*_worked(("scores", "weights", "combine"), lambda w, v: w @ v),
     Misconception("wrong_quantity", test=_returned_weights)],
    forbidden=(attention,),
)


# --------------------------------------------------------------------------- shapes (lesson 00)
# Seed 001, practice (easy): Q (5, 16), K (7, 16), V (7, 32).
_PARTS = ("the scores S", "the weights A", "the output O")
_RIGHT_SHAPES = ((5, 7), (5, 7), (5, 32))
_PART_CODES = {
    (0, (7, 5)): "transposed_kq", (1, (7, 5)): "transposed_kq", (2, (7, 32)): "output_rows_from_keys",
    (0, (16, 16)): "transposed_qtk", (1, (16, 16)): "transposed_qtk",
    (1, (5,)): "weights_reduced", (1, (7,)): "weights_reduced", (1, (5, 1)): "weights_reduced",
    (2, (5, 16)): "output_uses_d_k", (2, (7, 16)): "output_uses_d_k",
    (2, (5, 7)): "output_is_weights", (2, (5, 7, 32)): "output_not_summed", (2, (32, 5)): "transposed_result",
    (0, (5, 16)): "scores_shape", (0, (5, 7, 16)): "scores_shape", (1, (5, 16)): "scores_shape",
}


def _part_code(i, got) -> str:
    if got in _RIGHT_SHAPES and got != _RIGHT_SHAPES[i] and (i, got) not in _PART_CODES:
        return "wrong_order"
    if tuple(n for n in got if n != 1) == _RIGHT_SHAPES[i]:
        return "extra_axis"
    return _PART_CODES.get((i, got), "wrong_shape")


def _shapes(value):
    try:
        parts = [tuple(int(n) for n in np.ravel(p)) for p in value]
    except (TypeError, ValueError):
        return None
    return parts if len(parts) == 3 else None


def _first_wrong_part(value):
    parts = _shapes(value) if isinstance(value, (tuple, list)) else None
    if parts is None:
        return None
    for i, (got, right) in enumerate(zip(parts, _RIGHT_SHAPES, strict=True)):
        if got != right:
            return i, got
    return None


def _part_is(code):
    def test(mine, want, probes):
        found = _first_wrong_part(_answer(mine))
        if found is None:
            return False
        i, got = found
        named = _part_code(i, got)
        return f"It is the shape of {_PARTS[i]} that is off." if named == code else False
    return test


def _sizes_given(mine, want, probes):
    value = as_array(_answer(mine))
    sizes = [math.prod(s) for s in _RIGHT_SHAPES]
    return value is not None and value.shape == (3,) and np.array_equal(value, sizes)


SHAPES = _value(
    "attention_shapes", "attention_shapes()", _RIGHT_SHAPES,
    [
        Misconception("transposed_kq", variant=lambda: ((7, 5), (7, 5), (7, 32))),
        Misconception("shape_sizes", test=_sizes_given),
        *(Misconception(code, test=_part_is(code))
          for code in dict.fromkeys([*_PART_CODES.values(), "wrong_order", "extra_axis", "wrong_shape"])),
    ],
    forbidden=(attention,),
)


# --------------------------------------------------------------------------- temperature for a target (lesson 02)


def _top_weight(tau, scores=(2.0, 1.0, 0.0)):
    return softmax(np.array(scores) / tau)[0]


def _tau_for(target, scores=(2.0, 1.0, 0.0)):
    lo, hi = 1e-3, 1e3
    for _ in range(200):
        mid = math.sqrt(lo * hi)
        if _top_weight(mid, scores) > target:
            lo = mid
        else:
            hi = mid
    return math.sqrt(lo * hi)


_TAU = _tau_for(0.9)


def _number(mine):
    value = as_array(_answer(mine))
    return float(value) if value is not None and value.size == 1 else None


def _negative(mine, want, probes):
    value = _number(mine)
    return value is not None and value < 0


def _stuck_at_an_end(mine, want, probes):
    """A search that never closed in ends where the top weight is nearly 1 (τ tiny) or nearly 1/3 (τ huge)."""
    value = _number(mine)
    if value is None or not math.isfinite(value) or value <= 0:
        return False
    top = _top_weight(value)
    return top > 0.999 or top < 0.36


def _weights_not_tau(mine, want, probes):
    value = as_array(_answer(mine))
    if value is not None and value.shape == (3,) and abs(float(value[0]) - 0.9) < 1e-2:
        return "You returned the weights softmax([2, 1, 0] / τ); the question asks for τ itself, one number."
    return False


TEMPERATURE_TARGET = _value(
    "temperature_for_target", "temperature_for_target()", _TAU,
    [
        ("temperature_multiplied", "Your τ is the reciprocal of the one asked for: scores are divided by τ.", 1 / _TAU),
        ("dropped_zero_score", "Your τ fits two scores, [2, 1]; the third score, 0, is still in the softmax.",
         _tau_for(0.9, (2.0, 1.0))),
        ("wrong_quantity", "You returned e^(1/τ); the question asks for τ.", math.exp(1 / _TAU)),
        ("wrong_quantity", "You returned the top weight; the question asks for τ.", 0.9),
        ("wrong_quantity", "You returned e^(−1/τ); the question asks for τ.", math.exp(-1 / _TAU)),
        ("wrong_log_base", "", 1 / math.log10(math.exp(1 / _TAU))),
        ("wrong_log_base", "", 1 / math.log2(math.exp(1 / _TAU))),
        Misconception("negative_temperature", test=_negative),
        Misconception("search_wrong_direction", test=_stuck_at_an_end),
        Misconception("wrong_quantity", test=_weights_not_tau),
    ],
    rtol=1e-3, forbidden=(softmax,),
)


# --------------------------------------------------------------------------- the 1-NN limit (lesson 03)
# Training points and labels chosen so that the nearest input, its index and its label all differ.
_XT = np.array([0.0, 2.0, 5.0, 6.0])
_YT = np.array([1.0, -3.0, -1.0, 4.0])
_AT = 4.7
_DIST = np.abs(_XT - _AT)
_ORDER = np.argsort(_DIST)
_NEAR = int(_ORDER[0])
_LEFT, _RIGHT = int(np.flatnonzero(_XT <= _AT)[-1]), int(np.flatnonzero(_XT >= _AT)[0])
_LIMIT = float(kernel_regression([_AT], _XT, _YT, 1e-3)[0])
_BLEND = (_AT - _XT[_LEFT]) / (_XT[_RIGHT] - _XT[_LEFT])

ONE_NN = _value(
    "one_nn_limit", "one_nn_limit()", _LIMIT,
    [
        ("large_bandwidth_limit", "", float(_YT.mean())),
        ("returned_input_not_label", "", float(_XT[_NEAR])),
        ("returned_index", "", float(_NEAR)),
        ("returned_index", "", float(_NEAR + 1)),
        ("compared_labels", "", float(_YT[np.argmin(np.abs(_YT - _AT))])),
        ("knn_not_1nn", "", float((_YT[_LEFT] + _YT[_RIGHT]) / 2)),
        *(("knn_not_1nn", "", float(_YT[_ORDER[:n]].mean())) for n in (2, 3)),
        ("interpolated", "", float(_YT[_LEFT] + _BLEND * (_YT[_RIGHT] - _YT[_LEFT]))),
        ("not_nearest_point", "Yours picks the farthest point: argmax where argmin belongs.",
         float(_YT[np.argmax(_DIST)])),
        *(("finite_bandwidth", "", float(kernel_regression([_AT], _XT, _YT, h)[0])) for h in (0.25, 0.5, 1.0, 2.0)),
        ("finite_bandwidth", "At a tiny bandwidth every kernel value underflows to 0, and 0/0 is NaN: numbers cannot "
                             "take this limit for you, so take it on paper.", float("nan")),
    ],
    forbidden=(kernel_regression, kernel_weights),
)

EXERCISES = [WORKED_WEIGHTS, WORKED_OUTPUT, SHAPES, TEMPERATURE_TARGET, ONE_NN]
