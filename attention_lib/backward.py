"""The backward pass of attention, written by hand (lesson 07).

Forward, for one head with ``scale = 1/sqrt(d)`` (the functions' ``scale`` argument)::

    S = scale · q kᵀ (+ mask)      P = softmax_rows(S)      O = P v

Backward, given ``dO = dL/dO``::

    dv = Pᵀ dO              dP = dO vᵀ              dS = P ∘ (dP − rowsum(dP ∘ P))
    dq = scale · dS k       dk = scale · dSᵀ q

Blocked entries have ``P = 0``, so ``dS = 0`` there: no gradient reaches a masked key.
The layer functions add the projections ``q = x_q W_q``, ``k = x_kv W_k``,
``v = x_kv W_v`` and ``out = O W_o``. :func:`numerical_gradient` and
:func:`relative_error` check any of these against central differences.
"""
from __future__ import annotations

import math

import numpy as np

from ._validate import as_float_array, qkv_arrays, require_ndim
from .masking import apply_mask
from .scoring import dot_scores
from .softmax import softmax

_WEIGHTS = ("W_q", "W_k", "W_v", "W_o")


# --------------------------------------------------------------------------- softmax


def softmax_backward(p, dp):
    """Vector–Jacobian product of a row softmax, without building the Jacobian.

    With ``J = diag(p) − p pᵀ`` (symmetric), ``Jᵀ dp = p ∘ (dp − rowsum(dp ∘ p))``.

    Parameters
    ----------
    p : array_like, (..., n)
        Softmax output, one distribution per row.
    dp : array_like, (..., n)
        Gradient of the loss with respect to ``p``.

    Returns
    -------
    ds : ndarray, (..., n)
        Gradient with respect to the scores. Zero wherever ``p`` is zero (masked keys),
        and each row sums to 0 when ``p`` sums to 1.
    """
    p, dp = as_float_array(p, "p"), as_float_array(dp, "dp")
    if p.shape != dp.shape:
        raise ValueError(f"p has shape {p.shape} and dp has shape {dp.shape}: they must be equal")
    inner = np.sum(dp * p, axis=-1, keepdims=True)       # (..., 1), <dp, p> for each row
    return p * (dp - inner)                              # (..., n)


# --------------------------------------------------------------------------- one head


def _scale(d, scale):
    return 1 / math.sqrt(d) if scale is None else float(scale)


def _unbroadcast(grad, shape):
    """Sum ``grad`` over the axes that broadcasting added or stretched, so it has ``shape``."""
    extra = grad.ndim - len(shape)
    grad = grad.sum(axis=tuple(range(extra))) if extra > 0 else grad
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return grad.sum(axis=stretched, keepdims=True) if stretched else grad


def attention_weights(q, k, mask=None, *, scale=None):
    """The attention weights ``softmax(scale · q kᵀ)`` with blocked keys at 0.

    Parameters
    ----------
    q : array_like, (..., n_q, d)
    k : array_like, (..., n_k, d)
    mask : bool array, optional; True = may attend (see :func:`attention_lib.validate_mask`).
    scale : float, optional
        Multiplies the dot products; default ``1/sqrt(d)``.

    Returns
    -------
    weights : ndarray, (..., n_q, n_k)
    """
    scores = _scale(np.shape(q)[-1], scale) * dot_scores(q, k)   # (..., n_q, n_k)
    if mask is not None:
        scores = apply_mask(scores, mask)                # blocked -> -inf
    return softmax(scores, axis=-1)                      # (..., n_q, n_k), blocked -> 0


