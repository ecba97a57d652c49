"""Attention: a soft lookup that averages values by query–key similarity (lessons 03–05).

Lesson 05 adds where queries, keys and values come from: learned projections of token
vectors, from one sequence (self-attention) or two (cross-attention).
"""
from __future__ import annotations

import math

from ._validate import as_float_array, require_batch_compatible, require_ndim, require_same
from .masking import apply_mask
from .scoring import SIMILARITIES, dot_scores
from .softmax import softmax


def _similarity_function(similarity):
    if callable(similarity):
        return similarity
    if similarity == "additive":
        raise ValueError(
            "additive scores need their parameters: pass "
            "similarity=functools.partial(additive_scores, W_a=..., U_a=..., v_a=...)"
        )
    if similarity not in SIMILARITIES:
        raise ValueError(f"unknown similarity {similarity!r}; choose one of {sorted(SIMILARITIES)} or pass a function")
    return SIMILARITIES[similarity]


def attention(q, k, v, mask=None, *, similarity="scaled_dot", temperature=1.0):
    """Soft lookup: each query takes a weighted average of the values.

    Parameters
    ----------
    q : array_like, (..., n_q, d)
    k : array_like, (..., n_k, d)
    v : array_like, (..., n_k, d_v)
    mask : bool array, optional
        ``(n_q, n_k)`` or with the scores' full number of axes; True = may attend.
    similarity : str or callable
        A name from :data:`SIMILARITIES` or a function ``(q, k) -> (..., n_q, n_k)``.
    temperature : float > 0
        Softmax temperature applied to the scores.

    Returns
    -------
    out : ndarray, (..., n_q, d_v)
    weights : ndarray, (..., n_q, n_k)
        Each row sums to 1 over its allowed keys (a fully masked row is all 0).
    """
    score_fn = _similarity_function(similarity)
    q, k, v = as_float_array(q, "q"), as_float_array(k, "k"), as_float_array(v, "v")
    require_ndim(v, "v", 2, "(..., n_k, d_v)")
    require_ndim(k, "k", 2, "(..., n_k, d)")
    require_same(k, v, -2, ("k", "v"), "the number of keys n_k")
    require_batch_compatible(k, v, ("k", "v"))
    scores = score_fn(q, k)                              # (..., n_q, n_k)
    if mask is not None:
        scores = apply_mask(scores, mask)                # blocked -> -inf, a new array
    ours = (mask is not None or not callable(similarity)) and scores.dtype.kind == "f"   # a new float array
    weights = softmax(scores, axis=-1, temperature=temperature,
                      out=scores if ours else None)      # (..., n_q, n_k), in place when ours
    return weights @ v, weights                          # (..., n_q, d_v), (..., n_q, n_k)


def _projection(name, W, x, x_name, what):
    """Validate a projection matrix ``W`` of shape (D, ·) for tokens ``x`` (..., n, D)."""
    W = as_float_array(W, name)
    if W.ndim != 2:
        raise ValueError(f"{name} must be a matrix (D, {what}), got shape {W.shape}")
    if W.shape[0] != x.shape[-1]:
        raise ValueError(
            f"{x_name} has shape {x.shape} and {name} has shape {W.shape}: {name} needs one row per feature "
            f"of {x_name}, shape ({x.shape[-1]}, {what})"
        )
    return W


def project_qkv(x_q, x_kv, W_q, W_k, W_v):
    """Learned projections: queries from ``x_q``, keys and values from ``x_kv``.

    Pass the same array twice for self-attention.

    Parameters
    ----------
    x_q : array_like, (..., n_q, D_q)
        The tokens that ask (the decoder, in cross-attention).
    x_kv : array_like, (..., n_k, D_kv)
        The tokens that are looked up (the encoder, in cross-attention).
    W_q : array_like, (D_q, d)
    W_k : array_like, (D_kv, d)
        Same number of columns as ``W_q``: queries and keys are compared by a dot product.
    W_v : array_like, (D_kv, d_v)

    Returns
    -------
    q : ndarray, (..., n_q, d)
    k : ndarray, (..., n_k, d)
    v : ndarray, (..., n_k, d_v)
    """
    x_q, x_kv = as_float_array(x_q, "x_q"), as_float_array(x_kv, "x_kv")
    require_ndim(x_q, "x_q", 2, "(..., n_q, D)")
    require_ndim(x_kv, "x_kv", 2, "(..., n_k, D)")
    require_batch_compatible(x_q, x_kv, ("x_q", "x_kv"))
    W_q = _projection("W_q", W_q, x_q, "x_q", "d")
    W_k = _projection("W_k", W_k, x_kv, "x_kv", "d")
    W_v = _projection("W_v", W_v, x_kv, "x_kv", "d_v")
    if W_q.shape[1] != W_k.shape[1]:
        raise ValueError(
            f"W_q has shape {W_q.shape} and W_k has shape {W_k.shape}: queries and keys are compared by a dot "
            f"product, so both need the same number of columns d, got {W_q.shape[1]} and {W_k.shape[1]}"
        )
    return x_q @ W_q, x_kv @ W_k, x_kv @ W_v             # (..., n_q, d), (..., n_k, d), (..., n_k, d_v)


