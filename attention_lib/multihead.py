"""Multi-head attention: several attention patterns side by side (lesson 06).

Also its grouped-query (GQA) and multi-query (MQA) variants, where several query
heads share one key/value head, and what each costs in multiply-adds and score
entries. The size of a key/value cache is :func:`attention_lib.efficient.kv_cache_bytes`.
"""
from __future__ import annotations

import math

import numpy as np

from ._validate import as_float_array, require_ndim, whole_number
from .attention import attention

_WEIGHTS = ("W_q", "W_k", "W_v", "W_o")
_BIASES = ("b_q", "b_k", "b_v", "b_o")


def _heads(n_heads, d_model, name="x"):
    n_heads = whole_number(n_heads, "n_heads")
    if d_model % n_heads:
        raise ValueError(
            f"{name} has D = {d_model} features, which n_heads = {n_heads} does not divide: "
            "every head needs D / n_heads features"
        )
    return n_heads


def _kv_heads(n_heads, n_kv_heads):
    n_kv_heads = whole_number(n_kv_heads, "n_kv_heads")
    if n_heads % n_kv_heads:
        raise ValueError(
            f"n_kv_heads = {n_kv_heads} does not divide n_heads = {n_heads}: "
            "every key/value head must serve the same number of query heads"
        )
    return n_kv_heads


