"""Checks for lesson 01: similarity scores."""
from __future__ import annotations

import math

import numpy as np

from .. import scoring as lib
from ._compare import as_array, values_match
from ._engine import Exercise, Misconception, Probe, randn


def _t(x):
    return np.swapaxes(x, -1, -2)


_SHAPES = [
    ("q (3, 6) and k (5, 6)", (3, 6), (5, 6), "2-D"),
    ("a batch: q (2, 3, 8) and k (2, 5, 8)", (2, 3, 8), (2, 5, 8), "batched"),
    ("q (4, 9) and k (4, 9) (as many queries as keys)", (4, 9), (4, 9), "square"),
    ("heads: q (2, 3, 4, 5) and k (2, 3, 7, 5)", (2, 3, 4, 5), (2, 3, 7, 5), "heads"),
]


def _qk_probes(seed, extra=()):
    """Non-square on purpose: n_q, n_k, d and the batch all differ, and no d makes √d, d, d/2 and 2 meet.
    Probe i uses seed ``seed + i``."""
    return [Probe(label, randn(seed + i, q, k) + extra, purpose=purpose)
            for i, (label, q, k, purpose) in enumerate(_SHAPES)]


# ---------------------------------------------------------------- scaled dot product


def scaled_dot_scores(q, k):
    d = q.shape[-1]                     # role[size]: d is the feature size of one query or key
    s = q @ np.swapaxes(k, -1, -2)      # (..., n_q, n_k) role[scores]: every query meets every key, feature by feature
    # role[scale]: dividing by √d keeps the scores' spread the same whatever d is
    return s / np.sqrt(d)               # (..., n_q, n_k)


_NOT_WEIGHTS = "This function returns the scores; the exponential belongs to the softmax, later."


def _fixed_scale(mine, want, probes):
    """The dot products divided by one number that does not change with d."""
    scales = []
    for got, probe in zip(mine, probes, strict=True):
        y = None if got.error is not None else np.asarray(got.value, dtype=float)
        dots = probe.args[0] @ _t(probe.args[1])                  # (..., n_q, n_k)
        if y is None or y.shape != dots.shape:
            return False
        scale = float(np.vdot(dots, dots) / np.vdot(y, dots))
        if not np.allclose(y * scale, dots, rtol=1e-6, atol=1e-9):
            return False
        scales.append(scale)
    ds = [math.sqrt(p.args[0].shape[-1]) for p in probes]
    fixed = np.allclose(scales, scales[0], rtol=1e-6)
    return fixed and not np.allclose(scales, ds, rtol=1e-6) and not np.isclose(scales[0], 1.0)

SCALED_DOT = Exercise(
    id="scaled_dot_scores",
    signature="scaled_dot_scores(q, k)",
    arguments={"q": 0, "k": 1},
    reference=lib.scaled_dot_scores,
    teaching=scaled_dot_scores,
    equivalent={"size: q.shape[-1] → k.shape[-1]": "The contract gives queries and keys the same d."},
    probes=lambda: _qk_probes(101),
    misconceptions=[
        Misconception("scale_hard_coded", test=_fixed_scale),
    ],
    forbidden=(lib.scaled_dot_scores, lib.dot_scores),
    relations={"transposed": ("transposed_kq", ""), "exp": ("exp_applied", _NOT_WEIGHTS),
               "softmax": ("softmax_applied", "")},
)


# ---------------------------------------------------------------- cosine


def cosine_scores(q, k, temperature):
    q_len = np.linalg.norm(q, axis=-1, keepdims=True)   # (..., n_q, 1) role[length]: each query has its own length
    k_len = np.linalg.norm(k, axis=-1, keepdims=True)   # (..., n_k, 1) role[length]: each key has its own length
    # role[unit]: a unit vector keeps the direction only (+ε for zeros)
    q_unit = q / (q_len + 1e-9)         # (..., n_q, d)
    # role[unit]: a unit vector keeps the direction only (+ε for zeros)
    k_unit = k / (k_len + 1e-9)         # (..., n_k, d)
    s = q_unit @ np.swapaxes(k_unit, -1, -2)   # (..., n_q, n_k) role[scores]: the cosine of every query with every key
    return s / temperature              # (..., n_q, n_k) role[temperature]: the temperature divides every score


_LENGTHS = {"np.sum({x} * {x}, axis=-1, keepdims=True)": "cosine_squared_norm",
            "np.linalg.norm({x}, ord=1, axis=-1, keepdims=True)": "wrong_norm",
            "np.linalg.norm({x}, ord=np.inf, axis=-1, keepdims=True)": "wrong_norm"}


