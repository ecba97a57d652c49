"""Softmax: turning a row of scores into weights over keys (lesson 02)."""
from __future__ import annotations

import numpy as np

from ._validate import as_float_array, positive_scalar


def softmax(x, axis=-1, temperature=1.0, *, out=None):
    """Numerically stable softmax along ``axis``, with temperature.

    ``softmax(x / temperature)``, computed after subtracting the maximum of each
    slice so that ``exp`` never overflows.

    Parameters
    ----------
    x : array_like, (..., n)
        Scores. Integers are cast to float; float32 stays float32.
    axis : int
        The axis that is normalised (the keys: ``-1`` in attention).
    temperature : float > 0
        Below 1 sharpens towards argmax, above 1 flattens towards uniform.
    out : ndarray, optional
        Where to write the weights, same shape as ``x``. Passing ``x`` itself
        overwrites the scores and saves one array of their size (``attention``
        does this). By default a new array is returned and ``x`` is left alone.

    Returns
    -------
    weights : ndarray, same shape as ``x``
        Non-negative, summing to 1 along ``axis``. A slice that is entirely
        ``-inf`` (every key masked) gives all-zero weights, not NaN.

    Raises
    ------
    ValueError
        If ``temperature <= 0``, ``axis`` is out of range or ``out`` has another shape.
    """
    x = as_float_array(x, "x")
    temperature = positive_scalar(temperature, "temperature")
    if not -x.ndim <= axis < max(x.ndim, 1):
        raise ValueError(f"axis {axis} is out of range for x of shape {x.shape}")
    if out is not None and np.shape(out) != x.shape:
        raise ValueError(f"out has shape {np.shape(out)} but x has shape {x.shape}: they must match")
    z = x if temperature == 1 else np.divide(x, temperature, out=out)   # (..., n)
    top = np.max(z, axis=axis, keepdims=True)            # (..., 1)
    top = np.where(np.isfinite(top), top, 0)             # all -inf slice: shift by 0
    e = np.subtract(z, top, out=out if z is x else z)    # (..., n), x itself is only written if out is x
    np.exp(e, out=e)                                     # in place, every entry <= 1
    total = e.sum(axis=axis, keepdims=True)              # (..., 1)
    e /= np.where(total > 0, total, 1)                   # an all -inf slice is all 0 and stays 0
    return e


def entropy(p, axis=-1):
    """Shannon entropy in nats, with ``0 log 0 = 0``.

    Parameters
    ----------
    p : array_like, (..., n_k)
        Distributions along ``axis``: for attention weights, one row per query over its ``n_k`` keys.

    Returns
    -------
    H : ndarray, (...)
        Between 0 (one-hot) and ``ln n_k`` (uniform).
    """
    p = as_float_array(p, "p")
    logp = np.log(np.where(p > 0, p, 1))                 # (..., n_k), 0 where p == 0
    return -(p * logp).sum(axis=axis)


def softmax_jacobian(p):
    """Jacobian of softmax at output ``p``: ``diag(p) - p pᵀ``.

    Parameters
    ----------
    p : array_like, (..., n)
        Softmax output (one distribution per row).

    Returns
    -------
    J : ndarray, (..., n, n)
        ``J[..., i, j] = d p_i / d s_j``. It vanishes as ``p`` nears one-hot:
        that is softmax saturation.
    """
    p = as_float_array(p, "p")
    outer = p[..., :, None] * p[..., None, :]            # (..., n, n)
    diag = p[..., :, None] * np.eye(p.shape[-1], dtype=p.dtype)   # (..., n, n)
    return diag - outer
