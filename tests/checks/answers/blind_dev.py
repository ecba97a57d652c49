"""Wrong answers for exercises 00-03 written blind, from the lessons, by a tester who never saw the checker.

This is the development half of the tester's bank (scratch/bank_dev/wrong_dev.py), kept as written
except for two things: each ``entry`` now also names the catalogue ``code`` the check should give, and
the one_nn_limit answers use the question's new data (x = [0, 2, 5, 6], y = [1, -3, -1, 4], query 4.7;
the old data made the nearest input, its index and its label all 2). No check was written from these
answers: they measure how the diagnosis does on mistakes nobody enumerated.

Entries whose idea starts with "hostile:" misbehave (never end, swallow exceptions, print a lot,
mutate their input, return None, ...): never call them outside a sandbox with a timeout.
"""
import math

import numpy as np

BANK = []


def entry(exercise_id, idea, code):
    """idea: in plain words, what the learner misunderstood; code: the diagnosis the check should give."""
    def register(fn):
        BANK.append({"id": exercise_id, "idea": idea, "name": fn.__name__, "fn": fn, "code": code})
        return fn
    return register


# ---------------------------------------------------------------------------------------------
# 00_welcome · attention_shapes   (right: S (5, 7), A (5, 7), O (5, 32))
# ---------------------------------------------------------------------------------------------


@entry("attention_shapes", "thinks the output has the query/key feature size 16 instead of the value size 32", "output_uses_d_k")
def shapes_output_query_dim():
    S = (5, 7)
    return S, S, (5, 16)


@entry("attention_shapes", "thinks softmax collapses the key axis, so the weights A are a vector of length 5", "weights_reduced")
def shapes_softmax_reduces():
    return (5, 7), (5,), (5, 32)


@entry("attention_shapes", "returns the number of entries of each matrix (35, 35, 160) instead of the shapes", "shape_sizes")
def shapes_sizes():
    return 5 * 7, 5 * 7, 5 * 32


# ---------------------------------------------------------------------------------------------
# 00_welcome · worked_example_weights   (right: e/(2e+1), 1/(2e+1), e/(2e+1))
# ---------------------------------------------------------------------------------------------

def _softmax_1d(s):
    s = np.asarray(s, dtype=float)
    e = np.exp(s - s.max())
    return e / e.sum()


@entry("worked_example_weights", "divides the scores by sqrt(d) = sqrt(2) although the question says unscaled", "scaled_scores")
def weights_scaled():
    q = np.array([1.0, 0.0])
    keys = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    return _softmax_1d(keys @ q / np.sqrt(2))


@entry("worked_example_weights", "forgets the e^0 = 1 term in the denominator: divides by 2e instead of 2e + 1", "dropped_zero_score")
def weights_denominator_2e():
    e = np.e
    return np.array([e, 1.0, e]) / (2 * e)


@entry("worked_example_weights", "uses cosine similarity (divides q·k3 by ‖k3‖ = √2) instead of the plain dot product", "used_cosine")
def weights_cosine():
    return _softmax_1d([1.0, 0.0, 1.0 / math.sqrt(2)])


@entry("worked_example_weights", "returns a (1, 3) row (q kept as a 1×2 matrix) instead of an array of shape (3,)", "extra_axis")
def weights_row_matrix():
    q = np.array([[1.0, 0.0]])
    k = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    s = q @ k.T
    return np.exp(s) / np.exp(s).sum(axis=-1, keepdims=True)


# ---------------------------------------------------------------------------------------------
# 00_welcome · worked_example_output   (right: [15e/(2e+1), (10+5e)/(2e+1)])
# ---------------------------------------------------------------------------------------------

_V = np.array([[10.0, 0.0], [0.0, 10.0], [5.0, 5.0]])


@entry("worked_example_output", "averages the values with equal weights, ignoring the scores: [5, 5]", "uniform_average")
def output_plain_average():
    return _V.mean(axis=0)


