"""Exercises for 08_efficient_attention: online softmax, the KV cache, FlashAttention tiles."""
from . import questions

QUESTIONS = q1, q2, q3, q4, q5 = questions(__name__, "08_efficient_attention", [
    ("online_softmax", "online_softmax", "easy", [
        "Walk along the axis keeping two numbers per row: the largest score so far, m, and the sum ℓ of "
        "e^(score − largest so far).",
        "When a new score beats the maximum, the sum so far was computed against the old maximum: multiply it by "
        "e^(m_old − m_new) before adding e^(x_j − m_new). Start from m = −∞ and a sum of 0, and shift by 0 while m "
        "is still −∞.",
        "Move the axis to the end with `np.moveaxis(x, axis, -1)` so `z[..., j]` is element j of every row; after "
        "the loop, write `np.exp(z - m[..., None]) / l[..., None]` (zeros where the sum ℓ is 0) and move the axis "
        "back.",
    ]),
    ("kv_cache_bytes", "kv_cache_bytes", "easy", [
        "Each token stores one key vector and one value vector, per KV head, per layer.",
        "Count numbers first: 2 · n_layers · n_kv_heads · d_head per token.",
        "Then multiply by the number of tokens, the bytes of each number and the batch size.",
    ]),
    ("flash_block_update", "flash_block_update", "medium", [
        "Three things change: the maximum can grow, the sum gains this tile's terms, the output gains this tile's "
        "weighted values. Whatever was computed against the old maximum must be brought to the new one.",
        "The new maximum is `np.maximum(m, s.max(axis=-1, keepdims=True))`; the factor for the old part, "
        "α = e^(m − m_new), multiplies *both* ℓ and acc. Shift by 0 where the new maximum is −∞.",
        "With p = e^(s − m_new): ℓ' = α ℓ + the row sums of p (keepdims), acc' = α acc + p @ v_block. Do not "
        "divide by ℓ here.",
    ]),
    ("decode_step", "decode_step", "medium", [
        "First make the caches longer by the new tokens; then the new queries attend to everything in them.",
        "Grow the caches with `np.concatenate` along the sequence axis, −2, whatever the batch axes are. One new "
        "token needs no mask; with several, the last one sees everything and the first one sees all but the "
        "others.",
        "Query i of the n_q new tokens is position n_past + i: `al.causal_mask(n_q, n_k)` (bottom-right) says "
        "what it may see. Return the output and both grown caches.",
    ]),
    ("fix_tiled_attention", "fix_tiled_attention", "hard", [
        "Compare the function as given with `al.attention` on a few inputs: does it go wrong with one key tile? "
        "With more keys than queries? With a mask that hides a whole tile from a query?",
        "Look at every quantity computed against the running maximum: when the maximum grows, which of them is "
        "brought to the new maximum and which is not? Then read the bounds of both loops.",
        "Rescale ℓ by α like acc; let the key loop run to `k.shape[-2]`; shift by 0 where the running maximum is "
        "still −∞, and divide only where ℓ > 0 (a query that sees no key gets zeros).",
    ]),
])
