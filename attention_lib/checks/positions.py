"""Checks for lesson 09: sinusoidal encodings, RoPE, RoPE scores with their own positions, and ALiBi.

Every reference is the library's own function (:mod:`attention_lib.positions`), with the same signature.

Each exercise also keeps its **teaching reference** (:data:`TEACHING`): the most direct numpy a learner
would write, with a ``# role:`` note on every line that carries an idea. The wrong implementations below
are that reference with one or two of those lines changed (switched by keywords), and each change is named
by the catalogue code whose message says what the line is for.
"""
from __future__ import annotations

import math

import numpy as np

from .. import positions as lib
from ._compare import as_array
from ._engine import Exercise, Misconception, Probe, family, randn

# --------------------------------------------------------------------------- teaching references


def sinusoidal_positions(n, d, base=10000.0):
    """Teaching reference for ``sinusoidal_positions``."""
    p = np.arange(n)[:, None]                              # role: one row per position, the first at position 0
    two_i = np.arange(0, d, 2)[None, :]                    # role: one frequency per pair; the exponent counts 2i
    angles = p / base ** (two_i / d)                       # role: position divided by base^(2i/d) (base, not 10,000)
    pe = np.zeros((n, d))
    pe[:, 0::2] = np.sin(angles)                           # role: even columns hold the sines
    pe[:, 1::2] = np.cos(angles)                           # role: odd columns hold the cosines of the same angles
    return pe