@entry("worked_example_output", "hard attention: returns the value of the first highest-scoring key, v₁ = [10, 0]", "hard_attention")
def output_argmax():
    scores = np.array([1.0, 0.0, 1.0])
    return _V[np.argmax(scores)]


@entry("worked_example_output", "uses the weights [0.5, 0, 0.5] (scores normalised without exp): returns [7.5, 2.5]", "hard_attention")
def output_weights_no_exp():
    alpha = np.array([0.5, 0.0, 0.5])
    return np.dot(alpha, _V)


# ---------------------------------------------------------------------------------------------
# 01_similarity · scaled_dot_scores(Q, K)
# ---------------------------------------------------------------------------------------------


@entry("scaled_dot_scores", "np.dot on N-D arrays is not a batched product: pairs every batch with every batch (wrong shape)", "batch_not_handled")
def sdot_np_dot(Q, K):
    return np.dot(Q, np.swapaxes(K, -1, -2)) / np.sqrt(Q.shape[-1])


@entry("scaled_dot_scores", "hard-codes transpose(0, 2, 1): only works for exactly 3-D inputs (2-D and 4-D fail)", "fixed_ndim")
def sdot_transpose_021(Q, K):
    d = Q.shape[-1]
    return np.matmul(Q, K.transpose(0, 2, 1)) / np.sqrt(d)


@entry("scaled_dot_scores", "divides by d instead of sqrt(d)", "scaled_by_d")
def sdot_div_d(Q, K):
    return Q @ np.swapaxes(K, -1, -2) / Q.shape[-1]


@entry("scaled_dot_scores", "multiplies by sqrt(d) instead of dividing", "sqrt_d_multiplied")
def sdot_times_sqrt_d(Q, K):
    return np.einsum("...qd,...kd->...qk", Q, K) * math.sqrt(Q.shape[-1])


@entry("scaled_dot_scores", "computes K Qᵀ instead of Q Kᵀ: the result is transposed, (n_k, n_q)", "transposed_kq")
def sdot_transposed_result(Q, K):
    return np.einsum("...kd,...qd->...kq", K, Q) / np.sqrt(Q.shape[-1])


@entry("scaled_dot_scores", "loops with zip over the first axis assuming a 3-D batch: 2-D inputs give only the diagonal q_i·k_i, 4-D inputs hit k.T", "fixed_ndim")
def sdot_zip_loop(Q, K):
    d = Q.shape[-1]
    return np.stack([q @ k.T for q, k in zip(Q, K)]) / np.sqrt(d)  # noqa: B905  (as the learner wrote it)


@entry("scaled_dot_scores", "hostile: computes the scores but forgets the return statement (returns None)", "returned_none")
def sdot_returns_none(Q, K):
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    scores  # noqa: B018  (the missing return is the point)


# ---------------------------------------------------------------------------------------------
# 01_similarity · cosine_scores(Q, K, tau)
# ---------------------------------------------------------------------------------------------

def _swap(a):
    return np.swapaxes(a, -1, -2)


@entry("cosine_scores", "adds eps after dividing by the norm (Q/‖Q‖ + eps): the zero vector is already NaN", "cosine_no_eps")
def cos_eps_after(Q, K, tau):
    eps = 1e-9
    Qn = Q / np.linalg.norm(Q, axis=-1, keepdims=True) + eps
    Kn = K / np.linalg.norm(K, axis=-1, keepdims=True) + eps
    return np.einsum("...id,...jd->...ij", Qn, Kn) / tau


@entry("cosine_scores", "multiplies by tau instead of dividing", "temperature_multiplied")
def cos_times_tau(Q, K, tau):
    eps = 1e-9
    Qn = Q / (np.linalg.norm(Q, axis=-1, keepdims=True) + eps)
    Kn = K / (np.linalg.norm(K, axis=-1, keepdims=True) + eps)
    return tau * (Qn @ _swap(Kn))


