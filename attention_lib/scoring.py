"""Similarity scores: how well each query matches each key (lesson 01).

Every function maps ``q (..., n_q, d)`` and ``k (..., n_k, d)`` to scores
``(..., n_q, n_k)``; higher means "more similar".
"""
from __future__ import annotations

import math

import numpy as np

from ._validate import (
    as_float_array,
    positive_scalar,
    require_batch_compatible,
    require_ndim,
    require_same,
)


def _query_key_pair(q, k):
    """Validate a query/key pair and return them as float arrays."""
    q = as_float_array(q, "q")
    k = as_float_array(k, "k")
    require_ndim(q, "q", 2, "(..., n_q, d)")
    require_ndim(k, "k", 2, "(..., n_k, d)")
    require_same(q, k, -1, ("q", "k"), "the feature dimension d")
    require_batch_compatible(q, k, ("q", "k"))
    return q, k


def _keys_t(k):
    return np.swapaxes(k, -1, -2)                        # (..., d, n_k)


def dot_scores(q, k):
    """Dot-product scores ``q · k``.

    Parameters
    ----------
    q : array_like, (..., n_q, d)
    k : array_like, (..., n_k, d)

    Returns
    -------
    scores : ndarray, (..., n_q, n_k)
        Grow with the lengths of ``q`` and ``k`` as well as their alignment.
    """
    q, k = _query_key_pair(q, k)
    return q @ _keys_t(k)                                # (..., n_q, n_k)


def scaled_dot_scores(q, k):
    """Scaled dot-product scores ``q · k / sqrt(d)`` (Vaswani et al., 2017).

    Parameters
    ----------
    q : array_like, (..., n_q, d)
    k : array_like, (..., n_k, d)

    Returns
    -------
    scores : ndarray, (..., n_q, n_k)
        For random unit-variance vectors these have variance about 1 whatever ``d`` is.
    """
    q, k = _query_key_pair(q, k)
    q_scaled = q / math.sqrt(q.shape[-1])                # (..., n_q, d): n_q·d divisions, not n_q·n_k
    return q_scaled @ _keys_t(k)                         # (..., n_q, n_k)


def cosine_scores(q, k, temperature=1.0, eps=1e-9):
    """Cosine similarity divided by a temperature: direction only, length ignored.

    Parameters
    ----------
    q : array_like, (..., n_q, d)
    k : array_like, (..., n_k, d)
    temperature : float > 0
        Scores lie in ``[-1/temperature, 1/temperature]``.
    eps : float > 0
        Added to each norm, so a zero vector scores 0 instead of NaN.

    Returns
    -------
    scores : ndarray, (..., n_q, n_k)
    """
    q, k = _query_key_pair(q, k)
    temperature = positive_scalar(temperature, "temperature")
    eps = positive_scalar(eps, "eps")
    q_unit = q / (np.linalg.norm(q, axis=-1, keepdims=True) + eps)   # (..., n_q, d)
    k_unit = k / (np.linalg.norm(k, axis=-1, keepdims=True) + eps)   # (..., n_k, d)
    return q_unit @ _keys_t(k_unit) / temperature                    # (..., n_q, n_k)


def squared_distances(q, k):
    """Squared Euclidean distances ``‖q - k‖² = ‖q‖² + ‖k‖² - 2 q·k``.

    Parameters
    ----------
    q : array_like, (..., n_q, d)
    k : array_like, (..., n_k, d)

    Returns
    -------
    d2 : ndarray, (..., n_q, n_k)
        Never negative (rounding below zero is clipped).
    """
    q, k = _query_key_pair(q, k)
    q2 = np.sum(q * q, axis=-1)[..., :, None]            # (..., n_q, 1)
    k2 = np.sum(k * k, axis=-1)[..., None, :]            # (..., 1, n_k)
    return np.maximum(q2 + k2 - 2 * (q @ _keys_t(k)), 0)  # (..., n_q, n_k)


def rbf_scores(q, k, temperature=1.0):
    """Gaussian (RBF) scores ``-‖q - k‖² / (2 τ²)``: near is similar.

    Softmax of these scores is a normalised Gaussian kernel with bandwidth ``τ``,
    which is why kernel regression is attention (lesson 03).

    Parameters
    ----------
    q : array_like, (..., n_q, d)
    k : array_like, (..., n_k, d)
    temperature : float > 0
        The kernel bandwidth ``τ``.

    Returns
    -------
    scores : ndarray, (..., n_q, n_k)
        At most 0, reached when ``q == k``.
    """
    temperature = positive_scalar(temperature, "temperature")
    return -squared_distances(q, k) / (2 * temperature**2)           # (..., n_q, n_k)


def additive_scores(q, k, W_a, U_a, v_a):
    """Additive scores ``v_aᵀ tanh(q W_a + k U_a)`` (Bahdanau, Cho and Bengio 2015, Appendix A.1.2).

    The parameter names are the paper's; it writes ``v_aᵀ tanh(W_a s + U_a h)`` for column vectors.

    Parameters
    ----------
    q : array_like, (..., n_q, d_q)
    k : array_like, (..., n_k, d_k)
        Queries and keys may have different sizes here.
    W_a : array_like, (d_q, d_a)
    U_a : array_like, (d_k, d_a)
    v_a : array_like, (d_a,)
        ``d_a`` is the hidden size of the small network that scores each (query, key) pair.

    Returns
    -------
    scores : ndarray, (..., n_q, n_k)
    """
    q = as_float_array(q, "q")
    k = as_float_array(k, "k")
    W_a, U_a, v_a = (as_float_array(a, n) for a, n in ((W_a, "W_a"), (U_a, "U_a"), (v_a, "v_a")))
    require_ndim(q, "q", 2, "(..., n_q, d_q)")
    require_ndim(k, "k", 2, "(..., n_k, d_k)")
    if W_a.ndim != 2 or U_a.ndim != 2 or v_a.ndim != 1:
        raise ValueError(
            f"W_a, U_a and v_a must have shapes (d_q, d_a), (d_k, d_a) and (d_a,), "
            f"got {W_a.shape}, {U_a.shape} and {v_a.shape}"
        )
    if W_a.shape[0] != q.shape[-1] or U_a.shape[0] != k.shape[-1]:
        raise ValueError(
            f"W_a {W_a.shape} must have d_q = {q.shape[-1]} rows (from q {q.shape}) and "
            f"U_a {U_a.shape} must have d_k = {k.shape[-1]} rows (from k {k.shape})"
        )
    if not W_a.shape[1] == U_a.shape[1] == v_a.shape[0]:
        raise ValueError(
            f"the hidden size d_a must agree: W_a {W_a.shape}, U_a {U_a.shape}, v_a {v_a.shape}"
        )
    require_batch_compatible(q, k, ("q", "k"))
    hq = (q @ W_a)[..., :, None, :]                      # (..., n_q, 1, d_a)
    hk = (k @ U_a)[..., None, :, :]                      # (..., 1, n_k, d_a)
    return np.tanh(hq + hk) @ v_a                        # (..., n_q, n_k)


SIMILARITIES = {
    "dot": dot_scores,
    "scaled_dot": scaled_dot_scores,
    "cosine": cosine_scores,
    "rbf": rbf_scores,
    "additive": additive_scores,
}
"""Every similarity by name. ``additive`` needs its parameters: bind them with
``functools.partial(additive_scores, W_a=..., U_a=..., v_a=...)`` before passing it
to :func:`attention_lib.attention`."""
