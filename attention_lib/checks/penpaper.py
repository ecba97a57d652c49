"""Pen-and-paper questions, answered as numbers by a function with no arguments.

A number has no probes to compare, so each question lists how a learner might get there: every
stage of the computation with its plausible slips (:func:`._engine.family`), and tests for answers
of the wrong kind. Generic relations (rounded, an extra axis, rows not summing to 1) come from the
engine.
"""
from __future__ import annotations

import math

import numpy as np

from ..attention import attention, cross_attention
from ..efficient import MODEL_CONFIGS, kv_cache_bytes, kv_cache_table
from ..kernel_regression import kernel_regression, kernel_weights
from ..masking import causal_mask
from ..multihead import multi_head_attention
from ..softmax import softmax
from ._compare import as_array, looks_rounded
from ._engine import Exercise, Misconception, Probe, family

_ASK = [Probe("your answer", purpose="answer")]


def _value(id, signature, value, misconceptions, rtol=1e-4, atol=1e-6, output="values", forbidden=(), **more):
    """A question whose answer is a value; ``misconceptions`` are ``(code, detail, value)`` or Misconceptions."""
    made = [m if isinstance(m, Misconception) else Misconception(m[0], variant=lambda v=m[2]: v, detail=m[1])
            for m in misconceptions]
    return Exercise(id=id, signature=signature, reference=lambda: value, probes=_ASK, misconceptions=made,
                    returns="value", output=output, rtol=rtol, atol=atol, forbidden=forbidden, **more)


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


def _one_score_off(mine, want, probes):
    """Weights that are a softmax of the right scores everywhere but one key: that key's dot product is off."""
    value = as_array(_answer(mine))
    if value is None or value.shape != _W[0].shape or np.any(value <= 0) or abs(float(value.sum()) - 1) > 1e-3 \
            or looks_rounded(value, _W[0]):
        return False
    shift = np.log(value.astype(float)) - _K @ _Q        # (3,): the same number everywhere for a right answer
    for i in range(len(shift)):
        rest = np.delete(shift, i)
        if np.ptp(rest) < 1e-3 and abs(shift[i] - rest[0]) > 0.25:     # a score off by more than rounding
            score = float(np.log(value[i]) - rest[0])
            return (f"Your weights are the softmax of the right scores for every key but key {i + 1}, whose score "
                    f"in yours is {score:.3g}: work out q · k{i + 1} again, multiplying entry by entry and adding "
                    "the products.")
    return False


def worked_example_weights():
    q = np.array([1.0, 0.0])
    K = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    s = K @ q                  # (3,) role[scores]: each key's score is its dot product with the query
    e = np.exp(s)              # (3,) role[exp]: the exponential makes every weight positive
    return e / e.sum()         # (3,) role[normalise]: the three weights sum to 1


def worked_example_output():
    q = np.array([1.0, 0.0])
    K = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    V = np.array([[10.0, 0.0], [0.0, 10.0], [5.0, 5.0]])
    s = K @ q                  # (3,) role[scores]: each key's score is its dot product with the query
    e = np.exp(s)              # (3,) role[exp]: the exponential makes every weight positive
    w = e / e.sum()            # (3,) role[normalise]: the three weights sum to 1
    return w @ V               # (2,) role[output]: the output is the weighted average of the values


