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


@wrong("cosine_scores", "eps_inside_sqrt")
def cosine_eps_under_the_root(Q, K, tau):
    """Once kept in the unusual bank as right; the exercise says to add eps to the norm, and with lengths of
    3e-5 an eps of 1e-8 under the square root makes the unit vectors 0.29 long."""
    def norm(M):
        return np.sqrt(np.sum(M**2, axis=-1, keepdims=True) + 1e-8)
    return (Q / norm(Q)) @ np.swapaxes(K / norm(K), -1, -2) / tau


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


@wrong("one_nn_limit", "not_nearest_point")
def one_nn_farthest():
    x_train, y_train = np.array([0.0, 2.0, 5.0, 6.0]), np.array([1.0, -3.0, -1.0, 4.0])
    return y_train[np.argmax(np.abs(x_train - 4.7))]


@wrong("cosine_scores", "transpose_all_axes")
def cosine_dot_T(Q, K, tau):
    Qn = Q / (np.linalg.norm(Q, axis=-1, keepdims=True) + 1e-9)
    Kn = K / (np.linalg.norm(K, axis=-1, keepdims=True) + 1e-9)
    return Qn @ Kn.T / tau


# ---------------------------------------------------------------- more spellings of the shared misconceptions
# Written for this suite from the lessons' ideas, each in a different style from the variants in the checks.
@wrong("scaled_dot_scores", "batch_not_handled")
def scores_pair_loop(Q, K):
    d = Q.shape[-1]
    return np.array([[np.dot(q, k) / np.sqrt(d) for k in K] for q in Q])


@wrong("scaled_dot_scores", "batch_not_handled")
def scores_second_axis(Q, K):
    return np.einsum("ij,kj->ik", Q, K) / np.sqrt(Q.shape[1])


@wrong("scaled_dot_scores", "power_precedence")
def scores_precedence(Q, K):
    d = Q.shape[-1]
    return Q @ np.swapaxes(K, -1, -2) / d ** 1 / 2


@wrong("scaled_dot_scores", "scale_hard_coded")
def scores_fixed_scale(Q, K):
    return np.matmul(Q, np.swapaxes(K, -2, -1)) / 2.0


@wrong("scaled_dot_scores", "softmax_applied")
def scores_then_softmax(Q, K):
    s = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    return right.softmax(s)


@wrong("scaled_dot_scores", "matmul_mismatch")
def scores_no_transpose(Q, K):
    return np.matmul(Q, K) / np.sqrt(Q.shape[-1])


@wrong("cosine_scores", "cosine_one_side")
def cosine_keys_only(Q, K, tau):
    Kn = K / np.sqrt(np.sum(K**2, axis=-1, keepdims=True) + 1e-12)
    return np.einsum("...qd,...kd->...qk", Q, Kn) / tau


@wrong("cosine_scores", "cosine_squared_norm")
def cosine_sum_of_squares(Q, K, tau):
    nq = np.einsum("...d,...d->...", Q, Q)[..., :, None]
    nk = np.einsum("...d,...d->...", K, K)[..., None, :]
    return (Q @ np.swapaxes(K, -1, -2)) / (nq * nk + 1e-9) / tau


@wrong("cosine_scores", "norm_no_axis")
def cosine_frobenius(Q, K, tau):
    return (Q / (np.linalg.norm(Q) + 1e-9)) @ np.swapaxes(K / (np.linalg.norm(K) + 1e-9), -1, -2) / tau


@wrong("cosine_scores", "wrong_norm")
def cosine_max_abs(Q, K, tau):
    Qn = Q / (np.abs(Q).max(axis=-1, keepdims=True) + 1e-9)
    Kn = K / (np.abs(K).max(axis=-1, keepdims=True) + 1e-9)
    return Qn @ np.swapaxes(Kn, -1, -2) / tau


@wrong("cosine_scores", "temperature_misapplied")
def cosine_tau_twice(Q, K, tau):
    return right.cosine_scores(Q, K, tau) / tau


@wrong("cosine_scores", "cosine_distance")
def cosine_as_distance(Q, K, tau):
    return (1 - right.cosine_scores(Q, K, 1.0)) / tau


