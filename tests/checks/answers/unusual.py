"""Correct but unusual answers for exercises 00-03: every one must be accepted.

Written blind by a tester (scratch/bank_dev/right.py) and checked by them against an independent
reference on batched, 4-D, non-square, large-value, zero-vector and tie inputs. Kept as written,
except that the one_nn_limit answers use the question's new data (x = [0, 2, 5, 6],
y = [1, -3, -1, 4], query 4.7). ``EXTRA`` holds more spellings written for this test suite.
"""
import functools
import math

import numpy as np

BANK = []
EXTRA = []


def entry(exercise_id, idea, bank=BANK):
    """idea: in plain words, what is unusual about this correct answer."""
    def register(fn):
        bank.append({"id": exercise_id, "idea": idea, "name": fn.__name__, "fn": fn})
        return fn
    return register


# ---------------------------------------------------------------------------------------------
# 00_welcome · attention_shapes
# ---------------------------------------------------------------------------------------------

@entry("attention_shapes", "derives the shapes by actually multiplying empty arrays (tuples of Python ints from .shape)")
def shapes_by_computation():
    Q, K, V = np.empty((5, 16)), np.empty((7, 16)), np.empty((7, 32))
    S = Q @ K.T
    O = S @ V
    return S.shape, S.shape, O.shape


@entry("attention_shapes", "shapes given as tuples of numpy int64 scalars instead of Python ints")
def shapes_numpy_ints():
    n_q, n_k, d_v = np.int64(5), np.int64(7), np.int64(32)
    return (n_q, n_k), (n_q, n_k), (n_q, d_v)


@entry("attention_shapes", "shapes given as lists [5, 7] inside a list instead of tuples inside a tuple")
def shapes_as_lists():
    return [[5, 7], [5, 7], [5, 32]]


# ---------------------------------------------------------------------------------------------
# 00_welcome · worked_example_weights
# ---------------------------------------------------------------------------------------------

@entry("worked_example_weights", "a plain Python list of fractions written with math.e")
def weights_list_math_e():
    e = math.e
    return [e / (2 * e + 1), 1 / (2 * e + 1), e / (2 * e + 1)]


@entry("worked_example_weights", "float32 array computed from the scores with np.exp")
def weights_float32():
    s = np.array([[1, 0], [0, 1], [1, 1]], dtype=np.float32) @ np.array([1, 0], dtype=np.float32)
    w = np.exp(s)
    return (w / w.sum()).astype(np.float32)


@entry("worked_example_weights", "a tuple, written with e^(-1): 1/(2 + e^-1) and e^-1/(2 + e^-1)")
def weights_tuple_inverse_e():
    r = math.exp(-1)
    a = 1 / (2 + r)
    return (a, r / (2 + r), a)


@entry("worked_example_weights", "log-sum-exp: exp(s − log Σ exp s) in numpy")
def weights_logsumexp():
    s = np.array([1.0, 0.0, 1.0])
    return np.exp(s - np.log(np.sum(np.exp(s))))


# ---------------------------------------------------------------------------------------------
# 00_welcome · worked_example_output
# ---------------------------------------------------------------------------------------------

@entry("worked_example_output", "a tuple of fractions with math.e: (15e/(2e+1), (10+5e)/(2e+1))")
def output_tuple_math_e():
    e = math.e
    return (15 * e / (2 * e + 1), (10 + 5 * e) / (2 * e + 1))


@entry("worked_example_output", "computed end to end with einsum from q, K, V")
def output_einsum():
    q = np.array([1.0, 0.0])
    K = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    V = np.array([[10.0, 0.0], [0.0, 10.0], [5.0, 5.0]])
    s = np.einsum("d,kd->k", q, K)
    a = np.exp(s - s.max())
    a /= a.sum()
    return np.einsum("k,kv->v", a, V)


@entry("worked_example_output", "a list, with o₂ written as 10 − o₁ (every value's two components sum to 10 and the weights sum to 1)")
def output_list_complement():
    e = math.e
    o1 = 15 * e / (2 * e + 1)
    return [o1, 10 - o1]


