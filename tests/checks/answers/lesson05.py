"""Lesson 05 answers: queries, keys and values, self- and cross-attention.

``RIGHT`` holds one correct learner-style answer per exercise; the wrong ones are registered with
``@wrong(exercise_id, code)``, written the way learners slip (loops, einsum, ``np.where``, ``.T``,
in-place operations...); ``UNUSUAL`` lists correct answers in unusual spellings that must be accepted.
"""
import math

import numpy as np

import attention_lib as al

from .wrong import wrong


def _softmax(s):
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _attend(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])          # (..., n_q, n_k)
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = _softmax(s)
    return w @ v, w


# ---------------------------------------------------------------- right answers
def cross_attention_shapes():
    B, h, n_q, n_k, D = 4, 8, 6, 10, 512
    d = D // h
    return (B, h, n_q, d), (B, h, n_k, d), (B, h, n_k, d), (B, h, n_q, n_k), (B, h, n_q, d), (B, n_q, h * d)


def cross_softmax_axis():
    return -1, (2, 8, 6)


def attention(q, k, v, mask=None):
    return _attend(q, k, v, mask)


def cross_attention(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = x_q @ W_q                                                  # (..., n_q, d)
    k = x_kv @ W_k                                                 # (..., n_k, d)
    v = x_kv @ W_v                                                 # (..., n_k, d_v)
    return al.attention(q, k, v, mask)


def self_attention(x, W_q, W_k, W_v, mask=None):
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])     # (..., n, n)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    weights = al.softmax(scores, axis=-1)
    return weights @ v, weights


RIGHT = {f.__name__: f for f in (cross_attention_shapes, cross_softmax_axis, attention, cross_attention,
                                 self_attention)}


