"""Checks for attention itself and its projections (lesson 05), and for top-k attention (lesson 03)."""
from __future__ import annotations

import math

import numpy as np

from ..attention import attention as _attention
from ..attention import attention_steps, project_qkv
from ..attention import cross_attention as _cross_attention
from ..attention import self_attention as _self_attention
from ..masking import causal_mask, padding_mask
from ..multihead import multi_head_attention
from ..scoring import scaled_dot_scores
from ._engine import Exercise, Misconception, Probe, randn
from ._probes import near_1000, qkv


def _returns_only_output(mine, want, probes):
    return all(
        g.error is None and isinstance(g.value, np.ndarray) and g.value.shape == w.value[0].shape
        for g, w in zip(mine, want, strict=True)
    )


# --------------------------------------------------------------------------- attention (lesson 05)
# No probe blocks every key of a query: there the library gives zeros and a textbook softmax NaN, and
# that convention is lesson 04's to teach (fix_masked_attention, masked_attention).

def mask_after(scores="s", weights="w"):
    """A patch of a teaching reference: the mask moved after the softmax (weights zeroed, not renormalised)."""
    return ((f"        {scores} = np.where(mask, {scores}, -np.inf)", "        pass"),
            (f"    return {weights} @ v, {weights}", f"    if mask is not None:\n        {weights} = np.where(mask, "
                                                    f"{weights}, 0.0)\n    return {weights} @ v, {weights}"))


NO_EMPTY_ROW = {"fill: -np.inf → -1000000000.0": "No query here is blocked from every key (that case is lesson 04's), "
                                                 "and exp(−1e9 − max) is exactly 0, as exp(−∞) is."}
SAME_D = {"size: np.sqrt(q.shape[-1]) → np.sqrt(k.shape[-1])": "Queries and keys share d."}
PROJECTED = {
    "size: np.sqrt(q.shape[-1]) → np.sqrt(W_q.shape[-1])": "W_q is (D, d): its last axis is d.",
    "size: np.sqrt(q.shape[-1]) → np.sqrt(W_k.shape[-1])": "W_k is (D, d): its last axis is d.",
}


def attention(q, k, v, mask=None):
    # role[scale]: the dot products are divided by √d, the size of one query or key
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])   # (..., n_q, n_k)
    if mask is not None:
        # role[mask]: a blocked key's score is −∞ before the softmax
        s = np.where(mask, s, -np.inf)              # (..., n_q, n_k)
    # role[shift]: each row's own maximum keeps exp finite
    e = np.exp(s - s.max(axis=-1, keepdims=True))   # (..., n_q, n_k)
    # role[normalise]: each query's weights sum to 1 over the keys
    w = e / e.sum(axis=-1, keepdims=True)           # (..., n_q, n_k)
    # role[output]: each query averages the values
    return w @ v, w                                 # (..., n_q, d_v), (..., n_q, n_k)


def _attention_probes():
    return [
        Probe("q (3, 6), k (5, 6), v (5, 2), no mask", qkv(501, (), 3, 5, 6, 2), purpose="2-D"),
        Probe("a batch: q (2, 3, 6), k (2, 7, 6), v (2, 7, 4)", qkv(502, (2,), 3, 7, 6, 4), purpose="batched"),
        Probe("causal self-attention shapes q, k (2, 4, 6), v (2, 4, 3), causal_mask(4)", qkv(503, (2,), 4, 4, 6, 3),
              {"mask": causal_mask(4)}, purpose="causal"),
        Probe("q (2, 3, 5), k (2, 5, 5), v (2, 5, 2), a padding mask (2, 1, 5) with lengths [2, 5]",
              qkv(504, (2,), 3, 5, 5, 2), {"mask": padding_mask([2, 5], 5)}, purpose="padding"),
        Probe("heads: q (2, 2, 3, 5), k (2, 2, 6, 5), v (2, 2, 6, 3)", qkv(505, (2, 2), 3, 6, 5, 3), purpose="heads"),
        Probe("cross-attention heads: q (2, 2, 6, 5), k (2, 2, 10, 5), v (2, 2, 10, 3), source padded to lengths "
              "[10, 7]", qkv(506, (2, 2), 6, 10, 5, 3), {"mask": padding_mask([10, 7], 10)[:, None]},
              purpose="heads padding"),
        Probe("scores near +1000 (sequence 0) and −1000 (sequence 1): q, k (2, 4, 5), v (2, 4, 2), causal_mask(4)",
              near_1000(507, 4, 5, 2), {"mask": causal_mask(4)}, purpose="large far_rows causal"),
    ]


