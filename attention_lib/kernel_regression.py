"""Nadaraya–Watson kernel regression, written as attention (lesson 03).

Each kernel is given by its log, ``score(u)`` with ``u = (x - x_i) / τ``, ``τ`` the bandwidth;
the softmax of the scores is then exactly the normalised kernel weights
``K(u_i) / Σ_j K(u_j)``. With the Gaussian kernel the scores are the RBF
scores of :func:`attention_lib.rbf_scores`, so kernel regression *is*
attention with RBF similarity and the training labels as values.
"""
from __future__ import annotations

import numpy as np

from ._validate import as_float_array, positive_scalar
from .scoring import rbf_scores, squared_distances
from .softmax import softmax


def _box(d2):
    return np.where(d2 <= 1, 0.0, -np.inf)


def _epanechnikov(d2):
    return np.log(np.clip(1 - d2, 0, None), where=d2 < 1, out=np.full_like(d2, -np.inf))


KERNELS = {
    "gaussian": lambda d2: -d2 / 2,          # K(u) = exp(-u²/2)
    "laplace": lambda d2: -np.sqrt(d2),      # K(u) = exp(-|u|)
    "box": _box,                             # K(u) = 1 for |u| <= 1
    "epanechnikov": _epanechnikov,           # K(u) = 1 - u² for |u| < 1
}
"""Log-kernels as functions of the scaled squared distance ``u² = ‖x - x_i‖² / τ²``."""


def _as_points(x, name):
    x = as_float_array(x, name)
    if x.ndim == 1:
        return x[:, None]                                # (n, 1)
    if x.ndim == 2:
        return x
    raise ValueError(f"{name} must be 1-D (n,) or 2-D (n, d), got shape {x.shape}")


def kernel_weights(x_query, x_train, bandwidth, kernel="gaussian"):
    """Normalised kernel weights: how much each training point counts for each query.

    Parameters
    ----------
    x_query : array_like, (n_q,) or (n_q, d)
    x_train : array_like, (n,) or (n, d)
    bandwidth : float > 0
    kernel : {"gaussian", "laplace", "box", "epanechnikov"}

    Returns
    -------
    weights : ndarray, (n_q, n)
        Rows sum to 1; a query with no training point inside the kernel's support gets a row of 0.
    """
    bandwidth = positive_scalar(bandwidth, "bandwidth")
    xq, xt = _as_points(x_query, "x_query"), _as_points(x_train, "x_train")
    if xq.shape[1] != xt.shape[1]:
        raise ValueError(f"x_query {xq.shape} and x_train {xt.shape} must have the same number of features")
    if kernel == "gaussian":
        scores = rbf_scores(xq, xt, temperature=bandwidth)          # (n_q, n) = -‖x - x_i‖²/(2τ²)
    elif kernel in KERNELS:
        scores = KERNELS[kernel](squared_distances(xq, xt) / bandwidth**2)   # (n_q, n)
    else:
        raise ValueError(f"unknown kernel {kernel!r}; choose one of {sorted(KERNELS)}")
    return softmax(scores, axis=-1)                      # (n_q, n)


def kernel_regression(x_query, x_train, y_train, bandwidth, kernel="gaussian"):
    """Nadaraya–Watson estimate ``ŷ(x) = Σ_i K((x - x_i)/τ) y_i / Σ_j K((x - x_j)/τ)``.

    This is attention: queries ``x_query``, keys ``x_train``, values ``y_train``,
    RBF scores with the bandwidth ``τ`` as their temperature (for the Gaussian kernel), softmax, weighted sum.

    Parameters
    ----------
    x_query : array_like, (n_q,) or (n_q, d)
    x_train : array_like, (n,) or (n, d)
    y_train : array_like, (n,) or (n, d_v)
    bandwidth : float > 0
        The bandwidth ``τ`` (statisticians write ``h``). Small: wiggly, close to 1-nearest-neighbour.
        Large: smooth, towards the mean of ``y``.
    kernel : {"gaussian", "laplace", "box", "epanechnikov"}

    Returns
    -------
    y_hat : ndarray, (n_q,) or (n_q, d_v)
        NaN where no training point lies inside a compact kernel's support.
    """
    y = as_float_array(y_train, "y_train")
    n_train = _as_points(x_train, "x_train").shape[0]
    if y.ndim not in (1, 2) or y.shape[0] != n_train:
        raise ValueError(f"y_train must have shape ({n_train},) or ({n_train}, d_v) to match x_train, got {y.shape}")
    weights = kernel_weights(x_query, x_train, bandwidth, kernel)   # (n_q, n)
    y_hat = weights @ y                                  # (n_q,) or (n_q, d_v)
    empty = weights.sum(axis=-1) == 0                    # (n_q,)
    if np.any(empty):
        y_hat = y_hat.astype(float, copy=True)
        y_hat[empty] = np.nan
    return y_hat
