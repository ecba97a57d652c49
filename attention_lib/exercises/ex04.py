"""Exercises for 04_masking: causal and padding masks, a decoder's mask, and masked attention."""
from . import questions

QUESTIONS = q1, q2, q3, q4, q5, q6 = questions(__name__, "04_masking", [
    ("causal_mask", "causal_mask", "easy", [
        "Query i may look at keys 0, 1, …, i: itself and everything before it.",
        "Draw the n × n grid, queries as rows and keys as columns: the allowed cells form a triangle. Which one, "
        "and is the diagonal in it?",
        "`np.tril` keeps a lower triangle, diagonal included; start from `np.ones((n, n), dtype=bool)`.",
    ]),
    ("causal_keys_query_2", "causal_keys_query_2", "easy", [
        "Write the 4 × 4 grid: rows are queries 0 to 3, columns are keys 0 to 3; a cell is 1 when that query may "
        "look at that key.",
        "Query i may see key j when j ≤ i. Positions count from 0, so query 2 is the third row.",
        "The keys query 2 may see are the columns where its row holds a 1: list their numbers, not the row itself.",
    ]),
    ("padding_mask", "padding_mask", "easy", [
        "In sequence b, key j is real when j < lengths[b]: compare the positions `np.arange(n)` with each length.",
        "`np.arange(n)[None, :] < lengths[:, None]` is (B, n): one row per sequence. The mask needs one more axis.",
        "Padding hides keys whichever query asks, so the new size-1 axis is the query axis, in the middle: "
        "`[:, None, :]`.",
    ]),
    ("decoder_mask", "decoder_mask", "medium", [
        "A key is visible only if both masks allow it: the causal one (no future) and the padding one (no padding).",
        "`&` broadcasts a causal (n, n) mask with a padding (B, 1, n) mask to (B, n, n). With `side=\"left\"` the "
        "real keys are the last `length` ones.",
        "Reuse your `causal_mask` from Q1; for the keys, `j < length` on the right and `j >= n - length` on the "
        "left, with `j = np.arange(n)` and the lengths as a column.",
    ]),
    ("fix_masked_attention", "fix_masked_attention", "medium", [
        "Run `al.diagnose_attention(broken_masked_attention)` and read it from the top: which invariant fails first?",
        "Without a mask the rows sum to 1; with a padding mask the padded keys keep weight and the rows no longer "
        "sum to 1. Ask *when* the mask acts (on the scores, or on the weights after the softmax) and what `True` "
        "means in this course.",
        "Set blocked *scores* to −∞ with `np.where(mask, scores, -np.inf)` before normalising, and normalise with "
        "`al.softmax`, which gives a row with no visible key zeros instead of NaN.",
    ]),
    ("masked_attention", "masked_attention", "hard", [
        "Scores, then the mask (blocked → −∞), then a softmax over the keys, then weights @ v. What is the maximum "
        "of a row that is entirely −∞, and what does subtracting it give?",
        "Subtract each row's maximum only where it is finite (`np.where(np.isfinite(top), top, 0)`): a row of −∞ "
        "then exponentiates to zeros, and its sum is 0.",
        "Divide with `np.divide(e, total, out=np.zeros_like(e), where=total > 0)`, so an empty row stays 0 with no "
        "warning. Pass the mask to `np.where` as it is: broadcasting lines its size-1 axes up by itself.",
    ]),
])
