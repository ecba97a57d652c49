"""Checks for lesson 09: sinusoidal encodings, RoPE, RoPE scores with their own positions, and ALiBi.

Every reference is the library's own function (:mod:`attention_lib.positions`), with the same signature. Beside
each exercise stands its teaching reference: the most direct numpy a learner would write, with a role note on each
line that carries an idea. The mistakes a learner makes are generated from it (:mod:`._mutants`); the hand-written
misconceptions below are the ideas no single slip of it makes, said better by hand: the interleaved pairing of
RoPE beside the half-split one the exercise asks for, a rotation the wrong way, sines and cosines in halves,
ALiBi's slope rule for a head count that is not a power of 2.
"""
from __future__ import annotations

import numpy as np

from .. import positions as lib
from ._compare import as_array
from ._engine import Exercise, Misconception, Probe, randn, rng

# --------------------------------------------------------------------------- q1 · sinusoidal encodings


def sinusoidal_positions(n, d, base=10000.0):
    p = np.arange(n)[:, None]                   # (n, 1) role[positions]: one row per position, the first at position 0
    # role[pairs]: one frequency per pair of columns (2i, 2i + 1), so the exponent steps through 2i = 0, 2, 4, …
    two_i = np.arange(0, d, 2)[None, :]         # (1, d/2)
    # role[angles]: the angle is the position divided by base^(2i/d), with the base given
    angles = p / base ** (two_i / d)            # (n, d/2)
    pe = np.zeros((n, d))                       # (n, d)
    pe[:, 0::2] = np.sin(angles)                # role[sines]: the even columns hold the sines
    pe[:, 1::2] = np.cos(angles)                # role[cosines]: the odd columns hold the cosines of the same angles
    return pe


def _sines_only(mine, want, probes):
    """Position 0's row is all zeros where it should alternate 0, 1: no cosine anywhere."""
    for got, probe in zip(mine, probes, strict=True):
        y = None if got.raised else as_array(got.value)
        if "first_position" in probe.tags and y is not None and y.size and np.allclose(y, 0.0):
            return f"It shows on {probe.label}."
    return False


def _said(values) -> str:
    return ", ".join(f"{v:.2g}" for v in values)


def _learner_exponents(y, n, d, base):
    """The exponents e_i of a table that alternates sin(p ω_i), cos(p ω_i) with ω_i = base^(−e_i), read off its
    rows; None where the table is not of that form (another layout, another function, a frequency ≥ π)."""
    if y is None or y.shape != (n, d) or n < 2 or not np.all(np.isfinite(y)):
        return None
    omega = np.arctan2(y[1, 0::2], y[1, 1::2])                       # (d/2,) the angle of position 1
    p = np.arange(n)[:, None]                                        # (n, 1)
    if np.any(omega <= 0) or not (np.allclose(y[:, 0::2], np.sin(p * omega), atol=1e-6)
                                  and np.allclose(y[:, 1::2], np.cos(p * omega), atol=1e-6)):
        return None
    return -np.log(omega) / np.log(base)                             # (d/2,)


def _other_frequencies(mine, want, probes):
    """A table of sines and cosines at the right places, but with other frequencies: say the learner's exponents
    beside 2i/d, and what their pattern points to."""
    for got, ref, probe in zip(mine, want, probes, strict=True):
        n, d = probe.args
        base = probe.kwargs.get("base", 10000.0)
        y = None if got.raised else as_array(got.value)
        e = _learner_exponents(y, n, d, base)
        if e is None or np.allclose(y, ref.value, atol=1e-6) or d < 6:
            continue
        return _exponents_said(e, d, base, probe.label)
    return False