def attention_backward(q, k, v, d_out, mask=None, weights=None, *, scale=None):
    """Gradients of scaled dot-product attention with respect to ``q``, ``k`` and ``v``.

    Parameters
    ----------
    q : array_like, (..., n_q, d)
    k : array_like, (..., n_k, d)
    v : array_like, (..., n_k, d_v)
    d_out : array_like, (..., n_q, d_v)
        Gradient of the loss with respect to the attention output ``O = P v``.
    mask : bool array, optional
        The mask used in the forward pass; True = may attend.
    weights : array_like, (..., n_q, n_k), optional
        The forward pass's weights ``P``; recomputed from ``q``, ``k`` and ``mask`` if omitted.
    scale : float, optional
        The forward pass's scale; default ``1/sqrt(d)``.

    Returns
    -------
    dq : ndarray, same shape as ``q``
    dk : ndarray, same shape as ``k``
    dv : ndarray, same shape as ``v``
        Leading (batch) axes that were broadcast in the forward pass are summed over.
    """
    q, k, v, _ = qkv_arrays(q, k, v)
    tau = _scale(q.shape[-1], scale)
    p = attention_weights(q, k, mask, scale=tau) if weights is None else as_float_array(weights, "weights")
    d_out = as_float_array(d_out, "d_out")
    expected = p.shape[:-1] + v.shape[-1:]
    if d_out.shape != expected:
        raise ValueError(
            f"d_out has shape {d_out.shape} but the attention output has shape {expected} "
            f"(weights {p.shape}, v {v.shape})"
        )
    dv = np.swapaxes(p, -1, -2) @ d_out                  # (..., n_k, d_v)
    dp = d_out @ np.swapaxes(v, -1, -2)                  # (..., n_q, n_k)
    ds = softmax_backward(p, dp)                         # (..., n_q, n_k), 0 at masked keys
    dq = tau * (ds @ k)                                  # (..., n_q, d)
    dk = tau * (np.swapaxes(ds, -1, -2) @ q)             # (..., n_k, d)
    return _unbroadcast(dq, q.shape), _unbroadcast(dk, k.shape), _unbroadcast(dv, v.shape)


# --------------------------------------------------------------------------- layer with projections


# OpenBLAS runs a matrix product on one thread when m·n·k is at most 65536 · 4 (its default
# SMP_THRESHOLD_MIN × GEMM_MULTITHREAD_THRESHOLD). The projections below are cut into blocks of
# rows that stay under that size: these products are small, so splitting one across threads costs
# more in waiting than it saves, while one product per batch item would pay Python's overhead many
# times over. Blocks give the same numbers up to rounding.
_ONE_THREAD_MNK = 65536 * 4


