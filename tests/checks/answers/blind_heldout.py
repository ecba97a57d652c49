"""Wrong answers for exercises 00-03 written blind, from the lessons, by a tester who never saw the checker.

The held-out half of the tester's bank: 80 answers set aside before the checker was rebuilt, and
measured once it was (79 here: one one_nn_limit answer, "the next point to the right", is right on the
question's new data). First measurement, before anyone looked at these answers: 68 of 79 named with
the idea's diagnosis (86 %), one wrongly accepted (an in-place sort that the sorted probes could not
reveal). Five general rules then came from what the misses had in common (a probe with unsorted
training points, an extra axis that sums to the answer, a mask read backwards or leaking, an output
averaged from the keys); with them 74 of 79 are named (94 %) and none is accepted. ``code`` is None
for the five still not named. The one_nn_limit answers use the question's new data
(x = [0, 2, 5, 6], y = [1, -3, -1, 4], query 4.7).

Entries whose idea starts with "hostile:" misbehave: never call them outside a sandbox with a timeout.
"""
import functools  # noqa: F401  (some answers use it)
import itertools
import math

import numpy as np

BANK = []


def entry(exercise_id, idea, code):
    """idea: what the learner misunderstood; code: the diagnosis that names it, or None if none does yet."""
    def register(fn):
        BANK.append({"id": exercise_id, "idea": idea, "name": fn.__name__, "fn": fn, "code": code})
        return fn
    return register


# ---------------------------------------------------------------------------------------------
# 00_welcome · attention_shapes   (right: S (5, 7), A (5, 7), O (5, 32))
# ---------------------------------------------------------------------------------------------

@entry("attention_shapes", "thinks the scores keep the query's feature size: S and A are (5, 16)", 'scores_shape')
def shapes_feature_size():
    return (5, 16), (5, 16), (5, 32)


@entry("attention_shapes", "builds S = K Qᵀ (keys as rows): every shape transposed, output has one row per key", 'transposed_kq')
def shapes_keys_as_rows():
    return (7, 5), (7, 5), (7, 32)






@entry("attention_shapes", "thinks the output keeps one row per value, i.e. the shape of V (7, 32)", 'output_rows_from_keys')
def shapes_output_like_v():
    return (5, 7), (5, 7), (7, 32)


@entry("attention_shapes", "multiplies elementwise without summing over features: S and A are (5, 7, 16)", 'scores_shape')
def shapes_no_feature_sum():
    n_q, n_k, d, d_v = 5, 7, 16, 32
    return (n_q, n_k, d), (n_q, n_k, d), (n_q, d_v)




# ---------------------------------------------------------------------------------------------
# 00_welcome · worked_example_weights   (right: e/(2e+1), 1/(2e+1), e/(2e+1))
# ---------------------------------------------------------------------------------------------

def _softmax_1d(s):
    s = np.asarray(s, dtype=float)
    e = np.exp(s - s.max())
    return e / e.sum()


@entry("worked_example_weights", "normalises the scores 1, 0, 1 by their sum without exponentiating: [0.5, 0, 0.5]", 'hard_attention')
def weights_no_exp():
    scores = np.array([1.0, 0.0, 1.0])
    return scores / scores.sum()






@entry("worked_example_weights", "computes q·k3 as 2 (adds up the entries of k3) so the scores are 1, 0, 2", None)
def weights_wrong_dot():
    return _softmax_1d([1.0, 0.0, 2.0])


@entry("worked_example_weights", "returns the scores q·k = [1, 0, 1] instead of the softmax weights", 'scores_as_weights')
def weights_returns_scores():
    return np.array([1.0, 0.0, 1.0])






@entry("worked_example_weights", "rounds the weights to two decimals: [0.42, 0.16, 0.42]", 'imprecise')
def weights_rounded():
    return np.array([0.42, 0.16, 0.42])


