"""Lesson 04 (masking): right answers, correct-but-unusual ones, and wrong ones the way learners write them.

``RIGHT`` maps each exercise id to a correct answer; ``UNUSUAL`` lists ``(exercise id, function)`` pairs
that are correct in an unusual way and must be accepted; every ``@wrong`` answer must get its code.
"""
import numpy as np

import attention_lib as al

from .wrong import wrong


def _stable_softmax(s):
    top = np.max(s, axis=-1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    e = np.exp(s - top)
    total = e.sum(axis=-1, keepdims=True)
    return np.divide(e, total, out=np.zeros_like(e), where=total > 0)


def _scores(q, k):
    return q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])


# ---------------------------------------------------------------- right answers


def causal_mask(n):
    return np.tril(np.ones((n, n), dtype=bool))


def causal_keys_query_2():
    mask = [[1, 0, 0, 0],
            [1, 1, 0, 0],
            [1, 1, 1, 0],
            [1, 1, 1, 1]]
    return mask, [0, 1, 2]


def padding_mask(lengths, n):
    return (np.arange(n)[None, :] < np.asarray(lengths)[:, None])[:, None, :]


def decoder_mask(lengths, n, side="right"):
    lengths = np.asarray(lengths)
    j = np.arange(n)
    real = j >= n - lengths[:, None] if side == "left" else j < lengths[:, None]    # (B, n)
    return causal_mask(n) & real[:, None, :]


def fix_masked_attention(q, k, v, mask=None):
    scores = _scores(q, k)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    weights = al.softmax(scores, axis=-1)
    return weights @ v, weights


def masked_attention(q, k, v, mask=None):
    scores = _scores(q, k)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    weights = _stable_softmax(scores)
    return weights @ v, weights


RIGHT = {f.__name__: f for f in (causal_mask, causal_keys_query_2, padding_mask, decoder_mask,
                                  fix_masked_attention, masked_attention)}


# ---------------------------------------------------------------- correct but unusual


def causal_by_comparison(n):
    i, j = np.indices((n, n))
    return j <= i


def causal_via_triu(n):
    return np.triu(np.ones((n, n)), k=1) == 0


def causal_loop(n):
    m = np.zeros((n, n), dtype=bool)
    for i in range(n):
        m[i, : i + 1] = True
    return m


def keys_with_booleans():
    return np.tril(np.ones((4, 4), dtype=bool)), np.array([0, 1, 2])


def keys_as_floats_and_tuple():
    return np.tril(np.ones((4, 4))), (0, 1, 2)


def padding_loop(lengths, n):
    mask = np.zeros((len(lengths), 1, n), dtype=bool)
    for b, length in enumerate(lengths):
        mask[b, 0, :length] = True
    return mask


def padding_expand_dims(lengths, n):
    return np.expand_dims(np.arange(n) < np.reshape(lengths, (-1, 1)), axis=1)


def decoder_with_own_helpers(lengths, n, side="right"):
    pad = padding_mask(lengths, n)                        # the learner's own Q3 function
    if side == "left":
        pad = pad[..., ::-1]                              # the real keys are the last ones
    return causal_mask(n) & pad


def decoder_loop(lengths, n, side="right"):
    out = np.zeros((len(lengths), n, n), dtype=bool)
    for b, length in enumerate(lengths):
        start = n - length if side == "left" else 0
        for i in range(n):
            for j in range(i + 1):
                out[b, i, j] = start <= j < start + length
    return out


