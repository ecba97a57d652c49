"""Lesson 09's answers, written the way learners write them: right ones (RIGHT), unusual right ones
(UNUSUAL, which must be accepted too) and wrong ones registered with @wrong, one or more per code."""
import math

import numpy as np

from .wrong import wrong

# ---------------------------------------------------------------- right


def sinusoidal_positions(n, d, base=10000.0):
    pos = np.arange(n)[:, None]
    div = base ** (np.arange(0, d, 2) / d)
    pe = np.zeros((n, d))
    pe[:, 0::2] = np.sin(pos / div)
    pe[:, 1::2] = np.cos(pos / div)
    return pe


def apply_rope(x, positions, base=10000.0):
    d = x.shape[-1]
    inv_freq = 1.0 / base ** (np.arange(0, d, 2) / d)
    angles = np.outer(positions, inv_freq)
    cos = np.concatenate([np.cos(angles)] * 2, axis=-1)
    sin = np.concatenate([np.sin(angles)] * 2, axis=-1)
    rotated_half = np.concatenate([-x[..., d // 2:], x[..., : d // 2]], axis=-1)
    return x * cos + rotated_half * sin


def rope_scores(q, k, q_positions, k_positions, base=10000.0):
    q = apply_rope(q, q_positions, base)
    k = apply_rope(k, k_positions, base)
    return q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])


def alibi_bias(n_heads, n_q, n_k):
    def get_slopes(n):
        if math.log2(n).is_integer():
            start = 2 ** (-8 / n)
            return [start ** (i + 1) for i in range(n)]
        closest = 2 ** math.floor(math.log2(n))
        return get_slopes(closest) + get_slopes(2 * closest)[0::2][: n - closest]

    slopes = np.array(get_slopes(n_heads))[:, None, None]
    q_pos = np.arange(n_k - n_q, n_k)[:, None]
    k_pos = np.arange(n_k)[None, :]
    bias = -slopes * (q_pos - k_pos)
    return np.where(k_pos > q_pos, -np.inf, bias)


RIGHT = {"sinusoidal_positions": sinusoidal_positions, "apply_rope": apply_rope, "rope_scores": rope_scores,
         "alibi_bias": alibi_bias}

# ---------------------------------------------------------------- unusual but right


def sinusoidal_positions_loops(n, d, base=10000.0):
    """Two loops and math.sin, a list of lists."""
    rows = []
    for pos in range(n):
        row = []
        for i in range(d // 2):
            angle = pos / base ** (2 * i / d)
            row += [math.sin(angle), math.cos(angle)]
        rows.append(row)
    return rows


def sinusoidal_positions_stacked(n, d, base=10000.0):
    """Sines and cosines stacked on a new last axis, then flattened: the interleaving comes from the reshape."""
    angles = np.arange(n, dtype=np.float32)[:, None] * np.exp(-np.log(base) * np.arange(0, d, 2) / d)
    return np.stack([np.sin(angles), np.cos(angles)], axis=-1).reshape(n, d)


def apply_rope_complex(x, positions, base=10000.0):
    """Each half-split pair as one complex number x1 + i·x2, turned by multiplying with e^{iθ}."""
    d = x.shape[-1]
    z = x[..., : d // 2] + 1j * x[..., d // 2:]
    theta = np.asarray(positions)[:, None] * base ** (-np.arange(d // 2) * 2 / d)
    z = z * np.exp(1j * theta)
    return np.concatenate([z.real, z.imag], axis=-1)


def apply_rope_matrices(x, positions, base=10000.0):
    """A d × d rotation matrix per position, applied with einsum."""
    d = x.shape[-1]
    R = np.zeros((len(positions), d, d))
    for t, p in enumerate(positions):
        for i in range(d // 2):
            a = p * base ** (-2 * i / d)
            R[t, i, i], R[t, i, i + d // 2] = math.cos(a), -math.sin(a)
            R[t, i + d // 2, i], R[t, i + d // 2, i + d // 2] = math.sin(a), math.cos(a)
    return np.einsum("tij,...tj->...ti", R, x)


def rope_scores_library(q, k, q_positions, k_positions, base=10000.0):
    """Uses the library's apply_rope (allowed here) and einsum for the products."""
    import attention_lib as al
    q_rot, k_rot = al.apply_rope(q, q_positions, base), al.apply_rope(k, k_positions, base)
    return np.einsum("...qd,...kd->...qk", q_rot, k_rot) / math.sqrt(q.shape[-1])


def alibi_bias_loops(n_heads, n_q, n_k):
    """Loops over heads, queries and keys, float −inf for the future."""
    p = 2 ** int(math.log2(n_heads))
    slopes = [2 ** (-8 * (i + 1) / p) for i in range(p)]
    slopes += [2 ** (-8 * (i + 1) / (2 * p)) for i in range(0, 2 * p, 2)][: n_heads - p]
    out = np.zeros((n_heads, n_q, n_k))
    for h in range(n_heads):
        for i in range(n_q):
            for j in range(n_k):
                dist = (n_k - n_q + i) - j
                out[h, i, j] = -slopes[h] * dist if dist >= 0 else float("-inf")
    return out


UNUSUAL = {
    "sinusoidal_positions": [sinusoidal_positions_loops, sinusoidal_positions_stacked],
    "apply_rope": [apply_rope_complex, apply_rope_matrices],
    "rope_scores": [rope_scores_library],
    "alibi_bias": [alibi_bias_loops],
}

# ---------------------------------------------------------------- wrong: sinusoidal encodings


@wrong("sinusoidal_positions", "pe_sin_cos_concatenated")
def pe_halves(n, d, base=10000.0):
    angles = np.arange(n)[:, None] / base ** (np.arange(0, d, 2) / d)
    return np.concatenate([np.sin(angles), np.cos(angles)], axis=1)


@wrong("sinusoidal_positions", "pe_sines_only")
def pe_sines_everywhere(n, d, base=10000.0):
    return np.sin(np.arange(n)[:, None] / base ** (np.arange(d) / d))


@wrong("sinusoidal_positions", "pe_sin_cos_swapped")
def pe_cos_first(n, d, base=10000.0):
    pe = np.zeros((n, d))
    for pos in range(n):
        for i in range(0, d, 2):
            pe[pos, i] = math.cos(pos / base ** (i / d))
            pe[pos, i + 1] = math.sin(pos / base ** (i / d))
    return pe


@wrong("sinusoidal_positions", "pe_frequency_per_column")
def pe_column_index(n, d, base=10000.0):
    pe = np.zeros((n, d))
    for pos in range(n):
        for j in range(d):
            angle = pos / base ** (j / d)
            pe[pos, j] = math.sin(angle) if j % 2 == 0 else math.cos(angle)
    return pe


@wrong("sinusoidal_positions", "frequency_exponent_doubled")
def pe_two_i_twice(n, d, base=10000.0):
    pe = np.zeros((n, d))
    for pos in range(n):
        for i in range(0, d, 2):
            pe[pos, i] = math.sin(pos / base ** (2 * i / d))
            pe[pos, i + 1] = math.cos(pos / base ** (2 * i / d))
    return pe


@wrong("sinusoidal_positions", "frequency_exponent_halved")
def pe_pair_index_without_two(n, d, base=10000.0):
    i = np.arange(d // 2)
    angles = np.arange(n)[:, None] / base ** (i / d)
    pe = np.empty((n, d))
    pe[:, ::2], pe[:, 1::2] = np.sin(angles), np.cos(angles)
    return pe


@wrong("sinusoidal_positions", "frequency_inverted")
def pe_times_base_power(n, d, base=10000.0):
    angles = np.arange(n)[:, None] * base ** (np.arange(0, d, 2) / d)
    pe = np.empty((n, d))
    pe[:, ::2], pe[:, 1::2] = np.sin(angles), np.cos(angles)
    return pe


@wrong("sinusoidal_positions", "base_argument_ignored")
def pe_fixed_base(n, d, base=10000.0):
    angles = np.arange(n)[:, None] / 10000 ** (np.arange(0, d, 2) / d)
    pe = np.empty((n, d))
    pe[:, ::2], pe[:, 1::2] = np.sin(angles), np.cos(angles)
    return pe


@wrong("sinusoidal_positions", "positions_start_at_one")
def pe_from_one(n, d, base=10000.0):
    angles = np.arange(1, n + 1)[:, None] / base ** (np.arange(0, d, 2) / d)
    pe = np.empty((n, d))
    pe[:, ::2], pe[:, 1::2] = np.sin(angles), np.cos(angles)
    return pe


@wrong("sinusoidal_positions", "transposed_result")
def pe_features_first(n, d, base=10000.0):
    angles = np.arange(n)[None, :] / base ** (np.arange(0, d, 2)[:, None] / d)        # (d/2, n): one row per pair
    pe = np.empty((d, n))
    pe[::2], pe[1::2] = np.sin(angles), np.cos(angles)
    return pe


# ---------------------------------------------------------------- wrong: apply RoPE


def _halves(x):
    d = x.shape[-1]
    return x[..., : d // 2], x[..., d // 2:]


def _angles(positions, d, base):
    return np.asarray(positions)[:, None] * base ** (-np.arange(0, d, 2) / d)


@wrong("apply_rope", "rope_interleaved_pairs")
def rope_paper_pairs(x, positions, base=10000.0):
    d = x.shape[-1]
    a = _angles(positions, d, base)
    out = np.empty_like(x)
    out[..., 0::2] = x[..., 0::2] * np.cos(a) - x[..., 1::2] * np.sin(a)
    out[..., 1::2] = x[..., 0::2] * np.sin(a) + x[..., 1::2] * np.cos(a)
    return out


@wrong("apply_rope", "rope_rotated_backwards")
def rope_rotate_half_wrong_sign(x, positions, base=10000.0):
    d = x.shape[-1]
    a = np.concatenate([_angles(positions, d, base)] * 2, axis=-1)
    x1, x2 = _halves(x)
    return x * np.cos(a) + np.concatenate([x2, -x1], axis=-1) * np.sin(a)


@wrong("apply_rope", "rope_pair_angles_differ")
def rope_arange_d(x, positions, base=10000.0):
    d = x.shape[-1]
    a = np.asarray(positions)[:, None] / base ** (np.arange(d) / d)
    x1, x2 = _halves(x)
    return x * np.cos(a) + np.concatenate([-x2, x1], axis=-1) * np.sin(a)


@wrong("apply_rope", "frequency_exponent_doubled")
def rope_two_i_twice(x, positions, base=10000.0):
    d = x.shape[-1]
    i = np.arange(0, d, 2)
    a = np.asarray(positions)[:, None] / base ** (2 * i / d)
    x1, x2 = _halves(x)
    return np.concatenate([x1 * np.cos(a) - x2 * np.sin(a), x1 * np.sin(a) + x2 * np.cos(a)], axis=-1)


@wrong("apply_rope", "frequency_exponent_halved")
def rope_without_two(x, positions, base=10000.0):
    d = x.shape[-1]
    a = np.asarray(positions)[:, None] / base ** (np.arange(d // 2) / d)
    x1, x2 = _halves(x)
    return np.concatenate([x1 * np.cos(a) - x2 * np.sin(a), x1 * np.sin(a) + x2 * np.cos(a)], axis=-1)


@wrong("apply_rope", "frequency_inverted")
def rope_times_base_power(x, positions, base=10000.0):
    d = x.shape[-1]
    a = np.asarray(positions)[:, None] * base ** (np.arange(0, d, 2) / d)
    x1, x2 = _halves(x)
    return np.concatenate([x1 * np.cos(a) - x2 * np.sin(a), x1 * np.sin(a) + x2 * np.cos(a)], axis=-1)


@wrong("apply_rope", "positions_argument_ignored")
def rope_arange_positions(x, positions, base=10000.0):
    T, d = x.shape[-2], x.shape[-1]
    a = _angles(np.arange(T), d, base)
    x1, x2 = _halves(x)
    return np.concatenate([x1 * np.cos(a) - x2 * np.sin(a), x1 * np.sin(a) + x2 * np.cos(a)], axis=-1)


@wrong("apply_rope", "base_argument_ignored")
def rope_ten_thousand(x, positions, base=10000.0):
    d = x.shape[-1]
    a = _angles(positions, d, 10000.0)
    x1, x2 = _halves(x)
    return np.concatenate([x1 * np.cos(a) - x2 * np.sin(a), x1 * np.sin(a) + x2 * np.cos(a)], axis=-1)


@wrong("apply_rope", "rope_not_a_rotation")
def rope_no_minus(x, positions, base=10000.0):
    d = x.shape[-1]
    a = _angles(positions, d, base)
    x1, x2 = _halves(x)
    return np.concatenate([x1 * np.cos(a) + x2 * np.sin(a), x1 * np.sin(a) + x2 * np.cos(a)], axis=-1)


@wrong("apply_rope", "rope_not_a_rotation")
def rope_first_half_only(x, positions, base=10000.0):
    d = x.shape[-1]
    a = _angles(positions, d, base)
    x1, x2 = _halves(x)
    return np.concatenate([x1 * np.cos(a) - x2 * np.sin(a), x2], axis=-1)


# ---------------------------------------------------------------- wrong: RoPE scores


def _rot(x, p, base):
    return apply_rope(x, p, base)


@wrong("rope_scores", "rope_keys_at_query_positions")
def scores_keys_at_query_positions(q, k, q_positions, k_positions, base=10000.0):
    return _rot(q, q_positions, base) @ np.swapaxes(_rot(k, q_positions, base), -1, -2) / np.sqrt(q.shape[-1])


@wrong("rope_scores", "rope_query_only")
def scores_query_only(q, k, q_positions, k_positions, base=10000.0):
    return _rot(q, q_positions, base) @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])


@wrong("rope_scores", "rope_query_only")
def scores_key_only(q, k, q_positions, k_positions, base=10000.0):
    return q @ np.swapaxes(_rot(k, k_positions, base), -1, -2) / np.sqrt(q.shape[-1])


@wrong("rope_scores", "no_sqrt_d_scaling")
def rope_scores_unscaled(q, k, q_positions, k_positions, base=10000.0):
    return _rot(q, q_positions, base) @ np.swapaxes(_rot(k, k_positions, base), -1, -2)


@wrong("rope_scores", "positions_argument_ignored")
def scores_positions_from_arange(q, k, q_positions, k_positions, base=10000.0):
    qr = _rot(q, np.arange(q.shape[-2]), base)
    kr = _rot(k, np.arange(k.shape[-2]), base)
    return qr @ np.swapaxes(kr, -1, -2) / math.sqrt(q.shape[-1])


@wrong("rope_scores", "transposed_kq")
def scores_keys_by_queries(q, k, q_positions, k_positions, base=10000.0):
    return _rot(k, k_positions, base) @ np.swapaxes(_rot(q, q_positions, base), -1, -2) / np.sqrt(q.shape[-1])


@wrong("rope_scores", "rope_interleaved_pairs")
def scores_paper_pairs(q, k, q_positions, k_positions, base=10000.0):
    qr, kr = rope_paper_pairs(q, q_positions, base), rope_paper_pairs(k, k_positions, base)
    return qr @ np.swapaxes(kr, -1, -2) / np.sqrt(q.shape[-1])


@wrong("rope_scores", "rope_rotated_backwards")
def scores_both_backwards(q, k, q_positions, k_positions, base=10000.0):
    qr = _rot(q, -np.asarray(q_positions), base)
    kr = _rot(k, -np.asarray(k_positions), base)
    return qr @ np.swapaxes(kr, -1, -2) / np.sqrt(q.shape[-1])


@wrong("rope_scores", "base_argument_ignored")
def scores_default_base(q, k, q_positions, k_positions, base=10000.0):
    return _rot(q, q_positions, 10000.0) @ np.swapaxes(_rot(k, k_positions, 10000.0), -1, -2) / np.sqrt(q.shape[-1])


# ---------------------------------------------------------------- wrong: ALiBi


def _slopes(h):
    return np.array([2 ** (-8 * (i + 1) / h) for i in range(h)])


def _bias(slopes, n_q, n_k, future=-np.inf, query_at=None):
    i = (np.arange(n_k - n_q, n_k) if query_at is None else query_at)[:, None]
    j = np.arange(n_k)[None, :]
    bias = -np.asarray(slopes)[:, None, None] * (i - j)
    return bias if future is None else np.where(j > i, future, bias)


def _right_slopes(h):
    p = 2 ** int(math.log2(h))
    out = [2 ** (-8 * (i + 1) / p) for i in range(p)]
    return out + [2 ** (-8 * (i + 1) / (2 * p)) for i in range(0, 2 * p, 2)][: h - p]


@wrong("alibi_bias", "alibi_sign_flipped")
def alibi_plus(n_heads, n_q, n_k):
    return -_bias(_right_slopes(n_heads), n_q, n_k, future=np.inf)


@wrong("alibi_bias", "alibi_sign_flipped")
def alibi_key_minus_query(n_heads, n_q, n_k):
    m = np.array(_right_slopes(n_heads))[:, None, None]
    i = np.arange(n_k - n_q, n_k)[:, None]
    j = np.arange(n_k)[None, :]
    return np.where(j <= i, -m * (j - i), -np.inf)


@wrong("alibi_bias", "alibi_missing_causal_part")
def alibi_no_mask(n_heads, n_q, n_k):
    return _bias(_right_slopes(n_heads), n_q, n_k, future=None)


@wrong("alibi_bias", "alibi_missing_causal_part")
def alibi_absolute_distance(n_heads, n_q, n_k):
    m = np.array(_right_slopes(n_heads))[:, None, None]
    i = np.arange(n_k - n_q, n_k)[:, None]
    return -m * np.abs(i - np.arange(n_k)[None, :])


@wrong("alibi_bias", "alibi_slopes_off_by_one")
def alibi_first_slope_one(n_heads, n_q, n_k):
    return _bias([2 ** (-8 * i / n_heads) for i in range(n_heads)], n_q, n_k)


@wrong("alibi_bias", "alibi_slopes_ignore_head_count")
def alibi_halving_slopes(n_heads, n_q, n_k):
    return _bias([0.5 ** (h + 1) for h in range(n_heads)], n_q, n_k)


@wrong("alibi_bias", "alibi_slopes_power_of_two_rule")
def alibi_geometric_for_every_h(n_heads, n_q, n_k):
    return _bias(_slopes(n_heads), n_q, n_k)


@wrong("alibi_bias", "alibi_slopes_reversed")
def alibi_gentlest_first(n_heads, n_q, n_k):
    return _bias(_right_slopes(n_heads)[::-1], n_q, n_k)


@wrong("alibi_bias", "causal_mask_top_left")
def alibi_queries_from_zero(n_heads, n_q, n_k):
    return _bias(_right_slopes(n_heads), n_q, n_k, query_at=np.arange(n_q))


@wrong("alibi_bias", "alibi_row_shift")
def alibi_bloom_style(n_heads, n_q, n_k):
    m = np.array(_right_slopes(n_heads))[:, None, None]
    j = np.arange(n_k)[None, None, :]
    causal = np.tril(np.ones((n_q, n_k), dtype=bool), k=n_k - n_q)
    return np.where(causal, m * j, -np.inf)


@wrong("alibi_bias", "alibi_missing_causal_part")
def alibi_symmetric_from_the_top(n_heads, n_q, n_k):
    m = 2.0 ** (-8 * np.arange(1, n_heads + 1) / n_heads)
    i, j = np.arange(n_q)[:, None], np.arange(n_k)[None]
    return -m[:, None, None] * np.abs(i - j)


@wrong("alibi_bias", "alibi_sign_flipped")
def alibi_rewards_distance_loosely(n_heads, n_q, n_k):
    i = np.arange(n_k - n_q, n_k)[:, None]
    j = np.arange(n_k)[None]
    m = 1.0 / (np.arange(1, n_heads + 1) + 1.0)
    return np.where(j <= i, m[:, None, None] * (i - j) + 0.01, -np.inf)


@wrong("alibi_bias", "alibi_blocked_finite")
def alibi_future_minus_1e9(n_heads, n_q, n_k):
    i = np.arange(n_k - n_q, n_k)[:, None]
    j = np.arange(n_k)[None]
    return np.where(j <= i, -np.array(_right_slopes(n_heads))[:, None, None] * (i - j), -1e9)


# ---------------------------------------------------------------- wrong: a sine table's frequencies


def _table(n, d, omega):
    angles = np.arange(n)[:, None] * omega[None, :]
    pe = np.zeros((n, d))
    pe[:, 0::2], pe[:, 1::2] = np.sin(angles), np.cos(angles)
    return pe


@wrong("sinusoidal_positions", "frequencies_all_one")
def pe_exponent_floored(n, d, base=10000.0):
    i = np.arange(d // 2)
    return _table(n, d, 1.0 / base ** (2 * i // d))


@wrong("sinusoidal_positions", "pe_frequencies_wrong")
def pe_log10_in_the_exponent(n, d, base=10000.0):
    return _table(n, d, np.exp(-np.arange(0, d, 2) / d * math.log10(base)))


@wrong("sinusoidal_positions", "pe_frequencies_wrong")
def pe_exponents_by_linspace(n, d, base=10000.0):
    return _table(n, d, base ** -np.linspace(0, 1, d // 2))


@wrong("sinusoidal_positions", "pe_frequencies_wrong")
def pe_brackets_slipped(n, d, base=10000.0):
    i = np.arange(d // 2)
    return _table(n, d, 1.0 / (base ** (2 * i) / d))


@wrong("rope_scores", "transpose_all_axes")
def rope_scores_dot_T(q, k, q_positions, k_positions, base=10000.0):
    import attention_lib as al
    q_rot, k_rot = al.apply_rope(q, q_positions, base), al.apply_rope(k, k_positions, base)
    return q_rot @ k_rot.T / math.sqrt(q.shape[-1])


# ---------------------------------------------------------------- wrong: the third blind bank's ideas, written anew


@wrong("apply_rope", "rope_half_overwritten")
def rope_rotates_in_place(x, positions, base=10000.0):
    """Writes the first half back into a copy, then reads it again for the second half."""
    out = np.array(x, dtype=float)
    d = out.shape[-1]
    a = _angles(positions, d, base)
    first, second = out[..., : d // 2], out[..., d // 2:]      # views into out
    first[...] = first * np.cos(a) - second * np.sin(a)
    second[...] = first * np.sin(a) + second * np.cos(a)
    return out


@wrong("apply_rope", "rope_table_repeated")
def rope_llama_table_interleaved(x, positions, base=10000.0):
    d = x.shape[-1]
    a = np.repeat(_angles(positions, d, base), 2, axis=-1)       # (T, d): θ0 θ0 θ1 θ1 …
    x1, x2 = _halves(x)
    return x * np.cos(a) + np.concatenate([-x2, x1], axis=-1) * np.sin(a)


@wrong("apply_rope", "positions_assumed_consecutive")
def rope_positions_from_first(x, positions, base=10000.0):
    d = x.shape[-1]
    start = int(np.asarray(positions).ravel()[0])
    a = _angles(np.arange(start, start + x.shape[-2]), d, base)
    x1, x2 = _halves(x)
    return np.concatenate([x1 * np.cos(a) - x2 * np.sin(a), x1 * np.sin(a) + x2 * np.cos(a)], axis=-1)


@wrong("apply_rope", "rope_frequencies_wrong")
def rope_inverse_frequencies_squared(x, positions, base=10000.0):
    """ω_i = base^(−(2i/d)²): the exponent squared by a stray `**`."""
    d = x.shape[-1]
    a = np.asarray(positions)[:, None] * base ** (-(np.arange(0, d, 2) / d) ** 2)
    x1, x2 = _halves(x)
    return np.concatenate([x1 * np.cos(a) - x2 * np.sin(a), x1 * np.sin(a) + x2 * np.cos(a)], axis=-1)


@wrong("rope_scores", "rope_positions_swapped")
def rscores_each_by_the_other(q, k, q_positions, k_positions, base=10000.0):
    return _rot(q, k_positions, base) @ np.swapaxes(_rot(k, q_positions, base), -1, -2) / np.sqrt(q.shape[-1])


@wrong("rope_scores", "rope_one_side_backwards")
def rscores_keys_backwards(q, k, q_positions, k_positions, base=10000.0):
    k_rot = _rot(k, -np.asarray(k_positions), base)
    return _rot(q, q_positions, base) @ np.swapaxes(k_rot, -1, -2) / np.sqrt(q.shape[-1])


@wrong("alibi_bias", "alibi_extra_slopes_first_ones")
def alibi_extra_from_the_start(n_heads, n_q, n_k):
    p = 2 ** int(math.log2(n_heads))
    return _bias(list(_slopes(p)) + list(_slopes(2 * p))[: n_heads - p], n_q, n_k)


@wrong("alibi_bias", "alibi_slopes_rounded_up")
def alibi_next_power_up(n_heads, n_q, n_k):
    return _bias(_slopes(2 ** math.ceil(math.log2(n_heads)))[:n_heads], n_q, n_k)


@wrong("alibi_bias", "alibi_slopes_sorted")
def alibi_slopes_sorted_down(n_heads, n_q, n_k):
    return _bias(sorted(_right_slopes(n_heads), reverse=True), n_q, n_k)


@wrong("alibi_bias", "alibi_zero_times_inf")
def alibi_mask_times_minus_inf(n_heads, n_q, n_k):
    i = np.arange(n_k - n_q, n_k)[:, None]
    j = np.arange(n_k)[None, :]
    with np.errstate(invalid="ignore"):
        return _bias(_right_slopes(n_heads), n_q, n_k, future=None) * (j <= i) + (j > i) * -np.inf