@entry("worked_example_output", "float32 array from V.T @ alpha (transpose on the value side)")
def output_float32():
    e = np.float32(np.e)
    alpha = np.array([e, 1, e], dtype=np.float32) / (2 * e + 1)
    V = np.array([[10, 0], [0, 10], [5, 5]], dtype=np.float32)
    return V.T @ alpha


# ---------------------------------------------------------------------------------------------
# 01_similarity · scaled_dot_scores(Q, K)
# ---------------------------------------------------------------------------------------------

@entry("scaled_dot_scores", "einsum with an ellipsis '...qd,...kd->...qk'")
def sdot_einsum(Q, K):
    return np.einsum("...qd,...kd->...qk", Q, K) / np.sqrt(Q.shape[-1])


@entry("scaled_dot_scores", "splits the scaling: divides Q and K each by d**0.25 before np.matmul with np.moveaxis")
def sdot_split_scaling(Q, K):
    c = Q.shape[-1] ** 0.25
    return np.matmul(Q / c, np.moveaxis(K / c, -1, -2))


@entry("scaled_dot_scores", "loop over np.ndindex of the broadcast leading axes, np.dot on each 2-D slice (any number of batch axes)")
def sdot_ndindex_loop(Q, K):
    Q, K = np.asarray(Q, dtype=float), np.asarray(K, dtype=float)
    lead = np.broadcast_shapes(Q.shape[:-2], K.shape[:-2])
    Qb = np.broadcast_to(Q, lead + Q.shape[-2:])
    Kb = np.broadcast_to(K, lead + K.shape[-2:])
    out = np.empty(lead + (Q.shape[-2], K.shape[-2]))
    for idx in np.ndindex(*lead):
        out[idx] = np.dot(Qb[idx], Kb[idx].T) / math.sqrt(Q.shape[-1])
    return out


@entry("scaled_dot_scores", "broadcast elementwise product and sum over the feature axis (no matmul)")
def sdot_broadcast_sum(Q, K):
    return (Q[..., :, None, :] * K[..., None, :, :]).sum(axis=-1) / np.sqrt(Q.shape[-1])


@entry("scaled_dot_scores", "multiplies by the reciprocal 1/sqrt(d) computed with math, transposes with swapaxes(-2, -1)")
def sdot_reciprocal(Q, K):
    inv = 1.0 / math.sqrt(K.shape[-1])
    return inv * (Q @ K.swapaxes(-2, -1))


# ---------------------------------------------------------------------------------------------
# 01_similarity · cosine_scores(Q, K, tau)
# ---------------------------------------------------------------------------------------------

def _swap(a):
    return np.swapaxes(a, -1, -2)


@entry("cosine_scores", "divides the dot products by the outer product (‖q‖+eps)(‖k‖+eps) instead of normalising first")
def cos_outer_norms(Q, K, tau):
    eps = 1e-9
    nq = np.linalg.norm(Q, axis=-1) + eps
    nk = np.linalg.norm(K, axis=-1) + eps
    return (Q @ _swap(K)) / (nq[..., :, None] * nk[..., None, :]) / tau


@entry("cosine_scores", "eps via np.maximum(norm, 1e-9) instead of norm + eps")
def cos_maximum(Q, K, tau):
    Qn = Q / np.maximum(np.linalg.norm(Q, axis=-1, keepdims=True), 1e-9)
    Kn = K / np.maximum(np.linalg.norm(K, axis=-1, keepdims=True), 1e-9)
    return np.matmul(Qn, _swap(Kn)) / tau


@entry("cosine_scores", "eps inside the square root: sqrt(Σx² + 1e-18), einsum for the norms and the product")
def cos_eps_in_sqrt(Q, K, tau):
    nq = np.sqrt(np.einsum("...d,...d->...", Q, Q) + 1e-18)[..., None]
    nk = np.sqrt(np.einsum("...d,...d->...", K, K) + 1e-18)[..., None]
    return np.einsum("...qd,...kd->...qk", Q / nq, K / nk) / tau