def fix_nan_to_zero(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    with np.errstate(invalid="ignore"):
        e = np.exp(scores - scores.max(axis=-1, keepdims=True))
        weights = e / e.sum(axis=-1, keepdims=True)
    weights = np.where(np.isnan(weights), 0.0, weights)
    return weights @ v, weights


def fix_apply_mask(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = al.apply_mask(scores, mask)
    weights = al.softmax(scores)
    return weights @ v, weights


def masked_float32(q, k, v, mask=None):
    q, k, v = (np.asarray(a, dtype=np.float32) for a in (q, k, v))
    scores = np.einsum("...qd,...kd->...qk", q, k) / np.float32(np.sqrt(q.shape[-1]))
    if mask is not None:
        scores = np.where(mask, scores, np.float32(-np.inf))
    weights = _stable_softmax(scores)
    return weights @ v, weights


def masked_keep_rows(q, k, v, mask=None):
    scores = _scores(q, k)
    if mask is None:
        mask = np.ones(scores.shape, dtype=bool)
    mask = np.broadcast_to(mask, scores.shape)
    empty = ~mask.any(axis=-1, keepdims=True)             # rows with nothing to see
    scores = np.where(mask, scores, -1e9)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True)) * mask
    weights = np.where(empty, 0.0, e / np.maximum(e.sum(axis=-1, keepdims=True), 1e-300))
    return weights @ v, weights


def masked_lists(q, k, v, mask=None):
    out, weights = masked_attention(q, k, v, mask)
    return [out.tolist(), weights.tolist()]


UNUSUAL = [("causal_mask", causal_by_comparison), ("causal_mask", causal_via_triu), ("causal_mask", causal_loop),
           ("causal_keys_query_2", keys_with_booleans), ("causal_keys_query_2", keys_as_floats_and_tuple),
           ("padding_mask", padding_loop), ("padding_mask", padding_expand_dims),
           ("decoder_mask", decoder_with_own_helpers), ("decoder_mask", decoder_loop),
           ("fix_masked_attention", fix_nan_to_zero), ("fix_masked_attention", fix_apply_mask),
           ("masked_attention", masked_float32), ("masked_attention", masked_keep_rows),
           ("masked_attention", masked_lists)]


# ---------------------------------------------------------------- causal_mask


@wrong("causal_mask", "causal_allows_future")
def causal_all_true(n):
    return np.full((n, n), True)


@wrong("causal_mask", "causal_allows_future")
def causal_one_step_ahead(n):
    i, j = np.indices((n, n))
    return j <= i + 1


@wrong("causal_mask", "causal_excludes_diagonal")
def causal_strictly_below(n):
    return np.arange(n)[None, :] < np.arange(n)[:, None]


@wrong("causal_mask", "mask_polarity_inverted")
def causal_future_true(n):
    return np.triu(np.ones((n, n), dtype=bool), k=1)


@wrong("causal_mask", "float_mask")
def causal_ints(n):
    return np.tril(np.ones((n, n), dtype=int))


# ---------------------------------------------------------------- causal_keys_query_2 (pen and paper)
_TRIL = [[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]]


@wrong("causal_keys_query_2", "causal_excludes_diagonal")
def keys_typo_in_mask_and_not_itself():
    return [[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 0, 1]], [0, 1]


@wrong("causal_keys_query_2", "causal_excludes_diagonal")
def keys_strict_mask():
    return np.tril(np.ones((4, 4), dtype=int), k=-1), [0, 1]


@wrong("causal_keys_query_2", "causal_allows_future")
def keys_upper_triangle():
    return np.triu(np.ones((4, 4), dtype=int)), [2, 3]


@wrong("causal_keys_query_2", "causal_allows_future")
def keys_every_key():
    return _TRIL, [0, 1, 2, 3]


@wrong("causal_keys_query_2", "keys_not_sorted")
def keys_unsorted_list_of_lists():
    """Once kept as right; the question asks for the sorted list of keys."""
    return [[True, False, False, False], [True, True, False, False], [True, True, True, False],
            [True, True, True, True]], [2, 0, 1]


@wrong("causal_keys_query_2", "read_column_not_row")
def keys_from_column_two():
    return _TRIL, [2, 3]                                  # the queries that may see key 2


@wrong("causal_keys_query_2", "mask_polarity_inverted")
def keys_blocked_ones():
    return _TRIL, [3]


@wrong("causal_keys_query_2", "mask_polarity_inverted")
def keys_inverted_mask():
    return [[0, 1, 1, 1], [0, 0, 1, 1], [0, 0, 0, 1], [0, 0, 0, 0]], [3]