@entry("cosine_scores", "normalises along axis -2 (each feature column over the rows) instead of each vector", "norm_wrong_axis")
def cos_norm_wrong_axis(Q, K, tau):
    eps = 1e-9
    Qn = Q / (np.linalg.norm(Q, axis=-2, keepdims=True) + eps)
    Kn = K / (np.linalg.norm(K, axis=-2, keepdims=True) + eps)
    return Qn @ _swap(Kn) / tau


@entry("cosine_scores", "np.linalg.norm without axis: divides by the norm of the whole matrix, not of each vector", "norm_no_axis")
def cos_matrix_norm(Q, K, tau):
    eps = 1e-9
    return (Q / (np.linalg.norm(Q) + eps)) @ _swap(K / (np.linalg.norm(K) + eps)) / tau


@entry("cosine_scores", "normalises only the queries, not the keys: key length still counts", "cosine_one_side")
def cos_only_q(Q, K, tau):
    eps = 1e-9
    Qn = Q / (np.linalg.norm(Q, axis=-1, keepdims=True) + eps)
    return Qn @ _swap(K) / tau


@entry("cosine_scores", "divides by the squared norms (sum of squares, forgot the square root)", "cosine_squared_norm")
def cos_squared_norm(Q, K, tau):
    eps = 1e-9
    Qn = Q / (np.sum(Q * Q, axis=-1, keepdims=True) + eps)
    Kn = K / (np.sum(K * K, axis=-1, keepdims=True) + eps)
    return Qn @ _swap(Kn) / tau


@entry("cosine_scores", "also divides by sqrt(d), mixing in the scaled-dot-product scaling", "extra_sqrt_d_scaling")
def cos_extra_sqrt_d(Q, K, tau):
    eps = 1e-9
    Qn = Q / (np.linalg.norm(Q, axis=-1, keepdims=True) + eps)
    Kn = K / (np.linalg.norm(K, axis=-1, keepdims=True) + eps)
    return Qn @ _swap(Kn) / np.sqrt(Q.shape[-1]) / tau


@entry("cosine_scores", "normalises by the L1 norm (sum of absolute values) instead of the Euclidean length", "wrong_norm")
def cos_l1(Q, K, tau):
    eps = 1e-9
    Qn = Q / (np.abs(Q).sum(axis=-1, keepdims=True) + eps)
    Kn = K / (np.abs(K).sum(axis=-1, keepdims=True) + eps)
    return Qn @ _swap(Kn) / tau


def _length(v):
    # a learner's "length of a vector", written with the math module
    return math.sqrt(np.sum(v**2, axis=-1)) + 1e-9


def _unit(M):
    return M / _length(M)[..., None]


# ---------------------------------------------------------------------------------------------
# 01_similarity · rbf_scores(Q, K, tau)
# ---------------------------------------------------------------------------------------------

def _pairwise_diff(Q, K):
    return Q[..., :, None, :] - K[..., None, :, :]


@entry("rbf_scores", "divides by 2τ instead of 2τ²", "rbf_tau_not_squared")
def rbf_two_tau(Q, K, tau):
    return -np.sum(_pairwise_diff(Q, K) ** 2, axis=-1) / (2 * tau)


@entry("rbf_scores", "uses the Euclidean distance ‖q − k‖ instead of its square", "rbf_not_squared")
def rbf_not_squared(Q, K, tau):
    dist = np.linalg.norm(_pairwise_diff(Q, K), axis=-1)
    return -dist / (2 * tau**2)


@entry("rbf_scores", "expands ‖q − k‖² = ‖q‖² + ‖k‖² − q·k, forgetting the factor 2 on the cross term", "rbf_expansion_wrong")
def rbf_expansion_no_2(Q, K, tau):
    qq = np.sum(Q**2, axis=-1)[..., :, None]
    kk = np.sum(K**2, axis=-1)[..., None, :]
    return -(qq + kk - Q @ _swap(K)) / (2 * tau**2)


