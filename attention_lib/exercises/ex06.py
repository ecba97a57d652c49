"""Exercises for 06_multi_head: heads split and merged, multi-head and grouped-query attention, a bug to fix."""
from . import questions

QUESTIONS = q1, q2, q3, q4, q5, q6 = questions(__name__, "06_multi_head", [
    ("split_heads", "split_heads", "easy", [
        "A head keeps *every position* but only D/h of its features. Which shape has one row per position, with "
        "the features cut into h pieces?",
        "Reshape (…, n, D) to (…, n, h, D/h) first: that only cuts each position's row. Then move the head axis in "
        "front of the positions. Count axes from the end, so that any number of leading axes works.",
        "`x.reshape(*x.shape[:-1], n_heads, -1)`, then `np.swapaxes(…, -3, -2)`. Reshaping straight to "
        "(…, h, n, D/h) gives the right shape and the wrong contents.",
    ]),
    ("merge_heads", "merge_heads", "easy", [
        "Merging is splitting backwards: each position's row gets head 0's features, then head 1's, and so on.",
        "Bring the positions in front of the heads first, (…, h, n, d) → (…, n, h, d); then join the last two axes.",
        "`np.swapaxes(x, -3, -2)`, then `.reshape(*x.shape[:-3], n, h * d)` with n, h and d read from `x.shape`.",
    ]),
    ("multi_head_attention", "multi_head_attention", "medium", [
        "Four steps: project with W_q, W_k and W_v (plus their biases, if `params` has them); split each into "
        "heads; attend in every head at once; merge, then apply W_o (and b_o).",
        "Queries come from `x_q`, keys and values from `x_kv`. Per head the scale is √d with d = D/h, and the "
        "softmax runs over the keys, the last axis. A mask with 3 axes needs a head axis: `mask[:, None]`.",
        "`q = split_heads(x_q @ W_q + b_q, n_heads)`, and `k`, `v` the same from `x_kv`; then scores "
        "(B, h, n_q, n_k), mask, softmax, `weights @ v`, `merge_heads(…) @ W_o + b_o`. Return every head's weights.",
    ]),
    ("mha_reshape_bug", "mha_reshape_bug", "medium", [
        "Print a head. Run the layer's split on the lesson's labelled tensor (10·position + feature) and look at "
        "head 0: does it hold features 0–2 of every position?",
        "Four reshapes move numbers into or out of heads, and each one skips the same step: a reshape may only "
        "cut or join the *last* axis; putting the heads in front of the positions takes a swap.",
        "Split with `.reshape(B, n, n_heads, d)` followed by `.swapaxes(1, 2)`, for q, k and v alike; merge "
        "by swapping axes 1 and 2 back before the reshape to (B, n_q, D).",
    ]),
    ("grouped_query_attention", "grouped_query_attention", "hard", [
        "Only the keys and values change from multi-head attention: there are g = n_kv_heads of them, and each "
        "serves h/g neighbouring query heads.",
        "`x_kv @ W_k` has g·d features: split it into g heads, (B, g, n_k, d), then make h heads by repeating "
        "each KV head h/g times in place along the head axis.",
        "`k = np.repeat(split_heads(x_kv @ W_k + b_k, n_kv_heads), n_heads // n_kv_heads, axis=1)`, the same for "
        "`v`; then attend, merge and apply W_o as in multi-head attention.",
    ]),
    ("kv_cache_per_token", "kv_cache_per_token", "easy", [
        "Per token and per layer, what does the cache keep for each key/value head?",
        "One key and one value of d_head numbers for every key/value head, in every layer; each float16 number "
        "takes 2 bytes.",
        "2 · layers · kv_heads · d_head · bytes per number. The 64 query heads do not enter.",
    ]),
])