@wrong("causal_keys_query_2", "counted_from_one")
def keys_one_based():
    return _TRIL, [1, 2, 3]


@wrong("causal_keys_query_2", "counted_from_one")
def keys_second_token():
    return _TRIL, [1, 2]


@wrong("causal_keys_query_2", "causal_excludes_diagonal")
def keys_before_query_two():
    return _TRIL, [0, 1]                                  # the mask has the diagonal, the list does not


@wrong("causal_keys_query_2", "counted_from_one")
def keys_numbered_from_one():
    return _TRIL, [1, 2, 3]


@wrong("causal_keys_query_2", "wrong_quantity")
def keys_the_row_itself():
    return _TRIL, [1, 1, 1, 0]


@wrong("causal_keys_query_2", "wrong_type")
def keys_mask_only():
    return _TRIL


# ---------------------------------------------------------------- padding_mask


@wrong("padding_mask", "padding_missing_query_axis")
def pad_row_per_sequence_new_axis_in_front(lengths, n):
    return (np.arange(n) < np.asarray(lengths)[:, None])[np.newaxis]


@wrong("padding_mask", "padding_off_by_one")
def pad_one_short(lengths, n):
    return (np.arange(1, n + 1) < np.asarray(lengths)[:, None])[:, None, :]


@wrong("padding_mask", "padding_on_queries")
def pad_column(lengths, n):
    mask = np.zeros((len(lengths), n, 1), dtype=bool)
    for b, length in enumerate(lengths):
        mask[b, :length, 0] = True
    return mask


@wrong("padding_mask", "mask_polarity_inverted")
def pad_marks_padding(lengths, n):
    return (np.arange(n) >= np.asarray(lengths)[:, None])[:, None, :]


# ---------------------------------------------------------------- decoder_mask
@wrong("decoder_mask", "left_padding_mirrored")
def decoder_left_by_flipping(lengths, n, side="right"):
    keep = np.arange(n)[None, None, :] < np.asarray(lengths)[:, None, None]     # (B, 1, n): right padding
    mask = np.tril(np.ones((n, n), dtype=bool)) & keep
    return np.flip(mask, axis=-1) if side == "left" else mask




def _real(lengths, n, side="right"):
    j, lengths = np.arange(n), np.asarray(lengths)[:, None]
    return j >= n - lengths if side == "left" else j < lengths   # (B, n)


@wrong("decoder_mask", "causal_allows_future")
def dec_or(lengths, n, side="right"):
    return np.tril(np.ones((n, n), dtype=bool)) | _real(lengths, n, side)[:, None, :]


@wrong("decoder_mask", "causal_allows_future")
def dec_padding_only(lengths, n, side="right"):
    return np.repeat(_real(lengths, n, side)[:, None, :], n, axis=1)


@wrong("decoder_mask", "causal_excludes_diagonal")
def dec_strict(lengths, n, side="right"):
    return np.tril(np.ones((n, n), dtype=bool), -1) & _real(lengths, n, side)[:, None, :]


@wrong("decoder_mask", "padding_ignored")
def dec_causal_only(lengths, n, side="right"):
    return np.tile(np.tril(np.ones((n, n), dtype=bool)), (len(lengths), 1, 1))


@wrong("decoder_mask", "padding_ignored")
def dec_one_mask(lengths, n, side="right"):
    return np.tril(np.ones((n, n), dtype=bool))


@wrong("decoder_mask", "padding_on_queries")
def dec_rows_and_columns(lengths, n, side="right"):
    real = _real(lengths, n, side)
    return np.tril(np.ones((n, n), dtype=bool)) & real[:, None, :] & real[:, :, None]


@wrong("decoder_mask", "padding_on_queries")
def dec_rows(lengths, n, side="right"):
    return np.einsum("ij,bi->bij", np.tril(np.ones((n, n))), _real(lengths, n, side)) > 0


@wrong("decoder_mask", "padding_side_ignored")
def dec_always_right(lengths, n, side="right"):
    return np.tril(np.ones((n, n), dtype=bool)) & (np.arange(n) < np.asarray(lengths)[:, None])[:, None, :]


