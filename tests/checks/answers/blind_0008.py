"""Blind bank for lessons 00-08, written from the exercise notebooks only by a tester who saw neither the checker
nor its mutation operators, and measured once before anything was changed for it.

335 answers: 244 wrong, 91 right but unusual. First measurement: no right answer rejected; an independent judge
read each feedback beside the tester's description: 218 of the 244 wrong ones named (89 %), 13 vague, 9 named
another mistake, 4 accepted. The 4 accepted are right under their exercises' own contracts and are kept here as
right, each with its one-line reason (a float32 softmax; the kernel formula computed as the exercise writes it; a
whole number of bytes held in a float; the handout's own mask slicing). General fixes came after: mutation
operators for a number rounded to a whole one (`//`, `int(√d)`), a size counted from the front (`q.shape[1]`), a
loop over the first axis only, every running value reset inside the loop at once; an argument replaced by a value of
the learner's own; a line that raised while making a key-side name from a query-side one; a new axis given to an
input that lacks the axis it must sit beside; a pen-and-paper answer checked against its own condition (τ, one
score); and hand-written misconceptions where no mutant can say it (left padding by mirroring the whole mask; KV
head i // g). The 16 answers these now name, and one whose message changed, were re-read by the engineer who made
the fixes (not by the independent judge) and are marked "named after" in ``JUDGED``.

``EXPECTED`` holds, for each wrong answer, the code whose feedback names the mistake, or None where it is vague or
names another mistake; ``JUDGED`` the reading.
"""
import math

import numpy as np

import attention_lib as al  # only where a learner would use the library, as the notebooks allow

BANK = []
def entry(exercise_id, idea, kind="wrong"):
    def register(fn):
        BANK.append({"id": exercise_id, "idea": idea, "kind": kind, "name": fn.__name__, "fn": fn})
        return fn
    return register


# ================================================================ 00 · attention by hand

# ---------------------------------------------------------------- 00 · attention_shapes
@entry("attention_shapes", "gives the output the keys' feature size d = 16 instead of the values' d_v = 32")
def shp_out_uses_key_width():
    return (5, 7), (5, 7), (5, 16)


@entry("attention_shapes", "writes the scores and weights as keys × queries, (7, 5)")
def shp_scores_keys_by_queries():
    return (7, 5), (7, 5), (5, 32)


@entry("attention_shapes", "thinks the output has one row per key, (7, 32), like V")
def shp_out_one_row_per_key():
    return (5, 7), (5, 7), (7, 32)


@entry("attention_shapes", "thinks the weights are one number per key, (7,), shared by all queries")
def shp_weights_one_per_key():
    return (5, 7), (7,), (5, 32)


@entry("attention_shapes", "correct: reads the shapes off a real run on arrays of zeros", kind="correct")
def shp_by_running_it():
    Q, K, V = np.zeros((5, 16)), np.zeros((7, 16)), np.zeros((7, 32))
    S = Q @ K.T
    A = np.exp(S) / np.exp(S).sum(axis=1, keepdims=True)
    O = A @ V
    return tuple(S.shape), tuple(A.shape), tuple(O.shape)


# ---------------------------------------------------------------- 00 · worked_example_weights
@entry("worked_example_weights", "divides the scores by √2 although the question says unscaled")
def wew_scaled_by_sqrt2():
    s = np.array([1.0, 0.0, 1.0]) / np.sqrt(2)
    return np.exp(s) / np.exp(s).sum()


@entry("worked_example_weights", "exponentiates the scores but forgets to normalise them")
def wew_not_normalised():
    return np.array([np.e, 1.0, np.e])


@entry("worked_example_weights", "normalises the raw scores without the exponential")
def wew_no_exponential():
    s = np.array([1.0, 0.0, 1.0])
    return s / s.sum()


@entry("worked_example_weights", "computes q·k3 as 2 (adds the components of k3 instead of the products)")
def wew_k3_score_two():
    s = np.array([1.0, 0.0, 2.0])
    return np.exp(s) / np.exp(s).sum()


@entry("worked_example_weights", "correct: builds the key matrix and lets numpy do the dot products", kind="correct")
def wew_from_matrices():
    q = np.array([1.0, 0.0])
    K = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    e = np.exp(K @ q)
    return e / e.sum()


@entry("worked_example_weights", "correct: divides through by e, 1/(2 + e^-1) and e^-1/(2 + e^-1)", kind="correct")
def wew_divided_by_e():
    z = 2 + 1 / np.e
    return np.array([1 / z, (1 / np.e) / z, 1 / z])


# ---------------------------------------------------------------- 00 · worked_example_output
@entry("worked_example_output", "averages the three values with equal weights (forgets the softmax)")
def weo_uniform_average():
    V = np.array([[10.0, 0.0], [0.0, 10.0], [5.0, 5.0]])
    return V.mean(axis=0)


@entry("worked_example_output", "uses the unnormalised weights e, 1, e")
def weo_unnormalised():
    V = np.array([[10.0, 0.0], [0.0, 10.0], [5.0, 5.0]])
    return np.array([np.e, 1.0, np.e]) @ V


@entry("worked_example_output", "takes the value of the best key only (hard argmax, first of the tie)")
def weo_hard_argmax():
    V = np.array([[10.0, 0.0], [0.0, 10.0], [5.0, 5.0]])
    return V[np.argmax([1, 0, 1])].astype(float)


@entry("worked_example_output", "weights the values by the raw scores normalised, without exponentials")
def weo_raw_scores():
    V = np.array([[10.0, 0.0], [0.0, 10.0], [5.0, 5.0]])
    return np.array([0.5, 0.0, 0.5]) @ V


@entry("worked_example_output", "scales the scores by 1/√2 as in scaled dot-product attention")
def weo_scaled_scores():
    V = np.array([[10.0, 0.0], [0.0, 10.0], [5.0, 5.0]])
    e = np.exp(np.array([1.0, 0.0, 1.0]) / np.sqrt(2))
    return (e / e.sum()) @ V


@entry("worked_example_output", "correct: the closed form [15e, 10 + 5e] / (2e + 1)", kind="correct")
def weo_closed_form():
    return np.array([15 * np.e, 10 + 5 * np.e]) / (2 * np.e + 1)


@entry("worked_example_output", "correct: sums α_i v_i in a Python loop over the keys", kind="correct")
def weo_loop():
    keys = [np.array([1.0, 0.0]), np.array([0.0, 1.0]), np.array([1.0, 1.0])]
    values = [np.array([10.0, 0.0]), np.array([0.0, 10.0]), np.array([5.0, 5.0])]
    q = np.array([1.0, 0.0])
    e = [np.exp(q @ key) for key in keys]
    o = np.zeros(2)
    for ei, vi in zip(e, values, strict=False):
        o += ei / sum(e) * vi
    return o


# ================================================================ 01 · similarity scores

# ---------------------------------------------------------------- 01 · scaled_dot_scores
@entry("scaled_dot_scores", "divides by d instead of sqrt(d)")
def sds_divides_by_d(q, k):
    return q @ np.swapaxes(k, -1, -2) / q.shape[-1]


@entry("scaled_dot_scores", "transposes k with .T, which reverses every axis and breaks batched input")
def sds_dot_T(q, k):
    return q @ k.T / np.sqrt(q.shape[-1])


@entry("scaled_dot_scores", "scales by the square root of the number of keys n_k instead of the feature size d")
def sds_sqrt_nk(q, k):
    return q @ np.swapaxes(k, -1, -2) / np.sqrt(k.shape[-2])


@entry("scaled_dot_scores", "multiplies by sqrt(d) instead of dividing")
def sds_multiplies(q, k):
    return q @ np.swapaxes(k, -1, -2) * np.sqrt(q.shape[-1])


@entry("scaled_dot_scores", "rounds sqrt(d) down to an integer, right only when d is a perfect square")
def sds_int_sqrt(q, k):
    return q @ np.swapaxes(k, -1, -2) / int(np.sqrt(q.shape[-1]))


@entry("scaled_dot_scores", "takes d from q.shape[1], which is d only for 2-D input (it is n_q or h once there are leading axes)")
def sds_shape_index_one(q, k):
    return q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[1])


@entry("scaled_dot_scores", "correct: einsum over the feature axis", kind="correct")
def sds_einsum(q, k):
    q, k = np.asarray(q, dtype=float), np.asarray(k, dtype=float)
    return np.einsum("...qd,...kd->...qk", q, k) / np.sqrt(q.shape[-1])


@entry("scaled_dot_scores", "correct: scales q and k each by d^(-1/4) before np.matmul", kind="correct")
def sds_quarter_power(q, k):
    q, k = np.asarray(q, dtype=float), np.asarray(k, dtype=float)
    s = q.shape[-1] ** -0.25
    return np.matmul(q * s, np.swapaxes(k * s, -1, -2))


# ---------------------------------------------------------------- 01 · cosine_scores
@entry("cosine_scores", "forgets to divide by the temperature")
def cos_no_temperature(q, k, temperature):
    qn = q / (np.linalg.norm(q, axis=-1, keepdims=True) + 1e-9)
    kn = k / (np.linalg.norm(k, axis=-1, keepdims=True) + 1e-9)
    return qn @ np.swapaxes(kn, -1, -2)


@entry("cosine_scores", "multiplies by the temperature instead of dividing")
def cos_times_temperature(q, k, temperature):
    qn = q / (np.linalg.norm(q, axis=-1, keepdims=True) + 1e-9)
    kn = k / (np.linalg.norm(k, axis=-1, keepdims=True) + 1e-9)
    return qn @ np.swapaxes(kn, -1, -2) * temperature


@entry("cosine_scores", "leaves out eps, so a zero vector gives 0/0 = NaN")
def cos_no_eps(q, k, temperature):
    qn = q / np.linalg.norm(q, axis=-1, keepdims=True)
    kn = k / np.linalg.norm(k, axis=-1, keepdims=True)
    return qn @ np.swapaxes(kn, -1, -2) / temperature


@entry("cosine_scores", "takes the norms along axis -2 (across positions) instead of along the features")
def cos_norm_wrong_axis(q, k, temperature):
    qn = q / (np.linalg.norm(q, axis=-2, keepdims=True) + 1e-9)
    kn = k / (np.linalg.norm(k, axis=-2, keepdims=True) + 1e-9)
    return qn @ np.swapaxes(kn, -1, -2) / temperature


@entry("cosine_scores", "drops keepdims on the norms and divides the (n_q, n_k) dots by a product of two (n,) vectors")
def cos_norms_no_keepdims(q, k, temperature):
    dots = q @ np.swapaxes(k, -1, -2)
    qn = np.linalg.norm(q, axis=-1) + 1e-9
    kn = np.linalg.norm(k, axis=-1) + 1e-9
    return dots / (qn * kn) / temperature


@entry("cosine_scores", "divides by the squared norms (forgets the square root)")
def cos_squared_norms(q, k, temperature):
    qn = q / (np.sum(q * q, axis=-1, keepdims=True) + 1e-9)
    kn = k / (np.sum(k * k, axis=-1, keepdims=True) + 1e-9)
    return qn @ np.swapaxes(kn, -1, -2) / temperature


@entry("cosine_scores", "correct: divides the dot products by an outer product of the norms", kind="correct")
def cos_outer_norms(q, k, temperature):
    q, k = np.asarray(q, dtype=float), np.asarray(k, dtype=float)
    dots = np.einsum("...qd,...kd->...qk", q, k)
    qn = np.sqrt(np.sum(q ** 2, axis=-1)) + 1e-9
    kn = np.sqrt(np.sum(k ** 2, axis=-1)) + 1e-9
    return dots / (qn[..., :, None] * kn[..., None, :]) / temperature


@entry("cosine_scores", "correct: unit vectors first, then the scaled matmul with np.matmul", kind="correct")
def cos_unit_first(q, k, temperature):
    eps = 1e-9
    qu = np.divide(q, np.linalg.norm(q, axis=-1, keepdims=True) + eps)
    ku = np.divide(k, np.linalg.norm(k, axis=-1, keepdims=True) + eps)
    return np.matmul(qu / temperature, np.swapaxes(ku, -1, -2))


# ---------------------------------------------------------------- 01 · rbf_scores
@entry("rbf_scores", "forgets the minus sign, so far keys score highest")
def rbf_no_minus(q, k, temperature):
    d2 = np.sum((q[..., :, None, :] - k[..., None, :, :]) ** 2, axis=-1)
    return d2 / (2 * temperature ** 2)


@entry("rbf_scores", "divides by 2τ instead of 2τ²")
def rbf_two_tau(q, k, temperature):
    d2 = np.sum((q[..., :, None, :] - k[..., None, :, :]) ** 2, axis=-1)
    return -d2 / (2 * temperature)


@entry("rbf_scores", "divides by τ² and forgets the 2")
def rbf_no_two(q, k, temperature):
    d2 = np.sum((q[..., :, None, :] - k[..., None, :, :]) ** 2, axis=-1)
    return -d2 / temperature ** 2


@entry("rbf_scores", "expands ‖q − k‖² as ‖q‖² + ‖k‖² + 2 q·k (sign slip on the cross term)")
def rbf_plus_cross_term(q, k, temperature):
    q2 = np.sum(q * q, axis=-1)[..., :, None]
    k2 = np.sum(k * k, axis=-1)[..., None, :]
    d2 = q2 + k2 + 2 * (q @ np.swapaxes(k, -1, -2))
    return -d2 / (2 * temperature ** 2)


@entry("rbf_scores", "broadcasts with q[:, None] and k[None], which only lines up for 2-D input")
def rbf_2d_broadcast(q, k, temperature):
    diff = q[:, None, :] - k[None, :, :]
    return -np.sum(diff ** 2, axis=-1) / (2 * temperature ** 2)


@entry("rbf_scores", "uses the distance ‖q − k‖ instead of its square")
def rbf_not_squared(q, k, temperature):
    dist = np.linalg.norm(q[..., :, None, :] - k[..., None, :, :], axis=-1)
    return -dist / (2 * temperature ** 2)


@entry("rbf_scores", "correct: the expansion ‖q‖² + ‖k‖² − 2q·k, clipped at 0", kind="correct")
def rbf_expansion(q, k, temperature):
    q, k = np.asarray(q, dtype=float), np.asarray(k, dtype=float)
    q2 = np.einsum("...qd,...qd->...q", q, q)[..., :, None]
    k2 = np.einsum("...kd,...kd->...k", k, k)[..., None, :]
    d2 = np.maximum(q2 + k2 - 2 * np.matmul(q, np.swapaxes(k, -1, -2)), 0.0)
    return -d2 / (2.0 * temperature * temperature)


@entry("rbf_scores", "correct: broadcasts the differences with np.expand_dims", kind="correct")
def rbf_expand_dims(q, k, temperature):
    diff = np.expand_dims(q, -2) - np.expand_dims(k, -3)
    return -(diff ** 2).sum(axis=-1) / (2 * temperature ** 2)


# ================================================================ 02 · softmax and temperature

# ---------------------------------------------------------------- 02 · softmax
@entry("softmax", "does not subtract the maximum, so exp overflows for scores like 1000")
def sm_no_max(x, axis=-1):
    e = np.exp(x)
    return e / e.sum(axis=axis, keepdims=True)


@entry("softmax", "subtracts the maximum of the whole array, so a row far below it underflows to 0/0")
def sm_global_max(x, axis=-1):
    e = np.exp(x - np.max(x))
    return e / e.sum(axis=axis, keepdims=True)


