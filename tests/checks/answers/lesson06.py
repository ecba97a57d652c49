"""Lesson 06 answers: right ones (``RIGHT``), wrong ones (``@wrong``) and correct-but-unusual ones (``UNUSUAL``).

Written the way learners write them: loops over heads, einsum, ``np.stack``, 3-D-only unpacking, a
softmax of their own or ``al.attention``, float32, ``-1e9`` instead of ``-inf``.
"""
import numpy as np

import attention_lib as al

from .wrong import wrong

# ---------------------------------------------------------------- right


def split_heads(x, n_heads):
    *lead, n, D = x.shape
    return np.swapaxes(x.reshape(*lead, n, n_heads, D // n_heads), -3, -2)


def merge_heads(x):
    x = np.swapaxes(x, -3, -2)                               # (..., n, h, d)
    return x.reshape(*x.shape[:-2], -1)


def _softmax(s):
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _proj(x, params, name):
    return x @ params["W_" + name] + params.get("b_" + name, 0.0)


def _attend(q, k, v, mask):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])   # (B, h, n_q, n_k)
    if mask is not None:
        mask = np.asarray(mask)
        s = np.where(mask[:, None] if mask.ndim == 3 else mask, s, -np.inf)
    w = _softmax(s)
    return w @ v, w


def multi_head_attention(x_q, x_kv, params, n_heads, mask=None):
    q = split_heads(_proj(x_q, params, "q"), n_heads)
    k = split_heads(_proj(x_kv, params, "k"), n_heads)
    v = split_heads(_proj(x_kv, params, "v"), n_heads)
    out, w = _attend(q, k, v, mask)
    return _proj(merge_heads(out), params, "o"), w


