"""Blind bank for lessons 05-08 (the fourth round), written from the exercise notebooks only by a tester who never
saw the checker, and measured once on main before anything was tuned for it (see the stop's closing note).

124 answers: 106 wrong, 18 right. First measurement, read by an independent judge: 99 of the
106 wrong ones named (93.4 %), 6 vague, 0 named another mistake,
1 accepted: kvb_float (wrong under the contract, the judge says); 0 right answers rejected. Nothing has been tuned on it yet.

The tester's ids (notebook labels such as ex02.q1) are replaced by the exercise ids, and ``kind="right"`` by
``kind="correct"``. ``EXPECTED`` holds, for each wrong answer, the code whose feedback the judge read as naming the
mistake, or None where it was vague, named another mistake or was accepted; ``JUDGED`` the judge's reading.
"""
# ruff: noqa (the tester's answers, kept as written)
import numpy as np
import math

BANK = []
def entry(exercise_id, idea, kind="wrong"):
    def register(fn):
        BANK.append({"id": exercise_id, "idea": idea, "kind": kind, "name": fn.__name__, "fn": fn})
        return fn
    return register


# Stand-in for al.attention (the bank may not import attention_lib): True = may attend,
# a query with no visible key gets zero weights.
def _attention(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    m = s.max(axis=-1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    e = np.exp(s - m)
    tot = e.sum(axis=-1, keepdims=True)
    w = np.divide(e, tot, out=np.zeros_like(e), where=tot > 0)
    return w @ v, w


# ===================================================================== ex05.q1 (value answer)
@entry("cross_attention_shapes", "gives the keys and values the target length 6 instead of the source length 10")
def shapes_kv_target_len():
    return ((4, 8, 6, 64), (4, 8, 6, 64), (4, 8, 6, 64), (4, 8, 6, 6), (4, 8, 6, 64), (4, 6, 512))

@entry("cross_attention_shapes", "writes the attention weights as (source, target) instead of (target, source)")
def shapes_weights_transposed():
    return ((4, 8, 6, 64), (4, 8, 10, 64), (4, 8, 10, 64), (4, 8, 10, 6), (4, 8, 6, 64), (4, 6, 512))

@entry("cross_attention_shapes", "uses the layout (B, n, h, d) with positions before heads")
def shapes_bnhd_layout():
    return ((4, 6, 8, 64), (4, 10, 8, 64), (4, 10, 8, 64), (4, 6, 8, 10), (4, 6, 8, 64), (4, 6, 512))

@entry("cross_attention_shapes", "keeps the head axis in the merged output instead of joining heads into width 512")
def shapes_merged_keeps_heads():
    return ((4, 8, 6, 64), (4, 8, 10, 64), (4, 8, 10, 64), (4, 8, 6, 10), (4, 8, 6, 64), (4, 8, 6, 64))

@entry("cross_attention_shapes", "gives each head the full width D = 512 instead of d = 64")
def shapes_full_width_heads():
    return ((4, 8, 6, 512), (4, 8, 10, 512), (4, 8, 10, 512), (4, 8, 6, 10), (4, 8, 6, 512), (4, 6, 4096))

@entry("cross_attention_shapes", "gives the output of each head the source length 10 (the length of V) instead of the target length 6")
def shapes_head_out_source_len():
    return ((4, 8, 6, 64), (4, 8, 10, 64), (4, 8, 10, 64), (4, 8, 6, 10), (4, 8, 10, 64), (4, 10, 512))


# ===================================================================== ex05.q2 (value answer)
@entry("cross_softmax_axis", "normalises over the query (target) axis -2, so the sums have one entry per source position")
def axis_minus_two():
    return (-2, (2, 8, 10))

@entry("cross_softmax_axis", "gives the axis as the positive index 3 instead of a negative one")
def axis_positive():
    return (3, (2, 8, 6))

@entry("cross_softmax_axis", "right axis, but says the sums are one per source position (2, 8, 10)")
def axis_right_shape_source():
    return (-1, (2, 8, 10))

@entry("cross_softmax_axis", "right axis, but gives the shape as if the sum kept its dimension (keepdims)")
def axis_keepdims_shape():
    return (-1, (2, 8, 6, 1))

@entry("cross_softmax_axis", "right axis, but forgets the head axis in the shape of the sums")
def axis_shape_no_heads():
    return (-1, (2, 6))


# ===================================================================== ex05.q3 attention
@entry("attention", "forgets to divide the scores by sqrt(d)")
def attention_no_scale(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    w = e / e.sum(axis=-1, keepdims=True)
    return w @ v, w

@entry("attention", "divides the scores by d instead of sqrt(d)")
def attention_scale_by_d(q, k, v, mask=None):
    d = q.shape[-1]
    scores = q @ np.swapaxes(k, -1, -2) / d
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    w = e / e.sum(axis=-1, keepdims=True)
    return w @ v, w

@entry("attention", "scales by sqrt of the value width d_v instead of the key width d")
def attention_scale_by_dv(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / math.sqrt(v.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    w = e / e.sum(axis=-1, keepdims=True)
    return w @ v, w

@entry("attention", "takes the softmax over the query axis (-2) instead of the keys")
def attention_softmax_queries(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    e = np.exp(scores - scores.max(axis=-2, keepdims=True))
    w = e / e.sum(axis=-2, keepdims=True)
    return w @ v, w

@entry("attention", "reads the mask the wrong way round (True = blocked)")
def attention_mask_inverted(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, -np.inf, scores)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    w = e / e.sum(axis=-1, keepdims=True)
    return w @ v, w

@entry("attention", "multiplies the scores by the mask (blocked scores become 0, not -inf)")
def attention_mask_multiply(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores * mask
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    w = e / e.sum(axis=-1, keepdims=True)
    return w @ v, w

@entry("attention", "softmax without subtracting the row maximum: overflows to NaN on large scores")
def attention_no_max_shift(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    e = np.exp(scores)
    if mask is not None:
        e = np.where(mask, e, 0.0)
    w = e / e.sum(axis=-1, keepdims=True)
    return w @ v, w

@entry("attention", "transposes k with .T, which reverses the batch axes too (only right for 2-D inputs)")
def attention_dot_T(q, k, v, mask=None):
    scores = np.matmul(q, k.T) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    w = e / e.sum(axis=-1, keepdims=True)
    return w @ v, w

@entry("attention", "returns (weights, out) in the wrong order")
def attention_swapped_return(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    w = e / e.sum(axis=-1, keepdims=True)
    return w, w @ v

@entry("attention", "einsum for both products and the log-sum-exp form of the softmax", kind="correct")
def attention_einsum_lse(q, k, v, mask=None):
    s = np.einsum("...id,...jd->...ij", q, k) / math.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    m = np.max(s, axis=-1, keepdims=True)
    lse = m + np.log(np.sum(np.exp(s - m), axis=-1, keepdims=True))
    w = np.exp(s - lse)
    return np.einsum("...ij,...jd->...id", w, v), w

@entry("attention", "fills blocked scores with a large negative number (-1e9) instead of -inf; no row is fully blocked here", kind="correct")
def attention_big_negative(q, k, v, mask=None):
    q = q / np.sqrt(q.shape[-1])          # scale the queries first, not the scores
    scores = q @ np.swapaxes(k, -1, -2)
    if mask is not None:
        scores = np.where(mask, scores, -1e9)
    scores = scores - scores.max(axis=-1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=-1, keepdims=True)
    return scores @ v, scores


# ===================================================================== ex05.q4 cross_attention (find the bug)
@entry("cross_attention", "fixes the keys (now from x_kv) but leaves the values projected with W_k")
def cross_fix_keys_only(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = x_q @ W_q
    k = x_kv @ W_k
    v = x_kv @ W_k
    return _attention(q, k, v, mask)

@entry("cross_attention", "fixes the values (now W_v) but still takes the keys from x_q")
def cross_fix_values_only(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = x_q @ W_q
    k = x_q @ W_k
    v = x_kv @ W_v
    return _attention(q, k, v, mask)

@entry("cross_attention", "swaps the sources: queries from x_kv, keys and values from x_q")
def cross_sources_swapped(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = x_kv @ W_q
    k = x_q @ W_k
    v = x_q @ W_v
    return _attention(q, k, v, mask)

@entry("cross_attention", "takes keys and values from x_kv but mixes up the matrices (keys with W_v, values with W_k)")
def cross_kv_matrices_swapped(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = x_q @ W_q
    k = x_kv @ W_v
    v = x_kv @ W_k
    return _attention(q, k, v, mask)

@entry("cross_attention", "fixes both bugs but takes the values from x_q (the decoder) with W_v")
def cross_values_from_xq(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = x_q @ W_q
    k = x_kv @ W_k
    v = x_q @ W_v
    return _attention(q, k, v, mask)

@entry("cross_attention", "projects with einsum and writes the attention inline", kind="correct")
def cross_einsum(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = np.einsum("...nD,Dd->...nd", x_q, W_q)
    k = np.einsum("...nD,Dd->...nd", x_kv, W_k)
    v = np.einsum("...nD,Dd->...nd", x_kv, W_v)
    s = np.einsum("...id,...jd->...ij", q, k) / np.sqrt(W_q.shape[1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    w = e / e.sum(axis=-1, keepdims=True)
    return w @ v, w


# ===================================================================== ex05.q5 self_attention
def _softmax_rows(s):
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)

@entry("self_attention", "divides the scores by sqrt(D), the model width, instead of sqrt(d)")
def self_attn_scale_D(x, W_q, W_k, W_v, mask=None):
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(x.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = _softmax_rows(s)
    return w @ v, w

@entry("self_attention", "computes K Q^T instead of Q K^T (weights transposed)")
def self_attn_kq(x, W_q, W_k, W_v, mask=None):
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    s = k @ np.swapaxes(q, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = _softmax_rows(s)
    return w @ v, w

@entry("self_attention", "averages the raw tokens x instead of the projected values x W_v")
def self_attn_average_x(x, W_q, W_k, W_v, mask=None):
    q, k = x @ W_q, x @ W_k
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = _softmax_rows(s)
    return w @ x, w

@entry("self_attention", "ignores the mask argument")
def self_attn_ignores_mask(x, W_q, W_k, W_v, mask=None):
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    w = _softmax_rows(s)
    return w @ v, w

@entry("self_attention", "uses W_q for both the queries and the keys")
def self_attn_wq_twice(x, W_q, W_k, W_v, mask=None):
    q = x @ W_q
    k = x @ W_q
    v = x @ W_v
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = _softmax_rows(s)
    return w @ v, w

@entry("self_attention", "sets blocked scores to 0 (np.where(mask, s, 0)) instead of -inf")
def self_attn_mask_zero(x, W_q, W_k, W_v, mask=None):
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, 0.0)
    w = _softmax_rows(s)
    return w @ v, w

@entry("self_attention", "flattens the leading axes and loops over sequences one at a time", kind="correct")
def self_attn_loop(x, W_q, W_k, W_v, mask=None):
    lead, (n, D) = x.shape[:-2], x.shape[-2:]
    xs = x.reshape(-1, n, D)
    masks = None
    if mask is not None:
        masks = np.broadcast_to(mask, lead + (n, n)).reshape(-1, n, n)
    outs, ws = [], []
    for b in range(xs.shape[0]):
        q, k, v = xs[b] @ W_q, xs[b] @ W_k, xs[b] @ W_v
        s = q @ k.T / math.sqrt(W_q.shape[1])
        if masks is not None:
            s[~masks[b]] = -np.inf
        s = np.exp(s - s.max(axis=1, keepdims=True))
        s /= s.sum(axis=1, keepdims=True)
        outs.append(s @ v)
        ws.append(s)
    return (np.stack(outs).reshape(lead + (n, W_v.shape[1])),
            np.stack(ws).reshape(lead + (n, n)))


# ===================================================================== ex06.q1 split_heads
@entry("split_heads", "reshapes straight to (..., h, n, d) without a transpose (the reshape trap)")
def split_direct_reshape(x, n_heads):
    *lead, n, D = x.shape
    return x.reshape(*lead, n_heads, n, D // n_heads)

@entry("split_heads", "reshapes to (..., n, d, h), so head j takes every h-th feature instead of a contiguous block")
def split_strided(x, n_heads):
    *lead, n, D = x.shape
    y = x.reshape(*lead, n, D // n_heads, n_heads)
    return np.moveaxis(y, -1, -3)

@entry("split_heads", "stops at (..., n, h, d): forgets to move the head axis before the positions")
def split_no_transpose(x, n_heads):
    return x.reshape(x.shape[:-1] + (n_heads, x.shape[-1] // n_heads))

@entry("split_heads", "hard-codes transpose(0, 2, 1, 3), which only fits a batched 3-D input")
def split_fixed_transpose(x, n_heads):
    B, n, D = x.shape
    return x.reshape(B, n, n_heads, D // n_heads).transpose(0, 2, 1, 3)

@entry("split_heads", "reshape then swapaxes(-2, -1) instead of swapaxes(-3, -2): heads end up as (..., n, d, h)->wrong axes")
def split_wrong_swap(x, n_heads):
    y = x.reshape(x.shape[:-1] + (n_heads, x.shape[-1] // n_heads))
    return np.swapaxes(y, -1, -2)

@entry("split_heads", "slices each head's features and stacks them on a new axis -3", kind="correct")
def split_stack_slices(x, n_heads):
    d = x.shape[-1] // n_heads
    return np.stack([x[..., j * d:(j + 1) * d] for j in range(n_heads)], axis=-3)


# ===================================================================== ex06.q2 merge_heads
@entry("merge_heads", "reshapes (..., h, n, d) straight to (..., n, h*d) without moving the head axis (the reshape trap)")
def merge_direct_reshape(x):
    *lead, h, n, d = x.shape
    return x.reshape(*lead, n, h * d)

@entry("merge_heads", "moves the head axis last, interleaving features (d, h) instead of head blocks")
def merge_interleaved(x):
    *lead, h, n, d = x.shape
    y = np.moveaxis(x, -3, -1)            # (..., n, d, h)
    return y.reshape(*lead, n, h * d)

@entry("merge_heads", "uses x.T-style transpose(0, 2, 1, 3) that only works for a batch of 4-D input")
def merge_fixed_transpose(x):
    B, h, n, d = x.shape
    return x.transpose(0, 2, 1, 3).reshape(B, n, h * d)

@entry("merge_heads", "sums the heads instead of concatenating them, giving width d")
def merge_sum_heads(x):
    return x.sum(axis=-3)

@entry("merge_heads", "concatenates the heads along the last axis", kind="correct")
def merge_concat(x):
    return np.concatenate([x[..., j, :, :] for j in range(x.shape[-3])], axis=-1)


# ===================================================================== ex06.q3 multi_head_attention
def _split(x, h):
    return np.swapaxes(x.reshape(x.shape[:-1] + (h, x.shape[-1] // h)), -2, -3)

def _merge(x):
    y = np.swapaxes(x, -2, -3)
    return y.reshape(y.shape[:-2] + (y.shape[-2] * y.shape[-1],))

def _head_mask(mask):
    if mask is not None and mask.ndim == 3:
        mask = mask[:, None, :, :]
    return mask

@entry("multi_head_attention", "splits the heads with a plain reshape (B, h, n, d): the reshape trap")
def mha_reshape_trap(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads
    q = (x_q @ params["W_q"] + params.get("b_q", 0)).reshape(B, n_heads, n_q, d)
    k = (x_kv @ params["W_k"] + params.get("b_k", 0)).reshape(B, n_heads, n_k, d)
    v = (x_kv @ params["W_v"] + params.get("b_v", 0)).reshape(B, n_heads, n_k, d)
    out, w = _attention(q, k, v, _head_mask(mask))
    return out.reshape(B, n_q, D) @ params["W_o"] + params.get("b_o", 0), w

@entry("multi_head_attention", "divides the scores by sqrt(D) instead of sqrt(d) of one head")
def mha_scale_D(x_q, x_kv, params, n_heads, mask=None):
    D = x_q.shape[-1]
    q = _split(x_q @ params["W_q"] + params.get("b_q", 0), n_heads)
    k = _split(x_kv @ params["W_k"] + params.get("b_k", 0), n_heads)
    v = _split(x_kv @ params["W_v"] + params.get("b_v", 0), n_heads)
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(D)
    mask = _head_mask(mask)
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = _softmax_rows(s)
    return _merge(w @ v) @ params["W_o"] + params.get("b_o", 0), w

@entry("multi_head_attention", "ignores the biases b_q, b_k, b_v, b_o")
def mha_no_bias(x_q, x_kv, params, n_heads, mask=None):
    q = _split(x_q @ params["W_q"], n_heads)
    k = _split(x_kv @ params["W_k"], n_heads)
    v = _split(x_kv @ params["W_v"], n_heads)
    out, w = _attention(q, k, v, _head_mask(mask))
    return _merge(out) @ params["W_o"], w

@entry("multi_head_attention", "forgets the output projection W_o (and b_o)")
def mha_no_wo(x_q, x_kv, params, n_heads, mask=None):
    q = _split(x_q @ params["W_q"] + params.get("b_q", 0), n_heads)
    k = _split(x_kv @ params["W_k"] + params.get("b_k", 0), n_heads)
    v = _split(x_kv @ params["W_v"] + params.get("b_v", 0), n_heads)
    out, w = _attention(q, k, v, _head_mask(mask))
    return _merge(out), w

@entry("multi_head_attention", "returns the weights averaged over the heads, (B, n_q, n_k)")
def mha_mean_weights(x_q, x_kv, params, n_heads, mask=None):
    q = _split(x_q @ params["W_q"] + params.get("b_q", 0), n_heads)
    k = _split(x_kv @ params["W_k"] + params.get("b_k", 0), n_heads)
    v = _split(x_kv @ params["W_v"] + params.get("b_v", 0), n_heads)
    out, w = _attention(q, k, v, _head_mask(mask))
    return _merge(out) @ params["W_o"] + params.get("b_o", 0), w.mean(axis=1)

@entry("multi_head_attention", "adds the output bias before W_o instead of after it")
def mha_bias_before_wo(x_q, x_kv, params, n_heads, mask=None):
    q = _split(x_q @ params["W_q"] + params.get("b_q", 0), n_heads)
    k = _split(x_kv @ params["W_k"] + params.get("b_k", 0), n_heads)
    v = _split(x_kv @ params["W_v"] + params.get("b_v", 0), n_heads)
    out, w = _attention(q, k, v, _head_mask(mask))
    return (_merge(out) + params.get("b_o", 0)) @ params["W_o"], w

@entry("multi_head_attention", "projects straight into heads with einsum on W reshaped to (D, h, d)", kind="correct")
def mha_einsum_heads(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    d = D // n_heads
    def proj(x, name):
        W = params["W_" + name].reshape(D, n_heads, d)
        b = params.get("b_" + name)
        y = np.einsum("bnD,Dhd->bhnd", x, W)
        if b is not None:
            y = y + b.reshape(n_heads, 1, d)
        return y
    q, k, v = proj(x_q, "q"), proj(x_kv, "k"), proj(x_kv, "v")
    s = np.einsum("bhid,bhjd->bhij", q, k) / np.sqrt(d)
    if mask is not None:
        mk = mask if mask.ndim != 3 else mask[:, np.newaxis]
        s = np.where(mk, s, -np.inf)
    w = _softmax_rows(s)
    o = np.einsum("bhij,bhjd->bhid", w, v)
    out = np.einsum("bhnd,hdE->bnE", o, params["W_o"].reshape(n_heads, d, D))
    if params.get("b_o") is not None:
        out = out + params["b_o"]
    return out, w


# ===================================================================== ex06.q4 mha_reshape_bug (fix in place)
@entry("mha_reshape_bug", "fixes the split of q, k and v but still merges with the plain reshape")
def mha_fix_split_only(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads
    q = (x_q @ params["W_q"]).reshape(B, n_q, n_heads, d).transpose(0, 2, 1, 3)
    k = (x_kv @ params["W_k"]).reshape(B, n_k, n_heads, d).transpose(0, 2, 1, 3)
    v = (x_kv @ params["W_v"]).reshape(B, n_k, n_heads, d).transpose(0, 2, 1, 3)
    out, weights = _attention(q, k, v, _head_mask(mask))
    return out.reshape(B, n_q, D) @ params["W_o"], weights

@entry("mha_reshape_bug", "fixes the merge but keeps the plain-reshape split")
def mha_fix_merge_only(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads
    q = (x_q @ params["W_q"]).reshape(B, n_heads, n_q, d)
    k = (x_kv @ params["W_k"]).reshape(B, n_heads, n_k, d)
    v = (x_kv @ params["W_v"]).reshape(B, n_heads, n_k, d)
    out, weights = _attention(q, k, v, _head_mask(mask))
    return out.transpose(0, 2, 1, 3).reshape(B, n_q, D) @ params["W_o"], weights

@entry("mha_reshape_bug", "fixes the split of q only; k and v keep the plain reshape")
def mha_fix_q_only(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads
    q = (x_q @ params["W_q"]).reshape(B, n_q, n_heads, d).transpose(0, 2, 1, 3)
    k = (x_kv @ params["W_k"]).reshape(B, n_heads, n_k, d)
    v = (x_kv @ params["W_v"]).reshape(B, n_heads, n_k, d)
    out, weights = _attention(q, k, v, _head_mask(mask))
    return out.transpose(0, 2, 1, 3).reshape(B, n_q, D) @ params["W_o"], weights

@entry("mha_reshape_bug", "splits correctly but merges by swapping the last two axes (n and d) instead of h and n")
def mha_fix_merge_wrong_axes(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads
    q = (x_q @ params["W_q"]).reshape(B, n_q, n_heads, d).transpose(0, 2, 1, 3)
    k = (x_kv @ params["W_k"]).reshape(B, n_k, n_heads, d).transpose(0, 2, 1, 3)
    v = (x_kv @ params["W_v"]).reshape(B, n_k, n_heads, d).transpose(0, 2, 1, 3)
    out, weights = _attention(q, k, v, _head_mask(mask))
    return np.swapaxes(out, -1, -2).reshape(B, n_q, D) @ params["W_o"], weights

@entry("mha_reshape_bug", "splits with reshape to (B, n, h, d) and transpose(0, 2, 1, 3), merges with the inverse transpose", kind="correct")
def mha_fix_transpose(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads
    q = (x_q @ params["W_q"]).reshape(B, n_q, n_heads, d).transpose(0, 2, 1, 3)
    k = (x_kv @ params["W_k"]).reshape(B, n_k, n_heads, d).transpose(0, 2, 1, 3)
    v = (x_kv @ params["W_v"]).reshape(B, n_k, n_heads, d).transpose(0, 2, 1, 3)
    out, weights = _attention(q, k, v, _head_mask(mask))
    return out.transpose(0, 2, 1, 3).reshape(B, n_q, D) @ params["W_o"], weights


# ===================================================================== ex06.q5 grouped_query_attention
@entry("grouped_query_attention", "shares KV heads round-robin (query head i uses KV head i % g, np.tile) instead of in consecutive blocks")
def gqa_tile(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    q = _split(x_q @ params["W_q"] + params.get("b_q", 0), n_heads)
    k = _split(x_kv @ params["W_k"] + params.get("b_k", 0), n_kv_heads)
    v = _split(x_kv @ params["W_v"] + params.get("b_v", 0), n_kv_heads)
    rep = n_heads // n_kv_heads
    k = np.tile(k, (1, rep, 1, 1))
    v = np.tile(v, (1, rep, 1, 1))
    out, w = _attention(q, k, v, _head_mask(mask))
    return _merge(out) @ params["W_o"] + params.get("b_o", 0), w

@entry("grouped_query_attention", "ignores the biases")
def gqa_no_bias(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    q = _split(x_q @ params["W_q"], n_heads)
    k = np.repeat(_split(x_kv @ params["W_k"], n_kv_heads), n_heads // n_kv_heads, axis=1)
    v = np.repeat(_split(x_kv @ params["W_v"], n_kv_heads), n_heads // n_kv_heads, axis=1)
    out, w = _attention(q, k, v, _head_mask(mask))
    return _merge(out) @ params["W_o"], w

@entry("grouped_query_attention", "splits the keys and values with a plain reshape (B, g, n_k, d): the reshape trap on the KV side")
def gqa_kv_reshape_trap(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    B, n_k, D = x_kv.shape
    d = D // n_heads
    q = _split(x_q @ params["W_q"] + params.get("b_q", 0), n_heads)
    k = (x_kv @ params["W_k"] + params.get("b_k", 0)).reshape(B, n_kv_heads, n_k, d)
    v = (x_kv @ params["W_v"] + params.get("b_v", 0)).reshape(B, n_kv_heads, n_k, d)
    rep = n_heads // n_kv_heads
    out, w = _attention(q, np.repeat(k, rep, axis=1), np.repeat(v, rep, axis=1), _head_mask(mask))
    return _merge(out) @ params["W_o"] + params.get("b_o", 0), w

@entry("grouped_query_attention", "returns one weight map per KV head (averaged over its group), (B, g, n_q, n_k)")
def gqa_group_weights(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    B, n_q = x_q.shape[:2]
    q = _split(x_q @ params["W_q"] + params.get("b_q", 0), n_heads)
    rep = n_heads // n_kv_heads
    k = np.repeat(_split(x_kv @ params["W_k"] + params.get("b_k", 0), n_kv_heads), rep, axis=1)
    v = np.repeat(_split(x_kv @ params["W_v"] + params.get("b_v", 0), n_kv_heads), rep, axis=1)
    out, w = _attention(q, k, v, _head_mask(mask))
    w_groups = w.reshape(B, n_kv_heads, rep, n_q, -1).mean(axis=2)
    return _merge(out) @ params["W_o"] + params.get("b_o", 0), w_groups

@entry("grouped_query_attention", "scales the scores by sqrt of the KV projection width g*d instead of the head width d")
def gqa_scale_kv_width(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    q = _split(x_q @ params["W_q"] + params.get("b_q", 0), n_heads)
    rep = n_heads // n_kv_heads
    k = np.repeat(_split(x_kv @ params["W_k"] + params.get("b_k", 0), n_kv_heads), rep, axis=1)
    v = np.repeat(_split(x_kv @ params["W_v"] + params.get("b_v", 0), n_kv_heads), rep, axis=1)
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(params["W_k"].shape[1])
    mask = _head_mask(mask)
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = _softmax_rows(s)
    return _merge(w @ v) @ params["W_o"] + params.get("b_o", 0), w

@entry("grouped_query_attention", "groups the query heads as (B, g, h/g, n, d) and lets each group broadcast against its KV head, no repeat", kind="correct")
def gqa_grouped_broadcast(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k = x_kv.shape[1]
    g, r, d = n_kv_heads, n_heads // n_kv_heads, D // n_heads
    q = x_q @ params["W_q"]
    k = x_kv @ params["W_k"]
    v = x_kv @ params["W_v"]
    if "b_q" in params:
        q = q + params["b_q"]
    if "b_k" in params:
        k = k + params["b_k"]
    if "b_v" in params:
        v = v + params["b_v"]
    q = q.reshape(B, n_q, g, r, d).transpose(0, 2, 3, 1, 4)          # (B, g, r, n_q, d)
    k = k.reshape(B, n_k, g, d).transpose(0, 2, 1, 3)[:, :, None]     # (B, g, 1, n_k, d)
    v = v.reshape(B, n_k, g, d).transpose(0, 2, 1, 3)[:, :, None]
    s = q @ np.swapaxes(k, -1, -2) / math.sqrt(d)                    # (B, g, r, n_q, n_k)
    if mask is not None:
        mk = mask[:, None] if mask.ndim == 3 else mask
        mk = np.broadcast_to(mk, (B, n_heads, n_q, n_k)).reshape(B, g, r, n_q, n_k)
        s = np.where(mk, s, -np.inf)
    w = _softmax_rows(s)
    o = (w @ v).reshape(B, n_heads, n_q, d).transpose(0, 2, 1, 3).reshape(B, n_q, D)
    out = o @ params["W_o"]
    if "b_o" in params:
        out = out + params["b_o"]
    return out, w.reshape(B, n_heads, n_q, n_k)


# ===================================================================== ex06.q6 (value answer)
@entry("kv_cache_per_token", "counts all 64 query heads instead of the 8 key/value heads")
def kv_llama_query_heads():
    return 2 * 80 * 64 * 128 * 2

@entry("kv_cache_per_token", "forgets that both keys and values are cached (no factor 2)")
def kv_llama_keys_only():
    return 80 * 8 * 128 * 2

@entry("kv_cache_per_token", "uses 4 bytes per number, as if float32")
def kv_llama_float32():
    return 2 * 80 * 8 * 128 * 4

@entry("kv_cache_per_token", "gives the size for one layer instead of all 80")
def kv_llama_one_layer():
    return 2 * 8 * 128 * 2

@entry("kv_cache_per_token", "answers in bits instead of bytes")
def kv_llama_bits():
    return 2 * 80 * 8 * 128 * 16


# ===================================================================== ex07.q1 softmax_backward
@entry("softmax_backward", "sums p*dp without keepdims, so the row sums broadcast along the wrong axis")
def smb_no_keepdims(p, dp):
    return p * (dp - np.sum(p * dp, axis=-1))

@entry("softmax_backward", "sign slip: p * (sum(p*dp) - dp)")
def smb_sign(p, dp):
    return p * (np.sum(p * dp, axis=-1, keepdims=True) - dp)

@entry("softmax_backward", "keeps only the diagonal of the Jacobian: p * (1 - p) * dp")
def smb_diagonal(p, dp):
    return p * (1 - p) * dp

@entry("softmax_backward", "forgets the p inside the sum: p * (dp - sum(dp))")
def smb_sum_dp(p, dp):
    return p * (dp - dp.sum(axis=-1, keepdims=True))

@entry("softmax_backward", "sums over the first axis instead of the last")
def smb_axis0(p, dp):
    return p * (dp - np.sum(p * dp, axis=0, keepdims=True))

@entry("softmax_backward", "dp - sum(p*dp) without the leading factor p (not zero where p is 0)")
def smb_no_outer_p(p, dp):
    return dp - np.sum(p * dp, axis=-1, keepdims=True)

@entry("softmax_backward", "writes p*dp - p*<p, dp> with einsum for the row dot product", kind="correct")
def smb_einsum(p, dp):
    pdp = p * dp
    return pdp - p * np.einsum("...i,...i->...", p, dp)[..., None]


# ===================================================================== ex07.q2 numerical_gradient
@entry("numerical_gradient", "one-sided (forward) differences instead of central ones")
def ng_forward(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float64)
    g = np.zeros_like(x)
    f0 = f(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        g[i] = (f(x) - f0) / eps
        x[i] = old
    return g

@entry("numerical_gradient", "divides by eps instead of 2*eps")
def ng_half_step(f, x, eps=1e-6):
    x = x.astype(np.float64)
    g = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        fp = f(x)
        x[i] = old - eps
        fm = f(x)
        x[i] = old
        g[i] = (fp - fm) / eps
    return g

@entry("numerical_gradient", "copies x without converting to float, so on an integer x the step eps is lost (gradient 0)")
def ng_int_copy(f, x, eps=1e-6):
    x = np.copy(x)
    g = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        fp = f(x)
        x[i] = old - eps
        fm = f(x)
        x[i] = old
        g[i] = (fp - fm) / (2 * eps)
    return g

@entry("numerical_gradient", "perturbs the caller's x in place (+eps, -2eps, +eps), which leaves rounding changes in x")
def ng_in_place(f, x, eps=1e-6):
    g = np.zeros(np.shape(x))
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    for xi in it:
        i = it.multi_index
        x[i] += eps
        fp = f(x)
        x[i] -= 2 * eps
        fm = f(x)
        x[i] += eps
        g[i] = (fp - fm) / (2 * eps)
    return g

@entry("numerical_gradient", "loops over the first axis only, so for a 2-D x it nudges a whole row at once")
def ng_rows_only(f, x, eps=1e-6):
    x = np.array(x, dtype=float)
    g = np.zeros_like(x)
    for i in range(len(x)):
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        g[i] = (f(xp) - f(xm)) / (2 * eps)
    return g

@entry("numerical_gradient", "works on a float32 copy, too coarse for a 1e-8 agreement")
def ng_float32(f, x, eps=1e-6):
    x = np.asarray(x, dtype=np.float32).copy()
    g = np.zeros(x.shape, dtype=np.float32)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + np.float32(eps)
        fp = f(x)
        x[i] = old - np.float32(eps)
        fm = f(x)
        x[i] = old
        g[i] = (fp - fm) / (2 * eps)
    return g

@entry("numerical_gradient", "loops over a flat float64 copy, building each perturbed array fresh", kind="correct")
def ng_flat(f, x, eps=1e-6):
    base = np.array(x, dtype=np.float64).ravel()
    g = np.empty(base.size)
    shape = np.shape(x)
    for i in range(base.size):
        step = np.zeros(base.size)
        step[i] = eps
        g[i] = (f((base + step).reshape(shape)) - f((base - step).reshape(shape))) / (2 * eps)
    return g.reshape(shape)


# ===================================================================== ex07.q3 attention_backward
def _fwd_weights(q, k, mask):
    return _attention(q, k, k[..., :1], mask)[1]

@entry("attention_backward", "forgets the 1/sqrt(d) factor in dq and dk")
def ab_no_scale(q, k, v, d_out, mask=None):
    P = _fwd_weights(q, k, mask)
    dv = np.swapaxes(P, -1, -2) @ d_out
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return dS @ k, np.swapaxes(dS, -1, -2) @ q, dv

@entry("attention_backward", "computes dv as P @ d_out instead of P^T @ d_out")
def ab_dv_no_transpose(q, k, v, d_out, mask=None):
    d = q.shape[-1]
    P = _fwd_weights(q, k, mask)
    dv = P @ d_out                      # crashes when n_q != n_k
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return dS @ k / np.sqrt(d), np.swapaxes(dS, -1, -2) @ q / np.sqrt(d), dv

@entry("attention_backward", "computes the forward weights without the mask")
def ab_ignores_mask(q, k, v, d_out, mask=None):
    d = q.shape[-1]
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)
    P = _softmax_rows(s)
    dv = np.swapaxes(P, -1, -2) @ d_out
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return dS @ k / np.sqrt(d), np.swapaxes(dS, -1, -2) @ q / np.sqrt(d), dv

@entry("attention_backward", "mixes up dq and dk: dq from dS^T Q and dk from dS K (swapped formulas)")
def ab_dq_dk_swapped(q, k, v, d_out, mask=None):
    d = q.shape[-1]
    P = _fwd_weights(q, k, mask)
    dv = np.swapaxes(P, -1, -2) @ d_out
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    dq = np.swapaxes(dS, -1, -2) @ q / np.sqrt(d)
    dk = dS @ k / np.sqrt(d)
    return dq, dk, dv

@entry("attention_backward", "softmax backward with the row sum over the query axis (-2) instead of the keys")
def ab_sum_wrong_axis(q, k, v, d_out, mask=None):
    d = q.shape[-1]
    P = _fwd_weights(q, k, mask)
    dv = np.swapaxes(P, -1, -2) @ d_out
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-2, keepdims=True))
    return dS @ k / np.sqrt(d), np.swapaxes(dS, -1, -2) @ q / np.sqrt(d), dv

@entry("attention_backward", "masks with np.where(mask, s, -inf) and a textbook softmax: a query with no visible key gets NaN gradients instead of 0")
def ab_nan_rows(q, k, v, d_out, mask=None):
    d = q.shape[-1]
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    P = _softmax_rows(s)
    dv = np.swapaxes(P, -1, -2) @ d_out
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return dS @ k / np.sqrt(d), np.swapaxes(dS, -1, -2) @ q / np.sqrt(d), dv

@entry("attention_backward", "all four products written as einsums, the scale folded into dS once", kind="correct")
def ab_einsum(q, k, v, d_out, mask=None):
    P = _attention(q, k, v, mask)[1]
    dv = np.einsum("...ij,...id->...jd", P, d_out)
    dP = np.einsum("...id,...jd->...ij", d_out, v)
    dS = P * (dP - np.einsum("...ij,...ij->...i", P, dP)[..., None]) / math.sqrt(q.shape[-1])
    dq = np.einsum("...ij,...jd->...id", dS, k)
    dk = np.einsum("...ij,...id->...jd", dS, q)
    return dq, dk, dv


# ===================================================================== ex07.q4 backward_mask_bug (fix in place)
@entry("backward_mask_bug", "zeroes the masked weights after the softmax (P * mask) without renormalising")
def bmb_mask_after_softmax(q, k, v, d_out, mask=None):
    d = q.shape[-1]
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)
    P = np.exp(s - s.max(axis=-1, keepdims=True))
    P = P / P.sum(axis=-1, keepdims=True)
    if mask is not None:
        P = P * mask
    dv = np.swapaxes(P, -1, -2) @ d_out
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return dS @ k / np.sqrt(d), np.swapaxes(dS, -1, -2) @ q / np.sqrt(d), dv

@entry("backward_mask_bug", "masks only dS (dS * mask) and leaves P unmasked, so dv and the softmax term are still wrong")
def bmb_mask_ds_only(q, k, v, d_out, mask=None):
    d = q.shape[-1]
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)
    P = np.exp(s - s.max(axis=-1, keepdims=True))
    P = P / P.sum(axis=-1, keepdims=True)
    dv = np.swapaxes(P, -1, -2) @ d_out
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    if mask is not None:
        dS = dS * mask
    return dS @ k / np.sqrt(d), np.swapaxes(dS, -1, -2) @ q / np.sqrt(d), dv

@entry("backward_mask_bug", "applies the mask the wrong way round (np.where(mask, -inf, s))")
def bmb_mask_inverted(q, k, v, d_out, mask=None):
    d = q.shape[-1]
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)
    if mask is not None:
        s = np.where(mask, -np.inf, s)
    P = np.exp(s - s.max(axis=-1, keepdims=True))
    P = P / P.sum(axis=-1, keepdims=True)
    dv = np.swapaxes(P, -1, -2) @ d_out
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return dS @ k / np.sqrt(d), np.swapaxes(dS, -1, -2) @ q / np.sqrt(d), dv

@entry("backward_mask_bug", "masks with -1e9: right when every query sees a key, but a fully blocked query gets uniform weights and nonzero gradients")
def bmb_big_negative(q, k, v, d_out, mask=None):
    d = q.shape[-1]
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)
    if mask is not None:
        s = np.where(mask, s, -1e9)
    P = np.exp(s - s.max(axis=-1, keepdims=True))
    P = P / P.sum(axis=-1, keepdims=True)
    dv = np.swapaxes(P, -1, -2) @ d_out
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return dS @ k / np.sqrt(d), np.swapaxes(dS, -1, -2) @ q / np.sqrt(d), dv

@entry("backward_mask_bug", "masks with -inf but keeps the textbook softmax: NaN gradients for a query that sees no key")
def bmb_nan_rows(q, k, v, d_out, mask=None):
    d = q.shape[-1]
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    P = np.exp(s - s.max(axis=-1, keepdims=True))
    P = P / P.sum(axis=-1, keepdims=True)
    dv = np.swapaxes(P, -1, -2) @ d_out
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return dS @ k / np.sqrt(d), np.swapaxes(dS, -1, -2) @ q / np.sqrt(d), dv

@entry("backward_mask_bug", "masks the scores with -inf, then replaces NaN weights of fully blocked rows by 0 with np.nan_to_num", kind="correct")
def bmb_nan_to_num(q, k, v, d_out, mask=None):
    d = q.shape[-1]
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    with np.errstate(invalid="ignore"):
        P = np.exp(s - s.max(axis=-1, keepdims=True))
        P = np.nan_to_num(P / P.sum(axis=-1, keepdims=True))
    dv = np.swapaxes(P, -1, -2) @ d_out
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return dS @ k / np.sqrt(d), np.swapaxes(dS, -1, -2) @ q / np.sqrt(d), dv


# ===================================================================== ex08.q1 online_softmax
@entry("online_softmax", "forgets to rescale the running sum when the maximum grows (l += exp(x_j - m_new))")
def os_no_rescale(x, axis=-1):
    x = np.moveaxis(np.asarray(x, dtype=float), axis, -1)
    m = np.full(x.shape[:-1], -np.inf)
    l = np.zeros(x.shape[:-1])
    for j in range(x.shape[-1]):
        m = np.maximum(m, x[..., j])
        l = l + np.exp(x[..., j] - m)
    return np.moveaxis(np.exp(x - m[..., None]) / l[..., None], -1, axis)

@entry("online_softmax", "rescales with exp(m_new - m) instead of exp(m - m_new)")
def os_rescale_sign(x, axis=-1):
    x = np.moveaxis(np.asarray(x, dtype=float), axis, -1)
    m = np.full(x.shape[:-1], -np.inf)
    l = np.zeros(x.shape[:-1])
    for j in range(x.shape[-1]):
        m_new = np.maximum(m, x[..., j])
        l = l * np.exp(np.where(np.isinf(m), 0.0, m_new - m)) + np.exp(x[..., j] - m_new)
        m = m_new
    return np.moveaxis(np.exp(x - m[..., None]) / l[..., None], -1, axis)

@entry("online_softmax", "always works along the last axis, ignoring the axis argument")
def os_ignores_axis(x, axis=-1):
    x = np.asarray(x, dtype=float)
    m = np.full(x.shape[:-1] + (1,), -np.inf)
    l = np.zeros(x.shape[:-1] + (1,))
    for j in range(x.shape[-1]):
        xj = x[..., j:j + 1]
        m_new = np.maximum(m, xj)
        l = l * np.exp(m - m_new) + np.exp(xj - m_new)
        m = m_new
    return np.exp(x - m) / l

@entry("online_softmax", "no guard for an all -inf slice: -inf - (-inf) gives NaN instead of zeros")
def os_nan_on_blocked(x, axis=-1):
    x = np.moveaxis(np.asarray(x, dtype=float), axis, -1)
    m = np.full(x.shape[:-1], -np.inf)
    l = np.zeros(x.shape[:-1])
    for j in range(x.shape[-1]):
        m_new = np.maximum(m, x[..., j])
        with np.errstate(invalid="ignore"):
            l = l * np.exp(m - m_new) + np.exp(x[..., j] - m_new)
        m = m_new
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.moveaxis(np.exp(x - m[..., None]) / l[..., None], -1, axis)

@entry("online_softmax", "starts the running sum at 1 instead of 0")
def os_l_starts_one(x, axis=-1):
    x = np.moveaxis(np.asarray(x, dtype=float), axis, -1)
    m = np.full(x.shape[:-1], -np.inf)
    l = np.ones(x.shape[:-1])
    for j in range(x.shape[-1]):
        m_new = np.maximum(m, x[..., j])
        l = l * np.exp(m - m_new) + np.exp(x[..., j] - m_new)
        m = m_new
    return np.moveaxis(np.exp(x - m[..., None]) / l[..., None], -1, axis)

@entry("online_softmax", "one loop with np.take along the axis, a safe max for blocked slices and a masked divide", kind="correct")
def os_take_safe(x, axis=-1):
    x = np.asarray(x, dtype=np.float64)
    shp = list(x.shape)
    shp[axis] = 1
    m = np.full(shp, -np.inf)
    l = np.zeros(shp)
    for j in range(x.shape[axis]):
        xj = np.take(x, [j], axis=axis)
        m_new = np.maximum(m, xj)
        safe = np.where(np.isneginf(m_new), 0.0, m_new)
        l = l * np.exp(m - safe) + np.exp(xj - safe)
        m = m_new
    safe = np.where(np.isneginf(m), 0.0, m)
    e = np.exp(x - safe)
    return np.divide(e, l, out=np.zeros_like(e), where=l > 0)


# ===================================================================== ex08.q2 kv_cache_bytes
@entry("kv_cache_bytes", "forgets the factor 2 for keys and values")
def kvb_no_two(n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element=2, batch=1):
    return n_layers * n_kv_heads * d_head * n_tokens * bytes_per_element * batch

@entry("kv_cache_bytes", "forgets the batch")
def kvb_no_batch(n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element=2, batch=1):
    return 2 * n_layers * n_kv_heads * d_head * n_tokens * bytes_per_element

@entry("kv_cache_bytes", "returns a float (divides by 8 bits per byte after counting bits)")
def kvb_float(n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element=2, batch=1):
    bits = 2 * n_layers * n_kv_heads * d_head * n_tokens * bytes_per_element * 8 * batch
    return bits / 8

@entry("kv_cache_bytes", "counts bits instead of bytes (multiplies by 8)")
def kvb_bits(n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element=2, batch=1):
    return 2 * n_layers * n_kv_heads * d_head * n_tokens * bytes_per_element * batch * 8

@entry("kv_cache_bytes", "forgets the number of layers")
def kvb_no_layers(n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element=2, batch=1):
    return 2 * n_kv_heads * d_head * n_tokens * bytes_per_element * batch

@entry("kv_cache_bytes", "math.prod of the factors, as a Python int", kind="correct")
def kvb_prod(n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element=2, batch=1):
    return int(math.prod([2, n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element, batch]))


# ===================================================================== ex08.q3 flash_block_update
@entry("flash_block_update", "forgets to rescale the old sum: l' = l + sum(P)")
def fb_no_l_rescale(m, l, acc, scores_block, v_block):
    m_new = np.maximum(m, scores_block.max(axis=-1, keepdims=True))
    safe = np.where(np.isneginf(m_new), 0.0, m_new)
    alpha = np.exp(m - safe)
    p = np.exp(scores_block - safe)
    return m_new, l + p.sum(axis=-1, keepdims=True), alpha * acc + p @ v_block

@entry("flash_block_update", "forgets to rescale the old accumulator: acc' = acc + P V")
def fb_no_acc_rescale(m, l, acc, scores_block, v_block):
    m_new = np.maximum(m, scores_block.max(axis=-1, keepdims=True))
    safe = np.where(np.isneginf(m_new), 0.0, m_new)
    alpha = np.exp(m - safe)
    p = np.exp(scores_block - safe)
    return m_new, alpha * l + p.sum(axis=-1, keepdims=True), acc + p @ v_block

@entry("flash_block_update", "no guard for -inf: a query with no key yet and none in this tile gets NaN instead of keeping its state")
def fb_no_guard(m, l, acc, scores_block, v_block):
    m_new = np.maximum(m, scores_block.max(axis=-1, keepdims=True))
    with np.errstate(invalid="ignore"):
        alpha = np.exp(m - m_new)
        p = np.exp(scores_block - m_new)
    return m_new, alpha * l + p.sum(axis=-1, keepdims=True), alpha * acc + p @ v_block

@entry("flash_block_update", "divides acc by l at the end of the tile")
def fb_divides(m, l, acc, scores_block, v_block):
    m_new = np.maximum(m, scores_block.max(axis=-1, keepdims=True))
    safe = np.where(np.isneginf(m_new), 0.0, m_new)
    alpha = np.exp(m - safe)
    p = np.exp(scores_block - safe)
    l_new = alpha * l + p.sum(axis=-1, keepdims=True)
    acc_new = alpha * acc + p @ v_block
    return m_new, l_new, np.divide(acc_new, l_new, out=np.zeros_like(acc_new), where=l_new > 0)

@entry("flash_block_update", "updates acc and l in place (acc *= alpha), changing the caller's arrays")
def fb_in_place(m, l, acc, scores_block, v_block):
    m_new = np.maximum(m, scores_block.max(axis=-1, keepdims=True))
    safe = np.where(np.isneginf(m_new), 0.0, m_new)
    alpha = np.exp(m - safe)
    p = np.exp(scores_block - safe)
    l *= alpha
    l += p.sum(axis=-1, keepdims=True)
    acc *= alpha
    acc += p @ v_block
    return m_new, l, acc

@entry("flash_block_update", "keeps the old state with np.where for rows whose new max is -inf", kind="correct")
def fb_where_keep(m, l, acc, scores_block, v_block):
    m_new = np.maximum(m, np.max(scores_block, axis=-1, keepdims=True))
    dead = np.isneginf(m_new)
    ref = np.where(dead, 0.0, m_new)
    alpha = np.where(dead, 1.0, np.exp(m - ref))
    p = np.where(dead, 0.0, np.exp(scores_block - ref))
    return m_new, alpha * l + np.sum(p, axis=-1, keepdims=True), alpha * acc + np.einsum("...ij,...jd->...id", p, v_block)


# ===================================================================== ex08.q4 decode_step
def _causal(n_q, n_k):
    return np.arange(n_k)[None, :] <= np.arange(n_q)[:, None] + (n_k - n_q)

@entry("decode_step", "leaves out the causal mask, so earlier new tokens see later ones when n_q > 1")
def ds_no_mask(q_new, k_cache, v_cache, k_new, v_new):
    k = np.concatenate([k_cache, k_new], axis=-2)
    v = np.concatenate([v_cache, v_new], axis=-2)
    return _attention(q_new, k, v)[0], k, v

@entry("decode_step", "aligns the causal mask top-left (np.tril of ones (n_q, n_k)), hiding most of the cache")
def ds_top_left(q_new, k_cache, v_cache, k_new, v_new):
    k = np.concatenate([k_cache, k_new], axis=-2)
    v = np.concatenate([v_cache, v_new], axis=-2)
    n_q, n_k = q_new.shape[-2], k.shape[-2]
    mask = np.tril(np.ones((n_q, n_k), dtype=bool))
    return _attention(q_new, k, v, mask)[0], k, v

@entry("decode_step", "puts the new keys and values before the cache instead of after it")
def ds_prepend(q_new, k_cache, v_cache, k_new, v_new):
    k = np.concatenate([k_new, k_cache], axis=-2)
    v = np.concatenate([v_new, v_cache], axis=-2)
    n_q, n_k = q_new.shape[-2], k.shape[-2]
    mask = None if n_q == 1 else _causal(n_q, n_k)
    return _attention(q_new, k, v, mask)[0], k, v

@entry("decode_step", "appends along axis 0 (right only without batch axes)")
def ds_axis0(q_new, k_cache, v_cache, k_new, v_new):
    k = np.concatenate([k_cache, k_new], axis=0)
    v = np.concatenate([v_cache, v_new], axis=0)
    n_q, n_k = q_new.shape[-2], k.shape[-2]
    return _attention(q_new, k, v, _causal(n_q, n_k))[0], k, v

@entry("decode_step", "lets the new queries see only the new tokens (mask blocks the cache)")
def ds_only_new(q_new, k_cache, v_cache, k_new, v_new):
    k = np.concatenate([k_cache, k_new], axis=-2)
    v = np.concatenate([v_cache, v_new], axis=-2)
    n_q, n_past = q_new.shape[-2], k_cache.shape[-2]
    mask = np.concatenate([np.zeros((n_q, n_past), bool), np.tril(np.ones((n_q, n_q), bool))], axis=1)
    return _attention(q_new, k, v, mask)[0], k, v

@entry("decode_step", "builds the bottom-right mask with np.triu(k=...) negated, always applied", kind="correct")
def ds_triu_mask(q_new, k_cache, v_cache, k_new, v_new):
    k = np.append(k_cache, k_new, axis=-2)
    v = np.append(v_cache, v_new, axis=-2)
    n_q, n_k = q_new.shape[-2], k.shape[-2]
    mask = ~np.triu(np.ones((n_q, n_k), bool), k=n_k - n_q + 1)
    return _attention(q_new, k, v, mask)[0], k, v


# ===================================================================== ex08.q5 fix_tiled_attention
def _tiled(q, k, v, mask, block_size, fix_range=True, fix_l=True, fix_guard=True):
    n_q, n_k, d = q.shape[-2], k.shape[-2], q.shape[-1]
    if mask is not None:
        mask = np.broadcast_to(mask, np.broadcast_shapes(mask.shape, q.shape[:-2] + (n_q, n_k)))
    out = np.empty(q.shape[:-1] + (v.shape[-1],))
    for i in range(0, n_q, block_size):
        q_i = q[..., i:i + block_size, :] / np.sqrt(d)
        m = np.full(q_i.shape[:-1] + (1,), -np.inf)
        l = np.zeros(q_i.shape[:-1] + (1,))
        acc = np.zeros(q_i.shape[:-1] + (v.shape[-1],))
        for j in range(0, n_k if fix_range else n_q, block_size):
            s = q_i @ np.swapaxes(k[..., j:j + block_size, :], -1, -2)
            if mask is not None:
                s = np.where(mask[..., i:i + block_size, j:j + block_size], s, -np.inf)
            m_new = np.maximum(m, s.max(axis=-1, keepdims=True))
            ref = np.where(np.isneginf(m_new), 0.0, m_new) if fix_guard else m_new
            with np.errstate(invalid="ignore"):
                p = np.exp(s - ref)
                alpha = np.exp(m - ref)
            l = (alpha * l if fix_l else l) + p.sum(axis=-1, keepdims=True)
            acc = alpha * acc + p @ v[..., j:j + block_size, :]
            m = m_new
        with np.errstate(invalid="ignore", divide="ignore"):
            out[..., i:i + block_size, :] = (np.divide(acc, l, out=np.zeros_like(acc), where=l > 0)
                                             if fix_guard else acc / l)
    return out

@entry("fix_tiled_attention", "fixes the rescaling of l and the empty rows, but the inner loop still runs over n_q instead of n_k")
def fta_range_left(q, k, v, mask=None, block_size=128):
    return _tiled(q, k, v, mask, block_size, fix_range=False)

@entry("fix_tiled_attention", "fixes the loop range and the empty rows, but still does not rescale l by exp(m - m_new)")
def fta_l_left(q, k, v, mask=None, block_size=128):
    return _tiled(q, k, v, mask, block_size, fix_l=False)

@entry("fix_tiled_attention", "fixes the loop range and l, but a query that sees no key still gets NaN instead of zeros")
def fta_guard_left(q, k, v, mask=None, block_size=128):
    return _tiled(q, k, v, mask, block_size, fix_guard=False)

@entry("fix_tiled_attention", "all three bugs fixed, mask broadcast to the full score shape first", kind="correct")
def fta_fixed(q, k, v, mask=None, block_size=128):
    return _tiled(q, k, v, mask, block_size)


EXPECTED = {
    "shapes_kv_target_len": "kv_shaped_by_query_length",
    "shapes_weights_transposed": "transposed_kq",
    "shapes_bnhd_layout": "heads_axis_last",
    "shapes_merged_keeps_heads": "heads_not_merged",
    "shapes_full_width_heads": "heads_not_split",
    "shapes_head_out_source_len": "output_rows_from_keys",
    "axis_minus_two": "softmax_wrong_axis",
    "axis_positive": "axis_from_the_front",
    "axis_right_shape_source": "row_sums_shape",
    "axis_keepdims_shape": "extra_axis",
    "axis_shape_no_heads": None,
    "attention_no_scale": "no_sqrt_d_scaling",
    "attention_scale_by_d": "scaled_by_d",
    "attention_scale_by_dv": "scaled_by_wrong_dimension",
    "attention_softmax_queries": "softmax_wrong_axis",
    "attention_mask_inverted": "mask_polarity_inverted",
    "attention_mask_multiply": "masked_to_zero",
    "attention_no_max_shift": "no_max_subtraction",
    "attention_dot_T": "transpose_all_axes",
    "attention_swapped_return": "pair_swapped",
    "cross_fix_keys_only": "shared_projection",
    "cross_fix_values_only": "keys_from_query_side",
    "cross_sources_swapped": "queries_from_kv_side",
    "cross_kv_matrices_swapped": None,
    "cross_values_from_xq": "values_from_query_side",
    "self_attn_scale_D": "scaled_by_wrong_dimension",
    "self_attn_kq": "transposed_kq",
    "self_attn_average_x": "values_unprojected",
    "self_attn_ignores_mask": "mask_ignored",
    "self_attn_wq_twice": "shared_projection",
    "self_attn_mask_zero": "masked_to_zero",
    "split_direct_reshape": "reshape_without_transpose",
    "split_strided": "interleaved_features",
    "split_no_transpose": "heads_axis_last",
    "split_fixed_transpose": "fixed_ndim",
    "split_wrong_swap": "heads_axis_last",
    "merge_direct_reshape": "reshape_without_transpose",
    "merge_interleaved": "interleaved_features",
    "merge_fixed_transpose": "fixed_ndim",
    "merge_sum_heads": "heads_summed",
    "mha_reshape_trap": "reshape_without_transpose",
    "mha_scale_D": "scaled_by_d_model",
    "mha_no_bias": "biases_ignored",
    "mha_no_wo": "forgot_w_o",
    "mha_mean_weights": "weights_averaged_over_heads",
    "mha_bias_before_wo": "biases_ignored",
    "mha_fix_split_only": "reshape_without_transpose",
    "mha_fix_merge_only": "reshape_without_transpose",
    "mha_fix_q_only": "reshape_without_transpose",
    "mha_fix_merge_wrong_axes": "wrong_axis",
    "gqa_tile": "kv_heads_tiled",
    "gqa_no_bias": "biases_ignored",
    "gqa_kv_reshape_trap": None,
    "gqa_group_weights": None,
    "gqa_scale_kv_width": "scores_scale_off",
    "kv_llama_query_heads": "kv_cache_used_query_heads",
    "kv_llama_keys_only": "kv_cache_forgot_values",
    "kv_llama_float32": "kv_cache_bytes_per_number",
    "kv_llama_one_layer": "wrong_quantity",
    "kv_llama_bits": "kv_cache_used_query_heads",
    "smb_no_keepdims": "missing_keepdims",
    "smb_sign": "operands_swapped",
    "smb_diagonal": "softmax_grad_diagonal_only",
    "smb_sum_dp": "term_missing",
    "smb_axis0": "wrong_axis",
    "smb_no_outer_p": "softmax_grad_without_p",
    "ng_forward": "fd_one_sided",
    "ng_half_step": "fd_step_not_doubled",
    "ng_int_copy": "fd_integer_copy",
    "ng_in_place": "mutates_input",
    "ng_rows_only": "first_axis_only",
    "ng_float32": "fd_in_float32",
    "ab_no_scale": "backward_missing_scale",
    "ab_dv_no_transpose": "dv_not_transposed",
    "ab_ignores_mask": "gradient_through_masked",
    "ab_dq_dk_swapped": None,
    "ab_sum_wrong_axis": "wrong_axis",
    "ab_nan_rows": "fully_masked_row_nan",
    "bmb_mask_after_softmax": "mask_after_softmax",
    "bmb_mask_ds_only": None,
    "bmb_mask_inverted": "fully_masked_row_nan",
    "bmb_big_negative": "fully_masked_row_uniform",
    "bmb_nan_rows": "fully_masked_row_nan",
    "os_no_rescale": "online_sum_not_rescaled",
    "os_rescale_sign": "online_rescale_inverted",
    "os_ignores_axis": "softmax_wrong_axis",
    "os_nan_on_blocked": "fully_masked_row_nan",
    "os_l_starts_one": "fully_masked_row_nan",
    "kvb_no_two": "kv_cache_forgot_values",
    "kvb_no_batch": "kv_cache_missing_factor",
    "kvb_float": None,
    "kvb_bits": "kv_cache_bytes_per_number",
    "kvb_no_layers": "kv_cache_missing_factor",
    "fb_no_l_rescale": "flash_sum_not_rescaled",
    "fb_no_acc_rescale": "flash_output_not_rescaled",
    "fb_no_guard": "fully_masked_row_nan",
    "fb_divides": "flash_normalised_too_early",
    "fb_in_place": "mutates_input",
    "ds_no_mask": "decode_no_mask_for_several_tokens",
    "ds_top_left": "causal_mask_top_left",
    "ds_prepend": "kv_cache_prepended",
    "ds_axis0": "kv_cache_wrong_axis",
    "ds_only_new": "kv_cache_ignored",
    "fta_range_left": "key_loop_over_queries",
    "fta_l_left": "flash_sum_not_rescaled",
    "fta_guard_left": "fully_masked_row_nan"
}

JUDGED = {
    "shapes_kv_target_len": "named",
    "shapes_weights_transposed": "named",
    "shapes_bnhd_layout": "named",
    "shapes_merged_keeps_heads": "named",
    "shapes_full_width_heads": "named",
    "shapes_head_out_source_len": "named",
    "axis_minus_two": "named",
    "axis_positive": "named",
    "axis_right_shape_source": "named",
    "axis_keepdims_shape": "named",
    "axis_shape_no_heads": "vague",
    "attention_no_scale": "named",
    "attention_scale_by_d": "named",
    "attention_scale_by_dv": "named",
    "attention_softmax_queries": "named",
    "attention_mask_inverted": "named",
    "attention_mask_multiply": "named",
    "attention_no_max_shift": "named",
    "attention_dot_T": "named",
    "attention_swapped_return": "named",
    "attention_einsum_lse": "ok",
    "attention_big_negative": "ok",
    "cross_fix_keys_only": "named",
    "cross_fix_values_only": "named",
    "cross_sources_swapped": "named",
    "cross_kv_matrices_swapped": "vague",
    "cross_values_from_xq": "named",
    "cross_einsum": "ok",
    "self_attn_scale_D": "named",
    "self_attn_kq": "named",
    "self_attn_average_x": "named",
    "self_attn_ignores_mask": "named",
    "self_attn_wq_twice": "named",
    "self_attn_mask_zero": "named",
    "self_attn_loop": "ok",
    "split_direct_reshape": "named",
    "split_strided": "named",
    "split_no_transpose": "named",
    "split_fixed_transpose": "named",
    "split_wrong_swap": "named",
    "split_stack_slices": "ok",
    "merge_direct_reshape": "named",
    "merge_interleaved": "named",
    "merge_fixed_transpose": "named",
    "merge_sum_heads": "named",
    "merge_concat": "ok",
    "mha_reshape_trap": "named",
    "mha_scale_D": "named",
    "mha_no_bias": "named",
    "mha_no_wo": "named",
    "mha_mean_weights": "named",
    "mha_bias_before_wo": "named",
    "mha_einsum_heads": "ok",
    "mha_fix_split_only": "named",
    "mha_fix_merge_only": "named",
    "mha_fix_q_only": "named",
    "mha_fix_merge_wrong_axes": "named",
    "mha_fix_transpose": "ok",
    "gqa_tile": "named",
    "gqa_no_bias": "named",
    "gqa_kv_reshape_trap": "vague",
    "gqa_group_weights": "vague",
    "gqa_scale_kv_width": "named",
    "gqa_grouped_broadcast": "ok",
    "kv_llama_query_heads": "named",
    "kv_llama_keys_only": "named",
    "kv_llama_float32": "named",
    "kv_llama_one_layer": "named",
    "kv_llama_bits": "named",
    "smb_no_keepdims": "named",
    "smb_sign": "named",
    "smb_diagonal": "named",
    "smb_sum_dp": "named",
    "smb_axis0": "named",
    "smb_no_outer_p": "named",
    "smb_einsum": "ok",
    "ng_forward": "named",
    "ng_half_step": "named",
    "ng_int_copy": "named",
    "ng_in_place": "named",
    "ng_rows_only": "named",
    "ng_float32": "named",
    "ng_flat": "ok",
    "ab_no_scale": "named",
    "ab_dv_no_transpose": "named",
    "ab_ignores_mask": "named",
    "ab_dq_dk_swapped": "vague",
    "ab_sum_wrong_axis": "named",
    "ab_nan_rows": "named",
    "ab_einsum": "ok",
    "bmb_mask_after_softmax": "named",
    "bmb_mask_ds_only": "vague",
    "bmb_mask_inverted": "named",
    "bmb_big_negative": "named",
    "bmb_nan_rows": "named",
    "bmb_nan_to_num": "ok",
    "os_no_rescale": "named",
    "os_rescale_sign": "named",
    "os_ignores_axis": "named",
    "os_nan_on_blocked": "named",
    "os_l_starts_one": "named",
    "os_take_safe": "ok",
    "kvb_no_two": "named",
    "kvb_no_batch": "named",
    "kvb_float": "accepted",
    "kvb_bits": "named",
    "kvb_no_layers": "named",
    "kvb_prod": "ok",
    "fb_no_l_rescale": "named",
    "fb_no_acc_rescale": "named",
    "fb_no_guard": "named",
    "fb_divides": "named",
    "fb_in_place": "named",
    "fb_where_keep": "ok",
    "ds_no_mask": "named",
    "ds_top_left": "named",
    "ds_prepend": "named",
    "ds_axis0": "named",
    "ds_only_new": "named",
    "ds_triu_mask": "ok",
    "fta_range_left": "named",
    "fta_l_left": "named",
    "fta_guard_left": "named",
    "fta_fixed": "ok"
}