@entry("rbf_scores", "averages the squared differences over the features (mean) instead of summing them", "rbf_mean_not_sum")
def rbf_mean(Q, K, tau):
    return -np.mean(_pairwise_diff(Q, K) ** 2, axis=-1) / (2 * tau**2)


@entry("rbf_scores", "returns the Gaussian kernel exp(−‖q − k‖²/(2τ²)) instead of the score (its logarithm)", "exp_applied")
def rbf_returns_kernel(Q, K, tau):
    return np.exp(-np.sum(_pairwise_diff(Q, K) ** 2, axis=-1) / (2 * tau**2))


@entry("rbf_scores", "uses the L1 (Manhattan) distance Σ|q − k| instead of the squared Euclidean distance", "rbf_wrong_distance")
def rbf_l1(Q, K, tau):
    return -np.abs(_pairwise_diff(Q, K)).sum(axis=-1) / (2 * tau**2)


@entry("rbf_scores", "expansion with K.T: right in 2-D, batched inputs fail", "transpose_all_axes")
def rbf_expansion_dot_T(Q, K, tau):
    qq = (Q**2).sum(-1)[..., :, None]
    kk = (K**2).sum(-1)[..., None, :]
    return -(qq + kk - 2 * np.dot(Q, K.T)) / (2 * tau**2)


# ---------------------------------------------------------------------------------------------
# 02_softmax_temperature · softmax(x, axis=-1)
# ---------------------------------------------------------------------------------------------


@entry("softmax", "always normalises over axis 0 (columns) whatever axis is asked", "softmax_wrong_axis")
def sm_axis0(x, axis=-1):
    e = np.exp(x - np.max(x, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)


@entry("softmax", "forgot to subtract the max: exp overflows on large logits (inf/inf = NaN)", "no_max_subtraction")
def sm_no_max(x, axis=-1):
    e = np.exp(x)
    return e / np.sum(e, axis=axis, keepdims=True)


@entry("softmax", "subtracts the global max instead of the max along axis: a row far below it underflows to 0/0", "global_max_subtraction")
def sm_global_max(x, axis=-1):
    e = np.exp(x - x.max())
    return e / e.sum(axis=axis, keepdims=True)


@entry("softmax", "sum without keepdims: the row sums broadcast against the wrong axis (right only for axis=0)", "missing_keepdims")
def sm_sum_no_keepdims(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis)


@entry("softmax", "returns the log-softmax x − logsumexp(x) instead of the softmax", "log_applied")
def sm_log_softmax(x, axis=-1):
    m = np.max(x, axis=axis, keepdims=True)
    return x - m - np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))


@entry("softmax", "subtracts the max in the numerator but not in the denominator: off by a factor e^(−max), overflows", "missing_normalisation")
def sm_inconsistent_shift(x, axis=-1):
    num = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return num / np.sum(np.exp(x), axis=axis, keepdims=True)


@entry("softmax", "dtype slip: casts to float16 to save memory: only ~3 significant digits, and logits like 1000.3 get rounded", "low_precision")
def sm_float16(x, axis=-1):
    z = np.asarray(x, dtype=np.float16)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@entry("softmax", "math.exp in a list comprehension over a 1-D list: no max shift (OverflowError at 1000) and no N-D support", "math_on_array")
def sm_math_exp(x, axis=-1):
    total = sum(math.exp(u) for u in x)
    return np.array([math.exp(v) / total for v in x])


@entry("softmax", "applies the logistic sigmoid e^x/(1 + e^x) elementwise instead of normalising over axis", "elementwise_not_normalised")
def sm_sigmoid(x, axis=-1):
    return 1.0 / (1.0 + np.exp(-x))


@entry("softmax", "hostile: bare except retry loop around a call that always fails (keepdim= typo), so it never returns and swallows interrupts", "timeout")
def sm_bare_except_retry(x, axis=-1):
    while True:
        try:
            e = np.exp(x - np.max(x, axis=axis, keepdim=True))
            return e / np.sum(e, axis=axis, keepdim=True)
        except:  # noqa: E722
            pass