WORKED_WEIGHTS = _value(
    "worked_example_weights", "worked_example_weights()", _W[0],
    [*_worked(("scores", "weights"), lambda w, v: w), Misconception("score_miscomputed", test=_one_score_off,
                                                                    late=True)],
    output="weights", forbidden=(softmax, attention),
    teaching=worked_example_weights,
)
WORKED_OUTPUT = _value(
    "worked_example_output", "worked_example_output()", _OUT[0],
    [*_worked(("scores", "weights", "combine"), lambda w, v: w @ v),
     Misconception("wrong_quantity", test=_returned_weights)],
    forbidden=(attention,), teaching=worked_example_output,
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


def _part_code(i, got, right, codes) -> tuple[str, str]:
    """``(code, detail)`` for entry ``i`` of a shapes answer, which is ``got`` where ``right[i]`` belongs."""
    if got in right and got != right[i] and (i, got) not in codes:
        return "wrong_order", ""
    if tuple(n for n in got if n != 1) == right[i]:
        return "extra_axis", ""
    named = codes.get((i, got), "wrong_shape")
    return (named, "") if isinstance(named, str) else named


def _shapes(value, count):
    try:
        parts = [tuple(int(n) for n in np.ravel(p)) for p in value]
    except (TypeError, ValueError):
        return None
    return parts if len(parts) == count else None


def _first_wrong_part(value, right):
    parts = _shapes(value, len(right)) if isinstance(value, (tuple, list)) else None
    if parts is None:
        return None
    for i, (got, want) in enumerate(zip(parts, right, strict=True)):
        if got != want:
            return i, got
    return None


def _shape_slips(parts, right, codes) -> list[Misconception]:
    """A question answered by a tuple of shapes: the first entry that is off names the misconception.

    ``codes`` maps ``(entry, wrong shape)`` to a code, or to ``(code, detail)``.
    """
    def part_is(code):
        def test(mine, want, probes):
            found = _first_wrong_part(_answer(mine), right)
            if found is None:
                return False
            i, got = found
            named, detail = _part_code(i, got, right, codes)
            return named == code and f"It is the shape of {parts[i]} that is off. {detail}".strip()
        return test
    named = [c if isinstance(c, str) else c[0] for c in codes.values()]
    return [Misconception(code, test=part_is(code))
            for code in dict.fromkeys([*named, "wrong_order", "extra_axis", "wrong_shape"])]


def _sizes_given(mine, want, probes):
    value = as_array(_answer(mine))
    sizes = [math.prod(s) for s in _RIGHT_SHAPES]
    return value is not None and value.shape == (3,) and np.array_equal(value, sizes)


def attention_shapes():
    n_q, n_k, d, d_v = 5, 7, 16, 32     # Q (5, 16), K (7, 16), V (7, 32); d is unused but can be mistaken  # noqa: F841
    S = (n_q, n_k)      # role[scores]: one row per query, one column per key
    A = S               # role[weights]: the softmax keeps the scores' shape
    O = (n_q, d_v)      # role[output]: one row per query, as wide as a value
    return S, A, O


SHAPES = _value(
    "attention_shapes", "attention_shapes()", _RIGHT_SHAPES,
    [
        Misconception("transposed_kq", variant=lambda: ((7, 5), (7, 5), (7, 32))),
        Misconception("shape_sizes", test=_sizes_given),
        *_shape_slips(_PARTS, _RIGHT_SHAPES, _PART_CODES),
    ],
    forbidden=(attention,), teaching=attention_shapes,
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


def _target_missed(mine, want, probes):
    """A τ with all its digits near the right one, whose top weight is not 0.9: a slip in the algebra, not rounding."""
    value = _number(mine)
    if value is None or not math.isfinite(value) or value <= 0 or looks_rounded(value, _TAU):
        return False
    top = _top_weight(value)
    if abs(top - 0.9) < 1e-3 or top > 0.99 or top < 0.5:
        return False
    return (f"At your τ = {value:.4g} the top weight of softmax([2, 1, 0] / τ) is {top:.4f}, not 0.9: more than "
            "rounding explains. If you solved by hand, a step of the algebra is off: the top weight is "
            "1 / (1 + e^(−1/τ) + e^(−2/τ)); set it to 0.9 and solve again. If you searched, keep going until the "
            "interval is tiny.")


def _weights_not_tau(mine, want, probes):
    value = as_array(_answer(mine))
    if value is not None and value.shape == (3,) and abs(float(value[0]) - 0.9) < 1e-2:
        return "You returned the weights softmax([2, 1, 0] / τ); the question asks for τ itself, one number."
    return False


def temperature_for_target():
    lo, hi = 0.01, 100.0
    for _ in range(100):
        tau = (lo + hi) / 2                             # role[bisect]: each step halves the interval around τ
        e = np.exp(np.array([2.0, 1.0, 0.0]) / tau)     # (3,) role[temperature]: the scores are divided by τ
        top = e[0] / e.sum()                            # role[weight]: the top weight of softmax([2, 1, 0] / τ)
        if top > 0.9:                                   # role[direction]: too sharp means τ must grow
            lo = tau
        else:
            hi = tau
    return tau


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
        Misconception("target_missed", test=_target_missed, late=True),
    ],
    rtol=1e-3, forbidden=(softmax,), teaching=temperature_for_target,
    equivalent={"comparison: top > 0.9 → top >= 0.9": "The top weight is exactly 0.9 at one τ only, which the "
                                                      "halvings never land on.",
                "off_by_one: range(100) → range(101)": "After 100 halvings of [0.01, 100] τ is known far beyond "
                                                      "the question's digits; one more changes nothing.",
                "off_by_one: range(100) → range(99)": "After 99 halvings of [0.01, 100] τ is known far beyond "
                                                     "the question's digits."},
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
_LABEL_NEAR = int(np.argmin(np.abs(_YT - _AT)))          # the label closest to the query
_ONE_SIDE = (f"If you picked a training point instead: {_YT[_LABEL_NEAR]:g} is the label of x = {_XT[_LABEL_NEAR]:g}, "
             f"but x = {_XT[_NEAR]:g} is nearer to {_AT:g} ({_DIST[_NEAR]:.1f} away against "
             f"{_DIST[_LABEL_NEAR]:.1f})." if _LABEL_NEAR != _NEAR else "")


def one_nn_limit():
    x_train = np.array([0.0, 2.0, 5.0, 6.0])
    y_train = np.array([1.0, -3.0, -1.0, 4.0])
    i = np.argmin(np.abs(x_train - 4.7))    # role[nearest]: as h → 0 the nearest training point takes all the weight
    return y_train[i]                       # role[label]: the prediction is that point's label


ONE_NN = _value(
    "one_nn_limit", "one_nn_limit()", _LIMIT,
    [
        ("large_bandwidth_limit", "", float(_YT.mean())),
        ("returned_input_not_label", "", float(_XT[_NEAR])),
        ("returned_index", "", float(_NEAR)),
        ("returned_index", "", float(_NEAR + 1)),
        ("compared_labels", _ONE_SIDE, float(_YT[_LABEL_NEAR])),
        ("knn_not_1nn", "", float((_YT[_LEFT] + _YT[_RIGHT]) / 2)),
        *(("knn_not_1nn", "", float(_YT[_ORDER[:n]].mean())) for n in (2, 3)),
        ("interpolated", "", float(_YT[_LEFT] + _BLEND * (_YT[_RIGHT] - _YT[_LEFT]))),
        ("not_nearest_point", f"Yours picks x = {_XT[np.argmax(_DIST)]:g}, the farthest point: that is argmax where "
                              "argmin belongs, or argmin of x − xᵢ without the absolute value, which takes the most "
                              "negative difference rather than the smallest distance.",
         float(_YT[np.argmax(_DIST)])),
        *(("finite_bandwidth", "", float(kernel_regression([_AT], _XT, _YT, h)[0])) for h in (0.25, 0.5, 1.0, 2.0)),
        ("finite_bandwidth", "At a tiny bandwidth every kernel value underflows to 0, and 0/0 is NaN: numbers cannot "
                             "take this limit for you, so take it on paper.", float("nan")),
    ],
    forbidden=(kernel_regression, kernel_weights), teaching=one_nn_limit,
    equivalent={"swap: x_train - 4.7 → 4.7 - x_train": "|4.7 − x| is |x − 4.7|: the distance has no direction."},
)

EXERCISES = [WORKED_WEIGHTS, WORKED_OUTPUT, SHAPES, TEMPERATURE_TARGET, ONE_NN]


# --------------------------------------------------------------------------- the L = 4 causal mask (lesson 04)
# A practice problem: the causal mask for L = 4, and the keys query 2 may see (counted from 0).
_L, _QUERY = 4, 2
_CAUSAL = np.tril(np.ones((_L, _L), dtype=int))          # (4, 4), 1 = may attend
_SEES = np.flatnonzero(_CAUSAL[_QUERY])                  # the keys of row 2


def _mask_and_keys(value):
    """``(mask, keys)`` with the mask as 0/1 integers (booleans and numbers alike) and the keys as an array (in
    their order: the question asks for them sorted)."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        return value
    mask, keys = value
    grid = as_array(mask)
    if grid is not None and grid.size and np.all((grid == 0) | (grid == 1)):
        mask = grid.astype(int)
    listed = as_array(keys)
    if listed is not None and listed.ndim == 1 and listed.dtype != bool:
        keys = listed
    return mask, keys


def _parts(mine):
    """The learner's (mask, keys) as arrays, each None when it is not an array of numbers."""
    value = _answer(mine)
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        return None, None
    return as_array(value[0]), as_array(value[1])


def _mask_is(pattern, detail=True):
    def test(mine, want, probes):
        mask, _ = _parts(mine)
        return mask is not None and mask.shape == pattern.shape and np.array_equal(mask, pattern) and detail
    return test


def _keys_are(keys, detail=True, mask_right=None):
    """The keys are ``keys``; with ``mask_right`` set, only when the mask is (or is not) the right one."""
    def test(mine, want, probes):
        mask, got = _parts(mine)
        if got is None or got.dtype == bool or got.shape != (len(keys),) or not np.array_equal(np.sort(got), keys):
            return False
        if mask_right is not None and mask_right != (mask is not None and np.array_equal(mask, _CAUSAL)):
            return False
        return detail
    return test


def _keys_unsorted(mine, want, probes):
    """The right keys, each once, in another order than the sorted one the question asks for."""
    _, got = _parts(mine)
    return got is not None and got.dtype != bool and got.ndim == 1 and len(got) == len(_SEES) \
        and np.array_equal(np.sort(got), _SEES) and not np.array_equal(got, _SEES)


def _not_a_pair(mine, want, probes):
    value = as_array(_answer(mine))
    return value is not None and value.ndim in (1, 2) and value.size > 2 and "Return both parts: `return mask, keys`."


def _keys_as_a_row(mine, want, probes):
    mask, keys = _parts(mine)
    return (keys is not None and keys.shape == (_L,) and np.array_equal(keys.astype(int), _CAUSAL[_QUERY])
            and "That is row 2 of the mask; the question asks for the numbers of the keys query 2 may see.")


_ONES = np.ones((_L, _L), dtype=int)
_UPPER = "That is the upper triangle: from the query onwards."
def causal_keys_query_2():
    mask = np.tril(np.ones((4, 4), dtype=int))  # (4, 4) role[causal]: query i may see key j exactly when j ≤ i
    keys = np.flatnonzero(mask[2])              # role[row]: query 2's keys are the columns where its row holds a 1
    return mask, keys


CAUSAL_KEYS = Exercise(
    id="causal_keys_query_2", signature="causal_keys_query_2()", reference=lambda: (_CAUSAL, _SEES),
    teaching=causal_keys_query_2,
    equivalent={"cast: np.tril(np.ones((4, 4), dtype=int)) → np.tril(np.ones((4, 4)))":
                "A mask of 0.0 and 1.0 is read as one of 0 and 1: the question asks for 1 = may attend."},
    probes=_ASK, returns="value", canonical=_mask_and_keys, forbidden=(causal_mask,),
    misconceptions=[
        Misconception("wrong_type", test=_not_a_pair),
        Misconception("causal_allows_future", test=_mask_is(np.triu(_ONES), _UPPER)),
        Misconception("causal_allows_future", test=_mask_is(_ONES, "Yours lets every query see every key.")),
        Misconception("causal_excludes_diagonal", test=_mask_is(np.tril(_ONES, k=-1))),
        Misconception("mask_polarity_inverted", test=_mask_is(1 - _CAUSAL, "Yours marks the keys a query may *not* "
                                                                           "see.")),
        Misconception("causal_excludes_diagonal",
                      test=_keys_are([0, 1], "Your mask is right, and its row 2 has a 1 on the diagonal: query 2 may "
                                             "see itself. (If you read row 1: rows count from 0.)", mask_right=True)),
        Misconception("read_column_not_row", test=_keys_are([2, 3], mask_right=True)),
        Misconception("causal_excludes_diagonal", test=_keys_are([0, 1], "Query 2 may see itself.")),
        Misconception("causal_allows_future", test=_keys_are([0, 1, 2, 3], "Yours lets query 2 see a key after it.")),
        Misconception("causal_allows_future", test=_keys_are([2, 3], _UPPER)),
        Misconception("mask_polarity_inverted", test=_keys_are([3], "Those are the keys query 2 may *not* see.")),
        *(Misconception("counted_from_one", test=_keys_are(keys)) for keys in ([1, 2], [1, 2, 3])),
        Misconception("wrong_quantity", test=_keys_as_a_row),
        Misconception("keys_not_sorted", test=_keys_unsorted),
    ],
)

EXERCISES.append(CAUSAL_KEYS)
# --------------------------------------------------------------------------- cross-attention shapes, axis (lesson 05)
# A translation model's decoder (6 target positions) cross-attends to its encoder (10 source positions):
# B = 4 sentence pairs, D = 512 split into h = 8 heads of d = d_v = 64, layout (B, h, n, d).
_B, _H, _NQ, _NK, _D = 4, 8, 6, 10, 512
_DH = _D // _H
_CROSS_PARTS = ("the queries Q", "the keys K", "the values V", "the weights A", "the output of each head",
                "the merged output")
_CROSS_SHAPES = ((_B, _H, _NQ, _DH), (_B, _H, _NK, _DH), (_B, _H, _NK, _DH), (_B, _H, _NQ, _NK), (_B, _H, _NQ, _DH),
                 (_B, _NQ, _H * _DH))
_PER_HEAD = ((0, _NQ), (1, _NK), (2, _NK), (4, _NQ))      # (entry, its length) of the per-head tensors
_CROSS_CODES = {
    (0, (_B, _H, _NK, _DH)): "queries_from_kv_side",
    (1, (_B, _H, _NQ, _DH)): "kv_shaped_by_query_length", (2, (_B, _H, _NQ, _DH)): "kv_shaped_by_query_length",
    (3, (_B, _H, _NQ, _NQ)): "kv_shaped_by_query_length", (3, (_B, _H, _NK, _NQ)): "transposed_kq",
    (3, (_B, _H, _NQ, _DH)): "scores_shape", (3, (_B, _H, _NQ, _NK, _DH)): "scores_shape",
    (3, (_B, _H, _DH, _DH)): "transposed_qtk", (3, (_B, _NQ, _NK, _H)): "heads_axis_last",
    (4, (_B, _H, _NK, _DH)): "output_rows_from_keys", (4, (_B, _H, _NQ, _NK)): "output_is_weights",
    (4, (_B, _H, _NQ, _NK, _DH)): "output_not_summed",
    (5, (_B, _NK, _D)): "output_rows_from_keys",
    (5, (_B, _NQ, _DH)): "heads_not_merged", (5, (_B, _H, _NQ, _DH)): "heads_not_merged",
    (5, (_B, _NQ, _H, _DH)): "heads_not_merged",
    **{(i, (_B, n, _H, _DH)): "heads_axis_last" for i, n in _PER_HEAD},
    **{(i, shape): "heads_not_split" for i, n in _PER_HEAD for shape in ((_B, _H, n, _D), (_B, n, _D))},
}



def _not_a_tuple_of(count, what):
    """A test for an answer that is not ``count`` entries long, with a detail that says what each entry is."""
    def test(mine, want, probes):
        value = _answer(mine)
        ok = isinstance(value, (tuple, list)) and len(value) == count
        return not ok and f"Return {count} entries: {what}."
    return test


def cross_attention_shapes():
    B, h, n_q, n_k, D = 4, 8, 6, 10, 512
    d = D // h                  # role[head]: every head works on D/h features
    q = (B, h, n_q, d)          # role[queries]: the queries come from the decoder's n_q positions
    k = (B, h, n_k, d)          # role[keys]: keys and values come from the encoder's n_k positions
    v = (B, h, n_k, d)          # role[keys]: keys and values come from the encoder's n_k positions
    w = (B, h, n_q, n_k)        # role[weights]: one weight for every query and key
    o = (B, h, n_q, d)          # role[output]: one output row per query, as wide as a value
    return q, k, v, w, o, (B, n_q, h * d)   # role[merge]: merging puts the h heads side by side again


CROSS_SHAPES = _value(
    "cross_attention_shapes", "cross_attention_shapes()", _CROSS_SHAPES,
    [Misconception("wrong_type", test=_not_a_tuple_of(6, "the shapes of Q, K, V, the weights, the output of each "
                                                         "head and the merged output, each a tuple")),
     *_shape_slips(_CROSS_PARTS, _CROSS_SHAPES, _CROSS_CODES)],
    forbidden=(attention, cross_attention, multi_head_attention), teaching=cross_attention_shapes,
)

# Scores (B, h, L_tgt, L_src) = (2, 8, 6, 10): the softmax's axis, and the shape of the sums that are all ones.
_SCORES = (2, 8, 6, 10)
_ROW_SUMS = _SCORES[:-1]
_AXIS_CODES = {-2: "softmax_wrong_axis", -3: "softmax_over_heads", -4: "softmax_over_batch"}
_OVER_QUERIES = ("Normalised over the target positions, each source word hands out one unit of weight among the "
                 "target words, and a target word's weights no longer form a distribution over the source: it "
                 "cannot take an average of the values.")


def _axis_and_shape(value):
    try:
        axis, shape = value
        return int(axis), tuple(int(n) for n in np.ravel(shape))
    except (TypeError, ValueError):
        return None


def _axis_slip(value):
    """``(code, detail)`` for the first part of an ``(axis, shape)`` answer that is off, or None."""
    found = _axis_and_shape(value)
    if found is None:
        return None
    axis, shape = found
    ndim = len(_SCORES)
    if axis == ndim - 1:
        return "axis_from_the_front", ""
    if axis != -1:
        code = _AXIS_CODES.get(axis - ndim if 0 <= axis < ndim else axis)
        return (code, "") if code else ("wrong_values", "Your axis is not one of the scores' four axes.")
    if shape == _ROW_SUMS:
        return None
    if shape in (_SCORES[:-2] + _SCORES[-1:], _SCORES):
        return "row_sums_shape", ""
    if tuple(n for n in shape if n != 1) == _ROW_SUMS:
        return "extra_axis", "A sum with `keepdims=True` keeps the summed axis with length 1; the plain sum drops it."
    return "wrong_shape", "Your shape of the sums is not the one asked for."


def _axis_is(code):
    def test(mine, want, probes):
        found = _axis_slip(_answer(mine))
        return found is not None and found[0] == code and (found[1] or True)
    return test


def cross_softmax_axis():
    scores = (2, 8, 6, 10)      # (B, h, n_q, n_k)
    axis = -1                   # role[axis]: one query's weights lie along the keys, the last axis
    return axis, scores[:-1]    # role[sums]: summing over an axis removes it, one sum per batch, head and query


CROSS_AXIS = _value(
    "cross_softmax_axis", "cross_softmax_axis()", (-1, _ROW_SUMS),
    [
        Misconception("wrong_type", test=_not_a_tuple_of(2, "the axis, a negative integer, and the shape of the "
                                                            "sums, a tuple")),
        ("softmax_wrong_axis", _OVER_QUERIES, (-2, _SCORES[:-2] + _SCORES[-1:])),
        *(Misconception(code, test=_axis_is(code))
          for code in ("axis_from_the_front", *_AXIS_CODES.values(), "row_sums_shape", "extra_axis", "wrong_shape",
                       "wrong_values")),
    ],
    forbidden=(attention, cross_attention, multi_head_attention), teaching=cross_softmax_axis,
)

EXERCISES += [CROSS_SHAPES, CROSS_AXIS]


# --------------------------------------------------------------------------- KV cache per token (lesson 06)
# Llama 2 70B: 80 layers, 64 query heads sharing 8 key/value heads of 128 features, float16.
_LLAMA = MODEL_CONFIGS["Llama 2 70B"]
_KV_STAGES = {   # each factor of 2 · layers · kv_heads · d_head · bytes, and how it might be miscounted
    "heads": [(_LLAMA["n_kv_heads"], None, ""),
              (_LLAMA["n_heads"], "kv_cache_used_query_heads",
               "Counting 16 bits per number gives the same total: the question asks for bytes."),
              # queries, keys and values: (n_heads + 2 n_kv_heads) heads of numbers = 2 × this many
              ((_LLAMA["n_heads"] + 2 * _LLAMA["n_kv_heads"]) / 2, "kv_cache_counts_queries", "")],
    "pair": [(2, None, ""),
             (1, "kv_cache_forgot_values", "One factor 2 is missing: that one, or the 2 bytes of each number "
                                           "(counting numbers gives the same total).")],
    "size": [(2, None, ""), (4, "kv_cache_bytes_per_number", "")],
    "layers": [(_LLAMA["n_layers"], None, ""),
               (1, "wrong_quantity", "That is one layer's share; every layer keeps its own keys and values.")],
}


def _kv_count(heads, pair, size, layers):
    return lambda: pair * layers * heads * _LLAMA["d_head"] * size


_KV = kv_cache_bytes(_LLAMA["n_layers"], _LLAMA["n_kv_heads"], _LLAMA["d_head"], n_tokens=1)


def kv_cache_per_token():
    n_layers, n_kv_heads, d_head = 80, 8, 128   # Llama 2 70B
    size = 2                                    # role[bytes]: a float16 number takes 2 bytes
    return 2 * n_layers * n_kv_heads * d_head * size   # role[count]: a key and a value per KV head, in every layer
KV_PER_TOKEN = _value(
    "kv_cache_per_token", "kv_cache_per_token()", _KV,
    [*family(_kv_count, _KV_STAGES),
     ("wrong_quantity", "Give the answer in bytes, not KiB.", _KV / 1024),
     ("wrong_quantity", "Give the answer in bytes, not MiB.", _KV / 1024**2)],
    forbidden=(kv_cache_bytes, kv_cache_table), teaching=kv_cache_per_token,
)

EXERCISES.append(KV_PER_TOKEN)
