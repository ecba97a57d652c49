"""Checks for lesson 03: Nadaraya–Watson kernel regression."""
from __future__ import annotations

import numpy as np

from ..kernel_regression import kernel_regression as _kernel_regression
from ..kernel_regression import kernel_weights as _kernel_weights
from ._engine import Exercise, Misconception, Probe, rng

_KERNELS = {   # another kernel than the Gaussian, as a patch of its line -> (code, detail)
    "np.exp(-np.abs(u))": ("kernel_not_gaussian", ""),
    "np.exp(-np.abs(u) / 2)": ("rbf_not_squared", "The Gaussian kernel squares u: exp(−u²/2)."),
    "1 / (1 + u ** 2)": ("kernel_not_gaussian", ""),
    "(np.abs(u) <= 1).astype(float)": ("kernel_not_gaussian", ""),
}
_WIDTH = "Here the bandwidth τ plays the temperature: u = (x − xᵢ)/τ, dividing once."
_BANDWIDTHS = {   # τ as the learner's code effectively uses it -> (code, detail)
    "bandwidth ** 2": ("temperature_misapplied", _WIDTH), "np.sqrt(bandwidth)": ("bandwidth_not_squared", ""),
    "(2 * bandwidth)": ("temperature_misapplied", _WIDTH),
    "(bandwidth * np.sqrt(2))": ("temperature_misapplied", _WIDTH),
    "(bandwidth / np.sqrt(2))": ("kernel_missing_half", ""),
}


def _returned_weights(mine, want, probes):
    """The (n_q, n) weight matrix, rows summing to 1, instead of the predictions."""
    for got, probe in zip(mine, probes, strict=True):
        y = None if got.error is not None else np.asarray(got.value)
        if y is None or y.shape != (len(probe.args[0]), len(probe.args[1])) or not np.allclose(y.sum(axis=1), 1):
            return False
    return "You returned the weights; the prediction is their weighted sum of the labels, `weights @ y_train`."


def kernel_regression(x_query, x_train, y_train, bandwidth):
    # role[bandwidth]: u = (x − xᵢ)/τ: the bandwidth τ divides each distance
    u = (x_query[:, None] - x_train[None, :]) / bandwidth   # (n_q, n_k)
    # role[kernel]: the Gaussian kernel exp(−u²/2) weighs near points more
    k = np.exp(-u ** 2 / 2)               # (n_q, n_k)
    # role[normalise]: each query's weights sum to 1 over the training points
    w = k / k.sum(axis=1, keepdims=True)  # (n_q, n_k)
    return w @ y_train                    # (n_q,) role[average]: the prediction is the weighted average of the labels


def _probes():
    """Every probe shares one training set (seed 301), here sorted and once (seed 302) shuffled."""
    g = rng(301)
    x = np.sort(g.uniform(0, 5, 12))                     # (12,)
    y = np.sin(x) + 0.1 * g.normal(size=12)              # (12,)
    shuffle = rng(302).permutation(12)                   # the same points, in no particular order
    return [
        Probe("5 queries, 12 training points, bandwidth 0.5", (np.linspace(0.2, 4.8, 5), x, y, 0.5)),
        Probe("3 queries, bandwidth 2.0", (np.array([0.0, 2.5, 6.0]), x, y, 2.0), purpose="temperature"),
        Probe("12 queries at the training points, bandwidth 0.3", (x.copy(), x, y, 0.3), purpose="at_data"),
        Probe("one query far from the data, bandwidth 1.0", (np.array([9.0]), x, y, 1.0), purpose="far_query"),
        Probe("4 queries, training points not sorted, bandwidth 0.7",
              (np.array([0.5, 1.9, 3.3, 4.4]), x[shuffle], y[shuffle], 0.7), purpose="unsorted"),
    ]


KERNEL_REGRESSION = Exercise(
    id="kernel_regression",
    signature="kernel_regression(x_query, x_train, y_train, bandwidth)",
    reference=_kernel_regression,
    teaching=kernel_regression,
    codes={("bandwidth", "drop", "div"): "temperature_ignored",
           ("bandwidth", "drop", "times"): "temperature_multiplied",
           ("kernel", "constant"): "kernel_missing_half", ("kernel", "drop", "sign"): "rbf_positive_sign",
           ("kernel", "drop", "pow"): "rbf_not_squared", ("normalise", "drop"): "missing_normalisation",
           ("normalise", "axis"): "softmax_wrong_axis", (None, "name", "x_train-for-y_train"): "averaged_inputs"},
    equivalent={
        "swap: x_query[:, None] - x_train[None, :] → x_train[None, :] - x_query[:, None]":
            "The kernel squares u, so (xᵢ − x) and (x − xᵢ) weigh alike.",
        "keepdims: x_query[:, None] - x_train[None, :] → x_query[:, None] - x_train":
            "Against the column x_query[:, None], x_train broadcasts as a row with or without its new axis.",
    },
    probes=_probes,
    misconceptions=[
        *(Misconception(code, detail=detail, patch=(("k = np.exp(-u ** 2 / 2)", f"k = {kernel}"),))
          for kernel, (code, detail) in _KERNELS.items()),
        *(Misconception(code, detail=detail, patch=((") / bandwidth", f") / {h}"),))
          for h, (code, detail) in _BANDWIDTHS.items()),
        Misconception("missing_normalisation", patch=(("w = k / k.sum(axis=1, keepdims=True)", "w = k / k.shape[1]"),),
                      detail="Divide by the sum of the kernel values, not by the number of points."),
        Misconception("hard_attention", patch=(("    return w @ y_train", "    return y_train[np.argmax(k, axis=1)]"),),
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