# ---------------------------------------------------------------------------------------------
# 02_softmax_temperature · softmax_temperature(x, tau)
# ---------------------------------------------------------------------------------------------

def _stable_softmax(x, axis=-1):
    m = np.max(x, axis=axis, keepdims=True)
    e = np.exp(x - m)
    return e / np.sum(e, axis=axis, keepdims=True)


@entry("softmax_temperature", "temperature multiplies the scores instead of dividing them (small τ makes it flatter)", "temperature_multiplied")
def st_multiply(x, tau):
    return _stable_softmax(x * tau)


@entry("softmax_temperature", "raises the weights to the power 1/τ but forgets to renormalise", "missing_normalisation")
def st_power_no_renorm(x, tau):
    return _stable_softmax(x) ** (1.0 / tau)


@entry("softmax_temperature", "divides by τ only in the numerator: exp(x/τ) / Σ exp(x)", "missing_normalisation")
def st_numerator_only(x, tau):
    m = np.max(x, axis=-1, keepdims=True)
    num = np.exp((x - m) / tau)
    return num / np.exp(x - m).sum(axis=-1, keepdims=True)


@entry("softmax_temperature", "subtracts τ from the scores instead of dividing (a shift, which softmax ignores)", "temperature_ignored")
def st_subtract(x, tau):
    return _stable_softmax(x - tau)


@entry("softmax_temperature", "flattens the input (reshape(-1)) and normalises everything together before reshaping back", "normalised_whole_array")
def st_flatten(x, tau):
    x = np.asarray(x)
    flat = x.reshape(-1) / tau
    e = np.exp(flat - flat.max())
    return (e / e.sum()).reshape(x.shape)


# (st_recursion is in the held-out half)


# ---------------------------------------------------------------------------------------------
# 02_softmax_temperature · temperature_for_target()   (right: τ = 1/ln((9 + √117)/2) ≈ 0.43603)
# ---------------------------------------------------------------------------------------------

def _top_weight(tau):
    s = np.array([2.0, 1.0, 0.0]) / tau
    e = np.exp(s - s.max())
    return e[0] / e.sum()


@entry("temperature_for_target", "returns the inverse temperature β = 1/τ instead of τ", "temperature_multiplied")
def tt_inverse():
    t = (9 + math.sqrt(117)) / 2
    return math.log(t)


@entry("temperature_for_target", "grid search with step 0.01: returns 0.44, only 2 significant digits", "imprecise")
def tt_coarse_grid():
    for tau in np.arange(0.01, 5.0, 0.01):
        if _top_weight(tau) <= 0.9:
            return round(float(tau), 2)


@entry("temperature_for_target", "sign slip in the quadratic formula: takes t = (−9 + √117)/2, giving a negative τ", "negative_temperature")
def tt_quadratic_sign():
    t = (-9 + math.sqrt(117)) / 2
    return 1 / math.log(t)


@entry("temperature_for_target", "bisection with the update reversed (moves the wrong end): converges to the end of the interval", "search_wrong_direction")
def tt_bisection_flipped():
    lo, hi = 0.01, 100.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if _top_weight(mid) > 0.9:
            hi = mid
        else:
            lo = mid
    return (lo + hi) / 2


@entry("temperature_for_target", "returns the weights softmax([2, 1, 0]/τ) at the found τ instead of τ itself", "wrong_quantity")
def tt_returns_weights():
    tau = 1 / math.log((9 + math.sqrt(117)) / 2)
    s = np.array([2.0, 1.0, 0.0]) / tau
    return np.exp(s) / np.exp(s).sum()


# ---------------------------------------------------------------------------------------------
# 03_soft_knn · one_nn_limit()   (right: -1, the label of x = 5, the nearest point to 4.7)
# ---------------------------------------------------------------------------------------------