@wrong("cosine_scores", "eps_too_large")
def cosine_big_eps(Q, K, tau):
    Qn = Q / (np.linalg.norm(Q, axis=-1, keepdims=True) + 1e-2)
    Kn = K / (np.linalg.norm(K, axis=-1, keepdims=True) + 1e-2)
    return Qn @ np.swapaxes(Kn, -1, -2) / tau


@wrong("cosine_scores", "extra_sqrt_d_scaling")
def cosine_scaled(Q, K, tau):
    return right.cosine_scores(Q, K, tau) / math.sqrt(Q.shape[-1])


@wrong("rbf_scores", "rbf_expansion_wrong")
def rbf_plus_cross(Q, K, tau):
    q2 = (Q * Q).sum(-1)[..., :, None]
    k2 = (K * K).sum(-1)[..., None, :]
    return -(q2 + k2 + 2 * Q @ np.swapaxes(K, -1, -2)) / (2 * tau**2)


@wrong("rbf_scores", "rbf_mean_not_sum")
def rbf_average(Q, K, tau):
    diff = Q[..., :, None, :] - K[..., None, :, :]
    return -(diff**2).mean(axis=-1) / (2 * tau * tau)


@wrong("rbf_scores", "rbf_missing_denominator")
def rbf_no_tau(Q, K, tau):
    return -np.sum((Q[..., :, None, :] - K[..., None, :, :]) ** 2, axis=-1)


@wrong("rbf_scores", "rbf_two_tau_squared")
def rbf_four_tau2(Q, K, tau):
    return -np.sum((Q[..., :, None, :] - K[..., None, :, :]) ** 2, axis=-1) / (2 * tau) ** 2


@wrong("rbf_scores", "rbf_wrong_distance")
def rbf_manhattan(Q, K, tau):
    return -np.abs(Q[..., :, None, :] - K[..., None, :, :]).sum(-1) / (2 * tau**2)


@wrong("rbf_scores", "temperature_ignored")
def rbf_half_only(Q, K, tau):
    return -0.5 * np.sum((Q[..., :, None, :] - K[..., None, :, :]) ** 2, axis=-1)


@wrong("rbf_scores", "exp_applied")
def rbf_kernel(Q, K, tau):
    return np.exp(right.rbf_scores(Q, K, tau))


@wrong("rbf_scores", "caret_not_power")
def rbf_xor(Q, K, tau):
    return -np.sum((Q[..., :, None, :] - K[..., None, :, :]) ** 2, axis=-1) / (2 * tau ^ 2)


@wrong("rbf_scores", "diagonal_only")
def rbf_no_new_axes(Q, K, tau):
    return -np.sum((Q - K) ** 2, axis=-1) / (2 * tau**2)


@wrong("softmax", "axis_argument_ignored")
def softmax_last_axis_always(x, axis=-1):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@wrong("softmax", "global_max_subtraction")
def softmax_shift_by_overall_max(x, axis=-1):
    z = np.exp(x - np.amax(x))
    return z / np.sum(z, axis=axis, keepdims=True)


@wrong("softmax", "missing_exp")
def softmax_no_exp(x, axis=-1):
    return x / x.sum(axis=axis, keepdims=True)


@wrong("softmax", "log_applied")
def softmax_log(x, axis=-1):
    return np.log(right.softmax(x, axis))


@wrong("softmax", "elementwise_not_normalised")
def softmax_tanh(x, axis=-1):
    return (np.tanh(x) + 1) / 2


@wrong("softmax", "low_precision")
def softmax_half(x, axis=-1):
    return right.softmax(np.asarray(x, dtype=np.float16), axis)


@wrong("softmax", "math_on_array")
def softmax_math(x, axis=-1):
    m = max(x)
    exps = [math.exp(v - m) for v in x]
    return np.array(exps) / sum(exps)


@wrong("softmax", "vector_not_handled")
def softmax_needs_two_axes(x, axis=-1):
    e = np.exp(x - x.max(axis=axis)[..., None] if axis in (-1, x.ndim - 1) else x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True) if x.shape[1] else e