def _exponents_said(e, d, base, label) -> str:
    """The learner's frequency exponents beside 2i/d, and what their pattern points to."""
    right = np.arange(0, d, 2) / d                                   # (d/2,)
    e = np.where(np.abs(e) < 1e-12, 0.0, e)
    said = f"On {label} (base {base:g}), your exponents e_i, with ω_i = base^(−e_i), are {_said(e)}; " \
           f"2i/d gives {_said(right)}."
    ratio = e[1:] / right[1:]
    if abs(e[0]) < 1e-6 and abs(e[-1] - 1) < 1e-4:
        said += (" Yours end at exactly 1, so the last pair turns at 1/base: `np.linspace(0, 1, d // 2)` "
                 "includes its end point; the exponents step by 2/d and end at (d − 2)/d "
                 "(`np.arange(0, d, 2) / d`).")
    elif abs(e[0]) < 1e-6 and np.allclose(ratio, ratio[0], rtol=1e-4):
        said += f" Yours are {ratio[0]:.2g} × 2i/d throughout"
        if abs(ratio[0] - 1 / np.log(10)) < 1e-3:
            said += (": that is log₁₀ / ln. Take the natural logarithm, `np.log(base)`, in "
                     "exp(−2i/d · ln base), or write `base ** (-2 * i / d)`.")
        else:
            said += ": the exponent's step or its divisor is off."
    elif abs(e[0]) > 1e-6:
        said += (f" Even your first pair is off: it should turn by 1 radian per position (ω_0 = base⁰ = 1), "
                 f"yours by {base ** -e[0]:.2g}. Check the brackets: all of 2i/d goes into the exponent, "
                 "`base ** (2 * i / d)`; `base ** (2 * i) / d` raises base to 2i and divides by d after.")
    return said


SINUSOIDAL = Exercise(
    id="sinusoidal_positions",
    signature="sinusoidal_positions(n, d, base=10000.0)",
    reference=lib.sinusoidal_positions,
    teaching=sinusoidal_positions,
    probes=lambda: [
        Probe("n = 6 positions, d = 8", (6, 8), purpose="basic"),
        Probe("n = 40 positions, d = 16", (40, 16), purpose="larger"),
        Probe("n = 5 positions, d = 10, base = 100", (5, 10), {"base": 100.0}, purpose="base"),
        Probe("position 0 alone, d = 6", (1, 6), purpose="first_position"),
    ],
    equivalent={
        "keepdims: np.arange(0, d, 2)[None, :] → np.arange(0, d, 2)": "A (d/2,) row of exponents broadcasts against "
                                                                       "the (n, 1) column of positions as (1, d/2) "
                                                                       "does.",
    },
    codes={("angles", "drop", "times"): "frequency_inverted"},
    misconceptions=[
        Misconception("pe_sin_cos_concatenated", patch=(
            ("pe[:, 0::2] = np.sin(angles)", "pe[:, : d // 2] = np.sin(angles)"),
            ("pe[:, 1::2] = np.cos(angles)", "pe[:, d // 2:] = np.cos(angles)"))),
        Misconception("pe_sin_cos_swapped", patch=(("pe[:, 0::2] = np.sin(angles)", "pe[:, 0::2] = np.cos(angles)"),
                                                   ("pe[:, 1::2] = np.cos(angles)", "pe[:, 1::2] = np.sin(angles)"))),
        Misconception("pe_frequency_per_column", patch=(("pe[:, 1::2] = np.cos(angles)",
                                                         "pe[:, 1::2] = np.cos(p / base ** ((two_i + 1) / d))"),)),
        Misconception("frequency_exponent_doubled", patch=(("base ** (two_i / d)", "base ** (2 * two_i / d)"),)),
        Misconception("frequency_exponent_halved", patch=(("np.arange(0, d, 2)", "np.arange(d // 2)"),)),
        Misconception("positions_start_at_one", patch=(("np.arange(n)", "np.arange(1, n + 1)"),)),
        Misconception("base_argument_ignored", patch=(("p / base **", "p / 10000.0 **"),)),
        Misconception("pe_sines_only", test=_sines_only),
        # the division by base^(2i/d) left out and its exponent floored to 0 give the same table: say both
        Misconception("frequencies_all_one", patch=(("p / base ** (two_i / d)", "p / base ** (two_i // d)"),)),
        Misconception("pe_frequencies_wrong", test=_other_frequencies, late=True),
    ],
    forbidden=(lib.sinusoidal_positions, lib.sinusoidal_shift, lib.frequencies),
    output="values",
    purposes={"base": ("base_argument_ignored", "")},
)

