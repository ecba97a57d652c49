"""A second blind bank for lessons 00-08, written from the exercise notebooks only by a tester who saw neither the
checker nor its mutation operators, and measured once, before anything was changed for it (after the first bank,
``blind_0008``, had been tuned on).

298 answers: 229 wrong, 69 right but unusual. First measurement: no right answer rejected; an independent judge read
each feedback beside the tester's description: 208 of the 229 wrong ones named (90.8 %), 11 vague, 4 named another
mistake, 6 accepted. Of the 6 accepted, four are right under their exercises' contracts, as decided for the first
bank (a float32 softmax, the kernel formula as the exercise writes it, a whole number held in a float, a repair of
ex06.q4 without the biases it never hands out); two the judge reads as wrong and the checks then accepted: ε under
the square root of the cosine's norm (rejected and named since: a probe of vectors 3e-5 long, where ε = 1e-9 under
the root shrinks the scores by half, and the exercise's "add eps to every norm" by nothing; "named after") and a (B, 1, n_k) mask sliced along its size-1 query axis in the tiled loop (the exercise's own solution
slices it so). The one still accepted is listed in ``test_banks.IN_SCOPE_ACCEPTS``.

General fixes came after (rewrite rules for ``k @ qᵀ``, an axis moved and never moved back, a one-line guard done in
every case, a rescale applied after the new term; a blocked row given weights is no longer called NaN): they name 5
more, re-read by the lead (not the judge) and marked "named after" in ``JUDGED``: 213 of 229 (93.0 %).

``EXPECTED`` holds, for each wrong answer, the code whose feedback names the mistake, or None where it is vague, names
another mistake or is accepted; ``JUDGED`` the reading.
"""
import math

import numpy as np

BANK = []
def entry(exercise_id, idea, kind="wrong"):
    def register(fn):
        BANK.append({"id": exercise_id, "idea": idea, "kind": kind, "name": fn.__name__, "fn": fn})
        return fn
    return register


# Note: in these notebooks the pen-and-paper answers (attention_shapes, worked_example_*, temperature_for_target,
# one_nn_limit, causal_keys_query_2, cross_attention_shapes, cross_softmax_axis, kv_cache_per_token) are
# zero-argument FUNCTIONS that return the value ("def attention_shapes(): ..."), so they are registered as functions.


# --------------------------------------------------------------------------- private helpers (not entries)

def _safe_softmax(s, axis=-1):
    """Stable softmax; an all -inf slice gives zeros."""
    s = np.asarray(s, dtype=float)
    top = np.max(s, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    e = np.exp(s - top)
    tot = e.sum(axis=axis, keepdims=True)
    return e / np.where(tot > 0, tot, 1.0)


def _ref_attention(q, k, v, mask=None, scale=None):
    q, k, v = (np.asarray(a, dtype=float) for a in (q, k, v))
    d = q.shape[-1]
    s = q @ np.swapaxes(k, -1, -2) * (1 / math.sqrt(d) if scale is None else scale)
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = _safe_softmax(s)
    return w @ v, w


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


# =========================================================================== 00 · attention by hand

@entry("attention_shapes", "uses d = 16 instead of d_v = 32 for the output O, i.e. O shape (5, 16)")
def attention_shapes_output_uses_d():
    return (5, 7), (5, 7), (5, 16)


@entry("attention_shapes", "transposes the scores and weights to (n_k, n_q) = (7, 5)")
def attention_shapes_transposed_scores():
    return (7, 5), (7, 5), (5, 32)


@entry("attention_shapes", "gives the output one row per key, O shape (7, 32) instead of (5, 32)")
def attention_shapes_output_per_key():
    return (5, 7), (5, 7), (7, 32)


@entry("attention_shapes", "right: derives the shapes by running the matrix products on zero arrays", kind="right")
def attention_shapes_by_running():
    q, k, v = np.zeros((5, 16)), np.zeros((7, 16)), np.zeros((7, 32))
    s = q @ k.T
    a = np.ones_like(s) / s.shape[-1]
    return tuple(s.shape), tuple(a.shape), tuple((a @ v).shape)


@entry("worked_example_weights", "divides the scores by sqrt(2) although the question says unscaled dot products")
def worked_example_weights_scaled():
    s = np.array([1.0, 0.0, 1.0]) / np.sqrt(2)
    e = np.exp(s)
    return e / e.sum()


@entry("worked_example_weights", "normalises the raw scores [1, 0, 1] by their sum instead of exponentiating: [0.5, 0, 0.5]")
def worked_example_weights_no_exp():
    s = np.array([1.0, 0.0, 1.0])
    return s / s.sum()


@entry("worked_example_weights", "miscounts q·k3 as 2 (adds the components of k3), giving [e, 1, e^2] / (e + 1 + e^2)")
def worked_example_weights_k3_score_two():
    e = np.array([np.e, 1.0, np.e ** 2])
    return e / e.sum()


@entry("worked_example_weights", "drops one term of the denominator: [e, 1, e] / (e + 1), which does not sum to 1")
def worked_example_weights_short_denominator():
    return np.array([np.e, 1.0, np.e]) / (np.e + 1)


@entry("worked_example_weights", "right: written with np.exp of the score vector and a stable shift by its max", kind="right")
def worked_example_weights_numeric():
    q = np.array([1.0, 0.0])
    K = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    s = K @ q
    e = np.exp(s - s.max())
    return e / e.sum()


@entry("worked_example_output", "uses the unnormalised weights e, 1, e (forgets to divide by 2e + 1)")
def worked_example_output_unnormalised():
    w = np.array([np.e, 1.0, np.e])
    V = np.array([[10.0, 0.0], [0.0, 10.0], [5.0, 5.0]])
    return w @ V


@entry("worked_example_output", "averages the values uniformly (weights 1/3 each), giving [5, 5]")
def worked_example_output_uniform():
    V = np.array([[10.0, 0.0], [0.0, 10.0], [5.0, 5.0]])
    return V.mean(axis=0)


@entry("worked_example_output", "averages the keys instead of the values with the right weights")
def worked_example_output_averages_keys():
    w = np.array([np.e, 1.0, np.e]) / (2 * np.e + 1)
    K = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    return w @ K


@entry("worked_example_output", "uses weights from scores scaled by 1/sqrt(2) although the scores are unscaled")
def worked_example_output_scaled_weights():
    s = np.array([1.0, 0.0, 1.0]) / np.sqrt(2)
    w = np.exp(s) / np.exp(s).sum()
    V = np.array([[10.0, 0.0], [0.0, 10.0], [5.0, 5.0]])
    return w @ V


@entry("worked_example_output", "right: closed form [15e, 10 + 5e] / (2e + 1)", kind="right")
def worked_example_output_closed_form():
    return np.array([15 * np.e, 10 + 5 * np.e]) / (2 * np.e + 1)


# =========================================================================== 01 · similarity scores

@entry("scaled_dot_scores", "divides by d instead of sqrt(d)")
def scaled_dot_by_d(q, k):
    q, k = np.asarray(q, float), np.asarray(k, float)
    return q @ np.swapaxes(k, -1, -2) / q.shape[-1]


@entry("scaled_dot_scores", "divides by sqrt(n_k) (k.shape[-2]) instead of sqrt(d); equal only when n_k == d")
def scaled_dot_by_sqrt_nk(q, k):
    q, k = np.asarray(q, float), np.asarray(k, float)
    return q @ np.swapaxes(k, -1, -2) / np.sqrt(k.shape[-2])


@entry("scaled_dot_scores", "uses k.T, which reverses every axis, so batched inputs (..., n_k, d) fail or are mixed up")
def scaled_dot_dot_T(q, k):
    q, k = np.asarray(q, float), np.asarray(k, float)
    return q @ k.T / np.sqrt(q.shape[-1])


@entry("scaled_dot_scores", "forgets the 1/sqrt(d) scaling altogether (plain dot products)")
def scaled_dot_unscaled(q, k):
    q, k = np.asarray(q, float), np.asarray(k, float)
    return q @ np.swapaxes(k, -1, -2)


@entry("scaled_dot_scores", "takes d from q.shape[1], which is n_q (not d) once there is a batch axis")
def scaled_dot_d_from_axis1(q, k):
    q, k = np.asarray(q, float), np.asarray(k, float)
    return q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[1])


@entry("scaled_dot_scores", "uses np.dot, which on batched 3-D inputs forms the product of every batch with every batch")
def scaled_dot_np_dot(q, k):
    q, k = np.asarray(q, float), np.asarray(k, float)
    return np.dot(q, np.swapaxes(k, -1, -2)) / np.sqrt(q.shape[-1])


@entry("scaled_dot_scores", "right: einsum over the feature axis, with the scale folded into q first", kind="right")
def scaled_dot_einsum(q, k):
    q, k = np.asarray(q, float), np.asarray(k, float)
    return np.einsum("...id,...jd->...ij", q / math.sqrt(q.shape[-1]), k)


@entry("scaled_dot_scores", "right: broadcast elementwise product summed over d", kind="right")
def scaled_dot_broadcast_sum(q, k):
    q, k = np.asarray(q, float), np.asarray(k, float)
    return (q[..., :, None, :] * k[..., None, :, :]).sum(axis=-1) / np.sqrt(q.shape[-1])


@entry("cosine_scores", "ignores the temperature (returns the plain cosine)")
def cosine_no_temperature(q, k, temperature):
    q, k = np.asarray(q, float), np.asarray(k, float)
    qn = q / (np.linalg.norm(q, axis=-1, keepdims=True) + 1e-9)
    kn = k / (np.linalg.norm(k, axis=-1, keepdims=True) + 1e-9)
    return qn @ np.swapaxes(kn, -1, -2)


@entry("cosine_scores", "multiplies by the temperature instead of dividing by it")
def cosine_times_temperature(q, k, temperature):
    q, k = np.asarray(q, float), np.asarray(k, float)
    qn = q / (np.linalg.norm(q, axis=-1, keepdims=True) + 1e-9)
    kn = k / (np.linalg.norm(k, axis=-1, keepdims=True) + 1e-9)
    return qn @ np.swapaxes(kn, -1, -2) * temperature


@entry("cosine_scores", "no eps on the norms, so a zero query or key gives NaN scores")
def cosine_no_eps(q, k, temperature):
    q, k = np.asarray(q, float), np.asarray(k, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        qn = q / np.linalg.norm(q, axis=-1, keepdims=True)
        kn = k / np.linalg.norm(k, axis=-1, keepdims=True)
        return qn @ np.swapaxes(kn, -1, -2) / temperature


@entry("cosine_scores", "takes the norms along axis -2 (over positions) instead of over the features")
def cosine_norm_wrong_axis(q, k, temperature):
    q, k = np.asarray(q, float), np.asarray(k, float)
    qn = q / (np.linalg.norm(q, axis=-2, keepdims=True) + 1e-9)
    kn = k / (np.linalg.norm(k, axis=-2, keepdims=True) + 1e-9)
    return qn @ np.swapaxes(kn, -1, -2) / temperature


@entry("cosine_scores", "puts eps inside the square root, sqrt(|q|^2 + eps), instead of adding it to the norm; wrong for short vectors (norm ~1e-5)")
def cosine_eps_inside_sqrt(q, k, temperature):
    q, k = np.asarray(q, float), np.asarray(k, float)
    qn = q / np.sqrt((q * q).sum(axis=-1, keepdims=True) + 1e-9)
    kn = k / np.sqrt((k * k).sum(axis=-1, keepdims=True) + 1e-9)
    return qn @ np.swapaxes(kn, -1, -2) / temperature


@entry("cosine_scores", "divides the dot products by the outer product of the norms but forgets to transpose the key norms (shape (n_k, 1) not (1, n_k))")
def cosine_key_norms_not_transposed(q, k, temperature):
    q, k = np.asarray(q, float), np.asarray(k, float)
    nq = np.linalg.norm(q, axis=-1, keepdims=True) + 1e-9          # (..., n_q, 1)
    nk = np.linalg.norm(k, axis=-1, keepdims=True) + 1e-9          # (..., n_k, 1)  -- not transposed
    return (q @ np.swapaxes(k, -1, -2)) / (nq * nk) / temperature


@entry("cosine_scores", "right: norms from einsum, eps added to each norm, division by the outer product of norms", kind="right")
def cosine_einsum_outer(q, k, temperature):
    q, k = np.asarray(q, float), np.asarray(k, float)
    nq = np.sqrt(np.einsum("...d,...d->...", q, q)) + 1e-9          # (..., n_q)
    nk = np.sqrt(np.einsum("...d,...d->...", k, k)) + 1e-9          # (..., n_k)
    dots = np.einsum("...id,...jd->...ij", q, k)
    return dots / (nq[..., :, None] * nk[..., None, :]) / temperature


@entry("rbf_scores", "forgets the minus sign: returns +|q-k|^2 / (2 tau^2)")
def rbf_positive(q, k, temperature):
    q, k = np.asarray(q, float), np.asarray(k, float)
    d2 = ((q[..., :, None, :] - k[..., None, :, :]) ** 2).sum(-1)
    return d2 / (2 * temperature ** 2)


@entry("rbf_scores", "divides by 2 tau instead of 2 tau^2")
def rbf_tau_not_squared(q, k, temperature):
    q, k = np.asarray(q, float), np.asarray(k, float)
    d2 = ((q[..., :, None, :] - k[..., None, :, :]) ** 2).sum(-1)
    return -d2 / (2 * temperature)


@entry("rbf_scores", "forgets the factor 2: -|q-k|^2 / tau^2")
def rbf_no_two(q, k, temperature):
    q, k = np.asarray(q, float), np.asarray(k, float)
    d2 = ((q[..., :, None, :] - k[..., None, :, :]) ** 2).sum(-1)
    return -d2 / temperature ** 2


@entry("rbf_scores", "uses the distance |q-k| instead of the squared distance")
def rbf_unsquared_distance(q, k, temperature):
    q, k = np.asarray(q, float), np.asarray(k, float)
    dist = np.linalg.norm(q[..., :, None, :] - k[..., None, :, :], axis=-1)
    return -dist / (2 * temperature ** 2)


@entry("rbf_scores", "broadcasts with q[:, None] - k[None] (axes 0 and 1), which only works without batch axes")
def rbf_broadcast_leading_axes(q, k, temperature):
    q, k = np.asarray(q, float), np.asarray(k, float)
    d2 = ((q[:, None] - k[None]) ** 2).sum(-1)
    return -d2 / (2 * temperature ** 2)


@entry("rbf_scores", "expands |q|^2 + |k|^2 - 2 q·k but forgets to transpose |k|^2 to a row (shape (n_k, 1))")
def rbf_expansion_k2_column(q, k, temperature):
    q, k = np.asarray(q, float), np.asarray(k, float)
    q2 = (q * q).sum(-1, keepdims=True)
    k2 = (k * k).sum(-1, keepdims=True)
    return -(q2 + k2 - 2 * q @ np.swapaxes(k, -1, -2)) / (2 * temperature ** 2)


@entry("rbf_scores", "right: expansion |q|^2 + |k|^2 - 2 q·k with einsum, clipped at 0", kind="right")
def rbf_expansion_einsum(q, k, temperature):
    q, k = np.asarray(q, float), np.asarray(k, float)
    q2 = np.einsum("...d,...d->...", q, q)[..., :, None]
    k2 = np.einsum("...d,...d->...", k, k)[..., None, :]
    d2 = np.maximum(q2 + k2 - 2 * np.einsum("...id,...jd->...ij", q, k), 0.0)
    return -d2 / (2.0 * temperature * temperature)


@entry("rbf_scores", "right: explicit broadcast difference with ellipsis axes and np.square", kind="right")
def rbf_broadcast_diff(q, k, temperature):
    q, k = np.asarray(q, float), np.asarray(k, float)
    diff = q[..., :, np.newaxis, :] - k[..., np.newaxis, :, :]
    return -np.square(diff).sum(axis=-1) / 2 / temperature ** 2


# =========================================================================== 02 · softmax and temperature

@entry("softmax", "forgets to subtract the maximum, so scores like 1000 overflow to inf/NaN")
def softmax_no_max(x, axis=-1):
    x = np.asarray(x, float)
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(x)
        return e / e.sum(axis=axis, keepdims=True)


@entry("softmax", "subtracts the global maximum of the whole array instead of each slice's, so a row far below another underflows to 0/0")
def softmax_global_max(x, axis=-1):
    x = np.asarray(x, float)
    e = np.exp(x - x.max())
    with np.errstate(invalid="ignore"):
        return e / e.sum(axis=axis, keepdims=True)


@entry("softmax", "sums without keepdims, so the division broadcasts along the wrong axis (or fails)")
def softmax_no_keepdims(x, axis=-1):
    x = np.asarray(x, float)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis)


