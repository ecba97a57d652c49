"""Answers to the exercises of lessons 04-06, written from the lessons by a tester who never saw the checker.

174 answers: 139 wrong, 35 right but unusual. First measurement, before any change to the checker: 110 of the
139 wrong ones got a diagnosis of an idea, 3 were accepted and 2 crashed the checker (a relation that compared
arrays of different shapes). The checker's generic diagnosis was then extended from what the misses had in
common (right numbers in other places; weights sharper or flatter by a scale on the scores; an additive or
mirrored mask; a pair whose parts share a shape). A second reviewer, who had not seen the checker either, then
read each feedback beside the tester's description: 113 name the mistake, 15 are vague, 8 name another mistake,
3 are accepted. Four of the misnamed ones are named since (a mask read by its column, a query left out of
its own keys, a maximum that is not each row's own), marked "named after" in ``JUDGED``. The 3 accepted were
read as within what their exercises ask: a key list not sorted (ex04.q2), and two repairs of ex06.q4 that leave
biases and batch masks out, which that exercise never hands out. The unsorted keys are rejected since (the question
asks for the sorted list; a third blind bank's judge read them as wrong): "named after".

This bank tuned the checker, so it is a development bank; ``heldout_0407`` is the one measured before tuning.
``EXPECTED`` holds, for each wrong answer, the code whose feedback the reviewer judged to name the mistake, or
None where the feedback is vague or names another mistake; ``JUDGED`` the reviewer's word.
"""
import numpy as np

import attention_lib as al

BANK = []


def entry(exercise_id, idea, kind="wrong"):
    def register(fn):
        BANK.append({"id": exercise_id, "idea": idea, "kind": kind, "name": fn.__name__, "fn": fn})
        return fn
    return register


# ---------------------------------------------------------------- small helpers learners write