def self_attention(x, W_q, W_k, W_v, mask=None):
    """Single-head self-attention: queries, keys and values are projections of the same tokens.

    Parameters
    ----------
    x : array_like, (..., n, D)
    W_q, W_k : array_like, (D, d)
    W_v : array_like, (D, d_v)
    mask : bool array, optional
        ``(n, n)`` (e.g. :func:`causal_mask`) or with the scores' full number of axes; True = may attend.

    Returns
    -------
    out : ndarray, (..., n, d_v)
    weights : ndarray, (..., n, n)
    """
    q, k, v = project_qkv(x, x, W_q, W_k, W_v)           # (..., n, d), (..., n, d), (..., n, d_v)
    return attention(q, k, v, mask)


def cross_attention(x_q, x_kv, W_q, W_k, W_v, mask=None):
    """Single-head cross-attention: queries from ``x_q``, keys and values from ``x_kv``.

    Parameters
    ----------
    x_q : array_like, (..., n_q, D_q)
    x_kv : array_like, (..., n_k, D_kv)
    W_q : array_like, (D_q, d)
    W_k : array_like, (D_kv, d)
    W_v : array_like, (D_kv, d_v)
    mask : bool array, optional
        ``(n_q, n_k)``, or a padding mask ``(B, 1, n_k)`` over the keys; True = may attend.

    Returns
    -------
    out : ndarray, (..., n_q, d_v)
        One row per query: the output has the queries' length, not the keys'.
    weights : ndarray, (..., n_q, n_k)
    """
    q, k, v = project_qkv(x_q, x_kv, W_q, W_k, W_v)      # (..., n_q, d), (..., n_k, d), (..., n_k, d_v)
    return attention(q, k, v, mask)


def attention_steps(x, W_q, W_k, W_v, mask=None):
    """Self-attention taken apart: the tokens, then the matrix each of the five steps makes.

    The five steps are: project to Q/K/V, score every query against every key, scale
    and mask, softmax, and the weighted sum of the values. The last step's ``out``
    equals :func:`self_attention`'s output.

    Parameters
    ----------
    x, W_q, W_k, W_v, mask
        As for :func:`self_attention`: ``x`` (..., n, D), ``W_q`` and ``W_k`` (D, d), ``W_v`` (D, d_v).

    Returns
    -------
    list of (name, {label: ndarray})
        Six entries, in order: ``("tokens", {"x"})``, ``("Q/K/V", {"q", "k", "v"})``,
        ``("scores", {"scores"})``, ``("scale and mask", {"scaled scores"})``,
        ``("softmax", {"weights"})``, ``("weighted sum", {"out"})``. Scores and
        weights are (..., n, n); blocked scores are ``-inf`` after the mask.
    """
    x = as_float_array(x, "x")
    q, k, v = project_qkv(x, x, W_q, W_k, W_v)           # (..., n, d), (..., n, d), (..., n, d_v)
    scores = dot_scores(q, k)                            # (..., n, n)
    scaled = scores / math.sqrt(q.shape[-1])             # (..., n, n)
    if mask is not None:
        scaled = apply_mask(scaled, mask)                # blocked -> -inf
    weights = softmax(scaled, axis=-1)                   # (..., n, n)
    return [
        ("tokens", {"x": x}),
        ("Q/K/V", {"q": q, "k": k, "v": v}),
        ("scores", {"scores": scores}),
        ("scale and mask", {"scaled scores": scaled}),
        ("softmax", {"weights": weights}),
        ("weighted sum", {"out": weights @ v}),        # (..., n, d_v)
    ]
