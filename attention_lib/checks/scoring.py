"""Checks for lesson 01: similarity scores."""
from __future__ import annotations

import math

import numpy as np

from .. import scoring as lib
from ._engine import Exercise, Misconception, Probe

_rng = np.random.default_rng(10)


def _t(x):
    return np.swapaxes(x, -1, -2)


def _qk_probes(extra=()):
    """Non-square on purpose: n_q, n_k, d and the batch all differ."""
    return [
        Probe("Q (3, 4) and K (5, 4)", (_rng.normal(size=(3, 4)), _rng.normal(size=(5, 4))) + extra),
        Probe("a batch: Q (2, 3, 6) and K (2, 5, 6)", (_rng.normal(size=(2, 3, 6)), _rng.normal(size=(2, 5, 6))) + extra),
        Probe("Q (4, 9) and K (4, 9) (as many queries as keys)", (_rng.normal(size=(4, 9)), _rng.normal(size=(4, 9))) + extra),
        Probe("heads: Q (2, 2, 3, 4) and K (2, 2, 7, 4)", (_rng.normal(size=(2, 2, 3, 4)), _rng.normal(size=(2, 2, 7, 4))) + extra),
    ]


def _transposed(parts):
    """The transposition mistakes, for scores of the form ``A Bᵀ / scale`` with ``parts(Q, K, *a) -> (A, B, scale)``."""
    return [
        Misconception(
            "transposed_kq",
            "You computed K Qᵀ: its rows are keys and its columns queries. Scores are Q Kᵀ, shape (..., n_q, n_k): one row per query.",
            variant=lambda Q, K, *a: (lambda A, B, c: B @ _t(A) / c)(*parts(Q, K, *a)),
        ),
        Misconception(
            "transposed_qtk",
            "You computed Qᵀ K, which pairs features with features, shape (..., d, d). Scores pair queries with keys: Q Kᵀ, shape (..., n_q, n_k).",
            variant=lambda Q, K, *a: (lambda A, B, c: _t(A) @ B / c)(*parts(Q, K, *a)),
        ),
        Misconception(
            "transpose_all_axes",
            "`K.T` reverses *every* axis, so on a batch (B, n_k, d) it gives (d, n_k, B). Swap only the last two: "
            "`np.swapaxes(K, -1, -2)` (or `K.transpose(0, 2, 1)` for 3 axes).",
            variant=lambda Q, K, *a: (lambda A, B, c: A @ B.T / c)(*parts(Q, K, *a)),
        ),
    ]


def _unit(x, eps=1e-9):
    return x / (np.linalg.norm(x, axis=-1, keepdims=True) + eps)


SCALED_DOT = Exercise(
    id="scaled_dot_scores",
    signature="scaled_dot_scores(Q, K)",
    reference=lib.scaled_dot_scores,
    probes=_qk_probes(),
    misconceptions=[
        Misconception("no_sqrt_d_scaling",
                      "These are plain dot products: divide by √d, the square root of the feature size `Q.shape[-1]`, "
                      "so the scores keep unit variance whatever d is.",
                      variant=lambda Q, K: Q @ _t(K)),
        Misconception("scaled_by_d",
                      "You divided by d; divide by √d. The dot product of two random unit-variance vectors has variance d, "
                      "so its standard deviation is √d.",
                      variant=lambda Q, K: Q @ _t(K) / Q.shape[-1]),
        Misconception("scaled_by_wrong_dimension",
                      "You scaled by the square root of a sequence length. The scale is √d, where d is the feature size, the last axis of Q and K.",
                      variant=lambda Q, K: Q @ _t(K) / math.sqrt(K.shape[-2])),
        Misconception("scaled_by_wrong_dimension",
                      "You scaled by the square root of the number of queries. The scale is √d, where d is the feature size, the last axis of Q and K.",
                      variant=lambda Q, K: Q @ _t(K) / math.sqrt(Q.shape[-2])),
        Misconception("scaled_by_wrong_dimension",
                      "You scaled by the square root of the first axis. The scale is √d, the feature size: `Q.shape[-1]`.",
                      variant=lambda Q, K: Q @ _t(K) / math.sqrt(Q.shape[0])),
        *_transposed(lambda Q, K: (Q, K, math.sqrt(Q.shape[-1]))),
    ],
    forbidden=(lib.scaled_dot_scores,),
)