def _plain_softmax(s):
    """Textbook softmax: subtract the row max, no guard for all -inf rows."""
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _split(x, h):
    *lead, n, D = x.shape
    return np.swapaxes(x.reshape(*lead, n, h, D // h), -2, -3)


def _merge(x):
    *lead, h, n, d = x.shape
    return np.swapaxes(x, -2, -3).reshape(*lead, n, h * d)


def _proj(x, params, which):
    out = x @ params["W_" + which]
    b = params.get("b_" + which)
    return out if b is None else out + b


def _head_mask(mask):
    if mask is None:
        return None
    mask = np.asarray(mask)
    return mask[:, None] if mask.ndim == 3 else mask


# =====================================================================================
# ex04.q1 · causal_mask(n)
# =====================================================================================

@entry("causal_mask", "thinks causal means a query sees only the FUTURE: uses np.triu")
def causal_triu(n):
    return np.triu(np.ones((n, n), dtype=bool))


@entry("causal_mask", "thinks a query may not look at itself, only strictly earlier keys (tril with k=-1)")
def causal_strict_lower(n):
    return np.tril(np.ones((n, n), dtype=bool), k=-1)


@entry("causal_mask", "returns the lower triangle of ones as floats, forgetting the mask must be boolean")
def causal_float_tril(n):
    return np.tril(np.ones((n, n)))


@entry("causal_mask", "builds the lesson's 'future' triangle triu(k=1) but forgets to negate it (True = blocked)")
def causal_future_not_negated(n):
    return np.triu(np.ones((n, n)), k=1) == 1


@entry("causal_mask", "off by one: lets query i also see key i+1 (np.tri with k=1)")
def causal_sees_next(n):
    return np.tri(n, n, k=1, dtype=bool)


@entry("causal_mask", "returns the additive form (0 where allowed, -inf where blocked) instead of a boolean mask")
def causal_additive(n):
    return np.where(np.tril(np.ones((n, n), dtype=bool)), 0.0, -np.inf)


@entry("causal_mask", "adds a batch axis in front like the padding mask, returning (1, n, n)")
def causal_with_batch_axis(n):
    return np.tril(np.ones((n, n), dtype=bool))[None, :, :]


@entry("causal_mask", "loop fills mask[j, i] instead of mask[i, j]: rows and columns swapped")
def causal_loop_transposed(n):
    mask = np.zeros((n, n), dtype=bool)
    for i in range(n):
        for j in range(n):
            if j <= i:
                mask[j, i] = True
    return mask


@entry("causal_mask", "explicit double loop over queries and keys", kind="correct")
def causal_loop_ok(n):
    mask = np.zeros((n, n), dtype=bool)
    for i in range(n):
        for j in range(i + 1):
            mask[i, j] = True
    return mask


@entry("causal_mask", "compares position aranges with broadcasting, j <= i", kind="correct")
def causal_arange_ok(n):
    pos = np.arange(n)
    return pos[None, :] <= pos[:, None]


@entry("causal_mask", "negates the strictly-upper 'future' triangle, as the lesson shows", kind="correct")
def causal_not_future_ok(n):
    return ~np.triu(np.ones((n, n), dtype=bool), k=1)


# =====================================================================================
# ex04.q2 · causal_keys_query_2()
# =====================================================================================

_TRIL4 = [[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]]


@entry("causal_keys_query_2", "writes the upper triangle (query sees the future) and so gives query 2 keys 2 and 3")
def ckq2_upper():
    mask = [[1, 1, 1, 1], [0, 1, 1, 1], [0, 0, 1, 1], [0, 0, 0, 1]]
    return mask, [2, 3]


@entry("causal_keys_query_2", "right mask, but leaves query 2 itself out of the keys it may see")
def ckq2_excludes_self():
    return [row[:] for row in _TRIL4], [0, 1]


@entry("causal_keys_query_2", "thinks a token may not attend to itself: strictly lower mask and keys [0, 1]")
def ckq2_strict_lower():
    mask = [[0, 0, 0, 0], [1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0]]
    return mask, [0, 1]


@entry("causal_keys_query_2", "reads query 2's keys off column 2 of the mask instead of row 2")
def ckq2_reads_column():
    return [row[:] for row in _TRIL4], [2, 3]


@entry("causal_keys_query_2", "counts positions from 1, so 'query 2' is the second token and keys are 1-based")
def ckq2_one_based():
    return [row[:] for row in _TRIL4], [1, 2]


@entry("causal_keys_query_2", "writes the mask with True = blocked (the future), while the keys are right")
def ckq2_blocked_polarity():
    mask = [[0, 1, 1, 1], [0, 0, 1, 1], [0, 0, 0, 1], [0, 0, 0, 0]]
    return mask, [0, 1, 2]


@entry("causal_keys_query_2", "lists the keys backwards from the query itself instead of sorted")
def ckq2_unsorted():
    return [row[:] for row in _TRIL4], [2, 1, 0]


@entry("causal_keys_query_2", "off by one in the mask: each query also sees the next token, so query 2 sees all four")
def ckq2_sees_next():
    mask = [[1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1], [1, 1, 1, 1]]
    return mask, [0, 1, 2, 3]


@entry("causal_keys_query_2", "hand-written booleans instead of 0/1", kind="correct")
def ckq2_bools_ok():
    T, F = True, False
    mask = [[T, F, F, F], [T, T, F, F], [T, T, T, F], [T, T, T, T]]
    return mask, [0, 1, 2]


@entry("causal_keys_query_2", "computed with numpy and converted with tolist()", kind="correct")
def ckq2_numpy_ok():
    m = np.tril(np.ones((4, 4), dtype=int))
    return m.tolist(), [int(j) for j in np.flatnonzero(m[2])]


# =====================================================================================
# ex04.q3 · padding_mask(lengths, n)
# =====================================================================================

@entry("padding_mask", "off by one: keeps key j when j <= L instead of j < L")
def pad_le(lengths, n):
    lengths = np.asarray(lengths)
    return (np.arange(n)[None, :] <= lengths[:, None])[:, None, :]


@entry("padding_mask", "forgets the query axis and returns shape (B, n)")
def pad_2d(lengths, n):
    lengths = np.asarray(lengths)
    return np.arange(n)[None, :] < lengths[:, None]


@entry("padding_mask", "puts the size-1 axis last, (B, n, 1), so padding hides queries rather than keys")
def pad_axis_last(lengths, n):
    lengths = np.asarray(lengths)
    return (np.arange(n)[None, :] < lengths[:, None])[:, :, None]


@entry("padding_mask", "True marks the padding (True = blocked), as in nn.MultiheadAttention's key_padding_mask")
def pad_inverted(lengths, n):
    lengths = np.asarray(lengths)
    return (np.arange(n)[None, :] >= lengths[:, None])[:, None, :]


@entry("padding_mask", "pads on the left by mistake: keeps the last L keys")
def pad_left(lengths, n):
    lengths = np.asarray(lengths)
    return (np.arange(n)[None, :] >= n - lengths[:, None])[:, None, :]


@entry("padding_mask", "returns a 0/1 integer mask instead of booleans")
def pad_int(lengths, n):
    lengths = np.asarray(lengths)
    return (np.arange(n)[None, :] < lengths[:, None]).astype(int)[:, None, :]


@entry("padding_mask", "uses the longest length instead of n for the key axis")
def pad_uses_max_len(lengths, n):
    lengths = np.asarray(lengths)
    width = int(lengths.max()) if lengths.size else n
    return (np.arange(width)[None, :] < lengths[:, None])[:, None, :]


@entry("padding_mask", "adds the size-1 axis in front, giving (1, B, n)")
def pad_axis_front(lengths, n):
    lengths = np.asarray(lengths)
    return (np.arange(n)[None, :] < lengths[:, None])[None, :, :]


@entry("padding_mask", "loop over the batch filling the first L keys", kind="correct")
def pad_loop_ok(lengths, n):
    lengths = list(lengths)
    mask = np.zeros((len(lengths), 1, n), dtype=bool)
    for b, L in enumerate(lengths):
        mask[b, 0, :L] = True
    return mask


@entry("padding_mask", "np.less.outer then np.expand_dims", kind="correct")
def pad_outer_ok(lengths, n):
    return np.expand_dims(np.less.outer(np.arange(n), np.asarray(lengths)).T, 1)


# =====================================================================================
# ex04.q4 · decoder_mask(lengths, n, side="right")
# =====================================================================================

def _tril(n):
    return np.tril(np.ones((n, n), dtype=bool))


@entry("decoder_mask", "ignores side and always treats the padding as on the right")
def dec_ignores_side(lengths, n, side="right"):
    lengths = np.asarray(lengths)
    real = np.arange(n)[None, :] < lengths[:, None]
    return _tril(n)[None] & real[:, None, :]


@entry("decoder_mask", "combines the two masks with OR instead of AND")
def dec_or(lengths, n, side="right"):
    lengths = np.asarray(lengths)
    pos = np.arange(n)
    real = pos[None, :] >= n - lengths[:, None] if side == "left" else pos[None, :] < lengths[:, None]
    return _tril(n)[None] | real[:, None, :]


@entry("decoder_mask", "applies the padding to the query rows instead of the key columns")
def dec_pad_on_rows(lengths, n, side="right"):
    lengths = np.asarray(lengths)
    pos = np.arange(n)
    real = pos[None, :] >= n - lengths[:, None] if side == "left" else pos[None, :] < lengths[:, None]
    return _tril(n)[None] & real[:, :, None]


@entry("decoder_mask", "believes padded queries must be blanked too: masks padding on both rows and columns")
def dec_blank_pad_queries(lengths, n, side="right"):
    lengths = np.asarray(lengths)
    pos = np.arange(n)
    real = pos[None, :] >= n - lengths[:, None] if side == "left" else pos[None, :] < lengths[:, None]
    return _tril(n)[None] & real[:, None, :] & real[:, :, None]


@entry("decoder_mask", "off by one on the left side: real keys are j > n - L")
def dec_left_off_by_one(lengths, n, side="right"):
    lengths = np.asarray(lengths)
    pos = np.arange(n)
    real = pos[None, :] > n - lengths[:, None] if side == "left" else pos[None, :] < lengths[:, None]
    return _tril(n)[None] & real[:, None, :]


@entry("decoder_mask", "uses the upper triangle for the causal part (the query sees the future)")
def dec_triu(lengths, n, side="right"):
    lengths = np.asarray(lengths)
    pos = np.arange(n)
    real = pos[None, :] >= n - lengths[:, None] if side == "left" else pos[None, :] < lengths[:, None]
    return np.triu(np.ones((n, n), dtype=bool))[None] & real[:, None, :]


@entry("decoder_mask", "adds a head axis as in the lesson and returns (B, 1, n, n)")
def dec_head_axis(lengths, n, side="right"):
    lengths = np.asarray(lengths)
    pos = np.arange(n)
    real = pos[None, :] >= n - lengths[:, None] if side == "left" else pos[None, :] < lengths[:, None]
    return (_tril(n)[None] & real[:, None, :])[:, None]


@entry("decoder_mask", "worried about NaN, lets the left-pad queries see themselves so no row is empty")
def dec_no_empty_rows(lengths, n, side="right"):
    lengths = np.asarray(lengths)
    pos = np.arange(n)
    real = pos[None, :] >= n - lengths[:, None] if side == "left" else pos[None, :] < lengths[:, None]
    m = _tril(n)[None] & real[:, None, :]
    empty = ~m.any(axis=-1)                               # (B, n)
    eye = np.eye(n, dtype=bool)[None]
    return m | (empty[:, :, None] & eye)


@entry("decoder_mask", "triple loop over batch, query and key", kind="correct")
def dec_loop_ok(lengths, n, side="right"):
    lengths = list(lengths)
    out = np.zeros((len(lengths), n, n), dtype=bool)
    for b, L in enumerate(lengths):
        for i in range(n):
            for j in range(i + 1):
                real = (j < L) if side == "right" else (j >= n - L)
                out[b, i, j] = real
    return out


@entry("decoder_mask", "left padding as a flipped arange compared with L, combined with np.logical_and", kind="correct")
def dec_flip_ok(lengths, n, side="right"):
    lengths = np.asarray(lengths)
    pos = np.arange(n)
    if side == "left":
        pos = pos[::-1]                                   # distance from the end
    real = pos[None, :] < lengths[:, None]                # (B, n)
    causal = np.arange(n)[:, None] >= np.arange(n)[None, :]
    return np.logical_and(causal[None], real[:, None, :])


# =====================================================================================
# ex04.q5 · fix_masked_attention(q, k, v, mask=None)   (find the bug: 3 bugs)
# =====================================================================================

@entry("fix_masked_attention", "fixes only the polarity (np.where(mask, weights, 0)) but still masks after the softmax")
def fix_polarity_only(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = e / e.sum(axis=-1, keepdims=True)
    if mask is not None:
        weights = np.where(mask, weights, 0.0)
    return weights @ v, weights


@entry("fix_masked_attention", "zeroes blocked weights after the softmax then renormalises: empty rows become 0/0 = NaN")
def fix_renormalise(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = e / e.sum(axis=-1, keepdims=True)
    if mask is not None:
        weights = np.where(mask, weights, 0.0)
        weights = weights / weights.sum(axis=-1, keepdims=True)
    return weights @ v, weights


@entry("fix_masked_attention", "moves the mask before the softmax with -inf but keeps the plain softmax: NaN on fully masked rows")
def fix_two_of_three(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = e / e.sum(axis=-1, keepdims=True)
    return weights @ v, weights


@entry("fix_masked_attention", "moves the mask before the softmax but keeps the inverted polarity np.where(mask, -inf, scores)")
def fix_moved_keeps_polarity(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, -np.inf, scores)
    weights = al.softmax(scores, axis=-1)
    return weights @ v, weights


@entry("fix_masked_attention", "masks the scores before the softmax but fills them with 0, thinking 0 blocks a key")
def fix_fill_zero(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, 0.0)
    weights = al.softmax(scores, axis=-1)
    return weights @ v, weights


@entry("fix_masked_attention", "uses -1e9 instead of -inf to dodge NaN: fully masked rows get uniform weights")
def fix_minus_1e9(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -1e9)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = e / e.sum(axis=-1, keepdims=True)
    return weights @ v, weights


@entry("fix_masked_attention", "adds the -inf masking before the softmax but forgets to delete the old np.where line after it")
def fix_left_old_line(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    weights = al.softmax(scores, axis=-1)
    if mask is not None:
        weights = np.where(mask, 0.0, weights)
    return weights @ v, weights


@entry("fix_masked_attention", "guards the max of an all -inf row (shift by 0) but not the division, so 0/0 is still NaN")
def fix_guard_max_only(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    top = scores.max(axis=-1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    e = np.exp(scores - top)
    with np.errstate(invalid="ignore", divide="ignore"):
        weights = e / e.sum(axis=-1, keepdims=True)
    return weights @ v, weights


@entry("fix_masked_attention", "all three fixed with -inf and al.softmax, which gives empty rows zeros", kind="correct")
def fix_al_softmax_ok(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    weights = al.softmax(scores, axis=-1)
    return weights @ v, weights


@entry("fix_masked_attention", "masks with exp(...) * mask, sums, and divides only where the sum is positive", kind="correct")
def fix_multiply_mask_ok(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is None:
        mask = np.ones(scores.shape[-2:], dtype=bool)
    mask = np.broadcast_to(mask, scores.shape)
    top = np.where(mask, scores, -np.inf).max(axis=-1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    e = np.where(mask, np.exp(np.where(mask, scores - top, 0.0)), 0.0)
    total = e.sum(axis=-1, keepdims=True)
    weights = np.divide(e, total, out=np.zeros_like(e), where=total > 0)
    return weights @ v, weights


# =====================================================================================
# ex04.q6 · masked_attention(q, k, v, mask=None)   (numpy only, survives empty rows)
# =====================================================================================

@entry("masked_attention", "forgets to subtract the row maximum: exp overflows for large scores")
def ma_no_max_shift(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        e = np.exp(scores)
        weights = e / e.sum(axis=-1, keepdims=True)
    return weights @ v, weights


@entry("masked_attention", "textbook stable softmax with -inf: fully masked rows come out NaN")
def ma_nan_rows(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    with np.errstate(invalid="ignore"):
        weights = _plain_softmax(scores)
    return weights @ v, weights


@entry("masked_attention", "fills blocked scores with -1e9: a fully masked row gets uniform weights, not zeros")
def ma_minus_1e9(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -1e9)
    weights = _plain_softmax(scores)
    return weights @ v, weights


@entry("masked_attention", "subtracts the global maximum instead of each row's maximum")
def ma_global_max(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    finite = scores[np.isfinite(scores)]
    top = finite.max() if finite.size else 0.0
    e = np.exp(scores - top)
    total = e.sum(axis=-1, keepdims=True)
    weights = np.divide(e, total, out=np.zeros_like(e), where=total > 0)
    return weights @ v, weights


@entry("masked_attention", "forgets to divide the scores by sqrt(d)")
def ma_no_scale(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    top = scores.max(axis=-1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    e = np.exp(scores - top)
    total = e.sum(axis=-1, keepdims=True)
    weights = np.divide(e, total, out=np.zeros_like(e), where=total > 0)
    return weights @ v, weights


@entry("masked_attention", "scales by sqrt of the number of keys instead of sqrt(d)")
def ma_scale_nk(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(k.shape[-2])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    top = scores.max(axis=-1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    e = np.exp(scores - top)
    total = e.sum(axis=-1, keepdims=True)
    weights = np.divide(e, total, out=np.zeros_like(e), where=total > 0)
    return weights @ v, weights


@entry("masked_attention", "softmax over all keys first, then zeroes blocked weights and renormalises with a small epsilon")
def ma_softmax_then_mask_eps(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    weights = _plain_softmax(scores)
    if mask is not None:
        weights = weights * mask
        weights = weights / (weights.sum(axis=-1, keepdims=True) + 1e-9)
    return weights @ v, weights


@entry("masked_attention", "transposes the keys with k.T, which reverses every axis when there is a batch")
def ma_k_dot_T(q, k, v, mask=None):
    scores = q @ k.T / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    top = scores.max(axis=-1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    e = np.exp(scores - top)
    total = e.sum(axis=-1, keepdims=True)
    weights = np.divide(e, total, out=np.zeros_like(e), where=total > 0)
    return weights @ v, weights


@entry("masked_attention", "guards the max, then uses np.divide(where=) for empty rows, written with einsum", kind="correct")
def ma_einsum_ok(q, k, v, mask=None):
    q, k, v = np.asarray(q, float), np.asarray(k, float), np.asarray(v, float)
    scores = np.einsum("...qd,...kd->...qk", q, k) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    top = np.max(scores, axis=-1, keepdims=True)
    top[~np.isfinite(top)] = 0.0                          # in place
    e = np.exp(scores - top)
    total = e.sum(axis=-1, keepdims=True)
    weights = np.divide(e, total, out=np.zeros_like(e), where=total > 0)
    return np.einsum("...qk,...kd->...qd", weights, v), weights


@entry("masked_attention", "-1e9 fill, then explicitly zeroes the rows that have no allowed key", kind="correct")
def ma_1e9_fixup_ok(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -1e9)
    weights = _plain_softmax(scores)
    if mask is not None:
        has_key = np.broadcast_to(mask, scores.shape).any(axis=-1, keepdims=True)
        weights = np.where(np.broadcast_to(mask, scores.shape) & has_key, weights, 0.0)
    return weights @ v, weights


# =====================================================================================
# ex05.q1 · cross_attention_shapes()
# =====================================================================================
# B = 4, n_tgt = 6, n_src = 10, D = 512, h = 8, d = 64

@entry("cross_attention_shapes", "gives keys and values the query (target) length 6 instead of the source length 10")
def cas_kv_query_length():
    return (4, 8, 6, 64), (4, 8, 6, 64), (4, 8, 6, 64), (4, 8, 6, 6), (4, 8, 6, 64), (4, 6, 512)


@entry("cross_attention_shapes", "writes the weights as (keys, queries): (B, h, n_src, n_tgt)")
def cas_weights_transposed():
    return (4, 8, 6, 64), (4, 8, 10, 64), (4, 8, 10, 64), (4, 8, 10, 6), (4, 8, 6, 64), (4, 6, 512)


@entry("cross_attention_shapes", "thinks the output has one row per key (source length)")
def cas_output_per_key():
    return (4, 8, 6, 64), (4, 8, 10, 64), (4, 8, 10, 64), (4, 8, 6, 10), (4, 8, 10, 64), (4, 10, 512)


@entry("cross_attention_shapes", "uses the (B, n, h, d) layout instead of the lesson's (B, h, n, d)")
def cas_bnhd_layout():
    return (4, 6, 8, 64), (4, 10, 8, 64), (4, 10, 8, 64), (4, 6, 8, 10), (4, 6, 8, 64), (4, 6, 512)


@entry("cross_attention_shapes", "does not split the width: every head keeps all D = 512 features")
def cas_no_split():
    return (4, 8, 6, 512), (4, 8, 10, 512), (4, 8, 10, 512), (4, 8, 6, 10), (4, 8, 6, 512), (4, 6, 4096)


@entry("cross_attention_shapes", "queries from the encoder and keys/values from the decoder (roles swapped)")
def cas_roles_swapped():
    return (4, 8, 10, 64), (4, 8, 6, 64), (4, 8, 6, 64), (4, 8, 10, 6), (4, 8, 10, 64), (4, 10, 512)


@entry("cross_attention_shapes", "thinks merging keeps only one head's width: merged output (B, n_tgt, 64)")
def cas_merge_no_concat():
    return (4, 8, 6, 64), (4, 8, 10, 64), (4, 8, 10, 64), (4, 8, 6, 10), (4, 8, 6, 64), (4, 6, 64)


@entry("cross_attention_shapes", "gives the weights averaged over heads, as nn.MultiheadAttention does: (B, n_tgt, n_src)")
def cas_weights_averaged():
    return (4, 8, 6, 64), (4, 8, 10, 64), (4, 8, 10, 64), (4, 6, 10), (4, 8, 6, 64), (4, 6, 512)


@entry("cross_attention_shapes", "computes the shapes from named sizes", kind="correct")
def cas_named_ok():
    B, h, n_q, n_k, D = 4, 8, 6, 10, 512
    d = D // h
    return ((B, h, n_q, d), (B, h, n_k, d), (B, h, n_k, d), (B, h, n_q, n_k), (B, h, n_q, d), (B, n_q, h * d))


@entry("cross_attention_shapes", "a list of six tuples read off real numpy arrays", kind="correct")
def cas_arrays_ok():
    q, k, v = np.zeros((4, 8, 6, 64)), np.zeros((4, 8, 10, 64)), np.zeros((4, 8, 10, 64))
    w = q @ np.swapaxes(k, -1, -2)
    o = w @ v
    merged = np.swapaxes(o, 1, 2).reshape(4, 6, 512)
    return [q.shape, k.shape, v.shape, w.shape, o.shape, merged.shape]


# =====================================================================================
# ex05.q2 · cross_softmax_axis()
# =====================================================================================

@entry("cross_softmax_axis", "normalises over the queries (target axis, -2), so the sums are per source key")
def csa_queries():
    return -2, (2, 8, 10)


@entry("cross_softmax_axis", "gives the axis as a positive index 3 instead of counting from the end")
def csa_positive():
    return 3, (2, 8, 6)


@entry("cross_softmax_axis", "right axis, but thinks the sum keeps the source axis: shape (2, 8, 10)")
def csa_shape_src():
    return -1, (2, 8, 10)


@entry("cross_softmax_axis", "thinks the summed array keeps the axis with size 1, as with keepdims")
def csa_keepdims():
    return -1, (2, 8, 6, 1)


@entry("cross_softmax_axis", "one distribution per target word, forgetting batch and heads: shape (6,)")
def csa_only_targets():
    return -1, (6,)


@entry("cross_softmax_axis", "gives the number of distributions (2*8*6 = 96) instead of the shape")
def csa_count():
    return -1, 96


@entry("cross_softmax_axis", "forgets the batch axis: one distribution per head and target word, (8, 6)")
def csa_no_batch():
    return -1, (8, 6)


@entry("cross_softmax_axis", "answers with the shape of the weights themselves")
def csa_weights_shape():
    return -1, (2, 8, 6, 10)


@entry("cross_softmax_axis", "computed by summing real softmax weights", kind="correct")
def csa_computed_ok():
    axis = -1
    w = al.softmax(np.zeros((2, 8, 6, 10)), axis=axis)
    return axis, w.sum(axis=axis).shape


@entry("cross_softmax_axis", "shape given as a list", kind="correct")
def csa_list_ok():
    return -1, [2, 8, 6]


# =====================================================================================
# ex05.q3 · attention(q, k, v, mask=None)
# =====================================================================================

@entry("attention", "forgets to divide the scores by sqrt(d)")
def att_no_scale(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    w = al.softmax(scores, axis=-1)
    return w @ v, w


@entry("attention", "scales by sqrt of the value width d_v instead of the key width d")
def att_scale_dv(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(v.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    w = al.softmax(scores, axis=-1)
    return w @ v, w


@entry("attention", "divides by d instead of sqrt(d)")
def att_scale_d(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / q.shape[-1]
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    w = al.softmax(scores, axis=-1)
    return w @ v, w


@entry("attention", "transposes k with .T, which is only right without batch axes")
def att_k_T(q, k, v, mask=None):
    scores = q @ k.T / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    w = al.softmax(scores, axis=-1)
    return w @ v, w


@entry("attention", "takes the softmax over the queries (axis=-2)")
def att_softmax_queries(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    w = al.softmax(scores, axis=-2)
    return w @ v, w


@entry("attention", "reads the mask as True = blocked")
def att_mask_inverted(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, -np.inf, scores)
    w = al.softmax(scores, axis=-1)
    return w @ v, w


@entry("attention", "applies the mask to the weights after the softmax")
def att_mask_after(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    w = al.softmax(scores, axis=-1)
    if mask is not None:
        w = w * mask
    return w @ v, w


@entry("attention", "averages the keys instead of the values (weights @ k)")
def att_blends_keys(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    w = al.softmax(scores, axis=-1)
    return w @ k, w


@entry("attention", "adds the boolean mask to the scores as if it were an additive mask")
def att_add_bool_mask(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores + mask
    w = al.softmax(scores, axis=-1)
    return w @ v, w


@entry("attention", "einsum with an additive mask from al.additive_mask", kind="correct")
def att_einsum_ok(q, k, v, mask=None):
    scores = np.einsum("...id,...jd->...ij", q, k) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores + al.additive_mask(np.asarray(mask))
    w = al.softmax(scores, axis=-1)
    return np.einsum("...ij,...jd->...id", w, v), w


@entry("attention", "fills with -1e9 and writes the stable softmax by hand, in place", kind="correct")
def att_1e9_inplace_ok(q, k, v, mask=None):
    scores = np.matmul(q, np.swapaxes(k, -1, -2)) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -1e9)
    scores -= scores.max(axis=-1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=-1, keepdims=True)
    return scores @ v, scores


# =====================================================================================
# ex05.q4 · cross_attention(x_q, x_kv, W_q, W_k, W_v, mask=None)   (find the bug: 2 bugs)
# =====================================================================================

@entry("cross_attention", "fixes only the keys (x_kv @ W_k); the values still use W_k")
def ca_fix_keys_only(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = x_q @ W_q
    k = x_kv @ W_k
    v = x_kv @ W_k
    return al.attention(q, k, v, mask)


@entry("cross_attention", "fixes only the values (W_v); the keys still come from x_q")
def ca_fix_values_only(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = x_q @ W_q
    k = x_q @ W_k
    v = x_kv @ W_v
    return al.attention(q, k, v, mask)


@entry("cross_attention", "takes the queries from the encoder and keys and values from the decoder")
def ca_roles_swapped(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = x_kv @ W_q
    k = x_q @ W_k
    v = x_q @ W_v
    return al.attention(q, k, v, mask)


@entry("cross_attention", "believes Q and K come from the encoder and V from the decoder")
def ca_qk_encoder_v_decoder(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = x_kv @ W_q
    k = x_kv @ W_k
    v = x_q @ W_v
    return al.attention(q, k, v, mask)


@entry("cross_attention", "keys from the encoder but values from the decoder")
def ca_values_from_decoder(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = x_q @ W_q
    k = x_kv @ W_k
    v = x_q @ W_v
    return al.attention(q, k, v, mask)


@entry("cross_attention", "swaps W_k and W_v between the keys and the values")
def ca_swapped_weights(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = x_q @ W_q
    k = x_kv @ W_v
    v = x_kv @ W_k
    return al.attention(q, k, v, mask)


@entry("cross_attention", "fixes both bugs but drops the mask when calling attention")
def ca_drops_mask(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = x_q @ W_q
    k = x_kv @ W_k
    v = x_kv @ W_v
    return al.attention(q, k, v)


@entry("cross_attention", "projects the keys with the query matrix W_q (one shared matrix for Q and K)")
def ca_shared_qk(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = x_q @ W_q
    k = x_kv @ W_q
    v = x_kv @ W_v
    return al.attention(q, k, v, mask)


@entry("cross_attention", "np.matmul for the projections, then al.attention", kind="correct")
def ca_matmul_ok(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = np.matmul(x_q, W_q)
    k, v = np.matmul(x_kv, W_k), np.matmul(x_kv, W_v)
    return al.attention(q, k, v, mask=mask)


@entry("cross_attention", "einsum projections and attention written out by hand", kind="correct")
def ca_einsum_ok(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = np.einsum("...nD,Dd->...nd", x_q, W_q)
    k = np.einsum("...nD,Dd->...nd", x_kv, W_k)
    v = np.einsum("...nD,Dd->...nd", x_kv, W_v)
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    w = al.softmax(scores)
    return w @ v, w


# =====================================================================================
# ex05.q5 · self_attention(x, W_q, W_k, W_v, mask=None)
# =====================================================================================

@entry("self_attention", "divides by sqrt of the model width D instead of sqrt(d)")
def sa_scale_D(x, W_q, W_k, W_v, mask=None):
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(x.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    w = al.softmax(scores, axis=-1)
    return w @ v, w


@entry("self_attention", "uses W_q for the keys too (one shared matrix for queries and keys)")
def sa_shared_qk(x, W_q, W_k, W_v, mask=None):
    q, k, v = x @ W_q, x @ W_q, x @ W_v
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    w = al.softmax(scores, axis=-1)
    return w @ v, w


@entry("self_attention", "scales by sqrt(d_v), the width of the values")
def sa_scale_dv(x, W_q, W_k, W_v, mask=None):
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(v.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    w = al.softmax(scores, axis=-1)
    return w @ v, w


@entry("self_attention", "reads the causal mask as True = blocked")
def sa_mask_inverted(x, W_q, W_k, W_v, mask=None):
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(~np.asarray(mask), scores, -np.inf)
    w = al.softmax(scores, axis=-1)
    return w @ v, w


@entry("self_attention", "uses k.T, which breaks once x has a batch axis")
def sa_k_T(x, W_q, W_k, W_v, mask=None):
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    scores = q @ k.T / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    w = al.softmax(scores, axis=-1)
    return w @ v, w


@entry("self_attention", "softmax over axis 0 / the query axis")
def sa_softmax_queries(x, W_q, W_k, W_v, mask=None):
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    w = al.softmax(scores, axis=-2)
    return w @ v, w


@entry("self_attention", "forgets to project the values: averages x itself")
def sa_values_are_x(x, W_q, W_k, W_v, mask=None):
    q, k = x @ W_q, x @ W_k
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    w = al.softmax(scores, axis=-1)
    return w @ x, w


@entry("self_attention", "applies the causal mask to the weights after the softmax")
def sa_mask_after(x, W_q, W_k, W_v, mask=None):
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    w = al.softmax(scores, axis=-1)
    if mask is not None:
        w = np.where(mask, w, 0.0)
    return w @ v, w


@entry("self_attention", "copy-paste slip: projects the values with W_k")
def sa_values_Wk(x, W_q, W_k, W_v, mask=None):
    q, k, v = x @ W_q, x @ W_k, x @ W_k
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    w = al.softmax(scores, axis=-1)
    return w @ v, w


@entry("self_attention", "einsum throughout with al.softmax", kind="correct")
def sa_einsum_ok(x, W_q, W_k, W_v, mask=None):
    q = np.einsum("...nD,Dd->...nd", x, W_q)
    k = np.einsum("...nD,Dd->...nd", x, W_k)
    v = np.einsum("...nD,De->...ne", x, W_v)
    scores = np.einsum("...id,...jd->...ij", q, k) / np.sqrt(W_q.shape[1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    w = al.softmax(scores, axis=-1)
    return w @ v, w


@entry("self_attention", "a helper for the attention step, -1e9 fill and a hand softmax", kind="correct")
def sa_helper_ok(x, W_q, W_k, W_v, mask=None):
    def attend(q, k, v, m):
        s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
        if m is not None:
            s = np.where(m, s, -1e9)
        w = _plain_softmax(s)
        return w @ v, w
    return attend(x @ W_q, x @ W_k, x @ W_v, mask)


# =====================================================================================
# ex06.q1 · split_heads(x, n_heads)
# =====================================================================================

@entry("split_heads", "the reshape trap: reshapes straight to (..., h, n, d) without a transpose")
def sh_reshape_trap(x, n_heads):
    *lead, n, D = x.shape
    return x.reshape(*lead, n_heads, n, D // n_heads)


@entry("split_heads", "reshapes to (..., n, h, d) but forgets to swap the n and h axes")
def sh_no_swap(x, n_heads):
    *lead, n, D = x.shape
    return x.reshape(*lead, n, n_heads, D // n_heads)


@entry("split_heads", "reshapes to (..., n, d, h), so head j takes every h-th feature (interleaved)")
def sh_interleaved(x, n_heads):
    *lead, n, D = x.shape
    y = x.reshape(*lead, n, D // n_heads, n_heads)        # (..., n, d, h)
    return np.moveaxis(y, -1, -3)                         # (..., h, n, d)


@entry("split_heads", "stacks the heads on a new first axis: (h, ..., n, d)")
def sh_heads_first(x, n_heads):
    return np.stack(np.split(x, n_heads, axis=-1), axis=0)


@entry("split_heads", "swaps the last two axes after the reshape instead of the n and h axes")
def sh_swaps_wrong_pair(x, n_heads):
    *lead, n, D = x.shape
    return np.swapaxes(x.reshape(*lead, n, n_heads, D // n_heads), -1, -2)


@entry("split_heads", "hard-codes transpose(0, 2, 1, 3): only works with exactly one batch axis")
def sh_hardcoded_transpose(x, n_heads):
    B, n, D = x.shape
    return x.reshape(B, n, n_heads, D // n_heads).transpose(0, 2, 1, 3)


@entry("split_heads", "mixes up the head count and the head width: splits into D/h heads of width h")
def sh_h_and_d_swapped(x, n_heads):
    *lead, n, D = x.shape
    return np.swapaxes(x.reshape(*lead, n, D // n_heads, n_heads), -2, -3)


@entry("split_heads", "reverses every axis with .T after the reshape")
def sh_dot_T(x, n_heads):
    *lead, n, D = x.shape
    return x.reshape(*lead, n, n_heads, D // n_heads).T


@entry("split_heads", "np.split along the features, then np.stack before the position axis", kind="correct")
def sh_split_stack_ok(x, n_heads):
    x = np.asarray(x)
    return np.stack(np.split(x, n_heads, axis=-1), axis=-3)


@entry("split_heads", "transposes features to the front, reshapes them into heads, transposes back", kind="correct")
def sh_transpose_trick_ok(x, n_heads):
    x = np.asarray(x)
    *lead, n, D = x.shape
    y = np.swapaxes(x, -1, -2).reshape(*lead, n_heads, D // n_heads, n)   # (..., h, d, n)
    return np.swapaxes(y, -1, -2)                                          # (..., h, n, d)


# =====================================================================================
# ex06.q2 · merge_heads(x)
# =====================================================================================

@entry("merge_heads", "the reshape trap: reshapes (..., h, n, d) straight to (..., n, h*d)")
def mh_reshape_trap(x):
    *lead, h, n, d = x.shape
    return x.reshape(*lead, n, h * d)


@entry("merge_heads", "moves the head axis last before reshaping: features come out interleaved")
def mh_interleaved(x):
    *lead, h, n, d = x.shape
    return np.moveaxis(x, -3, -1).reshape(*lead, n, h * d)


@entry("merge_heads", "thinks merging means adding the heads together")
def mh_sum(x):
    return x.sum(axis=-3)


@entry("merge_heads", "averages the heads, as nn.MultiheadAttention does with its weights")
def mh_mean(x):
    return x.mean(axis=-3)


@entry("merge_heads", "concatenates list(x) along the last axis: right with no batch, wrong with one")
def mh_concat_first_axis(x):
    return np.concatenate(list(x), axis=-1)


@entry("merge_heads", "hard-codes transpose(0, 2, 1, 3), so it only handles one batch axis")
def mh_hardcoded_transpose(x):
    B, h, n, d = x.shape
    return x.transpose(0, 2, 1, 3).reshape(B, n, h * d)


@entry("merge_heads", "uses .T to bring n forward, which reverses every axis")
def mh_dot_T(x):
    *lead, h, n, d = x.shape
    return x.T.reshape(*lead, n, h * d)


@entry("merge_heads", "concatenates the heads along the positions instead of the features")
def mh_concat_positions(x):
    h = x.shape[-3]
    return np.concatenate([x[..., j, :, :] for j in range(h)], axis=-2)


@entry("merge_heads", "a list of the heads concatenated along the features", kind="correct")
def mh_concat_ok(x):
    x = np.asarray(x)
    return np.concatenate([x[..., j, :, :] for j in range(x.shape[-3])], axis=-1)


@entry("merge_heads", "np.moveaxis then reshape with -1", kind="correct")
def mh_moveaxis_ok(x):
    x = np.asarray(x)
    y = np.moveaxis(x, -3, -2)                            # (..., n, h, d)
    return y.reshape(*y.shape[:-2], -1)


# =====================================================================================
# ex06.q3 · multi_head_attention(x_q, x_kv, params, n_heads, mask=None)
# =====================================================================================

@entry("multi_head_attention", "merges the heads but forgets the output projection W_o")
def mha_no_Wo(x_q, x_kv, params, n_heads, mask=None):
    q = _split(_proj(x_q, params, "q"), n_heads)
    k = _split(_proj(x_kv, params, "k"), n_heads)
    v = _split(_proj(x_kv, params, "v"), n_heads)
    heads, w = al.attention(q, k, v, _head_mask(mask))
    return _merge(heads), w


@entry("multi_head_attention", "ignores the biases b_q, b_k, b_v, b_o in params")
def mha_no_bias(x_q, x_kv, params, n_heads, mask=None):
    q = _split(x_q @ params["W_q"], n_heads)
    k = _split(x_kv @ params["W_k"], n_heads)
    v = _split(x_kv @ params["W_v"], n_heads)
    heads, w = al.attention(q, k, v, _head_mask(mask))
    return _merge(heads) @ params["W_o"], w


@entry("multi_head_attention", "scales the scores by sqrt(D), the model width, instead of sqrt(D/h)")
def mha_scale_D(x_q, x_kv, params, n_heads, mask=None):
    D = x_q.shape[-1]
    q = _split(_proj(x_q, params, "q"), n_heads)
    k = _split(_proj(x_kv, params, "k"), n_heads)
    v = _split(_proj(x_kv, params, "v"), n_heads)
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(D)
    m = _head_mask(mask)
    if m is not None:
        scores = np.where(m, scores, -np.inf)
    w = al.softmax(scores, axis=-1)
    return _proj(_merge(w @ v), params, "o"), w


@entry("multi_head_attention", "applies a (B, 1, n_k) batch mask straight to the 4-axis scores: it lines up with the heads")
def mha_mask_no_head_axis(x_q, x_kv, params, n_heads, mask=None):
    d = x_q.shape[-1] // n_heads
    q = _split(_proj(x_q, params, "q"), n_heads)
    k = _split(_proj(x_kv, params, "k"), n_heads)
    v = _split(_proj(x_kv, params, "v"), n_heads)
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    w = al.softmax(scores, axis=-1)
    return _proj(_merge(w @ v), params, "o"), w


@entry("multi_head_attention", "splits and merges with the reshape trap (no transpose)")
def mha_reshape_trap(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads
    q = _proj(x_q, params, "q").reshape(B, n_heads, n_q, d)
    k = _proj(x_kv, params, "k").reshape(B, n_heads, n_k, d)
    v = _proj(x_kv, params, "v").reshape(B, n_heads, n_k, d)
    heads, w = al.attention(q, k, v, _head_mask(mask))
    return _proj(heads.reshape(B, n_q, D), params, "o"), w


@entry("multi_head_attention", "returns the weights averaged over the heads, (B, n_q, n_k)")
def mha_avg_weights(x_q, x_kv, params, n_heads, mask=None):
    q = _split(_proj(x_q, params, "q"), n_heads)
    k = _split(_proj(x_kv, params, "k"), n_heads)
    v = _split(_proj(x_kv, params, "v"), n_heads)
    heads, w = al.attention(q, k, v, _head_mask(mask))
    return _proj(_merge(heads), params, "o"), w.mean(axis=1)


@entry("multi_head_attention", "takes the keys and values from x_q, as if it were always self-attention")
def mha_kv_from_xq(x_q, x_kv, params, n_heads, mask=None):
    q = _split(_proj(x_q, params, "q"), n_heads)
    k = _split(_proj(x_q, params, "k"), n_heads)
    v = _split(_proj(x_q, params, "v"), n_heads)
    heads, w = al.attention(q, k, v, _head_mask(mask))
    return _proj(_merge(heads), params, "o"), w


@entry("multi_head_attention", "uses the PyTorch Linear convention x @ W.T for every projection")
def mha_W_transposed(x_q, x_kv, params, n_heads, mask=None):
    def lin(x, which):
        out = x @ params["W_" + which].T
        b = params.get("b_" + which)
        return out if b is None else out + b
    q = _split(lin(x_q, "q"), n_heads)
    k = _split(lin(x_kv, "k"), n_heads)
    v = _split(lin(x_kv, "v"), n_heads)
    heads, w = al.attention(q, k, v, _head_mask(mask))
    return lin(_merge(heads), "o"), w


@entry("multi_head_attention", "adds the bias before the matrix product, (x + b) @ W")
def mha_bias_before(x_q, x_kv, params, n_heads, mask=None):
    def lin(x, which):
        b = params.get("b_" + which)
        return (x if b is None else x + b) @ params["W_" + which]
    q = _split(lin(x_q, "q"), n_heads)
    k = _split(lin(x_kv, "k"), n_heads)
    v = _split(lin(x_kv, "v"), n_heads)
    heads, w = al.attention(q, k, v, _head_mask(mask))
    return lin(_merge(heads), "o"), w


@entry("multi_head_attention", "a Python loop over heads, each with its own column slices of the weights", kind="correct")
def mha_loop_ok(x_q, x_kv, params, n_heads, mask=None):
    D = x_q.shape[-1]
    d = D // n_heads
    Q, K, V = _proj(x_q, params, "q"), _proj(x_kv, params, "k"), _proj(x_kv, params, "v")
    m = _head_mask(mask)
    outs, ws = [], []
    for j in range(n_heads):
        cols = slice(j * d, (j + 1) * d)
        mj = None
        if m is not None:
            mj = m if m.ndim == 2 else m[:, min(j, m.shape[1] - 1)]
        o, w = al.attention(Q[..., cols], K[..., cols], V[..., cols], mj)
        outs.append(o)
        ws.append(w)
    return _proj(np.concatenate(outs, axis=-1), params, "o"), np.stack(ws, axis=1)


@entry("multi_head_attention", "einsum on (B, n, h, d) tensors, additive -1e9 mask", kind="correct")
def mha_einsum_ok(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads
    q = _proj(x_q, params, "q").reshape(B, n_q, n_heads, d)
    k = _proj(x_kv, params, "k").reshape(B, n_k, n_heads, d)
    v = _proj(x_kv, params, "v").reshape(B, n_k, n_heads, d)
    scores = np.einsum("bqhd,bkhd->bhqk", q, k) / np.sqrt(d)
    m = _head_mask(mask)
    if m is not None:
        scores = np.where(m, scores, -1e9)
    w = al.softmax(scores, axis=-1)
    out = np.einsum("bhqk,bkhd->bqhd", w, v).reshape(B, n_q, D)
    return _proj(out, params, "o"), w


# =====================================================================================
# ex06.q4 · mha_reshape_bug(x_q, x_kv, params, n_heads, mask=None)   (find the bug)
# =====================================================================================

@entry("mha_reshape_bug", "only deletes the raise line and leaves the layer unchanged (trusts the round trip)")
def mrb_unchanged(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads
    q = (x_q @ params["W_q"]).reshape(B, n_heads, n_q, d)
    k = (x_kv @ params["W_k"]).reshape(B, n_heads, n_k, d)
    v = (x_kv @ params["W_v"]).reshape(B, n_heads, n_k, d)
    out, weights = al.attention(q, k, v, mask)
    return out.reshape(B, n_q, D) @ params["W_o"], weights


@entry("mha_reshape_bug", "fixes the three splits but keeps the reshape-only merge")
def mrb_split_fixed_merge_not(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads
    q = (x_q @ params["W_q"]).reshape(B, n_q, n_heads, d).transpose(0, 2, 1, 3)
    k = (x_kv @ params["W_k"]).reshape(B, n_k, n_heads, d).transpose(0, 2, 1, 3)
    v = (x_kv @ params["W_v"]).reshape(B, n_k, n_heads, d).transpose(0, 2, 1, 3)
    out, weights = al.attention(q, k, v, _head_mask(mask))
    return out.reshape(B, n_q, D) @ params["W_o"], weights


@entry("mha_reshape_bug", "fixes the merge but keeps the reshape-only splits")
def mrb_merge_fixed_split_not(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads
    q = (x_q @ params["W_q"]).reshape(B, n_heads, n_q, d)
    k = (x_kv @ params["W_k"]).reshape(B, n_heads, n_k, d)
    v = (x_kv @ params["W_v"]).reshape(B, n_heads, n_k, d)
    out, weights = al.attention(q, k, v, _head_mask(mask))
    return out.transpose(0, 2, 1, 3).reshape(B, n_q, D) @ params["W_o"], weights


@entry("mha_reshape_bug", "fixes the query split and the merge, but not the key and value splits")
def mrb_only_q_fixed(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads
    q = al.split_heads(x_q @ params["W_q"], n_heads)
    k = (x_kv @ params["W_k"]).reshape(B, n_heads, n_k, d)
    v = (x_kv @ params["W_v"]).reshape(B, n_heads, n_k, d)
    out, weights = al.attention(q, k, v, _head_mask(mask))
    return al.merge_heads(out) @ params["W_o"], weights


@entry("mha_reshape_bug", "fixes every split and the merge but still ignores the biases")
def mrb_no_bias(x_q, x_kv, params, n_heads, mask=None):
    q = al.split_heads(x_q @ params["W_q"], n_heads)
    k = al.split_heads(x_kv @ params["W_k"], n_heads)
    v = al.split_heads(x_kv @ params["W_v"], n_heads)
    out, weights = al.attention(q, k, v, _head_mask(mask))
    return al.merge_heads(out) @ params["W_o"], weights


@entry("mha_reshape_bug", "fixes splits, merge and biases, but passes a batch mask to attention without a head axis")
def mrb_mask_no_head_axis(x_q, x_kv, params, n_heads, mask=None):
    q = al.split_heads(_proj(x_q, params, "q"), n_heads)
    k = al.split_heads(_proj(x_kv, params, "k"), n_heads)
    v = al.split_heads(_proj(x_kv, params, "v"), n_heads)
    out, weights = al.attention(q, k, v, mask)
    return _proj(al.merge_heads(out), params, "o"), weights


@entry("mha_reshape_bug", "fixes the splits but merges with transpose(0, 2, 3, 1): features come out interleaved")
def mrb_merge_wrong_transpose(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    q = al.split_heads(_proj(x_q, params, "q"), n_heads)
    k = al.split_heads(_proj(x_kv, params, "k"), n_heads)
    v = al.split_heads(_proj(x_kv, params, "v"), n_heads)
    out, weights = al.attention(q, k, v, _head_mask(mask))
    return _proj(out.transpose(0, 2, 3, 1).reshape(B, n_q, D), params, "o"), weights


@entry("mha_reshape_bug", "fixes the splits but reshapes keys and values with the query length n_q")
def mrb_kv_query_length(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    d = D // n_heads
    q = _proj(x_q, params, "q").reshape(B, n_q, n_heads, d).transpose(0, 2, 1, 3)
    k = _proj(x_kv, params, "k").reshape(B, n_q, n_heads, d).transpose(0, 2, 1, 3)
    v = _proj(x_kv, params, "v").reshape(B, n_q, n_heads, d).transpose(0, 2, 1, 3)
    out, weights = al.attention(q, k, v, _head_mask(mask))
    return _proj(out.transpose(0, 2, 1, 3).reshape(B, n_q, D), params, "o"), weights


@entry("mha_reshape_bug", "fixed with al.split_heads / al.merge_heads, biases and a head axis for batch masks", kind="correct")
def mrb_library_ok(x_q, x_kv, params, n_heads, mask=None):
    q = al.split_heads(_proj(x_q, params, "q"), n_heads)
    k = al.split_heads(_proj(x_kv, params, "k"), n_heads)
    v = al.split_heads(_proj(x_kv, params, "v"), n_heads)
    if mask is not None and np.ndim(mask) == 3:
        mask = np.asarray(mask)[:, None]
    out, weights = al.attention(q, k, v, mask)
    return _proj(al.merge_heads(out), params, "o"), weights


@entry("mha_reshape_bug", "fixed in place with reshape to (B, n, h, d) and swapaxes, biases via params.get", kind="correct")
def mrb_swapaxes_ok(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads
    b = {name: params.get(name, 0.0) for name in ("b_q", "b_k", "b_v", "b_o")}
    q = (x_q @ params["W_q"] + b["b_q"]).reshape(B, n_q, n_heads, d).swapaxes(1, 2)
    k = (x_kv @ params["W_k"] + b["b_k"]).reshape(B, n_k, n_heads, d).swapaxes(1, 2)
    v = (x_kv @ params["W_v"] + b["b_v"]).reshape(B, n_k, n_heads, d).swapaxes(1, 2)
    if mask is not None and np.ndim(mask) == 3:
        mask = np.expand_dims(mask, 1)
    out, weights = al.attention(q, k, v, mask)
    return out.swapaxes(1, 2).reshape(B, n_q, D) @ params["W_o"] + b["b_o"], weights


# =====================================================================================
# ex06.q5 · grouped_query_attention(x_q, x_kv, params, n_heads, n_kv_heads, mask=None)
# =====================================================================================

def _gqa_qkv(x_q, x_kv, params, n_heads, n_kv_heads):
    q = _split(_proj(x_q, params, "q"), n_heads)          # (B, h, n_q, d)
    k = _split(_proj(x_kv, params, "k"), n_kv_heads)      # (B, g, n_k, d)
    v = _split(_proj(x_kv, params, "v"), n_kv_heads)
    return q, k, v


@entry("grouped_query_attention", "tiles the KV heads (0, 1, 0, 1, ...) instead of repeating each in place")
def gqa_tiled(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    q, k, v = _gqa_qkv(x_q, x_kv, params, n_heads, n_kv_heads)
    r = n_heads // n_kv_heads
    k, v = np.tile(k, (1, r, 1, 1)), np.tile(v, (1, r, 1, 1))
    heads, w = al.attention(q, k, v, _head_mask(mask))
    return _proj(_merge(heads), params, "o"), w


@entry("grouped_query_attention", "maps query head i to KV head i // g instead of i // (h/g)")
def gqa_wrong_group_formula(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    q, k, v = _gqa_qkv(x_q, x_kv, params, n_heads, n_kv_heads)
    idx = np.minimum(np.arange(n_heads) // n_kv_heads, n_kv_heads - 1)
    heads, w = al.attention(q, k[:, idx], v[:, idx], _head_mask(mask))
    return _proj(_merge(heads), params, "o"), w


@entry("grouped_query_attention", "thinks the queries are shared too: averages each group of query heads, giving g heads")
def gqa_pools_queries(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    q, k, v = _gqa_qkv(x_q, x_kv, params, n_heads, n_kv_heads)
    B, h, n_q, d = q.shape
    q = q.reshape(B, n_kv_heads, h // n_kv_heads, n_q, d).mean(axis=2)
    heads, w = al.attention(q, k, v, _head_mask(mask))
    heads = np.repeat(heads, h // n_kv_heads, axis=1)
    return _proj(_merge(heads), params, "o"), w


@entry("grouped_query_attention", "scales by sqrt of the whole KV width g*d instead of the head width d")
def gqa_scale_kv_width(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    q, k, v = _gqa_qkv(x_q, x_kv, params, n_heads, n_kv_heads)
    r = n_heads // n_kv_heads
    k, v = np.repeat(k, r, axis=1), np.repeat(v, r, axis=1)
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(params["W_k"].shape[1])
    m = _head_mask(mask)
    if m is not None:
        scores = np.where(m, scores, -np.inf)
    w = al.softmax(scores, axis=-1)
    return _proj(_merge(w @ v), params, "o"), w


@entry("grouped_query_attention", "forgets the output projection W_o")
def gqa_no_Wo(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    q, k, v = _gqa_qkv(x_q, x_kv, params, n_heads, n_kv_heads)
    r = n_heads // n_kv_heads
    heads, w = al.attention(q, np.repeat(k, r, axis=1), np.repeat(v, r, axis=1), _head_mask(mask))
    return _merge(heads), w


@entry("grouped_query_attention", "ignores the biases in params")
def gqa_no_bias(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    q = _split(x_q @ params["W_q"], n_heads)
    k = _split(x_kv @ params["W_k"], n_kv_heads)
    v = _split(x_kv @ params["W_v"], n_kv_heads)
    r = n_heads // n_kv_heads
    heads, w = al.attention(q, np.repeat(k, r, axis=1), np.repeat(v, r, axis=1), _head_mask(mask))
    return _merge(heads) @ params["W_o"], w


@entry("grouped_query_attention", "splits the keys and values into h heads like the queries (narrower KV heads)")
def gqa_kv_split_h(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    q = _split(_proj(x_q, params, "q"), n_heads)
    k = _split(_proj(x_kv, params, "k"), n_heads)
    v = _split(_proj(x_kv, params, "v"), n_heads)
    heads, w = al.attention(q, k, v, _head_mask(mask))
    return _proj(_merge(heads), params, "o"), w


@entry("grouped_query_attention", "writes the masking by hand and applies a (B, 1, n_k) batch mask without a head axis")
def gqa_mask_no_head_axis(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    q, k, v = _gqa_qkv(x_q, x_kv, params, n_heads, n_kv_heads)
    r = n_heads // n_kv_heads
    k, v = np.repeat(k, r, axis=1), np.repeat(v, r, axis=1)
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    w = al.softmax(scores, axis=-1)
    return _proj(_merge(w @ v), params, "o"), w


@entry("grouped_query_attention", "np.repeat of the KV heads along the head axis", kind="correct")
def gqa_repeat_ok(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    q, k, v = _gqa_qkv(x_q, x_kv, params, n_heads, n_kv_heads)
    r = n_heads // n_kv_heads
    heads, w = al.attention(q, np.repeat(k, r, axis=1), np.repeat(v, r, axis=1), _head_mask(mask))
    return _proj(_merge(heads), params, "o"), w


@entry("grouped_query_attention", "groups the query heads as (B, g, h/g, n, d) and broadcasts the KV heads with einsum", kind="correct")
def gqa_grouped_einsum_ok(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    q, k, v = _gqa_qkv(x_q, x_kv, params, n_heads, n_kv_heads)
    B, h, n_q, d = q.shape
    g, r, n_k = n_kv_heads, n_heads // n_kv_heads, k.shape[2]
    qg = q.reshape(B, g, r, n_q, d)
    scores = np.einsum("bgrqd,bgkd->bgrqk", qg, k) / np.sqrt(d)
    scores = scores.reshape(B, h, n_q, n_k)
    m = _head_mask(mask)
    if m is not None:
        scores = np.where(m, scores, -np.inf)
    w = al.softmax(scores, axis=-1)
    out = np.einsum("bgrqk,bgkd->bgrqd", w.reshape(B, g, r, n_q, n_k), v).reshape(B, h, n_q, d)
    return _proj(_merge(out), params, "o"), w


# =====================================================================================
# ex06.q6 · kv_cache_per_token()   (Llama 2 70B: 80 layers, 64 query heads, 8 KV heads, d = 128, fp16)
# =====================================================================================

@entry("kv_cache_per_token", "counts the 64 query heads instead of the 8 key/value heads")
def kv_query_heads():
    return 2 * 80 * 64 * 128 * 2


@entry("kv_cache_per_token", "forgets that both a key and a value are cached (no factor 2)")
def kv_no_k_and_v():
    return 80 * 8 * 128 * 2


@entry("kv_cache_per_token", "uses 4 bytes per number, as for float32")
def kv_float32():
    return 2 * 80 * 8 * 128 * 4


@entry("kv_cache_per_token", "forgets to multiply by the 80 layers")
def kv_one_layer():
    return 2 * 8 * 128 * 2


@entry("kv_cache_per_token", "gives the answer in KiB instead of bytes")
def kv_kib():
    return 2 * 80 * 8 * 128 * 2 / 1024


@entry("kv_cache_per_token", "caches the queries too: 64 query heads plus 8 key and 8 value heads")
def kv_caches_queries():
    return 80 * (64 + 8 + 8) * 128 * 2


@entry("kv_cache_per_token", "counts numbers, not bytes, and also forgets the key-and-value factor")
def kv_numbers_only_one():
    return 80 * 8 * 128


@entry("kv_cache_per_token", "uses bits per number (16) instead of bytes")
def kv_bits():
    return 2 * 80 * 8 * 128 * 16


@entry("kv_cache_per_token", "written out as the lesson's formula with named sizes", kind="correct")
def kv_formula_ok():
    layers, g, d, bytes_per = 80, 8, 128, 2
    return 2 * layers * g * d * bytes_per


@entry("kv_cache_per_token", "computed from numpy's float16 itemsize, returned as a float", kind="correct")
def kv_itemsize_ok():
    return float(2 * 80 * 8 * 128 * np.dtype(np.float16).itemsize)


EXPECTED = {
    'causal_triu': 'causal_allows_future',
    'causal_strict_lower': 'causal_excludes_diagonal',
    'causal_float_tril': 'float_mask',
    'causal_future_not_negated': 'mask_polarity_inverted',
    'causal_sees_next': 'causal_allows_future',
    'causal_additive': 'additive_mask_returned',
    'causal_with_batch_axis': 'extra_axis',
    'causal_loop_transposed': None,
    'ckq2_upper': 'causal_allows_future',
    'ckq2_excludes_self': 'causal_excludes_diagonal',
    'ckq2_strict_lower': 'causal_excludes_diagonal',
    'ckq2_reads_column': 'read_column_not_row',
    'ckq2_one_based': 'counted_from_one',
    'ckq2_blocked_polarity': 'mask_polarity_inverted',
    'ckq2_unsorted': 'keys_not_sorted',
    'ckq2_sees_next': 'causal_allows_future',
    'pad_le': 'padding_off_by_one',
    'pad_2d': 'padding_missing_query_axis',
    'pad_axis_last': 'padding_on_queries',
    'pad_inverted': 'mask_polarity_inverted',
    'pad_left': 'mask_mirrored',
    'pad_int': 'float_mask',
    'pad_uses_max_len': None,
    'pad_axis_front': 'padding_missing_query_axis',
    'dec_ignores_side': 'padding_side_ignored',
    'dec_or': 'causal_allows_future',
    'dec_pad_on_rows': 'padding_on_queries',
    'dec_blank_pad_queries': 'padding_on_queries',
    'dec_left_off_by_one': 'padding_off_by_one',
    'dec_triu': 'causal_allows_future',
    'dec_head_axis': 'extra_axis',
    'dec_no_empty_rows': None,
    'fix_polarity_only': 'mask_after_softmax',
    'fix_renormalise': None,
    'fix_two_of_three': 'fully_masked_row_nan',
    'fix_moved_keeps_polarity': 'mask_polarity_inverted',
    'fix_fill_zero': 'masked_to_zero',
    'fix_minus_1e9': 'fully_masked_row_uniform',
    'fix_left_old_line': None,
    'fix_guard_max_only': 'fully_masked_row_nan',
    'ma_no_max_shift': 'no_max_subtraction',
    'ma_nan_rows': 'fully_masked_row_nan',
    'ma_minus_1e9': 'fully_masked_row_uniform',
    'ma_global_max': 'global_max_subtraction',     # named by a mutant since: the max over the whole array
    'ma_no_scale': 'no_sqrt_d_scaling',
    'ma_scale_nk': 'scaled_by_wrong_dimension',
    'ma_softmax_then_mask_eps': 'max_not_per_row',
    'ma_k_dot_T': 'transpose_all_axes',
    'cas_kv_query_length': 'kv_shaped_by_query_length',
    'cas_weights_transposed': 'transposed_kq',
    'cas_output_per_key': 'output_rows_from_keys',
    'cas_bnhd_layout': 'heads_axis_last',
    'cas_no_split': 'heads_not_split',
    'cas_roles_swapped': 'queries_from_kv_side',
    'cas_merge_no_concat': 'heads_not_merged',
    'cas_weights_averaged': None,
    'csa_queries': 'softmax_wrong_axis',
    'csa_positive': 'axis_from_the_front',
    'csa_shape_src': 'row_sums_shape',
    'csa_keepdims': 'extra_axis',
    'csa_only_targets': None,
    'csa_count': None,
    'csa_no_batch': None,
    'csa_weights_shape': 'row_sums_shape',
    'att_no_scale': 'no_sqrt_d_scaling',
    'att_scale_dv': 'scaled_by_wrong_dimension',
    'att_scale_d': 'scaled_by_d',
    'att_k_T': 'transpose_all_axes',
    'att_softmax_queries': 'softmax_wrong_axis',
    'att_mask_inverted': 'mask_polarity_inverted',
    'att_mask_after': 'mask_after_softmax',
    'att_blends_keys': 'output_from_keys',
    'att_add_bool_mask': None,
    'ca_fix_keys_only': 'shared_projection',
    'ca_fix_values_only': 'keys_from_query_side',
    'ca_roles_swapped': 'queries_from_kv_side',
    'ca_qk_encoder_v_decoder': None,
    'ca_values_from_decoder': 'values_from_query_side',
    'ca_swapped_weights': None,
    'ca_drops_mask': 'mask_ignored',
    'ca_shared_qk': 'shared_projection',
    'sa_scale_D': 'scaled_by_wrong_dimension',
    'sa_shared_qk': 'shared_projection',
    'sa_scale_dv': 'scaled_by_wrong_dimension',
    'sa_mask_inverted': 'mask_polarity_inverted',
    'sa_k_T': 'transpose_all_axes',
    'sa_softmax_queries': 'softmax_wrong_axis',
    'sa_values_are_x': 'values_unprojected',
    'sa_mask_after': 'mask_after_softmax',
    'sa_values_Wk': 'shared_projection',
    'sh_reshape_trap': 'reshape_without_transpose',
    'sh_no_swap': 'heads_axis_last',
    'sh_interleaved': 'interleaved_features',
    'sh_heads_first': 'batch_not_handled',
    'sh_swaps_wrong_pair': 'heads_axis_last',
    'sh_hardcoded_transpose': 'fixed_ndim',
    'sh_h_and_d_swapped': None,
    'sh_dot_T': 'transpose_all_axes',
    'mh_reshape_trap': 'reshape_without_transpose',
    'mh_interleaved': 'interleaved_features',
    'mh_sum': 'heads_summed',
    'mh_mean': 'heads_summed',
    'mh_concat_first_axis': 'batch_not_handled',
    'mh_hardcoded_transpose': 'fixed_ndim',
    'mh_dot_T': 'transpose_all_axes',
    'mh_concat_positions': 'wrong_shape',
    'mha_no_Wo': 'forgot_w_o',
    'mha_no_bias': 'biases_ignored',
    'mha_scale_D': 'scaled_by_d_model',
    'mha_mask_no_head_axis': 'mask_missing_head_axis',
    'mha_reshape_trap': 'reshape_without_transpose',
    'mha_avg_weights': 'weights_averaged_over_heads',
    'mha_kv_from_xq': 'not_cross_attention',
    'mha_W_transposed': 'projection_transposed',
    'mha_bias_before': None,
    'mrb_unchanged': 'reshape_without_transpose',
    'mrb_split_fixed_merge_not': 'reshape_without_transpose',
    'mrb_merge_fixed_split_not': 'reshape_without_transpose',
    'mrb_only_q_fixed': 'reshape_without_transpose',
    'mrb_no_bias': None,
    'mrb_mask_no_head_axis': None,
    'mrb_merge_wrong_transpose': None,
    'mrb_kv_query_length': None,
    'gqa_tiled': 'kv_heads_tiled',
    'gqa_wrong_group_formula': None,
    'gqa_pools_queries': None,
    'gqa_scale_kv_width': 'scores_scale_off',
    'gqa_no_Wo': 'forgot_w_o',
    'gqa_no_bias': 'biases_ignored',
    'gqa_kv_split_h': 'kv_heads_not_repeated',
    'gqa_mask_no_head_axis': 'mask_missing_head_axis',
    'kv_query_heads': 'kv_cache_used_query_heads',
    'kv_no_k_and_v': 'kv_cache_forgot_values',
    'kv_float32': 'kv_cache_bytes_per_number',
    'kv_one_layer': 'wrong_quantity',
    'kv_kib': 'wrong_quantity',
    'kv_caches_queries': 'kv_cache_counts_queries',
    'kv_numbers_only_one': None,
    'kv_bits': 'kv_cache_used_query_heads',
}
JUDGED = {
    'causal_triu': 'named',
    'causal_strict_lower': 'named',
    'causal_float_tril': 'named',
    'causal_future_not_negated': 'named',
    'causal_sees_next': 'named',
    'causal_additive': 'named',
    'causal_with_batch_axis': 'named',
    'causal_loop_transposed': 'vague',
    'ckq2_upper': 'named',
    'ckq2_excludes_self': 'named after',
    'ckq2_strict_lower': 'named',
    'ckq2_reads_column': 'named after',
    'ckq2_one_based': 'named',
    'ckq2_blocked_polarity': 'named',
    'ckq2_unsorted': 'accepted; named after',
    'ckq2_sees_next': 'named',
    'pad_le': 'named',
    'pad_2d': 'named',
    'pad_axis_last': 'named',
    'pad_inverted': 'named',
    'pad_left': 'named',
    'pad_int': 'named',
    'pad_uses_max_len': 'vague',
    'pad_axis_front': 'named',
    'dec_ignores_side': 'named',
    'dec_or': 'named',
    'dec_pad_on_rows': 'named',
    'dec_blank_pad_queries': 'named',
    'dec_left_off_by_one': 'named',
    'dec_triu': 'named',
    'dec_head_axis': 'named',
    'dec_no_empty_rows': 'vague',
    'fix_polarity_only': 'named',
    'fix_renormalise': 'misnamed',
    'fix_two_of_three': 'named',
    'fix_moved_keeps_polarity': 'named',
    'fix_fill_zero': 'named',
    'fix_minus_1e9': 'named',
    'fix_left_old_line': 'misnamed',
    'fix_guard_max_only': 'named',
    'ma_no_max_shift': 'named',
    'ma_nan_rows': 'named',
    'ma_minus_1e9': 'named',
    'ma_global_max': 'named after',
    'ma_no_scale': 'named',
    'ma_scale_nk': 'named',
    'ma_softmax_then_mask_eps': 'named after',
    'ma_k_dot_T': 'named',
    'cas_kv_query_length': 'named',
    'cas_weights_transposed': 'named',
    'cas_output_per_key': 'named',
    'cas_bnhd_layout': 'named',
    'cas_no_split': 'named',
    'cas_roles_swapped': 'named',
    'cas_merge_no_concat': 'named',
    'cas_weights_averaged': 'vague',
    'csa_queries': 'named',
    'csa_positive': 'named',
    'csa_shape_src': 'named',
    'csa_keepdims': 'named',
    'csa_only_targets': 'vague',
    'csa_count': 'vague',
    'csa_no_batch': 'vague',
    'csa_weights_shape': 'named',
    'att_no_scale': 'named',
    'att_scale_dv': 'named',
    'att_scale_d': 'named',
    'att_k_T': 'named',
    'att_softmax_queries': 'named',
    'att_mask_inverted': 'named',
    'att_mask_after': 'named',
    'att_blends_keys': 'named',
    'att_add_bool_mask': 'vague',
    'ca_fix_keys_only': 'named',
    'ca_fix_values_only': 'named',
    'ca_roles_swapped': 'named',
    'ca_qk_encoder_v_decoder': 'vague',
    'ca_values_from_decoder': 'named',
    'ca_swapped_weights': 'vague',
    'ca_drops_mask': 'named',
    'ca_shared_qk': 'named',
    'sa_scale_D': 'named',
    'sa_shared_qk': 'named',
    'sa_scale_dv': 'named',
    'sa_mask_inverted': 'named',
    'sa_k_T': 'named',
    'sa_softmax_queries': 'named',
    'sa_values_are_x': 'named',
    'sa_mask_after': 'named',
    'sa_values_Wk': 'named',
    'sh_reshape_trap': 'named',
    'sh_no_swap': 'named',
    'sh_interleaved': 'named',
    'sh_heads_first': 'named',
    'sh_swaps_wrong_pair': 'named',
    'sh_hardcoded_transpose': 'named',
    'sh_h_and_d_swapped': 'vague',
    'sh_dot_T': 'named',
    'mh_reshape_trap': 'named',
    'mh_interleaved': 'named',
    'mh_sum': 'named',
    'mh_mean': 'named',
    'mh_concat_first_axis': 'named',
    'mh_hardcoded_transpose': 'named',
    'mh_dot_T': 'named',
    'mh_concat_positions': 'named',
    'mha_no_Wo': 'named',
    'mha_no_bias': 'named',
    'mha_scale_D': 'named',
    'mha_mask_no_head_axis': 'named',
    'mha_reshape_trap': 'named',
    'mha_avg_weights': 'named',
    'mha_kv_from_xq': 'named',
    'mha_W_transposed': 'named',
    'mha_bias_before': 'misnamed',
    'mrb_unchanged': 'named',
    'mrb_split_fixed_merge_not': 'named',
    'mrb_merge_fixed_split_not': 'named',
    'mrb_only_q_fixed': 'named',
    'mrb_no_bias': 'accepted',
    'mrb_mask_no_head_axis': 'accepted',
    'mrb_merge_wrong_transpose': 'misnamed',
    'mrb_kv_query_length': 'vague',
    'gqa_tiled': 'named',
    'gqa_wrong_group_formula': 'vague',
    'gqa_pools_queries': 'vague',
    'gqa_scale_kv_width': 'named',
    'gqa_no_Wo': 'named',
    'gqa_no_bias': 'named',
    'gqa_kv_split_h': 'named',
    'gqa_mask_no_head_axis': 'named',
    'kv_query_heads': 'named',
    'kv_no_k_and_v': 'named',
    'kv_float32': 'named',
    'kv_one_layer': 'named',
    'kv_kib': 'named',
    'kv_caches_queries': 'named',
    'kv_numbers_only_one': 'vague',
    'kv_bits': 'named',
}
