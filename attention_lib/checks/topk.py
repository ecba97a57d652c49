"""Checks for lesson 03's hard exercise: hard top-k attention versus soft weights."""
from __future__ import annotations

import numpy as np

from ..attention import attention
from ..scoring import scaled_dot_scores
from ..softmax import softmax
from ._engine import Exercise, Misconception, Probe

_rng = np.random.default_rng(33)


def _topk_reference(q, K, V, k):
    scores = scaled_dot_scores(q, K)                     # (n_q, n_k)
    kth = np.sort(scores, axis=-1)[:, -k][:, None]       # (n_q, 1), the k-th largest score
    return attention(q, K, V, mask=scores >= kth)        # softmax over the top k only


def _topk_variant(q, K, V, k, *, renormalise=True, smallest=False):
    scores = scaled_dot_scores(q, K)
    order = np.argsort(scores, axis=-1)
    keep = order[:, :k] if smallest else order[:, -k:]
    mask = np.zeros_like(scores, dtype=bool)
    np.put_along_axis(mask, keep, True, axis=-1)
    w = softmax(np.where(mask, scores, -np.inf)) if renormalise else np.where(mask, softmax(scores), 0.0)
    return w @ V, w


TOP_K = Exercise(
    id="top_k_attention",
    signature="top_k_attention(q, K, V, k)",
    reference=_topk_reference,
    probes=[
        Probe("2 queries, 6 keys, k = 2", (_rng.normal(size=(2, 3)), _rng.normal(size=(6, 3)), _rng.normal(size=(6, 2)), 2)),
        Probe("3 queries, 5 keys, k = 1 (hard 1-NN)", (_rng.normal(size=(3, 4)), _rng.normal(size=(5, 4)), _rng.normal(size=(5, 3)), 1)),
        Probe("1 query, 4 keys, k = 4 (plain attention)", (_rng.normal(size=(1, 2)), _rng.normal(size=(4, 2)), _rng.normal(size=(4, 2)), 4)),
    ],
    misconceptions=[
        Misconception("topk_not_renormalised",
                      "You zeroed the weights outside the top k after the softmax, so each row sums to less than 1. "
                      "Mask the scores to −inf first, then take the softmax over the k survivors.",
                      variant=lambda *a: _topk_variant(*a, renormalise=False)),
        Misconception("topk_smallest",
                      "You kept the k *smallest* scores. `np.argsort` sorts ascending: the largest k are at the end.",
                      variant=lambda *a: _topk_variant(*a, smallest=True)),
    ],
)

EXERCISES = [TOP_K]