@entry("cosine_scores", "replaces zero norms by 1 with np.where instead of adding eps (a zero vector then scores 0)")
def cos_where_zero(Q, K, tau):
    def unit(M):
        n = np.sqrt(np.sum(M * M, axis=-1, keepdims=True))
        return M / np.where(n == 0, 1.0, n)
    return unit(Q) @ _swap(unit(K)) * (1.0 / tau)


@entry("cosine_scores", "applies 1/τ to the normalised queries before the product; loops over batch entries with np.ndindex (any leading axes)")
def cos_loop_batches(Q, K, tau):
    Q, K = np.asarray(Q, dtype=float), np.asarray(K, dtype=float)
    lead = np.broadcast_shapes(Q.shape[:-2], K.shape[:-2])
    Qb = np.broadcast_to(Q, lead + Q.shape[-2:])
    Kb = np.broadcast_to(K, lead + K.shape[-2:])
    out = np.zeros(lead + (Q.shape[-2], K.shape[-2]))
    for idx in np.ndindex(*lead):
        q, k = Qb[idx], Kb[idx]
        qn = q / (np.linalg.norm(q, axis=1, keepdims=True) + 1e-9) / tau
        kn = k / (np.linalg.norm(k, axis=1, keepdims=True) + 1e-9)
        out[idx] = qn @ kn.T
    return out


# ---------------------------------------------------------------------------------------------
# 01_similarity · rbf_scores(Q, K, tau)
# ---------------------------------------------------------------------------------------------

@entry("rbf_scores", "‖q‖² + ‖k‖² − 2q·k expansion, clipped at 0 with np.maximum")
def rbf_expansion_clipped(Q, K, tau):
    qq = np.sum(Q**2, axis=-1)[..., :, None]
    kk = np.sum(K**2, axis=-1)[..., None, :]
    sq = np.maximum(qq + kk - 2 * Q @ _swap(K), 0.0)
    return -sq / (2 * tau**2)


@entry("rbf_scores", "‖q‖² + ‖k‖² − 2q·k expansion without clipping (tiny positive scores possible from rounding)")
def rbf_expansion_raw(Q, K, tau):
    qq = np.einsum("...id,...id->...i", Q, Q)
    kk = np.einsum("...jd,...jd->...j", K, K)
    cross = np.einsum("...id,...jd->...ij", Q, K)
    return (2 * cross - qq[..., :, None] - kk[..., None, :]) / (2 * tau * tau)


@entry("rbf_scores", "einsum of the broadcast differences with themselves")
def rbf_einsum_diff(Q, K, tau):
    D = Q[..., :, None, :] - K[..., None, :, :]
    return -np.einsum("...ijd,...ijd->...ij", D, D) / (2 * tau**2)


@entry("rbf_scores", "divides the inputs by τ first, then −½ of the squared distance via np.linalg.norm(...)**2")
def rbf_prescaled(Q, K, tau):
    Qs, Ks = Q / tau, K / tau
    dist = np.linalg.norm(Qs[..., :, None, :] - Ks[..., None, :, :], axis=-1)
    return -0.5 * dist**2


@entry("rbf_scores", "helper function with np.subtract and np.square, tau applied with math.pow")
def rbf_helper(Q, K, tau):
    def sqdist(a, b):
        return np.square(np.subtract(a[..., :, np.newaxis, :], b[..., np.newaxis, :, :])).sum(-1)
    return np.negative(sqdist(Q, K)) / (2.0 * math.pow(tau, 2))


# ---------------------------------------------------------------------------------------------
# 02_softmax_temperature · softmax(x, axis=-1)
# ---------------------------------------------------------------------------------------------

@entry("softmax", "log-sum-exp form: exp(x − m − log Σ exp(x − m)) with no division")
def sm_logsumexp(x, axis=-1):
    m = np.max(x, axis=axis, keepdims=True)
    lse = m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))
    return np.exp(x - lse)


@entry("softmax", "np.apply_along_axis with a 1-D stable softmax helper (works for any ndim and axis)")
def sm_apply_along_axis(x, axis=-1):
    def one(v):
        e = np.exp(v - v.max())
        return e / e.sum()
    return np.apply_along_axis(one, axis, np.asarray(x, dtype=float))