def _lengths(length: str) -> tuple:
    """A patch: another length than the Euclidean one, for the queries and the keys alike."""
    return tuple((f"np.linalg.norm({x}, axis=-1, keepdims=True)", length.format(x=x)) for x in "qk")


def _eps(eps: float, inside: bool) -> tuple:
    """A patch: an epsilon of ``eps`` (under the square root, with ``inside``)."""
    if inside:
        return tuple((f"np.linalg.norm({x}, axis=-1, keepdims=True)",
                      f"np.sqrt(np.sum({x} * {x}, axis=-1, keepdims=True) + {eps!r}) - 1e-9") for x in "qk")
    return tuple((f"({x}_len + 1e-9)", f"({x}_len + {eps!r})") for x in "qk")


def _zero_vector_not_finite(mine, want, probes):
    """NaN or inf where a vector is all zeros (whatever else is wrong on the very short vectors)."""
    for got, probe in zip(mine, probes, strict=True):
        scores = None if got.raised else as_array(got.value)
        if "zero_vector" in probe.tags and scores is not None and scores.dtype.kind == "f" \
                and not np.all(np.isfinite(scores)):
            return True
    return False


def _eps_under_the_root(mine, want, probes):
    """Right wherever vectors are not tiny, and on the very short ones equal (to 0.1 %) to an eps of 1e-9 … 3e-6
    under the square root. (Those scores are at most 5e-6, below the mutants' likeness, which works in absolute
    terms: so this is told by a test, in relative terms.)"""
    for got, ref, probe in zip(mine, want, probes, strict=True):
        if "short_vectors" not in probe.tags:
            if not values_match(got.value, ref.value, 1e-4, 1e-6) or got.raised:
                return False
            continue
        scores = None if got.raised else as_array(got.value)
        q, k, temperature = probe.args
        for eps in (m * 10.0**e for e in range(-9, -5) for m in (1, 3)):
            q_unit, k_unit = (x / np.sqrt(np.sum(x * x, axis=-1, keepdims=True) + eps) for x in (q, k))
            under = q_unit @ np.swapaxes(k_unit, -1, -2) / temperature
            if scores is not None and scores.shape == under.shape and np.allclose(scores, under, rtol=1e-3, atol=0):
                return True
    return False


def _cosine_probes():
    zero_rows, zero_keys = randn(111, (3, 5), (6, 5))
    zero_rows[1] = 0.0
    zero_keys[2] = 0.0
    long, short = randn(112, (2, 3), (4, 3))
    tiny_q, tiny_k = randn(113, (3, 4), (5, 4))
    tiny_k[1] = tiny_q[0]                                   # one key along a query: a cosine of 1
    tiny_q, tiny_k = (3e-5 * x / np.linalg.norm(x, axis=-1, keepdims=True) for x in (tiny_q, tiny_k))
    return _qk_probes(121, (0.5,)) + [
        Probe("a zero query and a zero key, temperature 2.0", (zero_rows, zero_keys, 2.0), purpose="zero_vector"),
        Probe("vectors of very different lengths, temperature 1.0", (100 * long, 0.1 * short, 1.0), purpose="lengths"),
        # Length 3e-5: eps = 1e-9 under the square root shrinks each unit vector to 0.69 of its length (scores to
        # 0.47), while any eps up to 1e-6 added to the norm keeps 0.97 (scores 0.94). At τ = 2e5 the scores are
        # at most 5e-6, so the first misses by 2.6e-6 and the second by at most 3.2e-7, inside the 1e-6 tolerance.
        Probe("very short vectors (length 3·10⁻⁵), temperature 2·10⁵", (tiny_q, tiny_k, 2e5),
              purpose="short_vectors"),
    ]


COSINE = Exercise(
    id="cosine_scores",
    signature="cosine_scores(q, k, temperature)",
    arguments={"q": 0, "k": 1},
    reference=lib.cosine_scores,
    teaching=cosine_scores,
    codes={("everywhere", "drop", "div"): "cosine_not_unit"},
    probes=_cosine_probes,
    misconceptions=[
        *(Misconception(code, patch=_lengths(length)) for length, code in _LENGTHS.items()),
        Misconception("cosine_distance", patch=(("return s / temperature", "return (1 - s) / temperature"),)),
        Misconception("cosine_distance", patch=(("return s / temperature",
                                                 "return np.arccos(np.clip(s, -1, 1)) / temperature"),)),
        Misconception("eps_inside_sqrt", test=_eps_under_the_root),
        Misconception("cosine_no_eps", test=_zero_vector_not_finite),
        *(Misconception("eps_too_large", patch=_eps(m * 10.0**e, inside)) for e in range(-5, 1) for m in (1, 3)
          for inside in (False, True)),
    ],
    forbidden=(lib.cosine_scores,),
    relations={"factor:τ²": ("temperature_multiplied", ""), "factor:τ": ("temperature_ignored", ""),
               "factor:1/τ": ("temperature_misapplied", "Here τ divides twice."),
               "factor:1/√d": ("extra_sqrt_d_scaling", "Cosine scores already lie between −1 and 1."),
               "transposed": ("transposed_kq", ""), "softmax": ("softmax_applied", ""),
               "exp": ("exp_applied", _NOT_WEIGHTS)},
    purposes={"zero_vector": ("cosine_no_eps", ""), "lengths": ("eps_too_large", ""),
              "short_vectors": ("eps_inside_sqrt", "")},
    rtol=1e-4, atol=1e-6,
)


