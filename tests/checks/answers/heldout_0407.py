"""Held-out answers to the exercises of lessons 04-07, written from the lessons by a second tester who never saw
the checker, and measured once before anything was changed for them.

127 answers: 106 wrong, 21 right but unusual. First measurement: none of the 106 accepted, none of the 21
rejected; a reviewer who had not seen the checker read each feedback beside the tester's description: 92 name the
mistake (87 %), 9 are vague, 5 name another mistake. General fixes came after (a softmax backward pass with no rowsum at
all; the same slope copied into every entry of a finite-difference gradient; for a tuple of gradients, the part
that is off; a mask read by its column; a maximum that is not each row's own); the six answers they now name were
re-read by the lead developer and are marked "named after" in ``JUDGED``.

``EXPECTED`` holds, for each wrong answer, the code whose feedback names the mistake, or None where it is vague or
names another mistake.
"""
import numpy as np

import attention_lib as al

BANK = []
def entry(exercise_id, idea, kind="wrong"):
    def register(fn):
        BANK.append({"id": exercise_id, "idea": idea, "kind": kind, "name": fn.__name__, "fn": fn})
        return fn
    return register


# ======================================================================= 04 · masking
# ---------------------------------------------------------------- Q1 causal_mask
@entry("causal_mask", "thinks a token may only look at EARLIER tokens, so leaves out its own position (strictly lower triangle)")
def causal_strict_past_loop(n):
    m = np.zeros((n, n), dtype=bool)
    for i in range(n):
        for j in range(i):          # j < i: forgets j == i
            m[i, j] = True
    return m


@entry("causal_mask", "builds the right lower triangle but as 0/1 floats, not booleans")
def causal_float_tril(n):
    return np.tril(np.ones((n, n)))


@entry("causal_mask", "returns the additive mask (0 where allowed, -inf where blocked) instead of a boolean one")
def causal_additive(n):
    return np.where(np.tril(np.ones((n, n), dtype=bool)), 0.0, -np.inf)


@entry("causal_mask", "uses the 'True = blocked' convention: marks the future keys that must be hidden")
def causal_true_means_blocked(n):
    i, j = np.indices((n, n))
    return j > i


@entry("causal_mask", "correct: outer comparison of positions", kind="correct")
def causal_outer(n):
    pos = np.arange(n)
    return np.greater_equal.outer(pos, pos)


# ---------------------------------------------------------------- Q2 causal_keys_query_2
@entry("causal_keys_query_2", "thinks query 2 sees only the keys BEFORE it, not itself")
def keys_q2_excludes_self():
    mask = [[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]]
    return mask, [0, 1]


@entry("causal_keys_query_2", "counts positions from 1, as on paper")
def keys_q2_one_based():
    mask = [[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]]
    return mask, [1, 2, 3]


@entry("causal_keys_query_2", "reads the keys off column 2 instead of row 2 (which queries can see key 2)")
def keys_q2_reads_column():
    mask = np.tril(np.ones((4, 4), dtype=int))
    keys = [int(i) for i in np.flatnonzero(mask[:, 2])]
    return mask.tolist(), keys


@entry("causal_keys_query_2", "draws the mask upper-triangular (rows as keys), so query 2 'sees' 2 and 3")
def keys_q2_upper():
    mask = [[1, 1, 1, 1], [0, 1, 1, 1], [0, 0, 1, 1], [0, 0, 0, 1]]
    return mask, [2, 3]


@entry("causal_keys_query_2", "writes 1 where a key is BLOCKED (mask as 'hide this')")
def keys_q2_ones_blocked():
    mask = [[0, 1, 1, 1], [0, 0, 1, 1], [0, 0, 0, 1], [0, 0, 0, 0]]
    return mask, [0, 1, 2]


@entry("causal_keys_query_2", "correct: booleans from np.tri and a range", kind="correct")
def keys_q2_tri():
    mask = np.tri(4, dtype=bool)
    return mask.tolist(), list(range(3))


# ---------------------------------------------------------------- Q3 padding_mask
@entry("padding_mask", "returns a (B, n) key mask, forgetting the middle query axis")
def padding_no_query_axis(lengths, n):
    lengths = np.asarray(lengths)
    return np.arange(n)[None, :] < lengths[:, None]


@entry("padding_mask", "off by one: treats position L_b as still real (j <= L_b)")
def padding_off_by_one(lengths, n):
    lengths = np.asarray(lengths)
    return (np.arange(n) <= lengths[:, None])[:, None, :]


@entry("padding_mask", "puts the size-1 axis last, (B, n, 1), so padding hides queries instead of keys")
def padding_axis_last(lengths, n):
    lengths = np.asarray(lengths)
    real = np.arange(n)[None, :] < lengths[:, None]
    return real[:, :, None]


@entry("padding_mask", "marks the PAD positions True (mask = where the padding is)")
def padding_true_at_pads(lengths, n):
    B = len(lengths)
    m = np.zeros((B, 1, n), dtype=bool)
    for b, L in enumerate(lengths):
        m[b, 0, L:] = True
    return m


@entry("padding_mask", "correct: filled row by row with a slice", kind="correct")
def padding_loop(lengths, n):
    m = np.zeros((len(lengths), 1, n), dtype=bool)
    for b, L in enumerate(np.asarray(lengths).tolist()):
        m[b, :, :L] = True
    return m


# ---------------------------------------------------------------- Q4 decoder_mask
def _causal(n):
    return np.tril(np.ones((n, n), dtype=bool))


@entry("decoder_mask", "ignores `side` and always pads on the right")
def decoder_ignores_side(lengths, n, side="right"):
    lengths = np.asarray(lengths)
    real = np.arange(n)[None, :] < lengths[:, None]          # (B, n)
    return _causal(n)[None] & real[:, None, :]


@entry("decoder_mask", "combines the two masks with OR, as if either permission were enough")
def decoder_or(lengths, n, side="right"):
    lengths = np.asarray(lengths)
    j = np.arange(n)[None, :]
    real = (j >= n - lengths[:, None]) if side == "left" else (j < lengths[:, None])
    return _causal(n)[None, :, :] | real[:, None, :]


@entry("decoder_mask", "puts the padding on the query axis (real[:, :, None]) instead of the key axis")
def decoder_pad_on_queries(lengths, n, side="right"):
    lengths = np.asarray(lengths)
    j = np.arange(n)
    real = (j[None] >= n - lengths[:, None]) if side == "left" else (j[None] < lengths[:, None])
    return np.logical_and(_causal(n), real[:, :, None])


@entry("decoder_mask", "believes pad queries must be blanked too, so masks padded rows as well as padded keys")
def decoder_blanks_pad_rows(lengths, n, side="right"):
    lengths = np.asarray(lengths)
    j = np.arange(n)
    real = (j[None] >= n - lengths[:, None]) if side == "left" else (j[None] < lengths[:, None])
    keys = real[:, None, :]
    rows = real[:, :, None]
    return _causal(n) & keys & rows


@entry("decoder_mask", "for left padding takes the first n - L keys as real (flips the comparison the wrong way)")
def decoder_left_flipped(lengths, n, side="right"):
    out = np.zeros((len(lengths), n, n), dtype=bool)
    for b, L in enumerate(lengths):
        limit = L if side == "right" else n - L
        for i in range(n):
            for jj in range(min(i + 1, n)):
                if jj < limit:
                    out[b, i, jj] = True
    return out