@entry("softmax", "moves axis to the end, reshapes to 2-D and loops over rows with math.exp and math.fsum")
def sm_rows_math(x, axis=-1):
    x = np.asarray(x, dtype=float)
    moved = np.moveaxis(x, axis, -1)
    flat = moved.reshape(-1, moved.shape[-1])
    out = np.empty_like(flat)
    for r, row in enumerate(flat):
        m = max(row)
        ex = [math.exp(v - m) for v in row]
        z = math.fsum(ex)
        out[r] = [v / z for v in ex]
    return np.moveaxis(out.reshape(moved.shape), -1, axis)


@entry("softmax", "shift in float64, exponentiate and normalise in float32 (float32 result)")
def sm_float32(x, axis=-1):
    shifted = np.asarray(x, dtype=float) - np.max(x, axis=axis, keepdims=True)
    e = np.exp(shifted.astype(np.float32))
    return e / e.sum(axis=axis, keepdims=True, dtype=np.float32)


@entry("softmax", "in-place ops on a copy: subtract, np.exp(out=), multiply by the reciprocal of the sum")
def sm_inplace_copy(x, axis=-1):
    z = np.array(x, dtype=float, copy=True)
    z -= z.max(axis=axis, keepdims=True)
    np.exp(z, out=z)
    z *= 1.0 / z.sum(axis=axis, keepdims=True)
    return z


# ---------------------------------------------------------------------------------------------
# 02_softmax_temperature · softmax_temperature(x, tau)
# ---------------------------------------------------------------------------------------------

def _softmax(x, axis=-1):
    m = np.max(x, axis=axis, keepdims=True)
    e = np.exp(x - m)
    return e / np.sum(e, axis=axis, keepdims=True)


@entry("softmax_temperature", "multiplies by the inverse temperature β = 1/τ")
def st_beta(x, tau):
    beta = 1.0 / tau
    return _softmax(np.asarray(x) * beta)


@entry("softmax_temperature", "subtracts the max BEFORE dividing by τ: exp((x − max)/τ)")
def st_shift_then_divide(x, tau):
    z = (x - np.max(x, axis=-1, keepdims=True)) / tau
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


@entry("softmax_temperature", "in log space: log_softmax(x)/τ and a softmax again (same as softmax(x/τ) because log_softmax is x shifted)")
def st_log_domain(x, tau):
    x = np.asarray(x, dtype=float)
    m = x.max(axis=-1, keepdims=True)
    logp = x - m - np.log(np.exp(x - m).sum(axis=-1, keepdims=True))
    return _softmax(logp / tau)


@entry("softmax_temperature", "functools.partial of a general softmax with axis=-1 and a reshape to rows")
def st_partial(x, tau):
    x = np.asarray(x, dtype=float)
    rows = functools.partial(_softmax, axis=-1)
    return rows((x / tau).reshape(-1, x.shape[-1])).reshape(x.shape)


# ---------------------------------------------------------------------------------------------
# 02_softmax_temperature · temperature_for_target()
# ---------------------------------------------------------------------------------------------

@entry("temperature_for_target", "closed form: with t = e^(1/τ), t²/(t² + t + 1) = 0.9 gives t² − 9t − 9 = 0, so τ = 1/ln((9 + √117)/2)")
def tt_closed_form():
    return 1 / math.log((9 + math.sqrt(117)) / 2)


@entry("temperature_for_target", "numpy bisection over [0.01, 100], returns a numpy float64")
def tt_bisection():
    def top(tau):
        s = np.array([2.0, 1.0, 0.0]) / tau
        e = np.exp(s - s.max())
        return e[0] / e.sum()
    lo, hi = np.float64(0.01), np.float64(100.0)
    for _ in range(80):
        mid = (lo + hi) / 2
        if top(mid) > 0.9:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


@entry("temperature_for_target", "Newton's method on β = 1/τ for f(β) = 0.1 e^(2β) − 0.9 e^β − 0.9, then returns 1/β as np.float32")
def tt_newton_float32():
    beta = 3.0
    for _ in range(50):
        f = 0.1 * math.exp(2 * beta) - 0.9 * math.exp(beta) - 0.9
        df = 0.2 * math.exp(2 * beta) - 0.9 * math.exp(beta)
        beta -= f / df
    return np.float32(1 / beta)


