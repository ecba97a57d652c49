"""Blind bank for lessons 09-10, written from the exercise notebooks only by a tester who saw neither the checker
nor its mutation operators, and measured once, before anything was changed for it.

176 answers: 139 wrong (56 for lesson 09, 83 for lesson 10), 37 right but unusual. First measurement: no right answer
rejected; an independent judge read each feedback beside the tester's description: 109 of the 139 wrong ones named
(78.4 %; lesson 09 44 of 56, lesson 10 65 of 83), 23 vague, 5 named another mistake, 2 accepted.

General fixes came after: gpt_block located by probes that switch half the block off (a parallel block, LN1's γ and β
in the MLP, b_1 after the GELU, the GELU's form); the frequency exponents read off a sinusoid table; a conditional
replaced by one of its branches; an extra draw from the generator; an argument's value written into the code; ddof=1;
one-hot subtracted from whole columns; a stable loss with an unstable gradient. The exercises now state two contracts
the bank found silent: ALiBi's blocked keys get −∞ itself, and top_k runs from 1 to V. After them, 18 more are named,
re-read by the lead (not the judge) and marked "named after" in ``JUDGED``: 127 of 139 (91.4 %). One answer stays
accepted, ``samp_topk_larger_than_V_crashes``: under the stated top_k ≤ V it is right (listed in
``test_banks.IN_SCOPE_ACCEPTS``).

``EXPECTED`` holds, for each wrong answer, the code whose feedback names the mistake, or None where it is vague, names
another mistake or is accepted; ``JUDGED`` the reading.
"""
# ruff: noqa: E731, F841 (the tester's answers, kept as written)
import math

import numpy as np

BANK = []
def entry(exercise_id, idea, kind="wrong"):
    def register(fn):
        BANK.append({"id": exercise_id, "idea": idea, "kind": kind, "name": fn.__name__, "fn": fn})
        return fn
    return register


# =========================================================================== small private helpers
# (correct building blocks that several entries share; each entry's own mistake is written in the entry)

