"""Checks for lesson 03: Nadaraya–Watson kernel regression."""
from __future__ import annotations

import math

import numpy as np

from ..kernel_regression import kernel_regression as _kernel_regression
from ..kernel_regression import kernel_weights as _kernel_weights
from ._engine import Exercise, Misconception, Probe, family

_rng = np.random.default_rng(301)                       # the training data every probe shares
_x = np.sort(_rng.uniform(0, 5, 12))                     # (12,)
_y = np.sin(_x) + 0.1 * _rng.normal(size=12)             # (12,)
_shuffle = np.random.default_rng(302).permutation(12)    # the same points, in no particular order

_WIDTH = "Here the bandwidth τ plays the temperature: u = (x − xᵢ)/τ, dividing once."
_BANDWIDTHS = [  # τ as the learner's code effectively uses it
    ("tau", None, ""),
    ("sqrt2", "kernel_missing_half", ""),
    ("inverse", "temperature_multiplied", "The bandwidth divides the distance: u = (x − xᵢ)/τ, so a larger τ means "
                                          "a wider, smoother kernel."),
    ("one", "temperature_ignored", "Your predictions do not change with the bandwidth: divide x − xᵢ by τ."),
    ("square", "temperature_misapplied", _WIDTH),
    ("root", "temperature_misapplied", _WIDTH),
    ("double", "temperature_misapplied", _WIDTH),
    ("halve", "temperature_misapplied", _WIDTH),
    ("wide", "temperature_misapplied", _WIDTH),
]
_SQUARE = "The Gaussian kernel squares u: exp(−u²/2)."
_KERNELS = [
    ("gauss", None, ""),
    ("laplace", "kernel_not_gaussian", ""),
    ("laplace_half", "rbf_not_squared", _SQUARE),
    ("signed", "rbf_not_squared", _SQUARE),
    ("cauchy", "kernel_not_gaussian", ""),
    ("box", "kernel_not_gaussian", ""),
]
_SIGNS = [("minus", None, ""),
          ("plus", "rbf_positive_sign", "Here the kernel is exp(−u²/2): far points must weigh less.")]
_NORMS = [
    ("keys", None, ""),
    ("none", "missing_normalisation", "Nadaraya–Watson is a weighted *average*: divide by the sum of the kernel "
                                      "values."),
    ("count", "missing_normalisation", "Divide by the sum of the kernel values, not by the number of points."),
    ("queries", "softmax_wrong_axis", "Here the keys are the training points: divide by the sum over the training "
                                      "axis."),
]
_TARGETS = [("labels", None, ""), ("inputs", "averaged_inputs", "")]


def _effective_bandwidth(tau, how):
    return {"tau": tau, "sqrt2": tau / math.sqrt(2), "inverse": 1 / tau, "one": 1.0, "square": tau**2,
            "root": math.sqrt(tau), "double": 2 * tau, "halve": tau / 2, "wide": tau * math.sqrt(2)}[how]


def _kernel(u, how, sign):
    s = 1.0 if sign == "minus" else -1.0
    if how == "gauss":
        return np.exp(-s * u**2 / 2)
    if how == "laplace":
        return np.exp(-s * np.abs(u))
    if how == "laplace_half":
        return np.exp(-s * np.abs(u) / 2)
    if how == "signed":
        return np.exp(-s * u / 2)
    if how == "cauchy":
        return 1 / (1 + u**2)
    return (np.abs(u) <= 1).astype(float)                # "box"


def _nadaraya_watson(bandwidth, kernel, sign, norm, target):
    def variant(x_query, x_train, y_train, tau):
        u = (x_query[:, None] - x_train[None, :]) / _effective_bandwidth(tau, bandwidth)   # (n_q, n)
        w = _kernel(u, kernel, sign)                                                   # (n_q, n)
        if norm == "keys":
            w = w / w.sum(axis=1, keepdims=True)
        elif norm == "count":
            w = w / w.shape[1]
        elif norm == "queries":
            w = w / w.sum(axis=0, keepdims=True)
        return w @ (y_train if target == "labels" else x_train)                        # (n_q,)
    return variant


def _returned_weights(mine, want, probes):
    """The (n_q, n) weight matrix, rows summing to 1, instead of the predictions."""
    for got, probe in zip(mine, probes, strict=True):
        y = None if got.error is not None else np.asarray(got.value)
        if y is None or y.shape != (len(probe.args[0]), len(probe.args[1])) or not np.allclose(y.sum(axis=1), 1):
            return False
    return "You returned the weights; the prediction is their weighted sum of the labels, `weights @ y_train`."


def _hard_nearest(x_query, x_train, y_train, bandwidth):
    return y_train[np.argmin(np.abs(x_query[:, None] - x_train[None, :]), axis=1)]   # (n_q,)


KERNEL_REGRESSION = Exercise(
    id="kernel_regression",
    signature="kernel_regression(x_query, x_train, y_train, bandwidth)",
    reference=_kernel_regression,
    probes=[
        Probe("5 queries, 12 training points, bandwidth 0.5", (np.linspace(0.2, 4.8, 5), _x, _y, 0.5)),
        Probe("3 queries, bandwidth 2.0", (np.array([0.0, 2.5, 6.0]), _x, _y, 2.0), purpose="temperature"),
        Probe("12 queries at the training points, bandwidth 0.3", (_x.copy(), _x, _y, 0.3), purpose="at_data"),
        Probe("one query far from the data, bandwidth 1.0", (np.array([9.0]), _x, _y, 1.0), purpose="far_query"),
        Probe("4 queries, training points not sorted, bandwidth 0.7",
              (np.array([0.5, 1.9, 3.3, 4.4]), _x[_shuffle], _y[_shuffle], 0.7), purpose="unsorted"),
    ],
    misconceptions=[
        *family(_nadaraya_watson, {"bandwidth": _BANDWIDTHS, "kernel": _KERNELS, "sign": _SIGNS, "norm": _NORMS,
                                   "target": _TARGETS}),
        Misconception("hard_attention", variant=_hard_nearest,
                      detail="That is the limit of a vanishing bandwidth (1-NN); kernel regression weighs every "
                             "training point by its kernel value."),
        Misconception("wrong_quantity", test=_returned_weights),
        Misconception("large_bandwidth_limit", variant=lambda xq, xt, yt, tau: np.full(len(xq), np.mean(yt)),
                      detail="Here every query gets the same prediction: the weights must depend on the distance."),
    ],
    forbidden=(_kernel_regression, _kernel_weights),
    output="values",
    errors={"could not be broadcast": "broadcast_mismatch"},
)

EXERCISES = [KERNEL_REGRESSION]
