"""Checks for lesson 04: masks (True = may attend) and masked attention.

A query with no key it may see (a fully masked row) gets zero weights and a zero output, as
:func:`attention_lib.softmax` gives it: the lesson's "A fully masked row: NaN or zeros?" explains the
choice. The NaN of a plain softmax and the uniform weights of a finite fill are both named.
"""
from __future__ import annotations

import numpy as np

from .. import masking as lib
from ..attention import attention as _attention
from ..softmax import softmax as _softmax
from ._compare import arrays_match, as_array, as_pair
from ._engine import Exercise, Misconception, Probe
from ._probes import near_1000, qkv
from .attention import _returns_only_output, mask_after

# --------------------------------------------------------------------------- causal_mask


def causal_mask(n):
    return np.tril(np.ones((n, n), dtype=bool))   # (n, n) role[causal]: query i may see key j exactly when j ≤ i


CAUSAL = Exercise(
    id="causal_mask",
    signature="causal_mask(n)",
    reference=lib.causal_mask,
    teaching=causal_mask,
    probes=[
        Probe("n = 1", (1,), purpose="one_token"),
        Probe("n = 3", (3,), purpose="basic"),
        Probe("n = 5", (5,), purpose="larger"),
        Probe("n = 12", (12,), purpose="larger"),
    ],
    forbidden=(lib.causal_mask,),
    output="mask",
)

# --------------------------------------------------------------------------- padding_mask


def padding_mask(lengths, n):
    # role[real]: key j of sequence b is real when j < lengths[b]
    real = np.arange(n)[None, :] < np.asarray(lengths)[:, None]   # (B, n_k)
    # role[query_axis]: padding hides keys whichever query asks: a size-1 query axis
    return real[:, None, :]             # (B, 1, n_k)


PADDING = Exercise(
    id="padding_mask",
    signature="padding_mask(lengths, n)",
    reference=lib.padding_mask,
    teaching=padding_mask,
    equivalent={"keepdims: np.arange(n)[None, :] < np.asarray(lengths)[:, None] → np.arange(n) < "
                "np.asarray(lengths)[:, None]": "A row of positions broadcasts against the column of lengths with or "
                                                "without its new axis."},
    probes=[
        Probe("lengths [2, 4, 1] with n = 4", (np.array([2, 4, 1]), 4), purpose="basic"),
        Probe("lengths [3, 5] with n = 6", (np.array([3, 5]), 6), purpose="basic"),
        Probe("lengths [0, 2] with n = 2", (np.array([0, 2]), 2), purpose="empty_sequence batch_is_n"),
        Probe("lengths [1, 3, 2] with n = 3", (np.array([1, 3, 2]), 3), purpose="batch_is_n"),
    ],
    misconceptions=[
        Misconception("padding_on_queries", patch=(("real[:, None, :]", "real[:, :, None]"),)),
        Misconception("padding_missing_query_axis", patch=(("real[:, None, :]", "real[None]"),),
                      detail="Yours has its size-1 axis in front, (1, B, n), so B still lines up with the queries."),
    ],
    forbidden=(lib.padding_mask,),
    output="mask",
)

# --------------------------------------------------------------------------- decoder_mask


def _decoder_reference(lengths, n, side="right"):
    return lib.combine_masks(lib.causal_mask(n), lib.padding_mask(lengths, n, side=side))   # (B, n, n)


def decoder_mask(lengths, n, side="right"):
    causal = np.tril(np.ones((n, n), dtype=bool))   # (n_q, n_k) role[causal]: query i may see key j exactly when j ≤ i
    j = np.arange(n)[None, :]                       # (1, n_k)
    length = np.asarray(lengths)[:, None]           # (B, 1)
    if side == "left":                              # role[side]: left padding puts the real keys at the end
        # role[left]: with left padding key j is real when j ≥ n − length
        real = j >= n - length                      # (B, n_k)
    else:
        real = j < length                           # (B, n_k) role[real]: key j is real when j < length
    return causal & real[:, None, :]                # (B, n_q, n_k) role[combine]: a key must pass both masks


