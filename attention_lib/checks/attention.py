"""Checks for the attention function itself (lesson 05) and for top-k attention (lesson 03)."""
from __future__ import annotations

import math

import numpy as np

from ..attention import attention as _attention
from ..masking import causal_mask, padding_mask
from ..scoring import scaled_dot_scores
from ..softmax import softmax as _softmax
from ._engine import Exercise, Misconception, Probe, family, randn


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
    Probe("q (3, 4), k (5, 4), v (5, 2), no mask", randn(501, (3, 4), (5, 4), (5, 2)), purpose="2-D"),
    Probe("a batch: q (2, 3, 4), k (2, 5, 4), v (2, 5, 6)", randn(502, (2, 3, 4), (2, 5, 4), (2, 5, 6)),
          purpose="batched"),
    Probe("causal self-attention on (2, 4, 3) with causal_mask(4)", (_x, _x, _x), {"mask": causal_mask(4)},
          purpose="causal"),
    Probe("a padding mask (2, 1, 5) with lengths [2, 5]", randn(504, (2, 3, 4), (2, 5, 4), (2, 5, 2)),
          {"mask": padding_mask([2, 5], 5)}, purpose="padding"),
    Probe("heads: q (2, 2, 3, 4), k and v (2, 2, 6, 4)", randn(505, (2, 2, 3, 4), (2, 2, 6, 4), (2, 2, 6, 4)),
          purpose="heads"),
]

ATTENTION = Exercise(
    id="attention",
    signature="attention(q, k, v, mask=None)",
    arguments={"q": 0, "k": 1, "v": 2},
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
    returns="pair",
    output="weights",
)


def _topk_reference(q, k, v, top_k):
    scores = scaled_dot_scores(q, k)                     # (n_q, n_k)
    kth = np.sort(scores, axis=-1)[:, -top_k][:, None]   # (n_q, 1), the top_k-th largest score
    return _attention(q, k, v, mask=scores >= kth)       # softmax over the top k only


_SCALES = [("sqrt_d", None, ""), ("none", "no_sqrt_d_scaling", ""), ("d", "scaled_by_d", ""),
           ("top_k", "scaled_by_wrong_dimension", ""), ("n_k", "scaled_by_wrong_dimension", "")]
_SELECTIONS = [("largest", None, ""), ("smallest", "topk_smallest", ""), ("all", "mask_ignored", ""),
               ("columns", "topk_wrong_axis", ""),
               ("argmax", "hard_attention", "Here only the single best key survives, whatever top_k is.")]
_FILLS = [("-inf", None, ""), ("zero", "masked_to_zero", ""), ("after", "topk_not_renormalised", ""),
          ("inverted", "mask_polarity_inverted", "Keep the top_k scores: True marks a key that may be attended.")]
_AXES = [(-1, None, ""), (-2, "softmax_wrong_axis", "")]
_OUTPUTS = [("wv", None, ""), ("wTv", "weights_transposed", "")]


def _topk_variant(scale, selection, fill, axis, output):
    def variant(q, k, v, top_k):
        d = {"sqrt_d": math.sqrt(q.shape[-1]), "none": 1.0, "d": q.shape[-1], "top_k": math.sqrt(top_k),
             "n_k": math.sqrt(k.shape[-2])}[scale]
        scores = q @ np.swapaxes(k, -1, -2) / d          # (n_q, n_k)
        ordered = np.sort(scores, axis=-1)
        if selection == "largest":
            keep = scores >= ordered[:, [-top_k]]
        elif selection == "smallest":
            keep = scores <= ordered[:, [top_k - 1]]
        elif selection == "columns":
            keep = scores >= np.sort(scores, axis=0)[[-min(top_k, len(scores))], :]
        elif selection == "argmax":
            keep = scores >= ordered[:, [-1]]
        else:
            keep = np.ones_like(scores, dtype=bool)
        if fill == "inverted":
            keep = ~keep
        if fill == "after":
            w = np.where(keep, _naive_softmax(scores, axis), 0.0)
        else:
            w = _naive_softmax(np.where(keep, scores, 0.0 if fill == "zero" else -np.inf), axis)
        return (w if output == "wv" else w.T) @ v, w   # (n_q, d_v), (n_q, n_k)
    return variant


def _kept_count(mine, want, probes):
    """Each row keeps its m best keys (every kept score above every dropped one), but m is not top_k."""
    off = set()
    for got, ref, probe in zip(mine, want, probes, strict=True):
        if got.error is not None or not isinstance(got.value, (tuple, list)) or len(got.value) != 2:
            return False
        w, r = np.asarray(got.value[1], dtype=float), ref.value[1]
        if w.shape != r.shape or not np.all(np.isfinite(w)):
            return False
        q, k = probe.args[0], probe.args[1]
        scores = q @ k.T                                 # (n_q, n_k); the scale does not change the order
        kept = w > 1e-12
        lowest_kept = np.where(kept, scores, np.inf).min(axis=-1)
        highest_dropped = np.where(kept, -np.inf, scores).max(axis=-1)
        if np.any(lowest_kept < highest_dropped):
            return False
        off |= set((kept.sum(axis=-1) - (r > 0).sum(axis=-1)).tolist())
    off.discard(0)
    if not off:
        return False
    fewer = all(n < 0 for n in off)
    return f"Yours keeps {'fewer' if fewer else 'more'} keys than top_k in some rows."


_big = randn(334, (2, 3), (5, 3), (5, 2))
TOP_K = Exercise(
    id="top_k_attention",
    signature="top_k_attention(q, k, v, top_k)",
    arguments={"q": 0, "k": 1, "v": 2},
    reference=_topk_reference,
    probes=[
        Probe("2 queries, 6 keys, top_k = 2", randn(331, (2, 3), (6, 3), (6, 2)) + (2,)),
        Probe("3 queries, 5 keys, top_k = 1 (hard 1-NN)", randn(332, (3, 4), (5, 4), (5, 3)) + (1,), purpose="hard"),
        Probe("1 query, 4 keys, top_k = 4 (plain attention)", randn(333, (1, 2), (4, 2), (4, 2)) + (4,),
              purpose="all_keys"),
        Probe("3 queries, 3 keys, top_k = 2", randn(335, (3, 2), (3, 2), (3, 4)) + (2,), purpose="square"),
        Probe("large scores (q and k scaled by 30), top_k = 2", (30 * _big[0], 30 * _big[1], _big[2], 2),
              purpose="large"),
    ],
    misconceptions=[
        *family(_topk_variant, {"scale": _SCALES, "selection": _SELECTIONS, "fill": _FILLS, "axis": _AXES,
                                "output": _OUTPUTS}),
        Misconception("topk_wrong_count", test=_kept_count),
    ],
    forbidden=(_attention,),
    returns="pair",
    output="weights",
    relations={"mask_leak": ("topk_wrong_axis", "Some keys you kept are not among their row's top_k scores."),
               "mask_inverted": ("mask_polarity_inverted", "You kept every key *except* the top_k.")},
    purposes={"large": ("no_max_subtraction", "With a mask, subtract the row maximum of the kept scores.")},
)

EXERCISES = [ATTENTION, TOP_K]