def _cos_variant(Q, K, tau, *, eps=1e-9, axis=-1, scale="divide"):
    Qn = Q / (np.linalg.norm(Q, axis=axis, keepdims=True) + eps)   # (..., n_q, d)
    Kn = K / (np.linalg.norm(K, axis=axis, keepdims=True) + eps)   # (..., n_k, d)
    s = Qn @ _t(Kn)
    return {"divide": s / tau, "multiply": s * tau, "none": s}[scale]


_zero_rows = _rng.normal(size=(3, 4))
_zero_rows[1] = 0.0
_zero_keys = _rng.normal(size=(5, 4))
_zero_keys[2] = 0.0

COSINE = Exercise(
    id="cosine_scores",
    signature="cosine_scores(Q, K, tau)",
    reference=lambda Q, K, tau: lib.cosine_scores(Q, K, temperature=tau),
    probes=_qk_probes((0.5,)) + [
        Probe("a zero query and a zero key, tau=2.0", (_zero_rows, _zero_keys, 2.0)),
        Probe("vectors of very different lengths, tau=1.0", (100 * _rng.normal(size=(2, 3)), 0.01 * _rng.normal(size=(4, 3)), 1.0)),
    ],
    misconceptions=[
        Misconception("cosine_no_eps",
                      "NaN where a vector is all zeros: its norm is 0 and you divide by it. Add a small `eps` (1e-9) to each norm.",
                      variant=lambda Q, K, tau: _cos_variant(Q, K, tau, eps=0.0)),
        Misconception("normalised_wrong_axis",
                      "You normalised along the wrong axis: each *vector* (a row, the last axis) must get length 1, "
                      "so take the norm with `axis=-1, keepdims=True`.",
                      variant=lambda Q, K, tau: _cos_variant(Q, K, tau, axis=-2)),
        Misconception("temperature_multiplied",
                      "You multiplied by τ; divide the cosines by τ, so a small τ spreads the scores apart.",
                      variant=lambda Q, K, tau: _cos_variant(Q, K, tau, scale="multiply")),
        Misconception("temperature_ignored",
                      "Your scores ignore τ: divide the cosines by `tau`.",
                      variant=lambda Q, K, tau: _cos_variant(Q, K, tau, scale="none")),
        Misconception("not_normalised",
                      "These are dot products, not cosines: divide each vector by its length first, so only the angle counts.",
                      variant=lambda Q, K, tau: Q @ _t(K) / tau),
        *_transposed(lambda Q, K, tau: (_unit(Q), _unit(K), tau)),
    ],
    forbidden=(lib.cosine_scores,),
)


def _d2(Q, K):
    return np.sum((Q[..., :, None, :] - K[..., None, :, :]) ** 2, axis=-1)


RBF = Exercise(
    id="rbf_scores",
    signature="rbf_scores(Q, K, tau)",
    reference=lambda Q, K, tau: lib.rbf_scores(Q, K, temperature=tau),
    probes=_qk_probes((0.7,)) + [Probe("Q (2, 3), K (3, 3), tau=2.0", (_rng.normal(size=(2, 3)), _rng.normal(size=(3, 3)), 2.0))],
    misconceptions=[
        Misconception("rbf_positive_sign",
                      "Your scores grow with distance. Near must score high: put a minus sign in front, −‖q−k‖²/(2τ²).",
                      variant=lambda Q, K, tau: _d2(Q, K) / (2 * tau**2)),
        Misconception("rbf_not_squared",
                      "You used the distance ‖q−k‖; the Gaussian kernel uses the *squared* distance ‖q−k‖².",
                      variant=lambda Q, K, tau: -np.sqrt(_d2(Q, K)) / (2 * tau**2)),
        Misconception("rbf_missing_two",
                      "Close: the denominator is 2τ², not τ².",
                      variant=lambda Q, K, tau: -_d2(Q, K) / tau**2),
        Misconception("rbf_tau_not_squared",
                      "Close: τ is a length, so it is squared in the denominator: −‖q−k‖²/(2τ²), not /(2τ).",
                      variant=lambda Q, K, tau: -_d2(Q, K) / (2 * tau)),
        Misconception("temperature_multiplied",
                      "τ multiplies where it should divide: the score is −‖q−k‖² / (2τ²).",
                      variant=lambda Q, K, tau: -_d2(Q, K) * tau**2 / 2),
        Misconception("transposed_kq",
                      "Your result is (..., n_k, n_q): one row per key. Scores need one row per query: shape (..., n_q, n_k).",
                      variant=lambda Q, K, tau: _t(-_d2(Q, K) / (2 * tau**2))),
    ],
    forbidden=(lib.rbf_scores, lib.squared_distances),
)

EXERCISES = [SCALED_DOT, COSINE, RBF]