def _softmax(s, axis=-1):
    s = np.asarray(s, dtype=float)
    m = np.max(s, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    e = np.exp(s - m)
    return e / e.sum(axis=axis, keepdims=True)


def _omega(d, base):
    return base ** (-np.arange(0, d, 2) / d)


def _rope(x, positions, base=10000.0):
    x = np.asarray(x, dtype=float)
    half = x.shape[-1] // 2
    ang = np.asarray(positions, dtype=float)[:, None] * _omega(x.shape[-1], base)
    c, s = np.cos(ang), np.sin(ang)
    x1, x2 = x[..., :half], x[..., half:]
    return np.concatenate([x1 * c - x2 * s, x1 * s + x2 * c], axis=-1)


def _slopes(h):
    p = 2 ** int(math.floor(math.log2(h)))
    pw = 2.0 ** (-8.0 * np.arange(1, p + 1) / p)
    if p == h:
        return pw
    return np.concatenate([pw, _slopes(2 * p)[0::2][: h - p]])


def _ln(x, g, b, eps=1e-5):
    x = np.asarray(x, dtype=float)
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * g + b


def _gelu(u):
    return 0.5 * u * (1.0 + np.tanh(math.sqrt(2 / math.pi) * (u + 0.044715 * u ** 3)))


# =========================================================================== lesson 09 · Q1 sinusoidal_positions

@entry("sinusoidal_positions", "puts the cosines in the even columns and the sines in the odd ones")
def sin_cos_swapped(n, d, base=10000.0):
    ang = np.arange(n)[:, None] * base ** (-np.arange(0, d, 2) / d)
    pe = np.zeros((n, d))
    pe[:, 0::2] = np.cos(ang)
    pe[:, 1::2] = np.sin(ang)
    return pe


@entry("sinusoidal_positions", "lays the encodings out half-split (all d/2 sines first, then all d/2 cosines) instead of interleaving sin/cos column by column")
def sin_half_split_layout(n, d, base=10000.0):
    ang = np.arange(n)[:, None] * base ** (-np.arange(0, d, 2) / d)
    return np.concatenate([np.sin(ang), np.cos(ang)], axis=1)


@entry("sinusoidal_positions", "uses the exponent i/d instead of 2i/d for pair i (frequencies base^(-i/d), decaying half as fast)")
def sin_exponent_i_over_d(n, d, base=10000.0):
    i = np.arange(d // 2)
    ang = np.arange(n)[:, None] / base ** (i / d)
    pe = np.zeros((n, d))
    pe[:, 0::2] = np.sin(ang)
    pe[:, 1::2] = np.cos(ang)
    return pe


@entry("sinusoidal_positions", "gives every column its own frequency base^(-j/d) from its column index j, so each cosine column (j = 2i+1) has a different frequency from the sine before it")
def sin_per_column_frequency(n, d, base=10000.0):
    j = np.arange(d)
    ang = np.arange(n)[:, None] / base ** (j / d)
    pe = np.sin(ang)
    pe[:, 1::2] = np.cos(ang[:, 1::2])
    return pe


@entry("sinusoidal_positions", "numbers the positions from 1 to n instead of 0 to n-1")
def sin_positions_from_one(n, d, base=10000.0):
    ang = np.arange(1, n + 1)[:, None] * base ** (-np.arange(0, d, 2) / d)
    pe = np.zeros((n, d))
    pe[:, 0::2] = np.sin(ang)
    pe[:, 1::2] = np.cos(ang)
    return pe


@entry("sinusoidal_positions", "multiplies the position by base^(2i/d) instead of dividing by it (frequencies grow instead of shrink)")
def sin_multiply_by_base_power(n, d, base=10000.0):
    ang = np.arange(n)[:, None] * base ** (np.arange(0, d, 2) / d)
    pe = np.zeros((n, d))
    pe[:, 0::2] = np.sin(ang)
    pe[:, 1::2] = np.cos(ang)
    return pe


@entry("sinusoidal_positions", "ignores the base argument and hard-codes 10000")
def sin_ignores_base(n, d, base=10000.0):
    ang = np.arange(n)[:, None] / 10000.0 ** (np.arange(0, d, 2) / d)
    pe = np.zeros((n, d))
    pe[:, 0::2] = np.sin(ang)
    pe[:, 1::2] = np.cos(ang)
    return pe


@entry("sinusoidal_positions", "builds the frequencies as exp(-2i·log10(base)/d), using the base-10 logarithm where the natural log is needed")
def sin_log10_frequencies(n, d, base=10000.0):
    omega = np.exp(-np.arange(0, d, 2) * np.log10(base) / d)
    ang = np.arange(n)[:, None] * omega
    pe = np.zeros((n, d))
    pe[:, 0::2] = np.sin(ang)
    pe[:, 1::2] = np.cos(ang)
    return pe


@entry("sinusoidal_positions", "returns the transposed array, shape (d, n) instead of (n, d)")
def sin_transposed(n, d, base=10000.0):
    ang = np.arange(n)[:, None] * base ** (-np.arange(0, d, 2) / d)
    pe = np.zeros((n, d))
    pe[:, 0::2] = np.sin(ang)
    pe[:, 1::2] = np.cos(ang)
    return pe.T


@entry("sinusoidal_positions", "writes the exponent with integer floor division, 2*i//d, which is 0 for every pair, so every column has frequency 1")
def sin_integer_division_exponent(n, d, base=10000.0):
    i = np.arange(d // 2)
    ang = np.arange(n)[:, None] / base ** (2 * i // d)
    pe = np.zeros((n, d))
    pe[:, 0::2] = np.sin(ang)
    pe[:, 1::2] = np.cos(ang)
    return pe


@entry("sinusoidal_positions", "spaces the exponents with np.linspace(0, 1, d/2), so the last pair has exponent 1 (frequency exactly 1/base) instead of (d-2)/d")
def sin_linspace_exponent(n, d, base=10000.0):
    expo = np.linspace(0.0, 1.0, d // 2)
    ang = np.arange(n)[:, None] / base ** expo
    pe = np.zeros((n, d))
    pe[:, 0::2] = np.sin(ang)
    pe[:, 1::2] = np.cos(ang)
    return pe


@entry("sinusoidal_positions", "operator-precedence slip: computes p / base**(2*i) / d instead of p / base**(2*i/d)")
def sin_precedence_bug(n, d, base=10000.0):
    i = np.arange(d // 2)
    ang = np.arange(n)[:, None] / base ** (2.0 * i) / d
    pe = np.zeros((n, d))
    pe[:, 0::2] = np.sin(ang)
    pe[:, 1::2] = np.cos(ang)
    return pe


@entry("sinusoidal_positions", "takes i from np.arange(0, d, 2) (already the even column index 2i) and then multiplies by 2 again, so the exponent is 4i/d")
def sin_double_two_i(n, d, base=10000.0):
    i = np.arange(0, d, 2)
    ang = np.arange(n)[:, None] / base ** (2 * i / d)
    pe = np.zeros((n, d))
    pe[:, 0::2] = np.sin(ang)
    pe[:, 1::2] = np.cos(ang)
    return pe


@entry("sinusoidal_positions", "copy-paste slip: fills the odd columns with the sine too, so there are no cosines at all")
def sin_sine_everywhere(n, d, base=10000.0):
    ang = np.arange(n)[:, None] * base ** (-np.arange(0, d, 2) / d)
    pe = np.zeros((n, d))
    pe[:, 0::2] = np.sin(ang)
    pe[:, 1::2] = np.sin(ang)
    return pe


@entry("sinusoidal_positions", "right: two nested Python loops with math.sin and math.cos", kind="right")
def sin_right_loops(n, d, base=10000.0):
    pe = np.zeros((n, d))
    for p in range(n):
        for i in range(d // 2):
            a = p / base ** (2 * i / d)
            pe[p, 2 * i] = math.sin(a)
            pe[p, 2 * i + 1] = math.cos(a)
    return pe


@entry("sinusoidal_positions", "right: frequencies as exp(-ln(base)·2i/d) and sin/cos stacked on a new last axis then reshaped to (n, d)", kind="right")
def sin_right_stack_reshape(n, d, base=10000.0):
    omega = np.exp(-math.log(base) * np.arange(0, d, 2) / d)
    ang = np.outer(np.arange(n, dtype=float), omega)
    return np.stack([np.sin(ang), np.cos(ang)], axis=-1).reshape(n, d)


@entry("sinusoidal_positions", "right: one sine for every column with a phase of pi/2 on the odd columns (cos t = sin(t + pi/2)) and the frequency repeated per pair", kind="right")
def sin_right_phase_shift(n, d, base=10000.0):
    omega = np.repeat(base ** (-np.arange(0, d, 2) / d), 2)      # (d,)
    phase = (np.arange(d) % 2) * (np.pi / 2)
    return np.sin(np.arange(n)[:, None] * omega[None, :] + phase[None, :])


@entry("sinusoidal_positions", "right: complex phasors exp(i(pi/2 - angle)) = sin + i cos, whose real and imaginary parts fill the even and odd columns", kind="right")
def sin_right_complex(n, d, base=10000.0):
    ang = np.arange(n)[:, None] * (1.0 / base ** (np.arange(d // 2) * 2.0 / d))[None, :]
    z = np.exp(1j * (np.pi / 2 - ang))
    pe = np.empty((n, d))
    pe[:, 0::2] = z.real
    pe[:, 1::2] = z.imag
    return pe


# =========================================================================== lesson 09 · Q2 apply_rope

@entry("apply_rope", "pairs neighbouring features (2i, 2i+1) as in the paper (interleaved) instead of the half-split pairing (i, i + d/2)")
def rope_interleaved(x, positions, base=10000.0):
    x = np.asarray(x, dtype=float)
    d = x.shape[-1]
    ang = np.asarray(positions, dtype=float)[:, None] * base ** (-np.arange(0, d, 2) / d)
    c, s = np.cos(ang), np.sin(ang)
    xe, xo = x[..., 0::2], x[..., 1::2]
    out = np.empty_like(x)
    out[..., 0::2] = xe * c - xo * s
    out[..., 1::2] = xe * s + xo * c
    return out


@entry("apply_rope", "rotates by minus the angle (sign error: x1 cos + x2 sin, -x1 sin + x2 cos)")
def rope_sign_flipped(x, positions, base=10000.0):
    x = np.asarray(x, dtype=float)
    d = x.shape[-1]
    half = d // 2
    ang = np.asarray(positions, dtype=float)[:, None] * base ** (-np.arange(0, d, 2) / d)
    c, s = np.cos(ang), np.sin(ang)
    x1, x2 = x[..., :half], x[..., half:]
    return np.concatenate([x1 * c + x2 * s, -x1 * s + x2 * c], axis=-1)


@entry("apply_rope", "ignores the positions argument and rotates row t by t (np.arange(T)), wrong after a KV cache")
def rope_ignores_positions(x, positions, base=10000.0):
    x = np.asarray(x, dtype=float)
    T, d = x.shape[-2], x.shape[-1]
    return _rope(x, np.arange(T), base)


@entry("apply_rope", "uses the frequencies base^(-i/d) (exponent i/d instead of 2i/d)")
def rope_exponent_i_over_d(x, positions, base=10000.0):
    x = np.asarray(x, dtype=float)
    d = x.shape[-1]
    half = d // 2
    ang = np.asarray(positions, dtype=float)[:, None] * base ** (-np.arange(half) / d)
    c, s = np.cos(ang), np.sin(ang)
    x1, x2 = x[..., :half], x[..., half:]
    return np.concatenate([x1 * c - x2 * s, x1 * s + x2 * c], axis=-1)


@entry("apply_rope", "uses the half-split rotate_half formula x*cos + rotate_half(x)*sin but builds the (d,) angle table with np.repeat (interleaved frequencies) instead of concatenating the d/2 angles twice")
def rope_repeat_interleave_table(x, positions, base=10000.0):
    x = np.asarray(x, dtype=float)
    d = x.shape[-1]
    half = d // 2
    ang = np.asarray(positions, dtype=float)[:, None] * np.repeat(base ** (-np.arange(0, d, 2) / d), 2)
    rot = np.concatenate([-x[..., half:], x[..., :half]], axis=-1)
    return x * np.cos(ang) + rot * np.sin(ang)


@entry("apply_rope", "slices the halves with x[:, :half] (the second axis) instead of x[..., :half], so it only works for a 2-D x and breaks with leading batch axes")
def rope_2d_only_slicing(x, positions, base=10000.0):
    x = np.asarray(x, dtype=float)
    d = x.shape[-1]
    half = d // 2
    ang = np.asarray(positions, dtype=float)[:, None] * base ** (-np.arange(0, d, 2) / d)
    c, s = np.cos(ang), np.sin(ang)
    x1, x2 = x[:, :half], x[:, half:]
    return np.concatenate([x1 * c - x2 * s, x1 * s + x2 * c], axis=-1)


@entry("apply_rope", "writes the first half in place and then computes the second half from the already-overwritten first half (x1 is a view), and also mutates the caller's x")
def rope_inplace_view_bug(x, positions, base=10000.0):
    d = x.shape[-1]
    half = d // 2
    ang = np.asarray(positions, dtype=float)[:, None] * base ** (-np.arange(0, d, 2) / d)
    c, s = np.cos(ang), np.sin(ang)
    x1, x2 = x[..., :half], x[..., half:]
    x[..., :half] = x1 * c - x2 * s
    x[..., half:] = x1 * s + x2 * c
    return x


@entry("apply_rope", "computes the right rotation but writes it into the caller's x in place and returns it (the input array is modified)")
def rope_mutates_input(x, positions, base=10000.0):
    d = x.shape[-1]
    half = d // 2
    ang = np.asarray(positions, dtype=float)[:, None] * base ** (-np.arange(0, d, 2) / d)
    c, s = np.cos(ang), np.sin(ang)
    x1, x2 = x[..., :half].copy(), x[..., half:].copy()
    x[..., :half] = x1 * c - x2 * s
    x[..., half:] = x1 * s + x2 * c
    return x


@entry("apply_rope", "adds 1 to every position (counts positions from 1)")
def rope_positions_plus_one(x, positions, base=10000.0):
    return _rope(x, np.asarray(positions, dtype=float) + 1, base)


@entry("apply_rope", "ignores the base argument and hard-codes 10000")
def rope_ignores_base(x, positions, base=10000.0):
    return _rope(x, positions, 10000.0)


@entry("apply_rope", "builds the angle table with np.outer(omega, positions) of shape (d/2, T) and then reshapes it to (T, d/2) instead of transposing, scrambling which angle goes to which row and pair")
def rope_reshape_not_transpose(x, positions, base=10000.0):
    x = np.asarray(x, dtype=float)
    d = x.shape[-1]
    half = d // 2
    pos = np.asarray(positions, dtype=float)
    ang = np.outer(base ** (-np.arange(0, d, 2) / d), pos).reshape(len(pos), half)
    c, s = np.cos(ang), np.sin(ang)
    x1, x2 = x[..., :half], x[..., half:]
    return np.concatenate([x1 * c - x2 * s, x1 * s + x2 * c], axis=-1)


@entry("apply_rope", "concatenates the two rotated halves in the wrong order (second component first), swapping the halves of the output")
def rope_halves_swapped_in_output(x, positions, base=10000.0):
    x = np.asarray(x, dtype=float)
    d = x.shape[-1]
    half = d // 2
    ang = np.asarray(positions, dtype=float)[:, None] * base ** (-np.arange(0, d, 2) / d)
    c, s = np.cos(ang), np.sin(ang)
    x1, x2 = x[..., :half], x[..., half:]
    return np.concatenate([x1 * s + x2 * c, x1 * c - x2 * s], axis=-1)


@entry("apply_rope", "takes i from np.arange(0, d, 2) and multiplies by 2 again, so the frequencies are base^(-4i/d)")
def rope_double_two_i(x, positions, base=10000.0):
    x = np.asarray(x, dtype=float)
    d = x.shape[-1]
    half = d // 2
    i = np.arange(0, d, 2)
    ang = np.asarray(positions, dtype=float)[:, None] * base ** (-2 * i / d)
    c, s = np.cos(ang), np.sin(ang)
    x1, x2 = x[..., :half], x[..., half:]
    return np.concatenate([x1 * c - x2 * s, x1 * s + x2 * c], axis=-1)


@entry("apply_rope", "reads d from x.shape[1] (right for a 2-D x, but the number of rows T when x has a batch axis), so frequencies and halves are wrong for (..., T, d) inputs")
def rope_d_from_shape1(x, positions, base=10000.0):
    x = np.asarray(x, dtype=float)
    d = x.shape[1]
    half = x.shape[-1] // 2
    ang = np.asarray(positions, dtype=float)[:, None] * base ** (-np.arange(0, 2 * half, 2) / d)
    c, s = np.cos(ang), np.sin(ang)
    x1, x2 = x[..., :half], x[..., half:]
    return np.concatenate([x1 * c - x2 * s, x1 * s + x2 * c], axis=-1)


@entry("apply_rope", "right: each pair as a complex number x_i + i·x_{i+d/2} multiplied by exp(i·p·omega)", kind="right")
def rope_right_complex(x, positions, base=10000.0):
    x = np.asarray(x, dtype=float)
    half = x.shape[-1] // 2
    z = x[..., :half] + 1j * x[..., half:]
    omega = base ** (-2.0 * np.arange(half) / x.shape[-1])
    z = z * np.exp(1j * np.asarray(positions, dtype=float)[:, None] * omega)
    return np.concatenate([z.real, z.imag], axis=-1)


@entry("apply_rope", "right: builds a full (T, d, d) rotation matrix per row and applies it with einsum", kind="right")
def rope_right_matrices(x, positions, base=10000.0):
    x = np.asarray(x, dtype=float)
    d = x.shape[-1]
    half = d // 2
    pos = np.asarray(positions, dtype=float)
    T = len(pos)
    R = np.zeros((T, d, d))
    for t in range(T):
        for i in range(half):
            th = pos[t] * base ** (-2 * i / d)
            c, s = math.cos(th), math.sin(th)
            R[t, i, i], R[t, i, i + half] = c, -s
            R[t, i + half, i], R[t, i + half, i + half] = s, c
    return np.einsum("tij,...tj->...ti", R, x)


@entry("apply_rope", "right: Hugging Face style x*cos + rotate_half(x)*sin with the d/2 angles concatenated twice into a (T, d) table", kind="right")
def rope_right_rotate_half(x, positions, base=10000.0):
    x = np.asarray(x, dtype=float)
    d = x.shape[-1]
    half = d // 2
    inv_freq = 1.0 / (base ** (np.arange(0, d, 2, dtype=float) / d))
    freqs = np.asarray(positions, dtype=float)[:, None] * inv_freq[None, :]
    emb = np.concatenate([freqs, freqs], axis=-1)
    rot = np.concatenate([-x[..., half:], x[..., :half]], axis=-1)
    return x * np.cos(emb) + rot * np.sin(emb)


@entry("apply_rope", "right: frequencies written as base^(-i/(d/2)) (the same as base^(-2i/d)), output assembled into an empty array with slice assignment", kind="right")
def rope_right_half_exponent(x, positions, base=10000.0):
    x = np.asarray(x, dtype=float)
    half = x.shape[-1] // 2
    omega = 1.0 / base ** (np.arange(half) / half)
    ang = np.multiply.outer(np.asarray(positions, dtype=float), omega)
    out = np.empty_like(x)
    out[..., :half] = x[..., :half] * np.cos(ang) - x[..., half:] * np.sin(ang)
    out[..., half:] = x[..., :half] * np.sin(ang) + x[..., half:] * np.cos(ang)
    return out


# =========================================================================== lesson 09 · Q3 rope_scores

@entry("rope_scores", "ignores the base argument and rotates with the default 10000")
def rs_ignores_base(q, k, q_positions, k_positions, base=10000.0):
    qr = _rope(q, q_positions, 10000.0)
    kr = _rope(k, k_positions, 10000.0)
    return qr @ np.swapaxes(kr, -1, -2) / math.sqrt(qr.shape[-1])


@entry("rope_scores", "rotates queries and keys by np.arange(n_q) and np.arange(n_k), ignoring the given positions (the queries lose their KV-cache offset)")
def rs_arange_positions(q, k, q_positions, k_positions, base=10000.0):
    q, k = np.asarray(q, dtype=float), np.asarray(k, dtype=float)
    qr = _rope(q, np.arange(q.shape[-2]), base)
    kr = _rope(k, np.arange(k.shape[-2]), base)
    return qr @ np.swapaxes(kr, -1, -2) / math.sqrt(q.shape[-1])


@entry("rope_scores", "forgets to divide the scores by sqrt(d)")
def rs_no_scaling(q, k, q_positions, k_positions, base=10000.0):
    qr = _rope(q, q_positions, base)
    kr = _rope(k, k_positions, base)
    return qr @ np.swapaxes(kr, -1, -2)


@entry("rope_scores", "divides the scores by d instead of sqrt(d)")
def rs_divides_by_d(q, k, q_positions, k_positions, base=10000.0):
    qr = _rope(q, q_positions, base)
    kr = _rope(k, k_positions, base)
    return qr @ np.swapaxes(kr, -1, -2) / qr.shape[-1]


@entry("rope_scores", "rotates only the queries and leaves the keys unrotated")
def rs_only_queries_rotated(q, k, q_positions, k_positions, base=10000.0):
    qr = _rope(q, q_positions, base)
    k = np.asarray(k, dtype=float)
    return qr @ np.swapaxes(k, -1, -2) / math.sqrt(qr.shape[-1])


@entry("rope_scores", "rotates the keys backwards (by minus their positions), so the score depends on m + n instead of m - n")
def rs_keys_rotated_backwards(q, k, q_positions, k_positions, base=10000.0):
    qr = _rope(q, q_positions, base)
    kr = _rope(k, -np.asarray(k_positions, dtype=float), base)
    return qr @ np.swapaxes(kr, -1, -2) / math.sqrt(qr.shape[-1])


@entry("rope_scores", "uses k_rot.T for the transpose, which reverses every axis and so breaks (or scrambles) inputs with leading batch axes")
def rs_dot_T_batch_bug(q, k, q_positions, k_positions, base=10000.0):
    qr = _rope(q, q_positions, base)
    kr = _rope(k, k_positions, base)
    return qr @ kr.T / math.sqrt(qr.shape[-1])


@entry("rope_scores", "reads d from q.shape[1], which is n_q (not the feature size) once q has a batch axis, so the scaling is wrong for (..., n_q, d) inputs")
def rs_d_from_shape1(q, k, q_positions, k_positions, base=10000.0):
    q = np.asarray(q, dtype=float)
    d = q.shape[1]
    qr = _rope(q, q_positions, base)
    kr = _rope(k, k_positions, base)
    return qr @ np.swapaxes(kr, -1, -2) / math.sqrt(d)


@entry("rope_scores", "rotates with the interleaved pairing (2i, 2i+1) instead of the half-split one of Q2")
def rs_interleaved_pairs(q, k, q_positions, k_positions, base=10000.0):
    def rot(x, pos):
        x = np.asarray(x, dtype=float)
        d = x.shape[-1]
        ang = np.asarray(pos, dtype=float)[:, None] * base ** (-np.arange(0, d, 2) / d)
        c, s = np.cos(ang), np.sin(ang)
        out = np.empty_like(x)
        out[..., 0::2] = x[..., 0::2] * c - x[..., 1::2] * s
        out[..., 1::2] = x[..., 0::2] * s + x[..., 1::2] * c
        return out
    qr, kr = rot(q, q_positions), rot(k, k_positions)
    return qr @ np.swapaxes(kr, -1, -2) / math.sqrt(qr.shape[-1])


@entry("rope_scores", "returns the key-by-query matrix k_rot @ q_rot^T, shape (..., n_k, n_q), instead of (..., n_q, n_k)")
def rs_transposed_scores(q, k, q_positions, k_positions, base=10000.0):
    qr = _rope(q, q_positions, base)
    kr = _rope(k, k_positions, base)
    return kr @ np.swapaxes(qr, -1, -2) / math.sqrt(qr.shape[-1])


@entry("rope_scores", "applies a softmax over the keys and returns attention weights instead of the raw scaled scores")
def rs_returns_softmax(q, k, q_positions, k_positions, base=10000.0):
    qr = _rope(q, q_positions, base)
    kr = _rope(k, k_positions, base)
    return _softmax(qr @ np.swapaxes(kr, -1, -2) / math.sqrt(qr.shape[-1]), axis=-1)


@entry("rope_scores", "divides by sqrt(d/2), the number of rotated pairs, instead of sqrt(d)")
def rs_sqrt_half_d(q, k, q_positions, k_positions, base=10000.0):
    qr = _rope(q, q_positions, base)
    kr = _rope(k, k_positions, base)
    return qr @ np.swapaxes(kr, -1, -2) / math.sqrt(qr.shape[-1] / 2)


@entry("rope_scores", "rotates only the keys and leaves the queries unrotated")
def rs_only_keys_rotated(q, k, q_positions, k_positions, base=10000.0):
    q = np.asarray(q, dtype=float)
    kr = _rope(k, k_positions, base)
    return q @ np.swapaxes(kr, -1, -2) / math.sqrt(q.shape[-1])


@entry("rope_scores", "right: shifts both position arrays by the same constant (+1) before rotating, harmless because the scores depend only on m - n", kind="right")
def rs_right_shifted_positions(q, k, q_positions, k_positions, base=10000.0):
    qr = _rope(q, np.asarray(q_positions, dtype=float) + 1.0, base)
    kr = _rope(k, np.asarray(k_positions, dtype=float) + 1.0, base)
    return qr @ np.swapaxes(kr, -1, -2) / math.sqrt(qr.shape[-1])


@entry("rope_scores", "right: rotates both with an own half-split RoPE and contracts with einsum over the last axis", kind="right")
def rs_right_einsum(q, k, q_positions, k_positions, base=10000.0):
    qr = _rope(q, q_positions, base)
    kr = _rope(k, k_positions, base)
    return np.einsum("...id,...jd->...ij", qr, kr) / np.sqrt(qr.shape[-1])


@entry("rope_scores", "right: never rotates anything, uses the relative-angle identity R(m)q·R(n)k = sum over pairs of (q1k1+q2k2)cos((n-m)w) + (q2k1-q1k2)sin((n-m)w)", kind="right")
def rs_right_relative_identity(q, k, q_positions, k_positions, base=10000.0):
    q, k = np.asarray(q, dtype=float), np.asarray(k, dtype=float)
    d = q.shape[-1]
    half = d // 2
    omega = base ** (-np.arange(0, d, 2) / d)
    rel = np.asarray(k_positions, dtype=float)[None, :] - np.asarray(q_positions, dtype=float)[:, None]
    phi = rel[..., None] * omega                                  # (n_q, n_k, d/2)
    q1, q2 = q[..., :half], q[..., half:]
    k1, k2 = k[..., :half], k[..., half:]
    a = np.einsum("...ip,...jp->...ijp", q1, k1) + np.einsum("...ip,...jp->...ijp", q2, k2)
    b = np.einsum("...ip,...jp->...ijp", q2, k1) - np.einsum("...ip,...jp->...ijp", q1, k2)
    return (a * np.cos(phi) + b * np.sin(phi)).sum(-1) / math.sqrt(d)


@entry("rope_scores", "right: complex form, Re(sum of z_q · conj(z_k)) with z = (x_i + i x_{i+d/2}) exp(i·pos·w)", kind="right")
def rs_right_complex(q, k, q_positions, k_positions, base=10000.0):
    q, k = np.asarray(q, dtype=float), np.asarray(k, dtype=float)
    d = q.shape[-1]
    half = d // 2
    omega = base ** (-np.arange(0, d, 2) / d)
    zq = (q[..., :half] + 1j * q[..., half:]) * np.exp(1j * np.asarray(q_positions, dtype=float)[:, None] * omega)
    zk = (k[..., :half] + 1j * k[..., half:]) * np.exp(1j * np.asarray(k_positions, dtype=float)[:, None] * omega)
    return (zq @ np.swapaxes(np.conj(zk), -1, -2)).real / math.sqrt(d)


@entry("rope_scores", "right: scales the queries by 1/sqrt(d) before rotating (rotation is linear) and multiplies with np.matmul and swapaxes", kind="right")
def rs_right_prescaled(q, k, q_positions, k_positions, base=10000.0):
    q = np.asarray(q, dtype=float)
    qr = _rope(q / np.sqrt(q.shape[-1]), q_positions, base)
    kr = _rope(k, k_positions, base)
    return np.matmul(qr, np.swapaxes(kr, -2, -1))


# =========================================================================== lesson 09 · Q4 alibi_bias

def _alibi_from(slopes, n_q, n_k, future=-np.inf):
    qpos = n_k - n_q + np.arange(n_q)
    back = np.arange(n_k)[None, :] - qpos[:, None]
    bias = np.asarray(slopes)[:, None, None] * back[None]
    return np.where(back[None] <= 0, bias, future)


@entry("alibi_bias", "uses m_r = 2^(-8r/h) for every head count, ignoring the authors' rule for h not a power of 2")
def alibi_geometric_for_all_h(n_heads, n_q, n_k):
    slopes = 2.0 ** (-8.0 * np.arange(1, n_heads + 1) / n_heads)
    return _alibi_from(slopes, n_q, n_k)


@entry("alibi_bias", "for h not a power of 2, fills the remaining h-p heads with the FIRST h-p slopes of 2p heads instead of every other one")
def alibi_first_not_every_other(n_heads, n_q, n_k):
    p = 2 ** int(math.floor(math.log2(n_heads)))
    base = 2.0 ** (-8.0 * np.arange(1, p + 1) / p)
    extra = 2.0 ** (-8.0 * np.arange(1, 2 * p + 1) / (2 * p))[: n_heads - p]
    return _alibi_from(np.concatenate([base, extra]), n_q, n_k)


@entry("alibi_bias", "for h not a power of 2, takes the 2nd, 4th, 6th ... slopes of 2p heads ([1::2]) instead of the 1st, 3rd, 5th ([0::2])")
def alibi_odd_indexed_extra(n_heads, n_q, n_k):
    p = 2 ** int(math.floor(math.log2(n_heads)))
    base = 2.0 ** (-8.0 * np.arange(1, p + 1) / p)
    extra = 2.0 ** (-8.0 * np.arange(1, 2 * p + 1) / (2 * p))[1::2][: n_heads - p]
    return _alibi_from(np.concatenate([base, extra]), n_q, n_k)


@entry("alibi_bias", "for h not a power of 2, rounds UP to the next power of 2 and keeps the first h of its slopes")
def alibi_round_up_power(n_heads, n_q, n_k):
    P = 2 ** int(math.ceil(math.log2(n_heads)))
    slopes = 2.0 ** (-8.0 * np.arange(1, P + 1) / P)[:n_heads]
    return _alibi_from(slopes, n_q, n_k)


@entry("alibi_bias", "numbers the heads from r = 0, so the slopes are 2^(-8r/h) for r = 0..h-1 (the first head gets slope 1)")
def alibi_heads_from_zero(n_heads, n_q, n_k):
    slopes = 2.0 ** (-8.0 * np.arange(n_heads) / n_heads)
    return _alibi_from(slopes, n_q, n_k)


@entry("alibi_bias", "sign error: adds +m·distance (rewarding keys further back) instead of -m·distance")
def alibi_positive_bias(n_heads, n_q, n_k):
    qpos = n_k - n_q + np.arange(n_q)
    dist = qpos[:, None] - np.arange(n_k)[None, :]
    bias = _slopes(n_heads)[:, None, None] * dist[None]
    return np.where(dist[None] >= 0, bias, -np.inf)


@entry("alibi_bias", "aligns queries top-left: query i at position i instead of n_k - n_q + i (wrong after a KV cache, n_q < n_k)")
def alibi_top_left_alignment(n_heads, n_q, n_k):
    back = np.arange(n_k)[None, :] - np.arange(n_q)[:, None]
    bias = _slopes(n_heads)[:, None, None] * back[None]
    return np.where(back[None] <= 0, bias, -np.inf)


@entry("alibi_bias", "forgets the causal part: uses -m·|query position - j| for every key, with no -inf for the future keys")
def alibi_no_causal_abs(n_heads, n_q, n_k):
    qpos = n_k - n_q + np.arange(n_q)
    dist = np.abs(qpos[:, None] - np.arange(n_k)[None, :])
    return -_slopes(n_heads)[:, None, None] * dist[None]


@entry("alibi_bias", "masks the future keys with 0 (np.tril of the bias) instead of -inf, so future keys get the best score")
def alibi_future_zero(n_heads, n_q, n_k):
    return _alibi_from(_slopes(n_heads), n_q, n_k, future=0.0)


@entry("alibi_bias", "masks the query's own key too (-inf on the diagonal): keys at or after the query blocked instead of only after")
def alibi_diagonal_blocked(n_heads, n_q, n_k):
    qpos = n_k - n_q + np.arange(n_q)
    back = np.arange(n_k)[None, :] - qpos[:, None]
    bias = _slopes(n_heads)[:, None, None] * back[None]
    return np.where(back[None] < 0, bias, -np.inf)


@entry("alibi_bias", "uses a large finite negative number (-1e9) for the future keys instead of -inf (the notebook asks for -inf; harmless after a softmax, so arguably ambiguous)")
def alibi_finite_big_negative(n_heads, n_q, n_k):
    return _alibi_from(_slopes(n_heads), n_q, n_k, future=-1e9)


@entry("alibi_bias", "returns the heads on the last axis, shape (n_q, n_k, h) instead of (h, n_q, n_k)")
def alibi_heads_last(n_heads, n_q, n_k):
    return np.moveaxis(_alibi_from(_slopes(n_heads), n_q, n_k), 0, -1)


@entry("alibi_bias", "for h not a power of 2, puts the every-other slopes of 2p heads BEFORE the p slopes instead of after them (head order wrong)")
def alibi_extra_slopes_first(n_heads, n_q, n_k):
    p = 2 ** int(math.floor(math.log2(n_heads)))
    base = 2.0 ** (-8.0 * np.arange(1, p + 1) / p)
    if p == n_heads:
        slopes = base
    else:
        extra = _slopes(2 * p)[0::2][: n_heads - p]
        slopes = np.concatenate([extra, base])
    return _alibi_from(slopes, n_q, n_k)


@entry("alibi_bias", "reads 'largest power of 2 below h' strictly and applies the non-power-of-2 rule to every h, so h = 8 gets the 4-head slopes plus every other 8-head slope")
def alibi_strictly_below_power(n_heads, n_q, n_k):
    if n_heads == 1:
        slopes = np.array([2.0 ** -8])
    else:
        p = 2 ** int(math.floor(math.log2(n_heads - 1)))
        base = 2.0 ** (-8.0 * np.arange(1, p + 1) / p)
        extra = 2.0 ** (-8.0 * np.arange(1, 2 * p + 1) / (2 * p))[0::2][: n_heads - p]
        slopes = np.concatenate([base, extra])
    return _alibi_from(slopes, n_q, n_k)


@entry("alibi_bias", "builds the bias as (n_q, n_k, h) by broadcasting slopes on the last axis and then reshapes to (h, n_q, n_k) instead of transposing, scrambling the entries")
def alibi_reshape_not_transpose(n_heads, n_q, n_k):
    qpos = n_k - n_q + np.arange(n_q)
    back = np.arange(n_k)[None, :] - qpos[:, None]
    bias = back[:, :, None] * _slopes(n_heads)[None, None, :]
    bias = np.where(back[:, :, None] <= 0, bias, -np.inf)
    return bias.reshape(n_heads, n_q, n_k)


@entry("alibi_bias", "right: three Python loops over heads, queries and keys, slopes from the authors' recursive rule", kind="right")
def alibi_right_loops(n_heads, n_q, n_k):
    def slopes(h):
        p = 1
        while p * 2 <= h:
            p *= 2
        s = [2.0 ** (-8.0 * r / p) for r in range(1, p + 1)]
        if p < h:
            s += slopes(2 * p)[0::2][: h - p]
        return s
    m = slopes(n_heads)
    out = np.empty((n_heads, n_q, n_k))
    for r in range(n_heads):
        for i in range(n_q):
            qp = n_k - n_q + i
            for j in range(n_k):
                out[r, i, j] = -m[r] * (qp - j) if j <= qp else -np.inf
    return out


@entry("alibi_bias", "right: slopes from the authors' get_slopes closed form start = 2^(-2^-(log2 h - 3)), ratio = start", kind="right")
def alibi_right_authors_closed_form(n_heads, n_q, n_k):
    def pow2(n):
        start = 2 ** (-2 ** -(math.log2(n) - 3))
        return [start * start ** i for i in range(n)]

    def get_slopes(n):
        if math.log2(n).is_integer():
            return pow2(n)
        c = 2 ** math.floor(math.log2(n))
        return pow2(c) + get_slopes(2 * c)[0::2][: n - c]
    m = np.array(get_slopes(n_heads))
    i = np.arange(n_q)[:, None] + (n_k - n_q)
    j = np.arange(n_k)[None, :]
    bias = -m[:, None, None] * (i - j)[None]
    return np.where(j <= i, bias, -np.inf)


@entry("alibi_bias", "right: BLOOM-style +m·j relative to the query, written as m·(j - i) plus an np.triu(-inf) causal mask offset by n_k - n_q", kind="right")
def alibi_right_triu_mask(n_heads, n_q, n_k):
    m = _slopes(n_heads)
    i = np.arange(n_q)[:, None] + (n_k - n_q)
    rel = (np.arange(n_k)[None, :] - i).astype(float)
    future = np.triu(np.ones((n_q, n_k), dtype=bool), k=n_k - n_q + 1)
    rel[future] = -np.inf
    bias = m[:, None, None] * rel[None]
    return bias


@entry("alibi_bias", "right: builds -slope·distance everywhere, then writes -inf into the future entries with boolean indexing on the 3-D array", kind="right")
def alibi_right_bool_index(n_heads, n_q, n_k):
    p = 2 ** (n_heads.bit_length() - 1)
    m = list(2.0 ** (-8.0 * np.arange(1, p + 1) / p))
    if p < n_heads:
        m += list(2.0 ** (-8.0 * np.arange(1, 4 * p + 1, 2) / (2 * p)))[: n_heads - p]
    m = np.array(m)
    dist = (n_k - n_q + np.arange(n_q))[:, None] - np.arange(n_k)[None, :]
    bias = -m[:, None, None] * dist
    bias[:, dist < 0] = -np.inf
    return bias


# =========================================================================== lesson 10 · Q1 layer_norm

@entry("layer_norm", "puts eps outside the square root: (x - mu) / (sqrt(var) + eps)")
def ln_eps_outside_sqrt(x, gamma, beta, eps=1e-5):
    x = np.asarray(x, dtype=float)
    mu = x.mean(-1, keepdims=True)
    return gamma * (x - mu) / (np.sqrt(x.var(-1, keepdims=True)) + eps) + beta


@entry("layer_norm", "ignores eps altogether (divides by sqrt(var), nan for a constant vector)")
def ln_no_eps(x, gamma, beta, eps=1e-5):
    x = np.asarray(x, dtype=float)
    mu = x.mean(-1, keepdims=True)
    return gamma * (x - mu) / np.sqrt(x.var(-1, keepdims=True)) + beta


@entry("layer_norm", "uses the unbiased variance (divides by D - 1, ddof=1) instead of dividing by D")
def ln_unbiased_variance(x, gamma, beta, eps=1e-5):
    x = np.asarray(x, dtype=float)
    mu = x.mean(-1, keepdims=True)
    return gamma * (x - mu) / np.sqrt(x.var(-1, ddof=1, keepdims=True) + eps) + beta


@entry("layer_norm", "normalises over axis 0 (across tokens/batch, like BatchNorm) instead of over the last axis")
def ln_axis0(x, gamma, beta, eps=1e-5):
    x = np.asarray(x, dtype=float)
    mu = x.mean(0, keepdims=True)
    return gamma * (x - mu) / np.sqrt(x.var(0, keepdims=True) + eps) + beta


@entry("layer_norm", "takes mean and variance over the last axis without keepdims, so they broadcast along the feature axis (wrong values when shapes happen to align, an error otherwise)")
def ln_missing_keepdims(x, gamma, beta, eps=1e-5):
    x = np.asarray(x, dtype=float)
    mu = x.mean(-1)
    var = x.var(-1)
    return gamma * (x - mu) / np.sqrt(var + eps) + beta


@entry("layer_norm", "puts the standard deviation under the square root: sqrt(std + eps) instead of sqrt(var + eps)")
def ln_sqrt_of_std(x, gamma, beta, eps=1e-5):
    x = np.asarray(x, dtype=float)
    mu = x.mean(-1, keepdims=True)
    return gamma * (x - mu) / np.sqrt(x.std(-1, keepdims=True) + eps) + beta


@entry("layer_norm", "swaps gamma and beta: x_hat * beta + gamma")
def ln_gamma_beta_swapped(x, gamma, beta, eps=1e-5):
    x = np.asarray(x, dtype=float)
    mu = x.mean(-1, keepdims=True)
    return beta * (x - mu) / np.sqrt(x.var(-1, keepdims=True) + eps) + gamma


@entry("layer_norm", "uses one mean and one variance over the whole array (all tokens together) instead of per token")
def ln_global_statistics(x, gamma, beta, eps=1e-5):
    x = np.asarray(x, dtype=float)
    return gamma * (x - x.mean()) / np.sqrt(x.var() + eps) + beta


@entry("layer_norm", "computes the variance as E[x^2] - E[x]^2, which cancels catastrophically for features far from zero (e.g. offset 1e8 with unit spread)")
def ln_one_pass_variance(x, gamma, beta, eps=1e-5):
    x = np.asarray(x, dtype=float)
    mu = x.mean(-1, keepdims=True)
    var = (x * x).mean(-1, keepdims=True) - mu * mu
    return gamma * (x - mu) / np.sqrt(np.maximum(var, 0.0) + eps) + beta


@entry("layer_norm", "normalises x in place (x -= mu; x /= s), modifying the caller's array")
def ln_mutates_input(x, gamma, beta, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    s = np.sqrt(x.var(-1, keepdims=True) + eps)
    x -= mu
    x /= s
    return x * gamma + beta


@entry("layer_norm", "applies gamma and beta before normalising, returning LN(gamma*x + beta) without any affine afterwards")
def ln_affine_before_normalising(x, gamma, beta, eps=1e-5):
    x = np.asarray(x, dtype=float) * gamma + beta
    mu = x.mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(x.var(-1, keepdims=True) + eps)


@entry("layer_norm", "forgets the square root: divides by var + eps")
def ln_no_sqrt(x, gamma, beta, eps=1e-5):
    x = np.asarray(x, dtype=float)
    mu = x.mean(-1, keepdims=True)
    return gamma * (x - mu) / (x.var(-1, keepdims=True) + eps) + beta


@entry("layer_norm", "hard-codes axis=1 for the statistics: right for (T, D) input but normalises over positions for a (B, T, D) input")
def ln_axis1_hardcoded(x, gamma, beta, eps=1e-5):
    x = np.asarray(x, dtype=float)
    mu = x.mean(axis=1, keepdims=True)
    return gamma * (x - mu) / np.sqrt(x.var(axis=1, keepdims=True) + eps) + beta


@entry("layer_norm", "forgets the affine part: returns the normalised x_hat without multiplying by gamma or adding beta")
def ln_no_affine(x, gamma, beta, eps=1e-5):
    x = np.asarray(x, dtype=float)
    mu = x.mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(x.var(-1, keepdims=True) + eps)


@entry("layer_norm", "ignores the eps argument and always uses 1e-5")
def ln_eps_hardcoded(x, gamma, beta, eps=1e-5):
    x = np.asarray(x, dtype=float)
    mu = x.mean(-1, keepdims=True)
    return gamma * (x - mu) / np.sqrt(x.var(-1, keepdims=True) + 1e-5) + beta


@entry("layer_norm", "right: computes the variance with np.var", kind="right")
def ln_right_npvar(x, gamma, beta, eps=1e-5):
    x = np.asarray(x, dtype=float)
    return (x - x.mean(axis=-1, keepdims=True)) / np.sqrt(np.var(x, axis=-1, keepdims=True) + eps) * gamma + beta


@entry("layer_norm", "right: via np.std squared, multiplied by the reciprocal square root", kind="right")
def ln_right_std_squared(x, gamma, beta, eps=1e-5):
    x = np.asarray(x, dtype=float)
    c = x - np.mean(x, axis=-1, keepdims=True)
    rstd = 1.0 / np.sqrt(np.std(x, axis=-1, keepdims=True) ** 2 + eps)
    return gamma * (c * rstd) + beta


@entry("layer_norm", "right: flattens to rows (N, D), normalises with einsum-based sums, reshapes back", kind="right")
def ln_right_rows_einsum(x, gamma, beta, eps=1e-5):
    x = np.asarray(x, dtype=float)
    D = x.shape[-1]
    rows = x.reshape(-1, D)
    mu = np.einsum("nd->n", rows) / D
    c = rows - mu[:, None]
    var = np.einsum("nd,nd->n", c, c) / D
    y = c / np.sqrt(var + eps)[:, None] * gamma + beta
    return y.reshape(x.shape)


@entry("layer_norm", "right: variance from the norm of the centred vector, ||x - mu||^2 / D", kind="right")
def ln_right_norm(x, gamma, beta, eps=1e-5):
    x = np.asarray(x, dtype=float)
    c = x - x.mean(-1, keepdims=True)
    var = np.linalg.norm(c, axis=-1, keepdims=True) ** 2 / x.shape[-1]
    return gamma * c / np.sqrt(var + eps) + beta


# =========================================================================== lesson 10 · Q2 layer_norm_backward

def _ln_stats(x, eps, ddof=0, use_eps=True):
    x = np.asarray(x, dtype=float)
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).sum(-1, keepdims=True) / (x.shape[-1] - ddof)
    s = np.sqrt(var + (eps if use_eps else 0.0))
    return (x - mu) / s, s


def _sum_tokens(a):
    return a.reshape(-1, a.shape[-1]).sum(0)


@entry("layer_norm_backward", "drops the -mean(g) term of dx (forgets the path through the mean mu)")
def lnb_missing_mean_term(dy, x, gamma, eps=1e-5):
    dy = np.asarray(dy, dtype=float)
    xh, s = _ln_stats(x, eps)
    g = dy * gamma
    dx = (g - xh * (g * xh).mean(-1, keepdims=True)) / s
    return dx, _sum_tokens(dy * xh), _sum_tokens(dy)


@entry("layer_norm_backward", "drops the -x_hat*mean(g*x_hat) term of dx (forgets the path through the spread s)")
def lnb_missing_variance_term(dy, x, gamma, eps=1e-5):
    dy = np.asarray(dy, dtype=float)
    xh, s = _ln_stats(x, eps)
    g = dy * gamma
    dx = (g - g.mean(-1, keepdims=True)) / s
    return dx, _sum_tokens(dy * xh), _sum_tokens(dy)


@entry("layer_norm_backward", "forgets gamma in dx: uses g = dy instead of dy*gamma")
def lnb_forgets_gamma(dy, x, gamma, eps=1e-5):
    dy = np.asarray(dy, dtype=float)
    xh, s = _ln_stats(x, eps)
    g = dy
    dx = (g - g.mean(-1, keepdims=True) - xh * (g * xh).mean(-1, keepdims=True)) / s
    return dx, _sum_tokens(dy * xh), _sum_tokens(dy)


@entry("layer_norm_backward", "treats mu and s as constants: dx = dy*gamma/s, with neither correction term")
def lnb_constants_mu_s(dy, x, gamma, eps=1e-5):
    dy = np.asarray(dy, dtype=float)
    xh, s = _ln_stats(x, eps)
    return dy * gamma / s, _sum_tokens(dy * xh), _sum_tokens(dy)


@entry("layer_norm_backward", "sums dgamma and dbeta over axis 0 only, so for a (B, T, D) input they come out (T, D) instead of summed over every token")
def lnb_sum_axis0_only(dy, x, gamma, eps=1e-5):
    dy = np.asarray(dy, dtype=float)
    xh, s = _ln_stats(x, eps)
    g = dy * gamma
    dx = (g - g.mean(-1, keepdims=True) - xh * (g * xh).mean(-1, keepdims=True)) / s
    return dx, (dy * xh).sum(axis=0), dy.sum(axis=0)


@entry("layer_norm_backward", "computes dgamma from the raw input, sum(dy * x), instead of sum(dy * x_hat)")
def lnb_dgamma_raw_x(dy, x, gamma, eps=1e-5):
    dy, x = np.asarray(dy, dtype=float), np.asarray(x, dtype=float)
    xh, s = _ln_stats(x, eps)
    g = dy * gamma
    dx = (g - g.mean(-1, keepdims=True) - xh * (g * xh).mean(-1, keepdims=True)) / s
    return dx, _sum_tokens(dy * x), _sum_tokens(dy)


@entry("layer_norm_backward", "drops eps from s in the backward pass (s = sqrt(var)), inconsistent with the forward pass")
def lnb_no_eps(dy, x, gamma, eps=1e-5):
    dy = np.asarray(dy, dtype=float)
    xh, s = _ln_stats(x, eps, use_eps=False)
    g = dy * gamma
    dx = (g - g.mean(-1, keepdims=True) - xh * (g * xh).mean(-1, keepdims=True)) / s
    return dx, _sum_tokens(dy * xh), _sum_tokens(dy)


@entry("layer_norm_backward", "uses sums instead of means over the features in the two correction terms of dx")
def lnb_sums_not_means(dy, x, gamma, eps=1e-5):
    dy = np.asarray(dy, dtype=float)
    xh, s = _ln_stats(x, eps)
    g = dy * gamma
    dx = (g - g.sum(-1, keepdims=True) - xh * (g * xh).sum(-1, keepdims=True)) / s
    return dx, _sum_tokens(dy * xh), _sum_tokens(dy)


@entry("layer_norm_backward", "recomputes the statistics with the unbiased variance (ddof=1)")
def lnb_unbiased_variance(dy, x, gamma, eps=1e-5):
    dy = np.asarray(dy, dtype=float)
    xh, s = _ln_stats(x, eps, ddof=1)
    g = dy * gamma
    dx = (g - g.mean(-1, keepdims=True) - xh * (g * xh).mean(-1, keepdims=True)) / s
    return dx, _sum_tokens(dy * xh), _sum_tokens(dy)


@entry("layer_norm_backward", "multiplies dbeta by gamma: dbeta = sum(dy * gamma)")
def lnb_dbeta_times_gamma(dy, x, gamma, eps=1e-5):
    dy = np.asarray(dy, dtype=float)
    xh, s = _ln_stats(x, eps)
    g = dy * gamma
    dx = (g - g.mean(-1, keepdims=True) - xh * (g * xh).mean(-1, keepdims=True)) / s
    return dx, _sum_tokens(dy * xh), _sum_tokens(g)


@entry("layer_norm_backward", "sign error: adds x_hat*mean(g*x_hat) instead of subtracting it")
def lnb_sign_variance_term(dy, x, gamma, eps=1e-5):
    dy = np.asarray(dy, dtype=float)
    xh, s = _ln_stats(x, eps)
    g = dy * gamma
    dx = (g - g.mean(-1, keepdims=True) + xh * (g * xh).mean(-1, keepdims=True)) / s
    return dx, _sum_tokens(dy * xh), _sum_tokens(dy)


@entry("layer_norm_backward", "takes the means in dx over axis 0 (over tokens) instead of over the features of each token")
def lnb_means_axis0(dy, x, gamma, eps=1e-5):
    dy = np.asarray(dy, dtype=float)
    xh, s = _ln_stats(x, eps)
    g = dy * gamma
    dx = (g - g.mean(0, keepdims=True) - xh * (g * xh).mean(0, keepdims=True)) / s
    return dx, _sum_tokens(dy * xh), _sum_tokens(dy)


@entry("layer_norm_backward", "averages dgamma and dbeta over the tokens instead of summing them")
def lnb_mean_over_tokens(dy, x, gamma, eps=1e-5):
    dy = np.asarray(dy, dtype=float)
    xh, s = _ln_stats(x, eps)
    g = dy * gamma
    dx = (g - g.mean(-1, keepdims=True) - xh * (g * xh).mean(-1, keepdims=True)) / s
    D = dy.shape[-1]
    return dx, (dy * xh).reshape(-1, D).mean(0), dy.reshape(-1, D).mean(0)


@entry("layer_norm_backward", "multiplies dx by s instead of dividing by it")
def lnb_times_s(dy, x, gamma, eps=1e-5):
    dy = np.asarray(dy, dtype=float)
    xh, s = _ln_stats(x, eps)
    g = dy * gamma
    dx = (g - g.mean(-1, keepdims=True) - xh * (g * xh).mean(-1, keepdims=True)) * s
    return dx, _sum_tokens(dy * xh), _sum_tokens(dy)


@entry("layer_norm_backward", "right values, but forms g with dy *= gamma, modifying the caller's dy in place (and the returned dbeta is computed after, from the scaled dy)")
def lnb_mutates_dy(dy, x, gamma, eps=1e-5):
    xh, s = _ln_stats(x, eps)
    dgamma = _sum_tokens(dy * xh)
    dy *= gamma
    g = dy
    dx = (g - g.mean(-1, keepdims=True) - xh * (g * xh).mean(-1, keepdims=True)) / s
    return dx, dgamma, _sum_tokens(dy)


@entry("layer_norm_backward", "right: the cs231n chain rule through dvar and dmu step by step", kind="right")
def lnb_right_chain_rule(dy, x, gamma, eps=1e-5):
    dy, x = np.asarray(dy, dtype=float), np.asarray(x, dtype=float)
    D = x.shape[-1]
    mu = x.mean(-1, keepdims=True)
    xc = x - mu
    var = (xc ** 2).mean(-1, keepdims=True)
    ivar = 1.0 / np.sqrt(var + eps)
    xh = xc * ivar
    dxh = dy * gamma
    dvar = np.sum(dxh * xc, -1, keepdims=True) * -0.5 * (var + eps) ** -1.5
    dmu = np.sum(-dxh * ivar, -1, keepdims=True) + dvar * np.mean(-2.0 * xc, -1, keepdims=True)
    dx = dxh * ivar + dvar * 2.0 * xc / D + dmu / D
    rows = (-1, D)
    return dx, (dy * xh).reshape(rows).sum(0), dy.reshape(rows).sum(0)


@entry("layer_norm_backward", "right: builds each token's D x D Jacobian of x_hat and multiplies it by g", kind="right")
def lnb_right_jacobian(dy, x, gamma, eps=1e-5):
    dy, x = np.asarray(dy, dtype=float), np.asarray(x, dtype=float)
    D = x.shape[-1]
    X, DY = x.reshape(-1, D), dy.reshape(-1, D)
    dx = np.empty_like(X)
    dg = np.zeros(D)
    I = np.eye(D)
    for n in range(X.shape[0]):
        mu = X[n].mean()
        s = math.sqrt(((X[n] - mu) ** 2).mean() + eps)
        xh = (X[n] - mu) / s
        J = (I - 1.0 / D - np.outer(xh, xh) / D) / s          # J[i, j] = d xh_i / d x_j
        dx[n] = J.T @ (DY[n] * gamma)
        dg += DY[n] * xh
    return dx.reshape(x.shape), dg, DY.sum(0)


@entry("layer_norm_backward", "right: compact form (D*g - sum(g) - x_hat*sum(g*x_hat)) / (D*s)", kind="right")
def lnb_right_compact(dy, x, gamma, eps=1e-5):
    dy, x = np.asarray(dy, dtype=float), np.asarray(x, dtype=float)
    D = x.shape[-1]
    mu = np.mean(x, axis=-1, keepdims=True)
    s = np.sqrt(np.var(x, axis=-1, keepdims=True) + eps)
    xh = (x - mu) / s
    g = dy * gamma
    dx = (D * g - g.sum(-1, keepdims=True) - xh * (g * xh).sum(-1, keepdims=True)) / (D * s)
    axes = tuple(range(dy.ndim - 1))
    return dx, np.sum(dy * xh, axis=axes), np.sum(dy, axis=axes)


@entry("layer_norm_backward", "right: dgamma and dbeta with einsum over the tokens flattened to rows (N, D)", kind="right")
def lnb_right_einsum(dy, x, gamma, eps=1e-5):
    dy, x = np.asarray(dy, dtype=float), np.asarray(x, dtype=float)
    xc = x - x.mean(-1, keepdims=True)
    rstd = (np.mean(xc ** 2, -1, keepdims=True) + eps) ** -0.5
    xh = xc * rstd
    g = dy * gamma
    dx = rstd * (g - np.mean(g, -1, keepdims=True) - xh * np.mean(g * xh, -1, keepdims=True))
    D = dy.shape[-1]
    dgamma = np.einsum("nd,nd->d", dy.reshape(-1, D), xh.reshape(-1, D))
    dbeta = np.einsum("nd->d", dy.reshape(-1, D))
    return dx, dgamma, dbeta


# =========================================================================== lesson 10 · Q3 cross_entropy

@entry("cross_entropy", "numerically unstable: exponentiates the raw logits without subtracting the row max, so large logits overflow to inf/nan")
def ce_no_max_shift(logits, targets):
    logits = np.asarray(logits, dtype=float)
    n = logits.shape[0]
    e = np.exp(logits)
    p = e / e.sum(1, keepdims=True)
    loss = -np.mean(np.log(p[np.arange(n), targets]))
    d = p.copy()
    d[np.arange(n), targets] -= 1
    return float(loss), d / n


@entry("cross_entropy", "sums the loss over the rows instead of averaging (and the gradient is not divided by n)")
def ce_sum_not_mean(logits, targets):
    logits = np.asarray(logits, dtype=float)
    n = logits.shape[0]
    p = _softmax(logits, 1)
    logp = logits - logits.max(1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(1, keepdims=True))
    d = p.copy()
    d[np.arange(n), targets] -= 1
    return float(-logp[np.arange(n), targets].sum()), d


@entry("cross_entropy", "averages the loss but forgets to divide the gradient by n")
def ce_grad_not_divided(logits, targets):
    logits = np.asarray(logits, dtype=float)
    n = logits.shape[0]
    logp = logits - logits.max(1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(1, keepdims=True))
    d = np.exp(logp)
    d[np.arange(n), targets] -= 1
    return float(-logp[np.arange(n), targets].mean()), d


@entry("cross_entropy", "measures the loss in bits (log2) instead of nats")
def ce_log2_bits(logits, targets):
    logits = np.asarray(logits, dtype=float)
    n = logits.shape[0]
    logp = logits - logits.max(1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(1, keepdims=True))
    d = np.exp(logp)
    d[np.arange(n), targets] -= 1
    return float(-logp[np.arange(n), targets].mean() / np.log(2)), d / n


@entry("cross_entropy", "sign error in the gradient: one_hot - softmax instead of softmax - one_hot")
def ce_grad_sign(logits, targets):
    logits = np.asarray(logits, dtype=float)
    n = logits.shape[0]
    logp = logits - logits.max(1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(1, keepdims=True))
    d = np.exp(logp)
    d[np.arange(n), targets] -= 1
    return float(-logp[np.arange(n), targets].mean()), -d / n


@entry("cross_entropy", "takes np.log of a (stable) softmax instead of using log-sum-exp, so a target probability that underflows to 0 gives an infinite loss for large logit gaps")
def ce_log_of_softmax(logits, targets):
    logits = np.asarray(logits, dtype=float)
    n = logits.shape[0]
    p = _softmax(logits, 1)
    with np.errstate(divide="ignore"):
        loss = -np.mean(np.log(p[np.arange(n), targets]))
    d = p.copy()
    d[np.arange(n), targets] -= 1
    return float(loss), d / n


@entry("cross_entropy", "indexes the target probabilities with p[:, targets] (an n x n block) and averages all of it instead of picking one entry per row")
def ce_fancy_index_block(logits, targets):
    logits = np.asarray(logits, dtype=float)
    n = logits.shape[0]
    logp = logits - logits.max(1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(1, keepdims=True))
    d = np.exp(logp)
    d[np.arange(n), targets] -= 1
    return float(-logp[:, targets].mean()), d / n


@entry("cross_entropy", "takes the softmax over axis 0 (across rows) instead of over each row's vocabulary")
def ce_softmax_axis0(logits, targets):
    logits = np.asarray(logits, dtype=float)
    n = logits.shape[0]
    logp = logits - logits.max(0, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(0, keepdims=True))
    d = np.exp(logp)
    d[np.arange(n), targets] -= 1
    return float(-logp[np.arange(n), targets].mean()), d / n


@entry("cross_entropy", "subtracts one global max over the whole array instead of each row's max, so a row far below the global max underflows (log 0, inf/nan)")
def ce_global_max(logits, targets):
    logits = np.asarray(logits, dtype=float)
    n = logits.shape[0]
    e = np.exp(logits - logits.max())
    p = e / e.sum(1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        loss = -np.mean(np.log(p[np.arange(n), targets]))
    d = p.copy()
    d[np.arange(n), targets] -= 1
    return float(loss), d / n


@entry("cross_entropy", "shifts the logits in place (logits -= max), modifying the caller's array")
def ce_mutates_logits(logits, targets):
    n = logits.shape[0]
    logits -= logits.max(axis=1, keepdims=True)
    logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    d = np.exp(logp)
    d[np.arange(n), targets] -= 1
    return float(-logp[np.arange(n), targets].mean()), d / n


@entry("cross_entropy", "returns softmax/n as the gradient, forgetting to subtract the one-hot target")
def ce_grad_no_onehot(logits, targets):
    logits = np.asarray(logits, dtype=float)
    n = logits.shape[0]
    logp = logits - logits.max(1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(1, keepdims=True))
    return float(-logp[np.arange(n), targets].mean()), np.exp(logp) / n


@entry("cross_entropy", "returns the per-row losses (an array of shape (n,)) instead of their mean")
def ce_per_row_loss(logits, targets):
    logits = np.asarray(logits, dtype=float)
    n = logits.shape[0]
    logp = logits - logits.max(1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(1, keepdims=True))
    d = np.exp(logp)
    d[np.arange(n), targets] -= 1
    return -logp[np.arange(n), targets], d / n


@entry("cross_entropy", "subtracts the one-hot with d[:, targets] -= 1, which subtracts 1 from whole target columns in every row")
def ce_column_subtract(logits, targets):
    logits = np.asarray(logits, dtype=float)
    n = logits.shape[0]
    logp = logits - logits.max(1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(1, keepdims=True))
    d = np.exp(logp)
    d[:, targets] -= 1
    return float(-logp[np.arange(n), targets].mean()), d / n


@entry("cross_entropy", "divides the gradient by the vocabulary size V instead of the number of rows n")
def ce_grad_divided_by_V(logits, targets):
    logits = np.asarray(logits, dtype=float)
    n, V = logits.shape
    logp = logits - logits.max(1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(1, keepdims=True))
    d = np.exp(logp)
    d[np.arange(n), targets] -= 1
    return float(-logp[np.arange(n), targets].mean()), d / V


@entry("cross_entropy", "averages -one_hot*log p over all n*V entries (np.mean of the full matrix) instead of over the n rows")
def ce_mean_over_all_entries(logits, targets):
    logits = np.asarray(logits, dtype=float)
    n, V = logits.shape
    logp = logits - logits.max(1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(1, keepdims=True))
    onehot = np.eye(V)[targets]
    d = np.exp(logp) - onehot
    return float(np.mean(-onehot * logp)), d / n


@entry("cross_entropy", "computes a stable loss but the gradient from an unshifted softmax exp(logits)/sum, which overflows to nan for large logits")
def ce_stable_loss_unstable_grad(logits, targets):
    logits = np.asarray(logits, dtype=float)
    n = logits.shape[0]
    logp = logits - logits.max(1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(1, keepdims=True))
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(logits)
        d = e / e.sum(1, keepdims=True)
    d[np.arange(n), targets] -= 1
    return float(-logp[np.arange(n), targets].mean()), d / n


@entry("cross_entropy", "right: log-sum-exp with np.logaddexp.reduce along each row", kind="right")
def ce_right_logaddexp(logits, targets):
    logits = np.asarray(logits, dtype=float)
    n = logits.shape[0]
    lse = np.logaddexp.reduce(logits, axis=1)
    logp = logits - lse[:, None]
    d = np.exp(logp)
    d[np.arange(n), targets] -= 1.0
    return float(-logp[np.arange(n), targets].mean()), d / n


@entry("cross_entropy", "right: np.take_along_axis for the target log-probabilities and np.eye for the one-hot", kind="right")
def ce_right_take_along(logits, targets):
    logits = np.asarray(logits, dtype=float)
    targets = np.asarray(targets)
    n, V = logits.shape
    z = logits - logits.max(axis=-1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=-1, keepdims=True))
    picked = np.take_along_axis(logp, targets[:, None], axis=1)[:, 0]
    return float(-picked.mean()), (np.exp(logp) - np.eye(V)[targets]) / n


@entry("cross_entropy", "right: a Python loop over the rows, each with its own max shift", kind="right")
def ce_right_row_loop(logits, targets):
    logits = np.asarray(logits, dtype=float)
    n = logits.shape[0]
    total = 0.0
    grad = np.empty_like(logits)
    for r in range(n):
        z = logits[r] - logits[r].max()
        lse = math.log(np.exp(z).sum())
        total += lse - z[int(targets[r])]
        grad[r] = np.exp(z - lse)
        grad[r, int(targets[r])] -= 1.0
    return total / n, grad / n


@entry("cross_entropy", "right: loss as mean(logsumexp - target logit) with the max added back, gradient via a boolean one-hot mask", kind="right")
def ce_right_lse_minus_target(logits, targets):
    logits = np.asarray(logits, dtype=float)
    n, V = logits.shape
    m = logits.max(1)
    lse = m + np.log(np.exp(logits - m[:, None]).sum(1))
    loss = np.mean(lse - logits[np.arange(n), targets])
    mask = np.arange(V)[None, :] == np.asarray(targets)[:, None]
    grad = (np.exp(logits - lse[:, None]) - mask) / n
    return float(loss), grad


# =========================================================================== lesson 10 · Q4 gpt_block

def _block(x, P, n_heads, *, post_ln=False, resid=True, mask="causal", parallel=False, ln1_twice=False,
           act="gelu", scale="d", split="right", use_wo=True, softmax_axis=-1, ln2_on_input=False,
           bias_after_act=False):
    x = np.asarray(x, dtype=float)
    B, T, D = x.shape
    h = n_heads
    d = D // h

    def attn(a):
        q, k, v = a @ P["W_q"], a @ P["W_k"], a @ P["W_v"]
        if split == "right":
            sh = lambda t: t.reshape(B, T, h, d).transpose(0, 2, 1, 3)
        else:
            sh = lambda t: t.reshape(B, h, T, d)
        qh, kh, vh = sh(q), sh(k), sh(v)
        s = qh @ kh.transpose(0, 1, 3, 2)
        s = s / {"d": math.sqrt(d), "D": math.sqrt(D), "none": 1.0}[scale]
        allowed = np.tril(np.ones((T, T), dtype=bool))
        if mask == "causal":
            s = np.where(allowed, s, -np.inf)
        elif mask == "anti":
            s = np.where(np.triu(np.ones((T, T), dtype=bool)), s, -np.inf)
        elif mask == "zero":
            s = np.where(allowed, s, 0.0)
        w = _softmax(s, axis=softmax_axis)
        if mask == "after":
            w = w * allowed
        o = w @ vh
        if split == "right":
            o = o.transpose(0, 2, 1, 3).reshape(B, T, D)
        else:
            o = o.reshape(B, T, D)
        return o @ P["W_o"] if use_wo else o

    def mlp(m):
        u = m @ P["W_1"]
        if not bias_after_act:
            u = u + P["b_1"]
        if act == "gelu":
            a = _gelu(u)
        elif act == "relu":
            a = np.maximum(u, 0.0)
        elif act == "sigmoid":
            a = u / (1.0 + np.exp(-1.702 * u))
        elif act == "gelu_nocube":
            a = 0.5 * u * (1.0 + np.tanh(math.sqrt(2 / math.pi) * (u + 0.044715 * u)))
        if bias_after_act:
            a = a + P["b_1"]
        return a @ P["W_2"] + P["b_2"]

    ln1 = lambda t: _ln(t, P["ln1.g"], P["ln1.b"])
    ln2 = lambda t: _ln(t, P["ln1.g"], P["ln1.b"]) if ln1_twice else _ln(t, P["ln2.g"], P["ln2.b"])
    if parallel:
        return x + attn(ln1(x)) + mlp(ln2(x))
    if post_ln:
        x = ln1(x + attn(x))
        return ln2(x + mlp(x))
    x0 = x
    a = attn(ln1(x))
    x = x + a if resid else a
    m = mlp(ln2(x0 if ln2_on_input else x))
    return x + m if resid else m


@entry("gpt_block", "post-LN (original Transformer) order: x = LN1(x + Attn(x)), then LN2(x + MLP(x)), instead of pre-LN")
def blk_post_ln(x, params, n_heads):
    return _block(x, params, n_heads, post_ln=True)


@entry("gpt_block", "forgets both residual connections: returns MLP(LN2(Attn(LN1(x)))) instead of adding each sublayer to the stream")
def blk_no_residuals(x, params, n_heads):
    return _block(x, params, n_heads, resid=False)


@entry("gpt_block", "forgets the causal mask: every position attends to the future too")
def blk_not_causal(x, params, n_heads):
    return _block(x, params, n_heads, mask="none")


@entry("gpt_block", "parallel (GPT-J style) block: x + Attn(LN1(x)) + MLP(LN2(x)), the MLP reading the stream before the attention is added")
def blk_parallel(x, params, n_heads):
    return _block(x, params, n_heads, parallel=True)


@entry("gpt_block", "uses ln1's gain and shift for both LayerNorms (ignores ln2.g and ln2.b)")
def blk_ln1_twice(x, params, n_heads):
    return _block(x, params, n_heads, ln1_twice=True)


@entry("gpt_block", "uses ReLU instead of GELU's tanh form in the MLP")
def blk_relu(x, params, n_heads):
    return _block(x, params, n_heads, act="relu")


@entry("gpt_block", "uses the sigmoid approximation u*sigmoid(1.702u) instead of GELU's tanh form")
def blk_sigmoid_gelu(x, params, n_heads):
    return _block(x, params, n_heads, act="sigmoid")


@entry("gpt_block", "scales the scores by 1/sqrt(D), the model width, instead of 1/sqrt(d) with d = D/h")
def blk_scale_sqrt_D(x, params, n_heads):
    return _block(x, params, n_heads, scale="D")


@entry("gpt_block", "splits heads with a bare reshape (B, h, T, d) of the (B, T, D) projections, without the transpose, mixing positions and features across heads")
def blk_reshape_heads(x, params, n_heads):
    return _block(x, params, n_heads, split="reshape")


@entry("gpt_block", "forgets the output projection W_o after merging the heads")
def blk_no_W_o(x, params, n_heads):
    return _block(x, params, n_heads, use_wo=False)


@entry("gpt_block", "writes GELU with 0.044715*u instead of 0.044715*u^3 inside the tanh")
def blk_gelu_no_cube(x, params, n_heads):
    return _block(x, params, n_heads, act="gelu_nocube")


@entry("gpt_block", "builds the mask with np.triu instead of np.tril, so each position attends to itself and the FUTURE (anti-causal)")
def blk_anti_causal(x, params, n_heads):
    return _block(x, params, n_heads, mask="anti")


@entry("gpt_block", "takes the attention softmax over the queries axis (-2) instead of over the keys (-1)")
def blk_softmax_wrong_axis(x, params, n_heads):
    return _block(x, params, n_heads, softmax_axis=-2)


@entry("gpt_block", "feeds LN2 the block's input x instead of the stream after the attention residual (MLP(LN2(x_in)) added to x_in + Attn)")
def blk_ln2_on_input(x, params, n_heads):
    return _block(x, params, n_heads, ln2_on_input=True)


@entry("gpt_block", "adds b_1 after the GELU instead of before it: GELU(m W_1) + b_1")
def blk_bias_after_gelu(x, params, n_heads):
    return _block(x, params, n_heads, bias_after_act=True)


@entry("gpt_block", "masks the future scores with 0 instead of -inf, so future keys still get weight")
def blk_mask_with_zero(x, params, n_heads):
    return _block(x, params, n_heads, mask="zero")


@entry("gpt_block", "applies the causal mask after the softmax (zeroing future weights) without renormalising the rows")
def blk_mask_after_softmax(x, params, n_heads):
    return _block(x, params, n_heads, mask="after")


@entry("gpt_block", "forgets to scale the scores at all (no 1/sqrt(d))")
def blk_no_scaling(x, params, n_heads):
    return _block(x, params, n_heads, scale="none")


@entry("gpt_block", "right: all by hand with einsum and an additive -inf mask from np.triu", kind="right")
def blk_right_einsum(x, params, n_heads):
    x = np.asarray(x, dtype=float)
    B, T, D = x.shape
    h, d = n_heads, D // n_heads

    def ln(t, g, b):
        mu = t.mean(-1, keepdims=True)
        return (t - mu) / np.sqrt(((t - mu) ** 2).mean(-1, keepdims=True) + 1e-5) * g + b

    a = ln(x, params["ln1.g"], params["ln1.b"])
    q = (a @ params["W_q"]).reshape(B, T, h, d)
    k = (a @ params["W_k"]).reshape(B, T, h, d)
    v = (a @ params["W_v"]).reshape(B, T, h, d)
    s = np.einsum("bihd,bjhd->bhij", q, k) / math.sqrt(d)
    s = s + np.triu(np.full((T, T), -np.inf), k=1)
    s = s - s.max(-1, keepdims=True)
    w = np.exp(s)
    w /= w.sum(-1, keepdims=True)
    o = np.einsum("bhij,bjhd->bihd", w, v).reshape(B, T, D)
    x = x + o @ params["W_o"]
    m = ln(x, params["ln2.g"], params["ln2.b"])
    u = m @ params["W_1"] + params["b_1"]
    g = 0.5 * u * (1 + np.tanh(np.sqrt(2 / np.pi) * (u + 0.044715 * u ** 3)))
    return x + g @ params["W_2"] + params["b_2"]


@entry("gpt_block", "right: a Python loop over the heads using column blocks W_q[:, j*d:(j+1)*d], concatenating the head outputs", kind="right")
def blk_right_head_loop(x, params, n_heads):
    x = np.asarray(x, dtype=float)
    B, T, D = x.shape
    d = D // n_heads
    a = _ln(x, params["ln1.g"], params["ln1.b"])
    causal = np.tril(np.ones((T, T), dtype=bool))
    outs = []
    for j in range(n_heads):
        cols = slice(j * d, (j + 1) * d)
        q = a @ params["W_q"][:, cols]
        k = a @ params["W_k"][:, cols]
        v = a @ params["W_v"][:, cols]
        s = q @ np.swapaxes(k, -1, -2) / math.sqrt(d)
        s = np.where(causal, s, -np.inf)
        outs.append(_softmax(s, -1) @ v)
    x = x + np.concatenate(outs, axis=-1) @ params["W_o"]
    m = _ln(x, params["ln2.g"], params["ln2.b"])
    return x + _gelu(m @ params["W_1"] + params["b_1"]) @ params["W_2"] + params["b_2"]


@entry("gpt_block", "right: one sequence at a time and one query position at a time (attending only to keys 0..t), no mask needed", kind="right")
def blk_right_per_position(x, params, n_heads):
    x = np.asarray(x, dtype=float)
    B, T, D = x.shape
    d = D // n_heads
    out = np.empty_like(x)
    for b in range(B):
        xb = x[b]
        a = _ln(xb, params["ln1.g"], params["ln1.b"])
        Q = (a @ params["W_q"]).reshape(T, n_heads, d)
        K = (a @ params["W_k"]).reshape(T, n_heads, d)
        V = (a @ params["W_v"]).reshape(T, n_heads, d)
        heads = np.empty((T, n_heads, d))
        for t in range(T):
            for j in range(n_heads):
                sc = K[: t + 1, j] @ Q[t, j] / math.sqrt(d)
                w = np.exp(sc - sc.max())
                heads[t, j] = (w / w.sum()) @ V[: t + 1, j]
        xb = xb + heads.reshape(T, D) @ params["W_o"]
        m = _ln(xb, params["ln2.g"], params["ln2.b"])
        out[b] = xb + _gelu(m @ params["W_1"] + params["b_1"]) @ params["W_2"] + params["b_2"]
    return out


@entry("gpt_block", "right: fused QKV projection (np.concatenate of W_q, W_k, W_v) split with np.split, heads via reshape + swapaxes", kind="right")
def blk_right_fused_qkv(x, params, n_heads):
    x = np.asarray(x, dtype=float)
    B, T, D = x.shape
    d = D // n_heads
    a = _ln(x, params["ln1.g"], params["ln1.b"])
    W = np.concatenate([params["W_q"], params["W_k"], params["W_v"]], axis=1)
    q, k, v = np.split(a @ W, 3, axis=-1)
    hs = lambda t: np.swapaxes(t.reshape(B, T, n_heads, d), 1, 2)
    q, k, v = hs(q), hs(k), hs(v)
    s = q @ np.swapaxes(k, -1, -2) * d ** -0.5
    s[..., ~np.tril(np.ones((T, T), dtype=bool))] = -np.inf
    o = np.swapaxes(_softmax(s, -1) @ v, 1, 2).reshape(B, T, D)
    x = x + o @ params["W_o"]
    m = _ln(x, params["ln2.g"], params["ln2.b"])
    return x + _gelu(m @ params["W_1"] + params["b_1"]) @ params["W_2"] + params["b_2"]


# =========================================================================== lesson 10 · Q5 sample_next

def _probs(logits, temperature, top_k):
    s = np.asarray(logits, dtype=float) / temperature
    if top_k is not None and top_k < len(s):
        kth = np.sort(s)[-top_k]
        s = np.where(s >= kth, s, -np.inf)
    return _softmax(s)


def _finish(drawn, size):
    return int(drawn) if size is None else drawn


@entry("sample_next", "ignores the temperature (always samples from softmax(logits) unless greedy)")
def samp_ignores_temperature(logits, rng, temperature=1.0, top_k=None, size=None):
    logits = np.asarray(logits, dtype=float)
    if temperature == 0:
        b = int(np.argmax(logits))
        return b if size is None else np.full(size, b)
    p = _probs(logits, 1.0, top_k)
    return _finish(rng.choice(len(p), size=size, p=p), size)


@entry("sample_next", "multiplies the logits by the temperature instead of dividing")
def samp_multiplies_temperature(logits, rng, temperature=1.0, top_k=None, size=None):
    logits = np.asarray(logits, dtype=float)
    if temperature == 0:
        b = int(np.argmax(logits))
        return b if size is None else np.full(size, b)
    s = logits * temperature
    if top_k is not None and top_k < len(s):
        kth = np.sort(s)[-top_k]
        s = np.where(s >= kth, s, -np.inf)
    p = _softmax(s)
    return _finish(rng.choice(len(p), size=size, p=p), size)


@entry("sample_next", "keeps exactly top_k ids with np.argsort, dropping logits tied with the k-th largest")
def samp_topk_drops_ties(logits, rng, temperature=1.0, top_k=None, size=None):
    logits = np.asarray(logits, dtype=float)
    if temperature == 0:
        b = int(np.argmax(logits))
        return b if size is None else np.full(size, b)
    s = logits / temperature
    if top_k is not None:
        keep = np.argsort(s)[-top_k:]
        masked = np.full_like(s, -np.inf)
        masked[keep] = s[keep]
        s = masked
    p = _softmax(s)
    return _finish(rng.choice(len(p), size=size, p=p), size)


@entry("sample_next", "creates a fresh generator np.random.default_rng() instead of drawing with the rng it is given")
def samp_new_generator(logits, rng, temperature=1.0, top_k=None, size=None):
    logits = np.asarray(logits, dtype=float)
    if temperature == 0:
        b = int(np.argmax(logits))
        return b if size is None else np.full(size, b)
    p = _probs(logits, temperature, top_k)
    return _finish(np.random.default_rng().choice(len(p), size=size, p=p), size)


@entry("sample_next", "at temperature 0 still calls rng.choice on a one-hot distribution, returning the argmax but consuming random numbers (the contract says greedy draws nothing)")
def samp_greedy_still_draws(logits, rng, temperature=1.0, top_k=None, size=None):
    logits = np.asarray(logits, dtype=float)
    if temperature == 0:
        p = np.zeros(len(logits))
        p[int(np.argmax(logits))] = 1.0
    else:
        p = _probs(logits, temperature, top_k)
    return _finish(rng.choice(len(p), size=size, p=p), size)


@entry("sample_next", "has no greedy branch: divides by temperature 0 (inf/nan logits), so temperature 0 fails instead of returning the argmax")
def samp_no_greedy_branch(logits, rng, temperature=1.0, top_k=None, size=None):
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.asarray(logits, dtype=float) / temperature
        if top_k is not None and top_k < len(s):
            kth = np.sort(s)[-top_k]
            s = np.where(s >= kth, s, -np.inf)
        e = np.exp(s - np.max(s))
        p = e / e.sum()
    return _finish(rng.choice(len(p), size=size, p=p), size)


@entry("sample_next", "returns the greedy id as a float (float(np.argmax)) instead of an integer id")
def samp_greedy_float(logits, rng, temperature=1.0, top_k=None, size=None):
    logits = np.asarray(logits, dtype=float)
    if temperature == 0:
        b = float(np.argmax(logits))
        return b if size is None else np.ones(size) * b
    p = _probs(logits, temperature, top_k)
    return _finish(rng.choice(len(p), size=size, p=p), size)


@entry("sample_next", "at temperature 0 ignores size and returns a single id instead of size copies")
def samp_greedy_ignores_size(logits, rng, temperature=1.0, top_k=None, size=None):
    logits = np.asarray(logits, dtype=float)
    if temperature == 0:
        return int(np.argmax(logits))
    p = _probs(logits, temperature, top_k)
    return _finish(rng.choice(len(p), size=size, p=p), size)


@entry("sample_next", "top-k keeps the k SMALLEST logits (sorts ascending and takes the first k)")
def samp_topk_smallest(logits, rng, temperature=1.0, top_k=None, size=None):
    logits = np.asarray(logits, dtype=float)
    if temperature == 0:
        b = int(np.argmax(logits))
        return b if size is None else np.full(size, b)
    s = logits / temperature
    if top_k is not None and top_k < len(s):
        kth = np.sort(s)[top_k - 1]
        s = np.where(s <= kth, s, -np.inf)
    p = _softmax(s)
    return _finish(rng.choice(len(p), size=size, p=p), size)


@entry("sample_next", "numerically unstable softmax exp(logits/T)/sum without subtracting the max: overflows (nan probabilities) for large logits or a tiny temperature")
def samp_unstable_softmax(logits, rng, temperature=1.0, top_k=None, size=None):
    logits = np.asarray(logits, dtype=float)
    if temperature == 0:
        b = int(np.argmax(logits))
        return b if size is None else np.full(size, b)
    s = logits / temperature
    if top_k is not None and top_k < len(s):
        kth = np.sort(s)[-top_k]
        s = np.where(s >= kth, s, -np.inf)
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(s)
        p = e / e.sum()
    return _finish(rng.choice(len(p), size=size, p=p), size)


@entry("sample_next", "top-k sets the dropped logits to 0 instead of -inf, so dropped tokens keep probability")
def samp_topk_zero_not_neginf(logits, rng, temperature=1.0, top_k=None, size=None):
    logits = np.asarray(logits, dtype=float)
    if temperature == 0:
        b = int(np.argmax(logits))
        return b if size is None else np.full(size, b)
    s = logits / temperature
    if top_k is not None and top_k < len(s):
        kth = np.sort(s)[-top_k]
        s = np.where(s >= kth, s, 0.0)
    p = _softmax(s)
    return _finish(rng.choice(len(p), size=size, p=p), size)


@entry("sample_next", "top-k keeps logits strictly greater than the k-th largest (> instead of >=), so only k-1 tokens (or fewer with ties) survive")
def samp_topk_strict_greater(logits, rng, temperature=1.0, top_k=None, size=None):
    logits = np.asarray(logits, dtype=float)
    if temperature == 0:
        b = int(np.argmax(logits))
        return b if size is None else np.full(size, b)
    s = logits / temperature
    if top_k is not None and top_k < len(s):
        kth = np.sort(s)[-top_k]
        keep = s > kth
        if not keep.any():
            keep = s >= kth
        s = np.where(keep, s, -np.inf)
    p = _softmax(s)
    return _finish(rng.choice(len(p), size=size, p=p), size)


@entry("sample_next", "draws with rng.multinomial(1, probs).argmax() (or rng.random against the cdf one by one) instead of rng.choice, consuming the generator differently so the tokens differ")
def samp_multinomial(logits, rng, temperature=1.0, top_k=None, size=None):
    logits = np.asarray(logits, dtype=float)
    if temperature == 0:
        b = int(np.argmax(logits))
        return b if size is None else np.full(size, b)
    p = _probs(logits, temperature, top_k)
    if size is None:
        return int(rng.multinomial(1, p).argmax())
    return rng.multinomial(1, p, size=size).argmax(axis=-1)


@entry("sample_next", "with size=None returns a length-1 array (rng.choice(V, size=1, ...)) instead of a single int")
def samp_array_for_none(logits, rng, temperature=1.0, top_k=None, size=None):
    logits = np.asarray(logits, dtype=float)
    if temperature == 0:
        b = int(np.argmax(logits))
        return np.array([b]) if size is None else np.full(size, b)
    p = _probs(logits, temperature, top_k)
    return rng.choice(len(p), size=1 if size is None else size, p=p)


@entry("sample_next", "top-k zeroes the dropped probabilities after the softmax but does not renormalise, so rng.choice rejects p (it no longer sums to 1)")
def samp_topk_no_renormalise(logits, rng, temperature=1.0, top_k=None, size=None):
    logits = np.asarray(logits, dtype=float)
    if temperature == 0:
        b = int(np.argmax(logits))
        return b if size is None else np.full(size, b)
    p = _softmax(logits / temperature)
    if top_k is not None and top_k < len(p):
        kth = np.sort(p)[-top_k]
        p = np.where(p >= kth, p, 0.0)
    return _finish(rng.choice(len(p), size=size, p=p), size)


@entry("sample_next", "finds the k-th largest with np.sort(s)[-top_k] without a guard, so top_k larger than V raises IndexError (ambiguous: the notebook does not say whether top_k may exceed V)")
def samp_topk_larger_than_V_crashes(logits, rng, temperature=1.0, top_k=None, size=None):
    logits = np.asarray(logits, dtype=float)
    if temperature == 0:
        b = int(np.argmax(logits))
        return b if size is None else np.full(size, b)
    s = logits / temperature
    if top_k is not None:
        kth = np.sort(s)[-top_k]
        s = np.where(s >= kth, s, -np.inf)
    p = _softmax(s)
    return _finish(rng.choice(len(p), size=size, p=p), size)


@entry("sample_next", "draws twice when size is given: first one token with rng.choice, then again with size=n, so the returned draws are shifted by one random number")
def samp_draws_twice(logits, rng, temperature=1.0, top_k=None, size=None):
    logits = np.asarray(logits, dtype=float)
    if temperature == 0:
        b = int(np.argmax(logits))
        return b if size is None else np.full(size, b)
    p = _probs(logits, temperature, top_k)
    tok = int(rng.choice(len(p), p=p))
    if size is not None:
        return rng.choice(len(p), size=size, p=p)
    return tok


@entry("sample_next", "finds the k-th value with logits.sort() in place, which sorts the caller's logits (mutating them) and scrambles which id each probability belongs to")
def samp_sorts_in_place(logits, rng, temperature=1.0, top_k=None, size=None):
    if temperature == 0:
        b = int(np.argmax(logits))
        return b if size is None else np.full(size, b)
    if top_k is not None and top_k < len(logits):
        logits.sort()
        kth = logits[-top_k]
        s = np.where(logits >= kth, logits / temperature, -np.inf)
    else:
        s = np.asarray(logits, dtype=float) / temperature
    p = _softmax(s)
    return _finish(rng.choice(len(p), size=size, p=p), size)


@entry("sample_next", "returns the sampled ids as floats (astype(float) / float(...)) instead of integers")
def samp_returns_floats(logits, rng, temperature=1.0, top_k=None, size=None):
    logits = np.asarray(logits, dtype=float)
    if temperature == 0:
        b = int(np.argmax(logits))
        return float(b) if size is None else np.full(size, float(b))
    p = _probs(logits, temperature, top_k)
    drawn = rng.choice(len(p), size=size, p=p)
    return float(drawn) if size is None else drawn.astype(float)


@entry("sample_next", "right: size draws one at a time in a loop of rng.choice(V, p=probs) (same random stream as one call with size=n)", kind="right")
def samp_right_loop_draws(logits, rng, temperature=1.0, top_k=None, size=None):
    logits = np.asarray(logits, dtype=np.float64)
    V = logits.shape[0]
    if temperature == 0:
        best = int(np.argmax(logits))
        return best if size is None else np.full(size, best, dtype=int)
    p = _probs(logits, temperature, top_k)
    if size is None:
        return int(rng.choice(V, p=p))
    return np.array([rng.choice(V, p=p) for _ in range(size)], dtype=int)


@entry("sample_next", "right: applies top-k on the raw logits first and divides by the temperature afterwards (order does not matter for T > 0)", kind="right")
def samp_right_topk_first(logits, rng, temperature=1.0, top_k=None, size=None):
    logits = np.asarray(logits, dtype=np.float64)
    if temperature == 0:
        best = int(np.argmax(logits))
        return best if size is None else np.full(size, best)
    s = logits.copy()
    if top_k is not None and top_k < s.size:
        kth = np.partition(s, -top_k)[-top_k]
        s[s < kth] = -np.inf
    s = s / temperature
    s = s - s.max()
    p = np.exp(s)
    p /= p.sum()
    out = rng.choice(s.size, size=size, p=p)
    return int(out) if size is None else out


@entry("sample_next", "right: draws with rng.choice(np.arange(V), ...) (an array of ids instead of the integer V)", kind="right")
def samp_right_choice_arange(logits, rng, temperature=1.0, top_k=None, size=None):
    logits = np.asarray(logits, dtype=np.float64)
    ids = np.arange(logits.size)
    if temperature == 0:
        best = ids[np.argmax(logits)]
        return int(best) if size is None else np.repeat(best, size)
    p = _probs(logits, temperature, top_k)
    out = rng.choice(ids, size=size, p=p)
    return int(out) if size is None else out


@entry("sample_next", "right: top-k threshold with np.partition, tempering done in log space (log-softmax divided by T, then softmax again)", kind="right")
def samp_right_log_space(logits, rng, temperature=1.0, top_k=None, size=None):
    z = np.asarray(logits, dtype=np.float64)
    if temperature == 0:
        b = int(z.argmax())
        return b if size is None else np.full(size, b)
    logp = z - z.max() - np.log(np.exp(z - z.max()).sum())
    s = logp / temperature
    if top_k is not None and top_k < z.size:
        kth = np.partition(s, z.size - top_k)[z.size - top_k]
        s = np.where(s >= kth, s, -np.inf)
    s = s - s.max()
    p = np.exp(s) / np.exp(s).sum()
    out = rng.choice(z.size, size=size, p=p)
    return int(out) if size is None else out


EXPECTED = {
    'sin_cos_swapped': 'pe_sin_cos_swapped',
    'sin_half_split_layout': 'pe_sin_cos_concatenated',
    'sin_exponent_i_over_d': 'frequency_exponent_halved',
    'sin_per_column_frequency': 'pe_frequency_per_column',
    'sin_positions_from_one': 'positions_start_at_one',
    'sin_multiply_by_base_power': 'frequency_inverted',
    'sin_ignores_base': 'base_argument_ignored',
    'sin_log10_frequencies': 'pe_frequencies_wrong',
    'sin_transposed': 'transposed_result',
    'sin_integer_division_exponent': 'frequencies_all_one',
    'sin_linspace_exponent': 'pe_frequencies_wrong',
    'sin_precedence_bug': 'pe_frequencies_wrong',
    'sin_double_two_i': 'frequency_exponent_doubled',
    'sin_sine_everywhere': 'pe_sines_only',
    'rope_interleaved': 'rope_interleaved_pairs',
    'rope_sign_flipped': 'rope_rotated_backwards',
    'rope_ignores_positions': 'positions_argument_ignored',
    'rope_exponent_i_over_d': 'frequency_exponent_halved',
    'rope_repeat_interleave_table': None,
    'rope_2d_only_slicing': 'batch_not_handled',
    'rope_inplace_view_bug': 'mutates_input',
    'rope_mutates_input': 'mutates_input',
    'rope_positions_plus_one': None,
    'rope_ignores_base': 'base_argument_ignored',
    'rope_reshape_not_transpose': None,
    'rope_halves_swapped_in_output': 'operands_swapped',
    'rope_double_two_i': 'frequency_exponent_doubled',
    'rope_d_from_shape1': 'batch_not_handled',
    'rs_ignores_base': 'base_argument_ignored',
    'rs_arange_positions': 'positions_argument_ignored',
    'rs_no_scaling': 'no_sqrt_d_scaling',
    'rs_divides_by_d': 'scaled_by_d',
    'rs_only_queries_rotated': 'rope_query_only',
    'rs_keys_rotated_backwards': None,
    'rs_dot_T_batch_bug': 'transpose_all_axes',
    'rs_d_from_shape1': 'scaled_by_wrong_dimension',
    'rs_interleaved_pairs': 'rope_interleaved_pairs',
    'rs_transposed_scores': 'transposed_kq',
    'rs_returns_softmax': 'softmax_applied',
    'rs_sqrt_half_d': 'constant_factor',
    'rs_only_keys_rotated': 'rope_query_only',
    'alibi_geometric_for_all_h': 'alibi_slopes_power_of_two_rule',
    'alibi_first_not_every_other': 'alibi_extra_slopes_first_ones',
    'alibi_odd_indexed_extra': 'off_by_one',
    'alibi_round_up_power': 'alibi_slopes_rounded_up',
    'alibi_heads_from_zero': 'alibi_slopes_off_by_one',
    'alibi_positive_bias': 'alibi_sign_flipped',
    'alibi_top_left_alignment': 'causal_mask_top_left',
    'alibi_no_causal_abs': 'alibi_missing_causal_part',
    'alibi_future_zero': 'alibi_missing_causal_part',
    'alibi_diagonal_blocked': 'comparison_strict',
    'alibi_finite_big_negative': 'alibi_blocked_finite',
    'alibi_heads_last': 'axes_in_wrong_order',
    'alibi_extra_slopes_first': 'operands_swapped',
    'alibi_strictly_below_power': None,
    'alibi_reshape_not_transpose': None,
    'ln_eps_outside_sqrt': 'layer_norm_eps_outside_sqrt',
    'ln_no_eps': 'layer_norm_no_eps',
    'ln_unbiased_variance': 'layer_norm_unbiased_variance',
    'ln_axis0': 'layer_norm_wrong_axis',
    'ln_missing_keepdims': 'missing_keepdims',
    'ln_sqrt_of_std': None,
    'ln_gamma_beta_swapped': 'layer_norm_gamma_beta_swapped',
    'ln_global_statistics': 'layer_norm_wrong_axis',
    'ln_one_pass_variance': 'layer_norm_variance_cancels',
    'ln_mutates_input': 'mutates_input',
    'ln_affine_before_normalising': None,
    'ln_no_sqrt': 'layer_norm_divided_by_variance',
    'ln_axis1_hardcoded': 'fixed_ndim',
    'ln_no_affine': 'layer_norm_affine_missing',
    'ln_eps_hardcoded': 'argument_ignored',
    'lnb_missing_mean_term': 'layer_norm_backward_missing_mean_term',
    'lnb_missing_variance_term': 'layer_norm_backward_missing_variance_term',
    'lnb_forgets_gamma': 'layer_norm_backward_without_gamma',
    'lnb_constants_mu_s': 'layer_norm_backward_constant_stats',
    'lnb_sum_axis0_only': 'fixed_ndim',
    'lnb_dgamma_raw_x': 'name_confused',
    'lnb_no_eps': 'term_missing',
    'lnb_sums_not_means': 'wrong_reduction',
    'lnb_unbiased_variance': 'layer_norm_unbiased_variance',
    'lnb_dbeta_times_gamma': None,
    'lnb_sign_variance_term': None,
    'lnb_means_axis0': 'wrong_axis',
    'lnb_mean_over_tokens': 'wrong_reduction',
    'lnb_times_s': 'term_missing',
    'lnb_mutates_dy': 'mutates_input',
    'ce_no_max_shift': 'not_finite',
    'ce_sum_not_mean': 'ce_loss_summed',
    'ce_grad_not_divided': 'ce_grad_not_averaged',
    'ce_log2_bits': 'ce_in_bits',
    'ce_grad_sign': 'sign_flipped',
    'ce_log_of_softmax': 'ce_log_of_underflowed_softmax',
    'ce_fancy_index_block': 'ce_wrong_index',
    'ce_softmax_axis0': 'wrong_axis',
    'ce_global_max': 'not_finite',
    'ce_mutates_logits': 'mutates_input',
    'ce_grad_no_onehot': 'ce_grad_missing_onehot',
    'ce_per_row_loss': 'wrong_shape',
    'ce_column_subtract': 'ce_grad_wrong_index',
    'ce_grad_divided_by_V': 'constant_factor',
    'ce_mean_over_all_entries': 'constant_factor',
    'ce_stable_loss_unstable_grad': 'no_max_subtraction',
    'blk_post_ln': 'block_post_ln',
    'blk_no_residuals': 'block_missing_residual',
    'blk_not_causal': 'block_not_causal',
    'blk_parallel': 'block_mlp_reads_input',
    'blk_ln1_twice': 'block_layer_norms_swapped',
    'blk_relu': 'relu_instead_of_gelu',
    'blk_sigmoid_gelu': 'gelu_sigmoid_form',
    'blk_scale_sqrt_D': 'scaled_by_d_model',
    'blk_reshape_heads': None,
    'blk_no_W_o': 'forgot_w_o',
    'blk_gelu_no_cube': 'term_missing',
    'blk_anti_causal': 'block_not_causal',
    'blk_softmax_wrong_axis': 'softmax_wrong_axis',
    'blk_ln2_on_input': 'block_mlp_reads_input',
    'blk_bias_after_gelu': 'block_mlp_bias_misplaced',
    'blk_mask_with_zero': 'fill_value',
    'blk_mask_after_softmax': 'mask_after_softmax',
    'blk_no_scaling': 'no_sqrt_d_scaling',
    'samp_ignores_temperature': 'temperature_ignored',
    'samp_multiplies_temperature': 'temperature_multiplied',
    'samp_topk_drops_ties': 'topk_wrong_count',
    'samp_new_generator': 'sampling_ignores_rng',
    'samp_greedy_still_draws': 'sampling_rng_state',
    'samp_no_greedy_branch': 'temperature_zero_divides',
    'samp_greedy_float': 'sampling_ids_not_integers',
    'samp_greedy_ignores_size': 'sampling_size_ignored',
    'samp_topk_smallest': 'topk_smallest',
    'samp_unstable_softmax': 'raised',
    'samp_topk_zero_not_neginf': 'fill_value',
    'samp_topk_strict_greater': 'topk_wrong_count',
    'samp_multinomial': 'sampling_ignores_rng',
    'samp_array_for_none': 'extra_axis',
    'samp_topk_no_renormalise': 'topk_not_renormalised',
    'samp_topk_larger_than_V_crashes': None,
    'samp_draws_twice': 'sampling_draws_twice',
    'samp_sorts_in_place': 'mutates_input',
    'samp_returns_floats': 'sampling_ids_not_integers',
}

JUDGED = {
    'sin_cos_swapped': 'named',
    'sin_half_split_layout': 'named',
    'sin_exponent_i_over_d': 'named',
    'sin_per_column_frequency': 'named',
    'sin_positions_from_one': 'named',
    'sin_multiply_by_base_power': 'named',
    'sin_ignores_base': 'named',
    'sin_log10_frequencies': 'named after',
    'sin_transposed': 'named',
    'sin_integer_division_exponent': 'named after',
    'sin_linspace_exponent': 'named after',
    'sin_precedence_bug': 'named after',
    'sin_double_two_i': 'named',
    'sin_sine_everywhere': 'named',
    'rope_interleaved': 'named',
    'rope_sign_flipped': 'named',
    'rope_ignores_positions': 'named',
    'rope_exponent_i_over_d': 'named',
    'rope_repeat_interleave_table': 'misnamed',
    'rope_2d_only_slicing': 'named',
    'rope_inplace_view_bug': 'named',
    'rope_mutates_input': 'named',
    'rope_positions_plus_one': 'vague',
    'rope_ignores_base': 'named',
    'rope_reshape_not_transpose': 'vague',
    'rope_halves_swapped_in_output': 'named',
    'rope_double_two_i': 'named',
    'rope_d_from_shape1': 'named',
    'rs_ignores_base': 'named',
    'rs_arange_positions': 'named',
    'rs_no_scaling': 'named',
    'rs_divides_by_d': 'named',
    'rs_only_queries_rotated': 'named',
    'rs_keys_rotated_backwards': 'vague',
    'rs_dot_T_batch_bug': 'named after',
    'rs_d_from_shape1': 'named',
    'rs_interleaved_pairs': 'named',
    'rs_transposed_scores': 'named',
    'rs_returns_softmax': 'named',
    'rs_sqrt_half_d': 'named',
    'rs_only_keys_rotated': 'named',
    'alibi_geometric_for_all_h': 'named',
    'alibi_first_not_every_other': 'named',
    'alibi_odd_indexed_extra': 'named',
    'alibi_round_up_power': 'named',
    'alibi_heads_from_zero': 'named',
    'alibi_positive_bias': 'named',
    'alibi_top_left_alignment': 'named',
    'alibi_no_causal_abs': 'named',
    'alibi_future_zero': 'named',
    'alibi_diagonal_blocked': 'named',
    'alibi_finite_big_negative': 'named after',
    'alibi_heads_last': 'named',
    'alibi_extra_slopes_first': 'named',
    'alibi_strictly_below_power': 'vague',
    'alibi_reshape_not_transpose': 'misnamed',
    'ln_eps_outside_sqrt': 'named',
    'ln_no_eps': 'named',
    'ln_unbiased_variance': 'named',
    'ln_axis0': 'named',
    'ln_missing_keepdims': 'named',
    'ln_sqrt_of_std': 'vague',
    'ln_gamma_beta_swapped': 'named',
    'ln_global_statistics': 'named',
    'ln_one_pass_variance': 'named',
    'ln_mutates_input': 'named',
    'ln_affine_before_normalising': 'vague',
    'ln_no_sqrt': 'named',
    'ln_axis1_hardcoded': 'named',
    'ln_no_affine': 'named',
    'ln_eps_hardcoded': 'named after',
    'lnb_missing_mean_term': 'named',
    'lnb_missing_variance_term': 'named',
    'lnb_forgets_gamma': 'named',
    'lnb_constants_mu_s': 'named',
    'lnb_sum_axis0_only': 'named',
    'lnb_dgamma_raw_x': 'named',
    'lnb_no_eps': 'named',
    'lnb_sums_not_means': 'named',
    'lnb_unbiased_variance': 'named after',
    'lnb_dbeta_times_gamma': 'vague',
    'lnb_sign_variance_term': 'vague',
    'lnb_means_axis0': 'named',
    'lnb_mean_over_tokens': 'named',
    'lnb_times_s': 'named',
    'lnb_mutates_dy': 'named',
    'ce_no_max_shift': 'named',
    'ce_sum_not_mean': 'named',
    'ce_grad_not_divided': 'named',
    'ce_log2_bits': 'named',
    'ce_grad_sign': 'named',
    'ce_log_of_softmax': 'named',
    'ce_fancy_index_block': 'named',
    'ce_softmax_axis0': 'named',
    'ce_global_max': 'named',
    'ce_mutates_logits': 'named',
    'ce_grad_no_onehot': 'named',
    'ce_per_row_loss': 'named',
    'ce_column_subtract': 'named after',
    'ce_grad_divided_by_V': 'named',
    'ce_mean_over_all_entries': 'named',
    'ce_stable_loss_unstable_grad': 'named after',
    'blk_post_ln': 'named',
    'blk_no_residuals': 'named',
    'blk_not_causal': 'named',
    'blk_parallel': 'named after',
    'blk_ln1_twice': 'named after',
    'blk_relu': 'named',
    'blk_sigmoid_gelu': 'named after',
    'blk_scale_sqrt_D': 'named',
    'blk_reshape_heads': 'vague',
    'blk_no_W_o': 'named',
    'blk_gelu_no_cube': 'named',
    'blk_anti_causal': 'named',
    'blk_softmax_wrong_axis': 'named',
    'blk_ln2_on_input': 'named after',
    'blk_bias_after_gelu': 'named after',
    'blk_mask_with_zero': 'named',
    'blk_mask_after_softmax': 'named after',
    'blk_no_scaling': 'named',
    'samp_ignores_temperature': 'named',
    'samp_multiplies_temperature': 'named',
    'samp_topk_drops_ties': 'named',
    'samp_new_generator': 'named',
    'samp_greedy_still_draws': 'named',
    'samp_no_greedy_branch': 'named',
    'samp_greedy_float': 'named',
    'samp_greedy_ignores_size': 'named after',
    'samp_topk_smallest': 'named',
    'samp_unstable_softmax': 'named',
    'samp_topk_zero_not_neginf': 'named',
    'samp_topk_strict_greater': 'named',
    'samp_multinomial': 'named',
    'samp_array_for_none': 'named',
    'samp_topk_no_renormalise': 'named',
    'samp_topk_larger_than_V_crashes': 'accepted',
    'samp_draws_twice': 'named after',
    'samp_sorts_in_place': 'named',
    'samp_returns_floats': 'named',
}