@entry("worked_example_weights", "hostile: returns a generator expression instead of an array (values would be right)", 'wrong_type')
def weights_generator():
    scores = [1, 0, 1]
    z = sum(math.exp(s) for s in scores)
    return (math.exp(s) / z for s in scores)


# ---------------------------------------------------------------------------------------------
# 00_welcome · worked_example_output   (right: [15e/(2e+1), (10+5e)/(2e+1)])
# ---------------------------------------------------------------------------------------------

_V = np.array([[10.0, 0.0], [0.0, 10.0], [5.0, 5.0]])




@entry("worked_example_output", "forgets to divide by the softmax denominator 2e + 1: returns [15e, 10 + 5e]", 'missing_normalisation')
def output_unnormalised():
    e = math.e
    return np.array([10 * e + 5 * e, 10 + 5 * e])


@entry("worked_example_output", "drops the middle value's contribution α₂·v₂ from o₂: returns 5e/(2e+1) for o₂", None)
def output_drops_middle():
    e = np.e
    return np.array([15 * e, 5 * e]) / (2 * e + 1)


@entry("worked_example_output", "blends the keys instead of the values: Σ αᵢ kᵢ", 'output_from_keys')
def output_blends_keys():
    e = np.e
    alpha = np.array([e, 1, e]) / (2 * e + 1)
    keys = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    return alpha @ keys




@entry("worked_example_output", "forgets to sum over the keys: returns the (3, 2) array of αᵢ vᵢ", 'output_not_summed')
def output_not_summed():
    e = np.e
    alpha = np.array([e, 1, e]) / (2 * e + 1)
    return alpha[:, None] * _V




# ---------------------------------------------------------------------------------------------
# 01_similarity · scaled_dot_scores(Q, K)
# ---------------------------------------------------------------------------------------------

@entry("scaled_dot_scores", "uses K.T, which reverses all axes: right in 2-D, fails for batched inputs", 'transpose_all_axes')
def sdot_dot_T(Q, K):
    return Q @ K.T / np.sqrt(Q.shape[-1])








@entry("scaled_dot_scores", "divides by sqrt(n_k), the number of keys, instead of sqrt(d), the feature size", 'scaled_by_wrong_dimension')
def sdot_div_nk(Q, K):
    return Q @ np.swapaxes(K, -1, -2) / np.sqrt(K.shape[-2])


@entry("scaled_dot_scores", "forgets the scaling: returns the plain dot products Q Kᵀ", 'no_sqrt_d_scaling')
def sdot_no_scale(Q, K):
    return np.matmul(Q, np.swapaxes(K, -2, -1))






@entry("scaled_dot_scores", "writes d**1/2 for the square root: precedence makes it d/2", 'power_precedence')
def sdot_precedence(Q, K):
    d = Q.shape[-1]
    return Q @ np.swapaxes(K, -1, -2) / d**1/2


@entry("scaled_dot_scores", "einsum 'ij,kj->ik' written for 2-D only: batched inputs raise", 'batch_not_handled')
def sdot_einsum_2d(Q, K):
    return np.einsum("ij,kj->ik", Q, K) / np.sqrt(Q.shape[-1])


@entry("scaled_dot_scores", "np.tensordot over the last axes contracts every batch with every batch: shape (B, n_q, B, n_k)", 'batch_not_handled')
def sdot_tensordot(Q, K):
    return np.tensordot(Q, K, axes=([-1], [-1])) / np.sqrt(Q.shape[-1])




@entry("scaled_dot_scores", "takes d from Q.shape[1]: that is n_q, not the feature size, for batched inputs", 'scaled_by_wrong_dimension')
def sdot_shape1(Q, K):
    return Q @ np.swapaxes(K, -1, -2) / math.sqrt(Q.shape[1])


@entry("scaled_dot_scores", "nested list comprehension over rows: returns a Python list and only works for 2-D inputs", 'batch_not_handled')
def sdot_list_comprehension(Q, K):
    d = len(Q[0])
    return [[float(np.dot(q, k)) / math.sqrt(d) for k in K] for q in Q]