@wrong("softmax_temperature", "temperature_misapplied")
def tau_squared(x, tau):
    return right.softmax(x / tau**2)


@wrong("softmax_temperature", "normalised_whole_array")
def tau_everything(x, tau):
    z = np.exp((x - np.max(x)) / tau)
    return z / z.sum()


@wrong("softmax_temperature", "missing_normalisation")
def tau_power(x, tau):
    return right.softmax(x) ** (1 / tau)


@wrong("softmax_temperature", "infinite_recursion")
def tau_recursive(x, tau):
    return tau_recursive(x, tau) / tau


@wrong("kernel_regression", "kernel_missing_half")
def kr_exp_minus_u2(x_query, x_train, y_train, bandwidth):
    w = np.exp(-np.subtract.outer(x_query, x_train) ** 2 / bandwidth**2)
    return (w * y_train).sum(1) / w.sum(1)


@wrong("kernel_regression", "kernel_not_gaussian")
def kr_cauchy(x_query, x_train, y_train, bandwidth):
    u = (x_query[:, None] - x_train[None, :]) / bandwidth
    w = 1 / (1 + u**2)
    return w @ y_train / w.sum(axis=1)


@wrong("kernel_regression", "rbf_positive_sign")
def kr_grows(x_query, x_train, y_train, bandwidth):
    u = (x_query[:, None] - x_train[None, :]) / bandwidth
    w = np.exp(u**2 / 2)
    return w @ y_train / w.sum(axis=1)


@wrong("kernel_regression", "averaged_inputs")
def kr_of_x(x_query, x_train, y_train, bandwidth):
    w = np.exp(-0.5 * ((x_query[:, None] - x_train) / bandwidth) ** 2)
    return np.sum(w * x_train, axis=1) / np.sum(w, axis=1)


@wrong("kernel_regression", "hard_attention")
def kr_one_nn(x_query, x_train, y_train, bandwidth):
    return np.array([y_train[np.abs(x_train - xq).argmin()] for xq in x_query])


@wrong("kernel_regression", "large_bandwidth_limit")
def kr_mean(x_query, x_train, y_train, bandwidth):
    return np.full(x_query.shape, y_train.mean())


@wrong("kernel_regression", "temperature_ignored")
def kr_no_bandwidth(x_query, x_train, y_train, bandwidth):
    w = np.exp(-0.5 * (x_query[:, None] - x_train[None, :]) ** 2)
    return w @ y_train / w.sum(axis=1)


@wrong("kernel_regression", "temperature_misapplied")
def kr_bandwidth_squared(x_query, x_train, y_train, bandwidth):
    w = np.exp(-0.5 * ((x_query[:, None] - x_train[None, :]) / bandwidth**2) ** 2)
    return w @ y_train / w.sum(axis=1)


@wrong("kernel_regression", "integer_result")
def kr_rounded_down(x_query, x_train, y_train, bandwidth):
    return right.kernel_regression(x_query, x_train, y_train, bandwidth).astype(np.int64)


@wrong("kernel_regression", "broadcast_mismatch")
def kr_no_outer(x_query, x_train, y_train, bandwidth):
    w = np.exp(-0.5 * ((x_query - x_train) / bandwidth) ** 2)
    return w * y_train / w.sum()


@wrong("kernel_regression", "wrong_quantity")
def kr_weights_only(x_query, x_train, y_train, bandwidth):
    w = np.exp(-0.5 * ((x_query[:, None] - x_train[None, :]) / bandwidth) ** 2)
    return w / w.sum(axis=1, keepdims=True)


@wrong("top_k_attention", "no_sqrt_d_scaling")
def topk_raw_scores(q, K, V, k):
    s = q @ K.T
    keep = s >= np.sort(s, axis=1)[:, -k][:, None]
    return right.attention(q * np.sqrt(q.shape[-1]) ** 0, K, V, mask=keep) if False else _masked(s, keep, V)


def _masked(s, keep, V):
    z = np.where(keep, s, -np.inf)
    w = np.exp(z - z.max(axis=-1, keepdims=True))
    w /= w.sum(axis=-1, keepdims=True)
    return w @ V, w


