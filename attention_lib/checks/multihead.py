"""Checks for lesson 06: split and merge heads, multi-head and grouped-query attention, and a layer to repair.

The wrong implementations are built from three functions whose switches are the slips a learner
makes: :func:`_split` and :func:`_merge` (how features are cut into heads and joined back) and
:func:`_layer` (projections, heads, shared key/value heads, scale, softmax axis, W_O, biases, mask).
:func:`._engine.family` combines the slips one or two at a time, so a layer with a second slip
is still named by its first.
"""
from __future__ import annotations

import itertools
import math

import numpy as np

from .. import multihead as lib
from ..attention import attention as _attention
from ..masking import apply_mask, causal_mask, padding_mask
from ._compare import as_array, as_pair, outcome_matches
from ._engine import Exercise, Misconception, Probe, family, randn, salted


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

SPLIT_HEADS = Exercise(
    id="split_heads",
    signature="split_heads(x, n_heads)",
    reference=lib.split_heads,
    probes=[
        Probe("x (2, 3, 8) with 2 heads", randn(611, (2, 3, 8)) + (2,), purpose="batched"),
        Probe("x (1, 5, 12) with 3 heads", randn(612, (1, 5, 12)) + (3,), purpose="batched"),
        Probe("x (2, 4, 4) with 4 heads of one feature", randn(613, (2, 4, 4)) + (4,), purpose="one_feature"),
        Probe("the labelled tensor (1, 4, 6) with 2 heads", (labelled((1, 4, 6)), 2), purpose="labelled"),
        Probe("one sequence, x (5, 6), with 2 heads", randn(614, (5, 6)) + (2,), purpose="2-D"),
        Probe("x (2, 3, 8) with 1 head", randn(615, (2, 3, 8)) + (1,), purpose="one_head"),
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
    probes=[
        Probe("x (2, 2, 3, 4): a batch of 2 heads", randn(621, (2, 2, 3, 4)), purpose="heads"),
        Probe("x (1, 3, 5, 2): 3 heads of 5 positions", randn(622, (1, 3, 5, 2)), purpose="heads"),
        Probe("x (2, 1, 4, 6): one head", randn(623, (2, 1, 4, 6)), purpose="one_head"),
        Probe("one sequence's heads, x (3, 4, 2)", randn(624, (3, 4, 2)), purpose="batched"),
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


def _project(x, params, which, bias=True):
    out = x @ params[f"W_{which}"]                           # (B, n, ·)
    b = params.get(f"b_{which}") if bias else None
    return out if b is None else out + b


def _masked(scores, mask, mode):
    """Blocked scores -> −inf, with the mask's head axis handled as ``mode`` says."""
    if mask is None:
        return scores
    mask = np.asarray(mask)
    if (mode == "head" and mask.ndim == 3) or mode.startswith("always"):
        mask = mask[:, None]                                 # (B, 1, ·, n_k)
    if mode.endswith("_lib"):                                # through al.attention, which refuses a misaligned mask
        return apply_mask(scores, mask)
    return np.where(mask, scores, -np.inf)                   # broadcasting decides, right or wrong


def _share(q, k, v, h, g, kv):
    """Give each of the h query heads its key/value head (or fail to)."""
    if kv in ("split_h", "no_repeat"):
        return q, k, v
    r = h // g
    if kv == "tile":
        reps = (1,) * (k.ndim - 3) + (r, 1, 1)
        return q, np.tile(k, reps), np.tile(v, reps)         # KV heads 0, 1, 0, 1, …
    k, v = np.repeat(k, r, axis=-3), np.repeat(v, r, axis=-3)   # (B, h, n_k, d): 0, 0, …, 1, 1, …
    if kv == "shared_q":
        *lead, _, n, d = q.shape
        q = np.repeat(q.reshape(*lead, g, r, n, d).mean(axis=-3), r, axis=-3)   # one query per group
    return q, k, v


def _layer(x_q, x_kv, params, h, g, mask, *, splits=("right",) * 3, merge="right", kv="repeat", source="kv",
           scale="head", axis=-1, wo=True, bias=True, mask_mode="head"):
    """Multi-head (g = h) or grouped-query attention; each misconception flips one switch."""
    src = x_q if source == "q" else x_kv
    q = _split(_project(x_q, params, "q", bias), h, splits[0])                     # (B, h, n_q, d)
    cut = h if kv == "split_h" else g
    k = _split(_project(src, params, "k", bias), cut, splits[1])                   # (B, g, n_k, d)
    v = _split(_project(src, params, "v", bias), cut, splits[2])                   # (B, g, n_k, d)
    q, k, v = _share(q, k, v, h, g, kv)                                            # (B, h, ·, d)
    d = x_q.shape[-1] if scale == "model" else q.shape[-1]
    s = _masked(q @ np.swapaxes(k, -1, -2) / math.sqrt(d), mask, mask_mode)       # (B, h, n_q, n_k)
    e = np.exp(s - s.max(axis=axis, keepdims=True))
    w = e / e.sum(axis=axis, keepdims=True)                                        # (B, h, n_q, n_k)
    out = _merge(w @ v, merge)                                                     # (B, n_q, D)
    return (_project(out, params, "o", bias) if wo else out), w


_PLACES = ("q", "k", "v", "merge")


def _places(places) -> str:
    places = set(places)
    splits = [p for p in _PLACES[:3] if p in places]
    parts = [("the split of " if len(splits) == 1 else "the splits of ") + _listed(splits)] if splits else []
    return " and ".join(parts + (["the merge"] if "merge" in places else []))


def _still_wrong(broken) -> str:
    """What is fixed and what is not, when the reshapes in ``broken`` still skip the swap."""
    broken = set(broken)
    if broken == set(_PLACES):
        return ("None of the four is fixed yet: the splits of q, k and v and the merge all reshape straight into "
                "or out of heads.")
    fixed = _places(p for p in _PLACES if p not in broken)
    direction = "out of" if broken == {"merge"} else "into or out of" if "merge" in broken else "into"
    return (f"{fixed[0].upper()}{fixed[1:]} {'is' if len(_PLACES) - len(broken) == 1 else 'are'} right now; "
            f"{_places(broken)} still {'reshapes' if len(broken) == 1 else 'reshape'} straight {direction} heads.")


_HOW = {   # name -> (splits of q, k, v), merge
    "right": (("right",) * 3, "right"),
    "no_transpose": (("no_transpose",) * 3, "no_transpose"),
    "split_only": (("no_transpose",) * 3, "right"),
    "merge_only": (("right",) * 3, "no_transpose"),
    "interleaved": (("interleaved",) * 3, "interleaved"),
}
_HOW_STAGE = [("right", None, ""),
              ("no_transpose", "reshape_without_transpose", ""),
              ("split_only", "reshape_without_transpose", _still_wrong({"q", "k", "v"})),
              ("merge_only", "reshape_without_transpose", _still_wrong({"merge"})),
              ("interleaved", "interleaved_features", "")]
_ONLY_BATCH_MASKS = "Add it to a batch mask (3 axes) only; the others already line up with the scores."
_SOURCE = [("kv", None, ""), ("q", "not_cross_attention", "")]
_SCALE = [("head", None, ""), ("model", "scaled_by_d_model", "")]
_WO = [(True, None, ""), (False, "forgot_w_o", "")]
_SECONDARY = {
    "bias": [(True, None, ""), (False, "biases_ignored", "")],
    "mask_mode": [("head", None, ""), ("as_is", "mask_missing_head_axis", ""),
                  ("as_is_lib", "mask_missing_head_axis", ""),
                  ("always", "mask_missing_head_axis", _ONLY_BATCH_MASKS),
                  ("always_lib", "mask_missing_head_axis", _ONLY_BATCH_MASKS)],
}


def _family(build, main, secondary):
    """Like :func:`._engine.family` over the ``main`` stages (up to two slips), plus every choice of the
    ``secondary`` stages (biases, the mask's head axis) on top of at most one main slip: those two are
    easy to miss alongside a real mistake, which should still be named."""
    stages = {**main, **secondary}
    names = list(stages)
    out = []
    for combo in itertools.product(*(range(len(stages[n])) for n in names)):
        wrong = [i for i, c in enumerate(combo) if c]
        in_main = sum(1 for i in wrong if names[i] in main)
        if not wrong or in_main > 2 or (in_main == 2 and len(wrong) > 2):
            continue
        choices = {n: stages[n][c][0] for n, c in zip(names, combo, strict=True)}
        _, code, detail = stages[names[wrong[0]]][combo[wrong[0]]]
        out.append(Misconception(code, variant=build(**choices), detail=detail))
    return out


def _layer_variant(how, kv="repeat", **switches):
    """One wrong layer for :func:`_family`; it takes both signatures (``n_kv_heads`` given or not)."""
    splits, merge = _HOW[how]

    def variant(x_q, x_kv, params, n_heads, n_kv_heads=None, mask=None):
        g = n_heads if n_kv_heads is None else n_kv_heads
        return _layer(x_q, x_kv, params, n_heads, g, mask, splits=splits, merge=merge, kv=kv, **switches)
    return variant


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


def _params(seed, d_model=8, bias=False):
    """Multi-head parameters; with ``bias``, biases that are not zero (so that leaving them out shows)."""
    params = lib.init_mha_params(d_model, salted(seed))
    if bias:
        params.update(zip(("b_q", "b_k", "b_v", "b_o"), randn(seed + 1, *[(d_model,)] * 4), strict=True))
    return params


def _right_with_one_head_only(mine, want, probes):
    ok = [outcome_matches(m, w, 1e-6, 1e-8) for m, w in zip(mine, want, strict=True)]
    one = ["one_head" in p.tags for p in probes]
    if ok == one and any(one):
        return ("With one head your function is right, so the attention itself is fine: the bug is in how the "
                "heads are cut and joined (or in a size that equals D only when h = 1).")
    return False


_D = 8
_P = _params(601)
_xq, _xkv = randn(602, (2, 3, _D), (2, 5, _D))
_xs, = randn(603, (2, 4, _D))


def _self(seed, shape):
    """Self-attention inputs: the same array as x_q and x_kv."""
    x, = randn(seed, shape)
    return x, x


_LX = labelled((1, 4, 6)) / 100                             # 0.23 is position 2, feature 3
_EYE = dict.fromkeys(("W_q", "W_k", "W_v", "W_o"), np.eye(6))

_LAYER_PROBES = [
    Probe("cross-attention: x_q (2, 3, 8), x_kv (2, 5, 8), 2 heads", (_xq, _xkv, _P, 2), purpose="cross"),
    Probe("causal self-attention: x (2, 4, 8), 4 heads, causal_mask(4)", (_xs, _xs, _P, 4),
          {"mask": causal_mask(4)}, purpose="causal"),
    Probe("cross-attention with a padding mask (2, 1, 1, 5), 2 heads", randn(604, (2, 3, _D), (2, 5, _D)) + (_P, 2),
          {"mask": padding_mask([3, 5], 5)[:, None]}, purpose="padding"),
    Probe("self-attention: x (2, 4, 8), 1 head", _self(605, (2, 4, _D)) + (_P, 1), purpose="one_head"),
]
_LABELLED_PROBE = Probe("the labelled tensor (1, 4, 6) / 100 as x_q and x_kv, identity projections, 2 heads",
                        (_LX, _LX, _EYE, 2), purpose="labelled")

def _with_transposed_weights(layer):
    """The layer computed as PyTorch's nn.Linear does, x @ W.T, with the course's (in, out) matrices."""
    def variant(x_q, x_kv, params, *heads, mask=None):
        flipped = {name: (w.T if name.startswith("W") else w) for name, w in params.items()}
        return layer(x_q, x_kv, flipped, *heads, mask=mask)
    return variant


MHA = Exercise(
    id="multi_head_attention",
    signature="multi_head_attention(x_q, x_kv, params, n_heads, mask=None)",
    reference=lib.multi_head_attention,
    probes=[
        *_LAYER_PROBES,
        Probe("cross-attention with a batch padding mask (2, 1, 5), 2 heads", randn(606, (2, 3, _D), (2, 5, _D))
              + (_P, 2), {"mask": padding_mask([3, 5], 5)}, purpose="batch_mask"),
        Probe("self-attention: x (2, 4, 8), 8 heads of one feature", _self(607, (2, 4, _D)) + (_P, 8),
              purpose="one_feature"),
        Probe("cross-attention with biases: x_q (2, 3, 8), x_kv (2, 5, 8), 2 heads",
              randn(608, (2, 3, _D), (2, 5, _D)) + (_params(609, bias=True), 2), purpose="biases"),
        _LABELLED_PROBE,
    ],
    misconceptions=[
        *_family(_layer_variant, {"how": _HOW_STAGE, "source": _SOURCE, "scale": _SCALE,
                                "axis": [(-1, None, ""), (1, "softmax_over_heads", "")], "wo": _WO}, _SECONDARY),
        Misconception("weights_averaged_over_heads", test=_weights_averaged),
        Misconception("reshape_without_transpose", test=_right_with_one_head_only),
        Misconception("projection_transposed", variant=_with_transposed_weights(lib.multi_head_attention)),
    ],
    forbidden=(lib.multi_head_attention, lib.grouped_query_attention, lib.multi_query_attention),
    returns="pair",
    output="weights",
    purposes={"batch_mask": ("mask_missing_head_axis", ""), "biases": ("biases_ignored", "")},
)


# --------------------------------------------------------------------------- find the bug: the reshape trap


def _handout(splits, merge):
    """The handed-out layer with some of its four reshapes repaired (``"right"``) and the others not."""
    def layer(x_q, x_kv, params, n_heads, mask=None):
        B, n_q, D = x_q.shape
        q, k, v = (_split(x @ params[w], n_heads, how)
                   for x, w, how in zip((x_q, x_kv, x_kv), ("W_q", "W_k", "W_v"), splits, strict=True))
        out, weights = _attention(q, k, v, mask)             # (B, h, n_q, d), (B, h, n_q, n_k)
        merged = out.reshape(B, n_q, D) if merge == "reshape" else _merge(out, merge)   # (B, n_q, D)
        return merged @ params["W_o"], weights
    return layer


def _partial_fixes():
    """One variant per set of reshapes still broken: the check says which are fixed and which are not."""
    out = []
    for size in range(len(_PLACES), 0, -1):
        for broken in itertools.combinations(_PLACES, size):
            splits = tuple("no_transpose" if p in broken else "right" for p in _PLACES[:3])
            variant = _handout(splits, "reshape" if "merge" in broken else "right")
            out.append(Misconception("reshape_without_transpose", variant=variant, detail=_still_wrong(broken)))
    return out


_NO_SWAP = ("You reshaped to (B, n, h, d) but did not move the head axis in front of the positions, so attention "
            "runs across the heads instead of the positions.")


MHA_RESHAPE_BUG = Exercise(
    id="mha_reshape_bug",
    signature="mha_reshape_bug(x_q, x_kv, params, n_heads, mask=None)",
    reference=lib.multi_head_attention,
    probes=[*_LAYER_PROBES, _LABELLED_PROBE],
    misconceptions=[
        *_partial_fixes(),
        *(Misconception("heads_axis_last", variant=_handout(("no_swap",) * 3, merge), detail=_NO_SWAP)
          for merge in ("reshape", "right")),
        *(Misconception("heads_axis_last", variant=_handout(("swap_last",) * 3, merge),
                        detail="You swapped the last two axes (h and d) instead.") for merge in ("reshape", "right")),
        Misconception("interleaved_features", variant=_handout(("interleaved",) * 3, "interleaved")),
        Misconception("reshape_without_transpose", test=_right_with_one_head_only),
    ],
    forbidden=(lib.multi_head_attention, lib.grouped_query_attention, lib.multi_query_attention),
    returns="pair",
    output="weights",
)


# --------------------------------------------------------------------------- grouped-query attention


def _gqa_params(seed, h, g, d_model=16, bias=False):
    params = lib.init_gqa_params(d_model, h, g, salted(seed))
    if bias:
        widths = {"b_q": d_model, "b_k": g * d_model // h, "b_v": g * d_model // h, "b_o": d_model}
        params.update(zip(widths, randn(seed + 1, *[(w,) for w in widths.values()]), strict=True))
    return params


_GROUPS_WRONG = ("Your function is right where every query head shares one KV head (g = 1) or has its own (g = h), "
                 "and wrong where they share in groups: check which KV head each query head gets.")

GQA = Exercise(
    id="grouped_query_attention",
    signature="grouped_query_attention(x_q, x_kv, params, n_heads, n_kv_heads, mask=None)",
    reference=lib.grouped_query_attention,
    probes=[
        Probe("cross-attention: x_q (2, 3, 16), x_kv (2, 5, 16), 4 query heads, 2 KV heads",
              randn(651, (2, 3, 16), (2, 5, 16)) + (_gqa_params(652, 4, 2), 4, 2), purpose="cross kv_groups"),
        Probe("causal self-attention: x (2, 4, 16), 4 query heads, 1 KV head, causal_mask(4)",
              _self(653, (2, 4, 16)) + (_gqa_params(654, 4, 1), 4, 1), {"mask": causal_mask(4)},
              purpose="causal one_kv_head"),
        Probe("self-attention: x (1, 5, 16), 4 query heads, 4 KV heads (plain multi-head)",
              _self(655, (1, 5, 16)) + (_params(656, 16), 4, 4), purpose="all_kv_heads"),
        Probe("cross-attention with a batch padding mask (2, 1, 5), 8 query heads, 2 KV heads",
              randn(657, (2, 3, 16), (2, 5, 16)) + (_gqa_params(658, 8, 2), 8, 2),
              {"mask": padding_mask([3, 5], 5)}, purpose="batch_mask kv_groups"),
        Probe("cross-attention with biases, 4 query heads, 2 KV heads",
              randn(659, (2, 3, 16), (2, 5, 16)) + (_gqa_params(660, 4, 2, bias=True), 4, 2),
              purpose="biases kv_groups"),
    ],
    misconceptions=[
        *_family(_layer_variant, {
            "kv": [("repeat", None, ""), ("tile", "kv_heads_tiled", ""),
                   ("split_h", "kv_heads_not_repeated",
                    "Here K and V were cut into h heads, narrower than the queries' heads whenever g < h."),
                   ("no_repeat", "kv_heads_not_repeated", "Here the g key/value heads were never repeated."),
                   ("shared_q", "queries_shared", "")],
            "how": _HOW_STAGE[:2], "source": _SOURCE, "scale": _SCALE, "wo": _WO,
        }, _SECONDARY),
        Misconception("weights_averaged_over_heads", test=_weights_averaged),
        Misconception("projection_transposed", variant=_with_transposed_weights(lib.grouped_query_attention)),
    ],
    forbidden=(lib.grouped_query_attention, lib.multi_query_attention),
    returns="pair",
    output="weights",
    purposes={"batch_mask": ("mask_missing_head_axis", ""), "biases": ("biases_ignored", ""),
              "kv_groups": ("kv_heads_tiled", _GROUPS_WRONG)},
)

EXERCISES = [SPLIT_HEADS, MERGE_HEADS, MHA, MHA_RESHAPE_BUG, GQA]
