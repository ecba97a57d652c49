"""Multi-head attention: several attention patterns side by side (lesson 06)."""
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


def _validate_params(params, d_model):
    missing = [n for n in _WEIGHTS if n not in params]
    if missing:
        raise ValueError(f"params is missing {missing}; build it with init_mha_params(d_model, rng)")
    for name in _WEIGHTS:
        if np.shape(params[name]) != (d_model, d_model):
            raise ValueError(f"params[{name!r}] must have shape ({d_model}, {d_model}), got {np.shape(params[name])}")


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
    x_q, x_kv = as_float_array(x_q, "x_q"), as_float_array(x_kv, "x_kv")
    require_ndim(x_q, "x_q", 3, "(B, n_q, D)")
    require_ndim(x_kv, "x_kv", 3, "(B, n_k, D)")
    if x_q.shape[-1] != x_kv.shape[-1] or x_q.shape[:-2] != x_kv.shape[:-2]:
        raise ValueError(
            f"x_q has shape {x_q.shape} and x_kv has shape {x_kv.shape}: "
            "the batch B and the model width D must match"
        )
    d_model = x_q.shape[-1]
    h = _heads(n_heads, d_model, "x_q")
    _validate_params(params, d_model)
    q = split_heads(_project(x_q, params, "q"), h)       # (B, h, n_q, D/h)
    k = split_heads(_project(x_kv, params, "k"), h)      # (B, h, n_k, D/h)
    v = split_heads(_project(x_kv, params, "v"), h)      # (B, h, n_k, D/h)
    heads, weights = attention(q, k, v, _head_mask(mask))  # (B, h, n_q, D/h), (B, h, n_q, n_k)
    out = _project(merge_heads(heads), params, "o")      # (B, n_q, D)
    return out, weights