# ---------------------------------------------------------------------------------------------
# 03_soft_knn · one_nn_limit()
# ---------------------------------------------------------------------------------------------

@entry("one_nn_limit", "numpy argmin of the distances, returned as a numpy float64 scalar")
def nn_argmin():
    x = np.array([0.0, 2.0, 5.0, 6.0])
    y = np.array([1.0, -3.0, -1.0, 4.0])
    return y[np.argmin(np.abs(x - 4.7))]


@entry("one_nn_limit", "evaluates kernel regression at h = 1e-3 in log space (softmax of −u²/2), which is −1.0 to machine precision")
def nn_stable_small_h():
    x = np.array([0.0, 2.0, 5.0, 6.0])
    y = np.array([1.0, -3.0, -1.0, 4.0])
    s = -0.5 * ((4.7 - x) / 1e-3) ** 2
    w = np.exp(s - s.max())
    return float(w @ y / w.sum())


@entry("one_nn_limit", "the plain Python int −1, found with min(zip(...)) over (distance, label) pairs")
def nn_python_int():
    pairs = zip([abs(4.7 - xi) for xi in (0, 2, 5, 6)], (1, -3, -1, 4), strict=True)
    return min(pairs)[1]


# ---------------------------------------------------------------------------------------------
# 03_soft_knn · kernel_regression(x_query, x_train, y_train, bandwidth)
# ---------------------------------------------------------------------------------------------

@entry("kernel_regression", "stable: softmax of the RBF scores −u²/2 with the row max subtracted (also fine far from the data)")
def kr_stable(x_query, x_train, y_train, bandwidth):
    xq = np.asarray(x_query, dtype=float)
    xt = np.asarray(x_train, dtype=float)
    s = -0.5 * np.square(np.subtract.outer(xq, xt) / bandwidth)
    w = np.exp(s - s.max(axis=1, keepdims=True))
    return w @ np.asarray(y_train, dtype=float) / w.sum(axis=1)


@entry("kernel_regression", "a Python loop over the queries, with np.average(weights=...) for each")
def kr_loop_average(x_query, x_train, y_train, bandwidth):
    out = []
    for xq in np.asarray(x_query, dtype=float):
        k = np.exp(-((xq - np.asarray(x_train)) ** 2) / (2 * bandwidth**2))
        out.append(np.average(y_train, weights=k))
    return np.array(out)


@entry("kernel_regression", "attention form: einsum of the normalised weight matrix with the labels as 1-column values")
def kr_attention_einsum(x_query, x_train, y_train, bandwidth):
    Q = np.asarray(x_query, dtype=float)[:, None] / bandwidth
    Kt = np.asarray(x_train, dtype=float)[:, None] / bandwidth
    Vy = np.asarray(y_train, dtype=float)[:, None]
    s = -0.5 * np.sum((Q[:, None, :] - Kt[None, :, :]) ** 2, axis=-1)
    a = np.exp(s)
    a /= a.sum(axis=-1, keepdims=True)
    return np.einsum("qn,nv->qv", a, Vy)[:, 0]


# ---------------------------------------------------------------------------------------------
# 03_soft_knn · top_k_attention(q, K, V, k)
# ---------------------------------------------------------------------------------------------

@entry("top_k_attention", "masks with −1e9 instead of −inf")
def topk_minus_1e9(q, K, V, k):
    s = q @ K.T / np.sqrt(q.shape[-1])
    kth = np.sort(s, axis=-1)[:, [-k]]
    z = np.where(s >= kth, s, -1e9)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    w = e / e.sum(axis=-1, keepdims=True)
    return w @ V, w