# ---------------------------------------------------------------------------------------------
# 01_similarity · cosine_scores(Q, K, tau)
# ---------------------------------------------------------------------------------------------

def _swap(a):
    return np.swapaxes(a, -1, -2)


@entry("cosine_scores", "no eps on the norms: a zero vector gives 0/0 = NaN", 'cosine_no_eps')
def cos_no_eps(Q, K, tau):
    Qn = Q / np.linalg.norm(Q, axis=-1, keepdims=True)
    Kn = K / np.linalg.norm(K, axis=-1, keepdims=True)
    return Qn @ _swap(Kn) / tau


@entry("cosine_scores", "adds eps to the dot product instead of to the norms: a zero vector gives eps/0 = inf", 'cosine_no_eps')
def cos_eps_numerator(Q, K, tau):
    eps = 1e-9
    nq = np.linalg.norm(Q, axis=-1)[..., :, None]
    nk = np.linalg.norm(K, axis=-1)[..., None, :]
    return (Q @ _swap(K) + eps) / (nq * nk) / tau




@entry("cosine_scores", "forgets the temperature: returns the plain cosine", 'temperature_ignored')
def cos_no_tau(Q, K, tau):
    eps = 1e-9
    Qn = Q / (np.linalg.norm(Q, axis=-1, keepdims=True) + eps)
    Kn = K / (np.linalg.norm(K, axis=-1, keepdims=True) + eps)
    return Qn @ _swap(Kn)










@entry("cosine_scores", "uses K.T, which reverses all axes: batched inputs fail", 'transpose_all_axes')
def cos_dot_T(Q, K, tau):
    eps = 1e-9
    Qn = Q / (np.linalg.norm(Q, axis=-1, keepdims=True) + eps)
    Kn = K / (np.linalg.norm(K, axis=-1, keepdims=True) + eps)
    return Qn @ Kn.T / tau


@entry("cosine_scores", "divides the score matrix by ‖q_i‖·‖k_i‖ elementwise (norm vectors not made into an outer product): wrong pairing when square, crashes otherwise", 'broadcast_mismatch')
def cos_norms_not_outer(Q, K, tau):
    eps = 1e-9
    nq = np.linalg.norm(Q, axis=-1) + eps
    nk = np.linalg.norm(K, axis=-1) + eps
    return Q @ _swap(K) / (nq * nk) / tau




@entry("cosine_scores", "returns the cosine distance 1 − cos instead of the similarity", 'cosine_distance')
def cos_distance(Q, K, tau):
    eps = 1e-9
    Qn = Q / (np.linalg.norm(Q, axis=-1, keepdims=True) + eps)
    Kn = K / (np.linalg.norm(K, axis=-1, keepdims=True) + eps)
    return (1.0 - Qn @ _swap(Kn)) / tau


@entry("cosine_scores", "divides by tau squared instead of tau", 'temperature_misapplied')
def cos_tau_squared(Q, K, tau):
    eps = 1e-9
    Qn = Q / (np.linalg.norm(Q, axis=-1, keepdims=True) + eps)
    Kn = K / (np.linalg.norm(K, axis=-1, keepdims=True) + eps)
    return np.matmul(Qn, _swap(Kn)) / tau**2






@entry("cosine_scores", "divides the vectors by tau before normalising, so the temperature cancels out", 'temperature_ignored')
def cos_tau_before_norm(Q, K, tau):
    eps = 1e-9
    Qt = Q / tau
    Qn = Qt / (np.linalg.norm(Qt, axis=-1, keepdims=True) + eps)
    Kn = K / (np.linalg.norm(K, axis=-1, keepdims=True) + eps)
    return Qn @ _swap(Kn)


def _length(v):
    # a learner's "length of a vector", written with the math module
    return math.sqrt(np.sum(v**2, axis=-1)) + 1e-9