@wrong("top_k_attention", "scaled_by_d")
def topk_by_d(q, K, V, k):
    s = q @ K.T / q.shape[-1]
    return _masked(s, s >= np.sort(s, axis=-1)[:, [-k]], V)


@wrong("top_k_attention", "scaled_by_wrong_dimension")
def topk_by_n_keys(q, K, V, k):
    s = q @ K.T / np.sqrt(K.shape[0])
    return _masked(s, s >= np.sort(s, axis=-1)[:, [-k]], V)


@wrong("top_k_attention", "masked_to_zero")
def topk_times_mask(q, K, V, k):
    s = q @ K.T / np.sqrt(q.shape[-1])
    keep = s >= np.sort(s, axis=-1)[:, [-k]]
    return _masked(s * keep, np.ones_like(keep), V)


@wrong("top_k_attention", "mask_ignored")
def topk_plain(q, K, V, k):
    return right.attention(q, K, V)


@wrong("top_k_attention", "mask_polarity_inverted")
def topk_drops_best(q, K, V, k):
    s = q @ K.T / np.sqrt(q.shape[-1])
    return _masked(s, ~(s >= np.sort(s, axis=-1)[:, [-k]]), V)


@wrong("top_k_attention", "softmax_wrong_axis")
def topk_columns_softmax(q, K, V, k):
    s = q @ K.T / np.sqrt(q.shape[-1])
    z = np.where(s >= np.sort(s, axis=-1)[:, [-k]], s, -np.inf)
    w = np.exp(z - z.max(axis=0, keepdims=True))
    w = w / w.sum(axis=0, keepdims=True)
    return w @ V, w


@wrong("top_k_attention", "topk_wrong_count")
def topk_one_extra(q, K, V, k):
    s = q @ K.T / np.sqrt(q.shape[-1])
    n = s.shape[-1]
    return _masked(s, s >= np.sort(s, axis=-1)[:, [max(n - k - 1, 0)]], V)


@wrong("top_k_attention", "topk_wrong_axis")
def topk_sorted_columns(q, K, V, k):
    s = q @ K.T / np.sqrt(q.shape[-1])
    kth = np.sort(s, axis=0)[-min(k, s.shape[0])]
    return _masked(s, s >= kth, V)


@wrong("top_k_attention", "hard_attention")
def topk_argmax_only(q, K, V, k):
    s = q @ K.T / np.sqrt(q.shape[-1])
    return _masked(s, s == s.max(axis=-1, keepdims=True), V)


@wrong("top_k_attention", "missing_output")
def topk_weights_only(q, K, V, k):
    return right.top_k_attention(q, K, V, k)[1]


@wrong("worked_example_weights", "dropped_zero_score")
def we_without_e0():
    return np.array([np.e, 1.0, np.e]) / (2 * np.e)


@wrong("worked_example_weights", "sign_flipped")
def we_negated():
    s = -np.array([1.0, 0.0, 1.0])
    return np.exp(s) / np.exp(s).sum()


@wrong("worked_example_weights", "uniform_average")
def we_thirds():
    return [1 / 3, 1 / 3, 1 / 3]


@wrong("worked_example_weights", "used_cosine")
def we_cosine():
    s = np.array([1.0, 0.0, 1 / np.sqrt(2)])
    return np.exp(s) / np.exp(s).sum()


@wrong("worked_example_weights", "wrong_similarity")
def we_distances():
    s = -np.array([0.0, 2.0, 1.0])
    return np.exp(s) / np.exp(s).sum()


@wrong("worked_example_weights", "wrong_order")
def we_sorted():
    return np.sort(right.worked_example_weights())


@wrong("worked_example_weights", "imprecise")
def we_rounded():
    return [0.42, 0.16, 0.42]


@wrong("worked_example_output", "missing_normalisation")
def we_out_unnormalised():
    return np.exp([1.0, 0.0, 1.0]) @ np.array([[10, 0], [0, 10], [5, 5]])


@wrong("worked_example_output", "output_from_keys")
def we_out_keys():
    return right.worked_example_weights() @ np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])