@entry("softmax", "drops keepdims on the sum, so the division broadcasts against the wrong axis")
def sm_sum_no_keepdims(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / e.sum(axis=axis)


@entry("softmax", "ignores the axis argument and always normalises the last axis")
def sm_ignores_axis(x, axis=-1):
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@entry("softmax", "subtracts the maximum along the last axis but sums along `axis`")
def sm_max_last_sum_axis(x, axis=-1):
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@entry("softmax", "divides by the maximum of the exponentials instead of their sum")
def sm_divides_by_max(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / e.max(axis=axis, keepdims=True)


@entry("softmax", "sums over the whole array instead of along the axis")
def sm_whole_sum(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e)


@entry("softmax", "subtracts the minimum instead of the maximum, so a wide spread still overflows")
def sm_subtracts_min(x, axis=-1):
    e = np.exp(x - np.min(x, axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@entry("softmax", "works in place on the caller's array, which is overwritten with the weights")
def sm_in_place(x, axis=-1):
    x -= np.max(x, axis=axis, keepdims=True)
    np.exp(x, out=x)
    x /= np.sum(x, axis=axis, keepdims=True)
    return x


@entry("softmax", "casts to float32 for speed, losing precision (about 1e-7 relative). Right: the exercise fixes no "
       "dtype, and float32 agrees within the float32 tolerance every check allows", kind="correct")
def sm_float32(x, axis=-1):
    x = np.asarray(x, dtype=np.float32)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@entry("softmax", "correct: log-sum-exp form, exp(x − m − log Σ e^(x−m))", kind="correct")
def sm_logsumexp(x, axis=-1):
    x = np.asarray(x, dtype=float)
    m = np.max(x, axis=axis, keepdims=True)
    lse = m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))
    return np.exp(x - lse)


@entry("softmax", "correct: moves the axis to the end, normalises, and moves it back", kind="correct")
def sm_moveaxis(x, axis=-1):
    z = np.moveaxis(np.asarray(x, dtype=float), axis, -1)
    e = np.exp(z - z.max(axis=-1)[..., None])
    return np.moveaxis(e / e.sum(axis=-1)[..., None], -1, axis)


@entry("softmax", "correct: np.apply_along_axis with a 1-D stable softmax", kind="correct")
def sm_apply_along_axis(x, axis=-1):
    def one(row):
        e = np.exp(row - row.max())
        return e / e.sum()
    return np.apply_along_axis(one, axis, np.asarray(x, dtype=float))


@entry("softmax", "correct: casts to float64 first, then uses np.subtract / np.divide with out=", kind="correct")
def sm_out_buffers(x, axis=-1):
    x = np.array(x, dtype=np.float64)
    e = np.subtract(x, x.max(axis=axis, keepdims=True))
    np.exp(e, out=e)
    np.divide(e, e.sum(axis=axis, keepdims=True), out=e)
    return e


# ---------------------------------------------------------------- 02 · softmax_temperature
@entry("softmax_temperature", "multiplies the scores by the temperature instead of dividing")
def smt_multiplies(x, temperature):
    z = x * temperature
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@entry("softmax_temperature", "divides the weights by τ after the softmax instead of the scores before it")
def smt_divides_weights(x, temperature):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True) / temperature


@entry("softmax_temperature", "skips the max subtraction, so a small τ overflows")
def smt_unstable(x, temperature):
    e = np.exp(x / temperature)
    return e / e.sum(axis=-1, keepdims=True)


@entry("softmax_temperature", "normalises over axis 0 instead of the last axis")
def smt_axis_zero(x, temperature):
    z = x / temperature
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


@entry("softmax_temperature", "divides by τ² as in the RBF bandwidth")
def smt_tau_squared(x, temperature):
    z = x / temperature ** 2
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@entry("softmax_temperature", "uses floor division x // τ, which rounds the scaled scores down")
def smt_floor_division(x, temperature):
    z = x // temperature
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@entry("softmax_temperature", "correct: subtracts the maximum before dividing by τ", kind="correct")
def smt_shift_then_divide(x, temperature):
    x = np.asarray(x, dtype=float)
    z = (x - x.max(axis=-1, keepdims=True)) / temperature
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


@entry("softmax_temperature", "correct: multiplies by the inverse temperature β = 1/τ, log-sum-exp form", kind="correct")
def smt_beta_logsumexp(x, temperature):
    beta = 1.0 / temperature
    z = beta * np.asarray(x, dtype=float)
    m = z.max(axis=-1, keepdims=True)
    return np.exp(z - m - np.log(np.exp(z - m).sum(axis=-1, keepdims=True)))


# ---------------------------------------------------------------- 02 · temperature_for_target
@entry("temperature_for_target", "returns the inverse temperature β = 1/τ instead of τ")
def tft_returns_beta():
    u = (-1 + np.sqrt(1 + 4 / 9)) / 2
    return -np.log(u)


@entry("temperature_for_target", "drops the third score and solves 1/(1 + e^(−1/τ)) = 0.9")
def tft_two_scores():
    return 1 / np.log(9)


@entry("temperature_for_target", "sets e^(−1/τ) + e^(−2/τ) = 1 − 0.9 instead of (1 − 0.9)/0.9")
def tft_algebra_slip():
    u = (-1 + np.sqrt(1 + 4 * 0.1)) / 2
    return -1 / np.log(u)


@entry("temperature_for_target", "takes the logarithm in base 10 instead of the natural log")
def tft_log10():
    u = (-1 + np.sqrt(1 + 4 / 9)) / 2
    return -1 / np.log10(u)


@entry("temperature_for_target", "stops the bisection after five halvings, short of 3 significant digits")
def tft_short_bisection():
    lo, hi = 0.1, 2.0
    for _ in range(5):
        mid = (lo + hi) / 2
        e = np.exp(np.array([2.0, 1.0, 0.0]) / mid)
        top = e[0] / e.sum()
        if top > 0.9:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


@entry("temperature_for_target", "correct: solves the quadratic u + u² = 1/9 in u = e^(−1/τ)", kind="correct")
def tft_quadratic():
    u = (-1 + math.sqrt(1 + 4 / 9)) / 2
    return -1 / math.log(u)


@entry("temperature_for_target", "correct: bisection for 100 steps on the top weight", kind="correct")
def tft_bisection():
    scores = np.array([2.0, 1.0, 0.0])
    lo, hi = 0.01, 10.0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        z = scores / mid
        w = np.exp(z - z.max())
        if w[0] / w.sum() > 0.9:
            lo = mid
        else:
            hi = mid
    return float(0.5 * (lo + hi))


@entry("temperature_for_target", "correct: Newton's method on β with a numerical derivative", kind="correct")
def tft_newton():
    def g(beta):
        return 1 / (1 + np.exp(-beta) + np.exp(-2 * beta)) - 0.9
    beta = 1.0
    for _ in range(50):
        slope = (g(beta + 1e-7) - g(beta - 1e-7)) / 2e-7
        beta -= g(beta) / slope
    return 1 / beta


# ================================================================ 03 · attention as soft k-NN

# ---------------------------------------------------------------- 03 · one_nn_limit
@entry("one_nn_limit", "takes the nearest training point above 4.7 (x = 6) and returns its label 4")
def nn_next_point_up():
    return 4.0


@entry("one_nn_limit", "returns the nearest training input x = 5 instead of its label")
def nn_returns_input():
    return 5.0


@entry("one_nn_limit", "returns the mean of all labels, the large-bandwidth limit")
def nn_mean_of_labels():
    return float(np.mean([1, -3, -1, 4]))


@entry("one_nn_limit", "averages the labels of the two neighbours 5 and 6, as if interpolating")
def nn_average_neighbours():
    return (-1 + 4) / 2


@entry("one_nn_limit", "correct: finds the nearest training point with argmin", kind="correct")
def nn_argmin():
    x, y = np.array([0, 2, 5, 6]), np.array([1, -3, -1, 4])
    return float(y[np.argmin(np.abs(x - 4.7))])


@entry("one_nn_limit", "correct: runs a stable kernel regression at a tiny bandwidth", kind="correct")
def nn_tiny_bandwidth():
    x, y = np.array([0.0, 2.0, 5.0, 6.0]), np.array([1.0, -3.0, -1.0, 4.0])
    s = -0.5 * ((4.7 - x) / 1e-3) ** 2
    w = np.exp(s - s.max())
    return float(np.round(w @ y / w.sum(), 6))


# ---------------------------------------------------------------- 03 · kernel_regression
@entry("kernel_regression", "forgets to divide by the sum of the kernels")
def kr_unnormalised(x_query, x_train, y_train, bandwidth):
    u = (x_query[:, None] - x_train[None, :]) / bandwidth
    return np.exp(-0.5 * u ** 2) @ y_train


@entry("kernel_regression", "drops the 1/2 in the exponent")
def kr_no_half(x_query, x_train, y_train, bandwidth):
    u = (x_query[:, None] - x_train[None, :]) / bandwidth
    K = np.exp(-u ** 2)
    return K @ y_train / K.sum(axis=1)


@entry("kernel_regression", "divides the squared difference by h instead of h²")
def kr_h_not_squared(x_query, x_train, y_train, bandwidth):
    d2 = (x_query[:, None] - x_train[None, :]) ** 2
    K = np.exp(-0.5 * d2 / bandwidth)
    return K @ y_train / K.sum(axis=1)


@entry("kernel_regression", "normalises the kernels over the queries (axis 0) instead of the training points")
def kr_normalise_axis0(x_query, x_train, y_train, bandwidth):
    u = (x_query[:, None] - x_train[None, :]) / bandwidth
    K = np.exp(-0.5 * u ** 2)
    return (K / K.sum(axis=0, keepdims=True)) @ y_train


@entry("kernel_regression", "computes the kernels without a shift, so a query far from the data gives 0/0 for a small "
       "h. Right: the exercise gives K_i = exp(−½((x − x_i)/τ)²) to compute, exactly as written here", kind="correct")
def kr_underflow(x_query, x_train, y_train, bandwidth):
    u = (x_query[:, None] - x_train[None, :]) / bandwidth
    K = np.exp(-0.5 * u ** 2)
    return (K @ y_train) / K.sum(axis=1)


@entry("kernel_regression", "divides by the sum of all kernels of all queries instead of each query's own sum")
def kr_global_sum(x_query, x_train, y_train, bandwidth):
    u = (x_query[:, None] - x_train[None, :]) / bandwidth
    K = np.exp(-0.5 * u ** 2)
    return K @ y_train / K.sum()


@entry("kernel_regression", "correct: softmax of the log-kernels with the row maximum subtracted", kind="correct")
def kr_stable_softmax(x_query, x_train, y_train, bandwidth):
    xq = np.asarray(x_query, dtype=float)
    xt = np.asarray(x_train, dtype=float)
    s = -0.5 * ((xq[:, None] - xt[None, :]) / bandwidth) ** 2
    w = np.exp(s - s.max(axis=1, keepdims=True))
    return (w / w.sum(axis=1, keepdims=True)) @ np.asarray(y_train, dtype=float)


@entry("kernel_regression", "correct: a Python loop over the queries", kind="correct")
def kr_loop(x_query, x_train, y_train, bandwidth):
    xt, yt = np.asarray(x_train, dtype=float), np.asarray(y_train, dtype=float)
    out = []
    for xq in np.asarray(x_query, dtype=float):
        log_k = -0.5 * ((xq - xt) / bandwidth) ** 2
        k = np.exp(log_k - log_k.max())
        out.append(np.sum(k * yt) / np.sum(k))
    return np.array(out)


@entry("kernel_regression", "correct: kernel weights through np.subtract.outer and einsum", kind="correct")
def kr_outer(x_query, x_train, y_train, bandwidth):
    diff = np.subtract.outer(np.asarray(x_query, float), np.asarray(x_train, float)) / bandwidth
    s = -0.5 * diff * diff
    s -= s.max(axis=-1, keepdims=True)
    k = np.exp(s)
    return np.einsum("qn,n->q", k, np.asarray(y_train, float)) / k.sum(axis=-1)


# ---------------------------------------------------------------- 03 · top_k_attention
def _tk_softmax_rows(s):
    m = s.max(axis=-1, keepdims=True)
    e = np.exp(s - m)
    return e / e.sum(axis=-1, keepdims=True)


@entry("top_k_attention", "keeps the top_k lowest-scoring keys (sorts ascending and takes the first k)")
def tk_keeps_lowest(q, k, v, top_k):
    s = q @ k.T / np.sqrt(q.shape[-1])
    thr = np.sort(s, axis=-1)[:, top_k - 1:top_k]
    w = _tk_softmax_rows(np.where(s <= thr, s, -np.inf))
    return w @ v, w


@entry("top_k_attention", "zeroes the other keys' weights after the softmax and does not renormalise")
def tk_zero_after_softmax(q, k, v, top_k):
    s = q @ k.T / np.sqrt(q.shape[-1])
    thr = np.sort(s, axis=-1)[:, -top_k][:, None]
    w = np.where(s >= thr, _tk_softmax_rows(s), 0.0)
    return w @ v, w


@entry("top_k_attention", "compares with > instead of >=, so it keeps only top_k − 1 keys")
def tk_strict_greater(q, k, v, top_k):
    s = q @ k.T / np.sqrt(q.shape[-1])
    thr = np.sort(s, axis=-1)[:, -top_k][:, None]
    w = _tk_softmax_rows(np.where(s > thr, s, -np.inf))
    return w @ v, w


@entry("top_k_attention", "takes the threshold one place too far down the sorted row, keeping top_k + 1 keys")
def tk_off_by_one(q, k, v, top_k):
    s = q @ k.T / np.sqrt(q.shape[-1])
    srt = np.sort(s, axis=-1)
    thr = srt[:, -top_k - 1][:, None]
    w = _tk_softmax_rows(np.where(s >= thr, s, -np.inf))
    return w @ v, w


@entry("top_k_attention", "forgets the 1/sqrt(d) scaling of the scores")
def tk_unscaled(q, k, v, top_k):
    s = q @ k.T
    thr = np.sort(s, axis=-1)[:, -top_k][:, None]
    w = _tk_softmax_rows(np.where(s >= thr, s, -np.inf))
    return w @ v, w


@entry("top_k_attention", "sets the dropped scores to 0 instead of −inf, so they keep some weight")
def tk_fill_zero(q, k, v, top_k):
    s = q @ k.T / np.sqrt(q.shape[-1])
    thr = np.sort(s, axis=-1)[:, -top_k][:, None]
    w = _tk_softmax_rows(np.where(s >= thr, s, 0.0))
    return w @ v, w


@entry("top_k_attention", "sorts along axis 0, so each key's threshold comes from the queries' scores")
def tk_sort_axis0(q, k, v, top_k):
    s = q @ k.T / np.sqrt(q.shape[-1])
    n_q = s.shape[0]
    thr = np.sort(s, axis=0)[max(n_q - top_k, 0)][None, :]
    w = _tk_softmax_rows(np.where(s >= thr, s, -np.inf))
    return w @ v, w


@entry("top_k_attention", "averages the keys instead of the values (weights @ k)")
def tk_averages_keys(q, k, v, top_k):
    s = q @ k.T / np.sqrt(q.shape[-1])
    thr = np.sort(s, axis=-1)[:, -top_k][:, None]
    w = _tk_softmax_rows(np.where(s >= thr, s, -np.inf))
    return w @ k, w


@entry("top_k_attention", "correct: np.partition finds the k-th largest score per query", kind="correct")
def tk_partition(q, k, v, top_k):
    q, k, v = (np.asarray(a, dtype=float) for a in (q, k, v))
    s = q @ k.T / math.sqrt(q.shape[1])
    n_k = s.shape[1]
    kth = np.partition(s, n_k - top_k, axis=1)[:, n_k - top_k][:, None]
    s = np.where(s >= kth, s, -np.inf)
    e = np.exp(s - s.max(axis=1, keepdims=True))
    w = e / e.sum(axis=1, keepdims=True)
    return w @ v, w


@entry("top_k_attention", "correct: one query at a time, with a per-row threshold", kind="correct")
def tk_loop(q, k, v, top_k):
    q, k, v = (np.asarray(a, dtype=float) for a in (q, k, v))
    weights = np.zeros((q.shape[0], k.shape[0]))
    for i in range(q.shape[0]):
        s = k @ q[i] / np.sqrt(q.shape[1])
        cutoff = sorted(s, reverse=True)[top_k - 1]
        keep = s >= cutoff
        e = np.where(keep, np.exp(s - s[keep].max()), 0.0)
        weights[i] = e / e.sum()
    return weights @ v, weights


# ================================================================ 04 · masking

# ---------------------------------------------------------------- 04 · causal_mask
@entry("causal_mask", "uses np.triu, so each query sees itself and the future instead of the past")
def cm_triu(n):
    return np.triu(np.ones((n, n), dtype=bool))


@entry("causal_mask", "uses tril with k=-1, so a query may not attend to itself (j < i)")
def cm_strict(n):
    return np.tril(np.ones((n, n), dtype=bool), k=-1)


@entry("causal_mask", "returns np.tril of ones as a float array, not a boolean mask")
def cm_float(n):
    return np.tril(np.ones((n, n)))


@entry("causal_mask", "compares j >= i (rows and columns swapped)")
def cm_swapped_comparison(n):
    i = np.arange(n)[:, None]
    j = np.arange(n)[None, :]
    return j >= i


@entry("causal_mask", "correct: compares broadcast aranges, j <= i", kind="correct")
def cm_arange(n):
    return np.arange(n)[None, :] <= np.arange(n)[:, None]


@entry("causal_mask", "correct: the complement of the strict upper triangle", kind="correct")
def cm_not_triu(n):
    return ~np.triu(np.ones((n, n), dtype=bool), k=1)


@entry("causal_mask", "correct: a nested list comprehension turned into a boolean array", kind="correct")
def cm_listcomp(n):
    return np.array([[j <= i for j in range(n)] for i in range(n)], dtype=bool).reshape(n, n)


# ---------------------------------------------------------------- 04 · causal_keys_query_2
@entry("causal_keys_query_2", "writes the mask upper-triangular (the future) and lists keys 2 and 3")
def ck2_upper():
    mask = [[1, 1, 1, 1], [0, 1, 1, 1], [0, 0, 1, 1], [0, 0, 0, 1]]
    return mask, [2, 3]


@entry("causal_keys_query_2", "leaves the diagonal out, so query 2 sees only keys 0 and 1")
def ck2_no_diagonal():
    mask = [[0, 0, 0, 0], [1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0]]
    return mask, [0, 1]


@entry("causal_keys_query_2", "gets the mask right but counts the key positions from 1")
def ck2_one_based():
    mask = [[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]]
    return mask, [1, 2, 3]


@entry("causal_keys_query_2", "reads 'query 2' as the second row and lists keys 0 and 1")
def ck2_second_row():
    mask = [[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]]
    return mask, [0, 1]


@entry("causal_keys_query_2", "correct: np.tril(...).tolist() and list(range(3))", kind="correct")
def ck2_tril_tolist():
    mask = np.tril(np.ones((4, 4), dtype=int)).tolist()
    return mask, list(range(3))


@entry("causal_keys_query_2", "correct: booleans instead of 0/1", kind="correct")
def ck2_booleans():
    mask = [[j <= i for j in range(4)] for i in range(4)]
    keys = [j for j in range(4) if mask[2][j]]
    return mask, keys


# ---------------------------------------------------------------- 04 · padding_mask
@entry("padding_mask", "returns shape (B, n) without the middle query axis")
def pm_no_middle_axis(lengths, n):
    return np.arange(n)[None, :] < np.asarray(lengths)[:, None]


@entry("padding_mask", "compares j <= L_b, letting the first pad token through")
def pm_less_equal(lengths, n):
    return (np.arange(n)[None, :] <= np.asarray(lengths)[:, None])[:, None, :]


@entry("padding_mask", "inverts the polarity: True at the padding")
def pm_inverted(lengths, n):
    return (np.arange(n)[None, :] >= np.asarray(lengths)[:, None])[:, None, :]


@entry("padding_mask", "puts the size-1 axis last, (B, n, 1), so the padding would hide queries")
def pm_axis_last(lengths, n):
    return (np.arange(n)[None, :] < np.asarray(lengths)[:, None])[:, :, None]


@entry("padding_mask", "returns 0/1 integers instead of booleans")
def pm_int(lengths, n):
    return (np.arange(n)[None, :] < np.asarray(lengths)[:, None]).astype(int)[:, None, :]


@entry("padding_mask", "broadcasts the other way round and gets (n, 1, B)")
def pm_transposed(lengths, n):
    return (np.arange(n)[:, None] < np.asarray(lengths)[None, :])[:, None, :]


@entry("padding_mask", "correct: a loop that fills a False array row by row", kind="correct")
def pm_loop(lengths, n):
    lengths = np.asarray(lengths)
    mask = np.zeros((len(lengths), 1, n), dtype=bool)
    for b, length in enumerate(lengths):
        mask[b, 0, :int(length)] = True
    return mask


@entry("padding_mask", "correct: arange against lengths[:, None, None]", kind="correct")
def pm_three_axes(lengths, n):
    return np.arange(n) < np.asarray(lengths)[:, None, None]


@entry("padding_mask", "correct: np.greater.outer(lengths, positions), then a new axis", kind="correct")
def pm_less_outer(lengths, n):
    real = np.greater.outer(np.asarray(lengths), np.arange(n))
    return np.expand_dims(real, 1)


# ---------------------------------------------------------------- 04 · decoder_mask
@entry("decoder_mask", "ignores side and always treats the padding as on the right")
def dm_ignores_side(lengths, n, side="right"):
    lengths = np.asarray(lengths)
    causal = np.tril(np.ones((n, n), dtype=bool))
    real = np.arange(n)[None, :] < lengths[:, None]
    return causal[None, :, :] & real[:, None, :]


@entry("decoder_mask", "for left padding compares j > n − L_b, one real key too few")
def dm_left_off_by_one(lengths, n, side="right"):
    lengths = np.asarray(lengths)
    causal = np.tril(np.ones((n, n), dtype=bool))
    j = np.arange(n)[None, :]
    real = j > n - lengths[:, None] if side == "left" else j < lengths[:, None]
    return causal[None] & real[:, None, :]


@entry("decoder_mask", "combines the two masks with OR instead of AND")
def dm_or(lengths, n, side="right"):
    lengths = np.asarray(lengths)
    causal = np.tril(np.ones((n, n), dtype=bool))
    j = np.arange(n)[None, :]
    real = j >= n - lengths[:, None] if side == "left" else j < lengths[:, None]
    return causal[None] | real[:, None, :]


@entry("decoder_mask", "puts the padding on the query axis, blocking rows instead of key columns")
def dm_pad_on_queries(lengths, n, side="right"):
    lengths = np.asarray(lengths)
    causal = np.tril(np.ones((n, n), dtype=bool))
    j = np.arange(n)[None, :]
    real = j >= n - lengths[:, None] if side == "left" else j < lengths[:, None]
    return causal[None] & real[:, :, None]


@entry("decoder_mask", "for left padding flips the whole right-padded decoder mask left to right")
def dm_flip_whole(lengths, n, side="right"):
    lengths = np.asarray(lengths)
    causal = np.tril(np.ones((n, n), dtype=bool))
    right = causal[None] & (np.arange(n)[None, :] < lengths[:, None])[:, None, :]
    return right[..., ::-1] if side == "left" else right


@entry("decoder_mask", "uses a strict causal mask (j < i), so no query sees itself")
def dm_strict_causal(lengths, n, side="right"):
    lengths = np.asarray(lengths)
    causal = np.tril(np.ones((n, n), dtype=bool), k=-1)
    j = np.arange(n)[None, :]
    real = j >= n - lengths[:, None] if side == "left" else j < lengths[:, None]
    return causal[None] & real[:, None, :]


@entry("decoder_mask", "also blanks the rows of pad queries, which under right padding should still see the real keys")
def dm_blanks_pad_rows(lengths, n, side="right"):
    lengths = np.asarray(lengths)
    causal = np.tril(np.ones((n, n), dtype=bool))
    j = np.arange(n)[None, :]
    real = j >= n - lengths[:, None] if side == "left" else j < lengths[:, None]
    return causal[None] & real[:, None, :] & real[:, :, None]


@entry("decoder_mask", "correct: a loop over the batch, writing each sequence's mask", kind="correct")
def dm_loop(lengths, n, side="right"):
    out = np.zeros((len(lengths), n, n), dtype=bool)
    for b, length in enumerate(np.asarray(lengths)):
        length = int(length)
        first = n - length if side == "left" else 0
        for i in range(n):
            for j in range(n):
                out[b, i, j] = j <= i and first <= j < first + length
    return out


@entry("decoder_mask", "correct: one broadcast expression with the start of the real keys per sequence", kind="correct")
def dm_start_offsets(lengths, n, side="right"):
    lengths = np.asarray(lengths)
    start = (n - lengths) if side == "left" else np.zeros_like(lengths)
    i = np.arange(n)[None, :, None]
    j = np.arange(n)[None, None, :]
    s = start[:, None, None]
    return (j <= i) & (j >= s) & (j < s + lengths[:, None, None])


@entry("decoder_mask", "correct: its own causal mask, and a reversed right-padding key mask for the left side", kind="correct")
def dm_reverse_keys(lengths, n, side="right"):
    causal = np.arange(n)[:, None] >= np.arange(n)[None, :]
    keys = np.arange(n)[None, :] < np.asarray(lengths)[:, None]     # right padding
    if side == "left":
        keys = keys[:, ::-1]
    return np.logical_and(causal[None, :, :], keys[:, None, :])


# ---------------------------------------------------------------- 04 · fix_masked_attention
@entry("fix_masked_attention", "fixes the polarity only: blocked weights are zeroed after the softmax and rows no longer sum to 1")
def fma_polarity_only(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = e / e.sum(axis=-1, keepdims=True)
    if mask is not None:
        weights = np.where(mask, weights, 0.0)
    return weights @ v, weights


@entry("fix_masked_attention", "fixes the polarity and renormalises after zeroing, but a fully masked row becomes 0/0 = NaN")
def fma_renormalise_after(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = e / e.sum(axis=-1, keepdims=True)
    if mask is not None:
        weights = np.where(mask, weights, 0.0)
        weights = weights / weights.sum(axis=-1, keepdims=True)
    return weights @ v, weights


@entry("fix_masked_attention", "masks the scores with −inf before the softmax but keeps the hand softmax, so a fully masked row is NaN")
def fma_keeps_hand_softmax(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = e / e.sum(axis=-1, keepdims=True)
    return weights @ v, weights


@entry("fix_masked_attention", "fills blocked scores with −1e9, so a fully masked row gets uniform weights")
def fma_minus_1e9(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -1e9)
    weights = al.softmax(scores, axis=-1)
    return weights @ v, weights


@entry("fix_masked_attention", "moves the mask before the softmax but keeps the inverted polarity (True = blocked)")
def fma_still_inverted(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, -np.inf, scores)
    weights = al.softmax(scores, axis=-1)
    return weights @ v, weights


@entry("fix_masked_attention", "sets blocked scores to 0 instead of −inf, so they keep weight")
def fma_fill_zero(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, 0.0)
    weights = al.softmax(scores, axis=-1)
    return weights @ v, weights


@entry("fix_masked_attention", "rewrites the scores while fixing the mask and loses the 1/sqrt(d)")
def fma_lost_scale(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    weights = al.softmax(scores, axis=-1)
    return weights @ v, weights


@entry("fix_masked_attention", "calls al.softmax with axis=-2, normalising over the queries")
def fma_softmax_axis_queries(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    weights = al.softmax(scores, axis=-2)
    return weights @ v, weights


@entry("fix_masked_attention", "correct: −inf where blocked, then al.softmax", kind="correct")
def fma_where_al_softmax(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    weights = al.softmax(scores, axis=-1)
    return weights @ v, weights


@entry("fix_masked_attention", "correct: adds an additive mask (0 where allowed, −inf where blocked), then al.softmax", kind="correct")
def fma_additive_mask(q, k, v, mask=None):
    scores = np.matmul(q, np.swapaxes(k, -1, -2)) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores + np.where(mask, 0.0, -np.inf)
    weights = al.softmax(scores, axis=-1)
    return np.matmul(weights, v), weights


@entry("fix_masked_attention", "correct: keeps a hand softmax but guards the −inf max and the empty sum", kind="correct")
def fma_guarded_hand(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    top = scores.max(axis=-1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    e = np.exp(scores - top)
    total = e.sum(axis=-1, keepdims=True)
    weights = e / np.where(total > 0, total, 1.0)
    return weights @ v, weights


# ---------------------------------------------------------------- 04 · masked_attention
@entry("masked_attention", "−inf fill with a plain stable softmax: a fully masked row is NaN")
def ma_plain_inf(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    w = e / e.sum(axis=-1, keepdims=True)
    return w @ v, w


@entry("masked_attention", "fills with −1e9, so a fully masked row gets uniform weights instead of zeros")
def ma_minus_1e9(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -1e9)
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    w = e / e.sum(axis=-1, keepdims=True)
    return w @ v, w


@entry("masked_attention", "skips the max subtraction (only guards the empty row), so large scores overflow")
def ma_no_max_shift(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    e = np.exp(s)
    total = e.sum(axis=-1, keepdims=True)
    w = np.divide(e, total, out=np.zeros_like(e), where=total > 0)
    return w @ v, w


@entry("masked_attention", "inverts the mask: True is treated as blocked")
def ma_inverted(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, -np.inf, s)
    m = s.max(axis=-1, keepdims=True)
    e = np.exp(s - np.where(np.isfinite(m), m, 0.0))
    total = e.sum(axis=-1, keepdims=True)
    w = np.divide(e, total, out=np.zeros_like(e), where=total > 0)
    return w @ v, w


@entry("masked_attention", "takes the row maximum before masking, so a huge blocked score underflows every allowed key")
def ma_max_before_mask(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    m = s.max(axis=-1, keepdims=True)
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    e = np.exp(s - m)
    total = e.sum(axis=-1, keepdims=True)
    w = np.divide(e, total, out=np.zeros_like(e), where=total > 0)
    return w @ v, w


@entry("masked_attention", "replaces a zero row sum by 1, but the all −inf row is already NaN from −inf − (−inf)")
def ma_guards_sum_only(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    total = e.sum(axis=-1, keepdims=True)
    total = np.where(total == 0, 1.0, total)
    w = e / total
    return w @ v, w


@entry("masked_attention", "always inserts a head axis with mask[:, None], which misplaces a 2-D (n_q, n_k) mask")
def ma_always_head_axis(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(np.asarray(mask)[:, None], s, -np.inf)
    m = s.max(axis=-1, keepdims=True)
    e = np.exp(s - np.where(np.isfinite(m), m, 0.0))
    total = e.sum(axis=-1, keepdims=True)
    w = np.divide(e, total, out=np.zeros_like(e), where=total > 0)
    return w @ v, w


@entry("masked_attention", "forgets the 1/sqrt(d) scaling")
def ma_unscaled(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2)
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    m = s.max(axis=-1, keepdims=True)
    e = np.exp(s - np.where(np.isfinite(m), m, 0.0))
    total = e.sum(axis=-1, keepdims=True)
    w = np.divide(e, total, out=np.zeros_like(e), where=total > 0)
    return w @ v, w


@entry("masked_attention", "zeroes the output of empty rows but leaves their NaN weights in place")
def ma_zero_out_only(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    with np.errstate(invalid="ignore"):
        e = np.exp(s - s.max(axis=-1, keepdims=True))
        w = e / e.sum(axis=-1, keepdims=True)
    out = np.nan_to_num(w) @ v
    return out, w


@entry("masked_attention", "correct: shifts by the max where it is finite and divides only where the sum is positive", kind="correct")
def ma_guarded(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    m = s.max(axis=-1, keepdims=True)
    e = np.exp(s - np.where(np.isfinite(m), m, 0.0))
    total = e.sum(axis=-1, keepdims=True)
    w = np.divide(e, total, out=np.zeros_like(e), where=total > 0)
    return w @ v, w


@entry("masked_attention", "correct: lets NaN appear in empty rows, then np.nan_to_num the weights before the output", kind="correct")
def ma_nan_to_num(q, k, v, mask=None):
    s = np.einsum("...qd,...kd->...qk", q, k) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    with np.errstate(invalid="ignore", divide="ignore"):
        e = np.exp(s - s.max(axis=-1, keepdims=True))
        w = e / e.sum(axis=-1, keepdims=True)
    w = np.nan_to_num(w, nan=0.0)
    return w @ v, w


@entry("masked_attention", "correct: multiplies the exponentials by the mask instead of using −inf", kind="correct")
def ma_multiply_by_mask(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    allowed = np.ones(s.shape, dtype=bool) if mask is None else np.broadcast_to(mask, s.shape)
    m = np.max(np.where(allowed, s, -np.inf), axis=-1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    e = np.exp(np.where(allowed, s - m, -np.inf)) * allowed
    total = e.sum(axis=-1, keepdims=True)
    w = e / np.maximum(total, np.finfo(float).tiny) * (total > 0)
    return w @ v, w


# ================================================================ 05 · queries, keys and values

# ---------------------------------------------------------------- 05 · cross_attention_shapes
@entry("cross_attention_shapes", "gives the keys and values the target length 6 instead of the source length 10")
def cas_kv_target_length():
    return (4, 8, 6, 64), (4, 8, 6, 64), (4, 8, 6, 64), (4, 8, 6, 6), (4, 8, 6, 64), (4, 6, 512)


@entry("cross_attention_shapes", "writes the weights as source × target, (4, 8, 10, 6)")
def cas_weights_transposed():
    return (4, 8, 6, 64), (4, 8, 10, 64), (4, 8, 10, 64), (4, 8, 10, 6), (4, 8, 6, 64), (4, 6, 512)


@entry("cross_attention_shapes", "gives the merged output the source length, (4, 10, 512)")
def cas_merged_source_length():
    return (4, 8, 6, 64), (4, 8, 10, 64), (4, 8, 10, 64), (4, 8, 6, 10), (4, 8, 6, 64), (4, 10, 512)


@entry("cross_attention_shapes", "does not split the width: every head gets all D = 512 features")
def cas_heads_full_width():
    return (4, 8, 6, 512), (4, 8, 10, 512), (4, 8, 10, 512), (4, 8, 6, 10), (4, 8, 6, 512), (4, 6, 4096)


@entry("cross_attention_shapes", "merges the heads by moving the head axis only, (4, 6, 8, 64)")
def cas_merge_not_flattened():
    return (4, 8, 6, 64), (4, 8, 10, 64), (4, 8, 10, 64), (4, 8, 6, 10), (4, 8, 6, 64), (4, 6, 8, 64)


@entry("cross_attention_shapes", "correct: builds each tuple from named sizes", kind="correct")
def cas_from_names():
    B, h, n_tgt, n_src, D = 4, 8, 6, 10, 512
    d = d_v = D // h
    return ((B, h, n_tgt, d), (B, h, n_src, d), (B, h, n_src, d_v),
            (B, h, n_tgt, n_src), (B, h, n_tgt, d_v), (B, n_tgt, h * d_v))


# ---------------------------------------------------------------- 05 · cross_softmax_axis
@entry("cross_softmax_axis", "normalises over the target positions, axis −2, so each source word's column sums to 1")
def csa_axis_minus2():
    return -2, (2, 8, 10)


@entry("cross_softmax_axis", "gives the right axis as a positive index, 3")
def csa_positive_index():
    return 3, (2, 8, 6)


@entry("cross_softmax_axis", "keeps the summed axis, as if sum used keepdims=True")
def csa_keepdims_shape():
    return -1, (2, 8, 6, 1)


@entry("cross_softmax_axis", "picks the key axis but says the ones are indexed by source positions")
def csa_shape_of_sources():
    return -1, (2, 8, 10)


@entry("cross_softmax_axis", "correct: lets numpy report the shape of the row sums", kind="correct")
def csa_computed():
    weights = al.softmax(np.zeros((2, 8, 6, 10)), axis=-1)
    return -1, weights.sum(axis=-1).shape


# ---------------------------------------------------------------- 05 · attention
@entry("attention", "forgets to divide the scores by sqrt(d)")
def att_unscaled(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2)
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    w = e / e.sum(axis=-1, keepdims=True)
    return w @ v, w


@entry("attention", "takes the softmax over the queries (axis −2) instead of the keys")
def att_softmax_queries(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    e = np.exp(s - s.max(axis=-2, keepdims=True))
    w = e / e.sum(axis=-2, keepdims=True)
    return w @ v, w


@entry("attention", "transposes k with .T, which is only right for 2-D keys")
def att_dot_T(q, k, v, mask=None):
    s = q @ k.T / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    w = e / e.sum(axis=-1, keepdims=True)
    return w @ v, w


@entry("attention", "averages the keys instead of the values (weights @ k)")
def att_averages_keys(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    w = e / e.sum(axis=-1, keepdims=True)
    return w @ k, w


@entry("attention", "reads the mask backwards, blocking the keys that are allowed")
def att_mask_inverted(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, -np.inf, s)
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    w = e / e.sum(axis=-1, keepdims=True)
    return w @ v, w


@entry("attention", "sets blocked scores to 0 instead of −inf")
def att_mask_fill_zero(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, 0.0)
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    w = e / e.sum(axis=-1, keepdims=True)
    return w @ v, w


@entry("attention", "scales by the square root of the value size d_v instead of d")
def att_scale_dv(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(v.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    w = e / e.sum(axis=-1, keepdims=True)
    return w @ v, w


@entry("attention", "skips the max subtraction, so large scores overflow to inf/inf")
def att_no_stabilisation(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    e = np.exp(s)
    w = e / e.sum(axis=-1, keepdims=True)
    return w @ v, w


@entry("attention", "zeroes the blocked weights after the softmax without renormalising")
def att_mask_after_softmax(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    w = e / e.sum(axis=-1, keepdims=True)
    if mask is not None:
        w = w * mask
    return w @ v, w


@entry("attention", "returns (weights, out) in the wrong order")
def att_swapped_return(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    w = e / e.sum(axis=-1, keepdims=True)
    return w, w @ v


@entry("attention", "scales q in place with q /= sqrt(d), changing the caller's array (and failing on integer q)")
def att_scales_q_in_place(q, k, v, mask=None):
    q /= np.sqrt(q.shape[-1])
    s = q @ np.swapaxes(k, -1, -2)
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    w = e / e.sum(axis=-1, keepdims=True)
    return w @ v, w


@entry("attention", "correct: einsum for both products", kind="correct")
def att_einsum(q, k, v, mask=None):
    s = np.einsum("...qd,...kd->...qk", q, k) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    w = e / e.sum(axis=-1, keepdims=True)
    return np.einsum("...qk,...kv->...qv", w, v), w


@entry("attention", "correct: log-sum-exp weights, np.matmul, inputs cast to float64", kind="correct")
def att_logsumexp(q, k, v, mask=None):
    q, k, v = (np.asarray(a, dtype=np.float64) for a in (q, k, v))
    s = np.matmul(q, np.swapaxes(k, -1, -2)) / math.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(np.asarray(mask, dtype=bool), s, -np.inf)
    m = s.max(axis=-1, keepdims=True)
    w = np.exp(s - m - np.log(np.exp(s - m).sum(axis=-1, keepdims=True)))
    return np.matmul(w, v), w


@entry("attention", "correct: a loop over every leading index with np.ndindex", kind="correct")
def att_ndindex_loop(q, k, v, mask=None):
    q, k, v = np.asarray(q, float), np.asarray(k, float), np.asarray(v, float)
    lead = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    n_q, n_k = q.shape[-2], k.shape[-2]
    full_mask = None if mask is None else np.broadcast_to(mask, lead + (n_q, n_k))
    qb = np.broadcast_to(q, lead + q.shape[-2:])
    kb = np.broadcast_to(k, lead + k.shape[-2:])
    vb = np.broadcast_to(v, lead + v.shape[-2:])
    out = np.zeros(lead + (n_q, v.shape[-1]))
    weights = np.zeros(lead + (n_q, n_k))
    for idx in np.ndindex(*lead):
        s = qb[idx] @ kb[idx].T / np.sqrt(q.shape[-1])
        if full_mask is not None:
            s = np.where(full_mask[idx], s, -np.inf)
        e = np.exp(s - s.max(axis=1, keepdims=True))
        weights[idx] = e / e.sum(axis=1, keepdims=True)
        out[idx] = weights[idx] @ vb[idx]
    return out, weights


@entry("attention", "correct: scales q before the product and returns library-style zeros for empty rows", kind="correct")
def att_prescaled_guarded(q, k, v, mask=None):
    q = np.asarray(q, float) / np.sqrt(np.shape(q)[-1])
    s = q @ np.swapaxes(np.asarray(k, float), -1, -2)
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    top = np.max(s, axis=-1, keepdims=True)
    e = np.exp(s - np.where(np.isinf(top), 0.0, top))
    z = e.sum(axis=-1, keepdims=True)
    w = np.divide(e, z, out=np.zeros_like(e), where=z != 0)
    return w @ v, w


# ---------------------------------------------------------------- 05 · cross_attention
@entry("cross_attention", "fixes the keys but still projects the values with W_k")
def ca_values_still_wk(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = x_q @ W_q
    k = x_kv @ W_k
    v = x_kv @ W_k
    return al.attention(q, k, v, mask)


@entry("cross_attention", "fixes the values but still takes the keys from the decoder x_q")
def ca_keys_still_from_xq(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = x_q @ W_q
    k = x_q @ W_k
    v = x_kv @ W_v
    return al.attention(q, k, v, mask)


@entry("cross_attention", "swaps the two projections: keys with W_v and values with W_k")
def ca_swapped_projections(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = x_q @ W_q
    k = x_kv @ W_v
    v = x_kv @ W_k
    return al.attention(q, k, v, mask)


@entry("cross_attention", "takes the queries from the encoder as well, giving one output per source position")
def ca_queries_from_encoder(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = x_kv @ W_q
    k = x_kv @ W_k
    v = x_kv @ W_v
    return al.attention(q, k, v, mask)


@entry("cross_attention", "fixes both projections but drops the mask")
def ca_drops_mask(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = x_q @ W_q
    k = x_kv @ W_k
    v = x_kv @ W_v
    return al.attention(q, k, v)


@entry("cross_attention", "projects the keys with W_q, thinking queries and keys share a matrix")
def ca_keys_with_wq(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = x_q @ W_q
    k = x_kv @ W_q
    v = x_kv @ W_v
    return al.attention(q, k, v, mask)


@entry("cross_attention", "correct: projections with np.matmul and the mask passed by keyword", kind="correct")
def ca_matmul_keyword(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = np.matmul(x_q, W_q)
    k = np.matmul(x_kv, W_k)
    v = np.matmul(x_kv, W_v)
    return al.attention(q, k, v, mask=mask)


@entry("cross_attention", "correct: einsum projections and its own attention", kind="correct")
def ca_einsum_own(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = np.einsum("...nD,Dd->...nd", x_q, W_q)
    k = np.einsum("...nD,Dd->...nd", x_kv, W_k)
    v = np.einsum("...nD,Dd->...nd", x_kv, W_v)
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = al.softmax(s, axis=-1)
    return w @ v, w


# ---------------------------------------------------------------- 05 · self_attention
@entry("self_attention", "scales by sqrt(D), the token width, instead of sqrt(d)")
def sa_scale_by_D(x, W_q, W_k, W_v, mask=None):
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(x.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = al.softmax(s, axis=-1)
    return w @ v, w


@entry("self_attention", "scales by sqrt(d_v), the value width, which only matches when d_v = d")
def sa_scale_by_dv(x, W_q, W_k, W_v, mask=None):
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(W_v.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = al.softmax(s, axis=-1)
    return w @ v, w


@entry("self_attention", "projects the keys with W_q (copy-paste slip), so keys equal queries")
def sa_keys_with_wq(x, W_q, W_k, W_v, mask=None):
    q, k, v = x @ W_q, x @ W_q, x @ W_v
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = al.softmax(s, axis=-1)
    return w @ v, w


@entry("self_attention", "reads the mask as True = blocked")
def sa_mask_inverted(x, W_q, W_k, W_v, mask=None):
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(~np.asarray(mask), s, -np.inf)
    w = al.softmax(s, axis=-1)
    return w @ v, w


@entry("self_attention", "accepts the mask but never applies it")
def sa_ignores_mask(x, W_q, W_k, W_v, mask=None):
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    w = al.softmax(s, axis=-1)
    return w @ v, w


@entry("self_attention", "uses k.T, which scrambles the axes once x has a batch axis")
def sa_dot_T(x, W_q, W_k, W_v, mask=None):
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    s = q @ k.T / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = al.softmax(s, axis=-1)
    return w @ v, w


@entry("self_attention", "calls al.softmax with axis=0, normalising the first axis instead of the keys")
def sa_softmax_axis0(x, W_q, W_k, W_v, mask=None):
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = al.softmax(s, axis=0)
    return w @ v, w


@entry("self_attention", "hard-codes np.sqrt(4), the d of the lesson's example, instead of reading d from the shapes")
def sa_hardcoded_sqrt4(x, W_q, W_k, W_v, mask=None):
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(4)
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = al.softmax(s, axis=-1)
    return w @ v, w


@entry("self_attention", "correct: one product with the stacked [W_q | W_k | W_v], then splits the columns", kind="correct")
def sa_stacked_weights(x, W_q, W_k, W_v, mask=None):
    d = W_q.shape[1]
    qkv = x @ np.concatenate([W_q, W_k, W_v], axis=1)
    q, k, v = qkv[..., :d], qkv[..., d:2 * d], qkv[..., 2 * d:]
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = al.softmax(s, axis=-1)
    return w @ v, w


@entry("self_attention", "correct: everything in einsum, d read from W_q", kind="correct")
def sa_einsum(x, W_q, W_k, W_v, mask=None):
    q = np.einsum("...nD,Dd->...nd", x, W_q)
    k = np.einsum("...nD,Dd->...nd", x, W_k)
    v = np.einsum("...nD,De->...ne", x, W_v)
    s = np.einsum("...id,...jd->...ij", q, k) / np.sqrt(W_q.shape[1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = al.softmax(s, axis=-1)
    return np.einsum("...ij,...je->...ie", w, v), w


@entry("self_attention", "correct: a hand softmax guarded for empty rows", kind="correct")
def sa_hand_softmax(x, W_q, W_k, W_v, mask=None):
    x = np.asarray(x, dtype=float)
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    m = s.max(axis=-1, keepdims=True)
    e = np.exp(s - np.where(np.isfinite(m), m, 0.0))
    z = e.sum(axis=-1, keepdims=True)
    w = e / np.where(z > 0, z, 1.0)
    return w @ v, w


# ================================================================ 06 · multi-head attention

# ---------------------------------------------------------------- 06 · split_heads
@entry("split_heads", "reshapes straight to (..., h, n, D/h), the reshape trap that mixes positions into heads")
def sh_reshape_trap(x, n_heads):
    *lead, n, D = x.shape
    return x.reshape(*lead, n_heads, n, D // n_heads)


@entry("split_heads", "only handles a single sequence: reshape(n, h, d) then transpose(1, 0, 2)")
def sh_2d_only(x, n_heads):
    n, D = x.shape[-2], x.shape[-1]
    return x.reshape(n, n_heads, D // n_heads).transpose(1, 0, 2)


@entry("split_heads", "hard-codes transpose(0, 2, 1, 3), which only fits a (B, n, D) input")
def sh_hardcoded_4d(x, n_heads):
    B, n, D = x.shape
    return x.reshape(B, n, n_heads, D // n_heads).transpose(0, 2, 1, 3)


@entry("split_heads", "reshapes to (..., n, d, h), so head j takes every h-th feature (interleaved)")
def sh_interleaved(x, n_heads):
    *lead, n, D = x.shape
    return np.moveaxis(x.reshape(*lead, n, D // n_heads, n_heads), -1, -3)


@entry("split_heads", "reshapes to (..., n, h, d) but forgets to swap the head and position axes")
def sh_no_swap(x, n_heads):
    *lead, n, D = x.shape
    return x.reshape(*lead, n, n_heads, D // n_heads)


@entry("split_heads", "correct: stacks column slices, one per head, on axis −3", kind="correct")
def sh_stack_slices(x, n_heads):
    x = np.asarray(x)
    d = x.shape[-1] // n_heads
    return np.stack([x[..., j * d:(j + 1) * d] for j in range(n_heads)], axis=-3)


@entry("split_heads", "correct: np.split on the features, then np.stack", kind="correct")
def sh_np_split(x, n_heads):
    return np.stack(np.split(np.asarray(x), n_heads, axis=-1), axis=-3)


@entry("split_heads", "correct: reshape then np.moveaxis", kind="correct")
def sh_moveaxis(x, n_heads):
    x = np.asarray(x)
    y = x.reshape(x.shape[:-1] + (n_heads, x.shape[-1] // n_heads))
    return np.moveaxis(y, -2, -3)


# ---------------------------------------------------------------- 06 · merge_heads
@entry("merge_heads", "reshapes straight to (..., n, h·d), the reshape trap")
def mh_reshape_trap(x):
    *lead, h, n, d = x.shape
    return x.reshape(*lead, n, h * d)


@entry("merge_heads", "concatenates the heads along the positions, giving (..., h·n, d)")
def mh_concat_positions(x):
    return np.concatenate([x[..., j, :, :] for j in range(x.shape[-3])], axis=-2)


@entry("merge_heads", "only handles (h, n, d): transpose(1, 0, 2) then reshape")
def mh_3d_only(x):
    h, n, d = x.shape[-3:]
    return x.transpose(1, 0, 2).reshape(n, h * d)


@entry("merge_heads", "moves the head axis to the end, interleaving the heads' features")
def mh_interleaved(x):
    *lead, h, n, d = x.shape
    return np.moveaxis(x, -3, -1).reshape(*lead, n, h * d)


@entry("merge_heads", "correct: concatenates the heads along the features", kind="correct")
def mh_concat_features(x):
    x = np.asarray(x)
    return np.concatenate([x[..., j, :, :] for j in range(x.shape[-3])], axis=-1)


@entry("merge_heads", "correct: einsum to (..., n, h, d), then reshape", kind="correct")
def mh_einsum(x):
    x = np.asarray(x)
    y = np.einsum("...hnd->...nhd", x)
    return y.reshape(y.shape[:-2] + (y.shape[-2] * y.shape[-1],))


@entry("merge_heads", "correct: swapaxes, np.ascontiguousarray, reshape with -1", kind="correct")
def mh_contiguous(x):
    y = np.ascontiguousarray(np.swapaxes(np.asarray(x), -3, -2))
    return y.reshape(*y.shape[:-2], -1)


# ---------------------------------------------------------------- 06 · multi_head_attention
def _mha_split(x, h):
    *lead, n, D = x.shape
    return np.swapaxes(x.reshape(*lead, n, h, D // h), -2, -3)


def _mha_merge(x):
    *lead, h, n, d = x.shape
    return np.swapaxes(x, -2, -3).reshape(*lead, n, h * d)


def _mha_head_mask(mask):
    if mask is None:
        return None
    mask = np.asarray(mask)
    return mask[:, None] if mask.ndim == 3 else mask


@entry("multi_head_attention", "divides the scores by sqrt(D) instead of sqrt(d) = sqrt(D/h)")
def mha_scale_sqrt_D(x_q, x_kv, params, n_heads, mask=None):
    D = x_q.shape[-1]
    q = _mha_split(x_q @ params["W_q"] + params.get("b_q", 0), n_heads)
    k = _mha_split(x_kv @ params["W_k"] + params.get("b_k", 0), n_heads)
    v = _mha_split(x_kv @ params["W_v"] + params.get("b_v", 0), n_heads)
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(D)
    m = _mha_head_mask(mask)
    if m is not None:
        s = np.where(m, s, -np.inf)
    w = al.softmax(s, axis=-1)
    return _mha_merge(w @ v) @ params["W_o"] + params.get("b_o", 0), w


@entry("multi_head_attention", "forgets the output projection W_o (and its bias)")
def mha_no_wo(x_q, x_kv, params, n_heads, mask=None):
    q = _mha_split(x_q @ params["W_q"] + params.get("b_q", 0), n_heads)
    k = _mha_split(x_kv @ params["W_k"] + params.get("b_k", 0), n_heads)
    v = _mha_split(x_kv @ params["W_v"] + params.get("b_v", 0), n_heads)
    out, w = al.attention(q, k, v, _mha_head_mask(mask))
    return _mha_merge(out), w


@entry("multi_head_attention", "ignores the biases b_q, b_k, b_v, b_o when params has them")
def mha_ignores_biases(x_q, x_kv, params, n_heads, mask=None):
    q = _mha_split(x_q @ params["W_q"], n_heads)
    k = _mha_split(x_kv @ params["W_k"], n_heads)
    v = _mha_split(x_kv @ params["W_v"], n_heads)
    out, w = al.attention(q, k, v, _mha_head_mask(mask))
    return _mha_merge(out) @ params["W_o"], w


@entry("multi_head_attention", "adds the output bias before W_o instead of after it")
def mha_bias_before_wo(x_q, x_kv, params, n_heads, mask=None):
    q = _mha_split(x_q @ params["W_q"] + params.get("b_q", 0), n_heads)
    k = _mha_split(x_kv @ params["W_k"] + params.get("b_k", 0), n_heads)
    v = _mha_split(x_kv @ params["W_v"] + params.get("b_v", 0), n_heads)
    out, w = al.attention(q, k, v, _mha_head_mask(mask))
    return (_mha_merge(out) + params.get("b_o", 0)) @ params["W_o"], w


@entry("multi_head_attention", "splits and merges with plain reshapes (the reshape trap)")
def mha_reshape_trap(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads     # noqa: F841 (the learner computes n_k, then types n_q)
    q = (x_q @ params["W_q"] + params.get("b_q", 0)).reshape(B, n_heads, n_q, d)
    k = (x_kv @ params["W_k"] + params.get("b_k", 0)).reshape(B, n_heads, n_k, d)
    v = (x_kv @ params["W_v"] + params.get("b_v", 0)).reshape(B, n_heads, n_k, d)
    out, w = al.attention(q, k, v, _mha_head_mask(mask))
    return out.reshape(B, n_q, D) @ params["W_o"] + params.get("b_o", 0), w


@entry("multi_head_attention", "passes a batch mask (B, ·, n_k) to the heads without adding the head axis")
def mha_no_head_axis(x_q, x_kv, params, n_heads, mask=None):
    q = _mha_split(x_q @ params["W_q"] + params.get("b_q", 0), n_heads)
    k = _mha_split(x_kv @ params["W_k"] + params.get("b_k", 0), n_heads)
    v = _mha_split(x_kv @ params["W_v"] + params.get("b_v", 0), n_heads)
    out, w = al.attention(q, k, v, mask)
    return _mha_merge(out) @ params["W_o"] + params.get("b_o", 0), w


@entry("multi_head_attention", "returns the weights averaged over the heads, (B, n_q, n_k)")
def mha_mean_weights(x_q, x_kv, params, n_heads, mask=None):
    q = _mha_split(x_q @ params["W_q"] + params.get("b_q", 0), n_heads)
    k = _mha_split(x_kv @ params["W_k"] + params.get("b_k", 0), n_heads)
    v = _mha_split(x_kv @ params["W_v"] + params.get("b_v", 0), n_heads)
    out, w = al.attention(q, k, v, _mha_head_mask(mask))
    return _mha_merge(out) @ params["W_o"] + params.get("b_o", 0), w.mean(axis=1)


@entry("multi_head_attention", "projects the values with W_k (and b_k)")
def mha_values_with_wk(x_q, x_kv, params, n_heads, mask=None):
    q = _mha_split(x_q @ params["W_q"] + params.get("b_q", 0), n_heads)
    k = _mha_split(x_kv @ params["W_k"] + params.get("b_k", 0), n_heads)
    v = _mha_split(x_kv @ params["W_k"] + params.get("b_k", 0), n_heads)
    out, w = al.attention(q, k, v, _mha_head_mask(mask))
    return _mha_merge(out) @ params["W_o"] + params.get("b_o", 0), w


@entry("multi_head_attention", "takes the keys and values from x_q, so cross-attention turns into self-attention")
def mha_kv_from_xq(x_q, x_kv, params, n_heads, mask=None):
    q = _mha_split(x_q @ params["W_q"] + params.get("b_q", 0), n_heads)
    k = _mha_split(x_q @ params["W_k"] + params.get("b_k", 0), n_heads)
    v = _mha_split(x_q @ params["W_v"] + params.get("b_v", 0), n_heads)
    out, w = al.attention(q, k, v, _mha_head_mask(mask))
    return _mha_merge(out) @ params["W_o"] + params.get("b_o", 0), w


@entry("multi_head_attention", "correct: a loop over the heads with column slices of each W and al.attention", kind="correct")
def mha_loop_heads(x_q, x_kv, params, n_heads, mask=None):
    D = x_q.shape[-1]
    d = D // n_heads
    Q = x_q @ params["W_q"] + params.get("b_q", np.zeros(D))
    K = x_kv @ params["W_k"] + params.get("b_k", np.zeros(D))
    V = x_kv @ params["W_v"] + params.get("b_v", np.zeros(D))
    m = None if mask is None else np.asarray(mask)
    if m is not None and m.ndim == 4:
        per_head = [m[:, min(j, m.shape[1] - 1)] for j in range(n_heads)]
    else:
        per_head = [m] * n_heads
    outs, ws = [], []
    for j in range(n_heads):
        cols = slice(j * d, (j + 1) * d)
        o, w = al.attention(Q[..., cols], K[..., cols], V[..., cols], per_head[j])
        outs.append(o)
        ws.append(w)
    out = np.concatenate(outs, axis=-1) @ params["W_o"] + params.get("b_o", np.zeros(D))
    return out, np.stack(ws, axis=1)


@entry("multi_head_attention", "correct: einsum with a (B, n, h, d) layout and its own guarded softmax", kind="correct")
def mha_einsum(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads     # noqa: F841 (the learner computes n_k, then types n_q)
    zero = np.zeros(D)
    q = (x_q @ params["W_q"] + params.get("b_q", zero)).reshape(B, n_q, n_heads, d)
    k = (x_kv @ params["W_k"] + params.get("b_k", zero)).reshape(B, n_k, n_heads, d)
    v = (x_kv @ params["W_v"] + params.get("b_v", zero)).reshape(B, n_k, n_heads, d)
    s = np.einsum("bqhd,bkhd->bhqk", q, k) / np.sqrt(d)
    if mask is not None:
        m = np.asarray(mask)
        if m.ndim == 3:
            m = m[:, None, :, :]
        s = np.where(m, s, -np.inf)
    top = s.max(axis=-1, keepdims=True)
    e = np.exp(s - np.where(np.isfinite(top), top, 0.0))
    tot = e.sum(axis=-1, keepdims=True)
    w = e / np.where(tot > 0, tot, 1.0)
    heads = np.einsum("bhqk,bkhd->bqhd", w, v).reshape(B, n_q, D)
    return heads @ params["W_o"] + params.get("b_o", zero), w


@entry("multi_head_attention", "correct: its own split/merge written inline with swapaxes, biases only when present", kind="correct")
def mha_inline(x_q, x_kv, params, n_heads, mask=None):
    def project(x, which):
        y = x @ params["W_" + which]
        if "b_" + which in params:
            y = y + params["b_" + which]
        return y

    def split(y):
        B, n, D = y.shape
        return y.reshape(B, n, n_heads, D // n_heads).swapaxes(1, 2)

    q, k, v = split(project(x_q, "q")), split(project(x_kv, "k")), split(project(x_kv, "v"))
    if mask is not None and np.ndim(mask) == 3:
        mask = np.expand_dims(mask, 1)
    out, w = al.attention(q, k, v, mask)
    B, h, n_q, d = out.shape
    return project(out.swapaxes(1, 2).reshape(B, n_q, h * d), "o"), w


# ---------------------------------------------------------------- 06 · mha_reshape_bug
@entry("mha_reshape_bug", "deletes the raise line and hands the layer back unchanged")
def mrb_unchanged(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads     # noqa: F841 (the learner computes n_k, then types n_q)
    q = (x_q @ params["W_q"]).reshape(B, n_heads, n_q, d)
    k = (x_kv @ params["W_k"]).reshape(B, n_heads, n_k, d)
    v = (x_kv @ params["W_v"]).reshape(B, n_heads, n_k, d)
    out, weights = al.attention(q, k, v, mask)
    return out.reshape(B, n_q, D) @ params["W_o"], weights


@entry("mha_reshape_bug", "fixes the split (reshape then transpose) but merges with the plain reshape")
def mrb_split_only(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads     # noqa: F841 (the learner computes n_k, then types n_q)
    q = (x_q @ params["W_q"]).reshape(B, n_q, n_heads, d).transpose(0, 2, 1, 3)
    k = (x_kv @ params["W_k"]).reshape(B, n_k, n_heads, d).transpose(0, 2, 1, 3)
    v = (x_kv @ params["W_v"]).reshape(B, n_k, n_heads, d).transpose(0, 2, 1, 3)
    out, weights = al.attention(q, k, v, mask)
    return out.reshape(B, n_q, D) @ params["W_o"], weights


@entry("mha_reshape_bug", "fixes the merge with al.merge_heads but leaves the split as a plain reshape")
def mrb_merge_only(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads     # noqa: F841 (the learner computes n_k, then types n_q)
    q = (x_q @ params["W_q"]).reshape(B, n_heads, n_q, d)
    k = (x_kv @ params["W_k"]).reshape(B, n_heads, n_k, d)
    v = (x_kv @ params["W_v"]).reshape(B, n_heads, n_k, d)
    out, weights = al.attention(q, k, v, mask)
    return al.merge_heads(out) @ params["W_o"], weights


@entry("mha_reshape_bug", "splits with reshape(B, n, d, h), so each head gets every h-th feature, and merges the same way")
def mrb_interleaved(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads     # noqa: F841 (the learner computes n_k, then types n_q)
    q = (x_q @ params["W_q"]).reshape(B, n_q, d, n_heads).transpose(0, 3, 1, 2)
    k = (x_kv @ params["W_k"]).reshape(B, n_k, d, n_heads).transpose(0, 3, 1, 2)
    v = (x_kv @ params["W_v"]).reshape(B, n_k, d, n_heads).transpose(0, 3, 1, 2)
    out, weights = al.attention(q, k, v, mask)
    return out.transpose(0, 2, 3, 1).reshape(B, n_q, D) @ params["W_o"], weights


@entry("mha_reshape_bug", "fixes the queries and keys but leaves the values with the reshape trap")
def mrb_values_left(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads     # noqa: F841 (the learner computes n_k, then types n_q)
    q = al.split_heads(x_q @ params["W_q"], n_heads)
    k = al.split_heads(x_kv @ params["W_k"], n_heads)
    v = (x_kv @ params["W_v"]).reshape(B, n_heads, n_k, d)
    out, weights = al.attention(q, k, v, mask)
    return al.merge_heads(out) @ params["W_o"], weights


@entry("mha_reshape_bug", "fixes both reshapes but types n_q for n_k in the key/value split")
def mrb_nq_for_nk(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads     # noqa: F841 (the learner computes n_k, then types n_q)
    q = (x_q @ params["W_q"]).reshape(B, n_q, n_heads, d).swapaxes(1, 2)
    k = (x_kv @ params["W_k"]).reshape(B, n_q, n_heads, d).swapaxes(1, 2)
    v = (x_kv @ params["W_v"]).reshape(B, n_q, n_heads, d).swapaxes(1, 2)
    out, weights = al.attention(q, k, v, mask)
    return out.swapaxes(1, 2).reshape(B, n_q, D) @ params["W_o"], weights


@entry("mha_reshape_bug", "correct: al.split_heads and al.merge_heads, plus a head axis for a batch mask and biases when present", kind="correct")
def mrb_library_split(x_q, x_kv, params, n_heads, mask=None):
    q = al.split_heads(x_q @ params["W_q"] + params.get("b_q", 0.0), n_heads)
    k = al.split_heads(x_kv @ params["W_k"] + params.get("b_k", 0.0), n_heads)
    v = al.split_heads(x_kv @ params["W_v"] + params.get("b_v", 0.0), n_heads)
    if mask is not None and np.ndim(mask) == 3:
        mask = np.asarray(mask)[:, None]
    out, weights = al.attention(q, k, v, mask)
    return al.merge_heads(out) @ params["W_o"] + params.get("b_o", 0.0), weights


@entry("mha_reshape_bug", "correct: reshape to (B, n, h, d) and swapaxes both ways, in place of the shortcut", kind="correct")
def mrb_swapaxes(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads     # noqa: F841 (the learner computes n_k, then types n_q)
    bias = {name: params[name] if name in params else 0.0 for name in ("b_q", "b_k", "b_v", "b_o")}
    q = (x_q @ params["W_q"] + bias["b_q"]).reshape(B, n_q, n_heads, d).swapaxes(1, 2)
    k = (x_kv @ params["W_k"] + bias["b_k"]).reshape(B, n_k, n_heads, d).swapaxes(1, 2)
    v = (x_kv @ params["W_v"] + bias["b_v"]).reshape(B, n_k, n_heads, d).swapaxes(1, 2)
    if mask is not None and np.ndim(mask) == 3:
        mask = np.asarray(mask)[:, None, :, :]
    out, weights = al.attention(q, k, v, mask)
    return out.swapaxes(1, 2).reshape(B, n_q, D) @ params["W_o"] + bias["b_o"], weights


# ---------------------------------------------------------------- 06 · grouped_query_attention
def _gqa_project(x, params, which):
    y = x @ params["W_" + which]
    return y + params["b_" + which] if "b_" + which in params else y


@entry("grouped_query_attention", "tiles the KV heads (0, 1, 0, 1, …) instead of repeating each in place (0, 0, 1, 1, …)")
def gqa_tile(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    q = _mha_split(_gqa_project(x_q, params, "q"), n_heads)
    k = _mha_split(_gqa_project(x_kv, params, "k"), n_kv_heads)
    v = _mha_split(_gqa_project(x_kv, params, "v"), n_kv_heads)
    r = n_heads // n_kv_heads
    k, v = np.tile(k, (1, r, 1, 1)), np.tile(v, (1, r, 1, 1))
    out, w = al.attention(q, k, v, _mha_head_mask(mask))
    return _gqa_project(_mha_merge(out), params, "o"), w


@entry("grouped_query_attention", "maps query head i to KV head i // g instead of i // (h/g)")
def gqa_divides_by_g(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    q = _mha_split(_gqa_project(x_q, params, "q"), n_heads)
    k = _mha_split(_gqa_project(x_kv, params, "k"), n_kv_heads)
    v = _mha_split(_gqa_project(x_kv, params, "v"), n_kv_heads)
    idx = np.arange(n_heads) // n_kv_heads
    out, w = al.attention(q, k[:, idx], v[:, idx], _mha_head_mask(mask))
    return _gqa_project(_mha_merge(out), params, "o"), w


@entry("grouped_query_attention", "scales the scores by sqrt(g·d), the width of W_k, instead of sqrt(d)")
def gqa_scale_kv_width(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    q = _mha_split(_gqa_project(x_q, params, "q"), n_heads)
    k = _mha_split(_gqa_project(x_kv, params, "k"), n_kv_heads)
    v = _mha_split(_gqa_project(x_kv, params, "v"), n_kv_heads)
    r = n_heads // n_kv_heads
    k, v = np.repeat(k, r, axis=1), np.repeat(v, r, axis=1)
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(params["W_k"].shape[1])
    m = _mha_head_mask(mask)
    if m is not None:
        s = np.where(m, s, -np.inf)
    w = al.softmax(s, axis=-1)
    return _gqa_project(_mha_merge(w @ v), params, "o"), w


@entry("grouped_query_attention", "leaves out the biases")
def gqa_no_biases(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    q = _mha_split(x_q @ params["W_q"], n_heads)
    k = _mha_split(x_kv @ params["W_k"], n_kv_heads)
    v = _mha_split(x_kv @ params["W_v"], n_kv_heads)
    r = n_heads // n_kv_heads
    out, w = al.attention(q, np.repeat(k, r, axis=1), np.repeat(v, r, axis=1), _mha_head_mask(mask))
    return _mha_merge(out) @ params["W_o"], w


@entry("grouped_query_attention", "repeats the keys and values along the sequence axis instead of the head axis")
def gqa_repeat_positions(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    q = _mha_split(_gqa_project(x_q, params, "q"), n_heads)
    k = _mha_split(_gqa_project(x_kv, params, "k"), n_kv_heads)
    v = _mha_split(_gqa_project(x_kv, params, "v"), n_kv_heads)
    r = n_heads // n_kv_heads
    k, v = np.repeat(k, r, axis=-2), np.repeat(v, r, axis=-2)
    out, w = al.attention(q, k, v, _mha_head_mask(mask))
    return _gqa_project(_mha_merge(out), params, "o"), w


@entry("grouped_query_attention", "projects the values with W_k")
def gqa_values_with_wk(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    q = _mha_split(_gqa_project(x_q, params, "q"), n_heads)
    k = _mha_split(_gqa_project(x_kv, params, "k"), n_kv_heads)
    v = _mha_split(_gqa_project(x_kv, params, "k"), n_kv_heads)
    r = n_heads // n_kv_heads
    out, w = al.attention(q, np.repeat(k, r, axis=1), np.repeat(v, r, axis=1), _mha_head_mask(mask))
    return _gqa_project(_mha_merge(out), params, "o"), w


@entry("grouped_query_attention", "never passes the mask on to the attention")
def gqa_drops_mask(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    q = _mha_split(_gqa_project(x_q, params, "q"), n_heads)
    k = _mha_split(_gqa_project(x_kv, params, "k"), n_kv_heads)
    v = _mha_split(_gqa_project(x_kv, params, "v"), n_kv_heads)
    r = n_heads // n_kv_heads
    out, w = al.attention(q, np.repeat(k, r, axis=1), np.repeat(v, r, axis=1))
    return _gqa_project(_mha_merge(out), params, "o"), w


@entry("grouped_query_attention", "correct: groups the query heads as (B, g, h/g, n, d) and broadcasts each KV head over its group", kind="correct")
def gqa_grouped_broadcast(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k = x_kv.shape[1]
    h, g = n_heads, n_kv_heads
    d = D // h
    q = _gqa_project(x_q, params, "q").reshape(B, n_q, g, h // g, d).transpose(0, 2, 3, 1, 4)
    k = _gqa_project(x_kv, params, "k").reshape(B, n_k, g, d).transpose(0, 2, 1, 3)[:, :, None]
    v = _gqa_project(x_kv, params, "v").reshape(B, n_k, g, d).transpose(0, 2, 1, 3)[:, :, None]
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)               # (B, g, h/g, n_q, n_k)
    s = s.reshape(B, h, n_q, n_k)
    if mask is not None:
        m = np.asarray(mask)
        s = np.where(m[:, None] if m.ndim == 3 else m, s, -np.inf)
    w = al.softmax(s, axis=-1)
    out = (w.reshape(B, g, h // g, n_q, n_k) @ v).reshape(B, h, n_q, d)
    return _gqa_project(out.transpose(0, 2, 1, 3).reshape(B, n_q, D), params, "o"), w


@entry("grouped_query_attention", "correct: one head at a time, KV head j // (h/g), with al.attention", kind="correct")
def gqa_loop(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    D = x_q.shape[-1]
    d = D // n_heads
    per_group = n_heads // n_kv_heads
    Q = _gqa_project(x_q, params, "q")
    K = _gqa_project(x_kv, params, "k")
    V = _gqa_project(x_kv, params, "v")
    m = None if mask is None else np.asarray(mask)
    outs, ws = [], []
    for j in range(n_heads):
        kv = j // per_group
        mj = m[:, j if m.shape[1] > 1 else 0] if m is not None and m.ndim == 4 else m
        o, w = al.attention(Q[..., j * d:(j + 1) * d], K[..., kv * d:(kv + 1) * d], V[..., kv * d:(kv + 1) * d], mj)
        outs.append(o)
        ws.append(w)
    return _gqa_project(np.concatenate(outs, axis=-1), params, "o"), np.stack(ws, axis=1)


# ---------------------------------------------------------------- 06 · kv_cache_per_token
@entry("kv_cache_per_token", "counts the 64 query heads instead of the 8 key/value heads")
def kvt_query_heads():
    return 2 * 80 * 64 * 128 * 2


@entry("kv_cache_per_token", "forgets the factor 2 for keys and values")
def kvt_no_kv_factor():
    return 80 * 8 * 128 * 2


@entry("kv_cache_per_token", "uses 4 bytes per number, as for float32")
def kvt_float32():
    return 2 * 80 * 8 * 128 * 4


@entry("kv_cache_per_token", "converts to KiB and returns 320 instead of the number of bytes")
def kvt_kib():
    return 2 * 80 * 8 * 128 * 2 // 1024


@entry("kv_cache_per_token", "counts one layer only")
def kvt_one_layer():
    return 2 * 8 * 128 * 2


@entry("kv_cache_per_token", "correct: names each factor and multiplies them as Python ints", kind="correct")
def kvt_named():
    layers, kv_heads, width, bytes_fp16, k_and_v = 80, 8, 128, 2, 2
    return int(k_and_v * layers * kv_heads * width * bytes_fp16)


# ================================================================ 07 · training attention by hand

# ---------------------------------------------------------------- 07 · softmax_backward
@entry("softmax_backward", "returns p * dp, forgetting the row-sum term")
def sb_missing_rowsum(p, dp):
    return p * dp


@entry("softmax_backward", "forgets the outer factor p, so masked keys (p = 0) still get a gradient")
def sb_missing_outer_p(p, dp):
    return dp - np.sum(dp * p, axis=-1, keepdims=True)


@entry("softmax_backward", "sums dp * p over the whole array instead of each row")
def sb_global_sum(p, dp):
    return p * (dp - np.sum(dp * p))


@entry("softmax_backward", "drops keepdims, so the row sums broadcast along the wrong axis")
def sb_no_keepdims(p, dp):
    return p * (dp - np.sum(dp * p, axis=-1))


@entry("softmax_backward", "gets the sign backwards: p * (Σ dp·p − dp)")
def sb_sign_flipped(p, dp):
    return p * (np.sum(dp * p, axis=-1, keepdims=True) - dp)


@entry("softmax_backward", "subtracts the plain row sum of dp instead of the p-weighted one")
def sb_unweighted_sum(p, dp):
    return p * (dp - dp.sum(axis=-1, keepdims=True))


@entry("softmax_backward", "correct: einsum for the inner product", kind="correct")
def sb_einsum(p, dp):
    p, dp = np.asarray(p, dtype=float), np.asarray(dp, dtype=float)
    inner = np.einsum("...i,...i->...", p, dp)[..., None]
    return p * (dp - inner)


@entry("softmax_backward", "correct: expanded as p∘dp − p·(p·dp)", kind="correct")
def sb_expanded(p, dp):
    p, dp = np.asarray(p, dtype=float), np.asarray(dp, dtype=float)
    pdp = p * dp
    return pdp - p * pdp.sum(axis=-1, keepdims=True)


@entry("softmax_backward", "correct: a loop over the leading indices, one row at a time", kind="correct")
def sb_row_loop(p, dp):
    p, dp = np.asarray(p, dtype=float), np.asarray(dp, dtype=float)
    ds = np.zeros_like(p)
    for idx in np.ndindex(p.shape[:-1]):
        row, g = p[idx], dp[idx]
        ds[idx] = row * (g - row @ g)
    return ds


# ---------------------------------------------------------------- 07 · numerical_gradient
@entry("numerical_gradient", "uses a forward difference (f(x + ε) − f(x)) / ε, only first-order accurate")
def ng_forward_difference(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    base = f(x)
    for i in np.ndindex(x.shape):
        keep = x[i]
        x[i] = keep + eps
        grad[i] = (f(x) - base) / eps
        x[i] = keep
    return grad


@entry("numerical_gradient", "nudges the caller's array itself (no float copy): integer entries cannot move by ε")
def ng_no_copy(f, x, eps=1e-6):
    grad = np.zeros(np.shape(x))
    for i in np.ndindex(np.shape(x)):
        keep = x[i]
        x[i] = keep + eps
        up = f(x)
        x[i] = keep - eps
        down = f(x)
        x[i] = keep
        grad[i] = (up - down) / (2 * eps)
    return grad


@entry("numerical_gradient", "divides by ε instead of 2ε")
def ng_divides_by_eps(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        keep = x[i]
        x[i] = keep + eps
        up = f(x)
        x[i] = keep - eps
        down = f(x)
        x[i] = keep
        grad[i] = (up - down) / eps
    return grad


@entry("numerical_gradient", "copies x with x.copy(), which keeps an integer dtype, so x + ε rounds back to x")
def ng_copy_keeps_int(f, x, eps=1e-6):
    x = np.asarray(x).copy()
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        keep = x[i]
        x[i] = keep + eps
        up = f(x)
        x[i] = keep - eps
        down = f(x)
        x[i] = keep
        grad[i] = (up - down) / (2 * eps)
    return grad


@entry("numerical_gradient", "loops with range(len(x)), so for a matrix it nudges whole rows at once")
def ng_rows_only(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for i in range(len(x)):
        keep = x[i].copy()
        x[i] = keep + eps
        up = f(x)
        x[i] = keep - eps
        down = f(x)
        x[i] = keep
        grad[i] = (up - down) / (2 * eps)
    return grad


@entry("numerical_gradient", "returns the flat gradient instead of reshaping it to x's shape")
def ng_flat_result(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float64)
    flat = x.reshape(-1)
    grad = np.zeros(flat.size)
    for i in range(flat.size):
        keep = flat[i]
        flat[i] = keep + eps
        up = f(x)
        flat[i] = keep - eps
        down = f(x)
        flat[i] = keep
        grad[i] = (up - down) / (2 * eps)
    return grad


@entry("numerical_gradient", "ignores the eps argument and hard-codes a step of 1e-3")
def ng_hardcoded_step(f, x, eps=1e-6):
    h = 1e-3
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        keep = x[i]
        x[i] = keep + h
        up = f(x)
        x[i] = keep - h
        down = f(x)
        x[i] = keep
        grad[i] = (up - down) / (2 * h)
    return grad


@entry("numerical_gradient", "works on a float32 copy, so rounding swamps a step of 1e-6")
def ng_float32(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float32)
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        keep = x[i]
        x[i] = keep + eps
        up = f(x)
        x[i] = keep - eps
        down = f(x)
        x[i] = keep
        grad[i] = (up - down) / (2 * eps)
    return grad


@entry("numerical_gradient", "correct: perturbs through a flat view of a private float64 copy", kind="correct")
def ng_flat_view(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float64, copy=True)
    grad = np.empty_like(x)
    xf, gf = x.reshape(-1), grad.reshape(-1)
    for i in range(xf.size):
        keep = xf[i]
        xf[i] = keep + eps
        up = float(f(x))
        xf[i] = keep - eps
        down = float(f(x))
        xf[i] = keep
        gf[i] = (up - down) / (2 * eps)
    return grad


@entry("numerical_gradient", "correct: builds each basis array e_i and evaluates f at fresh arrays x ± εe_i", kind="correct")
def ng_basis_arrays(f, x, eps=1e-6):
    x0 = np.asarray(x, dtype=np.float64)
    grad = np.zeros(x0.shape)
    for i in np.ndindex(x0.shape):
        e = np.zeros(x0.shape)
        e[i] = eps
        grad[i] = (f(x0 + e) - f(x0 - e)) / (2 * eps)
    return grad


@entry("numerical_gradient", "correct: np.nditer with multi_index over a float64 copy", kind="correct")
def ng_nditer(f, x, eps=1e-6):
    work = np.array(x, dtype=float)
    grad = np.zeros(work.shape, dtype=float)
    it = np.nditer(work, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = float(work[i])
        work[i] = old + eps
        fp = f(work)
        work[i] = old - eps
        fm = f(work)
        work[i] = old
        grad[i] = (fp - fm) / (2.0 * eps)
    return grad


# ---------------------------------------------------------------- 07 · attention_backward
def _ab_T(a):
    return np.swapaxes(a, -1, -2)


def _ab_sum_to(g, shape):
    """Sum a gradient over the axes that broadcasting added or stretched, back to `shape`."""
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for ax, n in enumerate(shape):
        if n == 1 and g.shape[ax] != 1:
            g = g.sum(axis=ax, keepdims=True)
    return g


@entry("attention_backward", "forgets the 1/sqrt(d) factor in dq and dk")
def ab_no_scale(q, k, v, d_out, mask=None):
    _, P = al.attention(q, k, v, mask)
    dv = _ab_T(P) @ d_out
    dP = d_out @ _ab_T(v)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return dS @ k, _ab_T(dS) @ q, dv


@entry("attention_backward", "computes dv as P @ d_out, missing the transpose")
def ab_dv_no_transpose(q, k, v, d_out, mask=None):
    _, P = al.attention(q, k, v, mask)
    tau = 1 / np.sqrt(q.shape[-1])
    dv = P @ d_out
    dP = d_out @ _ab_T(v)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return tau * dS @ k, tau * _ab_T(dS) @ q, dv


@entry("attention_backward", "takes dS = P ∘ dP, dropping the softmax's row-sum term")
def ab_missing_rowsum(q, k, v, d_out, mask=None):
    _, P = al.attention(q, k, v, mask)
    tau = 1 / np.sqrt(q.shape[-1])
    dv = _ab_T(P) @ d_out
    dS = P * (d_out @ _ab_T(v))
    return tau * dS @ k, tau * _ab_T(dS) @ q, dv


@entry("attention_backward", "recomputes P without the mask, so gradients flow through blocked keys")
def ab_ignores_mask(q, k, v, d_out, mask=None):
    _, P = al.attention(q, k, v)
    tau = 1 / np.sqrt(q.shape[-1])
    dv = _ab_T(P) @ d_out
    dP = d_out @ _ab_T(v)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return tau * dS @ k, tau * _ab_T(dS) @ q, dv


@entry("attention_backward", "transposes with .T, which is only right without batch or head axes")
def ab_dot_T(q, k, v, d_out, mask=None):
    _, P = al.attention(q, k, v, mask)
    tau = 1 / np.sqrt(q.shape[-1])
    dv = P.T @ d_out
    dP = d_out @ v.T
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return tau * dS @ k, tau * dS.T @ q, dv


@entry("attention_backward", "multiplies dSᵀ by k instead of q for dk")
def ab_dk_uses_k(q, k, v, d_out, mask=None):
    _, P = al.attention(q, k, v, mask)
    tau = 1 / np.sqrt(q.shape[-1])
    dv = _ab_T(P) @ d_out
    dP = d_out @ _ab_T(v)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return tau * dS @ k, tau * _ab_T(dS) @ k, dv


@entry("attention_backward", "writes its own forward with −inf and a plain softmax, so a query that sees nothing makes NaN gradients")
def ab_hand_forward_nan(q, k, v, d_out, mask=None):
    tau = 1 / np.sqrt(q.shape[-1])
    s = tau * q @ _ab_T(k)
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    P = e / e.sum(axis=-1, keepdims=True)
    dv = _ab_T(P) @ d_out
    dP = d_out @ _ab_T(v)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return tau * dS @ k, tau * _ab_T(dS) @ q, dv


@entry("attention_backward", "writes its own forward with −1e9, so a query that sees nothing gets uniform P and nonzero gradients")
def ab_hand_forward_1e9(q, k, v, d_out, mask=None):
    tau = 1 / np.sqrt(q.shape[-1])
    s = tau * q @ _ab_T(k)
    if mask is not None:
        s = np.where(mask, s, -1e9)
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    P = e / e.sum(axis=-1, keepdims=True)
    dv = _ab_T(P) @ d_out
    dP = d_out @ _ab_T(v)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return tau * dS @ k, tau * _ab_T(dS) @ q, dv


@entry("attention_backward", "divides the score gradient by d instead of sqrt(d)")
def ab_divides_by_d(q, k, v, d_out, mask=None):
    _, P = al.attention(q, k, v, mask)
    d = q.shape[-1]
    dv = _ab_T(P) @ d_out
    dP = d_out @ _ab_T(v)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return dS @ k / d, _ab_T(dS) @ q / d, dv


@entry("attention_backward", "correct: everything in einsum, broadcast axes summed back", kind="correct")
def ab_einsum(q, k, v, d_out, mask=None):
    _, P = al.attention(q, k, v, mask)
    tau = 1 / np.sqrt(np.shape(q)[-1])
    dv = np.einsum("...qk,...qe->...ke", P, d_out)
    dP = np.einsum("...qe,...ke->...qk", d_out, v)
    dS = P * (dP - np.einsum("...qk,...qk->...q", dP, P)[..., None])
    dq = tau * np.einsum("...qk,...kd->...qd", dS, k)
    dk = tau * np.einsum("...qk,...qd->...kd", dS, q)
    return _ab_sum_to(dq, np.shape(q)), _ab_sum_to(dk, np.shape(k)), _ab_sum_to(dv, np.shape(v))


@entry("attention_backward", "correct: scales q before the forward pass and sums broadcast axes back to each input's shape", kind="correct")
def ab_prescaled_unbroadcast(q, k, v, d_out, mask=None):
    q, k, v, d_out = (np.asarray(a, dtype=float) for a in (q, k, v, d_out))
    tau = 1 / math.sqrt(q.shape[-1])
    _, P = al.attention(q, k, v, mask)
    dv = np.swapaxes(P, -1, -2) @ d_out
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * dP - P * np.sum(P * dP, axis=-1, keepdims=True)
    dq = (dS @ k) * tau
    dk = (np.swapaxes(dS, -1, -2) @ q) * tau

    def reduce_to(g, shape):
        while g.ndim > len(shape):
            g = g.sum(axis=0)
        for ax, n in enumerate(shape):
            if n == 1 and g.shape[ax] != 1:
                g = g.sum(axis=ax, keepdims=True)
        return g

    return reduce_to(dq, q.shape), reduce_to(dk, k.shape), reduce_to(dv, v.shape)


@entry("attention_backward", "correct: its own guarded forward softmax instead of al.attention, broadcast axes summed back", kind="correct")
def ab_guarded_forward(q, k, v, d_out, mask=None):
    tau = 1 / np.sqrt(q.shape[-1])
    s = tau * (q @ np.swapaxes(k, -1, -2))
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    top = s.max(axis=-1, keepdims=True)
    e = np.exp(s - np.where(np.isfinite(top), top, 0.0))
    z = e.sum(axis=-1, keepdims=True)
    P = np.divide(e, z, out=np.zeros_like(e), where=z > 0)
    dv = np.swapaxes(P, -1, -2) @ d_out
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * (dP - (dP * P).sum(axis=-1, keepdims=True))
    dq, dk = tau * (dS @ k), tau * (np.swapaxes(dS, -1, -2) @ q)
    return _ab_sum_to(dq, q.shape), _ab_sum_to(dk, k.shape), _ab_sum_to(dv, v.shape)


# ---------------------------------------------------------------- 07 · backward_mask_bug
@entry("backward_mask_bug", "deletes the raise line only: P is still rebuilt without the mask")
def bmb_unchanged(q, k, v, d_out, mask=None):
    d = q.shape[-1]
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)
    P = np.exp(s - s.max(axis=-1, keepdims=True))
    P = P / P.sum(axis=-1, keepdims=True)
    dv = np.swapaxes(P, -1, -2) @ d_out
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return dS @ k / np.sqrt(d), np.swapaxes(dS, -1, -2) @ q / np.sqrt(d), dv


@entry("backward_mask_bug", "masks s with −inf but keeps the plain softmax, so a query that sees nothing gives NaN")
def bmb_inf_plain_softmax(q, k, v, d_out, mask=None):
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


@entry("backward_mask_bug", "masks s with −1e9, so a query that sees nothing gets uniform P and nonzero gradients")
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


@entry("backward_mask_bug", "zeroes P at blocked keys after the softmax without renormalising the rows")
def bmb_zero_after_softmax(q, k, v, d_out, mask=None):
    d = q.shape[-1]
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)
    P = np.exp(s - s.max(axis=-1, keepdims=True))
    P = P / P.sum(axis=-1, keepdims=True)
    if mask is not None:
        P = np.where(mask, P, 0.0)
    dv = np.swapaxes(P, -1, -2) @ d_out
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return dS @ k / np.sqrt(d), np.swapaxes(dS, -1, -2) @ q / np.sqrt(d), dv


@entry("backward_mask_bug", "masks only dS, leaving the unmasked P in dv and in the row sum")
def bmb_masks_ds_only(q, k, v, d_out, mask=None):
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


@entry("backward_mask_bug", "uses al.attention for P but passes ~mask, reading the mask as True = blocked")
def bmb_inverted_mask(q, k, v, d_out, mask=None):
    d = q.shape[-1]
    _, P = al.attention(q, k, v, None if mask is None else ~np.asarray(mask))
    dv = np.swapaxes(P, -1, -2) @ d_out
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return dS @ k / np.sqrt(d), np.swapaxes(dS, -1, -2) @ q / np.sqrt(d), dv


@entry("backward_mask_bug", "correct: takes P from al.attention with the mask", kind="correct")
def bmb_al_attention(q, k, v, d_out, mask=None):
    d = q.shape[-1]
    _, P = al.attention(q, k, v, mask)
    dv = np.swapaxes(P, -1, -2) @ d_out
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return dS @ k / np.sqrt(d), np.swapaxes(dS, -1, -2) @ q / np.sqrt(d), dv


@entry("backward_mask_bug", "correct: keeps the hand softmax, masks with −inf and guards the empty rows", kind="correct")
def bmb_guarded_softmax(q, k, v, d_out, mask=None):
    d = q.shape[-1]
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    top = s.max(axis=-1, keepdims=True)
    P = np.exp(s - np.where(np.isfinite(top), top, 0.0))
    total = P.sum(axis=-1, keepdims=True)
    P = P / np.where(total > 0, total, 1.0)
    dv = np.swapaxes(P, -1, -2) @ d_out
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return dS @ k / np.sqrt(d), np.swapaxes(dS, -1, -2) @ q / np.sqrt(d), dv


# ================================================================ 08 · efficient attention

# ---------------------------------------------------------------- 08 · online_softmax
@entry("online_softmax", "never rescales the running sum when the maximum grows")
def os_no_rescale(x, axis=-1):
    z = np.moveaxis(np.asarray(x, dtype=float), axis, -1)
    m = np.full(z.shape[:-1], -np.inf)
    d = np.zeros(z.shape[:-1])
    for j in range(z.shape[-1]):
        m_new = np.maximum(m, z[..., j])
        d = d + np.exp(z[..., j] - m_new)
        m = m_new
    return np.moveaxis(np.exp(z - m[..., None]) / d[..., None], -1, axis)


@entry("online_softmax", "rescales the running sum by e^(m_new − m) instead of e^(m − m_new)")
def os_rescale_inverted(x, axis=-1):
    z = np.moveaxis(np.asarray(x, dtype=float), axis, -1)
    m = np.full(z.shape[:-1], -np.inf)
    d = np.zeros(z.shape[:-1])
    for j in range(z.shape[-1]):
        m_new = np.maximum(m, z[..., j])
        with np.errstate(over="ignore", invalid="ignore"):
            factor = np.where(np.isfinite(m), np.exp(m_new - m), 0.0)
        d = d * factor + np.exp(z[..., j] - m_new)
        m = m_new
    return np.moveaxis(np.exp(z - m[..., None]) / d[..., None], -1, axis)


@entry("online_softmax", "ignores the axis argument and always runs along the last axis")
def os_ignores_axis(x, axis=-1):
    z = np.asarray(x, dtype=float)
    m = np.full(z.shape[:-1], -np.inf)
    d = np.zeros(z.shape[:-1])
    for j in range(z.shape[-1]):
        m_new = np.maximum(m, z[..., j])
        shift = np.where(np.isfinite(m_new), m_new, 0.0)
        d = d * np.exp(m - shift) + np.exp(z[..., j] - shift)
        m = m_new
    shift = np.where(np.isfinite(m), m, 0.0)[..., None]
    e = np.exp(z - shift)
    return np.divide(e, d[..., None], out=np.zeros_like(e), where=d[..., None] > 0)


@entry("online_softmax", "has no guard for an all −inf slice, which comes out NaN instead of zeros")
def os_no_inf_guard(x, axis=-1):
    z = np.moveaxis(np.asarray(x, dtype=float), axis, -1)
    m = np.full(z.shape[:-1], -np.inf)
    d = np.zeros(z.shape[:-1])
    for j in range(z.shape[-1]):
        m_new = np.maximum(m, z[..., j])
        d = d * np.exp(m - m_new) + np.exp(z[..., j] - m_new)
        m = m_new
    return np.moveaxis(np.exp(z - m[..., None]) / d[..., None], -1, axis)


@entry("online_softmax", "starts the running maximum at 0 instead of −inf, so very negative rows underflow to 0/0")
def os_max_starts_at_zero(x, axis=-1):
    z = np.moveaxis(np.asarray(x, dtype=float), axis, -1)
    m = np.zeros(z.shape[:-1])
    d = np.zeros(z.shape[:-1])
    for j in range(z.shape[-1]):
        m_new = np.maximum(m, z[..., j])
        d = d * np.exp(m - m_new) + np.exp(z[..., j] - m_new)
        m = m_new
    return np.moveaxis(np.exp(z - m[..., None]) / d[..., None], -1, axis)


@entry("online_softmax", "starts the running sum at 1 instead of 0")
def os_sum_starts_at_one(x, axis=-1):
    z = np.moveaxis(np.asarray(x, dtype=float), axis, -1)
    m = np.full(z.shape[:-1], -np.inf)
    d = np.ones(z.shape[:-1])
    for j in range(z.shape[-1]):
        m_new = np.maximum(m, z[..., j])
        shift = np.where(np.isfinite(m_new), m_new, 0.0)
        d = d * np.exp(m - shift) + np.exp(z[..., j] - shift)
        m = m_new
    shift = np.where(np.isfinite(m), m, 0.0)[..., None]
    return np.moveaxis(np.exp(z - shift) / d[..., None], -1, axis)


@entry("online_softmax", "loops over range(n − 1), so the last position never enters the max or the sum")
def os_off_by_one(x, axis=-1):
    z = np.moveaxis(np.asarray(x, dtype=float), axis, -1)
    m = np.full(z.shape[:-1], -np.inf)
    d = np.zeros(z.shape[:-1])
    for j in range(z.shape[-1] - 1):
        m_new = np.maximum(m, z[..., j])
        shift = np.where(np.isfinite(m_new), m_new, 0.0)
        d = d * np.exp(m - shift) + np.exp(z[..., j] - shift)
        m = m_new
    shift = np.where(np.isfinite(m), m, 0.0)[..., None]
    e = np.exp(z - shift)
    return np.moveaxis(np.divide(e, d[..., None], out=np.zeros_like(e), where=d[..., None] > 0), -1, axis)


@entry("online_softmax", "forgets the new axis on m and d in the last step, so they broadcast along the wrong axis")
def os_final_broadcast(x, axis=-1):
    z = np.moveaxis(np.asarray(x, dtype=float), axis, -1)
    m = np.full(z.shape[:-1], -np.inf)
    d = np.zeros(z.shape[:-1])
    for j in range(z.shape[-1]):
        m_new = np.maximum(m, z[..., j])
        d = d * np.exp(m - m_new) + np.exp(z[..., j] - m_new)
        m = m_new
    return np.moveaxis(np.exp(z - m) / d, -1, axis)


@entry("online_softmax", "correct: the recurrence with a shift of 0 while the maximum is −inf", kind="correct")
def os_guarded(x, axis=-1):
    z = np.moveaxis(np.asarray(x, dtype=float), axis, -1)
    m = np.full(z.shape[:-1], -np.inf)
    d = np.zeros(z.shape[:-1])
    for j in range(z.shape[-1]):
        m_new = np.maximum(m, z[..., j])
        shift = np.where(np.isfinite(m_new), m_new, 0.0)
        d = d * np.exp(m - shift) + np.exp(z[..., j] - shift)
        m = m_new
    shift = np.where(np.isfinite(m), m, 0.0)[..., None]
    e = np.exp(z - shift)
    out = np.divide(e, d[..., None], out=np.zeros_like(e), where=d[..., None] > 0)
    return np.moveaxis(out, -1, axis)


@entry("online_softmax", "correct: np.take along the axis, keepdims-shaped running statistics", kind="correct")
def os_take(x, axis=-1):
    x = np.asarray(x, dtype=float)
    ax = axis % x.ndim
    m = np.full(np.delete(np.array(x.shape), ax).tolist(), -np.inf)
    m = np.expand_dims(m, ax)
    d = np.zeros_like(m)
    for j in range(x.shape[ax]):
        xj = np.take(x, [j], axis=ax)
        m_new = np.maximum(m, xj)
        safe = np.where(m_new == -np.inf, 0.0, m_new)
        d = d * np.exp(m - safe) + np.exp(xj - safe)
        m = m_new
    safe = np.where(m == -np.inf, 0.0, m)
    e = np.exp(x - safe)
    return np.where(d > 0, e / np.where(d > 0, d, 1.0), 0.0)


@entry("online_softmax", "correct: swapaxes to the end and a running max updated with np.fmax", kind="correct")
def os_swapaxes(x, axis=-1):
    z = np.swapaxes(np.asarray(x, dtype=np.float64), axis, -1)
    m = np.full(z.shape[:-1], -np.inf)
    d = np.zeros(z.shape[:-1])
    with np.errstate(invalid="ignore"):
        for j in range(z.shape[-1]):
            xj = z[..., j]
            m_new = np.fmax(m, xj)
            old = np.where(np.isneginf(m), 0.0, np.exp(m - m_new))
            new = np.where(np.isneginf(xj), 0.0, np.exp(xj - m_new))
            d = d * old + new
            m = m_new
        w = np.where(np.isneginf(z), 0.0, np.exp(z - m[..., None]))
    w = w / np.where(d > 0, d, 1.0)[..., None]
    return np.swapaxes(w, axis, -1)


# ---------------------------------------------------------------- 08 · kv_cache_bytes
@entry("kv_cache_bytes", "forgets the factor 2 for keys and values")
def kvb_no_kv_factor(n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element=2, batch=1):
    return n_layers * n_kv_heads * d_head * n_tokens * bytes_per_element * batch


@entry("kv_cache_bytes", "ignores the batch argument")
def kvb_ignores_batch(n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element=2, batch=1):
    return 2 * n_layers * n_kv_heads * d_head * n_tokens * bytes_per_element


@entry("kv_cache_bytes", "multiplies with a float 2.0, returning a float instead of a whole number. Right: the "
       "value is whole and exact (a float holds every whole number below 2⁵³), as kv_cache_per_token accepts", kind="correct")
def kvb_float(n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element=2, batch=1):
    return 2.0 * n_layers * n_kv_heads * d_head * n_tokens * bytes_per_element * batch


@entry("kv_cache_bytes", "multiplies in an np.int32 array, which overflows past 2**31 bytes")
def kvb_int32_overflow(n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element=2, batch=1):
    factors = np.array([2, n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element, batch], dtype=np.int32)
    return int(np.prod(factors, dtype=np.int32))


@entry("kv_cache_bytes", "hard-codes 2 bytes per element and ignores bytes_per_element")
def kvb_ignores_bytes(n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element=2, batch=1):
    return 2 * n_layers * n_kv_heads * d_head * n_tokens * 2 * batch


@entry("kv_cache_bytes", "correct: math.prod over the factors", kind="correct")
def kvb_math_prod(n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element=2, batch=1):
    return math.prod([2, n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element, batch])


@entry("kv_cache_bytes", "correct: per-token bytes first, then times tokens and batch, each cast with int()", kind="correct")
def kvb_per_token(n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element=2, batch=1):
    per_token = 2 * int(n_layers) * int(n_kv_heads) * int(d_head) * int(bytes_per_element)
    return per_token * int(n_tokens) * int(batch)


# ---------------------------------------------------------------- 08 · flash_block_update
@entry("flash_block_update", "does not rescale the old running sum l by α")
def fbu_l_not_rescaled(m, l, acc, scores_block, v_block):
    m_new = np.maximum(m, scores_block.max(axis=-1, keepdims=True))
    shift = np.where(np.isfinite(m_new), m_new, 0.0)
    p = np.exp(scores_block - shift)
    alpha = np.exp(m - shift)
    return m_new, l + p.sum(axis=-1, keepdims=True), alpha * acc + p @ v_block


@entry("flash_block_update", "does not rescale the old output acc by α")
def fbu_acc_not_rescaled(m, l, acc, scores_block, v_block):
    m_new = np.maximum(m, scores_block.max(axis=-1, keepdims=True))
    shift = np.where(np.isfinite(m_new), m_new, 0.0)
    p = np.exp(scores_block - shift)
    alpha = np.exp(m - shift)
    return m_new, alpha * l + p.sum(axis=-1, keepdims=True), acc + p @ v_block


@entry("flash_block_update", "takes α = e^(m' − m), the inverse of the rescaling factor")
def fbu_alpha_inverted(m, l, acc, scores_block, v_block):
    m_new = np.maximum(m, scores_block.max(axis=-1, keepdims=True))
    shift = np.where(np.isfinite(m_new), m_new, 0.0)
    p = np.exp(scores_block - shift)
    with np.errstate(over="ignore", invalid="ignore"):
        alpha = np.where(np.isfinite(m), np.exp(shift - m), 0.0)
    return m_new, alpha * l + p.sum(axis=-1, keepdims=True), alpha * acc + p @ v_block


@entry("flash_block_update", "has no guard for −inf, so a first tile with every key blocked gives NaN")
def fbu_no_guard(m, l, acc, scores_block, v_block):
    m_new = np.maximum(m, scores_block.max(axis=-1, keepdims=True))
    p = np.exp(scores_block - m_new)
    alpha = np.exp(m - m_new)
    return m_new, alpha * l + p.sum(axis=-1, keepdims=True), alpha * acc + p @ v_block


@entry("flash_block_update", "divides acc by l inside the update, normalising too early")
def fbu_normalises(m, l, acc, scores_block, v_block):
    m_new = np.maximum(m, scores_block.max(axis=-1, keepdims=True))
    shift = np.where(np.isfinite(m_new), m_new, 0.0)
    p = np.exp(scores_block - shift)
    alpha = np.exp(m - shift)
    l_new = alpha * l + p.sum(axis=-1, keepdims=True)
    acc_new = alpha * acc + p @ v_block
    return m_new, l_new, np.divide(acc_new, l_new, out=np.zeros_like(acc_new), where=l_new > 0)


@entry("flash_block_update", "uses the tile's own maximum as the new m, forgetting to compare with the old m")
def fbu_block_local_max(m, l, acc, scores_block, v_block):
    m_new = scores_block.max(axis=-1, keepdims=True)
    shift = np.where(np.isfinite(m_new), m_new, 0.0)
    p = np.exp(scores_block - shift)
    with np.errstate(over="ignore"):
        alpha = np.exp(m - shift)
    return m_new, alpha * l + p.sum(axis=-1, keepdims=True), alpha * acc + p @ v_block


@entry("flash_block_update", "updates l and acc in place, so the caller's arrays change")
def fbu_in_place(m, l, acc, scores_block, v_block):
    m_new = np.maximum(m, scores_block.max(axis=-1, keepdims=True))
    shift = np.where(np.isfinite(m_new), m_new, 0.0)
    p = np.exp(scores_block - shift)
    alpha = np.exp(m - shift)
    l *= alpha
    l += p.sum(axis=-1, keepdims=True)
    acc *= alpha
    acc += p @ v_block
    return m_new, l, acc


@entry("flash_block_update", "exponentiates the tile against the old m instead of the new m'")
def fbu_p_old_max(m, l, acc, scores_block, v_block):
    m_new = np.maximum(m, scores_block.max(axis=-1, keepdims=True))
    shift_old = np.where(np.isfinite(m), m, 0.0)
    shift = np.where(np.isfinite(m_new), m_new, 0.0)
    p = np.exp(scores_block - shift_old)
    alpha = np.exp(m - shift)
    return m_new, alpha * l + p.sum(axis=-1, keepdims=True), alpha * acc + p @ v_block


@entry("flash_block_update", "correct: the update with a shift of 0 wherever m' is −inf", kind="correct")
def fbu_guarded(m, l, acc, scores_block, v_block):
    m_new = np.maximum(m, np.max(scores_block, axis=-1, keepdims=True))
    shift = np.where(np.isfinite(m_new), m_new, 0.0)
    p = np.exp(scores_block - shift)
    alpha = np.exp(m - shift)
    return m_new, alpha * l + np.sum(p, axis=-1, keepdims=True), alpha * acc + p @ v_block


@entry("flash_block_update", "correct: lets −inf − (−inf) happen and replaces the NaNs with 0", kind="correct")
def fbu_nan_to_num(m, l, acc, scores_block, v_block):
    m, l, acc = np.array(m, dtype=float), np.array(l, dtype=float), np.array(acc, dtype=float)
    s = np.asarray(scores_block, dtype=float)
    m_new = np.maximum(m, s.max(axis=-1, keepdims=True))
    with np.errstate(invalid="ignore"):
        p = np.nan_to_num(np.exp(s - m_new), nan=0.0)
        alpha = np.nan_to_num(np.exp(m - m_new), nan=0.0)
    return m_new, alpha * l + p.sum(axis=-1, keepdims=True), alpha * acc + np.einsum("...qk,...kd->...qd", p, v_block)


# ---------------------------------------------------------------- 08 · decode_step
@entry("decode_step", "concatenates along axis 0, which is the sequence axis only for 2-D caches")
def ds_axis0(q_new, k_cache, v_cache, k_new, v_new):
    k_cache = np.concatenate([k_cache, k_new], axis=0)
    v_cache = np.concatenate([v_cache, v_new], axis=0)
    n_q, n_k = q_new.shape[-2], k_cache.shape[-2]
    mask = None if n_q == 1 else al.causal_mask(n_q, n_k)
    out, _ = al.attention(q_new, k_cache, v_cache, mask)
    return out, k_cache, v_cache


@entry("decode_step", "builds a top-left causal mask np.tri(n_q, n_k), so new queries miss most of the cache")
def ds_top_left_mask(q_new, k_cache, v_cache, k_new, v_new):
    k_cache = np.concatenate([k_cache, k_new], axis=-2)
    v_cache = np.concatenate([v_cache, v_new], axis=-2)
    n_q, n_k = q_new.shape[-2], k_cache.shape[-2]
    out, _ = al.attention(q_new, k_cache, v_cache, np.tri(n_q, n_k, dtype=bool))
    return out, k_cache, v_cache


@entry("decode_step", "never masks, so with several new tokens the earlier ones see the later ones")
def ds_no_mask(q_new, k_cache, v_cache, k_new, v_new):
    k_cache = np.concatenate([k_cache, k_new], axis=-2)
    v_cache = np.concatenate([v_cache, v_new], axis=-2)
    out, _ = al.attention(q_new, k_cache, v_cache)
    return out, k_cache, v_cache


@entry("decode_step", "attends to the old cache first and appends afterwards, so a token never sees itself")
def ds_attend_then_append(q_new, k_cache, v_cache, k_new, v_new):
    out, _ = al.attention(q_new, k_cache, v_cache)
    k_cache = np.concatenate([k_cache, k_new], axis=-2)
    v_cache = np.concatenate([v_cache, v_new], axis=-2)
    return out, k_cache, v_cache


@entry("decode_step", "puts the new keys and values in front of the cache instead of after it")
def ds_prepends(q_new, k_cache, v_cache, k_new, v_new):
    k_cache = np.concatenate([k_new, k_cache], axis=-2)
    v_cache = np.concatenate([v_new, v_cache], axis=-2)
    n_q, n_k = q_new.shape[-2], k_cache.shape[-2]
    mask = None if n_q == 1 else al.causal_mask(n_q, n_k)
    out, _ = al.attention(q_new, k_cache, v_cache, mask)
    return out, k_cache, v_cache


@entry("decode_step", "appends k_new to the value cache as well (k for v)")
def ds_k_into_v(q_new, k_cache, v_cache, k_new, v_new):
    k_cache = np.concatenate([k_cache, k_new], axis=-2)
    v_cache = np.concatenate([v_cache, k_new], axis=-2)
    n_q, n_k = q_new.shape[-2], k_cache.shape[-2]
    mask = None if n_q == 1 else al.causal_mask(n_q, n_k)
    out, _ = al.attention(q_new, k_cache, v_cache, mask)
    return out, k_cache, v_cache


@entry("decode_step", "shifts the causal diagonal one too far, so each new token cannot see itself")
def ds_mask_off_by_one(q_new, k_cache, v_cache, k_new, v_new):
    k_cache = np.concatenate([k_cache, k_new], axis=-2)
    v_cache = np.concatenate([v_cache, v_new], axis=-2)
    n_q, n_k = q_new.shape[-2], k_cache.shape[-2]
    mask = np.tri(n_q, n_k, k=n_k - n_q - 1, dtype=bool)
    out, _ = al.attention(q_new, k_cache, v_cache, mask)
    return out, k_cache, v_cache


@entry("decode_step", "correct: always passes al.causal_mask(n_q, n_k), even for one token", kind="correct")
def ds_always_mask(q_new, k_cache, v_cache, k_new, v_new):
    k_cache = np.concatenate((k_cache, k_new), axis=-2)
    v_cache = np.concatenate((v_cache, v_new), axis=-2)
    out, _ = al.attention(q_new, k_cache, v_cache, al.causal_mask(q_new.shape[-2], k_cache.shape[-2]))
    return out, k_cache, v_cache


@entry("decode_step", "correct: its own bottom-right mask from aranges, and np.append on axis -2", kind="correct")
def ds_own_mask(q_new, k_cache, v_cache, k_new, v_new):
    k_all = np.append(np.asarray(k_cache, float), np.asarray(k_new, float), axis=-2)
    v_all = np.append(np.asarray(v_cache, float), np.asarray(v_new, float), axis=-2)
    n_q, n_k = np.shape(q_new)[-2], k_all.shape[-2]
    n_past = n_k - n_q
    mask = np.arange(n_k)[None, :] <= n_past + np.arange(n_q)[:, None]
    out, _ = al.attention(q_new, k_all, v_all, mask)
    return out, k_all, v_all


# ---------------------------------------------------------------- 08 · fix_tiled_attention
@entry("fix_tiled_attention", "fixes the key range and the rescaling of l but not the empty rows, which come out NaN")
def fta_no_empty_guard(q, k, v, mask=None, block_size=128):
    n_q, n_k, d = q.shape[-2], k.shape[-2], q.shape[-1]
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
            p = np.exp(s - m_new)
            alpha = np.exp(m - m_new)
            l = alpha * l + p.sum(axis=-1, keepdims=True)
            acc = alpha * acc + p @ v[..., j:j + block_size, :]
            m = m_new
        out[..., i:i + block_size, :] = acc / l
    return out


@entry("fix_tiled_attention", "fixes the key range and the empty rows but still adds to l without rescaling it")
def fta_l_not_rescaled(q, k, v, mask=None, block_size=128):
    n_q, n_k, d = q.shape[-2], k.shape[-2], q.shape[-1]
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
            shift = np.where(np.isfinite(m_new), m_new, 0.0)
            p = np.exp(s - shift)
            l = l + p.sum(axis=-1, keepdims=True)
            acc = np.exp(m - shift) * acc + p @ v[..., j:j + block_size, :]
            m = m_new
        out[..., i:i + block_size, :] = np.divide(acc, l, out=np.zeros_like(acc), where=l > 0)
    return out


@entry("fix_tiled_attention", "fixes l and the empty rows but keeps range(0, n_q, ...) for the key blocks")
def fta_keys_range_nq(q, k, v, mask=None, block_size=128):
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
            shift = np.where(np.isfinite(m_new), m_new, 0.0)
            p = np.exp(s - shift)
            alpha = np.exp(m - shift)
            l = alpha * l + p.sum(axis=-1, keepdims=True)
            acc = alpha * acc + p @ v[..., j:j + block_size, :]
            m = m_new
        out[..., i:i + block_size, :] = np.divide(acc, l, out=np.zeros_like(acc), where=l > 0)
    return out


@entry("fix_tiled_attention", "rescales l the wrong way, by e^(m_new − m)")
def fta_l_rescaled_inverted(q, k, v, mask=None, block_size=128):
    n_q, n_k, d = q.shape[-2], k.shape[-2], q.shape[-1]
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
            shift = np.where(np.isfinite(m_new), m_new, 0.0)
            p = np.exp(s - shift)
            with np.errstate(over="ignore", invalid="ignore"):
                grow = np.where(np.isfinite(m), np.exp(shift - m), 0.0)
            l = grow * l + p.sum(axis=-1, keepdims=True)
            acc = np.exp(m - shift) * acc + p @ v[..., j:j + block_size, :]
            m = m_new
        out[..., i:i + block_size, :] = np.divide(acc, l, out=np.zeros_like(acc), where=l > 0)
    return out


@entry("fix_tiled_attention", "moves the m, l, acc initialisation inside the key loop, so only the last key block counts")
def fta_reset_inside(q, k, v, mask=None, block_size=128):
    n_q, n_k, d = q.shape[-2], k.shape[-2], q.shape[-1]
    out = np.empty(q.shape[:-1] + (v.shape[-1],))
    for i in range(0, n_q, block_size):
        q_i = q[..., i:i + block_size, :] / np.sqrt(d)
        for j in range(0, n_k, block_size):
            m = np.full(q_i.shape[:-1] + (1,), -np.inf)
            l = np.zeros(q_i.shape[:-1] + (1,))
            acc = np.zeros(q_i.shape[:-1] + (v.shape[-1],))
            s = q_i @ np.swapaxes(k[..., j:j + block_size, :], -1, -2)
            if mask is not None:
                s = np.where(mask[..., i:i + block_size, j:j + block_size], s, -np.inf)
            m_new = np.maximum(m, s.max(axis=-1, keepdims=True))
            shift = np.where(np.isfinite(m_new), m_new, 0.0)
            p = np.exp(s - shift)
            alpha = np.exp(m - shift)
            l = alpha * l + p.sum(axis=-1, keepdims=True)
            acc = alpha * acc + p @ v[..., j:j + block_size, :]
            m = m_new
        out[..., i:i + block_size, :] = np.divide(acc, l, out=np.zeros_like(acc), where=l > 0)
    return out


@entry("fix_tiled_attention", "loops over whole key blocks only (n_k // block_size of them), dropping the last partial block")
def fta_drops_partial_block(q, k, v, mask=None, block_size=128):
    n_q, n_k, d = q.shape[-2], k.shape[-2], q.shape[-1]
    out = np.empty(q.shape[:-1] + (v.shape[-1],))
    for i in range(0, n_q, block_size):
        q_i = q[..., i:i + block_size, :] / np.sqrt(d)
        m = np.full(q_i.shape[:-1] + (1,), -np.inf)
        l = np.zeros(q_i.shape[:-1] + (1,))
        acc = np.zeros(q_i.shape[:-1] + (v.shape[-1],))
        for jb in range(max(n_k // block_size, 1)):
            j = jb * block_size
            s = q_i @ np.swapaxes(k[..., j:j + block_size, :], -1, -2)
            if mask is not None:
                s = np.where(mask[..., i:i + block_size, j:j + block_size], s, -np.inf)
            m_new = np.maximum(m, s.max(axis=-1, keepdims=True))
            shift = np.where(np.isfinite(m_new), m_new, 0.0)
            p = np.exp(s - shift)
            alpha = np.exp(m - shift)
            l = alpha * l + p.sum(axis=-1, keepdims=True)
            acc = alpha * acc + p @ v[..., j:j + block_size, :]
            m = m_new
        out[..., i:i + block_size, :] = np.divide(acc, l, out=np.zeros_like(acc), where=l > 0)
    return out


@entry("fix_tiled_attention", "masks with −1e9 instead of −inf, so a query that sees nothing averages all values")
def fta_minus_1e9(q, k, v, mask=None, block_size=128):
    n_q, n_k, d = q.shape[-2], k.shape[-2], q.shape[-1]
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


@entry("fix_tiled_attention", "divides acc by l at the end of every key block instead of once after the last")
def fta_divides_each_block(q, k, v, mask=None, block_size=128):
    n_q, n_k, d = q.shape[-2], k.shape[-2], q.shape[-1]
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
            shift = np.where(np.isfinite(m_new), m_new, 0.0)
            p = np.exp(s - shift)
            alpha = np.exp(m - shift)
            l = alpha * l + p.sum(axis=-1, keepdims=True)
            acc = alpha * acc + p @ v[..., j:j + block_size, :]
            acc = np.divide(acc, l, out=np.zeros_like(acc), where=l > 0)
            m = m_new
        out[..., i:i + block_size, :] = acc
    return out


@entry("fix_tiled_attention", "fixes all three but slices a padding mask's size-1 query axis, which is empty past the "
       "first block. Right: that slicing is the handout's (and the solution's), not one of its three bugs", kind="correct")
def fta_slices_broadcast_axis(q, k, v, mask=None, block_size=128):
    n_q, n_k, d = q.shape[-2], k.shape[-2], q.shape[-1]
    out = np.empty(np.broadcast_shapes(q.shape[:-2], k.shape[:-2]) + (n_q, v.shape[-1]))
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
            shift = np.where(np.isfinite(m_new), m_new, 0.0)
            p = np.exp(s - shift)
            alpha = np.exp(m - shift)
            l = alpha * l + p.sum(axis=-1, keepdims=True)
            acc = alpha * acc + p @ v[..., j:j + block_size, :]
            m = m_new
        out[..., i:i + block_size, :] = np.divide(acc, l, out=np.zeros_like(acc), where=l > 0)
    return out


@entry("fix_tiled_attention", "correct: all three bugs fixed, the mask broadcast to the full score shape first", kind="correct")
def fta_fixed_broadcast_mask(q, k, v, mask=None, block_size=128):
    q, k, v = np.asarray(q, float), np.asarray(k, float), np.asarray(v, float)
    n_q, n_k, d = q.shape[-2], k.shape[-2], q.shape[-1]
    lead = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    full = None if mask is None else np.broadcast_to(mask, np.broadcast_shapes(np.shape(mask), lead + (n_q, n_k)))
    out_lead = lead if full is None else full.shape[:-2]
    out = np.zeros(out_lead + (n_q, v.shape[-1]))
    for i in range(0, n_q, block_size):
        q_i = q[..., i:i + block_size, :] / np.sqrt(d)
        b = q_i.shape[-2]
        m = np.full(out_lead + (b, 1), -np.inf)
        l = np.zeros(out_lead + (b, 1))
        acc = np.zeros(out_lead + (b, v.shape[-1]))
        for j in range(0, n_k, block_size):
            s = q_i @ np.swapaxes(k[..., j:j + block_size, :], -1, -2)
            if full is not None:
                s = np.where(full[..., i:i + block_size, j:j + block_size], s, -np.inf)
            m_new = np.maximum(m, s.max(axis=-1, keepdims=True))
            shift = np.where(np.isfinite(m_new), m_new, 0.0)
            p = np.exp(s - shift)
            alpha = np.exp(m - shift)
            l = alpha * l + p.sum(axis=-1, keepdims=True)
            acc = alpha * acc + p @ v[..., j:j + block_size, :]
            m = m_new
        out[..., i:i + block_size, :] = np.divide(acc, l, out=np.zeros_like(acc), where=l > 0)
    return out


@entry("fix_tiled_attention", "correct: fixed with nan_to_num for empty tiles and a size-1-aware mask slice", kind="correct")
def fta_fixed_nan_to_num(q, k, v, mask=None, block_size=128):
    n_q, n_k, d = q.shape[-2], k.shape[-2], q.shape[-1]
    if mask is not None:
        mask = np.asarray(mask)
    lead = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2],
                               () if mask is None else mask.shape[:-2])
    out = np.zeros(lead + (n_q, v.shape[-1]))
    for i in range(0, n_q, block_size):
        rows = slice(i, min(i + block_size, n_q))
        q_i = q[..., rows, :] / np.sqrt(d)
        b = rows.stop - rows.start
        m = np.full(lead + (b, 1), -np.inf)
        l = np.zeros(lead + (b, 1))
        acc = np.zeros(lead + (b, v.shape[-1]))
        for j in range(0, n_k, block_size):
            cols = slice(j, min(j + block_size, n_k))
            s = q_i @ np.swapaxes(k[..., cols, :], -1, -2)
            if mask is not None:
                r = rows if mask.shape[-2] != 1 else slice(None)
                c = cols if mask.shape[-1] != 1 else slice(None)
                s = np.where(mask[..., r, c], s, -np.inf)
            m_new = np.maximum(m, s.max(axis=-1, keepdims=True))
            with np.errstate(invalid="ignore"):
                p = np.nan_to_num(np.exp(s - m_new), nan=0.0)
                alpha = np.nan_to_num(np.exp(m - m_new), nan=0.0)
            l = alpha * l + p.sum(axis=-1, keepdims=True)
            acc = alpha * acc + p @ v[..., cols, :]
            m = m_new
        safe = np.where(l > 0, l, 1.0)
        out[..., rows, :] = np.where(l > 0, acc / safe, 0.0)
    return out


EXPECTED = {
    'shp_out_uses_key_width': 'output_uses_d_k',
    'shp_scores_keys_by_queries': 'transposed_kq',
    'shp_out_one_row_per_key': 'output_rows_from_keys',
    'shp_weights_one_per_key': 'weights_reduced',
    'wew_scaled_by_sqrt2': 'scaled_scores',
    'wew_not_normalised': 'missing_normalisation',
    'wew_no_exponential': 'hard_attention',
    'wew_k3_score_two': 'score_miscomputed',
    'weo_uniform_average': 'uniform_average',
    'weo_unnormalised': 'missing_normalisation',
    'weo_hard_argmax': 'hard_attention',
    'weo_raw_scores': 'hard_attention',
    'weo_scaled_scores': 'scaled_scores',
    'sds_divides_by_d': 'scaled_by_d',
    'sds_dot_T': 'transpose_all_axes',
    'sds_sqrt_nk': 'scaled_by_wrong_dimension',
    'sds_multiplies': 'sqrt_d_multiplied',
    'sds_int_sqrt': 'rounded_to_whole',
    'sds_shape_index_one': 'scaled_by_wrong_dimension',
    'cos_no_temperature': 'temperature_ignored',
    'cos_times_temperature': 'temperature_multiplied',
    'cos_no_eps': 'cosine_no_eps',
    'cos_norm_wrong_axis': 'norm_wrong_axis',
    'cos_norms_no_keepdims': 'broadcast_mismatch',
    'cos_squared_norms': 'cosine_squared_norm',
    'rbf_no_minus': 'rbf_positive_sign',
    'rbf_two_tau': 'rbf_tau_not_squared',
    'rbf_no_two': 'rbf_missing_two',
    'rbf_plus_cross_term': 'rbf_expansion_wrong',
    'rbf_2d_broadcast': 'batch_not_handled',
    'rbf_not_squared': 'rbf_not_squared',
    'sm_no_max': 'no_max_subtraction',
    'sm_global_max': 'global_max_subtraction',
    'sm_sum_no_keepdims': 'missing_keepdims',
    'sm_ignores_axis': 'axis_argument_ignored',
    'sm_max_last_sum_axis': 'axis_argument_ignored',
    'sm_divides_by_max': 'missing_normalisation',
    'sm_whole_sum': 'normalised_whole_array',
    'sm_subtracts_min': 'no_max_subtraction',
    'sm_in_place': 'mutates_input',
    'smt_multiplies': 'temperature_multiplied',
    'smt_divides_weights': 'temperature_after_softmax',
    'smt_unstable': 'no_max_subtraction',
    'smt_axis_zero': 'softmax_wrong_axis',
    'smt_tau_squared': 'temperature_misapplied',
    'smt_floor_division': 'rounded_to_whole',
    'tft_returns_beta': 'temperature_multiplied',
    'tft_two_scores': 'dropped_zero_score',
    'tft_algebra_slip': 'target_missed',
    'tft_log10': 'wrong_log_base',
    'tft_short_bisection': 'target_missed',
    'nn_next_point_up': 'compared_labels',
    'nn_returns_input': 'returned_input_not_label',
    'nn_mean_of_labels': 'large_bandwidth_limit',
    'nn_average_neighbours': 'knn_not_1nn',
    'kr_unnormalised': 'missing_normalisation',
    'kr_no_half': 'kernel_missing_half',
    'kr_h_not_squared': 'bandwidth_not_squared',
    'kr_normalise_axis0': 'softmax_wrong_axis',
    'kr_global_sum': 'softmax_wrong_axis',
    'tk_keeps_lowest': 'topk_smallest',
    'tk_zero_after_softmax': 'topk_not_renormalised',
    'tk_strict_greater': 'comparison_strict',
    'tk_off_by_one': 'off_by_one',
    'tk_unscaled': 'no_sqrt_d_scaling',
    'tk_fill_zero': 'masked_to_zero',
    'tk_sort_axis0': 'topk_wrong_axis',
    'tk_averages_keys': 'output_from_keys',
    'cm_triu': 'causal_allows_future',
    'cm_strict': 'causal_excludes_diagonal',
    'cm_float': 'float_mask',
    'cm_swapped_comparison': 'causal_allows_future',
    'ck2_upper': 'causal_allows_future',
    'ck2_no_diagonal': 'causal_excludes_diagonal',
    'ck2_one_based': 'counted_from_one',
    'ck2_second_row': 'causal_excludes_diagonal',
    'pm_no_middle_axis': 'padding_missing_query_axis',
    'pm_less_equal': 'padding_off_by_one',
    'pm_inverted': 'mask_polarity_inverted',
    'pm_axis_last': 'padding_on_queries',
    'pm_int': 'float_mask',
    'pm_transposed': 'wrong_shape',
    'dm_ignores_side': 'padding_side_ignored',
    'dm_left_off_by_one': 'padding_off_by_one',
    'dm_or': 'causal_allows_future',
    'dm_pad_on_queries': 'padding_on_queries',
    'dm_flip_whole': 'left_padding_mirrored',
    'dm_strict_causal': 'causal_excludes_diagonal',
    'dm_blanks_pad_rows': 'padding_on_queries',
    'fma_polarity_only': 'mask_after_softmax',
    'fma_renormalise_after': 'fully_masked_row_nan',
    'fma_keeps_hand_softmax': 'fully_masked_row_nan',
    'fma_minus_1e9': 'fully_masked_row_uniform',
    'fma_still_inverted': 'mask_polarity_inverted',
    'fma_fill_zero': 'masked_to_zero',
    'fma_lost_scale': 'no_sqrt_d_scaling',
    'fma_softmax_axis_queries': 'softmax_wrong_axis',
    'ma_plain_inf': 'fully_masked_row_nan',
    'ma_minus_1e9': 'fully_masked_row_uniform',
    'ma_no_max_shift': 'no_max_subtraction',
    'ma_inverted': 'mask_polarity_inverted',
    'ma_max_before_mask': 'max_not_per_row',
    'ma_guards_sum_only': 'fully_masked_row_nan',
    'ma_always_head_axis': 'broadcast_mismatch',
    'ma_unscaled': 'no_sqrt_d_scaling',
    'ma_zero_out_only': 'fully_masked_row_nan',
    'cas_kv_target_length': 'kv_shaped_by_query_length',
    'cas_weights_transposed': 'transposed_kq',
    'cas_merged_source_length': 'output_rows_from_keys',
    'cas_heads_full_width': 'heads_not_split',
    'cas_merge_not_flattened': 'heads_not_merged',
    'csa_axis_minus2': 'softmax_wrong_axis',
    'csa_positive_index': 'axis_from_the_front',
    'csa_keepdims_shape': 'extra_axis',
    'csa_shape_of_sources': 'row_sums_shape',
    'att_unscaled': 'no_sqrt_d_scaling',
    'att_softmax_queries': 'softmax_wrong_axis',
    'att_dot_T': 'transpose_all_axes',
    'att_averages_keys': 'output_from_keys',
    'att_mask_inverted': 'mask_polarity_inverted',
    'att_mask_fill_zero': 'masked_to_zero',
    'att_scale_dv': 'scaled_by_wrong_dimension',
    'att_no_stabilisation': 'no_max_subtraction',
    'att_mask_after_softmax': 'mask_after_softmax',
    'att_swapped_return': 'pair_swapped',
    'att_scales_q_in_place': 'mutates_input',
    'ca_values_still_wk': 'shared_projection',
    'ca_keys_still_from_xq': 'keys_from_query_side',
    'ca_swapped_projections': None,
    'ca_queries_from_encoder': 'queries_from_kv_side',
    'ca_drops_mask': 'mask_ignored',
    'ca_keys_with_wq': 'shared_projection',
    'sa_scale_by_D': 'scaled_by_wrong_dimension',
    'sa_scale_by_dv': 'scaled_by_wrong_dimension',
    'sa_keys_with_wq': 'shared_projection',
    'sa_mask_inverted': 'mask_polarity_inverted',
    'sa_ignores_mask': 'mask_ignored',
    'sa_dot_T': 'transpose_all_axes',
    'sa_softmax_axis0': 'softmax_wrong_axis',
    'sa_hardcoded_sqrt4': 'scaled_by_wrong_dimension',
    'sh_reshape_trap': 'reshape_without_transpose',
    'sh_2d_only': 'batch_not_handled',
    'sh_hardcoded_4d': 'fixed_ndim',
    'sh_interleaved': 'interleaved_features',
    'sh_no_swap': 'heads_axis_last',
    'mh_reshape_trap': 'reshape_without_transpose',
    'mh_concat_positions': 'wrong_shape',
    'mh_3d_only': 'batch_not_handled',
    'mh_interleaved': 'interleaved_features',
    'mha_scale_sqrt_D': 'scaled_by_d_model',
    'mha_no_wo': 'forgot_w_o',
    'mha_ignores_biases': 'biases_ignored',
    'mha_bias_before_wo': 'biases_ignored',
    'mha_reshape_trap': 'reshape_without_transpose',
    'mha_no_head_axis': 'mask_missing_head_axis',
    'mha_mean_weights': 'weights_averaged_over_heads',
    'mha_values_with_wk': 'shared_projection',
    'mha_kv_from_xq': 'not_cross_attention',
    'mrb_unchanged': 'reshape_without_transpose',
    'mrb_split_only': 'reshape_without_transpose',
    'mrb_merge_only': 'reshape_without_transpose',
    'mrb_interleaved': 'interleaved_features',
    'mrb_values_left': 'reshape_without_transpose',
    'mrb_nq_for_nk': 'name_confused',
    'gqa_tile': 'kv_heads_tiled',
    'gqa_divides_by_g': 'kv_head_index_divided_by_g',
    'gqa_scale_kv_width': 'scores_scale_off',
    'gqa_no_biases': 'biases_ignored',
    'gqa_repeat_positions': None,
    'gqa_values_with_wk': 'shared_projection',
    'gqa_drops_mask': 'mask_ignored',
    'kvt_query_heads': 'kv_cache_used_query_heads',
    'kvt_no_kv_factor': 'kv_cache_forgot_values',
    'kvt_float32': 'kv_cache_bytes_per_number',
    'kvt_kib': 'wrong_quantity',
    'kvt_one_layer': 'wrong_quantity',
    'sb_missing_rowsum': 'missing_rowsum_term',
    'sb_missing_outer_p': 'softmax_grad_without_p',
    'sb_global_sum': 'softmax_grad_rowsum_over_all',
    'sb_no_keepdims': 'missing_keepdims',
    'sb_sign_flipped': 'operands_swapped',
    'sb_unweighted_sum': 'term_missing',
    'ng_forward_difference': 'fd_one_sided',
    'ng_no_copy': 'fd_integer_copy',
    'ng_divides_by_eps': 'fd_step_not_doubled',
    'ng_copy_keeps_int': 'fd_integer_copy',
    'ng_rows_only': 'first_axis_only',
    'ng_flat_result': 'wrong_shape',
    'ng_hardcoded_step': 'argument_ignored',
    'ng_float32': 'fd_in_float32',
    'ab_no_scale': 'backward_missing_scale',
    'ab_dv_no_transpose': 'dv_not_transposed',
    'ab_missing_rowsum': 'missing_rowsum_term',
    'ab_ignores_mask': 'gradient_through_masked',
    'ab_dot_T': 'transpose_all_axes',
    'ab_dk_uses_k': 'name_confused',
    'ab_hand_forward_nan': 'fully_masked_row_nan',
    'ab_hand_forward_1e9': 'fully_masked_row_uniform',
    'ab_divides_by_d': 'scaled_by_d',
    'bmb_unchanged': 'gradient_through_masked',
    'bmb_inf_plain_softmax': 'fully_masked_row_nan',
    'bmb_minus_1e9': 'fully_masked_row_uniform',
    'bmb_zero_after_softmax': 'mask_after_softmax',
    'bmb_masks_ds_only': None,
    'bmb_inverted_mask': 'mask_polarity_inverted',
    'os_no_rescale': 'online_sum_not_rescaled',
    'os_rescale_inverted': 'online_rescale_inverted',
    'os_ignores_axis': 'axis_argument_ignored',
    'os_no_inf_guard': 'fully_masked_row_nan',
    'os_max_starts_at_zero': 'online_max_started_at_zero',
    'os_sum_starts_at_one': None,
    'os_off_by_one': 'off_by_one',
    'os_final_broadcast': 'missing_keepdims',
    'kvb_no_kv_factor': 'kv_cache_forgot_values',
    'kvb_ignores_batch': 'kv_cache_missing_factor',
    'kvb_int32_overflow': 'integer_overflow',
    'kvb_ignores_bytes': 'kv_cache_bytes_per_number',
    'fbu_l_not_rescaled': 'flash_sum_not_rescaled',
    'fbu_acc_not_rescaled': 'flash_output_not_rescaled',
    'fbu_alpha_inverted': 'online_rescale_inverted',
    'fbu_no_guard': 'fully_masked_row_nan',
    'fbu_normalises': 'flash_normalised_too_early',
    'fbu_block_local_max': 'flash_max_forgets_old',
    'fbu_in_place': 'mutates_input',
    'fbu_p_old_max': None,
    'ds_axis0': 'kv_cache_wrong_axis',
    'ds_top_left_mask': 'causal_mask_top_left',
    'ds_no_mask': 'decode_no_mask_for_several_tokens',
    'ds_attend_then_append': 'kv_cache_off_by_one',
    'ds_prepends': 'kv_cache_prepended',
    'ds_k_into_v': 'name_confused',
    'ds_mask_off_by_one': 'kv_cache_off_by_one',
    'fta_no_empty_guard': 'fully_masked_row_nan',
    'fta_l_not_rescaled': 'flash_sum_not_rescaled',
    'fta_keys_range_nq': 'key_loop_over_queries',
    'fta_l_rescaled_inverted': None,
    'fta_reset_inside': 'running_value_reset',
    'fta_drops_partial_block': 'tail_tile_skipped',
    'fta_minus_1e9': 'fully_masked_row_uniform',
    'fta_divides_each_block': 'flash_normalised_too_early',
}
JUDGED = {
    'shp_out_uses_key_width': 'named',
    'shp_scores_keys_by_queries': 'named',
    'shp_out_one_row_per_key': 'named',
    'shp_weights_one_per_key': 'named',
    'wew_scaled_by_sqrt2': 'named',
    'wew_not_normalised': 'named',
    'wew_no_exponential': 'named',
    'wew_k3_score_two': 'named after',
    'weo_uniform_average': 'named',
    'weo_unnormalised': 'named',
    'weo_hard_argmax': 'named',
    'weo_raw_scores': 'named',
    'weo_scaled_scores': 'named',
    'sds_divides_by_d': 'named',
    'sds_dot_T': 'named',
    'sds_sqrt_nk': 'named',
    'sds_multiplies': 'named',
    'sds_int_sqrt': 'named after',
    'sds_shape_index_one': 'named after',
    'cos_no_temperature': 'named',
    'cos_times_temperature': 'named',
    'cos_no_eps': 'named',
    'cos_norm_wrong_axis': 'named',
    'cos_norms_no_keepdims': 'named',
    'cos_squared_norms': 'named',
    'rbf_no_minus': 'named',
    'rbf_two_tau': 'named',
    'rbf_no_two': 'named',
    'rbf_plus_cross_term': 'named',
    'rbf_2d_broadcast': 'named',
    'rbf_not_squared': 'named',
    'sm_no_max': 'named',
    'sm_global_max': 'named',
    'sm_sum_no_keepdims': 'named',
    'sm_ignores_axis': 'named',
    'sm_max_last_sum_axis': 'named',
    'sm_divides_by_max': 'named',
    'sm_whole_sum': 'named',
    'sm_subtracts_min': 'named',
    'sm_in_place': 'named',
    'smt_multiplies': 'named',
    'smt_divides_weights': 'named',
    'smt_unstable': 'named',
    'smt_axis_zero': 'named',
    'smt_tau_squared': 'named',
    'smt_floor_division': 'named after',
    'tft_returns_beta': 'named',
    'tft_two_scores': 'named',
    'tft_algebra_slip': 'named after',
    'tft_log10': 'named',
    'tft_short_bisection': 'named, re-read after',
    'nn_next_point_up': 'named after',
    'nn_returns_input': 'named',
    'nn_mean_of_labels': 'named',
    'nn_average_neighbours': 'named',
    'kr_unnormalised': 'named',
    'kr_no_half': 'named',
    'kr_h_not_squared': 'named after',
    'kr_normalise_axis0': 'named',
    'kr_global_sum': 'named',
    'tk_keeps_lowest': 'named',
    'tk_zero_after_softmax': 'named',
    'tk_strict_greater': 'named',
    'tk_off_by_one': 'named',
    'tk_unscaled': 'named',
    'tk_fill_zero': 'named',
    'tk_sort_axis0': 'named',
    'tk_averages_keys': 'named',
    'cm_triu': 'named',
    'cm_strict': 'named',
    'cm_float': 'named',
    'cm_swapped_comparison': 'named',
    'ck2_upper': 'named',
    'ck2_no_diagonal': 'named',
    'ck2_one_based': 'named',
    'ck2_second_row': 'named',
    'pm_no_middle_axis': 'named',
    'pm_less_equal': 'named',
    'pm_inverted': 'named',
    'pm_axis_last': 'named',
    'pm_int': 'named',
    'pm_transposed': 'named',
    'dm_ignores_side': 'named',
    'dm_left_off_by_one': 'named',
    'dm_or': 'named',
    'dm_pad_on_queries': 'named',
    'dm_flip_whole': 'named after',
    'dm_strict_causal': 'named',
    'dm_blanks_pad_rows': 'named',
    'fma_polarity_only': 'named',
    'fma_renormalise_after': 'named',
    'fma_keeps_hand_softmax': 'named',
    'fma_minus_1e9': 'named',
    'fma_still_inverted': 'named',
    'fma_fill_zero': 'named',
    'fma_lost_scale': 'named',
    'fma_softmax_axis_queries': 'named',
    'ma_plain_inf': 'named',
    'ma_minus_1e9': 'named',
    'ma_no_max_shift': 'named',
    'ma_inverted': 'named',
    'ma_max_before_mask': 'named',
    'ma_guards_sum_only': 'named',
    'ma_always_head_axis': 'named after',
    'ma_unscaled': 'named',
    'ma_zero_out_only': 'named',
    'cas_kv_target_length': 'named',
    'cas_weights_transposed': 'named',
    'cas_merged_source_length': 'named',
    'cas_heads_full_width': 'named',
    'cas_merge_not_flattened': 'named',
    'csa_axis_minus2': 'named',
    'csa_positive_index': 'named',
    'csa_keepdims_shape': 'named',
    'csa_shape_of_sources': 'named',
    'att_unscaled': 'named',
    'att_softmax_queries': 'named',
    'att_dot_T': 'named',
    'att_averages_keys': 'named',
    'att_mask_inverted': 'named',
    'att_mask_fill_zero': 'named',
    'att_scale_dv': 'named',
    'att_no_stabilisation': 'named',
    'att_mask_after_softmax': 'named',
    'att_swapped_return': 'named',
    'att_scales_q_in_place': 'named',
    'ca_values_still_wk': 'named',
    'ca_keys_still_from_xq': 'named',
    'ca_swapped_projections': 'vague',
    'ca_queries_from_encoder': 'named',
    'ca_drops_mask': 'named',
    'ca_keys_with_wq': 'named',
    'sa_scale_by_D': 'named',
    'sa_scale_by_dv': 'named',
    'sa_keys_with_wq': 'named',
    'sa_mask_inverted': 'named',
    'sa_ignores_mask': 'named',
    'sa_dot_T': 'named',
    'sa_softmax_axis0': 'named',
    'sa_hardcoded_sqrt4': 'named',
    'sh_reshape_trap': 'named',
    'sh_2d_only': 'named',
    'sh_hardcoded_4d': 'named',
    'sh_interleaved': 'named',
    'sh_no_swap': 'named',
    'mh_reshape_trap': 'named',
    'mh_concat_positions': 'named',
    'mh_3d_only': 'named',
    'mh_interleaved': 'named',
    'mha_scale_sqrt_D': 'named',
    'mha_no_wo': 'named',
    'mha_ignores_biases': 'named',
    'mha_bias_before_wo': 'named',
    'mha_reshape_trap': 'named',
    'mha_no_head_axis': 'named',
    'mha_mean_weights': 'named',
    'mha_values_with_wk': 'named',
    'mha_kv_from_xq': 'named',
    'mrb_unchanged': 'named',
    'mrb_split_only': 'named',
    'mrb_merge_only': 'named',
    'mrb_interleaved': 'named',
    'mrb_values_left': 'named',
    'mrb_nq_for_nk': 'named after',
    'gqa_tile': 'named',
    'gqa_divides_by_g': 'named after',
    'gqa_scale_kv_width': 'named',
    'gqa_no_biases': 'named',
    'gqa_repeat_positions': 'misnamed',
    'gqa_values_with_wk': 'named',
    'gqa_drops_mask': 'named',
    'kvt_query_heads': 'named',
    'kvt_no_kv_factor': 'named',
    'kvt_float32': 'named',
    'kvt_kib': 'named',
    'kvt_one_layer': 'named',
    'sb_missing_rowsum': 'named',
    'sb_missing_outer_p': 'named',
    'sb_global_sum': 'named',
    'sb_no_keepdims': 'named',
    'sb_sign_flipped': 'named',
    'sb_unweighted_sum': 'named',
    'ng_forward_difference': 'named',
    'ng_no_copy': 'named',
    'ng_divides_by_eps': 'named',
    'ng_copy_keeps_int': 'named',
    'ng_rows_only': 'named after',
    'ng_flat_result': 'named',
    'ng_hardcoded_step': 'named after',
    'ng_float32': 'named',
    'ab_no_scale': 'named',
    'ab_dv_no_transpose': 'named',
    'ab_missing_rowsum': 'named',
    'ab_ignores_mask': 'named',
    'ab_dot_T': 'named',
    'ab_dk_uses_k': 'named',
    'ab_hand_forward_nan': 'named',
    'ab_hand_forward_1e9': 'named',
    'ab_divides_by_d': 'named',
    'bmb_unchanged': 'named',
    'bmb_inf_plain_softmax': 'named',
    'bmb_minus_1e9': 'named',
    'bmb_zero_after_softmax': 'named',
    'bmb_masks_ds_only': 'vague',
    'bmb_inverted_mask': 'named',
    'os_no_rescale': 'named',
    'os_rescale_inverted': 'named',
    'os_ignores_axis': 'named',
    'os_no_inf_guard': 'named',
    'os_max_starts_at_zero': 'named',
    'os_sum_starts_at_one': 'misnamed',
    'os_off_by_one': 'named',
    'os_final_broadcast': 'named',
    'kvb_no_kv_factor': 'named',
    'kvb_ignores_batch': 'named',
    'kvb_int32_overflow': 'named',
    'kvb_ignores_bytes': 'named',
    'fbu_l_not_rescaled': 'named',
    'fbu_acc_not_rescaled': 'named',
    'fbu_alpha_inverted': 'named',
    'fbu_no_guard': 'named',
    'fbu_normalises': 'named',
    'fbu_block_local_max': 'named',
    'fbu_in_place': 'named',
    'fbu_p_old_max': 'vague',
    'ds_axis0': 'named',
    'ds_top_left_mask': 'named',
    'ds_no_mask': 'named',
    'ds_attend_then_append': 'named',
    'ds_prepends': 'named',
    'ds_k_into_v': 'named after',
    'ds_mask_off_by_one': 'named after',
    'fta_no_empty_guard': 'named',
    'fta_l_not_rescaled': 'named',
    'fta_keys_range_nq': 'named',
    'fta_l_rescaled_inverted': 'vague',
    'fta_reset_inside': 'named after',
    'fta_drops_partial_block': 'named',
    'fta_minus_1e9': 'named',
    'fta_divides_each_block': 'named',
}