DECODER = Exercise(
    id="decoder_mask",
    signature='decoder_mask(lengths, n, side="right")',
    reference=_decoder_reference,
    teaching=decoder_mask,
    equivalent={"keepdims: np.arange(n)[None, :] → np.arange(n)": "A row of positions broadcasts against the column "
                                                                   "of lengths with or without its new axis."},
    probes=[
        Probe("lengths [3, 1] with n = 3", (np.array([3, 1]), 3), purpose="basic"),
        Probe('lengths [4, 2, 3] with n = 4, side="right"', (np.array([4, 2, 3]), 4), {"side": "right"},
              purpose="basic"),
        Probe('lengths [2, 4] with n = 4, side="left"', (np.array([2, 4]), 4), {"side": "left"},
              purpose="left_padding fully_masked"),
        Probe("lengths [0] with n = 2 (an empty sequence)", (np.array([0]), 2), purpose="empty_sequence"),
        Probe('lengths [0, 3] with n = 3, side="left" (an empty sequence)', (np.array([0, 3]), 3), {"side": "left"},
              purpose="empty_sequence"),
    ],
    misconceptions=[
        Misconception("padding_on_queries", patch=(("real[:, None, :]", "real[:, :, None]"),)),
        Misconception("padding_ignored", patch=(("causal & real[:, None, :]", "causal & (real | True)[:, None, :]"),)),
        Misconception("left_padding_mirrored", patch=(("real = j >= n - length ",
                                                       "real, causal = j >= n - length, causal[:, ::-1]"),)),
        Misconception("causal_allows_future", patch=(("real = j >= n - length ",
                                                      "real, causal = j >= n - length, causal[::-1, ::-1]"),),
                      detail="With `side=\"left\"` yours flips the whole right-padded mask: the padding lands on the "
                             "left, but the causal triangle turns into the upper one (j ≥ i). Flip nothing: keep the "
                             "lower triangle and mark key j real when j ≥ n − length."),
        Misconception("left_padding_from_the_start", patch=(("real = j >= n - length ", "real = j >= length "),)),
        Misconception("slice_minus_zero", patch=(("real = j >= n - length ",
                                                  "real = (j >= n - length) | (length == 0) "),)),
    ],
    forbidden=(lib.causal_mask, lib.padding_mask, lib.combine_masks),
    output="mask",
    purposes={"left_padding": ("padding_side_ignored", "")},
)

# --------------------------------------------------------------------------- masked attention: shared pieces


def _rows(got, ref):
    """(out, weights, out_ref, weights_ref) as arrays of the reference's shapes, or None."""
    if got.raised or ref.raised:
        return None
    pair = as_pair(got.value)
    if pair is None or len(pair) != 2:
        return None
    out, weights = as_array(pair[0]), as_array(pair[1])
    out_ref, weights_ref = ref.value
    if out is None or weights is None or out.shape != out_ref.shape or weights.shape != weights_ref.shape:
        return None
    return out.astype(float), weights.astype(float), out_ref, weights_ref


def _empty_rows_nan(mine, want, probes):
    """Right on every row that has a key to see; NaN on every row that has none."""
    seen = False
    for got, ref in zip(mine, want, strict=True):
        rows = _rows(got, ref)
        if rows is None:
            return False
        out, weights, out_ref, weights_ref = rows
        empty = ~np.any(weights_ref > 0, axis=-1)    # (..., n_q): no visible key
        if not (arrays_match(weights[~empty], weights_ref[~empty]) and arrays_match(out[~empty], out_ref[~empty])):
            return False
        seen = seen or bool(empty.any())
        if empty.any() and not np.all(np.isnan(weights[empty])):
            return False
    return seen


_SQUEEZED = ("Your function drops the mask's axes of size 1 (with `squeeze` or a reshape): keep the mask's "
             "axes as they are; numpy repeats a size-1 axis by itself.")


