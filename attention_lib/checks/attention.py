"""Checks for the attention function itself (lesson 05) and for top-k attention (lesson 03)."""
from __future__ import annotations

import math

import numpy as np

from ..attention import attention as _attention
from ..masking import causal_mask, padding_mask
from ..scoring import scaled_dot_scores
from ..softmax import softmax as _softmax
from ._engine import Exercise, Misconception, Probe, randn


def _naive_softmax(s, axis):
    e = np.exp(s - s.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _library_softmax(s, axis):
    return _softmax(s, axis=axis)


def _attn(q, k, v, mask=None, *, axis=-1, mask_mode="before", fill=-np.inf, invert=False,
          scale=True, transpose_w=False, norm=_naive_softmax):
    """One parametrised attention; each misconception flips one switch."""
    s = q @ np.swapaxes(k, -1, -2)                       # (..., n_q, n_k)
    if scale:
        s = s / math.sqrt(q.shape[-1])
    m = None if mask is None or mask_mode == "ignore" else (~mask if invert else mask)
    if m is not None and mask_mode == "before":
        s = np.where(m, s, fill)
    w = norm(s, axis)                                    # (..., n_q, n_k)
    if m is not None and mask_mode == "after":
        w = np.where(m, w, 0.0)
    out = (np.swapaxes(w, -1, -2) if transpose_w else w) @ v   # (..., n_q, d_v)
    return out, w


def _variants(code, **switches):
    return [Misconception(code, variant=lambda *a, _kw={**switches, "fill": f, "norm": n}, **k: _attn(*a, **k, **_kw))
            for f in (-np.inf, -1e9) for n in (_naive_softmax, _library_softmax)]


def _returns_only_output(mine, want, probes):
    return all(
        g.error is None and isinstance(g.value, np.ndarray) and g.value.shape == w.value[0].shape
        for g, w in zip(mine, want, strict=True)
    )


_x = randn(503, (2, 4, 3))[0]
_probes = [
    Probe("q (3, 4), k (5, 4), v (5, 2), no mask", randn(501, (3, 4), (5, 4), (5, 2))),
    Probe("a batch: q (2, 3, 4), k (2, 5, 4), v (2, 5, 6)", randn(502, (2, 3, 4), (2, 5, 4), (2, 5, 6))),
    Probe("causal self-attention on (2, 4, 3) with causal_mask(4)", (_x, _x, _x), {"mask": causal_mask(4)}),
    Probe("a padding mask (2, 1, 5) with lengths [2, 5]", randn(504, (2, 3, 4), (2, 5, 4), (2, 5, 2)),
          {"mask": padding_mask([2, 5], 5)}),
    Probe("heads: q (2, 2, 3, 4), k and v (2, 2, 6, 4)", randn(505, (2, 2, 3, 4), (2, 2, 6, 4), (2, 2, 6, 4))),
]

ATTENTION = Exercise(
    id="attention",
    signature="attention(q, k, v, mask=None)",
    reference=_attention,
    probes=_probes,
    misconceptions=[
        Misconception("missing_weights", test=_returns_only_output),
        *_variants("softmax_wrong_axis", axis=-2),
        *_variants("mask_after_softmax", mask_mode="after"),
        *_variants("mask_polarity_inverted", invert=True),
        Misconception("masked_to_zero", variant=lambda *a, **k: _attn(*a, **k, fill=0.0)),
        Misconception("mask_ignored", variant=lambda *a, **k: _attn(*a, **k, mask_mode="ignore")),
        *_variants("no_sqrt_d_scaling", scale=False),
        *_variants("weights_transposed", transpose_w=True),
    ],
    forbidden=(_attention,),
)


def _topk_reference(q, k, v, top_k):
    scores = scaled_dot_scores(q, k)                     # (n_q, n_k)
    kth = np.sort(scores, axis=-1)[:, -top_k][:, None]   # (n_q, 1), the top_k-th largest score
    return _attention(q, k, v, mask=scores >= kth)       # softmax over the top k only


def _topk_variant(q, k, v, top_k, *, renormalise=True, smallest=False):
    scores = scaled_dot_scores(q, k)                     # (n_q, n_k)
    order = np.argsort(scores, axis=-1)
    keep = order[:, :top_k] if smallest else order[:, -top_k:]
    mask = np.zeros_like(scores, dtype=bool)
    np.put_along_axis(mask, keep, True, axis=-1)
    w = _softmax(np.where(mask, scores, -np.inf)) if renormalise else np.where(mask, _softmax(scores), 0.0)
    return w @ v, w


TOP_K = Exercise(
    id="top_k_attention",
    signature="top_k_attention(q, k, v, top_k)",
    reference=_topk_reference,
    probes=[
        Probe("2 queries, 6 keys, top_k = 2", randn(331, (2, 3), (6, 3), (6, 2)) + (2,)),
        Probe("3 queries, 5 keys, top_k = 1 (hard 1-NN)", randn(332, (3, 4), (5, 4), (5, 3)) + (1,)),
        Probe("1 query, 4 keys, top_k = 4 (plain attention)", randn(333, (1, 2), (4, 2), (4, 2)) + (4,)),
    ],
    misconceptions=[
        Misconception("topk_not_renormalised", variant=lambda *a: _topk_variant(*a, renormalise=False)),
        Misconception("topk_smallest", variant=lambda *a: _topk_variant(*a, smallest=True)),
    ],
)

EXERCISES = [ATTENTION, TOP_K]