@wrong("worked_example_output", "scaled_scores")
def we_out_scaled():
    w = right.softmax(np.array([1.0, 0.0, 1.0]) / np.sqrt(2))
    return w @ np.array([[10, 0], [0, 10], [5, 5]])


@wrong("worked_example_output", "dropped_zero_score")
def we_out_without_e0():
    w = np.array([np.e, 1, np.e]) / (2 * np.e)
    return w @ np.array([[10, 0], [0, 10], [5, 5]])


@wrong("worked_example_output", "sign_flipped")
def we_out_negated():
    return right.softmax(-np.array([1.0, 0.0, 1.0])) @ np.array([[10, 0], [0, 10], [5, 5]])


@wrong("worked_example_output", "used_cosine")
def we_out_cosine():
    return right.softmax(np.array([1.0, 0.0, 2**-0.5])) @ np.array([[10, 0], [0, 10], [5, 5]])


@wrong("worked_example_output", "wrong_quantity")
def we_out_weights():
    return right.worked_example_weights()


@wrong("attention_shapes", "output_rows_from_keys")
def shapes_output_per_key():
    return (5, 7), (5, 7), (7, 32)


@wrong("attention_shapes", "output_is_weights")
def shapes_output_like_weights():
    return [(5, 7)] * 3


@wrong("attention_shapes", "output_not_summed")
def shapes_output_unsummed():
    return (5, 7), (5, 7), (5, 7, 32)


@wrong("attention_shapes", "shape_sizes")
def shapes_sizes():
    return 35, 35, 160


@wrong("attention_shapes", "transposed_qtk")
def shapes_features():
    return (16, 16), (16, 16), (5, 32)


@wrong("attention_shapes", "transposed_result")
def shapes_output_transposed():
    return (5, 7), (5, 7), (32, 5)


@wrong("attention_shapes", "weights_reduced")
def shapes_weights_vector():
    return np.array([5, 7]), np.array([5]), np.array([5, 32])


@wrong("attention_shapes", "scores_shape")
def shapes_inputs():
    return (5, 16), (5, 7), (5, 32)


@wrong("attention_shapes", "wrong_shape")
def shapes_keys_by_keys():
    return (5, 7), (7, 7), (5, 32)


@wrong("attention_shapes", "extra_axis")
def shapes_with_batch():
    return (1, 5, 7), (5, 7), (5, 32)


@wrong("temperature_for_target", "dropped_zero_score")
def tau_two_scores():
    return 1 / math.log(9)


@wrong("temperature_for_target", "negative_temperature")
def tau_negative():
    return -right.temperature_for_target()


@wrong("temperature_for_target", "search_wrong_direction")
def tau_stuck():
    lo, hi = 0.001, 50.0
    for _ in range(80):
        mid = (lo + hi) / 2
        top = right.softmax(np.array([2.0, 1.0, 0.0]) / mid)[0]
        lo, hi = (lo, mid) if top > 0.9 else (mid, hi)
    return hi


@wrong("temperature_for_target", "wrong_quantity")
def tau_weights():
    return right.softmax(np.array([2.0, 1.0, 0.0]) / right.temperature_for_target())


@wrong("temperature_for_target", "wrong_log_base")
def tau_log10():
    return 1 / math.log10((9 + math.sqrt(117)) / 2)


@wrong("temperature_for_target", "imprecise")
def tau_two_digits():
    return round(right.temperature_for_target(), 2)


@wrong("temperature_for_target", "target_missed")
def tau_quadratic_not_halved():
    u = -1 + math.sqrt(1 + 4 / 9)          # the root of u² + u − 1/9 = 0, without its division by 2
    return -1 / math.log(u)


@wrong("one_nn_limit", "returned_input_not_label")
def one_nn_x():
    x = np.array([0.0, 2.0, 5.0, 6.0])
    return x[np.argmin(np.abs(x - 4.7))]


@wrong("one_nn_limit", "returned_index")
def one_nn_index():
    return int(np.argmin(np.abs(np.array([0.0, 2.0, 5.0, 6.0]) - 4.7)))


@wrong("one_nn_limit", "compared_labels")
def one_nn_labels():
    y = np.array([1.0, -3.0, -1.0, 4.0])
    return y[np.argmin(np.abs(y - 4.7))]