@entry("softmax", "ignores the axis argument and always normalises the last axis")
def softmax_ignores_axis(x, axis=-1):
    x = np.asarray(x, float)
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@entry("softmax", "subtracts the minimum instead of the maximum, so large spreads still overflow")
def softmax_subtract_min(x, axis=-1):
    x = np.asarray(x, float)
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(x - x.min(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)


@entry("softmax", "shifts the numerator by the max but divides by the sum of the unshifted exponentials")
def softmax_mixed_shift(x, axis=-1):
    x = np.asarray(x, float)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.exp(x - x.max(axis=axis, keepdims=True)) / np.exp(x).sum(axis=axis, keepdims=True)


@entry("softmax", "subtracts the max in place (x -= ...), overwriting the caller's float array")
def softmax_mutates_input(x, axis=-1):
    if isinstance(x, np.ndarray) and x.dtype.kind == "f":
        x -= x.max(axis=axis, keepdims=True)
        np.exp(x, out=x)
        x /= x.sum(axis=axis, keepdims=True)
        return x.copy()
    x = np.asarray(x, float)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@entry("softmax", "casts to float32 before shifting, so large scores (~1e6) lose their differences to rounding")
def softmax_float32(x, axis=-1):
    x = np.asarray(x, dtype=np.float32)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return (e / e.sum(axis=axis, keepdims=True)).astype(np.float64)


@entry("softmax", "takes the max without keepdims and subtracts it, which broadcasts along the wrong axis for axis != -1")
def softmax_max_no_keepdims(x, axis=-1):
    x = np.asarray(x, float)
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(x - x.max(axis=axis))
        return e / e.sum(axis=axis, keepdims=True)


@entry("softmax", "right: exp(x - logsumexp) with np.logaddexp.reduce", kind="right")
def softmax_logaddexp(x, axis=-1):
    x = np.asarray(x, float)
    lse = np.logaddexp.reduce(x, axis=axis, keepdims=True)
    return np.exp(x - lse)


@entry("softmax", "right: moves the axis to the end, loops over rows with a per-row stable softmax, moves it back", kind="right")
def softmax_row_loop(x, axis=-1):
    x = np.asarray(x, float)
    z = np.moveaxis(x, axis, -1)
    flat = z.reshape(-1, z.shape[-1])
    out = np.empty_like(flat)
    for r in range(flat.shape[0]):
        row = flat[r] - flat[r].max()
        e = np.exp(row)
        out[r] = e / e.sum()
    return np.moveaxis(out.reshape(z.shape), -1, axis)


@entry("softmax", "right: np.apply_along_axis with a 1-D stable softmax", kind="right")
def softmax_apply_along_axis(x, axis=-1):
    x = np.asarray(x, float)
    def one(r):
        e = np.exp(r - np.max(r))
        return e / np.sum(e)
    return np.apply_along_axis(one, axis, x)


@entry("softmax_temperature", "multiplies the scores by the temperature instead of dividing")
def softmax_temp_multiplies(x, temperature):
    return _safe_softmax(np.asarray(x, float) * temperature, axis=-1)


@entry("softmax_temperature", "forgets the temperature (plain softmax)")
def softmax_temp_ignored(x, temperature):
    return _safe_softmax(np.asarray(x, float), axis=-1)


@entry("softmax_temperature", "divides the softmax output by the temperature instead of the scores")
def softmax_temp_after(x, temperature):
    return _safe_softmax(np.asarray(x, float), axis=-1) / temperature


@entry("softmax_temperature", "normalises over axis 0 instead of the last axis")
def softmax_temp_axis0(x, temperature):
    return _safe_softmax(np.asarray(x, float) / temperature, axis=0)


@entry("softmax_temperature", "divides by the temperature but does not subtract the max, so a small temperature overflows")
def softmax_temp_unstable(x, temperature):
    z = np.asarray(x, float) / temperature
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)


@entry("softmax_temperature", "right: subtracts the max first and divides the shifted scores by tau", kind="right")
def softmax_temp_shift_then_divide(x, temperature):
    x = np.asarray(x, float)
    e = np.exp((x - x.max(axis=-1, keepdims=True)) / temperature)
    return e / e.sum(axis=-1, keepdims=True)


@entry("softmax_temperature", "right: exp(x/tau - logsumexp(x/tau)) with np.logaddexp.reduce", kind="right")
def softmax_temp_logaddexp(x, temperature):
    z = np.asarray(x, float) / float(temperature)
    return np.exp(z - np.logaddexp.reduce(z, axis=-1, keepdims=True))


@entry("temperature_for_target", "returns 1/tau (the inverse temperature ln u = 2.29) instead of tau")
def temperature_inverse():
    u = (9 + math.sqrt(117)) / 2
    return math.log(u)


@entry("temperature_for_target", "drops the e^0 = 1 term of the denominator: solves u^2/(u^2+u) = 0.9, tau = 1/ln 9 = 0.455")
def temperature_drops_third_term():
    return 1 / math.log(9)


@entry("temperature_for_target", "rounds to 2 significant digits, 0.44, though the question asks for 3 or better (0.436)")
def temperature_two_digits():
    return 0.44


@entry("temperature_for_target", "uses log10 instead of the natural log: tau = 1 / log10(u)")
def temperature_log10():
    u = (9 + math.sqrt(117)) / 2
    return 1 / math.log10(u)


@entry("temperature_for_target", "right: closed form tau = 1 / ln((9 + sqrt(117)) / 2)", kind="right")
def temperature_closed_form():
    return 1 / math.log((9 + math.sqrt(117)) / 2)


@entry("temperature_for_target", "right: bisection on tau of the top softmax weight", kind="right")
def temperature_bisection():
    s = np.array([2.0, 1.0, 0.0])
    lo, hi = 0.01, 100.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        e = np.exp((s - s.max()) / mid)
        top = e[0] / e.sum()
        if top > 0.9:
            lo = mid       # too sharp: raise tau
        else:
            hi = mid
    return 0.5 * (lo + hi)


# =========================================================================== 03 · soft k-NN

@entry("one_nn_limit", "returns the nearest training input x = 5 instead of its label")
def one_nn_returns_x():
    return 5.0


@entry("one_nn_limit", "returns the mean of the labels (the large-bandwidth limit) 0.25")
def one_nn_mean_label():
    return float(np.mean([1, -3, -1, 4]))


@entry("one_nn_limit", "takes argmin of x_i - 4.7 without the absolute value, picking x = 0 and label 1")
def one_nn_no_abs():
    x = np.array([0, 2, 5, 6.0])
    y = np.array([1, -3, -1, 4.0])
    return float(y[np.argmin(x - 4.7)])


@entry("one_nn_limit", "linearly interpolates between the neighbours x = 2 and x = 5, giving -1.2")
def one_nn_interpolates():
    return -3 + (4.7 - 2) / (5 - 2) * (-1 - (-3))


@entry("one_nn_limit", "right: kernel regression evaluated stably at a tiny bandwidth", kind="right")
def one_nn_tiny_bandwidth():
    x = np.array([0, 2, 5, 6.0])
    y = np.array([1, -3, -1, 4.0])
    s = -0.5 * ((4.7 - x) / 1e-3) ** 2
    w = np.exp(s - s.max())
    return float(round(float(w @ y / w.sum()), 9))


@entry("kernel_regression", "forgets to square the bandwidth: exp(-(x - x_i)^2 / (2 tau))")
def kreg_tau_not_squared(x_query, x_train, y_train, bandwidth):
    xq, xt, y = (np.asarray(a, float) for a in (x_query, x_train, y_train))
    s = -(xq[:, None] - xt[None, :]) ** 2 / (2 * bandwidth)
    w = _safe_softmax(s)
    return w @ y


@entry("kernel_regression", "drops the factor 1/2 in the exponent")
def kreg_no_half(x_query, x_train, y_train, bandwidth):
    xq, xt, y = (np.asarray(a, float) for a in (x_query, x_train, y_train))
    s = -((xq[:, None] - xt[None, :]) / bandwidth) ** 2
    w = _safe_softmax(s)
    return w @ y


@entry("kernel_regression", "normalises the kernel over the queries (axis 0) instead of over the training points")
def kreg_normalise_wrong_axis(x_query, x_train, y_train, bandwidth):
    xq, xt, y = (np.asarray(a, float) for a in (x_query, x_train, y_train))
    K = np.exp(-0.5 * ((xq[:, None] - xt[None, :]) / bandwidth) ** 2)
    w = K / K.sum(axis=0, keepdims=True)
    return w @ y


@entry("kernel_regression", "returns the unnormalised sum of K_i y_i (forgets to divide by the sum of the kernels)")
def kreg_unnormalised(x_query, x_train, y_train, bandwidth):
    xq, xt, y = (np.asarray(a, float) for a in (x_query, x_train, y_train))
    K = np.exp(-0.5 * ((xq[:, None] - xt[None, :]) / bandwidth) ** 2)
    return K @ y


@entry("kernel_regression", "exponentiates without shifting, so a query far from every training point (small bandwidth) gives 0/0 = NaN instead of the nearest label")
def kreg_underflow(x_query, x_train, y_train, bandwidth):
    xq, xt, y = (np.asarray(a, float) for a in (x_query, x_train, y_train))
    K = np.exp(-0.5 * ((xq[:, None] - xt[None, :]) / bandwidth) ** 2)
    with np.errstate(invalid="ignore"):
        return (K @ y) / K.sum(axis=1)


@entry("kernel_regression", "uses the absolute distance |x - x_i| (a Laplace kernel) instead of the squared one")
def kreg_abs_distance(x_query, x_train, y_train, bandwidth):
    xq, xt, y = (np.asarray(a, float) for a in (x_query, x_train, y_train))
    s = -0.5 * np.abs((xq[:, None] - xt[None, :]) / bandwidth)
    w = _safe_softmax(s)
    return w @ y


@entry("kernel_regression", "right: loop over the queries, each weight vector from exp(s - logaddexp.reduce(s))", kind="right")
def kreg_loop_logsumexp(x_query, x_train, y_train, bandwidth):
    xq, xt, y = (np.asarray(a, float) for a in (x_query, x_train, y_train))
    out = np.empty(len(xq))
    for i, x in enumerate(xq):
        s = -0.5 * ((x - xt) / bandwidth) ** 2
        w = np.exp(s - np.logaddexp.reduce(s))
        out[i] = w @ y
    return out


@entry("kernel_regression", "right: stable softmax of the RBF scores with np.subtract.outer", kind="right")
def kreg_subtract_outer(x_query, x_train, y_train, bandwidth):
    xq, xt, y = (np.asarray(a, float) for a in (x_query, x_train, y_train))
    s = -0.5 * (np.subtract.outer(xq, xt) / bandwidth) ** 2
    s = s - s.max(axis=1, keepdims=True)
    K = np.exp(s)
    return (K * y).sum(axis=1) / K.sum(axis=1)


def _topk_weights(s, top_k):
    thresh = np.sort(s, axis=-1)[..., -top_k][..., None]
    return _safe_softmax(np.where(s >= thresh, s, -np.inf))


@entry("top_k_attention", "keeps the top_k LOWEST scores (sorts ascending and keeps the first top_k)")
def topk_keeps_lowest(q, k, v, top_k):
    q, k, v = (np.asarray(a, float) for a in (q, k, v))
    s = q @ k.T / np.sqrt(q.shape[-1])
    thresh = np.sort(s, axis=-1)[:, top_k - 1][:, None]
    w = _safe_softmax(np.where(s <= thresh, s, -np.inf))
    return w @ v, w


@entry("top_k_attention", "off by one in the threshold (np.sort(...)[:, -top_k - 1]) so it keeps top_k + 1 keys")
def topk_off_by_one(q, k, v, top_k):
    q, k, v = (np.asarray(a, float) for a in (q, k, v))
    s = q @ k.T / np.sqrt(q.shape[-1])
    idx = max(-top_k - 1, -s.shape[-1])
    thresh = np.sort(s, axis=-1)[:, idx][:, None]
    w = _safe_softmax(np.where(s >= thresh, s, -np.inf))
    return w @ v, w


@entry("top_k_attention", "selects the right keys but takes the softmax of the unscaled scores (forgets 1/sqrt(d))")
def topk_unscaled_softmax(q, k, v, top_k):
    q, k, v = (np.asarray(a, float) for a in (q, k, v))
    s = q @ k.T
    w = _topk_weights(s, top_k)
    return w @ v, w


@entry("top_k_attention", "sets the dropped scores to 0 instead of -inf, so the dropped keys keep weight e^0")
def topk_fill_zero(q, k, v, top_k):
    q, k, v = (np.asarray(a, float) for a in (q, k, v))
    s = q @ k.T / np.sqrt(q.shape[-1])
    thresh = np.sort(s, axis=-1)[:, -top_k][:, None]
    w = _safe_softmax(np.where(s >= thresh, s, 0.0))
    return w @ v, w


@entry("top_k_attention", "zeroes the non-top weights after the softmax and does not renormalise")
def topk_after_softmax(q, k, v, top_k):
    q, k, v = (np.asarray(a, float) for a in (q, k, v))
    s = q @ k.T / np.sqrt(q.shape[-1])
    w = _safe_softmax(s)
    thresh = np.sort(s, axis=-1)[:, -top_k][:, None]
    w = np.where(s >= thresh, w, 0.0)
    return w @ v, w


@entry("top_k_attention", "sorts along axis 0 (over queries) so the threshold is per key, not per query")
def topk_sort_wrong_axis(q, k, v, top_k):
    q, k, v = (np.asarray(a, float) for a in (q, k, v))
    s = q @ k.T / np.sqrt(q.shape[-1])
    kk = min(top_k, s.shape[0])
    thresh = np.sort(s, axis=0)[-kk][None, :]
    w = _safe_softmax(np.where(s >= thresh, s, -np.inf))
    return w @ v, w


@entry("top_k_attention", "returns (weights, out) in the wrong order")
def topk_swapped_return(q, k, v, top_k):
    q, k, v = (np.asarray(a, float) for a in (q, k, v))
    s = q @ k.T / np.sqrt(q.shape[-1])
    w = _topk_weights(s, top_k)
    return w, w @ v


@entry("top_k_attention", "right: np.partition for the k-th largest score per row, then a masked stable softmax", kind="right")
def topk_partition(q, k, v, top_k):
    q, k, v = (np.asarray(a, float) for a in (q, k, v))
    n_k = k.shape[0]
    s = q @ k.T / np.sqrt(q.shape[-1])
    kth = np.partition(s, n_k - top_k, axis=-1)[:, n_k - top_k][:, None]
    masked = np.where(s >= kth, s, -np.inf)
    e = np.exp(masked - masked.max(axis=-1, keepdims=True))
    w = e / e.sum(axis=-1, keepdims=True)
    return w @ v, w


@entry("top_k_attention", "right: argsort per row, boolean keep-mask filled by put_along_axis (exactly top_k keys)", kind="right")
def topk_argsort_mask(q, k, v, top_k):
    q, k, v = (np.asarray(a, float) for a in (q, k, v))
    s = np.einsum("id,jd->ij", q, k) / math.sqrt(q.shape[-1])
    idx = np.argsort(-s, axis=-1, kind="stable")[:, :top_k]
    keep = np.zeros(s.shape, dtype=bool)
    np.put_along_axis(keep, idx, True, axis=-1)
    e = np.where(keep, np.exp(s - s.max(axis=-1, keepdims=True)), 0.0)
    w = e / e.sum(axis=-1, keepdims=True)
    return w @ v, w


# =========================================================================== 04 · masking

@entry("causal_mask", "uses np.triu, so query i sees the keys j >= i (the future) instead of j <= i")
def causal_triu(n):
    return np.triu(np.ones((n, n), dtype=bool))


@entry("causal_mask", "strict lower triangle (k=-1): a query may not attend to its own position")
def causal_strict(n):
    return np.tril(np.ones((n, n), dtype=bool), k=-1)


@entry("causal_mask", "returns a float 0/1 array (np.tril(np.ones)) instead of a boolean mask")
def causal_float(n):
    return np.tril(np.ones((n, n)))


@entry("causal_mask", "returns the blocked mask (True where j > i), the opposite polarity")
def causal_blocked_polarity(n):
    i = np.arange(n)
    return i[None, :] > i[:, None]


@entry("causal_mask", "np.tril with k=1 lets each query see one future key")
def causal_one_future(n):
    return np.tril(np.ones((n, n), dtype=bool), k=1)


@entry("causal_mask", "right: broadcast comparison of aranges, j <= i", kind="right")
def causal_arange(n):
    idx = np.arange(n)
    return idx[None, :] <= idx[:, None]


@entry("causal_mask", "right: double Python loop filling a boolean array", kind="right")
def causal_loops(n):
    m = np.zeros((n, n), dtype=bool)
    for i in range(n):
        for j in range(i + 1):
            m[i, j] = True
    return m


@entry("causal_keys_query_2", "excludes the query's own position: keys [0, 1]")
def causal_q2_excludes_self():
    mask = [[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]]
    return mask, [0, 1]


@entry("causal_keys_query_2", "writes the mask upper-triangular (rows = keys), and reads keys [2, 3] for query 2")
def causal_q2_upper():
    mask = [[1, 1, 1, 1], [0, 1, 1, 1], [0, 0, 1, 1], [0, 0, 0, 1]]
    return mask, [2, 3]


@entry("causal_keys_query_2", "right mask but reads column 2 instead of row 2, giving keys [2, 3]")
def causal_q2_reads_column():
    mask = [[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]]
    return mask, [2, 3]


@entry("causal_keys_query_2", "counts positions from 1: keys [1, 2, 3]")
def causal_q2_one_based():
    mask = [[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]]
    return mask, [1, 2, 3]


@entry("causal_keys_query_2", "right: mask built with numpy as a boolean array, keys from np.flatnonzero of row 2", kind="right")
def causal_q2_numpy():
    m = np.tri(4, dtype=bool)
    return m.tolist(), [int(j) for j in np.flatnonzero(m[2])]


@entry("padding_mask", "off by one: j <= L_b marks the first pad position as real")
def padding_off_by_one(lengths, n):
    lengths = np.asarray(lengths)
    return (np.arange(n)[None, :] <= lengths[:, None])[:, None, :]


@entry("padding_mask", "returns shape (B, n) without the query axis of size 1")
def padding_no_query_axis(lengths, n):
    lengths = np.asarray(lengths)
    return np.arange(n)[None, :] < lengths[:, None]


@entry("padding_mask", "puts the size-1 axis last, shape (B, n, 1), which masks queries instead of keys")
def padding_axis_last(lengths, n):
    lengths = np.asarray(lengths)
    return (np.arange(n)[None, :] < lengths[:, None])[:, :, None]


@entry("padding_mask", "inverted polarity: True at the padding positions")
def padding_polarity(lengths, n):
    lengths = np.asarray(lengths)
    return (np.arange(n)[None, :] >= lengths[:, None])[:, None, :]


@entry("padding_mask", "returns an int 0/1 array instead of booleans")
def padding_int(lengths, n):
    lengths = np.asarray(lengths)
    return (np.arange(n)[None, :] < lengths[:, None]).astype(int)[:, None, :]


@entry("padding_mask", "pads on the left (real keys j >= n - L_b) although the padding is on the right")
def padding_left_instead(lengths, n):
    lengths = np.asarray(lengths)
    return (np.arange(n)[None, :] >= n - lengths[:, None])[:, None, :]


@entry("padding_mask", "right: a loop over the batch filling a (B, 1, n) boolean array with slices", kind="right")
def padding_loop(lengths, n):
    lengths = [int(L) for L in np.asarray(lengths).ravel()]
    m = np.zeros((len(lengths), 1, n), dtype=bool)
    for b, L in enumerate(lengths):
        m[b, 0, :L] = True
    return m