@entry("decoder_mask", "correct: einsum-free loop over the batch with np.tri offsets", kind="correct")
def decoder_loop(lengths, n, side="right"):
    out = np.empty((len(lengths), n, n), dtype=bool)
    for b, L in enumerate(np.asarray(lengths).tolist()):
        keys = np.zeros(n, dtype=bool)
        if side == "left":
            keys[n - L:] = True
        else:
            keys[:L] = True
        out[b] = np.tri(n, dtype=bool) * keys
    return out


# ---------------------------------------------------------------- Q5 fix_masked_attention
@entry("fix_masked_attention", "fixes only the polarity: zeroes the blocked weights after the softmax, rows no longer sum to 1")
def fix_only_polarity(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = e / e.sum(axis=-1, keepdims=True)
    if mask is not None:
        weights = np.where(mask, weights, 0.0)
    return weights @ v, weights


@entry("fix_masked_attention", "fixes polarity and renormalises after zeroing, but an empty row becomes 0/0 = NaN")
def fix_renormalise_nan(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = e / e.sum(axis=-1, keepdims=True)
    if mask is not None:
        weights = weights * mask
        weights = weights / weights.sum(axis=-1, keepdims=True)
    return weights @ v, weights


@entry("fix_masked_attention", "moves the mask before the softmax with -inf but keeps the textbook softmax: empty rows give NaN")
def fix_inf_textbook_softmax(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = e / e.sum(axis=-1, keepdims=True)
    return weights @ v, weights


@entry("fix_masked_attention", "masks the scores with -1e9 before the softmax: an empty row gets uniform weights")
def fix_minus_1e9(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -1e9)
    weights = al.softmax(scores, axis=-1)
    return weights @ v, weights


@entry("fix_masked_attention", "masks before the softmax but keeps the original polarity: -inf where the mask is True")
def fix_before_softmax_inverted(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, -np.inf, scores)
    weights = al.softmax(scores)
    return weights @ v, weights


@entry("fix_masked_attention", "correct: additive log-mask plus al.softmax", kind="correct")
def fix_log_mask(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        with np.errstate(divide="ignore"):
            scores = scores + np.log(np.asarray(mask, dtype=float))
    weights = al.softmax(scores, axis=-1)
    return weights @ v, weights


# ---------------------------------------------------------------- Q6 masked_attention
@entry("masked_attention", "handles empty rows but skips the max subtraction, so big scores overflow exp")
def masked_no_max_shift(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    e = np.exp(scores)
    if mask is not None:
        e = e * mask
    total = e.sum(axis=-1, keepdims=True)
    w = np.divide(e, total, out=np.zeros_like(e), where=total > 0)
    return w @ v, w


@entry("masked_attention", "stable softmax with -inf masking, but no guard: a fully masked row becomes NaN")
def masked_nan_rows(q, k, v, mask=None):
    scores = np.einsum("...qd,...kd->...qk", q, k) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    scores = scores - np.max(scores, axis=-1, keepdims=True)
    e = np.exp(scores)
    w = e / np.sum(e, axis=-1, keepdims=True)
    return w @ v, w


@entry("masked_attention", "fills blocked scores with -1e9 to avoid NaN, so an empty row gets uniform weights")
def masked_big_negative(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -1e9)
    scores -= scores.max(axis=-1, keepdims=True)
    e = np.exp(scores)
    w = e / e.sum(axis=-1, keepdims=True)
    return w @ v, w


@entry("masked_attention", "subtracts the max over ALL keys (blocked ones included) then multiplies by the mask; a huge blocked score wipes out the row")
def masked_max_includes_blocked(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    if mask is not None:
        e = np.where(mask, e, 0.0)
    total = e.sum(axis=-1, keepdims=True)
    w = np.divide(e, total, out=np.zeros_like(e), where=total > 0)
    return w @ v, w


@entry("masked_attention", "forgets to divide the scores by sqrt(d)")
def masked_no_scale(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    top = scores.max(axis=-1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    e = np.exp(scores - top)
    total = e.sum(axis=-1, keepdims=True)
    w = np.divide(e, total, out=np.zeros_like(e), where=total > 0)
    return w @ v, w


@entry("masked_attention", "correct: max over the allowed keys only, via np.max(where=...)", kind="correct")
def masked_max_where(q, k, v, mask=None):
    q, k, v = (np.asarray(a, dtype=float) for a in (q, k, v))
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    allowed = np.ones(scores.shape, dtype=bool) if mask is None else np.broadcast_to(mask, scores.shape)
    top = np.max(scores, axis=-1, keepdims=True, where=allowed, initial=-np.inf)
    top[~np.isfinite(top)] = 0.0
    e = np.exp(np.where(allowed, scores - top, -np.inf))
    total = e.sum(axis=-1, keepdims=True)
    w = e / np.maximum(total, np.finfo(float).tiny)
    w[np.broadcast_to(total == 0, w.shape)] = 0.0
    return w @ v, w


# ======================================================================= 05 · QKV, self and cross
# ---------------------------------------------------------------- Q1 cross_attention_shapes
@entry("cross_attention_shapes", "gives keys and values the target length (6), as if cross-attention were self-attention")
def shapes_kv_query_length():
    return (4, 8, 6, 64), (4, 8, 6, 64), (4, 8, 6, 64), (4, 8, 6, 6), (4, 8, 6, 64), (4, 6, 512)


@entry("cross_attention_shapes", "thinks the output has one row per key (source length)")
def shapes_output_per_key():
    return (4, 8, 6, 64), (4, 8, 10, 64), (4, 8, 10, 64), (4, 8, 6, 10), (4, 8, 10, 64), (4, 10, 512)


@entry("cross_attention_shapes", "writes the weights as keys by queries (source, target)")
def shapes_weights_transposed():
    return (4, 8, 6, 64), (4, 8, 10, 64), (4, 8, 10, 64), (4, 8, 10, 6), (4, 8, 6, 64), (4, 6, 512)


@entry("cross_attention_shapes", "uses the (B, n, h, d) layout, heads after positions")
def shapes_heads_after_positions():
    B, h, t, s, d = 4, 8, 6, 10, 64
    return (B, t, h, d), (B, s, h, d), (B, s, h, d), (B, t, h, s), (B, t, h, d), (B, t, h * d)


@entry("cross_attention_shapes", "thinks merging the heads keeps one head's width (64) instead of h·d = 512")
def shapes_merge_keeps_d():
    return (4, 8, 6, 64), (4, 8, 10, 64), (4, 8, 10, 64), (4, 8, 6, 10), (4, 8, 6, 64), (4, 6, 64)


@entry("cross_attention_shapes", "correct: shapes read off real arrays pushed through the computation", kind="correct")
def shapes_by_computing():
    Q = np.zeros((4, 8, 6, 64))
    K = np.zeros((4, 8, 10, 64))
    V = np.zeros((4, 8, 10, 64))
    W = Q @ np.swapaxes(K, -1, -2)
    O = W @ V
    M = np.swapaxes(O, 1, 2).reshape(4, 6, -1)
    return tuple(Q.shape), tuple(K.shape), tuple(V.shape), tuple(W.shape), tuple(O.shape), tuple(M.shape)


# ---------------------------------------------------------------- Q2 cross_softmax_axis
@entry("cross_softmax_axis", "normalises over the queries (target positions), axis -2")
def axis_over_queries():
    return -2, (2, 8, 10)


@entry("cross_softmax_axis", "right axis, but says the sums are one per source position")
def axis_right_shape_keys():
    return -1, (2, 8, 10)


@entry("cross_softmax_axis", "gives the key axis as a positive index (3)")
def axis_positive():
    return 3, (2, 8, 6)


@entry("cross_softmax_axis", "thinks the sum keeps the summed axis as size 1 (keepdims)")
def axis_keepdims_shape():
    return -1, (2, 8, 6, 1)


@entry("cross_softmax_axis", "says there is one distribution per target word only, forgetting batch and heads")
def axis_shape_only_targets():
    return -1, (6,)


@entry("cross_softmax_axis", "correct: computes the shape from a real softmax", kind="correct")
def axis_computed():
    w = al.softmax(np.zeros((2, 8, 6, 10)), axis=-1)
    return -1, tuple(w.sum(axis=-1).shape)


# ---------------------------------------------------------------- Q3 attention
@entry("attention", "forgets the 1/sqrt(d) scaling (einsum spelling)")
def attn_no_scale(q, k, v, mask=None):
    scores = np.einsum("...id,...jd->...ij", q, k)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    w = al.softmax(scores, axis=-1)
    return w @ v, w


@entry("attention", "transposes the keys with .T, which also reverses the batch axes")
def attn_dot_T(q, k, v, mask=None):
    scores = q @ k.T / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    w = al.softmax(scores)
    return w @ v, w


@entry("attention", "takes the softmax over the queries (axis -2) instead of the keys")
def attn_softmax_queries(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    w = al.softmax(scores, axis=-2)
    return w @ v, w


@entry("attention", "masks by multiplying the scores by the mask, so blocked scores become 0, not -inf")
def attn_mask_multiply(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores * mask
    w = al.softmax(scores)
    return w @ v, w


@entry("attention", "scales by sqrt of the number of keys instead of the feature width")
def attn_scale_nk(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(k.shape[-2])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    w = al.softmax(scores)
    return w @ v, w


@entry("attention", "correct: additive 0/-inf mask and a hand-written stable softmax", kind="correct")
def attn_additive(q, k, v, mask=None):
    q, k, v = (np.asarray(a, dtype=float) for a in (q, k, v))
    scores = np.matmul(q, np.moveaxis(k, -1, -2)) * q.shape[-1] ** -0.5
    if mask is not None:
        scores = scores + np.where(mask, 0.0, -np.inf)
    scores = scores - scores.max(axis=-1, keepdims=True)
    w = np.exp(scores)
    w /= w.sum(axis=-1, keepdims=True)
    return np.matmul(w, v), w


# ---------------------------------------------------------------- Q4 cross_attention
@entry("cross_attention", "fixes the keys' source but keeps projecting the values with W_k")
def cross_fix_k_only(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = x_q @ W_q
    k = x_kv @ W_k
    v = x_kv @ W_k
    return al.attention(q, k, v, mask)


@entry("cross_attention", "fixes the values' matrix but still takes the keys from the decoder x_q")
def cross_fix_v_only(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = x_q @ W_q
    k = x_q @ W_k
    v = x_kv @ W_v
    return al.attention(q, k, v, mask)


@entry("cross_attention", "has the roles backwards: queries from the encoder, keys and values from the decoder")
def cross_roles_swapped(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = x_kv @ W_q
    k = x_q @ W_k
    v = x_q @ W_v
    return al.attention(q, k, v, mask)


@entry("cross_attention", "thinks queries and keys share one projection, so builds the keys with W_q")
def cross_keys_with_wq(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = x_q @ W_q
    k = x_kv @ W_q
    v = x_kv @ W_v
    return al.attention(q, k, v, mask)


@entry("cross_attention", "fixes the keys and drops the value projection, using the encoder states as values")
def cross_values_unprojected(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = x_q @ W_q
    k = x_kv @ W_k
    return al.attention(q, k, x_kv, mask)


@entry("cross_attention", "correct: projections written with einsum", kind="correct")
def cross_einsum(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = np.einsum("...nD,Dd->...nd", x_q, W_q)
    k = np.einsum("...nD,Dd->...nd", x_kv, W_k)
    v = np.einsum("...nD,Dd->...nd", x_kv, W_v)
    return al.attention(q, k, v, mask)


# ---------------------------------------------------------------- Q5 self_attention
@entry("self_attention", "scales by sqrt of the model width D instead of the head width d")
def self_scale_D(x, W_q, W_k, W_v, mask=None):
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(x.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    w = al.softmax(scores)
    return w @ v, w


@entry("self_attention", "writes (x @ W_k).T, fine for one sequence but it flips batch axes")
def self_dot_T(x, W_q, W_k, W_v, mask=None):
    q = x @ W_q
    k = x @ W_k
    v = x @ W_v
    scores = q @ k.T / np.sqrt(W_q.shape[1])
    if mask is not None:
        scores[~np.broadcast_to(mask, scores.shape)] = -np.inf
    w = al.softmax(scores)
    return w @ v, w


@entry("self_attention", "applies the mask after the softmax by zeroing, without renormalising")
def self_zero_after_softmax(x, W_q, W_k, W_v, mask=None):
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    w = al.softmax(q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1]))
    if mask is not None:
        w = w * mask
    return w @ v, w


@entry("self_attention", "calls al.softmax(scores, axis=0) thinking axis 0 is 'per row'")
def self_softmax_axis0(x, W_q, W_k, W_v, mask=None):
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    w = al.softmax(scores, axis=0)
    return w @ v, w


@entry("self_attention", "sets blocked scores to 0 instead of -inf, thinking 0 means 'no attention'")
def self_mask_zero_scores(x, W_q, W_k, W_v, mask=None):
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, 0.0)
    w = al.softmax(scores)
    return w @ v, w


@entry("self_attention", "correct: one einsum for the scores, another for the output", kind="correct")
def self_einsum(x, W_q, W_k, W_v, mask=None):
    x = np.asarray(x, dtype=float)
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    scores = np.einsum("...id,...jd->...ij", q, k) / np.sqrt(np.shape(W_k)[1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    w = al.softmax(scores, axis=-1)
    return np.einsum("...ij,...jd->...id", w, v), w


# ======================================================================= 06 · multi-head
# ---------------------------------------------------------------- Q1 split_heads
@entry("split_heads", "falls into the reshape trap: reshapes straight to (..., h, n, d)")
def split_reshape_trap(x, n_heads):
    *lead, n, D = x.shape
    return x.reshape(*lead, n_heads, n, D // n_heads)


@entry("split_heads", "reshapes to (n, d, h) and moves h forward, so head j gets every h-th feature")
def split_strided(x, n_heads):
    *lead, n, D = x.shape
    y = x.reshape(*lead, n, D // n_heads, n_heads)
    return np.moveaxis(y, -1, -3)


@entry("split_heads", "hard-codes a batch axis with transpose(0, 2, 1, 3)")
def split_hardcoded_batch(x, n_heads):
    B, n, D = x.shape
    return x.reshape(B, n, n_heads, D // n_heads).transpose(0, 2, 1, 3)


@entry("split_heads", "reshapes to (..., n, h, d) and forgets to swap the head axis forward")
def split_no_swap(x, n_heads):
    *lead, n, D = x.shape
    return x.reshape(*lead, n, n_heads, D // n_heads)


@entry("split_heads", "np.split the features and stacks the heads on axis 0, in front of the batch")
def split_stack_axis0(x, n_heads):
    return np.stack(np.split(x, n_heads, axis=-1), axis=0)


@entry("split_heads", "correct: np.split along features, stacked on axis -3", kind="correct")
def split_stack_minus3(x, n_heads):
    return np.stack(np.split(np.asarray(x), n_heads, axis=-1), axis=-3)


# ---------------------------------------------------------------- Q2 merge_heads
@entry("merge_heads", "undoes the split with a plain reshape, no swap of axes")
def merge_reshape_only(x):
    *lead, h, n, d = x.shape
    return x.reshape(*lead, n, h * d)


@entry("merge_heads", "hard-codes a 4-D input with transpose(0, 2, 1, 3)")
def merge_hardcoded_4d(x):
    B, h, n, d = x.shape
    return x.transpose(0, 2, 1, 3).reshape(B, n, h * d)


@entry("merge_heads", "moves the head axis to the END before reshaping, so features of the heads interleave")
def merge_interleaved(x):
    *lead, h, n, d = x.shape
    return np.moveaxis(x, -3, -1).reshape(*lead, n, h * d)


@entry("merge_heads", "np.concatenate(x, axis=-1): iterates over the FIRST axis, right only without a batch")
def merge_concat_first_axis(x):
    return np.concatenate(x, axis=-1)


@entry("merge_heads", "sums the heads instead of concatenating them")
def merge_sum(x):
    return np.sum(x, axis=-3)


@entry("merge_heads", "correct: concatenates head slices along the features", kind="correct")
def merge_concat_slices(x):
    x = np.asarray(x)
    return np.concatenate([x[..., j, :, :] for j in range(x.shape[-3])], axis=-1)


# ---------------------------------------------------------------- Q3 multi_head_attention
def _proj(x, params, w):
    y = x @ params["W_" + w]
    b = params.get("b_" + w)
    return y if b is None else y + b


def _split(x, h):
    *lead, n, D = x.shape
    return np.swapaxes(x.reshape(*lead, n, h, D // h), -2, -3)


def _merge(x):
    *lead, h, n, d = x.shape
    return np.swapaxes(x, -2, -3).reshape(*lead, n, h * d)


def _head_mask(mask):
    if mask is None:
        return None
    mask = np.asarray(mask)
    return mask[:, None] if mask.ndim == 3 else mask


@entry("multi_head_attention", "splits with a plain reshape to (B, h, n, d) and merges the same way")
def mha_reshape_trap(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads
    q = _proj(x_q, params, "q").reshape(B, n_heads, n_q, d)
    k = _proj(x_kv, params, "k").reshape(B, n_heads, n_k, d)
    v = _proj(x_kv, params, "v").reshape(B, n_heads, n_k, d)
    out, w = al.attention(q, k, v, _head_mask(mask))
    return _proj(out.reshape(B, n_q, D), params, "o"), w


@entry("multi_head_attention", "thinks concatenating the heads is the end and forgets W_o")
def mha_no_wo(x_q, x_kv, params, n_heads, mask=None):
    q = _split(_proj(x_q, params, "q"), n_heads)
    k = _split(_proj(x_kv, params, "k"), n_heads)
    v = _split(_proj(x_kv, params, "v"), n_heads)
    out, w = al.attention(q, k, v, _head_mask(mask))
    return _merge(out), w


@entry("multi_head_attention", "ignores the biases in params")
def mha_no_bias(x_q, x_kv, params, n_heads, mask=None):
    q = _split(x_q @ params["W_q"], n_heads)
    k = _split(x_kv @ params["W_k"], n_heads)
    v = _split(x_kv @ params["W_v"], n_heads)
    out, w = al.attention(q, k, v, _head_mask(mask))
    return _merge(out) @ params["W_o"], w


@entry("multi_head_attention", "returns the weights averaged over heads, as PyTorch does by default")
def mha_average_weights(x_q, x_kv, params, n_heads, mask=None):
    q = _split(_proj(x_q, params, "q"), n_heads)
    k = _split(_proj(x_kv, params, "k"), n_heads)
    v = _split(_proj(x_kv, params, "v"), n_heads)
    out, w = al.attention(q, k, v, _head_mask(mask))
    return _proj(_merge(out), params, "o"), w.mean(axis=1)


@entry("multi_head_attention", "adds the head axis to a batch mask at the FRONT (mask[None]), so B lines up with h")
def mha_mask_head_axis_front(x_q, x_kv, params, n_heads, mask=None):
    q = _split(_proj(x_q, params, "q"), n_heads)
    k = _split(_proj(x_kv, params, "k"), n_heads)
    v = _split(_proj(x_kv, params, "v"), n_heads)
    if mask is not None and np.ndim(mask) == 3:
        mask = np.asarray(mask)[None]
    out, w = al.attention(q, k, v, mask)
    return _proj(_merge(out), params, "o"), w


@entry("multi_head_attention", "scales the scores by sqrt(D), the model width, not sqrt(D/h)")
def mha_scale_model_width(x_q, x_kv, params, n_heads, mask=None):
    D = x_q.shape[-1]
    q = _split(_proj(x_q, params, "q"), n_heads)
    k = _split(_proj(x_kv, params, "k"), n_heads)
    v = _split(_proj(x_kv, params, "v"), n_heads)
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(D)
    m = _head_mask(mask)
    if m is not None:
        scores = np.where(m, scores, -np.inf)
    w = al.softmax(scores)
    return _proj(_merge(w @ v), params, "o"), w


@entry("multi_head_attention", "correct: a loop over heads on column slices, weights stacked", kind="correct")
def mha_loop_heads(x_q, x_kv, params, n_heads, mask=None):
    D = x_q.shape[-1]
    d = D // n_heads
    Q, K, V = _proj(x_q, params, "q"), _proj(x_kv, params, "k"), _proj(x_kv, params, "v")
    m = None
    if mask is not None:
        m = np.asarray(mask)
        if m.ndim == 4:
            m = np.broadcast_to(m, (x_q.shape[0], n_heads) + m.shape[2:])
    outs, ws = [], []
    for j in range(n_heads):
        cols = slice(j * d, (j + 1) * d)
        mj = m if (m is None or m.ndim < 4) else m[:, j]
        o, w = al.attention(Q[..., cols], K[..., cols], V[..., cols], mj)
        outs.append(o)
        ws.append(w)
    return _proj(np.concatenate(outs, axis=-1), params, "o"), np.stack(ws, axis=1)


# ---------------------------------------------------------------- Q4 mha_reshape_bug
@entry("mha_reshape_bug", "fixes the split of q, k and v but keeps the old merge out.reshape(B, n_q, D)")
def mha_fix_split_only(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads
    q = (x_q @ params["W_q"]).reshape(B, n_q, n_heads, d).swapaxes(1, 2)
    k = (x_kv @ params["W_k"]).reshape(B, n_k, n_heads, d).swapaxes(1, 2)
    v = (x_kv @ params["W_v"]).reshape(B, n_k, n_heads, d).swapaxes(1, 2)
    out, weights = al.attention(q, k, v, mask)
    return out.reshape(B, n_q, D) @ params["W_o"], weights


@entry("mha_reshape_bug", "fixes only the merge, leaving the reshape-only split")
def mha_fix_merge_only(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads
    q = (x_q @ params["W_q"]).reshape(B, n_heads, n_q, d)
    k = (x_kv @ params["W_k"]).reshape(B, n_heads, n_k, d)
    v = (x_kv @ params["W_v"]).reshape(B, n_heads, n_k, d)
    out, weights = al.attention(q, k, v, mask)
    return al.merge_heads(out) @ params["W_o"], weights


@entry("mha_reshape_bug", "fixes the queries' split and merge, but leaves k and v reshaped straight into heads")
def mha_fix_q_only(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads
    q = al.split_heads(x_q @ params["W_q"], n_heads)
    k = (x_kv @ params["W_k"]).reshape(B, n_heads, n_k, d)
    v = (x_kv @ params["W_v"]).reshape(B, n_heads, n_k, d)
    out, weights = al.attention(q, k, v, mask)
    return al.merge_heads(out) @ params["W_o"], weights


@entry("mha_reshape_bug", "reshapes to (B, n, h, d) and 'swaps' with .T, which reverses every axis")
def mha_fix_with_T(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads
    q = (x_q @ params["W_q"]).reshape(B, n_q, n_heads, d).T
    k = (x_kv @ params["W_k"]).reshape(B, n_k, n_heads, d).T
    v = (x_kv @ params["W_v"]).reshape(B, n_k, n_heads, d).T
    out, weights = al.attention(q, k, v, mask)
    return out.T.reshape(B, n_q, D) @ params["W_o"], weights


@entry("mha_reshape_bug", "fixes the split but merges with swapaxes(1, 3), the wrong pair of axes")
def mha_fix_merge_wrong_pair(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads
    q = (x_q @ params["W_q"]).reshape(B, n_q, n_heads, d).transpose(0, 2, 1, 3)
    k = (x_kv @ params["W_k"]).reshape(B, n_k, n_heads, d).transpose(0, 2, 1, 3)
    v = (x_kv @ params["W_v"]).reshape(B, n_k, n_heads, d).transpose(0, 2, 1, 3)
    out, weights = al.attention(q, k, v, mask)
    return out.swapaxes(1, 3).reshape(B, n_q, D) @ params["W_o"], weights


@entry("mha_reshape_bug", "correct: fixes split and merge with transpose, and gives a batch mask its head axis", kind="correct")
def mha_fix_transpose(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads
    b = {name: params.get(name, 0.0) for name in ("b_q", "b_k", "b_v", "b_o")}
    q = (x_q @ params["W_q"] + b["b_q"]).reshape(B, n_q, n_heads, d).transpose(0, 2, 1, 3)
    k = (x_kv @ params["W_k"] + b["b_k"]).reshape(B, n_k, n_heads, d).transpose(0, 2, 1, 3)
    v = (x_kv @ params["W_v"] + b["b_v"]).reshape(B, n_k, n_heads, d).transpose(0, 2, 1, 3)
    if mask is not None and np.ndim(mask) == 3:
        mask = np.expand_dims(mask, 1)
    out, weights = al.attention(q, k, v, mask)
    return out.transpose(0, 2, 1, 3).reshape(B, n_q, D) @ params["W_o"] + b["b_o"], weights


# ---------------------------------------------------------------- Q5 grouped_query_attention
@entry("grouped_query_attention", "tiles the KV heads (0, 1, 0, 1, ...) instead of repeating each in place")
def gqa_tile(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    q = _split(_proj(x_q, params, "q"), n_heads)
    k = _split(_proj(x_kv, params, "k"), n_kv_heads)
    v = _split(_proj(x_kv, params, "v"), n_kv_heads)
    r = n_heads // n_kv_heads
    k, v = np.tile(k, (1, r, 1, 1)), np.tile(v, (1, r, 1, 1))
    out, w = al.attention(q, k, v, _head_mask(mask))
    return _proj(_merge(out), params, "o"), w


@entry("grouped_query_attention", "loops over query heads and picks KV head i % g (round robin)")
def gqa_modulo_loop(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    q = _split(_proj(x_q, params, "q"), n_heads)
    k = _split(_proj(x_kv, params, "k"), n_kv_heads)
    v = _split(_proj(x_kv, params, "v"), n_kv_heads)
    m = _head_mask(mask)
    outs, ws = [], []
    for i in range(n_heads):
        g = i % n_kv_heads
        mi = m if (m is None or np.ndim(m) < 4) else np.asarray(m)[:, min(i, np.shape(m)[1] - 1)]
        o, w = al.attention(q[:, i], k[:, g], v[:, g], mi)
        outs.append(o)
        ws.append(w)
    return _proj(_merge(np.stack(outs, 1)), params, "o"), np.stack(ws, 1)


@entry("grouped_query_attention", "scales the scores by sqrt of W_k's width (g·d) instead of one head's d")
def gqa_scale_kv_width(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    q = _split(_proj(x_q, params, "q"), n_heads)
    k = np.repeat(_split(_proj(x_kv, params, "k"), n_kv_heads), n_heads // n_kv_heads, axis=1)
    v = np.repeat(_split(_proj(x_kv, params, "v"), n_kv_heads), n_heads // n_kv_heads, axis=1)
    scores = q @ k.swapaxes(-1, -2) / np.sqrt(params["W_k"].shape[1])
    m = _head_mask(mask)
    if m is not None:
        scores = np.where(m, scores, -np.inf)
    w = al.softmax(scores)
    return _proj(_merge(w @ v), params, "o"), w


@entry("grouped_query_attention", "ignores the biases (their widths differ, so they are left out)")
def gqa_no_bias(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    q = _split(x_q @ params["W_q"], n_heads)
    k = np.repeat(_split(x_kv @ params["W_k"], n_kv_heads), n_heads // n_kv_heads, axis=1)
    v = np.repeat(_split(x_kv @ params["W_v"], n_kv_heads), n_heads // n_kv_heads, axis=1)
    out, w = al.attention(q, k, v, _head_mask(mask))
    return _merge(out) @ params["W_o"], w


@entry("grouped_query_attention", "thinks sharing means averaging the KV heads into one, whatever g is")
def gqa_average_kv(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    q = _split(_proj(x_q, params, "q"), n_heads)
    k = _split(_proj(x_kv, params, "k"), n_kv_heads).mean(axis=1, keepdims=True)
    v = _split(_proj(x_kv, params, "v"), n_kv_heads).mean(axis=1, keepdims=True)
    out, w = al.attention(q, k, v, _head_mask(mask))
    return _proj(_merge(out), params, "o"), w


@entry("grouped_query_attention", "correct: reshape the query heads into (g, h/g) groups and broadcast the KV heads", kind="correct")
def gqa_grouped_broadcast(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k = x_kv.shape[1]
    g, r = n_kv_heads, n_heads // n_kv_heads
    q = _split(_proj(x_q, params, "q"), n_heads).reshape(B, g, r, n_q, D // n_heads)
    k = _split(_proj(x_kv, params, "k"), g)[:, :, None]
    v = _split(_proj(x_kv, params, "v"), g)[:, :, None]
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(D // n_heads)      # (B, g, r, n_q, n_k)
    scores = scores.reshape(B, n_heads, n_q, n_k)
    m = _head_mask(mask)
    if m is not None:
        scores = np.where(m, scores, -np.inf)
    w = al.softmax(scores)
    out = (w.reshape(B, g, r, n_q, n_k) @ v).reshape(B, n_heads, n_q, -1)
    return _proj(_merge(out), params, "o"), w


# ---------------------------------------------------------------- Q6 kv_cache_per_token
@entry("kv_cache_per_token", "counts all 64 query heads instead of the 8 key/value heads")
def kv_query_heads():
    return 2 * 80 * 64 * 128 * 2


@entry("kv_cache_per_token", "forgets there are two caches, keys AND values")
def kv_forgets_values():
    return 80 * 8 * 128 * 2


@entry("kv_cache_per_token", "computes one layer only")
def kv_one_layer():
    return 2 * 8 * 128 * 2


@entry("kv_cache_per_token", "takes 4 bytes per number (float32 habit)")
def kv_float32():
    return 2 * 80 * 8 * 128 * 4


@entry("kv_cache_per_token", "answers in kilobytes (320) instead of bytes")
def kv_kilobytes():
    return 2 * 80 * 8 * 128 * 2 / 1024


@entry("kv_cache_per_token", "correct: as an int from numpy's itemsize", kind="correct")
def kv_itemsize():
    layers, kv_heads, width = 80, 8, 128
    return int(2 * layers * kv_heads * width * np.dtype(np.float16).itemsize)


# ======================================================================= 07 · training
# ---------------------------------------------------------------- Q1 softmax_backward
@entry("softmax_backward", "uses only the Jacobian's diagonal: ds = p(1-p) dp")
def smb_diagonal(p, dp):
    return p * (1 - p) * dp


@entry("softmax_backward", "forgets the rowsum term: ds = p * dp")
def smb_no_rowsum(p, dp):
    return p * dp


@entry("softmax_backward", "forgets keepdims on the rowsum, so it broadcasts along the wrong axis")
def smb_no_keepdims(p, dp):
    return p * (dp - np.sum(p * dp, axis=-1))


@entry("softmax_backward", "subtracts the plain sum of dp instead of the p-weighted sum")
def smb_unweighted_sum(p, dp):
    return p * (dp - dp.sum(axis=-1, keepdims=True))


@entry("softmax_backward", "drops the leading p factor: ds = dp - <p, dp>, not zero at masked keys")
def smb_no_p_factor(p, dp):
    return dp - np.sum(p * dp, axis=-1, keepdims=True)


@entry("softmax_backward", "correct: einsum for the row dot product", kind="correct")
def smb_einsum(p, dp):
    p, dp = np.asarray(p, dtype=float), np.asarray(dp, dtype=float)
    inner = np.einsum("...i,...i->...", p, dp)[..., None]
    return p * dp - p * inner


# ---------------------------------------------------------------- Q2 numerical_gradient
@entry("numerical_gradient", "uses a one-sided forward difference (f(x+eps) - f(x)) / eps")
def ng_forward_difference(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float64)
    g = np.zeros_like(x)
    fx = f(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        g[i] = (f(x) - fx) / eps
        x[i] = old
    return g


@entry("numerical_gradient", "divides the central difference by eps instead of 2 eps")
def ng_divide_by_eps(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float64)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        up = f(x)
        x[i] = old - eps
        down = f(x)
        x[i] = old
        g[i] = (up - down) / eps
    return g


@entry("numerical_gradient", "copies x with x.copy(), keeping an integer dtype so the nudges are truncated away")
def ng_copy_keeps_int(f, x, eps=1e-6):
    x = np.asarray(x).copy()
    g = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        up = f(x)
        x[i] = old - eps
        down = f(x)
        x[i] = old
        g[i] = (up - down) / (2 * eps)
    return g


@entry("numerical_gradient", "never puts the entry back after nudging, so later entries are measured at a shifted point")
def ng_no_restore(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float64)
    g = np.zeros_like(x)
    flat, gflat = x.reshape(-1), g.reshape(-1)
    for i in range(flat.size):
        flat[i] += eps
        up = f(x)
        flat[i] -= 2 * eps
        down = f(x)
        gflat[i] = (up - down) / (2 * eps)
    return g


@entry("numerical_gradient", "nudges the caller's x in place (no private copy)")
def ng_in_place(f, x, eps=1e-6):
    g = np.zeros(np.shape(x))
    for i in np.ndindex(np.shape(x)):
        x[i] += eps
        up = f(x)
        x[i] -= 2 * eps
        down = f(x)
        x[i] += eps
        g[i] = (up - down) / (2 * eps)
    return g


@entry("numerical_gradient", "nudges every entry at once and puts the same slope everywhere")
def ng_all_at_once(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float64)
    slope = (f(x + eps) - f(x - eps)) / (2 * eps)
    return np.full_like(x, slope)


@entry("numerical_gradient", "correct: walks a flat float64 copy with unit vectors", kind="correct")
def ng_unit_vectors(f, x, eps=1e-6):
    base = np.array(x, dtype=np.float64, copy=True)
    g = np.empty(base.size)
    for i in range(base.size):
        e = np.zeros(base.size)
        e[i] = eps
        e = e.reshape(base.shape)
        g[i] = (f(base + e) - f(base - e)) / (2 * eps)
    return g.reshape(base.shape)


# ---------------------------------------------------------------- Q3 attention_backward
def _T(a):
    return np.swapaxes(a, -1, -2)


def _smb(P, dP):
    return P * (dP - np.sum(P * dP, axis=-1, keepdims=True))


@entry("attention_backward", "forgets the 1/sqrt(d) on dQ and dK")
def ab_no_scale(q, k, v, d_out, mask=None):
    _, P = al.attention(q, k, v, mask)
    dS = _smb(P, d_out @ _T(v))
    return dS @ k, _T(dS) @ q, _T(P) @ d_out


@entry("attention_backward", "drops the softmax rowsum term: dS = P * dP")
def ab_no_rowsum(q, k, v, d_out, mask=None):
    _, P = al.attention(q, k, v, mask)
    dS = P * (d_out @ _T(v))
    s = 1 / np.sqrt(q.shape[-1])
    return s * dS @ k, s * _T(dS) @ q, _T(P) @ d_out


@entry("attention_backward", "writes dK = dS Q, forgetting the transpose (only runs when n_q = n_k)")
def ab_dk_untransposed(q, k, v, d_out, mask=None):
    _, P = al.attention(q, k, v, mask)
    dS = _smb(P, d_out @ _T(v))
    s = 1 / np.sqrt(q.shape[-1])
    return s * dS @ k, s * dS @ q, _T(P) @ d_out


@entry("attention_backward", "recomputes P without the mask, so gradient flows through blocked keys")
def ab_unmasked_P(q, k, v, d_out, mask=None):
    _, P = al.attention(q, k, v)
    dS = _smb(P, d_out @ _T(v))
    s = 1 / np.sqrt(q.shape[-1])
    return s * dS @ k, s * _T(dS) @ q, _T(P) @ d_out


@entry("attention_backward", "applies the 1/sqrt(d) to every gradient, dV included")
def ab_scale_dv_too(q, k, v, d_out, mask=None):
    _, P = al.attention(q, k, v, mask)
    dS = _smb(P, d_out @ _T(v))
    s = 1 / np.sqrt(q.shape[-1])
    return s * dS @ k, s * _T(dS) @ q, s * _T(P) @ d_out


@entry("attention_backward", "transposes with .T, correct for one sequence but it scrambles batch axes")
def ab_dot_T(q, k, v, d_out, mask=None):
    _, P = al.attention(q, k, v, mask)
    dV = P.T @ d_out
    dP = d_out @ v.T
    dS = P * (dP - (dP * P).sum(-1, keepdims=True))
    s = np.sqrt(q.shape[-1])
    return dS @ k / s, dS.T @ q / s, dV


@entry("attention_backward", "correct: all in einsum", kind="correct")
def ab_einsum(q, k, v, d_out, mask=None):
    _, P = al.attention(q, k, v, mask)
    dV = np.einsum("...qk,...qe->...ke", P, d_out)
    dP = np.einsum("...qe,...ke->...qk", d_out, v)
    rs = np.einsum("...qk,...qk->...q", dP, P)[..., None]
    dS = P * (dP - rs) / np.sqrt(q.shape[-1])
    dQ = np.einsum("...qk,...kd->...qd", dS, k)
    dK = np.einsum("...qk,...qd->...kd", dS, q)
    return dQ, dK, dV


# ---------------------------------------------------------------- Q4 backward_mask_bug
@entry("backward_mask_bug", "masks the scores with -1e9: a fully masked row gets uniform weights and nonzero gradients")
def bmb_minus_1e9(q, k, v, d_out, mask=None):
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


@entry("backward_mask_bug", "masks with -inf but keeps the unguarded softmax: a fully masked row becomes NaN")
def bmb_minus_inf_nan(q, k, v, d_out, mask=None):
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


@entry("backward_mask_bug", "zeroes P at the masked keys after the softmax without renormalising")
def bmb_zero_P_after(q, k, v, d_out, mask=None):
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


@entry("backward_mask_bug", "zeroes the score gradient dS at masked keys but leaves P (and so dV) unmasked")
def bmb_mask_dS_only(q, k, v, d_out, mask=None):
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


@entry("backward_mask_bug", "applies the mask without an `if mask is not None`, so mask=None blocks every key")
def bmb_forgets_none(q, k, v, d_out, mask=None):
    d = q.shape[-1]
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)
    s = np.where(mask, s, -np.inf)
    P = al.softmax(s)
    dv = np.swapaxes(P, -1, -2) @ d_out
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return dS @ k / np.sqrt(d), np.swapaxes(dS, -1, -2) @ q / np.sqrt(d), dv


@entry("backward_mask_bug", "correct: takes P from al.attention with the mask", kind="correct")
def bmb_use_library_P(q, k, v, d_out, mask=None):
    d = q.shape[-1]
    _, P = al.attention(q, k, v, mask)
    dv = np.swapaxes(P, -1, -2) @ d_out
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return dS @ k / np.sqrt(d), np.swapaxes(dS, -1, -2) @ q / np.sqrt(d), dv


EXPECTED = {
    'causal_strict_past_loop': 'causal_excludes_diagonal',
    'causal_float_tril': 'float_mask',
    'causal_additive': 'additive_mask_returned',
    'causal_true_means_blocked': 'mask_polarity_inverted',
    'keys_q2_excludes_self': 'causal_excludes_diagonal',
    'keys_q2_one_based': 'counted_from_one',
    'keys_q2_reads_column': 'read_column_not_row',
    'keys_q2_upper': 'causal_allows_future',
    'keys_q2_ones_blocked': 'mask_polarity_inverted',
    'padding_no_query_axis': 'padding_missing_query_axis',
    'padding_off_by_one': 'padding_off_by_one',
    'padding_axis_last': 'padding_on_queries',
    'padding_true_at_pads': 'mask_polarity_inverted',
    'decoder_ignores_side': 'padding_side_ignored',
    'decoder_or': 'causal_allows_future',
    'decoder_pad_on_queries': 'padding_on_queries',
    'decoder_blanks_pad_rows': 'padding_on_queries',
    'decoder_left_flipped': 'condition_inverted',   # named by a mutant since: the left-padding comparison turned round
    'fix_only_polarity': 'mask_after_softmax',
    'fix_renormalise_nan': 'fully_masked_row_nan',
    'fix_inf_textbook_softmax': 'fully_masked_row_nan',
    'fix_minus_1e9': 'fully_masked_row_uniform',
    'fix_before_softmax_inverted': 'mask_polarity_inverted',
    'masked_no_max_shift': 'no_max_subtraction',
    'masked_nan_rows': 'fully_masked_row_nan',
    'masked_big_negative': 'fully_masked_row_uniform',
    'masked_max_includes_blocked': 'max_not_per_row',
    'masked_no_scale': 'no_sqrt_d_scaling',
    'shapes_kv_query_length': 'kv_shaped_by_query_length',
    'shapes_output_per_key': 'output_rows_from_keys',
    'shapes_weights_transposed': 'transposed_kq',
    'shapes_heads_after_positions': 'heads_axis_last',
    'shapes_merge_keeps_d': 'heads_not_merged',
    'axis_over_queries': 'softmax_wrong_axis',
    'axis_right_shape_keys': 'row_sums_shape',
    'axis_positive': 'axis_from_the_front',
    'axis_keepdims_shape': 'extra_axis',
    'axis_shape_only_targets': None,
    'attn_no_scale': 'no_sqrt_d_scaling',
    'attn_dot_T': 'transpose_all_axes',
    'attn_softmax_queries': 'softmax_wrong_axis',
    'attn_mask_multiply': 'masked_to_zero',
    'attn_scale_nk': 'scaled_by_wrong_dimension',
    'cross_fix_k_only': 'shared_projection',
    'cross_fix_v_only': 'keys_from_query_side',
    'cross_roles_swapped': 'queries_from_kv_side',
    'cross_keys_with_wq': 'shared_projection',
    'cross_values_unprojected': 'values_unprojected',
    'self_scale_D': 'scaled_by_wrong_dimension',
    'self_dot_T': 'transpose_all_axes',
    'self_zero_after_softmax': 'mask_after_softmax',
    'self_softmax_axis0': None,
    'self_mask_zero_scores': 'masked_to_zero',
    'split_reshape_trap': 'reshape_without_transpose',
    'split_strided': 'interleaved_features',
    'split_hardcoded_batch': 'fixed_ndim',
    'split_no_swap': 'heads_axis_last',
    'split_stack_axis0': 'batch_not_handled',
    'merge_reshape_only': 'reshape_without_transpose',
    'merge_hardcoded_4d': 'fixed_ndim',
    'merge_interleaved': 'interleaved_features',
    'merge_concat_first_axis': 'batch_not_handled',
    'merge_sum': 'heads_summed',
    'mha_reshape_trap': 'reshape_without_transpose',
    'mha_no_wo': 'forgot_w_o',
    'mha_no_bias': 'biases_ignored',
    'mha_average_weights': 'weights_averaged_over_heads',
    'mha_mask_head_axis_front': 'mask_missing_head_axis',
    'mha_scale_model_width': 'scaled_by_d_model',
    'mha_fix_split_only': 'reshape_without_transpose',
    'mha_fix_merge_only': 'reshape_without_transpose',
    'mha_fix_q_only': 'reshape_without_transpose',
    'mha_fix_with_T': None,
    'mha_fix_merge_wrong_pair': None,
    'gqa_tile': 'kv_heads_tiled',
    'gqa_modulo_loop': 'kv_heads_tiled',
    'gqa_scale_kv_width': 'scores_scale_off',
    'gqa_no_bias': 'biases_ignored',
    'gqa_average_kv': None,
    'kv_query_heads': 'kv_cache_used_query_heads',
    'kv_forgets_values': 'kv_cache_forgot_values',
    'kv_one_layer': 'wrong_quantity',
    'kv_float32': 'kv_cache_bytes_per_number',
    'kv_kilobytes': 'wrong_quantity',
    'smb_diagonal': 'softmax_grad_diagonal_only',
    'smb_no_rowsum': 'missing_rowsum_term',
    'smb_no_keepdims': 'missing_keepdims',
    'smb_unweighted_sum': None,
    'smb_no_p_factor': 'softmax_grad_without_p',
    'ng_forward_difference': 'fd_one_sided',
    'ng_divide_by_eps': 'fd_step_not_doubled',
    'ng_copy_keeps_int': 'fd_integer_copy',
    'ng_no_restore': 'fd_entry_not_restored',
    'ng_in_place': 'mutates_input',
    'ng_all_at_once': 'fd_all_entries_at_once',
    'ab_no_scale': 'backward_missing_scale',
    'ab_no_rowsum': 'missing_rowsum_term',
    'ab_dk_untransposed': 'transposed_dk',
    'ab_unmasked_P': 'gradient_through_masked',
    'ab_scale_dv_too': 'constant_factor',
    'ab_dot_T': 'transpose_all_axes',
    'bmb_minus_1e9': 'fully_masked_row_uniform',
    'bmb_minus_inf_nan': 'fully_masked_row_nan',
    'bmb_zero_P_after': 'mask_after_softmax',
    'bmb_mask_dS_only': None,
    'bmb_forgets_none': None,
}
JUDGED = {
    'causal_strict_past_loop': 'named',
    'causal_float_tril': 'named',
    'causal_additive': 'named',
    'causal_true_means_blocked': 'named',
    'keys_q2_excludes_self': 'named after',
    'keys_q2_one_based': 'named',
    'keys_q2_reads_column': 'named after',
    'keys_q2_upper': 'named',
    'keys_q2_ones_blocked': 'named',
    'padding_no_query_axis': 'named',
    'padding_off_by_one': 'named',
    'padding_axis_last': 'named',
    'padding_true_at_pads': 'named',
    'decoder_ignores_side': 'named',
    'decoder_or': 'named',
    'decoder_pad_on_queries': 'named',
    'decoder_blanks_pad_rows': 'named',
    'decoder_left_flipped': 'named',
    'fix_only_polarity': 'named',
    'fix_renormalise_nan': 'named',
    'fix_inf_textbook_softmax': 'named',
    'fix_minus_1e9': 'named',
    'fix_before_softmax_inverted': 'named',
    'masked_no_max_shift': 'named',
    'masked_nan_rows': 'named',
    'masked_big_negative': 'named',
    'masked_max_includes_blocked': 'named after',
    'masked_no_scale': 'named',
    'shapes_kv_query_length': 'named',
    'shapes_output_per_key': 'named',
    'shapes_weights_transposed': 'named',
    'shapes_heads_after_positions': 'named',
    'shapes_merge_keeps_d': 'named',
    'axis_over_queries': 'named',
    'axis_right_shape_keys': 'named',
    'axis_positive': 'named',
    'axis_keepdims_shape': 'named',
    'axis_shape_only_targets': 'vague',
    'attn_no_scale': 'named',
    'attn_dot_T': 'named',
    'attn_softmax_queries': 'named',
    'attn_mask_multiply': 'named',
    'attn_scale_nk': 'named',
    'cross_fix_k_only': 'named',
    'cross_fix_v_only': 'named',
    'cross_roles_swapped': 'named',
    'cross_keys_with_wq': 'named',
    'cross_values_unprojected': 'named',
    'self_scale_D': 'named',
    'self_dot_T': 'named',
    'self_zero_after_softmax': 'named',
    'self_softmax_axis0': 'vague',
    'self_mask_zero_scores': 'named',
    'split_reshape_trap': 'named',
    'split_strided': 'named',
    'split_hardcoded_batch': 'named',
    'split_no_swap': 'named',
    'split_stack_axis0': 'named',
    'merge_reshape_only': 'named',
    'merge_hardcoded_4d': 'named',
    'merge_interleaved': 'named',
    'merge_concat_first_axis': 'named',
    'merge_sum': 'named',
    'mha_reshape_trap': 'named',
    'mha_no_wo': 'named',
    'mha_no_bias': 'named',
    'mha_average_weights': 'named',
    'mha_mask_head_axis_front': 'named',
    'mha_scale_model_width': 'named',
    'mha_fix_split_only': 'named',
    'mha_fix_merge_only': 'named',
    'mha_fix_q_only': 'named',
    'mha_fix_with_T': 'vague',
    'mha_fix_merge_wrong_pair': 'vague',
    'gqa_tile': 'named',
    'gqa_modulo_loop': 'named',
    'gqa_scale_kv_width': 'named',
    'gqa_no_bias': 'named',
    'gqa_average_kv': 'vague',
    'kv_query_heads': 'named',
    'kv_forgets_values': 'named',
    'kv_one_layer': 'named',
    'kv_float32': 'named',
    'kv_kilobytes': 'named',
    'smb_diagonal': 'named',
    'smb_no_rowsum': 'named after',
    'smb_no_keepdims': 'named',
    'smb_unweighted_sum': 'vague',
    'smb_no_p_factor': 'named',
    'ng_forward_difference': 'named',
    'ng_divide_by_eps': 'named',
    'ng_copy_keeps_int': 'named',
    'ng_no_restore': 'named',
    'ng_in_place': 'named',
    'ng_all_at_once': 'named after',
    'ab_no_scale': 'named',
    'ab_no_rowsum': 'named',
    'ab_dk_untransposed': 'named',
    'ab_unmasked_P': 'named',
    'ab_scale_dv_too': 'named after',
    'ab_dot_T': 'named',
    'bmb_minus_1e9': 'named',
    'bmb_minus_inf_nan': 'named',
    'bmb_zero_P_after': 'named',
    'bmb_mask_dS_only': 'vague',
    'bmb_forgets_none': 'vague',
}
