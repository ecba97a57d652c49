"""Blind bank for lessons 09-10 (the third), written from the exercise notebooks only by a tester who never saw the
checker, and measured once on main before anything was tuned for it.

142 answers: 115 wrong, 27 right. First measurement: no right answer rejected, no wrong one accepted; an independent
judge read each feedback beside the tester's description: 97 of the 115 wrong ones named (84.3 %), 13 vague, 5 named
another mistake. The vague ones were the catch-all "no known mistake explains" (RoPE's linspace exponents, queries
turned by −θ, ALiBi's slopes counted from 0, γ(x̂ + β), a sign and σ² in LayerNorm's backward), one message for every
ALiBi slope rule of a head count that is not a power of 2, a NaN message that missed 0 · (−∞), a loss summed told as a
factor of some size, a checklist for heads split without the transpose, and a name slip for top-k without the
temperature; the five others blamed a minus sign (a half rotated from the other's new values, the interleaved table
with halves), batch handling (consecutive positions assumed, positions swapped) and the global generator (draws over
reordered ids).

General fixes came after: RoPE's frequencies read off the rotation itself; a term subtracted written with a plus (a
new operator); `x * g + b` written `g * (x + b)`; a factor named by the sizes the teaching reference reads off its
inputs' shapes (n for a loss summed); draws from the generator's own numbers handed to the tokens in another order.
Then specific ideas: a half rotated from the other half's new values, the interleaved table with the half-split
rotation, positions assumed consecutive, the two position arrays swapped, one side turned backwards, ALiBi's slopes
counted from 0 in both lists, the extra heads' first slopes, h rounded up, the slopes sorted, 0 · (−∞), dx over σ²,
ε inside the log, the gradient's −1 taken off whole columns, the merge without its swap back, top-k without the
temperature. After them all 115 are named: the 18 new ones were re-read by the engineer who tuned them (not the judge) and are
marked "named after" in ``JUDGED``.

The tester marked right answers ``kind="right"``; here they are ``kind="correct"``, the kind
``test_banks.test_right_answers_pass_and_wrong_ones_do_not`` checks. ``EXPECTED`` holds, for each wrong answer, the
code whose feedback names the mistake, or None where it is vague, names another mistake or is accepted; ``JUDGED`` the
reading.
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

# Exercise ids: the notebooks call ex09.q1.check(sinusoidal_positions), ex09.q2.check(apply_rope),
# ex09.q3.check(rope_scores), ex09.q4.check(alibi_bias), ex10.q1.check(layer_norm),
# ex10.q2.check(layer_norm_backward), ex10.q3.check(cross_entropy), ex10.q4.check(gpt_block),
# ex10.q5.check(sample_next).  As in the brief's example ("softmax"), the id used here is the name of
# the function passed to check(...).


# =====================================================================================================
# Lesson 09 · Q1 · sinusoidal_positions(n, d, base=10000.0)
# =====================================================================================================

@entry("sinusoidal_positions", "puts the cosines in the even columns and the sines in the odd columns")
def sinpos_cos_sin_swapped(n, d, base=10000.0):
    pos = np.arange(n)[:, None]
    i = np.arange(d // 2)[None, :]
    angle = pos / base ** (2 * i / d)
    pe = np.zeros((n, d))
    pe[:, 0::2] = np.cos(angle)
    pe[:, 1::2] = np.sin(angle)
    return pe


@entry("sinusoidal_positions", "concatenates all the sines then all the cosines ([sin | cos]) instead of interleaving them")
def sinpos_concat_halves(n, d, base=10000.0):
    pos = np.arange(n, dtype=float)[:, None]
    freq = 1.0 / base ** (np.arange(0, d, 2) / d)
    ang = pos * freq
    return np.concatenate([np.sin(ang), np.cos(ang)], axis=-1)


@entry("sinusoidal_positions", "uses the exponent i/d instead of 2i/d, so the frequencies fall off too slowly")
def sinpos_exponent_i_over_d(n, d, base=10000.0):
    pe = np.zeros((n, d))
    for p in range(n):
        for i in range(d // 2):
            w = 1.0 / base ** (i / d)
            pe[p, 2 * i] = math.sin(p * w)
            pe[p, 2 * i + 1] = math.cos(p * w)
    return pe


@entry("sinusoidal_positions", "gives every column its own frequency base^(j/d) from the column index, so each cosine does not share its sine's frequency")
def sinpos_per_column_frequency(n, d, base=10000.0):
    pos = np.arange(n)[:, None]
    div = base ** (np.arange(d) / d)          # one divisor per column
    ang = pos / div[None, :]
    pe = np.empty((n, d))
    pe[:, 0::2] = np.sin(ang[:, 0::2])
    pe[:, 1::2] = np.cos(ang[:, 1::2])
    return pe


@entry("sinusoidal_positions", "hard-codes 10000 as the base and ignores the base argument")
def sinpos_hardcoded_base(n, d, base=10000.0):
    pos = np.arange(n)[:, None]
    i = np.arange(d // 2)
    ang = pos * np.exp(-2 * i * math.log(10000.0) / d)
    pe = np.zeros((n, d))
    pe[:, ::2] = np.sin(ang)
    pe[:, 1::2] = np.cos(ang)
    return pe


@entry("sinusoidal_positions", "numbers the positions 1..n instead of 0..n-1")
def sinpos_positions_from_one(n, d, base=10000.0):
    pos = np.arange(1, n + 1)[:, None]
    i = np.arange(d // 2)
    ang = pos / np.power(base, 2 * i / d)
    pe = np.zeros((n, d))
    pe[:, 0::2] = np.sin(ang)
    pe[:, 1::2] = np.cos(ang)
    return pe


@entry("sinusoidal_positions", "multiplies the position by base^(2i/d) instead of dividing by it")
def sinpos_multiplies_instead_of_divides(n, d, base=10000.0):
    pos = np.arange(n)[:, None]
    i = np.arange(d // 2)
    ang = pos * base ** (2 * i / d)
    pe = np.zeros((n, d))
    pe[:, 0::2] = np.sin(ang)
    pe[:, 1::2] = np.cos(ang)
    return pe


@entry("sinusoidal_positions", "takes i from arange(0, d, 2) (already the even column index) and then doubles it again, exponent 4i/d")
def sinpos_doubles_even_index(n, d, base=10000.0):
    i = np.arange(0, d, 2)
    div = base ** (2 * i / d)
    pos = np.arange(n).reshape(-1, 1)
    pe = np.zeros((n, d))
    pe[:, 0::2] = np.sin(pos / div)
    pe[:, 1::2] = np.cos(pos / div)
    return pe


@entry("sinusoidal_positions", "uses integer division 2*i//d in the exponent, so every pair gets frequency 1")
def sinpos_integer_division(n, d, base=10000.0):
    pe = np.zeros((n, d))
    for i in range(d // 2):
        freq = base ** (-(2 * i // d))
        pe[:, 2 * i] = np.sin(np.arange(n) * freq)
        pe[:, 2 * i + 1] = np.cos(np.arange(n) * freq)
    return pe


@entry("sinusoidal_positions", "builds the angle table as (d/2, n) with an outer product and reshapes it to (n, d/2) instead of transposing")
def sinpos_reshape_not_transpose(n, d, base=10000.0):
    freq = base ** (-np.arange(d // 2) * 2.0 / d)
    ang = np.outer(freq, np.arange(n)).reshape(n, d // 2)
    pe = np.zeros((n, d))
    pe[:, 0::2] = np.sin(ang)
    pe[:, 1::2] = np.cos(ang)
    return pe


@entry("sinusoidal_positions", "uses log10 of the base in the exp form (exp(-2i*log10(base)/d)) instead of the natural log")
def sinpos_log10(n, d, base=10000.0):
    div_term = np.exp(np.arange(0, d, 2) * (-math.log10(base) / d))
    position = np.arange(n)[:, None]
    pe = np.zeros((n, d))
    pe[:, 0::2] = np.sin(position * div_term)
    pe[:, 1::2] = np.cos(position * div_term)
    return pe


@entry("sinusoidal_positions", "returns the table transposed, shape (d, n)")
def sinpos_transposed(n, d, base=10000.0):
    i = np.arange(d // 2)[:, None]
    p = np.arange(n)[None, :]
    ang = p / base ** (2 * i / d)            # (d/2, n)
    pe = np.zeros((d, n))
    pe[0::2] = np.sin(ang)
    pe[1::2] = np.cos(ang)
    return pe


@entry("sinusoidal_positions", "torch-tutorial form: exp(arange(0, d, 2) * -ln(base)/d) for the frequencies", kind="correct")
def sinpos_right_torch_style(n, d, base=10000.0):
    position = np.arange(n, dtype=np.float64)[:, None]
    div_term = np.exp(np.arange(0, d, 2) * (-math.log(base) / d))
    pe = np.zeros((n, d))
    pe[:, 0::2] = np.sin(position * div_term)
    pe[:, 1::2] = np.cos(position * div_term)
    return pe


@entry("sinusoidal_positions", "stacks sin and cos on a new last axis and reshapes (n, d/2, 2) -> (n, d) to interleave", kind="correct")
def sinpos_right_stack_reshape(n, d, base=10000.0):
    ang = np.einsum("p,i->pi", np.arange(n, dtype=float), base ** (-np.arange(d // 2) / (d / 2)))
    return np.stack([np.sin(ang), np.cos(ang)], axis=-1).reshape(n, d)


@entry("sinusoidal_positions", "plain Python loops with math.sin/math.cos, built as nested lists", kind="correct")
def sinpos_right_loops(n, d, base=10000.0):
    rows = []
    for p in range(n):
        row = []
        for i in range(d // 2):
            a = p / (base ** (2 * i / d))
            row += [math.sin(a), math.cos(a)]
        rows.append(row)
    return np.array(rows, dtype=float).reshape(n, d)


# =====================================================================================================
# Lesson 09 · Q2 · apply_rope(x, positions, base=10000.0)   (half-split pairing)
# =====================================================================================================

@entry("apply_rope", "pairs neighbouring features (2i, 2i+1) as in the paper's interleaved form instead of the half-split (i, i+d/2)")
def rope_interleaved(x, positions, base=10000.0):
    d = x.shape[-1]
    theta = np.asarray(positions, float)[:, None] * base ** (-np.arange(d // 2) * 2 / d)
    c, s = np.cos(theta), np.sin(theta)
    x_even, x_odd = x[..., 0::2], x[..., 1::2]
    out = np.empty_like(x, dtype=float)
    out[..., 0::2] = x_even * c - x_odd * s
    out[..., 1::2] = x_even * s + x_odd * c
    return out


@entry("apply_rope", "rotates the wrong way (by -theta): plus sign on the first component, minus on the second")
def rope_wrong_direction(x, positions, base=10000.0):
    d = x.shape[-1]
    h = d // 2
    ang = np.outer(positions, 1.0 / base ** (np.arange(h) * 2.0 / d))
    x1, x2 = x[..., :h], x[..., h:]
    return np.concatenate([x1 * np.cos(ang) + x2 * np.sin(ang),
                           -x1 * np.sin(ang) + x2 * np.cos(ang)], axis=-1)


@entry("apply_rope", "ignores the positions argument and rotates row t by t (arange(T)), wrong after a KV cache offset")
def rope_ignores_positions(x, positions, base=10000.0):
    T, d = x.shape[-2], x.shape[-1]
    h = d // 2
    pos = np.arange(T)
    ang = pos[:, None] * base ** (-2 * np.arange(h) / d)
    cos, sin = np.cos(ang), np.sin(ang)
    x1, x2 = x[..., :h], x[..., h:]
    return np.concatenate([x1 * cos - x2 * sin, x1 * sin + x2 * cos], axis=-1)


@entry("apply_rope", "writes the first half back before computing the second half, so the second half uses the already-rotated x_i")
def rope_overwrites_first_half(x, positions, base=10000.0):
    out = np.array(x, dtype=float, copy=True)
    d = out.shape[-1]
    h = d // 2
    ang = np.asarray(positions)[:, None] * base ** (-2.0 * np.arange(h) / d)
    x1 = out[..., :h]          # view into out
    x2 = out[..., h:]          # view into out
    out[..., :h] = x1 * np.cos(ang) - x2 * np.sin(ang)
    out[..., h:] = x1 * np.sin(ang) + x2 * np.cos(ang)   # x1 has already changed
    return out


@entry("apply_rope", "rotates x in place and returns it, so the caller's array is modified")
def rope_in_place(x, positions, base=10000.0):
    d = x.shape[-1]
    h = d // 2
    ang = np.asarray(positions, dtype=float)[:, None] * base ** (-2.0 * np.arange(h) / d)
    x1 = x[..., :h].copy()
    x2 = x[..., h:].copy()
    x[..., :h] = x1 * np.cos(ang) - x2 * np.sin(ang)
    x[..., h:] = x1 * np.sin(ang) + x2 * np.cos(ang)
    return x


@entry("apply_rope", "hard-codes base 10000 and ignores the base argument")
def rope_hardcoded_base(x, positions, base=10000.0):
    d = x.shape[-1]
    h = d // 2
    inv_freq = 1.0 / (10000 ** (np.arange(0, d, 2) / d))
    ang = np.asarray(positions)[:, None] * inv_freq[None, :]
    x1, x2 = x[..., :h], x[..., h:]
    return np.concatenate([x1 * np.cos(ang) - x2 * np.sin(ang),
                           x1 * np.sin(ang) + x2 * np.cos(ang)], axis=-1)


@entry("apply_rope", "takes i from arange(0, d, 2) and then uses 2i/d again, so the exponent is 4i/d")
def rope_double_counted_exponent(x, positions, base=10000.0):
    d = x.shape[-1]
    h = d // 2
    i = np.arange(0, d, 2)
    omega = base ** (-2 * i / d)
    theta = np.asarray(positions)[:, None] * omega
    x1, x2 = x[..., :h], x[..., h:]
    return np.concatenate([x1 * np.cos(theta) - x2 * np.sin(theta),
                           x1 * np.sin(theta) + x2 * np.cos(theta)], axis=-1)


@entry("apply_rope", "spaces the exponents with linspace(0, 1, d/2), so the last pair gets base^-1 instead of base^(-(d-2)/d)")
def rope_linspace_freqs(x, positions, base=10000.0):
    d = x.shape[-1]
    h = d // 2
    omega = base ** -np.linspace(0, 1, h)
    theta = np.asarray(positions)[:, None] * omega
    c, s = np.cos(theta), np.sin(theta)
    a, b = x[..., :h], x[..., h:]
    return np.concatenate([a * c - b * s, a * s + b * c], axis=-1)


@entry("apply_rope", "slices x[:, :h] as if x were 2-D, so with leading batch axes it splits the wrong axis")
def rope_2d_only_slicing(x, positions, base=10000.0):
    d = x.shape[-1]
    h = d // 2
    ang = np.asarray(positions)[:, None] * base ** (-2 * np.arange(h) / d)
    x1, x2 = x[:, :h], x[:, h:]
    return np.concatenate([x1 * np.cos(ang) - x2 * np.sin(ang),
                           x1 * np.sin(ang) + x2 * np.cos(ang)], axis=-1)


@entry("apply_rope", "assumes the positions are consecutive and uses positions[0] + arange(T), wrong when positions skip")
def rope_consecutive_positions(x, positions, base=10000.0):
    T, d = x.shape[-2:]
    h = d // 2
    pos = positions[0] + np.arange(T)
    ang = pos[:, None] * base ** (-2 * np.arange(h) / d)
    x1, x2 = x[..., :h], x[..., h:]
    return np.concatenate([x1 * np.cos(ang) - x2 * np.sin(ang),
                           x1 * np.sin(ang) + x2 * np.cos(ang)], axis=-1)


@entry("apply_rope", "mixes conventions: repeats each frequency twice (interleaved cos/sin table) but rotates with the half-split rotate_half")
def rope_mixed_conventions(x, positions, base=10000.0):
    d = x.shape[-1]
    h = d // 2
    inv_freq = base ** (-np.arange(0, d, 2) / d)
    freqs = np.outer(positions, inv_freq)
    emb = np.repeat(freqs, 2, axis=-1)             # (T, d): f0 f0 f1 f1 ...
    rot = np.concatenate([-x[..., h:], x[..., :h]], axis=-1)
    return x * np.cos(emb) + rot * np.sin(emb)


@entry("apply_rope", "sign slip in the second component: x_{i+d/2} cos - x_i sin instead of x_i sin + x_{i+d/2} cos")
def rope_second_component_sign(x, positions, base=10000.0):
    d = x.shape[-1]
    h = d // 2
    th = np.asarray(positions, float)[:, None] * base ** (-2 * np.arange(h) / d)
    x1, x2 = x[..., :h], x[..., h:]
    y1 = x1 * np.cos(th) - x2 * np.sin(th)
    y2 = x2 * np.cos(th) - x1 * np.sin(th)
    return np.concatenate([y1, y2], axis=-1)


@entry("apply_rope", "Hugging Face form: x*cos + rotate_half(x)*sin with the frequency table concatenated to length d", kind="correct")
def rope_right_hf_rotate_half(x, positions, base=10000.0):
    d = x.shape[-1]
    inv_freq = 1.0 / (base ** (np.arange(0, d, 2, dtype=np.float64) / d))
    freqs = np.outer(np.asarray(positions, dtype=np.float64), inv_freq)
    emb = np.concatenate([freqs, freqs], axis=-1)
    x1, x2 = x[..., : d // 2], x[..., d // 2:]
    rotate_half = np.concatenate([-x2, x1], axis=-1)
    return x * np.cos(emb) + rotate_half * np.sin(emb)


@entry("apply_rope", "complex numbers: z = x_i + i x_{i+d/2} multiplied by exp(i theta)", kind="correct")
def rope_right_complex(x, positions, base=10000.0):
    d = x.shape[-1]
    h = d // 2
    theta = np.asarray(positions, float)[:, None] * np.power(base, -np.arange(h) / h)
    z = (x[..., :h] + 1j * x[..., h:]) * np.exp(1j * theta)
    return np.concatenate([z.real, z.imag], axis=-1)


@entry("apply_rope", "explicit 2x2 rotation matrices per (row, pair) applied with einsum", kind="correct")
def rope_right_einsum_matrices(x, positions, base=10000.0):
    d = x.shape[-1]
    h = d // 2
    th = np.asarray(positions, float)[:, None] * base ** (-(2.0 * np.arange(h)) / d)   # (T, h)
    R = np.stack([np.stack([np.cos(th), -np.sin(th)], -1),
                  np.stack([np.sin(th), np.cos(th)], -1)], -2)                          # (T, h, 2, 2)
    pairs = np.stack([x[..., :h], x[..., h:]], axis=-1)                                 # (..., T, h, 2)
    rot = np.einsum("thab,...thb->...tha", R, pairs)
    return np.concatenate([rot[..., 0], rot[..., 1]], axis=-1)


# =====================================================================================================
# Lesson 09 · Q3 · rope_scores(q, k, q_positions, k_positions, base=10000.0)
# =====================================================================================================
# The notebook allows reusing one's own apply_rope from Q2; a learner's (correct) Q2 answer:

def my_apply_rope(x, positions, base=10000.0):
    d = x.shape[-1]
    h = d // 2
    ang = np.asarray(positions, dtype=float)[:, None] * base ** (-2.0 * np.arange(h) / d)
    c, s = np.cos(ang), np.sin(ang)
    x1, x2 = x[..., :h], x[..., h:]
    return np.concatenate([x1 * c - x2 * s, x1 * s + x2 * c], axis=-1)


@entry("rope_scores", "forgets to divide the scores by sqrt(d)")
def rscores_no_scale(q, k, q_positions, k_positions, base=10000.0):
    qr = my_apply_rope(q, q_positions, base)
    kr = my_apply_rope(k, k_positions, base)
    return qr @ np.swapaxes(kr, -1, -2)


@entry("rope_scores", "divides the scores by d instead of sqrt(d)")
def rscores_divide_by_d(q, k, q_positions, k_positions, base=10000.0):
    d = q.shape[-1]
    qr = my_apply_rope(q, q_positions, base)
    kr = my_apply_rope(k, k_positions, base)
    return np.einsum("...qd,...kd->...qk", qr, kr) / d


@entry("rope_scores", "rotates the queries and the keys with the same positions 0..n-1 instead of their own q_positions/k_positions")
def rscores_arange_positions(q, k, q_positions, k_positions, base=10000.0):
    d = q.shape[-1]
    qr = my_apply_rope(q, np.arange(q.shape[-2]), base)
    kr = my_apply_rope(k, np.arange(k.shape[-2]), base)
    return qr @ np.swapaxes(kr, -1, -2) / np.sqrt(d)


@entry("rope_scores", "rotates only the queries and leaves the keys unrotated")
def rscores_only_q_rotated(q, k, q_positions, k_positions, base=10000.0):
    d = q.shape[-1]
    qr = my_apply_rope(q, q_positions, base)
    return qr @ np.swapaxes(k, -1, -2) / math.sqrt(d)


@entry("rope_scores", "computes k q^T, so the result is (n_k, n_q), the transpose of the scores")
def rscores_transposed(q, k, q_positions, k_positions, base=10000.0):
    d = q.shape[-1]
    qr = my_apply_rope(q, q_positions, base)
    kr = my_apply_rope(k, k_positions, base)
    return kr @ np.swapaxes(qr, -1, -2) / np.sqrt(d)


@entry("rope_scores", "swaps the two position arrays: rotates q by k_positions and k by q_positions")
def rscores_swapped_positions(q, k, q_positions, k_positions, base=10000.0):
    d = q.shape[-1]
    qr = my_apply_rope(q, k_positions, base)
    kr = my_apply_rope(k, q_positions, base)
    return qr @ np.swapaxes(kr, -1, -2) / np.sqrt(d)


@entry("rope_scores", "uses k.T for the transpose, which reverses every axis and breaks when there are batch/head axes")
def rscores_dot_T(q, k, q_positions, k_positions, base=10000.0):
    d = q.shape[-1]
    qr = my_apply_rope(q, q_positions, base)
    kr = my_apply_rope(k, k_positions, base)
    return np.matmul(qr, kr.T) / np.sqrt(d)


@entry("rope_scores", "scales by sqrt of the number of queries (shape[-2]) instead of sqrt(d)")
def rscores_sqrt_wrong_axis(q, k, q_positions, k_positions, base=10000.0):
    qr = my_apply_rope(q, q_positions, base)
    kr = my_apply_rope(k, k_positions, base)
    return qr @ np.swapaxes(kr, -1, -2) / np.sqrt(q.shape[-2])


@entry("rope_scores", "applies a softmax and returns attention weights instead of the scores")
def rscores_returns_softmax(q, k, q_positions, k_positions, base=10000.0):
    d = q.shape[-1]
    qr = my_apply_rope(q, q_positions, base)
    kr = my_apply_rope(k, k_positions, base)
    s = qr @ np.swapaxes(kr, -1, -2) / np.sqrt(d)
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@entry("rope_scores", "uses only the relative offset but rotates the queries alone by (q_position - first key position), leaving the keys unrotated")
def rscores_relative_on_q_only(q, k, q_positions, k_positions, base=10000.0):
    d = q.shape[-1]
    offset = np.asarray(q_positions) - np.min(k_positions)
    qr = my_apply_rope(q, offset, base)
    return qr @ np.swapaxes(k, -1, -2) / np.sqrt(d)


@entry("rope_scores", "rotates the queries by -theta (inverse rotation) while the keys get +theta")
def rscores_inverse_rotation_q(q, k, q_positions, k_positions, base=10000.0):
    d = q.shape[-1]
    qr = my_apply_rope(q, -np.asarray(q_positions, float), base)
    kr = my_apply_rope(k, k_positions, base)
    return qr @ np.swapaxes(kr, -1, -2) / np.sqrt(d)


@entry("rope_scores", "inline rotation with the interleaved (2i, 2i+1) pairing instead of the half-split used in Q2")
def rscores_inline_interleaved(q, k, q_positions, k_positions, base=10000.0):
    d = q.shape[-1]

    def rot(x, pos):
        th = np.asarray(pos, float)[:, None] * base ** (-np.arange(0, d, 2) / d)
        out = np.empty(x.shape)
        out[..., 0::2] = x[..., 0::2] * np.cos(th) - x[..., 1::2] * np.sin(th)
        out[..., 1::2] = x[..., 0::2] * np.sin(th) + x[..., 1::2] * np.cos(th)
        return out

    return rot(q, q_positions) @ np.swapaxes(rot(k, k_positions), -1, -2) / np.sqrt(d)


@entry("rope_scores", "subtracts the same offset from both position arrays before rotating (RoPE only sees m - n)", kind="correct")
def rscores_right_shifted_positions(q, k, q_positions, k_positions, base=10000.0):
    d = q.shape[-1]
    start = k_positions[0]
    qr = my_apply_rope(q, np.asarray(q_positions) - start, base)
    kr = my_apply_rope(k, np.asarray(k_positions) - start, base)
    return np.einsum("...id,...jd->...ij", qr, kr) / math.sqrt(d)


@entry("rope_scores", "complex form: Re(sum_i zq_i conj(zk_i) exp(i (m - n) w_i)) without rotating anything explicitly", kind="correct")
def rscores_right_complex_relative(q, k, q_positions, k_positions, base=10000.0):
    d = q.shape[-1]
    h = d // 2
    w = base ** (-2.0 * np.arange(h) / d)
    zq = q[..., :h] + 1j * q[..., h:]
    zk = k[..., :h] + 1j * k[..., h:]
    rel = np.asarray(q_positions, float)[:, None] - np.asarray(k_positions, float)[None, :]   # (nq, nk)
    phase = np.exp(1j * rel[..., None] * w)                                                  # (nq, nk, h)
    s = np.einsum("...qi,...ki,qki->...qk", zq, np.conj(zk), phase)
    return s.real / np.sqrt(d)


@entry("rope_scores", "rotates with its own inline cos/sin and folds the 1/sqrt(d) into the queries first", kind="correct")
def rscores_right_prescaled_q(q, k, q_positions, k_positions, base=10000.0):
    d = q.shape[-1]
    h = d // 2
    inv = 1.0 / base ** (np.arange(h) / h)

    def rot(x, p):
        a = np.multiply.outer(np.asarray(p, float), inv)
        return np.concatenate([x[..., :h] * np.cos(a) - x[..., h:] * np.sin(a),
                               x[..., h:] * np.cos(a) + x[..., :h] * np.sin(a)], axis=-1)

    qs = rot(q, q_positions) * (d ** -0.5)
    return np.matmul(qs, np.swapaxes(rot(k, k_positions), -2, -1))


# =====================================================================================================
# Lesson 09 · Q4 · alibi_bias(n_heads, n_q, n_k)
# =====================================================================================================

@entry("alibi_bias", "uses the geometric formula 2^(-8r/h) for every h, also when h is not a power of 2")
def alibi_geometric_any_h(n_heads, n_q, n_k):
    slopes = 2.0 ** (-8.0 * np.arange(1, n_heads + 1) / n_heads)
    qpos = n_k - n_q + np.arange(n_q)
    dist = qpos[:, None] - np.arange(n_k)[None, :]
    bias = -slopes[:, None, None] * dist[None]
    return np.where(dist[None] < 0, -np.inf, bias)


@entry("alibi_bias", "for non-power-of-2 h takes the first h-p slopes of 2p heads instead of every other one")
def alibi_extra_slopes_not_every_other(n_heads, n_q, n_k):
    def pow2(n):
        return [2.0 ** (-8.0 * r / n) for r in range(1, n + 1)]
    if math.log2(n_heads).is_integer():
        slopes = pow2(n_heads)
    else:
        p = 2 ** math.floor(math.log2(n_heads))
        slopes = pow2(p) + pow2(2 * p)[: n_heads - p]
    slopes = np.array(slopes)
    qpos = np.arange(n_k - n_q, n_k)
    dist = qpos[:, None] - np.arange(n_k)
    out = -slopes[:, None, None] * dist
    out[:, dist < 0] = -np.inf
    return out


@entry("alibi_bias", "for non-power-of-2 h takes the 2nd, 4th, ... slopes of 2p heads (which repeat the p-head slopes) instead of the 1st, 3rd, ...")
def alibi_every_other_wrong_start(n_heads, n_q, n_k):
    def pow2(n):
        start = 2 ** (-8 / n)
        return [start ** r for r in range(1, n + 1)]
    if n_heads & (n_heads - 1) == 0:
        slopes = pow2(n_heads)
    else:
        p = 1 << (n_heads.bit_length() - 1)
        slopes = pow2(p) + pow2(2 * p)[1::2][: n_heads - p]
    slopes = np.asarray(slopes)[:, None, None]
    i = np.arange(n_q)[:, None] + (n_k - n_q)
    j = np.arange(n_k)[None, :]
    return np.where(j > i, -np.inf, -slopes * (i - j))


@entry("alibi_bias", "counts heads from r = 0, so the first head gets slope 1 and the last 2^(-8(h-1)/h)")
def alibi_slopes_from_zero(n_heads, n_q, n_k):
    def pow2(n):
        return [2.0 ** (-8.0 * r / n) for r in range(n)]
    if math.log2(n_heads).is_integer():
        slopes = pow2(n_heads)
    else:
        p = 2 ** int(math.log2(n_heads))
        slopes = pow2(p) + pow2(2 * p)[0::2][: n_heads - p]
    m = np.array(slopes).reshape(-1, 1, 1)
    qpos = (n_k - n_q + np.arange(n_q)).reshape(-1, 1)
    kpos = np.arange(n_k).reshape(1, -1)
    rel = qpos - kpos
    return np.where(rel >= 0, -m * rel, -np.inf)


@entry("alibi_bias", "sign slip: the bias is +slope*distance, growing with distance instead of more negative")
def alibi_positive_bias(n_heads, n_q, n_k):
    def get_slopes(n):
        def p2(n):
            start = 2 ** (-(2 ** -(math.log2(n) - 3)))
            return [start * start ** i for i in range(n)]
        if math.log2(n).is_integer():
            return p2(n)
        c = 2 ** math.floor(math.log2(n))
        return p2(c) + get_slopes(2 * c)[0::2][: n - c]
    m = np.array(get_slopes(n_heads))
    qpos = np.arange(n_q) + n_k - n_q
    dist = qpos[:, None] - np.arange(n_k)[None, :]
    bias = m[:, None, None] * dist[None, :, :]
    bias[:, dist < 0] = -np.inf
    return bias


@entry("alibi_bias", "places query i at position i (forgets the n_k - n_q offset of the last n_q positions)")
def alibi_no_query_offset(n_heads, n_q, n_k):
    def slopes_of(n):
        return [2 ** (-8 * r / n) for r in range(1, n + 1)]
    if (n_heads & (n_heads - 1)) == 0:
        s = slopes_of(n_heads)
    else:
        p = 2 ** math.floor(math.log2(n_heads))
        s = slopes_of(p) + slopes_of(2 * p)[::2][: n_heads - p]
    s = np.array(s, dtype=float)
    i = np.arange(n_q)[:, None]
    j = np.arange(n_k)[None, :]
    bias = -s[:, None, None] * (i - j)
    bias[:, (j > i)] = -np.inf
    return bias


@entry("alibi_bias", "blocks the future with a large finite number -1e9 instead of -inf")
def alibi_minus_1e9(n_heads, n_q, n_k):
    def pow2(n):
        return [2.0 ** (-8.0 * r / n) for r in range(1, n + 1)]
    if math.log2(n_heads).is_integer():
        slopes = pow2(n_heads)
    else:
        p = 2 ** math.floor(math.log2(n_heads))
        slopes = pow2(p) + pow2(2 * p)[0::2][: n_heads - p]
    slopes = np.array(slopes)
    qpos = np.arange(n_k - n_q, n_k)
    dist = qpos[:, None] - np.arange(n_k)[None, :]
    bias = -slopes[:, None, None] * dist
    return np.where(dist < 0, -1e9, bias)


@entry("alibi_bias", "uses the absolute distance -m|i-j| everywhere and puts no -inf on the future keys")
def alibi_symmetric_no_mask(n_heads, n_q, n_k):
    def pow2(n):
        return [2.0 ** (-8.0 * r / n) for r in range(1, n + 1)]
    if math.log2(n_heads).is_integer():
        slopes = pow2(n_heads)
    else:
        p = 2 ** math.floor(math.log2(n_heads))
        slopes = pow2(p) + pow2(2 * p)[0::2][: n_heads - p]
    qpos = np.arange(n_k - n_q, n_k)
    dist = np.abs(qpos[:, None] - np.arange(n_k)[None, :])
    return -np.array(slopes)[:, None, None] * dist


@entry("alibi_bias", "leaves the future keys at 0 (thinks the causal mask is applied elsewhere) instead of -inf")
def alibi_future_zero(n_heads, n_q, n_k):
    def pow2(n):
        return [2.0 ** (-8.0 * r / n) for r in range(1, n + 1)]
    if math.log2(n_heads).is_integer():
        slopes = pow2(n_heads)
    else:
        p = 2 ** math.floor(math.log2(n_heads))
        slopes = pow2(p) + pow2(2 * p)[0::2][: n_heads - p]
    qpos = np.arange(n_k - n_q, n_k)
    dist = np.maximum(qpos[:, None] - np.arange(n_k)[None, :], 0)
    return -np.array(slopes)[:, None, None] * dist


@entry("alibi_bias", "off by one in the causal part: also blocks the query's own key (j >= query position)")
def alibi_blocks_own_key(n_heads, n_q, n_k):
    def pow2(n):
        return [2.0 ** (-8.0 * r / n) for r in range(1, n + 1)]
    if math.log2(n_heads).is_integer():
        slopes = pow2(n_heads)
    else:
        p = 2 ** math.floor(math.log2(n_heads))
        slopes = pow2(p) + pow2(2 * p)[0::2][: n_heads - p]
    qpos = np.arange(n_k - n_q, n_k)
    dist = qpos[:, None] - np.arange(n_k)[None, :]
    bias = -np.array(slopes)[:, None, None] * dist
    bias[:, dist <= 0] = -np.inf
    return bias


@entry("alibi_bias", "offsets the distance correctly but builds the causal mask with np.triu(k=1) from the unshifted query index i, blocking too many keys when n_q < n_k")
def alibi_mask_without_offset(n_heads, n_q, n_k):
    def pow2(n):
        return [2.0 ** (-8.0 * r / n) for r in range(1, n + 1)]
    if math.log2(n_heads).is_integer():
        slopes = pow2(n_heads)
    else:
        p = 2 ** math.floor(math.log2(n_heads))
        slopes = pow2(p) + pow2(2 * p)[0::2][: n_heads - p]
    qpos = np.arange(n_k - n_q, n_k)
    dist = qpos[:, None] - np.arange(n_k)[None, :]
    bias = -np.array(slopes)[:, None, None] * dist
    future = np.triu(np.ones((n_q, n_k), dtype=bool), k=1)
    bias[:, future] = -np.inf
    return bias


@entry("alibi_bias", "adds the mask as (0/1 matrix) * -inf, so 0 * -inf gives NaN on every allowed key")
def alibi_nan_from_zero_times_inf(n_heads, n_q, n_k):
    def pow2(n):
        return [2.0 ** (-8.0 * r / n) for r in range(1, n + 1)]
    if math.log2(n_heads).is_integer():
        slopes = pow2(n_heads)
    else:
        p = 2 ** math.floor(math.log2(n_heads))
        slopes = pow2(p) + pow2(2 * p)[0::2][: n_heads - p]
    qpos = np.arange(n_k - n_q, n_k)
    dist = qpos[:, None] - np.arange(n_k)[None, :]
    future = (dist < 0).astype(float)
    with np.errstate(invalid="ignore"):
        return -np.array(slopes)[:, None, None] * np.maximum(dist, 0) + future * -np.inf


@entry("alibi_bias", "returns the heads on the last axis, shape (n_q, n_k, h)")
def alibi_heads_last(n_heads, n_q, n_k):
    def pow2(n):
        return [2.0 ** (-8.0 * r / n) for r in range(1, n + 1)]
    if math.log2(n_heads).is_integer():
        slopes = pow2(n_heads)
    else:
        p = 2 ** math.floor(math.log2(n_heads))
        slopes = pow2(p) + pow2(2 * p)[0::2][: n_heads - p]
    qpos = np.arange(n_k - n_q, n_k)
    dist = (qpos[:, None] - np.arange(n_k)[None, :]).astype(float)
    bias = -dist[:, :, None] * np.array(slopes)[None, None, :]
    bias[dist < 0] = -np.inf
    return bias


@entry("alibi_bias", "rounds h up to the next power of 2 and keeps the first h slopes of that many heads")
def alibi_round_up_power(n_heads, n_q, n_k):
    p = 2 ** math.ceil(math.log2(n_heads))
    slopes = np.array([2.0 ** (-8.0 * r / p) for r in range(1, p + 1)])[:n_heads]
    qpos = np.arange(n_k - n_q, n_k)
    dist = qpos[:, None] - np.arange(n_k)[None, :]
    bias = -slopes[:, None, None] * dist
    return np.where(dist < 0, -np.inf, bias)


@entry("alibi_bias", "sorts the slopes in decreasing order for non-power-of-2 h, so the extra heads are not last as in the authors' code")
def alibi_sorted_slopes(n_heads, n_q, n_k):
    def pow2(n):
        return [2.0 ** (-8.0 * r / n) for r in range(1, n + 1)]
    if math.log2(n_heads).is_integer():
        slopes = pow2(n_heads)
    else:
        p = 2 ** math.floor(math.log2(n_heads))
        slopes = sorted(pow2(p) + pow2(2 * p)[0::2][: n_heads - p], reverse=True)
    qpos = np.arange(n_k - n_q, n_k)
    dist = qpos[:, None] - np.arange(n_k)[None, :]
    bias = -np.array(slopes)[:, None, None] * dist
    return np.where(dist < 0, -np.inf, bias)


@entry("alibi_bias", "closed form for the extra slopes: 2^(-4(2k-1)/p) for k = 1..h-p, appended after the p base slopes", kind="correct")
def alibi_right_closed_form(n_heads, n_q, n_k):
    p = 1 << (n_heads.bit_length() - 1)          # largest power of 2 <= h
    base = 2.0 ** (-8.0 * np.arange(1, p + 1) / p)
    extra = 2.0 ** (-4.0 * (2 * np.arange(1, n_heads - p + 1) - 1) / p)
    slopes = np.concatenate([base, extra])
    i = np.arange(n_q)[:, None] + (n_k - n_q)
    j = np.arange(n_k)[None, :]
    dist = (i - j).astype(float)
    dist[dist < 0] = np.inf
    return -slopes[:, None, None] * dist[None]


@entry("alibi_bias", "explicit triple loop over heads, queries and keys with the authors' recursive get_slopes", kind="correct")
def alibi_right_loops(n_heads, n_q, n_k):
    def get_slopes(n):
        def pow2(n):
            start = 2 ** (-(2 ** -(math.log2(n) - 3)))
            return [start * start ** i for i in range(n)]
        if math.log2(n).is_integer():
            return pow2(n)
        c = 2 ** math.floor(math.log2(n))
        return pow2(c) + get_slopes(2 * c)[0::2][: n - c]
    slopes = get_slopes(n_heads)
    out = np.empty((n_heads, n_q, n_k))
    for r in range(n_heads):
        for i in range(n_q):
            qp = n_k - n_q + i
            for j in range(n_k):
                out[r, i, j] = -slopes[r] * (qp - j) if j <= qp else -np.inf
    return out


@entry("alibi_bias", "distance matrix from np.subtract.outer and the mask from np.tril with offset n_k - n_q", kind="correct")
def alibi_right_tril_offset(n_heads, n_q, n_k):
    p = 2 ** int(math.floor(math.log2(n_heads)))
    s = [2 ** (-8 * (r + 1) / p) for r in range(p)]
    s += [2 ** (-8 * (r + 1) / (2 * p)) for r in range(0, 2 * p, 2)][: n_heads - p]
    dist = np.subtract.outer(np.arange(n_k - n_q, n_k), np.arange(n_k))
    allowed = np.tril(np.ones((n_q, n_k), dtype=bool), k=n_k - n_q)
    bias = np.einsum("h,qk->hqk", -np.array(s, dtype=np.float64), dist.astype(np.float64))
    bias[:, ~allowed] = -np.inf
    return bias


# =====================================================================================================
# Lesson 10 · Q1 · layer_norm(x, gamma, beta, eps=1e-5)
# =====================================================================================================

@entry("layer_norm", "uses the sample variance (ddof=1, dividing by D-1) instead of dividing by D")
def ln_ddof1(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, ddof=1, keepdims=True)
    return gamma * (x - mu) / np.sqrt(var + eps) + beta


@entry("layer_norm", "adds eps to the standard deviation outside the square root: (x - mu)/(std + eps)")
def ln_eps_outside_sqrt(x, gamma, beta, eps=1e-5):
    mu = np.mean(x, axis=-1, keepdims=True)
    std = np.std(x, axis=-1, keepdims=True)
    return gamma * (x - mu) / (std + eps) + beta


@entry("layer_norm", "normalises over axis 0 (across tokens, like BatchNorm) instead of each token's features")
def ln_wrong_axis(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=0, keepdims=True)
    var = x.var(axis=0, keepdims=True)
    return gamma * (x - mu) / np.sqrt(var + eps) + beta


@entry("layer_norm", "takes the mean and variance without keepdims, so they broadcast along the wrong axis (or fail) for 2-D input")
def ln_no_keepdims(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=-1)
    var = x.var(axis=-1)
    return gamma * (x - mu) / np.sqrt(var + eps) + beta


@entry("layer_norm", "swaps gamma and beta: multiplies by beta and adds gamma")
def ln_gamma_beta_swapped(x, gamma, beta, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    xc = x - mu
    var = (xc ** 2).mean(-1, keepdims=True)
    return beta * xc / np.sqrt(var + eps) + gamma


@entry("layer_norm", "leaves eps out altogether")
def ln_no_eps(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=-1, keepdims=True)
    sigma = x.std(axis=-1, keepdims=True)
    return gamma * ((x - mu) / sigma) + beta


@entry("layer_norm", "divides by the variance plus eps, forgetting the square root")
def ln_no_sqrt(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    return gamma * (x - mu) / (var + eps) + beta


@entry("layer_norm", "centres x in place with x -= mean, which changes the caller's array")
def ln_in_place(x, gamma, beta, eps=1e-5):
    x -= x.mean(axis=-1, keepdims=True)
    var = (x * x).mean(axis=-1, keepdims=True)
    x /= np.sqrt(var + eps)
    return gamma * x + beta


@entry("layer_norm", "uses one mean and variance over the whole array instead of per token")
def ln_global_stats(x, gamma, beta, eps=1e-5):
    mu = x.mean()
    var = x.var()
    return gamma * (x - mu) / np.sqrt(var + eps) + beta


@entry("layer_norm", "adds beta before scaling by gamma: gamma * (xhat + beta)")
def ln_beta_inside(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    xhat = (x - mu) / np.sqrt(var + eps)
    return gamma * (xhat + beta)


@entry("layer_norm", "uses the mean of squares (RMSNorm's statistic) as the variance, without centring it")
def ln_mean_square_variance(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=-1, keepdims=True)
    ms = (x ** 2).mean(axis=-1, keepdims=True)
    return gamma * (x - mu) / np.sqrt(ms + eps) + beta


@entry("layer_norm", "writes RMSNorm: divides by the root mean square and never subtracts the mean")
def ln_rmsnorm(x, gamma, beta, eps=1e-5):
    rms = np.sqrt(np.mean(np.square(x), axis=-1, keepdims=True) + eps)
    return x / rms * gamma + beta


@entry("layer_norm", "manual sums with keepdims and multiplication by the reciprocal square root", kind="correct")
def ln_right_manual_sums(x, gamma, beta, eps=1e-5):
    D = x.shape[-1]
    mu = np.sum(x, axis=-1, keepdims=True) / D
    xc = x - mu
    var = np.einsum("...d,...d->...", xc, xc)[..., None] / D
    inv = 1.0 / np.sqrt(var + eps)
    return xc * inv * gamma + beta


@entry("layer_norm", "flattens to (tokens, D), loops over the tokens, then reshapes back", kind="correct")
def ln_right_row_loop(x, gamma, beta, eps=1e-5):
    x2 = np.asarray(x, dtype=float).reshape(-1, x.shape[-1])
    out = np.empty_like(x2)
    for t, row in enumerate(x2):
        m = row.mean()
        v = ((row - m) ** 2).mean()
        out[t] = gamma * (row - m) / math.sqrt(v + eps) + beta
    return out.reshape(x.shape)


@entry("layer_norm", "variance from np.std squared, and gamma/beta applied with np.multiply/np.add", kind="correct")
def ln_right_std_squared(x, gamma, beta, eps=1e-5):
    mean = np.mean(x, axis=-1)[..., np.newaxis]
    std = np.std(x, axis=-1)[..., np.newaxis]
    return np.add(np.multiply((x - mean) / np.sqrt(std ** 2 + eps), gamma), beta)


# =====================================================================================================
# Lesson 10 · Q2 · layer_norm_backward(dy, x, gamma, eps=1e-5) -> (dx, dgamma, dbeta)
# =====================================================================================================

@entry("layer_norm_backward", "sums dgamma and dbeta over axis 0 only, so with batch and time axes they keep a T axis")
def lnb_sum_axis0(dy, x, gamma, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    s = np.sqrt(x.var(-1, keepdims=True) + eps)
    xhat = (x - mu) / s
    g = dy * gamma
    dx = (g - g.mean(-1, keepdims=True) - xhat * (g * xhat).mean(-1, keepdims=True)) / s
    return dx, (dy * xhat).sum(axis=0), dy.sum(axis=0)


@entry("layer_norm_backward", "drops the xhat * mean(g * xhat) term (forgets that the variance depends on x)")
def lnb_missing_variance_term(dy, x, gamma, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    s = np.sqrt(x.var(-1, keepdims=True) + eps)
    xhat = (x - mu) / s
    g = dy * gamma
    dx = (g - g.mean(-1, keepdims=True)) / s
    lead = tuple(range(x.ndim - 1))
    return dx, (dy * xhat).sum(axis=lead), dy.sum(axis=lead)


@entry("layer_norm_backward", "drops the mean(g) term (forgets that the mean depends on x)")
def lnb_missing_mean_term(dy, x, gamma, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    s = np.sqrt(x.var(-1, keepdims=True) + eps)
    xhat = (x - mu) / s
    g = dy * gamma
    dx = (g - xhat * (g * xhat).mean(-1, keepdims=True)) / s
    lead = tuple(range(x.ndim - 1))
    return dx, (dy * xhat).sum(axis=lead), dy.sum(axis=lead)


@entry("layer_norm_backward", "uses dy instead of g = dy * gamma in dx (forgets to push the gradient through gamma)")
def lnb_forgets_gamma(dy, x, gamma, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    s = np.sqrt(x.var(-1, keepdims=True) + eps)
    xhat = (x - mu) / s
    dx = (dy - dy.mean(-1, keepdims=True) - xhat * (dy * xhat).mean(-1, keepdims=True)) / s
    D = x.shape[-1]
    return dx, (dy * xhat).reshape(-1, D).sum(0), dy.reshape(-1, D).sum(0)


@entry("layer_norm_backward", "computes dgamma as sum(dy * x) with the raw input instead of the normalised xhat")
def lnb_dgamma_raw_x(dy, x, gamma, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    s = np.sqrt(x.var(-1, keepdims=True) + eps)
    xhat = (x - mu) / s
    g = dy * gamma
    dx = (g - g.mean(-1, keepdims=True) - xhat * (g * xhat).mean(-1, keepdims=True)) / s
    D = x.shape[-1]
    return dx, (dy * x).reshape(-1, D).sum(0), dy.reshape(-1, D).sum(0)


@entry("layer_norm_backward", "flips the sign of the last term: + xhat * mean(g * xhat)")
def lnb_sign_last_term(dy, x, gamma, eps=1e-5):
    D = x.shape[-1]
    mu = x.mean(-1, keepdims=True)
    s = np.sqrt(((x - mu) ** 2).mean(-1, keepdims=True) + eps)
    xhat = (x - mu) / s
    g = dy * gamma
    dx = (g - g.mean(-1, keepdims=True) + xhat * (g * xhat).mean(-1, keepdims=True)) / s
    return dx, np.sum((dy * xhat).reshape(-1, D), axis=0), np.sum(dy.reshape(-1, D), axis=0)


@entry("layer_norm_backward", "returns dbeta and dgamma in swapped places: (dx, dbeta, dgamma)")
def lnb_swapped_outputs(dy, x, gamma, eps=1e-5):
    D = x.shape[-1]
    mu = x.mean(-1, keepdims=True)
    s = np.sqrt(x.var(-1, keepdims=True) + eps)
    xhat = (x - mu) / s
    g = dy * gamma
    dx = (g - g.mean(-1, keepdims=True) - xhat * (g * xhat).mean(-1, keepdims=True)) / s
    dgamma = (dy * xhat).reshape(-1, D).sum(0)
    dbeta = dy.reshape(-1, D).sum(0)
    return dx, dbeta, dgamma


@entry("layer_norm_backward", "divides by s squared (the variance plus eps) instead of by s")
def lnb_divides_by_variance(dy, x, gamma, eps=1e-5):
    D = x.shape[-1]
    mu = x.mean(-1, keepdims=True)
    var = x.var(-1, keepdims=True)
    xhat = (x - mu) / np.sqrt(var + eps)
    g = dy * gamma
    dx = (g - g.mean(-1, keepdims=True) - xhat * (g * xhat).mean(-1, keepdims=True)) / (var + eps)
    return dx, (dy * xhat).reshape(-1, D).sum(0), dy.reshape(-1, D).sum(0)


@entry("layer_norm_backward", "uses sums over the features instead of means in the dx formula (forgets the 1/D)")
def lnb_sum_instead_of_mean(dy, x, gamma, eps=1e-5):
    D = x.shape[-1]
    mu = x.mean(-1, keepdims=True)
    s = np.sqrt(x.var(-1, keepdims=True) + eps)
    xhat = (x - mu) / s
    g = dy * gamma
    dx = (g - g.sum(-1, keepdims=True) - xhat * (g * xhat).sum(-1, keepdims=True)) / s
    return dx, (dy * xhat).reshape(-1, D).sum(0), dy.reshape(-1, D).sum(0)


@entry("layer_norm_backward", "averages dgamma and dbeta over the tokens instead of summing them")
def lnb_mean_over_tokens(dy, x, gamma, eps=1e-5):
    D = x.shape[-1]
    mu = x.mean(-1, keepdims=True)
    s = np.sqrt(x.var(-1, keepdims=True) + eps)
    xhat = (x - mu) / s
    g = dy * gamma
    dx = (g - g.mean(-1, keepdims=True) - xhat * (g * xhat).mean(-1, keepdims=True)) / s
    return dx, (dy * xhat).reshape(-1, D).mean(0), dy.reshape(-1, D).mean(0)


@entry("layer_norm_backward", "leaves eps out of s in the backward pass")
def lnb_no_eps(dy, x, gamma, eps=1e-5):
    D = x.shape[-1]
    mu = x.mean(-1, keepdims=True)
    s = x.std(-1, keepdims=True)
    xhat = (x - mu) / s
    g = dy * gamma
    dx = (g - g.mean(-1, keepdims=True) - xhat * (g * xhat).mean(-1, keepdims=True)) / s
    return dx, (dy * xhat).reshape(-1, D).sum(0), dy.reshape(-1, D).sum(0)


@entry("layer_norm_backward", "uses the sample variance (ddof=1) for s, as np.var(..., ddof=1)")
def lnb_ddof1(dy, x, gamma, eps=1e-5):
    D = x.shape[-1]
    mu = x.mean(-1, keepdims=True)
    s = np.sqrt(x.var(-1, ddof=1, keepdims=True) + eps)
    xhat = (x - mu) / s
    g = dy * gamma
    dx = (g - g.mean(-1, keepdims=True) - xhat * (g * xhat).mean(-1, keepdims=True)) / s
    return dx, (dy * xhat).reshape(-1, D).sum(0), dy.reshape(-1, D).sum(0)


@entry("layer_norm_backward", "multiplies by s instead of dividing by it")
def lnb_times_s(dy, x, gamma, eps=1e-5):
    D = x.shape[-1]
    mu = x.mean(-1, keepdims=True)
    s = np.sqrt(x.var(-1, keepdims=True) + eps)
    xhat = (x - mu) / s
    g = dy * gamma
    dx = s * (g - g.mean(-1, keepdims=True) - xhat * (g * xhat).mean(-1, keepdims=True))
    return dx, (dy * xhat).reshape(-1, D).sum(0), dy.reshape(-1, D).sum(0)


@entry("layer_norm_backward", "staged chain rule through the graph (dxhat -> dvar -> dmu -> dx), cs231n style", kind="correct")
def lnb_right_staged(dy, x, gamma, eps=1e-5):
    D = x.shape[-1]
    mu = np.mean(x, axis=-1, keepdims=True)
    xmu = x - mu
    var = np.mean(xmu ** 2, axis=-1, keepdims=True)
    ivar = 1.0 / np.sqrt(var + eps)
    xhat = xmu * ivar
    dxhat = dy * gamma
    dvar = np.sum(dxhat * xmu, axis=-1, keepdims=True) * -0.5 * (var + eps) ** -1.5
    dmu = -np.sum(dxhat * ivar, axis=-1, keepdims=True) + dvar * np.mean(-2.0 * xmu, axis=-1, keepdims=True)
    dx = dxhat * ivar + dvar * 2.0 * xmu / D + dmu / D
    lead = tuple(range(x.ndim - 1))
    return dx, np.sum(dy * xhat, axis=lead), np.sum(dy, axis=lead)


@entry("layer_norm_backward", "compact form (D*g - sum(g) - xhat*sum(g*xhat)) / (D*s) on a (tokens, D) reshape", kind="correct")
def lnb_right_compact(dy, x, gamma, eps=1e-5):
    shape = x.shape
    D = shape[-1]
    X = x.reshape(-1, D)
    DY = dy.reshape(-1, D)
    mu = X.mean(axis=1, keepdims=True)
    s = np.sqrt(((X - mu) ** 2).sum(axis=1, keepdims=True) / D + eps)
    xhat = (X - mu) / s
    g = DY * gamma
    dX = (D * g - g.sum(axis=1, keepdims=True) - xhat * (g * xhat).sum(axis=1, keepdims=True)) / (D * s)
    return dX.reshape(shape), np.einsum("nd,nd->d", DY, xhat), DY.sum(axis=0)


@entry("layer_norm_backward", "explicit Jacobian per token: dx_t = J_t^T g_t with J = (I - 1/D - xhat xhat^T / D)/s", kind="correct")
def lnb_right_jacobian(dy, x, gamma, eps=1e-5):
    D = x.shape[-1]
    X = x.reshape(-1, D)
    G = (dy * gamma).reshape(-1, D)
    dX = np.empty_like(X, dtype=float)
    dgamma = np.zeros(D)
    for t in range(X.shape[0]):
        m = X[t].mean()
        s = math.sqrt(((X[t] - m) ** 2).mean() + eps)
        xh = (X[t] - m) / s
        J = (np.eye(D) - 1.0 / D - np.outer(xh, xh) / D) / s
        dX[t] = J.T @ G[t]
        dgamma += dy.reshape(-1, D)[t] * xh
    return dX.reshape(x.shape), dgamma, dy.reshape(-1, D).sum(axis=0)


# =====================================================================================================
# Lesson 10 · Q3 · cross_entropy(logits, targets) -> (loss, d_logits)
# =====================================================================================================

@entry("cross_entropy", "returns the gradient of the summed loss: forgets to divide d_logits by n")
def ce_grad_not_divided(logits, targets):
    n = logits.shape[0]
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    loss = -logp[np.arange(n), targets].mean()
    d = np.exp(logp)
    d[np.arange(n), targets] -= 1
    return loss, d


@entry("cross_entropy", "sums the loss over the rows instead of taking the mean (and the gradient to match)")
def ce_sum_loss(logits, targets):
    n = logits.shape[0]
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    loss = -np.sum(np.log(p[np.arange(n), targets]))
    d = p.copy()
    d[np.arange(n), targets] -= 1
    return loss, d


@entry("cross_entropy", "does not subtract the row maximum, so exp overflows for large logits")
def ce_no_max_shift(logits, targets):
    n = logits.shape[0]
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(logits)
        p = e / e.sum(axis=1, keepdims=True)
        loss = -np.mean(np.log(p[np.arange(n), targets]))
    d = p.copy()
    d[np.arange(n), targets] -= 1
    return loss, d / n


@entry("cross_entropy", "uses log base 2 (bits) instead of the natural log (nats)")
def ce_log2(logits, targets):
    n = logits.shape[0]
    z = logits - logits.max(axis=-1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=-1, keepdims=True)
    loss = -np.mean(np.log2(p[np.arange(n), targets]))
    d = p.copy()
    d[np.arange(n), targets] -= 1
    return loss, d / n


@entry("cross_entropy", "sign slip in the gradient: one_hot - p instead of p - one_hot")
def ce_grad_sign(logits, targets):
    n, V = logits.shape
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    onehot = np.eye(V)[targets]
    loss = -np.mean(np.sum(onehot * np.log(p), axis=1))
    return loss, (onehot - p) / n


@entry("cross_entropy", "indexes with p[:, targets], which picks an (n, n) block instead of one entry per row")
def ce_fancy_index_block(logits, targets):
    n = logits.shape[0]
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(p[:, targets]))
    d = p.copy()
    d[np.arange(n), targets] -= 1
    return loss, d / n


@entry("cross_entropy", "subtracts 1 with d[:, targets] -= 1, hitting every row in each target column")
def ce_grad_column_subtract(logits, targets):
    n = logits.shape[0]
    z = logits - logits.max(axis=1, keepdims=True)
    lse = np.log(np.exp(z).sum(axis=1))
    loss = np.mean(lse - z[np.arange(n), targets])
    d = np.exp(z - lse[:, None])
    d[:, targets] -= 1
    return loss, d / n


@entry("cross_entropy", "shifts the probabilities correctly but takes np.log of the softmax, so a target with underflowed probability gives an infinite loss")
def ce_log_of_underflowed_prob(logits, targets):
    n = logits.shape[0]
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.sum(np.exp(z), axis=1, keepdims=True)
    with np.errstate(divide="ignore"):
        loss = -np.mean(np.log(p[np.arange(n), targets]))
    g = p.copy()
    g[np.arange(n), targets] -= 1.0
    return loss, g / n


@entry("cross_entropy", "takes the softmax over axis 0 (down the positions) instead of over the vocabulary")
def ce_softmax_axis0(logits, targets):
    n = logits.shape[0]
    z = logits - logits.max(axis=0, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=0, keepdims=True)
    loss = -np.log(p[np.arange(n), targets]).mean()
    d = p.copy()
    d[np.arange(n), targets] -= 1
    return loss, d / n


@entry("cross_entropy", "shifts by the global maximum of the whole array instead of each row's maximum, so a row far below it underflows")
def ce_global_max_shift(logits, targets):
    n = logits.shape[0]
    z = logits - logits.max()
    e = np.exp(z)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = e / e.sum(axis=1, keepdims=True)
        loss = -np.mean(np.log(p[np.arange(n), targets]))
    d = p.copy()
    d[np.arange(n), targets] -= 1
    return loss, d / n


@entry("cross_entropy", "adds 1e-9 inside the log 'for safety', which caps the loss for very wrong confident predictions")
def ce_eps_in_log(logits, targets):
    n = logits.shape[0]
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(p[np.arange(n), targets] + 1e-9))
    d = p.copy()
    d[np.arange(n), targets] -= 1
    return loss, d / n


@entry("cross_entropy", "takes np.mean of one_hot * log p over the whole (n, V) array, dividing by n*V instead of n")
def ce_mean_over_all_entries(logits, targets):
    n, V = logits.shape
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    onehot = np.zeros((n, V))
    onehot[np.arange(n), targets] = 1
    loss = -np.mean(onehot * logp)
    return loss, (np.exp(logp) - onehot) / n


@entry("cross_entropy", "returns the gradient as softmax only, forgetting to subtract the one-hot target")
def ce_grad_no_onehot(logits, targets):
    n = logits.shape[0]
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    loss = -logp[np.arange(n), targets].mean()
    return loss, np.exp(logp) / n


@entry("cross_entropy", "log-sum-exp with np.logaddexp.reduce; loss = mean(lse - target logit)", kind="correct")
def ce_right_logaddexp(logits, targets):
    n = logits.shape[0]
    lse = np.logaddexp.reduce(logits, axis=1)
    loss = float(np.mean(lse - logits[np.arange(n), targets]))
    grad = np.exp(logits - lse[:, None])
    np.add.at(grad, (np.arange(n), targets), -1.0)
    return loss, grad / n


@entry("cross_entropy", "per-row Python loop with a stable log-sum-exp", kind="correct")
def ce_right_loop(logits, targets):
    n, V = logits.shape
    total = 0.0
    grad = np.zeros((n, V))
    for r in range(n):
        row = logits[r]
        m = row.max()
        lse = m + math.log(np.sum(np.exp(row - m)))
        total += lse - row[targets[r]]
        grad[r] = np.exp(row - lse)
        grad[r, targets[r]] -= 1.0
    return total / n, grad / n


@entry("cross_entropy", "one-hot rows from np.eye(V)[targets]; loss = -sum(onehot * log_softmax) / n", kind="correct")
def ce_right_onehot_eye(logits, targets):
    n, V = logits.shape
    Y = np.eye(V)[targets]
    shifted = logits - np.max(logits, axis=-1, keepdims=True)
    log_sm = shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
    loss = -np.sum(Y * log_sm) / n
    return loss, (np.exp(log_sm) - Y) / n


# =====================================================================================================
# Lesson 10 · Q4 · gpt_block(x, params, n_heads)
# =====================================================================================================
# The notebook invites reusing one's own Q1 layer_norm; a learner's (correct) Q1 answer and helpers:

def my_layer_norm(x, gamma, beta, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    var = x.var(-1, keepdims=True)
    return gamma * (x - mu) / np.sqrt(var + eps) + beta


def my_gelu(u):
    return 0.5 * u * (1 + np.tanh(np.sqrt(2 / np.pi) * (u + 0.044715 * u ** 3)))


def my_softmax(s, axis=-1):
    e = np.exp(s - s.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _split(t, h):
    B, T, D = t.shape
    return t.reshape(B, T, h, D // h).transpose(0, 2, 1, 3)


def _merge(t):
    B, h, T, d = t.shape
    return t.transpose(0, 2, 1, 3).reshape(B, T, h * d)


@entry("gpt_block", "writes a post-LN block: x = LN(x + Attention(x)) instead of x + Attention(LN(x))")
def gpt_post_ln(x, params, n_heads):
    B, T, D = x.shape
    d = D // n_heads
    q, k, v = (_split(x @ params[w], n_heads) for w in ("W_q", "W_k", "W_v"))
    s = q @ k.transpose(0, 1, 3, 2) / np.sqrt(d)
    s = np.where(np.triu(np.ones((T, T), bool), 1), -np.inf, s)
    a = _merge(my_softmax(s) @ v) @ params["W_o"]
    x = my_layer_norm(x + a, params["ln1.g"], params["ln1.b"])
    m = my_gelu(x @ params["W_1"] + params["b_1"]) @ params["W_2"] + params["b_2"]
    return my_layer_norm(x + m, params["ln2.g"], params["ln2.b"])


@entry("gpt_block", "forgets the causal mask: every position attends to future positions too")
def gpt_no_causal_mask(x, params, n_heads):
    B, T, D = x.shape
    d = D // n_heads
    h = my_layer_norm(x, params["ln1.g"], params["ln1.b"])
    q, k, v = _split(h @ params["W_q"], n_heads), _split(h @ params["W_k"], n_heads), _split(h @ params["W_v"], n_heads)
    w = my_softmax(q @ np.swapaxes(k, -1, -2) / np.sqrt(d))
    x = x + _merge(w @ v) @ params["W_o"]
    h2 = my_layer_norm(x, params["ln2.g"], params["ln2.b"])
    return x + my_gelu(h2 @ params["W_1"] + params["b_1"]) @ params["W_2"] + params["b_2"]


@entry("gpt_block", "scales the scores by sqrt(D) of the whole model instead of sqrt(d) of one head")
def gpt_scale_sqrt_D(x, params, n_heads):
    B, T, D = x.shape
    h = my_layer_norm(x, params["ln1.g"], params["ln1.b"])
    q, k, v = _split(h @ params["W_q"], n_heads), _split(h @ params["W_k"], n_heads), _split(h @ params["W_v"], n_heads)
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(D)
    s = s + np.triu(np.full((T, T), -np.inf), 1)
    x = x + _merge(my_softmax(s) @ v) @ params["W_o"]
    h2 = my_layer_norm(x, params["ln2.g"], params["ln2.b"])
    return x + my_gelu(h2 @ params["W_1"] + params["b_1"]) @ params["W_2"] + params["b_2"]


@entry("gpt_block", "splits heads by reshaping (B, T, D) straight to (B, h, T, d) without the transpose")
def gpt_split_without_transpose(x, params, n_heads):
    B, T, D = x.shape
    d = D // n_heads
    h = my_layer_norm(x, params["ln1.g"], params["ln1.b"])
    q = (h @ params["W_q"]).reshape(B, n_heads, T, d)
    k = (h @ params["W_k"]).reshape(B, n_heads, T, d)
    v = (h @ params["W_v"]).reshape(B, n_heads, T, d)
    s = q @ k.transpose(0, 1, 3, 2) / math.sqrt(d)
    mask = np.tril(np.ones((T, T))) == 0
    s[..., mask] = -np.inf
    o = (my_softmax(s) @ v).reshape(B, T, D)
    x = x + o @ params["W_o"]
    h2 = my_layer_norm(x, params["ln2.g"], params["ln2.b"])
    return x + my_gelu(h2 @ params["W_1"] + params["b_1"]) @ params["W_2"] + params["b_2"]


@entry("gpt_block", "splits heads correctly but merges them back with a plain reshape, without transposing (B, h, T, d) back to (B, T, h, d)")
def gpt_merge_without_transpose(x, params, n_heads):
    B, T, D = x.shape
    d = D // n_heads
    h = my_layer_norm(x, params["ln1.g"], params["ln1.b"])
    q, k, v = (_split(h @ params[n], n_heads) for n in ("W_q", "W_k", "W_v"))
    s = np.einsum("bhqd,bhkd->bhqk", q, k) / np.sqrt(d)
    s = np.where(np.tril(np.ones((T, T), dtype=bool)), s, -np.inf)
    o = (my_softmax(s) @ v).reshape(B, T, D)
    x = x + o @ params["W_o"]
    h2 = my_layer_norm(x, params["ln2.g"], params["ln2.b"])
    return x + my_gelu(h2 @ params["W_1"] + params["b_1"]) @ params["W_2"] + params["b_2"]


@entry("gpt_block", "uses the exact erf GELU instead of the tanh form the notebook asks for")
def gpt_exact_gelu(x, params, n_heads):
    B, T, D = x.shape
    d = D // n_heads
    h = my_layer_norm(x, params["ln1.g"], params["ln1.b"])
    q, k, v = (_split(h @ params[n], n_heads) for n in ("W_q", "W_k", "W_v"))
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)
    s = np.where(np.tril(np.ones((T, T), dtype=bool)), s, -np.inf)
    x = x + _merge(my_softmax(s) @ v) @ params["W_o"]
    h2 = my_layer_norm(x, params["ln2.g"], params["ln2.b"])
    u = h2 @ params["W_1"] + params["b_1"]
    erf = np.vectorize(math.erf)
    g = 0.5 * u * (1.0 + erf(u / math.sqrt(2.0)))
    return x + g @ params["W_2"] + params["b_2"]


@entry("gpt_block", "uses ReLU in the MLP instead of GELU")
def gpt_relu(x, params, n_heads):
    B, T, D = x.shape
    d = D // n_heads
    h = my_layer_norm(x, params["ln1.g"], params["ln1.b"])
    q, k, v = (_split(h @ params[n], n_heads) for n in ("W_q", "W_k", "W_v"))
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)
    s = np.where(np.tril(np.ones((T, T), dtype=bool)), s, -np.inf)
    x = x + _merge(my_softmax(s) @ v) @ params["W_o"]
    h2 = my_layer_norm(x, params["ln2.g"], params["ln2.b"])
    return x + np.maximum(0, h2 @ params["W_1"] + params["b_1"]) @ params["W_2"] + params["b_2"]


@entry("gpt_block", "forgets the residual connection around the MLP: x = MLP(LN2(x))")
def gpt_no_mlp_residual(x, params, n_heads):
    B, T, D = x.shape
    d = D // n_heads
    h = my_layer_norm(x, params["ln1.g"], params["ln1.b"])
    q, k, v = (_split(h @ params[n], n_heads) for n in ("W_q", "W_k", "W_v"))
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)
    s = np.where(np.tril(np.ones((T, T), dtype=bool)), s, -np.inf)
    x = x + _merge(my_softmax(s) @ v) @ params["W_o"]
    h2 = my_layer_norm(x, params["ln2.g"], params["ln2.b"])
    x = my_gelu(h2 @ params["W_1"] + params["b_1"]) @ params["W_2"] + params["b_2"]
    return x


@entry("gpt_block", "feeds LN2 the block's input x instead of the stream after the attention update (parallel branches)")
def gpt_parallel_branches(x, params, n_heads):
    B, T, D = x.shape
    d = D // n_heads
    h = my_layer_norm(x, params["ln1.g"], params["ln1.b"])
    q, k, v = (_split(h @ params[n], n_heads) for n in ("W_q", "W_k", "W_v"))
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)
    s = np.where(np.tril(np.ones((T, T), dtype=bool)), s, -np.inf)
    attn = _merge(my_softmax(s) @ v) @ params["W_o"]
    h2 = my_layer_norm(x, params["ln2.g"], params["ln2.b"])
    mlp = my_gelu(h2 @ params["W_1"] + params["b_1"]) @ params["W_2"] + params["b_2"]
    return x + attn + mlp


@entry("gpt_block", "forgets the output projection W_o after merging the heads")
def gpt_no_W_o(x, params, n_heads):
    B, T, D = x.shape
    d = D // n_heads
    h = my_layer_norm(x, params["ln1.g"], params["ln1.b"])
    q, k, v = (_split(h @ params[n], n_heads) for n in ("W_q", "W_k", "W_v"))
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)
    s = np.where(np.tril(np.ones((T, T), dtype=bool)), s, -np.inf)
    x = x + _merge(my_softmax(s) @ v)
    h2 = my_layer_norm(x, params["ln2.g"], params["ln2.b"])
    return x + my_gelu(h2 @ params["W_1"] + params["b_1"]) @ params["W_2"] + params["b_2"]


@entry("gpt_block", "GELU constant slip: sqrt(2*pi) instead of sqrt(2/pi) inside the tanh")
def gpt_gelu_constant(x, params, n_heads):
    B, T, D = x.shape
    d = D // n_heads
    h = my_layer_norm(x, params["ln1.g"], params["ln1.b"])
    q, k, v = (_split(h @ params[n], n_heads) for n in ("W_q", "W_k", "W_v"))
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)
    s = np.where(np.tril(np.ones((T, T), dtype=bool)), s, -np.inf)
    x = x + _merge(my_softmax(s) @ v) @ params["W_o"]
    h2 = my_layer_norm(x, params["ln2.g"], params["ln2.b"])
    u = h2 @ params["W_1"] + params["b_1"]
    g = 0.5 * u * (1 + np.tanh(np.sqrt(2 * np.pi) * (u + 0.044715 * u ** 3)))
    return x + g @ params["W_2"] + params["b_2"]


@entry("gpt_block", "uses ln1's gamma and beta for both LayerNorms")
def gpt_ln1_twice(x, params, n_heads):
    B, T, D = x.shape
    d = D // n_heads
    g, b = params["ln1.g"], params["ln1.b"]
    h = my_layer_norm(x, g, b)
    q, k, v = (_split(h @ params[n], n_heads) for n in ("W_q", "W_k", "W_v"))
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)
    s = np.where(np.tril(np.ones((T, T), dtype=bool)), s, -np.inf)
    x = x + _merge(my_softmax(s) @ v) @ params["W_o"]
    h2 = my_layer_norm(x, g, b)
    return x + my_gelu(h2 @ params["W_1"] + params["b_1"]) @ params["W_2"] + params["b_2"]


@entry("gpt_block", "builds the mask the wrong way round: blocks the past (strict lower triangle) instead of the future")
def gpt_mask_blocks_past(x, params, n_heads):
    B, T, D = x.shape
    d = D // n_heads
    h = my_layer_norm(x, params["ln1.g"], params["ln1.b"])
    q, k, v = (_split(h @ params[n], n_heads) for n in ("W_q", "W_k", "W_v"))
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)
    s = np.where(np.tril(np.ones((T, T), dtype=bool), k=-1), -np.inf, s)
    x = x + _merge(my_softmax(s) @ v) @ params["W_o"]
    h2 = my_layer_norm(x, params["ln2.g"], params["ln2.b"])
    return x + my_gelu(h2 @ params["W_1"] + params["b_1"]) @ params["W_2"] + params["b_2"]


@entry("gpt_block", "takes the softmax over the query axis (-2) instead of over the keys")
def gpt_softmax_query_axis(x, params, n_heads):
    B, T, D = x.shape
    d = D // n_heads
    h = my_layer_norm(x, params["ln1.g"], params["ln1.b"])
    q, k, v = (_split(h @ params[n], n_heads) for n in ("W_q", "W_k", "W_v"))
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)
    s = np.where(np.tril(np.ones((T, T), dtype=bool)), s, -np.inf)
    x = x + _merge(my_softmax(s, axis=-2) @ v) @ params["W_o"]
    h2 = my_layer_norm(x, params["ln2.g"], params["ln2.b"])
    return x + my_gelu(h2 @ params["W_1"] + params["b_1"]) @ params["W_2"] + params["b_2"]


@entry("gpt_block", "einsum throughout with W_q/W_k/W_v reshaped to (D, h, d) and W_o to (h, d, D)", kind="correct")
def gpt_right_einsum_weights(x, params, n_heads):
    B, T, D = x.shape
    d = D // n_heads
    mu = x.mean(-1, keepdims=True)
    a = (x - mu) / np.sqrt(((x - mu) ** 2).mean(-1, keepdims=True) + 1e-5) * params["ln1.g"] + params["ln1.b"]
    Wq = params["W_q"].reshape(D, n_heads, d)
    Wk = params["W_k"].reshape(D, n_heads, d)
    Wv = params["W_v"].reshape(D, n_heads, d)
    q = np.einsum("btD,Dhd->bhtd", a, Wq)
    k = np.einsum("btD,Dhd->bhtd", a, Wk)
    v = np.einsum("btD,Dhd->bhtd", a, Wv)
    s = np.einsum("bhqd,bhkd->bhqk", q, k) / math.sqrt(d)
    s = s - 1e9 * np.triu(np.ones((T, T)), 1)         # large finite mask: no row is fully masked
    w = np.exp(s - s.max(-1, keepdims=True))
    w /= w.sum(-1, keepdims=True)
    o = np.einsum("bhqk,bhkd->bhqd", w, v)
    x = x + np.einsum("bhtd,hdE->btE", o, params["W_o"].reshape(n_heads, d, D))
    mu = x.mean(-1, keepdims=True)
    m = (x - mu) / np.sqrt(x.var(-1, keepdims=True) + 1e-5) * params["ln2.g"] + params["ln2.b"]
    u = m @ params["W_1"] + params["b_1"]
    u = 0.5 * u * (1 + np.tanh(math.sqrt(2 / math.pi) * (u + 0.044715 * u ** 3)))
    return x + u @ params["W_2"] + params["b_2"]


@entry("gpt_block", "loops over the heads with column slices, concatenates the heads, then one W_o", kind="correct")
def gpt_right_head_loop(x, params, n_heads):
    B, T, D = x.shape
    d = D // n_heads
    h = my_layer_norm(x, params["ln1.g"], params["ln1.b"])
    Q, K, V = h @ params["W_q"], h @ params["W_k"], h @ params["W_v"]
    future = np.triu(np.ones((T, T), dtype=bool), 1)
    heads = []
    for r in range(n_heads):
        sl = slice(r * d, (r + 1) * d)
        s = Q[..., sl] @ np.swapaxes(K[..., sl], 1, 2) / np.sqrt(d)
        s[:, future] = -np.inf
        heads.append(my_softmax(s) @ V[..., sl])
    x = x + np.concatenate(heads, axis=-1) @ params["W_o"]
    h2 = my_layer_norm(x, params["ln2.g"], params["ln2.b"])
    return x + my_gelu(h2 @ params["W_1"] + params["b_1"]) @ params["W_2"] + params["b_2"]


@entry("gpt_block", "fused QKV projection (concatenated weights, one matmul) and np.split, as GPT-2's c_attn", kind="correct")
def gpt_right_fused_qkv(x, params, n_heads):
    B, T, D = x.shape
    d = D // n_heads
    h = my_layer_norm(x, params["ln1.g"], params["ln1.b"])
    W = np.concatenate([params["W_q"], params["W_k"], params["W_v"]], axis=1)
    q, k, v = np.split(h @ W, 3, axis=-1)
    q, k, v = _split(q, n_heads), _split(k, n_heads), _split(v, n_heads)
    s = (q / np.sqrt(d)) @ np.swapaxes(k, -1, -2)
    s = np.where(np.arange(T)[None, :] > np.arange(T)[:, None], -np.inf, s)
    out = _merge(my_softmax(s) @ v) @ params["W_o"]
    y = x + out
    u = my_layer_norm(y, params["ln2.g"], params["ln2.b"]) @ params["W_1"] + params["b_1"]
    return y + my_gelu(u) @ params["W_2"] + params["b_2"]


# =====================================================================================================
# Lesson 10 · Q5 · sample_next(logits, rng, temperature=1.0, top_k=None, size=None)
# =====================================================================================================

@entry("sample_next", "multiplies the logits by the temperature instead of dividing")
def sample_times_temperature(logits, rng, temperature=1.0, top_k=None, size=None):
    V = logits.shape[0]
    if temperature == 0:
        i = int(np.argmax(logits))
        return i if size is None else np.full(size, i)
    z = logits * temperature
    if top_k is not None:
        kth = np.sort(z)[-top_k]
        z = np.where(z >= kth, z, -np.inf)
    p = np.exp(z - z.max())
    p /= p.sum()
    return rng.choice(V, size=size, p=p)


@entry("sample_next", "keeps the top_k smallest logits (ascending argsort sliced from the front)")
def sample_keeps_smallest(logits, rng, temperature=1.0, top_k=None, size=None):
    V = len(logits)
    if temperature == 0:
        i = int(np.argmax(logits))
        return i if size is None else np.full(size, i)
    z = logits / temperature
    if top_k is not None:
        keep = np.argsort(z)[:top_k]
        masked = np.full(V, -np.inf)
        masked[keep] = z[keep]
        z = masked
    p = np.exp(z - z.max())
    p /= p.sum()
    return rng.choice(V, size=size, p=p)


@entry("sample_next", "keeps exactly top_k ids with argsort()[-k:], dropping logits tied with the k-th largest")
def sample_drops_ties(logits, rng, temperature=1.0, top_k=None, size=None):
    V = len(logits)
    if temperature == 0:
        i = int(np.argmax(logits))
        return i if size is None else np.full(size, i)
    z = logits / temperature
    if top_k is not None:
        keep = np.argsort(z)[-top_k:]
        masked = np.full(V, -np.inf)
        masked[keep] = z[keep]
        z = masked
    p = np.exp(z - z.max())
    p /= p.sum()
    return rng.choice(V, size=size, p=p)


@entry("sample_next", "handles temperature 0 by clamping it to a tiny value and still drawing from rng, instead of drawing nothing")
def sample_greedy_by_tiny_temperature(logits, rng, temperature=1.0, top_k=None, size=None):
    V = len(logits)
    t = max(temperature, 1e-8)
    z = logits / t
    if top_k is not None:
        kth = np.sort(z)[-top_k]
        z = np.where(z >= kth, z, -np.inf)
    p = np.exp(z - z.max())
    p /= p.sum()
    return rng.choice(V, size=size, p=p)


@entry("sample_next", "greedy branch ignores size and returns a single id even when size copies are asked for")
def sample_greedy_ignores_size(logits, rng, temperature=1.0, top_k=None, size=None):
    V = len(logits)
    if temperature == 0:
        return int(np.argmax(logits))
    z = logits / temperature
    if top_k is not None:
        kth = np.sort(z)[-top_k]
        z = np.where(z >= kth, z, -np.inf)
    p = np.exp(z - z.max())
    p /= p.sum()
    return rng.choice(V, size=size, p=p)


@entry("sample_next", "draws with the global np.random.choice instead of the generator rng it was given")
def sample_global_random(logits, rng, temperature=1.0, top_k=None, size=None):
    V = len(logits)
    if temperature == 0:
        i = int(np.argmax(logits))
        return i if size is None else np.full(size, i)
    z = logits / temperature
    if top_k is not None:
        kth = np.sort(z)[-top_k]
        z = np.where(z >= kth, z, -np.inf)
    p = np.exp(z - z.max())
    p /= p.sum()
    return np.random.choice(V, size=size, p=p)


@entry("sample_next", "drops the size argument in the draw, always returning one token")
def sample_ignores_size(logits, rng, temperature=1.0, top_k=None, size=None):
    V = len(logits)
    if temperature == 0:
        i = int(np.argmax(logits))
        return i if size is None else np.full(size, i)
    z = logits / temperature
    if top_k is not None:
        kth = np.sort(z)[-top_k]
        z = np.where(z >= kth, z, -np.inf)
    p = np.exp(z - z.max())
    p /= p.sum()
    return rng.choice(V, p=p)


@entry("sample_next", "applies the temperature only when top_k is None (if/else structure), so top-k sampling is untempered")
def sample_temperature_only_without_topk(logits, rng, temperature=1.0, top_k=None, size=None):
    V = len(logits)
    if temperature == 0:
        i = int(np.argmax(logits))
        return i if size is None else np.full(size, i)
    if top_k is None:
        z = logits / temperature
    else:
        kth = np.sort(logits)[-top_k]
        z = np.where(logits >= kth, logits, -np.inf)
    p = np.exp(z - z.max())
    p /= p.sum()
    return rng.choice(V, size=size, p=p)


@entry("sample_next", "off by one: takes the threshold np.sort(z)[::-1][top_k], keeping top_k + 1 logits")
def sample_topk_off_by_one(logits, rng, temperature=1.0, top_k=None, size=None):
    V = len(logits)
    if temperature == 0:
        i = int(np.argmax(logits))
        return i if size is None else np.full(size, i)
    z = logits / temperature
    if top_k is not None and top_k < V:
        thresh = np.sort(z)[::-1][top_k]
        z = np.where(z >= thresh, z, -np.inf)
    p = np.exp(z - z.max())
    p /= p.sum()
    return rng.choice(V, size=size, p=p)


@entry("sample_next", "softmax without subtracting the maximum, so a small temperature or large logits overflow to NaN")
def sample_no_max_shift(logits, rng, temperature=1.0, top_k=None, size=None):
    V = len(logits)
    if temperature == 0:
        i = int(np.argmax(logits))
        return i if size is None else np.full(size, i)
    z = logits / temperature
    if top_k is not None:
        kth = np.sort(z)[-top_k]
        z = np.where(z >= kth, z, -np.inf)
    e = np.exp(z)
    p = e / e.sum()
    return rng.choice(V, size=size, p=p)


@entry("sample_next", "draws among the kept ids only, listed from the largest logit down, so the random stream maps to different tokens")
def sample_choice_over_sorted_kept(logits, rng, temperature=1.0, top_k=None, size=None):
    V = len(logits)
    if temperature == 0:
        i = int(np.argmax(logits))
        return i if size is None else np.full(size, i)
    z = logits / temperature
    order = np.argsort(-z, kind="stable")
    if top_k is not None:
        kth = np.sort(z)[-top_k]
        order = order[z[order] >= kth]
    zk = z[order]
    p = np.exp(zk - zk.max())
    p /= p.sum()
    return rng.choice(order, size=size, p=p)


@entry("sample_next", "greedy returns the argmin (smallest logit) instead of the largest")
def sample_greedy_argmin(logits, rng, temperature=1.0, top_k=None, size=None):
    V = len(logits)
    if temperature == 0:
        i = int(np.argsort(logits)[0])
        return i if size is None else np.full(size, i)
    z = logits / temperature
    if top_k is not None:
        kth = np.sort(z)[-top_k]
        z = np.where(z >= kth, z, -np.inf)
    p = np.exp(z - z.max())
    p /= p.sum()
    return rng.choice(V, size=size, p=p)


@entry("sample_next", "top-k after the softmax: zero the dropped probabilities and renormalise", kind="correct")
def sample_right_mask_after_softmax(logits, rng, temperature=1.0, top_k=None, size=None):
    V = logits.shape[-1]
    if temperature == 0:
        best = int(np.argmax(logits))
        return best if size is None else np.full(size, best)
    z = logits / temperature
    probs = np.exp(z - np.max(z))
    probs = probs / probs.sum()
    if top_k is not None:
        cut = np.partition(z, V - top_k)[V - top_k]
        probs = np.where(z >= cut, probs, 0.0)
        probs = probs / probs.sum()
    return rng.choice(V, size=size, p=probs)


@entry("sample_next", "top-k picked on the raw logits before dividing by the temperature (same set, since T > 0 keeps the order)", kind="correct")
def sample_right_topk_before_temperature(logits, rng, temperature=1.0, top_k=None, size=None):
    logits = np.asarray(logits, dtype=np.float64)
    V = logits.size
    if temperature == 0:
        g = np.argmax(logits)
        return g if size is None else np.repeat(g, size)
    keep = np.ones(V, dtype=bool)
    if top_k is not None:
        keep = logits >= np.sort(logits)[V - top_k]
    z = np.where(keep, logits / temperature, -np.inf)
    z = z - z.max()
    p = np.exp(z)
    p /= p.sum()
    return rng.choice(V, size=size, p=p)


@entry("sample_next", "log-sum-exp normalisation (p = exp(z - logsumexp(z))) with the top-k cut from a descending sort", kind="correct")
def sample_right_logsumexp(logits, rng, temperature=1.0, top_k=None, size=None):
    V = len(logits)
    if not temperature:
        idx = int(np.argmax(logits))
        return idx if size is None else np.array([idx] * size)
    z = np.array(logits, dtype=float) / temperature
    if top_k:
        kth_largest = -np.sort(-z)[top_k - 1]
        z[z < kth_largest] = -np.inf
    lse = np.logaddexp.reduce(z)
    return rng.choice(V, size=size, p=np.exp(z - lse))


EXPECTED = {
    'sinpos_cos_sin_swapped': 'pe_sin_cos_swapped',
    'sinpos_concat_halves': 'pe_sin_cos_concatenated',
    'sinpos_exponent_i_over_d': 'frequency_exponent_halved',
    'sinpos_per_column_frequency': 'pe_frequency_per_column',
    'sinpos_hardcoded_base': 'base_argument_ignored',
    'sinpos_positions_from_one': 'positions_start_at_one',
    'sinpos_multiplies_instead_of_divides': 'frequency_inverted',
    'sinpos_doubles_even_index': 'frequency_exponent_doubled',
    'sinpos_integer_division': 'frequencies_all_one',
    'sinpos_reshape_not_transpose': 'values_rearranged',
    'sinpos_log10': 'pe_frequencies_wrong',
    'sinpos_transposed': 'transposed_result',
    'rope_interleaved': 'rope_interleaved_pairs',
    'rope_wrong_direction': 'rope_rotated_backwards',
    'rope_ignores_positions': 'positions_argument_ignored',
    'rope_overwrites_first_half': 'rope_half_overwritten',
    'rope_in_place': 'mutates_input',
    'rope_hardcoded_base': 'base_argument_ignored',
    'rope_double_counted_exponent': 'frequency_exponent_doubled',
    'rope_linspace_freqs': 'rope_frequencies_wrong',
    'rope_2d_only_slicing': 'batch_not_handled',
    'rope_consecutive_positions': 'positions_assumed_consecutive',
    'rope_mixed_conventions': 'rope_table_repeated',
    'rope_second_component_sign': 'rope_not_a_rotation',
    'rscores_no_scale': 'no_sqrt_d_scaling',
    'rscores_divide_by_d': 'scaled_by_d',
    'rscores_arange_positions': 'positions_argument_ignored',
    'rscores_only_q_rotated': 'rope_query_only',
    'rscores_transposed': 'transposed_kq',
    'rscores_swapped_positions': 'rope_positions_swapped',
    'rscores_dot_T': 'transpose_all_axes',
    'rscores_sqrt_wrong_axis': 'scaled_by_wrong_dimension',
    'rscores_returns_softmax': 'softmax_applied',
    'rscores_relative_on_q_only': 'rope_query_only',
    'rscores_inverse_rotation_q': 'rope_one_side_backwards',
    'rscores_inline_interleaved': 'rope_interleaved_pairs',
    'alibi_geometric_any_h': 'alibi_slopes_power_of_two_rule',
    'alibi_extra_slopes_not_every_other': 'alibi_extra_slopes_first_ones',
    'alibi_every_other_wrong_start': 'off_by_one',
    'alibi_slopes_from_zero': 'alibi_slopes_off_by_one',
    'alibi_positive_bias': 'alibi_sign_flipped',
    'alibi_no_query_offset': 'causal_mask_top_left',
    'alibi_minus_1e9': 'alibi_blocked_finite',
    'alibi_symmetric_no_mask': 'alibi_missing_causal_part',
    'alibi_future_zero': 'alibi_missing_causal_part',
    'alibi_blocks_own_key': 'comparison_strict',
    'alibi_mask_without_offset': 'causal_mask_top_left',
    'alibi_nan_from_zero_times_inf': 'alibi_zero_times_inf',
    'alibi_heads_last': 'axes_in_wrong_order',
    'alibi_round_up_power': 'alibi_slopes_rounded_up',
    'alibi_sorted_slopes': 'alibi_slopes_sorted',
    'ln_ddof1': 'layer_norm_unbiased_variance',
    'ln_eps_outside_sqrt': 'layer_norm_eps_outside_sqrt',
    'ln_wrong_axis': 'layer_norm_wrong_axis',
    'ln_no_keepdims': 'missing_keepdims',
    'ln_gamma_beta_swapped': 'layer_norm_gamma_beta_swapped',
    'ln_no_eps': 'layer_norm_no_eps',
    'ln_no_sqrt': 'layer_norm_divided_by_variance',
    'ln_in_place': 'mutates_input',
    'ln_global_stats': 'layer_norm_wrong_axis',
    'ln_beta_inside': 'layer_norm_beta_scaled',
    'ln_mean_square_variance': 'term_missing',
    'ln_rmsnorm': 'layer_norm_no_centering',
    'lnb_sum_axis0': 'fixed_ndim',
    'lnb_missing_variance_term': 'layer_norm_backward_missing_variance_term',
    'lnb_missing_mean_term': 'layer_norm_backward_missing_mean_term',
    'lnb_forgets_gamma': 'layer_norm_backward_without_gamma',
    'lnb_dgamma_raw_x': 'name_confused',
    'lnb_sign_last_term': 'sign_of_term',
    'lnb_swapped_outputs': 'layer_norm_backward_params_swapped',
    'lnb_divides_by_variance': 'layer_norm_divided_by_variance',
    'lnb_sum_instead_of_mean': 'wrong_reduction',
    'lnb_mean_over_tokens': 'wrong_reduction',
    'lnb_no_eps': 'term_missing',
    'lnb_ddof1': 'layer_norm_unbiased_variance',
    'lnb_times_s': 'term_missing',
    'ce_grad_not_divided': 'ce_grad_not_averaged',
    'ce_sum_loss': 'ce_loss_summed',
    'ce_no_max_shift': 'not_finite',
    'ce_log2': 'ce_in_bits',
    'ce_grad_sign': 'sign_flipped',
    'ce_fancy_index_block': 'ce_wrong_index',
    'ce_grad_column_subtract': 'ce_grad_wrong_index',
    'ce_log_of_underflowed_prob': 'ce_log_of_underflowed_softmax',
    'ce_softmax_axis0': 'wrong_axis',
    'ce_global_max_shift': 'not_finite',
    'ce_eps_in_log': 'ce_log_eps_caps_loss',
    'ce_mean_over_all_entries': 'constant_factor',
    'ce_grad_no_onehot': 'ce_grad_missing_onehot',
    'gpt_post_ln': 'block_post_ln',
    'gpt_no_causal_mask': 'block_not_causal',
    'gpt_scale_sqrt_D': 'scaled_by_d_model',
    'gpt_split_without_transpose': 'reshape_without_transpose',
    'gpt_merge_without_transpose': 'transpose_slip',
    'gpt_exact_gelu': 'gelu_exact_not_tanh',
    'gpt_relu': 'relu_instead_of_gelu',
    'gpt_no_mlp_residual': 'block_missing_residual',
    'gpt_parallel_branches': 'block_mlp_reads_input',
    'gpt_no_W_o': 'forgot_w_o',
    'gpt_gelu_constant': 'term_missing',
    'gpt_ln1_twice': 'block_layer_norms_swapped',
    'gpt_mask_blocks_past': 'block_not_causal',
    'gpt_softmax_query_axis': 'softmax_wrong_axis',
    'sample_times_temperature': 'temperature_multiplied',
    'sample_keeps_smallest': 'topk_smallest',
    'sample_drops_ties': 'topk_wrong_count',
    'sample_greedy_by_tiny_temperature': 'sampling_rng_state',
    'sample_greedy_ignores_size': 'sampling_size_ignored',
    'sample_global_random': 'sampling_ignores_rng',
    'sample_ignores_size': 'sampling_size_ignored',
    'sample_temperature_only_without_topk': 'temperature_skipped_with_topk',
    'sample_topk_off_by_one': 'topk_wrong_count',
    'sample_no_max_shift': 'raised',
    'sample_choice_over_sorted_kept': 'sampling_ids_reordered',
    'sample_greedy_argmin': 'wrong_reduction',
}

JUDGED = {
    'sinpos_cos_sin_swapped': 'named',
    'sinpos_concat_halves': 'named',
    'sinpos_exponent_i_over_d': 'named',
    'sinpos_per_column_frequency': 'named',
    'sinpos_hardcoded_base': 'named',
    'sinpos_positions_from_one': 'named',
    'sinpos_multiplies_instead_of_divides': 'named',
    'sinpos_doubles_even_index': 'named',
    'sinpos_integer_division': 'named',
    'sinpos_reshape_not_transpose': 'named',
    'sinpos_log10': 'named',
    'sinpos_transposed': 'named',
    'rope_interleaved': 'named',
    'rope_wrong_direction': 'named',
    'rope_ignores_positions': 'named',
    'rope_overwrites_first_half': 'named after',
    'rope_in_place': 'named',
    'rope_hardcoded_base': 'named',
    'rope_double_counted_exponent': 'named',
    'rope_linspace_freqs': 'named after',
    'rope_2d_only_slicing': 'named',
    'rope_consecutive_positions': 'named after',
    'rope_mixed_conventions': 'named after',
    'rope_second_component_sign': 'named',
    'rscores_no_scale': 'named',
    'rscores_divide_by_d': 'named',
    'rscores_arange_positions': 'named',
    'rscores_only_q_rotated': 'named',
    'rscores_transposed': 'named',
    'rscores_swapped_positions': 'named after',
    'rscores_dot_T': 'named',
    'rscores_sqrt_wrong_axis': 'named',
    'rscores_returns_softmax': 'named',
    'rscores_relative_on_q_only': 'named',
    'rscores_inverse_rotation_q': 'named after',
    'rscores_inline_interleaved': 'named',
    'alibi_geometric_any_h': 'named',
    'alibi_extra_slopes_not_every_other': 'named after',
    'alibi_every_other_wrong_start': 'named',
    'alibi_slopes_from_zero': 'named after',
    'alibi_positive_bias': 'named',
    'alibi_no_query_offset': 'named',
    'alibi_minus_1e9': 'named',
    'alibi_symmetric_no_mask': 'named',
    'alibi_future_zero': 'named',
    'alibi_blocks_own_key': 'named',
    'alibi_mask_without_offset': 'named',
    'alibi_nan_from_zero_times_inf': 'named after',
    'alibi_heads_last': 'named',
    'alibi_round_up_power': 'named after',
    'alibi_sorted_slopes': 'named after',
    'ln_ddof1': 'named',
    'ln_eps_outside_sqrt': 'named',
    'ln_wrong_axis': 'named',
    'ln_no_keepdims': 'named',
    'ln_gamma_beta_swapped': 'named',
    'ln_no_eps': 'named',
    'ln_no_sqrt': 'named',
    'ln_in_place': 'named',
    'ln_global_stats': 'named',
    'ln_beta_inside': 'named after',
    'ln_mean_square_variance': 'named',
    'ln_rmsnorm': 'named',
    'lnb_sum_axis0': 'named',
    'lnb_missing_variance_term': 'named',
    'lnb_missing_mean_term': 'named',
    'lnb_forgets_gamma': 'named',
    'lnb_dgamma_raw_x': 'named',
    'lnb_sign_last_term': 'named after',
    'lnb_swapped_outputs': 'named',
    'lnb_divides_by_variance': 'named after',
    'lnb_sum_instead_of_mean': 'named',
    'lnb_mean_over_tokens': 'named',
    'lnb_no_eps': 'named',
    'lnb_ddof1': 'named',
    'lnb_times_s': 'named',
    'ce_grad_not_divided': 'named',
    'ce_sum_loss': 'named after',
    'ce_no_max_shift': 'named',
    'ce_log2': 'named',
    'ce_grad_sign': 'named',
    'ce_fancy_index_block': 'named',
    'ce_grad_column_subtract': 'named',
    'ce_log_of_underflowed_prob': 'named',
    'ce_softmax_axis0': 'named',
    'ce_global_max_shift': 'named',
    'ce_eps_in_log': 'named',
    'ce_mean_over_all_entries': 'named',
    'ce_grad_no_onehot': 'named',
    'gpt_post_ln': 'named',
    'gpt_no_causal_mask': 'named',
    'gpt_scale_sqrt_D': 'named',
    'gpt_split_without_transpose': 'named after',
    'gpt_merge_without_transpose': 'named',
    'gpt_exact_gelu': 'named',
    'gpt_relu': 'named',
    'gpt_no_mlp_residual': 'named',
    'gpt_parallel_branches': 'named',
    'gpt_no_W_o': 'named',
    'gpt_gelu_constant': 'named',
    'gpt_ln1_twice': 'named',
    'gpt_mask_blocks_past': 'named',
    'gpt_softmax_query_axis': 'named',
    'sample_times_temperature': 'named',
    'sample_keeps_smallest': 'named',
    'sample_drops_ties': 'named',
    'sample_greedy_by_tiny_temperature': 'named',
    'sample_greedy_ignores_size': 'named',
    'sample_global_random': 'named',
    'sample_ignores_size': 'named',
    'sample_temperature_only_without_topk': 'named after',
    'sample_topk_off_by_one': 'named',
    'sample_no_max_shift': 'named',
    'sample_choice_over_sorted_kept': 'named after',
    'sample_greedy_argmin': 'named',
}
