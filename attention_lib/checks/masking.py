"""Checks for lesson 04: causal and padding masks (True = may attend)."""
from __future__ import annotations

import numpy as np

from .. import masking as lib
from ._engine import Exercise, Misconception, Probe

_n = lambda n: np.arange(n)

CAUSAL = Exercise(
    id="causal_mask",
    signature="causal_mask(n)",
    reference=lambda n: lib.causal_mask(n),
    probes=[Probe(f"n = {n}", (n,)) for n in (1, 3, 5)],
    misconceptions=[
        Misconception("causal_allows_future",
                      "Your mask lets a query see keys after its own position. Query i may attend to keys j ≤ i only: the lower triangle, `np.tril`.",
                      variant=lambda n: np.triu(np.ones((n, n), dtype=bool))),
        Misconception("causal_allows_future",
                      "Your mask lets every query see every key. Query i may attend to keys j ≤ i only.",
                      variant=lambda n: np.ones((n, n), dtype=bool)),
        Misconception("causal_excludes_diagonal",
                      "Your mask hides each token from itself. A query may attend to its own position too: j ≤ i, not j < i "
                      "(the first token would otherwise have nothing to attend to).",
                      variant=lambda n: np.tril(np.ones((n, n), dtype=bool), k=-1)),
        Misconception("mask_polarity_inverted",
                      "Your True and False are swapped. In this course True means *may attend*, as in PyTorch's "
                      "`scaled_dot_product_attention`; the future is False.",
                      variant=lambda n: np.triu(np.ones((n, n), dtype=bool), k=1)),
        Misconception("float_mask",
                      "The pattern is right but the dtype is float. Masks here are boolean (True = may attend): "
                      "`np.tril(np.ones((n, n), dtype=bool))`. A 0/1 float mask is easy to add to scores by mistake.",
                      variant=lambda n: np.tril(np.ones((n, n)))),
    ],
    forbidden=(lib.causal_mask,),
)


def _pad(lengths, n, *, offset=0, polarity=True):
    keep = _n(n)[None, :] < np.asarray(lengths)[:, None] + offset   # (B, n)
    return keep if polarity else ~keep


_OFF_BY_ONE = "Off by one: a sequence of length L has real keys 0 … L−1, so position j is real when j < L."

PADDING = Exercise(
    id="padding_mask",
    signature="padding_mask(lengths, n)",
    reference=lambda lengths, n: lib.padding_mask(lengths, n),
    probes=[
        Probe("lengths [2, 4, 1] with n = 4", (np.array([2, 4, 1]), 4)),
        Probe("lengths [3, 5] with n = 6", (np.array([3, 5]), 6)),
        Probe("lengths [0, 2] with n = 2", (np.array([0, 2]), 2)),
    ],
    misconceptions=[
        Misconception("padding_on_queries",
                      "Your mask has shape (B, n, 1): it hides padded *queries*. Padding must hide *keys*, so the size-1 "
                      "axis is the query axis: shape (B, 1, n).",
                      variant=lambda lengths, n: _pad(lengths, n)[:, :, None]),
        Misconception("padding_missing_query_axis",
                      "Your mask has shape (B, n). Against scores (B, n_q, n) it would line B up with the queries (the "
                      "mask-leak bug). Add the query axis: shape (B, 1, n).",
                      variant=lambda lengths, n: _pad(lengths, n)),
        Misconception("padding_off_by_one",
                      _OFF_BY_ONE,
                      variant=lambda lengths, n: _pad(lengths, n, offset=1)[:, None, :]),
        Misconception("padding_off_by_one",
                      _OFF_BY_ONE,
                      variant=lambda lengths, n: _pad(lengths, n, offset=-1)[:, None, :]),
        Misconception("mask_polarity_inverted",
                      "Your True and False are swapped: True means *may attend*, so real tokens are True and padding False.",
                      variant=lambda lengths, n: _pad(lengths, n, polarity=False)[:, None, :]),
        Misconception("float_mask",
                      "The pattern is right but the dtype is not boolean. Masks here are bool, True = may attend.",
                      variant=lambda lengths, n: _pad(lengths, n)[:, None, :].astype(float)),
    ],
    forbidden=(lib.padding_mask,),
)

EXERCISES = [CAUSAL, PADDING]