ATTENTION = Exercise(
    id="attention",
    signature="attention(q, k, v, mask=None)",
    arguments={"q": 0, "k": 1, "v": 2},
    reference=_attention,
    teaching=attention,
    equivalent={**SAME_D, **NO_EMPTY_ROW},
    probes=_attention_probes,
    misconceptions=[
        Misconception("missing_weights", test=_returns_only_output),
        Misconception("mask_after_softmax", patch=mask_after()),
    ],
    forbidden=(_attention, _self_attention, _cross_attention, attention_steps),
    returns="pair",
    output="weights",
)


# --------------------------------------------------------------------------- projections (lesson 05)


# --------------------------------------------------------------------------- cross-attention: find the bug
# The notebook gives buggy_cross_attention, which passes a test with n_q = n_k and d = d_v: its keys come from
# x_q and its values are made with W_k. The teaching reference is the repaired function; each bug is a patch.


def _cross_probe(label, seed, queries, n_k, widths, purpose, mask=None, scale=1.0):
    """x_q (*queries, D_q) and x_kv (..., n_k, D_kv), ``queries`` = (*leading axes, n_q), times ``scale``, with
    W_q (D_q, d), W_k (D_kv, d) and W_v (D_kv, d_v), ``widths`` = (D_q, D_kv, d, d_v)."""
    *lead, _ = queries
    D_q, D_kv, d, d_v = widths
    x_q, x_kv, *weights = randn(seed, (*queries, D_q), (*lead, n_k, D_kv), (D_q, d), (D_kv, d), (D_kv, d_v))
    return Probe(label, (scale * x_q, scale * x_kv, *weights), {} if mask is None else {"mask": mask},
                 purpose=purpose)


def cross_attention(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q = x_q @ W_q                   # (..., n_q, d) role[queries]: the queries come from x_q, through W_q
    k = x_kv @ W_k                  # (..., n_k, d) role[keys]: the keys come from x_kv, through W_k
    v = x_kv @ W_v                  # (..., n_k, d_v) role[values]: the values come from x_kv, through W_v
    # role[scale]: the dot products are divided by √d, the size of one query or key
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])   # (..., n_q, n_k)
    if mask is not None:
        # role[mask]: a blocked key's score is −∞ before the softmax
        s = np.where(mask, s, -np.inf)              # (..., n_q, n_k)
    # role[shift]: each row's own maximum keeps exp finite
    e = np.exp(s - s.max(axis=-1, keepdims=True))   # (..., n_q, n_k)
    # role[normalise]: each query's weights sum to 1 over the keys
    w = e / e.sum(axis=-1, keepdims=True)           # (..., n_q, n_k)
    # role[output]: each query averages the values
    return w @ v, w                                 # (..., n_q, d_v), (..., n_q, n_k)


def _sides_swapped(x_q, x_kv, *weights, mask=None):
    return cross_attention(x_kv, x_q, *weights, mask=mask)


CROSS_BUGS = {   # buggy_cross_attention of the exercise notebook, as patches to the repaired function
    "A": {"patch": [("k = x_kv @ W_k", "k = x_q @ W_k")], "code": "keys_from_query_side",
          "left": "the keys still come from x_q, the queries' side", "fixed": "taken the keys from x_kv"},
    "B": {"patch": [("v = x_kv @ W_v", "v = x_kv @ W_k")], "code": "shared_projection",
          "left": "the values are still made with W_k", "fixed": "made the values with W_v"},
}