# ---------------------------------------------------------------- RBF


def rbf_scores(q, k, temperature):
    diff = q[..., :, None, :] - k[..., None, :, :]   # (..., n_q, n_k, d) role[pairs]: every query minus every key
    d2 = np.sum(diff ** 2, axis=-1)     # (..., n_q, n_k) role[distance]: the squared distance sums over the features
    # role[bandwidth]: the score is −‖q − k‖² / (2τ²): near is similar
    return -d2 / (2 * temperature ** 2)   # (..., n_q, n_k)


_EXPANSIONS = [   # ‖q‖² + ‖k‖² − 2 q·k written with one slip
    f"np.sum(q * q, axis=-1)[..., :, None]{k} {cross} q @ np.swapaxes(k, -1, -2)"
    for k in (" + np.sum(k * k, axis=-1)[..., None, :]", "") for cross in ("-", "+", "+ 2 *", "- 0 *")
] + ["np.sum(q * q, axis=-1)[..., :, None] - 2 * q @ np.swapaxes(k, -1, -2)"]


RBF = Exercise(
    id="rbf_scores",
    signature="rbf_scores(q, k, temperature)",
    arguments={"q": 0, "k": 1},
    reference=lib.rbf_scores,
    teaching=rbf_scores,
    equivalent={"swap: q[..., :, None, :] - k[..., None, :, :] → k[..., None, :, :] - q[..., :, None, :]":
                "(k − q)² is (q − k)²: the squared distance does not depend on the order."},
    codes={"constant: temperature ** 2 → temperature ** 1": "rbf_tau_not_squared",
           "constant: 2 * temperature ** 2 → 1 * temperature ** 2": "rbf_missing_two"},
    probes=lambda: _qk_probes(131, (0.7,)) + [
        Probe("q (2, 3), k (3, 3), temperature 2.0", randn(135, (2, 3), (3, 3)) + (2.0,), purpose="temperature"),
    ],
    misconceptions=[
        Misconception("rbf_not_squared", patch=(("d2 = np.sum(diff ** 2, axis=-1)",
                                                 "d2 = np.sqrt(np.sum(diff ** 2, axis=-1))"),)),
        Misconception("rbf_wrong_distance", patch=(("np.sum(diff ** 2, axis=-1)", "np.sum(np.abs(diff), axis=-1)"),)),
        *(Misconception("rbf_expansion_wrong", patch=(("d2 = np.sum(diff ** 2, axis=-1)", "d2 = " + expansion),))
          for expansion in _EXPANSIONS),
    ],
    forbidden=(lib.rbf_scores, lib.squared_distances),
    relations={"factor:2": ("rbf_missing_two", ""), "factor:τ": ("rbf_tau_not_squared", ""),
               "factor:1/2": ("rbf_two_tau_squared", ""), "factor:τ²": ("temperature_ignored", ""),
               "factor:τ⁴": ("temperature_multiplied", ""), "factor:2·τ²": ("rbf_missing_denominator", ""),
               "factor:1/d": ("rbf_mean_not_sum", ""),
               "factor:1/√d": ("extra_sqrt_d_scaling", "RBF scores are scaled by 2τ² alone."),
               "factor:2·τ": ("rbf_tau_not_squared", ""),
               "sign": ("rbf_positive_sign", ""), "transposed": ("transposed_kq", ""),
               "exp": ("exp_applied", "You returned the Gaussian kernel exp(−‖q−k‖²/(2τ²)); the score is its "
                                      "logarithm, −‖q−k‖²/(2τ²), and the softmax exponentiates it later."),
               "softmax": ("softmax_applied", ""),
               "monotone": ("rbf_wrong_distance", "")},
    errors={"could not be broadcast": "broadcast_mismatch"},
)

EXERCISES = [SCALED_DOT, COSINE, RBF]
