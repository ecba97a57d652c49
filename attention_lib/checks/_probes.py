"""Inputs that many probes share: queries, keys and values of sizes that keep every slip visible.

Each function draws from its own seed through :func:`._engine.randn`, so probes built from them can be drawn
again under a salt (:meth:`._engine.Exercise.under`).
"""
from __future__ import annotations

import numpy as np

from ._engine import randn


def qkv(seed, lead, n_q, n_k, d, d_v, scale=1.0):
    """q (*lead, n_q, d), k (*lead, n_k, d), v (*lead, n_k, d_v): three different arrays (so that using one for
    another shows), q and k times ``scale``. Callers keep n_q, n_k, d and d_v apart, and d away from 4 (where
    √d = d/2 = 2)."""
    q, k, v = randn(seed, (*lead, n_q, d), (*lead, n_k, d), (*lead, n_k, d_v))
    return scale * q, scale * k, v


def near_1000(seed, n, d, d_v):
    """Self-attention shapes (2, n, ·) whose scores lie near +1000 in sequence 0 and near −1000 in sequence 1, a
    few apart within a row: exp overflows unless each row's own maximum is subtracted, a maximum over the whole
    array empties sequence 1, and nothing underflows once it is done right."""
    q, k, v = qkv(seed, (2,), n, n, d, d_v, 0.1)
    lift = np.sqrt(1000 / np.sqrt(d))                    # q·k / √d ≈ lift² · d / √d = 1000 for vectors near lift·1
    k[0] += lift
    k[1] -= lift
    return q + lift, k, v
