"""Checks for lesson 06: multi-head attention."""
from __future__ import annotations

import math

import numpy as np

from .. import multihead as lib
from ..masking import causal_mask, padding_mask
from ._engine import Exercise, Misconception, Probe, randn


def _split(x, h, how="correct"):
    B, n, D = x.shape
    if how == "no_transpose":
        return x.reshape(B, h, n, D // h)                # mixes positions into heads
    if how == "interleaved":
        return x.reshape(B, n, D // h, h).transpose(0, 3, 1, 2)   # head j takes features j, j+h, …
    return x.reshape(B, n, h, D // h).transpose(0, 2, 1, 3)       # (B, h, n, D/h)


def _merge(x, how="correct"):
    B, h, n, d = x.shape
    if how == "no_transpose":
        return x.reshape(B, n, h * d)
    if how == "interleaved":
        return x.transpose(0, 2, 3, 1).reshape(B, n, h * d)
    return x.transpose(0, 2, 1, 3).reshape(B, n, h * d)   # (B, n, D)


def _head_mask(mask):
    mask = np.asarray(mask)
    return mask[:, None] if mask.ndim == 3 else mask


def _mha(x_q, x_kv, params, n_heads, mask=None, *, how="correct", use_wo=True,
         scale="head", softmax_axis=-1, kv_from_q=False):
    """One parametrised multi-head attention; each misconception flips one switch."""
    src = x_q if kv_from_q else x_kv
    q = _split(x_q @ params["W_q"], n_heads, how)        # (B, h, n_q, d)
    k = _split(src @ params["W_k"], n_heads, how)        # (B, h, n_k, d)
    v = _split(src @ params["W_v"], n_heads, how)        # (B, h, n_k, d)
    d = q.shape[-1] if scale == "head" else x_q.shape[-1]
    s = q @ np.swapaxes(k, -1, -2) / math.sqrt(d)        # (B, h, n_q, n_k)
    if mask is not None:
        s = np.where(_head_mask(mask), s, -np.inf)
    e = np.exp(s - s.max(axis=softmax_axis, keepdims=True))
    w = e / e.sum(axis=softmax_axis, keepdims=True)      # (B, h, n_q, n_k)
    out = _merge(w @ v, how)                             # (B, n_q, D)
    return (out @ params["W_o"] if use_wo else out), w


_D = 8
_P = dict(zip(("W_q", "W_k", "W_v", "W_o"), (w / math.sqrt(_D) for w in randn(601, *[(_D, _D)] * 4)), strict=True))
_xq, _xkv = randn(602, (2, 3, _D), (2, 5, _D))
_xs, = randn(603, (2, 4, _D))

MHA = Exercise(
    id="multi_head_attention",
    signature="multi_head_attention(x_q, x_kv, params, n_heads, mask=None)",
    reference=lib.multi_head_attention,
    probes=[
        Probe("cross-attention: x_q (2, 3, 8), x_kv (2, 5, 8), 2 heads", (_xq, _xkv, _P, 2)),
        Probe("causal self-attention: x (2, 4, 8), 4 heads, causal_mask(4)", (_xs, _xs, _P, 4),
              {"mask": causal_mask(4)}),
        Probe("cross-attention with a padding mask (2, 1, 1, 5), 2 heads", (_xq, _xkv, _P, 2),
              {"mask": padding_mask([3, 5], 5)[:, None]}),
        Probe("self-attention: x (2, 4, 8), 1 head", (_xs, _xs, _P, 1)),
    ],
    misconceptions=[
        Misconception("reshape_without_transpose", variant=lambda *a, **k: _mha(*a, **k, how="no_transpose")),
        Misconception("interleaved_features", variant=lambda *a, **k: _mha(*a, **k, how="interleaved")),
        Misconception("forgot_w_o", variant=lambda *a, **k: _mha(*a, **k, use_wo=False)),
        Misconception("scaled_by_d_model", variant=lambda *a, **k: _mha(*a, **k, scale="model")),
        Misconception("softmax_over_heads", variant=lambda *a, **k: _mha(*a, **k, softmax_axis=1)),
        Misconception("not_cross_attention", variant=lambda *a, **k: _mha(*a, **k, kv_from_q=True)),
    ],
    forbidden=(lib.multi_head_attention,),
    returns="pair",
    output="weights",
)

SPLIT_HEADS = Exercise(
    id="split_heads",
    signature="split_heads(x, n_heads)",
    reference=lib.split_heads,
    probes=[
        Probe("x (2, 3, 8) with 2 heads", randn(611, (2, 3, 8)) + (2,)),
        Probe("x (1, 5, 12) with 3 heads", randn(612, (1, 5, 12)) + (3,)),
        Probe("x (2, 4, 4) with 4 heads", randn(613, (2, 4, 4)) + (4,)),
    ],
    misconceptions=[
        Misconception("reshape_without_transpose", variant=lambda x, h: _split(x, h, "no_transpose")),
        Misconception("interleaved_features", variant=lambda x, h: _split(x, h, "interleaved")),
        Misconception("heads_axis_last", variant=lambda x, h: x.reshape(x.shape[0], x.shape[1], h, -1)),
    ],
    forbidden=(lib.split_heads,),
    output="values",
)

EXERCISES = [SPLIT_HEADS, MHA]
