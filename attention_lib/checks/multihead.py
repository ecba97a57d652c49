"""Checks for lesson 06: split and merge heads, multi-head and grouped-query attention, and a layer to repair.

Each exercise has a teaching reference; its mutants name most slips. Splitting and merging keep a small
family of wrong implementations (:func:`_split`, :func:`_merge`) because their messages can show the learner's
own head, or own row, on the lesson's labelled tensor.
"""
from __future__ import annotations

import numpy as np

from .. import multihead as lib
from ..attention import attention as _attention
from ..masking import causal_mask, padding_mask
from ._compare import as_array, as_pair
from ._engine import Exercise, Misconception, Probe, family, randn, salted_seed


def labelled(shape):
    """The lesson's self-labelling tensor: entry ``[b, p, f]`` is ``100·b + 10·p + f``."""
    b, p, f = np.ix_(*(range(n) for n in shape))
    return (100 * b + 10 * p + f).astype(float)           # (B, n, D)


# --------------------------------------------------------------------------- cutting and joining heads


def _split(x, h, how="right", axes="any"):
    """(..., n, D) -> heads, the way a learner might do it; ``axes="three"`` accepts (B, n, D) only."""
    if axes == "three":
        B, n, D = x.shape                                    # a fixed unpacking: one number of axes only
    *lead, n, D = x.shape
    d = D // h
    if how == "no_transpose":
        return x.reshape(*lead, h, n, d)                     # whole positions poured into each head
    if how == "interleaved":
        return np.moveaxis(x.reshape(*lead, n, d, h), -1, -3)   # head j takes features j, j+h, …
    if how == "no_swap":
        return x.reshape(*lead, n, h, d)                     # (..., n, h, d): heads after the positions
    if how == "swap_last":
        return np.swapaxes(x.reshape(*lead, n, h, d), -1, -2)  # (..., n, d, h)
    return np.swapaxes(x.reshape(*lead, n, h, d), -3, -2)    # (..., h, n, d)


def _merge(x, how="right", axes="any"):
    """(..., h, n, d) -> (..., n, h·d), the way a learner might do it; ``axes="four"`` accepts (B, h, n, d) only."""
    if axes == "four":
        B, h, n, d = x.shape
    *lead, h, n, d = x.shape
    if how == "no_transpose":
        return x.reshape(*lead, n, h * d)                    # a row gathers several positions of one head
    if how == "interleaved":
        return np.moveaxis(x, -3, -1).reshape(*lead, n, d * h)   # features of all heads interleaved
    if how == "summed":
        return x.sum(axis=-3)                                # (..., n, d)
    if how == "averaged":
        return x.mean(axis=-3)                               # (..., n, d)
    if how == "stacked":
        return x.reshape(*lead, h * n, d)                    # heads as extra positions
    return np.swapaxes(x, -3, -2).reshape(*lead, n, h * d)   # (..., n, h·d)


_LAB = labelled((1, 4, 6))          # the lesson's example: 4 positions, 6 features, 2 heads of 3


def _rows(block) -> str:
    return " | ".join(" ".join(f"{v:.0f}" for v in row) for row in block)


def _listed(values) -> str:
    values = [str(v) for v in values]
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " and " + values[-1]