def apply_rope(x, positions, base=10000.0):
    """Teaching reference for ``apply_rope`` (half-split pairs)."""
    d = x.shape[-1]
    two_i = np.arange(0, d, 2)                             # role: one frequency per pair, shared by both features
    theta = np.asarray(positions)[:, None] / base ** (two_i / d)   # role: each row turns by its own position · ω_i
    cos, sin = np.cos(theta), np.sin(theta)
    x1, x2 = x[..., : d // 2], x[..., d // 2:]             # role: feature i pairs with feature i + d/2
    return np.concatenate([x1 * cos - x2 * sin,            # role: a rotation by +θ (the minus sign is here)
                           x1 * sin + x2 * cos], axis=-1)


def rope_scores(q, k, q_positions, k_positions, base=10000.0):
    """Teaching reference for ``rope_scores``."""
    q_rot = apply_rope(q, q_positions, base)               # role: each query turns by its own position m
    k_rot = apply_rope(k, k_positions, base)               # role: each key turns by its own position n
    return q_rot @ np.swapaxes(k_rot, -1, -2) / np.sqrt(q.shape[-1])   # role: scaled dot products, a row per query


def alibi_bias(n_heads, n_q, n_k):
    """Teaching reference for ``alibi_bias``."""
    def slopes(h):
        p = 2 ** int(np.floor(np.log2(h)))                 # role: the largest power of 2 not above h
        first = 2.0 ** (-8.0 * np.arange(1, p + 1) / p)    # role: 2^(−8i/p), i = 1 … p: from 2^(−8/p) to 2^(−8)
        if p == h:
            return first
        return np.concatenate([first, slopes(2 * p)[0::2][: h - p]])   # role: other h: every other slope of 2p
    i = np.arange(n_k - n_q, n_k)[:, None]                 # role: query i sits at position n_k − n_q + i
    j = np.arange(n_k)[None, :]
    bias = -slopes(n_heads)[:, None, None] * (i - j)       # role: −m · (distance back), 0 for the query's own key
    return np.where(j <= i, bias, -np.inf)                 # role: keys after the query are blocked


TEACHING = {"sinusoidal_positions": sinusoidal_positions, "apply_rope": apply_rope, "rope_scores": rope_scores,
            "alibi_bias": alibi_bias}
"""Each exercise's teaching reference: the direct numpy, with the role of each line."""

# --------------------------------------------------------------------------- q1 · sinusoidal encodings

_OMEGA = {   # the frequency of each column pair's sine and cosine: (sine's, cosine's), from 2i and d
    "pair": lambda two_i, d, b: (b ** (-two_i / d), b ** (-two_i / d)),
    "per_column": lambda two_i, d, b: (b ** (-two_i / d), b ** (-(two_i + 1) / d)),
    "doubled": lambda two_i, d, b: (b ** (-2 * two_i / d),) * 2,
    "halved": lambda two_i, d, b: (b ** (-two_i / 2 / d),) * 2,
    "inverted": lambda two_i, d, b: (b ** (two_i / d),) * 2,
}


def _pe(layout="interleaved", frequency="pair", start=0, fixed_base=False):
    """The teaching reference with one switch per line that carries an idea."""
    def sinusoidal_positions(n, d, base=10000.0):
        p = np.arange(start, start + n)[:, None]           # (n, 1)
        two_i = np.arange(0, d, 2)[None, :]                # (1, d/2)
        w_sin, w_cos = _OMEGA[frequency](two_i, d, 10000.0 if fixed_base else base)
        s, c = np.sin(p * w_sin), np.cos(p * w_cos)        # (n, d/2) each
        pe = np.zeros((n, d))
        if layout == "halves":
            pe[:, : d // 2], pe[:, d // 2:] = s, c
        elif layout == "swapped":
            pe[:, 0::2], pe[:, 1::2] = c, s
        else:
            pe[:, 0::2], pe[:, 1::2] = s, c
        return pe
    return sinusoidal_positions


PE_STAGES = {
    "layout": [("interleaved", None, ""), ("halves", "pe_sin_cos_concatenated", ""),
               ("swapped", "pe_sin_cos_swapped", "")],
    "frequency": [("pair", None, ""), ("per_column", "pe_frequency_per_column", ""),
                  ("doubled", "frequency_exponent_doubled", ""), ("halved", "frequency_exponent_halved", ""),
                  ("inverted", "frequency_inverted", "")],
    "start": [(0, None, ""), (1, "positions_start_at_one", "")],
    "fixed_base": [(False, None, ""), (True, "base_argument_ignored", "")],
}

def _sines_only(mine, want, probes):
    """Position 0's row is all zeros where it should alternate 0, 1: no cosine anywhere."""
    for got, probe in zip(mine, probes, strict=True):
        y = None if got.raised else as_array(got.value)
        if "first_position" in probe.tags and y is not None and y.size and np.allclose(y, 0.0):
            return f"It shows on {probe.label}."
    return False


SINUSOIDAL = Exercise(
    id="sinusoidal_positions",
    signature="sinusoidal_positions(n, d, base=10000.0)",
    reference=lib.sinusoidal_positions,
    probes=[
        Probe("n = 6 positions, d = 8", (6, 8), purpose="basic"),
        Probe("n = 40 positions, d = 16", (40, 16), purpose="larger"),
        Probe("n = 5 positions, d = 10, base = 100", (5, 10), {"base": 100.0}, purpose="base"),
        Probe("position 0 alone, d = 6", (1, 6), purpose="first_position"),
    ],
    misconceptions=[
        *family(_pe, PE_STAGES),
        Misconception("transposed_result", variant=lambda n, d, base=10000.0: lib.sinusoidal_positions(n, d, base).T),
        Misconception("pe_sines_only", test=_sines_only),
    ],
    forbidden=(lib.sinusoidal_positions, lib.sinusoidal_shift, lib.frequencies),
    output="values",
    purposes={"base": ("base_argument_ignored", "")},
)

# --------------------------------------------------------------------------- q2 · apply RoPE


def _rope(pairing="half", direction=1, frequency="pair", own_positions=True, fixed_base=False, rotation=True):
    """Half-split RoPE with one switch per line that carries an idea."""
    def rotate(x, positions, base=10000.0):
        x = np.asarray(x, dtype=float)
        d = x.shape[-1]
        b = 10000.0 if fixed_base else base
        p = np.asarray(positions, dtype=float) if own_positions else np.arange(x.shape[-2], dtype=float)
        two_i = np.arange(0, d, 2)                         # (d/2,)
        if frequency == "per_feature":                     # d frequencies, one per feature
            w1, w2 = b ** (-np.arange(d // 2) / d), b ** (-np.arange(d // 2, d) / d)
        else:
            w1 = w2 = {"pair": b ** (-two_i / d), "doubled": b ** (-2 * two_i / d), "halved": b ** (-two_i / 2 / d),
                       "inverted": b ** (two_i / d)}[frequency]
        a1, a2 = direction * p[:, None] * w1, direction * p[:, None] * w2   # (T, d/2) each
        x1, x2 = (x[..., 0::2], x[..., 1::2]) if pairing == "interleaved" else (x[..., : d // 2], x[..., d // 2:])
        minus = -1.0 if rotation else 1.0
        y1 = x1 * np.cos(a1) + minus * x2 * np.sin(a1)
        y2 = x1 * np.sin(a2) + x2 * np.cos(a2)
        if pairing == "interleaved":
            out = np.empty_like(x)
            out[..., 0::2], out[..., 1::2] = y1, y2
            return out
        return np.concatenate([y1, y2], axis=-1)
    return rotate


def _apply_rope_variant(**slips):
    rotate = _rope(**slips)

    def apply_rope(x, positions, base=10000.0):
        return rotate(x, positions, base)
    return apply_rope


def _pair_lengths(x, pairing):
    d = x.shape[-1]
    a, b = (x[..., 0::2], x[..., 1::2]) if pairing == "interleaved" else (x[..., : d // 2], x[..., d // 2:])
    return np.hypot(a, b)


def _lengths_changed(mine, want, probes):
    """The answer keeps the shape but changes the length of the pairs, in either pairing: not a rotation."""
    for got, probe in zip(mine, probes, strict=True):
        y = None if got.raised else as_array(got.value)
        x = probe.args[0]
        if y is None or y.shape != x.shape:
            continue
        if not any(np.allclose(_pair_lengths(y, p), _pair_lengths(x, p), rtol=1e-6, atol=1e-9)
                   for p in ("half", "interleaved")):
            return f"It shows on {probe.label}: the pairs of your result are not as long as the pairs of x."
    return False


ROPE_STAGES = {
    "pairing": [("half", None, ""), ("interleaved", "rope_interleaved_pairs", "")],
    "direction": [(1, None, ""), (-1, "rope_rotated_backwards", "")],
    "frequency": [("pair", None, ""), ("per_feature", "rope_pair_angles_differ", ""),
                  ("doubled", "frequency_exponent_doubled", ""), ("halved", "frequency_exponent_halved", ""),
                  ("inverted", "frequency_inverted", "")],
    "own_positions": [(True, None, ""), (False, "positions_argument_ignored", "")],
    "fixed_base": [(False, None, ""), (True, "base_argument_ignored", "")],
    "rotation": [(True, None, ""), (False, "rope_not_a_rotation", "")],
}

APPLY_ROPE = Exercise(
    id="apply_rope",
    signature="apply_rope(x, positions, base=10000.0)",
    reference=lib.apply_rope,
    probes=[
        Probe("one vector x (1, 4) at position 3", (randn(901, (1, 4))[0], np.array([3])), purpose="2-D"),
        Probe("a sequence x (5, 6) at positions 0 … 4", (randn(902, (5, 6))[0], np.arange(5)), purpose="2-D"),
        Probe("a batch of heads x (2, 3, 4, 8) at positions 0 … 3", (randn(903, (2, 3, 4, 8))[0], np.arange(4)),
              purpose="heads"),
        Probe("3 new tokens x (3, 10) after a cache of 7: positions 7, 8, 9",
              (randn(904, (3, 10))[0], np.arange(7, 10)), purpose="offset"),
        Probe("x (4, 6) at positions 0 … 3 with base = 500", (randn(905, (4, 6))[0], np.arange(4)),
              {"base": 500.0}, purpose="base"),
    ],
    misconceptions=[*family(_apply_rope_variant, ROPE_STAGES),
                    Misconception("rope_not_a_rotation", test=_lengths_changed)],
    forbidden=(lib.apply_rope, lib.apply_rope_backward, lib.rope_scores, lib.frequencies),
    output="values",
    purposes={"offset": ("positions_argument_ignored", ""), "base": ("base_argument_ignored", "")},
)

# --------------------------------------------------------------------------- q3 · scores with RoPE


def _scores(q_turn="own", k_turn="own", scale=True, order="qk", **rope_slips):
    """RoPE scores with one switch per line: which positions turn q and k, the scale, the product's order."""
    rotate = _rope(**rope_slips)

    def rope_scores(q, k, q_positions, k_positions, base=10000.0):
        q_pos = {"own": q_positions, "arange": np.arange(q.shape[-2])}.get(q_turn)
        k_pos = {"own": k_positions, "queries": q_positions, "arange": np.arange(k.shape[-2])}.get(k_turn)
        q_rot = q if q_pos is None else rotate(q, q_pos, base)
        k_rot = k if k_pos is None else rotate(k, k_pos, base)
        a, b = (q_rot, k_rot) if order == "qk" else (k_rot, q_rot)
        s = a @ np.swapaxes(b, -1, -2)
        return s / math.sqrt(q.shape[-1]) if scale else s
    return rope_scores


SCORE_STAGES = {
    "k_turn": [("own", None, ""), ("queries", "rope_keys_at_query_positions", ""), (None, "rope_query_only", "")],
    "q_turn": [("own", None, ""), (None, "rope_query_only", ""), ("arange", "positions_argument_ignored", "")],
    "scale": [(True, None, ""), (False, "no_sqrt_d_scaling", "")],
    "order": [("qk", None, ""), ("kq", "transposed_kq", "")],
    "pairing": [("half", None, ""), ("interleaved", "rope_interleaved_pairs", "")],
    "direction": [(1, None, ""), (-1, "rope_rotated_backwards", "")],
}


def _both_arange(q, k, q_positions, k_positions, base=10000.0):
    """Both rotated by 0, 1, 2, …: the positions given are ignored."""
    return _scores()(q, k, np.arange(q.shape[-2]), np.arange(k.shape[-2]), base)


ROPE_SCORES = Exercise(
    id="rope_scores",
    signature="rope_scores(q, k, q_positions, k_positions, base=10000.0)",
    reference=lib.rope_scores,
    probes=[
        Probe("3 new queries at positions 4, 5, 6 against 7 keys at 0 … 6 (d = 4): a KV cache",
              (*randn(911, (3, 4), (7, 4)), np.arange(4, 7), np.arange(7)), purpose="offset"),
        Probe("a batch (2, 5, 6) of queries and keys, both at positions 0 … 4",
              (*randn(912, (2, 5, 6), (2, 5, 6)), np.arange(5), np.arange(5)), purpose="batched"),
        Probe("4 queries at positions 10 … 13 and 4 keys at 0 … 3 (d = 6)",
              (*randn(913, (4, 6), (4, 6)), np.arange(10, 14), np.arange(4)), purpose="offset square"),
        Probe("heads: queries (2, 2, 3, 8) at 5, 6, 7 and keys (2, 2, 8, 8) at 0 … 7",
              (*randn(914, (2, 2, 3, 8), (2, 2, 8, 8)), np.arange(5, 8), np.arange(8)), purpose="heads"),
        Probe("2 queries at 1, 2 and 3 keys at 0, 1, 2 with base = 50 (d = 4)",
              (*randn(915, (2, 4), (3, 4)), np.array([1, 2]), np.arange(3)), {"base": 50.0}, purpose="base"),
    ],
    misconceptions=[
        *family(_scores, SCORE_STAGES),
        Misconception("positions_argument_ignored", variant=_both_arange),
        Misconception("base_argument_ignored", variant=_scores(fixed_base=True)),
    ],
    forbidden=(lib.rope_scores,),
    output="scores",
    arguments={"q": 0, "k": 1},
    purposes={"base": ("base_argument_ignored", "")},
)

# --------------------------------------------------------------------------- q4 · ALiBi


def _power_of_two_slopes(h):
    return 2.0 ** (-8.0 * np.arange(1, h + 1) / h)


_SLOPES = {
    "right": lib.alibi_slopes,
    "off_by_one": lambda h: 2.0 ** (-8.0 * np.arange(h) / h),
    "ignore_heads": lambda h: 2.0 ** -np.arange(1, h + 1.0),
    "no_rule": _power_of_two_slopes,
    "reversed": lambda h: lib.alibi_slopes(h)[::-1],
}


def _alibi(slopes="right", sign=-1, causal="inf", align="bottom", form="distance"):
    """ALiBi's bias with one switch per line that carries an idea."""
    def alibi_bias(n_heads, n_q, n_k):
        m = _SLOPES[slopes](n_heads)[:, None, None]        # (h, 1, 1)
        i = (np.arange(n_k - n_q, n_k) if align == "bottom" else np.arange(n_q))[:, None]   # (n_q, 1)
        j = np.arange(n_k)[None, :]                        # (1, n_k)
        bias = (-sign * m * j) if form == "key_only" else sign * m * (i - j)   # (h, n_q, n_k)
        future = j > i
        if causal == "inf":
            return np.where(future, -np.inf, bias)
        if causal == "zero":
            return np.where(future, 0.0, bias)
        if causal == "symmetric":
            return np.where(future, sign * m * (j - i), bias)
        return bias
    return alibi_bias


ALIBI_STAGES = {
    "slopes": [("right", None, ""), ("off_by_one", "alibi_slopes_off_by_one", ""),
               ("ignore_heads", "alibi_slopes_ignore_head_count", ""),
               ("no_rule", "alibi_slopes_power_of_two_rule", ""), ("reversed", "alibi_slopes_reversed", "")],
    "sign": [(-1, None, ""), (1, "alibi_sign_flipped", "")],
    "causal": [("inf", None, ""), ("none", "alibi_missing_causal_part", ""),
               ("symmetric", "alibi_missing_causal_part", "Yours gives future keys −m · |i − j|, as a bidirectional "
                "model might; a causal one blocks them."),
               ("zero", "alibi_missing_causal_part", "Yours gives future keys 0, which blocks nothing.")],
    "align": [("bottom", None, ""), ("top", "causal_mask_top_left",
                                     "For ALiBi it also sets the distances: query i is at position n_k − n_q + i.")],
    "form": [("distance", None, ""), ("key_only", "alibi_row_shift", "")],
}


def _blocked_as_inf(value):
    """A bias written with a very negative number (−1e9) for the blocked keys counts as −inf."""
    arr = np.array(value, dtype=float)
    arr[arr <= -1e9] = -np.inf
    return arr


def _future_seen(mine, want, probes):
    """A finite bias where the reference blocks a future key."""
    for got, ref, probe in zip(mine, want, probes, strict=True):
        y = None if got.raised else as_array(got.value)
        if y is not None and y.shape == ref.value.shape and np.any(np.isfinite(y[np.isinf(ref.value)])):
            return f"It shows on {probe.label}: a query gets a finite bias for a key after it."
    return False


def _rewards_distance(mine, want, probes):
    """On the allowed keys the bias rises with distance back instead of falling."""
    for got, ref, probe in zip(mine, want, probes, strict=True):
        y = None if got.raised else as_array(got.value)
        if y is None or y.shape != ref.value.shape:
            continue
        allowed = np.isfinite(ref.value) & (ref.value < 0)
        if allowed.any() and np.all(y[allowed] > 0):
            return f"It shows on {probe.label}."
    return False


ALIBI = Exercise(
    id="alibi_bias",
    signature="alibi_bias(n_heads, n_q, n_k)",
    reference=lib.alibi_bias,
    probes=[
        Probe("8 heads, 4 queries and 4 keys", (8, 4, 4), purpose="basic"),
        Probe("4 heads, 3 new queries after 4 cached tokens (n_q = 3, n_k = 7)", (4, 3, 7), purpose="offset"),
        Probe("6 heads (not a power of 2), 5 queries and 5 keys", (6, 5, 5), purpose="odd_heads"),
        Probe("12 heads, 2 new queries after 4 cached tokens (n_q = 2, n_k = 6)", (12, 2, 6),
              purpose="odd_heads offset"),
    ],
    misconceptions=[*family(_alibi, ALIBI_STAGES), Misconception("alibi_missing_causal_part", test=_future_seen),
                    Misconception("alibi_sign_flipped", test=_rewards_distance)],
    forbidden=(lib.alibi_bias, lib.alibi_slopes),
    output="values",
    canonical=_blocked_as_inf,
    purposes={"odd_heads": ("alibi_slopes_power_of_two_rule", ""),
              "offset": ("causal_mask_top_left", "For ALiBi it also sets the distances: query i is at position "
                                                 "n_k − n_q + i.")},
)

EXERCISES = [SINUSOIDAL, APPLY_ROPE, ROPE_SCORES, ALIBI]