@wrong("decoder_mask", "padding_off_by_one")
def dec_left_off_by_one(lengths, n, side="right"):
    j, lengths = np.arange(n), np.asarray(lengths)[:, None]
    real = j > n - lengths if side == "left" else j < lengths
    return np.tril(np.ones((n, n), dtype=bool)) & real[:, None, :]


@wrong("decoder_mask", "mask_polarity_inverted")
def dec_blocked_true(lengths, n, side="right"):
    blocked = np.triu(np.ones((n, n), dtype=bool), 1) | ~_real(lengths, n, side)[:, None, :]
    return blocked


@wrong("decoder_mask", "extra_axis")
def dec_head_axis(lengths, n, side="right"):
    return (np.tril(np.ones((n, n), dtype=bool)) & _real(lengths, n, side)[:, None, :])[:, None, :, :]


@wrong("decoder_mask", "float_mask")
def dec_product(lengths, n, side="right"):
    return np.tril(np.ones((n, n))) * _real(lengths, n, side)[:, None, :]


# ---------------------------------------------------------------- fix_masked_attention (find the bug)
# Each one is the given function with some bugs fixed and others not, as a learner would leave it.


def _given_softmax(scores):
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@wrong("fix_masked_attention", "mask_after_softmax")
def fix_untouched(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    weights = _given_softmax(scores)
    if mask is not None:
        weights = np.where(mask, 0.0, weights)
    return weights @ v, weights


@wrong("fix_masked_attention", "mask_after_softmax")
def fix_polarity_only(q, k, v, mask=None):
    weights = _given_softmax(q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1]))
    if mask is not None:
        weights = weights * mask
    return weights @ v, weights


@wrong("fix_masked_attention", "mask_polarity_inverted")
def fix_moved_not_flipped(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, -np.inf, scores)
    with np.errstate(invalid="ignore"):
        weights = _given_softmax(scores)
    return weights @ v, weights


@wrong("fix_masked_attention", "mask_polarity_inverted")
def fix_moved_with_library_softmax(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, -np.inf, scores)
    weights = al.softmax(scores)
    return weights @ v, weights


@wrong("fix_masked_attention", "fully_masked_row_nan")
def fix_two_of_three(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    with np.errstate(invalid="ignore"):
        weights = _given_softmax(scores)
    return weights @ v, weights


@wrong("fix_masked_attention", "fully_masked_row_nan")
def fix_renormalised_after(q, k, v, mask=None):
    weights = _given_softmax(q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1]))
    if mask is not None:
        weights = np.where(mask, weights, 0.0)
        with np.errstate(invalid="ignore"):
            weights = weights / weights.sum(axis=-1, keepdims=True)
    return weights @ v, weights


@wrong("fix_masked_attention", "fully_masked_row_uniform")
def fix_minus_1e9(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -1e9)
    weights = _given_softmax(scores)
    return weights @ v, weights


@wrong("fix_masked_attention", "masked_to_zero")
def fix_scores_times_mask(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores * mask
    weights = _given_softmax(scores)
    return weights @ v, weights


@wrong("fix_masked_attention", "mask_ignored")
def fix_mask_deleted(q, k, v, mask=None):
    weights = _given_softmax(q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1]))
    return weights @ v, weights