def _head_zero(how) -> str:
    """What the learner's head 0 holds on the labelled tensor, for a known way of splitting."""
    head = _split(_LAB, 2, how)[0, 0]                        # (4, 3)
    positions = sorted({int(v) // 10 for v in head.ravel()})
    features = sorted({int(v) % 10 for v in head.ravel()})
    return (f"On the labelled tensor (entry = 10·position + feature, 2 heads) your head 0 is {_rows(head)}: "
            f"positions {_listed(positions)}, features {_listed(features)}; it should hold features 0 to 2 of "
            "every position.")


def _row_zero(how) -> str:
    """What the learner's position-0 row holds after merging the labelled tensor's heads."""
    row = _merge(lib.split_heads(_LAB, 2), how)[0, 0]        # (6,)
    positions = sorted({int(v) // 10 for v in row})
    held = (f"entries of positions {_listed(positions)}" if len(positions) > 1
            else "position 0's features, but out of order")
    return (f"On the labelled tensor (entry = 10·position + feature) your row for position 0 is {_rows([row])}: "
            f"{held}; it should hold position 0's features in order, head 0's block first.")


_FIXED_AXES = "Here `B, n, D = x.shape` (or a fixed transpose) fits inputs with exactly three axes."

def split_heads(x, n_heads):
    *lead, n, D = x.shape
    # role[cut]: each position's D features are cut into n_heads blocks of D/h, one per head
    x = x.reshape(*lead, n, n_heads, D // n_heads)   # (..., n, h, d)
    return np.swapaxes(x, -2, -3)       # (..., h, n, d) role[heads]: the head axis moves in front of the positions


def merge_heads(x):
    *lead, h, n, d = x.shape
    x = np.swapaxes(x, -3, -2)          # (..., n, h, d) role[positions]: the positions move back in front of the heads
    return x.reshape(*lead, n, h * d)   # (..., n, h·d) role[join]: each position's heads sit side by side again


SPLIT_HEADS = Exercise(
    id="split_heads",
    signature="split_heads(x, n_heads)",
    reference=lib.split_heads,
    teaching=split_heads,
    probes=lambda: [
        Probe("x (2, 3, 8) with 2 heads", randn(611, (2, 3, 8)) + (2,), purpose="batched"),
        Probe("x (1, 5, 12) with 3 heads", randn(612, (1, 5, 12)) + (3,), purpose="batched"),
        Probe("x (2, 4, 4) with 4 heads of one feature", randn(613, (2, 4, 4)) + (4,), purpose="one_feature"),
        Probe("the labelled tensor (1, 4, 6) with 2 heads", (labelled((1, 4, 6)), 2), purpose="labelled"),
        Probe("one sequence, x (5, 6), with 2 heads", randn(614, (5, 6)) + (2,), purpose="2-D"),
        Probe("x (2, 3, 8) with 1 head", randn(615, (2, 3, 8)) + (1,), purpose="one_head"),
        Probe("one more axis: x (2, 2, 3, 6) with 3 heads", randn(616, (2, 2, 3, 6)) + (3,), purpose="extra_axis"),
    ],
    misconceptions=family(
        lambda how, axes: lambda x, n_heads: _split(x, n_heads, how, axes),
        {"how": [("right", None, ""),
                 ("no_transpose", "reshape_without_transpose", _head_zero("no_transpose")),
                 ("interleaved", "interleaved_features", _head_zero("interleaved")),
                 ("no_swap", "heads_axis_last", ""),
                 ("swap_last", "heads_axis_last", "You swapped the last two axes (h and d) instead.")],
         "axes": [("any", None, ""), ("three", "fixed_ndim", _FIXED_AXES)]},
    ),
    forbidden=(lib.split_heads,),
    output="values",
)

MERGE_HEADS = Exercise(
    id="merge_heads",
    signature="merge_heads(x)",
    reference=lib.merge_heads,
    teaching=merge_heads,
    probes=lambda: [
        Probe("x (2, 2, 3, 4): a batch of 2 heads", randn(621, (2, 2, 3, 4)), purpose="heads"),
        Probe("x (1, 3, 5, 2): 3 heads of 5 positions", randn(622, (1, 3, 5, 2)), purpose="heads"),
        Probe("x (2, 1, 4, 6): one head", randn(623, (2, 1, 4, 6)), purpose="one_head"),
        Probe("one sequence's heads, x (3, 4, 2)", randn(624, (3, 4, 2)), purpose="batched"),
        Probe("one more axis: x (2, 2, 3, 4, 2)", randn(625, (2, 2, 3, 4, 2)), purpose="extra_axis"),
        Probe("the labelled tensor (1, 4, 6) split into 2 heads", (lib.split_heads(labelled((1, 4, 6)), 2),),
              purpose="labelled"),
    ],
    misconceptions=family(
        lambda how, axes: lambda x: _merge(x, how, axes),
        {"how": [("right", None, ""),
                 ("no_transpose", "reshape_without_transpose", _row_zero("no_transpose")),
                 ("interleaved", "interleaved_features", _row_zero("interleaved")),
                 ("summed", "heads_summed", ""),
                 ("averaged", "heads_summed", "Averaging them loses the same thing."),
                 ("stacked", "wrong_shape", "Your result has h·n rows: the heads were stacked as extra positions. "
                                            "Each position keeps one row, with its heads' features side by side.")],
         "axes": [("any", None, ""), ("four", "fixed_ndim", "Here `B, h, n, d = x.shape` (or a fixed transpose) "
                                                            "fits inputs with exactly four axes.")]},
    ),
    forbidden=(lib.merge_heads,),
    output="values",
)


# --------------------------------------------------------------------------- the layer


def multi_head_attention(x_q, x_kv, params, n_heads, mask=None):
    def heads(t):                                   # (B, n, D) -> (B, h, n, d)
        *lead, n, D = t.shape
        # role[cut]: each position's D features are cut into n_heads blocks of D/h, one per head
        t = t.reshape(*lead, n, n_heads, D // n_heads)   # (B, n, h, d)
        # role[heads]: the head axis moves in front of the positions
        return np.swapaxes(t, -2, -3)               # (B, h, n, d)

    # role[queries]: the queries come from x_q, through W_q (and its bias, if there is one)
    q = heads(x_q @ params["W_q"] + params.get("b_q", 0.0))     # (B, h, n_q, d)
    # role[keys]: the keys come from x_kv, through W_k (and its bias, if there is one)
    k = heads(x_kv @ params["W_k"] + params.get("b_k", 0.0))    # (B, h, n_k, d)
    # role[values]: the values come from x_kv, through W_v (and its bias, if there is one)
    v = heads(x_kv @ params["W_v"] + params.get("b_v", 0.0))    # (B, h, n_k, d)
    # role[scale]: each head divides its dot products by √d, with d = D/h its own width
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])      # (B, h, n_q, n_k)
    if mask is not None:
        mask = np.asarray(mask)
        if mask.ndim == 3:                          # role[mask_heads]: a batch mask needs a head axis
            mask = mask[:, None]                    # (B, 1, ·, n_k) role[mask_heads]: a batch mask needs a head axis
        s = np.where(mask, s, -np.inf)              # (B, h, n_q, n_k) role[mask]: a blocked key's score is −∞
    # role[shift]: each row's own maximum keeps exp finite
    e = np.exp(s - s.max(axis=-1, keepdims=True))   # (B, h, n_q, n_k)
    w = e / e.sum(axis=-1, keepdims=True)           # (B, h, n_q, n_k) role[normalise]: each query's weights sum to 1
    # role[positions]: the positions move back in front of the heads
    out = np.swapaxes(w @ v, -2, -3)                # (B, n_q, h, d)
    # role[join]: each position's heads sit side by side again
    out = out.reshape(*out.shape[:-2], -1)          # (B, n_q, D)
    # role[project_out]: W_O mixes the joined heads (with its bias, if there is one)
    return out @ params["W_o"] + params.get("b_o", 0.0), w      # (B, n_q, D), (B, h, n_q, n_k)


def _weights_averaged(mine, want, probes):
    """Every head's weights averaged into one (B, n_q, n_k) map, as PyTorch returns them by default."""
    seen = False
    for got, ref in zip(mine, want, strict=True):
        if got.raised or ref.raised:
            continue
        pair = as_pair(got.value)
        weights = as_array(pair[1]) if pair is not None and len(pair) == 2 else None
        full = ref.value[1]                                  # (B, h, n_q, n_k)
        if weights is None or weights.shape != full.shape[:1] + full.shape[2:]:
            return False
        if not np.allclose(weights.astype(float), full.mean(axis=1), rtol=1e-4, atol=1e-6):
            return False
        seen = True
    return seen


def _params(seed, d_model=12, bias=False):
    """Multi-head parameters; with ``bias``, biases that are not zero (so that leaving them out shows)."""
    params = lib.init_mha_params(d_model, salted_seed(seed))
    if bias:
        params.update(zip(("b_q", "b_k", "b_v", "b_o"), randn(seed + 1, *[(d_model,)] * 4), strict=True))
    return params


ONE_HEAD_ONLY = {"only:one_head": ("reshape_without_transpose", "With one head your function is right, so the "
                                   "attention itself is fine: the bug is in how the heads are cut and joined (or in "
                                   "a size that equals D only when h = 1).")}
MASK_AXIS_AFTER_QUERIES = (("mask = mask[:, None]", "mask = mask[:, :, None]"),)
NO_W_O = (('return out @ params["W_o"] + params.get("b_o", 0.0), w', "return out, w"),)


def _self(seed, shape, scale=1.0):
    """Self-attention inputs: the same array as x_q and x_kv."""
    x, = randn(seed, shape)
    return scale * x, scale * x


_D = 12
_LX = labelled((1, 4, 6)) / 100                             # 0.23 is position 2, feature 3
_EYE = dict.fromkeys(("W_q", "W_k", "W_v", "W_o"), np.eye(6))


def _layer_probes():
    """D = 12 cut into 2 heads of 6, 4 heads of 3 or 1 of 12: never d = 4, where √d = d/2 = 2."""
    P = _params(601)
    xs, = randn(603, (2, 4, _D))
    return [
        Probe("cross-attention: x_q (2, 3, 12), x_kv (2, 5, 12), 2 heads", randn(602, (2, 3, _D), (2, 5, _D)) + (P, 2),
              purpose="cross"),
        Probe("causal self-attention: x (2, 4, 12), 4 heads, causal_mask(4)", (xs, xs, P, 4),
              {"mask": causal_mask(4)}, purpose="causal"),
        Probe("cross-attention with a padding mask (2, 1, 1, 5), 2 heads", randn(604, (2, 3, _D), (2, 5, _D)) + (P, 2),
              {"mask": padding_mask([3, 5], 5)[:, None]}, purpose="padding"),
        Probe("self-attention: x (2, 4, 12), 1 head", _self(605, (2, 4, _D)) + (P, 1), purpose="one_head"),
        Probe("the labelled tensor (1, 4, 6) / 100 as x_q and x_kv, identity projections, 2 heads",
              (_LX, _LX, _EYE, 2), purpose="labelled"),
    ]


_DECODER = causal_mask(4) & padding_mask([3, 4], 4)          # (2, 4, 4): a row per query; 4 heads, so that
# a head axis put after the queries, (2, 4, 1, 4), broadcasts silently


def _mha_probes():
    P = _params(601)
    return [
        *_layer_probes(),
        Probe("cross-attention with a batch padding mask (2, 1, 5), 2 heads", randn(606, (2, 3, _D), (2, 5, _D))
              + (P, 2), {"mask": padding_mask([3, 5], 5)}, purpose="batch_mask"),
        Probe("self-attention: x (2, 4, 12), 12 heads of one feature", _self(607, (2, 4, _D)) + (P, 12),
              purpose="one_feature"),
        Probe("cross-attention with biases: x_q (2, 3, 12), x_kv (2, 5, 12), 2 heads",
              randn(608, (2, 3, _D), (2, 5, _D)) + (_params(609, bias=True), 2), purpose="biases"),
        Probe("large scores: self-attention on x (2, 4, 12) times 30, 2 heads, causal_mask(4)",
              _self(610, (2, 4, _D), 30.0) + (P, 2), {"mask": causal_mask(4)}, purpose="large causal"),
        Probe("self-attention with a batch decoder mask (2, 4, 4), causal and padded to lengths [3, 4], 4 heads",
              _self(611, (2, 4, _D)) + (P, 4), {"mask": _DECODER}, purpose="query_mask batch_mask"),
    ]


def _with_transposed_weights(layer):
    """The layer computed as PyTorch's nn.Linear does, x @ W.T, with the course's (in, out) matrices."""
    def variant(x_q, x_kv, params, *heads, mask=None):
        flipped = {name: (w.T if name.startswith("W") else w) for name, w in params.items()}
        return layer(x_q, x_kv, flipped, *heads, mask=mask)
    return variant


INTERLEAVED = (   # head j takes features j, j + h, j + 2h, …: the reshape cut the other way round
    ("t = t.reshape(*lead, n, n_heads, D // n_heads)", "t = t.reshape(*lead, n, D // n_heads, n_heads)"),
    ("return np.swapaxes(t, -2, -3)", "return np.moveaxis(t, -1, -3)"),
    ("out = np.swapaxes(w @ v, -2, -3)", "out = np.moveaxis(w @ v, -3, -1)"),
)

LAYER_CODES = {   # the ideas a slip in a layer breaks, beyond the shared table
    ("queries", "name", "x_kv-for-x_q"): "queries_from_kv_side",
    ("keys", "name", "x_q-for-x_kv"): "not_cross_attention",
    ("values", "name", "x_q-for-x_kv"): "values_from_query_side",
    ("queries", "drop", "add"): "biases_ignored", ("keys", "drop", "add"): "biases_ignored",
    ("values", "drop", "add"): "biases_ignored", ("project_out", "drop", "add"): "biases_ignored",
    ("project_out", "name"): "forgot_w_o",
    ("scale", "size"): "scaled_by_d_model",
    ("normalise", "axis", "h"): "softmax_over_heads",
    ("mask_heads", "keepdims"): "mask_missing_head_axis",
    ("mask_heads", "polarity"): "mask_missing_head_axis",
    ("heads", "transpose", "dropped"): "heads_axis_last",
    ("positions", "transpose", "dropped"): "heads_axis_last",
}

LAYER_EQUIVALENT = {
    "drop: x_kv @ params['W_k'] + params.get('b_k', 0.0) → x_kv @ params['W_k']":
        "A bias on the keys adds q·b_k to every score of a query's row, and the softmax ignores a shift of a row.",
    "fill: -np.inf → -1000000000.0": "No query here is blocked from every key, and exp(−1e9 − max) is exactly 0, as "
                                     "exp(−∞) is.",
    "update: mask = np.asarray(mask) → pass": "The contract passes the mask as a boolean array already.",
}

MHA = Exercise(
    id="multi_head_attention",
    signature="multi_head_attention(x_q, x_kv, params, n_heads, mask=None)",
    reference=lib.multi_head_attention,
    teaching=multi_head_attention,
    equivalent=LAYER_EQUIVALENT,
    codes=LAYER_CODES,
    probes=_mha_probes,
    misconceptions=[
        Misconception("weights_averaged_over_heads", test=_weights_averaged),
        Misconception("projection_transposed", variant=_with_transposed_weights(lib.multi_head_attention)),
        Misconception("forgot_w_o", patch=NO_W_O),
        Misconception("interleaved_features", patch=INTERLEAVED),
        Misconception("mask_head_axis_misplaced", patch=MASK_AXIS_AFTER_QUERIES),
    ],
    forbidden=(lib.multi_head_attention, lib.grouped_query_attention, lib.multi_query_attention),
    returns="pair",
    output="weights",
    purposes={"query_mask": ("mask_head_axis_misplaced", ""), "batch_mask": ("mask_missing_head_axis", ""),
              "biases": ("biases_ignored", ""), **ONE_HEAD_ONLY},
)


# --------------------------------------------------------------------------- find the bug: the reshape trap


def mha_reshape_bug(x_q, x_kv, params, n_heads, mask=None):
    B, n_q, D = x_q.shape
    n_k, d = x_kv.shape[1], D // n_heads
    # role[heads]: each projection is cut into heads at the positions' features, then the head axis moves forward
    q = np.swapaxes((x_q @ params["W_q"]).reshape(B, n_q, n_heads, d), 1, 2)    # (B, h, n_q, d)
    # role[heads]: each projection is cut into heads at the positions' features, then the head axis moves forward
    k = np.swapaxes((x_kv @ params["W_k"]).reshape(B, n_k, n_heads, d), 1, 2)   # (B, h, n_k, d)
    # role[heads]: each projection is cut into heads at the positions' features, then the head axis moves forward
    v = np.swapaxes((x_kv @ params["W_v"]).reshape(B, n_k, n_heads, d), 1, 2)   # (B, h, n_k, d)
    out, weights = _attention(q, k, v, mask)                  # (B, h, n_q, d), (B, h, n_q, n_k)
    # role[join]: the positions move back in front of the heads before the heads are joined
    return np.swapaxes(out, 1, 2).reshape(B, n_q, D) @ params["W_o"], weights   # (B, n_q, D)


def _straight(name, x, n, width="d"):
    """The bug at one place: the projection poured straight into heads, (B, h, n, d), with no transpose."""
    fixed = f'np.swapaxes(({x} @ params["W_{name}"]).reshape(B, {n}, n_heads, {width}), 1, 2)'
    return {"patch": [(fixed, f'({x} @ params["W_{name}"]).reshape(B, n_heads, {n}, {width})')],
            "code": "reshape_without_transpose", "left": f"the split of {name} still reshapes straight into heads",
            "fixed": f"split {name} right"}


RESHAPE_BUGS = {
    "q": _straight("q", "x_q", "n_q"), "k": _straight("k", "x_kv", "n_k"), "v": _straight("v", "x_kv", "n_k"),
    "merge": {"patch": [("np.swapaxes(out, 1, 2).reshape(B, n_q, D)", "out.reshape(B, n_q, D)")],
              "code": "reshape_without_transpose", "left": "the merge still reshapes straight out of heads",
              "fixed": "merged the heads right"},
}

MHA_RESHAPE_BUG = Exercise(
    id="mha_reshape_bug",
    signature="mha_reshape_bug(x_q, x_kv, params, n_heads, mask=None)",
    reference=lib.multi_head_attention,
    teaching=mha_reshape_bug,
    bugs=RESHAPE_BUGS,
    codes=LAYER_CODES,
    probes=_layer_probes,
    misconceptions=[Misconception("interleaved_features", patch=tuple(
        (f'np.swapaxes(({x} @ params["W_{w}"]).reshape(B, {n}, n_heads, d), 1, 2)',
         f'({x} @ params["W_{w}"]).reshape(B, {n}, d, n_heads).transpose(0, 3, 1, 2)')
        for x, w, n in (("x_q", "q", "n_q"), ("x_kv", "k", "n_k"), ("x_kv", "v", "n_k"))) + (
        ("np.swapaxes(out, 1, 2).reshape(B, n_q, D)", "np.moveaxis(out, 1, -1).reshape(B, n_q, D)"),))],
    forbidden=(lib.multi_head_attention, lib.grouped_query_attention, lib.multi_query_attention),
    purposes=ONE_HEAD_ONLY,
    returns="pair",
    output="weights",
)


# --------------------------------------------------------------------------- grouped-query attention


def grouped_query_attention(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    def heads(t, h):                                # (B, n, h·d) -> (B, h, n, d)
        *lead, n, width = t.shape
        # role[cut]: each position's features are cut into blocks of d = D/h, one per head
        t = t.reshape(*lead, n, h, width // h)      # (B, n, h, d)
        # role[heads]: the head axis moves in front of the positions
        return np.swapaxes(t, -2, -3)               # (B, h, n, d)

    # role[queries]: the queries come from x_q, through W_q, in n_heads heads
    q = heads(x_q @ params["W_q"] + params.get("b_q", 0.0), n_heads)          # (B, h, n_q, d)
    # role[keys]: the keys come from x_kv, through W_k, in n_kv_heads heads
    k = heads(x_kv @ params["W_k"] + params.get("b_k", 0.0), n_kv_heads)      # (B, g, n_k, d)
    # role[values]: the values come from x_kv, through W_v, in n_kv_heads heads
    v = heads(x_kv @ params["W_v"] + params.get("b_v", 0.0), n_kv_heads)      # (B, g, n_k, d)
    # role[groups]: query head i uses key/value head i // (h/g): each KV head is repeated in place for its group
    k = np.repeat(k, n_heads // n_kv_heads, axis=-3)     # (B, h, n_k, d)
    # role[groups]: query head i uses key/value head i // (h/g): each KV head is repeated in place for its group
    v = np.repeat(v, n_heads // n_kv_heads, axis=-3)     # (B, h, n_k, d)
    # role[scale]: each head divides its dot products by √d, with d = D/h its own width
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])      # (B, h, n_q, n_k)
    if mask is not None:
        mask = np.asarray(mask)
        if mask.ndim == 3:                          # role[mask_heads]: a batch mask needs a head axis
            mask = mask[:, None]                    # (B, 1, ·, n_k) role[mask_heads]: a batch mask needs a head axis
        s = np.where(mask, s, -np.inf)              # (B, h, n_q, n_k) role[mask]: a blocked key's score is −∞
    # role[shift]: each row's own maximum keeps exp finite
    e = np.exp(s - s.max(axis=-1, keepdims=True))   # (B, h, n_q, n_k)
    w = e / e.sum(axis=-1, keepdims=True)           # (B, h, n_q, n_k) role[normalise]: each query's weights sum to 1
    # role[positions]: the positions move back in front of the heads
    out = np.swapaxes(w @ v, -2, -3)                # (B, n_q, h, d)
    # role[join]: each position's heads sit side by side again
    out = out.reshape(*out.shape[:-2], -1)          # (B, n_q, D)
    # role[project_out]: W_O mixes the joined heads (with its bias, if there is one)
    return out @ params["W_o"] + params.get("b_o", 0.0), w      # (B, n_q, D), (B, h, n_q, n_k)


def _gqa_params(seed, h, g, d_model=24, bias=False):
    params = lib.init_gqa_params(d_model, h, g, salted_seed(seed))
    if bias:
        widths = {"b_q": d_model, "b_k": g * d_model // h, "b_v": g * d_model // h, "b_o": d_model}
        params.update(zip(widths, randn(seed + 1, *[(w,) for w in widths.values()]), strict=True))
    return params


NOT_REPEATED = (("k = np.repeat(k, n_heads // n_kv_heads, axis=-3)", "k = k"),
                ("v = np.repeat(v, n_heads // n_kv_heads, axis=-3)", "v = v"))

_GROUPS_WRONG = ("Your function is right where every query head shares one KV head (g = 1) or has its own (g = h), "
                 "and wrong where they share in groups: check which KV head each query head gets.")


def _gqa_probes():
    """D = 24 in 4 query heads of 6, or 8 of 3."""
    return [
        Probe("cross-attention: x_q (2, 3, 24), x_kv (2, 5, 24), 4 query heads, 2 KV heads",
              randn(651, (2, 3, 24), (2, 5, 24)) + (_gqa_params(652, 4, 2), 4, 2), purpose="cross kv_groups"),
        Probe("causal self-attention: x (2, 4, 24), 4 query heads, 1 KV head, causal_mask(4)",
              _self(653, (2, 4, 24)) + (_gqa_params(654, 4, 1), 4, 1), {"mask": causal_mask(4)},
              purpose="causal one_kv_head"),
        Probe("self-attention: x (1, 5, 24), 4 query heads, 4 KV heads (plain multi-head)",
              _self(655, (1, 5, 24)) + (_params(656, 24), 4, 4), purpose="all_kv_heads"),
        Probe("cross-attention with a batch padding mask (2, 1, 5), 8 query heads, 2 KV heads",
              randn(657, (2, 3, 24), (2, 5, 24)) + (_gqa_params(658, 8, 2), 8, 2),
              {"mask": padding_mask([3, 5], 5)}, purpose="batch_mask kv_groups"),
        Probe("cross-attention with biases, 4 query heads, 2 KV heads",
              randn(659, (2, 3, 24), (2, 5, 24)) + (_gqa_params(660, 4, 2, bias=True), 4, 2),
              purpose="biases kv_groups"),
        Probe("large scores: x (2, 4, 24) times 30, 4 query heads, 2 KV heads, causal_mask(4)",
              _self(661, (2, 4, 24), 30.0) + (_gqa_params(662, 4, 2), 4, 2), {"mask": causal_mask(4)},
              purpose="large causal kv_groups"),
        Probe("self-attention with a batch decoder mask (2, 4, 4), causal and padded to lengths [3, 4], 4 query "
              "heads, 2 KV heads", _self(663, (2, 4, 24)) + (_gqa_params(664, 4, 2), 4, 2), {"mask": _DECODER},
              purpose="query_mask batch_mask kv_groups"),
    ]


GQA = Exercise(
    id="grouped_query_attention",
    signature="grouped_query_attention(x_q, x_kv, params, n_heads, n_kv_heads, mask=None)",
    reference=lib.grouped_query_attention,
    teaching=grouped_query_attention,
    equivalent=LAYER_EQUIVALENT,
    codes={**LAYER_CODES, ("groups", "drop"): "kv_heads_not_repeated", ("groups", "name"): "kv_heads_not_repeated"},
    probes=_gqa_probes,
    misconceptions=[
        Misconception("weights_averaged_over_heads", test=_weights_averaged),
        Misconception("projection_transposed", variant=_with_transposed_weights(lib.grouped_query_attention)),
        Misconception("forgot_w_o", patch=NO_W_O),
        Misconception("kv_heads_not_repeated", patch=NOT_REPEATED, detail="Here the g key/value heads were never "
                                                                          "repeated."),
        Misconception("kv_heads_not_repeated", patch=(*NOT_REPEATED, ("n_kv_heads)      #", "n_heads)      #"),
                                                      ("n_kv_heads)      #", "n_heads)      #")),
                      detail="Here K and V were cut into h heads, narrower than the queries' heads whenever g < h."),
        Misconception("kv_head_index_divided_by_g", patch=tuple(
            (f"{t} = np.repeat({t}, n_heads // n_kv_heads, axis=-3)",
             f"{t} = {t}[..., np.arange(n_heads) // n_kv_heads, :, :]") for t in "kv")),
        Misconception("queries_shared", patch=(("    # role[keys]", "    q = np.repeat(q.reshape(*q.shape[:-3], "
                                                "n_kv_heads, -1, *q.shape[-2:]).mean(axis=-3), n_heads // n_kv_heads, "
                                                "axis=-3)\n    # role[keys]"),)),
        Misconception("reshape_without_transpose", patch=(
            ("t = t.reshape(*lead, n, h, width // h)", "t = t.reshape(*lead, h, n, width // h)"),
            ("return np.swapaxes(t, -2, -3)", "return t"), ("out = np.swapaxes(w @ v, -2, -3)", "out = w @ v"),
            ("out = out.reshape(*out.shape[:-2], -1)", "out = out.reshape(out.shape[0], out.shape[2], -1)"))),
        Misconception("mask_head_axis_misplaced", patch=MASK_AXIS_AFTER_QUERIES),
    ],
    forbidden=(lib.grouped_query_attention, lib.multi_query_attention),
    returns="pair",
    output="weights",
    purposes={"query_mask": ("mask_head_axis_misplaced", ""), "batch_mask": ("mask_missing_head_axis", ""),
              "biases": ("biases_ignored", ""), "kv_groups": ("kv_heads_tiled", _GROUPS_WRONG)},
)

EXERCISES = [SPLIT_HEADS, MERGE_HEADS, MHA, MHA_RESHAPE_BUG, GQA]