@wrong("one_nn_limit", "knn_not_1nn")
def one_nn_two_nearest():
    x, y = np.array([0.0, 2.0, 5.0, 6.0]), np.array([1.0, -3.0, -1.0, 4.0])
    return y[np.argsort(np.abs(x - 4.7))[:2]].mean()


@wrong("one_nn_limit", "interpolated")
def one_nn_interpolate():
    return np.interp(4.7, [0.0, 2.0, 5.0, 6.0], [1.0, -3.0, -1.0, 4.0])


@wrong("one_nn_limit", "finite_bandwidth")
def one_nn_h_one():
    x, y = np.array([0.0, 2.0, 5.0, 6.0]), np.array([1.0, -3.0, -1.0, 4.0])
    w = np.exp(-0.5 * (x - 4.7) ** 2)
    return w @ y / w.sum()


@wrong("kernel_regression", "rbf_not_squared")
def kr_distance_not_squared(x_query, x_train, y_train, bandwidth):
    w = np.exp(-np.abs(x_query[:, None] - x_train[None, :]) / (2 * bandwidth))
    return w @ y_train / w.sum(axis=1)


@wrong("top_k_attention", "weights_transposed")
def topk_weights_transposed(q, K, V, k):
    out, w = right.top_k_attention(q, K, V, k)
    return w.T @ V, w


@wrong("worked_example_output", "wrong_similarity")
def we_out_distances():
    s = -np.sum((np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]) - np.array([1.0, 0.0])) ** 2, axis=1)
    return right.softmax(s) @ np.array([[10, 0], [0, 10], [5, 5]])


@wrong("attention_shapes", "wrong_order")
def shapes_reversed():
    return (5, 32), (5, 7), (5, 7)


@wrong("worked_example_weights", "scored_against_values")
def we_value_scores():
    s = np.array([[10.0, 0.0], [0.0, 10.0], [5.0, 5.0]]) @ np.array([1.0, 0.0])
    return np.exp(s - s.max()) / np.exp(s - s.max()).sum()


@wrong("worked_example_weights", "score_miscomputed")
def we_second_key_scored_one():
    s = np.array([1.0, 1.0, 1.0])           # q · k2 taken as 1: the 1 of k2 read where the 0 of q belongs
    s[2] = 2.0
    return np.exp(s) / np.exp(s).sum()


@wrong("worked_example_output", "scored_against_values")
def we_out_value_scores():
    V = np.array([[10.0, 0.0], [0.0, 10.0], [5.0, 5.0]])
    return right.softmax(V @ np.array([1.0, 0.0])) @ V


@wrong("scaled_dot_scores", "diagonal_only")
def scores_row_by_row(Q, K):
    return np.einsum("...qd,...qd->...q", Q, K) / np.sqrt(Q.shape[-1])


@wrong("cosine_scores", "diagonal_only")
def cosine_paired_rows(Q, K, tau):
    Qn = Q / (np.linalg.norm(Q, axis=-1, keepdims=True) + 1e-9)
    Kn = K / (np.linalg.norm(K, axis=-1, keepdims=True) + 1e-9)
    return np.sum(Qn * Kn, axis=-1) / tau


@wrong("kernel_regression", "bandwidth_not_squared")
def kr_squared_distance_over_tau(x_query, x_train, y_train, bandwidth):
    sq = (x_query[:, None] - x_train[None, :]) ** 2
    w = np.exp(-sq / bandwidth / 2)
    return (w / w.sum(axis=1, keepdims=True)) @ y_train


@wrong("kernel_regression", "missing_keepdims")
def kr_keepdims_lost(x_query, x_train, y_train, bandwidth):
    w = np.exp(-0.5 * ((x_query[:, None] - x_train[None, :]) / bandwidth) ** 2)
    return (w / w.sum(axis=1)) @ y_train


@wrong("cosine_scores", "missing_keepdims")
def cosine_norms_lose_their_axis(Q, K, tau):
    Qn = Q / (np.linalg.norm(Q, axis=-1) + 1e-9)
    Kn = K / (np.linalg.norm(K, axis=-1) + 1e-9)
    return Qn @ np.swapaxes(Kn, -1, -2) / tau


