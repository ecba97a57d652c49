"""Deliberately wrong answers, one per misconception, written the way learners get them wrong.

``WRONG`` maps each function's name to ``Wrong(exercise, code, fn)``: tests look an answer up by
its name, and ``for_exercise(id)`` lists an exercise's answers.
"""
import collections
import math

import numpy as np

from . import right

Wrong = collections.namedtuple("Wrong", "exercise code fn")
WRONG: dict[str, Wrong] = {}


def wrong(exercise_id, code):
    def register(fn):
        if fn.__name__ in WRONG:
            raise ValueError(f"two wrong answers are named {fn.__name__}")
        WRONG[fn.__name__] = Wrong(exercise_id, code, fn)
        return fn
    return register


def for_exercise(exercise_id):
    return [w for w in WRONG.values() if w.exercise == exercise_id]


# ---------------------------------------------------------------- softmax
@wrong("softmax", "softmax_wrong_axis")
def softmax_columns(x, axis=-1):
    e = np.exp(x - x.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


@wrong("softmax", "no_max_subtraction")
def softmax_overflows(x, axis=-1):
    e = np.exp(x)
    return e / e.sum(axis=axis, keepdims=True)


@wrong("softmax", "missing_normalisation")
def softmax_unnormalised(x, axis=-1):
    return np.exp(x - np.max(x, axis=axis, keepdims=True))


@wrong("softmax", "normalised_whole_array")
def softmax_global(x, axis=-1):
    e = np.exp(x - np.max(x))
    return e / np.sum(e)


@wrong("softmax", "missing_keepdims")
def softmax_no_keepdims(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / e.sum(axis=axis)


@wrong("softmax", "mutates_input")
def softmax_in_place(x, axis=-1):
    x -= x.max(axis=axis, keepdims=True)
    np.exp(x, out=x)
    x /= x.sum(axis=axis, keepdims=True)
    return x


@wrong("softmax", "calls_library")
def softmax_borrowed(x, axis=-1):
    import attention_lib
    return attention_lib.softmax(x, axis=axis)


@wrong("softmax", "raised")
def softmax_typo(x, axis=-1):
    return np.exp(x) / np.sum(np.exp(x), axis=axis, keepdim=True)


@wrong("softmax", "returned_none")
def softmax_no_return(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    e / e.sum(axis=axis, keepdims=True)


@wrong("softmax", "timeout")
def softmax_forever(x, axis=-1):
    while True:
        pass


@wrong("softmax", "wrong_type")
def softmax_as_list(x, axis=-1):
    return right.softmax(x, axis).tolist() and "done"


@wrong("softmax_temperature", "temperature_multiplied")
def tau_times(x, tau):
    return right.softmax(x * tau)


@wrong("softmax_temperature", "temperature_ignored")
def tau_ignored(x, tau):
    return right.softmax(x)


@wrong("softmax_temperature", "temperature_after_softmax")
def tau_after(x, tau):
    return right.softmax(x) / tau


# ---------------------------------------------------------------- scores
@wrong("scaled_dot_scores", "no_sqrt_d_scaling")
def scores_unscaled(Q, K):
    return Q @ np.swapaxes(K, -1, -2)


@wrong("scaled_dot_scores", "scaled_by_d")
def scores_by_d(Q, K):
    return Q @ np.swapaxes(K, -1, -2) / Q.shape[-1]


@wrong("scaled_dot_scores", "scaled_by_wrong_dimension")
def scores_by_n_k(Q, K):
    n_k = K.shape[-2]
    return Q @ np.swapaxes(K, -1, -2) / math.sqrt(n_k)


@wrong("scaled_dot_scores", "transposed_kq")
def scores_kq(Q, K):
    return K @ np.swapaxes(Q, -1, -2) / np.sqrt(Q.shape[-1])


@wrong("scaled_dot_scores", "transposed_qtk")
def scores_qtk(Q, K):
    return np.swapaxes(Q, -1, -2) @ K / np.sqrt(Q.shape[-1])


@wrong("scaled_dot_scores", "transpose_all_axes")
def scores_dot_T(Q, K):
    return Q @ K.T / np.sqrt(Q.shape[-1])


@wrong("cosine_scores", "cosine_no_eps")
def cosine_divides_by_zero(Q, K, tau):
    Qn = Q / np.linalg.norm(Q, axis=-1, keepdims=True)
    Kn = K / np.linalg.norm(K, axis=-1, keepdims=True)
    return Qn @ np.swapaxes(Kn, -1, -2) / tau


@wrong("cosine_scores", "norm_wrong_axis")
def cosine_columns(Q, K, tau):
    Qn = Q / (np.linalg.norm(Q, axis=-2, keepdims=True) + 1e-9)
    Kn = K / (np.linalg.norm(K, axis=-2, keepdims=True) + 1e-9)
    return Qn @ np.swapaxes(Kn, -1, -2) / tau


@wrong("cosine_scores", "temperature_multiplied")
def cosine_tau_times(Q, K, tau):
    return right.cosine_scores(Q, K, 1.0) * tau


@wrong("cosine_scores", "cosine_not_unit")
def cosine_is_dot(Q, K, tau):
    return Q @ np.swapaxes(K, -1, -2) / tau


@wrong("rbf_scores", "rbf_positive_sign")
def rbf_plus(Q, K, tau):
    return -right.rbf_scores(Q, K, tau)


@wrong("rbf_scores", "rbf_missing_two")
def rbf_no_two(Q, K, tau):
    d2 = np.sum((Q[..., :, None, :] - K[..., None, :, :]) ** 2, axis=-1)
    return -d2 / tau**2


@wrong("rbf_scores", "rbf_not_squared")
def rbf_distance(Q, K, tau):
    d = np.linalg.norm(Q[..., :, None, :] - K[..., None, :, :], axis=-1)
    return -d / (2 * tau**2)


@wrong("rbf_scores", "transposed_kq")
def rbf_keys_first(Q, K, tau):
    return np.swapaxes(right.rbf_scores(Q, K, tau), -1, -2)


# ---------------------------------------------------------------- kernel regression
@wrong("kernel_regression", "missing_normalisation")
def kr_sum(x_query, x_train, y_train, bandwidth):
    u = (x_query[:, None] - x_train[None, :]) / bandwidth
    return np.exp(-0.5 * u**2) @ y_train


@wrong("kernel_regression", "temperature_multiplied")
def kr_times(x_query, x_train, y_train, bandwidth):
    u = (x_query[:, None] - x_train[None, :]) * bandwidth
    k = np.exp(-0.5 * u**2)
    return k @ y_train / k.sum(axis=1)


# ---------------------------------------------------------------- attention
def _scores(Q, K):
    return Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])


@wrong("attention", "softmax_wrong_axis")
def attn_query_axis(Q, K, V, mask=None):
    s = _scores(Q, K)
    if mask is not None:
        s = np.where(mask, s, -1e9)
    w = right.softmax(s, axis=-2)
    return w @ V, w


@wrong("attention", "mask_after_softmax")
def attn_mask_late(Q, K, V, mask=None):
    w = right.softmax(_scores(Q, K))
    if mask is not None:
        w = w * mask
    return w @ V, w


@wrong("attention", "mask_polarity_inverted")
def attn_mask_inverted(Q, K, V, mask=None):
    s = _scores(Q, K)
    if mask is not None:
        s = np.where(mask, -1e9, s)
    w = right.softmax(s)
    return w @ V, w


@wrong("attention", "masked_to_zero")
def attn_mask_zero(Q, K, V, mask=None):
    s = _scores(Q, K)
    if mask is not None:
        s = s * mask
    w = right.softmax(s)
    return w @ V, w


@wrong("attention", "mask_ignored")
def attn_no_mask(Q, K, V, mask=None):
    w = right.softmax(_scores(Q, K))
    return w @ V, w


@wrong("attention", "no_sqrt_d_scaling")
def attn_unscaled(Q, K, V, mask=None):
    s = Q @ np.swapaxes(K, -1, -2)
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = right.softmax(s)
    return w @ V, w


@wrong("attention", "weights_transposed")
def attn_wT(Q, K, V, mask=None):
    _, w = right.attention(Q, K, V, mask)
    return np.swapaxes(w, -1, -2) @ V, w


@wrong("attention", "missing_weights")
def attn_only_out(Q, K, V, mask=None):
    return right.attention(Q, K, V, mask)[0]


@wrong("attention", "calls_library")
def attn_borrowed(Q, K, V, mask=None):
    from attention_lib import attention as lib_attention
    return lib_attention(Q, K, V, mask)


# ---------------------------------------------------------------- masks
@wrong("causal_mask", "causal_allows_future")
def causal_upper(n):
    return np.triu(np.ones((n, n), dtype=bool))


@wrong("causal_mask", "causal_excludes_diagonal")
def causal_strict(n):
    return np.tril(np.ones((n, n), dtype=bool), k=-1)


@wrong("causal_mask", "float_mask")
def causal_float(n):
    return np.tril(np.ones((n, n)))


@wrong("causal_mask", "mask_polarity_inverted")
def causal_blocked_true(n):
    i, j = np.indices((n, n))
    return j > i


@wrong("padding_mask", "padding_on_queries")
def pad_queries(lengths, n):
    return (np.arange(n)[None, :] < np.asarray(lengths)[:, None])[:, :, None]


@wrong("padding_mask", "padding_off_by_one")
def pad_off_by_one(lengths, n):
    return (np.arange(n)[None, :] <= np.asarray(lengths)[:, None])[:, None, :]


@wrong("padding_mask", "mask_polarity_inverted")
def pad_inverted(lengths, n):
    return (np.arange(n)[None, :] >= np.asarray(lengths)[:, None])[:, None, :]


@wrong("padding_mask", "float_mask")
def pad_int(lengths, n):
    return (np.arange(n)[None, :] < np.asarray(lengths)[:, None])[:, None, :].astype(int)


@wrong("padding_mask", "padding_missing_query_axis")
def pad_2d(lengths, n):
    return np.arange(n)[None, :] < np.asarray(lengths)[:, None]


# ---------------------------------------------------------------- heads
@wrong("split_heads", "reshape_without_transpose")
def split_reshape_only(x, n_heads):
    B, L, D = x.shape
    return x.reshape(B, n_heads, L, D // n_heads)


@wrong("split_heads", "interleaved_features")
def split_interleaved(x, n_heads):
    B, L, D = x.shape
    return np.stack([x[:, :, j::n_heads] for j in range(n_heads)], axis=1)


def _mha(x_q, x_kv, params, n_heads, mask=None, *, split=right.split_heads, wo=True, d_scale=None, axis=-1, kv=None):
    B, n_q, D = x_q.shape
    src = x_kv if kv is None else kv
    q, k, v = split(x_q @ params["W_q"], n_heads), split(src @ params["W_k"], n_heads), split(src @ params["W_v"], n_heads)
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d_scale or q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = right.softmax(s, axis=axis)
    o = w @ v
    merged = o.reshape(B, n_q, D) if split is split_reshape_only else o.transpose(0, 2, 1, 3).reshape(B, n_q, D)
    return (merged @ params["W_o"] if wo else merged), w


@wrong("multi_head_attention", "reshape_without_transpose")
def mha_reshape_only(x_q, x_kv, params, n_heads, mask=None):
    return _mha(x_q, x_kv, params, n_heads, mask, split=split_reshape_only)


@wrong("multi_head_attention", "interleaved_features")
def mha_interleaved(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    q, k, v = (split_interleaved(a, n_heads) for a in (x_q @ params["W_q"], x_kv @ params["W_k"], x_kv @ params["W_v"]))
    heads, w = right.attention(q, k, v, mask)
    merged = np.concatenate([heads[:, j, :, :, None] for j in range(n_heads)], axis=-1).reshape(B, n_q, D)
    return merged @ params["W_o"], w


@wrong("multi_head_attention", "forgot_w_o")
def mha_no_wo(x_q, x_kv, params, n_heads, mask=None):
    return _mha(x_q, x_kv, params, n_heads, mask, wo=False)


@wrong("multi_head_attention", "scaled_by_d_model")
def mha_d_model(x_q, x_kv, params, n_heads, mask=None):
    return _mha(x_q, x_kv, params, n_heads, mask, d_scale=x_q.shape[-1])


@wrong("multi_head_attention", "softmax_over_heads")
def mha_heads_axis(x_q, x_kv, params, n_heads, mask=None):
    return _mha(x_q, x_kv, params, n_heads, mask, axis=1)


@wrong("multi_head_attention", "not_cross_attention")
def mha_self_only(x_q, x_kv, params, n_heads, mask=None):
    return _mha(x_q, x_kv, params, n_heads, mask, kv=x_q)


# ---------------------------------------------------------------- kernel/top-k and pen-and-paper
@wrong("top_k_attention", "topk_not_renormalised")
def topk_zeroed(q, K, V, k):
    _, w = right.attention(q, K, V)
    cutoff = np.sort(w, axis=-1)[:, [-k]]
    w = np.where(w >= cutoff, w, 0)
    return w @ V, w


@wrong("worked_example_weights", "missing_normalisation")
def we_exps():
    return np.exp([1.0, 0.0, 1.0])


@wrong("worked_example_weights", "hard_attention")
def we_hard():
    return np.array([0.5, 0, 0.5])


@wrong("worked_example_output", "scores_as_weights")
def we_out_scores():
    return np.array([1, 0, 1]) @ np.array([[10, 0], [0, 10], [5, 5]])


@wrong("attention_shapes", "transposed_kq")
def shapes_transposed():
    return (7, 5), (7, 5), (7, 32)


@wrong("temperature_for_target", "temperature_multiplied")
def tau_inverse():
    return 1 / right.temperature_for_target()


@wrong("one_nn_limit", "large_bandwidth_limit")
def one_nn_mean():
    return np.mean([1.0, -3.0, -1.0, 4.0])


# ---------------------------------------------------------------- the remaining named codes
@wrong("softmax_temperature", "no_max_subtraction")
def tau_overflows(x, tau):
    e = np.exp(np.asarray(x) / tau)
    return e / e.sum(axis=-1, keepdims=True)


@wrong("cosine_scores", "temperature_ignored")
def cosine_no_tau(Q, K, tau):
    return right.cosine_scores(Q, K, 1.0)


@wrong("cosine_scores", "transposed_kq")
def cosine_keys_first(Q, K, tau):
    return np.swapaxes(right.cosine_scores(Q, K, tau), -1, -2)


@wrong("cosine_scores", "transposed_qtk")
def cosine_features(Q, K, tau):
    Qn = Q / (np.linalg.norm(Q, axis=-1, keepdims=True) + 1e-9)
    Kn = K / (np.linalg.norm(K, axis=-1, keepdims=True) + 1e-9)
    return np.swapaxes(Qn, -1, -2) @ Kn / tau


@wrong("rbf_scores", "rbf_tau_not_squared")
def rbf_tau_once(Q, K, tau):
    return right.rbf_scores(Q, K, 1.0) * 2 / (2 * tau)


@wrong("rbf_scores", "temperature_multiplied")
def rbf_tau_times(Q, K, tau):
    return right.rbf_scores(Q, K, 1.0) * tau**2


@wrong("kernel_regression", "softmax_wrong_axis")
def kr_columns(x_query, x_train, y_train, bandwidth):
    k = np.exp(-0.5 * ((x_query[:, None] - x_train[None, :]) / bandwidth) ** 2)
    return (k / k.sum(axis=0)) @ y_train


@wrong("split_heads", "heads_axis_last")
def split_no_swap(x, n_heads):
    B, L, D = x.shape
    return x.reshape(B, L, n_heads, D // n_heads)


@wrong("top_k_attention", "topk_smallest")
def topk_lowest(q, K, V, k):
    s = q @ K.T / np.sqrt(q.shape[-1])
    cutoff = np.sort(s, axis=-1)[:, [k - 1]]
    return right.attention(q, K, V, mask=s <= cutoff)


@wrong("worked_example_weights", "scores_as_weights")
def we_scores():
    return np.array([1.0, 0.0, 1.0])


@wrong("worked_example_weights", "scaled_scores")
def we_scaled():
    return right.softmax(np.array([1.0, 0.0, 1.0]) / np.sqrt(2))


@wrong("worked_example_output", "hard_attention")
def we_out_hard():
    return 0.5 * np.array([10.0, 0.0]) + 0.5 * np.array([5.0, 5.0])


@wrong("worked_example_output", "uniform_average")
def we_out_mean():
    return np.mean([[10, 0], [0, 10], [5, 5]], axis=0)


@wrong("attention_shapes", "output_uses_d_k")
def shapes_d_k():
    return (5, 7), (5, 7), (5, 16)


@wrong("one_nn_limit", "nearest_by_index")
def one_nn_farthest():
    x_train, y_train = np.array([0.0, 2.0, 5.0, 6.0]), np.array([1.0, -3.0, -1.0, 4.0])
    return y_train[np.argmax(np.abs(x_train - 4.7))]


@wrong("cosine_scores", "transpose_all_axes")
def cosine_dot_T(Q, K, tau):
    Qn = Q / (np.linalg.norm(Q, axis=-1, keepdims=True) + 1e-9)
    Kn = K / (np.linalg.norm(K, axis=-1, keepdims=True) + 1e-9)
    return Qn @ Kn.T / tau
