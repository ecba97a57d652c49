"""Exercises for 09_positions: sinusoidal encodings, RoPE, RoPE scores at their own positions, ALiBi."""
from . import questions

QUESTIONS = q1, q2, q3, q4 = questions(__name__, "09_positions", [
    ("sinusoidal_positions", "sinusoidal_positions", "easy", [
        "One row per position (starting at 0), one column per feature. Columns come in pairs that share one "
        "frequency: a sine, then a cosine.",
        "Pair i has the frequency ω_i = base^(−2i/d). `np.arange(0, d, 2)` already holds the numbers 2i, so the "
        "exponent is that array divided by d; the angle is the position times ω_i.",
        "Build the angles as a (n, d/2) table with broadcasting (positions as a column, frequencies as a row), "
        "then write the sines into the columns `0::2` and the cosines into `1::2`.",
    ]),
    ("apply_rope", "apply_rope", "medium", [
        "Split the last axis into two halves: feature i of the first half and feature i of the second half form "
        "pair i. Each pair is a point in a plane that you turn by an angle.",
        "The angle of pair i in row t is positions[t] · base^(−2i/d): a (T, d/2) table, which broadcasts against "
        "the halves (..., T, d/2) whatever axes come before.",
        "Turning (x1, x2) by θ gives (x1 cos θ − x2 sin θ, x1 sin θ + x2 cos θ); put the two results back side "
        "by side with `np.concatenate(..., axis=-1)`.",
    ]),
    ("rope_scores", "rope_scores", "medium", [
        "Rotate first, then take the scaled dot products. `al.apply_rope` (or your own from Q2) does the "
        "rotating.",
        "Queries and keys each turn by their *own* positions: with a KV cache the queries sit at the end, the "
        "keys start at 0.",
        "The scores are the rotated queries times the rotated keys with their last two axes swapped, divided by "
        "the square root of d.",
    ]),
    ("alibi_bias", "alibi_bias", "hard", [
        "Three parts: one slope per head, a distance for every (query, key) pair, and −∞ for the keys after "
        "each query.",
        "For a power-of-2 head count h the slopes are 2^(−8/h), 2^(−16/h), …, 2^(−8). Otherwise take the slopes "
        "of p heads (the largest power of 2 below h), then every other slope of 2p heads for the rest.",
        "Query i sits at position n_k − n_q + i, so the distance back to key j is (n_k − n_q + i) − j; the bias "
        "of head h is −slope_h times that distance, a (n_heads, n_q, n_k) array from broadcasting.",
    ]),
])