# ---------------------------------------------------------------- lessons 04-08
# Each later lesson keeps its wrong answers (and its right ones, in RIGHT) in its own module,
# tests/checks/answers/lessonNN.py, registered with the same @wrong decorator.
def _load_lesson_modules():
    import importlib
    from pathlib import Path

    for path in sorted(Path(__file__).parent.glob("lesson[0-9][0-9].py")):
        importlib.import_module(f"{__package__}.{path.stem}")


_load_lesson_modules()


# ---------------------------------------------------------------- reduced axes put back at the end (lesson 02)
@wrong("softmax", "axis_restored_at_end")
def softmax_axis_put_back_last(x, axis=-1):
    shifted = x - np.expand_dims(np.max(x, axis=axis), -1)
    e = np.exp(shifted)
    return e / np.expand_dims(np.sum(e, axis=axis), -1)


# ---------------------------------------------------------------- slips of the third blind round, written anew
@wrong("temperature_for_target", "score_left_out")
def tau_from_top_and_bottom_only():
    return 1.0 / math.log(3.0)          # e^(2/τ) = 9 from 1 / (1 + e^(−2/τ)) = 0.9, the score 1 forgotten


@wrong("decoder_mask", "left_padding_from_the_start")
def decoder_mask_left_counts_from_zero(lengths, n, side="right"):
    keys = np.arange(n)[None, :]
    lengths = np.asarray(lengths)[:, None]
    real = keys >= lengths if side == "left" else keys < lengths
    return np.tril(np.ones((n, n), dtype=bool)) & real[:, None, :]


@wrong("decoder_mask", "slice_minus_zero")
def decoder_mask_left_sliced_from_the_end(lengths, n, side="right"):
    real = np.zeros((len(lengths), n), dtype=bool)
    for b, length in enumerate(lengths):
        if side == "left":
            real[b, -length:] = True             # [-0:] is the whole row
        else:
            real[b, :length] = True
    return np.tril(np.ones((n, n), dtype=bool)) & real[:, None, :]


@wrong("fix_masked_attention", "output_before_mask")
def fix_masked_output_from_plain_weights(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    plain = np.exp(s - s.max(axis=-1, keepdims=True))
    out = (plain / plain.sum(axis=-1, keepdims=True)) @ v
    if mask is None:
        return out, plain / plain.sum(axis=-1, keepdims=True)
    s = np.where(mask, s, -np.inf)
    top = s.max(axis=-1, keepdims=True)
    e = np.exp(s - np.where(np.isfinite(top), top, 0.0))
    total = e.sum(axis=-1, keepdims=True)
    return out, e / np.where(total > 0, total, 1.0)


@wrong("masked_attention", "fill_above_real_scores")
def masked_attention_fill_ten_thousand(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -10000.0)
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    w = e / e.sum(axis=-1, keepdims=True)
    if mask is not None:
        w = w * np.any(mask, axis=-1, keepdims=True)
    return w @ v, w


@wrong("flash_block_update", "flash_max_forgets_old")
def flash_new_max_from_tile(m, l, acc, scores_block, v_block):
    top = scores_block.max(axis=-1, keepdims=True)
    safe = np.where(np.isfinite(top), top, 0.0)
    scale = np.exp(m - safe)
    p = np.exp(scores_block - safe)
    return top, scale * l + p.sum(axis=-1, keepdims=True), scale * acc + p @ v_block


@wrong("decode_step", "mask_polarity_inverted")
def decode_step_upper_triangle(q_new, k_cache, v_cache, k_new, v_new):
    k = np.concatenate([k_cache, k_new], axis=-2)
    v = np.concatenate([v_cache, v_new], axis=-2)
    n_q, n_k = q_new.shape[-2], k.shape[-2]
    s = q_new @ np.swapaxes(k, -1, -2) / np.sqrt(q_new.shape[-1])
    if n_q > 1:
        s = np.where(np.triu(np.ones((n_q, n_k), dtype=bool), k=n_k - n_q), s, -np.inf)
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return (e / e.sum(axis=-1, keepdims=True)) @ v, k, v