def _unit(M):
    return M / _length(M)[..., None]


@entry("cosine_scores", "hostile: TypeError deep in a helper (math.sqrt called on an array of norms)", 'math_on_array')
def cos_math_sqrt_helper(Q, K, tau):
    return _unit(Q) @ _swap(_unit(K)) / tau


# ---------------------------------------------------------------------------------------------
# 01_similarity · rbf_scores(Q, K, tau)
# ---------------------------------------------------------------------------------------------

def _pairwise_diff(Q, K):
    return Q[..., :, None, :] - K[..., None, :, :]


@entry("rbf_scores", "forgets the minus sign: returns +‖q − k‖²/(2τ²), so far keys score highest", 'rbf_positive_sign')
def rbf_no_minus(Q, K, tau):
    return np.sum(_pairwise_diff(Q, K) ** 2, axis=-1) / (2 * tau**2)




@entry("rbf_scores", "divides by τ² and forgets the factor 2", 'rbf_missing_two')
def rbf_no_two(Q, K, tau):
    diff = Q[..., :, None, :] - K[..., None, :, :]
    return -(diff**2).sum(-1) / tau**2


@entry("rbf_scores", "writes / 2*tau**2 without brackets: precedence multiplies by τ²/2", 'temperature_multiplied')
def rbf_precedence(Q, K, tau):
    sq = np.sum(_pairwise_diff(Q, K) ** 2, axis=-1)
    return -sq / 2*tau**2




@entry("rbf_scores", "sums the squared differences over axis -2 (the keys) instead of the features", None)
def rbf_sum_wrong_axis(Q, K, tau):
    return -np.sum(_pairwise_diff(Q, K) ** 2, axis=-2) / (2 * tau**2)




@entry("rbf_scores", "copies the lesson's np.sum(q**2) with no axis: adds the squared norm of ALL queries (right only for a single query)", None)
def rbf_expansion_global_sum(Q, K, tau):
    sq = np.sum(Q**2) + np.sum(K**2, axis=-1)[..., None, :] - 2 * Q @ _swap(K)
    return -sq / (2 * tau**2)


@entry("rbf_scores", "expansion with both norm vectors as columns: adds ‖q_i‖² + ‖k_i‖² (wrong pairing when square, crashes otherwise)", 'broadcast_mismatch')
def rbf_expansion_columns(Q, K, tau):
    qq = np.sum(Q * Q, axis=-1, keepdims=True)
    kk = np.sum(K * K, axis=-1, keepdims=True)
    return -(qq + kk - 2 * np.matmul(Q, _swap(K))) / (2 * tau**2)


@entry("rbf_scores", "broadcasting written for 2-D (Q[:, None, :] - K[None, :, :]): batched inputs give the wrong shape or crash", 'batch_not_handled')
def rbf_2d_broadcast(Q, K, tau):
    diff = Q[:, None, :] - K[None, :, :]
    return -np.sum(diff**2, axis=-1) / (2 * tau**2)










@entry("rbf_scores", "hostile: divides Q and K by tau IN PLACE (mutating the caller's arrays) and then still divides by 2τ², scaling twice", 'mutates_input')
def rbf_inplace_double(Q, K, tau):
    Q /= tau
    K /= tau
    sq = np.sum((Q[..., :, None, :] - K[..., None, :, :]) ** 2, axis=-1)
    return -sq / (2 * tau**2)


# ---------------------------------------------------------------------------------------------
# 02_softmax_temperature · softmax(x, axis=-1)
# ---------------------------------------------------------------------------------------------

@entry("softmax", "normalises over the whole array instead of along axis (one distribution for everything)", 'normalised_whole_array')
def sm_global(x, axis=-1):
    e = np.exp(x - np.max(x))
    return e / e.sum()


@entry("softmax", "ignores the axis argument: always normalises over the last axis", 'axis_argument_ignored')
def sm_ignores_axis(x, axis=-1):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)








