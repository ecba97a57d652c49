"""Attention: a soft lookup that averages values by query–key similarity (lessons 03–05)."""
from __future__ import annotations

from ._validate import as_float_array, require_batch_compatible, require_ndim, require_same
from .masking import apply_mask
from .scoring import SIMILARITIES
from .softmax import softmax


def _similarity_function(similarity):
    if callable(similarity):
        return similarity
    if similarity == "additive":
        raise ValueError(
            "additive scores need their parameters: pass "
            "similarity=functools.partial(additive_scores, W_q=..., W_k=..., w=...)"
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
