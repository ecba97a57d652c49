"""Lesson 08's answers, written the way learners write them: right ones (RIGHT), unusual right ones
(UNUSUAL, which must be accepted too) and wrong ones registered with @wrong, one or more per code."""
import math

import numpy as np

from .wrong import wrong

# ---------------------------------------------------------------- right


def online_softmax(x, axis=-1):
    z = np.moveaxis(x, axis, -1)
    m = np.full(z.shape[:-1], -np.inf)
    d = np.zeros(z.shape[:-1])
    for j in range(z.shape[-1]):
        m_new = np.maximum(m, z[..., j])
        safe = np.where(np.isfinite(m_new), m_new, 0.0)
        d = d * np.exp(m - safe) + np.exp(z[..., j] - safe)
        m = m_new
    safe = np.where(np.isfinite(m), m, 0.0)[..., None]
    e = np.exp(z - safe)
    y = np.divide(e, d[..., None], out=np.zeros_like(e), where=d[..., None] > 0)
    return np.moveaxis(y, -1, axis)


def kv_cache_bytes(n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element=2, batch=1):
    return 2 * n_layers * n_kv_heads * d_head * n_tokens * bytes_per_element * batch


def flash_block_update(m, l, acc, scores_block, v_block):
    m_new = np.maximum(m, scores_block.max(axis=-1, keepdims=True))
    shift = np.where(np.isfinite(m_new), m_new, 0.0)
    p = np.exp(scores_block - shift)
    alpha = np.exp(m - shift)
    return m_new, alpha * l + p.sum(axis=-1, keepdims=True), alpha * acc + p @ v_block


def _softmax_rows(s):
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def decode_step(q_new, k_cache, v_cache, k_new, v_new):
    k_cache = np.concatenate([k_cache, k_new], axis=-2)
    v_cache = np.concatenate([v_cache, v_new], axis=-2)
    n_q, n_k = q_new.shape[-2], k_cache.shape[-2]
    scores = q_new @ np.swapaxes(k_cache, -1, -2) / np.sqrt(q_new.shape[-1])
    if n_q > 1:
        allowed = np.tril(np.ones((n_q, n_k), dtype=bool), k=n_k - n_q)
        scores = np.where(allowed, scores, -np.inf)
    return _softmax_rows(scores) @ v_cache, k_cache, v_cache


def fix_tiled_attention(q, k, v, mask=None, block_size=128):
    return _tiled(q, k, v, mask, block_size)      # the loop with every fix, written out below


RIGHT = {"online_softmax": online_softmax, "kv_cache_bytes": kv_cache_bytes, "flash_block_update": flash_block_update,
         "decode_step": decode_step, "fix_tiled_attention": fix_tiled_attention}

# ---------------------------------------------------------------- unusual but right


def online_softmax_sentinel_start(x, axis=-1):
    """Starts the running max at −1e30 instead of −inf, and works on a copy moved to the last axis."""
    z = np.swapaxes(np.array(x, dtype=float), axis, -1)
    m = np.full(z.shape[:-1], -1e30)
    d = np.zeros(z.shape[:-1])
    for j in range(z.shape[-1]):
        m_new = np.maximum(m, z[..., j])
        d = d * np.exp(m - m_new) + np.exp(z[..., j] - m_new)
        m = m_new
    e = np.exp(z - m[..., None])
    return np.swapaxes(np.where(d[..., None] > 0, e / np.where(d > 0, d, 1.0)[..., None], 0.0), -1, axis)