def _probe(label, args, mask, purpose, roles=None):
    return Probe(label, args, {} if mask is None else {"mask": mask}, purpose=purpose, roles=roles or {})


def _plain_probe(seed, purpose):
    return _probe("q (3, 6), k (5, 6), v (5, 2), no mask", qkv(seed, (), 3, 5, 6, 2), None, purpose)


def _causal_probe(seed, purpose):
    return _probe("causal self-attention: q, k (2, 4, 6), v (2, 4, 3), causal_mask(4)", qkv(seed, (2,), 4, 4, 6, 3),
                  lib.causal_mask(4), purpose)


def _padding_probe(seed, purpose):
    return _probe("q (2, 3, 6), k (2, 5, 6), v (2, 5, 2), padding mask (2, 1, 5) with lengths [2, 5]",
                  qkv(seed, (2,), 3, 5, 6, 2), lib.padding_mask([2, 5], 5), purpose)


def _blocked_max_probe(seed, length=10.0):
    """The padded keys of sequence 0 point along its first query, ``length`` times as long: that query's largest
    scores by far belong to keys it may not see (at 1000, so far above the rest that exp of them underflows)."""
    q, k, v = qkv(seed, (2,), 3, 5, 6, 2)
    k[0, 2:] = length * q[0, 0]
    return _probe("q (2, 3, 6), k (2, 5, 6), v (2, 5, 2), lengths [2, 5], padded keys with by far the largest "
                  "scores", (q, k, v), lib.padding_mask([2, 5], 5), "blocked_max large")


def _near_1000_probe(seed):
    return _probe("scores near +1000 (sequence 0) and −1000 (sequence 1): q, k (2, 4, 5), v (2, 4, 2), "
                  "causal_mask(4)", near_1000(seed, 4, 5, 2), lib.causal_mask(4), "large far_rows causal")


def _empty_sequence_probe(seed):
    return _probe("self-attention shapes q, k (2, 3, 6), v (2, 3, 2), lengths [3, 0] (sequence 1 is empty)",
                  qkv(seed, (2,), 3, 3, 6, 2), lib.padding_mask([3, 0], 3), "fully_masked empty_sequence",
                  {"fully masked": (3, 4, 5)})


MASKED_EQUIVALENT = {"size: np.sqrt(q.shape[-1]) → np.sqrt(k.shape[-1])": "Queries and keys share d."}


# --------------------------------------------------------------------------- fix_masked_attention (find the bug)
# The learner repairs `broken_masked_attention` of the exercise notebook (Q5), a plain softmax followed by
# `np.where(mask, 0.0, weights)`. The teaching reference is the repaired function; each bug is a patch to it.


def fix_masked_attention(q, k, v, mask=None):
    # role[scale]: scaled dot products, divided by √d
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])   # (..., n_q, n_k)
    if mask is not None:
        # role[mask]: a blocked key's score is −∞ before the softmax, so its weight is exactly 0 even where a query
        # sees no key
        scores = np.where(mask, scores, -np.inf)    # (..., n_q, n_k)
    top = scores.max(axis=-1, keepdims=True)        # (..., n_q, 1) role[shift]: each row's own maximum keeps exp finite
    # role[empty]: a query that sees no key is shifted by 0
    top = np.where(np.isfinite(top), top, 0.0)      # (..., n_q, 1)
    # role[shift]: each row's own maximum keeps exp finite
    e = np.exp(scores - top)                        # (..., n_q, n_k)
    # role[normalise]: each query's weights sum to 1 over the keys
    total = e.sum(axis=-1, keepdims=True)           # (..., n_q, 1)
    # role[empty]: a query that sees no key gets zero weights
    weights = e / np.where(total > 0, total, 1.0)   # (..., n_q, n_k)
    # role[output]: each query averages the values
    return weights @ v, weights                     # (..., n_q, d_v), (..., n_q, n_k)


