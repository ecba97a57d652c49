"""Blind bank for lessons 09-10 (the fourth round), written from the exercise notebooks only by a tester who never
saw the checker, and measured once on main before anything was tuned for it (see the stop's closing note).

111 answers: 90 wrong, 21 right. First measurement, read by an independent judge: 81 of the
90 wrong ones named (90.0 %), 5 vague, 4 named another mistake,
0 accepted: none; 0 right answers rejected. Nothing has been tuned on it yet.

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


# ===================================================================== ex09.q1 sinusoidal positions

@entry("sinusoidal_positions", "puts all the sines in the first half of the columns and all the cosines in the second half instead of interleaving them")
def sinusoidal_concat(n, d, base=10000.0):
    pos = np.arange(n)[:, None]
    i = np.arange(d // 2)[None, :]
    ang = pos / base ** (2 * i / d)
    return np.concatenate([np.sin(ang), np.cos(ang)], axis=1)


@entry("sinusoidal_positions", "uses the column index j itself in the exponent (base^(j/d)) instead of the pair index 2i, so each cosine gets a different frequency from its sine")
def sinusoidal_column_exponent(n, d, base=10000.0):
    pe = np.zeros((n, d))
    for p in range(n):
        for j in range(d):
            a = p / base ** (j / d)
            pe[p, j] = math.sin(a) if j % 2 == 0 else math.cos(a)
    return pe


@entry("sinusoidal_positions", "writes the exponent as i/d instead of 2i/d")
def sinusoidal_i_over_d(n, d, base=10000.0):
    pos = np.arange(n, dtype=float)[:, None]
    i = np.arange(0, d // 2)
    ang = pos / np.power(base, i / d)
    pe = np.empty((n, d))
    pe[:, 0::2] = np.sin(ang)
    pe[:, 1::2] = np.cos(ang)
    return pe


@entry("sinusoidal_positions", "counts positions from 1 to n instead of from 0")
def sinusoidal_from_one(n, d, base=10000.0):
    pos = np.arange(1, n + 1)[:, None]
    freqs = base ** (-np.arange(0, d, 2) / d)
    pe = np.zeros((n, d))
    pe[:, 0::2] = np.sin(pos * freqs)
    pe[:, 1::2] = np.cos(pos * freqs)
    return pe


@entry("sinusoidal_positions", "puts cosines in the even columns and sines in the odd columns")
def sinusoidal_swapped(n, d, base=10000.0):
    pos = np.arange(n)[:, None]
    freqs = 1.0 / base ** (np.arange(0, d, 2) / d)
    pe = np.zeros((n, d))
    pe[:, 0::2] = np.cos(pos * freqs)
    pe[:, 1::2] = np.sin(pos * freqs)
    return pe


@entry("sinusoidal_positions", "multiplies the position by base^(2i/d) instead of dividing by it")
def sinusoidal_multiplies(n, d, base=10000.0):
    pos = np.arange(n)[:, None]
    scale = base ** (np.arange(0, d, 2) / d)
    ang = pos * scale
    pe = np.zeros((n, d))
    pe[:, 0::2] = np.sin(ang)
    pe[:, 1::2] = np.cos(ang)
    return pe


@entry("sinusoidal_positions", "hard-codes 10000 and ignores the base argument")
def sinusoidal_hardcoded_base(n, d, base=10000.0):
    pos = np.arange(n)[:, None]
    div = np.exp(np.arange(0, d, 2) * (-math.log(10000.0) / d))
    pe = np.zeros((n, d))
    pe[:, 0::2] = np.sin(pos * div)
    pe[:, 1::2] = np.cos(pos * div)
    return pe


@entry("sinusoidal_positions", "uses a natural-log exponent exp(-2i/d) rather than base^(-2i/d), forgetting the log of the base")
def sinusoidal_forgot_log(n, d, base=10000.0):
    pos = np.arange(n)[:, None]
    div = np.exp(-np.arange(0, d, 2) / d)
    pe = np.zeros((n, d))
    pe[:, 0::2] = np.sin(pos * div)
    pe[:, 1::2] = np.cos(pos * div)
    return pe


@entry("sinusoidal_positions", "returns only d/2 columns, one angle per pair written as sin, forgetting the cosines")
def sinusoidal_half_width(n, d, base=10000.0):
    pos = np.arange(n)[:, None]
    ang = pos / base ** (np.arange(0, d, 2) / d)
    return np.sin(ang)


@entry("sinusoidal_positions", "stacks sin and cos along a new axis and reshapes in the wrong order, so the columns come out sin,sin,...,cos,cos per block", )
def sinusoidal_bad_reshape(n, d, base=10000.0):
    pos = np.arange(n)[:, None]
    ang = pos / base ** (np.arange(0, d, 2) / d)
    st = np.stack([np.sin(ang), np.cos(ang)], axis=1)   # (n, 2, d/2)
    return st.reshape(n, d)


@entry("sinusoidal_positions", "builds it with exp/log and a stacked-then-reshaped interleave", kind="correct")
def sinusoidal_exp_stack(n, d, base=10000.0):
    pos = np.arange(n, dtype=np.float64)[:, None]
    inv = np.exp(-np.log(base) * np.arange(0, d, 2, dtype=np.float64) / d)
    ang = pos * inv
    return np.stack([np.sin(ang), np.cos(ang)], axis=-1).reshape(n, d)


@entry("sinusoidal_positions", "fills the table with explicit Python loops over positions and pairs", kind="correct")
def sinusoidal_loops(n, d, base=10000.0):
    pe = np.zeros((n, d))
    for p in range(n):
        for i in range(d // 2):
            a = p / base ** (2 * i / d)
            pe[p, 2 * i] = math.sin(a)
            pe[p, 2 * i + 1] = math.cos(a)
    return pe


# ===================================================================== ex09.q2 apply RoPE (half-split)

@entry("apply_rope", "pairs neighbouring features (2i, 2i+1) as in the paper instead of the half-split pairing (i, i+d/2)")
def rope_interleaved(x, positions, base=10000.0):
    x = np.asarray(x, dtype=float)
    d = x.shape[-1]
    w = base ** (-np.arange(0, d, 2) / d)
    th = np.asarray(positions, float)[:, None] * w
    c, s = np.cos(th), np.sin(th)
    x1, x2 = x[..., 0::2], x[..., 1::2]
    out = np.empty_like(x)
    out[..., 0::2] = x1 * c - x2 * s
    out[..., 1::2] = x1 * s + x2 * c
    return out


@entry("apply_rope", "rotates the wrong way: the sign of the sine terms is flipped")
def rope_sign_flipped(x, positions, base=10000.0):
    d = x.shape[-1]
    h = d // 2
    w = base ** (-2 * np.arange(h) / d)
    th = np.asarray(positions)[:, None] * w
    a, b = x[..., :h], x[..., h:]
    return np.concatenate([a * np.cos(th) + b * np.sin(th), -a * np.sin(th) + b * np.cos(th)], axis=-1)


@entry("apply_rope", "ignores the positions argument and uses 0..T-1")
def rope_ignores_positions(x, positions, base=10000.0):
    T, d = x.shape[-2], x.shape[-1]
    h = d // 2
    w = base ** (-2 * np.arange(h) / d)
    th = np.arange(T)[:, None] * w
    a, b = x[..., :h], x[..., h:]
    return np.concatenate([a * np.cos(th) - b * np.sin(th), a * np.sin(th) + b * np.cos(th)], axis=-1)


@entry("apply_rope", "uses the frequency base^(-i/d) instead of base^(-2i/d)")
def rope_i_over_d(x, positions, base=10000.0):
    d = x.shape[-1]
    h = d // 2
    w = base ** (-np.arange(h) / d)
    th = np.outer(positions, w)
    a, b = x[..., :h], x[..., h:]
    return np.concatenate([a * np.cos(th) - b * np.sin(th), a * np.sin(th) + b * np.cos(th)], axis=-1)


@entry("apply_rope", "updates the first half in place and then uses the already-rotated first half to compute the second half (and mutates the input)")
def rope_inplace_overwrite(x, positions, base=10000.0):
    d = x.shape[-1]
    h = d // 2
    th = np.asarray(positions)[:, None] * base ** (-2 * np.arange(h) / d)
    c, s = np.cos(th), np.sin(th)
    x[..., :h] = x[..., :h] * c - x[..., h:] * s
    x[..., h:] = x[..., :h] * s + x[..., h:] * c
    return x


@entry("apply_rope", "builds the angle table over all d features (theta_j = p*base^(-2j/d) for j in 0..d-1) and applies the half-split rotate_half formula with it, so the second half gets different angles")
def rope_full_width_angles(x, positions, base=10000.0):
    d = x.shape[-1]
    h = d // 2
    th = np.asarray(positions)[:, None] * base ** (-2 * np.arange(d) / d)
    rot = np.concatenate([-x[..., h:], x[..., :h]], axis=-1)
    return x * np.cos(th) + rot * np.sin(th)


@entry("apply_rope", "rotate_half written as concatenate([x2, -x1]) instead of concatenate([-x2, x1])")
def rope_rotate_half_sign(x, positions, base=10000.0):
    d = x.shape[-1]
    h = d // 2
    inv = base ** (-np.arange(0, d, 2) / d)
    f = np.outer(positions, inv)
    emb = np.concatenate([f, f], axis=-1)
    rot = np.concatenate([x[..., h:], -x[..., :h]], axis=-1)
    return x * np.cos(emb) + rot * np.sin(emb)


@entry("apply_rope", "swaps the halves in the output: writes the rotated second feature first")
def rope_output_halves_swapped(x, positions, base=10000.0):
    d = x.shape[-1]
    h = d // 2
    th = np.asarray(positions, float)[:, None] * base ** (-2 * np.arange(h) / d)
    a, b = x[..., :h], x[..., h:]
    return np.concatenate([a * np.sin(th) + b * np.cos(th), a * np.cos(th) - b * np.sin(th)], axis=-1)


@entry("apply_rope", "divides the position by the frequency (theta = p * base^(2i/d)) instead of multiplying by base^(-2i/d)")
def rope_divides_by_freq(x, positions, base=10000.0):
    d = x.shape[-1]
    h = d // 2
    omega = base ** (-2 * np.arange(h) / d)
    th = np.asarray(positions, float)[:, None] / omega
    a, b = x[..., :h], x[..., h:]
    return np.concatenate([a * np.cos(th) - b * np.sin(th), a * np.sin(th) + b * np.cos(th)], axis=-1)


@entry("apply_rope", "treats each pair as a complex number x_i + i x_{i+d/2} and multiplies by e^{i theta}", kind="correct")
def rope_complex(x, positions, base=10000.0):
    x = np.asarray(x, dtype=float)
    d = x.shape[-1]
    h = d // 2
    z = x[..., :h] + 1j * x[..., h:]
    th = np.asarray(positions, float)[:, None] * np.exp(-np.log(base) * 2 * np.arange(h) / d)
    z = z * np.exp(1j * th)
    return np.concatenate([z.real, z.imag], axis=-1)


@entry("apply_rope", "builds a full d x d rotation matrix per position and applies it with einsum", kind="correct")
def rope_matrix_einsum(x, positions, base=10000.0):
    x = np.asarray(x, dtype=float)
    d = x.shape[-1]
    h = d // 2
    T = len(positions)
    R = np.zeros((T, d, d))
    for t, p in enumerate(positions):
        for i in range(h):
            th = p * base ** (-2.0 * i / d)
            R[t, i, i] = math.cos(th)
            R[t, i, i + h] = -math.sin(th)
            R[t, i + h, i] = math.sin(th)
            R[t, i + h, i + h] = math.cos(th)
    return np.einsum("tij,...tj->...ti", R, x)


@entry("apply_rope", "Hugging Face style: duplicated frequency table and rotate_half", kind="correct")
def rope_hf_style(x, positions, base=10000.0):
    d = x.shape[-1]
    inv = 1.0 / (base ** (np.arange(0, d, 2, dtype=np.float64) / d))
    f = np.asarray(positions, dtype=np.float64)[:, None] * inv[None, :]
    emb = np.concatenate((f, f), axis=-1)
    x1, x2 = x[..., : d // 2], x[..., d // 2:]
    return x * np.cos(emb) + np.concatenate((-x2, x1), axis=-1) * np.sin(emb)


# ===================================================================== ex09.q3 RoPE scores

def _rope(x, positions, base):
    d = x.shape[-1]
    h = d // 2
    th = np.asarray(positions, float)[:, None] * base ** (-2 * np.arange(h) / d)
    a, b = x[..., :h], x[..., h:]
    return np.concatenate([a * np.cos(th) - b * np.sin(th), a * np.sin(th) + b * np.cos(th)], axis=-1)


@entry("rope_scores", "forgets to divide the scores by sqrt(d)")
def rope_scores_no_scale(q, k, q_positions, k_positions, base=10000.0):
    qr = _rope(q, q_positions, base)
    kr = _rope(k, k_positions, base)
    return qr @ np.swapaxes(kr, -1, -2)


@entry("rope_scores", "divides by d instead of sqrt(d)")
def rope_scores_div_d(q, k, q_positions, k_positions, base=10000.0):
    qr = _rope(q, q_positions, base)
    kr = _rope(k, k_positions, base)
    return qr @ np.swapaxes(kr, -1, -2) / q.shape[-1]


@entry("rope_scores", "rotates only the queries, leaving the keys unrotated")
def rope_scores_only_q(q, k, q_positions, k_positions, base=10000.0):
    qr = _rope(q, q_positions, base)
    return np.einsum("...qd,...kd->...qk", qr, k) / math.sqrt(q.shape[-1])


@entry("rope_scores", "ignores the given positions and rotates queries and keys by 0..n-1 each, so with a KV cache the queries sit at the start instead of the end")
def rope_scores_arange(q, k, q_positions, k_positions, base=10000.0):
    qr = _rope(q, np.arange(q.shape[-2]), base)
    kr = _rope(k, np.arange(k.shape[-2]), base)
    return qr @ np.swapaxes(kr, -1, -2) / np.sqrt(q.shape[-1])


@entry("rope_scores", "rotates the queries by the first n_q key positions (k_positions[:n_q]) instead of q_positions, so with a KV cache the queries sit at the start")
def rope_scores_q_by_k_positions(q, k, q_positions, k_positions, base=10000.0):
    nq = q.shape[-2]
    qr = _rope(q, np.asarray(k_positions)[:nq], base)
    kr = _rope(k, k_positions, base)
    return qr @ np.swapaxes(kr, -1, -2) / np.sqrt(q.shape[-1])


@entry("rope_scores", "transposes k with .T, which reverses all axes and breaks batched inputs (fine only for 2-D)")
def rope_scores_dot_T(q, k, q_positions, k_positions, base=10000.0):
    qr = _rope(q, q_positions, base)
    kr = _rope(k, k_positions, base)
    return np.matmul(qr, kr.T) / np.sqrt(q.shape[-1])


@entry("rope_scores", "scales by the square root of the number of pairs d/2 instead of d")
def rope_scores_sqrt_half_d(q, k, q_positions, k_positions, base=10000.0):
    qr = _rope(q, q_positions, base)
    kr = _rope(k, k_positions, base)
    return qr @ np.swapaxes(kr, -1, -2) / np.sqrt(q.shape[-1] // 2)


@entry("rope_scores", "rotates the keys with the relative offset (key position minus query position of the first query) and leaves the queries unrotated, which is only right for the first query")
def rope_scores_relative_first_query(q, k, q_positions, k_positions, base=10000.0):
    rel = np.asarray(k_positions, float) - float(np.asarray(q_positions)[0])
    kr = _rope(k, rel, base)
    return q @ np.swapaxes(kr, -1, -2) / np.sqrt(q.shape[-1])


@entry("rope_scores", "uses the interleaved pairing (2i, 2i+1) for the rotation instead of half-split")
def rope_scores_interleaved(q, k, q_positions, k_positions, base=10000.0):
    def rot(x, pos):
        d = x.shape[-1]
        th = np.asarray(pos, float)[:, None] * base ** (-np.arange(0, d, 2) / d)
        out = np.empty(x.shape)
        out[..., 0::2] = x[..., 0::2] * np.cos(th) - x[..., 1::2] * np.sin(th)
        out[..., 1::2] = x[..., 0::2] * np.sin(th) + x[..., 1::2] * np.cos(th)
        return out
    return rot(q, q_positions) @ np.swapaxes(rot(k, k_positions), -1, -2) / np.sqrt(q.shape[-1])


@entry("rope_scores", "scales the queries by 1/sqrt(d) before rotating and uses einsum for the dot products", kind="correct")
def rope_scores_prescale_einsum(q, k, q_positions, k_positions, base=10000.0):
    qs = np.asarray(q, float) / math.sqrt(q.shape[-1])
    return np.einsum("...id,...jd->...ij", _rope(qs, q_positions, base), _rope(k, k_positions, base))


@entry("rope_scores", "uses RoPE's relativity: shifts every position by the first query position before rotating (only differences matter)", kind="correct")
def rope_scores_shifted_origin(q, k, q_positions, k_positions, base=10000.0):
    off = float(np.asarray(q_positions)[0])
    qr = _rope(q, np.asarray(q_positions, float) - off, base)
    kr = _rope(k, np.asarray(k_positions, float) - off, base)
    return qr @ np.swapaxes(kr, -1, -2) / math.sqrt(q.shape[-1])


@entry("rope_scores", "computes each score with complex numbers: Re(sum q_c * conj(k_c) * e^{i(m-n)w})", kind="correct")
def rope_scores_complex_relative(q, k, q_positions, k_positions, base=10000.0):
    d = q.shape[-1]
    h = d // 2
    w = base ** (-2 * np.arange(h) / d)
    qc = q[..., :h] + 1j * q[..., h:]
    kc = k[..., :h] + 1j * k[..., h:]
    rel = np.asarray(q_positions, float)[:, None, None] - np.asarray(k_positions, float)[None, :, None]
    ph = np.exp(1j * rel * w)                    # (n_q, n_k, h)
    s = np.einsum("...ih,...jh,ijh->...ij", qc, np.conj(kc), ph)
    return s.real / math.sqrt(d)


# ===================================================================== ex09.q4 ALiBi bias

def _slopes_ref(h):
    def pow2(n):
        return [2.0 ** (-8.0 * r / n) for r in range(1, n + 1)]
    if h & (h - 1) == 0:
        return pow2(h)
    p = 2 ** int(math.floor(math.log2(h)))
    return pow2(p) + pow2(2 * p)[0::2][: h - p]


@entry("alibi_bias", "starts the slopes at r=0, so the first head has slope 1 (2^(-8(r-1)/h))")
def alibi_slopes_off_by_one(n_heads, n_q, n_k):
    m = 2.0 ** (-8.0 * np.arange(n_heads) / n_heads)
    qpos = n_k - n_q + np.arange(n_q)
    dist = qpos[:, None] - np.arange(n_k)[None, :]
    b = -m[:, None, None] * dist
    return np.where(dist < 0, -np.inf, b)


@entry("alibi_bias", "uses 2^(-8r/h) for every h, even when h is not a power of two")
def alibi_no_interleave(n_heads, n_q, n_k):
    m = 2.0 ** (-8.0 * np.arange(1, n_heads + 1) / n_heads)
    qpos = n_k - n_q + np.arange(n_q)
    dist = qpos[:, None] - np.arange(n_k)[None, :]
    b = -m[:, None, None] * dist
    b[:, dist < 0] = -np.inf
    return b


@entry("alibi_bias", "masks the future with -1e9 instead of -inf")
def alibi_minus_1e9(n_heads, n_q, n_k):
    m = np.array(_slopes_ref(n_heads))
    qpos = n_k - n_q + np.arange(n_q)
    dist = qpos[:, None] - np.arange(n_k)[None, :]
    b = -m[:, None, None] * dist
    return np.where(dist[None] < 0, -1e9, b)


@entry("alibi_bias", "forgets the causal part: future keys get a positive bias +m*(j - i) instead of -inf")
def alibi_no_causal(n_heads, n_q, n_k):
    m = np.array(_slopes_ref(n_heads))
    qpos = n_k - n_q + np.arange(n_q)
    dist = qpos[:, None] - np.arange(n_k)[None, :]
    return -m[:, None, None] * dist


@entry("alibi_bias", "puts query i at position i instead of n_k - n_q + i (ignores the KV-cache offset)")
def alibi_no_offset(n_heads, n_q, n_k):
    m = np.array(_slopes_ref(n_heads))
    dist = np.arange(n_q)[:, None] - np.arange(n_k)[None, :]
    b = -m[:, None, None] * dist.astype(float)
    b[:, dist < 0] = -np.inf
    return b


@entry("alibi_bias", "gets the sign backwards: the bias grows (+m * distance) further back")
def alibi_positive(n_heads, n_q, n_k):
    m = np.array(_slopes_ref(n_heads))
    out = np.zeros((n_heads, n_q, n_k))
    for r in range(n_heads):
        for i in range(n_q):
            qp = n_k - n_q + i
            for j in range(n_k):
                out[r, i, j] = m[r] * (qp - j) if j <= qp else -np.inf
    return out


@entry("alibi_bias", "for non-power-of-two h takes the even-numbered slopes (2nd, 4th, ...) of 2p heads instead of the 1st, 3rd, ...")
def alibi_wrong_extra_slopes(n_heads, n_q, n_k):
    def pw(n):
        return [2.0 ** (-8.0 * r / n) for r in range(1, n + 1)]
    if n_heads & (n_heads - 1) == 0:
        sl = pw(n_heads)
    else:
        p = 2 ** int(math.log2(n_heads))
        sl = pw(p) + pw(2 * p)[1::2][: n_heads - p]
    m = np.array(sl)
    qpos = n_k - n_q + np.arange(n_q)
    dist = qpos[:, None] - np.arange(n_k)[None, :]
    return np.where(dist >= 0, -m[:, None, None] * dist, -np.inf)


@entry("alibi_bias", "masks the query's own key too (uses j >= query position instead of j > query position)")
def alibi_mask_diagonal(n_heads, n_q, n_k):
    m = np.array(_slopes_ref(n_heads))
    qpos = n_k - n_q + np.arange(n_q)
    dist = qpos[:, None] - np.arange(n_k)[None, :]
    return np.where(dist > 0, -m[:, None, None] * dist, -np.inf)


@entry("alibi_bias", "uses the absolute distance |i - j| and no causal mask, like a bidirectional ALiBi")
def alibi_symmetric(n_heads, n_q, n_k):
    m = np.array(_slopes_ref(n_heads))
    qpos = n_k - n_q + np.arange(n_q)
    dist = np.abs(qpos[:, None] - np.arange(n_k)[None, :])
    return -m[:, None, None] * dist


@entry("alibi_bias", "for non-power-of-two h rounds up: uses the slopes of the next power of two and keeps the first h of them")
def alibi_round_up(n_heads, n_q, n_k):
    P = 1
    while P < n_heads:
        P *= 2
    m = (2.0 ** (-8.0 * np.arange(1, P + 1) / P))[:n_heads]
    qpos = n_k - n_q + np.arange(n_q)
    dist = qpos[:, None] - np.arange(n_k)[None, :]
    return np.where(dist >= 0, -m[:, None, None] * dist, -np.inf)


@entry("alibi_bias", "the authors' recursive get_slopes with geometric ratio, plus np.triu for the mask", kind="correct")
def alibi_authors_style(n_heads, n_q, n_k):
    def get_slopes_power_of_2(n):
        start = 2 ** (-2 ** -(math.log2(n) - 3))
        return [start * start ** i for i in range(n)]
    def get_slopes(n):
        if math.log2(n).is_integer():
            return get_slopes_power_of_2(n)
        closest = 2 ** math.floor(math.log2(n))
        return get_slopes_power_of_2(closest) + get_slopes(2 * closest)[0::2][: n - closest]
    m = np.array(get_slopes(n_heads))
    j = np.arange(n_k)
    qpos = np.arange(n_k - n_q, n_k)
    rel = (j[None, :] - qpos[:, None]).astype(float)        # <= 0 in the past
    bias = m[:, None, None] * rel
    future = np.triu(np.ones((n_q, n_k), dtype=bool), k=n_k - n_q + 1)
    bias[:, future] = -np.inf
    return bias


@entry("alibi_bias", "explicit loops over heads, queries and keys", kind="correct")
def alibi_loops(n_heads, n_q, n_k):
    sl = _slopes_ref(n_heads)
    out = np.empty((n_heads, n_q, n_k))
    for r in range(n_heads):
        for i in range(n_q):
            qp = n_k - n_q + i
            for j in range(n_k):
                out[r, i, j] = -sl[r] * (qp - j) if j <= qp else -np.inf
    return out


# ===================================================================== ex10.q1 LayerNorm

@entry("layer_norm", "uses the unbiased variance (divides by D-1, ddof=1)")
def ln_ddof1(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, ddof=1, keepdims=True)
    return gamma * (x - mu) / np.sqrt(var + eps) + beta


@entry("layer_norm", "adds eps to the standard deviation instead of inside the square root")
def ln_eps_outside(x, gamma, beta, eps=1e-5):
    mu = np.mean(x, axis=-1, keepdims=True)
    sd = np.std(x, axis=-1, keepdims=True)
    return gamma * (x - mu) / (sd + eps) + beta


@entry("layer_norm", "normalizes over axis 0 (across tokens, like BatchNorm) instead of the last axis")
def ln_axis0(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=0, keepdims=True)
    var = x.var(axis=0, keepdims=True)
    return gamma * (x - mu) / np.sqrt(var + eps) + beta


@entry("layer_norm", "forgets eps entirely")
def ln_no_eps(x, gamma, beta, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    return gamma * (x - mu) / np.sqrt(((x - mu) ** 2).mean(-1, keepdims=True)) + beta


@entry("layer_norm", "swaps gamma and beta (multiplies by beta, adds gamma)")
def ln_swapped_affine(x, gamma, beta, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    var = x.var(-1, keepdims=True)
    return beta * (x - mu) / np.sqrt(var + eps) + gamma


@entry("layer_norm", "uses one mean and variance for the whole array instead of one per token")
def ln_global_stats(x, gamma, beta, eps=1e-5):
    mu = x.mean()
    var = x.var()
    return gamma * (x - mu) / np.sqrt(var + eps) + beta


@entry("layer_norm", "drops keepdims, so the per-token mean broadcasts against the feature axis (only runs when the token count equals D or is 1)")
def ln_no_keepdims(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=-1)
    var = x.var(axis=-1)
    return gamma * (x - mu) / np.sqrt(var + eps) + beta


@entry("layer_norm", "two slips: casts to float32 and computes the variance as mean(x^2) - mean^2, which loses precision (badly when the features share a large offset)")
def ln_var_shortcut(x, gamma, beta, eps=1e-5):
    x = np.asarray(x, dtype=np.float32)
    mu = x.mean(-1, keepdims=True)
    var = (x * x).mean(-1, keepdims=True) - mu * mu
    return gamma * (x - mu) / np.sqrt(var + eps) + beta


@entry("layer_norm", "divides by the variance plus eps instead of its square root")
def ln_no_sqrt(x, gamma, beta, eps=1e-5):
    c = x - x.mean(-1, keepdims=True)
    return gamma * c / ((c ** 2).mean(-1, keepdims=True) + eps) + beta


@entry("layer_norm", "normalizes in place, overwriting the caller's x")
def ln_inplace(x, gamma, beta, eps=1e-5):
    x -= x.mean(-1, keepdims=True)
    x /= np.sqrt((x ** 2).mean(-1, keepdims=True) + eps)
    x *= gamma
    x += beta
    return x


@entry("layer_norm", "einsum for the means and 1/sqrt via np.reciprocal", kind="correct")
def ln_einsum(x, gamma, beta, eps=1e-5):
    D = x.shape[-1]
    mu = np.einsum("...d->...", x)[..., None] / D
    c = x - mu
    var = np.einsum("...d,...d->...", c, c)[..., None] / D
    return c * np.reciprocal(np.sqrt(var + eps)) * gamma + beta


@entry("layer_norm", "flattens to (tokens, D), loops over the tokens, reshapes back", kind="correct")
def ln_loop_rows(x, gamma, beta, eps=1e-5):
    x = np.asarray(x, dtype=float)
    flat = x.reshape(-1, x.shape[-1])
    out = np.empty_like(flat)
    for t in range(flat.shape[0]):
        row = flat[t]
        mu = row.sum() / row.size
        var = ((row - mu) ** 2).sum() / row.size
        out[t] = gamma * (row - mu) / math.sqrt(var + eps) + beta
    return out.reshape(x.shape)


# ===================================================================== ex10.q2 LayerNorm backward

def _ln_fwd(x, eps):
    mu = x.mean(-1, keepdims=True)
    var = x.var(-1, keepdims=True)
    s = np.sqrt(var + eps)
    return (x - mu) / s, s


def _sum_tokens(a):
    return a.reshape(-1, a.shape[-1]).sum(0)


@entry("layer_norm_backward", "forgets the 1/s factor in dx")
def lnb_no_inv_s(dy, x, gamma, eps=1e-5):
    xh, s = _ln_fwd(x, eps)
    g = dy * gamma
    dx = g - g.mean(-1, keepdims=True) - xh * (g * xh).mean(-1, keepdims=True)
    return dx, _sum_tokens(dy * xh), _sum_tokens(dy)


@entry("layer_norm_backward", "drops the mean(g) term, treating the mean as a constant")
def lnb_no_mean_term(dy, x, gamma, eps=1e-5):
    xh, s = _ln_fwd(x, eps)
    g = dy * gamma
    dx = (g - xh * (g * xh).mean(-1, keepdims=True)) / s
    return dx, _sum_tokens(dy * xh), _sum_tokens(dy)


@entry("layer_norm_backward", "drops the xhat * mean(g*xhat) term, treating the variance as a constant")
def lnb_no_var_term(dy, x, gamma, eps=1e-5):
    xh, s = _ln_fwd(x, eps)
    g = dy * gamma
    dx = (g - g.mean(-1, keepdims=True)) / s
    return dx, _sum_tokens(dy * xh), _sum_tokens(dy)


@entry("layer_norm_backward", "uses dy instead of g = dy*gamma in dx (forgets gamma)")
def lnb_forgets_gamma(dy, x, gamma, eps=1e-5):
    xh, s = _ln_fwd(x, eps)
    g = dy
    dx = (g - g.mean(-1, keepdims=True) - xh * (g * xh).mean(-1, keepdims=True)) / s
    return dx, _sum_tokens(dy * xh), _sum_tokens(dy)


@entry("layer_norm_backward", "sums dgamma and dbeta only over axis 0, so a (B, T, D) input gives (T, D) instead of (D,)")
def lnb_sum_axis0(dy, x, gamma, eps=1e-5):
    xh, s = _ln_fwd(x, eps)
    g = dy * gamma
    dx = (g - g.mean(-1, keepdims=True) - xh * (g * xh).mean(-1, keepdims=True)) / s
    return dx, (dy * xh).sum(axis=0), dy.sum(axis=0)


@entry("layer_norm_backward", "uses the raw x instead of xhat in dgamma")
def lnb_dgamma_raw_x(dy, x, gamma, eps=1e-5):
    xh, s = _ln_fwd(x, eps)
    g = dy * gamma
    dx = (g - g.mean(-1, keepdims=True) - xh * (g * xh).mean(-1, keepdims=True)) / s
    return dx, _sum_tokens(dy * x), _sum_tokens(dy)


@entry("layer_norm_backward", "averages dgamma and dbeta over the tokens instead of summing")
def lnb_mean_params(dy, x, gamma, eps=1e-5):
    xh, s = _ln_fwd(x, eps)
    g = dy * gamma
    dx = (g - g.mean(-1, keepdims=True) - xh * (g * xh).mean(-1, keepdims=True)) / s
    D = x.shape[-1]
    return dx, (dy * xh).reshape(-1, D).mean(0), dy.reshape(-1, D).mean(0)


@entry("layer_norm_backward", "adds the xhat*mean(g*xhat) term instead of subtracting it")
def lnb_plus_var_term(dy, x, gamma, eps=1e-5):
    xh, s = _ln_fwd(x, eps)
    g = dy * gamma
    dx = (g - g.mean(-1, keepdims=True) + xh * (g * xh).mean(-1, keepdims=True)) / s
    return dx, _sum_tokens(dy * xh), _sum_tokens(dy)


@entry("layer_norm_backward", "takes the means in dx over the tokens (axis 0) instead of over the features")
def lnb_mean_wrong_axis(dy, x, gamma, eps=1e-5):
    xh, s = _ln_fwd(x, eps)
    g = dy * gamma
    dx = (g - g.mean(0, keepdims=True) - xh * (g * xh).mean(0, keepdims=True)) / s
    return dx, _sum_tokens(dy * xh), _sum_tokens(dy)


@entry("layer_norm_backward", "returns the gradients in the wrong order (dgamma, dbeta, dx)")
def lnb_wrong_order(dy, x, gamma, eps=1e-5):
    xh, s = _ln_fwd(x, eps)
    g = dy * gamma
    dx = (g - g.mean(-1, keepdims=True) - xh * (g * xh).mean(-1, keepdims=True)) / s
    return _sum_tokens(dy * xh), _sum_tokens(dy), dx


@entry("layer_norm_backward", "uses the variance with eps outside the square root (s = std + eps) in the backward pass")
def lnb_eps_outside(dy, x, gamma, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    s = x.std(-1, keepdims=True) + eps
    xh = (x - mu) / s
    g = dy * gamma
    dx = (g - g.mean(-1, keepdims=True) - xh * (g * xh).mean(-1, keepdims=True)) / s
    return dx, _sum_tokens(dy * xh), _sum_tokens(dy)


@entry("layer_norm_backward", "the textbook staged chain rule through dvar and dmu (Karpathy style)", kind="correct")
def lnb_staged(dy, x, gamma, eps=1e-5):
    D = x.shape[-1]
    mu = x.mean(-1, keepdims=True)
    xc = x - mu
    var = (xc ** 2).mean(-1, keepdims=True)
    inv = 1.0 / np.sqrt(var + eps)
    xh = xc * inv
    dxh = dy * gamma
    dvar = np.sum(dxh * xc, -1, keepdims=True) * -0.5 * inv ** 3
    dmu = np.sum(-dxh * inv, -1, keepdims=True) + dvar * np.mean(-2.0 * xc, -1, keepdims=True)
    dx = dxh * inv + dvar * 2.0 * xc / D + dmu / D
    axes = tuple(range(x.ndim - 1))
    return dx, np.sum(dy * xh, axis=axes), np.sum(dy, axis=axes)


@entry("layer_norm_backward", "the N*g - sum(g) - xhat*sum(g*xhat) form divided by N*s, params via einsum", kind="correct")
def lnb_compact(dy, x, gamma, eps=1e-5):
    D = x.shape[-1]
    xh, s = _ln_fwd(x, eps)
    g = dy * gamma
    dx = (D * g - g.sum(-1, keepdims=True) - xh * (g * xh).sum(-1, keepdims=True)) / (D * s)
    dg = np.einsum("td,td->d", dy.reshape(-1, D), xh.reshape(-1, D))
    db = np.einsum("td->d", dy.reshape(-1, D))
    return dx, dg, db


# ===================================================================== ex10.q3 cross-entropy

@entry("cross_entropy", "sums the loss over rows instead of averaging (and the gradient is not divided by n)")
def ce_sum(logits, targets):
    n = logits.shape[0]
    z = logits - logits.max(1, keepdims=True)
    lp = z - np.log(np.exp(z).sum(1, keepdims=True))
    loss = -lp[np.arange(n), targets].sum()
    d = np.exp(lp)
    d[np.arange(n), targets] -= 1
    return loss, d


@entry("cross_entropy", "averages the loss but forgets to divide the gradient by n")
def ce_grad_not_divided(logits, targets):
    n = logits.shape[0]
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(p[np.arange(n), targets]))
    d = p.copy()
    d[np.arange(n), targets] -= 1
    return loss, d


@entry("cross_entropy", "returns softmax/n as the gradient, forgetting to subtract the one-hot target")
def ce_grad_no_onehot(logits, targets):
    n = logits.shape[0]
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(n), targets]).mean()
    return loss, p / n


@entry("cross_entropy", "gets the gradient's sign backwards (one-hot minus softmax)")
def ce_grad_sign(logits, targets):
    n = logits.shape[0]
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(n), targets]).mean()
    y = np.zeros_like(p)
    y[np.arange(n), targets] = 1
    return loss, (y - p) / n


@entry("cross_entropy", "measures the loss in bits (log2) instead of nats")
def ce_log2(logits, targets):
    n = logits.shape[0]
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    loss = -np.log2(p[np.arange(n), targets]).mean()
    d = p.copy()
    d[np.arange(n), targets] -= 1
    return loss, d / n


@entry("cross_entropy", "takes the softmax without subtracting the row max, so large logits overflow to nan")
def ce_unstable(logits, targets):
    n = logits.shape[0]
    e = np.exp(logits)
    p = e / e.sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(n), targets]).mean()
    d = p.copy()
    d[np.arange(n), targets] -= 1
    return loss, d / n


@entry("cross_entropy", "indexes the targets with logits[:, targets], picking an n x n block, and averages all of it")
def ce_bad_indexing(logits, targets):
    n = logits.shape[0]
    z = logits - logits.max(axis=1, keepdims=True)
    lp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    loss = -lp[:, targets].mean()
    d = np.exp(lp)
    d[np.arange(n), targets] -= 1
    return loss, d / n


@entry("cross_entropy", "takes the softmax over axis 0 (down the positions) instead of over the vocabulary")
def ce_axis0(logits, targets):
    n = logits.shape[0]
    z = logits - logits.max(axis=0, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=0, keepdims=True)
    loss = -np.log(p[np.arange(n), targets]).mean()
    d = p.copy()
    d[np.arange(n), targets] -= 1
    return loss, d / n


@entry("cross_entropy", "subtracts the one-hot in place from the softmax but writes d[targets] -= 1 (whole rows) instead of one entry per row")
def ce_row_subtract(logits, targets):
    n = logits.shape[0]
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(n), targets]).mean()
    d = p.copy()
    for t in targets:
        d[t] -= 1
    return loss, d / n


@entry("cross_entropy", "clips the probabilities to 1e-12 before the log but computes the softmax unshifted; with large logits the loss still overflows")
def ce_clip_unshifted(logits, targets):
    n = logits.shape[0]
    p = np.exp(logits) / np.sum(np.exp(logits), axis=-1, keepdims=True)
    p = np.clip(p, 1e-12, 1.0)
    loss = float(-np.mean(np.log(p[np.arange(n), targets])))
    g = p.copy()
    g[np.arange(n), targets] -= 1.0
    return loss, g / n


@entry("cross_entropy", "log-sum-exp via np.logaddexp.reduce and the one-hot via np.eye", kind="correct")
def ce_logaddexp(logits, targets):
    n, V = logits.shape
    lse = np.logaddexp.reduce(logits, axis=1)
    loss = float(np.mean(lse - logits[np.arange(n), targets]))
    p = np.exp(logits - lse[:, None])
    return loss, (p - np.eye(V)[targets]) / n


@entry("cross_entropy", "loops row by row with a shifted softmax", kind="correct")
def ce_loop(logits, targets):
    n = logits.shape[0]
    total = 0.0
    grad = np.zeros(logits.shape)
    for i in range(n):
        row = logits[i] - np.max(logits[i])
        e = np.exp(row)
        Z = e.sum()
        total += math.log(Z) - row[targets[i]]
        grad[i] = e / Z
        grad[i, targets[i]] -= 1.0
    return total / n, grad / n


# ===================================================================== ex10.q4 one GPT block

def _ln(x, g, b, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    var = x.var(-1, keepdims=True)
    return g * (x - mu) / np.sqrt(var + eps) + b


def _gelu(u):
    return 0.5 * u * (1 + np.tanh(np.sqrt(2 / np.pi) * (u + 0.044715 * u ** 3)))


def _softmax(s):
    s = s - s.max(-1, keepdims=True)
    e = np.exp(s)
    return e / e.sum(-1, keepdims=True)


def _mha(h, P, n_heads, causal=True, scale_by="d", merge_ok=True):
    B, T, D = h.shape
    d = D // n_heads
    q = (h @ P["W_q"]).reshape(B, T, n_heads, d).transpose(0, 2, 1, 3)
    k = (h @ P["W_k"]).reshape(B, T, n_heads, d).transpose(0, 2, 1, 3)
    v = (h @ P["W_v"]).reshape(B, T, n_heads, d).transpose(0, 2, 1, 3)
    sc = q @ k.transpose(0, 1, 3, 2) / np.sqrt(D if scale_by == "D" else d)
    if causal:
        sc = np.where(np.tril(np.ones((T, T), bool)), sc, -np.inf)
    o = _softmax(sc) @ v
    o = o.transpose(0, 2, 1, 3).reshape(B, T, D) if merge_ok else o.reshape(B, T, D)
    return o @ P["W_o"]


@entry("gpt_block", "post-LN: applies LayerNorm after adding each residual instead of before the sublayer")
def gpt_post_ln(x, params, n_heads):
    P = params
    x = _ln(x + _mha(x, P, n_heads), P["ln1.g"], P["ln1.b"])
    m = _gelu(x @ P["W_1"] + P["b_1"]) @ P["W_2"] + P["b_2"]
    return _ln(x + m, P["ln2.g"], P["ln2.b"])


@entry("gpt_block", "forgets the causal mask: every position attends to the future too")
def gpt_no_mask(x, params, n_heads):
    P = params
    x = x + _mha(_ln(x, P["ln1.g"], P["ln1.b"]), P, n_heads, causal=False)
    h = _ln(x, P["ln2.g"], P["ln2.b"])
    return x + _gelu(h @ P["W_1"] + P["b_1"]) @ P["W_2"] + P["b_2"]


@entry("gpt_block", "scales the scores by sqrt(D) of the model instead of sqrt(d) of a head")
def gpt_scale_D(x, params, n_heads):
    P = params
    x = x + _mha(_ln(x, P["ln1.g"], P["ln1.b"]), P, n_heads, scale_by="D")
    h = _ln(x, P["ln2.g"], P["ln2.b"])
    return x + _gelu(h @ P["W_1"] + P["b_1"]) @ P["W_2"] + P["b_2"]


@entry("gpt_block", "merges the heads with a plain reshape of (B, h, T, d) to (B, T, D) without transposing back")
def gpt_bad_merge(x, params, n_heads):
    P = params
    x = x + _mha(_ln(x, P["ln1.g"], P["ln1.b"]), P, n_heads, merge_ok=False)
    h = _ln(x, P["ln2.g"], P["ln2.b"])
    return x + _gelu(h @ P["W_1"] + P["b_1"]) @ P["W_2"] + P["b_2"]


@entry("gpt_block", "uses the exact erf GELU instead of the tanh form the notebook asks for")
def gpt_erf_gelu(x, params, n_heads):
    P = params
    erf = np.vectorize(math.erf)
    x = x + _mha(_ln(x, P["ln1.g"], P["ln1.b"]), P, n_heads)
    u = _ln(x, P["ln2.g"], P["ln2.b"]) @ P["W_1"] + P["b_1"]
    return x + (0.5 * u * (1 + erf(u / math.sqrt(2)))) @ P["W_2"] + P["b_2"]


@entry("gpt_block", "uses ReLU instead of GELU in the MLP")
def gpt_relu(x, params, n_heads):
    P = params
    x = x + _mha(_ln(x, P["ln1.g"], P["ln1.b"]), P, n_heads)
    u = _ln(x, P["ln2.g"], P["ln2.b"]) @ P["W_1"] + P["b_1"]
    return x + np.maximum(u, 0) @ P["W_2"] + P["b_2"]


@entry("gpt_block", "adds the residual to the normalized stream: x <- LN1(x) + Attention(LN1(x))")
def gpt_residual_from_ln(x, params, n_heads):
    P = params
    h = _ln(x, P["ln1.g"], P["ln1.b"])
    x = h + _mha(h, P, n_heads)
    h2 = _ln(x, P["ln2.g"], P["ln2.b"])
    return h2 + _gelu(h2 @ P["W_1"] + P["b_1"]) @ P["W_2"] + P["b_2"]


@entry("gpt_block", "runs the attention and the MLP in parallel on the original x (both from x, not the MLP from the updated stream)")
def gpt_parallel(x, params, n_heads):
    P = params
    a = _mha(_ln(x, P["ln1.g"], P["ln1.b"]), P, n_heads)
    m = _gelu(_ln(x, P["ln2.g"], P["ln2.b"]) @ P["W_1"] + P["b_1"]) @ P["W_2"] + P["b_2"]
    return x + a + m


@entry("gpt_block", "builds the causal mask with np.triu (keeps the future, blocks the past)")
def gpt_triu_mask(x, params, n_heads):
    P = params
    B, T, D = x.shape
    d = D // n_heads
    h = _ln(x, P["ln1.g"], P["ln1.b"])
    q = (h @ P["W_q"]).reshape(B, T, n_heads, d).transpose(0, 2, 1, 3)
    k = (h @ P["W_k"]).reshape(B, T, n_heads, d).transpose(0, 2, 1, 3)
    v = (h @ P["W_v"]).reshape(B, T, n_heads, d).transpose(0, 2, 1, 3)
    s = q @ k.transpose(0, 1, 3, 2) / math.sqrt(d)
    s = np.where(np.triu(np.ones((T, T), bool)), s, -np.inf)
    o = (_softmax(s) @ v).transpose(0, 2, 1, 3).reshape(B, T, D) @ P["W_o"]
    x = x + o
    return x + _gelu(_ln(x, P["ln2.g"], P["ln2.b"]) @ P["W_1"] + P["b_1"]) @ P["W_2"] + P["b_2"]


@entry("gpt_block", "splits heads by taking strided feature columns (h[..., r::n_heads]) instead of contiguous blocks")
def gpt_strided_heads(x, params, n_heads):
    P = params
    B, T, D = x.shape
    d = D // n_heads
    h = _ln(x, P["ln1.g"], P["ln1.b"])
    Q, K, V = h @ P["W_q"], h @ P["W_k"], h @ P["W_v"]
    outs = np.zeros((B, T, D))
    mask = np.tril(np.ones((T, T), bool))
    for r in range(n_heads):
        q, k, v = Q[..., r::n_heads], K[..., r::n_heads], V[..., r::n_heads]
        s = np.where(mask, q @ k.transpose(0, 2, 1) / math.sqrt(d), -np.inf)
        outs[..., r * d:(r + 1) * d] = _softmax(s) @ v
    x = x + outs @ P["W_o"]
    return x + _gelu(_ln(x, P["ln2.g"], P["ln2.b"]) @ P["W_1"] + P["b_1"]) @ P["W_2"] + P["b_2"]


@entry("gpt_block", "uses ln1's gamma and beta for both LayerNorms")
def gpt_same_ln(x, params, n_heads):
    P = params
    x = x + _mha(_ln(x, P["ln1.g"], P["ln1.b"]), P, n_heads)
    h = _ln(x, P["ln1.g"], P["ln1.b"])
    return x + _gelu(h @ P["W_1"] + P["b_1"]) @ P["W_2"] + P["b_2"]


@entry("gpt_block", "loops over heads with contiguous column slices and concatenates", kind="correct")
def gpt_head_loop(x, params, n_heads):
    P = params
    B, T, D = x.shape
    d = D // n_heads
    h = _ln(x, P["ln1.g"], P["ln1.b"])
    Q, K, V = h @ P["W_q"], h @ P["W_k"], h @ P["W_v"]
    future = np.triu(np.ones((T, T), bool), k=1)
    heads = []
    for r in range(n_heads):
        sl = slice(r * d, (r + 1) * d)
        s = Q[..., sl] @ np.swapaxes(K[..., sl], -1, -2) / math.sqrt(d)
        s[:, future] = -np.inf
        heads.append(_softmax(s) @ V[..., sl])
    x = x + np.concatenate(heads, axis=-1) @ P["W_o"]
    return x + _gelu(_ln(x, P["ln2.g"], P["ln2.b"]) @ P["W_1"] + P["b_1"]) @ P["W_2"] + P["b_2"]


@entry("gpt_block", "einsum with W_q etc. reshaped to (D, h, d), and W_o folded back per head", kind="correct")
def gpt_einsum(x, params, n_heads):
    P = params
    B, T, D = x.shape
    d = D // n_heads
    h = _ln(x, P["ln1.g"], P["ln1.b"])
    Wq = P["W_q"].reshape(D, n_heads, d)
    Wk = P["W_k"].reshape(D, n_heads, d)
    Wv = P["W_v"].reshape(D, n_heads, d)
    Wo = P["W_o"].reshape(n_heads, d, D)
    q = np.einsum("btD,Dhd->bhtd", h, Wq)
    k = np.einsum("btD,Dhd->bhtd", h, Wk)
    v = np.einsum("btD,Dhd->bhtd", h, Wv)
    s = np.einsum("bhid,bhjd->bhij", q, k) / math.sqrt(d)
    s = s + np.where(np.arange(T)[None, :] > np.arange(T)[:, None], -np.inf, 0.0)
    a = _softmax(s)
    o = np.einsum("bhij,bhjd->bhid", a, v)
    x = x + np.einsum("bhtd,hdE->btE", o, Wo)
    u = _ln(x, P["ln2.g"], P["ln2.b"]) @ P["W_1"] + P["b_1"]
    g = 0.5 * u * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (u + 0.044715 * u * u * u)))
    return x + g @ P["W_2"] + P["b_2"]


# ===================================================================== ex10.q5 sampling

@entry("sample_next", "multiplies the logits by the temperature instead of dividing")
def sample_mult_temp(logits, rng, temperature=1.0, top_k=None, size=None):
    if temperature == 0:
        return int(np.argmax(logits)) if size is None else np.full(size, int(np.argmax(logits)))
    z = np.asarray(logits, float) * temperature
    if top_k is not None:
        kth = np.sort(z)[-top_k]
        z = np.where(z >= kth, z, -np.inf)
    p = np.exp(z - z.max())
    p /= p.sum()
    return rng.choice(len(z), size=size, p=p)


@entry("sample_next", "keeps exactly top_k tokens with argsort, dropping ties with the k-th largest")
def sample_argsort_ties(logits, rng, temperature=1.0, top_k=None, size=None):
    V = len(logits)
    if temperature == 0:
        i = int(np.argmax(logits))
        return i if size is None else np.full(size, i)
    z = np.asarray(logits, float) / temperature
    if top_k is not None:
        keep = np.argsort(z)[-top_k:]
        m = np.full(V, -np.inf)
        m[keep] = z[keep]
        z = m
    p = np.exp(z - z.max())
    return rng.choice(V, size=size, p=p / p.sum())


@entry("sample_next", "keeps only logits strictly greater than the k-th largest, so one token too few survives")
def sample_strict_threshold(logits, rng, temperature=1.0, top_k=None, size=None):
    V = len(logits)
    if temperature == 0:
        i = int(np.argmax(logits))
        return i if size is None else np.full(size, i)
    z = np.asarray(logits, float) / temperature
    if top_k is not None:
        kth = np.sort(z)[::-1][top_k - 1]
        z = np.where(z > kth, z, -np.inf)
    p = np.exp(z - z.max())
    return rng.choice(V, size=size, p=p / p.sum())


@entry("sample_next", "keeps the top_k smallest logits (sorts ascending and takes the first k)")
def sample_smallest_k(logits, rng, temperature=1.0, top_k=None, size=None):
    V = len(logits)
    if temperature == 0:
        i = int(np.argmax(logits))
        return i if size is None else np.full(size, i)
    z = np.asarray(logits, float) / temperature
    if top_k is not None:
        kth = np.sort(z)[top_k - 1]
        z = np.where(z <= kth, z, -np.inf)
    p = np.exp(z - z.max())
    return rng.choice(V, size=size, p=p / p.sum())


@entry("sample_next", "treats temperature 0 by clamping it to a tiny number and still drawing from rng")
def sample_temp0_draws(logits, rng, temperature=1.0, top_k=None, size=None):
    V = len(logits)
    t = max(temperature, 1e-8)
    z = np.asarray(logits, float) / t
    if top_k is not None:
        kth = np.sort(z)[-top_k]
        z = np.where(z >= kth, z, -np.inf)
    p = np.exp(z - z.max())
    p /= p.sum()
    return rng.choice(V, size=size, p=p)


@entry("sample_next", "with temperature 0 returns one id even when size is given")
def sample_greedy_ignores_size(logits, rng, temperature=1.0, top_k=None, size=None):
    V = len(logits)
    if temperature == 0:
        return int(np.argmax(logits))
    z = np.asarray(logits, float) / temperature
    if top_k is not None:
        kth = np.sort(z)[-top_k]
        z = np.where(z >= kth, z, -np.inf)
    p = np.exp(z - z.max())
    return rng.choice(V, size=size, p=p / p.sum())


@entry("sample_next", "uses numpy's global np.random.choice instead of the rng it was given")
def sample_global_rng(logits, rng, temperature=1.0, top_k=None, size=None):
    V = len(logits)
    if temperature == 0:
        i = int(np.argmax(logits))
        return i if size is None else np.full(size, i)
    z = np.asarray(logits, float) / temperature
    if top_k is not None:
        kth = np.sort(z)[-top_k]
        z = np.where(z >= kth, z, -np.inf)
    p = np.exp(z - z.max())
    return np.random.choice(V, size=size, p=p / p.sum())


@entry("sample_next", "applies top-k to the raw logits but the temperature only after the softmax (p ** (1/T) without renormalizing properly: renormalizes before the power)")
def sample_temp_after_softmax(logits, rng, temperature=1.0, top_k=None, size=None):
    V = len(logits)
    if temperature == 0:
        i = int(np.argmax(logits))
        return i if size is None else np.full(size, i)
    z = np.asarray(logits, float)
    if top_k is not None:
        kth = np.sort(z)[-top_k]
        z = np.where(z >= kth, z, -np.inf)
    p = np.exp(z - z.max())
    p = p / p.sum()
    p = p / temperature
    p = p / p.sum()
    return rng.choice(V, size=size, p=p)


@entry("sample_next", "greedy returns the smallest logit's id (argmin) for temperature 0")
def sample_argmin(logits, rng, temperature=1.0, top_k=None, size=None):
    V = len(logits)
    if temperature == 0:
        i = int(np.argmin(logits))
        return i if size is None else np.full(size, i)
    z = np.asarray(logits, float) / temperature
    if top_k is not None:
        kth = np.sort(z)[-top_k]
        z = np.where(z >= kth, z, -np.inf)
    p = np.exp(z - z.max())
    return rng.choice(V, size=size, p=p / p.sum())


@entry("sample_next", "off by one in top-k: takes the threshold at np.sort(z)[-top_k - 1], keeping k+1 tokens")
def sample_k_plus_one(logits, rng, temperature=1.0, top_k=None, size=None):
    V = len(logits)
    if temperature == 0:
        i = int(np.argmax(logits))
        return i if size is None else np.full(size, i)
    z = np.asarray(logits, float) / temperature
    if top_k is not None and top_k < V:
        kth = np.sort(z)[-top_k - 1]
        z = np.where(z >= kth, z, -np.inf)
    p = np.exp(z - z.max())
    return rng.choice(V, size=size, p=p / p.sum())


@entry("sample_next", "applies top-k on the raw logits before dividing by the temperature (same survivors for T > 0)", kind="correct")
def sample_topk_first(logits, rng, temperature=1.0, top_k=None, size=None):
    x = np.asarray(logits, dtype=float)
    if temperature == 0:
        i = int(x.argmax())
        return i if size is None else np.full(size, i)
    if top_k is not None:
        x = np.where(x >= np.sort(x)[-top_k], x, -np.inf)
    z = x / temperature
    p = np.exp(z - z.max())
    return rng.choice(x.size, size=size, p=p / p.sum())


@entry("sample_next", "top-k with np.partition, softmax over the survivors, then renormalizes the zeroed-out probabilities", kind="correct")
def sample_partition(logits, rng, temperature=1.0, top_k=None, size=None):
    logits = np.asarray(logits, dtype=float)
    V = logits.shape[0]
    if temperature == 0:
        best = int(np.argmax(logits))
        return best if size is None else np.full(size, best)
    z = logits / temperature
    p = np.exp(z - np.max(z))
    if top_k is not None:
        thr = np.partition(z, V - top_k)[V - top_k]
        p = np.where(z >= thr, p, 0.0)
    p = p / p.sum()
    return rng.choice(V, size=size, p=p)


@entry("sample_next", "masks with a boolean index and shifts by the largest surviving logit", kind="correct")
def sample_bool_mask(logits, rng, temperature=1.0, top_k=None, size=None):
    V = len(logits)
    if temperature == 0:
        idx = np.argmax(logits)
        return idx if size is None else np.repeat(idx, size)
    z = np.array(logits, dtype=np.float64) / float(temperature)
    keep = np.ones(V, bool)
    if top_k is not None:
        keep = z >= -np.sort(-z)[top_k - 1]
    e = np.zeros(V)
    e[keep] = np.exp(z[keep] - z[keep].max())
    return rng.choice(V, size=size, p=e / e.sum())


EXPECTED = {
    "sinusoidal_concat": "pe_sin_cos_concatenated",
    "sinusoidal_column_exponent": "pe_frequency_per_column",
    "sinusoidal_i_over_d": "frequency_exponent_halved",
    "sinusoidal_from_one": "positions_start_at_one",
    "sinusoidal_swapped": "pe_sin_cos_swapped",
    "sinusoidal_multiplies": "frequency_inverted",
    "sinusoidal_hardcoded_base": "base_argument_ignored",
    "sinusoidal_forgot_log": None,
    "sinusoidal_half_width": "pe_sines_only",
    "sinusoidal_bad_reshape": "pe_sin_cos_concatenated",
    "rope_interleaved": "rope_interleaved_pairs",
    "rope_sign_flipped": "rope_rotated_backwards",
    "rope_ignores_positions": "positions_argument_ignored",
    "rope_i_over_d": "frequency_exponent_halved",
    "rope_inplace_overwrite": "mutates_input",
    "rope_full_width_angles": None,
    "rope_rotate_half_sign": "rope_rotated_backwards",
    "rope_output_halves_swapped": "operands_swapped",
    "rope_divides_by_freq": "frequency_inverted",
    "rope_scores_no_scale": "no_sqrt_d_scaling",
    "rope_scores_div_d": "scaled_by_d",
    "rope_scores_only_q": "rope_query_only",
    "rope_scores_arange": "positions_argument_ignored",
    "rope_scores_q_by_k_positions": None,
    "rope_scores_dot_T": "transpose_all_axes",
    "rope_scores_sqrt_half_d": "constant_factor",
    "rope_scores_relative_first_query": None,
    "rope_scores_interleaved": "rope_interleaved_pairs",
    "alibi_slopes_off_by_one": "alibi_slopes_off_by_one",
    "alibi_no_interleave": "alibi_slopes_power_of_two_rule",
    "alibi_minus_1e9": "alibi_blocked_finite",
    "alibi_no_causal": "alibi_missing_causal_part",
    "alibi_no_offset": "causal_mask_top_left",
    "alibi_positive": "alibi_sign_flipped",
    "alibi_wrong_extra_slopes": "off_by_one",
    "alibi_mask_diagonal": "comparison_strict",
    "alibi_symmetric": "alibi_missing_causal_part",
    "alibi_round_up": "alibi_slopes_rounded_up",
    "ln_ddof1": "layer_norm_unbiased_variance",
    "ln_eps_outside": "layer_norm_eps_outside_sqrt",
    "ln_axis0": "layer_norm_wrong_axis",
    "ln_no_eps": "layer_norm_no_eps",
    "ln_swapped_affine": "layer_norm_gamma_beta_swapped",
    "ln_global_stats": "layer_norm_wrong_axis",
    "ln_no_keepdims": "missing_keepdims",
    "ln_var_shortcut": "layer_norm_variance_cancels",
    "ln_no_sqrt": "layer_norm_divided_by_variance",
    "ln_inplace": "mutates_input",
    "lnb_no_inv_s": "term_missing",
    "lnb_no_mean_term": "layer_norm_backward_missing_mean_term",
    "lnb_no_var_term": "layer_norm_backward_missing_variance_term",
    "lnb_forgets_gamma": "layer_norm_backward_without_gamma",
    "lnb_sum_axis0": "fixed_ndim",
    "lnb_dgamma_raw_x": "name_confused",
    "lnb_mean_params": "wrong_reduction",
    "lnb_plus_var_term": "sign_of_term",
    "lnb_mean_wrong_axis": "wrong_axis",
    "lnb_wrong_order": None,
    "lnb_eps_outside": None,
    "ce_sum": "ce_loss_summed",
    "ce_grad_not_divided": "ce_grad_not_averaged",
    "ce_grad_no_onehot": "ce_grad_missing_onehot",
    "ce_grad_sign": "sign_flipped",
    "ce_log2": "ce_in_bits",
    "ce_unstable": "not_finite",
    "ce_bad_indexing": "ce_wrong_index",
    "ce_axis0": "wrong_axis",
    "ce_row_subtract": None,
    "ce_clip_unshifted": None,
    "gpt_post_ln": "block_post_ln",
    "gpt_no_mask": "block_not_causal",
    "gpt_scale_D": "scaled_by_d_model",
    "gpt_bad_merge": "transpose_slip",
    "gpt_erf_gelu": "gelu_exact_not_tanh",
    "gpt_relu": "relu_instead_of_gelu",
    "gpt_residual_from_ln": "block_residual_from_normalised",
    "gpt_parallel": "block_mlp_reads_input",
    "gpt_triu_mask": "block_not_causal",
    "gpt_strided_heads": None,
    "gpt_same_ln": "block_layer_norms_swapped",
    "sample_mult_temp": "temperature_multiplied",
    "sample_argsort_ties": "topk_wrong_count",
    "sample_strict_threshold": "topk_wrong_count",
    "sample_smallest_k": "topk_smallest",
    "sample_temp0_draws": "sampling_rng_state",
    "sample_greedy_ignores_size": "sampling_size_ignored",
    "sample_global_rng": "sampling_ignores_rng",
    "sample_temp_after_softmax": "temperature_ignored",
    "sample_argmin": "wrong_reduction",
    "sample_k_plus_one": "topk_wrong_count"
}

JUDGED = {
    "sinusoidal_concat": "named",
    "sinusoidal_column_exponent": "named",
    "sinusoidal_i_over_d": "named",
    "sinusoidal_from_one": "named",
    "sinusoidal_swapped": "named",
    "sinusoidal_multiplies": "named",
    "sinusoidal_hardcoded_base": "named",
    "sinusoidal_forgot_log": "other",
    "sinusoidal_half_width": "named",
    "sinusoidal_bad_reshape": "named",
    "sinusoidal_exp_stack": "ok",
    "sinusoidal_loops": "ok",
    "rope_interleaved": "named",
    "rope_sign_flipped": "named",
    "rope_ignores_positions": "named",
    "rope_i_over_d": "named",
    "rope_inplace_overwrite": "named",
    "rope_full_width_angles": "vague",
    "rope_rotate_half_sign": "named",
    "rope_output_halves_swapped": "named",
    "rope_divides_by_freq": "named",
    "rope_complex": "ok",
    "rope_matrix_einsum": "ok",
    "rope_hf_style": "ok",
    "rope_scores_no_scale": "named",
    "rope_scores_div_d": "named",
    "rope_scores_only_q": "named",
    "rope_scores_arange": "named",
    "rope_scores_q_by_k_positions": "other",
    "rope_scores_dot_T": "named",
    "rope_scores_sqrt_half_d": "named",
    "rope_scores_relative_first_query": "vague",
    "rope_scores_interleaved": "named",
    "rope_scores_prescale_einsum": "ok",
    "rope_scores_shifted_origin": "ok",
    "rope_scores_complex_relative": "ok",
    "alibi_slopes_off_by_one": "named",
    "alibi_no_interleave": "named",
    "alibi_minus_1e9": "named",
    "alibi_no_causal": "named",
    "alibi_no_offset": "named",
    "alibi_positive": "named",
    "alibi_wrong_extra_slopes": "named",
    "alibi_mask_diagonal": "named",
    "alibi_symmetric": "named",
    "alibi_round_up": "named",
    "alibi_authors_style": "ok",
    "alibi_loops": "ok",
    "ln_ddof1": "named",
    "ln_eps_outside": "named",
    "ln_axis0": "named",
    "ln_no_eps": "named",
    "ln_swapped_affine": "named",
    "ln_global_stats": "named",
    "ln_no_keepdims": "named",
    "ln_var_shortcut": "named",
    "ln_no_sqrt": "named",
    "ln_inplace": "named",
    "ln_einsum": "ok",
    "ln_loop_rows": "ok",
    "lnb_no_inv_s": "named",
    "lnb_no_mean_term": "named",
    "lnb_no_var_term": "named",
    "lnb_forgets_gamma": "named",
    "lnb_sum_axis0": "named",
    "lnb_dgamma_raw_x": "named",
    "lnb_mean_params": "named",
    "lnb_plus_var_term": "named",
    "lnb_mean_wrong_axis": "named",
    "lnb_wrong_order": "vague",
    "lnb_eps_outside": "other",
    "lnb_staged": "ok",
    "lnb_compact": "ok",
    "ce_sum": "named",
    "ce_grad_not_divided": "named",
    "ce_grad_no_onehot": "named",
    "ce_grad_sign": "named",
    "ce_log2": "named",
    "ce_unstable": "named",
    "ce_bad_indexing": "named",
    "ce_axis0": "named",
    "ce_row_subtract": "vague",
    "ce_clip_unshifted": "other",
    "ce_logaddexp": "ok",
    "ce_loop": "ok",
    "gpt_post_ln": "named",
    "gpt_no_mask": "named",
    "gpt_scale_D": "named",
    "gpt_bad_merge": "named",
    "gpt_erf_gelu": "named",
    "gpt_relu": "named",
    "gpt_residual_from_ln": "named",
    "gpt_parallel": "named",
    "gpt_triu_mask": "named",
    "gpt_strided_heads": "vague",
    "gpt_same_ln": "named",
    "gpt_head_loop": "ok",
    "gpt_einsum": "ok",
    "sample_mult_temp": "named",
    "sample_argsort_ties": "named",
    "sample_strict_threshold": "named",
    "sample_smallest_k": "named",
    "sample_temp0_draws": "named",
    "sample_greedy_ignores_size": "named",
    "sample_global_rng": "named",
    "sample_temp_after_softmax": "named",
    "sample_argmin": "named",
    "sample_k_plus_one": "named",
    "sample_topk_first": "ok",
    "sample_partition": "ok",
    "sample_bool_mask": "ok"
}