@entry("softmax", "subtracts the minimum instead of the maximum: still overflows on large ranges", 'no_max_subtraction')
def sm_sub_min(x, axis=-1):
    e = np.exp(x - np.min(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


@entry("softmax", "max without keepdims: the row maxima broadcast against the wrong axis (right only for axis=0)", 'missing_keepdims')
def sm_max_no_keepdims(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis))
    return e / np.sum(e, axis=axis, keepdims=True)




@entry("softmax", "divides by the max of the exponentials (returns exp(x − max)) instead of by their sum", 'missing_normalisation')
def sm_div_max(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.max(e, axis=axis, keepdims=True)


@entry("softmax", "forgets the exponential: divides the scores by their sum", 'missing_exp')
def sm_no_exp(x, axis=-1):
    return x / np.sum(x, axis=axis, keepdims=True)






@entry("softmax", "clips the logits to ±500 to avoid overflow instead of shifting: large logits all become equal", 'no_max_subtraction')
def sm_clip(x, axis=-1):
    z = np.clip(x, -500, 500)
    return np.exp(z) / np.exp(z).sum(axis=axis, keepdims=True)


@entry("softmax", "loops over the rows of x (for row in x), ignoring axis: 1-D inputs give all ones, 3-D inputs normalise whole matrices", 'fixed_ndim')
def sm_row_loop(x, axis=-1):
    out = []
    for row in x:
        e = np.exp(row - np.max(row))
        out.append(e / np.sum(e))
    return np.array(out)






@entry("softmax", "subtracts the max along axis but sums along the last axis: wrong whenever axis is not -1", 'axis_argument_ignored')
def sm_mixed_axes(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)






@entry("softmax", "hostile: mutates its input in place (x -= max, np.exp(x, out=x), x /= sum): the caller's array is destroyed; integer input raises", 'mutates_input')
def sm_inplace(x, axis=-1):
    x -= np.max(x, axis=axis, keepdims=True)
    np.exp(x, out=x)
    x /= np.sum(x, axis=axis, keepdims=True)
    return x


# ---------------------------------------------------------------------------------------------
# 02_softmax_temperature · softmax_temperature(x, tau)
# ---------------------------------------------------------------------------------------------

def _stable_softmax(x, axis=-1):
    m = np.max(x, axis=axis, keepdims=True)
    e = np.exp(x - m)
    return e / np.sum(e, axis=axis, keepdims=True)




@entry("softmax_temperature", "applies the temperature after the softmax: divides the weights by τ (rows no longer sum to 1)", 'temperature_after_softmax')
def st_after(x, tau):
    return _stable_softmax(x) / tau




@entry("softmax_temperature", "divides the scores by τ² instead of τ", 'temperature_misapplied')
def st_tau_squared(x, tau):
    return _stable_softmax(x / tau**2)


@entry("softmax_temperature", "normalises over axis 0 instead of the last axis", 'softmax_wrong_axis')
def st_axis0(x, tau):
    return _stable_softmax(x / tau, axis=0)


@entry("softmax_temperature", "no max subtraction: exp(x/τ) overflows for small τ", 'no_max_subtraction')
def st_unstable(x, tau):
    e = np.exp(np.asarray(x) / tau)
    return e / e.sum(axis=-1, keepdims=True)






@entry("softmax_temperature", "subtracts the unscaled max after dividing by τ: exp(x/τ − max x) still overflows for small τ", 'no_max_subtraction')
def st_shift_unscaled(x, tau):
    x = np.asarray(x, dtype=float)
    e = np.exp(x / tau - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)




@entry("softmax_temperature", "hostile: calls itself instead of softmax (name slip): infinite recursion, RecursionError", 'infinite_recursion')
def st_recursion(x, tau):
    return softmax_temperature(x / tau, 1.0)  # noqa: F821 - the learner's own name, bound below


softmax_temperature = st_recursion


# ---------------------------------------------------------------------------------------------
# 02_softmax_temperature · temperature_for_target()   (right: τ = 1/ln((9 + √117)/2) ≈ 0.43603)
# ---------------------------------------------------------------------------------------------

def _top_weight(tau):
    s = np.array([2.0, 1.0, 0.0]) / tau
    e = np.exp(s - s.max())
    return e[0] / e.sum()


@entry("temperature_for_target", "drops the third key (thinks score 0 contributes nothing): solves e^(2/τ)/(e^(2/τ)+e^(1/τ)) = 0.9, τ = 1/ln 9", 'dropped_zero_score')
def tt_drop_third_key():
    return 1.0 / math.log(9.0)




@entry("temperature_for_target", "uses log base 10 instead of the natural log when solving for τ", 'wrong_log_base')
def tt_log10():
    t = (9 + math.sqrt(117)) / 2
    return 1 / math.log10(t)


@entry("temperature_for_target", "approximates the top weight by 1 − e^(−1/τ) and solves that: τ = 1/ln 10 ≈ 0.434 (wrong third digit)", 'imprecise')
def tt_approximation():
    return 1 / np.log(10)










@entry("temperature_for_target", "solves for an entropy of 0.9 nats instead of a top weight of 0.9", None)
def tt_entropy():
    def entropy(tau):
        s = np.array([2.0, 1.0, 0.0]) / tau
        p = np.exp(s - s.max())
        p /= p.sum()
        return -np.sum(p * np.log(p))
    lo, hi = 0.01, 100.0
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        if entropy(mid) < 0.9:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


@entry("temperature_for_target", "hostile: brute-force grid with step 1e-9 over [0.01, 100] in pure Python: runs for days", 'timeout')
def tt_brute_force():
    best, best_err = None, float("inf")
    for i in itertools.count():
        tau = 0.01 + i * 1e-9
        if tau > 100:
            break
        s = [2 / tau, 1 / tau, 0.0]
        m = max(s)
        z = sum(math.exp(v - m) for v in s)
        err = abs(math.exp(s[0] - m) / z - 0.9)
        if err < best_err:
            best, best_err = tau, err
    return best


# ---------------------------------------------------------------------------------------------
# 03_soft_knn · one_nn_limit()   (right: 2, the label of x = 2, the nearest point to 2.8)
# ---------------------------------------------------------------------------------------------

_XT = np.array([0.0, 1.0, 2.0, 4.0])
_YT = np.array([1.0, 3.0, 2.0, -1.0])




















# ---------------------------------------------------------------------------------------------
# 03_soft_knn · kernel_regression(x_query, x_train, y_train, bandwidth)
# ---------------------------------------------------------------------------------------------



@entry("kernel_regression", "divides the squared distance by 2h instead of 2h² (bandwidth not squared)", 'bandwidth_not_squared')
def kr_h_not_squared(x_query, x_train, y_train, bandwidth):
    d2 = (x_query[:, None] - x_train[None, :]) ** 2
    w = np.exp(-d2 / (2 * bandwidth))
    return w @ y_train / w.sum(axis=1)


@entry("kernel_regression", "forgets to normalise: returns Σ K_i y_i without dividing by Σ K_j", 'missing_normalisation')
def kr_unnormalised(x_query, x_train, y_train, bandwidth):
    u = (np.subtract.outer(x_query, x_train)) / bandwidth
    return np.exp(-0.5 * u**2) @ y_train


@entry("kernel_regression", "normalises the kernel matrix over the queries (axis 0) instead of over the training points", 'softmax_wrong_axis')
def kr_norm_axis0(x_query, x_train, y_train, bandwidth):
    u = (x_query[:, None] - x_train[None, :]) / bandwidth
    k = np.exp(-0.5 * u**2)
    return (k / k.sum(axis=0, keepdims=True)) @ y_train


@entry("kernel_regression", "builds the distance matrix as (n, n_q) and normalises each training point's column of weights, then transposes", 'softmax_wrong_axis')
def kr_transposed_matrix(x_query, x_train, y_train, bandwidth):
    u = (x_train[:, None] - x_query[None, :]) / bandwidth
    k = np.exp(-u**2 / 2)
    w = k / k.sum(axis=-1, keepdims=True)
    return w.T @ y_train


@entry("kernel_regression", "takes the mean of K·y (divides by n) instead of dividing by the sum of the weights", 'missing_normalisation')
def kr_mean(x_query, x_train, y_train, bandwidth):
    u = (x_query[:, None] - x_train[None, :]) / bandwidth
    return np.mean(np.exp(-0.5 * u**2) * y_train[None, :], axis=1)






@entry("kernel_regression", "returns the normalised weight matrix (n_q, n) instead of the predictions", 'wrong_quantity')
def kr_returns_weights(x_query, x_train, y_train, bandwidth):
    u = (x_query[:, None] - x_train[None, :]) / bandwidth
    k = np.exp(-0.5 * u**2)
    return k / k.sum(axis=1, keepdims=True)


@entry("kernel_regression", "multiplies the distance by the bandwidth instead of dividing: large h gets sharper", 'temperature_multiplied')
def kr_times_h(x_query, x_train, y_train, bandwidth):
    u = (x_query[:, None] - x_train[None, :]) * bandwidth
    k = np.exp(-0.5 * u**2)
    return k @ y_train / k.sum(axis=1)










@entry("kernel_regression", "hostile: sorts x_train in place (mutating the caller's array) to find neighbours, so labels no longer line up", 'mutates_input')
def kr_sort_inplace(x_query, x_train, y_train, bandwidth):
    x_train.sort()
    u = (x_query[:, None] - x_train[None, :]) / bandwidth
    k = np.exp(-0.5 * u**2)
    return k @ y_train / k.sum(axis=1)


# ---------------------------------------------------------------------------------------------
# 03_soft_knn · top_k_attention(q, K, V, k)
# ---------------------------------------------------------------------------------------------

def _masked_softmax(s, keep):
    z = np.where(keep, s, -np.inf)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)




@entry("top_k_attention", "softmax over all keys, then zeroes the non-top-k weights without renormalising (rows sum < 1)", 'topk_not_renormalised')
def topk_mask_after_softmax(q, K, V, k):
    s = q @ K.T / np.sqrt(q.shape[-1])
    w = np.exp(s - s.max(axis=-1, keepdims=True))
    w /= w.sum(axis=-1, keepdims=True)
    kth = np.sort(s, axis=-1)[:, [-k]]
    w = np.where(s >= kth, w, 0.0)
    return w @ V, w






@entry("top_k_attention", "off by one: takes the (k+1)-th largest score as threshold, keeping k + 1 keys", 'topk_wrong_count')
def topk_off_by_one(q, K, V, k):
    s = q @ K.T / np.sqrt(q.shape[-1])
    srt = np.sort(s, axis=-1)
    kth = srt[:, [max(-k - 1, -s.shape[-1])]]
    w = _masked_softmax(s, s >= kth)
    return w @ V, w




@entry("top_k_attention", "sorts along axis 0 (over queries) before picking the k-th largest: thresholds come from the wrong scores", 'topk_wrong_axis')
def topk_sort_axis0(q, K, V, k):
    s = q @ K.T / np.sqrt(q.shape[-1])
    kth = np.sort(s, axis=0)[-k, :]
    keep = s >= kth
    keep |= s == s.max(axis=-1, keepdims=True)
    w = _masked_softmax(s, keep)
    return w @ V, w


@entry("top_k_attention", "one global top-k over the whole score matrix instead of per query", 'topk_wrong_count')
def topk_global(q, K, V, k):
    s = q @ K.T / np.sqrt(q.shape[-1])
    kth = np.sort(s.ravel())[-k]
    keep = (s >= kth) | (s == s.max(axis=-1, keepdims=True))
    w = _masked_softmax(s, keep)
    return w @ V, w




@entry("top_k_attention", "blends the keys instead of the values: out = weights @ K", 'output_from_keys')
def topk_blend_keys(q, K, V, k):
    s = q @ K.T / np.sqrt(q.shape[-1])
    kth = np.sort(s, axis=-1)[:, [-k]]
    w = _masked_softmax(s, s >= kth)
    return w @ K, w


@entry("top_k_attention", "mask convention inverted: puts −inf on the top k and keeps the others", 'mask_polarity_inverted')
def topk_inverted_mask(q, K, V, k):
    s = q @ K.T / np.sqrt(q.shape[-1])
    kth = np.sort(s, axis=-1)[:, [-k]]
    top = s >= kth
    if top.all():
        top[:, 0] = False
    w = _masked_softmax(s, ~top)
    return w @ V, w


@entry("top_k_attention", "np.partition(s, k)[:, [k]] gives the (k+1)-th smallest, not the k-th largest, as the threshold", 'topk_wrong_count')
def topk_partition_wrong(q, K, V, k):
    s = q @ K.T / np.sqrt(q.shape[-1])
    kk = min(k, s.shape[-1] - 1)
    kth = np.partition(s, kk, axis=-1)[:, [kk]]
    w = _masked_softmax(s, s >= kth)
    return w @ V, w








@entry("top_k_attention", "hostile: bare except hides the broadcasting error of a threshold indexed [:, -k] (no keepdims) and silently falls back to full softmax over all keys; square inputs compare against other rows' thresholds", 'topk_wrong_count')
def topk_bare_except_fallback(q, K, V, k):
    s = q @ K.T / np.sqrt(q.shape[-1])
    try:
        kth = np.sort(s, axis=-1)[:, -k]
        w = _masked_softmax(s, s >= kth)
    except:  # noqa: E722
        e = np.exp(s - s.max(axis=-1, keepdims=True))
        w = e / e.sum(axis=-1, keepdims=True)
    return w @ V, w


# ---- one_nn_limit, adapted to the question's new data: x = [0, 2, 5, 6], y = [1, -3, -1, 4], query 4.7
_X = np.array([0.0, 2.0, 5.0, 6.0])
_Y = np.array([1.0, -3.0, -1.0, 4.0])


@entry("one_nn_limit", "linearly interpolates between the two neighbours (2, -3) and (5, -1) instead of taking the nearest label", 'interpolated')
def nn_interpolate():
    return -3.0 + (4.7 - 2.0) / (5.0 - 2.0) * (-1.0 - -3.0)


@entry("one_nn_limit", "evaluates kernel regression at h = 1e-3 naively: every weight underflows, 0/0 = NaN", 'finite_bandwidth')
def nn_tiny_h():
    h = 1e-3
    w = np.exp(-((4.7 - _X) / h) ** 2 / 2)
    return float(np.sum(w * _Y) / np.sum(w))


@entry("one_nn_limit", "plugs in h = 1 instead of taking the limit h -> 0", 'finite_bandwidth')
def nn_h_one():
    w = np.exp(-((4.7 - _X) / 1.0) ** 2 / 2)
    return float(np.sum(w * _Y) / np.sum(w))


@entry("one_nn_limit", "hostile: loops shrinking h until the prediction equals the 1-NN label, but finds that label with argmin(x - 4.7) (no abs, picks x = 0): the condition never holds, the loop never ends", 'timeout')
def nn_while_loop():
    target = _Y[np.argmin(_X - 4.7)]
    h = 1.0
    while True:
        w = np.exp(-((4.7 - _X) / h) ** 2 / 2)
        pred = np.sum(w * _Y) / np.sum(w) if np.sum(w) > 0 else np.nan
        if pred == target:
            return pred
        h = h / 2 if h > 1e-300 else 1.0