# ---------------------------------------------------------------- the given buggy cross-attention, and partial fixes
@wrong("cross_attention", "keys_from_query_side")
def buggy_cross_attention(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = x_q @ W_q
    k = x_q @ W_k
    v = x_kv @ W_k
    return al.attention(q, k, v, mask)


@wrong("cross_attention", "shared_projection")
def cross_keys_fixed_only(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = x_q @ W_q
    k = x_kv @ W_k
    v = x_kv @ W_k
    return al.attention(q, k, v, mask)


@wrong("cross_attention", "keys_from_query_side")
def cross_values_fixed_only(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q, k, v = x_q @ W_q, x_q @ W_k, x_kv @ W_v
    return al.attention(q, k, v, mask)


@wrong("cross_attention", "not_cross_attention")
def cross_everything_from_decoder(x_q, x_kv, W_q, W_k, W_v, mask=None):
    # "fixed" the crash by taking the values from x_q as well
    return al.attention(x_q @ W_q, x_q @ W_k, x_q @ W_v, mask)


@wrong("cross_attention", "values_from_query_side")
def cross_values_from_decoder(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = np.einsum("...nd,de->...ne", x_q, W_q)
    k = np.einsum("...nd,de->...ne", x_kv, W_k)
    v = np.einsum("...nd,de->...ne", x_q, W_v)
    return _attend(q, k, v, mask)


@wrong("cross_attention", "queries_from_kv_side")
def cross_roles_swapped(x_q, x_kv, W_q, W_k, W_v, mask=None):
    return al.attention(x_kv @ W_q, x_q @ W_k, x_q @ W_v, mask)


@wrong("cross_attention", "queries_from_kv_side")
def cross_queries_and_keys_swapped(x_q, x_kv, W_q, W_k, W_v, mask=None):
    # "the keys come from the wrong side", so q and k trade places; the values keep W_k
    q = x_kv @ W_q
    k = x_q @ W_k
    v = x_kv @ W_k
    return al.attention(q, k, v, mask)


@wrong("cross_attention", "projection_transposed")
def cross_linear_style(x_q, x_kv, W_q, W_k, W_v, mask=None):
    # as nn.Linear does it: weight (out, in), y = x @ W.T
    return al.attention(x_q @ W_q.T, x_kv @ W_k.T, x_kv @ W_v.T, mask)


@wrong("cross_attention", "shared_projection")
def cross_one_matrix_for_q_and_k(x_q, x_kv, W_q, W_k, W_v, mask=None):
    return al.attention(x_q @ W_q, x_kv @ W_q, x_kv @ W_v, mask)


@wrong("cross_attention", "values_unprojected")
def cross_raw_values(x_q, x_kv, W_q, W_k, W_v, mask=None):
    return al.attention(x_q @ W_q, x_kv @ W_k, x_kv, mask)


@wrong("cross_attention", "no_sqrt_d_scaling")
def cross_unscaled(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q, k, v = x_q @ W_q, x_kv @ W_k, x_kv @ W_v
    s = q @ np.swapaxes(k, -1, -2)
    if mask is not None:
        s = np.where(mask, s, -1e9)
    w = _softmax(s)
    return w @ v, w


@wrong("cross_attention", "scaled_by_wrong_dimension")
def cross_scaled_by_model_width(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q, k, v = x_q @ W_q, x_kv @ W_k, x_kv @ W_v
    s = q @ np.swapaxes(k, -1, -2) / math.sqrt(x_q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = _softmax(s)
    return w @ v, w


@wrong("cross_attention", "mask_after_softmax")
def cross_mask_late(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q, k, v = x_q @ W_q, x_kv @ W_k, x_kv @ W_v
    w = _softmax(q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1]))
    if mask is not None:
        w = w * mask
    return w @ v, w


@wrong("cross_attention", "mask_polarity_inverted")
def cross_mask_backwards(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q, k, v = x_q @ W_q, x_kv @ W_k, x_kv @ W_v
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s[np.broadcast_to(mask, s.shape)] = -np.inf                # True taken as "padding"
    return al.softmax(s) @ v, al.softmax(s)


@wrong("cross_attention", "masked_to_zero")
def cross_mask_zero(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q, k, v = x_q @ W_q, x_kv @ W_k, x_kv @ W_v
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = s * mask
    w = _softmax(s)
    return w @ v, w


@wrong("cross_attention", "mask_ignored")
def cross_no_mask(x_q, x_kv, W_q, W_k, W_v, mask=None):
    return al.attention(x_q @ W_q, x_kv @ W_k, x_kv @ W_v)


@wrong("cross_attention", "softmax_wrong_axis")
def cross_softmax_over_queries(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q, k, v = x_q @ W_q, x_kv @ W_k, x_kv @ W_v
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = al.softmax(s, axis=-2)
    return w @ v, w


@wrong("cross_attention", "weights_transposed")
def cross_weights_transposed(x_q, x_kv, W_q, W_k, W_v, mask=None):
    _, w = al.attention(x_q @ W_q, x_kv @ W_k, x_kv @ W_v, mask)
    return np.swapaxes(w, -1, -2) @ (x_kv @ W_v), w


@wrong("cross_attention", "missing_weights")
def cross_only_output(x_q, x_kv, W_q, W_k, W_v, mask=None):
    out, _ = al.attention(x_q @ W_q, x_kv @ W_k, x_kv @ W_v, mask)
    return out


@wrong("cross_attention", "calls_library")
def cross_borrowed(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q, k, v = al.project_qkv(x_q, x_kv, W_q, W_k, W_v)
    return al.attention(q, k, v, mask)


# ---------------------------------------------------------------- attention (lesson 05 additions)
@wrong("attention", "scaled_by_d")
def attn_divided_by_d(q, k, v, mask=None):
    s = np.einsum("...qd,...kd->...qk", q, k) / q.shape[-1]
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = _softmax(s)
    return np.einsum("...qk,...kv->...qv", w, v), w


@wrong("attention", "scaled_by_wrong_dimension")
def attn_scaled_by_key_count(q, k, v, mask=None):
    n_k = k.shape[-2]
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(n_k)
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = _softmax(s)
    return w @ v, w


@wrong("attention", "scaled_by_wrong_dimension")
def attn_scaled_by_value_width(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / v.shape[-1] ** 0.5
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = _softmax(s)
    return w @ v, w


@wrong("attention", "transpose_all_axes")
def attn_dot_T(q, k, v, mask=None):
    s = q @ k.T / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = _softmax(s)
    return w @ v, w


@wrong("attention", "mask_polarity_inverted")
def attn_mask_true_blocks(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, -np.inf, s)
    w = al.softmax(s)
    return w @ v, w


@wrong("attention", "softmax_wrong_axis")
def attn_loop_softmax_over_queries(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -1e9)
    e = np.exp(s - s.max(axis=-2, keepdims=True))
    w = e / e.sum(axis=-2, keepdims=True)
    return w @ v, w


# ---------------------------------------------------------------- self-attention with projections
def _self(x, W_q, W_k, W_v, mask=None, *, scale=None, wk=None, v_proj=True):
    q, k = x @ W_q, x @ (W_k if wk is None else wk)
    v = x @ W_v if v_proj else x
    s = q @ np.swapaxes(k, -1, -2) / (np.sqrt(q.shape[-1]) if scale is None else scale)
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = _softmax(s)
    return w @ v, w


@wrong("self_attention", "shared_projection")
def self_symmetric_scores(x, W_q, W_k, W_v, mask=None):
    q = x @ W_q
    k = x @ W_q                                                    # "q and k are the same thing"
    v = x @ W_v
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = _softmax(s)
    return w @ v, w


@wrong("self_attention", "values_unprojected")
def self_values_are_tokens(x, W_q, W_k, W_v, mask=None):
    return _self(x, W_q, W_k, W_v, mask, v_proj=False)


@wrong("self_attention", "scaled_by_wrong_dimension")
def self_scaled_by_D(x, W_q, W_k, W_v, mask=None):
    return _self(x, W_q, W_k, W_v, mask, scale=np.sqrt(x.shape[-1]))


@wrong("self_attention", "no_sqrt_d_scaling")
def self_unscaled(x, W_q, W_k, W_v, mask=None):
    return _self(x, W_q, W_k, W_v, mask, scale=1)


@wrong("self_attention", "projection_transposed")
def self_linear_style(x, W_q, W_k, W_v, mask=None):
    q, k, v = x @ W_q.T, x @ W_k.T, x @ W_v.T
    return _attend(q, k, v, mask)


@wrong("self_attention", "mask_after_softmax")
def self_mask_after(x, W_q, W_k, W_v, mask=None):
    out, w = _self(x, W_q, W_k, W_v)
    if mask is not None:
        w = np.where(mask, w, 0.0)
        out = w @ (x @ W_v)
    return out, w


@wrong("self_attention", "mask_polarity_inverted")
def self_mask_inverted(x, W_q, W_k, W_v, mask=None):
    return _self(x, W_q, W_k, W_v, None if mask is None else ~mask)


@wrong("self_attention", "masked_to_zero")
def self_mask_zero(x, W_q, W_k, W_v, mask=None):
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, 0)
    w = al.softmax(s)
    return w @ v, w


@wrong("self_attention", "mask_ignored")
def self_ignores_mask(x, W_q, W_k, W_v, mask=None):
    return _self(x, W_q, W_k, W_v)


@wrong("self_attention", "softmax_wrong_axis")
def self_softmax_columns(x, W_q, W_k, W_v, mask=None):
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = al.softmax(s, axis=-2)
    return w @ v, w


@wrong("self_attention", "weights_transposed")
def self_wT(x, W_q, W_k, W_v, mask=None):
    _, w = _self(x, W_q, W_k, W_v, mask)
    return np.swapaxes(w, -1, -2) @ (x @ W_v), w


@wrong("self_attention", "missing_weights")
def self_only_output(x, W_q, W_k, W_v, mask=None):
    return _self(x, W_q, W_k, W_v, mask)[0]


@wrong("self_attention", "calls_library")
def self_via_attention(x, W_q, W_k, W_v, mask=None):
    return al.attention(x @ W_q, x @ W_k, x @ W_v, mask)


@wrong("self_attention", "transpose_all_axes")
def self_k_T(x, W_q, W_k, W_v, mask=None):
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    s = q @ k.T / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = _softmax(s)
    return w @ v, w


# ---------------------------------------------------------------- cross-attention shapes (pen and paper)
@wrong("cross_attention_shapes", "kv_shaped_by_query_length")
def shapes_all_target_length():
    return (4, 8, 6, 64), (4, 8, 6, 64), (4, 8, 6, 64), (4, 8, 6, 6), (4, 8, 6, 64), (4, 6, 512)


@wrong("cross_attention_shapes", "queries_from_kv_side")
def shapes_queries_from_encoder():
    return (4, 8, 10, 64), (4, 8, 6, 64), (4, 8, 6, 64), (4, 8, 10, 6), (4, 8, 10, 64), (4, 10, 512)


@wrong("cross_attention_shapes", "transposed_kq")
def shapes_weights_per_key():
    return (4, 8, 6, 64), (4, 8, 10, 64), (4, 8, 10, 64), (4, 8, 10, 6), (4, 8, 6, 64), (4, 6, 512)


@wrong("cross_attention_shapes", "scores_shape")
def shapes_weights_keep_features():
    return [[4, 8, 6, 64], [4, 8, 10, 64], [4, 8, 10, 64], [4, 8, 6, 10, 64], [4, 8, 6, 10, 64], [4, 6, 512]]


@wrong("cross_attention_shapes", "transposed_qtk")
def shapes_features_by_features():
    return (4, 8, 6, 64), (4, 8, 10, 64), (4, 8, 10, 64), (4, 8, 64, 64), (4, 8, 6, 64), (4, 6, 512)


@wrong("cross_attention_shapes", "heads_axis_last")
def shapes_heads_after_positions():
    B, n_q, n_k, h, d = 4, 6, 10, 8, 64
    return (B, n_q, h, d), (B, n_k, h, d), (B, n_k, h, d), (B, h, n_q, n_k), (B, h, n_q, d), (B, n_q, h * d)


@wrong("cross_attention_shapes", "output_rows_from_keys")
def cross_shapes_output_per_key():
    return (4, 8, 6, 64), (4, 8, 10, 64), (4, 8, 10, 64), (4, 8, 6, 10), (4, 8, 10, 64), (4, 10, 512)


@wrong("cross_attention_shapes", "output_is_weights")
def shapes_output_is_the_weights():
    return (4, 8, 6, 64), (4, 8, 10, 64), (4, 8, 10, 64), (4, 8, 6, 10), (4, 8, 6, 10), (4, 6, 80)


@wrong("cross_attention_shapes", "output_not_summed")
def shapes_output_keeps_keys():
    return (4, 8, 6, 64), (4, 8, 10, 64), (4, 8, 10, 64), (4, 8, 6, 10), (4, 8, 6, 10, 64), (4, 6, 512)


@wrong("cross_attention_shapes", "heads_not_merged")
def shapes_merged_is_one_head():
    return (4, 8, 6, 64), (4, 8, 10, 64), (4, 8, 10, 64), (4, 8, 6, 10), (4, 8, 6, 64), (4, 6, 64)


@wrong("cross_attention_shapes", "heads_not_split")
def shapes_full_width_heads():
    return (4, 8, 6, 512), (4, 8, 10, 512), (4, 8, 10, 512), (4, 8, 6, 10), (4, 8, 6, 512), (4, 6, 4096)


@wrong("cross_attention_shapes", "wrong_order")
def shapes_weights_before_values():
    return (4, 8, 6, 64), (4, 8, 10, 64), (4, 8, 6, 10), (4, 8, 10, 64), (4, 8, 6, 64), (4, 6, 512)


@wrong("cross_attention_shapes", "extra_axis")
def shapes_head_axis_left_in_merge():
    return (4, 8, 6, 64), (4, 8, 10, 64), (4, 8, 10, 64), (4, 8, 6, 10), (4, 8, 6, 64), (4, 1, 6, 512)


@wrong("cross_attention_shapes", "wrong_shape")
def shapes_merged_pooled():
    return (4, 8, 6, 64), (4, 8, 10, 64), (4, 8, 10, 64), (4, 8, 6, 10), (4, 8, 6, 64), (4, 512)


@wrong("cross_attention_shapes", "wrong_type")
def shapes_only_three():
    return (4, 8, 6, 64), (4, 8, 10, 64), (4, 8, 6, 10)


# ---------------------------------------------------------------- the softmax axis (pen and paper)
@wrong("cross_softmax_axis", "softmax_wrong_axis")
def axis_over_targets():
    return -2, (2, 8, 10)


@wrong("cross_softmax_axis", "axis_from_the_front")
def axis_positive():
    return 3, (2, 8, 6)


@wrong("cross_softmax_axis", "softmax_over_heads")
def axis_over_heads():
    return 1, (2, 6, 10)


@wrong("cross_softmax_axis", "softmax_over_batch")
def axis_over_batch():
    return -4, (8, 6, 10)


@wrong("cross_softmax_axis", "row_sums_shape")
def axis_sums_per_key():
    return -1, (2, 8, 10)


@wrong("cross_softmax_axis", "extra_axis")
def axis_sums_keepdims():
    return -1, np.ones((2, 8, 6, 10)).sum(axis=-1, keepdims=True).shape


@wrong("cross_softmax_axis", "wrong_shape")
def axis_sums_scalar():
    return -1, (2,)


@wrong("cross_softmax_axis", "wrong_values")
def axis_out_of_range():
    return -5, (2, 8, 6)


@wrong("cross_softmax_axis", "wrong_type")
def axis_only():
    return -1


# ---------------------------------------------------------------- correct but unusual
def _cross_float32(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q, k, v = (np.asarray(a, dtype=np.float32) for a in (x_q @ W_q, x_kv @ W_k, x_kv @ W_v))
    s = np.einsum("...qd,...kd->...qk", q, k) / np.float32(np.sqrt(q.shape[-1]))
    if mask is not None:
        s = np.where(mask, s, np.float32(-1e9))
    w = _softmax(s)
    return w @ v, w


def _cross_lists(x_q, x_kv, W_q, W_k, W_v, mask=None):
    out, w = cross_attention(x_q, x_kv, W_q, W_k, W_v, mask)
    return [out.tolist(), w.tolist()]


def _self_helper_and_matmul(x, W_q, W_k, W_v, mask=None):
    def project(W):
        return np.matmul(x, W)
    q, k, v = project(W_q), project(W_k), project(W_v)
    scores = np.matmul(q, np.swapaxes(k, -2, -1)) * q.shape[-1] ** -0.5
    if mask is not None:
        scores = scores + np.where(mask, 0.0, -np.inf)             # an additive mask
    weights = al.softmax(scores)
    return np.matmul(weights, v), weights


def _self_in_place(x, W_q, W_k, W_v, mask=None):
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    s = q @ np.swapaxes(k, -1, -2)
    s /= math.sqrt(q.shape[-1])                                    # in place, on a new array: fine
    if mask is not None:
        s[..., ~np.broadcast_to(mask, s.shape)] = -1e30
    s -= s.max(axis=-1, keepdims=True)
    np.exp(s, out=s)
    s /= s.sum(axis=-1, keepdims=True)
    return s @ v, s


def _attention_loops(q, k, v, mask=None):
    # one query at a time over flattened leading axes
    lead = q.shape[:-2]
    q2 = q.reshape(-1, *q.shape[-2:])
    k2 = np.broadcast_to(k, lead + k.shape[-2:]).reshape(-1, *k.shape[-2:])
    v2 = np.broadcast_to(v, lead + v.shape[-2:]).reshape(-1, *v.shape[-2:])
    m = np.ones(lead + (q.shape[-2], k.shape[-2]), bool) if mask is None else np.broadcast_to(
        mask, lead + (q.shape[-2], k.shape[-2]))
    m2 = m.reshape(-1, q.shape[-2], k.shape[-2])
    outs, ws = [], []
    for qb, kb, vb, mb in zip(q2, k2, v2, m2, strict=True):
        rows = []
        for qi, mi in zip(qb, mb, strict=True):
            s = np.array([qi @ kj / math.sqrt(len(qi)) if ok else -np.inf for kj, ok in zip(kb, mi, strict=True)])
            e = np.exp(s - s.max())
            rows.append(e / e.sum())
        w = np.array(rows)
        outs.append(w @ vb)
        ws.append(w)
    return np.array(outs).reshape(lead + outs[0].shape), np.array(ws).reshape(lead + ws[0].shape)


def _shapes_from_arrays():
    B, h, n_q, n_k, D = 4, 8, 6, 10, 512
    q, k = np.empty((B, h, n_q, D // h)), np.empty((B, h, n_k, D // h))
    w = q @ np.swapaxes(k, -1, -2)
    out = w @ k
    merged = np.swapaxes(out, 1, 2).reshape(B, n_q, D)
    return q.shape, k.shape, k.shape, w.shape, out.shape, merged.shape


def _axis_numpy():
    return np.int64(-1), np.array([2, 8, 6])


UNUSUAL = [("cross_attention", _cross_float32), ("cross_attention", _cross_lists),
           ("self_attention", _self_helper_and_matmul), ("self_attention", _self_in_place),
           ("attention", _attention_loops), ("cross_attention_shapes", _shapes_from_arrays),
           ("cross_softmax_axis", _axis_numpy)]
