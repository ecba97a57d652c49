"""Checks for lesson 04: causal and padding masks (True = may attend)."""
from __future__ import annotations

import numpy as np

from .. import masking as lib
from ._engine import Exercise, Misconception, Probe

CAUSAL = Exercise(
    id="causal_mask",
    signature="causal_mask(n)",
    reference=lib.causal_mask,
    probes=[Probe(f"n = {n}", (n,)) for n in (1, 3, 5)],
    misconceptions=[
        Misconception("causal_allows_future", variant=lambda n: np.triu(np.ones((n, n), dtype=bool))),
        Misconception("causal_allows_future", variant=lambda n: np.ones((n, n), dtype=bool),
                      detail="Here every query sees every key."),
        Misconception("causal_excludes_diagonal", variant=lambda n: np.tril(np.ones((n, n), dtype=bool), k=-1)),
        Misconception("mask_polarity_inverted", variant=lambda n: np.triu(np.ones((n, n), dtype=bool), k=1),
                      detail="The future is False."),
        Misconception("float_mask", variant=lambda n: np.tril(np.ones((n, n))),
                      detail="Use `np.tril(np.ones((n, n), dtype=bool))`."),
    ],
    forbidden=(lib.causal_mask,),
    output="mask",
)


def _pad(lengths, n, *, offset=0, polarity=True):
    keep = np.arange(n)[None, :] < np.asarray(lengths)[:, None] + offset   # (B, n)
    return keep if polarity else ~keep


PADDING = Exercise(
    id="padding_mask",
    signature="padding_mask(lengths, n)",
    reference=lib.padding_mask,
    probes=[
        Probe("lengths [2, 4, 1] with n = 4", (np.array([2, 4, 1]), 4)),
        Probe("lengths [3, 5] with n = 6", (np.array([3, 5]), 6)),
        Probe("lengths [0, 2] with n = 2", (np.array([0, 2]), 2)),
    ],
    misconceptions=[
        Misconception("padding_on_queries", variant=lambda lengths, n: _pad(lengths, n)[:, :, None]),
        Misconception("padding_missing_query_axis", variant=lambda lengths, n: _pad(lengths, n)),
        Misconception("padding_off_by_one", variant=lambda lengths, n: _pad(lengths, n, offset=1)[:, None, :]),
        Misconception("padding_off_by_one", variant=lambda lengths, n: _pad(lengths, n, offset=-1)[:, None, :]),
        Misconception("mask_polarity_inverted", variant=lambda lengths, n: _pad(lengths, n, polarity=False)[:, None, :],
                      detail="Real tokens are True and padding False."),
        Misconception("float_mask", variant=lambda lengths, n: _pad(lengths, n)[:, None, :].astype(float)),
    ],
    forbidden=(lib.padding_mask,),
    output="mask",
)

EXERCISES = [CAUSAL, PADDING]