@entry("padding_mask", "right: np.greater.outer(lengths, arange(n)) then expand_dims", kind="right")
def padding_greater_outer(lengths, n):
    return np.expand_dims(np.greater.outer(np.asarray(lengths), np.arange(n)), axis=1)


def _causal_bool(n):
    return np.tri(n, dtype=bool)


@entry("decoder_mask", "ignores side and always treats the padding as on the right")
def decoder_ignores_side(lengths, n, side="right"):
    lengths = np.asarray(lengths)
    real = np.arange(n)[None, :] < lengths[:, None]
    return _causal_bool(n)[None] & real[:, None, :]


@entry("decoder_mask", "left padding off by one: real keys j > n - L_b instead of j >= n - L_b")
def decoder_left_off_by_one(lengths, n, side="right"):
    lengths = np.asarray(lengths)
    j = np.arange(n)[None, :]
    real = j < lengths[:, None] if side == "right" else j > n - lengths[:, None]
    return _causal_bool(n)[None] & real[:, None, :]


@entry("decoder_mask", "combines causal and padding with OR instead of AND")
def decoder_or(lengths, n, side="right"):
    lengths = np.asarray(lengths)
    j = np.arange(n)[None, :]
    real = j < lengths[:, None] if side == "right" else j >= n - lengths[:, None]
    return _causal_bool(n)[None] | real[:, None, :]


@entry("decoder_mask", "applies the padding to the query axis (B, n, 1) instead of the key axis")
def decoder_pads_queries(lengths, n, side="right"):
    lengths = np.asarray(lengths)
    j = np.arange(n)[None, :]
    real = j < lengths[:, None] if side == "right" else j >= n - lengths[:, None]
    return _causal_bool(n)[None] & real[:, :, None]


@entry("decoder_mask", "'rescues' the left-pad queries by letting each see its own position, though their rows must be all False")
def decoder_rescues_empty_rows(lengths, n, side="right"):
    lengths = np.asarray(lengths)
    j = np.arange(n)[None, :]
    real = j < lengths[:, None] if side == "right" else j >= n - lengths[:, None]
    m = _causal_bool(n)[None] & real[:, None, :]
    empty = ~m.any(axis=-1)                                  # (B, n)
    eye = np.eye(n, dtype=bool)[None]
    return m | (empty[:, :, None] & eye)


@entry("decoder_mask", "uses np.triu for the causal part (future instead of past)")
def decoder_triu(lengths, n, side="right"):
    lengths = np.asarray(lengths)
    j = np.arange(n)[None, :]
    real = j < lengths[:, None] if side == "right" else j >= n - lengths[:, None]
    return np.triu(np.ones((n, n), dtype=bool))[None] & real[:, None, :]


@entry("decoder_mask", "for left padding flips the right-padding mask along the key axis, which also flips the causal triangle")
def decoder_left_by_flip(lengths, n, side="right"):
    lengths = np.asarray(lengths)
    real = np.arange(n)[None, :] < lengths[:, None]
    m = _causal_bool(n)[None] & real[:, None, :]
    return m if side == "right" else m[:, :, ::-1]


@entry("decoder_mask", "right: explicit triple loop over batch, queries and keys", kind="right")
def decoder_loops(lengths, n, side="right"):
    lengths = [int(L) for L in np.asarray(lengths).ravel()]
    m = np.zeros((len(lengths), n, n), dtype=bool)
    for b, L in enumerate(lengths):
        lo, hi = (0, L) if side == "right" else (n - L, n)
        for i in range(n):
            for j in range(n):
                m[b, i, j] = (j <= i) and (lo <= j < hi)
    return m


@entry("decoder_mask", "right: padding mask from np.flip of a right-padding key mask, broadcast with a causal arange comparison", kind="right")
def decoder_flip_keys(lengths, n, side="right"):
    lengths = np.asarray(lengths)
    keys = np.arange(n)[None, :] < lengths[:, None]          # right padding
    if side == "left":
        keys = np.flip(keys, axis=-1)                        # real keys are the last L_b
    i = np.arange(n)
    causal = i[None, :] <= i[:, None]
    return np.logical_and(causal[None, :, :], keys[:, None, :])