@entry("top_k_attention", "softmax over all keys first, then zeroes the dropped ones and renormalises (equivalent)")
def topk_renormalise(q, K, V, k):
    s = np.einsum("qd,kd->qk", q, K) / math.sqrt(q.shape[-1])
    w = np.exp(s - s.max(axis=-1, keepdims=True))
    w /= w.sum(axis=-1, keepdims=True)
    kth = -np.sort(-s, axis=-1)[:, k - 1:k]
    w = w * (s >= kth)
    w = w / w.sum(axis=-1, keepdims=True)
    return w @ V, w


@entry("top_k_attention", "threshold from np.partition, mask multiplied in after a stable exp")
def topk_partition(q, K, V, k):
    s = np.matmul(q, K.T) / np.sqrt(K.shape[-1])
    n = s.shape[-1]
    kth = np.partition(s, n - k, axis=-1)[:, n - k][:, None]
    keep = s >= kth
    e = np.exp(s - s.max(axis=-1, keepdims=True)) * keep
    w = e / e.sum(axis=-1, keepdims=True)
    return np.dot(w, V), w


@entry("top_k_attention", "a Python loop over queries with sorted() for the threshold; returns a tuple of arrays built row by row")
def topk_loop(q, K, V, k):
    d = q.shape[-1]
    W = np.zeros((q.shape[0], K.shape[0]))
    for i, qi in enumerate(q):
        s = [float(np.dot(qi, kj)) / math.sqrt(d) for kj in K]
        kth = sorted(s, reverse=True)[k - 1]
        m = max(s)
        ex = [math.exp(v - m) if v >= kth else 0.0 for v in s]
        z = sum(ex)
        W[i] = [v / z for v in ex]
    return W @ V, W


# ---------------------------------------------------------------------------------------------
# More spellings, written for this suite: float32 work, lists, every reasonable eps, helpers, −1e9
# ---------------------------------------------------------------------------------------------
extra = functools.partial(entry, bank=EXTRA)


def _f32(*arrays):
    return [np.asarray(a, dtype=np.float32) for a in arrays]


@extra("scaled_dot_scores", "float32 inputs, divided by a float64 numpy scalar (numpy returns float64)")
def sdot_float32(Q, K):
    Q, K = _f32(Q, K)
    return Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])


@extra("scaled_dot_scores", "float32 all the way, scale as np.float32")
def sdot_all_float32(Q, K):
    Q, K = _f32(Q, K)
    return np.matmul(Q, np.swapaxes(K, -1, -2)) / np.float32(np.sqrt(Q.shape[-1]))


@extra("scaled_dot_scores", "returned as nested Python lists")
def sdot_lists(Q, K):
    return (Q @ np.swapaxes(K, -1, -2) / math.sqrt(Q.shape[-1])).tolist()


@extra("cosine_scores", "eps = 1e-12 added outside the norm")
def cos_eps_small(Q, K, tau):
    return _unit_by(Q, K, tau, lambda n: n + 1e-12)


@extra("cosine_scores", "eps = 1e-6 added outside the norm")
def cos_eps_1e6(Q, K, tau):
    return _unit_by(Q, K, tau, lambda n: n + 1e-6)


@extra("cosine_scores", "np.maximum(norm, 1e-12)")
def cos_maximum_tiny(Q, K, tau):
    return _unit_by(Q, K, tau, lambda n: np.maximum(n, 1e-12))


@extra("cosine_scores", "no eps, but NaN from a zero vector replaced by 0 afterwards")
def cos_nan_to_num(Q, K, tau):
    with np.errstate(invalid="ignore", divide="ignore"):
        s = _unit_by(Q, K, tau, lambda n: n)
    return np.nan_to_num(s)


@extra("cosine_scores", "float32 inputs")
def cos_float32(Q, K, tau):
    Q, K = _f32(Q, K)
    return _unit_by(Q, K, np.float32(tau), lambda n: n + np.float32(1e-9))


def _unit_by(Q, K, tau, fix):
    Qn = Q / fix(np.linalg.norm(Q, axis=-1, keepdims=True))
    Kn = K / fix(np.linalg.norm(K, axis=-1, keepdims=True))
    return Qn @ _swap(Kn) / tau