FIX_BUGS = {   # the handout's bugs, each a patch to the repaired function; C cannot show while A is there
    "A": {"patch": [("        scores = np.where(mask, scores, -np.inf)", "        pass"),
                    ("    return weights @ v, weights", "    if mask is not None:\n"
                     "        weights = np.where(mask, weights, 0.0)   # role[mask]: the mask acts on the scores\n"
                     "    return weights @ v, weights")],
          "code": "mask_after_softmax", "left": "the mask still acts on the weights, after the softmax",
          "fixed": "moved the mask before the softmax"},
    "B": {"patch": [("np.where(mask,", "np.where(~mask,")], "code": "mask_polarity_inverted",
          "left": "True is still read as “blocked”", "fixed": "fixed the mask's polarity (True = may attend)"},
    "C": {"patch": [("top = np.where(np.isfinite(top), top, 0.0)", "top = top"),
                    ("e / np.where(total > 0, total, 1.0)", "e / total")],
          "code": "fully_masked_row_nan", "left": "a query with no visible key gets NaN",
          "fixed": "given a query with no visible key zeros", "hidden_by": "A",
          "hidden": "One more bug can only show once the mask acts on the scores."},
}

FIX = Exercise(
    id="fix_masked_attention",
    signature="fix_masked_attention(q, k, v, mask=None)",
    arguments={"q": 0, "k": 1, "v": 2},
    reference=_attention,
    teaching=fix_masked_attention,
    bugs=FIX_BUGS,
    equivalent=MASKED_EQUIVALENT,
    probes=lambda: [_plain_probe(401, "no_mask 2-D"), _causal_probe(402, "causal batched"),
                    _padding_probe(403, "padding batched"), _empty_sequence_probe(404),
                    _near_1000_probe(405), _blocked_max_probe(406, 1000.0)],
    misconceptions=[
        Misconception("missing_weights", test=_returns_only_output),
        Misconception("output_before_mask", patch=(
            ("    if mask is not None:\n        # role[mask]",
             "    raw = np.exp(scores - scores.max(axis=-1, keepdims=True))\n"
             "    out = raw / raw.sum(axis=-1, keepdims=True) @ v\n"
             "    if mask is not None:\n        # role[mask]"),
            ("    return weights @ v, weights", "    return out, weights"))),
        Misconception("fully_masked_row_nan", patch=(
            ("        scores = np.where(mask, scores, -np.inf)", "        pass"),
            ("    return weights @ v, weights", "    if mask is not None:\n"
             "        weights = np.where(mask, weights, 0.0)\n"
             "        weights = weights / weights.sum(axis=-1, keepdims=True)\n"
             "    return weights @ v, weights")),
                      detail="Yours zeroes the blocked weights after the softmax and divides by what is left: a query "
                             "with no visible key gets 0/0, and so does one whose blocked key outscores the visible "
                             "ones by far (they underflow to 0 first). Put −∞ into the scores before the softmax."),
    ],
    forbidden=(_attention,),
    returns="pair",
    output="weights",
    purposes={"blocked_max": ("max_not_per_row", "")},
)

# --------------------------------------------------------------------------- masked_attention (hard)


def masked_attention(q, k, v, mask=None):
    # role[scale]: scaled dot products, divided by √d
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])   # (..., n_q, n_k)
    if mask is not None:
        # role[mask]: a blocked key's score is −∞ before the softmax, so its weight is exactly 0 even where a query
        # sees no key
        scores = np.where(mask, scores, -np.inf)    # (..., n_q, n_k)
    top = scores.max(axis=-1, keepdims=True)        # (..., n_q, 1) role[shift]: each row's own maximum keeps exp finite
    # role[empty]: a query that sees no key is shifted by 0
    top = np.where(np.isfinite(top), top, 0.0)      # (..., n_q, 1)
    # role[shift]: each row's own maximum keeps exp finite
    e = np.exp(scores - top)                        # (..., n_q, n_k)
    # role[normalise]: each query's weights sum to 1 over the keys
    total = e.sum(axis=-1, keepdims=True)           # (..., n_q, 1)
    # role[empty]: a query that sees no key gets zero weights
    weights = e / np.where(total > 0, total, 1.0)   # (..., n_q, n_k)
    # role[output]: each query averages the values
    return weights @ v, weights                     # (..., n_q, d_v), (..., n_q, n_k)