def _cross_probes():
    return [
        _cross_probe("x_q (3, 6), x_kv (5, 6): n_q ≠ n_k, with d = 5 and d_v = 2", 551, (3,), 5, (6, 6, 5, 2), "2-D"),
        _cross_probe("x_q (4, 6), x_kv (4, 6), d = d_v = 5: the equal sizes that hid the bugs", 552, (4,), 4,
                     (6, 6, 5, 5), "square"),
        _cross_probe("a batch: x_q (2, 3, 6), x_kv (2, 5, 6), d = 5, d_v = 3", 553, (2, 3), 5, (6, 6, 5, 3),
                     "batched"),
        _cross_probe("x_q (2, 3, 6) and x_kv (2, 5, 8) of different widths", 554, (2, 3), 5, (6, 8, 5, 3), "widths"),
        _cross_probe("a padded source: x_q (2, 3, 6), x_kv (2, 5, 6), padding_mask([5, 2], 5)", 555, (2, 3), 5,
                     (6, 6, 5, 2), "padding", mask=padding_mask([5, 2], 5)),
        _cross_probe("square projections: x_q (3, 5), x_kv (6, 5), every W (5, 5)", 556, (3,), 6, (5, 5, 5, 5),
                     "square_W"),
        _cross_probe("heads as extra axes: x_q (2, 2, 3, 6), x_kv (2, 2, 5, 6)", 557, (2, 2, 3), 5, (6, 6, 5, 3),
                     "heads"),
        _cross_probe("large scores: x_q (3, 6) and x_kv (5, 6) times 20", 558, (3,), 5, (6, 6, 5, 2), "large",
                     scale=20.0),
    ]


CROSS = Exercise(
    id="cross_attention",
    signature="cross_attention(x_q, x_kv, W_q, W_k, W_v, mask=None)",
    arguments={"W_q": 2},
    reference=_cross_attention,
    teaching=cross_attention,
    bugs=CROSS_BUGS,
    equivalent={**PROJECTED, **NO_EMPTY_ROW},
    probes=_cross_probes,
    misconceptions=[
        Misconception("missing_weights", test=_returns_only_output),
        Misconception("mask_after_softmax", patch=mask_after()),
        Misconception("queries_from_kv_side", variant=_sides_swapped, detail="Here the queries come from x_kv and the "
                                                                            "keys and values from x_q."),
        Misconception("queries_from_kv_side", patch=(("q = x_q @ W_q", "q = x_kv @ W_q"), ("k = x_kv @ W_k",
                                                                                         "k = x_q @ W_k"),
                                                     ("v = x_kv @ W_v", "v = x_kv @ W_k")),
                      detail="Here the queries and the keys swapped sequences; the keys belong with the values."),
    ],
    forbidden=(_cross_attention, _self_attention, project_qkv, attention_steps, multi_head_attention),
    returns="pair",
    output="weights",
)


# --------------------------------------------------------------------------- self-attention with projections


def _worked_example():
    """The lesson's "policy raises wages jobs": x (4, 6), then W_q, W_k, W_v (6, 4) ÷ √6, from one generator."""
    x, *weights = randn(7, (4, 6), (6, 4), (6, 4), (6, 4))
    return (x, *(W / math.sqrt(6) for W in weights))


def _self_probe(label, seed, lead, purpose, mask=None, widths=(7, 5, 3), scale=1.0):
    """Tokens x (*lead, D) times ``scale``, with W_q, W_k (D, d) and W_v (D, d_v); ``widths`` = (D, d, d_v)."""
    D, d, d_v = widths
    x, *weights = randn(seed, (*lead, D), (D, d), (D, d), (D, d_v))
    return Probe(label, (scale * x, *weights), {} if mask is None else {"mask": mask}, purpose=purpose)