_XT = np.array([0.0, 2.0, 5.0, 6.0])     # adapted: the question's data changed (see the module docstring)
_YT = np.array([1.0, -3.0, -1.0, 4.0])
_AT = 4.7


@entry("one_nn_limit", "confuses the limits: h → 0 taken as the plain average of all labels (that is h → ∞): 0.25", "large_bandwidth_limit")
def nn_mean_all():
    return float(np.mean(_YT))


@entry("one_nn_limit", "averages the two neighbours on either side of 4.7 (labels −3 and −1): −2", "knn_not_1nn")
def nn_two_neighbours():
    return (-3 + -1) / 2


@entry("one_nn_limit", "compares 4.7 with the labels instead of the inputs: returns the label closest to 4.7, 4", "compared_labels")
def nn_compare_labels():
    return _YT[np.argmin(np.abs(_YT - _AT))]


@entry("one_nn_limit", "averages the 3 nearest labels (3-NN) instead of taking the nearest one: 0", "knn_not_1nn")
def nn_three_nearest():
    order = np.argsort(np.abs(_XT - _AT))
    return _YT[order[:3]].mean()


# ---------------------------------------------------------------------------------------------
# 03_soft_knn · kernel_regression(x_query, x_train, y_train, bandwidth)
# ---------------------------------------------------------------------------------------------

@entry("kernel_regression", "drops the 1/2 in the Gaussian: K = exp(−u²), i.e. bandwidth h/√2", "kernel_missing_half")
def kr_no_half(x_query, x_train, y_train, bandwidth):
    u = (x_query[:, None] - x_train[None, :]) / bandwidth
    w = np.exp(-u**2)
    return (w / w.sum(axis=1, keepdims=True)) @ y_train


@entry("kernel_regression", "sign error in the exponent: exp(+u²/2), so far points dominate", "rbf_positive_sign")
def kr_plus_sign(x_query, x_train, y_train, bandwidth):
    u = (x_query[:, None] - x_train[None, :]) / bandwidth
    with np.errstate(over="ignore", invalid="ignore"):
        k = np.exp(0.5 * u**2)
        return k @ y_train / k.sum(axis=1)


@entry("kernel_regression", "uses the Laplace kernel exp(−|u|) instead of the Gaussian exp(−u²/2)", "kernel_not_gaussian")
def kr_laplace(x_query, x_train, y_train, bandwidth):
    u = np.abs(x_query[:, None] - x_train[None, :]) / bandwidth
    k = np.exp(-u)
    return k @ y_train / k.sum(axis=1)


@entry("kernel_regression", "averages the training inputs x_i instead of the labels y_i", "averaged_inputs")
def kr_weights_inputs(x_query, x_train, y_train, bandwidth):
    preds = []
    for xq in x_query:
        k = np.exp(-0.5 * ((xq - x_train) / bandwidth) ** 2)
        preds.append(np.sum(k * x_train) / np.sum(k))
    return np.array(preds)


@entry("kernel_regression", "hard 1-nearest-neighbour (argmin of the distance) instead of the kernel-weighted average", "hard_attention")
def kr_nearest(x_query, x_train, y_train, bandwidth):
    idx = np.argmin(np.abs(x_query[:, None] - x_train[None, :]), axis=1)
    return y_train[idx]


@entry("kernel_regression", "dtype slip: preallocates the predictions with dtype=int, so every prediction is truncated", "integer_result")
def kr_int_output(x_query, x_train, y_train, bandwidth):
    preds = np.zeros(len(x_query), dtype=int)
    for i, xq in enumerate(x_query):
        k = np.exp(-0.5 * ((xq - x_train) / bandwidth) ** 2)
        preds[i] = np.dot(k, y_train) / k.sum()
    return preds