def mha_reshape_bug(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads
    q = (x_q @ params["W_q"]).reshape(B, n_q, n_heads, d).swapaxes(1, 2)
    k = (x_kv @ params["W_k"]).reshape(B, n_k, n_heads, d).swapaxes(1, 2)
    v = (x_kv @ params["W_v"]).reshape(B, n_k, n_heads, d).swapaxes(1, 2)
    out, weights = al.attention(q, k, v, mask)
    return out.swapaxes(1, 2).reshape(B, n_q, D) @ params["W_o"], weights


def grouped_query_attention(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    q = split_heads(_proj(x_q, params, "q"), n_heads)
    k = split_heads(_proj(x_kv, params, "k"), n_kv_heads)
    v = split_heads(_proj(x_kv, params, "v"), n_kv_heads)
    k = np.repeat(k, n_heads // n_kv_heads, axis=1)
    v = np.repeat(v, n_heads // n_kv_heads, axis=1)
    out, w = _attend(q, k, v, mask)
    return _proj(merge_heads(out), params, "o"), w


def kv_cache_per_token():
    return 2 * 80 * 8 * 128 * 2


RIGHT = {f.__name__: f for f in (split_heads, merge_heads, multi_head_attention, mha_reshape_bug,
                                 grouped_query_attention, kv_cache_per_token)}


# ---------------------------------------------------------------- split_heads


@wrong("split_heads", "reshape_without_transpose")
def split_reshape_only(x, n_heads):
    B, L, D = x.shape
    return x.reshape(B, n_heads, L, D // n_heads)


@wrong("split_heads", "reshape_without_transpose")
def split_reshape_any_axes(x, n_heads):
    n, D = x.shape[-2:]
    return x.reshape(x.shape[:-2] + (n_heads, n, D // n_heads))


@wrong("split_heads", "interleaved_features")
def split_interleaved(x, n_heads):
    return np.stack([x[..., j::n_heads] for j in range(n_heads)], axis=-3)


@wrong("split_heads", "heads_axis_last")
def split_no_swap(x, n_heads):
    return x.reshape(*x.shape[:-1], n_heads, x.shape[-1] // n_heads)


@wrong("split_heads", "heads_axis_last")
def split_no_swap_3d(x, n_heads):
    B, L, D = x.shape
    return x.reshape(B, L, n_heads, D // n_heads)


@wrong("split_heads", "heads_axis_last")
def split_swaps_h_and_d(x, n_heads):
    y = x.reshape(*x.shape[:-1], n_heads, -1)
    return np.swapaxes(y, -1, -2)


@wrong("split_heads", "fixed_ndim")
def split_transpose_0213(x, n_heads):
    B, n, D = x.shape
    return x.reshape(B, n, n_heads, D // n_heads).transpose(0, 2, 1, 3)


# ---------------------------------------------------------------- merge_heads


@wrong("merge_heads", "reshape_without_transpose")
def merge_reshape_only(x):
    *lead, h, n, d = x.shape
    return x.reshape(*lead, n, h * d)


@wrong("merge_heads", "interleaved_features")
def merge_interleaved(x):
    y = np.moveaxis(x, -3, -1)                               # (..., n, d, h)
    return y.reshape(*y.shape[:-2], -1)


@wrong("merge_heads", "heads_summed")
def merge_by_summing(x):
    return x.sum(axis=-3)


@wrong("merge_heads", "heads_summed")
def merge_by_averaging(x):
    return np.mean(x, axis=-3)


@wrong("merge_heads", "wrong_shape")
def merge_stacks_heads(x):
    return x.reshape(*x.shape[:-3], -1, x.shape[-1])


@wrong("merge_heads", "fixed_ndim")
def merge_transpose_0213(x):
    B, h, n, d = x.shape
    return x.transpose(0, 2, 1, 3).reshape(B, n, h * d)


# ---------------------------------------------------------------- multi_head_attention


def _mha(x_q, x_kv, params, n_heads, mask=None, *, split=split_heads, merge=merge_heads, scale=None, axis=-1,
         wo=True, kv=None, bias=True):
    p = params if bias else {k: v for k, v in params.items() if not k.startswith("b_")}
    src = x_kv if kv is None else kv
    q, k, v = split(_proj(x_q, p, "q"), n_heads), split(_proj(src, p, "k"), n_heads), split(_proj(src, p, "v"), n_heads)
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(scale or q.shape[-1])
    if mask is not None:
        s = np.where(mask[:, None] if mask.ndim == 3 else mask, s, -np.inf)
    e = np.exp(s - s.max(axis=axis, keepdims=True))
    w = e / e.sum(axis=axis, keepdims=True)
    merged = merge(w @ v)
    return (_proj(merged, p, "o") if wo else merged), w


@wrong("multi_head_attention", "reshape_without_transpose")
def mha_reshape_only(x_q, x_kv, params, n_heads, mask=None):
    return _mha(x_q, x_kv, params, n_heads, mask, split=split_reshape_only, merge=merge_reshape_only)


@wrong("multi_head_attention", "reshape_without_transpose")
def mha_merge_reshapes(x_q, x_kv, params, n_heads, mask=None):
    return _mha(x_q, x_kv, params, n_heads, mask, merge=merge_reshape_only)


@wrong("multi_head_attention", "reshape_without_transpose")
def mha_right_with_one_head_only(x_q, x_kv, params, n_heads, mask=None):
    # interleaved splits, a plain reshape to merge, and √D: all invisible with one head
    return _mha(x_q, x_kv, params, n_heads, mask, split=split_interleaved, merge=merge_reshape_only,
                scale=x_q.shape[-1])


@wrong("multi_head_attention", "interleaved_features")
def mha_interleaved(x_q, x_kv, params, n_heads, mask=None):
    return _mha(x_q, x_kv, params, n_heads, mask, split=split_interleaved, merge=merge_interleaved)


@wrong("multi_head_attention", "forgot_w_o")
def mha_no_wo(x_q, x_kv, params, n_heads, mask=None):
    return _mha(x_q, x_kv, params, n_heads, mask, wo=False)


@wrong("multi_head_attention", "scaled_by_d_model")
def mha_d_model(x_q, x_kv, params, n_heads, mask=None):
    return _mha(x_q, x_kv, params, n_heads, mask, scale=x_q.shape[-1])


@wrong("multi_head_attention", "softmax_over_heads")
def mha_heads_axis(x_q, x_kv, params, n_heads, mask=None):
    return _mha(x_q, x_kv, params, n_heads, mask, axis=1)


@wrong("multi_head_attention", "not_cross_attention")
def mha_self_only(x_q, x_kv, params, n_heads, mask=None):
    return _mha(x_q, x_kv, params, n_heads, mask, kv=x_q)


@wrong("multi_head_attention", "biases_ignored")
def mha_weights_only(x_q, x_kv, params, n_heads, mask=None):
    q = split_heads(x_q @ params["W_q"], n_heads)
    k = split_heads(x_kv @ params["W_k"], n_heads)
    v = split_heads(x_kv @ params["W_v"], n_heads)
    out, w = _attend(q, k, v, mask)
    return merge_heads(out) @ params["W_o"], w


@wrong("multi_head_attention", "mask_missing_head_axis")
def mha_mask_as_given(x_q, x_kv, params, n_heads, mask=None):
    q, k, v = (split_heads(_proj(x, params, n), n_heads) for x, n in ((x_q, "q"), (x_kv, "k"), (x_kv, "v")))
    out, w = al.attention(q, k, v, mask)                     # the library refuses a (B, 1, n_k) mask here
    return _proj(merge_heads(out), params, "o"), w


@wrong("multi_head_attention", "mask_missing_head_axis")
def mha_mask_broadcast(x_q, x_kv, params, n_heads, mask=None):
    q, k, v = (split_heads(_proj(x, params, n), n_heads) for x, n in ((x_q, "q"), (x_kv, "k"), (x_kv, "v")))
    s = np.einsum("bhqd,bhkd->bhqk", q, k) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -1e9)                          # (B, 1, n_k) lines B up with the heads
    w = _softmax(s)
    return _proj(merge_heads(w @ v), params, "o"), w


@wrong("multi_head_attention", "mask_head_axis_misplaced")
def mha_mask_axis_after_queries(x_q, x_kv, params, n_heads, mask=None):
    q, k, v = (split_heads(_proj(x, params, n), n_heads) for x, n in ((x_q, "q"), (x_kv, "k"), (x_kv, "v")))
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask[:, :, None] if mask.ndim == 3 else mask, s, -np.inf)   # (B, n_q, 1, n_k)
    w = _softmax(s)
    return _proj(merge_heads(w @ v), params, "o"), w


@wrong("multi_head_attention", "weights_averaged_over_heads")
def mha_average_weights(x_q, x_kv, params, n_heads, mask=None):
    out, w = multi_head_attention(x_q, x_kv, params, n_heads, mask)
    return out, w.mean(axis=1)


# ---------------------------------------------------------------- mha_reshape_bug: each partial fix


def _repair(fix_q=False, fix_k=False, fix_v=False, fix_merge=False):
    def mha_reshape_bug(x_q, x_kv, params, n_heads, mask=None):
        B, n_q, D = x_q.shape
        n_k, d = x_kv.shape[1], D // n_heads
        q = x_q @ params["W_q"]
        k = x_kv @ params["W_k"]
        v = x_kv @ params["W_v"]
        q = q.reshape(B, n_q, n_heads, d).swapaxes(1, 2) if fix_q else q.reshape(B, n_heads, n_q, d)
        k = k.reshape(B, n_k, n_heads, d).transpose(0, 2, 1, 3) if fix_k else k.reshape(B, n_heads, n_k, d)
        v = np.swapaxes(v.reshape(B, n_k, n_heads, d), 1, 2) if fix_v else v.reshape(B, n_heads, n_k, d)
        out, weights = al.attention(q, k, v, mask)
        out = out.transpose(0, 2, 1, 3).reshape(B, n_q, D) if fix_merge else out.reshape(B, n_q, D)
        return out @ params["W_o"], weights
    return mha_reshape_bug


def _register_partial_fixes():
    """bug_unchanged, bug_fixed_q, …, bug_fixed_qkv: every set of repairs short of all four."""
    import itertools
    for fixes in itertools.product((False, True), repeat=4):
        if all(fixes):
            continue
        fn = _repair(*fixes)
        fixed = "".join(name for name, f in zip(("q", "k", "v", "merge"), fixes, strict=True) if f)
        fn.__name__ = f"bug_fixed_{fixed}" if fixed else "bug_unchanged"
        wrong("mha_reshape_bug", "reshape_without_transpose")(fn)


_register_partial_fixes()


@wrong("mha_reshape_bug", "heads_axis_last")
def bug_fixed_without_swap(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads
    q = (x_q @ params["W_q"]).reshape(B, n_q, n_heads, d)
    k = (x_kv @ params["W_k"]).reshape(B, n_k, n_heads, d)
    v = (x_kv @ params["W_v"]).reshape(B, n_k, n_heads, d)
    out, weights = al.attention(q, k, v, mask)
    return out.reshape(B, n_q, D) @ params["W_o"], weights


@wrong("mha_reshape_bug", "interleaved_features")
def bug_fixed_by_interleaving(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    q, k, v = (split_interleaved(x @ params[w], n_heads) for x, w in ((x_q, "W_q"), (x_kv, "W_k"), (x_kv, "W_v")))
    out, weights = al.attention(q, k, v, mask)
    return merge_interleaved(out) @ params["W_o"], weights


@wrong("mha_reshape_bug", "reshape_without_transpose")
def bug_half_fixed_by_interleaving(x_q, x_kv, params, n_heads, mask=None):
    # right with one head only: the splits now interleave the features, the merge still reshapes
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads
    q = (x_q @ params["W_q"]).reshape(B, n_q, d, n_heads).transpose(0, 3, 1, 2)
    k = (x_kv @ params["W_k"]).reshape(B, n_k, d, n_heads).transpose(0, 3, 1, 2)
    v = (x_kv @ params["W_v"]).reshape(B, n_k, d, n_heads).transpose(0, 3, 1, 2)
    out, weights = al.attention(q, k, v, mask)
    return out.reshape(B, n_q, D) @ params["W_o"], weights


# ---------------------------------------------------------------- grouped_query_attention


def _gqa(x_q, x_kv, params, n_heads, n_kv_heads, mask=None, *, expand="repeat", scale=None, wo=True, kv=None,
         split=split_heads, bias=True, average=False):
    p = params if bias else {k: v for k, v in params.items() if not k.startswith("b_")}
    src = x_kv if kv is None else kv
    r = n_heads // n_kv_heads
    q = split(_proj(x_q, p, "q"), n_heads)
    k, v = split(_proj(src, p, "k"), n_kv_heads), split(_proj(src, p, "v"), n_kv_heads)
    if expand == "repeat":
        k, v = np.repeat(k, r, axis=1), np.repeat(v, r, axis=1)
    elif expand == "tile":
        k, v = np.tile(k, (1, r, 1, 1)), np.tile(v, (1, r, 1, 1))
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(scale or q.shape[-1])
    if mask is not None:
        s = np.where(mask[:, None] if mask.ndim == 3 else mask, s, -np.inf)
    w = _softmax(s)
    merged = merge_heads(w @ v)
    return (_proj(merged, p, "o") if wo else merged), (w.mean(axis=1) if average else w)


@wrong("grouped_query_attention", "kv_heads_tiled")
def gqa_tiled(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    return _gqa(x_q, x_kv, params, n_heads, n_kv_heads, mask, expand="tile")


@wrong("grouped_query_attention", "kv_heads_tiled")
def gqa_modulo_loop(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    q = split_heads(_proj(x_q, params, "q"), n_heads)
    k = split_heads(_proj(x_kv, params, "k"), n_kv_heads)
    v = split_heads(_proj(x_kv, params, "v"), n_kv_heads)
    k = np.stack([k[:, i % n_kv_heads] for i in range(n_heads)], axis=1)
    v = np.stack([v[:, i % n_kv_heads] for i in range(n_heads)], axis=1)
    out, w = _attend(q, k, v, mask)
    return _proj(merge_heads(out), params, "o"), w


@wrong("grouped_query_attention", "kv_head_index_divided_by_g")
def gqa_head_over_g(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    q = split_heads(_proj(x_q, params, "q"), n_heads)
    k = split_heads(_proj(x_kv, params, "k"), n_kv_heads)
    v = split_heads(_proj(x_kv, params, "v"), n_kv_heads)
    k = np.stack([k[:, i // n_kv_heads] for i in range(n_heads)], axis=1)
    v = np.stack([v[:, i // n_kv_heads] for i in range(n_heads)], axis=1)
    out, w = _attend(q, k, v, mask)
    return _proj(merge_heads(out), params, "o"), w


@wrong("grouped_query_attention", "kv_heads_not_repeated")
def gqa_not_repeated(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    return _gqa(x_q, x_kv, params, n_heads, n_kv_heads, mask, expand="none")


@wrong("grouped_query_attention", "kv_heads_not_repeated")
def gqa_kv_split_into_h(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    q = split_heads(_proj(x_q, params, "q"), n_heads)
    k = split_heads(_proj(x_kv, params, "k"), n_heads)
    v = split_heads(_proj(x_kv, params, "v"), n_heads)
    out, w = _attend(q, k, v, mask)
    return _proj(merge_heads(out), params, "o"), w


@wrong("grouped_query_attention", "queries_shared")
def gqa_group_queries(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    r = n_heads // n_kv_heads
    q = split_heads(_proj(x_q, params, "q"), n_heads)
    B, h, n, d = q.shape
    q = np.repeat(q.reshape(B, n_kv_heads, r, n, d).mean(axis=2), r, axis=1)   # one query per group
    k = np.repeat(split_heads(_proj(x_kv, params, "k"), n_kv_heads), r, axis=1)
    v = np.repeat(split_heads(_proj(x_kv, params, "v"), n_kv_heads), r, axis=1)
    out, w = _attend(q, k, v, mask)
    return _proj(merge_heads(out), params, "o"), w


@wrong("grouped_query_attention", "reshape_without_transpose")
def gqa_reshape_only(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    def split(x, h):
        *lead, n, D = x.shape
        return x.reshape(*lead, h, n, D // h)

    B, n_q, D = x_q.shape
    r = n_heads // n_kv_heads
    q = split(_proj(x_q, params, "q"), n_heads)
    k = np.repeat(split(_proj(x_kv, params, "k"), n_kv_heads), r, axis=1)
    v = np.repeat(split(_proj(x_kv, params, "v"), n_kv_heads), r, axis=1)
    out, w = _attend(q, k, v, mask)
    return _proj(out.reshape(B, n_q, D), params, "o"), w


@wrong("grouped_query_attention", "not_cross_attention")
def gqa_self_only(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    return _gqa(x_q, x_kv, params, n_heads, n_kv_heads, mask, kv=x_q)


@wrong("grouped_query_attention", "scaled_by_d_model")
def gqa_d_model(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    return _gqa(x_q, x_kv, params, n_heads, n_kv_heads, mask, scale=x_q.shape[-1])


@wrong("grouped_query_attention", "forgot_w_o")
def gqa_no_wo(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    return _gqa(x_q, x_kv, params, n_heads, n_kv_heads, mask, wo=False)


@wrong("grouped_query_attention", "biases_ignored")
def gqa_no_biases(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    return _gqa(x_q, x_kv, params, n_heads, n_kv_heads, mask, bias=False)


@wrong("grouped_query_attention", "mask_missing_head_axis")
def gqa_library_attention_mask_as_given(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    r = n_heads // n_kv_heads
    q = split_heads(_proj(x_q, params, "q"), n_heads)
    k = np.repeat(split_heads(_proj(x_kv, params, "k"), n_kv_heads), r, axis=1)
    v = np.repeat(split_heads(_proj(x_kv, params, "v"), n_kv_heads), r, axis=1)
    out, w = al.attention(q, k, v, mask)
    return _proj(merge_heads(out), params, "o"), w


@wrong("grouped_query_attention", "mask_head_axis_misplaced")
def gqa_mask_axis_after_queries(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    r = n_heads // n_kv_heads
    q = split_heads(_proj(x_q, params, "q"), n_heads)
    k = np.repeat(split_heads(_proj(x_kv, params, "k"), n_kv_heads), r, axis=1)
    v = np.repeat(split_heads(_proj(x_kv, params, "v"), n_kv_heads), r, axis=1)
    out, w = al.attention(q, k, v, None if mask is None else np.expand_dims(mask, 2) if mask.ndim == 3 else mask)
    return _proj(merge_heads(out), params, "o"), w


@wrong("grouped_query_attention", "weights_averaged_over_heads")
def gqa_average_weights(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    return _gqa(x_q, x_kv, params, n_heads, n_kv_heads, mask, average=True)


# ---------------------------------------------------------------- kv_cache_per_token


@wrong("kv_cache_per_token", "kv_cache_used_query_heads")
def kv_cache_query_heads():
    layers, heads, d_head = 80, 64, 128
    return 2 * layers * heads * d_head * 2


@wrong("kv_cache_per_token", "kv_cache_forgot_values")
def kv_cache_keys_only():
    return 80 * 8 * 128 * 2


@wrong("kv_cache_per_token", "kv_cache_bytes_per_number")
def kv_cache_float32():
    return 2 * 80 * 8 * 128 * 4


@wrong("kv_cache_per_token", "wrong_quantity")
def kv_cache_one_layer():
    return 2 * 8 * 128 * 2


@wrong("kv_cache_per_token", "wrong_quantity")
def kv_cache_in_kib():
    return 2 * 80 * 8 * 128 * 2 / 1024


@wrong("kv_cache_per_token", "kv_cache_counts_queries")
def kv_cache_with_queries():
    layers, q_heads, kv_heads, d_head = 80, 64, 8, 128
    return layers * (q_heads + 2 * kv_heads) * d_head * 2        # queries, keys and values, 2 bytes each


@wrong("multi_head_attention", "projection_transposed")
def mha_torch_linear(x_q, x_kv, params, n_heads, mask=None):
    torch_style = {k: (v.T if k.startswith("W_") else v) for k, v in params.items()}   # x @ W.T, as nn.Linear
    return _mha(x_q, x_kv, torch_style, n_heads, mask)


@wrong("grouped_query_attention", "projection_transposed")
def gqa_torch_linear(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    B, n_q, D = x_q.shape
    q = (x_q @ params["W_q"].T + params.get("b_q", 0)).reshape(B, n_q, n_heads, -1).transpose(0, 2, 1, 3)
    k = (x_kv @ params["W_k"].T + params.get("b_k", 0)).reshape(B, -1, n_kv_heads, q.shape[-1]).transpose(0, 2, 1, 3)
    v = (x_kv @ params["W_v"].T + params.get("b_v", 0)).reshape(B, -1, n_kv_heads, q.shape[-1]).transpose(0, 2, 1, 3)
    k, v = np.repeat(k, n_heads // n_kv_heads, axis=1), np.repeat(v, n_heads // n_kv_heads, axis=1)
    out, w = al.attention(q, k, v, mask if mask is None or np.ndim(mask) != 3 else np.asarray(mask)[:, None])
    return out.transpose(0, 2, 1, 3).reshape(B, n_q, D) @ params["W_o"].T + params.get("b_o", 0), w


# ---------------------------------------------------------------- correct but unusual


def _split_by_slicing(x, n_heads):
    d = x.shape[-1] // n_heads
    return np.stack([x[..., j * d:(j + 1) * d] for j in range(n_heads)], axis=-3)


def _merge_by_concatenating(x):
    return np.concatenate([x[..., j, :, :] for j in range(x.shape[-3])], axis=-1)


def _split_einops_style(x, n_heads):
    y = x.reshape(x.shape[:-1] + (n_heads, x.shape[-1] // n_heads))
    return np.einsum("...nhd->...hnd", y)


def _merge_einsum(x):
    y = np.einsum("...hnd->...nhd", x)
    return y.reshape(y.shape[:-2] + (-1,))


def _mha_loop_over_heads(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    d = D // n_heads
    q, k, v = _proj(x_q, params, "q"), _proj(x_kv, params, "k"), _proj(x_kv, params, "v")
    if mask is not None and np.ndim(mask) == 4:
        mask = mask[:, 0]                                    # the same for every head here
    heads, weights = [], []
    for j in range(n_heads):
        cols = slice(j * d, (j + 1) * d)
        s = q[..., cols] @ k[..., cols].transpose(0, 2, 1) / np.sqrt(d)
        if mask is not None:
            s = np.where(mask, s, -1e9)
        w = _softmax(s)
        heads.append(w @ v[..., cols])
        weights.append(w)
    return _proj(np.concatenate(heads, axis=-1), params, "o"), np.stack(weights, axis=1)


def _mha_float32(x_q, x_kv, params, n_heads, mask=None):
    p = {name: np.asarray(w, dtype=np.float32) for name, w in params.items()}
    out, w = multi_head_attention(x_q.astype(np.float32), x_kv.astype(np.float32), p, n_heads, mask)
    return out, w


def _mha_library_attention(x_q, x_kv, params, n_heads, mask=None):
    q, k, v = (_split_by_slicing(_proj(x, params, n), n_heads) for x, n in ((x_q, "q"), (x_kv, "k"), (x_kv, "v")))
    if mask is not None and mask.ndim == 3:
        mask = np.expand_dims(mask, 1)
    out, w = al.attention(q, k, v, mask)
    return _proj(_merge_by_concatenating(out), params, "o"), w


def _bug_fixed_with_library_heads(x_q, x_kv, params, n_heads, mask=None):
    q = al.split_heads(x_q @ params["W_q"], n_heads)
    k = al.split_heads(x_kv @ params["W_k"], n_heads)
    v = al.split_heads(x_kv @ params["W_v"], n_heads)
    out, weights = al.attention(q, k, v, mask)
    return al.merge_heads(out) @ params["W_o"], list(weights)


def _gqa_broadcast_groups(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    """Query heads grouped as (B, g, h/g, n, d) against K and V as (B, g, 1, n, d): no copies."""
    B, n_q, D = x_q.shape
    g, r, d = n_kv_heads, n_heads // n_kv_heads, D // n_heads
    q = split_heads(_proj(x_q, params, "q"), n_heads).reshape(B, g, r, n_q, d)
    k = split_heads(_proj(x_kv, params, "k"), g)[:, :, None]   # (B, g, 1, n_k, d)
    v = split_heads(_proj(x_kv, params, "v"), g)[:, :, None]
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)              # (B, g, r, n_q, n_k)
    if mask is not None:
        m = np.asarray(mask)
        m = m[:, None] if m.ndim == 3 else m                  # (B, 1, ·, n_k) or (n_q, n_k)
        s = np.where(m[:, :, None] if m.ndim == 4 else m, s, -np.inf)
    w = _softmax(s)
    out = (w @ v).reshape(B, n_heads, n_q, d)
    return _proj(merge_heads(out), params, "o"), w.reshape(B, n_heads, n_q, -1)


def _gqa_index_map(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    which = np.arange(n_heads) // (n_heads // n_kv_heads)    # KV head of each query head
    k = split_heads(_proj(x_kv, params, "k"), n_kv_heads)[:, which]
    v = split_heads(_proj(x_kv, params, "v"), n_kv_heads)[:, which]
    out, w = _attend(split_heads(_proj(x_q, params, "q"), n_heads), k, v, mask)
    return _proj(merge_heads(out), params, "o"), w


UNUSUAL = [
    ("split_heads", _split_by_slicing),
    ("split_heads", _split_einops_style),
    ("split_heads", lambda x, n_heads: split_heads(np.asarray(x, dtype=np.float32), n_heads)),
    ("merge_heads", _merge_by_concatenating),
    ("merge_heads", _merge_einsum),
    ("multi_head_attention", _mha_loop_over_heads),
    ("multi_head_attention", _mha_float32),
    ("multi_head_attention", _mha_library_attention),
    ("mha_reshape_bug", _bug_fixed_with_library_heads),
    ("grouped_query_attention", _gqa_broadcast_groups),
    ("grouped_query_attention", _gqa_index_map),
    ("kv_cache_per_token", lambda: 327680.0),
    ("kv_cache_per_token", lambda: np.int64(2) * 80 * 8 * 128 * 2),
]