def _rows_per_block(a, b):
    return max(1, _ONE_THREAD_MNK // (a * b))


def project(x, W):
    """``x @ W`` for every row of ``x``: the projection of a batch of token vectors.

    Parameters
    ----------
    x : array_like, (..., L, a)
    W : array_like, (a, b)

    Returns
    -------
    y : ndarray, (..., L, b)

    Notes
    -----
    The rows of all batch items are stacked into one ``(N, a)`` matrix and multiplied in
    blocks of rows small enough for OpenBLAS to use a single thread (see ``_ONE_THREAD_MNK``).
    """
    x, W = np.asarray(x), np.asarray(W)
    rows = x.reshape(-1, x.shape[-1])                                 # (N, a)
    y = np.empty((rows.shape[0], W.shape[1]), dtype=np.result_type(rows, W))   # (N, b)
    step = _rows_per_block(*W.shape)
    for start in range(0, rows.shape[0], step):
        np.matmul(rows[start:start + step], W, out=y[start:start + step])     # (step, b)
    return y.reshape(x.shape[:-1] + W.shape[1:])                       # (..., L, b)


def weight_gradient(x, dy):
    """Gradient of a projection ``y = x W`` with respect to ``W``: ``Σ_batch xᵀ dy``.

    Parameters
    ----------
    x : array_like, (..., L, a)
    dy : array_like, (..., L, b)

    Returns
    -------
    dW : ndarray, (a, b)

    Notes
    -----
    The sum runs over every row of every batch item: with all rows stacked into ``X (N, a)``
    and ``dY (N, b)`` it is ``Xᵀ dY``, computed in blocks of rows as :func:`project` does.
    """
    x, dy = np.asarray(x), np.asarray(dy)
    if x.shape[:-1] != dy.shape[:-1]:
        x = np.broadcast_to(x, dy.shape[:-1] + x.shape[-1:])          # (..., L, a), shared across the batch
    xs, dys = x.reshape(-1, x.shape[-1]), dy.reshape(-1, dy.shape[-1])   # (N, a), (N, b)
    step = _rows_per_block(xs.shape[1], dys.shape[1])
    dW = xs[:step].T @ dys[:step]                                     # (a, b)
    for start in range(step, xs.shape[0], step):
        dW += xs[start:start + step].T @ dys[start:start + step]      # (a, b)
    return dW


def init_attention_layer(d_q, d_kv, d_head, d_out, rng, d_v=None):
    """Random weights for one attention head with projections, scaled to keep unit variance.

    Parameters
    ----------
    d_q, d_kv : int
        Features of the query inputs and of the key/value inputs.
    d_head : int
        Size ``d`` of queries and keys.
    d_out : int
        Features of the output.
    rng : numpy.random.Generator or int
    d_v : int, optional
        Size of the values; default ``d_head``.

    Returns
    -------
    dict
        ``W_q`` (d_q, d_head), ``W_k`` (d_kv, d_head), ``W_v`` (d_kv, d_v), ``W_o`` (d_v, d_out).
    """
    rng = np.random.default_rng(rng)
    d_v = d_head if d_v is None else d_v
    shapes = {"W_q": (d_q, d_head), "W_k": (d_kv, d_head), "W_v": (d_kv, d_v), "W_o": (d_v, d_out)}
    return {name: rng.normal(0.0, 1 / math.sqrt(s[0]), s) for name, s in shapes.items()}


def _check_layer(x_q, x_kv, params):
    missing = [n for n in _WEIGHTS if n not in params]
    if missing:
        raise ValueError(f"params is missing {missing}; build it with init_attention_layer(...)")
    W_q, W_k, W_v, W_o = (as_float_array(params[n], n) for n in _WEIGHTS)
    checks = [("x_q", x_q, "W_q", W_q), ("x_kv", x_kv, "W_k", W_k), ("x_kv", x_kv, "W_v", W_v)]
    for x_name, x, w_name, w in checks:
        if w.ndim != 2 or w.shape[0] != x.shape[-1]:
            raise ValueError(f"{w_name} has shape {w.shape} but {x_name} has shape {x.shape}: "
                             f"{w_name} needs shape ({x.shape[-1]}, ·)")
    if W_q.shape[1] != W_k.shape[1]:
        raise ValueError(f"W_q {W_q.shape} and W_k {W_k.shape} must give queries and keys the same size d")
    if W_o.ndim != 2 or W_o.shape[0] != W_v.shape[1]:
        raise ValueError(f"W_o has shape {W_o.shape} but W_v {W_v.shape} gives values of size "
                         f"{W_v.shape[1]}: W_o needs shape ({W_v.shape[1]}, d_out)")
    return W_q, W_k, W_v, W_o


def attention_layer_forward(x_q, x_kv, params, mask=None, *, scale=None):
    """One attention head with projections: ``attention(x_q W_q, x_kv W_k, x_kv W_v) W_o``.

    Parameters
    ----------
    x_q : array_like, (..., n_q, d_q)
    x_kv : array_like, (..., n_k, d_kv)
        Pass ``x_q`` for self-attention.
    params : dict
        ``W_q W_k W_v W_o``, see :func:`init_attention_layer`.
    mask : bool array, optional; True = may attend.
    scale : float, optional
        Multiplies the dot products; default ``1/sqrt(d)``.

    Returns
    -------
    out : ndarray, (..., n_q, d_out)
    cache : dict
        Everything :func:`attention_layer_backward` needs (inputs, q, k, v, weights, heads).
    """
    x_q, x_kv = as_float_array(x_q, "x_q"), as_float_array(x_kv, "x_kv")
    require_ndim(x_q, "x_q", 2, "(..., n_q, d_q)")
    require_ndim(x_kv, "x_kv", 2, "(..., n_k, d_kv)")
    W_q, W_k, W_v, W_o = _check_layer(x_q, x_kv, params)
    q = project(x_q, W_q)                                # (..., n_q, d)
    k, v = project(x_kv, W_k), project(x_kv, W_v)        # (..., n_k, d), (..., n_k, d_v)
    tau = _scale(q.shape[-1], scale)
    weights = attention_weights(q, k, mask, scale=tau)   # (..., n_q, n_k)
    heads = weights @ v                                  # (..., n_q, d_v)
    out = project(heads, W_o)                            # (..., n_q, d_out)
    cache = {"x_q": x_q, "x_kv": x_kv, "q": q, "k": k, "v": v, "weights": weights, "heads": heads,
             "mask": mask, "scale": tau, "params": {"W_q": W_q, "W_k": W_k, "W_v": W_v, "W_o": W_o}}
    return out, cache


def attention_layer_backward(d_out, cache, *, input_grads=True):
    """Gradients of :func:`attention_layer_forward` for every weight and both inputs.

    Parameters
    ----------
    d_out : array_like, (..., n_q, d_out)
        Gradient of the loss with respect to the layer output.
    cache : dict
        The second value returned by :func:`attention_layer_forward`.
    input_grads : bool
        Also return the gradients with respect to ``x_q`` and ``x_kv`` (a layer below needs
        them; a single layer trained on fixed inputs does not, and skipping them saves a third
        of the backward pass).

    Returns
    -------
    grads : dict
        ``W_q W_k W_v W_o`` (each the shape of its weight, summed over the batch), and with
        ``input_grads`` also ``x_q`` and ``x_kv`` (the shapes of the inputs). For self-attention
        the gradient with respect to ``x`` is ``grads["x_q"] + grads["x_kv"]``.
    """
    c, W = cache, cache["params"]
    d_out = as_float_array(d_out, "d_out")
    expected = c["heads"].shape[:-1] + W["W_o"].shape[-1:]
    if d_out.shape != expected:
        raise ValueError(f"d_out has shape {d_out.shape} but the layer output has shape {expected}")
    d_heads = project(d_out, W["W_o"].T)                 # (..., n_q, d_v)
    dq, dk, dv = attention_backward(c["q"], c["k"], c["v"], d_heads, c["mask"], c["weights"], scale=c["scale"])
    grads = {
        "W_q": weight_gradient(c["x_q"], dq),            # (d_q, d)
        "W_k": weight_gradient(c["x_kv"], dk),           # (d_kv, d)
        "W_v": weight_gradient(c["x_kv"], dv),           # (d_kv, d_v)
        "W_o": weight_gradient(c["heads"], d_out),       # (d_v, d_out)
    }
    if input_grads:
        grads["x_q"] = project(dq, W["W_q"].T)                                   # (..., n_q, d_q)
        grads["x_kv"] = project(dk, W["W_k"].T) + project(dv, W["W_v"].T)       # (..., n_k, d_kv)
    return grads


# --------------------------------------------------------------------------- gradient checks


def numerical_gradient(f, x, eps=1e-6):
    """Central-difference gradient of a scalar function: ``(f(x + eps) − f(x − eps)) / 2 eps``.

    Parameters
    ----------
    f : callable
        Takes an array shaped like ``x`` and returns a scalar.
    x : array_like
        The point; it is copied to float64 and never modified.
    eps : float
        Step. 1e-6 balances truncation (eps²) and rounding (1e-16 / eps) in float64.

    Returns
    -------
    grad : ndarray of float64, same shape as ``x``
    """
    x = np.array(x, dtype=np.float64)                    # a private copy, nudged in place
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        up = float(f(x))
        x[index] = original - eps
        down = float(f(x))
        x[index] = original
        grad[index] = (up - down) / (2 * eps)
    return grad


def finite_difference(f, x, eps, *, dtype=np.float64, central=True):
    """A finite-difference gradient with the step, the precision and the formula as choices.

    :func:`numerical_gradient` is the choice to use (central, float64). This one exists to measure
    the others: ``dtype`` runs the whole computation in that precision (``x`` and the step are cast to
    it), and ``central=False`` takes the one-sided ``(f(x + eps) − f(x)) / eps``.

    Parameters
    ----------
    f : callable
        Takes an array shaped like ``x`` (of ``dtype``) and returns a scalar.
    x : array_like
        The point; it is copied and never modified.
    eps : float
    dtype : numpy floating type
    central : bool

    Returns
    -------
    grad : ndarray of ``dtype``, same shape as ``x``
    """
    x = np.array(x, dtype=dtype)                         # a private copy in `dtype`, nudged in place
    grad, eps = np.zeros_like(x), dtype(eps)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        up = f(x)
        x[index] = original - eps if central else original
        down = f(x)
        x[index] = original
        grad[index] = (up - down) / (2 * eps if central else eps)
    return grad


def relative_error(a, b):
    """``‖a − b‖ / (‖a‖ + ‖b‖)``: 0 when equal, 1 when opposite or one is zero.

    Parameters
    ----------
    a, b : array_like, same shape

    Returns
    -------
    float
        0.0 when both are exactly zero. Below 1e-6 is a passing float64 gradient check.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a has shape {a.shape} and b has shape {b.shape}: compare arrays of the same shape")
    denominator = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denominator == 0 else float(np.linalg.norm(a - b) / denominator)
