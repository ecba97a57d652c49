"""Checks for lesson 01: similarity scores."""
from __future__ import annotations

import math

import numpy as np

from .. import scoring as lib
from ._engine import Exercise, Misconception, Probe, randn


def _t(x):
    return np.swapaxes(x, -1, -2)


def _qk_probes(seed, extra=()):
    """Non-square on purpose: n_q, n_k, d and the batch all differ. Probe i uses seed ``seed + i``."""
    shapes = [
        ("q (3, 4) and k (5, 4)", (3, 4), (5, 4)),
        ("a batch: q (2, 3, 6) and k (2, 5, 6)", (2, 3, 6), (2, 5, 6)),
        ("q (4, 9) and k (4, 9) (as many queries as keys)", (4, 9), (4, 9)),
        ("heads: q (2, 2, 3, 4) and k (2, 2, 7, 4)", (2, 2, 3, 4), (2, 2, 7, 4)),
    ]
    return [Probe(label, randn(seed + i, q, k) + extra) for i, (label, q, k) in enumerate(shapes)]


def _transposed(parts):
    """The transposition mistakes, for scores of the form ``A Bᵀ / scale`` with ``parts(q, k, *a) -> (A, B, scale)``."""
    return [
        Misconception("transposed_kq", variant=lambda q, k, *a: (lambda A, B, c: B @ _t(A) / c)(*parts(q, k, *a))),
        Misconception("transposed_qtk", variant=lambda q, k, *a: (lambda A, B, c: _t(A) @ B / c)(*parts(q, k, *a))),
        Misconception("transpose_all_axes", variant=lambda q, k, *a: (lambda A, B, c: A @ B.T / c)(*parts(q, k, *a))),
    ]


def _unit(x, eps=1e-9):
    return x / (np.linalg.norm(x, axis=-1, keepdims=True) + eps)


SCALED_DOT = Exercise(
    id="scaled_dot_scores",
    signature="scaled_dot_scores(q, k)",
    reference=lib.scaled_dot_scores,
    probes=_qk_probes(101),
    misconceptions=[
        Misconception("no_sqrt_d_scaling", variant=lambda q, k: q @ _t(k)),
        Misconception("scaled_by_d", variant=lambda q, k: q @ _t(k) / q.shape[-1]),
        Misconception("scaled_by_wrong_dimension", variant=lambda q, k: q @ _t(k) / math.sqrt(k.shape[-2])),
        Misconception("scaled_by_wrong_dimension", variant=lambda q, k: q @ _t(k) / math.sqrt(q.shape[-2])),
        Misconception("scaled_by_wrong_dimension", variant=lambda q, k: q @ _t(k) / math.sqrt(q.shape[0])),
        *_transposed(lambda q, k: (q, k, math.sqrt(q.shape[-1]))),
    ],
    forbidden=(lib.scaled_dot_scores,),
)


def _cos_variant(q, k, temperature, *, eps=1e-9, axis=-1, scale="divide"):
    qn = q / (np.linalg.norm(q, axis=axis, keepdims=True) + eps)   # (..., n_q, d)
    kn = k / (np.linalg.norm(k, axis=axis, keepdims=True) + eps)   # (..., n_k, d)
    s = qn @ _t(kn)                                                # (..., n_q, n_k)
    return {"divide": s / temperature, "multiply": s * temperature, "none": s}[scale]


_zero_rows, _zero_keys = randn(111, (3, 4), (5, 4))
_zero_rows[1] = 0.0
_zero_keys[2] = 0.0
_long, _short = randn(112, (2, 3), (4, 3))

COSINE = Exercise(
    id="cosine_scores",
    signature="cosine_scores(q, k, temperature)",
    reference=lib.cosine_scores,
    probes=_qk_probes(121, (0.5,)) + [
        Probe("a zero query and a zero key, temperature 2.0", (_zero_rows, _zero_keys, 2.0)),
        Probe("vectors of very different lengths, temperature 1.0", (100 * _long, 0.01 * _short, 1.0)),
    ],
    misconceptions=[
        Misconception("cosine_no_eps", variant=lambda q, k, t: _cos_variant(q, k, t, eps=0.0)),
        Misconception("norm_wrong_axis", variant=lambda q, k, t: _cos_variant(q, k, t, axis=-2)),
        Misconception("temperature_multiplied", variant=lambda q, k, t: _cos_variant(q, k, t, scale="multiply")),
        Misconception("temperature_ignored", variant=lambda q, k, t: _cos_variant(q, k, t, scale="none")),
        Misconception("cosine_not_unit", variant=lambda q, k, t: q @ _t(k) / t),
        *_transposed(lambda q, k, t: (_unit(q), _unit(k), t)),
    ],
    forbidden=(lib.cosine_scores,),
)


def _d2(q, k):
    return np.sum((q[..., :, None, :] - k[..., None, :, :]) ** 2, axis=-1)   # (..., n_q, n_k)


RBF = Exercise(
    id="rbf_scores",
    signature="rbf_scores(q, k, temperature)",
    reference=lib.rbf_scores,
    probes=_qk_probes(131, (0.7,)) + [
        Probe("q (2, 3), k (3, 3), temperature 2.0", randn(135, (2, 3), (3, 3)) + (2.0,)),
    ],
    misconceptions=[
        Misconception("rbf_positive_sign", variant=lambda q, k, t: _d2(q, k) / (2 * t**2)),
        Misconception("rbf_not_squared", variant=lambda q, k, t: -np.sqrt(_d2(q, k)) / (2 * t**2)),
        Misconception("rbf_missing_two", variant=lambda q, k, t: -_d2(q, k) / t**2),
        Misconception("rbf_tau_not_squared", variant=lambda q, k, t: -_d2(q, k) / (2 * t)),
        Misconception("temperature_multiplied", variant=lambda q, k, t: -_d2(q, k) * t**2 / 2),
        Misconception("transposed_kq", variant=lambda q, k, t: _t(-_d2(q, k) / (2 * t**2))),
    ],
    forbidden=(lib.rbf_scores, lib.squared_distances),
)

EXERCISES = [SCALED_DOT, COSINE, RBF]