@wrong("fix_masked_attention", "softmax_wrong_axis")
def fix_normalised_over_queries(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    weights = al.softmax(scores, axis=-2)
    return weights @ v, weights


@wrong("fix_masked_attention", "missing_weights")
def fix_returns_output_only(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    return al.softmax(scores) @ v


@wrong("fix_masked_attention", "calls_library")
def fix_borrowed(q, k, v, mask=None):
    return al.attention(q, k, v, mask)


# ---------------------------------------------------------------- masked_attention


def _naive(scores, axis=-1):
    e = np.exp(scores - np.max(scores, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


@wrong("masked_attention", "fully_masked_row_nan")
def ma_plain_softmax(q, k, v, mask=None):
    s = np.einsum("...qd,...kd->...qk", q, k) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = _naive(s)
    return w @ v, w


@wrong("masked_attention", "fully_masked_row_nan")
def ma_masked_fill_loop(q, k, v, mask=None):
    s = _scores(q, k)
    if mask is not None:
        s = s.copy()
        s[~np.broadcast_to(mask, s.shape)] = -np.inf
    w = np.exp(s - s.max(-1)[..., None])
    w /= w.sum(-1)[..., None]
    return w @ v, w


@wrong("masked_attention", "fully_masked_row_uniform")
def ma_minus_1e9(q, k, v, mask=None):
    s = _scores(q, k)
    if mask is not None:
        s = np.where(mask, s, -1e9)
    w = _stable_softmax(s)
    return w @ v, w


@wrong("masked_attention", "fully_masked_row_uniform")
def ma_finfo_min(q, k, v, mask=None):
    s = _scores(q, k)
    if mask is not None:
        s = np.where(mask, s, np.finfo(s.dtype).min)
    w = _naive(s)
    return w @ v, w


@wrong("masked_attention", "mask_after_softmax")
def ma_zero_after(q, k, v, mask=None):
    w = _stable_softmax(_scores(q, k))
    if mask is not None:
        w = np.where(mask, w, 0)
    return w @ v, w


@wrong("masked_attention", "masked_to_zero")
def ma_zero_scores(q, k, v, mask=None):
    s = _scores(q, k)
    if mask is not None:
        s = np.where(mask, s, 0.0)
    w = _stable_softmax(s)
    return w @ v, w


@wrong("masked_attention", "mask_polarity_inverted")
def ma_true_blocks(q, k, v, mask=None):
    s = _scores(q, k)
    if mask is not None:
        s = np.where(mask, -np.inf, s)
    w = _stable_softmax(s)
    return w @ v, w


@wrong("masked_attention", "mask_ignored")
def ma_forgets_mask(q, k, v, mask=None):
    w = _stable_softmax(_scores(q, k))
    return w @ v, w


@wrong("masked_attention", "softmax_wrong_axis")
def ma_over_queries(q, k, v, mask=None):
    s = _scores(q, k)
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = np.swapaxes(_stable_softmax(np.swapaxes(s, -1, -2)), -1, -2)
    return w @ v, w


@wrong("masked_attention", "no_sqrt_d_scaling")
def ma_unscaled(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2)
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = _stable_softmax(s)
    return w @ v, w


@wrong("masked_attention", "no_max_subtraction")
def ma_overflows(q, k, v, mask=None):
    s = _scores(q, k)
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    e = np.exp(s)
    w = e / e.sum(axis=-1, keepdims=True)
    return w @ v, w


@wrong("masked_attention", "no_max_subtraction")
def ma_overflows_but_guarded(q, k, v, mask=None):
    s = _scores(q, k)
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    e = np.exp(s)
    total = e.sum(axis=-1, keepdims=True)
    w = np.divide(e, total, out=np.zeros_like(e), where=total > 0)
    return w @ v, w


@wrong("masked_attention", "padding_missing_query_axis")
def ma_squeezes_mask(q, k, v, mask=None):
    s = _scores(q, k)
    if mask is not None:
        s = np.where(mask.squeeze(), s, -np.inf)
    w = _stable_softmax(s)
    return w @ v, w


@wrong("masked_attention", "mask_leak")
def ma_reshapes_mask(q, k, v, mask=None):
    s = _scores(q, k)
    if mask is not None:
        if mask.ndim > 2:
            mask = mask.reshape(mask.shape[0], 1, mask.shape[-1]) if mask.shape[-2] == 1 else mask
        s = np.where(mask, s, -np.inf)
    w = _stable_softmax(s)
    return w @ v, w


@wrong("masked_attention", "missing_weights")
def ma_output_only(q, k, v, mask=None):
    return masked_attention(q, k, v, mask)[0]


@wrong("masked_attention", "calls_library")
def ma_library_softmax(q, k, v, mask=None):
    s = _scores(q, k)
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = al.softmax(s)
    return w @ v, w
