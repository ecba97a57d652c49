"""Blind bank for lessons 00-04 (the fifth round), written from the exercise notebooks only by a tester who never
saw the checker, and measured once on main at 1fd75c2 before anything was tuned for it (see the stop's closing note).

162 answers: 123 wrong, 39 right. First measurement, read by an independent judge: 116 of the
123 wrong ones named (94.3 %), 5 vague, 2 named another mistake,
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
# private stand-ins for the course library (the bank may not import it)
# ---------------------------------------------------------------------------
def _al_softmax(x, axis=-1):
    """Stand-in for al.softmax: stable softmax; a slice that is all -inf gives zeros."""
    x = np.asarray(x, dtype=float)
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    e = np.exp(x - m)
    s = e.sum(axis=axis, keepdims=True)
    return np.divide(e, s, out=np.zeros_like(e), where=s > 0)


def _plain_softmax(x, axis=-1):
    x = np.asarray(x, dtype=float)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# ===========================================================================
# ex00 · attention by hand
# ===========================================================================
# ---- ex00.q1 : shapes --------------------------------------------------------
@entry("attention_shapes", "output takes the query's feature size: O is (5, 16) instead of (5, 32)")
def e00q1_output_uses_query_dim():
    return (5, 7), (5, 7), (5, 16)


@entry("attention_shapes", "scores written keys-by-queries, (7, 5), so the weights too")
def e00q1_scores_transposed():
    return (7, 5), (7, 5), (7, 32)


@entry("attention_shapes", "thinks there is one output row per key: O is (7, 32)")
def e00q1_output_one_per_key():
    return (5, 7), (5, 7), (7, 32)


@entry("attention_shapes", "computes Q^T K instead of Q K^T: scores are feature-by-feature (16, 16)")
def e00q1_qtk_feature_square():
    return (16, 16), (16, 16), (16, 32)


@entry("attention_shapes", "keeps the weighted values per key before summing: O is (5, 7, 32)")
def e00q1_output_not_summed():
    return (5, 7), (5, 7), (5, 7, 32)


@entry("attention_shapes", "forgets the softmax keeps the shape: A is a (5,) vector of one weight per query")
def e00q1_weights_collapsed():
    return (5, 7), (5,), (5, 32)


@entry("attention_shapes", "derives the shapes by running the matmuls on dummy arrays", kind="correct")
def e00q1_shapes_from_dummy_arrays():
    Q, K, V = np.zeros((5, 16)), np.zeros((7, 16)), np.zeros((7, 32))
    S = Q @ K.T
    A = np.exp(S) / np.exp(S).sum(-1, keepdims=True)
    O = A @ V
    return S.shape, A.shape, O.shape


@entry("attention_shapes", "tuples of numpy int64 instead of Python ints", kind="correct")
def e00q1_numpy_int_tuples():
    n_q, n_k, d_v = np.int64(5), np.int64(7), np.int64(32)
    return (n_q, n_k), (n_q, n_k), (n_q, d_v)


# ---- ex00.q2 : weights by hand ----------------------------------------------
@entry("worked_example_weights", "scales the scores by 1/sqrt(2) although the question says unscaled")
def e00q2_scaled_by_sqrt_d():
    s = np.array([1.0, 0.0, 1.0]) / np.sqrt(2)
    return np.exp(s) / np.exp(s).sum()


@entry("worked_example_weights", "normalises the raw scores by their sum, no exponential: (1/2, 0, 1/2)")
def e00q2_normalise_without_exp():
    s = np.array([1.0, 0.0, 1.0])
    return s / s.sum()


@entry("worked_example_weights", "takes a hard argmax (first maximum) instead of softmax")
def e00q2_hard_argmax():
    return np.array([1.0, 0.0, 0.0])


@entry("worked_example_weights", "uses cosine similarity for the scores, so k3 scores 1/sqrt(2)")
def e00q2_cosine_scores():
    s = np.array([1.0, 0.0, 1 / np.sqrt(2)])
    return np.exp(s) / np.exp(s).sum()


@entry("worked_example_weights", "exponentiates but forgets to divide by the sum: (e, 1, e)")
def e00q2_unnormalised_exp():
    return np.array([np.e, 1.0, np.e])


@entry("worked_example_weights", "forgets that e^0 = 1 in the denominator: divides by 2e instead of 2e + 1")
def e00q2_denominator_missing_one():
    return np.array([np.e, 1.0, np.e]) / (2 * np.e)


@entry("worked_example_weights", "treats the dot product like a distance and takes softmax of minus the scores")
def e00q2_softmax_of_negative_scores():
    s = -np.array([1.0, 0.0, 1.0])
    return np.exp(s) / np.exp(s).sum()


@entry("worked_example_weights", "closed form e/(2e+1), 1/(2e+1) typed as fractions", kind="correct")
def e00q2_closed_form_fractions():
    den = 2 * np.e + 1
    return np.array([np.e / den, 1 / den, np.e / den])


@entry("worked_example_weights", "weights from alpha_i = 1 / sum_j exp(s_j - s_i), computed from the vectors", kind="correct")
def e00q2_pairwise_difference_form():
    q = np.array([1.0, 0.0])
    K = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    s = K @ q
    return 1.0 / np.exp(s[None, :] - s[:, None]).sum(axis=1)


# ---- ex00.q3 : output by hand -----------------------------------------------
_E00_V = np.array([[10.0, 0.0], [0.0, 10.0], [5.0, 5.0]])
_E00_K = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
_E00_A = np.array([np.e, 1.0, np.e]) / (2 * np.e + 1)


@entry("worked_example_output", "averages the values uniformly, ignoring the weights: (5, 5)")
def e00q3_uniform_average():
    return _E00_V.mean(axis=0)


@entry("worked_example_output", "weights the keys instead of the values")
def e00q3_weights_times_keys():
    return _E00_A @ _E00_K


@entry("worked_example_output", "gets the two components the wrong way round")
def e00q3_components_swapped():
    return (_E00_A @ _E00_V)[::-1]


@entry("worked_example_output", "uses the raw scores (1, 0, 1) as weights: (15, 5)")
def e00q3_scores_as_weights():
    return np.array([1.0, 0.0, 1.0]) @ _E00_V


@entry("worked_example_output", "takes the mean of alpha_i v_i instead of the sum")
def e00q3_mean_of_weighted_values():
    return (_E00_A[:, None] * _E00_V).mean(axis=0)


@entry("worked_example_output", "uses 1/sqrt(2)-scaled scores for the weights")
def e00q3_scaled_weights():
    s = np.array([1.0, 0.0, 1.0]) / np.sqrt(2)
    a = np.exp(s) / np.exp(s).sum()
    return a @ _E00_V


@entry("worked_example_output", "hard attention: averages the values of the tied best keys k1 and k3: (7.5, 2.5)")
def e00q3_hard_tie_average():
    return (_E00_V[0] + _E00_V[2]) / 2


@entry("worked_example_output", "exact closed form (15e, 10 + 5e) / (2e + 1)", kind="correct")
def e00q3_closed_form():
    e = np.e
    return np.array([15 * e, 10 + 5 * e]) / (2 * e + 1)


@entry("worked_example_output", "explicit loop over the three keys, accumulating alpha_i * v_i", kind="correct")
def e00q3_loop_accumulate():
    q = [1.0, 0.0]
    keys = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
    vals = [[10.0, 0.0], [0.0, 10.0], [5.0, 5.0]]
    ex = [math.exp(sum(a * b for a, b in zip(q, kk))) for kk in keys]
    tot = sum(ex)
    o = np.zeros(2)
    for w, vv in zip(ex, vals):
        o += (w / tot) * np.array(vv)
    return o


# ===========================================================================
# ex01 · similarity scores
# ===========================================================================
# ---- ex01.q1 : scaled dot product -------------------------------------------
@entry("scaled_dot_scores", "forgets the 1/sqrt(d) scale")
def e01q1_unscaled(q, k):
    return q @ np.swapaxes(k, -1, -2)


@entry("scaled_dot_scores", "divides by d instead of sqrt(d)")
def e01q1_divide_by_d(q, k):
    return q @ np.swapaxes(k, -1, -2) / q.shape[-1]


@entry("scaled_dot_scores", "uses k.T, which reverses every axis: fine in 2-D, crashes or is wrong on batches")
def e01q1_dot_T_not_batched(q, k):
    return q @ k.T / np.sqrt(q.shape[-1])


@entry("scaled_dot_scores", "takes d from q.shape[0] (the number of queries in 2-D)")
def e01q1_d_from_first_axis(q, k):
    return q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[0])


@entry("scaled_dot_scores", "scales by sqrt(n_k), the number of keys, instead of the feature size")
def e01q1_scale_by_num_keys(q, k):
    return q @ np.swapaxes(k, -1, -2) / np.sqrt(k.shape[-2])


@entry("scaled_dot_scores", "scales q in place (q /= sqrt(d)), so the caller's query array is changed")
def e01q1_inplace_scale_query(q, k):
    q /= np.sqrt(q.shape[-1])
    return q @ np.swapaxes(k, -1, -2)


@entry("scaled_dot_scores", "computes K Q^T: the result is keys-by-queries (n_k, n_q)")
def e01q1_keys_by_queries(q, k):
    return k @ np.swapaxes(q, -1, -2) / np.sqrt(q.shape[-1])


@entry("scaled_dot_scores", "einsum over the feature axis with ellipsis for batches", kind="correct")
def e01q1_einsum(q, k):
    q = np.asarray(q, dtype=float)
    k = np.asarray(k, dtype=float)
    return np.einsum("...id,...jd->...ij", q, k) / math.sqrt(q.shape[-1])


@entry("scaled_dot_scores", "splits the scale: multiplies both q and k by d**-0.25 before the matmul", kind="correct")
def e01q1_split_quarter_power(q, k):
    d = q.shape[-1]
    c = d ** -0.25
    return (q * c) @ np.swapaxes(k * c, -1, -2)


# ---- ex01.q2 : cosine with temperature --------------------------------------
def _e01_cos_right(q, k, temperature):
    qn = q / (np.linalg.norm(q, axis=-1, keepdims=True) + 1e-9)
    kn = k / (np.linalg.norm(k, axis=-1, keepdims=True) + 1e-9)
    return qn @ np.swapaxes(kn, -1, -2) / temperature


@entry("cosine_scores", "multiplies by the temperature instead of dividing")
def e01q2_times_temperature(q, k, temperature):
    qn = q / (np.linalg.norm(q, axis=-1, keepdims=True) + 1e-9)
    kn = k / (np.linalg.norm(k, axis=-1, keepdims=True) + 1e-9)
    return qn @ np.swapaxes(kn, -1, -2) * temperature


@entry("cosine_scores", "no eps on the norms: a zero vector gives 0/0 = NaN")
def e01q2_no_eps(q, k, temperature):
    qn = q / np.linalg.norm(q, axis=-1, keepdims=True)
    kn = k / np.linalg.norm(k, axis=-1, keepdims=True)
    return qn @ np.swapaxes(kn, -1, -2) / temperature


@entry("cosine_scores", "takes the norm over the token axis (-2) instead of the feature axis")
def e01q2_norm_over_tokens(q, k, temperature):
    qn = q / (np.linalg.norm(q, axis=-2, keepdims=True) + 1e-9)
    kn = k / (np.linalg.norm(k, axis=-2, keepdims=True) + 1e-9)
    return qn @ np.swapaxes(kn, -1, -2) / temperature


@entry("cosine_scores", "normalises only the queries, not the keys")
def e01q2_only_query_normalised(q, k, temperature):
    qn = q / (np.linalg.norm(q, axis=-1, keepdims=True) + 1e-9)
    return qn @ np.swapaxes(k, -1, -2) / temperature


@entry("cosine_scores", "divides by the squared norms (confuses |q| with q.q)")
def e01q2_squared_norms(q, k, temperature):
    nq = (q * q).sum(-1, keepdims=True) + 1e-9
    nk = (k * k).sum(-1, keepdims=True) + 1e-9
    return (q @ np.swapaxes(k, -1, -2)) / (nq * np.swapaxes(nk, -1, -2)) / temperature


@entry("cosine_scores", "np.linalg.norm without axis: one Frobenius norm for the whole matrix")
def e01q2_frobenius_norm(q, k, temperature):
    qn = q / (np.linalg.norm(q) + 1e-9)
    kn = k / (np.linalg.norm(k) + 1e-9)
    return qn @ np.swapaxes(kn, -1, -2) / temperature


@entry("cosine_scores", "returns the cosine distance 1 - cos over tau instead of the similarity")
def e01q2_cosine_distance(q, k, temperature):
    return (1.0 - _e01_cos_right(q, k, 1.0)) / temperature


@entry("cosine_scores", "dot product divided by the outer product of (norm + eps), via einsum", kind="correct")
def e01q2_einsum_outer_norms(q, k, temperature):
    nq = np.sqrt(np.einsum("...id,...id->...i", q, q)) + 1e-9
    nk = np.sqrt(np.einsum("...jd,...jd->...j", k, k)) + 1e-9
    dots = np.einsum("...id,...jd->...ij", q, k)
    return dots / (nq[..., :, None] * nk[..., None, :]) / temperature


@entry("cosine_scores", "folds the temperature into the query side before the matmul", kind="correct")
def e01q2_temperature_on_queries(q, k, temperature):
    q = np.asarray(q, dtype=float)
    k = np.asarray(k, dtype=float)
    qn = q / ((np.linalg.norm(q, axis=-1, keepdims=True) + 1e-9) * temperature)
    kn = k / (np.linalg.norm(k, axis=-1, keepdims=True) + 1e-9)
    return np.matmul(qn, np.swapaxes(kn, -1, -2))


# ---- ex01.q3 : RBF scores ---------------------------------------------------
def _e01_sqdist(q, k):
    diff = q[..., :, None, :] - k[..., None, :, :]
    return (diff ** 2).sum(-1)


@entry("rbf_scores", "forgets the minus sign: larger distance gives a larger score")
def e01q3_no_minus(q, k, temperature):
    return _e01_sqdist(q, k) / (2 * temperature ** 2)


@entry("rbf_scores", "divides by tau^2, forgetting the factor 2")
def e01q3_missing_two(q, k, temperature):
    return -_e01_sqdist(q, k) / temperature ** 2


@entry("rbf_scores", "divides by 2*tau instead of 2*tau^2")
def e01q3_tau_not_squared(q, k, temperature):
    return -_e01_sqdist(q, k) / (2 * temperature)


@entry("rbf_scores", "uses the distance, not the squared distance")
def e01q3_unsquared_distance(q, k, temperature):
    return -np.sqrt(_e01_sqdist(q, k)) / (2 * temperature ** 2)


@entry("rbf_scores", "expands |q-k|^2 with +2 q.k instead of -2 q.k")
def e01q3_expansion_sign(q, k, temperature):
    qq = (q * q).sum(-1)[..., :, None]
    kk = (k * k).sum(-1)[..., None, :]
    d2 = qq + kk + 2 * (q @ np.swapaxes(k, -1, -2))
    return -d2 / (2 * temperature ** 2)


@entry("rbf_scores", "expands |q-k|^2 but forgets the 2 in the cross term")
def e01q3_expansion_missing_two(q, k, temperature):
    qq = (q * q).sum(-1)[..., :, None]
    kk = (k * k).sum(-1)[..., None, :]
    d2 = qq + kk - (q @ np.swapaxes(k, -1, -2))
    return -d2 / (2 * temperature ** 2)


@entry("rbf_scores", "broadcasts with q[:, None] - k[None]: works in 2-D, crashes or is wrong on batches")
def e01q3_broadcast_2d_only(q, k, temperature):
    d2 = ((q[:, None] - k[None]) ** 2).sum(-1)
    return -d2 / (2 * temperature ** 2)


@entry("rbf_scores", "expansion |q|^2 + |k|^2 - 2 q.k, clipped at 0 against rounding", kind="correct")
def e01q3_expansion_clipped(q, k, temperature):
    qq = np.einsum("...id,...id->...i", q, q)[..., :, None]
    kk = np.einsum("...jd,...jd->...j", k, k)[..., None, :]
    d2 = np.maximum(qq + kk - 2 * np.einsum("...id,...jd->...ij", q, k), 0.0)
    return -d2 / (2 * temperature ** 2)


@entry("rbf_scores", "scales q and k by 1/tau first, then half the squared distance via expand_dims", kind="correct")
def e01q3_prescaled_expand_dims(q, k, temperature):
    qs = np.expand_dims(np.asarray(q, dtype=float) / temperature, -2)
    ks = np.expand_dims(np.asarray(k, dtype=float) / temperature, -3)
    return -0.5 * np.square(qs - ks).sum(axis=-1)


# ===========================================================================
# ex02 · softmax and temperature
# ===========================================================================
# ---- ex02.q1 : stable softmax -----------------------------------------------
@entry("softmax", "no max subtraction: exp(1000) overflows to inf and gives NaN")
def e02q1_no_max_shift(x, axis=-1):
    e = np.exp(x)
    return e / e.sum(axis=axis, keepdims=True)


@entry("softmax", "subtracts the global max of the whole array, not per slice: rows far below it underflow to 0/0")
def e02q1_global_max(x, axis=-1):
    e = np.exp(x - np.max(x))
    return e / e.sum(axis=axis, keepdims=True)


@entry("softmax", "uses axis for the max but always sums over the last axis")
def e02q1_sum_last_axis_only(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@entry("softmax", "max and sum without keepdims: broadcast against the wrong axis (or crash)")
def e02q1_no_keepdims(x, axis=-1):
    e = np.exp(x - x.max(axis=axis))
    return e / e.sum(axis=axis)


@entry("softmax", "subtracts the minimum instead of the maximum, so large spreads still overflow")
def e02q1_subtract_min(x, axis=-1):
    e = np.exp(x - x.min(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@entry("softmax", "shifts x in place (x -= max): the caller's array is overwritten (and an integer array raises)")
def e02q1_inplace_shift(x, axis=-1):
    x -= x.max(axis=axis, keepdims=True)
    np.exp(x, out=x)
    x /= x.sum(axis=axis, keepdims=True)
    return x


@entry("softmax", "subtracts the mean instead of the max: still overflows when one score is far above the mean")
def e02q1_subtract_mean(x, axis=-1):
    e = np.exp(x - x.mean(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@entry("softmax", "returns log-softmax (x - logsumexp) instead of softmax")
def e02q1_returns_log_softmax(x, axis=-1):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


@entry("softmax", "exp(x - logsumexp(x)) with a stable logsumexp", kind="correct")
def e02q1_exp_minus_logsumexp(x, axis=-1):
    x = np.asarray(x, dtype=float)
    m = np.max(x, axis=axis, keepdims=True)
    lse = m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))
    return np.exp(x - lse)


@entry("softmax", "moves the axis to the end, works on the last axis, moves it back", kind="correct")
def e02q1_moveaxis(x, axis=-1):
    x = np.asarray(x, dtype=float)
    y = np.moveaxis(x, axis, -1)
    e = np.exp(y - y.max(-1)[..., None])
    out = e / e.sum(-1)[..., None]
    return np.moveaxis(out, -1, axis)


# ---- ex02.q2 : temperature --------------------------------------------------
@entry("softmax_temperature", "multiplies by the temperature instead of dividing")
def e02q2_multiply_temperature(x, temperature):
    return _plain_softmax(np.asarray(x, float) * temperature, axis=-1)


@entry("softmax_temperature", "applies the temperature after the softmax: softmax(x) / tau")
def e02q2_divide_after_softmax(x, temperature):
    return _plain_softmax(x, axis=-1) / temperature


@entry("softmax_temperature", "softmax over axis 0 instead of the last axis")
def e02q2_axis_zero(x, temperature):
    return _plain_softmax(np.asarray(x, float) / temperature, axis=0)


@entry("softmax_temperature", "floor division x // tau by slip, so the scores are rounded down")
def e02q2_floor_division(x, temperature):
    return _plain_softmax(np.asarray(x, float) // temperature, axis=-1)


@entry("softmax_temperature", "writes exp(x / tau) directly without the max shift: overflows for small tau")
def e02q2_naive_exp_overflow(x, temperature):
    e = np.exp(np.asarray(x, float) / temperature)
    return e / e.sum(axis=-1, keepdims=True)


@entry("softmax_temperature", "thinks temperature is a power: softmax(x) ** (1/tau), not renormalised")
def e02q2_power_not_renormalised(x, temperature):
    return _plain_softmax(x, axis=-1) ** (1.0 / temperature)


@entry("softmax_temperature", "shifts by the max first, then divides the shifted scores by tau inside exp", kind="correct")
def e02q2_shift_then_divide(x, temperature):
    x = np.asarray(x, dtype=float)
    z = (x - x.max(axis=-1, keepdims=True)) / temperature
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


@entry("softmax_temperature", "multiplies by the inverse temperature beta = 1/tau and uses a log-sum-exp softmax", kind="correct")
def e02q2_inverse_temperature_beta(x, temperature):
    beta = 1.0 / temperature
    z = beta * np.asarray(x, dtype=float)
    m = z.max(axis=z.ndim - 1, keepdims=True)
    return np.exp(z - m - np.log(np.exp(z - m).sum(axis=z.ndim - 1, keepdims=True)))


# ---- ex02.q3 : find the temperature -----------------------------------------
@entry("temperature_for_target", "drops the third score: solves 1/(1 + e^(-1/tau)) = 0.9, tau = 1/ln 9")
def e02q3_ignores_third_score():
    return 1.0 / math.log(9.0)


@entry("temperature_for_target", "returns the inverse temperature beta = 1/tau instead of tau")
def e02q3_returns_beta():
    u = (-1 + math.sqrt(13 / 9)) / 2
    return -math.log(u)


@entry("temperature_for_target", "compares only the top and bottom scores: 1/(1 + e^(-2/tau)) = 0.9, tau = 1/ln 3")
def e02q3_top_vs_bottom_only():
    return 1.0 / math.log(3.0)


@entry("temperature_for_target", "coarse grid search with step 0.01 picks the wrong neighbour: 0.44")
def e02q3_coarse_grid():
    taus = np.arange(0.01, 2.0, 0.01)
    tops = np.array([np.exp(2 / t) / (np.exp(2 / t) + np.exp(1 / t) + 1) for t in taus])
    # picks the first tau whose top weight has dropped below 0.9
    return float(taus[np.argmax(tops < 0.9)])


@entry("temperature_for_target", "solves the quadratic right but uses log10 instead of ln")
def e02q3_log10():
    u = (-1 + math.sqrt(13 / 9)) / 2
    return -1.0 / math.log10(u)


@entry("temperature_for_target", "first-order shortcut: top weight ~ 1 - e^(-1/tau), so e^(-1/tau) = 0.1 and tau = 1/ln 10")
def e02q3_first_order_approx():
    return 1.0 / math.log(10.0)


@entry("temperature_for_target", "closed form: u = e^(-1/tau) solves u + u^2 = 1/9", kind="correct")
def e02q3_closed_form():
    u = (-1 + math.sqrt(1 + 4 / 9)) / 2
    return -1.0 / math.log(u)


@entry("temperature_for_target", "bisection on tau with a stable softmax, returned as a numpy float", kind="correct")
def e02q3_bisection():
    lo, hi = 0.05, 10.0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        s = np.array([2.0, 1.0, 0.0]) / mid
        w = np.exp(s - s.max())
        top = w[0] / w.sum()
        if top > 0.9:
            lo = mid   # too sharp: raise tau
        else:
            hi = mid
    return np.float64(0.5 * (lo + hi))


# ===========================================================================
# ex03 · attention as soft k-NN
# ===========================================================================
# ---- ex03.q1 : 1-NN limit ---------------------------------------------------
@entry("one_nn_limit", "thinks of the wide-bandwidth limit: predicts the mean label 0.25")
def e03q1_mean_label():
    return 0.25


@entry("one_nn_limit", "averages the labels of the two nearest points (5 and 6): 1.5")
def e03q1_two_nearest_average():
    return 1.5


@entry("one_nn_limit", "averages the labels of the bracketing points 2 and 5: -2")
def e03q1_bracketing_average():
    return -2.0


@entry("one_nn_limit", "returns the location of the nearest training point (5) instead of its label")
def e03q1_returns_x_not_y():
    return 5.0


@entry("one_nn_limit", "linearly interpolates between x = 2 and x = 5: -1.2")
def e03q1_linear_interpolation():
    return -3 + (4.7 - 2) / (5 - 2) * (-1 - (-3))


@entry("one_nn_limit", "takes the point to the left (floor neighbour, x = 2): -3")
def e03q1_left_neighbour():
    return -3.0


@entry("one_nn_limit", "computes the label of the nearest point with argmin", kind="correct")
def e03q1_argmin():
    x = np.array([0.0, 2.0, 5.0, 6.0])
    y = np.array([1.0, -3.0, -1.0, 4.0])
    return y[np.argmin(np.abs(x - 4.7))]


@entry("one_nn_limit", "evaluates kernel regression at a tiny bandwidth in the log domain", kind="correct")
def e03q1_tiny_bandwidth_log_domain():
    x = np.array([0.0, 2.0, 5.0, 6.0])
    y = np.array([1.0, -3.0, -1.0, 4.0])
    logk = -0.5 * ((4.7 - x) / 1e-3) ** 2
    w = np.exp(logk - logk.max())
    return float(round((w * y).sum() / w.sum(), 6))


# ---- ex03.q2 : Nadaraya-Watson ----------------------------------------------
@entry("kernel_regression", "drops the 1/2 in the Gaussian exponent")
def e03q2_no_half(x_query, x_train, y_train, bandwidth):
    d = (x_query[:, None] - x_train[None, :]) / bandwidth
    K = np.exp(-d ** 2)
    return (K * y_train).sum(1) / K.sum(1)


@entry("kernel_regression", "divides the squared distance by tau instead of tau^2")
def e03q2_tau_not_squared(x_query, x_train, y_train, bandwidth):
    K = np.exp(-0.5 * (x_query[:, None] - x_train[None, :]) ** 2 / bandwidth)
    return (K * y_train).sum(1) / K.sum(1)


@entry("kernel_regression", "forgets to divide by the sum of the kernels")
def e03q2_no_normalisation(x_query, x_train, y_train, bandwidth):
    K = np.exp(-0.5 * ((x_query[:, None] - x_train[None, :]) / bandwidth) ** 2)
    return (K * y_train).sum(1)


@entry("kernel_regression", "normalises the kernels over the queries (axis 0) instead of over the training points")
def e03q2_normalise_over_queries(x_query, x_train, y_train, bandwidth):
    K = np.exp(-0.5 * ((x_query[:, None] - x_train[None, :]) / bandwidth) ** 2)
    W = K / K.sum(axis=0, keepdims=True)
    return W @ y_train


@entry("kernel_regression", "loses the minus sign: exp(+1/2 ((x - x_i)/tau)^2) favours far points")
def e03q2_positive_exponent(x_query, x_train, y_train, bandwidth):
    K = np.exp(0.5 * ((x_query[:, None] - x_train[None, :]) / bandwidth) ** 2)
    return (K * y_train).sum(1) / K.sum(1)


@entry("kernel_regression", "uses |x - x_i| (a Laplace kernel) instead of the square")
def e03q2_laplace_kernel(x_query, x_train, y_train, bandwidth):
    K = np.exp(-0.5 * np.abs((x_query[:, None] - x_train[None, :]) / bandwidth))
    return (K * y_train).sum(1) / K.sum(1)


@entry("kernel_regression", "averages K_i y_i over the n points instead of dividing by sum K_j")
def e03q2_mean_instead_of_normalise(x_query, x_train, y_train, bandwidth):
    K = np.exp(-0.5 * ((x_query[:, None] - x_train[None, :]) / bandwidth) ** 2)
    return (K * y_train).mean(1)


@entry("kernel_regression", "softmax of the log-kernels with a max shift (never 0/0 at tiny bandwidths)", kind="correct")
def e03q2_log_domain_softmax(x_query, x_train, y_train, bandwidth):
    xq = np.asarray(x_query, dtype=float)
    xt = np.asarray(x_train, dtype=float)
    logits = -0.5 * np.square(np.subtract.outer(xq, xt) / bandwidth)
    w = np.exp(logits - logits.max(axis=1, keepdims=True))
    w /= w.sum(axis=1, keepdims=True)
    return w @ np.asarray(y_train, dtype=float)


@entry("kernel_regression", "a Python loop over the queries with np.dot", kind="correct")
def e03q2_loop_over_queries(x_query, x_train, y_train, bandwidth):
    out = np.empty(len(x_query))
    for i, xq in enumerate(x_query):
        Ki = np.exp(-0.5 * ((xq - np.asarray(x_train)) / bandwidth) ** 2)
        out[i] = np.dot(Ki, y_train) / Ki.sum()
    return out


@entry("kernel_regression", "einsum for the weighted sum, kernel written as exp(-d^2/(2 tau^2))", kind="correct")
def e03q2_einsum(x_query, x_train, y_train, bandwidth):
    d2 = (np.asarray(x_query, float)[:, None] - np.asarray(x_train, float)[None, :]) ** 2
    K = np.exp(-d2 / (2 * bandwidth * bandwidth))
    return np.einsum("qn,n->q", K, np.asarray(y_train, float)) / np.einsum("qn->q", K)


# ---- ex03.q3 : hard top-k attention -----------------------------------------
def _e03_scores(q, k):
    return q @ k.T / np.sqrt(q.shape[-1])


def _e03_finish(scores, keep, v):
    s = np.where(keep, scores, -np.inf)
    w = _plain_softmax(s, axis=-1)
    return w @ v, w


@entry("top_k_attention", "sorts ascending and keeps the first top_k: the lowest-scoring keys")
def e03q3_keeps_lowest(q, k, v, top_k):
    s = _e03_scores(q, k)
    thr = np.sort(s, axis=-1)[:, top_k - 1:top_k]
    return _e03_finish(s, s <= thr, v)


@entry("top_k_attention", "forgets the 1/sqrt(d) scale of scaled dot-product attention")
def e03q3_unscaled(q, k, v, top_k):
    s = q @ k.T
    thr = np.sort(s, axis=-1)[:, -top_k][:, None]
    return _e03_finish(s, s >= thr, v)


@entry("top_k_attention", "masks by setting the dropped scores to 0 instead of -inf, so they keep weight")
def e03q3_zero_instead_of_neg_inf(q, k, v, top_k):
    s = _e03_scores(q, k)
    thr = np.sort(s, axis=-1)[:, -top_k][:, None]
    s = np.where(s >= thr, s, 0.0)
    w = _plain_softmax(s, axis=-1)
    return w @ v, w


@entry("top_k_attention", "softmax over all keys, then zeroes the dropped ones without renormalising")
def e03q3_zero_after_softmax(q, k, v, top_k):
    s = _e03_scores(q, k)
    thr = np.sort(s, axis=-1)[:, -top_k][:, None]
    w = _plain_softmax(s, axis=-1)
    w = np.where(s >= thr, w, 0.0)
    return w @ v, w


@entry("top_k_attention", "off by one: threshold at the (top_k+1)-th score with >=, so keeps top_k + 1 keys")
def e03q3_keeps_one_extra(q, k, v, top_k):
    s = _e03_scores(q, k)
    idx = max(s.shape[-1] - top_k - 1, 0)
    thr = np.sort(s, axis=-1)[:, idx][:, None]
    return _e03_finish(s, s >= thr, v)


@entry("top_k_attention", "strict > against the top_k-th score: keeps only top_k - 1 keys")
def e03q3_strict_greater(q, k, v, top_k):
    s = _e03_scores(q, k)
    thr = np.sort(s, axis=-1)[:, -top_k][:, None]
    return _e03_finish(s, s > thr, v)


@entry("top_k_attention", "picks the top_k per key (down axis 0) instead of per query")
def e03q3_topk_over_queries(q, k, v, top_k):
    s = _e03_scores(q, k)
    kk = min(top_k, s.shape[0])
    thr = np.sort(s, axis=0)[-kk, :][None, :]
    return _e03_finish(s, s >= thr, v)


@entry("top_k_attention", "ranks keys by |score| (largest magnitude), so strongly negative keys are kept")
def e03q3_rank_by_magnitude(q, k, v, top_k):
    s = _e03_scores(q, k)
    a = np.abs(s)
    thr = np.sort(a, axis=-1)[:, -top_k][:, None]
    return _e03_finish(s, a >= thr, v)


@entry("top_k_attention", "threshold from np.partition, masked with np.where before a stable softmax", kind="correct")
def e03q3_partition_threshold(q, k, v, top_k):
    q = np.asarray(q, float); k = np.asarray(k, float); v = np.asarray(v, float)
    s = np.einsum("id,jd->ij", q, k) / math.sqrt(q.shape[1])
    n_k = s.shape[1]
    kk = min(top_k, n_k)
    thr = np.partition(s, n_k - kk, axis=1)[:, n_k - kk:n_k - kk + 1]
    keep = s >= thr
    e = np.where(keep, np.exp(s - s.max(axis=1, keepdims=True)), 0.0)
    w = e / e.sum(axis=1, keepdims=True)
    return w @ v, w


@entry("top_k_attention", "a loop over queries: sorted scores, kept set by >= the k-th, softmax on the kept only", kind="correct")
def e03q3_loop_per_query(q, k, v, top_k):
    q = np.asarray(q, float); k = np.asarray(k, float); v = np.asarray(v, float)
    n_q, n_k = q.shape[0], k.shape[0]
    w = np.zeros((n_q, n_k))
    for i in range(n_q):
        s = k @ q[i] / np.sqrt(q.shape[1])
        kth = sorted(s, reverse=True)[min(top_k, n_k) - 1]
        idx = [j for j in range(n_k) if s[j] >= kth]
        e = np.exp(s[idx] - s[idx].max())
        w[i, idx] = e / e.sum()
    return w @ v, w


# ===========================================================================
# ex04 · masking
# ===========================================================================
# ---- ex04.q1 : causal mask --------------------------------------------------
@entry("causal_mask", "upper triangle (np.triu): query i sees the future keys j >= i")
def e04q1_upper_triangle(n):
    return np.triu(np.ones((n, n), dtype=bool))


@entry("causal_mask", "strict lower triangle (k=-1): a query may not see itself")
def e04q1_strict_lower(n):
    return np.tril(np.ones((n, n), dtype=bool), k=-1)


@entry("causal_mask", "right pattern but float 0/1 (np.tril of np.ones), not boolean")
def e04q1_float_dtype(n):
    return np.tril(np.ones((n, n)))


@entry("causal_mask", "PyTorch convention: True marks the blocked (future) positions")
def e04q1_true_means_blocked(n):
    return ~np.tril(np.ones((n, n), dtype=bool))


@entry("causal_mask", "builds it with uint8 ones, as in old PyTorch code")
def e04q1_uint8(n):
    return np.tril(np.ones((n, n), dtype=np.uint8))


@entry("causal_mask", "compares index grids: key index <= query index", kind="correct")
def e04q1_arange_compare(n):
    i = np.arange(n)[:, None]
    j = np.arange(n)[None, :]
    return j <= i


@entry("causal_mask", "np.tri with dtype=bool", kind="correct")
def e04q1_np_tri_bool(n):
    return np.tri(n, n, 0, dtype=bool)


# ---- ex04.q2 : causal mask L=4 by hand --------------------------------------
_E04_LOWER = [[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]]


@entry("causal_keys_query_2", "writes the upper triangle, so query 2 sees keys 2 and 3")
def e04q2_upper_triangle():
    return [[1, 1, 1, 1], [0, 1, 1, 1], [0, 0, 1, 1], [0, 0, 0, 1]], [2, 3]


@entry("causal_keys_query_2", "strict causal: no query sees itself, query 2 sees 0 and 1")
def e04q2_strict():
    return [[0, 0, 0, 0], [1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0]], [0, 1]


@entry("causal_keys_query_2", "right mask, but counts positions from 1 for the keys")
def e04q2_one_based_keys():
    return _E04_LOWER, [1, 2, 3]


@entry("causal_keys_query_2", "right mask, but lists every key for query 2")
def e04q2_all_keys():
    return _E04_LOWER, [0, 1, 2, 3]


@entry("causal_keys_query_2", "right mask, but reads column 2 (the queries that see key 2) for the keys")
def e04q2_reads_column():
    return _E04_LOWER, [2, 3]


@entry("causal_keys_query_2", "right mask and keys, but lists the keys from nearest to farthest, not sorted")
def e04q2_unsorted_keys():
    return _E04_LOWER, [2, 1, 0]


@entry("causal_keys_query_2", "the mask as nested lists of booleans", kind="correct")
def e04q2_booleans():
    T, F = True, False
    return [[T, F, F, F], [T, T, F, F], [T, T, T, F], [T, T, T, T]], [0, 1, 2]


@entry("causal_keys_query_2", "builds the mask with numpy and converts with tolist, keys from the row", kind="correct")
def e04q2_numpy_tolist():
    m = np.tril(np.ones((4, 4), dtype=int))
    keys = [int(j) for j in np.flatnonzero(m[2])]
    return m.tolist(), keys


# ---- ex04.q3 : padding mask -------------------------------------------------
@entry("padding_mask", "off by one: j <= L_b, so one pad key is kept")
def e04q3_off_by_one(lengths, n):
    return np.arange(n)[None, None, :] <= np.asarray(lengths)[:, None, None]


@entry("padding_mask", "returns shape (B, n), without the query axis")
def e04q3_missing_query_axis(lengths, n):
    return np.arange(n)[None, :] < np.asarray(lengths)[:, None]


@entry("padding_mask", "puts the singleton axis last: shape (B, n, 1) (pads as queries)")
def e04q3_axis_last(lengths, n):
    return (np.arange(n)[None, :] < np.asarray(lengths)[:, None])[:, :, None]


@entry("padding_mask", "True at the padding (marks what to hide)")
def e04q3_true_at_padding(lengths, n):
    return np.arange(n)[None, None, :] >= np.asarray(lengths)[:, None, None]


@entry("padding_mask", "returns 0/1 integers instead of booleans")
def e04q3_int_dtype(lengths, n):
    return (np.arange(n)[None, None, :] < np.asarray(lengths)[:, None, None]).astype(int)


@entry("padding_mask", "puts the real keys at the end (left padding): j >= n - L_b")
def e04q3_left_padded(lengths, n):
    return np.arange(n)[None, None, :] >= n - np.asarray(lengths)[:, None, None]


@entry("padding_mask", "loop filling a zeros((B, 1, n), bool) array with slices", kind="correct")
def e04q3_loop_slices(lengths, n):
    lengths = list(np.asarray(lengths).ravel())
    m = np.zeros((len(lengths), 1, n), dtype=bool)
    for b, L in enumerate(lengths):
        m[b, 0, :int(L)] = True
    return m


@entry("padding_mask", "np.less with broadcasting, then expand_dims for the query axis", kind="correct")
def e04q3_less_expand_dims(lengths, n):
    m = np.less(np.arange(n)[None, :], np.asarray(lengths)[:, None])
    return np.expand_dims(m, axis=1)


# ---- ex04.q4 : decoder mask -------------------------------------------------
def _e04_causal(n):
    return np.tril(np.ones((n, n), dtype=bool))


def _e04_real(lengths, n, side):
    L = np.asarray(lengths)[:, None]
    j = np.arange(n)[None, :]
    return (j < L) if side == "right" else (j >= n - L)


@entry("decoder_mask", "ignores side: always treats the padding as on the right")
def e04q4_ignores_side(lengths, n, side="right"):
    real = np.arange(n)[None, :] < np.asarray(lengths)[:, None]
    return _e04_causal(n)[None] & real[:, None, :]


@entry("decoder_mask", "left padding off by one: real keys j > n - L_b")
def e04q4_left_off_by_one(lengths, n, side="right"):
    L = np.asarray(lengths)[:, None]
    j = np.arange(n)[None, :]
    real = (j < L) if side == "right" else (j > n - L)
    return _e04_causal(n)[None] & real[:, None, :]


@entry("decoder_mask", "combines the masks with OR instead of AND")
def e04q4_or_instead_of_and(lengths, n, side="right"):
    real = _e04_real(lengths, n, side)
    return _e04_causal(n)[None] | real[:, None, :]


@entry("decoder_mask", "applies the padding to the queries (rows) instead of the keys (columns)")
def e04q4_padding_on_queries(lengths, n, side="right"):
    real = _e04_real(lengths, n, side)
    return _e04_causal(n)[None] & real[:, :, None]


@entry("decoder_mask", "also blanks the rows of pad queries under right padding (pads on both queries and keys)")
def e04q4_pad_queries_blanked(lengths, n, side="right"):
    real = _e04_real(lengths, n, side)
    return _e04_causal(n)[None] & real[:, None, :] & real[:, :, None]


@entry("decoder_mask", "left padding as the right-padded mask mirrored on both axes")
def e04q4_left_as_mirror(lengths, n, side="right"):
    real = np.arange(n)[None, :] < np.asarray(lengths)[:, None]
    m = _e04_causal(n)[None] & real[:, None, :]
    return m if side == "right" else m[:, ::-1, ::-1]


@entry("decoder_mask", "combines by multiplying the masks: right pattern but integer dtype")
def e04q4_multiply_int(lengths, n, side="right"):
    real = _e04_real(lengths, n, side).astype(int)
    return np.tril(np.ones((n, n), dtype=int))[None] * real[:, None, :]


@entry("decoder_mask", "np.logical_and of index comparisons on broadcast (B, n, n) grids", kind="correct")
def e04q4_index_grids(lengths, n, side="right"):
    L = np.asarray(lengths).reshape(-1, 1, 1)
    i = np.arange(n).reshape(1, n, 1)
    j = np.arange(n).reshape(1, 1, n)
    if side == "left":
        real = j >= n - L
    else:
        real = j < L
    return np.logical_and(j <= i, real)


@entry("decoder_mask", "explicit triple loop filling a boolean array", kind="correct")
def e04q4_triple_loop(lengths, n, side="right"):
    lengths = [int(x) for x in np.asarray(lengths).ravel()]
    m = np.zeros((len(lengths), n, n), dtype=bool)
    for b, L in enumerate(lengths):
        first = 0 if side == "right" else n - L
        last = L if side == "right" else n
        for i in range(n):
            for j in range(n):
                m[b, i, j] = (j <= i) and (first <= j < last)
    return m


# ---- ex04.q5 : find the bug -------------------------------------------------
def _e04_scores(q, k):
    return q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])


@entry("fix_masked_attention", "fixes only the polarity: zeroes blocked weights after softmax, never renormalises")
def e04q5_polarity_only(q, k, v, mask=None):
    scores = _e04_scores(q, k)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = e / e.sum(axis=-1, keepdims=True)
    if mask is not None:
        weights = np.where(mask, weights, 0.0)
    return weights @ v, weights


@entry("fix_masked_attention", "fixes polarity and renormalises after zeroing: a fully masked row becomes 0/0 = NaN")
def e04q5_renormalise_nan(q, k, v, mask=None):
    scores = _e04_scores(q, k)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = e / e.sum(axis=-1, keepdims=True)
    if mask is not None:
        weights = np.where(mask, weights, 0.0)
        weights = weights / weights.sum(axis=-1, keepdims=True)
    return weights @ v, weights


@entry("fix_masked_attention", "moves the mask before the softmax with -inf but keeps the hand-written softmax: NaN on empty rows")
def e04q5_neg_inf_manual_softmax(q, k, v, mask=None):
    scores = _e04_scores(q, k)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = e / e.sum(axis=-1, keepdims=True)
    return weights @ v, weights


@entry("fix_masked_attention", "masks with -1e9 before al.softmax: an empty row gets uniform weights, not zeros")
def e04q5_big_negative_uniform(q, k, v, mask=None):
    scores = _e04_scores(q, k)
    if mask is not None:
        scores = np.where(mask, scores, -1e9)
    weights = _al_softmax(scores, axis=-1)
    return weights @ v, weights


@entry("fix_masked_attention", "moves the mask before the softmax but keeps the inverted polarity (hides the allowed keys)")
def e04q5_before_softmax_inverted(q, k, v, mask=None):
    scores = _e04_scores(q, k)
    if mask is not None:
        scores = np.where(mask, -np.inf, scores)
    weights = _al_softmax(scores, axis=-1)
    return weights @ v, weights


@entry("fix_masked_attention", "renormalises after zeroing with a guard: allowed weights underflow to 0 when a blocked key dominates")
def e04q5_guarded_renormalise_underflow(q, k, v, mask=None):
    scores = _e04_scores(q, k)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = e / e.sum(axis=-1, keepdims=True)
    if mask is not None:
        weights = np.where(mask, weights, 0.0)
        s = weights.sum(axis=-1, keepdims=True)
        weights = np.divide(weights, s, out=np.zeros_like(weights), where=s > 0)
    return weights @ v, weights


@entry("fix_masked_attention", "multiplies the scores by the mask: blocked keys get score 0, not -inf")
def e04q5_multiply_scores_by_mask(q, k, v, mask=None):
    scores = _e04_scores(q, k)
    if mask is not None:
        scores = scores * mask
    weights = _al_softmax(scores, axis=-1)
    return weights @ v, weights


@entry("fix_masked_attention", "-inf + hand softmax, then cleans the NaN from the output only: weights still NaN")
def e04q5_nan_cleaned_output_only(q, k, v, mask=None):
    scores = _e04_scores(q, k)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = e / e.sum(axis=-1, keepdims=True)
    return np.nan_to_num(weights @ v), weights


@entry("fix_masked_attention", "the expected repair: mask to -inf before the softmax, then al.softmax", kind="correct")
def e04q5_neg_inf_al_softmax(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    weights = _al_softmax(scores, axis=-1)
    return weights @ v, weights


@entry("fix_masked_attention", "hand softmax with max over the allowed keys only, exp zeroed where blocked, guarded divide", kind="correct")
def e04q5_masked_exp_guarded(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is None:
        mask = np.ones(scores.shape, dtype=bool)
    mask = np.broadcast_to(mask, scores.shape)
    m = np.max(np.where(mask, scores, -np.inf), axis=-1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    e = np.where(mask, np.exp(np.where(mask, scores, m) - m), 0.0)
    s = e.sum(axis=-1, keepdims=True)
    weights = e / np.where(s > 0, s, 1.0)
    return weights @ v, weights


@entry("fix_masked_attention", "-inf masking + hand softmax inside errstate, then nan_to_num on the weights", kind="correct")
def e04q5_nan_to_num_weights(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    with np.errstate(invalid="ignore"):
        e = np.exp(scores - scores.max(axis=-1, keepdims=True))
        weights = e / e.sum(axis=-1, keepdims=True)
    weights = np.nan_to_num(weights, nan=0.0)
    return weights @ v, weights


# ---- ex04.q6 : masked attention surviving empty rows ------------------------
@entry("masked_attention", "plain -inf masking with a max-shifted softmax: a fully masked row gives NaN")
def e04q6_neg_inf_nan_rows(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    w = e / e.sum(axis=-1, keepdims=True)
    return w @ v, w


@entry("masked_attention", "masks with -1e9: a fully masked row gets uniform weights and the mean value")
def e04q6_big_negative_uniform(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -1e9)
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    w = e / e.sum(axis=-1, keepdims=True)
    return w @ v, w


@entry("masked_attention", "handles empty rows with where-exp and a guarded divide, but no max shift: large scores overflow")
def e04q6_no_max_shift(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is None:
        mask = np.ones(s.shape, dtype=bool)
    e = np.where(mask, np.exp(s), 0.0)
    tot = e.sum(axis=-1, keepdims=True)
    w = np.divide(e, tot, out=np.zeros_like(e), where=tot > 0)
    return w @ v, w


@entry("masked_attention", "shifts by the max over ALL keys (blocked ones too): the allowed keys can underflow to 0")
def e04q6_max_includes_blocked(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is None:
        mask = np.ones(s.shape, dtype=bool)
    e = np.where(mask, np.exp(s - s.max(axis=-1, keepdims=True)), 0.0)
    tot = e.sum(axis=-1, keepdims=True)
    w = np.divide(e, tot, out=np.zeros_like(e), where=tot > 0)
    return w @ v, w


@entry("masked_attention", "mask polarity reversed: True treated as 'blocked'")
def e04q6_polarity_reversed(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, -np.inf, s)
    return _e04q6_safe_softmax_out(s, v)


def _e04q6_safe_softmax_out(s, v):
    m = s.max(axis=-1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    e = np.exp(s - m)
    tot = e.sum(axis=-1, keepdims=True)
    w = np.divide(e, tot, out=np.zeros_like(e), where=tot > 0)
    return w @ v, w


@entry("masked_attention", "softmax first, then zeroes the blocked weights: the rest no longer sums to 1")
def e04q6_mask_after_softmax(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    w = e / e.sum(axis=-1, keepdims=True)
    if mask is not None:
        w = np.where(mask, w, 0.0)
    return w @ v, w


@entry("masked_attention", "assumes the mask is always (n_q, n_k) and adds a batch axis with mask[None]: a (B,1,n_k) mask gains an axis")
def e04q6_mask_none_axis(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        if s.ndim > 2:
            mask = mask[None]
        s = np.where(mask, s, -np.inf)
    return _e04q6_safe_softmax_out(s, v)


@entry("masked_attention", "forgets the 1/sqrt(d) scale")
def e04q6_unscaled(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2)
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    return _e04q6_safe_softmax_out(s, v)


@entry("masked_attention", "replaces NaN weights with uniform 1/n_k (thinks an empty row should average)")
def e04q6_nan_to_uniform(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    with np.errstate(invalid="ignore"):
        e = np.exp(s - s.max(axis=-1, keepdims=True))
        w = e / e.sum(axis=-1, keepdims=True)
    w = np.where(np.isnan(w), 1.0 / s.shape[-1], w)
    return w @ v, w


@entry("masked_attention", "max over allowed keys (finite-guarded), exp zeroed where blocked, divide where the sum is > 0", kind="correct")
def e04q6_where_exp_guarded(q, k, v, mask=None):
    q = np.asarray(q, float); k = np.asarray(k, float); v = np.asarray(v, float)
    s = np.einsum("...id,...jd->...ij", q, k) / math.sqrt(q.shape[-1])
    allowed = np.ones(s.shape, bool) if mask is None else np.broadcast_to(np.asarray(mask, bool), s.shape)
    s_m = np.where(allowed, s, -np.inf)
    m = s_m.max(axis=-1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    e = np.where(allowed, np.exp(np.where(allowed, s, m) - m), 0.0)
    tot = e.sum(axis=-1, keepdims=True)
    w = np.divide(e, tot, out=np.zeros_like(e), where=tot > 0)
    return w @ v, w


@entry("masked_attention", "log-sum-exp in the log domain; empty rows detected with any() and zeroed", kind="correct")
def e04q6_logsumexp_any(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is None:
        mask = np.ones_like(s, dtype=bool)
    mask = np.broadcast_to(mask, s.shape)
    has_any = mask.any(axis=-1, keepdims=True)
    s = np.where(mask, s, -np.inf)
    m = np.where(has_any, s.max(axis=-1, keepdims=True), 0.0)
    with np.errstate(divide="ignore"):
        lse = m + np.log(np.exp(s - m).sum(axis=-1, keepdims=True))
    logw = np.where(has_any & mask, s - np.where(has_any, lse, 0.0), -np.inf)
    w = np.exp(logw)
    return w @ v, w


@entry("masked_attention", "adds a tiny eps to the denominator instead of a guard (weights sum to 1 within 1e-9)", kind="correct")
def e04q6_eps_denominator(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    m = s.max(axis=-1, keepdims=True)
    m = np.where(m == -np.inf, 0.0, m)
    e = np.exp(s - m)
    w = e / (e.sum(axis=-1, keepdims=True) + 1e-12)
    return w @ v, w


EXPECTED = {
    "e00q1_output_uses_query_dim": "output_uses_d_k",
    "e00q1_scores_transposed": "transposed_kq",
    "e00q1_output_one_per_key": "output_rows_from_keys",
    "e00q1_qtk_feature_square": "transposed_qtk",
    "e00q1_output_not_summed": "output_not_summed",
    "e00q1_weights_collapsed": "weights_reduced",
    "e00q2_scaled_by_sqrt_d": "scaled_scores",
    "e00q2_normalise_without_exp": "hard_attention",
    "e00q2_hard_argmax": "hard_attention",
    "e00q2_cosine_scores": "used_cosine",
    "e00q2_unnormalised_exp": "missing_normalisation",
    "e00q2_denominator_missing_one": "dropped_zero_score",
    "e00q2_softmax_of_negative_scores": "sign_flipped",
    "e00q3_uniform_average": "uniform_average",
    "e00q3_weights_times_keys": "output_from_keys",
    "e00q3_components_swapped": "wrong_order",
    "e00q3_scores_as_weights": "scores_as_weights",
    "e00q3_mean_of_weighted_values": None,
    "e00q3_scaled_weights": "scaled_scores",
    "e00q3_hard_tie_average": "hard_attention",
    "e01q1_unscaled": "no_sqrt_d_scaling",
    "e01q1_divide_by_d": "scaled_by_d",
    "e01q1_dot_T_not_batched": "transpose_all_axes",
    "e01q1_d_from_first_axis": "scaled_by_wrong_dimension",
    "e01q1_scale_by_num_keys": "scaled_by_wrong_dimension",
    "e01q1_inplace_scale_query": "mutates_input",
    "e01q1_keys_by_queries": "transposed_kq",
    "e01q2_times_temperature": "temperature_multiplied",
    "e01q2_no_eps": "cosine_no_eps",
    "e01q2_norm_over_tokens": "norm_wrong_axis",
    "e01q2_only_query_normalised": "cosine_one_side",
    "e01q2_squared_norms": "cosine_squared_norm",
    "e01q2_frobenius_norm": "norm_no_axis",
    "e01q2_cosine_distance": "cosine_distance",
    "e01q3_no_minus": "rbf_positive_sign",
    "e01q3_missing_two": "rbf_missing_two",
    "e01q3_tau_not_squared": "rbf_tau_not_squared",
    "e01q3_unsquared_distance": "rbf_not_squared",
    "e01q3_expansion_sign": "rbf_expansion_wrong",
    "e01q3_expansion_missing_two": "rbf_expansion_wrong",
    "e01q3_broadcast_2d_only": "broadcast_mismatch",
    "e02q1_no_max_shift": "no_max_subtraction",
    "e02q1_global_max": "global_max_subtraction",
    "e02q1_sum_last_axis_only": "axis_argument_ignored",
    "e02q1_no_keepdims": "missing_keepdims",
    "e02q1_subtract_min": "no_max_subtraction",
    "e02q1_inplace_shift": "mutates_input",
    "e02q1_subtract_mean": "no_max_subtraction",
    "e02q1_returns_log_softmax": "log_applied",
    "e02q2_multiply_temperature": "temperature_multiplied",
    "e02q2_divide_after_softmax": "temperature_after_softmax",
    "e02q2_axis_zero": "softmax_wrong_axis",
    "e02q2_floor_division": "rounded_to_whole",
    "e02q2_naive_exp_overflow": "no_max_subtraction",
    "e02q2_power_not_renormalised": "missing_normalisation",
    "e02q3_ignores_third_score": "dropped_zero_score",
    "e02q3_returns_beta": "temperature_multiplied",
    "e02q3_top_vs_bottom_only": "score_left_out",
    "e02q3_coarse_grid": "imprecise",
    "e02q3_log10": "wrong_log_base",
    "e02q3_first_order_approx": None,
    "e03q1_mean_label": "large_bandwidth_limit",
    "e03q1_two_nearest_average": "knn_not_1nn",
    "e03q1_bracketing_average": "knn_not_1nn",
    "e03q1_returns_x_not_y": "returned_input_not_label",
    "e03q1_linear_interpolation": "interpolated",
    "e03q1_left_neighbour": None,
    "e03q2_no_half": "kernel_missing_half",
    "e03q2_tau_not_squared": "bandwidth_not_squared",
    "e03q2_no_normalisation": "missing_normalisation",
    "e03q2_normalise_over_queries": "softmax_wrong_axis",
    "e03q2_positive_exponent": "rbf_positive_sign",
    "e03q2_laplace_kernel": "rbf_not_squared",
    "e03q2_mean_instead_of_normalise": "missing_normalisation",
    "e03q3_keeps_lowest": "topk_smallest",
    "e03q3_unscaled": "no_sqrt_d_scaling",
    "e03q3_zero_instead_of_neg_inf": "masked_to_zero",
    "e03q3_zero_after_softmax": "topk_not_renormalised",
    "e03q3_keeps_one_extra": "topk_wrong_count",
    "e03q3_strict_greater": "comparison_strict",
    "e03q3_topk_over_queries": "topk_wrong_axis",
    "e03q3_rank_by_magnitude": None,
    "e04q1_upper_triangle": "causal_allows_future",
    "e04q1_strict_lower": "causal_excludes_diagonal",
    "e04q1_float_dtype": "float_mask",
    "e04q1_true_means_blocked": "mask_polarity_inverted",
    "e04q1_uint8": "float_mask",
    "e04q2_upper_triangle": "causal_allows_future",
    "e04q2_strict": "causal_excludes_diagonal",
    "e04q2_one_based_keys": "counted_from_one",
    "e04q2_all_keys": "causal_allows_future",
    "e04q2_reads_column": "read_column_not_row",
    "e04q2_unsorted_keys": "keys_not_sorted",
    "e04q3_off_by_one": "padding_off_by_one",
    "e04q3_missing_query_axis": "padding_missing_query_axis",
    "e04q3_axis_last": "padding_on_queries",
    "e04q3_true_at_padding": "mask_polarity_inverted",
    "e04q3_int_dtype": "float_mask",
    "e04q3_left_padded": "mask_mirrored",
    "e04q4_ignores_side": "padding_side_ignored",
    "e04q4_left_off_by_one": "padding_off_by_one",
    "e04q4_or_instead_of_and": "causal_allows_future",
    "e04q4_padding_on_queries": "padding_on_queries",
    "e04q4_pad_queries_blanked": "padding_on_queries",
    "e04q4_left_as_mirror": "causal_allows_future",
    "e04q4_multiply_int": "float_mask",
    "e04q5_polarity_only": "mask_after_softmax",
    "e04q5_renormalise_nan": "fully_masked_row_nan",
    "e04q5_neg_inf_manual_softmax": "fully_masked_row_nan",
    "e04q5_big_negative_uniform": "fully_masked_row_uniform",
    "e04q5_before_softmax_inverted": "mask_polarity_inverted",
    "e04q5_guarded_renormalise_underflow": "max_not_per_row",
    "e04q5_multiply_scores_by_mask": "masked_to_zero",
    "e04q5_nan_cleaned_output_only": None,
    "e04q6_neg_inf_nan_rows": "fully_masked_row_nan",
    "e04q6_big_negative_uniform": "fully_masked_row_uniform",
    "e04q6_no_max_shift": "no_max_subtraction",
    "e04q6_max_includes_blocked": "max_not_per_row",
    "e04q6_polarity_reversed": "mask_polarity_inverted",
    "e04q6_mask_after_softmax": "mask_after_softmax",
    "e04q6_mask_none_axis": None,
    "e04q6_unscaled": "no_sqrt_d_scaling",
    "e04q6_nan_to_uniform": None,
}

JUDGED = {
    "e00q1_output_uses_query_dim": "named",
    "e00q1_scores_transposed": "named",
    "e00q1_output_one_per_key": "named",
    "e00q1_qtk_feature_square": "named",
    "e00q1_output_not_summed": "named",
    "e00q1_weights_collapsed": "named",
    "e00q1_shapes_from_dummy_arrays": "accepted",
    "e00q1_numpy_int_tuples": "accepted",
    "e00q2_scaled_by_sqrt_d": "named",
    "e00q2_normalise_without_exp": "named",
    "e00q2_hard_argmax": "named",
    "e00q2_cosine_scores": "named",
    "e00q2_unnormalised_exp": "named",
    "e00q2_denominator_missing_one": "named",
    "e00q2_softmax_of_negative_scores": "named",
    "e00q2_closed_form_fractions": "accepted",
    "e00q2_pairwise_difference_form": "accepted",
    "e00q3_uniform_average": "named",
    "e00q3_weights_times_keys": "named",
    "e00q3_components_swapped": "named",
    "e00q3_scores_as_weights": "named",
    "e00q3_mean_of_weighted_values": "vague",
    "e00q3_scaled_weights": "named",
    "e00q3_hard_tie_average": "named",
    "e00q3_closed_form": "accepted",
    "e00q3_loop_accumulate": "accepted",
    "e01q1_unscaled": "named",
    "e01q1_divide_by_d": "named",
    "e01q1_dot_T_not_batched": "named",
    "e01q1_d_from_first_axis": "named",
    "e01q1_scale_by_num_keys": "named",
    "e01q1_inplace_scale_query": "named",
    "e01q1_keys_by_queries": "named",
    "e01q1_einsum": "accepted",
    "e01q1_split_quarter_power": "accepted",
    "e01q2_times_temperature": "named",
    "e01q2_no_eps": "named",
    "e01q2_norm_over_tokens": "named",
    "e01q2_only_query_normalised": "named",
    "e01q2_squared_norms": "named",
    "e01q2_frobenius_norm": "named",
    "e01q2_cosine_distance": "named",
    "e01q2_einsum_outer_norms": "accepted",
    "e01q2_temperature_on_queries": "accepted",
    "e01q3_no_minus": "named",
    "e01q3_missing_two": "named",
    "e01q3_tau_not_squared": "named",
    "e01q3_unsquared_distance": "named",
    "e01q3_expansion_sign": "named",
    "e01q3_expansion_missing_two": "named",
    "e01q3_broadcast_2d_only": "named",
    "e01q3_expansion_clipped": "accepted",
    "e01q3_prescaled_expand_dims": "accepted",
    "e02q1_no_max_shift": "named",
    "e02q1_global_max": "named",
    "e02q1_sum_last_axis_only": "named",
    "e02q1_no_keepdims": "named",
    "e02q1_subtract_min": "named",
    "e02q1_inplace_shift": "named",
    "e02q1_subtract_mean": "named",
    "e02q1_returns_log_softmax": "named",
    "e02q1_exp_minus_logsumexp": "accepted",
    "e02q1_moveaxis": "accepted",
    "e02q2_multiply_temperature": "named",
    "e02q2_divide_after_softmax": "named",
    "e02q2_axis_zero": "named",
    "e02q2_floor_division": "named",
    "e02q2_naive_exp_overflow": "named",
    "e02q2_power_not_renormalised": "named",
    "e02q2_shift_then_divide": "accepted",
    "e02q2_inverse_temperature_beta": "accepted",
    "e02q3_ignores_third_score": "named",
    "e02q3_returns_beta": "named",
    "e02q3_top_vs_bottom_only": "named",
    "e02q3_coarse_grid": "named",
    "e02q3_log10": "named",
    "e02q3_first_order_approx": "vague",
    "e02q3_closed_form": "accepted",
    "e02q3_bisection": "accepted",
    "e03q1_mean_label": "named",
    "e03q1_two_nearest_average": "named",
    "e03q1_bracketing_average": "named",
    "e03q1_returns_x_not_y": "named",
    "e03q1_linear_interpolation": "named",
    "e03q1_left_neighbour": "vague",
    "e03q1_argmin": "accepted",
    "e03q1_tiny_bandwidth_log_domain": "accepted",
    "e03q2_no_half": "named",
    "e03q2_tau_not_squared": "named",
    "e03q2_no_normalisation": "named",
    "e03q2_normalise_over_queries": "named",
    "e03q2_positive_exponent": "named",
    "e03q2_laplace_kernel": "named",
    "e03q2_mean_instead_of_normalise": "named",
    "e03q2_log_domain_softmax": "accepted",
    "e03q2_loop_over_queries": "accepted",
    "e03q2_einsum": "accepted",
    "e03q3_keeps_lowest": "named",
    "e03q3_unscaled": "named",
    "e03q3_zero_instead_of_neg_inf": "named",
    "e03q3_zero_after_softmax": "named",
    "e03q3_keeps_one_extra": "named",
    "e03q3_strict_greater": "named",
    "e03q3_topk_over_queries": "named",
    "e03q3_rank_by_magnitude": "another",
    "e03q3_partition_threshold": "accepted",
    "e03q3_loop_per_query": "accepted",
    "e04q1_upper_triangle": "named",
    "e04q1_strict_lower": "named",
    "e04q1_float_dtype": "named",
    "e04q1_true_means_blocked": "named",
    "e04q1_uint8": "named",
    "e04q1_arange_compare": "accepted",
    "e04q1_np_tri_bool": "accepted",
    "e04q2_upper_triangle": "named",
    "e04q2_strict": "named",
    "e04q2_one_based_keys": "named",
    "e04q2_all_keys": "named",
    "e04q2_reads_column": "named",
    "e04q2_unsorted_keys": "named",
    "e04q2_booleans": "accepted",
    "e04q2_numpy_tolist": "accepted",
    "e04q3_off_by_one": "named",
    "e04q3_missing_query_axis": "named",
    "e04q3_axis_last": "named",
    "e04q3_true_at_padding": "named",
    "e04q3_int_dtype": "named",
    "e04q3_left_padded": "named",
    "e04q3_loop_slices": "accepted",
    "e04q3_less_expand_dims": "accepted",
    "e04q4_ignores_side": "named",
    "e04q4_left_off_by_one": "named",
    "e04q4_or_instead_of_and": "named",
    "e04q4_padding_on_queries": "named",
    "e04q4_pad_queries_blanked": "named",
    "e04q4_left_as_mirror": "named",
    "e04q4_multiply_int": "named",
    "e04q4_index_grids": "accepted",
    "e04q4_triple_loop": "accepted",
    "e04q5_polarity_only": "named",
    "e04q5_renormalise_nan": "named",
    "e04q5_neg_inf_manual_softmax": "named",
    "e04q5_big_negative_uniform": "named",
    "e04q5_before_softmax_inverted": "named",
    "e04q5_guarded_renormalise_underflow": "named",
    "e04q5_multiply_scores_by_mask": "named",
    "e04q5_nan_cleaned_output_only": "vague",
    "e04q5_neg_inf_al_softmax": "accepted",
    "e04q5_masked_exp_guarded": "accepted",
    "e04q5_nan_to_num_weights": "accepted",
    "e04q6_neg_inf_nan_rows": "named",
    "e04q6_big_negative_uniform": "named",
    "e04q6_no_max_shift": "named",
    "e04q6_max_includes_blocked": "named",
    "e04q6_polarity_reversed": "named",
    "e04q6_mask_after_softmax": "named",
    "e04q6_mask_none_axis": "vague",
    "e04q6_unscaled": "named",
    "e04q6_nan_to_uniform": "another",
    "e04q6_where_exp_guarded": "accepted",
    "e04q6_logsumexp_any": "accepted",
    "e04q6_eps_denominator": "accepted",
}
