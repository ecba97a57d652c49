"""Blind bank for lessons 05-08 (the fifth round), written from the exercise notebooks only by a tester who never
saw the checker, and measured once on main at 1fd75c2 before anything was tuned for it (see the stop's closing note).

168 answers: 128 wrong, 40 right. First measurement, read by an independent judge: 116 of the
128 wrong ones named (90.6 %), 9 vague, 3 named another mistake,
0 accepted; 0 right answers rejected. Nothing has been tuned on it yet.

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


# ---------------------------------------------------------------------------
# private stand-ins for the course library (never imported)
# ---------------------------------------------------------------------------
def _softmax(x, axis=-1):
    """Stable softmax; a slice that is all -inf gives zeros (as the notebooks say the library does)."""
    x = np.asarray(x, dtype=np.float64)
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isneginf(m), 0.0, m)
    e = np.exp(x - m)
    s = e.sum(axis=axis, keepdims=True)
    return np.where(s > 0, e / np.where(s > 0, s, 1.0), 0.0)


def _attention(q, k, v, mask=None):
    """Scaled dot-product attention, mask True = may attend; all-blocked rows get zero weights."""
    d = q.shape[-1]
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = _softmax(s, axis=-1)
    return w @ v, w


def _causal_mask(n_q, n_k=None):
    """Causal mask aligned bottom-right: query i (of n_q) sees keys j <= i + n_k - n_q."""
    if n_k is None:
        n_k = n_q
    return np.arange(n_k)[None, :] <= np.arange(n_q)[:, None] + (n_k - n_q)


def _split_heads(x, h):
    *lead, n, D = x.shape
    return np.swapaxes(x.reshape(*lead, n, h, D // h), -2, -3)


def _merge_heads(x):
    *lead, h, n, d = x.shape
    return np.swapaxes(x, -2, -3).reshape(*lead, n, h * d)


def _head_mask(mask):
    """Give a batch mask (B, n_q or 1, n_k) a head axis; leave (n_q, n_k) and 4-D masks alone."""
    if mask is None:
        return None
    mask = np.asarray(mask)
    if mask.ndim == 3:
        return mask[:, None, :, :]
    return mask


# ===========================================================================
# ex05.q1  cross_attention_shapes
# ===========================================================================
@entry("cross_attention_shapes", "puts the source length 10 on the queries and the target length 6 on keys/values (decoder/encoder swapped)")
def q51_queries_from_source():
    return ((4, 8, 10, 64), (4, 8, 6, 64), (4, 8, 6, 64), (4, 8, 10, 6), (4, 8, 10, 64), (4, 10, 512))


@entry("cross_attention_shapes", "writes the weights as (B, h, n_src, n_tgt): keys-by-queries, the transpose")
def q51_weights_transposed():
    return ((4, 8, 6, 64), (4, 8, 10, 64), (4, 8, 10, 64), (4, 8, 10, 6), (4, 8, 6, 64), (4, 6, 512))


@entry("cross_attention_shapes", "uses the (B, n, h, d) layout (heads after positions) instead of the lesson's (B, h, n, d)")
def q51_positions_before_heads():
    return ((4, 6, 8, 64), (4, 10, 8, 64), (4, 10, 8, 64), (4, 6, 8, 10), (4, 6, 8, 64), (4, 6, 512))


@entry("cross_attention_shapes", "thinks each head's output has the source length (one row per value), and so does the merged output")
def q51_output_source_length():
    return ((4, 8, 6, 64), (4, 8, 10, 64), (4, 8, 10, 64), (4, 8, 6, 10), (4, 8, 10, 64), (4, 10, 512))


@entry("cross_attention_shapes", "merged output keeps the head axis: (B, h, n_tgt, D) instead of concatenating heads to (B, n_tgt, D)")
def q51_merged_keeps_heads():
    return ((4, 8, 6, 64), (4, 8, 10, 64), (4, 8, 10, 64), (4, 8, 6, 10), (4, 8, 6, 64), (4, 8, 6, 512))


@entry("cross_attention_shapes", "merged output forgets to concatenate: stays at one head's width d = 64")
def q51_merged_width_d():
    return ((4, 8, 6, 64), (4, 8, 10, 64), (4, 8, 10, 64), (4, 8, 6, 10), (4, 8, 6, 64), (4, 6, 64))


@entry("cross_attention_shapes", "derives every shape from real numpy arrays pushed through einsum (.shape tuples)", kind="correct")
def q51_from_arrays():
    B, h, nt, ns, d = 4, 8, 6, 10, 64
    Q, K, V = np.zeros((B, h, nt, d)), np.zeros((B, h, ns, d)), np.zeros((B, h, ns, d))
    W = np.einsum("bhqd,bhkd->bhqk", Q, K)
    O = np.einsum("bhqk,bhkd->bhqd", W, V)
    M = np.moveaxis(O, 1, 2).reshape(B, nt, h * d)
    return (Q.shape, K.shape, V.shape, W.shape, O.shape, M.shape)


@entry("cross_attention_shapes", "returns a list of six tuples whose entries are numpy integers", kind="correct")
def q51_list_numpy_ints():
    B, h, nt, ns, d = (np.int64(t) for t in (4, 8, 6, 10, 64))
    return [(B, h, nt, d), (B, h, ns, d), (B, h, ns, d), (B, h, nt, ns), (B, h, nt, d), (B, nt, h * d)]


# ===========================================================================
# ex05.q2  cross_softmax_axis
# ===========================================================================
@entry("cross_softmax_axis", "gives the keys' axis as a positive index (3) although the question asks for a negative one")
def q52_positive_index():
    return (3, (2, 8, 6))


@entry("cross_softmax_axis", "softmax over the queries' axis (-2), one distribution per source position")
def q52_queries_axis():
    return (-2, (2, 8, 10))


@entry("cross_softmax_axis", "right axis, but thinks the sum leaves the source length: shape (2, 8, 10)")
def q52_shape_source_length():
    return (-1, (2, 8, 10))


@entry("cross_softmax_axis", "right axis, but gives the sum's shape as if keepdims=True: (2, 8, 6, 1)")
def q52_shape_keepdims():
    return (-1, (2, 8, 6, 1))


@entry("cross_softmax_axis", "counts from the end starting at 0: calls the last axis -0 / 0")
def q52_axis_zero():
    return (0, (2, 8, 6))


@entry("cross_softmax_axis", "computes both by running a softmax and searching for the axis whose sums are all ones", kind="correct")
def q52_found_empirically():
    s = np.random.default_rng(0).normal(size=(2, 8, 6, 10))
    w = np.exp(s - s.max(axis=-1, keepdims=True))
    w = w / w.sum(axis=-1, keepdims=True)
    for a in range(-1, -w.ndim - 1, -1):
        t = w.sum(axis=a)
        if np.allclose(t, 1):
            return (a, t.shape)


@entry("cross_softmax_axis", "axis as a numpy integer and the shape as a tuple of numpy integers", kind="correct")
def q52_numpy_scalars():
    return (np.int64(-1), tuple(np.array([2, 8, 6])))


# ===========================================================================
# ex05.q3  attention
# ===========================================================================
@entry("attention", "softmax over the queries' axis (-2) instead of the keys' (-1)")
def q53_softmax_axis_queries(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    e = np.exp(s - s.max(axis=-2, keepdims=True))
    w = e / e.sum(axis=-2, keepdims=True)
    return w @ v, w


@entry("attention", "divides the scores by d instead of sqrt(d)")
def q53_scale_by_d(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / q.shape[-1]
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = _softmax(s)
    return w @ v, w


@entry("attention", "scales by sqrt of the value width d_v (v.shape[-1]) instead of the key width d")
def q53_scale_by_dv(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(v.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = _softmax(s)
    return w @ v, w


@entry("attention", "mask polarity reversed: treats True as 'blocked' and fills -inf where the mask is True")
def q53_mask_polarity(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, -np.inf, s)
    w = _softmax(s)
    return w @ v, w


@entry("attention", "applies the mask by multiplying the scores by it, so blocked scores become 0, not -inf")
def q53_mask_multiply_scores(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = s * mask
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    w = e / e.sum(axis=-1, keepdims=True)
    return w @ v, w


@entry("attention", "masks after the softmax (weights * mask) and does not renormalise, so rows no longer sum to 1")
def q53_mask_after_softmax(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    w = e / e.sum(axis=-1, keepdims=True)
    if mask is not None:
        w = w * mask
    return w @ v, w


@entry("attention", "textbook softmax without subtracting the max: overflows to inf/NaN on large scores")
def q53_no_max_subtraction(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    e = np.exp(s)
    w = e / e.sum(axis=-1, keepdims=True)
    return w @ v, w


@entry("attention", "transposes k with .T, which reverses every axis: fine for 2-D, breaks (crashes) with batch/head axes")
def q53_k_dot_T(q, k, v, mask=None):
    s = q @ k.T / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = _softmax(s)
    return w @ v, w


@entry("attention", "returns the pair in the wrong order: (weights, out)")
def q53_returns_weights_first(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = _softmax(s)
    return w, w @ v


@entry("attention", "einsum for both products and a large negative fill (-1e9) instead of -inf", kind="correct")
def q53_einsum_big_negative(q, k, v, mask=None):
    s = np.einsum("...qd,...kd->...qk", q, k) / math.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -1e9)
    s = s - s.max(axis=-1, keepdims=True)
    w = np.exp(s)
    w /= w.sum(axis=-1, keepdims=True)
    return np.einsum("...qk,...kv->...qv", w, v), w


@entry("attention", "weights as exp(s - logsumexp(s)) instead of dividing by the sum; scales q before the product", kind="correct")
def q53_logsumexp(q, k, v, mask=None):
    s = (q / np.sqrt(q.shape[-1])) @ np.swapaxes(k, -1, -2)
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    m = s.max(axis=-1, keepdims=True)
    lse = m + np.log(np.exp(s - m).sum(axis=-1, keepdims=True))
    w = np.exp(s - lse)
    return w @ v, w


# ===========================================================================
# ex05.q4  cross_attention (fix two bugs)
# ===========================================================================
@entry("cross_attention", "half fix: keys now come from x_kv, but the values are still projected with W_k")
def q54_fix_keys_only(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = x_q @ W_q
    k = x_kv @ W_k
    v = x_kv @ W_k
    return _attention(q, k, v, mask)


@entry("cross_attention", "half fix: values use W_v now, but the keys are still taken from the decoder x_q (crashes when n_q != n_k)")
def q54_fix_values_only(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = x_q @ W_q
    k = x_q @ W_k
    v = x_kv @ W_v
    return _attention(q, k, v, mask)


@entry("cross_attention", "fixes the weight matrices but takes the values from x_q (thinks values follow the queries); crashes when n_q != n_k")
def q54_values_from_decoder(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = x_q @ W_q
    k = x_kv @ W_k
    v = x_q @ W_v
    return _attention(q, k, v, mask)


@entry("cross_attention", "roles reversed: queries from the encoder x_kv, keys and values from the decoder x_q (crashes when sizes differ)")
def q54_roles_reversed(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = x_kv @ W_q
    k = x_q @ W_k
    v = x_q @ W_v
    return _attention(q, k, v, mask)


@entry("cross_attention", "right projections but drops the mask when calling attention")
def q54_drops_mask(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = x_q @ W_q
    k = x_kv @ W_k
    v = x_kv @ W_v
    return _attention(q, k, v)


@entry("cross_attention", "swaps W_k and W_v (keys with W_v, values with W_k): crashes when d != d_v, wrong numbers otherwise")
def q54_swapped_weights(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = x_q @ W_q
    k = x_kv @ W_v
    v = x_kv @ W_k
    return _attention(q, k, v, mask)


@entry("cross_attention", "einsum projections and its own stable softmax, mask passed through unchanged", kind="correct")
def q54_einsum_own_attention(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = np.einsum("...nD,Dd->...nd", x_q, W_q)
    k = np.einsum("...nD,Dd->...nd", x_kv, W_k)
    v = np.einsum("...nD,Dd->...nd", x_kv, W_v)
    s = np.einsum("...qd,...kd->...qk", q, k) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = np.exp(s - s.max(axis=-1, keepdims=True))
    w = w / w.sum(axis=-1, keepdims=True)
    return w @ v, w


@entry("cross_attention", "projects keys and values in one product with the stacked matrix [W_k | W_v], then splits", kind="correct")
def q54_stacked_kv(x_q, x_kv, W_q, W_k, W_v, mask=None):
    d = W_k.shape[1]
    kv = x_kv @ np.concatenate([W_k, W_v], axis=1)
    k, v = kv[..., :d], kv[..., d:]
    return _attention(x_q @ W_q, k, v, mask=mask)


# ===========================================================================
# ex05.q5  self_attention
# ===========================================================================
@entry("self_attention", "scales by sqrt(D), the model width, instead of sqrt(d), the query/key width")
def q55_scale_sqrt_model_width(x, W_q, W_k, W_v, mask=None):
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(x.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = _softmax(s)
    return w @ v, w


@entry("self_attention", "forgets the 1/sqrt(d) scaling altogether")
def q55_no_scaling(x, W_q, W_k, W_v, mask=None):
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    s = q @ np.swapaxes(k, -1, -2)
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = _softmax(s)
    return w @ v, w


@entry("self_attention", "averages the raw inputs x instead of the projected values (skips W_v)")
def q55_averages_x(x, W_q, W_k, W_v, mask=None):
    q, k = x @ W_q, x @ W_k
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = _softmax(s)
    return w @ x, w


@entry("self_attention", "uses W_q for the keys as well (q = k), so the scores are symmetric")
def q55_keys_with_wq(x, W_q, W_k, W_v, mask=None):
    q = x @ W_q
    k = x @ W_q
    v = x @ W_v
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = _softmax(s)
    return w @ v, w


@entry("self_attention", "believes self-attention is always causal: applies a causal mask even when mask is None")
def q55_always_causal(x, W_q, W_k, W_v, mask=None):
    n = x.shape[-2]
    if mask is None:
        mask = np.tril(np.ones((n, n), dtype=bool))
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    s = np.where(mask, s, -np.inf)
    w = _softmax(s)
    return w @ v, w


@entry("self_attention", "computes the scores as K Q^T (keys by queries), i.e. the transposed score matrix")
def q55_scores_transposed(x, W_q, W_k, W_v, mask=None):
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    s = k @ np.swapaxes(q, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = _softmax(s)
    return w @ v, w


@entry("self_attention", "mask polarity reversed: blocks where the mask is True (the causal mask then hides the past)")
def q55_mask_polarity(x, W_q, W_k, W_v, mask=None):
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(~np.asarray(mask, bool), s, -np.inf)
    w = _softmax(s)
    return w @ v, w


@entry("self_attention", "scores through the bilinear form x (W_q W_k^T) x^T, never forming q and k", kind="correct")
def q55_bilinear_form(x, W_q, W_k, W_v, mask=None):
    d = W_q.shape[1]
    A = W_q @ W_k.T                                     # (D, D)
    s = (x @ A) @ np.swapaxes(x, -1, -2) / np.sqrt(d)
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = _softmax(s)
    return w @ (x @ W_v), w


@entry("self_attention", "loops over the leading axes with np.ndindex and does each 2-D sequence separately", kind="correct")
def q55_loop_leading_axes(x, W_q, W_k, W_v, mask=None):
    lead, n = x.shape[:-2], x.shape[-2]
    m = None if mask is None else np.broadcast_to(mask, lead + (n, n))
    out = np.zeros(lead + (n, W_v.shape[1]))
    wts = np.zeros(lead + (n, n))
    for idx in np.ndindex(*lead):
        xi = x[idx]
        q, k, v = xi @ W_q, xi @ W_k, xi @ W_v
        s = q @ k.T / math.sqrt(q.shape[-1])
        if m is not None:
            s = np.where(m[idx], s, -np.inf)
        w = _softmax(s)
        out[idx], wts[idx] = w @ v, w
    return out, wts


# ===========================================================================
# ex06.q1  split_heads
# ===========================================================================
@entry("split_heads", "the reshape trap: reshapes straight to (..., h, n, d) without a transpose")
def q61_direct_reshape(x, n_heads):
    *lead, n, D = x.shape
    return x.reshape(*lead, n_heads, n, D // n_heads)


@entry("split_heads", "reshapes to (..., n, h, d) and stops: forgets to move the head axis in front of the positions")
def q61_no_transpose(x, n_heads):
    *lead, n, D = x.shape
    return x.reshape(*lead, n, n_heads, D // n_heads)


@entry("split_heads", "hard-codes a 4-D transpose (0, 2, 1, 3): right for (B, n, D) input, crashes without a batch axis")
def q61_fixed_4d_transpose(x, n_heads):
    B, n, D = x.shape
    return x.reshape(B, n, n_heads, D // n_heads).transpose(0, 2, 1, 3)


@entry("split_heads", "interleaves the features: head j gets features j, j+h, j+2h, ... instead of a contiguous block")
def q61_strided_heads(x, n_heads):
    *lead, n, D = x.shape
    return np.moveaxis(x.reshape(*lead, n, D // n_heads, n_heads), -1, -3)


@entry("split_heads", "np.split then np.stack on axis 0: puts the head axis first, before the batch axis")
def q61_stack_axis0(x, n_heads):
    return np.stack(np.split(x, n_heads, axis=-1), axis=0)


@entry("split_heads", "np.split along the features and np.stack on axis -3", kind="correct")
def q61_split_stack(x, n_heads):
    return np.stack(np.split(x, n_heads, axis=-1), axis=-3)


@entry("split_heads", "explicit loop over heads filling a preallocated array with slices", kind="correct")
def q61_loop_slices(x, n_heads):
    *lead, n, D = x.shape
    d = D // n_heads
    out = np.empty((*lead, n_heads, n, d), dtype=x.dtype)
    for j in range(n_heads):
        out[..., j, :, :] = x[..., :, j * d:(j + 1) * d]
    return out


# ===========================================================================
# ex06.q2  merge_heads
# ===========================================================================
@entry("merge_heads", "the reshape trap: reshapes (..., h, n, d) straight to (..., n, h*d) without a transpose")
def q62_direct_reshape(x):
    *lead, h, n, d = x.shape
    return x.reshape(*lead, n, h * d)


@entry("merge_heads", "hard-codes transpose(0, 2, 1, 3): only works with exactly one leading axis, crashes otherwise")
def q62_fixed_4d_transpose(x):
    B, h, n, d = x.shape
    return x.transpose(0, 2, 1, 3).reshape(B, n, h * d)


@entry("merge_heads", "concatenates list(x) on the last axis: iterates over the first axis, which is the batch, not the heads")
def q62_concat_first_axis(x):
    return np.concatenate(list(x), axis=-1)


@entry("merge_heads", "sums the heads instead of concatenating them (output width d, not h*d)")
def q62_sum_heads(x):
    return x.sum(axis=-3)


@entry("merge_heads", "interleaves: moves heads to the last axis, so each row is [h0 f0, h1 f0, ..., h0 f1, ...]")
def q62_interleaved(x):
    *lead, h, n, d = x.shape
    return np.moveaxis(x, -3, -1).reshape(*lead, n, d * h)


@entry("merge_heads", "concatenates the heads' slices x[..., j, :, :] along the features", kind="correct")
def q62_concat_slices(x):
    return np.concatenate([x[..., j, :, :] for j in range(x.shape[-3])], axis=-1)


@entry("merge_heads", "einsum into a preallocated (..., n, h, d) layout, then a reshape of the trailing two axes", kind="correct")
def q62_einsum_layout(x):
    y = np.einsum("...hnd->...nhd", x)
    return np.ascontiguousarray(y).reshape(y.shape[:-2] + (y.shape[-2] * y.shape[-1],))


# ===========================================================================
# ex06.q3  multi_head_attention
# ===========================================================================
def _proj(x, params, name):
    y = x @ params["W_" + name]
    b = params.get("b_" + name)
    return y if b is None else y + b


@entry("multi_head_attention", "scales the scores by sqrt(D), the model width, instead of sqrt(d) = sqrt(D/h)")
def q63_scale_model_width(x_q, x_kv, params, n_heads, mask=None):
    D = x_q.shape[-1]
    q = _split_heads(_proj(x_q, params, "q"), n_heads)
    k = _split_heads(_proj(x_kv, params, "k"), n_heads)
    v = _split_heads(_proj(x_kv, params, "v"), n_heads)
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(D)
    m = _head_mask(mask)
    if m is not None:
        s = np.where(m, s, -np.inf)
    w = _softmax(s)
    return _proj(_merge_heads(w @ v), params, "o"), w


@entry("multi_head_attention", "the reshape trap: reshapes the projections straight to (B, h, n, d) and the output straight back")
def q63_reshape_trap(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads
    q = _proj(x_q, params, "q").reshape(B, n_heads, n_q, d)
    k = _proj(x_kv, params, "k").reshape(B, n_heads, n_k, d)
    v = _proj(x_kv, params, "v").reshape(B, n_heads, n_k, d)
    out, w = _attention(q, k, v, _head_mask(mask))
    return _proj(out.reshape(B, n_q, D), params, "o"), w


@entry("multi_head_attention", "forgets the output projection W_o (and b_o) after merging the heads")
def q63_no_output_projection(x_q, x_kv, params, n_heads, mask=None):
    q = _split_heads(_proj(x_q, params, "q"), n_heads)
    k = _split_heads(_proj(x_kv, params, "k"), n_heads)
    v = _split_heads(_proj(x_kv, params, "v"), n_heads)
    out, w = _attention(q, k, v, _head_mask(mask))
    return _merge_heads(out), w


@entry("multi_head_attention", "ignores the biases b_q, b_k, b_v, b_o even when params holds them")
def q63_ignores_biases(x_q, x_kv, params, n_heads, mask=None):
    q = _split_heads(x_q @ params["W_q"], n_heads)
    k = _split_heads(x_kv @ params["W_k"], n_heads)
    v = _split_heads(x_kv @ params["W_v"], n_heads)
    out, w = _attention(q, k, v, _head_mask(mask))
    return _merge_heads(out) @ params["W_o"], w


@entry("multi_head_attention", "passes a batch mask (B, 1, n_k) straight to attention: without a head axis it lines B up with h (crashes unless B == h)")
def q63_batch_mask_no_head_axis(x_q, x_kv, params, n_heads, mask=None):
    q = _split_heads(_proj(x_q, params, "q"), n_heads)
    k = _split_heads(_proj(x_kv, params, "k"), n_heads)
    v = _split_heads(_proj(x_kv, params, "v"), n_heads)
    out, w = _attention(q, k, v, mask)
    return _proj(_merge_heads(out), params, "o"), w


@entry("multi_head_attention", "adds a head axis to every mask (mask[:, None]), which misaligns (or crashes on) the shared (n_q, n_k) and 4-D masks")
def q63_always_insert_head_axis(x_q, x_kv, params, n_heads, mask=None):
    q = _split_heads(_proj(x_q, params, "q"), n_heads)
    k = _split_heads(_proj(x_kv, params, "k"), n_heads)
    v = _split_heads(_proj(x_kv, params, "v"), n_heads)
    if mask is not None:
        mask = np.asarray(mask)[:, None]
    out, w = _attention(q, k, v, mask)
    return _proj(_merge_heads(out), params, "o"), w


@entry("multi_head_attention", "returns the weights averaged over the heads (B, n_q, n_k) instead of every head's")
def q63_weights_head_mean(x_q, x_kv, params, n_heads, mask=None):
    q = _split_heads(_proj(x_q, params, "q"), n_heads)
    k = _split_heads(_proj(x_kv, params, "k"), n_heads)
    v = _split_heads(_proj(x_kv, params, "v"), n_heads)
    out, w = _attention(q, k, v, _head_mask(mask))
    return _proj(_merge_heads(out), params, "o"), w.mean(axis=1)


@entry("multi_head_attention", "self-attention habit: takes keys and values from x_q, ignoring x_kv (a mask over n_k keys then crashes)")
def q63_kv_from_queries(x_q, x_kv, params, n_heads, mask=None):
    q = _split_heads(_proj(x_q, params, "q"), n_heads)
    k = _split_heads(_proj(x_q, params, "k"), n_heads)
    v = _split_heads(_proj(x_q, params, "v"), n_heads)
    out, w = _attention(q, k, v, _head_mask(mask))
    return _proj(_merge_heads(out), params, "o"), w


@entry("multi_head_attention", "per-head weight slices via einsum on W reshaped to (D, h, d); mask padded to 4-D by ndim", kind="correct")
def q63_einsum_per_head_weights(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    h, d = n_heads, D // n_heads
    def proj(x, name):
        y = np.einsum("bnD,Dhd->bhnd", x, params["W_" + name].reshape(D, h, d))
        b = params.get("b_" + name)
        return y if b is None else y + b.reshape(h, 1, d)
    q, k, v = proj(x_q, "q"), proj(x_kv, "k"), proj(x_kv, "v")
    s = np.einsum("bhqd,bhkd->bhqk", q, k) / math.sqrt(d)
    if mask is not None:
        m = np.asarray(mask, dtype=bool)
        if m.ndim == 3:
            m = m[:, None]
        s = np.where(m, s, -np.inf)
    w = _softmax(s)
    o = np.einsum("bhqk,bhkd->bhqd", w, v)
    out = np.einsum("bhqd,hdE->bqE", o, params["W_o"].reshape(h, d, D))
    if params.get("b_o") is not None:
        out = out + params["b_o"]
    return out, w


@entry("multi_head_attention", "loops over the heads on column slices and concatenates the heads' outputs", kind="correct")
def q63_loop_over_heads(x_q, x_kv, params, n_heads, mask=None):
    D = x_q.shape[-1]
    d = D // n_heads
    Q, K, V = _proj(x_q, params, "q"), _proj(x_kv, params, "k"), _proj(x_kv, params, "v")
    m = None
    if mask is not None:
        m = np.asarray(mask)
        if m.ndim == 3:
            m = m[:, None]
        if m.ndim == 2:
            m = m[None, None]
    outs, ws = [], []
    for j in range(n_heads):
        sl = slice(j * d, (j + 1) * d)
        mj = None if m is None else m[:, j if m.shape[1] > 1 else 0]
        o, w = _attention(Q[..., sl], K[..., sl], V[..., sl], mj)
        outs.append(o)
        ws.append(w)
    return _proj(np.concatenate(outs, axis=-1), params, "o"), np.stack(ws, axis=1)


# ===========================================================================
# ex06.q4  mha_reshape_bug (fix in place)
# ===========================================================================
@entry("mha_reshape_bug", "half fix: splits q, k, v properly but still merges with the bare out.reshape(B, n_q, D)")
def q64_fix_split_only(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads
    q = _split_heads(x_q @ params["W_q"], n_heads)
    k = _split_heads(x_kv @ params["W_k"], n_heads)
    v = _split_heads(x_kv @ params["W_v"], n_heads)
    out, weights = _attention(q, k, v, _head_mask(mask))
    return out.reshape(B, n_q, D) @ params["W_o"], weights


@entry("mha_reshape_bug", "half fix: merges with a transpose but leaves the three reshape-only splits")
def q64_fix_merge_only(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads
    q = (x_q @ params["W_q"]).reshape(B, n_heads, n_q, d)
    k = (x_kv @ params["W_k"]).reshape(B, n_heads, n_k, d)
    v = (x_kv @ params["W_v"]).reshape(B, n_heads, n_k, d)
    out, weights = _attention(q, k, v, _head_mask(mask))
    return out.transpose(0, 2, 1, 3).reshape(B, n_q, D) @ params["W_o"], weights


@entry("mha_reshape_bug", "reshapes to (B, n, h, d) and forgets the transpose: attends across heads instead of positions (weights (B, n, h, h); crashes when n_q != n_k)")
def q64_reshape_no_transpose(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads
    q = (x_q @ params["W_q"]).reshape(B, n_q, n_heads, d)
    k = (x_kv @ params["W_k"]).reshape(B, n_k, n_heads, d)
    v = (x_kv @ params["W_v"]).reshape(B, n_k, n_heads, d)
    out, weights = _attention(q, k, v, _head_mask(mask))
    return out.reshape(B, n_q, D) @ params["W_o"], weights


@entry("mha_reshape_bug", "consistent but wrong split: reshape(B, n, d, h) and move h forward, so heads take interleaved features")
def q64_interleaved_heads(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads
    q = (x_q @ params["W_q"]).reshape(B, n_q, d, n_heads).transpose(0, 3, 1, 2)
    k = (x_kv @ params["W_k"]).reshape(B, n_k, d, n_heads).transpose(0, 3, 1, 2)
    v = (x_kv @ params["W_v"]).reshape(B, n_k, d, n_heads).transpose(0, 3, 1, 2)
    out, weights = _attention(q, k, v, _head_mask(mask))
    return out.transpose(0, 2, 3, 1).reshape(B, n_q, D) @ params["W_o"], weights


@entry("mha_reshape_bug", "copies the q line for k and v: reshapes them with n_q, which crashes (or mixes) when n_k != n_q")
def q64_kv_with_nq(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    d = D // n_heads
    q = (x_q @ params["W_q"]).reshape(B, n_q, n_heads, d).transpose(0, 2, 1, 3)
    k = (x_kv @ params["W_k"]).reshape(B, n_q, n_heads, d).transpose(0, 2, 1, 3)
    v = (x_kv @ params["W_v"]).reshape(B, n_q, n_heads, d).transpose(0, 2, 1, 3)
    out, weights = _attention(q, k, v, _head_mask(mask))
    return out.transpose(0, 2, 1, 3).reshape(B, n_q, D) @ params["W_o"], weights


@entry("mha_reshape_bug", "fixes the reshapes but also 'fixes' the weights by averaging over heads")
def q64_fix_and_average_weights(x_q, x_kv, params, n_heads, mask=None):
    q = _split_heads(x_q @ params["W_q"], n_heads)
    k = _split_heads(x_kv @ params["W_k"], n_heads)
    v = _split_heads(x_kv @ params["W_v"], n_heads)
    out, weights = _attention(q, k, v, _head_mask(mask))
    return _merge_heads(out) @ params["W_o"], weights.mean(axis=1)


@entry("mha_reshape_bug", "fix with reshape(B, n, h, d) + np.moveaxis and, for the merge, moveaxis back", kind="correct")
def q64_moveaxis_fix(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads
    q = np.moveaxis((x_q @ params["W_q"]).reshape(B, n_q, n_heads, d), 2, 1)
    k = np.moveaxis((x_kv @ params["W_k"]).reshape(B, n_k, n_heads, d), 2, 1)
    v = np.moveaxis((x_kv @ params["W_v"]).reshape(B, n_k, n_heads, d), 2, 1)
    out, weights = _attention(q, k, v, _head_mask(mask))
    return np.moveaxis(out, 1, 2).reshape(B, n_q, D) @ params["W_o"], weights


@entry("mha_reshape_bug", "folds W_o per head: sums each head's output times its (d, D) slice of W_o instead of merging", kind="correct")
def q64_per_head_output_projection(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    d = D // n_heads
    q = _split_heads(x_q @ params["W_q"], n_heads)
    k = _split_heads(x_kv @ params["W_k"], n_heads)
    v = _split_heads(x_kv @ params["W_v"], n_heads)
    out, weights = _attention(q, k, v, _head_mask(mask))
    W_o = params["W_o"].reshape(n_heads, d, D)
    return np.einsum("bhnd,hdE->bnE", out, W_o), weights


# ===========================================================================
# ex06.q5  grouped_query_attention
# ===========================================================================
def _gqa_core(x_q, x_kv, params, n_heads, n_kv_heads, mask, kv_index, scale_width=None):
    D = x_q.shape[-1]
    d = D // n_heads
    q = _split_heads(_proj(x_q, params, "q"), n_heads)
    k = _split_heads(_proj(x_kv, params, "k"), n_kv_heads)
    v = _split_heads(_proj(x_kv, params, "v"), n_kv_heads)
    k, v = k[:, kv_index], v[:, kv_index]
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d if scale_width is None else scale_width)
    m = _head_mask(mask)
    if m is not None:
        s = np.where(m, s, -np.inf)
    w = _softmax(s)
    return _proj(_merge_heads(w @ v), params, "o"), w


@entry("grouped_query_attention", "np.tile instead of np.repeat: query head i gets KV head i % g, not i // (h/g)")
def q65_tile_not_repeat(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    D = x_q.shape[-1]
    q = _split_heads(_proj(x_q, params, "q"), n_heads)
    k = _split_heads(_proj(x_kv, params, "k"), n_kv_heads)
    v = _split_heads(_proj(x_kv, params, "v"), n_kv_heads)
    k = np.tile(k, (1, n_heads // n_kv_heads, 1, 1))
    v = np.tile(v, (1, n_heads // n_kv_heads, 1, 1))
    out, w = _attention(q, k, v, _head_mask(mask))
    return _proj(_merge_heads(out), params, "o"), w


@entry("grouped_query_attention", "scales by sqrt of the KV projection's width per KV head computed as D / g instead of d = D / h")
def q65_scale_D_over_g(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    idx = np.arange(n_heads) // (n_heads // n_kv_heads)
    return _gqa_core(x_q, x_kv, params, n_heads, n_kv_heads, mask, idx,
                     scale_width=x_q.shape[-1] // n_kv_heads)


@entry("grouped_query_attention", "returns the weights per KV group (B, g, n_q, n_k), averaging the query heads that share a KV head")
def q65_weights_per_group(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    idx = np.arange(n_heads) // (n_heads // n_kv_heads)
    out, w = _gqa_core(x_q, x_kv, params, n_heads, n_kv_heads, mask, idx)
    B, h, nq, nk = w.shape
    return out, w.reshape(B, n_kv_heads, h // n_kv_heads, nq, nk).mean(axis=2)


@entry("grouped_query_attention", "forgets the biases of the narrower K/V projections (adds only b_q and b_o)")
def q65_no_kv_bias(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    q = _split_heads(_proj(x_q, params, "q"), n_heads)
    k = _split_heads(x_kv @ params["W_k"], n_kv_heads)
    v = _split_heads(x_kv @ params["W_v"], n_kv_heads)
    r = n_heads // n_kv_heads
    out, w = _attention(q, np.repeat(k, r, axis=1), np.repeat(v, r, axis=1), _head_mask(mask))
    return _proj(_merge_heads(out), params, "o"), w


@entry("grouped_query_attention", "maps query head i to KV head i // g (divides by the number of KV heads, not the group size h/g)")
def q65_index_div_g(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    idx = np.minimum(np.arange(n_heads) // n_kv_heads, n_kv_heads - 1)
    return _gqa_core(x_q, x_kv, params, n_heads, n_kv_heads, mask, idx)


@entry("grouped_query_attention", "passes a batch mask (B, 1, n_k) to the scores without a head axis (crashes unless B == h, misaligned otherwise)")
def q65_batch_mask_no_head_axis(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    q = _split_heads(_proj(x_q, params, "q"), n_heads)
    k = _split_heads(_proj(x_kv, params, "k"), n_kv_heads)
    v = _split_heads(_proj(x_kv, params, "v"), n_kv_heads)
    r = n_heads // n_kv_heads
    out, w = _attention(q, np.repeat(k, r, axis=1), np.repeat(v, r, axis=1), mask)
    return _proj(_merge_heads(out), params, "o"), w


@entry("grouped_query_attention", "no copies of K/V: groups the queries as (B, g, h/g, n, d) and broadcasts against (B, g, 1, n, d)", kind="correct")
def q65_grouped_broadcast(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k = x_kv.shape[1]
    h, g = n_heads, n_kv_heads
    r, d = h // g, D // h
    q = _split_heads(_proj(x_q, params, "q"), h).reshape(B, g, r, n_q, d)
    k = _split_heads(_proj(x_kv, params, "k"), g)[:, :, None]
    v = _split_heads(_proj(x_kv, params, "v"), g)[:, :, None]
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)            # (B, g, r, n_q, n_k)
    if mask is not None:
        m = np.asarray(mask, dtype=bool)
        if m.ndim == 3:
            m = m[:, None]
        if m.ndim == 4:
            if m.shape[1] == 1:
                m = m[:, :, None]
            else:
                m = m.reshape(m.shape[0], g, r, m.shape[2], m.shape[3])
        s = np.where(m, s, -np.inf)
    w = _softmax(s)
    o = (w @ v).reshape(B, h, n_q, d)
    return _proj(_merge_heads(o), params, "o"), w.reshape(B, h, n_q, n_k)


@entry("grouped_query_attention", "KV head of query head i computed as (i * g) // h, then gathered with fancy indexing", kind="correct")
def q65_index_formula(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    idx = (np.arange(n_heads) * n_kv_heads) // n_heads
    return _gqa_core(x_q, x_kv, params, n_heads, n_kv_heads, mask, idx)


# ===========================================================================
# ex06.q6  kv_cache_per_token
# ===========================================================================
@entry("kv_cache_per_token", "uses the 64 query heads instead of the 8 key/value heads")
def q66_query_heads():
    return 2 * 80 * 64 * 128 * 2


@entry("kv_cache_per_token", "forgets that both keys and values are cached (no factor 2 for K and V)")
def q66_keys_only():
    return 80 * 8 * 128 * 2


@entry("kv_cache_per_token", "counts 4 bytes per number (float32) although the cache is float16")
def q66_four_bytes():
    return 2 * 80 * 8 * 128 * 4


@entry("kv_cache_per_token", "forgets the 80 layers: gives one layer's cache")
def q66_one_layer():
    return 2 * 8 * 128 * 2


@entry("kv_cache_per_token", "answers in kibibytes (320) instead of bytes")
def q66_kib():
    return 2 * 80 * 8 * 128 * 2 / 1024


@entry("kv_cache_per_token", "the number as a float", kind="correct")
def q66_float():
    return 2.0 * 80 * 8 * 128 * 2


@entry("kv_cache_per_token", "computed with numpy as an np.int64 (layers x KV heads x width x K,V x bytes)", kind="correct")
def q66_numpy_int():
    return np.prod(np.array([80, 8, 128, 2, 2], dtype=np.int64))


# ===========================================================================
# ex07.q1  softmax_backward
# ===========================================================================
@entry("softmax_backward", "keeps only the Jacobian's diagonal: ds = p (1 - p) dp, forgetting the -p p^T cross terms")
def q71_diagonal_only(p, dp):
    return p * (1 - p) * dp


@entry("softmax_backward", "subtracts sum(dp) instead of the p-weighted sum(p * dp)")
def q71_unweighted_sum(p, dp):
    return p * (dp - dp.sum(axis=-1, keepdims=True))


@entry("softmax_backward", "forgets the leading factor p: ds = dp - sum(p dp), nonzero where p is 0")
def q71_missing_p_factor(p, dp):
    return dp - np.sum(p * dp, axis=-1, keepdims=True)


@entry("softmax_backward", "sum without keepdims: the row sums broadcast along the wrong axis, and it crashes when rows != n")
def q71_no_keepdims(p, dp):
    return p * (dp - np.sum(p * dp, axis=-1))


@entry("softmax_backward", "sign flipped: p * (sum(p dp) - dp)")
def q71_sign_flip(p, dp):
    return p * (np.sum(p * dp, axis=-1, keepdims=True) - dp)


@entry("softmax_backward", "uses the mean of p*dp over the row instead of its sum")
def q71_mean_not_sum(p, dp):
    return p * (dp - np.mean(p * dp, axis=-1, keepdims=True))


@entry("softmax_backward", "expanded form p*dp - p*<p, dp>, the inner product by einsum", kind="correct")
def q71_einsum_expanded(p, dp):
    inner = np.einsum("...i,...i->...", p, dp)[..., None]
    return p * dp - p * inner


@entry("softmax_backward", "flattens the leading axes, loops over rows, and forces exact zeros where p == 0", kind="correct")
def q71_row_loop(p, dp):
    p2 = np.asarray(p, dtype=np.float64).reshape(-1, p.shape[-1])
    g2 = np.asarray(dp, dtype=np.float64).reshape(-1, p.shape[-1])
    out = np.empty_like(p2)
    for r in range(p2.shape[0]):
        out[r] = p2[r] * (g2[r] - p2[r] @ g2[r])
    out[p2 == 0] = 0.0
    return out.reshape(p.shape)


# ===========================================================================
# ex07.q2  numerical_gradient
# ===========================================================================
@entry("numerical_gradient", "one-sided (forward) differences (f(x+eps) - f(x)) / eps: error ~eps, far above 1e-8")
def q72_forward_difference(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float64)
    g = np.zeros_like(x)
    f0 = f(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        g[i] = (f(x) - f0) / eps
        x[i] = old
    return g


@entry("numerical_gradient", "divides the central difference by eps instead of 2 eps (gradient twice too big)")
def q72_divide_by_eps(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float64)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        fp = f(x)
        x[i] = old - eps
        fm = f(x)
        x[i] = old
        g[i] = (fp - fm) / eps
    return g


@entry("numerical_gradient", "copies x with x.copy(), keeping an integer dtype: x + eps rounds back, every difference is 0")
def q72_keeps_int_dtype(f, x, eps=1e-6):
    x = np.asarray(x).copy()
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


@entry("numerical_gradient", "works on the caller's x in place and never restores the entry after the minus step")
def q72_in_place_no_restore(f, x, eps=1e-6):
    g = np.zeros(np.shape(x))
    for i in np.ndindex(np.shape(x)):
        x[i] += eps
        fp = f(x)
        x[i] -= 2 * eps
        fm = f(x)
        g[i] = (fp - fm) / (2 * eps)
    return g


@entry("numerical_gradient", "loops for i in range(len(x)) and perturbs x[i]: for a matrix that moves a whole row at once")
def q72_rows_not_entries(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float64)
    g = np.zeros_like(x)
    for i in range(len(x)):
        old = x[i].copy()
        x[i] = old + eps
        fp = f(x)
        x[i] = old - eps
        fm = f(x)
        x[i] = old
        g[i] = (fp - fm) / (2 * eps)
    return g


@entry("numerical_gradient", "takes the private copy in float32, so the differences drown in rounding error")
def q72_float32_copy(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float32)
    g = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + np.float32(eps)
        fp = f(x)
        x[i] = old - np.float32(eps)
        fm = f(x)
        x[i] = old
        g[i] = (fp - fm) / (2 * eps)
    return g


@entry("numerical_gradient", "returns the gradient flattened to 1-D instead of in x's shape")
def q72_returns_flat(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float64)
    flat = x.reshape(-1)
    g = np.zeros(flat.size)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        fp = f(x)
        flat[i] = old - eps
        fm = f(x)
        flat[i] = old
        g[i] = (fp - fm) / (2 * eps)
    return g


@entry("numerical_gradient", "builds each basis direction e_i as its own array and never writes into x at all", kind="correct")
def q72_basis_arrays(f, x, eps=1e-6):
    x0 = np.array(x, dtype=np.float64)
    g = np.empty(x0.shape)
    for i in range(x0.size):
        e = np.zeros(x0.size)
        e[i] = eps
        e = e.reshape(x0.shape)
        g.flat[i] = (f(x0 + e) - f(x0 - e)) / (2.0 * eps)
    return g


@entry("numerical_gradient", "walks the entries with np.nditer(readwrite) on a float64 copy and restores each one", kind="correct")
def q72_nditer(f, x, eps=1e-6):
    xc = np.array(x, dtype=np.float64, copy=True)
    g = np.zeros_like(xc)
    it = np.nditer(xc, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        i = it.multi_index
        old = float(xc[i])
        xc[i] = old + eps
        fp = f(xc)
        xc[i] = old - eps
        fm = f(xc)
        xc[i] = old
        g[i] = (fp - fm) / (2 * eps)
        it.iternext()
    return g


# ===========================================================================
# ex07.q3  attention_backward
# ===========================================================================
def _fwd_P(q, k, mask, fill=-np.inf, safe=True):
    d = q.shape[-1]
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)
    if mask is not None:
        s = np.where(mask, s, fill)
    if safe:
        return _softmax(s)
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@entry("attention_backward", "forgets the 1/sqrt(d) of the scores in dq and dk")
def q73_no_scale_in_grads(q, k, v, d_out, mask=None):
    P = _fwd_P(q, k, mask)
    dv = np.swapaxes(P, -1, -2) @ d_out
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return dS @ k, np.swapaxes(dS, -1, -2) @ q, dv


@entry("attention_backward", "scales dq by 1/sqrt(d) but forgets it in dk")
def q73_dk_unscaled(q, k, v, d_out, mask=None):
    d = q.shape[-1]
    P = _fwd_P(q, k, mask)
    dv = np.swapaxes(P, -1, -2) @ d_out
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return dS @ k / np.sqrt(d), np.swapaxes(dS, -1, -2) @ q, dv


@entry("attention_backward", "recomputes P without the mask in the backward pass (the forward masked, the backward not)")
def q73_backward_ignores_mask(q, k, v, d_out, mask=None):
    d = q.shape[-1]
    P = _fwd_P(q, k, None)
    dv = np.swapaxes(P, -1, -2) @ d_out
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return dS @ k / np.sqrt(d), np.swapaxes(dS, -1, -2) @ q / np.sqrt(d), dv


@entry("attention_backward", "softmax backward with the diagonal only: dS = P (1 - P) dP")
def q73_diagonal_softmax_grad(q, k, v, d_out, mask=None):
    d = q.shape[-1]
    P = _fwd_P(q, k, mask)
    dv = np.swapaxes(P, -1, -2) @ d_out
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * (1 - P) * dP
    return dS @ k / np.sqrt(d), np.swapaxes(dS, -1, -2) @ q / np.sqrt(d), dv


@entry("attention_backward", "dk = dS^T k instead of dS^T q (the keys in their own gradient); crashes when n_q != n_k")
def q73_dk_uses_k(q, k, v, d_out, mask=None):
    d = q.shape[-1]
    P = _fwd_P(q, k, mask)
    dv = np.swapaxes(P, -1, -2) @ d_out
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return dS @ k / np.sqrt(d), np.swapaxes(dS, -1, -2) @ k / np.sqrt(d), dv


@entry("attention_backward", "textbook softmax on -inf-filled scores: a query with every key blocked gets NaN gradients, not 0")
def q73_nan_on_all_blocked(q, k, v, d_out, mask=None):
    d = q.shape[-1]
    P = _fwd_P(q, k, mask, safe=False)
    dv = np.swapaxes(P, -1, -2) @ d_out
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return dS @ k / np.sqrt(d), np.swapaxes(dS, -1, -2) @ q / np.sqrt(d), dv


@entry("attention_backward", "masks with -1e9: a query with every key blocked attends uniformly and gets nonzero gradients")
def q73_big_negative_fill(q, k, v, d_out, mask=None):
    d = q.shape[-1]
    P = _fwd_P(q, k, mask, fill=-1e9, safe=False)
    dv = np.swapaxes(P, -1, -2) @ d_out
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return dS @ k / np.sqrt(d), np.swapaxes(dS, -1, -2) @ q / np.sqrt(d), dv


@entry("attention_backward", "dv = P @ d_out without transposing P: wrong numbers when n_q == n_k, crashes when they differ")
def q73_dv_no_transpose(q, k, v, d_out, mask=None):
    d = q.shape[-1]
    P = _fwd_P(q, k, mask)
    dv = P @ d_out
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return dS @ k / np.sqrt(d), np.swapaxes(dS, -1, -2) @ q / np.sqrt(d), dv


@entry("attention_backward", "all einsum; scale folded into q first, and the chain rule applied to the scaled q at the end", kind="correct")
def q73_einsum_scaled_q(q, k, v, d_out, mask=None):
    c = 1.0 / math.sqrt(q.shape[-1])
    qs = q * c
    s = np.einsum("...id,...jd->...ij", qs, k)
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    P = _softmax(s)
    dv = np.einsum("...ij,...io->...jo", P, d_out)
    dP = np.einsum("...io,...jo->...ij", d_out, v)
    dS = P * dP - P * np.einsum("...ij,...ij->...i", P, dP)[..., None]
    dqs = np.einsum("...ij,...jd->...id", dS, k)
    dk = np.einsum("...ij,...id->...jd", dS, qs)
    return dqs * c, dk, dv


@entry("attention_backward", "goes through the output: dS from dO V^T - rowsum(dO * O), the FlashAttention identity", kind="correct")
def q73_flash_identity(q, k, v, d_out, mask=None):
    d = q.shape[-1]
    P = _fwd_P(q, k, mask)
    O = P @ v
    Dq = np.sum(d_out * O, axis=-1, keepdims=True)       # = rowsum(P * dP)
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * (dP - Dq)
    dq = dS @ k / np.sqrt(d)
    dk = np.swapaxes(dS, -1, -2) @ q / np.sqrt(d)
    dv = np.swapaxes(P, -1, -2) @ d_out
    return dq, dk, dv


# ===========================================================================
# ex07.q4  backward_mask_bug (fix in place)
# ===========================================================================
@entry("backward_mask_bug", "half fix: fills blocked scores with -inf but keeps the textbook softmax, so an all-blocked query gets NaN")
def q74_inf_fill_nan_rows(q, k, v, d_out, mask=None):
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


@entry("backward_mask_bug", "fills blocked scores with -1e9: fine while a query sees a key, but an all-blocked query averages every value")
def q74_big_negative_fill(q, k, v, d_out, mask=None):
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


@entry("backward_mask_bug", "zeroes the blocked weights after the softmax (P * mask) without renormalising the rows")
def q74_zero_after_softmax(q, k, v, d_out, mask=None):
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


@entry("backward_mask_bug", "masks only the score gradient dS (blocked entries set to 0), P itself stays unmasked")
def q74_mask_ds_only(q, k, v, d_out, mask=None):
    d = q.shape[-1]
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)
    P = np.exp(s - s.max(axis=-1, keepdims=True))
    P = P / P.sum(axis=-1, keepdims=True)
    dv = np.swapaxes(P, -1, -2) @ d_out
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    if mask is not None:
        dS = np.where(mask, dS, 0.0)
    return dS @ k / np.sqrt(d), np.swapaxes(dS, -1, -2) @ q / np.sqrt(d), dv


@entry("backward_mask_bug", "mask polarity reversed: puts -inf where the mask is True (True read as 'blocked')")
def q74_mask_polarity(q, k, v, d_out, mask=None):
    d = q.shape[-1]
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)
    if mask is not None:
        s = np.where(mask, -np.inf, s)
    P = _softmax(s)
    dv = np.swapaxes(P, -1, -2) @ d_out
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return dS @ k / np.sqrt(d), np.swapaxes(dS, -1, -2) @ q / np.sqrt(d), dv


@entry("backward_mask_bug", "multiplies the scores by the mask (blocked scores become 0 rather than -inf)")
def q74_scores_times_mask(q, k, v, d_out, mask=None):
    d = q.shape[-1]
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)
    if mask is not None:
        s = s * mask
    P = np.exp(s - s.max(axis=-1, keepdims=True))
    P = P / P.sum(axis=-1, keepdims=True)
    dv = np.swapaxes(P, -1, -2) @ d_out
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return dS @ k / np.sqrt(d), np.swapaxes(dS, -1, -2) @ q / np.sqrt(d), dv


@entry("backward_mask_bug", "masks P and renormalises it after the softmax, with a guard giving all-blocked rows zeros", kind="correct")
def q74_renormalise_after(q, k, v, d_out, mask=None):
    d = q.shape[-1]
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)
    P = np.exp(s - s.max(axis=-1, keepdims=True))
    if mask is not None:
        P = P * mask
    Z = P.sum(axis=-1, keepdims=True)
    P = np.divide(P, Z, out=np.zeros_like(P), where=Z > 0)
    dv = np.swapaxes(P, -1, -2) @ d_out
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return dS @ k / np.sqrt(d), np.swapaxes(dS, -1, -2) @ q / np.sqrt(d), dv


@entry("backward_mask_bug", "-inf fill with a max that is replaced by 0 on all-blocked rows and a where-guarded division", kind="correct")
def q74_safe_max(q, k, v, d_out, mask=None):
    d = q.shape[-1]
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    mx = s.max(axis=-1, keepdims=True)
    mx[~np.isfinite(mx)] = 0.0
    P = np.exp(s - mx)
    Z = P.sum(axis=-1, keepdims=True)
    P = P / np.where(Z == 0, 1.0, Z)
    dv = np.swapaxes(P, -1, -2) @ d_out
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return dS @ k / np.sqrt(d), np.swapaxes(dS, -1, -2) @ q / np.sqrt(d), dv


# ===========================================================================
# ex08.q1  online_softmax
# ===========================================================================
@entry("online_softmax", "never rescales the running sum when the max grows: l += exp(x_j - m_new)")
def q81_no_rescale(x, axis=-1):
    x = np.moveaxis(np.asarray(x, dtype=np.float64), axis, 0)
    m = np.full(x.shape[1:], -np.inf)
    l = np.zeros(x.shape[1:])
    for xj in x:
        m_new = np.maximum(m, xj)
        with np.errstate(invalid="ignore"):
            l = l + np.where(np.isneginf(xj), 0.0, np.exp(xj - m_new))
        m = m_new
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(l > 0, np.exp(x - np.where(np.isneginf(m), 0, m)) / np.where(l > 0, l, 1), 0.0)
    return np.moveaxis(out, 0, axis)


@entry("online_softmax", "rescales with exp(m_new - m), the factor upside down")
def q81_inverted_factor(x, axis=-1):
    x = np.moveaxis(np.asarray(x, dtype=np.float64), axis, 0)
    m = np.full(x.shape[1:], -np.inf)
    l = np.zeros(x.shape[1:])
    for xj in x:
        m_new = np.maximum(m, xj)
        with np.errstate(invalid="ignore", over="ignore"):
            a = np.where(np.isneginf(m), 0.0, np.exp(m_new - m))
            l = l * a + np.where(np.isneginf(xj), 0.0, np.exp(xj - m_new))
        m = m_new
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(l > 0, np.exp(x - np.where(np.isneginf(m), 0, m)) / np.where(l > 0, l, 1), 0.0)
    return np.moveaxis(out, 0, axis)


@entry("online_softmax", "updates m before computing the factor, so exp(m - m_new) is always exp(0) = 1")
def q81_update_order(x, axis=-1):
    x = np.moveaxis(np.asarray(x, dtype=np.float64), axis, 0)
    m = np.full(x.shape[1:], -np.inf)
    l = np.zeros(x.shape[1:])
    for xj in x:
        m = np.maximum(m, xj)
        m_new = m
        with np.errstate(invalid="ignore"):
            alpha = np.where(np.isneginf(m), 0.0, np.exp(m - m_new))
            l = l * alpha + np.where(np.isneginf(xj), 0.0, np.exp(xj - m_new))
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(l > 0, np.exp(x - np.where(np.isneginf(m), 0, m)) / np.where(l > 0, l, 1), 0.0)
    return np.moveaxis(out, 0, axis)


@entry("online_softmax", "textbook recurrence with no guard: a slice that is all -inf gives NaN instead of zeros")
def q81_nan_on_all_inf(x, axis=-1):
    x = np.moveaxis(np.asarray(x, dtype=np.float64), axis, 0)
    m = np.full(x.shape[1:], -np.inf)
    l = np.zeros(x.shape[1:])
    with np.errstate(invalid="ignore"):
        for xj in x:
            m_new = np.maximum(m, xj)
            l = l * np.exp(m - m_new) + np.exp(xj - m_new)
            m = m_new
        out = np.exp(x - m) / l
    return np.moveaxis(out, 0, axis)


@entry("online_softmax", "always loops over the last axis, ignoring the axis argument")
def q81_ignores_axis(x, axis=-1):
    x = np.asarray(x, dtype=np.float64)
    m = np.full(x.shape[:-1] + (1,), -np.inf)
    l = np.zeros(x.shape[:-1] + (1,))
    for j in range(x.shape[-1]):
        xj = x[..., j:j + 1]
        m_new = np.maximum(m, xj)
        m_safe = np.where(np.isneginf(m_new), 0.0, m_new)
        l = l * np.exp(m - m_safe) + np.exp(xj - m_safe)
        m = m_new
    m_safe = np.where(np.isneginf(m), 0.0, m)
    return np.where(l > 0, np.exp(x - m_safe) / np.where(l > 0, l, 1), 0.0)


@entry("online_softmax", "starts the running max at 0 instead of -inf: very negative slices underflow to 0/0")
def q81_start_max_zero(x, axis=-1):
    x = np.moveaxis(np.asarray(x, dtype=np.float64), axis, 0)
    m = np.zeros(x.shape[1:])
    l = np.zeros(x.shape[1:])
    for xj in x:
        m_new = np.maximum(m, xj)
        l = l * np.exp(m - m_new) + np.exp(xj - m_new)
        m = m_new
    with np.errstate(invalid="ignore"):
        out = np.exp(x - m) / l
    return np.moveaxis(out, 0, axis)


@entry("online_softmax", "one pass of np.logaddexp keeps the running log-normaliser m + log(l) in a single array", kind="correct")
def q81_logaddexp(x, axis=-1):
    x = np.moveaxis(np.asarray(x, dtype=np.float64), axis, 0)
    lse = np.full(x.shape[1:], -np.inf)
    for xj in x:
        lse = np.logaddexp(lse, xj)
    safe = np.where(np.isneginf(lse), 0.0, lse)
    out = np.where(np.isneginf(lse), 0.0, np.exp(x - safe))
    return np.moveaxis(out, 0, axis)


@entry("online_softmax", "indexes the positions with np.take and keepdims shapes; guards -inf with a finite stand-in for m", kind="correct")
def q81_take_keepdims(x, axis=-1):
    x = np.asarray(x, dtype=np.float64)
    ax = axis % x.ndim
    shp = list(x.shape)
    shp[ax] = 1
    m = np.full(shp, -np.inf)
    l = np.zeros(shp)
    for j in range(x.shape[ax]):
        xj = np.take(x, [j], axis=ax)
        m_new = np.maximum(m, xj)
        ref = np.where(np.isfinite(m_new), m_new, 0.0)
        l = l * np.exp(m - ref) + np.exp(xj - ref)
        m = m_new
    ref = np.where(np.isfinite(m), m, 0.0)
    e = np.exp(x - ref)
    return e / np.where(l == 0, 1.0, l)


# ===========================================================================
# ex08.q2  kv_cache_bytes
# ===========================================================================
@entry("kv_cache_bytes", "counts only the keys (or only the values): no factor 2")
def q82_no_factor_two(n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element=2, batch=1):
    return n_layers * n_kv_heads * d_head * n_tokens * bytes_per_element * batch


@entry("kv_cache_bytes", "forgets the batch: one sequence's cache")
def q82_no_batch(n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element=2, batch=1):
    return 2 * n_layers * n_kv_heads * d_head * n_tokens * bytes_per_element


@entry("kv_cache_bytes", "hard-codes 2 bytes (float16) and ignores bytes_per_element")
def q82_hardcoded_fp16(n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element=2, batch=1):
    return 2 * n_layers * n_kv_heads * d_head * n_tokens * 2 * batch


@entry("kv_cache_bytes", "returns gibibytes (a float) instead of a whole number of bytes")
def q82_gib(n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element=2, batch=1):
    return 2 * n_layers * n_kv_heads * d_head * n_tokens * bytes_per_element * batch / 2**30


@entry("kv_cache_bytes", "math.prod over the factors", kind="correct")
def q82_math_prod(n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element=2, batch=1):
    return math.prod([2, n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element, batch])


@entry("kv_cache_bytes", "per-token bytes first, then times tokens and batch, returned as a numpy int64", kind="correct")
def q82_numpy_int(n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element=2, batch=1):
    per_token = np.int64(n_layers) * n_kv_heads * d_head * 2 * bytes_per_element
    return per_token * n_tokens * batch


# ===========================================================================
# ex08.q3  flash_block_update
# ===========================================================================
@entry("flash_block_update", "rescales with exp(m' - m) instead of exp(m - m')")
def q83_alpha_inverted(m, l, acc, scores_block, v_block):
    m_new = np.maximum(m, scores_block.max(axis=-1, keepdims=True))
    ref = np.where(np.isneginf(m_new), 0.0, m_new)
    with np.errstate(invalid="ignore", over="ignore"):
        alpha = np.where(np.isneginf(m), 0.0, np.exp(m_new - m))
    P = np.exp(scores_block - ref)
    return m_new, alpha * l + P.sum(axis=-1, keepdims=True), alpha * acc + P @ v_block


@entry("flash_block_update", "rescales l but forgets to rescale acc: acc' = acc + P V")
def q83_acc_not_rescaled(m, l, acc, scores_block, v_block):
    m_new = np.maximum(m, scores_block.max(axis=-1, keepdims=True))
    ref = np.where(np.isneginf(m_new), 0.0, m_new)
    alpha = np.exp(m - ref)
    P = np.exp(scores_block - ref)
    return m_new, alpha * l + P.sum(axis=-1, keepdims=True), acc + P @ v_block


@entry("flash_block_update", "rescales acc but forgets to rescale l: l' = l + sum P")
def q83_l_not_rescaled(m, l, acc, scores_block, v_block):
    m_new = np.maximum(m, scores_block.max(axis=-1, keepdims=True))
    ref = np.where(np.isneginf(m_new), 0.0, m_new)
    alpha = np.exp(m - ref)
    P = np.exp(scores_block - ref)
    return m_new, l + P.sum(axis=-1, keepdims=True), alpha * acc + P @ v_block


@entry("flash_block_update", "normalises the accumulator in every tile (acc' / l') although the division belongs after the last tile")
def q83_divides_by_l(m, l, acc, scores_block, v_block):
    m_new = np.maximum(m, scores_block.max(axis=-1, keepdims=True))
    ref = np.where(np.isneginf(m_new), 0.0, m_new)
    alpha = np.exp(m - ref)
    P = np.exp(scores_block - ref)
    l_new = alpha * l + P.sum(axis=-1, keepdims=True)
    acc_new = alpha * acc + P @ v_block
    return m_new, l_new, np.divide(acc_new, l_new, out=np.zeros_like(acc_new), where=l_new > 0)


@entry("flash_block_update", "updates the state in place (m[...] =, l *=, acc *=), changing the caller's arrays")
def q83_in_place(m, l, acc, scores_block, v_block):
    m_new = np.maximum(m, scores_block.max(axis=-1, keepdims=True))
    ref = np.where(np.isneginf(m_new), 0.0, m_new)
    alpha = np.exp(m - ref)
    P = np.exp(scores_block - ref)
    l *= alpha
    l += P.sum(axis=-1, keepdims=True)
    acc *= alpha
    acc += P @ v_block
    m[...] = m_new
    return m, l, acc


@entry("flash_block_update", "formula as written, no guard: before the first tile, a query with every key blocked gets NaN state")
def q83_no_guard_nan(m, l, acc, scores_block, v_block):
    with np.errstate(invalid="ignore"):
        m_new = np.maximum(m, scores_block.max(axis=-1, keepdims=True))
        alpha = np.exp(m - m_new)
        P = np.exp(scores_block - m_new)
        return m_new, alpha * l + P.sum(axis=-1, keepdims=True), alpha * acc + P @ v_block


@entry("flash_block_update", "takes P = exp(S - m) with the old max, then rescales as if P were relative to m'")
def q83_p_with_old_max(m, l, acc, scores_block, v_block):
    m_new = np.maximum(m, scores_block.max(axis=-1, keepdims=True))
    ref_new = np.where(np.isneginf(m_new), 0.0, m_new)
    ref_old = np.where(np.isneginf(m), ref_new, m)
    alpha = np.exp(m - ref_new)
    P = np.exp(scores_block - ref_old)
    return m_new, alpha * l + P.sum(axis=-1, keepdims=True), alpha * acc + P @ v_block


@entry("flash_block_update", "guards with np.isfinite on the new max and computes P V with einsum", kind="correct")
def q83_einsum_isfinite(m, l, acc, scores_block, v_block):
    m_new = np.maximum(m, np.max(scores_block, axis=-1, keepdims=True))
    ref = np.where(np.isfinite(m_new), m_new, 0.0)
    alpha = np.exp(m - ref)
    P = np.exp(scores_block - ref)
    l_new = alpha * l + np.sum(P, axis=-1, keepdims=True)
    acc_new = alpha * acc + np.einsum("...qk,...kv->...qv", P, v_block)
    return m_new.copy(), l_new, acc_new


@entry("flash_block_update", "silences the NaNs with errstate and repairs them: alpha and P set to 0 wherever they came out NaN", kind="correct")
def q83_nan_repair(m, l, acc, scores_block, v_block):
    with np.errstate(invalid="ignore"):
        m_new = np.maximum(m, scores_block.max(axis=-1, keepdims=True))
        alpha = np.nan_to_num(np.exp(m - m_new), nan=0.0)
        P = np.nan_to_num(np.exp(scores_block - m_new), nan=0.0)
    l_new = alpha * l + P.sum(axis=-1, keepdims=True)
    acc_new = alpha * acc + P @ v_block
    return m_new, l_new, acc_new


# ===========================================================================
# ex08.q4  decode_step
# ===========================================================================
@entry("decode_step", "never masks: fine for one new token, but with several new tokens the early ones see later ones")
def q84_no_mask(q_new, k_cache, v_cache, k_new, v_new):
    k_all = np.concatenate([k_cache, k_new], axis=-2)
    v_all = np.concatenate([v_cache, v_new], axis=-2)
    out, _ = _attention(q_new, k_all, v_all)
    return out, k_all, v_all


@entry("decode_step", "causal mask aligned top-left (np.tril of n_q x n_k): new query i only sees keys 0..i of the cache")
def q84_mask_top_left(q_new, k_cache, v_cache, k_new, v_new):
    k_all = np.concatenate([k_cache, k_new], axis=-2)
    v_all = np.concatenate([v_cache, v_new], axis=-2)
    n_q, n_k = q_new.shape[-2], k_all.shape[-2]
    mask = np.tril(np.ones((n_q, n_k), dtype=bool))
    out, _ = _attention(q_new, k_all, v_all, mask)
    return out, k_all, v_all


@entry("decode_step", "appends along axis 0 (the first axis) instead of the sequence axis -2: right only without leading axes, crashes or is wrong with them")
def q84_concat_axis0(q_new, k_cache, v_cache, k_new, v_new):
    k_all = np.concatenate([k_cache, k_new], axis=0)
    v_all = np.concatenate([v_cache, v_new], axis=0)
    n_q = q_new.shape[-2]
    n_k = k_all.shape[-2]
    out, _ = _attention(q_new, k_all, v_all, _causal_mask(n_q, n_k) if n_q > 1 else None)
    return out, k_all, v_all


@entry("decode_step", "puts the new tokens in front of the cache: attention looks the same for one token, but the cache order is wrong")
def q84_prepend_new(q_new, k_cache, v_cache, k_new, v_new):
    k_all = np.concatenate([k_new, k_cache], axis=-2)
    v_all = np.concatenate([v_new, v_cache], axis=-2)
    n_q, n_k = q_new.shape[-2], k_all.shape[-2]
    out, _ = _attention(q_new, k_all, v_all, _causal_mask(n_q, n_k) if n_q > 1 else None)
    return out, k_all, v_all


@entry("decode_step", "attends to the old cache first and appends afterwards: the new tokens never see themselves")
def q84_attend_before_append(q_new, k_cache, v_cache, k_new, v_new):
    if k_cache.shape[-2] == 0:
        out = np.zeros(q_new.shape[:-1] + (v_new.shape[-1],))
    else:
        out, _ = _attention(q_new, k_cache, v_cache)
    return out, np.concatenate([k_cache, k_new], axis=-2), np.concatenate([v_cache, v_new], axis=-2)


@entry("decode_step", "strict mask j < n_past + i: each new query is hidden from its own key")
def q84_strict_mask(q_new, k_cache, v_cache, k_new, v_new):
    k_all = np.concatenate([k_cache, k_new], axis=-2)
    v_all = np.concatenate([v_cache, v_new], axis=-2)
    n_past, n_q = k_cache.shape[-2], q_new.shape[-2]
    mask = np.arange(n_past + n_q)[None, :] < (n_past + np.arange(n_q))[:, None]
    out, _ = _attention(q_new, k_all, v_all, mask)
    return out, k_all, v_all


@entry("decode_step", "returns the caches it was given instead of the grown ones")
def q84_returns_old_caches(q_new, k_cache, v_cache, k_new, v_new):
    k_all = np.concatenate([k_cache, k_new], axis=-2)
    v_all = np.concatenate([v_cache, v_new], axis=-2)
    n_q, n_k = q_new.shape[-2], k_all.shape[-2]
    out, _ = _attention(q_new, k_all, v_all, _causal_mask(n_q, n_k))
    return out, k_cache, v_cache


@entry("decode_step", "np.append on axis -2 and a mask built from positions (key pos <= query pos) always, even for one token", kind="correct")
def q84_append_positions(q_new, k_cache, v_cache, k_new, v_new):
    k_all = np.append(k_cache, k_new, axis=-2)
    v_all = np.append(v_cache, v_new, axis=-2)
    n_past, n_q = k_cache.shape[-2], q_new.shape[-2]
    q_pos = n_past + np.arange(n_q)
    k_pos = np.arange(n_past + n_q)
    mask = k_pos[None, :] <= q_pos[:, None]
    out, _ = _attention(q_new, k_all, v_all, mask)
    return out, k_all, v_all


@entry("decode_step", "preallocates the grown caches and copies into them; attention by einsum with a -inf triangle", kind="correct")
def q84_preallocated(q_new, k_cache, v_cache, k_new, v_new):
    n_past, n_q = k_cache.shape[-2], k_new.shape[-2]
    lead = np.broadcast_shapes(k_cache.shape[:-2], k_new.shape[:-2])
    K = np.empty(lead + (n_past + n_q, k_new.shape[-1]))
    V = np.empty(lead + (n_past + n_q, v_new.shape[-1]))
    K[..., :n_past, :], K[..., n_past:, :] = k_cache, k_new
    V[..., :n_past, :], V[..., n_past:, :] = v_cache, v_new
    s = np.einsum("...qd,...kd->...qk", q_new, K) / np.sqrt(q_new.shape[-1])
    block = np.zeros((n_q, n_past + n_q))
    block[:, n_past:] = np.triu(np.full((n_q, n_q), -np.inf), k=1)
    s = s + block
    w = np.exp(s - s.max(axis=-1, keepdims=True))
    w = w / w.sum(axis=-1, keepdims=True)
    return np.einsum("...qk,...kv->...qv", w, V), K, V


# ===========================================================================
# ex08.q5  fix_tiled_attention (three bugs)
# ===========================================================================
@entry("fix_tiled_attention", "fixes only the key loop bound (range over n_k); l still not rescaled and all-blocked rows still NaN")
def q85_fix_loop_only(q, k, v, mask=None, block_size=128):
    n_q, d = q.shape[-2], q.shape[-1]
    n_k = k.shape[-2]
    out = np.empty(q.shape[:-1] + (v.shape[-1],))
    for i in range(0, n_q, block_size):
        q_i = q[..., i:i + block_size, :] / np.sqrt(d)
        m = np.full(q_i.shape[:-1] + (1,), -np.inf)
        l = np.zeros(q_i.shape[:-1] + (1,))
        acc = np.zeros(q_i.shape[:-1] + (v.shape[-1],))
        for j in range(0, n_k, block_size):
            s = q_i @ np.swapaxes(k[..., j:j + block_size, :], -1, -2)
            if mask is not None:
                s = np.where(mask[..., i:i + block_size, j:j + block_size], s, -np.inf)
            m_new = np.maximum(m, s.max(axis=-1, keepdims=True))
            with np.errstate(invalid="ignore"):
                p = np.exp(s - m_new)
                l = l + p.sum(axis=-1, keepdims=True)
                acc = np.exp(m - m_new) * acc + p @ v[..., j:j + block_size, :]
            m = m_new
        with np.errstate(invalid="ignore"):
            out[..., i:i + block_size, :] = acc / l
    return out


@entry("fix_tiled_attention", "fixes only the running sum's rescaling; the key loop still stops at n_q (crashes on an empty tile when n_q > n_k) and all-blocked rows are NaN")
def q85_fix_rescale_only(q, k, v, mask=None, block_size=128):
    n_q, d = q.shape[-2], q.shape[-1]
    out = np.empty(q.shape[:-1] + (v.shape[-1],))
    for i in range(0, n_q, block_size):
        q_i = q[..., i:i + block_size, :] / np.sqrt(d)
        m = np.full(q_i.shape[:-1] + (1,), -np.inf)
        l = np.zeros(q_i.shape[:-1] + (1,))
        acc = np.zeros(q_i.shape[:-1] + (v.shape[-1],))
        for j in range(0, n_q, block_size):
            s = q_i @ np.swapaxes(k[..., j:j + block_size, :], -1, -2)
            if mask is not None:
                s = np.where(mask[..., i:i + block_size, j:j + block_size], s, -np.inf)
            m_new = np.maximum(m, s.max(axis=-1, keepdims=True))
            with np.errstate(invalid="ignore"):
                p = np.exp(s - m_new)
                alpha = np.exp(m - m_new)
                l = alpha * l + p.sum(axis=-1, keepdims=True)
                acc = alpha * acc + p @ v[..., j:j + block_size, :]
            m = m_new
        with np.errstate(invalid="ignore"):
            out[..., i:i + block_size, :] = acc / l
    return out


@entry("fix_tiled_attention", "fixes the loop bound and the rescaling, but a query that sees no key still gets NaN, not zeros")
def q85_two_fixes_no_guard(q, k, v, mask=None, block_size=128):
    n_q, d = q.shape[-2], q.shape[-1]
    n_k = k.shape[-2]
    out = np.empty(q.shape[:-1] + (v.shape[-1],))
    for i in range(0, n_q, block_size):
        q_i = q[..., i:i + block_size, :] / np.sqrt(d)
        m = np.full(q_i.shape[:-1] + (1,), -np.inf)
        l = np.zeros(q_i.shape[:-1] + (1,))
        acc = np.zeros(q_i.shape[:-1] + (v.shape[-1],))
        for j in range(0, n_k, block_size):
            s = q_i @ np.swapaxes(k[..., j:j + block_size, :], -1, -2)
            if mask is not None:
                s = np.where(mask[..., i:i + block_size, j:j + block_size], s, -np.inf)
            m_new = np.maximum(m, s.max(axis=-1, keepdims=True))
            with np.errstate(invalid="ignore"):
                p = np.exp(s - m_new)
                alpha = np.exp(m - m_new)
                l = alpha * l + p.sum(axis=-1, keepdims=True)
                acc = alpha * acc + p @ v[..., j:j + block_size, :]
            m = m_new
        with np.errstate(invalid="ignore"):
            out[..., i:i + block_size, :] = acc / l
    return out


@entry("fix_tiled_attention", "fixes the loop bound and the zero rows, but l is still summed without the exp(m - m_new) factor")
def q85_no_l_rescale(q, k, v, mask=None, block_size=128):
    n_q, d = q.shape[-2], q.shape[-1]
    n_k = k.shape[-2]
    out = np.empty(q.shape[:-1] + (v.shape[-1],))
    for i in range(0, n_q, block_size):
        q_i = q[..., i:i + block_size, :] / np.sqrt(d)
        m = np.full(q_i.shape[:-1] + (1,), -np.inf)
        l = np.zeros(q_i.shape[:-1] + (1,))
        acc = np.zeros(q_i.shape[:-1] + (v.shape[-1],))
        for j in range(0, n_k, block_size):
            s = q_i @ np.swapaxes(k[..., j:j + block_size, :], -1, -2)
            if mask is not None:
                s = np.where(mask[..., i:i + block_size, j:j + block_size], s, -np.inf)
            m_new = np.maximum(m, s.max(axis=-1, keepdims=True))
            m_safe = np.where(np.isneginf(m_new), 0.0, m_new)
            p = np.exp(s - m_safe)
            l = l + p.sum(axis=-1, keepdims=True)
            acc = np.exp(m - m_safe) * acc + p @ v[..., j:j + block_size, :]
            m = m_new
        out[..., i:i + block_size, :] = np.where(l > 0, acc / np.where(l > 0, l, 1.0), 0.0)
    return out


@entry("fix_tiled_attention", "fixes the rescaling and the zero rows but keeps range(0, n_q, ...) for the keys: misses keys when n_k > n_q, crashes on an empty tile when n_q > n_k")
def q85_loop_still_nq(q, k, v, mask=None, block_size=128):
    n_q, d = q.shape[-2], q.shape[-1]
    out = np.empty(q.shape[:-1] + (v.shape[-1],))
    for i in range(0, n_q, block_size):
        q_i = q[..., i:i + block_size, :] / np.sqrt(d)
        m = np.full(q_i.shape[:-1] + (1,), -np.inf)
        l = np.zeros(q_i.shape[:-1] + (1,))
        acc = np.zeros(q_i.shape[:-1] + (v.shape[-1],))
        for j in range(0, n_q, block_size):
            s = q_i @ np.swapaxes(k[..., j:j + block_size, :], -1, -2)
            if mask is not None:
                s = np.where(mask[..., i:i + block_size, j:j + block_size], s, -np.inf)
            m_new = np.maximum(m, s.max(axis=-1, keepdims=True))
            m_safe = np.where(np.isneginf(m_new), 0.0, m_new)
            p = np.exp(s - m_safe)
            alpha = np.exp(m - m_safe)
            l = alpha * l + p.sum(axis=-1, keepdims=True)
            acc = alpha * acc + p @ v[..., j:j + block_size, :]
            m = m_new
        out[..., i:i + block_size, :] = np.where(l > 0, acc / np.where(l > 0, l, 1.0), 0.0)
    return out


@entry("fix_tiled_attention", "'fixes' the key loop with k.shape[-1] (the feature width d) instead of k.shape[-2] (n_k): misses keys, or crashes on an empty tile")
def q85_loop_bound_feature_width(q, k, v, mask=None, block_size=128):
    n_q, d = q.shape[-2], q.shape[-1]
    n_k = k.shape[-1]
    out = np.empty(q.shape[:-1] + (v.shape[-1],))
    for i in range(0, n_q, block_size):
        q_i = q[..., i:i + block_size, :] / np.sqrt(d)
        m = np.full(q_i.shape[:-1] + (1,), -np.inf)
        l = np.zeros(q_i.shape[:-1] + (1,))
        acc = np.zeros(q_i.shape[:-1] + (v.shape[-1],))
        for j in range(0, n_k, block_size):
            s = q_i @ np.swapaxes(k[..., j:j + block_size, :], -1, -2)
            if mask is not None:
                s = np.where(mask[..., i:i + block_size, j:j + block_size], s, -np.inf)
            m_new = np.maximum(m, s.max(axis=-1, keepdims=True))
            m_safe = np.where(np.isneginf(m_new), 0.0, m_new)
            p = np.exp(s - m_safe)
            alpha = np.exp(m - m_safe)
            l = alpha * l + p.sum(axis=-1, keepdims=True)
            acc = alpha * acc + p @ v[..., j:j + block_size, :]
            m = m_new
        out[..., i:i + block_size, :] = np.where(l > 0, acc / np.where(l > 0, l, 1.0), 0.0)
    return out


@entry("fix_tiled_attention", "avoids the NaN by filling blocked scores with -1e9: a query that sees no key averages all values instead of 0")
def q85_big_negative_fill(q, k, v, mask=None, block_size=128):
    n_q, d = q.shape[-2], q.shape[-1]
    n_k = k.shape[-2]
    out = np.empty(q.shape[:-1] + (v.shape[-1],))
    for i in range(0, n_q, block_size):
        q_i = q[..., i:i + block_size, :] / np.sqrt(d)
        m = np.full(q_i.shape[:-1] + (1,), -np.inf)
        l = np.zeros(q_i.shape[:-1] + (1,))
        acc = np.zeros(q_i.shape[:-1] + (v.shape[-1],))
        for j in range(0, n_k, block_size):
            s = q_i @ np.swapaxes(k[..., j:j + block_size, :], -1, -2)
            if mask is not None:
                s = np.where(mask[..., i:i + block_size, j:j + block_size], s, -1e9)
            m_new = np.maximum(m, s.max(axis=-1, keepdims=True))
            p = np.exp(s - m_new)
            alpha = np.exp(m - m_new)
            l = alpha * l + p.sum(axis=-1, keepdims=True)
            acc = alpha * acc + p @ v[..., j:j + block_size, :]
            m = m_new
        out[..., i:i + block_size, :] = acc / l
    return out


@entry("fix_tiled_attention", "fixes all three but puts m = m_new before the l/acc update, so the rescaling factor is always 1")
def q85_m_updated_too_early(q, k, v, mask=None, block_size=128):
    n_q, d = q.shape[-2], q.shape[-1]
    n_k = k.shape[-2]
    out = np.empty(q.shape[:-1] + (v.shape[-1],))
    for i in range(0, n_q, block_size):
        q_i = q[..., i:i + block_size, :] / np.sqrt(d)
        m = np.full(q_i.shape[:-1] + (1,), -np.inf)
        l = np.zeros(q_i.shape[:-1] + (1,))
        acc = np.zeros(q_i.shape[:-1] + (v.shape[-1],))
        for j in range(0, n_k, block_size):
            s = q_i @ np.swapaxes(k[..., j:j + block_size, :], -1, -2)
            if mask is not None:
                s = np.where(mask[..., i:i + block_size, j:j + block_size], s, -np.inf)
            m_new = np.maximum(m, s.max(axis=-1, keepdims=True))
            m = m_new
            m_safe = np.where(np.isneginf(m_new), 0.0, m_new)
            p = np.exp(s - m_safe)
            alpha = np.exp(m - m_safe)
            l = alpha * l + p.sum(axis=-1, keepdims=True)
            acc = alpha * acc + p @ v[..., j:j + block_size, :]
        out[..., i:i + block_size, :] = np.where(l > 0, acc / np.where(l > 0, l, 1.0), 0.0)
    return out


@entry("fix_tiled_attention", "fixes loop and rescaling, then patches the NaNs only at the end with nan_to_num: a query whose first key tile is all blocked stays 0 even when a later tile has keys")
def q85_nan_to_num_at_end(q, k, v, mask=None, block_size=128):
    n_q, d = q.shape[-2], q.shape[-1]
    n_k = k.shape[-2]
    out = np.empty(q.shape[:-1] + (v.shape[-1],))
    for i in range(0, n_q, block_size):
        q_i = q[..., i:i + block_size, :] / np.sqrt(d)
        m = np.full(q_i.shape[:-1] + (1,), -np.inf)
        l = np.zeros(q_i.shape[:-1] + (1,))
        acc = np.zeros(q_i.shape[:-1] + (v.shape[-1],))
        for j in range(0, n_k, block_size):
            s = q_i @ np.swapaxes(k[..., j:j + block_size, :], -1, -2)
            if mask is not None:
                s = np.where(mask[..., i:i + block_size, j:j + block_size], s, -np.inf)
            m_new = np.maximum(m, s.max(axis=-1, keepdims=True))
            with np.errstate(invalid="ignore"):
                p = np.exp(s - m_new)
                alpha = np.exp(m - m_new)
                l = alpha * l + p.sum(axis=-1, keepdims=True)
                acc = alpha * acc + p @ v[..., j:j + block_size, :]
            m = m_new
        with np.errstate(invalid="ignore"):
            out[..., i:i + block_size, :] = np.nan_to_num(acc / l)
    return out


@entry("fix_tiled_attention", "all three fixed; the mask is broadcast to the full score shape first so any tile can be sliced", kind="correct")
def q85_full_fix_broadcast_mask(q, k, v, mask=None, block_size=128):
    n_q, d = q.shape[-2], q.shape[-1]
    n_k = k.shape[-2]
    if mask is not None:
        full = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], np.shape(mask)[:-2]) + (n_q, n_k)
        mask = np.broadcast_to(mask, np.broadcast_shapes(full, np.shape(mask)))
    lead = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], () if mask is None else mask.shape[:-2])
    out = np.empty(lead + (n_q, v.shape[-1]))
    for i in range(0, n_q, block_size):
        q_i = q[..., i:i + block_size, :] / np.sqrt(d)
        b = q_i.shape[-2]
        m = np.full(lead + (b, 1), -np.inf)
        l = np.zeros(lead + (b, 1))
        acc = np.zeros(lead + (b, v.shape[-1]))
        for j in range(0, n_k, block_size):
            s = q_i @ np.swapaxes(k[..., j:j + block_size, :], -1, -2)
            if mask is not None:
                s = np.where(mask[..., i:i + block_size, j:j + block_size], s, -np.inf)
            m_new = np.maximum(m, s.max(axis=-1, keepdims=True))
            m_safe = np.where(np.isneginf(m_new), 0.0, m_new)
            p = np.exp(s - m_safe)
            alpha = np.exp(m - m_safe)
            l = alpha * l + p.sum(axis=-1, keepdims=True)
            acc = alpha * acc + p @ v[..., j:j + block_size, :]
            m = m_new
        out[..., i:i + block_size, :] = np.divide(acc, l, out=np.zeros_like(acc), where=l > 0)
    return out


@entry("fix_tiled_attention", "all three fixed by repairing NaN per tile (alpha and p through nan_to_num) and dividing with a guard", kind="correct")
def q85_full_fix_nan_repair(q, k, v, mask=None, block_size=128):
    n_q, d = q.shape[-2], q.shape[-1]
    n_k = k.shape[-2]
    if mask is not None:
        mask = np.asarray(mask)
        shp = list(mask.shape)
        shp[-2], shp[-1] = n_q, n_k
        mask = np.broadcast_to(mask, tuple(shp))
    outs = []
    for i in range(0, n_q, block_size):
        q_i = q[..., i:i + block_size, :] / np.sqrt(d)
        m = np.array(-np.inf)
        l = np.array(0.0)
        acc = np.array(0.0)
        for j in range(0, n_k, block_size):
            s = q_i @ np.swapaxes(k[..., j:j + block_size, :], -1, -2)
            if mask is not None:
                s = np.where(mask[..., i:i + block_size, j:j + block_size], s, -np.inf)
            with np.errstate(invalid="ignore"):
                m_new = np.maximum(m, s.max(axis=-1, keepdims=True))
                p = np.nan_to_num(np.exp(s - m_new), nan=0.0)
                alpha = np.nan_to_num(np.exp(m - m_new), nan=0.0)
            l = alpha * l + p.sum(axis=-1, keepdims=True)
            acc = alpha * acc + p @ v[..., j:j + block_size, :]
            m = m_new
        outs.append(np.where(l > 0, acc / np.where(l > 0, l, 1.0), 0.0))
    return np.concatenate(outs, axis=-2)


EXPECTED = {
    "q51_queries_from_source": "queries_from_kv_side",
    "q51_weights_transposed": "transposed_kq",
    "q51_positions_before_heads": "heads_axis_last",
    "q51_output_source_length": "output_rows_from_keys",
    "q51_merged_keeps_heads": None,
    "q51_merged_width_d": "heads_not_merged",
    "q52_positive_index": "axis_from_the_front",
    "q52_queries_axis": "softmax_wrong_axis",
    "q52_shape_source_length": "row_sums_shape",
    "q52_shape_keepdims": "extra_axis",
    "q52_axis_zero": None,
    "q53_softmax_axis_queries": "softmax_wrong_axis",
    "q53_scale_by_d": "scaled_by_d",
    "q53_scale_by_dv": "scaled_by_wrong_dimension",
    "q53_mask_polarity": "mask_polarity_inverted",
    "q53_mask_multiply_scores": "masked_to_zero",
    "q53_mask_after_softmax": "mask_after_softmax",
    "q53_no_max_subtraction": "no_max_subtraction",
    "q53_k_dot_T": "transpose_all_axes",
    "q53_returns_weights_first": "pair_swapped",
    "q54_fix_keys_only": "shared_projection",
    "q54_fix_values_only": "keys_from_query_side",
    "q54_values_from_decoder": "values_from_query_side",
    "q54_roles_reversed": "queries_from_kv_side",
    "q54_drops_mask": "mask_ignored",
    "q54_swapped_weights": None,
    "q55_scale_sqrt_model_width": "scaled_by_wrong_dimension",
    "q55_no_scaling": "no_sqrt_d_scaling",
    "q55_averages_x": "values_unprojected",
    "q55_keys_with_wq": "shared_projection",
    "q55_always_causal": None,
    "q55_scores_transposed": "transposed_kq",
    "q55_mask_polarity": "mask_polarity_inverted",
    "q61_direct_reshape": "reshape_without_transpose",
    "q61_no_transpose": "heads_axis_last",
    "q61_fixed_4d_transpose": "fixed_ndim",
    "q61_strided_heads": "interleaved_features",
    "q61_stack_axis0": "batch_not_handled",
    "q62_direct_reshape": "reshape_without_transpose",
    "q62_fixed_4d_transpose": "fixed_ndim",
    "q62_concat_first_axis": "batch_not_handled",
    "q62_sum_heads": "heads_summed",
    "q62_interleaved": "interleaved_features",
    "q63_scale_model_width": "scaled_by_d_model",
    "q63_reshape_trap": "reshape_without_transpose",
    "q63_no_output_projection": "forgot_w_o",
    "q63_ignores_biases": "biases_ignored",
    "q63_batch_mask_no_head_axis": "mask_missing_head_axis",
    "q63_always_insert_head_axis": "condition_ignored",
    "q63_weights_head_mean": "weights_averaged_over_heads",
    "q63_kv_from_queries": "not_cross_attention",
    "q64_fix_split_only": "reshape_without_transpose",
    "q64_fix_merge_only": "reshape_without_transpose",
    "q64_reshape_no_transpose": "heads_axis_last",
    "q64_interleaved_heads": "interleaved_features",
    "q64_kv_with_nq": "name_confused",
    "q64_fix_and_average_weights": None,
    "q65_tile_not_repeat": "kv_heads_tiled",
    "q65_scale_D_over_g": "scores_scale_off",
    "q65_weights_per_group": None,
    "q65_no_kv_bias": "biases_ignored",
    "q65_index_div_g": None,
    "q65_batch_mask_no_head_axis": "mask_missing_head_axis",
    "q66_query_heads": "kv_cache_used_query_heads",
    "q66_keys_only": "kv_cache_forgot_values",
    "q66_four_bytes": "kv_cache_bytes_per_number",
    "q66_one_layer": "wrong_quantity",
    "q66_kib": "wrong_quantity",
    "q71_diagonal_only": "softmax_grad_diagonal_only",
    "q71_unweighted_sum": "term_missing",
    "q71_missing_p_factor": "softmax_grad_without_p",
    "q71_no_keepdims": "missing_keepdims",
    "q71_sign_flip": "operands_swapped",
    "q71_mean_not_sum": "wrong_reduction",
    "q72_forward_difference": "fd_one_sided",
    "q72_divide_by_eps": "fd_step_not_doubled",
    "q72_keeps_int_dtype": "fd_integer_copy",
    "q72_in_place_no_restore": "mutates_input",
    "q72_rows_not_entries": "first_axis_only",
    "q72_float32_copy": "fd_in_float32",
    "q72_returns_flat": "wrong_shape",
    "q73_no_scale_in_grads": "backward_missing_scale",
    "q73_dk_unscaled": "backward_missing_scale",
    "q73_backward_ignores_mask": "gradient_through_masked",
    "q73_diagonal_softmax_grad": None,
    "q73_dk_uses_k": "name_confused",
    "q73_nan_on_all_blocked": "fully_masked_row_nan",
    "q73_big_negative_fill": "fully_masked_row_uniform",
    "q73_dv_no_transpose": "dv_not_transposed",
    "q74_inf_fill_nan_rows": "fully_masked_row_nan",
    "q74_big_negative_fill": "fully_masked_row_uniform",
    "q74_zero_after_softmax": "mask_after_softmax",
    "q74_mask_ds_only": None,
    "q74_mask_polarity": "mask_polarity_inverted",
    "q74_scores_times_mask": "masked_to_zero",
    "q81_no_rescale": "online_sum_not_rescaled",
    "q81_inverted_factor": "online_rescale_inverted",
    "q81_update_order": None,
    "q81_nan_on_all_inf": "fully_masked_row_nan",
    "q81_ignores_axis": "axis_argument_ignored",
    "q81_start_max_zero": "online_max_started_at_zero",
    "q82_no_factor_two": "kv_cache_forgot_values",
    "q82_no_batch": "kv_cache_missing_factor",
    "q82_hardcoded_fp16": "kv_cache_bytes_per_number",
    "q82_gib": "constant_factor",
    "q83_alpha_inverted": "online_rescale_inverted",
    "q83_acc_not_rescaled": "flash_output_not_rescaled",
    "q83_l_not_rescaled": "flash_sum_not_rescaled",
    "q83_divides_by_l": "flash_normalised_too_early",
    "q83_in_place": "mutates_input",
    "q83_no_guard_nan": "fully_masked_row_nan",
    "q83_p_with_old_max": "no_max_subtraction",
    "q84_no_mask": "decode_no_mask_for_several_tokens",
    "q84_mask_top_left": "causal_mask_top_left",
    "q84_concat_axis0": "kv_cache_wrong_axis",
    "q84_prepend_new": "kv_cache_prepended",
    "q84_attend_before_append": "kv_cache_off_by_one",
    "q84_strict_mask": "kv_cache_off_by_one",
    "q84_returns_old_caches": "kv_cache_not_grown",
    "q85_fix_loop_only": "flash_sum_not_rescaled",
    "q85_fix_rescale_only": "key_loop_over_queries",
    "q85_two_fixes_no_guard": "fully_masked_row_nan",
    "q85_no_l_rescale": "flash_sum_not_rescaled",
    "q85_loop_still_nq": "key_loop_over_queries",
    "q85_loop_bound_feature_width": "size_from_wrong_axis",
    "q85_big_negative_fill": "fully_masked_row_uniform",
    "q85_m_updated_too_early": None,
    "q85_nan_to_num_at_end": None,
}

JUDGED = {
    "q51_queries_from_source": "named",
    "q51_weights_transposed": "named",
    "q51_positions_before_heads": "named",
    "q51_output_source_length": "named",
    "q51_merged_keeps_heads": "vague",
    "q51_merged_width_d": "named",
    "q51_from_arrays": "accepted",
    "q51_list_numpy_ints": "accepted",
    "q52_positive_index": "named",
    "q52_queries_axis": "named",
    "q52_shape_source_length": "named",
    "q52_shape_keepdims": "named",
    "q52_axis_zero": "another",
    "q52_found_empirically": "accepted",
    "q52_numpy_scalars": "accepted",
    "q53_softmax_axis_queries": "named",
    "q53_scale_by_d": "named",
    "q53_scale_by_dv": "named",
    "q53_mask_polarity": "named",
    "q53_mask_multiply_scores": "named",
    "q53_mask_after_softmax": "named",
    "q53_no_max_subtraction": "named",
    "q53_k_dot_T": "named",
    "q53_returns_weights_first": "named",
    "q53_einsum_big_negative": "accepted",
    "q53_logsumexp": "accepted",
    "q54_fix_keys_only": "named",
    "q54_fix_values_only": "named",
    "q54_values_from_decoder": "named",
    "q54_roles_reversed": "named",
    "q54_drops_mask": "named",
    "q54_swapped_weights": "vague",
    "q54_einsum_own_attention": "accepted",
    "q54_stacked_kv": "accepted",
    "q55_scale_sqrt_model_width": "named",
    "q55_no_scaling": "named",
    "q55_averages_x": "named",
    "q55_keys_with_wq": "named",
    "q55_always_causal": "vague",
    "q55_scores_transposed": "named",
    "q55_mask_polarity": "named",
    "q55_bilinear_form": "accepted",
    "q55_loop_leading_axes": "accepted",
    "q61_direct_reshape": "named",
    "q61_no_transpose": "named",
    "q61_fixed_4d_transpose": "named",
    "q61_strided_heads": "named",
    "q61_stack_axis0": "named",
    "q61_split_stack": "accepted",
    "q61_loop_slices": "accepted",
    "q62_direct_reshape": "named",
    "q62_fixed_4d_transpose": "named",
    "q62_concat_first_axis": "named",
    "q62_sum_heads": "named",
    "q62_interleaved": "named",
    "q62_concat_slices": "accepted",
    "q62_einsum_layout": "accepted",
    "q63_scale_model_width": "named",
    "q63_reshape_trap": "named",
    "q63_no_output_projection": "named",
    "q63_ignores_biases": "named",
    "q63_batch_mask_no_head_axis": "named",
    "q63_always_insert_head_axis": "named",
    "q63_weights_head_mean": "named",
    "q63_kv_from_queries": "named",
    "q63_einsum_per_head_weights": "accepted",
    "q63_loop_over_heads": "accepted",
    "q64_fix_split_only": "named",
    "q64_fix_merge_only": "named",
    "q64_reshape_no_transpose": "named",
    "q64_interleaved_heads": "named",
    "q64_kv_with_nq": "named",
    "q64_fix_and_average_weights": "vague",
    "q64_moveaxis_fix": "accepted",
    "q64_per_head_output_projection": "accepted",
    "q65_tile_not_repeat": "named",
    "q65_scale_D_over_g": "named",
    "q65_weights_per_group": "vague",
    "q65_no_kv_bias": "named",
    "q65_index_div_g": "vague",
    "q65_batch_mask_no_head_axis": "named",
    "q65_grouped_broadcast": "accepted",
    "q65_index_formula": "accepted",
    "q66_query_heads": "named",
    "q66_keys_only": "named",
    "q66_four_bytes": "named",
    "q66_one_layer": "named",
    "q66_kib": "named",
    "q66_float": "accepted",
    "q66_numpy_int": "accepted",
    "q71_diagonal_only": "named",
    "q71_unweighted_sum": "named",
    "q71_missing_p_factor": "named",
    "q71_no_keepdims": "named",
    "q71_sign_flip": "named",
    "q71_mean_not_sum": "named",
    "q71_einsum_expanded": "accepted",
    "q71_row_loop": "accepted",
    "q72_forward_difference": "named",
    "q72_divide_by_eps": "named",
    "q72_keeps_int_dtype": "named",
    "q72_in_place_no_restore": "named",
    "q72_rows_not_entries": "named",
    "q72_float32_copy": "named",
    "q72_returns_flat": "named",
    "q72_basis_arrays": "accepted",
    "q72_nditer": "accepted",
    "q73_no_scale_in_grads": "named",
    "q73_dk_unscaled": "named",
    "q73_backward_ignores_mask": "named",
    "q73_diagonal_softmax_grad": "vague",
    "q73_dk_uses_k": "named",
    "q73_nan_on_all_blocked": "named",
    "q73_big_negative_fill": "named",
    "q73_dv_no_transpose": "named",
    "q73_einsum_scaled_q": "accepted",
    "q73_flash_identity": "accepted",
    "q74_inf_fill_nan_rows": "named",
    "q74_big_negative_fill": "named",
    "q74_zero_after_softmax": "named",
    "q74_mask_ds_only": "vague",
    "q74_mask_polarity": "named",
    "q74_scores_times_mask": "named",
    "q74_renormalise_after": "accepted",
    "q74_safe_max": "accepted",
    "q81_no_rescale": "named",
    "q81_inverted_factor": "named",
    "q81_update_order": "another",
    "q81_nan_on_all_inf": "named",
    "q81_ignores_axis": "named",
    "q81_start_max_zero": "named",
    "q81_logaddexp": "accepted",
    "q81_take_keepdims": "accepted",
    "q82_no_factor_two": "named",
    "q82_no_batch": "named",
    "q82_hardcoded_fp16": "named",
    "q82_gib": "named",
    "q82_math_prod": "accepted",
    "q82_numpy_int": "accepted",
    "q83_alpha_inverted": "named",
    "q83_acc_not_rescaled": "named",
    "q83_l_not_rescaled": "named",
    "q83_divides_by_l": "named",
    "q83_in_place": "named",
    "q83_no_guard_nan": "named",
    "q83_p_with_old_max": "named",
    "q83_einsum_isfinite": "accepted",
    "q83_nan_repair": "accepted",
    "q84_no_mask": "named",
    "q84_mask_top_left": "named",
    "q84_concat_axis0": "named",
    "q84_prepend_new": "named",
    "q84_attend_before_append": "named",
    "q84_strict_mask": "named",
    "q84_returns_old_caches": "named",
    "q84_append_positions": "accepted",
    "q84_preallocated": "accepted",
    "q85_fix_loop_only": "named",
    "q85_fix_rescale_only": "named",
    "q85_two_fixes_no_guard": "named",
    "q85_no_l_rescale": "named",
    "q85_loop_still_nq": "named",
    "q85_loop_bound_feature_width": "named",
    "q85_big_negative_fill": "named",
    "q85_m_updated_too_early": "another",
    "q85_nan_to_num_at_end": "vague",
    "q85_full_fix_broadcast_mask": "accepted",
    "q85_full_fix_nan_repair": "accepted",
}
