"""Exercises for 05_qkv_self_cross: queries, keys and values, self- and cross-attention."""
from . import questions

QUESTIONS = q1, q2, q3, q4, q5 = questions(__name__, "05_qkv_self_cross", [
    ("cross_attention_shapes", "cross_attention_shapes", "easy", [
        "Queries come from the decoder (the target sentence); keys and values come from the encoder (the source "
        "sentence). Every head works on D/h features.",
        "Per head: Q is (B, h, n_q, d), K and V are (B, h, n_k, d) and (B, h, n_k, d_v); the weights pair every "
        "query with every key.",
        "Weights (B, h, n_q, n_k); the output has one row per query, (B, h, n_q, d_v); merging puts the h heads "
        "side by side again, (B, n_q, h·d_v). Now put in the numbers.",
    ]),
    ("cross_softmax_axis", "cross_softmax_axis", "easy", [
        "For one query, the weights over all the keys it can read must sum to 1.",
        "Here the keys are the source positions. Which axis of (B, h, L_tgt, L_src) holds them, counted from the end?",
        "Softmax over the keys' axis. Summing over an axis removes it: one number is left per batch, head and query.",
    ]),
    ("attention", "attention", "medium", [
        "Four steps: scores, mask, softmax over the keys, weighted sum. Write each with its shape in a comment.",
        "Scores: `q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])`, shape (..., n_q, n_k); blocked scores: "
        "`np.where(mask, scores, -np.inf)`.",
        "Softmax along `axis=-1` (subtract the row maximum first), then multiply the weights by `v`; return the "
        "output and the weights.",
    ]),
    ("cross_attention", "cross_attention", "medium", [
        "Run the given function with n_q = 3 and n_k = 5 (the cell above does): which tensor has the wrong length? "
        "Then give the values another width than the keys, d_v ≠ d, and look at the output's width.",
        "In cross-attention, which sequence do the keys come from, and which the values? Which matrix belongs to "
        "which of q, k and v?",
        "Two lines are wrong: the keys come from the wrong sequence, and the values are projected with the wrong "
        "matrix. Keys and values come from the same sequence, and each of q, k and v has its own W.",
    ]),
    ("self_attention", "self_attention", "hard", [
        "Two stages: project the tokens (`q = x @ W_q`, and likewise k and v), then attention on q, k and v exactly "
        "as in Q3.",
        "The scale is √d with d the width of the *projected* queries, `q.shape[-1]`, not D = `x.shape[-1]`; swap "
        "only the last two axes of k, `np.swapaxes(k, -1, -2)`, so that batches and heads work.",
        "Blocked scores become −inf before the softmax, which runs over the keys (`axis=-1`); `al.softmax` is "
        "allowed. Return `(weights @ v, weights)`.",
    ]),
])