@entry("fix_masked_attention", "fixes only the polarity (np.where(mask, weights, 0)) so the remaining weights are not renormalised")
def fixmask_polarity_only(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = e / e.sum(axis=-1, keepdims=True)
    if mask is not None:
        weights = np.where(mask, weights, 0.0)
    return weights @ v, weights


@entry("fix_masked_attention", "masks the scores with -inf before a textbook softmax: a fully masked row gives NaN")
def fixmask_nan_rows(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    with np.errstate(invalid="ignore"):
        e = np.exp(scores - scores.max(axis=-1, keepdims=True))
        weights = e / e.sum(axis=-1, keepdims=True)
    return weights @ v, weights


@entry("fix_masked_attention", "fills blocked scores with -1e9 instead of -inf: a fully masked row gets uniform weights, not zeros")
def fixmask_big_negative(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -1e9)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = e / e.sum(axis=-1, keepdims=True)
    return weights @ v, weights


@entry("fix_masked_attention", "zeroes the blocked weights and renormalises, but a fully masked row divides 0 by 0 (NaN)")
def fixmask_renorm_nan(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = e / e.sum(axis=-1, keepdims=True)
    if mask is not None:
        weights = np.where(mask, weights, 0.0)
        with np.errstate(invalid="ignore"):
            weights = weights / weights.sum(axis=-1, keepdims=True)
    return weights @ v, weights


@entry("fix_masked_attention", "moves the mask before the softmax but keeps the inverted polarity np.where(mask, -inf, scores)")
def fixmask_inverted_before_softmax(q, k, v, mask=None):
    import attention_lib as al
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, -np.inf, scores)
    weights = al.softmax(scores, axis=-1)
    return weights @ v, weights


@entry("fix_masked_attention", "repairs everything but scales by sqrt(n_k) instead of sqrt(d)")
def fixmask_scale_nk(q, k, v, mask=None):
    import attention_lib as al
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(k.shape[-2])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    weights = al.softmax(scores, axis=-1)
    return weights @ v, weights


@entry("fix_masked_attention", "right: -inf before al.softmax, which returns zeros for a fully masked row", kind="right")
def fixmask_al_softmax(q, k, v, mask=None):
    import attention_lib as al
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    weights = al.softmax(scores, axis=-1)
    return weights @ v, weights


@entry("fix_masked_attention", "right: softmax of the masked scores via exp * mask and a guarded division (no -inf at all)", kind="right")
def fixmask_multiply_mask(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    allowed = np.ones(scores.shape, dtype=bool) if mask is None else np.broadcast_to(mask, scores.shape)
    top = np.max(np.where(allowed, scores, -np.inf), axis=-1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    e = np.exp(np.where(allowed, scores - top, -np.inf))
    tot = e.sum(axis=-1, keepdims=True)
    weights = np.divide(e, tot, out=np.zeros_like(e), where=tot > 0)
    return weights @ v, weights


@entry("masked_attention", "-inf fill and a textbook softmax: a fully masked row becomes NaN")
def masked_nan_rows(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    with np.errstate(invalid="ignore"):
        e = np.exp(s - s.max(axis=-1, keepdims=True))
        w = e / e.sum(axis=-1, keepdims=True)
    return w @ v, w


@entry("masked_attention", "-1e9 fill: a fully masked row gets uniform weights and the mean of the values")
def masked_big_negative(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -1e9)
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    w = e / e.sum(axis=-1, keepdims=True)
    return w @ v, w


@entry("masked_attention", "no max subtraction: exp of scores in the hundreds of thousands overflows")
def masked_no_max(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(s)
        if mask is not None:
            e = np.where(mask, e, 0.0)
        tot = e.sum(axis=-1, keepdims=True)
        w = np.divide(e, tot, out=np.zeros_like(e), where=tot > 0)
    return w @ v, w


@entry("masked_attention", "subtracts the max of the UNMASKED scores, so when a blocked key scores far higher the allowed keys underflow to 0 (row of zeros or NaN)")
def masked_max_before_mask(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    if mask is not None:
        e = np.where(mask, e, 0.0)
    tot = e.sum(axis=-1, keepdims=True)
    w = np.divide(e, tot, out=np.zeros_like(e), where=tot > 0)
    return w @ v, w


@entry("masked_attention", "forgets the 1/sqrt(d) scaling of the scores")
def masked_unscaled(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2)
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = _safe_softmax(s)
    return w @ v, w


@entry("masked_attention", "fills with np.finfo(float).min: a fully masked row shifts to 0 and gets uniform weights")
def masked_finfo_min(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, np.finfo(float).min)
    with np.errstate(over="ignore"):
        e = np.exp(s - s.max(axis=-1, keepdims=True))
    w = e / e.sum(axis=-1, keepdims=True)
    return w @ v, w


@entry("masked_attention", "guards the max of an all -inf row (shift by 0) but still divides by a zero sum: NaN weights")
def masked_half_guard(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    top = s.max(axis=-1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    e = np.exp(s - top)
    with np.errstate(invalid="ignore"):
        w = e / e.sum(axis=-1, keepdims=True)
    return w @ v, w


@entry("masked_attention", "inverted mask polarity: True treated as blocked")
def masked_inverted(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, -np.inf, s)
    w = _safe_softmax(s)
    return w @ v, w


@entry("masked_attention", "zeroes NaN weights of empty rows with np.nan_to_num but computes the output from the NaN weights first")
def masked_out_before_fix(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    with np.errstate(invalid="ignore"):
        e = np.exp(s - s.max(axis=-1, keepdims=True))
        w = e / e.sum(axis=-1, keepdims=True)
    out = w @ v
    return out, np.nan_to_num(w)


@entry("masked_attention", "right: logsumexp with np.logaddexp.reduce; empty rows (lse = -inf) set to zero explicitly", kind="right")
def masked_logaddexp(q, k, v, mask=None):
    q, k, v = (np.asarray(a, float) for a in (q, k, v))
    s = np.einsum("...id,...jd->...ij", q, k) / math.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    with np.errstate(divide="ignore", invalid="ignore"):
        lse = np.logaddexp.reduce(s, axis=-1, keepdims=True)
        safe = np.where(np.isfinite(lse), lse, 0.0)
        w = np.where(np.isfinite(lse), np.exp(s - safe), 0.0)
    return w @ v, w


@entry("masked_attention", "right: nan_to_num after a guarded softmax, output recomputed from the cleaned weights", kind="right")
def masked_nan_to_num(q, k, v, mask=None):
    q, k, v = (np.asarray(a, float) for a in (q, k, v))
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    with np.errstate(invalid="ignore"):
        e = np.exp(s - np.max(s, axis=-1, keepdims=True))
        w = np.nan_to_num(e / e.sum(axis=-1, keepdims=True), nan=0.0)
    return w @ v, w


@entry("masked_attention", "right: multiplicative mask on exp(s - masked max) with np.divide(where=...)", kind="right")
def masked_multiplicative(q, k, v, mask=None):
    q, k, v = (np.asarray(a, float) for a in (q, k, v))
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    allowed = np.ones(s.shape, bool) if mask is None else np.broadcast_to(np.asarray(mask, bool), s.shape)
    m = np.max(s, axis=-1, keepdims=True, initial=-np.inf, where=allowed)
    m = np.where(np.isfinite(m), m, 0.0)
    e = np.exp(np.where(allowed, s - m, -np.inf))
    tot = e.sum(axis=-1, keepdims=True)
    w = np.divide(e, tot, out=np.zeros_like(e), where=tot > 0)
    return w @ v, w


# =========================================================================== 05 · queries, keys and values

@entry("cross_attention_shapes", "gives the weights as (B, h, L_src, L_tgt) = (4, 8, 10, 6), keys along rows")
def cross_shapes_weights_transposed():
    return (4, 8, 6, 64), (4, 8, 10, 64), (4, 8, 10, 64), (4, 8, 10, 6), (4, 8, 6, 64), (4, 6, 512)


@entry("cross_attention_shapes", "gives the keys and values the target length 6 instead of the source length 10")
def cross_shapes_kv_target_length():
    return (4, 8, 6, 64), (4, 8, 6, 64), (4, 8, 6, 64), (4, 8, 6, 6), (4, 8, 6, 64), (4, 6, 512)


@entry("cross_attention_shapes", "uses the (B, n, h, d) layout instead of the lesson's (B, h, n, d)")
def cross_shapes_bnhd_layout():
    return (4, 6, 8, 64), (4, 10, 8, 64), (4, 10, 8, 64), (4, 6, 8, 10), (4, 6, 8, 64), (4, 6, 512)


@entry("cross_attention_shapes", "gives the merged output the source length: (4, 10, 512)")
def cross_shapes_merged_source_length():
    return (4, 8, 6, 64), (4, 8, 10, 64), (4, 8, 10, 64), (4, 8, 6, 10), (4, 8, 6, 64), (4, 10, 512)


@entry("cross_attention_shapes", "forgets that merging concatenates the heads: merged output (4, 6, 64)")
def cross_shapes_merged_not_concat():
    return (4, 8, 6, 64), (4, 8, 10, 64), (4, 8, 10, 64), (4, 8, 6, 10), (4, 8, 6, 64), (4, 6, 64)


@entry("cross_attention_shapes", "right: shapes read off actual numpy arrays pushed through split, attention and merge", kind="right")
def cross_shapes_computed():
    B, nt, ns, D, h = 4, 6, 10, 512, 8
    q = _split(np.zeros((B, nt, D)), h)
    k = _split(np.zeros((B, ns, D)), h)
    v = _split(np.zeros((B, ns, D)), h)
    out, w = _ref_attention(q, k, v)
    return tuple(q.shape), tuple(k.shape), tuple(v.shape), tuple(w.shape), tuple(out.shape), tuple(_merge(out).shape)


@entry("cross_softmax_axis", "normalises over the target axis -2, with sums of shape (2, 8, 10)")
def cross_axis_minus2():
    return -2, (2, 8, 10)


@entry("cross_softmax_axis", "right axis -1 but gives the shape of the sums as (2, 8, 10), one per source position")
def cross_axis_wrong_shape():
    return -1, (2, 8, 10)


@entry("cross_softmax_axis", "gives the axis as the positive index 3 although a negative index is asked for")
def cross_axis_positive():
    return 3, (2, 8, 6)


@entry("cross_softmax_axis", "gives the keepdims shape (2, 8, 6, 1) for the sums")
def cross_axis_keepdims_shape():
    return -1, (2, 8, 6, 1)


@entry("cross_softmax_axis", "gives the shape without the batch and head axes, (6,)")
def cross_axis_no_batch():
    return -1, (6,)


@entry("cross_softmax_axis", "right: computed from a real softmax over the last axis", kind="right")
def cross_axis_computed():
    w = _safe_softmax(np.zeros((2, 8, 6, 10)), axis=-1)
    axis = -1
    return axis, tuple(w.sum(axis=axis).shape)


@entry("attention", "uses k.T, which reverses every axis and breaks batched (..., n_k, d) keys")
def attn_k_dot_T(q, k, v, mask=None):
    s = q @ k.T / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = _safe_softmax(s)
    return w @ v, w


@entry("attention", "takes the softmax over axis -2 (the queries) instead of the keys")
def attn_softmax_queries(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = _safe_softmax(s, axis=-2)
    return w @ v, w


@entry("attention", "scales the scores by 1/d instead of 1/sqrt(d)")
def attn_scale_d(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / q.shape[-1]
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = _safe_softmax(s)
    return w @ v, w


@entry("attention", "inverted mask polarity: np.where(mask, -inf, scores) blocks the allowed keys")
def attn_mask_inverted(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, -np.inf, s)
    w = _safe_softmax(s)
    return w @ v, w


@entry("attention", "multiplies the scores by the mask, so blocked keys get score 0 (weight e^0) rather than -inf")
def attn_mask_multiply(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = s * mask
    w = _safe_softmax(s)
    return w @ v, w


@entry("attention", "no max subtraction in the softmax: large scores overflow to NaN")
def attn_no_max(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(s)
        if mask is not None:
            e = np.where(mask, e, 0.0)
        w = e / e.sum(axis=-1, keepdims=True)
    return w @ v, w


@entry("attention", "takes d from v.shape[-1] (d_v) for the scale, wrong when d != d_v")
def attn_scale_dv(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(v.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = _safe_softmax(s)
    return w @ v, w


@entry("attention", "returns (weights, out) in the wrong order")
def attn_swapped_return(q, k, v, mask=None):
    out, w = _ref_attention(q, k, v, mask)
    return w, out


@entry("attention", "applies the mask by zeroing the weights after the softmax, without renormalising")
def attn_mask_after_softmax(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    w = _safe_softmax(s)
    if mask is not None:
        w = np.where(mask, w, 0.0)
    return w @ v, w


@entry("attention", "right: einsum for both products and an additive 0 / -1e9 mask (valid: every query sees a key)", kind="right")
def attn_einsum_additive(q, k, v, mask=None):
    q, k, v = (np.asarray(a, float) for a in (q, k, v))
    s = np.einsum("...qd,...kd->...qk", q, k) / math.sqrt(q.shape[-1])
    if mask is not None:
        s = s + np.where(mask, 0.0, -1e9)
    s = s - s.max(axis=-1, keepdims=True)
    w = np.exp(s)
    w /= w.sum(axis=-1, keepdims=True)
    return np.einsum("...qk,...kv->...qv", w, v), w


@entry("attention", "right: scale q by 1/sqrt(d) first, np.matmul, logaddexp-based softmax", kind="right")
def attn_prescaled_logaddexp(q, k, v, mask=None):
    q, k, v = (np.asarray(a, float) for a in (q, k, v))
    s = np.matmul(q * (q.shape[-1] ** -0.5), np.swapaxes(k, -1, -2))
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = np.exp(s - np.logaddexp.reduce(s, axis=-1, keepdims=True))
    return np.matmul(w, v), w


@entry("cross_attention", "fixes only the value bug (x_kv @ W_v) but still takes the keys from x_q")
def cross_fix_v_only(x_q, x_kv, W_q, W_k, W_v, mask=None):
    import attention_lib as al
    q = x_q @ W_q
    k = x_q @ W_k
    v = x_kv @ W_v
    return al.attention(q, k, v, mask)


@entry("cross_attention", "fixes only the key bug (x_kv @ W_k) but still projects the values with W_k")
def cross_fix_k_only(x_q, x_kv, W_q, W_k, W_v, mask=None):
    import attention_lib as al
    q = x_q @ W_q
    k = x_kv @ W_k
    v = x_kv @ W_k
    return al.attention(q, k, v, mask)


@entry("cross_attention", "swaps the roles: queries from x_kv, keys and values from x_q")
def cross_roles_swapped(x_q, x_kv, W_q, W_k, W_v, mask=None):
    import attention_lib as al
    q = x_kv @ W_q
    k = x_q @ W_k
    v = x_q @ W_v
    return al.attention(q, k, v, mask)


@entry("cross_attention", "fixes both bugs but drops the mask argument")
def cross_drops_mask(x_q, x_kv, W_q, W_k, W_v, mask=None):
    import attention_lib as al
    return al.attention(x_q @ W_q, x_kv @ W_k, x_kv @ W_v)


@entry("cross_attention", "keys from x_kv but projected with W_q instead of W_k")
def cross_keys_with_wq(x_q, x_kv, W_q, W_k, W_v, mask=None):
    import attention_lib as al
    return al.attention(x_q @ W_q, x_kv @ W_q, x_kv @ W_v, mask)


@entry("cross_attention", "right: einsum projections passed to al.attention", kind="right")
def cross_einsum(x_q, x_kv, W_q, W_k, W_v, mask=None):
    import attention_lib as al
    q = np.einsum("...nD,Dd->...nd", np.asarray(x_q, float), np.asarray(W_q, float))
    k = np.einsum("...nD,Dd->...nd", np.asarray(x_kv, float), np.asarray(W_k, float))
    v = np.einsum("...nD,Dd->...nd", np.asarray(x_kv, float), np.asarray(W_v, float))
    return al.attention(q, k, v, mask)


@entry("cross_attention", "right: writes the attention out by hand after the projections", kind="right")
def cross_by_hand(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = np.asarray(x_q, float) @ W_q
    k = np.asarray(x_kv, float) @ W_k
    v = np.asarray(x_kv, float) @ W_v
    return _ref_attention(q, k, v, mask)


@entry("self_attention", "scales the scores by sqrt(D), the token width, instead of sqrt(d)")
def self_scale_D(x, W_q, W_k, W_v, mask=None):
    x = np.asarray(x, float)
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    return _ref_attention(q, k, v, mask, scale=1 / math.sqrt(x.shape[-1]))


@entry("self_attention", "scales by sqrt(d_v) (W_v's width) instead of sqrt(d)")
def self_scale_dv(x, W_q, W_k, W_v, mask=None):
    x = np.asarray(x, float)
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    return _ref_attention(q, k, v, mask, scale=1 / math.sqrt(np.shape(W_v)[-1]))


@entry("self_attention", "projects the values with W_k and the keys with W_v (swapped)")
def self_kv_swapped(x, W_q, W_k, W_v, mask=None):
    x = np.asarray(x, float)
    q, k, v = x @ W_q, x @ W_v, x @ W_k
    return _ref_attention(q, k, v, mask)


@entry("self_attention", "ignores the mask")
def self_ignores_mask(x, W_q, W_k, W_v, mask=None):
    x = np.asarray(x, float)
    return _ref_attention(x @ W_q, x @ W_k, x @ W_v)


@entry("self_attention", "inverted mask polarity (True = blocked)")
def self_mask_inverted(x, W_q, W_k, W_v, mask=None):
    x = np.asarray(x, float)
    return _ref_attention(x @ W_q, x @ W_k, x @ W_v, None if mask is None else ~np.asarray(mask, bool))


@entry("self_attention", "softmax over the query axis (-2) instead of the keys")
def self_softmax_axis_minus2(x, W_q, W_k, W_v, mask=None):
    x = np.asarray(x, float)
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    s = q @ np.swapaxes(k, -1, -2) / math.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = _safe_softmax(s, axis=-2)
    return w @ v, w


@entry("self_attention", "computes the scores as k @ q^T (keys as rows), which transposes the weights")
def self_scores_transposed(x, W_q, W_k, W_v, mask=None):
    x = np.asarray(x, float)
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    s = k @ np.swapaxes(q, -1, -2) / math.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = _safe_softmax(s)
    return w @ v, w


@entry("self_attention", "right: einsum projections and al.softmax on -inf-masked scores", kind="right")
def self_einsum_al_softmax(x, W_q, W_k, W_v, mask=None):
    import attention_lib as al
    x = np.asarray(x, float)
    q = np.einsum("...nD,Dd->...nd", x, W_q)
    k = np.einsum("...nD,Dd->...nd", x, W_k)
    v = np.einsum("...nD,Dd->...nd", x, W_v)
    s = np.einsum("...id,...jd->...ij", q, k) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = al.softmax(s, axis=-1)
    return w @ v, w


@entry("self_attention", "right: stacks W_q|W_k|W_v into one matrix, one projection then np.split", kind="right")
def self_fused_qkv(x, W_q, W_k, W_v, mask=None):
    x = np.asarray(x, float)
    W_q, W_k, W_v = (np.asarray(w, float) for w in (W_q, W_k, W_v))
    d = W_q.shape[1]
    qkv = x @ np.concatenate([W_q, W_k, W_v], axis=1)
    q, k, v = qkv[..., :d], qkv[..., d:2 * d], qkv[..., 2 * d:]
    s = q @ np.swapaxes(k, -1, -2) / math.sqrt(d)
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    w = _safe_softmax(s)
    return w @ v, w


# =========================================================================== 06 · multi-head attention

@entry("split_heads", "reshapes straight to (..., h, n, D/h), the reshape trap that mixes positions into heads")
def split_direct_reshape(x, n_heads):
    x = np.asarray(x, float)
    *lead, n, D = x.shape
    return x.reshape(*lead, n_heads, n, D // n_heads)


@entry("split_heads", "reshapes to (..., n, D/h, h) so head j takes the interleaved features j, j+h, j+2h, ...")
def split_interleaved(x, n_heads):
    x = np.asarray(x, float)
    *lead, n, D = x.shape
    return np.moveaxis(x.reshape(*lead, n, D // n_heads, n_heads), -1, -3)


@entry("split_heads", "hard-codes transpose(0, 2, 1, 3) after reshape(B, n, h, d), so it only works with exactly one batch axis")
def split_hardcoded_transpose(x, n_heads):
    x = np.asarray(x, float)
    B, n, D = x.shape
    return x.reshape(B, n, n_heads, D // n_heads).transpose(0, 2, 1, 3)


@entry("split_heads", "stacks np.split pieces on axis 0, so the head axis lands before the batch axes: (h, ..., n, d)")
def split_stack_axis0(x, n_heads):
    x = np.asarray(x, float)
    return np.stack(np.split(x, n_heads, axis=-1), axis=0)


@entry("split_heads", "reshapes to (..., n, h, d) and forgets to swap the head and position axes")
def split_no_swap(x, n_heads):
    x = np.asarray(x, float)
    *lead, n, D = x.shape
    return x.reshape(*lead, n, n_heads, D // n_heads)


@entry("split_heads", "right: np.split along the features, stacked on axis -3", kind="right")
def split_stack_minus3(x, n_heads):
    x = np.asarray(x, float)
    return np.stack(np.split(x, n_heads, axis=-1), axis=-3)


@entry("split_heads", "right: reshape to (..., n, h, d) then np.moveaxis(-2, -3), copied contiguous", kind="right")
def split_moveaxis(x, n_heads):
    x = np.asarray(x, float)
    d = x.shape[-1] // n_heads
    return np.ascontiguousarray(np.moveaxis(x.reshape(x.shape[:-1] + (n_heads, d)), -2, -3))


@entry("merge_heads", "reshapes (..., h, n, d) straight to (..., n, h*d) without moving the head axis")
def merge_direct_reshape(x):
    x = np.asarray(x, float)
    *lead, h, n, d = x.shape
    return x.reshape(*lead, n, h * d)


@entry("merge_heads", "np.concatenate(list(x), axis=-1) iterates the FIRST axis, which is the batch once there is one")
def merge_concat_first_axis(x):
    x = np.asarray(x, float)
    return np.concatenate(list(x), axis=-1)


@entry("merge_heads", "moves the head axis last, (..., n, d, h), so the features come out interleaved")
def merge_interleaved(x):
    x = np.asarray(x, float)
    *lead, h, n, d = x.shape
    return np.moveaxis(x, -3, -1).reshape(*lead, n, h * d)


@entry("merge_heads", "hard-codes transpose(0, 2, 1, 3), so it only works with exactly one batch axis")
def merge_hardcoded_transpose(x):
    x = np.asarray(x, float)
    B, h, n, d = x.shape
    return x.transpose(0, 2, 1, 3).reshape(B, n, h * d)


@entry("merge_heads", "right: concatenates x[..., j, :, :] for every head along the last axis", kind="right")
def merge_concat_heads(x):
    x = np.asarray(x, float)
    return np.concatenate([x[..., j, :, :] for j in range(x.shape[-3])], axis=-1)


@entry("merge_heads", "right: einsum '...hnd->...nhd' then reshape", kind="right")
def merge_einsum(x):
    x = np.asarray(x, float)
    *lead, h, n, d = x.shape
    return np.einsum("...hnd->...nhd", x).reshape(*lead, n, h * d)


def _mha(x_q, x_kv, params, n_heads, mask=None, *, bias=True, head_mask=True, scale=None, w_o=True):
    x_q, x_kv = np.asarray(x_q, float), np.asarray(x_kv, float)
    pq = _proj(x_q, params, "q") if bias else x_q @ params["W_q"]
    pk = _proj(x_kv, params, "k") if bias else x_kv @ params["W_k"]
    pv = _proj(x_kv, params, "v") if bias else x_kv @ params["W_v"]
    q, k, v = _split(pq, n_heads), _split(pk, n_heads), _split(pv, n_heads)
    out, w = _ref_attention(q, k, v, _head_mask(mask) if head_mask else mask, scale=scale)
    merged = _merge(out)
    if not w_o:
        return merged, w
    return (_proj(merged, params, "o") if bias else merged @ params["W_o"]), w


@entry("multi_head_attention", "the reshape trap: reshapes the projections straight to (B, h, n, d) and the output back to (B, n, D)")
def mha_reshape_trap(x_q, x_kv, params, n_heads, mask=None):
    x_q, x_kv = np.asarray(x_q, float), np.asarray(x_kv, float)
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads
    q = _proj(x_q, params, "q").reshape(B, n_heads, n_q, d)
    k = _proj(x_kv, params, "k").reshape(B, n_heads, n_k, d)
    v = _proj(x_kv, params, "v").reshape(B, n_heads, n_k, d)
    out, w = _ref_attention(q, k, v, _head_mask(mask))
    return _proj(out.reshape(B, n_q, D), params, "o"), w


@entry("multi_head_attention", "ignores the biases b_q, b_k, b_v, b_o when params holds them")
def mha_ignores_biases(x_q, x_kv, params, n_heads, mask=None):
    return _mha(x_q, x_kv, params, n_heads, mask, bias=False)


@entry("multi_head_attention", "scales the scores by 1/sqrt(D) (the model width) instead of 1/sqrt(d), d = D/h")
def mha_scale_D(x_q, x_kv, params, n_heads, mask=None):
    return _mha(x_q, x_kv, params, n_heads, mask, scale=1 / math.sqrt(np.shape(x_q)[-1]))


@entry("multi_head_attention", "passes a batch mask (B, 1, n_k) / (B, n_q, n_k) to the scores without a head axis, so B lines up with h (error or leak)")
def mha_no_head_axis(x_q, x_kv, params, n_heads, mask=None):
    return _mha(x_q, x_kv, params, n_heads, mask, head_mask=False)


@entry("multi_head_attention", "forgets the output projection W_o")
def mha_no_wo(x_q, x_kv, params, n_heads, mask=None):
    return _mha(x_q, x_kv, params, n_heads, mask, w_o=False)


@entry("multi_head_attention", "splits the heads with interleaved features (reshape (B, n, d, h)), and merges the same way")
def mha_interleaved_heads(x_q, x_kv, params, n_heads, mask=None):
    x_q, x_kv = np.asarray(x_q, float), np.asarray(x_kv, float)
    def sp(x):
        B, n, D = x.shape
        return x.reshape(B, n, D // n_heads, n_heads).transpose(0, 3, 1, 2)
    q, k, v = sp(_proj(x_q, params, "q")), sp(_proj(x_kv, params, "k")), sp(_proj(x_kv, params, "v"))
    out, w = _ref_attention(q, k, v, _head_mask(mask))
    B, h, n, d = out.shape
    return _proj(out.transpose(0, 2, 3, 1).reshape(B, n, h * d), params, "o"), w


@entry("multi_head_attention", "returns the weights averaged over the heads, (B, n_q, n_k), instead of every head's")
def mha_mean_weights(x_q, x_kv, params, n_heads, mask=None):
    out, w = _mha(x_q, x_kv, params, n_heads, mask)
    return out, w.mean(axis=1)


@entry("multi_head_attention", "always inserts the head axis with mask[:, None], which breaks the shared (n_q, n_k) and the full 4-D masks")
def mha_always_head_axis(x_q, x_kv, params, n_heads, mask=None):
    m = None if mask is None else np.asarray(mask)[:, None]
    return _mha(x_q, x_kv, params, n_heads, m, head_mask=False)


@entry("multi_head_attention", "takes keys and values from x_q (self-attention) even when x_kv differs")
def mha_kv_from_xq(x_q, x_kv, params, n_heads, mask=None):
    return _mha(x_q, x_q, params, n_heads, mask)


@entry("multi_head_attention", "right: per-head projections by einsum on W reshaped to (D, h, d), no split_heads", kind="right")
def mha_einsum_weights(x_q, x_kv, params, n_heads, mask=None):
    x_q, x_kv = np.asarray(x_q, float), np.asarray(x_kv, float)
    D = x_q.shape[-1]
    h, d = n_heads, D // n_heads
    def heads(x, which):
        W = np.asarray(params["W_" + which], float).reshape(D, h, d)
        out = np.einsum("bnD,Dhd->bhnd", x, W)
        b = params.get("b_" + which)
        if b is not None:
            out = out + np.asarray(b, float).reshape(h, 1, d)
        return out
    q, k, v = heads(x_q, "q"), heads(x_kv, "k"), heads(x_kv, "v")
    s = np.einsum("bhqd,bhkd->bhqk", q, k) / math.sqrt(d)
    if mask is not None:
        m = np.asarray(mask)
        if m.ndim == 3:
            m = m[:, None]
        s = np.where(m, s, -np.inf)
    w = _safe_softmax(s)
    o = np.einsum("bhqk,bhkd->bqhd", w, v).reshape(x_q.shape[0], x_q.shape[1], D)
    o = o @ params["W_o"]
    if params.get("b_o") is not None:
        o = o + params["b_o"]
    return o, w


@entry("multi_head_attention", "right: a Python loop over heads on feature slices, outputs concatenated", kind="right")
def mha_head_loop(x_q, x_kv, params, n_heads, mask=None):
    x_q, x_kv = np.asarray(x_q, float), np.asarray(x_kv, float)
    D = x_q.shape[-1]
    d = D // n_heads
    Q, K, V = _proj(x_q, params, "q"), _proj(x_kv, params, "k"), _proj(x_kv, params, "v")
    m = None
    if mask is not None:
        m = np.asarray(mask)
    outs, ws = [], []
    for j in range(n_heads):
        sl = slice(j * d, (j + 1) * d)
        mj = None
        if m is not None:
            mj = m[:, j] if (m.ndim == 4 and m.shape[1] > 1) else (m[:, 0] if m.ndim == 4 else m)
        o, w = _ref_attention(Q[..., sl], K[..., sl], V[..., sl], mj)
        outs.append(o)
        ws.append(w)
    return _proj(np.concatenate(outs, axis=-1), params, "o"), np.stack(ws, axis=1)


@entry("mha_reshape_bug", "deletes the raise line and leaves the reshape shortcut unchanged")
def mhabug_as_handed_out(x_q, x_kv, params, n_heads, mask=None):
    import attention_lib as al
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads
    q = (x_q @ params["W_q"]).reshape(B, n_heads, n_q, d)
    k = (x_kv @ params["W_k"]).reshape(B, n_heads, n_k, d)
    v = (x_kv @ params["W_v"]).reshape(B, n_heads, n_k, d)
    out, weights = al.attention(q, k, v, mask)
    return out.reshape(B, n_q, D) @ params["W_o"], weights


@entry("mha_reshape_bug", "fixes the split into heads (reshape + swapaxes) but keeps the merge as out.reshape(B, n_q, D)")
def mhabug_fix_split_only(x_q, x_kv, params, n_heads, mask=None):
    import attention_lib as al
    B, n_q, D = x_q.shape
    q = al.split_heads(_proj(x_q, params, "q"), n_heads)
    k = al.split_heads(_proj(x_kv, params, "k"), n_heads)
    v = al.split_heads(_proj(x_kv, params, "v"), n_heads)
    out, weights = al.attention(q, k, v, _head_mask(mask))
    return _proj(out.reshape(B, n_q, D), params, "o"), weights


@entry("mha_reshape_bug", "fixes the merge (al.merge_heads) but keeps the direct reshape for the split")
def mhabug_fix_merge_only(x_q, x_kv, params, n_heads, mask=None):
    import attention_lib as al
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads
    q = _proj(x_q, params, "q").reshape(B, n_heads, n_q, d)
    k = _proj(x_kv, params, "k").reshape(B, n_heads, n_k, d)
    v = _proj(x_kv, params, "v").reshape(B, n_heads, n_k, d)
    out, weights = al.attention(q, k, v, _head_mask(mask))
    return _proj(al.merge_heads(out), params, "o"), weights


@entry("mha_reshape_bug", "'fixes' the split by reshape(B, n, d, h) and moving h forward: heads get interleaved features")
def mhabug_interleaved_fix(x_q, x_kv, params, n_heads, mask=None):
    import attention_lib as al
    B, n_q, D = x_q.shape
    def sp(x):
        return x.reshape(x.shape[0], x.shape[1], D // n_heads, n_heads).transpose(0, 3, 1, 2)
    q, k, v = sp(_proj(x_q, params, "q")), sp(_proj(x_kv, params, "k")), sp(_proj(x_kv, params, "v"))
    out, weights = al.attention(q, k, v, _head_mask(mask))
    return _proj(out.transpose(0, 2, 3, 1).reshape(B, n_q, D), params, "o"), weights


@entry("mha_reshape_bug", "fixes split and merge but keeps the handed-out code's omission of the biases b_q..b_o (wrong when params has nonzero biases; the Q4 contract is Q3's, which includes biases -- mildly ambiguous)")
def mhabug_fixed_no_bias(x_q, x_kv, params, n_heads, mask=None):
    import attention_lib as al
    q = al.split_heads(x_q @ params["W_q"], n_heads)
    k = al.split_heads(x_kv @ params["W_k"], n_heads)
    v = al.split_heads(x_kv @ params["W_v"], n_heads)
    out, weights = al.attention(q, k, v, _head_mask(mask))
    return al.merge_heads(out) @ params["W_o"], weights


@entry("mha_reshape_bug", "fixes split and merge but transposes the weights to (B, h, n_k, n_q) when returning them")
def mhabug_weights_transposed(x_q, x_kv, params, n_heads, mask=None):
    import attention_lib as al
    q = al.split_heads(_proj(x_q, params, "q"), n_heads)
    k = al.split_heads(_proj(x_kv, params, "k"), n_heads)
    v = al.split_heads(_proj(x_kv, params, "v"), n_heads)
    out, weights = al.attention(q, k, v, _head_mask(mask))
    return _proj(al.merge_heads(out), params, "o"), np.swapaxes(weights, -1, -2)


@entry("mha_reshape_bug", "right: reshape to (B, n, h, d) and swapaxes(1, 2) in place of the shortcut, inverse for the merge, biases and head-axis mask handled", kind="right")
def mhabug_fixed_swapaxes(x_q, x_kv, params, n_heads, mask=None):
    import attention_lib as al
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads
    q = _proj(x_q, params, "q").reshape(B, n_q, n_heads, d).swapaxes(1, 2)
    k = _proj(x_kv, params, "k").reshape(B, n_k, n_heads, d).swapaxes(1, 2)
    v = _proj(x_kv, params, "v").reshape(B, n_k, n_heads, d).swapaxes(1, 2)
    out, weights = al.attention(q, k, v, _head_mask(mask))
    return _proj(out.swapaxes(1, 2).reshape(B, n_q, D), params, "o"), weights


@entry("mha_reshape_bug", "right: al.split_heads / al.merge_heads, biases via params.get, mask[:, None] for 3-D masks", kind="right")
def mhabug_fixed_al_helpers(x_q, x_kv, params, n_heads, mask=None):
    import attention_lib as al
    q = al.split_heads(x_q @ params["W_q"] + params.get("b_q", 0.0), n_heads)
    k = al.split_heads(x_kv @ params["W_k"] + params.get("b_k", 0.0), n_heads)
    v = al.split_heads(x_kv @ params["W_v"] + params.get("b_v", 0.0), n_heads)
    if mask is not None and np.ndim(mask) == 3:
        mask = np.asarray(mask)[:, None, :, :]
    out, weights = al.attention(q, k, v, mask)
    return al.merge_heads(out) @ params["W_o"] + params.get("b_o", 0.0), weights


def _gqa(x_q, x_kv, params, h, g, mask=None, *, repeat="repeat", bias=True):
    x_q, x_kv = np.asarray(x_q, float), np.asarray(x_kv, float)
    P = (lambda x, w: _proj(x, params, w)) if bias else (lambda x, w: x @ params["W_" + w])
    q = _split(P(x_q, "q"), h)
    k = _split(P(x_kv, "k"), g)
    v = _split(P(x_kv, "v"), g)
    if repeat == "repeat":
        k, v = np.repeat(k, h // g, axis=1), np.repeat(v, h // g, axis=1)
    elif repeat == "tile":
        k, v = np.tile(k, (1, h // g, 1, 1)), np.tile(v, (1, h // g, 1, 1))
    elif repeat == "mod_g":
        idx = np.arange(h) // g
        idx = np.minimum(idx, g - 1)
        k, v = k[:, idx], v[:, idx]
    out, w = _ref_attention(q, k, v, _head_mask(mask))
    merged = _merge(out)
    return (_proj(merged, params, "o") if bias else merged @ params["W_o"]), w


@entry("grouped_query_attention", "tiles the KV heads (np.tile: 0, 1, 0, 1, ...) so query head i uses KV head i mod g, not i // (h/g)")
def gqa_tile(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    return _gqa(x_q, x_kv, params, n_heads, n_kv_heads, mask, repeat="tile")


@entry("grouped_query_attention", "maps query head i to KV head i // g instead of i // (h/g)")
def gqa_index_div_g(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    return _gqa(x_q, x_kv, params, n_heads, n_kv_heads, mask, repeat="mod_g")


@entry("grouped_query_attention", "ignores the biases when params holds them")
def gqa_no_bias(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    return _gqa(x_q, x_kv, params, n_heads, n_kv_heads, mask, bias=False)


@entry("grouped_query_attention", "splits the keys and values into h heads (as in Q3) instead of g, so each gets width g*d/h")
def gqa_split_kv_into_h(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    x_q, x_kv = np.asarray(x_q, float), np.asarray(x_kv, float)
    q = _split(_proj(x_q, params, "q"), n_heads)
    k = _split(_proj(x_kv, params, "k"), n_heads)
    v = _split(_proj(x_kv, params, "v"), n_heads)
    out, w = _ref_attention(q, k, v, _head_mask(mask), scale=1 / math.sqrt(q.shape[-1]))
    return _proj(_merge(out), params, "o"), w


@entry("grouped_query_attention", "repeats each KV head g times (np.repeat(k, g)) instead of h/g times")
def gqa_repeat_g(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    x_q, x_kv = np.asarray(x_q, float), np.asarray(x_kv, float)
    q = _split(_proj(x_q, params, "q"), n_heads)
    k = np.repeat(_split(_proj(x_kv, params, "k"), n_kv_heads), n_kv_heads, axis=1)
    v = np.repeat(_split(_proj(x_kv, params, "v"), n_kv_heads), n_kv_heads, axis=1)
    out, w = _ref_attention(q, k, v, _head_mask(mask))
    return _proj(_merge(out), params, "o"), w


@entry("grouped_query_attention", "scales the scores by 1/sqrt(g*d) (the width of W_k) instead of 1/sqrt(d)")
def gqa_scale_kv_width(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    x_q, x_kv = np.asarray(x_q, float), np.asarray(x_kv, float)
    q = _split(_proj(x_q, params, "q"), n_heads)
    k = np.repeat(_split(_proj(x_kv, params, "k"), n_kv_heads), n_heads // n_kv_heads, axis=1)
    v = np.repeat(_split(_proj(x_kv, params, "v"), n_kv_heads), n_heads // n_kv_heads, axis=1)
    out, w = _ref_attention(q, k, v, _head_mask(mask), scale=1 / math.sqrt(np.shape(params["W_k"])[1]))
    return _proj(_merge(out), params, "o"), w


@entry("grouped_query_attention", "passes a batch mask (B, 1, n_k) on without adding the head axis")
def gqa_no_head_axis(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    x_q, x_kv = np.asarray(x_q, float), np.asarray(x_kv, float)
    q = _split(_proj(x_q, params, "q"), n_heads)
    k = np.repeat(_split(_proj(x_kv, params, "k"), n_kv_heads), n_heads // n_kv_heads, axis=1)
    v = np.repeat(_split(_proj(x_kv, params, "v"), n_kv_heads), n_heads // n_kv_heads, axis=1)
    out, w = _ref_attention(q, k, v, mask)
    return _proj(_merge(out), params, "o"), w


@entry("grouped_query_attention", "right: groups the query heads as (B, g, h/g, n, d) and broadcasts each KV head over its group", kind="right")
def gqa_grouped_broadcast(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    x_q, x_kv = np.asarray(x_q, float), np.asarray(x_kv, float)
    B, n_q, D = x_q.shape
    n_k = x_kv.shape[1]
    h, g = n_heads, n_kv_heads
    d = D // h
    q = _split(_proj(x_q, params, "q"), h).reshape(B, g, h // g, n_q, d)
    k = _split(_proj(x_kv, params, "k"), g)[:, :, None]               # (B, g, 1, n_k, d)
    v = _split(_proj(x_kv, params, "v"), g)[:, :, None]
    s = q @ np.swapaxes(k, -1, -2) / math.sqrt(d)                      # (B, g, h/g, n_q, n_k)
    if mask is not None:
        m = np.asarray(mask)
        if m.ndim == 3:
            m = m[:, None]
        if m.ndim == 4:                                                # (B, 1 or h, n_q, n_k)
            m = m.reshape(m.shape[0], 1, 1, *m.shape[2:]) if m.shape[1] == 1 else m.reshape(m.shape[0], g, h // g, *m.shape[2:])
        s = np.where(m, s, -np.inf)
    w = _safe_softmax(s)
    out = (w @ v).reshape(B, h, n_q, d)
    return _proj(_merge(out), params, "o"), w.reshape(B, h, n_q, n_k)


@entry("grouped_query_attention", "right: loop over query heads, head i slicing KV columns of head i // (h/g)", kind="right")
def gqa_head_loop(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    x_q, x_kv = np.asarray(x_q, float), np.asarray(x_kv, float)
    D = x_q.shape[-1]
    d = D // n_heads
    per = n_heads // n_kv_heads
    Q, K, V = _proj(x_q, params, "q"), _proj(x_kv, params, "k"), _proj(x_kv, params, "v")
    m = None if mask is None else np.asarray(mask)
    outs, ws = [], []
    for i in range(n_heads):
        kv = i // per
        mi = None
        if m is not None:
            mi = m if m.ndim <= 3 else m[:, i if m.shape[1] > 1 else 0]
        o, w = _ref_attention(Q[..., i * d:(i + 1) * d], K[..., kv * d:(kv + 1) * d], V[..., kv * d:(kv + 1) * d], mi)
        outs.append(o)
        ws.append(w)
    return _proj(np.concatenate(outs, axis=-1), params, "o"), np.stack(ws, axis=1)


@entry("kv_cache_per_token", "uses the 64 query heads instead of the 8 key/value heads: 2 621 440 bytes")
def kvtok_query_heads():
    return 2 * 80 * 64 * 128 * 2


@entry("kv_cache_per_token", "forgets the factor 2 for keys AND values: 163 840 bytes")
def kvtok_no_kv_factor():
    return 80 * 8 * 128 * 2


@entry("kv_cache_per_token", "counts 4 bytes per number (float32) instead of 2 (float16): 655 360")
def kvtok_float32():
    return 2 * 80 * 8 * 128 * 4


@entry("kv_cache_per_token", "answers in KiB (320) instead of bytes")
def kvtok_kib():
    return 2 * 80 * 8 * 128 * 2 / 1024


@entry("kv_cache_per_token", "forgets the 80 layers: 4096 bytes")
def kvtok_one_layer():
    return 2 * 8 * 128 * 2


@entry("kv_cache_per_token", "right: product of the factors with math.prod", kind="right")
def kvtok_prod():
    return math.prod([2, 80, 8, 128, 2])


# =========================================================================== 07 · training attention by hand

@entry("softmax_backward", "forgets p inside the row sum: p*dp - p*sum(dp) instead of p*(dp - sum(dp*p))")
def smb_sum_without_p(p, dp):
    p, dp = np.asarray(p, float), np.asarray(dp, float)
    return p * dp - p * dp.sum(axis=-1, keepdims=True)


@entry("softmax_backward", "forgets the outer factor p: dp - sum(dp*p), nonzero at masked keys where p = 0")
def smb_no_outer_p(p, dp):
    p, dp = np.asarray(p, float), np.asarray(dp, float)
    return dp - (dp * p).sum(axis=-1, keepdims=True)


@entry("softmax_backward", "sums without keepdims, so the row sums broadcast along the wrong axis (or fail)")
def smb_no_keepdims(p, dp):
    p, dp = np.asarray(p, float), np.asarray(dp, float)
    return p * (dp - (dp * p).sum(axis=-1))


@entry("softmax_backward", "sums over the whole array instead of each row")
def smb_global_sum(p, dp):
    p, dp = np.asarray(p, float), np.asarray(dp, float)
    return p * (dp - (dp * p).sum())


@entry("softmax_backward", "keeps only the diagonal of the Jacobian: p(1-p) dp")
def smb_diagonal_only(p, dp):
    p, dp = np.asarray(p, float), np.asarray(dp, float)
    return p * (1 - p) * dp


@entry("softmax_backward", "sums over axis 0 (the rows) instead of the last axis")
def smb_axis0(p, dp):
    p, dp = np.asarray(p, float), np.asarray(dp, float)
    return p * (dp - (dp * p).sum(axis=0, keepdims=True))


@entry("softmax_backward", "right: einsum for the row inner product, p*dp - p*<p, dp>", kind="right")
def smb_einsum(p, dp):
    p, dp = np.asarray(p, float), np.asarray(dp, float)
    inner = np.einsum("...i,...i->...", p, dp)[..., None]
    return p * dp - p * inner


@entry("softmax_backward", "right: loop over flattened rows computing p * (dp - p·dp) with np.dot", kind="right")
def smb_row_loop(p, dp):
    p, dp = np.asarray(p, float), np.asarray(dp, float)
    P, G = p.reshape(-1, p.shape[-1]), dp.reshape(-1, dp.shape[-1])
    out = np.empty_like(P)
    for r in range(P.shape[0]):
        out[r] = P[r] * (G[r] - np.dot(P[r], G[r]))
    return out.reshape(p.shape)


@entry("numerical_gradient", "one-sided forward difference (f(x+eps) - f(x)) / eps: relative error ~1e-6, above 1e-8")
def ng_forward(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float64)
    g = np.zeros_like(x)
    f0 = float(f(x))
    for idx in np.ndindex(x.shape):
        orig = x[idx]
        x[idx] = orig + eps
        g[idx] = (float(f(x)) - f0) / eps
        x[idx] = orig
    return g


@entry("numerical_gradient", "perturbs the caller's array in place (np.asarray, no copy) and never restores the entries")
def ng_in_place_no_restore(f, x, eps=1e-6):
    x = np.asarray(x)
    if x.dtype != np.float64:
        x = x.astype(np.float64)
    g = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        x[idx] += eps
        up = float(f(x))
        x[idx] -= 2 * eps
        down = float(f(x))
        g[idx] = (up - down) / (2 * eps)
    return g


@entry("numerical_gradient", "copies x but keeps its dtype, so an integer x truncates x +- eps and gives a zero gradient")
def ng_keeps_int_dtype(f, x, eps=1e-6):
    x = np.array(x)
    g = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        orig = x[idx]
        x[idx] = orig + eps
        up = float(f(x))
        x[idx] = orig - eps
        down = float(f(x))
        x[idx] = orig
        g[idx] = (up - down) / (2 * eps)
    return g


@entry("numerical_gradient", "divides the central difference by eps instead of 2 eps (gradient twice too large)")
def ng_divides_by_eps(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float64)
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        orig = x[idx]
        x[idx] = orig + eps
        up = float(f(x))
        x[idx] = orig - eps
        down = float(f(x))
        x[idx] = orig
        g[idx] = (up - down) / eps
    return g


@entry("numerical_gradient", "loops over range(len(x)) and perturbs x[i], which for a 2-D x nudges a whole row at once")
def ng_rows_only(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float64)
    g = np.zeros_like(x)
    for i in range(len(x)):
        orig = x[i].copy()
        x[i] = orig + eps
        up = float(f(x))
        x[i] = orig - eps
        down = float(f(x))
        x[i] = orig
        g[i] = (up - down) / (2 * eps)
    return g


@entry("numerical_gradient", "works on a float32 copy, so rounding swamps the difference (error far above 1e-8)")
def ng_float32(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float32)
    g = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        orig = x[idx]
        x[idx] = orig + np.float32(eps)
        up = float(f(x))
        x[idx] = orig - np.float32(eps)
        down = float(f(x))
        x[idx] = orig
        g[idx] = (up - down) / (2 * eps)
    return g


@entry("numerical_gradient", "forgets to restore the entry after the minus step, so later entries are differentiated at a shifted point")
def ng_no_restore(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float64)
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        orig = x[idx]
        x[idx] = orig + eps
        up = float(f(x))
        x[idx] = orig - eps
        down = float(f(x))
        g[idx] = (up - down) / (2 * eps)
    return g


@entry("numerical_gradient", "right: flat loop over a float64 copy with ravel() view and a basis-vector step", kind="right")
def ng_flat_basis(f, x, eps=1e-6):
    x0 = np.array(x, dtype=np.float64, copy=True)
    flat = x0.ravel()
    g = np.empty(flat.size)
    for i in range(flat.size):
        e = np.zeros(flat.size)
        e[i] = eps
        g[i] = (float(f((flat + e).reshape(x0.shape))) - float(f((flat - e).reshape(x0.shape)))) / (2 * eps)
    return g.reshape(x0.shape)


@entry("numerical_gradient", "right: np.nditer with multi_index over a private float64 copy", kind="right")
def ng_nditer(f, x, eps=1e-6):
    work = np.asarray(x).astype(np.float64)          # astype always copies
    grad = np.zeros(work.shape)
    it = np.nditer(work, flags=["multi_index"])
    while not it.finished:
        i = it.multi_index
        saved = work[i]
        work[i] = saved + eps
        fp = f(work)
        work[i] = saved - eps
        fm = f(work)
        work[i] = saved
        grad[i] = (fp - fm) / (2.0 * eps)
        it.iternext()
    return grad


def _attn_bwd(q, k, v, d_out, mask=None, *, scale=True, p_factor=True, use_mask=True):
    q, k, v, d_out = (np.asarray(a, float) for a in (q, k, v, d_out))
    tau = 1 / math.sqrt(q.shape[-1]) if scale else 1.0
    _, P = _ref_attention(q, k, v, mask if use_mask else None)
    dv = np.swapaxes(P, -1, -2) @ d_out
    dP = d_out @ np.swapaxes(v, -1, -2)
    inner = (dP * P).sum(-1, keepdims=True)
    dS = P * (dP - inner) if p_factor else dP - inner
    return tau * (dS @ k), tau * (np.swapaxes(dS, -1, -2) @ q), dv


@entry("attention_backward", "forgets the 1/sqrt(d) factor in dq and dk")
def ab_no_scale(q, k, v, d_out, mask=None):
    return _attn_bwd(q, k, v, d_out, mask, scale=False)


@entry("attention_backward", "dv = P @ d_out without transposing P (shape error unless n_q == n_k, wrong otherwise)")
def ab_dv_no_transpose(q, k, v, d_out, mask=None):
    dq, dk, _ = _attn_bwd(q, k, v, d_out, mask)
    _, P = _ref_attention(q, k, v, mask)
    return dq, dk, P @ np.asarray(d_out, float)


@entry("attention_backward", "recomputes the forward weights without the mask")
def ab_ignores_mask(q, k, v, d_out, mask=None):
    return _attn_bwd(q, k, v, d_out, mask, use_mask=False)


@entry("attention_backward", "softmax backward without the outer factor P: dS = dP - rowsum(dP*P)")
def ab_no_p_factor(q, k, v, d_out, mask=None):
    return _attn_bwd(q, k, v, d_out, mask, p_factor=False)


@entry("attention_backward", "dk = dS @ q / sqrt(d) without transposing dS")
def ab_dk_no_transpose(q, k, v, d_out, mask=None):
    q, k, v, d_out = (np.asarray(a, float) for a in (q, k, v, d_out))
    dq, _, dv = _attn_bwd(q, k, v, d_out, mask)
    _, P = _ref_attention(q, k, v, mask)
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * (dP - (dP * P).sum(-1, keepdims=True))
    return dq, dS @ q / math.sqrt(q.shape[-1]), dv


@entry("attention_backward", "uses .T for the transposes, which reverses every axis and breaks batched inputs")
def ab_dot_T(q, k, v, d_out, mask=None):
    q, k, v, d_out = (np.asarray(a, float) for a in (q, k, v, d_out))
    _, P = _ref_attention(q, k, v, mask)
    dv = P.T @ d_out
    dP = d_out @ v.T
    dS = P * (dP - (dP * P).sum(-1, keepdims=True))
    t = 1 / math.sqrt(q.shape[-1])
    return t * dS @ k, t * dS.T @ q, dv


@entry("attention_backward", "takes the softmax-backward row sum over the queries (axis -2) instead of the keys")
def ab_rowsum_wrong_axis(q, k, v, d_out, mask=None):
    q, k, v, d_out = (np.asarray(a, float) for a in (q, k, v, d_out))
    _, P = _ref_attention(q, k, v, mask)
    dv = np.swapaxes(P, -1, -2) @ d_out
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * (dP - (dP * P).sum(-2, keepdims=True))
    t = 1 / math.sqrt(q.shape[-1])
    return t * dS @ k, t * np.swapaxes(dS, -1, -2) @ q, dv


@entry("attention_backward", "right: every product written with einsum, weights from al.attention", kind="right")
def ab_einsum(q, k, v, d_out, mask=None):
    import attention_lib as al
    q, k, v, d_out = (np.asarray(a, float) for a in (q, k, v, d_out))
    P = al.attention(q, k, v, mask)[1]
    dv = np.einsum("...qk,...qv->...kv", P, d_out)
    dP = np.einsum("...qv,...kv->...qk", d_out, v)
    dS = P * (dP - np.einsum("...qk,...qk->...q", dP, P)[..., None])
    t = q.shape[-1] ** -0.5
    return t * np.einsum("...qk,...kd->...qd", dS, k), t * np.einsum("...qk,...qd->...kd", dS, q), dv


@entry("attention_backward", "right: builds each row's softmax Jacobian diag(p) - p p^T and applies it (allowed here, just slower)", kind="right")
def ab_full_jacobian(q, k, v, d_out, mask=None):
    q, k, v, d_out = (np.asarray(a, float) for a in (q, k, v, d_out))
    _, P = _ref_attention(q, k, v, mask)
    J = P[..., :, None] * np.eye(P.shape[-1]) - P[..., :, None] * P[..., None, :]   # (..., n_q, n_k, n_k)
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = np.einsum("...ij,...j->...i", J, dP)       # J symmetric
    t = 1 / math.sqrt(q.shape[-1])
    return t * (dS @ k), t * (np.swapaxes(dS, -1, -2) @ q), np.swapaxes(P, -1, -2) @ d_out


@entry("backward_mask_bug", "deletes the raise line and keeps the unmasked forward weights P")
def bmb_as_handed_out(q, k, v, d_out, mask=None):
    d = q.shape[-1]
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)
    P = np.exp(s - s.max(axis=-1, keepdims=True))
    P = P / P.sum(axis=-1, keepdims=True)
    dv = np.swapaxes(P, -1, -2) @ d_out
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return dS @ k / np.sqrt(d), np.swapaxes(dS, -1, -2) @ q / np.sqrt(d), dv


@entry("backward_mask_bug", "zeroes P at the blocked keys after the unmasked softmax without renormalising")
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


@entry("backward_mask_bug", "masks the scores with -inf before the textbook softmax: a query with no visible key gets NaN gradients")
def bmb_nan_rows(q, k, v, d_out, mask=None):
    d = q.shape[-1]
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    with np.errstate(invalid="ignore"):
        P = np.exp(s - s.max(axis=-1, keepdims=True))
        P = P / P.sum(axis=-1, keepdims=True)
    dv = np.swapaxes(P, -1, -2) @ d_out
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return dS @ k / np.sqrt(d), np.swapaxes(dS, -1, -2) @ q / np.sqrt(d), dv


@entry("backward_mask_bug", "applies the mask with inverted polarity (np.where(mask, -inf, s))")
def bmb_inverted(q, k, v, d_out, mask=None):
    return _attn_bwd(q, k, v, d_out, None if mask is None else ~np.asarray(mask, bool))


@entry("backward_mask_bug", "fixes the mask but divides dk by d instead of sqrt(d)")
def bmb_dk_by_d(q, k, v, d_out, mask=None):
    dq, dk, dv = _attn_bwd(q, k, v, d_out, mask)
    return dq, dk / math.sqrt(np.shape(q)[-1]), dv


@entry("backward_mask_bug", "right: takes P from al.attention(q, k, v, mask)[1] and keeps the rest", kind="right")
def bmb_fixed_al_attention(q, k, v, d_out, mask=None):
    import attention_lib as al
    d = q.shape[-1]
    P = al.attention(q, k, v, mask)[1]
    dv = np.swapaxes(P, -1, -2) @ d_out
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return dS @ k / np.sqrt(d), np.swapaxes(dS, -1, -2) @ q / np.sqrt(d), dv


@entry("backward_mask_bug", "right: masked scores, guarded shift and guarded division written by hand", kind="right")
def bmb_fixed_by_hand(q, k, v, d_out, mask=None):
    d = q.shape[-1]
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    top = s.max(axis=-1, keepdims=True)
    P = np.exp(s - np.where(np.isfinite(top), top, 0.0))
    tot = P.sum(axis=-1, keepdims=True)
    P = np.divide(P, tot, out=np.zeros_like(P), where=tot > 0)
    dv = np.swapaxes(P, -1, -2) @ d_out
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return dS @ k / np.sqrt(d), np.swapaxes(dS, -1, -2) @ q / np.sqrt(d), dv


# =========================================================================== 08 · efficient attention

def _online(x, axis=-1, *, rescale="right", guard=True, empty="zeros", move_back=True, skip_first=False):
    x = np.asarray(x, float)
    z = np.moveaxis(x, axis, -1)
    m = np.full(z.shape[:-1], -np.inf)
    l = np.zeros(z.shape[:-1])
    start = 0
    if skip_first:
        m = z[..., 0].copy()
        start = 1
    with np.errstate(invalid="ignore", over="ignore"):
        for j in range(start, z.shape[-1]):
            xj = z[..., j]
            m_new = np.maximum(m, xj)
            sh = np.where(np.isfinite(m_new), m_new, 0.0) if guard else m_new
            if rescale == "right":
                l = l * np.exp(m - sh) + np.exp(xj - sh)
            elif rescale == "none":
                l = l + np.exp(xj - sh)
            elif rescale == "inverted":
                l = l * np.exp(np.where(np.isfinite(m), sh - m, 0.0)) + np.exp(xj - sh)
            m = m_new
        sh = np.where(np.isfinite(m), m, 0.0)[..., None] if guard else m[..., None]
        e = np.exp(z - sh)
        if empty == "zeros":
            y = np.divide(e, l[..., None], out=np.zeros_like(e), where=l[..., None] > 0)
        elif empty == "uniform":
            n = z.shape[-1]
            y = np.where(l[..., None] > 0, e / np.where(l[..., None] > 0, l[..., None], 1.0), 1.0 / n)
        else:
            y = e / l[..., None]
    return np.moveaxis(y, -1, axis) if move_back else y


@entry("online_softmax", "adds each new term without rescaling the running sum by e^(m - m_new)")
def online_no_rescale(x, axis=-1):
    return _online(x, axis, rescale="none")


@entry("online_softmax", "rescales the running sum by e^(m_new - m) (inverted exponent) when the max grows")
def online_inverted_rescale(x, axis=-1):
    return _online(x, axis, rescale="inverted")


@entry("online_softmax", "no guard for an all -inf slice: -inf - (-inf) gives NaN instead of zeros")
def online_no_guard(x, axis=-1):
    return _online(x, axis, guard=False, empty="nan")


@entry("online_softmax", "gives an all -inf slice uniform weights 1/n instead of zeros")
def online_empty_uniform(x, axis=-1):
    return _online(x, axis, empty="uniform")


@entry("online_softmax", "ignores the axis argument and always runs over the last axis")
def online_ignores_axis(x, axis=-1):
    return _online(x, -1)


@entry("online_softmax", "moves the axis to the end but forgets to move it back (wrong shape for axis != -1)")
def online_no_move_back(x, axis=-1):
    return _online(x, axis, move_back=False)


@entry("online_softmax", "starts m at the first element with l = 0 and loops from position 1, so the first element's term is missing from l")
def online_skip_first(x, axis=-1):
    return _online(x, axis, skip_first=True)


@entry("online_softmax", "right: running log-sum-exp with np.logaddexp in the single loop (max and normaliser together), guarded for all -inf", kind="right")
def online_logaddexp(x, axis=-1):
    x = np.asarray(x, float)
    z = np.moveaxis(x, axis, -1)
    lse = np.full(z.shape[:-1], -np.inf)
    for j in range(z.shape[-1]):
        lse = np.logaddexp(lse, z[..., j])
    safe = np.where(np.isfinite(lse), lse, 0.0)[..., None]
    y = np.where(np.isfinite(lse)[..., None], np.exp(z - safe), 0.0)
    return np.moveaxis(y, -1, axis)


@entry("online_softmax", "right: the recurrence with np.take along the axis and keepdims-shaped state, no moveaxis", kind="right")
def online_take_keepdims(x, axis=-1):
    x = np.asarray(x, float)
    ax = axis % x.ndim
    shape = list(x.shape)
    shape[ax] = 1
    m = np.full(shape, -np.inf)
    l = np.zeros(shape)
    for j in range(x.shape[ax]):
        xj = np.take(x, [j], axis=ax)
        m_new = np.maximum(m, xj)
        finite = np.isfinite(m_new)
        alpha = np.where(finite, np.exp(np.where(finite, m - m_new, 0.0)), 1.0)
        term = np.where(finite, np.exp(np.where(finite, xj - m_new, 0.0)), 0.0)
        l = l * alpha + term
        m = m_new
    finite = np.isfinite(m)
    e = np.where(finite, np.exp(x - np.where(finite, m, 0.0)), 0.0)
    return np.where(l > 0, e / np.where(l > 0, l, 1.0), 0.0)


@entry("kv_cache_bytes", "forgets the factor 2 for keys and values")
def kvb_no_two(n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element=2, batch=1):
    return n_layers * n_kv_heads * d_head * n_tokens * bytes_per_element * batch


@entry("kv_cache_bytes", "ignores the batch argument")
def kvb_no_batch(n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element=2, batch=1):
    return 2 * n_layers * n_kv_heads * d_head * n_tokens * bytes_per_element


@entry("kv_cache_bytes", "hard-codes 2 bytes per element and ignores bytes_per_element")
def kvb_fixed_bytes(n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element=2, batch=1):
    return 2 * n_layers * n_kv_heads * d_head * n_tokens * 2 * batch


@entry("kv_cache_bytes", "multiplies with np.prod in int32, which overflows silently for long contexts and big batches")
def kvb_int32_overflow(n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element=2, batch=1):
    return int(np.prod(np.array([2, n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element, batch], dtype=np.int32), dtype=np.int32))


@entry("kv_cache_bytes", "returns bits (times 8) instead of bytes")
def kvb_bits(n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element=2, batch=1):
    return 2 * n_layers * n_kv_heads * d_head * n_tokens * bytes_per_element * batch * 8


@entry("kv_cache_bytes", "returns a float (computes via / 1 and float factors) although a whole number is asked for; the value is right -- type-only, mildly ambiguous")
def kvb_float(n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element=2, batch=1):
    return 2.0 * n_layers * n_kv_heads * d_head * n_tokens * bytes_per_element * batch / 1


@entry("kv_cache_bytes", "right: functools.reduce over Python ints", kind="right")
def kvb_reduce(n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element=2, batch=1):
    import functools
    import operator
    return functools.reduce(operator.mul, [int(n_layers), int(n_kv_heads), int(d_head), int(n_tokens),
                                           int(bytes_per_element), int(batch), 2], 1)


@entry("kv_cache_bytes", "right: per-token bytes for keys and values summed separately, then times tokens and batch", kind="right")
def kvb_keys_plus_values(n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element=2, batch=1):
    keys = int(n_layers) * int(n_kv_heads) * int(d_head) * int(bytes_per_element)
    values = keys
    return (keys + values) * int(n_tokens) * int(batch)


def _fbu(m, l, acc, s, vb, *, rescale_l=True, rescale_acc=True, guard=True, alpha_inverted=False,
         block_max_only=False, l_axis=-1):
    m, l, acc, s, vb = (np.asarray(a, float) for a in (m, l, acc, s, vb))
    with np.errstate(invalid="ignore", over="ignore"):
        bm = s.max(axis=-1, keepdims=True)
        m_new = bm if block_max_only else np.maximum(m, bm)
        sh = np.where(np.isfinite(m_new), m_new, 0.0) if guard else m_new
        p = np.exp(s - sh)
        alpha = np.exp(sh - m) if alpha_inverted else np.exp(m - sh)
        if alpha_inverted:
            alpha = np.where(np.isfinite(m), alpha, 0.0)
        l_new = (alpha * l if rescale_l else l) + p.sum(axis=l_axis, keepdims=True)
        acc_new = (alpha * acc if rescale_acc else acc) + p @ vb
    return m_new, l_new, acc_new


@entry("flash_block_update", "does not rescale the running sum l by alpha")
def fbu_no_l_rescale(m, l, acc, scores_block, v_block):
    return _fbu(m, l, acc, scores_block, v_block, rescale_l=False)


@entry("flash_block_update", "does not rescale the accumulator acc by alpha")
def fbu_no_acc_rescale(m, l, acc, scores_block, v_block):
    return _fbu(m, l, acc, scores_block, v_block, rescale_acc=False)


@entry("flash_block_update", "no -inf guard: a query with no visible key so far gets NaN from -inf - (-inf) instead of keeping its state")
def fbu_no_guard(m, l, acc, scores_block, v_block):
    return _fbu(m, l, acc, scores_block, v_block, guard=False)


@entry("flash_block_update", "rescales with alpha = e^(m_new - m) (inverted exponent)")
def fbu_alpha_inverted(m, l, acc, scores_block, v_block):
    return _fbu(m, l, acc, scores_block, v_block, alpha_inverted=True)


@entry("flash_block_update", "uses the tile's max as the new m, forgetting the old running max")
def fbu_block_max_only(m, l, acc, scores_block, v_block):
    return _fbu(m, l, acc, scores_block, v_block, block_max_only=True)


@entry("flash_block_update", "sums P over axis -2 (the queries) for l")
def fbu_l_wrong_axis(m, l, acc, scores_block, v_block):
    return _fbu(m, l, acc, scores_block, v_block, l_axis=-2)


@entry("flash_block_update", "divides acc by l at every tile (normalises early) although the contract says not to")
def fbu_normalises(m, l, acc, scores_block, v_block):
    m2, l2, a2 = _fbu(m, l, acc, scores_block, v_block)
    return m2, l2, np.divide(a2, l2, out=np.zeros_like(a2), where=l2 > 0)


@entry("flash_block_update", "updates m, l and acc in place (m[...] = ..., l *= alpha ...), modifying the caller's arrays")
def fbu_in_place(m, l, acc, scores_block, v_block):
    m2, l2, a2 = _fbu(m, l, acc, scores_block, v_block)
    for dst, src in ((m, m2), (l, l2), (acc, a2)):
        if isinstance(dst, np.ndarray) and dst.dtype.kind == "f" and dst.shape == src.shape and dst.flags.writeable:
            dst[...] = src
    return m, l, acc


@entry("flash_block_update", "right: alpha and P set to 0 explicitly where the shift would be -inf, with einsum for P V", kind="right")
def fbu_explicit_where(m, l, acc, scores_block, v_block):
    m, l, acc, s, vb = (np.asarray(a, float) for a in (m, l, acc, scores_block, v_block))
    m_new = np.maximum(m, np.max(s, axis=-1, keepdims=True))
    fin = np.isfinite(m_new)
    safe = np.where(fin, m_new, 0.0)
    alpha = np.where(np.isneginf(m), 0.0, np.exp(np.where(np.isneginf(m), 0.0, m) - safe))
    p = np.where(np.isneginf(s), 0.0, np.exp(np.where(np.isneginf(s), 0.0, s) - safe))
    return m_new, alpha * l + p.sum(-1, keepdims=True), alpha * acc + np.einsum("...qk,...kv->...qv", p, vb)


@entry("flash_block_update", "right: loop over the tile's keys, one online-softmax step per key", kind="right")
def fbu_key_loop(m, l, acc, scores_block, v_block):
    m, l, acc, s, vb = (np.array(a, dtype=float) for a in (m, l, acc, scores_block, v_block))
    for j in range(s.shape[-1]):
        sj = s[..., j:j + 1]
        m_new = np.maximum(m, sj)
        sh = np.where(np.isfinite(m_new), m_new, 0.0)
        a = np.exp(m - sh)
        pj = np.exp(sj - sh)
        l = a * l + pj
        acc = a * acc + pj * vb[..., j:j + 1, :]
        m = m_new
    return m, l, acc


def _decode(q_new, k_cache, v_cache, k_new, v_new, *, axis=-2, prepend=False, mask_kind="bottom_right",
            old_cache=False, return_old=False):
    q_new, k_cache, v_cache, k_new, v_new = (np.asarray(a, float) for a in (q_new, k_cache, v_cache, k_new, v_new))
    if prepend:
        K = np.concatenate([k_new, k_cache], axis=axis)
        V = np.concatenate([v_new, v_cache], axis=axis)
    else:
        K = np.concatenate([k_cache, k_new], axis=axis)
        V = np.concatenate([v_cache, v_new], axis=axis)
    n_q = q_new.shape[-2]
    keys, vals = (k_cache, v_cache) if old_cache else (K, V)
    n_k = keys.shape[-2]
    mask = None
    if n_q > 1:
        if mask_kind == "bottom_right":
            mask = np.tri(n_q, n_k, k=n_k - n_q, dtype=bool)
        elif mask_kind == "top_left":
            mask = np.tri(n_q, n_k, dtype=bool)
        elif mask_kind == "square":
            mask = np.tri(n_q, dtype=bool)
    out, _ = _ref_attention(q_new, keys, vals, mask)
    return (out, k_cache, v_cache) if return_old else (out, K, V)


@entry("decode_step", "concatenates along axis 0 instead of the sequence axis -2 (wrong with batch/head axes)")
def dec_concat_axis0(q_new, k_cache, v_cache, k_new, v_new):
    return _decode(q_new, k_cache, v_cache, k_new, v_new, axis=0)


@entry("decode_step", "puts the new tokens in front of the cache ([new, cache]) instead of after it")
def dec_prepend(q_new, k_cache, v_cache, k_new, v_new):
    return _decode(q_new, k_cache, v_cache, k_new, v_new, prepend=True)


@entry("decode_step", "for several new tokens aligns the causal mask top-left (np.tri(n_q, n_k)), hiding most of the cache")
def dec_top_left_mask(q_new, k_cache, v_cache, k_new, v_new):
    return _decode(q_new, k_cache, v_cache, k_new, v_new, mask_kind="top_left")


@entry("decode_step", "uses no mask even when several new tokens arrive, so earlier new tokens see later ones")
def dec_no_mask(q_new, k_cache, v_cache, k_new, v_new):
    return _decode(q_new, k_cache, v_cache, k_new, v_new, mask_kind="none")


@entry("decode_step", "attends to the old cache only (before appending), so a new token never sees itself")
def dec_attend_old_cache(q_new, k_cache, v_cache, k_new, v_new):
    return _decode(q_new, k_cache, v_cache, k_new, v_new, old_cache=True)


@entry("decode_step", "returns the old caches instead of the grown ones")
def dec_returns_old(q_new, k_cache, v_cache, k_new, v_new):
    return _decode(q_new, k_cache, v_cache, k_new, v_new, return_old=True)


@entry("decode_step", "uses a square causal mask (n_q, n_q) which does not match the (n_q, n_past + n_q) scores")
def dec_square_mask(q_new, k_cache, v_cache, k_new, v_new):
    return _decode(q_new, k_cache, v_cache, k_new, v_new, mask_kind="square")


@entry("decode_step", "scales the scores by sqrt(d_v) (value width) instead of sqrt(d)")
def dec_scale_dv(q_new, k_cache, v_cache, k_new, v_new):
    q_new, k_cache, v_cache, k_new, v_new = (np.asarray(a, float) for a in (q_new, k_cache, v_cache, k_new, v_new))
    K = np.concatenate([k_cache, k_new], axis=-2)
    V = np.concatenate([v_cache, v_new], axis=-2)
    n_q, n_k = q_new.shape[-2], K.shape[-2]
    mask = np.tri(n_q, n_k, k=n_k - n_q, dtype=bool)
    out, _ = _ref_attention(q_new, K, V, mask, scale=1 / math.sqrt(V.shape[-1]))
    return out, K, V


@entry("decode_step", "right: full square causal mask over all tokens, keeping its last n_q rows", kind="right")
def dec_square_mask_last_rows(q_new, k_cache, v_cache, k_new, v_new):
    import attention_lib as al
    K = np.concatenate([np.asarray(k_cache, float), np.asarray(k_new, float)], axis=-2)
    V = np.concatenate([np.asarray(v_cache, float), np.asarray(v_new, float)], axis=-2)
    n_q, n_k = np.shape(q_new)[-2], K.shape[-2]
    mask = al.causal_mask(n_k)[n_k - n_q:]
    out, _ = al.attention(q_new, K, V, mask)
    return out, K, V


@entry("decode_step", "right: np.tri(n_q, n_k, k=n_past) mask and attention written by hand, always masked", kind="right")
def dec_tri_offset(q_new, k_cache, v_cache, k_new, v_new):
    q_new = np.asarray(q_new, float)
    n_past = np.shape(k_cache)[-2]
    K = np.concatenate((k_cache, k_new), axis=-2).astype(float)
    V = np.concatenate((v_cache, v_new), axis=-2).astype(float)
    n_q = q_new.shape[-2]
    mask = np.tri(n_q, n_past + n_q, k=n_past, dtype=bool)
    out, _ = _ref_attention(q_new, K, V, mask)
    return out, K, V


def _tiled(q, k, v, mask=None, block_size=128, *, inner="n_k", l_fix=True, empty_fix=True,
           mask_broadcast=True, guard_exp=True, l_after=False):
    q, k, v = (np.asarray(a, float) for a in (q, k, v))
    n_q, d = q.shape[-2], q.shape[-1]
    n_k = k.shape[-2]
    batch = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    if mask is not None:
        mask = np.asarray(mask)
        batch = np.broadcast_shapes(batch, mask.shape[:-2])
    out = np.empty(batch + (n_q, v.shape[-1]))
    stop = n_k if inner == "n_k" else n_q
    with np.errstate(invalid="ignore", divide="ignore"):
        for i in range(0, n_q, block_size):
            q_i = q[..., i:i + block_size, :] / np.sqrt(d)
            b = q_i.shape[-2]
            m = np.full(batch + (b, 1), -np.inf)
            l = np.zeros(batch + (b, 1))
            acc = np.zeros(batch + (b, v.shape[-1]))
            for j in range(0, stop, block_size):
                s = q_i @ np.swapaxes(k[..., j:j + block_size, :], -1, -2)
                if mask is not None:
                    if mask_broadcast:
                        r = slice(i, i + block_size) if mask.shape[-2] != 1 else slice(None)
                        c = slice(j, j + block_size) if mask.shape[-1] != 1 else slice(None)
                        mb = mask[..., r, c]
                    else:
                        mb = mask[..., i:i + block_size, j:j + block_size]
                    s = np.where(mb, s, -np.inf)
                m_new = np.maximum(m, s.max(axis=-1, keepdims=True))
                sh = np.where(np.isfinite(m_new), m_new, 0.0) if (empty_fix and guard_exp) else m_new
                p = np.exp(s - sh)
                alpha = np.exp(m - sh)
                if l_after:
                    l = alpha * (l + p.sum(axis=-1, keepdims=True))
                elif l_fix:
                    l = alpha * l + p.sum(axis=-1, keepdims=True)
                else:
                    l = l + p.sum(axis=-1, keepdims=True)
                acc = alpha * acc + p @ v[..., j:j + block_size, :]
                m = m_new
            if empty_fix:
                out[..., i:i + block_size, :] = np.divide(acc, l, out=np.zeros_like(acc), where=l > 0)
            else:
                out[..., i:i + block_size, :] = acc / l
    return out


@entry("fix_tiled_attention", "deletes the raise line and fixes nothing (inner loop over n_q, l not rescaled, fully masked rows NaN)")
def tiled_as_handed_out(q, k, v, mask=None, block_size=128):
    n_q, d = q.shape[-2], q.shape[-1]
    out = np.empty(q.shape[:-1] + (v.shape[-1],))
    with np.errstate(invalid="ignore"):
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
                p = np.exp(s - m_new)
                l = l + p.sum(axis=-1, keepdims=True)
                acc = np.exp(m - m_new) * acc + p @ v[..., j:j + block_size, :]
                m = m_new
            out[..., i:i + block_size, :] = acc / l
    return out


@entry("fix_tiled_attention", "fixes only the inner loop bound (n_k), leaving l unrescaled and fully masked rows NaN")
def tiled_fix_range_only(q, k, v, mask=None, block_size=128):
    return _tiled(q, k, v, mask, block_size, l_fix=False, empty_fix=False)


@entry("fix_tiled_attention", "fixes the loop bound and the rescaling of l, but a fully masked query still gets NaN")
def tiled_nan_rows(q, k, v, mask=None, block_size=128):
    return _tiled(q, k, v, mask, block_size, empty_fix=False)


@entry("fix_tiled_attention", "fixes l and fully masked rows but still loops the key tiles over range(0, n_q) (misses or overruns keys when n_q != n_k)")
def tiled_inner_nq(q, k, v, mask=None, block_size=128):
    return _tiled(q, k, v, mask, block_size, inner="n_q")


@entry("fix_tiled_attention", "guards only the final division (where l > 0), not the exp shift: a query whose first key tile is fully masked gets NaN for the whole row")
def tiled_guard_division_only(q, k, v, mask=None, block_size=128):
    return _tiled(q, k, v, mask, block_size, guard_exp=False)


@entry("fix_tiled_attention", "slices a broadcast mask (B, 1, n_k) with i:i+block on its size-1 query axis, which is empty for later query tiles")
def tiled_mask_not_broadcast_aware(q, k, v, mask=None, block_size=128):
    return _tiled(q, k, v, mask, block_size, mask_broadcast=False)


@entry("fix_tiled_attention", "rescales l after adding the new tile, alpha * (l + sum P), so the new tile is also shrunk")
def tiled_l_rescaled_after(q, k, v, mask=None, block_size=128):
    return _tiled(q, k, v, mask, block_size, l_after=True)


@entry("fix_tiled_attention", "right: all three bugs fixed, broadcast-aware mask slices, guarded shift and guarded division", kind="right")
def tiled_fixed(q, k, v, mask=None, block_size=128):
    return _tiled(q, k, v, mask, block_size)


@entry("fix_tiled_attention", "right: fully masked rows handled by tracking 'seen any key' and using flash-style state with np.logaddexp-free where guards, and np.broadcast_to for the mask", kind="right")
def tiled_fixed_broadcast_mask(q, k, v, mask=None, block_size=128):
    q, k, v = (np.asarray(a, float) for a in (q, k, v))
    n_q, n_k, d = q.shape[-2], k.shape[-2], q.shape[-1]
    batch = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    if mask is not None:
        mask = np.asarray(mask, bool)
        batch = np.broadcast_shapes(batch, mask.shape[:-2])
        mask = np.broadcast_to(mask, batch + (n_q, n_k))
    out = np.zeros(batch + (n_q, v.shape[-1]))
    for i in range(0, n_q, block_size):
        qi = q[..., i:i + block_size, :] * (1.0 / math.sqrt(d))
        b = qi.shape[-2]
        m = np.full(batch + (b, 1), -np.inf)
        l = np.zeros(batch + (b, 1))
        acc = np.zeros(batch + (b, v.shape[-1]))
        for j in range(0, n_k, block_size):
            s = qi @ np.swapaxes(k[..., j:j + block_size, :], -1, -2)
            if mask is not None:
                s = np.where(mask[..., i:i + block_size, j:j + block_size], s, -np.inf)
            m_new = np.maximum(m, s.max(axis=-1, keepdims=True))
            alive = np.isfinite(m_new)
            shift = np.where(alive, m_new, 0.0)
            p = np.exp(s - shift)
            alpha = np.exp(m - shift)
            l = alpha * l + p.sum(axis=-1, keepdims=True)
            acc = alpha * acc + p @ v[..., j:j + block_size, :]
            m = m_new
        safe_l = np.where(l > 0, l, 1.0)
        out[..., i:i + block_size, :] = np.where(l > 0, acc / safe_l, 0.0)
    return out


EXPECTED = {
    'attention_shapes_output_uses_d': 'output_uses_d_k',
    'attention_shapes_transposed_scores': 'transposed_kq',
    'attention_shapes_output_per_key': 'output_rows_from_keys',
    'worked_example_weights_scaled': 'scaled_scores',
    'worked_example_weights_no_exp': 'hard_attention',
    'worked_example_weights_k3_score_two': 'score_miscomputed',
    'worked_example_weights_short_denominator': 'missing_normalisation',
    'worked_example_output_unnormalised': 'missing_normalisation',
    'worked_example_output_uniform': 'uniform_average',
    'worked_example_output_averages_keys': 'output_from_keys',
    'worked_example_output_scaled_weights': 'scaled_scores',
    'scaled_dot_by_d': 'scaled_by_d',
    'scaled_dot_by_sqrt_nk': 'scaled_by_wrong_dimension',
    'scaled_dot_dot_T': 'transpose_all_axes',
    'scaled_dot_unscaled': 'no_sqrt_d_scaling',
    'scaled_dot_d_from_axis1': 'scaled_by_wrong_dimension',
    'scaled_dot_np_dot': 'batch_not_handled',
    'cosine_no_temperature': 'temperature_ignored',
    'cosine_times_temperature': 'temperature_multiplied',
    'cosine_no_eps': 'cosine_no_eps',
    'cosine_norm_wrong_axis': 'norm_wrong_axis',
    'cosine_eps_inside_sqrt': 'eps_inside_sqrt',
    'cosine_key_norms_not_transposed': 'broadcast_mismatch',
    'rbf_positive': 'rbf_positive_sign',
    'rbf_tau_not_squared': 'rbf_tau_not_squared',
    'rbf_no_two': 'rbf_missing_two',
    'rbf_unsquared_distance': 'rbf_not_squared',
    'rbf_broadcast_leading_axes': 'broadcast_mismatch',
    'rbf_expansion_k2_column': 'broadcast_mismatch',
    'softmax_no_max': 'no_max_subtraction',
    'softmax_global_max': 'global_max_subtraction',
    'softmax_no_keepdims': 'missing_keepdims',
    'softmax_ignores_axis': 'axis_argument_ignored',
    'softmax_subtract_min': 'no_max_subtraction',
    'softmax_mixed_shift': 'missing_normalisation',
    'softmax_mutates_input': 'mutates_input',
    'softmax_float32': None,
    'softmax_max_no_keepdims': 'missing_keepdims',
    'softmax_temp_multiplies': 'temperature_multiplied',
    'softmax_temp_ignored': 'temperature_ignored',
    'softmax_temp_after': 'temperature_after_softmax',
    'softmax_temp_axis0': 'softmax_wrong_axis',
    'softmax_temp_unstable': 'no_max_subtraction',
    'temperature_inverse': 'temperature_multiplied',
    'temperature_drops_third_term': 'dropped_zero_score',
    'temperature_two_digits': 'imprecise',
    'temperature_log10': 'wrong_log_base',
    'one_nn_returns_x': 'returned_input_not_label',
    'one_nn_mean_label': 'large_bandwidth_limit',
    'one_nn_no_abs': 'not_nearest_point',
    'one_nn_interpolates': 'interpolated',
    'kreg_tau_not_squared': 'bandwidth_not_squared',
    'kreg_no_half': 'kernel_missing_half',
    'kreg_normalise_wrong_axis': 'softmax_wrong_axis',
    'kreg_unnormalised': 'missing_normalisation',
    'kreg_underflow': None,
    'kreg_abs_distance': 'rbf_not_squared',
    'topk_keeps_lowest': 'topk_smallest',
    'topk_off_by_one': 'topk_wrong_count',
    'topk_unscaled_softmax': 'no_sqrt_d_scaling',
    'topk_fill_zero': 'masked_to_zero',
    'topk_after_softmax': 'topk_not_renormalised',
    'topk_sort_wrong_axis': 'topk_wrong_axis',
    'topk_swapped_return': 'pair_swapped',
    'causal_triu': 'causal_allows_future',
    'causal_strict': 'causal_excludes_diagonal',
    'causal_float': 'float_mask',
    'causal_blocked_polarity': 'mask_polarity_inverted',
    'causal_one_future': 'causal_allows_future',
    'causal_q2_excludes_self': 'causal_excludes_diagonal',
    'causal_q2_upper': 'causal_allows_future',
    'causal_q2_reads_column': 'read_column_not_row',
    'causal_q2_one_based': 'counted_from_one',
    'padding_off_by_one': 'padding_off_by_one',
    'padding_no_query_axis': 'padding_missing_query_axis',
    'padding_axis_last': 'padding_on_queries',
    'padding_polarity': 'mask_polarity_inverted',
    'padding_int': 'float_mask',
    'padding_left_instead': 'mask_mirrored',
    'decoder_ignores_side': 'padding_side_ignored',
    'decoder_left_off_by_one': 'padding_off_by_one',
    'decoder_or': 'causal_allows_future',
    'decoder_pads_queries': 'padding_on_queries',
    'decoder_rescues_empty_rows': None,
    'decoder_triu': 'causal_allows_future',
    'decoder_left_by_flip': 'left_padding_mirrored',
    'fixmask_polarity_only': 'mask_after_softmax',
    'fixmask_nan_rows': 'fully_masked_row_nan',
    'fixmask_big_negative': 'fully_masked_row_uniform',
    'fixmask_renorm_nan': 'fully_masked_row_nan',
    'fixmask_inverted_before_softmax': 'mask_polarity_inverted',
    'fixmask_scale_nk': 'scaled_by_wrong_dimension',
    'masked_nan_rows': 'fully_masked_row_nan',
    'masked_big_negative': 'fully_masked_row_uniform',
    'masked_no_max': 'no_max_subtraction',
    'masked_max_before_mask': 'max_not_per_row',
    'masked_unscaled': 'no_sqrt_d_scaling',
    'masked_finfo_min': 'fully_masked_row_uniform',
    'masked_half_guard': 'fully_masked_row_nan',
    'masked_inverted': 'mask_polarity_inverted',
    'masked_out_before_fix': None,
    'cross_shapes_weights_transposed': 'transposed_kq',
    'cross_shapes_kv_target_length': 'kv_shaped_by_query_length',
    'cross_shapes_bnhd_layout': 'heads_axis_last',
    'cross_shapes_merged_source_length': 'output_rows_from_keys',
    'cross_shapes_merged_not_concat': 'heads_not_merged',
    'cross_axis_minus2': 'softmax_wrong_axis',
    'cross_axis_wrong_shape': 'row_sums_shape',
    'cross_axis_positive': 'axis_from_the_front',
    'cross_axis_keepdims_shape': 'extra_axis',
    'cross_axis_no_batch': None,
    'attn_k_dot_T': 'transpose_all_axes',
    'attn_softmax_queries': 'softmax_wrong_axis',
    'attn_scale_d': 'scaled_by_d',
    'attn_mask_inverted': 'mask_polarity_inverted',
    'attn_mask_multiply': 'masked_to_zero',
    'attn_no_max': 'no_max_subtraction',
    'attn_scale_dv': 'scaled_by_wrong_dimension',
    'attn_swapped_return': 'pair_swapped',
    'attn_mask_after_softmax': 'mask_after_softmax',
    'cross_fix_v_only': 'keys_from_query_side',
    'cross_fix_k_only': 'shared_projection',
    'cross_roles_swapped': 'queries_from_kv_side',
    'cross_drops_mask': 'mask_ignored',
    'cross_keys_with_wq': 'shared_projection',
    'self_scale_D': 'scaled_by_wrong_dimension',
    'self_scale_dv': 'scaled_by_wrong_dimension',
    'self_kv_swapped': None,
    'self_ignores_mask': 'mask_ignored',
    'self_mask_inverted': 'mask_polarity_inverted',
    'self_softmax_axis_minus2': 'softmax_wrong_axis',
    'self_scores_transposed': 'transposed_kq',
    'split_direct_reshape': 'reshape_without_transpose',
    'split_interleaved': 'interleaved_features',
    'split_hardcoded_transpose': 'fixed_ndim',
    'split_stack_axis0': 'batch_not_handled',
    'split_no_swap': 'heads_axis_last',
    'merge_direct_reshape': 'reshape_without_transpose',
    'merge_concat_first_axis': 'batch_not_handled',
    'merge_interleaved': 'interleaved_features',
    'merge_hardcoded_transpose': 'fixed_ndim',
    'mha_reshape_trap': 'reshape_without_transpose',
    'mha_ignores_biases': 'biases_ignored',
    'mha_scale_D': 'scaled_by_d_model',
    'mha_no_head_axis': 'mask_missing_head_axis',
    'mha_no_wo': 'forgot_w_o',
    'mha_interleaved_heads': 'interleaved_features',
    'mha_mean_weights': 'weights_averaged_over_heads',
    'mha_always_head_axis': 'condition_ignored',
    'mha_kv_from_xq': 'not_cross_attention',
    'mhabug_as_handed_out': 'reshape_without_transpose',
    'mhabug_fix_split_only': 'reshape_without_transpose',
    'mhabug_fix_merge_only': 'reshape_without_transpose',
    'mhabug_interleaved_fix': 'interleaved_features',
    'mhabug_fixed_no_bias': None,
    'mhabug_weights_transposed': 'wrong_shape',
    'gqa_tile': 'kv_heads_tiled',
    'gqa_index_div_g': None,
    'gqa_no_bias': 'biases_ignored',
    'gqa_split_kv_into_h': 'kv_heads_not_repeated',
    'gqa_repeat_g': None,
    'gqa_scale_kv_width': 'scores_scale_off',
    'gqa_no_head_axis': 'mask_missing_head_axis',
    'kvtok_query_heads': 'kv_cache_used_query_heads',
    'kvtok_no_kv_factor': 'kv_cache_forgot_values',
    'kvtok_float32': 'kv_cache_bytes_per_number',
    'kvtok_kib': 'wrong_quantity',
    'kvtok_one_layer': 'wrong_quantity',
    'smb_sum_without_p': 'term_missing',
    'smb_no_outer_p': 'softmax_grad_without_p',
    'smb_no_keepdims': 'missing_keepdims',
    'smb_global_sum': 'softmax_grad_rowsum_over_all',
    'smb_diagonal_only': 'softmax_grad_diagonal_only',
    'smb_axis0': 'wrong_axis',
    'ng_forward': 'fd_one_sided',
    'ng_in_place_no_restore': 'mutates_input',
    'ng_keeps_int_dtype': 'fd_integer_copy',
    'ng_divides_by_eps': 'fd_step_not_doubled',
    'ng_rows_only': 'first_axis_only',
    'ng_float32': 'fd_in_float32',
    'ng_no_restore': 'fd_entry_not_restored',
    'ab_no_scale': 'backward_missing_scale',
    'ab_dv_no_transpose': 'dv_not_transposed',
    'ab_ignores_mask': 'gradient_through_masked',
    'ab_no_p_factor': 'term_missing',
    'ab_dk_no_transpose': 'transposed_dk',
    'ab_dot_T': 'transpose_all_axes',
    'ab_rowsum_wrong_axis': 'wrong_axis',
    'bmb_as_handed_out': 'gradient_through_masked',
    'bmb_zero_after_softmax': 'mask_after_softmax',
    'bmb_nan_rows': 'fully_masked_row_nan',
    'bmb_inverted': 'mask_polarity_inverted',
    'bmb_dk_by_d': 'constant_replaced',
    'online_no_rescale': 'online_sum_not_rescaled',
    'online_inverted_rescale': 'online_rescale_inverted',
    'online_no_guard': 'fully_masked_row_nan',
    'online_empty_uniform': 'blocked_row_not_zero',
    'online_ignores_axis': 'axis_argument_ignored',
    'online_no_move_back': 'axis_not_moved_back',
    'online_skip_first': 'missing_normalisation',
    'kvb_no_two': 'kv_cache_forgot_values',
    'kvb_no_batch': 'kv_cache_missing_factor',
    'kvb_fixed_bytes': 'kv_cache_bytes_per_number',
    'kvb_int32_overflow': 'integer_overflow',
    'kvb_bits': 'kv_cache_bytes_per_number',
    'kvb_float': None,
    'fbu_no_l_rescale': 'flash_sum_not_rescaled',
    'fbu_no_acc_rescale': 'flash_output_not_rescaled',
    'fbu_no_guard': 'fully_masked_row_nan',
    'fbu_alpha_inverted': 'online_rescale_inverted',
    'fbu_block_max_only': 'flash_tile_max_not_running_max',
    'fbu_l_wrong_axis': 'wrong_axis',
    'fbu_normalises': 'flash_normalised_too_early',
    'fbu_in_place': 'mutates_input',
    'dec_concat_axis0': 'kv_cache_wrong_axis',
    'dec_prepend': 'kv_cache_prepended',
    'dec_top_left_mask': None,
    'dec_no_mask': 'decode_no_mask_for_several_tokens',
    'dec_attend_old_cache': 'kv_cache_off_by_one',
    'dec_returns_old': 'kv_cache_not_grown',
    'dec_square_mask': None,
    'dec_scale_dv': 'scaled_by_wrong_dimension',
    'tiled_as_handed_out': 'flash_sum_not_rescaled',
    'tiled_fix_range_only': 'flash_sum_not_rescaled',
    'tiled_nan_rows': 'fully_masked_row_nan',
    'tiled_inner_nq': 'key_loop_over_queries',
    'tiled_guard_division_only': None,
    'tiled_mask_not_broadcast_aware': None,
    'tiled_l_rescaled_after': None,
}

JUDGED = {
    'attention_shapes_output_uses_d': 'named',
    'attention_shapes_transposed_scores': 'named',
    'attention_shapes_output_per_key': 'named',
    'worked_example_weights_scaled': 'named',
    'worked_example_weights_no_exp': 'named',
    'worked_example_weights_k3_score_two': 'named',
    'worked_example_weights_short_denominator': 'named',
    'worked_example_output_unnormalised': 'named',
    'worked_example_output_uniform': 'named',
    'worked_example_output_averages_keys': 'named',
    'worked_example_output_scaled_weights': 'named',
    'scaled_dot_by_d': 'named',
    'scaled_dot_by_sqrt_nk': 'named',
    'scaled_dot_dot_T': 'named',
    'scaled_dot_unscaled': 'named',
    'scaled_dot_d_from_axis1': 'named',
    'scaled_dot_np_dot': 'named',
    'cosine_no_temperature': 'named',
    'cosine_times_temperature': 'named',
    'cosine_no_eps': 'named',
    'cosine_norm_wrong_axis': 'named',
    'cosine_eps_inside_sqrt': 'accepted; named after',
    'cosine_key_norms_not_transposed': 'named',
    'rbf_positive': 'named',
    'rbf_tau_not_squared': 'named',
    'rbf_no_two': 'named',
    'rbf_unsquared_distance': 'named',
    'rbf_broadcast_leading_axes': 'named',
    'rbf_expansion_k2_column': 'named',
    'softmax_no_max': 'named',
    'softmax_global_max': 'named',
    'softmax_no_keepdims': 'named',
    'softmax_ignores_axis': 'named',
    'softmax_subtract_min': 'named',
    'softmax_mixed_shift': 'named',
    'softmax_mutates_input': 'named',
    'softmax_float32': 'accepted',
    'softmax_max_no_keepdims': 'named',
    'softmax_temp_multiplies': 'named',
    'softmax_temp_ignored': 'named',
    'softmax_temp_after': 'named',
    'softmax_temp_axis0': 'named',
    'softmax_temp_unstable': 'named',
    'temperature_inverse': 'named',
    'temperature_drops_third_term': 'named',
    'temperature_two_digits': 'named',
    'temperature_log10': 'named',
    'one_nn_returns_x': 'named',
    'one_nn_mean_label': 'named',
    'one_nn_no_abs': 'named after',
    'one_nn_interpolates': 'named',
    'kreg_tau_not_squared': 'named',
    'kreg_no_half': 'named',
    'kreg_normalise_wrong_axis': 'named',
    'kreg_unnormalised': 'named',
    'kreg_underflow': 'accepted',
    'kreg_abs_distance': 'named',
    'topk_keeps_lowest': 'named',
    'topk_off_by_one': 'named',
    'topk_unscaled_softmax': 'named',
    'topk_fill_zero': 'named',
    'topk_after_softmax': 'named',
    'topk_sort_wrong_axis': 'named',
    'topk_swapped_return': 'named',
    'causal_triu': 'named',
    'causal_strict': 'named',
    'causal_float': 'named',
    'causal_blocked_polarity': 'named',
    'causal_one_future': 'named',
    'causal_q2_excludes_self': 'named',
    'causal_q2_upper': 'named',
    'causal_q2_reads_column': 'named',
    'causal_q2_one_based': 'named',
    'padding_off_by_one': 'named',
    'padding_no_query_axis': 'named',
    'padding_axis_last': 'named',
    'padding_polarity': 'named',
    'padding_int': 'named',
    'padding_left_instead': 'named',
    'decoder_ignores_side': 'named',
    'decoder_left_off_by_one': 'named',
    'decoder_or': 'named',
    'decoder_pads_queries': 'named',
    'decoder_rescues_empty_rows': 'vague',
    'decoder_triu': 'named',
    'decoder_left_by_flip': 'named',
    'fixmask_polarity_only': 'named',
    'fixmask_nan_rows': 'named',
    'fixmask_big_negative': 'named',
    'fixmask_renorm_nan': 'named',
    'fixmask_inverted_before_softmax': 'named',
    'fixmask_scale_nk': 'named',
    'masked_nan_rows': 'named',
    'masked_big_negative': 'named',
    'masked_no_max': 'named',
    'masked_max_before_mask': 'named',
    'masked_unscaled': 'named',
    'masked_finfo_min': 'named',
    'masked_half_guard': 'named',
    'masked_inverted': 'named',
    'masked_out_before_fix': 'vague',
    'cross_shapes_weights_transposed': 'named',
    'cross_shapes_kv_target_length': 'named',
    'cross_shapes_bnhd_layout': 'named',
    'cross_shapes_merged_source_length': 'named',
    'cross_shapes_merged_not_concat': 'named',
    'cross_axis_minus2': 'named',
    'cross_axis_wrong_shape': 'named',
    'cross_axis_positive': 'named',
    'cross_axis_keepdims_shape': 'named',
    'cross_axis_no_batch': 'vague',
    'attn_k_dot_T': 'named',
    'attn_softmax_queries': 'named',
    'attn_scale_d': 'named',
    'attn_mask_inverted': 'named',
    'attn_mask_multiply': 'named',
    'attn_no_max': 'named',
    'attn_scale_dv': 'named',
    'attn_swapped_return': 'named',
    'attn_mask_after_softmax': 'named',
    'cross_fix_v_only': 'named',
    'cross_fix_k_only': 'named',
    'cross_roles_swapped': 'named',
    'cross_drops_mask': 'named',
    'cross_keys_with_wq': 'named',
    'self_scale_D': 'named',
    'self_scale_dv': 'named',
    'self_kv_swapped': 'vague',
    'self_ignores_mask': 'named',
    'self_mask_inverted': 'named',
    'self_softmax_axis_minus2': 'named',
    'self_scores_transposed': 'named after',
    'split_direct_reshape': 'named',
    'split_interleaved': 'named',
    'split_hardcoded_transpose': 'named',
    'split_stack_axis0': 'named',
    'split_no_swap': 'named',
    'merge_direct_reshape': 'named',
    'merge_concat_first_axis': 'named',
    'merge_interleaved': 'named',
    'merge_hardcoded_transpose': 'named',
    'mha_reshape_trap': 'named',
    'mha_ignores_biases': 'named',
    'mha_scale_D': 'named',
    'mha_no_head_axis': 'named',
    'mha_no_wo': 'named',
    'mha_interleaved_heads': 'named',
    'mha_mean_weights': 'named',
    'mha_always_head_axis': 'named after',
    'mha_kv_from_xq': 'named',
    'mhabug_as_handed_out': 'named',
    'mhabug_fix_split_only': 'named',
    'mhabug_fix_merge_only': 'named',
    'mhabug_interleaved_fix': 'named',
    'mhabug_fixed_no_bias': 'accepted',
    'mhabug_weights_transposed': 'named',
    'gqa_tile': 'named',
    'gqa_index_div_g': 'vague',
    'gqa_no_bias': 'named',
    'gqa_split_kv_into_h': 'named',
    'gqa_repeat_g': 'vague',
    'gqa_scale_kv_width': 'named',
    'gqa_no_head_axis': 'named',
    'kvtok_query_heads': 'named',
    'kvtok_no_kv_factor': 'named',
    'kvtok_float32': 'named',
    'kvtok_kib': 'named',
    'kvtok_one_layer': 'named',
    'smb_sum_without_p': 'named',
    'smb_no_outer_p': 'named',
    'smb_no_keepdims': 'named',
    'smb_global_sum': 'named',
    'smb_diagonal_only': 'named',
    'smb_axis0': 'named',
    'ng_forward': 'named',
    'ng_in_place_no_restore': 'named',
    'ng_keeps_int_dtype': 'named',
    'ng_divides_by_eps': 'named',
    'ng_rows_only': 'named',
    'ng_float32': 'named',
    'ng_no_restore': 'named',
    'ab_no_scale': 'named',
    'ab_dv_no_transpose': 'named',
    'ab_ignores_mask': 'named',
    'ab_no_p_factor': 'named',
    'ab_dk_no_transpose': 'named',
    'ab_dot_T': 'named',
    'ab_rowsum_wrong_axis': 'named',
    'bmb_as_handed_out': 'named',
    'bmb_zero_after_softmax': 'named',
    'bmb_nan_rows': 'named',
    'bmb_inverted': 'named',
    'bmb_dk_by_d': 'named',
    'online_no_rescale': 'named',
    'online_inverted_rescale': 'named',
    'online_no_guard': 'named',
    'online_empty_uniform': 'named after',
    'online_ignores_axis': 'named',
    'online_no_move_back': 'named after',
    'online_skip_first': 'named',
    'kvb_no_two': 'named',
    'kvb_no_batch': 'named',
    'kvb_fixed_bytes': 'named',
    'kvb_int32_overflow': 'named',
    'kvb_bits': 'named',
    'kvb_float': 'accepted',
    'fbu_no_l_rescale': 'named',
    'fbu_no_acc_rescale': 'named',
    'fbu_no_guard': 'named',
    'fbu_alpha_inverted': 'named',
    'fbu_block_max_only': 'named',
    'fbu_l_wrong_axis': 'named',
    'fbu_normalises': 'named',
    'fbu_in_place': 'named',
    'dec_concat_axis0': 'named',
    'dec_prepend': 'named',
    'dec_top_left_mask': 'vague',
    'dec_no_mask': 'named',
    'dec_attend_old_cache': 'named',
    'dec_returns_old': 'named',
    'dec_square_mask': 'vague',
    'dec_scale_dv': 'named',
    'tiled_as_handed_out': 'named',
    'tiled_fix_range_only': 'named',
    'tiled_nan_rows': 'named',
    'tiled_inner_nq': 'named',
    'tiled_guard_division_only': 'vague',
    'tiled_mask_not_broadcast_aware': 'accepted',
    'tiled_l_rescaled_after': 'vague',
}