def self_attention(x, W_q, W_k, W_v, mask=None):
    q = x @ W_q                     # (..., n, d) role[queries]: the queries are the tokens through W_q
    k = x @ W_k                     # (..., n, d) role[keys]: the keys are the same tokens through W_k
    v = x @ W_v                     # (..., n, d_v) role[values]: the values are the same tokens through W_v
    # role[scale]: the dot products are divided by √d, the size of one query or key after the projection
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])   # (..., n, n)
    if mask is not None:
        # role[mask]: a blocked key's score is −∞ before the softmax
        s = np.where(mask, s, -np.inf)              # (..., n, n)
    # role[shift]: each row's own maximum keeps exp finite
    e = np.exp(s - s.max(axis=-1, keepdims=True))   # (..., n_q, n_k)
    # role[normalise]: each query's weights sum to 1 over the keys
    w = e / e.sum(axis=-1, keepdims=True)           # (..., n_q, n_k)
    # role[output]: each query averages the values
    return w @ v, w                                 # (..., n, d_v), (..., n, n)


def _self_probes():
    return [
        _self_probe("x (4, 7) with d = 5 and d_v = 3, no mask: n, D, d and d_v all differ", 561, (4,), "2-D"),
        _self_probe("a batch: x (2, 6, 7)", 562, (2, 6), "batched"),
        _self_probe("causal: x (2, 4, 7) with causal_mask(4)", 563, (2, 4), "causal", mask=causal_mask(4)),
        _self_probe("padding: x (2, 6, 7) with padding_mask([6, 3], 6)", 564, (2, 6), "padding",
                    mask=padding_mask([6, 3], 6)),
        Probe("'policy raises wages jobs' (seed 7) with causal_mask(4)", _worked_example(),
              {"mask": causal_mask(4)}, purpose="example"),
        _self_probe("extra leading axes: x (2, 2, 3, 7)", 566, (2, 2, 3), "heads"),
        _self_probe("square projections: x (4, 3), every W (3, 3) (√3 rounds down to 1)", 567, (4,), "square_W",
                    widths=(3, 3, 3)),
        _self_probe("large scores: x (2, 4, 7) times 20, causal_mask(4)", 568, (2, 4), "large causal",
                    mask=causal_mask(4), scale=20.0),
    ]


SELF = Exercise(
    id="self_attention",
    signature="self_attention(x, W_q, W_k, W_v, mask=None)",
    arguments={"W_q": 1},
    reference=_self_attention,
    teaching=self_attention,
    equivalent={**PROJECTED, **NO_EMPTY_ROW},
    probes=_self_probes,
    misconceptions=[
        Misconception("missing_weights", test=_returns_only_output),
        Misconception("mask_after_softmax", patch=mask_after()),
    ],
    forbidden=(_attention, _self_attention, _cross_attention, project_qkv, attention_steps, multi_head_attention),
    returns="pair",
    output="weights",
)


def _topk_reference(q, k, v, top_k):
    scores = scaled_dot_scores(q, k)                     # (n_q, n_k)
    kth = np.sort(scores, axis=-1)[:, -top_k][:, None]   # (n_q, 1), the top_k-th largest score
    return _attention(q, k, v, mask=scores >= kth)       # softmax over the top k only


def _kept_count(mine, want, probes):
    """Each row keeps its m best keys (every kept score above every dropped one), but m is not top_k."""
    off = set()
    for got, ref, probe in zip(mine, want, probes, strict=True):
        if got.error is not None or not isinstance(got.value, (tuple, list)) or len(got.value) != 2:
            return False
        w, r = np.asarray(got.value[1], dtype=float), ref.value[1]
        if w.shape != r.shape or not np.all(np.isfinite(w)):
            return False
        q, k = probe.args[0], probe.args[1]
        scores = q @ k.T                                 # (n_q, n_k); the scale does not change the order
        kept = w > 1e-12
        lowest_kept = np.where(kept, scores, np.inf).min(axis=-1)
        highest_dropped = np.where(kept, -np.inf, scores).max(axis=-1)
        if np.any(lowest_kept < highest_dropped):
            return False
        off |= set((kept.sum(axis=-1) - (r > 0).sum(axis=-1)).tolist())
    off.discard(0)
    if not off:
        return False
    fewer = all(n < 0 for n in off)
    return f"Yours keeps {'fewer' if fewer else 'more'} keys than top_k in some rows."