def split_heads(x, n_heads):
    """Split the features into heads: head ``j`` takes features ``[j*D/h, (j+1)*D/h)``.

    Parameters
    ----------
    x : array_like, (..., n, D)
    n_heads : int, divides D

    Returns
    -------
    ndarray, (..., h, n, D/h)
    """
    x = as_float_array(x, "x")
    require_ndim(x, "x", 2, "(..., n, D)")
    *lead, n, d_model = x.shape
    h = _heads(n_heads, d_model)
    x = x.reshape(*lead, n, h, d_model // h)            # (..., n, h, D/h)
    return np.swapaxes(x, -2, -3)                        # (..., h, n, D/h)


def merge_heads(x):
    """Undo :func:`split_heads`: concatenate the heads' features.

    Parameters
    ----------
    x : array_like, (..., h, n, d)

    Returns
    -------
    ndarray, (..., n, h*d)
    """
    x = as_float_array(x, "x")
    require_ndim(x, "x", 3, "(..., h, n, d)")
    *lead, h, n, d = x.shape
    x = np.swapaxes(x, -2, -3)                           # (..., n, h, d)
    return x.reshape(*lead, n, h * d)                    # (..., n, h*d)


def init_mha_params(d_model, rng, bias=False):
    """Random multi-head attention parameters, scaled so projections keep unit variance.

    Parameters
    ----------
    d_model : int
    rng : numpy.random.Generator or int
        A generator, or a seed for one.
    bias : bool
        Also return zero biases ``b_q b_k b_v b_o``.

    Returns
    -------
    dict
        ``W_q W_k W_v W_o`` of shape (D, D), and with ``bias`` the biases (D,).
        Projections are ``x @ W + b``.
    """
    d_model = whole_number(d_model, "d_model")
    rng = np.random.default_rng(rng)
    scale = 1 / math.sqrt(d_model)
    params = {name: rng.normal(0.0, scale, (d_model, d_model)) for name in _WEIGHTS}
    if bias:
        params.update({name: np.zeros(d_model) for name in _BIASES})
    return params


def _project(x, params, which):
    out = x @ params[f"W_{which}"]                       # (B, n, D)
    bias = params.get(f"b_{which}")
    return out if bias is None else out + bias


def _head_mask(mask):
    """Give a batch-level mask ``(B, ·, n_k)`` the head axis: ``(B, 1, ·, n_k)``."""
    if mask is None:
        return None
    mask = np.asarray(mask)
    return mask[:, None] if mask.ndim == 3 else mask


def _validate_params(params, shapes):
    missing = [n for n in _WEIGHTS if n not in params]
    if missing:
        raise ValueError(f"params is missing {missing}; build it with init_mha_params or init_gqa_params")
    for name, shape in shapes.items():
        if np.shape(params[name]) != shape:
            raise ValueError(f"params[{name!r}] must have shape {shape}, got {np.shape(params[name])}")


def _check_inputs(x_q, x_kv):
    x_q, x_kv = as_float_array(x_q, "x_q"), as_float_array(x_kv, "x_kv")
    require_ndim(x_q, "x_q", 3, "(B, n_q, D)")
    require_ndim(x_kv, "x_kv", 3, "(B, n_k, D)")
    if x_q.shape[-1] != x_kv.shape[-1] or x_q.shape[:-2] != x_kv.shape[:-2]:
        raise ValueError(
            f"x_q has shape {x_q.shape} and x_kv has shape {x_kv.shape}: "
            "the batch B and the model width D must match"
        )
    return x_q, x_kv


def _setup(x_q, x_kv, params, n_heads, n_kv_heads):
    """Validate the inputs of (grouped-query) multi-head attention; return them with ``h`` and ``g``."""
    x_q, x_kv = _check_inputs(x_q, x_kv)
    d_model = x_q.shape[-1]
    h = _heads(n_heads, d_model, "x_q")
    g = _kv_heads(h, n_kv_heads)
    kv_width = g * (d_model // h)
    _validate_params(params, {"W_q": (d_model, d_model), "W_k": (d_model, kv_width),
                              "W_v": (d_model, kv_width), "W_o": (d_model, d_model)})
    return x_q, x_kv, h, g


def _attend_and_merge(q, k, v, params, mask):
    heads, weights = attention(q, k, v, _head_mask(mask))  # (B, h, n_q, d), (B, h, n_q, n_k)
    return _project(merge_heads(heads), params, "o"), weights   # (B, n_q, D), (B, h, n_q, n_k)


def multi_head_attention(x_q, x_kv, params, n_heads, mask=None):
    """Multi-head scaled dot-product attention.

    Parameters
    ----------
    x_q : array_like, (B, n_q, D)
        Queries come from here.
    x_kv : array_like, (B, n_k, D)
        Keys and values come from here; pass ``x_q`` for self-attention.
    params : dict
        From :func:`init_mha_params`.
    n_heads : int, divides D
    mask : bool array, optional
        ``(n_q, n_k)``, a batch mask ``(B, 1, n_k)`` or ``(B, n_q, n_k)`` (the
        head axis is added here), or a full ``(B, h, n_q, n_k)``. True = may attend.

    Returns
    -------
    out : ndarray, (B, n_q, D)
    weights : ndarray, (B, h, n_q, n_k)
    """
    x_q, x_kv, h, _ = _setup(x_q, x_kv, params, n_heads, n_heads)
    q = split_heads(_project(x_q, params, "q"), h)       # (B, h, n_q, D/h)
    k = split_heads(_project(x_kv, params, "k"), h)      # (B, h, n_k, D/h)
    v = split_heads(_project(x_kv, params, "v"), h)      # (B, h, n_k, D/h)
    return _attend_and_merge(q, k, v, params, mask)      # (B, n_q, D), (B, h, n_q, n_k)


# ------------------------------------------------------------------ shared key/value heads

def repeat_kv_heads(x, n_heads):
    """Give every query head its key/value head: query head ``i`` uses KV head ``i // (h / g)``.

    Each of the ``g`` key/value heads is repeated ``h / g`` times in place (head 0, 0, …, 1, 1, …),
    as ``torch.repeat_interleave`` does, not tiled (0, 1, 0, 1, …).

    Parameters
    ----------
    x : array_like, (..., g, n, d)
        Keys or values with ``g`` heads.
    n_heads : int
        The number of query heads ``h``; ``g`` must divide it.

    Returns
    -------
    ndarray, (..., h, n, d)
    """
    x = as_float_array(x, "x")
    require_ndim(x, "x", 3, "(..., n_kv_heads, n, d)")
    h = whole_number(n_heads, "n_heads")
    g = _kv_heads(h, x.shape[-3])
    return np.repeat(x, h // g, axis=-3)                 # (..., h, n, d)


def init_gqa_params(d_model, n_heads, n_kv_heads, rng, bias=False):
    """Random grouped-query attention parameters: ``n_kv_heads`` key/value heads shared by ``n_heads`` query heads.

    Parameters
    ----------
    d_model : int
    n_heads : int, divides d_model
    n_kv_heads : int, divides n_heads
        ``n_heads`` gives multi-head attention, 1 gives multi-query attention.
    rng : numpy.random.Generator or int
    bias : bool
        Also return zero biases.

    Returns
    -------
    dict
        ``W_q W_o`` of shape (D, D); ``W_k W_v`` of shape (D, g·D/h), one column block per KV head.
    """
    d_model = whole_number(d_model, "d_model")
    h = _heads(n_heads, d_model, "the model")
    width = _kv_heads(h, n_kv_heads) * (d_model // h)
    rng = np.random.default_rng(rng)
    scale = 1 / math.sqrt(d_model)
    shapes = {"W_q": d_model, "W_k": width, "W_v": width, "W_o": d_model}
    params = {name: rng.normal(0.0, scale, (d_model, cols)) for name, cols in shapes.items()}
    if bias:
        params.update({f"b_{name[2:]}": np.zeros(cols) for name, cols in shapes.items()})
    return params


def grouped_query_attention(x_q, x_kv, params, n_heads, n_kv_heads, mask=None):
    """Grouped-query attention (Ainslie et al. 2023): ``h`` query heads share ``g`` key/value heads.

    Query head ``i`` uses key/value head ``i // (h / g)``. With ``g = h`` this is
    :func:`multi_head_attention`; with ``g = 1`` it is :func:`multi_query_attention`.

    Parameters
    ----------
    x_q : array_like, (B, n_q, D)
    x_kv : array_like, (B, n_k, D)
    params : dict
        From :func:`init_gqa_params`: ``W_q W_o`` (D, D), ``W_k W_v`` (D, g·D/h).
    n_heads : int, divides D
    n_kv_heads : int, divides n_heads
    mask : bool array, optional
        As in :func:`multi_head_attention`. True = may attend.

    Returns
    -------
    out : ndarray, (B, n_q, D)
    weights : ndarray, (B, h, n_q, n_k)
    """
    x_q, x_kv, h, g = _setup(x_q, x_kv, params, n_heads, n_kv_heads)
    q = split_heads(_project(x_q, params, "q"), h)       # (B, h, n_q, d)
    k = split_heads(_project(x_kv, params, "k"), g)      # (B, g, n_k, d)
    v = split_heads(_project(x_kv, params, "v"), g)      # (B, g, n_k, d)
    k, v = repeat_kv_heads(k, h), repeat_kv_heads(v, h)  # (B, h, n_k, d) each
    return _attend_and_merge(q, k, v, params, mask)      # (B, n_q, D), (B, h, n_q, n_k)


def multi_query_attention(x_q, x_kv, params, n_heads, mask=None):
    """Multi-query attention (Shazeer 2019): ``h`` query heads share one key head and one value head.

    The same as :func:`grouped_query_attention` with ``n_kv_heads = 1``; ``params`` has
    ``W_k W_v`` of shape (D, D/h).

    Returns
    -------
    out : ndarray, (B, n_q, D)
    weights : ndarray, (B, h, n_q, n_k)
    """
    return grouped_query_attention(x_q, x_kv, params, n_heads, 1, mask)


def mean_pool_kv_heads(params, n_heads, n_kv_heads):
    """Turn multi-head parameters into grouped-query ones by averaging each group's K and V projections.

    This is how Ainslie et al. (2023) convert a multi-head checkpoint: §2.1 mean-pools all heads' key
    and value projection matrices into one (for multi-query attention), and §2.2 pools the ``h / g``
    heads of each group into one (for grouped-query attention). The model
    changes (they then train it further for a few percent of the original steps).

    Parameters
    ----------
    params : dict
        Multi-head parameters, ``W_k W_v`` of shape (D, D).
    n_heads : int
    n_kv_heads : int, divides n_heads

    Returns
    -------
    dict
        A new dict for :func:`grouped_query_attention`: ``W_k W_v`` of shape (D, g·D/h), the rest copied.
    """
    d_model = np.shape(params["W_k"])[0]
    h = _heads(n_heads, d_model, "params['W_k']")
    g = _kv_heads(h, n_kv_heads)
    _validate_params(params, dict.fromkeys(_WEIGHTS, (d_model, d_model)))
    d = d_model // h
    pooled = {name: np.array(w, dtype=float) for name, w in params.items()}
    for which in ("k", "v"):
        w = pooled[f"W_{which}"].reshape(d_model, g, h // g, d)   # (D, g, h/g, d)
        pooled[f"W_{which}"] = w.mean(axis=2).reshape(d_model, g * d)   # (D, g·d)
        if f"b_{which}" in pooled:
            pooled[f"b_{which}"] = pooled[f"b_{which}"].reshape(g, h // g, d).mean(axis=1).reshape(g * d)
    return pooled


# ------------------------------------------------------------------ what it costs

def multi_head_cost(n_q, n_k, d_model, n_heads, n_kv_heads=None):
    """Count the work of one multi-head (or grouped-query) attention layer, from the tensor shapes.

    A multiply-add is one ``a * b + c``; a matrix product (m, k) @ (k, n) does m·k·n of them.
    Biases, the scale and the softmax are not counted as multiply-adds.

    Parameters
    ----------
    n_q, n_k : int
        Number of queries and of keys.
    d_model : int
        Model width D.
    n_heads : int, divides D
    n_kv_heads : int, optional
        Key/value heads g (default ``n_heads``: plain multi-head attention).

    Returns
    -------
    dict
        ``parameters`` (weights of W_Q W_K W_V W_O), ``projection_macs`` (x W_Q, x W_K, x W_V and
        the output's W_O), ``qk_macs`` (Q Kᵀ over all heads), ``pv_macs`` (weights @ V over all heads)
        and ``score_entries`` (h·n_q·n_k: the softmax inputs and the weight tensor's size).
    """
    n_q, n_k = whole_number(n_q, "n_q"), whole_number(n_k, "n_k")
    d_model = whole_number(d_model, "d_model")
    h = _heads(n_heads, d_model, "the model")
    g = h if n_kv_heads is None else _kv_heads(h, n_kv_heads)
    d = d_model // h
    return {
        "parameters": 2 * d_model * d_model + 2 * d_model * g * d,
        "projection_macs": 2 * n_q * d_model * d_model + 2 * n_k * d_model * g * d,
        "qk_macs": h * n_q * d * n_k,                    # h products (n_q, d) @ (d, n_k)
        "pv_macs": h * n_q * n_k * d,                    # h products (n_q, n_k) @ (n_k, d)
        "score_entries": h * n_q * n_k,
    }

