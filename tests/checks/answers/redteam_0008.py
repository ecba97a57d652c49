"""Red-team bank for lessons 00-08: wrong answers that are wrong under each exercise's own contract (its notebook
text) and that the checker accepted before the probes named in each entry's idea were added. Each is now rejected
and named; ``EXPECTED`` gives the code. A few right answers written next to them (``kind="correct"``) keep the new
probes inside the contract.

Considered and left accepted on purpose (see the report of this round): an eps of 1e-8 or 1e-6 added to the norm in
``cosine_scores`` (``unusual.py`` counts eps up to 1e-6 as right, and the checks accept it by design), and a float
from ``kv_cache_bytes`` (``blind_0008.py`` counts it right: the value is whole and exact below 2⁵³).
"""
import numpy as np

import attention_lib as al

BANK = []


def entry(exercise_id, idea, kind="wrong"):
    def register(fn):
        BANK.append({"id": exercise_id, "idea": idea, "kind": kind, "name": fn.__name__, "fn": fn})
        return fn
    return register


def _softmax_last(x):
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# ---------------------------------------------------------------- 02 · softmax: a middle axis (axis=1 of three)


@entry("softmax", "handles axis=0 by transposing and treats every other axis as the last one")
def softmax_axis0_or_last(x, axis=-1):
    if axis == 0:
        return _softmax_last(x.T).T
    return _softmax_last(x)


@entry("softmax", "transposes whenever axis is not -1 (right for axis 0 of any array, wrong for axis=1 of three)")
def softmax_transposed_unless_last(x, axis=-1):
    if axis != -1:
        return _softmax_last(x.T).T
    return _softmax_last(x)


@entry("online_softmax", "the one-pass loop, with axis=0 handled by transposing and every other axis as the last")
def online_axis0_or_last(x, axis=-1):
    if axis == 0:
        return online_axis0_or_last(x.T).T
    m = np.full(x.shape[:-1] + (1,), -np.inf)
    total = np.zeros(x.shape[:-1] + (1,))
    for j in range(x.shape[-1]):
        m_new = np.maximum(m, x[..., j:j + 1])
        shift = np.where(np.isfinite(m_new), m_new, 0.0)
        total = total * np.exp(m - shift) + np.exp(x[..., j:j + 1] - shift)
        m = m_new
    shift = np.where(np.isfinite(m), m, 0.0)
    return np.exp(x - shift) / np.where(total > 0, total, 1.0)


# ---------------------------------------------------------------- 04 · masks


_TRIANGLE_8 = np.tril(np.ones((8, 8), dtype=bool))


@entry("causal_mask", "cuts the mask from a stored 8 x 8 triangle: right up to n = 8 only")
def causal_from_stored_triangle(n):
    return _TRIANGLE_8[:n, :n].copy()


@entry("decoder_mask", "left padding by slicing the last L keys, real[b, -L:]: for L = 0 that opens every key")
def decoder_left_slice_from_end(lengths, n, side="right"):
    real = np.zeros((len(lengths), n), dtype=bool)
    for b, length in enumerate(lengths):
        if side == "left":
            real[b, -length:] = True
        else:
            real[b, :length] = True
    return np.tril(np.ones((n, n), dtype=bool))[None] & real[:, None, :]


@entry("fix_masked_attention", "masks the exponentials, shifted by the maximum over every key, blocked ones too: a "
                               "blocked key far above the visible ones makes them underflow to 0")