def top_k_attention(q, k, v, top_k):
    s = q @ k.T / np.sqrt(q.shape[-1])              # (n_q, n_k) role[scale]: scaled dot products, divided by √d
    kth = np.sort(s, axis=-1)[..., [-top_k]]        # (n_q, 1) role[select]: each row's own top_k-th largest score
    # role[mask]: only each row's top_k keys stay in the softmax
    s = np.where(s >= kth, s, -np.inf)              # (n_q, n_k)
    e = np.exp(s - s.max(axis=-1, keepdims=True))   # (n_q, n_k) role[shift]: each row's own maximum keeps exp finite
    # role[normalise]: each query's weights sum to 1 over the keys
    w = e / e.sum(axis=-1, keepdims=True)           # (n_q, n_k)
    # role[output]: each query averages the values
    return w @ v, w                                 # (n_q, d_v), (n_q, n_k)


def _topk_probes():
    big = randn(334, (2, 3), (5, 3), (5, 2))
    return [
        Probe("2 queries, 6 keys, top_k = 2", randn(331, (2, 3), (6, 3), (6, 2)) + (2,)),
        Probe("3 queries, 5 keys, top_k = 1 (hard 1-NN)", randn(332, (3, 6), (5, 6), (5, 2)) + (1,), purpose="hard"),
        Probe("1 query, 4 keys, top_k = 4 (plain attention)", randn(333, (1, 3), (4, 3), (4, 2)) + (4,),
              purpose="all_keys"),
        Probe("3 queries, 3 keys, top_k = 2", randn(335, (3, 2), (3, 2), (3, 4)) + (2,), purpose="square"),
        Probe("large scores (q and k scaled by 30), top_k = 2", (30 * big[0], 30 * big[1], big[2], 2),
              purpose="large"),
    ]


TOP_K = Exercise(
    id="top_k_attention",
    signature="top_k_attention(q, k, v, top_k)",
    arguments={"q": 0, "k": 1, "v": 2},
    reference=_topk_reference,
    teaching=top_k_attention,
    equivalent={**SAME_D,
                "fill: -np.inf → -1000000000.0": "top_k ≥ 1 keeps a key in every row, and exp(−1e9 − max) is exactly 0 "
                                                  "in float64, as exp(−∞) is.",
                "size: np.sqrt(q.shape[-1]) → np.sqrt(q.shape[1])": "q is (n_q, d) in this exercise, so its axis 1 "
                                                                  "is its last."},
    probes=_topk_probes,
    misconceptions=[
        Misconception("topk_not_renormalised", patch=(("    s = np.where(s >= kth, s, -np.inf)", "    keep = s >= kth"),
                                                      ("    return w @ v, w", "    w = np.where(keep, w, 0.0)\n"
                                                                            "    return w @ v, w"))),
        Misconception("topk_smallest", patch=(("[..., [-top_k]]", "[..., [top_k - 1]]"), ("s >= kth", "s <= kth"))),
        Misconception("hard_attention", patch=(("[..., [-top_k]]", "[..., [-1]]"),),
                      detail="Here only the single best key survives, whatever top_k is."),
        Misconception("topk_wrong_count", test=_kept_count, late=True),
    ],
    forbidden=(_attention,),
    returns="pair",
    output="weights",
    relations={"mask_leak": ("topk_wrong_axis", "Some keys you kept are not among their row's top_k scores."),
               "mask_inverted": ("mask_polarity_inverted", "You kept every key *except* the top_k.")},
    purposes={"large": ("no_max_subtraction", "With a mask, subtract the row maximum of the kept scores.")},
)

EXERCISES = [ATTENTION, TOP_K, CROSS, SELF]