@entry("kernel_regression", "hostile: prints every weight of every query (thousands of lines); also ignores the bandwidth (u = x − x_i)", "temperature_ignored")
def kr_prints(x_query, x_train, y_train, bandwidth):
    preds = []
    for i, xq in enumerate(x_query):
        k = np.exp(-0.5 * (xq - x_train) ** 2)
        for j, kj in enumerate(k):
            print(f"query {i} x={xq!r} train {j} x_i={x_train[j]!r} kernel={kj!r} label={y_train[j]!r}")
        print("weights", k / k.sum(), "sum", k.sum())
        preds.append(k @ y_train / k.sum())
    print("predictions", preds)
    return np.array(preds)


# ---------------------------------------------------------------------------------------------
# 03_soft_knn · top_k_attention(q, K, V, k)
# ---------------------------------------------------------------------------------------------

def _masked_softmax(s, keep):
    z = np.where(keep, s, -np.inf)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


@entry("top_k_attention", "forgets the 1/sqrt(d) scaling of the scores", "no_sqrt_d_scaling")
def topk_no_scale(q, K, V, k):
    s = q @ K.T
    kth = np.sort(s, axis=-1)[:, [-k]]
    w = _masked_softmax(s, s >= kth)
    return w @ V, w


@entry("top_k_attention", "masks the dropped scores with 0 instead of −inf, so dropped keys still get weight", "masked_to_zero")
def topk_mask_zero(q, K, V, k):
    s = q @ K.T / np.sqrt(q.shape[-1])
    kth = np.sort(s, axis=-1)[:, [-k]]
    s = np.where(s >= kth, s, 0.0)
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    w = e / e.sum(axis=-1, keepdims=True)
    return w @ V, w


@entry("top_k_attention", "keeps the k smallest scores (np.sort is ascending; takes the first k)", "topk_smallest")
def topk_smallest(q, K, V, k):
    s = q @ K.T / np.sqrt(q.shape[-1])
    kth = np.sort(s, axis=-1)[:, [k - 1]]
    w = _masked_softmax(s, s <= kth)
    return w @ V, w


@entry("top_k_attention", "strict > against the k-th largest score: keeps only k − 1 keys", "topk_wrong_count")
def topk_strict(q, K, V, k):
    s = q @ K.T / np.sqrt(q.shape[-1])
    kth = np.sort(s, axis=-1)[:, [-k]]
    keep = s > kth
    keep[np.arange(len(s)), np.argmax(s, axis=-1)] = True  # so a row is never empty
    w = _masked_softmax(s, keep)
    return w @ V, w


@entry("top_k_attention", "returns (weights, out) instead of (out, weights)", "pair_swapped")
def topk_swapped_return(q, K, V, k):
    s = q @ K.T / np.sqrt(q.shape[-1])
    kth = np.sort(s, axis=-1)[:, [-k]]
    w = _masked_softmax(s, s >= kth)
    return w, w @ V


@entry("top_k_attention", "scales the scores by sqrt(k) instead of sqrt(d)", "scaled_by_wrong_dimension")
def topk_sqrt_k(q, K, V, k):
    s = q @ K.T / np.sqrt(k)
    kth = np.sort(s, axis=-1)[:, [-k]]
    w = _masked_softmax(s, s >= kth)
    return w @ V, w


@entry("top_k_attention", "masked softmax as exp(s)·mask / Σ exp(s)·mask without subtracting the max: overflows on large scores", "no_max_subtraction")
def topk_unstable(q, K, V, k):
    s = q @ K.T / np.sqrt(q.shape[-1])
    kth = np.sort(s, axis=-1)[:, [-k]]
    mask = (s >= kth).astype(float)
    e = np.exp(s) * mask
    w = e / e.sum(axis=-1, keepdims=True)
    return w @ V, w


@entry("top_k_attention", "returns only the output, not the (out, weights) pair", "missing_weights")
def topk_only_out(q, K, V, k):
    s = q @ K.T / np.sqrt(q.shape[-1])
    kth = np.sort(s, axis=-1)[:, [-k]]
    w = _masked_softmax(s, s >= kth)
    return w @ V


