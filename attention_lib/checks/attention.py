"""Checks for lesson 05: the attention function itself."""
from __future__ import annotations

import math

import numpy as np

from ..attention import attention as _attention
from ..softmax import softmax as _softmax
from ..masking import causal_mask, padding_mask
from ._engine import Exercise, Misconception, Probe

_rng = np.random.default_rng(50)


def _naive_softmax(s, axis):
    e = np.exp(s - s.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _library_softmax(s, axis):
    return _softmax(s, axis=axis)


def _attn(Q, K, V, mask=None, *, axis=-1, mask_mode="before", fill=-np.inf, invert=False,
          scale=True, transpose_w=False, norm=_naive_softmax):
    """One parametrised attention; each misconception flips one switch."""
    s = Q @ np.swapaxes(K, -1, -2)                       # (..., n_q, n_k)
    if scale:
        s = s / math.sqrt(Q.shape[-1])
    m = None if mask is None or mask_mode == "ignore" else (~mask if invert else mask)
    if m is not None and mask_mode == "before":
        s = np.where(m, s, fill)
    w = norm(s, axis)                                    # (..., n_q, n_k)
    if m is not None and mask_mode == "after":
        w = np.where(m, w, 0.0)
    out = (np.swapaxes(w, -1, -2) if transpose_w else w) @ V
    return out, w


def _variants(code, message, **switches):
    return [Misconception(code, message, variant=lambda *a, _kw={**switches, "fill": f, "norm": n}, **k: _attn(*a, **k, **_kw))
            for f in (-np.inf, -1e9) for n in (_naive_softmax, _library_softmax)]


def _returns_only_output(mine, want, probes):
    return all(
        g.error is None and isinstance(g.value, np.ndarray) and g.value.shape == w.value[0].shape
        for g, w in zip(mine, want)
    )


_probes = [
    Probe("Q (3, 4), K (5, 4), V (5, 2), no mask", (_rng.normal(size=(3, 4)), _rng.normal(size=(5, 4)), _rng.normal(size=(5, 2)))),
    Probe("a batch: Q (2, 3, 4), K (2, 5, 4), V (2, 5, 6)", (_rng.normal(size=(2, 3, 4)), _rng.normal(size=(2, 5, 4)), _rng.normal(size=(2, 5, 6)))),
    Probe("causal self-attention on (2, 4, 3) with causal_mask(4)",
          (_x := _rng.normal(size=(2, 4, 3)), _x, _x), {"mask": causal_mask(4)}),
    Probe("a padding mask (2, 1, 5) with lengths [2, 5]",
          (_rng.normal(size=(2, 3, 4)), _rng.normal(size=(2, 5, 4)), _rng.normal(size=(2, 5, 2))), {"mask": padding_mask([2, 5], 5)}),
    Probe("heads: Q (2, 2, 3, 4), K and V (2, 2, 6, 4)", (_rng.normal(size=(2, 2, 3, 4)), _rng.normal(size=(2, 2, 6, 4)), _rng.normal(size=(2, 2, 6, 4)))),
]

ATTENTION = Exercise(
    id="attention",
    signature="attention(Q, K, V, mask=None)",
    reference=lambda Q, K, V, mask=None: _attention(Q, K, V, mask),
    probes=_probes,
    misconceptions=[
        Misconception("missing_weights",
                      "You returned only the output. Return both: `return out, weights`. The weights are what you inspect when debugging.",
                      test=_returns_only_output),
        *_variants("softmax_over_queries",
                   "Your weights sum to 1 down each column (over the queries) instead of along each row. Each query needs a "
                   "distribution over the keys: softmax along the last axis, `axis=-1`.", axis=-2),
        *_variants("mask_after_softmax",
                   "You masked after the softmax, so the remaining weights no longer sum to 1 (and the masked keys still "
                   "shaped the others). Put −inf into the *scores* before the softmax.", mask_mode="after"),
        *_variants("mask_polarity_inverted",
                   "You blocked the positions the mask allows. True means *may attend*: keep the score where the mask is True, "
                   "e.g. `np.where(mask, scores, -np.inf)`.", invert=True),
        Misconception("masked_to_zero",
                      "You set masked scores to 0, but exp(0) = 1: the masked keys still get weight. Set them to −inf, so exp gives exactly 0.",
                      variant=lambda *a, **k: _attn(*a, **k, fill=0.0)),
        Misconception("mask_ignored",
                      "Your function ignores `mask`: masked keys still get weight. Apply it to the scores before the softmax.",
                      variant=lambda *a, **k: _attn(*a, **k, mask_mode="ignore")),
        *_variants("missing_scaling",
                   "Your scores are not scaled: divide Q Kᵀ by √d (d = Q.shape[-1]) before the softmax.", scale=False),
        *_variants("weights_transposed",
                   "You multiplied V by the transposed weights. The output is `weights @ V`: (n_q, n_k) @ (n_k, d_v) → (n_q, d_v).",
                   transpose_w=True),
    ],
    forbidden=(_attention,),
)

EXERCISES = [ATTENTION]