# --------------------------------------------------------------------------- q2 · apply RoPE


def apply_rope(x, positions, base=10000.0):
    d = x.shape[-1]
    two_i = np.arange(0, d, 2)                  # (d/2,) role[pairs]: one frequency per pair, shared by its two features
    # role[angles]: each row turns by its own position divided by base^(2i/d), with the base given
    theta = np.asarray(positions)[:, None] / base ** (two_i / d)   # (T, d/2)
    cos, sin = np.cos(theta), np.sin(theta)     # (T, d/2)
    x1, x2 = x[..., : d // 2], x[..., d // 2:]  # (..., T, d/2) role[halves]: feature i pairs with feature i + d/2
    # role[rotation]: each pair turns by +θ, (x1 cos θ − x2 sin θ, x1 sin θ + x2 cos θ), back in the halves it came from
    return np.concatenate([x1 * cos - x2 * sin, x1 * sin + x2 * cos], axis=-1)   # (..., T, d)


def _rope_interleaved(x, positions, base=10000.0):
    """RoPE with the paper's neighbouring pairs (2i, 2i + 1): the convention the exercise does not use."""
    x = np.asarray(x, dtype=float)
    theta = np.asarray(positions)[:, None] * lib.frequencies(x.shape[-1], base)   # (T, d/2)
    x1, x2 = x[..., 0::2], x[..., 1::2]                                           # (..., T, d/2) each
    out = np.empty_like(x)                                                        # (..., T, d)
    out[..., 0::2] = x1 * np.cos(theta) - x2 * np.sin(theta)
    out[..., 1::2] = x1 * np.sin(theta) + x2 * np.cos(theta)
    return out


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
        if not any(np.allclose(_pair_lengths(y, p), _pair_lengths(x, p), rtol=1e-4, atol=1e-6)
                   for p in ("half", "interleaved")):
            return f"It shows on {probe.label}: the pairs of your result are not as long as the pairs of x."
    return False


def _rope_exponents(x, positions, y, base):
    """The exponents e_i (ω_i = base^(−e_i)) of an answer that rotates each half-split pair by position · ω_i, read
    off the row at position 1; None where the answer is not of that form."""
    x, pos = np.asarray(x, dtype=float), np.asarray(positions)
    if y is None or y.shape != x.shape or x.shape[-1] % 2 or not np.any(pos == 1) or not np.all(np.isfinite(y)):
        return None
    h, row = x.shape[-1] // 2, int(np.flatnonzero(pos == 1)[0])
    x1, x2, y1, y2 = x[..., : h], x[..., h:], y[..., : h], y[..., h:]          # (..., T, d/2) each
    turned = np.arctan2(x1 * y2 - x2 * y1, x1 * y1 + x2 * y2)                   # (..., T, d/2) each pair's angle
    omega = turned[..., row, :].reshape(-1, h)[0]                               # (d/2,)
    if np.any(omega <= 0):
        return None
    theta = pos[:, None] * omega                                                # (T, d/2)
    if not np.allclose(y, np.concatenate([x1 * np.cos(theta) - x2 * np.sin(theta),
                                          x1 * np.sin(theta) + x2 * np.cos(theta)], axis=-1), atol=1e-6):
        return None
    return -np.log(omega) / np.log(base)                                        # (d/2,)


def _rope_other_frequencies(mine, want, probes):
    """Rotations of the right pairs, by the positions given, but with other frequencies: say the exponents. Other
    frequencies show on a plain sequence too: right there, the mistake is elsewhere (a size read off a batch's axis)."""
    if any("2-D" in p.tags and not g.raised and np.allclose(as_array(g.value), r.value, atol=1e-6)
           for g, r, p in zip(mine, want, probes, strict=True) if np.shape(as_array(g.value)) == r.value.shape):
        return False
    for got, ref, probe in zip(mine, want, probes, strict=True):
        x, positions = probe.args
        base = probe.kwargs.get("base", 10000.0)
        y = None if got.raised else as_array(got.value)
        e = _rope_exponents(x, positions, y, base)
        if e is None or np.allclose(y, ref.value, atol=1e-6) or x.shape[-1] < 6:
            continue
        return _exponents_said(e, x.shape[-1], base, probe.label)
    return False


def _tokens(seed, shape, dtype=None):
    """Rows to rotate, standard normal, in the dtype asked for."""
    x = rng(seed).normal(size=shape)
    return x if dtype is None else x.astype(dtype)


def _apply_rope_probes():
    return [
        Probe("one vector x (1, 6) at position 3", (_tokens(901, (1, 6)), np.array([3])), purpose="2-D"),
        Probe("a sequence x (5, 6) at positions 0 … 4", (_tokens(902, (5, 6)), np.arange(5)), purpose="2-D"),
        Probe("a batch of heads x (2, 3, 4, 8) at positions 0 … 3", (_tokens(903, (2, 3, 4, 8)), np.arange(4)),
              purpose="heads"),
        Probe("3 new tokens x (3, 10) after a cache of 7: positions 7, 8, 9",
              (_tokens(904, (3, 10)), np.arange(7, 10)), purpose="offset"),
        Probe("x (4, 6) at positions 0 … 3 with base = 500", (_tokens(905, (4, 6)), np.arange(4)), {"base": 500.0},
              purpose="base"),
        Probe("x (2, 2, 2, 3, 6), one more axis, at positions 4, 9, 2", (_tokens(906, (2, 2, 2, 3, 6)),
                                                                          np.array([4, 9, 2])), purpose="extra_axis"),
        Probe("a float32 x (4, 8) at positions 5 … 8", (_tokens(908, (4, 8), np.float32), np.arange(5, 9)),
              purpose="float32"),
    ]


ROTATION = "x1 * cos - x2 * sin, x1 * sin + x2 * cos"

APPLY_ROPE = Exercise(
    id="apply_rope",
    signature="apply_rope(x, positions, base=10000.0)",
    reference=lib.apply_rope,
    teaching=apply_rope,
    probes=_apply_rope_probes,
    codes={("angles", "drop", "times"): "frequency_inverted", ("rotation", "sign"): "rope_not_a_rotation"},
    misconceptions=[
        Misconception("rope_interleaved_pairs", patch=(
            ("x1, x2 = x[..., : d // 2], x[..., d // 2:]", "x1, x2 = x[..., 0::2], x[..., 1::2]"),
            (f"np.concatenate([{ROTATION}], axis=-1)", f"np.stack([{ROTATION}], axis=-1).reshape(x.shape)"))),
        Misconception("rope_rotated_backwards", patch=((ROTATION, "x1 * cos + x2 * sin, -x1 * sin + x2 * cos"),)),
        Misconception("rope_pair_angles_differ", patch=(
            ("cos, sin = np.cos(theta), np.sin(theta)",
             "theta_2 = np.asarray(positions)[:, None] / base ** ((np.arange(d // 2) + d // 2) / d)\n"
             "    theta = np.asarray(positions)[:, None] / base ** (np.arange(d // 2) / d)\n"
             "    cos, sin = np.cos(theta), np.sin(theta)"),
            (ROTATION, "x1 * cos - x2 * sin, x1 * np.sin(theta_2) + x2 * np.cos(theta_2)"))),
        Misconception("frequency_exponent_doubled", patch=(("base ** (two_i / d)", "base ** (2 * two_i / d)"),)),
        Misconception("frequency_exponent_halved", patch=(("np.arange(0, d, 2)", "np.arange(d // 2)"),)),
        Misconception("positions_argument_ignored", patch=(("np.asarray(positions)", "np.arange(x.shape[-2])"),)),
        Misconception("base_argument_ignored", patch=(("/ base **", "/ 10000.0 **"),)),
        Misconception("rope_half_overwritten", patch=((ROTATION, "x1 * cos - x2 * sin, (x1 * cos - x2 * sin) * sin + "
                                                                 "x2 * cos"),)),
        Misconception("rope_half_overwritten", patch=((ROTATION, "x1 * cos - (x1 * sin + x2 * cos) * sin, x1 * sin + "
                                                                 "x2 * cos"),)),
        Misconception("rope_table_repeated", patch=(
            ("cos, sin = np.cos(theta), np.sin(theta)",
             "theta = np.repeat(theta, 2, axis=-1)\n    cos, sin = np.cos(theta), np.sin(theta)"),
            (ROTATION, "x1 * cos[:, : d // 2] - x2 * sin[:, : d // 2], x1 * sin[:, d // 2:] + x2 * cos[:, d // 2:]"))),
        Misconception("positions_assumed_consecutive", patch=(("np.asarray(positions)[:, None]",
                                                               "(positions[0] + np.arange(x.shape[-2]))[:, None]"),)),
        Misconception("rope_frequencies_wrong", test=_rope_other_frequencies, late=True),
        Misconception("rope_not_a_rotation", test=_lengths_changed, late=True),
    ],
    forbidden=(lib.apply_rope, lib.apply_rope_backward, lib.rope_scores, lib.frequencies),
    output="values",
    purposes={"offset": ("positions_argument_ignored", ""), "base": ("base_argument_ignored", "")},
)

# --------------------------------------------------------------------------- q3 · scores with RoPE


def rope_scores(q, k, q_positions, k_positions, base=10000.0):
    q_rot = apply_rope(q, q_positions, base)    # (..., n_q, d) role[queries]: each query turns by its own position m
    k_rot = apply_rope(k, k_positions, base)    # (..., n_k, d) role[keys]: each key turns by its own position n
    # role[scale]: the rotated queries' and keys' dot products, divided by √d
    return q_rot @ np.swapaxes(k_rot, -1, -2) / np.sqrt(q.shape[-1])   # (..., n_q, n_k)


def _scores_probes():
    return [
        Probe("3 new queries at positions 4, 5, 6 against 7 keys at 0 … 6 (d = 6): a KV cache",
              (*randn(911, (3, 6), (7, 6)), np.arange(4, 7), np.arange(7)), purpose="offset"),
        Probe("a batch (2, 5, 6) of queries and keys, both at positions 0 … 4",
              (*randn(912, (2, 5, 6), (2, 5, 6)), np.arange(5), np.arange(5)), purpose="batched"),
        Probe("4 queries at positions 10 … 13 and 4 keys at 0 … 3 (d = 6)",
              (*randn(913, (4, 6), (4, 6)), np.arange(10, 14), np.arange(4)), purpose="offset square"),
        Probe("heads: queries (2, 2, 3, 8) at 5, 6, 7 and keys (2, 2, 8, 8) at 0 … 7",
              (*randn(914, (2, 2, 3, 8), (2, 2, 8, 8)), np.arange(5, 8), np.arange(8)), purpose="heads"),
        Probe("3 queries at 0, 2, 5 and 3 keys at 1, 2, 3 (d = 6): the queries' gaps are not the keys'",
              (*randn(918, (3, 6), (3, 6)), np.array([0, 2, 5]), np.array([1, 2, 3])), purpose="offset square"),
        Probe("2 queries at 1, 2 and 3 keys at 0, 1, 2 with base = 50 (d = 10)",
              (*randn(915, (2, 10), (3, 10)), np.array([1, 2]), np.arange(3)), {"base": 50.0}, purpose="base"),
        Probe("one more axis: queries (2, 1, 2, 3, 6) at 7, 3, 11 and keys (2, 1, 2, 5, 6) at 0, 2, 4, 6, 9",
              (*randn(916, (2, 1, 2, 3, 6), (2, 1, 2, 5, 6)), np.array([7, 3, 11]), np.array([0, 2, 4, 6, 9])),
              purpose="extra_axis"),
        Probe("float32 queries (3, 8) at 2, 3, 4 and keys (5, 8) at 0 … 4",
              (*(a.astype(np.float32) for a in randn(917, (3, 8), (5, 8))), np.arange(2, 5), np.arange(5)),
              purpose="float32"),
    ]


ROPE_SCORES = Exercise(
    id="rope_scores",
    signature="rope_scores(q, k, q_positions, k_positions, base=10000.0)",
    reference=lib.rope_scores,
    teaching=rope_scores,
    probes=_scores_probes,
    equivalent={"size: np.sqrt(q.shape[-1]) → np.sqrt(k.shape[-1])": "Queries and keys share d."},
    codes={("keys", "name", "q_positions-for-k_positions"): "rope_keys_at_query_positions",
           ("queries", "name"): "name_confused", ("keys", "name"): "name_confused",
           ("scale", "name", "q-for-q_rot"): "rope_query_only", ("scale", "name", "k-for-k_rot"): "rope_query_only"},
    misconceptions=[
        Misconception("rope_interleaved_pairs", patch=(("apply_rope(q,", "_rope_interleaved(q,"),
                                                       ("apply_rope(k,", "_rope_interleaved(k,"))),
        Misconception("rope_rotated_backwards", patch=(("apply_rope(q, q_positions,", "apply_rope(q, -q_positions,"),
                                                       ("apply_rope(k, k_positions,", "apply_rope(k, -k_positions,"))),
        Misconception("rope_positions_swapped", patch=(("apply_rope(q, q_positions,", "apply_rope(q, k_positions,"),
                                                       ("apply_rope(k, k_positions,", "apply_rope(k, q_positions,"))),
        *(Misconception("rope_one_side_backwards", patch=((f"apply_rope({v}, {v}_positions,",
                                                            f"apply_rope({v}, -{v}_positions,"),)) for v in "qk"),
        Misconception("positions_argument_ignored", patch=(
            ("apply_rope(q, q_positions,", "apply_rope(q, np.arange(q.shape[-2]),"),
            ("apply_rope(k, k_positions,", "apply_rope(k, np.arange(k.shape[-2]),"))),
        Misconception("base_argument_ignored", patch=(("q_positions, base)", "q_positions, 10000.0)"),
                                                      ("k_positions, base)", "k_positions, 10000.0)"))),
        Misconception("transpose_all_axes", patch=(("np.swapaxes(k_rot, -1, -2)", "k_rot.T"),)),
        Misconception("transposed_kq", patch=(("q_rot @ np.swapaxes(k_rot, -1, -2)",
                                               "k_rot @ np.swapaxes(q_rot, -1, -2)"),)),
    ],
    forbidden=(lib.rope_scores,),
    output="scores",
    arguments={"q": 0, "k": 1},
    purposes={"base": ("base_argument_ignored", "")},
)

# --------------------------------------------------------------------------- q4 · ALiBi


def alibi_bias(n_heads, n_q, n_k):
    p = 2 ** int(np.floor(np.log2(n_heads)))    # role[power]: p, the largest power of 2 not above h
    # role[geometric]: p heads' slopes 2^(−8r/p) for r = 1 … p, from 2^(−8/p) down to 2^(−8)
    slopes = 2.0 ** (-8.0 * np.arange(1, p + 1) / p)   # (p,)
    if p < n_heads:
        # role[other_heads]: for any other h, the slopes of 2p heads ...
        slopes_2p = 2.0 ** (-8.0 * np.arange(1, 2 * p + 1) / (2 * p))   # (2p,)
        # role[other_heads]: ... every other one of them (the 1st, 3rd, …) for the h − p heads left
        slopes = np.concatenate([slopes, slopes_2p[0::2][: n_heads - p]])   # (h,)
    i = np.arange(n_k - n_q, n_k)[:, None]      # (n_q, 1) role[query_position]: query i sits at position n_k − n_q + i
    j = np.arange(n_k)[None, :]                 # (1, n_k)
    # role[distance]: head h's bias is −m_h times how far back the key is, 0 for the query's own key
    bias = -slopes[:, None, None] * (i - j)     # (h, n_q, n_k)
    return np.where(j <= i, bias, -np.inf)      # (h, n_q, n_k) role[causal]: a key after the query is blocked with −∞


def _blocked_finite(mine, want, probes):
    """A large finite negative number (−1e9, −1e30, the float's minimum) where the reference blocks a key with −∞."""
    for got, ref, probe in zip(mine, want, probes, strict=True):
        y = None if got.raised else as_array(got.value)
        if y is None or y.shape != ref.value.shape or y.dtype.kind != "f":
            continue
        blocked = np.isinf(ref.value)
        if blocked.any() and np.all(np.isfinite(y[blocked])) and np.all(y[blocked] <= -1e4):
            return (f"It shows on {probe.label}: yours gives the blocked keys {float(y[blocked].max()):.3g}, "
                    "not −∞.")
    return False


def _zero_times_inf(mine, want, probes):
    """NaN on keys the reference allows, never on the ones it blocks: a 0/1 mask multiplied by −∞ (0 · ∞ is NaN)."""
    for got, ref, probe in zip(mine, want, probes, strict=True):
        y = None if got.raised else as_array(got.value)
        if y is None or y.shape != ref.value.shape or y.dtype.kind != "f":
            continue
        allowed = np.isfinite(ref.value)
        if np.any(np.isnan(y[allowed])) and not np.any(np.isnan(y[~allowed])):
            return f"It shows on {probe.label}."
    return False


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


_NOTHING_MORE = "Where p = h the extra branch adds the first h − p = 0 of the 2p heads' slopes: nothing."
_FIRST_ONES = ("Only the first h − p of every other slope of 2p heads are kept, and h − p < p, so a longer list (or "
               "one a slope shorter) keeps the same ones.")
_RULE = ("And for a head count that is not a power of 2 the slopes follow the authors' rule: those of p heads, p the "
         "largest power of 2 below h, then every other slope of 2p heads.")
_TOP_LEFT = "For ALiBi it also sets the distances: query i is at position n_k − n_q + i."

ALIBI = Exercise(
    id="alibi_bias",
    signature="alibi_bias(n_heads, n_q, n_k)",
    reference=lib.alibi_bias,
    teaching=alibi_bias,
    probes=lambda: [
        Probe("8 heads, 4 queries and 4 keys", (8, 4, 4), purpose="basic"),
        Probe("4 heads, 3 new queries after 4 cached tokens (n_q = 3, n_k = 7)", (4, 3, 7), purpose="offset"),
        Probe("6 heads (not a power of 2), 5 queries and 5 keys", (6, 5, 5), purpose="odd_heads"),
        Probe("12 heads, 2 new queries after 4 cached tokens (n_q = 2, n_k = 6)", (12, 2, 6),
              purpose="odd_heads offset"),
        Probe("3 heads, 4 queries and 4 keys: more queries than heads", (3, 4, 4), purpose="odd_heads"),
        Probe("7 heads, one new query after one cached token (n_q = 1, n_k = 2)", (7, 1, 2),
              purpose="odd_heads offset"),
        Probe("16 heads, 3 queries and 3 keys: slopes 2^(−r/2), half of them not whole powers of 2", (16, 3, 3),
              purpose="larger"),
    ],
    equivalent={
        "comparison: p < n_heads → p <= n_heads": _NOTHING_MORE,
        "off_by_one: p < n_heads → p < n_heads + 1": _NOTHING_MORE,
        "drop: 2 * p + 1 → 2 * p": _FIRST_ONES, "name: 2 * p → 2 * n_heads": _FIRST_ONES,
        "keepdims: np.arange(n_k)[None, :] → np.arange(n_k)": "A (n_k,) row of key positions broadcasts against the "
                                                              "(n_q, 1) column of query positions as (1, n_k) does.",
    },
    codes={("distance", "drop", "sign"): "alibi_sign_flipped", ("distance", "swap"): "alibi_sign_flipped",
           ("causal", "polarity", "ignored"): "alibi_missing_causal_part",
           ("causal", "fill", "0"): "alibi_missing_causal_part"},
    misconceptions=[
        Misconception("alibi_blocked_finite", test=_blocked_finite),
        Misconception("alibi_zero_times_inf", test=_zero_times_inf),
        Misconception("alibi_slopes_off_by_one", patch=(("np.arange(1, p + 1)", "np.arange(p)"),)),
        Misconception("alibi_slopes_off_by_one", patch=(("np.arange(1, p + 1)", "np.arange(p)"),
                                                        ("np.arange(1, 2 * p + 1)", "np.arange(2 * p)"))),
        Misconception("alibi_extra_slopes_first_ones", patch=(("slopes_2p[0::2][: n_heads - p]",
                                                               "slopes_2p[: n_heads - p]"),)),
        Misconception("alibi_slopes_rounded_up", patch=(("p = 2 ** int(np.floor(np.log2(n_heads)))",
                                                         "p = 2 ** int(np.ceil(np.log2(n_heads)))"),
                                                        ("-slopes[:, None, None]", "-slopes[:n_heads, None, None]"))),
        Misconception("alibi_slopes_sorted", patch=((
            "slopes = np.concatenate([slopes, slopes_2p[0::2][: n_heads - p]])",
            "slopes = np.sort(np.concatenate([slopes, slopes_2p[0::2][: n_heads - p]]))[::-1]"),)),
        Misconception("alibi_slopes_off_by_one", detail=_RULE, patch=(("np.arange(1, p + 1)", "np.arange(p)"),
                                                                      ("p = 2 ** int(np.floor(np.log2(n_heads)))",
                                                                       "p = n_heads"))),
        Misconception("alibi_slopes_ignore_head_count", patch=(
            ("-slopes[:, None, None]", "-(2.0 ** -np.arange(1, n_heads + 1.0))[:, None, None]"),)),
        Misconception("alibi_slopes_power_of_two_rule", patch=(("p = 2 ** int(np.floor(np.log2(n_heads)))",
                                                                "p = n_heads"),)),
        Misconception("alibi_slopes_reversed", patch=(("-slopes[:, None, None]", "-slopes[::-1][:, None, None]"),)),
        Misconception("alibi_missing_causal_part", detail="Yours gives future keys −m · |i − j|, as a bidirectional "
                                                          "model might; a causal one blocks them.",
                      patch=(("return np.where(j <= i, bias, -np.inf)", "return -np.abs(bias)"),)),
        Misconception("causal_mask_top_left", detail=_TOP_LEFT,
                      patch=(("np.arange(n_k - n_q, n_k)", "np.arange(n_q)"),)),
        Misconception("alibi_row_shift", patch=(("* (i - j)", "* (-j)"),)),
        Misconception("alibi_missing_causal_part", test=_future_seen, late=True),
        Misconception("alibi_sign_flipped", test=_rewards_distance, late=True),
    ],
    forbidden=(lib.alibi_bias, lib.alibi_slopes),
    output="values",
    purposes={"odd_heads": ("alibi_slopes_power_of_two_rule", ""), "offset": ("causal_mask_top_left", _TOP_LEFT)},
)

EXERCISES = [SINUSOIDAL, APPLY_ROPE, ROPE_SCORES, ALIBI]

TEACHING = {ex.id: ex.teaching for ex in EXERCISES}
"""Each exercise's teaching reference: the direct numpy, with the role of each line."""