def _masked_probes():
    return [
        _plain_probe(411, "2-D"),
        _probe("a batch: q (2, 3, 6), k (2, 7, 6), v (2, 7, 4), no mask", qkv(419, (2,), 3, 7, 6, 4), None, "batched"),
        _causal_probe(412, "causal"),
        _padding_probe(413, "padding"),
        _probe("heads: q (2, 2, 3, 5), k (2, 2, 6, 5), v (2, 2, 6, 2), padding mask (2, 1, 1, 6) with lengths [6, 2]",
               qkv(414, (2, 2), 3, 6, 5, 2), lib.padding_mask([6, 2], 6)[:, None], "heads padding"),
        _probe("a decoder mask on q, k (2, 4, 5), v (2, 4, 2), lengths [2, 4] padded on the left",
               qkv(415, (2,), 4, 4, 5, 2), _decoder_reference([2, 4], 4, side="left"), "fully_masked left_padding",
               {"fully masked": (0, 1)}),
        _empty_sequence_probe(416),
        _probe("large scores: q, k (1, 4, 5) times 300, v (1, 4, 2), causal_mask(4)",
               qkv(417, (1,), 4, 4, 5, 2, 300.0), lib.causal_mask(4), "large causal"),
        _probe("self-attention shapes q, k (3, 3, 5), v (3, 3, 2), lengths [1, 3, 2]: B = n",
               qkv(418, (3,), 3, 3, 5, 2), lib.padding_mask([1, 3, 2], 3), "batch_is_n padding"),
        _blocked_max_probe(410),
    ]


MASKED = Exercise(
    id="masked_attention",
    signature="masked_attention(q, k, v, mask=None)",
    arguments={"q": 0, "k": 1, "v": 2},
    reference=_attention,
    teaching=masked_attention,
    equivalent=MASKED_EQUIVALENT,
    probes=_masked_probes,
    misconceptions=[
        Misconception("missing_weights", test=_returns_only_output),
        Misconception("mask_after_softmax", patch=mask_after("scores", "weights")),
        Misconception("no_max_subtraction", patch=(("e = np.exp(scores - top)", "e = np.exp(scores)"),
                                                   ("e / np.where(total > 0, total, 1.0)", "e / total"))),
        Misconception("padding_missing_query_axis", detail=_SQUEEZED,
                      patch=(("scores = np.where(mask, scores, -np.inf)", "scores = np.where(np.squeeze(mask), scores, "
                                                                         "-np.inf)"),)),
        Misconception("fully_masked_row_nan", test=_empty_rows_nan),
        Misconception("fill_above_real_scores", patch=(
            ("scores = np.where(mask, scores, -np.inf)", "scores = np.where(mask, scores, -1e4)"),
            ("weights = e / np.where(total > 0, total, 1.0)",
             "weights = e / total if mask is None else "
             "np.where(np.any(mask, axis=-1, keepdims=True), e / total, 0.0)"))),
        Misconception("fully_masked_row_nan", patch=(
            ("top = np.where(np.isfinite(top), top, 0.0)", "top = top"),
            ("e / np.where(total > 0, total, 1.0)", "e / total"),
            ("return weights @ v, weights", "return weights @ v, np.where(np.isnan(weights), 0.0, weights)")),
                      detail="Your weights are right, zeros included, but the output was computed from them before "
                             "their NaN became 0: compute `weights @ v` after the zeroing, or guard the max and the "
                             "sum so that no NaN appears."),
    ],
    forbidden=(_attention, _softmax),
    returns="pair",
    output="weights",
    purposes={"large": ("no_max_subtraction", "")},
)

EXERCISES = [CAUSAL, PADDING, DECODER, FIX, MASKED]
