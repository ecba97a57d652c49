"""Checks for lesson 06: multi-head attention."""
from __future__ import annotations

import math

import numpy as np

from .. import multihead as lib
from ..masking import causal_mask, padding_mask
from ._engine import Exercise, Misconception, Probe

_rng = np.random.default_rng(60)


def _split(x, h, how="correct"):
    B, L, D = x.shape
    if how == "no_transpose":
        return x.reshape(B, h, L, D // h)                # mixes positions into heads
    if how == "interleaved":
        return x.reshape(B, L, D // h, h).transpose(0, 3, 1, 2)   # head j takes features j, j+h, …
    return x.reshape(B, L, h, D // h).transpose(0, 2, 1, 3)       # (B, h, L, D/h)


def _merge(x, how="correct"):
    B, h, L, dh = x.shape
    if how == "no_transpose":
        return x.reshape(B, L, h * dh)
    if how == "interleaved":
        return x.transpose(0, 2, 3, 1).reshape(B, L, h * dh)
    return x.transpose(0, 2, 1, 3).reshape(B, L, h * dh)


def _mha(x_q, x_kv, W_q, W_k, W_v, W_o, n_heads, mask=None, *, how="correct", use_wo=True,
         scale="head", softmax_axis=-1, kv_from_q=False):
    """One parametrised multi-head attention; each misconception flips one switch."""
    src = x_q if kv_from_q else x_kv
    q = _split(x_q @ W_q, n_heads, how)                  # (B, h, L_q, d_head)
    k = _split(src @ W_k, n_heads, how)                  # (B, h, L_k, d_head)
    v = _split(src @ W_v, n_heads, how)                  # (B, h, L_k, d_head)
    d = q.shape[-1] if scale == "head" else x_q.shape[-1]
    s = q @ np.swapaxes(k, -1, -2) / math.sqrt(d)        # (B, h, L_q, L_k)
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    e = np.exp(s - s.max(axis=softmax_axis, keepdims=True))
    w = e / e.sum(axis=softmax_axis, keepdims=True)
    out = _merge(w @ v, how)                             # (B, L_q, D)
    return out @ W_o if use_wo else out


_B, _D = 2, 8
_W = tuple(_rng.normal(size=(_D, _D)) / math.sqrt(_D) for _ in range(4))
_xq, _xkv, _xs = _rng.normal(size=(_B, 3, _D)), _rng.normal(size=(_B, 5, _D)), _rng.normal(size=(_B, 4, _D))

MHA = Exercise(
    id="multi_head_attention",
    signature="multi_head_attention(x_q, x_kv, W_q, W_k, W_v, W_o, n_heads, mask=None)",
    reference=lambda x_q, x_kv, W_q, W_k, W_v, W_o, n_heads, mask=None: lib.multi_head_attention(
        x_q, x_kv, dict(W_q=W_q, W_k=W_k, W_v=W_v, W_o=W_o), n_heads, mask)[0],
    probes=[
        Probe("cross-attention: x_q (2, 3, 8), x_kv (2, 5, 8), 2 heads", (_xq, _xkv, *_W, 2)),
        Probe("causal self-attention: x (2, 4, 8), 4 heads, causal_mask(4)", (_xs, _xs, *_W, 4), {"mask": causal_mask(4)}),
        Probe("cross-attention with a padding mask (2, 1, 1, 5), 2 heads",
              (_xq, _xkv, *_W, 2), {"mask": padding_mask([3, 5], 5)[:, None]}),
        Probe("self-attention: x (2, 4, 8), 1 head", (_xs, _xs, *_W, 1)),
    ],
    misconceptions=[
        Misconception("reshape_without_transpose",
                      "You reshaped (B, L, D) straight to (B, h, L, D/h). That scrambles positions into heads: reshape to "
                      "(B, L, h, D/h) first, then swap the L and h axes.",
                      variant=lambda *a, **k: _mha(*a, **k, how="no_transpose")),
        Misconception("interleaved_features",
                      "Your heads take interleaved features (j, j+h, …). Head j takes the contiguous block [j·D/h, (j+1)·D/h): "
                      "reshape to (B, L, h, D/h).",
                      variant=lambda *a, **k: _mha(*a, **k, how="interleaved")),
        Misconception("forgot_w_o",
                      "You concatenated the heads but never applied W_o. The output projection mixes what the heads found: `concat @ W_o`.",
                      variant=lambda *a, **k: _mha(*a, **k, use_wo=False)),
        Misconception("scaled_by_d_model",
                      "You scaled by √d_model. Each head works in d_head = D/h dimensions, so scale by √(D/h).",
                      variant=lambda *a, **k: _mha(*a, **k, scale="model")),
        Misconception("softmax_over_heads",
                      "Your softmax normalises across the heads axis. Every head has its own distribution over the keys: softmax along the last axis.",
                      variant=lambda *a, **k: _mha(*a, **k, softmax_axis=1)),
        Misconception("not_cross_attention",
                      "Your keys and values come from x_q, so this is self-attention. In cross-attention the queries come "
                      "from x_q and the keys and values from x_kv.",
                      variant=lambda *a, **k: _mha(*a, **k, kv_from_q=True)),
    ],
    forbidden=(lib.multi_head_attention,),
)

SPLIT_HEADS = Exercise(
    id="split_heads",
    signature="split_heads(x, n_heads)",
    reference=lambda x, n_heads: lib.split_heads(x, n_heads),
    probes=[
        Probe("x (2, 3, 8) with 2 heads", (_rng.normal(size=(2, 3, 8)), 2)),
        Probe("x (1, 5, 12) with 3 heads", (_rng.normal(size=(1, 5, 12)), 3)),
        Probe("x (2, 4, 4) with 4 heads", (_rng.normal(size=(2, 4, 4)), 4)),
    ],
    misconceptions=[
        Misconception("reshape_without_transpose",
                      "Right shape, wrong contents: reshaping (B, L, D) straight to (B, h, L, D/h) mixes positions into heads. "
                      "Reshape to (B, L, h, D/h), then swap axes 1 and 2.",
                      variant=lambda x, h: _split(x, h, "no_transpose")),
        Misconception("interleaved_features",
                      "Your heads take interleaved features (j, j+h, …). Head j takes the contiguous block [j·D/h, (j+1)·D/h).",
                      variant=lambda x, h: _split(x, h, "interleaved")),
        Misconception("heads_axis_last",
                      "Your result is (B, L, h, D/h): the heads axis must come before the positions, (B, h, L, D/h), so "
                      "each head is a separate batch of attention.",
                      variant=lambda x, h: x.reshape(x.shape[0], x.shape[1], h, -1)),
    ],
    forbidden=(lib.split_heads,),
)

EXERCISES = [SPLIT_HEADS, MHA]