@extra("rbf_scores", "float32 expansion ‖q‖² + ‖k‖² − 2 q·k")
def rbf_float32_expansion(Q, K, tau):
    Q, K = _f32(Q, K)
    sq = (Q**2).sum(-1)[..., :, None] + (K**2).sum(-1)[..., None, :] - 2 * Q @ _swap(K)
    return -sq / (2 * tau**2)


@extra("softmax", "float32 throughout, returned as a list")
def sm_float32_list(x, axis=-1):
    z = np.asarray(x, dtype=np.float32)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return (e / e.sum(axis=axis, keepdims=True)).tolist()


@extra("softmax", "a helper for one slice, np.apply_along_axis, and the max via sorted()")
def sm_helper(x, axis=-1):
    def one(v):
        top = sorted(v)[-1]
        e = np.exp(v - top)
        return e / e.sum()
    return np.apply_along_axis(one, axis, x)


@extra("softmax_temperature", "float32 logits and a float32 temperature")
def st_float32(x, tau):
    z = np.asarray(x, dtype=np.float32) / np.float32(tau)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@extra("kernel_regression", "float32 inputs and labels")
def kr_float32(x_query, x_train, y_train, bandwidth):
    xq, xt, yt = _f32(x_query, x_train, y_train)
    u = (xq[:, None] - xt[None, :]) / np.float32(bandwidth)
    w = np.exp(-0.5 * u**2)
    return w @ yt / w.sum(axis=1)


@extra("kernel_regression", "the log-sum-exp form of the weights")
def kr_logsumexp(x_query, x_train, y_train, bandwidth):
    s = -0.5 * ((x_query[:, None] - x_train[None, :]) / bandwidth) ** 2
    m = s.max(axis=1, keepdims=True)
    w = np.exp(s - m - np.log(np.exp(s - m).sum(axis=1, keepdims=True)))
    return w @ y_train


@extra("top_k_attention", "float32, −1e9 for the dropped keys, returned as a list [out, weights]")
def topk_float32_list(q, K, V, k):
    q, K, V = _f32(q, K, V)
    s = q @ K.T / np.sqrt(q.shape[-1])
    z = np.where(s >= np.sort(s, axis=-1)[:, [-k]], s, -1e9)
    w = np.exp(z - z.max(axis=-1, keepdims=True))
    w = w / w.sum(axis=-1, keepdims=True)
    return [w @ V, w]


@extra("top_k_attention", "np.argpartition to find the kept keys, np.put_along_axis for the mask")
def topk_argpartition(q, K, V, k):
    s = np.einsum("qd,kd->qk", q, K) / math.sqrt(q.shape[-1])
    keep = np.zeros_like(s, dtype=bool)
    np.put_along_axis(keep, np.argpartition(-s, k - 1, axis=-1)[:, :k], True, axis=-1)
    z = np.where(keep, s, -np.inf)
    w = np.exp(z - z.max(axis=-1, keepdims=True))
    return (w / w.sum(axis=-1, keepdims=True)) @ V, w / w.sum(axis=-1, keepdims=True)


@extra("worked_example_weights", "float32, as a tuple")
def weights_float32_tuple():
    e = np.float32(np.e)
    return tuple(np.array([e, 1, e], dtype=np.float32) / (2 * e + 1))


@extra("attention_shapes", "a numpy array of shapes")
def shapes_array():
    return np.array([[5, 7], [5, 7], [5, 32]])


@extra("temperature_for_target", "np.float32 from a float32 bisection")
def tt_float32():
    lo, hi = np.float32(0.01), np.float32(10.0)
    for _ in range(40):
        mid = (lo + hi) / 2
        s = np.array([2, 1, 0], dtype=np.float32) / mid
        top = np.exp(s - s.max())[0] / np.exp(s - s.max()).sum()
        lo, hi = (mid, hi) if top > 0.9 else (lo, mid)
    return (lo + hi) / 2


@extra("one_nn_limit", "a one-element numpy array turned into a float")
def nn_float_of_array():
    x, y = np.array([0.0, 2.0, 5.0, 6.0]), np.array([1.0, -3.0, -1.0, 4.0])
    return float(y[np.abs(x - 4.7) == np.abs(x - 4.7).min()][0])