def fix_mask_after_exp(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    if mask is not None:
        e = np.where(mask, e, 0.0)
    total = e.sum(axis=-1, keepdims=True)
    weights = e / np.where(total > 0, total, 1.0)
    return weights @ v, weights


# ---------------------------------------------------------------- 07 · the gradient check


@entry("numerical_gradient", "copies with x + 0.0: float64 for an integer x, but a float32 x stays float32")
def gradient_copy_plus_zero(f, x, eps=1e-6):
    x = x + 0.0
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        up = f(x)
        x[i] = old - eps
        down = f(x)
        x[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad


# ---------------------------------------------------------------- 08 · efficient attention


@entry("decode_step", "n_past = len(k_cache), the first axis: right without leading axes, or with one new token")
def decode_past_from_len(q_new, k_cache, v_cache, k_new, v_new):
    k = np.concatenate([k_cache, k_new], axis=-2)
    v = np.concatenate([v_cache, v_new], axis=-2)
    n_q, n_past = q_new.shape[-2], len(k_cache)
    mask = np.tril(np.ones((n_q, k.shape[-2]), dtype=bool), k=n_past) if n_q > 1 else None
    return al.attention(q_new, k, v, mask)[0], k, v


@entry("decode_step", "an empty cache needs no mask: the prompt's tokens then see each other's future")
def decode_prompt_unmasked(q_new, k_cache, v_cache, k_new, v_new):
    k = np.concatenate([k_cache, k_new], axis=-2)
    v = np.concatenate([v_cache, v_new], axis=-2)
    if k_cache.shape[-2] == 0:
        return al.attention(q_new, k, v)[0], k, v
    return al.attention(q_new, k, v, al.causal_mask(q_new.shape[-2], k.shape[-2]))[0], k, v


def _tiled(q, k, v, mask, block_size, query_bound):
    n_k, d = k.shape[-2], q.shape[-1]
    out = np.zeros(q.shape[:-1] + (v.shape[-1],))
    for i in range(0, query_bound, block_size):
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
            alpha, p = np.exp(m - shift), np.exp(s - shift)
            l = alpha * l + p.sum(axis=-1, keepdims=True)
            acc = alpha * acc + p @ v[..., j:j + block_size, :]
            m = m_new
        out[..., i:i + block_size, :] = acc / np.where(l > 0, l, 1.0)
    return out


@entry("fix_tiled_attention", "both loops bounded by n_k: the query tiles past n_k are never computed")
def tiled_queries_up_to_n_k(q, k, v, mask=None, block_size=128):
    return _tiled(q, k, v, mask, block_size, k.shape[-2])


# ---------------------------------------------------------------- right answers beside them


@entry("fix_tiled_attention", "the repaired loop, query tiles up to n_q", kind="correct")
def tiled_queries_up_to_n_q(q, k, v, mask=None, block_size=128):
    return _tiled(q, k, v, mask, block_size, q.shape[-2])


@entry("softmax", "moves axis to the end and back", kind="correct")
def softmax_moveaxis(x, axis=-1):
    return np.moveaxis(_softmax_last(np.moveaxis(x, axis, -1)), -1, axis)


@entry("fix_masked_attention", "adds log(mask) to the scores and guards the empty rows", kind="correct")
def fix_log_mask_guarded(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        with np.errstate(divide="ignore"):
            scores = scores + np.log(mask)
    top = scores.max(axis=-1, keepdims=True)
    e = np.exp(scores - np.where(np.isfinite(top), top, 0.0))
    total = e.sum(axis=-1, keepdims=True)
    weights = e / np.where(total > 0, total, 1.0)
    return weights @ v, weights


@entry("numerical_gradient", "copies with np.asarray(x, dtype=np.float64).copy()", kind="correct")
def gradient_float64_copy(f, x, eps=1e-6):
    x = np.asarray(x, dtype=np.float64).copy()
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        up = f(x)
        x[i] = old - eps
        down = f(x)
        x[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad


@entry("decode_step", "n_past from the sequence axis, al.causal_mask for every step", kind="correct")
def decode_always_masked(q_new, k_cache, v_cache, k_new, v_new):
    k = np.concatenate([k_cache, k_new], axis=-2)
    v = np.concatenate([v_cache, v_new], axis=-2)
    return al.attention(q_new, k, v, al.causal_mask(q_new.shape[-2], k.shape[-2]))[0], k, v


@entry("decoder_mask", "left padding as j >= n - L, for every L", kind="correct")
def decoder_compare_positions(lengths, n, side="right"):
    j, length = np.arange(n)[None, :], np.asarray(lengths)[:, None]
    real = j >= n - length if side == "left" else j < length
    return np.tril(np.ones((n, n), dtype=bool))[None] & real[:, None, :]


EXPECTED = {
    "softmax_axis0_or_last": "axis_argument_ignored",
    "softmax_transposed_unless_last": "axis_argument_ignored",
    "online_axis0_or_last": "axis_argument_ignored",
    "causal_from_stored_triangle": "wrong_shape",
    "decoder_left_slice_from_end": "slice_minus_zero",
    "fix_mask_after_exp": "max_not_per_row",
    "gradient_copy_plus_zero": "fd_in_float32",
    "decode_past_from_len": "fixed_ndim",
    "decode_prompt_unmasked": "decode_no_mask_for_several_tokens",
    "tiled_queries_up_to_n_k": "query_loop_over_keys",
}