def online_softmax_two_passes(x, axis=-1):
    """The stable softmax (max, then sum): not one pass, but correct, so it passes."""
    x = np.asarray(x)
    top = np.max(x, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    e = np.exp(x - top)
    total = e.sum(axis=axis, keepdims=True)
    return np.divide(e, total, out=np.zeros_like(e), where=total > 0)


def online_softmax_float32(x, axis=-1):
    """Keeps the input's dtype all the way through."""
    z = np.moveaxis(np.asarray(x), axis, -1)
    m = np.full(z.shape[:-1], -np.inf, dtype=z.dtype)
    d = np.zeros(z.shape[:-1], dtype=z.dtype)
    for j in range(z.shape[-1]):
        m_new = np.maximum(m, z[..., j])
        shift = np.nan_to_num(m_new, neginf=0.0)
        d = d * np.exp(m - shift) + np.exp(z[..., j] - shift)
        m = m_new
    e = np.exp(z - np.nan_to_num(m, neginf=0.0)[..., None])
    return np.moveaxis(np.divide(e, d[..., None], out=np.zeros_like(e), where=d[..., None] > 0), -1, axis)


def kv_cache_bytes_prod(n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element=2, batch=1):
    numbers_per_token = 2.0 * n_layers * n_kv_heads * d_head               # a float: still the right number
    return math.prod([numbers_per_token, n_tokens, bytes_per_element, batch])


def flash_block_update_einsum(m, l, acc, scores_block, v_block):
    """einsum for P V, −1e30 in place of −inf for the shift, a list instead of a tuple."""
    tile_max = np.max(scores_block, axis=-1, keepdims=True)
    m_new = np.maximum(m, tile_max)
    shift = np.maximum(m_new, -1e30)
    p = np.exp(scores_block - shift)
    alpha = np.exp(m - shift)
    acc_new = alpha * acc + np.einsum("...qk,...kd->...qd", p, v_block)
    return [m_new, l * alpha + np.sum(p, axis=-1, keepdims=True), acc_new]


def decode_step_append_and_einsum(q_new, k_cache, v_cache, k_new, v_new):
    """np.append along the sequence axis, einsum, a −1e9 fill and the mask applied even for one token."""
    k_all = np.append(k_cache, k_new, axis=-2)
    v_all = np.append(v_cache, v_new, axis=-2)
    n_q, n_k = q_new.shape[-2], k_all.shape[-2]
    s = np.einsum("...qd,...kd->...qk", q_new, k_all) / math.sqrt(q_new.shape[-1])
    future = np.arange(n_k)[None, :] > np.arange(n_k - n_q, n_k)[:, None]
    s = np.where(future, -1e9, s)
    w = np.exp(s - s.max(axis=-1, keepdims=True))
    w = w / w.sum(axis=-1, keepdims=True)
    return (np.einsum("...qk,...kd->...qd", w, v_all), k_all, v_all)


def fix_tiled_attention_skips_tiles(q, k, v, mask=None, block_size=128):
    """Skips a tile when every key in it is blocked for every query, and fills NaN rows with 0 at the end."""
    n_q, n_k = q.shape[-2], k.shape[-2]
    out = np.zeros(q.shape[:-1] + (v.shape[-1],))
    for i in range(0, n_q, block_size):
        rows = slice(i, min(i + block_size, n_q))
        q_i = q[..., rows, :] / math.sqrt(q.shape[-1])
        m = np.full(q_i.shape[:-1] + (1,), -np.inf)
        l = np.zeros_like(m)
        acc = np.zeros(q_i.shape[:-1] + (v.shape[-1],))
        for j in range(0, n_k, block_size):
            cols = slice(j, min(j + block_size, n_k))
            s = q_i @ np.swapaxes(k[..., cols, :], -1, -2)
            if mask is not None:
                if not mask[..., rows, cols].any():
                    continue
                s = np.where(mask[..., rows, cols], s, -np.inf)
            m_new = np.maximum(m, s.max(axis=-1, keepdims=True))
            with np.errstate(invalid="ignore"):
                p = np.nan_to_num(np.exp(s - m_new))
                alpha = np.nan_to_num(np.exp(m - m_new))
            l = alpha * l + p.sum(axis=-1, keepdims=True)
            acc = alpha * acc + p @ v[..., cols, :]
            m = m_new
        with np.errstate(invalid="ignore", divide="ignore"):
            out[..., rows, :] = np.nan_to_num(acc / l)
    return out


UNUSUAL = {
    "online_softmax": [online_softmax_sentinel_start, online_softmax_two_passes, online_softmax_float32],
    "kv_cache_bytes": [kv_cache_bytes_prod],
    "flash_block_update": [flash_block_update_einsum],
    "decode_step": [decode_step_append_and_einsum],
    "fix_tiled_attention": [fix_tiled_attention_skips_tiles],
}

# ---------------------------------------------------------------- wrong: online softmax


@wrong("online_softmax", "online_sum_not_rescaled")
def online_softmax_forgets_rescale(x, axis=-1):
    z = np.swapaxes(np.asarray(x, dtype=float), axis, -1)
    m = np.full(z.shape[:-1], -np.inf)
    d = np.zeros(z.shape[:-1])
    for j in range(z.shape[-1]):
        m = np.maximum(m, z[..., j])
        d += np.exp(z[..., j] - m)                        # the old terms keep the old maximum
    return np.swapaxes(np.exp(z - m[..., None]) / d[..., None], -1, axis)


@wrong("online_softmax", "online_rescale_inverted")
def online_softmax_factor_upside_down(x, axis=-1):
    z = np.moveaxis(np.asarray(x, dtype=float), axis, -1)
    m = z[..., 0].copy()
    d = np.ones(z.shape[:-1])
    for j in range(1, z.shape[-1]):
        new = np.maximum(m, z[..., j])
        d = d * np.exp(new - m) + np.exp(z[..., j] - new)
        m = new
    return np.moveaxis(np.exp(z - m[..., None]) / d[..., None], -1, axis)


def _unguarded(x, axis, start):
    """The recurrence as written on the board, with no guard for a running max of −∞."""
    z = np.moveaxis(np.asarray(x, dtype=float), axis, -1)
    m = np.full(z.shape[:-1], start)
    d = np.zeros(z.shape[:-1])
    for j in range(z.shape[-1]):
        m_new = np.maximum(m, z[..., j])
        d = d * np.exp(m - m_new) + np.exp(z[..., j] - m_new)
        m = m_new
    return np.moveaxis(np.exp(z - m[..., None]) / d[..., None], -1, axis)


@wrong("online_softmax", "online_max_started_at_zero")
def online_softmax_max_from_zero(x, axis=-1):
    return _unguarded(x, axis, start=0.0)


@wrong("online_softmax", "fully_masked_row_nan")
def online_softmax_no_guard(x, axis=-1):
    return _unguarded(x, axis, start=-np.inf)


@wrong("online_softmax", "no_max_subtraction")
def online_softmax_no_max(x, axis=-1):
    z = np.moveaxis(np.asarray(x, dtype=float), axis, -1)
    d = 0.0
    for j in range(z.shape[-1]):
        d = d + np.exp(z[..., j])
    return np.moveaxis(np.exp(z) / np.asarray(d)[..., None], -1, axis)


@wrong("online_softmax", "axis_argument_ignored")
def online_softmax_last_axis_always(x, axis=-1):
    x = np.asarray(x, dtype=float)
    m = np.full(x.shape[:-1], -np.inf)
    d = np.zeros(x.shape[:-1])
    for j in range(x.shape[-1]):
        m_new = np.maximum(m, x[..., j])
        safe = np.where(np.isfinite(m_new), m_new, 0.0)
        d = d * np.exp(m - safe) + np.exp(x[..., j] - safe)
        m = m_new
    e = np.exp(x - np.where(np.isfinite(m), m, 0.0)[..., None])
    return np.divide(e, d[..., None], out=np.zeros_like(e), where=d[..., None] > 0)


@wrong("online_softmax", "softmax_wrong_axis")
def online_softmax_down_the_columns(x, axis=-1):
    e = np.exp(x - np.max(x, axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


# ---------------------------------------------------------------- wrong: KV cache size


@wrong("kv_cache_bytes", "kv_cache_forgot_values")
def kv_cache_bytes_keys_only(n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element=2, batch=1):
    return n_layers * n_kv_heads * d_head * n_tokens * bytes_per_element * batch


@wrong("kv_cache_bytes", "kv_cache_counts_queries")
def kv_cache_bytes_with_queries(n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element=2, batch=1):
    per_token = 3 * n_layers * n_kv_heads * d_head           # q, k and v
    return per_token * n_tokens * bytes_per_element * batch


@wrong("kv_cache_bytes", "kv_cache_bytes_per_number")
def kv_cache_bytes_in_bits(n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element=2, batch=1):
    bits = 8 * bytes_per_element
    return 2 * n_layers * n_kv_heads * d_head * n_tokens * bits * batch


@wrong("kv_cache_bytes", "kv_cache_missing_factor")
def kv_cache_bytes_one_sequence(n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element=2, batch=1):
    return 2 * n_layers * n_kv_heads * d_head * n_tokens * bytes_per_element


@wrong("kv_cache_bytes", "kv_cache_bytes_per_number")
def kv_cache_bytes_fp16_always(n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element=2, batch=1):
    numbers = 2 * n_layers * n_kv_heads * d_head * n_tokens * batch
    return numbers * 2                                       # float16: 2 bytes each


# ---------------------------------------------------------------- wrong: one tile


def _tile_state(m, s):
    m_new = np.maximum(m, s.max(axis=-1, keepdims=True))
    return m_new, np.exp(m - m_new), np.exp(s - m_new)


@wrong("flash_block_update", "flash_sum_not_rescaled")
def flash_block_update_sum_left_behind(m, l, acc, scores_block, v_block):
    m_new, alpha, p = _tile_state(m, scores_block)
    return m_new, l + p.sum(-1, keepdims=True), alpha * acc + p @ v_block


@wrong("flash_block_update", "flash_output_not_rescaled")
def flash_block_update_output_left_behind(m, l, acc, scores_block, v_block):
    m_new = np.maximum(m, np.max(scores_block, axis=-1, keepdims=True))
    shift = np.where(m_new == -np.inf, 0.0, m_new)
    p = np.exp(scores_block - shift)
    alpha = np.exp(m - shift)
    return m_new, alpha * l + np.sum(p, axis=-1, keepdims=True), acc + p @ v_block


@wrong("flash_block_update", "online_sum_not_rescaled")
def flash_block_update_nothing_rescaled(m, l, acc, scores_block, v_block):
    m_new, _, p = _tile_state(m, scores_block)
    return m_new, l + p.sum(-1, keepdims=True), acc + np.einsum("...qk,...kd->...qd", p, v_block)


@wrong("flash_block_update", "online_rescale_inverted")
def flash_block_update_alpha_inverted(m, l, acc, scores_block, v_block):
    m_new = np.maximum(m, scores_block.max(-1, keepdims=True))
    alpha = np.exp(m_new - m)
    p = np.exp(scores_block - m_new)
    return m_new, alpha * l + p.sum(-1, keepdims=True), alpha * acc + p @ v_block


@wrong("flash_block_update", "flash_tile_max_not_running_max")
def flash_block_update_tile_max(m, l, acc, scores_block, v_block):
    tile_max = scores_block.max(-1, keepdims=True)
    m_new = np.maximum(m, tile_max)
    p = np.exp(scores_block - tile_max)
    alpha = np.exp(m - m_new)
    return m_new, alpha * l + p.sum(-1, keepdims=True), alpha * acc + p @ v_block


@wrong("flash_block_update", "flash_normalised_too_early")
def flash_block_update_divides_now(m, l, acc, scores_block, v_block):
    m_new, alpha, p = _tile_state(m, scores_block)
    l_new = alpha * l + p.sum(-1, keepdims=True)
    return m_new, l_new, (alpha * acc + p @ v_block) / l_new


@wrong("flash_block_update", "fully_masked_row_nan")
def flash_block_update_unguarded(m, l, acc, scores_block, v_block):
    m_new, alpha, p = _tile_state(m, scores_block)
    return m_new, alpha * l + p.sum(-1, keepdims=True), alpha * acc + p @ v_block


@wrong("flash_block_update", "missing_keepdims")
def flash_block_update_no_keepdims(m, l, acc, scores_block, v_block):
    m_new = np.maximum(m, scores_block.max(axis=-1))
    shift = np.where(np.isfinite(m_new), m_new, 0.0)
    p = np.exp(scores_block - shift)
    alpha = np.exp(m - shift)
    return m_new, alpha * l + p.sum(axis=-1), alpha * acc + p @ v_block


@wrong("flash_block_update", "flash_max_not_updated")
def flash_block_update_keeps_old_max(m, l, acc, scores_block, v_block):
    m_new = np.maximum(m, scores_block.max(axis=-1, keepdims=True))
    shift = np.where(np.isfinite(m_new), m_new, 0.0)
    p = np.exp(scores_block - shift)
    alpha = np.exp(m - shift)
    return m, alpha * l + p.sum(axis=-1, keepdims=True), alpha * acc + p @ v_block


@wrong("flash_block_update", "missing_keepdims")
def flash_block_update_sum_loses_axis(m, l, acc, scores_block, v_block):
    m_new = np.maximum(m, scores_block.max(axis=-1, keepdims=True))
    shift = np.where(np.isfinite(m_new), m_new, 0.0)
    p = np.exp(scores_block - shift)
    alpha = np.exp(m - shift)
    return m_new, alpha * l + p.sum(axis=-1), alpha * acc + p @ v_block


# ---------------------------------------------------------------- wrong: a decoding step


def _attend(q, k, v, allowed=None, scale=True):
    s = q @ np.swapaxes(k, -1, -2)
    if scale:
        s = s / np.sqrt(q.shape[-1])
    if allowed is not None:
        s = np.where(allowed, s, -1e9)
    return _softmax_rows(s) @ v


@wrong("decode_step", "kv_cache_off_by_one")
def decode_step_attends_before_appending(q_new, k_cache, v_cache, k_new, v_new):
    out = _attend(q_new, k_cache, v_cache)
    return out, np.concatenate([k_cache, k_new], axis=-2), np.concatenate([v_cache, v_new], axis=-2)


@wrong("decode_step", "kv_cache_off_by_one")
def decode_step_hides_itself(q_new, k_cache, v_cache, k_new, v_new):
    k_all = np.concatenate([k_cache, k_new], axis=-2)
    v_all = np.concatenate([v_cache, v_new], axis=-2)
    n_q, n_k = q_new.shape[-2], k_all.shape[-2]
    allowed = np.arange(n_k)[None, :] < np.arange(n_k - n_q, n_k)[:, None]     # j < position: itself excluded
    return _attend(q_new, k_all, v_all, allowed), k_all, v_all


@wrong("decode_step", "kv_cache_wrong_axis")
def decode_step_vstack(q_new, k_cache, v_cache, k_new, v_new):
    k_all, v_all = np.vstack([k_cache, k_new]), np.vstack([v_cache, v_new])
    n_q, n_k = q_new.shape[-2], k_all.shape[-2]
    allowed = None if n_q == 1 else np.tril(np.ones((n_q, n_k), bool), n_k - n_q)
    return _attend(q_new, k_all, v_all, allowed), k_all, v_all


@wrong("decode_step", "kv_cache_wrong_axis")
def decode_step_hstack(q_new, k_cache, v_cache, k_new, v_new):
    k_all, v_all = np.hstack([k_cache, k_new]), np.hstack([v_cache, v_new])
    return _attend(q_new, k_all, v_all), k_all, v_all


@wrong("decode_step", "causal_mask_top_left")
def decode_step_is_causal(q_new, k_cache, v_cache, k_new, v_new):
    k_all = np.concatenate([k_cache, k_new], axis=-2)
    v_all = np.concatenate([v_cache, v_new], axis=-2)
    allowed = np.tril(np.ones((q_new.shape[-2], k_all.shape[-2]), dtype=bool))   # like is_causal=True
    return _attend(q_new, k_all, v_all, allowed), k_all, v_all


@wrong("decode_step", "decode_no_mask_for_several_tokens")
def decode_step_never_masks(q_new, k_cache, v_cache, k_new, v_new):
    k_all = np.concatenate([k_cache, k_new], axis=-2)
    v_all = np.concatenate([v_cache, v_new], axis=-2)
    return _attend(q_new, k_all, v_all), k_all, v_all


@wrong("decode_step", "kv_cache_not_grown")
def decode_step_returns_old_cache(q_new, k_cache, v_cache, k_new, v_new):
    k_all = np.concatenate([k_cache, k_new], axis=-2)
    v_all = np.concatenate([v_cache, v_new], axis=-2)
    n_q, n_k = q_new.shape[-2], k_all.shape[-2]
    allowed = None if n_q == 1 else np.tril(np.ones((n_q, n_k), bool), n_k - n_q)
    return _attend(q_new, k_all, v_all, allowed), k_cache, v_cache


@wrong("decode_step", "kv_cache_prepended")
def decode_step_new_tokens_first(q_new, k_cache, v_cache, k_new, v_new):
    k_all = np.concatenate((k_new, k_cache), axis=-2)
    v_all = np.concatenate((v_new, v_cache), axis=-2)
    return _attend(q_new, k_all, v_all), k_all, v_all


@wrong("decode_step", "kv_cache_ignored")
def decode_step_new_tokens_only(q_new, k_cache, v_cache, k_new, v_new):
    n_q = q_new.shape[-2]
    allowed = np.tril(np.ones((n_q, n_q), dtype=bool))
    out = _attend(q_new, k_new, v_new, allowed)
    return out, np.concatenate([k_cache, k_new], axis=-2), np.concatenate([v_cache, v_new], axis=-2)


@wrong("decode_step", "no_sqrt_d_scaling")
def decode_step_unscaled(q_new, k_cache, v_cache, k_new, v_new):
    k_all = np.concatenate([k_cache, k_new], axis=-2)
    v_all = np.concatenate([v_cache, v_new], axis=-2)
    n_q, n_k = q_new.shape[-2], k_all.shape[-2]
    allowed = None if n_q == 1 else np.tril(np.ones((n_q, n_k), bool), n_k - n_q)
    return _attend(q_new, k_all, v_all, allowed, scale=False), k_all, v_all


# ---------------------------------------------------------------- wrong: the tiled loop, partly fixed


def _tiled(q, k, v, mask, block_size, *, rescale_sum=True, stop=None, guard_tile=True, guard_row=True,
           rescale_out=True, sentinel=False, normalise_each_tile=False):
    """The tiled loop, right unless told otherwise: each switch puts one bug (or a half-fix) back."""
    stop = k.shape[-2] if stop is None else stop
    d = q.shape[-1]
    out = np.empty(q.shape[:-1] + (v.shape[-1],))
    for i in range(0, q.shape[-2], block_size):
        q_i = q[..., i:i + block_size, :] / np.sqrt(d)
        m = np.full(q_i.shape[:-1] + (1,), -np.inf)
        l = np.zeros(q_i.shape[:-1] + (1,))
        acc = np.zeros(q_i.shape[:-1] + (v.shape[-1],))
        for j in range(0, stop, block_size):
            s = q_i @ np.swapaxes(k[..., j:j + block_size, :], -1, -2)
            if mask is not None:
                s = np.where(mask[..., i:i + block_size, j:j + block_size], s, -1e9 if sentinel else -np.inf)
            m_new = np.maximum(m, s.max(axis=-1, keepdims=True))
            safe = np.where(m_new == -np.inf, 0.0, m_new) if guard_tile else m_new
            p = np.exp(s - safe)
            alpha = np.exp(m - safe)
            l = (alpha * l if rescale_sum else l) + p.sum(axis=-1, keepdims=True)
            acc = (alpha * acc if rescale_out else acc) + p @ v[..., j:j + block_size, :]
            if normalise_each_tile:
                acc = np.divide(acc, l, out=np.zeros_like(acc), where=l > 0)
            m = m_new
        if normalise_each_tile:
            out[..., i:i + block_size, :] = acc
        elif guard_row:
            out[..., i:i + block_size, :] = np.where(l > 0, acc / np.where(l > 0, l, 1.0), 0.0)
        else:
            out[..., i:i + block_size, :] = acc / l
    return out


@wrong("fix_tiled_attention", "flash_sum_not_rescaled")
def fix_tiled_attention_as_given(q, k, v, mask=None, block_size=128):
    return _tiled(q, k, v, mask, block_size, rescale_sum=False, stop=q.shape[-2], guard_tile=False, guard_row=False)


@wrong("fix_tiled_attention", "flash_sum_not_rescaled")
def fix_tiled_attention_still_no_rescale(q, k, v, mask=None, block_size=128):
    return _tiled(q, k, v, mask, block_size, rescale_sum=False)


@wrong("fix_tiled_attention", "key_loop_over_queries")
def fix_tiled_attention_loop_still_n_q(q, k, v, mask=None, block_size=128):
    return _tiled(q, k, v, mask, block_size, stop=q.shape[-2])


@wrong("fix_tiled_attention", "fully_masked_row_nan")
def fix_tiled_attention_nan_rows(q, k, v, mask=None, block_size=128):
    return _tiled(q, k, v, mask, block_size, guard_tile=False, guard_row=False)


@wrong("fix_tiled_attention", "fully_masked_row_uniform")     # blocked scores at −1e9: uniform weights, not NaN
def fix_tiled_attention_sentinel(q, k, v, mask=None, block_size=128):
    return _tiled(q, k, v, mask, block_size, sentinel=True)


@wrong("fix_tiled_attention", "flash_output_not_rescaled")
def fix_tiled_attention_moved_alpha(q, k, v, mask=None, block_size=128):
    return _tiled(q, k, v, mask, block_size, rescale_out=False)


@wrong("fix_tiled_attention", "no_sqrt_d_scaling")
def fix_tiled_attention_unscaled(q, k, v, mask=None, block_size=128):
    return _tiled(q * np.sqrt(q.shape[-1]), k, v, mask, block_size)


@wrong("fix_tiled_attention", "flash_normalised_too_early")
def fix_tiled_attention_divides_every_tile(q, k, v, mask=None, block_size=128):
    return _tiled(q, k, v, mask, block_size, normalise_each_tile=True)
